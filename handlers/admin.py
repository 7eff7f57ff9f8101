"""Admin commands: /push /preview /reindex /remove /stats /targets /pause /resume /schedule /weekly,
digest uploads. Each answers only in private (handlers/common.py: admin_only)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time

from telegram import Document, Update
from telegram.error import TelegramError

from bot import delivery, render, schedule
from bot.config import parse_clock
from bot.i18n import Translations
from bot.render import admin as admin_render
from bot.render import fanout as fanout_render
from bot.render import target_status
from bot.state import BotState, Context
from bot.targets import deliver as target_delivery
from handlers.common import (
    admin_only,
    chat_button,
    message_of,
    pressed,
    reply,
    today_in_zone,
    unknown_button,
    words,
)
from storage import fanout, posts, readers
from storage import targets as target_records
from storage.digests import archive_stats, digest_or_newest, parse_date
from storage.index import IngestStatus, remove_day

log = logging.getLogger(__name__)
MAX_UPLOAD_MB = 2
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024


def _date_and_force(args: list[str], default: str) -> tuple[str | None, bool]:
    force = any(a.lower() == "force" for a in args)
    rest = [a for a in args if a.lower() != "force"]
    return (parse_date(rest[0]) if rest else default), force


@admin_only
async def push(update: Update, context: Context) -> None:
    """/push [DATE] [force]: post a digest to the channel and every other platform now (once per
    day and target unless force); the other platforms are served concurrently with the channel."""
    settings, state, lang = context.bot_data.settings, context.bot_data, context.lang
    date, force = _date_and_force(words(context), today_in_zone(settings))
    if date is None:
        await reply(update, context, admin_render.push_usage(lang))
        return
    if not settings.channel_id and not state.targets:
        await reply(update, context, admin_render.no_channel(lang))
        return
    others = asyncio.create_task(target_delivery.deliver(context.bot, state, date, force=force))
    try:
        if settings.channel_id:
            outcome = await delivery.post_digest(context.bot, state, date, settings.channel_id,
                                                 force=force)
    finally:
        outcomes = await others
    if outcomes:
        await reply(update, context, target_status.push_report(lang, date, outcomes))
    if not settings.channel_id:
        return
    await reply(update, context, admin_render.push_outcome(lang, outcome.status, date, outcome.sent))


@admin_only
async def preview(update: Update, context: Context) -> None:
    """/preview [DATE]: send the channel post (default: the newest digest's) to the admin only, in
    the channel's language."""
    date, _ = _date_and_force(words(context), "")
    found = None
    if date is not None:
        found = await asyncio.to_thread(digest_or_newest, context.bot_data.db, date or None)
    if found is None:
        await reply(update, context, render.no_digest(context.lang, date or None))
        return
    channel = context.bot_data.settings.channel_lang
    await reply(update, context, [render.Reply(text) for text in render.channel_post(
        channel, *found, context.bot_data.settings.web_url)])


@admin_only
async def reindex(update: Update, context: Context) -> None:
    """/reindex: re-scan DIGEST_DIR (in a worker thread; readers are answered meanwhile) and
    report what changed when it is done (a scan of a big archive takes a while: say so at once)."""
    lang = context.lang
    outcomes = await delivery.scan(context.bot_data, started=lambda: reply(
        update, context, admin_render.reindex_started(lang)))
    if outcomes is None:
        await reply(update, context, admin_render.scan_busy(lang))
        return
    await reply(update, context, admin_render.reindex_report(lang, outcomes))
    await delivery.notify_watches(context.bot, context.bot_data)


@admin_only
async def stats(update: Update, context: Context) -> None:
    """/stats: the archive, posts made, schedules, subscribers, watches and the week's queries."""
    state = context.bot_data
    week_ago = dt.date.fromisoformat(today_in_zone(state.settings)) - dt.timedelta(days=6)
    figures = await asyncio.to_thread(_stats_figures, state, week_ago.isoformat(), context.lang)
    await reply(update, context, admin_render.stats(context.lang, *figures))


def _stats_figures(state: BotState, since: str, lang: Translations) -> tuple:
    """Return the arguments of admin_render.stats after `lang`: archive, posts, paused, post time,
    readers (since `since`), weekly board time (None when off), the other platforms' lines, the
    fan-out to subscribers' line (None before the first)."""
    db = state.db
    weekly = schedule.weekly_time(state)
    targets = [(t.kind, t.label) for t in state.targets]
    states = target_records.target_states(db, [t.key for t in state.targets])
    progress = fanout.progress(db, time.time())
    return (archive_stats(db), posts.post_stats(db), schedule.is_paused(state),
            f"{schedule.post_time(state):%H:%M}", readers.reader_stats(db, since),
            f"{weekly:%H:%M}" if weekly else None, target_status.stats_lines(lang, targets, states),
            fanout_render.progress_line(lang, progress) if progress else None)


@admin_only
async def targets(update: Update, context: Context) -> None:
    """/targets: the platforms the digest goes to beside Telegram, each with its last delivery,
    a delivery in progress and its last error (shown by kind and fingerprint, never the URL)."""
    state = context.bot_data
    states = await asyncio.to_thread(target_records.target_states, state.db,
                                     [t.key for t in state.targets])
    await reply(update, context, target_status.targets_list(
        context.lang, [(t.kind, t.label) for t in state.targets], states))


@admin_only
async def pause(update: Update, context: Context) -> None:
    """/pause: stop the daily post until /resume."""
    await asyncio.to_thread(posts.set_setting, context.bot_data.db, "paused", "1")
    await reply(update, context, admin_render.paused(context.lang))


@admin_only
async def resume(update: Update, context: Context) -> None:
    """/resume: restart the daily post."""
    await asyncio.to_thread(posts.set_setting, context.bot_data.db, "paused", "0")
    await reply(update, context, admin_render.resumed(context.lang))


@admin_only
async def set_schedule(update: Update, context: Context) -> None:
    """/schedule HH:MM: change the daily post time (persisted)."""
    at = parse_clock(" ".join(words(context)))
    if at is None:
        await reply(update, context, admin_render.schedule_usage(context.lang))
        return
    value = f"{at:%H:%M}"
    await asyncio.to_thread(posts.set_setting, context.bot_data.db, "post_time", value)
    await schedule.schedule_daily(context.application)
    tz = context.bot_data.settings.timezone
    await reply(update, context, admin_render.schedule_changed(context.lang, value, tz))


@admin_only
async def weekly(update: Update, context: Context) -> None:
    """/weekly [HH:MM|off]: when the Monday story board goes to the channel (persisted)."""
    text = " ".join(words(context)).strip().lower()
    if text:
        at = parse_clock(text)
        if text != "off" and at is None:
            await reply(update, context, admin_render.weekly_usage(context.lang))
            return
        value = "off" if text == "off" else f"{at:%H:%M}"
        await asyncio.to_thread(posts.set_setting, context.bot_data.db, "weekly_post", value)
        await schedule.schedule_weekly(context.application)
    at = await asyncio.to_thread(schedule.weekly_time, context.bot_data)
    await reply(update, context, admin_render.weekly_post_setting(context.lang,
                                                                  f"{at:%H:%M}" if at else None))


@admin_only
async def upload(update: Update, context: Context) -> None:
    """A digest file sent by an admin in private: validate, index (in a worker thread), preview
    with a publish button."""
    lang = context.lang
    document = message_of(update).document
    if document is None:  # (never: the handler is registered for documents only)
        return
    if document.file_size and document.file_size > MAX_UPLOAD_BYTES:
        await reply(update, context, admin_render.upload_too_large(lang, MAX_UPLOAD_MB))
        return
    try:
        raw = await _download(document)
    except TelegramError as exc:  # e.g. Telegram's "file is too big", a network failure
        log.warning("could not download an upload: %s", type(exc).__name__)
        await reply(update, context, admin_render.download_failed(lang, type(exc).__name__))
        return
    if raw is None:
        await reply(update, context, admin_render.upload_too_large(lang, MAX_UPLOAD_MB))
        return
    outcome, found = await delivery.index_upload(context.bot_data, raw,
                                                 document.file_name or "upload.md")
    await reply(update, context, admin_render.upload_result(lang, outcome.line(),
                                                            outcome.status != IngestStatus.REJECTED,
                                                            outcome.date))
    if found is not None:  # the preview: as the channel will read it
        channel = context.bot_data.settings.channel_lang
        await reply(update, context, [render.Reply(text) for text in render.channel_post(
            channel, *found, context.bot_data.settings.web_url)])
        await delivery.notify_watches(context.bot, context.bot_data)


async def _download(document: Document) -> bytes | None:
    """Return the uploaded file's bytes, or None if it is over MAX_UPLOAD_BYTES: the limit holds on
    the bytes downloaded, whatever size Telegram states (it may state none)."""
    telegram_file = await document.get_file()
    if telegram_file.file_size and telegram_file.file_size > MAX_UPLOAD_BYTES:
        return None
    raw = bytes(await telegram_file.download_as_bytearray())
    return raw if len(raw) <= MAX_UPLOAD_BYTES else None


@admin_only
async def remove(update: Update, context: Context) -> None:
    """/remove YYYY-MM-DD: take that day's digest out of the index (in a worker thread); its
    files in DIGEST_DIR stay out of later scans until they change."""
    state, lang = context.bot_data, context.lang
    date = parse_date(" ".join(words(context))) if words(context) else None
    if date is None:
        await reply(update, context, admin_render.remove_usage(lang))
        return
    async with state.index_lock:
        removed = await asyncio.to_thread(remove_day, state.db, date)
    await reply(update, context, admin_render.day_removed(lang, date) if removed
                else render.no_digest(lang, date))


@chat_button
@admin_only
async def publish_button(update: Update, context: Context) -> None:
    """The "publish now" button under an upload preview."""
    callback, data = pressed(update)
    date = parse_date(data.split(":", 1)[1])
    if date is None:
        await unknown_button(update, context)
        return
    settings = context.bot_data.settings
    if not settings.channel_id:
        await callback.answer(admin_render.no_channel_alert(context.lang), show_alert=True)
        return
    await callback.answer(admin_render.publishing_alert(context.lang))
    outcome = await delivery.post_digest(context.bot, context.bot_data, date, settings.channel_id)
    await reply(update, context, admin_render.publish_outcome(context.lang, outcome.status, date,
                                                              outcome.sent))
