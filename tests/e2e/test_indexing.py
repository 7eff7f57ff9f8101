"""Indexing runs off the event loop, end to end: real Application, fake Bot API over HTTP, both
backends. Thousands of generated digests are dropped into DIGEST_DIR and an admin sends /reindex;
readers who write while the scan runs are answered before it finishes, and the admin gets the
scan's result when it is done."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest

from bench.generate import ITEMS_PER_DAY, generate
from bot.i18n import translations
from bot.render import admin as admin_render
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.test_admin_and_schedule import _until_first_rescan

GENERATED_DIGESTS = 2_000
BUNDLED_DIGESTS = 5
SCAN_TIMEOUT_S = 300  # a generous bound on a loaded machine (xdist workers), not a performance assertion
READERS = {  # reader -> the command they send while the scan runs
    5001: "/search 融资",
    5002: "/today",
    5003: "/what 阶跃星辰",
    5004: "/help",
}
INLINE_READER = 5005


@pytest.fixture(scope="module")
def generated_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few thousand synthetic digests (bench/generate.py, deterministic), made once per module."""
    out = tmp_path_factory.mktemp("generated")
    assert len(generate(out, GENERATED_DIGESTS * ITEMS_PER_DAY)) == GENERATED_DIGESTS
    return out


def _first_reply(calls: list[dict], chat_id: int) -> int:
    """Return the position among `calls` of the first message the bot sent to `chat_id`
    (len(calls) if none: not answered yet)."""
    return next((i for i, c in enumerate(calls)
                 if c["status"] == 200 and str(c["params"].get("chat_id")) == str(chat_id)),
                len(calls))


def _rescan_lease_holder(db) -> str | None:
    row = db.execute("SELECT owner FROM leases WHERE name = $1", ("rescan",)).fetchone()
    return row[0] if row else None


async def _until_scanning(bot, fake_api) -> None:
    """Wait until the bot holds the re-scan lease: its scan has begun and not finished yet."""
    deadline = time.monotonic() + SCAN_TIMEOUT_S
    while await asyncio.to_thread(_rescan_lease_holder, bot.db) != bot.app.bot_data.worker:
        assert not fake_api.sent(ADMIN_ID), "the scan finished before the readers could write"
        assert time.monotonic() < deadline, "the scan did not start"
        await asyncio.sleep(0.02)


async def test_readers_are_answered_while_reindex_scans_thousands_of_digests(
        bot, settings, fake_api, generated_archive: Path) -> None:
    await _until_first_rescan(bot)
    await asyncio.to_thread(shutil.copytree, generated_archive,
                            Path(settings.digest_dir) / "generated")

    fake_api.push_command("/reindex", user_id=ADMIN_ID)
    await _until_scanning(bot, fake_api)
    for reader, text in READERS.items():
        fake_api.push_command(text, user_id=reader)
    fake_api.push_inline_query("融资", user_id=INLINE_READER)

    await fake_api.wait_for_async(
        lambda c: c["method"] == "sendMessage" and c["status"] == 200
        and str(c["params"].get("chat_id")) == str(ADMIN_ID)
        and str(c["params"].get("text")).startswith("🔄 扫描完成"), timeout=SCAN_TIMEOUT_S)
    calls = fake_api.calls()
    started, result = [m["text"] for m in fake_api.sent(ADMIN_ID)]  # "scanning" at once, then this
    assert started == admin_render.reindex_started(translations("zh")).text
    assert result.startswith(f"🔄 扫描完成：{GENERATED_DIGESTS + BUNDLED_DIGESTS} 个文件，"
                             f"新索引 {GENERATED_DIGESTS}，未变 {BUNDLED_DIGESTS}，拒绝 0")
    done_at = next(i for i, c in enumerate(calls) if c["method"] == "sendMessage"
                   and str(c["params"].get("text")).startswith("🔄 扫描完成"))

    # Every reader was answered before the admin's result, i.e. while the scan was running.
    for reader, text in READERS.items():
        assert _first_reply(calls, reader) < done_at, f"{text} waited for the scan"
    inline = next((i for i, c in enumerate(calls) if c["method"] == "answerInlineQuery"),
                  len(calls))
    assert inline < done_at, "the inline query waited for the scan"
    replies = {reader: fake_api.sent(reader)[0]["text"] for reader in READERS}
    assert "融资" in replies[5001]
    assert "日报" in replies[5002]
    assert "阶跃星辰" in replies[5003]
    assert "/search" in replies[5004]
