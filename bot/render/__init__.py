"""Items -> Telegram HTML messages: the only place that builds HTML or keyboards.

Every file- or user-supplied string goes through `esc`. No message exceeds
4096 UTF-16 code units; long lists are split at item boundaries, and a single
item too long for one message is shortened in its plain text before escaping,
so a tag is never cut.

Every function that shows words of ours takes the reader's language first
(`lang`, a bot.i18n.Translations): the text is written in Chinese inside `_()`
(`lang.ngettext` where a count appears) and comes out in `lang`. The digests'
own text (titles, summaries, category headers) is shown as written.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import links, present
from bot.i18n import N_, Translations
from storage.categories import CANONICAL
from storage.model import (
    CategoryCount,
    DigestSummary,
    Item,
    Refusal,
    SearchResult,
    WhatResult,
)
from storage.topics import WEEK_TOPIC

MAX_LENGTH = 4096  # a message's text, in UTF-16 units once its entities are parsed
CAPTION_LENGTH = 1024  # a photo's caption, likewise
PAGE_SIZE = 5
# How much of a digest's own text one message shows: a file may hold a title or a source name of
# any length, and a message over MAX_LENGTH is refused whole (a post would stop half-way).
ITEM_LENGTHS = present.Lengths(title=256, source=64)
TITLE_CHARS = 256  # a digest's or a story's title
HEADLINE_CHARS = 200  # a headline in a digest's overview
CATEGORY_CHARS = 64  # a category's name as a file writes it (a heading)
BUTTON_CHARS = 32  # a category's name on a button
# (command, description, example): /help and the command menu, translated where shown.
HELP_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("today", N_("某天的日报（默认今天）"), "/today 2026-02-08"),
    ("latest", N_("最新一期的标题"), "/latest"),
    ("card", N_("某天日报的长图，可分享到微信（默认最新一期）"), "/card 2026-02-08"),
    ("search", N_("关键词搜索"), N_("/search 红包")),
    ("category", N_("按分类浏览"), N_("/category 投融资")),
    ("what", N_("某公司/产品的事件时间线"), N_("/what 阶跃星辰")),
    ("ask", N_("提问（私聊也可以直接发问题）"), N_("/ask 上周有哪些融资")),
    ("week", N_("一周事件榜（默认最新一周）"), "/week 2026-02-08"),
    ("trend", N_("关键词每周提及趋势图"), N_("/trend 红包")),
    ("hot", N_("本周升温和新出现的词（可指定日期）"), "/hot"),
    ("subscribe", N_("私信订阅每日日报（可选分类）"), N_("/subscribe 投融资 模型")),
    ("unsubscribe", N_("取消订阅"), "/unsubscribe"),
    ("settings", N_("订阅设置"), "/settings"),
    ("watch", N_("关注关键词，新日报出现时提醒"), N_("/watch 阶跃星辰")),
    ("unwatch", N_("取消关注关键词"), N_("/unwatch 阶跃星辰")),
    ("watches", N_("我关注的关键词"), "/watches"),
    ("lang", N_("回复语言：中文、English 或自动"), "/lang en"),
    ("help", N_("查看帮助"), "/help"),
)
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    (N_("/push [日期] [force]"), N_("立即发布到频道")),
    (N_("/preview [日期]"), N_("预览频道消息（只发给你）")),
    ("/reindex", N_("重新扫描日报目录")), (N_("/remove 日期"), N_("把一天的日报移出索引")),
    ("/stats", N_("统计")),
    ("/targets", N_("其他推送渠道及状态")), ("/pause", N_("暂停每日发布")),
    ("/resume", N_("恢复每日发布")), ("/schedule HH:MM", N_("修改每日发布时间")),
    ("/weekly HH:MM|off", N_("每周一把上周事件榜发到频道")),
    (N_("发送日报文件"), N_("校验、索引并预览，可一键发布")),
)


# The query syntax every typed query shares (storage.text.split_query).
QUERY_SYNTAX = N_("多个词用空格分开，结果须包含每个词；词前加 - 或 ! 表示排除含有它的条目，"
                  "例：<code>/search 红包 -文心</code>")


@dataclass(frozen=True)
class Reply:
    """One message to send: HTML text and an optional inline keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None = field(default=None)


def esc(text: str) -> str:
    """Return `text` escaped for Telegram HTML text (<, >, &), control characters stripped
    (present.strip_control)."""
    return html.escape(present.strip_control(text), quote=False)


def utf16_len(text: str) -> int:
    """Return the length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _link(lang: Translations, name: str, url: str) -> str:
    label = esc(name or lang.gettext("原文"))
    if href := present.safe_url(url):
        return f'<a href="{html.escape(href, quote=True)}">{label}</a>'
    return label


def short_category(lang: Translations, name: str, limit: int = CATEGORY_CHARS) -> str:
    """Return the short name of a category in `lang` (present.short_name; one the bot does not
    know as written, shortened to `limit`)."""
    return present.shorten(present.short_name(name, lang), limit)


def category_heading(category: str) -> str:
    """Return a category's emoji and name as the files write it (shortened), bold, as HTML."""
    return f"<b>{present.icon(category)} {esc(present.shorten(category, CATEGORY_CHARS))}</b>"


def parsed_len(text: str) -> int:
    """Return the length Telegram counts for an HTML message: the UTF-16 units of its text once
    the tags are parsed away and the character references read."""
    return utf16_len(html.unescape(_TAG.sub("", text)))


_TAG = re.compile(r"<[^>]*>")


class TooLong(ValueError):
    """A rendered message is over Telegram's limit: nothing of the view is sent."""


def checked(messages: list[str], limit: int = MAX_LENGTH) -> list[str]:
    """Return `messages` if each is within `limit` as Telegram counts it, else raise TooLong: a
    post is checked whole before its first message is sent, so it never stops half-way."""
    for number, text in enumerate(messages, start=1):
        if parsed_len(text) > limit:
            raise TooLong(f"message {number} of {len(messages)} is {parsed_len(text)} units long "
                          f"(Telegram takes {limit})")
    return messages


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


def full_item(lang: Translations, item: Item, number: int | None = None,
              budget: int = MAX_LENGTH - 200) -> str:
    """Return one item in full (bold title, 说明, 要点 bullets, source), shortened to fit `budget`:
    title and source name to ITEM_LENGTHS, then the summary and points halved until it fits, then
    (hundreds of points) the points that do not fit left out."""
    item = present.shortened(item, ITEM_LENGTHS)
    summary_limit, point_limit = 2000, 600
    while True:
        text = _full_item(lang, item, number, summary_limit, point_limit, len(item.points))
        if utf16_len(text) <= budget or summary_limit < 50:
            break
        summary_limit, point_limit = summary_limit // 2, point_limit // 2
    points = len(item.points)
    while utf16_len(text) > budget and points:
        points = min(points - 1, points * budget // utf16_len(text))
        text = _full_item(lang, item, number, summary_limit, point_limit, points)
    return text


def _full_item(lang: Translations, item: Item, number: int | None, summary_limit: int,
               point_limit: int, points: int) -> str:
    """Return `full_item` with the summary and analysis at `summary_limit` characters, each point
    at `point_limit`, and the first `points` points ("• …" for any left out)."""
    _ = lang.gettext
    parts = [f"<b>{f'{number}. ' if number else ''}{esc(item.title)}</b>"]
    if item.summary:
        parts.append(esc(present.shorten(item.summary, summary_limit)))
    if item.analysis:
        parts.append(_("<i>深度解读：</i>{analysis}").format(
            analysis=esc(present.shorten(item.analysis, summary_limit))))
    parts.extend(f"• {esc(present.shorten(point, point_limit))}" for point in item.points[:points])
    if points < len(item.points):
        parts.append("• …")
    if item.source_url or item.source_name:
        parts.append(_("来源：{link}").format(link=_link(lang, item.source_name, item.source_url)))
    return "\n".join(parts)


def brief_item(lang: Translations, item: Item, number: int) -> str:
    """Return an item as a search hit: number, title, date and category, a short summary, source."""
    item = present.shortened(item, ITEM_LENGTHS)
    lines = [f"<b>{number}. {esc(item.title)}</b>",
             f"📅 {item.date} · {esc(short_category(lang, item.category))}"]
    if item.summary:
        lines.append(esc(present.shorten(item.summary, 120)))
    if item.source_url:
        lines.append(_link(lang, item.source_name, item.source_url))
    return "\n".join(lines)


# --- the channel post and /today ---------------------------------------------------


def digest_overview(lang: Translations, header: DigestSummary, items: list[Item],
                    note: str = "", web_url: str = "") -> list[str]:
    """Return the overview: date, title, numbered headlines per category (split if very long);
    with `web_url` (WEB_URL), a link to the day's page on the web archive."""
    count = lang.ngettext("共 {n} 条", "共 {n} 条", len(items)).format(n=len(items))
    top = f"<b>📰 {esc(present.shorten(header.title, TITLE_CHARS))}</b>\n📅 {header.date} · {count}"
    if url := links.day_url(web_url, header.date):
        read_online = lang.gettext("在网页上阅读这一期")
        top += f"\n🌐 {_link(lang, read_online, url)}"
    if note:
        top = f"{esc(note)}\n\n{top}"
    blocks = []
    for section in present.sections(items):
        lines = [category_heading(section.category)]
        lines += [f"{number}. {esc(present.shorten(item.title, HEADLINE_CHARS))}"
                  for number, item in section.items]
        blocks.append("\n".join(lines))
    return pack(blocks, header=top)


def channel_post(lang: Translations, header: DigestSummary, items: list[Item],
                 web_url: str = "") -> list[str]:
    """Return the channel post: the overview (linking to the web archive with `web_url`), then
    each category's items in full."""
    return [text for _topic, text in channel_post_topics(lang, header, items, web_url)]


def channel_post_topics(lang: Translations, header: DigestSummary, items: list[Item],
                        web_url: str = "") -> list[tuple[str | None, str]]:
    """Return the channel post as (topic, message): the overview's messages with no topic (a
    forum's General topic), then each category's messages with the category as their topic;
    with `web_url`, the overview links to the day's page on the web archive. Every message is
    checked against Telegram's limit (`checked`) before any is sent."""
    messages: list[tuple[str | None, str]] = [
        (None, text) for text in digest_overview(lang, header, items, web_url=web_url)]
    for section in present.sections(items):
        title = f"{category_heading(section.category)} · {header.date}"
        messages += [(section.category, text) for text in
                     pack([full_item(lang, item, number) for number, item in section.items],
                          header=title)]
    checked([text for _topic, text in messages])
    return messages


# Forum topic icon colours Telegram accepts (telegram.constants.ForumIconColor), one per category.
TOPIC_COLORS = {"政策与监管": 0x6FB9F0, "模型与技术进展": 0xCB86DB, "产品与应用发布": 0x8EEE98,
                "投融资与并购": 0xFFD67E, "行业落地与生态": 0xFF93B2}
WEEK_TOPIC_NAME = N_("📅 一周事件榜")


def topic_name(lang: Translations, topic: str) -> str:
    """Return the name a forum topic is created with: the category's emoji and name as the files
    write it (at most 128 characters), or the weekly board's in `lang` (storage.topics.WEEK_TOPIC)."""
    if topic == WEEK_TOPIC:
        return lang.gettext(WEEK_TOPIC_NAME)
    name, limit = f"{present.icon(topic)} {topic}", 128
    while utf16_len(shortened := present.shorten(name, limit)) > 128:  # an emoji counts twice
        limit -= 1
    return shortened


def topic_color(topic: str) -> int:
    """Return the icon colour a forum topic is created with."""
    return TOPIC_COLORS.get(topic, 0xFB6F5F)


# --- search, categories, what --------------------------------------------------------


def search_page(lang: Translations, result: SearchResult, query_id: int, page: int,
                category: str | None, web_url: str = "") -> Reply:
    """Return one page of search results with paging and category buttons; with `web_url`, a link
    to the full result list on the web archive when there are more results than fit."""
    _ = lang.gettext
    if result.message:
        return refusal(lang, result.message, "search", "🔍 ")
    scope = f" · {esc(short_category(lang, category))}" if category else ""
    if not result.items:
        text = _("🔍 没有找到与「{query}」{scope}相关的内容。\n"
                 "试试更短的关键词（如公司名的两个字），或 /category 按分类浏览。").format(
                     query=esc(result.query), scope=scope)
        return Reply(text, _category_buttons(lang, query_id, category) if category else None)
    pages = present.page_count(result.total, PAGE_SIZE)
    more = "+" if result.total_capped else ""
    count = lang.ngettext("共 {n}{more} 条", "共 {n}{more} 条", result.total).format(
        n=result.total, more=more)
    lines = [f"🔍 <b>{esc(result.corrected or result.query)}</b>{scope} · {count} · "
             + _("第 {page}/{pages}{more} 页").format(page=page + 1, pages=pages, more=more)]
    if result.corrected:
        lines.append(_("（没有找到「{query}」，已显示「{corrected}」的结果）").format(
            query=esc(result.query), corrected=esc(result.corrected)))
    if result.total > PAGE_SIZE and (url := links.search_url(web_url, result.corrected
                                                              or result.query, category)):
        all_results = lang.ngettext("在网页上查看全部 {n}{more} 条", "在网页上查看全部 {n}{more} 条",
                                    result.total).format(n=result.total, more=more)
        lines.append(f"🌐 {_link(lang, all_results, url)}")
    blocks = [brief_item(lang, item, page * PAGE_SIZE + i) for i, item in enumerate(result.items, 1)]
    text = pack(blocks, header="\n".join(lines))[0]
    rows = []
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(_("◀ 上一页"), callback_data=f"s:{query_id}:{page - 1}:"
                                        f"{_category_code(category)}"))
    if page + 1 < pages:
        nav.append(InlineKeyboardButton(_("下一页 ▶"), callback_data=f"s:{query_id}:{page + 1}:"
                                        f"{_category_code(category)}"))
    if nav:
        rows.append(nav)
    rows += [list(row) for row in _category_buttons(lang, query_id, category).inline_keyboard]
    return Reply(text, InlineKeyboardMarkup(rows))


def _category_code(category: str | None) -> str:
    return str(CANONICAL.index(category)) if category in CANONICAL else "-"


def category_from_code(code: str) -> str | None:
    """Return the canonical category for a callback code ("-" = all)."""
    return CANONICAL[int(code)] if code.isdigit() and int(code) < len(CANONICAL) else None


def _category_buttons(lang: Translations, query_id: int, current: str | None) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(("✅ " if current == c else "") + short_category(lang, c, BUTTON_CHARS),
                                    callback_data=f"s:{query_id}:0:{i}")
               for i, c in enumerate(CANONICAL)]
    buttons.append(InlineKeyboardButton(("✅ " if current is None else "") + lang.gettext("全部"),
                                        callback_data=f"s:{query_id}:0:-"))
    return InlineKeyboardMarkup([buttons[:3], buttons[3:]])


def category_menu(lang: Translations, counts: list[CategoryCount], ids: dict[str, int]) -> Reply:
    """Return the category keyboard with item counts; `ids` maps category -> saved query id."""
    _ = lang.gettext
    if not counts:
        return Reply(_("索引里还没有日报。"))
    buttons = [InlineKeyboardButton(f"{short_category(lang, c.name, BUTTON_CHARS)} ({c.items})",
                                    callback_data=f"c:{ids[c.name]}:0") for c in counts]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    return Reply(_("🗂 <b>选择分类</b>（括号内为条目数）"), InlineKeyboardMarkup(rows))


def unknown_category(lang: Translations, name: str) -> Reply:
    """Return the answer to /category with a name that is no category."""
    return Reply(lang.gettext("未知分类：{name}。可用分类：政策、模型、产品、投融资、行业，"
                              "或发送 /category 选择。").format(name=esc(name)))


def category_gone(lang: Translations) -> Reply:
    """Return the answer to a category button whose saved category is no longer known."""
    return Reply(lang.gettext("这个分类已不存在，请重新发送 /category。"))


def category_page(lang: Translations, category: str, items: list[Item], total: int, page: int,
                  query_id: int) -> Reply:
    """Return one page of a category's newest items, with paging buttons."""
    _ = lang.gettext
    if not items:
        return Reply(_("「{category}」下还没有条目。").format(category=esc(category)))
    pages = present.page_count(total, PAGE_SIZE)
    header = (f"{present.icon(category)} <b>{esc(category)}</b> · "
              + lang.ngettext("共 {n} 条", "共 {n} 条", total).format(n=total) + " · "
              + _("第 {page}/{pages}{more} 页").format(page=page + 1, pages=pages, more=""))
    blocks = [brief_item(lang, item, page * PAGE_SIZE + i) for i, item in enumerate(items, 1)]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(_("◀ 上一页"), callback_data=f"c:{query_id}:{page - 1}"))
    if page + 1 < pages:
        nav.append(InlineKeyboardButton(_("下一页 ▶"), callback_data=f"c:{query_id}:{page + 1}"))
    return Reply(pack(blocks, header=header)[0], InlineKeyboardMarkup([nav]) if nav else None)


def what_timeline(lang: Translations, result: WhatResult, web_url: str = "") -> list[Reply]:
    """Return the story timeline: one line per story with its dates and sources, oldest first;
    with `web_url`, a link to the timeline on the web archive."""
    _ = lang.gettext
    if result.message:
        return [refusal(lang, result.message, "what", table=present.NAME_REFUSALS)]
    if not result.stories:
        return [Reply(_("没有找到关于「{query}」的报道。试试别的叫法（如英文名），"
                        "或用 /search 搜索关键词。").format(query=esc(result.query)))]
    names = " / ".join(esc(n) for n in result.names)
    header = _("📌 <b>{name}</b> 的事件时间线（{names}）").format(
        name=esc(result.corrected or result.query), names=names)
    if result.corrected:
        header += "\n" + _("（没有找到「{query}」，已显示「{corrected}」）").format(
            query=esc(result.query), corrected=esc(result.corrected))
    header += "\n" + lang.ngettext("共 {n} 个事件，按时间排列", "共 {n} 个事件，按时间排列",
                                   len(result.stories)).format(n=len(result.stories))
    if url := links.what_url(web_url, result.corrected or result.query):
        timeline_online = _("在网页上查看时间线")
        header += f"\n🌐 {_link(lang, timeline_online, url)}"
    blocks = []
    for number, story in enumerate(result.stories, start=1):
        lines = [f"{number}. <b>{story.dates[0]}</b> {esc(present.shorten(story.title, TITLE_CHARS))}"]
        if len(story.dates) > 1:
            lines.append("   " + lang.ngettext("另见：{dates}（共 {n} 天报道）",
                                              "另见：{dates}（共 {n} 天报道）", len(story.dates))
                         .format(dates=_("、").join(d[5:] for d in story.dates[1:]),
                                 n=len(story.dates)))
        sources, seen = [], set()
        for item in story.items:
            if item.source_url and item.source_url not in seen:
                seen.add(item.source_url)
                sources.append(_link(lang, present.shorten(item.source_name, ITEM_LENGTHS.source),
                                     item.source_url))
        if sources:
            lines.append("   " + _("来源：{link}").format(link=" · ".join(sources[:4])))
        blocks.append("\n".join(lines))
    return [Reply(text) for text in pack(blocks, header=header)]


def latest_headlines(lang: Translations, header: DigestSummary, items: list[Item],
                     web_url: str = "") -> list[Reply]:
    """Return the newest digest's headlines (linking to its web page with `web_url`)."""
    return [Reply(text) for text in digest_overview(lang, header, items, web_url=web_url)]


def not_yet_published(lang: Translations, date: str, newest: str) -> str:
    """Return the note above /today's answer when today's digest is not there yet (plain text)."""
    return lang.gettext("今天（{date}）的日报还没有发布，以下是最新一期（{newest}）。").format(
        date=date, newest=newest)


def today_messages(lang: Translations, header: DigestSummary, items: list[Item],
                   note: str = "", web_url: str = "") -> list[Reply]:
    """Return a day's digest for a chat: the overview then the full items, category by category
    (the overview linking to the day's web page with `web_url`); the last message has the
    "🖼 长图" button (the day's card, /card)."""
    messages = channel_post(lang, header, items, web_url)
    if note:
        messages[0] = f"{esc(note)}\n\n{messages[0]}"
        if utf16_len(messages[0]) > MAX_LENGTH:
            messages[0:1] = digest_overview(lang, header, items, note, web_url)
    return [Reply(text, card_keyboard(lang, header.date) if number == len(messages) else None)
            for number, text in enumerate(messages, start=1)]


def menu_button(lang: Translations) -> str:
    """Return the label of the bot's menu button that opens the web archive (a Mini App)."""
    return lang.gettext("网页版")


def card_keyboard(lang: Translations, date: str) -> InlineKeyboardMarkup:
    """Return the "🖼 长图" button that sends the card of `date` (callback `k:DATE`)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(lang.gettext("🖼 长图"),
                                                       callback_data=f"k:{date}")]])


# --- fixed texts ------------------------------------------------------------------------


def help_text(lang: Translations, is_admin: bool = False) -> Reply:
    """Return /start and /help: what the bot does and every command with an example."""
    _ = lang.gettext
    lines = [_("👋 <b>AI 行业日报机器人</b>"),
             _("每天定时把 AI 行业日报（政策、模型、产品、投融资、行业）发到频道，"
               "也可以随时查询历史日报。"), "", _("<b>命令</b>")]
    lines += [f"/{name} — {_(desc)}\n   "
              + _("例：{example}").format(example=f"<code>{esc(_(example))}</code>")
              for name, desc, example in HELP_COMMANDS]
    lines.append("\n" + _("分类名可用：政策、模型、产品、投融资、行业"))
    lines.append(_("搜索语法：{syntax}").format(syntax=_(QUERY_SYNTAX)))
    if is_admin:
        lines.append("\n" + _("<b>管理员命令</b>"))
        lines += [f"{esc(_(cmd))} — {_(desc)}" for cmd, desc in ADMIN_COMMANDS]
    return Reply("\n".join(lines))


def refusal(lang: Translations, code: Refusal, command: str, icon: str = "",
            table: dict[Refusal, present.Words] = present.QUERY_REFUSALS) -> Reply:
    """Return the answer to a query storage refused (present.refusal_text), its example given as
    the command (`/search 红包`), after `icon`."""
    text = present.refusal_text(code, lang, lambda words: f"/{command} {words}", table)
    return Reply(icon + esc(text))


def only_excluded(lang: Translations, command: str) -> Reply:
    """Return the answer to a query that only excludes words (`-文心`): add a word to find."""
    return refusal(lang, Refusal.ONLY_EXCLUDED, command)


def plain(text: str) -> Reply:
    """Return a message of plain text (escaped): text already in the reader's language."""
    return Reply(esc(text))


def something_went_wrong(lang: Translations) -> Reply:
    """Return the apology sent when handling an update failed unexpectedly."""
    return Reply(lang.gettext("抱歉，处理这条消息时出了点问题，请稍后再试。"))


def admin_only(lang: Translations) -> Reply:
    """Return the refusal of an admin command to anyone else."""
    return Reply(lang.gettext("抱歉，这个命令仅限管理员使用。"))


def admin_only_alert(lang: Translations) -> str:
    """Return the refusal of an admin button to anyone else (a callback answer: plain text)."""
    return lang.gettext("抱歉，此操作仅限管理员。")


def date_error(lang: Translations, text: str, command: str) -> Reply:
    """Return the answer to a command given a malformed date (`command` without the slash)."""
    return Reply(lang.gettext("日期格式不对：{text}。请用 YYYY-MM-DD，例如 /{command} 2026-02-08")
                 .format(text=esc(text), command=esc(command)))


def search_expired(lang: Translations) -> str:
    """Return the answer to a search button whose saved search is gone (plain text)."""
    return lang.gettext("这条搜索已过期，请重新搜索。")


def button_unknown(lang: Translations) -> str:
    """Return the answer to a button press the bot cannot act on (a callback answer: plain text)."""
    return lang.gettext("这个按钮已失效，请重新发送命令。")


def no_digest(lang: Translations, date: str | None) -> Reply:
    """Return the answer when there is no digest for a date (or none at all)."""
    _ = lang.gettext
    if date is None:
        return Reply(_("索引里还没有日报。管理员可以上传日报文件或运行 /reindex。"))
    return Reply(_("没有 {date} 的日报。用 /latest 查看最新一期。").format(date=esc(date)))
