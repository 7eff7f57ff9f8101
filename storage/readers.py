"""Readers in private chats: daily-digest subscriptions, keyword watches, what was sent, usage counts.

A reader is a private chat (its id is the user's id). A reader who blocked the
bot (Telegram answers 403) is marked `blocked` and gets nothing more until they
use /subscribe or /watch again. Watch alerts are exactly-once per reader and
item: an item is recorded as sent right after Telegram confirms the message
(`item_key` survives a re-ingest that renumbers the day's items). Which digest
versions were already checked against the watches is kept in `watch_scans`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from storage.backend import Database
from storage.categories import CANONICAL
from storage.model import Item
from storage.search import search
from storage.stories import resolve_names
from storage.text import exclusion, normalize, searchable_length, split_query

MAX_WATCHES = 20
MAX_WATCH_CHARS = 50
WATCH_MATCHES_PER_KEYWORD = 50


def _now() -> str:
    # Microseconds, like digests.indexed_at: a watch fires for digests indexed after it was set.
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Reader:
    """A private chat that subscribed or watches keywords."""

    chat_id: int
    subscribed: bool
    categories: tuple[str, ...]  # canonical names; empty = every category
    blocked: bool
    language_choice: str = ""  # the reader's /lang choice ("zh", "en"; "" = automatic)
    client_language: str = ""  # the language_code their Telegram client last sent ("" = unknown)
    format: str = ""  # their daily digest's format: "brief", "full" ("" = SUBSCRIBER_FORMAT)


FORMATS = ("brief", "full")  # what a reader may choose (SUBSCRIBER_FORMAT is one of them)
_READER_COLUMNS = ("r.chat_id, r.subscribed, r.categories, r.blocked, coalesce(l.choice, ''), "
                   "coalesce(l.client, ''), r.format FROM readers r LEFT JOIN languages l "
                   "ON l.user_id = r.chat_id")


def _reader(row: Sequence[Any]) -> Reader:
    return Reader(row[0], bool(row[1]), tuple(json.loads(row[2])), bool(row[3]), row[4], row[5],
                  row[6])


def get_reader(db: Database, chat_id: int) -> Reader | None:
    """Return the reader of a private chat, or None if they never subscribed or watched."""
    row = db.execute(f"SELECT {_READER_COLUMNS} WHERE r.chat_id = $1", (chat_id,)).fetchone()
    return _reader(row) if row else None


def _touch(db: Database, chat_id: int) -> None:
    db.write("INSERT INTO readers (chat_id, since, changed_at) VALUES ($1, $2, $3) "
               "ON CONFLICT (chat_id) DO UPDATE SET blocked = 0, changed_at = excluded.changed_at",
               (chat_id, _now(), _now()))


def _category_order(name: str) -> tuple[int, str]:
    return (CANONICAL.index(name) if name in CANONICAL else len(CANONICAL), name)


def subscribe(db: Database, chat_id: int, categories: list[str]) -> Reader:
    """Subscribe a reader to the daily digest, only `categories` (canonical names; empty = all)."""
    with db.transaction():
        _touch(db, chat_id)
        db.write("UPDATE readers SET subscribed = 1, categories = $1 WHERE chat_id = $2",
                   (json.dumps(sorted(set(categories), key=_category_order), ensure_ascii=False),
                    chat_id))
    reader = get_reader(db, chat_id)
    assert reader is not None  # _touch wrote the row
    return reader


def choose_format(db: Database, chat_id: int, chosen: str) -> Reader:
    """Set the format of a reader's daily digest ("brief" or "full", FORMATS); they are
    subscribed too (to every category if they were not yet)."""
    if chosen not in FORMATS:
        raise ValueError(f"unknown format {chosen!r}: expected one of {FORMATS}")
    with db.transaction():
        _touch(db, chat_id)
        db.write("UPDATE readers SET subscribed = 1, format = $1 WHERE chat_id = $2",
                 (chosen, chat_id))
    reader = get_reader(db, chat_id)
    assert reader is not None  # _touch wrote the row
    return reader


def unsubscribe(db: Database, chat_id: int) -> bool:
    """Stop a reader's daily digest; return False if they were not subscribed."""
    cursor = db.write("UPDATE readers SET subscribed = 0, changed_at = $1 WHERE chat_id = $2 "
                        "AND subscribed = 1", (_now(), chat_id))
    return cursor.rowcount == 1


def mark_blocked(db: Database, chat_id: int) -> None:
    """Record that Telegram refused to deliver to this chat (the reader blocked the bot)."""
    db.write("UPDATE readers SET blocked = 1, changed_at = $1 WHERE chat_id = $2", (_now(), chat_id))


def subscribers(db: Database) -> list[Reader]:
    """Return the readers to send the daily digest to (subscribed and not blocked)."""
    rows = db.execute(f"SELECT {_READER_COLUMNS} WHERE r.subscribed = 1 AND r.blocked = 0 "
                      "ORDER BY r.chat_id").fetchall()
    return [_reader(row) for row in rows]


# --- languages -------------------------------------------------------------------------


def language_choice(db: Database, user_id: int) -> str:
    """Return a user's /lang choice: "zh", "en", or "" (automatic: their Telegram client's)."""
    row = db.execute("SELECT choice FROM languages WHERE user_id = $1", (user_id,)).fetchone()
    return row[0] if row else ""


def language_settings(db: Database, user_id: int) -> tuple[str, str]:
    """Return a user's (/lang choice, client language_code), each "" when not known."""
    row = db.execute("SELECT choice, client FROM languages WHERE user_id = $1", (user_id,)).fetchone()
    return (row[0], row[1]) if row else ("", "")


def choose_language(db: Database, user_id: int, choice: str) -> None:
    """Remember a user's /lang choice ("" = automatic again); their client's language is kept."""
    db.write("INSERT INTO languages (user_id, choice, changed_at) VALUES ($1, $2, $3) "
             "ON CONFLICT (user_id) DO UPDATE SET choice = excluded.choice, "
             "changed_at = excluded.changed_at", (user_id, choice, _now()))


def remember_client_language(db: Database, user_id: int, client: str | None) -> None:
    """Remember the language_code a user's Telegram client sent (for what is sent to them later,
    unasked: their daily digest, watch alerts); writes only when it changed."""
    client = (client or "")[:35]  # an IETF tag; Telegram sends "en", "zh-hans", ...
    db.write("INSERT INTO languages (user_id, client, changed_at) VALUES ($1, $2, $3) "
             "ON CONFLICT (user_id) DO UPDATE SET client = excluded.client, "
             "changed_at = excluded.changed_at WHERE languages.client != excluded.client",
             (user_id, client, _now()))


# --- watches ---------------------------------------------------------------------------


class WatchStatus(StrEnum):
    """What `add_watch` did."""

    ADDED = "added"
    EXISTS = "exists"  # the reader already watches that keyword
    FULL = "full"  # MAX_WATCHES reached
    TOO_LONG = "too_long"  # over MAX_WATCH_CHARS
    ONLY_EXCLUDED = "only_excluded"  # the keyword only excludes words: `-文心`


def add_watch(db: Database, chat_id: int, keyword: str) -> WatchStatus:
    """Add a watch; return what happened (ADDED, or why not)."""
    keyword = " ".join(keyword.split())
    if len(keyword) > MAX_WATCH_CHARS:
        return WatchStatus.TOO_LONG
    wanted, excluded = split_query(keyword)
    if excluded and not searchable_length(" ".join(wanted)):
        return WatchStatus.ONLY_EXCLUDED
    with db.transaction():
        _touch(db, chat_id)
        known = [w.lower() for w in watches_of(db, chat_id)]
        if keyword.lower() in known:
            return WatchStatus.EXISTS
        if len(known) >= MAX_WATCHES:
            return WatchStatus.FULL
        db.write("INSERT INTO watches VALUES ($1, $2, $3)", (chat_id, keyword, _now()))
    return WatchStatus.ADDED


def remove_watch(db: Database, chat_id: int, keyword: str) -> bool:
    """Remove a watch (case-insensitive); return False if the reader had no such watch."""
    cursor = db.write("DELETE FROM watches WHERE chat_id = $1 AND lower(keyword) = lower($2)",
                        (chat_id, " ".join(keyword.split())))
    return cursor.rowcount > 0


def watches_of(db: Database, chat_id: int) -> list[str]:
    """Return a reader's watched keywords, oldest first."""
    rows = db.execute("SELECT keyword FROM watches WHERE chat_id = $1 ORDER BY created_at, keyword",
                      (chat_id,)).fetchall()
    return [row[0] for row in rows]


@dataclass(frozen=True)
class WatchAlert:
    """What one reader is told about a newly indexed digest: each new item and the watches it matched."""

    chat_id: int
    matches: tuple[tuple[Item, tuple[str, ...]], ...]
    language_choice: str = ""  # as in Reader: the reader's /lang choice and client language
    client_language: str = ""


def unscanned_digests(db: Database) -> list[tuple[str, str, str]]:
    """Return (date, content hash, indexed at) of digest versions not yet checked against the watches."""
    return db.execute("SELECT date, content_hash, indexed_at FROM digests WHERE NOT EXISTS (SELECT 1 "
                      "FROM watch_scans s WHERE s.date = digests.date AND s.content_hash = "
                      "digests.content_hash) ORDER BY date").fetchall()


def mark_scanned(db: Database, versions: list[tuple[str, str, str]]) -> None:
    """Record that these digest versions were checked against every watch."""
    with db.transaction():
        db.executemany("INSERT INTO watch_scans VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                            [(date, content_hash, _now()) for date, content_hash, _ in versions])


def item_key(item: Item) -> str:
    """Return a key for an item that stays the same when its day is re-indexed: date + title."""
    digest = hashlib.sha1(normalize(item.title).encode()).hexdigest()[:16]
    return f"{item.date}:{digest}"


def watch_alerts(db: Database, versions: list[tuple[str, str, str]]) -> list[WatchAlert]:
    """Return, per reader, the items of newly indexed digests that match their watches and are new to them.

    `versions` are (date, content hash, indexed at) from `unscanned_digests`. A
    watch only fires for digests indexed after it was set (a watch set today
    does not dig up last year's archive). A watch matches as /search does (every
    word, CJK substrings, Latin prefixes), and through the alias table as /what
    does (千问 also finds 通义千问 and Qwen); its excluded words (`千问 -免单`) are subtracted
    from each name's matches. Blocked readers are skipped.
    """
    indexed_at = {date: at for date, _, at in versions}
    if not indexed_at:
        return []
    rows = db.execute("SELECT w.chat_id, w.keyword, w.created_at FROM watches w JOIN readers r ON "
                      "r.chat_id = w.chat_id WHERE r.blocked = 0 ORDER BY w.chat_id, w.created_at, "
                      "w.keyword").fetchall()
    languages = {user_id: (choice, client) for user_id, choice, client in db.execute(
        "SELECT user_id, choice, client FROM languages WHERE user_id IN (SELECT chat_id FROM "
        "watches)").fetchall()}
    matches_of: dict[str, list[Item]] = {}
    for keyword in {keyword for _, keyword, _ in rows}:
        found: dict[int, Item] = {}
        wanted, excluded = split_query(keyword)
        unless = "".join(" " + exclusion(word) for word in excluded)
        for name in resolve_names(" ".join(wanted)):
            result = search(db, name + unless, since=min(indexed_at), until=max(indexed_at),
                            limit=WATCH_MATCHES_PER_KEYWORD, fuzzy=False)
            found.update((item.stored_id, item) for item in result.items if item.date in indexed_at)
        matches_of[keyword] = sorted(found.values(), key=lambda it: (it.date, it.position))
    watches_by_chat: dict[int, list[tuple[str, str]]] = {}
    for chat_id, keyword, created_at in rows:
        watches_by_chat.setdefault(chat_id, []).append((keyword, created_at))
    alerts = []
    for chat_id, chat_watches in watches_by_chat.items():
        sent = {row[0] for row in db.execute("SELECT item_key FROM watch_sent WHERE chat_id = $1",
                                             (chat_id,))}
        per_item: dict[str, tuple[Item, list[str]]] = {}
        for keyword, created_at in chat_watches:
            for item in matches_of[keyword]:
                key = item_key(item)
                if key not in sent and indexed_at[item.date] > created_at:
                    per_item.setdefault(key, (item, []))[1].append(keyword)
        if per_item:
            ordered = sorted(per_item.values(), key=lambda m: (m[0].date, m[0].position))
            alerts.append(WatchAlert(chat_id, tuple((item, tuple(kws)) for item, kws in ordered),
                                     *languages.get(chat_id, ("", ""))))
    return alerts


def record_alert(db: Database, alert: WatchAlert) -> None:
    """Record that `alert` was delivered (call right after Telegram confirms it)."""
    with db.transaction():
        db.executemany("INSERT INTO watch_sent VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                            [(alert.chat_id, item_key(item), _now()) for item, _ in alert.matches])


# --- usage -----------------------------------------------------------------------------


def record_use(db: Database, day: str, command: str, query: str) -> None:
    """Count one use of a command with its query string (nothing about who asked)."""
    db.write("INSERT INTO usage VALUES ($1, $2, $3, 1) ON CONFLICT (day, command, query) DO UPDATE "
               "SET uses = usage.uses + 1", (day, command, " ".join(query.split())[:100]))


@dataclass(frozen=True)
class ReaderStats:
    """Reader and usage figures for /stats."""

    subscribers: int
    blocked: int
    watches: int
    watchers: int
    queries_per_day: tuple[tuple[str, int], ...]  # (day, queries), oldest first
    top_queries: tuple[tuple[str, int], ...]  # (query, uses), most used first


def reader_stats(db: Database, since_day: str, top: int = 10) -> ReaderStats:
    """Return subscribers, active watches and the queries since `since_day` (inclusive)."""
    subscribed, blocked = db.execute(
        "SELECT coalesce(sum(CASE WHEN subscribed = 1 AND blocked = 0 THEN 1 ELSE 0 END), 0), "
        "coalesce(sum(blocked), 0) FROM readers").fetchone()
    watches, watchers = db.execute(
        "SELECT count(*), count(DISTINCT w.chat_id) FROM watches w JOIN readers r ON "
        "r.chat_id = w.chat_id WHERE r.blocked = 0").fetchone()
    per_day = db.execute("SELECT day, sum(uses) FROM usage WHERE day >= $1 GROUP BY day ORDER BY day",
                         (since_day,)).fetchall()
    queries = db.execute("SELECT query, sum(uses) AS n FROM usage WHERE day >= $1 AND query != '' "
                         "GROUP BY query ORDER BY n DESC, query LIMIT $2", (since_day, top)).fetchall()
    return ReaderStats(subscribed, blocked, watches, watchers,
                       tuple(map(tuple, per_day)), tuple(map(tuple, queries)))
