"""A digest's sections, and its categories' icons and short names."""

from __future__ import annotations

from typing import NamedTuple

from bot.i18n import N_, Translations
from storage.categories import FUNDING, INDUSTRY, MODELS, POLICY, PRODUCTS, SHORT_NAMES
from storage.model import Item

ICONS = {POLICY: "🏛", MODELS: "🧠", PRODUCTS: "📱", FUNDING: "💰", INDUSTRY: "🏭"}
DEFAULT_ICON = "📌"  # a category the files name but the bot does not know


# The short names of storage/categories.py as catalog entries (the bot shows them translated):
# pybabel finds them here; tests/test_present.py checks that the two lists agree.
CATALOG_SHORT_NAMES = (N_("政策"), N_("模型"), N_("产品"), N_("投融资"), N_("行业"))


def icon(category: str) -> str:
    """Return the emoji shown before a category's name."""
    return ICONS.get(category, DEFAULT_ICON)


def short_name(category: str, lang: Translations | None = None) -> str:
    """Return a category's short name (政策 for 政策与监管) in `lang` (as the files write it
    without one); a category the bot does not know, as written. Every short name is also a name
    /category, /subscribe and the site accept, in either language."""
    name = SHORT_NAMES.get(category)
    if name is None:
        return category
    return lang.gettext(name) if lang is not None else name


class Numbered(NamedTuple):
    """An item and its number in the digest (1-based, file order)."""

    number: int
    item: Item


class Section(NamedTuple):
    """One category of a digest and its numbered items, in file order."""

    category: str
    items: list[Numbered]

    @property
    def icon(self) -> str:
        """Return the category's emoji."""
        return icon(self.category)


def sections(items: list[Item]) -> list[Section]:
    """Return a digest's items numbered in file order and grouped by category, the categories in
    the order each first appears (a digest may interleave them: each category is one section)."""
    groups: dict[str, list[Numbered]] = {}
    for number, item in enumerate(items, start=1):
        groups.setdefault(item.category, []).append(Numbered(number, item))
    return [Section(category, numbered) for category, numbered in groups.items()]
