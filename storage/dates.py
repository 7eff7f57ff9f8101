"""The dates a view of weeks can show, checked in one place for every front end.

A week's views shift by seven days: the week's first day is six days before its last, and the
pages before and after it end seven days earlier and later. `datetime` raises OverflowError
past 0001-01-01 and 9999-12-31, so the bot's /week, MCP's `week` and the site's /week check a
date with `shifts_by_a_week` first and refuse the others with a clear message naming the range.
"""

from __future__ import annotations

import datetime as dt

WEEK = dt.timedelta(days=7)
EARLIEST = (dt.date.min + WEEK).isoformat()  # 0001-01-08
LATEST = (dt.date.max - WEEK).isoformat()  # 9999-12-24


def shifts_by_a_week(date: str) -> bool:
    """Return True if `date` (YYYY-MM-DD) lies in EARLIEST..LATEST: the calendar then holds the
    week ending on it and the weeks just before and after it."""
    return EARLIEST <= date <= LATEST
