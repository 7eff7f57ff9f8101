"""/card [YYYY-MM-DD] and the "🖼 长图" button under /today: the long image of a day's digest.

One storage call, then the drawing (bot/card.py), both in worker threads; the
card is sent as a file (document), not a photo: Telegram re-encodes a photo and
scales it to at most 1280 px on its longer side, so a 1080 x 2500 card would
arrive about 550 px wide and blurred; a file keeps every pixel for sharing.
Answered in the chat (and forum topic) it was asked in.
"""

from __future__ import annotations

import asyncio

from telegram import Update

from bot import card as card_image
from bot import chart, links, render
from bot.render import card as card_render
from bot.send import send_photo
from bot.state import Context
from handlers.common import (
    chat_button,
    chat_of,
    echoed,
    pressed,
    reply,
    thread_of,
    unknown_button,
    words,
)
from storage import digests


async def card(update: Update, context: Context) -> None:
    """/card [YYYY-MM-DD]: the long image of that day's digest (default: the newest)."""
    asked = " ".join(words(context))
    date = digests.parse_date(asked) if asked else None
    if asked and date is None:
        await reply(update, context, card_render.card_date_error(context.lang, echoed(asked)))
        return
    await _send_card(update, context, date, asked_for=bool(asked))


@chat_button
async def card_button(update: Update, context: Context) -> None:
    """The "🖼 长图" button under /today (`k:DATE`): the same card as /card DATE."""
    callback, data = pressed(update)
    date = digests.parse_date(data.removeprefix("k:"))
    if date is None:
        await unknown_button(update, context)
        return
    await callback.answer()
    await _send_card(update, context, date, asked_for=True)


async def _send_card(update: Update, context: Context, date: str | None, asked_for: bool) -> None:
    state = context.bot_data
    found = await asyncio.to_thread(digests.digest_or_newest, state.db, date)
    if found is None:
        await reply(update, context, render.no_digest(context.lang, date if asked_for else None))
        return
    header, items = found
    font = await asyncio.to_thread(chart.cjk_font_path, state.settings.trend_font)
    if font is None:
        await reply(update, context, card_render.card_unavailable(context.lang))
        return
    day_url = links.day_url(state.settings.web_url, header.date)
    footer = state.settings.card_footer or f"@{context.bot.username}"
    text = card_render.card_text(context.lang, header, items, footer, day_url)
    drawn = await asyncio.to_thread(card_image.card_png, text, font)
    await send_photo(context.bot, chat_of(update).id, drawn.png,
                     card_render.card_caption(context.lang, header, day_url), thread_of(update),
                     filename=f"digest-{header.date}.png", as_document=True)
