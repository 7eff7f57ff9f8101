"""`digestbot mcp`: the real command, started as a subprocess over an index of the bundled digests
(SQLite and PostgreSQL), driven by the mcp SDK's own client, over stdio and over Streamable HTTP.

One server per backend for the module (starting one takes about a second): the tests share it,
and each checks that the server still answers after its bad input.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import httpx2
import pytest
import pytest_asyncio
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp.types import INVALID_PARAMS, CallToolResult, TextContent

from bot.links import item_url
from storage.backend import open_db
from storage.digests import newest_headers
from storage.index import ingest_paths
from storage.search import search, weekly_counts
from storage.stories import week_board, what
from tests.conftest import BUNDLED, postgres_schema
from tests.e2e.mcp_client import DIGESTBOT, database_env, stdio_session

module_loop = pytest.mark.asyncio(loop_scope="module")  # the loop the shared client lives on
# One pytest-xdist worker runs the whole module (`--dist loadgroup`): each worker would start
# its own servers.
pytestmark = pytest.mark.xdist_group("mcp")

WEB_URL = "https://digest.example.org"
TOKEN = "test-mcp-token-0123456789abcdef"
TOOLS = ["search", "what_happened", "get_digest", "week", "trend", "hot", "compare_periods",
         "categories", "ask"]
NEWEST = "2026-02-08"
STEPFUN_DATES = ["2026-01-27", "2026-01-28", "2026-02-03", "2026-02-08"]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def archive(request, tmp_path_factory) -> Iterator[str]:
    """Where an index of the bundled digests lives: a SQLite file or a PostgreSQL schema."""
    if request.param == "sqlite":
        location = str(tmp_path_factory.mktemp("mcp") / "index.db")
        with open_db(location) as db:
            ingest_paths(db, [BUNDLED])
        yield location
        return
    with postgres_schema() as url:
        with open_db(url) as db:
            ingest_paths(db, [BUNDLED])
        yield url


@pytest.fixture(scope="module")
def db(archive: str):
    """The same index, opened by the tests: the server must answer what storage answers."""
    with open_db(archive) as database:
        yield database


def _environment(archive: str) -> dict[str, str]:
    """The server's settings: the index, the web archive's address, the MCP token."""
    return {**database_env(archive), "WEB_URL": WEB_URL, "MCP_TOKEN": TOKEN, "LOG_LEVEL": "INFO"}


@pytest.fixture(scope="module")
def stderr_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mcp-stderr") / "stderr.log"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(archive: str, stderr_log: Path, tmp_path_factory) -> AsyncIterator[Client]:
    """The SDK's client, connected over stdio (the initialize handshake) to `digestbot mcp`."""
    async with stdio_session(_environment(archive), tmp_path_factory.mktemp("mcp-cwd"),
                             stderr_log) as session:
        yield session


def _link(item) -> str:
    return item_url(WEB_URL, item.id)


def _text(result: CallToolResult) -> str:
    assert len(result.content) == 1 and isinstance(result.content[0], TextContent)
    return result.content[0].text


async def _call(client: Client, tool: str, **arguments) -> CallToolResult:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, _text(result)
    return result


async def _still_answers(client: Client) -> None:
    result = await _call(client, "categories")
    assert result.structured_content["digests"] == 5


# --- the connection and what it offers ---------------------------------------------------------


@module_loop
async def test_initialize_names_the_server_and_its_capabilities(client: Client) -> None:
    assert client.protocol_version == "2025-11-25"  # the initialize handshake (mode="legacy")
    assert client.server_info.name == "digestbot"
    capabilities = client.server_capabilities
    assert capabilities.tools is not None and capabilities.resources is not None
    assert capabilities.prompts is not None
    assert "search" in client.instructions and "what_happened" in client.instructions


@module_loop
async def test_lists_the_nine_tools_with_their_arguments_and_output_schemas(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert list(tools) == TOOLS
    arguments = {name: tool.input_schema["properties"] for name, tool in tools.items()}
    assert list(arguments["search"]) == ["query", "category", "since", "until", "limit"]
    assert tools["search"].input_schema["required"] == ["query"]
    limit = arguments["search"]["limit"]
    assert (limit["type"], limit["default"], limit["minimum"], limit["maximum"]) == ("integer", 10, 1, 50)
    assert arguments["search"]["query"]["maxLength"] == 200
    assert list(arguments["what_happened"]) == ["name"]
    assert list(arguments["get_digest"]) == ["date"] and list(arguments["week"]) == ["date"]
    assert list(arguments["trend"]) == ["keyword"] and arguments["categories"] == {}
    assert list(arguments["ask"]) == ["question", "limit"]
    outputs = {name: list(tool.output_schema["properties"]) for name, tool in tools.items()}
    assert outputs == {
        "search": ["query", "corrected", "total", "total_capped", "items"],
        "what_happened": ["query", "names", "corrected", "stories"],
        "get_digest": ["date", "title", "summary", "items"],
        "week": ["start", "end", "stories"],
        "trend": ["keyword", "total", "first_week", "counts", "busiest", "recent"],
        "hot": ["since", "until", "rising", "new", "fading", "items", "periods_before", "message"],
        "compare_periods": ["a", "b", "up", "down", "message"],
        "categories": ["categories", "digests", "items", "first_date", "last_date"],
        "ask": ["line", "notes", "reading", "shape", "total", "total_capped", "keywords", "relaxed",
                "items", "stories", "weeks", "digest"],
    }
    for tool in tools.values():
        assert tool.output_schema["type"] == "object" and tool.title
        assert tool.annotations.read_only_hint is True
    search_help = tools["search"].description
    assert "substring" in search_help and "word prefix" in search_help and "-word" in search_help


# --- the tools, with the answers storage gives -------------------------------------------------


@module_loop
async def test_search_returns_the_items_storage_finds_with_their_web_pages(client, db) -> None:
    result = await _call(client, "search", query="红包", limit=3)
    expected = search(db, "红包", limit=3)
    assert result.structured_content == expected.to_json(_link)
    found = result.structured_content
    assert found["total"] == 6 and len(found["items"]) == 3 and found["corrected"] is None
    for item in found["items"]:
        assert "红包" in json.dumps(item, ensure_ascii=False)
        assert item["url"] == f"{WEB_URL}/item/{item['id']}"
        assert {"date", "category", "title", "summary", "points", "source_name", "source_url"} <= set(item)
    text = _text(result)
    assert "共 6 条" in text and found["items"][0]["title"] in text and found["items"][0]["url"] in text


@module_loop
async def test_search_excludes_a_word_written_with_a_minus(client, db) -> None:
    result = await _call(client, "search", query="红包 -文心")
    found = result.structured_content
    assert found == search(db, "红包 -文心", limit=10).to_json(_link)
    assert found["total"] == 3  # of the 6 红包 items, those not naming 文心
    for item in found["items"]:
        text = json.dumps(item, ensure_ascii=False)
        assert "红包" in text and "文心" not in text
    trend = (await _call(client, "trend", keyword="红包 -文心")).structured_content
    assert trend["total"] == 3


@module_loop
async def test_search_narrows_by_category_and_dates(client, db) -> None:
    result = await _call(client, "search", query="红包", category="产品", since="2026-02-01",
                         until="2026-02-08", limit=50)
    items = result.structured_content["items"]
    assert items and result.structured_content["total"] == len(items) == 4
    assert all(item["category"] == "产品与应用发布" and "2026-02-01" <= item["date"] <= NEWEST
               for item in items)
    expected = search(db, "红包", category="产品", since="2026-02-01", until=NEWEST, limit=50)
    assert result.structured_content == expected.to_json(_link)


@module_loop
async def test_search_until_leaves_out_later_digests(client, db) -> None:
    everything = (await _call(client, "search", query="红包", limit=50)).structured_content
    result = await _call(client, "search", query="红包", until="2026-02-03", limit=50)
    found = result.structured_content
    assert found == search(db, "红包", until="2026-02-03", limit=50).to_json(_link)
    assert 0 < found["total"] < everything["total"]
    assert all(item["date"] <= "2026-02-03" for item in found["items"])
    assert any(item["date"] > "2026-02-03" for item in everything["items"])


@module_loop
async def test_week_at_the_calendars_edge(client) -> None:
    """The first date a week can end on (0001-01-08) is an empty board; earlier ones are refused
    (test_bad_input_...): the week before would start before 0001-01-01."""
    board = (await _call(client, "week", date="0001-01-08")).structured_content
    assert (board["start"], board["end"], board["stories"]) == ("0001-01-02", "0001-01-08", [])


@module_loop
async def test_search_corrects_a_typo_and_says_so(client) -> None:
    result = await _call(client, "search", query="阶跃星晨")
    assert result.structured_content["corrected"] == "阶跃星辰"
    assert result.structured_content["total"] == 5
    assert "以下是「阶跃星辰」的结果" in _text(result)


@module_loop
async def test_what_happened_to_stepfun_is_the_b_plus_round_on_four_dates(client, db) -> None:
    result = await _call(client, "what_happened", name="StepFun")
    answer = result.structured_content
    assert answer == what(db, "StepFun").to_json(_link)
    assert "阶跃星辰" in answer["names"] and "StepFun" in answer["names"]
    round_ = next(story for story in answer["stories"] if "50亿" in story["title"])
    assert "阶跃星辰" in round_["title"] and "B+" in round_["title"]
    assert round_["dates"] == STEPFUN_DATES
    assert [item["date"] for item in round_["items"]] == STEPFUN_DATES
    # Brief: the item's text (summary, background, points) is get_digest's for its date.
    assert set(round_["items"][0]) == {"id", "date", "category", "title", "source_name",
                                       "source_url", "url"}
    assert round_["sources"] and all(source["url"].startswith("http") for source in round_["sources"])
    firsts = [story["dates"][0] for story in answer["stories"]]
    assert firsts == sorted(firsts)
    text = _text(result)
    positions = [text.index(date) for date in STEPFUN_DATES]
    assert positions == sorted(positions) and "阶跃星辰" in text


@module_loop
async def test_get_digest_gives_the_newest_day_every_item_in_full(client) -> None:
    result = await _call(client, "get_digest")
    digest = result.structured_content
    assert digest["date"] == NEWEST and len(digest["items"]) == 12
    assert all(item["date"] == NEWEST and item["title"] and item["summary"] for item in digest["items"])
    assert any(item["points"] for item in digest["items"]) and any(item["background"] for item in
                                                                   digest["items"])
    text = _text(result)
    assert all(item["title"] in text for item in digest["items"])
    older = (await _call(client, "get_digest", date="2026/1/28")).structured_content
    assert older["date"] == "2026-01-28" and len(older["items"]) == 7


@module_loop
async def test_week_is_the_story_board_of_the_seven_days(client, db) -> None:
    result = await _call(client, "week")
    board = result.structured_content
    assert (board["start"], board["end"]) == ("2026-02-02", NEWEST)
    assert board["stories"] == [story.to_json(_link) for story in week_board(db, NEWEST)]
    days = [len(story["dates"]) for story in board["stories"]]
    assert days == sorted(days, reverse=True) and days[0] >= 2
    assert all(board["start"] <= date <= board["end"] for story in board["stories"]
               for date in story["dates"])
    assert "一周事件榜 2026-02-02 ~ 2026-02-08" in _text(result)


@module_loop
async def test_trend_counts_items_per_week_with_the_busiest_and_last_eight(client, db) -> None:
    result = await _call(client, "trend", keyword="红包")
    trend = result.structured_content
    expected = weekly_counts(db, "红包")
    first = dt.date.fromisoformat(trend["first_week"])
    weeks = [{"week": (first + dt.timedelta(weeks=i)).isoformat(), "items": n}
             for i, n in enumerate(trend["counts"])]  # counts[i]: the week first_week + 7*i days
    assert [(w["week"], w["items"]) for w in weeks] == [
        (week.isoformat(), n) for week, n in expected.weeks]
    assert trend["total"] == sum(trend["counts"]) == expected.total == 6
    busiest = max(weeks, key=lambda w: (w["items"], w["week"]))
    assert trend["busiest"] == busiest
    assert trend["recent"] == weeks[-8:]
    assert f"最多：{busiest['week']} 那周 {busiest['items']} 条" in _text(result)


@module_loop
async def test_categories_count_every_item_and_give_the_date_range(client) -> None:
    result = await _call(client, "categories")
    answer = result.structured_content
    assert (answer["digests"], answer["items"]) == (5, 62)
    assert (answer["first_date"], answer["last_date"]) == ("2026-01-27", NEWEST)
    assert sum(c["items"] for c in answer["categories"]) == 62
    assert answer["categories"][0] == {"category": "模型与技术进展", "items": 15}
    assert "投融资与并购：13 条" in _text(result)


# --- resource and prompt -----------------------------------------------------------------------


@module_loop
async def test_resources_list_names_the_newest_digests(client, db) -> None:
    listed = (await client.list_resources()).resources
    headers = newest_headers(db, 30)
    assert [r.uri for r in listed] == [f"digest://{h.date}" for h in headers]
    assert listed[0].uri == f"digest://{NEWEST}" and len(listed) == 5
    assert all(r.mime_type == "text/markdown" and r.title and r.description for r in listed)
    assert listed[0].title == f"{headers[0].title}（{NEWEST}）"
    for resource in listed:  # every listed address reads
        [content] = (await client.read_resource(resource.uri)).contents
        assert content.text.startswith("# ") and resource.uri[len("digest://"):] in content.text


@module_loop
async def test_each_digest_is_a_markdown_resource(client) -> None:
    templates = (await client.list_resource_templates()).resource_templates
    assert [(t.uri_template, t.mime_type) for t in templates] == [("digest://{date}", "text/markdown")]
    read = await client.read_resource("digest://2026-01-28")
    [content] = read.contents
    assert content.mime_type == "text/markdown" and content.text.startswith("# ")
    assert "2026-01-28" in content.text.splitlines()[0]
    digest = (await _call(client, "get_digest", date="2026-01-28")).structured_content
    assert all(item["title"] in content.text for item in digest["items"])
    for uri, message in (("digest://2026-13-45", "not a digest address"),
                         ("digest://2025-01-01", "no digest for 2025-01-01")):
        with pytest.raises(MCPError) as refused:
            await client.read_resource(uri)
        assert message in str(refused.value)
    await _still_answers(client)


@module_loop
async def test_the_briefing_prompt_asks_for_the_tools_over_the_dates(client) -> None:
    [prompt] = (await client.list_prompts()).prompts
    assert prompt.name == "briefing" and prompt.title
    assert [(a.name, a.required) for a in prompt.arguments] == [
        ("topic", True), ("since", False), ("until", False)]
    rendered = await client.get_prompt("briefing", {"topic": "阶跃星辰", "since": "2026-01-27",
                                                    "until": "2026-02-08"})
    [message] = rendered.messages
    assert message.role == "user"
    text = message.content.text
    assert "「阶跃星辰」" in text and "2026-01-27 至 2026-02-08" in text
    assert all(tool in text for tool in ("search(", "what_happened(", "trend(", "get_digest("))
    assert 'since="2026-01-27"' in text
    with pytest.raises(MCPError) as refused:
        await client.get_prompt("briefing", {"topic": "红包", "since": "2026-13-45"})
    assert "since must be a date" in str(refused.value)
    await _still_answers(client)


@module_loop
async def test_a_prompt_without_its_argument_is_a_clear_error_without_a_traceback(
        client, stderr_log: Path) -> None:
    tracebacks = stderr_log.read_text(encoding="utf-8").count("Traceback")
    for arguments in ({}, {"since": "2026-01-27"}):
        with pytest.raises(MCPError) as refused:
            await client.get_prompt("briefing", arguments)
        assert refused.value.code == INVALID_PARAMS
        assert "the prompt briefing needs topic (what the briefing is about" in str(refused.value)
    with pytest.raises(MCPError) as unknown:
        await client.get_prompt("summary", {})
    assert unknown.value.code == INVALID_PARAMS and "Unknown prompt: 'summary'" in str(unknown.value)
    await _still_answers(client)
    assert stderr_log.read_text(encoding="utf-8").count("Traceback") == tracebacks


# --- bad input ---------------------------------------------------------------------------------


BAD_INPUT = [
    ("search", {"query": "红包", "since": "2026-13-45"}, "since must be a date like 2026-02-08"),
    ("search", {"query": "红包", "until": "yesterday"}, "until must be a date"),
    ("search", {"query": "红包", "since": "2026-02-08", "until": "2026-01-01"}, "is after until"),
    ("search", {"query": "红包", "limit": -1}, "limit must be from 1 to 50, not -1"),
    ("search", {"query": "红包", "limit": 10_000}, "limit must be from 1 to 50, not 10000"),
    ("search", {"query": "红包", "limit": "ten"}, "limit"),
    ("search", {"query": ""}, "query is empty"),
    ("search", {"query": "   "}, "query is empty"),
    ("search", {"query": "红包" * 250}, "query is 500 characters long; at most 200"),
    ("search", {"query": "🚀🔥"}, "has nothing to search for"),
    ("search", {"query": '*"(:'}, "has nothing to search for"),
    ("search", {"query": "红包", "category": "体育"}, "unknown category '体育'"),
    ("search", {"query": "-文心"}, "only excludes words (-word): add a word to find"),
    ("search", {}, "query"),
    ("what_happened", {"name": ""}, "name is empty"),
    ("what_happened", {"name": "x" * 101}, "at most 100"),
    ("what_happened", {"name": "😀"}, "has nothing to search for"),
    ("get_digest", {"date": "2026-13-45"}, "date must be a date like 2026-02-08"),
    ("get_digest", {"date": "2025-01-01"}, "no digest for 2025-01-01; the archive has 5 digests "
                                           "from 2026-01-27 to 2026-02-08"),
    ("week", {"date": "2026-02-30"}, "date must be a date"),
    ("week", {"date": "0001-01-01"}, "date must be from 0001-01-08 to 9999-12-24"),
    ("week", {"date": "0001-01-06"}, "date must be from 0001-01-08 to 9999-12-24"),
    ("week", {"date": "9999-12-31"}, "date must be from 0001-01-08 to 9999-12-24"),
    ("trend", {"keyword": ""}, "keyword is empty"),
    ("trend", {"keyword": "🚀"}, "has nothing to search for"),
    ("trend", {"keyword": "-红包"}, "only excludes words"),
]


@module_loop
async def test_bad_input_is_a_tool_error_and_the_server_keeps_answering(client: Client) -> None:
    for tool, arguments, message in BAD_INPUT:
        result = await client.call_tool(tool, arguments)
        assert result.is_error and result.structured_content is None, (tool, arguments)
        assert message in _text(result), (tool, arguments, _text(result))
        assert "Traceback" not in _text(result)
        await _still_answers(client)


@module_loop
async def test_fts_syntax_is_searched_as_plain_text(client, db) -> None:
    for query in ('"AND(*', "红包 OR NEAR(x", "阶跃星辰*"):
        result = await _call(client, "search", query=query)
        assert result.structured_content == search(db, query, limit=10).to_json(_link)
    assert (await _call(client, "search", query="阶跃星辰*")).structured_content["total"] == 5


@module_loop
async def test_an_unknown_tool_gets_the_protocols_invalid_params_error(client) -> None:
    with pytest.raises(MCPError) as refused:
        await client.call_tool("delete_everything", {})
    assert refused.value.code == INVALID_PARAMS and "Unknown tool" in str(refused.value)
    await _still_answers(client)


@module_loop
async def test_logs_go_to_stderr(client, stderr_log: Path) -> None:
    await client.call_tool("search", {"query": ""})
    await _still_answers(client)
    assert "Tool 'search' failed" in stderr_log.read_text(encoding="utf-8")


# --- stdout and the command line ----------------------------------------------------------------


def test_stdout_carries_only_protocol_messages(cli_db: str, tmp_path: Path) -> None:
    """Raw JSON-RPC over the pipes: every line on stdout is a JSON-RPC message, the logs are on
    stderr (one backend: stdout is the command's, not the database's)."""
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "raw", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
         "params": {"name": "search", "arguments": {"query": ""}}},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
         "params": {"name": "categories", "arguments": {}}},
    ]
    process = subprocess.Popen([str(DIGESTBOT), "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, encoding="utf-8", cwd=tmp_path,
                               env={**_minimal_env(), **_environment(cli_db)})
    replies = []
    try:
        for message in messages:  # one at a time: at the end of its input the server stops
            process.stdin.write(json.dumps(message) + "\n")
            process.stdin.flush()
            if "id" in message:
                replies.append(json.loads(process.stdout.readline()))
        process.stdin.close()
        rest, stderr = process.stdout.read(), process.stderr.read()
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert rest == ""
    assert [reply["id"] for reply in replies] == [1, 2, 3]
    assert all(reply["jsonrpc"] == "2.0" for reply in replies)
    assert replies[1]["result"]["isError"] is True
    assert replies[2]["result"]["structuredContent"]["items"] == 62
    assert "Tool 'search' failed" in stderr


def _minimal_env() -> dict[str, str]:
    return {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}


def test_http_without_mcp_token_is_a_configuration_error(tmp_path: Path) -> None:
    run = subprocess.run([str(DIGESTBOT), "--db", str(tmp_path / "x.db"), "mcp", "--http"],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path, env=_minimal_env())
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith("configuration error: MCP_TOKEN is not set")
    assert not (tmp_path / "x.db").exists()  # refused before anything was opened


# --- Streamable HTTP ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def http_server(archive: str, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """`digestbot mcp --http` on a free loopback port: its /mcp URL and its stderr log."""
    port = _free_port()
    home = tmp_path_factory.mktemp("mcp-http")
    log_path = home / "stderr.log"
    with log_path.open("w") as errlog:
        process = subprocess.Popen([str(DIGESTBOT), "mcp", "--http", "--port", str(port)], cwd=home,
                                   env={**_minimal_env(), **_environment(archive)},
                                   stdout=subprocess.DEVNULL, stderr=errlog)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"digestbot mcp --http did not start: {log_path.read_text()}"
                                           ) from None
                    time.sleep(0.1)
            yield f"http://127.0.0.1:{port}/mcp", log_path
        finally:
            process.terminate()
            process.wait(timeout=30)


INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}


@module_loop
async def test_http_refuses_requests_without_the_token_and_answers_with_it(http_server, client) -> None:
    url, log_path = http_server
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    async with httpx.AsyncClient(timeout=30) as raw:
        for authorization in (None, "Bearer wrong-token-0123456789", f"Basic {TOKEN}", TOKEN):
            sent = headers | ({"Authorization": authorization} if authorization else {})
            refused = await raw.post(url, json=INITIALIZE, headers=sent)
            assert refused.status_code == 401, authorization
            assert refused.headers["www-authenticate"].startswith("Bearer")
            assert "mcp-session-id" not in refused.headers and "result" not in refused.text
        accepted = await raw.post(url, json=INITIALIZE, headers=headers | {
            "Authorization": f"Bearer {TOKEN}"})
        assert accepted.status_code == 200 and "mcp-session-id" in accepted.headers

    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        async with Client(streamable_http_client(url, http_client=http)) as over_http:
            assert [tool.name for tool in (await over_http.list_tools()).tools] == TOOLS
            for tool, arguments in (("what_happened", {"name": "StepFun"}),
                                    ("search", {"query": "红包", "limit": 5}),
                                    ("get_digest", {}), ("categories", {})):
                by_http = await over_http.call_tool(tool, arguments)
                by_stdio = await client.call_tool(tool, arguments)
                assert not by_http.is_error
                assert by_http.structured_content == by_stdio.structured_content
                assert _text(by_http) == _text(by_stdio)
            bad = await over_http.call_tool("search", {"query": "红包", "limit": 0})
            assert bad.is_error and "limit must be from 1 to 50" in _text(bad)
            read = await over_http.read_resource(f"digest://{NEWEST}")
            assert read.contents[0].text.startswith("# ")
    log = log_path.read_text()
    assert "refused an MCP request without the right bearer token" in log
    assert TOKEN not in log
