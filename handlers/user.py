"""Subscriber commands: /start /help /today /latest /search /category /what and their buttons."""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest

from bot import render
from bot.state import Context
from handlers.common import is_admin, reply, today_in_zone
from storage import posts, readers
from storage import search as index_search
from storage.stories import what as what_happened


async def start(update: Update, context: Context) -> None:
    """/start and /help: what the bot does and every command with an example."""
    await reply(update, context, render.help_text(is_admin(update, context)))


async def today(update: Update, context: Context) -> None:
    """/today [YYYY-MM-DD]: that day's digest; without a date today's, else the newest, saying so."""
    db = context.bot_data.db
    asked = " ".join(context.args)
    if asked:
        date = index_search.parse_date(asked)
        if date is None:
            await reply(update, context, render.plain(f"日期格式不对：{asked}。请用 YYYY-MM-DD，"
                                                      "例如 /today 2026-02-08"))
            return
        found = index_search.digest_on(db, date)
        note = ""
    else:
        date = today_in_zone(context.bot_data.settings)
        found = index_search.digest_on(db, date)
        note = ""
        if found is None and (newest := index_search.newest_date(db)):
            found = index_search.digest_on(db, newest)
            note = f"今天（{date}）的日报还没有发布，以下是最新一期（{newest}）。"
    if found is None:
        await reply(update, context, render.no_digest(date if asked else None))
        return
    await reply(update, context, render.today_messages(*found, note=note))


async def latest(update: Update, context: Context) -> None:
    """/latest: headlines of the newest digest."""
    db = context.bot_data.db
    newest = index_search.newest_date(db)
    found = index_search.digest_on(db, newest) if newest else None
    if found is None:
        await reply(update, context, render.no_digest(None))
        return
    await reply(update, context, render.latest_headlines(*found))


async def search(update: Update, context: Context) -> None:
    """/search 关键词: the first page of results with paging and category buttons."""
    query = " ".join(context.args)
    db = context.bot_data.db
    result = index_search.search(db, query, limit=render.PAGE_SIZE)
    if not result.message:
        readers.record_use(db, today_in_zone(context.bot_data.settings), "search", result.query)
    query_id = posts.remember_query(db, query) if not result.message else 0
    await reply(update, context, render.search_page(result, query_id, 0, None))


async def search_button(update: Update, context: Context) -> None:
    """A ◀ ▶ or category button under search results: edit the message to that page."""
    callback = update.callback_query
    _, query_id, page, code = callback.data.split(":", 3)
    db = context.bot_data.db
    query = posts.recall_query(db, int(query_id))
    if query is None:
        await callback.answer("这条搜索已过期，请重新搜索。")
        return
    category = render.category_from_code(code)
    result = index_search.search(db, query, category=category, limit=render.PAGE_SIZE,
                                 offset=int(page) * render.PAGE_SIZE)
    page_reply = render.search_page(result, int(query_id), int(page), category)
    await callback.answer()
    await _edit(callback, page_reply)


async def category(update: Update, context: Context) -> None:
    """/category [名称]: a keyboard of categories with counts, or the newest items of one."""
    db = context.bot_data.db
    name = " ".join(context.args)
    if not name:
        counts = index_search.categories(db)
        ids = {c.name: posts.remember_query(db, f"category:{c.name}") for c in counts}
        await reply(update, context, render.category_menu(counts, ids))
        return
    resolved, items, total = index_search.category_items(db, name, limit=render.PAGE_SIZE)
    if resolved is None:
        await reply(update, context, render.plain(f"未知分类：{name}。可用分类：政策、模型、产品、"
                                                  "投融资、行业，或发送 /category 选择。"))
        return
    query_id = posts.remember_query(db, f"category:{resolved}")
    await reply(update, context, render.category_page(resolved, items, total, 0, query_id))


async def category_button(update: Update, context: Context) -> None:
    """A category or paging button: edit the message to that category's page."""
    callback = update.callback_query
    _, query_id, page = callback.data.split(":", 2)
    db = context.bot_data.db
    saved = posts.recall_query(db, int(query_id)) or ""
    name = saved.removeprefix("category:")
    resolved, items, total = index_search.category_items(
        db, name, limit=render.PAGE_SIZE, offset=int(page) * render.PAGE_SIZE)
    await callback.answer()
    if resolved is None:
        await _edit(callback, render.plain("这个分类已不存在，请重新发送 /category。"))
        return
    await _edit(callback, render.category_page(resolved, items, total, int(page), int(query_id)))


async def what(update: Update, context: Context) -> None:
    """/what 名称: the story timeline of a company or product."""
    db = context.bot_data.db
    result = what_happened(db, " ".join(context.args))
    if not result.message:
        readers.record_use(db, today_in_zone(context.bot_data.settings), "what", result.query)
    await reply(update, context, render.what_timeline(result))


async def _edit(callback, page_reply: render.Reply) -> None:
    try:
        await callback.edit_message_text(page_reply.text, reply_markup=page_reply.keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():  # the same page pressed twice is fine
            raise
