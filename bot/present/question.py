"""What every medium shows around a question's answer, without any medium's markup: the line
saying how the question was read (`按：上周（02-02 ~ 02-08）· 投融资 · 3 条`), the notes under
it (a time phrase not used, a keyword loosened, a question cut), the ways to widen it, and what
to say when there is nothing to look for. Plain text in the reader's language; each renderer
escapes and lays it out (Telegram HTML in bot/render/ask.py, the site's template, MCP)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from bot import present
from bot.i18n import N_, Translations
from storage.answer import Answer
from storage.periods import MAX_DAYS, Period
from storage.understand import Question

# A way to widen a question: drop its period (t) or its category (c).
Widening = Literal["t", "c"]
EXAMPLES = (N_("上周有哪些融资"), N_("阶跃星辰最近怎么样"), N_("红包热度"), N_("昨天的日报"),
            N_("what happened with Kimi last week"))


@dataclass(frozen=True)
class Reading:
    """How a question was read, as every medium shows it above the answer."""

    line: str  # 按：上周（02-02 ~ 02-08）· 投融资 · 3 条
    notes: tuple[str, ...]  # sentences under it
    widen: tuple[tuple[Widening, str], ...]  # (code, button label), when there is something to drop


def span(period: Period, today: dt.date) -> str:
    """Return a period's days as MM-DD (YYYY-MM-DD outside today's year): `02-02 ~ 02-08`."""
    def day(date: dt.date) -> str:
        return f"{date:%m-%d}" if date.year == today.year else date.isoformat()
    return day(period.start) if period.start == period.end else f"{day(period.start)} ~ {day(period.end)}"


def reading(lang: Translations, answer: Answer) -> Reading:
    """Return how the answer's question was read: the line, its notes and the ways to widen it."""
    _ = lang.gettext
    question = answer.question
    parts = []
    if question.period is not None:
        parts.append(_("{phrase}（{span}）").format(phrase=question.period.phrase,
                                                  span=span(question.period, question.today)))
    if answer.shape == "day":
        parts.append(_("日报"))
    if question.category:
        parts.append(present.short_name(question.category, lang))
    if question.subjects:
        parts.append(_("、").join(question.names))
    wanted = [k for k in answer.keywords if not k.startswith("-")]
    if wanted:
        parts.append(_("「{words}」").format(words=" ".join(wanted)))
    excluded = [k[1:] for k in answer.keywords if k.startswith("-")]
    if excluded:
        parts.append(_("不含「{words}」").format(words=" ".join(excluded)))
    more = "+" if answer.total_capped else ""
    parts.append(lang.ngettext("{n}{more} 条", "{n}{more} 条", answer.total).format(
        n=answer.total, more=more))
    if answer.shape == "story" and answer.stories:
        parts.append(lang.ngettext("{n} 个事件", "{n} 个事件", len(answer.stories)).format(
            n=len(answer.stories)))
    line = _("按：{reading}").format(reading=" · ".join(parts).replace("） · ", "）· "))
    return Reading(line, notes(lang, answer), widenings(lang, question, answer))


def notes(lang: Translations, answer: Answer) -> tuple[str, ...]:
    """Return the sentences under the reading line: what was not read as written, and why."""
    _ = lang.gettext
    question = answer.question
    out = []
    if question.cut:
        out.append(_("问题太长，只读了前 {n} 个字。").format(n=len(question.text)))
    if question.period_problem is not None:
        phrase, problem = question.period_problem
        out.append({
            "no_such_month": _("「{phrase}」不是有效的月份，没有按时间筛选。"),
            "no_such_date": _("没有「{phrase}」这一天，没有按时间筛选。"),
            "empty_span": _("「{phrase}」不包含任何一天，没有按时间筛选。"),
            "capped": _("「{phrase}」太长，只看最近 {days} 天。"),
        }[problem].format(phrase=phrase, days=MAX_DAYS))
    asked = " ".join(k for k in question.keywords if not k.startswith("-"))
    if answer.relaxed == "split":
        out.append(_("没有找到「{asked}」，改为同时包含「{words}」的条目。").format(
            asked=asked, words=" ".join(k for k in answer.keywords if not k.startswith("-"))))
    elif answer.relaxed == "corrected":
        out.append(_("没有找到「{asked}」，已显示「{words}」的结果。").format(
            asked=asked, words=" ".join(k for k in answer.keywords if not k.startswith("-"))))
    elif answer.relaxed == "subjects_only":
        out.append(_("没有同时提到「{asked}」的条目，只按「{names}」查找。").format(
            asked=asked, names=_("、").join(question.names)))
    if answer.shape == "day" and answer.digest is None:
        out.append(_("那天没有日报。") if question.period else _("索引里还没有日报。"))
    return tuple(out)


def widenings(lang: Translations, question: Question,
              answer: Answer) -> tuple[tuple[Widening, str], ...]:
    """Return the ways to widen the question (drop its period, drop its category) with the label
    of each; none for one day's digest."""
    if answer.shape == "day" or question.refusal:
        return ()
    out: list[tuple[Widening, str]] = []
    if question.period is not None:
        out.append(("t", lang.gettext("🕒 不限时间")))
    if question.category is not None:
        out.append(("c", lang.gettext("🗂 不限分类")))
    return tuple(out)


def widen(question: Question, flags: str) -> Question:
    """Return `question` widened as `flags` say ("t": no period, "c": no category)."""
    return question.widened(drop_period="t" in flags, drop_category="c" in flags)


def nothing_found(lang: Translations) -> str:
    """Return what to say when the question's filters select nothing."""
    return lang.gettext("没有找到符合条件的条目。可以放宽条件再试，或换个说法。")


def refusal(lang: Translations, question: Question, commands: bool = True) -> str:
    """Return the answer to a question with nothing to look for (filler, emoji, a day that does
    not exist): what was understood, and questions to try (and, with `commands`, where the bot's
    commands are listed)."""
    _ = lang.gettext
    examples = _("、").join(_("「{q}」").format(q=_(example)) for example in EXAMPLES)
    if question.refusal == "no_such_period" and question.period_problem:
        head = notes_for_period(lang, question)
    else:
        head = _("没看出要找什么。")
    tail = _("可以这样问：{examples}。").format(examples=examples)
    return f"{head}\n{tail}" + (_("命令见 /help。") if commands else "")


def notes_for_period(lang: Translations, question: Question) -> str:
    """Return the sentence about a time phrase that names no day (13月, 2月30日, 最近0天)."""
    phrase, problem = question.period_problem or ("", "empty_span")
    _ = lang.gettext
    return {"no_such_month": _("「{phrase}」不是有效的月份。"),
            "no_such_date": _("没有「{phrase}」这一天。"),
            "empty_span": _("「{phrase}」不包含任何一天。"),
            "capped": _("「{phrase}」太长。")}[problem].format(phrase=phrase)


def unknown_command(lang: Translations, command: str) -> str:
    """Return the one-line hint for a command the bot does not have."""
    return lang.gettext("没有 {command} 这个命令。发送 /help 查看全部命令，也可以直接提问，"
                        "例如「上周有哪些融资」。").format(command=command)


def summary_heading(lang: Translations) -> str:
    """Return the heading of an AI answer."""
    return lang.gettext("🤖 AI 摘要")


def summary_label(lang: Translations, considered: int) -> str:
    """Return the label under an AI answer: machine-written, from how many items."""
    return lang.ngettext("以上摘要由 AI 根据检索到的 {n} 条条目自动生成，可能有误，请以原文为准。",
                         "以上摘要由 AI 根据检索到的 {n} 条条目自动生成，可能有误，请以原文为准。",
                         considered).format(n=considered)


def quota_used(lang: Translations, limit: int) -> str:
    """Return the note shown instead of an AI answer once the reader's daily quota is used."""
    return lang.ngettext("今天的 AI 摘要已用完（每人每天 {n} 次），以下是检索结果。",
                         "今天的 AI 摘要已用完（每人每天 {n} 次），以下是检索结果。",
                         limit).format(n=limit)
