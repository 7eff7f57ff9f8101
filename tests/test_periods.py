"""Time phrases read relative to a fixed today (a Sunday): storage/periods.py."""

from __future__ import annotations

import datetime as dt

import pytest

from storage.periods import MAX_DAYS, chinese_number, find_periods, read_period

TODAY = dt.date(2026, 2, 8)  # a Sunday: this week is 02-02 ~ 02-08
WEDNESDAY = dt.date(2026, 2, 4)


@pytest.mark.parametrize(("text", "phrase", "start", "end"), [
    ("今天的日报", "今天", "2026-02-08", "2026-02-08"),
    ("今日要闻", "今日", "2026-02-08", "2026-02-08"),
    ("昨天有什么", "昨天", "2026-02-07", "2026-02-07"),
    ("前天的融资", "前天", "2026-02-06", "2026-02-06"),
    ("本周", "本周", "2026-02-02", "2026-02-08"),
    ("这周有哪些模型", "这周", "2026-02-02", "2026-02-08"),
    ("这星期", "这星期", "2026-02-02", "2026-02-08"),
    ("上周有哪些融资", "上周", "2026-01-26", "2026-02-01"),
    ("上星期", "上星期", "2026-01-26", "2026-02-01"),
    ("上一周的政策", "上一周", "2026-01-26", "2026-02-01"),
    ("最近3天", "最近3天", "2026-02-06", "2026-02-08"),
    ("近三天", "近三天", "2026-02-06", "2026-02-08"),
    ("过去十天", "过去十天", "2026-01-30", "2026-02-08"),
    ("最近两天", "最近两天", "2026-02-07", "2026-02-08"),
    ("最近十五天", "最近十五天", "2026-01-25", "2026-02-08"),
    ("最近一周", "最近一周", "2026-02-02", "2026-02-08"),
    ("最近两周", "最近两周", "2026-01-26", "2026-02-08"),
    ("最近一个月", "最近一个月", "2026-01-10", "2026-02-08"),
    ("最近半年", "最近半年", "2025-08-11", "2026-02-08"),
    ("本月", "本月", "2026-02-01", "2026-02-28"),
    ("这个月", "这个月", "2026-02-01", "2026-02-28"),
    ("上个月的产品", "上个月", "2026-01-01", "2026-01-31"),
    ("2月", "2月", "2026-02-01", "2026-02-28"),
    ("12月有什么", "12月", "2025-12-01", "2025-12-31"),  # December has not come yet this year
    ("十二月", "十二月", "2025-12-01", "2025-12-31"),
    ("2月3日", "2月3日", "2026-02-03", "2026-02-03"),
    ("2月3号", "2月3号", "2026-02-03", "2026-02-03"),
    ("12月31日", "12月31日", "2025-12-31", "2025-12-31"),
    ("5号的日报", "5号", "2026-02-05", "2026-02-05"),
    ("2026-02-03", "2026-02-03", "2026-02-03", "2026-02-03"),
    ("2026/2/3", "2026/2/3", "2026-02-03", "2026-02-03"),
    ("2026年2月3日", "2026年2月3日", "2026-02-03", "2026-02-03"),
    ("2025年12月", "2025年12月", "2025-12-01", "2025-12-31"),
    ("2025年", "2025年", "2025-01-01", "2025-12-31"),
    ("what happened today", "today", "2026-02-08", "2026-02-08"),
    ("Yesterday", "Yesterday", "2026-02-07", "2026-02-07"),
    ("funding this week", "this week", "2026-02-02", "2026-02-08"),
    ("models last week", "last week", "2026-01-26", "2026-02-01"),
    ("news of the last 5 days", "the last 5 days", "2026-02-04", "2026-02-08"),
    ("past three days", "past three days", "2026-02-06", "2026-02-08"),
    ("this month", "this month", "2026-02-01", "2026-02-28"),
    ("last month", "last month", "2026-01-01", "2026-01-31"),
    ("funding in February", "in February", "2026-02-01", "2026-02-28"),
    ("in December", "in December", "2025-12-01", "2025-12-31"),
])
def test_time_phrase_is_read_relative_to_today(text: str, phrase: str, start: str, end: str) -> None:
    found = read_period(text, TODAY)
    assert found is not None and found.problem is None
    assert found.phrase == phrase
    assert (found.period.since(), found.period.until()) == (start, end)
    assert text[found.span[0]:found.span[1]].strip() == phrase


def test_weeks_run_monday_to_sunday_midweek() -> None:
    assert read_period("本周", WEDNESDAY).period.since() == "2026-02-02"
    assert read_period("本周", WEDNESDAY).period.until() == "2026-02-08"
    assert (read_period("上周", WEDNESDAY).period.since(),
            read_period("上周", WEDNESDAY).period.until()) == ("2026-01-26", "2026-02-01")


def test_last_month_in_january_is_last_years_december() -> None:
    period = read_period("上个月", dt.date(2026, 1, 15)).period
    assert (period.since(), period.until()) == ("2025-12-01", "2025-12-31")


def test_a_day_that_has_not_come_this_year_is_last_years() -> None:
    assert read_period("3月1日", TODAY).period.since() == "2025-03-01"
    assert read_period("2月8日", TODAY).period.since() == "2026-02-08"


@pytest.mark.parametrize(("text", "problem"), [
    ("13月有什么", "no_such_month"),
    ("0月", "no_such_month"),
    ("2月30日", "no_such_date"),
    ("2026-02-30", "no_such_date"),
    ("最近0天", "empty_span"),
    ("32号", "no_such_date"),
])
def test_a_phrase_naming_no_real_span_says_why(text: str, problem: str) -> None:
    found = read_period(text, TODAY)
    assert found is not None
    assert found.period is None and found.problem == problem


def test_a_huge_span_is_capped_and_says_so() -> None:
    found = read_period("最近9999天", TODAY)
    assert found.problem == "capped"
    assert found.period.days == MAX_DAYS and found.period.end == TODAY


def test_words_that_are_no_time_phrase_are_left_alone() -> None:
    for text in ("阶跃星辰最近怎么样", "Qwen3.5 发布", "30亿元融资", "最近", "GPT-5.2", "Apple",
                 "may I ask", "信号", "三个月"):
        assert find_periods(text, TODAY) == [], text


def test_every_phrase_is_found_without_overlap() -> None:
    found = find_periods("上个月和本月的融资", TODAY)
    assert [m.phrase for m in found] == ["上个月", "本月"]
    assert read_period("13月和上周", TODAY).phrase == "上周"  # the first that names a period


@pytest.mark.parametrize(("text", "value"), [("3", 3), ("三", 3), ("十", 10), ("两", 2), ("十五", 15),
                                             ("二十", 20), ("三十一", 31), ("两百", 200),
                                             ("一万", 10000), ("九千九百九十九", 9999), ("x", None)])
def test_chinese_numerals(text: str, value: int | None) -> None:
    assert chinese_number(text) == value
