"""The parser on every layout the seeds use and on what real files carry."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.categories import FUNDING, INDUSTRY, MODELS, POLICY, PRODUCTS
from storage.model import DigestError
from storage.parse import parse_bytes, parse_file, parse_text
from tests.conftest import BUNDLED

SPAN = """<span style="color:#1677ff;font-weight:bold;">AI 行业动态 (2026-03-01)</span>

**政策与监管**

某部门发布 AI 新规
说明：发布了新规。
背景：背景 & 细节 <很重要>。
要点：
- **范围**：覆盖全国。
- 没有标签的要点
来源出处：[新华网](https://example.com/a?x=1&y=2)

**投融资与并购**

**某公司完成 10 亿元融资**
说明：某公司完成融资。
来源出处：[36氪](https://36kr.com/p/1)
"""


def test_seed_archive_gives_exact_counts() -> None:
    counts = {}
    for path in sorted(BUNDLED.iterdir()):
        digest = parse_file(path)
        counts[digest.date] = len(digest.items)
    assert counts == {"2026-01-30": 13, "2026-02-03": 14, "2026-01-28": 7,
                      "2026-02-08": 12, "2026-01-27": 16}
    assert sum(counts.values()) == 62


def test_seed_layouts_are_recognised() -> None:
    layouts = {parse_file(p).date: parse_file(p).layout for p in BUNDLED.iterdir()}
    assert layouts == {"2026-01-30": "span", "2026-02-03": "span", "2026-01-28": "heading",
                       "2026-02-08": "heading", "2026-01-27": "article"}


def test_span_layout_fields_points_and_source() -> None:
    digest = parse_text(SPAN, "x.md")
    assert digest.date == "2026-03-01" and digest.title == "AI 行业动态"
    first, second = digest.items
    assert first.category == POLICY and first.title == "某部门发布 AI 新规"
    assert first.background == "背景 & 细节 <很重要>。"
    assert first.points == ("范围：覆盖全国。", "没有标签的要点")
    assert (first.source_name, first.source_url) == ("新华网", "https://example.com/a?x=1&y=2")
    assert second.title == "某公司完成 10 亿元融资" and second.category == FUNDING
    assert second.background == "" and second.points == ()


def test_bold_titles_are_told_apart_from_bold_category_headers() -> None:
    digest = parse_file(BUNDLED / "001_224e4577502dd954.txt")
    assert digest.items[0].title == "加快完善人工智能标准化体系建设"
    assert digest.items[0].category == POLICY
    assert [i.category for i in digest.items].count(INDUSTRY) == 3


def test_bom_crlf_trailing_spaces_and_blank_lines() -> None:
    messy = "\ufeff" + SPAN.replace("\n", "  \r\n")
    messy = messy.replace("说明：发布了新规。", "说明：发布了新规。\r\n\r\n")
    digest = parse_bytes(messy.encode("utf-8"), "messy.md")
    assert [i.title for i in digest.items] == ["某部门发布 AI 新规", "某公司完成 10 亿元融资"]
    assert digest.items[0].summary == "发布了新规。"


def test_half_width_colons_and_chinese_date_heading() -> None:
    digest = parse_file(BUNDLED / "003_88ec4899e4da85ae.txt")
    assert digest.date == "2026-02-08"
    item = digest.items[0]
    assert item.summary.startswith("广西壮族自治区") and item.source_name == "新华网"
    assert len(item.points) == 3


def test_missing_fields_are_allowed() -> None:
    text = "# AI 行业动态 (2026-03-02)\n\n**模型与技术进展**\n\n只有来源的条目\n来源出处：https://example.com/x\n"
    (item,) = parse_text(text, "x.md").items
    assert item.summary == "" and item.points == () and item.source_url == "https://example.com/x"


def test_article_layout_sections_and_bullets() -> None:
    digest = parse_file(BUNDLED / "004_2848eba7641964c2.txt")
    assert digest.layout == "article" and digest.date == "2026-01-27"
    assert digest.title.startswith("AI大模型融资纪录刷新")
    sections, bullets = digest.items[:6], digest.items[6:]
    assert sections[0].analysis.startswith("大模型竞争已从单纯的技术参数比拼")
    assert "深度解读" not in sections[0].summary
    assert bullets[0].title == "苹果Siri重大升级" and bullets[0].summary.startswith("苹果计划2月发布")
    assert all(i.category in {POLICY, MODELS, PRODUCTS, FUNDING, INDUSTRY} for i in digest.items)
    # The trailing Telegram card (HTML) is not an item and leaves no text behind.
    assert not any("Telegram" in i.summary or "立即加入" in i.title for i in digest.items)


def test_article_items_get_categories_by_keyword_rule() -> None:
    digest = parse_file(BUNDLED / "004_2848eba7641964c2.txt")
    by_title = {i.title: i.category for i in digest.items}
    assert by_title["李飞飞World Labs估值飙至50亿美元"] == FUNDING
    assert by_title["具身智能数据基建突破：白虎-VTouch数据集发布"] == MODELS
    assert by_title["李未院士逝世"] == INDUSTRY


def test_unknown_category_header_is_kept() -> None:
    text = SPAN.replace("**投融资与并购**", "**人物动态**")
    assert parse_text(text, "x.md").items[1].category == "人物动态"


def test_date_falls_back_to_file_name() -> None:
    text = "# AI 行业动态\n\n**产品与应用发布**\n\n某产品上线\n说明：上线了。\n"
    assert parse_text(text, "digest-2026-04-05.md").date == "2026-04-05"
    assert parse_text(text, "20260406.txt").date == "2026-04-06"


@pytest.mark.parametrize(("raw", "reason"), [
    (b"", "empty file"),
    (b"   \n\n", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
    ("# 标题\n\n说明：x\n".encode("gbk"), "not UTF-8"),
    ("# 没有日期\n\n某产品上线\n说明：x\n".encode(), "no date"),
    ("# AI 行业动态 (2026-03-01)\n\n随便写点什么\n".encode(), "no items"),
    ("# AI 行业动态 (2026-02-30)\n\n某产品上线\n说明：x\n".encode(), "no date"),
    ("---\ntitle: x\n\n## 没有结束\n".encode(), "front matter"),
])
def test_bad_files_are_rejected_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(DigestError) as caught:
        parse_bytes(raw, "bad.md")
    assert reason in caught.value.reason and caught.value.path == "bad.md"


def test_field_without_title_names_the_line() -> None:
    with pytest.raises(DigestError) as caught:
        parse_text("# AI 行业动态 (2026-03-01)\n\n说明：孤立的说明\n", "x.md")
    assert caught.value.line == 3 and "说明" in caught.value.reason


def test_unreadable_path_is_a_digest_error(tmp_path: Path) -> None:
    with pytest.raises(DigestError, match="cannot read"):
        parse_file(tmp_path / "missing.md")


def test_angle_brackets_that_are_not_html_stay_text() -> None:
    text = SPAN.replace("某部门发布 AI 新规", "模型 <X> & <AI 安全> 发布").replace(
        "说明：发布了新规。", "说明：a<b && c>d <span style=\"x\">重点</span>")
    first = parse_text(text, "x.md").items[0]
    assert first.title == "模型 <X> & <AI 安全> 发布"
    assert first.summary == "a<b && c>d 重点"
