"""Several bot processes on one database: scheduled work is done once, and a dead worker's post is
finished by another (leases). Each bot here has its own database connection, as a process would."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot import delivery, schedule
from storage import posts
from storage.index import ingest_paths
from tests.e2e.conftest import ADMIN_ID, CHANNEL_ID
from tests.e2e.test_admin_and_schedule import (
    AT_ONCE,
    CrashError,
    CrashingBot,
    _channel_texts,
    _expected_post,
    _no_daily_post,
    _until,
    _until_first_rescan,
    _write_today_digest,
)

LEASE_S = 8  # long enough that a loaded machine still starts the survivor within it


async def test_two_bots_on_one_database_post_the_day_once(start_bot, settings, fake_api) -> None:
    date = _write_today_digest(settings)
    async with start_bot(post_time=AT_ONCE, lease_seconds=2) as first, \
            start_bot(post_time=AT_ONCE, lease_seconds=2) as second:
        assert first.app.bot_data.worker != second.app.bot_data.worker
        expected = _expected_post(first.db, date)
        await _until(lambda: posts.is_posted(first.db, date, CHANNEL_ID), timeout=20,
                     what="the post")
        await asyncio.sleep(3.5)  # the other bot's retry, after the lease time, finds it done
    assert _channel_texts(fake_api) == expected


async def test_a_dead_workers_post_is_finished_by_another(start_bot, settings, fake_api,
                                                          monkeypatch) -> None:
    date = _write_today_digest(settings)
    with monkeypatch.context() as patch:
        patch.setattr(schedule, "daily_post", _no_daily_post)
        async with start_bot(lease_seconds=LEASE_S) as dying:
            expected = _expected_post(dying.db, date)
            assert len(expected) > 3
            # A process that dies releases nothing: its lease stays until it expires.
            patch.setattr(posts, "release_lease", lambda *args: None)
            with pytest.raises(CrashError):
                await delivery.post_digest(CrashingBot(dying.app.bot, 2), dying.app.bot_data,
                                           date, CHANNEL_ID)
            crashed = time.monotonic()
    assert _channel_texts(fake_api) == expected[:2]
    async with start_bot(post_time=AT_ONCE, lease_seconds=LEASE_S) as survivor:
        await asyncio.sleep(0.5)
        held = _channel_texts(fake_api)
        # Only while the lease is surely still valid does it prove anything (a loaded machine
        # may take longer than the lease to start the survivor).
        if time.monotonic() - crashed < LEASE_S - 1:
            assert held == expected[:2]  # the lease still holds it back
        await _until(lambda: posts.is_posted(survivor.db, date, CHANNEL_ID), timeout=30,
                     what="the takeover")
    assert _channel_texts(fake_api) == expected  # nothing missing, nothing repeated


async def test_admin_commands_say_so_when_another_worker_holds_the_work(bot, settings,
                                                                        fake_api) -> None:
    await _until_first_rescan(bot)  # (and the catch-up post before it, which finds no digest)
    date = _write_today_digest(settings)
    ingest_paths(bot.db, [settings.digest_dir])  # indexed, but another worker holds the post
    assert posts.acquire_lease(bot.db, "rescan", "another-worker", 30)
    assert posts.acquire_lease(bot.db, f"post:{date}:{CHANNEL_ID}", "another-worker", 30)
    fake_api.push_command("/reindex", user_id=ADMIN_ID)
    fake_api.push_command(f"/push {date}", user_id=ADMIN_ID)
    await fake_api.wait_for_async(lambda c: str(c["params"].get("chat_id")) == str(ADMIN_ID)
                                  and c["method"] == "sendMessage", count=2)
    texts = [m["text"] for m in fake_api.sent(ADMIN_ID)]
    assert "正在扫描" in texts[0] and "正在发布" in texts[1]
    assert not posts.is_posted(bot.db, date, CHANNEL_ID) and _channel_texts(fake_api) == []
