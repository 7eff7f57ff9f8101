"""Handler-path timing: /search, /what, /today and questions (plain text, answered as in a private
chat: understanding + answering, no model) through bot.offline.Session (real PTB, no network).

The Application has PTB's AIORateLimiter (30 messages/s overall, Telegram's
limit), which also runs offline. Back-to-back asks would measure the limiter's
waiting, not the handlers, so the asks are paced below that rate; the pauses
are outside the timed calls.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.config import Settings
from bot.offline import Session

USER_ID = 1000
QUESTION = "question (list)"  # the list questions' row in the figures, compared with /search
OTHER_QUESTIONS = "question (story, day)"
COMMANDS: dict[str, tuple[str, ...]] = {
    "/search": ("/search 红包", "/search Kimi K2.5", "/search 阶跃星辰", "/search AI"),
    "/what": ("/what 阶跃星辰", "/what 千问"),
    "/today": ("/today",),
    "/hot": ("/hot 2026-02-08", "/hot 2026-01-25"),  # the archive ends 2026-02-08 (bench/generate.py)
    # Questions the generated archive (back from 2026-02-08) answers: lists (compared with /search:
    # dates in words and absolute, a category, names with aliases, a long keyword loosened), and
    # beside them a story and a day (which cost what /what and /today cost).
    QUESTION: ("2026年2月有哪些融资", "Kimi 最近有什么新闻", "2026年1月的模型", "千问春节活动投了多少钱",
               "腾讯的产品", "funding in February 2026"),
    OTHER_QUESTIONS: ("阶跃星辰最近怎么样", "what happened with Anthropic in January 2026",
                      "2026-02-03的日报"),
}
APOLOGY = "抱歉，处理这条消息时出了点问题"
PACE_PER_S = 20.0  # messages per second, below the limiter's 30
BURST = 20.0  # messages sent without pausing


class Pacer:
    """A leaky bucket that mirrors the rate limiter's, with a lower rate and capacity."""

    def __init__(self) -> None:
        self.level = 0.0
        self.at = time.monotonic()

    async def wait(self) -> None:
        now = time.monotonic()
        self.level = max(0.0, self.level - (now - self.at) * PACE_PER_S)
        self.at = now
        if self.level > BURST:
            await asyncio.sleep((self.level - BURST) / PACE_PER_S)

    def sent(self, messages: int) -> None:
        now = time.monotonic()
        self.level = max(0.0, self.level - (now - self.at) * PACE_PER_S) + messages
        self.at = now


async def _run(db_path: Path, digest_dir: Path, reps: int, budget_s: float) -> dict:
    settings = Settings(db_path=str(db_path), digest_dir=str(digest_dir))
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    messages: dict[str, int] = dict.fromkeys(COMMANDS, 0)
    errors = 0
    pacer = Pacer()
    async with Session(settings, str(db_path)) as session:
        for texts in COMMANDS.values():  # warm-up: PTB's first-update paths, SQLite caches
            for text in texts:
                pacer.sent(len(await session.ask(text, USER_ID)))
        start = time.perf_counter()
        for rep in range(reps):
            if time.perf_counter() - start > budget_s:
                break
            for name, texts in COMMANDS.items():
                await pacer.wait()
                began = time.perf_counter()
                sent = await session.ask(texts[rep % len(texts)], USER_ID)
                times[name].append((time.perf_counter() - began) * 1000)
                pacer.sent(len(sent))
                messages[name] += len(sent)
                errors += sum(APOLOGY in m["text"] for m in sent) + (not sent)
    return {"times": times, "messages": messages, "errors": errors}


def time_handlers(db_path: Path, digest_dir: Path, reps: int, budget_s: float) -> dict:
    """Return {"times": {command: [ms]}, "messages": {command: n}, "errors": n}."""
    return asyncio.run(_run(db_path, digest_dir, reps, budget_s))
