"""The broadcast budget: how many messages a second the fan-out to subscribers may send, for every
worker together, and what pauses it.

Telegram lets a bot send about 30 messages a second to different chats (up to 1000 with paid
broadcasts) and answers 429 with `retry_after` beyond that. The fan-out's senders each ask the
process's `Pacer` for a permit before every message; the pacer hands out at most the budget's
rate a second, spaced evenly, and only within the first WINDOW of each second, so a request
that takes a little longer to reach Telegram still counts in the second it was meant for.

Where the permits come from:
- `LocalBudget` (SQLite: one process) keeps the second's count in memory;
- `SharedBudget` (PostgreSQL: several webhook workers) takes them from one row of the database
  (storage/fanout.py `take_slots`, one statement), a few at a time, so all workers together
  stay within the rate.
A 429 pauses every sender of the process at once and, through the budget, every other worker.

Readers come first: the fan-out's sends bypass python-telegram-bot's rate limiter
(`ReadersFirstRateLimiter`), whose queue and overall limit stay for the replies to readers, so a
reader's command is never queued behind thousands of digests.
"""

from __future__ import annotations

import asyncio
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from telegram.ext import AIORateLimiter

from storage import fanout

if TYPE_CHECKING:
    from storage.backend import Database

WINDOW = 0.75  # permits of a second are handed out in its first 0.75 s (network delays: the rest)
CATCH_UP_S = 0.3  # how far a late pacer may catch up on its grid within a second (a busy machine)
BROADCAST = -1  # rate_limit_args of a fan-out send: paced by the Pacer, its 429s handled there


class Budget(ABC):
    """Where a process's permits come from: `rate` a second, shared with whoever else takes."""

    def __init__(self, rate: int) -> None:
        self.rate = rate

    @abstractmethod
    async def take(self, second: int, want: int, now: float) -> tuple[int, float]:
        """Take up to `want` of the sends allowed in `second`; return how many were granted and
        until when everyone is paused (a Unix time; past when nobody is)."""

    @abstractmethod
    async def pause(self, until: float) -> None:
        """Pause everyone sharing the budget until `until` (Telegram answered 429)."""

    @property
    def chunk(self) -> int:
        """How many permits to take at once (from a shared budget: a tenth of a second's worth)."""
        return self.rate


class LocalBudget(Budget):
    """The budget of one process (SQLite): counted in memory."""

    def __init__(self, rate: int) -> None:
        super().__init__(rate)
        self._second, self._used, self._paused_until = -1, 0, 0.0

    async def take(self, second: int, want: int, now: float) -> tuple[int, float]:
        if now < self._paused_until or second < self._second:
            return 0, self._paused_until
        if second > self._second:
            self._second, self._used = second, 0
        granted = max(min(want, self.rate - self._used), 0)
        self._used += granted
        return granted, self._paused_until

    async def pause(self, until: float) -> None:
        self._paused_until = max(self._paused_until, until)


class SharedBudget(Budget):
    """The budget every worker on one database shares (PostgreSQL): one row, taken from a tenth of
    a second's worth at a time. Its statements run on the fan-out's own threads (`executor`), not
    those that answer readers."""

    def __init__(self, rate: int, db: Database, executor: ThreadPoolExecutor) -> None:
        super().__init__(rate)
        self.db, self.executor = db, executor

    @property
    def chunk(self) -> int:
        return max(1, math.ceil(self.rate / 10))

    async def take(self, second: int, want: int, now: float) -> tuple[int, float]:
        return await asyncio.get_running_loop().run_in_executor(
            self.executor, fanout.take_slots, self.db, second, want, self.rate, now)

    async def pause(self, until: float) -> None:
        await asyncio.get_running_loop().run_in_executor(
            self.executor, fanout.pause_budget, self.db, until)


class Pacer:
    """Hands out send permits at the budget's pace: at most `budget.rate` a second (the budget
    counts them per second of the clock), on an even grid within the first WINDOW of each second,
    first come first served; nothing while a 429's pause lasts."""

    def __init__(self, budget: Budget, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self.budget, self.clock, self.sleep = budget, clock, sleep
        self.spacing = WINDOW / budget.rate
        self._turn = asyncio.Lock()  # FIFO: senders get permits in the order they asked
        self._second, self._left = -1, 0  # permits of `_second` taken and not yet handed out
        self._spent = -1  # a second whose permits are all gone (the budget had no more)
        self._next_at = 0.0  # the earliest moment of the next permit (even spacing)
        self._paused_until = 0.0

    async def permit(self) -> None:
        """Return when the caller may send one message."""
        async with self._turn:
            while True:
                now = self.clock()
                second = math.floor(now)
                if now < self._paused_until:
                    await self.sleep(self._paused_until - now)
                elif now - second >= WINDOW or second == self._spent:
                    await self.sleep(second + 1 - now)
                elif now < self._next_at:
                    await self.sleep(self._next_at - now)
                elif second == self._second and self._left > 0:
                    self._left -= 1
                    # On an even grid: a pacer woken late (a busy machine) hands out the permits
                    # it missed at once, up to CATCH_UP_S of them, instead of losing them; the
                    # budget still counts each second.
                    self._next_at = max(self._next_at, now - CATCH_UP_S) + self.spacing
                    return
                else:
                    await self._refill(second, now)

    async def _refill(self, second: int, now: float) -> None:
        """Take this second's next permits from the budget (as many as still fit in its window)."""
        fit = int((second + WINDOW - now) / self.spacing) + 1
        granted, paused_until = await self.budget.take(second, min(self.budget.chunk, fit), now)
        self._paused_until = max(self._paused_until, paused_until)
        if second != self._second:  # a new second starts its own grid (no catching up across)
            self._next_at = max(self._next_at, now)
        self._second, self._left = second, granted
        if granted == 0 and paused_until <= now:
            self._spent = second  # the second's sends are used up (by this or another worker)

    async def pause(self, seconds: float) -> None:
        """Pause every sender (of every worker sharing the budget) for `seconds`: a 429."""
        until = self.clock() + seconds
        self._paused_until = max(self._paused_until, until)
        self._left = 0  # the permits taken before the 429 are not used
        await self.budget.pause(until)


class ReadersFirstRateLimiter(AIORateLimiter):
    """python-telegram-bot's AIORateLimiter for replies to readers (its overall and per-group
    limits, its retries after a 429), and nothing for the fan-out's sends (`rate_limit_args`
    BROADCAST): the Pacer paces those and pauses them on a 429, so readers' replies never queue
    behind them."""

    async def process_request(
        self, callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if rate_limit_args == BROADCAST:
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data,
                                             rate_limit_args)
