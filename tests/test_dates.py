"""storage/dates.py: the range of dates a week's views can shift by seven days."""

from __future__ import annotations

import datetime as dt

import pytest

from storage.dates import EARLIEST, LATEST, WEEK, shifts_by_a_week


@pytest.mark.parametrize("date", [EARLIEST, LATEST, "2026-02-08", "1970-01-01"])
def test_a_date_in_range_shifts_a_week_both_ways(date: str) -> None:
    assert shifts_by_a_week(date)
    day = dt.date.fromisoformat(date)
    assert day - WEEK < day - dt.timedelta(days=6) < day < day + WEEK  # no OverflowError


@pytest.mark.parametrize("date", ["0001-01-01", "0001-01-06", "0001-01-07", "9999-12-25",
                                  "9999-12-31"])
def test_a_date_at_the_calendars_edge_is_refused(date: str) -> None:
    assert not shifts_by_a_week(date)
    day = dt.date.fromisoformat(date)
    with pytest.raises(OverflowError):
        day - WEEK if date < EARLIEST else day + WEEK


def test_the_range_is_named_for_messages() -> None:
    assert (EARLIEST, LATEST) == ("0001-01-08", "9999-12-24")
