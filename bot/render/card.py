"""Words of /card (the long image of a day's digest): what is written on it, its caption, the
"🖼 长图" button under /today, and the answers when no card can be made."""

from __future__ import annotations

from bot.card import CardText
from bot.render import Reply, _by_category, _link, _shorten, esc
from storage.model import Item
from storage.search import DigestSummary

QR_CAPTION = "扫码阅读全文"


def card_text(header: DigestSummary, items: list[Item], footer: str, day_url: str) -> CardText:
    """Return what the card of a day says: title, date, numbered headlines per category, footer,
    and the QR code of the day's web page (`day_url`, "" for none)."""
    sections = tuple((category, tuple(f"{number}. {_shorten(item.title, 120)}"
                                      for number, item in numbered))
                     for category, numbered in _by_category(items))
    return CardText(title=header.title or "AI 行业日报",
                    date_line=f"{header.date} · 共 {len(items)} 条", sections=sections,
                    footer=footer, qr_url=day_url, qr_caption=QR_CAPTION if day_url else "")


def card_caption(header: DigestSummary, day_url: str) -> str:
    """Return the caption under the card: the digest and, when the web archive is set, its page."""
    caption = f"🖼 <b>{esc(header.title)}</b> · {header.date}"
    if day_url:
        caption += "\n" + _link("在网页上阅读全文", day_url)
    return caption + "\n长按保存，可分享到微信等。"


def card_unavailable() -> Reply:
    """Return the answer when no font on this machine can draw Chinese (the card would show boxes)."""
    return Reply("抱歉，服务器上没有能显示中文的字体，暂时无法生成长图。管理员可以设置 TREND_FONT。")


def card_date_error(asked: str) -> Reply:
    """Return the answer to /card with something that is not a date."""
    return Reply(f"日期格式不对：{esc(asked)}。请用 YYYY-MM-DD，例如 /card 2026-02-08")
