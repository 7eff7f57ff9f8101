"""Three `digestbot run` processes in webhook mode on one database: the daily post is sent once,
and when the process posting it is killed (SIGKILL) in the middle, another finishes it: nothing
missing, nothing repeated except at most the one message in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from storage import posts
from storage.backend import open_db
from storage.index import ingest_paths
from tests.e2e.conftest import ADMIN_ID, CHANNEL_ID
from tests.e2e.test_admin_and_schedule import _expected_post, _until, _write_today_digest

DIGESTBOT = Path(sys.executable).with_name("digestbot")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _worker(settings, workdir: Path, number: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGEST", "DATABASE"))}
    env.update(BOT_TOKEN=settings.bot_token, TELEGRAM_API_URL=settings.api_url,
               CHANNEL_ID=CHANNEL_ID, ADMIN_IDS=str(ADMIN_ID), DIGEST_DIR=settings.digest_dir,
               DIGESTBOT_DB=settings.db_path, DATABASE_URL=settings.database_url,
               POST_TIME="00:00", TIMEZONE=settings.timezone, LEASE_SECONDS="3",
               WEBHOOK_URL="https://bot.example.com/tg/hook", WEBHOOK_SECRET="s3cret",
               WEBHOOK_PORT=str(_free_port()), LOG_LEVEL="WARNING")
    # The log goes to a file (read on failure), not a pipe nobody reads, which would fill and block.
    with (workdir / f"worker-{number}.log").open("wb") as log:
        return subprocess.Popen([str(DIGESTBOT), "run"], cwd=workdir, env=env,
                                stdout=subprocess.DEVNULL, stderr=log)


async def test_killing_the_posting_process_loses_and_repeats_nothing(settings, fake_api,
                                                                    tmp_path: Path) -> None:
    date = _write_today_digest(settings)
    db = open_db(settings.database)
    ingest_paths(db, [settings.digest_dir])
    expected = _expected_post(db, date)
    assert len(expected) >= 4
    fake_api.slow("sendMessage", 0.5)  # a post of several messages takes a few seconds
    workers = [_worker(settings, tmp_path, number) for number in range(3)]
    try:
        channel = int(CHANNEL_ID)
        await _until(lambda: len(fake_api.sent(channel)) >= 2, timeout=60, what="the post to start")
        holder = db.execute("SELECT owner FROM leases WHERE name = $1",
                            (f"post:{date}:{CHANNEL_ID}",)).fetchone()
        assert holder is not None, "no process holds the post"
        pid = int(holder[0].split(":")[1])
        victim = next(w for w in workers if w.pid == pid)
        victim.send_signal(signal.SIGKILL)  # dies mid-post, releasing nothing
        victim.wait(10)
        await _until(lambda: posts.is_posted(db, date, CHANNEL_ID), timeout=60, what="the takeover")
        await asyncio.sleep(5)  # the survivors' next look, after the lease time, finds it done
        texts = [m["text"] for m in fake_api.sent(channel) if m["method"] == "sendMessage"]
        assert set(texts) == set(expected)  # nothing missing
        repeated = len(texts) - len(expected)
        assert 0 <= repeated <= 1  # at most the message in flight at the kill
        assert [t for i, t in enumerate(texts) if t not in texts[:i]] == expected  # in order
        assert sum(w.poll() is None for w in workers) == 2
    except AssertionError as exc:
        logs = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
                         for log in sorted(tmp_path.glob("worker-*.log")))
        raise AssertionError(f"{exc}\n{logs}") from exc
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
        db.close()
