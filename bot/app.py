"""Builds the python-telegram-bot Application: every handler in one list, error handler, rate limiter."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import BotCommand, LinkPreviewOptions, MenuButtonWebApp, Update, WebAppInfo
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import render, schedule
from bot.broadcast import ReadersFirstRateLimiter
from bot.config import ConfigError, Settings
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, translations, translations_for
from bot.send import send
from bot.state import CONTEXT_TYPES, BotState, Context
from bot.updates import ChatOrderedUpdates
from handlers import admin, ask, card, common, hot, readers, user
from handlers.common import thread_of

if TYPE_CHECKING:
    from storage.backend import Database

log = logging.getLogger(__name__)
# Admin commands and uploads are run by new messages only: editing an old message into
# "/push ... force" must not post the digest again on every edit.
NEW_ONLY = filters.UpdateType.MESSAGE


def build_application(settings: Settings, db: Database,
                      request: BaseRequest | None = None, token: str | None = None,
                      with_jobs: bool = True) -> Application:
    """Return the bot, wired to `db`; `request` replaces HTTP (the offline shell uses this).

    Handlers and jobs get a `BotState` as `context.bot_data` (bot/state.py); updates of
    different chats are handled concurrently, one chat's in order (bot/updates.py).
    """
    builder = (
        ApplicationBuilder()
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(ChatOrderedUpdates())
        .token(token or settings.bot_token)
        .base_url(settings.api_url)
        .base_file_url(settings.file_api_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(ReadersFirstRateLimiter(max_retries=3))
    )
    if with_jobs:
        builder = builder.post_init(_post_init)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if not with_jobs:
        # PTB documents None as "no job queue"; its annotation names only JobQueue.
        builder = builder.job_queue(None)  # type: ignore[arg-type]
    app = builder.build()
    state: BotState = app.bot_data
    state.attach(db, settings)

    # First, for every update: the language of its replies (context.lang).
    app.add_handler(TypeHandler(Update, common.pick_language), group=-1)
    # In the order of /help.
    app.add_handler(CommandHandler(["start", "help"], user.start))
    app.add_handler(CommandHandler("today", user.today))
    app.add_handler(CommandHandler("latest", user.latest))
    app.add_handler(CommandHandler("card", card.card))
    app.add_handler(CommandHandler("search", user.search))
    app.add_handler(CommandHandler("category", user.category))
    app.add_handler(CommandHandler("what", user.what))
    app.add_handler(CommandHandler("ask", ask.ask))
    app.add_handler(CommandHandler("week", readers.week))
    app.add_handler(CommandHandler("trend", readers.trend))
    app.add_handler(CommandHandler("hot", hot.hot))
    app.add_handler(CommandHandler("subscribe", readers.subscribe))
    app.add_handler(CommandHandler("unsubscribe", readers.unsubscribe))
    app.add_handler(CommandHandler("settings", readers.settings))
    app.add_handler(CommandHandler("watch", readers.watch))
    app.add_handler(CommandHandler("unwatch", readers.unwatch))
    app.add_handler(CommandHandler("watches", readers.watches))
    app.add_handler(CommandHandler("lang", readers.lang))
    app.add_handler(CallbackQueryHandler(user.search_button, pattern=r"^s:\d+:\d+:[-\d]$"))
    app.add_handler(CallbackQueryHandler(user.category_button, pattern=r"^c:\d+:\d+$"))
    app.add_handler(CallbackQueryHandler(card.card_button, pattern=r"^k:\d{4}-\d{2}-\d{2}$"))
    app.add_handler(CallbackQueryHandler(hot.hot_button, pattern=r"^h:[wt]:\d{8}:[rn]\d{1,2}$"))
    app.add_handler(CallbackQueryHandler(readers.settings_button,
                                         pattern=r"^r:(c:[-\d]|s:[01]|f:[bf])$"))
    app.add_handler(CallbackQueryHandler(readers.open_category,
                                         pattern=r"^o:\d{4}-\d{2}-\d{2}:(\d{1,2}|k[0-9a-f]{8})$"))
    app.add_handler(CallbackQueryHandler(ask.ask_button, pattern=r"^a:\d{1,18}:\d{1,3}:[ct]{0,2}$"))
    app.add_handler(InlineQueryHandler(readers.inline_query))
    # Admin.
    app.add_handler(CommandHandler("push", admin.push, NEW_ONLY))
    app.add_handler(CommandHandler("preview", admin.preview, NEW_ONLY))
    app.add_handler(CommandHandler("reindex", admin.reindex, NEW_ONLY))
    app.add_handler(CommandHandler("remove", admin.remove, NEW_ONLY))
    app.add_handler(CommandHandler("stats", admin.stats, NEW_ONLY))
    app.add_handler(CommandHandler("targets", admin.targets, NEW_ONLY))
    app.add_handler(CommandHandler("pause", admin.pause, NEW_ONLY))
    app.add_handler(CommandHandler("resume", admin.resume, NEW_ONLY))
    app.add_handler(CommandHandler("schedule", admin.set_schedule, NEW_ONLY))
    app.add_handler(CommandHandler("weekly", admin.weekly, NEW_ONLY))
    app.add_handler(MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE & NEW_ONLY,
                                   admin.upload))
    app.add_handler(CallbackQueryHandler(admin.publish_button, pattern=r"^p:\d{4}-\d{2}-\d{2}$"))
    # Questions: plain text in private, a mention of the bot or a reply to it in a group; last,
    # an unknown command in private gets a hint.
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE,
                                   ask.private_text))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.GROUPS,
                                   ask.group_text))
    # (New messages only: an edited admin command is not "unknown", it is not run again.)
    app.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE & NEW_ONLY,
                                   ask.unknown_command))
    # Last: every other button press is answered too (tampered data, inline messages).
    app.add_handler(CallbackQueryHandler(common.unknown_button))
    app.add_error_handler(on_error)
    return app


def menu(language: str) -> list[BotCommand]:
    """Return the command menu (every command of /help with its description) in `language`."""
    lang = translations(language)
    return [BotCommand(name, lang.gettext(description))
            for name, description, _ in render.HELP_COMMANDS]


async def set_menus(app: Application) -> None:
    """Register the command menu: Chinese for everyone, English for clients set to English."""
    await app.bot.set_my_commands(menu(DEFAULT_LANGUAGE))
    for language in LANGUAGES:
        if language != DEFAULT_LANGUAGE:
            await app.bot.set_my_commands(menu(language), language_code=language)


async def _post_init(app: Application) -> None:
    await set_menus(app)
    web_url = app.bot_data.settings.web_url
    if web_url.startswith("https://"):  # Telegram opens Mini Apps over HTTPS only
        channel = app.bot_data.settings.channel_lang
        await app.bot.set_chat_menu_button(menu_button=MenuButtonWebApp(
            render.menu_button(channel), WebAppInfo(web_url + "/")))
    await schedule.start_jobs(app)


async def on_error(update: object, context: Context) -> None:
    """Log an unexpected error (update id and the exception, never the token) and apologise."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s: %s", update_id, type(context.error).__name__,
              exc_info=context.error)
    if not isinstance(update, Update):
        return
    # A new context: pick_language's choice is not on it; a kept /lang choice is, mostly.
    user = update.effective_user
    choice = context.bot_data.language_choices.get(user.id) if user else None
    lang = translations_for(choice or "", user.language_code if user else None)
    if update.callback_query:  # the button stops spinning (answering twice is refused: fine)
        try:
            await update.callback_query.answer(
                None if update.effective_chat else render.something_went_wrong(lang).text)
        except Exception:
            log.info("could not answer the button of update %s", update_id)
    if update.effective_chat:
        try:
            await send(context.bot, update.effective_chat.id, render.something_went_wrong(lang),
                       thread_of(update))
        except Exception:  # the apology is best effort; the bot keeps running
            log.warning("could not send the apology for update %s", update_id)


class _NoTraceback(logging.Filter):
    """Drop the traceback of python-telegram-bot's records that say it all without one: start-up
    failing (`run` reports why in one line) and a response that is not JSON (a proxy's page)."""

    WHOLE = ("Network Retry Loop (Bootstrap", "Can not load invalid JSON data")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith(self.WHOLE):
            record.exc_info, record.exc_text = None, None
        return True


class StartupError(Exception):
    """The bot could not start: the Bot API refused or failed a start-up call (one line, every
    secret redacted)."""


def run(settings: Settings, db: Database) -> None:
    """Run the bot: long polling, or a webhook server when WEBHOOK_URL is set.

    Raises ConfigError when Telegram rejects the token, StartupError when a start-up call fails
    otherwise (a proxy's error page, an unknown path): never a traceback quoting the token.
    """
    settings.require_bot()
    app = build_application(settings, db)
    for name in ("telegram.ext", "telegram.request.BaseRequest"):
        logging.getLogger(name).addFilter(_NoTraceback())
    try:
        if settings.webhook_url:
            from bot.webhook import run_webhook

            run_webhook(app, settings)
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:  # its message quotes the token: say what is wrong without it
        raise ConfigError("BOT_TOKEN was rejected by Telegram: expected the token @BotFather "
                          "gave you for this bot") from None
    except TelegramError as exc:  # PTB retries polling itself: this is start-up failing
        raise StartupError(startup_failure(settings, exc)) from None


def startup_failure(settings: Settings, exc: TelegramError) -> str:
    """Return one line saying why start-up failed: the error's kind and its text (whitespace
    collapsed, at most 300 characters), the token and every other secret replaced."""
    from bot.logs import RedactToken
    from bot.targets import target_secrets

    redact = RedactToken(settings.bot_token, [*target_secrets(settings), settings.mcp_token,
                                              settings.llm_api_key])
    text = redact.redact(" ".join(str(exc).split()))
    text = text if len(text) <= 300 else text[:299] + "…"
    return f"the Bot API at {redact.redact(settings.api_url)} failed: {type(exc).__name__}: {text}"
