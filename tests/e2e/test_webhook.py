"""Webhook mode with three workers on one database (SQLite file or PostgreSQL), as behind a load
balancer: every update answered once by whichever worker gets it, requests without the secret
refused, /healthz, the daily post once while all three run, a subscription and a watch made through
one worker delivered once by whichever does the work."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import time
from pathlib import Path

import httpx

from bot import schedule
from bot.app import build_application
from bot.webhook import serve
from storage import fanout, posts
from storage.backend import open_db
from storage.index import ingest_paths
from tests.e2e.conftest import CHANNEL_ID, USER_ID
from tests.e2e.test_admin_and_schedule import _digest_for, _expected_post, _today, _until

SECRET = "s3cret-token"
READER = 3003
WATCHER = 3004


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _update(update_id: int, text: str, user_id: int = USER_ID) -> dict:
    command = text.split()[0]
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "u"}}}


@contextlib.asynccontextmanager
async def _workers(settings, count: int = 3):
    """Start `count` webhook workers, each with its own database connection and port."""
    db = open_db(settings.database)
    ingest_paths(db, [settings.digest_dir])
    db.close()
    stop = asyncio.Event()
    workers, tasks = [], []
    for _ in range(count):
        worker = dataclasses.replace(settings, webhook_url="https://bot.example.com/tg/hook",
                                     webhook_port=_free_port(), webhook_secret=SECRET,
                                     lease_seconds=2)
        app = build_application(worker, open_db(worker.database))
        workers.append((worker, app))
        tasks.append(asyncio.create_task(serve(app, worker, stop)))
    async with httpx.AsyncClient() as client:
        for worker, _ in workers:  # wait until every server answers
            await _until_up(client, worker.webhook_port)
        try:
            yield client, workers
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            for _, app in workers:
                app.bot_data.db.close()


async def _until_up(client: httpx.AsyncClient, port: int) -> None:
    for _ in range(200):
        with contextlib.suppress(httpx.TransportError):
            if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"worker on port {port} did not start")


async def test_three_workers_answer_each_update_once_and_refuse_without_the_secret(
        settings, fake_api) -> None:
    async with _workers(settings) as (client, workers):
        assert fake_api.webhook["url"] == "https://bot.example.com/tg/hook"
        assert fake_api.webhook["secret_token"] == SECRET
        ports = [w.webhook_port for w, _ in workers]
        queries = ["/search 红包", "/what 阶跃星辰", "/search Kimi", "/latest", "/search 融资",
                   "/week 2026-02-08"]
        for number, text in enumerate(queries, start=1):  # round robin, as a load balancer would
            response = await client.post(f"http://127.0.0.1:{ports[number % 3]}/tg/hook",
                                         json=_update(number, text),
                                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert response.status_code == 200
        refused = await client.post(f"http://127.0.0.1:{ports[0]}/tg/hook",
                                    json=_update(99, "/search 不该处理"))
        wrong = await client.post(f"http://127.0.0.1:{ports[1]}/tg/hook",
                                  json=_update(98, "/search 不该处理"),
                                  headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
        assert refused.status_code == wrong.status_code == 403
        garbage = await client.post(f"http://127.0.0.1:{ports[2]}/tg/hook", content=b"{not json",
                                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert garbage.status_code == 400
        await _until(lambda: len(fake_api.sent(USER_ID)) >= len(queries), what="the answers")
        await asyncio.sleep(0.5)
        answers = fake_api.sent(USER_ID)
        assert len(answers) == len(queries)  # each update answered once, the refused ones never
        assert sum(m["text"].startswith("🔍 <b>红包</b>") for m in answers) == 1
        assert not any("不该处理" in m["text"] for m in answers)
        for port in ports:
            health = (await client.get(f"http://127.0.0.1:{port}/healthz")).json()
            assert health["ok"] and health["database"] == "ok" and health["worker"]
        assert len({(await client.get(f"http://127.0.0.1:{p}/healthz")).json()["worker"]
                    for p in ports}) == 3


def _served(db, date: str) -> bool:
    progress = fanout.progress(db, time.time(), date)
    return progress is not None and progress.served == 1


async def test_three_workers_post_once_and_deliver_a_subscription_made_through_one(
        settings, fake_api) -> None:
    date = _today(settings)
    async with _workers(settings) as (client, workers):
        port = workers[0][0].webhook_port
        response = await client.post(f"http://127.0.0.1:{port}/tg/hook",
                                     json=_update(1, "/subscribe 投融资", READER),
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert response.status_code == 200
        await _until(lambda: fake_api.sent(READER), what="the /subscribe answer")
        response = await client.post(f"http://127.0.0.1:{workers[1][0].webhook_port}/tg/hook",
                                     json=_update(2, "/watch 阶跃星辰", WATCHER),
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert response.status_code == 200
        await _until(lambda: fake_api.sent(WATCHER), what="the /watch answer")
        (Path(settings.digest_dir) / f"today-{date}.txt").write_bytes(_digest_for(date))
        for _, app in workers:  # the daily job fires on all three at once
            app.job_queue.run_once(schedule.daily_post, 0)
        db = workers[2][1].bot_data.db
        await _until(lambda: posts.is_posted(db, date, CHANNEL_ID)
                     and _served(db, date), timeout=30, what="the posts")
        await asyncio.sleep(3.5)  # the other workers' retries, after the lease time
        expected = _expected_post(db, date)
        channel = [m["text"] for m in fake_api.sent(int(CHANNEL_ID)) if m["method"] == "sendMessage"]
        assert channel == expected
        private = [m["text"] for m in fake_api.sent(READER)][1:]
        assert len(private) == 1 and "投融资与并购" in private[0]  # the brief digest, once
        assert "产品与应用发布" not in private[0]
        # The watch set through worker 2 fires once, whichever worker indexed the new digest.
        alerts = [m["text"] for m in fake_api.sent(WATCHER) if "新日报里有你关注的内容" in m["text"]]
        assert len(alerts) == 1 and "阶跃星辰" in alerts[0] and date in alerts[0]
