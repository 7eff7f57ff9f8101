"""Scheduled posts: the daily digest (channel and subscribers), the Monday story board, re-scans.

Retries until 23:00 and catch-up after a restart; exactly-once bookkeeping.

Each message of a post is recorded in SQLite right after Telegram confirms it,
and a post continues from the first unrecorded message. A restart between two
messages therefore neither repeats nor skips one; only a message in flight at
the instant of a crash (sent, but not yet recorded) can be sent twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from telegram import Bot
from telegram.ext import Application, ContextTypes

from bot import render
from bot.config import Settings
from bot.readers import deliver_subscriptions, notify_watches
from bot.render import readers as reader_render
from bot.send import send
from storage import posts
from storage.index import scan_dir
from storage.search import digest_on
from storage.stories import week_board

log = logging.getLogger(__name__)
DAILY_JOB, RETRY_JOB, RESCAN_JOB = "daily-post", "daily-post-retry", "rescan"
WEEKLY_JOB = "weekly-board"  # PTB's run_daily counts days from Sunday = 0, so Monday is 1
RETRY_EVERY_S = 600
GIVE_UP_AT = dt.time(23, 0)


@dataclass(frozen=True)
class PostOutcome:
    """What a post attempt did: "posted", "already" (posted before), "missing" (no digest)."""

    status: str
    date: str
    sent: int = 0
    total: int = 0


def _lock(app_data: dict, key: str) -> asyncio.Lock:
    locks = app_data.setdefault("post_locks", {})
    return locks.setdefault(key, asyncio.Lock())


async def post_digest(bot: Bot, app_data: dict, date: str, chat_id: str | int,
                      force: bool = False) -> PostOutcome:
    """Post the digest of `date` to `chat_id`, continuing an interrupted post; once unless `force`."""
    found = digest_on(app_data["db"], date)
    if found is None:
        return PostOutcome("missing", date)
    return await post_messages(bot, app_data, date, chat_id, render.channel_post(*found), force)


async def post_messages(bot: Bot, app_data: dict, key: str, chat_id: str | int,
                        messages: list[str], force: bool = False) -> PostOutcome:
    """Send `messages` to `chat_id` once per `key` (a date, or "week:DATE"), continuing a post
    that was interrupted; `force` starts a new run after a finished one.

    Several bot processes may share the database: the one holding the post's
    lease sends (renewing it before each message); the others get "busy" and
    retry later. If the sender dies, its lease expires after LEASE_SECONDS and
    another process continues from the first unrecorded message.
    """
    db = app_data["db"]
    chat = str(chat_id)
    lease, owner = f"post:{key}:{chat}", app_data["worker"]
    seconds = app_data["settings"].lease_seconds
    async with _lock(app_data, f"{key}:{chat}"):
        if not posts.acquire_lease(db, lease, owner, seconds):
            return PostOutcome("busy", key, 0, len(messages))
        try:
            run = posts.start_run(db, key, chat, len(messages), force=force)
            if run.completed_at is not None:
                return PostOutcome("already", key, 0, len(messages))
            done = posts.sent_sequence_numbers(db, run)
            sent = 0
            for seq, text in enumerate(messages):
                if seq in done:
                    continue
                if not posts.acquire_lease(db, lease, owner, seconds):  # too slow: another took over
                    return PostOutcome("busy", key, sent, len(messages))
                message = await send(bot, chat_id, render.Reply(text))
                posts.record_message(db, run, seq, message.message_id)
                sent += 1
            posts.complete_run(db, run)
        finally:
            posts.release_lease(db, lease, owner)
        log.info("posted %s to %s: %d of %d messages sent now", key, chat, sent, len(messages))
        return PostOutcome("posted", key, sent, len(messages))


def _retry_soon(context: ContextTypes.DEFAULT_TYPE, job, seconds: float) -> None:
    """Run `job` again in `seconds` (once: an already pending retry is kept)."""
    name = f"{job.__name__}-retry"
    if not context.job_queue.get_jobs_by_name(name):
        context.job_queue.run_once(job, seconds, name=name)


def post_time(app_data: dict) -> dt.time:
    """Return the daily post time: the one set with /schedule, else POST_TIME."""
    settings: Settings = app_data["settings"]
    saved = posts.get_setting(app_data["db"], "post_time")
    return dt.time.fromisoformat(saved) if saved else settings.post_time


def is_paused(app_data: dict) -> bool:
    """Return True if the daily post was paused with /pause."""
    return posts.get_setting(app_data["db"], "paused") == "1"


async def daily_post(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: post today's digest to the channel and to subscribers; if it is not there yet,
    re-scan and retry every 10 minutes until 23:00, then tell the admins once."""
    app_data = context.bot_data
    settings: Settings = app_data["settings"]
    db = app_data["db"]
    if is_paused(app_data):
        return
    now = dt.datetime.now(settings.tz)
    date = now.date().isoformat()
    if digest_on(db, date) is None:
        scan_once(app_data)
        await notify_watches(context.bot, app_data)
    if digest_on(db, date) is None:
        if now.time() < GIVE_UP_AT:
            if not context.job_queue.get_jobs_by_name(RETRY_JOB):
                context.job_queue.run_once(daily_post, RETRY_EVERY_S, name=RETRY_JOB)
            return
        if posts.claim_once(db, f"missing:{date}"):
            for admin in settings.admin_ids:
                await send(context.bot, admin, render.plain(
                    f"⚠️ 到 {GIVE_UP_AT:%H:%M} 仍没有 {date} 的日报，今天的频道发布已跳过。"
                    f"上传日报文件后可用 /push {date} 手动发布。"))
        return
    busy = False
    if settings.channel_id and not posts.is_posted(db, date, settings.channel_id):
        busy = (await post_digest(context.bot, app_data, date, settings.channel_id)).status == "busy"
    busy |= await deliver_subscriptions(context.bot, app_data, date) < 0
    if busy:  # another process is posting; check again once its lease could have expired
        _retry_soon(context, daily_post, settings.lease_seconds + 1)


async def rescan(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: index new or changed files in DIGEST_DIR, then alert the readers whose watches match.

    With several processes on one database, one scans at a time (a lease).
    """
    app_data = context.bot_data
    outcomes = scan_once(app_data)
    if outcomes is None:
        return
    for outcome in outcomes:
        if outcome.status != "unchanged":
            log.info("rescan: %s", outcome.line())
    await notify_watches(context.bot, app_data)


def scan_once(app_data: dict) -> list | None:
    """Re-scan DIGEST_DIR unless another process sharing the database is scanning (then None)."""
    db, owner = app_data["db"], app_data["worker"]
    if not posts.acquire_lease(db, "rescan", owner, app_data["settings"].lease_seconds):
        return None
    try:
        return scan_dir(db, app_data["settings"].digest_dir)
    finally:
        posts.release_lease(db, "rescan", owner)


def weekly_time(app_data: dict) -> dt.time | None:
    """Return when the weekly board is posted on Mondays: set with /weekly, else WEEKLY_POST."""
    saved = posts.get_setting(app_data["db"], "weekly_post")
    if saved == "off":
        return None
    return dt.time.fromisoformat(saved) if saved else app_data["settings"].weekly_post


async def weekly_post(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job (Mondays): post the story board of the 7 days that ended yesterday to the channel, once."""
    app_data = context.bot_data
    settings: Settings = app_data["settings"]
    if not settings.channel_id or weekly_time(app_data) is None:
        return
    end = dt.datetime.now(settings.tz).date() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=6)
    stories = week_board(app_data["db"], end.isoformat())
    if not stories:
        return
    messages = [r.text for r in reader_render.week_board(stories, start.isoformat(),
                                                         end.isoformat())]
    outcome = await post_messages(context.bot, app_data, f"week:{end.isoformat()}",
                                  settings.channel_id, messages)
    if outcome.status == "busy":
        _retry_soon(context, weekly_post, settings.lease_seconds + 1)


def schedule_weekly(app: Application) -> None:
    """(Re)schedule the Monday board; catch up when started on a Monday after its time."""
    settings: Settings = app.bot_data["settings"]
    queue = app.job_queue
    for job in queue.get_jobs_by_name(WEEKLY_JOB):
        job.schedule_removal()
    at = weekly_time(app.bot_data)
    if at is None:
        return
    queue.run_daily(weekly_post, time=at.replace(tzinfo=settings.tz), days=(1,), name=WEEKLY_JOB)
    now = dt.datetime.now(settings.tz)
    if now.weekday() == 0 and now.time() >= at:
        queue.run_once(weekly_post, 0, name=f"{WEEKLY_JOB}-catch-up")


def schedule_daily(app: Application) -> None:
    """(Re)schedule the daily post at the current post time; catch up if that time has passed today."""
    settings: Settings = app.bot_data["settings"]
    queue = app.job_queue
    for job in queue.get_jobs_by_name(DAILY_JOB):
        job.schedule_removal()
    at = post_time(app.bot_data).replace(tzinfo=settings.tz)
    queue.run_daily(daily_post, time=at, name=DAILY_JOB)
    if dt.datetime.now(settings.tz).time() >= at.replace(tzinfo=None):
        queue.run_once(daily_post, 0, name=RETRY_JOB)


def start_jobs(app: Application) -> None:
    """Schedule the daily post (with catch-up), the Monday board and the periodic re-scan."""
    settings: Settings = app.bot_data["settings"]
    schedule_daily(app)
    schedule_weekly(app)
    app.job_queue.run_repeating(rescan, interval=settings.rescan_minutes * 60, first=1,
                                name=RESCAN_JOB)
