"""The daily quota of AI answers, on both backends."""

from __future__ import annotations

import threading

from storage.backend import open_db
from storage.quotas import ai_answers_used, take_ai_answer
from tests.conftest import run_together


def test_quota_holds_per_reader_and_day(db) -> None:
    assert [take_ai_answer(db, "2026-02-08", 7, 3) for _ in range(5)] == [True] * 3 + [False] * 2
    assert take_ai_answer(db, "2026-02-08", 8, 3)  # another reader
    assert ai_answers_used(db, "2026-02-08", 7) == 3
    assert take_ai_answer(db, "2026-02-09", 7, 3)  # a new day
    assert ai_answers_used(db, "2026-02-08", 7) == 0  # the past day is forgotten


def test_zero_means_no_ai_answers(db) -> None:
    assert not take_ai_answer(db, "2026-02-08", 7, 0)


def test_quota_holds_across_threads(db_location: str, db) -> None:
    results: list[bool] = []
    lock = threading.Lock()

    def take() -> None:
        with open_db(db_location) as own:
            for _ in range(5):
                taken = take_ai_answer(own, "2026-02-08", 9, 12)
                with lock:
                    results.append(taken)

    run_together(take, 4)
    assert results.count(True) == 12 and ai_answers_used(db, "2026-02-08", 9) == 12
