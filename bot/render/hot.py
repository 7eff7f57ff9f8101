"""Telegram HTML for what is hot: /hot with a button per term (its /what timeline or /trend), the
Monday board's "本周新面孔 / 升温" section and the rising line of a watch alert. The lists and their
words come from the presentation core (bot/present/hot.py); this only formats them."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translations
from bot.present import hot as present
from bot.present import shorten
from bot.render import Reply, esc
from storage.model import HotResult, HotTerm

BUTTON_TERM_CHARS = 16  # a term on a button is shortened to this


def hot_reply(lang: Translations, result: HotResult) -> Reply:
    """Return the answer to /hot: the top rising and the new names (and what faded), each with now
    vs before, and under it a row per rising or new term: its timeline (/what) and its trend."""
    header = f"🔥 <b>{esc(present.title(lang, result))}</b>"
    refused = present.refusal(lang, result)
    if refused:
        return Reply(f"{header}\n{esc(refused)}")
    blocks = [header + "\n" + esc(present.compared_with(lang, result))]
    for section in present.sections(lang, result):
        lines = [f"<b>{esc(section.heading)}</b>"]
        for number, term in enumerate(section.terms, 1):
            lines.append(f"{number}. <b>{esc(term.term)}</b> {esc(present.change(lang, term))}")
        blocks.append("\n".join(lines))
    rows = []
    for section in present.sections(lang, result, kinds=("rising", "new")):
        for index, term in enumerate(section.terms):
            code = f"{result.until.replace('-', '')}:{section.kind[0]}{index}"
            rows.append([
                InlineKeyboardButton(f"📰 {shorten(term.term, BUTTON_TERM_CHARS)}",
                                     callback_data=f"h:w:{code}"),
                InlineKeyboardButton(lang.gettext("📈 趋势"), callback_data=f"h:t:{code}")])
    return Reply("\n\n".join(blocks), InlineKeyboardMarkup(rows) if rows else None)


def term_of_button(result: HotResult, code: str) -> HotTerm | None:
    """Return the term a /hot button names (`r3`: the 4th rising term, `n0`: the first new one)."""
    kinds = {"r": result.rising, "n": result.new}
    terms = kinds.get(code[:1], ())
    index = int(code[1:]) if code[1:].isdigit() else -1
    return terms[index] if 0 <= index < min(len(terms), present.TOP) else None


def board_section(lang: Translations, result: HotResult) -> str | None:
    """Return the Monday board's "本周新面孔 / 升温" message: the week's new names and rising
    terms (BOARD_TOP each), or None when the week has neither."""
    parts = present.sections(lang, result, top=present.BOARD_TOP, kinds=("new", "rising"))
    if not parts:
        return None
    heading = lang.gettext("本周新面孔 / 升温")
    blocks = [f"<b>{esc(heading)}</b> {result.since[5:]} ~ {result.until[5:]}"]
    for section in parts:
        lines = [esc(section.heading)]
        lines += [f"· <b>{esc(term.term)}</b> {esc(present.change(lang, term))}" for term in section.terms]
        blocks.append("\n".join(lines))
    blocks.append(esc(lang.gettext("用 /hot 查看完整榜单。")))
    return "\n\n".join(blocks)


def rising_note(lang: Translations, keyword: str, term: HotTerm) -> str:
    """Return the line of a watch alert saying a watched keyword is rising this week."""
    return lang.gettext("📈 你关注的「{keyword}」本周升温：{term} {change}").format(
        keyword=esc(keyword), term=f"<b>{esc(term.term)}</b>", change=esc(present.change(lang, term)))
