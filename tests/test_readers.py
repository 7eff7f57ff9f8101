"""Readers' storage and rendering: subscriptions, watches and their alerts, usage, /trend, /week."""

from __future__ import annotations

import datetime as dt

from bot.i18n import translations
from bot.render import MAX_LENGTH, utf16_len
from bot.render import readers as reader_render
from storage import readers
from storage.index import ingest_bytes
from storage.model import Item, Trend
from storage.readers import WatchAlert
from storage.search import weekly_counts
from storage.stories import week_board
from tests.conftest import BUNDLED

ZH = translations("zh")
SAMPLE = BUNDLED / "003_88ec4899e4da85ae.txt"  # 2026-02-08


def _redated(date: str) -> bytes:
    day = dt.date.fromisoformat(date)
    return SAMPLE.read_bytes().replace("2026年2月8日".encode(), f"{day.year}年{day.month}月{day.day}日"
                                       .encode(), 1)


def test_subscribe_keeps_canonical_order_and_unsubscribe_reports_change(db) -> None:
    reader = readers.subscribe(db, 7, ["投融资与并购", "政策与监管", "投融资与并购"])
    assert reader.categories == ("政策与监管", "投融资与并购") and reader.subscribed
    assert readers.unsubscribe(db, 7) and not readers.unsubscribe(db, 7)
    readers.subscribe(db, 7, [])
    readers.mark_blocked(db, 7)
    assert readers.subscribers(db) == []
    assert not readers.subscribe(db, 7, []).blocked  # subscribing again clears the block


def test_add_watch_outcomes(db) -> None:
    assert readers.add_watch(db, 7, "  阶跃  星辰 ") == "added"
    assert readers.watches_of(db, 7) == ["阶跃 星辰"]
    assert readers.add_watch(db, 7, "阶跃 星辰") == "exists"
    assert readers.add_watch(db, 7, "x" * 51) == "too_long"
    for n in range(readers.MAX_WATCHES - 1):
        readers.add_watch(db, 7, f"词{n}")
    assert readers.add_watch(db, 7, "one more") == "full"
    assert readers.remove_watch(db, 7, "阶跃 星辰") and not readers.remove_watch(db, 7, "阶跃 星辰")


def test_watch_alerts_use_aliases_only_new_digests_and_never_repeat(db) -> None:
    readers.mark_scanned(db, readers.unscanned_digests(db))  # the archive before any watch
    readers.add_watch(db, 7, "Qwen")
    readers.add_watch(db, 8, "阶跃星辰")
    assert readers.watch_alerts(db, readers.unscanned_digests(db)) == []
    ingest_bytes(db, _redated("2026-03-02"), "new.md")
    versions = readers.unscanned_digests(db)
    assert [v[0] for v in versions] == ["2026-03-02"]
    alerts = {a.chat_id: a for a in readers.watch_alerts(db, versions)}
    qwen = [item.title for item, _ in alerts[7].matches]
    assert "通义千问Qwen3系列发布" in qwen and any("千问" in t and "Qwen" not in t for t in qwen)
    assert all(item.date == "2026-03-02" for a in alerts.values() for item, _ in a.matches)
    readers.record_alert(db, alerts[7])
    again = {a.chat_id: a for a in readers.watch_alerts(db, versions)}
    assert 7 not in again and 8 in again  # reader 8's alert was not confirmed sent


def test_reader_stats_count_readers_watches_and_queries(db) -> None:
    readers.subscribe(db, 1, [])
    readers.subscribe(db, 2, [])
    readers.mark_blocked(db, 2)
    readers.add_watch(db, 3, "红包")
    for day, query in (("2026-02-01", "红包"), ("2026-02-02", "红包"), ("2026-02-02", "千问"),
                       ("2026-01-01", "旧的")):
        readers.record_use(db, day, "search", query)
    stats = readers.reader_stats(db, "2026-02-01")
    assert (stats.subscribers, stats.blocked, stats.watches, stats.watchers) == (1, 1, 1, 1)
    assert stats.queries_per_day == (("2026-02-01", 1), ("2026-02-02", 2))
    assert stats.top_queries == (("红包", 2), ("千问", 1))


def test_weekly_counts_cover_every_week_and_sum_to_the_matches(db) -> None:
    trend = weekly_counts(db, "红包")
    assert trend.total == 6 == sum(n for _, n in trend.weeks)
    assert all(week.weekday() == 0 for week, _ in trend.weeks)
    assert trend.weeks[0][0] == dt.date(2026, 1, 26) and trend.weeks[-1][0] == dt.date(2026, 2, 2)
    assert weekly_counts(db, "红").message == "too_short" and weekly_counts(db, " ").message == "empty"
    assert weekly_counts(db, "鳄鱼潜艇").total == 0


def test_trend_caption_fits_a_caption_and_names_the_numbers() -> None:
    weeks = tuple((dt.date(2020, 1, 6) + dt.timedelta(days=7 * i), i % 5) for i in range(300))
    trend = Trend("<红包&>" * 30, sum(n for _, n in weeks), weeks)
    caption = reader_render.trend_caption(ZH, trend)
    assert len(caption) <= 1024 and "&lt;红包&amp;&gt;" in caption and "<红包" not in caption


def test_watch_alert_lists_ten_items_then_counts_the_rest() -> None:
    items = [Item(date="2026-02-08", category="产品与应用发布", title=f"<条目 {n}>",
                  summary="说明" * 300, position=n, id=n) for n in range(14)]
    alert = WatchAlert(7, tuple((item, ("红包",)) for item in items))
    text = reader_render.watch_alert(ZH, alert).text
    assert utf16_len(text) <= MAX_LENGTH and "另有 4 条" in text and "&lt;条目 0&gt;" in text


def test_week_board_render_numbers_stories_with_days(db) -> None:
    replies = reader_render.week_board(ZH, week_board(db, "2026-02-08"), "2026-02-02", "2026-02-08")
    text = replies[0].text
    assert text.startswith("📅 <b>一周事件榜</b> 02-02 ~ 02-08") and "1. <b>" in text
    assert "2 天 · 2 篇（02-03、02-08）" in text
    assert all(utf16_len(r.text) <= MAX_LENGTH for r in replies)


def test_watch_with_exclusions_skips_items_mentioning_them(db) -> None:
    readers.mark_scanned(db, readers.unscanned_digests(db))
    assert readers.add_watch(db, 7, "红包 -文心") == "added"
    assert readers.add_watch(db, 8, "千问 !免单") == "added"  # through the aliases, less 免单
    ingest_bytes(db, _redated("2026-03-02"), "new.md")
    alerts = {a.chat_id: a for a in readers.watch_alerts(db, readers.unscanned_digests(db))}
    red = {item.title for item, _ in alerts[7].matches}
    assert "腾讯元宝发放10亿元红包" in red and "阿里千问启动30亿元春节免单活动" in red
    assert "百度文心投入5亿元红包" not in red
    qwen = {item.title for item, _ in alerts[8].matches}
    assert "通义千问Qwen3系列发布" in qwen and not any("免单" in t for t in qwen)
    assert {kw for _, kws in alerts[7].matches for kw in kws} == {"红包 -文心"}


def test_a_watch_of_exclusions_only_is_refused(db) -> None:
    assert readers.add_watch(db, 7, "-文心") == "only_excluded"
    assert readers.add_watch(db, 7, "-文心 !千问") == "only_excluded"
    assert readers.watches_of(db, 7) == []
    assert "红包 -文心" in reader_render.watch_added(ZH, "-文心", "only_excluded", []).text


# --- languages -----------------------------------------------------------------------------


def test_language_choice_is_remembered_and_auto_forgets_it(db) -> None:
    assert readers.language_choice(db, 7) == "" and readers.language_settings(db, 7) == ("", "")
    readers.choose_language(db, 7, "en")
    readers.remember_client_language(db, 7, "zh-hans")
    assert readers.language_choice(db, 7) == "en"
    assert readers.language_settings(db, 7) == ("en", "zh-hans")
    readers.choose_language(db, 7, "")  # /lang auto: the client's language again
    assert readers.language_settings(db, 7) == ("", "zh-hans")
    readers.remember_client_language(db, 7, None)
    assert readers.language_settings(db, 7) == ("", "")


def test_subscribers_and_watch_alerts_carry_their_language(db) -> None:
    readers.subscribe(db, 7, [])
    readers.subscribe(db, 8, [])
    readers.remember_client_language(db, 7, "en-US")
    readers.choose_language(db, 8, "en")
    by_chat = {r.chat_id: (r.language_choice, r.client_language) for r in readers.subscribers(db)}
    assert by_chat == {7: ("", "en-US"), 8: ("en", "")}
    assert readers.get_reader(db, 8).language_choice == "en"
    readers.add_watch(db, 7, "阶跃星辰")
    db.execute("UPDATE watches SET created_at = '2000-01-01'")  # older than every digest
    alerts = readers.watch_alerts(db, readers.unscanned_digests(db))
    assert [(a.chat_id, a.language_choice, a.client_language) for a in alerts] == [(7, "", "en-US")]
