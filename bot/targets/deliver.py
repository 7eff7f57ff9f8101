"""The daily digest to every target beside Telegram, exactly once each, independently.

Called by bot/delivery.py's daily post (the schedule, its catch-up after a restart and its
retries) and by /push. Each target runs on its own: concurrently with the others and with the
Telegram posting, so one that is slow, rate-limited or down holds up nobody.

Exactly once, like the Telegram posts: each message is recorded (storage/targets.py) right after
the platform confirmed it, and a delivery continues from the first unrecorded message. A lease
per (date, target) makes one process deliver at a time; it is renewed while waiting (rate
windows, back-off) and checked before every send, so a process that lost it stops before sending.

Retries: a rate-limit answer waits what the platform asks (企业微信 and 飞书: up to a minute),
network and server errors back off (BACKOFF_S, doubling), up to RETRIES times per message. A
target that still fails (or that blocks us longer, like 钉钉's 10 minutes) stops for this run:
its error is kept for /targets, the admins are told once per run, and the daily post's next
retry continues it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot

from bot.render import target_status
from bot.retry import retrying
from bot.send import tell
from bot.state import BotState
from bot.targets import base
from bot.targets.base import DeliveryError, Target
from storage import posts
from storage import targets as records
from storage.digests import digest_on
from storage.model import Found
from storage.posts import DayStatus
from storage.targets import DeliveryStatus

log = logging.getLogger(__name__)
RETRIES = 4
BACKOFF_S = 2.0


@dataclass(frozen=True)
class TargetOutcome:
    """What one delivery attempt to one target did (FAILED: `error` says why)."""

    target: str  # the label: kind and short fingerprint
    kind: str
    status: DeliveryStatus
    sent: int = 0
    total: int = 0
    error: str | None = None


class _LeaseLost(Exception):
    """Another process took the delivery over (this one was too slow)."""


async def deliver(bot: Bot, state: BotState, date: str, force: bool = False,
                  found: Found | None = None) -> list[TargetOutcome]:
    """Deliver the digest of `date` to every target not yet served (all again with `force`).

    Returns one outcome per target, in the order of `state.targets`; [] when no target is
    configured or there is no digest for `date`.
    """
    if not state.targets:
        return []
    if found is None:
        found = await asyncio.to_thread(digest_on, state.db, date)
        if found is None:
            return []
    return list(await asyncio.gather(*(_guarded(bot, state, target, date, found, force)
                                       for target in state.targets)))


def unfinished(outcomes: list[TargetOutcome]) -> DayStatus | None:
    """Return BUSY when another process is delivering to some target (check again soon),
    RETRY when some target failed (try again in a while), else None."""
    if any(o.status == DeliveryStatus.BUSY for o in outcomes):
        return DayStatus.BUSY
    return DayStatus.RETRY if any(o.status == DeliveryStatus.FAILED for o in outcomes) else None


async def _guarded(bot: Bot, state: BotState, target: Target, date: str, found: Found,
                   force: bool) -> TargetOutcome:
    """Deliver to one target; whatever goes wrong there stays there."""
    try:
        return await _deliver(bot, state, target, date, found, force)
    except Exception as exc:  # a bug or an unexpected error in one target never stops the others
        log.error("delivery of %s to %s stopped: %s", date, target.label, type(exc).__name__)
        return TargetOutcome(target.label, target.kind, DeliveryStatus.FAILED, error=type(exc).__name__)


async def _deliver(bot: Bot, state: BotState, target: Target, date: str, found: Found,
                   force: bool) -> TargetOutcome:
    db, owner, seconds = state.db, state.worker, state.settings.lease_seconds
    lease = f"target:{date}:{target.key}"
    messages = await asyncio.to_thread(target.render, *found, state.settings.web_url)
    total = len(messages)
    async with state.post_lock(lease):
        if not await asyncio.to_thread(posts.acquire_lease, db, lease, owner, seconds):
            return TargetOutcome(target.label, target.kind, DeliveryStatus.BUSY, 0, total)

        async def renew() -> None:
            if not await asyncio.to_thread(posts.acquire_lease, db, lease, owner, seconds):
                raise _LeaseLost

        sent = 0
        try:
            run, done = await asyncio.to_thread(records.start_run, db, date, target.key, total, force)
            if run.completed_at is not None:
                return TargetOutcome(target.label, target.kind, DeliveryStatus.ALREADY, 0, total)
            for seq, message in enumerate(messages):
                if seq in done:
                    continue
                try:
                    await _send(target, message, f"{date}-{run.run}-{seq}", renew, seconds / 3)
                except DeliveryError as exc:
                    await asyncio.to_thread(records.record_error, db, run, exc.detail)
                    log.warning("%s: message %d of %d of %s not delivered: %s", target.label,
                                seq + 1, total, date, exc.detail)
                    await _tell_admins_once(bot, state, target, date, run.run, exc.detail)
                    return TargetOutcome(target.label, target.kind, DeliveryStatus.FAILED, sent, total,
                                         exc.detail)
                await asyncio.to_thread(records.record_message, db, run, seq)
                sent += 1
            await asyncio.to_thread(records.complete_run, db, run)
        except _LeaseLost:
            return TargetOutcome(target.label, target.kind, DeliveryStatus.BUSY, sent, total)
        finally:
            await asyncio.to_thread(posts.release_lease, db, lease, owner)
    log.info("delivered %s to %s: %d of %d messages sent now", date, target.label, sent, total)
    return TargetOutcome(target.label, target.kind, DeliveryStatus.DELIVERED, sent, total)


async def _send(target: Target, message: Any, ref: str, renew: Callable[[], Awaitable[None]],
                renew_every: float) -> None:
    """Send one message within the target's rate windows, retrying what may heal; the lease is
    renewed while waiting and right before each attempt."""

    def pause(seconds: float) -> Awaitable[None]:
        return _pause(seconds, renew, renew_every)

    async def attempt() -> None:
        while (wait := max((w.delay() for w in target.windows), default=0.0)) > 0:
            await pause(wait)
        await renew()
        for window in target.windows:  # no await since the check: no other send slips in
            window.note()
        await target.send(message, ref)

    def backoff(exc: Exception, failures: int) -> float | None:
        if not isinstance(exc, DeliveryError):
            return None
        wait = exc.wait_s if exc.wait_s is not None else BACKOFF_S * 2 ** (failures - 1)
        if not exc.retry or failures > RETRIES or wait > 2 * base.minute():
            return None
        log.info("%s: %s; retrying in %.1f s", target.label, exc.detail, wait)
        return wait

    await retrying(attempt, backoff, pause)


async def _pause(seconds: float, renew: Callable[[], Awaitable[None]], renew_every: float) -> None:
    """Sleep `seconds`, renewing the lease every `renew_every` seconds meanwhile."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        await asyncio.sleep(min(left, renew_every))
        await renew()


async def _tell_admins_once(bot: Bot, state: BotState, target: Target, date: str, run: int,
                            error: str) -> None:
    """Tell the admins, once per delivery run across processes, that a target keeps failing."""
    if not await asyncio.to_thread(posts.claim_once, state.db,
                                   f"target-failed:{date}:{target.key}:{run}"):
        return
    await tell(bot, state.db, state.settings.admin_ids, lambda lang: target_status.delivery_failed(
        lang, target.kind, target.label, date, target.redact(error)))
