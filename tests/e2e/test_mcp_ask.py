"""MCP's `ask` through the real client over stdio (`digestbot mcp`): the question set's
questions answered with the same items as storage answers them, on both backends. The archive
is the question set's, moved to this week, since the server reads questions from today."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from mcp import Client

from bot.links import item_url
from storage.answer import answer
from storage.backend import open_db
from storage.index import ingest_paths
from storage.understand import understand
from tests.conftest import postgres_schema
from tests.e2e.mcp_client import database_env, stdio_session
from tests.question_set import CASES, weeks_to, write_archive

module_loop = pytest.mark.asyncio(loop_scope="module")
pytestmark = pytest.mark.xdist_group("mcp-ask")
WEB_URL = "https://digest.example.org"
ZONE = "Asia/Shanghai"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def archive(request, tmp_path_factory) -> Iterator[tuple[str, dt.date]]:
    """The question set's archive moved to this week, indexed (SQLite file or PostgreSQL
    schema); with today in the server's time zone."""
    today = dt.datetime.now(ZoneInfo(ZONE)).date()
    directory = tmp_path_factory.mktemp("mcp-ask")
    write_archive(directory / "digests", weeks_to(today))
    if request.param == "sqlite":
        location = str(directory / "index.db")
        with open_db(location) as db:
            ingest_paths(db, [directory / "digests"])
        yield location, today
        return
    with postgres_schema() as url:
        with open_db(url) as db:
            ingest_paths(db, [directory / "digests"])
        yield url, today


@pytest.fixture(scope="module")
def db(archive):
    with open_db(archive[0]) as database:
        yield database


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(archive, tmp_path_factory) -> AsyncIterator[Client]:
    """The SDK's client connected over stdio to `digestbot mcp` on the archive."""
    env = {**database_env(archive[0]), "WEB_URL": WEB_URL, "TIMEZONE": ZONE}
    async with stdio_session(env, tmp_path_factory.mktemp("mcp-ask-cwd"),
                             tmp_path_factory.mktemp("mcp-ask-log") / "stderr.log") as session:
        yield session


@module_loop
async def test_ask_answers_each_question_with_storages_items(client, db, archive) -> None:
    today = archive[1]
    asked = 0
    for case in CASES:
        sent = " ".join(case.question.split())[:200]  # the tool refuses a longer question
        result = await client.call_tool("ask", {"question": sent})
        expected = answer(db, understand(sent, today), limit=10)
        if case.refusal:
            assert result.is_error and "nothing to look for" in result.content[0].text
            continue
        assert not result.is_error, result.content[0].text
        found = result.structured_content
        assert found == {"line": found["line"], "notes": found["notes"],
                         **expected.to_json(lambda item: item_url(WEB_URL, item.id))}, case.question
        assert found["line"].startswith("按：")
        text = result.content[0].text
        assert found["line"] in text
        for item in expected.items:
            assert item.title in text
        asked += 1
    assert asked >= 60


@module_loop
async def test_ask_says_how_it_read_the_question(client, archive) -> None:
    today = archive[1]
    result = await client.call_tool("ask", {"question": "上周有哪些融资", "limit": 2})
    found = result.structured_content
    monday = today - dt.timedelta(days=today.weekday() + 7)
    assert found["reading"]["period"] == {"phrase": "上周", "since": monday.isoformat(),
                                          "until": (monday + dt.timedelta(days=6)).isoformat()}
    assert found["reading"]["category"] == "投融资与并购" and found["shape"] == "list"
    assert found["total"] == 3 and len(found["items"]) == 2
    bad = await client.call_tool("ask", {"question": "上周", "limit": 99})
    assert bad.is_error and "limit must be from 1 to 50" in bad.content[0].text
