"""The daily fan-out to subscribers: concurrent, paced by one budget, exactly once.

Each worker (one process, or each of several webhook workers on one PostgreSQL database) runs
the day's fan-out the same way:

1. every subscriber not yet in the day's fan-out is added with one statement
   (storage/fanout.py `enqueue`);
2. a feeder claims the pending subscribers in batches (one statement per batch; a claim is kept
   while the worker lives and lapses `LEASE_SECONDS` after it dies, so another worker continues
   its subscribers) and queues them for the senders;
3. a bounded set of senders (enough to keep the budget's rate while a send and its record take
   up to SEND_LATENCY_S) serve one subscriber at a time, its messages in order: each message waits for
   a permit of the process's Pacer (bot/broadcast.py: the rate every worker shares), is sent,
   and is recorded right after Telegram confirms it, before the next one. A restart continues
   after the last recorded message, so only a message in flight at a crash (sent, not yet
   recorded: at most one per sender) can arrive twice.

A 429 pauses every sender of every worker for its `retry_after`. A reader who blocked the bot is
marked blocked and skipped from then on; any other failure leaves the subscriber to a later run
(the scheduler's retry, a restart), up to storage.fanout.MAX_ATTEMPTS runs. When the last
subscriber of the day is done, the admins get one line (served, blocked, failed).

A subscriber's digest is rendered once per (language, categories, format) and shared by every
subscriber who reads the same; storage calls run on the fan-out's own threads
(`BotState.fanout_executor`), so the readers' commands never wait behind them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Bot, Message
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.broadcast import BROADCAST
from bot.i18n import translations_for
from bot.render import Reply
from bot.render import fanout as fanout_render
from bot.retry import retrying
from bot.send import retry_seconds, telegram_backoff, tell
from bot.state import BotState
from storage import fanout, posts
from storage.digests import digest_on
from storage.fanout import Claimed
from storage.posts import DayStatus
from storage.readers import Reader

if TYPE_CHECKING:
    from storage.model import Found

log = logging.getLogger(__name__)
T = TypeVar("T")
SEND_LATENCY_S = 2.0  # a send and its record taking up to this long still keep the budget's rate
MAX_SENDERS = 200  # of the bot's 256 HTTP connections: the rest stay for readers' replies
MIN_SENDERS = 8
CLAIM_MARGIN_S = 1.0  # a claim must have this long left (at most) when a message is sent
RETRY_AFTERS = 10  # 429s one message may get before its subscriber is left to a later run


@dataclass(frozen=True)
class FanoutOutcome:
    """What a worker's fan-out run did: DONE (every subscriber of the day served or ended), BUSY
    (some are still held by another worker, or their claims may lapse: look again after
    LEASE_SECONDS), RETRY (some failed: a later run tries again), MISSING (no digest)."""

    status: DayStatus
    served: int = 0  # subscribers this run finished serving
    sent: int = 0  # messages this run sent


def senders_for(rate: int) -> int:
    """Return how many subscribers to serve at once to keep `rate` messages a second."""
    return min(max(math.ceil(rate * SEND_LATENCY_S), MIN_SENDERS), MAX_SENDERS)


async def deliver_subscriptions(bot: Bot, state: BotState, date: str) -> FanoutOutcome:
    """Send the digest of `date` to every subscriber not yet served, in their language, format
    and categories; see the module docstring. One run per date at a time in this process."""
    async with state.post_lock(f"fanout:{date}"):
        found = await asyncio.to_thread(digest_on, state.db, date)
        if found is None:
            return FanoutOutcome(DayStatus.MISSING)
        return await _Run(bot, state, date, found).run()


class _Run:
    """One worker's fan-out of one date."""

    def __init__(self, bot: Bot, state: BotState, date: str, found: Found) -> None:
        self.bot, self.state, self.date = bot, state, date
        self.db, self.settings = state.db, state.settings
        self.header, self.items = found
        self.categories = fanout_render.day_categories(self.items)
        self.owner, self.lease = state.worker, float(state.settings.lease_seconds)
        self.valid_until = 0.0  # every claim this run holds is ours at least until then
        self.margin = min(CLAIM_MARGIN_S, self.lease / 6)  # for delays and other hosts' clocks
        self.stopping = False  # the claims lapsed: claim no more (see _renew)
        self.rendered: dict[tuple[str, tuple[str, ...], str], list[Reply]] = {}
        self.served = self.sent = 0
        self.send_options: dict[str, Any] = {}
        if self.settings.paid_broadcast:
            self.send_options["allow_paid_broadcast"] = True
        if isinstance(bot, ExtBot):  # past python-telegram-bot's limiter: the Pacer paces these
            self.send_options["rate_limit_args"] = BROADCAST

    async def stored(self, call: Callable[..., T], *args: Any) -> T:
        """Run a storage call on the fan-out's own threads."""
        return await asyncio.get_running_loop().run_in_executor(
            self.state.fanout_executor, call, self.db, *args)

    async def run(self) -> FanoutOutcome:
        await self.stored(fanout.enqueue, self.date)
        senders = senders_for(self.state.pacer.budget.rate)
        queue: asyncio.Queue[Claimed | None] = asyncio.Queue(maxsize=senders)
        renewing = asyncio.create_task(self._renew())
        serving = [asyncio.create_task(self._sender(queue)) for _ in range(senders)]
        try:
            await self._feed(queue, senders)
            await asyncio.gather(*serving)
        finally:
            renewing.cancel()
            for task in serving:
                task.cancel()
            await self.stored(fanout.release, self.date, self.owner)
        return await self._conclude()

    async def _feed(self, queue: asyncio.Queue[Claimed | None], senders: int) -> None:
        """Claim the pending subscribers batch by batch and queue them; then one end per sender."""
        try:
            while not self.stopping:
                now = time.time()
                batch = await self.stored(fanout.claim, self.date, self.owner, now + self.lease,
                                          now, senders)
                if not batch:
                    break
                if not self.valid_until:
                    self.valid_until = now + self.lease
                for claimed in batch:
                    await queue.put(claimed)
        finally:
            for _ in range(senders):
                await queue.put(None)

    async def _renew(self) -> None:
        """Keep this run's claims while it lives (every third of LEASE_SECONDS).

        A renewal that ends after the claims could have lapsed extends nothing: another worker
        may have taken some of them meanwhile, and the renewal only keeps those still ours, so
        the senders stop (their claims are past `valid_until`) and the run ends; whatever is
        left is served by whoever holds it, or by the next run.
        """
        while True:
            await asyncio.sleep(self.lease / 3)
            issued = time.time()
            try:
                await self.stored(fanout.renew, self.date, self.owner, issued + self.lease)
            except Exception as exc:  # the database is away: the claims lapse, senders stop
                log.warning("could not renew the fan-out's claims: %s", type(exc).__name__)
                continue
            if time.time() < self.valid_until - self.margin:
                self.valid_until = issued + self.lease
            elif self.valid_until:
                log.warning("the fan-out's claims were renewed too late: this run stops")
                self.stopping = True
                return

    async def _sender(self, queue: asyncio.Queue[Claimed | None]) -> None:
        while (claimed := await queue.get()) is not None:
            try:
                await self._serve(claimed)
            except Exception as exc:  # one subscriber's trouble (a bug, the database) stops no other
                log.error("fan-out of %s to %s stopped: %s", self.date, claimed.reader.chat_id,
                          type(exc).__name__, exc_info=exc)

    async def _serve(self, claimed: Claimed) -> None:
        """Send a subscriber the rest of their digest, each message recorded once confirmed."""
        reader = claimed.reader
        messages = self._messages_for(reader) if reader.subscribed and not reader.blocked else []
        if not messages:
            await self.stored(fanout.finish, self.date, reader.chat_id, self.owner, "empty",
                              time.time())
            return
        for seq in range(claimed.sent, len(messages)):
            try:
                await retrying(functools.partial(self._send, reader.chat_id, messages[seq]),
                               _backoff)
            except _ClaimLapsing:  # another worker may take it over: leave it to that one
                return
            except Forbidden:
                log.info("subscriber %s blocked the bot; marked blocked", reader.chat_id)
                await self.stored(fanout.finish, self.date, reader.chat_id, self.owner, "blocked",
                                  time.time())
                return
            except TelegramError as exc:  # tried again by a later run
                log.warning("could not deliver %s to subscriber %s: %s", self.date, reader.chat_id,
                            type(exc).__name__)
                await self.stored(fanout.finish, self.date, reader.chat_id, self.owner, "failed",
                                  time.time())
                return
            self.sent += 1
            if not await self.stored(fanout.record_sent, self.date, reader.chat_id, self.owner,
                                     seq + 1, len(messages), time.time()):
                return  # taken over meanwhile: the other worker goes on
        if claimed.sent >= len(messages):  # (its digest shrank since: nothing more to send)
            await self.stored(fanout.record_sent, self.date, reader.chat_id, self.owner,
                              len(messages), len(messages), time.time())
        self.served += 1

    async def _send(self, chat_id: int, reply: Reply) -> Message:
        """Send one message once the Pacer allows it; a 429 pauses every sender, then it is
        tried again."""
        await self.state.pacer.permit()
        if time.time() > self.valid_until - self.margin:
            raise _ClaimLapsing  # (checked once the permit came: a 429 may have paused it long)
        try:
            return await self.bot.send_message(chat_id, reply.text, reply_markup=reply.keyboard,
                                               **self.send_options)
        except RetryAfter as exc:
            log.warning("Telegram asked to wait %.0f s: the fan-out pauses", retry_seconds(exc))
            await self.state.pacer.pause(retry_seconds(exc))
            raise

    def _messages_for(self, reader: Reader) -> list[Reply]:
        """Return a subscriber's digest (rendered once for everyone with the same language,
        categories and format); [] when none of their categories has an item that day."""
        form = reader.format or self.settings.subscriber_format
        lang = translations_for(reader.language_choice, reader.client_language)
        key = (lang.code, reader.categories, form)
        if key not in self.rendered:
            chosen = [item for item in self.items
                      if not reader.categories or item.category in reader.categories]
            self.rendered[key] = fanout_render.subscriber_digest(
                lang, self.header, chosen, form, self.categories,
                self.settings.web_url) if chosen else []
        return self.rendered[key]

    async def _conclude(self) -> FanoutOutcome:
        """Say how the day's fan-out stands; tell the admins once when it has ended."""
        progress = await self.stored(fanout.progress, time.time(), self.date)
        if progress is not None and progress.running:
            return FanoutOutcome(DayStatus.BUSY, self.served, self.sent)
        if progress is not None and progress.total:
            once = f"fanout-end:{self.date}:{progress.served}:{progress.blocked}:{progress.failed}"
            if await self.stored(posts.claim_once, once):
                log.info("fan-out of %s ended: %d served, %d blocked, %d failed", self.date,
                         progress.served, progress.blocked, progress.failed)
                await tell(self.bot, self.db, self.settings.admin_ids,
                           lambda lang: fanout_render.fanout_ended(lang, progress))
        retry = await self.stored(fanout.retry_later, self.date)
        return FanoutOutcome(DayStatus.RETRY if retry else DayStatus.DONE, self.served, self.sent)


class _ClaimLapsing(Exception):
    """This run's claims were not renewed in time: another worker may serve its subscribers."""


def _backoff(exc: Exception, failures: int) -> float | None:
    """A 429 was waited out by the Pacer (every sender paused): send again at once, up to
    RETRY_AFTERS times; otherwise as any Telegram send (network errors back off)."""
    if isinstance(exc, RetryAfter):
        return 0.0 if failures <= RETRY_AFTERS else None
    return telegram_backoff(exc, failures)
