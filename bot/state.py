"""What handlers, jobs and delivery share, as one typed object: PTB's `bot_data`.

`CONTEXT_TYPES` makes the Application create a `BotState` as its `bot_data`
(PTB instantiates it without arguments; `build_application` then attaches the
database and settings). Handlers and jobs annotate their context as `Context`
and read `context.bot_data.db`, `.settings`, `.worker` instead of string keys.
The context is made per update, so it also carries the language chosen for that
update's user (`context.lang`, set before any handler runs: handlers/common.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.config import Settings
from bot.i18n import DEFAULT_LANGUAGE, Translations, translations

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.broadcast import Pacer
    from bot.llm import Summarizer
    from bot.targets.base import Target
    from storage.backend import Database


FANOUT_THREADS = 3  # the fan-out's storage calls: a record per message sent, claims, the budget


class KeyedLocks:
    """One asyncio lock per key (first come, first served), forgotten as soon as nobody holds
    or waits for it, so a lock per post or per chat does not pile up over months."""

    def __init__(self) -> None:
        self._held: dict[Hashable, _Held] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Hold the lock of `key` for the block, after those who asked for it earlier."""
        held = self._held.get(key)
        if held is None:
            held = self._held[key] = _Held()
        held.users += 1
        try:
            async with held.lock:
                yield
        finally:
            held.users -= 1
            if held.users == 0:
                del self._held[key]

    def __len__(self) -> int:
        return len(self._held)


class _Held:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0  # holding or waiting


class LanguageChoices:
    """Users' /lang choices as stored, kept for `ttl` seconds, so a user's next updates cost no
    query; a choice made through another process sharing the database shows within `ttl`."""

    def __init__(self, ttl: float = 60.0, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._kept: dict[int, tuple[str, float]] = {}

    def get(self, user_id: int) -> str | None:
        """Return the kept choice of `user_id` ("" = automatic), or None if unknown or stale."""
        kept = self._kept.get(user_id)
        return kept[0] if kept and time.monotonic() - kept[1] < self.ttl else None

    def put(self, user_id: int, choice: str) -> None:
        """Keep `choice` as the stored choice of `user_id` (stale entries go when it grows full)."""
        now = time.monotonic()
        if len(self._kept) >= self.size:
            self._kept = {k: v for k, v in self._kept.items() if now - v[1] < self.ttl}
            if len(self._kept) >= self.size:
                self._kept.clear()
        self._kept[user_id] = (choice, now)


class BotState:
    """The database, the settings, this process's worker id and the locks of its scheduled work."""

    def __init__(self) -> None:
        self._db: Database | None = None
        self._settings: Settings | None = None
        # Who holds a lease on scheduled work when several processes share the database.
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        # Within this process: one sender per post (date or week, chat), one watch check and
        # one indexing job (scan or upload) at a time; across processes the leases in
        # storage/posts.py do the same.
        self.post_locks = KeyedLocks()
        self.watch_lock = asyncio.Lock()
        self.index_lock = asyncio.Lock()
        # Where the daily digest goes beside Telegram (bot/targets/), with their rate windows.
        self.targets: list[Target] = []
        self.language_choices = LanguageChoices()
        self.summarizer: Summarizer | None = None  # AI answers, when LLM_* are set (bot/llm.py)
        self._fanout: tuple[ThreadPoolExecutor, Pacer] | None = None

    def attach(self, db: Database, settings: Settings) -> None:
        """Give the state its database and settings (once, right after the Application is built)."""
        from bot.broadcast import Budget, LocalBudget, Pacer, SharedBudget
        from bot.targets import build_targets

        self._db, self._settings = db, settings
        self.targets = build_targets(settings)
        if settings.llm_enabled:
            from bot.llm import Summarizer

            self.summarizer = Summarizer(settings.llm_base_url, settings.llm_api_key,
                                         settings.llm_model, settings.llm_timeout,
                                         settings.llm_max_chars)
        # The fan-out to subscribers: its storage calls on threads of its own (readers' commands
        # never wait behind them), its pace shared with the other workers on PostgreSQL.
        executor = ThreadPoolExecutor(FANOUT_THREADS, thread_name_prefix="fanout")
        rate = settings.fanout_rate
        if db.name == "postgres":  # (the budget's statement on a thread of its own: permits
            # never wait behind the records of what was sent)
            budget: Budget = SharedBudget(rate, db, ThreadPoolExecutor(
                1, thread_name_prefix="fanout-budget"))
        else:
            budget = LocalBudget(rate)
        self._fanout = executor, Pacer(budget)

    @property
    def db(self) -> Database:
        """The index every handler and job queries."""
        if self._db is None:
            raise RuntimeError("BotState has no database: build the bot with build_application")
        return self._db

    @property
    def settings(self) -> Settings:
        """The settings read at start-up."""
        if self._settings is None:
            raise RuntimeError("BotState has no settings: build the bot with build_application")
        return self._settings

    @property
    def fanout_executor(self) -> ThreadPoolExecutor:
        """The threads the fan-out to subscribers runs its storage calls on."""
        return self._attached_fanout()[0]

    @property
    def pacer(self) -> Pacer:
        """This process's pace of the fan-out's sends (bot/broadcast.py)."""
        return self._attached_fanout()[1]

    def _attached_fanout(self) -> tuple[ThreadPoolExecutor, Pacer]:
        if self._fanout is None:
            raise RuntimeError("BotState has no fan-out: build the bot with build_application")
        return self._fanout

    def post_lock(self, key: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the lock of one post (`key` names the date or week and the chat): `async with`."""
        return self.post_locks.hold(key)


class Context(CallbackContext[ExtBot[None], dict, dict, BotState]):
    """The type of `context` in every handler and job callback: `context.bot_data` is a BotState,
    `context.lang` the language of this update's replies (Chinese until chosen)."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any],
                 chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application, chat_id, user_id)
        self.lang: Translations = translations(DEFAULT_LANGUAGE)


CONTEXT_TYPES = ContextTypes(context=Context, bot_data=BotState)
