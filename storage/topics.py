"""Forum topics the bot created in a forum chat: which thread holds which topic.

A topic is named by a key that never changes (a category's canonical name, or
`WEEK_TOPIC` for the weekly board); its thread id is what Telegram returned
from createForumTopic. The primary key (chat, topic) keeps one thread per topic:
whoever remembers a topic first wins, and everyone else reads theirs. Creating
a topic is done under a lease (`creation_lease`), so two workers sharing the
database do not both ask Telegram for it (bot/topics.py).
"""

from __future__ import annotations

from storage.backend import Database
from storage.posts import utc_now

WEEK_TOPIC = "week"  # the weekly story board's topic


def thread_of(db: Database, chat_id: str, topic: str) -> int | None:
    """Return the thread id of `topic` in the forum `chat_id`, or None if it was never created."""
    row = db.execute("SELECT thread_id FROM forum_topics WHERE chat_id = $1 AND topic = $2",
                     (chat_id, topic)).fetchone()
    return row[0] if row else None


def remember_thread(db: Database, chat_id: str, topic: str, thread_id: int) -> int:
    """Remember the thread created for `topic`; return the thread the database holds for it
    (an earlier one, if another worker remembered one first)."""
    with db.transaction():
        db.write("INSERT INTO forum_topics VALUES ($1, $2, $3, $4) ON CONFLICT (chat_id, topic) "
                 "DO NOTHING", (chat_id, topic, thread_id, utc_now()))
        held = thread_of(db, chat_id, topic)
    return thread_id if held is None else held  # never None: the row was just written, or was there


def forget_thread(db: Database, chat_id: str, topic: str, thread_id: int) -> bool:
    """Forget `topic`'s thread if it is still `thread_id` (Telegram said it is gone); return
    False if it was already forgotten or replaced."""
    cursor = db.write("DELETE FROM forum_topics WHERE chat_id = $1 AND topic = $2 AND thread_id = $3",
                      (chat_id, topic, thread_id))
    return cursor.rowcount == 1


def threads(db: Database, chat_id: str) -> dict[str, int]:
    """Return every remembered topic of the forum `chat_id` with its thread id."""
    rows = db.execute("SELECT topic, thread_id FROM forum_topics WHERE chat_id = $1 ORDER BY topic",
                      (chat_id,)).fetchall()
    return {topic: thread for topic, thread in rows}


def creation_lease(chat_id: str, topic: str) -> str:
    """Return the name of the lease (storage/posts.py) held while creating `topic` in `chat_id`."""
    return f"topic:{chat_id}:{topic}"
