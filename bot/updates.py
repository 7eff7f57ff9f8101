"""How updates are processed: one chat's in the order they came, different chats at the same time.

PTB processes updates one by one unless told otherwise, so an admin's /reindex
waiting for a long scan would hold every reader's /search behind it. With
`ChatOrderedUpdates` a reader is answered while the scan runs in its thread;
the admin's next command still waits for the scan (one chat, in order).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.state import KeyedLocks

MAX_CONCURRENT_UPDATES = 64


class ChatOrderedUpdates(BaseUpdateProcessor):
    """An update processor: updates of one chat (or one user, for inline queries) in order,
    those of different chats concurrently, at most `max_concurrent_updates` at once."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self.chats = KeyedLocks()  # a chat's updates queue on its lock in the order they came

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run `coroutine` (the handlers of `update`) after the earlier updates of its chat."""
        async with self.chats.hold(_chat_key(update)):
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down (PTB's Application.stop waits for running updates)."""


def _chat_key(update: object) -> object:
    """Return what orders `update`: its chat, else its sender (inline queries), else nothing."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return None
