"""A digest holding a 5,000-character item title and a 3,000-character source name: every view of
it stays within what Telegram takes (the fake Bot API refuses a text over 4,096 UTF-16 units
after entity parsing, as Telegram does), shortened but complete; /push posts it whole."""

from __future__ import annotations

import html
import re
from pathlib import Path

from tests.e2e.conftest import ADMIN_ID, CHANNEL_ID, USER_ID

DATE = "2026-03-02"
LONG_TITLE = "阶跃星辰发布超长标题" + "长" * 4990
LONG_SOURCE = "来源" + "源" * 2998
ITEMS = 4  # in the digest below


def _digest() -> str:
    return "\n".join([
        f"# AI 行业动态 ({DATE})", "",
        "**模型与技术进展**", "",
        LONG_TITLE,
        "说明:阶跃星辰的条目，标题和来源都很长 & <不寻常>。",
        "要点:", "- 第一点", "- 第二点",
        f"来源出处:[{LONG_SOURCE}](https://example.com/long?a=1&b=2)", "",
        "阶跃星辰开源新模型",
        "说明:普通条目。",
        f"来源出处:[{LONG_SOURCE}](https://example.com/second)", "",
        "**产品与应用发布**", "",
        "阶跃星辰上线新应用",
        "说明:普通条目。",
        "来源出处:[36氪](https://example.com/36kr)", "",
        "**模型与技术进展**", "",
        "另一家公司发布模型",
        "说明:普通条目。",
        "来源出处:[新华网](https://example.com/xinhua)", ""])


def _text(html_text: str) -> str:
    """Return what a reader sees of a message: its text with the tags parsed away."""
    return html.unescape(re.sub(r"<[^>]*>", "", html_text))


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _refused(fake_api) -> list[dict]:
    return [c for c in fake_api.calls() if c["status"] != 200]


def _assert_within_limits(texts: list[str]) -> None:
    assert texts
    for text in texts:
        assert _units(_text(text)) <= 4096
    seen = _text("\n".join(texts))
    assert LONG_TITLE not in seen and LONG_SOURCE not in seen  # shortened...
    assert LONG_TITLE[:100] in seen and "长…" in seen  # ...not dropped


def _replies(fake_api, chat_id: int) -> list[str]:
    return [m["text"] for m in fake_api.sent(chat_id) if m["method"] == "sendMessage"]


def _has_all_items(texts: list[str]) -> None:
    """Every item of the digest is there in full: its bold numbered heading, once."""
    headings = [n for text in texts for n in re.findall(r"<b>(\d+)\. ", text)]
    assert sorted(map(int, headings)) == list(range(1, ITEMS + 1))


async def test_today_and_preview_send_every_item_shortened(start_bot, settings, fake_api) -> None:
    (Path(settings.digest_dir) / f"{DATE}.md").write_text(_digest(), encoding="utf-8")
    async with start_bot():
        fake_api.push_command(f"/today {DATE}", user_id=USER_ID)
        await fake_api.wait_for_async(
            lambda c: c["method"] == "sendMessage" and "🖼" in str(c["params"].get("reply_markup")))
        today = _replies(fake_api, USER_ID)
        _assert_within_limits(today)
        _has_all_items(today)

        fake_api.push_command(f"/preview {DATE}", user_id=ADMIN_ID)
        await fake_api.wait_for_async(
            lambda c: c["method"] == "sendMessage" and str(c["params"].get("chat_id")) == str(ADMIN_ID)
            and "3. 阶跃星辰上线新应用</b>" in str(c["params"].get("text")))
        preview = _replies(fake_api, ADMIN_ID)
        _assert_within_limits(preview)
        _has_all_items(preview)
    assert _refused(fake_api) == []


async def test_what_and_inline_answer_within_limits(start_bot, settings, fake_api) -> None:
    (Path(settings.digest_dir) / f"{DATE}.md").write_text(_digest(), encoding="utf-8")
    async with start_bot():
        fake_api.push_command("/what 阶跃星辰", user_id=USER_ID)
        await fake_api.wait_for_async(lambda c: c["method"] == "sendMessage"
                                      and "事件时间线" in str(c["params"].get("text")))
        timeline = _replies(fake_api, USER_ID)
        _assert_within_limits(timeline)
        assert DATE in _text("\n".join(timeline))

        fake_api.push_inline_query("阶跃星辰 超长标题", user_id=USER_ID)
        (answer,) = await fake_api.wait_for_async("answerInlineQuery")
        results = answer["params"]["results"]
        long_result = [r for r in results if r["title"].startswith("阶跃星辰发布超长标题")]
        assert len(long_result) == 1
        message = long_result[0]["input_message_content"]["message_text"]
        _assert_within_limits([message])
        assert len(long_result[0]["title"]) <= 100
    assert _refused(fake_api) == []


async def test_push_posts_the_whole_digest_shortened(start_bot, settings, fake_api) -> None:
    (Path(settings.digest_dir) / f"{DATE}.md").write_text(_digest(), encoding="utf-8")
    async with start_bot():
        fake_api.push_command(f"/push {DATE}", user_id=ADMIN_ID)
        await fake_api.wait_for_async(
            lambda c: c["method"] == "sendMessage" and "✅ 已发布" in str(c["params"].get("text")))
    channel = [m["text"] for m in fake_api.sent(int(CHANNEL_ID)) if m["method"] == "sendMessage"]
    _assert_within_limits(channel)
    _has_all_items(channel)
    assert _refused(fake_api) == []
