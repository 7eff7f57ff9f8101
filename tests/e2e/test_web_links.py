"""The bot links to the web archive when WEB_URL is set (daily post and /today -> day page, /search
-> the full result list, /what -> the timeline, inline results -> item permalinks, the menu button
-> the site as a Mini App over HTTPS), and never when it is not."""

from __future__ import annotations

from bot import links
from storage.search import search
from tests.e2e.conftest import ADMIN_ID, USER_ID
from tests.e2e.test_admin_and_schedule import _admin_says, _channel_texts, _to_chat
from tests.e2e.test_user_commands import _answer

SITE = "https://digest.example.org"
DATE = "2026-02-08"


async def _conversation(fake_api) -> dict[str, list[str]]:
    """Ask /today, /search, /what, an inline query and /push; return the texts of each answer."""
    answers: dict[str, list[str]] = {}
    # Each command's answer starts with its own mark (/today sends several messages: the first,
    # the overview, is the one that links).
    for command, mark in ((f"/today {DATE}", "📰"), ("/search AI", "🔍"), ("/what 阶跃星辰", "📌")):
        fake_api.push_command(command, user_id=USER_ID)
        await fake_api.wait_for_async(_to_chat(USER_ID, mark))
        answers[command] = [m["text"] for m in fake_api.sent(USER_ID) if mark in (m["text"] or "")]
    fake_api.push_inline_query("红包", user_id=USER_ID)
    (call,) = await fake_api.wait_for_async("answerInlineQuery")
    answers["inline"] = [r["input_message_content"]["message_text"]
                         for r in call["params"]["results"]]
    fake_api.push_command(f"/push {DATE}", user_id=ADMIN_ID)
    await _admin_says(fake_api, "✅ 已发布")
    answers["post"] = _channel_texts(fake_api)
    return answers


async def test_messages_link_to_the_site_when_web_url_is_set(start_bot, fake_api) -> None:
    async with start_bot(web_url=SITE) as running:
        answers = await _conversation(fake_api)
        inline_ids = [item.id for item in search(running.db, "红包", limit=20).items]
        total = search(running.db, "AI").total
    day = f'href="{links.day_url(SITE, DATE)}"'
    assert day in answers[f"/today {DATE}"][0] and day in answers["post"][0]
    assert all(day not in text for text in answers["post"][1:])  # the overview only
    search_link = f'href="{links.search_url(SITE, "AI")}"'
    assert search_link in answers["/search AI"][0] and f"在网页上查看全部 {total}" in answers["/search AI"][0]
    assert f'href="{links.what_url(SITE, "阶跃星辰")}"' in answers["/what 阶跃星辰"][0]
    assert len(answers["inline"]) == len(inline_ids) == 6
    for text, identifier in zip(answers["inline"], inline_ids, strict=True):
        assert f'href="{links.item_url(SITE, identifier)}"' in text
    assert fake_api.menu_buttons == {None: {"type": "web_app", "text": "网页版",
                                            "web_app": {"url": SITE + "/"}}}


async def test_no_links_without_web_url(start_bot, fake_api) -> None:
    async with start_bot() as running:
        assert running.settings.web_url == ""
        answers = await _conversation(fake_api)
    for name, texts in answers.items():
        assert texts, name
        assert all("🌐" not in text and "digest.example.org" not in text for text in texts), name
    assert fake_api.menu_buttons == {} and not fake_api.calls("setChatMenuButton")


async def test_plain_http_site_gets_links_but_no_mini_app(start_bot, fake_api) -> None:
    async with start_bot(web_url="http://127.0.0.1:8080") as running:
        fake_api.push_command("/today", user_id=USER_ID)
        messages = await _answer(fake_api, USER_ID)
        assert running.settings.web_url
    assert 'href="http://127.0.0.1:8080/d/' in messages[0]["text"]
    assert not fake_api.calls("setChatMenuButton")  # Telegram opens Mini Apps over HTTPS only
