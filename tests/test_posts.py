"""storage/posts.py: saved queries, on both backends."""

from __future__ import annotations

from storage import posts


def test_saved_queries_have_unguessable_ids_and_keep_them(db) -> None:
    first, second = posts.remember_query(db, "红包"), posts.remember_query(db, "阶跃星辰")
    assert posts.QUERY_ID_MIN <= min(first, second) and max(first, second) < posts.QUERY_ID_MAX
    assert abs(first - second) > 1000  # not a sequence a reader can walk
    assert posts.remember_query(db, "红包") == first
    assert posts.recall_query(db, first) == "红包" and posts.recall_query(db, second) == "阶跃星辰"
    for guess in (first + 1, first - 1, 0, -1, 2**63 - 1, 10**30):
        assert posts.recall_query(db, guess) is None


def test_a_query_saved_in_sequence_is_not_recalled_and_gets_a_random_id(db) -> None:
    db.write("INSERT INTO queries (id, text, used_at) VALUES (3, 'old', '2026-01-01T00:00:00')")
    assert posts.recall_query(db, 3) is None
    fresh = posts.remember_query(db, "old")
    assert fresh >= posts.QUERY_ID_MIN and posts.recall_query(db, fresh) == "old"
    assert db.execute("SELECT count(*) FROM queries WHERE text = 'old'").fetchone()[0] == 1
