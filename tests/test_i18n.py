"""Languages: every message exists in both languages, the committed catalogs are current, and
English replies are English (the digests' own text aside)."""

from __future__ import annotations

import ast
import datetime as dt
import re
import string
from types import SimpleNamespace

from babel.messages import frontend
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from bot import render
from bot.i18n import LOCALE_DIR, language_for, translations
from bot.render import admin as admin_render
from bot.render import card as card_render
from bot.render import readers as reader_render
from bot.render import target_status
from storage.categories import CANONICAL
from storage.index import IngestOutcome
from storage.model import (
    ArchiveStats,
    CategoryCount,
    DigestSummary,
    Item,
    SearchResult,
    Story,
    Trend,
    WhatResult,
)
from storage.posts import PostStats
from storage.readers import Reader, ReaderStats, WatchAlert
from storage.targets import TargetState
from storage.topics import WEEK_TOPIC
from tests.conftest import PROJECT

ZH, EN = translations("zh"), translations("en")
SOURCE_DIRS = ("bot", "handlers")  # as in the extract command (README, "Languages")
PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _extracted() -> dict[str, tuple[str, ...]]:
    """Return every msgid in the source, as babel.cfg says to extract it: {msgid: all its ids}."""
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with open(PROJECT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse(cfg)
    found: dict[str, tuple[str, ...]] = {}
    for directory in SOURCE_DIRS:
        for _file, _line, message, _comments, _context in extract_from_dir(
                PROJECT / directory, method_map, options_map):
            ids = message if isinstance(message, tuple) else (message,)
            found[ids[0]] = ids
    return found


def _catalog(path) -> Catalog:
    with open(path, "rb") as file:
        return read_po(file) if path.suffix != ".mo" else read_mo(file)


def _key(text: str | list | tuple) -> str | tuple:
    return text if isinstance(text, str) else tuple(text)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_message_in_the_source_has_an_english_translation() -> None:
    source = _extracted()
    assert len(source) > 100  # the extraction found the render modules
    english = _catalog(PO)
    problems = []
    for msgid, ids in sorted(source.items()):
        message = english.get(msgid)
        if message is None:
            problems.append(f"only in Chinese (not in {PO.name}): {msgid!r}")
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(forms):
            problems.append(f"no English (empty or fuzzy): {msgid!r}")
        if (len(ids) > 1) != message.pluralizable:
            problems.append(f"plural in one place and not the other: {msgid!r}")
    problems += [f"only in English (gone from the source): {m.id!r}" for m in english
                 if m.id and (m.id[0] if isinstance(m.id, tuple) else m.id) not in source]
    assert not problems, "run the commands in README.md, \"Languages\":\n" + "\n".join(problems)


# Where replies are made; a Chinese string literal there must be inside a gettext call.
# bot/targets/dialects.py and mail.py are left out: the digest as sent to 企业微信, 飞书, 钉钉 and
# e-mail (Chinese platforms), not a reply to a Telegram user; it is not in the catalog yet.
# handlers/mcp.py is
# left out too: its tool descriptions and errors are English for the model, and the Chinese in
# them are example queries (红包, 阶跃星辰), not messages (its Markdown is bot/mcp/markdown.py's).
# handlers/web.py is left out as well: the web archive is a Chinese site (lang="zh-CN"); its page
# titles are Chinese like its templates.
REPLY_MODULES = ("bot/render/*.py", "bot/mcp/markdown.py", "handlers/[!mw]*.py",
                 "bot/app.py", "bot/delivery.py", "bot/chart.py", "bot/topics.py", "bot/schedule.py",
                 "bot/webhook.py", "bot/targets/deliver.py")
# Not messages: category names as the files write them, a font's glyph probe, the full-width comma
# that /subscribe accepts between categories.
NOT_MESSAGES = {*CANONICAL, "中", "，"}
MARKERS = {"_", "gettext", "ngettext", "N_"}


def _chinese_literals_outside_gettext(path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in MARKERS:
                inside.update(id(sub) for arg in node.args for sub in ast.walk(arg))
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) \
                and node.body and isinstance(node.body[0], ast.Expr):
            inside.add(id(node.body[0].value))  # a docstring
    return [f"{path.relative_to(PROJECT)}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and CJK.search(node.value) and id(node) not in inside and node.value not in NOT_MESSAGES]


def test_no_chinese_message_outside_the_catalog() -> None:
    found = [line for pattern in REPLY_MODULES for path in sorted(PROJECT.glob(pattern))
             for line in _chinese_literals_outside_gettext(path)]
    assert not found, "wrap these in _() (bot/render/) and translate them:\n" + "\n".join(found)


def test_translations_keep_every_placeholder() -> None:
    for message in _catalog(PO):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for form in forms:
            assert _fields(form) == _fields(ids[0]), (ids[0], form)


def test_the_committed_template_and_compiled_catalog_are_current() -> None:
    template = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(LOCALE_DIR / "messages.pot")
                if m.id}
    assert template == set(_extracted()), "re-extract messages.pot (README.md, \"Languages\")"
    compiled = {_key(m.id): _key(m.string) for m in _catalog(MO) if m.id}
    written = {_key(m.id): _key(m.string) for m in _catalog(PO) if m.id and not m.fuzzy}
    assert compiled == written, "run pybabel compile -d bot/locale"


def test_language_follows_the_choice_then_the_client() -> None:
    assert language_for("", "en") == "en" and language_for("", "en-GB") == "en"
    assert language_for("", "zh-hans") == "zh" and language_for("", None) == "zh"
    assert language_for("", "de") == "zh"  # everyone else reads Chinese, as before
    assert language_for("zh", "en-US") == "zh" and language_for("en", "zh-hans") == "en"
    assert translations("fr") is ZH and translations("en") is EN


def test_plural_forms_follow_the_count() -> None:
    header = DigestSummary("2026-02-08", "AI 日报", 1)
    one = render.digest_overview(EN, header, [_item(1)])[0]
    two = render.digest_overview(EN, header, [_item(1), _item(2)])[0]
    assert "· 1 item\n" in one and "· 2 items\n" in two
    assert "共 2 条" in render.digest_overview(ZH, header, [_item(1), _item(2)])[0]


# --- English replies are English --------------------------------------------------------------

# The digests' own words in the samples below (and the user's query): shown as written.
DIGEST_TEXT = ("标题", "说明", "分析", "要点", "来源网站", "产品与应用发布", "投融资与并购", "AI 日报",
               "关键词")


def _item(n: int) -> Item:
    return Item(date="2026-02-08", category="产品与应用发布", title=f"标题{n}", summary="说明",
                analysis="分析", points=("要点",), source_name="来源网站",
                source_url="https://example.com/", position=n, id=20260208000 + n)


def _english_only(text: str) -> None:
    """Fail if `text` has Chinese other than the digests' own words (and "中文", the language's
    name for itself)."""
    for words in (*DIGEST_TEXT, "中文"):
        text = text.replace(words, "")
    assert not CJK.search(text), text


SITE = "https://digest.example.org"  # the web archive's links are labelled in the reader's language


def _every_reply(lang) -> list[str]:
    """Return the text of every reply and button a reader or an admin can get, in `lang`."""
    items = [_item(n) for n in range(1, 8)]
    header = DigestSummary("2026-02-08", "AI 日报", len(items))
    story = Story(title="标题1", items=tuple(items[:2]), dates=("2026-02-03", "2026-02-08"))
    reader = Reader(7, True, ("投融资与并购",), False)
    trend = Trend("关键词", 3, ((dt.date(2026, 2, 2), 3), (dt.date(2026, 2, 9), 0)))
    replies: list[render.Reply] = [
        render.help_text(lang, is_admin=True), render.no_digest(lang, None),
        render.no_digest(lang, "2026-02-09"), render.something_went_wrong(lang),
        render.admin_only(lang), render.date_error(lang, "x", "today"),
        render.unknown_category(lang, "x"), render.category_gone(lang),
        render.category_menu(lang, [CategoryCount("投融资与并购", 3)], {"投融资与并购": 1}),
        render.category_page(lang, "投融资与并购", items[:5], 7, 0, 1),
        render.category_page(lang, "投融资与并购", [], 0, 0, 1),
        *render.today_messages(lang, header, items, render.not_yet_published(lang, "2026-02-09",
                                                                             "2026-02-08"),
                               web_url=SITE),
        *render.what_timeline(lang, WhatResult("关键词", ("关键词",), [story], corrected="关键词"),
                              SITE),
        *[render.what_timeline(lang, WhatResult("关键词", (), [], message=m))[0]
          for m in ("empty", "too_short", "")],
        admin_render.stats(lang, ArchiveStats(5, 62, "2026-01-27", "2026-02-08"),
                     PostStats(2, 10, "2026-02-08", "2026-02-08T08:00"), True, "08:00",
                     ReaderStats(3, 1, 2, 1, (("2026-02-08", 4),), (("关键词", 4),)), "09:00"),
        admin_render.reindex_started(lang),
        admin_render.reindex_report(lang, [IngestOutcome("a.md", "rejected", reason="empty file")]),
        admin_render.upload_result(lang, "indexed a.md", True, "2026-02-08"),
        admin_render.upload_result(lang, "rejected a.md", False, None),
        reader_render.subscribed(lang, reader), reader_render.unsubscribed(lang, True),
        reader_render.unsubscribed(lang, False), reader_render.settings_view(lang, reader),
        reader_render.settings_view(lang, None), reader_render.unknown_categories(lang, ["x"]),
        reader_render.private_only(lang, "watch"), reader_render.watch_usage(lang, "watch"),
        *[reader_render.watch_added(lang, "关键词", s, ["关键词"])
          for s in ("added", "exists", "full", "too_long")],
        reader_render.watch_removed(lang, "关键词", True),
        reader_render.watch_removed(lang, "关键词", False),
        reader_render.watch_list(lang, ["关键词"]), reader_render.watch_list(lang, []),
        reader_render.watch_alert(lang, WatchAlert(7, tuple((i, ("关键词",)) for i in items * 2))),
        *[reader_render.trend_text(lang, Trend("关键词", 0, (), message=m)) for m in ("empty",
                                                                                  "too_short", "")],
        *reader_render.week_board(lang, [story] * 16, "2026-02-02", "2026-02-08"),
        *reader_render.week_board(lang, [], "2026-02-02", "2026-02-08"),
        reader_render.language_view(lang, ""), reader_render.language_view(lang, "en"),
        reader_render.language_set(lang, ""), reader_render.language_set(lang, lang.code),
        reader_render.language_usage(lang, "fr"),
        admin_render.push_usage(lang), admin_render.no_channel(lang),
        *[admin_render.push_outcome(lang, s, "2026-02-08", 3)
          for s in ("posted", "already", "busy", "missing")],
        *[admin_render.publish_outcome(lang, s, "2026-02-08", 1)
          for s in ("posted", "already", "busy", "missing")],
        admin_render.scan_busy(lang), admin_render.paused(lang), admin_render.resumed(lang),
        admin_render.schedule_usage(lang), admin_render.schedule_changed(lang, "09:00", "UTC"),
        admin_render.weekly_usage(lang), admin_render.weekly_post_setting(lang, None),
        admin_render.weekly_post_setting(lang, "09:00"), admin_render.upload_too_large(lang, 2),
        admin_render.missing_digest(lang, "2026-02-08", dt.time(23, 0)),
        render.only_excluded(lang, "search"),
        reader_render.watch_added(lang, "-关键词", "only_excluded", []),
        card_render.card_unavailable(lang), card_render.card_date_error(lang, "x"),
        target_status.targets_list(lang, [], []),
        target_status.targets_list(lang, [("wecom", "wecom:ab12"), ("mail", "mail:cd34")], [
            TargetState("wecom:ab12", "2026-02-08", "2026-02-08T08:00", 3, "2026-02-09", 1, 3,
                        "HTTP 500"), TargetState("mail:cd34", None, None, 0)]),
        target_status.delivery_failed(lang, "feishu", "feishu:ef56", "2026-02-08", "HTTP 500"),
        target_status.push_report(lang, "2026-02-08", [
            SimpleNamespace(target="dingtalk:0a1b", kind="dingtalk", status=s, sent=1, total=2,
                            error="HTTP 500" if s == "failed" else None)
            for s in ("delivered", "already", "busy", "failed")]),
    ]
    texts = [r.text for r in replies if r is not None]
    texts += [button.text for r in replies if r is not None and r.keyboard
              for row in r.keyboard.inline_keyboard for button in row]
    page = render.search_page(lang, SearchResult("关键词", items[:5], total=12, corrected="关键词"),
                              1, 1, "投融资与并购", SITE)
    texts += [page.text] + [b.text for row in page.keyboard.inline_keyboard for b in row]
    texts += [render.search_page(lang, SearchResult("关键词", [], total=0, message=m), 1, 0,
                                 None).text
              for m in ("too_short", "empty", "unknown_category", "only_excluded", "")]
    texts.append(reader_render.inline_refusal(lang, "only_excluded").text)
    texts += [reader_render.trend_caption(lang, trend), render.admin_only_alert(lang),
              render.search_expired(lang), reader_render.settings_updated(lang),
              admin_render.no_channel_alert(lang), admin_render.publishing_alert(lang)]
    card = card_render.card_text(lang, DigestSummary("2026-02-08", "", 7), items, "@bot", "https://x.y/")
    texts += target_status.stats_lines(lang, [("wecom", "wecom:ab12")],
                                       [TargetState("wecom:ab12", "2026-02-08", "08:00", 3, error="x")])
    texts += [card.title, card.date_line, card.qr_caption,
              card_render.card_caption(lang, header, "https://x.y/"),
              render.topic_name(lang, WEEK_TOPIC)]
    texts.append(render.menu_button(lang))
    for result in reader_render.inline_results(lang, items, SITE):
        texts += [result.description, result.input_message_content.message_text]
    return texts


def test_every_english_reply_and_button_is_english() -> None:
    for text in _every_reply(EN):
        _english_only(text)


def test_chinese_replies_are_as_written() -> None:
    texts = "\n".join(_every_reply(ZH))
    assert "下一页 ▶" in texts and "🔕 取消订阅" in texts and "共 7 条" in texts

