"""Logging set-up for every command (`run`, `push`, `mcp`, `web`): records to stderr at LOG_LEVEL,
HTTP clients only at WARNING, and every secret the settings hold redacted from every record.

Imports neither python-telegram-bot nor a front end's library, so `digestbot mcp` and `digestbot
web` set up logging without loading the bot.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Sequence
from types import TracebackType
from urllib.parse import quote

from bot.config import Settings


class RedactToken(logging.Filter):
    """Replace the bot token in every log record (Bot API URLs contain it) with <token>, and each
    of `secrets` (the other platforms' webhook URLs, keys, tokens, signing secrets and the SMTP
    password: httpx logs request URLs) with <secret>: in the message, and in the traceback and
    stack of a record that carries one (an exception's text may quote a URL)."""

    def __init__(self, token: str, secrets: Sequence[str] = ()) -> None:
        super().__init__()
        self.token = token
        # Longest first, so a URL is replaced whole before the key inside it.
        pairs = [(token, "<token>")] + [(s, "<secret>") for s in secrets]
        self.replacements = sorted(((s, r) for s, r in pairs if s), key=lambda p: -len(p[0]))
        # In any letter case (python-telegram-bot capitalises an error's text, which lowers the
        # rest of it: an error body echoing the request path carries the token case-folded)
        # and URL-quoted (a proxy may echo the path quoted).
        self.patterns = [(re.compile("|".join(re.escape(form) for form in dict.fromkeys(
            (secret, quote(secret, safe="")))), re.IGNORECASE), placeholder)
            for secret, placeholder in self.replacements]

    def _redact(self, text: str) -> str:
        for pattern, placeholder in self.patterns:
            text = pattern.sub(placeholder, text)
        return text

    def redact(self, text: str) -> str:
        """Return `text` with every secret replaced, in any letter case."""
        return self._redact(text)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.replacements:
            return True
        message = record.getMessage()
        redacted = self._redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the traceback is formatted once, here.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


def configure_logging(settings: Settings) -> None:
    """Log to stderr at LOG_LEVEL; HTTP clients only at WARNING; the token, the other
    platforms' secrets, MCP_TOKEN and LLM_API_KEY always redacted."""
    from bot.targets import target_secrets

    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # HTTP clients (httpx for Telegram and the robots, httpx2 under the openai client) log request
    # lines; the openai client its requests: none of them below WARNING.
    for noisy in ("httpx", "httpcore", "httpx2", "httpcore2", "openai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    redact = RedactToken(settings.bot_token, [*target_secrets(settings), settings.mcp_token,
                                              settings.llm_api_key])
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    redact_uncaught(redact)


def redact_uncaught(redact: RedactToken) -> None:
    """Print an exception nobody caught (in the main thread or another) with every secret
    replaced, as the redacting filter does for log records: Python's own hooks print it whole."""

    def excepthook(kind: type[BaseException], exc: BaseException,
                   tb: TracebackType | None) -> None:
        sys.stderr.write(redact.redact("".join(traceback.format_exception(kind, exc, tb))))

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread else "?"
        sys.stderr.write(redact.redact(f"Exception in thread {name}:\n" + "".join(
            traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))))

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
