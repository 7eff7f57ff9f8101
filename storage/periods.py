"""Time phrases -> spans of days: 上周, 最近三天, 2月, 2026-02-08, last week, in February.

Deterministic and offline: everything is relative to `today`, a date the caller
passes (today in TIMEZONE; tests fix it). Weeks run Monday to Sunday. A phrase
that names no real span (13月, 2月30日, 最近0天) is still found, so the words
are not searched as keywords, and comes back with the reason it was not used.

    >>> find_periods("上周有哪些融资", dt.date(2026, 2, 8))[0].period
    Period(start=datetime.date(2026, 1, 26), end=datetime.date(2026, 2, 1), phrase='上周')
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

MAX_DAYS = 3650  # 最近9999天 is read as the last ten years (and says so)

# Why a time phrase was read differently from what it says, or not used at all.
PeriodProblem = Literal[
    "no_such_month",  # 13月, 0月: not used
    "no_such_date",  # 2月30日, 2026-02-30: not used
    "empty_span",  # 最近0天: not used
    "capped",  # 最近9999天: read as the last MAX_DAYS days
]


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included, and the words they were read from."""

    start: dt.date
    end: dt.date
    phrase: str  # as the question writes it: 上周, last 7 days

    @property
    def days(self) -> int:
        """Return how many days the period covers."""
        return (self.end - self.start).days + 1

    def since(self) -> str:
        """Return the first day as YYYY-MM-DD."""
        return self.start.isoformat()

    def until(self) -> str:
        """Return the last day as YYYY-MM-DD."""
        return self.end.isoformat()


@dataclass(frozen=True)
class PeriodMatch:
    """One time phrase found in a text: where, the period it names (None when it names none),
    and why it was read differently or not used (None when read as written)."""

    phrase: str
    span: tuple[int, int]  # [start, end) in the text searched
    period: Period | None
    problem: PeriodProblem | None = None


# --- numbers ------------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
_NUMBER = r"\d{1,6}|[零〇一二两三四五六七八九十百千万]{1,8}"
_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
               "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14,
               "fifteen": 15, "twenty": 20, "thirty": 30, "a": 1, "an": 1}


def chinese_number(text: str) -> int | None:
    """Return the value of digits or a Chinese numeral (三 3, 十五 15, 两百 200, 一万 10000),
    None if `text` is neither."""
    if text.isdigit():
        return int(text)
    total, section, digit = 0, 0, None
    for char in text:
        if char in _CN_DIGITS:
            if digit is not None:  # 二五: digit after digit reads as written (25)
                digit = digit * 10 + _CN_DIGITS[char]
            else:
                digit = _CN_DIGITS[char]
        elif char == "万":
            total += (section + (digit or 0)) * 10_000
            section, digit = 0, None
        elif char in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[char]
            digit = None
        else:
            return None
    return total + section + (digit or 0)


# --- spans ------------------------------------------------------------------------------


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _month(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _last_days(today: dt.date, days: int) -> tuple[dt.date, dt.date]:
    return today - dt.timedelta(days=days - 1), today


def _latest_month(today: dt.date, month: int) -> tuple[dt.date, dt.date]:
    """Return month `month` of this year, or of last year when it has not come yet."""
    return _month(today.year if month <= today.month else today.year - 1, month)


def _latest_day(today: dt.date, month: int, day: int) -> dt.date:
    """Return month-day of this year, or of last year when it has not come yet (ValueError if no
    such day in that year)."""
    this_year = dt.date(today.year, month, day) if _valid(today.year, month, day) else None
    if this_year is not None and this_year <= today:
        return this_year
    return dt.date(today.year - 1, month, day)


def _valid(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


# A reader: (the match, today) -> (start, end) or a problem.
Span = tuple[dt.date, dt.date]
Reader = Callable[[re.Match[str], dt.date], "Span | PeriodProblem"]

_UNIT_DAYS = {"天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7, "个星期": 7, "个礼拜": 7,
              "月": 30, "个月": 30, "年": 365, "day": 1, "days": 1, "week": 7, "weeks": 7,
              "month": 30, "months": 30, "year": 365, "years": 365}


def _recent(count: int | None, unit: str, today: dt.date) -> Span | PeriodProblem:
    if count is None:
        return "empty_span"
    days = count * _UNIT_DAYS[unit]
    if days < 1:
        return "empty_span"
    if days > MAX_DAYS:
        return "capped"
    return _last_days(today, days)


def _recent_cn(match: re.Match[str], today: dt.date) -> Span | PeriodProblem:
    amount = match["n"]
    if amount == "半":
        return _last_days(today, 182 if match["unit"] == "年" else 15)
    return _recent(chinese_number(amount), match["unit"], today)


def _recent_en(match: re.Match[str], today: dt.date) -> Span | PeriodProblem:
    amount = (match["n"] or "one").lower()
    count = int(amount) if amount.isdigit() else _EN_NUMBERS.get(amount)
    return _recent(count, match["unit"].lower(), today)


def _year_month(match: re.Match[str], today: dt.date) -> Span | PeriodProblem:
    month = chinese_number(match["m"])
    if month is None or not 1 <= month <= 12 or not 1 <= int(match["y"]) <= 9999:
        return "no_such_month"
    return _month(int(match["y"]), month)


def _month_day(match: re.Match[str], today: dt.date) -> Span | PeriodProblem:
    month, day = chinese_number(match["m"]), chinese_number(match["d"])
    if month is None or day is None or not 1 <= month <= 12:
        return "no_such_month" if month is None or not 1 <= month <= 12 else "no_such_date"
    try:
        found = _latest_day(today, month, day)
    except ValueError:
        return "no_such_date"
    return found, found


def _bare_month(match: re.Match[str], today: dt.date) -> Span | PeriodProblem:
    month = chinese_number(match["m"])
    if month is None or not 1 <= month <= 12:
        return "no_such_month"
    return _latest_month(today, month)


def _bare_day(match: re.Match[str], today: dt.date) -> Span | PeriodProblem:
    """N号: day N of this month, or of the last month that has it when it has not come yet."""
    day = chinese_number(match["d"])
    if day is None or not 1 <= day <= 31:
        return "no_such_date"
    year, month = today.year, today.month
    for _ in range(12):
        if _valid(year, month, day) and dt.date(year, month, day) <= today:
            return dt.date(year, month, day), dt.date(year, month, day)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return "no_such_date"


def _this_week(match: re.Match[str], today: dt.date) -> Span | PeriodProblem:
    return _monday(today), _monday(today) + dt.timedelta(days=6)


def _weeks_ago(weeks: int) -> Reader:
    def read(match: re.Match[str], today: dt.date) -> Span | PeriodProblem:
        monday = _monday(today) - dt.timedelta(days=7 * weeks)
        return monday, monday + dt.timedelta(days=6)
    return read


def _days_ago(days: int) -> Reader:
    def read(match: re.Match[str], today: dt.date) -> Span | PeriodProblem:
        day = today - dt.timedelta(days=days)
        return day, day
    return read


def _this_month(match: re.Match[str], today: dt.date) -> Span | PeriodProblem:
    return _month(today.year, today.month)


def _last_month(match: re.Match[str], today: dt.date) -> Span | PeriodProblem:
    first = today.replace(day=1) - dt.timedelta(days=1)
    return _month(first.year, first.month)


def _year(offset: int) -> Reader:
    def read(match: re.Match[str], today: dt.date) -> Span | PeriodProblem:
        year = int(match["y"]) if "y" in match.groupdict() and match["y"] else today.year + offset
        if not 1 <= year <= 9999:
            return "no_such_date"
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    return read


_MONTH_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTH_NAMES |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTH_NAMES["sept"] = 9


def _english_month(match: re.Match[str], today: dt.date) -> Span | PeriodProblem:
    month = _MONTH_NAMES[match["m"].lower()]
    if match["y"]:
        return _month(int(match["y"]), month)
    return _latest_month(today, month)


def _numeric_date(match: re.Match[str], today: dt.date) -> Span | PeriodProblem:
    year = int(match["y"])
    month, day = (match["m"], match["d"]) if match["m"] else (match["m2"], match["d2"])
    if not _valid(year, int(month), int(day)):
        return "no_such_date"
    found = dt.date(year, int(month), int(day))
    return found, found


_N = rf"(?P<n>{_NUMBER}|半)"
_EN_N = r"(?P<n>\d{1,6}|" + "|".join(sorted(_EN_NUMBERS, key=len, reverse=True)) + ")"
_FULL_MONTHS = "|".join(name.lower() for name in calendar.month_name if name and name != "May")
_ALL_MONTHS = "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))

# (pattern, reader), tried all at once; where two overlap the earlier-starting, then longer, wins.
_PATTERNS: tuple[tuple[re.Pattern[str], Reader], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), reader) for pattern, reader in (
        (r"(?<!\d)(?P<y>\d{4})\s*(?:[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})(?!\d)"
         r"|年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*[日号]?)", _numeric_date),
        (rf"(?<!\d)(?P<y>\d{{4}})\s*年\s*(?P<m>{_NUMBER})\s*月份?", _year_month),
        (r"(?<!\d)(?P<y>\d{4})\s*年(?!\s*\d)", _year(0)),
        (rf"(?P<m>{_NUMBER})\s*月\s*(?P<d>{_NUMBER})\s*[日号]", _month_day),
        (rf"(?:最近|近|过去|这)的?\s*{_N}\s*(?P<unit>个星期|个礼拜|个月|天|日|周|星期|礼拜|年)",
         _recent_cn),
        (rf"(?<![\d零〇一二两三四五六七八九十百千万上本这下个])(?P<m>{_NUMBER})\s*月份?"
         r"(?!\d)", _bare_month),
        (rf"(?<![\d月])(?P<d>{_NUMBER})\s*号(?![\d线楼])", _bare_day),
        (r"今天|今日", _days_ago(0)),
        (r"昨天|昨日", _days_ago(1)),
        (r"大前天", _days_ago(3)),
        (r"前天", _days_ago(2)),
        (r"本周|这周|这一周|这个?星期|本星期|这个?礼拜|本礼拜", _this_week),
        (r"上上周|上上个?星期", _weeks_ago(2)),
        (r"上一?周|上一?个?星期|上个?礼拜", _weeks_ago(1)),
        (r"本月|这个月|这一?月|当月", _this_month),
        (r"上一?个?月", _last_month),
        (r"今年|本年", _year(0)),
        (r"去年", _year(-1)),
        # English
        (r"\btoday\b", _days_ago(0)),
        (r"\byesterday\b", _days_ago(1)),
        (r"\bthe day before yesterday\b", _days_ago(2)),
        (r"\bthis week\b", _this_week),
        (r"\blast week\b|\bprevious week\b", _weeks_ago(1)),
        (r"\bthis month\b", _this_month),
        (r"\blast month\b|\bprevious month\b", _last_month),
        (r"\bthis year\b", _year(0)),
        (r"\blast year\b", _year(-1)),
        (rf"\b(?:in\s+)?(?:the\s+)?(?:last|past|recent)\s+{_EN_N}?\s*(?P<unit>days?|weeks?|months?"
         rf"|years?)\b", _recent_en),
        (rf"\bin\s+(?P<m>{_ALL_MONTHS})\b(?:\s+(?P<y>\d{{4}})\b)?", _english_month),
        (rf"\b(?P<m>{_FULL_MONTHS})\b(?:\s+(?P<y>\d{{4}})\b)?", _english_month),
    ))


def find_periods(text: str, today: dt.date) -> list[PeriodMatch]:
    """Return every time phrase of `text`, in the order they appear (none overlapping), each
    with the period it names relative to `today` or why it names none."""
    candidates: list[tuple[int, int, re.Match[str], Reader]] = []
    for pattern, reader in _PATTERNS:
        for match in pattern.finditer(text):
            if match.end() > match.start():
                candidates.append((match.start(), -match.end(), match, reader))
    candidates.sort(key=lambda c: (c[0], c[1]))
    found: list[PeriodMatch] = []
    taken_until = -1
    for start, negative_end, match, reader in candidates:
        if start < taken_until:
            continue
        taken_until = -negative_end
        phrase = match.group(0).strip()
        read = reader(match, today)
        if read == "capped":
            span: Span | None = _last_days(today, MAX_DAYS)
            problem: PeriodProblem | None = "capped"
        elif isinstance(read, str):
            span, problem = None, read
        else:
            span, problem = read, None
        period = Period(span[0], span[1], phrase) if span else None
        found.append(PeriodMatch(phrase, (match.start(), match.end()), period, problem))
    return found


def read_period(text: str, today: dt.date) -> PeriodMatch | None:
    """Return the first time phrase of `text` that names a period, else the first one found
    (which says why it names none), else None."""
    found = find_periods(text, today)
    return next((m for m in found if m.period is not None), found[0] if found else None)
