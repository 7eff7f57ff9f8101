"""A running web archive for tests: `digestbot web`'s server in a thread, on a free loopback port."""

from __future__ import annotations

import asyncio
import threading

from bot.config import Settings
from bot.web import server as web
from storage.backend import Database


class RunningSite:
    """The site's real server (bot.web.server.serve) on its own event loop in a thread."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db, self.settings = db, settings
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        async def main() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            await web.serve(self.db, self.settings, "127.0.0.1", 0, self._stop, ready=self._bound)

        asyncio.run(main())

    def _bound(self, port: int) -> None:
        self.port = port
        self._ready.set()

    def __enter__(self) -> RunningSite:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the web server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
