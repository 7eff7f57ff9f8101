"""How updates are processed: one chat's in the order they came, different chats at the same time.

PTB processes updates one by one unless told otherwise, so an admin's /reindex
waiting for a long scan would hold every reader's /search behind it. With
`ChatOrderedUpdates` a reader is answered while the scan runs in its thread;
the admin's next command still waits for the scan (one chat, in order).

An update takes one of the `max_concurrent_updates` slots only when its chat's
turn has come: waiting for the turn costs no slot, so a flood of commands in one
chat never holds the slots every other chat needs.
"""

from __future__ import annotations

import asyncio
import sys
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
        if max_concurrent_updates < 1:
            raise ValueError("max_concurrent_updates must be a positive integer")
        # PTB takes its semaphore before do_process_update, that is before the chat's turn: as
        # the bound, 100 commands flooding one group held every slot while waiting their turn
        # and kept every other chat waiting 51 s. So PTB's is unbounded (super().__init__ sizes
        # it by max_concurrent_updates, hence `limit` until then) and `slots` bounds.
        self.limit = sys.maxsize
        super().__init__(sys.maxsize)
        self.limit = max_concurrent_updates
        self.slots = asyncio.Semaphore(max_concurrent_updates)
        self.running = 0
        self.chats = KeyedLocks()  # a chat's updates queue on its lock in the order they came

    @property
    def max_concurrent_updates(self) -> int:
        """The most updates handled at once (those waiting for their chat's turn not counted)."""
        return self.limit

    @property
    def current_concurrent_updates(self) -> int:
        """The number of updates being handled now."""
        return self.running

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run `coroutine` (the handlers of `update`) after the earlier updates of its chat, in
        one of the slots once it is its turn."""
        async with self.chats.hold(_chat_key(update)), self.slots:
            self.running += 1
            try:
                await coroutine
            finally:
                self.running -= 1

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
