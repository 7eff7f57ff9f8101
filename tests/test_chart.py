"""Tests for bot.chart: the /trend PNG bar chart and CJK font discovery (no network)."""

from __future__ import annotations

import datetime
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text
from PIL import Image

from bot.chart import (
    DPI,
    FIGURE_SIZE,
    WeekCount,
    chart_labels,
    cjk_font_path,
    tick_positions,
    trend_figure,
    trend_png,
)

PROJECT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPECTED_SIZE = (round(FIGURE_SIZE[0] * DPI), round(FIGURE_SIZE[1] * DPI))
# Independent of bot.chart's own ranges: ideographs, kana, hangul, CJK and fullwidth punctuation.
CJK_RE = re.compile(r"[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7ff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
                    r"\U00020000-\U0003ffff]")
MONDAY = datetime.date(2024, 1, 1)


def make_weeks(count: int) -> list[WeekCount]:
    """`count` consecutive weeks from 2024-01-01 with varying counts, some zero."""
    return [WeekCount(MONDAY + datetime.timedelta(weeks=i), (i * 7) % 13) for i in range(count)]


def assert_valid_png(png: bytes) -> None:
    """The bytes are a PNG that Pillow decodes, of the expected pixel size."""
    assert png.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(png)) as image:
        image.verify()
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == EXPECTED_SIZE
        image.load()


def drawn_texts(fig: Figure) -> list[Text]:
    """Every visible, non-empty text artist of a drawn figure."""
    fig.canvas.draw()
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


@pytest.fixture
def fresh_font_cache() -> Iterator[None]:
    """Forget the cached font before and after the test (it may change TREND_FONT)."""
    cjk_font_path.cache_clear()
    yield
    cjk_font_path.cache_clear()


@pytest.fixture(scope="module")
def font() -> str:
    """The CJK font found on this machine."""
    path = cjk_font_path()
    assert path is not None, "no CJK font: install cvttf-NotoSansCJK-Regular or set TREND_FONT"
    return path


def test_png_of_two_years_is_valid_and_small(font: str) -> None:
    png = trend_png("阶跃星辰", make_weeks(104), font_path=font)
    assert_valid_png(png)
    assert len(png) < 200_000


def test_default_font_is_the_discovered_one(font: str) -> None:
    fig = trend_figure("红包", make_weeks(3))
    assert fig.axes[0].title.get_fontproperties().get_file() == font


def test_cjk_font_found_and_draws_chinese(font: str) -> None:
    assert os.path.isfile(font)
    face = FT2Font(font)
    for char in "阶跃星辰红包中" + "".join(chart_labels("", cjk=True)) + "无数据":
        assert face.get_char_index(ord(char)) != 0, char


def test_chinese_chart_uses_cjk_font_everywhere(font: str) -> None:
    weeks = make_weeks(20)
    fig = trend_figure("阶跃星辰", weeks, font_path=font)
    ax = fig.axes[0]
    title, x_label, y_label = chart_labels("阶跃星辰", cjk=True)
    assert (title, x_label, y_label) == ("「阶跃星辰」每周提及次数", "周（周一开始）", "条目数")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == (title, x_label, y_label)
    texts = drawn_texts(fig)
    assert {t.get_text() for t in texts} >= {title, x_label, y_label, "01-01"}
    for text in texts:
        assert text.get_fontproperties().get_file() == font, text.get_text()
    assert_valid_png(trend_png("阶跃星辰", weeks, font_path=font))


def test_one_bar_per_week_with_thinned_date_ticks(font: str) -> None:
    weeks = make_weeks(104)
    ax = trend_figure("红包", weeks, font_path=font).axes[0]
    assert len(ax.patches) == 104
    assert [p.get_height() for p in ax.patches] == [w.items for w in weeks]
    labels = [label.get_text() for label in ax.get_xticklabels()]
    assert 2 <= len(labels) <= 12
    assert labels[0] == "01-01" and labels[-1] == weeks[-1].week.strftime("%m-%d")
    y_ticks = ax.get_yticks()
    assert all(float(tick).is_integer() for tick in y_ticks)


@pytest.mark.parametrize("count", [1, 2, 11, 12, 13, 24, 52, 104, 157, 520])
def test_tick_positions(count: int) -> None:
    positions = tick_positions(count)
    assert positions[0] == 0 and positions[-1] == count - 1
    assert len(positions) <= 12
    assert positions == sorted(set(positions))
    if count <= 12:
        assert positions == list(range(count))


def test_latin_labels_without_cjk_font() -> None:
    for keyword in ("阶跃星辰", "红包", "ＡＩ", "OpenAI"):
        labels = chart_labels(keyword, cjk=False)
        assert not any(CJK_RE.search(label) for label in labels), labels
    assert chart_labels("阶跃星辰", cjk=False) == ("Mentions per week", "Week (starting Monday)", "Items")
    assert chart_labels("OpenAI", cjk=False)[0] == "Mentions per week: OpenAI"

    fig = trend_figure("阶跃星辰", make_weeks(30), font_path=None)
    texts = drawn_texts(fig)
    assert texts and not any(CJK_RE.search(t.get_text()) for t in texts)
    assert_valid_png(trend_png("阶跃星辰", make_weeks(30), font_path=None))


def test_missing_font_path_falls_back_to_latin(tmp_path: Path) -> None:
    fig = trend_figure("红包", make_weeks(5), font_path=str(tmp_path / "missing.ttf"))
    assert fig.axes[0].get_title() == "Mentions per week"


def test_trend_font_setting_naming_a_missing_file_is_ignored(
    tmp_path: Path, fresh_font_cache: None
) -> None:
    missing = tmp_path / "missing.ttf"
    path = cjk_font_path(str(missing))
    assert path is not None and path != str(missing)
    assert os.path.isfile(path)


def test_trend_font_setting_without_chinese_glyphs_is_ignored(
    fresh_font_cache: None
) -> None:
    import matplotlib

    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    assert dejavu.is_file()
    path = cjk_font_path(str(dejavu))
    assert path is not None and path != str(dejavu)


def test_trend_font_setting_is_used(font: str, fresh_font_cache: None) -> None:
    assert cjk_font_path(font) == font


def test_font_lookup_is_cached(font: str) -> None:
    assert cjk_font_path() is cjk_font_path()


@pytest.mark.parametrize("cjk", [True, False])
def test_empty_weeks_gives_no_data_chart(font: str, cjk: bool) -> None:
    font_path = font if cjk else None
    png = trend_png("红包", [], font_path=font_path)
    assert_valid_png(png)
    texts = {t.get_text() for t in drawn_texts(trend_figure("红包", [], font_path=font_path))}
    assert ("无数据" if cjk else "No data") in texts


@pytest.mark.parametrize("cjk", [True, False])
def test_keyword_is_plain_text(font: str, cjk: bool) -> None:
    # "$\\notacommand{$" makes matplotlib's mathtext parser raise ValueError if math were parsed.
    keyword = "$x^2$ <b>红包</b> $\\notacommand{$ \\$ {}"
    font_path = font if cjk else None
    assert_valid_png(trend_png(keyword, make_weeks(4), font_path=font_path))
    fig = trend_figure("a $x^2$ <b>", make_weeks(4), font_path=font_path)
    assert "a $x^2$ <b>" in fig.axes[0].get_title()
    ax = fig.axes[0]
    for text in (ax.title, ax.xaxis.label, ax.yaxis.label):  # tick labels are dates and numbers only
        assert not text.get_parse_math() and not text.get_usetex(), text.get_text()


def test_long_keyword_is_cut() -> None:
    keyword = "大模型" * 20
    title = chart_labels(keyword, cjk=True)[0]
    assert keyword[:30] in title and keyword[:31] not in title
    latin = chart_labels("x" * 100 + "\n<b>", cjk=False)[0]
    assert "x" * 30 in latin and "x" * 31 not in latin and "\n" not in latin


def test_import_does_not_load_matplotlib() -> None:
    code = "import sys, bot.chart; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr


def test_an_english_reader_gets_english_labels_with_the_keyword(font: str) -> None:
    from bot.i18n import translations

    english = translations("en")
    assert chart_labels("红包", cjk=True, lang=english) == (
        "Mentions per week: 红包", "Week (starting Monday)", "Items")
    fig = trend_figure("红包", [], font_path=font, lang=english)
    assert "No data" in {t.get_text() for t in drawn_texts(fig)}
