"""`digestbot push` posts to the channel over HTTP, once; `run` refuses to start without a token."""

from __future__ import annotations

from pathlib import Path

from bot.cli import main
from tests.e2e.conftest import CHANNEL_ID


def test_push_from_the_command_line_posts_once(tmp_path: Path, digest_dir: Path, fake_api,
                                               monkeypatch, capsys) -> None:
    for name, value in {"BOT_TOKEN": fake_api.token, "CHANNEL_ID": CHANNEL_ID,
                        "TELEGRAM_API_URL": fake_api.base_url, "DIGEST_DIR": str(digest_dir),
                        "DIGESTBOT_DB": str(tmp_path / "push.db")}.items():
        monkeypatch.setenv(name, value)
    assert main(["push", "--date", "2026-01-28"]) == 0
    first = fake_api.sent(int(CHANNEL_ID))
    assert len(first) >= 2 and "2026-01-28" in first[0]["text"]
    assert main(["push", "--date", "2026-01-28"]) == 0
    assert len(fake_api.sent(int(CHANNEL_ID))) == len(first)
    out = capsys.readouterr().out
    assert f"posted 2026-01-28: {len(first)} of {len(first)}" in out and "already 2026-01-28" in out
    assert main(["push", "--date", "2024-01-01"]) == 1


def test_push_from_the_command_line_serves_the_other_platforms_once(
        tmp_path: Path, digest_dir: Path, fake_api, monkeypatch, capsys) -> None:
    from tests.e2e.fake_robots import FakeRobots

    with FakeRobots() as robots:
        for name, value in {"BOT_TOKEN": fake_api.token, "CHANNEL_ID": CHANNEL_ID,
                            "TELEGRAM_API_URL": fake_api.base_url, "DIGEST_DIR": str(digest_dir),
                            "DIGESTBOT_DB": str(tmp_path / "push.db"),
                            "WECOM_WEBHOOK": robots.add("wecom", "cli-key-1")}.items():
            monkeypatch.setenv(name, value)
        assert main(["push", "--date", "2026-01-28"]) == 0
        sent = len(robots.robot("wecom", "cli-key-1").accepted)
        assert sent >= 2
        assert main(["push", "--date", "2026-01-28"]) == 0
        assert len(robots.robot("wecom", "cli-key-1").accepted) == sent
    out = capsys.readouterr().out
    assert f"delivered 2026-01-28: {sent} of {sent} messages sent" in out
    assert "already 2026-01-28" in out and "cli-key-1" not in out


def test_run_without_token_stops_with_the_variable_name(monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("DIGESTBOT_DB", str(tmp_path / "r.db"))
    assert main(["run"]) == 2
    assert "BOT_TOKEN" in capsys.readouterr().err
