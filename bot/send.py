"""Sending with retries: RetryAfter is waited out by PTB's rate limiter; network errors back off here."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, Message
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.render import Reply

log = logging.getLogger(__name__)
NETWORK_RETRIES = 4
FIRST_BACKOFF_S = 0.5


async def send(bot: Bot, chat_id: int | str, reply: Reply) -> Message:
    """Send one HTML message (link previews off), retrying network errors with backoff."""
    delay = FIRST_BACKOFF_S
    for attempt in range(NETWORK_RETRIES + 1):
        try:
            return await bot.send_message(chat_id, reply.text, reply_markup=reply.keyboard)
        except RetryAfter as exc:  # only when the rate limiter's own retries ran out
            if attempt == NETWORK_RETRIES:
                raise
            await asyncio.sleep(_retry_seconds(exc))
        except (TimedOut, NetworkError) as exc:
            if attempt == NETWORK_RETRIES or not _retryable(exc):
                raise
            log.warning("network error sending to %s (attempt %d): %s", chat_id, attempt + 1,
                        type(exc).__name__)
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


async def send_photo(bot: Bot, chat_id: int | str, png: bytes, caption: str) -> Message:
    """Send a PNG with an HTML caption, retrying network errors with backoff like `send`."""
    delay = FIRST_BACKOFF_S
    for attempt in range(NETWORK_RETRIES + 1):
        try:
            return await bot.send_photo(chat_id, photo=png, caption=caption,
                                        filename="trend.png")
        except (TimedOut, NetworkError) as exc:
            if attempt == NETWORK_RETRIES or not _retryable(exc):
                raise
            log.warning("network error sending a photo to %s (attempt %d): %s", chat_id,
                        attempt + 1, type(exc).__name__)
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def _retryable(exc: NetworkError) -> bool:
    # BadRequest, Forbidden etc. are NetworkError subclasses in PTB but will not heal by retrying.
    return type(exc) in (NetworkError, TimedOut)


def _retry_seconds(exc: RetryAfter) -> float:
    """Return how long Telegram asked to wait (a timedelta: bot/__init__.py opts in; or seconds)."""
    value = exc.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
