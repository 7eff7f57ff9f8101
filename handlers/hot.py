"""/hot [日期]: the terms rising, new and fading in the 7 days ending a date, and its buttons.

As in handlers/user.py, the storage call runs in a worker thread. A button under /hot names its
term by the period and its place in a list (`h:w:20260329:r3`: the 4th rising term's timeline),
so callback data stays far below Telegram's 64 bytes whatever the term; the answer for that
period is kept per index generation, so pressing a button costs no recount.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING

from telegram import Update

from bot import render
from bot.render import hot as hot_render
from bot.state import Context
from handlers import readers, user
from handlers.common import pressed, reply, today_in_zone, words
from storage import readers as reader_store
from storage.hot import hot as hot_terms
from storage.hot import period_end
from storage.model import HotResult

if TYPE_CHECKING:
    from storage.backend import Database


async def hot(update: Update, context: Context) -> None:
    """/hot [日期]: the period ending that date (a date, or 上周, 2月...), default today in TIMEZONE."""
    state = context.bot_data
    asked = " ".join(words(context))
    today = dt.date.fromisoformat(today_in_zone(state.settings))
    until = period_end(asked, today)
    if until is None:
        await reply(update, context, render.date_error(context.lang, asked, "hot"))
        return
    result = await asyncio.to_thread(_hot, state.db, until, today.isoformat())
    await reply(update, context, hot_render.hot_reply(context.lang, result))


def _hot(db: Database, until: str, day: str) -> HotResult:
    """Return what is hot in the 7 days ending `until`; a /hot counts in the day's usage figures."""
    result = hot_terms(db, until)
    reader_store.record_use(db, day, "hot", until)
    return result


async def hot_button(update: Update, context: Context) -> None:
    """A button under /hot: the term's /what timeline (h:w:...) or /trend chart (h:t:...)."""
    callback, data = pressed(update)
    _, action, compact, code = data.split(":", 3)
    try:
        result = await asyncio.to_thread(hot_terms, context.bot_data.db,
                                         f"{compact[:4]}-{compact[4:6]}-{compact[6:]}")
    except ValueError:  # not a date: not a button this bot made
        await callback.answer()
        return
    term = hot_render.term_of_button(result, code)
    await callback.answer()
    if term is None:  # the archive changed since: the list is not the same any more
        await reply(update, context, hot_render.hot_reply(context.lang, result))
        return
    context.args = term.term.split()
    await (user.what if action == "w" else readers.trend)(update, context)
