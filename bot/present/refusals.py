"""The words for each refusal code, once for every front end.

storage.model.Refusal says why a query was not searched. A reader is told `reader` (a catalog
msgid: Chinese, English through the catalog), with the medium's own way of showing an example
query (the bot: `/search 红包`, the site: 「红包」); the command line and an MCP client's model
read `english`, naming what was refused (`query '红' has nothing to search for ...`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from bot.i18n import N_, Translations
from storage.model import Refusal


class Words(NamedTuple):
    """What one refusal says."""

    reader: str  # msgid; "{example}" is the medium's example query
    example: str  # the words of that example (a msgid too: English readers get English words)
    english: str  # "{name}": what was refused (query, keyword, name), "{value}": as given


_NOTHING = ("{name} {value!r} has nothing to search for: give at least 2 letters, digits or "
            "Chinese characters")
_ONLY_EXCLUDED = "{name} {value!r} only excludes words (-word): add a word to find, e.g. 红包 -文心"
_NO_CATEGORY = ("unknown category {value!r}: use 政策 模型 产品 投融资 行业 "
                "(or policy models products funding industry)")

# Keywords: /search, /trend, /watch, inline mode, the site's search, trend and feeds, MCP, the CLI.
QUERY_REFUSALS: dict[Refusal, Words] = {
    Refusal.EMPTY: Words(N_("请输入关键词，例如 {example}"), N_("红包"), _NOTHING),
    Refusal.TOO_SHORT: Words(N_("关键词太短了，请至少输入 2 个字，例如 {example}"), N_("红包"),
                             _NOTHING),
    Refusal.ONLY_EXCLUDED: Words(N_("只有排除词（-词）还不能搜索：请再加上要找的词，例如 {example}"),
                                 N_("红包 -文心"), _ONLY_EXCLUDED),
    Refusal.UNKNOWN_CATEGORY: Words(N_("未知分类。可用分类：政策、模型、产品、投融资、行业"), "",
                                    _NO_CATEGORY),
}
# Names of companies and products: /what, the site's timeline, MCP's what_happened.
NAME_REFUSALS: dict[Refusal, Words] = {
    **QUERY_REFUSALS,
    Refusal.EMPTY: Words(N_("请输入名称，例如 {example}"), N_("阶跃星辰"), _NOTHING),
    Refusal.TOO_SHORT: Words(N_("名称太短了，请至少输入 2 个字，例如 {example}"), N_("千问"), _NOTHING),
}


def refusal_text(code: Refusal, lang: Translations | None = None,
                 example: Callable[[str], str] = "「{}」".format,
                 table: dict[Refusal, Words] = QUERY_REFUSALS) -> str:
    """Return what a reader is told for `code`, in `lang` (Chinese without it), the example query
    shown by `example` (the site's 「红包」 by default; the bot passes `/search 红包`)."""
    words = table[code]
    if lang is None:
        return words.reader.format(example=example(words.example))
    # (gettext("") is the catalog's header: an example-less text asks for no example)
    words_shown = lang.gettext(words.example) if words.example else ""
    return lang.gettext(words.reader).format(example=example(words_shown))


def refusal_reason(code: Refusal, name: str, value: str,
                   table: dict[Refusal, Words] = QUERY_REFUSALS) -> str:
    """Return the English for `code`, for the CLI and MCP: `name` is what was refused (query,
    keyword, name), `value` what was given (the category, for UNKNOWN_CATEGORY)."""
    return table[code].english.format(name=name, value=value)
