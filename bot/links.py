"""Addresses of the web archive's pages, for everything that links to them (bot, MCP, targets).

Each function takes the site's public base URL (Settings.web_url, no trailing slash) and returns ""
when it is empty, so a caller can write `if url := day_url(base, date)` and link only when set.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode


def day_url(base: str, date: str) -> str:
    """Return the page of one day's digest: BASE/d/YYYY-MM-DD."""
    return f"{base}/d/{date}" if base else ""


def item_url(base: str, item_id: int | None) -> str:
    """Return an item's permalink: BASE/item/ID ("" without a base, or for an item that is not
    from the index: it has no id)."""
    return f"{base}/item/{item_id}" if base and item_id is not None else ""


def search_url(base: str, query: str, category: str | None = None) -> str:
    """Return the full result list of a search: BASE/search?q=...[&category=...]."""
    if not base:
        return ""
    params = {"q": query} | ({"category": category} if category else {})
    return f"{base}/search?{urlencode(params)}"


def what_url(base: str, name: str) -> str:
    """Return the story timeline of a name: BASE/what/NAME (percent-encoded)."""
    return f"{base}/what/{quote(name, safe='')}" if base else ""


def week_url(base: str, date: str) -> str:
    """Return the story board of the 7 days ending `date`: BASE/week/YYYY-MM-DD."""
    return f"{base}/week/{date}" if base else ""


def category_url(base: str, category: str) -> str:
    """Return a category's newest items: BASE/category/NAME (percent-encoded)."""
    return f"{base}/category/{quote(category, safe='')}" if base else ""


def trend_url(base: str, query: str) -> str:
    """Return the weekly counts of a query: BASE/trend?q=..."""
    return f"{base}/trend?{urlencode({'q': query})}" if base else ""


def feed_url(base: str, query: str = "", category: str | None = None) -> str:
    """Return the Atom feed of the newest digests, or of the newest items matching a query and/or
    in a category: BASE/feed.xml[?q=...][&category=...]."""
    if not base:
        return ""
    params = ({"q": query} if query else {}) | ({"category": category} if category else {})
    return f"{base}/feed.xml" + (f"?{urlencode(params)}" if params else "")


def ask_url(base: str, question: str, widen: str = "") -> str:
    """Return a question's answer on the site: BASE/ask?q=...[&widen=tc] (widen: t drops the
    period, c the category)."""
    if not base or not question:
        return ""
    params = {"q": question} | ({"widen": widen} if widen else {})
    return f"{base}/ask?{urlencode(params)}"
