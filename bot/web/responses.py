"""The site's request and response types: what a route of handlers/web.py reads and answers.

A route handler takes the database and a `Request` (the query-string arguments, the site's base
URL) and returns a `Page` (a template of bot/templates/ and its values), `Data` (JSON) or a `Feed`
(Atom); bot/web/server.py turns the answer into an HTTP response. Plain data: no tornado here,
so handlers/web.py imports it without the server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from storage.model import Found, Item

# Queries are cut here (the bot allows 200): typo correction of one long unbroken CJK word costs
# about its length cubed (100 characters: 0.1 s, 200: 1.5 s), too much for a public page.
MAX_QUERY_CHARS = 64
PAGE_NUMBER = re.compile(r"[0-9]{1,6}")  # ASCII digits only: str.isdigit() also takes ², ① and ٣


@dataclass(frozen=True)
class Request:
    """What a route handler reads: query-string arguments (one value each, length-capped) and the
    site's absolute base URL (WEB_URL, else the request's scheme and host), for links."""

    args: Mapping[str, str]
    base: str
    path: str = "/"
    today: str = ""  # today in TIMEZONE (YYYY-MM-DD; the server sets it): what /hot defaults to
    # and a question's 上周 or yesterday counts from

    def arg(self, name: str) -> str:
        """Return a query-string argument with its spaces collapsed ("" when missing)."""
        return " ".join(self.args.get(name, "").split())

    def query(self) -> str:
        """Return the `q` argument, spaces collapsed, cut at MAX_QUERY_CHARS."""
        return self.arg("q")[:MAX_QUERY_CHARS]

    def cut(self) -> bool:
        """Return True if the `q` argument was longer than MAX_QUERY_CHARS (and so was cut)."""
        return len(self.arg("q")) > MAX_QUERY_CHARS

    def page(self, last: int) -> int:
        """Return the `page` argument as 1..`last` (1 when missing or not written in ASCII digits)."""
        text = self.args.get("page", "").strip()
        return min(max(int(text), 1), last) if PAGE_NUMBER.fullmatch(text) else 1


@dataclass(frozen=True)
class Page:
    """An HTML page: the template and its values."""

    template: str
    values: dict[str, Any] = field(default_factory=dict)
    status: int = 200


@dataclass(frozen=True)
class Data:
    """A JSON answer."""

    body: Any
    status: int = 200


@dataclass(frozen=True)
class Feed:
    """An Atom feed: of digests (`digests`) or of items (`items`), newest first."""

    title: str
    subtitle: str
    alternate: str  # the page the feed is about
    digests: list[Found] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    status: int = 200


Response = Page | Data | Feed
