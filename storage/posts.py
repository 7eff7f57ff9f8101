"""What was posted where (exactly-once bookkeeping), settings changed from Telegram, saved queries."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from storage.backend import Database


class PostStatus(StrEnum):
    """What one attempt to post a digest (or the week's board) to one chat did."""

    POSTED = "posted"
    ALREADY = "already"  # posted before (a forced push starts a new run)
    MISSING = "missing"  # there is no digest for that date
    BUSY = "busy"  # another process holds the post's lease: try again once it could expire


class DayStatus(StrEnum):
    """What a day's scheduled posting (channel, subscribers, other platforms) came to."""

    DONE = "done"
    MISSING = "missing"  # no digest for the day yet, even after a re-scan
    BUSY = "busy"  # another process holds some post's lease: check again once it could expire
    RETRY = "retry"  # some other platform or some subscribers failed: try again in a while


def utc_now() -> str:
    """Return the current UTC time as the bookkeeping tables store it (ISO, whole seconds)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class PostRun:
    """One posting of a day's digest to a chat; run 0 is the scheduled one, forced pushes count up."""

    date: str
    chat_id: str
    run: int
    messages: int | None
    completed_at: str | None


def current_run(db: Database, date: str, chat_id: str) -> PostRun | None:
    """Return the latest posting of `date` to `chat_id`, or None if it was never started."""
    row = db.execute("SELECT date, chat_id, run, messages, completed_at FROM post_runs "
                     "WHERE date = $1 AND chat_id = $2 ORDER BY run DESC LIMIT 1",
                     (date, chat_id)).fetchone()
    return PostRun(*row) if row else None


def start_run(db: Database, date: str, chat_id: str, messages: int,
              force: bool = False) -> PostRun:
    """Return the posting to continue: the unfinished one, or a new one (`force` after a finished one)."""
    with db.transaction():
        run = current_run(db, date, chat_id)
        if run is not None and (run.completed_at is None or not force):
            return run
        number = 0 if run is None else run.run + 1
        db.write("INSERT INTO post_runs VALUES ($1, $2, $3, $4, $5, NULL)",
                   (date, chat_id, number, messages, utc_now()))
    return PostRun(date, chat_id, number, messages, None)


def sent_sequence_numbers(db: Database, run: PostRun) -> set[int]:
    """Return the positions of the messages of `run` already sent."""
    rows = db.execute("SELECT seq FROM posts WHERE date = $1 AND chat_id = $2 AND run = $3",
                      (run.date, run.chat_id, run.run)).fetchall()
    return {row[0] for row in rows}


def record_message(db: Database, run: PostRun, seq: int, message_id: int) -> None:
    """Record that message `seq` of `run` was sent (called right after Telegram confirms it)."""
    db.write("INSERT INTO posts VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
               (run.date, run.chat_id, run.run, seq, message_id, utc_now()))


def complete_run(db: Database, run: PostRun) -> None:
    """Mark `run` as fully sent."""
    db.write("UPDATE post_runs SET completed_at = $1 WHERE date = $2 AND chat_id = $3 AND run = $4",
               (utc_now(), run.date, run.chat_id, run.run))


def is_posted(db: Database, date: str, chat_id: str) -> bool:
    """Return True if `date` was fully posted to `chat_id` at least once."""
    row = db.execute("SELECT 1 FROM post_runs WHERE date = $1 AND chat_id = $2 AND completed_at "
                     "IS NOT NULL LIMIT 1", (date, chat_id)).fetchone()
    return row is not None


@dataclass(frozen=True)
class PostStats:
    """Counts for /stats."""

    runs_completed: int
    messages_sent: int
    last_date: str | None
    last_at: str | None


def post_stats(db: Database) -> PostStats:
    """Return how many posts were made and the last one."""
    runs = db.execute("SELECT count(*) FROM post_runs WHERE completed_at IS NOT NULL").fetchone()[0]
    messages = db.execute("SELECT count(*) FROM posts").fetchone()[0]
    last = db.execute("SELECT date, completed_at FROM post_runs WHERE completed_at IS NOT NULL "
                      "ORDER BY completed_at DESC LIMIT 1").fetchone()
    return PostStats(runs, messages, last[0] if last else None, last[1] if last else None)


def get_setting(db: Database, key: str) -> str | None:
    """Return a setting changed from Telegram (e.g. "paused", "post_time"), or None."""
    row = db.execute("SELECT value FROM settings WHERE key = $1", (key,)).fetchone()
    return row[0] if row else None


def set_setting(db: Database, key: str, value: str) -> None:
    """Persist a setting changed from Telegram."""
    db.write("INSERT INTO settings VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = "
               "excluded.value", (key, value))


def claim_once(db: Database, key: str) -> bool:
    """Return True the first time `key` is claimed, False ever after (e.g. one admin alert a day)."""
    cursor = db.write("INSERT INTO settings VALUES ($1, $2) ON CONFLICT DO NOTHING",
                        (f"once:{key}", utc_now()))
    return cursor.rowcount == 1


# Saved-query ids are random in [QUERY_ID_MIN, QUERY_ID_MAX): a button's data can be edited by
# whoever presses it, so ids in sequence let anyone page through other readers' searches.
# 2**53 keeps them exact in JSON and short in callback data (16 digits).
QUERY_ID_MIN = 2**40
QUERY_ID_MAX = 2**53


def remember_query(db: Database, text: str) -> int:
    """Return an unguessable id for `text` (a search query or a category), for button callback
    data; the same text keeps its id (one saved before ids were random gets a random one)."""
    fresh = QUERY_ID_MIN + secrets.randbelow(QUERY_ID_MAX - QUERY_ID_MIN)
    db.write("INSERT INTO queries (id, text, used_at) VALUES ($1, $2, $3) ON CONFLICT (text) DO "
             "UPDATE SET used_at = excluded.used_at, "
             "id = CASE WHEN queries.id < $4 THEN excluded.id ELSE queries.id END",
             (fresh, text, utc_now(), QUERY_ID_MIN))
    return int(db.execute("SELECT id FROM queries WHERE text = $1", (text,)).fetchone()[0])


def recall_query(db: Database, identifier: int) -> str | None:
    """Return the text saved under `identifier`, or None (also for an id outside the random
    range: one in sequence, from before ids were random, or a tampered one)."""
    if not QUERY_ID_MIN <= identifier < QUERY_ID_MAX:
        return None
    row = db.execute("SELECT text FROM queries WHERE id = $1", (identifier,)).fetchone()
    return row[0] if row else None


def acquire_lease(db: Database, name: str, owner: str, seconds: float) -> bool:
    """Take (or renew) the lease `name` for `owner` for `seconds`; False if another owner holds it.

    One atomic statement on both backends: it inserts the lease, or takes it over
    only when it is ours already or has expired. A process that dies stops
    renewing, so its work is taken over `seconds` later.
    """
    now = time.time()
    cursor = db.write(
        "INSERT INTO leases VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, "
        "expires_at = excluded.expires_at WHERE leases.owner = excluded.owner OR leases.expires_at < $4",
        (name, owner, now + seconds, now))
    return cursor.rowcount == 1


def release_lease(db: Database, name: str, owner: str) -> None:
    """Give the lease `name` back (only if `owner` holds it)."""
    db.write("DELETE FROM leases WHERE name = $1 AND owner = $2", (name, owner))


@dataclass(frozen=True)
class Health:
    """What /healthz reports: whether the database answers, and the last completed post."""

    database_ok: bool
    detail: str
    last_post: str | None


def health(db: Database) -> Health:
    """Return whether the database answers a query, and when the last post was completed."""
    try:
        row = db.execute("SELECT max(completed_at) FROM post_runs").fetchone()
    except Exception as exc:  # any driver error means "not healthy"; the type says which
        return Health(False, f"error: {type(exc).__name__}", None)
    return Health(True, "ok", row[0] if row else None)
