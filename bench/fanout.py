"""The daily fan-out to 100,000 subscribers, against a local stand-in of the Bot API (no network).

    python bench/fanout.py [--subscribers 100000] [--sample 4000] [--latency 0.1]
                           [--database-url postgresql://...] [--json]

On each backend (SQLite; PostgreSQL too with --database-url, in a new schema dropped afterwards),
with `--subscribers` readers (85% every category in Chinese, 10% in English, 5% two categories)
and the bundled digest of 2026-02-08 (12 items: 1 brief message, 6 full ones):

1. enqueue: the one statement that adds every subscriber not yet served to the day's fan-out;
2. database time per subscriber: the storage calls one subscriber costs a sender (its share of a
   batch claim, one record per message, the last one marking it done), made one after another
   for `--sample` of the day's subscribers, in the brief format and in the full one;
3. one process's ceiling: the real fan-out (bot/fanout.py: senders, Pacer, rendering, PTB's Bot,
   the storage calls on their threads) serving `--sample` subscribers against an in-process
   stand-in that answers each sendMessage `--latency` seconds later, with the budget out of the
   way: messages a second of wall time, and CPU per message;

then the projected time of the whole fan-out, messages / min(rate, ceiling), for the brief and
the full format at 25 (the free default) and 1000 (paid broadcasts) messages a second. The
stand-in skips HTTP and TLS, which a real connection adds to the CPU per message. No time is
asserted anywhere; this prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram.request import RequestData  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.fanout import deliver_subscriptions, senders_for  # noqa: E402
from bot.offline import OfflineRequest  # noqa: E402
from storage import fanout  # noqa: E402
from storage.backend import Database, open_db  # noqa: E402
from storage.index import ingest_paths  # noqa: E402

BUNDLED = Path(__file__).resolve().parent.parent / "digests"
DATE = "2026-02-08"  # the bundled digest the subscribers get
FIRST_CHAT = 1_000_000
RATES = (25, 1000)
CLAIM_BATCH = senders_for(25)  # what a worker at the default rate claims at once
UNPACED = 1_000_000  # a budget that never makes a sender wait


class StandIn(OfflineRequest):
    """The offline Bot API of `digestbot ask` (bot/offline.py), but a sendMessage is answered
    `latency` seconds later, as a far data centre would, and only counted: neither kept nor its
    text echoed, so the figures are the fan-out's own work."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency, self.sends = latency, 0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: object, **kwargs: object) -> tuple[int, bytes]:
        if url.rsplit("/", 1)[-1] != "sendMessage":
            return await super().do_request(url, method, request_data, *args, **kwargs)
        await asyncio.sleep(self.latency)
        self.sends += 1
        chat_id = int(str((request_data.parameters if request_data else {}).get("chat_id")))
        result = {"message_id": self.sends, "date": int(time.time()), "text": "",
                  "chat": {"id": chat_id, "type": "private"}}
        return 200, json.dumps({"ok": True, "result": result}).encode()


def _subscribe(db: Database, count: int, seed: int = 1) -> None:
    """Add `count` subscribers: most read every category in Chinese, some English, some two
    categories (so the fan-out renders a handful of different digests)."""
    rng = random.Random(seed)
    readers, languages = [], []
    for chat_id in range(FIRST_CHAT, FIRST_CHAT + count):
        roll = rng.random()
        categories = '["模型与技术进展", "投融资与并购"]' if roll > 0.95 else "[]"
        readers.append((chat_id, 1, categories, 0, "", "2026-01-01", "2026-01-01", ""))
        if 0.85 < roll <= 0.95:
            languages.append((chat_id, "", "en", "2026-01-01"))
    db.insert_rows("readers", readers, ("chat_id", "subscribed", "categories", "blocked",
                                        "language", "since", "changed_at", "format"))
    db.insert_rows("languages", languages, ("user_id", "choice", "client", "changed_at"))


def _database_time(db: Database, date: str, messages: int, limit: int | None) -> dict[str, float]:
    """Make the storage calls of a fan-out of `date` one after another (claims of CLAIM_BATCH, a
    record per message) for `limit` subscribers (None: all); return the seconds per subscriber."""
    started = time.perf_counter()
    fanout.enqueue(db, date)
    enqueue_s = time.perf_counter() - started
    served, started = 0, time.perf_counter()
    while limit is None or served < limit:
        now = time.time()
        batch = fanout.claim(db, date, "bench", now + 60, now, CLAIM_BATCH)
        if not batch:
            break
        for claimed in batch:
            for sent in range(1, messages + 1):
                fanout.record_sent(db, date, claimed.reader.chat_id, "bench", sent, messages, now)
        served += len(batch)
    per_subscriber = (time.perf_counter() - started) / max(served, 1)
    return {"enqueue_s": round(enqueue_s, 3), "subscribers": served,
            "ms_per_subscriber": round(per_subscriber * 1000, 3),
            "ms_per_message": round(per_subscriber * 1000 / messages, 3)}


async def _ceiling(settings: Settings, db: Database, date: str, sample: int,
                   latency: float) -> dict[str, float]:
    """Serve `sample` subscribers of `date` with the real fan-out, unpaced, against the stand-in."""
    fanout.enqueue(db, date)
    db.write("UPDATE fanout SET state = 'empty' WHERE date = $1 AND chat_id >= $2",
             (date, FIRST_CHAT + sample))  # only the sample is served
    stand_in = StandIn(latency)
    app = build_application(settings, db, request=stand_in, with_jobs=False)
    await app.initialize()
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = await deliver_subscriptions(app.bot, app.bot_data, date)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        await app.shutdown()
    sent = stand_in.sends
    return {"subscribers": outcome.served, "messages": sent,
            "messages_per_subscriber": round(sent / max(outcome.served, 1), 3),
            "wall_s": round(wall, 2), "messages_per_s": round(sent / wall, 1),
            "cpu_ms_per_message": round(cpu * 1000 / max(sent, 1), 3),
            "senders": senders_for(UNPACED)}


def measure(subscribers: int = 100_000, sample: int = 4_000, latency: float = 0.1,
            database_url: str = "") -> dict:
    """Return the fan-out's figures on one backend (SQLite in a temp dir, or `database_url`,
    an empty PostgreSQL schema)."""
    work = Path(tempfile.mkdtemp(prefix="digestbot-fanout-"))
    try:
        location = database_url or str(work / "fanout.db")
        db = open_db(location)
        try:
            ingest_paths(db, [BUNDLED])
            started = time.perf_counter()
            _subscribe(db, subscribers)
            out: dict = {"backend": db.name, "subscribers": subscribers,
                         "subscribe_s": round(time.perf_counter() - started, 2)}
            # (the storage calls need no digest: two days without one keep DATE's rows apart)
            out["db_brief"] = _database_time(db, "2030-01-01", 1, sample)
            out["db_full"] = _database_time(db, "2030-01-02", 6, sample)
            for form in ("brief", "full"):
                settings = Settings(db_path=location if not database_url else "",
                                    database_url=database_url, bot_token="1:bench",
                                    broadcast_rate=UNPACED, subscriber_format=form,
                                    lease_seconds=60)
                db.write("DELETE FROM fanout WHERE date = $1", (DATE,))  # the day not yet served
                out[f"ceiling_{form}"] = asyncio.run(_ceiling(settings, db, DATE, sample, latency))
        finally:
            db.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["projected"] = project(out)
    return out


def project(out: dict) -> dict[str, dict[str, float]]:
    """Return the projected seconds of the whole fan-out per format and rate: its messages over
    the lower of the rate and this process's ceiling."""
    projected = {}
    for form in ("brief", "full"):
        ceiling = out[f"ceiling_{form}"]
        messages = out["subscribers"] * ceiling["messages_per_subscriber"]
        projected[form] = {f"{rate}/s": round(messages / min(rate, ceiling["messages_per_s"]), 1)
                           for rate in RATES}
    return projected


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else (
        f"{seconds / 60:.1f} min" if seconds >= 90 else f"{seconds:.0f} s")


def render(out: dict) -> str:
    """Return the figures of one backend as lines of text."""
    lines = [f"  fan-out on {out['backend']}: {out['subscribers']:,} subscribers "
             f"(added in {out['subscribe_s']} s)",
             f"    enqueue (one statement for all): {out['db_brief']['enqueue_s']} s"]
    for form, messages in (("brief", 1), ("full", 6)):
        db = out[f"db_{form}"]
        lines.append(f"    database per subscriber, {form} ({messages} message"
                     f"{'s' if messages > 1 else ''}): {db['ms_per_subscriber']} ms "
                     f"({db['ms_per_message']} ms a message; {db['subscribers']:,} subscribers)")
    for form in ("brief", "full"):
        c = out[f"ceiling_{form}"]
        lines.append(f"    one process, {form}, unpaced ({c['senders']} senders): "
                     f"{c['messages_per_s']} messages/s, {c['cpu_ms_per_message']} ms CPU a message "
                     f"({c['messages']:,} messages to {c['subscribers']:,} subscribers in {c['wall_s']} s)")
    for form, by_rate in out["projected"].items():
        lines.append(f"    projected for all {out['subscribers']:,}, {form}: " + ", ".join(
            f"{_duration(seconds)} at {rate}" for rate, seconds in by_rate.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the daily fan-out at scale, against a stand-in")
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=4_000,
                        help="subscribers the real fan-out serves, and the full format's database run")
    parser.add_argument("--latency", type=float, default=0.1, help="the stand-in's answer time")
    parser.add_argument("--database-url", help="also on this PostgreSQL database (a new schema)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = {"sqlite": measure(args.subscribers, args.sample, args.latency)}
    if args.database_url:
        from bench.run import _fresh_schema

        with _fresh_schema(args.database_url) as url:
            result["postgres"] = measure(args.subscribers, args.sample, args.latency, url)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print("\n\n".join(render(r) for r in result.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
