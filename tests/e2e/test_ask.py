"""Questions end to end over the fake Bot API: plain text in private, a mention of the bot or a
reply to it in a group (other chatter ignored), /ask, the answer's buttons, inline questions, an
unknown command's hint. The bot answers from the bundled digests (2026-01-27 ~ 2026-02-08)."""

from __future__ import annotations

from tests.e2e.conftest import USER_ID

GROUP = -5001


def _sent_to(fake_api, chat_id: int) -> list[dict]:
    return [m for m in fake_api.sent(chat_id) if m["method"] in ("sendMessage", "sendPhoto")]


async def _answers(fake_api, chat_id: int, count: int = 1) -> list[dict]:
    await fake_api.wait_for_async(lambda c: c["method"] in ("sendMessage", "sendPhoto")
                                  and c["status"] == 200
                                  and str(c["params"].get("chat_id")) == str(chat_id), count=count)
    return _sent_to(fake_api, chat_id)


def _buttons(message: dict) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def test_plain_text_in_private_is_answered_as_a_question(bot, fake_api) -> None:
    fake_api.push_message("阶跃星辰融资", user_id=USER_ID)
    (message,) = await _answers(fake_api, USER_ID)
    text = message["text"]
    assert "按：投融资 · 阶跃星辰 · 4 条" in text
    assert "阶跃星辰完成超50亿元人民币B+轮融资" in text
    assert "Step 3.5" not in text  # a model item: outside the asked category
    assert set(_buttons(message)) == {"🗂 不限分类"}


async def test_widening_buttons_edit_the_answer(bot, fake_api) -> None:
    fake_api.push_message("2026年1月28日有哪些融资", user_id=USER_ID)
    (message,) = await _answers(fake_api, USER_ID)
    assert "按：2026年1月28日（" in message["text"] and "）· 投融资 · 2 条" in message["text"]
    buttons = _buttons(message)
    assert set(buttons) == {"🕒 不限时间", "🗂 不限分类"}
    assert all(len(data.encode()) <= 64 for data in buttons.values())
    fake_api.push_callback(buttons["🗂 不限分类"], message, user_id=USER_ID)
    await fake_api.wait_for_async("editMessageText")
    edited = fake_api.sent(USER_ID)[-1]
    assert edited["method"] == "editMessageText"
    assert "投融资" not in edited["text"].split("\n")[0] and "2026-01-28" in edited["text"]
    assert "下一页 ▶" in _buttons(edited)  # 16 items that day: paged
    fake_api.push_callback(_buttons(edited)["下一页 ▶"], edited, user_id=USER_ID)
    await fake_api.wait_for_async("editMessageText", count=2)
    assert "◀ 上一页" in _buttons(fake_api.sent(USER_ID)[-1])


async def test_group_mention_and_reply_are_answered_and_chatter_ignored(bot, fake_api) -> None:
    fake_api.push_message("今天天气不错，大家午饭吃什么", chat_id=GROUP, chat_type="group",
                          user_id=USER_ID)
    fake_api.push_message("@DigestTestBot 阶跃星辰最近怎么样", chat_id=GROUP, chat_type="group",
                          user_id=USER_ID)
    (timeline,) = await _answers(fake_api, GROUP)
    assert "按：阶跃星辰" in timeline["text"] and "事件时间线" in timeline["text"]
    assert "@DigestTestBot" not in timeline["text"]
    fake_api.push_message("那千问呢？有哪些红包", chat_id=GROUP, chat_type="group", user_id=USER_ID,
                          reply_to_message=timeline["message"])
    answers = await _answers(fake_api, GROUP, count=2)
    assert "千问" in answers[-1]["text"] and "红包" in answers[-1]["text"]
    fake_api.push_message("千问的红包真多", chat_id=GROUP, chat_type="group", user_id=USER_ID)
    fake_api.push_command("/help@DigestTestBot", chat_id=GROUP, chat_type="group", user_id=USER_ID)
    answers = await _answers(fake_api, GROUP, count=3)
    assert len(answers) == 3 and "/ask" in answers[-1]["text"]  # the chatter got nothing


async def test_ask_command_works_in_a_group(bot, fake_api) -> None:
    fake_api.push_command("/ask@DigestTestBot Kimi 有什么新闻", chat_id=GROUP, chat_type="group",
                          user_id=USER_ID)
    (message,) = await _answers(fake_api, GROUP)
    assert "按：Kimi · 2 条" in message["text"] and "K2.5" in message["text"]
    fake_api.push_command("/ask", user_id=USER_ID)
    (usage,) = await _answers(fake_api, USER_ID)
    assert "/ask 上周有哪些融资" in usage["text"]


async def test_nothing_to_look_for_and_nothing_found_are_answered(bot, fake_api) -> None:
    fake_api.push_message("😀😀", user_id=USER_ID)
    fake_api.push_message("13月有什么", user_id=USER_ID)
    fake_api.push_message("2026年2月3日 Anthropic 的政策", user_id=USER_ID)
    empty, bad_month, nothing = await _answers(fake_api, USER_ID, count=3)
    assert "没看出要找什么" in empty["text"] and "上周有哪些融资" in empty["text"]
    assert "「13月」不是有效的月份" in bad_month["text"]
    assert "0 条" in nothing["text"] and "没有找到符合条件的条目" in nothing["text"]
    assert set(_buttons(nothing)) == {"🕒 不限时间", "🗂 不限分类"}


async def test_count_question_sends_the_chart(bot, fake_api) -> None:
    fake_api.push_message("红包热度", user_id=USER_ID)
    (call,) = await fake_api.wait_for_async("sendPhoto", timeout=30)
    caption = call["params"]["caption"]
    assert "按：「红包」 · 6 条" in caption and "每周提及次数" in caption


async def test_day_question_sends_that_digest(bot, fake_api) -> None:
    fake_api.push_message("2026年2月3日的日报", user_id=USER_ID)
    messages = await _answers(fake_api, USER_ID)
    assert "日报" in messages[0]["text"].split("\n")[0] and "2026-02-03" in messages[0]["text"]


async def test_unknown_command_in_private_gets_a_hint(bot, fake_api) -> None:
    fake_api.push_command("/foo bar", user_id=USER_ID)
    (hint,) = await _answers(fake_api, USER_ID)
    assert "没有 /foo 这个命令" in hint["text"] and "/help" in hint["text"]
    assert hint["text"].count("\n") == 0


async def test_inline_query_that_reads_as_a_question(bot, fake_api) -> None:
    fake_api.push_inline_query("2026年1月28日的融资", user_id=USER_ID)
    (call,) = await fake_api.wait_for_async("answerInlineQuery")
    results = call["params"]["results"]
    assert len(results) == 2 and all("2026-01-28 · 投融资" in r["description"] for r in results)


async def test_english_reader_gets_english_reading(bot, fake_api) -> None:
    fake_api.push_message("StepFun funding", user_id=USER_ID, language_code="en")
    (message,) = await _answers(fake_api, USER_ID)
    assert "Read as: Funding · StepFun · 4 items" in message["text"]
    assert "Any category" in str(message["reply_markup"])
