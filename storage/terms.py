"""An item's terms, for what is hot (storage/hot.py): extracted once, at ingest, and kept.

An item's terms come from its title and summary:
- each alias group (storage/aliases.json) it names is one term, named by the group's first name
  (千问 for 通义千问, Qwen, 通义);
- Latin names are kept whole as written, including their versions and following capitalised
  words (`GPT-5.3`, `Manus`, `Kimi K2.5`, `Claude Opus 4.6`); a leading company name is dropped
  when a product name follows (`OpenAI GPT-5.3` -> `GPT-5.3`);
- the Chinese text is segmented with rjieba (jieba-rs), the alias names and the words of
  storage/hot_words.json added to its dictionary so they stay whole; words of 2+ characters count.
Stop words (generic news wording, category names, the digests' boilerplate: hot_words.json's
"stop") never count. An item counts once per term (Latin terms compared ignoring case).

Stored per item as one row of `item_terms` (the terms joined by tabs: one compact row per item,
cheap beside the full-text rows), with `term_first_seen` (each term's first item id, by the
lower-cased term) kept up to date per batch of digests. The segmentation runs in ingest's worker
processes (storage.index.digest_rows), so it costs the writing process nothing.

A change of the extractor (EXTRACTOR_VERSION, aliases.json, hot_words.json) changes its
`fingerprint`; the next scan then re-extracts every item from the items table (`fill_terms`),
as it does for an index built before terms existed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from storage.backend import Database
from storage.text import FULL_WIDTH

if TYPE_CHECKING:
    import rjieba

EXTRACTOR_VERSION = 1  # bump when the extraction changes: every item is re-extracted on the next scan
WORDS_FILE = Path(__file__).with_name("hot_words.json")
ALIASES_FILE = Path(__file__).with_name("aliases.json")
SEPARATOR = "\t"  # between an item's terms in item_terms.terms (no term has one)
FILL_CHUNK = 2000  # items re-extracted per transaction by fill_terms
MAX_NAME_WORDS = 4  # a longer run of Latin words is a sentence, not a name: its words count alone
# jieba's part-of-speech tags of words that can be terms: nouns, person / place / organisation
# names, other proper nouns, abbreviations, time words (春节) and unknown words (x: new names).
NAME_TAGS = frozenset({"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "ng", "j", "t", "x"})
MAX_VERDICTS = 200_000
# A segmenter's word -> the term it counts as, (folded, as written), or () (see _verdict).
_verdicts: dict[str, tuple[str, str] | tuple[()]] = {}
_latin_runs: dict[str, tuple[tuple[str, str], ...]] = {}  # a run of Latin words -> its terms
_LEADING_LETTERS = re.compile(r"(?<![a-z0-9])[a-z]+")  # a Latin word's leading letters, lower-cased

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_CJK_WORD = re.compile(rf"[{_CJK}]{{2,}}")
_LATIN_WORD = r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*"
_LATIN_NEXT = r"[A-Z0-9][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*"  # a capitalised word or a version
_LATIN_NAME = re.compile(rf"(?<![A-Za-z0-9]){_LATIN_WORD}(?: {_LATIN_NEXT})*")


@functools.lru_cache(maxsize=1)
def _word_lists() -> tuple[tuple[str, ...], frozenset[str]]:
    """Return (the words the segmenter keeps whole, the stop words lower-cased) of hot_words.json."""
    data = json.loads(WORDS_FILE.read_text(encoding="utf-8"))
    return tuple(data["words"]), frozenset(fold(word) for word in data["stop"])


@functools.lru_cache(maxsize=1)
def _alias_groups() -> tuple[tuple[str, ...], ...]:
    groups = json.loads(ALIASES_FILE.read_text(encoding="utf-8"))["groups"]
    return tuple(tuple(str(name) for name in group) for group in groups if group)


def _nfkc(text: str) -> str:
    """Return `text` NFKC-normalized; the full-width punctuation replaced first (as storage/text.py
    does), which leaves most text normalized already and NFKC's quick check 30x cheaper."""
    for full, half in FULL_WIDTH:
        text = text.replace(full, half)
    return unicodedata.normalize("NFKC", text)


def fold(text: str) -> str:
    """Return `text` NFKC-normalized and lower-cased: how terms are compared (and keyed in
    term_first_seen)."""
    return unicodedata.normalize("NFKC", text).lower()


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """Return what identifies this extractor: its version and the word lists it uses."""
    digest = hashlib.sha256(str(EXTRACTOR_VERSION).encode())
    for path in (ALIASES_FILE, WORDS_FILE):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """Return each folded alias name's group term (the group's first name, as written)."""
    group_of: dict[str, str] = {}
    for group in _alias_groups():
        for name in group:
            group_of.setdefault(fold(name), group[0])
    return group_of


@functools.lru_cache(maxsize=1)
def _skipped() -> frozenset[str]:
    """Return the segmenter's words that are no term of their own: stop words and alias names."""
    return _word_lists()[1] | frozenset(_aliases())


@functools.lru_cache(maxsize=1)
def _segmenter() -> rjieba.Jieba:
    """Return the segmenter with the alias names and hot_words.json's words added, once per
    process. It is rjieba's own default instance, which importing rjieba builds (0.1 s: its
    dictionary); a second instance would cost each ingest worker as much again. Nothing else in
    a process of ours segments text, so the added words change no one else's cuts."""
    import rjieba  # here: only ingest needs it, and `digestbot --help` must start fast

    jieba = rjieba._DEFAULT_JIEBA
    words, _ = _word_lists()
    for word in (*words, *(name for group in _alias_groups() for name in group)):
        if _CJK_WORD.search(word):
            jieba.add_word(fold(word), None, "nz")
    return jieba


def item_terms(title: str, summary: str) -> list[str]:
    """Return the terms of an item with this title and summary, each once, in order of appearance."""
    return list(keyed_terms(title, summary).values())


def keyed_terms(title: str, summary: str) -> dict[str, str]:
    """Return the terms of an item by their folded form (see `fold`), each as written.

    Alias names are found as words: a Chinese one among the segmenter's words (the segmenter
    keeps every alias name whole), a Latin one by a Latin word's leading letters (GPT in GPT-5.3,
    Qwen in Qwen3; Meta is not Metaverse), one of several words (Moonshot AI) as written.
    """
    text = _nfkc(f"{title}\n{summary}")
    folded_text = text.lower()
    group_of = _aliases()
    _, stop = _word_lists()
    found: dict[str, str] = {}  # folded -> as written
    latin = _latin_runs
    for run in _LATIN_NAME.findall(text):
        run_terms = latin.get(run)
        if run_terms is None:
            run_terms = _latin_run_terms(run, group_of, stop)
        for folded, name in run_terms:
            found.setdefault(folded, name)
    # The text is folded already, so the segmenter's words are their own folded form. (It never
    # joins Chinese and Latin characters in one word: Latin words are skipped as not Chinese.)
    # Each distinct word is judged once per process; an item's words are then looked up in C
    # (map, filter), not one by one in Python: most of them are no term.
    words = _segmenter().cut(folded_text)
    verdicts = _verdicts
    unknown = set(words).difference(verdicts)
    if unknown:
        if len(verdicts) + len(unknown) > MAX_VERDICTS:
            verdicts.clear()
            unknown = set(words)
        for word in unknown:
            verdicts[word] = _verdict(word, group_of)
    for folded, name in filter(None, map(verdicts.__getitem__, words)):
        found.setdefault(folded, name)
    return found


def _latin_run_terms(run: str, group_of: dict[str, str],
                     stop: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """Return the terms (folded, as written) of a run of Latin words, and remember them (per
    process, up to MAX_VERDICTS runs: the same names recur in item after item)."""
    folded_run = run.lower()
    out: dict[str, str] = {}
    for lead in _LEADING_LETTERS.findall(folded_run):
        if lead in group_of:
            group = group_of[lead]
            out.setdefault(group.lower(), group)
    if " " in folded_run:
        for name in _latin_phrase_aliases():
            if name in folded_run:
                group = group_of[name]
                out.setdefault(group.lower(), group)
    for name in _latin_names(run, group_of):
        folded = name.lower()
        if folded not in stop and folded not in group_of:
            out.setdefault(folded, name)
    if len(_latin_runs) >= MAX_VERDICTS:
        _latin_runs.clear()
    _latin_runs[run] = found = tuple(out.items())
    return found


@functools.lru_cache(maxsize=1)
def _latin_phrase_aliases() -> tuple[str, ...]:
    """Return the folded Latin alias names of several words (Moonshot AI)."""
    return tuple(name for name in _aliases() if name.isascii() and " " in name)


def _verdict(word: str, group_of: dict[str, str]) -> tuple[str, str] | tuple[()]:
    """Return the term a word of the segmenter counts as, (folded, as written), or () for none.

    A Chinese word of 2+ characters, no stop word or alias name, that the dictionary tags as a
    noun, name, place, organisation, time or abbreviation, or does not know (a new name the
    segmenter's HMM found: split into characters when tagged alone), is a term of its own; an
    alias name counts as its group. Verbs, adjectives, adverbs, numbers and function words are
    never terms.

    Each distinct word is tagged once, alone (tagging text is 10x slower than segmenting it)."""
    if len(word) > 1 and word not in _skipped() and _CJK_WORD.fullmatch(word):
        tags = _segmenter().tag(word, False)  # without the HMM: 0.4 µs, not 50 (its set-up)
        if len(tags) != 1 or tags[0][1] in NAME_TAGS:
            return word, word
        return ()
    if word in group_of:
        group = group_of[word]
        return group.lower(), group
    return ()


def _latin_names(run: str, group_of: dict[str, str]) -> list[str]:
    """Return the names in a run of Latin words (`OpenAI GPT-5.3 Codex`): the run, without a leading
    alias name that a product name follows; a run too long to be a name gives its words."""
    words = run.split(" ")
    if len(words) > MAX_NAME_WORDS:
        return [word for word in words if len(word) >= 2 and not word.isdigit()]
    # `OpenAI GPT-5.3` is GPT-5.3 (OpenAI is counted by its group); `Kimi K2.5` stays whole
    # (what follows is a version, not a name).
    if len(words) > 1 and fold(words[0]) in group_of and re.match(r"[A-Za-z]{2}", words[1]):
        words = words[1:]
    name = " ".join(words)
    return [name] if len(name) >= 2 else []


def key_of(stored_term: str) -> str:
    """Return a stored term's folded form (stored terms are NFKC-normalized already: lower-casing
    is all that is left of `fold`)."""
    return stored_term.lower()


def packed(terms: Iterable[str]) -> str:
    """Return terms as stored in item_terms.terms."""
    return SEPARATOR.join(terms)


def unpacked(stored: str) -> list[str]:
    """Return the terms stored in item_terms.terms."""
    return stored.split(SEPARATOR) if stored else []


# --- keeping item_terms and term_first_seen --------------------------------------------------


def forget_days(db: Database, bounds: Sequence[tuple[int, int]]) -> set[str]:
    """Delete the terms of the items in the id ranges `bounds` (digests about to be replaced);
    return the terms first seen there, whose first item must be found again (`refind_first`).

    Runs inside the caller's transaction.
    """
    lost: set[str] = set()
    for first, last in bounds:
        lost |= {row[0] for row in db.execute(
            "SELECT term FROM term_first_seen WHERE first_id BETWEEN $1 AND $2", (first, last))}
        db.execute("DELETE FROM term_first_seen WHERE first_id BETWEEN $1 AND $2", (first, last))
        db.execute("DELETE FROM item_terms WHERE id BETWEEN $1 AND $2", (first, last))
    return lost


# A term's first item: inserted, or moved earlier (never later: a replaced digest's terms are
# forgotten first, see forget_days).
_MOVE_FIRST = ("(term) DO UPDATE SET first_id = excluded.first_id "
               "WHERE excluded.first_id < term_first_seen.first_id")


def digest_terms(items: Sequence[tuple[int, str, str]]) -> tuple[list[tuple[int, str]], dict[str, int]]:
    """Return the item_terms rows of (id, title, summary) items in id order, and each term's first
    item among them (by folded term): what `record` writes."""
    rows: list[tuple[int, str]] = []
    first: dict[str, int] = {}
    for identifier, title, summary in items:
        keyed = keyed_terms(title, summary)
        rows.append((identifier, packed(keyed.values())))
        for key in keyed:
            first.setdefault(key, identifier)
    return rows, first


def record(db: Database, rows: Sequence[tuple[int, str]], firsts: Iterable[dict[str, int]]) -> None:
    """Store items' packed terms (id, terms) and move each term's first item earlier where these
    items come first (`firsts`: each digest's first item per term, see digest_terms). One
    statement per table for a whole batch of digests; a term's row is written only when its first
    item moves (most terms of an ingest were seen before)."""
    if not rows:
        return
    db.insert_rows("item_terms", rows)
    first: dict[str, int] = {}
    for digest_first in firsts:
        for key, identifier in digest_first.items():
            if identifier < first.get(key, identifier + 1):
                first[key] = identifier
    db.upsert_rows("term_first_seen", sorted(first.items()), _MOVE_FIRST)


def refind_first(db: Database, lost: set[str], after: int) -> None:
    """Find the first item again of each term in `lost` (terms first seen in a replaced digest, so
    no item before id `after` has them): one pass, in id order, over the stored items from `after`
    on, for a whole batch. A term no item names any more keeps no row; one that the batch's new
    digests named (`record`, before this) moves to an earlier item if one names it."""
    if not lost:
        return
    missing = set(lost)
    found: dict[str, int] = {}
    for identifier, stored in db.execute(
            "SELECT id, terms FROM item_terms WHERE id >= $1 ORDER BY id", (after,)):
        for term in unpacked(stored):
            folded = key_of(term)
            if folded in missing:
                missing.discard(folded)
                found[folded] = identifier
        if not missing:
            break
    db.upsert_rows("term_first_seen", sorted(found.items()), _MOVE_FIRST)


def mark_current(db: Database) -> None:
    """Record that the stored terms are this extractor's, unless the index already names one
    (a new index: its first digests are extracted by this one)."""
    db.execute("INSERT INTO meta VALUES ('terms', $1) ON CONFLICT (key) DO NOTHING", (fingerprint(),))


def stored_fingerprint(db: Database) -> str | None:
    """Return the fingerprint of the extractor that made the stored terms (None: no item yet)."""
    row = db.execute("SELECT value FROM meta WHERE key = 'terms'").fetchone()
    return row[0] if row else None


def terms_current(db: Database) -> bool:
    """Return True when every item's stored terms are this extractor's."""
    return stored_fingerprint(db) in (None, fingerprint())


def fill_terms(db: Database, on_progress: Callable[[int], None] | None = None) -> int:
    """Re-extract the terms of every item when the stored ones are not this extractor's (an index
    built before terms existed, or aliases.json / hot_words.json edited); return how many items
    were done (0 when nothing was needed).

    From the items table, not the files (which may be gone): in chunks of FILL_CHUNK items, each
    read, extracted and written in one short transaction, so other writers wait at most one chunk.
    Digests indexed meanwhile get their terms from ingest, as usual.
    """
    if terms_current(db):
        return 0
    with db.transaction():
        db.execute("DELETE FROM item_terms")
        db.execute("DELETE FROM term_first_seen")
    done, after = 0, -1
    while True:
        with db.transaction():
            rows = db.execute("SELECT id, title, summary FROM items WHERE id > $1 ORDER BY id "
                              f"LIMIT {FILL_CHUNK}", (after,)).fetchall()
            if not rows:
                break
            after = rows[-1][0]
            db.execute("DELETE FROM item_terms WHERE id BETWEEN $1 AND $2", (rows[0][0], after))
            chunk_rows, first = digest_terms(rows)
            record(db, chunk_rows, [first])
        done += len(rows)
        if on_progress:
            on_progress(done)
    with db.transaction():
        db.execute("INSERT INTO meta VALUES ('terms', $1) ON CONFLICT (key) DO UPDATE "
                   "SET value = excluded.value", (fingerprint(),))
        from storage.index import bump_generation  # here: storage.index imports this module

        bump_generation(db)
    return done
