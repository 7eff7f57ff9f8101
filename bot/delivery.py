"""Delivery: the daily post (channel and subscribers), watch alerts, the Monday board, re-scans.

The scheduler (bot/schedule.py) decides when these run; the admin commands
(handlers/admin.py) run them on demand. Both call this module.

Exactly once. Each message of a post is recorded in the database right after
Telegram confirms it, and a post continues from the first unrecorded message.
A restart between two messages therefore neither repeats nor skips one; only a
message in flight at the instant of a crash (sent, but not yet recorded) can be
sent twice. The subscribers' digests are bot/fanout.py's (concurrent, paced by one
budget, with the same guarantee), and a watch alert's items are recorded as sent
right after Telegram confirms the message. A reader who blocked the bot (403
Forbidden) is marked blocked and skipped from then on, never retried.

Several processes may share the database: leases (storage/posts.py) make one
of them post, scan or check watches at a time; within a process, the locks in
BotState do.

Nothing here holds the event loop: every storage call runs in a worker thread
(`asyncio.to_thread`, on that thread's own connection), and a scan or upload
is one such call, however long it takes; only sending is done on the loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import Bot
from telegram.error import Forbidden, TelegramError

from bot import fanout, present, render
from bot.i18n import translations_for
from bot.render import admin as admin_render
from bot.render import hot as hot_render
from bot.render import readers as reader_render
from bot.send import send, tell
from bot.state import BotState
from bot.targets import deliver as target_delivery
from bot.topics import topic_sender
from storage import posts, readers
from storage.digests import digest_on
from storage.hot import hot, mark_week_alerted, watch_notes
from storage.index import (
    IngestOutcome,
    IngestStatus,
    ingest_bytes,
    ingest_file,
    save_digest_file,
    scan_dir,
)
from storage.model import Found
from storage.posts import DayStatus, PostStatus
from storage.readers import WatchAlert
from storage.stories import week_board
from storage.topics import WEEK_TOPIC

if TYPE_CHECKING:
    from storage.backend import Database

log = logging.getLogger(__name__)
# A scan writes small batches and rests after each, so readers' writes (usage counts, saved
# searches) get SQLite's single write lock in between instead of waiting out the scan.
SCAN_PAUSE_S, SCAN_BATCH_ITEMS = 0.05, 300


@dataclass(frozen=True)
class PostOutcome:
    """What a post attempt did."""

    status: PostStatus
    date: str
    sent: int = 0
    total: int = 0


# --- posts: exactly once, under a lease ---------------------------------------------------------


async def post_digest(bot: Bot, state: BotState, date: str, chat_id: str | int,
                      force: bool = False) -> PostOutcome:
    """Post the digest of `date` to `chat_id` in CHANNEL_LANGUAGE, continuing an interrupted post;
    once unless `force`."""
    found = await asyncio.to_thread(digest_on, state.db, date)
    if found is None:
        return PostOutcome(PostStatus.MISSING, date)
    channel = state.settings.channel_lang
    # in a forum, each category into its own topic
    post = render.channel_post_topics(channel, *found, state.settings.web_url)
    return await post_messages(bot, state, date, chat_id, [text for _, text in post], force,
                               topics=[topic for topic, _ in post])


async def post_messages(bot: Bot, state: BotState, key: str, chat_id: str | int,
                        messages: list[str], force: bool = False,
                        topics: list[str | None] | None = None) -> PostOutcome:
    """Send `messages` to `chat_id` once per `key` (a date, or "week:DATE"), continuing a post
    that was interrupted; `force` starts a new run after a finished one. `topics`: each
    message's forum topic (bot/topics.py), used when the chat is a forum.

    The process holding the post's lease sends (renewing it before each
    message); the others get BUSY and retry later. If the sender dies, its
    lease expires after LEASE_SECONDS and another process continues from the
    first unrecorded message.
    """
    db = state.db
    chat = str(chat_id)
    lease, owner, seconds = f"post:{key}:{chat}", state.worker, state.settings.lease_seconds
    async with state.post_lock(f"{key}:{chat}"):
        if not await asyncio.to_thread(posts.acquire_lease, db, lease, owner, seconds):
            return PostOutcome(PostStatus.BUSY, key, 0, len(messages))
        try:
            run, done = await asyncio.to_thread(_start_run, db, key, chat, len(messages), force)
            if run.completed_at is not None:
                return PostOutcome(PostStatus.ALREADY, key, 0, len(messages))
            sent = 0
            send_to = topic_sender(bot, state, chat_id) if topics else None
            for seq, text in enumerate(messages):
                if seq in done:
                    continue
                if not await asyncio.to_thread(posts.acquire_lease, db, lease, owner, seconds):
                    return PostOutcome(PostStatus.BUSY, key, sent, len(messages))  # too slow: taken over
                message = await (send_to(topics[seq], render.Reply(text))
                                 if send_to is not None and topics is not None
                                 else send(bot, chat_id, render.Reply(text)))
                await asyncio.to_thread(posts.record_message, db, run, seq, message.message_id)
                sent += 1
            await asyncio.to_thread(posts.complete_run, db, run)
        finally:
            await asyncio.to_thread(posts.release_lease, db, lease, owner)
        log.info("posted %s to %s: %d of %d messages sent now", key, chat, sent, len(messages))
        return PostOutcome(PostStatus.POSTED, key, sent, len(messages))


def _start_run(db: Database, key: str, chat: str, total: int,
               force: bool) -> tuple[posts.PostRun, set[int]]:
    """Return the post's run (a new one if none, or if `force` after a finished one) and the
    sequence numbers of its messages already sent."""
    run = posts.start_run(db, key, chat, total, force=force)
    return run, (set() if run.completed_at is not None else posts.sent_sequence_numbers(db, run))


# --- the daily post ------------------------------------------------------------------------------


async def post_day(bot: Bot, state: BotState, date: str) -> DayStatus:
    """Post the digest of `date` to the channel and to subscribers, re-scanning DIGEST_DIR first
    if it is not indexed yet.

    Returns MISSING (no digest for `date`), BUSY (another process holds some post or some
    subscribers; retry later), RETRY (some other platform or some subscribers failed; retry in a
    while) or DONE. The other platforms (bot/targets/) get it concurrently with the Telegram
    posting; subscribers get it from bot/fanout.py, after the channel.
    """
    db, settings = state.db, state.settings
    if await asyncio.to_thread(digest_on, db, date) is None:
        await scan(state)
        await notify_watches(bot, state)
        if await asyncio.to_thread(digest_on, db, date) is None:
            return DayStatus.MISSING
    others = asyncio.create_task(target_delivery.deliver(bot, state, date))
    busy = retry = False
    try:
        if settings.channel_id and not await asyncio.to_thread(posts.is_posted, db, date,
                                                               settings.channel_id):
            busy = (await post_digest(bot, state, date, settings.channel_id)).status == PostStatus.BUSY
        subscribers = await fanout.deliver_subscriptions(bot, state, date)
        busy |= subscribers.status == DayStatus.BUSY
        retry = subscribers.status == DayStatus.RETRY
    finally:
        others_left = target_delivery.unfinished(await others)  # BUSY, RETRY or None
    if busy or others_left == DayStatus.BUSY:
        return DayStatus.BUSY
    return DayStatus.RETRY if retry or others_left == DayStatus.RETRY else DayStatus.DONE


async def report_missing_digest(bot: Bot, state: BotState, date: str, gave_up_at: dt.time) -> None:
    """Tell the admins, once per date across processes, that the day's post was skipped (each in
    the language they chose with /lang, else the last one their client sent)."""
    if not await asyncio.to_thread(posts.claim_once, state.db, f"missing:{date}"):
        return
    await tell(bot, state.db, state.settings.admin_ids,
               lambda lang: admin_render.missing_digest(lang, date, gave_up_at))


# --- the Monday board ----------------------------------------------------------------------------


async def post_week_board(bot: Bot, state: BotState, end: dt.date) -> PostOutcome:
    """Post the story board of the 7 days ending `end` to the channel (CHANNEL_LANGUAGE), once per
    week."""
    key = f"week:{end.isoformat()}"
    stories = await asyncio.to_thread(week_board, state.db, end.isoformat())
    if not stories:
        return PostOutcome(PostStatus.MISSING, key)
    start = present.week_span(end.isoformat()).start
    channel = state.settings.channel_lang
    messages = [r.text for r in reader_render.week_board(channel, stories, start,
                                                         end.isoformat())]
    # The week's new names and rising terms (what is hot), after the stories.
    if section := hot_render.board_section(channel, await asyncio.to_thread(hot, state.db,
                                                                           end.isoformat())):
        messages.append(section)
    return await post_messages(bot, state, key, state.settings.channel_id, messages,
                               topics=[WEEK_TOPIC] * len(messages))


# --- scans and watch alerts ----------------------------------------------------------------------


async def scan(state: BotState, started: Callable[[], Awaitable[object]] | None = None
               ) -> list[IngestOutcome] | None:
    """Re-scan DIGEST_DIR in a worker thread and return each file's outcome when it is done;
    None if another process sharing the database is scanning.

    One scan or upload at a time in this process (the others wait their turn).
    `started` is awaited once this process holds the scan, before it begins (/reindex says so).
    """
    db, owner, seconds = state.db, state.worker, state.settings.lease_seconds
    async with state.index_lock:
        if not await asyncio.to_thread(posts.acquire_lease, db, "rescan", owner, seconds):
            return None
        try:
            if started is not None:
                await started()
        except BaseException:
            await asyncio.to_thread(posts.release_lease, db, "rescan", owner)
            raise
        return await asyncio.to_thread(_scan_holding_lease, state)


def _scan_holding_lease(state: BotState) -> list[IngestOutcome]:
    """Scan DIGEST_DIR while holding the "rescan" lease, renewed while the scan commits its
    batches and re-extracts terms after an upgrade (either can outlast LEASE_SECONDS); release
    it at the end."""
    db, owner, seconds = state.db, state.worker, state.settings.lease_seconds
    directory = state.settings.digest_dir
    renewed = time.monotonic()

    def renew() -> None:  # called after each committed batch and each backfill chunk
        nonlocal renewed
        if time.monotonic() - renewed > seconds / 3:
            posts.acquire_lease(db, "rescan", owner, seconds)
            renewed = time.monotonic()

    try:
        return scan_dir(db, directory, pause_s=SCAN_PAUSE_S, batch_items=SCAN_BATCH_ITEMS,
                        on_progress=renew)
    finally:
        posts.release_lease(db, "rescan", owner)


async def index_upload(state: BotState, raw: bytes, name: str) -> tuple[IngestOutcome, Found | None]:
    """Index an uploaded digest in a worker thread, keep the file in DIGEST_DIR, and return the
    outcome and the digest as indexed (None if the file was rejected)."""
    async with state.index_lock:
        return await asyncio.to_thread(_index_upload, state.db, state.settings.digest_dir, raw, name)


def _index_upload(db: Database, directory: str, raw: bytes,
                  name: str) -> tuple[IngestOutcome, Found | None]:
    outcome = ingest_bytes(db, raw, name)
    if outcome.status == IngestStatus.REJECTED or outcome.date is None:  # (an accepted one has a date)
        return outcome, None
    saved = save_digest_file(directory, outcome.date, raw)
    if saved is not None:  # recorded as that day's file now (unchanged), as a scan would
        ingest_file(db, saved)
    return outcome, digest_on(db, outcome.date)


async def rescan(bot: Bot, state: BotState) -> list[IngestOutcome] | None:
    """Re-scan DIGEST_DIR, log what changed, then alert the readers whose watches match.

    Returns the scan's outcomes, or None if another process was scanning.
    """
    outcomes = await scan(state)
    if outcomes is None:  # another process is scanning; it checks the watches afterwards
        return None
    for outcome in outcomes:
        if outcome.status != IngestStatus.UNCHANGED:
            log.info("rescan: %s", outcome.line())
    await notify_watches(bot, state)
    return outcomes


async def notify_watches(bot: Bot, state: BotState) -> int:
    """Check newly indexed digests against every watch and send each reader one alert.

    Returns how many alerts were sent. The digests are marked checked only when
    no alert failed for a reason other than a block, so a failed alert is
    retried at the next scan (items already sent are never repeated).
    """
    db, owner, seconds = state.db, state.worker, state.settings.lease_seconds
    async with state.watch_lock:
        if not await asyncio.to_thread(posts.acquire_lease, db, "watches", owner, seconds):
            return 0  # another process is checking; it marks the digests it checked
        try:
            return await _notify(bot, db, dt.datetime.now(state.settings.tz).date())
        finally:
            await asyncio.to_thread(posts.release_lease, db, "watches", owner)


async def _notify(bot: Bot, db: Database, today: dt.date) -> int:
    """Send the alerts for the digests not yet checked; mark them checked unless one failed.

    A reader's first alert of the week says which of their keywords is rising this week, if one
    is (storage.hot.watch_notes: at most once a week)."""
    versions, alerts = await asyncio.to_thread(_pending_alerts, db)
    if not versions:
        return 0
    notes = await asyncio.to_thread(watch_notes, db, [alert.chat_id for alert in alerts], today)
    sent, failed = 0, False
    for alert in alerts:
        try:
            lang = translations_for(alert.language_choice, alert.client_language)
            note = notes.get(alert.chat_id)
            await send(bot, alert.chat_id, reader_render.watch_alert(
                lang, alert, hot_render.rising_note(lang, *note) if note else ""))
        except Forbidden:
            log.info("watcher %s blocked the bot; marked blocked", alert.chat_id)
            await asyncio.to_thread(readers.mark_blocked, db, alert.chat_id)
            continue
        except TelegramError as exc:
            log.warning("could not send a watch alert to %s: %s", alert.chat_id,
                        type(exc).__name__)
            failed = True
            continue
        await asyncio.to_thread(readers.record_alert, db, alert)
        await asyncio.to_thread(mark_week_alerted, db, alert.chat_id, today)
        sent += 1
    if not failed:
        await asyncio.to_thread(readers.mark_scanned, db, versions)
    return sent


def _pending_alerts(db: Database) -> tuple[list[tuple[str, str, str]], list[WatchAlert]]:
    """Return the digest versions not yet checked against the watches and the alerts they make."""
    versions = readers.unscanned_digests(db)
    return versions, (readers.watch_alerts(db, versions) if versions else [])
