"""企业微信 group robot (群机器人), as documented in 群机器人配置说明
(developer.work.weixin.qq.com/document/path/91770):

- POST JSON to the webhook URL `…/cgi-bin/webhook/send?key=KEY`; the key is the robot's secret.
- msgtype "markdown": {"msgtype": "markdown", "markdown": {"content": "..."}}, content at most
  4096 bytes of UTF-8 (bot/targets/dialects.py keeps to it).
- "每个机器人发送的消息不能超过20条/分钟": a sliding window of 20 per minute.
- The answer is {"errcode": 0, "errmsg": "ok"} on success; errcode 45009 ("api freq out of
  limit") means the robot's minute is used up (another sender shares it): wait a minute and retry.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from bot.targets import dialects as dialect
from bot.targets.base import DeliveryError, SlidingWindow, Target, minute
from bot.targets.webhook import answer_text, post_json
from storage.model import DigestSummary, Item

PER_MINUTE = 20
RATE_LIMITED = 45009


class WecomRobot(Target):
    """A 企业微信 group robot."""

    kind = "wecom"

    def __init__(self, url: str) -> None:
        key = parse_qs(urlsplit(url).query).get("key", [""])[0]
        super().__init__(url, [url, key])
        self.url = url
        self.windows = [SlidingWindow(PER_MINUTE, minute)]

    def render(self, header: DigestSummary, items: list[Item], web_url: str) -> list[str]:
        """Return the digest as markdown contents of at most 4096 bytes each."""
        return dialect.wecom_messages(header, items, web_url)

    async def send(self, message: str, ref: str) -> None:
        """Send one markdown message; return when the robot answered errcode 0."""
        status, answer, _ = await post_json(self, self.url, {
            "msgtype": "markdown", "markdown": {"content": message}})
        code = answer.get("errcode")
        if code == 0:
            return
        detail = self.redact(answer_text(answer, "errcode", "errmsg"))
        if code == RATE_LIMITED or status == 429:
            raise DeliveryError(detail, retry=True, wait_s=minute())
        raise DeliveryError(detail, retry=status >= 500)
