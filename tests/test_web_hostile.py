"""The web archive against hostile input, over HTTP on both backends: control characters in a
digest and in a query (feeds and pages), page numbers that are not ASCII digits, deep and
out-of-range pages (a stable `total`), JSON errors under /api/, huge paths (what the 404 page
and the log echo), 405's Allow header, and the rate limit behind trusted proxies only.

The archive: the bundled digests, one newest digest with control characters in its text, and
24 generated days of 10 items each (more search hits than storage counts, a category of
several pages)."""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import feedparser
import httpx
import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.web.clients import Proxies
from handlers.web import SEARCH_PAGES
from storage.backend import Database, open_db
from storage.categories import POLICY
from storage.digests import category_items
from storage.index import ingest_paths
from storage.search import COUNT_CAP, newest_matches, search
from tests.conftest import BUNDLED, postgres_schema
from tests.web_site import RunningSite

CONTROL_DATE = "2026-02-09"  # the newest digest: in every feed
CONTROLS = "\x1b\x07\x01\x7f"  # ESC, BEL, 0x01, DEL
CONTROL = f"""# AI 行业动态 ({CONTROL_DATE})

**政策与监管**

**控制{CONTROLS[0]}字符条目{CONTROLS[1]}**
说明：一段{CONTROLS[2]}带控制字符{CONTROLS[3]}的说明，提到红包
来源出处：[来源](https://example.com/control)
"""
WORD = "压测词"  # in every generated item
GENERATED_DAYS, ITEMS_A_DAY = 24, 10  # 240 items: more than COUNT_CAP; 120 of them in 政策与监管


def _generated_day(day: int) -> str:
    """A digest of 2025-11-(day+1): five policy items, then five industry items."""
    date = f"2025-11-{day + 1:02d}"
    lines = [f"# AI 行业动态 ({date})", ""]
    for category, first in ((POLICY, 0), ("行业落地与生态", 5)):
        lines += [f"**{category}**", ""]
        for n in range(first, first + 5):
            lines += [f"**第 {day + 1} 天的第 {n + 1} 条{WORD}新闻**", f"说明：{WORD}的说明 {day}-{n}",
                      f"来源出处：[来源](https://example.com/{day}/{n})", ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "digests"
    shutil.copytree(BUNDLED, folder)
    (folder / "control.md").write_text(CONTROL, encoding="utf-8")
    for day in range(GENERATED_DAYS):
        (folder / f"generated-{day:02d}.md").write_text(_generated_day(day), encoding="utf-8")
    return folder


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def web_db(request, tmp_path_factory, archive: Path) -> Iterator[Database]:
    with contextlib.ExitStack() as stack:
        location = (stack.enter_context(postgres_schema()) if request.param == "postgres"
                    else str(tmp_path_factory.mktemp("hostiledb") / "index.db"))
        database = open_db(location)
        outcomes = ingest_paths(database, [archive])
        assert [o.status for o in outcomes] == ["indexed"] * (6 + GENERATED_DAYS)
        yield database
        database.close()


@pytest.fixture(scope="module")
def client(web_db: Database) -> Iterator[httpx.Client]:
    with RunningSite(web_db, Settings(web_rate=0)) as site, \
            httpx.Client(base_url=site.url, timeout=20) as http:
        yield http


def _no_controls(text: str) -> bool:
    return not any(ch in text for ch in CONTROLS)


# --- control characters -------------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"category": "政策"}, {"q": "控制"}, {"q": "\x01红包"},
                                    {"q": "红包", "category": "政策"}, {"q": "\x1b控制\x07"}])
def test_feeds_carry_a_digest_with_control_characters(client, web_db, params) -> None:
    control_item = newest_matches(web_db, "控制", limit=1).items[0]
    response = client.get("/feed.xml", params=params)
    assert response.status_code == 200, response.text[:300]
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert _no_controls(response.text)
    first = feed.entries[0]
    if params:  # a feed of items: the newest is the control digest's
        assert first.title == "控制字符条目" and first.link.endswith(f"/item/{control_item.id}")
        assert "一段带控制字符的说明，提到红包" in first.summary
    else:  # a feed of digests: the control digest is the newest
        assert first.link.endswith(f"/d/{CONTROL_DATE}") and "控制字符条目" in first.content[0].value


@pytest.mark.parametrize("path, shows", [
    (f"/d/{CONTROL_DATE}", "控制字符条目"), ("/", "一段带控制字符的说明"),
    ("/search?q=控制", "控制字符条目"), ("/category/政策", "控制字符条目"),
    ("/search?q=%01%1B控制", "「控制」"), ("/what?q=%07控制", "控制字符条目"),
    ("/trend?q=%7F控制", "「控制」每周趋势")])
def test_pages_leave_control_characters_out(client, path: str, shows: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert _no_controls(response.text) and shows in response.text


def test_json_keeps_the_text_as_stored(client) -> None:
    """JSON escapes control characters itself (\\u001b): the API returns the digest's text."""
    body = client.get(f"/api/d/{CONTROL_DATE}").json()
    assert body["items"][0]["title"] == f"控制{CONTROLS[0]}字符条目{CONTROLS[1]}"


# --- page numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["²", "¹", "①", "٣", "３", "-1", "0", "1e3", " 2 ", "9" * 30])
def test_a_page_number_that_is_not_ascii_digits_is_page_one(client, number: str) -> None:
    expected_page = 2 if number == " 2 " else 1
    html = client.get("/search", params={"q": WORD, "page": number})
    assert html.status_code == 200 and f"第 {expected_page}/{SEARCH_PAGES} 页" in html.text
    category = client.get(f"/category/{quote('政策')}", params={"page": number})
    assert category.status_code == 200 and f"第 {expected_page}/" in category.text
    api = client.get("/api/search", params={"q": WORD, "page": number})
    assert api.status_code == 200 and api.json()["page"] == expected_page
    if number == "9" * 30:  # more than 6 digits: not a page number at all
        assert expected_page == 1


def test_search_total_is_the_same_on_every_page(client, web_db) -> None:
    counted = search(web_db, WORD, limit=10)
    assert counted.total == COUNT_CAP and counted.total_capped  # 240 hits, 200 counted
    pages = {}
    for page in (1, 2, SEARCH_PAGES, SEARCH_PAGES + 1, 50, 999_999):
        body = client.get("/api/search", params={"q": WORD, "page": str(page)}).json()
        assert (body["total"], body["total_capped"], body["pages"]) == (COUNT_CAP, True, SEARCH_PAGES)
        assert body["page"] == page
        pages[page] = [item["id"] for item in body["items"]]
    assert len(pages[1]) == len(pages[SEARCH_PAGES]) == 10
    assert pages[1] == [item.id for item in counted.items]
    assert pages[SEARCH_PAGES] == [item.id for item in search(
        web_db, WORD, limit=10, offset=(SEARCH_PAGES - 1) * 10).items]
    assert pages[SEARCH_PAGES + 1] == pages[50] == pages[999_999] == []  # past the last page


def test_a_search_page_past_the_last_shows_the_last(client, web_db) -> None:
    html = client.get("/search", params={"q": WORD, "page": "50"}).text
    assert f"共 {COUNT_CAP}+ 条 · 第 {SEARCH_PAGES}/{SEARCH_PAGES} 页" in html
    last = search(web_db, WORD, limit=10, offset=(SEARCH_PAGES - 1) * 10).items
    assert re.findall(r'class="hit-title" href="[^"]*/item/(\d+)"', html) == [str(i.id) for i in last]
    assert 'rel="next"' not in html and 'rel="prev"' in html
    few = client.get("/search", params={"q": "红包", "page": "3"}).text  # 7 hits: one page
    assert "第 1/1 页" in few and few.count('class="hit"') == 7


def test_category_pages_are_twenty_items_and_clamped(client, web_db) -> None:
    _, _, total = category_items(web_db, POLICY, 1)
    pages = -(-total // 20)
    assert total == 8 + 1 + GENERATED_DAYS * 5 and pages == 7
    for page in (1, 2, 3):
        html = client.get(f"/category/{quote('政策')}", params={"page": str(page)}).text
        _, expected, _ = category_items(web_db, POLICY, 20, (page - 1) * 20)
        ids = re.findall(r'class="hit-title" href="[^"]*/item/(\d+)"', html)
        assert ids == [str(item.id) for item in expected] and len(ids) == 20
        assert f'<ol class="hits" start="{(page - 1) * 20 + 1}">' in html
        assert f"第 {page}/{pages} 页" in html
    beyond = client.get(f"/category/{quote('政策')}", params={"page": "99999"}).text
    _, last, _ = category_items(web_db, POLICY, 20, (pages - 1) * 20)
    assert f"第 {pages}/{pages} 页" in beyond and "第 50/" not in beyond
    assert re.findall(r'class="hit-title" href="[^"]*/item/(\d+)"', beyond) == [str(i.id) for i in last]


# --- /api/ errors are JSON ----------------------------------------------------------------------


def test_api_errors_are_json(client) -> None:
    for method, path, status, code in (("GET", "/api/nothing", 404, "not_found"),
                                       ("GET", "/api/d/2020-01-01", 404, "not_found"),
                                       ("POST", "/api/search", 405, "method_not_allowed"),
                                       ("DELETE", "/api/d/2026-02-08", 405, "method_not_allowed"),
                                       ("GET", "/api/search?q=x", 400, "too_short")):
        answer = client.request(method, path)
        assert answer.status_code == status, path
        assert answer.headers["content-type"] == "application/json; charset=UTF-8", path
        assert answer.json()["error"] == code, path
    assert client.post("/api/search").headers["allow"] == "GET, HEAD"


def test_api_rate_limit_and_server_errors_are_json(web_db) -> None:
    with RunningSite(web_db, Settings(web_rate=1)) as limited, \
            httpx.Client(base_url=limited.url) as http:
        answers = [http.get("/api/search") for _ in range(10)]  # 400 (no query): no storage call
    limited = next(answer for answer in answers if answer.status_code == 429)
    assert limited.json() == {"error": "too_many_requests"} and int(limited.headers["Retry-After"]) >= 1

    class Broken:
        name = "sqlite"

        def execute(self, sql: str, parameters=()):
            raise RuntimeError("disk on fire")

    with RunningSite(Broken(), Settings()) as broken, httpx.Client(base_url=broken.url) as http:
        failed = http.get("/api/d/2026-02-08")
        page = http.get("/d/2026-02-08")
    assert failed.status_code == 500 and failed.json() == {"error": "internal_server_error"}
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")


# --- what a huge request gets back, and what the log keeps ------------------------------------


def test_a_huge_path_gets_a_small_404_and_a_short_log_line(client, caplog) -> None:
    caplog.set_level(logging.INFO)
    huge = "a" * 60_000
    for path in (f"/{huge}", f"/week/{huge}", f"/what/{huge}", f"/api/{huge}",
                 f"/category/{huge}", f"/search?q={huge[:30_000]}&page={huge[:30_000]}"):
        answer = client.get(path)
        assert answer.status_code in (200, 404), path[:20]
        assert len(answer.content) < 8_000, (path[:20], len(answer.content))
    lines = [record.getMessage() for record in caplog.records
             if record.name.startswith(("tornado", "bot"))]  # the server's, not httpx's
    assert any("404 GET /aaa" in line for line in lines)
    assert max(len(line) for line in lines) < 400


def test_405_says_what_is_allowed(client) -> None:
    for method, path in (("POST", "/search"), ("DELETE", f"/d/{CONTROL_DATE}"), ("PUT", "/"),
                         ("POST", "/static/site.css")):
        answer = client.request(method, path)
        assert answer.status_code == 405 and answer.headers["allow"] == "GET, HEAD", path


# --- the rate limit and the proxies it trusts ---------------------------------------------------


def test_forwarded_addresses_count_only_from_trusted_proxies(web_db) -> None:
    """At 1 request a second (bursts of 3), on /search without a query (no storage call, so the
    requests come faster than the buckets refill even on a loaded machine)."""
    rotated = [{"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"198.51.100.{n}"}
               for n in range(10)]
    # The test's client connects from 127.0.0.1: a trusted proxy by default (loopback), so each
    # forwarded address has its own bucket...
    with RunningSite(web_db, Settings(web_rate=1)) as behind_proxy, \
            httpx.Client(base_url=behind_proxy.url) as http:
        assert [http.get("/search", headers=h).status_code for h in rotated] == [200] * 10
        same = [http.get("/search", headers=rotated[0]).status_code for _ in range(10)]
        assert 429 in same  # ...and one forwarded client still has one bucket
    # ...while a peer that is no trusted proxy cannot rotate the headers past the limit.
    with RunningSite(web_db, Settings(web_rate=1, web_trusted_proxies=("10.0.0.0/8",))) as direct, \
            httpx.Client(base_url=direct.url) as http:
        statuses = [http.get("/search", headers=h).status_code for h in rotated]
    assert statuses[:3] == [200] * 3 and 429 in statuses


def test_the_scheme_a_trusted_proxy_names_makes_the_links(web_db) -> None:
    proto = {"X-Forwarded-Proto": "https", "Host": "digest.example.org"}
    with RunningSite(web_db, Settings(web_rate=0)) as trusting, \
            httpx.Client(base_url=trusting.url) as http:
        assert 'content="https://digest.example.org/categories"' in http.get("/categories",
                                                                            headers=proto).text
    with RunningSite(web_db, Settings(web_rate=0, web_trusted_proxies=())) as untrusting, \
            httpx.Client(base_url=untrusting.url) as http:
        assert 'content="http://digest.example.org/categories"' in http.get("/categories",
                                                                           headers=proto).text


def test_the_client_behind_trusted_proxies() -> None:
    proxies = Proxies(("127.0.0.0/8", "::1/128", "10.0.0.0/8"))
    assert proxies.client("203.0.113.9", {"X-Forwarded-For": "1.1.1.1", "X-Real-IP": "2.2.2.2"}) \
        == "203.0.113.9"  # not a proxy: its headers are the client's own words
    forged = {"X-Forwarded-For": "1.1.1.1, 198.51.100.7, 10.1.2.3"}  # client forged 1.1.1.1
    assert proxies.client("127.0.0.1", forged) == "198.51.100.7"
    assert proxies.client("::ffff:127.0.0.1", forged) == "198.51.100.7"  # IPv4-mapped peer
    assert proxies.client("127.0.0.1", {"X-Real-IP": "198.51.100.8"}) == "198.51.100.8"
    assert proxies.client("127.0.0.1", {"X-Forwarded-For": "junk, 10.0.0.1"}) == "127.0.0.1"
    assert proxies.client("127.0.0.1", {"X-Real-IP": "junk"}) == "127.0.0.1"
    assert proxies.client("", {"X-Real-IP": "198.51.100.8"}) == ""
    assert proxies.scheme("127.0.0.1", {"X-Scheme": "https"}, "http") == "https"
    assert proxies.scheme("203.0.113.9", {"X-Forwarded-Proto": "https"}, "http") == "http"
    assert proxies.scheme("127.0.0.1", {"X-Forwarded-Proto": "gopher"}, "http") == "http"


def test_trusted_proxies_setting() -> None:
    assert load_settings({}, env_file=None).web_trusted_proxies == ("127.0.0.0/8", "::1/128")
    named = load_settings({"WEB_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16 fd00::/8"},
                          env_file=None)
    assert named.web_trusted_proxies == ("10.0.0.1/32", "192.168.0.0/16", "fd00::/8")
    assert load_settings({"WEB_TRUSTED_PROXIES": "none"}, env_file=None).web_trusted_proxies == ()
    for value in ("10.0.0.300", "proxy.example.org", "10.0.0.0/33"):
        with pytest.raises(ConfigError, match=r"WEB_TRUSTED_PROXIES is malformed"):
            load_settings({"WEB_TRUSTED_PROXIES": value}, env_file=None)
