"""One frozen settings object, read from the environment and `.env`, validated at start-up."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translations, translations

DEFAULT_API_URL = "https://api.telegram.org/bot"
LOOPBACK = ("127.0.0.0/8", "::1/128")  # WEB_TRUSTED_PROXIES=loopback: a proxy on the same host
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
LOG_LEVELS: tuple[LogLevel, ...] = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and what is expected."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot and the CLI read from the environment."""

    db_path: str = "./digestbot.db"
    database_url: str = ""  # postgresql://...: PostgreSQL instead of the SQLite file db_path
    digest_dir: str = "./digests"
    bot_token: str = ""
    channel_id: str = ""
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    post_time: dt.time = dt.time(8, 0)
    timezone: str = "Asia/Shanghai"
    api_url: str = DEFAULT_API_URL
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str = ""
    rescan_minutes: int = 5
    log_level: LogLevel = "INFO"
    weekly_post: dt.time | None = None  # Mondays at this time: last week's story board; None = off
    trend_font: str = ""  # a font file that can draw Chinese for /trend; "" = look for one
    lease_seconds: int = 30  # a worker that dies mid-post is taken over after this long
    web_url: str = ""  # the web archive's public base URL (no trailing slash); "" = no links to it
    card_footer: str = ""  # the community's name at the foot of /card's long image; "" = @bot
    channel_language: str = DEFAULT_LANGUAGE  # the language of channel posts: "zh" or "en"
    # Delivery targets beside Telegram (bot/targets/): robot webhook URLs, their signing secrets
    # in the same order ("" = unsigned), and e-mail. Secrets: never logged (bot/app.py).
    wecom_webhooks: tuple[str, ...] = ()
    feishu_webhooks: tuple[str, ...] = ()
    feishu_secrets: tuple[str, ...] = ()
    dingtalk_webhooks: tuple[str, ...] = ()
    dingtalk_secrets: tuple[str, ...] = ()
    smtp_url: str = ""  # smtp://user:pass@host:587 (STARTTLS), smtps://...:465, smtp://host:25
    mail_from: str = ""
    mail_to: tuple[str, ...] = ()
    mcp_token: str = ""  # bearer token `digestbot mcp --http` requires of every request
    mcp_host: str = "127.0.0.1"  # where `digestbot mcp --http` listens
    mcp_port: int = 8765
    web_host: str = "127.0.0.1"  # where `digestbot web` listens
    web_port: int = 8080
    web_rate: int = 20  # requests per second one client may make to the site (bursts of 3x); 0 = no limit
    # Reverse proxies (addresses, CIDR ranges) whose X-Forwarded-For / X-Real-IP the site believes
    web_trusted_proxies: tuple[str, ...] = LOOPBACK
    webhook_serves_web: bool = False  # the webhook server also serves the site's routes
    # Optional AI answers (bot/llm.py): any OpenAI-compatible chat-completions service. The key is
    # a secret: never logged (bot/app.py).
    llm_base_url: str = ""  # e.g. https://api.deepseek.com/v1; "" = no AI answers
    llm_api_key: str = ""
    llm_model: str = ""
    llm_timeout: float = 20.0  # seconds for the whole call; past it, the plain answer
    llm_daily_per_user: int = 20  # AI answers a reader may get a day
    llm_max_chars: int = 600  # the model's text is cut at this many characters
    # The daily fan-out to subscribers (bot/fanout.py): messages a second for every worker
    # together; with paid broadcasts (allow_paid_broadcast, billed in Telegram Stars) up to 1000.
    broadcast_rate: int = 25
    paid_broadcast: bool = False
    paid_broadcast_rate: int = 1000
    subscriber_format: str = "brief"  # a subscriber's digest unless they chose: "brief" or "full"

    @property
    def database(self) -> str:
        """Return where the index lives: DATABASE_URL if set, else the SQLite file DIGESTBOT_DB."""
        return self.database_url or self.db_path

    @property
    def channel_lang(self) -> Translations:
        """Return the messages of what is posted to the channel (CHANNEL_LANGUAGE): the daily post,
        the Monday board, forum topics' names, and their previews."""
        return translations(self.channel_language)

    @property
    def fanout_rate(self) -> int:
        """Return the fan-out's budget of messages a second: PAID_BROADCAST_RATE with paid
        broadcasts on, else BROADCAST_RATE."""
        return self.paid_broadcast_rate if self.paid_broadcast else self.broadcast_rate

    @property
    def tz(self) -> ZoneInfo:
        """Return the configured time zone."""
        return ZoneInfo(self.timezone)

    @property
    def file_api_url(self) -> str:
        """Return the Bot API file URL: the API URL with /file/bot in place of the trailing /bot."""
        base = self.api_url.rstrip("/")
        return (base[: -len("/bot")] if base.endswith("/bot") else base) + "/file/bot"

    @property
    def llm_enabled(self) -> bool:
        """True when AI answers are configured (LLM_BASE_URL, LLM_API_KEY and LLM_MODEL)."""
        return bool(self.llm_base_url and self.llm_api_key and self.llm_model)

    def require_bot(self) -> None:
        """Raise ConfigError unless the settings needed to talk to Telegram are present."""
        if not self.bot_token:
            raise ConfigError("BOT_TOKEN is not set: expected the token BotFather gave you "
                              "(123456:ABC...)")
        if self.webhook_url and not self.webhook_secret:
            raise ConfigError("WEBHOOK_SECRET is required when WEBHOOK_URL is set: expected "
                              "1-256 characters of A-Z, a-z, 0-9, _ and -")

    def require_mcp_token(self) -> None:
        """Raise ConfigError unless MCP_TOKEN is set (the MCP server over HTTP requires it)."""
        if not self.mcp_token:
            raise ConfigError("MCP_TOKEN is not set: `digestbot mcp --http` requires every request to "
                              "carry Authorization: Bearer <MCP_TOKEN>; expected 16-256 characters "
                              "of A-Z, a-z, 0-9, _, -, . and ~ (e.g. from `openssl rand -hex 32`)")


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env",
                  ) -> Settings:
    """Return the settings from `environ` (default: os.environ) over the `.env` file, validated."""
    values: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        from dotenv import dotenv_values  # 20-40 ms of imports (logging, tempfile): only when needed

        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str, default: str = "") -> str:
        return values.get(name, "").strip() or default

    token = get("BOT_TOKEN")
    if token and not re.fullmatch(r"\d+:[A-Za-z0-9_-]{1,}", token):
        raise ConfigError("BOT_TOKEN is malformed: expected digits, a colon and the secret "
                          "(123456:ABC...)")
    return Settings(
        db_path=get("DIGESTBOT_DB", "./digestbot.db"),
        database_url=_database_url(get("DATABASE_URL")),
        digest_dir=get("DIGEST_DIR", "./digests"),
        bot_token=token,
        channel_id=_channel(get("CHANNEL_ID")),
        admin_ids=_admin_ids(get("ADMIN_IDS")),
        post_time=_post_time(get("POST_TIME", "08:00")),
        timezone=_timezone(get("TIMEZONE", "Asia/Shanghai")),
        api_url=_url("TELEGRAM_API_URL", get("TELEGRAM_API_URL", DEFAULT_API_URL)),
        webhook_url=_url("WEBHOOK_URL", get("WEBHOOK_URL")) if get("WEBHOOK_URL") else "",
        webhook_listen=get("WEBHOOK_LISTEN", "127.0.0.1"),
        webhook_port=_int("WEBHOOK_PORT", get("WEBHOOK_PORT", "8443"), 1, 65535),
        webhook_secret=_secret(get("WEBHOOK_SECRET")),
        rescan_minutes=_int("RESCAN_MINUTES", get("RESCAN_MINUTES", "5"), 1, 1440),
        log_level=_log_level(get("LOG_LEVEL", "INFO")),
        weekly_post=_weekly_post(get("WEEKLY_POST", "off")),
        trend_font=_font(get("TREND_FONT")),
        lease_seconds=_int("LEASE_SECONDS", get("LEASE_SECONDS", "30"), 2, 300),
        web_url=_url("WEB_URL", get("WEB_URL")).rstrip("/") if get("WEB_URL") else "",
        card_footer=_card_footer(get("CARD_FOOTER")),
        channel_language=_language(get("CHANNEL_LANGUAGE", DEFAULT_LANGUAGE)),
        **_targets(get),
        mcp_token=_mcp_token(get("MCP_TOKEN")),
        mcp_host=get("MCP_HOST", "127.0.0.1"),
        mcp_port=_int("MCP_PORT", get("MCP_PORT", "8765"), 1, 65535),
        web_host=get("WEB_HOST", "127.0.0.1"),
        web_port=_int("WEB_PORT", get("WEB_PORT", "8080"), 1, 65535),
        web_rate=_int("WEB_RATE_LIMIT", get("WEB_RATE_LIMIT", "20"), 0, 100_000),
        web_trusted_proxies=_networks("WEB_TRUSTED_PROXIES", get("WEB_TRUSTED_PROXIES", "loopback")),
        webhook_serves_web=_switch("WEBHOOK_SERVES_WEB", get("WEBHOOK_SERVES_WEB", "off")),
        broadcast_rate=_int("BROADCAST_RATE", get("BROADCAST_RATE", "25"), 1, PAID_BROADCAST_MAX),
        paid_broadcast=_switch("PAID_BROADCAST", get("PAID_BROADCAST", "off")),
        paid_broadcast_rate=_int("PAID_BROADCAST_RATE", get("PAID_BROADCAST_RATE",
                                                            str(PAID_BROADCAST_MAX)),
                                 1, PAID_BROADCAST_MAX),
        subscriber_format=_choice("SUBSCRIBER_FORMAT", get("SUBSCRIBER_FORMAT", "brief"),
                                  ("brief", "full")),
        **_llm(get),
    )


class _LlmSettings(TypedDict):
    llm_base_url: str
    llm_api_key: str
    llm_model: str
    llm_timeout: float
    llm_daily_per_user: int
    llm_max_chars: int


def _llm(get: Callable[..., str]) -> _LlmSettings:
    """Return the AI answers' settings: all three of LLM_BASE_URL, LLM_API_KEY, LLM_MODEL, or none."""
    names = ("LLM_BASE_URL", "LLM_API_KEY", "LLM_MODEL")
    given = [name for name in names if get(name)]
    if given and len(given) < len(names):
        missing = ", ".join(name for name in names if name not in given)
        raise ConfigError(f"{missing} not set: AI answers need LLM_BASE_URL (an OpenAI-compatible "
                          "API such as https://api.deepseek.com/v1), LLM_API_KEY and LLM_MODEL "
                          "together (or none of them)")
    timeout = get("LLM_TIMEOUT", "20")
    try:
        seconds = float(timeout)
    except ValueError:
        seconds = -1.0
    if not 1 <= seconds <= 300:
        raise ConfigError(f"LLM_TIMEOUT is malformed ({timeout!r}): expected seconds from 1 to 300")
    return {
        "llm_base_url": _url("LLM_BASE_URL", get("LLM_BASE_URL")).rstrip("/") if given else "",
        "llm_api_key": get("LLM_API_KEY"),
        "llm_model": get("LLM_MODEL"),
        "llm_timeout": seconds,
        "llm_daily_per_user": _int("LLM_DAILY_PER_USER", get("LLM_DAILY_PER_USER", "20"), 0,
                                   100_000),
        "llm_max_chars": _int("LLM_MAX_CHARS", get("LLM_MAX_CHARS", "600"), 100, 3000),
    }


PAID_BROADCAST_MAX = 1000  # messages a second Telegram allows with paid broadcasts


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value.lower() not in allowed:
        raise ConfigError(f"{name} is malformed ({value!r}): expected {' or '.join(allowed)}")
    return value.lower()


MAX_CARD_FOOTER = 40


def _card_footer(value: str) -> str:
    value = " ".join(value.split())
    if len(value) > MAX_CARD_FOOTER:
        raise ConfigError(f"CARD_FOOTER is too long ({len(value)} characters): expected the "
                          f"community's name, at most {MAX_CARD_FOOTER} characters")
    return value


# What each platform's robot URL looks like (the whole URL is configurable: tests use local servers).
_WEBHOOK_SHAPES = {
    "WECOM_WEBHOOK": (r"[?&]key=[^&\s]+", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..."),
    "FEISHU_WEBHOOK": (r"/hook/[^/?\s]+$", "https://open.feishu.cn/open-apis/bot/v2/hook/..."),
    "DINGTALK_WEBHOOK": (r"[?&]access_token=[^&\s]+",
                         "https://oapi.dingtalk.com/robot/send?access_token=..."),
}


class _TargetSettings(TypedDict):
    wecom_webhooks: tuple[str, ...]
    feishu_webhooks: tuple[str, ...]
    feishu_secrets: tuple[str, ...]
    dingtalk_webhooks: tuple[str, ...]
    dingtalk_secrets: tuple[str, ...]
    smtp_url: str
    mail_from: str
    mail_to: tuple[str, ...]


def _targets(get: Callable[..., str]) -> _TargetSettings:
    """Return the delivery targets' settings, validated; no message quotes a URL or a secret."""
    feishu, dingtalk = _webhooks("FEISHU_WEBHOOK", get("FEISHU_WEBHOOK")), _webhooks(
        "DINGTALK_WEBHOOK", get("DINGTALK_WEBHOOK"))
    smtp_url, mail_from, mail_to = get("SMTP_URL"), get("MAIL_FROM"), get("MAIL_TO")
    if smtp_url:
        _smtp_url(smtp_url)
        if not mail_from or not mail_to:
            raise ConfigError("MAIL_FROM and MAIL_TO are required when SMTP_URL is set: expected "
                              "digest@example.org and a comma-separated list of recipients")
    elif mail_to:
        raise ConfigError("MAIL_TO is set but SMTP_URL is not: expected smtp://user:pass@host:587, "
                          "smtps://user:pass@host:465 or smtp://host:25")
    return {
        "wecom_webhooks": _webhooks("WECOM_WEBHOOK", get("WECOM_WEBHOOK")),
        "feishu_webhooks": feishu,
        "feishu_secrets": _secrets("FEISHU_SECRET", get("FEISHU_SECRET"), len(feishu)),
        "dingtalk_webhooks": dingtalk,
        "dingtalk_secrets": _secrets("DINGTALK_SECRET", get("DINGTALK_SECRET"), len(dingtalk)),
        "smtp_url": smtp_url,
        "mail_from": _address("MAIL_FROM", mail_from) if smtp_url else "",
        "mail_to": tuple(_address("MAIL_TO", a) for a in _split(mail_to, ",")) if smtp_url else (),
    }


def _split(value: str, separator: str) -> list[str]:
    return [part.strip() for part in value.split(separator) if part.strip()]


def _webhooks(name: str, value: str) -> tuple[str, ...]:
    pattern, example = _WEBHOOK_SHAPES[name]
    urls = _split(value, ";")
    for number, url in enumerate(urls, start=1):
        if not re.fullmatch(r"https?://[^\s/]+/\S*", url) or not re.search(pattern, url):
            raise ConfigError(f"{name} URL #{number} is malformed: expected {example} "
                              "(several separated by ;)")
    if len(set(urls)) < len(urls):
        raise ConfigError(f"{name} lists the same URL twice: each robot once")
    return tuple(urls)


def _secrets(name: str, value: str, webhooks: int) -> tuple[str, ...]:
    """Return one secret per webhook ("" = that robot is unsigned); none at all = all unsigned."""
    if not value:
        return ("",) * webhooks
    secrets = tuple(part.strip() for part in value.split(";"))
    if len(secrets) != webhooks:
        raise ConfigError(f"{name} has {len(secrets)} secret(s) for {webhooks} webhook URL(s): "
                          "expected one per URL, in the same order, separated by ; "
                          "(leave one empty for an unsigned robot)")
    return secrets


def _smtp_url(value: str) -> str:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        port, parts = -1, None
    if parts is None or parts.scheme not in ("smtp", "smtps") or not parts.hostname or port == -1:
        raise ConfigError("SMTP_URL is malformed: expected smtp://user:pass@host:587 (STARTTLS), "
                          "smtps://user:pass@host:465 or smtp://host:25 (a local relay)")
    if parts.username and not parts.password:
        raise ConfigError("SMTP_URL names a user without a password: expected "
                          "smtp://user:pass@host:587 (percent-encode @ : / in them)")
    return value


def _address(name: str, value: str) -> str:
    if not re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+", value):
        raise ConfigError(f"{name} has a malformed address ({value!r}): expected name@example.org")
    return value


def _channel(value: str) -> str:
    if value and not re.fullmatch(r"-?\d+|@[A-Za-z][A-Za-z0-9_]{3,}", value):
        raise ConfigError(f"CHANNEL_ID is malformed ({value!r}): expected a numeric chat id "
                          "such as -1001234567890 or a public @channelusername")
    return value


def _admin_ids(value: str) -> frozenset[int]:
    ids = set()
    for part in filter(None, (p.strip() for p in value.split(","))):
        if not re.fullmatch(r"\d+", part):
            raise ConfigError(f"ADMIN_IDS is malformed ({part!r}): expected comma-separated "
                              "numeric Telegram user ids such as 12345,67890")
        ids.add(int(part))
    return frozenset(ids)


def parse_clock(text: str) -> dt.time | None:
    """Return "8:05" or "08:05" as a time of day, or None if it is not HH:MM (00:00-23:59)."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    return dt.time(int(match.group(1)), int(match.group(2)))


def _post_time(value: str) -> dt.time:
    at = parse_clock(value)
    if at is None:
        raise ConfigError(f"POST_TIME is malformed ({value!r}): expected HH:MM, e.g. 08:00")
    return at


def _weekly_post(value: str) -> dt.time | None:
    if value.lower() in ("off", "no", "false", "0"):
        return None
    at = parse_clock(value)
    if at is None:
        raise ConfigError(f"WEEKLY_POST is malformed ({value!r}): expected off or HH:MM "
                          "(Mondays at that time), e.g. 09:00")
    return at


def _database_url(value: str) -> str:
    if value and not re.match(r"postgres(ql)?://", value):
        raise ConfigError("DATABASE_URL is malformed: expected postgresql://user@host:port/dbname "
                          "(unset it to use the SQLite file DIGESTBOT_DB)")
    return value


def _font(value: str) -> str:
    if value and not Path(value).is_file():
        raise ConfigError(f"TREND_FONT names no file ({value!r}): expected the path of a .ttf, "
                          ".otf or .ttc font that can draw Chinese, or nothing")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE is unknown ({value!r}): expected an IANA name such as "
                          "Asia/Shanghai") from None
    return value


def _url(name: str, value: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise ConfigError(f"{name} is malformed: expected an http(s) URL")
    return value


def _int(name: str, value: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise ConfigError(f"{name} is malformed ({value!r}): expected a whole number "
                          f"from {low} to {high}")
    return int(value)


def _networks(name: str, value: str) -> tuple[str, ...]:
    """Return the addresses and CIDR ranges of a comma- or space-separated list, as CIDR ranges;
    "loopback" names 127.0.0.0/8 and ::1, "none" none."""
    import ipaddress  # a few milliseconds: not on every command's start-up path

    if value.lower() in ("loopback", "none"):
        return LOOPBACK if value.lower() == "loopback" else ()
    networks = []
    for part in value.replace(",", " ").split():
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ConfigError(f"{name} is malformed ({part!r}): expected IP addresses or CIDR "
                              "ranges separated by commas (e.g. 127.0.0.1, 10.0.0.0/8, ::1), "
                              "loopback or none") from None
    return tuple(networks)


def _switch(name: str, value: str) -> bool:
    if value.lower() not in ("on", "off", "true", "false", "yes", "no", "1", "0"):
        raise ConfigError(f"{name} is malformed ({value!r}): expected on or off")
    return value.lower() in ("on", "true", "yes", "1")


def _secret(value: str) -> str:
    if value and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
        raise ConfigError("WEBHOOK_SECRET is malformed: expected 1-256 characters of "
                          "A-Z, a-z, 0-9, _ and -")
    return value


def _mcp_token(value: str) -> str:
    if value and not re.fullmatch(r"[A-Za-z0-9_.~-]{16,256}", value):
        raise ConfigError("MCP_TOKEN is malformed: expected 16-256 characters of A-Z, a-z, 0-9, "
                          "_, -, . and ~ (e.g. from `openssl rand -hex 32`)")
    return value


def _log_level(value: str) -> LogLevel:
    for level in LOG_LEVELS:
        if value.upper() == level:
            return level
    raise ConfigError(f"LOG_LEVEL is malformed ({value!r}): expected DEBUG, INFO, "
                      "WARNING or ERROR")


def _language(value: str) -> str:
    if value.lower() not in LANGUAGES:
        raise ConfigError(f"CHANNEL_LANGUAGE is unknown ({value!r}): expected one of "
                          f"{', '.join(LANGUAGES)}")
    return value.lower()
