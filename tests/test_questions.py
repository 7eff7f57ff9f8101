"""The question set (tests/question_set.py): each question read as expected and answered with its
items on the first page, nothing outside the asked period or category; on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.answer import answer
from storage.backend import open_db
from storage.index import ingest_paths
from storage.understand import understand
from tests.conftest import postgres_schema
from tests.question_set import ARCHIVE, CASES, TODAY, Case, title_of, write_archive

PAGE = 5


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def question_db(request, tmp_path_factory) -> Iterator:
    """The question set's archive, indexed once per module on each backend."""
    directory = tmp_path_factory.mktemp("questions")
    write_archive(directory / "digests")
    if request.param == "postgres":
        with postgres_schema() as url:
            database = open_db(url)
            ingest_paths(database, [directory / "digests"])
            yield database
            database.close()
        return
    database = open_db(directory / "index.db")
    ingest_paths(database, [directory / "digests"])
    yield database
    database.close()


def test_the_set_is_big_and_covers_english_and_odd_inputs() -> None:
    assert len(CASES) >= 60
    assert sum(case.question.isascii() for case in CASES) >= 12
    assert {case.intent for case in CASES} == {"list", "story", "count", "day"}
    assert {case.refusal for case in CASES} >= {"nothing_asked", "no_such_period"}


@pytest.mark.parametrize("case", CASES, ids=[f"q{n:02d}" for n in range(len(CASES))])
def test_question_is_read_as_expected(case: Case) -> None:
    question = understand(case.question, TODAY)
    period = (question.period.since(), question.period.until()) if question.period else (None, None)
    assert period == (case.since, case.until)
    assert question.category == case.category
    assert question.names == case.names
    assert question.refusal == case.refusal
    assert (question.period_problem[1] if question.period_problem else None) == case.problem
    assert question.cut == case.cut
    if not case.refusal:
        assert question.intent == case.intent


@pytest.mark.parametrize("case", CASES, ids=[f"q{n:02d}" for n in range(len(CASES))])
def test_question_is_answered_with_its_items(question_db, case: Case) -> None:
    question = understand(case.question, TODAY)
    found = answer(question_db, question, limit=PAGE)
    titles = [item.title for item in found.items]
    assert sorted(titles) == sorted(title_of(key) for key in case.items)
    assert found.total == len(case.items)
    for item in found.items:  # nothing outside the asked period or category
        if question.period:
            assert question.period.since() <= item.date <= question.period.until()
        if question.category:
            assert item.category == question.category
    if case.intent == "story":
        assert sorted(i.title for story in found.stories for i in story.items) == sorted(titles)
    if case.intent == "count":
        assert found.trend is not None and sum(n for _, n in found.trend.weeks) == len(case.items)
    if case.intent == "day" and case.items:
        assert found.digest is not None and found.digest.date == case.since


def test_every_archive_item_is_answered_by_some_question() -> None:
    asked = {key for case in CASES for key in case.items}
    assert len(asked) >= len(ARCHIVE) - 2, set(ARCHIVE) - asked


def test_list_pages_follow_each_other(question_db) -> None:
    question = understand("监管有什么新动态", TODAY)
    first = answer(question_db, question, limit=2)
    second = answer(question_db, question, limit=2, offset=2)
    assert first.total == second.total == 5
    assert [i.date for i in first.items + second.items] == sorted(
        (i.date for i in first.items + second.items), reverse=True)
    assert not {i.title for i in first.items} & {i.title for i in second.items}


def test_widening_drops_the_period_and_the_category(question_db) -> None:
    question = understand("上周有哪些融资", TODAY)
    funding = [key for key, (_, category, *_) in ARCHIVE.items() if category == "投融资与并购"]
    assert answer(question_db, question.widened(drop_period=True)).total == len(funding)
    last_week = [key for key, (date, *_) in ARCHIVE.items() if "2026-02-02" <= date <= "2026-02-08"]
    wider = answer(question_db, question.widened(drop_category=True), limit=PAGE)
    assert wider.total == len(last_week) > 3
    assert all("2026-02-02" <= i.date <= "2026-02-08" for i in wider.items)


def test_a_question_that_finds_nothing_says_so(question_db) -> None:
    found = answer(question_db, understand("上周 OpenAI 的政策", TODAY))
    assert found.total == 0 and found.items == [] and not found.found


def test_a_long_keyword_that_finds_nothing_is_tried_in_pieces(question_db) -> None:
    found = answer(question_db, understand("千问春节活动投了多少钱", TODAY))
    assert found.relaxed == "split" and found.keywords == ("春节", "活动")


def test_keywords_that_find_nothing_leave_the_subject(question_db) -> None:
    found = answer(question_db, understand("阶跃星辰的火星计划", TODAY))
    assert found.relaxed == "subjects_only" and found.total == 2


def test_a_typo_in_a_keyword_is_corrected(question_db) -> None:
    found = answer(question_db, understand("电力寻检", TODAY))
    assert found.relaxed == "corrected"
    assert [item.title for item in found.items] == [title_of("y_industry")]


def test_exclusions_beside_a_period_only(question_db) -> None:
    found = answer(question_db, understand("昨天 -宇树", TODAY))
    assert sorted(i.title for i in found.items) == sorted(title_of(k) for k in ("y_funding",
                                                                              "y_product"))


def test_a_day_without_a_digest(question_db) -> None:
    found = answer(question_db, understand("2月8日的日报", TODAY))
    assert found.shape == "day" and found.digest is None and found.total == 0


def test_the_answer_as_json_carries_the_reading(question_db) -> None:
    found = answer(question_db, understand("上周有哪些融资", TODAY)).to_json()
    assert found["reading"]["period"] == {"phrase": "上周", "since": "2026-02-02",
                                          "until": "2026-02-08"}
    assert found["reading"]["category"] == "投融资与并购"
    assert found["total"] == 3 and len(found["items"]) == 3


def test_questions_archive_files_parse(tmp_path: Path) -> None:
    files = write_archive(tmp_path)
    assert len(files) == len({date for date, *_ in ARCHIVE.values()})
