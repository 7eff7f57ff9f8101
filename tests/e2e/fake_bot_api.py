"""A local fake Telegram Bot API server for end-to-end tests (standard library only).

It speaks real HTTP on 127.0.0.1 (free port, daemon threads), so the real python-telegram-bot
``Application``/``Bot`` talks to it while running its own asyncio loop::

    with FakeBotAPI() as api:
        app = (ApplicationBuilder().token(api.token).base_url(api.base_url)
               .base_file_url(api.base_file_url).build())

Bodies may be urlencoded (PTB's default; nested values are JSON strings), multipart (PTB,
when uploading files) or JSON. Everything below is synchronous and thread-safe.

* ``FakeBotAPI(token="123:TEST", bot_username="DigestTestBot")``, ``start()``, ``stop()``,
  context manager, ``port``, ``base_url``, ``base_file_url``, ``bot_user``.
* Updates (each returns its ``update_id``): ``push_update(update)``,
  ``push_message(text, chat_id=None, user_id=1001, chat_type="private", first_name="Tester",
  language_code="zh-hans", **message_fields)``, ``push_command(text, ...)`` (same arguments,
  adds the ``bot_command`` entity; ``language_code=None`` leaves it out),
  ``push_callback(data, message, user_id=None, language_code="zh-hans")``
  (``message``: a ``sent()`` entry or Message dict), ``push_document(file_id, file_name=None,
  chat_id=None, user_id=1001, caption=None, chat_type="private")``,
  ``push_inline_query(query, user_id=1001, language_code="zh-hans")``.
* Files: ``add_file(file_id, content, file_name, mime_type=..., declared_size=True) -> Document
  dict`` (served by ``getFile`` and ``GET /file/bot<token>/<file_path>``; ``declared_size``: the
  size stated, None for none), ``file_content(file_id)`` (also for files the bot uploaded).
* Inspection: ``pushed(update_id)`` (the update as queued), ``calls(method=None)`` (dicts:
  method, params (JSON decoded), files, status (HTTP code, None if dropped), response, time
  (when the request reached the server: the kernel's receive timestamp on Linux, so a thread
  that reads it late on a busy machine does not move it), answered (when its answer was
  written to the client, after any ``slow`` delay; absent until then, and for a dropped
  call)),
  ``sent(chat_id=None)`` (sent/edited messages: method, chat_id, message_id, text, caption,
  parse_mode, reply_markup, disable_web_page_preview, link_preview_options, preview_disabled,
  params, message, time),
  ``answered_callbacks()``, ``commands``, ``commands_for(language_code="", scope=None)``,
  ``webhook`` (params of the last setWebhook), ``menu_buttons`` (chat id, None for the default,
  -> the MenuButton of setChatMenuButton).
* ``wait_for(method_or_predicate, count=1, timeout=10.0)`` blocks until ``count`` matching
  calls exist (a method name matches only *successful* calls, a predicate sees every call)
  and returns them, raising AssertionError with a summary on timeout. In an async test whose
  bot runs on the same loop use ``await api.wait_for_async(...)`` instead.
* Forums: ``make_forum(chat_id, title="Forum")`` turns a chat into a forum supergroup
  (``getChat`` says ``is_forum``); ``createForumTopic`` / ``deleteForumTopic`` work on it;
  ``add_topic(chat_id, name) -> thread id``, ``topics(chat_id)`` (thread id -> name),
  ``delete_topic(chat_id, thread_id)`` (as if a member deleted it). A message sent with
  ``message_thread_id`` into an unknown topic is 400 "message thread not found"; otherwise
  ``message_thread_id`` (and ``is_topic_message``) is echoed in the message and ``sent()``
  entries carry ``thread_id``. ``push_command`` and ``push_message`` take
  ``message_thread_id=`` for a command sent inside a topic.
* Faults, queued per method (``downloadFile`` for file downloads) and consumed in order;
  nothing is stored:
  ``fail_next(method, times=1, retry_after=2)`` (429), ``drop_next(method, times=1)``,
  ``slow(method, seconds)`` (every call answered late, until ``slow(method, 0)``: a round
  trip to a far data centre), (connection closed without a response),
  ``fail_with(method, code, description, times=1)``,
  ``answer_raw(method, code, body, content_type="text/html", times=1)`` (any body, as a proxy
  answers; ``{token}`` in a str body becomes the token), ``block(chat_id)`` (every send to that
  chat is 403: the user blocked the bot).
* Rates: ``sends_per_second(chat_ids=None, method="sendMessage")``: successful sends per
  second of arrival (the time a request arrives is each call's ``time``).

Like the real API: ``getUpdates`` long-polls (capped at ``max_poll_timeout`` = 1 s) and
``offset`` forgets earlier updates; ``deleteWebhook(drop_pending_updates=True)`` clears the
queue; ``getUpdates`` with a webhook set is 409; identical edits are 400 "message is not
modified"; unknown messages/files/query ids, empty or too long (4096/1024) texts are 400;
only inline keyboards are echoed in messages. Texts are echoed raw (no entity parsing).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import socket
import struct
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from email.parser import Parser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

JSONDict = dict[str, Any]
_MethodHandler = Callable[[str, JSONDict, JSONDict], Any]
DEFAULT_USER_ID = 1001
_STR_FIELDS = {"text", "caption", "query", "data", "description", "parse_mode", "url",
               "secret_token", "callback_query_id", "inline_query_id", "file_id", "title",
               "next_offset", "language_code", "action", "inline_message_id"}
_JSONISH = re.compile(r'[\[{"]|-?\d+(\.\d+)?\Z|(true|false|null)\Z')
_NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and "
                 "reply markup are exactly the same as a current content and reply markup "
                 "of the message")


class _APIError(Exception):
    def __init__(self, code: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.payload: JSONDict = {"ok": False, "error_code": code, "description": description}
        if parameters:
            self.payload["parameters"] = parameters


class _RawAnswer(_APIError):
    """A fault answered with a body of its own (a proxy's HTML page, say), not Bot API JSON."""

    def __init__(self, code: int, body: bytes, content_type: str):
        super().__init__(code, body.decode("utf-8", "replace"))
        self.body, self.content_type = body, content_type


def _decode(key: str, value: str) -> Any:
    """Decode a form value: JSON for structures/numbers/booleans, raw for text fields."""
    if key in _STR_FIELDS or not _JSONISH.match(value):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _utf16_len(text: str, parse_mode: str | None = None) -> int:
    if (parse_mode or "").lower() == "html":
        text = html.unescape(re.sub(r"<[^>]*>", "", text))
    return len(text.encode("utf-16-le")) // 2


def _parse_request(handler: BaseHTTPRequestHandler) -> tuple[JSONDict, JSONDict]:
    """Read the body; return ``(params, files)`` from query string and body."""
    headers = handler.headers
    if "chunked" in headers.get("Transfer-Encoding", "").lower():
        chunks = []
        while size := int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
        while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        body = b"".join(chunks)
    else:
        body = handler.rfile.read(int(headers.get("Content-Length") or 0))
    params = {k: _decode(k, v) for k, v in parse_qsl(urlsplit(handler.path).query)}
    files: JSONDict = {}
    ctype = headers.get("Content-Type", "")
    if ctype.startswith("application/json"):
        params.update(json.loads(body or b"{}"))
    elif boundary := re.search(r'multipart/form-data.*boundary="?([^";]+)', ctype):
        for chunk in body.split(b"--" + boundary[1].encode())[1:-1]:
            head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
            data = data.removesuffix(b"\r\n")
            part = Parser(policy=HTTP).parsestr(head.decode("utf-8", "replace") + "\r\n\r\n")
            name = str(part.get_param("name", header="content-disposition"))
            if part.get_filename() is None:
                params[name] = _decode(name, data.decode("utf-8", "replace"))
            else:
                file_name = part.get_filename().replace("%22", '"')  # httpx's HTML5 escape
                files[name] = {"file_name": file_name, "content": data,
                               "mime_type": part.get_content_type()}
    elif body:
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        params.update({k: _decode(k, v) for k, v in pairs})
    return params, files


# Linux's receive timestamps (linux/net_tstamp.h): the kernel notes when each packet arrived, so
# a request's time is when it reached the server, however late a busy machine lets a thread read it.
_SO_TIMESTAMPING = 37
_TIMESTAMPING = (1 << 3) | (1 << 4)  # SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE
_RECEIVE_TIMESTAMPS = sys.platform == "linux"


def _arrival(connection: socket.socket) -> float:
    """Return when the first bytes of the request on `connection` reached this host (the
    kernel's timestamp, read without consuming them), or now where the kernel gives none."""
    if _RECEIVE_TIMESTAMPS:
        try:
            _, ancillary, _, _ = connection.recvmsg(1, 256, socket.MSG_PEEK)
        except OSError:
            return time.time()
        for level, kind, data in ancillary:
            if (level, kind) == (socket.SOL_SOCKET, _SO_TIMESTAMPING) and len(data) >= 16:
                seconds, nanoseconds = struct.unpack("qq", data[:16])  # the software timestamp
                if seconds:
                    return seconds + nanoseconds / 1e9
    return time.time()


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.0: one request per connection, so nothing outlives ``stop()``."""

    server: _Server
    received = 0.0  # when the request reached the server (see `_arrival`)

    def setup(self) -> None:
        self.received = _arrival(self.request)
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_POST(self) -> None:
        self.server.fake._dispatch(self)

    do_GET = do_POST


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # a fan-out opens many connections at once (the default is 5)

    def __init__(self, fake: FakeBotAPI) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        if _RECEIVE_TIMESTAMPS:  # (accepted connections inherit it)
            self.socket.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPING, _TIMESTAMPING)


class FakeBotAPI:
    """In-process fake of the Telegram Bot API; see the module docstring for the API."""

    max_poll_timeout = 1.0

    def __init__(self, token: str = "123:TEST", bot_username: str = "DigestTestBot") -> None:
        self.token, self.bot_username = token, bot_username
        bot_id = token.split(":", 1)[0]
        self.bot_user: JSONDict = {"id": int(bot_id) if bot_id.isdigit() else 123,
                                   "is_bot": True, "first_name": bot_username,
                                   "username": bot_username}
        self.webhook: JSONDict = {}
        self.menu_buttons: dict[int | None, JSONDict] = {}  # chat_id (None: default) -> MenuButton
        self._cond = threading.Condition(threading.RLock())
        self._server: _Server | None = None
        self._stopped = False
        self._ids = itertools.count(1)  # update, query and file ids
        self._message_ids: defaultdict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1))
        self._updates: deque[JSONDict] = deque()
        self._pushed: dict[int, JSONDict] = {}
        self._calls: list[JSONDict] = []
        self._log: list[JSONDict] = []
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._chats: dict[int, JSONDict] = {}
        self._files: dict[str, tuple[JSONDict, bytes, str]] = {}
        self._open_queries: set[str] = set()
        self._answered: list[JSONDict] = []
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._topics: dict[int, dict[int, JSONDict]] = {}  # forum chat id -> thread id -> topic
        self._faults: defaultdict[str, deque[_APIError | None]] = defaultdict(deque)
        self._delays: dict[str, float] = {}
        self._blocked: set[int] = set()  # private chats whose user blocked the bot
        me = {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
              "supports_inline_queries": True}
        self._handlers: dict[str, _MethodHandler] = {
            "getMe": lambda m, p, f: me, "getUpdates": self._get_updates,
            "setWebhook": self._webhook_api, "deleteWebhook": self._webhook_api,
            "getWebhookInfo": self._webhook_api, "setMyCommands": self._commands_api,
            "getMyCommands": self._commands_api, "deleteMyCommands": self._commands_api,
            "sendMessage": self._send, "sendPhoto": self._send, "sendDocument": self._send,
            "editMessageText": self._edit, "editMessageCaption": self._edit,
            "editMessageReplyMarkup": self._edit, "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer, "answerInlineQuery": self._answer,
            "sendChatAction": lambda m, p, f: bool(self._chat(p)),
            "getChat": self._get_chat, "getFile": self._get_file,
            "createForumTopic": self._create_topic, "deleteForumTopic": self._delete_topic,
            "setChatMenuButton": self._menu_button_api, "getChatMenuButton": self._menu_button_api,
        }
        self._canonical = {name.lower(): name for name in self._handlers}

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Self:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        self._stopped = False
        self._server = _Server(self)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and wake pending long polls."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if server := self._server:
            self._server = None
            server.shutdown()
            server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on (after ``start()``)."""
        if self._server is None:
            raise RuntimeError("FakeBotAPI is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder.base_url`` / ``Bot(base_url=...)``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder.base_file_url`` / ``Bot(base_file_url=...)``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ------------------------------------------------------------ test-facing API
    def push_update(self, update: JSONDict) -> int:
        """Queue an update; its ``update_id`` is assigned and returned."""
        with self._cond:
            update = {**update, "update_id": next(self._ids)}
            self._pushed[update["update_id"]] = update
            for kind in ("callback_query", "inline_query"):
                if kind in update:
                    self._open_queries.add(str(update[kind]["id"]))
            if msg := update.get("message") or update.get("channel_post"):
                self._chats.setdefault(msg["chat"]["id"], msg["chat"])
                self._messages[(msg["chat"]["id"], msg["message_id"])] = msg
            self._updates.append(update)
            self._cond.notify_all()
            return int(update["update_id"])

    def push_message(self, text: str | None, chat_id: int | None = None,
                     user_id: int = DEFAULT_USER_ID, chat_type: str = "private",
                     first_name: str = "Tester", language_code: str | None = "zh-hans",
                     message_thread_id: int | None = None, **message_fields: Any) -> int:
        """Queue a Message update sent by a user (``message_fields`` are merged in); with
        ``message_thread_id``, sent inside that forum topic."""
        if chat_id is None:
            chat_id = {"private": user_id, "supergroup": -1001234567890}.get(chat_type, -4001)
        if message_thread_id is not None:
            message_fields = {**message_fields, "message_thread_id": message_thread_id,
                              "is_topic_message": True}
        name = {"first_name": first_name} if chat_type == "private" else {"title": "Group"}
        with self._cond:
            chat = self._chats.get(chat_id) if chat_id in self._topics else None
            message = {"message_id": next(self._message_ids[chat_id]), "date": int(time.time()),
                       "chat": chat or {"id": chat_id, "type": chat_type, **name},
                       "from": self._user(user_id, first_name, language_code), **message_fields}
            if text is not None:
                message["text"] = text
            return self.push_update({"message": message})

    def push_command(self, text: str, chat_id: int | None = None,
                     user_id: int = DEFAULT_USER_ID, chat_type: str = "private",
                     first_name: str = "Tester", language_code: str | None = "zh-hans",
                     message_thread_id: int | None = None) -> int:
        """Queue a command such as ``/digest@DigestTestBot 3`` with its bot_command entity."""
        if not text.startswith("/"):
            raise ValueError(f"not a command: {text!r}")
        entity = {"type": "bot_command", "offset": 0, "length": _utf16_len(text.split()[0])}
        return self.push_message(text, chat_id, user_id, chat_type, first_name, language_code,
                                 message_thread_id=message_thread_id, entities=[entity])

    def push_callback(self, data: str, message: JSONDict, user_id: int | None = None,
                      language_code: str | None = "zh-hans") -> int:
        """Queue a button press on ``message`` (its current, possibly edited, version)."""
        message = message.get("message", message)
        key = (message["chat"]["id"], message["message_id"])
        with self._cond:
            user = self._user(user_id or (key[0] if key[0] > 0 else DEFAULT_USER_ID),
                              language_code=language_code)
            return self.push_update({"callback_query": {
                "id": f"cbq{next(self._ids)}", "from": user, "chat_instance": str(key[0]),
                "message": self._messages.get(key, message), "data": data}})

    def push_document(self, file_id: str, file_name: str | None = None,
                      chat_id: int | None = None, user_id: int = DEFAULT_USER_ID,
                      caption: str | None = None, chat_type: str = "private") -> int:
        """Queue a document message; files registered by ``add_file`` keep their metadata."""
        with self._cond:
            doc = dict(self._files[file_id][0]) if file_id in self._files else {
                "file_id": file_id, "file_unique_id": f"u-{file_id}"}
        doc.update({"file_name": file_name} if file_name else {})
        extra = {"caption": caption} if caption is not None else {}
        return self.push_message(None, chat_id, user_id, chat_type, document=doc, **extra)

    def push_inline_query(self, query: str, user_id: int = DEFAULT_USER_ID,
                          language_code: str | None = "zh-hans") -> int:
        """Queue an inline_query update."""
        with self._cond:
            return self.push_update({"inline_query": {
                "id": f"iq{next(self._ids)}", "from": self._user(user_id,
                                                                 language_code=language_code),
                "query": query,
                "offset": ""}})

    def add_file(self, file_id: str, content: bytes, file_name: str,
                 mime_type: str = "application/octet-stream",
                 declared_size: int | None | bool = True) -> JSONDict:
        """Register a downloadable file and return its Document dict. ``declared_size``: the
        ``file_size`` Telegram states (True: the real size; None: none, as Telegram may)."""
        with self._cond:
            unique = f"u{next(self._ids)}"
            doc = {"file_id": file_id, "file_unique_id": unique, "file_name": file_name,
                   "mime_type": mime_type}
            if declared_size is not None:
                doc["file_size"] = len(content) if declared_size is True else int(declared_size)
            self._files[file_id] = (doc, bytes(content), f"documents/{unique}/{file_name}")
            return dict(doc)

    def file_content(self, file_id: str) -> bytes:
        """Content of a registered or bot-uploaded file."""
        with self._cond:
            return self._files[file_id][1]

    def make_forum(self, chat_id: int, title: str = "Forum") -> JSONDict:
        """Make `chat_id` a forum supergroup (no topics yet besides General); return the chat."""
        with self._cond:
            self._chats[chat_id] = {"id": chat_id, "type": "supergroup", "title": title,
                                    "is_forum": True}
            self._topics.setdefault(chat_id, {})
            return dict(self._chats[chat_id])

    def add_topic(self, chat_id: int, name: str) -> int:
        """Create a topic in the forum `chat_id`, as a member would; return its thread id."""
        with self._cond:
            return int(self._create_topic("createForumTopic", {"chat_id": chat_id, "name": name},
                                          {})["message_thread_id"])

    def topics(self, chat_id: int) -> dict[int, str]:
        """The forum's topics (thread id -> name), oldest first."""
        with self._cond:
            return {thread: topic["name"] for thread, topic in self._topics.get(chat_id, {}).items()}

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Delete a topic, as a member of the forum would (messages into it then fail)."""
        with self._cond:
            del self._topics[chat_id][thread_id]

    def pushed(self, update_id: int) -> JSONDict:
        """The update queued as `update_id` (e.g. to read a button press's query id)."""
        with self._cond:
            return self._pushed[update_id]

    def calls(self, method: str | None = None) -> list[JSONDict]:
        """Every request received (optionally only for ``method``), oldest first."""
        with self._cond:
            return [c for c in self._calls if method in (None, c["method"])]

    def sent(self, chat_id: int | None = None) -> list[JSONDict]:
        """Messages sent or edited by the bot (optionally only in ``chat_id``), oldest first."""
        with self._cond:
            return [e for e in self._log if chat_id in (None, e["chat_id"])]

    def answered_callbacks(self) -> list[JSONDict]:
        """Params of every successful ``answerCallbackQuery``."""
        with self._cond:
            return list(self._answered)

    @property
    def commands(self) -> list[JSONDict]:
        """Commands set for the default scope without a language code."""
        return self.commands_for()

    def commands_for(self, language_code: str = "",
                     scope: JSONDict | None = None) -> list[JSONDict]:
        """Commands set via ``setMyCommands`` for ``scope`` (default scope) and language."""
        with self._cond:
            return list(self._commands.get(self._commands_key(scope, language_code), []))

    def wait_for(self, method_or_predicate: str | Callable[[JSONDict], bool], count: int = 1,
                 timeout: float = 10.0) -> list[JSONDict]:
        """Block until ``count`` calls match and return all matching calls."""
        name = method_or_predicate
        match = method_or_predicate if callable(method_or_predicate) else (
            lambda c: c["method"] == name and c["status"] == 200)
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(found := [c for c in self._calls if match(c)]) < count:
                if (remaining := deadline - time.monotonic()) <= 0:
                    lines = [f"  {c['method']} [{c['status']}] {str(c['params'])[:160]}"
                             for c in self._calls[-30:]]
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} x {name!s}, found "
                        f"{len(found)}; {len(self._calls)} calls received:\n" + "\n".join(lines))
                self._cond.wait(remaining)
            return found

    async def wait_for_async(self, method_or_predicate: str | Callable[[JSONDict], bool],
                             count: int = 1, timeout: float = 10.0) -> list[JSONDict]:
        """``wait_for`` without blocking the running event loop."""
        return await asyncio.to_thread(self.wait_for, method_or_predicate, count, timeout)

    def slow(self, method: str, seconds: float) -> None:
        """Answer every call of `method` only after `seconds` (0 turns it off)."""
        with self._cond:
            self._delays[method.lower()] = seconds

    def block(self, chat_id: int) -> None:
        """Answer every message to ``chat_id`` from now on with 403 (the user blocked the bot)."""
        with self._cond:
            self._blocked.add(chat_id)

    def sends_per_second(self, chat_ids: set[int] | None = None,
                         method: str = "sendMessage") -> dict[int, int]:
        """Successful ``method`` calls (to ``chat_ids`` only, if given) per second of arrival
        (whole Unix seconds), as Telegram would count them."""
        counts: defaultdict[int, int] = defaultdict(int)
        with self._cond:
            for call in self._calls:
                chat = call["params"].get("chat_id")
                if call["method"] == method and call["status"] == 200 and (
                        chat_ids is None or (str(chat).lstrip("-").isdigit()
                                             and int(chat) in chat_ids)):
                    counts[int(call["time"])] += 1
        return dict(counts)

    def fail_next(self, method: str, times: int = 1, retry_after: int = 2) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429 Too Many Requests."""
        self.fail_with(method, 429, f"Too Many Requests: retry after {retry_after}", times,
                       {"retry_after": retry_after})

    def drop_next(self, method: str, times: int = 1) -> None:
        """Close the connection without any response for the next ``times`` calls."""
        with self._cond:
            self._faults[method.lower()].extend([None] * times)

    def answer_raw(self, method: str, code: int, body: bytes | str,
                   content_type: str = "text/html", times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP ``code`` and ``body`` as it is
        (a proxy's error page; ``{token}`` in it becomes the bot's token, as a page echoing the
        request path would show it)."""
        raw = (body if isinstance(body, bytes) else body.replace("{token}", self.token).encode())
        with self._cond:
            self._faults[method.lower()].extend([_RawAnswer(code, raw, content_type)] * times)

    def fail_with(self, method: str, code: int, description: str, times: int = 1,
                  parameters: JSONDict | None = None) -> None:
        """Answer the next ``times`` calls of ``method`` with a Bot API error."""
        with self._cond:
            error = _APIError(code, description, parameters)
            self._faults[method.lower()].extend([error] * times)

    # ------------------------------------------------------------ Bot API methods
    @staticmethod
    def _user(user_id: int, first_name: str = "Tester",
              language_code: str | None = "zh-hans") -> JSONDict:
        """A User; ``language_code=None`` leaves the field out, as Telegram does when unknown."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        return user | ({"language_code": language_code} if language_code is not None else {})

    def _chat(self, p: JSONDict) -> JSONDict:
        chat_id = p.get("chat_id")
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        if not isinstance(chat_id, int):
            raise _APIError(400, "Bad Request: chat not found")
        if chat_id not in self._chats:
            kind = "private" if chat_id > 0 else (
                "channel" if str(chat_id).startswith("-100") else "group")
            name = {"first_name": "User"} if kind == "private" else {"title": kind.title()}
            self._chats[chat_id] = {"id": chat_id, "type": kind, **name}
        return self._chats[chat_id]

    def _get_updates(self, method: str, p: JSONDict, f: JSONDict) -> list[JSONDict]:
        if self.webhook.get("url"):
            raise _APIError(409, "Conflict: can't use getUpdates method while webhook is "
                                 "active; use deleteWebhook to delete the webhook first")
        offset = int(p.get("offset") or 0)
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + min(float(p.get("timeout") or 0), self.max_poll_timeout)
        while True:
            while self._updates and (len(self._updates) > -offset if offset < 0
                                     else self._updates[0]["update_id"] < offset):
                self._updates.popleft()
            remaining = deadline - time.monotonic()
            if self._updates or self._stopped or remaining <= 0:
                return list(itertools.islice(self._updates, limit))
            self._cond.wait(remaining)

    def _webhook_api(self, method: str, p: JSONDict, f: JSONDict) -> Any:
        if method == "getWebhookInfo":
            return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": len(self._updates)}
        self.webhook = dict(p) if method == "setWebhook" else {}
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _menu_button_api(self, method: str, p: JSONDict, f: JSONDict) -> Any:
        chat_id = p.get("chat_id")
        if method == "setChatMenuButton":
            self.menu_buttons[chat_id] = p.get("menu_button") or {"type": "default"}
            return True
        return self.menu_buttons.get(chat_id, {"type": "commands"})

    @staticmethod
    def _commands_key(scope: JSONDict | None, language_code: str | None) -> tuple[str, str]:
        return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""

    def _commands_api(self, method: str, p: JSONDict, f: JSONDict) -> Any:
        key = self._commands_key(p.get("scope"), p.get("language_code"))
        if method == "getMyCommands":
            return self._commands.get(key, [])
        if method == "setMyCommands":
            self._commands[key] = list(p.get("commands") or [])
        else:
            self._commands.pop(key, None)
        return True

    @staticmethod
    def _check_text(p: JSONDict, field: str) -> str:
        text = str(p.get(field) or "")
        if field == "text" and not text.strip():
            raise _APIError(400, "Bad Request: message text is empty")
        if _utf16_len(text, p.get("parse_mode")) > (4096 if field == "text" else 1024):
            raise _APIError(400, "Bad Request: message " + (
                "is too long" if field == "text" else "caption is too long"))
        return text

    @staticmethod
    def _check_markup(markup: Any) -> None:
        """Refuse an inline keyboard whose ``callback_data`` is empty or over 64 bytes."""
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        for button in itertools.chain.from_iterable(rows or []):
            data = button.get("callback_data") if isinstance(button, dict) else None
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise _APIError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _store(self, method: str, p: JSONDict, msg: JSONDict) -> JSONDict:
        markup = p.get("reply_markup")
        msg.pop("reply_markup", None)
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            msg["reply_markup"] = markup  # Telegram echoes only inline keyboards
        key = (msg["chat"]["id"], msg["message_id"])
        self._messages[key] = msg
        lpo = p.get("link_preview_options")
        self._log.append({
            "method": method, "chat_id": key[0], "message_id": key[1], "text": msg.get("text"),
            "caption": msg.get("caption"), "parse_mode": p.get("parse_mode"),
            "reply_markup": markup, "link_preview_options": lpo,
            "disable_web_page_preview": p.get("disable_web_page_preview"),
            "preview_disabled": bool(p.get("disable_web_page_preview")
                                     or (isinstance(lpo, dict) and lpo.get("is_disabled"))),
            "params": p, "message": msg, "thread_id": msg.get("message_thread_id"),
            "time": time.time()})
        return msg

    def _send(self, method: str, p: JSONDict, f: JSONDict) -> JSONDict:
        chat = self._chat(p)
        self._check_markup(p.get("reply_markup"))
        if chat["id"] in self._blocked:
            raise _APIError(403, "Forbidden: bot was blocked by the user")
        if method == "sendMessage":
            return self._store(method, p, self._new_message(chat, p, text=self._check_text(
                p, "text")))
        fields = {"caption": self._check_text(p, "caption")} if p.get("caption") else {}
        kind = "photo" if method == "sendPhoto" else "document"
        ref = p.get(kind)
        upload = f.get(kind) or (f.get(ref[9:]) if str(ref).startswith("attach://") else None)
        if upload:
            doc = self.add_file(f"fake-file-{next(self._ids)}", upload["content"],
                                upload["file_name"], upload["mime_type"])
        elif not ref:
            raise _APIError(400, f"Bad Request: there is no {kind} in the request")
        else:
            doc = dict(self._files[str(ref)][0]) if str(ref) in self._files else {
                "file_id": str(ref), "file_unique_id": f"u-{ref}"}
        if kind == "photo":
            keep = ("file_id", "file_unique_id", "file_size")
            doc = [{k: doc[k] for k in keep if k in doc} | {"width": 320, "height": 320}]
        return self._store(method, p, self._new_message(chat, p, **fields, **{kind: doc}))

    def _new_message(self, chat: JSONDict, p: JSONDict | None = None, **fields: Any) -> JSONDict:
        thread = (p or {}).get("message_thread_id")
        if thread is not None:
            if int(thread) not in self._topics.get(chat["id"], {}):
                raise _APIError(400, "Bad Request: message thread not found")
            fields = {**fields, "message_thread_id": int(thread), "is_topic_message": True}
        return {"message_id": next(self._message_ids[chat["id"]]), "date": int(time.time()),
                "chat": chat, "from": self.bot_user, **fields}

    def _create_topic(self, method: str, p: JSONDict, f: JSONDict) -> JSONDict:
        chat = self._chat(p)
        if not chat.get("is_forum"):
            raise _APIError(400, "Bad Request: the chat is not a forum")
        name = str(p.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise _APIError(400, "Bad Request: TOPIC_NAME_INVALID")
        thread = next(self._message_ids[chat["id"]])  # a topic's id is its service message's
        topic = {"message_thread_id": thread, "name": name,
                 "icon_color": int(p.get("icon_color") or 7322096)}
        self._topics[chat["id"]][thread] = topic
        return dict(topic)

    def _delete_topic(self, method: str, p: JSONDict, f: JSONDict) -> bool:
        chat = self._chat(p)
        if self._topics.get(chat["id"], {}).pop(int(p.get("message_thread_id") or 0), None):
            return True
        raise _APIError(400, "Bad Request: TOPIC_ID_INVALID")

    def _edit(self, method: str, p: JSONDict, f: JSONDict) -> JSONDict | bool:
        self._check_markup(p.get("reply_markup"))
        if "inline_message_id" in p:
            if method != "editMessageReplyMarkup":
                self._check_text(p, "text" if method == "editMessageText" else "caption")
            return True
        key = (self._chat(p)["id"], int(p.get("message_id") or 0))
        if not (old := self._messages.get(key)):
            raise _APIError(400, "Bad Request: message to edit not found")
        if old.get("from", {}).get("id") != self.bot_user["id"]:
            raise _APIError(400, "Bad Request: message can't be edited")
        new = {**old, "edit_date": int(time.time())}
        if method != "editMessageReplyMarkup":
            field = "text" if method == "editMessageText" else "caption"
            new[field] = self._check_text(p, field)
        markup = p.get("reply_markup")
        markup = markup if isinstance(markup, dict) and markup.get("inline_keyboard") else None
        if new.get("text") == old.get("text") and new.get("caption") == old.get("caption") \
                and markup == old.get("reply_markup"):
            raise _APIError(400, _NOT_MODIFIED)
        return self._store(method, p, new)

    def _delete_message(self, method: str, p: JSONDict, f: JSONDict) -> bool:
        if self._messages.pop((self._chat(p)["id"], int(p.get("message_id") or 0)), None):
            return True
        raise _APIError(400, "Bad Request: message to delete not found")

    def _answer(self, method: str, p: JSONDict, f: JSONDict) -> bool:
        query_id = str(p.get("callback_query_id", p.get("inline_query_id")))
        if query_id not in self._open_queries:
            raise _APIError(400, "Bad Request: query is too old and response timeout "
                                 "expired or query ID is invalid")
        if method == "answerCallbackQuery" and _utf16_len(str(p.get("text") or "")) > 200:
            raise _APIError(400, "Bad Request: MESSAGE_TOO_LONG")
        results = p.get("results") if method == "answerInlineQuery" else None
        for result in results or []:
            self._check_markup(result.get("reply_markup"))
            content = result.get("input_message_content") or {}
            if "message_text" in content and _utf16_len(
                    str(content["message_text"]), content.get("parse_mode")) > 4096:
                raise _APIError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._open_queries.discard(query_id)
        if method == "answerCallbackQuery":
            self._answered.append(p)
        return True

    def _get_chat(self, method: str, p: JSONDict, f: JSONDict) -> JSONDict:
        gifts = dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts",
                               "premium_subscription", "gifts_from_channels"), False)
        return {**self._chat(p), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": gifts}

    def _get_file(self, method: str, p: JSONDict, f: JSONDict) -> JSONDict:
        if str(p.get("file_id")) not in self._files:
            raise _APIError(400, "Bad Request: invalid file_id")
        doc, _, path = self._files[str(p["file_id"])]
        return {**{k: doc[k] for k in ("file_id", "file_unique_id", "file_size") if k in doc},
                "file_path": path}

    # ----------------------------------------------------------------- HTTP layer
    def _dispatch(self, handler: _Handler) -> None:
        path = unquote(urlsplit(handler.path).path)
        m = re.fullmatch(r"/bot([^/]*)/(\w*)", path)
        file_match = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        method = self._canonical.get(m[2].lower(), m[2]) if m else path
        method = "downloadFile" if file_match else method
        call: JSONDict = {"method": method, "params": {}, "files": {}, "time": handler.received}
        try:
            call["params"], call["files"] = _parse_request(handler)
            if file_match:
                call["params"]["file_path"] = file_match[2]
                with self._cond:
                    data = [c for _, c, p in self._files.values() if p == file_match[2]]
                    faults = self._faults["downloadfile"]
                    fault = faults.popleft() if faults else False
                if fault:
                    raise fault
                if file_match[1] != self.token or not data:
                    raise _APIError(404, "Not Found")
                self._record(call, {"ok": True})
                return self._answer_call(call, handler, 200, data[0], "application/octet-stream")
            if not m or m[1] != self.token:
                raise _APIError(401, "Unauthorized")
            with self._cond:
                faults = self._faults[method.lower()]
                fault = faults.popleft() if faults else False
                delay = self._delays.get(method.lower(), 0.0)
            if delay:
                time.sleep(delay)
            if fault is None:  # drop_next: close the connection without answering
                self._record(call, None)
                handler.close_connection = True
                return handler.connection.shutdown(socket.SHUT_RDWR)
            if fault:
                raise fault
            if method not in self._handlers:
                raise _APIError(404, "Not Found: method not found")
            with self._cond:
                result = self._handlers[method](method, call["params"], call["files"])
            payload: JSONDict = {"ok": True, "result": result}
        except _RawAnswer as exc:
            self._record(call, exc.payload)
            return self._answer_call(call, handler, exc.payload["error_code"], exc.body,
                                     exc.content_type)
        except _APIError as exc:
            payload = exc.payload
        except Exception as exc:  # noqa: BLE001 - report bad input/bugs as Bot API errors
            payload = _APIError(400, f"Bad Request: {exc!r}").payload
        self._record(call, payload)
        return self._answer_call(call, handler, payload.get("error_code", 200),
                                 json.dumps(payload).encode())

    def _record(self, call: JSONDict, payload: JSONDict | None) -> None:
        with self._cond:
            call["status"] = None if payload is None else payload.get("error_code", 200)
            call["response"] = payload
            self._calls.append(call)
            self._cond.notify_all()

    def _answer_call(self, call: JSONDict, handler: _Handler, status: int, data: bytes,
                     content_type: str = "application/json") -> None:
        """Answer a recorded call and note when the answer was written (``answered``)."""
        self._respond(handler, status, data, content_type)
        with self._cond:
            call["answered"] = time.time()

    @staticmethod
    def _respond(handler: _Handler, status: int, data: bytes,
                 content_type: str = "application/json") -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client went away (e.g. a cancelled long poll)
            handler.close_connection = True
