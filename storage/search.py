"""Keyword search over the index: compiling a query, ranking, typo correction, weekly trends.

Digest and category reads (a day's digest, the newest, category pages) are in storage/digests.py.

Ranking: the newest `WINDOW` hits (cheap: FTS5 walks rowids newest-first and
stops) are scored by where each query word occurs (title 4x, body 1x, words
weighted by rarity), blended with recency, so a strong match from last week beats a weak one from
today, and a term found in 90% of the archive costs the same as a rare one.
"""

from __future__ import annotations

import datetime as dt
import math
import weakref
from dataclasses import dataclass

from storage.backend import ALL_IDS, Database, numbered
from storage.digests import resolve_category
from storage.index import day_ids, generation, item_id, row_to_item
from storage.model import Item, Refusal, Refused, SearchResult, Trend
from storage.text import (
    Phrase,
    is_cjk,
    is_latin_token,
    normalize,
    query_phrases,
    searchable_length,
    split_query,
)

WINDOW = 200  # hits considered for ranking
COUNT_CAP = 200  # hits counted exactly; beyond this "200+" (as many as are ranked: WINDOW)
MAX_QUERY_CHARS = 200  # longer queries are cut (a 500-character paste is still answered)
RECENCY_HALF_LIFE_DAYS = 30.0
TITLE_WEIGHT, BODY_WEIGHT = 4.0, 1.0
MAX_EXPANSIONS = 64  # a trailing Latin prefix standing for more tokens stays an FTS5 prefix
MIN_FUZZY_SCORE = 70.0
MAX_CORRECTED_WORDS = 6  # a longer query's words beyond these are not corrected
MAX_CJK_PROBES = 12  # index look-ups one CJK word's correction may make


def _prepare(db: Database, query: str,
             category: str | None) -> tuple[str, CompiledQuery | Refused, str | None]:
    """Return (the query tidied and capped, its compiled form, the canonical category); in place
    of the compiled form, why the query cannot be searched."""
    query = " ".join(query.split())[:MAX_QUERY_CHARS]
    refusal = _refusal(query)
    if refusal:
        return query, Refused(refusal), None
    resolved = None
    if category:
        resolved = resolve_category(db, category)
        if resolved is None:
            return query, Refused(Refusal.UNKNOWN_CATEGORY), None
    compiled = compile_query(db, query)
    return query, compiled if compiled is not None else Refused(Refusal.TOO_SHORT), resolved


def search(db: Database, query: str, category: str | None = None,
           since: str | None = None, until: str | None = None, limit: int = 20,
           offset: int = 0, fuzzy: bool = True) -> SearchResult:
    """Return one page of items matching `query`, best first; typos are corrected when nothing matches.

    `-词`, `!词`, `-Word` exclude the items containing that word (never typo-corrected).
    `category` accepts canonical names, short names (政策, 模型, ...) and English
    (policy, models, ...); an unknown category gives a message, not an error.
    """
    query, compiled, resolved = _prepare(db, query, category)
    if isinstance(compiled, Refused):
        return SearchResult(query, [], 0, message=compiled.code)
    bounds = _id_bounds(since, until)
    items, total, capped = _run(db, compiled, resolved, bounds, limit, offset)
    if total or not fuzzy:
        return SearchResult(query, items, total, capped)
    unfiltered = resolved is None and bounds == ALL_IDS
    corrected = correct_query(db, query, missed=compiled.expression if unfiltered else None)
    corrected_compiled = compile_query(db, corrected) if corrected and corrected != query else None
    if corrected_compiled:
        items, total, capped = _run(db, corrected_compiled, resolved, bounds, limit, offset)
        if total:
            return SearchResult(query, items, total, capped, corrected=corrected)
    return SearchResult(query, [], 0)


def _refusal(query: str) -> Refusal | None:
    """Return why `query` cannot be searched (EMPTY, ONLY_EXCLUDED, TOO_SHORT), or None."""
    if not query:
        return Refusal.EMPTY
    wanted, excluded = split_query(query)
    if excluded and searchable_length(" ".join(wanted)) == 0:
        return Refusal.ONLY_EXCLUDED
    if searchable_length(" ".join(wanted)) < 2:
        return Refusal.TOO_SHORT
    return None



def _id_bounds(since: str | None, until: str | None) -> tuple[int, int]:
    low = item_id(since, 0) if since else 0
    high = day_ids(until)[1] if until else ALL_IDS[1]
    return low, high


@dataclass(frozen=True)
class CompiledQuery:
    """A query as a full-text expression, and each of its words to find as one and as index text."""

    expression: str  # the words to find ANDed, less the items matching any excluded word
    phrase_expressions: tuple[str, ...]  # one per word to find, ANDed in `expression`
    needles: tuple[str, ...]  # one per word to find: how it reads in " "-padded index tokens
    excluded: tuple[str, ...] = ()  # one per excluded word (`-词`), ORed and subtracted


def compile_query(db: Database, query: str) -> CompiledQuery | None:
    """Return `query` compiled against this archive's vocabulary, or None if it has no word to find
    with searchable text (a query of exclusions only has none).

    `-词` / `!词` words are subtracted from what the other words find. A
    trailing Latin prefix becomes an OR of the archive's exact tokens that
    start with it (`ai` -> "ai" OR "aigc"): FTS5 streams exact tokens
    newest-first and stops at the LIMIT, where a prefix query (`"ai" *`) first
    merges the doclists of every such token over the whole archive.
    """
    wanted, excluded = split_query(query)
    phrases = query_phrases(" ".join(wanted))
    if not phrases:
        return None
    expressions = tuple(db.phrase(phrase, _expansions(db, phrase)) for phrase in phrases)
    # In " "-padded token text, " kimi" is every token starting with kimi, " 红包 " the token only.
    needles = tuple(" " + " ".join(p.tokens) + ("" if p.prefix else " ") for p in phrases)
    expression = db.all_of(expressions)
    subtracted = tuple(db.phrase(phrase, _expansions(db, phrase))
                       for phrase in query_phrases(" ".join(excluded)))
    if subtracted:
        expression = db.excluding(expression, db.any_of(subtracted))
    return CompiledQuery(expression, expressions, needles, subtracted)


def expression_for(db: Database, query: str) -> str | None:
    """Return the FTS5 MATCH expression for `query` on this archive (see compile_query)."""
    compiled = compile_query(db, query)
    return compiled.expression if compiled else None


def _expansions(db: Database, phrase: Phrase) -> list[str] | None:
    """Return the archive's Latin tokens that the phrase's trailing prefix stands for (None: keep `*`)."""
    last = phrase.tokens[-1]
    if not phrase.prefix or not is_latin_token(last):
        return None
    rows = db.execute("SELECT token FROM latin_tokens WHERE token >= $1 AND token < $2 LIMIT $3",
                      (last, last + "{", MAX_EXPANSIONS + 1)).fetchall()  # "{" sorts after "z"
    return None if len(rows) > MAX_EXPANSIONS else [row[0] for row in rows]


def _run(db: Database, compiled: CompiledQuery, category: str | None,
         bounds: tuple[int, int], limit: int, offset: int) -> tuple[list[Item], int, bool]:
    """Return (page of items, total hits capped at COUNT_CAP, whether capped).

    One statement fetches the newest COUNT_CAP + 1 matching rowids (FTS5 walks
    its doclists newest-first and stops): their number is the total, the first
    WINDOW of them are ranked.
    """
    cap = max(COUNT_CAP, offset + limit)
    ids = db.match_ids(compiled.expression, bounds, category, cap + 1)
    if not ids:
        return [], 0, False
    ranked = _rank(db, compiled, ids[:max(WINDOW, offset + limit)])
    page = ranked[offset:offset + limit]
    return items_by_id(db, page), min(len(ids), cap), len(ids) > cap


def _rank(db: Database, compiled: CompiledQuery, window: list[int]) -> list[int]:
    """Return the window's ids best first: title matches (x4) over body matches, blended with recency.

    The window's title tokens come from a narrow table (200 rows of about 100
    bytes), so ranking costs O(window), where FTS5's bm25() walks each phrase's
    doclist over the whole archive (2 ms for a term in 90% of 100k items).
    Term frequency is left out: a digest item names its subject once or twice.
    """
    found = dict(db.execute(f"SELECT id, ' ' || tokens || ' ' FROM item_titles WHERE id IN "
                            f"({numbered(len(window))})", window).fetchall())
    titles = [found.get(identifier, "") for identifier in window]
    # One pass over the titles per query word; the words' scores add up in query order.
    scores = [0.0] * len(window)
    for weight, needle in zip(_idf(db, compiled), compiled.needles, strict=True):
        in_title, in_body = weight * TITLE_WEIGHT, weight * BODY_WEIGHT
        scores = [score + (in_title if needle in title else in_body)
                  for score, title in zip(scores, titles, strict=True)]
    best = max(scores) or 1.0
    newest = window[0] // 1000
    decay = math.log(2) / RECENCY_HALF_LIFE_DAYS
    recency: dict[int, tuple[float, float]] = {}  # age in days -> its two decays (a day has ~14 items)
    keyed = []
    for identifier, score in zip(window, scores, strict=True):
        age = newest - identifier // 1000
        if age not in recency:
            recency[age] = (math.exp(-age * decay), 0.25 * math.exp(-age / 365))
        short, long = recency[age]
        keyed.append(((score / best) * short + long, identifier))
    keyed.sort(key=lambda pair: pair[0], reverse=True)  # stable: ties stay newest first
    return [identifier for _, identifier in keyed]


# Per database object (weak: a closed database's entry goes with it; an id could be reused).
_idf_cache: weakref.WeakKeyDictionary[Database, tuple[int, dict[str, float]]] = (
    weakref.WeakKeyDictionary())


def _idf(db: Database, compiled: CompiledQuery) -> list[float]:
    """Return each phrase's inverse document frequency (1.0 each for a one-word query).

    Document counts are capped at COUNT_CAP + 1 (an early-exit count) and cached
    until the index changes, so "AI" in 90% of items costs what a rare word does.
    """
    if len(compiled.phrase_expressions) == 1:
        return [1.0]
    current = generation(db)
    cached = _idf_cache.get(db)
    if cached is None or cached[0] != current:
        cached = (current, {})
        _idf_cache[db] = cached
    table = cached[1]
    if "" not in table:
        table[""] = float(db.execute("SELECT count(*) FROM items").fetchone()[0])
    total = table[""]
    out = []
    for expression in compiled.phrase_expressions:
        if expression not in table:
            df = db.count(expression, COUNT_CAP + 1)
            if len(table) > 10_000:
                table.clear()
                table[""] = total
            table[expression] = math.log(1 + (total - df + 0.5) / (df + 0.5))
        out.append(table[expression])
    return out


def items_by_id(db: Database, ids: list[int]) -> list[Item]:
    """Return the items with these ids, in the order given (missing ids are skipped)."""
    if not ids:
        return []
    rows = db.execute(f"SELECT * FROM items WHERE id IN ({numbered(len(ids))})",
                      ids).fetchall()
    by_id = {row[0]: row_to_item(row) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def count_matches(db: Database, query: str) -> int:
    """Return how many items match `query` (capped at COUNT_CAP + 1), without typo correction."""
    expression = expression_for(db, query)
    if expression is None:
        return 0
    return db.count(expression, COUNT_CAP + 1)



def weekly_counts(db: Database, query: str) -> Trend:
    """Return the items matching `query` (as /search matches, without typo correction) per week.

    The weeks run from the archive's first digest to its last, Monday to Sunday.
    """
    query, compiled, _ = _prepare(db, query, None)
    if isinstance(compiled, Refused):
        return Trend(query, 0, (), compiled.code)
    first, last = db.execute("SELECT min(date), max(date) FROM digests").fetchone()
    if first is None:
        return Trend(query, 0, ())
    counts: dict[dt.date, int] = {}
    for rowid in db.match_ids(compiled.expression):
        day = dt.date.fromordinal(rowid // 1000)
        monday = day - dt.timedelta(days=day.weekday())
        counts[monday] = counts.get(monday, 0) + 1
    start, end = (dt.date.fromisoformat(d) for d in (first, last))
    week = start - dt.timedelta(days=start.weekday())
    weeks = []
    while week <= end:
        weeks.append((week, counts.get(week, 0)))
        week += dt.timedelta(days=7)
    return Trend(query, sum(counts.values()), tuple(weeks))


# --- typo correction ------------------------------------------------------------

_vocabulary_cache: weakref.WeakKeyDictionary[Database, tuple[int, list[str], list[str]]] = (
    weakref.WeakKeyDictionary())


def _latin_vocabulary(db: Database) -> tuple[list[str], list[str]]:
    """Return (lower-cased terms, display forms) of the archive's Latin words, cached per generation."""
    key = db
    current = generation(db)
    cached = _vocabulary_cache.get(key)
    if cached is None or cached[0] != current:
        rows = db.execute("SELECT term, display FROM terms ORDER BY items DESC").fetchall()
        cached = (current, [r[0] for r in rows], [r[1] for r in rows])
        _vocabulary_cache[key] = cached
    return cached[1], cached[2]


def correct_query(db: Database, query: str, missed: str | None = None) -> str | None:
    """Return `query` with each word that finds nothing replaced by the closest archive word, or None.

    `missed`: an expression known to find nothing (the whole query's, when it was
    searched without filters); a word with that expression is not looked up again.
    An excluded word (`-词`) is kept as written: "correcting" it would exclude something else.
    """
    words = query.split()
    wanted = split_query(query)[0]
    found: dict[str, str | None] = {}  # word -> its correction (None: it finds items, or no better)
    for word in dict.fromkeys(w for w in words[:MAX_CORRECTED_WORDS] if w in wanted):
        expression = expression_for(db, word)
        if expression is not None and expression != missed \
                and db.count(expression, COUNT_CAP + 1):
            found[word] = None
        else:
            found[word] = correct_word(db, word)
    if not any(found.values()):
        return None
    return " ".join(found.get(word) or word for word in words)


def correct_word(db: Database, word: str) -> str | None:
    """Return the archive's closest spelling of `word` (Antropic -> Anthropic, 阶跃星晨 -> 阶跃星辰)."""
    if searchable_length(word) < 2:
        return None
    if is_cjk(word):
        return _correct_cjk(db, normalize(word))
    from rapidfuzz import fuzz, process  # here: typo correction only (start-up of exact queries)

    terms, display = _latin_vocabulary(db)
    match = process.extractOne(word.lower(), terms, scorer=fuzz.ratio,
                               score_cutoff=MIN_FUZZY_SCORE + 10)
    return display[match[2]] if match else None


def _correct_cjk(db: Database, word: str) -> str | None:
    """Find the archive's text closest to a CJK word that has no hits.

    The longest pieces of the word that do occur are looked up; around each
    occurrence, windows of the word's length (±1 for a missing or extra
    character) aligned with the piece are scored with Levenshtein similarity.
    Only all-CJK pieces are looked up (a window must be all CJK, so a piece
    with anything else in it can never give one), each once, and at most
    MAX_CJK_PROBES of them: a long mixed query such as `OpenAI发布GPT模型更新`
    made 70 look-ups (0.8 s on PostgreSQL).
    """
    from rapidfuzz.distance import Levenshtein  # here: typo correction only

    length = len(word)
    candidates: dict[str, tuple[float, int]] = {}  # window -> (score, occurrences)
    looked_up: set[str] = set()
    # others[i]: how many of word[:i] are not CJK, so "is this piece all CJK" costs O(1) (checking
    # each piece character by character made a 200-character word cost seconds)
    others = [0]
    for char in word:
        others.append(others[-1] + (not is_cjk(char)))
    for size in range(length - 1, 1, -1):
        if len(looked_up) >= MAX_CJK_PROBES:
            break
        for start in range(0, length - size + 1):
            if len(looked_up) >= MAX_CJK_PROBES:
                break
            piece = word[start:start + size]
            if piece in looked_up or others[start + size] != others[start]:
                continue
            looked_up.add(piece)
            expression = expression_for(db, piece)
            if expression is None:
                continue
            for item in items_by_id(db, db.match_ids(expression, limit=30)):
                text = normalize(item.title + " " + item.summary)
                at = text.find(piece)
                while at >= 0:
                    begin = max(at - start, 0)
                    for width in (length, length - 1, length + 1):
                        window = text[begin:begin + width]
                        if len(window) < 2 or window == word or not all(map(is_cjk, window)):
                            continue
                        # Edit similarity; a changed length costs a little more than a typo.
                        score = 100 * Levenshtein.normalized_similarity(word, window) \
                            - abs(width - length)
                        seen = candidates.get(window, (score, 0))
                        candidates[window] = (score, seen[1] + 1)
                    at = text.find(piece, at + 1)
        if candidates:
            break
    best = max(candidates.items(), key=lambda kv: kv[1], default=None)
    return best[0] if best and best[1][0] >= MIN_FUZZY_SCORE else None


def newest_matches(db: Database, query: str, category: str | None = None,
                   limit: int = 20) -> SearchResult:
    """Return the newest `limit` items matching `query` (as search matches them, without typo
    correction), newest first; `total` is how many were returned. A refused query or an unknown
    category gives a message, as search does."""
    query, compiled, resolved = _prepare(db, query, category)
    if isinstance(compiled, Refused):
        return SearchResult(query, [], 0, message=compiled.code)
    items = items_by_id(db, db.match_ids(compiled.expression, ALL_IDS, resolved, limit))
    return SearchResult(query, items, len(items))


