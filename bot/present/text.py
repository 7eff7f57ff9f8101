"""Text on its way out: control characters removed, long texts shortened, links checked."""

from __future__ import annotations

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


