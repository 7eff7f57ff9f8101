"""Secrets in logs: with `digestbot run`'s own logging set-up at LOG_LEVEL=DEBUG, the bot token
never reaches the log (HTTP clients stay at WARNING; any record carrying it shows `<token>`)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.config import Settings, load_settings
from bot.logs import configure_logging
from tests.e2e.conftest import ADMIN_ID, USER_ID, RunningBot
from tests.e2e.fake_bot_api import FakeBotAPI

DIGESTBOT = Path(sys.executable).with_name("digestbot")
DEBUG_LINE = "Calling Bot API endpoint `sendMessage`"  # PTB's DEBUG record: proves DEBUG is on
HTTPX_REQUEST_LINE = "HTTP Request:"  # httpx's INFO record of every request, URL (and token) included


def _run_environment(fake_api: FakeBotAPI, digest_dir: Path, tmp_path: Path) -> dict[str, str]:
    """The variables `digestbot run` is started with here: the fake Bot API, LOG_LEVEL=DEBUG."""
    return {"BOT_TOKEN": fake_api.token, "TELEGRAM_API_URL": fake_api.base_url,
            "ADMIN_IDS": str(ADMIN_ID), "DIGEST_DIR": str(digest_dir),
            "DIGESTBOT_DB": str(tmp_path / "bot.db"), "LOG_LEVEL": "DEBUG"}


@contextlib.contextmanager
def _logging_as_digestbot_run(settings: Settings) -> Iterator[None]:
    """Set up logging with the function `digestbot run` calls, on a root logger without handlers
    as in a fresh process; put this process's logging back afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_hooks = sys.excepthook, threading.excepthook
    clients = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    for handler in saved_handlers:  # pytest's own: basicConfig installs nothing while any exist
        root.removeHandler(handler)
    try:
        configure_logging(settings)
        yield
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
            handler.close()
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        for name, level in clients.items():
            logging.getLogger(name).setLevel(level)
        sys.excepthook, threading.excepthook = saved_hooks


async def test_log_at_debug_shows_the_token_only_as_a_placeholder(fake_api, digest_dir, tmp_path,
                                                                   capsys) -> None:
    settings = load_settings(_run_environment(fake_api, digest_dir, tmp_path), env_file=None)
    token = settings.bot_token
    url = f"{settings.api_url}{token}/getUpdates"  # a Bot API URL carries the token
    with _logging_as_digestbot_run(settings):
        async with RunningBot(settings):  # real httpx requests to the fake Bot API
            fake_api.push_command("/help", user_id=USER_ID)
            await fake_api.wait_for_async("sendMessage")
        # Records carrying the token: in the arguments, in the message itself, from the
        # HTTP client at a level it still logs.
        logging.getLogger("telegram.ext.Updater").error("network error while polling %s", url)
        logging.getLogger("bot.schedule").debug(f"calling {url}")
        logging.getLogger("httpx").warning("request to %s failed", url)
    err = capsys.readouterr().err
    assert DEBUG_LINE in err
    assert HTTPX_REQUEST_LINE not in err
    assert token not in err
    redacted = url.replace(token, "<token>")
    assert f"Set Bot API URL: {settings.api_url}<token>" in err  # PTB's own DEBUG record
    assert f"network error while polling {redacted}" in err and f"calling {redacted}" in err
    assert f"request to {redacted} failed" in err


def test_digestbot_run_at_debug_keeps_the_token_out_of_stderr(fake_api, digest_dir,
                                                              tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith((
        "DIGEST", "DATABASE", "BOT_", "TELEGRAM", "LOG_", "WEBHOOK", "CHANNEL", "ADMIN"))}
    env.update(_run_environment(fake_api, digest_dir, tmp_path))
    log = tmp_path / "run.log"  # a file, not a pipe nobody reads, which would fill and block
    with log.open("wb") as stderr:
        process = subprocess.Popen([str(DIGESTBOT), "run"], cwd=tmp_path, env=env,
                                   stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        fake_api.push_command("/help", user_id=USER_ID)
        fake_api.wait_for("sendMessage", timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    err = log.read_text(errors="replace")
    assert DEBUG_LINE in err, err[-3000:]
    assert HTTPX_REQUEST_LINE not in err
    assert fake_api.token not in err
    assert f"Set Bot API URL: {fake_api.base_url}<token>" in err  # PTB's DEBUG record of its URL


def test_a_traceback_quoting_the_token_is_redacted_too(fake_api, digest_dir, tmp_path,
                                                       capsys) -> None:
    settings = load_settings(_run_environment(fake_api, digest_dir, tmp_path), env_file=None)
    token = settings.bot_token
    with _logging_as_digestbot_run(settings):
        try:
            raise ConnectionError(f"cannot reach {settings.api_url}{token}/getMe")
        except ConnectionError:
            logging.getLogger("bot.app").exception("error while handling update 7")
    err = capsys.readouterr().err
    assert "error while handling update 7" in err and "Traceback" in err
    assert f"cannot reach {settings.api_url}<token>/getMe" in err
    assert token not in err


def test_digestbot_run_with_a_rejected_token_says_so_without_printing_it(fake_api, digest_dir,
                                                                          tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith((
        "DIGEST", "DATABASE", "BOT_", "TELEGRAM", "LOG_", "WEBHOOK", "CHANNEL", "ADMIN"))}
    env.update(_run_environment(fake_api, digest_dir, tmp_path))
    env["BOT_TOKEN"] = "123:REVOKED-token-secret"  # the fake Bot API answers 401 Unauthorized
    finished = subprocess.run([str(DIGESTBOT), "run"], cwd=tmp_path, env=env, timeout=120,
                              capture_output=True, text=True)
    assert finished.returncode == 2, finished.stderr[-3000:]
    assert "configuration error: BOT_TOKEN was rejected by Telegram" in finished.stderr
    assert "REVOKED-token-secret" not in finished.stderr + finished.stdout  # PTB's own traceback too


def test_mcp_token_is_redacted_too(tmp_path, capsys) -> None:
    token = "mcp-secret-0123456789abcdef"
    settings = load_settings({"MCP_TOKEN": token, "LOG_LEVEL": "DEBUG",
                              "DIGESTBOT_DB": str(tmp_path / "x.db")}, env_file=None)
    with _logging_as_digestbot_run(settings):
        logging.getLogger("bot.mcp.server").warning("header was Bearer %s", token)
        try:
            raise ValueError(f"bad {token}")
        except ValueError:
            logging.getLogger("uvicorn.error").exception("request failed")
    err = capsys.readouterr().err
    assert token not in err
    assert "header was Bearer <secret>" in err and "ValueError: bad <secret>" in err


def test_the_token_is_redacted_in_any_letter_case_and_quoted(fake_api, digest_dir, tmp_path,
                                                             capsys) -> None:
    settings = load_settings(_run_environment(fake_api, digest_dir, tmp_path), env_file=None)
    token = settings.bot_token
    with _logging_as_digestbot_run(settings):
        # What python-telegram-bot makes of "Bad Request: unknown path /bot<token>/getMe".
        logging.getLogger("telegram.ext.Updater").error(
            "Unknown path /bot%s/getme", token.lower())
        logging.getLogger("bot.app").warning("proxy said %s", quote(f"/bot{token.upper()}/getMe"))
        try:
            raise ValueError(f"unknown path /bot{token.swapcase()}/getme")
        except ValueError:
            logging.getLogger("bot.app").exception("start-up")
    err = capsys.readouterr().err
    assert "Unknown path /bot<token>/getme" in err and "proxy said /bot<token>/getMe" in err
    assert "unknown path /bot<token>/getme" in err  # in the traceback too
    assert "token_secret" not in err.lower() and "token-secret" not in err.lower()


def test_an_exception_nobody_caught_is_printed_without_the_token(fake_api, digest_dir, tmp_path,
                                                                capsys) -> None:
    settings = load_settings(_run_environment(fake_api, digest_dir, tmp_path), env_file=None)
    token = settings.bot_token

    def fail() -> None:
        raise RuntimeError(f"POST /bot{token.lower()}/getUpdates failed")

    with _logging_as_digestbot_run(settings):
        try:
            fail()
        except RuntimeError:
            sys.excepthook(*sys.exc_info())  # what Python calls for an uncaught exception
        worker = threading.Thread(target=fail, name="poller")
        worker.start()
        worker.join()
    err = capsys.readouterr().err
    assert err.count("RuntimeError: POST /bot<token>/getUpdates failed") == 2
    assert "Exception in thread poller" in err and "token_secret" not in err.lower()


PROXY_PAGE = ("<html><head><title>500 Internal Server Error</title></head>\n<body><h1>Internal "
              "Server Error</h1>\n<p>upstream failed for POST /bot{token}/getMe</p></body></html>")
UNKNOWN_PATH = ('{"ok": false, "error_code": 400, '
                '"description": "Bad Request: unknown path /bot{token}/getMe"}')


@pytest.mark.parametrize(("status", "body", "content_type"), [
    (500, PROXY_PAGE, "text/html"), (400, UNKNOWN_PATH, "application/json")],
    ids=["proxy-500-page", "400-unknown-path"])
def test_digestbot_run_failing_at_start_up_says_so_in_one_line_without_the_token(
        fake_api, digest_dir, tmp_path, status: int, body: str, content_type: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith((
        "DIGEST", "DATABASE", "BOT_", "TELEGRAM", "LOG_", "WEBHOOK", "CHANNEL", "ADMIN"))}
    env.update(_run_environment(fake_api, digest_dir, tmp_path) | {"LOG_LEVEL": "INFO"})
    fake_api.answer_raw("getMe", status, body, content_type, times=10)
    finished = subprocess.run([str(DIGESTBOT), "run"], cwd=tmp_path, env=env, timeout=120,
                              capture_output=True, text=True)
    err = finished.stderr
    assert finished.returncode == 2, err[-3000:]
    secret = fake_api.token.split(":", 1)[1].lower()
    assert secret not in (err + finished.stdout).lower(), err[-3000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"start-up failed: the Bot API at {fake_api.base_url} failed: "), last
    assert "<token>" in last and "Traceback" not in err  # not PTB's start-up one either
