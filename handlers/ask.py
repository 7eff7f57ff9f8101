"""Questions: `/ask 问题`, plain text in a private chat, a group message that mentions the bot or
replies to it, the answer's buttons, inline queries that read as questions, and the hint for an
unknown command.

Each handler reads the question once (storage/understand.py, today in TIMEZONE), answers it from
the archive in a worker thread (storage/answer.py) and replies with the view that fits
(bot/render/ask.py). The question is saved with the day it was asked, so the buttons under the
answer read it again exactly as it was read then.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError

from bot import chart
from bot.llm import MAX_ITEMS
from bot.present import question as questions
from bot.render import PAGE_SIZE
from bot.render import ask as ask_render
from bot.send import send_photo
from bot.state import Context
from handlers.common import chat_button, reply, thread_of, today_in_zone
from storage import posts, quotas, readers
from storage.answer import Answer, answer
from storage.model import Item
from storage.understand import MAX_QUESTION_CHARS, understand

if TYPE_CHECKING:
    from storage.backend import Database

SAVED_PREFIX = "ask:"
SUMMARIZED = ("list", "story", "day")  # the shapes an AI answer opens (not a count's chart)


@dataclass(frozen=True)
class Asked:
    """A question answered for a chat: the answer, the id its buttons refer to (0: none), the
    question as sent (for the site's link) and how it was widened."""

    answer: Answer
    query_id: int
    text: str
    flags: str = ""


def ask_text(db: Database, text: str, day: str, page: int = 0, flags: str = "",
             remember: bool = True) -> Asked:
    """Return the answer to `text` asked on `day` (YYYY-MM-DD), page `page`, widened by `flags`;
    a question counts in the day's usage figures, and is saved for its buttons (`remember`)."""
    text = " ".join(text.split())[:MAX_QUESTION_CHARS + 1]  # one more: the reading says it was cut
    question = questions.widen(understand(text, dt.date.fromisoformat(day)), flags)
    found = answer(db, question, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    query_id = 0
    if not question.refusal and remember:
        readers.record_use(db, day, "ask", question.text)
        query_id = posts.remember_query(db, f"{SAVED_PREFIX}{day}:{text}")
    return Asked(found, query_id, text, flags)


def recall(db: Database, query_id: int, page: int, flags: str) -> Asked | None:
    """Return page `page` of the saved question `query_id` widened by `flags`, read as on the day
    it was asked; None when it is no longer saved."""
    saved = posts.recall_query(db, query_id)
    if saved is None or not saved.startswith(SAVED_PREFIX):
        return None
    day, _, text = saved.removeprefix(SAVED_PREFIX).partition(":")
    asked = ask_text(db, text, day, page, flags, remember=False)
    return Asked(asked.answer, query_id, text, flags)


async def answer_question(update: Update, context: Context, text: str) -> None:
    """Answer `text` in the chat it came from: the view that fits under the reading line, opening
    with an AI answer when one is configured (and the reader's daily quota allows)."""
    state, lang, chat = context.bot_data, context.lang, update.effective_chat
    if chat is None:
        return
    day = today_in_zone(state.settings)
    asked = await asyncio.to_thread(ask_text, state.db, text, day)
    found, web_url = asked.answer, state.settings.web_url
    if found.shape == "count" and found.found and found.trend is not None:
        weeks = [chart.WeekCount(week, n) for week, n in found.trend.weeks]
        png = await asyncio.to_thread(chart.trend_png, found.trend.query, weeks,
                                      chart.cjk_font_path(state.settings.trend_font), lang)
        await send_photo(context.bot, chat.id, png,
                         ask_render.count_caption(lang, found, web_url, asked.text), thread_of(update))
        return
    summary, quota = None, None
    user = update.effective_user
    if state.summarizer is not None and user is not None and found.found \
            and found.shape in SUMMARIZED:
        limit = state.settings.llm_daily_per_user
        items = await asyncio.to_thread(_items_for_model, state.db, found, day, user.id, limit)
        if items is None:
            quota = limit
        else:
            with contextlib.suppress(TelegramError):  # "typing…" while the model writes
                await context.bot.send_chat_action(chat.id, ChatAction.TYPING,
                                                   message_thread_id=thread_of(update))
            summary = await state.summarizer.summarize(found.question.text, items, lang.code)
    await reply(update, context, ask_render.answer_replies(lang, found, asked.query_id, 0, "",
                                                           web_url, asked.text, summary, quota))


def _items_for_model(db: Database, found: Answer, day: str, user_id: int,
                     limit: int) -> list[Item] | None:
    """Return the items an AI answer is written from (the answer's first MAX_ITEMS, newest
    first), or None when the reader's daily quota is used up (one use is counted otherwise)."""
    if not quotas.take_ai_answer(db, day, user_id, limit):
        return None
    if found.shape == "list":
        return answer(db, found.question, limit=MAX_ITEMS).items
    if found.shape == "story":
        return sorted(found.items, key=lambda item: item.id or 0, reverse=True)[:MAX_ITEMS]
    return found.items[:MAX_ITEMS]


async def ask(update: Update, context: Context) -> None:
    """/ask 问题: answer a question in any chat."""
    text = " ".join(context.args or [])
    if not text.strip():
        await reply(update, context, ask_render.ask_usage(context.lang))
        return
    await answer_question(update, context, text)


async def private_text(update: Update, context: Context) -> None:
    """Plain text in a private chat: a question."""
    message = update.effective_message
    if message is not None and message.text:
        await answer_question(update, context, message.text)


async def group_text(update: Update, context: Context) -> None:
    """A group message: answered when it mentions the bot (@username ...) or replies to one of its
    messages; other chatter is left alone."""
    message = update.effective_message
    if message is None or not message.text:
        return
    text = message.text
    mention = f"@{context.bot.username}"
    replied = message.reply_to_message
    to_bot = replied is not None and replied.from_user is not None \
        and replied.from_user.id == context.bot.id
    if mention.lower() not in text.lower() and not to_bot:
        return
    at = text.lower().find(mention.lower())
    question = text if at < 0 else text[:at] + text[at + len(mention):]
    await answer_question(update, context, question)


@chat_button
async def ask_button(update: Update, context: Context) -> None:
    """A button under an answer (`a:QUERY_ID:PAGE:FLAGS`): page, or widen the question."""
    callback = update.callback_query
    if callback is None or callback.data is None:
        return
    _, query_id, page, flags = callback.data.split(":", 3)
    asked = await asyncio.to_thread(recall, context.bot_data.db, int(query_id), int(page), flags)
    if asked is None:
        await callback.answer(context.lang.gettext("这个问题已过期，请重新提问。"))
        return
    await callback.answer()
    replies = ask_render.answer_replies(context.lang, asked.answer, asked.query_id, int(page), flags,
                                        context.bot_data.settings.web_url, asked.text)
    try:
        await callback.edit_message_text(replies[0].text, reply_markup=replies[0].keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
    for more in replies[1:]:  # a widened answer may need more than the message it replaces
        await reply(update, context, more)


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have, in a private chat: a one-line hint naming /help."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].split("@")[0]
    await reply(update, context, ask_render.unknown_command(context.lang, command))


def inline_items(db: Database, query: str, day: str) -> list[Item] | None:
    """Return the items answering an inline query that reads as a question (a period, a category,
    question words: 上周 融资), None for plain keywords (searched as /search does)."""
    question = understand(query, dt.date.fromisoformat(day))
    if not question.reads_as_question or question.refusal:
        return None
    found = answer(db, question, limit=20)
    readers.record_use(db, day, "inline", question.text)
    return found.items[:20]
