"""Search: Chinese substrings, Latin prefixes, typos, filters, ranking, hostile input."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import storage.search as search_module
from storage.backend import ALL_IDS
from storage.categories import FUNDING, PRODUCTS
from storage.digests import categories, category_items
from storage.search import compile_query, correct_word, expression_for, search, weekly_counts
from storage.text import normalize, query_phrases


def titles(result) -> list[str]:
    return [item.title for item in result.items]


def test_search_finds_two_char_chinese_query(db) -> None:
    result = search(db, "红包", limit=50)
    assert result.total == 6
    assert "腾讯元宝发放10亿元红包" in titles(result)


@pytest.mark.parametrize("query", ["kimi", "KIMI", "Kimi", "ｋｉｍｉ"])
def test_latin_is_case_and_width_insensitive(db, query: str) -> None:
    assert search(db, query).total == 2


def test_latin_prefix_matches_longer_words(db) -> None:
    assert search(db, "Qwen").total == search(db, "qwen3").total == 4
    assert search(db, "Anthrop", fuzzy=False).total == 3


PREFIXES = ["a", "ai", "an", "anthrop", "qw", "k", "kimi k", "open", "g", "gpt", "ste", "zzz"]


def _star(db, query: str) -> str:
    """The query with its trailing prefix left as the backend's own prefix query."""
    return db.all_of([db.phrase(p, None) for p in query_phrases(query)])


@pytest.mark.parametrize("query", PREFIXES)
def test_prefix_expansion_finds_what_a_native_prefix_query_finds(db, query: str) -> None:
    # compile_query turns a trailing Latin prefix into exact tokens; it must not lose or add items.
    star = set(db.match_ids(_star(db, query)))
    compiled = compile_query(db, query)
    assert set(db.match_ids(compiled.expression)) == star
    if query not in ("a", "k", "g") and star:
        assert "*" not in compiled.expression


def test_prefix_with_too_many_expansions_stays_a_prefix(db, monkeypatch) -> None:
    monkeypatch.setattr(search_module, "MAX_EXPANSIONS", 1)
    compiled = compile_query(db, "a")
    assert compiled.expression == _star(db, "a") and "*" in compiled.expression
    assert search(db, "Anthrop", fuzzy=False).total == 3


def test_ranking_puts_title_matches_first_on_the_same_day(db) -> None:
    # The same day: an item naming 红包 in its title outranks ones that mention it only in the body.
    result = search(db, "红包", limit=50)
    first_day = [item for item in result.items if item.date == result.items[0].date]
    in_title = [i for i, item in enumerate(first_day) if "红包" in item.title]
    in_body = [i for i, item in enumerate(first_day) if "红包" not in item.title]
    assert in_title and (not in_body or max(in_title) < min(in_body))


def test_mixed_query_words_are_all_required(db) -> None:
    result = search(db, "Kimi K2.5")
    assert result.total == 2 and all("K2.5" in item.title for item in result.items)


def test_every_item_containing_a_cjk_substring_is_found(db) -> None:
    items = [r for r in db.execute("SELECT * FROM items").fetchall()]
    texts = {row[0]: normalize(" ".join(str(v) for v in row[4:])) for row in items}
    runs = sorted({m for t in texts.values() for m in re.findall(r"[\u4e00-\u9fff]{2,}", t)})
    queries = sorted({run[i:i + n] for run in runs[::7] for n in (2, 3, 5)
                      for i in range(0, max(len(run) - n + 1, 0), 3)})
    assert len(queries) > 300
    for query in queries:
        expected = {i for i, t in texts.items() if query in t}
        found = set(db.match_ids(expression_for(db, query)))
        assert expected <= found, query


def test_typo_is_corrected_and_says_so(db) -> None:
    result = search(db, "Antropic")
    assert result.corrected == "Anthropic" and result.total == 3
    result = search(db, "阶跃星晨")
    assert result.corrected == "阶跃星辰" and result.total == 5


def test_correct_word_keeps_unknown_gibberish_uncorrected(db) -> None:
    assert correct_word(db, "zzqqxx") is None
    assert search(db, "完全不存在的东西").total == 0


@pytest.mark.parametrize("name", ["产品", "products", "产品与应用发布", "Products"])
def test_category_filter_accepts_short_and_english_names(db, name: str) -> None:
    result = search(db, "红包", category=name, limit=50)
    assert result.total == 6 and {i.category for i in result.items} == {PRODUCTS}
    assert search(db, "红包", category="funding").total == 0


def test_unknown_category_is_a_message(db) -> None:
    assert search(db, "红包", category="天气").message == "unknown_category"


def test_date_range_limits_results(db) -> None:
    result = search(db, "融资", since="2026-02-01", until="2026-02-05", limit=50)
    assert result.total > 0 and {i.date for i in result.items} == {"2026-02-03"}


def test_ranking_puts_title_matches_first_within_recency(db) -> None:
    result = search(db, "阶跃星辰", limit=5)
    assert result.items[0].date == "2026-02-08" and "阶跃星辰" in result.items[0].title


def test_paging_is_stable_and_disjoint(db) -> None:
    first = search(db, "AI", limit=5)
    second = search(db, "AI", limit=5, offset=5)
    assert first.total == second.total > 10
    assert not set(titles(first)) & set(titles(second))


RED_PACKETS = {  # the six items containing 红包, on 01-27, 01-30, 02-03 and 02-08
    "百度文心投入5亿元红包",
    "腾讯元宝发放10亿元红包",
    "腾讯元宝、百度文心上线春节红包活动，AI 应用开启社交化尝试",
    '社交AI新战场：腾讯推"元宝派"，春节红包战升级',
    "阿里千问启动30亿元春节免单活动",
    "千问宣布投入30亿入局春节AI大战",
}

# (query, message, titles found) on the bundled digests. FTS5 syntax is plain text: a query word
# is one phrase of its letters, digits and CJK characters, so "NEAR(红包" asks for "near" right
# before 红包, and no item has a word starting with and, near, or, drop or title (source URLs are
# not searched). No query here is corrected: none is close enough to a word of the archive.
HOSTILE = [
    ('"', "too_short", set()),
    ("AND(", None, set()),
    ("*", "too_short", set()),
    ("NEAR", None, set()),
    ("NEAR(红包 腾讯)", None, set()),
    ("😀", "too_short", set()),  # an emoji is not a letter: nothing to search
    ("红", "too_short", set()),
    ("", "empty", set()),
    ("x" * 500, None, set()),  # cut at 200 characters, then searched
    ("红包" * 250, None, set()),  # cut to 红包 x 100: no item says it a hundred times
    ("红包 " * 100 + "天气预报", None, RED_PACKETS),  # the words past 200 characters are dropped
    ("'; DROP TABLE items; --", None, set()),
    ("OR", None, set()),
    ("^", "too_short", set()),
    ("a:b", None, set()),
    ("title:红包", None, set()),  # no column filter: "title" right before 红包
    ("-红包", "only_excluded", set()),  # an exclusion with nothing to find
    ("红包 -", None, RED_PACKETS),  # a lone mark excludes nothing
    ('红包 -"*', None, RED_PACKETS),  # a mark before no searchable text excludes nothing
    ("红包 -NOT -OR -AND(", None, RED_PACKETS),  # FTS5 operators after a mark are plain words
    ("红包 -红包", None, set()),
    ("{}()[]", "too_short", set()),
    ("\x00", "too_short", set()),
    ("  \t ", "empty", set()),
]


@pytest.mark.parametrize(("query", "message", "found"), HOSTILE,
                         ids=[repr(query[:12]) for query, _, _ in HOSTILE])
def test_hostile_query_is_plain_text_with_a_definite_answer(db, query: str, message: str | None,
                                                            found: set[str]) -> None:
    result = search(db, query, limit=50)
    assert result.message == message and result.corrected is None
    assert result.total == len(found) and set(titles(result)) == found
    assert len(result.query) <= 200
    if found:
        assert [item.id for item in result.items] == [item.id for item in search(db, "红包").items]
    assert search(db, "红包").total == 6  # the archive is intact


def test_categories_count_items(db) -> None:
    counts = {c.name: c.items for c in categories(db)}
    assert sum(counts.values()) == 62 and counts[FUNDING] == 13


def test_category_items_newest_first(db) -> None:
    name, items, total = category_items(db, "funding", limit=3)
    assert name == FUNDING and total == 13 and items[0].date == "2026-02-08"
    assert category_items(db, "天气")[0] is None


def _spread_archive(db) -> dict[int, str]:
    """Index 150 small digests, one every 25 days over ten years; return each item's text by id."""
    from storage.index import ingest_bytes

    day = dt.date(2016, 3, 1)
    for n in range(150):
        words = ["蓝鲸计划" if n % 3 == 0 else "常规进展", "蓝鲸" if n % 7 == 0 else "别的"]
        body = "".join(f"**{cat}**\n\n{n}号条目{w}\n说明：第{n}天，{w}有新消息。\n\n"
                       for cat, w in zip((PRODUCTS, FUNDING), words, strict=True))
        outcome = ingest_bytes(db, f"# AI 行业动态 ({day})\n\n{body}".encode(), f"{day}.md")
        assert outcome.status == "indexed", outcome
        day += dt.timedelta(days=25)
    return {row[0]: " ".join(row[1:]) for row in db.execute(
        "SELECT id, category, title, summary FROM items").fetchall()}


def test_newest_first_with_a_limit_is_the_head_of_all_hits(db_location: str) -> None:
    # PostgreSQL asks for the newest month first, then older slices of months (storage/postgres.py);
    # whichever slice the limit is reached in, the ids are the newest hits, in order.
    from storage.backend import open_db
    from storage.index import item_id

    db = open_db(db_location)
    texts = _spread_archive(db)
    ranges = [ALL_IDS, (item_id("2019-05-01", 0), item_id("2024-12-31", 999)),
              (item_id("2025-11-20", 0), ALL_IDS[1]), (0, item_id("2017-01-01", 0))]
    for word, category in [("蓝鲸", None), ("蓝鲸计划", None), ("蓝鲸", FUNDING), ("常规", None),
                           ("鳄鱼", None)]:
        expression = expression_for(db, word)
        for bounds in ranges:
            expected = sorted((i for i, text in texts.items() if word in text
                               and (category is None or text.startswith(category))
                               and bounds[0] <= i <= bounds[1]), reverse=True)
            assert db.match_ids(expression, bounds, category) == expected
            for limit in (1, 2, 5, 17, 60, 200):
                got = db.match_ids(expression, bounds, category, limit)
                assert got == expected[:limit], (word, category, bounds, limit)
    db.close()


@pytest.mark.parametrize("query", ["OpenAI发布GPT模型更新了吗没有找到", "红鱼K~:*'5红]",
                                   "字节跳动豆包大模型发布会现场直播回放", " ".join(["鳄鱼潜艇"] * 20)])
def test_typo_correction_makes_a_bounded_number_of_lookups(db, monkeypatch, query: str) -> None:
    calls: list[str] = []
    real = type(db).match_ids

    def counted(self, *args, **kwargs):
        calls.append(args[0])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(db), "match_ids", counted)
    result = search(db, query)
    assert result.total == 0 and result.corrected is None
    # The search, one count per word (at most MAX_CORRECTED_WORDS), one word's CJK pieces.
    words = min(len(set(query.split())), search_module.MAX_CORRECTED_WORDS)
    assert len(calls) <= 1 + words * (1 + search_module.MAX_CJK_PROBES), calls
    assert len(calls) == len(set(calls))  # no word or piece looked up twice


def test_correcting_a_long_cjk_word_checks_each_character_a_bounded_number_of_times(
        db, monkeypatch) -> None:
    # A 200-character word with no hits: its pieces are checked for being all CJK in O(1) each
    # (a check per character of every piece made it cost seconds: length cubed).
    calls = 0
    real = search_module.is_cjk

    def counted(text: str) -> bool:
        nonlocal calls
        calls += 1
        return real(text)

    monkeypatch.setattr(search_module, "is_cjk", counted)
    result = search(db, "红包" * 100)
    assert result.total == 0 and result.corrected is None
    assert calls < 5_000, calls  # before: about 1.3 million


def test_search_caches_go_with_their_database(tmp_path: Path, digest_dir: Path) -> None:
    # Per-database caches (word rarity, the typo vocabulary) are keyed by the database object
    # itself, weakly: a closed, dropped database leaves nothing behind for one that reuses its id.
    import gc

    from storage.backend import open_db
    from storage.index import ingest_paths

    database = open_db(tmp_path / "cached.db")
    ingest_paths(database, [digest_dir])
    assert search(database, "AI 融资").total > 0  # two words: their rarity is cached
    assert search(database, "Antropic").corrected == "Anthropic"  # the vocabulary is cached
    assert database in search_module._idf_cache and database in search_module._vocabulary_cache
    gc.collect()  # earlier tests' databases left in reference cycles go now, not in the count below
    before = len(search_module._idf_cache), len(search_module._vocabulary_cache)
    database.close()
    del database
    gc.collect()
    assert (len(search_module._idf_cache), len(search_module._vocabulary_cache)) == (
        before[0] - 1, before[1] - 1)


# --- exclusions (-词, !词, -Word) ----------------------------------------------------------

RED_PACKETS_WITHOUT_WENXIN = {"腾讯元宝发放10亿元红包", "阿里千问启动30亿元春节免单活动",
                              "千问宣布投入30亿入局春节AI大战"}


def _text(item) -> str:
    return normalize(" ".join([item.title, item.summary, item.background, item.analysis,
                               *item.points]))


@pytest.mark.parametrize("query", ["红包 -文心", "红包 !文心", "红包 －文心", "红包 ！文心",
                                   "-文心 红包"])
def test_exclusion_drops_every_item_mentioning_the_word(db, query: str) -> None:
    result = search(db, query, limit=50)
    assert result.message is None and result.corrected is None
    assert set(titles(result)) == RED_PACKETS_WITHOUT_WENXIN and result.total == 3
    assert not any("文心" in _text(item) for item in result.items)


@pytest.mark.parametrize(("query", "excluded"), [
    ("红包", ["文心", "千问"]), ("AI", ["OpenAI"]), ("AI", ["模型", "Anthropic"]),
    ("千问", ["qwen"]), ("Qwen", ["阿里"]), ("融资", ["亿元", "美元"]), ("Kimi", ["K2"])])
def test_exclusion_finds_the_query_less_what_the_excluded_words_find(db, query: str,
                                                                      excluded: list[str]) -> None:
    # Set difference on both backends: the excluded words match exactly as /search matches them
    # (CJK substrings, Latin prefixes, case), so -Word removes what `Word` alone finds.
    everything = {item.id for item in search(db, query, limit=1000, fuzzy=False).items}
    dropped = set().union(*({item.id for item in search(db, word, limit=1000, fuzzy=False).items}
                            for word in excluded))
    full = query + "".join(f" -{word}" for word in excluded)
    result = search(db, full, limit=1000, fuzzy=False)
    assert {item.id for item in result.items} == everything - dropped
    assert result.total == len(everything - dropped) and dropped & everything


def test_exclusion_with_category_and_dates(db) -> None:
    result = search(db, "红包 -文心", category="products", since="2026-02-04", limit=50)
    assert set(titles(result)) == {"腾讯元宝发放10亿元红包", "阿里千问启动30亿元春节免单活动"}


def test_exclusions_only_get_a_message(db) -> None:
    for query in ("-文心", "-文心 !千问", "-OpenAI", "！文心"):
        result = search(db, query)
        assert result.message == "only_excluded" and result.items == [] and result.total == 0
        assert weekly_counts(db, query).message == "only_excluded"
    assert search(db, "红 -文心").message == "too_short"  # the word to find is too short


def test_typo_correction_never_changes_an_excluded_word(db) -> None:
    # 文新 is no word of the archive (a typo of 文心): it stays excluded as written, excluding nothing.
    kept = search(db, "红包 -文新", limit=50)
    assert kept.corrected is None and kept.total == 6
    # The word to find is corrected; the excluded one is not, even though it finds nothing either.
    fixed = search(db, "Antropic -Claudee", limit=50)
    assert fixed.corrected == "Anthropic -Claudee"
    assert {i.id for i in fixed.items} == {i.id for i in search(db, "Anthropic", limit=50).items}
    fixed = search(db, "Antropic -Claude", limit=50)
    assert fixed.corrected == "Anthropic -Claude"
    assert not any("claude" in _text(item) for item in fixed.items)


def test_excluded_words_are_kept_out_of_the_ranking(db) -> None:
    compiled = compile_query(db, "红包 -文心 -千问")
    assert len(compiled.phrase_expressions) == len(compiled.needles) == 1
    assert len(compiled.excluded) == 2
    assert compile_query(db, "-文心") is None and expression_for(db, "-文心") is None
def test_web_views_newest_digests_matches_and_neighbours(db) -> None:
    from storage.digests import adjacent_dates, newest_digests
    from storage.search import newest_matches

    found = newest_digests(db, 2)
    assert [header.date for header, _ in found] == ["2026-02-08", "2026-02-03"]
    assert [len(items) for _, items in found] == [header.items for header, _ in found]
    assert all(item.date == header.date for header, items in found for item in items)
    assert newest_digests(db, 0) == []
    matches = newest_matches(db, "红包", limit=4)
    ids = [item.id for item in matches.items]
    assert matches.total == 4 and ids == sorted(ids, reverse=True)
    assert ids == db.match_ids(expression_for(db, "红包"), limit=4)  # the newest, not the best
    assert newest_matches(db, "红包", category="投融资").items == []
    assert newest_matches(db, "红包", category="不存在").message == "unknown_category"
    assert newest_matches(db, "x").message == "too_short" and newest_matches(db, " ").message == "empty"
    assert adjacent_dates(db, "2026-02-03") == ("2026-01-30", "2026-02-08")
    assert adjacent_dates(db, "2026-01-27") == (None, "2026-01-28")
    assert adjacent_dates(db, "2026-02-08") == ("2026-02-03", None)


def test_category_counts_and_archive_stats_follow_each_ingest(db_location: str,
                                                              digest_dir: Path) -> None:
    # Counted once per index generation (a full scan at 100k items), recounted after an ingest.
    from storage.backend import open_db
    from storage.digests import archive_stats
    from storage.index import ingest_paths

    files = sorted(digest_dir.iterdir())
    db = open_db(db_location)
    try:
        ingest_paths(db, files[:4])
        before, stats_before = categories(db), archive_stats(db)
        statements: list[str] = []
        real_execute = db.execute
        db.execute = lambda sql, parameters=(): statements.append(sql) or real_execute(sql, parameters)
        assert categories(db) == before and archive_stats(db) == stats_before
        assert not any("GROUP BY" in sql or "count(*)" in sql for sql in statements)
        del db.execute
        ingest_paths(db, files[4:])
        after, stats_after = categories(db), archive_stats(db)
        expected = dict(db.execute("SELECT category, count(*) FROM items GROUP BY category").fetchall())
        assert {c.name: c.items for c in after} == expected
        assert stats_after.items == sum(expected.values()) > stats_before.items
        assert stats_after.digests == stats_before.digests + 1 == 5
        assert (stats_after.first_date, stats_after.last_date) == tuple(db.execute(
            "SELECT min(date), max(date) FROM digests").fetchone())
    finally:
        db.close()


def test_trend_busiest_week_is_the_newest_of_equals() -> None:
    from storage.model import Trend

    weeks = ((dt.date(2026, 1, 5), 3), (dt.date(2026, 1, 12), 0), (dt.date(2026, 1, 19), 3),
             (dt.date(2026, 1, 26), 1))
    assert Trend("红包", 7, weeks).busiest() == (dt.date(2026, 1, 19), 3)
    assert Trend("红包", 0, ((dt.date(2026, 1, 5), 0),)).busiest() is None
    assert Trend("红包", 0, ()).busiest() is None
