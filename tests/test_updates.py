"""bot/updates.py: one chat's updates in the order they came, different chats' at the same time."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.offline import command_update
from bot.updates import ChatOrderedUpdates


def _update(update_id: int, chat_id: int) -> Update:
    return Update.de_json(command_update("/help", chat_id, update_id), None)


async def test_a_slow_update_holds_back_its_own_chat_but_not_another() -> None:
    processor = ChatOrderedUpdates()
    finished: list[str] = []
    release = asyncio.Event()

    async def slow_scan() -> None:
        await release.wait()
        finished.append("admin /reindex")

    async def quick(name: str) -> None:
        finished.append(name)

    async with processor:
        tasks = [asyncio.create_task(processor.process_update(update, work)) for update, work in (
            (_update(1, 1), slow_scan()),
            (_update(2, 1), quick("admin /stats")),
            (_update(3, 2), quick("reader /search")),
            (_update(4, 2), quick("reader /today")),
        )]
        await asyncio.wait_for(_until(lambda: len(finished) == 2), 5)
        assert finished == ["reader /search", "reader /today"]  # the admin's chat waits
        release.set()
        await asyncio.gather(*tasks)
    assert finished[2:] == ["admin /reindex", "admin /stats"]  # in the order they came
    assert len(processor.chats) == 0  # nothing kept for chats with nothing pending


async def _until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.01)
