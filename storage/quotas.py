"""The daily quota of AI answers per reader (LLM_DAILY_PER_USER), kept in the database so every
worker sharing it counts the same uses."""

from __future__ import annotations

from storage.backend import Database


def take_ai_answer(db: Database, day: str, user_id: int, limit: int) -> bool:
    """Count one AI answer for `user_id` on `day` (YYYY-MM-DD) and return True, or return False
    when the reader already had `limit` that day. Days before `day` are forgotten."""
    with db.transaction():
        db.write("DELETE FROM ai_answers WHERE day < $1", (day,))
        db.write("INSERT INTO ai_answers VALUES ($1, $2, 0) ON CONFLICT (day, user_id) DO NOTHING",
                 (day, user_id))
        taken = db.write("UPDATE ai_answers SET uses = uses + 1 WHERE day = $1 AND user_id = $2 "
                         "AND uses < $3", (day, user_id, limit))
    return taken.rowcount == 1


def ai_answers_used(db: Database, day: str, user_id: int) -> int:
    """Return how many AI answers `user_id` got on `day`."""
    row = db.execute("SELECT uses FROM ai_answers WHERE day = $1 AND user_id = $2",
                     (day, user_id)).fetchone()
    return int(row[0]) if row else 0
