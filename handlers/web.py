"""The web archive's routes: parse the request, make one storage call in a thread, say what to render.

Each handler takes the database and a `Request` (the query string and the site's base URL) and
returns a `Page` (a template of bot/templates/ and its values), `Data` (JSON) or a `Feed` (Atom),
the types of bot/web/responses.py; bot/web/server.py turns those into an HTTP response. Nothing
here writes to the database, builds HTML or knows about tornado. As in handlers/user.py, a view
that needs several queries gets them from a small function below, in that one thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Any

from bot import links, present
from bot.i18n import translations
from bot.present import hot as hot_view
from bot.present import question as ask_reading
from bot.web.responses import MAX_QUERY_CHARS, Data, Feed, Page, Request, Response
from storage import digests, posts
from storage import search as index_search
from storage.answer import Answer, answer
from storage.categories import canonical_category
from storage.hot import hot as hot_terms
from storage.hot import period_end
from storage.model import DigestSummary, Item, Refusal, SearchResult
from storage.stories import week_or_newest
from storage.stories import what as what_happened
from storage.understand import understand

if TYPE_CHECKING:
    from storage.backend import Database

PAGE_SIZE = 10  # search results per page
# Search pages offered: the ranked window (storage.search.WINDOW, also its COUNT_CAP). A deeper
# page would widen the window, so its order and `total` would differ from page 1's.
SEARCH_PAGES = min(index_search.WINDOW, index_search.COUNT_CAP) // PAGE_SIZE
MAX_PAGE = 50  # a category's pages offered
ANY_PAGE = 999_999  # the API answers an empty page beyond the last, whatever its number
MAX_SHOWN = 60  # characters of a path that a 404 page names
FEED_DIGESTS = 10
FEED_ITEMS = 20
CATEGORY_PAGE_SIZE = 20
WEEK_STORIES = 40
MAX_ID = 2**62  # ids are date ordinals * 1000 + position: anything bigger names no item
ZH = translations("zh")  # the site is in Chinese
ASK_EXAMPLES = ("上周有哪些融资", "阶跃星辰最近怎么样", "红包热度", "昨天的日报", "Kimi news this month")


def not_found(what: str) -> Page:
    """Return the 404 page, saying what was not found (a long name cut at MAX_SHOWN)."""
    shown = what if len(what) <= MAX_SHOWN else what[:MAX_SHOWN - 1] + "…"
    return Page("error.html", {"status": 404, "what": shown}, status=404)


def _date(text: str) -> str | None:
    """Return `text` as YYYY-MM-DD if it is a date an archive can hold (years 1900-9000), else None."""
    date = digests.parse_date(text) if text else None
    return date if date and "1900" <= date[:4] <= "9000" else None


# --- pages -----------------------------------------------------------------------


async def home(db: Database, request: Request) -> Response:
    """/: the newest digest (the day page of its date)."""
    found = await asyncio.to_thread(digests.day_with_neighbours, db, None)
    if found is None:
        return Page("empty.html")
    return _day_page(found.digest, found.items, found.neighbours)


async def day(db: Database, request: Request, date: str) -> Response:
    """/d/YYYY-MM-DD: one day's overview and every item in full; 404 for a day without a digest."""
    valid = _date(date)
    found = await asyncio.to_thread(digests.day_with_neighbours, db, valid) if valid else None
    if found is None:
        return not_found(f"{date} 的日报")
    return _day_page(found.digest, found.items, found.neighbours)


def _day_page(digest: DigestSummary, items: list[Item],
              neighbours: tuple[str | None, str | None]) -> Page:
    """Return the day page: its sections (present.sections, as the channel post groups them)."""
    return Page("day.html", {"digest": digest, "items": items, "neighbours": neighbours,
                             "sections": present.sections(items)})


async def search(db: Database, request: Request) -> Response:
    """/search?q=&category=&page=: one page of results, best first, with the bot's semantics (a
    page past the last shows the last); a query that reads as a question (上周有哪些融资) is
    answered as /ask answers it."""
    query, category = request.query(), request.arg("category") or None
    if not query:
        return Page("search.html", {"query": "", "category": category, "result": None, "page": 1,
                                    "current": None, "cut": False})
    if not category:
        asked = await asyncio.to_thread(_question, db, query, request.today, "",
                                        request.page(SEARCH_PAGES), True)
        if asked is not None:
            return _ask_page(request, query, "", request.page(SEARCH_PAGES), asked)
    result, page = await asyncio.to_thread(_search_page, db, query, category,
                                           request.page(SEARCH_PAGES))
    return Page("search.html", {"query": query, "category": category, "result": result,
                                "page": page, "pages": _pages(result), "cut": request.cut(),
                                "current": canonical_category(category) if category else None})


def _search_page(db: Database, query: str, category: str | None, page: int
                 ) -> tuple[SearchResult, int]:
    """Return the search's page `page` and its number; the last page instead of one past it."""
    result = index_search.search(db, query, category, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    if page > _pages(result) and result.total:
        page = _pages(result)
        result = index_search.search(db, query, category, limit=PAGE_SIZE,
                                     offset=(page - 1) * PAGE_SIZE)
    return result, page


async def ask(db: Database, request: Request) -> Response:
    """/ask?q=&widen=&page=: a question answered as the bot answers it: how it was read (the
    reading line, its notes, links that widen it), then the view that fits."""
    text, widen, page = request.query(), _widen(request.arg("widen")), request.page(SEARCH_PAGES)
    if not text:
        return Page("ask.html", {"query": "", "cut": False, "examples": [
            (example, links.ask_url(request.base, example)) for example in ASK_EXAMPLES]})
    found = await asyncio.to_thread(_question, db, text, request.today, widen, page, False)
    assert found is not None
    return _ask_page(request, text, widen, page, found)


def _widen(flags: str) -> str:
    """Return the `widen` argument's known flags (t: no period, c: no category), each once."""
    return "".join(flag for flag in "ct" if flag in flags)


def _question(db: Database, text: str, today: str, widen: str, page: int,
              only_questions: bool) -> Answer | None:
    """Return the answer to `text` asked on `today`, widened by `widen` (page `page`); with
    `only_questions`, None when the text reads as plain keywords (a search)."""
    question = ask_reading.widen(understand(text, dt.date.fromisoformat(today)), widen)
    if only_questions and (not question.reads_as_question or question.refusal):
        return None
    return answer(db, question, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)


def _ask_page(request: Request, text: str, widen: str, page: int, found: Answer) -> Page:
    """Return the answer page: the reading, its notes and widening links, the view that fits."""
    read = ask_reading.reading(ZH, found)
    refusal = ask_reading.refusal(ZH, found.question, commands=False) \
        if found.question.refusal else ""
    pages = present.page_count(found.total, PAGE_SIZE, SEARCH_PAGES) if found.shape == "list" else 1
    return Page("ask.html", {
        "query": text, "cut": request.cut(), "answer": found, "reading": read,
        "refusal": refusal.splitlines(), "nothing": ask_reading.nothing_found(ZH),
        "widen": [(label, links.ask_url(request.base, text, widen + code))
                  for code, label in read.widen],
        "page": page, "pages": pages, "page_size": PAGE_SIZE,
        "here": links.ask_url(request.base, text, widen)})


def _pages(result: SearchResult) -> int:
    return present.page_count(result.total, PAGE_SIZE, SEARCH_PAGES)


async def what(db: Database, request: Request, name: str = "") -> Response:
    """/what/NAME (or /what?q=NAME): the story timeline of a company or product."""
    name = " ".join((name or request.query()).split())[:MAX_QUERY_CHARS]
    if not name:
        return Page("what.html", {"name": "", "result": None})
    result = await asyncio.to_thread(what_happened, db, name)
    return Page("what.html", {"name": name, "result": result})


async def week(db: Database, request: Request, date: str = "") -> Response:
    """/week/YYYY-MM-DD (or /week: the newest digest's week): the story board of 7 days."""
    end = _date(date) if date else None
    if date and end is None:
        return not_found(f"日期 {date}")
    end, stories = await asyncio.to_thread(week_or_newest, db, end)
    if end is None:
        return Page("empty.html")
    span = present.week_span(end)
    return Page("week.html", {"start": span.start, "end": end,
                              "stories": stories[:WEEK_STORIES],
                              "more": max(len(stories) - WEEK_STORIES, 0),
                              "prev_end": span.previous_end,
                              "next_end": span.next_end
                              if span.next_end <= dt.date.today().isoformat() else None})


async def trend(db: Database, request: Request) -> Response:
    """/trend?q=: the items matching a query per week, as a chart and a table."""
    query = request.query()
    if not query:
        return Page("trend.html", {"query": "", "trend": None})
    result = await asyncio.to_thread(index_search.weekly_counts, db, query)
    peak = max((n for _, n in result.weeks), default=0)
    return Page("trend.html", {"query": query, "trend": result, "peak": peak})


async def hot(db: Database, request: Request) -> Response:
    """/hot?date=: the terms rising, new and fading in the 7 days ending a date (or a time phrase:
    上周), default today in TIMEZONE, each linked to its search, timeline and trend."""
    asked = request.arg("date")
    until = _hot_until(asked, request)
    if until is None:
        return Page("hot.html", {"asked": asked, "result": None}, status=400)
    result = await asyncio.to_thread(hot_terms, db, until)
    zh = translations("zh")  # the site is Chinese
    last = dt.date.fromisoformat(until)
    later = last + dt.timedelta(days=7)
    return Page("hot.html", {"asked": asked, "result": result,
                             "title": hot_view.title(zh, result),
                             "compared_with": hot_view.compared_with(zh, result),
                             "refusal": hot_view.refusal(zh, result),
                             "sections": hot_view.sections(zh, result),
                             "change": lambda term: hot_view.change(zh, term),
                             "prev_end": (last - dt.timedelta(days=7)).isoformat(),
                             "next_end": later.isoformat() if later.isoformat() <= request.today
                             else None})


def _hot_until(asked: str, request: Request) -> str | None:
    """Return the last day of the period /hot asks for (None: not a day an archive can hold)."""
    today = dt.date.fromisoformat(request.today) if request.today else dt.date.today()
    return period_end(asked, today)


async def item(db: Database, request: Request, identifier: str) -> Response:
    """/item/ID: one item, its permalink."""
    number = int(identifier)
    found = await asyncio.to_thread(index_search.items_by_id, db, [number]) \
        if number < MAX_ID else []
    if not found:
        return not_found(f"条目 {identifier}")
    return Page("item.html", {"item": found[0]})


async def categories(db: Database, request: Request) -> Response:
    """/categories: every category with its item count."""
    counts = await asyncio.to_thread(digests.categories, db)
    return Page("categories.html", {"counts": counts})


async def category(db: Database, request: Request, name: str) -> Response:
    """/category/NAME?page=: a category's newest items (a page past the last shows the last)."""
    found = await asyncio.to_thread(_category_page, db, name[:50], request.page(MAX_PAGE))
    if found is None:
        return not_found(f"分类「{name[:50]}」")
    resolved, items, total, page, pages = found
    return Page("category.html", {"category": resolved, "items": items, "total": total,
                                  "page": page, "pages": pages})


def _category_page(db: Database, name: str, page: int
                   ) -> tuple[str, list[Item], int, int, int] | None:
    """Return (the category, its items on page `page`, its item count, the page's number, the
    number of pages); the last page instead of one past it; None for an unknown category."""
    resolved, items, total = digests.category_items(db, name, CATEGORY_PAGE_SIZE,
                                                    (page - 1) * CATEGORY_PAGE_SIZE)
    if resolved is None:
        return None
    pages = present.page_count(total, CATEGORY_PAGE_SIZE, MAX_PAGE)
    if page > pages:
        page = pages
        _, items, total = digests.category_items(db, resolved, CATEGORY_PAGE_SIZE,
                                                 (page - 1) * CATEGORY_PAGE_SIZE)
    return resolved, items, total, page, pages


# --- feeds and JSON -------------------------------------------------------------------


async def feed(db: Database, request: Request) -> Response:
    """/feed.xml: the newest digests; ?q=: the newest items matching a query; ?category=: a
    category's newest items (both: matching items of that category)."""
    query, category = request.query(), request.arg("category")
    if not query and not category:
        newest = await asyncio.to_thread(digests.newest_digests, db, FEED_DIGESTS)
        return Feed("AI 行业日报", "每日 AI 行业动态：政策、模型、产品、投融资、行业",
                    request.base + "/", digests=newest)
    if not query:
        resolved, items, _ = await asyncio.to_thread(digests.category_items, db, category,
                                                     FEED_ITEMS)
        if resolved is None:
            return not_found(f"分类「{category}」")
        return Feed(f"AI 行业日报 · {resolved}", f"「{resolved}」分类的最新条目",
                    links.category_url(request.base, resolved), items=items)
    result = await asyncio.to_thread(index_search.newest_matches, db, query, category or None,
                                     FEED_ITEMS)
    if result.message == Refusal.UNKNOWN_CATEGORY:
        return not_found(f"分类「{category}」")
    if result.message:
        return Page("error.html", {"status": 400, "message": result.message, "query": query},
                    status=400)
    scope = f" · {category}" if category else ""
    return Feed(f"AI 行业日报 · 「{result.query}」{scope}", f"提到「{result.query}」的最新条目",
                links.search_url(request.base, result.query, category or None), items=result.items)


def item_json(item: Item, base: str) -> dict[str, Any]:
    """Return an item as the CLI's --json object plus `url`, its permalink."""
    return {**item.to_json(), "url": links.item_url(base, item.id)}


async def api_search(db: Database, request: Request) -> Response:
    """/api/search?q=&category=&page=: one page of results as JSON (400 with `error` if refused);
    a page past the last has no items. `total` is the same on every page."""
    query, category, page = request.query(), request.arg("category") or None, request.page(ANY_PAGE)
    result = await asyncio.to_thread(index_search.search, db, query, category, limit=PAGE_SIZE,
                                     offset=(min(page, SEARCH_PAGES) - 1) * PAGE_SIZE)
    if result.message:
        return Data({"error": result.message, "query": result.query}, status=400)
    items = result.items if page <= _pages(result) else []
    return Data({"query": result.query, "corrected": result.corrected, "category": category,
                 "total": result.total, "total_capped": result.total_capped, "page": page,
                 "pages": _pages(result), "items": [item_json(i, request.base) for i in items]})


async def api_ask(db: Database, request: Request) -> Response:
    """/api/ask?q=&widen=&page=: a question's reading and answer as JSON (400 with `error` when it
    gives nothing to look for)."""
    text, widen, page = request.query(), _widen(request.arg("widen")), request.page(SEARCH_PAGES)
    found = await asyncio.to_thread(_question, db, text, request.today, widen, page, False)
    assert found is not None
    if found.question.refusal:
        return Data({"error": found.question.refusal, "question": found.question.text}, status=400)
    read = ask_reading.reading(ZH, found)
    return Data({"line": read.line, "notes": list(read.notes), "page": page,
                 **found.to_json(lambda item: links.item_url(request.base, item.id)
                                 if item.id is not None else "")})


async def api_day(db: Database, request: Request, date: str) -> Response:
    """/api/d/YYYY-MM-DD: one day's digest as JSON (404 with `error` if there is none)."""
    valid = _date(date)
    found = await asyncio.to_thread(digests.digest_on, db, valid) if valid else None
    if found is None:
        return Data({"error": "not_found", "date": date}, status=404)
    header, items = found
    return Data({"date": header.date, "title": header.title, "summary": header.summary,
                 "url": links.day_url(request.base, header.date),
                 "items": [item_json(i, request.base) for i in items]})


async def api_hot(db: Database, request: Request) -> Response:
    """/api/hot?date=: what /hot shows as JSON: {since, until, rising, new, fading, ...} (the CLI's
    --json object; 400 with `error` for a date that names no day)."""
    asked = request.arg("date")
    until = _hot_until(asked, request)
    if until is None:
        return Data({"error": "bad_date", "date": asked}, status=400)
    result = await asyncio.to_thread(hot_terms, db, until)
    return Data(result.to_json())


async def health(db: Database, request: Request) -> Response:
    """/healthz: 200 {"ok": true} when the database answers, else 503."""
    checked = await asyncio.to_thread(posts.health, db)
    return Data({"ok": checked.database_ok, "database": checked.detail},
                status=200 if checked.database_ok else 503)
