"""Items -> Telegram HTML messages: the only place that builds HTML or keyboards.

Every file- or user-supplied string goes through `esc`. No message exceeds
4096 UTF-16 code units; long lists are split at item boundaries, and a single
item too long for one message is shortened in its plain text before escaping,
so a tag is never cut.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import links
from storage.categories import CANONICAL
from storage.index import IngestOutcome
from storage.model import Item, SearchResult, WhatResult
from storage.posts import PostStats
from storage.readers import ReaderStats
from storage.search import ArchiveStats, CategoryCount, DigestSummary
from storage.topics import WEEK_TOPIC

MAX_LENGTH = 4096
WEB_DAY_LINK = "在网页上阅读这一期"
WEB_WHAT_LINK = "在网页上查看时间线"
WEB_ITEM_LINK = "网页版"
MENU_BUTTON = "网页版"  # the bot's menu button opening the web archive (a Mini App)
PAGE_SIZE = 5
SHORT_NAMES = {"政策与监管": "政策", "模型与技术进展": "模型", "产品与应用发布": "产品",
               "投融资与并购": "投融资", "行业落地与生态": "行业"}
ICONS = {"政策与监管": "🏛", "模型与技术进展": "🧠", "产品与应用发布": "📱",
         "投融资与并购": "💰", "行业落地与生态": "🏭"}
HELP_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("today", "某天的日报（默认今天）", "/today 2026-02-08"),
    ("latest", "最新一期的标题", "/latest"),
    ("card", "某天日报的长图，可分享到微信（默认最新一期）", "/card 2026-02-08"),
    ("search", "关键词搜索", "/search 红包"),
    ("category", "按分类浏览", "/category 投融资"),
    ("what", "某公司/产品的事件时间线", "/what 阶跃星辰"),
    ("week", "一周事件榜（默认最新一周）", "/week 2026-02-08"),
    ("trend", "关键词每周提及趋势图", "/trend 红包"),
    ("subscribe", "私信订阅每日日报（可选分类）", "/subscribe 投融资 模型"),
    ("unsubscribe", "取消订阅", "/unsubscribe"),
    ("settings", "订阅设置", "/settings"),
    ("watch", "关注关键词，新日报出现时提醒", "/watch 阶跃星辰"),
    ("unwatch", "取消关注关键词", "/unwatch 阶跃星辰"),
    ("watches", "我关注的关键词", "/watches"),
    ("help", "查看帮助", "/help"),
)
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("/push [日期] [force]", "立即发布到频道"), ("/preview [日期]", "预览频道消息（只发给你）"),
    ("/reindex", "重新扫描日报目录"), ("/stats", "统计"), ("/targets", "其他推送渠道及状态"),
    ("/pause", "暂停每日发布"),
    ("/resume", "恢复每日发布"), ("/schedule HH:MM", "修改每日发布时间"),
    ("/weekly HH:MM|off", "每周一把上周事件榜发到频道"),
    ("发送日报文件", "校验、索引并预览，可一键发布"),
)


# The query syntax every typed query shares (storage.text.split_query).
QUERY_SYNTAX = ("多个词用空格分开，结果须包含每个词；词前加 - 或 ! 表示排除含有它的条目，"
                "例：<code>/search 红包 -文心</code>")


@dataclass(frozen=True)
class Reply:
    """One message to send: HTML text and an optional inline keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None = field(default=None)


def esc(text: str) -> str:
    """Return `text` escaped for Telegram HTML text (<, >, &)."""
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    """Return the length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def _link(name: str, url: str) -> str:
    label = esc(name or "原文")
    if url.startswith(("http://", "https://")):
        return f'<a href="{html.escape(url, quote=True)}">{label}</a>'
    return label


def short_category(name: str) -> str:
    """Return the short Chinese name of a category (unknown ones as written)."""
    return SHORT_NAMES.get(name, name)


def pack(blocks: list[str], header: str = "", limit: int = MAX_LENGTH) -> list[str]:
    """Return messages made of whole blocks, each within `limit` UTF-16 units, `header` on the first."""
    messages: list[str] = []
    current = header
    for block in _fitting(blocks, limit):
        candidate = f"{current}\n\n{block}" if current else block
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            messages.append(current)
        current = block
    if current:
        messages.append(current)
    return messages


def _fitting(blocks: list[str], limit: int) -> list[str]:
    """Return `blocks` with any block over `limit` split at its line breaks (each line is whole HTML)."""
    out: list[str] = []
    for block in blocks:
        if utf16_len(block) <= limit:
            out.append(block)
            continue
        part = ""
        for line in block.split("\n"):
            candidate = f"{part}\n{line}" if part else line
            if part and utf16_len(candidate) > limit:
                out.append(part)
                candidate = line
            part = candidate
        out.append(part)
    return out


# --- items --------------------------------------------------------------------


def full_item(item: Item, number: int | None = None, budget: int = MAX_LENGTH - 200) -> str:
    """Return one item in full (bold title, 说明, 要点 bullets, source), shortened to fit `budget`."""
    summary_limit, point_limit = 2000, 600
    while True:
        parts = [f"<b>{f'{number}. ' if number else ''}{esc(item.title)}</b>"]
        if item.summary:
            parts.append(esc(_shorten(item.summary, summary_limit)))
        if item.analysis:
            parts.append(f"<i>深度解读：</i>{esc(_shorten(item.analysis, summary_limit))}")
        parts.extend(f"• {esc(_shorten(point, point_limit))}" for point in item.points)
        if item.source_url or item.source_name:
            parts.append(f"来源：{_link(item.source_name, item.source_url)}")
        text = "\n".join(parts)
        if utf16_len(text) <= budget or summary_limit < 50:
            return text
        summary_limit, point_limit = summary_limit // 2, point_limit // 2


def brief_item(item: Item, number: int) -> str:
    """Return an item as a search hit: number, title, date and category, a short summary, source."""
    lines = [f"<b>{number}. {esc(item.title)}</b>",
             f"📅 {item.date} · {esc(short_category(item.category))}"]
    if item.summary:
        lines.append(esc(_shorten(item.summary, 120)))
    if item.source_url:
        lines.append(_link(item.source_name, item.source_url))
    return "\n".join(lines)


# --- the channel post and /today ---------------------------------------------------


def _by_category(items: list[Item]) -> list[tuple[str, list[tuple[int, Item]]]]:
    """Return (category, numbered items) in the digest's order of first appearance."""
    groups: dict[str, list[tuple[int, Item]]] = {}
    for number, item in enumerate(items, start=1):
        groups.setdefault(item.category, []).append((number, item))
    return list(groups.items())


def digest_overview(header: DigestSummary, items: list[Item], note: str = "",
                    web_url: str = "") -> list[str]:
    """Return the overview: date, title, numbered headlines per category (split if very long);
    with `web_url` (WEB_URL), a link to the day's page on the web archive."""
    top = f"<b>📰 {esc(header.title)}</b>\n📅 {header.date} · 共 {len(items)} 条"
    if url := links.day_url(web_url, header.date):
        top += f"\n🌐 {_link(WEB_DAY_LINK, url)}"
    if note:
        top = f"{esc(note)}\n\n{top}"
    blocks = []
    for category, numbered in _by_category(items):
        lines = [f"<b>{ICONS.get(category, '📌')} {esc(category)}</b>"]
        lines += [f"{number}. {esc(_shorten(item.title, 200))}" for number, item in numbered]
        blocks.append("\n".join(lines))
    return pack(blocks, header=top)


def channel_post(header: DigestSummary, items: list[Item], web_url: str = "") -> list[str]:
    """Return the channel post: the overview (linking to the web archive with `web_url`), then
    each category's items in full."""
    return [text for _, text in channel_post_topics(header, items, web_url)]


def channel_post_topics(header: DigestSummary, items: list[Item],
                        web_url: str = "") -> list[tuple[str | None, str]]:
    """Return the channel post as (topic, message): the overview's messages with no topic (a
    forum's General topic), then each category's messages with the category as their topic;
    with `web_url`, the overview links to the day's page on the web archive."""
    messages: list[tuple[str | None, str]] = [
        (None, text) for text in digest_overview(header, items, web_url=web_url)]
    for category, numbered in _by_category(items):
        title = f"<b>{ICONS.get(category, '📌')} {esc(category)}</b> · {header.date}"
        messages += [(category, text) for text in
                     pack([full_item(item, number) for number, item in numbered], header=title)]
    return messages


# Forum topic icon colours Telegram accepts (telegram.constants.ForumIconColor), one per category.
TOPIC_COLORS = {"政策与监管": 0x6FB9F0, "模型与技术进展": 0xCB86DB, "产品与应用发布": 0x8EEE98,
                "投融资与并购": 0xFFD67E, "行业落地与生态": 0xFF93B2}
WEEK_TOPIC_NAME = "📅 一周事件榜"


def topic_name(topic: str) -> str:
    """Return the name a forum topic is created with: the category's emoji and name (at most
    128 characters), or the weekly board's (storage.topics.WEEK_TOPIC)."""
    if topic == WEEK_TOPIC:
        return WEEK_TOPIC_NAME
    return _shorten(f"{ICONS.get(topic, '📌')} {topic}", 128)


def topic_color(topic: str) -> int:
    """Return the icon colour a forum topic is created with."""
    return TOPIC_COLORS.get(topic, 0xFB6F5F)


# --- search, categories, what --------------------------------------------------------


def search_page(result: SearchResult, query_id: int, page: int, category: str | None,
                web_url: str = "") -> Reply:
    """Return one page of search results with paging and category buttons; with `web_url`, a link
    to the full result list on the web archive when there are more results than fit."""
    if result.message == "too_short":
        return Reply("🔍 关键词太短了，请至少输入 2 个字，例如 /search 红包")
    if result.message == "empty":
        return Reply("🔍 请在命令后输入关键词，例如 /search 红包")
    if result.message == "unknown_category":
        return Reply("未知分类。可用分类：政策、模型、产品、投融资、行业")
    if result.message == "only_excluded":
        return only_excluded("search")
    scope = f" · {esc(short_category(category))}" if category else ""
    if not result.items:
        text = (f"🔍 没有找到与「{esc(result.query)}」{scope}相关的内容。\n"
                "试试更短的关键词（如公司名的两个字），或 /category 按分类浏览。")
        return Reply(text, _category_buttons(query_id, category) if category else None)
    pages = max(1, -(-result.total // PAGE_SIZE))
    more = "+" if result.total_capped else ""
    lines = [f"🔍 <b>{esc(result.corrected or result.query)}</b>{scope} · 共 {result.total}{more} 条"
             f" · 第 {page + 1}/{pages}{more} 页"]
    if result.corrected:
        lines.append(f"（没有找到「{esc(result.query)}」，已显示「{esc(result.corrected)}」的结果）")
    if result.total > PAGE_SIZE and (url := links.search_url(web_url, result.corrected
                                                              or result.query, category)):
        lines.append(f"🌐 {_link(f'在网页上查看全部 {result.total}{more} 条', url)}")
    blocks = [brief_item(item, page * PAGE_SIZE + i) for i, item in enumerate(result.items, 1)]
    text = pack(blocks, header="\n".join(lines))[0]
    rows = []
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀ 上一页", callback_data=f"s:{query_id}:{page - 1}:"
                                        f"{_category_code(category)}"))
    if page + 1 < pages:
        nav.append(InlineKeyboardButton("下一页 ▶", callback_data=f"s:{query_id}:{page + 1}:"
                                        f"{_category_code(category)}"))
    if nav:
        rows.append(nav)
    rows += _category_buttons(query_id, category).inline_keyboard
    return Reply(text, InlineKeyboardMarkup(rows))


def _category_code(category: str | None) -> str:
    return str(CANONICAL.index(category)) if category in CANONICAL else "-"


def category_from_code(code: str) -> str | None:
    """Return the canonical category for a callback code ("-" = all)."""
    return CANONICAL[int(code)] if code.isdigit() and int(code) < len(CANONICAL) else None


def _category_buttons(query_id: int, current: str | None) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(("✅ " if current == c else "") + SHORT_NAMES[c],
                                    callback_data=f"s:{query_id}:0:{i}")
               for i, c in enumerate(CANONICAL)]
    buttons.append(InlineKeyboardButton(("✅ " if current is None else "") + "全部",
                                        callback_data=f"s:{query_id}:0:-"))
    return InlineKeyboardMarkup([buttons[:3], buttons[3:]])


def category_menu(counts: list[CategoryCount], ids: dict[str, int]) -> Reply:
    """Return the category keyboard with item counts; `ids` maps category -> saved query id."""
    if not counts:
        return Reply("索引里还没有日报。")
    buttons = [InlineKeyboardButton(f"{short_category(c.name)} ({c.items})",
                                    callback_data=f"c:{ids[c.name]}:0") for c in counts]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    return Reply("🗂 <b>选择分类</b>（括号内为条目数）", InlineKeyboardMarkup(rows))


def category_page(category: str, items: list[Item], total: int, page: int, query_id: int) -> Reply:
    """Return one page of a category's newest items, with paging buttons."""
    if not items:
        return Reply(f"「{esc(category)}」下还没有条目。")
    pages = max(1, -(-total // PAGE_SIZE))
    header = (f"{ICONS.get(category, '📌')} <b>{esc(category)}</b> · 共 {total} 条 · "
              f"第 {page + 1}/{pages} 页")
    blocks = [brief_item(item, page * PAGE_SIZE + i) for i, item in enumerate(items, 1)]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀ 上一页", callback_data=f"c:{query_id}:{page - 1}"))
    if page + 1 < pages:
        nav.append(InlineKeyboardButton("下一页 ▶", callback_data=f"c:{query_id}:{page + 1}"))
    return Reply(pack(blocks, header=header)[0], InlineKeyboardMarkup([nav]) if nav else None)


def what_timeline(result: WhatResult, web_url: str = "") -> list[Reply]:
    """Return the story timeline: one line per story with its dates and sources, oldest first;
    with `web_url`, a link to the timeline on the web archive."""
    if result.message == "empty":
        return [Reply("请在命令后输入名称，例如 /what 阶跃星辰")]
    if result.message == "too_short":
        return [Reply("名称太短了，请至少输入 2 个字，例如 /what 千问")]
    if not result.stories:
        return [Reply(f"没有找到关于「{esc(result.query)}」的报道。试试别的叫法（如英文名），"
                      "或用 /search 搜索关键词。")]
    names = " / ".join(esc(n) for n in result.names)
    header = f"📌 <b>{esc(result.corrected or result.query)}</b> 的事件时间线（{names}）"
    if result.corrected:
        header += f"\n（没有找到「{esc(result.query)}」，已显示「{esc(result.corrected)}」）"
    header += f"\n共 {len(result.stories)} 个事件，按时间排列"
    if url := links.what_url(web_url, result.corrected or result.query):
        header += f"\n🌐 {_link(WEB_WHAT_LINK, url)}"
    blocks = []
    for number, story in enumerate(result.stories, start=1):
        lines = [f"{number}. <b>{story.dates[0]}</b> {esc(story.title)}"]
        if len(story.dates) > 1:
            lines.append(f"   另见：{'、'.join(d[5:] for d in story.dates[1:])}"
                         f"（共 {len(story.dates)} 天报道）")
        sources, seen = [], set()
        for item in story.items:
            if item.source_url and item.source_url not in seen:
                seen.add(item.source_url)
                sources.append(_link(item.source_name, item.source_url))
        if sources:
            lines.append("   来源：" + " · ".join(sources[:4]))
        blocks.append("\n".join(lines))
    return [Reply(text) for text in pack(blocks, header=header)]


def latest_headlines(header: DigestSummary, items: list[Item], web_url: str = "") -> list[Reply]:
    """Return the newest digest's headlines (linking to its web page with `web_url`)."""
    return [Reply(text) for text in digest_overview(header, items, web_url=web_url)]


def today_messages(header: DigestSummary, items: list[Item], note: str = "",
                   web_url: str = "") -> list[Reply]:
    """Return a day's digest for a chat: the overview then the full items, category by category
    (the overview linking to the day's web page with `web_url`); the last message has the
    "🖼 长图" button (the day's card, /card)."""
    messages = channel_post(header, items, web_url)
    if note:
        messages[0] = f"{esc(note)}\n\n{messages[0]}"
        if utf16_len(messages[0]) > MAX_LENGTH:
            messages[0:1] = digest_overview(header, items, note, web_url)
    return [Reply(text, card_keyboard(header.date) if number == len(messages) else None)
            for number, text in enumerate(messages, start=1)]


CARD_BUTTON = "🖼 长图"


def card_keyboard(date: str) -> InlineKeyboardMarkup:
    """Return the "🖼 长图" button that sends the card of `date` (callback `k:DATE`)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(CARD_BUTTON, callback_data=f"k:{date}")]])


# --- fixed texts ------------------------------------------------------------------------


def help_text(is_admin: bool = False) -> Reply:
    """Return /start and /help: what the bot does and every command with an example."""
    lines = ["👋 <b>AI 行业日报机器人</b>",
             "每天定时把 AI 行业日报（政策、模型、产品、投融资、行业）发到频道，"
             "也可以随时查询历史日报。", "", "<b>命令</b>"]
    lines += [f"/{name} — {desc}\n   例：<code>{esc(example)}</code>"
              for name, desc, example in HELP_COMMANDS]
    lines.append("\n分类名可用：政策、模型、产品、投融资、行业")
    lines.append(f"搜索语法：{QUERY_SYNTAX}")
    if is_admin:
        lines.append("\n<b>管理员命令</b>")
        lines += [f"{esc(cmd)} — {desc}" for cmd, desc in ADMIN_COMMANDS]
    return Reply("\n".join(lines))


def only_excluded(command: str) -> Reply:
    """Return the answer to a query that only excludes words (`-文心`): add a word to find."""
    return Reply(f"只有排除词（-词）还不能搜索：请再加上要找的词，例如 /{esc(command)} 红包 -文心")


def plain(text: str) -> Reply:
    """Return a fixed Chinese message (escaped)."""
    return Reply(esc(text))


def no_digest(date: str | None) -> Reply:
    """Return the answer when there is no digest for a date (or none at all)."""
    if date is None:
        return Reply("索引里还没有日报。管理员可以上传日报文件或运行 /reindex。")
    return Reply(f"没有 {esc(date)} 的日报。用 /latest 查看最新一期。")


def stats(archive: ArchiveStats, made: PostStats, paused: bool, post_time: str,
          readers: ReaderStats | None = None, weekly: str | None = None,
          targets: list[str] | None = None) -> Reply:
    """Return /stats for admins: the archive, posts, readers, the last 7 days' queries and the
    other platforms' last deliveries (`targets`: lines from render.target_status.stats_lines)."""
    lines = ["📊 <b>统计</b>", f"日报：{archive.digests} 期，{archive.items} 条",
             f"日期范围：{archive.first_date or '—'} ~ {archive.last_date or '—'}",
             f"已发布：{made.runs_completed} 次，共 {made.messages_sent} 条消息",
             f"上次发布：{made.last_date or '—'}（{esc(made.last_at or '—')}）",
             f"每日发布：{'已暂停' if paused else '开启'}，时间 {esc(post_time)}",
             f"每周事件榜：{'每周一 ' + esc(weekly) if weekly else '关闭'}"]
    if readers is not None:
        lines += [f"订阅：{readers.subscribers} 人（屏蔽了机器人的 {readers.blocked} 人）",
                  f"关键词提醒：{readers.watches} 个，{readers.watchers} 人"]
        per_day = "，".join(f"{day[5:]} {n}" for day, n in readers.queries_per_day) or "—"
        lines.append(f"近 7 天每日查询：{per_day}")
        if readers.top_queries:
            lines.append("近 7 天热门查询：" + "，".join(
                f"{esc(_shorten(query, 20))}（{n}）" for query, n in readers.top_queries))
    if targets:
        lines.append("其他渠道：")
        lines += [f"  {line}" for line in targets]
    return Reply("\n".join(lines))


REINDEX_STARTED = Reply("🔄 正在扫描日报目录，完成后把结果发给你；其间机器人照常回答读者。")


def reindex_report(outcomes: list[IngestOutcome]) -> Reply:
    """Return the /reindex answer: counts, then every file that changed or was rejected."""
    changed = [o for o in outcomes if o.status != "unchanged"]
    counts = {s: sum(o.status == s for o in outcomes) for s in ("indexed", "unchanged", "rejected")}
    lines = [f"🔄 扫描完成：{len(outcomes)} 个文件，新索引 {counts['indexed']}，"
             f"未变 {counts['unchanged']}，拒绝 {counts['rejected']}"]
    lines += [f"<code>{esc(o.line())}</code>" for o in changed]
    return Reply(pack(lines[1:], header=lines[0])[0] if changed else lines[0])


def upload_result(line: str, ok: bool, date: str | None) -> Reply:
    """Return the answer to an uploaded digest file, with a publish button when it was indexed."""
    if not ok:
        return Reply(f"❌ 文件未通过校验：\n<code>{esc(line)}</code>")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("📢 立即发布到频道",
                                                           callback_data=f"p:{date}")]])
    return Reply(f"✅ 已索引：<code>{esc(line)}</code>\n下面是频道消息预览。", keyboard)
