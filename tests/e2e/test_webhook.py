"""Webhook mode: Telegram's POSTs with the secret token are answered; without it, refused."""

from __future__ import annotations

import dataclasses
import socket

import httpx

from bot.app import build_application, webhook_options
from storage.index import ingest_paths, open_db
from tests.e2e.conftest import USER_ID


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_answers_updates_and_checks_the_secret(settings, fake_api) -> None:
    port = _free_port()
    settings = dataclasses.replace(settings, webhook_url="https://bot.example.com/tg/hook",
                                   webhook_port=port, webhook_secret="s3cret-token")
    db = open_db(settings.database)
    ingest_paths(db, [settings.digest_dir])
    app = build_application(settings, db, with_jobs=False)
    options = webhook_options(settings)
    assert options["url_path"] == "tg/hook" and options["listen"] == "127.0.0.1"
    async with app:
        await app.start()
        await app.updater.start_webhook(**options)
        try:
            registered = fake_api.webhook
            assert registered["url"] == "https://bot.example.com/tg/hook"
            assert registered["secret_token"] == "s3cret-token"
            update = {"update_id": 1, "message": {
                "message_id": 1, "date": 0, "text": "/search 红包",
                "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
                "chat": {"id": USER_ID, "type": "private"},
                "from": {"id": USER_ID, "is_bot": False, "first_name": "u"}}}
            url = f"http://127.0.0.1:{port}/tg/hook"
            async with httpx.AsyncClient() as client:
                refused = await client.post(url, json=update)
                wrong = await client.post(url, json=update, headers={
                    "X-Telegram-Bot-Api-Secret-Token": "nope"})
                accepted = await client.post(url, json={**update, "update_id": 2}, headers={
                    "X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
            assert refused.status_code == 403 and wrong.status_code == 403
            assert accepted.status_code == 200
            await fake_api.wait_for_async("sendMessage")
            sent = fake_api.sent(USER_ID)
            assert len(sent) == 1 and "红包</b> · 共 6 条" in sent[0]["text"]
        finally:
            await app.updater.stop()
            await app.stop()
    db.close()
