"""The site's /hot and /api/hot over HTTP, on both backends: the same lists as storage (and so as the
CLI's --json and MCP), each term linked to its search, timeline and trend."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import httpx
import pytest

from bot import links
from bot.config import Settings
from storage.backend import Database, open_db
from storage.hot import hot
from storage.index import ingest_paths
from tests.conftest import postgres_schema
from tests.hot_archive import END, FADER, NEW, OLD_NEW, RISER, STEADY, write_archive
from tests.web_site import RunningSite


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hot_site(request, tmp_path_factory) -> Iterator[tuple[Database, httpx.Client]]:
    folder = tmp_path_factory.mktemp("hotweb")
    write_archive(folder / "digests")
    with contextlib.ExitStack() as stack:
        location = (stack.enter_context(postgres_schema()) if request.param == "postgres"
                    else str(folder / "index.db"))
        database = open_db(location)
        ingest_paths(database, [folder / "digests"])
        running = stack.enter_context(RunningSite(database, Settings(web_rate=0)))
        client = stack.enter_context(httpx.Client(base_url=running.url, timeout=20))
        yield database, client
        database.close()


def _listed(html: str, kind: str) -> list[str]:
    section = re.search(rf'<section class="hot-{kind}">(.*?)</section>', html, re.S)
    return [unescape(t) for t in re.findall(r"<li><b>(.+?)</b>", section.group(1))] if section else []


def test_hot_page_lists_the_terms_with_links(hot_site) -> None:
    database, client = hot_site
    page = client.get("/hot", params={"date": END.isoformat()})
    assert page.status_code == 200
    html = page.text
    result = hot(database, END.isoformat())
    assert _listed(html, "rising") == [t.term for t in result.rising][:10]
    assert _listed(html, "new") == [t.term for t in result.new][:10]
    assert _listed(html, "fading") == [t.term for t in result.fading][:10]
    assert RISER in _listed(html, "rising") and NEW in _listed(html, "new")
    assert FADER in _listed(html, "fading") and STEADY not in _listed(html, "rising")
    base = str(client.base_url).rstrip("/")
    for url in (links.search_url(base, RISER), links.what_url(base, RISER),
                links.trend_url(base, RISER)):
        assert f'href="{url}"' in html.replace("&amp;", "&")
    assert "6 条（此前每周 1）" in html
    # The links lead to the term's pages.
    assert RISER in client.get(links.what_url("", RISER) or f"/what/{RISER}").text


def test_hot_page_two_weeks_back_and_without_lists(hot_site) -> None:
    _, client = hot_site
    back = client.get("/hot", params={"date": (END - dt.timedelta(days=14)).isoformat()}).text
    assert OLD_NEW in _listed(back, "new") and NEW not in back
    none = client.get("/hot", params={"date": "2020-01-05"}).text
    assert "2019-12-30 ~ 2020-01-05 没有日报" in none and f"最新一期是 {END}" in none
    assert "最新一期是" in client.get("/hot").text  # today: after the archive's last digest
    bad = client.get("/hot", params={"date": "不是日期"})
    assert bad.status_code == 400 and "不是日期" in bad.text


def test_api_hot_is_the_storage_answer(hot_site) -> None:
    database, client = hot_site
    answer = client.get("/api/hot", params={"date": END.isoformat()})
    assert answer.status_code == 200
    assert answer.json() == hot(database, END.isoformat()).to_json()
    assert client.get("/api/hot", params={"date": "x"}).status_code == 400


def test_the_menu_links_to_hot(hot_site, tmp_path: Path) -> None:
    _, client = hot_site
    assert 'href="/hot"' in client.get("/hot").text.replace(str(client.base_url).rstrip("/"), "")
