"""A question's answer from the archive: the items (or stories, counts, the day's digest) its
filters select (storage/understand.py reads the filters).

Every shape selects the same items: those in the period and the category that
name each subject (any of its names) and contain every keyword. A question
asks what happened, so lists are newest first. When the keywords find
nothing, the answer tries, in order: a long Chinese keyword as its two-character
pieces (春节活动 -> 春节 活动), the keywords with typos corrected, and the
subjects without the keywords; `relaxed` says which one answered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from storage.backend import ALL_IDS, Database
from storage.digests import digest_on, newest_date
from storage.index import day_ids, item_id
from storage.model import DigestSummary, Item, ItemLink, JsonObject, Story, Trend
from storage.search import compile_query, correct_query, expression_for, items_by_id
from storage.stories import MAX_ITEMS as MAX_STORY_ITEMS
from storage.stories import group_stories
from storage.text import is_cjk
from storage.understand import Intent, Question

# A list counts its items up to here ("50+ 条"), and deeper when a page asks for them. The newest
# 51 matches cost PostgreSQL a tenth of the newest 201 (its month slices) when a category is asked.
COUNT_CAP = 50

# How the keywords were loosened when they found nothing as written.
Relaxation = Literal["split", "corrected", "subjects_only"]


@dataclass(frozen=True)
class Answer:
    """The answer to a question: what it was read as, and what the archive has for it."""

    question: Question
    shape: Intent  # the view that fits: list (/search), story (/what), count (/trend), day (/today)
    items: list[Item]  # list: this page, newest first; story: every story's items; day: the digest's
    total: int  # items selected (a list counts at most COUNT_CAP: see total_capped)
    total_capped: bool = False
    stories: list[Story] = field(default_factory=list)
    trend: Trend | None = None  # count: the selected items per week
    digest: DigestSummary | None = None  # day: the digest shown (None: no digest that day)
    keywords: tuple[str, ...] = ()  # the keywords searched (loosened, if `relaxed`)
    relaxed: Relaxation | None = None

    @property
    def found(self) -> bool:
        """True when the archive had something for the question."""
        return self.total > 0

    def to_json(self, link: ItemLink | None = None) -> JsonObject:
        """Return the reading and the items (with their stories and weekly counts) as JSON."""
        out: JsonObject = {"reading": self.question.to_json(), "shape": self.shape, "total": self.total,
                     "total_capped": self.total_capped, "keywords": list(self.keywords),
                     "relaxed": self.relaxed,
                     "items": [item.to_json(link) for item in self.items]}
        if self.shape == "story":
            out["stories"] = [story.to_json(link) for story in self.stories]
        if self.trend is not None:
            out["weeks"] = [{"week": week.isoformat(), "items": n} for week, n in self.trend.weeks]
        if self.digest is not None:
            out["digest"] = {"date": self.digest.date, "title": self.digest.title}
        return out


def answer(db: Database, question: Question, limit: int = 5, offset: int = 0) -> Answer:
    """Return the answer to `question`: a page of `limit` items from `offset` for a list, every
    story for a story, the weekly counts for a count, the digest for a day."""
    if question.refusal:
        return Answer(question, "list", [], 0)
    if question.intent == "day":
        return _day(db, question)
    bounds = _bounds(question)
    limit_ids = {"story": MAX_STORY_ITEMS, "count": None}.get(
        question.intent, max(COUNT_CAP, offset + limit) + 1)  # +1: are there more?
    keywords = question.keywords
    selection = _selection(db, question, keywords)
    relaxed: Relaxation | None = None
    ids = _ids(db, selection, bounds, question.category, limit_ids)
    if not ids and selection[0] is not None:  # the words find nothing: loosen them, in order
        for loosened, looser in _loosened(db, question):
            tried = _selection(db, question, looser)
            found = _ids(db, tried, bounds, question.category, limit_ids)
            if found:
                relaxed, keywords, selection, ids = loosened, looser, tried, found
                break
    if question.intent == "story":
        items = items_by_id(db, sorted(ids))
        names = tuple(name for subject in question.subjects for name in subject.names)
        stories = group_stories(items, names or tuple(k for k in keywords if k[0] != "-"), db)
        return Answer(question, "story", items, len(items), stories=stories, keywords=keywords,
                      relaxed=relaxed)
    if question.intent == "count":
        return Answer(question, "count", items_by_id(db, ids[offset:offset + limit]), len(ids),
                      trend=_weeks(db, question, ids), keywords=keywords, relaxed=relaxed)
    cap = max(COUNT_CAP, offset + limit)
    return Answer(question, "list", items_by_id(db, ids[offset:offset + limit]), min(len(ids), cap),
                  len(ids) > cap, keywords=keywords, relaxed=relaxed)


def _bounds(question: Question) -> tuple[int, int]:
    """Return the item ids the question's period covers (every id without a period)."""
    if question.period is None:
        return ALL_IDS
    return item_id(question.period.since(), 0), day_ids(question.period.until())[1]


def _selection(db: Database, question: Question,
                keywords: tuple[str, ...]) -> tuple[str | None, str | None]:
    """Return (the full-text expression of the subjects, any of each one's names, and the
    keywords; the expression of the excluded words). The first is None when the question names
    nothing to find: its period and category select the items."""
    parts = []
    for subject in question.subjects:
        names = [e for e in (expression_for(db, name) for name in subject.names) if e]
        if names:  # parenthesised: SQLite's all_of joins its parts as they are
            parts.append(f"({db.any_of(names)})")
    wanted = [k for k in keywords if not k.startswith("-")]
    compiled = compile_query(db, " ".join(wanted)) if wanted else None
    if compiled is not None:
        parts.append(compiled.expression)
    excluded = [e for e in (expression_for(db, k[1:]) for k in keywords if k.startswith("-")) if e]
    return (db.all_of(parts) if parts else None), (db.any_of(excluded) if excluded else None)


def _loosened(db: Database, question: Question) -> list[tuple[Relaxation, tuple[str, ...]]]:
    """Return the looser keywords to try, in order, when the question's find nothing."""
    wanted = [k for k in question.keywords if not k.startswith("-")]
    excluded = tuple(k for k in question.keywords if k.startswith("-"))
    tries: list[tuple[Relaxation, tuple[str, ...]]] = []
    if not wanted:
        return tries
    split = [piece for keyword in wanted for piece in _pieces(keyword)]
    if split != wanted:
        tries.append(("split", (*split, *excluded)))
    corrected = correct_query(db, " ".join(wanted))
    if corrected:
        tries.append(("corrected", (*corrected.split(), *excluded)))
    if question.subjects:
        tries.append(("subjects_only", excluded))
    return tries


def _pieces(keyword: str) -> list[str]:
    """Return a Chinese keyword of 4+ characters as two-character pieces (春节活动 -> 春节 活动; an odd
    last character joins the last piece), anything else as it is."""
    if len(keyword) < 4 or not all(is_cjk(char) for char in keyword):
        return [keyword]
    pieces = [keyword[i:i + 2] for i in range(0, len(keyword) - 1, 2)]
    if len(keyword) % 2:
        pieces[-1] += keyword[-1]
    return pieces


def _ids(db: Database, selection: tuple[str | None, str | None], bounds: tuple[int, int],
         category: str | None, limit: int | None) -> list[int]:
    """Return the ids of the selected items, newest first (at most `limit`)."""
    expression, excluded = selection
    if expression is not None:
        if excluded is not None:
            expression = db.excluding(expression, excluded)
        return db.match_ids(expression, bounds, category, limit)
    sql = "SELECT id FROM items WHERE id BETWEEN $1 AND $2"
    params: list[object] = list(bounds)
    if category:
        sql += " AND category = $3"
        params.append(category)
    sql += " ORDER BY id DESC"
    if excluded is None:
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [row[0] for row in db.execute(sql, params).fetchall()]
    # Exclusions beside a period or category only: the excluded items of the span, taken out.
    gone = set(db.match_ids(excluded, bounds, category))
    ids = [row[0] for row in db.execute(sql, params).fetchall() if row[0] not in gone]
    return ids if limit is None else ids[:limit]


def _weeks(db: Database, question: Question, ids: list[int]) -> Trend:
    """Return the selected items per week (Monday to Sunday) over the period, else the archive."""
    if question.period is not None:
        first, last = question.period.start, min(question.period.end, question.today)
    else:
        row = db.execute("SELECT min(date), max(date) FROM digests").fetchone()
        if row is None or row[0] is None:
            return Trend(_counted(question), 0, ())
        first, last = dt.date.fromisoformat(row[0]), dt.date.fromisoformat(row[1])
    counts: dict[dt.date, int] = {}
    for identifier in ids:
        day = dt.date.fromordinal(identifier // 1000)
        monday = day - dt.timedelta(days=day.weekday())
        counts[monday] = counts.get(monday, 0) + 1
    week = first - dt.timedelta(days=first.weekday())
    weeks = []
    while week <= last:
        weeks.append((week, counts.get(week, 0)))
        week += dt.timedelta(days=7)
    return Trend(_counted(question), len(ids), tuple(weeks))


def _counted(question: Question) -> str:
    """Return what a count counts, in the question's words: its names and keywords, else the
    category word, else the question."""
    words = [*question.names, *(k for k in question.keywords if not k.startswith("-"))]
    return " ".join(words) or question.category_word or question.text


def _day(db: Database, question: Question) -> Answer:
    """Return the digest of the question's day (the newest digest without one)."""
    date = question.period.since() if question.period else newest_date(db)
    found = digest_on(db, date) if date else None
    if found is None:
        return Answer(question, "day", [], 0)
    header, items = found
    return Answer(question, "day", items, len(items), digest=header)
