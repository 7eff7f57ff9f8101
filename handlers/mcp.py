"""MCP tools, the digest resource and the briefing prompt: what `digestbot mcp` answers.

Each tool checks its arguments (a bad one is a tool error the model reads, with what was
expected), makes one storage call in a worker thread (`asyncio.to_thread`: the event loop keeps
answering other requests), and returns the result twice: as JSON (the shape of `Item.to_json`,
the CLI's, under the output schema declared here) and as Markdown (bot/mcp/markdown.py).
The docstrings are the descriptions a model reads to choose a tool. Wiring: bot/mcp/server.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Annotated, NotRequired

from mcp import MCPError
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.types import INVALID_PARAMS, CallToolResult, Resource, TextContent
from pydantic import Field
from typing_extensions import TypedDict

from bot import present
from bot.config import Settings
from bot.i18n import Translations
from bot.links import item_url
from bot.mcp import markdown as text
from bot.present import one_line, shorten
from bot.present.question import reading
from storage import digests
from storage import search as index_search
from storage.answer import answer as answer_question
from storage.backend import Database
from storage.dates import EARLIEST, LATEST, shifts_by_a_week
from storage.hot import compare_periods as compare_terms
from storage.hot import hot as hot_terms
from storage.model import ArchiveStats, CategoryCount, Found, Item, Refusal
from storage.stories import week_or_newest
from storage.stories import what as what_happened_to
from storage.understand import MAX_QUESTION_CHARS, understand

MAX_LIMIT = 50  # items one search returns
MAX_QUERY_CHARS = index_search.MAX_QUERY_CHARS  # longer queries are refused, not cut
MAX_NAME_CHARS = 100  # what_happened's name (storage.stories.what reads no more)
WEEK_DAYS = 7


@dataclass(frozen=True)
class McpState:
    """What every tool reads: the index and the settings (the server's lifespan yields it)."""

    db: Database
    settings: Settings
    lang: Translations  # of the Markdown beside the JSON (`digestbot mcp --lang`)

    def link(self, item: Item) -> str:
        """Return the item's page on the web archive, "" when WEB_URL is not set."""
        return item_url(self.settings.web_url, item.id) if item.id is not None else ""


McpContext = Context[McpState]


# --- output schemas (the JSON objects the tools return) ---------------------------------------


class ItemJson(TypedDict):
    """One digest item; `url` is its page on the web archive, when there is one."""

    id: int | None
    date: str
    category: str
    title: str
    summary: str
    background: str
    analysis: str
    points: list[str]
    source_name: str
    source_url: str
    url: NotRequired[str]


class BriefItemJson(TypedDict):
    """One digest item in a story, without its text: get_digest of its date has it in full."""

    id: int | None
    date: str
    category: str
    title: str
    source_name: str
    source_url: str
    url: NotRequired[str]


class SearchJson(TypedDict):
    """A page of search hits, best first."""

    query: str
    corrected: Annotated[str | None, Field(description="the query searched instead, when a typo "
                                                        "was fixed")]
    total: Annotated[int, Field(description="matching items in the archive (at most 200 counted)")]
    total_capped: Annotated[bool, Field(description="true when there are more than `total`")]
    items: list[ItemJson]


class SourceJson(TypedDict):
    name: str
    url: str


class StoryJson(TypedDict):
    """Items reporting one event, in date order."""

    title: str
    dates: list[str]
    items: list[BriefItemJson]
    sources: list[SourceJson]


class WhatJson(TypedDict):
    """The stories about a name, oldest first."""

    query: str
    names: Annotated[list[str], Field(description="every name searched for (the alias group)")]
    corrected: str | None
    stories: list[StoryJson]


class DigestJson(TypedDict):
    """One day's digest, every item in full, in the digest's order."""

    date: str
    title: str
    summary: str
    items: list[ItemJson]


class WeekJson(TypedDict):
    """The stories of the 7 days start..end, most reported first."""

    start: str
    end: str
    stories: list[StoryJson]


class WeekCountJson(TypedDict):
    week: Annotated[str, Field(description="the Monday starting the week, YYYY-MM-DD")]
    items: int


class TrendJson(TypedDict):
    """Matching items per week over the whole archive."""

    keyword: str
    total: int
    first_week: Annotated[str | None, Field(description="the Monday starting the archive's first "
                                                        "week, YYYY-MM-DD (null: empty archive)")]
    counts: Annotated[list[int], Field(description="matching items in each week (Monday to Sunday) "
                                                   "from first_week to the archive's last, oldest "
                                                   "first: counts[i] is the week starting "
                                                   "first_week + 7*i days")]
    busiest: WeekCountJson | None
    recent: Annotated[list[WeekCountJson], Field(description="the last 8 weeks, oldest first")]


class AskPeriodJson(TypedDict):
    phrase: Annotated[str, Field(description="the words read as the period, as written")]
    since: Annotated[str, Field(description="first day, YYYY-MM-DD")]
    until: Annotated[str, Field(description="last day, YYYY-MM-DD (inclusive)")]


class PeriodProblemJson(TypedDict):
    phrase: str
    problem: Annotated[str, Field(description="no_such_month, no_such_date, empty_span (not "
                                              "used) or capped (read as the last 3650 days)")]


class NameJson(TypedDict):
    written: str
    aliases: Annotated[list[str], Field(description="every name searched for it")]


class ReadingJson(TypedDict):
    """How the question was read (storage/understand.py)."""

    question: str
    today: Annotated[str, Field(description="the day relative phrases count from, YYYY-MM-DD")]
    intent: Annotated[str, Field(description="list, story, count or day")]
    period: AskPeriodJson | None
    period_problem: PeriodProblemJson | None
    category: Annotated[str | None, Field(description="the canonical category asked about")]
    names: list[NameJson]
    keywords: Annotated[list[str], Field(description="other words that must occur (-word excludes)")]
    cut: bool
    refusal: str | None


class DayJson(TypedDict):
    date: str
    title: str


class AskJson(TypedDict):
    """A question's reading and its answer: the items (newest first), and the stories of a story,
    the weekly counts of a count, the digest of a day."""

    line: Annotated[str, Field(description="how the question was read, in words")]
    notes: list[str]
    reading: ReadingJson
    shape: Annotated[str, Field(description="list, story, count or day")]
    total: Annotated[int, Field(description="items selected (a list counts at most 50)")]
    total_capped: bool
    keywords: Annotated[list[str], Field(description="the words searched, loosened if `relaxed`")]
    relaxed: Annotated[str | None, Field(description="split, corrected or subjects_only: how "
                                                     "keywords that found nothing were loosened")]
    items: list[ItemJson]
    stories: NotRequired[list[StoryJson]]
    weeks: NotRequired[list[WeekCountJson]]
    digest: NotRequired[DayJson]


class CategoryJson(TypedDict):
    category: str
    items: int


class CategoriesJson(TypedDict):
    """The categories with their item counts, and the archive's size and date range."""

    categories: list[CategoryJson]
    digests: int
    items: int
    first_date: str | None
    last_date: str | None


class HotTermJson(TypedDict):
    """A term and how many items named it in the period and before."""

    term: Annotated[str, Field(description="as the items write it; an alias group by its first "
                                           "name (千问 for 通义千问 / Qwen)")]
    count: Annotated[int, Field(description="items naming it in the period")]
    before: Annotated[float, Field(description="items naming it per week, on average, over the "
                                               "weeks before the period")]
    first_seen: Annotated[str, Field(description="the date of the archive's first item naming it")]
    items: Annotated[list[int], Field(description="ids of the items behind it, newest first "
                                                  "(fading: the earlier ones); get_digest of an "
                                                  "id's date has the item")]


class HotJson(TypedDict):
    """The terms rising, new and fading in the 7 days since..until against the weeks before."""

    since: str
    until: str
    rising: Annotated[list[HotTermJson], Field(description="seen before, now well above their "
                                                           "baseline; most surprising first")]
    new: Annotated[list[HotTermJson], Field(description="never seen before the period, 2+ items")]
    fading: Annotated[list[HotTermJson], Field(description="a clear baseline, (almost) none now")]
    items: Annotated[int, Field(description="items in the period")]
    periods_before: Annotated[int, Field(description="weeks of baseline the archive covers (≤ 4)")]
    message: Annotated[str | None, Field(description="why the lists are empty: empty (archive), "
                                                     "no_digests (period), no_history (nothing "
                                                     "before the period), terms_pending")]


class PeriodJson(TypedDict):
    since: str
    until: str
    items: int


class ShareChangeJson(TypedDict):
    """A term's share of each period's items."""

    term: str
    count_a: int
    count_b: int
    share_a: Annotated[float, Field(description="count_a / items of period a")]
    share_b: float
    first_seen: str


class ComparePeriodsJson(TypedDict):
    """The terms whose share of the items changed most from period a to period b."""

    a: PeriodJson
    b: PeriodJson
    up: Annotated[list[ShareChangeJson], Field(description="a bigger share in b, most significant "
                                                           "change first")]
    down: Annotated[list[ShareChangeJson], Field(description="a smaller share in b")]
    message: Annotated[str | None, Field(description="no_digests: a period has no items")]


def _answer(structured: dict, readable: str) -> CallToolResult:
    """Return a tool result: the JSON object for the application, Markdown for the model."""
    return CallToolResult(content=[TextContent(type="text", text=readable)],
                          structured_content=structured)


# --- arguments --------------------------------------------------------------------------------


def _words(value: str, name: str, limit: int) -> str:
    """Return `value` with its whitespace collapsed; a ToolError if it is empty or too long."""
    words = " ".join(value.split())
    if not words:
        raise ToolError(f"{name} is empty: give a word or name to look for, e.g. 红包 or StepFun")
    if len(words) > limit:
        raise ToolError(f"{name} is {len(words)} characters long; at most {limit} are allowed")
    return words


def _date(value: str | None, name: str) -> str | None:
    """Return `value` as YYYY-MM-DD (None stays None); a ToolError if it is no calendar date."""
    if value is None or not value.strip():
        return None
    date = digests.parse_date(value)
    if date is None:
        raise ToolError(f"{name} must be a date like 2026-02-08 (YYYY-MM-DD), not {value!r}")
    return date


def _no_text(name: str, value: str, why: Refusal | None = None) -> ToolError:
    """Return the error for a query storage refused (present.refusal_reason): only exclusions, or
    no searchable text."""
    return ToolError(present.refusal_reason(why or Refusal.TOO_SHORT, name, value))


# --- tools ------------------------------------------------------------------------------------


async def search(
    ctx: McpContext,
    query: Annotated[str, Field(description="words to find, e.g. 红包, 阶跃星辰 融资, Qwen; "
                                            "-word excludes items containing it",
                                json_schema_extra={"maxLength": MAX_QUERY_CHARS})],
    category: Annotated[str | None, Field(description="only this category: 政策 模型 产品 投融资 行业, "
                                                      "or policy models products funding industry")] = None,
    since: Annotated[str | None, Field(description="only digests on or after this date, "
                                                   "YYYY-MM-DD")] = None,
    until: Annotated[str | None, Field(description="only digests on or before this date, "
                                                   "YYYY-MM-DD")] = None,
    limit: Annotated[int, Field(description=f"items to return, 1-{MAX_LIMIT}",
                                json_schema_extra={"minimum": 1, "maximum": MAX_LIMIT})] = 10,
) -> Annotated[CallToolResult, SearchJson]:
    """Search the archive of daily Chinese AI-industry news digests; return the best matching
    items (ranked by match, then recency), the number of matches, and the corrected query if a
    typo was fixed.

    Use it for any question about a topic, company, product, person or event in AI news. How
    it matches: Chinese text as a substring (any 2 or more characters: 红包, 阶跃星辰); Latin
    words by word prefix, ignoring case (Qwen finds Qwen3, Anthrop finds Anthropic, but AI
    does not match inside OpenAI); several words separated by spaces must all occur; a word
    written -word excludes the items that contain it (红包 -文心). A query that finds nothing
    is retried with the closest spelling in the archive (Antropic -> Anthropic). Narrow it
    with category and since/until (inclusive dates). For a timeline of one company or product,
    what_happened groups the same event's reports into stories.
    """
    state = ctx.request_context.lifespan_context
    query = _words(query, "query", MAX_QUERY_CHARS)
    first, last = _date(since, "since"), _date(until, "until")
    if first and last and first > last:
        raise ToolError(f"since ({first}) is after until ({last}): no date is in that range")
    if not 1 <= limit <= MAX_LIMIT:
        raise ToolError(f"limit must be from 1 to {MAX_LIMIT}, not {limit}")
    result = await asyncio.to_thread(index_search.search, state.db, query, category=category,
                                     since=first, until=last, limit=limit)
    if result.message == Refusal.UNKNOWN_CATEGORY:
        raise ToolError(present.refusal_reason(result.message, "category", category or "")
                        + ", or call categories")
    if result.message:
        raise _no_text("query", query, result.message)
    return _answer(result.to_json(state.link), text.search_text(state.lang, result, state.link))


async def what_happened(
    ctx: McpContext,
    name: Annotated[str, Field(description="a company, product or person, e.g. 阶跃星辰, StepFun, "
                                           "Kimi, DeepSeek",
                               json_schema_extra={"maxLength": MAX_NAME_CHARS})],
) -> Annotated[CallToolResult, WhatJson]:
    """Follow a company, product or person through the archive: "what happened with X".

    The name is resolved through an alias table (StepFun = 阶跃星辰, Moonshot = 月之暗面 = Kimi,
    ...; a misspelled name is corrected), the items naming it are found (Chinese by substring,
    Latin by word prefix) and grouped into stories: the same event reported on several days
    (a funding round announced, then confirmed) is one story. Returns the names searched for
    and the stories oldest first, each with its dates, items (title, date, category, source;
    get_digest of a date has an item's full text) and sources. For a topic that is not a name,
    use search.
    """
    state = ctx.request_context.lifespan_context
    name = _words(name, "name", MAX_NAME_CHARS)
    answer = await asyncio.to_thread(_what_answer, state, name)
    if answer is None:
        raise _no_text("name", name)
    return answer


def _what_answer(state: McpState, name: str) -> CallToolResult | None:
    """Return what_happened's answer (None: the name has no searchable text). In the worker
    thread with the storage call: a timeline's JSON and Markdown take about a millisecond, which
    the event loop, serving every other call, does not have to spend."""
    result = what_happened_to(state.db, name)
    if result.message:
        return None
    return _answer(result.to_json(state.link), text.what_text(state.lang, result, state.link))


async def get_digest(
    ctx: McpContext,
    date: Annotated[str | None, Field(description="the digest's date, YYYY-MM-DD; default: the "
                                                  "newest digest")] = None,
) -> Annotated[CallToolResult, DigestJson]:
    """Read one day's digest in full: its title and summary and every item with its summary,
    background, analysis, points and source, in the digest's order (by category). Without a
    date, the newest digest. Use it to read what was reported on a day; the same text is the
    resource digest://YYYY-MM-DD.
    """
    state = ctx.request_context.lifespan_context
    day = _date(date, "date")
    found, stats = await asyncio.to_thread(_digest_or_range, state.db, day)
    if found is None:
        raise ToolError(_no_digest(day, stats))
    header, items = found
    structured = {"date": header.date, "title": header.title, "summary": header.summary,
                  "items": [item.to_json(state.link) for item in items]}
    return _answer(structured, text.digest_markdown(state.lang, header, items, state.link))


def _digest_or_range(db: Database, date: str | None
                     ) -> tuple[Found | None, ArchiveStats | None]:
    """Return the digest of `date` (the newest when None); when there is none, the archive's
    size and dates instead, to say what there is."""
    found = digests.digest_or_newest(db, date)
    return found, (digests.archive_stats(db) if found is None else None)


def _no_digest(date: str | None, stats: ArchiveStats | None) -> str:
    if stats is None or not stats.digests:
        return "the archive is empty: no digest has been indexed yet"
    return (f"there is no digest for {date}; the archive has {stats.digests} digests from "
            f"{stats.first_date} to {stats.last_date}")


async def week(
    ctx: McpContext,
    date: Annotated[str | None, Field(description="the week's last day, YYYY-MM-DD; default: the "
                                                  "newest digest's date")] = None,
) -> Annotated[CallToolResult, WeekJson]:
    """The story board of the 7 days ending on a date (default: the newest digest's date): the
    week's events, those reported on the most days and in the most items first, each with its
    dates, items and sources. Use it for "what happened this week" or "last week's big news".
    """
    state = ctx.request_context.lifespan_context
    end = _date(date, "date")
    if end is not None and not shifts_by_a_week(end):
        raise ToolError(f"date must be from {EARLIEST} to {LATEST} (a week's first day and the "
                        f"weeks around it must be dates too), not {end}")
    answer = await asyncio.to_thread(_week_answer, state, end)
    if answer is None:
        raise ToolError("the archive is empty: no digest has been indexed yet")
    return answer


def _week_answer(state: McpState, end: str | None) -> CallToolResult | None:
    """Return week's answer for the 7 days ending `end` (the newest digest's date when None;
    None for an empty archive), JSON and Markdown built in the worker thread (see _what_answer)."""
    end, stories = week_or_newest(state.db, end, WEEK_DAYS)
    if end is None:
        return None
    start = present.week_span(end).start
    structured = {"start": start, "end": end,
                  "stories": [story.to_json(state.link) for story in stories]}
    return _answer(structured, text.week_text(state.lang, stories, start, end, state.link))


async def trend(
    ctx: McpContext,
    keyword: Annotated[str, Field(description="a word or name, e.g. 红包, 智能体, DeepSeek",
                                  json_schema_extra={"maxLength": MAX_QUERY_CHARS})],
) -> Annotated[CallToolResult, TrendJson]:
    """How often a keyword comes up over time: the number of matching items in each week
    (Monday to Sunday) over the whole archive, the busiest week, and the last 8 weeks. Matches
    as search does (Chinese by substring, Latin by word prefix, -word excludes), without typo
    correction. Use it to tell whether a topic is rising or fading.
    """
    state = ctx.request_context.lifespan_context
    keyword = _words(keyword, "keyword", MAX_QUERY_CHARS)
    result = await asyncio.to_thread(index_search.weekly_counts, state.db, keyword)
    if result.message:
        raise _no_text("keyword", keyword, result.message)
    busiest = result.busiest()
    structured = {"keyword": result.query, "total": result.total,
                  "first_week": result.weeks[0][0].isoformat() if result.weeks else None,
                  "counts": [items for _week, items in result.weeks],  # 1,000+ weeks: no dates
                  "busiest": {"week": busiest[0].isoformat(), "items": busiest[1]} if busiest else None,
                  "recent": [{"week": week.isoformat(), "items": items}
                             for week, items in result.weeks[-text.RECENT_WEEKS:]]}
    return _answer(structured, text.trend_text(state.lang, result, busiest))


async def hot(
    ctx: McpContext,
    date: Annotated[str | None, Field(description="the period's last day, YYYY-MM-DD; default: "
                                                  "today in the archive's time zone")] = None,
) -> Annotated[CallToolResult, HotJson]:
    """What is hot: the terms (companies, products, topics) rising, new and fading in the 7 days
    ending a date, against the 4 weeks before. Rising: seen before and now well above their
    weekly average; new: never in the archive before, 2+ items now; fading: a clear weekly
    average and (almost) none now. Each with its count now, its average before, its first-seen
    date and the ids of its items. Use it for "what's new / hot / trending this week".
    """
    state = ctx.request_context.lifespan_context
    until = _date(date, "date") or dt.datetime.now(state.settings.tz).date().isoformat()
    try:
        result = await asyncio.to_thread(hot_terms, state.db, until)
    except ValueError as exc:
        raise ToolError(f"date: {exc}") from None
    return _answer(result.to_json(), text.hot_text(state.lang, result))


async def compare_periods(
    ctx: McpContext,
    since_a: Annotated[str, Field(description="period a's first day, YYYY-MM-DD")],
    until_a: Annotated[str, Field(description="period a's last day, YYYY-MM-DD")],
    since_b: Annotated[str, Field(description="period b's first day, YYYY-MM-DD")],
    until_b: Annotated[str, Field(description="period b's last day, YYYY-MM-DD")],
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="terms in each direction")] = 10,
) -> Annotated[CallToolResult, ComparePeriodsJson]:
    """Compare two periods: the terms whose share of the items grew most from period a to period
    b, and those whose share shrank most (ranked by how significant the change is, so small
    counts do not dominate), with each term's counts and shares. Use it for "what changed
    between January and February" or "this month against last month".
    """
    state = ctx.request_context.lifespan_context
    first_a, last_a, first_b, last_b = (
        _date(value, name) for value, name in ((since_a, "since_a"), (until_a, "until_a"),
                                               (since_b, "since_b"), (until_b, "until_b")))
    if first_a is None or last_a is None or first_b is None or last_b is None:
        raise ToolError("since_a, until_a, since_b and until_b are all needed (YYYY-MM-DD)")
    result = await asyncio.to_thread(compare_terms, state.db, first_a, last_a, first_b, last_b,
                                     limit=limit)
    if result.message == "bad_range":
        raise ToolError("each period must start on or before its last day (since <= until)")
    return _answer(result.to_json(), text.compare_text(state.lang, result))


async def ask(
    ctx: McpContext,
    question: Annotated[str, Field(description="a question in Chinese or English, e.g. 上周有哪些融资, "
                                               "阶跃星辰最近怎么样, what happened with Kimi last week",
                                   json_schema_extra={"maxLength": MAX_QUESTION_CHARS})],
    limit: Annotated[int, Field(description=f"items to return for a list, 1-{MAX_LIMIT}",
                                json_schema_extra={"minimum": 1, "maximum": MAX_LIMIT})] = 10,
) -> Annotated[CallToolResult, AskJson]:
    """Answer a question asked in words, as the bot answers a reader: read it for a period (今天,
    上周, 最近三天, 2月, 2026-02-08, last week, in February; relative to today in the archive's
    time zone), a category (融资 -> funding, 政策, 模型, 产品, 行业), company or product names (with
    their aliases: Kimi = 月之暗面) and other words, and for what is asked (a list, a story with
    怎么样 or what happened, a count with 多少条 or trend, one day's digest with 日报); return how
    it was read and the items that answer it: newest first, every one in the period and the
    category, naming each name and containing every word. Use it when the question carries
    dates or a category in words; search and what_happened take them as arguments.
    """
    state = ctx.request_context.lifespan_context
    question = _words(question, "question", MAX_QUESTION_CHARS)
    if not 1 <= limit <= MAX_LIMIT:
        raise ToolError(f"limit must be from 1 to {MAX_LIMIT}, not {limit}")
    today = dt.datetime.now(state.settings.tz).date()
    answer = await asyncio.to_thread(_ask_answer, state, question, today, limit)
    if answer is None:
        raise ToolError(f"question {question!r} names nothing to look for (no period, category, "
                        "name or word; or a date that does not exist): ask e.g. 上周有哪些融资 "
                        "or what happened with Kimi last week")
    return answer


def _ask_answer(state: McpState, asked: str, today: dt.date, limit: int) -> CallToolResult | None:
    """Return ask's answer (None: the question gives nothing to look for), JSON and Markdown built
    in the worker thread (see _what_answer)."""
    found = answer_question(state.db, understand(asked, today), limit=limit)
    if found.question.refusal:
        return None
    read = reading(state.lang, found)
    structured = {"line": read.line, "notes": list(read.notes), **found.to_json(state.link)}
    return _answer(structured, text.ask_text(state.lang, found, state.link))


async def categories(ctx: McpContext) -> Annotated[CallToolResult, CategoriesJson]:
    """The archive's categories with their item counts, and how many digests and items it holds
    over which dates. Use it to learn what the archive covers before searching by category or
    date.
    """
    state = ctx.request_context.lifespan_context
    counts, stats = await asyncio.to_thread(_categories, state.db)
    structured = {"categories": [{"category": c.name, "items": c.items} for c in counts],
                  "digests": stats.digests, "items": stats.items,
                  "first_date": stats.first_date, "last_date": stats.last_date}
    return _answer(structured, text.categories_text(state.lang, counts, stats))


def _categories(db: Database) -> tuple[list[CategoryCount], ArchiveStats]:
    """Return every category with its item count, and the archive's size and dates."""
    return digests.categories(db), digests.archive_stats(db)


# --- resource and prompt ------------------------------------------------------------------------


LISTED_DIGESTS = 30  # resources/list names the newest digests; older ones are read by address
DESCRIPTION_CHARS = 200  # of a listed digest's summary


async def digest_resources(state: McpState) -> list[Resource]:
    """Return the newest LISTED_DIGESTS digests as resources (digest://YYYY-MM-DD), newest first,
    for clients that browse resources/list; any digest is read by its address."""
    headers = await asyncio.to_thread(digests.newest_headers, state.db, LISTED_DIGESTS)
    return [Resource(uri=f"digest://{header.date}", name=f"digest-{header.date}",
                     title=f"{header.title}（{header.date}）", mime_type="text/markdown",
                     description=shorten(one_line(header.summary), DESCRIPTION_CHARS)
                     or f"{header.items} items")
            for header in headers]


async def digest_resource(date: str, ctx: McpContext) -> str:
    """One day's digest as Markdown: title, summary and every item in full, by category."""
    state: McpState = ctx.request_context.lifespan_context
    day = digests.parse_date(date)
    if day is None or day != date:
        raise ResourceError(f"digest://{date} is not a digest address: expected "
                            "digest://YYYY-MM-DD, e.g. digest://2026-02-08")
    found = await asyncio.to_thread(digests.digest_on, state.db, day)
    if found is None:
        raise ResourceNotFoundError(f"there is no digest for {day}")
    return text.digest_markdown(state.lang, *found, state.link)


def briefing(
    topic: Annotated[str, Field(description="what the briefing is about, e.g. 阶跃星辰 or 春节红包")],
    since: Annotated[str | None, Field(description="first day, YYYY-MM-DD (default: the "
                                                   "archive's first)")] = None,
    until: Annotated[str | None, Field(description="last day, YYYY-MM-DD (default: the "
                                                   "newest digest)")] = None,
    ctx: McpContext | None = None,
) -> str:
    """A briefing on a topic over a date range, written from the archive with search,
    what_happened, trend and get_digest."""
    topic = " ".join(topic.split())
    if not topic:
        raise MCPError(INVALID_PARAMS, "topic is empty: name what the briefing is about")
    dates = []
    for name, value in (("since", since), ("until", until)):
        date = digests.parse_date(value) if value and value.strip() else None
        if value and value.strip() and date is None:
            raise MCPError(INVALID_PARAMS, f"{name} must be a date like 2026-02-08, not {value!r}")
        dates.append(date)
    assert ctx is not None  # the server passes every prompt its context
    state: McpState = ctx.request_context.lifespan_context
    return text.briefing_prompt(state.lang, topic[:MAX_QUERY_CHARS], *dates)
