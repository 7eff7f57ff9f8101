"""What is hot: the terms rising, new and fading in a period, and the change between two periods.

The terms of each item were extracted at ingest (storage/terms.py), one row per item, so a period's
answer reads only the rows of its 5 weeks (the period and the 4 before it: about 500 rows) and
looks up the first-seen dates of a few hundred candidate terms. Answers are kept per index
generation (storage.index.generation), as the category counts are.

- **rising**: seen before the period, 2+ items now, and a smoothed ratio (now + 1) / (before + 1)
  of at least 2, where `before` is the average per period over the baseline; ranked by
  (now - before) / sqrt(before + 1): how many baseline "standard deviations" (Poisson) above it,
  which does not blow up on small counts (1 -> 6 scores 3.5, 0 -> 2 scores 2.0, 3 -> 3 scores 0).
- **new**: first seen in the period (never in the archive before), 2+ items now; most items first.
- **fading**: a clear baseline (2+ items per period on average, in 2+ of its periods) and at most
  a quarter of it now; ranked by (before - now) / sqrt(now + 1).
A term is listed once: a term overlapping a better-ranked one (具身 and 具身智能, GPT-5 and
GPT-5.3) is left out, across rising and new, and within fading.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from storage.backend import Database, numbered
from storage.digests import archive_stats
from storage.index import day_ids, generation
from storage.model import HotMessage, HotResult, HotTerm, PeriodComparison, ShareChange
from storage.terms import fold, key_of, terms_current, unpacked

PERIOD_DAYS = 7
BASELINE_PERIODS = 4
MIN_ITEMS = 2  # items a rising or new term needs in the period
RISE_RATIO = 2.0  # (now + 1) / (before + 1) at least this for rising
FADE_BEFORE = 2.0  # a fading term's average per period before, at least
FADE_SHARE = 0.25  # ... and now at most this share of it
LIST_LIMIT = 20  # terms per list
TERM_ITEMS = 20  # item ids per term
CACHE_ENTRIES = 64  # answers kept per database and generation
FIRST_YEAR, LAST_YEAR = 1900, 9000  # the years /hot answers for (as the site's dates)
Answer = TypeVar("Answer", HotResult, PeriodComparison)


@dataclass
class _Tally:
    """One term's counts over the rows read."""

    spellings: Counter[str] = field(default_factory=Counter)
    now: list[int] = field(default_factory=list)  # ids in the period (ascending)
    before: list[int] = field(default_factory=list)  # ids in the baseline (ascending)
    periods: set[int] = field(default_factory=set)  # baseline periods it appears in (0 = latest)

    def name(self) -> str:
        """Return the spelling most items use (the first of equals)."""
        return self.spellings.most_common(1)[0][0]


def hot(db: Database, until: str, limit: int = LIST_LIMIT) -> HotResult:
    """Return the rising, new and fading terms of the PERIOD_DAYS days ending `until` (YYYY-MM-DD,
    inclusive) against the BASELINE_PERIODS periods before; kept per index generation.

    Raises ValueError for a date that is not YYYY-MM-DD or not `in_range`. Without lists, `message` says why:
    "empty", "no_digests" (none in the period), "no_history" (nothing indexed before the period),
    "terms_pending".
    """
    end = dt.date.fromisoformat(until)
    if not in_range(end.isoformat()):
        raise ValueError(f"{until} is outside {FIRST_YEAR}..{LAST_YEAR}")
    return _cached(db, ("hot", end.isoformat(), limit), HotResult, lambda: _hot(db, end, limit))


def in_range(date: str) -> bool:
    """Return True for a YYYY-MM-DD in the years a view of what is hot can show (its baseline
    reaches five weeks back, and the pages link a week on: far from datetime's ends)."""
    return f"{FIRST_YEAR}" <= date[:4] <= f"{LAST_YEAR}"


def _hot(db: Database, end: dt.date, limit: int) -> HotResult:
    since = end - dt.timedelta(days=PERIOD_DAYS - 1)
    start = since - dt.timedelta(days=PERIOD_DAYS * BASELINE_PERIODS)
    stats = archive_stats(db)
    plain = HotResult(since.isoformat(), end.isoformat(), newest=stats.last_date)
    if not stats.items:
        return _with(plain, "empty")
    if not terms_current(db):
        return _with(plain, "terms_pending")
    period_first = day_ids(since.isoformat())[0]
    rows = [(identifier, unpacked(stored)) for identifier, stored in db.execute(
        "SELECT id, terms FROM item_terms WHERE id BETWEEN $1 AND $2",
        (day_ids(start.isoformat())[0], day_ids(end.isoformat())[1]))]
    items = sum(identifier >= period_first for identifier, _ in rows)
    if not items:
        return _with(plain, "no_digests")
    first_date = dt.date.fromisoformat(stats.first_date or since.isoformat())
    covered = min(BASELINE_PERIODS, -(-(since - first_date).days // PERIOD_DAYS))
    if covered <= 0:
        return HotResult(plain.since, plain.until, items=items, newest=stats.last_date,
                         message="no_history")
    # Count every term first (Counter.update runs in C), then look closer only at the terms
    # that can be listed: 2+ items now, or enough before to fade.
    now: Counter[str] = Counter()
    earlier: Counter[str] = Counter()
    for identifier, terms in rows:
        (now if identifier >= period_first else earlier).update(map(key_of, terms))
    wanted = {key for key, count in now.items() if count >= MIN_ITEMS}
    wanted |= {key for key, count in earlier.items() if count >= FADE_BEFORE * covered}
    tallies: dict[str, _Tally] = {key: _Tally() for key in wanted}
    for identifier, terms in rows:
        back = (since.toordinal() - identifier // 1000 - 1) // PERIOD_DAYS  # 0: the week before
        for term in terms:
            tally = tallies.get(key_of(term))
            if tally is None:
                continue
            tally.spellings[term] += 1
            if identifier >= period_first:
                tally.now.append(identifier)
            else:
                tally.before.append(identifier)
                tally.periods.add(back)

    def before(tally: _Tally) -> float:
        return len(tally.before) / covered

    candidates = {key: tally for key, tally in tallies.items() if len(tally.now) >= MIN_ITEMS
                  or _fades(len(tally.now), before(tally), len(tally.periods), covered)}
    first_ids = first_seen_ids(db, candidates)
    rising, new, fading = [], [], []
    for key, tally in candidates.items():
        count, base = len(tally.now), before(tally)
        first = first_ids.get(key, (tally.before or tally.now)[0])
        if count >= MIN_ITEMS and first >= period_first:
            new.append(_term(tally, base, first, float(count), tally.now))
        elif count >= MIN_ITEMS and (count + 1) / (base + 1) >= RISE_RATIO:
            rising.append(_term(tally, base, first, (count - base) / math.sqrt(base + 1), tally.now))
        elif _fades(count, base, len(tally.periods), covered):
            fading.append(_term(tally, base, first, (base - count) / math.sqrt(count + 1),
                                tally.before))
    rising.sort(key=lambda t: (-t.score, -t.count, t.term))
    new.sort(key=lambda t: (-t.count, t.first_seen, t.term))
    fading.sort(key=lambda t: (-t.score, -t.before, t.term))
    listed_rising = _distinct(rising, limit)
    return HotResult(plain.since, plain.until, rising=tuple(listed_rising),
                     new=tuple(_distinct(new, limit, listed_rising)),
                     fading=tuple(_distinct(fading, limit)),
                     items=items, periods_before=covered, newest=stats.last_date)


def _fades(count: int, base: float, periods: int, covered: int) -> bool:
    """Return True for a term with a clear baseline and (almost) no items now."""
    return base >= FADE_BEFORE and periods >= min(2, covered) and count <= base * FADE_SHARE


def _term(tally: _Tally, base: float, first: int, score: float, ids: list[int]) -> HotTerm:
    return HotTerm(tally.name(), len(tally.now), base, _date_of(first),
                   tuple(sorted(ids, reverse=True)[:TERM_ITEMS]), round(score, 4))


def _with(result: HotResult, message: HotMessage) -> HotResult:
    return HotResult(result.since, result.until, newest=result.newest, message=message)


def first_seen_ids(db: Database, keys: Iterable[str]) -> dict[str, int]:
    """Return the first item id of each term (folded) that has one."""
    wanted = sorted(keys)
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found.update(db.execute(f"SELECT term, first_id FROM term_first_seen WHERE term IN "
                                f"({numbered(len(chunk))})", chunk).fetchall())
    return found


def _date_of(identifier: int) -> str:
    return dt.date.fromordinal(identifier // 1000).isoformat()


def overlapping(a: str, b: str) -> bool:
    """Return True when one term is another's overlapping form: one contains the other (具身 in
    具身智能), a Latin end matching only at a word boundary (GPT-5 in GPT-5.3, not AI in OpenAI)."""
    a, b = fold(a), fold(b)
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return False
    left = r"(?<![a-z0-9])" if short[0].isascii() and short[0].isalnum() else ""
    right = r"(?![a-z0-9])" if short[-1].isascii() and short[-1].isalnum() else ""
    return re.search(left + re.escape(short) + right, long) is not None


def _distinct(terms: list[HotTerm], limit: int, listed: list[HotTerm] | None = None) -> list[HotTerm]:
    """Return the first `limit` of `terms` (best first) that overlap no better one kept and none
    of `listed` (another list shown beside it)."""
    kept: list[HotTerm] = []
    for term in terms:
        if len(kept) >= limit:
            break
        if not any(overlapping(term.term, other.term) for other in (*(listed or ()), *kept)):
            kept.append(term)
    return kept


def compare_periods(db: Database, since_a: str, until_a: str, since_b: str, until_b: str,
                    limit: int = 10) -> PeriodComparison:
    """Return the terms whose share of the items changed most from period A to period B (dates
    YYYY-MM-DD, inclusive), `limit` up and `limit` down; kept per index generation.

    A change is ranked by the two-proportion z statistic (the difference of the shares over its
    standard error), so a term going from 1 to 3 items counts for less than one going from 10 to
    30. A term needs 2+ items in the period where its share is bigger. Raises ValueError for a date
    that is not YYYY-MM-DD; a range that ends before it starts gives the message "bad_range", a
    period without items "no_digests".
    """
    a_from, a_to, b_from, b_to = (dt.date.fromisoformat(day).isoformat()
                                  for day in (since_a, until_a, since_b, until_b))
    return _cached(db, ("compare", a_from, a_to, b_from, b_to, limit), PeriodComparison,
                   lambda: _compare(db, a_from, a_to, b_from, b_to, limit=limit))


def _compare(db: Database, since_a: str, until_a: str, since_b: str, until_b: str,
             limit: int) -> PeriodComparison:
    plain = PeriodComparison(since_a, until_a, since_b, until_b)
    if since_a > until_a or since_b > until_b:
        return replace(plain, message="bad_range")
    if not terms_current(db):
        return replace(plain, message="terms_pending")
    count_a, items_a, names = _counts(db, since_a, until_a)
    count_b, items_b, names_b = _counts(db, since_b, until_b)
    if not items_a or not items_b:
        return replace(plain, items_a=items_a, items_b=items_b, message="no_digests")
    for key, spellings in names_b.items():
        names.setdefault(key, Counter()).update(spellings)
    changes = []
    for key in count_a.keys() | count_b.keys():
        a, b = count_a.get(key, 0), count_b.get(key, 0)
        share_a, share_b = a / items_a, b / items_b
        if share_a == share_b or (b if share_b > share_a else a) < MIN_ITEMS:
            continue
        pooled = (a + b) / (items_a + items_b)
        error = math.sqrt(pooled * (1 - pooled) * (1 / items_a + 1 / items_b))
        score = (share_b - share_a) / error if error else 0.0
        changes.append((key, a, b, share_a, share_b, score))
    up = sorted((c for c in changes if c[5] > 0), key=lambda c: (-c[5], c[0]))
    down = sorted((c for c in changes if c[5] < 0), key=lambda c: (c[5], c[0]))
    up, down = _distinct_keys(up, limit), _distinct_keys(down, limit)
    first_ids = first_seen_ids(db, [c[0] for c in (*up, *down)])

    def change(c: tuple[str, int, int, float, float, float]) -> ShareChange:
        key, a, b, share_a, share_b, score = c
        return ShareChange(names[key].most_common(1)[0][0], a, b, share_a, share_b,
                           _date_of(first_ids[key]) if key in first_ids else "", round(score, 4))

    return replace(plain, items_a=items_a, items_b=items_b, up=tuple(map(change, up)),
                     down=tuple(map(change, down)))


def _distinct_keys(changes: list[tuple[str, int, int, float, float, float]],
                   limit: int) -> list[tuple[str, int, int, float, float, float]]:
    kept: list[tuple[str, int, int, float, float, float]] = []
    for change in changes:
        if len(kept) >= limit:
            break
        if not any(overlapping(change[0], other[0]) for other in kept):
            kept.append(change)
    return kept


def _counts(db: Database, since: str, until: str) -> tuple[Counter[str], int, dict[str, Counter[str]]]:
    """Return the items per term (folded), the items, and each term's spellings, of since..until."""
    counts: Counter[str] = Counter()
    names: dict[str, Counter[str]] = {}
    items = 0
    for (stored,) in db.execute("SELECT terms FROM item_terms WHERE id BETWEEN $1 AND $2",
                                (day_ids(since)[0], day_ids(until)[1])):
        items += 1
        for term in unpacked(stored):
            key = key_of(term)
            counts[key] += 1
            names.setdefault(key, Counter())[term] += 1
    return counts, items, names


def period_end(text: str, today: dt.date) -> str | None:
    """Return the last day (YYYY-MM-DD) of the period a /hot argument names: a date (2026-02-08,
    2026/2/8) or a time phrase (上周, 2月: its last day, storage/periods.py); `today` when empty;
    None when it names no day (or one not `in_range`)."""
    from storage.digests import parse_date
    from storage.periods import read_period

    text = text.strip()
    if not text:
        return today.isoformat()
    date = parse_date(text)
    if date is None:
        match = read_period(text, today)
        date = match.period.until() if match is not None and match.period is not None else None
    return date if date is not None and in_range(date) else None


def rising_term(result: HotResult, words: Iterable[str]) -> HotTerm | None:
    """Return the rising term that one of `words` names (itself, an overlapping form, or a name of
    the same alias group: Qwen for 千问), or None."""
    from storage.stories import resolve_names  # the alias table: only watches need it here

    for word in words:
        names = resolve_names(word)
        for term in result.rising:
            if any(overlapping(name, term.term) for name in (word, *names)):
                return term
    return None


def watch_notes(db: Database, chat_ids: Iterable[int], today: dt.date) -> dict[int, tuple[str, HotTerm]]:
    """Return, for each reader among `chat_ids` whose watch alert will be their first this week
    (Monday to Sunday, in `today`'s week) and one of whose /watch keywords is rising in the 7 days
    ending `today`, that keyword and its rising term. Call `mark_week_alerted` once an alert is
    sent, so the week's later alerts carry no such line (at most once a week)."""
    from storage.posts import get_setting
    from storage.text import split_query

    wanted = [chat_id for chat_id in dict.fromkeys(chat_ids)
              if get_setting(db, "once:" + _week_key(chat_id, today)) is None]
    if not wanted:
        return {}
    result = hot(db, today.isoformat())
    if not result.rising:
        return {}
    notes: dict[int, tuple[str, HotTerm]] = {}
    for chat_id in wanted:
        for (keyword,) in db.execute("SELECT keyword FROM watches WHERE chat_id = $1 "
                                     "ORDER BY created_at, keyword", (chat_id,)):
            term = rising_term(result, split_query(keyword)[0])
            if term is not None:
                notes[chat_id] = (keyword, term)
                break
    return notes


def mark_week_alerted(db: Database, chat_id: int, today: dt.date) -> None:
    """Record that `chat_id` got its first watch alert of `today`'s week (see watch_notes)."""
    from storage.posts import claim_once

    claim_once(db, _week_key(chat_id, today))


def _week_key(chat_id: int, today: dt.date) -> str:
    monday = today - dt.timedelta(days=today.weekday())
    return f"hot-watch:{chat_id}:{monday.isoformat()}"


# Per database object: (index generation, answers by their arguments).
_cache: weakref.WeakKeyDictionary[Database, tuple[int, dict[tuple[object, ...], object]]] = \
    weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _cached(db: Database, key: tuple[object, ...], kind: type[Answer],
            compute: Callable[[], Answer]) -> Answer:
    """Return the answer for `key` (a `kind`) computed at the index's current generation (at most
    CACHE_ENTRIES kept per database; any ingest starts afresh)."""
    current = generation(db)  # read first: what is computed below is at least this new
    with _cache_lock:
        seen, answers = _cache.get(db, (None, {}))
        found = answers.get(key) if seen == current else None
        if isinstance(found, kind):  # (a key names its kind of answer: "hot", "compare")
            return found
    answer = compute()
    with _cache_lock:
        seen, answers = _cache.get(db, (None, {}))
        if seen != current:
            answers = {}
            _cache[db] = (current, answers)
        if len(answers) >= CACHE_ENTRIES:
            answers.clear()
        answers[key] = answer
    return answer
