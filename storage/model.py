"""Plain data for digests, their items and what queries return: no I/O, no Telegram."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

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

    def to_json(self, link: ItemLink | None = None) -> dict:
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

    def brief_json(self, link: ItemLink | None = None) -> dict:
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

    def to_json(self, link: ItemLink | None = None) -> dict:
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

    def to_json(self, link: ItemLink | None = None) -> dict:
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

    def to_json(self, link: ItemLink | None = None) -> dict:
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
