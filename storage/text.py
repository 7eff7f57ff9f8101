"""Text -> search tokens: overlapping CJK bigrams plus lower-cased Latin words and numbers.

Both the indexed text and the query go through `tokens()`, so they agree. An
FTS5 `unicode61` table indexes the tokens as space-separated words; a query
becomes one FTS5 phrase per whitespace-separated word (see `match_expression`).

Why this finds every item that contains a CJK query as a substring: a CJK run
"阶跃星辰完成" is indexed as 阶跃 跃星 星辰 辰完 完成 成 (bigrams, then the run's
last character alone), so any substring of 2+ characters is a sequence of
consecutive bigrams: a phrase query. The trailing unigram lets a query that
ends a CJK run and continues with Latin ("50亿元B+轮" -> ... 元 b 轮) line up.
Latin runs are split at letter/digit boundaries ("Qwen3.5" -> qwen 3 5), so
"Qwen3" and "qwen 3" find the same items; the last Latin token of a query
matches as a prefix ("Anthrop" finds Anthropic, "Qwen" finds Qwen3); numbers match whole.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from operator import add

# Han (incl. extension A and compatibility ideographs), kana, Hangul.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_RUN = re.compile(rf"[{_CJK}]+|[a-z]+|[0-9]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


# Full-width punctuation that Chinese text is full of, each with its NFKC form (one ASCII
# character). Replacing them first leaves most text already normalized, which NFKC
# recognizes with a quick check (about 10x cheaper than normalizing). The result is the
# same: NFKC decomposes every character first, and these decompose to exactly that.
FULL_WIDTH = tuple((c, unicodedata.normalize("NFKC", c)) for c in "，：（）；！？％　")


def normalize(text: str) -> str:
    """Return `text` NFKC-normalized (full-width -> half-width) and lower-cased."""
    for full, half in FULL_WIDTH:
        text = text.replace(full, half)
    return unicodedata.normalize("NFKC", text).lower()


def tokens(text: str) -> list[str]:
    """Return the index tokens of `text`, in order."""
    return index_tokens(text)[0].split()


def index_tokens(*fields: str) -> tuple[str, set[str]]:
    """Return (the space-separated index tokens of all fields, the Latin word tokens among them).

    This is the ingest hot path (2 million tokens per 10k items), so it is one
    pass with no per-token function calls: the fields are normalized together, joined by a line
    break, which no run crosses (so a field's runs never join the next field's) and which
    normalizes to itself without touching its neighbours (NFKC leaves a control character and
    what is on each side of it as they are alone).
    """
    out: list[str] = []
    latin: set[str] = set()
    for run in _RUN.findall(normalize("\n".join(fields))):
        if run[0] > "z":  # a CJK run (runs are CJK, [a-z]+ or [0-9]+)
            if len(run) > 1:
                out.extend(map(add, run[:-1], run[1:]))
            out.append(run[-1])
        else:
            out.append(run)
            if run[0] > "9":
                latin.add(run)
    return " ".join(out), latin


def token_set(normalized_text: str) -> set[str]:
    """Return the distinct index tokens of already-normalized text (for comparing texts)."""
    out: set[str] = set()
    for run in _RUN.findall(normalized_text):
        if run[0] > "z" and len(run) > 1:
            out.update(map(add, run[:-1], run[1:]))
        out.add(run[-1] if run[0] > "z" else run)
    return out


def _cjk_tokens(run: str, trailing: bool) -> list[str]:
    if len(run) == 1:
        return [run]
    grams = [run[i : i + 2] for i in range(len(run) - 1)]
    if trailing:
        grams.append(run[-1])
    return grams


@dataclass(frozen=True)
class Phrase:
    """One query word as index tokens; with `prefix`, the last token matches any token it starts."""

    tokens: tuple[str, ...]
    prefix: bool

    def expression(self, last_tokens: Iterable[str] | None = None) -> str:
        """Return this phrase as FTS5 syntax; `last_tokens` replaces a prefix by an OR of exact tokens."""
        if last_tokens is None or not self.prefix:
            return '"' + " ".join(self.tokens) + '"' + (" *" if self.prefix else "")
        head = self.tokens[:-1]
        alternatives = ['"' + " ".join((*head, last)) + '"' for last in last_tokens]
        if not alternatives:  # nothing starts with it: the exact phrase (finds nothing)
            return '"' + " ".join(self.tokens) + '"'
        return alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")"


def word_phrase(word: str) -> Phrase | None:
    """Return one query word as a Phrase, or None if it has no searchable text.

    A CJK run that ends the word drops its trailing unigram (the indexed run may
    go on); a single CJK character or a Latin word at the end matches as a prefix.
    """
    runs = _RUN.findall(normalize(word))
    if not runs:
        return None
    out: list[str] = []
    for i, run in enumerate(runs):
        last = i == len(runs) - 1
        if _IS_CJK.match(run):
            out.extend(_cjk_tokens(run, trailing=not last))
        else:
            out.append(run)
    last_run = runs[-1]
    # Numbers match exactly: "K2.5" must not scan every token starting with 5.
    prefix = last_run.isalpha() and (not _IS_CJK.match(last_run) or len(last_run) == 1)
    return Phrase(tuple(out), prefix)


EXCLUDE_MARKS = "-!"  # a word starting with one of these (after NFKC: also － ！) is excluded


def split_query(query: str) -> tuple[list[str], list[str]]:
    """Return (the words to find, the words to exclude) of a query, each as written.

    `-词`, `!词` and `-Word` exclude: the word comes back without its mark. A
    mark with nothing searchable after it (`-`, `--`) is left among the words to
    find, where it has no searchable text and so matches nothing and is dropped.
    """
    wanted: list[str] = []
    excluded: list[str] = []
    for word in query.split():
        if len(word) > 1 and normalize(word[0]) in EXCLUDE_MARKS \
                and _RUN.search(normalize(word[1:])):
            excluded.append(word[1:])
        else:
            wanted.append(word)
    return wanted, excluded


def exclusion(word: str) -> str:
    """Return an excluded word as a query writes it (`-词`)."""
    return "-" + word


def query_phrases(query: str) -> list[Phrase]:
    """Return the phrases of `query`, one per whitespace-separated word that has searchable text."""
    return [p for p in map(word_phrase, query.split()) if p is not None]


def match_expression(query: str) -> str | None:
    """Return the FTS5 MATCH expression for `query` (words ANDed, each a phrase), or None.

    Tokens contain only letters and digits, so the quoted phrases cannot carry
    FTS5 syntax: `"`, `AND(`, `*`, `NEAR` in a query are just text.
    """
    phrases = query_phrases(query)
    return " AND ".join(p.expression() for p in phrases) if phrases else None


def is_latin_token(token: str) -> bool:
    """Return True for an index token made of ASCII letters (the ones a query can match as a prefix)."""
    return token.isascii() and token.isalpha()


def searchable_length(query: str) -> int:
    """Return how many letters, digits and CJK characters `query` has."""
    return sum(len(run) for run in _RUN.findall(normalize(query)))


def is_cjk(text: str) -> bool:
    """Return True if `text` contains a CJK character."""
    return bool(_IS_CJK.search(text))


def latin_words(text: str) -> list[str]:
    """Return the Latin words of `text` as written (for the fuzzy vocabulary)."""
    return re.findall(r"[A-Za-z][A-Za-z0-9\-]*[A-Za-z0-9]|[A-Za-z]{2,}", text)
