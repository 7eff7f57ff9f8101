"""The long image of a day's digest for `/card`: a 1080 px wide PNG to share outside Telegram.

Drawn with Pillow in a font that can draw Chinese (the font search of /trend:
`bot.chart.cjk_font_path`, TREND_FONT first). The font's character map is read
(fontTools) and every character is checked before it is drawn: one the font has
no glyph for (an emoji, a rare symbol) is replaced by its NFKC form if the font
has that, else left out, so the card never shows an empty box. The words come
from bot/render/card.py (`CardText`); this module only lays them out and draws.

Seconds of work for a long day, so callers run it in a thread (asyncio.to_thread).
Pillow and segno are imported inside the functions: importing this module is cheap.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

WIDTH = 1080
MARGIN = 72
MAX_LINES_PER_HEADLINE = 3
# Sizes in pixels: the title, the date line, a category, a headline, the footer.
TITLE_SIZE, DATE_SIZE, CATEGORY_SIZE, HEADLINE_SIZE, FOOTER_SIZE = 60, 30, 38, 34, 30
LINE_SPACING = 1.5
QR_PIXELS = 210  # about this wide (a whole number of pixels per module)
QR_QUIET_MODULES = 2  # white modules around the code (on a white box, so it scans)
BACKGROUND, INK, MUTED = "#f6f5f1", "#1f2329", "#6b7079"
BAND, BAND_INK = "#1d3557", "#ffffff"
ACCENTS = ("#3a86ff", "#8338ec", "#2a9d8f", "#e9a23b", "#e63946", "#577590")


@dataclass(frozen=True)
class CardText:
    """Everything written on a card, in the reader's language (built by bot/render/card.py)."""

    title: str
    date_line: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (category, its numbered headlines)
    footer: str
    qr_url: str = ""  # a QR code of this address is drawn when set
    qr_caption: str = ""


@dataclass(frozen=True)
class Card:
    """A drawn card: the PNG and what was drawn (for checking)."""

    png: bytes
    width: int
    height: int
    drawn: str  # every line drawn (one per "\n"), after the replacement of characters the font lacks
    qr_box: tuple[int, int, int, int] | None  # (left, top, pixels per module, modules per side)


@functools.lru_cache(maxsize=4)
def font_characters(path: str) -> frozenset[int]:
    """Return the code points the font file at `path` has glyphs for (its face `face_index`)."""
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=face_index(path), lazy=True) as font:
        return frozenset(font.getBestCmap())


@functools.lru_cache(maxsize=4)
def face_index(path: str) -> int:
    """Return which face of a font collection (.ttc) to draw with: a Simplified Chinese one if
    there is one (Noto Sans CJK SC), else the first."""
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    from fontTools.ttLib import TTCollection

    with TTCollection(path, lazy=True) as collection:
        for index, font in enumerate(collection.fonts):
            family = str(font["name"].getDebugName(1) or "")
            if family.endswith(" SC") or " SC " in family or "Simplified" in family:
                return index
    return 0


def drawable(text: str, characters: frozenset[int]) -> str:
    """Return `text` with each character the font cannot draw replaced by its NFKC form (if the
    font has that) or left out; whitespace becomes a plain space."""
    out = []
    for char in text:
        if char.isspace():
            out.append(" ")
        elif ord(char) in characters:
            out.append(char)
        else:
            folded = unicodedata.normalize("NFKC", char)
            if folded != char and all(ord(c) in characters for c in folded):
                out.append(folded)
    return " ".join("".join(out).split())


def _pieces(text: str) -> list[str]:
    """Split text where a line may break: between CJK characters, not inside a Latin word."""
    pieces: list[str] = []
    for char in text:
        latin = char.isascii() and (char.isalnum() or char in "-_.%+/'&")
        if latin and pieces and pieces[-1][-1:].isascii() and pieces[-1][-1:] not in (" ", "") \
                and (pieces[-1][-1].isalnum() or pieces[-1][-1] in "-_.%+/'&"):
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float, max_lines: int) -> list[str]:
    """Return `text` broken into lines no wider than `width`, at most `max_lines` (the last
    ending in "…" if cut). A Latin word longer than a line is cut by characters."""
    lines: list[str] = []
    line = ""
    for piece in _pieces(text):
        candidate = line + piece
        if font.getlength(candidate) <= width or not line.strip():
            if font.getlength(candidate) > width:  # one piece wider than a line: by characters
                for char in piece:
                    if line and font.getlength(line + char) > width:
                        lines.append(line)
                        line = ""
                    line += char
                continue
            line = candidate
            continue
        lines.append(line.rstrip())
        line = piece.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines = [*lines[:max_lines - 1], last.rstrip() + "…"]
    return lines


def card_png(text: CardText, font_path: str) -> Card:
    """Return the card of `text` drawn in the font at `font_path` (one that can draw Chinese)."""
    from PIL import Image, ImageDraw, ImageFont

    characters = font_characters(font_path)
    index = face_index(font_path)

    def font(size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(font_path, size, index=index)

    title_font, date_font = font(TITLE_SIZE), font(DATE_SIZE)
    category_font, headline_font, footer_font = font(CATEGORY_SIZE), font(HEADLINE_SIZE), \
        font(FOOTER_SIZE)
    inner = WIDTH - 2 * MARGIN
    clean = functools.partial(drawable, characters=characters)
    drawn: list[str] = []

    # Lay out first (heights), then draw on a canvas of the right height.
    title_lines = wrap(clean(text.title), title_font, inner, 2)
    date_line = clean(text.date_line)
    band_height = MARGIN + len(title_lines) * int(TITLE_SIZE * 1.3) + int(DATE_SIZE * 1.6) + 40
    sections = []
    for category, headlines in text.sections:
        laid = []
        for headline in headlines:
            numeral, _, rest = clean(headline).partition(" ")
            indent = headline_font.getlength("00. ")
            laid.append((numeral, wrap(rest, headline_font, inner - indent, MAX_LINES_PER_HEADLINE)))
        sections.append((clean(category), laid))
    headline_step = int(HEADLINE_SIZE * LINE_SPACING)
    body_height = sum(int(CATEGORY_SIZE * 2.0) + sum(len(lines) * headline_step + 8
                                                      for _, lines in laid) + 24
                      for _, laid in sections)
    qr = _qr_modules(text.qr_url) if text.qr_url else None
    module = max(QR_PIXELS // (len(qr) + 2 * QR_QUIET_MODULES), 1) if qr else 0
    qr_side = (len(qr) + 2 * QR_QUIET_MODULES) * module if qr else 0
    footer_lines = wrap(clean(text.footer), footer_font, inner - qr_side - 24, 2)
    footer_height = max(qr_side + int(FOOTER_SIZE * 1.6),
                        len(footer_lines) * int(FOOTER_SIZE * 1.5)) + 2 * 48
    height = band_height + 40 + body_height + footer_height

    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    y = MARGIN
    draw.rectangle((0, 0, WIDTH, band_height), fill=BAND)
    for line in title_lines:
        _text(draw, (MARGIN, y), line, title_font, BAND_INK, drawn, bold=True)
        y += int(TITLE_SIZE * 1.3)
    _text(draw, (MARGIN, y + 12), date_line, date_font, "#c9d6ea", drawn)
    y = band_height + 40
    for number, (category, laid) in enumerate(sections):
        accent = ACCENTS[number % len(ACCENTS)]
        draw.rounded_rectangle((MARGIN, y + 6, MARGIN + 10, y + CATEGORY_SIZE + 8), 4, fill=accent)
        _text(draw, (MARGIN + 26, y), category, category_font, accent, drawn, bold=True)
        y += int(CATEGORY_SIZE * 2.0)
        indent = headline_font.getlength("00. ")
        for numeral, lines in laid:
            _text(draw, (MARGIN, y), numeral, headline_font, MUTED, drawn)
            for line in lines:
                _text(draw, (MARGIN + indent, y), line, headline_font, INK, drawn)
                y += headline_step
            y += 8
        y += 24
    top = height - footer_height
    draw.rectangle((0, top, WIDTH, height), fill=BAND)
    y = top + 48
    for line in footer_lines:
        _text(draw, (MARGIN, y), line, footer_font, BAND_INK, drawn, bold=True)
        y += int(FOOTER_SIZE * 1.5)
    qr_box = None
    if qr:
        left, box_top = WIDTH - MARGIN - qr_side, top + 48
        draw.rectangle((left, box_top, left + qr_side - 1, box_top + qr_side - 1), fill="#ffffff")
        start = QR_QUIET_MODULES * module
        for row, cells in enumerate(qr):
            for column, dark in enumerate(cells):
                if dark:
                    x0, y0 = left + start + column * module, box_top + start + row * module
                    draw.rectangle((x0, y0, x0 + module - 1, y0 + module - 1), fill="#000000")
        qr_box = (left + start, box_top + start, module, len(qr))
        caption = clean(text.qr_caption)
        width = footer_font.getlength(caption)
        _text(draw, (left + (qr_side - width) / 2, box_top + qr_side + 8), caption, footer_font,
              "#c9d6ea", drawn)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)  # optimize=True: 4x the time, 10% smaller
    return Card(buffer.getvalue(), WIDTH, height, "\n".join(drawn), qr_box)


def _text(draw: ImageDraw.ImageDraw, at: tuple[float, float], text: str,
          font: ImageFont.FreeTypeFont, fill: str, drawn: list[str], bold: bool = False) -> None:
    """Draw one line (already `drawable`); a bold look is a thin stroke of the same colour."""
    if not text:
        return
    draw.text(at, text, font=font, fill=fill, stroke_width=1 if bold else 0, stroke_fill=fill)
    drawn.append(text)


def _qr_modules(url: str) -> list[list[bool]]:
    """Return the QR code of `url` as rows of dark (True) and light modules, no quiet zone."""
    import segno

    code = segno.make(url, error="m", micro=False)
    return [[bool(cell) for cell in row] for row in code.matrix_iter(scale=1, border=0)]
