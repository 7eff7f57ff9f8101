"""/what: aliases, fuzzy names, and the same event on several days as one story."""

from __future__ import annotations

import datetime as dt

import pytest

from storage.stories import load_aliases, resolve_names, week_board, what


def test_aliases_resolve_in_any_language_and_case() -> None:
    for name in ("千问", "通义千问", "qwen", "QWEN"):
        assert "Qwen" in resolve_names(name)
    assert "Moonshot" in resolve_names("kimi")
    assert "ByteDance" in resolve_names("字节")
    assert resolve_names("某不存在公司") == ("某不存在公司",)


def test_alias_file_is_editable_data() -> None:
    groups = load_aliases()
    assert any({"英伟达", "NVIDIA"} <= set(group) for group in groups)


def test_alias_fuzzy_match() -> None:
    assert "Anthropic" in resolve_names("Anthropicc")


def test_stepfun_round_is_one_story_over_four_digests(db) -> None:
    result = what(db, "阶跃星辰")
    dates = [story.dates for story in result.stories]
    assert ("2026-01-27", "2026-01-28", "2026-02-03", "2026-02-08") in dates
    round_story = next(s for s in result.stories if len(s.dates) == 4)
    assert "50亿" in round_story.title
    assert any("Step 3.5" in s.title and s.dates == ("2026-02-03",) for s in result.stories)


def test_qwen_spring_festival_campaign_is_one_story(db) -> None:
    result = what(db, "千问")
    campaign = [s for s in result.stories if any("30亿" in i.title for i in s.items)]
    assert len(campaign) == 1 and campaign[0].dates == ("2026-02-03", "2026-02-08")


def test_stories_are_in_date_order(db) -> None:
    stories = what(db, "腾讯").stories
    firsts = [s.dates[0] for s in stories]
    assert firsts == sorted(firsts) and len(stories) >= 4


def test_different_amounts_are_different_stories(db) -> None:
    stories = what(db, "红包").stories
    assert not any({"腾讯元宝发放10亿元红包", "百度文心投入5亿元红包"} <= {i.title for i in s.items}
                   for s in stories)


def test_what_corrects_a_typo(db) -> None:
    result = what(db, "阶跃星晨")
    assert result.corrected == "阶跃星辰" and len(result.stories) == 2


def test_what_odd_input(db) -> None:
    assert what(db, "").message == "empty"
    assert what(db, "红").message == "too_short"
    assert what(db, '"NEAR(*').stories == []


def test_token_set_is_the_distinct_index_tokens() -> None:
    from storage.text import normalize, token_set, tokens

    for text in ("阶跃星辰完成超50亿元B+轮融资", "Kimi K2.5 发布", "红", "ＡＩ 安全 与 OpenAI", ""):
        assert token_set(normalize(text)) == set(tokens(text))


def _window_items(db, first: str, last: str) -> set[int]:
    """Return the ids of the items dated `first` to `last` (inclusive)."""
    from storage.index import item_id

    rows = db.execute("SELECT id FROM items WHERE id BETWEEN $1 AND $2",
                      (item_id(first, 0), item_id(last, 999))).fetchall()
    return {row[0] for row in rows}


def test_week_board_ranks_two_day_stories_first(db) -> None:
    board = week_board(db, "2026-02-08")
    two_day = ("2026-02-03", "2026-02-08")

    def story_with(*words: str) -> int:
        found = [n for n, s in enumerate(board)
                 if any(all(w in i.title for w in words) for i in s.items)]
        assert len(found) == 1, words
        return found[0]

    stepfun, campaign = story_with("阶跃星辰", "50亿"), story_with("千问", "30亿")
    assert board[stepfun].dates == two_day and board[campaign].dates == two_day
    assert {i.date for i in board[stepfun].items} == set(two_day)
    assert {i.date for i in board[campaign].items} == set(two_day)
    one_day = [n for n, s in enumerate(board) if len(s.dates) == 1]
    assert one_day and max(stepfun, campaign) < min(one_day)
    # Every item of the window (2026-02-02 to 02-08: the digests of 02-03 and 02-08) is on the
    # board, nothing outside it is, and no story repeats another's items.
    ids = [frozenset(i.id for i in s.items) for s in board]
    assert set().union(*ids) == _window_items(db, "2026-02-02", "2026-02-08")
    assert len(set(ids)) == len(ids)
    assert all(s.dates == tuple(sorted({i.date for i in s.items})) for s in board)


def test_week_board_order_is_dates_items_newest(db) -> None:
    board = week_board(db, "2026-02-08", days=14)
    keys = [(-len(s.dates), -len(s.items), -dt.date.fromisoformat(s.dates[-1]).toordinal(),
             s.items[0].position) for s in board]
    assert keys == sorted(keys)
    assert {i.date for s in board for i in s.items} == {"2026-01-27", "2026-01-28", "2026-01-30",
                                                        "2026-02-03", "2026-02-08"}


def test_week_board_one_day(db) -> None:
    board = week_board(db, "2026-02-08", days=1)
    assert board and all(s.dates == ("2026-02-08",) for s in board)
    assert set().union(*({i.id for i in s.items} for s in board)) == _window_items(
        db, "2026-02-08", "2026-02-08")


def test_week_board_empty_window(db) -> None:
    assert week_board(db, "2026-01-26") == []
    assert week_board(db, "2026-02-15", days=7) == []
    assert week_board(db, "2026-02-07", days=3) == []


def test_week_board_bad_input(db) -> None:
    for date in ("2026-02-30", "tomorrow", ""):
        with pytest.raises(ValueError):
            week_board(db, date)
    with pytest.raises(ValueError):
        week_board(db, "2026-02-08", days=0)


def test_normalize_is_nfkc_lower_case_for_every_character() -> None:
    # normalize() swaps common full-width punctuation before NFKC (much cheaper); the result
    # must be exactly NFKC + lower case, or every stored index would differ.
    import sys
    import unicodedata

    from storage.text import normalize

    def nfkc(text: str) -> str:
        return unicodedata.normalize("NFKC", text).lower()

    characters = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000]
    assert [c for c in characters if normalize(c) != nfkc(c)] == []
    marks = [c for c in characters if unicodedata.combining(c)]
    for full in "，：（）；！？％　ＡＩ":
        for mark in marks:
            for text in (full + mark, "a" + full + mark + mark, mark + full, "阶跃" + full + "Ｋ" + mark):
                assert normalize(text) == nfkc(text), ascii(text)
    text = "阶跃星辰（StepFun）完成超５０亿元Ｂ＋轮融资，估值？！；　１００％"
    assert normalize(text) == nfkc(text) == "阶跃星辰(stepfun)完成超50亿元b+轮融资,估值?!; 100%"


def _every_pair(features: list[tuple[int, int, set[str]]]) -> list[tuple[float, int, int]]:
    """The pairs as the plain definition has them: every pair compared, one by one."""
    from storage.stories import SHARED_MARKER_SIMILARITY, WORDING_SIMILARITY

    pairs = []
    for i, (mask_a, size_a, markers_a) in enumerate(features):
        for j, (mask_b, size_b, markers_b) in enumerate(features[i + 1:], i + 1):
            if not size_a or not size_b:
                continue
            shared = bool(markers_a and markers_b)
            if shared and not markers_a & markers_b:
                continue
            similarity = (mask_a & mask_b).bit_count() / min(size_a, size_b)
            if similarity >= (SHARED_MARKER_SIMILARITY if shared else WORDING_SIMILARITY):
                pairs.append((similarity, i, j))
    return sorted(pairs)


def test_story_pairs_are_those_of_comparing_every_pair() -> None:
    import random

    from storage.stories import _similar_pairs

    rng = random.Random(3)
    markers = ["5亿", "10亿", "k2.5", "qwen3"]
    for _ in range(30):
        features = []
        for _ in range(rng.choice([0, 1, 2, 40, 150])):
            size = rng.choice([0, 1, 3, 5, 10, 20, 25, 60])
            words = rng.sample(range(80), min(size, rng.choice([size, 40])))
            named = set(rng.sample(markers, rng.choice([0, 0, 1, 1, 2])))
            features.append((sum(1 << w for w in words), size, named))
        assert sorted(_similar_pairs(features)) == _every_pair(features)
    # Overlaps right at the thresholds (3 of 5 words is 0.6; 3 of 20 is 0.15).
    edge = [(0b11111, 5, set()), (0b00111, 5, set()), (0b111 << 10 | 0b111, 20, {"5亿"}),
            (0b111, 20, {"5亿"}), (0b11, 5, set())]
    assert sorted(_similar_pairs(edge)) == _every_pair(edge) != []


def test_context_is_the_sentences_that_name_x() -> None:
    import re

    from storage.model import Item
    from storage.stories import _context
    from storage.text import normalize

    item = Item(date="2026-02-08", category="模型", title="Kimi发布K2.5！开源",
                summary="月之暗面称KIMI下载量破亿；同日Qwen更新。Kimi与Ｋｉｍｉ\n无关句子",
                points=("要点：kimi登顶",))

    def names(*forms: str) -> re.Pattern:
        return re.compile("|".join(map(re.escape, forms)), re.IGNORECASE)

    assert _context(item, names("Kimi", "kimi")) == normalize(
        "Kimi发布K2.5\n月之暗面称KIMI下载量破亿\nKimi与Ｋｉｍｉ\n要点：kimi登顶")
    assert _context(item, names("月之暗面")) == "月之暗面称kimi下载量破亿"
    assert _context(item, names("阶跃星辰")) == normalize(f"{item.title}\n{item.summary}")


def test_what_asked_again_tells_the_same_stories(db) -> None:
    # /what keeps each item's words until the index changes; asking again (or about fewer
    # items) must group exactly as from scratch.
    from storage.stories import _items_naming, group_stories, resolve_names

    for name, limit in (("千问", 120), ("阶跃星辰", 120), ("腾讯", 120), ("千问", 4), ("红包", 120)):
        names = resolve_names(name)
        from_scratch = group_stories(_items_naming(db, names, limit), names)
        assert what(db, name, limit).stories == from_scratch
        assert what(db, name, limit).stories == from_scratch
    board = week_board(db, "2026-02-08")
    assert week_board(db, "2026-02-08") == board


def test_what_reads_a_reindexed_digest_again(db, digest_dir) -> None:
    from storage.index import ingest_paths
    from storage.stories import _items_naming, group_stories, resolve_names

    assert ("2026-01-27", "2026-01-28", "2026-02-03", "2026-02-08") in [
        s.dates for s in what(db, "阶跃星辰").stories]
    # The 2026-02-08 digest now says 80亿: a conflicting amount, so that day is its own story.
    path = digest_dir / "003_88ec4899e4da85ae.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("50亿", "80亿"), encoding="utf-8")
    assert [o.status for o in ingest_paths(db, [digest_dir])].count("indexed") == 1
    names = resolve_names("阶跃星辰")
    stories = what(db, "阶跃星辰").stories
    assert stories == group_stories(_items_naming(db, names, 120), names)
    assert [s.dates for s in stories] == [("2026-01-27", "2026-01-28", "2026-02-03"),
                                          ("2026-02-03",), ("2026-02-08",)]


def test_what_with_an_excluded_word_leaves_out_the_items_naming_it(db) -> None:
    # An exclusion inside /what's alias-group OR (PostgreSQL once sent the index half of a group).
    every = what(db, "红包")
    without = what(db, "红包 -文心")
    titles = {item.title for story in without.stories for item in story.items}
    assert titles and not any("文心" in title for title in titles)
    assert titles < {item.title for story in every.stories for item in story.items}
    assert "腾讯元宝发放10亿元红包" in titles
    kimi = what(db, "Kimi -K2.5")  # a Latin phrase excluded
    assert kimi.message is None and what(db, "Kimi").stories
    assert not any("K2.5" in item.title for story in kimi.stories for item in story.items)


def test_week_or_newest_defaults_to_the_newest_digests_week(db, tmp_path) -> None:
    from storage.backend import open_db
    from storage.stories import week_or_newest

    end, stories = week_or_newest(db, None)
    assert end == "2026-02-08" and stories == week_board(db, "2026-02-08")
    assert week_or_newest(db, "2026-01-31")[1] == week_board(db, "2026-01-31")
    empty = open_db(tmp_path / "empty.db")
    assert week_or_newest(empty, None) == (None, [])
    empty.close()
