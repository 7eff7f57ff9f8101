"""The SQLite index: schema and migrations, ingest (one transaction per digest), the FTS table.

Item ids encode the date: `id = date.toordinal() * 1000 + position`, so
`ORDER BY rowid DESC` on the FTS table is newest-first without a join and a
date range is a rowid range. Re-ingesting a day reuses its ids.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import multiprocessing
import os
import sqlite3
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from storage import fts
from storage.model import Digest, DigestError, Item, check_schema_version
from storage.parse import parse_bytes
from storage.text import index_tokens, latin_words

MAX_ITEMS_PER_DIGEST = 999
BATCH_SECONDS = 1.0  # ingest commits at least this often
PARALLEL_MIN_FILES = 200  # files to index before worker processes are worth starting
PARALLEL_CHUNK = 16  # files per task sent to a worker
DIGEST_SUFFIXES = {".md", ".markdown", ".txt"}

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
)


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one file: indexed, unchanged or rejected (with the reason)."""

    path: str
    status: str  # "indexed" | "unchanged" | "rejected"
    date: str | None = None
    items: int = 0
    reason: str | None = None
    replaced: bool = False  # an earlier version of that day was replaced

    def line(self) -> str:
        """Return the one-line report the CLI prints for this file."""
        if self.status == "indexed":
            verb = "replaced" if self.replaced else "indexed"
            return f"{verb}   {self.path}  {self.date}  {self.items} items"
        if self.status == "unchanged":
            return f"unchanged {self.path}  {self.date or ''}".rstrip()
        return f"rejected  {self.path}  {self.reason}"


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Return the database at `path` (created if missing), migrated to the current schema.

    A `postgresql://` URL opens PostgreSQL instead (storage/postgres.py), with the same API.
    """
    if str(path).startswith(("postgresql://", "postgres://")):
        from storage import postgres

        return postgres.open_db(str(path))
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    db = sqlite_utils.Database(conn)
    if str(path) != ":memory:":
        db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    migrate(db)
    return db


def migrate(db: sqlite_utils.Database) -> int:
    """Apply the migrations this database has not seen; return its schema version."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    check_schema_version(version, len(MIGRATIONS), "the SQLite database")
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.atomic():
            for statement in filter(str.strip, script.split(";\n")):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
    return len(MIGRATIONS)


def item_id(date: str, position: int) -> int:
    """Return the id of the item at `position` in the digest of `date`."""
    return dt.date.fromisoformat(date).toordinal() * 1000 + position


def generation(db: sqlite_utils.Database) -> int:
    """Return a number that changes whenever the index content changes (for caches)."""
    row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """Run the block in a transaction: its own, or the caller's if one is open.

    Not a savepoint: releasing a savepoint makes FTS5 flush its pending terms
    into a new segment, which was 30% of ingest time. Inside a caller's
    transaction an error propagates and the caller rolls back.
    """
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


@dataclass
class DigestRows:
    """What indexing a digest writes, computed without the database (so a worker process can)."""

    items: list[tuple]
    fts: list[tuple[int, str, str]]
    latin: set[str]
    terms: Counter[str]
    display: dict[str, str]
    docs: list[str] | None = None  # the full-text documents for the backend (fts.documents)


def digest_rows(digest: Digest, backend: str = "sqlite") -> DigestRows:
    """Return the rows of `digest`: items, FTS tokens, Latin tokens and fuzzy-vocabulary counts.

    `backend` ("sqlite" or "postgres"): also build what its full-text index stores.
    """
    items, fts_rows, latin = [], [], set()
    for position, item in enumerate(digest.items):
        identifier = item_id(digest.date, position)
        items.append((identifier, digest.date, position, item.category, item.title,
                      item.summary, item.background, item.analysis,
                      json.dumps(list(item.points), ensure_ascii=False),
                      item.source_name, item.source_url))
        title, title_latin = index_tokens(item.title)
        body, body_latin = index_tokens(item.summary, item.background, item.analysis,
                                        *item.points, item.source_name, item.category)
        latin |= title_latin | body_latin
        fts_rows.append((identifier, title, body))
    terms, display = _term_counts(" ".join((i.title, i.summary, i.background, i.analysis,
                                            *i.points)) for i in digest.items)
    return DigestRows(items, fts_rows, latin, terms, display, fts.documents(backend, fts_rows))


def store_digest(db: sqlite_utils.Database, digest: Digest, content_hash: str,
                 rows: DigestRows | None = None) -> bool:
    """Index `digest`, replacing that day's items in one transaction; return True if it replaced some."""
    if len(digest.items) > MAX_ITEMS_PER_DIGEST:
        raise DigestError(digest.path, 0, f"too many items ({len(digest.items)} > "
                          f"{MAX_ITEMS_PER_DIGEST})")
    rows = rows or digest_rows(digest, fts.backend(db))
    first, last = item_id(digest.date, 0), item_id(digest.date, MAX_ITEMS_PER_DIGEST)
    with transaction(db):
        old = db.execute(
            "SELECT title, summary, background, analysis, points FROM items "
            "WHERE id BETWEEN ? AND ?", (first, last)).fetchall()
        if old:
            _apply_terms(db, *_term_counts(" ".join(row[:4]) + row[4] for row in old), sign=-1)
            db.execute("DELETE FROM items WHERE id BETWEEN ? AND ?", (first, last))
            db.execute("DELETE FROM item_titles WHERE id BETWEEN ? AND ?", (first, last))
        db.conn.executemany("INSERT INTO items VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows.items)
        fts.replace_rows(db, first, last, rows.fts, bool(old), rows.docs)
        db.conn.executemany("INSERT INTO item_titles VALUES (?, ?)",
                            [(row[0], row[1]) for row in rows.fts])
        db.conn.executemany("INSERT INTO latin_tokens VALUES (?) ON CONFLICT DO NOTHING",
                            [(t,) for t in rows.latin])
        _apply_terms(db, rows.terms, rows.display, sign=+1)
        db.execute(
            "INSERT INTO digests VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (date) DO UPDATE SET "
            "title = excluded.title, summary = excluded.summary, layout = excluded.layout, "
            "path = excluded.path, content_hash = excluded.content_hash, "
            "item_count = excluded.item_count, indexed_at = excluded.indexed_at",
            (digest.date, digest.title, digest.summary, digest.layout, digest.path,
             content_hash, len(digest.items),
             # Microseconds: watches compare it with their own creation time (storage/readers.py).
             dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")))
        _bump_generation(db)
    return bool(old)


def _term_counts(texts: Iterable[str]) -> tuple[Counter[str], dict[str, str]]:
    """Count in how many items each Latin word (3+ letters) occurs, with its first spelling."""
    counts: Counter[str] = Counter()
    display: dict[str, str] = {}
    for text in texts:
        for word in {w for w in latin_words(text) if len(w) >= 3}:
            counts[word.lower()] += 1
            display.setdefault(word.lower(), word)
    return counts, display


def _apply_terms(db: sqlite_utils.Database, counts: Counter[str], display: dict[str, str],
                 sign: int) -> None:
    """Add (or remove) items' Latin words to the fuzzy-correction vocabulary."""
    if not counts:
        return
    if sign > 0:
        db.conn.executemany(
            "INSERT INTO terms VALUES (?, ?, ?) ON CONFLICT (term) DO UPDATE "
            "SET items = terms.items + excluded.items",
            [(term, display[term], n) for term, n in counts.items()])
    else:
        db.conn.executemany("UPDATE terms SET items = items - ? WHERE term = ?",
                            [(n, term) for term, n in counts.items()])
        db.execute("DELETE FROM terms WHERE items <= 0")


def _bump_generation(db: sqlite_utils.Database) -> None:
    db.execute("INSERT INTO meta VALUES ('generation', '1') ON CONFLICT (key) DO UPDATE "
               "SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)")


@dataclass
class Prepared:
    """One digest read, hashed, parsed and turned into rows: all of ingest that needs no database."""

    name: str
    content_hash: str = ""
    digest: Digest | None = None
    rows: DigestRows | None = None
    error: str | None = None  # why the digest is bad (DigestError does not pickle: it is frozen)
    read_error: str | None = None  # the file could not be read


def prepare_bytes(raw: bytes, name: str, backend: str = "sqlite") -> Prepared:
    """Parse `raw` and compute its rows for `backend`; a bad digest is kept as the error, not raised."""
    prepared = Prepared(name, hashlib.sha256(raw).hexdigest())
    try:
        prepared.digest = parse_bytes(raw, name)
        prepared.rows = digest_rows(prepared.digest, backend)
    except DigestError as exc:
        prepared.error = _reason(exc)
    return prepared


def prepare_file(path: str, backend: str = "sqlite") -> Prepared:
    """Read and prepare one digest file (runs in a worker process for a big ingest)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return Prepared(Path(path).name, read_error=f"cannot read file: {exc.strerror}")
    return prepare_bytes(raw, Path(path).name, backend)


def _prepare_chunk(paths: list[str], backend: str) -> list[Prepared]:
    return [prepare_file(path, backend) for path in paths]


def ingest_bytes(db: sqlite_utils.Database, raw: bytes, name: str) -> IngestOutcome:
    """Parse and index one digest given as bytes (an upload); unchanged content is skipped."""
    return _after_one(db, _store_prepared(db, prepare_bytes(raw, name, fts.backend(db))))


def _after_one(db: sqlite_utils.Database, outcome: IngestOutcome) -> IngestOutcome:
    """Let the backend catch up after one digest was indexed outside a caller's transaction."""
    if outcome.status == "indexed" and not db.conn.in_transaction:
        fts.after_ingest(db, bulk=False)
    return outcome


def _store_prepared(db: sqlite_utils.Database, prepared: Prepared) -> IngestOutcome:
    name = prepared.name
    if prepared.error:
        return IngestOutcome(name, "rejected", reason=prepared.error)
    try:
        digest = prepared.digest
        known = db.execute("SELECT content_hash FROM digests WHERE date = ?",
                           (digest.date,)).fetchone()
        if known and known[0] == prepared.content_hash:
            return IngestOutcome(name, "unchanged", digest.date, len(digest.items))
        replaced = store_digest(db, digest, prepared.content_hash, prepared.rows)
    except DigestError as exc:
        return IngestOutcome(name, "rejected", reason=_reason(exc))
    return IngestOutcome(name, "indexed", digest.date, len(digest.items), replaced=replaced)


def _reason(exc: DigestError) -> str:
    return f"line {exc.line}: {exc.reason}" if exc.line else exc.reason


@dataclass
class _Pending:
    """A file found by a scan: already decided (unchanged), or to be prepared and stored."""

    path: Path
    key: str = ""
    stat: os.stat_result | None = None
    known: tuple | None = None
    outcome: IngestOutcome | None = None


def _check(db: sqlite_utils.Database, path: Path) -> _Pending:
    """Decide from the file's size and mtime alone whether it needs reading."""
    key = str(path.resolve())
    try:
        stat = path.stat()
    except OSError as exc:
        return _Pending(path, outcome=IngestOutcome(
            str(path), "rejected", reason=f"cannot read file: {exc.strerror}"))
    known = db.execute("SELECT content_hash, size, mtime_ns, date, status, reason FROM files "
                       "WHERE path = ?", (key,)).fetchone()
    if known and known[1] == stat.st_size and known[2] == stat.st_mtime_ns:
        return _Pending(path, outcome=_known(str(path), known))
    return _Pending(path, key, stat, known)


def _finish(db: sqlite_utils.Database, pending: _Pending, prepared: Prepared) -> IngestOutcome:
    """Store a prepared file and remember its size, mtime and hash."""
    path = str(pending.path)
    if prepared.read_error:
        return IngestOutcome(path, "rejected", reason=prepared.read_error)
    known = pending.known
    with transaction(db):
        if known and known[0] == prepared.content_hash:
            outcome = _known(path, known)
        else:
            stored = _store_prepared(db, prepared)
            outcome = IngestOutcome(path, stored.status, stored.date, stored.items,
                                    stored.reason, stored.replaced)
        db.execute("INSERT INTO files VALUES (?,?,?,?,?,?,?) ON CONFLICT (path) DO UPDATE SET "
                   "content_hash = excluded.content_hash, size = excluded.size, "
                   "mtime_ns = excluded.mtime_ns, date = excluded.date, status = excluded.status, "
                   "reason = excluded.reason",
                   (pending.key, prepared.content_hash, pending.stat.st_size,
                    pending.stat.st_mtime_ns, outcome.date,
                    "rejected" if outcome.status == "rejected" else "indexed", outcome.reason))
    return outcome


def ingest_file(db: sqlite_utils.Database, path: str | Path) -> IngestOutcome:
    """Index one file unless its size, mtime or content hash say it is unchanged."""
    pending = _check(db, Path(path))
    if pending.outcome:
        return pending.outcome
    return _after_one(db, _finish(db, pending, prepare_file(str(pending.path), fts.backend(db))))


def _known(path: str, row: tuple) -> IngestOutcome:
    if row[4] == "rejected":
        return IngestOutcome(path, "rejected", reason=row[5])
    return IngestOutcome(path, "unchanged", row[3])


def digest_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Yield the digest files named by `paths`: files as given, folders searched recursively."""
    for path in map(Path, paths):
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in DIGEST_SUFFIXES \
                        and not child.name.startswith("."):
                    yield child
        else:
            yield path


def ingest_paths(db: sqlite_utils.Database, paths: Iterable[str | Path],
                 on_outcome: Callable[[IngestOutcome], None] | None = None,
                 workers: int | None = None) -> list[IngestOutcome]:
    """Index every digest file under `paths`; a rejected file never stops the others.

    Files whose size and mtime are unchanged are skipped without reading. When
    PARALLEL_MIN_FILES or more need indexing, reading, parsing and tokenizing
    run in `workers` processes (default: one per core) while this process
    writes to SQLite, in file order. Files are committed in batches of up to
    BATCH_SECONDS of work (a commit per digest was 40% of ingest time). If
    indexing raises (a disk error, not a bad file: those are rejected), the
    unfinished batch is rolled back, files and digests together, so no half
    digest is kept and the next scan redoes it.
    """
    checked = [_check(db, path) for path in digest_files(paths)]
    todo = [str(p.path) for p in checked if p.outcome is None]
    workers = workers if workers is not None else (os.cpu_count() or 1)
    with _preparer(todo, workers, fts.backend(db)) as prepared:
        outcomes: list[IngestOutcome] = []
        pending: list[IngestOutcome] = []
        began = 0.0
        try:
            for entry in checked:
                if not db.conn.in_transaction:
                    db.conn.execute("BEGIN")
                    began = time.monotonic()
                pending.append(entry.outcome or _finish(db, entry, next(prepared)))
                if time.monotonic() - began >= BATCH_SECONDS:
                    db.conn.commit()
                if not db.conn.in_transaction:
                    outcomes += _report(pending, on_outcome)
        except BaseException:
            if db.conn.in_transaction:
                db.conn.rollback()
            raise
        if db.conn.in_transaction:
            db.conn.commit()
    outcomes += _report(pending, on_outcome)
    if any(o.status == "indexed" for o in outcomes):
        fts.after_ingest(db, bulk=len(todo) >= PARALLEL_MIN_FILES)
    return outcomes


@contextmanager
def _preparer(paths: list[str], workers: int, backend: str) -> Iterator[Iterator[Prepared]]:
    """Yield an iterator of prepared files in order: in worker processes for a big batch."""
    if workers < 2 or len(paths) < PARALLEL_MIN_FILES:
        yield (prepare_file(path, backend) for path in paths)
        return
    chunks = [paths[i:i + PARALLEL_CHUNK] for i in range(0, len(paths), PARALLEL_CHUNK)]
    # spawn, not fork: the bot process has threads and an open database.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        def results() -> Iterator[Prepared]:
            queued: deque = deque()
            todo = iter(chunks)
            for chunk in itertools.islice(todo, workers * 4):  # bounded: memory stays flat
                queued.append(pool.submit(_prepare_chunk, chunk, backend))
            while queued:
                done = queued.popleft().result()
                for chunk in itertools.islice(todo, 1):
                    queued.append(pool.submit(_prepare_chunk, chunk, backend))
                yield from done

        yield results()


def _report(pending: list[IngestOutcome],
            on_outcome: Callable[[IngestOutcome], None] | None) -> list[IngestOutcome]:
    """Hand over the outcomes of a committed batch (reported only once they are durable)."""
    done = pending[:]
    pending.clear()
    if on_outcome:
        for outcome in done:
            on_outcome(outcome)
    return done


def scan_dir(db: sqlite_utils.Database, directory: str | Path) -> list[IngestOutcome]:
    """Re-scan a digest folder; return the outcome of each file (most are "unchanged")."""
    if not os.path.isdir(directory):
        return []
    return ingest_paths(db, [directory])


def save_digest_file(directory: str | Path, date: str, raw: bytes) -> Path | None:
    """Keep an uploaded digest in the digest folder (upload-DATE.md); None if it cannot be written."""
    path = Path(directory) / f"upload-{date}.md"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
    except OSError:
        return None
    return path


def row_to_item(row: sqlite3.Row | tuple) -> Item:
    """Return an Item from a row of `SELECT * FROM items`."""
    (identifier, date, position, category, title, summary, background, analysis, points,
     source_name, source_url) = row
    return Item(date=date, category=category, title=title, summary=summary,
                background=background, analysis=analysis, points=tuple(json.loads(points)),
                source_name=source_name, source_url=source_url, position=position, id=identifier)
