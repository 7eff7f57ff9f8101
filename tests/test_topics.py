"""storage/topics.py: one remembered thread per forum topic, on both backends."""

from __future__ import annotations

from storage import topics
from storage.backend import open_db


def test_the_first_thread_remembered_for_a_topic_wins(db_location: str) -> None:
    db = open_db(db_location)
    assert topics.thread_of(db, "-100", "政策与监管") is None
    assert topics.remember_thread(db, "-100", "政策与监管", 7) == 7
    assert topics.remember_thread(db, "-100", "政策与监管", 9) == 7  # another worker was first
    assert topics.remember_thread(db, "-200", "政策与监管", 9) == 9  # another forum
    assert topics.remember_thread(db, "-100", topics.WEEK_TOPIC, 11) == 11
    assert topics.threads(db, "-100") == {"政策与监管": 7, topics.WEEK_TOPIC: 11}
    db.close()
    reopened = open_db(db_location)  # kept across restarts
    assert topics.thread_of(reopened, "-100", "政策与监管") == 7
    reopened.close()


def test_a_gone_thread_is_forgotten_once_and_only_if_unchanged(db_location: str) -> None:
    db = open_db(db_location)
    topics.remember_thread(db, "-100", "政策与监管", 7)
    assert not topics.forget_thread(db, "-100", "政策与监管", 8)  # already replaced by another
    assert topics.forget_thread(db, "-100", "政策与监管", 7)
    assert not topics.forget_thread(db, "-100", "政策与监管", 7)
    assert topics.remember_thread(db, "-100", "政策与监管", 12) == 12
    db.close()
