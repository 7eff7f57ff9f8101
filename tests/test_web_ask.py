"""Questions on the site (/ask, the search box, /api/ask) over HTTP: the question set's questions
answered with the same items as storage answers them, on both backends. The archive is the
question set's, moved to this week (whole weeks), since the site reads questions from today."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html import unescape
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.config import Settings
from storage.answer import answer
from storage.backend import open_db
from storage.index import ingest_paths
from storage.understand import understand
from tests.conftest import postgres_schema
from tests.question_set import CASES, title_of, weeks_to, write_archive
from tests.web_site import RunningSite

SITE_QUERY_CHARS = 64  # the site cuts queries here (bot/web/responses.py)
PAGE_SIZE = 10


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def asked(request, tmp_path_factory) -> Iterator[tuple[RunningSite, dt.date, int]]:
    """A running site over the question set's archive moved to this week, on each backend; with
    today in the site's time zone and the days the archive moved."""
    settings = Settings(web_rate=0)
    today = dt.datetime.now(ZoneInfo(settings.timezone)).date()
    shift = weeks_to(today)
    directory = tmp_path_factory.mktemp("ask-site")
    write_archive(directory / "digests", shift)
    with postgres_schema() if request.param == "postgres" else _nothing() as url:
        db = open_db(url or directory / "index.db")
        ingest_paths(db, [directory / "digests"])
        with RunningSite(db, settings) as site:
            yield site, today, shift
        db.close()


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _site_reads(text: str) -> str:
    return " ".join(text.split())[:SITE_QUERY_CHARS]


@pytest.mark.parametrize("case", [c for c in CASES if not c.refusal],
                         ids=[f"q{n:02d}" for n, c in enumerate(CASES) if not c.refusal])
def test_the_site_answers_each_question_with_storages_items(asked, case) -> None:
    site, today, _ = asked
    expected = answer(site.db, understand(_site_reads(case.question), today), limit=PAGE_SIZE)
    response = httpx.get(f"{site.url}/api/ask", params={"q": case.question}, timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [item.id for item in expected.items]
    assert body["total"] == expected.total and body["shape"] == expected.shape
    assert body["reading"]["category"] == expected.question.category
    assert all(item["url"] == f"{site.url}/item/{item['id']}" for item in body["items"])
    page = httpx.get(f"{site.url}/ask", params={"q": case.question}, timeout=30).text
    for item in expected.items:
        assert f"/item/{item.id}" in page


def test_a_question_page_shows_how_it_was_read_and_widens(asked) -> None:
    site, today, shift = asked
    page = unescape(httpx.get(f"{site.url}/ask", params={"q": "上周有哪些融资"}, timeout=30).text)
    monday = today - dt.timedelta(days=today.weekday() + 7)
    span = f"{monday:%m-%d} ~ {monday + dt.timedelta(days=6):%m-%d}"
    assert f"按：上周（{span}）· 投融资 · 3 条" in page
    for key in ("anthropic", "bytedance_deal", "unitree_ipo"):
        assert title_of(key) in page
    assert title_of("t_funding") not in page  # this week's: outside the asked period
    widen = dict(re.findall(r'<a href="([^"]+)">(🕒 不限时间|🗂 不限分类)</a>', page))
    assert set(widen.values()) == {"🕒 不限时间", "🗂 不限分类"}
    any_time = next(url for url, label in widen.items() if label == "🕒 不限时间")
    wider = unescape(httpx.get(any_time, timeout=30).text)
    assert "按：投融资 · 10 条" in wider and title_of("t_funding") in wider


def test_the_search_box_answers_a_question_and_searches_keywords(asked) -> None:
    site, _, _ = asked
    question = unescape(httpx.get(f"{site.url}/search", params={"q": "上周有哪些融资"},
                                  timeout=30).text)
    assert "按：上周（" in question and title_of("anthropic") in question
    keywords = unescape(httpx.get(f"{site.url}/search", params={"q": "红包"}, timeout=30).text)
    assert "按：" not in keywords and "共 2 条" in keywords


def test_a_list_pages(asked) -> None:
    site, _, _ = asked
    first = httpx.get(f"{site.url}/api/ask", params={"q": "最近半年的新闻"}, timeout=30).json()
    second = httpx.get(f"{site.url}/api/ask", params={"q": "最近半年的新闻", "page": "2"},
                       timeout=30).json()
    assert first["total"] > PAGE_SIZE and len(first["items"]) == PAGE_SIZE
    assert second["items"] and not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    page = unescape(httpx.get(f"{site.url}/ask", params={"q": "最近半年的新闻"}, timeout=30).text)
    assert f"第 1/{-(-first['total'] // PAGE_SIZE)} 页" in page and "&page=2" in page


@pytest.mark.parametrize(("question", "says"), [
    ("😀😀", "没看出要找什么"), ("请问一下", "没看出要找什么"), ("13月有什么", "「13月」不是有效的月份"),
    ("a", "没看出要找什么"), ("阶跃星辰" * 100, "问题太长，只读了前 64 个字"),
])
def test_odd_questions_get_a_clear_page(asked, question: str, says: str) -> None:
    site, _, _ = asked
    response = httpx.get(f"{site.url}/ask", params={"q": question}, timeout=30)
    assert response.status_code == 200 and says in unescape(response.text)
    assert "/help" not in response.text  # a bot's command means nothing on the site


def test_the_api_refuses_a_question_with_nothing_to_look_for(asked) -> None:
    site, _, _ = asked
    response = httpx.get(f"{site.url}/api/ask", params={"q": "😀"}, timeout=30)
    assert response.status_code == 400 and response.json()["error"] == "nothing_asked"


def test_the_empty_ask_page_offers_examples(asked) -> None:
    site, _, _ = asked
    page = unescape(httpx.get(f"{site.url}/ask", timeout=30).text)
    assert "上周有哪些融资" in page and "/ask?q=" in page
