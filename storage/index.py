"""Ingest: digest files -> rows, one transaction per batch of digests.

The schema and full-text index of each backend live in storage/sqlite.py and
storage/postgres.py; this module writes through their common interface
(storage/backend.py). Item ids encode the date: `id = date.toordinal() * 1000 +
position`, so newest-first is highest-id-first and a date range is an id range.
Re-ingesting a day reuses its ids.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.backend import Database, backend_of, numbered
from storage.model import Digest, DigestError, Item
from storage.parse import parse_bytes
from storage.terms import digest_terms, fill_terms, forget_days, mark_current, record, refind_first
from storage.text import index_tokens, latin_words

if TYPE_CHECKING:
    from concurrent.futures import Future

MAX_ITEMS_PER_DIGEST = 999
BATCH_SECONDS = 1.0  # ingest commits at least this often
BATCH_ITEMS = 2000  # ... and after this many items (each table gets one bulk write per batch)
PARALLEL_MIN_FILES = 200  # files to index before worker processes are worth starting
PARALLEL_CHUNK = 16  # files per task sent to a worker
# Worker processes run this much nicer than the process that started them. With one worker per
# core, the workers and the writer (or the bot's readers) would otherwise share the cores evenly:
# the writer, which every digest passes through, got two thirds of a core, and readers waited
# behind parsing. Nicer workers take what the writer leaves (100k items: 15.9 -> 13.6 s).
WORKER_NICENESS = 10
DIGEST_SUFFIXES = {".md", ".markdown", ".txt"}
EARLIEST_DATE = dt.date(2000, 1, 1)  # digests dated before are refused (a typo, not AI news)
LATEST_DAYS_AHEAD = 366  # ... and those dated more than a year after today


class IngestStatus(StrEnum):
    """What ingest did with one file (INDEXED and REJECTED are also kept in the `files` table)."""

    INDEXED = "indexed"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"
    REMOVED = "removed"  # its file was deleted: the digest it had indexed was taken out


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one file: indexed, unchanged or rejected (with the reason)."""

    path: str
    status: IngestStatus
    date: str | None = None
    items: int = 0
    reason: str | None = None
    replaced: bool = False  # an earlier version of that day was replaced

    def line(self) -> str:
        """Return the one-line report the CLI prints for this file."""
        if self.status == IngestStatus.INDEXED:
            verb = "replaced" if self.replaced else "indexed"
            return f"{verb}   {self.path}  {self.date}  {self.items} items"
        if self.status == IngestStatus.UNCHANGED:
            return f"unchanged {self.path}  {self.date or ''}".rstrip()
        if self.status == IngestStatus.REMOVED:
            return f"removed   {self.path}  {self.date}"
        return f"rejected  {self.path}  {self.reason}"


def item_id(date: str, position: int) -> int:
    """Return the id of the item at `position` in the digest of `date`."""
    return dt.date.fromisoformat(date).toordinal() * 1000 + position


def generation(db: Database) -> int:
    """Return a number that changes whenever the index content changes (for caches)."""
    row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


@dataclass
class DigestRows:
    """What indexing a digest writes, computed without the database (so a worker process can)."""

    items: list[tuple[object, ...]]  # rows of `items`, in column order
    fts: list[tuple[int, str, str]]
    latin: set[str]
    terms: Counter[str]
    display: dict[str, str]
    docs: list[str] | None = None  # the full-text documents for the backend (Database.documents)
    item_terms: list[tuple[int, str]] = field(default_factory=list)  # (id, packed terms): storage/terms.py
    first_terms: dict[str, int] = field(default_factory=dict)  # term (folded) -> its first item here


def digest_rows(digest: Digest, backend: str = "sqlite") -> DigestRows:
    """Return the rows of `digest`: items, FTS tokens, Latin tokens, fuzzy-vocabulary counts and
    each item's terms for what is hot (segmented here, in ingest's worker processes).

    `backend` (a Database.name): also build what its full-text index stores.
    """
    items: list[tuple[object, ...]] = []
    fts_rows: list[tuple[int, str, str]] = []
    texts: list[tuple[int, str, str]] = []  # (id, title, summary): what is hot reads
    latin: set[str] = set()
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
        texts.append((identifier, item.title, item.summary))
    terms, display = _term_counts(" ".join((i.title, i.summary, i.background, i.analysis,
                                            *i.points)) for i in digest.items)
    hot_terms, first_terms = digest_terms(texts)
    return DigestRows(items, fts_rows, latin, terms, display,
                      backend_of(backend).documents(fts_rows), hot_terms, first_terms)


def day_ids(date: str) -> tuple[int, int]:
    """Return the first and last possible item id of the digest of `date`."""
    return item_id(date, 0), item_id(date, MAX_ITEMS_PER_DIGEST)


def store_digests(db: Database, digests: Sequence[tuple[Digest, str, DigestRows]],
                  replacing: set[str]) -> None:
    """Index `digests` (each with its content hash and rows, one per date) in one transaction;
    `replacing`: the dates among them already indexed, whose earlier items are replaced.

    Each table gets one bulk write for all of them (PostgreSQL: a COPY each), not one per digest.
    """
    if not digests:
        return
    with db.transaction():
        lost = _delete_items(db, replacing)
        terms: Counter[str] = Counter()
        display: dict[str, str] = {}
        latin: set[str] = set()
        documents: list[str] | None = [] if all(r.docs is not None for _, _, r in digests) else None
        for _, _, rows in digests:
            terms.update(rows.terms)
            for term, spelling in rows.display.items():
                display.setdefault(term, spelling)
            latin |= rows.latin
            if documents is not None and rows.docs is not None:  # every digest has its documents
                documents += rows.docs
        db.insert_rows("items", [item for _, _, rows in digests for item in rows.items])
        db.add_fts_rows([row for _, _, rows in digests for row in rows.fts], documents)
        db.insert_rows("item_titles", [(row[0], row[1]) for _, _, rows in digests for row in rows.fts])
        db.upsert_rows("latin_tokens", [(token,) for token in sorted(latin)], "(token) DO NOTHING")
        _apply_terms(db, terms, display, sign=+1)
        record(db, [row for _, _, rows in digests for row in rows.item_terms],
               [rows.first_terms for _, _, rows in digests])
        if replacing:
            refind_first(db, lost, day_ids(min(replacing))[0])
        mark_current(db)
        # Microseconds: watches compare it with their own creation time (storage/readers.py).
        now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        db.executemany(
            "INSERT INTO digests VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (date) DO UPDATE "
            "SET title = excluded.title, summary = excluded.summary, layout = excluded.layout, "
            "path = excluded.path, content_hash = excluded.content_hash, "
            "item_count = excluded.item_count, indexed_at = excluded.indexed_at",
            [(digest.date, digest.title, digest.summary, digest.layout, digest.path, content_hash,
              len(digest.items), now) for digest, content_hash, _ in digests])
        bump_generation(db)


def _delete_items(db: Database, dates: Iterable[str]) -> set[str]:
    """Delete the items of `dates` (rows, full text, titles, terms) and take their words out of
    the fuzzy-correction vocabulary (inside the caller's transaction); return the terms first
    seen there, whose first item must be found again (storage/terms.py: refind_first)."""
    lost = forget_days(db, [day_ids(date) for date in dates])
    for date in sorted(dates):
        first, last = day_ids(date)
        old = db.execute("SELECT title, summary, background, analysis, points FROM items "
                         "WHERE id BETWEEN $1 AND $2", (first, last)).fetchall()
        _apply_terms(db, *_term_counts(" ".join(row[:4]) + row[4] for row in old), sign=-1)
        db.execute("DELETE FROM items WHERE id BETWEEN $1 AND $2", (first, last))
        db.execute("DELETE FROM item_titles WHERE id BETWEEN $1 AND $2", (first, last))
        db.delete_fts_rows(first, last)
    return lost


def remove_days(db: Database, dates: Iterable[str]) -> list[str]:
    """Take the digests of `dates` out of the index, in one transaction; return the dates that
    were indexed (oldest first)."""
    wanted = sorted(set(dates))
    if not wanted:
        return []
    with db.transaction():
        indexed = [row[0] for row in db.execute(
            f"SELECT date FROM digests WHERE date IN ({numbered(len(wanted))}) ORDER BY date",
            wanted).fetchall()]
        if indexed:
            lost = _delete_items(db, indexed)
            db.executemany("DELETE FROM digests WHERE date = $1", [(date,) for date in indexed])
            refind_first(db, lost, day_ids(indexed[0])[0])
            bump_generation(db)
    return indexed


REMOVED_BY_ADMIN = "removed from the index by an admin (indexed again when the file changes)"


def remove_day(db: Database, date: str) -> bool:
    """Take the digest of `date` out of the index and keep its files out of later scans until
    they change (they are recorded as rejected); False if no digest of `date` was indexed."""
    with db.transaction():
        if not remove_days(db, [date]):
            return False
        db.execute("UPDATE files SET status = $1, reason = $2 WHERE date = $3",
                    (IngestStatus.REJECTED.value, REMOVED_BY_ADMIN, date))
    return True


def _forget_vanished(db: Database, directory: str | Path) -> list[IngestOutcome]:
    """Forget the files deleted from `directory` and take out of the index each digest whose
    indexed version came from one of them; the other files of such a date are then read again
    by the scan that follows, so one of them takes its place. Return an outcome per digest taken
    out. Nothing is forgotten while the folder holds no digest file at all (an unmounted volume
    must not empty the index)."""
    root = os.path.join(str(Path(directory).resolve()), "")
    known = db.execute("SELECT path, content_hash, date, status FROM files").fetchall()
    vanished = [row for row in known if row[0].startswith(root) and not os.path.exists(row[0])]
    if not vanished or next(digest_files([directory]), None) is None:
        return []
    with db.transaction():
        dates = sorted({row[2] for row in vanished if row[2]})
        stored = dict(db.execute(f"SELECT date, content_hash FROM digests WHERE date IN "
                                 f"({numbered(len(dates))})", dates).fetchall()) if dates else {}
        gone = {path: date for path, content_hash, date, status in vanished
                if status == IngestStatus.INDEXED.value and stored.get(date) == content_hash}
        remove_days(db, gone.values())
        db.executemany("DELETE FROM files WHERE path = $1", [(row[0],) for row in vanished])
        db.executemany("DELETE FROM files WHERE date = $1", [(d,) for d in sorted(set(gone.values()))])
    return [IngestOutcome(path, IngestStatus.REMOVED, date) for path, date in gone.items()]


def _term_counts(texts: Iterable[str]) -> tuple[Counter[str], dict[str, str]]:
    """Count in how many items each Latin word (3+ letters) occurs, with its first spelling."""
    counts: Counter[str] = Counter()
    display: dict[str, str] = {}
    for text in texts:
        for word in {w for w in latin_words(text) if len(w) >= 3}:
            counts[word.lower()] += 1
            display.setdefault(word.lower(), word)
    return counts, display


def _apply_terms(db: Database, counts: Counter[str], display: dict[str, str],
                 sign: int) -> None:
    """Add (or remove) items' Latin words to the fuzzy-correction vocabulary."""
    if not counts:
        return
    if sign > 0:
        db.upsert_rows("terms", [(term, display[term], n) for term, n in sorted(counts.items())],
                       "(term) DO UPDATE SET items = terms.items + excluded.items")
    else:
        db.executemany("UPDATE terms SET items = items - $1 WHERE term = $2",
                       [(n, term) for term, n in sorted(counts.items())])
        db.execute("DELETE FROM terms WHERE items <= 0")


def bump_generation(db: Database) -> None:
    """Count one more change of the index content (see generation)."""
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


def ingest_bytes(db: Database, raw: bytes, name: str) -> IngestOutcome:
    """Parse and index one digest given as bytes (an upload); unchanged content is skipped."""
    return _after_one(db, _write(db, [_Entry(name, prepare_bytes(raw, name, db.name))])[0])


def _after_one(db: Database, outcome: IngestOutcome) -> IngestOutcome:
    """Let the backend catch up after one digest was indexed outside a caller's transaction."""
    if outcome.status == IngestStatus.INDEXED and not db.in_transaction:
        db.after_ingest(bulk=False)
    return outcome


def date_refusal(date: str, today: dt.date | None = None) -> str | None:
    """Return why a digest dated `date` (YYYY-MM-DD) is refused, or None if its date is sane:
    from EARLIEST_DATE to LATEST_DAYS_AHEAD days after `today` (default: the local date).
    Week and trend arithmetic over the archive needs dates far from the calendar's ends."""
    latest = (today or dt.date.today()) + dt.timedelta(days=LATEST_DAYS_AHEAD)
    if EARLIEST_DATE.isoformat() <= date <= latest.isoformat():
        return None
    return f"date {date} is out of range ({EARLIEST_DATE.isoformat()} to {latest.isoformat()})"


def _reason(exc: DigestError) -> str:
    return f"line {exc.line}: {exc.reason}" if exc.line else exc.reason


@dataclass
class _Pending:
    """A file found by a scan: already decided (unchanged), or to be prepared and stored."""

    path: Path
    key: str = ""
    stat: os.stat_result | None = None
    known: tuple[Any, ...] | None = None  # its row of `files` (_FILES), if it was seen before
    outcome: IngestOutcome | None = None


_FILES = "SELECT content_hash, size, mtime_ns, date, status, reason, path FROM files"


def _check(db: Database, path: Path, seen: dict[str, tuple[Any, ...]] | None = None) -> _Pending:
    """Decide from the file's size and mtime alone whether it needs reading.

    `seen`: every row of `files` by path, if the caller read them all at once.
    """
    key = str(path.resolve())
    try:
        stat = path.stat()
    except OSError as exc:
        return _Pending(path, outcome=IngestOutcome(
            str(path), IngestStatus.REJECTED, reason=f"cannot read file: {exc.strerror}"))
    if seen is None:
        known = db.execute(_FILES + " WHERE path = $1", (key,)).fetchone()
    else:
        known = seen.get(key)
    if known and known[1] == stat.st_size and known[2] == stat.st_mtime_ns:
        return _Pending(path, outcome=_known(str(path), known))
    return _Pending(path, key, stat, known)


@dataclass(eq=False)
class _Entry:
    """A prepared file (or upload) waiting in a batch; `pending` is None for an upload."""

    name: str  # as reported
    prepared: Prepared
    pending: _Pending | None = None

    @property
    def date(self) -> str | None:
        return self.prepared.digest.date if self.prepared.digest else None

    @property
    def items(self) -> int:
        return len(self.prepared.digest.items) if self.prepared.digest else 0


def _write(db: Database, batch: Sequence[_Entry | IngestOutcome]) -> list[IngestOutcome]:
    """Store a batch's entries in one transaction, with each file's size, mtime and hash; return
    the outcomes in batch order (outcomes decided earlier pass through)."""
    entries = [entry for entry in batch if isinstance(entry, _Entry)]
    if not entries:
        return [outcome for outcome in batch if isinstance(outcome, IngestOutcome)]
    with db.transaction():
        decided = _store_entries(db, entries)
        files = []
        for entry, outcome in decided.items():
            pending = entry.pending
            # An upload has no file; a file that could not be read has nothing to remember.
            if pending is None or pending.stat is None or entry.prepared.read_error:
                continue
            files.append((pending.key, entry.prepared.content_hash, pending.stat.st_size,
                          pending.stat.st_mtime_ns, outcome.date,
                          (IngestStatus.REJECTED if outcome.status == IngestStatus.REJECTED
                           else IngestStatus.INDEXED).value, outcome.reason))
        db.executemany(
            "INSERT INTO files VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (path) DO UPDATE SET "
            "content_hash = excluded.content_hash, size = excluded.size, "
            "mtime_ns = excluded.mtime_ns, date = excluded.date, status = excluded.status, "
            "reason = excluded.reason", files)
    return [decided[entry] if isinstance(entry, _Entry) else entry for entry in batch]


def _store_entries(db: Database, entries: list[_Entry]) -> dict[_Entry, IngestOutcome]:
    """Decide each entry (rejected, unchanged, indexed) and index the new ones together."""
    decided: dict[_Entry, IngestOutcome] = {}
    candidates: list[tuple[_Entry, Digest, DigestRows]] = []
    for entry in entries:
        prepared, known = entry.prepared, entry.pending.known if entry.pending else None
        if prepared.read_error:
            decided[entry] = IngestOutcome(entry.name, IngestStatus.REJECTED, reason=prepared.read_error)
        elif known and known[0] == prepared.content_hash:
            decided[entry] = _known(entry.name, known)
        elif prepared.error:
            decided[entry] = IngestOutcome(entry.name, IngestStatus.REJECTED, reason=prepared.error)
        elif entry.items > MAX_ITEMS_PER_DIGEST:
            decided[entry] = IngestOutcome(entry.name, IngestStatus.REJECTED, reason=(
                f"too many items ({entry.items} > {MAX_ITEMS_PER_DIGEST})"))
        elif entry.date and (refusal := date_refusal(entry.date)):
            decided[entry] = IngestOutcome(entry.name, IngestStatus.REJECTED, reason=refusal)
        else:
            digest, rows = prepared.digest, prepared.rows
            assert digest is not None and rows is not None  # prepare_bytes sets both, or an error
            candidates.append((entry, digest, rows))
    dates = [digest.date for _, digest, _ in candidates]
    stored = dict(db.execute(f"SELECT date, content_hash FROM digests WHERE date IN "
                             f"({numbered(len(dates))})", dates).fetchall()) if dates else {}
    fresh = []
    for entry, digest, rows in candidates:
        if stored.get(digest.date) == entry.prepared.content_hash:
            decided[entry] = IngestOutcome(entry.name, IngestStatus.UNCHANGED, digest.date, entry.items)
        else:
            fresh.append((entry, digest, rows))
    replacing = {digest.date for _, digest, _ in fresh if digest.date in stored}
    store_digests(db, [(digest, entry.prepared.content_hash, rows) for entry, digest, rows in fresh],
                  replacing)
    for entry, digest, _ in fresh:
        decided[entry] = IngestOutcome(entry.name, IngestStatus.INDEXED, digest.date, entry.items,
                                       replaced=digest.date in replacing)
    return {entry: decided[entry] for entry in entries}


def ingest_file(db: Database, path: str | Path) -> IngestOutcome:
    """Index one file unless its size, mtime or content hash say it is unchanged."""
    pending = _check(db, Path(path))
    if pending.outcome:
        return pending.outcome
    prepared = prepare_file(str(pending.path), db.name)
    return _after_one(db, _write(db, [_Entry(str(pending.path), prepared, pending)])[0])


def _known(path: str, row: tuple[Any, ...]) -> IngestOutcome:
    if row[4] == IngestStatus.REJECTED:
        return IngestOutcome(path, IngestStatus.REJECTED, reason=row[5])
    return IngestOutcome(path, IngestStatus.UNCHANGED, row[3])


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


def ingest_paths(db: Database, paths: Iterable[str | Path],
                 on_outcome: Callable[[IngestOutcome], None] | None = None,
                 workers: int | None = None, pause_s: float = 0.0,
                 batch_items: int = BATCH_ITEMS,
                 on_progress: Callable[[], None] | None = None) -> list[IngestOutcome]:
    """Index every digest file under `paths`; a rejected file never stops the others.

    Files whose size and mtime are unchanged are skipped without reading. When
    PARALLEL_MIN_FILES or more need indexing, reading, parsing and tokenizing
    run in `workers` processes (default: one per core) while this process
    writes to SQLite, in file order. Files are committed in batches of up to
    BATCH_SECONDS of work (a commit per digest was 40% of ingest time). If
    indexing raises (a disk error, not a bad file: those are rejected), the
    unfinished batch is rolled back, files and digests together, so no half
    digest is kept and the next scan redoes it.

    `pause_s`, `batch_items`: rest this long after each batch that wrote digests,
    and write at most this many items per batch, so that other threads' writes
    get the database in between and wait at most one short batch (SQLite has one
    writer at a time, and a writer that commits and begins again at once can keep
    a waiting one out for many batches); the bot's scans use them, a command-line
    ingest does not.

    `on_progress`: called after each committed batch and each chunk of a terms backfill
    (storage.terms.fill_terms), also when no file changed: a long ingest's sign of life (the
    bot renews its scan lease with it).
    """
    seen = {row[6]: row for row in db.execute(_FILES).fetchall()}  # one query, not one per file
    checked = [_check(db, path, seen) for path in digest_files(paths)]
    todo = [str(p.path) for p in checked if p.outcome is None]
    workers = workers if workers is not None else (os.cpu_count() or 1)
    outcomes: list[IngestOutcome] = []
    with _preparer(todo, workers, db.name) as prepared:
        for batch in _batches(db, checked, prepared, batch_items):
            outcomes += _report(batch, on_outcome)
            if on_progress:
                on_progress()
            if pause_s and any(outcome.status == IngestStatus.INDEXED for outcome in batch):
                time.sleep(pause_s)
    # An index from before terms existed, or an edited word list: every item's terms again.
    filled = fill_terms(db, on_progress=(lambda _done: on_progress()) if on_progress else None)
    if filled or any(o.status == IngestStatus.INDEXED for o in outcomes):
        db.after_ingest(bulk=len(todo) >= PARALLEL_MIN_FILES or filled >= PARALLEL_MIN_FILES)
    return outcomes


def _batches(db: Database, checked: list[_Pending], prepared: Iterator[Prepared],
             batch_items: int) -> Iterator[list[IngestOutcome]]:
    """Store the files that need it in batches (up to `batch_items` items or BATCH_SECONDS since the
    batch's first file, one digest per date); yield each committed batch's outcomes in file order."""
    batch: list[_Entry | IngestOutcome] = []
    dates: set[str] = set()
    entries, items, began = 0, 0, 0.0
    for pending in checked:
        if pending.outcome is not None:
            batch.append(pending.outcome)
            if not entries:  # nothing to write yet: report it at once
                yield _write(db, batch)
                batch = []
            continue
        entry = _Entry(str(pending.path), next(prepared), pending)
        if entry.date in dates:  # the same day twice: the earlier file is stored first
            yield _write(db, batch)
            batch, dates, entries, items = [], set(), 0, 0
        if not entries:
            began = time.monotonic()
        batch.append(entry)
        if entry.date is not None:
            dates.add(entry.date)
        entries += 1
        items += entry.items
        if items >= batch_items or time.monotonic() - began >= BATCH_SECONDS:
            yield _write(db, batch)
            batch, dates, entries, items = [], set(), 0, 0
    if batch:
        yield _write(db, batch)


@contextmanager
def _preparer(paths: list[str], workers: int, backend: str) -> Iterator[Iterator[Prepared]]:
    """Yield an iterator of prepared files in order: in worker processes for a big batch."""
    if workers < 2 or len(paths) < PARALLEL_MIN_FILES:
        yield (prepare_file(path, backend) for path in paths)
        return
    chunks = [paths[i:i + PARALLEL_CHUNK] for i in range(0, len(paths), PARALLEL_CHUNK)]
    # spawn, not fork: the bot process has threads and an open database.
    # Imported here: they cost ~45 ms of start-up that the command line's queries never need.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_worker_started) as pool:
        def results() -> Iterator[Prepared]:
            queued: deque[Future[list[Prepared]]] = deque()
            todo = iter(chunks)
            for chunk in itertools.islice(todo, workers * 4):  # bounded: memory stays flat
                queued.append(pool.submit(_prepare_chunk, chunk, backend))
            while queued:
                done = queued.popleft().result()
                for chunk in itertools.islice(todo, 1):
                    queued.append(pool.submit(_prepare_chunk, chunk, backend))
                yield from done

        yield results()


def _worker_started() -> None:
    """Make this ingest worker process yield the cores to the writer and the readers."""
    if hasattr(os, "nice"):  # POSIX
        os.nice(WORKER_NICENESS)


def _report(pending: list[IngestOutcome],
            on_outcome: Callable[[IngestOutcome], None] | None) -> list[IngestOutcome]:
    """Hand over the outcomes of a committed batch (reported only once they are durable)."""
    done = pending[:]
    pending.clear()
    if on_outcome:
        for outcome in done:
            on_outcome(outcome)
    return done


def scan_dir(db: Database, directory: str | Path,
             on_outcome: Callable[[IngestOutcome], None] | None = None, pause_s: float = 0.0,
             batch_items: int = BATCH_ITEMS,
             on_progress: Callable[[], None] | None = None) -> list[IngestOutcome]:
    """Re-scan a digest folder; return the outcome of each file (most are UNCHANGED), first
    those of the files deleted since the last scan whose digests were taken out (REMOVED).

    A missing folder has no files (and nothing is taken out). The options are ingest_paths'.
    """
    if not os.path.isdir(directory):
        return []
    removed = _forget_vanished(db, directory)
    if on_outcome:
        for outcome in removed:
            on_outcome(outcome)
    return removed + ingest_paths(db, [directory], on_outcome=on_outcome, pause_s=pause_s,
                                  batch_items=batch_items, on_progress=on_progress)


def save_digest_file(directory: str | Path, date: str, raw: bytes) -> Path | None:
    """Keep an uploaded digest in the digest folder (upload-DATE.md); None if it cannot be written."""
    path = Path(directory) / f"upload-{date}.md"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
    except OSError:
        return None
    return path


def row_to_item(row: Sequence[Any]) -> Item:
    """Return an Item from a row of `SELECT * FROM items`."""
    (identifier, date, position, category, title, summary, background, analysis, points,
     source_name, source_url) = row
    return Item(date=date, category=category, title=title, summary=summary,
                background=background, analysis=analysis, points=tuple(json.loads(points)),
                source_name=source_name, source_url=source_url, position=position, id=identifier)
