"""How far a view reaches: the pages a list fills and the seven days of a week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storage.dates import WEEK


def page_count(total: int, per_page: int, most: int = 0) -> int:
    """Return the pages `total` entries fill at `per_page` a page: at least 1, at most `most`
    (0: no limit)."""
    pages = max(1, -(-total // per_page))
    return min(pages, most) if most else pages


@dataclass(frozen=True)
class WeekSpan:
    """The seven days ending `end` (YYYY-MM-DD), and the last days of the weeks around them."""

    start: str
    end: str
    previous_end: str  # the week before ends seven days earlier
    next_end: str  # the week after ends seven days later


def week_span(end: str) -> WeekSpan:
    """Return the week ending `end`; `end` must pass storage.dates.shifts_by_a_week (else the
    calendar overflows: OverflowError)."""
    last = dt.date.fromisoformat(end)
    return WeekSpan(start=(last - WEEK + dt.timedelta(days=1)).isoformat(), end=last.isoformat(),
                    previous_end=(last - WEEK).isoformat(), next_end=(last + WEEK).isoformat())
