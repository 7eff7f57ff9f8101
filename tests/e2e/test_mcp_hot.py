"""MCP's `hot` and `compare_periods` through the SDK's own client over stdio, against `digestbot
mcp` over an index of the generated archive with planted terms (both backends): the JSON is the
storage answer (so the CLI's --json and the site's /api/hot), the Markdown lists the same terms."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from mcp import Client

from storage.backend import open_db
from storage.hot import compare_periods, hot
from storage.index import ingest_paths
from tests.conftest import postgres_schema
from tests.e2e.mcp_client import database_env, stdio_session
from tests.e2e.test_mcp import _call, _text
from tests.hot_archive import END, FADER, NEW, OLD_NEW, RISER, write_archive

module_loop = pytest.mark.asyncio(loop_scope="module")
pytestmark = pytest.mark.xdist_group("mcp-hot")
WEEK0 = ((END - dt.timedelta(days=6)).isoformat(), END.isoformat())
WEEK1 = ((END - dt.timedelta(days=13)).isoformat(), (END - dt.timedelta(days=7)).isoformat())


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def archive(request, tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("mcp-hot")
    write_archive(folder / "digests")
    if request.param == "sqlite":
        location = str(folder / "index.db")
        with open_db(location) as db:
            ingest_paths(db, [folder / "digests"])
        yield location
        return
    with postgres_schema() as url:
        with open_db(url) as db:
            ingest_paths(db, [folder / "digests"])
        yield url


@pytest.fixture(scope="module")
def db(archive: str):
    with open_db(archive) as database:
        yield database


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(archive: str, tmp_path_factory) -> AsyncIterator[Client]:
    async with stdio_session(database_env(archive), tmp_path_factory.mktemp("mcp-hot-cwd"),
                             tmp_path_factory.mktemp("mcp-hot-log") / "stderr.log") as session:
        yield session


@module_loop
async def test_hot_answers_what_storage_answers(client, db) -> None:
    result = await _call(client, "hot", date=END.isoformat())
    expected = hot(db, END.isoformat())
    assert result.structured_content == expected.to_json()
    assert RISER in [t["term"] for t in result.structured_content["rising"][:5]]
    assert NEW in [t["term"] for t in result.structured_content["new"][:5]]
    text = _text(result)
    assert f"- {RISER}：6 条（此前每周 1），首见" in text and NEW in text and FADER in text
    back = (await _call(client, "hot", date=(END - dt.timedelta(days=14)).isoformat()))
    assert OLD_NEW in [t["term"] for t in back.structured_content["new"]]
    none = await _call(client, "hot", date="2020-01-05")
    assert none.structured_content["message"] == "no_digests" and "没有日报" in _text(none)
    today = await _call(client, "hot")  # today in TIMEZONE: after the archive's last digest
    assert today.structured_content["message"] == "no_digests"
    assert today.structured_content["until"] > END.isoformat()
    bad = await client.call_tool("hot", {"date": "not a date"})
    assert bad.is_error and "YYYY-MM-DD" in _text(bad)


@module_loop
async def test_compare_periods_finds_the_riser_up_and_the_fader_down(client, db) -> None:
    result = await _call(client, "compare_periods", since_a=WEEK1[0], until_a=WEEK1[1],
                         since_b=WEEK0[0], until_b=WEEK0[1], limit=5)
    assert result.structured_content == compare_periods(db, *WEEK1, *WEEK0, limit=5).to_json()
    up = [c["term"] for c in result.structured_content["up"]]
    down = [c["term"] for c in result.structured_content["down"]]
    assert RISER in up and NEW in up and FADER in down
    assert RISER in _text(result) and "占比上升" in _text(result)
    backwards = await client.call_tool("compare_periods", {
        "since_a": WEEK0[1], "until_a": WEEK0[0], "since_b": WEEK1[0], "until_b": WEEK1[1]})
    assert backwards.is_error and "since <= until" in _text(backwards)
