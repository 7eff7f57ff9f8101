"""Atom feeds (feedgen): the newest digests, or the newest items of a query or a category.

Each entry's content is HTML from the macros of bot/templates/feed.html (autoescaped); feedgen
escapes it again as XML text, as Atom's type="html" content expects. Every text is stripped of
control characters first: XML cannot carry them (lxml refuses the document), so one ESC in a
digest or %01 in a query made the feed a 500.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import jinja2
from feedgen.feed import FeedGenerator

from bot import links
from bot.present import strip_control as text
from bot.web.responses import Feed


def _published(date: str, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(date), dt.time(8, 0), tzinfo=tz)


def atom(feed: Feed, self_url: str, base: str, tz: ZoneInfo, templates: jinja2.Environment) -> bytes:
    """Return `feed` as an Atom document (UTF-8); entries newest first, as given."""
    generator = FeedGenerator()
    generator.id(text(self_url))
    generator.title(text(feed.title))
    generator.subtitle(text(feed.subtitle))
    generator.link(href=text(self_url), rel="self", type="application/atom+xml")
    generator.link(href=text(feed.alternate), rel="alternate", type="text/html")
    generator.language("zh-CN")
    generator.author({"name": "AI 行业日报"})
    dates = [header.date for header, _ in feed.digests] + [item.date for item in feed.items]
    generator.updated(_published(max(dates), tz) if dates else dt.datetime(2000, 1, 1, tzinfo=tz))
    content = templates.get_template("feed.html").make_module({"base": base})
    for header, items in feed.digests:
        url = text(links.day_url(base, header.date))
        entry = generator.add_entry(order="append")
        entry.id(url)
        entry.title(text(f"{header.title}（{header.date}）"))
        entry.link(href=url, rel="alternate", type="text/html")
        entry.updated(_published(header.date, tz))
        entry.published(_published(header.date, tz))
        # A template module's macros are attributes jinja2 sets at run time.
        entry.content(text(str(content.digest_content(header, items))),  # type: ignore[attr-defined]
                      type="html")
    for item in feed.items:
        url = text(links.item_url(base, item.id))
        entry = generator.add_entry(order="append")
        entry.id(url)
        entry.title(text(item.title))
        entry.link(href=url, rel="alternate", type="text/html")
        entry.category(term=text(item.category))
        entry.updated(_published(item.date, tz))
        entry.published(_published(item.date, tz))
        entry.summary(text(item.summary or item.title))
        entry.content(text(str(content.item_content(item))), type="html")  # type: ignore[attr-defined]
    return generator.atom_str(pretty=False)
