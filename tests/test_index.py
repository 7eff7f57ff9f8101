"""Ingest: each digest all-or-nothing in batched commits, replace-by-date, skip-by-hash, rejects."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest

from storage.backend import open_db
from storage.digests import digest_on
from storage.index import (
    LATEST_DAYS_AHEAD,
    REMOVED_BY_ADMIN,
    ingest_bytes,
    ingest_file,
    ingest_paths,
    remove_day,
    scan_dir,
)
from storage.search import search
from storage.sqlite import MIGRATIONS


def _count(db, table: str = "items") -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_bundled_archive_indexes_62_items(db) -> None:
    assert _count(db) == 62 and _count(db, "items_fts") == 62 and _count(db, "digests") == 5


def test_reingest_unchanged_archive_is_skipped(db, digest_dir: Path) -> None:
    outcomes = ingest_paths(db, [digest_dir])
    assert {o.status for o in outcomes} == {"unchanged"}
    assert _count(db) == 62


def test_touched_but_identical_file_is_skipped_by_hash(db, digest_dir: Path) -> None:
    path = digest_dir / "002_6bbf6e6fa9bacb4c.txt"
    os.utime(path, ns=(1, 1))
    (outcome,) = ingest_paths(db, [path])
    assert outcome.status == "unchanged" and outcome.date == "2026-01-28"


def test_changed_file_replaces_that_day_without_duplicates(db, digest_dir: Path) -> None:
    path = digest_dir / "002_6bbf6e6fa9bacb4c.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("AI投资联盟", "AI联盟"),
                    encoding="utf-8")
    (outcome,) = ingest_paths(db, [path])
    assert outcome.status == "indexed" and outcome.replaced and outcome.items == 7
    assert _count(db) == 62 and _count(db, "items_fts") == 62
    assert search(db, "AI投资联盟").total == 0
    assert search(db, "AI联盟").total == 1


def test_same_date_from_another_file_replaces_the_day(db, tmp_path: Path) -> None:
    other = tmp_path / "late.md"
    other.write_text("# AI 行业动态 (2026-01-28)\n\n**产品与应用发布**\n\n唯一的条目\n说明：只剩一条。\n",
                     encoding="utf-8")
    (outcome,) = ingest_paths(db, [other])
    assert outcome.replaced
    header, items = digest_on(db, "2026-01-28")
    assert header.items == 1 and [i.title for i in items] == ["唯一的条目"]
    assert _count(db) == 56


def test_rejected_files_never_stop_the_others(tmp_path: Path, digest_dir: Path) -> None:
    (digest_dir / "empty.md").write_bytes(b"")
    (digest_dir / "binary.txt").write_bytes(b"\xff\xfe\x00\x01")
    (digest_dir / "nodate.md").write_text("# 标题\n\n条目\n说明：x\n", encoding="utf-8")
    db = open_db(tmp_path / "x.db")
    outcomes = ingest_paths(db, [digest_dir])
    rejected = {Path(o.path).name: o.reason for o in outcomes if o.status == "rejected"}
    assert set(rejected) == {"empty.md", "binary.txt", "nodate.md"}
    assert "empty" in rejected["empty.md"] and "UTF-8" in rejected["binary.txt"]
    assert "no date" in rejected["nodate.md"]
    assert _count(db) == 62
    # A rejected file stays rejected on the next scan without being parsed again.
    again = {Path(o.path).name: o.status for o in ingest_paths(db, [digest_dir])}
    assert again["empty.md"] == "rejected"


def test_upload_bytes_of_a_known_digest_are_unchanged(db) -> None:
    raw = (Path(__file__).parent.parent / "digests" / "000_e3db2d51e8470e21.txt").read_bytes()
    assert ingest_bytes(db, raw, "upload.txt").status == "unchanged"


def test_reopening_keeps_schema_version(tmp_path: Path) -> None:
    open_db(tmp_path / "v.db").close()
    db = open_db(tmp_path / "v.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_upgrade_from_schema_2_builds_the_prefix_and_title_tables(sqlite_db, tmp_path: Path) -> None:
    db = sqlite_db
    before = [r[0] for r in db.execute("SELECT token FROM latin_tokens ORDER BY token")]
    titles = db.execute("SELECT * FROM item_titles ORDER BY id").fetchall()
    assert {"kimi", "anthropic", "qwen"} <= set(before) and len(titles) == 62
    searches = {q: search(db, q, limit=100).items for q in ("红包", "阶跃星辰", "Kimi K2.5",
                                                           "Anthrop", "AI")}
    # Schema 2 as it was: items_fts with unicode61, no latin_tokens or item_titles.
    db.execute("CREATE VIRTUAL TABLE old_fts USING fts5 (title, body, tokenize = 'unicode61')")
    db.execute("INSERT INTO old_fts (rowid, title, body) SELECT rowid, title, body FROM items_fts")
    db.execute("DROP TABLE items_fts")
    db.execute("ALTER TABLE old_fts RENAME TO items_fts")
    for table in ("readers", "watches", "watch_sent", "watch_scans", "usage", "leases",
                  "forum_topics", "target_runs", "target_messages", "languages",
                  "ai_answers", "item_terms", "term_first_seen", "fanout",
                  "broadcast_budget"):  # 4-11
        db.execute(f"DROP TABLE {table}")
    db.execute("DROP TABLE latin_tokens")
    db.execute("DROP TABLE item_titles")
    db.execute("PRAGMA user_version = 2")
    reopened = open_db(tmp_path / "index.db")
    assert [r[0] for r in reopened.execute("SELECT token FROM latin_tokens ORDER BY token")] == before
    assert reopened.execute("SELECT * FROM item_titles ORDER BY id").fetchall() == titles
    sql = reopened.execute("SELECT sql FROM sqlite_master WHERE name = 'items_fts'").fetchone()[0]
    assert "ascii" in sql  # the FTS table was rebuilt with the ascii tokenizer
    for query in ("红包", "阶跃星辰", "Kimi K2.5", "Anthrop", "AI"):
        assert search(reopened, query, limit=100).items == searches[query], query


def test_postgres_upgrade_from_schema_2_adds_the_month_lexemes(postgres_url: str,
                                                              digest_dir: Path) -> None:
    from storage import postgres

    db = open_db(postgres_url)
    ingest_paths(db, [digest_dir])
    searches = {q: search(db, q, limit=100).items for q in ("红包", "阶跃星辰", "Kimi K2.5", "AI")}
    # Schema 2 as it was: no month lexemes in the tsvectors, no trigger adding them.
    db.execute("DROP TRIGGER items_fts_month ON items_fts")
    db.execute("DROP FUNCTION items_fts_month")
    db.execute("UPDATE items_fts SET doc = ts_delete(doc, ARRAY(SELECT lexeme FROM unnest(doc) "
               "WHERE lexeme LIKE '#m%'))")
    db.execute("DROP TABLE forum_topics")  # migration 5
    db.execute("DELETE FROM schema_version WHERE version > 2")
    db.execute("DROP TABLE target_runs, target_messages")  # migration 6
    db.execute("DROP TABLE languages")  # migration 7
    db.execute("DROP TABLE ai_answers")  # migration 8
    db.execute("DROP TABLE item_terms, term_first_seen")  # migration 9
    db.execute("DROP TABLE fanout, broadcast_budget")  # migration 10
    db.execute("ALTER TABLE readers DROP COLUMN format")
    # (Searches need the lexemes: the month slices find the newest items by them. The
    # migration adds them in the transaction that records its version: no search sees a
    # database without them.)
    db.close()
    reopened = open_db(postgres_url)
    assert reopened.execute("SELECT max(version) FROM schema_version").fetchone()[0] == len(
        postgres.MIGRATIONS)
    months = reopened.execute("SELECT DISTINCT lexeme FROM items_fts, unnest(doc) "
                              "WHERE lexeme LIKE '#m%' ORDER BY 1").fetchall()
    assert [m[0] for m in months] == ["#m202601", "#m202602"]
    for query, items in searches.items():
        assert search(reopened, query, limit=100).items == items, query
    reopened.close()


def test_postgres_ingest_leaves_no_gin_pending_list(postgres_url: str, digest_dir: Path) -> None:
    # Every search reads GIN's pending list in full, so an ingest merges it into the index.

    def pending_pages(db) -> int:  # merges the list and says how many pages it had
        return db.execute("SELECT gin_clean_pending_list(CAST('items_fts_doc' AS regclass))"
                          ).fetchone()[0]

    db = open_db(postgres_url)
    ingest_paths(db, [digest_dir])
    assert pending_pages(db) == 0
    rows = [(row[0] + 500, "标题", "正文 词语") for row in db.execute("SELECT id FROM items")]
    db.add_fts_rows(rows)  # without the ingest's clean-up
    assert pending_pages(db) > 0
    digest = next(digest_dir.iterdir())
    ingest_bytes(db, digest.read_bytes().replace("红包".encode(), "红利".encode()), digest.name)
    assert pending_pages(db) == 0
    db.add_fts_rows([(i + 100, t, b) for i, t, b in rows])
    assert pending_pages(db) > 0
    db.add_fts_rows([(i + 200, t, b) for i, t, b in rows])
    digest.write_bytes(digest.read_bytes().replace("红包".encode(), "红海".encode()))
    assert ingest_file(db, digest).status == "indexed"
    assert pending_pages(db) == 0
    db.close()


def test_a_crash_mid_batch_rolls_the_batch_back_and_a_rescan_redoes_it(
        db_location: str, digest_dir: Path, monkeypatch) -> None:
    import storage.index as index

    real = index.store_digests

    def flaky(db, digests, replacing):
        real(db, digests, replacing)  # the whole batch written ...
        db.execute("DELETE FROM items")  # ... then half-done damage that must not be committed
        raise OSError("disk on fire")

    monkeypatch.setattr(index, "store_digests", flaky)
    db = open_db(db_location)
    reported = []
    with pytest.raises(OSError):
        ingest_paths(db, [digest_dir], on_outcome=reported.append)
    assert not db.in_transaction and reported == []  # nothing reported that was not kept
    other = open_db(db_location)  # another connection sees only committed state
    assert _count(other, "digests") == _count(other, "files") == _count(other) == 0
    monkeypatch.setattr(index, "store_digests", real)
    assert [o.status for o in ingest_paths(db, [digest_dir])] == ["indexed"] * 5
    assert _count(other) == 62


def test_a_slow_archive_is_committed_in_batches(db_location: str, digest_dir: Path,
                                                monkeypatch) -> None:
    import storage.index as index

    monkeypatch.setattr(index, "BATCH_SECONDS", 0.0)  # every file is its own batch
    db = open_db(db_location)
    other = open_db(db_location)
    seen = []
    ingest_paths(db, [digest_dir],
                 on_outcome=lambda o: seen.append(_count(other, "digests")))
    assert seen == [1, 2, 3, 4, 5]  # each outcome is reported once it is committed


def test_worker_processes_index_exactly_what_a_serial_ingest_does(tmp_path: Path,
                                                                 digest_dir: Path,
                                                                 monkeypatch) -> None:
    import storage.index as index

    (digest_dir / "empty.md").write_bytes(b"")
    (digest_dir / "binary.txt").write_bytes(b"\xff\xfe\x00\x01")
    serial_db = open_db(tmp_path / "serial.db")
    serial = ingest_paths(serial_db, [digest_dir], workers=1)
    monkeypatch.setattr(index, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(index, "PARALLEL_CHUNK", 2)
    parallel_db = open_db(tmp_path / "parallel.db")
    reported = []
    parallel = ingest_paths(parallel_db, [digest_dir], on_outcome=reported.append, workers=2)
    assert parallel == reported == serial  # same outcomes, in file order
    assert [o.status for o in parallel].count("rejected") == 2
    for table, columns in (("items", "*"), ("items_fts", "*"), ("item_titles", "*"),
                           ("latin_tokens", "*"), ("terms", "*"), ("item_terms", "*"),
                           ("term_first_seen", "*"),
                           ("digests", "date, title, summary, layout, path, content_hash")):
        query = f"SELECT {columns} FROM {table} ORDER BY 1"  # not indexed_at: a clock
        assert parallel_db.execute(query).fetchall() == serial_db.execute(query).fetchall(), table


def test_a_lease_has_one_owner_until_it_expires(db) -> None:
    from storage import posts

    assert posts.acquire_lease(db, "post:2026-02-08:-100", "worker-a", 30)
    assert not posts.acquire_lease(db, "post:2026-02-08:-100", "worker-b", 30)
    assert posts.acquire_lease(db, "post:2026-02-08:-100", "worker-a", 30)  # renewed
    assert posts.acquire_lease(db, "other", "worker-b", 30)
    assert posts.acquire_lease(db, "expiring", "worker-a", -1)  # already expired
    assert posts.acquire_lease(db, "expiring", "worker-b", 30)  # taken over
    posts.release_lease(db, "post:2026-02-08:-100", "worker-b")  # not the owner: no effect
    assert not posts.acquire_lease(db, "post:2026-02-08:-100", "worker-b", 30)
    posts.release_lease(db, "post:2026-02-08:-100", "worker-a")
    assert posts.acquire_lease(db, "post:2026-02-08:-100", "worker-b", 30)


def test_racing_processes_get_a_lease_once(db_location: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from storage import posts

    connections = [open_db(db_location) for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        won = list(pool.map(lambda pair: posts.acquire_lease(pair[1], "daily", f"w{pair[0]}", 30),
                            enumerate(connections)))
    assert won.count(True) == 1
    for connection in connections:
        connection.close()


def test_health_says_whether_the_database_answers(db_location: str) -> None:
    from storage import posts

    db = open_db(db_location)
    assert posts.health(db) == posts.Health(True, "ok", None)
    db.close()
    unhealthy = posts.health(db)
    assert not unhealthy.database_ok and unhealthy.detail.startswith("error: ")


def test_postgres_adds_the_month_to_rows_written_without_it(postgres_url: str,
                                                           digest_dir: Path) -> None:
    # A worker still on older code (a rolling upgrade) writes tsvectors without the month: the
    # database's trigger adds it, so a newest-first search still lists that row first.
    db = open_db(postgres_url)
    ingest_paths(db, [digest_dir])
    newest = db.execute("SELECT max(id) FROM items").fetchone()[0] + 1
    db.execute("INSERT INTO items SELECT $1, date, position + 1, category, '鲸鱼快讯', summary, "
               "background, analysis, points, source_name, source_url FROM items WHERE id = $2",
               (newest, newest - 1))
    db.execute("INSERT INTO items_fts VALUES ($1, CAST($2 AS tsvector))", (newest, "'鲸鱼':1 '红包':3"))
    doc = db.execute("SELECT CAST(doc AS text) FROM items_fts WHERE id = $1", (newest,)).fetchone()[0]
    assert "'#m202602'" in doc
    from storage.search import expression_for

    assert db.match_ids(expression_for(db, "红包"), limit=3)[0] == newest
    assert newest in [item.id for item in search(db, "红包", limit=10).items]
    db.close()


def test_a_database_newer_than_the_code_is_refused(db_location: str) -> None:
    from storage import postgres
    from storage.model import SchemaError
    from storage.sqlite import MIGRATIONS as SQLITE_MIGRATIONS

    db = open_db(db_location)
    if db_location.startswith("postgresql://"):
        db.execute("INSERT INTO schema_version VALUES ($1)", (len(postgres.MIGRATIONS) + 1,))
    else:
        db.execute(f"PRAGMA user_version = {len(SQLITE_MIGRATIONS) + 1}")
    db.close()
    with pytest.raises(SchemaError, match="newer than this digestbot knows"):
        open_db(db_location)


def test_month_slices_start_at_the_range(monkeypatch) -> None:
    from storage import postgres
    from storage.index import item_id

    newest = item_id("2026-02-08", 0)
    full = postgres._month_slices(newest, 0)
    assert [len(months) for months, _ in full] == [1, 3, 12, 0]
    # The rest: everything before the oldest sliced month (2024-11), found by its id bound.
    assert [below for _, below in full] == [0, 0, 0, item_id("2024-11-01", 0)]
    # A range that starts in the 16th month back ends there: no empty "older" slice.
    assert [len(m) for m, _ in postgres._month_slices(newest, item_id("2024-11-01", 0))] == [
        1, 3, 12]
    assert [len(m) for m, _ in postgres._month_slices(newest, item_id("2024-10-31", 0))] == [
        1, 3, 12, 0]
    assert postgres._month_slices(newest, item_id("2026-02-01", 0)) == [(["#m202602"], 0)]


def test_a_phrase_ending_in_a_prefix_names_its_head_once() -> None:
    from storage.postgres import tsquery_phrase
    from storage.text import query_phrases

    (phrase,) = query_phrases("step-3.5v")
    assert tsquery_phrase(phrase, ["v", "vega"]) == "'step' <-> '3' <-> '5' <-> ('v' | 'vega')"
    assert tsquery_phrase(phrase, ["vega"]) == "'step' <-> '3' <-> '5' <-> 'vega'"
    assert tsquery_phrase(phrase, None) == "'step' <-> '3' <-> '5' <-> 'v':*"
    (word,) = query_phrases("kimi")
    assert tsquery_phrase(word, ["kimi", "kimiai"]) == "('kimi' | 'kimiai')"


def test_index_part_reads_phrases_as_all_words_and_leaves_exclusions_out() -> None:
    from storage.postgres import _index_part

    assert _index_part("('kimi') & ('k' <-> '2' <-> '5')") == "('kimi') & ('k' & '2' & '5')"
    assert _index_part("('红包')") == "('红包')"
    # An excluded phrase is left out (read as words, it would exclude too much); excluded plain
    # words stay: the index answers them alone.
    assert _index_part("(('红包')) & !(('文心' <-> '心一'))") == "(('红包'))"
    assert _index_part("(('a' <-> 'b')) & !(('c'))") == "(('a' & 'b')) & !(('c'))"
    assert _index_part("(((('红包')) & !(('文心'))))") == "(((('红包')) & !(('文心'))))"
    # Nested in the ORs of /what's alias groups, each with its own exclusion.
    assert _index_part("((('a')) & !(('b' <-> 'x'))) | ((('c' <-> 'd')) & !(('e') | ('f')))") == (
        "((('a'))) | ((('c' & 'd')) & !(('e') | ('f')))")
    # Parentheses and the marker inside a quoted lexeme are text.
    assert _index_part("('a') & !('x)y''z' <-> 'q')") == "('a')"
    assert _index_part("('a & !(b') & ('c')") == "('a & !(b') & ('c')"


def test_postgres_month_lexemes_sort_as_dates() -> None:
    from storage.index import item_id
    from storage.postgres import month_lexeme

    assert month_lexeme(item_id("2026-02-08", 3)) == "#m202602"
    assert month_lexeme(item_id("0001-01-01", 0)) == "#m000101" < month_lexeme(item_id("0999-12-31", 0))


def test_upserts_add_up_and_a_failed_batch_writes_nothing(db) -> None:
    upsert = ("INSERT INTO terms VALUES ($1, $2, $3) ON CONFLICT (term) DO UPDATE SET "
              "items = terms.items + excluded.items")
    db.execute("DELETE FROM terms")
    db.executemany(upsert, [("kimi", "Kimi", 2), ("qwen", "Qwen", 1)])
    db.executemany(upsert, [("kimi", "KIMI", 3), ("o'neil", "O'Neil", 1)])
    db.executemany(upsert, [("qwen", "Qwen", 1), ("qwen", "Qwen", 2)])  # the same key twice
    assert db.execute("SELECT * FROM terms ORDER BY term").fetchall() == [
        ("kimi", "Kimi", 5), ("o'neil", "O'Neil", 1), ("qwen", "Qwen", 4)]
    db.execute("DELETE FROM latin_tokens")
    db.executemany("INSERT INTO latin_tokens VALUES ($1) ON CONFLICT DO NOTHING",
                   [("a",), ("b",), ("a",), ("d",), ("b",)])
    assert db.execute("SELECT count(*) FROM latin_tokens").fetchone()[0] == 3
    import sqlite3

    import psycopg

    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.UniqueViolation)):
        db.executemany("INSERT INTO latin_tokens VALUES ($1)", [("c",), ("e",), ("a",)])
    assert db.execute("SELECT count(*) FROM latin_tokens").fetchone()[0] == 3  # all or nothing


def test_sql_reaches_each_database_as_written(db) -> None:
    # Nothing rewrites the SQL: a literal question mark, percent sign or "$1" in a string is text.
    row = db.execute("SELECT '?', '%s', '100%', '$1', $1, $2 || '?'", ("红包", "x")).fetchone()
    assert tuple(row) == ("?", "%s", "100%", "$1", "红包", "x?")
    assert tuple(db.execute("SELECT $1, $1", (7,)).fetchone()) == (7, 7)  # a number used twice


def test_bulk_rows_keep_awkward_values(db) -> None:
    values = ["tab\there", "new\nline", "back\\slash", "quote ' and \"", "\\N", "", "🐳 鲸鱼", None]
    db.insert_rows("files", [(f"p{n}", "hash", n, n, None, "indexed", value)
                             for n, value in enumerate(values)])
    got = db.execute("SELECT reason FROM files WHERE path LIKE 'p%' ORDER BY size").fetchall()
    assert [row[0] for row in got] == values
    db.insert_rows("meta", [("k", "v")], columns=["key", "value"])
    assert db.execute("SELECT value FROM meta WHERE key = 'k'").fetchone()[0] == "v"


def test_both_backends_have_the_same_tables_and_columns(postgres_url: str, tmp_path: Path) -> None:
    sqlite_db, postgres_db = open_db(tmp_path / "parity.db"), open_db(postgres_url)
    try:
        sqlite_tables, postgres_tables = sqlite_db.tables(), postgres_db.tables()
    finally:
        sqlite_db.close()
        postgres_db.close()
    assert sqlite_tables == postgres_tables
    assert {"items", "digests", "posts", "readers", "watches", "leases"} <= set(sqlite_tables)
    assert sqlite_tables["items"][:3] == ["id", "date", "position"]


def test_a_transaction_belongs_to_the_thread_that_opened_it(db_location: str) -> None:
    import threading

    db = open_db(db_location)
    db.execute("INSERT INTO meta VALUES ('probe', 'before')")
    seen: list[object] = []

    def reader() -> None:
        seen.append(db.in_transaction)
        seen.append(db.execute("SELECT value FROM meta WHERE key = 'probe'").fetchone()[0])

    with db.transaction():
        db.execute("UPDATE meta SET value = 'inside' WHERE key = 'probe'")
        other = threading.Thread(target=reader)
        other.start()
        other.join()
        assert db.in_transaction
    # The other thread was in no transaction and read the committed value, not the open one's.
    assert seen == [False, "before"]
    assert db.execute("SELECT value FROM meta WHERE key = 'probe'").fetchone()[0] == "inside"
    with pytest.raises(RuntimeError), db.transaction():
        db.execute("UPDATE meta SET value = 'rolled back' WHERE key = 'probe'")
        raise RuntimeError("undo")
    assert db.execute("SELECT value FROM meta WHERE key = 'probe'").fetchone()[0] == "inside"
    db.close()


def _recounted_terms(db) -> list[tuple[str, int]]:
    """The fuzzy vocabulary recomputed from the items now in the index."""
    import storage.index as index

    counts, _ = index._term_counts(" ".join(row[:4]) + row[4] for row in db.execute(
        "SELECT title, summary, background, analysis, points FROM items"))
    return sorted(counts.items())


def test_one_batch_with_the_same_day_twice_keeps_the_later_file(db_location: str,
                                                                digest_dir: Path,
                                                                tmp_path: Path) -> None:
    # Files are written in batches of many digests; a day that comes twice in one scan is stored
    # once per file, in file order, so the later file wins and the vocabulary stays exact.
    folder = tmp_path / "same-day"
    folder.mkdir()
    original = (digest_dir / "000_e3db2d51e8470e21.txt").read_text(encoding="utf-8")
    (folder / "a.md").write_text(original, encoding="utf-8")
    (folder / "b.md").write_text(original.replace("蘑菇物联", "蘑菇工场"), encoding="utf-8")
    (folder / "c.md").write_text("no digest here", encoding="utf-8")
    (folder / "d.md").write_text(original.replace("2026-01-30", "2026-01-31"), encoding="utf-8")
    db = open_db(db_location)
    outcomes = ingest_paths(db, [folder])
    assert [(Path(o.path).name, o.status, o.replaced) for o in outcomes] == [
        ("a.md", "indexed", False), ("b.md", "indexed", True), ("c.md", "rejected", False),
        ("d.md", "indexed", False)]
    assert search(db, "蘑菇工场").total == 1 and search(db, "蘑菇物联").total == 1  # d.md's
    assert _count(db) == 2 * 13 and _count(db, "digests") == 2
    terms = db.execute("SELECT term, items FROM terms ORDER BY term").fetchall()
    assert [tuple(row) for row in terms] == _recounted_terms(db)
    assert [o.status for o in ingest_paths(db, [folder])] == [
        "unchanged", "unchanged", "rejected", "unchanged"]
    db.close()


def test_a_readers_write_waits_for_one_batch_of_a_scan_not_the_whole_scan(
        db_location: str, digest_dir: Path, tmp_path: Path, monkeypatch) -> None:
    # The bot's scans write small batches and rest between them; a reader's write (a usage count)
    # sent while the first batch is being written lands before the scan's last batch.
    import threading

    import storage.index as index
    from storage import readers

    folder = tmp_path / "scan"
    shutil.copytree(digest_dir, folder)
    real, events = index.store_digests, []
    started = threading.Event()

    def slow(db, digests, replacing):  # a batch that takes a while to write, holding the turn
        started.set()
        time.sleep(0.3)
        events.append(("batch", digests[0][0].date))
        return real(db, digests, replacing)

    monkeypatch.setattr(index, "store_digests", slow)
    db = open_db(db_location)
    scan = threading.Thread(target=ingest_paths, args=(db, [folder]),
                            kwargs={"batch_items": 1, "pause_s": 0.05})
    scan.start()
    assert started.wait(10)
    readers.record_use(db, "2026-02-08", "search", "红包")
    events.append(("reader", None))
    scan.join()
    assert [kind for kind, _ in events].index("reader") < 4  # before the last of the 5 batches
    assert db.execute("SELECT uses FROM usage").fetchone()[0] == 1
    assert _count(db, "digests") == 5
    db.close()


def test_postgres_newest_first_slices_find_what_sqlite_finds(postgres_url: str,
                                                             tmp_path: Path) -> None:
    # An archive over 19 months: the month slices (1, 3 and 12 months) and the rest behind them,
    # phrases and exclusions checked lazily; PostgreSQL must list exactly SQLite's ids, in order.
    from bench.generate import generate
    from storage.backend import ALL_IDS
    from storage.index import item_id
    from storage.search import compile_query

    files = generate(tmp_path / "archive", 8_000, seed=3)[::8]
    sqlite_db, postgres_db = open_db(tmp_path / "slices.db"), open_db(postgres_url)
    try:
        for db in (sqlite_db, postgres_db):
            ingest_paths(db, files)
        newest = sqlite_db.execute("SELECT max(id) FROM items").fetchone()[0]
        oldest = sqlite_db.execute("SELECT min(id) FROM items").fetchone()[0]
        assert (newest - oldest) // 1000 > 500  # days: the rest slice holds items
        middle = (item_id("2025-03-01", 0), item_id("2025-09-30", 999))
        checked: list[int] = []
        for query in ("红包", "阶跃星辰", "Kimi K2.5", "千问 红包", "红包 -文心", "AI -OpenAI",
                      "融资", "模型发布", "鳄鱼潜艇", "Step-3.5", "GPT-5.3 Co", "Claude Op", "Kimi K",
                      "step-3.5v", "GPT-5.3-Co", "红包 -GPT-5.3-Co", "Claude-Op", "AI -Kimi K",
                      "Open"):
            on_sqlite = compile_query(sqlite_db, query).expression
            on_postgres = compile_query(postgres_db, query).expression
            everything = sqlite_db.match_ids(on_sqlite)
            assert postgres_db.match_ids(on_postgres) == everything, query
            for bounds, category, limit in ((ALL_IDS, None, 5), (ALL_IDS, None, 201),
                                            (ALL_IDS, None, 5_000), (middle, None, 30),
                                            (ALL_IDS, "投融资", 40)):
                want = sqlite_db.match_ids(on_sqlite, bounds, category, limit)
                assert postgres_db.match_ids(on_postgres, bounds, category, limit) == want, (
                    query, bounds, category, limit)
                if bounds == ALL_IDS and category is None:
                    assert want == everything[:limit]
            checked.append(len(everything))
        assert min(checked) == 0 and sorted(checked)[-3] > 201  # absent words, and common ones
    finally:
        sqlite_db.close()
        postgres_db.close()


def test_match_ids_each_answers_each_expression_as_match_ids_does(db) -> None:
    # The week board asks for all its alias groups at once (PostgreSQL: one statement).
    from storage.index import item_id
    from storage.search import expression_for

    week = (item_id("2026-02-02", 0), item_id("2026-02-08", 999))
    expressions = [expression_for(db, q) for q in ("红包", "阶跃星辰", "鳄鱼潜艇", "Kimi", "千问 -红包")]
    each = db.match_ids_each(expressions, week)
    assert each == [db.match_ids(expression, week) for expression in expressions]
    assert each[0] and each[1] and each[2] == [] and each[4]
    assert all(week[0] <= i <= week[1] for ids in each for i in ids)
    assert all(ids == sorted(ids, reverse=True) for ids in each)
    assert db.match_ids_each([], week) == []


def test_digests_dated_outside_a_sane_range_are_rejected_with_the_reason(db, digest_dir: Path) -> None:
    body = "\n\n**产品与应用发布**\n\n条目\n说明：x\n"
    far = dt.date.today() + dt.timedelta(days=LATEST_DAYS_AHEAD + 1)
    near = dt.date.today() + dt.timedelta(days=LATEST_DAYS_AHEAD)
    for name, date in [("end.md", "9999-12-31"), ("start.md", "0001-01-01"),
                       ("1999.md", "1999-12-31"), ("far.md", far.isoformat()),
                       ("2000.md", "2000-01-01"), ("near.md", near.isoformat())]:
        (digest_dir / name).write_text(f"# AI 行业动态 ({date})" + body, encoding="utf-8")
    outcomes = {Path(o.path).name: o for o in ingest_paths(db, [digest_dir])}
    rejected = {name: o.reason for name, o in outcomes.items() if o.status == "rejected"}
    assert set(rejected) == {"end.md", "start.md", "1999.md", "far.md"}
    assert rejected["end.md"] == (f"date 9999-12-31 is out of range (2000-01-01 to "
                                  f"{near.isoformat()})")
    assert "0001-01-01" in rejected["start.md"] and far.isoformat() in rejected["far.md"]
    assert outcomes["2000.md"].status == outcomes["near.md"].status == "indexed"
    assert _count(db, "digests") == 7
    assert digest_on(db, "9999-12-31") is None and digest_on(db, "0001-01-01") is None
    upload = ingest_bytes(db, ("# AI 行业动态 (9999-12-31)" + body).encode(), "upload.md")
    assert upload.status == "rejected" and "out of range" in upload.reason


LATE_0128 = "# AI 行业动态 (2026-01-28)\n\n**产品与应用发布**\n\n唯一的条目\n说明：只剩一条。\n"


def test_a_deleted_file_takes_its_digest_out_and_another_file_of_that_day_takes_over(
        db, digest_dir: Path) -> None:
    late = digest_dir / "late.md"
    late.write_text(LATE_0128, encoding="utf-8")
    assert [o.status for o in scan_dir(db, digest_dir) if o.status != "unchanged"] == ["indexed"]
    assert digest_on(db, "2026-01-28")[0].items == 1
    late.unlink()  # the version indexed: the day goes, the other file of that day is read again
    outcomes = scan_dir(db, digest_dir)
    changed = [(Path(o.path).name, o.status, o.date) for o in outcomes if o.status != "unchanged"]
    assert changed == [("late.md", "removed", "2026-01-28"),
                       ("002_6bbf6e6fa9bacb4c.txt", "indexed", "2026-01-28")]
    assert outcomes[0].line().startswith("removed ") and outcomes[0].line().endswith("2026-01-28")
    assert digest_on(db, "2026-01-28")[0].items == 7 and _count(db) == 62
    assert search(db, "唯一的条目").total == 0


def test_a_deleted_file_whose_day_another_file_holds_changes_nothing(db, digest_dir: Path) -> None:
    (digest_dir / "late.md").write_text(LATE_0128, encoding="utf-8")
    scan_dir(db, digest_dir)
    (digest_dir / "002_6bbf6e6fa9bacb4c.txt").unlink()  # replaced by late.md already
    assert {o.status for o in scan_dir(db, digest_dir)} == {"unchanged"}
    assert digest_on(db, "2026-01-28")[0].items == 1 and _count(db) == 56


def test_each_deleted_file_takes_its_day_out_and_its_words_with_it(db, digest_dir: Path) -> None:
    assert search(db, "AI投资联盟").total == 1
    (digest_dir / "002_6bbf6e6fa9bacb4c.txt").unlink()
    (digest_dir / "003_88ec4899e4da85ae.txt").unlink()
    removed = [o for o in scan_dir(db, digest_dir) if o.status == "removed"]
    assert sorted(o.date for o in removed) == ["2026-01-28", "2026-02-08"]
    assert digest_on(db, "2026-01-28") is None and digest_on(db, "2026-02-08") is None
    assert _count(db, "digests") == 3 and _count(db) == 62 - 7 - 12
    assert _count(db, "items_fts") == _count(db) and _count(db, "item_titles") == _count(db)
    assert _count(db, "item_terms") == _count(db)
    assert db.execute("SELECT count(*) FROM term_first_seen WHERE first_id NOT IN "
                      "(SELECT id FROM items)").fetchone()[0] == 0
    assert search(db, "AI投资联盟").total == 0
    assert {o.status for o in scan_dir(db, digest_dir)} == {"unchanged"}  # nothing more to do


def test_an_emptied_folder_takes_nothing_out(db, digest_dir: Path) -> None:
    for path in digest_dir.iterdir():  # an unmounted volume looks like this
        path.unlink()
    assert scan_dir(db, digest_dir) == []
    assert _count(db, "digests") == 5 and _count(db) == 62


def test_remove_day_keeps_the_day_out_until_its_file_changes(db, digest_dir: Path) -> None:
    assert remove_day(db, "2026-01-28") and not remove_day(db, "2026-01-28")
    assert digest_on(db, "2026-01-28") is None and _count(db) == 55
    assert search(db, "AI投资联盟").total == 0
    (kept_out,) = [o for o in scan_dir(db, digest_dir) if o.status == "rejected"]
    assert Path(kept_out.path).name == "002_6bbf6e6fa9bacb4c.txt"
    assert kept_out.reason == REMOVED_BY_ADMIN and digest_on(db, "2026-01-28") is None
    path = digest_dir / "002_6bbf6e6fa9bacb4c.txt"
    path.write_bytes(path.read_bytes() + b"\n")
    assert [o.status for o in scan_dir(db, digest_dir) if o.status != "unchanged"] == ["indexed"]
    assert digest_on(db, "2026-01-28")[0].items == 7


def test_upsert_rows_resolves_each_rows_conflict_past_one_statements_worth(db_location: str) -> None:
    """Both backends: rows inserted, conflicts resolved as the clause says, also past the rows
    PostgreSQL writes in one statement (storage.postgres.UPSERT_ROWS)."""
    from storage.postgres import UPSERT_ROWS

    database = open_db(db_location)
    count = UPSERT_ROWS * 2 + 7
    move_earlier = ("(term) DO UPDATE SET first_id = excluded.first_id "
                    "WHERE excluded.first_id < term_first_seen.first_id")
    database.upsert_rows("term_first_seen", [(f"t{n}", 1000 + n) for n in range(count)], move_earlier)
    # Even terms: an earlier first item (moves); odd ones: a later one (stays); and new terms.
    database.upsert_rows("term_first_seen", [(f"t{n}", 500 + n if n % 2 == 0 else 5000 + n)
                                             for n in range(count)] + [("new", 1)], move_earlier)
    stored = dict(database.execute("SELECT term, first_id FROM term_first_seen").fetchall())
    assert len(stored) == count + 1 and stored["new"] == 1
    assert all(stored[f"t{n}"] == (500 + n if n % 2 == 0 else 1000 + n) for n in range(count))
    database.upsert_rows("latin_tokens", [("alpha",), ("beta",)], "(token) DO NOTHING")
    database.upsert_rows("latin_tokens", [("beta",), ("gamma",)], "(token) DO NOTHING")
    assert [r[0] for r in database.execute("SELECT token FROM latin_tokens ORDER BY token")] == [
        "alpha", "beta", "gamma"]
    database.upsert_rows("terms", [], "(term) DO NOTHING")  # nothing to write: no statement
    database.close()
