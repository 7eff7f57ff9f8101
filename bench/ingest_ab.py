"""Ingest rate, old code against new, in one run: `git archive REV` of the old code beside this
tree, then each ingests the same archive into a fresh SQLite file, in turns (old, new, old,
new, ...), each in its own process (so each starts its own worker processes from its own code).

    python bench/ingest_ab.py --baseline REV --items 20000 [--rounds 3] [--seed 1]
                              [--database-url postgresql://...]

With --database-url each run ingests into a fresh PostgreSQL schema (dropped afterwards)
instead of a SQLite file.

Used by bench/run.py (--ingest-baseline REV). Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run inside each tree: ingest the folder into a new SQLite file, print items, seconds and CPU.
_INGEST = """
import json, os, sys, time
if __name__ == "__main__":
    from storage.index import ingest_paths
    try:
        from storage.backend import open_db
    except ImportError:  # before the storage split
        from storage.index import open_db
    db = open_db(sys.argv[2])
    began, cpu = time.perf_counter(), time.process_time()
    outcomes = ingest_paths(db, [sys.argv[1]])
    seconds = time.perf_counter() - began
    items = sum(o.items for o in outcomes if o.status == "indexed")
    db.close()
    print(json.dumps({"items": items, "seconds": seconds, "main_cpu_s": time.process_time() - cpu,
                      "loadavg": os.getloadavg()[0]}))
"""


def _tree(revision: str, into: Path) -> Path:
    """Return a copy of the code at `revision` (storage/ and what it imports) under `into`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "storage"],
                             check=True, capture_output=True).stdout
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _ingest(tree: Path, digest_dir: Path, db_file: Path, database_url: str | None = None) -> dict:
    for leftover in db_file.parent.glob(db_file.name + "*"):
        leftover.unlink()
    runner = db_file.parent / f"ingest-{os.getpid()}.py"
    runner.write_text(_INGEST, encoding="utf-8")
    with _target(db_file, database_url) as target:
        done = subprocess.run([sys.executable, str(runner), str(digest_dir), target], check=True,
                              capture_output=True, text=True, cwd=tree,
                              env={**os.environ, "PYTHONPATH": str(tree)})
    for leftover in db_file.parent.glob(db_file.name + "*"):
        leftover.unlink()
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def _target(db_file: Path, database_url: str | None) -> Iterator[str]:
    """Yield where a run ingests: the SQLite file, or a fresh schema of `database_url`."""
    if not database_url:
        yield str(db_file)
        return
    from storage.postgres import scratch_schema

    with scratch_schema(database_url, "ingest_ab") as url:
        yield url


def measure(baseline: str, digest_dir: Path, rounds: int = 3, database_url: str | None = None) -> dict:
    """Return each side's ingest rate (items/s) per round and the median ratio new/old."""
    with tempfile.TemporaryDirectory(prefix="digestbot-ingest-ab-") as tmp:
        work = Path(tmp)
        old = _tree(baseline, work / "old")
        runs: dict[str, list[dict]] = {"old": [], "new": []}
        for _ in range(rounds):
            runs["old"].append(_ingest(old, digest_dir, work / "old.db", database_url))
            runs["new"].append(_ingest(ROOT, digest_dir, work / "new.db", database_url))
    rates = {side: [round(r["items"] / r["seconds"], 1) for r in rows] for side, rows in runs.items()}
    ratios = sorted(new / old for old, new in zip(rates["old"], rates["new"], strict=True))
    return {"baseline": baseline, "rounds": rounds, "items": runs["new"][0]["items"],
            "backend": "postgresql" if database_url else "sqlite",
            "old_items_per_s": rates["old"], "new_items_per_s": rates["new"],
            "ratio_median": round(ratios[len(ratios) // 2], 3),
            "loadavg": [round(r["loadavg"], 2) for side in runs.values() for r in side]}


def render(result: dict) -> str:
    """Return the report's lines."""
    return (f"  ingest old ({result['baseline']}) vs new, {result['items']} items, "
            f"{result.get('backend', 'sqlite')}, "
            f"{result['rounds']} rounds in turns: old {result['old_items_per_s']} items/s, "
            f"new {result['new_items_per_s']} items/s; new/old median {result['ratio_median']} "
            f"(load average {result['loadavg']})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="the git revision of the old code")
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="ingest into fresh schemas of this PostgreSQL "
                        "database instead of SQLite files")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench.generate import generate

    with tempfile.TemporaryDirectory(prefix="digestbot-ingest-ab-archive-") as tmp:
        generate(Path(tmp), args.items, args.seed)
        print(render(measure(args.baseline, Path(tmp), args.rounds, args.database_url)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
