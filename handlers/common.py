"""What every handler needs: who is an admin, today's date, sending replies.

The index and the settings come with the context: `context.bot_data` is the
application's `BotState` (bot/state.py), so a handler reads
`context.bot_data.db` and `context.bot_data.settings`. Storage calls go through
`asyncio.to_thread`, so the event loop is never held by a query.

Before any handler runs, `pick_language` sets `context.lang`: the language this
update's user reads (their /lang choice, else their Telegram client's), which
handlers pass to every render call.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import CallbackQuery, Chat, InlineQuery, Message, Update, User
from telegram.constants import ChatType

from bot import render
from bot.config import Settings
from bot.i18n import translations_for
from bot.render import admin as admin_render
from bot.send import send
from bot.state import Context
from storage import readers

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
ECHO_LIMIT = 64  # characters of a user's argument a reply quotes back
ECHO_NAMES = 5  # names of a list a reply quotes back


def echoed(text: str) -> str:
    """Return `text` (a user's argument) as a reply quotes it: at most ECHO_LIMIT characters,
    shortened with "…", so a reply stays within Telegram's limits whatever was sent."""
    return text if len(text) <= ECHO_LIMIT else text[:ECHO_LIMIT - 1].rstrip() + "…"


def echoed_names(names: list[str]) -> list[str]:
    """Return the first ECHO_NAMES of `names` as a reply quotes them, "…" standing for the rest."""
    return [echoed(n) for n in names[:ECHO_NAMES]] + (["…"] if len(names) > ECHO_NAMES else [])


def today_in_zone(settings: Settings) -> str:
    """Return today's date in the configured time zone."""
    return dt.datetime.now(settings.tz).date().isoformat()


def is_admin(update: Update, context: Context) -> bool:
    """Return True if the sender is listed in ADMIN_IDS."""
    user = update.effective_user
    return user is not None and user.id in context.bot_data.settings.admin_ids


def thread_of(update: Update) -> int | None:
    """Return the forum topic the update came from (None: not inside a topic).

    As PTB's Message.reply_* helpers do: a group's reply chain has a
    message_thread_id too, but only a topic message's can be sent to.
    """
    message = update.effective_message
    return message.message_thread_id if message is not None and message.is_topic_message else None


async def reply(update: Update, context: Context,
                replies: list[render.Reply] | render.Reply) -> None:
    """Send replies to the chat the update came from (inside its forum topic, if any), in order."""
    for message in replies if isinstance(replies, list) else [replies]:
        await send(context.bot, chat_of(update).id, message, thread_of(update))


async def pick_language(update: object, context: Context) -> None:
    """Set `context.lang` for this update: the user's /lang choice (kept in memory for a minute,
    so most updates cost no query), else their client's language_code; Chinese without a user."""
    user = update.effective_user if isinstance(update, Update) else None
    if user is None:
        return
    state = context.bot_data
    choice = state.language_choices.get(user.id)
    if choice is None:
        choice = await asyncio.to_thread(readers.language_choice, state.db, user.id)
        state.language_choices.put(user.id, choice)
    context.lang = translations_for(choice, user.language_code)


def button_number(text: str, limit: int) -> int | None:
    """Return the number in a button's data (ASCII digits, below `limit`), or None: the data of a
    button can be edited by whoever presses it."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(limit)):
        return None
    number = int(text)
    return number if number < limit else None


async def unknown_button(update: Update, context: Context) -> None:
    """A press this bot cannot act on (data no keyboard of it sends, tampered, or a button on an
    inline message): answered with a short notice, so the button stops spinning."""
    if update.callback_query is not None:
        await update.callback_query.answer(render.button_unknown(context.lang))


def chat_button(handler: Handler) -> Handler:
    """Wrap a button handler: a press that came without its message's chat (a button on an inline
    message: no keyboard of this bot is there) or without data (PTB hands a press with empty data
    to every pattern's handler) is answered by `unknown_button` instead."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: Context) -> None:
        callback = update.callback_query
        if callback is None or not callback.data or update.effective_chat is None:
            await unknown_button(update, context)
            return
        await handler(update, context)

    return wrapper


def admin_only(handler: Handler) -> Handler:
    """Wrap an admin command: anyone else gets a polite refusal that reveals nothing; an admin
    in a group is told to use it in private (its answers hold figures for admins only)."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: Context) -> None:
        callback = update.callback_query
        if not is_admin(update, context):
            if callback:
                await callback.answer(render.admin_only_alert(context.lang))
            else:
                await reply(update, context, render.admin_only(context.lang))
            return
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            if callback:
                await callback.answer(admin_render.in_private_only_alert(context.lang))
            else:
                await reply(update, context, admin_render.in_private_only(context.lang))
            return
        await handler(update, context)

    return wrapper


# --- what an update carries, for the handlers that are only registered for updates that carry it ---


def words(context: Context) -> list[str]:
    """Return the words after a command's name (none for an update that is not a command)."""
    return context.args or []


def chat_of(update: Update) -> Chat:
    """Return the chat an update came from (every command, message and keyboard press has one)."""
    if update.effective_chat is None:
        raise ValueError(f"update {update.update_id} came from no chat")
    return update.effective_chat


def sender(update: Update) -> User:
    """Return who sent an update (every command, message, press and inline query has someone)."""
    if update.effective_user is None:
        raise ValueError(f"update {update.update_id} has no sender")
    return update.effective_user


def message_of(update: Update) -> Message:
    """Return the message of an update that a MessageHandler or a CommandHandler was given."""
    if update.effective_message is None:
        raise ValueError(f"update {update.update_id} has no message")
    return update.effective_message


def pressed(update: Update) -> tuple[CallbackQuery, str]:
    """Return a button press and its data, for a CallbackQueryHandler (its pattern matched the
    data, so there is some)."""
    if update.callback_query is None:
        raise ValueError(f"update {update.update_id} is not a button press")
    return update.callback_query, update.callback_query.data or ""


def inline_of(update: Update) -> InlineQuery:
    """Return the inline query of an update an InlineQueryHandler was given."""
    if update.inline_query is None:
        raise ValueError(f"update {update.update_id} is not an inline query")
    return update.inline_query
