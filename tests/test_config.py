"""Settings: defaults, .env, and a clear error naming the variable for every malformed value."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_defaults_need_no_token() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.post_time == dt.time(8, 0) and settings.timezone == "Asia/Shanghai"
    assert settings.api_url == "https://api.telegram.org/bot"
    assert settings.file_api_url == "https://api.telegram.org/file/bot"
    with pytest.raises(ConfigError, match="BOT_TOKEN"):
        settings.require_bot()
    assert settings.channel_language == "zh"
    assert load_settings({"CHANNEL_LANGUAGE": "EN"}, env_file=None).channel_language == "en"


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("POST_TIME=09:15\nADMIN_IDS=1, 2\nTELEGRAM_API_URL=http://127.0.0.1:81/bot\n",
                   encoding="utf-8")
    settings = load_settings({"POST_TIME": "10:00"}, env_file=env)
    assert settings.post_time == dt.time(10, 0) and settings.admin_ids == {1, 2}
    assert settings.file_api_url == "http://127.0.0.1:81/file/bot"


@pytest.mark.parametrize(("name", "value"), [
    ("POST_TIME", "8am"), ("POST_TIME", "24:00"), ("TIMEZONE", "Mars/Base"),
    ("ADMIN_IDS", "12,abc"), ("BOT_TOKEN", "not-a-token"), ("CHANNEL_ID", "my channel"),
    ("TELEGRAM_API_URL", "ftp://x"), ("WEBHOOK_PORT", "99999"), ("RESCAN_MINUTES", "0"),
    ("LOG_LEVEL", "LOUD"), ("WEEKLY_POST", "monday"), ("WEEKLY_POST", "9:60"),
    ("DATABASE_URL", "mysql://x/y"), ("TREND_FONT", "/no/such/font.otf"), ("LEASE_SECONDS", "1"),
    ("CHANNEL_LANGUAGE", "fr"),


    ("MCP_TOKEN", "short"), ("MCP_TOKEN", "has spaces in it, 0123456789"), ("MCP_PORT", "0"),
])
def test_malformed_setting_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value}, env_file=None)


def test_webhook_needs_a_secret() -> None:
    settings = load_settings({"BOT_TOKEN": "1:abc", "WEBHOOK_URL": "https://x.example/hook"},
                             env_file=None)
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        settings.require_bot()


def test_every_setting_is_in_env_example() -> None:
    example = (Path(__file__).parent.parent / ".env.example").read_text(encoding="utf-8")
    for name in ("BOT_TOKEN", "CHANNEL_ID", "ADMIN_IDS", "DIGEST_DIR", "DIGESTBOT_DB", "POST_TIME",
                 "TIMEZONE", "TELEGRAM_API_URL", "WEBHOOK_URL", "WEBHOOK_LISTEN", "WEBHOOK_PORT",
                 "WEBHOOK_SECRET", "RESCAN_MINUTES", "LOG_LEVEL", "DATABASE_URL", "WEEKLY_POST",
                 "TREND_FONT", "LEASE_SECONDS"):
        assert f"\n{name}=" in example


def test_new_settings_are_read() -> None:
    settings = load_settings({"WEEKLY_POST": "9:05", "LEASE_SECONDS": "10",
                              "DATABASE_URL": "postgresql://u@h:5432/d"}, env_file=None)
    assert settings.weekly_post == dt.time(9, 5) and settings.lease_seconds == 10
    assert settings.database == "postgresql://u@h:5432/d"
    off = load_settings({"WEEKLY_POST": "off"}, env_file=None)
    assert off.weekly_post is None and off.database == off.db_path


def test_card_footer_is_the_communitys_name_within_40_characters() -> None:
    assert load_settings({}, env_file=None).card_footer == ""
    assert load_settings({"CARD_FOOTER": "  AI  日报读者群 "}, env_file=None).card_footer == "AI 日报读者群"
    with pytest.raises(ConfigError, match="CARD_FOOTER"):
        load_settings({"CARD_FOOTER": "群" * 41}, env_file=None)


def test_mcp_over_http_needs_a_token() -> None:
    settings = load_settings({}, env_file=None)
    assert (settings.mcp_host, settings.mcp_port) == ("127.0.0.1", 8765)
    with pytest.raises(ConfigError, match="MCP_TOKEN is not set"):
        settings.require_mcp_token()
    token = "a" * 16 + "-_.~0123456789"
    settings = load_settings({"MCP_TOKEN": token, "MCP_HOST": "0.0.0.0", "MCP_PORT": "9000"},
                             env_file=None)
    settings.require_mcp_token()
    assert (settings.mcp_token, settings.mcp_host, settings.mcp_port) == (token, "0.0.0.0", 9000)


def test_ai_answers_are_off_without_settings_and_read_with_them() -> None:
    assert not load_settings({}, env_file=None).llm_enabled
    settings = load_settings({"LLM_BASE_URL": "https://api.deepseek.com/v1/", "LLM_API_KEY": "sk-1",
                              "LLM_MODEL": "deepseek-chat", "LLM_TIMEOUT": "7.5",
                              "LLM_DAILY_PER_USER": "3", "LLM_MAX_CHARS": "300"}, env_file=None)
    assert settings.llm_enabled and settings.llm_base_url == "https://api.deepseek.com/v1"
    assert (settings.llm_timeout, settings.llm_daily_per_user, settings.llm_max_chars) == (7.5, 3, 300)
    example = (Path(__file__).parent.parent / ".env.example").read_text(encoding="utf-8")
    for name in ("LLM_BASE_URL", "LLM_API_KEY", "LLM_MODEL", "LLM_TIMEOUT", "LLM_DAILY_PER_USER",
                 "LLM_MAX_CHARS"):
        assert f"\n{name}=" in example


@pytest.mark.parametrize(("environ", "name"), [
    ({"LLM_BASE_URL": "https://x.example/v1"}, "LLM_API_KEY, LLM_MODEL"),
    ({"LLM_MODEL": "m", "LLM_API_KEY": "k"}, "LLM_BASE_URL"),
    ({"LLM_BASE_URL": "ftp://x", "LLM_API_KEY": "k", "LLM_MODEL": "m"}, "LLM_BASE_URL"),
    ({"LLM_TIMEOUT": "0"}, "LLM_TIMEOUT"), ({"LLM_TIMEOUT": "soon"}, "LLM_TIMEOUT"),
    ({"LLM_DAILY_PER_USER": "-1"}, "LLM_DAILY_PER_USER"), ({"LLM_MAX_CHARS": "10"}, "LLM_MAX_CHARS"),
])
def test_malformed_ai_settings_name_the_variable(environ: dict, name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(environ, env_file=None)


def test_the_fanouts_budget_paid_broadcasts_and_the_subscribers_format() -> None:
    default = load_settings({}, env_file=None)
    assert (default.broadcast_rate, default.paid_broadcast, default.paid_broadcast_rate) == (
        25, False, 1000)
    assert default.fanout_rate == 25 and default.subscriber_format == "brief"
    paid = load_settings({"BROADCAST_RATE": "20", "PAID_BROADCAST": "on",
                          "PAID_BROADCAST_RATE": "400", "SUBSCRIBER_FORMAT": "Full"}, env_file=None)
    assert paid.fanout_rate == 400 and paid.subscriber_format == "full"
    for name, value in (("BROADCAST_RATE", "0"), ("BROADCAST_RATE", "1001"),
                        ("PAID_BROADCAST", "maybe"), ("PAID_BROADCAST_RATE", "5000"),
                        ("SUBSCRIBER_FORMAT", "long")):
        with pytest.raises(ConfigError, match=name):
            load_settings({name: value}, env_file=None)
    lines = (Path(__file__).parent.parent / ".env.example").read_text(encoding="utf-8").splitlines()
    for name in ("BROADCAST_RATE", "PAID_BROADCAST", "PAID_BROADCAST_RATE", "SUBSCRIBER_FORMAT"):
        (at,) = [n for n, line in enumerate(lines) if line.startswith(f"{name}=")]
        assert lines[at - 1].startswith("# "), f"{name} in .env.example has no comment"
