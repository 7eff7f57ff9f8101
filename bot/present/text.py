"""Text on its way out: control characters removed, long texts shortened, links checked."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import quote

from storage.model import Item

# C0 controls but tab, line feed and carriage return; DEL; C1 controls: none may appear in XML 1.0
# (or only discouraged), browsers and Telegram show them as boxes or drop them, and a terminal
# obeys them. U+FFFE and U+FFFF are not characters (XML refuses them), and a lone surrogate cannot
# be encoded as UTF-8 at all.
_CONTROL = {code: None for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20),
                                     *range(0x7F, 0xA0), 0xFFFE, 0xFFFF, *range(0xD800, 0xE000))}
ELLIPSIS = "…"


def strip_control(text: str) -> str:
    """Return `text` without control characters (ESC, BEL, 0x01, DEL, C1, ...), non-characters
    U+FFFE/U+FFFF and lone surrogates; tab, line feed and carriage return are kept."""
    return text.translate(_CONTROL)


def shorten(text: str, limit: int) -> str:
    """Return `text` if it has at most `limit` characters, else its first `limit - 1` (trailing
    spaces dropped) and "…"."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def one_line(text: str) -> str:
    """Return `text` with its line breaks and runs of spaces as single spaces."""
    return " ".join(text.split())


def safe_url(url: str) -> str:
    """Return `url` if it may be a link (http:// or https://), else "": a digest's javascript:,
    data: or file: address is shown as text, never linked."""
    return url if url.startswith(("http://", "https://")) else ""


def link_target(url: str) -> str:
    """Return `safe_url(url)` with what could end it inside running text (spaces, parentheses,
    angle brackets, quotes, control characters, non-ASCII) percent-encoded: the target of a
    Markdown link, or an address in plain text."""
    return quote(safe_url(url), safe=":/?#@!$&'*+,;=%~-._[]")




@dataclass(frozen=True)
class Lengths:
    """The most characters a medium shows of each text of an item (0: all of it)."""

    title: int = 0
    source: int = 0  # the source's name
    summary: int = 0  # the summary and the analysis, each
    point: int = 0  # each 要点


def shortened(item: Item, lengths: Lengths) -> Item:
    """Return `item` with its title, source name, summary, analysis and points shortened to
    `lengths` (the item itself when nothing is longer)."""
    def cut(text: str, limit: int) -> str:
        return shorten(text, limit) if limit else text

    shorter = replace(item, title=cut(item.title, lengths.title),
                      source_name=cut(item.source_name, lengths.source),
                      summary=cut(item.summary, lengths.summary),
                      analysis=cut(item.analysis, lengths.summary),
                      points=tuple(cut(point, lengths.point) for point in item.points))
    return item if shorter == item else shorter
