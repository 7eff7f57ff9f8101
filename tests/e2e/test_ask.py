"""Questions end to end over the fake Bot API: plain text in private, a mention of the bot or a
reply to it in a group (other chatter ignored), /ask, the answer's buttons, inline questions, an
unknown command's hint. The bot answers from the bundled digests (2026-01-27 ~ 2026-02-08)."""

from __future__ import annotations

import logging

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


# --- AI answers, against a local OpenAI-compatible stand-in -----------------------------------

KEY = "sk-e2e-secret-0123456789"
STEPFUN = ["阶跃星辰完成超50亿元人民币B+轮融资", "2026年1月AI领域融资超42起亿元级",  # newest first
           "大模型初创公司“阶跃星辰”完成超50亿元B+轮融资", "大模型赛道硝烟再起：阶跃星辰刷新融资纪录"]


def _llm(service, **more) -> dict:
    return {"llm_base_url": service.base_url, "llm_api_key": KEY, "llm_model": "stand-in-model",
            "llm_timeout": 2.0, **more}


async def test_ai_answer_opens_the_answer_and_cites_the_right_items(start_bot, fake_api) -> None:
    from tests.llm_stand_in import ChatStandIn

    reply = "阶跃星辰完成了超50亿元的B+轮融资 [1]，此前已有报道 [3][8]。"
    with ChatStandIn(reply=reply) as service:
        async with start_bot(**_llm(service), web_url="https://news.example.org") as running:
            fake_api.push_message("阶跃星辰融资", user_id=USER_ID)
            (message,) = await _answers(fake_api, USER_ID)
            first, third = (running.db.execute("SELECT id FROM items WHERE title = $1",
                                               (title,)).fetchone()[0]
                            for title in (STEPFUN[0], STEPFUN[2]))
        (request,) = service.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["authorization"] == f"Bearer {KEY}"
    assert request["body"]["model"] == "stand-in-model"
    prompt = request["body"]["messages"][1]["content"]
    assert "阶跃星辰融资" in prompt and all(title in prompt for title in STEPFUN)
    assert len(prompt) < 5000
    text = message["text"]
    assert text.startswith("<b>🤖 AI 摘要</b>\n阶跃星辰完成了超50亿元的B+轮融资[1]，此前已有报道[2]。")
    assert "[8]" not in text and "[3]" not in text  # the invented citation is dropped
    assert f'[1] <a href="https://news.example.org/item/{first}">{STEPFUN[0]}</a>' in text
    assert f'[2] <a href="https://news.example.org/item/{third}">' in text
    assert "以上摘要由 AI 根据检索到的 4 条条目自动生成" in text
    assert "按：投融资 · 阶跃星辰 · 4 条" in text  # the plain answer follows
    assert any(c["method"] == "sendChatAction" for c in fake_api.calls())


async def test_ai_answer_falls_back_to_the_plain_answer(start_bot, fake_api) -> None:
    from tests.llm_stand_in import ChatStandIn

    with ChatStandIn(reply="阶跃星辰融资 [1]。", mode="error") as service:
        # Long enough for a loaded machine to send the request; the hanging call waits it out.
        async with start_bot(**_llm(service, llm_timeout=5.0)):
            fake_api.push_message("阶跃星辰融资", user_id=USER_ID)
            (failed,) = await _answers(fake_api, USER_ID)
            service.mode = "slow"  # hangs past LLM_TIMEOUT
            fake_api.push_message("Kimi 有什么新闻", user_id=USER_ID)
            slow = (await _answers(fake_api, USER_ID, count=2))[-1]
            service.mode = "ok"
            service.reply = "只有编造的引用 [9]。"
            fake_api.push_message("千问有什么新闻", user_id=USER_ID)
            invented = (await _answers(fake_api, USER_ID, count=3))[-1]
        assert len(service.requests) == 3
    for message in (failed, slow, invented):
        assert "AI 摘要" not in message["text"] and message["text"].startswith("💬 <b>按：")


async def test_ai_answers_hold_to_the_daily_quota(start_bot, fake_api) -> None:
    from tests.llm_stand_in import ChatStandIn

    with ChatStandIn(reply="阶跃星辰融资 [1]。") as service:
        async with start_bot(**_llm(service, llm_daily_per_user=2)):
            for question in ("阶跃星辰融资", "阶跃星辰最近怎么样", "阶跃星辰有什么新闻"):
                fake_api.push_message(question, user_id=USER_ID)
            first, second, third = await _answers(fake_api, USER_ID, count=3)
            fake_api.push_message("阶跃星辰融资", user_id=USER_ID + 1)  # another reader
            (other,) = await _answers(fake_api, USER_ID + 1)
        assert len(service.requests) == 3
    assert "AI 摘要" in first["text"] and "AI 摘要" in second["text"] and "AI 摘要" in other["text"]
    assert "今天的 AI 摘要已用完（每人每天 2 次）" in third["text"] and "按：" in third["text"]


async def test_the_key_is_not_in_the_log_at_debug(start_bot, fake_api, settings, capsys) -> None:
    import dataclasses

    from tests.e2e.test_logging import _logging_as_digestbot_run
    from tests.llm_stand_in import ChatStandIn

    with ChatStandIn(reply="阶跃星辰融资 [1]。") as service:
        debug = dataclasses.replace(settings, log_level="DEBUG", **_llm(service, llm_timeout=5.0))
        with _logging_as_digestbot_run(debug):
            async with start_bot(**_llm(service, llm_timeout=5.0)):
                fake_api.push_message("阶跃星辰融资", user_id=USER_ID)
                await _answers(fake_api, USER_ID)
                service.mode = "error"
                fake_api.push_message("Kimi 有什么新闻", user_id=USER_ID)
                await _answers(fake_api, USER_ID, count=2)
            logging.getLogger("openai").warning("request with key %s", KEY)
        assert len(service.requests) == 2
    err = capsys.readouterr().err
    assert "Calling Bot API endpoint" in err  # DEBUG was on
    assert "AI answer failed: InternalServerError (HTTP 500)" in err
    assert KEY not in err and "request with key <secret>" in err


async def test_a_tampered_answer_button_is_answered(bot, fake_api) -> None:
    fake_api.push_message("阶跃星辰融资", user_id=USER_ID)
    (message,) = await _answers(fake_api, USER_ID)
    for data in ("a:99999999999999999999:0:", "a:1:99999:c", "a:424242:0:t"):
        fake_api.push_callback(data, message, user_id=USER_ID)
    await fake_api.wait_for_async("answerCallbackQuery", count=3)
    answers = [c["params"].get("text", "") for c in fake_api.calls("answerCallbackQuery")]
    assert len(answers) == 3 and all(answers)  # every press answered, none left spinning
