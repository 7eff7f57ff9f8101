"""Readers end to end: subscriptions, keyword watches, inline mode, /trend, /week, the Monday board,
and the usage figures in /stats. Real Application, real HTTP, fake Bot API server."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import re
import time
from pathlib import Path

from PIL import Image

from bot import render, schedule
from bot.i18n import translations
from bot.render import readers as reader_render
from storage import fanout, readers
from storage.digests import digest_on
from storage.search import weekly_counts
from storage.stories import week_board
from tests.e2e.conftest import ADMIN_ID, CHANNEL_ID, USER_ID
from tests.e2e.test_admin_and_schedule import _digest_for, _today

READER_A, READER_B = 2001, 2002
ZH = translations("zh")
CHANNEL = int(CHANNEL_ID)


def _sent_to(fake_api, chat_id: int, method: str = "sendMessage") -> list[dict]:
    return [m for m in fake_api.sent(chat_id) if m["method"] == method]


async def _replies(fake_api, chat_id: int, count: int = 1) -> list[dict]:
    await fake_api.wait_for_async(lambda c: c["method"] == "sendMessage" and c["status"] == 200
                                  and str(c["params"].get("chat_id")) == str(chat_id), count=count)
    return _sent_to(fake_api, chat_id)


async def _run_job(running, job) -> None:
    """Run a scheduled job now, on the bot's own JobQueue, and wait until it finished."""
    done = asyncio.Event()

    async def wrapped(context) -> None:
        try:
            await job(context)
        finally:
            done.set()

    running.app.job_queue.run_once(wrapped, 0)
    await asyncio.wait_for(done.wait(), 20)


# --- subscriptions ------------------------------------------------------------------------


async def test_subscription_gets_only_its_categories_once_and_a_blocked_reader_is_dropped(
        start_bot, settings, fake_api) -> None:
    date = _today(settings)
    async with start_bot(channel_id="", subscriber_format="full") as running:
        fake_api.push_command("/subscribe 投融资 政策", user_id=READER_B)
        (answer,) = await _replies(fake_api, READER_B)
        assert "已订阅" in answer["text"] and "政策、投融资" in answer["text"]
        fake_api.push_command("/subscribe", user_id=READER_A)
        await _replies(fake_api, READER_A)
        (Path(settings.digest_dir) / f"today-{date}.txt").write_bytes(_digest_for(date))
        fake_api.block(READER_A)  # reader A has blocked the bot
        await _run_job(running, schedule.daily_post)
        header, items = digest_on(running.db, date)
        chosen = [i for i in items if i.category in ("政策与监管", "投融资与并购")]
        assert 0 < len(chosen) < len(items)
        expected = render.channel_post(ZH, header, chosen)
        assert [m["text"] for m in _sent_to(fake_api, READER_B)[1:]] == expected
        assert "投融资与并购" in expected[0] and "产品与应用发布" not in "".join(expected)
        assert readers.get_reader(running.db, READER_A).blocked
        done = fanout.progress(running.db, time.time(), date)
        assert (done.served, done.blocked, done.failed, done.pending) == (1, 1, 0, 0)
        await _run_job(running, schedule.daily_post)  # the same day again: nothing more
    async with start_bot(channel_id="", post_time=dt.time(0, 0),
                         subscriber_format="full") as again:  # restart, catch-up
        await asyncio.sleep(1.5)
        assert readers.subscribers(again.db) == [readers.get_reader(again.db, READER_B)]
    assert len(_sent_to(fake_api, READER_B)) == 1 + len(expected)
    assert _sent_to(fake_api, READER_A) == [_sent_to(fake_api, READER_A)[0]]  # only the /subscribe reply


async def test_settings_buttons_toggle_categories_and_unsubscribe(bot, fake_api) -> None:
    fake_api.push_command("/settings", user_id=READER_A)
    (menu,) = await _replies(fake_api, READER_A)
    assert "还没有订阅" in menu["text"]
    buttons = {b["text"]: b["callback_data"] for row in menu["reply_markup"]["inline_keyboard"]
               for b in row}
    fake_api.push_callback(buttons["模型"], menu, user_id=READER_A)
    await fake_api.wait_for_async("editMessageText")
    edited = _sent_to(fake_api, READER_A, "editMessageText")[-1]
    assert "已订阅（模型）" in edited["text"] and "✅ 模型" in str(edited["reply_markup"])
    assert readers.get_reader(bot.db, READER_A).categories == ("模型与技术进展",)
    fake_api.push_callback("r:s:0", edited, user_id=READER_A)
    await fake_api.wait_for_async("editMessageText", count=2)
    assert not readers.get_reader(bot.db, READER_A).subscribed
    fake_api.push_command("/subscribe 不存在", user_id=READER_A)
    messages = await _replies(fake_api, READER_A, count=2)
    assert "未知分类" in messages[-1]["text"]
    fake_api.push_command("/subscribe", chat_type="supergroup", user_id=READER_A)
    group = await _replies(fake_api, -1001234567890)
    assert "私聊" in group[-1]["text"]


# --- watches ------------------------------------------------------------------------------


async def test_watch_fires_once_for_a_new_digest_and_never_repeats_an_item(
        bot, settings, fake_api) -> None:
    fake_api.push_command("/watch 阶跃星辰", user_id=READER_A)
    fake_api.push_command("/watch Qwen", user_id=READER_A)  # an alias of 千问
    fake_api.push_command("/watch 不会出现的词", user_id=READER_B)
    await _replies(fake_api, READER_A, count=2)
    await _replies(fake_api, READER_B)
    fake_api.push_command("/watches", user_id=READER_A)
    listed = (await _replies(fake_api, READER_A, count=3))[-1]["text"]
    assert "1. 阶跃星辰" in listed and "2. Qwen" in listed

    date = _today(settings)
    path = Path(settings.digest_dir) / f"today-{date}.txt"
    path.write_bytes(_digest_for(date))
    fake_api.push_command("/reindex", user_id=ADMIN_ID)
    await fake_api.wait_for_async(lambda c: str(c["params"].get("chat_id")) == str(READER_A)
                                  and "新日报里有你关注的内容" in str(c["params"].get("text")))
    alert = _sent_to(fake_api, READER_A)[-1]["text"]
    _, items = digest_on(bot.db, date)
    expected = [i.title for i in items if "阶跃星辰" in i.title + i.summary + i.background
                + i.analysis + "".join(i.points)
                or re.search("千问|通义|qwen", i.title + i.summary + i.background + i.analysis
                             + "".join(i.points), re.I)]
    assert expected and all(title in alert for title in expected)
    assert "千问" in alert and "🔑 Qwen" in alert
    assert "2026-01-27" not in alert  # digests indexed before the watch was set never fire
    assert _sent_to(fake_api, READER_B)[-1]["text"].startswith("🔔 已关注")  # no alert for B

    # Re-ingesting the same file (touched, then rewritten identically) sends nothing again.
    path.touch()
    path.write_bytes(_digest_for(date))
    fake_api.push_command("/reindex", user_id=ADMIN_ID)
    await _replies(fake_api, ADMIN_ID, count=4)  # each /reindex: "scanning" at once, then the result
    await asyncio.sleep(0.5)
    alerts = [m for m in _sent_to(fake_api, READER_A) if "新日报里有你关注的内容" in m["text"]]
    assert len(alerts) == 1

    # A changed digest: only the item that is new to the reader is sent.
    extra = ("\n阶跃星辰发布语音模型Step-Audio 3\n说明:阶跃星辰发布新一代语音模型\n"
             "来源出处:[示例](https://example.com/step-audio)\n")
    path.write_bytes(_digest_for(date) + extra.encode("utf-8"))
    fake_api.push_command("/reindex", user_id=ADMIN_ID)
    await fake_api.wait_for_async(lambda c: str(c["params"].get("chat_id")) == str(READER_A)
                                  and "Step-Audio" in str(c["params"].get("text")))
    second = _sent_to(fake_api, READER_A)[-1]["text"]
    assert "Step-Audio 3" in second and not any(t in second for t in expected)
    fake_api.push_command("/unwatch 阶跃星辰", user_id=READER_A)
    assert "已取消关注" in (await _replies(fake_api, READER_A, count=6))[-1]["text"]
    assert readers.watches_of(bot.db, READER_A) == ["Qwen"]


async def test_watch_limits_and_group_use(bot, fake_api) -> None:
    for n in range(readers.MAX_WATCHES):
        readers.add_watch(bot.db, READER_A, f"关键词{n}")
    fake_api.push_command("/watch 再来一个", user_id=READER_A)
    assert "最多关注 20 个" in (await _replies(fake_api, READER_A))[-1]["text"]
    fake_api.push_command("/watch 红", user_id=READER_B)
    assert "至少 2 个字" in (await _replies(fake_api, READER_B))[-1]["text"]
    fake_api.push_command("/watch 红包", chat_type="supergroup", user_id=READER_B)
    assert "私聊" in (await _replies(fake_api, -1001234567890))[-1]["text"]


# --- inline mode --------------------------------------------------------------------------


async def test_inline_query_offers_matching_items_to_share(bot, fake_api) -> None:
    fake_api.push_inline_query("红包", user_id=READER_A)
    (call,) = await fake_api.wait_for_async("answerInlineQuery")
    results = call["params"]["results"]
    assert 0 < len(results) <= 20 and len(results) == 6  # 红包 is in 6 items
    first = results[0]
    assert first["type"] == "article" and "红包" in first["title"] + first["description"]
    assert re.match(r"\d{4}-\d{2}-\d{2} · ", first["description"])
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML" and "<b>" in content["message_text"]
    assert any(r.get("url", "").startswith("http") for r in results)

    fake_api.push_inline_query("", user_id=READER_A)
    calls = await fake_api.wait_for_async("answerInlineQuery", count=2)
    newest = calls[-1]["params"]["results"]
    _, items = digest_on(bot.db, "2026-02-08")
    assert [r["title"] for r in newest] == [i.title for i in items][:20]


# --- /trend and /week ---------------------------------------------------------------------


async def test_trend_sends_a_png_whose_caption_counts_match_the_index(bot, fake_api) -> None:
    fake_api.push_command("/trend 红包", user_id=READER_A)
    (call,) = await fake_api.wait_for_async("sendPhoto", timeout=30)
    message = call["response"]["result"]
    png = fake_api.file_content(message["photo"][0]["file_id"])
    assert png.startswith(b"\x89PNG")
    Image.open(io.BytesIO(png)).verify()
    assert Image.open(io.BytesIO(png)).size[0] > 400
    trend = weekly_counts(bot.db, "红包")
    caption = call["params"]["caption"]
    assert trend.total == 6 and f"共 {trend.total} 条" in caption
    assert caption == reader_render.trend_caption(ZH, trend)
    for week, items in trend.weeks:
        assert f"{week:%m-%d} {items}" in caption
    fake_api.push_command("/trend 鳄鱼潜艇", user_id=READER_A)
    assert "没有提到" in (await _replies(fake_api, READER_A))[-1]["text"]


async def test_week_ranks_two_day_stories_above_one_day_stories(bot, fake_api) -> None:
    fake_api.push_command("/week 2026-02-08", user_id=READER_A)
    messages = await _replies(fake_api, READER_A)
    text = "\n".join(m["text"] for m in messages)
    assert "02-02 ~ 02-08" in text
    numbered = re.findall(r"^(\d+)\. <b>(.+?)</b>\n\s+(\d) 天", text, re.M)
    top = [title for _, title, days in numbered if days == "2"]
    assert len(top) == 2 and numbered[0][2] == numbered[1][2] == "2"
    assert any("阶跃星辰" in t and "50亿" in t for t in top)
    assert any("千问" in t and "30亿" in t for t in top)
    assert all(days == "1" for _, _, days in numbered[2:])
    fake_api.push_command("/week 2026-13-45", user_id=READER_A)
    assert "日期格式不对" in (await _replies(fake_api, READER_A, count=2))[-1]["text"]


async def test_monday_board_is_posted_to_the_channel_once(start_bot, settings, fake_api) -> None:
    today = dt.date.fromisoformat(_today(settings))
    for days_ago in (1, 3):  # two digests in the week that ended yesterday
        day = (today - dt.timedelta(days=days_ago)).isoformat()
        (Path(settings.digest_dir) / f"past-{day}.txt").write_bytes(_digest_for(day))
    async with start_bot(weekly_post=dt.time(9, 0)) as running:
        await _run_job(running, schedule.weekly_post)
        board = [m["text"] for m in _sent_to(fake_api, CHANNEL) if "一周事件榜" in m["text"]]
        end = (today - dt.timedelta(days=1)).isoformat()
        stories = week_board(running.db, end)
        assert board and stories and len(stories[0].dates) == 2
        assert board[0].startswith("📅 <b>一周事件榜</b>")
        await _run_job(running, schedule.weekly_post)  # the same week again: nothing more
        assert len([m for m in _sent_to(fake_api, CHANNEL) if "一周事件榜" in m["text"]]) == 1
        fake_api.push_command("/weekly off", user_id=ADMIN_ID)
        assert "已关闭" in (await _replies(fake_api, ADMIN_ID))[-1]["text"]
        assert schedule.weekly_time(running.app.bot_data) is None
        assert not running.app.job_queue.get_jobs_by_name(schedule.WEEKLY_JOB)


# --- usage figures ------------------------------------------------------------------------


async def test_stats_show_readers_watches_and_top_queries(bot, fake_api) -> None:
    for text in ("/search 红包", "/search 红包", "/what 千问", "/subscribe"):
        fake_api.push_command(text, user_id=READER_A)
    fake_api.push_command("/watch 阶跃星辰", user_id=READER_B)
    await _replies(fake_api, READER_A, count=4)
    await _replies(fake_api, READER_B)
    fake_api.push_command("/stats", user_id=ADMIN_ID)
    (stats,) = await _replies(fake_api, ADMIN_ID)
    text = stats["text"]
    assert "订阅：1 人" in text and "关键词提醒：1 个，1 人" in text
    assert "红包（2）" in text and "千问（1）" in text
    assert re.search(r"近 7 天每日查询：\d\d-\d\d 3", text)
    stored = bot.db.execute("SELECT * FROM usage").fetchall()
    assert all(set(map(type, row)) <= {str, int} for row in stored)
    assert not any(str(READER_A) in str(row) for row in stored)  # no user ids kept


async def test_subscriber_settings_are_kept_across_restarts(start_bot, settings, fake_api) -> None:
    async with start_bot():
        fake_api.push_command("/subscribe 模型", user_id=READER_A)
        (answer,) = await _replies(fake_api, READER_A)
        assert "格式：简报" in answer["text"] and "✅ 简报" in str(answer["reply_markup"])
        fake_api.push_callback("r:f:f", answer, user_id=READER_A)  # the "全文" button
        await fake_api.wait_for_async("editMessageText")
        edited = _sent_to(fake_api, READER_A, "editMessageText")[-1]
        assert "格式：全文" in edited["text"] and "✅ 全文" in str(edited["reply_markup"])
    async with start_bot() as again:
        (reader,) = readers.subscribers(again.db)
        assert dataclasses.astuple(reader) == (READER_A, True, ("模型与技术进展",), False, "",
                                               "zh-hans", "full")
        assert USER_ID not in {r.chat_id for r in readers.subscribers(again.db)}
