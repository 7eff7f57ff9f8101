"""bot/card.py: the long image of a day's digest, 1080 px wide, never an empty box."""

from __future__ import annotations

import io

import pytest
import segno
from PIL import Image, ImageFont

from bot import card
from bot.chart import cjk_font_path
from bot.i18n import translations
from bot.render.card import card_text
from storage.digests import digest_on

ZH = translations("zh")

URL = "https://digest.example.org/d/2026-02-08"


@pytest.fixture(scope="module")
def font() -> str:
    path = cjk_font_path()
    assert path, "no CJK font: the packaged Noto Sans CJK is a dependency"
    return path


def _decoded(drawn: card.Card) -> Image.Image:
    image = Image.open(io.BytesIO(drawn.png))
    image.load()
    return image


def test_card_is_a_1080_wide_png_with_every_headline(db, font: str) -> None:
    header, items = digest_on(db, "2026-02-08")
    drawn = card.card_png(card_text(ZH, header, items, "AI 日报读者群", URL), font)
    image = _decoded(drawn)
    assert image.format == "PNG" and image.size == (1080, drawn.height) and drawn.height > 1200
    lines = drawn.drawn.split("\n")
    joined = "".join(lines).replace(" ", "")
    for item in items:  # each title whole, though perhaps over two lines
        assert item.title.replace(" ", "") in joined
    assert {item.category for item in items} <= set(lines)
    assert "AI 日报读者群" in lines and "2026-02-08 · 共 12 条" in lines


def test_every_character_drawn_has_a_glyph_in_the_font(db, font: str) -> None:
    header, items = digest_on(db, "2026-02-08")
    text = card_text(ZH, header, items, "🚀 AI 日报读者群 🏛 ①②", URL)
    drawn = card.card_png(text, font)
    characters = card.font_characters(font)
    assert all(ord(char) in characters for char in drawn.drawn if not char.isspace())
    assert "🚀" not in drawn.drawn and "🏛" not in drawn.drawn  # no glyph: left out, not a box
    assert "①②" in drawn.drawn  # the font has these
    # And the glyphs are real outlines: each character's mask has ink.
    face = ImageFont.truetype(font, 34, index=card.face_index(font))
    assert all(face.getmask(char).getbbox() for char in set(drawn.drawn) if not char.isspace())


def test_a_character_the_font_lacks_becomes_its_plain_form_or_nothing() -> None:
    latin = frozenset(map(ord, "AI 24"))
    assert card.drawable("ＡＩ 🚀 ２４", latin) == "AI 24"
    assert card.drawable("A\tI\n", latin) == "A I"


def test_qr_code_on_the_card_is_the_days_page(db, font: str) -> None:
    header, items = digest_on(db, "2026-02-08")
    drawn = card.card_png(card_text(ZH, header, items, "群", URL), font)
    left, top, module, count = drawn.qr_box
    expected = [[bool(cell) for cell in row]
                for row in segno.make(URL, error="m").matrix_iter(scale=1, border=0)]
    assert count == len(expected) and module >= 4
    image = _decoded(drawn).convert("L")
    seen = [[image.getpixel((left + c * module + module // 2, top + r * module + module // 2)) < 128
             for c in range(count)] for r in range(count)]
    assert seen == expected
    assert "扫码阅读全文" in drawn.drawn
    plain = card.card_png(card_text(ZH, header, items, "群", ""), font)
    assert plain.qr_box is None and "扫码" not in plain.drawn


def test_long_headlines_wrap_within_the_width_and_stop_at_three_lines(font: str) -> None:
    face = ImageFont.truetype(font, card.HEADLINE_SIZE, index=card.face_index(font))
    lines = card.wrap("阶跃星辰完成超50亿元人民币B+轮融资" * 6 + " Anthropic Claude", face, 600, 3)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert all(face.getlength(line) <= 600 for line in lines)
    words = card.wrap("Anthropic announces Claude Opus with a much longer context window", face,
                      400, 5)
    assert all(not line.startswith(" ") for line in words)
    assert " ".join(words).split() == "Anthropic announces Claude Opus with a much longer context " \
                                      "window".split()  # no Latin word cut in two
