"""Subscriber commands: /start /help /today /latest /search /category /what and their buttons.

Each handler parses its arguments, makes one storage call in a worker thread
(`asyncio.to_thread`: the event loop answers other readers meanwhile), renders
and replies. Where a command needs several queries, a small function below
makes them together, in that one call.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from telegram import Update
from telegram.error import BadRequest

from bot import render
from bot.state import Context
from handlers.common import (
    button_number,
    chat_button,
    echoed,
    is_admin,
    pressed,
    reply,
    today_in_zone,
    unknown_button,
    words,
)
from storage import digests, posts, readers
from storage import search as index_search
from storage.model import CategoryCount, Item, SearchResult, WhatResult
from storage.stories import what as what_happened

if TYPE_CHECKING:
    from storage.backend import Database

MAX_PAGE = 100_000  # a page number a button may carry (far past any archive's last page)


async def start(update: Update, context: Context) -> None:
    """/start and /help: what the bot does and every command with an example."""
    await reply(update, context, render.help_text(context.lang, is_admin(update, context)))


async def today(update: Update, context: Context) -> None:
    """/today [YYYY-MM-DD]: that day's digest; without a date today's, else the newest, saying so."""
    state, lang = context.bot_data, context.lang
    asked = " ".join(words(context))
    date = digests.parse_date(asked) if asked else today_in_zone(state.settings)
    if date is None:
        await reply(update, context, render.date_error(lang, echoed(asked), "today"))
        return
    found = await asyncio.to_thread(digests.day_with_neighbours, state.db, date, not asked)
    if found is None:
        await reply(update, context, render.no_digest(lang, date if asked else None))
        return
    newest = found.digest.date if found.digest.date != date else None  # fell back to the newest
    note = render.not_yet_published(lang, date, newest) if newest else ""
    await reply(update, context, render.today_messages(lang, found.digest, found.items, note=note,
                                                       web_url=state.settings.web_url))


async def latest(update: Update, context: Context) -> None:
    """/latest: headlines of the newest digest."""
    found = await asyncio.to_thread(digests.digest_or_newest, context.bot_data.db, None)
    if found is None:
        await reply(update, context, render.no_digest(context.lang, None))
        return
    await reply(update, context, render.latest_headlines(context.lang, *found,
                                                         context.bot_data.settings.web_url))


async def search(update: Update, context: Context) -> None:
    """/search 关键词: the first page of results with paging and category buttons."""
    state = context.bot_data
    query = " ".join(words(context))
    result, query_id = await asyncio.to_thread(_first_page, state.db, query,
                                               today_in_zone(state.settings))
    await reply(update, context, render.search_page(context.lang, result, query_id, 0, None,
                                                    state.settings.web_url))


def _first_page(db: Database, query: str, day: str) -> tuple[SearchResult, int]:
    """Return the first page of results for `query` and the id its buttons refer to (0 when the
    query was refused); a search counts in the day's usage figures."""
    result = index_search.search(db, query, limit=render.PAGE_SIZE)
    if result.message:
        return result, 0
    readers.record_use(db, day, "search", result.query)
    return result, posts.remember_query(db, query)


@chat_button
async def search_button(update: Update, context: Context) -> None:
    """A ◀ ▶ or category button under search results: edit the message to that page."""
    callback, data = pressed(update)
    _, query_text, page_text, code = data.split(":", 3)
    query_id = button_number(query_text, posts.QUERY_ID_MAX)
    page = button_number(page_text, MAX_PAGE)
    category = render.category_from_code(code)
    if query_id is None or page is None or (category is None and code != "-"):
        await unknown_button(update, context)
        return
    result = await asyncio.to_thread(_search_page, context.bot_data.db, query_id, category, page)
    if result is None:
        await callback.answer(render.search_expired(context.lang))
        return
    await callback.answer()
    await _edit(callback, render.search_page(context.lang, result, query_id, page, category,
                                             context.bot_data.settings.web_url))


def _search_page(db: Database, query_id: int, category: str | None,
                 page: int) -> SearchResult | None:
    """Return page `page` of the saved search `query_id`, or None if it is no longer saved."""
    query = posts.recall_query(db, query_id)
    if query is None:
        return None
    return index_search.search(db, query, category=category, limit=render.PAGE_SIZE,
                               offset=page * render.PAGE_SIZE)


async def category(update: Update, context: Context) -> None:
    """/category [名称]: a keyboard of categories with counts, or the newest items of one."""
    db = context.bot_data.db
    name = " ".join(words(context))
    if not name:
        counts, ids = await asyncio.to_thread(_category_menu, db)
        await reply(update, context, render.category_menu(context.lang, counts, ids))
        return
    resolved, items, total, query_id = await asyncio.to_thread(_category_first_page, db, name)
    if resolved is None:
        await reply(update, context, render.unknown_category(context.lang, echoed(name)))
        return
    await reply(update, context, render.category_page(context.lang, resolved, items, total, 0,
                                                      query_id))


def _category_menu(db: Database) -> tuple[list[CategoryCount], dict[str, int]]:
    """Return the categories with their counts, and the saved-query id of each for its button."""
    counts = digests.categories(db)
    return counts, {c.name: posts.remember_query(db, f"category:{c.name}") for c in counts}


def _category_first_page(db: Database, name: str) -> tuple[str | None, list[Item], int, int]:
    """Return (category, its newest items, its item count, saved-query id); the category is None
    when `name` is not one."""
    resolved, items, total = digests.category_items(db, name, limit=render.PAGE_SIZE)
    if resolved is None:
        return None, [], 0, 0
    return resolved, items, total, posts.remember_query(db, f"category:{resolved}")


@chat_button
async def category_button(update: Update, context: Context) -> None:
    """A category or paging button: edit the message to that category's page."""
    callback, data = pressed(update)
    _, query_text, page_text = data.split(":", 2)
    query_id = button_number(query_text, posts.QUERY_ID_MAX)
    page = button_number(page_text, MAX_PAGE)
    if query_id is None or page is None:
        await unknown_button(update, context)
        return
    resolved, items, total = await asyncio.to_thread(_category_page, context.bot_data.db,
                                                     query_id, page)
    await callback.answer()
    if resolved is None:
        await _edit(callback, render.category_gone(context.lang))
        return
    await _edit(callback, render.category_page(context.lang, resolved, items, total, page,
                                               query_id))


def _category_page(db: Database, query_id: int, page: int) -> tuple[str | None, list[Item], int]:
    """Return page `page` of the category saved as `query_id` (category None if unknown)."""
    saved = posts.recall_query(db, query_id) or ""
    return digests.category_items(db, saved.removeprefix("category:"),
                                  limit=render.PAGE_SIZE, offset=page * render.PAGE_SIZE)


async def what(update: Update, context: Context) -> None:
    """/what 名称: the story timeline of a company or product."""
    state = context.bot_data
    result = await asyncio.to_thread(_what, state.db, " ".join(words(context)),
                                     today_in_zone(state.settings))
    await reply(update, context, render.what_timeline(context.lang, result, state.settings.web_url))


def _what(db: Database, name: str, day: str) -> WhatResult:
    """Return the stories about `name`; a lookup counts in the day's usage figures."""
    result = what_happened(db, name)
    if not result.message:
        readers.record_use(db, day, "what", result.query)
    return result


async def _edit(callback, page_reply: render.Reply) -> None:
    try:
        await callback.edit_message_text(page_reply.text, reply_markup=page_reply.keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():  # the same page pressed twice is fine
            raise
