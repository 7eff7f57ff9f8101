"""AI answers (bot/llm.py): the prompt, the citations, and the real openai client against a local
OpenAI-compatible stand-in answering, failing, refusing, hanging."""

from __future__ import annotations

import logging

import pytest

from bot.llm import ITEM_CHARS, MAX_ITEMS, Summarizer, cited, prompt
from storage.model import Item
from tests.llm_stand_in import ChatStandIn

KEY = "sk-test-0123456789abcdef"
ITEMS = [Item(date=f"2026-02-{day:02d}", category="投融资与并购", title=f"公司{day}完成融资",
              summary="融资金额" + "很多" * 400, id=739000 + day) for day in range(1, 21)]


def test_prompt_holds_the_question_and_at_most_twelve_trimmed_items() -> None:
    messages = prompt("上周有哪些融资", ITEMS, "zh")
    assert [m["role"] for m in messages] == ["system", "user"]
    user = messages[1]["content"]
    assert "问题：上周有哪些融资" in user
    assert "[1] 2026-02-01 · 投融资与并购 · 公司1完成融资" in user
    assert f"[{MAX_ITEMS}]" in user and f"[{MAX_ITEMS + 1}]" not in user
    assert all(len(line) < ITEM_CHARS + 40 for line in user.splitlines())
    assert len(user) < MAX_ITEMS * (ITEM_CHARS + 40) + 400
    assert "English" in prompt("funding", ITEMS, "en")[0]["content"]


def test_citations_are_renumbered_in_order_and_invented_ones_dropped() -> None:
    text, items = cited("A 融资 [3]。B 也融资 [1][9]。C【3、2】。", ITEMS[:5], 600)
    assert text == "A 融资[1]。B 也融资[2]。C[1][3]。"
    assert [item.title for item in items] == ["公司3完成融资", "公司1完成融资", "公司2完成融资"]


@pytest.mark.parametrize("content", ["", "   ", "没有引用的回答。", "只有编造的 [7]。", "[0] 也不行"])
def test_an_answer_citing_no_retrieved_item_is_none(content: str) -> None:
    assert cited(content, ITEMS[:5], 600) is None


def test_a_long_answer_is_cut_at_a_sentence_end() -> None:
    content = "第一句很长" * 20 + " [1]。" + "第二句" * 100 + " [2]。"
    text, items = cited(content, ITEMS[:5], 200)
    assert len(text) <= 200 and text.endswith("。") and len(items) == 1


async def test_the_real_client_against_the_stand_in() -> None:
    with ChatStandIn(reply="公司2完成融资 [2]，公司1也完成了 [1][15]。") as service:
        summarizer = Summarizer(service.base_url, KEY, "test-model", 5, 600)
        summary = await summarizer.summarize("上周有哪些融资", ITEMS, "zh")
        (request,) = service.requests
    assert summary is not None and summary.considered == MAX_ITEMS
    assert summary.text == "公司2完成融资[1]，公司1也完成了[2]。"
    assert [item.id for item in summary.items] == [ITEMS[1].id, ITEMS[0].id]
    assert request["path"] == "/v1/chat/completions"
    assert {k.lower(): v for k, v in request["headers"].items()}["authorization"] == f"Bearer {KEY}"
    assert request["body"]["model"] == "test-model"
    assert "上周有哪些融资" in request["body"]["messages"][1]["content"]
    assert KEY not in repr(summarizer)


@pytest.mark.parametrize("mode", ["error", "refusal", "empty", "slow"])
async def test_any_failure_gives_no_summary(mode: str, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with ChatStandIn(reply="公司1完成融资 [1]。", mode=mode, delay=30) as service:
        timeout = 1 if mode == "slow" else 10  # others: long enough for a loaded machine
        summary = await Summarizer(service.base_url, KEY, "m", timeout, 600).summarize("融资", ITEMS)
        assert len(service.requests) == 1  # no retries: a timeout is the whole call
    assert summary is None
    assert KEY not in caplog.text


async def test_an_answer_citing_only_invented_items_gives_no_summary() -> None:
    with ChatStandIn(reply="这是编造的 [40]。") as service:
        assert await Summarizer(service.base_url, KEY, "m", 5, 600).summarize("融资", ITEMS) is None


async def test_an_unreachable_service_gives_no_summary() -> None:
    with ChatStandIn() as service:
        url = service.base_url
    assert await Summarizer(url, KEY, "m", 2, 600).summarize("融资", ITEMS) is None
