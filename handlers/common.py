"""What every handler needs: who is an admin, today's date, sending replies.

The index and the settings come with the context: `context.bot_data` is the
application's `BotState` (bot/state.py), so a handler reads
`context.bot_data.db` and `context.bot_data.settings`. Storage calls go through
`asyncio.to_thread`, so the event loop is never held by a query.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable

from telegram import Update

from bot import render
from bot.config import Settings
from bot.send import send
from bot.state import Context

Handler = Callable[[Update, Context], Awaitable[None]]


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
        await send(context.bot, update.effective_chat.id, message, thread_of(update))


def admin_only(handler: Handler) -> Handler:
    """Wrap an admin command: anyone else gets a polite refusal that reveals nothing."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: Context) -> None:
        if not is_admin(update, context):
            if update.callback_query:
                await update.callback_query.answer("抱歉，此操作仅限管理员。")
            else:
                await reply(update, context, render.plain("抱歉，这个命令仅限管理员使用。"))
            return
        await handler(update, context)

    return wrapper
