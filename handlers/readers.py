"""Reader commands: /subscribe /unsubscribe /settings /watch /unwatch /watches /lang /trend /week,
inline mode.

As in handlers/user.py, each handler makes one storage call in a worker thread;
/trend draws its chart in a thread too.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot import chart, present, render
from bot.i18n import LANGUAGES, Translations, translations_for
from bot.render import fanout as fanout_render
from bot.render import readers as reader_render
from bot.send import send_photo
from bot.state import Context
from handlers import ask
from handlers.common import (
    button_number,
    chat_button,
    chat_of,
    echoed,
    echoed_names,
    inline_of,
    pressed,
    reply,
    sender,
    thread_of,
    today_in_zone,
    unknown_button,
    words,
)
from storage import dates, digests, readers
from storage import search as index_search
from storage.categories import CANONICAL, canonical_category
from storage.model import Item, Refusal, Trend
from storage.readers import Reader, WatchStatus
from storage.stories import week_or_newest
from storage.text import searchable_length

if TYPE_CHECKING:
    from storage.backend import Database

INLINE_CACHE_S = 60


def _private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def subscribe(update: Update, context: Context) -> None:
    """/subscribe [分类...]: the daily digest in private, only those categories (none = all)."""
    if not _private(update):
        await reply(update, context, reader_render.private_only(context.lang, "subscribe"))
        return
    names = [a for arg in words(context) for a in arg.replace("，", ",").split(",") if a.strip()]
    resolved = [canonical_category(n) for n in names]
    unknown = [n for n, c in zip(names, resolved, strict=True) if c is None]
    chosen = [c for c in resolved if c is not None]
    if unknown:
        await reply(update, context, reader_render.unknown_categories(context.lang,
                                                                  echoed_names(unknown)))
        return
    reader = await asyncio.to_thread(_subscribe, context.bot_data.db, chat_of(update).id,
                                     chosen, sender(update).language_code)
    await reply(update, context, reader_render.subscribed(
        context.lang, reader, context.bot_data.settings.subscriber_format))


def _subscribe(db: Database, chat_id: int, categories: list[str], client: str | None) -> Reader:
    """Subscribe the reader, remembering their client's language for the digests sent to them."""
    readers.remember_client_language(db, chat_id, client)
    return readers.subscribe(db, chat_id, categories)


async def unsubscribe(update: Update, context: Context) -> None:
    """/unsubscribe: stop the private daily digest."""
    was = await asyncio.to_thread(readers.unsubscribe, context.bot_data.db,
                                  chat_of(update).id)
    await reply(update, context, reader_render.unsubscribed(context.lang, was))


async def settings(update: Update, context: Context) -> None:
    """/settings: the subscription and its categories, with toggle buttons."""
    if not _private(update):
        await reply(update, context, reader_render.private_only(context.lang, "settings"))
        return
    reader = await asyncio.to_thread(readers.get_reader, context.bot_data.db,
                                     chat_of(update).id)
    await reply(update, context, reader_render.settings_view(
        context.lang, reader, context.bot_data.settings.subscriber_format))


@chat_button
async def settings_button(update: Update, context: Context) -> None:
    """A /settings button: toggle a category (`r:c:N`, `r:c:-` = all), choose the format
    (`r:f:b` brief, `r:f:f` full) or the subscription (`r:s:1|0`); only in private (pressed in a
    group, it would subscribe the group: answered why not)."""
    callback, data = pressed(update)
    _, kind, value = data.split(":")
    if kind == "c" and value != "-" and button_number(value, len(CANONICAL)) is None:
        await unknown_button(update, context)
        return
    if not _private(update):
        await callback.answer(reader_render.private_only(context.lang, "settings").text)
        return
    reader = await asyncio.to_thread(_toggle, context.bot_data.db, chat_of(update).id,
                                     kind, value, callback.from_user.language_code)
    view = reader_render.settings_view(context.lang, reader,
                                       context.bot_data.settings.subscriber_format)
    await callback.answer(reader_render.settings_updated(context.lang))
    try:
        await callback.edit_message_text(view.text, reply_markup=view.keyboard)
    except BadRequest as exc:  # the same view again: Telegram refuses an identical edit
        if "not modified" not in str(exc):
            raise


def _toggle(db: Database, chat_id: int, kind: str, value: str, client: str | None) -> Reader | None:
    """Apply a /settings button to the reader of `chat_id`; return the reader as it is now."""
    readers.remember_client_language(db, chat_id, client)
    reader = readers.get_reader(db, chat_id)
    current = list(reader.categories) if reader else []
    if kind == "f":
        chosen = fanout_render.format_from_code(value)
        return readers.choose_format(db, chat_id, chosen) if chosen else reader
    if kind == "c":
        if value == "-":
            current = []
        else:
            category = CANONICAL[int(value)]
            current = [c for c in current if c != category] if category in current \
                else [*current, category]
        return readers.subscribe(db, chat_id, current)
    if value == "1":
        return readers.subscribe(db, chat_id, current)
    readers.unsubscribe(db, chat_id)
    return readers.get_reader(db, chat_id)


@chat_button
async def open_category(update: Update, context: Context) -> None:
    """A button under a brief daily digest (`o:DATE:KEY`, KEY a category_key; briefs sent before
    it name the category by its place in the day's digest: `o:DATE:N`): that day's category in
    full, in the reader's language."""
    callback, data = pressed(update)
    _, date, key = data.split(":")
    found = await asyncio.to_thread(digests.digest_on, context.bot_data.db, date)
    categories = fanout_render.day_categories(found[1]) if found else []
    place = button_number(key, len(categories))
    chosen = categories[place] if place is not None else next(
        (c for c in categories if fanout_render.category_key(c) == key), None)
    if found is None or chosen is None:
        await callback.answer(fanout_render.digest_gone(context.lang), show_alert=True)
        return
    await callback.answer()
    await reply(update, context, fanout_render.category_in_full(
        context.lang, *found, chosen, context.bot_data.settings.web_url))


async def watch(update: Update, context: Context) -> None:
    """/watch 关键词: one private alert when a new digest mentions it (up to 20 keywords)."""
    if not _private(update):
        await reply(update, context, reader_render.private_only(context.lang, "watch"))
        return
    keyword = " ".join(words(context))
    if searchable_length(keyword) < 2:
        await reply(update, context, reader_render.watch_usage(context.lang, "watch"))
        return
    status, watched = await asyncio.to_thread(_add_watch, context.bot_data.db,
                                              chat_of(update).id, keyword,
                                              sender(update).language_code)
    await reply(update, context, reader_render.watch_added(context.lang, " ".join(keyword.split()),
                                                           status, watched))


def _add_watch(db: Database, chat_id: int, keyword: str,
               client: str | None) -> tuple[WatchStatus, list[str]]:
    """Add a watch; return what happened (as readers.add_watch says) and the reader's watches.
    The reader's client language is remembered for their alerts."""
    readers.remember_client_language(db, chat_id, client)
    return readers.add_watch(db, chat_id, keyword), readers.watches_of(db, chat_id)


async def unwatch(update: Update, context: Context) -> None:
    """/unwatch 关键词: stop alerts for a keyword."""
    keyword = " ".join(words(context))
    if not keyword.strip():
        await reply(update, context, reader_render.watch_usage(context.lang, "unwatch"))
        return
    removed = await asyncio.to_thread(readers.remove_watch, context.bot_data.db,
                                      chat_of(update).id, keyword)
    shown = echoed(" ".join(keyword.split()))
    await reply(update, context, reader_render.watch_removed(context.lang, shown, removed))


async def watches(update: Update, context: Context) -> None:
    """/watches: the reader's watched keywords."""
    watched = await asyncio.to_thread(readers.watches_of, context.bot_data.db,
                                      chat_of(update).id)
    await reply(update, context, reader_render.watch_list(context.lang, watched))


async def lang(update: Update, context: Context) -> None:
    """/lang [zh|en|auto]: the language of the bot's replies to this user, remembered (auto = their
    Telegram app's); without an argument, the language in use."""
    state, user = context.bot_data, sender(update)
    asked = " ".join(words(context)).strip().lower()
    if not asked:
        choice = await asyncio.to_thread(readers.language_choice, state.db, user.id)
        await reply(update, context, reader_render.language_view(context.lang, choice))
        return
    if asked not in (*LANGUAGES, "auto"):
        await reply(update, context, reader_render.language_usage(context.lang, echoed(asked)))
        return
    choice = "" if asked == "auto" else asked
    await asyncio.to_thread(_choose_language, state.db, user.id, choice, user.language_code)
    state.language_choices.put(user.id, choice)
    context.lang = translations_for(choice, user.language_code)
    await reply(update, context, reader_render.language_set(context.lang, choice))


def _choose_language(db: Database, user_id: int, choice: str, client: str | None) -> None:
    """Remember the user's choice, and their client's language (for "auto" in what is sent later)."""
    readers.remember_client_language(db, user_id, client)
    readers.choose_language(db, user_id, choice)


async def trend(update: Update, context: Context) -> None:
    """/trend 关键词: a PNG of mentions per week over the archive, the figures in the caption."""
    state = context.bot_data
    result = await asyncio.to_thread(_weekly_counts, state.db, " ".join(words(context)),
                                     today_in_zone(state.settings))
    text = reader_render.trend_text(context.lang, result)
    if text is not None:
        await reply(update, context, text)
        return
    png = await asyncio.to_thread(_trend_png, result, state.settings.trend_font, context.lang)
    await send_photo(context.bot, chat_of(update).id, png,
                     reader_render.trend_caption(context.lang, result), thread_of(update))


def _weekly_counts(db: Database, query: str, day: str) -> Trend:
    """Return the mentions of `query` per week; a /trend counts in the day's usage figures."""
    result = index_search.weekly_counts(db, query)
    readers.record_use(db, day, "trend", result.query)
    return result


def _trend_png(result: Trend, preferred_font: str, lang: Translations) -> bytes:
    """Draw the /trend chart (finding a CJK font the first time) with labels in `lang`: seconds,
    so in a thread."""
    weeks = [chart.WeekCount(week, items) for week, items in result.weeks]
    return chart.trend_png(result.query, weeks, chart.cjk_font_path(preferred_font), lang)


async def week(update: Update, context: Context) -> None:
    """/week [YYYY-MM-DD]: the stories of the 7 days ending that date (default: the newest digest)."""
    asked = " ".join(words(context))
    end = digests.parse_date(asked) if asked else None
    if asked and end is None:
        await reply(update, context, render.date_error(context.lang, echoed(asked), "week"))
        return
    if end is not None and not dates.shifts_by_a_week(end):
        await reply(update, context, reader_render.week_out_of_range(context.lang, end,
                                                                     dates.EARLIEST, dates.LATEST))
        return
    end, stories = await asyncio.to_thread(week_or_newest, context.bot_data.db, end)
    if end is None:
        await reply(update, context, reader_render.week_board(context.lang, [], "—", "—"))
        return
    start = present.week_span(end).start
    await reply(update, context, reader_render.week_board(context.lang, stories, start, end))


async def inline_query(update: Update, context: Context) -> None:
    """Inline mode (@Bot 关键词): up to 20 matching items to share; empty: the newest headlines.

    A query that cannot be searched (exclusions only) gets no items and a button saying why. The
    results are in the asking user's language, so Telegram caches them per user.
    """
    state = context.bot_data
    query = inline_of(update).query.strip()
    items, refused = await asyncio.to_thread(_inline_items, state.db, query,
                                             today_in_zone(state.settings))
    await inline_of(update).answer(
        reader_render.inline_results(context.lang, items, state.settings.web_url),
        button=reader_render.inline_refusal(context.lang, refused),
        cache_time=INLINE_CACHE_S, is_personal=True)


def _inline_items(db: Database, query: str, day: str) -> tuple[list[Item], Refusal | None]:
    """Return the items to offer for an inline query (matches, or the newest digest's items) and
    why the query was refused (SearchResult.message), if it was. A query that reads as a question
    (上周 融资) is answered as one (handlers/ask.py)."""
    if (asked := ask.inline_items(db, query, day)) is not None:
        return asked, None
    if searchable_length(query) >= 2:
        result = index_search.search(db, query, limit=reader_render.INLINE_RESULTS)
        if not result.message:
            readers.record_use(db, day, "inline", query)
        return result.items, result.message
    found = digests.digest_or_newest(db, None)
    return (found[1] if found else []), None
