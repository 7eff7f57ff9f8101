"""The mcp SDK's own client, connected over stdio to the real `digestbot mcp` (a subprocess), for
the MCP e2e tests."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from mcp import Client, StdioServerParameters, stdio_client

DIGESTBOT = Path(sys.executable).with_name("digestbot")


def database_env(location: str) -> dict[str, str]:
    """Return the setting that points the server at an index: DATABASE_URL for a PostgreSQL URL,
    DIGESTBOT_DB for a SQLite file."""
    return {"DATABASE_URL": location} if location.startswith("postgresql") else {"DIGESTBOT_DB": location}


@asynccontextmanager
async def stdio_session(env: dict[str, str], cwd: Path, stderr_log: Path) -> AsyncIterator[Client]:
    """Start `digestbot mcp` with `env` in `cwd` (a folder without a .env), its stderr written to
    `stderr_log`; yield the SDK's client once the initialize handshake is done (60 s at most).

    One task owns the connection (anyio wants it closed by the task that opened it); the tests
    send requests through it from their own tasks.
    """
    params = StdioServerParameters(command=str(DIGESTBOT), args=["mcp"], env=env, cwd=str(cwd))
    connected: asyncio.Future[Client] = asyncio.get_running_loop().create_future()
    done = asyncio.Event()

    async def own() -> None:
        with stderr_log.open("w", encoding="utf-8") as errlog:
            async with Client(stdio_client(params, errlog=errlog), mode="legacy") as session:
                connected.set_result(session)
                await done.wait()

    owner = asyncio.create_task(own())
    await asyncio.wait([owner, connected], timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if not connected.done():
        owner.cancel()
        raise RuntimeError(f"digestbot mcp did not connect: {stderr_log.read_text()}")
    try:
        yield connected.result()
    finally:
        done.set()
        await owner
