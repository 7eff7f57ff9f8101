"""The daily post in each robot's own dialect: 企业微信 and 钉钉 Markdown, 飞书 rich text (post).
The only place that escapes and splits for them (e-mail: bot/targets/mail.py).

The same post as on Telegram (bot/render/__init__.py: channel_post): an overview with every
headline by category, then each category's items in full. Messages are split at item boundaries
within each platform's size limit, measured the way the platform measures it (UTF-8 bytes of the
Markdown; the whole JSON request body for 飞书); an item too big for one message is shortened in
its plain text, never cut inside markup. Links to the web archive (bot/links.py) when WEB_URL is set.

Size limits, from each platform's documentation:
- 企业微信 群机器人配置说明 (developer.work.weixin.qq.com/document/path/91770): markdown.content
  "最长不超过4096个字节，必须是utf8编码".
- 飞书 自定义机器人使用指南 (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot):
  "发送消息时，请求体的数据大小不能超过 20 KB" (we keep the body under 20,000 bytes).
- 钉钉 自定义机器人 (open.dingtalk.com/document/robots/custom-robot-access) documents no size for
  markdown.text; we keep 4,096 bytes as for 企业微信, which every client shows in full.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import TypeVar

from bot import links, present
from bot.present import one_line, shorten
from storage.model import DigestSummary, Item

WECOM_MARKDOWN_BYTES = 4096
DINGTALK_MARKDOWN_BYTES = 4096
FEISHU_BODY_BYTES = 20_000
FEISHU_SIGNING_BYTES = 128  # room for "timestamp" and "sign", added to the body when it is sent
# How much of a digest's own text a message shows (a file may hold a title or a source name of any
# length; a message over the platform's size is refused).
ITEM_LENGTHS = present.Lengths(title=256, source=64)
TITLE_CHARS = 256  # the digest's title
HEADLINE_CHARS = 200  # a headline in the overview
CATEGORY_CHARS = 64  # a category's name as a file writes it
T = TypeVar("T")


# --- shared structure ----------------------------------------------------------------------------


def _pack(header: T, blocks: list[T], size: Callable[[list[T]], int], limit: int) -> list[list[T]]:
    """Return messages made of whole blocks, `header` first on the first one, each within `limit`
    by `size` (each block must fit a message on its own: see `_fit`)."""
    messages: list[list[T]] = []
    current: list[T] = [header]
    for block in blocks:
        if size([*current, block]) <= limit:
            current.append(block)
            continue
        messages.append(current)
        current = [block]
    messages.append(current)
    return messages


def _chunks(lines: list[T], fits: Callable[[list[T]], bool]) -> list[list[T]]:
    """Return `lines` (a category's headlines) in consecutive runs that each `fits`, so a category
    with very many items still fits a message (a single line always makes a run)."""
    runs: list[list[T]] = []
    for line in lines:
        if runs and fits([*runs[-1], line]):
            runs[-1].append(line)
        else:
            runs.append([line])
    return runs


def _fit(render: Callable[[int, int], T], size: Callable[[T], int], limit: int) -> T:
    """Return the largest rendering of an item (its summary and points shortened in plain text,
    halving each time) that fits `limit`."""
    summary_limit, point_limit = 2000, 600
    while True:
        block = render(summary_limit, point_limit)
        if size(block) <= limit or summary_limit < 20:
            return block
        summary_limit, point_limit = summary_limit // 2, point_limit // 2


# --- 企业微信 and 钉钉 Markdown ---------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]~|])")
_MD_LINE_START = re.compile(r"^([#>+\-]|\d+\.)")


def md_escape(text: str) -> str:
    """Return digest text as literal Markdown text for the robots: one line, emphasis, code and
    link characters backslash-escaped, no line-start heading/quote/list marker, and no angle
    brackets (企业微信 reads <font>, 钉钉 some HTML: they become full-width ＜ ＞)."""
    text = one_line(present.strip_control(text)).replace("<", "＜").replace(">", "＞")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(r"\\\1", text)


def _md_link(label: str, url: str) -> str:
    href = present.link_target(url)
    return f"[{md_escape(label)}]({href})" if href else md_escape(label)


def _md_item(item: Item, number: int, web_url: str, newline: str, summary_limit: int,
             point_limit: int) -> str:
    item = present.shortened(item, ITEM_LENGTHS)
    lines = [f"**{number}. {md_escape(item.title)}**"]
    if item.summary:
        lines.append(md_escape(shorten(item.summary, summary_limit)))
    if item.analysis:
        lines.append(f"深度解读：{md_escape(shorten(item.analysis, summary_limit))}")
    lines += [f"• {md_escape(shorten(point, point_limit))}" for point in item.points]
    sources = []
    if item.source_url or item.source_name:
        sources.append(f"来源：{_md_link(item.source_name or '原文', item.source_url)}")
    if item.id is not None and (archive := links.item_url(web_url, item.id)):
        sources.append(f"[存档]({present.link_target(archive)})")
    if sources:
        lines.append(" · ".join(sources))
    return newline.join(lines)


def markdown_post(header: DigestSummary, items: list[Item], web_url: str, limit: int,
                  newline: str = "\n") -> list[str]:
    """Return the post as robot Markdown messages of at most `limit` UTF-8 bytes each: the
    overview, then each category's items (`newline` ends a line: 钉钉 wants two spaces before it)."""
    def size(parts: list[str]) -> int:
        return len(_join(parts).encode("utf-8"))

    def _join(parts: list[str]) -> str:
        return (newline * 2).join(p for p in parts if p)

    top = f"# 📰 {md_escape(shorten(header.title, TITLE_CHARS))}{newline}{header.date} · 共 {len(items)} 条"
    if day := links.day_url(web_url, header.date):
        top += f"{newline}[在网页上查看]({present.link_target(day)})"
    overview = []
    for category, numbered in present.sections(items):
        lines = [f"**{present.icon(category)} {md_escape(shorten(category, CATEGORY_CHARS))}**"]
        lines += [f"{number}. {md_escape(shorten(item.title, HEADLINE_CHARS))}" for number, item in numbered]
        overview += [newline.join(run) for run in
                     _chunks(lines, lambda run: size([top, newline.join(run)]) <= limit)]
    messages = [_join(m) for m in _pack(top, overview, size, limit)]
    for category, numbered in present.sections(items):
        title = f"## {present.icon(category)} {md_escape(shorten(category, CATEGORY_CHARS))} · {header.date}"

        def block_size(block: str, title: str = title) -> int:
            return size([title, block])

        blocks = [_fit(functools.partial(_md_item, i, n, web_url, newline), block_size, limit)
                  for n, i in numbered]
        messages += [_join(m) for m in _pack(title, blocks, size, limit)]
    return messages


def wecom_messages(header: DigestSummary, items: list[Item], web_url: str = "") -> list[str]:
    """Return the post as 企业微信 markdown contents (msgtype "markdown"), each ≤ 4096 bytes."""
    return markdown_post(header, items, web_url, WECOM_MARKDOWN_BYTES)


def dingtalk_messages(header: DigestSummary, items: list[Item],
                      web_url: str = "") -> list[tuple[str, str]]:
    """Return the post as 钉钉 markdown messages: (title shown in the chat list, text)."""
    texts = markdown_post(header, items, web_url, DINGTALK_MARKDOWN_BYTES, newline="  \n")
    title = present.strip_control(f"{one_line(shorten(header.title, TITLE_CHARS))} {header.date}")
    return [(title, text) for text in texts]


# --- 飞书 rich text (msg_type "post") ---------------------------------------------------------------

Paragraph = list[dict[str, object]]


def _text(text: str, bold: bool = False) -> dict[str, object]:
    element: dict[str, object] = {"tag": "text", "text": present.strip_control(text)}
    if bold:
        element["style"] = ["bold"]
    return element


def _feishu_link(label: str, url: str) -> dict[str, object]:
    href = present.link_target(url)
    return ({"tag": "a", "text": present.strip_control(label), "href": href} if href
            else _text(label))


def _feishu_item(item: Item, number: int, web_url: str, summary_limit: int,
                 point_limit: int) -> list[Paragraph]:
    item = present.shortened(item, ITEM_LENGTHS)
    paragraphs: list[Paragraph] = [[_text(f"{number}. {one_line(item.title)}", bold=True)]]
    if item.summary:
        paragraphs.append([_text(one_line(shorten(item.summary, summary_limit)))])
    if item.analysis:
        paragraphs.append([_text(f"深度解读：{one_line(shorten(item.analysis, summary_limit))}")])
    paragraphs += [[_text(f"• {one_line(shorten(p, point_limit))}")] for p in item.points]
    sources: Paragraph = []
    if item.source_url or item.source_name:
        sources += [_text("来源："), _feishu_link(item.source_name or "原文", item.source_url)]
    if item.id is not None and (archive := links.item_url(web_url, item.id)):
        sources += [_text(" · " if sources else ""), _feishu_link("存档", archive)]
    if sources:
        paragraphs.append(sources)
    return paragraphs


def feishu_body_size(post: dict[str, object]) -> int:
    """Return the bytes of the request body carrying `post` (without timestamp and sign)."""
    body = {"msg_type": "post", "content": {"post": post}}
    return len(json.dumps(body, ensure_ascii=False).encode("utf-8"))


def _feishu_post(title: str, blocks: list[list[Paragraph]]) -> dict[str, object]:
    content: list[Paragraph] = []
    for block in blocks:
        if content:
            content.append([_text("")])  # a blank line between items
        content += block
    return {"zh_cn": {"title": present.strip_control(title), "content": content}}


def feishu_messages(header: DigestSummary, items: list[Item],
                    web_url: str = "") -> list[dict[str, object]]:
    """Return the post as 飞书 rich-text contents (the "post" of msg_type "post"), each in a request
    body under 20 KB with its signature."""
    limit = FEISHU_BODY_BYTES - FEISHU_SIGNING_BYTES
    messages = []
    top: list[Paragraph] = [[_text(f"{header.date} · 共 {len(items)} 条")]]
    if day := links.day_url(web_url, header.date):
        top.append([_feishu_link("在网页上查看", day)])
    title = f"📰 {one_line(shorten(header.title, TITLE_CHARS))}"

    def size_of(title: str) -> Callable[[list[list[Paragraph]]], int]:
        return lambda blocks: feishu_body_size(_feishu_post(title, blocks))

    overview = []
    for category, numbered in present.sections(items):
        lines = [[_text(f"{present.icon(category)} {shorten(category, CATEGORY_CHARS)}", bold=True)]]
        lines += [[_text(f"{n}. {one_line(shorten(i.title, HEADLINE_CHARS))}")] for n, i in numbered]
        overview += _chunks(lines, lambda run: size_of(title)([top, run]) <= limit)
    messages += [_feishu_post(title, m) for m in _pack(top, overview, size_of(title), limit)]
    for category, numbered in present.sections(items):
        title = f"{present.icon(category)} {shorten(category, CATEGORY_CHARS)} · {header.date}"
        size = size_of(title)

        def item_size(block: list[Paragraph], fits: Callable[[list[list[Paragraph]]], int] = size
                      ) -> int:
            return fits([block])

        blocks = [_fit(functools.partial(_feishu_item, i, n, web_url), item_size, limit)
                  for n, i in numbered]
        parts = _pack(blocks[0], blocks[1:], size, limit)
        messages += [_feishu_post(title, m) for m in parts]
    return messages
