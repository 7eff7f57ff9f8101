""""What happened with X": resolve X through the alias table, find its items, group them into stories.

Grouping compares what each item says *about X*: the sentences that name X
(an item can be a digest of many events). Two items are one story when those
sentences share a marker (an amount of money such as 50亿 or 200亿美元, or a
versioned name such as K2.5) and some wording, or share most of their wording
and have no conflicting markers (10亿 vs 5亿 red packets are two stories).
Pairs join strongest first (A~B and B~C joins A, B, C) unless that would put
conflicting amounts into one story.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import threading
import weakref
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from storage.backend import ALL_IDS, Database
from storage.digests import newest_date
from storage.index import day_ids, generation, row_to_item
from storage.model import Item, Refusal, Story, WhatResult
from storage.search import correct_word, expression_for, items_by_id
from storage.text import normalize, searchable_length, token_set, tokens

ALIASES_FILE = Path(__file__).with_name("aliases.json")
MAX_ITEMS = 120  # newest items considered for a timeline
MAX_REMEMBERED_ITEMS = 2_000  # items per database whose words grouping keeps (see _features)
SHARED_MARKER_SIMILARITY = 0.15
WORDING_SIMILARITY = 0.6

_SENTENCE_ENDS = "。！？；!?;"  # and a line break: a sentence is a run of anything else
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万亿|千亿|百亿|亿|万)\s*(美元)?")
_VERSION = re.compile(r"[a-z][a-z\-]*\s?\d+(?:\.\d+)+")


@functools.lru_cache(maxsize=4)
def load_aliases(path: Path = ALIASES_FILE) -> tuple[tuple[str, ...], ...]:
    """Return the alias groups from the editable JSON file."""
    groups = json.loads(path.read_text(encoding="utf-8"))["groups"]
    return tuple(tuple(str(name) for name in group) for group in groups if group)


def resolve_names(name: str, aliases: tuple[tuple[str, ...], ...] | None = None) -> tuple[str, ...]:
    """Return every name X is known by: its alias group (exact, then fuzzy), else X itself."""
    aliases = aliases if aliases is not None else load_aliases()
    wanted = normalize(name.strip())
    names, groups = _normalized_aliases(aliases)
    if wanted in names:
        return groups[names.index(wanted)]
    from rapidfuzz import fuzz, process  # here: only a name that is no alias needs it (start-up)

    match = process.extractOne(wanted, names, scorer=fuzz.ratio, score_cutoff=85)
    if match:
        return groups[match[2]]
    return (name.strip(),)


@functools.lru_cache(maxsize=4)
def _normalized_aliases(aliases: tuple[tuple[str, ...], ...]
                        ) -> tuple[list[str], list[tuple[str, ...]]]:
    """Return every alias normalized, and the group of each (in file order)."""
    flat = [(normalize(n), group) for group in aliases for n in group]
    return [n for n, _ in flat], [g for _, g in flat]


def what(db: Database, name: str, max_items: int = MAX_ITEMS) -> WhatResult:
    """Return the stories about `name`, oldest first (typos corrected when nothing matches)."""
    name = " ".join(name.split())[:100]
    if not name:
        return WhatResult(name, (), [], message=Refusal.EMPTY)
    if searchable_length(name) < 2:
        return WhatResult(name, (), [], message=Refusal.TOO_SHORT)
    names = resolve_names(name)
    items = _items_naming(db, names, max_items)
    corrected = None
    if not items and len(names) == 1:
        better = correct_word(db, name) if " " not in name else None
        if better:
            names = resolve_names(better)
            items = _items_naming(db, names, max_items)
            corrected = better if items else None
    return WhatResult(name, names, group_stories(items, names, db), corrected=corrected)


def _items_naming(db: Database, names: tuple[str, ...], limit: int,
                  bounds: tuple[int, int] | None = None) -> list[Item]:
    """Return the newest `limit` items that mention any of `names`, oldest first.

    `bounds` (lowest id, highest id), if given, restricts the search to that id
    range: a date range, since ids encode dates.
    """
    expressions = [e for e in (expression_for(db, n) for n in names) if e]
    if not expressions:
        return []
    ids = db.match_ids(db.any_of(expressions), bounds or ALL_IDS, limit=limit)
    return items_by_id(db, sorted(ids))


def week_board(db: Database, end_date: str, days: int = 7) -> list[Story]:
    """Return the stories of the `days` days ending `end_date` (inclusive), most reported first.

    Each alias group's items in the window are grouped as /what groups them;
    duplicate stories (the same items found through two groups) and stories
    contained in a bigger one are dropped; the window's remaining items are
    grouped by their title and summary. Ranked by number of dates, number of
    items, newest date, then position in the digest. Raises ValueError for a
    date that is not YYYY-MM-DD or for `days` < 1.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    end = dt.date.fromisoformat(end_date)
    start = end - dt.timedelta(days=days - 1)
    bounds = (day_ids(start.isoformat())[0], day_ids(end.isoformat())[1])
    window = [row_to_item(row) for row in db.execute(
        "SELECT * FROM items WHERE id BETWEEN $1 AND $2 ORDER BY id", bounds).fetchall()]
    if not window:
        return []
    found = []
    by_id = {item.id: item for item in window}
    groups = []  # (alias group, its names' expressions ORed) for the groups with searchable text
    for group in load_aliases():
        expressions = [e for e in (expression_for(db, name) for name in group) if e]
        if expressions:
            groups.append((group, db.any_of(expressions)))
    # Every group's matches in the week at once, read from the window's rows.
    matches = db.match_ids_each([expression for _, expression in groups], bounds)
    for (group, _), ids in zip(groups, matches, strict=True):
        naming = [by_id[i] for i in sorted(ids) if i in by_id]
        if naming:
            found.extend(group_stories(naming, group, db))
    kept = _distinct_stories(found)
    covered = {item.id for story in kept for item in story.items}
    rest = [item for item in window if item.id not in covered]
    kept.extend(group_stories(rest, (), db))
    kept.sort(key=lambda s: (-len(s.dates), -len(s.items), _negated_date(s.dates[-1]),
                             s.items[0].position))
    return kept


def week_or_newest(db: Database, end: str | None, days: int = 7) -> tuple[str | None, list[Story]]:
    """Return the week's last day (`end`, else the newest digest's date; None for an empty
    archive) and the stories of the `days` days ending then (see week_board)."""
    end = end or newest_date(db)
    return end, (week_board(db, end, days) if end else [])


def _distinct_stories(stories: list[Story]) -> list[Story]:
    """Return `stories` without repeats (same items: the first is kept) and without strict subsets."""
    unique: dict[frozenset[int | None], Story] = {}
    for story in stories:
        unique.setdefault(frozenset(item.id for item in story.items), story)
    sets = list(unique)
    return [story for ids, story in unique.items() if not any(ids < other for other in sets)]


def _negated_date(date: str) -> int:
    """Return a sort key that puts newer YYYY-MM-DD dates first."""
    return -dt.date.fromisoformat(date).toordinal()


def _context(item: Item, in_sentence: re.Pattern[str]) -> str:
    """Return the sentences of `item` that name X (normalized); its title and summary if none do.

    `in_sentence` matches a name (ignoring case) and never a sentence end, so
    each match lies inside one sentence: the text is searched once and each
    match widened to its sentence, and only those sentences are normalized
    (normalizing whole items was 40% of grouping; splitting every item into
    sentences and searching each, another 15%).
    """
    text = "\n".join((item.title, item.summary, item.background, item.analysis, *item.points))
    for end in _SENTENCE_ENDS:
        text = text.replace(end, "\n")
    hits = []
    found = in_sentence.search(text)
    while found:
        start = text.rfind("\n", 0, found.start()) + 1
        stop = text.find("\n", found.end())
        if stop < 0:
            hits.append(text[start:])
            break
        hits.append(text[start:stop])
        found = in_sentence.search(text, stop + 1)
    return normalize("\n".join(hits) if hits else f"{item.title}\n{item.summary}")


def _forms(names: tuple[str, ...]) -> set[str]:
    """Return every name as written and normalized (spaces around it dropped)."""
    return {form for n in names if n.strip() for form in (n.strip(), normalize(n.strip()))}


def _any_of(forms: set[str]) -> re.Pattern[str]:
    """Return a pattern that finds any of `forms`, ignoring case (none: one that finds nothing)."""
    return re.compile("|".join(map(re.escape, sorted(forms))) or "(?!)", re.IGNORECASE)


def _markers(text: str) -> set[str]:
    """Return the amounts of money (50亿, 200亿美元) and versioned names (k2.5) in normalized `text`."""
    amounts = {f"{float(n):g}{unit}{usd or ''}" for n, unit, usd in _AMOUNT.findall(text)}
    return amounts | {v.replace(" ", "") for v in _VERSION.findall(text)}


def group_stories(items: list[Item], names: tuple[str, ...],
                  db: Database | None = None) -> list[Story]:
    """Return `items` grouped into stories; stories and their items in date order.

    `db`: the items' database, to keep their words until its content changes.
    """
    wanted = _any_of(_forms(names))
    features = _features(items, names, db)
    parent = list(range(len(items)))
    members = {i: [i] for i in range(len(items))}  # root -> the items of its group
    marked = {i: [f[2]] if f[2] else [] for i, f in enumerate(features)}  # root -> its items' markers

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Strongest pairs first; two groups never join when they hold items with
    # conflicting markers (an article retelling two red-packet campaigns must
    # not chain them into one story).
    pairs = sorted(_similar_pairs(features), reverse=True)
    for _, i, j in pairs:
        a, b = root(i), root(j)
        if a == b:
            continue
        if any(not x & y for x in marked[a] for y in marked[b]):
            continue  # an item of each names amounts or versions, and none agree
        parent[b] = a
        members[a].extend(members.pop(b))
        marked[a].extend(marked.pop(b))
    stories = []
    for group in members.values():
        story = sorted((items[i] for i in group), key=lambda it: (it.date, it.position))
        # The shortest title that names X reads best as the story's headline.
        naming = [m.title for m in story if wanted.search(m.title)]
        headline = min(naming, key=len) if naming else story[0].title
        dates = tuple(sorted({m.date for m in story}))
        stories.append(Story(title=headline, items=tuple(story), dates=dates))
    stories.sort(key=lambda s: (s.dates[0], s.items[0].position))
    return stories


@dataclass
class _Words:
    """Items' features as group_stories compares them, for one set of names (see _features)."""

    bits: dict[str, int] = field(default_factory=dict)  # word -> its bit in the masks
    items: dict[int, tuple[int, int, frozenset[str]]] = field(default_factory=dict)  # id -> feature


# Database -> (its index generation, names -> their _Words). One lock: two threads must not
# number new words at once.
_remembered: weakref.WeakKeyDictionary[Database, tuple[int, dict[tuple[str, ...], _Words]]] = \
    weakref.WeakKeyDictionary()
_remembered_lock = threading.Lock()


def _features(items: list[Item], names: tuple[str, ...],
              db: Database | None) -> list[tuple[int, int, frozenset[str]]]:
    """Return each item's (word bit mask, number of words, markers), as group_stories compares them.

    An item's words are the index tokens of what it says about X (`_context`),
    without the names' own tokens; its mask has a bit per word, so a pair's
    overlap is one AND and a popcount (120 items are 7,140 pairs).

    Normalizing and tokenizing is most of grouping's time, and asking about X
    again finds the same items, so with `db` every item's feature is kept per
    set of names until the index changes (storage.index.generation), for up
    to MAX_REMEMBERED_ITEMS items.
    """
    if db is None or any(item.id is None for item in items):
        return _add_features(_Words(), items, names, keep=False)
    current = generation(db)
    with _remembered_lock:
        seen, by_names = _remembered.get(db, (None, {}))
        if seen != current or sum(len(w.items) for w in by_names.values()) > MAX_REMEMBERED_ITEMS:
            by_names = {}
            _remembered[db] = (current, by_names)
        return _add_features(by_names.setdefault(names, _Words()), items, names, keep=True)


def _add_features(known: _Words, items: list[Item], names: tuple[str, ...],
                  keep: bool) -> list[tuple[int, int, frozenset[str]]]:
    """Return the features of `items`, computing those `known` lacks (kept there if `keep`)."""
    missing = [item for item in items if item.id not in known.items] if keep else items
    if missing:
        name_tokens = {t for n in names for t in tokens(n)}
        # A name with a sentence end in it can never be inside a sentence.
        in_sentence = _any_of({form for form in _forms(names)
                               if not any(c in _SENTENCE_ENDS + "\n" for c in form)})
        contexts = [_context(item, in_sentence) for item in missing]
        words = [token_set(context) - name_tokens for context in contexts]
        bits = known.bits
        for word in dict.fromkeys(chain.from_iterable(words)):
            if word not in bits:
                bits[word] = 1 << len(bits)
        computed = [(sum(map(bits.__getitem__, item_words)), len(item_words),
                     frozenset(_markers(context)))
                    for context, item_words in zip(contexts, words, strict=True)]
        if not keep:
            return computed
        known.items.update(zip((item.stored_id for item in missing), computed, strict=True))
    return [known.items[item.stored_id] for item in items]


def _similar_pairs(features: list[tuple[int, int, frozenset[str]]]) -> list[tuple[float, int, int]]:
    """Return (similarity, i, j), i < j, for every pair of items that may report the same event.

    Each feature is (word bit mask, number of words, markers). Similarity is the
    overlap coefficient, not Jaccard: a long article paragraph may retell a
    short item. It must reach SHARED_MARKER_SIMILARITY when the two share a
    marker, WORDING_SIMILARITY when they do not both have markers; conflicting
    markers never pair.

    120 items are 7,140 pairs, so the loop does as little per pair as it can:
    pairs with a shared marker come from each marker's items; the others are
    visited smallest item first, so the smaller of a pair (the overlap's
    divisor) is the outer one and its threshold is a whole number of shared
    words, computed once per item.
    """
    pairs = []
    holders: dict[str, list[int]] = {}  # marker -> the items naming it
    for i, (_, size, markers) in enumerate(features):
        if size:
            for marker in markers:
                holders.setdefault(marker, []).append(i)
    sharing = {(i, j) for group in holders.values() for n, i in enumerate(group) for j in group[n + 1:]}
    for i, j in sharing:
        mask_a, size_a, _ = features[i]
        mask_b, size_b, _ = features[j]
        similarity = (mask_a & mask_b).bit_count() / (size_a if size_a < size_b else size_b)
        if similarity >= SHARED_MARKER_SIMILARITY:
            pairs.append((similarity, i, j))

    order = sorted((i for i, f in enumerate(features) if f[1]), key=lambda i: features[i][1])
    masks = [features[i][0] for i in order]
    # Positions (in `order`) of the items without markers, the only partners of one with markers.
    plain = [n for n, i in enumerate(order) if not features[i][2]]
    plain_masks = [masks[n] for n in plain]
    for n, i in enumerate(order):
        mask_a, size_a, markers_a = features[i]
        need = _least_shared(size_a, WORDING_SIMILARITY)
        if markers_a:
            start = bisect_right(plain, n)
            hits = [plain[m] for m, mask_b in enumerate(plain_masks[start:], start)
                    if (mask_a & mask_b).bit_count() >= need]
        else:
            hits = [m for m, mask_b in enumerate(masks[n + 1:], n + 1)
                    if (mask_a & mask_b).bit_count() >= need]
        for m in hits:
            j = order[m]
            pairs.append(((mask_a & masks[m]).bit_count() / size_a, min(i, j), max(i, j)))
    return pairs


@functools.lru_cache(maxsize=1024)
def _least_shared(size: int, threshold: float) -> int:
    """Return the fewest shared words c with c / size >= threshold, as the float division has it."""
    return next(c for c in range(size + 1) if c / size >= threshold)
