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


async def test_a_flood_in_one_chat_takes_one_slot_and_never_holds_back_another() -> None:
    processor = ChatOrderedUpdates(max_concurrent_updates=4)
    finished: list[str] = []
    release = asyncio.Event()

    async def flooded(n: int) -> None:
        await release.wait()
        finished.append(f"flood {n}")

    async def quick(name: str) -> None:
        finished.append(name)

    async with processor:
        flood = [asyncio.create_task(processor.process_update(_update(n, 1), flooded(n)))
                 for n in range(100)]
        others = [asyncio.create_task(processor.process_update(_update(100 + n, 2 + n),
                                                               quick(f"chat {2 + n}")))
                  for n in range(3)]
        await asyncio.wait_for(asyncio.gather(*others), 5)  # while the flood's first waits
        assert finished == ["chat 2", "chat 3", "chat 4"]
        assert processor.current_concurrent_updates == 1
        release.set()
        await asyncio.gather(*flood)
    assert finished[3:] == [f"flood {n}" for n in range(100)]
    assert processor.max_concurrent_updates == 4 and processor.current_concurrent_updates == 0
