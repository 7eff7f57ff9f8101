"""The SQLite backend (the default): its schema, connections, FTS5 full-text index and bulk loading.

One file, opened in WAL mode: each thread that touches the database gets its
own connection, so readers are answered from the last committed state while one
writer indexes. A transaction is `BEGIN IMMEDIATE` (it takes the write lock
at once, so a read-then-write block never fails half-way on a stale snapshot)
on the calling thread's connection; the process's writers take turns on a lock
(another process's writer waits up to BUSY_TIMEOUT_S).

Full text: an FTS5 table with the `ascii` tokenizer over our own tokens
(storage/text.py), rowid = item id, so `ORDER BY rowid DESC` is newest first.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from storage.backend import ALL_IDS, Cursor, Database, Parameters
from storage.model import check_schema_version
from storage.text import Phrase

BUSY_TIMEOUT_S = 30  # how long a writer waits for another thread's or process's transaction
FTS_TABLE = "items_fts"

# Each entry upgrades the schema by one version; PRAGMA user_version says how far a file is.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE digests (
        date TEXT PRIMARY KEY, title TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '',
        layout TEXT NOT NULL, path TEXT NOT NULL, content_hash TEXT NOT NULL,
        item_count INTEGER NOT NULL, indexed_at TEXT NOT NULL
    );
    CREATE TABLE items (
        id INTEGER PRIMARY KEY, date TEXT NOT NULL, position INTEGER NOT NULL,
        category TEXT NOT NULL, title TEXT NOT NULL, summary TEXT NOT NULL,
        background TEXT NOT NULL, analysis TEXT NOT NULL, points TEXT NOT NULL,
        source_name TEXT NOT NULL, source_url TEXT NOT NULL
    );
    CREATE INDEX items_category ON items (category, id);
    CREATE VIRTUAL TABLE items_fts USING fts5 (title, body, tokenize = 'unicode61');
    CREATE TABLE files (
        path TEXT PRIMARY KEY, content_hash TEXT NOT NULL, size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL, date TEXT, status TEXT NOT NULL, reason TEXT
    );
    CREATE TABLE terms (term TEXT PRIMARY KEY, display TEXT NOT NULL, items INTEGER NOT NULL);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    """
    CREATE TABLE posts (
        date TEXT NOT NULL, chat_id TEXT NOT NULL, run INTEGER NOT NULL, seq INTEGER NOT NULL,
        message_id INTEGER NOT NULL, sent_at TEXT NOT NULL,
        PRIMARY KEY (date, chat_id, run, seq)
    );
    CREATE TABLE post_runs (
        date TEXT NOT NULL, chat_id TEXT NOT NULL, run INTEGER NOT NULL, messages INTEGER,
        started_at TEXT NOT NULL, completed_at TEXT, PRIMARY KEY (date, chat_id, run)
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE queries (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE, used_at TEXT NOT NULL)
    """,
    # latin_tokens: every Latin index token ever stored, so a query's trailing prefix ("ai", "qwe")
    # becomes an OR of exact tokens that FTS5 streams newest-first, not a merge of whole doclists.
    # item_titles: the title tokens again, in a narrow table, for ranking a window of hits cheaply.
    # items_fts is rebuilt with FTS5's `ascii` tokenizer: the text is already our tokens, so
    # only spaces need splitting; unicode61's per-character classes cost 10-30% of ingest and
    # split a few CJK-range characters (the kana middle dot) that our tokenizer keeps.
    """
    CREATE VIRTUAL TABLE items_fts_ascii USING fts5 (title, body, tokenize = 'ascii');
    INSERT INTO items_fts_ascii (rowid, title, body) SELECT rowid, title, body FROM items_fts;
    DROP TABLE items_fts;
    ALTER TABLE items_fts_ascii RENAME TO items_fts;
    CREATE TABLE latin_tokens (token TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE VIRTUAL TABLE temp.items_vocab USING fts5vocab(main, items_fts, row);
    INSERT INTO latin_tokens SELECT term FROM temp.items_vocab
        WHERE term GLOB '[a-z]*' AND NOT term GLOB '*[^a-z]*';
    DROP TABLE temp.items_vocab;
    CREATE TABLE item_titles (id INTEGER PRIMARY KEY, tokens TEXT NOT NULL);
    INSERT INTO item_titles SELECT id, c0 FROM items_fts_content
    """,
    # Readers: private subscriptions, keyword watches, what was sent to whom, usage counts
    # (the query string and the day only: no user ids or message text).
    """
    CREATE TABLE readers (
        chat_id INTEGER PRIMARY KEY, subscribed INTEGER NOT NULL DEFAULT 0,
        categories TEXT NOT NULL DEFAULT '[]', blocked INTEGER NOT NULL DEFAULT 0,
        language TEXT NOT NULL DEFAULT '', since TEXT NOT NULL, changed_at TEXT NOT NULL
    );
    CREATE TABLE watches (
        chat_id INTEGER NOT NULL, keyword TEXT NOT NULL, created_at TEXT NOT NULL,
        PRIMARY KEY (chat_id, keyword)
    );
    CREATE TABLE watch_sent (
        chat_id INTEGER NOT NULL, item_key TEXT NOT NULL, sent_at TEXT NOT NULL,
        PRIMARY KEY (chat_id, item_key)
    );
    CREATE TABLE watch_scans (
        date TEXT NOT NULL, content_hash TEXT NOT NULL, scanned_at TEXT NOT NULL,
        PRIMARY KEY (date, content_hash)
    );
    INSERT INTO watch_scans SELECT date, content_hash, indexed_at FROM digests;
    CREATE TABLE usage (
        day TEXT NOT NULL, command TEXT NOT NULL, query TEXT NOT NULL, uses INTEGER NOT NULL,
        PRIMARY KEY (day, command, query)
    )
    """,
    # Leases: which bot process is doing a piece of scheduled work (a post, a scan) until when,
    # so several processes sharing the database do it once, and another takes over if it dies.
    """
    CREATE TABLE leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at REAL NOT NULL)
    """,
    # Forum topics the bot created in a forum chat (one per category, one for the weekly board):
    # the primary key is what keeps a topic from being remembered twice.
    """
    CREATE TABLE forum_topics (
        chat_id TEXT NOT NULL, topic TEXT NOT NULL, thread_id INTEGER NOT NULL,
        created_at TEXT NOT NULL, PRIMARY KEY (chat_id, topic)
    )
    """,
    # Delivery targets beside Telegram (robots, e-mail): each run of a day's digest to a target
    # (keyed by its kind and fingerprint, never its URL) and each message the platform confirmed.
    """
    CREATE TABLE target_runs (
        date TEXT NOT NULL, target TEXT NOT NULL, run INTEGER NOT NULL, messages INTEGER NOT NULL,
        started_at TEXT NOT NULL, completed_at TEXT, error TEXT, error_at TEXT,
        PRIMARY KEY (date, target, run)
    );
    CREATE TABLE target_messages (
        date TEXT NOT NULL, target TEXT NOT NULL, run INTEGER NOT NULL, seq INTEGER NOT NULL,
        sent_at TEXT NOT NULL, PRIMARY KEY (date, target, run, seq)
    )
    """,
    # Languages: a user's /lang choice ('' = automatic) and the language_code their Telegram client
    # last sent, so a subscriber's digest and watch alerts go out in the language they read.
    """
    CREATE TABLE languages (
        user_id INTEGER PRIMARY KEY, choice TEXT NOT NULL DEFAULT '',
        client TEXT NOT NULL DEFAULT '', changed_at TEXT NOT NULL
    )
    """,
    # AI answers each reader got on a day, for the daily quota (LLM_DAILY_PER_USER); past days are
    # deleted as new ones are counted.
    """
    CREATE TABLE ai_answers (
        day TEXT NOT NULL, user_id INTEGER NOT NULL, uses INTEGER NOT NULL,
        PRIMARY KEY (day, user_id)
    )
    """,
    # What is hot (storage/terms.py): each item's terms, one compact row per item, and each term's
    # first item. An index that already has items is marked for re-extraction from its items table
    # (the next scan's storage.terms.fill_terms), not re-ingested: the files may be gone, and a
    # re-ingest would hand every digest to the watches again.
    """
    CREATE TABLE item_terms (id INTEGER PRIMARY KEY, terms TEXT NOT NULL);
    CREATE TABLE term_first_seen (term TEXT PRIMARY KEY, first_id INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO meta SELECT 'terms', 'none' WHERE EXISTS (SELECT 1 FROM items)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value
    """,
    # The daily fan-out to subscribers (storage/fanout.py): one row per day and subscriber, the
    # one budget of sends a second every worker shares, and each reader's format ('' = the
    # SUBSCRIBER_FORMAT default, 'brief' or 'full'). Subscribers already served today under the
    # bookkeeping of the channel post (post_runs) are carried over as served.
    """
    ALTER TABLE readers ADD COLUMN format TEXT NOT NULL DEFAULT '';
    CREATE TABLE fanout (
        date TEXT NOT NULL, chat_id INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
        sent INTEGER NOT NULL DEFAULT 0, messages INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0, owner TEXT NOT NULL DEFAULT '',
        until REAL NOT NULL DEFAULT 0, done_at REAL, PRIMARY KEY (date, chat_id)
    );
    CREATE INDEX fanout_pending ON fanout (date, chat_id) WHERE state = 'pending';
    CREATE TABLE broadcast_budget (
        name TEXT PRIMARY KEY, second INTEGER NOT NULL, used INTEGER NOT NULL,
        granted INTEGER NOT NULL, paused_until REAL NOT NULL
    );
    INSERT INTO fanout (date, chat_id, state, sent, messages, done_at)
        SELECT p.date, r.chat_id, 'done', p.messages, p.messages, 0 FROM post_runs p
        JOIN readers r ON CAST(r.chat_id AS TEXT) = p.chat_id
        WHERE p.completed_at IS NOT NULL AND p.messages IS NOT NULL
        ON CONFLICT DO NOTHING
    """,
)


def _named(parameters: Parameters) -> dict[str, object]:
    """Bind `$1`, `$2`, ... (SQLite's named parameters "1", "2", ...) to a sequence's values."""
    return {str(number): value for number, value in enumerate(parameters, start=1)}


class SqliteDatabase(Database):
    """A SQLite index file; safe from any thread (a connection per thread)."""

    name = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.url = str(path)
        if self.url == ":memory:":  # one database shared by this object's connections
            self._target, self._uri = f"file:digestbot-{id(self)}?mode=memory&cache=shared", True
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._target, self._uri = self.url, False
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        # This process's writers take turns on this lock rather than through SQLite's busy
        # timeout, which polls and can miss the moment a long ingest lets go between batches for
        # many batches in a row; a lock wakes a waiter as soon as it is released.
        self._write_turn = threading.Lock()
        self._closed = False
        connection = self._connection()  # the first one migrates (and keeps a :memory: alive)
        if not self._uri:
            connection.execute("PRAGMA journal_mode = WAL")
        self._migrate(connection)

    def _connection(self) -> sqlite3.Connection:
        """Return this thread's connection, opened on first use."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            if self._closed:
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            # isolation_level=None: no implicit BEGIN; transactions are ours (transaction()).
            connection = sqlite3.connect(self._target, uri=self._uri, timeout=BUSY_TIMEOUT_S,
                                         isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA synchronous = NORMAL")
            self._local.connection = connection
            with self._opened_lock:
                self._opened.append(connection)
        return connection

    def _migrate(self, connection: sqlite3.Connection) -> None:
        """Apply the migrations this file has not seen (PRAGMA user_version says how far it is)."""
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        check_schema_version(version, len(MIGRATIONS), "the SQLite database")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                for statement in filter(str.strip, script.split(";\n")):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {number}")

    def execute(self, sql: str, parameters: Parameters = ()) -> Cursor:
        """Run one statement (`$1`-style parameters); return its cursor."""
        if parameters:
            return self._connection().execute(sql, _named(parameters))
        return self._connection().execute(sql)

    def write(self, sql: str, parameters: Parameters = ()) -> Cursor:
        """Run one statement that changes data, in this process's turn of writers."""
        if self._connection().in_transaction:  # this thread's transaction already has the turn
            return self.execute(sql, parameters)
        with self._write_turn:
            return self.execute(sql, parameters)

    def executemany(self, sql: str, rows: Iterable[Parameters]) -> None:
        """Run one statement for each row, all in one transaction."""
        with self.transaction():
            self._connection().executemany(sql, (_named(row) for row in rows))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction on this thread's connection (joining an open one).

        Not a savepoint inside an open one: releasing a savepoint makes FTS5
        flush its pending terms into a new segment (30% of ingest time).
        """
        connection = self._connection()
        if connection.in_transaction:
            yield
            return
        with self._write_turn:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    @property
    def in_transaction(self) -> bool:
        """True inside a transaction of this thread."""
        return self._connection().in_transaction

    def insert_rows(self, table: str, rows: Sequence[Parameters],
                    columns: Sequence[str] | None = None) -> None:
        """Append rows to `table` with one prepared statement (SQLite's own `?` here)."""
        if rows:
            names = f" ({', '.join(columns)})" if columns else ""
            with self.transaction():
                self._connection().executemany(
                    f"INSERT INTO {table}{names} VALUES ({', '.join('?' * len(rows[0]))})", rows)

    def upsert_rows(self, table: str, rows: Sequence[Parameters], conflict: str) -> None:
        """Insert rows, each resolving a conflict as `conflict` says, with one prepared statement."""
        if rows:
            with self.transaction():
                self._connection().executemany(
                    f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))}) "
                    f"ON CONFLICT {conflict}", rows)

    def tables(self) -> dict[str, list[str]]:
        """Return each table and its columns (FTS5's table and its shadow tables left out)."""
        import sqlite_utils  # only here: it imports numpy when installed (slow to start)

        schema = sqlite_utils.Database(self._connection())
        return {name: [column.name for column in schema[name].columns]
                for name in schema.table_names()
                if name != FTS_TABLE and not name.startswith((FTS_TABLE + "_", "sqlite_"))}

    def close(self) -> None:
        """Close every thread's connection."""
        with self._opened_lock:
            self._closed = True
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()
        self._local = threading.local()

    # --- full text (FTS5) ----------------------------------------------------------------

    @staticmethod
    def documents(rows: list[tuple[int, str, str]]) -> None:
        """FTS5 takes the tokens as they are: nothing to build."""
        return None

    def add_fts_rows(self, rows: Sequence[tuple[int, str, str]],
                     documents: Sequence[str] | None = None) -> None:
        """Add FTS5 rows (rowid = item id); FTS5 takes the tokens as they are."""
        self.insert_rows(FTS_TABLE, rows, ("rowid", "title", "body"))

    def delete_fts_rows(self, first: int, last: int) -> None:
        """Delete the FTS5 rows with rowids first..last."""
        self.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid BETWEEN $1 AND $2", (first, last))

    def after_ingest(self, bulk: bool) -> None:
        """Nothing to do: FTS5 merges its segments as it goes."""

    def phrase(self, words: Phrase, last_tokens: Sequence[str] | None) -> str:
        """Return one query word as an FTS5 phrase (a prefix: `*`, or its exact tokens ORed)."""
        return words.expression(last_tokens)

    def all_of(self, expressions: Iterable[str]) -> str:
        """FTS5: each phrase or OR-group is self-contained, so AND needs no parentheses."""
        return " AND ".join(expressions)

    def any_of(self, expressions: Iterable[str]) -> str:
        """Return the expressions ORed, each parenthesised."""
        return " OR ".join(f"({e})" for e in expressions)

    def excluding(self, expression: str, excluded: str) -> str:
        """Return FTS5's binary NOT: the left side's rows that the right side does not match."""
        return f"({expression}) NOT ({excluded})"

    def match_ids(self, expression: str, bounds: tuple[int, int] = ALL_IDS,
                  category: str | None = None, limit: int | None = None) -> list[int]:
        """Return matching ids newest first: FTS5 walks its rowids backwards and stops at the limit."""
        where = f"{FTS_TABLE} MATCH ? AND {FTS_TABLE}.rowid BETWEEN ? AND ?"
        params: list[object] = [expression, *bounds]
        join = ""
        if category:
            # CROSS JOIN keeps FTS as the outer loop (else SQLite walks the category index).
            join = f"CROSS JOIN items ON items.id = {FTS_TABLE}.rowid"
            where += " AND items.category = ?"
            params.append(category)
        tail = f" LIMIT {int(limit)}" if limit is not None else ""
        return [row[0] for row in self._connection().execute(
            f"SELECT {FTS_TABLE}.rowid FROM {FTS_TABLE} {join} WHERE {where} "
            f"ORDER BY {FTS_TABLE}.rowid DESC{tail}", params).fetchall()]
