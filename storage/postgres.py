"""The PostgreSQL backend (`DATABASE_URL=postgresql://...`): its schema, connections, full-text
index and bulk loading.

A pool of connections in autocommit mode with psycopg's raw cursors, so the
shared `$1`-style SQL of the query modules reaches the server as written. A
statement outside a transaction borrows a pooled connection and is committed at
once; a transaction keeps one connection, held in a context variable (so it
belongs to the thread, or asyncio task, that opened it). Bulk loads use COPY.

Full text: the same tokens as on SQLite (storage/text.py: CJK bigrams, Latin
words, numbers) are stored as a `tsvector` with their positions, written as a
tsvector literal so PostgreSQL's text parser (which depends on the locale) never
sees the text; a query word is a `tsquery` phrase of its tokens (`<->`), a
trailing Latin prefix an OR of exact tokens (or `:*`). So every item that
contains a 2+ character CJK query as a substring is found, as on SQLite.

Newest first, fast, for any word: each item's tsvector also holds the month of
its digest as a lexeme (`#m202602`; the tokenizer never makes a `#`). A search
for the newest N hits asks the GIN index for the newest month first, then the
3 before it, then 12, then the rest (the words alone, older ids kept), as one
UNION ALL under a LIMIT: PostgreSQL stops as soon as N rows are found, so a
common word reads about one month of candidates and a rare or absent word a few
empty posting lists. (A plain `ORDER BY id DESC LIMIT N` lets the planner walk
the primary key, which for a rare word reads every row: a zero-hit query took
1.1 s at 100k items.) The rest is not sliced further: an OR of 48 month lexemes
cost the index more than the words' own posting lists over the whole archive
(7 ms against 2.4 ms for `千问 & 红包` at 100k items).

Phrases are checked on each candidate's tsvector (the index has no positions);
for a query with a phrase (or an excluded phrase) the slices list the items
having all the words, and the full expression is checked on them newest first
only until N are found (`_index_part`): `Kimi K2.5` checked 1,452 tsvectors
before, about 210 now.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from storage.backend import ALL_IDS, Cursor, Database, Parameters
from storage.model import check_schema_version
from storage.text import Phrase

log = logging.getLogger(__name__)
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position; later tokens share it
POOL_SIZE = 6  # connections per process: the bot's reader threads, one indexing thread
FTS_TABLE = "items_fts"
UPSERT_ROWS = 1000  # rows per statement of upsert_rows (PostgreSQL takes up to 65,535 parameters)
BOOKKEEPING = ("schema_version",)  # tables of the migrations themselves
# Month slices of a newest-first search, in months back from the newest wanted item; the rest last.
SLICE_MONTHS = (1, 4, 16)

# Each entry upgrades the schema by one version; `schema_version` says how far a database is.
# Text columns use the "C" collation: dates, tokens and keys compare byte-wise, as on SQLite.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE digests (
        date TEXT COLLATE "C" PRIMARY KEY, title TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '',
        layout TEXT NOT NULL, path TEXT NOT NULL, content_hash TEXT NOT NULL,
        item_count INTEGER NOT NULL, indexed_at TEXT COLLATE "C" NOT NULL
    );
    CREATE TABLE items (
        id BIGINT PRIMARY KEY, date TEXT COLLATE "C" NOT NULL, position INTEGER NOT NULL,
        category TEXT COLLATE "C" NOT NULL, title TEXT NOT NULL, summary TEXT NOT NULL,
        background TEXT NOT NULL, analysis TEXT NOT NULL, points TEXT NOT NULL,
        source_name TEXT NOT NULL, source_url TEXT NOT NULL
    );
    CREATE INDEX items_category ON items (category, id);
    CREATE TABLE items_fts (id BIGINT PRIMARY KEY, doc TSVECTOR NOT NULL);
    CREATE INDEX items_fts_doc ON items_fts USING GIN (doc);
    CREATE TABLE item_titles (id BIGINT PRIMARY KEY, tokens TEXT NOT NULL);
    CREATE TABLE latin_tokens (token TEXT COLLATE "C" PRIMARY KEY);
    CREATE TABLE files (
        path TEXT COLLATE "C" PRIMARY KEY, content_hash TEXT NOT NULL, size BIGINT NOT NULL,
        mtime_ns BIGINT NOT NULL, date TEXT COLLATE "C", status TEXT NOT NULL, reason TEXT
    );
    CREATE TABLE terms (term TEXT COLLATE "C" PRIMARY KEY, display TEXT NOT NULL,
                        items INTEGER NOT NULL);
    CREATE TABLE meta (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE posts (
        date TEXT COLLATE "C" NOT NULL, chat_id TEXT COLLATE "C" NOT NULL, run INTEGER NOT NULL,
        seq INTEGER NOT NULL, message_id BIGINT NOT NULL, sent_at TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (date, chat_id, run, seq)
    );
    CREATE TABLE post_runs (
        date TEXT COLLATE "C" NOT NULL, chat_id TEXT COLLATE "C" NOT NULL, run INTEGER NOT NULL,
        messages INTEGER, started_at TEXT COLLATE "C" NOT NULL, completed_at TEXT COLLATE "C",
        PRIMARY KEY (date, chat_id, run)
    );
    CREATE TABLE settings (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE queries (id BIGSERIAL PRIMARY KEY, text TEXT COLLATE "C" NOT NULL UNIQUE,
                          used_at TEXT COLLATE "C" NOT NULL);
    CREATE TABLE readers (
        chat_id BIGINT PRIMARY KEY, subscribed INTEGER NOT NULL DEFAULT 0,
        categories TEXT NOT NULL DEFAULT '[]', blocked INTEGER NOT NULL DEFAULT 0,
        language TEXT NOT NULL DEFAULT '', since TEXT COLLATE "C" NOT NULL,
        changed_at TEXT COLLATE "C" NOT NULL
    );
    CREATE TABLE watches (
        chat_id BIGINT NOT NULL, keyword TEXT COLLATE "C" NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL, PRIMARY KEY (chat_id, keyword)
    );
    CREATE TABLE watch_sent (
        chat_id BIGINT NOT NULL, item_key TEXT COLLATE "C" NOT NULL,
        sent_at TEXT COLLATE "C" NOT NULL, PRIMARY KEY (chat_id, item_key)
    );
    CREATE TABLE watch_scans (
        date TEXT COLLATE "C" NOT NULL, content_hash TEXT COLLATE "C" NOT NULL,
        scanned_at TEXT COLLATE "C" NOT NULL, PRIMARY KEY (date, content_hash)
    );
    CREATE TABLE usage (
        day TEXT COLLATE "C" NOT NULL, command TEXT COLLATE "C" NOT NULL,
        query TEXT COLLATE "C" NOT NULL, uses INTEGER NOT NULL, PRIMARY KEY (day, command, query)
    )
    """,
    """
    CREATE TABLE leases (name TEXT COLLATE "C" PRIMARY KEY, owner TEXT NOT NULL,
                         expires_at DOUBLE PRECISION NOT NULL)
    """,
    # The month lexeme of each item (see the module docstring); ids are date ordinal * 1000 + n.
    """
    UPDATE items_fts SET doc = doc || CAST('#m' || to_char(DATE '0001-01-01' + CAST(id / 1000 - 1
        AS INTEGER), 'YYYYMM') AS tsvector);
    SELECT gin_clean_pending_list(CAST('items_fts_doc' AS regclass))
    """,
    # The database adds the month itself, so a row written by any code (an older worker during a
    # rolling upgrade, a manual fix) has it; rows that lack it are rewritten once. (Statements end at a
    # line-ending semicolon, so none inside the function body ends a line.)
    """
    CREATE FUNCTION items_fts_month() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        NEW.doc := NEW.doc || CAST('#m' || to_char(DATE '0001-01-01'
            + CAST(NEW.id / 1000 - 1 AS INTEGER), 'YYYYMM') AS tsvector); RETURN NEW; END $$;
    CREATE TRIGGER items_fts_month BEFORE INSERT OR UPDATE ON items_fts FOR EACH ROW
        EXECUTE FUNCTION items_fts_month();
    UPDATE items_fts SET doc = doc
        WHERE NOT EXISTS (SELECT 1 FROM unnest(doc) AS u WHERE u.lexeme LIKE '#m%');
    SELECT gin_clean_pending_list(CAST('items_fts_doc' AS regclass))
    """,
    # Forum topics the bot created (see storage/sqlite.py).
    """
    CREATE TABLE forum_topics (
        chat_id TEXT COLLATE "C" NOT NULL, topic TEXT COLLATE "C" NOT NULL,
        thread_id BIGINT NOT NULL, created_at TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (chat_id, topic)
    )
    """,
    # Delivery targets beside Telegram (see storage/sqlite.py).
    """
    CREATE TABLE target_runs (
        date TEXT COLLATE "C" NOT NULL, target TEXT COLLATE "C" NOT NULL, run INTEGER NOT NULL,
        messages INTEGER NOT NULL, started_at TEXT COLLATE "C" NOT NULL,
        completed_at TEXT COLLATE "C", error TEXT, error_at TEXT COLLATE "C",
        PRIMARY KEY (date, target, run)
    );
    CREATE TABLE target_messages (
        date TEXT COLLATE "C" NOT NULL, target TEXT COLLATE "C" NOT NULL, run INTEGER NOT NULL,
        seq INTEGER NOT NULL, sent_at TEXT COLLATE "C" NOT NULL, PRIMARY KEY (date, target, run, seq)
    )
    """,
    # Languages: a user's /lang choice ('' = automatic) and their client's last language_code.
    """
    CREATE TABLE languages (
        user_id BIGINT PRIMARY KEY, choice TEXT NOT NULL DEFAULT '',
        client TEXT NOT NULL DEFAULT '', changed_at TEXT COLLATE "C" NOT NULL
    )
    """,
    # AI answers per reader and day, for the daily quota (see storage/sqlite.py).
    """
    CREATE TABLE ai_answers (
        day TEXT COLLATE "C" NOT NULL, user_id BIGINT NOT NULL, uses INTEGER NOT NULL,
        PRIMARY KEY (day, user_id)
    )
    """,
    # What is hot: each item's terms and each term's first item (see storage/sqlite.py).
    """
    CREATE TABLE item_terms (id BIGINT PRIMARY KEY, terms TEXT NOT NULL);
    CREATE TABLE term_first_seen (term TEXT COLLATE "C" PRIMARY KEY, first_id BIGINT NOT NULL);
    INSERT INTO meta SELECT 'terms', 'none' WHERE EXISTS (SELECT 1 FROM items)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value
    """,
    # The daily fan-out to subscribers and the shared send budget (see storage/sqlite.py).
    """
    ALTER TABLE readers ADD COLUMN format TEXT NOT NULL DEFAULT '';
    CREATE TABLE fanout (
        date TEXT COLLATE "C" NOT NULL, chat_id BIGINT NOT NULL,
        state TEXT COLLATE "C" NOT NULL DEFAULT 'pending', sent INTEGER NOT NULL DEFAULT 0,
        messages INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
        owner TEXT COLLATE "C" NOT NULL DEFAULT '', until DOUBLE PRECISION NOT NULL DEFAULT 0,
        done_at DOUBLE PRECISION, PRIMARY KEY (date, chat_id)
    );
    CREATE INDEX fanout_pending ON fanout (date, chat_id) WHERE state = 'pending';
    CREATE TABLE broadcast_budget (
        name TEXT COLLATE "C" PRIMARY KEY, second BIGINT NOT NULL, used INTEGER NOT NULL,
        granted INTEGER NOT NULL, paused_until DOUBLE PRECISION NOT NULL
    );
    INSERT INTO fanout (date, chat_id, state, sent, messages, done_at)
        SELECT p.date, r.chat_id, 'done', p.messages, p.messages, 0 FROM post_runs p
        JOIN readers r ON CAST(r.chat_id AS TEXT) = p.chat_id
        WHERE p.completed_at IS NOT NULL AND p.messages IS NOT NULL
        ON CONFLICT DO NOTHING
    """,
)




@contextlib.contextmanager
def scratch_schema(url: str, prefix: str) -> Iterator[str]:
    """Create a fresh, empty schema (named `prefix`_ and a random suffix) in the database at
    `url`; yield a URL whose connections use it, and drop it with everything in it afterwards.
    For tests and benchmarks, which each want an index of their own in one database."""
    import uuid

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


class PostgresDatabase(Database):
    """A PostgreSQL database: a connection pool; safe from any thread.

    The pool checks a connection before lending it, so a database restart
    costs one failed request, not the process.
    """

    name = "postgres"

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool = ConnectionPool(
            url, min_size=1, max_size=POOL_SIZE, open=True, name="digestbot",
            kwargs={"autocommit": True, "cursor_factory": psycopg.RawCursor},
            check=ConnectionPool.check_connection)
        # The open transaction's connection, per thread / asyncio context.
        self._held: ContextVar[psycopg.Connection | None] = ContextVar(
            f"digestbot_transaction_{id(self)}", default=None)
        try:
            self._migrate()
        except BaseException:  # a refused or unreachable database: no pool left running
            self._pool.close()
            raise

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """Yield the open transaction's connection, or a pooled one (autocommit)."""
        held = self._held.get()
        if held is not None:
            yield held
            return
        with self._pool.connection() as connection:
            yield connection

    def execute(self, sql: str, parameters: Parameters = ()) -> Cursor:
        """Run one statement; return its cursor (the rows stay readable after the connection
        goes back to the pool: psycopg reads them at once)."""
        with self._connection() as connection:
            return connection.execute(sql, parameters or None)

    def write(self, sql: str, parameters: Parameters = ()) -> Cursor:
        """Run one statement that changes data (row locks: writers wait only for each other's rows)."""
        return self.execute(sql, parameters)

    def executemany(self, sql: str, rows: Iterable[Parameters]) -> None:
        """Run one statement for each row (psycopg pipelines them), all in one transaction."""
        with self.transaction(), self._connection() as connection, connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction on one connection (joining an open one)."""
        if self._held.get() is not None:
            yield
            return
        with self._pool.connection() as connection, connection.transaction():
            token = self._held.set(connection)
            try:
                yield
            finally:
                self._held.reset(token)

    @property
    def in_transaction(self) -> bool:
        """True inside a transaction of this thread (or asyncio task)."""
        return self._held.get() is not None

    def insert_rows(self, table: str, rows: Sequence[Parameters],
                    columns: Sequence[str] | None = None) -> None:
        """Append rows to `table` with COPY."""
        if not rows:
            return
        names = f" ({', '.join(columns)})" if columns else ""
        with self.transaction(), self._connection() as connection, connection.cursor() as cursor:
            with cursor.copy(f"COPY {table}{names} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def upsert_rows(self, table: str, rows: Sequence[Parameters], conflict: str) -> None:
        """Insert rows, each resolving a conflict as `conflict` says: UPSERT_ROWS rows a statement
        (one row a statement, even pipelined, cost PostgreSQL 18 µs a row)."""
        if not rows:
            return
        width = len(rows[0])
        with self.transaction(), self._connection() as connection, connection.cursor() as cursor:
            for start in range(0, len(rows), UPSERT_ROWS):
                chunk = rows[start:start + UPSERT_ROWS]
                values = ", ".join(
                    "(" + ", ".join(f"${n * width + c}" for c in range(1, width + 1)) + ")"
                    for n in range(len(chunk)))
                cursor.execute(f"INSERT INTO {table} VALUES {values} ON CONFLICT {conflict}",
                               [value for row in chunk for value in row])

    def tables(self) -> dict[str, list[str]]:
        """Return each table of the current schema and its columns (the full-text table and the
        schema bookkeeping left out)."""
        found: dict[str, list[str]] = {}
        for table, column in self.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"):
            if table != FTS_TABLE and table not in BOOKKEEPING:
                found.setdefault(table, []).append(column)
        return found

    def close(self) -> None:
        """Close the pool."""
        self._pool.close()

    def _migrate(self) -> int:
        """Apply the migrations this database has not seen, under a lock (several workers may
        start at once); return the schema version."""
        with self.transaction(), self._connection() as connection:
            connection.execute("SELECT pg_advisory_xact_lock(4242001)")
            connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            version = _one(connection.execute("SELECT max(version) FROM schema_version"))[0] or 0
            check_schema_version(version, len(MIGRATIONS), "the PostgreSQL database")
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";\n")):
                    connection.execute(statement)
                connection.execute("INSERT INTO schema_version VALUES ($1)", (number,))
        return len(MIGRATIONS)

    @contextlib.contextmanager
    def _planned_for_gin(self) -> Iterator[psycopg.Connection]:
        """Yield a connection in a transaction whose planner uses indexes, not sequential scans.

        For full-text queries (match_ids). Inside an open transaction the
        settings are put back afterwards (after an error the transaction is
        rolled back, and SET LOCAL with it); otherwise SET LOCAL ends with the block.
        """
        settings = ("SET LOCAL enable_seqscan = {0}; "
                    "SET LOCAL max_parallel_workers_per_gather = {1}")
        held = self._held.get()
        if held is not None:
            held.execute(settings.format("off", "0"))
            yield held
            held.execute(settings.format("DEFAULT", "DEFAULT"))
            return
        with self._pool.connection() as connection, connection.transaction():
            connection.execute(settings.format("off", "0"))
            yield connection

    # --- full text (tsvector + GIN) -------------------------------------------------------

    @staticmethod
    def documents(rows: list[tuple[int, str, str]]) -> list[str]:
        """Return each row's tsvector literal (built in ingest's worker processes)."""
        return [tsvector_literal(title, body) for _, title, body in rows]

    def add_fts_rows(self, rows: Sequence[tuple[int, str, str]],
                     documents: Sequence[str] | None = None) -> None:
        """Add index rows: a COPY of their tsvectors (the trigger adds each month lexeme)."""
        if documents is None:
            documents = self.documents(list(rows))
        self.insert_rows(FTS_TABLE, [(row[0], document)
                                     for row, document in zip(rows, documents, strict=True)])

    def delete_fts_rows(self, first: int, last: int) -> None:
        """Delete the index rows with ids first..last."""
        self.execute(f"DELETE FROM {FTS_TABLE} WHERE id BETWEEN $1 AND $2", (first, last))

    def phrase(self, words: Phrase, last_tokens: Sequence[str] | None) -> str:
        """Return one query word as a tsquery (see tsquery_phrase)."""
        return tsquery_phrase(words, last_tokens)

    def all_of(self, expressions: Iterable[str]) -> str:
        """Return the tsquery expressions ANDed."""
        return " & ".join(f"({e})" for e in expressions)

    def any_of(self, expressions: Iterable[str]) -> str:
        """Return the tsquery expressions ORed."""
        return " | ".join(f"({e})" for e in expressions)

    def excluding(self, expression: str, excluded: str) -> str:
        """Return the tsquery `expression & !excluded`."""
        return f"({expression}) & !({excluded})"

    def match_ids(self, expression: str, bounds: tuple[int, int] = ALL_IDS,
                  category: str | None = None, limit: int | None = None) -> list[int]:
        """Return the ids of items matching the tsquery `expression`, newest first.

        With a limit, the month slices (module docstring) run newest first in one
        statement that stops at the limit. The planner may use only the GIN index
        (no sequential scan, no primary-key walk), whatever it guesses about the words.
        Never a prepared statement: psycopg prepares one run 5 times, and its generic
        plan cannot see how rare the words are (a zero-hit query went from 0.4 to 190 ms).
        """
        index_part = _index_part(expression)
        lazy = limit is not None and index_part != expression
        columns = "f.id, f.doc" if lazy else "f.id"

        def part(first: int) -> str:  # one slice; its parameters start at $first
            join = f"JOIN items i ON i.id = f.id AND i.category = ${first + 3}" if category else ""
            return (f"SELECT {columns} FROM {FTS_TABLE} f {join} WHERE f.doc @@ CAST(${first} AS "
                    f"tsquery) AND f.id BETWEEN ${first + 1} AND ${first + 2}")

        extra = [category] if category else []
        with self._planned_for_gin() as connection:
            if limit is None:
                return [row[0] for row in connection.execute(
                    part(1) + " ORDER BY f.id + 0 DESC", [expression, *bounds, *extra],
                    prepare=False).fetchall()]
            newest = _one(connection.execute(
                f"SELECT max(id) FROM {FTS_TABLE} WHERE id BETWEEN $1 AND $2", bounds))[0]
            if newest is None:
                return []
            # Up to `newest` only: a digest of a new month committed after that read is in no
            # named month, so it would come last (statements in READ COMMITTED see different
            # snapshots).
            # A phrase: each slice lists the items that have all the words (the index answers
            # that alone), and the full expression is checked on them newest first,
            # only until the limit is reached (OFFSET 0 keeps that check out of the slices, where
            # it would run on every candidate before the sort).
            end = "OFFSET 0" if lazy else f"LIMIT {int(limit)}"
            parts: list[str] = []
            params: list[object] = []
            for months, below in _month_slices(newest, bounds[0]):
                parts.append(f"({part(len(params) + 1)} ORDER BY f.id + 0 DESC {end})")
                if months:  # the month lexemes narrow the GIN scan
                    months_query = " | ".join(_lexeme(month) for month in months)
                    params += [f"({index_part}) & ({months_query})", bounds[0], newest, *extra]
                else:  # the rest: the words' posting lists alone, the older ids kept from them
                    params += [index_part, bounds[0], below - 1, *extra]
            check = ""
            if lazy:
                check = f"WHERE newest.doc @@ CAST(${len(params) + 1} AS tsquery) "
                params.append(expression)
            # No outer ORDER BY: Append returns its children in order (no parallel workers),
            # newest slice first, and stops reading them at the LIMIT. (An ORDER BY would start
            # them all.)
            return [row[0] for row in connection.execute(
                "SELECT id FROM (" + " UNION ALL ".join(parts) + f") newest {check}"
                f"LIMIT {int(limit)}", params, prepare=False).fetchall()]

    def match_ids_each(self, expressions: Sequence[str],
                       bounds: tuple[int, int]) -> list[list[int]]:
        """Return each expression's matching ids within `bounds`, newest first: one statement
        (the week board asks for its 20 alias groups at once; one by one, each cost a
        transaction of four round trips)."""
        if not expressions:
            return []
        parts = [f"SELECT {number} AS k, f.id FROM {FTS_TABLE} f WHERE f.doc @@ "
                 f"CAST(${3 * number + 1} AS tsquery) AND f.id BETWEEN ${3 * number + 2} "
                 f"AND ${3 * number + 3}" for number in range(len(expressions))]
        params = [value for expression in expressions for value in (expression, *bounds)]
        found: list[list[int]] = [[] for _ in expressions]
        with self._planned_for_gin() as connection:
            for number, identifier in connection.execute(
                    " UNION ALL ".join(parts) + " ORDER BY 1, 2 DESC", params,
                    prepare=False).fetchall():
                found[number].append(identifier)
        return found

    def after_ingest(self, bulk: bool) -> None:
        """Merge the GIN index's pending list; after a bulk ingest, refresh the planner's statistics.

        GIN keeps new entries in an unsorted pending list (fast inserts) that every
        search reads in full until VACUUM merges it: after 100k items were indexed
        or rewritten it cost each search about 10 ms.
        """
        try:
            # A savepoint inside a caller's transaction (migrate), so a refusal does not end it.
            with self._connection() as connection, connection.transaction():
                connection.execute(
                    f"SELECT gin_clean_pending_list(CAST('{FTS_TABLE}_doc' AS regclass))")
                if bulk:
                    connection.execute(f"ANALYZE items, {FTS_TABLE}, item_titles, latin_tokens, terms, "
                                       "item_terms, term_first_seen")
        except psycopg.errors.InsufficientPrivilege as exc:  # the role does not own the tables
            log.warning("cannot merge the full-text index's pending list (%s); VACUUM does it", exc)


# --- full-text helpers ----------------------------------------------------------------



def _one(cursor: psycopg.Cursor[tuple[Any, ...]]) -> tuple[Any, ...]:
    """Return the row of an aggregate query without GROUP BY (it always has exactly one)."""
    row = cursor.fetchone()
    if row is None:
        raise psycopg.ProgrammingError("an aggregate query returned no row")
    return row


def _index_part(expression: str) -> str:
    """Return what the GIN index can answer alone of a tsquery built here: phrases read as "all
    of these tokens", exclusions of a phrase left out (a superset of the expression's matches).

    The index has no positions: a phrase (`<->`) makes PostgreSQL read each candidate's tsvector
    (about 2.4 KB, stored out of line) to check it, where plain words and their exclusions
    (`!'文心'`) are answered from the posting lists. Every `!` in an expression is one that
    `excluding` wrote, as ` & !(excluded words)`, never inside another `!`; the expression may be
    nested in others (ORed by /what's alias groups). An excluded group holding a phrase is dropped
    (relaxing it would exclude too much); a group of plain words is kept as it is; elsewhere
    `<->`, which appears only between the lexemes of a phrase, becomes `&`. Quoted lexemes are
    skipped when matching parentheses.
    """
    marker = " & !("
    if marker not in expression:
        return expression.replace(" <-> ", " & ")
    kept, at = [], 0
    while (found := _unquoted_find(expression, marker, at)) >= 0:
        kept.append(expression[at:found].replace(" <-> ", " & "))
        depth, quoted, cursor = 1, False, found + len(marker)
        while depth:
            char = expression[cursor]
            if char == "'":
                quoted = not quoted  # a doubled '' inside a lexeme toggles twice
            elif not quoted:
                depth += {"(": 1, ")": -1}.get(char, 0)
            cursor += 1
        group = expression[found:cursor]
        if " <-> " not in group:
            kept.append(group)
        at = cursor
    kept.append(expression[at:].replace(" <-> ", " & "))
    return "".join(kept)


def _unquoted_find(text: str, needle: str, start: int) -> int:
    """Return the index of the first `needle` at or after `start` outside a quoted lexeme, or -1."""
    quoted = False
    for index in range(start, len(text)):
        if text[index] == "'":
            quoted = not quoted
        elif not quoted and text.startswith(needle, index):
            return index
    return -1


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def month_lexeme(item_id: int) -> str:
    """Return the lexeme of the month of an item's digest (`#m202602`)."""
    day = dt.date.fromordinal(item_id // 1000)
    return _month(day.year, day.month)


def _month(year: int, month: int) -> str:
    return f"#m{year:04d}{month:02d}"  # as to_char(..., 'YYYYMM') in the migrations


def tsvector_literal(title: str, body: str) -> str:
    """Return the tsvector of an item's title and body tokens, with positions.

    (The database adds the month lexeme: the trigger of migration 4.)
    """
    positions: dict[str, list[int]] = {}
    title_tokens = title.split()
    # The body starts one position after a gap, so no phrase spans title and body (as on FTS5,
    # where they are two columns).
    for start, tokens in ((1, title_tokens), (len(title_tokens) + 2, body.split())):
        for position, token in enumerate(tokens, start=start):
            positions.setdefault(token, []).append(min(position, MAX_POSITION))
    return " ".join(f"{_lexeme(token)}:{','.join(map(str, dict.fromkeys(spots)))}"
                    for token, spots in positions.items())


def tsquery_phrase(words: Phrase, last_tokens: Sequence[str] | None) -> str:
    """Return one query word as a tsquery: a `<->` phrase; a prefix as exact tokens ORed, or `:*`."""
    head = [_lexeme(token) for token in words.tokens[:-1]]
    last = words.tokens[-1]
    if not words.prefix:
        return " <-> ".join([*head, _lexeme(last)])
    if last_tokens is None:
        return " <-> ".join([*head, _lexeme(last) + ":*"])
    if not last_tokens:  # nothing starts with it: the exact phrase (finds nothing)
        return " <-> ".join([*head, _lexeme(last)])
    if len(last_tokens) == 1:
        return " <-> ".join([*head, _lexeme(last_tokens[0])])
    # The head once, then the alternatives: `'step' <-> '3' <-> ('v' | 'vegaecho' | ...)`, the
    # same items as an OR of whole phrases, but a tree the index checks 10x faster (61 phrases
    # of 4 tokens: 163 ms at 100k items, this 17 ms).
    alternatives = "(" + " | ".join(_lexeme(token) for token in last_tokens) + ")"
    return " <-> ".join([*head, alternatives])


def _month_slices(newest: int, lowest: int) -> list[tuple[list[str], int]]:
    """Return the slices of a newest-first search: (month lexemes, 0) each, then ([], first id of
    the oldest of those months) for the rest: everything older.

    Months before `lowest` (the id range's start) are left out, and so is the
    rest if it would hold none of the range.
    """
    lowest_month = month_lexeme(max(lowest, 1000))
    newest_day = dt.date.fromordinal(newest // 1000)
    year, month = newest_day.year, newest_day.month
    months: list[str] = []
    slices: list[tuple[list[str], int]] = []
    for end in SLICE_MONTHS:
        chunk: list[str] = []
        while len(months) + len(chunk) < end:
            lexeme = _month(year, month)
            if lexeme < lowest_month:
                break
            chunk.append(lexeme)
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months += chunk
        if chunk:
            slices.append((chunk, 0))
        if len(months) < end:  # the range starts within this slice
            return slices
    if _month(year, month) >= lowest_month:  # the range reaches further back
        oldest = months[-1]
        slices.append(([], dt.date(int(oldest[2:6]), int(oldest[6:8]), 1).toordinal() * 1000))
    return slices
