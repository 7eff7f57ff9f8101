"""PNG bar chart for `/trend 关键词`: how many digest items mention a keyword each week.

Rendering uses matplotlib's object API (`Figure` + `FigureCanvasAgg`, never `pyplot`), so it
is safe to call from `asyncio.to_thread`. matplotlib is imported lazily inside the functions:
importing this module stays cheap and the bot starts fast.

Chinese text needs a font with CJK glyphs; `cjk_font_path` finds one. Without such a font the
chart uses Latin labels only, because CJK characters would be drawn as empty boxes.
"""

from __future__ import annotations

import datetime
import enum
import functools
import io
import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from bot.i18n import Translations, translations

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

log = logging.getLogger(__name__)

# File-name fragments (matched case-insensitively) of common system fonts with Chinese coverage,
# in order of preference.
CJK_FONT_NAMES: Final[tuple[str, ...]] = (
    "NotoSansCJK", "NotoSerifCJK", "SourceHanSans", "wqy", "WenQuanYi", "SimHei", "msyh", "PingFang",
    "Droid Sans Fallback", "DroidSansFallback",
)
_WEIGHT_WORDS: Final = ("thin", "light", "demilight", "medium", "bold", "black", "heavy")

MAX_KEYWORD_CHARS: Final = 30
MAX_TICK_LABELS: Final = 12
FIGURE_SIZE: Final = (8.0, 4.5)  # inches
DPI: Final = 110
BAR_COLOR: Final = "#3b7dd8"

# Code point ranges treated as CJK: characters a Latin-only font (DejaVu) cannot draw.
_CJK_RANGES: Final[tuple[tuple[int, int], ...]] = (
    (0x1100, 0x11FF),    # Hangul Jamo
    (0x2E80, 0x2FDF),    # CJK radicals, Kangxi radicals
    (0x2FF0, 0x2FFF),    # ideographic description characters
    (0x3000, 0x303F),    # CJK symbols and punctuation (、。「」…)
    (0x3040, 0x30FF),    # Hiragana, Katakana
    (0x3100, 0x31FF),    # Bopomofo, Hangul compatibility Jamo, Kanbun, CJK strokes, Katakana ext.
    (0x3200, 0x33FF),    # enclosed CJK letters, CJK compatibility
    (0x3400, 0x4DBF),    # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),    # CJK Unified Ideographs
    (0xA960, 0xA97F),    # Hangul Jamo Extended-A
    (0xAC00, 0xD7FF),    # Hangul syllables, Jamo Extended-B
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0xFE30, 0xFE4F),    # CJK compatibility forms
    (0xFF00, 0xFFEF),    # halfwidth and fullwidth forms (，（）！)
    (0x20000, 0x3FFFF),  # supplementary ideographic planes
)


@dataclass(frozen=True)
class WeekCount:
    """Number of items mentioning the keyword in one ISO week."""

    week: datetime.date  # the Monday starting the ISO week
    items: int  # items mentioning the keyword that week


class _Default(enum.Enum):
    """Sentinel type: "use `cjk_font_path()`" as the default of `trend_png`'s font_path."""

    FONT = enum.auto()


def is_cjk(char: str) -> bool:
    """Return True if the single character `char` is CJK (ideograph, kana, hangul, CJK punctuation)."""
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def has_cjk(text: str) -> bool:
    """Return True if `text` contains at least one CJK character."""
    return any(is_cjk(char) for char in text)


def _font_has_cjk(path: str) -> bool:
    """Return True if the font file at `path` loads and has a glyph for "中"."""
    from matplotlib.ft2font import FT2Font

    try:
        return FT2Font(path).get_char_index(ord("中")) != 0
    except (OSError, RuntimeError, ValueError) as exc:  # unreadable or not a font
        log.debug("font %s cannot be loaded: %s", path, exc)
        return False


def _system_font_rank(path: str) -> tuple[int, int, str] | None:
    """Sort key of a system font file that looks like a CJK font, or None if it does not."""
    name = os.path.basename(path).lower()
    for rank, fragment in enumerate(CJK_FONT_NAMES):
        if fragment.lower() in name:
            # Prefer the regular weight to thin or bold cuts of the same family.
            weighted = any(word in name for word in _WEIGHT_WORDS) and "regular" not in name
            return rank, int(weighted), path
    return None


def _system_cjk_fonts() -> list[str]:
    """Candidate system fonts with Chinese coverage, best first (not yet verified)."""
    from matplotlib import font_manager

    try:
        found = font_manager.findSystemFonts()
    except OSError as exc:
        log.debug("cannot list system fonts: %s", exc)
        return []
    ranked = sorted(key for path in found if (key := _system_font_rank(path)) is not None)
    return [path for _, _, path in ranked]


def _packaged_cjk_font() -> str | None:
    """Path of the font shipped by the pip package `cvttf-NotoSansCJK-Regular`, if installed."""
    try:
        import cvttf_NotoSansCJK_Regular

        return cvttf_NotoSansCJK_Regular.get_TTF_path()
    except (ImportError, FileNotFoundError, OSError) as exc:
        log.debug("no packaged CJK font: %s", exc)
        return None


@functools.lru_cache(maxsize=4)
def cjk_font_path(preferred: str = "") -> str | None:
    """Return the path of a font file that can draw Chinese, or None.

    Looks at, in order: `preferred` (the TREND_FONT setting); system fonts whose
    file names mark them as Chinese fonts (Noto CJK, Source Han, WenQuanYi, ...);
    the font of the pip package `cvttf-NotoSansCJK-Regular`. A candidate is used
    only if it loads and has the glyph for "中". The result is cached; call
    `cjk_font_path.cache_clear()` to look again.
    """
    if preferred:
        if not os.path.isfile(preferred):
            log.warning("TREND_FONT=%r is not a file; looking for another CJK font", preferred)
        elif _font_has_cjk(preferred):
            return preferred
        else:
            log.warning("TREND_FONT=%r cannot draw Chinese; looking for another CJK font",
                        preferred)
    for path in _system_cjk_fonts():
        if _font_has_cjk(path):
            return path
    packaged = _packaged_cjk_font()
    if packaged and os.path.isfile(packaged) and _font_has_cjk(packaged):
        return packaged
    log.warning("no font with Chinese glyphs found; /trend charts will use English labels")
    return None


def _plain_keyword(keyword: str) -> str:
    """The keyword as one line of at most `MAX_KEYWORD_CHARS` characters (plus "…" if cut)."""
    text = " ".join(keyword.split())
    if len(text) > MAX_KEYWORD_CHARS:
        return text[:MAX_KEYWORD_CHARS] + "…"
    return text


def chart_labels(keyword: str, cjk: bool, lang: Translations | None = None) -> tuple[str, str, str]:
    """Return (title, x label, y label) used on the chart, in `lang` (default Chinese).

    With `cjk` False (no font that can draw Chinese) the labels are English: a keyword containing
    CJK characters is then left out of the title (the caller names it in the Telegram caption).
    """
    lang = (lang or translations("zh")) if cjk else translations("en")
    _ = lang.gettext
    shown = _plain_keyword(keyword)
    if shown and (cjk or not has_cjk(shown)):
        title = _("「{keyword}」每周提及次数").format(keyword=shown)
    else:
        title = _("每周提及次数")
    return title, _("周（周一开始）"), _("条目数")


def tick_positions(count: int, limit: int = MAX_TICK_LABELS) -> list[int]:
    """Indices of the bars that get an x tick label: evenly spaced, first and last included.

    At most `limit` indices are returned (`limit` >= 2).
    """
    if count <= limit:
        return list(range(count))
    step = math.ceil((count - 1) / (limit - 1))
    positions = list(range(0, count, step))
    last = count - 1
    if positions[-1] != last:
        if last - positions[-1] < step / 2:
            positions[-1] = last  # too close to the previous label: move it to the end
        else:
            positions.append(last)
    return positions


def _text_style(font: FontProperties | None, size: float) -> dict[str, Any]:
    """Keyword arguments for a plain-text (no mathtext) label of `size` points in `font`.

    The size goes into the font properties: passing `fontsize` next to `fontproperties` may be
    overridden by the latter, depending on the order matplotlib applies them.
    """
    style: dict[str, Any] = {"parse_math": False, "usetex": False}
    if font is None:
        style["fontsize"] = size
    else:
        sized = font.copy()
        sized.set_size(size)
        style["fontproperties"] = sized
    return style


def _set_tick_font(ax: Axes, font: FontProperties | None, size: float) -> None:
    """Draw the tick labels of `ax` in `font` (if any) at `size` points.

    Tick labels created later (at draw time) copy their properties from these.
    """
    if font is None:
        ax.tick_params(labelsize=size)
        return
    style = _text_style(font, size)
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        label.set_fontproperties(style["fontproperties"])


def _resolve_font(font_path: str | None | Literal[_Default.FONT]) -> str | None:
    """The CJK font to draw with: `cjk_font_path()` by default, None if `font_path` is no file."""
    if font_path is _Default.FONT:
        return cjk_font_path()
    if font_path is not None and not os.path.isfile(font_path):
        log.warning("font %r is not a file; drawing the chart with English labels", font_path)
        return None
    return font_path


def trend_figure(
    keyword: str,
    weeks: Sequence[WeekCount],
    font_path: str | None | Literal[_Default.FONT] = _Default.FONT,
    lang: Translations | None = None,
) -> Figure:
    """Return the matplotlib figure that `trend_png` encodes (attached to an Agg canvas).

    Arguments as for `trend_png`; exposed so tests can inspect the drawn text.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    path = _resolve_font(font_path)
    font = FontProperties(fname=path) if path else None
    title, x_label, y_label = chart_labels(keyword, font is not None, lang)

    fig = Figure(figsize=FIGURE_SIZE, dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_title(title, pad=10, **_text_style(font, 13))
    ax.set_xlabel(x_label, **_text_style(font, 10))
    ax.set_ylabel(y_label, **_text_style(font, 10))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

    if weeks:
        counts = [max(week.items, 0) for week in weeks]
        ax.bar(range(len(weeks)), counts, width=0.8, color=BAR_COLOR, zorder=2)
        positions = tick_positions(len(weeks))
        ax.set_xticks(positions, [weeks[i].week.strftime("%m-%d") for i in positions])
        ax.set_xlim(-0.6, len(weeks) - 0.4)
        ax.set_ylim(0, max(max(counts), 1) * 1.08)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", color="#dddddd", linewidth=0.8, zorder=0)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
        no_data = (lang or translations("zh")) if font is not None else translations("en")
        ax.text(0.5, 0.5, no_data.gettext("无数据"), transform=ax.transAxes,
                ha="center", va="center", color="#888888", **_text_style(font, 16))
    _set_tick_font(ax, font, size=9)
    fig.tight_layout()
    return fig


def trend_png(
    keyword: str,
    weeks: Sequence[WeekCount],
    font_path: str | None | Literal[_Default.FONT] = _Default.FONT,
    lang: Translations | None = None,
) -> bytes:
    """Return a PNG bar chart of mentions per week.

    `weeks` holds every week of the range, zero weeks included, oldest first; each becomes one
    bar. `font_path` is a font with Chinese glyphs (default: `cjk_font_path()`); with None, or a
    path that is not a file, the chart uses Latin labels only. The keyword is drawn as plain text
    (no mathtext), cut to 30 characters. An empty `weeks` gives a chart saying "无数据"/"No data".
    The labels are in `lang` (default Chinese), or English when no font can draw Chinese.
    """
    fig = trend_figure(keyword, weeks, font_path, lang)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
