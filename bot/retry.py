"""The one retry loop of everything the bot sends: Telegram messages (bot/send.py), the fan-out to
subscribers (bot/fanout.py) and the other platforms (bot/targets/deliver.py).

What differs between them is only the policy: which failures may heal and how long to wait before
the next attempt (a `Backoff`), and how to wait (a plain sleep, or a sleep that keeps a lease).
Nothing here imports `telegram`, so the other platforms' delivery can use it as it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

# After the `failures`-th failed attempt (1, 2, ...) with `error`: how many seconds to wait before
# trying again, or None to give up (the error is raised).
Backoff = Callable[[Exception, int], "float | None"]


async def retrying(attempt: Callable[[], Awaitable[T]], backoff: Backoff,
                   pause: Callable[[float], Awaitable[object]] = asyncio.sleep) -> T:
    """Return what `attempt` returns, calling it again after each failure `backoff` says may
    heal, `pause`d for as long as it says; the last failure is raised."""
    failures = 0
    while True:
        try:
            return await attempt()
        except Exception as exc:
            failures += 1
            wait = backoff(exc, failures)
            if wait is None:
                raise
            if wait > 0:
                await pause(wait)


def doubling(first_s: float, retries: int) -> Callable[[int], float | None]:
    """Return the wait after the n-th failure: `first_s`, twice that, ... up to `retries`
    failures, then None (give up)."""

    def wait(failures: int) -> float | None:
        return first_s * 2 ** (failures - 1) if failures <= retries else None

    return wait
