"""Admin commands facing hostile or odd input end to end: admin output only in private, edited
messages never re-run a command, uploads held to their limit by the bytes downloaded, a failed
download answered, a removed digest file or day taken out of the index (on both backends)."""

from __future__ import annotations

import time
from pathlib import Path

from handlers.common import today_in_zone
from storage import posts, readers
from storage.digests import digest_on
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.test_admin_and_schedule import (
    CHANNEL,
    _admin_says,
    _digest_for,
    _to_chat,
    _until_first_rescan,
)

GROUP = -5001
IN_PRIVATE = "管理员命令请在和我的私聊中使用。"


async def test_admin_commands_in_a_group_answer_only_where_to_use_them(bot, fake_api) -> None:
    commands = ["/stats", "/preview", "/targets", "/schedule 09:30", "/push 2026-02-08 force",
                "/reindex", "/pause", "/resume", "/weekly off", "/remove 2026-02-08"]
    for command in commands:
        fake_api.push_command(command, chat_id=GROUP, user_id=ADMIN_ID, chat_type="group")
    await fake_api.wait_for_async(_to_chat(GROUP), count=len(commands), timeout=30)
    assert [m["text"] for m in fake_api.sent(GROUP)] == [IN_PRIVATE] * len(commands)
    assert posts.get_setting(bot.db, "post_time") is None  # nothing was changed either
    assert posts.get_setting(bot.db, "paused") is None
    assert posts.get_setting(bot.db, "weekly_post") is None
    assert digest_on(bot.db, "2026-02-08") is not None and not fake_api.sent(CHANNEL)
    fake_api.push_command("/stats", chat_id=GROUP, user_id=1001, chat_type="group")
    await fake_api.wait_for_async(_to_chat(GROUP), count=len(commands) + 1)
    assert fake_api.sent(GROUP)[-1]["text"] == "抱歉，这个命令仅限管理员使用。"  # as before


def _edit(fake_api, text: str) -> None:
    """Queue an admin's private message edited into `text` (a command)."""
    message = {"message_id": 77, "date": int(time.time()) - 3600, "edit_date": int(time.time()),
               "chat": {"id": ADMIN_ID, "type": "private", "first_name": "Admin"},
               "from": {"id": ADMIN_ID, "is_bot": False, "first_name": "Admin",
                        "language_code": "zh-hans"},
               "text": text,
               "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}
    fake_api.push_update({"edited_message": message})


async def test_an_edited_message_never_runs_an_admin_command(bot, fake_api) -> None:
    for command in ("/push 2026-02-08 force", "/stats", "/pause", "/remove 2026-02-08"):
        _edit(fake_api, command)
    fake_api.push_command("/help", user_id=ADMIN_ID)  # answered after the edits were handled
    await _admin_says(fake_api, "/search")
    assert not fake_api.sent(CHANNEL)
    (helped,) = fake_api.sent(ADMIN_ID)  # nothing for the edits, not even "no such command"
    assert "/search" in helped["text"]
    assert posts.get_setting(bot.db, "paused") is None
    assert digest_on(bot.db, "2026-02-08") is not None


async def test_an_upload_is_held_to_2_mb_by_the_bytes_downloaded(bot, fake_api) -> None:
    big = _digest_for("2026-03-07") + b"\n" + b"x" * (3 * 1024 * 1024)
    fake_api.add_file("undeclared", big, "digest-0307.md", declared_size=None)
    fake_api.add_file("understated", big, "digest-0307.md", declared_size=1000)
    for file_id in ("undeclared", "understated"):
        fake_api.push_document(file_id, user_id=ADMIN_ID)
    await fake_api.wait_for_async(_to_chat(ADMIN_ID, "文件太大（上限 2 MB）"), count=2, timeout=30)
    assert digest_on(bot.db, "2026-03-07") is None
    assert not [m for m in fake_api.sent(ADMIN_ID) if "已索引" in (m["text"] or "")]


async def test_a_failed_download_is_answered_without_a_traceback(bot, fake_api, caplog) -> None:
    fake_api.add_file("lost", _digest_for("2026-03-08"), "digest-0308.md")
    fake_api.fail_with("getFile", 400, "Bad Request: file is too big")
    fake_api.push_document("lost", user_id=ADMIN_ID)
    failed = await _admin_says(fake_api, "没能下载这个文件")
    assert failed["text"] == "❌ 没能下载这个文件（BadRequest），请重新发送。"
    fake_api.fail_with("downloadFile", 404, "Not Found")
    fake_api.push_document("lost", user_id=ADMIN_ID)
    await _admin_says(fake_api, "没能下载这个文件", count=2)
    assert digest_on(bot.db, "2026-03-08") is None
    assert not [m for m in fake_api.sent(ADMIN_ID) if "出了点问题" in (m["text"] or "")]
    assert not [r for r in caplog.records if r.exc_info]


async def test_reindex_takes_out_a_digest_whose_file_was_deleted(bot, settings, fake_api) -> None:
    await _until_first_rescan(bot)
    (Path(settings.digest_dir) / "003_88ec4899e4da85ae.txt").unlink()  # 2026-02-08
    fake_api.push_command("/reindex", user_id=ADMIN_ID)
    report = (await _admin_says(fake_api, "扫描完成"))["text"]
    assert "removed" in report and "2026-02-08" in report
    assert digest_on(bot.db, "2026-02-08") is None
    assert bot.db.execute("SELECT count(*) FROM items WHERE date = '2026-02-08'").fetchone()[0] == 0
    fake_api.push_command("/today 2026-02-08", user_id=ADMIN_ID)
    await _admin_says(fake_api, "没有 2026-02-08 的日报")
    fake_api.push_command("/reindex", user_id=ADMIN_ID)  # nothing more to take out
    again = (await _admin_says(fake_api, "扫描完成", count=2))["text"]
    assert "removed" not in again


async def test_remove_takes_a_day_out_until_its_file_changes(bot, settings, fake_api) -> None:
    await _until_first_rescan(bot)
    fake_api.push_command("/remove 2026-02-08", user_id=ADMIN_ID)
    removed = await _admin_says(fake_api, "移出索引")
    assert "2026-02-08" in removed["text"]
    assert digest_on(bot.db, "2026-02-08") is None
    fake_api.push_command("/reindex", user_id=ADMIN_ID)  # the file is still there: stays out
    await _admin_says(fake_api, "扫描完成")
    assert digest_on(bot.db, "2026-02-08") is None
    fake_api.push_command("/remove 2026-02-08", user_id=ADMIN_ID)
    await _admin_says(fake_api, "没有 2026-02-08 的日报")
    fake_api.push_command("/remove tomorrow", user_id=ADMIN_ID)
    await _admin_says(fake_api, "用法：/remove")
    path = Path(settings.digest_dir) / "003_88ec4899e4da85ae.txt"
    path.write_bytes(path.read_bytes() + b"\n")  # changed: indexed again by the next scan
    fake_api.push_command("/reindex", user_id=ADMIN_ID)
    await _admin_says(fake_api, "扫描完成", count=2)
    assert digest_on(bot.db, "2026-02-08") is not None


async def test_stats_shows_usage_figures_without_control_characters(bot, fake_api) -> None:
    day = today_in_zone(bot.settings)
    for _ in range(3):
        readers.record_use(bot.db, day, "search", "红\x1b[31m包\x07\x7f")
    fake_api.push_command("/stats", user_id=ADMIN_ID)
    stats = (await _admin_says(fake_api, "📊"))["text"]
    assert "红[31m包（3）" in stats
    assert not any(ch in stats for ch in "\x1b\x07\x7f")


async def test_an_uploaded_day_removed_stays_out_of_later_scans(bot, fake_api) -> None:
    await _until_first_rescan(bot)
    fake_api.add_file("to-remove", _digest_for("2026-03-09"), "digest-0309.md")
    fake_api.push_document("to-remove", user_id=ADMIN_ID)
    await _admin_says(fake_api, "✅ 已索引")
    fake_api.push_command("/remove 2026-03-09", user_id=ADMIN_ID)
    await _admin_says(fake_api, "移出索引")
    fake_api.push_command("/reindex", user_id=ADMIN_ID)  # upload-2026-03-09.md is in the folder
    await _admin_says(fake_api, "扫描完成")
    assert digest_on(bot.db, "2026-03-09") is None
