"""The daily fan-out to subscribers: who was served, who is being served by which worker, and the
one send budget every worker shares.

One row per (date, subscriber) in `fanout`. A run first adds every subscriber not yet in the
day's fan-out (`enqueue`: one statement for all of them), then workers `claim` the pending rows
in batches (one statement marks a batch as theirs until a time they keep renewing; a worker
that dies stops renewing and its rows are claimed again once that time passed), so each
subscriber is served by exactly one worker. Each message is recorded right after Telegram
confirms it (`record_sent`: how many of the subscriber's messages were sent, in order), so a
restart continues with the next message and never repeats a recorded one.

States of a row: "pending" (to serve), "done" (every message sent), "empty" (nothing to send
that day: none of the reader's categories, or they unsubscribed meanwhile), "blocked" (the
reader blocked the bot: marked in `readers` too) and "failed" (another error; put back in line
by the next run until MAX_ATTEMPTS runs failed).

The budget (`take_slots`, `pause_budget`): one row holding the current second, how many sends
of it were handed out and until when a 429 pauses everyone; updated with one statement, so two
workers together never hand out more than the rate in one second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from storage.backend import Database, numbered
from storage.readers import Reader

FanoutState = Literal["pending", "done", "empty", "blocked", "failed"]
MAX_ATTEMPTS = 3  # runs that may fail for one subscriber (other than a block) before it is skipped
BUDGET = "telegram"  # the budget's row: every worker sending to Telegram shares it
ANALYZE_AFTER = 1_000  # subscribers added at once after which the table's statistics are renewed
RATE_WINDOW_S = 10.0  # /stats's "messages a second" counts the subscribers finished this long ago


@dataclass(frozen=True)
class Claimed:
    """A subscriber this worker claimed: the reader as they are now and how many of their
    messages were already sent (a restart continues after them)."""

    reader: Reader
    sent: int


def enqueue(db: Database, date: str) -> int:
    """Add every subscriber (subscribed, not blocked) not yet in the fan-out of `date`, and put
    back in line the ones whose delivery failed fewer than MAX_ATTEMPTS times; return how many
    subscribers were added.

    After many are added the table's statistics are refreshed (ANALYZE), so the planner walks
    the pending index in order for each claim instead of fetching every pending row and sorting
    them (PostgreSQL, with the statistics of an empty day: 80 ms a claim at 100,000).
    """
    with db.transaction():
        added = db.write("INSERT INTO fanout (date, chat_id) SELECT $1, chat_id FROM readers "
                         "WHERE subscribed = 1 AND blocked = 0 ON CONFLICT DO NOTHING",
                         (date,)).rowcount
        db.write("UPDATE fanout SET state = 'pending', owner = '', until = 0 WHERE date = $1 "
                 "AND state = 'failed' AND attempts < $2", (date, MAX_ATTEMPTS))
    if added >= ANALYZE_AFTER:
        db.write("ANALYZE fanout")
    return added


def claim(db: Database, date: str, owner: str, until: float, now: float,
          limit: int) -> list[Claimed]:
    """Mark up to `limit` pending subscribers of `date` that nobody holds (or whose holder let
    its claim pass `now`) as `owner`'s until `until`; return them, lowest chat id first.

    Two statements in one transaction: the claim (an UPDATE whose condition PostgreSQL checks
    again on each row it waited for, so two workers never claim the same row) and the readers'
    settings and languages.
    """
    with db.transaction():
        rows = db.execute(
            "UPDATE fanout SET owner = $1, until = $2 WHERE date = $3 AND state = 'pending' "
            "AND until < $4 AND chat_id IN (SELECT chat_id FROM fanout WHERE date = $3 AND "
            "state = 'pending' AND until < $4 ORDER BY chat_id LIMIT $5) RETURNING chat_id, sent",
            (owner, until, date, now, limit)).fetchall()
        if not rows:
            return []
        sent = {chat_id: count for chat_id, count in rows}
        chats = sorted(sent)
        found = db.execute(
            "SELECT r.chat_id, r.subscribed, r.categories, r.blocked, coalesce(l.choice, ''), "
            "coalesce(l.client, ''), r.format FROM readers r LEFT JOIN languages l ON "
            f"l.user_id = r.chat_id WHERE r.chat_id IN ({numbered(len(chats))})", chats).fetchall()
    readers = {row[0]: Reader(row[0], bool(row[1]), tuple(json.loads(row[2])), bool(row[3]),
                              row[4], row[5], row[6]) for row in found}
    gone = Reader(0, False, (), False)  # a reader row deleted meanwhile: nothing to send
    return [Claimed(readers.get(chat_id, gone), sent[chat_id]) for chat_id in chats]


def renew(db: Database, date: str, owner: str, until: float) -> int:
    """Keep `owner`'s pending claims of `date` until `until`; return how many it holds."""
    return db.write("UPDATE fanout SET until = $1 WHERE date = $2 AND owner = $3 AND "
                    "state = 'pending'", (until, date, owner)).rowcount


def release(db: Database, date: str, owner: str) -> None:
    """Give back `owner`'s pending claims of `date` (another worker, or the next run, serves them)."""
    db.write("UPDATE fanout SET owner = '', until = 0 WHERE date = $1 AND owner = $2 AND "
             "state = 'pending'", (date, owner))


def record_sent(db: Database, date: str, chat_id: int, owner: str, sent: int, messages: int,
                now: float) -> bool:
    """Record that the first `sent` of the subscriber's `messages` messages were sent (call right
    after Telegram confirms one); the row is "done" when all were. False if `owner` no longer
    holds the subscriber (its claim passed and another worker took it over)."""
    return db.write(
        "UPDATE fanout SET sent = $1, messages = $2, state = CASE WHEN $1 >= $2 THEN 'done' "
        "ELSE 'pending' END, done_at = CASE WHEN $1 >= $2 THEN $3 ELSE done_at END "
        "WHERE date = $4 AND chat_id = $5 AND owner = $6 AND state = 'pending'",
        (sent, messages, now, date, chat_id, owner)).rowcount == 1


def finish(db: Database, date: str, chat_id: int, owner: str, state: FanoutState,
           now: float) -> bool:
    """End a subscriber's delivery of `date` as "empty", "blocked" (the reader is marked blocked
    too) or "failed" (counted: a later run tries again, up to MAX_ATTEMPTS); False if `owner`
    no longer holds it."""
    with db.transaction():
        done = db.write(
            "UPDATE fanout SET state = $1, done_at = $2, attempts = attempts + $3 WHERE date = $4 "
            "AND chat_id = $5 AND owner = $6 AND state = 'pending'",
            (state, now, 1 if state == "failed" else 0, date, chat_id, owner)).rowcount == 1
        if done and state == "blocked":
            db.write("UPDATE readers SET blocked = 1 WHERE chat_id = $1", (chat_id,))
    return done


@dataclass(frozen=True)
class FanoutProgress:
    """Where the fan-out of `date` stands, for /stats and the admins' line when it ends."""

    date: str
    total: int  # subscribers with something to get (not "empty")
    served: int  # got every message
    blocked: int
    failed: int  # failed this run (retried by a later one, up to MAX_ATTEMPTS)
    pending: int
    messages: int  # messages sent so far
    recent_messages: int  # by the subscribers finished in the last `recent_s` seconds
    recent_s: float

    @property
    def running(self) -> bool:
        """True while subscribers are still waiting for the day's digest."""
        return self.pending > 0

    @property
    def per_second(self) -> float:
        """Messages a second lately (0.0 when nothing was finished lately)."""
        return self.recent_messages / self.recent_s if self.recent_s > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        """The estimated time left at the recent pace (None when there is no pace yet)."""
        finished = self.served + self.blocked + self.failed
        if not self.pending or not self.per_second or not finished:
            return None if self.pending else 0.0
        per_subscriber = max(self.messages / max(self.served, 1), 1.0)
        return self.pending * per_subscriber / self.per_second


def progress(db: Database, now: float, date: str | None = None) -> FanoutProgress | None:
    """Return the progress of the fan-out of `date` (default: the newest date with one), or None
    if there is none."""
    if date is None:
        row = db.execute("SELECT max(date) FROM fanout").fetchone()
        date = row[0] if row else None
        if date is None:
            return None
    counts = dict(db.execute("SELECT state, count(*) FROM fanout WHERE date = $1 GROUP BY state",
                             (date,)).fetchall())
    if not counts:
        return None
    messages = db.execute("SELECT coalesce(sum(sent), 0) FROM fanout WHERE date = $1",
                          (date,)).fetchone()[0]
    since = now - RATE_WINDOW_S
    recent, first = db.execute(
        "SELECT coalesce(sum(sent), 0), min(done_at) FROM fanout WHERE date = $1 AND done_at >= $2 "
        "AND state = 'done'", (date, since)).fetchone()
    span = min(RATE_WINDOW_S, max(now - first, 1.0)) if first is not None else 0.0
    pending, served = counts.get("pending", 0), counts.get("done", 0)
    blocked, failed = counts.get("blocked", 0), counts.get("failed", 0)
    return FanoutProgress(date, pending + served + blocked + failed, served, blocked, failed,
                          pending, int(messages), int(recent), span)


def held_by_others(db: Database, date: str, owner: str, now: float) -> int:
    """Return how many pending subscribers of `date` other workers still hold (their claims may
    lapse if they died: look again after that)."""
    row = db.execute("SELECT count(*) FROM fanout WHERE date = $1 AND state = 'pending' AND "
                     "until >= $2 AND owner != $3", (date, now, owner)).fetchone()
    return int(row[0])


def retry_later(db: Database, date: str) -> int:
    """Return how many subscribers of `date` failed and will be tried again by a later run."""
    row = db.execute("SELECT count(*) FROM fanout WHERE date = $1 AND state = 'failed' AND "
                     "attempts < $2", (date, MAX_ATTEMPTS)).fetchone()
    return int(row[0])


# --- the shared budget ---------------------------------------------------------------------------

# Sends left in the budget's second for this claim: the whole rate in a newer second.
_LEFT = "CASE WHEN second = $1 THEN $3 - used ELSE $3 END"
# Nothing while paused, or when the row is already in a later second (this worker's clock is behind).
_TAKE = (f"CASE WHEN paused_until > $5 OR second > $1 OR {_LEFT} <= 0 THEN 0 "
         f"WHEN $2 < {_LEFT} THEN $2 ELSE {_LEFT} END")


def take_slots(db: Database, second: int, want: int, rate: int, now: float,
               budget: str = BUDGET) -> tuple[int, float]:
    """Take up to `want` of the `rate` sends allowed in `second` (a Unix time, whole seconds);
    return how many were granted (0 when none are left or everyone is paused) and until when
    everyone is paused (a 429).

    One UPDATE: every SET expression reads the row as it was, under the row's lock, so workers
    taking at the same moment are granted one after the other and never more than `rate` in all.
    """
    with db.transaction():  # (on SQLite, so the returned row is read before the write ends)
        rows = db.execute(
            f"UPDATE broadcast_budget SET granted = {_TAKE}, "
            f"used = CASE WHEN paused_until > $5 OR second > $1 THEN used "
            f"WHEN second = $1 THEN used + {_TAKE} ELSE {_TAKE} END, "
            "second = CASE WHEN second > $1 THEN second ELSE $1 END "
            "WHERE name = $4 RETURNING granted, paused_until",
            (second, want, rate, budget, now)).fetchall()
    row = rows[0] if rows else None
    if row is None:  # the first take ever: the row is made, then taken from
        db.write("INSERT INTO broadcast_budget VALUES ($1, 0, 0, 0, 0) ON CONFLICT DO NOTHING",
                 (budget,))
        return take_slots(db, second, want, rate, now, budget)
    return int(row[0]), float(row[1])


def pause_budget(db: Database, until: float, budget: str = BUDGET) -> None:
    """Pause every worker's sends until `until` (a Unix time: Telegram answered 429 retry_after)."""
    db.write("INSERT INTO broadcast_budget VALUES ($1, 0, 0, 0, $2) ON CONFLICT (name) DO UPDATE "
             "SET paused_until = CASE WHEN broadcast_budget.paused_until > $2 THEN "
             "broadcast_budget.paused_until ELSE $2 END", (budget, until))
