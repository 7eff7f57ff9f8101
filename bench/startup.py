"""Start-up benchmark: the quick `digestbot` commands beside a bare Python, in paired runs.

    python bench/startup.py [--pairs 20] [--json] [--digestbot PATH] [--no-bytecode-cache]

The bundled digests/ are indexed by `digestbot ingest` into a temp dir; then, for each of
`search 红包 --json`, `what 阶跃星辰`, `today`, `categories` and `--help`, N pairs alternate a bare
`python -c "import sqlite3, json"` and the command (output discarded), so both see the same
machine load. Prints per command the median wall time of each and their ratio (median command /
median bare), and the median of the per-pair ratios. Runs everything in subprocesses and imports
nothing from the project, so one copy of this file can time any checkout: run it with that
checkout's Python (its `digestbot` script is the one next to that Python). No time is asserted.

Compiled bytecode is cached as on a user's machine, in a `PYTHONPYCACHEPREFIX` inside the temp dir
(so the checkout gets no __pycache__), even where PYTHONDONTWRITEBYTECODE is set; with
--no-bytecode-cache nothing is cached and every run compiles the project's modules again.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

DIGESTS = Path(__file__).resolve().parent.parent / "digests"
BARE = [sys.executable, "-c", "import sqlite3, json"]
COMMANDS = (["search", "红包", "--json"], ["what", "阶跃星辰"], ["today"], ["categories"], ["--help"])
WARM_UP = 2  # untimed runs of each command first: compiled bytecode and the page cache are warm


def wall_ms(command: list[str], cwd: str, env: dict[str, str]) -> float:
    """Return how long `command` takes to run, in milliseconds; exit if it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): "
                         f"{done.stderr.decode(errors='replace')[-500:]}")
    return elapsed


def time_command(digestbot: list[str], db: str, args: list[str], pairs: int, cwd: str,
                 env: dict[str, str]) -> dict:
    """Return the paired timings of `digestbot --db DB ARGS`: bare and command medians, ratio."""
    command = [*digestbot, "--db", db, *args]
    for _ in range(WARM_UP):
        wall_ms(BARE, cwd, env)
        wall_ms(command, cwd, env)
    bare: list[float] = []
    ours: list[float] = []
    for _ in range(pairs):
        bare.append(wall_ms(BARE, cwd, env))
        ours.append(wall_ms(command, cwd, env))
    bare_ms, ours_ms = statistics.median(bare), statistics.median(ours)
    return {"command": " ".join(args), "bare_ms": round(bare_ms, 1),
            "digestbot_ms": round(ours_ms, 1), "ratio": round(ours_ms / bare_ms, 2),
            "pair_ratio": round(statistics.median(o / b for o, b in zip(ours, bare, strict=True)), 2),
            "bare_runs_ms": [round(t, 1) for t in bare],
            "digestbot_runs_ms": [round(t, 1) for t in ours]}


def padded(text: str, width: int) -> str:
    """Return `text` padded with spaces to `width` terminal columns (CJK characters take two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - columns)


def default_digestbot() -> list[str]:
    """Return the `digestbot` script installed beside this Python, else a `python -c` stand-in."""
    script = Path(sys.executable).parent / "digestbot"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]


def measure(pairs: int = 20, digestbot: list[str] | None = None,
            bytecode_cache: bool = True) -> dict:
    """Return the paired start-up figures of each quick command (see the module docstring)."""
    digestbot = digestbot or default_digestbot()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="digestbot-startup-") as workdir:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",
                                                                 "PYTHONPYCACHEPREFIX")}
        if bytecode_cache:
            env["PYTHONPYCACHEPREFIX"] = str(Path(workdir) / "pycache")
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        db = str(Path(workdir) / "digests.db")
        wall_ms([*digestbot, "--db", db, "ingest", str(DIGESTS)], workdir, env)
        results = [time_command(digestbot, db, command, pairs, workdir, env)
                   for command in COMMANDS]
    return {"pairs": pairs, "digestbot": " ".join(digestbot), "bytecode_cache": bytecode_cache,
            "cores": os.cpu_count(), "python": platform.python_version(),
            "load_average": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
            "commands": results}


def render(report: dict) -> str:
    """Return the human-readable table of a `measure` report."""
    lines = [f"digestbot start-up: {report['pairs']} pairs per command; {report['cores']} cores, "
             f"Python {report['python']}; load average {report['load_average'][0]} -> "
             f"{report['load_average'][1]}; bytecode "
             f"{'cached' if report['bytecode_cache'] else 'compiled on every run'}",
             f"{'command':<22}{'bare ms':>9}{'digestbot ms':>14}{'ratio':>7}{'pair ratio':>12}"]
    for result in report["commands"]:
        lines.append(f"{padded(result['command'], 22)}{result['bare_ms']:>9.1f}"
                     f"{result['digestbot_ms']:>14.1f}{result['ratio']:>7.2f}"
                     f"{result['pair_ratio']:>12.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=20, help="paired runs per command")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--digestbot", help="the digestbot script to time (default: the one "
                        "beside this Python)")
    parser.add_argument("--no-bytecode-cache", action="store_true", help="compile every module "
                        "on every run (PYTHONDONTWRITEBYTECODE=1) instead of caching bytecode")
    args = parser.parse_args(argv)
    report = measure(args.pairs, [args.digestbot] if args.digestbot else None,
                     not args.no_bytecode_cache)
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
