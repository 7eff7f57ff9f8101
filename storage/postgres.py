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
contains a 2+ character CJK query as a substring is found, as on SQLite. A GIN
index serves rare words; for common ones PostgreSQL walks the primary key
newest-first and stops at the LIMIT.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator, Sequence

import psycopg
from psycopg_pool import ConnectionPool

from storage.text import Phrase

MAX_POSITION = 16383  # PostgreSQL's largest tsvector position; later tokens share it
POOL_SIZE = 4  # connections per process (the bot is one asyncio thread; the CLI and tests more)

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
)


def _sql(sql: str) -> str:
    """Return portable storage SQL with psycopg's placeholders (`?` -> `%s`, a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


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

    def __init__(self, url: str, schema: str | None = None) -> None:
        kwargs: dict = {"autocommit": True}
        if schema:
            kwargs["options"] = f"-c search_path={schema}"
        self._pool = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, kwargs=kwargs,
                                    check=ConnectionPool.check_connection, open=True,
                                    name="digestbot")
        self._held: psycopg.Connection | None = None  # the open transaction's connection
        self._lease: contextlib.AbstractContextManager | None = None
        self.conn = self
        self.url = url

    def execute(self, sql: str, parameters: Sequence | None = None) -> psycopg.Cursor | None:
        """Run one statement; return its cursor (fetchone, fetchall, rowcount, iteration)."""
        statement = sql.strip().upper()
        if statement == "BEGIN":
            self._begin()
            return None
        if statement in ("COMMIT", "ROLLBACK"):
            self._end(statement)
            return None
        if self._held is not None:
            return self._held.execute(_sql(sql), parameters)
        with self._pool.connection() as conn:
            return conn.execute(_sql(sql), parameters)  # the rows stay readable in the cursor

    def executemany(self, sql: str, rows: Sequence[Sequence]) -> None:
        """Run one statement for each row."""
        if not rows:
            return
        if self._held is not None:
            with self._held.cursor() as cursor:
                cursor.executemany(_sql(sql), rows)
            return
        with self._pool.connection() as conn, conn.cursor() as cursor:
            cursor.executemany(_sql(sql), rows)

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

    def close(self) -> None:
        """Close the pool (and any transaction's connection)."""
        self._end("ROLLBACK")
        self._pool.close()


def open_db(url: str, schema: str | None = None) -> PgDatabase:
    """Return the database at `url` (in `schema`, if given), migrated to the current schema."""
    db = PgDatabase(url, schema)
    migrate(db)
    return db


def migrate(db: PgDatabase) -> int:
    """Apply the migrations this database has not seen, under a lock (several workers may start)."""
    with db.atomic():
        db.execute("SELECT pg_advisory_xact_lock(4242001)")
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = db.execute("SELECT max(version) FROM schema_version").fetchone()
        version = row[0] or 0
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in filter(str.strip, script.split(";\n")):
                db.execute(statement)
            db.execute("INSERT INTO schema_version VALUES (?)", (number,))
    return len(MIGRATIONS)


# --- full text -----------------------------------------------------------------------------


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(title: str, body: str) -> str:
    """Return the tsvector of an item's title and body tokens (space-separated), with positions."""
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
    """Return the ids of items matching the tsquery `expression`, newest first."""
    join = "JOIN items i ON i.id = f.id AND i.category = ?" if category else ""
    params: list = [category] if category else []
    params.append(expression)
    where = "f.doc @@ CAST(? AS tsquery)"
    if bounds != (0, 2**62):  # an open range only misleads the planner's row estimates
        where += " AND f.id BETWEEN ? AND ?"
        params += bounds
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    return [row[0] for row in db.execute(
        f"SELECT f.id FROM items_fts f {join} WHERE {where} ORDER BY f.id DESC{tail}",
        params).fetchall()]


def analyze(db: PgDatabase) -> None:
    """Refresh the planner's statistics (after a bulk ingest: it picks GIN or the id order by them)."""
    db.execute("ANALYZE")


def replace_fts_rows(db: PgDatabase, first: int, last: int, rows: list[tuple[int, str, str]],
                     had_rows: bool) -> None:
    """Replace the index rows with ids first..last by `rows` of (id, title tokens, body tokens)."""
    if had_rows:
        db.execute("DELETE FROM items_fts WHERE id BETWEEN ? AND ?", (first, last))
    db.executemany("INSERT INTO items_fts VALUES (?, CAST(? AS tsvector))",
                   [(identifier, tsvector_literal(title, body)) for identifier, title, body in rows])
