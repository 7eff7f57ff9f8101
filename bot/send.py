"""Sending to Telegram with retries (bot/retry.py's loop): a RetryAfter is first waited out by
PTB's rate limiter, network errors back off here; and the messages nobody asked for that go to
admins (each in their own language)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from telegram import Bot, Message
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut

from bot.i18n import Translations, translations_for
from bot.render import Reply
from bot.retry import doubling, retrying
from storage import readers

if TYPE_CHECKING:
    from storage.backend import Database

log = logging.getLogger(__name__)
NETWORK_RETRIES = 4
FIRST_BACKOFF_S = 0.5
network_backoff = doubling(FIRST_BACKOFF_S, NETWORK_RETRIES)


def telegram_backoff(exc: Exception, failures: int) -> float | None:
    """Return how long to wait before sending again after a failure (None: give up): what a 429
    asks (once PTB's rate limiter's own retries ran out), or a doubling back-off for a network
    error; never for a refusal (BadRequest, Forbidden: they will not heal)."""
    if failures > NETWORK_RETRIES:
        return None
    if isinstance(exc, RetryAfter):
        return retry_seconds(exc)
    if isinstance(exc, NetworkError) and is_transient(exc):
        log.warning("network error sending (attempt %d): %s", failures, type(exc).__name__)
        return network_backoff(failures)
    return None


async def send(bot: Bot, chat_id: int | str, reply: Reply, thread_id: int | None = None) -> Message:
    """Send one HTML message (link previews off), retrying network errors with backoff.

    `thread_id`: the forum topic to send it into (None: the chat itself, a forum's General topic).
    """
    return await retrying(lambda: bot.send_message(chat_id, reply.text, reply_markup=reply.keyboard,
                                                   message_thread_id=thread_id), telegram_backoff)


async def send_photo(bot: Bot, chat_id: int | str, png: bytes, caption: str,
                     thread_id: int | None = None, filename: str = "trend.png",
                     as_document: bool = False) -> Message:
    """Send a PNG with an HTML caption (as a photo, or as a file when `as_document`: Telegram
    keeps a file's pixels), retrying network errors with backoff like `send`."""
    if as_document:
        return await retrying(lambda: bot.send_document(
            chat_id, document=png, caption=caption, filename=filename,
            message_thread_id=thread_id), telegram_backoff)
    return await retrying(lambda: bot.send_photo(
        chat_id, photo=png, caption=caption, filename=filename, message_thread_id=thread_id),
        telegram_backoff)


async def tell(bot: Bot, db: Database, user_ids: Iterable[int],
               reply_in: Callable[[Translations], Reply]) -> None:
    """Send each user a message nobody asked for (an admin's alert), in the language they chose
    with /lang, else the one their client last sent; best effort: a failure is logged."""
    for user_id in user_ids:
        try:
            lang = await asyncio.to_thread(stored_translations, db, user_id)
            await send(bot, user_id, reply_in(lang))
        except TelegramError as exc:
            log.warning("could not tell %s: %s", user_id, type(exc).__name__)


def stored_translations(db: Database, user_id: int) -> Translations:
    """Return the language to write to a user in unasked: their /lang choice, else their client's
    last known language_code (a query: call it in a worker thread)."""
    return translations_for(*readers.language_settings(db, user_id))


def is_transient(exc: NetworkError) -> bool:
    """Return True for a network error that may heal by retrying: BadRequest, Forbidden etc. are
    NetworkError subclasses in PTB but will not."""
    return type(exc) in (NetworkError, TimedOut)


def retry_seconds(exc: RetryAfter) -> float:
    """Return how long Telegram asked to wait (a timedelta: bot/__init__.py opts in; or seconds)."""
    value = exc.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
