"""Plain data for digests, their items and what queries return: no I/O, no Telegram."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

JsonObject = dict[str, Any]  # what to_json returns: json.dumps-able
ItemLink = Callable[["Item"], str]  # an item's web address, "" when there is none (see bot/links.py)


@dataclass(frozen=True)
class Item:
    """One news item of a digest, as parsed from the file."""

    date: str  # YYYY-MM-DD of the digest it belongs to
    category: str  # canonical category name (or an unknown header, kept as written)
    title: str
    summary: str = ""  # 说明, or an article section's first paragraph
    background: str = ""  # 背景, or an article section's other paragraphs
    analysis: str = ""  # 深度解读 (article layout only)
    points: tuple[str, ...] = ()  # 要点 bullets, "label：text" when labelled
    source_name: str = ""
    source_url: str = ""
    position: int = 0  # 0-based order within the digest
    id: int | None = None  # set once indexed

    @property
    def stored_id(self) -> int:
        """The id of an item read from the index; ValueError for an item only parsed (no id yet)."""
        if self.id is None:
            raise ValueError(f"the item {self.title!r} of {self.date} is not from the index")
        return self.id

    def to_json(self, link: ItemLink | None = None) -> JsonObject:
        """Return the item as the JSON object of the CLI, the API and MCP.

        `link`, if given, adds the item's web address as "url" (when it has one).
        """
        url = link(self) if link else ""
        return {
            "id": self.id,
            "date": self.date,
            "category": self.category,
            "title": self.title,
            "summary": self.summary,
            "background": self.background,
            "analysis": self.analysis,
            "points": list(self.points),
            "source_name": self.source_name,
            "source_url": self.source_url,
        } | ({"url": url} if url else {})

    def brief_json(self, link: ItemLink | None = None) -> JsonObject:
        """Return the item as an entry of a list (a story's reports): `to_json` without its text
        (summary, background, analysis, points), which the item's date's digest has. A timeline
        of 120 reports was 59 KB with their summaries, most of what_happened's answer."""
        full = self.to_json(link)
        for field_name in ("summary", "background", "analysis", "points"):
            del full[field_name]
        return full


@dataclass(frozen=True)
class Digest:
    """One day's digest: its date, title and items in file order."""

    date: str
    title: str
    items: tuple[Item, ...]
    layout: str  # "span", "heading" or "article"
    summary: str = ""
    path: str = ""


class SchemaError(Exception):
    """The database was upgraded by a newer digestbot than this one; the message says what to do."""


def check_schema_version(found: int, known: int, where: str) -> None:
    """Refuse a database whose schema is newer than the `known` migrations (it may lack triggers
    or columns this code does not write)."""
    if found > known:
        raise SchemaError(f"{where} has schema version {found}, newer than this digestbot "
                          f"knows ({known}): upgrade digestbot before using it")


@dataclass(frozen=True)
class DigestError(Exception):
    """A digest file that cannot be indexed, with where and why."""

    path: str
    line: int  # 1-based; 0 when the problem is the whole file
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


class Refusal(StrEnum):
    """Why a query was not searched (each front end has one text for each)."""

    EMPTY = "empty"  # nothing but spaces
    TOO_SHORT = "too_short"  # fewer than 2 searchable characters to find
    ONLY_EXCLUDED = "only_excluded"  # only words to exclude (`-文心`), none to find
    UNKNOWN_CATEGORY = "unknown_category"  # the category filter names no category


@dataclass(frozen=True)
class Refused:
    """A query that cannot be searched, and why."""

    code: Refusal


@dataclass(frozen=True)
class SearchResult:
    """One page of search hits plus what the search did to the query."""

    query: str  # the query as asked
    items: list[Item]
    total: int  # hits in the archive (capped, see `total_capped`)
    total_capped: bool = False
    corrected: str | None = None  # the query actually used when a typo was fixed
    message: Refusal | None = None  # why nothing could be searched

    def to_json(self, link: ItemLink | None = None) -> JsonObject:
        """Return the page of hits, the total and any corrected query as one JSON object."""
        return {"query": self.query, "corrected": self.corrected, "total": self.total,
                "total_capped": self.total_capped,
                "items": [item.to_json(link) for item in self.items]}


@dataclass(frozen=True)
class Story:
    """Items reporting the same event, oldest first."""

    title: str
    items: tuple[Item, ...]
    dates: tuple[str, ...] = field(default=())

    def sources(self) -> list[tuple[str, str]]:
        """Return the story's distinct (source name, source URL) pairs, oldest report first."""
        return list(dict.fromkeys((item.source_name, item.source_url) for item in self.items
                                  if item.source_name or item.source_url))

    def to_json(self, link: ItemLink | None = None) -> JsonObject:
        """Return the story as JSON: headline, dates, its items in date order (brief: see
        `Item.brief_json`), distinct sources."""
        return {"title": self.title, "dates": list(self.dates),
                "items": [item.brief_json(link) for item in self.items],
                "sources": [{"name": name, "url": url} for name, url in self.sources()]}


@dataclass(frozen=True)
class WhatResult:
    """The answer to "what happened with X": its names and the stories, oldest first."""

    query: str
    names: tuple[str, ...]  # the names searched for (alias group or corrected query)
    stories: list[Story]
    corrected: str | None = None
    message: Refusal | None = None  # why nothing was looked up (EMPTY, TOO_SHORT)

    def to_json(self, link: ItemLink | None = None) -> JsonObject:
        """Return the names searched for and the stories, oldest first, as one JSON object."""
        return {"query": self.query, "names": list(self.names), "corrected": self.corrected,
                "stories": [story.to_json(link) for story in self.stories]}


@dataclass(frozen=True)
class DigestSummary:
    """A digest's header row: date, title, item count."""

    date: str
    title: str
    items: int
    summary: str = ""


Found = tuple[DigestSummary, list[Item]]  # a digest and its items, as digest_on returns them


@dataclass(frozen=True)
class Day:
    """A day's digest, its items in file order, and the dates of the digests around it."""

    digest: DigestSummary
    items: list[Item]
    neighbours: tuple[str | None, str | None]  # (the digest before, the digest after); None at an end


@dataclass(frozen=True)
class CategoryCount:
    """A category and how many items it has."""

    name: str
    items: int


@dataclass(frozen=True)
class ArchiveStats:
    """Size of the archive for /stats."""

    digests: int
    items: int
    first_date: str | None
    last_date: str | None


@dataclass(frozen=True)
class Trend:
    """How many items matched a query in each week of the archive."""

    query: str
    total: int  # every matching item, not capped
    weeks: tuple[tuple[dt.date, int], ...]  # (Monday of the week, items), oldest first, gaps as 0
    message: Refusal | None = None  # EMPTY, TOO_SHORT or ONLY_EXCLUDED

    def busiest(self) -> tuple[dt.date, int] | None:
        """Return the week with the most matching items (the newest of equals), None without any."""
        return max(((week, n) for week, n in self.weeks if n), key=lambda wn: (wn[1], wn[0]),
                   default=None)


# What is hot (storage/hot.py). Why a view has no lists: the archive is empty, the period has no
# digest, nothing was indexed before the period (nothing to compare with), or the terms of an index
# built before they existed are still being extracted (the next scan does it); a comparison's
# periods were not two valid ranges.
HotMessage = Literal["empty", "no_digests", "no_history", "terms_pending", "bad_range"]


@dataclass(frozen=True)
class HotTerm:
    """A term of a period, with how often items named it then and before."""

    term: str  # as the items write it (an alias group: the group's first name)
    count: int  # items naming it in the period
    before: float  # items naming it per period, on average, over the periods before
    first_seen: str  # YYYY-MM-DD of the first item in the archive naming it
    items: tuple[int, ...]  # ids of the items behind it, newest first (fading: the earlier ones)
    score: float = 0.0  # how far above (rising) or below (fading) its baseline, for ranking

    def to_json(self) -> JsonObject:
        """Return {term, count, before, first_seen, items} (the CLI's, the site's and MCP's)."""
        return {"term": self.term, "count": self.count, "before": round(self.before, 2),
                "first_seen": self.first_seen, "items": list(self.items)}


@dataclass(frozen=True)
class HotResult:
    """What is hot in the period since..until (inclusive) against the periods before it."""

    since: str
    until: str
    rising: tuple[HotTerm, ...] = ()  # seen before, now well above their baseline, best first
    new: tuple[HotTerm, ...] = ()  # first seen in the period, with 2+ items, most items first
    fading: tuple[HotTerm, ...] = ()  # a clear baseline, (almost) no items now
    items: int = 0  # items in the period
    periods_before: int = 0  # periods of the baseline that the archive covers (at most 4)
    newest: str | None = None  # the archive's newest digest date (for a period without digests)
    message: HotMessage | None = None

    def to_json(self) -> JsonObject:
        """Return {since, until, rising, new, fading} (each a list of HotTerm.to_json) plus the
        period's item count, the baseline's periods and the message, if any."""
        return {"since": self.since, "until": self.until,
                "rising": [term.to_json() for term in self.rising],
                "new": [term.to_json() for term in self.new],
                "fading": [term.to_json() for term in self.fading],
                "items": self.items, "periods_before": self.periods_before,
                "message": self.message}


@dataclass(frozen=True)
class ShareChange:
    """A term's share of two periods' items (storage.hot.compare_periods)."""

    term: str
    count_a: int
    count_b: int
    share_a: float  # count_a / items of period A
    share_b: float
    first_seen: str
    score: float = 0.0  # the change as a two-proportion z statistic (+: up in B)

    def to_json(self) -> JsonObject:
        """Return the term's counts and shares (rounded to 4 places) and its first-seen date."""
        return {"term": self.term, "count_a": self.count_a, "count_b": self.count_b,
                "share_a": round(self.share_a, 4), "share_b": round(self.share_b, 4),
                "first_seen": self.first_seen}


@dataclass(frozen=True)
class PeriodComparison:
    """The terms whose share of the items changed most from period A to period B."""

    since_a: str
    until_a: str
    since_b: str
    until_b: str
    items_a: int = 0
    items_b: int = 0
    up: tuple[ShareChange, ...] = ()  # a bigger share in B, most significant first
    down: tuple[ShareChange, ...] = ()  # a smaller share in B
    message: HotMessage | None = None

    def to_json(self) -> JsonObject:
        """Return both periods with their item counts, and the terms up and down."""
        return {"a": {"since": self.since_a, "until": self.until_a, "items": self.items_a},
                "b": {"since": self.since_b, "until": self.until_b, "items": self.items_b},
                "up": [change.to_json() for change in self.up],
                "down": [change.to_json() for change in self.down], "message": self.message}
