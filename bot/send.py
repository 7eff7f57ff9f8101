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


async def send(bot: Bot, chat_id: int | str, reply: Reply, thread_id: int | None = None) -> Message:
    """Send one HTML message (link previews off), retrying network errors with backoff.

    `thread_id`: the forum topic to send it into (None: the chat itself, a forum's General topic).
    """
    delay = FIRST_BACKOFF_S
    for attempt in range(NETWORK_RETRIES + 1):
        try:
            return await bot.send_message(chat_id, reply.text, reply_markup=reply.keyboard,
                                          message_thread_id=thread_id)
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


async def send_photo(bot: Bot, chat_id: int | str, png: bytes, caption: str,
                     thread_id: int | None = None, filename: str = "trend.png",
                     as_document: bool = False) -> Message:
    """Send a PNG with an HTML caption (as a photo, or as a file when `as_document`: Telegram
    keeps a file's pixels), retrying network errors with backoff like `send`."""
    delay = FIRST_BACKOFF_S
    for attempt in range(NETWORK_RETRIES + 1):
        try:
            if as_document:
                return await bot.send_document(chat_id, document=png, caption=caption,
                                               filename=filename, message_thread_id=thread_id)
            return await bot.send_photo(chat_id, photo=png, caption=caption,
                                        filename=filename, message_thread_id=thread_id)
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
