"""The benchmark's archive generator and runner: deterministic, parseable, exact, and a valid JSON report."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench import run as bench_run
from bench.generate import generate
from storage.parse import parse_file
from storage.text import tokens

REQUIRED_KEYS = ("items", "ingest_items_per_s", "rescan_s", "db_mb", "search_p50_ms", "search_p95_ms",
                 "search_p99_ms", "baseline_p50_ms", "baseline_p95_ms", "what_p95_ms", "fuzzy_p95_ms",
                 "handler_p95_ms", "peak_rss_mb")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", 300, seed=7)
    generate(tmp_path / "b", 300, seed=7)
    generate(tmp_path / "c", 300, seed=8)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a") != _files(tmp_path / "c")


@pytest.mark.parametrize("items", [1, 157, 300])
def test_every_file_parses_and_the_item_count_is_exact(tmp_path: Path, items: int) -> None:
    paths = generate(tmp_path, items)
    digests = [parse_file(p) for p in paths]
    assert sum(len(d.items) for d in digests) == items
    assert len({d.date for d in digests}) == len(paths)  # one file per day


def test_all_layouts_and_both_heading_date_styles(tmp_path: Path) -> None:
    paths = generate(tmp_path, 300)
    digests = [parse_file(p) for p in paths]
    assert {d.layout for d in digests} == {"span", "heading", "article"}
    first_lines = [p.read_text(encoding="utf-8-sig").splitlines()[0] for p in paths]
    assert any(line.startswith("# AI 行业动态 (") for line in first_lines)
    assert any(line.startswith("# 20") and "年" in line for line in first_lines)
    articles = [d for d in digests if d.layout == "article"]
    assert any(item.analysis for d in articles for item in d.items)  # **深度解读：** sections
    assert any(not item.analysis for d in articles for item in d.items)  # ## 更多动态 bullets
    assert max(d.date for d in digests) == "2026-02-08"


def test_about_ninety_percent_of_items_mention_ai(tmp_path: Path) -> None:
    items = [i for p in generate(tmp_path, 1000) for i in parse_file(p).items]
    # As the index sees it: a token starting with "ai" (AI, AI+, AIGC; not OpenAI).
    share = sum(any(t.startswith("ai") for t in tokens(" ".join((i.title, i.summary, i.background,
                                                                   i.analysis, *i.points))))
                for i in items) / len(items)
    assert 0.85 <= share <= 0.95


def test_run_prints_one_json_object_with_numeric_keys(tmp_path: Path, capsys) -> None:
    assert bench_run.main(["--items", "300", "--queries", "30", "--json", "--busy-items", "150",
                           "--startup-pairs", "1", "--mcp-reps", "2", "--web-seconds", "1",
                           "--web-reps", "5", "--fanout-subscribers", "300", "--fanout-sample",
                           "50", "--workdir", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in REQUIRED_KEYS:
        value = report[key]
        assert isinstance(value, int | float) and not isinstance(value, bool), key
        assert math.isfinite(value), key
    assert report["items"] == 300 and report["rejected"] == 0
    assert report["machine"]["nproc"] >= 1 and report["machine"]["python"]
    assert report["per_kind"] and all(isinstance(k["p50"], float) and isinstance(k["p95"], float)
                                      for k in report["per_kind"].values())
    assert report["handler_errors"] == 0
    # Every MCP tool through `digestbot mcp`, beside the storage call it makes.
    mcp = report["mcp"]
    assert mcp["errors"] == 0 and len(mcp["tools"]) == 7
    assert all(t["n"] >= 1 and t["server_p95"] > 0 and t["direct_p95"] > 0 for t in mcp["tools"].values())
    # Readers timed while /reindex indexes new digests; each command's answers, and the admin's.
    busy = report["while_indexing"]
    assert busy["new_items"] == 150 and busy["new_digests"] >= 10 and busy["admin_told"]
    assert set(busy["idle"]) == set(busy["during_scan"]) == {"/search 融资", "/today",
                                                             "/what 阶跃星辰", "/help"}
    # The web archive: server time of each route beside its bare storage call, then 50 clients.
    web = report["web"]
    assert set(web["server"]) == {"search", "day", "feed"}
    for route in web["server"].values():
        assert route["errors"] == 0 and route["server"]["n"] == 5 and route["server"]["p95"] > 0
        assert route["bare_storage"]["p95"] > 0
    assert web["concurrent"]["clients"] == 50 and web["concurrent"]["requests"] > 0
    assert web["concurrent"]["errors"] == 0
    # Start-up of the quick commands beside a bare Python, one pair each.
    startup = {row["command"]: row for row in report["startup"]["commands"]}
    assert {"search 红包 --json", "--help"} <= set(startup)
    assert all(row["bare_ms"] > 0 and row["digestbot_ms"] > 0 for row in startup.values())
    # The fan-out: every subscriber through the storage calls, a sample through the real senders.
    fan = report["fanout"]["sqlite"]
    assert fan["db_brief"]["subscribers"] >= 50 and fan["db_brief"]["ms_per_subscriber"] > 0
    assert fan["db_full"]["subscribers"] >= 50
    assert fan["ceiling_brief"]["subscribers"] == 50 and fan["ceiling_brief"]["messages"] >= 45
    assert fan["ceiling_full"]["messages"] > fan["ceiling_brief"]["messages"]
    assert set(fan["projected"]) == {"brief", "full"}
    assert all(seconds > 0 for by_rate in fan["projected"].values() for seconds in by_rate.values())
