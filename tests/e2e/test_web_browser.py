"""The web archive in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright),
served by a real `digestbot web` process over the bundled digests (SQLite): the day page shows
every item, a search typed into the box finds results, the next-page link and a category filter
work, /what shows a timeline, the browser console stays free of errors (the CSP included), and
axe-core (the copy the axe-playwright-python package ships) finds no accessibility violation."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.backend import open_db
from storage.digests import digest_on
from storage.index import ingest_paths
from storage.search import search
from storage.stories import what
from tests.conftest import BUNDLED, PROJECT

CHROMIUM = Path("/usr/bin/chromium")
NEWEST = "2026-02-08"


def _browser_problem() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright or axe-playwright-python is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("browser") / "index.db")
    db = open_db(path)
    ingest_paths(db, [BUNDLED])
    db.close()
    return path


@pytest.fixture(scope="module")
def site(database: str, tmp_path_factory) -> Iterator[str]:
    """A `digestbot web` process on a free port; yields its base URL."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WEB_URL")}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--db", database, "web", "--port", "0"],
        cwd=tmp_path_factory.mktemp("cwd"), env={**env, "PYTHONPATH": str(PROJECT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+", line)
    if not found:
        process.kill()
        raise AssertionError(f"digestbot web did not start: {line!r} {process.stderr.read()}")
    yield found[0]
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    problem = _browser_problem()
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{problem}; CI=true requires the browser tests")
        pytest.skip(f"{problem}: the browser tests are skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless=new", "--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A phone-sized page that records console errors and page errors; none may occur."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], errors


def test_day_page_shows_every_item(page, site: str, database: str) -> None:
    db = open_db(database)
    header, items = digest_on(db, NEWEST)
    db.close()
    page.goto(f"{site}/d/{NEWEST}")
    assert page.title() == f"{header.title}（{NEWEST}）· AI 行业日报"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    articles = page.locator("article.item")
    assert articles.count() == len(items) == 12
    for n, item in enumerate(items[:3]):
        assert item.title in articles.nth(n).locator(".item-title").inner_text()
    page.locator(f'.overview a[href="#item-{items[-1].id}"]').click()  # the overview's anchors
    assert page.url.endswith(f"#item-{items[-1].id}")
    assert page.locator(f"#item-{items[-1].id}").is_visible()


def test_search_typed_into_the_box_pages_and_filters(page, site: str, database: str) -> None:
    db = open_db(database)
    expected = search(db, "AI", limit=20)
    db.close()
    page.goto(site + "/")
    page.locator("header form.search input[name=q]").fill("AI")
    page.locator("header form.search button").click()
    page.wait_for_url(re.compile(r"/search\?q=AI$"))
    first = page.locator(".hit-title").all_inner_texts()
    assert first == [item.title for item in expected.items[:10]]
    assert page.locator("header input[name=q]").input_value() == "AI"

    page.locator("a.next").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert "第 2/" in page.locator(".count").inner_text()
    assert page.locator(".hit-title").all_inner_texts() == [i.title for i in expected.items[10:20]]

    page.locator("nav.filters a", has_text="投融资").click()
    page.wait_for_url(re.compile(r"category="))
    narrowed = int(re.search(r"共 (\d+) 条", page.locator(".count").inner_text())[1])
    assert 0 < narrowed < expected.total
    assert page.locator("nav.filters a.current").inner_text() == "投融资"


def test_what_shows_a_timeline(page, site: str, database: str) -> None:
    db = open_db(database)
    expected = what(db, "阶跃星辰")
    db.close()
    page.goto(site + "/what")
    page.locator("form.inline-form input[name=q]").fill("阶跃星辰")
    page.locator("form.inline-form button").click()
    page.wait_for_url(re.compile(r"/what\?q="))
    stories = page.locator("ol.timeline > li.story")
    assert stories.count() == len(expected.stories) > 0
    assert expected.stories[0].dates[0] in stories.first.inner_text()


def test_trend_chart_and_error_pages_render_without_console_errors(page, site: str) -> None:
    page.goto(site + "/trend?q=红包")
    assert page.locator("svg rect.bar").count() > 0
    assert page.locator("table.weeks tbody tr").count() == page.locator("svg rect.bar").count()
    response = page.goto(site + "/search?q=<script>alert(1)</script>")
    assert response.status == 200 and "<script>alert(1)</script>" in page.locator("h1").inner_text()


AXE_PAGES = [f"/d/{NEWEST}", "/search?q=AI", "/search?q=没有这个词", "/search?q=x", "/categories",
             "/category/投融资", "/week", "/what?q=阶跃星辰", "/trend?q=红包", "/no/such/page"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_core_finds_no_violation(browser, site: str, scheme: str) -> None:
    """axe-core's rules over every kind of page, in both colour schemes (the dark one has its own
    colours): among them link-in-text-block, links told apart from text by more than colour."""
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  color_scheme=scheme)
    tab = context.new_page()
    axe = Axe()
    try:
        found = {}
        for path in AXE_PAGES:
            tab.goto(site + path)
            violations = axe.run(tab).response["violations"]
            found[path] = {v["id"]: [node["html"][:80] for node in v["nodes"][:2]] for v in violations}
        assert all(not rules for rules in found.values()), found
        # the rule ran: links inside text are underlined, the menu's are not
        tab.goto(f"{site}/d/{NEWEST}")
        assert tab.locator("p.meta a").first.evaluate(
            "a => getComputedStyle(a).textDecorationLine") == "underline"
        assert tab.locator("nav.menu a").first.evaluate(
            "a => getComputedStyle(a).textDecorationLine") == "none"
    finally:
        context.close()
