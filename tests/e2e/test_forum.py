"""Forum topics end to end: a post to a forum supergroup puts each category into its own topic,
created once (also across restarts and workers), re-created when deleted; the weekly board has
a topic of its own; a command sent inside a topic is answered there; a channel is unchanged.

Real Application, real HTTP, fake Bot API server (which knows forums), on both backends.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot import delivery, render, schedule
from bot.i18n import translations
from bot.state import BotState
from bot.topics import thread_for
from storage import posts, topics
from storage.digests import digest_on
from tests.e2e.conftest import ADMIN_ID, CHANNEL_ID, USER_ID
from tests.e2e.test_admin_and_schedule import (
    CrashError,
    CrashingBot,
    _admin_says,
    _no_daily_post,
)

FORUM = -1009876543210
DATE = "2026-02-08"  # a bundled digest: 12 items in 5 categories
ZH = translations("zh")


@pytest.fixture(autouse=True)
def _no_scheduled_post(monkeypatch) -> None:
    """The tests push themselves; the scheduled catch-up post must not race them."""
    monkeypatch.setattr(schedule, "daily_post", _no_daily_post)


def _posted(fake_api) -> list[dict]:
    return [m for m in fake_api.sent(FORUM) if m["method"] == "sendMessage"]


def _categories(db) -> list[str]:
    _, items = digest_on(db, DATE)
    return list(dict.fromkeys(item.category for item in items))


def _check_each_message_in_its_topic(db, messages: list[dict], forum_topics: dict[int, str]) -> None:
    """The post's messages, in order, each in its category's topic (the overview in General)."""
    expected = render.channel_post_topics(ZH, *digest_on(db, DATE))
    assert [m["text"] for m in messages] == [text for _, text in expected]
    for (topic, _), message in zip(expected, messages, strict=True):
        if topic is None:
            assert message["thread_id"] is None  # the General topic
        else:
            assert forum_topics[message["thread_id"]] == render.topic_name(ZH, topic)
    _, items = digest_on(db, DATE)
    for item in items:  # every item is in its own category's topic and nowhere else
        where = {forum_topics.get(m["thread_id"]) for m in messages
                 if m["thread_id"] is not None and f"<b>{item.position + 1}. {render.esc(item.title)}"
                 in m["text"]}
        assert where == {render.topic_name(ZH, item.category)}


async def test_a_post_to_a_forum_makes_one_topic_per_category_once(start_bot, fake_api) -> None:
    fake_api.make_forum(FORUM)
    async with start_bot(channel_id=str(FORUM)) as running:
        categories = _categories(running.db)
        fake_api.push_command(f"/push {DATE}", user_id=ADMIN_ID)
        await _admin_says(fake_api, "已发布")
        forum_topics = fake_api.topics(FORUM)
        assert sorted(forum_topics.values()) == sorted(render.topic_name(ZH, c) for c in categories)
        assert len(fake_api.calls("createForumTopic")) == len(categories) == 5
        assert render.topic_name(ZH, "投融资与并购") == "💰 投融资与并购"
        first = _posted(fake_api)
        _check_each_message_in_its_topic(running.db, first, forum_topics)
        assert topics.threads(running.db, str(FORUM)) == {
            name: thread for thread, name in
            ((t, c) for c in categories for t, n in forum_topics.items() if n == render.topic_name(ZH, c))}
    # A restart and a second push: the same topics, none created again.
    async with start_bot(channel_id=str(FORUM)) as again:
        fake_api.push_command(f"/push {DATE} force", user_id=ADMIN_ID)
        await _admin_says(fake_api, "已发布", count=2)
        assert len(fake_api.calls("createForumTopic")) == 5 and fake_api.topics(FORUM) == forum_topics
        second = _posted(fake_api)[len(first):]
        _check_each_message_in_its_topic(again.db, second, forum_topics)


async def test_a_deleted_topic_is_created_again_and_the_post_goes_on(start_bot, fake_api) -> None:
    fake_api.make_forum(FORUM)
    async with start_bot(channel_id=str(FORUM)) as running:
        fake_api.push_command(f"/push {DATE}", user_id=ADMIN_ID)
        await _admin_says(fake_api, "已发布")
        before = dict(fake_api.topics(FORUM))
        gone = topics.thread_of(running.db, str(FORUM), "投融资与并购")
        fake_api.delete_topic(FORUM, gone)  # a member deleted it
        sent_before = len(_posted(fake_api))
        fake_api.push_command(f"/push {DATE} force", user_id=ADMIN_ID)
        await _admin_says(fake_api, "已发布", count=2)
        assert len(fake_api.calls("createForumTopic")) == 6  # only the deleted one again
        refused = [c for c in fake_api.calls("sendMessage") if c["status"] == 400]
        assert len(refused) == 1 and "thread not found" in refused[0]["response"]["description"]
        after = fake_api.topics(FORUM)
        new = topics.thread_of(running.db, str(FORUM), "投融资与并购")
        assert new != gone and after[new] == "💰 投融资与并购"
        assert {t: n for t, n in after.items() if t != new} == {
            t: n for t, n in before.items() if t != gone}
        _check_each_message_in_its_topic(running.db, _posted(fake_api)[sent_before:], after)
        assert posts.current_run(running.db, DATE, str(FORUM)).completed_at is not None


async def test_a_restart_mid_post_continues_in_the_right_topics(start_bot, fake_api) -> None:
    fake_api.make_forum(FORUM)
    async with start_bot(channel_id=str(FORUM)) as dying:
        with pytest.raises(CrashError):  # the overview and 3 category messages, then the crash
            await delivery.post_digest(CrashingBot(dying.app.bot, 4), dying.app.bot_data, DATE,
                                       str(FORUM))
        created = len(fake_api.calls("createForumTopic"))
        assert 0 < created < 5
    async with start_bot(channel_id=str(FORUM)) as survivor:
        outcome = await delivery.post_digest(survivor.app.bot, survivor.app.bot_data, DATE,
                                             str(FORUM))
        assert outcome.status == "posted" and outcome.sent == outcome.total - 4
        assert len(fake_api.calls("createForumTopic")) == 5  # the rest; none twice
        _check_each_message_in_its_topic(survivor.db, _posted(fake_api), fake_api.topics(FORUM))


async def test_the_weekly_board_goes_to_a_topic_of_its_own(start_bot, fake_api) -> None:
    fake_api.make_forum(FORUM)
    async with start_bot(channel_id=str(FORUM)) as running:
        outcome = await delivery.post_week_board(running.app.bot, running.app.bot_data,
                                                 dt.date(2026, 2, 8))
        assert outcome.status == "posted"
        ((thread, name),) = fake_api.topics(FORUM).items()
        assert name == "📅 一周事件榜"
        board = _posted(fake_api)
        assert board and all(m["thread_id"] == thread for m in board)
        assert board[0]["text"].startswith("📅 <b>一周事件榜</b>")


async def test_two_workers_create_a_topic_once(start_bot, fake_api, settings) -> None:
    fake_api.make_forum(FORUM)
    fake_api.slow("createForumTopic", 0.3)  # both ask while the first creation is under way
    async with start_bot(channel_id=str(FORUM)) as first, \
            start_bot(channel_id=str(FORUM)) as second:
        states: list[BotState] = [first.app.bot_data, second.app.bot_data]
        assert states[0].worker != states[1].worker
        threads = await asyncio.gather(*(thread_for(running.app.bot, state, str(FORUM), "政策与监管")
                                         for running, state in ((first, states[0]),
                                                                (second, states[1]))))
        assert threads[0] == threads[1] and threads[0] is not None
        assert len(fake_api.calls("createForumTopic")) == 1
        assert fake_api.topics(FORUM) == {threads[0]: "🏛 政策与监管"}


async def test_a_channel_and_a_plain_group_get_no_topics(start_bot, fake_api) -> None:
    async with start_bot() as running:  # CHANNEL_ID is a channel
        fake_api.push_command(f"/push {DATE}", user_id=ADMIN_ID)
        await _admin_says(fake_api, "已发布")
        channel = [m for m in fake_api.sent(int(CHANNEL_ID)) if m["method"] == "sendMessage"]
        assert [m["text"] for m in channel] == render.channel_post(ZH, *digest_on(running.db, DATE))
        assert all(m["thread_id"] is None for m in channel)
    group = -1005555
    fake_api.push_message("hello", chat_id=group, chat_type="supergroup")  # a plain supergroup
    async with start_bot(channel_id=str(group)) as running:
        fake_api.push_command(f"/push {DATE}", user_id=ADMIN_ID)
        await _admin_says(fake_api, "已发布", count=2)
        assert [m["text"] for m in fake_api.sent(group) if m["method"] == "sendMessage"] == \
            render.channel_post(ZH, *digest_on(running.db, DATE))
    assert fake_api.calls("createForumTopic") == []


async def test_a_command_in_a_topic_is_answered_in_that_topic(bot, fake_api) -> None:
    fake_api.make_forum(FORUM)
    thread = fake_api.add_topic(FORUM, "闲聊")
    fake_api.push_command("/search 红包", chat_id=FORUM, chat_type="supergroup", user_id=USER_ID,
                          message_thread_id=thread)
    fake_api.push_command("/help", chat_id=FORUM, chat_type="supergroup", user_id=USER_ID)
    await fake_api.wait_for_async(lambda c: c["method"] == "sendMessage" and c["status"] == 200
                                  and str(c["params"].get("chat_id")) == str(FORUM), count=2)
    found, helped = fake_api.sent(FORUM)
    assert "红包" in found["text"] and found["thread_id"] == thread
    assert found["message"]["is_topic_message"]
    assert helped["thread_id"] is None  # sent in General: answered in General
    # A button under the answer edits it in place; /trend's chart goes to the topic too.
    fake_api.push_command("/trend 红包", chat_id=FORUM, chat_type="supergroup", user_id=USER_ID,
                          message_thread_id=thread)
    (photo,) = await fake_api.wait_for_async("sendPhoto", timeout=30)
    assert photo["response"]["result"]["message_thread_id"] == thread


async def test_a_topic_another_worker_made_before_the_lease_was_taken_is_used(
        start_bot, fake_api, monkeypatch) -> None:
    fake_api.make_forum(FORUM)
    topic = "政策与监管"
    async with start_bot(channel_id=str(FORUM)) as running:
        other = fake_api.add_topic(FORUM, render.topic_name(ZH, topic))
        take_lease = posts.acquire_lease

        def after_the_other_worker(db, name: str, owner: str, seconds: float) -> bool:
            # This worker looked (no topic yet); meanwhile another created and remembered it,
            # then released its lease: the lease is free, the topic exists.
            topics.remember_thread(db, str(FORUM), topic, other)
            return take_lease(db, name, owner, seconds)

        monkeypatch.setattr(posts, "acquire_lease", after_the_other_worker)
        thread = await thread_for(running.app.bot, running.app.bot_data, str(FORUM), topic)
    assert thread == other
    assert not fake_api.calls("createForumTopic") and fake_api.topics(FORUM) == {
        other: render.topic_name(ZH, topic)}
