"""bot/state.py: the typed bot_data, and per-key locks that do not pile up."""

from __future__ import annotations

import asyncio

import pytest

from bot.state import BotState, KeyedLocks, LanguageChoices


async def test_keyed_locks_serialize_one_key_and_forget_it_when_free() -> None:
    locks = KeyedLocks()
    order: list[str] = []

    async def post(name: str, key: str, pause: float) -> None:
        async with locks.hold(key):
            order.append(f"{name} starts")
            await asyncio.sleep(pause)
            order.append(f"{name} ends")

    await asyncio.gather(post("channel", "2026-02-08:-100", 0.05),
                         post("channel again", "2026-02-08:-100", 0),
                         post("reader", "2026-02-08:7", 0))
    assert order.index("channel ends") < order.index("channel again starts")
    assert order.index("reader ends") < order.index("channel ends")  # another key does not wait
    assert len(locks) == 0


def test_bot_state_is_made_without_arguments_and_says_what_is_missing() -> None:
    state = BotState()  # as PTB's ContextTypes makes it
    assert state.worker.count(":") == 2
    with pytest.raises(RuntimeError, match="build_application"):
        _ = state.db


def test_language_choices_are_kept_for_a_while_then_asked_again(monkeypatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("bot.state.time.monotonic", lambda: clock[0])
    choices = LanguageChoices(ttl=60, size=2)
    assert choices.get(1) is None
    choices.put(1, "en")
    choices.put(2, "")
    assert choices.get(1) == "en" and choices.get(2) == ""
    clock[0] += 61
    assert choices.get(1) is None  # stale: another process may have changed it
    choices.put(3, "zh")  # full: the stale entries go
    assert choices.get(3) == "zh" and len(choices._kept) == 1
