"""When things run (PTB's JobQueue): the daily post, the Monday story board, periodic re-scans.

The daily post fires at the post time (set with /schedule, else POST_TIME),
catches up after a restart past that time, and while the day's digest is
missing retries every 10 minutes until 23:00, then tells the admins once. The
posting itself (exactly once, under leases) is bot/delivery.py's.

The saved times are read with `post_time` and friends, plain functions that
query the database: call them from the event loop through `asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import Application, JobQueue

from bot import delivery
from bot.state import BotState, Context
from storage import posts
from storage.posts import DayStatus, PostStatus

DAILY_JOB, RETRY_JOB, RESCAN_JOB = "daily-post", "daily-post-retry", "rescan"
WEEKLY_JOB = "weekly-board"  # PTB's run_daily counts days from Sunday = 0, so Monday is 1
RETRY_EVERY_S = 600
GIVE_UP_AT = dt.time(23, 0)

Job = Callable[[Context], Coroutine[Any, Any, None]]


def _jobs(queue: JobQueue[Any] | None) -> JobQueue[Any]:
    """Return the bot's job queue: every bot that schedules these jobs has one (only
    build_application(with_jobs=False) builds one without, and it schedules nothing)."""
    if queue is None:
        raise RuntimeError("the bot was built without a job queue (with_jobs=False)")
    return queue


def post_time(state: BotState) -> dt.time:
    """Return the daily post time: the one set with /schedule, else POST_TIME."""
    saved = posts.get_setting(state.db, "post_time")
    return dt.time.fromisoformat(saved) if saved else state.settings.post_time


def is_paused(state: BotState) -> bool:
    """Return True if the daily post was paused with /pause."""
    return posts.get_setting(state.db, "paused") == "1"


def weekly_time(state: BotState) -> dt.time | None:
    """Return when the weekly board is posted on Mondays: set with /weekly, else WEEKLY_POST."""
    saved = posts.get_setting(state.db, "weekly_post")
    if saved == "off":
        return None
    return dt.time.fromisoformat(saved) if saved else state.settings.weekly_post


def _retry_soon(context: Context, job: Job, seconds: float) -> None:
    """Run `job` again in `seconds` (once: an already pending retry is kept)."""
    name = f"{job.__name__}-retry"
    if not _jobs(context.job_queue).get_jobs_by_name(name):
        _jobs(context.job_queue).run_once(job, seconds, name=name)


async def daily_post(context: Context) -> None:
    """Job: post today's digest to the channel and to subscribers; if it is not there yet,
    retry every 10 minutes until 23:00, then tell the admins once."""
    state = context.bot_data
    if await asyncio.to_thread(is_paused, state):
        return
    now = dt.datetime.now(state.settings.tz)
    date = now.date().isoformat()
    status = await delivery.post_day(context.bot, state, date)
    if status == DayStatus.MISSING:
        if now.time() < GIVE_UP_AT:
            if not _jobs(context.job_queue).get_jobs_by_name(RETRY_JOB):
                _jobs(context.job_queue).run_once(daily_post, RETRY_EVERY_S, name=RETRY_JOB)
            return
        await delivery.report_missing_digest(context.bot, state, date, GIVE_UP_AT)
    elif status == DayStatus.BUSY:  # another process is posting; check again once its lease could expire
        _retry_soon(context, daily_post, state.settings.lease_seconds + 1)
    elif status == DayStatus.RETRY:  # another platform failed (钉钉 blocks 10 minutes): go on later
        _retry_soon(context, daily_post, RETRY_EVERY_S)


async def weekly_post(context: Context) -> None:
    """Job (Mondays): post the story board of the 7 days that ended yesterday to the channel, once."""
    state = context.bot_data
    if not state.settings.channel_id or await asyncio.to_thread(weekly_time, state) is None:
        return
    end = dt.datetime.now(state.settings.tz).date() - dt.timedelta(days=1)
    outcome = await delivery.post_week_board(context.bot, state, end)
    if outcome.status == PostStatus.BUSY:
        _retry_soon(context, weekly_post, state.settings.lease_seconds + 1)


async def rescan(context: Context) -> None:
    """Job: index new or changed files in DIGEST_DIR, then alert the readers whose watches match."""
    await delivery.rescan(context.bot, context.bot_data)


async def schedule_weekly(app: Application) -> None:
    """(Re)schedule the Monday board; catch up when started on a Monday after its time."""
    state: BotState = app.bot_data
    at = await asyncio.to_thread(weekly_time, state)
    queue = _jobs(app.job_queue)
    for job in queue.get_jobs_by_name(WEEKLY_JOB):
        job.schedule_removal()
    if at is None:
        return
    tz = state.settings.tz
    queue.run_daily(weekly_post, time=at.replace(tzinfo=tz), days=(1,), name=WEEKLY_JOB)
    now = dt.datetime.now(tz)
    if now.weekday() == 0 and now.time() >= at:
        queue.run_once(weekly_post, 0, name=f"{WEEKLY_JOB}-catch-up")


async def schedule_daily(app: Application) -> None:
    """(Re)schedule the daily post at the current post time; catch up if that time has passed today."""
    state: BotState = app.bot_data
    tz = state.settings.tz
    at = (await asyncio.to_thread(post_time, state)).replace(tzinfo=tz)
    queue = _jobs(app.job_queue)
    for job in queue.get_jobs_by_name(DAILY_JOB):
        job.schedule_removal()
    queue.run_daily(daily_post, time=at, name=DAILY_JOB)
    if dt.datetime.now(tz).time() >= at.replace(tzinfo=None):
        queue.run_once(daily_post, 0, name=RETRY_JOB)


async def start_jobs(app: Application) -> None:
    """Schedule the daily post (with catch-up), the Monday board and the periodic re-scan."""
    state: BotState = app.bot_data
    await schedule_daily(app)
    await schedule_weekly(app)
    _jobs(app.job_queue).run_repeating(rescan, interval=state.settings.rescan_minutes * 60, first=1,
                                name=RESCAN_JOB)
