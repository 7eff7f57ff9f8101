"""`digestbot mcp`: the digest archive as a Model Context Protocol server, for AI assistants.

Built with the official `mcp` SDK (2.x, `MCPServer`). Every tool, the resource and the prompt
are registered in `build_server`, in one list; their bodies are in handlers/mcp.py, and
resources/list names the newest digests (`DigestServer`). On stdio
(the default: a desktop client starts the command) stdout carries only protocol messages and
logs go to stderr. With --http the same server speaks Streamable HTTP behind a bearer-token
check: a request without `Authorization: Bearer <MCP_TOKEN>` gets 401 before the MCP app sees it.
"""

from __future__ import annotations

import argparse
import gc
import hmac
import inspect
import logging
import typing
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from mcp import MCPError
from mcp.server import MCPServer
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.types import INVALID_PARAMS, Resource, ToolAnnotations

from bot.config import Settings
from bot.i18n import translations
from bot.logs import configure_logging
from bot.mcp.markdown import TITLES
from handlers import mcp as tools
from handlers.mcp import McpState

log = logging.getLogger(__name__)

SERVER_NAME = "digestbot"
MCP_PATH = "/mcp"
INSTRUCTIONS = (
    "An archive of daily Chinese-language AI-industry news digests (categories: 政策 policy, "
    "模型 models, 产品 products, 投融资 funding, 行业 industry). Use ask for a question in "
    "words (上周有哪些融资, what happened with Kimi last week), search for a topic, "
    "what_happened for the timeline of a company or product, get_digest to read one day, week "
    "for a week's biggest stories, trend for how often a keyword comes up, hot for what is rising "
    "or new this week, compare_periods for what changed between two periods, categories for what "
    "the archive covers. The text is Chinese as published; cite the items' source links."
)
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
TOOLS = (  # name -> body; in the order a model should consider them
    ("search", tools.search),
    ("what_happened", tools.what_happened),
    ("get_digest", tools.get_digest),
    ("week", tools.week),
    ("trend", tools.trend),
    ("hot", tools.hot),
    ("compare_periods", tools.compare_periods),
    ("categories", tools.categories),
    ("ask", tools.ask),
)
PROMPTS = (("briefing", tools.briefing),)


def build_server(state: McpState) -> MCPServer:
    """Return the MCP server over `state`'s index: nine tools, the digest resource, one prompt."""
    _ = state.lang.gettext

    @asynccontextmanager
    async def lifespan(_server: MCPServer) -> AsyncIterator[McpState]:
        yield state  # opened and closed by the command, so every session shares one index

    server = DigestServer(state, SERVER_NAME, title="digestbot", version=_version(),
                          instructions=INSTRUCTIONS, lifespan=lifespan,
                          log_level=state.settings.log_level,
                          middleware=[_refuse_unknown_tools({name for name, _ in TOOLS}),
                                      _check_prompt_arguments(PROMPTS)])
    for name, body in TOOLS:
        server.add_tool(body, name=name, title=_(TITLES[name]), description=_described(body),
                        annotations=READ_ONLY, structured_output=True)
    server.resource("digest://{date}", name="digest", title=_(TITLES["digest"]),
                    description=_described(tools.digest_resource),
                    mime_type="text/markdown")(tools.digest_resource)
    for name, prompt in PROMPTS:
        server.prompt(name=name, title=_(TITLES[name]), description=_described(prompt))(prompt)
    return server


class DigestServer(MCPServer):
    """The SDK's server, whose resources/list also names the newest digests (the digest://{date}
    template alone lists nothing, so clients that browse resources showed an empty list)."""

    def __init__(self, state: McpState, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state = state

    async def list_resources(self) -> list[Resource]:
        """Return the fixed resources (none) and the newest digests."""
        return [*await super().list_resources(), *await tools.digest_resources(self.state)]


def _described(body: Any) -> str:
    """Return the docstring a model reads as the description, without its source indentation."""
    return inspect.cleandoc(body.__doc__ or "")


def _refuse_unknown_tools(names: set[str]):
    """Return middleware answering a call of a tool the server does not have with the protocol's
    error (-32602 Invalid params), as the MCP specification says, instead of a tool result."""

    async def refuse(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method == "tools/call":
            name = (ctx.params or {}).get("name")
            if name not in names:
                raise MCPError(INVALID_PARAMS, f"Unknown tool: {name!r}; the tools are "
                                               f"{', '.join(sorted(names))}")
        return await call_next(ctx)

    return refuse


def _check_prompt_arguments(prompts: tuple[tuple[str, Any], ...]
                            ) -> Callable[[ServerRequestContext[Any, Any], CallNext],
                                          Awaitable[HandlerResult]]:
    """Return middleware answering prompts/get without a required argument (or of an unknown
    prompt) with the protocol's error (-32602 Invalid params) saying what to give; the SDK's own
    check raised a ValueError that the server logged with its traceback."""
    required = {name: _required_arguments(body) for name, body in prompts}

    async def check(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method == "prompts/get":
            params = ctx.params or {}
            name, given = params.get("name"), params.get("arguments") or {}
            if name not in required:
                raise MCPError(INVALID_PARAMS, f"Unknown prompt: {name!r}; the prompts are "
                                               f"{', '.join(sorted(required))}")
            missing = [f"{argument} ({described})" for argument, described in required[name].items()
                       if argument not in given]
            if missing:
                raise MCPError(INVALID_PARAMS, f"the prompt {name} needs {'; '.join(missing)}")
        return await call_next(ctx)

    return check


def _required_arguments(body: Any) -> dict[str, str]:
    """Return a prompt function's arguments without a default, each with its description."""
    hints = typing.get_type_hints(body, include_extras=True)
    required = {}
    for parameter in inspect.signature(body).parameters.values():
        if parameter.default is inspect.Parameter.empty:
            metadata = getattr(hints.get(parameter.name), "__metadata__", ())
            required[parameter.name] = next((m.description for m in metadata
                                             if getattr(m, "description", None)), "required")
    return required


def _version() -> str:
    try:
        return package_version("digestbot")
    except PackageNotFoundError:
        return "0"


class RequireBearer:
    """ASGI wrapper: HTTP requests without `Authorization: Bearer <token>` get 401 and never reach
    the wrapped app (nothing is read, no session is made); the rest pass through."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not self._authorized(scope):
            client = scope.get("client") or ("?", 0)
            log.warning("refused an MCP request without the right bearer token from %s", client[0])
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"www-authenticate", b'Bearer realm="digestbot"')]})
            await send({"type": "http.response.body",
                        "body": b'{"error": "unauthorized: send Authorization: Bearer <MCP_TOKEN>"}'})
            return
        await self.app(scope, receive, send)

    def _authorized(self, scope: dict) -> bool:
        header = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
        scheme, _, given = header.partition(b" ")
        # compare_digest: the time taken says nothing about how much of the token matched
        return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self.token)


def http_app(server: MCPServer, settings: Settings, host: str) -> RequireBearer:
    """Return the Streamable HTTP app (endpoint /mcp) behind the bearer-token check."""
    return RequireBearer(server.streamable_http_app(streamable_http_path=MCP_PATH, host=host),
                         settings.mcp_token)


def run(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    """Serve the index at `db_path` until the client goes away (stdio) or the process is stopped."""
    if args.http:
        settings.require_mcp_token()  # (bot/cli.py checks it first, before importing the SDK)
    configure_logging(settings)  # stderr; before MCPServer, whose own logging set-up then defers
    from storage.backend import open_db

    db = open_db(db_path)
    try:
        server = build_server(McpState(db, settings, translations(args.lang)))
        # Everything imported so far (the SDK, pydantic's schemas) lives as long as the process:
        # out of the collector's sight, a full collection no longer walks it (one took 100-350 ms
        # in the middle of a tool call at 100k items, most of a p95).
        gc.freeze()
        if not args.http:
            server.run("stdio")
            return 0
        import uvicorn

        host, port = args.host or settings.mcp_host, args.port or settings.mcp_port
        log.info("MCP server on http://%s:%d%s (Streamable HTTP, bearer token required)",
                 host, port, MCP_PATH)
        uvicorn.Server(uvicorn.Config(http_app(server, settings, host), host=host, port=port,
                                      log_config=None, log_level=settings.log_level.lower(),
                                      access_log=False)).run()
        return 0
    finally:
        db.close()
