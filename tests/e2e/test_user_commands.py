"""Subscriber commands end to end: real Application, real HTTP, fake Bot API server."""

from __future__ import annotations

from tests.e2e.conftest import USER_ID


async def _answer(fake_api, chat_id: int, count: int = 1) -> list[dict]:
    await fake_api.wait_for_async(lambda c: c["method"] == "sendMessage" and c["status"] == 200
                                  and str(c["params"].get("chat_id")) == str(chat_id), count=count)
    return fake_api.sent(chat_id)


async def test_start_registers_menu_and_help_lists_every_command(bot, fake_api) -> None:
    assert {c["command"] for c in fake_api.commands} >= {"today", "search", "category", "what",
                                                         "latest", "help"}
    fake_api.push_command("/start", user_id=USER_ID)
    (message,) = await _answer(fake_api, USER_ID)
    assert "/search" in message["text"] and "/what 阶跃星辰" in message["text"]
    assert message["parse_mode"] == "HTML" and message["preview_disabled"]
    assert "管理员" not in message["text"]


async def test_search_pages_by_callback_and_narrows_by_category(bot, fake_api) -> None:
    fake_api.push_command("/search AI", user_id=USER_ID)
    (first,) = await _answer(fake_api, USER_ID)
    assert "第 1/" in first["text"]
    buttons = [b for row in first["reply_markup"]["inline_keyboard"] for b in row]
    next_button = next(b for b in buttons if "下一页" in b["text"])
    fake_api.push_callback(next_button["callback_data"], first, user_id=USER_ID)
    await fake_api.wait_for_async("editMessageText")
    edited = fake_api.sent(USER_ID)[-1]
    assert edited["method"] == "editMessageText" and "第 2/" in edited["text"]
    assert fake_api.answered_callbacks()
    funding = next(b for b in buttons if b["text"] == "投融资")
    fake_api.push_callback(funding["callback_data"], first, user_id=USER_ID)
    await fake_api.wait_for_async("editMessageText", count=2)
    narrowed = fake_api.sent(USER_ID)[-1]
    assert "投融资" in narrowed["text"] and "✅ 投融资" in str(narrowed["reply_markup"])


async def test_search_typo_and_nothing_found(bot, fake_api) -> None:
    fake_api.push_command("/search Antropic", user_id=USER_ID)
    (corrected,) = await _answer(fake_api, USER_ID)
    assert "已显示「Anthropic」" in corrected["text"]
    fake_api.push_command("/search 不存在的话题xyz", user_id=USER_ID)
    messages = await _answer(fake_api, USER_ID, count=2)
    assert "没有找到" in messages[-1]["text"] and "/category" in messages[-1]["text"]


async def test_what_tells_the_story_in_order(bot, fake_api) -> None:
    fake_api.push_command("/what 阶跃星辰", user_id=USER_ID)
    (timeline,) = await _answer(fake_api, USER_ID)
    text = timeline["text"]
    assert "1. <b>2026-01-27</b>" in text and "另见：01-28、02-03、02-08" in text
    assert text.index("50亿") < text.index("Step 3.5")
    assert 'href="http://www.36kr.com/p/3657567182938757"' in text


async def test_group_command_addressed_to_the_bot(bot, fake_api) -> None:
    group = -5001
    fake_api.push_command("/latest@DigestTestBot", chat_id=group, user_id=USER_ID,
                          chat_type="group")
    (headlines,) = await _answer(fake_api, group)
    assert "2026-02-08" in headlines["text"] and "1. 广西发布十五五AI发展规划" in headlines["text"]


async def test_today_falls_back_to_newest_and_says_so(bot, fake_api) -> None:
    fake_api.push_command("/today", user_id=USER_ID)
    messages = await _answer(fake_api, USER_ID)
    assert "还没有发布，以下是最新一期（2026-02-08）" in messages[0]["text"]
    fake_api.push_command("/today 2026-01-28", user_id=USER_ID)
    await fake_api.wait_for_async(lambda c: c["method"] == "sendMessage" and c["status"] == 200
                                  and "2026-01-28" in c["params"].get("text", ""), count=2)
    fake_api.push_command("/today 2026-13-45", user_id=USER_ID)
    await fake_api.wait_for_async(lambda c: "日期格式不对" in str(c["params"].get("text")))


async def test_category_keyboard_then_page(bot, fake_api) -> None:
    fake_api.push_command("/category", user_id=USER_ID)
    (menu,) = await _answer(fake_api, USER_ID)
    buttons = [b for row in menu["reply_markup"]["inline_keyboard"] for b in row]
    assert "投融资 (13)" in [b["text"] for b in buttons]
    funding = next(b for b in buttons if b["text"] == "投融资 (13)")
    fake_api.push_callback(funding["callback_data"], menu, user_id=USER_ID)
    await fake_api.wait_for_async("editMessageText")
    page = fake_api.sent(USER_ID)[-1]
    assert "投融资与并购</b> · 共 13 条 · 第 1/3 页" in page["text"]
    fake_api.push_command("/category 天气", user_id=USER_ID)
    await fake_api.wait_for_async(lambda c: "未知分类" in str(c["params"].get("text")))


async def test_admin_commands_refused_politely_for_others(bot, fake_api) -> None:
    for command in ("/push", "/stats", "/pause", "/reindex", "/schedule 09:00", "/preview"):
        fake_api.push_command(command, user_id=USER_ID)
    messages = await _answer(fake_api, USER_ID, count=6)
    assert all(m["text"] == "抱歉，这个命令仅限管理员使用。" for m in messages)
    assert not fake_api.sent(-1001234567890)


async def test_hostile_queries_get_answers_not_tracebacks(bot, fake_api) -> None:
    queries = ['"', "AND(", "*", "NEAR", "😀", "红", "x" * 500, "<b>红包&"]
    for query in queries:
        fake_api.push_command(f"/search {query}", user_id=USER_ID)
    messages = await _answer(fake_api, USER_ID, count=len(queries))
    assert all("出了点问题" not in m["text"] for m in messages)
    assert any("&lt;b&gt;红包&amp;" in m["text"] for m in messages)
