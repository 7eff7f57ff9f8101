"""The daily channel post: scheduling, retries until 23:00, catch-up, exactly-once bookkeeping.

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
from bot.send import send
from storage import posts
from storage.index import scan_dir
from storage.search import digest_on

log = logging.getLogger(__name__)
DAILY_JOB, RETRY_JOB, RESCAN_JOB = "daily-post", "daily-post-retry", "rescan"
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
    db = app_data["db"]
    chat = str(chat_id)
    async with _lock(app_data, f"{date}:{chat}"):
        found = digest_on(db, date)
        if found is None:
            return PostOutcome("missing", date)
        messages = render.channel_post(*found)
        run = posts.start_run(db, date, chat, len(messages), force=force)
        if run.completed_at is not None:
            return PostOutcome("already", date, 0, len(messages))
        done = posts.sent_sequence_numbers(db, run)
        sent = 0
        for seq, text in enumerate(messages):
            if seq in done:
                continue
            message = await send(bot, chat_id, render.Reply(text))
            posts.record_message(db, run, seq, message.message_id)
            sent += 1
        posts.complete_run(db, run)
        log.info("posted %s to %s: %d of %d messages sent now", date, chat, sent, len(messages))
        return PostOutcome("posted", date, sent, len(messages))


def post_time(app_data: dict) -> dt.time:
    """Return the daily post time: the one set with /schedule, else POST_TIME."""
    settings: Settings = app_data["settings"]
    saved = posts.get_setting(app_data["db"], "post_time")
    if saved:
        hours, minutes = map(int, saved.split(":"))
        return dt.time(hours, minutes)
    return settings.post_time


def is_paused(app_data: dict) -> bool:
    """Return True if the daily post was paused with /pause."""
    return posts.get_setting(app_data["db"], "paused") == "1"


async def daily_post(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: post today's digest to the channel; if it is not there yet, re-scan and retry."""
    app_data = context.bot_data
    settings: Settings = app_data["settings"]
    if is_paused(app_data) or not settings.channel_id:
        return
    now = dt.datetime.now(settings.tz)
    date = now.date().isoformat()
    if posts.is_posted(app_data["db"], date, settings.channel_id):
        return
    outcome = await post_digest(context.bot, app_data, date, settings.channel_id)
    if outcome.status == "missing":
        scan_dir(app_data["db"], settings.digest_dir)
        outcome = await post_digest(context.bot, app_data, date, settings.channel_id)
    if outcome.status != "missing":
        return
    if now.time() < GIVE_UP_AT:
        if not context.job_queue.get_jobs_by_name(RETRY_JOB):
            context.job_queue.run_once(daily_post, RETRY_EVERY_S, name=RETRY_JOB)
        return
    if posts.claim_once(app_data["db"], f"missing:{date}"):
        for admin in settings.admin_ids:
            await send(context.bot, admin, render.plain(
                f"⚠️ 到 {GIVE_UP_AT:%H:%M} 仍没有 {date} 的日报，今天的频道发布已跳过。"
                f"上传日报文件后可用 /push {date} 手动发布。"))


async def rescan(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: index new or changed files in DIGEST_DIR."""
    outcomes = scan_dir(context.bot_data["db"], context.bot_data["settings"].digest_dir)
    for outcome in outcomes:
        if outcome.status != "unchanged":
            log.info("rescan: %s", outcome.line())


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
    """Schedule the daily post (with catch-up) and the periodic re-scan of DIGEST_DIR."""
    settings: Settings = app.bot_data["settings"]
    schedule_daily(app)
    app.job_queue.run_repeating(rescan, interval=settings.rescan_minutes * 60, first=1,
                                name=RESCAN_JOB)
