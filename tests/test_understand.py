"""Reading a question without the archive: storage/understand.py."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from storage.understand import MAX_QUESTION_CHARS, understand

TODAY = dt.date(2026, 2, 11)


def test_a_name_with_a_version_is_that_product() -> None:
    question = understand("GPT-5 怎么样", TODAY)
    assert [(s.written, s.names) for s in question.subjects] == [("GPT-5", ("GPT-5",))]
    assert question.intent == "story"
    assert understand("Qwen3.5 发布了吗", TODAY).names == ("Qwen3.5",)


def test_a_name_is_its_alias_group() -> None:
    question = understand("Kimi 最近有什么新闻", TODAY)
    assert question.subjects[0].names[:2] == ("月之暗面", "Kimi")
    assert question.keywords == () and question.period is None


def test_latin_words_match_whole_words_only() -> None:
    assert understand("Apple 有什么新闻", TODAY).category is None  # App is not in Apple
    assert understand("Metaverse 新闻", TODAY).names == ()  # Meta is not in Metaverse
    assert understand("Kimi App", TODAY).category == "产品与应用发布"


@pytest.mark.parametrize(("text", "category"), [
    ("大模型应用有哪些", "产品与应用发布"),  # the head of the phrase: 应用
    ("AI应用融资", "投融资与并购"),
    ("funding for AI apps", "投融资与并购"),  # English: the first
    ("应用宝上线了什么", "产品与应用发布"),  # 上线 still asks about products
    ("有哪些产品经理", None),
    ("线上线下融合", None),
    ("上市公司的AI收入", None),
    ("千问春节活动投了多少钱", None),
])
def test_which_category_is_asked_about(text: str, category: str | None) -> None:
    assert understand(text, TODAY).category == category


def test_another_categorys_word_stays_a_keyword() -> None:
    question = understand("大模型应用有哪些", TODAY)
    assert question.keywords == ("大模型",)


@pytest.mark.parametrize(("text", "intent"), [
    ("上周有哪些融资", "list"), ("阶跃星辰最近怎么样", "story"), ("千问的进展", "story"),
    ("what happened with OpenAI", "story"), ("红包热度", "count"), ("Kimi 被报道了几次", "count"),
    ("trend of DeepSeek", "count"), ("昨天的日报", "day"), ("today's digest", "day"),
    ("最近发生了什么", "list"),  # a story of nothing named: the items themselves
    ("上周的日报", "list"),  # a digest is one day: the week's items
    ("昨天日报里的融资", "list"),
])
def test_what_is_asked(text: str, intent: str) -> None:
    assert understand(text, TODAY).intent == intent


def test_filler_is_dropped_and_words_split_at_connectives() -> None:
    assert understand("请问一下有没有关于具身智能和人形机器人的消息", TODAY).keywords == (
        "具身智能", "人形机器人")
    assert understand("tell me any news about robots", TODAY).keywords == ("robots",)


def test_exclusions_are_kept_for_the_search() -> None:
    question = understand("红包 -文心 !元宝", TODAY)
    assert question.keywords == ("红包", "-文心", "-元宝")


def test_a_long_question_is_cut_and_says_so() -> None:
    question = understand("阶跃星辰" * 200, TODAY)
    assert question.cut and len(question.text) == MAX_QUESTION_CHARS


def test_widened_drops_what_was_asked() -> None:
    question = understand("上周有哪些融资", TODAY)
    assert question.widened(drop_period=True).period is None
    assert question.widened(drop_period=True).category == "投融资与并购"
    assert question.widened(drop_category=True).category is None


def test_the_reading_as_json() -> None:
    reading = understand("2月30日阶跃星辰融资", TODAY).to_json()
    assert reading["period"] is None
    assert reading["period_problem"] == {"phrase": "2月30日", "problem": "no_such_date"}
    assert reading["names"][0]["written"] == "阶跃星辰" and "StepFun" in reading["names"][0]["aliases"]


def test_empty_question() -> None:
    assert understand("   ", TODAY).refusal == "empty"


def test_no_input_raises() -> None:
    rng = random.Random(22)
    alphabet = "上周月日号天年最近两三十0123456789-!！ 的了吗融资模型AppleKimi千问😀\n\t.,，。-/"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        question = understand(text, TODAY)
        assert question.refusal is not None or question.filtered or question.intent == "day"


@pytest.mark.parametrize(("text", "question"), [
    ("红包", False), ("Kimi 红包", False), ("红包 Kimi", False), ("红包 -文心", False),
    ("上周 红包", True), ("融资", True), ("Kimi 最近怎么样", True), ("有哪些红包", True),
])
def test_what_reads_as_a_question(text: str, question: bool) -> None:
    assert understand(text, TODAY).reads_as_question is question
