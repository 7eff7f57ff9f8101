"""The interface every storage module talks to: one `Database`, two backends.

`storage/sqlite.py` (`SqliteDatabase`, the default) and `storage/postgres.py`
(`PostgresDatabase`, for `DATABASE_URL=postgresql://...`) each own their
schema, full-text index and its queries, bulk loading and connections. The
query modules (search, stories, posts, readers, index) are written once
against this class.

SQL shared by both backends writes its parameters as `$1`, `$2`, ...: the
numbered placeholders PostgreSQL parses natively (psycopg's raw cursors send
them unchanged) and that SQLite parses as named parameters (bound by a mapping
of "1", "2", ...). No statement is rewritten for either backend.

Safe from any thread: SQLite opens one connection per thread (WAL: readers
beside one writer); PostgreSQL lends a pooled connection per statement. A
transaction belongs to the thread (and asyncio context) that opened it; other
threads keep reading the last committed state meanwhile.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, ClassVar, Protocol

from storage.text import Phrase

Parameters = Sequence[Any]  # a statement's `$1`, `$2`, ... values (str, int, float, bytes, None)

ALL_IDS = (0, 2**62)  # every item id (ids are date.toordinal() * 1000 + position)


class Cursor(Protocol):
    """What a statement returns: its rows (read at once) and how many rows it changed."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Database(ABC):
    """An index database. Open one with `open_db(path_or_url)` (below)."""

    name: ClassVar[str]  # "sqlite" or "postgres"
    url: str  # the file path or the postgresql:// URL it was opened with

    # --- statements and transactions ---------------------------------------------------

    @abstractmethod
    def execute(self, sql: str, parameters: Parameters = ()) -> Cursor:
        """Run one statement (`$1`-style parameters); return its cursor with the rows read."""

    @abstractmethod
    def write(self, sql: str, parameters: Parameters = ()) -> Cursor:
        """Run one statement that changes data; return its cursor (rowcount).

        The same as `execute` except on SQLite, where the writes of this process
        take turns (one writer at a time): a reader's write waits for the current
        batch of a long ingest, not for the whole ingest.
        """

    @abstractmethod
    def executemany(self, sql: str, rows: Iterable[Parameters]) -> None:
        """Run one statement for each row (all rows or none, inside one transaction)."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Run the block in one transaction; inside an open one, the block joins it.

        An exception rolls the whole transaction back and propagates.
        """

    @property
    @abstractmethod
    def in_transaction(self) -> bool:
        """True inside a `transaction()` block of this thread."""

    @abstractmethod
    def insert_rows(self, table: str, rows: Sequence[Parameters],
                    columns: Sequence[str] | None = None) -> None:
        """Append rows to `table` (values for `columns`, default every column in table order):
        the fastest way each backend has (SQLite: one prepared insert; PostgreSQL: COPY)."""

    @abstractmethod
    def upsert_rows(self, table: str, rows: Sequence[Parameters], conflict: str) -> None:
        """Insert rows into `table` (every column, in table order), each resolving a conflict as
        `conflict` says (what follows ON CONFLICT: `(term) DO NOTHING`, `(term) DO UPDATE SET
        ...`); no two rows may have the same conflict key. The fastest way each backend has
        (SQLite: one prepared statement; PostgreSQL: a statement per thousand rows, not one per
        row)."""

    @abstractmethod
    def tables(self) -> dict[str, list[str]]:
        """Return every table of the schema with its column names, in order (the full-text
        index's own table and the schema bookkeeping left out)."""

    @abstractmethod
    def close(self) -> None:
        """Close every connection this object opened."""

    # --- the full-text index -------------------------------------------------------------
    # Both backends store the same tokens (storage/text.py: CJK bigrams, Latin words,
    # numbers) and match a query word as a phrase of them, so a query finds the same items.

    @staticmethod
    @abstractmethod
    def documents(rows: list[tuple[int, str, str]]) -> list[str] | None:
        """Return what the full-text index stores for each (id, title tokens, body tokens) row,
        if the backend builds it in Python (done in ingest's worker processes), else None."""

    @abstractmethod
    def add_fts_rows(self, rows: Sequence[tuple[int, str, str]],
                     documents: Sequence[str] | None = None) -> None:
        """Add full-text rows of (item id, title tokens, body tokens).

        `documents`: the rows' `documents()`, if already built.
        """

    @abstractmethod
    def delete_fts_rows(self, first: int, last: int) -> None:
        """Delete the full-text rows of the items with ids first..last."""

    @abstractmethod
    def phrase(self, words: Phrase, last_tokens: Sequence[str] | None) -> str:
        """Return one query word as this backend's full-text syntax.

        `last_tokens`: the exact tokens a trailing prefix stands for (None: the
        backend's own prefix query).
        """

    @abstractmethod
    def all_of(self, expressions: Iterable[str]) -> str:
        """Return the full-text expressions ANDed."""

    @abstractmethod
    def any_of(self, expressions: Iterable[str]) -> str:
        """Return the full-text expressions ORed."""

    @abstractmethod
    def excluding(self, expression: str, excluded: str) -> str:
        """Return the items matching `expression` and not `excluded` (both full-text expressions)."""

    @abstractmethod
    def match_ids(self, expression: str, bounds: tuple[int, int] = ALL_IDS,
                  category: str | None = None, limit: int | None = None) -> list[int]:
        """Return the ids of items matching `expression` within `bounds`, newest first."""

    def match_ids_each(self, expressions: Sequence[str],
                       bounds: tuple[int, int]) -> list[list[int]]:
        """Return, for each expression, the ids of the items matching it within `bounds`, newest
        first (all of them: for a small range, such as a week's)."""
        return [self.match_ids(expression, bounds) for expression in expressions]

    def count(self, expression: str, cap: int) -> int:
        """Return how many items match `expression`, counting at most `cap`."""
        return len(self.match_ids(expression, limit=cap))

    @abstractmethod
    def after_ingest(self, bulk: bool) -> None:
        """Let the backend catch up after digests were indexed (`bulk`: many at once)."""

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def numbered(count: int, start: int = 1) -> str:
    """Return `count` placeholders `$start, ...` for an IN list or a VALUES row."""
    return ", ".join(f"${n}" for n in range(start, start + count))


def open_db(location: str | Path) -> Database:
    """Return the database at `location`, migrated to the current schema: a SQLite file (created
    if missing), or PostgreSQL for a `postgresql://` URL."""
    if str(location).startswith(("postgresql://", "postgres://")):
        from storage.postgres import PostgresDatabase  # psycopg: only when PostgreSQL is used

        return PostgresDatabase(str(location))
    from storage.sqlite import SqliteDatabase  # here: storage.sqlite imports this module

    return SqliteDatabase(location)


def backend_of(name: str) -> type[Database]:
    """Return the backend class called `name` ("sqlite" or "postgres")."""
    if name == "postgres":
        from storage.postgres import PostgresDatabase

        return PostgresDatabase
    from storage.sqlite import SqliteDatabase

    return SqliteDatabase
