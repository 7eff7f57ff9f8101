"""The web archive under load: a real `digestbot web` process over the bench's archive.

    python bench/web.py DATABASE [--reps 60] [--clients 50] [--seconds 10] [--json]

(bench/run.py calls `measure` on each backend's database.) Two phases, no time asserted:

1. Server time, one request at a time: /search?q= (the keyword queries of bench/run.py, 10 a
   page), /d/DATE (random days of the archive) and /feed.xml?q= (the same queries). Server time
   is the Server-Timing header the site sets (handler start to response: arguments, the storage
   call in its thread, the template or feed); the client's round trip is reported beside it, and
   the bare storage call (timed here, in this process) gives the site's overhead as a ratio.
2. `--clients` concurrent clients for `--seconds` (one keep-alive connection each, a minimal
   HTTP/1.1 client over asyncio streams), each requesting a mix of the three routes round-robin:
   requests, errors (anything but 200, or a failed connection), requests/s, round-trip p50/p95,
   and the server process's CPU per request and share of a core. The site's rate limit is off
   (WEB_RATE_LIMIT=0): every client here is 127.0.0.1, one client for the limiter.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from storage.backend import open_db  # noqa: E402
from storage.digests import adjacent_dates, digest_on  # noqa: E402
from storage.search import newest_matches, search  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ("红包", "融资", "阶跃星辰", "kimi", "Qwen", "Kimi K2.5", "AI", "鳄鱼潜艇")
SERVER_TIMING = re.compile(r"app;dur=([\d.]+)")


def _pct(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 2)


def _summary(values: list[float]) -> dict:
    return {"p50": _pct(values, 50), "p95": _pct(values, 95), "n": len(values)}


def start_site(database: str) -> tuple[subprocess.Popen, str]:
    """Start `digestbot web` on a free port over `database`; return the process and its URL."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WEB_URL")}
    env.update(WEB_RATE_LIMIT="0", PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING")
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "--db", database, "web",
                                "--port", "0"], cwd=tempfile.gettempdir(), env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    found = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline())
    if not found:
        process.kill()
        raise RuntimeError("digestbot web did not start")
    return process, found[0]


def _cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) process `pid` has used, from /proc (0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _routes(dates: list[str]) -> dict[str, list[str]]:
    return {"search": [f"/search?q={q}" for q in QUERIES],
            "day": [f"/d/{d}" for d in dates],
            "feed": [f"/feed.xml?q={q}" for q in QUERIES]}


def _bare_calls(database: str, dates: list[str]) -> dict[str, list[Callable[[], object]]]:
    db = open_db(database)
    return {"search": [lambda q=q: search(db, q, limit=10) for q in QUERIES],
            "day": [lambda d=d: (digest_on(db, d), adjacent_dates(db, d)) for d in dates],
            "feed": [lambda q=q: newest_matches(db, q, limit=20) for q in QUERIES]}


def server_times(base: str, routes: dict[str, list[str]], reps: int) -> dict:
    """Request each route kind `reps` times (its paths round-robin, after one warm-up each)."""
    out = {}
    with httpx.Client(base_url=base, timeout=30) as client:
        for kind, paths in routes.items():
            for path in paths:
                client.get(path)
            server, round_trip, errors = [], [], 0
            for n in range(reps):
                began = time.perf_counter()
                response = client.get(paths[n % len(paths)])
                round_trip.append((time.perf_counter() - began) * 1000)
                errors += response.status_code != 200
                timing = SERVER_TIMING.search(response.headers.get("server-timing", ""))
                if timing:
                    server.append(float(timing[1]))
            out[kind] = {"server": _summary(server), "round_trip": _summary(round_trip),
                         "errors": errors}
    return out


def bare_times(calls: dict[str, list[Callable[[], object]]], reps: int) -> dict:
    """Time the storage calls behind each route kind, as server_times requests them."""
    out = {}
    for kind, functions in calls.items():
        for function in functions:
            function()
        times = []
        for n in range(reps):
            began = time.perf_counter()
            functions[n % len(functions)]()
            times.append((time.perf_counter() - began) * 1000)
        out[kind] = _summary(times)
    return out


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str,
               path: str) -> int:
    """Send one keep-alive GET on an open connection; return the status (the body is read)."""
    writer.write(f"GET {quote(path, safe='/?=&')} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    await reader.readexactly(int(length[1]) if length else 0)
    return status


async def _load(base: str, paths: list[str], clients: int, seconds: float) -> dict:
    """`clients` concurrent clients (one keep-alive connection each) for `seconds`; return
    requests, errors and round trips. The client is a few lines over asyncio streams, so that
    on a 2-core machine the server, not an HTTP library, is what is measured."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    host = base.removeprefix("http://")
    address, port = host.rsplit(":", 1)
    deadline = time.perf_counter() + seconds

    def count(kind: str) -> None:
        errors[kind] = errors.get(kind, 0) + 1

    async def client_loop(offset: int) -> None:
        n = offset
        connection = None
        while time.perf_counter() < deadline:
            path = paths[n % len(paths)]
            n += 1
            began = time.perf_counter()
            try:
                connection = connection or await asyncio.open_connection(address, int(port))
                status = await asyncio.wait_for(_get(*connection, host, path), 30)
                if status != 200:
                    count(str(status))
            except (TimeoutError, OSError, asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError) as exc:
                count(type(exc).__name__)
                if connection:
                    connection[1].close()
                connection = None
            latencies.append((time.perf_counter() - began) * 1000)
        if connection:
            connection[1].close()

    began = time.perf_counter()
    await asyncio.gather(*(client_loop(i) for i in range(clients)))
    elapsed = time.perf_counter() - began
    return {"clients": clients, "seconds": round(elapsed, 1), "requests": len(latencies),
            "errors": sum(errors.values()), "error_kinds": errors,
            "requests_per_s": round(len(latencies) / elapsed, 1),
            "round_trip": _summary(latencies)}


def measure(database: str, reps: int = 60, clients: int = 50, seconds: float = 10.0,
            seed: int = 1) -> dict:
    """Run both phases against a `digestbot web` process over `database` (a SQLite path or a
    postgresql:// URL); return the figures."""
    db = open_db(database)
    all_dates = [row[0] for row in db.execute("SELECT date FROM digests ORDER BY date").fetchall()]
    db.close()
    dates = random.Random(seed).sample(all_dates, min(20, len(all_dates)))
    routes = _routes(dates)
    process, base = start_site(database)
    try:
        out = {"server": server_times(base, routes, reps)}
        bare = bare_times(_bare_calls(database, dates), reps)
        for kind, figures in out["server"].items():
            figures["bare_storage"] = bare[kind]
            figures["server_over_bare_p95"] = (round(figures["server"]["p95"] / bare[kind]["p95"], 2)
                                               if bare[kind]["p95"] else None)
        mixed = [path for trio in zip(*routes.values(), strict=False) for path in trio]
        out["concurrent"] = None
        if seconds:
            cpu_before = _cpu_seconds(process.pid)
            out["concurrent"] = asyncio.run(_load(base, mixed, clients, seconds))
            used = _cpu_seconds(process.pid) - cpu_before
            # the server's CPU per request and its share of one core: on a shared machine the
            # second says how much of the wall time the server actually ran
            out["concurrent"]["server_cpu_ms_per_request"] = round(
                used * 1000 / max(out["concurrent"]["requests"], 1), 2)
            out["concurrent"]["server_cores_used"] = round(used / out["concurrent"]["seconds"], 2)
        out["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        process.terminate()
        process.wait(10)
    return out


def render(title: str, r: dict) -> str:
    """Return the human-readable report."""
    lines = [title, f"    {'route':<14}{'server p50':>11}{'p95 ms':>8}{'bare p50':>10}{'p95 ms':>8}"
             f"{'x p95':>7}{'trip p95':>10}{'errors':>8}"]
    names = {"search": "/search?q=", "day": "/d/DATE", "feed": "/feed.xml?q="}
    for kind, f in r["server"].items():
        lines.append(f"    {names[kind]:<14}{f['server']['p50']:>11.2f}{f['server']['p95']:>8.2f}"
                     f"{f['bare_storage']['p50']:>10.2f}{f['bare_storage']['p95']:>8.2f}"
                     f"{f['server_over_bare_p95']!s:>7}{f['round_trip']['p95']:>10.2f}{f['errors']:>8}")
    c = r.get("concurrent")
    if c:
        lines.append(f"    {c['clients']} concurrent clients for {c['seconds']} s: {c['requests']} "
                     f"requests ({c['requests_per_s']}/s), {c['errors']} errors {c['error_kinds'] or ''}"
                     f"; round trip p50 {c['round_trip']['p50']} ms, p95 {c['round_trip']['p95']} ms")
        lines.append(f"    the server used {c['server_cpu_ms_per_request']} ms of CPU per request and "
                     f"{c['server_cores_used']} of a core (load average then: {r['loadavg']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="digestbot web archive benchmark")
    parser.add_argument("database", help="SQLite file or postgresql:// URL of an index")
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.database, args.reps, args.clients, args.seconds)
    print(json.dumps(result, ensure_ascii=False) if args.json else render("web archive", result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
