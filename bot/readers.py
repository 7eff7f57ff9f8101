"""Delivery to readers in private chats: the daily digest to subscribers, keyword-watch alerts.

Both are exactly-once per reader: a subscriber's digest goes through the same
posts bookkeeping as the channel post (keyed by date and chat), and a watch
alert's items are recorded as sent right after Telegram confirms the message.
A reader who blocked the bot (403 Forbidden) is marked blocked and skipped from
then on, never retried.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import Forbidden, TelegramError

from bot import render
from bot.render import readers as reader_render
from bot.send import send
from storage import posts, readers
from storage.search import digest_on

log = logging.getLogger(__name__)


async def deliver_subscriptions(bot: Bot, app_data: dict, date: str) -> int:
    """Send the digest of `date` to every subscriber not yet served, their categories only.

    Returns how many readers got it now, or -1 if another process holds some
    reader's post (the caller retries). A subscriber whose categories have no
    item that day gets nothing.
    """
    from bot.schedule import post_messages  # schedule imports this module

    db = app_data["db"]
    found = digest_on(db, date)
    if found is None:
        return 0
    header, items = found
    served, busy = 0, False
    for reader in readers.subscribers(db):
        if posts.is_posted(db, date, str(reader.chat_id)):
            continue
        chosen = [i for i in items if not reader.categories or i.category in reader.categories]
        if not chosen:
            continue
        try:
            outcome = await post_messages(bot, app_data, date, reader.chat_id,
                                          render.channel_post(header, chosen))
        except Forbidden:
            log.info("subscriber %s blocked the bot; marked blocked", reader.chat_id)
            readers.mark_blocked(db, reader.chat_id)
            continue
        except TelegramError as exc:  # retried at the next daily run or restart
            log.warning("could not deliver %s to subscriber %s: %s", date, reader.chat_id,
                        type(exc).__name__)
            continue
        busy |= outcome.status == "busy"
        served += outcome.status == "posted"
    return -1 if busy else served


async def notify_watches(bot: Bot, app_data: dict) -> int:
    """Check newly indexed digests against every watch and send each reader one alert.

    Returns how many alerts were sent. The digests are marked checked only when
    no alert failed for a reason other than a block, so a failed alert is
    retried at the next scan (items already sent are never repeated).
    """
    db = app_data["db"]
    async with app_data.setdefault("watch_lock", asyncio.Lock()):
        owner = app_data["worker"]
        if not posts.acquire_lease(db, "watches", owner, app_data["settings"].lease_seconds):
            return 0  # another process is checking; it marks the digests it checked
        try:
            return await _notify(bot, db)
        finally:
            posts.release_lease(db, "watches", owner)


async def _notify(bot: Bot, db: object) -> int:
    """Send the alerts for the digests not yet checked; mark them checked unless one failed."""
    versions = readers.unscanned_digests(db)
    if not versions:
        return 0
    alerts = readers.watch_alerts(db, versions)
    sent, failed = 0, False
    for alert in alerts:
        try:
            await send(bot, alert.chat_id, reader_render.watch_alert(alert))
        except Forbidden:
            log.info("watcher %s blocked the bot; marked blocked", alert.chat_id)
            readers.mark_blocked(db, alert.chat_id)
            continue
        except TelegramError as exc:
            log.warning("could not send a watch alert to %s: %s", alert.chat_id,
                        type(exc).__name__)
            failed = True
            continue
        readers.record_alert(db, alert)
        sent += 1
    if not failed:
        readers.mark_scanned(db, versions)
    return sent
