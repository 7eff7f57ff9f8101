"""The web archive's server (tornado): every route in one list, templates, headers, rate limit.

    digestbot web [--host H] [--port P]     (WEB_HOST, WEB_PORT; no bot token needed)

The routes' logic is in handlers/web.py (parse, one storage call in a thread, what to render);
this module turns its answers (the types of bot/web/responses.py) into responses: HTML from the
Jinja2 templates in bot/templates/ (autoescaped), JSON, or Atom (bot/web/feeds.py). Every response
carries a Content-Security-Policy that allows no script at all, and each client (IP address) gets
a token bucket of requests. The webhook server of `digestbot run` can serve the same routes
(`routes`, WEBHOOK_SERVES_WEB).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import jinja2
import markupsafe
import tornado.httpserver
import tornado.web

from bot import links, present
from bot.logs import configure_logging
from bot.present import safe_url, strip_control
from bot.web import feeds
from bot.web.clients import Proxies, TokenBuckets
from bot.web.responses import Data, Page, Request, Response
from handlers import web
from storage.categories import CANONICAL
from storage.model import Refusal

if TYPE_CHECKING:
    from bot.config import Settings
    from storage.backend import Database

log = logging.getLogger(__name__)
access_log = logging.getLogger("tornado.access")

PACKAGE = Path(__file__).resolve().parent.parent
STATIC_DIR = PACKAGE / "static"
MAX_ARG_CHARS = 200  # a longer query-string value is cut (search reads 200 characters at most)
MAX_ARGS = 10  # arguments read per request; the others are ignored
MAX_ECHO_CHARS = 1000  # of the request's URL in a page (og:url): a 60 KB path is not sent back
MAX_LOGGED_CHARS = 200  # of the request's URL in a log line
ALLOWED = "GET, HEAD"  # every route's methods (the Allow header of a 405)
SECURITY_HEADERS = {
    # No script at all (the site needs none); styles only from our stylesheet; forms only to us.
    # frame-ancestors lets Telegram's web client show the site as a Mini App.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; base-uri 'none'; "
                               "frame-ancestors 'self' https://web.telegram.org",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "interest-cohort=()",
}
RouteHandler = Callable[..., Awaitable[Response]]


@dataclass
class Site:
    """What every route shares: the index, the settings, the templates, the rate limit and the
    proxies whose forwarding headers name the client."""

    db: Database
    settings: Settings
    templates: jinja2.Environment
    buckets: TokenBuckets
    proxies: Proxies


def template_environment() -> jinja2.Environment:
    """Return the Jinja2 environment of bot/templates/: autoescaped, with the links of bot/links.py."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("bot", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        finalize=_without_control,  # every {{ value }}: a digest's ESC or BEL never reaches a page
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
        auto_reload=False)  # templates are package data: no stat() per request
    css = (STATIC_DIR / "site.css").read_bytes()
    environment.globals.update(
        day_url=links.day_url, item_url=links.item_url, search_url=links.search_url,
        what_url=links.what_url, week_url=links.week_url, category_url=links.category_url,
        trend_url=links.trend_url, feed_url=links.feed_url, CANONICAL=CANONICAL,
        Refusal=Refusal, css_version=hashlib.sha256(css).hexdigest()[:12])
    environment.globals["refusal"] = _refusal
    environment.filters["short"] = present.short_name
    environment.filters["http_only"] = safe_url  # a file's javascript: link is never a link
    return environment


def _without_control(value: Any) -> Any:
    """Return a value a template writes out without its control characters (Markup stays Markup:
    removing characters adds no markup)."""
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(strip_control(value))
    return strip_control(value) if isinstance(value, str) else value


def _refusal(code: object, names: bool = False) -> str:
    """Return what the site says for a refusal code (present.refusal_text), "" for anything else."""
    table = present.NAME_REFUSALS if names else present.QUERY_REFUSALS
    return present.refusal_text(code, table=table) if isinstance(code, Refusal) else ""


class _Base(tornado.web.RequestHandler):
    """Security headers on every response; errors as pages (as JSON under /api/), never a
    traceback."""

    site: Site  # set by each kind of handler's initialize (tornado passes it the route's options)

    def set_default_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)

    def client(self) -> str:
        """Return the client's address: the connection's, or the one a trusted proxy names."""
        return self.site.proxies.client(self.request.remote_ip or "", self.request.headers)

    def base(self) -> str:
        """Return the site's absolute base URL: WEB_URL, else this request's scheme (as a trusted
        proxy names it) and host."""
        scheme = self.site.proxies.scheme(self.request.remote_ip or "", self.request.headers,
                                          self.request.protocol)
        return self.site.settings.web_url or f"{scheme}://{self.request.host}"

    def api(self) -> bool:
        """Return True for the JSON routes (/api/...): their errors are JSON too."""
        return self.request.path.startswith("/api/")

    def finish(self, chunk: Any = None) -> Any:
        """Finish the response with a Server-Timing header: the time from the handler's start (the
        bench reads it as the server time; it leaves out HTTP parsing and sending)."""
        if hasattr(self, "_began") and not self._finished:
            self.set_header("Server-Timing",
                            f"app;dur={(time.perf_counter() - self._began) * 1000:.2f}")
        return super().finish(chunk)

    def render_page(self, page: Page) -> None:
        values = {"base": self.base(), "path": self.request.uri[:MAX_ECHO_CHARS], **page.values}
        html = self.site.templates.get_template(page.template).render(values)
        self.set_status(page.status)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(html)

    def render_data(self, data: Data) -> None:
        self.set_status(data.status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(data.body, ensure_ascii=False))

    def render_error(self, status: int) -> None:
        """Answer `status` as the error page, or under /api/ as {"error": "not_found"} and the like."""
        if status == 405:
            self.set_header("Allow", ALLOWED)
        if self.api():
            self.render_data(Data({"error": error_code(status)}, status=status))
        else:
            self.render_page(Page("error.html", {"status": status}, status=status))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.clear_header("Retry-After")
        self.render_error(status_code)

    def log_exception(self, typ: type[BaseException] | None, value: BaseException | None,
                      tb: TracebackType | None) -> None:
        if isinstance(value, tornado.web.HTTPError) or typ is None or value is None:
            return super().log_exception(typ, value, tb)
        log.error("web request %s %s failed", self.request.method, shown(self.request.path),
                  exc_info=(typ, value, tb))


class _Route(_Base):
    """One route: rate limit, arguments, the handler of handlers/web.py, then its response."""

    def initialize(self, site: Site, handler: RouteHandler, limited: bool = True) -> None:
        self.site, self.handler, self.limited = site, handler, limited

    async def get(self, *path_args: str) -> None:
        self._began = time.perf_counter()
        if self.limited:
            wait = self.site.buckets.take(self.client())
            if wait:
                self.set_header("Retry-After", str(max(1, round(wait))))
                self.render_error(429)
                return
        args = {}
        for name in list(self.request.query_arguments)[:MAX_ARGS]:
            values = self.request.query_arguments[name]
            args[name] = values[0].decode("utf-8", "replace")[:MAX_ARG_CHARS] if values else ""
        request = Request(args, self.base(), self.request.uri,
                          dt.datetime.now(self.site.settings.tz).date().isoformat())
        answer = await self.handler(self.site.db, request, *path_args)
        if isinstance(answer, Page):
            self.render_page(answer)
        elif isinstance(answer, Data):
            self.render_data(answer)
        else:
            self.set_header("Content-Type", "application/atom+xml; charset=UTF-8")
            self.set_status(answer.status)
            # feedgen builds an lxml tree: milliseconds, so in a thread like the storage call
            self.finish(await asyncio.to_thread(feeds.atom, answer, self.base() + self.request.uri,
                                                self.base(), self.site.settings.tz,
                                                self.site.templates))

    head = get  # link previews ask HEAD first; tornado sends the headers without the body


class _NotFound(_Base):
    """Every path no route matches: the 404 page (JSON under /api/)."""

    def initialize(self, site: Site) -> None:
        self.site = site

    def prepare(self) -> None:
        if self.api():
            self.render_error(404)
        else:
            self.render_page(web.not_found("这个页面"))


class _Static(tornado.web.StaticFileHandler):
    def set_default_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code == 405:
            self.set_header("Allow", ALLOWED)
        super().write_error(status_code, **kwargs)


def error_code(status: int) -> str:
    """Return the JSON error code of an HTTP status: 404 -> "not_found", 429 -> "too_many_requests"."""
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_")
    except ValueError:
        return "error"


def shown(uri: str, limit: int = MAX_LOGGED_CHARS) -> str:
    """Return `uri` for a log line: cut at `limit` characters, saying how long it was."""
    return uri if len(uri) <= limit else f"{uri[:limit]}…({len(uri)} characters)"


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Log one answered request as tornado does (tornado.access: 2xx INFO, 4xx WARNING, 5xx
    ERROR), with its URL cut (shown) and the client a trusted proxy names."""
    status = handler.get_status()
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    if not access_log.isEnabledFor(level):
        return
    request = handler.request
    client = handler.client() if isinstance(handler, _Base) else request.remote_ip
    access_log.log(level, "%d %s %s (%s) %.2fms", status, request.method, shown(request.uri or ""),
                   client, 1000 * request.request_time())


def routes(db: Database, settings: Settings) -> list[tuple]:
    """Return the site's routes (path pattern, handler class, its arguments), in one list."""
    site = Site(db, settings, template_environment(), TokenBuckets(settings.web_rate),
                Proxies(settings.web_trusted_proxies))

    def page(handler: RouteHandler, limited: bool = True) -> dict:
        return {"site": site, "handler": handler, "limited": limited}

    date = r"(\d{4}-\d{2}-\d{2})"
    return [
        (r"/", _Route, page(web.home)),
        (rf"/d/{date}", _Route, page(web.day)),
        (r"/search", _Route, page(web.search)),
        (r"/ask", _Route, page(web.ask)),
        (r"/what", _Route, page(web.what)),
        (r"/what/([^/]+)", _Route, page(web.what)),
        (r"/week", _Route, page(web.week)),
        (r"/week/([^/]+)", _Route, page(web.week)),
        (r"/trend", _Route, page(web.trend)),
        (r"/hot", _Route, page(web.hot)),
        (r"/item/(\d{1,19})", _Route, page(web.item)),
        (r"/categories", _Route, page(web.categories)),
        (r"/category/([^/]+)", _Route, page(web.category)),
        (r"/feed\.xml", _Route, page(web.feed)),
        (r"/api/search", _Route, page(web.api_search)),
        (r"/api/ask", _Route, page(web.api_ask)),
        (rf"/api/d/{date}", _Route, page(web.api_day)),
        (r"/api/hot", _Route, page(web.api_hot)),
        (r"/healthz", _Route, page(web.health, limited=False)),
        (r"/static/(site\.css)", _Static, {"path": str(STATIC_DIR)}),
    ]


def not_found_handler(db: Database, settings: Settings) -> dict:
    """Return the tornado.web.Application settings that make unknown paths the site's 404 page
    and log requests with their URLs cut."""
    site = Site(db, settings, template_environment(), TokenBuckets(0),
                Proxies(settings.web_trusted_proxies))
    return {"default_handler_class": _NotFound, "default_handler_args": {"site": site},
            "log_function": log_request}


def make_app(db: Database, settings: Settings) -> tornado.web.Application:
    """Return the site as a tornado application (not yet listening)."""
    return tornado.web.Application(routes(db, settings), **not_found_handler(db, settings))


def make_server(db: Database, settings: Settings) -> tornado.httpserver.HTTPServer:
    """Return the site's HTTP server (not yet listening)."""
    # xheaders off: the forwarding headers are read per request, from trusted proxies only (Site.proxies)
    return tornado.httpserver.HTTPServer(make_app(db, settings), xheaders=False)


async def serve(db: Database, settings: Settings, host: str, port: int, stop: asyncio.Event,
                ready: Callable[[int], None] | None = None) -> None:
    """Serve the site on host:port until `stop` is set; `ready` gets the port (0 = a free one)."""
    server = make_server(db, settings)
    sockets = tornado.netutil.bind_sockets(port, address=host)
    server.add_sockets(sockets)
    bound = sockets[0].getsockname()[1]
    log.info("web archive on http://%s:%d/", host, bound)
    if ready:
        ready(bound)
    try:
        await stop.wait()
    finally:
        server.stop()
        await server.close_all_connections()


def run(db: Database, settings: Settings, host: str, port: int) -> None:
    """Serve the site until SIGINT or SIGTERM (what `digestbot web` does)."""
    configure_logging(settings)
    # One line per request is the reverse proxy's job; 4xx and 5xx are still logged (WARNING).
    logging.getLogger("tornado.access").setLevel(max(logging.WARNING, logging.root.level))

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(db, settings, host, port, stop,
                    ready=lambda bound: print(f"serving the web archive on http://{host}:{bound}/",
                                              flush=True))

    asyncio.run(main())
