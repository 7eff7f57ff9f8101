"""Copy a SQLite index into PostgreSQL: `digestbot migrate --from FILE --to URL [--force]`.

Everything storage/ keeps is copied (digests, items and their full-text index,
files seen, posts made, settings changed from Telegram, saved queries, readers,
watches, what was sent to them, their languages, usage figures) in one PostgreSQL transaction:
either all of it arrives or nothing changes. A target that already holds data is
refused unless `force`, which empties it first (in the same transaction).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.backend import open_db
from storage.index import generation
from storage.postgres import PostgresDatabase

HOLDS_DATA = ("digests", "items", "post_runs", "readers", "settings", "languages")


class MigrateError(Exception):
    """The copy cannot be made; the message says why and what to do."""


def copy_to_postgres(source: str | Path, target_url: str, force: bool = False) -> dict[str, int]:
    """Copy the SQLite index at `source` into the PostgreSQL database at `target_url`.

    Returns the rows copied per table. Raises MigrateError when the source is
    missing or the target already holds data and `force` is not set. Every table
    of the SQLite schema is copied (the full-text index is rebuilt from its tokens).
    """
    if not Path(source).is_file():
        raise MigrateError(f"no SQLite database at {source}")
    try:
        with open_db(source) as upgraded:  # upgrade the source to the current schema first
            tables = upgraded.tables()
        src = sqlite3.connect(f"file:{Path(source).resolve()}?mode=ro", uri=True)
    except sqlite3.DatabaseError as exc:
        raise MigrateError(f"{source} is not a digestbot SQLite database: {exc}") from None
    target = PostgresDatabase(target_url)
    copied: dict[str, int] = {}
    try:
        with target.transaction():
            held = [t for t in HOLDS_DATA
                    if target.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is not None]
            if held and not force:
                raise MigrateError(f"the target database already holds data (in {', '.join(held)}); "
                                   "use --force to replace it")
            # Caches of the processes reading the target are keyed by its index generation
            # (storage.index.generation): the copy must leave a number none of them has seen.
            row = target.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            before = int(row[0]) if row else 0
            target.execute("TRUNCATE " + ", ".join((*tables, "items_fts")))
            for table, columns in tables.items():
                rows = src.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
                target.insert_rows(table, rows, columns)
                copied[table] = len(rows)
            fts_rows = src.execute("SELECT rowid, title, body FROM items_fts").fetchall()
            target.add_fts_rows(fts_rows)
            copied["items_fts"] = len(fts_rows)
            copied_generation = generation(target)
            target.execute("INSERT INTO meta VALUES ('generation', $1) ON CONFLICT (key) DO UPDATE "
                           "SET value = excluded.value", (str(max(before, copied_generation) + 1),))
            target.execute("SELECT setval(pg_get_serial_sequence('queries', 'id'), "
                           "coalesce((SELECT max(id) FROM queries), 0) + 1, false)")
            target.after_ingest(bulk=True)
    finally:
        src.close()
        target.close()
    return copied
