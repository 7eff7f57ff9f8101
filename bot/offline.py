"""Offline use: `digestbot ask`, `shell`, `run` and `push`.

`ask` and `shell` run a command through the real Application, handlers and
rendering; the only difference from production is the HTTP layer: an
`OfflineRequest` answers the Bot API locally and records what the bot sends.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.app import StartupError, build_application, run
from bot.config import Settings
from bot.logs import configure_logging
from storage.backend import open_db
from storage.index import scan_dir

OFFLINE_TOKEN = "1:offline"
BOT_USER = {"id": 1, "is_bot": True, "first_name": "digestbot", "username": "digestbot",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
SENDING = {"sendMessage", "editMessageText"}


class OfflineRequest(BaseRequest):
    """A Bot API that lives in this process: answers every call and keeps what was sent."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self._ids = itertools.count(1)

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: object, **kwargs: object) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        result: object = True
        if api_method == "getMe":
            result = BOT_USER
        elif api_method == "getUpdates":
            result = []
        elif api_method == "getChat":  # a channel, as far as forum topics go
            chat_id = params.get("chat_id")
            result = {"id": _chat_number(chat_id),
                      "type": "channel", "title": "offline"}
        elif api_method == "sendPhoto":
            chat_id = params.get("chat_id")
            self.sent.append({"chat_id": chat_id, "text": params.get("caption", ""),
                              "parse_mode": params.get("parse_mode"), "reply_markup": None,
                              "method": api_method, "photo": True})
            result = {"message_id": next(self._ids), "date": int(time.time()),
                      "caption": params.get("caption", ""),
                      "photo": [{"file_id": "offline-photo", "file_unique_id": "offline",
                                 "width": 800, "height": 450}],
                      "chat": {"id": _chat_number(chat_id),
                               "type": "private"}}
        elif api_method in SENDING or api_method == "sendDocument":
            chat_id = params.get("chat_id")
            self.sent.append({"chat_id": chat_id,  # a document: its caption
                              "text": params.get("text", params.get("caption", "")),
                              "parse_mode": params.get("parse_mode"),
                              "reply_markup": params.get("reply_markup"),
                              "method": api_method})
            result = {"message_id": int(str(params.get("message_id") or next(self._ids))),
                      "date": int(time.time()), "text": params.get("text", ""),
                      "chat": {"id": _chat_number(chat_id),
                               "type": "private"}}
        return 200, json.dumps({"ok": True, "result": result}).encode()


def _chat_number(chat_id: object) -> int:
    """Return a chat id the bot sent as a number (0 for a @channel name)."""
    return int(str(chat_id)) if str(chat_id).lstrip("-").isdigit() else 0


def command_update(text: str, user_id: int, update_id: int = 1,
                   language_code: str = "zh-hans") -> dict:
    """Return a Bot API Update for a private message `text` from `user_id`, whose Telegram app
    is set to `language_code`."""
    message = {"message_id": update_id, "date": int(time.time()), "text": text,
               "chat": {"id": user_id, "type": "private", "first_name": "shell"},
               "from": {"id": user_id, "is_bot": False, "first_name": "shell",
                        "language_code": language_code}}
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": len(command.encode("utf-16-le")) // 2}]
    return {"update_id": update_id, "message": message}


class Session:
    """One offline bot: feeds updates to the real Application, returns what it would send."""

    def __init__(self, settings: Settings, db_path: str) -> None:
        self.request = OfflineRequest()
        self.app = build_application(settings, open_db(db_path), request=self.request,
                                     token=OFFLINE_TOKEN, with_jobs=False)
        self._update_ids = itertools.count(1)

    async def __aenter__(self) -> Session:
        await self.app.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.shutdown()

    async def ask(self, text: str, user_id: int, language_code: str = "zh-hans") -> list[dict]:
        """Return the messages the bot sends in answer to `text` from a user whose Telegram app is
        set to `language_code`."""
        start = len(self.request.sent)
        update = Update.de_json(command_update(text, user_id, next(self._update_ids), language_code),
                                self.app.bot)
        await self.app.process_update(update)
        return [{k: v for k, v in m.items() if k != "method"} for m in self.request.sent[start:]]


# bot/cli.py registers ask, shell, run and push, and imports this module only to run one.
def _user(args: argparse.Namespace, settings: Settings) -> int:
    return args.user_id or min(settings.admin_ids, default=1000)


def _language_code(args: argparse.Namespace) -> str:
    return "en" if args.lang == "en" else "zh-hans"


def _ask(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    async def go() -> list[dict]:
        async with Session(settings, db_path) as session:
            return await session.ask(args.text, _user(args, settings), _language_code(args))

    messages = asyncio.run(go())
    if args.json:
        print(json.dumps(messages, ensure_ascii=False, indent=2))
    else:
        _print_messages(messages)
    return 0


def _print_messages(messages: list[dict]) -> None:
    for message in messages:
        print(message["text"])
        markup = message.get("reply_markup")
        if markup:
            rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
            for row in rows:
                print("  " + "  ".join(f"[{button['text']}]" for button in row))
        print("-" * 40)


def _shell(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    async def go() -> None:
        async with Session(settings, db_path) as session:
            print("digestbot offline shell: type a command such as /search 红包 (/help lists "
                  "them); an empty line or Ctrl-D quits.")
            while True:
                try:
                    line = await asyncio.to_thread(input, "> ")
                except EOFError:
                    return
                if not line.strip():
                    return
                _print_messages(await session.ask(line.strip(), _user(args, settings),
                                                  _language_code(args)))

    asyncio.run(go())
    return 0


def _run(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    configure_logging(settings)
    db = open_db(db_path)
    try:
        run(settings, db)  # DIGEST_DIR is scanned a second after start, by one process at a time
    except StartupError as exc:
        print(f"start-up failed: {exc}", file=sys.stderr)
        return 2
    return 0


def _push(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    from bot import delivery
    from storage.digests import parse_date
    from storage.posts import PostStatus
    from storage.targets import DeliveryStatus

    configure_logging(settings)
    settings.require_bot()
    if not settings.channel_id:
        print("CHANNEL_ID is not set: expected the channel to post to", file=sys.stderr)
        return 2
    db = open_db(db_path)
    scan_dir(db, settings.digest_dir)
    date = parse_date(args.date) if args.date else None
    if args.date and date is None:
        print(f"--date must be YYYY-MM-DD, not {args.date!r}", file=sys.stderr)
        return 2

    async def go() -> tuple[delivery.PostOutcome, list]:
        import datetime as dt

        from bot.targets import deliver as target_delivery

        app = build_application(settings, db, with_jobs=False)
        async with app:
            day = date or dt.datetime.now(settings.tz).date().isoformat()
            others = asyncio.create_task(target_delivery.deliver(app.bot, app.bot_data, day,
                                                                 force=args.force))
            try:
                return await delivery.post_digest(app.bot, app.bot_data, day, settings.channel_id,
                                                  force=args.force), await others
            finally:
                await others

    outcome, others = asyncio.run(go())
    print(f"{outcome.status} {outcome.date}: {outcome.sent} of {outcome.total} messages sent")
    for other in others:  # the other platforms (bot/targets/), by kind and fingerprint
        print(f"{other.target} {other.status} {outcome.date}: {other.sent} of {other.total} "
              f"messages sent" + (f" ({other.error})" if other.error else ""))
    served = all(o.status in {DeliveryStatus.DELIVERED, DeliveryStatus.ALREADY} for o in others)
    return 0 if outcome.status in {PostStatus.POSTED, PostStatus.ALREADY} and served else 1
