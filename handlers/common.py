"""What every handler needs: the index, the settings, who is an admin, and sending replies."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable

import sqlite_utils
from telegram import Update
from telegram.ext import ContextTypes

from bot import render
from bot.config import Settings
from bot.send import send

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def db_of(context: ContextTypes.DEFAULT_TYPE) -> sqlite_utils.Database:
    """Return the index the application was built with."""
    return context.bot_data["db"]


def settings_of(context: ContextTypes.DEFAULT_TYPE) -> Settings:
    """Return the application's settings."""
    return context.bot_data["settings"]


def today_in_zone(settings: Settings) -> str:
    """Return today's date in the configured time zone."""
    return dt.datetime.now(settings.tz).date().isoformat()


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Return True if the sender is listed in ADMIN_IDS."""
    user = update.effective_user
    return user is not None and user.id in settings_of(context).admin_ids


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE,
                replies: list[render.Reply] | render.Reply) -> None:
    """Send replies to the chat the update came from, in order."""
    for message in replies if isinstance(replies, list) else [replies]:
        await send(context.bot, update.effective_chat.id, message)


def admin_only(handler: Handler) -> Handler:
    """Wrap an admin command: anyone else gets a polite refusal that reveals nothing."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not is_admin(update, context):
            if update.callback_query:
                await update.callback_query.answer("抱歉，此操作仅限管理员。")
            else:
                await reply(update, context, render.plain("抱歉，这个命令仅限管理员使用。"))
            return
        await handler(update, context)

    return wrapper
