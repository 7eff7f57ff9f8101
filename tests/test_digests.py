"""Digest reads (storage/digests.py) on both backends: a day with its neighbours, the newest."""

from __future__ import annotations

from storage.backend import Database, open_db
from storage.digests import day_with_neighbours


def test_a_day_comes_with_the_dates_of_the_digests_around_it(db: Database) -> None:
    day = day_with_neighbours(db, "2026-02-03")
    assert day is not None
    assert day.digest.date == "2026-02-03" and day.neighbours == ("2026-01-30", "2026-02-08")
    assert len(day.items) == day.digest.items and {item.date for item in day.items} == {"2026-02-03"}
    assert [item.position for item in day.items] == list(range(len(day.items)))  # file order
    first = day_with_neighbours(db, "2026-01-27")
    assert first is not None and first.neighbours == (None, "2026-01-28")


def test_without_a_date_the_day_is_the_newest(db: Database) -> None:
    newest = day_with_neighbours(db, None)
    assert newest is not None
    assert newest.digest.date == "2026-02-08" and newest.neighbours == ("2026-02-03", None)


def test_a_day_without_a_digest_is_none_unless_it_falls_back_to_the_newest(db: Database) -> None:
    assert day_with_neighbours(db, "2026-02-01") is None
    fallen = day_with_neighbours(db, "2026-02-01", fall_back=True)
    assert fallen is not None and fallen.digest.date == "2026-02-08"
    assert fallen.neighbours == ("2026-02-03", None)


def test_an_empty_archive_has_no_day(db_location: str) -> None:
    with open_db(db_location) as empty:
        assert day_with_neighbours(empty, None) is None
        assert day_with_neighbours(empty, "2026-02-08", fall_back=True) is None
