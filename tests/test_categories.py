"""Categories: however a reader types a category's name, it resolves to the canonical one."""

from __future__ import annotations

import pytest

from storage.categories import FUNDING, INDUSTRY, MODELS, canonical_category
from storage.digests import category_items
from storage.search import search


@pytest.mark.parametrize(("name", "category"), [
    ("ＦＵＮＤＩＮＧ", FUNDING),  # full-width Latin, as a Chinese input method types it
    ("Ｍｏｄｅｌｓ", MODELS),
    ("　投融资　", FUNDING),  # ideographic spaces around it
    (" 投融资： ", FUNDING),  # a full-width colon, as after a header
    ("⾏业", INDUSTRY),  # the Kangxi radical ⾏ (U+2F8F) that copies from PDFs give for 行
], ids=["full-width", "full-width-mixed-case", "ideographic-spaces", "full-width-colon",
        "kangxi-radical"])
def test_category_name_resolves_whatever_its_width_and_spacing(name: str, category: str) -> None:
    assert canonical_category(name) == category


def test_search_narrows_to_a_category_typed_full_width(db) -> None:
    result = search(db, "阶跃星辰", category="ＦＵＮＤＩＮＧ", limit=50)
    assert result.message is None and result.corrected is None and result.total == 4
    assert {(i.date, i.title) for i in result.items} == {
        ("2026-02-08", "阶跃星辰完成超50亿元人民币B+轮融资"),
        ("2026-01-28", "大模型初创公司“阶跃星辰”完成超50亿元B+轮融资"),
        ("2026-01-27", "大模型赛道硝烟再起：阶跃星辰刷新融资纪录，阿里腾讯同步亮剑"),
        ("2026-02-03", "2026年1月AI领域融资超42起亿元级事件")}
    assert search(db, "阶跃星辰", limit=50).total == 5  # the filter is what left one out


def test_search_narrows_to_a_category_named_with_a_kangxi_radical(db) -> None:
    result = search(db, "模型", category="⾏业", limit=50)
    assert result.message is None and result.total == 5
    assert {i.category for i in result.items} == {INDUSTRY}


def test_category_page_accepts_a_name_typed_full_width(db) -> None:
    name, items, total = category_items(db, "Ｆｕｎｄｉｎｇ", limit=50)
    assert name == FUNDING and total == 13 and len(items) == 13
    assert {i.category for i in items} == {FUNDING}


def test_short_names_are_all_in_the_catalog() -> None:
    # Every front end reads them from storage (bot.present.short_name); the core lists them once
    # more inside N_() so that pybabel puts them in the catalog the bot translates them with.
    from bot.present.digest import CATALOG_SHORT_NAMES
    from storage.categories import SHORT_NAMES

    assert sorted(CATALOG_SHORT_NAMES) == sorted(SHORT_NAMES.values())
