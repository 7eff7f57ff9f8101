"""The digestbot command line, run in-process."""

from __future__ import annotations

import json
from pathlib import Path

from bot.cli import main


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
