"""The daily fan-out to subscribers end to end, in process (the real Application, real HTTP, the
fake Bot API answering each send 100 ms late, as a far data centre would): the brief digest and
its buttons, concurrency paced by the budget, a 429 pausing every sender, /stats while it runs,
the admins' line when it ends, failures retried by the next run, paid broadcasts.
(tests/e2e/test_fanout_processes.py kills real `digestbot run` processes in the middle.)"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

from bot import schedule
from bot.i18n import translations
from bot.render import fanout as fanout_render
from storage import fanout, readers
from storage.digests import digest_on
from storage.index import ingest_paths
from tests.e2e.conftest import ADMIN_ID, USER_ID
from tests.e2e.test_admin_and_schedule import _admin_says, _write_today_digest
from tests.e2e.test_readers import _replies, _run_job, _sent_to

ZH = translations("zh")
ROUND_TRIP_S = 0.1
WEB_URL = "https://digest.example.org"
FIRST_SUBSCRIBER = 50_001


def subscribe_many(db, count: int, start: int = FIRST_SUBSCRIBER) -> list[int]:
    """Subscribe `count` readers (every category, the default format) at once; return their ids."""
    chat_ids = list(range(start, start + count))
    db.executemany("INSERT INTO readers (chat_id, subscribed, since, changed_at) VALUES "
                   "($1, 1, '2026-01-01', '2026-01-01')", [(chat_id,) for chat_id in chat_ids])
    return chat_ids


def subscriber_sends(fake_api, chat_ids: set[int]) -> list[dict]:
    """The successful sendMessage calls to these chats, in order of arrival."""
    return [c for c in fake_api.calls("sendMessage") if c["status"] == 200
            and int(c["params"]["chat_id"]) in chat_ids]


async def test_brief_digest_links_each_title_and_its_buttons_open_a_category_in_full(
        start_bot, settings, fake_api) -> None:
    async with start_bot(channel_id="", web_url=WEB_URL) as running:
        fake_api.push_command("/subscribe 投融资 模型", user_id=USER_ID)
        await _replies(fake_api, USER_ID)
        date = _write_today_digest(settings)
        await _run_job(running, schedule.daily_post)
        header, items = digest_on(running.db, date)
        (brief,) = _sent_to(fake_api, USER_ID)[1:]  # one message, besides /subscribe's answer
        chosen = [i for i in items if i.category in ("模型与技术进展", "投融资与并购")]
        for item in items:
            link = f'<a href="{WEB_URL}/item/{item.id}">'
            assert (link in brief["text"]) == (item in chosen)
        buttons = [b for row in brief["reply_markup"]["inline_keyboard"] for b in row]
        assert [b["text"] for b in buttons] == ["📖 模型", "📖 投融资"]
        assert f'<a href="{WEB_URL}/d/{date}">' in brief["text"]

        fake_api.push_callback(buttons[1]["callback_data"], brief, user_id=USER_ID)
        expected = fanout_render.category_in_full(ZH, header, items, "投融资与并购", WEB_URL)
        opened = await _replies(fake_api, USER_ID, count=2 + len(expected))
        assert [m["text"] for m in opened[2:]] == [r.text for r in expected]
        assert "阶跃星辰" in expected[0].text and "说明" not in expected[0].text
        fake_api.push_callback(f"o:{date}:9", brief, user_id=USER_ID)  # no such category
        await fake_api.wait_for_async("answerCallbackQuery", count=2)
        assert "不在索引" in fake_api.answered_callbacks()[-1]["text"]

        # The day's digest replaced by one with its categories in another order: the brief's
        # button still opens 投融资与并购 (a button names its category, not its place).
        (Path(settings.digest_dir) / f"today-{date}.txt").write_text("\n".join([
            f"# AI 行业动态 ({date})", "",
            "**投融资与并购**", "", "**启明星辰完成新一轮融资**", "说明：改版后的投融资条目。",
            "来源出处：[来源](https://example.com/a)", "",
            "**模型与技术进展**", "", "**某模型发布新版本**", "说明：改版后的模型条目。",
            "来源出处：[来源](https://example.com/b)", ""]), encoding="utf-8")
        outcomes = await asyncio.to_thread(ingest_paths, running.db, [settings.digest_dir])
        (replaced,) = [o for o in outcomes if o.status != "unchanged"]
        assert replaced.status == "indexed" and replaced.replaced and replaced.date == date
        header, items = digest_on(running.db, date)
        assert fanout_render.day_categories(items) == ["投融资与并购", "模型与技术进展"]
        before = len(_sent_to(fake_api, USER_ID))
        fake_api.push_callback(buttons[1]["callback_data"], brief, user_id=USER_ID)
        expected = fanout_render.category_in_full(ZH, header, items, "投融资与并购", WEB_URL)
        opened = await _replies(fake_api, USER_ID, count=before + len(expected))
        assert [m["text"] for m in opened[before:]] == [r.text for r in expected]
        assert "启明星辰" in expected[0].text
        # A brief sent before buttons named their category (`o:DATE:N`, N its place) still works.
        fake_api.push_callback(f"o:{date}:1", brief, user_id=USER_ID)
        expected = fanout_render.category_in_full(ZH, header, items, "模型与技术进展", WEB_URL)
        opened = await _replies(fake_api, USER_ID, count=len(opened) + len(expected))
        assert [m["text"] for m in opened[-len(expected):]] == [r.text for r in expected]


async def test_fanout_is_concurrent_paced_by_the_budget_and_a_429_pauses_every_sender(
        start_bot, settings, fake_api) -> None:
    rate = 40
    async with start_bot(channel_id="", broadcast_rate=rate) as running:
        chat_ids = set(subscribe_many(running.db, 160))
        date = _write_today_digest(settings)
        fake_api.slow("sendMessage", ROUND_TRIP_S)
        job = asyncio.create_task(_run_job(running, schedule.daily_post))
        await fake_api.wait_for_async(lambda c: c["status"] == 200 and c["method"] == "sendMessage"
                                      and int(c["params"]["chat_id"]) in chat_ids, count=30)
        fake_api.push_command("/stats", user_id=ADMIN_ID)
        stats = await _admin_says(fake_api, "📊")
        running_line = re.search(rf"订阅推送 {date}：进行中，已送达 (\d+)/160 人，每秒 ([\d.]+) 条，"
                                 r"预计还需 约 \d+ (秒|分钟)", stats["text"])
        assert running_line, stats["text"]  # served / total, messages a second, time left
        assert int(running_line[1]) < 160 and float(running_line[2]) > 0
        fake_api.fail_next("sendMessage", retry_after=2)  # the next send: some subscriber's
        await job
        ended = await _admin_says(fake_api, f"{date} 的订阅推送结束")
        assert fanout.progress(running.db, time.time(), date).served == 160
    assert "送达 160 人" in ended["text"]
    sends = subscriber_sends(fake_api, chat_ids)
    assert sorted(int(c["params"]["chat_id"]) for c in sends) == sorted(chat_ids)  # once each
    arrivals = [c["time"] for c in sends]
    assert max(fake_api.sends_per_second(chat_ids).values()) <= rate
    # Concurrent: one at a time, each send would arrive a round trip after the one before.
    assert sum(b - a < ROUND_TRIP_S / 2 for a, b in zip(arrivals, arrivals[1:], strict=False)) > 50
    (refused,) = [c for c in fake_api.calls("sendMessage") if c["status"] == 429]
    paused = [t for t in arrivals if refused["time"] + 0.7 < t < refused["time"] + 2.0]
    assert paused == []  # every sender waited (those in flight when it came arrived by then)


async def test_a_failed_subscriber_is_tried_again_by_the_next_run(start_bot, settings,
                                                                  fake_api) -> None:
    async with start_bot(channel_id="") as running:
        fake_api.push_command("/subscribe", user_id=USER_ID)
        await _replies(fake_api, USER_ID)
        date = _write_today_digest(settings)
        fake_api.fail_with("sendMessage", 400, "Bad Request: chat not found")
        await _run_job(running, schedule.daily_post)
        failed = await _admin_says(fake_api, f"{date} 的订阅推送结束")
        assert "送达 0 人" in failed["text"] and "失败 1 人" in failed["text"]
        assert len(_sent_to(fake_api, USER_ID)) == 1  # only /subscribe's answer
        # The daily post asks to be run again in a while; that run serves them.
        assert running.app.job_queue.get_jobs_by_name("daily_post-retry")
        await _run_job(running, schedule.daily_post)
        served = await _admin_says(fake_api, f"{date} 的订阅推送结束", count=2)
        assert "送达 1 人" in served["text"] and "失败 0 人" in served["text"]
        assert len(_sent_to(fake_api, USER_ID)) == 2
        await _run_job(running, schedule.daily_post)  # and nothing more after that
        assert len(_sent_to(fake_api, USER_ID)) == 2
        ended = [m for m in fake_api.sent(ADMIN_ID) if "订阅推送结束" in (m["text"] or "")]
        assert [m["text"] for m in ended] == [failed["text"], served["text"]]  # once each


async def test_paid_broadcasts_are_sent_as_such_and_readers_replies_are_not(
        start_bot, settings, fake_api) -> None:
    async with start_bot(channel_id="", paid_broadcast=True, paid_broadcast_rate=500) as running:
        assert running.app.bot_data.pacer.budget.rate == 500
        chat_ids = set(subscribe_many(running.db, 5))
        _write_today_digest(settings)
        await _run_job(running, schedule.daily_post)
        fake_api.push_command("/help", user_id=USER_ID)
        (answer,) = await _replies(fake_api, USER_ID)
    sends = subscriber_sends(fake_api, chat_ids)
    assert len(sends) == 5 and all(c["params"]["allow_paid_broadcast"] is True for c in sends)
    assert "allow_paid_broadcast" not in answer["params"]


async def test_readers_choose_their_format_and_the_default_is_the_setting(start_bot, settings,
                                                                          fake_api) -> None:
    async with start_bot(channel_id="", subscriber_format="full") as running:
        fake_api.push_command("/subscribe", user_id=USER_ID)
        (answer,) = await _replies(fake_api, USER_ID)
        assert "格式：全文" in answer["text"]
        fake_api.push_command("/subscribe", user_id=USER_ID + 1)
        (other,) = await _replies(fake_api, USER_ID + 1)
        fake_api.push_callback("r:f:b", other, user_id=USER_ID + 1)  # the "简报" button
        await fake_api.wait_for_async("editMessageText")
        assert readers.get_reader(running.db, USER_ID + 1).format == "brief"
        date = _write_today_digest(settings)
        await _run_job(running, schedule.daily_post)
        header, items = digest_on(running.db, date)
    full = [m["text"] for m in _sent_to(fake_api, USER_ID)[1:]]
    brief = [m["text"] for m in _sent_to(fake_api, USER_ID + 1)[1:]]
    categories = fanout_render.day_categories(items)
    assert full == [r.text for r in fanout_render.subscriber_digest(ZH, header, items, "full",
                                                                    categories)]
    assert len(full) > 1 and len(brief) == 1 and brief[0].startswith("<b>📰")
