"""Words of /card (the long image of a day's digest): what is written on it, its caption, and the
answers when no card can be made; in the asking reader's language (the headlines as written). The
"🖼 长图" button under /today is bot/render's `card_keyboard`."""

from __future__ import annotations

from bot import present
from bot.card import CardText
from bot.i18n import Translations
from bot.render import TITLE_CHARS, Reply, _link, esc
from storage.model import DigestSummary, Item

CARD_HEADLINE_CHARS = 120  # a headline drawn on the card (one or two lines)
CARD_CATEGORY_CHARS = 30  # a category's name drawn on the card (one line)


def card_text(lang: Translations, header: DigestSummary, items: list[Item], footer: str,
              day_url: str) -> CardText:
    """Return what the card of a day says: title, date, numbered headlines per category, footer,
    and the QR code of the day's web page (`day_url`, "" for none)."""
    _ = lang.gettext
    sections = tuple((present.shorten(section.category, CARD_CATEGORY_CHARS),
                      tuple(f"{number}. {present.shorten(item.title, CARD_HEADLINE_CHARS)}"
                            for number, item in section.items))
                     for section in present.sections(items))
    date_line = lang.ngettext("{date} · 共 {n} 条", "{date} · 共 {n} 条", len(items)).format(
        date=header.date, n=len(items))
    return CardText(title=header.title or _("AI 行业日报"), date_line=date_line, sections=sections,
                    footer=footer, qr_url=day_url, qr_caption=_("扫码阅读全文") if day_url else "")


def card_caption(lang: Translations, header: DigestSummary, day_url: str) -> str:
    """Return the caption under the card: the digest and, when the web archive is set, its page."""
    _ = lang.gettext
    caption = f"🖼 <b>{esc(present.shorten(header.title, TITLE_CHARS))}</b> · {header.date}"
    if day_url:
        caption += "\n" + _link(lang, _("在网页上阅读全文"), day_url)
    return caption + "\n" + _("长按保存，可分享到微信等。")


def card_unavailable(lang: Translations) -> Reply:
    """Return the answer when no font on this machine can draw Chinese (the card would show boxes)."""
    return Reply(lang.gettext("抱歉，服务器上没有能显示中文的字体，暂时无法生成长图。"
                              "管理员可以设置 TREND_FONT。"))


def card_date_error(lang: Translations, asked: str) -> Reply:
    """Return the answer to /card with something that is not a date."""
    return Reply(lang.gettext("日期格式不对：{text}。请用 YYYY-MM-DD，例如 /{command} 2026-02-08").format(
        text=esc(asked), command="card"))
