"""The fan-out's Telegram HTML (bot/render/fanout.py): the brief digest is one message whatever the
day holds, its titles link to the site only with WEB_URL, its buttons name each category by its
place in the day; the format buttons; the /stats line and the admins' line, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from bot import render
from bot.i18n import translations
from bot.render import fanout as fanout_render
from storage.backend import open_db
from storage.digests import newest_digests
from storage.fanout import FanoutProgress
from storage.index import ingest_paths
from storage.model import DigestSummary, Item
from tests.conftest import BUNDLED

ZH, EN = translations("zh"), translations("en")
WEB = "https://digest.example.org"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _item(n: int, category: str = "产品与应用发布", title: str = "") -> Item:
    return Item(date="2026-03-01", category=category, title=title or f"标题{n} <x>",
                summary="说明", points=(), source_name="s", source_url="https://example.com/",
                position=n, id=739_000_000 + n)


def test_every_bundled_digest_is_one_brief_message_with_a_button_per_category(
        tmp_path: Path) -> None:
    with open_db(tmp_path / "index.db") as db:
        ingest_paths(db, [BUNDLED])
        days = newest_digests(db, 10)
    assert len(days) == 5
    for header, items in days:
        categories = fanout_render.day_categories(items)
        for lang in (ZH, EN):
            (brief,) = fanout_render.subscriber_digest(lang, header, items, "brief", categories, WEB)
            assert render.utf16_len(brief.text) <= render.MAX_LENGTH
            assert all(f'href="{WEB}/item/{item.id}"' in brief.text for item in items)
            buttons = [b for row in brief.keyboard.inline_keyboard for b in row]
            assert [b.callback_data for b in buttons] == [
                f"o:{header.date}:{fanout_render.category_key(c)}" for c in categories]
            assert len({b.callback_data for b in buttons}) == len(categories)
            assert all(len(b.callback_data.encode()) <= 64 for b in buttons)
        full = fanout_render.subscriber_digest(ZH, header, items, "full", categories, WEB)
        assert [r.text for r in full] == render.channel_post(ZH, header, items, WEB)


def test_without_web_url_a_brief_has_no_links_and_escapes_every_title() -> None:
    items = [_item(1), _item(2, "投融资与并购")]
    header = DigestSummary("2026-03-01", "测试 <日报>", 2)
    brief = fanout_render.brief_digest(ZH, header, items, ["产品与应用发布", "投融资与并购"])
    assert "<a " not in brief.text and "标题1 &lt;x&gt;" in brief.text
    assert "测试 &lt;日报&gt;" in brief.text


def test_a_day_too_long_for_one_message_is_shortened_then_cut_and_counted() -> None:
    items = [_item(n, title="很长的标题" * 40) for n in range(300)]
    header = DigestSummary("2026-03-01", "t", len(items))
    brief = fanout_render.brief_digest(ZH, header, items, ["产品与应用发布"], WEB)
    assert render.utf16_len(brief.text) <= render.MAX_LENGTH
    listed = brief.text.count(f'href="{WEB}/item/')
    assert 0 < listed < 300 and f"另有 {300 - listed} 条" in brief.text
    fewer = [_item(n, title="很长的标题" * 40) for n in range(30)]  # fits once titles are short
    shortened = fanout_render.brief_digest(ZH, header, fewer, ["产品与应用发布"], WEB)
    assert shortened.text.count(f'href="{WEB}/item/') == 30 and "…" in shortened.text


def test_a_category_opened_in_full_is_that_category_of_the_full_post() -> None:
    items = [_item(1), _item(2, "投融资与并购"), _item(3)]
    header = DigestSummary("2026-03-01", "t", 3)
    opened = fanout_render.category_in_full(ZH, header, items, "产品与应用发布", WEB)
    assert len(opened) == 1 and "标题1" in opened[0].text and "标题3" in opened[0].text
    assert "标题2" not in opened[0].text


def test_format_buttons_tick_the_current_format() -> None:
    assert [(b.text, b.callback_data) for b in fanout_render.format_buttons(ZH, "full")] == [
        ("简报", "r:f:b"), ("✅ 全文", "r:f:f")]
    assert [b.text for b in fanout_render.format_buttons(EN, "brief")] == ["✅ Brief", "Full"]
    assert fanout_render.format_from_code("f") == "full"
    assert fanout_render.format_from_code("x") is None


def test_progress_and_end_lines_say_what_the_fanout_did() -> None:
    running = FanoutProgress("2026-03-01", 1000, 400, 3, 1, 596, 520, 250, 10.0)
    line = fanout_render.progress_line(ZH, running)
    assert "进行中" in line and "400/1000" in line and "每秒 25.0 条" in line
    assert "约 31 秒" in line  # 596 left x 1.3 messages each at 25 a second
    ended = FanoutProgress("2026-03-01", 1000, 996, 3, 1, 0, 1300, 0, 0.0)
    assert "已完成" in fanout_render.progress_line(ZH, ended)
    english = [fanout_render.progress_line(EN, running), fanout_render.progress_line(EN, ended),
               fanout_render.fanout_ended(EN, ended).text]
    assert not any(CJK.search(text) for text in english)
    assert "delivered to 996, blocked by 3, failed for 1" in english[2]
