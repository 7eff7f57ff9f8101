"""Readers' answer times while the bot indexes a batch of new digests (issue: "never go silent").

    python bench/busy.py [--items 24000] [--database-url postgresql://...] [--json]

Builds an index of the bundled digests, starts the real Application offline
(bot.offline.Session: PTB, handlers, rendering; only HTTP is replaced), writes
`--items` generated items (bench/generate.py, about 14 per digest) into its
DIGEST_DIR, and has an admin send /reindex. While that scan runs, readers
(each in their own chat) send /search 融资, /today, /what 阶跃星辰 and /help one
after another; each answer time is how long the Application took to handle
the update (the reply is sent when it returns). Commands are paced below PTB's
rate limiter (30 messages/s), as in bench/handlers.py, so its waiting is not
counted. The same commands are timed on the idle bot first. No time is
asserted anywhere; this prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update  # noqa: E402

from bench.generate import generate  # noqa: E402
from bench.handlers import Pacer  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.offline import Session, command_update  # noqa: E402
from storage.backend import open_db  # noqa: E402
from storage.index import ingest_paths  # noqa: E402

BUNDLED = Path(__file__).resolve().parent.parent / "digests"
ADMIN = 7
READER_COMMANDS = ("/search 融资", "/today", "/what 阶跃星辰", "/help")
IDLE_ROUNDS = 10


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1) if ordered else 0.0


class _Bot:
    """Feeds updates to a Session's Application from any number of chats at once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.update_id = 0
        self.pacer = Pacer()

    async def handle(self, text: str, chat: int) -> tuple[float, list[dict]]:
        """Return (milliseconds to handle `text` sent in `chat`, the messages sent to `chat`)."""
        await self.pacer.wait()
        self.update_id += 1
        update = Update.de_json(command_update(text, chat, self.update_id), self.session.app.bot)
        sent = self.session.request.sent
        start = len(sent)
        began = time.perf_counter()
        await self.session.app.process_update(update)
        elapsed = (time.perf_counter() - began) * 1000
        replies = [m for m in sent[start:] if str(m.get("chat_id")) == str(chat)]
        self.pacer.sent(len(replies))
        return elapsed, replies


async def _measure(location: str, digest_dir: Path, items: int, seed: int) -> dict:
    settings = Settings(db_path=location if "://" not in location else "./unused.db",
                        database_url=location if "://" in location else "",
                        digest_dir=str(digest_dir), admin_ids=frozenset({ADMIN}))
    idle: dict[str, list[float]] = {text: [] for text in READER_COMMANDS}
    busy: dict[str, list[float]] = {text: [] for text in READER_COMMANDS}
    async with Session(settings, location) as session:
        bot = _Bot(session)
        for round_ in range(IDLE_ROUNDS):
            for number, text in enumerate(READER_COMMANDS):
                elapsed, replies = await bot.handle(text, 1000 + number)
                if round_:  # the first round warms PTB's and the database's caches
                    idle[text].append(elapsed)
        files = generate(digest_dir / "new", items, seed)
        began = time.perf_counter()
        reindex = asyncio.create_task(bot.handle("/reindex", ADMIN))
        answered = 0
        while not reindex.done():
            for number, text in enumerate(READER_COMMANDS):
                elapsed, replies = await bot.handle(text, 2000 + number)
                if not reindex.done():
                    busy[text].append(elapsed)
                    answered += bool(replies)
        _, admin_replies = await reindex
        scan_s = time.perf_counter() - began
    return {"new_digests": len(files), "new_items": items, "scan_s": round(scan_s, 2),
            "admin_told": any("扫描完成" in (m.get("text") or "") for m in admin_replies),
            "answered_during_scan": answered,
            "idle": {t: {"p50": _pct(v, 50), "p95": _pct(v, 95), "n": len(v)} for t, v in idle.items()},
            "during_scan": {t: {"p50": _pct(v, 50), "p95": _pct(v, 95), "max": _pct(v, 100),
                                "n": len(v)} for t, v in busy.items()}}


def measure(items: int, seed: int, database_url: str = "") -> dict:
    """Return idle and during-scan answer times on SQLite, or on PostgreSQL at `database_url`."""
    with tempfile.TemporaryDirectory(prefix="digestbot-busy-") as tmp:
        digest_dir = Path(tmp) / "digests"
        shutil.copytree(BUNDLED, digest_dir)
        location = database_url or str(Path(tmp) / "busy.db")
        with open_db(location) as db:
            ingest_paths(db, [digest_dir])
        return asyncio.run(_measure(location, digest_dir, items, seed))


def render(name: str, r: dict) -> str:
    """Return the human-readable report of one backend."""
    lines = [f"{name}: /reindex of {r['new_digests']} new digests ({r['new_items']} items) took "
             f"{r['scan_s']} s; {r['answered_during_scan']} reader commands answered meanwhile; "
             f"admin told: {r['admin_told']}",
             f"  {'command':<16}{'idle p50':>10}{'idle p95':>10}{'scan p50':>10}{'scan p95':>10}"
             f"{'scan max':>10}{'n':>5}  (ms)"]
    for text, during in r["during_scan"].items():
        before = r["idle"][text]
        lines.append(f"  {text:<16}{before['p50']:>10}{before['p95']:>10}{during['p50']:>10}"
                     f"{during['p95']:>10}{during['max']:>10}{during['n']:>5}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="reader answer times while the bot indexes")
    parser.add_argument("--items", type=int, default=24_000, help="new items to index")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="also run on this PostgreSQL database (in a new "
                        "schema, dropped afterwards)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = {"sqlite": measure(args.items, args.seed)}
    if args.database_url:
        from bench.run import _fresh_schema

        with _fresh_schema(args.database_url) as url:
            results["postgres"] = measure(args.items, args.seed, url)
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    else:
        print("\n\n".join(render(name, r) for name, r in results.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
