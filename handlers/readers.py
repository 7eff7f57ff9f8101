"""Reader commands: /subscribe /unsubscribe /settings /watch /unwatch /watches /trend /week, inline mode."""

from __future__ import annotations

import asyncio
import datetime as dt

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot import chart
from bot.render import readers as reader_render
from bot.send import send_photo
from bot.state import Context
from handlers.common import reply, today_in_zone
from storage import readers
from storage import search as index_search
from storage.categories import CANONICAL, canonical_category
from storage.stories import week_board

INLINE_CACHE_S = 60


def _private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def subscribe(update: Update, context: Context) -> None:
    """/subscribe [分类...]: the daily digest in private, only those categories (none = all)."""
    if not _private(update):
        await reply(update, context, reader_render.private_only("subscribe"))
        return
    names = [a for arg in context.args for a in arg.replace("，", ",").split(",") if a.strip()]
    chosen = [canonical_category(n) for n in names]
    unknown = [n for n, c in zip(names, chosen, strict=True) if c is None]
    if unknown:
        await reply(update, context, reader_render.unknown_categories(unknown))
        return
    reader = readers.subscribe(context.bot_data.db, update.effective_chat.id, chosen)
    await reply(update, context, reader_render.subscribed(reader))


async def unsubscribe(update: Update, context: Context) -> None:
    """/unsubscribe: stop the private daily digest."""
    was = readers.unsubscribe(context.bot_data.db, update.effective_chat.id)
    await reply(update, context, reader_render.unsubscribed(was))


async def settings(update: Update, context: Context) -> None:
    """/settings: the subscription and its categories, with toggle buttons."""
    if not _private(update):
        await reply(update, context, reader_render.private_only("settings"))
        return
    await reply(update, context, reader_render.settings_view(
        readers.get_reader(context.bot_data.db, update.effective_chat.id)))


async def settings_button(update: Update, context: Context) -> None:
    """A /settings button: toggle a category (`r:c:N`, `r:c:-` = all) or the subscription (`r:s:1|0`)."""
    callback = update.callback_query
    db = context.bot_data.db
    chat_id = callback.message.chat.id
    _, kind, value = callback.data.split(":")
    reader = readers.get_reader(db, chat_id)
    current = list(reader.categories) if reader else []
    if kind == "c":
        if value == "-":
            current = []
        else:
            category = CANONICAL[int(value)]
            current = [c for c in current if c != category] if category in current \
                else [*current, category]
        reader = readers.subscribe(db, chat_id, current)
    elif value == "1":
        reader = readers.subscribe(db, chat_id, current)
    else:
        readers.unsubscribe(db, chat_id)
        reader = readers.get_reader(db, chat_id)
    view = reader_render.settings_view(reader)
    await callback.answer("已更新")
    try:
        await callback.edit_message_text(view.text, reply_markup=view.keyboard)
    except BadRequest as exc:  # the same view again: Telegram refuses an identical edit
        if "not modified" not in str(exc):
            raise


async def watch(update: Update, context: Context) -> None:
    """/watch 关键词: one private alert when a new digest mentions it (up to 20 keywords)."""
    if not _private(update):
        await reply(update, context, reader_render.private_only("watch"))
        return
    keyword = " ".join(context.args)
    if index_search.searchable_length(keyword) < 2:
        await reply(update, context, reader_render.watch_usage("watch"))
        return
    db = context.bot_data.db
    status = readers.add_watch(db, update.effective_chat.id, keyword)
    await reply(update, context, reader_render.watch_added(
        " ".join(keyword.split()), status, readers.watches_of(db, update.effective_chat.id)))


async def unwatch(update: Update, context: Context) -> None:
    """/unwatch 关键词: stop alerts for a keyword."""
    keyword = " ".join(context.args)
    if not keyword.strip():
        await reply(update, context, reader_render.watch_usage("unwatch"))
        return
    removed = readers.remove_watch(context.bot_data.db, update.effective_chat.id, keyword)
    await reply(update, context, reader_render.watch_removed(" ".join(keyword.split()), removed))


async def watches(update: Update, context: Context) -> None:
    """/watches: the reader's watched keywords."""
    await reply(update, context, reader_render.watch_list(
        readers.watches_of(context.bot_data.db, update.effective_chat.id)))


async def trend(update: Update, context: Context) -> None:
    """/trend 关键词: a PNG of mentions per week over the archive, the figures in the caption."""
    query = " ".join(context.args)
    db = context.bot_data.db
    result = index_search.weekly_counts(db, query)
    readers.record_use(db, today_in_zone(context.bot_data.settings), "trend", result.query)
    text = reader_render.trend_text(result)
    if text is not None:
        await reply(update, context, text)
        return
    weeks = [chart.WeekCount(week, items) for week, items in result.weeks]
    font = chart.cjk_font_path(context.bot_data.settings.trend_font)
    png = await asyncio.to_thread(chart.trend_png, result.query, weeks, font)
    await send_photo(context.bot, update.effective_chat.id, png,
                     reader_render.trend_caption(result))


async def week(update: Update, context: Context) -> None:
    """/week [YYYY-MM-DD]: the stories of the 7 days ending that date (default: the newest digest)."""
    db = context.bot_data.db
    asked = " ".join(context.args)
    end = index_search.parse_date(asked) if asked else index_search.newest_date(db)
    if asked and end is None:
        await reply(update, context, reader_render.plain_date_error(asked))
        return
    if end is None:
        await reply(update, context, reader_render.week_board([], "—", "—"))
        return
    start = (dt.date.fromisoformat(end) - dt.timedelta(days=6)).isoformat()
    await reply(update, context, reader_render.week_board(week_board(db, end), start, end))


async def inline_query(update: Update, context: Context) -> None:
    """Inline mode (@Bot 关键词): up to 20 matching items to share; empty: the newest headlines."""
    query = update.inline_query.query.strip()
    db = context.bot_data.db
    if index_search.searchable_length(query) >= 2:
        items = index_search.search(db, query, limit=reader_render.INLINE_RESULTS).items
        readers.record_use(db, today_in_zone(context.bot_data.settings), "inline", query)
    else:
        newest = index_search.newest_date(db)
        found = index_search.digest_on(db, newest) if newest else None
        items = found[1] if found else []
    await update.inline_query.answer(reader_render.inline_results(items),
                                     cache_time=INLINE_CACHE_S, is_personal=False)
