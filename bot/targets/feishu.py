"""飞书 custom bot (自定义机器人), as documented in 自定义机器人使用指南
(open.feishu.cn/document/client-docs/bot-v3/add-custom-bot):

- POST JSON to `…/open-apis/bot/v2/hook/HOOK_ID`; the hook id is the bot's secret.
- 签名校验 (when a secret is set): `timestamp` in seconds; the string f"{timestamp}\\n{secret}"
  is the HmacSHA256 *key* of an empty message; sign = Base64 of the digest; "timestamp" and
  "sign" go into the request body beside msg_type and content. Within an hour of the platform's
  clock, else code 19021.
- msg_type "post" (rich text): {"msg_type": "post", "content": {"post": {"zh_cn": {"title": …,
  "content": [[{"tag": "text", "text": …}, {"tag": "a", "text": …, "href": …}], …]}}}}.
- "请求体的数据大小不能超过 20 KB" (bot/targets/dialects.py keeps each body under 20,000 bytes;
  a larger one is answered code 9499 "Bad Request").
- "单租户单机器人 100 次/分钟，5 次/秒": two sliding windows. Over the limit the platform answers
  HTTP 429 (with x-ogw-ratelimit-reset, seconds to wait), or code 11232 / 9499 "too many request".
- The answer is {"code": 0, "msg": "success", …} on success.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from bot.targets import dialects as dialect
from bot.targets.base import DeliveryError, SlidingWindow, Target, minute
from bot.targets.webhook import answer_text, post_json
from storage.model import DigestSummary, Item

PER_MINUTE, PER_SECOND = 100, 5
RATE_LIMITED = (11232, 99991400)
BAD_REQUEST = 9499  # too big or malformed; also "too many request" when rate limited


def sign(timestamp_s: int, secret: str) -> str:
    """Return the signature of `timestamp_s` (飞书's 签名校验)."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", digestmod=hashlib.sha256).digest()).decode("ascii")


class FeishuBot(Target):
    """A 飞书 custom bot, signed when it has a secret."""

    kind = "feishu"

    def __init__(self, url: str, secret: str = "") -> None:
        hook = url.rstrip("/").rsplit("/", 1)[-1]
        super().__init__(url, [url, hook, secret])
        self.url, self.secret = url, secret
        self.windows = [SlidingWindow(PER_MINUTE, minute),
                        SlidingWindow(PER_SECOND, lambda: minute() / 60)]

    def render(self, header: DigestSummary, items: list[Item], web_url: str) -> list[dict]:
        """Return the digest as rich-text posts, each in a body under 20 KB."""
        return dialect.feishu_messages(header, items, web_url)

    def body(self, post: dict) -> dict:
        """Return the request body of one post, signed when the bot has a secret."""
        body: dict = {}
        if self.secret:
            timestamp = int(time.time())
            body = {"timestamp": str(timestamp), "sign": sign(timestamp, self.secret)}
        return body | {"msg_type": "post", "content": {"post": post}}

    async def send(self, message: dict, ref: str) -> None:
        """Send one rich-text post; return when the bot answered code 0."""
        body = self.body(message)
        size = len(json.dumps(body, ensure_ascii=False).encode("utf-8"))
        if size > dialect.FEISHU_BODY_BYTES:  # the renderer keeps under it: a bug, not a retry
            raise DeliveryError(f"request body of {size} bytes is over 20 KB", retry=False)
        status, answer, headers = await post_json(self, self.url, body)
        code = answer.get("code", answer.get("StatusCode"))
        if code == 0 and status < 400:
            return
        detail = self.redact(answer_text(answer, "code", "msg"))
        too_many = "too many" in str(answer.get("msg", "")).lower()
        if status == 429 or code in RATE_LIMITED or (code == BAD_REQUEST and too_many):
            reset = headers.get("x-ogw-ratelimit-reset", "")
            wait = float(reset) if reset.isdigit() else minute()
            raise DeliveryError(detail, retry=True, wait_s=min(wait, minute()))
        raise DeliveryError(detail, retry=status >= 500)
