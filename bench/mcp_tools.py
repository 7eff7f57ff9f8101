"""MCP tool timing (not named mcp.py: run as a script, bench/ comes first on sys.path and would
shadow the SDK): each tool through `digestbot mcp` (a subprocess, driven by the mcp SDK's stdio
client, as a desktop assistant drives it) beside the same storage call made directly here.

The difference is what the server adds: JSON-RPC over the pipes, argument checks, the worker
thread, the JSON object (checked against the tool's output schema) and its Markdown. The two are
timed alternately, call by call, so a busy machine slows both alike.

"Through the server" is the `tools/call` round trip as any client sees it on the wire
(`ClientSession.send_request`). The Python SDK's `Client.call_tool` then also checks the answer
against the tool's output schema with jsonschema, in the client: that is timed apart
(`client_check`), as it is the client's cost, not the server's (a 100-item story list takes it
tens of milliseconds in pure Python).
"""

from __future__ import annotations

import asyncio
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolRequest, CallToolRequestParams, CallToolResult

from storage.backend import Database, open_db
from storage.digests import archive_stats, categories, digest_or_newest, newest_date
from storage.search import search, weekly_counts
from storage.stories import week_board, what

# (label, tool, arguments, the storage call the tool makes)
CALLS: tuple[tuple[str, str, dict, Callable[[Database], object]], ...] = (
    ("search 红包", "search", {"query": "红包"}, lambda db: search(db, "红包", limit=10)),
    ("search Kimi K2.5", "search", {"query": "Kimi K2.5"},
     lambda db: search(db, "Kimi K2.5", limit=10)),
    ("what_happened 阶跃星辰", "what_happened", {"name": "阶跃星辰"}, lambda db: what(db, "阶跃星辰")),
    ("get_digest (newest)", "get_digest", {}, lambda db: digest_or_newest(db, None)),
    ("week (newest)", "week", {}, lambda db: week_board(db, newest_date(db))),
    ("trend 红包", "trend", {"keyword": "红包"}, lambda db: weekly_counts(db, "红包")),
    ("categories", "categories", {}, lambda db: (categories(db), archive_stats(db))),
)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)] if ordered else float("nan")


async def _measure(db_location: str, reps: int, budget_s: float) -> dict:
    where = ({"DATABASE_URL": db_location} if db_location.startswith("postgres")
             else {"DIGESTBOT_DB": db_location})
    server = StdioServerParameters(command=str(Path(sys.executable).with_name("digestbot")),
                                   args=["mcp"], env={**where, "LOG_LEVEL": "WARNING"})
    through: dict[str, list[float]] = {label: [] for label, *_ in CALLS}
    direct: dict[str, list[float]] = {label: [] for label, *_ in CALLS}
    check: dict[str, list[float]] = {label: [] for label, *_ in CALLS}
    errors = 0
    db = open_db(db_location)
    try:
        began = time.perf_counter()
        # The server's stderr is this process's own (not whatever sys.stderr is when the SDK
        # was imported: under pytest's capture it has no file descriptor to hand over).
        async with Client(stdio_client(server, errlog=sys.__stderr__)) as client:
            connect_ms = (time.perf_counter() - began) * 1000
            await client.list_tools()  # the output schemas the client checks answers against
            session = client.session
            for rep in range(reps + 1):  # the first round warms both paths up and is not kept
                for label, tool, arguments, call in CALLS:
                    start = time.perf_counter()
                    await asyncio.to_thread(call, db)  # as the tool makes it: in a worker thread
                    middle = time.perf_counter()
                    request = CallToolRequest(params=CallToolRequestParams(name=tool, arguments=arguments))
                    result = await session.send_request(request, CallToolResult)
                    end = time.perf_counter()
                    await session.validate_tool_result(tool, result)
                    checked = time.perf_counter()
                    errors += bool(result.is_error)
                    if rep:
                        direct[label].append((middle - start) * 1000)
                        through[label].append((end - middle) * 1000)
                        check[label].append((checked - end) * 1000)
                if time.perf_counter() - began > budget_s:
                    break
    finally:
        db.close()
    tools = {}
    for label, *_ in CALLS:
        server_p95, direct_p95 = _percentile(through[label], 95), _percentile(direct[label], 95)
        tools[label] = {"n": len(through[label]),
                        "server_p50": round(_percentile(through[label], 50), 3),
                        "server_p95": round(server_p95, 3),
                        "direct_p50": round(_percentile(direct[label], 50), 3),
                        "direct_p95": round(direct_p95, 3),
                        "added_p95": round(server_p95 - direct_p95, 3),
                        "client_check_p50": round(_percentile(check[label], 50), 3)}
    return {"connect_ms": round(connect_ms, 1), "errors": errors, "tools": tools,
            "max_added_p95_ms": max(t["added_p95"] for t in tools.values())}


def measure(db_location: str, reps: int, budget_s: float) -> dict:
    """Return p50/p95 ms of each tool through the server and of its storage call made directly,
    and the p95 the server adds (`added_p95`, server minus direct)."""
    return asyncio.run(_measure(db_location, reps, budget_s))


def render(report: dict) -> str:
    """Return the report's lines: one per tool, server beside the direct storage call."""
    lines = [f"  {'MCP tool (stdio server)':<26}{'n':>4}{'srv p50':>9}{'srv p95':>9}{'call p50':>10}"
             f"{'call p95':>10}{'+p95 ms':>9}{'check p50':>11}"]
    for label, t in report["tools"].items():
        width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in label)
        lines.append(f"  {label}{' ' * max(0, 26 - width)}{t['n']:>4}{t['server_p50']:>9.2f}"
                     f"{t['server_p95']:>9.2f}{t['direct_p50']:>10.2f}{t['direct_p95']:>10.2f}{t['added_p95']:>9.2f}{t['client_check_p50']:>11.2f}")
    lines.append(f"  connect {report['connect_ms']} ms (start + handshake); the most the server adds "
                 f"at p95: {report['max_added_p95_ms']} ms; errors: {report['errors']}; check = the "
                 "Python client's output-schema check")
    return "\n".join(lines)
