"""What is hot: term extraction at ingest, rising / new / fading, period comparison (both backends)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from storage import hot as hot_module
from storage import terms
from storage.backend import open_db
from storage.hot import compare_periods, hot, overlapping, rising_term
from storage.index import generation, ingest_bytes, ingest_paths
from storage.model import HotResult, HotTerm
from tests.hot_archive import END, FADER, NEW, OLD_NEW, RISER, STEADY, write_archive


def _names(terms_: tuple) -> list[str]:
    return [term.term for term in terms_]


@pytest.fixture
def hot_db(db_location: str, tmp_path: Path):
    """An index of the generated archive with planted terms (tests/hot_archive.py)."""
    write_archive(tmp_path / "hot")
    database = open_db(db_location)
    ingest_paths(database, [tmp_path / "hot"])
    yield database
    database.close()


def test_an_items_terms_keep_names_whole_and_leave_stop_words_out() -> None:
    found = terms.item_terms("月之暗面发布Kimi K2.5", "OpenAI 推出 GPT-5.3 Codex，Manus 上线新功能，"
                             "具身智能公司宇树科技完成融资")
    assert "Kimi K2.5" in found and "GPT-5.3 Codex" in found and "Manus" in found
    assert "月之暗面" in found and "OpenAI" in found and "宇树" in found  # alias groups, first name
    assert "具身智能" in found  # a word of hot_words.json, kept whole
    for left_out in ("发布", "推出", "融资", "公司", "完成", "Kimi", "科技", "上线"):
        assert left_out not in found, left_out


def test_alias_names_count_once_for_their_group() -> None:
    assert terms.item_terms("通义千问与Qwen3", "千问 App 上线，通义团队") .count("千问") == 1
    assert "千问" in terms.item_terms("Qwen 更新", "")
    assert "Meta" not in terms.item_terms("Metaverse 新品", "")  # a Latin alias is a whole word


def test_an_item_counts_once_per_term(hot_db) -> None:
    rows = hot_db.execute("SELECT terms FROM item_terms").fetchall()
    assert rows and all(len(set(terms.unpacked(r[0]))) == len(terms.unpacked(r[0])) for r in rows)
    assert hot_db.execute("SELECT count(*) FROM item_terms").fetchone()[0] == \
        hot_db.execute("SELECT count(*) FROM items").fetchone()[0]


def test_riser_and_new_name_lead_their_lists_steady_and_fader_do_not(hot_db) -> None:
    result = hot(hot_db, END.isoformat())
    assert result.message is None
    assert (result.since, result.until) == ((END - dt.timedelta(days=6)).isoformat(), END.isoformat())
    assert RISER in _names(result.rising)[:5]
    assert NEW in _names(result.new)[:5]
    for listed in (result.rising, result.new):
        assert STEADY not in _names(listed)
    assert FADER in _names(result.fading)
    riser = next(t for t in result.rising if t.term == RISER)
    assert (riser.count, riser.before) == (6, 1.0) and len(riser.items) == 6
    new = next(t for t in result.new if t.term == NEW)
    assert (new.count, new.before) == (3, 0.0) and new.first_seen >= result.since
    fader = next(t for t in result.fading if t.term == FADER)
    assert (fader.count, fader.before) == (0, 4.0)
    assert riser.first_seen == (END - dt.timedelta(days=7 * 7)).isoformat()  # week 7, its first
    # The items behind a term are the period's items naming it.
    named = hot_db.execute("SELECT id, title FROM items WHERE id IN (" + ", ".join(
        map(str, new.items)) + ")").fetchall()
    assert len(named) == 3 and all(NEW in title for _, title in named)


def test_two_weeks_back_shows_the_state_of_that_time(hot_db) -> None:
    then = hot(hot_db, (END - dt.timedelta(days=14)).isoformat())
    assert OLD_NEW in _names(then.new)
    assert NEW not in _names(then.new) + _names(then.rising)  # it did not exist yet
    assert RISER not in _names(then.rising)  # still 1 a week then
    assert FADER not in _names(then.fading)  # still 4 a week then
    now = hot(hot_db, END.isoformat())
    assert OLD_NEW not in _names(now.new) + _names(now.rising)


def test_empty_archive_one_week_archive_and_a_period_without_digests(db_location: str,
                                                                     tmp_path: Path) -> None:
    database = open_db(db_location)
    assert hot(database, END.isoformat()).message == "empty"
    write_archive(tmp_path / "one", weeks=1)
    ingest_paths(database, [tmp_path / "one"])
    one_week = hot(database, END.isoformat())
    assert one_week.message == "no_history" and one_week.items > 0
    assert not (one_week.rising or one_week.new or one_week.fading)
    later = hot(database, (END + dt.timedelta(days=30)).isoformat())
    assert later.message == "no_digests" and later.newest == END.isoformat()
    database.close()


def test_overlapping_forms_are_listed_once(db_location: str, tmp_path: Path) -> None:
    write_archive(tmp_path / "a")
    extra = tmp_path / "a" / "extra.md"
    day = END.isoformat()
    extra.write_text("\n".join([f"# AI 行业动态 ({day})", "", "**行业落地与生态**", ""] + [
        line for n in range(4) for line in (
            f"**具身{'智能' if n % 2 else '机器人'}新品{n}**", "说明：具身智能与具身机器人。",
            f"来源出处：[来源](https://example.com/x/{n})", "")]), encoding="utf-8")
    (tmp_path / "a" / f"{day}.md").unlink()  # the extra file is that day's digest
    database = open_db(db_location)
    ingest_paths(database, [tmp_path / "a"])
    result = hot(database, day)
    listed = _names(result.rising) + _names(result.new)
    forms = [name for name in listed if name.startswith("具身")]
    assert len(forms) == 1, listed
    database.close()


def test_overlap_is_by_substring_and_latin_word_boundary() -> None:
    assert overlapping("具身", "具身智能") and overlapping("GPT-5.3", "gpt-5")
    assert overlapping("Kimi", "Kimi K2.5")
    assert not overlapping("AI", "OpenAI") and not overlapping("红包", "千问")


def test_replacing_a_day_moves_first_seen_to_the_next_item(db_location: str, tmp_path: Path) -> None:
    database = open_db(db_location)
    names = {"2026-01-05": "Zorbix 首发", "2026-01-06": "Zorbix 更新", "2026-01-07": "别的"}
    for day, title in names.items():
        ingest_bytes(database, _digest(day, title), f"{day}.md")
    key = terms.fold("Zorbix")
    first = database.execute("SELECT first_id FROM term_first_seen WHERE term = $1", (key,)).fetchone()
    assert first[0] // 1000 == dt.date(2026, 1, 5).toordinal()
    ingest_bytes(database, _digest("2026-01-05", "改写了"), "2026-01-05.md")  # replaces that day
    first = database.execute("SELECT first_id FROM term_first_seen WHERE term = $1", (key,)).fetchone()
    assert first[0] // 1000 == dt.date(2026, 1, 6).toordinal()
    ingest_bytes(database, _digest("2026-01-06", "又改写了"), "2026-01-06.md")
    assert database.execute("SELECT first_id FROM term_first_seen WHERE term = $1",
                            (key,)).fetchone() is None  # no item names it any more
    database.close()


def test_a_replaced_first_day_hands_first_seen_to_the_next_stored_item(db_location: str,
                                                                        tmp_path: Path) -> None:
    database = open_db(db_location)
    for day, title in {"2026-01-05": "Zorbix 首发", "2026-01-06": "Zorbix 更新"}.items():
        ingest_bytes(database, _digest(day, title), f"{day}.md")
    # One batch: that first day without the name, and a later day naming it again.
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "2026-01-05.md").write_bytes(_digest("2026-01-05", "改写了"))
    (folder / "2026-02-01.md").write_bytes(_digest("2026-02-01", "Zorbix 又来了"))
    assert {o.status for o in ingest_paths(database, [folder])} == {"indexed"}
    first = database.execute("SELECT first_id FROM term_first_seen WHERE term = $1",
                             (terms.fold("Zorbix"),)).fetchone()
    assert first[0] // 1000 == dt.date(2026, 1, 6).toordinal()  # not the batch's 02-01
    database.close()


def _digest(day: str, title: str) -> bytes:
    return (f"# AI 行业动态 ({day})\n\n**{title}**\n说明：{title}。\n"
            f"来源出处：[来源](https://example.com/{day})\n").encode()


def test_a_rescan_fills_the_terms_of_an_index_from_before_terms(db_location: str, tmp_path: Path,
                                                                monkeypatch) -> None:
    write_archive(tmp_path / "old")
    database = open_db(db_location)
    ingest_paths(database, [tmp_path / "old"])
    expected = hot(database, END.isoformat())
    stored = database.execute("SELECT id, terms FROM item_terms ORDER BY id").fetchall()
    # The index as the previous schema left it: items, but no terms, marked by the migration.
    database.execute("DELETE FROM item_terms")
    database.execute("DELETE FROM term_first_seen")
    database.execute("UPDATE meta SET value = 'none' WHERE key = 'terms'")
    database.close()
    database = open_db(db_location)  # as after the upgrade: another process
    before = generation(database)
    assert hot(database, END.isoformat()).message == "terms_pending"
    chunks = -(-len(stored) // 50)
    monkeypatch.setattr(terms, "FILL_CHUNK", 50)
    progress: list[int] = []
    outcomes = ingest_paths(database, [tmp_path / "old"],  # a re-scan: every file unchanged
                            on_progress=lambda: progress.append(generation(database)))
    assert {o.status for o in outcomes} == {"unchanged"}
    # A sign of life after each chunk of the backfill (the bot renews its scan lease with it).
    assert len(progress) >= chunks > 2
    assert generation(database) > before
    assert database.execute("SELECT id, terms FROM item_terms ORDER BY id").fetchall() == stored
    assert hot(database, END.isoformat()) == expected
    assert terms.fill_terms(database) == 0  # done: nothing more to do
    database.close()


def test_the_migration_marks_an_index_with_items_for_filling(tmp_path: Path) -> None:
    from storage import sqlite

    database = open_db(tmp_path / "m.db")
    assert terms.stored_fingerprint(database) is None  # empty: nothing to fill
    ingest_bytes(database, _digest("2026-01-05", "Zorbix 首发"), "a.md")
    assert terms.stored_fingerprint(database) == terms.fingerprint()
    database.execute("DROP TABLE item_terms")
    database.execute("DROP TABLE term_first_seen")
    database.execute("DROP TABLE fanout")  # and the migration after it (the subscribers' fan-out)
    database.execute("DROP TABLE broadcast_budget")
    database.execute("ALTER TABLE readers DROP COLUMN format")
    database.execute(f"PRAGMA user_version = {len(sqlite.MIGRATIONS) - 2}")
    database.close()
    reopened = open_db(tmp_path / "m.db")
    assert terms.stored_fingerprint(reopened) == "none" and not terms.terms_current(reopened)
    assert terms.fill_terms(reopened) == 1
    assert reopened.execute("SELECT terms FROM item_terms").fetchone()[0] == "Zorbix"
    reopened.close()


def test_answers_are_kept_until_the_index_changes(hot_db, monkeypatch) -> None:
    calls = []
    real = hot_module._hot
    monkeypatch.setattr(hot_module, "_hot", lambda *a: calls.append(1) or real(*a))
    first = hot(hot_db, END.isoformat())
    assert hot(hot_db, END.isoformat()) is first and len(calls) == 1
    ingest_bytes(hot_db, _digest("2026-01-05", "Zorbix 首发"), "a.md")
    assert hot(hot_db, END.isoformat()) == first and len(calls) == 2


def test_compare_periods_finds_changed_shares_both_ways(hot_db) -> None:
    week0 = (END - dt.timedelta(days=6)).isoformat(), END.isoformat()
    week1 = (END - dt.timedelta(days=13)).isoformat(), (END - dt.timedelta(days=7)).isoformat()
    result = compare_periods(hot_db, *week1, *week0, limit=5)
    assert result.message is None and result.items_a > 0 and result.items_b > 0
    up, down = _names(result.up), _names(result.down)
    assert RISER in up and NEW in up and FADER in down
    assert STEADY not in up + down
    riser = next(c for c in result.up if c.term == RISER)
    assert (riser.count_a, riser.count_b) == (1, 6)
    assert riser.share_b == pytest.approx(6 / result.items_b)
    assert compare_periods(hot_db, week0[1], week0[0], *week1).message == "bad_range"
    assert compare_periods(hot_db, "2020-01-01", "2020-01-31", *week0).message == "no_digests"


def test_a_watch_keyword_names_a_rising_term_through_its_aliases(hot_db) -> None:
    result = hot(hot_db, END.isoformat())
    assert rising_term(result, ["脑机"]).term == RISER  # an overlapping form
    assert rising_term(result, ["红包"]) is None
    steady = HotTerm(STEADY, 6, 1.0, "2026-01-01", ())
    rising = HotResult(result.since, result.until, rising=(steady,))
    assert rising_term(rising, ["Qwen"]).term == STEADY  # Qwen is in 千问's group


def test_cli_hot_prints_the_lists_and_json(tmp_path: Path, capsys) -> None:
    from bot.cli import main

    write_archive(tmp_path / "arch")
    db_path = str(tmp_path / "cli.db")
    assert main(["--db", db_path, "ingest", str(tmp_path / "arch")]) == 0
    capsys.readouterr()
    assert main(["--db", db_path, "hot", "--date", END.isoformat(), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert set(answer) >= {"since", "until", "rising", "new", "fading"}
    assert answer["until"] == END.isoformat()
    riser = next(t for t in answer["rising"] if t["term"] == RISER)
    assert set(riser) == {"term", "count", "before", "first_seen", "items"}
    assert (riser["count"], riser["before"], len(riser["items"])) == (6, 1.0, 6)
    database = open_db(db_path)
    assert answer == hot(database, END.isoformat()).to_json()  # the storage answer, as is
    database.close()
    assert main(["--db", db_path, "hot", "--date", END.isoformat()]) == 0
    out = capsys.readouterr().out
    assert f"{RISER}  6 now, 1 a week before" in out and NEW in out and FADER in out
    assert main(["--db", db_path, "hot", "--date", "2020-01-05"]) == 1
    assert f"the newest is {END.isoformat()}" in capsys.readouterr().err
    assert main(["--db", str(tmp_path / "empty.db"), "hot"]) == 1
    assert "empty" in capsys.readouterr().err


def test_cli_hot_names_the_weeks_it_compares_with(tmp_path: Path, capsys) -> None:
    from bot.cli import main

    write_archive(tmp_path / "two", weeks=2)
    db_path = str(tmp_path / "two.db")
    assert main(["--db", db_path, "ingest", str(tmp_path / "two")]) == 0
    capsys.readouterr()
    assert main(["--db", db_path, "hot", "--date", END.isoformat()]) == 0
    assert "items, against the week before" in capsys.readouterr().out
    write_archive(tmp_path / "two", weeks=3)
    assert main(["--db", db_path, "ingest", str(tmp_path / "two")]) == 0
    capsys.readouterr()
    assert main(["--db", db_path, "hot", "--date", END.isoformat()]) == 0
    assert "items, against the 2 weeks before" in capsys.readouterr().out


def test_dates_a_view_cannot_show_are_refused(hot_db) -> None:
    from storage.hot import period_end

    today = dt.date(2026, 3, 29)
    assert period_end("0001-01-01", today) is None and period_end("9999-12-31", today) is None
    assert period_end("上周", today) == "2026-03-22" and period_end("", today) == "2026-03-29"
    with pytest.raises(ValueError):
        hot(hot_db, "0001-01-01")


def test_the_bots_scan_renews_its_lease_while_it_fills_terms(tmp_path: Path, monkeypatch) -> None:
    """A backfill after an upgrade can outlast LEASE_SECONDS: the scan's lease is renewed after
    each chunk, so no other worker starts the same scan meanwhile."""
    from bot import delivery
    from bot.config import load_settings
    from bot.state import BotState
    from storage import index, posts

    write_archive(tmp_path / "digests")
    database = open_db(tmp_path / "lease.db")
    ingest_paths(database, [tmp_path / "digests"])
    database.execute("UPDATE meta SET value = 'none' WHERE key = 'terms'")  # as after an upgrade
    settings = load_settings({"DIGEST_DIR": str(tmp_path / "digests"), "LEASE_SECONDS": "3"},
                             env_file=None)
    state = BotState()
    state.attach(database, settings)
    monkeypatch.setattr(terms, "FILL_CHUNK", 20)
    clock = [0.0]

    def ticking() -> float:  # every look at the clock: a lease's length later
        clock[0] += 3.0
        return clock[0]

    monkeypatch.setattr(delivery.time, "monotonic", ticking)
    filling = [False]
    fill = index.fill_terms

    def watched_fill(*args, **kwargs) -> int:
        filling[0] = True
        try:
            return fill(*args, **kwargs)
        finally:
            filling[0] = False

    monkeypatch.setattr(index, "fill_terms", watched_fill)
    renewals: list[str] = []  # the leases renewed while the terms were being filled
    acquire = posts.acquire_lease

    def counted(db, name: str, owner: str, seconds: float) -> bool:
        if filling[0]:
            renewals.append(name)
        return acquire(db, name, owner, seconds)

    monkeypatch.setattr(posts, "acquire_lease", counted)
    assert posts.acquire_lease(database, "rescan", state.worker, 3)
    outcomes = delivery._scan_holding_lease(state)
    assert {o.status for o in outcomes} == {"unchanged"} and terms.terms_current(database)
    items = database.execute("SELECT count(*) FROM items").fetchone()[0]
    assert renewals.count("rescan") >= items // 20 > 2  # renewed after every chunk
    database.close()
