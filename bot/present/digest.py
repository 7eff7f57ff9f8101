"""A digest's sections and its categories' icons."""

from __future__ import annotations

from typing import NamedTuple

from storage.categories import FUNDING, INDUSTRY, MODELS, POLICY, PRODUCTS
from storage.model import Item

ICONS = {POLICY: "🏛", MODELS: "🧠", PRODUCTS: "📱", FUNDING: "💰", INDUSTRY: "🏭"}
DEFAULT_ICON = "📌"  # a category the files name but the bot does not know


def icon(category: str) -> str:
    """Return the emoji shown before a category's name."""
    return ICONS.get(category, DEFAULT_ICON)


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
