"""Rendering: escaping, the 4096 limit in UTF-16 units, splitting at item boundaries."""

from __future__ import annotations

import html
import re

from bot import render
from bot.i18n import translations
from bot.render import card as card_render
from storage.digests import digest_on
from storage.model import CategoryCount, DigestSummary, Item, SearchResult, WhatResult

ZH, EN = translations("zh"), translations("en")


def _item(n: int, **fields) -> Item:
    base = {"date": "2026-03-01", "category": "产品与应用发布", "title": f"标题{n} <x> & y",
            "summary": "说明 a<b & c>d", "points": ("要点 <1>", "要点 & 2"),
            "source_name": "来源 <s>", "source_url": "https://example.com/?a=1&b=\"2\"",
            "position": n}
    base.update(fields)
    return Item(**base)


def _balanced(text: str) -> bool:
    return all(text.count(f"<{tag}>") + text.count(f"<{tag} ") == text.count(f"</{tag}>")
               for tag in ("b", "i", "a", "code"))


def test_everything_from_files_is_escaped() -> None:
    text = render.full_item(ZH, _item(1), 1)
    assert "标题1 &lt;x&gt; &amp; y" in text and "a&lt;b &amp; c&gt;d" in text
    assert 'href="https://example.com/?a=1&amp;b=&quot;2&quot;"' in text
    assert "来源 &lt;s&gt;" in text and _balanced(text)


def test_utf16_length_counts_emoji_twice() -> None:
    assert render.utf16_len("红包") == 2 and render.utf16_len("😀") == 2


def test_channel_post_splits_at_item_boundaries_under_4096() -> None:
    items = [_item(n, summary="很长的说明" * 300) for n in range(12)]
    header = DigestSummary("2026-03-01", "测试 <日报>", len(items))
    messages = render.channel_post(ZH, header, items)
    assert len(messages) > 3
    for message in messages:
        assert render.utf16_len(message) <= render.MAX_LENGTH and _balanced(message)
    body = "".join(messages[1:])
    for n in range(12):
        assert body.count(f"<b>{n + 1}. 标题{n} &lt;x&gt;") == 1


def test_single_huge_item_is_shortened_not_cut_in_a_tag() -> None:
    huge = _item(1, summary="超长" * 5000, points=tuple("要点" * 400 for _ in range(30)))
    messages = render.channel_post(ZH, DigestSummary("2026-03-01", "t", 1), [huge])
    assert all(render.utf16_len(m) <= render.MAX_LENGTH and _balanced(m) for m in messages)
    assert "…" in messages[1]


def test_emoji_heavy_text_respects_utf16_limit() -> None:
    items = [_item(n, summary="😀" * 1500) for n in range(4)]
    for message in render.channel_post(ZH, DigestSummary("2026-03-01", "t", 4), items):
        assert render.utf16_len(message) <= render.MAX_LENGTH


def test_overview_numbers_headlines_per_category(db) -> None:
    header, items = digest_on(db, "2026-02-08")
    overview = render.digest_overview(ZH, header, items)[0]
    assert "📅 2026-02-08 · 共 12 条" in overview
    assert re.search(r"<b>💰 投融资与并购</b>\n6\. 阶跃星辰完成超50亿元人民币B\+轮融资", overview)


def test_search_page_buttons_fit_callback_limit() -> None:
    result = SearchResult("红包", [_item(n) for n in range(5)], total=12)
    reply = render.search_page(ZH, result, 123456789, 1, "投融资与并购")
    data = [b.callback_data for row in reply.keyboard.inline_keyboard for b in row]
    assert all(len(d.encode()) <= 64 for d in data)
    assert "s:123456789:0:3" in data and "s:123456789:2:3" in data
    assert "第 2/3 页" in reply.text


def test_help_lists_every_command_with_an_example() -> None:
    text = render.help_text(ZH).text
    for name, _, example in render.HELP_COMMANDS:
        assert f"/{name}" in text and example in text
    assert "/push" in render.help_text(ZH, is_admin=True).text


def test_overview_of_a_huge_category_is_split_at_headlines() -> None:
    items = [_item(n, title=f"很长的标题 {n} " + "字" * 60) for n in range(300)]
    messages = render.digest_overview(ZH, DigestSummary("2026-03-01", "t", 300), items)
    assert len(messages) > 1
    assert all(render.utf16_len(m) <= render.MAX_LENGTH and _balanced(m) for m in messages)
    assert sum(m.count("很长的标题") for m in messages) == 300


# --- whatever the digest holds: every message within Telegram's limits --------------------------

HUGE_TITLE = "超长标题" + "长" * 4996
HUGE_SOURCE = "来源" + "源" * 2998


def _telegram_units(text: str) -> int:
    """The length Telegram counts: the text once its tags are parsed away."""
    return render.utf16_len(html.unescape(re.sub(r"<[^>]*>", "", text)))


def test_full_item_shortens_a_huge_title_and_source_name() -> None:
    item = _item(1, title=HUGE_TITLE, source_name=HUGE_SOURCE)
    text = render.full_item(ZH, item, 1)
    assert render.utf16_len(text) <= render.MAX_LENGTH - 200 and _balanced(text)
    assert HUGE_TITLE[:200] in text and HUGE_TITLE not in text and "长…</b>" in text
    assert HUGE_SOURCE[:50] in text and HUGE_SOURCE not in text
    assert "说明 a&lt;b" in text  # the rest of the item is still there


def test_full_item_with_hundreds_of_points_fits_and_says_some_are_left_out() -> None:
    item = _item(1, points=tuple(f"第{n}点" + "要" * 40 for n in range(1000)))
    text = render.full_item(ZH, item, 1)
    assert render.utf16_len(text) <= render.MAX_LENGTH - 200 and _balanced(text)
    assert "第0点" in text and "第999点" not in text and text.count("\n• …") == 1
    assert text.endswith("</a>")  # the source line is kept


def test_every_view_of_a_huge_item_is_within_the_limits() -> None:
    items = [_item(n, title=HUGE_TITLE + str(n), source_name=HUGE_SOURCE,
                   category="自定义" * 400 if n == 2 else "产品与应用发布") for n in range(4)]
    header = DigestSummary("2026-03-01", "日报" * 3000, len(items))
    posts = render.channel_post(ZH, header, items, "https://digest.example.org")
    assert all(_telegram_units(m) <= render.MAX_LENGTH and _balanced(m) for m in posts)
    assert sum(m.count("\n<b>") for m in posts[:1]) == 2  # two categories in the overview
    assert all(render.utf16_len(name) <= 128 for name in
               (render.topic_name(ZH, item.category) for item in items))
    hits = SearchResult("超长", items[:4], total=12)
    page = render.search_page(ZH, hits, 7, 0, None)
    assert _telegram_units(page.text) <= render.MAX_LENGTH
    assert all(len(b.callback_data) <= 64 for row in page.keyboard.inline_keyboard for b in row)
    assert _telegram_units(card_render.card_caption(ZH, header, "https://x.example/d/1")) <= 1024
    menu = render.category_menu(ZH, [CategoryCount("自定义" * 400, 3)], {"自定义" * 400: 9})
    (label,) = [b.text for row in menu.keyboard.inline_keyboard for b in row]
    assert len(label) <= render.BUTTON_CHARS + 5


def test_a_post_over_the_limit_is_refused_whole_before_anything_is_sent() -> None:
    assert render.checked(["a" * 4096, "&amp;" * 4096]) == ["a" * 4096, "&amp;" * 4096]
    try:
        render.checked(["short", "b" * 4097])
    except render.TooLong as refused:
        assert "message 2 of 2" in str(refused)
    else:
        raise AssertionError("a message over 4096 units was let through")


def test_control_characters_never_reach_telegram() -> None:
    item = _item(1, title="红包\x1b[31m大战\x07", summary="说明\x01\x7f", source_name="来源\x08")
    text = render.full_item(ZH, item, 1)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    assert "红包[31m大战" in text


def test_every_post_status_has_words_for_push_and_the_publish_button() -> None:
    from bot.render import admin as admin_render
    from storage.posts import PostStatus

    for outcome in (admin_render.push_outcome, admin_render.publish_outcome):
        texts = {status: (outcome(ZH, status, "2026-03-01", 3).text,
                          outcome(EN, status, "2026-03-01", 3).text) for status in PostStatus}
        assert len({zh for zh, _ in texts.values()}) == len(PostStatus)
        assert all("2026-03-01" in zh and zh != en for zh, en in texts.values())


def test_refusals_name_the_command_in_its_example() -> None:
    from storage.model import Refusal

    assert render.refusal(ZH, Refusal.TOO_SHORT, "search", "🔍 ").text == \
        "🔍 关键词太短了，请至少输入 2 个字，例如 /search 红包"
    assert render.only_excluded(EN, "watch").text.endswith("e.g. /watch OpenAI -Sora")
    what = render.what_timeline(ZH, WhatResult("千", (), [], message=Refusal.TOO_SHORT))
    assert what[0].text == "名称太短了，请至少输入 2 个字，例如 /what 千问"
