"""What every delivery target has: a kind, a fingerprint, a per-minute limit, send -> confirmed.

A target is shown and stored as its kind and a short fingerprint of its address (the first hex
digits of the SHA-256 of its webhook URL, or of the SMTP server and recipients), never the
address itself: robot URLs carry their key or access token. `redact` removes every secret of a
target from a text (the platforms' error messages are shown to admins).

`send(message, ref)` returns once the platform confirmed the message (its JSON answer says
success), and raises `DeliveryError` otherwise, saying whether a retry may help and how long the
platform asks to wait. Each target carries the platform's per-minute limits as sliding windows
(`windows`); bot/targets/deliver.py waits for them before each send.
"""

from __future__ import annotations

import hashlib
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from bot.i18n import N_
from storage.model import DigestSummary, Item

# One minute, as the rate limits count it; tests shorten it (it is read at each use).
MINUTE_S = 60.0
# The windows are a little longer than the platform's, so network delays that bunch requests
# together at the platform's end never make it count one too many.
WINDOW_MARGIN = 61 / 60
HTTP_TIMEOUT_S = 15.0
# Platform names; N_ marks them for the catalog (admins see them translated, bot/render/target_status).
KIND_NAMES = {"wecom": N_("企业微信"), "feishu": N_("飞书"), "dingtalk": N_("钉钉"), "mail": N_("邮件")}


class DeliveryError(Exception):
    """A target did not confirm a message: `detail` is the platform's answer (no secrets),
    `retry` whether trying again may help (rate limits, network and server errors), `wait_s` how
    long the platform asks to wait first (None: back off as usual)."""

    def __init__(self, detail: str, retry: bool, wait_s: float | None = None) -> None:
        super().__init__(detail)
        self.detail, self.retry, self.wait_s = detail, retry, wait_s


class SlidingWindow:
    """At most `limit` sends in any `window()` seconds of `clock`."""

    def __init__(self, limit: int, window: Callable[[], float],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._sent: deque[float] = deque()

    def delay(self) -> float:
        """Return how long to wait before the next send is allowed (0 = now)."""
        now, span = self.clock(), self.window()
        while self._sent and self._sent[0] <= now - span:
            self._sent.popleft()
        return 0.0 if len(self._sent) < self.limit else self._sent[0] + span - now

    def note(self) -> None:
        """Count a send made now."""
        self._sent.append(self.clock())


def fingerprint(address: str) -> str:
    """Return the first 12 hex digits of the SHA-256 of `address` (shown: the first 6)."""
    return hashlib.sha256(address.encode("utf-8")).hexdigest()[:12]


class Target(ABC):
    """One place the daily digest goes beside Telegram."""

    kind: str = ""

    def __init__(self, address: str, secrets: Sequence[str]) -> None:
        self._fingerprint = fingerprint(address)
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self.windows: list[SlidingWindow] = []

    @property
    def key(self) -> str:
        """How the database names this target: "kind:fingerprint"."""
        return f"{self.kind}:{self._fingerprint}"

    @property
    def label(self) -> str:
        """How logs and admins see this target: kind and a short fingerprint (no secret)."""
        return f"{self.kind}:{self._fingerprint[:6]}"

    @property
    def secrets(self) -> list[str]:
        """Everything about this target that must never be logged or shown."""
        return list(self._secrets)

    def redact(self, text: str) -> str:
        """Return `text` with this target's secrets replaced by <secret>."""
        for secret in self._secrets:
            text = text.replace(secret, "<secret>")
        return text

    @abstractmethod
    def render(self, header: DigestSummary, items: list[Item], web_url: str) -> list[Any]:
        """Return the digest as this platform's messages, in order."""

    @abstractmethod
    async def send(self, message: Any, ref: str) -> None:
        """Send one message; return once the platform confirmed it, else raise DeliveryError.
        `ref` names the message ("DATE-RUN-SEQ"), for platforms that can use it (Message-ID)."""


def minute() -> float:
    """Return the rate windows' minute (MINUTE_S, with the margin)."""
    return MINUTE_S * WINDOW_MARGIN
