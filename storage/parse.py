"""Digest files -> `Digest`: one function per layout, errors as `DigestError`.

Layouts (see README "Digest formats"):
- "span": a `<span ...>AI 行业动态 (2026-01-30)</span>` title line, then
  `**category**` headers and items with 说明/背景/要点/来源出处 fields.
- "heading": the same body under a `# ` heading with the date in it
  (`# AI 行业动态 (2026-01-28)`, `# 2026年2月8日 AI行业动态`).
- "article": YAML front matter (date, title, summary), `## ` sections with a
  `**深度解读：**` paragraph, and bullet lists `- **标题**：正文` (each bullet is an item).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from storage.categories import classify, header_category
from storage.model import Digest, DigestError, Item

_FIELD = re.compile(r"^(说明|背景|要点|来源出处|来源)\s*[：:]\s*(.*)$")
_BOLD_LINE = re.compile(r"^\*\*(.+?)\*\*\s*[：:]?$")
_BULLET = re.compile(r"^(?:[-*•·]|\d+[.、)])\s+(.*)$")
_LABELLED = re.compile(r"^\*\*(.+?)\*\*\s*[：:]\s*(.*)$")
_LINK = re.compile(r"\[([^\]]*)\]\((\S+?)\)")
_URL = re.compile(r"https?://\S+")
# Only real HTML tags are stripped, so "<AI 安全>" or "a<b" in a title stays text.
_HTML_TAGS = ("a|abbr|b|blockquote|br|center|code|del|div|em|font|h[1-6]|hr|i|img|ins|li|ol|p|pre|"
              "s|section|small|span|strong|sub|sup|table|tbody|td|th|thead|tr|u|ul")
_ATTR = r"""\s+[\w:-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))?"""
_TAG = re.compile(rf"</?(?:{_HTML_TAGS})(?:{_ATTR})*\s*/?>", re.IGNORECASE)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_NAME_DATE = re.compile(r"(?<!\d)(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})(?!\d)")
_VOID_TAGS = {"br", "hr", "img", "input", "meta", "link", "source", "wbr"}


def parse_file(path: str | Path) -> Digest:
    """Return the digest in the file at `path`; raises DigestError if it is not a usable digest."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DigestError(str(path), 0, f"cannot read file: {exc.strerror}") from exc
    return parse_bytes(raw, path.name)


def parse_bytes(raw: bytes, name: str) -> Digest:
    """Return the digest in `raw` (the file's bytes); `name` is used for errors and the date fallback."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise DigestError(name, 0, "empty file")
    if b"\x00" in raw:
        raise DigestError(name, 0, "not UTF-8 text (binary file)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DigestError(name, 0, f"not UTF-8 text (bad byte at offset {exc.start})") from exc
    return parse_text(text, name)


def parse_text(text: str, name: str) -> Digest:
    """Return the digest in `text`, choosing the layout from its first line."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise DigestError(name, 0, "empty file")
    if lines[first].strip() == "---":
        return _parse_article(lines, first, name)
    return _parse_fields(lines, first, name)


# --- shared helpers ---------------------------------------------------------


def _strip_html(lines: list[str]) -> list[str]:
    """Blank out HTML blocks (a line starting with a tag, until its tags close) and inline tags.

    Line numbers stay as they were, so errors point at the real line.
    """
    out: list[str] = []
    depth = 0
    for line in lines:
        stripped = line.strip()
        if depth > 0 or _TAG.match(stripped):
            for match in _TAG.finditer(stripped):
                tag = match.group(0)
                named = re.match(r"</?([A-Za-z0-9]+)", tag)  # always: _TAG matched a name
                tag_name = named.group(1).lower() if named else ""
                if tag_name in _VOID_TAGS or tag.endswith("/>"):
                    continue
                depth += -1 if tag.startswith("</") else 1
            depth = max(depth, 0)
            out.append("")
            continue
        out.append(_TAG.sub("", line).strip())
    return out


def _find_date(text: str) -> str | None:
    """Return the first date written in `text` as YYYY-MM-DD, or None."""
    for pattern in (_ISO_DATE, _CN_DATE):
        match = pattern.search(text)
        if match:
            return _valid_date(*match.groups())
    return None


def _valid_date(year: str, month: str, day: str) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _date_from_name(name: str) -> str | None:
    match = _NAME_DATE.search(Path(name).name)
    return _valid_date(*match.groups()) if match else None


def _plain(text: str) -> str:
    """Return `text` without Markdown bold markers and with links reduced to their text."""
    text = _LINK.sub(lambda m: m.group(1), text)
    return text.replace("**", "").strip()


def _source(text: str) -> tuple[str, str]:
    """Return (name, url) from a 来源出处 value: a Markdown link, a bare URL, or a name."""
    link = _LINK.search(text)
    if link:
        return link.group(1).strip(), link.group(2).strip()
    url = _URL.search(text)
    if url:
        name = text.replace(url.group(0), "").strip(" ：:()（）")
        return name, url.group(0)
    return _plain(text), ""


# --- span and heading layouts -----------------------------------------------


def _parse_fields(lines: list[str], first: int, name: str) -> Digest:
    title_line = lines[first].strip()
    layout = "heading" if title_line.startswith("#") else "span"
    date = _find_date(_TAG.sub("", title_line)) or _date_from_name(name)
    if date is None:
        raise DigestError(name, first + 1, "no date found in the title line or the file name")
    title = _TAG.sub("", title_line).lstrip("#").strip()
    without_date = re.sub(r"\s*[（(]\s*\d{4}-\d{1,2}-\d{1,2}\s*[)）]\s*", "", title)
    title = _CN_DATE.sub("", without_date).strip() or title

    body = _strip_html(lines)
    items: list[dict[str, Any]] = []  # title, category, line, points, then each field read
    category: str | None = None
    current: dict[str, Any] | None = None
    field: str | None = None

    def next_content(i: int) -> str:
        for later in body[i + 1 :]:
            if later and later != "---":
                return later
        return ""

    for i in range(first + 1, len(body)):
        line = body[i]
        if not line or line == "---" or line.startswith("# "):
            continue
        match = _FIELD.match(line)
        if match:
            if current is None:
                raise DigestError(name, i + 1, f"field {match.group(1)} has no item title above it")
            field = "来源出处" if match.group(1) == "来源" else match.group(1)
            value = match.group(2).strip()
            if field == "要点":
                if value:
                    current["points"].append(_point(value))
            else:
                current[field] = value
            continue
        bullet = _BULLET.match(line)
        if bullet and current is not None and field == "要点":
            current["points"].append(_point(bullet.group(1)))
            continue
        heading = line.lstrip("#").strip() if line.startswith("##") else None
        bold = _BOLD_LINE.match(line)
        if _FIELD.match(next_content(i)):
            current = {"title": _plain(heading or line), "category": category, "line": i + 1,
                       "points": []}
            items.append(current)
            field = None
        elif bold or heading:
            category = header_category(_plain(heading or (bold.group(1) if bold else "")))
            current, field = None, None
        elif current is not None and field:
            # A wrapped line continues the field it follows.
            if field == "要点" and current["points"]:
                current["points"][-1] += _plain(line)
            elif field != "要点":
                current[field] = (current.get(field, "") + _plain(line)).strip()
        # Anything else (a subtitle before the first item) is preamble.

    if not items:
        raise DigestError(name, 0, "no items found (expected titles followed by 说明/背景/要点/来源出处)")
    digest_items = []
    for position, raw in enumerate(items):
        summary = _plain(raw.get("说明", ""))
        source_name, source_url = _source(raw.get("来源出处", ""))
        cat = raw["category"] or classify(raw["title"], summary)
        digest_items.append(Item(
            date=date, category=cat, title=raw["title"], summary=summary,
            background=_plain(raw.get("背景", "")), points=tuple(raw["points"]),
            source_name=source_name, source_url=source_url, position=position,
        ))
    return Digest(date=date, title=title, items=tuple(digest_items), layout=layout, path=name)


def _point(text: str) -> str:
    """Return a 要点 bullet as "label：text" (or just text), without Markdown."""
    labelled = _LABELLED.match(text.strip())
    if labelled:
        return f"{labelled.group(1).strip()}：{_plain(labelled.group(2))}"
    return _plain(text)


# --- article layout ---------------------------------------------------------


def _front_matter(lines: list[str], first: int, name: str) -> tuple[dict[str, str], int]:
    """Return the front matter's keys and the index of the first body line."""
    meta: dict[str, str] = {}
    for i in range(first + 1, len(lines)):
        line = lines[i]
        if line.strip() == "---":
            return meta, i + 1
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", line)
        if not match:
            continue
        key, value = match.group(1).lower(), match.group(2).strip()
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                value = value[1:-1]
        elif value.startswith("'") and value.endswith("'") and len(value) >= 2:
            value = value[1:-1].replace("''", "'")
        meta[key] = str(value)
    raise DigestError(name, first + 1, "front matter is not closed by a --- line")


def _parse_article(lines: list[str], first: int, name: str) -> Digest:
    meta, start = _front_matter(lines, first, name)
    date = (_find_date(meta.get("date", "")) or _find_date(meta.get("title", ""))
            or _date_from_name(name))
    if date is None:
        raise DigestError(name, first + 1, "no date found in the front matter or the file name")
    body = _strip_html(lines)
    title = meta.get("title", "")

    sections: list[tuple[str, list[str]]] = []  # (heading, paragraphs and bullets)
    for i in range(start, len(body)):
        line = body[i]
        if line.startswith("# ") and not title:
            title = line[2:].strip()
        elif line.startswith("## "):
            sections.append((_plain(line[3:]), []))
        elif line and line != "---" and not line.startswith("# ") and sections:
            sections[-1][1].append(line)

    raw_items: list[dict[str, Any]] = []  # title, summary, background, analysis, points
    for heading, blocks in sections:
        bullets = [match.group(1) for b in blocks if (match := _BULLET.match(b))]
        paragraphs = [b for b in blocks if not _BULLET.match(b)]
        analysis = ""
        text: list[str] = []
        for paragraph in paragraphs:
            labelled = re.match(r"^\*\*深度解读[：:]?\*\*\s*[：:]?\s*(.*)$", paragraph)
            if labelled:
                analysis = _plain(labelled.group(1))
            else:
                text.append(_plain(paragraph))
        if text or analysis:
            raw_items.append({"title": heading, "summary": text[0] if text else "",
                              "background": "\n".join(text[1:]), "analysis": analysis,
                              "points": ()})
        elif not bullets:
            continue
        for content in bullets:
            labelled = _LABELLED.match(content)
            if labelled:
                raw_items.append({"title": _plain(labelled.group(1)),
                                  "summary": _plain(labelled.group(2)), "background": "",
                                  "analysis": "", "points": ()})
            elif text or analysis:
                raw_items[-1]["points"] += (_plain(content),)
            else:
                raw_items.append({"title": _plain(content), "summary": "", "background": "",
                                  "analysis": "", "points": ()})
    if not raw_items:
        raise DigestError(name, 0, "no items found (expected ## sections or - **标题**：正文 bullets)")
    items = tuple(
        Item(date=date, category=classify(raw["title"], raw["summary"] + raw["background"]),
             title=raw["title"], summary=raw["summary"], background=raw["background"],
             analysis=raw["analysis"], points=tuple(raw["points"]), position=position)
        for position, raw in enumerate(raw_items)
    )
    return Digest(date=date, title=title or name, items=items, layout="article",
                  summary=meta.get("summary", ""), path=name)
