"""Storage results -> Markdown for MCP clients: the readable text beside each tool's JSON, the
`digest://` resources and the briefing prompt.

Plain Markdown (an assistant reads it, or shows it as is): nothing here is Telegram HTML, and
nothing is cut to a message size; the digests' own text is kept as written.
"""

from __future__ import annotations

import datetime as dt

from storage.model import Item, ItemLink, SearchResult, Story, WhatResult
from storage.search import ArchiveStats, CategoryCount, DigestSummary, Trend

RECENT_WEEKS = 8  # the trend's "last weeks"


def _source(item: Item) -> str:
    """Return the item's source as a Markdown link (or its name or URL alone), "" without one."""
    if item.source_name and item.source_url:
        return f"[{item.source_name}]({item.source_url})"
    return item.source_name or item.source_url


def _brief(item: Item, number: int, link: ItemLink | None) -> str:
    """Return one item as a numbered entry: title, date and category, summary, source, web page."""
    lines = [f"{number}. **{item.title}**（{item.date} · {item.category}）"]
    if item.summary:
        lines.append(f"   {item.summary}")
    if source := _source(item):
        lines.append(f"   来源：{source}")
    if link and (url := link(item)):
        lines.append(f"   网页：{url}")
    return "\n".join(lines)


def _full(item: Item, link: ItemLink | None) -> str:
    """Return one item with every field: title, summary, background, analysis, points, source."""
    lines = [f"### {item.title}"]
    if item.summary:
        lines.append(item.summary)
    if item.background:
        lines.append(f"背景：{item.background}")
    if item.analysis:
        lines.append(f"深度解读：{item.analysis}")
    if item.points:
        lines.append("要点：\n" + "\n".join(f"- {point}" for point in item.points))
    if source := _source(item):
        lines.append(f"来源：{source}")
    if link and (url := link(item)):
        lines.append(f"网页：{url}")
    return "\n\n".join(lines)


def search_text(result: SearchResult, link: ItemLink | None) -> str:
    """Return the answer to `search`: the total, any corrected query, then the items best first."""
    lines = []
    if result.corrected:
        lines.append(f"没有找到「{result.query}」，以下是「{result.corrected}」的结果。")
    if not result.items:
        lines.append(f"没有找到「{result.query}」。" if result.total == 0 else
                     f"共 {result.total} 条，这一页没有结果。")
        return "\n\n".join(lines)
    more = "+" if result.total_capped else ""
    lines.append(f"## 搜索「{result.corrected or result.query}」：共 {result.total}{more} 条，"
                 f"显示前 {len(result.items)} 条")
    lines.extend(_brief(item, number, link) for number, item in enumerate(result.items, 1))
    return "\n\n".join(lines)


def what_text(result: WhatResult, link: ItemLink | None) -> str:
    """Return the answer to `what_happened`: the names searched for, then each story with its
    dates, items and sources, oldest first."""
    lines = []
    if result.corrected:
        lines.append(f"没有找到「{result.query}」，以下是「{result.corrected}」的结果。")
    if not result.stories:
        lines.append(f"日报里没有「{result.query}」的报道。")
        return "\n\n".join(lines)
    lines.append(f"## {' / '.join(result.names)}：{len(result.stories)} 个事件（按时间顺序）")
    for number, story in enumerate(result.stories, 1):
        lines.append(_story(story, number, link))
    return "\n\n".join(lines)


def _story(story: Story, number: int, link: ItemLink | None) -> str:
    """Return one story: headline, its dates, one line per item, its sources."""
    lines = [f"### {number}. {story.title}",
             f"日期：{'、'.join(story.dates)}（{len(story.dates)} 天 · {len(story.items)} 篇）"]
    for item in story.items:
        url = link(item) if link else ""
        lines.append(f"- {item.date} · {item.category} · {item.title}" + (f"（{url}）" if url else ""))
    sources = [f"[{name}]({url})" if name and url else name or url for name, url in story.sources()]
    if sources:
        lines.append("来源：" + "，".join(sources))
    return "\n".join(lines)


def digest_markdown(header: DigestSummary, items: list[Item], link: ItemLink | None = None) -> str:
    """Return one day's digest as Markdown: title, summary, then every item in full by category."""
    lines = [f"# {header.title}（{header.date}）", f"共 {len(items)} 条"]
    if header.summary:
        lines.append(header.summary)
    category = None
    for item in items:
        if item.category != category:
            category = item.category
            lines.append(f"## {category}")
        lines.append(_full(item, link))
    return "\n\n".join(lines) + "\n"


def week_text(stories: list[Story], start: str, end: str, link: ItemLink | None) -> str:
    """Return the week's story board: stories ranked by days and items reported."""
    if not stories:
        return f"{start} ~ {end} 没有日报。"
    lines = [f"## 一周事件榜 {start} ~ {end}：共 {len(stories)} 个事件，按报道天数和篇数排列"]
    lines.extend(_story(story, number, link) for number, story in enumerate(stories, 1))
    return "\n\n".join(lines)


def busiest_week(trend: Trend) -> tuple[dt.date, int] | None:
    """Return the week with the most matching items (the newest of equals), None without any."""
    best = max(((n, week) for week, n in trend.weeks if n), default=None)
    return (best[1], best[0]) if best else None


def trend_text(trend: Trend, busiest: tuple[dt.date, int] | None) -> str:
    """Return the answer to `trend`: totals, the busiest week (`busiest_week`), the last weeks."""
    if not trend.total:
        return f"日报里没有提到「{trend.query}」。"
    mentioned = sum(1 for _, n in trend.weeks if n)
    lines = [f"## 「{trend.query}」每周提及次数",
             f"共 {trend.total} 条，{mentioned}/{len(trend.weeks)} 周有提及"]
    if busiest:
        lines.append(f"最多：{busiest[0]:%Y-%m-%d} 那周 {busiest[1]} 条")
    lines.append(f"最近 {min(RECENT_WEEKS, len(trend.weeks))} 周（周一开始）：")
    lines.extend(f"- {week:%Y-%m-%d}：{n} 条" for week, n in trend.weeks[-RECENT_WEEKS:])
    return "\n".join(lines)


def categories_text(counts: list[CategoryCount], stats: ArchiveStats) -> str:
    """Return the categories with their item counts and the archive's size and date range."""
    if not stats.digests:
        return "日报库是空的。"
    lines = [f"## 日报库：{stats.digests} 期日报，{stats.items} 条（{stats.first_date} ~ "
             f"{stats.last_date}）"]
    lines.extend(f"- {count.name}：{count.items} 条" for count in counts)
    return "\n".join(lines)


def briefing_prompt(topic: str, since: str | None, until: str | None) -> str:
    """Return the briefing prompt: what to write about `topic` and which tools to use for it."""
    span = (f"{since or '最早'} 至 {until or '最新'}" if since or until else "日报库的全部日期")
    dates = "".join(f', {name}="{value}"' for name, value in (("since", since), ("until", until))
                    if value)
    return (f"请根据 AI 行业日报库，为我写一份关于「{topic}」的简报，时间范围：{span}。\n\n"
            f"请这样使用 digestbot 的工具：\n"
            f"1. 用 search(query=\"{topic}\"{dates}, limit=20) 找到相关条目；结果太多时可以加 "
            f"category 缩小范围。\n"
            f"2. 如果「{topic}」是公司、产品或人物，用 what_happened(name=\"{topic}\") 取得按时间排列的"
            f"事件，只保留时间范围内的日期。\n"
            f"3. 用 trend(keyword=\"{topic}\") 看它每周被提及的次数，判断热度在上升还是下降。\n"
            f"4. 需要某天的全文时，用 get_digest(date=\"YYYY-MM-DD\")。\n\n"
            f"简报的写法：先用两三句话概括；再按时间顺序列出关键事件（日期、发生了什么、金额或版本等"
            f"关键数字），每条注明来源链接；最后说明趋势。只写工具返回的内容，不要编造；"
            f"没有找到的就直接说明。")


# What an MCP client shows people for each tool, the resource and the prompt (their names and
# descriptions are for the model: see handlers/mcp.py).
TITLES = {
    "search": "搜索日报",
    "what_happened": "事件时间线",
    "get_digest": "某天的日报",
    "week": "一周事件榜",
    "trend": "关键词每周趋势",
    "categories": "分类与日报库范围",
    "digest": "日报全文",
    "briefing": "专题简报",
}
