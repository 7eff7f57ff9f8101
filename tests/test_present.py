"""The presentation core: sections, shortening, links, control characters; no front end inside."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot import present
from storage.model import Item

PROJECT = Path(__file__).resolve().parent.parent


def _item(n: int, category: str) -> Item:
    return Item(date="2026-03-01", category=category, title=f"标题{n}", position=n)


def test_sections_group_interleaved_categories_in_order_of_first_appearance() -> None:
    items = [_item(0, "模型与技术进展"), _item(1, "产品与应用发布"), _item(2, "模型与技术进展"),
             _item(3, "未知分类"), _item(4, "产品与应用发布")]
    sections = present.sections(items)
    assert [s.category for s in sections] == ["模型与技术进展", "产品与应用发布", "未知分类"]
    assert [[n for n, _ in s.items] for s in sections] == [[1, 3], [2, 5], [4]]
    assert [s.icon for s in sections] == ["🧠", "📱", present.DEFAULT_ICON]
    assert sections[0].items[1].item is items[2]


def test_shorten_keeps_short_texts_and_ends_long_ones_with_an_ellipsis() -> None:
    assert present.shorten("红包", 2) == "红包"
    assert present.shorten("红包大战 开始了", 6) == "红包大战…"  # the space before the cut dropped
    assert len(present.shorten("长" * 5000, 200)) == 200


def test_only_http_and_https_addresses_are_links() -> None:
    assert present.safe_url("https://example.com/a") == "https://example.com/a"
    assert present.safe_url("http://example.com") == "http://example.com"
    for url in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "file:///etc",
                "//example.com", " https://example.com", ""):
        assert present.safe_url(url) == ""


def test_strip_control_removes_what_xml_and_terminals_refuse() -> None:
    text = "红\x1b[31m包\x07 a\x01b\x7fc\x85d\ufffe\uffff\ud800e"
    assert present.strip_control(text) == "红[31m包 abcde"
    assert present.strip_control("行一\n行二\t制表\r") == "行一\n行二\t制表\r"


def test_the_core_imports_no_front_end() -> None:
    code = ("import sys, bot.present; print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] "
            "in {'telegram', 'tornado', 'jinja2', 'mcp'})))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT,
                         env={**os.environ, "PYTHONPATH": str(PROJECT)}, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ""


def test_shortened_item_cuts_each_text_to_its_limit_and_keeps_short_items() -> None:
    item = Item(date="2026-03-01", category="政策与监管", title="长" * 500, summary="说" * 50,
                points=("点" * 30, "短"), source_name="源" * 100, position=0)
    cut = present.shortened(item, present.Lengths(title=20, source=10, summary=40, point=5))
    assert (len(cut.title), len(cut.source_name), len(cut.summary)) == (20, 10, 40)
    assert cut.points == ("点点点点…", "短") and cut.title.endswith("…")
    short = Item(date="2026-03-01", category="政策与监管", title="红包", position=0)
    assert present.shortened(short, present.Lengths(title=20)) is short
    assert present.shortened(item, present.Lengths()) is item  # 0: no limit


def test_link_target_encodes_what_ends_a_link_and_refuses_other_schemes() -> None:
    assert present.link_target("https://example.com/a b(c)<d>") == \
        "https://example.com/a%20b%28c%29%3Cd%3E"
    assert present.link_target("javascript:alert(1)") == ""


def test_short_names_in_each_language_and_unknown_categories_as_written() -> None:
    from bot.i18n import translations

    assert present.short_name("投融资与并购") == "投融资"
    assert present.short_name("投融资与并购", translations("en")) != "投融资"
    assert present.short_name("自定义栏目", translations("en")) == "自定义栏目"


def test_page_counts_and_week_spans() -> None:
    assert [present.page_count(n, 5) for n in (0, 1, 5, 6, 11)] == [1, 1, 1, 2, 3]
    assert present.page_count(10_000, 10, most=50) == 50
    span = present.week_span("2026-03-01")
    assert (span.start, span.end, span.previous_end, span.next_end) == (
        "2026-02-23", "2026-03-01", "2026-02-22", "2026-03-08")


def test_every_refusal_code_has_words_for_readers_and_for_the_cli() -> None:
    from bot.i18n import translations
    from storage.model import Refusal

    for table in (present.QUERY_REFUSALS, present.NAME_REFUSALS):
        assert set(table) == set(Refusal)
        for code in Refusal:
            chinese = present.refusal_text(code, table=table)
            english = present.refusal_text(code, translations("en"), table=table)
            assert chinese and english and chinese != english
            assert "{" not in chinese + english
            assert "'红'" in present.refusal_reason(code, "query", "红", table)
    assert present.refusal_text(Refusal.TOO_SHORT) == "关键词太短了，请至少输入 2 个字，例如 「红包」"
    assert present.refusal_text(Refusal.ONLY_EXCLUDED, translations("en"), "/search {}".format) \
        == "Only excluded words (-word) cannot be searched: add a word to find, e.g. /search OpenAI -Sora"
    assert present.refusal_reason(Refusal.TOO_SHORT, "keyword", "🚀") == (
        "keyword '🚀' has nothing to search for: give at least 2 letters, digits or Chinese characters")
    assert present.refusal_reason(Refusal.UNKNOWN_CATEGORY, "query", "体育").startswith(
        "unknown category '体育': use 政策")
