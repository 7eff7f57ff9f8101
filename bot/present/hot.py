"""What is hot, as every medium shows it: which lists, how many terms, the words for "now vs
before", and the text of each reason a period has no lists. The bot's /hot and Monday board, the
site's /hot and MCP's `hot` render this; the CLI's --json and MCP's JSON are the storage answer
itself (HotResult.to_json), so every front end lists the same terms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.i18n import Translations
from storage.model import HotResult, HotTerm

TOP = 10  # terms per list in /hot, on the site and in MCP's Markdown
BOARD_TOP = 5  # terms per list in the Monday board's section

HotKind = Literal["rising", "new", "fading"]


@dataclass(frozen=True)
class HotSection:
    """One list of a hot view: its kind, heading and terms (never empty)."""

    kind: HotKind
    heading: str
    terms: tuple[HotTerm, ...]


def sections(lang: Translations, result: HotResult, top: int = TOP,
             kinds: tuple[HotKind, ...] = ("rising", "new", "fading")) -> list[HotSection]:
    """Return the non-empty lists of `result` among `kinds`, in that order, `top` terms each."""
    _ = lang.gettext
    headings = {"rising": _("📈 升温"), "new": _("🆕 新面孔"), "fading": _("📉 降温")}
    found = []
    for kind in kinds:
        terms = getattr(result, kind)[:top]
        if terms:
            found.append(HotSection(kind, headings[kind], terms))
    return found


def title(lang: Translations, result: HotResult) -> str:
    """Return the view's title: the period, and what it is compared with."""
    return lang.gettext("热词 {since} ~ {until}").format(since=result.since, until=result.until)


def compared_with(lang: Translations, result: HotResult) -> str:
    """Return the line saying what the counts are compared with."""
    line = lang.ngettext("本期 {items} 条，对比此前 {weeks} 周的平均",
                         "本期 {items} 条，对比此前 {weeks} 周的平均", result.periods_before)
    return line.format(items=result.items, weeks=result.periods_before)


def change(lang: Translations, term: HotTerm) -> str:
    """Return a term's "now vs before": 6 条（此前每周 1）, or for a new one 3 条 · 首见 03-25."""
    now = lang.ngettext("{n} 条", "{n} 条", term.count).format(n=term.count)
    if term.before == 0 and term.first_seen:
        return lang.gettext("{now} · 首见 {date}").format(now=now, date=term.first_seen[5:])
    return lang.gettext("{now}（此前每周 {before}）").format(now=now, before=f"{term.before:g}")


def refusal(lang: Translations, result: HotResult) -> str | None:
    """Return why `result` has no lists, in words (None when it has them)."""
    _ = lang.gettext
    if result.message == "empty":
        return _("还没有收录任何日报。")
    if result.message == "no_digests":
        text = _("{since} ~ {until} 没有日报。").format(since=result.since, until=result.until)
        if result.newest:
            text += " " + _("最新一期是 {date}。").format(date=result.newest)
        return text
    if result.message == "no_history":
        return _("{since} 之前还没有日报，没有可以对比的前几周（本期 {items} 条）。").format(
            since=result.since, items=result.items)
    if result.message == "terms_pending":
        return _("正在整理词条，请稍后再试。")
    if not (result.rising or result.new or result.fading):
        return _("这一周没有明显升温、新出现或降温的词。")
    return None
