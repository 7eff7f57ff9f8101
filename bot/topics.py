"""Forum topics: a post into a forum supergroup puts each category into a topic of its own.

When the chat is a forum (getChat says `is_forum`), the daily post's overview
goes to the General topic and each category's messages into that category's
topic; the weekly board into a topic of its own. A topic is created with
createForumTopic the first time it is needed (named with the category's emoji
and name, bot/render) and remembered in the database (storage/topics.py), so it
is never created twice: not after a restart, and not by two workers at once (the
creation holds a lease and looks again before asking Telegram). If Telegram says
a remembered topic is gone (deleted by a member), it is forgotten, created
again, and the message is sent there. A channel or a plain group gets its
messages as before: `topic_sender` then sends every message to the chat itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, Message
from telegram.error import BadRequest

from bot import render
from bot.send import send
from bot.state import BotState
from storage import posts
from storage import topics as stored

log = logging.getLogger(__name__)
# What Telegram says when a message is sent into a topic that no longer exists.
TOPIC_GONE = ("thread not found", "topic_deleted", "topic_id_invalid", "topic not found")
WAIT_FOR_OTHER_S = 0.2  # how often to look again while another worker creates a topic

# Sends one message into a topic (None: the chat itself, a forum's General topic).
TopicSender = Callable[[str | None, render.Reply], Awaitable[Message]]


def topic_sender(bot: Bot, state: BotState, chat_id: str | int) -> TopicSender:
    """Return how to send a post's messages to `chat_id`: each into its topic if the chat is a
    forum, else all to the chat. getChat is asked once, before the first message is sent."""
    forum: bool | None = None

    async def send_to(topic: str | None, reply: render.Reply) -> Message:
        nonlocal forum
        if topic is not None and forum is None:
            forum = bool((await bot.get_chat(chat_id)).is_forum)
        if topic is None or not forum:
            return await send(bot, chat_id, reply)
        return await send_in_topic(bot, state, str(chat_id), topic, reply)

    return send_to


async def send_in_topic(bot: Bot, state: BotState, chat_id: str, topic: str,
                        reply: render.Reply) -> Message:
    """Send `reply` into `topic` of the forum `chat_id`, creating the topic if needed, and again
    if Telegram says it is gone."""
    thread = await thread_for(bot, state, chat_id, topic)
    if thread is None:  # the bot may not create topics here: the General topic, as before
        return await send(bot, chat_id, reply)
    try:
        return await send(bot, chat_id, reply, thread)
    except BadRequest as exc:
        if not is_topic_gone(exc):
            raise
        log.warning("forum topic %r of %s is gone (%s); creating it again", topic, chat_id, exc)
    await asyncio.to_thread(stored.forget_thread, state.db, chat_id, topic, thread)
    thread = await thread_for(bot, state, chat_id, topic)
    return await send(bot, chat_id, reply, thread)


def is_topic_gone(exc: BadRequest) -> bool:
    """Return True if Telegram refused a message because its forum topic does not exist."""
    return any(words in str(exc).lower() for words in TOPIC_GONE)


async def thread_for(bot: Bot, state: BotState, chat_id: str, topic: str) -> int | None:
    """Return the thread id of `topic` in the forum `chat_id`, creating the topic the first time.

    One creator at a time per topic: in this process a lock, across processes
    the lease `topic:CHAT:TOPIC`; whoever holds it looks again before creating,
    so a topic another worker just created is used, not created again. A worker
    that dies while creating lets its lease expire and another takes over.
    None if Telegram refuses to create topics here (the bot lacks the right).
    """
    db, owner, seconds = state.db, state.worker, state.settings.lease_seconds
    lease = stored.creation_lease(chat_id, topic)
    async with state.post_lock(lease):
        while True:
            thread = await asyncio.to_thread(stored.thread_of, db, chat_id, topic)
            if thread is not None:
                return thread
            if await asyncio.to_thread(posts.acquire_lease, db, lease, owner, seconds):
                break
            await asyncio.sleep(WAIT_FOR_OTHER_S)  # another worker is creating it
        try:
            thread = await asyncio.to_thread(stored.thread_of, db, chat_id, topic)
            if thread is not None:
                return thread
            try:
                name = render.topic_name(state.settings.channel_lang, topic)
                created = await bot.create_forum_topic(chat_id, name,
                                                       icon_color=render.topic_color(topic))
            except BadRequest as exc:
                log.warning("cannot create forum topic %r in %s (%s): posting to General",
                            topic, chat_id, exc)
                return None
            log.info("created forum topic %r in %s: thread %s", topic, chat_id,
                     created.message_thread_id)
            return await asyncio.to_thread(stored.remember_thread, db, chat_id, topic,
                                           created.message_thread_id)
        finally:
            await asyncio.to_thread(posts.release_lease, db, lease, owner)
