"""The full-text index behind one small API, for SQLite (FTS5, here) and PostgreSQL (storage/postgres.py).

Both backends store the same tokens (storage/text.py: CJK bigrams, Latin words,
numbers) and match a query word as a phrase of them, so a query finds the same
items on both. Item ids are date-ordered (storage/index.py: item_id), so
"newest first" is "highest id first" and a date range is an id range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from storage.text import Phrase

ALL_IDS = (0, 2**62)


def backend(db: object) -> str:
    """Return "postgres" for a PostgreSQL database (storage/postgres.py), "sqlite" for SQLite."""
    return getattr(db, "backend", "sqlite")


def is_postgres(db: object) -> bool:
    """Return True if `db` is a PostgreSQL database, False for SQLite."""
    return backend(db) == "postgres"


def documents(backend_name: str, rows: list[tuple[int, str, str]]) -> list[str] | None:
    """Return what the backend stores for each row of (id, title tokens, body tokens), or None.

    PostgreSQL: a tsvector literal each (built here so that a big ingest builds
    them in its worker processes); SQLite's FTS5 takes the tokens as they are.
    """
    if backend_name != "postgres":
        return None
    from storage import postgres

    return [postgres.tsvector_literal(title, body) for _, title, body in rows]


def phrase(db: object, words: Phrase, last_tokens: Sequence[str] | None) -> str:
    """Return one query word as this backend's syntax (`last_tokens`: a prefix's exact tokens)."""
    if is_postgres(db):
        from storage import postgres

        return postgres.tsquery_phrase(words, last_tokens)
    return words.expression(last_tokens)


def all_of(db: object, expressions: Iterable[str]) -> str:
    """Return the expressions ANDed."""
    if is_postgres(db):
        return " & ".join(f"({e})" for e in expressions)
    return " AND ".join(expressions)  # FTS5: each phrase or OR-group is already self-contained


def any_of(db: object, expressions: Iterable[str]) -> str:
    """Return the expressions ORed."""
    return (" | " if is_postgres(db) else " OR ").join(f"({e})" for e in expressions)


def match_ids(db: object, expression: str, bounds: tuple[int, int] = ALL_IDS,
              category: str | None = None, limit: int | None = None) -> list[int]:
    """Return the ids of matching items within `bounds`, newest first (at most `limit`)."""
    if is_postgres(db):
        from storage import postgres

        return postgres.match_ids(db, expression, bounds, category, limit)
    where = "items_fts MATCH ? AND items_fts.rowid BETWEEN ? AND ?"
    params: list = [expression, *bounds]
    join = ""
    if category:
        # CROSS JOIN keeps FTS as the outer loop (else SQLite walks the category index).
        join = "CROSS JOIN items ON items.id = items_fts.rowid"
        where += " AND items.category = ?"
        params.append(category)
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    return [row[0] for row in db.execute(
        f"SELECT items_fts.rowid FROM items_fts {join} WHERE {where} "
        f"ORDER BY items_fts.rowid DESC{tail}", params).fetchall()]


def count(db: object, expression: str, cap: int) -> int:
    """Return how many items match, counting at most `cap`."""
    return len(match_ids(db, expression, limit=cap))


def replace_rows(db: object, first: int, last: int, rows: list[tuple[int, str, str]],
                 had_rows: bool, docs: list[str] | None = None) -> None:
    """Replace the index rows with ids first..last by `rows` of (id, title tokens, body tokens).

    `docs`: the rows' `documents()` for this backend, if already built.
    """
    if is_postgres(db):
        from storage import postgres

        postgres.replace_fts_rows(db, first, last, rows, had_rows, docs)
        return
    if had_rows:
        db.execute("DELETE FROM items_fts WHERE rowid BETWEEN ? AND ?", (first, last))
    db.conn.executemany("INSERT INTO items_fts (rowid, title, body) VALUES (?,?,?)", rows)


def after_ingest(db: object, bulk: bool) -> None:
    """Let the backend catch up after digests were indexed (PostgreSQL: see postgres.after_ingest)."""
    if is_postgres(db):
        from storage import postgres

        postgres.after_ingest(db, bulk)
