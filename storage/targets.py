"""What was delivered to which target beside Telegram (robots, e-mail): exactly-once bookkeeping.

A target is named by its key, "kind:fingerprint" (bot/targets/base.py), never by its URL.
Like the Telegram posts (storage/posts.py), a day's digest goes to a target in runs: run 0 is
the scheduled one, a forced push starts the next. Each message is recorded right after the
platform confirmed it; a run continues from the first unrecorded message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from storage.backend import Database
from storage.posts import utc_now


class DeliveryStatus(StrEnum):
    """What one attempt to deliver a day's digest to one target did."""

    DELIVERED = "delivered"
    ALREADY = "already"  # delivered before
    BUSY = "busy"  # another process is delivering to it
    FAILED = "failed"  # gave up for now (the outcome's error says why)


@dataclass(frozen=True)
class TargetRun:
    """One delivery of a day's digest to a target."""

    date: str
    target: str
    run: int
    messages: int
    completed_at: str | None
    error: str | None = None  # the platform's last error while this run was unfinished


def current_run(db: Database, date: str, target: str) -> TargetRun | None:
    """Return the latest delivery of `date` to `target`, or None if it was never started."""
    row = db.execute("SELECT date, target, run, messages, completed_at, error FROM target_runs "
                     "WHERE date = $1 AND target = $2 ORDER BY run DESC LIMIT 1",
                     (date, target)).fetchone()
    return TargetRun(*row) if row else None


def start_run(db: Database, date: str, target: str, messages: int,
              force: bool = False) -> tuple[TargetRun, set[int]]:
    """Return the delivery to continue (the unfinished one, else the finished one, or a new one
    when there is none or `force` after a finished one) and the positions of its messages
    already confirmed."""
    with db.transaction():
        run = current_run(db, date, target)
        if run is None or (force and run.completed_at is not None):
            number = 0 if run is None else run.run + 1
            db.write("INSERT INTO target_runs (date, target, run, messages, started_at) "
                     "VALUES ($1, $2, $3, $4, $5)", (date, target, number, messages, utc_now()))
            return TargetRun(date, target, number, messages, None), set()
    rows = db.execute("SELECT seq FROM target_messages WHERE date = $1 AND target = $2 AND run = $3",
                      (run.date, run.target, run.run)).fetchall()
    return run, {row[0] for row in rows}


def record_message(db: Database, run: TargetRun, seq: int) -> None:
    """Record that message `seq` of `run` was confirmed by the platform (call right after)."""
    db.write("INSERT INTO target_messages VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
             (run.date, run.target, run.run, seq, utc_now()))


def complete_run(db: Database, run: TargetRun) -> None:
    """Mark `run` as fully delivered (its last error is cleared)."""
    db.write("UPDATE target_runs SET completed_at = $1, error = NULL WHERE date = $2 AND "
             "target = $3 AND run = $4", (utc_now(), run.date, run.target, run.run))


def record_error(db: Database, run: TargetRun, error: str) -> None:
    """Keep the platform's error of an unfinished `run` (shown by /targets; never a secret)."""
    db.write("UPDATE target_runs SET error = $1, error_at = $2 WHERE date = $3 AND target = $4 "
             "AND run = $5", (error, utc_now(), run.date, run.target, run.run))


def is_delivered(db: Database, date: str, target: str) -> bool:
    """Return True if `date` was fully delivered to `target` at least once."""
    row = db.execute("SELECT 1 FROM target_runs WHERE date = $1 AND target = $2 AND completed_at "
                     "IS NOT NULL LIMIT 1", (date, target)).fetchone()
    return row is not None


@dataclass(frozen=True)
class TargetState:
    """What /targets and /stats show about one target: its last delivery and its latest run."""

    target: str
    last_date: str | None  # the last date fully delivered
    last_at: str | None  # when that delivery completed
    messages: int  # messages confirmed in all
    pending_date: str | None = None  # the latest run, when unfinished
    pending_sent: int = 0
    pending_total: int = 0
    error: str | None = None  # that run's last error


def target_states(db: Database, targets: list[str]) -> list[TargetState]:
    """Return the state of each of `targets` (keys), in the same order."""
    states = []
    for target in targets:
        last = db.execute("SELECT date, completed_at FROM target_runs WHERE target = $1 AND "
                          "completed_at IS NOT NULL ORDER BY completed_at DESC, date DESC LIMIT 1",
                          (target,)).fetchone()
        messages = db.execute("SELECT count(*) FROM target_messages WHERE target = $1",
                              (target,)).fetchone()[0]
        latest = db.execute("SELECT date, run, messages, completed_at, error FROM target_runs "
                            "WHERE target = $1 ORDER BY started_at DESC, date DESC, run DESC LIMIT 1",
                            (target,)).fetchone()
        state = TargetState(target, last[0] if last else None, last[1] if last else None, messages)
        if latest is not None and latest[3] is None:
            sent = db.execute("SELECT count(*) FROM target_messages WHERE date = $1 AND target = $2 "
                              "AND run = $3", (latest[0], target, latest[1])).fetchone()[0]
            state = replace(state, pending_date=latest[0], pending_sent=sent, pending_total=latest[2],
                            error=latest[4])
        states.append(state)
    return states
