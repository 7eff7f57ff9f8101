"""Hostile inputs on Telegram end to end: whatever a user sends, every reply stays within what the
Bot API accepts (the fake refuses what Telegram refuses) and nothing ends in the apology."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.common import ECHO_LIMIT
from tests.e2e.conftest import USER_ID

LONG = "长" * 4086  # a command and a 4,086-character argument: one full message


def _replies(fake_api, chat_id: int) -> list[dict]:
    """Every sendMessage/sendPhoto/sendDocument call into `chat_id`, accepted or refused."""
    return [c for c in fake_api.calls() if c["method"] in ("sendMessage", "sendPhoto",
                                                            "sendDocument")
            and str(c["params"].get("chat_id")) == str(chat_id)]


@pytest.mark.parametrize("command", ["/category", "/today", "/week", "/card", "/lang", "/unwatch",
                                     "/subscribe", "/search", "/what", "/trend", "/watch"])
async def test_a_whole_message_of_argument_is_answered_within_limits(bot, fake_api,
                                                                     command: str) -> None:
    fake_api.push_command(f"{command} {LONG}", user_id=USER_ID)
    (call,) = await fake_api.wait_for_async(lambda c: c in _replies(fake_api, USER_ID))
    assert call["status"] == 200, call["response"]
    text = call["params"].get("text") or call["params"].get("caption") or ""
    assert "出了点问题" not in text and LONG not in text
    if command not in ("/search", "/what", "/trend", "/watch"):  # those quote a query they cut
        assert "长" * (ECHO_LIMIT - 1) + "…" in text


async def test_subscribe_with_thousands_of_unknown_names_quotes_a_few(bot, fake_api) -> None:
    fake_api.push_command("/subscribe " + ",".join(f"x{i}" for i in range(900)), user_id=USER_ID)
    (call,) = await fake_api.wait_for_async(lambda c: c in _replies(fake_api, USER_ID))
    assert call["status"] == 200, call["response"]
    assert "x0、x1、x2、x3、x4、…" in call["params"]["text"] and "x5" not in call["params"]["text"]


async def test_digests_dated_at_the_calendars_ends_are_refused_and_trend_still_works(
        start_bot, settings, fake_api) -> None:
    for date in ("9999-12-31", "0001-01-01"):
        (Path(settings.digest_dir) / f"{date}.md").write_text(
            f"# AI 行业动态 ({date})\n\n**产品与应用发布**\n\nAI 条目\n说明：AI。\n", encoding="utf-8")
    async with start_bot():
        fake_api.push_command("/trend AI", user_id=USER_ID)
        (chart,) = await fake_api.wait_for_async(lambda c: c in _replies(fake_api, USER_ID))
        assert chart["method"] == "sendPhoto" and chart["status"] == 200, chart["response"]
        assert "2026" in chart["params"]["caption"]
        fake_api.push_command("/today", user_id=USER_ID)
        await fake_api.wait_for_async(lambda c: c in _replies(fake_api, USER_ID), count=2)
        newest = _replies(fake_api, USER_ID)[1]["params"]["text"]
        assert "以下是最新一期（2026-02-08）" in newest and "9999" not in newest
