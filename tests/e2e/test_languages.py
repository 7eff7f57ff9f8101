"""Languages end to end: English for English clients, Chinese for everyone else, /lang remembered
across restarts, the command menu per language, channel posts in CHANNEL_LANGUAGE and subscriptions
in the reader's language. Real Application, real HTTP, fake Bot API server."""

from __future__ import annotations

import datetime as dt
import re

from bot import schedule
from tests.e2e.conftest import ADMIN_ID, CHANNEL_ID
from tests.e2e.test_admin_and_schedule import _today, _write_today_digest
from tests.e2e.test_readers import _run_job

EN_USER, ZH_USER, NO_LANGUAGE_USER = 3001, 3002, 3003
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _chinese(text: str) -> bool:
    """Return True if `text` has Chinese besides "中文" (the language's own name, in /lang help)."""
    return bool(CJK.search(text.replace("中文", "")))


async def _replies(fake_api, chat_id: int, count: int = 1) -> list[dict]:
    await fake_api.wait_for_async(lambda c: c["method"] in ("sendMessage", "editMessageText")
                                  and c["status"] == 200
                                  and str(c["params"].get("chat_id")) == str(chat_id), count=count)
    return fake_api.sent(chat_id)


def _buttons(message: dict) -> list[dict]:
    return [b for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def test_the_command_menu_is_registered_per_language(bot, fake_api) -> None:
    chinese = {c["command"]: c["description"] for c in fake_api.commands_for()}
    english = {c["command"]: c["description"] for c in fake_api.commands_for("en")}
    assert set(chinese) == set(english) >= {"today", "search", "what", "lang", "help"}
    assert chinese["search"] == "关键词搜索" and english["search"] == "keyword search"
    assert not any(_chinese(d) for d in english.values())


async def test_an_english_client_gets_english_and_everyone_else_chinese(bot, fake_api) -> None:
    fake_api.push_command("/help", user_id=EN_USER, language_code="en-US")
    (help_en,) = await _replies(fake_api, EN_USER)
    assert "<b>Commands</b>" in help_en["text"] and "/search — keyword search" in help_en["text"]
    assert not _chinese(help_en["text"])
    for user, code in ((ZH_USER, "zh-hans"), (NO_LANGUAGE_USER, None)):
        fake_api.push_command("/help", user_id=user, language_code=code)
        (help_zh,) = await _replies(fake_api, user)
        assert "<b>命令</b>" in help_zh["text"] and "/search — 关键词搜索" in help_zh["text"]

    fake_api.push_command("/today 2026-13-45", user_id=EN_USER, language_code="en")
    error = (await _replies(fake_api, EN_USER, 2))[-1]
    assert error["text"] == ("That date is malformed: 2026-13-45. Use YYYY-MM-DD, e.g. "
                             "/today 2026-02-08")
    fake_api.push_command("/today 2026-02-08", user_id=EN_USER, language_code="en")
    await fake_api.wait_for_async(lambda c: c["method"] == "sendMessage" and "reply_markup" in c["params"]
                                  and str(c["params"].get("chat_id")) == str(EN_USER))
    day = [m for m in fake_api.sent(EN_USER) if m["reply_markup"]][-1]
    assert [b["text"] for b in _buttons(day)] == ["🖼 Long image"]
    fake_api.push_command("/today 2026-13-45", user_id=NO_LANGUAGE_USER, language_code=None)
    assert "日期格式不对" in (await _replies(fake_api, NO_LANGUAGE_USER, 2))[-1]["text"]

    # Search: labels and buttons in English, the digests' own text as written; paging stays English.
    fake_api.push_command("/search 红包", user_id=EN_USER, language_code="en")
    await fake_api.wait_for_async(lambda c: "items · page" in str(c["params"].get("text")))
    page = fake_api.sent(EN_USER)[-1]
    assert "<b>红包</b> · 6 items · page 1/2" in page["text"] and "📅 2026-" in page["text"]
    assert "元宝" in page["text"]  # an item's title, as written
    labels = [b["text"] for b in _buttons(page)]
    assert labels == ["Next ▶", "Policy", "Models", "Products", "Funding", "Industry", "✅ All"]
    next_page = next(b for b in _buttons(page) if b["text"] == "Next ▶")
    fake_api.push_callback(next_page["callback_data"], page, user_id=EN_USER, language_code="en")
    await fake_api.wait_for_async("editMessageText")
    edited = fake_api.sent(EN_USER)[-1]
    assert "page 2/2" in edited["text"] and "◀ Previous" in [b["text"] for b in _buttons(edited)]

    fake_api.push_command("/search 红包", user_id=ZH_USER)
    page_zh = (await _replies(fake_api, ZH_USER, 2))[-1]
    assert "共 6 条 · 第 1/2 页" in page_zh["text"]
    assert [b["text"] for b in _buttons(page_zh)][:2] == ["下一页 ▶", "政策"]


async def test_settings_watches_errors_and_admin_replies_in_english(bot, fake_api) -> None:
    fake_api.push_command("/settings", user_id=EN_USER, language_code="en")
    (view,) = await _replies(fake_api, EN_USER)
    assert "Subscription settings" in view["text"] and "🔔 Subscribe" in str(view["reply_markup"])
    subscribe = next(b for b in _buttons(view) if b["text"] == "🔔 Subscribe")
    fake_api.push_callback(subscribe["callback_data"], view, user_id=EN_USER, language_code="en")
    await fake_api.wait_for_async("editMessageText")
    assert "🔕 Unsubscribe" in str(fake_api.sent(EN_USER)[-1]["reply_markup"])
    assert fake_api.answered_callbacks()[-1]["text"] == "Updated"
    fake_api.push_command("/watch x", user_id=EN_USER, language_code="en")
    fake_api.push_command("/stats", user_id=EN_USER, language_code="en")  # not an admin
    fake_api.push_command("/category weather", user_id=EN_USER, language_code="en")
    texts = [m["text"] for m in (await _replies(fake_api, EN_USER, 5))[-3:]]
    assert texts[0].startswith("Type a keyword after the command (at least 2 characters)")
    assert texts[1] == "Sorry, this command is for admins only."
    assert texts[2].startswith("Unknown category: weather.")
    fake_api.push_command("/stats", user_id=ADMIN_ID, language_code="en")
    (stats,) = await _replies(fake_api, ADMIN_ID)
    assert stats["text"].startswith("📊 <b>Statistics</b>\nDigests: 5, 62 items")


async def test_lang_overrides_the_client_and_is_remembered_after_a_restart(start_bot,
                                                                           fake_api) -> None:
    async with start_bot():
        fake_api.push_command("/lang en", user_id=ZH_USER)
        (answer,) = await _replies(fake_api, ZH_USER)
        assert answer["text"] == "🌐 I will answer you in English from now on."
        fake_api.push_command("/latest", user_id=ZH_USER)
        assert "12 items" in (await _replies(fake_api, ZH_USER, 2))[-1]["text"]
        fake_api.push_command("/lang klingon", user_id=ZH_USER)
        assert (await _replies(fake_api, ZH_USER, 3))[-1]["text"].startswith("Unknown language")
    async with start_bot():  # a new process: the choice comes from the database
        fake_api.push_command("/help", user_id=ZH_USER)
        help_text = (await _replies(fake_api, ZH_USER, 4))[-1]["text"]
        assert "<b>Commands</b>" in help_text and not _chinese(help_text)
        fake_api.push_command("/lang", user_id=ZH_USER)
        assert "Language: English (your choice)" in (await _replies(fake_api, ZH_USER, 5))[-1]["text"]
        fake_api.push_command("/lang auto", user_id=ZH_USER)  # back to the client's: Chinese
        assert "已改为自动" in (await _replies(fake_api, ZH_USER, 6))[-1]["text"]
        fake_api.push_command("/lang zh", user_id=EN_USER, language_code="en")
        assert (await _replies(fake_api, EN_USER))[-1]["text"] == "🌐 以后用中文回复你。"
        fake_api.push_command("/help", user_id=EN_USER, language_code="en")
        assert "<b>命令</b>" in (await _replies(fake_api, EN_USER, 2))[-1]["text"]


async def test_inline_results_are_in_the_asking_users_language(bot, fake_api) -> None:
    fake_api.push_inline_query("红包", user_id=EN_USER, language_code="en")
    fake_api.push_inline_query("红包", user_id=ZH_USER)
    calls = await fake_api.wait_for_async("answerInlineQuery", count=2)
    assert all(c["params"]["is_personal"] is True for c in calls)  # no cache shared across users
    answers = sorted((c["params"]["results"] for c in calls),
                     key=lambda results: " · 产品 · " in str(results))
    english, chinese = answers
    assert any(" · Products · " in r["description"] for r in english)
    assert not any(" · 产品 · " in r["description"] for r in english)
    assert any(" · 产品 · " in r["description"] for r in chinese)
    assert "Source: " in english[0]["input_message_content"]["message_text"]


async def test_channel_posts_in_channel_language_and_subscribers_in_their_own(start_bot, settings,
                                                                              fake_api) -> None:
    date = _write_today_digest(settings)
    async with start_bot(channel_language="en", post_time=dt.time(23, 59),
                         subscriber_format="full") as running:
        fake_api.push_command("/subscribe", user_id=ZH_USER)
        fake_api.push_command("/subscribe", user_id=EN_USER, language_code="en")
        await _replies(fake_api, ZH_USER)
        await _replies(fake_api, EN_USER)
        await _run_job(running, schedule.daily_post)
        channel = [m["text"] for m in fake_api.sent(int(CHANNEL_ID))]
        assert channel and "· 12 items" in channel[0] and "来源：" not in "".join(channel)
        chinese = [m["text"] for m in fake_api.sent(ZH_USER)[1:]]
        english = [m["text"] for m in fake_api.sent(EN_USER)[1:]]
        assert "· 共 12 条" in chinese[0] and "Source: " not in "".join(chinese)
        assert "· 12 items" in english[0] and "来源：" not in "".join(english)
        assert date == _today(settings)
