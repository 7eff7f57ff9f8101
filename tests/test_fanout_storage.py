"""The fan-out's bookkeeping (storage/fanout.py) on both backends: one query for the subscribers
not yet served, claims that give each subscriber to one worker, messages recorded in order, the
states a delivery ends in, progress, and the budget of sends a second every worker shares."""

from __future__ import annotations

import importlib
import threading

from storage import fanout, readers
from tests.conftest import run_together

DAY = "2026-02-08"


def _subscribe(db, *chat_ids: int, categories: tuple[str, ...] = ()) -> None:
    for chat_id in chat_ids:
        readers.subscribe(db, chat_id, list(categories))


def test_enqueue_adds_each_subscriber_once_and_claims_never_overlap(db) -> None:
    _subscribe(db, *range(1, 11))
    readers.unsubscribe(db, 10)
    readers.mark_blocked(db, 9)
    fanout.enqueue(db, DAY)
    fanout.enqueue(db, DAY)  # a second run (another worker, a restart) adds nobody twice
    first = fanout.claim(db, DAY, "worker-a", until=1_000.0, now=100.0, limit=5)
    second = fanout.claim(db, DAY, "worker-b", until=1_000.0, now=100.0, limit=5)
    assert [c.reader.chat_id for c in first] == [1, 2, 3, 4, 5]
    assert [c.reader.chat_id for c in second] == [6, 7, 8]  # 9 blocked, 10 unsubscribed
    assert fanout.claim(db, DAY, "worker-c", until=1_000.0, now=100.0, limit=5) == []
    assert all(c.sent == 0 and c.reader.subscribed for c in first + second)
    assert fanout.held_by_others(db, DAY, "worker-a", now=100.0) == 3


def test_a_dead_workers_claims_are_taken_over_after_they_lapse(db) -> None:
    _subscribe(db, 1, 2)
    fanout.enqueue(db, DAY)
    (one, two) = fanout.claim(db, DAY, "dead", until=150.0, now=100.0, limit=5)
    assert fanout.record_sent(db, DAY, 1, "dead", sent=1, messages=3, now=120.0)
    assert fanout.claim(db, DAY, "alive", until=300.0, now=140.0, limit=5) == []  # still held
    taken = fanout.claim(db, DAY, "alive", until=300.0, now=151.0, limit=5)
    assert [(c.reader.chat_id, c.sent) for c in taken] == [(1, 1), (2, 0)]  # continues after 1
    assert not fanout.record_sent(db, DAY, 1, "dead", sent=2, messages=3, now=152.0)  # lost it
    assert fanout.renew(db, DAY, "alive", until=400.0) == 2


def test_messages_are_recorded_in_order_and_a_delivery_ends_in_one_state(db) -> None:
    _subscribe(db, 1, 2, 3, 4)
    fanout.enqueue(db, DAY)
    fanout.claim(db, DAY, "w", until=1_000.0, now=100.0, limit=10)
    assert fanout.record_sent(db, DAY, 1, "w", sent=1, messages=2, now=101.0)
    assert fanout.record_sent(db, DAY, 1, "w", sent=2, messages=2, now=102.0)
    assert not fanout.record_sent(db, DAY, 1, "w", sent=3, messages=3, now=103.0)  # done already
    assert fanout.finish(db, DAY, 2, "w", "blocked", now=104.0)
    assert fanout.finish(db, DAY, 3, "w", "failed", now=105.0)
    assert fanout.finish(db, DAY, 4, "w", "empty", now=106.0)
    assert readers.get_reader(db, 2).blocked and not readers.get_reader(db, 3).blocked
    done = fanout.progress(db, now=107.0)
    assert (done.date, done.total, done.served, done.blocked, done.failed, done.pending) == (
        DAY, 3, 1, 1, 1, 0)
    assert done.messages == 2 and not done.running and done.seconds_left == 0.0
    assert fanout.retry_later(db, DAY) == 1


def test_a_failed_delivery_is_retried_by_later_runs_a_few_times_then_left(db) -> None:
    _subscribe(db, 1)
    for attempt in range(1, fanout.MAX_ATTEMPTS + 2):
        fanout.enqueue(db, DAY)
        claimed = fanout.claim(db, DAY, "w", until=1_000.0, now=100.0 + attempt, limit=5)
        if attempt > fanout.MAX_ATTEMPTS:
            assert claimed == [] and fanout.retry_later(db, DAY) == 0
            break
        assert [c.reader.chat_id for c in claimed] == [1]
        fanout.finish(db, DAY, 1, "w", "failed", now=100.0 + attempt)
        fanout.release(db, DAY, "w")


def test_progress_counts_the_recent_pace_and_estimates_the_time_left(db) -> None:
    _subscribe(db, *range(1, 21))
    fanout.enqueue(db, DAY)
    fanout.claim(db, DAY, "w", until=1_000.0, now=100.0, limit=10)
    for chat_id in range(1, 11):  # ten served over 5 s, two messages each
        fanout.record_sent(db, DAY, chat_id, "w", sent=2, messages=2, now=100.0 + chat_id / 2)
    running = fanout.progress(db, now=105.0)
    assert (running.total, running.served, running.pending, running.messages) == (20, 10, 10, 20)
    assert running.running and running.per_second == 20 / 4.5
    assert running.seconds_left == 10 * 2 / running.per_second
    assert fanout.progress(db, now=105.0, date="2026-02-09") is None


def test_claimed_subscribers_carry_their_categories_language_and_format(db) -> None:
    readers.subscribe(db, 7, ["投融资与并购"])
    readers.choose_language(db, 7, "en")
    readers.choose_format(db, 7, "full")
    fanout.enqueue(db, DAY)
    (claimed,) = fanout.claim(db, DAY, "w", until=1_000.0, now=1.0, limit=5)
    assert claimed.reader == readers.get_reader(db, 7)
    assert (claimed.reader.categories, claimed.reader.language_choice, claimed.reader.format) == (
        ("投融资与并购",), "en", "full")


def test_the_budget_grants_at_most_the_rate_a_second_to_all_takers_together(db) -> None:
    granted: list[int] = []
    lock = threading.Lock()

    def taker() -> None:
        for _ in range(10):
            got, _ = fanout.take_slots(db, 5000, want=4, rate=50, now=5000.1)
            with lock:
                granted.append(got)

    run_together(taker, 3)
    assert sum(granted) == 50 and max(granted) == 4
    assert fanout.take_slots(db, 5001, want=100, rate=50, now=5001.0) == (50, 0.0)  # a new second
    assert fanout.take_slots(db, 5000, want=1, rate=50, now=5001.5)[0] == 0  # a clock behind


def test_a_pause_stops_every_taker_until_it_ends(db) -> None:
    assert fanout.take_slots(db, 100, want=3, rate=10, now=100.0) == (3, 0.0)
    fanout.pause_budget(db, until=103.5)
    fanout.pause_budget(db, until=102.0)  # a shorter pause never shortens a longer one
    assert fanout.take_slots(db, 101, want=3, rate=10, now=101.0) == (0, 103.5)
    assert fanout.take_slots(db, 103, want=3, rate=10, now=103.4) == (0, 103.5)
    assert fanout.take_slots(db, 104, want=3, rate=10, now=104.0) == (3, 103.5)


def test_subscribers_served_before_the_upgrade_are_not_served_again(db) -> None:
    """The migration that adds the fan-out carries over what the old bookkeeping (post_runs, one
    run per subscriber) says was sent today, so an upgrade on the post day repeats nothing."""
    _subscribe(db, 7, 8)
    db.write("INSERT INTO post_runs VALUES ($1, '7', 0, 6, '2026-02-08T08:00:00', "
             "'2026-02-08T08:00:05')", (DAY,))
    db.write("INSERT INTO post_runs VALUES ($1, '8', 0, 6, '2026-02-08T08:00:00', NULL)", (DAY,))
    db.write("INSERT INTO post_runs VALUES ($1, '-1001234', 0, 6, '2026-02-08T08:00:00', "
             "'2026-02-08T08:00:05')", (DAY,))  # the channel's own post is no subscriber
    migrations = importlib.import_module(f"storage.{db.name}").MIGRATIONS
    (script,) = [m for m in migrations if "CREATE TABLE fanout" in m]
    (carry_over,) = [s for s in script.split(";\n") if "INSERT INTO fanout" in s]
    db.write(carry_over)
    fanout.enqueue(db, DAY)
    claimed = fanout.claim(db, DAY, "w", until=1_000.0, now=1.0, limit=5)
    assert [c.reader.chat_id for c in claimed] == [8]  # 7 got its digest before the upgrade
    done = fanout.progress(db, now=2.0, date=DAY)
    assert (done.served, done.messages) == (1, 6)


def test_the_subscribers_not_yet_served_come_from_one_statement_whatever_their_number(
        db, monkeypatch) -> None:
    db.executemany("INSERT INTO readers (chat_id, subscribed, since, changed_at) VALUES "
                   "($1, 1, '2026-01-01', '2026-01-01')", [(n,) for n in range(1, 301)])
    statements: list[str] = []
    execute = db.execute  # every statement goes through it (write too)

    def counted(sql: str, parameters=()):
        statements.append(sql)
        return execute(sql, parameters)

    monkeypatch.setattr(db, "execute", counted)
    assert fanout.enqueue(db, DAY) == 300
    added = len(statements)  # the subscribers added, the failed ones put back in line
    claimed = fanout.claim(db, DAY, "w", until=1_000.0, now=1.0, limit=300)
    assert len(claimed) == 300 and {c.reader.chat_id for c in claimed} == set(range(1, 301))
    assert (added, len(statements) - added) == (2, 2)  # a claim: the batch, then its readers
