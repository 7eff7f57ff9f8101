"""Admin commands and the daily channel post end to end: real Application, real HTTP, fake Bot API.

Exactly-once posting across restarts and crashes, 429s and dropped connections, /push /preview
/pause /resume /schedule /stats /reindex, digest uploads with the publish button, message
splitting and escaping, and the error handler.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from telegram.ext import CallbackContext

import handlers.user
from bot import delivery, render, schedule
from bot.i18n import translations
from bot.render import admin as admin_render
from storage import posts
from storage.digests import archive_stats, digest_on
from tests.conftest import BUNDLED
from tests.e2e.conftest import ADMIN_ID, CHANNEL_ID, USER_ID

CHANNEL = int(CHANNEL_ID)
SAMPLE = BUNDLED / "003_88ec4899e4da85ae.txt"  # the digest of 2026-02-08
SAMPLE_HEADING = "# 2026年2月8日 AI行业动态"
AT_ONCE = dt.time(0, 0)  # post time already passed today: the catch-up fires right after start


# --- helpers --------------------------------------------------------------------------------


def _today(settings) -> str:
    return dt.datetime.now(settings.tz).date().isoformat()


def _digest_for(date: str) -> bytes:
    """The bundled 2026-02-08 digest, re-dated to `date` (heading 2026年M月D日)."""
    day = dt.date.fromisoformat(date)
    text = SAMPLE.read_text(encoding="utf-8")
    assert text.startswith(SAMPLE_HEADING)
    return text.replace(SAMPLE_HEADING, f"# {day.year}年{day.month}月{day.day}日 AI行业动态", 1
                        ).encode("utf-8")


def _write_today_digest(settings) -> str:
    """Put a digest for today (in the bot's time zone) into DIGEST_DIR; return the date."""
    date = _today(settings)
    (Path(settings.digest_dir) / f"today-{date}.txt").write_bytes(_digest_for(date))
    return date


def _expected_post(db, date: str, web_url: str = "") -> list[str]:
    found = digest_on(db, date)
    assert found is not None, f"no digest for {date} in the index"
    return render.channel_post(translations("zh"), *found, web_url)


def _channel_texts(fake_api) -> list[str]:
    return [m["text"] for m in fake_api.sent(CHANNEL) if m["method"] == "sendMessage"]


def _to_chat(chat_id: int | str, text: str | None = None) -> Callable[[dict], bool]:
    """Predicate: a successful sendMessage to `chat_id` (containing `text`, if given)."""
    def match(call: dict) -> bool:
        return (call["method"] == "sendMessage" and call["status"] == 200
                and str(call["params"].get("chat_id")) == str(chat_id)
                and (text is None or text in str(call["params"].get("text"))))
    return match


async def _until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.05)


async def _until_first_rescan(running) -> None:
    """Wait until the periodic re-scan that runs 1 s after start is over (it must not race the
    test's own scan or leases: it runs in a worker thread while the test goes on)."""
    (job,) = running.app.job_queue.get_jobs_by_name(schedule.RESCAN_JOB)
    await _until(lambda: job.next_t > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60),
                 what="the first re-scan")
    await asyncio.sleep(0.2)  # the job has fired; let it take the index lock
    await _until(lambda: not running.app.bot_data.index_lock.locked(), what="the scan's end")


def _admin_texts(fake_api) -> list[str]:
    """Texts sent to the admin, without the "no digest today" alert a catch-up after 23:00 sends."""
    return [m["text"] for m in fake_api.sent(ADMIN_ID) if "仍没有" not in (m["text"] or "")]


async def _admin_says(fake_api, text: str, count: int = 1) -> dict:
    """Wait for the `count`-th admin message containing `text`; return the last such message."""
    await fake_api.wait_for_async(_to_chat(ADMIN_ID, text), count=count)
    return [m for m in fake_api.sent(ADMIN_ID) if text in (m["text"] or "")][-1]


async def _no_daily_post(context) -> None:
    """Stands in for schedule.daily_post where a test must not race the scheduled post."""


class CrashError(Exception):
    """Stands in for the process dying in the middle of a post."""


class CrashingBot:
    """Delegates send_message to the real bot `survive` times, then 'crashes'."""

    def __init__(self, bot, survive: int) -> None:
        self.bot, self.left = bot, survive

    async def send_message(self, *args, **kwargs):
        if self.left == 0:
            raise CrashError("power cut")
        self.left -= 1
        return await self.bot.send_message(*args, **kwargs)

    def __getattr__(self, name: str):  # everything else (getChat, createForumTopic) as the bot
        return getattr(self.bot, name)


# --- the daily post -------------------------------------------------------------------------


async def test_daily_post_is_sent_once_after_restart(start_bot, settings, fake_api) -> None:
    date = _write_today_digest(settings)
    async with start_bot(post_time=AT_ONCE) as running:
        expected = _expected_post(running.db, date)
        await fake_api.wait_for_async(_to_chat(CHANNEL_ID), count=len(expected))
        await _until(lambda: posts.is_posted(running.db, date, CHANNEL_ID), what="post completed")
    sent = [m for m in fake_api.sent(CHANNEL) if m["method"] == "sendMessage"]
    assert [m["text"] for m in sent] == expected
    assert sent[0]["text"].startswith("<b>📰")
    assert all(m["parse_mode"] == "HTML" and m["preview_disabled"] for m in sent)

    async with start_bot(post_time=AT_ONCE) as again:
        await asyncio.sleep(2)
        assert posts.is_posted(again.db, date, CHANNEL_ID)
    assert _channel_texts(fake_api) == expected


async def test_restart_in_the_middle_of_a_post_neither_repeats_nor_skips(
        start_bot, settings, fake_api, monkeypatch) -> None:
    date = _write_today_digest(settings)
    with monkeypatch.context() as patch:
        patch.setattr(schedule, "daily_post", _no_daily_post)  # only the simulated post runs
        async with start_bot() as running:
            expected = _expected_post(running.db, date)
            assert len(expected) > 2
            crashing = CrashingBot(running.app.bot, survive=2)
            try:
                await delivery.post_digest(crashing, running.app.bot_data, date, CHANNEL_ID)
            except CrashError:
                pass
            else:
                raise AssertionError("the simulated crash did not happen")
            run = posts.current_run(running.db, date, CHANNEL_ID)
            assert run is not None and run.completed_at is None
            assert posts.sent_sequence_numbers(running.db, run) == {0, 1}
    assert _channel_texts(fake_api) == expected[:2]

    async with start_bot(post_time=AT_ONCE) as again:
        await fake_api.wait_for_async(_to_chat(CHANNEL_ID), count=len(expected))
        await _until(lambda: posts.is_posted(again.db, date, CHANNEL_ID), what="post completed")
        await asyncio.sleep(0.5)
    texts = _channel_texts(fake_api)
    assert texts == expected
    assert all(texts.count(text) == 1 for text in expected)


async def test_retry_after_429_waits_and_loses_nothing(start_bot, settings, fake_api,
                                                       monkeypatch) -> None:
    date = _write_today_digest(settings)
    monkeypatch.setattr(schedule, "daily_post", _no_daily_post)  # /push makes the post
    async with start_bot() as running:
        expected = _expected_post(running.db, date)
        fake_api.fail_next("sendMessage", times=1, retry_after=1)
        fake_api.push_command("/push", user_id=ADMIN_ID)
        done = await _admin_says(fake_api, "✅ 已发布")
    assert done["text"] == f"✅ 已发布 {date} 的日报（{len(expected)} 条消息）。"
    assert _channel_texts(fake_api) == expected
    rejected = [c for c in fake_api.calls("sendMessage") if c["status"] == 429]
    assert len(rejected) == 1
    assert rejected[0]["params"]["chat_id"] == CHANNEL
    assert rejected[0]["response"]["parameters"] == {"retry_after": 1}


async def test_dropped_connection_is_retried(bot, fake_api) -> None:
    expected = _expected_post(bot.db, "2026-02-08")
    fake_api.drop_next("sendMessage", times=1)
    fake_api.push_command("/push 2026-02-08", user_id=ADMIN_ID)
    await _admin_says(fake_api, "✅ 已发布 2026-02-08")
    assert _channel_texts(fake_api) == expected
    assert [c["status"] for c in fake_api.calls("sendMessage")].count(None) == 1


async def test_push_force_and_already_posted(bot, fake_api) -> None:
    expected = _expected_post(bot.db, "2026-02-08")
    n = len(expected)
    fake_api.push_command("/push 2026-02-08", user_id=ADMIN_ID)
    first = await _admin_says(fake_api, "✅ 已发布")
    assert first["text"] == f"✅ 已发布 2026-02-08 的日报（{n} 条消息）。"
    assert _channel_texts(fake_api) == expected

    fake_api.push_command("/push 2026-02-08", user_id=ADMIN_ID)
    again = await _admin_says(fake_api, "已经发布过了")
    assert "/push 2026-02-08 force" in again["text"]
    assert _channel_texts(fake_api) == expected

    fake_api.push_command("/push 2026-02-08 force", user_id=ADMIN_ID)
    await _admin_says(fake_api, "✅ 已发布", count=2)
    assert _channel_texts(fake_api) == expected + expected

    fake_api.push_command("/push 2026-13-45", user_id=ADMIN_ID)
    await _admin_says(fake_api, "日期格式不对")
    fake_api.push_command("/push 2025-01-01", user_id=ADMIN_ID)
    await _admin_says(fake_api, "没有 2025-01-01 的日报")
    assert len(_channel_texts(fake_api)) == 2 * n


async def test_preview_goes_to_admin_only(bot, fake_api) -> None:
    expected = _expected_post(bot.db, "2026-02-08")
    fake_api.push_command("/preview 2026-02-08", user_id=ADMIN_ID)
    await fake_api.wait_for_async(_to_chat(ADMIN_ID, expected[-1]))
    await asyncio.sleep(0.3)
    assert _admin_texts(fake_api) == expected
    assert not fake_api.sent(CHANNEL)
    assert not posts.post_stats(bot.db).runs_completed


@pytest.mark.parametrize(("clock", "due"), [("06:00", False), ("09:00", True)],
                         ids=["before-07:30", "after-07:30"])
async def test_pause_resume_schedule_and_stats(start_bot, settings, fake_api,
                                               monkeypatch, clock: str, due: bool) -> None:
    # The scheduler's clock (bot/schedule.py reads dt.datetime.now) is fixed at `clock` on
    # 2026-03-10 in the bot's time zone, so whether /schedule 07:30 is already due does not
    # depend on when the test runs.
    now = dt.datetime.combine(dt.date(2026, 3, 10), dt.time.fromisoformat(clock), settings.tz)

    class FixedClock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:
            return now.astimezone(tz)

    monkeypatch.setattr(schedule, "dt", types.SimpleNamespace(
        datetime=FixedClock, date=dt.date, time=dt.time, timedelta=dt.timedelta))
    date = now.date().isoformat()  # the scheduler's today: its digest is there
    (Path(settings.digest_dir) / f"today-{date}.txt").write_bytes(_digest_for(date))
    with monkeypatch.context() as patch:
        patch.setattr(schedule, "daily_post", _no_daily_post)  # nothing posts before /pause
        async with start_bot() as first:
            fake_api.push_command("/pause", user_id=ADMIN_ID)
            await _admin_says(fake_api, "已暂停")
            assert posts.get_setting(first.db, "paused") == "1"

    async with start_bot(post_time=AT_ONCE) as running:
        n = len(_expected_post(running.db, date))
        await asyncio.sleep(2)
        assert not fake_api.sent(CHANNEL), "a paused bot posted to the channel"
        assert not posts.is_posted(running.db, date, CHANNEL_ID)

        fake_api.push_command("/resume", user_id=ADMIN_ID)
        await _admin_says(fake_api, "已恢复")
        assert posts.get_setting(running.db, "paused") == "0"

        fake_api.push_command("/schedule 25:00", user_id=ADMIN_ID)
        await _admin_says(fake_api, "时间格式不对")
        assert posts.get_setting(running.db, "post_time") is None

        # Rescheduling catches up at once if 07:30 has already passed today (`due`).
        fake_api.push_command("/schedule 07:30", user_id=ADMIN_ID)
        answer = await _admin_says(fake_api, "每日发布时间已改为")
        assert "07:30" in answer["text"] and settings.timezone in answer["text"]
        assert posts.get_setting(running.db, "post_time") == "07:30"
        (daily,) = running.app.job_queue.get_jobs_by_name(schedule.DAILY_JOB)
        assert daily.next_t.astimezone(settings.tz).strftime("%H:%M") == "07:30"
        if due:
            await fake_api.wait_for_async(_to_chat(CHANNEL_ID), count=n)
            await _until(lambda: posts.is_posted(running.db, date, CHANNEL_ID), what="posted")
        else:
            await asyncio.sleep(0.5)
            assert not fake_api.sent(CHANNEL)

        fake_api.push_command("/stats", user_id=ADMIN_ID)
        stats = (await _admin_says(fake_api, "📊"))["text"]
        assert "时间 07:30" in stats and "每日发布：开启" in stats
        assert "日报：6 期" in stats and f"~ {date}" in stats
        assert (f"已发布：1 次，共 {n} 条消息" if due else "已发布：0 次，共 0 条消息") in stats

    async with start_bot(post_time=AT_ONCE):
        fake_api.push_command("/stats", user_id=ADMIN_ID)
        stats = (await _admin_says(fake_api, "📊", count=2))["text"]
        assert "时间 07:30" in stats and "每日发布：开启" in stats
        await asyncio.sleep(0.5)
    assert len(_channel_texts(fake_api)) == (n if due else 0)


async def test_missing_digest_retries_then_tells_admins(start_bot, settings, fake_api,
                                                        monkeypatch) -> None:
    date = _today(settings)
    monkeypatch.setattr(schedule, "GIVE_UP_AT", dt.time.max)  # retry, whatever the clock says
    async with start_bot(post_time=AT_ONCE) as running:
        queue = running.app.job_queue
        assert digest_on(running.db, date) is None

        def retry_queued() -> bool:
            soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=schedule.RETRY_EVERY_S / 2)
            return any(job.next_t is not None and job.next_t > soon
                       for job in queue.get_jobs_by_name(schedule.RETRY_JOB))

        await _until(retry_queued, what="the retry job after the catch-up run")
        assert len(queue.get_jobs_by_name(schedule.RETRY_JOB)) == 1
        assert queue.get_jobs_by_name(schedule.DAILY_JOB)
        assert not [m for m in fake_api.sent(ADMIN_ID) if "仍没有" in (m["text"] or "")]

        monkeypatch.setattr(schedule, "GIVE_UP_AT", dt.time(0, 0))
        queue.run_once(schedule.daily_post, 0)
        alert = await _admin_says(fake_api, "仍没有")
        assert date in alert["text"] and f"/push {date}" in alert["text"]

        await schedule.daily_post(CallbackContext(running.app))  # once more: no second alert
        await asyncio.sleep(0.3)
        alerts = [m for m in fake_api.sent(ADMIN_ID) if "仍没有" in (m["text"] or "")]
        assert len(alerts) == 1
        assert not fake_api.sent(CHANNEL)


# --- uploads ---------------------------------------------------------------------------------


async def test_upload_digest_validates_indexes_previews_and_publishes(bot, settings,
                                                                      fake_api) -> None:
    date = "2026-03-05"
    before = archive_stats(bot.db).digests
    fake_api.add_file("good-digest", _digest_for(date), "digest-0305.md", "text/markdown")
    fake_api.push_document("good-digest", user_id=ADMIN_ID)
    indexed = await _admin_says(fake_api, "✅ 已索引")
    assert "digest-0305.md" in indexed["text"] and date in indexed["text"]
    buttons = [b for row in indexed["reply_markup"]["inline_keyboard"] for b in row]
    assert [(b["text"], b["callback_data"]) for b in buttons] == [("📢 立即发布到频道", f"p:{date}")]

    expected = _expected_post(bot.db, date)
    await fake_api.wait_for_async(_to_chat(ADMIN_ID, expected[-1]))
    admin_texts = _admin_texts(fake_api)
    assert admin_texts[admin_texts.index(indexed["text"]) + 1:] == expected
    assert archive_stats(bot.db).digests == before + 1
    assert (Path(settings.digest_dir) / f"upload-{date}.md").read_bytes() == _digest_for(date)
    assert not fake_api.sent(CHANNEL)

    fake_api.push_callback(f"p:{date}", indexed, user_id=ADMIN_ID)
    done = await _admin_says(fake_api, f"✅ 已发布 {date}")
    assert done["text"] == f"✅ 已发布 {date}（{len(expected)} 条消息）。"
    assert _channel_texts(fake_api) == expected
    assert any(a.get("text") == "正在发布…" for a in fake_api.answered_callbacks())

    fake_api.add_file("bad-digest", b"hello", "bad.md")
    fake_api.push_document("bad-digest", user_id=ADMIN_ID)
    rejected = await _admin_says(fake_api, "❌ 文件未通过校验")
    assert "no date found" in rejected["text"] and "bad.md" in rejected["text"]
    assert rejected["reply_markup"] is None
    assert archive_stats(bot.db).digests == before + 1

    fake_api.push_document("good-digest", user_id=USER_ID)
    await fake_api.wait_for_async(_to_chat(USER_ID))
    assert [m["text"] for m in fake_api.sent(USER_ID)] == ["抱歉，这个命令仅限管理员使用。"]
    assert len(_channel_texts(fake_api)) == len(expected)


# --- long and hostile content ------------------------------------------------------------------

LONG_TITLE = "超长条目：模型 <甲> & <乙> 全面对比"
ESCAPE_TITLES = [
    "R&D 新规：算力 <100P> 的企业 & 机构须备案",
    "A&B 两家公司发布 <新模型> 预览版",
    "1 < 2 & 3 > 2：基准测试的新纪录",
    LONG_TITLE,
    "开源社区 & 产业联盟成立 <安全> 工作组",
]


def _hostile_digest() -> str:
    lines = ["# AI 行业动态 (2026-03-01)", "", "**政策与监管**", "",
             ESCAPE_TITLES[0],
             "说明:规定 1 < 2 & 3 > 2 的算力门槛，注入测试 <script",
             "要点:", "- 备案 & 审查", "- 门槛 <100P>",
             "来源出处:[新华网 & 央视](https://example.com/a?x=1&y=2)", "",
             "**模型与技术进展**", "",
             ESCAPE_TITLES[1],
             "说明:两家公司 A&B 联合发布，参数量 > 1T 且 < 2T",
             "来源出处:[A&B 官方](https://example.com/ab)", "",
             ESCAPE_TITLES[2],
             "说明:得分 <90 分> 的模型 & 数据集",
             "来源出处:[评测 <榜单>](https://example.com/bench?a=1&b=2)", "",
             LONG_TITLE,
             "说明:" + "长" * 6000,
             "要点:"]
    lines += [f"- 第{i:02d}点 " + "要" * 295 for i in range(30)]
    lines += ["来源出处:[示例 & 长文](https://example.com/long)", "",
              "**行业落地与生态**", "",
              ESCAPE_TITLES[4],
              "说明:工作组 & 联盟 <成员> 超过 100 家",
              "来源出处:[36氪](https://example.com/36kr)", ""]
    return "\n".join(lines)


async def test_long_digest_is_split_under_4096_and_escaped(bot, settings, fake_api) -> None:
    date = "2026-03-01"
    await _until_first_rescan(bot)
    (Path(settings.digest_dir) / f"{date}.md").write_text(_hostile_digest(), encoding="utf-8")
    fake_api.push_command("/reindex", user_id=ADMIN_ID)
    report = (await _admin_says(fake_api, "扫描完成"))["text"]
    said = [m["text"] for m in fake_api.sent(ADMIN_ID)]
    started = admin_render.reindex_started(translations("zh")).text
    assert said.index(started) == said.index(report) - 1  # said at once
    assert "新索引 1" in report and "拒绝 0" in report
    assert f"{date}  {len(ESCAPE_TITLES)} items" in report

    expected = _expected_post(bot.db, date)
    assert len(expected) < 20  # stays under the rate limiter's per-channel burst
    fake_api.push_command(f"/push {date}", user_id=ADMIN_ID)
    await _admin_says(fake_api, f"✅ 已发布 {date}")
    texts = _channel_texts(fake_api)
    assert texts == expected

    joined = "\n".join(texts)
    assert "&lt;" in joined and "&gt;" in joined and "&amp;" in joined
    assert "&lt;script" in joined and "<script" not in joined
    assert "href=\"https://example.com/a?x=1&amp;y=2\"" in joined
    for text in texts:
        assert render.utf16_len(text) <= render.MAX_LENGTH
        assert text.count("<b>") == text.count("</b>")
        assert text.count("<i>") == text.count("</i>")
        assert text.count("<a ") == text.count("</a>")
        assert "<" not in text.replace("<b>", "").replace("</b>", "").replace("<i>", "").replace(
            "</i>", "").replace("</a>", "").replace("<a href=", "")
    for number, title in enumerate(ESCAPE_TITLES, start=1):
        heading = f"<b>{number}. {render.esc(title)}</b>"
        assert sum(heading in text for text in texts) == 1, title
        assert f"\n{number}. {render.esc(title)}\n" in texts[0] + "\n"
    (long_message,) = [t for t in texts if render.esc(LONG_TITLE) + "</b>" in t]
    assert "…" in long_message and "第29点" in long_message


async def test_unexpected_handler_error_apologises_and_keeps_running(bot, fake_api,
                                                                     monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("index exploded")

    monkeypatch.setattr(handlers.user, "what_happened", broken)
    fake_api.push_command("/what 阶跃星辰", user_id=USER_ID)
    await fake_api.wait_for_async(_to_chat(USER_ID, "抱歉，处理这条消息时出了点问题"))
    fake_api.push_command("/help", user_id=USER_ID)
    await fake_api.wait_for_async(_to_chat(USER_ID, "/search"))
    texts = [m["text"] for m in fake_api.sent(USER_ID)]
    assert texts[0] == "抱歉，处理这条消息时出了点问题，请稍后再试。"
    assert "index exploded" not in "".join(texts) and len(texts) == 2


async def test_overview_of_a_very_large_category_is_split_under_4096(bot, settings,
                                                                     fake_api) -> None:
    date = "2026-03-02"
    lines = [f"# AI 行业动态 ({date})", "", "**投融资与并购**", ""]
    for i in range(120):
        lines += [f"第{i:03d}号测试公司完成新一轮融资用于扩展大模型研发团队和算力", "说明:融资", ""]
    (Path(settings.digest_dir) / f"{date}.md").write_text("\n".join(lines), encoding="utf-8")
    fake_api.push_command("/reindex", user_id=ADMIN_ID)
    await _admin_says(fake_api, "扫描完成")
    assert digest_on(bot.db, date) is not None
    fake_api.push_command(f"/push {date}", user_id=ADMIN_ID)
    await fake_api.wait_for_async(lambda c: _to_chat(ADMIN_ID, "✅ 已发布")(c)
                                  or _to_chat(ADMIN_ID, "出了点问题")(c))
    assert [c for c in fake_api.calls("sendMessage") if c["status"] == 400] == []
    assert _channel_texts(fake_api) == _expected_post(bot.db, date)
    assert all(render.utf16_len(text) <= render.MAX_LENGTH for text in _channel_texts(fake_api))
