"""E2E fixtures: the fake Bot API server and the real Application polling it over HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.app import build_application
from bot.config import Settings
from storage.backend import open_db
from storage.index import ingest_paths
from tests.e2e.fake_bot_api import FakeBotAPI

ADMIN_ID = 4242
USER_ID = 1001
CHANNEL_ID = "-1001234567890"


@pytest.fixture
def fake_api() -> FakeBotAPI:
    """A fake Bot API server on a free loopback port."""
    with FakeBotAPI(token="123456:TEST-token_secret") as api:
        yield api


@pytest.fixture
def settings(tmp_path: Path, digest_dir: Path, fake_api: FakeBotAPI, db_location: str) -> Settings:
    """Settings pointing at the fake server, a fresh database (SQLite or PostgreSQL) and a copy
    of the bundled digests."""
    return Settings(db_path=str(tmp_path / "bot.db"),
                    database_url=db_location if db_location.startswith("postgres") else "",
                    digest_dir=str(digest_dir), bot_token=fake_api.token, channel_id=CHANNEL_ID,
                    admin_ids=frozenset({ADMIN_ID}), api_url=fake_api.base_url,
                    timezone=afternoon_zone())


def afternoon_zone(now: dt.datetime | None = None) -> str:
    """Return a fixed-offset zone where it is now about 14:00: past the 08:00 post time (the bot
    catches up at start) and far from 23:00 (when a missing digest is reported to the admins) and
    from midnight, so the tests see the same day whatever the hour they run at."""
    hour = (now or dt.datetime.now(dt.UTC)).hour
    offset = 14 - hour  # from -9 to +14 hours east of UTC
    # POSIX sign: Etc/GMT-3 is three hours EAST of UTC
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


class RunningBot:
    """The real Application, long-polling the fake server, started and stopped like `digestbot run`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = open_db(settings.database)
        ingest_paths(self.db, [settings.digest_dir])
        self.app = build_application(settings, self.db)

    async def __aenter__(self) -> RunningBot:
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        await self.app.start()
        await self.app.updater.start_polling(poll_interval=0.0, timeout=1)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        self.db.close()


@pytest.fixture
def start_bot(settings: Settings) -> Callable[..., RunningBot]:
    """Return a factory: `async with start_bot(**setting_overrides) as bot: ...`."""

    def make(**overrides: object) -> RunningBot:
        return RunningBot(dataclasses.replace(settings, **overrides))

    return make


@pytest.fixture
async def bot(start_bot) -> AsyncIterator[RunningBot]:
    """A running bot with the default settings (post time 08:00, in a zone where it is now afternoon)."""
    async with start_bot() as running:
        yield running
