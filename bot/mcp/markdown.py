"""Storage results -> Markdown for MCP clients: the readable text beside each tool's JSON, the
`digest://` resources and the briefing prompt, in the server's language (`digestbot mcp --lang`).

Plain Markdown (an assistant reads it, or shows it as is): nothing here is Telegram HTML, and
nothing is cut to a message size; the digests' own text is kept as written.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import ParamSpec

from bot import present
from bot.i18n import N_, Translations
from bot.present import question
from storage.answer import Answer
from storage.model import (
    ArchiveStats,
    CategoryCount,
    DigestSummary,
    HotResult,
    Item,
    ItemLink,
    PeriodComparison,
    SearchResult,
    Story,
    Trend,
    WhatResult,
)

RECENT_WEEKS = 8  # the trend's "last weeks"
P = ParamSpec("P")

# What an MCP client shows people for each tool, the resource and the prompt (their names and
# descriptions are for the model: see handlers/mcp.py); translated where the server is built.
TITLES = {
    "search": N_("搜索日报"),
    "what_happened": N_("事件时间线"),
    "get_digest": N_("某天的日报"),
    "week": N_("一周事件榜"),
    "trend": N_("关键词每周趋势"),
    "categories": N_("分类与日报库范围"),
    "hot": N_("升温、新出现和降温的词"),
    "compare_periods": N_("两个时期的词频变化"),
    "ask": N_("提问"),
    "digest": N_("日报全文"),
    "briefing": N_("专题简报"),
}


def _cleaned(render: Callable[P, str]) -> Callable[P, str]:
    """Return `render` with control characters stripped from its Markdown (present.strip_control):
    an ESC or BEL in a digest reaches no client."""
    @functools.wraps(render)
    def cleaned(*args: P.args, **kwargs: P.kwargs) -> str:
        return present.strip_control(render(*args, **kwargs))

    return cleaned


def _source(item: Item) -> str:
    """Return the item's source as a Markdown link (present.link_target: http(s) only), else its
    name alone; "" without either."""
    return _link(item.source_name, item.source_url)


def _link(name: str, url: str) -> str:
    """Return `[name](url)` for an http(s) `url`, else the name, else the URL as text."""
    target = present.link_target(url)
    if target:
        return f"[{name}]({target})" if name else target
    return name or url


def _brief(lang: Translations, item: Item, number: int, link: ItemLink | None) -> str:
    """Return one item as a numbered entry: title, date and category, summary, source, web page."""
    _ = lang.gettext
    lines = [_("{number}. **{title}**（{date} · {category}）").format(
        number=number, title=item.title, date=item.date, category=item.category)]
    if item.summary:
        lines.append(f"   {item.summary}")
    if source := _source(item):
        lines.append("   " + _("来源：{source}").format(source=source))
    if link and (url := link(item)):
        lines.append("   " + _("网页：{url}").format(url=url))
    return "\n".join(lines)


def _full(lang: Translations, item: Item, number: int, link: ItemLink | None) -> str:
    """Return one item with every field: number and title, summary, background, analysis,
    points, source."""
    _ = lang.gettext
    lines = [f"### {number}. {item.title}"]
    if item.summary:
        lines.append(item.summary)
    if item.background:
        lines.append(_("背景：{text}").format(text=item.background))
    if item.analysis:
        lines.append(_("深度解读：{text}").format(text=item.analysis))
    if item.points:
        lines.append(_("要点：") + "\n" + "\n".join(f"- {point}" for point in item.points))
    if source := _source(item):
        lines.append(_("来源：{source}").format(source=source))
    if link and (url := link(item)):
        lines.append(_("网页：{url}").format(url=url))
    return "\n\n".join(lines)


def _corrected(lang: Translations, query: str, corrected: str) -> str:
    return lang.gettext("没有找到「{query}」，以下是「{corrected}」的结果。").format(
        query=query, corrected=corrected)


@_cleaned
def search_text(lang: Translations, result: SearchResult, link: ItemLink | None) -> str:
    """Return the answer to `search`: the total, any corrected query, then the items best first."""
    _ = lang.gettext
    lines = []
    if result.corrected:
        lines.append(_corrected(lang, result.query, result.corrected))
    if not result.items:
        lines.append(_("没有找到「{query}」。").format(query=result.query) if result.total == 0
                     else _("共 {total} 条，这一页没有结果。").format(total=result.total))
        return "\n\n".join(lines)
    total = f"{result.total}+" if result.total_capped else str(result.total)
    lines.append(_("## 搜索「{query}」：共 {total} 条，显示前 {shown} 条").format(
        query=result.corrected or result.query, total=total, shown=len(result.items)))
    lines.extend(_brief(lang, item, number, link) for number, item in enumerate(result.items, 1))
    return "\n\n".join(lines)


@_cleaned
def what_text(lang: Translations, result: WhatResult, link: ItemLink | None) -> str:
    """Return the answer to `what_happened`: the names searched for, then each story with its
    dates, item count and sources, oldest first (the items themselves are in the JSON beside it:
    listing them again doubled the answer)."""
    _ = lang.gettext
    lines = []
    if result.corrected:
        lines.append(_corrected(lang, result.query, result.corrected))
    if not result.stories:
        lines.append(_("日报里没有「{query}」的报道。").format(query=result.query))
        return "\n\n".join(lines)
    lines.append(_("## {names}：{n} 个事件（按时间顺序）").format(
        names=" / ".join(result.names), n=len(result.stories)))
    for number, story in enumerate(result.stories, 1):
        lines.append(_story(lang, story, number, link, items=False))
    return "\n\n".join(lines)


def ask_text(lang: Translations, answer: Answer, link: ItemLink | None) -> str:
    """Return the answer to `ask`: how the question was read (the reading line and its notes),
    then the items (a list, a day), the stories, or the weekly counts and newest items."""
    read = question.reading(lang, answer)
    lines = [f"**{read.line}**", *read.notes]
    if not answer.found:
        lines.append(question.nothing_found(lang))
    elif answer.shape == "story":
        lines.extend(_story(lang, story, number, link, items=True)
                     for number, story in enumerate(answer.stories, 1))
    else:
        if answer.trend is not None:
            lines.append(lang.gettext("每周（周一）：{counts}").format(counts=", ".join(
                f"{week:%Y-%m-%d} {n}" for week, n in answer.trend.weeks if n)))
        lines.extend(_brief(lang, item, number, link)
                     for number, item in enumerate(answer.items, 1))
    return "\n\n".join(lines)


def _story(lang: Translations, story: Story, number: int, link: ItemLink | None,
           items: bool = True) -> str:
    """Return one story: headline, its dates, one line per item (unless not `items`), its sources."""
    _ = lang.gettext
    lines = [f"### {number}. {story.title}",
             _("日期：{dates}（{days} 天 · {items} 篇）").format(
                 dates=", ".join(story.dates), days=len(story.dates), items=len(story.items))]
    for item in story.items if items else ():
        url = link(item) if link else ""
        lines.append(f"- {item.date} · {item.category} · {item.title}" + (f" ({url})" if url else ""))
    sources = [_link(name, url) for name, url in story.sources()]
    if sources:
        lines.append(_("来源：{source}").format(source=", ".join(sources)))
    return "\n".join(lines)


@_cleaned
def digest_markdown(lang: Translations, header: DigestSummary, items: list[Item],
                    link: ItemLink | None = None) -> str:
    """Return one day's digest as Markdown: title, summary, then every item in full, numbered in
    file order, under one heading per category in the order each first appears (present.sections,
    as the channel post and the site group them)."""
    lines = [f"# {header.title} ({header.date})",
             lang.ngettext("共 {n} 条", "共 {n} 条", len(items)).format(n=len(items))]
    if header.summary:
        lines.append(header.summary)
    for section in present.sections(items):
        lines.append(f"## {section.icon} {section.category}")
        lines.extend(_full(lang, item, number, link) for number, item in section.items)
    return "\n\n".join(lines) + "\n"


@_cleaned
def week_text(lang: Translations, stories: list[Story], start: str, end: str,
              link: ItemLink | None) -> str:
    """Return the week's story board: stories ranked by days and items reported."""
    _ = lang.gettext
    if not stories:
        return _("{start} ~ {end} 没有日报。").format(start=start, end=end)
    lines = [_("## 一周事件榜 {start} ~ {end}：共 {n} 个事件，按报道天数和篇数排列").format(
        start=start, end=end, n=len(stories))]
    lines.extend(_story(lang, story, number, link) for number, story in enumerate(stories, 1))
    return "\n\n".join(lines)


@_cleaned
def trend_text(lang: Translations, trend: Trend, busiest: tuple[dt.date, int] | None) -> str:
    """Return the answer to `trend`: totals, the busiest week (`Trend.busiest`), the last weeks."""
    _ = lang.gettext
    if not trend.total:
        return _("日报里没有提到「{query}」。").format(query=trend.query)
    mentioned = sum(1 for _week, n in trend.weeks if n)
    lines = [_("## 「{query}」每周提及次数").format(query=trend.query),
             lang.ngettext("共 {n} 条，{weeks}/{all_weeks} 周有提及",
                           "共 {n} 条，{weeks}/{all_weeks} 周有提及", trend.total).format(
                 n=trend.total, weeks=mentioned, all_weeks=len(trend.weeks))]
    if busiest:
        lines.append(lang.ngettext("最多：{week} 那周 {n} 条", "最多：{week} 那周 {n} 条", busiest[1])
                     .format(week=f"{busiest[0]:%Y-%m-%d}", n=busiest[1]))
    lines.append(_("最近 {n} 周（周一开始）：").format(n=min(RECENT_WEEKS, len(trend.weeks))))
    lines.extend(f"- {week:%Y-%m-%d}: {n}" for week, n in trend.weeks[-RECENT_WEEKS:])
    return "\n".join(lines)


@_cleaned
def categories_text(lang: Translations, counts: list[CategoryCount], stats: ArchiveStats) -> str:
    """Return the categories with their item counts and the archive's size and date range."""
    _ = lang.gettext
    if not stats.digests:
        return _("日报库是空的。")
    lines = [_("## 日报库：{digests} 期日报，{items} 条（{first} ~ {last}）").format(
        digests=stats.digests, items=stats.items, first=stats.first_date, last=stats.last_date)]
    lines.extend(_("- {category}：{n} 条").format(category=count.name, n=count.items)
                 for count in counts)
    return "\n".join(lines)


@_cleaned
def briefing_prompt(lang: Translations, topic: str, since: str | None, until: str | None) -> str:
    """Return the briefing prompt: what to write about `topic` and which tools to use for it."""
    _ = lang.gettext
    span = (_("{since} 至 {until}").format(since=since or _("最早"), until=until or _("最新"))
            if since or until else _("日报库的全部日期"))
    dates = "".join(f', {name}="{value}"' for name, value in (("since", since), ("until", until))
                    if value)
    return _("请根据 AI 行业日报库，为我写一份关于「{topic}」的简报，时间范围：{span}。\n\n"
             "请这样使用 digestbot 的工具：\n"
             "1. 用 search(query=\"{topic}\"{dates}, limit=20) 找到相关条目；结果太多时可以加 "
             "category 缩小范围。\n"
             "2. 如果「{topic}」是公司、产品或人物，用 what_happened(name=\"{topic}\") 取得按时间排列的"
             "事件，只保留时间范围内的日期。\n"
             "3. 用 trend(keyword=\"{topic}\") 看它每周被提及的次数，判断热度在上升还是下降。\n"
             "4. 需要某天的全文时，用 get_digest(date=\"YYYY-MM-DD\")。\n\n"
             "简报的写法：先用两三句话概括；再按时间顺序列出关键事件（日期、发生了什么、金额或版本等"
             "关键数字），每条注明来源链接；最后说明趋势。只写工具返回的内容，不要编造；"
             "没有找到的就直接说明。").format(topic=topic, span=span, dates=dates)


def hot_text(lang: Translations, result: HotResult) -> str:
    """Return the answer to `hot`: the period, then each list (present.TOP terms) with now vs
    before and the first-seen date, or why there are none."""
    from bot.present import hot as present  # the lists and their words, as every medium shows them

    lines = ["## " + present.title(lang, result)]
    refused = present.refusal(lang, result)
    if refused:
        return "\n".join([*lines, refused])
    lines.append(present.compared_with(lang, result))
    for section in present.sections(lang, result):
        lines.append(f"\n### {section.heading}")
        lines.extend(lang.gettext("- {term}：{change}，首见 {date}").format(
            term=term.term, change=present.change(lang, term), date=term.first_seen)
            for term in section.terms)
    return "\n".join(lines)


def compare_text(lang: Translations, comparison: PeriodComparison) -> str:
    """Return the answer to `compare_periods`: each period's items, then the terms whose share
    grew and shrank most, with their counts and shares."""
    _ = lang.gettext
    head = _("## {since_a} ~ {until_a}（{items_a} 条）对比 {since_b} ~ {until_b}（{items_b} 条）").format(
        since_a=comparison.since_a, until_a=comparison.until_a, items_a=comparison.items_a,
        since_b=comparison.since_b, until_b=comparison.until_b, items_b=comparison.items_b)
    if comparison.message == "no_digests":
        return head + "\n" + _("其中一个时期没有日报，无法对比。")
    if comparison.message:
        return head + "\n" + _("正在整理词条，请稍后再试。")
    lines = [head]
    for title, changes in ((_("### 占比上升"), comparison.up), (_("### 占比下降"), comparison.down)):
        lines.append("\n" + title)
        lines.extend(_("- {term}：{a} → {b} 条（{share_a:.1%} → {share_b:.1%}）").format(
            term=change.term, a=change.count_a, b=change.count_b, share_a=change.share_a,
            share_b=change.share_b) for change in changes)
        if not changes:
            lines.append(_("（没有）"))
    return "\n".join(lines)
