"""digestbot benchmark: generate an archive, ingest it, re-scan it, time queries and handlers.

    python bench/run.py --items 100000 [--json] [--seed 1] [--queries 300] [--workdir DIR]
                        [--budget S] [--baseline-reps N] [--handler-reps N] [--json-out FILE]
                        [--mcp-reps N] [--database-url URL] [--fanout-subscribers N]

Everything runs on the same generated data, through the product's own code:
storage.index.ingest_paths / scan_dir, storage.search.search, storage.stories.what,
bot.offline.Session for the handlers, `digestbot mcp` for the MCP tools (bench/mcp_tools.py), and
the daily fan-out to subscribers against a local Bot API stand-in (bench/fanout.py).
A naive LIKE scan is the baseline.
Each phase is bounded by --budget seconds; no timing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench import busy, startup  # noqa: E402
from bench.generate import generate  # noqa: E402
from bench.handlers import QUESTION, time_handlers  # noqa: E402
from storage.backend import Database, open_db  # noqa: E402
from storage.categories import canonical_category  # noqa: E402
from storage.index import IngestStatus, ingest_paths, scan_dir  # noqa: E402
from storage.search import expression_for, search  # noqa: E402
from storage.stories import what  # noqa: E402

# (kind, group, query, category). "keyword" kinds make up search_p50/p95/p99.
QUERY_MIX: tuple[tuple[str, str, str, str | None], ...] = (
    ("cjk2 红包", "keyword", "红包", None),
    ("cjk2 融资", "keyword", "融资", None),
    ("cjk4 阶跃星辰", "keyword", "阶跃星辰", None),
    ("latin kimi", "keyword", "kimi", None),
    ("latin Qwen", "keyword", "Qwen", None),
    ("mixed Kimi K2.5", "keyword", "Kimi K2.5", None),
    ("common AI", "keyword", "AI", None),
    ("zero 鳄鱼潜艇", "keyword", "鳄鱼潜艇", None),
    ("category 融资@投融资", "keyword", "融资", "投融资"),
    ("fuzzy Antropic", "fuzzy", "Antropic", None),
    ("what 阶跃星辰", "what", "阶跃星辰", None),
    ("what 千问", "what", "千问", None),
)
BASELINE_SQL = ("SELECT id, date, category, title, summary FROM items WHERE (title LIKE $1 OR summary "
                "LIKE $1 OR background LIKE $1 OR analysis LIKE $1 OR points LIKE $1){extra} "
                "ORDER BY id DESC LIMIT 20")


def pct(values: list[float], p: float) -> float:
    """Return the p-th percentile (nearest rank) of `values`, or NaN if empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def stats(values: list[float]) -> dict[str, float]:
    return {"p50": round(pct(values, 50), 3), "p95": round(pct(values, 95), 3),
            "p99": round(pct(values, 99), 3), "n": len(values)}


def ratio(baseline: float, ours: float) -> float | None:
    """Return baseline / ours (how many times faster ours is), two decimals below 10."""
    if not ours or math.isnan(ours) or math.isnan(baseline):
        return None
    value = baseline / ours
    return round(value, 2 if value < 10 else 1)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KB on Linux


def _timed(call: Callable[[], object]) -> tuple[float, object]:
    began = time.perf_counter()
    value = call()
    return (time.perf_counter() - began) * 1000, value


def _query_call(db: Database, group: str, query: str, category: str | None) -> Callable[[], object]:
    if group == "what":
        return lambda: what(db, query)
    return lambda: search(db, query, category=category)


def run_queries(db: Database, queries: int, budget_s: float) -> dict:
    """Run QUERY_MIX round-robin until `queries` calls (or the budget); return times and hits per kind."""
    times: dict[str, list[float]] = {kind: [] for kind, *_ in QUERY_MIX}
    info: dict[str, dict] = {}
    for kind, group, query, category in QUERY_MIX:  # first (cold) call, kept apart
        ms, result = _timed(_query_call(db, group, query, category))
        if group == "what":
            info[kind] = {"cold_ms": round(ms, 3), "stories": len(result.stories),
                          "items": sum(len(s.items) for s in result.stories)}
        else:
            info[kind] = {"cold_ms": round(ms, 3), "hits": result.total,
                          "hits_capped": result.total_capped, "corrected": result.corrected}
    start, calls = time.perf_counter(), 0
    while calls < queries and time.perf_counter() - start < budget_s:
        for kind, group, query, category in QUERY_MIX:
            times[kind].append(_timed(_query_call(db, group, query, category))[0])
            calls += 1
    return {"times": times, "info": info, "calls": calls}


def run_baseline(db: Database, reps: int, budget_s: float) -> dict[str, list[float]]:
    """Time the naive LIKE scan for the search kinds (at least 3 calls each, then a time share)."""
    kinds = [k for k in QUERY_MIX if k[1] != "what"]
    times: dict[str, list[float]] = {}
    for kind, _, query, category in kinds:
        pattern = f"%{query}%"
        sql = BASELINE_SQL.format(extra=" AND category = $2" if category else "")
        params = [pattern] + ([canonical_category(category)] if category else [])
        times[kind] = []
        start = time.perf_counter()
        while len(times[kind]) < reps and (len(times[kind]) < 3
                                            or time.perf_counter() - start < budget_s / len(kinds)):
            times[kind].append(_timed(lambda s=sql, p=params: db.execute(s, p).fetchall())[0])
    return times


def time_hot(db: Database, newest: str, reps: int, budget_s: float) -> dict:
    """Time storage.hot.hot for the weeks ending `newest` and 1-3 weeks before: cold (its answer
    dropped first, as after an ingest: reading the 5 weeks' terms and counting) and kept (the
    cached answer), and compare_periods for the last two months."""
    import datetime as dt

    from storage import hot as hot_module

    end = dt.date.fromisoformat(newest)
    dates = [(end - dt.timedelta(days=7 * weeks)).isoformat() for weeks in range(4)]
    cold: list[float] = []
    kept: list[float] = []
    compare: list[float] = []
    months = ((end - dt.timedelta(days=59)).isoformat(), (end - dt.timedelta(days=30)).isoformat(),
              (end - dt.timedelta(days=29)).isoformat(), newest)
    started = time.perf_counter()
    while len(cold) < reps and (len(cold) < 8 or time.perf_counter() - started < budget_s):
        date = dates[len(cold) % len(dates)]
        hot_module._cache.pop(db, None)
        cold.append(_timed(lambda d=date: hot_module.hot(db, d))[0])
        kept.append(_timed(lambda d=date: hot_module.hot(db, d))[0])
        hot_module._cache.pop(db, None)
        compare.append(_timed(lambda: hot_module.compare_periods(db, *months))[0])
    result = hot_module.hot(db, newest)
    return {"cold": stats(cold), "kept": stats(kept), "compare_periods": stats(compare),
            "rising": [t.term for t in result.rising[:5]], "new": [t.term for t in result.new[:5]]}


def db_size_mb(db: Database, path: Path | str) -> tuple[float, dict[str, float]]:
    """Return the database size after a WAL checkpoint, and the size of each table if dbstat exists."""
    if db.name == "postgres":
        rows = db.execute("SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN "
                          "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = "
                          "current_schema() AND c.relkind = 'r' ORDER BY 2 DESC").fetchall()
        return (round(sum(n for _, n in rows) / 2**20, 1),
                {name: round(n / 2**20, 1) for name, n in rows[:8]})
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    try:
        rows = db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
    except sqlite3.OperationalError:
        rows = []
    return round(size / 2**20, 1), {name: round(n / 2**20, 1) for name, n in rows[:8]}


def machine() -> dict:
    model = ""
    if Path("/proc/cpuinfo").exists():
        lines = Path("/proc/cpuinfo").read_text(errors="replace").splitlines()
        model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")
    return {"nproc": os.cpu_count(), "python": platform.python_version(), "cpu": model,
            "platform": platform.platform(), "sqlite": sqlite3.sqlite_version,
            "loadavg_start": [round(x, 2) for x in os.getloadavg()]}


def benchmark(work: Path, items: int, seed: int, queries: int, budget_s: float,
              baseline_reps: int, handler_reps: int, database_url: str = "",
              mcp_reps: int = 0, web_seconds: float = 0.0, web_reps: int = 60) -> dict:
    """Run every phase on a SQLite file in `work`, or on the PostgreSQL `database_url`."""
    digest_dir, db_path = work / f"digests-{items}-{seed}", work / f"bench-{items}-{seed}.db"
    out: dict = {"items_requested": items, "seed": seed, "machine": machine(), "rss_mb_after": {},
                 "backend": "postgres" if database_url else "sqlite"}
    began = time.perf_counter()
    if database_url and digest_dir.is_dir():  # the same archive as the SQLite run
        files = sorted(digest_dir.iterdir())
    else:
        shutil.rmtree(digest_dir, ignore_errors=True)
        files = generate(digest_dir, items, seed)
    out["generate_s"] = round(time.perf_counter() - began, 2)
    out["rss_mb_after"]["generate"] = peak_rss_mb()
    if database_url:
        db_path = database_url
    else:
        for old in work.glob(db_path.name + "*"):
            old.unlink()

    db = open_db(db_path)
    began = time.perf_counter()
    outcomes = ingest_paths(db, [digest_dir])
    ingest_s = time.perf_counter() - began
    indexed = [o for o in outcomes if o.status == IngestStatus.INDEXED]
    out.update(items=sum(o.items for o in indexed), digests=len(files), indexed=len(indexed),
               rejected=sum(o.status == IngestStatus.REJECTED for o in outcomes), ingest_s=round(ingest_s, 2),
               ingest_items_per_s=round(sum(o.items for o in indexed) / ingest_s, 1),
               ingest_digests_per_s=round(len(indexed) / ingest_s, 1))
    out["rss_mb_after"]["ingest"] = peak_rss_mb()
    out["db_mb"], out["db_tables_mb"] = db_size_mb(db, db_path)
    out["ai_share"] = round(len(db.match_ids(expression_for(db, "AI")))
                            / max(out["items"], 1), 3)

    began = time.perf_counter()
    rescan = scan_dir(db, digest_dir)
    out["rescan_s"] = round(time.perf_counter() - began, 3)
    out["rescan_unchanged"] = sum(o.status == IngestStatus.UNCHANGED for o in rescan)

    mix = run_queries(db, queries, budget_s)
    out["rss_mb_after"]["queries"] = peak_rss_mb()
    per_kind = {kind: stats(t) | mix["info"][kind] for kind, t in mix["times"].items()}
    group = {kind: g for kind, g, *_ in QUERY_MIX}
    keyword = [t for kind, ts in mix["times"].items() if group[kind] == "keyword" for t in ts]
    whats = [t for kind, ts in mix["times"].items() if group[kind] == "what" for t in ts]
    base = run_baseline(db, baseline_reps, budget_s)
    base_keyword = [t for kind, ts in base.items() if group[kind] == "keyword" for t in ts]
    for kind, ts in base.items():
        b, o = stats(ts), per_kind[kind]
        per_kind[kind]["baseline"] = b
        per_kind[kind]["ratio_p50"] = ratio(b["p50"], o["p50"])
        per_kind[kind]["ratio_p95"] = ratio(b["p95"], o["p95"])
    s, b = stats(keyword), stats(base_keyword)
    out.update(queries_run=mix["calls"], search_p50_ms=s["p50"], search_p95_ms=s["p95"],
               search_p99_ms=s["p99"], baseline_p50_ms=b["p50"], baseline_p95_ms=b["p95"],
               baseline_ratio_p50=ratio(b["p50"], s["p50"]),
               baseline_ratio_p95=ratio(b["p95"], s["p95"]),
               what_p50_ms=stats(whats)["p50"], what_p95_ms=stats(whats)["p95"],
               fuzzy_p50_ms=per_kind["fuzzy Antropic"]["p50"],
               fuzzy_p95_ms=per_kind["fuzzy Antropic"]["p95"], per_kind=per_kind)
    out["rss_mb_after"]["baseline"] = peak_rss_mb()
    newest = db.execute("SELECT max(date) FROM digests").fetchone()[0]
    out["hot"] = time_hot(db, newest, max(8, queries // 10), budget_s)
    db.close()

    handlers = time_handlers(db_path, digest_dir, handler_reps, budget_s)
    # "all handlers" stays the commands' figure it always was; questions are measured beside it.
    every = [t for cmd, ts in handlers["times"].items() if not cmd.startswith("question")
             for t in ts]
    out["handlers"] = {cmd: stats(ts) | {"messages": handlers["messages"][cmd]}
                       for cmd, ts in handlers["times"].items()}
    out.update(handler_p50_ms=stats(every)["p50"], handler_p95_ms=stats(every)["p95"],
               handler_errors=handlers["errors"])
    asked, searched = out["handlers"][QUESTION]["p95"], out["handlers"]["/search"]["p95"]
    out["question_vs_search_p95"] = round(asked / searched, 2) if searched else None
    out["rss_mb_after"]["handlers"] = out["peak_rss_mb"] = peak_rss_mb()
    if mcp_reps:
        from bench import mcp_tools as bench_mcp  # here: the SDK's ~45 MB stay out of the RSS above

        out["mcp"] = bench_mcp.measure(str(db_path), mcp_reps, budget_s)
    if web_seconds:  # the site is its own process (bench/web.py): its memory is not counted here
        from bench import web as web_bench

        out["web"] = web_bench.measure(str(db_path), web_reps, 50, web_seconds, seed)
    out["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    return out


def pad(text: str, width: int) -> str:
    """Left-align `text` in `width` terminal columns (CJK characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


def render(r: dict) -> str:
    """Return the human-readable report."""
    m = r["machine"]
    lines = [f"digestbot benchmark: {r['items']} items in {r['digests']} digests (seed {r['seed']}); "
             f"{m['nproc']} cores, Python {m['python']}, SQLite {m['sqlite']}",
             f"  generate {r['generate_s']} s | ingest {r['ingest_s']} s = {r['ingest_items_per_s']:.0f} "
             f"items/s, {r['ingest_digests_per_s']:.0f} digests/s | re-scan {r['rescan_s']} s "
             f"({r['rescan_unchanged']} unchanged) | DB {r['db_mb']} MB | AI in {r['ai_share']:.1%} of items",
             "", f"  {'query kind':<22}{'n':>4}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'hits':>7}"
             f"{'LIKE p50':>10}{'LIKE p95':>10}{'x p50':>7}{'x p95':>7}"]
    for kind, k in r["per_kind"].items():
        hits = f"{k['hits']}+" if k.get("hits_capped") else k.get("hits", k.get("items", ""))
        base = k.get("baseline")
        tail = (f"{base['p50']:>10.2f}{base['p95']:>10.2f}{k['ratio_p50']:>7}{k['ratio_p95']:>7}"
                if base else "")
        lines.append(f"  {pad(kind, 22)}{k['n']:>4}{k['p50']:>9.2f}{k['p95']:>9.2f}{k['p99']:>9.2f}"
                     f"{hits!s:>7}{tail}")
    lines += [f"  {'search (keyword kinds)':<22}{'':>4}{r['search_p50_ms']:>9.2f}{r['search_p95_ms']:>9.2f}"
              f"{r['search_p99_ms']:>9.2f}{'':>7}{r['baseline_p50_ms']:>10.2f}{r['baseline_p95_ms']:>10.2f}"
              f"{r['baseline_ratio_p50']:>7}{r['baseline_ratio_p95']:>7}", "",
              f"  {'handler (Session)':<22}{'n':>4}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'msgs':>7}"]
    for cmd, h in r["handlers"].items():
        lines.append(f"  {pad(cmd, 22)}{h['n']:>4}{h['p50']:>9.2f}{h['p95']:>9.2f}{h['p99']:>9.2f}"
                     f"{h['messages']:>7}")
    lines += [f"  {'all handlers':<22}{'':>4}{r['handler_p50_ms']:>9.2f}{r['handler_p95_ms']:>9.2f}"
              f"   errors: {r['handler_errors']} (questions not included)",
              f"  question (list) p95 / /search p95 = {r.get('question_vs_search_p95')} "
              "(target: at most 1.5)",
              "",
              f"  peak RSS {r['peak_rss_mb']} MB (after each phase: "
              + ", ".join(f"{k} {v}" for k, v in r["rss_mb_after"].items()) + ")"]
    if "hot" in r:
        h = r["hot"]
        lines += ["", f"  hot (storage.hot.hot, 5 weeks of terms): cold p50 {h['cold']['p50']:.2f} / "
                      f"p95 {h['cold']['p95']:.2f} ms, kept p50 {h['kept']['p50']:.3f} / p95 "
                      f"{h['kept']['p95']:.3f} ms (n {h['cold']['n']}); compare_periods of two months "
                      f"p50 {h['compare_periods']['p50']:.2f} / p95 {h['compare_periods']['p95']:.2f} ms",
                  f"  rising {'、'.join(h['rising'])} | new {'、'.join(h['new'])}"]
    if "ingest_ab" in r:
        from bench import ingest_ab

        lines += ["", ingest_ab.render(r["ingest_ab"])]
    if "mcp" in r:
        from bench import mcp_tools as bench_mcp

        lines += ["", bench_mcp.render(r["mcp"])]
    if "while_indexing" in r:
        lines += ["", busy.render("  readers while indexing", r["while_indexing"])]
    if "web" in r:
        from bench import web as web_bench

        lines += ["", web_bench.render("  web archive (digestbot web; server time from Server-Timing, "
                                       "bare = the storage call alone)", r["web"])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="digestbot benchmark")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=300, help="calls of the query mix in total")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--workdir", help="keep the archive and DB here (default: a temp dir)")
    parser.add_argument("--json-out", help="also write the JSON object to this file")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per timed phase")
    parser.add_argument("--baseline-reps", type=int, default=30, help="LIKE calls per kind")
    parser.add_argument("--handler-reps", type=int, default=0,
                        help="asks per command (default: queries / 10, at least 5)")
    parser.add_argument("--mcp-reps", type=int, default=-1, help="calls per MCP tool through "
                        "`digestbot mcp` (bench/mcp_tools.py; default: queries / 10, at least 5); 0 skips it")
    parser.add_argument("--database-url", help="also run on this PostgreSQL database (in a new "
                        "schema, dropped afterwards) and print both")
    parser.add_argument("--busy-items", type=int, default=24_000, help="new items indexed while "
                        "readers' commands are timed (bench/busy.py); 0 skips it")
    parser.add_argument("--startup-pairs", type=int, default=10, help="paired start-up runs per "
                        "command (bench/startup.py); 0 skips it")
    parser.add_argument("--web-seconds", type=float, default=10.0, help="seconds of 50 concurrent "
                        "clients on the web archive (bench/web.py); 0 skips the web phase")
    parser.add_argument("--web-reps", type=int, default=60, help="sequential requests per web "
                        "route for its server time")
    parser.add_argument("--ingest-baseline", metavar="REV", help="also time the ingest of this "
                        "git revision's code against this tree's, in turns (bench/ingest_ab.py)")
    parser.add_argument("--ingest-ab-items", type=int, default=20_000,
                        help="items of the archive the old and new code each ingest")
    parser.add_argument("--fanout-subscribers", type=int, default=100_000, help="subscribers of "
                        "the daily fan-out against a local Bot API stand-in (bench/fanout.py); "
                        "0 skips it")
    parser.add_argument("--fanout-sample", type=int, default=4_000, help="subscribers the real "
                        "fan-out serves for one process's ceiling (bench/fanout.py)")
    args = parser.parse_args(argv)
    handler_reps = args.handler_reps or max(5, args.queries // 10)
    mcp_reps = args.mcp_reps if args.mcp_reps >= 0 else max(5, args.queries // 10)
    with tempfile.TemporaryDirectory(prefix="digestbot-bench-") as tmp:
        work = Path(args.workdir) if args.workdir else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        result = benchmark(work, args.items, args.seed, args.queries, args.budget,
                           args.baseline_reps, handler_reps, mcp_reps=mcp_reps,
                           web_seconds=args.web_seconds, web_reps=args.web_reps)
        if args.busy_items:
            result["while_indexing"] = busy.measure(args.busy_items, args.seed)
        if args.database_url:
            with _fresh_schema(args.database_url) as url:
                pg = benchmark(work, args.items, args.seed, args.queries, args.budget,
                               args.baseline_reps, handler_reps, database_url=url, mcp_reps=mcp_reps,
                               web_seconds=args.web_seconds, web_reps=args.web_reps)
            if args.busy_items:
                with _fresh_schema(args.database_url) as url:
                    pg["while_indexing"] = busy.measure(args.busy_items, args.seed, url)
            result = {"sqlite": result, "postgres": pg}
        if args.fanout_subscribers:
            from bench import fanout as bench_fanout

            result["fanout"] = {"sqlite": bench_fanout.measure(args.fanout_subscribers,
                                                               args.fanout_sample)}
            if args.database_url:
                with _fresh_schema(args.database_url) as url:
                    result["fanout"]["postgres"] = bench_fanout.measure(
                        args.fanout_subscribers, args.fanout_sample, database_url=url)
        if args.startup_pairs:
            result["startup"] = startup.measure(args.startup_pairs)
        if args.ingest_baseline:
            from bench import ingest_ab

            ab_dir = work / f"digests-ab-{args.ingest_ab_items}-{args.seed}"
            shutil.rmtree(ab_dir, ignore_errors=True)
            generate(ab_dir, args.ingest_ab_items, args.seed)
            target = result["sqlite"] if "sqlite" in result else result
            target["ingest_ab"] = ingest_ab.measure(args.ingest_baseline, ab_dir)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n",
                                       encoding="utf-8")
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    elif args.database_url:
        print("== SQLite ==\n" + render(result["sqlite"]) + "\n\n== PostgreSQL ==\n"
              + render(result["postgres"]))
    else:
        print(render(result))
    if not args.json and "fanout" in result:
        from bench import fanout as bench_fanout

        print("\n" + "\n".join(bench_fanout.render(r) for r in result["fanout"].values()))
    if not args.json and "startup" in result:
        print("\n" + startup.render(result["startup"]))
    return 0


@contextlib.contextmanager
def _fresh_schema(url: str) -> Iterator[str]:
    """Yield `url` pointing at a new, empty schema; drop it afterwards."""
    import psycopg

    schema = f"bench_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    raise SystemExit(main())
