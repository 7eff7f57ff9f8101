"""Queries over the index: keyword search, typo correction, categories, digests by date.

Ranking: the newest `WINDOW` hits (cheap: FTS5 walks rowids newest-first and
stops) are scored by bm25 (title weighted 4x) blended with recency, so a strong
match from last week beats a weak one from today, and a term found in 90% of the
archive costs the same as a rare one.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlite_utils
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from storage.categories import canonical_category
from storage.index import generation, item_id, row_to_item
from storage.model import Item, SearchResult
from storage.text import is_cjk, match_expression, normalize, searchable_length

WINDOW = 200  # hits considered for ranking
COUNT_CAP = 1000  # hits counted exactly; beyond this "1000+"
MAX_QUERY_CHARS = 200  # longer queries are cut (a 500-character paste is still answered)
RECENCY_HALF_LIFE_DAYS = 30.0
TITLE_WEIGHT, BODY_WEIGHT = 4.0, 1.0
MIN_FUZZY_SCORE = 70.0


@dataclass(frozen=True)
class CategoryCount:
    """A category and how many items it has."""

    name: str
    items: int


@dataclass(frozen=True)
class DigestSummary:
    """A digest's header row: date, title, item count."""

    date: str
    title: str
    items: int
    summary: str = ""


def search(db: sqlite_utils.Database, query: str, category: str | None = None,
           since: str | None = None, until: str | None = None, limit: int = 20,
           offset: int = 0, fuzzy: bool = True) -> SearchResult:
    """Return one page of items matching `query`, best first; typos are corrected when nothing matches.

    `category` accepts canonical names, short names (政策, 模型, ...) and English
    (policy, models, ...); an unknown category gives a message, not an error.
    """
    query = " ".join(query.split())[:MAX_QUERY_CHARS]
    if not query:
        return SearchResult(query, [], 0, message="empty")
    if searchable_length(query) < 2:
        return SearchResult(query, [], 0, message="too_short")
    resolved = None
    if category:
        resolved = canonical_category(category) or _known_category(db, category)
        if resolved is None:
            return SearchResult(query, [], 0, message="unknown_category")
    expression = match_expression(query)
    if expression is None:
        return SearchResult(query, [], 0, message="too_short")
    bounds = _id_bounds(since, until)
    items, total, capped = _run(db, expression, resolved, bounds, limit, offset)
    if total or not fuzzy:
        return SearchResult(query, items, total, capped)
    corrected = correct_query(db, query)
    if corrected and corrected != query:
        items, total, capped = _run(db, match_expression(corrected), resolved, bounds, limit, offset)
        if total:
            return SearchResult(query, items, total, capped, corrected=corrected)
    return SearchResult(query, [], 0)


def _known_category(db: sqlite_utils.Database, name: str) -> str | None:
    """Return a non-canonical category kept from a file's header, if `name` is one."""
    row = db.execute("SELECT category FROM items WHERE category = ? LIMIT 1",
                     (name.strip(),)).fetchone()
    return row[0] if row else None


def _id_bounds(since: str | None, until: str | None) -> tuple[int, int]:
    low = item_id(since, 0) if since else 0
    high = item_id(until, 999) if until else 2**62
    return low, high


def _run(db: sqlite_utils.Database, expression: str, category: str | None,
         bounds: tuple[int, int], limit: int, offset: int) -> tuple[list[Item], int, bool]:
    """Return (page of items, total hits capped at COUNT_CAP, whether capped)."""
    where = "items_fts MATCH ? AND items_fts.rowid BETWEEN ? AND ?"
    params: list = [expression, *bounds]
    join = ""
    if category:
        # CROSS JOIN keeps FTS as the outer loop (else SQLite walks the category index).
        join = "CROSS JOIN items ON items.id = items_fts.rowid"
        where += " AND items.category = ?"
        params.append(category)
    total = db.execute(
        f"SELECT count(*) FROM (SELECT items_fts.rowid FROM items_fts {join} WHERE {where} "
        f"LIMIT {COUNT_CAP + 1})", params).fetchone()[0]
    if total == 0:
        return [], 0, False
    window = max(WINDOW, offset + limit)
    hits = db.execute(
        f"SELECT items_fts.rowid, bm25(items_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) "
        f"FROM items_fts {join} WHERE {where} ORDER BY items_fts.rowid DESC LIMIT {window}",
        params).fetchall()
    newest = hits[0][0] // 1000
    # bm25() is negative, more negative = better; scale it to 0..1 within the window.
    best = min(score for _, score in hits) or -1.0
    ranked = sorted(hits, key=lambda hit: -(
        (hit[1] / best) * math.exp(-(newest - hit[0] // 1000) * math.log(2) / RECENCY_HALF_LIFE_DAYS)
        + 0.25 * math.exp(-(newest - hit[0] // 1000) / 365)))
    page = [rowid for rowid, _ in ranked[offset:offset + limit]]
    return items_by_id(db, page), min(total, COUNT_CAP), total > COUNT_CAP


def items_by_id(db: sqlite_utils.Database, ids: list[int]) -> list[Item]:
    """Return the items with these ids, in the order given (missing ids are skipped)."""
    if not ids:
        return []
    rows = db.execute(f"SELECT * FROM items WHERE id IN ({','.join('?' * len(ids))})",
                      ids).fetchall()
    by_id = {row[0]: row_to_item(row) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def count_matches(db: sqlite_utils.Database, query: str) -> int:
    """Return how many items match `query` (capped at COUNT_CAP + 1), without typo correction."""
    expression = match_expression(query)
    if expression is None:
        return 0
    return db.execute(f"SELECT count(*) FROM (SELECT rowid FROM items_fts WHERE items_fts "
                      f"MATCH ? LIMIT {COUNT_CAP + 1})", (expression,)).fetchone()[0]


# --- typo correction ------------------------------------------------------------

_vocabulary_cache: dict[int, tuple[int, list[str], list[str]]] = {}


def _latin_vocabulary(db: sqlite_utils.Database) -> tuple[list[str], list[str]]:
    """Return (lower-cased terms, display forms) of the archive's Latin words, cached per generation."""
    key = id(db)
    current = generation(db)
    cached = _vocabulary_cache.get(key)
    if cached is None or cached[0] != current:
        rows = db.execute("SELECT term, display FROM terms ORDER BY items DESC").fetchall()
        cached = (current, [r[0] for r in rows], [r[1] for r in rows])
        _vocabulary_cache[key] = cached
    return cached[1], cached[2]


def correct_query(db: sqlite_utils.Database, query: str) -> str | None:
    """Return `query` with each word that finds nothing replaced by the closest archive word, or None."""
    words = query.split()
    changed = False
    for i, word in enumerate(words):
        if count_matches(db, word):
            continue
        better = correct_word(db, word)
        if better:
            words[i], changed = better, True
    return " ".join(words) if changed else None


def correct_word(db: sqlite_utils.Database, word: str) -> str | None:
    """Return the archive's closest spelling of `word` (Antropic -> Anthropic, 阶跃星晨 -> 阶跃星辰)."""
    if searchable_length(word) < 2:
        return None
    if is_cjk(word):
        return _correct_cjk(db, normalize(word))
    terms, display = _latin_vocabulary(db)
    match = process.extractOne(word.lower(), terms, scorer=fuzz.ratio,
                               score_cutoff=MIN_FUZZY_SCORE + 10)
    return display[match[2]] if match else None


def _correct_cjk(db: sqlite_utils.Database, word: str) -> str | None:
    """Find the archive's text closest to a CJK word that has no hits.

    The longest pieces of the word that do occur are looked up; around each
    occurrence, windows of the word's length (±1 for a missing or extra
    character) aligned with the piece are scored with Levenshtein similarity.
    """
    length = len(word)
    candidates: dict[str, tuple[float, int]] = {}  # window -> (score, occurrences)
    for size in range(length - 1, 1, -1):
        for start in range(0, length - size + 1):
            piece = word[start:start + size]
            expression = match_expression(piece)
            if expression is None:
                continue
            rows = db.execute(
                "SELECT items.title, items.summary FROM items_fts JOIN items ON "
                "items.id = items_fts.rowid WHERE items_fts MATCH ? ORDER BY items_fts.rowid DESC "
                "LIMIT 30", (expression,)).fetchall()
            for title, summary in rows:
                text = normalize(title + " " + summary)
                at = text.find(piece)
                while at >= 0:
                    begin = max(at - start, 0)
                    for width in (length, length - 1, length + 1):
                        window = text[begin:begin + width]
                        if len(window) < 2 or window == word or not all(map(is_cjk, window)):
                            continue
                        # Edit similarity; a changed length costs a little more than a typo.
                        score = 100 * Levenshtein.normalized_similarity(word, window) \
                            - abs(width - length)
                        seen = candidates.get(window, (score, 0))
                        candidates[window] = (score, seen[1] + 1)
                    at = text.find(piece, at + 1)
        if candidates:
            break
    best = max(candidates.items(), key=lambda kv: kv[1], default=None)
    return best[0] if best and best[1][0] >= MIN_FUZZY_SCORE else None


# --- digests and categories ----------------------------------------------------


def categories(db: sqlite_utils.Database) -> list[CategoryCount]:
    """Return every category with its item count, most items first."""
    rows = db.execute("SELECT category, count(*) FROM items GROUP BY category "
                      "ORDER BY count(*) DESC, category").fetchall()
    return [CategoryCount(name, n) for name, n in rows]


def category_items(db: sqlite_utils.Database, category: str, limit: int = 5,
                   offset: int = 0) -> tuple[str | None, list[Item], int]:
    """Return (resolved category, newest items in it, total items); None when the category is unknown."""
    resolved = canonical_category(category) or _known_category(db, category)
    if resolved is None:
        return None, [], 0
    total = db.execute("SELECT count(*) FROM items WHERE category = ?", (resolved,)).fetchone()[0]
    rows = db.execute("SELECT * FROM items WHERE category = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                      (resolved, limit, offset)).fetchall()
    return resolved, [row_to_item(r) for r in rows], total


def digest_on(db: sqlite_utils.Database, date: str) -> tuple[DigestSummary, list[Item]] | None:
    """Return the digest of `date` and its items in file order, or None if there is none."""
    row = db.execute("SELECT date, title, item_count, summary FROM digests WHERE date = ?",
                     (date,)).fetchone()
    if row is None:
        return None
    rows = db.execute("SELECT * FROM items WHERE id BETWEEN ? AND ? ORDER BY id",
                      (item_id(date, 0), item_id(date, 999))).fetchall()
    return DigestSummary(*row), [row_to_item(r) for r in rows]


def newest_date(db: sqlite_utils.Database, on_or_before: str | None = None) -> str | None:
    """Return the newest digest date (on or before a date, if given), or None for an empty index."""
    if on_or_before:
        row = db.execute("SELECT max(date) FROM digests WHERE date <= ?", (on_or_before,)).fetchone()
    else:
        row = db.execute("SELECT max(date) FROM digests").fetchone()
    return row[0] if row else None


@dataclass(frozen=True)
class ArchiveStats:
    """Size of the archive for /stats."""

    digests: int
    items: int
    first_date: str | None
    last_date: str | None


def archive_stats(db: sqlite_utils.Database) -> ArchiveStats:
    """Return how many digests and items the index holds and their date range."""
    digests, first, last = db.execute("SELECT count(*), min(date), max(date) FROM digests").fetchone()
    items = db.execute("SELECT count(*) FROM items").fetchone()[0]
    return ArchiveStats(digests, items, first, last)


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
