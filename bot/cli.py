"""The `digestbot` command: index digests and query them from a terminal.

Start-up time is part of the command: parsing the arguments (and `--help`) imports only the
standard library; the settings and each subcommand's modules are imported once it is chosen, so
`search`, `what`, `today` and `categories` never load python-telegram-bot (ask, shell, run and
push, in bot/offline.py), matplotlib or a database driver they do not use.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from storage.model import Item

PROGRESS_MIN_FILES = 20  # fewer files than this print one line each, even on a terminal


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit status."""
    parser = _parser()
    args = parser.parse_args(_exclusions_as_words(list(sys.argv[1:] if argv is None else argv)))
    # after parsing, so --help and usage errors need neither (dataclasses alone is ~15 ms)
    from bot.config import ConfigError, load_settings
    from storage.model import SchemaError

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    db_path = args.db or settings.database
    try:
        return args.handler(args, db_path, settings)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except SchemaError as exc:
        print(f"database error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    finally:
        while _OPENED:  # a PostgreSQL pool left to the garbage collector warns from its thread
            _OPENED.pop().close()


def _exclusions_as_words(argv: list[str]) -> list[str]:
    """Return argv where, after `search`, an excluded word (`-文心`, `-OpenAI`) reads as a query word.

    argparse takes any `-x` token for an option; one starting with a space is a
    positional (and the query's words are split on whitespace anyway). `-h` and
    `--...` stay options.
    """
    if "search" not in argv:
        return argv
    start = argv.index("search") + 1
    return argv[:start] + [f" {token}" if token.startswith("-") and len(token) > 1
                           and not token.startswith("--") and token != "-h" else token
                           for token in argv[start:]]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digestbot", description=(
        "Index AI-news digests and answer questions about them, from a terminal or Telegram."))
    parser.add_argument("--db", help="SQLite database file (default: $DIGESTBOT_DB or "
                        "./digestbot.db)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = sub.add_parser("ingest", help="index digest files or folders")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.set_defaults(handler=_ingest)

    find = sub.add_parser("search", help="keyword search")
    find.add_argument("query", nargs="+", help="words to find; -word or !word excludes items "
                      "containing it (e.g. 红包 -文心)")
    find.add_argument("--category", help="政策/模型/产品/投融资/行业 or policy/models/...")
    find.add_argument("--since", help="YYYY-MM-DD")
    find.add_argument("--until", help="YYYY-MM-DD")
    find.add_argument("--limit", type=int, default=10)
    find.add_argument("--json", action="store_true")
    find.set_defaults(handler=_search)

    happened = sub.add_parser("what", help="what happened with a company or product, as stories")
    happened.add_argument("name")
    happened.add_argument("--json", action="store_true")
    happened.set_defaults(handler=_what)

    today = sub.add_parser("today", help="one day's digest (default: the newest)")
    today.add_argument("--date", help="YYYY-MM-DD")
    today.add_argument("--json", action="store_true")
    today.set_defaults(handler=_today)

    cats = sub.add_parser("categories", help="categories and their item counts")
    cats.add_argument("--json", action="store_true")
    cats.set_defaults(handler=_categories)

    hot = sub.add_parser("hot", help="terms rising, new and fading in the 7 days ending a date, "
                         "against the 4 weeks before")
    hot.add_argument("--date", help="YYYY-MM-DD: the period's last day (default: today in TIMEZONE)")
    hot.add_argument("--json", action="store_true")
    hot.set_defaults(handler=_hot)

    copy = sub.add_parser("migrate", help="copy a SQLite index into PostgreSQL (one transaction)")
    copy.add_argument("--from", dest="source", required=True, metavar="SQLITE_PATH")
    copy.add_argument("--to", dest="target", required=True, metavar="DATABASE_URL")
    copy.add_argument("--force", action="store_true",
                      help="replace what the target database already holds")
    copy.set_defaults(handler=_migrate)

    # The bot's own commands; their handlers are in bot/offline.py, imported only when one runs.
    ask = sub.add_parser("ask", help="run one bot command, or answer a question, offline and "
                         "print the replies")
    ask.add_argument("text", help='a command, e.g. "/search 红包", or a question, answered as '
                     'the bot answers a private message, e.g. "上周有哪些融资"')
    ask.add_argument("--user-id", type=int, default=0, help="sender (an ADMIN_IDS id for admin "
                     "commands; default: the first admin, else 1000)")
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(handler=_bot_command)
    shell = sub.add_parser("shell", help="talk to the bot offline, interactively")
    shell.add_argument("--user-id", type=int, default=0)
    shell.set_defaults(handler=_bot_command)
    for command in (ask, shell):  # the sender's Telegram app language; a /lang choice still wins
        command.add_argument("--lang", choices=("zh", "en"), default="zh",
                             help="answer as to a Telegram app set to this language (default: zh)")
    run_cmd = sub.add_parser("run", help="start the bot (long polling, or webhook if WEBHOOK_URL)")
    run_cmd.set_defaults(handler=_bot_command)
    push = sub.add_parser("push", help="post a digest to CHANNEL_ID now")
    push.add_argument("--date", help="YYYY-MM-DD (default: today in TIMEZONE)")
    push.add_argument("--force", action="store_true", help="post again even if already posted")
    push.set_defaults(handler=_bot_command)

    mcp = sub.add_parser("mcp", help="serve the archive to AI assistants (MCP) on stdio, or "
                         "--http with MCP_TOKEN")
    mcp.add_argument("--http", action="store_true",
                     help="Streamable HTTP at http://HOST:PORT/mcp instead of stdio; requests "
                          "must carry Authorization: Bearer $MCP_TOKEN")
    mcp.add_argument("--host", help="address to listen on (default: $MCP_HOST or 127.0.0.1)")
    mcp.add_argument("--port", type=int, help="port (default: $MCP_PORT or 8765)")
    mcp.add_argument("--lang", choices=("zh", "en"), default="zh",
                     help="language of the text beside each answer's JSON (default: zh)")
    mcp.set_defaults(handler=_mcp)

    site = sub.add_parser("web", help="serve the read-only web archive (pages, search, feeds)")
    site.add_argument("--host", help="address to listen on (default: $WEB_HOST or 127.0.0.1)")
    site.add_argument("--port", type=int, help="port (default: $WEB_PORT or 8080; 0 = a free one)")
    site.set_defaults(handler=_web)
    return parser


def _mcp(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    """Run the MCP server; only this imports the mcp SDK (after the settings it needs are checked)."""
    if args.http:
        settings.require_mcp_token()
    from bot.mcp import server

    return server.run(args, db_path, settings)


def _bot_command(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    """Run ask, shell, run or push; only these import python-telegram-bot and the Application."""
    from bot import offline

    handlers = {"ask": offline._ask, "shell": offline._shell, "run": offline._run,
                "push": offline._push}
    return handlers[args.command](args, db_path, settings)


def _web(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    """Serve the web archive from the index; needs no bot token."""
    from bot.web.server import run
    from storage.backend import open_db

    port = settings.web_port if args.port is None else args.port
    if not 0 <= port <= 65535:
        print(f"digestbot web: --port must be 0-65535, not {port}", file=sys.stderr)
        return 2
    run(open_db(db_path), settings, args.host or settings.web_host, port)
    return 0


def _ingest(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    from storage.index import IngestOutcome, IngestStatus, digest_files, ingest_paths

    db = _open(db_path)
    files = list(digest_files(args.paths))
    counts = dict.fromkeys(IngestStatus, 0)
    items = 0
    bar = None
    if sys.stdout.isatty() and len(files) >= PROGRESS_MIN_FILES:
        from tqdm import tqdm

        bar = tqdm(total=len(files), unit="file", desc="ingest")

    def report(outcome: IngestOutcome) -> None:
        nonlocal items
        counts[outcome.status] += 1
        items += outcome.items if outcome.status == IngestStatus.INDEXED else 0
        if bar is None:
            print(outcome.line(), flush=True)
        else:
            if outcome.status == IngestStatus.REJECTED:
                bar.write(outcome.line())
            bar.update(1)

    ingest_paths(db, files, on_outcome=report)
    if bar is not None:
        bar.close()
    summary = (f"{len(files)} files: {counts[IngestStatus.INDEXED]} indexed ({items} items), "
               f"{counts[IngestStatus.UNCHANGED]} unchanged, {counts[IngestStatus.REJECTED]} rejected")
    print(summary, file=sys.stdout if bar is not None else sys.stderr)
    if not files:
        print("no digest files found (looked for *.md, *.markdown, *.txt)", file=sys.stderr)
        return 1
    return 1 if counts[IngestStatus.REJECTED] else 0


def _migrate(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    from storage.migrate import MigrateError, copy_to_postgres

    if not args.target.startswith(("postgresql://", "postgres://")):
        print("digestbot migrate: --to must be a postgresql:// URL", file=sys.stderr)
        return 2
    try:
        copied = copy_to_postgres(args.source, args.target, force=args.force)
    except MigrateError as exc:
        print(f"digestbot migrate: {exc}", file=sys.stderr)
        return 2
    for table, rows in copied.items():
        print(f"{table:<14}{rows:>9} rows")
    print(f"copied {args.source} into PostgreSQL in one transaction")
    return 0


def _date_arg(value: str | None, name: str) -> str | None:
    from storage.digests import parse_date

    if value is None:
        return None
    date = parse_date(value)
    if date is None:
        raise SystemExit(f"digestbot: {name} must be a date like 2026-02-08, not {value!r}")
    return date


_OPENED: list = []  # databases the running command opened; main() closes them


def _open(db_path: str):
    """Return the index at `db_path`, opened for this command (closed when main() returns)."""
    from storage.backend import open_db

    db = open_db(db_path)
    _OPENED.append(db)
    return db


def _search(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    from bot.present import refusal_reason
    from storage.model import Refusal
    from storage.search import search

    db = _open(db_path)
    result = search(db, " ".join(args.query), category=args.category,
                    since=_date_arg(args.since, "--since"), until=_date_arg(args.until, "--until"),
                    limit=max(1, min(args.limit, 1000)))
    if args.json:
        _print_json([item.to_json() for item in result.items])
        return 0
    if result.message:
        value = args.category if result.message == Refusal.UNKNOWN_CATEGORY else result.query
        print(refusal_reason(result.message, "query", value or ""), file=sys.stderr)
        return 1
    if result.corrected:
        print(f"nothing found for {result.query!r}; showing results for {result.corrected!r}")
    if not result.items:
        print(f"nothing found for {result.query!r}")
        return 0
    more = "+" if result.total_capped else ""
    print(f"{result.total}{more} items; best {len(result.items)}:")
    for item in result.items:
        _print_item(item)
    return 0


def _what(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    from bot.present import NAME_REFUSALS, refusal_reason
    from storage.stories import what

    db = _open(db_path)
    result = what(db, args.name)
    if args.json:
        rows = []
        for number, story in enumerate(result.stories, start=1):
            for item in story.items:
                rows.append({**item.to_json(), "story": number, "story_title": story.title,
                             "story_dates": list(story.dates)})
        rows.sort(key=lambda row: (row["date"], row["id"]))
        _print_json(rows)
        return 0
    if result.message:
        print(refusal_reason(result.message, "name", result.query, NAME_REFUSALS), file=sys.stderr)
        return 1
    if result.corrected:
        print(f"nothing found for {result.query!r}; showing {result.corrected!r}")
    if not result.stories:
        print(f"nothing found for {result.query!r}")
        return 0
    print(f"{' / '.join(result.names)}: {len(result.stories)} stories")
    for story in result.stories:
        print(f"{story.dates[0]}  {story.title}")
        if len(story.dates) > 1:
            print(f"            also reported {', '.join(story.dates[1:])}")
    return 0


def _today(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    from storage.digests import digest_or_newest

    db = _open(db_path)
    date = _date_arg(args.date, "--date")
    found = digest_or_newest(db, date)
    if found is None:
        if args.json:
            _print_json([])
        print(f"no digest for {date}" if date else "the index is empty: run digestbot ingest",
              file=sys.stderr)
        return 1
    header, items = found
    if args.json:
        _print_json([item.to_json() for item in items])
        return 0
    print(f"{header.date}  {header.title}  ({header.items} items)")
    for item in items:
        _print_item(item)
    return 0


def _hot(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    import datetime as dt

    from storage.hot import hot
    from storage.terms import fill_terms, terms_current

    db = _open(db_path)
    until = _date_arg(args.date, "--date") or dt.datetime.now(settings.tz).date().isoformat()
    if not terms_current(db):  # an index from before terms existed: extract them once (a scan would)
        print("extracting every item's terms (once, after an upgrade)...", file=sys.stderr)
        fill_terms(db)
    try:
        result = hot(db, until)
    except ValueError as exc:
        print(f"digestbot hot: {exc}", file=sys.stderr)
        return 2
    if args.json:
        _print_json(result.to_json())
        return 0 if result.message in (None, "no_history") else 1
    messages = {"empty": "the index is empty: run digestbot ingest",
                "no_digests": f"no digest between {result.since} and {result.until}"
                              + (f"; the newest is {result.newest}: try --date {result.newest}"
                                 if result.newest else ""),
                "no_history": f"nothing indexed before {result.since}: no earlier weeks to compare "
                              f"with ({result.items} items in the period)",
                "terms_pending": "the terms are still being extracted: try again in a moment"}
    if result.message:
        print(messages.get(result.message, result.message),
              file=sys.stdout if result.message == "no_history" else sys.stderr)
        return 0 if result.message == "no_history" else 1
    weeks = "the week" if result.periods_before == 1 else f"the {result.periods_before} weeks"
    print(f"{result.since} .. {result.until}: {result.items} items, against {weeks} before")
    for title, terms in (("rising", result.rising), ("new", result.new), ("fading", result.fading)):
        print(f"\n{title}:" if terms else f"\n{title}: none")
        for term in terms:
            print(f"  {term.term}  {term.count} now, {term.before:g} a week before, "
                  f"first seen {term.first_seen}")
    return 0


def _categories(args: argparse.Namespace, db_path: str, settings: Settings) -> int:
    from storage.digests import categories

    db = _open(db_path)
    rows = categories(db)
    if args.json:
        _print_json([{"category": row.name, "items": row.items} for row in rows])
        return 0
    for row in rows:
        print(f"{row.items:6d}  {row.name}")
    return 0


def _print_item(item: Item) -> None:
    print(f"\n{item.date}  [{item.category}]  {item.title}")
    if item.summary:
        print(f"  {item.summary}")
    if item.source_url:
        print(f"  {item.source_name} {item.source_url}".rstrip())


def _print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    sys.exit(main())
