"""The broadcast budget (bot/broadcast.py): permits at most the rate a second, evenly spaced in
the first part of each second, shared by every pacer taking from one budget (in memory, or the
database row several workers share), paused by a 429; and the fan-out's sends bypassing
python-telegram-bot's limiter while readers' replies keep it."""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from telegram.error import RetryAfter

from bot.broadcast import BROADCAST, WINDOW, LocalBudget, Pacer, ReadersFirstRateLimiter, SharedBudget


class VirtualTime:
    """A clock that moves only when every task waits for it: the earliest sleeper wakes and the
    clock jumps to its time (so pacing is checked exactly, without waiting)."""

    def __init__(self, start: float = 1_000.25) -> None:
        self.now, self._order = start, 0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        waker = asyncio.get_running_loop().create_future()
        self._order += 1
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), self._order, waker))
        await waker

    async def run(self, *work: Awaitable[object]) -> None:
        """Run `work` to the end, moving the clock whenever nothing else can run."""
        done = asyncio.ensure_future(asyncio.gather(*work))
        while not done.done():
            for _ in range(50):  # let whatever can run, run
                await asyncio.sleep(0)
            if self._sleepers and not done.done():
                self.now, _, waker = heapq.heappop(self._sleepers)
                waker.set_result(None)
        await done


async def _permits(pacer: Pacer, count: int, times: list[float],
                   clock: Callable[[], float]) -> None:
    for _ in range(count):
        await pacer.permit()
        times.append(clock())


def _per_second(times: list[float]) -> Counter[int]:
    return Counter(math.floor(t) for t in times)


async def test_permits_come_at_most_rate_a_second_evenly_spaced_in_the_window() -> None:
    clock = VirtualTime()
    pacer = Pacer(LocalBudget(10), clock.clock, clock.sleep)
    times: list[float] = []
    await clock.run(*(_permits(pacer, 7, times, clock.clock) for _ in range(5)))  # 35 permits
    assert len(times) == 35 and max(_per_second(times).values()) == 10
    assert all(t - math.floor(t) < WINDOW for t in times)  # none in the last tenth of a second
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= WINDOW / 10 - 1e-9
    # sustained: 35 permits from 1000.25 take 3 seconds and a bit, not more
    assert times[-1] - times[0] < 3.6


async def test_two_workers_sharing_one_budget_stay_within_its_rate_together() -> None:
    class SharedInMemory(LocalBudget):  # taken from as the database's row is: a bit at a time
        chunk = 2

    clock = VirtualTime()
    shared = SharedInMemory(20)
    first, second = Pacer(shared, clock.clock, clock.sleep), Pacer(shared, clock.clock, clock.sleep)
    times: list[float] = []
    await clock.run(*(_permits(p, 15, times, clock.clock) for p in (first, second) for _ in range(2)))
    counts = _per_second(times)
    assert len(times) == 60 and max(counts.values()) == 20
    assert [counts[s] for s in sorted(counts)][1:-1] == [20] * (len(counts) - 2)  # full seconds


async def test_a_429_pauses_every_sender_until_it_has_passed() -> None:
    clock = VirtualTime()
    pacer = Pacer(LocalBudget(100), clock.clock, clock.sleep)
    await clock.run(pacer.permit())
    paused_at = clock.clock()
    await pacer.pause(3.0)
    times: list[float] = []
    await clock.run(*(_permits(pacer, 2, times, clock.clock) for _ in range(4)))
    assert len(times) == 8 and min(times) >= paused_at + 3.0


async def test_workers_share_the_budget_row_in_the_database(db) -> None:
    # The real clock: the budget's statements run in threads, as in the bot.
    with ThreadPoolExecutor(2) as executor:
        workers = [Pacer(SharedBudget(40, db, executor)) for _ in range(2)]
        assert workers[0].budget.chunk == 4  # a tenth of a second's worth per statement
        times: list[float] = []
        await asyncio.gather(*(_permits(w, 50, times, time.time) for w in workers))
        assert len(times) == 100 and max(_per_second(times).values()) <= 40
        await workers[0].pause(1.5)  # one worker's 429 pauses the other too, once the
        paused_at = time.time()      # permits it took before (at most a chunk) are used
        later: list[float] = []
        await _permits(workers[1], 5, later, time.time)
        assert sum(t < paused_at + 1.49 for t in later) < 4 and later[-1] >= paused_at + 1.49


async def test_fanout_sends_bypass_ptbs_limiter_and_readers_replies_keep_it() -> None:
    limiter = ReadersFirstRateLimiter(max_retries=2)
    await limiter.initialize()
    calls = []

    async def too_many() -> dict:
        calls.append(1)
        raise RetryAfter(dt.timedelta(seconds=0))

    with pytest.raises(RetryAfter):  # the fan-out's own: straight to the caller, who pauses everyone
        await limiter.process_request(too_many, (), {}, "sendMessage", {"chat_id": 7}, BROADCAST)
    assert len(calls) == 1
    with pytest.raises(RetryAfter):  # a reader's reply: retried by python-telegram-bot's limiter
        await limiter.process_request(too_many, (), {}, "sendMessage", {"chat_id": 7}, None)
    assert len(calls) == 1 + 3
