"""Telegram HTML for a question's answer: the reading line (bot/present/question.py) above the view that
fits (the lists of /search, the timeline of /what, the caption of /trend, the digest of /today),
with buttons to page and to widen (`a:QUERY_ID:PAGE:FLAGS`, at most 64 bytes) and, with WEB_URL,
a link to the same answer on the site."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import links, present
from bot.i18n import Translations
from bot.llm import Summary
from bot.present import question as questions
from bot.present.text import safe_url
from bot.render import (
    MAX_LENGTH,
    PAGE_SIZE,
    Reply,
    _link,
    brief_item,
    esc,
    pack,
    today_messages,
    utf16_len,
    what_timeline,
)
from bot.render.readers import CAPTION_LIMIT, trend_caption
from storage.answer import Answer
from storage.model import WhatResult


def callback(query_id: int, page: int, flags: str) -> str:
    """Return a button's callback data: `a:QUERY_ID:PAGE:FLAGS` (flags: t no period, c no category)."""
    return f"a:{query_id}:{page}:{''.join(sorted(set(flags)))}"


def header(lang: Translations, answer: Answer, web_url: str = "", asked: str = "",
           flags: str = "") -> str:
    """Return the reading line and its notes as HTML; with `web_url`, a link to the answer on the
    site (`asked`: the question as sent, `flags`: how it was widened)."""
    read = questions.reading(lang, answer)
    lines = [f"💬 <b>{esc(read.line)}</b>"] + [esc(note) for note in read.notes]
    if (url := links.ask_url(web_url, asked, flags)) and not answer.question.refusal:
        lines.append(f"🌐 {_link(lang, lang.gettext('在网页上查看'), url)}")
    return "\n".join(lines)


def keyboard(lang: Translations, answer: Answer, query_id: int, page: int, flags: str,
             pages: int = 1) -> InlineKeyboardMarkup | None:
    """Return the paging buttons (lists) and the buttons that widen the question."""
    _ = lang.gettext
    rows = []
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(_("◀ 上一页"), callback_data=callback(query_id, page - 1,
                                                                              flags)))
    if page + 1 < pages:
        nav.append(InlineKeyboardButton(_("下一页 ▶"), callback_data=callback(query_id, page + 1,
                                                                              flags)))
    if nav:
        rows.append(nav)
    if query_id:
        widen = [InlineKeyboardButton(label, callback_data=callback(query_id, 0, flags + code))
                 for code, label in questions.reading(lang, answer).widen]
        if widen:
            rows.append(widen)
    return InlineKeyboardMarkup(rows) if rows else None


def summary_text(lang: Translations, summary: Summary, web_url: str = "") -> str:
    """Return an AI answer as HTML: the model's sentences, the cited items as links (the site's
    page with `web_url`, else the source) numbered as cited, and the label saying what wrote it."""
    lines = [f"<b>{esc(questions.summary_heading(lang))}</b>", esc(summary.text)]
    for number, item in enumerate(summary.items, 1):
        url = links.item_url(web_url, item.id) if item.id is not None else ""
        lines.append(f"[{number}] {_link(lang, item.title, url or safe_url(item.source_url))}")
    lines.append(f"<i>{esc(questions.summary_label(lang, summary.considered))}</i>")
    return "\n".join(lines)


def answer_replies(lang: Translations, answer: Answer, query_id: int, page: int = 0,
                   flags: str = "", web_url: str = "", asked: str = "",
                   summary: Summary | None = None, quota: int | None = None) -> list[Reply]:
    """Return the messages answering a question (for a count: the text shown when there is no
    chart to send, see `count_caption`), opening with the AI answer `summary` if there is one;
    `quota`: the daily quota the reader has used up (said instead of an AI answer)."""
    replies = _plain_replies(lang, answer, query_id, page, flags, web_url, asked)
    opening = summary_text(lang, summary, web_url) if summary is not None else (
        esc(questions.quota_used(lang, quota)) if quota is not None else "")
    if not opening:
        return replies
    first = f"{opening}\n\n{replies[0].text}"
    if utf16_len(first) <= MAX_LENGTH:
        return [Reply(first, replies[0].keyboard), *replies[1:]]
    return [Reply(pack([opening])[0]), *replies]


def _plain_replies(lang: Translations, answer: Answer, query_id: int, page: int, flags: str,
                   web_url: str, asked: str) -> list[Reply]:
    top = header(lang, answer, web_url, asked, flags)
    question = answer.question
    if question.refusal:
        return [Reply(esc(questions.refusal(lang, question)))]
    buttons = keyboard(lang, answer, query_id, page, flags,
                       pages=present.page_count(answer.total, PAGE_SIZE) if answer.shape == "list" else 1)
    if not answer.found:
        return [Reply(f"{top}\n\n{esc(questions.nothing_found(lang))}", buttons)]
    if answer.shape == "day" and answer.digest is not None:
        replies = today_messages(lang, answer.digest, answer.items, web_url=web_url)
        first = f"{top}\n\n{replies[0].text}"
        if utf16_len(first) <= MAX_LENGTH:
            replies[0] = Reply(first, replies[0].keyboard)
        else:
            replies.insert(0, Reply(top))
        return replies
    if answer.shape == "story":
        names = tuple(n for s in question.subjects for n in s.names) or answer.keywords
        timeline = what_timeline(lang, WhatResult(" ".join(question.names) or question.text,
                                                  names, answer.stories), web_url)
        replies = [Reply(text) for text in pack([r.text for r in timeline], header=top)]
        replies[-1] = Reply(replies[-1].text, buttons)
        return replies
    blocks = [brief_item(lang, item, page * PAGE_SIZE + number)
              for number, item in enumerate(answer.items, 1)]
    return [Reply(pack(blocks, header=top)[0], buttons)]


def count_caption(lang: Translations, answer: Answer, web_url: str = "", asked: str = "") -> str:
    """Return the caption of a count's chart: the reading line, then /trend's figures."""
    assert answer.trend is not None
    text = header(lang, answer, web_url, asked) + "\n" + trend_caption(lang, answer.trend)
    return text if len(text) <= CAPTION_LIMIT else text[:CAPTION_LIMIT - 1] + "…"


def unknown_command(lang: Translations, command: str) -> Reply:
    """Return the hint for a command the bot does not have."""
    return Reply(esc(questions.unknown_command(lang, command)))


def ask_usage(lang: Translations) -> Reply:
    """Return the answer to /ask without a question."""
    return Reply(esc(lang.gettext("请在 /ask 后面写上问题，例如 /ask 上周有哪些融资")))
