"""Telegram HTML of the fan-out to subscribers: a subscriber's digest in either format (the brief
one message, or the full post), the format buttons of /subscribe and /settings, a category opened
in full from the brief's buttons, the fan-out's line in /stats and the admins' line when it
ends. As everywhere in bot/render/, each function takes the reader's language first."""

from __future__ import annotations

import hashlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import links, present
from bot.i18n import N_, Translations
from bot.render import (
    MAX_LENGTH,
    TITLE_CHARS,
    Reply,
    _link,
    category_heading,
    channel_post,
    channel_post_topics,
    checked,
    esc,
    short_category,
    utf16_len,
)
from storage.fanout import FanoutProgress
from storage.model import DigestSummary, Item

FORMAT_NAMES = {"brief": N_("简报"), "full": N_("全文")}
FORMAT_CODES = {"brief": "b", "full": "f"}  # in the format buttons' callback data, `r:f:CODE`
OPEN_PREFIX = "o"  # a brief's button that opens a category in full: `o:DATE:KEY` (category_key)
BUTTONS_PER_ROW = 3
TITLE_LIMITS = (120, 60, 30)  # a brief's titles are shortened to these until the message fits


def day_categories(items: list[Item]) -> list[str]:
    """Return a day's categories in the digest's order."""
    return [section.category for section in present.sections(items)]


def category_key(category: str) -> str:
    """Return how a brief's button names a category: `k` and 8 hex digits of its name's hash
    (fits a button's 64 bytes whatever the name, and still names the same category after the
    day's digest is replaced by one with its categories in another order)."""
    return "k" + hashlib.sha1(category.encode()).hexdigest()[:8]


def subscriber_digest(lang: Translations, header: DigestSummary, items: list[Item], form: str,
                      categories: list[str], web_url: str = "") -> list[Reply]:
    """Return a subscriber's digest of their `items`: the full post ("full": the overview, then
    each category in full) or one brief message ("brief"). `categories`: every category of the
    day in the digest's order (a brief has a button for each of them that the reader reads)."""
    if form == "full":
        return [Reply(text) for text in channel_post(lang, header, items, web_url)]
    return [brief_digest(lang, header, items, categories, web_url)]


def brief_digest(lang: Translations, header: DigestSummary, items: list[Item],
                 categories: list[str], web_url: str = "") -> Reply:
    """Return the brief digest: one message with the day's titles by category, each title linking
    to its page on the web archive when `web_url` is set, and a button per category that opens it
    in full (`o:DATE:KEY`, see category_key). Titles are shortened until it fits one
    message; beyond that, the last titles are left out and counted."""
    _ = lang.gettext
    count = lang.ngettext("共 {n} 条", "共 {n} 条", len(items)).format(n=len(items))
    top = f"<b>📰 {esc(present.shorten(header.title, TITLE_CHARS))}</b>\n📅 {header.date} · {count}"
    if url := links.day_url(web_url, header.date):
        top += f"\n🌐 {_link(lang, _('在网页上阅读这一期'), url)}"
    foot = _("简报：点下面的按钮看某一类的全文；/settings 可改为每天收全文。")
    sections = present.sections(items)
    for limit in TITLE_LIMITS:
        text = _brief_text(lang, top, sections, foot, limit, web_url)
        if text is not None:
            break
    else:
        text = _brief_cut(lang, top, sections, foot, TITLE_LIMITS[-1], web_url)
    buttons = [InlineKeyboardButton(f"📖 {short_category(lang, section.category)}",
                                    callback_data=f"{OPEN_PREFIX}:{header.date}:"
                                                  f"{category_key(section.category)}")
               for section in sections if section.category in categories]
    rows = [buttons[i:i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    return Reply(checked([text])[0], InlineKeyboardMarkup(rows) if rows else None)


def _title(lang: Translations, number: int, item: Item, limit: int, web_url: str) -> str:
    title = present.shorten(item.title, limit)
    if item.id is not None and (url := links.item_url(web_url, item.id)):
        return f"{number}. {_link(lang, title, url)}"
    return f"{number}. {esc(title)}"


def _brief_text(lang: Translations, top: str, sections: list[present.Section], foot: str,
                limit: int, web_url: str) -> str | None:
    """Return the brief with titles shortened to `limit`, or None if it does not fit."""
    blocks = ["\n".join([category_heading(section.category)]
                        + [_title(lang, n, item, limit, web_url) for n, item in section.items])
              for section in sections]
    text = "\n\n".join([top, *blocks, esc(foot)])
    return text if utf16_len(text) <= MAX_LENGTH else None


def _brief_cut(lang: Translations, top: str, sections: list[present.Section], foot: str,
               limit: int, web_url: str) -> str:
    """Return the brief with as many titles as fit, and how many were left out."""
    lines: list[str] = []
    left_out = 0
    for section in sections:
        for position, (number, item) in enumerate(section.items):
            line = _title(lang, number, item, limit, web_url)
            heading = [f"\n{category_heading(section.category)}"] if position == 0 else []
            candidate = "\n".join([top, *lines, *heading, line]) + "\n\n" + esc(foot)
            if left_out or utf16_len(candidate) > MAX_LENGTH - 100:
                left_out += 1
                continue
            lines += [*heading, line]
    more = lang.ngettext("……另有 {n} 条，点下面的按钮看全文。", "……另有 {n} 条，点下面的按钮看全文。",
                         left_out).format(n=left_out)
    return "\n".join([top, *lines]) + "\n\n" + esc(more) + "\n" + esc(foot)


def category_in_full(lang: Translations, header: DigestSummary, items: list[Item], category: str,
                     web_url: str = "") -> list[Reply]:
    """Return one category of a day's digest in full (as the full post has it), for a brief's
    button."""
    return [Reply(text) for topic, text in channel_post_topics(lang, header, items, web_url)
            if topic == category]


def digest_gone(lang: Translations) -> str:
    """Return the answer of a brief's button whose day or category is no longer in the index
    (a callback answer: plain text)."""
    return lang.gettext("这一期已不在索引里了，用 /today 看最新一期。")


def format_name(lang: Translations, form: str) -> str:
    """Return the name of a digest format ("brief", "full") in `lang`."""
    return lang.gettext(FORMAT_NAMES[form])


def format_buttons(lang: Translations, current: str) -> list[InlineKeyboardButton]:
    """Return the row of format buttons (callback `r:f:b` / `r:f:f`), the `current` one ticked."""
    return [InlineKeyboardButton(("✅ " if form == current else "") + format_name(lang, form),
                                 callback_data=f"r:f:{code}") for form, code in FORMAT_CODES.items()]


def format_from_code(code: str) -> str | None:
    """Return the format a format button's code stands for, or None."""
    return next((form for form, known in FORMAT_CODES.items() if known == code), None)


def _duration(lang: Translations, seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 90:
        return lang.ngettext("约 {n} 秒", "约 {n} 秒", round(seconds)).format(n=round(seconds))
    minutes = round(seconds / 60)
    return lang.ngettext("约 {n} 分钟", "约 {n} 分钟", minutes).format(n=minutes)


def progress_line(lang: Translations, progress: FanoutProgress) -> str:
    """Return /stats's line about the fan-out to subscribers: while it runs, served / total,
    messages a second and the estimated time left; after it, what it did."""
    _ = lang.gettext
    if progress.running:
        return _("订阅推送 {date}：进行中，已送达 {served}/{total} 人，每秒 {rate} 条，"
                 "预计还需 {left}").format(
            date=progress.date, served=progress.served, total=progress.total,
            rate=f"{progress.per_second:.1f}", left=_duration(lang, progress.seconds_left))
    return _("订阅推送 {date}：已完成，送达 {served}/{total} 人（屏蔽 {blocked}，失败 {failed}）").format(
        date=progress.date, served=progress.served, total=progress.total,
        blocked=progress.blocked, failed=progress.failed)


def fanout_ended(lang: Translations, progress: FanoutProgress) -> Reply:
    """Return the admins' one line when a day's fan-out ends: served, blocked, failed."""
    return Reply(lang.gettext("📬 {date} 的订阅推送结束：送达 {served} 人，屏蔽 {blocked} 人，"
                              "失败 {failed} 人。").format(date=progress.date, served=progress.served,
                                                        blocked=progress.blocked,
                                                        failed=progress.failed))
