"""Webhook mode: the HTTP server a load balancer talks to (tornado, which PTB's webhooks extra brings).

    POST /<path of WEBHOOK_URL>   Telegram's updates; refused with 403 (and not processed)
                                  unless X-Telegram-Bot-Api-Secret-Token is WEBHOOK_SECRET
    GET  /healthz                 200 {"ok": true, ...} when the database answers, else 503
    GET  /, /d/..., /search, ...  the web archive (bot/web), when WEBHOOK_SERVES_WEB=on

Several such processes on one PostgreSQL database behave as one bot: any of
them answers any update (everything a reply needs is in the database), and
scheduled work is done once thanks to the leases in storage/posts.py.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from urllib.parse import urlparse

import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.state import BotState
from storage import posts

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class _Webhook(tornado.web.RequestHandler):
    def initialize(self, app: Application, secret: str) -> None:
        self.app, self.secret = app, secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not self.secret or not hmac.compare_digest(given.encode(), self.secret.encode()):
            self.set_status(403)
            self.finish({"ok": False, "error": "secret token missing or wrong"})
            return
        try:
            update = Update.de_json(json.loads(self.request.body), self.app.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(400)
            self.finish({"ok": False, "error": "not a Telegram update"})
            return
        await self.app.update_queue.put(update)
        self.finish({"ok": True})

    def log_exception(self, *args: object) -> None:  # never log request bodies or headers
        log.warning("webhook request failed")


class _Health(tornado.web.RequestHandler):
    def initialize(self, app: Application) -> None:
        self.app = app

    async def get(self) -> None:
        state: BotState = self.app.bot_data
        health = await asyncio.to_thread(posts.health, state.db)  # the loop serves updates meanwhile
        self.set_status(200 if health.database_ok else 503)
        self.finish({"ok": health.database_ok, "database": health.detail,
                     "last_post": health.last_post, "worker": state.worker})


def webhook_path(settings: Settings) -> str:
    """Return the path the server listens on: the path of WEBHOOK_URL."""
    return "/" + urlparse(settings.webhook_url).path.lstrip("/")


def make_server(app: Application, settings: Settings) -> tornado.httpserver.HTTPServer:
    """Return the HTTP server (not yet listening) for `app`: the webhook path and /healthz, and
    the web archive's routes when WEBHOOK_SERVES_WEB is on."""
    routes: list[tuple] = [
        (r"/healthz", _Health, {"app": app}),
        (webhook_path(settings), _Webhook, {"app": app, "secret": settings.webhook_secret}),
    ]
    extra: dict = {}
    if settings.webhook_serves_web:
        from bot.web import server as web  # Jinja2 and the templates: only when the site is served

        state: BotState = app.bot_data
        routes += web.routes(state.db, settings)
        extra = web.not_found_handler(state.db, settings)
    # xheaders off: the site reads X-Forwarded-For / X-Real-IP itself, from WEB_TRUSTED_PROXIES only
    return tornado.httpserver.HTTPServer(tornado.web.Application(routes, **extra), xheaders=False)


async def serve(app: Application, settings: Settings, stop: asyncio.Event,
                register: bool = True) -> None:
    """Run `app` behind the webhook server until `stop` is set; `register` calls setWebhook."""
    async with app:
        if app.post_init:
            await app.post_init(app)
        if register:
            await app.bot.set_webhook(settings.webhook_url, secret_token=settings.webhook_secret,
                                      allowed_updates=Update.ALL_TYPES)
        await app.start()
        server = make_server(app, settings)
        server.listen(settings.webhook_port, address=settings.webhook_listen)
        log.info("webhook server on %s:%d%s", settings.webhook_listen, settings.webhook_port,
                 webhook_path(settings))
        try:
            await stop.wait()
        finally:
            server.stop()
            await app.stop()


def run_webhook(app: Application, settings: Settings) -> None:
    """Serve webhooks until SIGINT or SIGTERM (what `digestbot run` does with WEBHOOK_URL)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(app, settings, stop)

    asyncio.run(main())
