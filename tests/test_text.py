"""The tokenizer: what the index and a query are made of, and what that lets a search find."""

from __future__ import annotations

import random

import pytest

from storage.search import search
from storage.text import index_tokens, query_phrases, tokens

# The two items that write 阶跃星辰's round as 50亿元B+轮 (the 02-08 item says 50亿元人民币B+轮).
STEP_ROUND = {("2026-01-28", "大模型初创公司“阶跃星辰”完成超50亿元B+轮融资"),
              ("2026-02-03", "2026年1月AI领域融资超42起亿元级事件")}


def test_tokens_index_a_cjk_runs_last_character_alone() -> None:
    assert tokens("阶跃星辰完成50亿元B+轮融资") == [
        "阶跃", "跃星", "星辰", "辰完", "完成", "成", "50", "亿元", "元", "b", "轮融", "融资", "资"]


def test_query_keeps_the_last_character_of_a_cjk_run_that_latin_follows() -> None:
    (phrase,) = query_phrases("50亿元B+轮")
    assert phrase.tokens == ("50", "亿元", "元", "b", "轮") and phrase.prefix


@pytest.mark.parametrize("query", ["50亿元B+轮", "元B+轮", "亿元b"],
                         ids=["amount-and-round", "from-the-runs-last-character", "lower-case"])
def test_search_finds_amount_ending_a_cjk_run(db, query: str) -> None:
    result = search(db, query, limit=50)
    assert result.message is None and result.corrected is None
    assert result.total == 2 and {(i.date, i.title) for i in result.items} == STEP_ROUND


def _field_by_field(*fields: str) -> tuple[str, set[str]]:
    """index_tokens as it was before the fields were normalized together: each field alone."""
    out: list[str] = []
    latin: set[str] = set()
    for field in fields:
        text, words = index_tokens(field)
        out += text.split()
        latin |= words
    return " ".join(out), latin


# Characters whose normalization depends on their neighbours (combining marks, Hangul jamo,
# Greek final sigma), full-width forms, compatibility characters, CJK and Latin.
_TRICKY = "\u0301\u0308\u1100\u1161\u11a8ΣΑσ，：（）！？％　ﬁ㈱①Ａｂ１阶跃星辰AIqwen3 .-\n"


def test_fields_normalized_together_give_what_each_field_gives_alone() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        fields = ["".join(rng.choice(_TRICKY) for _ in range(rng.randint(0, 8)))
                  for _ in range(rng.randint(1, 5))]
        assert index_tokens(*fields) == _field_by_field(*fields), fields
    for fields in (("阶跃", "星辰"), ("OpenAI", "GPT"), ("\u1100", "\u1161"), ("e", "\u0301"),
                   ("ΑΣ", "Α"), ("12", "34")):
        assert index_tokens(*fields) == _field_by_field(*fields), fields
