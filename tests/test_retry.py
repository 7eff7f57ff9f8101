"""The one retry loop (bot/retry.py) and Telegram's policy for it (bot/send.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.retry import doubling, retrying
from bot.send import NETWORK_RETRIES, telegram_backoff


async def test_retrying_waits_as_the_backoff_says_and_returns_the_first_success() -> None:
    calls, waits = [], []

    async def attempt() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ValueError("not yet")
        return "done"

    async def pause(seconds: float) -> None:
        waits.append(seconds)

    assert await retrying(attempt, lambda exc, n: n * 1.5, pause) == "done"
    assert len(calls) == 3 and waits == [1.5, 3.0]


async def test_retrying_raises_the_failure_the_backoff_gives_up_on() -> None:
    calls = []

    async def attempt() -> None:
        calls.append(1)
        raise KeyError(len(calls))

    async def pause(seconds: float) -> None:
        pass

    with pytest.raises(KeyError) as raised:
        await retrying(attempt, lambda exc, n: 0.0 if n < 4 else None, pause)
    assert raised.value.args == (4,) and len(calls) == 4


def test_doubling_backs_off_twice_as_long_each_time_then_gives_up() -> None:
    wait = doubling(0.5, 3)
    assert [wait(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, None]


def test_telegram_backoff_retries_what_may_heal_and_never_a_refusal() -> None:
    assert telegram_backoff(RetryAfter(dt.timedelta(seconds=7)), 1) == 7.0
    assert telegram_backoff(NetworkError("reset"), 1) == 0.5
    assert telegram_backoff(TimedOut(), 2) == 1.0
    assert telegram_backoff(NetworkError("reset"), NETWORK_RETRIES + 1) is None
    assert telegram_backoff(BadRequest("message is too long"), 1) is None
    assert telegram_backoff(Forbidden("bot was blocked by the user"), 1) is None
    assert telegram_backoff(ValueError("a bug"), 1) is None
