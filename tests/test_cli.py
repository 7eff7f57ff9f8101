"""The digestbot command line, run in-process (and in a subprocess where start-up is the point)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

PROJECT = Path(__file__).resolve().parent.parent
COMMANDS = ["ingest", "search", "what", "today", "categories", "hot", "migrate", "ask", "shell", "run",
            "push", "mcp", "web"]
# What the quick commands must not import: the bot (python-telegram-bot and its Application) and
# the heavy libraries only other commands need (charts; PostgreSQL; sqlite-utils, which loads numpy;
# rapidfuzz, for typo correction only; multiprocessing, for a big ingest only).
NOT_ON_THE_QUICK_PATH = ("telegram", "matplotlib", "bot.offline", "bot.app", "numpy", "psycopg",
                         "psycopg_pool", "sqlite_utils", "rapidfuzz", "multiprocessing",
                         "concurrent.futures", "mcp", "bot.mcp", "handlers.mcp",
                         "rjieba")  # the segmenter: ingest only


def test_ingest_prints_one_line_per_file_and_exits_1_on_reject(tmp_path: Path, digest_dir: Path,
                                                              capsys) -> None:
    (digest_dir / "bad.md").write_text("no date, no items\n", encoding="utf-8")
    status = main(["--db", str(tmp_path / "a.db"), "ingest", str(digest_dir)])
    out = capsys.readouterr().out.splitlines()
    assert status == 1 and len(out) == 6
    assert sum(line.startswith("indexed") for line in out) == 5
    assert any(line.startswith("rejected") and "bad.md" in line for line in out)


def test_search_json_has_the_item_keys(cli_db: str, capsys) -> None:
    assert main(["--db", cli_db, "search", "红包", "--json", "--category", "产品"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert len(items) == 6 and {i["category"] for i in items} == {"产品与应用发布"}
    for key in ("date", "category", "title", "summary", "points", "source_name", "source_url"):
        assert key in items[0]
    assert isinstance(items[0]["points"], list)


def test_what_json_is_in_date_order_with_story(cli_db: str, capsys) -> None:
    assert main(["--db", cli_db, "what", "阶跃星辰", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [i["date"] for i in items] == sorted(i["date"] for i in items)
    assert len({i["story"] for i in items}) == 2


def test_today_defaults_to_newest(cli_db: str, capsys) -> None:
    assert main(["--db", cli_db, "today", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert len(items) == 12 and {i["date"] for i in items} == {"2026-02-08"}
    assert main(["--db", cli_db, "today", "--date", "2026-01-28", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 7
    assert main(["--db", cli_db, "today", "--date", "2025-01-01"]) == 1


def test_categories_and_text_output(cli_db: str, capsys) -> None:
    assert main(["--db", cli_db, "categories", "--json"]) == 0
    assert sum(c["items"] for c in json.loads(capsys.readouterr().out)) == 62
    assert main(["--db", cli_db, "search", "Antropic"]) == 0
    assert "Anthropic" in capsys.readouterr().out


def test_a_database_from_a_newer_digestbot_is_refused_with_a_message(cli_db: str, capsys) -> None:
    import sqlite3

    with sqlite3.connect(cli_db) as conn:
        conn.execute("PRAGMA user_version = 99")
    assert main(["--db", cli_db, "search", "红包"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("database error:") and "upgrade digestbot" in err


def test_db_from_environment(tmp_path: Path, digest_dir: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DIGESTBOT_DB", str(tmp_path / "env.db"))
    assert main(["ingest", str(digest_dir)]) == 0
    assert (tmp_path / "env.db").exists()


def test_terminal_shows_progress_bar_and_summary(tmp_path: Path, digest_dir: Path, monkeypatch,
                                                 capsys) -> None:
    for n in range(25):
        text = (digest_dir / "002_6bbf6e6fa9bacb4c.txt").read_text(encoding="utf-8")
        (digest_dir / f"copy{n:02d}.md").write_text(
            text.replace("2026-01-28", f"2025-03-{n + 1:02d}"), encoding="utf-8")
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert main(["--db", str(tmp_path / "p.db"), "ingest", str(digest_dir)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip().splitlines() == [
        "30 files: 30 indexed (237 items), 0 unchanged, 0 rejected"]
    assert "30/30" in captured.err  # tqdm's bar


def test_migrate_copies_everything_into_postgres_once(cli_db: str, postgres_url: str,
                                                      capsys) -> None:
    from storage import posts, readers
    from storage.backend import open_db
    from storage.search import search

    source = open_db(cli_db)
    run = posts.start_run(source, "2026-02-08", "-100123", 2)
    posts.record_message(source, run, 0, 11)
    posts.set_setting(source, "post_time", "09:30")
    readers.subscribe(source, 7, ["投融资与并购"])
    readers.add_watch(source, 7, "阶跃星辰")
    readers.choose_language(source, 7, "en")
    readers.record_use(source, "2026-02-08", "search", "红包")
    query_id = posts.remember_query(source, "红包")
    from storage import targets as target_records
    delivered, _ = target_records.start_run(source, "2026-02-08", "wecom:abc123", 3)
    target_records.record_message(source, delivered, 0)
    expected = {q: [i.title for i in search(source, q, limit=50).items]
                for q in ("红包", "阶跃星辰", "Kimi K2.5", "AI")}
    source.close()

    assert main(["migrate", "--from", cli_db, "--to", postgres_url]) == 0
    out = capsys.readouterr().out
    assert "items                62 rows" in out and "one transaction" in out
    target = open_db(postgres_url)
    for query, titles in expected.items():
        assert [i.title for i in search(target, query, limit=50).items] == titles, query
    assert posts.sent_sequence_numbers(target, posts.current_run(target, "2026-02-08",
                                                                 "-100123")) == {0}
    assert posts.get_setting(target, "post_time") == "09:30"
    assert target_records.start_run(target, "2026-02-08", "wecom:abc123", 3)[1] == {0}
    assert readers.subscribers(target)[0].categories == ("投融资与并购",)
    assert readers.watches_of(target, 7) == ["阶跃星辰"]
    assert readers.language_choice(target, 7) == "en"
    assert posts.recall_query(target, query_id) == "红包"
    assert posts.recall_query(target, posts.remember_query(target, "新的查询")) == "新的查询"
    target.close()

    assert main(["migrate", "--from", cli_db, "--to", postgres_url]) == 2
    assert "already holds data" in capsys.readouterr().err
    assert main(["migrate", "--from", cli_db, "--to", postgres_url, "--force"]) == 0
    again = open_db(postgres_url)
    assert again.execute("SELECT count(*) FROM items").fetchone()[0] == 62
    assert main(["migrate", "--from", "/nonexistent.db", "--to", postgres_url]) == 2
    assert main(["migrate", "--from", cli_db, "--to", "/tmp/x.db"]) == 2


def test_a_failed_migrate_leaves_the_target_untouched(cli_db: str, postgres_url: str,
                                                      monkeypatch) -> None:
    from storage import postgres
    from storage.backend import open_db
    from storage.migrate import MigrateError, copy_to_postgres

    def broken(*args, **kwargs):
        raise MigrateError("disk full")

    # fails after every table was copied
    monkeypatch.setattr(postgres.PostgresDatabase, "add_fts_rows", broken)
    with pytest.raises(MigrateError):
        copy_to_postgres(cli_db, postgres_url)
    target = open_db(postgres_url)
    assert target.execute("SELECT count(*) FROM items").fetchone()[0] == 0
    assert target.execute("SELECT count(*) FROM digests").fetchone()[0] == 0


def test_a_forced_migrate_leaves_a_generation_no_reader_has_cached(postgres_url: str,
                                                                  digest_dir: Path,
                                                                  tmp_path: Path) -> None:
    # A running server's caches (category counts, archive stats, ...) are keyed by the index
    # generation; the copy brings the source's number, which may equal the one they cached.
    from storage.backend import open_db
    from storage.digests import archive_stats, categories
    from storage.index import generation, ingest_paths
    from storage.migrate import copy_to_postgres

    files = sorted(digest_dir.iterdir())
    source = open_db(tmp_path / "two.db")
    ingest_paths(source, files[:2])
    live = open_db(postgres_url)  # e.g. the site's database object
    try:
        ingest_paths(live, files)
        assert generation(live) == generation(source)
        source.close()
        assert archive_stats(live).digests == 5 and categories(live)
        copy_to_postgres(tmp_path / "two.db", postgres_url, force=True)
        assert generation(live) > 1
        copied = archive_stats(live)
        assert copied.digests == 2
        assert copied.items == live.execute("SELECT count(*) FROM items").fetchone()[0]
        assert sum(c.items for c in categories(live)) == copied.items
    finally:
        live.close()


def test_help_lists_every_command_including_the_bot_commands(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    listed = capsys.readouterr().out.split("positional arguments:")[1].split("options:")[0]
    # argparse indents each command by 4 and a help text that does not fit beside it by more
    assert [line.split()[0] for line in listed.splitlines()
            if line.startswith("    ") and line[4] != " "] == COMMANDS
    with pytest.raises(SystemExit):
        main(["ask", "--help"])
    assert "--user-id" in capsys.readouterr().out


def _modules_imported_by(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run `digestbot ARGS` in a fresh interpreter; return it and every module it imported."""
    command = [sys.executable, "-X", "importtime", "-c",
               "import sys; from bot.cli import main; sys.exit(main())", *args]
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    run = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", cwd=cwd,
                         env=env, timeout=120)
    modules = {line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines()
               if line.startswith("import time:")}
    return run, modules


@pytest.mark.parametrize("args", [["search", "红包", "--json"], ["what", "阶跃星辰"], ["today"],
                                  ["categories"], ["hot", "--date", "2026-02-08"], ["--help"]],
                         ids=lambda args: args[0])
def test_quick_commands_import_neither_the_bot_nor_heavy_libraries(cli_db: str, tmp_path: Path,
                                                                   args: list[str]) -> None:
    run, modules = _modules_imported_by(["--db", cli_db, *args], tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "bot.cli" in modules and run.stdout.strip()
    heavy = sorted(name for name in modules
                   if any(name == top or name.startswith(top + ".") for top in NOT_ON_THE_QUICK_PATH))
    assert heavy == []
    if args[0] == "search":
        assert len(json.loads(run.stdout)) == 6
    if args[0] == "--help":  # the settings and the index are not needed to print the help
        assert not {"bot.config", "storage.model"} & modules


def test_search_excludes_words_on_both_backends(db_location: str, digest_dir: Path, capsys) -> None:
    assert main(["--db", db_location, "ingest", str(digest_dir)]) == 0
    capsys.readouterr()
    # Unquoted: `-文心` is an excluded word, not an option; quoted and with `!` the same.
    for argv in (["红包", "-文心"], ["红包 -文心"], ["--json", "红包", "!文心"]):
        assert main(["--db", db_location, "search", *argv, "--json"]) == 0
        titles = {item["title"] for item in json.loads(capsys.readouterr().out)}
        assert titles == {"腾讯元宝发放10亿元红包", "阿里千问启动30亿元春节免单活动",
                          "千问宣布投入30亿入局春节AI大战"}
    assert main(["--db", db_location, "search", "-文心"]) == 1
    assert "only excludes" in capsys.readouterr().err


def _imported(stderr: str) -> set[str]:
    """Return the modules `python -X importtime` reported on `stderr`."""
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines()
            if line.startswith("import time:")}


def _telegram(modules: set[str]) -> list[str]:
    return sorted(name for name in modules if name == "telegram" or name.startswith("telegram."))


def test_mcp_command_imports_nothing_from_telegram(cli_db: str, tmp_path: Path) -> None:
    # The stdio server starts (logging set up, server built over the index) and ends at the end
    # of its input.
    command = [sys.executable, "-X", "importtime", "-c",
               "import sys; from bot.cli import main; sys.exit(main())", "--db", cli_db, "mcp"]
    run = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         encoding="utf-8", cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(PROJECT)},
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    modules = _imported(run.stderr)
    assert {"bot.mcp.server", "bot.mcp.markdown", "handlers.mcp", "bot.logs", "mcp"} <= modules
    assert _telegram(modules) == []


def test_web_command_imports_nothing_from_telegram(cli_db: str, tmp_path: Path) -> None:
    # The site serves (logging set up, templates loaded) until SIGINT.
    import signal

    command = [sys.executable, "-X", "importtime", "-c",
               "import sys; from bot.cli import main; sys.exit(main())", "--db", cli_db, "web",
               "--port", "0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              encoding="utf-8", cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(PROJECT)})
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith("serving the web archive on http://")
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=120)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0, stderr[-2000:]
    modules = _imported(stderr)
    assert {"bot.web", "handlers.web", "bot.logs", "tornado.web", "jinja2"} <= modules
    assert _telegram(modules) == []
