"""Digest and category reads: a day's digest, the newest, its neighbours, categories, archive size."""

from __future__ import annotations

import datetime as dt
import weakref

from storage.backend import Database
from storage.categories import canonical_category
from storage.index import day_ids, generation, row_to_item
from storage.model import ArchiveStats, CategoryCount, Day, DigestSummary, Found, Item


def resolve_category(db: Database, name: str) -> str | None:
    """Return the canonical category `name` stands for, or a non-canonical category kept from a
    file's header if `name` is one; None when the archive has no such category."""
    return canonical_category(name) or _known_category(db, name)


def _known_category(db: Database, name: str) -> str | None:
    """Return a non-canonical category kept from a file's header, if `name` is one."""
    row = db.execute("SELECT category FROM items WHERE category = $1 LIMIT 1",
                     (name.strip(),)).fetchone()
    return row[0] if row else None


def categories(db: Database) -> list[CategoryCount]:
    """Return every category with its item count, most items first."""
    return list(_archive_summary(db)[0])


def category_items(db: Database, category: str, limit: int = 5,
                   offset: int = 0) -> tuple[str | None, list[Item], int]:
    """Return (resolved category, newest items in it, total items); None when the category is unknown."""
    resolved = resolve_category(db, category)
    if resolved is None:
        return None, [], 0
    total = db.execute("SELECT count(*) FROM items WHERE category = $1", (resolved,)).fetchone()[0]
    rows = db.execute("SELECT * FROM items WHERE category = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
                      (resolved, limit, offset)).fetchall()
    return resolved, [row_to_item(r) for r in rows], total


def digest_on(db: Database, date: str) -> Found | None:
    """Return the digest of `date` and its items in file order, or None if there is none."""
    row = db.execute("SELECT date, title, item_count, summary FROM digests WHERE date = $1",
                     (date,)).fetchone()
    if row is None:
        return None
    rows = db.execute("SELECT * FROM items WHERE id BETWEEN $1 AND $2 ORDER BY id",
                      day_ids(date)).fetchall()
    return DigestSummary(*row), [row_to_item(r) for r in rows]


def digest_or_newest(db: Database, date: str | None) -> Found | None:
    """Return the digest of `date` (the newest digest when None), or None if there is none."""
    date = date or newest_date(db)
    return digest_on(db, date) if date else None


def day_with_neighbours(db: Database, date: str | None, fall_back: bool = False) -> Day | None:
    """Return the digest of `date` (the newest when None) with its items and the dates of the
    digests before and after it; with `fall_back`, the newest digest when `date` has none.
    None when there is no such digest (or none at all)."""
    found = digest_or_newest(db, date)
    if found is None and fall_back and date is not None:
        found = digest_or_newest(db, None)
    if found is None:
        return None
    return Day(found[0], found[1], adjacent_dates(db, found[0].date))


def newest_date(db: Database, on_or_before: str | None = None) -> str | None:
    """Return the newest digest date (on or before a date, if given), or None for an empty index."""
    if on_or_before:
        row = db.execute("SELECT max(date) FROM digests WHERE date <= $1", (on_or_before,)).fetchone()
    else:
        row = db.execute("SELECT max(date) FROM digests").fetchone()
    return row[0] if row else None


def archive_stats(db: Database) -> ArchiveStats:
    """Return how many digests and items the index holds and their date range."""
    return _archive_summary(db)[1]


# Per database object: (index generation, category counts, archive stats). Counting 100k items
# by category is a full scan (70 ms on PostgreSQL at 100k items, 15 ms on SQLite); the numbers
# change only when digests are indexed, which bumps the generation (on any worker: it is in the
# database).
_summary_cache: weakref.WeakKeyDictionary[
    Database, tuple[int, tuple[CategoryCount, ...], ArchiveStats]] = weakref.WeakKeyDictionary()


def _archive_summary(db: Database) -> tuple[tuple[CategoryCount, ...], ArchiveStats]:
    """Return the category counts and the archive stats, counted once per index generation."""
    current = generation(db)  # read first: what is counted below is at least this new
    cached = _summary_cache.get(db)
    if cached is not None and cached[0] == current:
        return cached[1], cached[2]
    rows = db.execute("SELECT category, count(*) FROM items GROUP BY category "
                      "ORDER BY count(*) DESC, category").fetchall()
    counts = tuple(CategoryCount(name, n) for name, n in rows)
    digests, first, last = db.execute("SELECT count(*), min(date), max(date) FROM digests").fetchone()
    stats = ArchiveStats(digests, sum(count.items for count in counts), first, last)
    _summary_cache[db] = (current, counts, stats)
    return counts, stats


def newest_headers(db: Database, limit: int = 10) -> list[DigestSummary]:
    """Return the header rows of the newest `limit` digests, newest first."""
    rows = db.execute("SELECT date, title, item_count, summary FROM digests ORDER BY date DESC "
                      "LIMIT $1", (limit,)).fetchall()
    return [DigestSummary(*row) for row in rows]


def newest_digests(db: Database, limit: int = 10) -> list[Found]:
    """Return the newest `limit` digests with their items, newest digest first (two queries)."""
    headers = newest_headers(db, limit)
    if not headers:
        return []
    items = [row_to_item(r) for r in db.execute(
        "SELECT * FROM items WHERE id BETWEEN $1 AND $2 ORDER BY id",
        (day_ids(headers[-1].date)[0], day_ids(headers[0].date)[1])).fetchall()]
    by_date: dict[str, list[Item]] = {}
    for item in items:
        by_date.setdefault(item.date, []).append(item)
    return [(header, by_date.get(header.date, [])) for header in headers]


def adjacent_dates(db: Database, date: str) -> tuple[str | None, str | None]:
    """Return the dates of the digests just before and just after `date` (None at either end)."""
    row = db.execute("SELECT (SELECT max(date) FROM digests WHERE date < $1), "
                     "(SELECT min(date) FROM digests WHERE date > $1)", (date,)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def parse_date(text: str) -> str | None:
    """Return `text` as YYYY-MM-DD if it is a valid date (also 2026/2/8, 20260208), else None."""
    cleaned = text.strip().replace("/", "-").replace(".", "-")
    if cleaned.isdigit() and len(cleaned) == 8:
        cleaned = f"{cleaned[:4]}-{cleaned[4:6]}-{cleaned[6:]}"
    parts = cleaned.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
    except ValueError:
        return None
