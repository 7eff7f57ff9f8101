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

# Han (incl. extension A and compatibility ideographs), kana, Hangul.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_RUN = re.compile(rf"[{_CJK}]+|[a-z]+|[0-9]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def normalize(text: str) -> str:
    """Return `text` NFKC-normalized (full-width -> half-width) and lower-cased."""
    return unicodedata.normalize("NFKC", text).lower()


def tokens(text: str) -> list[str]:
    """Return the index tokens of `text`, in order."""
    out: list[str] = []
    for run in _RUN.findall(normalize(text)):
        if _IS_CJK.match(run):
            out.extend(_cjk_tokens(run, trailing=True))
        else:
            out.append(run)
    return out


def _cjk_tokens(run: str, trailing: bool) -> list[str]:
    if len(run) == 1:
        return [run]
    grams = [run[i : i + 2] for i in range(len(run) - 1)]
    if trailing:
        grams.append(run[-1])
    return grams


def index_text(*fields: str) -> str:
    """Return the space-separated tokens of all fields, as stored in the FTS table."""
    return " ".join(token for field in fields for token in tokens(field))


def word_phrase(word: str) -> tuple[list[str], bool] | None:
    """Return (tokens, last_is_prefix) for one query word, or None if it has no searchable text.

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
    return out, prefix


def match_expression(query: str) -> str | None:
    """Return the FTS5 MATCH expression for `query` (words ANDed, each a phrase), or None.

    Tokens contain only letters and digits, so the quoted phrases cannot carry
    FTS5 syntax: `"`, `AND(`, `*`, `NEAR` in a query are just text.
    """
    phrases = []
    for word in query.split():
        phrase = word_phrase(word)
        if phrase is None:
            continue
        words, prefix = phrase
        phrases.append('"' + " ".join(words) + '"' + (" *" if prefix else ""))
    return " AND ".join(phrases) if phrases else None


def searchable_length(query: str) -> int:
    """Return how many letters, digits and CJK characters `query` has."""
    return sum(len(run) for run in _RUN.findall(normalize(query)))


def is_cjk(text: str) -> bool:
    """Return True if `text` contains a CJK character."""
    return bool(_IS_CJK.search(text))


def latin_words(text: str) -> list[str]:
    """Return the Latin words of `text` as written (for the fuzzy vocabulary)."""
    return re.findall(r"[A-Za-z][A-Za-z0-9\-]*[A-Za-z0-9]|[A-Za-z]{2,}", text)
