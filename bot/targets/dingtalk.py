"""钉钉 custom robot (自定义机器人), as documented in 自定义机器人接入 / 自定义机器人安全设置
(open.dingtalk.com/document/robots/custom-robot-access, …/customize-robot-security-settings):

- POST JSON to `…/robot/send?access_token=TOKEN`; the token is the robot's secret.
- 加签 (signing, when a secret "SEC…" is set): `timestamp` is the current time in milliseconds;
  the string to sign is f"{timestamp}\\n{secret}"; sign = HmacSHA256 with the secret as key, then
  Base64, then urlEncode (UTF-8); both go into the query: `&timestamp=…&sign=…`. The timestamp
  must be within an hour of the platform's clock.
- msgtype "markdown": {"msgtype": "markdown", "markdown": {"title": "...", "text": "..."}}.
- "每个机器人每分钟最多发送20条消息到群里，如果超过20条，会限流10分钟": a sliding window of 20
  per minute; errcode 130101 ("send too fast, exceed 20 times per minute") means the robot is
  blocked for 10 minutes: the delivery stops and the next retry run (10 minutes later) goes on.
- The answer is {"errcode": 0, "errmsg": "ok"} on success.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import parse_qs, quote_plus, urlsplit

from bot.targets import dialects as dialect
from bot.targets.base import MINUTE_S, DeliveryError, SlidingWindow, Target, minute
from bot.targets.webhook import answer_text, post_json
from storage.model import DigestSummary, Item

PER_MINUTE = 20
RATE_LIMITED = 130101
BLOCKED_MINUTES = 10


def sign(timestamp_ms: int, secret: str) -> str:
    """Return the URL-encoded signature of `timestamp_ms` (钉钉's 加签)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, digestmod=hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


class DingtalkRobot(Target):
    """A 钉钉 custom robot, signed when it has a secret."""

    kind = "dingtalk"

    def __init__(self, url: str, secret: str = "") -> None:
        token = parse_qs(urlsplit(url).query).get("access_token", [""])[0]
        super().__init__(url, [url, token, secret])
        self.url, self.secret = url, secret
        self.windows = [SlidingWindow(PER_MINUTE, minute)]

    def render(self, header: DigestSummary, items: list[Item], web_url: str) -> list[list[str]]:
        """Return the digest as [title, markdown text] pairs."""
        return [[title, text] for title, text in dialect.dingtalk_messages(header, items, web_url)]

    def signed_url(self) -> str:
        """Return the webhook URL with timestamp and sign in its query (as is without a secret)."""
        if not self.secret:
            return self.url
        timestamp = int(time.time() * 1000)
        return f"{self.url}&timestamp={timestamp}&sign={sign(timestamp, self.secret)}"

    async def send(self, message: list[str], ref: str) -> None:
        """Send one markdown message; return when the robot answered errcode 0."""
        title, text = message
        status, answer, _ = await post_json(self, self.signed_url(), {
            "msgtype": "markdown", "markdown": {"title": title, "text": text}})
        code = answer.get("errcode")
        if code == 0:
            return
        detail = self.redact(answer_text(answer, "errcode", "errmsg"))
        if code == RATE_LIMITED or status == 429:
            raise DeliveryError(detail, retry=True, wait_s=BLOCKED_MINUTES * MINUTE_S)
        raise DeliveryError(detail, retry=status >= 500)
