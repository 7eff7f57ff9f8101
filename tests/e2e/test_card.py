"""/card and the "🖼 长图" button under /today end to end: a 1080 px wide PNG sent as a file,
answered in the chat (and forum topic) it was asked in. Real Application, fake Bot API."""

from __future__ import annotations

import io

from PIL import Image

from tests.e2e.conftest import USER_ID

FORUM = -1009876543210


def _png_of(fake_api, call: dict) -> Image.Image:
    document = call["response"]["result"]["document"]
    image = Image.open(io.BytesIO(fake_api.file_content(document["file_id"])))
    image.load()
    return image


async def _text_replies(fake_api, chat_id: int, count: int) -> list[str]:
    await fake_api.wait_for_async(lambda c: c["method"] == "sendMessage" and c["status"] == 200
                                  and str(c["params"].get("chat_id")) == str(chat_id), count=count)
    return [m["text"] for m in fake_api.sent(chat_id) if m["method"] == "sendMessage"]


async def test_card_sends_the_newest_digest_as_a_1080_wide_png(start_bot, fake_api) -> None:
    async with start_bot(web_url="https://digest.example.org", card_footer="AI 日报读者群"):
        fake_api.push_command("/card", user_id=USER_ID)
        (call,) = await fake_api.wait_for_async("sendDocument", timeout=60)
        image = _png_of(fake_api, call)
        assert image.format == "PNG" and image.size[0] == 1080 and image.size[1] > 1000
        assert call["response"]["result"]["document"]["file_name"] == "digest-2026-02-08.png"
        caption = call["params"]["caption"]
        assert "2026-02-08" in caption
        assert 'href="https://digest.example.org/d/2026-02-08"' in caption
        fake_api.push_command("/card 2026-01-27", user_id=USER_ID)
        calls = await fake_api.wait_for_async("sendDocument", count=2, timeout=60)
        assert calls[-1]["response"]["result"]["document"]["file_name"] == "digest-2026-01-27.png"
        assert _png_of(fake_api, calls[-1]).size[0] == 1080


async def test_card_of_an_unknown_or_malformed_date_says_so(bot, fake_api) -> None:
    fake_api.push_command("/card 2030-01-01", user_id=USER_ID)
    fake_api.push_command("/card 明天", user_id=USER_ID)
    missing, malformed = await _text_replies(fake_api, USER_ID, 2)
    assert "没有 2030-01-01 的日报" in missing and "/latest" in missing
    assert "日期格式不对" in malformed and "/card 2026-02-08" in malformed
    assert fake_api.calls("sendDocument") == []


async def test_the_card_button_under_today_sends_that_days_card(bot, fake_api) -> None:
    fake_api.push_command("/today 2026-01-28", user_id=USER_ID)
    await fake_api.wait_for_async(lambda c: c["method"] == "sendMessage" and c["status"] == 200
                                  and c["params"].get("reply_markup"), timeout=20)
    messages = [m for m in fake_api.sent(USER_ID) if m["method"] == "sendMessage"]
    *rest, last = messages
    assert all(m["reply_markup"] is None for m in rest)
    (button,) = [b for row in last["reply_markup"]["inline_keyboard"] for b in row]
    assert button["text"] == "🖼 长图" and button["callback_data"] == "k:2026-01-28"
    fake_api.push_callback(button["callback_data"], last, user_id=USER_ID)
    (call,) = await fake_api.wait_for_async("sendDocument", timeout=60)
    assert str(call["params"]["chat_id"]) == str(USER_ID)
    assert call["response"]["result"]["document"]["file_name"] == "digest-2026-01-28.png"
    assert _png_of(fake_api, call).size[0] == 1080
    assert fake_api.answered_callbacks()


async def test_card_in_a_forum_topic_is_answered_in_that_topic(bot, fake_api) -> None:
    fake_api.make_forum(FORUM)
    thread = fake_api.add_topic(FORUM, "分享")
    fake_api.push_command("/card", chat_id=FORUM, chat_type="supergroup", user_id=USER_ID,
                          message_thread_id=thread)
    (call,) = await fake_api.wait_for_async("sendDocument", timeout=60)
    assert str(call["params"]["chat_id"]) == str(FORUM)
    assert call["response"]["result"]["message_thread_id"] == thread
    assert "长按保存" in call["params"]["caption"]
