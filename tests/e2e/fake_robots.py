"""Local stand-ins for the 企业微信, 飞书 and 钉钉 robot webhooks, on one loopback port.

Each checks what its platform's documentation says it checks and answers as the platform does:

- 企业微信 (`/cgi-bin/webhook/send?key=KEY`): a known key, msgtype "markdown", content at most
  4096 UTF-8 bytes (else errcode 40058), at most 20 messages a minute (else errcode 45009
  "api freq out of limit").
- 飞书 (`/open-apis/bot/v2/hook/HOOK`): a body of at most 20 KB and msg_type "post" with a zh_cn
  title and content (else code 9499 "Bad Request"); when the bot has a secret, "timestamp" (s,
  within an hour) and "sign" = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")) in the
  body (else code 19021); at most 100 a minute and 5 a second (else HTTP 429 with
  x-ogw-ratelimit-reset).
- 钉钉 (`/robot/send?access_token=TOKEN`): when the robot has a secret, `timestamp` (ms, within an
  hour) and `sign` = urlEncode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))) in
  the query, exactly so encoded (else errcode 310000); msgtype "markdown" with title and text;
  at most 20 a minute, after which the robot is blocked for 10 minutes (errcode 130101).

"A minute" is `minute_s` (tests shorten it, together with bot.targets.base.MINUTE_S).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, quote_plus, urlsplit


@dataclass
class Robot:
    """One robot of the stand-in: its platform, its secret and what it accepted."""

    kind: str
    secret: str = ""
    accepted: list[dict] = field(default_factory=list)  # the request bodies it confirmed
    answers: list[tuple[int, dict]] = field(default_factory=list)  # every (status, answer)
    times: deque = field(default_factory=deque)  # when it accepted, for the rate limits
    blocked_until: float = 0.0
    scripted: list[tuple[int, dict]] = field(default_factory=list)  # answers to give next


class FakeRobots:
    """The three robot APIs on one free loopback port; `url(kind, name)` gives a robot's URL."""

    def __init__(self, minute_s: float = 60.0) -> None:
        self.minute_s = minute_s
        self.robots: dict[tuple[str, str], Robot] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, kind: str, name: str, secret: str = "") -> str:
        """Register a robot; return its webhook URL (name = its key, hook id or access token)."""
        self.robots[(kind, name)] = Robot(kind, secret)
        return {"wecom": f"{self.base}/cgi-bin/webhook/send?key={name}",
                "feishu": f"{self.base}/open-apis/bot/v2/hook/{name}",
                "dingtalk": f"{self.base}/robot/send?access_token={name}"}[kind]

    def robot(self, kind: str, name: str) -> Robot:
        return self.robots[(kind, name)]

    def script(self, kind: str, name: str, *answers: tuple[int, dict]) -> None:
        """Make the robot give these answers (status, JSON) to its next requests, then work."""
        self.robot(kind, name).scripted.extend(answers)

    # --- the platforms ---------------------------------------------------------------------

    def handle(self, path: str, query: str, raw: bytes) -> tuple[int, dict, dict[str, str]]:
        params = parse_qs(query)
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = None
        if path == "/cgi-bin/webhook/send":
            robot = self.robots.get(("wecom", params.get("key", [""])[0]))
            if robot is None:
                return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, {}
            return self._answer(robot, body, raw, query, self._wecom)
        if path.startswith("/open-apis/bot/v2/hook/"):
            robot = self.robots.get(("feishu", path.rsplit("/", 1)[-1]))
            if robot is None:
                return 404, {"code": 19001, "msg": "param invalid: incoming webhook access token "
                             "invalid"}, {}
            return self._answer(robot, body, raw, query, self._feishu)
        if path == "/robot/send":
            robot = self.robots.get(("dingtalk", params.get("access_token", [""])[0]))
            if robot is None:
                return 200, {"errcode": 300001, "errmsg": "token is not exist"}, {}
            return self._answer(robot, body, raw, query, self._dingtalk)
        return 404, {"error": "no such API"}, {}

    def _answer(self, robot: Robot, body: Any, raw: bytes, query: str,
                check: Any) -> tuple[int, dict, dict[str, str]]:
        with self.lock:
            if robot.scripted:
                status, answer = robot.scripted.pop(0)
                headers = {"x-ogw-ratelimit-reset": "1"} if status == 429 else {}
            else:
                status, answer, headers = check(robot, body, raw, query)
                if answer.get("errcode", answer.get("code")) == 0:
                    robot.accepted.append(body)
                    robot.times.append(time.monotonic())
            robot.answers.append((status, answer))
            return status, answer, headers

    def _recent(self, robot: Robot, span: float) -> int:
        now = time.monotonic()
        return sum(1 for t in robot.times if t > now - span)

    def _wecom(self, robot: Robot, body: Any, raw: bytes, query: str):
        if not isinstance(body, dict) or body.get("msgtype") != "markdown" or not isinstance(
                body.get("markdown", {}).get("content"), str):
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}, {}
        if len(body["markdown"]["content"].encode("utf-8")) > 4096:
            return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}, {}
        if self._recent(robot, self.minute_s) >= 20:
            return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}, {}
        return 200, {"errcode": 0, "errmsg": "ok"}, {}

    def _feishu(self, robot: Robot, body: Any, raw: bytes, query: str):
        bad = (400, {"code": 9499, "msg": "Bad Request", "data": {}}, {})
        if len(raw) > 20 * 1024 or not isinstance(body, dict) or body.get("msg_type") != "post":
            return bad
        post = body.get("content", {}).get("post", {}).get("zh_cn", {})
        if not isinstance(post.get("title"), str) or not isinstance(post.get("content"), list):
            return bad
        if robot.secret:
            timestamp = str(body.get("timestamp", ""))
            key = f"{timestamp}\n{robot.secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            if (not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 3600
                    or body.get("sign") != expected):
                return 200, {"code": 19021, "msg": "sign match fail or timestamp is not within "
                             "one hour from current time"}, {}
        if (self._recent(robot, self.minute_s) >= 100
                or self._recent(robot, self.minute_s / 60) >= 5):
            return 429, {"code": 9499, "msg": "too many request"}, {"x-ogw-ratelimit-reset": "1"}
        return 200, {"code": 0, "msg": "success", "data": {}}, {}

    def _dingtalk(self, robot: Robot, body: Any, raw: bytes, query: str):
        now = time.monotonic()
        if robot.blocked_until > now:
            return 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}, {}
        if robot.secret:
            raw_params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
            timestamp = raw_params.get("timestamp", "")
            to_sign = f"{timestamp}\n{robot.secret}".encode()
            digest = hmac.new(robot.secret.encode(), to_sign, hashlib.sha256).digest()
            if (not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3_600_000
                    or raw_params.get("sign") != quote_plus(base64.b64encode(digest))):
                return 200, {"errcode": 310000, "errmsg": "sign not match"}, {}
        markdown = body.get("markdown", {}) if isinstance(body, dict) else {}
        if (not isinstance(body, dict) or body.get("msgtype") != "markdown"
                or not markdown.get("title") or not markdown.get("text")):
            return 200, {"errcode": 40035, "errmsg": "缺少参数 json"}, {}
        if self._recent(robot, self.minute_s) >= 20:
            robot.blocked_until = now + 10 * self.minute_s
            return 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}, {}
        return 200, {"errcode": 0, "errmsg": "ok"}, {}


def _handler(fake: FakeRobots) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, answer, headers = fake.handle(parts.path, parts.query, raw)
            data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
