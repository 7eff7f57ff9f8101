"""The web archive over HTTP, on both backends: every route's contents from the bundled digests
(plus one hostile digest), 404s, escaping, the feeds (parsed with feedparser), the JSON keys,
headers and the rate limit. One server per backend for the whole module."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import quote

import feedparser
import httpx
import pytest

from bot.config import Settings
from bot.web.clients import TokenBuckets
from bot.web.server import SECURITY_HEADERS
from storage.backend import Database, open_db
from storage.categories import FUNDING
from storage.digests import categories, digest_on
from storage.index import ingest_paths
from storage.model import Item
from storage.search import newest_matches, search, weekly_counts
from storage.stories import what
from tests.conftest import BUNDLED, postgres_schema
from tests.web_site import RunningSite

NEWEST = "2026-02-08"
HOSTILE_DATE = "2026-01-10"
HOSTILE = f"""# AI 行业动态 ({HOSTILE_DATE})

**政策与监管**

**<script>alert("title")</script> 攻击测试条目**
说明：一段带 <b>标签</b> 和 & 符号的说明 "引号" 'single' <svg onload=alert(4)>
背景：<img src=x onerror=alert(1)>
要点：
- 要点里的 <script>alert(2)</script>
来源出处：[恶意链接](javascript:alert(3))
"""
JSON_KEYS = {"id", "date", "category", "title", "summary", "background", "analysis", "points",
             "source_name", "source_url", "url"}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """The bundled digests plus one digest full of HTML and a javascript: link."""
    folder = tmp_path_factory.mktemp("web") / "digests"
    shutil.copytree(BUNDLED, folder)
    (folder / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def web_db(request, tmp_path_factory, archive: Path) -> Iterator[Database]:
    """An index of `archive`, on each backend (a PostgreSQL schema of its own for the module)."""
    with contextlib.ExitStack() as stack:
        location = (stack.enter_context(postgres_schema()) if request.param == "postgres"
                    else str(tmp_path_factory.mktemp("webdb") / "index.db"))
        database = open_db(location)
        outcomes = ingest_paths(database, [archive])
        assert [o.status for o in outcomes] == ["indexed"] * 6, [o.line() for o in outcomes]
        yield database
        database.close()


@pytest.fixture(scope="module")
def site(web_db: Database) -> Iterator[RunningSite]:
    with RunningSite(web_db, Settings(web_rate=0)) as running:
        yield running


@pytest.fixture(scope="module")
def client(site: RunningSite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=20) as http:
        yield http


def text_of(html: str) -> str:
    """Return the page's visible text, roughly: tags dropped, entities decoded."""
    return unescape(re.sub(r"<[^>]+>", " ", html))


def anchors(html: str) -> list[str]:
    return re.findall(r'id="item-(\d+)"', html)


def assert_page(response: httpx.Response, status: int = 200) -> str:
    """Check what every page has (status, UTF-8 HTML in zh-CN, title, Open Graph, security
    headers) and return its HTML."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "text/html; charset=UTF-8"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'none'
    html = response.text
    assert html.startswith("<!doctype html>\n<html lang=\"zh-CN\">")
    assert re.search(r"<title>[^<]+</title>", html)
    for tag in ("og:title", "og:description", "og:url", "og:type", "og:site_name"):
        assert re.search(rf'<meta property="{tag}" content="[^"]+">', html), tag
    assert "<script" not in html and "Traceback" not in html
    assert 'action="http://127.0.0.1' in html  # the search box on every page
    return html


def test_home_is_the_newest_digest_with_every_item(client, web_db) -> None:
    header, items = digest_on(web_db, NEWEST)
    html = assert_page(client.get("/"))
    assert f"<h1>{header.title}</h1>" in html
    assert anchors(html) == [str(item.id) for item in items]


def test_day_page_has_every_item_in_full_with_anchors(client, web_db) -> None:
    header, items = digest_on(web_db, "2026-02-03")
    html = assert_page(client.get("/d/2026-02-03"))
    assert "<title>" + header.title + "（2026-02-03）· AI 行业日报</title>" in html
    assert sorted(anchors(html)) == sorted(str(item.id) for item in items)
    text = text_of(html)
    for item in items:
        assert unescape(item.title) in text and f'href="#item-{item.id}"' in html
        assert item.summary in text
        for point in item.points:
            assert point in text
    assert "说明：" in text and "背景：" in text and "要点：" in text and "来源：" in text
    assert 'href="http://www.news.cn/politics/20260202/dfd13b6d68034287a1d8768e993b77d6/c.html"' in html
    assert f'rel="prev" href="{client.base_url}/d/2026-01-30"' in html
    assert f'rel="next" href="{client.base_url}/d/{NEWEST}"' in html


@pytest.mark.parametrize("path", ["/d/2020-01-01", "/d/2026-13-45", "/no/such/page", "/item/1",
                                  "/item/99999999999999999999", "/week/2026-02-30",
                                  "/week/0001-01-01", "/category/不存在", "/feed.xml?category=不存在",
                                  "/d/2026-02-08/extra"])
def test_unknown_pages_are_a_404_page(client, path: str) -> None:
    html = assert_page(client.get(path), 404)
    assert "没有找到" in html


def test_search_shows_ten_results_a_page_with_working_page_links(client, web_db) -> None:
    expected = search(web_db, "AI", limit=20)
    assert expected.total > 10
    first = assert_page(client.get("/search", params={"q": "AI"}))
    ids = re.findall(r'class="hit-title" href="[^"]*/item/(\d+)"', first)
    assert ids == [str(item.id) for item in expected.items[:10]]
    pages = -(-expected.total // 10)
    assert f"第 1/{pages} 页" in first
    next_link = unescape(re.search(r'rel="next" class="next" href="([^"]+)"', first)[1])
    second = assert_page(client.get(next_link))
    second_ids = re.findall(r'class="hit-title" href="[^"]*/item/(\d+)"', second)
    assert second_ids == [str(item.id) for item in expected.items[10:20]]
    assert 'rel="prev"' in second


def test_search_category_filter_narrows(client, web_db) -> None:
    html = assert_page(client.get("/search", params={"q": "AI"}))
    link = unescape(re.search(r'<a href="([^"]+)">投融资</a>', html)[1])
    narrowed = assert_page(client.get(link))
    expected = search(web_db, "AI", category=FUNDING, limit=10)
    assert 0 < expected.total < search(web_db, "AI").total
    assert f"共 {expected.total} 条" in narrowed
    assert 'class="current" aria-current="page">投融资</a>' in narrowed
    assert narrowed.count('class="hit"') == len(expected.items)


def test_search_and_feeds_honour_exclusions(client, web_db) -> None:
    expected = search(web_db, "红包 -文心", limit=10)
    html = assert_page(client.get("/search", params={"q": "红包 -文心"}))
    assert f"共 {expected.total} 条" in html and 0 < expected.total < 6
    feed = feedparser.parse(client.get("/feed.xml", params={"q": "红包 -文心"}).content)
    assert {e.link.rsplit("/", 1)[1] for e in feed.entries} == {str(i.id) for i in expected.items}
    assert client.get("/feed.xml", params={"q": "-文心"}).status_code == 400


def test_search_semantics_are_the_bots(client) -> None:
    latin = text_of(assert_page(client.get("/search", params={"q": "kim"})))  # a Latin prefix
    assert "Kimi" in latin and "共" in latin
    typo = text_of(assert_page(client.get("/search", params={"q": "Antropic"})))
    assert "没有找到「Antropic」，已显示「Anthropic」的结果" in typo
    bigram = text_of(assert_page(client.get("/search", params={"q": "红包"})))
    assert "共 6 条" in bigram


@pytest.mark.parametrize("query, says", [
    ('"AND(*', None), ("😀" * 300, None), ("", "输入关键词"), ("x", "太短"),
    ("<script>alert(1)</script>", None), ("'; DROP TABLE items; --", None), ("\x00\x01", None),
    ("-文心", "只有排除词"),
])
def test_odd_queries_get_a_page(client, query: str, says: str | None) -> None:
    html = assert_page(client.get("/search", params={"q": query}))
    if says:
        assert says in text_of(html)
    if "script" in query:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert_page(client.get("/trend", params={"q": query}))
    assert_page(client.get("/what", params={"q": query}))
    assert client.get("/feed.xml", params={"q": query}).status_code in (200, 400)


def test_queries_are_capped_in_length(client) -> None:
    html = assert_page(client.get("/search", params={"q": "红包" * 2500}))
    value = re.search(r'name="q" value="([^"]*)"', html)[1]
    assert value == "红包" * 32 and "关键词太长，只搜索了前 64 个字" in html
    assert_page(client.get("/what/" + quote("阶跃星辰的" * 100)))


def test_file_strings_are_escaped_and_javascript_links_dropped(client, web_db) -> None:
    _, (item,) = digest_on(web_db, HOSTILE_DATE)
    for path in (f"/d/{HOSTILE_DATE}", f"/item/{item.id}", "/search?q=攻击测试"):
        html = assert_page(client.get(path))
        assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in html
        assert "<img" not in html and "javascript:" not in html
    feed = client.get("/feed.xml", params={"q": "攻击测试"})
    assert "<script>" not in feed.text and "javascript:" not in feed.text
    entry = feedparser.parse(feed.content).entries[0]
    assert entry.title == '<script>alert("title")</script> 攻击测试条目'


def test_an_items_summary_is_escaped_on_every_page_and_feed(client, web_db) -> None:
    """The hostile item's summary holds a tag the parser keeps (<svg onload=...>): shown as text
    wherever a summary is shown."""
    _, (item,) = digest_on(web_db, HOSTILE_DATE)
    assert item.summary.endswith("<svg onload=alert(4)>")
    for path in (f"/d/{HOSTILE_DATE}", f"/item/{item.id}", "/search?q=攻击测试",
                 "/category/" + quote("政策")):
        html = assert_page(client.get(path))
        assert "&amp; 符号的说明 &#34;引号&#34; &#39;single&#39; &lt;svg onload=alert(4)&gt;" in html
        assert "<svg" not in html, path
    feed = client.get("/feed.xml", params={"q": "攻击测试"}).text
    # the entry's HTML content (type="html") is escaped as XML text: the tag twice escaped
    content = re.search(r'<content type="html">(.*?)</content>', feed, re.S)[1]
    assert "&amp;lt;svg onload=alert(4)&amp;gt;" in content and "&lt;svg" not in content


def test_every_answer_carries_the_strict_content_security_policy(client) -> None:
    """Checked against the policy written out here (not the server's constant): no script at all,
    styles and images only from the site, forms only to it, framed only by Telegram's web client."""
    expected = {"default-src": "'none'", "style-src": "'self'", "img-src": "'self' data:",
                "form-action": "'self'", "base-uri": "'none'",
                "frame-ancestors": "'self' https://web.telegram.org"}
    for path in ("/", "/search?q=AI", "/no/such/page", "/feed.xml", "/api/search?q=红包",
                 "/static/site.css", "/healthz"):
        header = client.get(path).headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in header.split(";"))
        assert directives == expected, path


def test_what_shows_the_timeline(client, web_db) -> None:
    expected = what(web_db, "阶跃星辰")
    html = assert_page(client.get("/what/" + quote("阶跃星辰")))
    assert html.count('class="story"') == len(expected.stories) > 0
    text = text_of(html)
    assert " / ".join(expected.names) in text
    for story in expected.stories:
        assert story.dates[0] in text
    same = assert_page(client.get("/what", params={"q": "阶跃星辰"}))
    assert same.count('class="story"') == len(expected.stories)
    fuzzy = text_of(assert_page(client.get("/what/" + quote("阶跃星晨"))))
    assert "已显示「阶跃星辰」" in fuzzy


def test_week_board(client) -> None:
    html = assert_page(client.get(f"/week/{NEWEST}"))
    assert "一周事件榜" in html and "2026-02-02 ~ 2026-02-08" in html
    assert html.count('class="story"') > 0
    assert f'href="{client.base_url}/week/2026-02-01"' in html
    newest = assert_page(client.get("/week"))
    assert "2026-02-02 ~ 2026-02-08" in newest
    assert "没有日报" in assert_page(client.get("/week/2025-06-01"))


def test_trend_chart_and_table(client, web_db) -> None:
    trend = weekly_counts(web_db, "红包")
    html = assert_page(client.get("/trend", params={"q": "红包"}))
    assert "<svg" in html and html.count('<rect class="bar"') == len(trend.weeks)
    rows = re.findall(r"<tr><td>(\d{4}-\d{2}-\d{2})</td><td>(\d+)</td></tr>", html)
    assert rows == [(week.isoformat(), str(count)) for week, count in trend.weeks]
    assert f"共 {trend.total} 条" in html


def test_item_permalink(client, web_db) -> None:
    _, items = digest_on(web_db, NEWEST)
    item = items[3]
    html = assert_page(client.get(f"/item/{item.id}"))
    assert f"<title>{item.title} · AI 行业日报</title>" in html
    assert f'href="{client.base_url}/d/{NEWEST}#item-{item.id}"' in html


def test_categories_and_a_category(client, web_db) -> None:
    html = assert_page(client.get("/categories"))
    for row in categories(web_db):
        assert f"{row.items} 条" in html and row.name in html
    funding = assert_page(client.get("/category/" + quote("投融资")))
    count = next(r.items for r in categories(web_db) if r.name == FUNDING)
    assert f"共 {count} 条" in funding and funding.count('class="hit"') == min(count, 20)


def test_feed_of_newest_digests(client, web_db) -> None:
    response = client.get("/feed.xml")
    assert response.headers["content-type"] == "application/atom+xml; charset=UTF-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo and feed.version == "atom10"
    assert [e.link for e in feed.entries] == [
        f"{client.base_url}/d/{d}" for d in
        ("2026-02-08", "2026-02-03", "2026-01-30", "2026-01-28", "2026-01-27", HOSTILE_DATE)]
    _, items = digest_on(web_db, NEWEST)
    assert all(item.title in unescape(feed.entries[0].content[0].value) for item in items)


def test_feed_of_a_query_is_the_newest_matching_items(client, web_db) -> None:
    feed = feedparser.parse(client.get("/feed.xml", params={"q": "红包"}).content)
    assert not feed.bozo
    expected = newest_matches(web_db, "红包", limit=20).items
    assert [e.link for e in feed.entries] == [f"{client.base_url}/item/{i.id}" for i in expected]
    assert len(expected) == 6 and "红包" in feed.feed.title


def test_feed_of_a_query_in_a_category_has_only_that_category(client, web_db) -> None:
    everywhere = newest_matches(web_db, "阶跃星辰", limit=20).items
    expected = newest_matches(web_db, "阶跃星辰", "投融资", limit=20).items
    assert 0 < len(expected) < len(everywhere)
    feed = feedparser.parse(client.get("/feed.xml", params={"q": "阶跃星辰", "category": "投融资"}
                                       ).content)
    assert [e.link for e in feed.entries] == [f"{client.base_url}/item/{i.id}" for i in expected]
    assert {e.tags[0].term for e in feed.entries} == {FUNDING}
    assert feed.feed.title == "AI 行业日报 · 「阶跃星辰」 · 投融资"


def test_feed_of_a_category(client) -> None:
    feed = feedparser.parse(client.get("/feed.xml", params={"category": "投融资"}).content)
    assert not feed.bozo and feed.entries
    assert {e.tags[0].term for e in feed.entries} == {FUNDING}
    dates = [e.published for e in feed.entries]
    assert dates == sorted(dates, reverse=True)


def test_api_search_has_the_cli_keys(client, web_db) -> None:
    body = client.get("/api/search", params={"q": "红包", "page": "1"}).json()
    assert body["total"] == 6 and body["page"] == 1 and body["pages"] == 1
    assert [i["id"] for i in body["items"]] == [i.id for i in search(web_db, "红包", limit=10).items]
    assert all(set(i) == JSON_KEYS for i in body["items"])
    assert set(Item("d", "c", "t").to_json()) | {"url"} == JSON_KEYS
    assert body["items"][0]["url"] == f"{client.base_url}/item/{body['items'][0]['id']}"
    refused = client.get("/api/search", params={"q": "x"})
    assert refused.status_code == 400 and refused.json()["error"] == "too_short"


def test_api_day(client, web_db) -> None:
    body = client.get(f"/api/d/{NEWEST}").json()
    _, items = digest_on(web_db, NEWEST)
    assert body["date"] == NEWEST and [i["id"] for i in body["items"]] == [i.id for i in items]
    assert all(set(i) == JSON_KEYS for i in body["items"])
    missing = client.get("/api/d/2020-01-01")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_health_and_static_and_read_only(client) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["ok"] is True
    css = client.get("/static/site.css")
    assert css.status_code == 200 and "prefers-color-scheme: dark" in css.text
    refused = client.post("/search", data={"q": "x"})
    assert "无法处理这个请求" in assert_page(refused, 405)
    assert client.delete("/d/2026-02-08").status_code == 405
    assert client.head("/").status_code == 200


def test_rate_limit_answers_429_page(web_db) -> None:
    with RunningSite(web_db, Settings(web_rate=1)) as limited, \
            httpx.Client(base_url=limited.url) as http:
        # /search without a query makes no storage call: faster than the bucket refills, even
        # on a loaded machine
        answers = [http.get("/search") for _ in range(10)]
        assert [a.status_code for a in answers[:3]] == [200] * 3  # a burst of 3x the rate
        limited = next(a for a in answers if a.status_code == 429)
        assert int(limited.headers["Retry-After"]) >= 1
        assert "请求太频繁" in assert_page(limited, 429)
        assert http.get("/healthz").status_code == 200  # health checks are never limited


def test_token_bucket_refills_per_client() -> None:
    buckets = TokenBuckets(rate=2, burst_factor=1)
    assert [buckets.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.5]
    assert buckets.take("b", now=0.0) == 0.0  # another client has its own bucket
    assert buckets.take("a", now=0.6) == 0.0  # refilled
    assert TokenBuckets(rate=0).take("a") == 0.0


async def test_webhook_server_serves_the_site_when_asked(web_db) -> None:
    import socket

    from bot.app import build_application
    from bot.webhook import make_server

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    for serves in (True, False):
        settings = Settings(bot_token="123:TEST", webhook_url="https://bot.example.com/tg/hook",
                            webhook_secret="s3cret", webhook_serves_web=serves)
        server = make_server(build_application(settings, web_db, with_jobs=False), settings)
        server.listen(port, address="127.0.0.1")
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                day = await http.get(f"/d/{NEWEST}")
                health = await http.get("/healthz")
                hook = await http.post("/tg/hook", content=b"{}")
        finally:
            server.stop()
        assert health.status_code == 200 and hook.status_code == 403
        if serves:
            assert len(anchors(assert_page(day))) == 12
        else:
            assert day.status_code == 404 and "AI 行业日报" not in day.text


def test_web_settings_are_validated() -> None:
    from bot.config import ConfigError, load_settings

    settings = load_settings({"WEB_HOST": "0.0.0.0", "WEB_PORT": "9000", "WEB_RATE_LIMIT": "0",
                              "WEBHOOK_SERVES_WEB": "on"}, env_file=None)
    assert (settings.web_host, settings.web_port, settings.web_rate,
            settings.webhook_serves_web) == ("0.0.0.0", 9000, 0, True)
    defaults = load_settings({}, env_file=None)
    assert (defaults.web_host, defaults.web_port, defaults.web_rate,
            defaults.webhook_serves_web) == ("127.0.0.1", 8080, 20, False)
    for name, value in (("WEB_PORT", "http"), ("WEB_PORT", "70000"), ("WEB_RATE_LIMIT", "-1"),
                        ("WEBHOOK_SERVES_WEB", "maybe")):
        with pytest.raises(ConfigError, match=name):
            load_settings({name: value}, env_file=None)


def test_cli_web_refuses_a_bad_port_and_search_does_not_load_the_site(capsys) -> None:
    import subprocess
    import sys

    from bot.cli import main

    assert main(["web", "--port", "70000"]) == 2
    assert "--port must be 0-65535" in capsys.readouterr().err
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, bot.cli; bot.cli._parser(); print('jinja2' in "
         "sys.modules, 'bot.web' in sys.modules, 'tornado' in sys.modules)"],
        capture_output=True, text=True, cwd=BUNDLED.parent, check=True)
    assert loaded.stdout.split() == ["False", "False", "False"]


def test_a_failing_database_gives_an_error_page_and_an_unhealthy_check() -> None:
    class Broken:
        name = "sqlite"

        def execute(self, sql: str, parameters=()):
            raise RuntimeError("disk on fire")

    with RunningSite(Broken(), Settings()) as broken, httpx.Client(base_url=broken.url) as http:
        page = http.get(f"/d/{NEWEST}")
        health = http.get("/healthz")
    html = assert_page(page, 500)
    assert "服务器暂时出了点问题" in html and "disk on fire" not in html
    assert health.status_code == 503 and health.json()["ok"] is False
