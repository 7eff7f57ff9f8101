"""What is hot in Telegram, end to end: /hot and its buttons, the Monday board's section, the
rising line of a watch alert (the real Application against the fake Bot API, both backends)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from bot import schedule
from storage.hot import hot
from tests.e2e.conftest import ADMIN_ID, CHANNEL_ID
from tests.e2e.test_admin_and_schedule import _today
from tests.e2e.test_readers import _replies, _run_job, _sent_to
from tests.hot_archive import FADER, NEW, OLD_NEW, RISER, STEADY, write_archive

READER = 3001
CHANNEL = int(CHANNEL_ID)


def _section(text: str, heading: str) -> str:
    """Return the lines of one list of a /hot answer (from its heading to the next blank line)."""
    start = text.index(heading)
    end = text.find("\n\n", start)
    return text[start:end if end >= 0 else len(text)]


async def test_hot_lists_the_riser_and_the_new_name_with_buttons_to_timeline_and_trend(
        start_bot, settings, fake_api, tmp_path: Path) -> None:
    today = dt.date.fromisoformat(_today(settings))
    write_archive(tmp_path / "hot", end=today)
    async with start_bot(digest_dir=str(tmp_path / "hot")) as running:
        fake_api.push_command("/hot", user_id=READER)
        (answer,) = await _replies(fake_api, READER)
        text = answer["text"]
        result = hot(running.db, today.isoformat())
        rising, new = _section(text, "📈 升温"), _section(text, "🆕 新面孔")
        assert f"<b>{RISER}</b> 6 条（此前每周 1）" in rising
        assert f"<b>{NEW}</b> 3 条 · 首见" in new
        assert STEADY not in rising + new and FADER in _section(text, "📉 降温")
        # The same lists as storage gives (the CLI's and MCP's JSON are that answer).
        assert re.findall(r"^\d+\. <b>(.+?)</b>", rising, re.M) == [t.term for t in result.rising][:10]
        assert re.findall(r"^\d+\. <b>(.+?)</b>", new, re.M) == [t.term for t in result.new][:10]
        buttons = [b for row in answer["reply_markup"]["inline_keyboard"] for b in row]
        assert buttons and all(len(b["callback_data"].encode()) <= 64 for b in buttons)
        timeline = next(b for b in buttons if b["text"] == f"📰 {RISER}")
        fake_api.push_callback(timeline["callback_data"], answer, user_id=READER)
        replies = await _replies(fake_api, READER, count=2)
        assert RISER in replies[-1]["text"] and "迎来新进展" in replies[-1]["text"]
        position = buttons.index(timeline)
        fake_api.push_callback(buttons[position + 1]["callback_data"], answer, user_id=READER)
        (photo,) = await fake_api.wait_for_async("sendPhoto", timeout=30)
        assert f"「{RISER}」" in photo["params"]["caption"]


async def test_hot_two_weeks_back_and_the_answers_without_lists(start_bot, settings, fake_api,
                                                                tmp_path: Path) -> None:
    today = dt.date.fromisoformat(_today(settings))
    write_archive(tmp_path / "hot", end=today)
    async with start_bot(digest_dir=str(tmp_path / "hot")):
        fake_api.push_command(f"/hot {(today - dt.timedelta(days=14)).isoformat()}", user_id=READER)
        back = (await _replies(fake_api, READER))[-1]["text"]
        assert OLD_NEW in _section(back, "🆕 新面孔") and NEW not in back
        fake_api.push_command("/hot 2020-01-05", user_id=READER)
        empty = (await _replies(fake_api, READER, count=2))[-1]["text"]
        assert "2019-12-30 ~ 2020-01-05 没有日报" in empty and f"最新一期是 {today}" in empty
        fake_api.push_command("/hot 上周", user_id=READER)
        last_week = today - dt.timedelta(days=today.weekday() + 1)
        assert f"~ {last_week.isoformat()}" in (await _replies(fake_api, READER, count=3))[-1]["text"]
        fake_api.push_command("/hot 不是日期", user_id=READER)
        assert "日期格式不对" in (await _replies(fake_api, READER, count=4))[-1]["text"]


async def test_monday_board_has_the_weeks_new_names_and_rising_terms(start_bot, settings, fake_api,
                                                                     tmp_path: Path) -> None:
    yesterday = dt.date.fromisoformat(_today(settings)) - dt.timedelta(days=1)
    write_archive(tmp_path / "hot", end=yesterday)
    async with start_bot(digest_dir=str(tmp_path / "hot"), weekly_post=dt.time(9, 0)) as running:
        await _run_job(running, schedule.weekly_post)
        texts = [m["text"] for m in _sent_to(fake_api, CHANNEL)]
        assert any(t.startswith("📅 <b>一周事件榜</b>") for t in texts)
        (section,) = [t for t in texts if "本周新面孔 / 升温" in t]
        assert f"<b>{NEW}</b>" in section and f"<b>{RISER}</b>" in section
        assert STEADY not in section and FADER not in section


async def test_a_watched_rising_keyword_gets_one_line_in_the_weeks_first_alert(
        start_bot, settings, fake_api, tmp_path: Path) -> None:
    today = dt.date.fromisoformat(_today(settings))
    write_archive(tmp_path / "hot", end=today)
    todays = tmp_path / "hot" / f"{today.isoformat()}.md"
    async with start_bot(digest_dir=str(tmp_path / "hot")):
        fake_api.push_command(f"/watch {RISER}", user_id=READER)
        await _replies(fake_api, READER)
        for number in (1, 2):  # today's digest changes twice: two alerts
            todays.write_text(todays.read_text(encoding="utf-8") + (
                f"\n**{RISER}新品第{number}号**\n说明：{RISER}又有新消息。\n"
                f"来源出处：[来源](https://example.com/new/{number})\n"), encoding="utf-8")
            fake_api.push_command("/reindex", user_id=ADMIN_ID)
            await fake_api.wait_for_async(
                lambda c, n=number: str(c["params"].get("chat_id")) == str(READER)
                and f"新品第{n}号" in str(c["params"].get("text")), timeout=30)
        first, second = [m["text"] for m in _sent_to(fake_api, READER) if "新品第" in m["text"]]
        assert f"📈 你关注的「{RISER}」本周升温：<b>{RISER}</b>" in first
        assert "本周升温" not in second  # at most once a week
