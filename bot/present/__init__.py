"""The presentation core: what a view holds, for every medium, with no medium's markup.

A digest's sections (items numbered in file order, grouped by category in the order each category
first appears), category icons and short names, shortened texts, which links may be links
(http/https only), text cleaned of control characters before it leaves for XML, HTML, Markdown
or Telegram, page counts, week spans and the words for each refusal code.

Every renderer uses it: Telegram HTML (bot/render/), the site (bot/web/ and bot/templates/), MCP's
Markdown (bot/mcp/), the work-chat robots and e-mail (bot/targets/) and the /card image. It
imports no front end's library (telegram, tornado, jinja2, mcp): a test checks it.
"""

from __future__ import annotations

from bot.present.digest import (
    DEFAULT_ICON,
    ICONS,
    Numbered,
    Section,
    icon,
    sections,
    short_name,
)
from bot.present.refusals import (
    NAME_REFUSALS,
    QUERY_REFUSALS,
    Words,
    refusal_reason,
    refusal_text,
)
from bot.present.spans import WeekSpan, page_count, week_span
from bot.present.text import (
    Lengths,
    link_target,
    one_line,
    safe_url,
    shorten,
    shortened,
    strip_control,
)

__all__ = ["DEFAULT_ICON", "ICONS", "NAME_REFUSALS", "QUERY_REFUSALS", "Lengths", "Numbered",
           "Section", "WeekSpan", "Words", "icon", "link_target", "one_line", "page_count",
           "refusal_reason", "refusal_text", "safe_url", "sections", "short_name", "shorten",
           "shortened", "strip_control", "week_span"]
