"""Telegram HTML for readers: subscriptions and their settings keyboard, watches and their alerts,
/trend captions, the /week story board and inline-mode results."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
)

from bot import links
from bot.render import (
    MAX_LENGTH,
    SHORT_NAMES,
    WEB_ITEM_LINK,
    Reply,
    _link,
    _shorten,
    brief_item,
    esc,
    full_item,
    only_excluded,
    pack,
    short_category,
)
from storage.categories import CANONICAL
from storage.model import Item, Story
from storage.readers import MAX_WATCH_CHARS, MAX_WATCHES, Reader, WatchAlert
from storage.search import Trend

ALERT_ITEMS = 10  # items listed in one watch alert; the rest are counted
BOARD_STORIES = 15
INLINE_RESULTS = 20
CAPTION_LIMIT = 1024


def _scope(categories: tuple[str, ...]) -> str:
    return "、".join(short_category(c) for c in categories) if categories else "全部分类"


def subscribed(reader: Reader) -> Reply:
    """Return the answer to /subscribe: what the reader will get, and how to change it."""
    return Reply(f"✅ 已订阅每日日报（{esc(_scope(reader.categories))}），每天发布时私信给你。\n"
                 "用 /settings 修改分类，/unsubscribe 取消。", settings_keyboard(reader))


def unsubscribed(was_subscribed: bool) -> Reply:
    """Return the answer to /unsubscribe."""
    if not was_subscribed:
        return Reply("你还没有订阅。用 /subscribe 订阅每日日报，例如 /subscribe 投融资 模型")
    return Reply("已取消订阅，不再私信每日日报。关键词提醒（/watches）不受影响。")


def settings_view(reader: Reader | None) -> Reply:
    """Return /settings: the subscription and its categories, with toggle buttons."""
    if reader is None or not reader.subscribed:
        text = "⚙️ <b>订阅设置</b>\n你还没有订阅每日日报。点下面的分类后再点“订阅”，或发送 /subscribe。"
        return Reply(text, settings_keyboard(reader))
    text = (f"⚙️ <b>订阅设置</b>\n每日日报：已订阅（{esc(_scope(reader.categories))}）\n"
            "点分类切换，✅ 表示会收到；都不选 = 全部分类。")
    return Reply(text, settings_keyboard(reader))


def settings_keyboard(reader: Reader | None) -> InlineKeyboardMarkup:
    """Return the category toggles and the subscribe / unsubscribe button (callback `r:...`)."""
    chosen = set(reader.categories) if reader else set()
    buttons = [InlineKeyboardButton(("✅ " if c in chosen else "") + SHORT_NAMES[c],
                                    callback_data=f"r:c:{i}") for i, c in enumerate(CANONICAL)]
    buttons.append(InlineKeyboardButton(("✅ " if not chosen else "") + "全部",
                                        callback_data="r:c:-"))
    on = bool(reader and reader.subscribed)
    toggle = InlineKeyboardButton("🔕 取消订阅" if on else "🔔 订阅", callback_data=f"r:s:{0 if on else 1}")
    return InlineKeyboardMarkup([buttons[:3], buttons[3:], [toggle]])


def unknown_categories(names: list[str]) -> Reply:
    """Return the answer when /subscribe names a category that does not exist."""
    return Reply(f"未知分类：{esc('、'.join(names))}。可用分类：政策、模型、产品、投融资、行业")


def private_only(command: str) -> Reply:
    """Return the answer to a reader command used in a group."""
    return Reply(f"请在和我的私聊中使用 /{esc(command)}，这样提醒只发给你一个人。")


# --- watches ---------------------------------------------------------------------------


def watch_added(keyword: str, status: str, watches: list[str]) -> Reply:
    """Return the answer to /watch for each outcome of storage.readers.add_watch."""
    if status == "exists":
        return Reply(f"你已经在关注「{esc(keyword)}」了。/watches 查看全部。")
    if status == "full":
        return Reply(f"最多关注 {MAX_WATCHES} 个关键词。先用 /unwatch 删除一个。")
    if status == "too_long":
        return Reply(f"关键词太长了（最多 {MAX_WATCH_CHARS} 个字）。")
    if status == "only_excluded":
        return only_excluded("watch")
    return Reply(f"🔔 已关注「{esc(keyword)}」（{len(watches)}/{MAX_WATCHES}）。"
                 "新日报里出现它时，我会私信你一次。")


def watch_usage(command: str) -> Reply:
    """Return how to use /watch or /unwatch when the keyword is missing or too short."""
    return Reply(f"请在命令后输入关键词（至少 2 个字），例如 /{esc(command)} 阶跃星辰")


def watch_removed(keyword: str, removed: bool) -> Reply:
    """Return the answer to /unwatch."""
    if not removed:
        return Reply(f"你没有关注「{esc(keyword)}」。/watches 查看全部。")
    return Reply(f"已取消关注「{esc(keyword)}」。")


def watch_list(watches: list[str]) -> Reply:
    """Return /watches: every watched keyword."""
    if not watches:
        return Reply("你还没有关注任何关键词。用 /watch 关键词 添加，例如 /watch 阶跃星辰")
    lines = [f"🔔 <b>你关注的关键词</b>（{len(watches)}/{MAX_WATCHES}）"]
    lines += [f"{i}. {esc(w)}" for i, w in enumerate(watches, 1)]
    lines.append("\n取消：/unwatch 关键词")
    return Reply("\n".join(lines))


def watch_alert(alert: WatchAlert) -> Reply:
    """Return the one private message that lists a reader's new matching items."""
    keywords = list(dict.fromkeys(k for _, kws in alert.matches for k in kws))
    header = f"🔔 <b>新日报里有你关注的内容</b>（{esc('、'.join(keywords))}）"
    blocks = []
    for number, (item, matched) in enumerate(alert.matches[:ALERT_ITEMS], 1):
        blocks.append(brief_item(item, number) + f"\n🔑 {esc('、'.join(matched))}")
    more = len(alert.matches) - ALERT_ITEMS
    if more > 0:
        blocks.append(f"……另有 {more} 条，可用 /search 关键词 查看。")
    return Reply(pack(blocks, header=header)[0])


# --- /trend ----------------------------------------------------------------------------


def trend_caption(trend: Trend) -> str:
    """Return the photo caption of /trend: the totals and the newest weeks' figures."""
    nonzero = [(w, n) for w, n in trend.weeks if n]
    lines = [f"📈 「{esc(trend.query)}」每周提及次数",
             f"共 {trend.total} 条，{len(nonzero)}/{len(trend.weeks)} 周有提及"]
    if nonzero:
        peak = max(nonzero, key=lambda wn: (wn[1], wn[0]))
        lines.append(f"最多：{peak[0]:%Y-%m-%d} 那周 {peak[1]} 条")
    recent = trend.weeks[-8:]
    if recent:
        lines.append("最近几周：" + "，".join(f"{w:%m-%d} {n}" for w, n in recent))
    text = "\n".join(lines)
    return text if len(text) <= CAPTION_LIMIT else text[:CAPTION_LIMIT - 1] + "…"


def trend_text(trend: Trend) -> Reply | None:
    """Return the answer to /trend when there is nothing to chart, else None."""
    if trend.message == "empty":
        return Reply("📈 请在命令后输入关键词，例如 /trend 红包")
    if trend.message == "too_short":
        return Reply("📈 关键词太短了，请至少输入 2 个字，例如 /trend 红包")
    if trend.message == "only_excluded":
        return only_excluded("trend")
    if not trend.total:
        return Reply(f"📈 日报里没有提到「{esc(trend.query)}」。换个关键词试试，或用 /search 搜索。")
    return None


# --- /week -----------------------------------------------------------------------------


def plain_date_error(text: str) -> Reply:
    """Return the answer to /week with a malformed date."""
    return Reply(f"日期格式不对：{esc(text)}。请用 YYYY-MM-DD，例如 /week 2026-02-08")


def week_board(stories: list[Story], start: str, end: str) -> list[Reply]:
    """Return the weekly story board: stories ranked by days and items reported, each with its dates."""
    if not stories:
        return [Reply(f"📅 {esc(start)} ~ {esc(end)} 没有日报。")]
    header = (f"📅 <b>一周事件榜</b> {start[5:]} ~ {end[5:]}\n"
              f"共 {len(stories)} 个事件，按报道天数和篇数排列")
    blocks = []
    for number, story in enumerate(stories[:BOARD_STORIES], 1):
        days = "、".join(d[5:] for d in story.dates)
        lines = [f"{number}. <b>{esc(_shorten(story.title, 80))}</b>",
                 f"   {len(story.dates)} 天 · {len(story.items)} 篇（{days}）"]
        source = next((i for i in reversed(story.items) if i.source_url), None)
        if source:
            lines.append(f"   来源：{_link(source.source_name, source.source_url)}")
        blocks.append("\n".join(lines))
    if len(stories) > BOARD_STORIES:
        blocks.append(f"……另有 {len(stories) - BOARD_STORIES} 个只报道一次的事件。")
    return [Reply(text) for text in pack(blocks, header=header)]


# --- inline mode -------------------------------------------------------------------------


def inline_results(items: list[Item], web_url: str = "") -> list[InlineQueryResultArticle]:
    """Return inline-mode results: one shareable article per item (the message is the full item,
    with `web_url` a link to its permalink on the web archive)."""
    results = []
    for item in items[:INLINE_RESULTS]:
        message = full_item(item, budget=MAX_LENGTH - 300) + f"\n📅 {item.date}"
        if url := links.item_url(web_url, item.id):
            message += f" · 🌐 {_link(WEB_ITEM_LINK, url)}"
        description = f"{item.date} · {short_category(item.category)} · {_shorten(item.summary, 80)}"
        results.append(InlineQueryResultArticle(
            id=str(item.id), title=_shorten(item.title, 100), description=description,
            input_message_content=InputTextMessageContent(message, parse_mode="HTML"),
            url=item.source_url if item.source_url.startswith(("http://", "https://")) else None))
    return results


def inline_refusal(message: str | None) -> InlineQueryResultsButton | None:
    """Return the button above inline results that says why a query was not searched, or None.

    (Telegram shows only a button there, no text; it opens the chat with /start, i.e. /help.)
    """
    if message == "only_excluded":
        return InlineQueryResultsButton("只有排除词：请再加上要找的词，如 红包 -文心",
                                        start_parameter="help")
    return None


def weekly_post_setting(value: str | None) -> Reply:
    """Return the answer to /weekly: when the board is posted to the channel, or that it is off."""
    if not value:
        return Reply("每周一事件榜：已关闭。开启：/weekly 09:00")
    return Reply(f"每周一 {esc(value)} 会把上周事件榜发到频道。关闭：/weekly off")
