"""Every renderer over every bundled digest (and one whose categories interleave): the sections
(which categories, in which order, each item under its number) are the same in every medium,
because each one takes them from bot.present.sections."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import present
from bot.i18n import translations
from bot.mcp.markdown import digest_markdown
from bot.render import channel_post_topics, digest_overview
from bot.render.card import card_text
from bot.targets.dialects import (
    DINGTALK_MARKDOWN_BYTES,
    FEISHU_BODY_BYTES,
    WECOM_MARKDOWN_BYTES,
    dingtalk_messages,
    feishu_body_size,
    feishu_messages,
    wecom_messages,
)
from bot.targets.mail import mail_message
from bot.web.server import template_environment
from handlers.web import _day_page
from storage.model import DigestSummary, Item
from storage.parse import parse_file

BUNDLED = Path(__file__).resolve().parent.parent / "digests"
WEB = "https://digest.example.org"
Sections = list[tuple[str, list[int]]]  # (category, the numbers of its items), in order


def _digests() -> list[tuple[str, DigestSummary, list[Item]]]:
    found = []
    for path in sorted(BUNDLED.iterdir()):
        digest = parse_file(path)
        items = [dataclasses.replace(item, id=int(digest.date.replace("-", "")) * 100 + n)
                 for n, item in enumerate(digest.items)]
        found.append((path.name, DigestSummary(digest.date, digest.title, len(items),
                                               digest.summary), items))
    return found


def _interleaved() -> tuple[str, DigestSummary, list[Item]]:
    """A digest whose categories come back after others (and one the bot does not know)."""
    order = ["模型与技术进展", "产品与应用发布", "模型与技术进展", "自定义栏目", "产品与应用发布",
             "投融资与并购", "模型与技术进展", "自定义栏目"]
    items = [Item(date="2026-03-01", category=category, title=f"第{n}条 <标题> & [链接](x)",
                  summary=f"说明{n}", points=(f"要点{n}",), source_name=f"来源{n}",
                  source_url=f"https://example.com/{n}", position=n, id=202603010 + n)
             for n, category in enumerate(order)]
    return "interleaved", DigestSummary("2026-03-01", "交错的日报", len(items)), items


DIGESTS = [*_digests(), _interleaved()]


def _expected(items: list[Item]) -> Sections:
    return [(s.category, [number for number, _ in s.items]) for s in present.sections(items)]


def _runs(pairs: list[tuple[str, int]]) -> Sections:
    """Return (category, numbers) runs from (category, number) pairs in reading order."""
    runs: Sections = []
    for category, number in pairs:
        if runs and runs[-1][0] == category:
            runs[-1][1].append(number)
        else:
            runs.append((category, [number]))
    return runs


def _read(text: str, heading: re.Pattern[str], entry: re.Pattern[str]) -> Sections:
    """Return the sections of `text`: each `heading` match names a category (group 1); each
    `entry` match after it numbers an item (group 1)."""
    marks = sorted([(m.start(), "h", m.group(1)) for m in heading.finditer(text)]
                   + [(m.start(), "e", m.group(1)) for m in entry.finditer(text)])
    sections: Sections = []
    for _, kind, value in marks:
        if kind == "h":
            sections.append((html.unescape(value).strip(), []))
        else:
            sections[-1][1].append(int(value))
    return sections


def _telegram(header: DigestSummary, items: list[Item]) -> list[Sections]:
    lang = translations("zh")
    overview = "\n\n".join(digest_overview(lang, header, items, web_url=WEB))
    icons = "|".join(re.escape(i) for i in {*present.ICONS.values(), present.DEFAULT_ICON})
    heading = re.compile(rf"^<b>(?:{icons}) (.+?)</b>$", re.M)
    post = channel_post_topics(lang, header, items, WEB)
    full = [(topic, int(n)) for topic, text in post if topic
            for n in re.findall(r"^<b>(\d+)\. ", text, re.M)]
    return [_read(overview, heading, re.compile(r"^(\d+)\. ", re.M)), _runs(full)]


def _mcp(header: DigestSummary, items: list[Item]) -> list[Sections]:
    text = digest_markdown(translations("zh"), header, items, lambda item: f"{WEB}/item/{item.id}")
    return [_read(text, re.compile(r"^## \S+ (.+)$", re.M), re.compile(r"^### (\d+)\. ", re.M))]


def _site(header: DigestSummary, items: list[Item]) -> list[Sections]:
    page = _day_page(header, items, (None, None))
    text = template_environment().get_template(page.template).render(
        {"base": WEB, "path": f"/d/{header.date}", **page.values})
    overview, _, full = text.partition('<section class="category">')
    return [_read(overview, re.compile(r"<h3>(.+?)</h3>"), re.compile(r'<li value="(\d+)">')),
            _read('<section class="category">' + full, re.compile(r"<h2>(.+?)</h2>"),
                  re.compile(r'<span class="number">(\d+)\.</span>'))]


def _robot_markdown(texts: list[str]) -> list[Sections]:
    joined = "\n\n".join(text for text in texts if not text.startswith("## "))
    overview = _read(joined, re.compile(r"^\*\*\S+ (.+?)\*\*$", re.M),
                     re.compile(r"^(\d+)\. ", re.M))
    full = [(m.group(1), int(n)) for text in texts
            for m in [re.search(r"^## \S+ (.+) · \d{4}-\d{2}-\d{2}$", text, re.M)] if m
            for n in re.findall(r"^\*\*(\d+)\. ", text, re.M)]
    return [overview, _runs(full)]


def _wecom(header: DigestSummary, items: list[Item]) -> list[Sections]:
    return _robot_markdown(wecom_messages(header, items, WEB))


def _dingtalk(header: DigestSummary, items: list[Item]) -> list[Sections]:
    return _robot_markdown([text.replace("  \n", "\n") for _title, text
                            in dingtalk_messages(header, items, WEB)])


def _feishu(header: DigestSummary, items: list[Item]) -> list[Sections]:
    overview: list[tuple[str, int]] = []
    full: list[tuple[str, int]] = []
    for post in feishu_messages(header, items, WEB):
        content = post["zh_cn"]  # type: ignore[index]
        title = content["title"]
        category = re.fullmatch(r"\S+ (.+) · \d{4}-\d{2}-\d{2}", title)
        heading = None
        for paragraph in content["content"]:
            first = paragraph[0] if paragraph else {}
            text = str(first.get("text", ""))
            if category is None and first.get("style") == ["bold"]:
                heading = text.split(" ", 1)[1]
            elif number := re.match(r"(\d+)\. ", text):
                if category is not None:
                    full.append((category.group(1), int(number.group(1))))
                elif heading is not None:
                    overview.append((heading, int(number.group(1))))
    return [_runs(overview), _runs(full)]


def _mail(header: DigestSummary, items: list[Item]) -> list[Sections]:
    parts = mail_message(header, items, WEB)
    icons = "|".join(re.escape(i) for i in {*present.ICONS.values(), present.DEFAULT_ICON})
    return [_read(parts.text, re.compile(rf"^(?:{icons}) (.+)$", re.M),
                  re.compile(r"^(\d+)\. ", re.M)),
            _read(parts.html, re.compile(r"<h2[^>]*>\S+ (.+?)</h2>"),
                  re.compile(r"<h3[^>]*>(\d+)\. "))]


def _card(header: DigestSummary, items: list[Item]) -> list[Sections]:
    text = card_text(translations("zh"), header, items, "footer", f"{WEB}/d/{header.date}")
    return [[(category, [int(line.split(".")[0]) for line in lines])
             for category, lines in text.sections]]


MEDIA: dict[str, Callable[[DigestSummary, list[Item]], list[Sections]]] = {
    "telegram": _telegram, "mcp": _mcp, "site": _site, "wecom": _wecom, "dingtalk": _dingtalk,
    "feishu": _feishu, "mail": _mail, "card": _card}


@pytest.mark.parametrize("medium", MEDIA)
@pytest.mark.parametrize(("name", "header", "items"), DIGESTS, ids=[d[0] for d in DIGESTS])
def test_every_medium_shows_the_same_sections(medium: str, name: str, header: DigestSummary,
                                              items: list[Item]) -> None:
    expected = _expected(items)
    for shown in MEDIA[medium](header, items):  # the overview and the items in full, where both
        assert shown == expected


def test_interleaved_digest_has_one_heading_per_category() -> None:
    _, header, items = _interleaved()
    assert [category for category, _ in _expected(items)] == [
        "模型与技术进展", "产品与应用发布", "自定义栏目", "投融资与并购"]
    assert _expected(items)[0] == ("模型与技术进展", [1, 3, 7])
    markdown = digest_markdown(translations("zh"), header, items)
    assert len(re.findall(r"^## ", markdown, re.M)) == 4  # MCP started a heading at each change


def test_the_bundled_interleaved_digest_has_five_headings_in_mcp_as_in_the_channel() -> None:
    (_, header, items), = [d for d in DIGESTS if d[1].date == "2026-01-27"]
    markdown = digest_markdown(translations("zh"), header, items)
    overview = digest_overview(translations("zh"), header, items)[0]
    assert len(re.findall(r"^## ", markdown, re.M)) == 5 == overview.count("\n<b>")


def _hostile_items() -> list[Item]:
    return [Item(date="2026-03-01", category="模型与技术进展", title="超长标题" + "长" * 4996,
                 summary="说明\x1b[31m红色\x07", source_name="来源" + "源" * 2998,
                 source_url="https://example.com/long", position=0, id=1),
            Item(date="2026-03-01", category="产品与应用发布", title="脚本\x01链接\x7f",
                 source_name="坏链接", source_url="javascript:alert(1)", position=1, id=2)]


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def test_robot_messages_stay_within_each_platform_whatever_the_digest_holds() -> None:
    header = DigestSummary("2026-03-01", "日报" * 3000, 2)
    items = _hostile_items()
    for text in wecom_messages(header, items, WEB):
        assert len(text.encode()) <= WECOM_MARKDOWN_BYTES and not CONTROL.search(text)
        assert "javascript:" not in text
    for title, text in dingtalk_messages(header, items, WEB):
        assert len(text.encode()) <= DINGTALK_MARKDOWN_BYTES and not CONTROL.search(title + text)
    for post in feishu_messages(header, items, WEB):
        assert feishu_body_size(post) <= FEISHU_BODY_BYTES and not CONTROL.search(str(post))
        assert "javascript:" not in str(post)
    mail = mail_message(header, items, WEB)
    assert not CONTROL.search(mail.subject + mail.text + mail.html)
    assert "javascript:" not in mail.html


def test_mcp_markdown_links_only_http_and_strips_control_characters() -> None:
    header = DigestSummary("2026-03-01", "日报\x1b", 2)
    text = digest_markdown(translations("zh"), header, _hostile_items())
    assert "javascript:" not in text and "](javascript" not in text
    assert "坏链接" in text and "[来源" in text and "](https://example.com/long)" in text
    assert not CONTROL.search(text) and "说明[31m红色" in text
