"""The PostgreSQL backend: a connection with the small interface storage/ uses, its schema, and its
full-text index.

Chosen by `open_db("postgresql://...")` (DATABASE_URL). The storage modules
write portable SQL with `?` placeholders (turned into psycopg's `%s` here);
what differs per backend is here and in storage/fts.py: the schema, the
full-text index and its queries.

Full text: the same tokens as on SQLite (storage/text.py: CJK bigrams, Latin
words, numbers) are stored as a `tsvector` with their positions, written as a
tsvector literal so PostgreSQL's text parser (which depends on the locale) never
sees the text; a query word is a `tsquery` phrase of its tokens (`<->`), a
trailing Latin prefix an OR of exact tokens (or `:*`). So every item that
contains a 2+ character CJK query as a substring is found, as on SQLite.

Newest first, fast, for any word: each item's tsvector also holds the month of
its digest as a lexeme (`#m202602`; the tokenizer never makes a `#`). A search
for the newest N hits asks the GIN index for the newest month first, then the
3 before it, then 12, then 48, then the rest, as one UNION ALL under a LIMIT:
PostgreSQL stops as soon as N rows are found, so a common word reads about one
month of candidates and a rare or absent word a few empty posting lists. (A
plain `ORDER BY id DESC LIMIT N` lets the planner walk the primary key, which
for a rare word reads every row: a zero-hit query took 1.1 s at 100k items.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import psycopg
from psycopg_pool import ConnectionPool

from storage.model import check_schema_version
from storage.text import Phrase

log = logging.getLogger(__name__)
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position; later tokens share it
POOL_SIZE = 4  # connections per process (the bot is one asyncio thread; the CLI and tests more)
BULK_ROWS = 2000  # rows per insert from arrays (a 100k-item migrate sends 50 statements, not one)
# Month slices of a newest-first search, in months back from the newest wanted item; the rest last.
SLICE_MONTHS = (1, 4, 16, 64)

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
)


def _sql(sql: str) -> str:
    """Return portable storage SQL with psycopg's placeholders (`?` -> `%s`, a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


_INSERT_VALUES = re.compile(r"\s*INSERT INTO (\w+) VALUES \((.*?)\)(\s+ON CONFLICT .*)?\s*",
                            re.DOTALL | re.IGNORECASE)
_CAST_VALUE = re.compile(r"CAST\(\?\s+AS\s+(\w+)\)", re.IGNORECASE)
_DO_UPDATE = re.compile(r"ON CONFLICT\s*\(([\w\s,]+)\)\s*DO UPDATE", re.IGNORECASE)


@dataclass(frozen=True)
class _BulkInsert:
    """An `INSERT ... VALUES` rewritten to insert from arrays, and what its rows must satisfy."""

    sql: str
    keys: tuple[int, ...]  # the ON CONFLICT ... DO UPDATE key columns (distinct within a statement)

    def accepts(self, rows: Sequence[Sequence]) -> bool:
        """Return True if `rows` can go as one statement: one Python type per column, and
        distinct DO UPDATE keys (PostgreSQL refuses to update a row twice in one statement)."""
        for column in zip(*rows, strict=True):
            if len({type(value) for value in column if value is not None}) > 1:
                return False
        if self.keys:
            keys = [tuple(row[n] for n in self.keys) for row in rows]
            return len(set(keys)) == len(keys)
        return True


def _unnest_insert(sql: str, width: int,
                   columns: Callable[[str], list[tuple[str, str]]]) -> _BulkInsert | None:
    """Return `INSERT INTO t VALUES (...) [ON CONFLICT ...]` as an insert from arrays, or None.

    Each value must be a bare `?` (the array has the column's type) or
    `CAST(? AS x)` (the array is x[]), and the table must have exactly `width`
    columns, none of them an array; anything else returns None.
    `columns(table)` gives the table's (name, type) pairs in order.
    """
    match = _INSERT_VALUES.fullmatch(sql)
    if not match:
        return None
    values = [value.strip() for value in match.group(2).split(",")]
    table = columns(match.group(1))
    if len(values) != width or len(table) != width or any(t.endswith("]") for _, t in table):
        return None
    names = [f"c{n}" for n in range(width)]
    select, arrays = [], []
    for value, name, (_, column_type) in zip(values, names, table, strict=True):
        cast = _CAST_VALUE.fullmatch(value)
        if value == "?":
            select.append(f"u.{name}")
            arrays.append(f"CAST(? AS {column_type}[])")
        elif cast:
            select.append(f"u.{name}")
            arrays.append(f"CAST(? AS {cast.group(1)}[])")
        else:
            return None
    tail = match.group(3) or ""
    keys: tuple[int, ...] = ()
    update = _DO_UPDATE.search(tail)
    if update:
        positions = {column: n for n, (column, _) in enumerate(table)}
        wanted = [key.strip() for key in update.group(1).split(",")]
        if any(key not in positions for key in wanted):
            return None
        keys = tuple(positions[key] for key in wanted)
    elif re.search(r"DO\s+UPDATE", tail, re.IGNORECASE):  # ON CONFLICT ON CONSTRAINT ...
        return None
    return _BulkInsert(f"INSERT INTO {match.group(1)} SELECT {', '.join(select)} FROM "
                       f"unnest({', '.join(arrays)}) AS u({', '.join(names)}){tail}", keys)


class PgDatabase:
    """A PostgreSQL connection pool with the interface the storage modules use on SQLite.

    `execute`, `atomic()` (a transaction, or a savepoint inside one) and `conn`
    (`executemany`, `in_transaction`, `commit`, `rollback`, `execute("BEGIN")`).
    A statement outside a transaction borrows a pooled connection in autocommit
    mode and is committed at once, as sqlite-utils does; a transaction keeps one
    connection from BEGIN to COMMIT or ROLLBACK. The pool checks a connection
    before lending it, so a database restart costs one failed request, not the
    process.
    """

    backend = "postgres"

    def __init__(self, url: str) -> None:
        self._pool = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, kwargs={"autocommit": True},
                                    check=ConnectionPool.check_connection, open=True,
                                    name="digestbot")
        self._held: psycopg.Connection | None = None  # the open transaction's connection
        self._lease: contextlib.AbstractContextManager | None = None
        self.conn = self
        self.url = url
        self._types: dict[str, list[tuple[str, str]]] = {}

    def execute(self, sql: str, parameters: Sequence | None = None) -> psycopg.Cursor | None:
        """Run one statement; return its cursor (fetchone, fetchall, rowcount, iteration)."""
        statement = sql.strip().upper()
        if statement == "BEGIN":
            self._begin()
            return None
        if statement in ("COMMIT", "ROLLBACK"):
            self._end(statement)
            return None
        if parameters is not None:  # without parameters psycopg sends the text as it is
            sql = _sql(sql)
        if self._held is not None:
            return self._held.execute(sql, parameters)
        with self._pool.connection() as conn:
            return conn.execute(sql, parameters)  # the rows stay readable in the cursor

    def executemany(self, sql: str, rows: Sequence[Sequence]) -> None:
        """Run one statement for each row.

        `INSERT INTO t VALUES (?, CAST(? AS x), ...) [ON CONFLICT ...]` is sent as
        one statement per BULK_ROWS rows that inserts from arrays (`unnest`), not
        one per row: a third of the time of a big ingest. Rows that one statement
        could not take (see _BulkInsert.accepts) go one by one, as does any other
        statement. Either way all rows are written or none.
        """
        if not rows:
            return
        bulk = _unnest_insert(sql, len(rows[0]), self._columns)
        if bulk is not None and bulk.accepts(rows):
            with contextlib.ExitStack() as stack:
                if self._held is None and len(rows) > BULK_ROWS:
                    stack.enter_context(self.atomic())
                for start in range(0, len(rows), BULK_ROWS):
                    chunk = rows[start:start + BULK_ROWS]
                    self.execute(bulk.sql, [list(column) for column in zip(*chunk, strict=True)])
            return
        if self._held is not None:
            with self._held.cursor() as cursor:
                cursor.executemany(_sql(sql), rows)
            return
        with self._pool.connection() as conn, conn.cursor() as cursor:
            cursor.executemany(_sql(sql), rows)

    def _columns(self, table: str) -> list[tuple[str, str]]:
        """Return the (name, type) of `table`'s columns, in order (cached: migrations run first).

        The type without its modifier (`character varying`, not `(20)`): a cast to it
        does not truncate, so assigning to the column still refuses a value too long.
        """
        if table not in self._types:
            self._types[table] = [(row[0], row[1]) for row in self.execute(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = "
                "CAST(? AS regclass) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                (table,)).fetchall()]
        return self._types[table]

    def _begin(self) -> None:
        self._lease = self._pool.connection()
        self._held = self._lease.__enter__()
        self._held.execute("BEGIN")

    def _end(self, statement: str) -> None:
        if self._held is None:
            return
        lease, held = self._lease, self._held
        self._held = self._lease = None
        try:
            held.execute(statement)
        finally:
            lease.__exit__(None, None, None)

    @property
    def in_transaction(self) -> bool:
        """True between BEGIN and COMMIT/ROLLBACK."""
        return self._held is not None

    def commit(self) -> None:
        """Commit the open transaction, if any."""
        self._end("COMMIT")

    def rollback(self) -> None:
        """Roll back the open transaction, if any."""
        self._end("ROLLBACK")

    @contextlib.contextmanager
    def atomic(self) -> Iterator[PgDatabase]:
        """Run the block in a transaction (a savepoint if one is already open)."""
        if self._held is not None:
            name = f"sp_{secrets.token_hex(8)}"
            self._held.execute(f"SAVEPOINT {name}")
            try:
                yield self
            except BaseException:
                if self._held is not None:
                    self._held.execute(f"ROLLBACK TO SAVEPOINT {name}")
                raise
            self._held.execute(f"RELEASE SAVEPOINT {name}")
            return
        self._begin()
        try:
            yield self
        except BaseException:
            self._end("ROLLBACK")
            raise
        self._end("COMMIT")

    @contextlib.contextmanager
    def planned_for_gin(self) -> Iterator[psycopg.Connection]:
        """Yield a connection in a transaction whose planner uses indexes, not sequential scans.

        For full-text queries (match_ids). Inside an open transaction the
        settings are put back afterwards (after an error the transaction is
        rolled back, and SET LOCAL with it); otherwise SET LOCAL ends with the block.
        """
        settings = ("SET LOCAL enable_seqscan = {0}; "
                    "SET LOCAL max_parallel_workers_per_gather = {1}")
        if self._held is not None:
            self._held.execute(settings.format("off", "0"))
            yield self._held
            self._held.execute(settings.format("DEFAULT", "DEFAULT"))
            return
        with self._pool.connection() as conn, conn.transaction():
            conn.execute(settings.format("off", "0"))
            yield conn

    def close(self) -> None:
        """Close the pool (and any transaction's connection)."""
        self._end("ROLLBACK")
        self._pool.close()


def open_db(url: str) -> PgDatabase:
    """Return the database at `url`, migrated to the current schema."""
    db = PgDatabase(url)
    migrate(db)
    return db


def migrate(db: PgDatabase) -> int:
    """Apply the migrations this database has not seen, under a lock (several workers may start)."""
    with db.atomic():
        db.execute("SELECT pg_advisory_xact_lock(4242001)")
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = db.execute("SELECT max(version) FROM schema_version").fetchone()
        version = row[0] or 0
        check_schema_version(version, len(MIGRATIONS), "the PostgreSQL database")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in filter(str.strip, script.split(";\n")):
                db.execute(statement)
            db.execute("INSERT INTO schema_version VALUES (?)", (number,))
    return len(MIGRATIONS)


# --- full text -----------------------------------------------------------------------------


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
    alternatives = [" <-> ".join([*head, _lexeme(token)]) for token in last_tokens]
    return alternatives[0] if len(alternatives) == 1 else \
        "(" + " | ".join(f"({a})" for a in alternatives) + ")"


def match_ids(db: PgDatabase, expression: str, bounds: tuple[int, int], category: str | None,
              limit: int | None) -> list[int]:
    """Return the ids of items matching the tsquery `expression`, newest first.

    With a limit, the month slices (module docstring) run newest first in one
    statement that stops at the limit. The planner may use only the GIN index
    (no sequential scan, no primary-key walk), whatever it guesses about the words.
    Never a prepared statement: psycopg prepares one run 5 times, and its generic
    plan cannot see how rare the words are (a zero-hit query went from 0.4 to 190 ms).
    """
    join = "JOIN items i ON i.id = f.id AND i.category = %s" if category else ""
    where = "f.id BETWEEN %s AND %s"
    with db.planned_for_gin() as conn:
        if limit is None:
            return [row[0] for row in conn.execute(
                f"SELECT f.id FROM items_fts f {join} WHERE f.doc @@ CAST(%s AS tsquery) "
                f"AND {where} ORDER BY f.id + 0 DESC",
                [*([category] if category else []), expression, *bounds], prepare=False).fetchall()]
        newest = conn.execute("SELECT max(id) FROM items_fts WHERE id BETWEEN %s AND %s",
                              bounds).fetchone()[0]
        if newest is None:
            return []
        # Up to `newest` only: a digest of a new month committed after that read is in no named
        # month, so it would come last (statements in READ COMMITTED see different snapshots).
        window = (bounds[0], newest)
        parts, params = [], []
        for months, inside in _month_slices(newest, bounds[0]):
            parts.append(f"(SELECT f.id FROM items_fts f {join} WHERE f.doc @@ CAST(%s AS tsquery) "
                         f"AND {where} ORDER BY f.id + 0 DESC LIMIT {int(limit)})")
            months_query = " | ".join(_lexeme(month) for month in months)
            params += [*([category] if category else []),
                       f"({expression}) & {'' if inside else '!'}({months_query})", *window]
        # No outer ORDER BY: Append returns its children in order (no parallel workers), newest
        # slice first, and stops reading them at the LIMIT. (An ORDER BY would start them all.)
        return [row[0] for row in conn.execute(
            "SELECT id FROM (" + " UNION ALL ".join(parts) + f") newest LIMIT {int(limit)}",
            params, prepare=False).fetchall()]


def _month_slices(newest: int, lowest: int) -> list[tuple[list[str], bool]]:
    """Return the slices of a newest-first search: (month lexemes, True) each, then the rest.

    The rest is (all those months, False): everything older. Months before
    `lowest` (the id range's start) are left out, and so is the rest if it
    would hold none of the range.
    """
    lowest_month = month_lexeme(max(lowest, 1000))
    newest_day = dt.date.fromordinal(newest // 1000)
    year, month = newest_day.year, newest_day.month
    months: list[str] = []
    slices: list[tuple[list[str], bool]] = []
    for end in SLICE_MONTHS:
        chunk = []
        while len(months) + len(chunk) < end:
            lexeme = _month(year, month)
            if lexeme < lowest_month:
                break
            chunk.append(lexeme)
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months += chunk
        if chunk:
            slices.append((chunk, True))
        if len(months) < end:  # the range starts within this slice
            return slices
    if _month(year, month) >= lowest_month:  # the range reaches further back
        slices.append((months, False))
    return slices


def after_ingest(db: PgDatabase, bulk: bool) -> None:
    """Merge the GIN index's pending list; after a bulk ingest, refresh the planner's statistics.

    GIN keeps new entries in an unsorted pending list (fast inserts) that every
    search reads in full until VACUUM merges it: after 100k items were indexed
    or rewritten it cost each search about 10 ms.
    """
    try:
        with db.atomic():  # a savepoint inside a caller's transaction (migrate)
            db.execute("SELECT gin_clean_pending_list(CAST('items_fts_doc' AS regclass))")
            if bulk:
                db.execute("ANALYZE items, items_fts, item_titles, latin_tokens, terms")
    except psycopg.errors.InsufficientPrivilege as exc:  # the role does not own the tables
        log.warning("cannot merge the full-text index's pending list (%s); VACUUM does it", exc)


def replace_fts_rows(db: PgDatabase, first: int, last: int, rows: list[tuple[int, str, str]],
                     had_rows: bool, docs: list[str] | None = None) -> None:
    """Replace the index rows with ids first..last by `rows` of (id, title tokens, body tokens).

    `docs`: the rows' tsvector literals, if already built (fts.documents).
    """
    if had_rows:
        db.execute("DELETE FROM items_fts WHERE id BETWEEN ? AND ?", (first, last))
    if docs is None:
        docs = [tsvector_literal(title, body) for _, title, body in rows]
    db.executemany("INSERT INTO items_fts VALUES (?, CAST(? AS tsvector))",
                   [(row[0], doc) for row, doc in zip(rows, docs, strict=True)])
