"""Several bot processes on one database: scheduled work is done once, and a dead worker's post is
finished by another (leases). Each bot here has its own database connection, as a process would."""

from __future__ import annotations

import asyncio

import pytest

from bot import schedule
from storage import posts
from tests.e2e.conftest import CHANNEL_ID
from tests.e2e.test_admin_and_schedule import (
    AT_ONCE,
    CrashError,
    CrashingBot,
    _channel_texts,
    _expected_post,
    _no_daily_post,
    _until,
    _write_today_digest,
)


async def test_two_bots_on_one_database_post_the_day_once(start_bot, settings, fake_api) -> None:
    date = _write_today_digest(settings)
    async with start_bot(post_time=AT_ONCE, lease_seconds=2) as first, \
            start_bot(post_time=AT_ONCE, lease_seconds=2) as second:
        assert first.app.bot_data["worker"] != second.app.bot_data["worker"]
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
        async with start_bot(lease_seconds=2) as dying:
            expected = _expected_post(dying.db, date)
            assert len(expected) > 3
            # A process that dies releases nothing: its lease stays until it expires.
            patch.setattr(posts, "release_lease", lambda *args: None)
            with pytest.raises(CrashError):
                await schedule.post_digest(CrashingBot(dying.app.bot, 2), dying.app.bot_data,
                                           date, CHANNEL_ID)
    assert _channel_texts(fake_api) == expected[:2]
    async with start_bot(post_time=AT_ONCE, lease_seconds=2) as survivor:
        await asyncio.sleep(0.5)
        assert _channel_texts(fake_api) == expected[:2]  # the lease still holds it back
        await _until(lambda: posts.is_posted(survivor.db, date, CHANNEL_ID), timeout=20,
                     what="the takeover")
    assert _channel_texts(fake_api) == expected  # nothing missing, nothing repeated
