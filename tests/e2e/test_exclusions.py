"""Exclusions end to end (`-词`, `!词`): /search and its buttons, /watch alerts, inline mode, /help.

Real Application, real HTTP, fake Bot API server, on both backends.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import ADMIN_ID, USER_ID
from tests.e2e.test_admin_and_schedule import _digest_for, _today

WITHOUT_WENXIN = ("腾讯元宝发放10亿元红包", "阿里千问启动30亿元春节免单活动",
                  "千问宣布投入30亿入局春节AI大战")


async def _replies(fake_api, chat_id: int, count: int = 1) -> list[dict]:
    await fake_api.wait_for_async(lambda c: c["method"] == "sendMessage" and c["status"] == 200
                                  and str(c["params"].get("chat_id")) == str(chat_id), count=count)
    return [m for m in fake_api.sent(chat_id) if m["method"] == "sendMessage"]


async def test_search_excludes_a_word_on_every_page_and_category(bot, fake_api) -> None:
    fake_api.push_command("/search 红包 -文心", user_id=USER_ID)
    (found,) = await _replies(fake_api, USER_ID)
    text = found["text"]
    assert "红包 -文心" in text and "共 3 条" in text
    assert all(title in text for title in WITHOUT_WENXIN) and "文心" not in text.replace("-文心", "")
    # The category buttons search the same query again: still without 文心.
    buttons = [b for row in found["reply_markup"]["inline_keyboard"] for b in row]
    products = next(b for b in buttons if b["text"] == "产品")
    fake_api.push_callback(products["callback_data"], found, user_id=USER_ID)
    await fake_api.wait_for_async("editMessageText")
    narrowed = fake_api.sent(USER_ID)[-1]["text"]
    assert "共 3 条" in narrowed and "百度文心" not in narrowed
    fake_api.push_command("/search 红包 !文心 -千问", user_id=USER_ID)
    last = (await _replies(fake_api, USER_ID, count=2))[-1]["text"]
    assert "共 1 条" in last and "腾讯元宝发放10亿元红包" in last


async def test_search_of_exclusions_only_and_help_explain_the_syntax(bot, fake_api) -> None:
    fake_api.push_command("/search -文心", user_id=USER_ID)
    (refused,) = await _replies(fake_api, USER_ID)
    assert "只有排除词" in refused["text"] and "/search 红包 -文心" in refused["text"]
    assert refused["reply_markup"] is None
    fake_api.push_command("/help", user_id=USER_ID)
    help_text = (await _replies(fake_api, USER_ID, count=2))[-1]["text"]
    assert "搜索语法" in help_text and "<code>/search 红包 -文心</code>" in help_text
    assert "排除" in help_text


async def test_watch_with_an_exclusion_alerts_only_items_without_it(bot, settings, fake_api) -> None:
    fake_api.push_command("/watch 红包 -文心", user_id=USER_ID)
    assert "已关注「红包 -文心」" in (await _replies(fake_api, USER_ID))[-1]["text"]
    fake_api.push_command("/watch -文心", user_id=USER_ID)
    assert "只有排除词" in (await _replies(fake_api, USER_ID, count=2))[-1]["text"]
    date = _today(settings)
    (Path(settings.digest_dir) / f"today-{date}.txt").write_bytes(_digest_for(date))
    fake_api.push_command("/reindex", user_id=ADMIN_ID)
    await fake_api.wait_for_async(lambda c: str(c["params"].get("chat_id")) == str(USER_ID)
                                  and "新日报里有你关注的内容" in str(c["params"].get("text")))
    alert = (await _replies(fake_api, USER_ID, count=3))[-1]["text"]
    assert "腾讯元宝发放10亿元红包" in alert and "阿里千问启动30亿元春节免单活动" in alert
    assert "百度文心" not in alert


async def test_inline_query_excludes_and_explains_exclusions_only(bot, fake_api) -> None:
    fake_api.push_inline_query("红包 -文心", user_id=USER_ID)
    (call,) = await fake_api.wait_for_async("answerInlineQuery")
    results = call["params"]["results"]
    assert sorted(r["title"] for r in results) == sorted(WITHOUT_WENXIN)
    assert not any("文心" in r["input_message_content"]["message_text"] for r in results)
    assert "button" not in call["params"]
    fake_api.push_inline_query("-文心", user_id=USER_ID)
    calls = await fake_api.wait_for_async("answerInlineQuery", count=2)
    refused = calls[-1]["params"]
    assert refused["results"] == [] and "只有排除词" in refused["button"]["text"]
