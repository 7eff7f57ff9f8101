"""Telegram HTML for readers: subscriptions and their settings keyboard, watches and their alerts,
/trend captions, the /week story board, inline-mode results and /lang. As in bot/render/__init__.py,
each function takes the reader's language first."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
)

from bot import links, present
from bot.i18n import Translations
from bot.render import (
    BUTTON_CHARS,
    ITEM_LENGTHS,
    MAX_LENGTH,
    Reply,
    _link,
    brief_item,
    esc,
    full_item,
    only_excluded,
    pack,
    refusal,
    short_category,
)
from bot.render.fanout import format_buttons, format_name
from storage.categories import CANONICAL
from storage.model import Item, Refusal, Story, Trend
from storage.readers import MAX_WATCH_CHARS, MAX_WATCHES, Reader, WatchAlert, WatchStatus

ALERT_ITEMS = 10  # items listed in one watch alert; the rest are counted
BOARD_STORIES = 15
INLINE_RESULTS = 20
CAPTION_LIMIT = 1024


def _scope(lang: Translations, categories: tuple[str, ...]) -> str:
    if not categories:
        return lang.gettext("全部分类")
    return lang.gettext("、").join(short_category(lang, c) for c in categories)


def _format_line(lang: Translations, reader: Reader, default_format: str) -> str:
    return lang.gettext("格式：{format}（简报：一条消息列出当天的标题；全文：每条的说明和要点）").format(
        format=esc(format_name(lang, reader.format or default_format)))


def subscribed(lang: Translations, reader: Reader, default_format: str = "brief") -> Reply:
    """Return the answer to /subscribe: what the reader will get (categories and format: theirs,
    else `default_format`, SUBSCRIBER_FORMAT), and how to change it."""
    return Reply(lang.gettext("✅ 已订阅每日日报（{scope}），每天发布时私信给你。\n"
                              "用 /settings 修改分类，/unsubscribe 取消。").format(
                     scope=esc(_scope(lang, reader.categories)))
                 + "\n" + _format_line(lang, reader, default_format),
                 settings_keyboard(lang, reader, default_format))


def unsubscribed(lang: Translations, was_subscribed: bool) -> Reply:
    """Return the answer to /unsubscribe."""
    _ = lang.gettext
    if not was_subscribed:
        return Reply(_("你还没有订阅。用 /subscribe 订阅每日日报，例如 /subscribe 投融资 模型"))
    return Reply(_("已取消订阅，不再私信每日日报。关键词提醒（/watches）不受影响。"))


def settings_view(lang: Translations, reader: Reader | None, default_format: str = "brief") -> Reply:
    """Return /settings: the subscription, its categories and format, with toggle buttons."""
    _ = lang.gettext
    if reader is None or not reader.subscribed:
        text = _("⚙️ <b>订阅设置</b>\n你还没有订阅每日日报。点下面的分类后再点“订阅”，或发送 /subscribe。")
        return Reply(text, settings_keyboard(lang, reader, default_format))
    text = _("⚙️ <b>订阅设置</b>\n每日日报：已订阅（{scope}）\n"
             "点分类切换，✅ 表示会收到；都不选 = 全部分类。").format(
                 scope=esc(_scope(lang, reader.categories)))
    return Reply(text + "\n" + _format_line(lang, reader, default_format),
                 settings_keyboard(lang, reader, default_format))


def settings_updated(lang: Translations) -> str:
    """Return the answer of a /settings button (a callback answer: plain text)."""
    return lang.gettext("已更新")


def settings_keyboard(lang: Translations, reader: Reader | None,
                      default_format: str = "brief") -> InlineKeyboardMarkup:
    """Return the category toggles, the format buttons (brief / full) and the subscribe /
    unsubscribe button (callback `r:...`)."""
    _ = lang.gettext
    chosen = set(reader.categories) if reader else set()
    buttons = [InlineKeyboardButton(("✅ " if c in chosen else "") + short_category(lang, c, BUTTON_CHARS),
                                    callback_data=f"r:c:{i}") for i, c in enumerate(CANONICAL)]
    buttons.append(InlineKeyboardButton(("✅ " if not chosen else "") + _("全部"),
                                        callback_data="r:c:-"))
    on = bool(reader and reader.subscribed)
    toggle = InlineKeyboardButton(_("🔕 取消订阅") if on else _("🔔 订阅"),
                                  callback_data=f"r:s:{0 if on else 1}")
    current = (reader.format if reader and reader.format else default_format)
    return InlineKeyboardMarkup([buttons[:3], buttons[3:], format_buttons(lang, current), [toggle]])


def unknown_categories(lang: Translations, names: list[str]) -> Reply:
    """Return the answer when /subscribe names a category that does not exist."""
    return Reply(lang.gettext("未知分类：{names}。可用分类：政策、模型、产品、投融资、行业").format(
        names=esc(lang.gettext("、").join(names))))


def private_only(lang: Translations, command: str) -> Reply:
    """Return the answer to a reader command used in a group."""
    return Reply(lang.gettext("请在和我的私聊中使用 /{command}，这样提醒只发给你一个人。").format(
        command=esc(command)))


# --- watches ---------------------------------------------------------------------------


def watch_added(lang: Translations, keyword: str, status: WatchStatus, watches: list[str]) -> Reply:
    """Return the answer to /watch for each outcome of storage.readers.add_watch."""
    _ = lang.gettext
    if status == WatchStatus.EXISTS:
        return Reply(_("你已经在关注「{keyword}」了。/watches 查看全部。").format(keyword=esc(keyword)))
    if status == WatchStatus.FULL:
        return Reply(_("最多关注 {n} 个关键词。先用 /unwatch 删除一个。").format(n=MAX_WATCHES))
    if status == WatchStatus.TOO_LONG:
        return Reply(_("关键词太长了（最多 {n} 个字）。").format(n=MAX_WATCH_CHARS))
    if status == WatchStatus.ONLY_EXCLUDED:
        return only_excluded(lang, "watch")
    return Reply(_("🔔 已关注「{keyword}」（{count}/{limit}）。新日报里出现它时，我会私信你一次。")
                 .format(keyword=esc(keyword), count=len(watches), limit=MAX_WATCHES))


def watch_usage(lang: Translations, command: str) -> Reply:
    """Return how to use /watch or /unwatch when the keyword is missing or too short."""
    return Reply(lang.gettext("请在命令后输入关键词（至少 2 个字），例如 /{command} 阶跃星辰").format(
        command=esc(command)))


def watch_removed(lang: Translations, keyword: str, removed: bool) -> Reply:
    """Return the answer to /unwatch."""
    _ = lang.gettext
    if not removed:
        return Reply(_("你没有关注「{keyword}」。/watches 查看全部。").format(keyword=esc(keyword)))
    return Reply(_("已取消关注「{keyword}」。").format(keyword=esc(keyword)))


def watch_list(lang: Translations, watches: list[str]) -> Reply:
    """Return /watches: every watched keyword."""
    _ = lang.gettext
    if not watches:
        return Reply(_("你还没有关注任何关键词。用 /watch 关键词 添加，例如 /watch 阶跃星辰"))
    lines = [_("🔔 <b>你关注的关键词</b>（{count}/{limit}）").format(count=len(watches),
                                                              limit=MAX_WATCHES)]
    lines += [f"{i}. {esc(w)}" for i, w in enumerate(watches, 1)]
    lines.append("\n" + _("取消：/unwatch 关键词"))
    return Reply("\n".join(lines))


def watch_alert(lang: Translations, alert: WatchAlert, note: str = "") -> Reply:
    """Return the one private message that lists a reader's new matching items (`note`: an HTML
    line put first, such as a watched keyword rising this week)."""
    _ = lang.gettext
    keywords = list(dict.fromkeys(k for _item, kws in alert.matches for k in kws))
    header = _("🔔 <b>新日报里有你关注的内容</b>（{keywords}）").format(
        keywords=esc(_("、").join(keywords)))
    blocks = [note] if note else []
    for number, (item, matched) in enumerate(alert.matches[:ALERT_ITEMS], 1):
        blocks.append(brief_item(lang, item, number) + "\n🔑 " + esc(_("、").join(matched)))
    more = len(alert.matches) - ALERT_ITEMS
    if more > 0:
        blocks.append(lang.ngettext("……另有 {n} 条，可用 /search 关键词 查看。",
                                    "……另有 {n} 条，可用 /search 关键词 查看。", more).format(n=more))
    return Reply(pack(blocks, header=header)[0])


# --- /trend ----------------------------------------------------------------------------


def trend_caption(lang: Translations, trend: Trend) -> str:
    """Return the photo caption of /trend: the totals and the newest weeks' figures."""
    _ = lang.gettext
    nonzero = [(w, n) for w, n in trend.weeks if n]
    lines = [_("📈 「{query}」每周提及次数").format(query=esc(trend.query)),
             lang.ngettext("共 {n} 条，{weeks}/{all_weeks} 周有提及",
                           "共 {n} 条，{weeks}/{all_weeks} 周有提及", trend.total).format(
                               n=trend.total, weeks=len(nonzero), all_weeks=len(trend.weeks))]
    peak = trend.busiest()
    if peak:
        lines.append(lang.ngettext("最多：{week} 那周 {n} 条", "最多：{week} 那周 {n} 条", peak[1])
                     .format(week=f"{peak[0]:%Y-%m-%d}", n=peak[1]))
    recent = trend.weeks[-8:]
    if recent:
        lines.append(_("最近几周：{counts}").format(
            counts=_("，").join(f"{w:%m-%d} {n}" for w, n in recent)))
    text = "\n".join(lines)
    return text if len(text) <= CAPTION_LIMIT else text[:CAPTION_LIMIT - 1] + "…"


def trend_text(lang: Translations, trend: Trend) -> Reply | None:
    """Return the answer to /trend when there is nothing to chart, else None."""
    _ = lang.gettext
    if trend.message:
        return refusal(lang, trend.message, "trend", "📈 ")
    if not trend.total:
        return Reply(_("📈 日报里没有提到「{query}」。换个关键词试试，或用 /search 搜索。").format(
            query=esc(trend.query)))
    return None


# --- /week -----------------------------------------------------------------------------


def week_out_of_range(lang: Translations, date: str, earliest: str, latest: str) -> Reply:
    """Return the answer to /week with a date whose week the calendar cannot hold."""
    return Reply(lang.gettext("日期超出范围：{date}。/week 可查 {earliest} 至 {latest} 之间的日期。")
                 .format(date=esc(date), earliest=esc(earliest), latest=esc(latest)))


def week_board(lang: Translations, stories: list[Story], start: str, end: str) -> list[Reply]:
    """Return the weekly story board: stories ranked by days and items reported, each with its dates."""
    _ = lang.gettext
    if not stories:
        return [Reply(_("📅 {start} ~ {end} 没有日报。").format(start=esc(start), end=esc(end)))]
    header = (_("📅 <b>一周事件榜</b> {start} ~ {end}").format(start=start[5:], end=end[5:]) + "\n"
              + lang.ngettext("共 {n} 个事件，按报道天数和篇数排列", "共 {n} 个事件，按报道天数和篇数排列",
                              len(stories)).format(n=len(stories)))
    blocks = []
    for number, story in enumerate(stories[:BOARD_STORIES], 1):
        days = _("、").join(d[5:] for d in story.dates)
        lines = [f"{number}. <b>{esc(present.shorten(story.title, 80))}</b>",
                 "   " + lang.ngettext("{n} 天", "{n} 天", len(story.dates)).format(n=len(story.dates))
                 + " · " + lang.ngettext("{n} 篇（{days}）", "{n} 篇（{days}）", len(story.items))
                 .format(n=len(story.items), days=days)]
        source = next((i for i in reversed(story.items) if i.source_url), None)
        if source:
            lines.append("   " + _("来源：{link}").format(
                link=_link(lang, present.shorten(source.source_name, ITEM_LENGTHS.source),
                           source.source_url)))
        blocks.append("\n".join(lines))
    if len(stories) > BOARD_STORIES:
        more = len(stories) - BOARD_STORIES
        blocks.append(lang.ngettext("……另有 {n} 个只报道一次的事件。", "……另有 {n} 个只报道一次的事件。",
                                    more).format(n=more))
    return [Reply(text) for text in pack(blocks, header=header)]


# --- inline mode -------------------------------------------------------------------------


def inline_results(lang: Translations, items: list[Item],
                   web_url: str = "") -> list[InlineQueryResultArticle]:
    """Return inline-mode results: one shareable article per item (the message is the full item,
    with `web_url` a link to its permalink on the web archive)."""
    results = []
    for item in items[:INLINE_RESULTS]:
        message = full_item(lang, item, budget=MAX_LENGTH - 300) + f"\n📅 {item.date}"
        if item.id is not None and (url := links.item_url(web_url, item.id)):
            on_the_web = lang.gettext("网页版")
            message += f" · 🌐 {_link(lang, on_the_web, url)}"
        description = present.strip_control(f"{item.date} · {short_category(lang, item.category)}"
                                            f" · {present.shorten(item.summary, 80)}")
        results.append(InlineQueryResultArticle(
            id=str(item.id), title=present.strip_control(present.shorten(item.title, 100)),
            description=description,
            input_message_content=InputTextMessageContent(message, parse_mode="HTML"),
            url=present.safe_url(item.source_url) or None))
    return results


def inline_refusal(lang: Translations, message: Refusal | None) -> InlineQueryResultsButton | None:
    """Return the button above inline results that says why a query was not searched, or None.

    (Telegram shows only a button there, no text; it opens the chat with /start, i.e. /help.)
    """
    if message == Refusal.ONLY_EXCLUDED:
        return InlineQueryResultsButton(present.refusal_text(message, lang, str),
                                        start_parameter="help")
    return None


# --- /lang -------------------------------------------------------------------------------


def language_view(lang: Translations, choice: str) -> Reply:
    """Return /lang without an argument: the language in use, whether chosen or automatic, and
    how to change it. (This message names each language in its own words.)"""
    _ = lang.gettext
    current = _("当前语言：中文") if lang.code == "zh" else _("当前语言：English")
    how = _("（你选择的）") if choice else _("（自动：跟随 Telegram 的语言设置）")
    return Reply(f"🌐 {current}{how}\n" + _("切换：/lang zh（中文）、/lang en（English）、"
                                            "/lang auto（跟随 Telegram）"))


def language_set(lang: Translations, choice: str) -> Reply:
    """Return the answer to /lang zh|en|auto, in the language now in use."""
    _ = lang.gettext
    if not choice:
        return Reply(_("🌐 已改为自动：跟随 Telegram 的语言设置（当前：中文）。") if lang.code == "zh"
                     else _("🌐 已改为自动：跟随 Telegram 的语言设置（当前：English）。"))
    return Reply(_("🌐 以后用中文回复你。") if lang.code == "zh" else _("🌐 以后用 English 回复你。"))


def language_usage(lang: Translations, text: str) -> Reply:
    """Return the answer to /lang with something other than zh, en or auto."""
    return Reply(lang.gettext("不认识的语言：{text}。可选：/lang zh、/lang en、/lang auto").format(
        text=esc(text)))
