"""Deterministic synthetic digest archive: `generate(out_dir, items, seed)` writes one digest per day.

Days go back from 2026-02-08, about 14 items each, rotating the three layouts
the parser knows (span; heading with an ISO date; heading with a Chinese date;
article with front matter, ## sections, **深度解读：** and a ## 更多动态 list).
Text is recombined from the bundled digests (see bench/vocab.py); about 90% of
items mention "AI" as a word. The same seed gives byte-identical files.

    python bench/generate.py OUT_DIR --items 10000 [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import vocab  # noqa: E402

NEWEST = dt.date(2026, 2, 8)
ITEMS_PER_DAY = 14
AI_SHARE = 0.9  # items that mention "AI" as a word
FOLLOW_UP_SHARE = 0.12  # items that report an event again (same company and amount), as real digests do
LAYOUTS = ("span", "heading_iso", "heading_cn", "article")
CATEGORIES = tuple(vocab.TEMPLATES)
CATEGORY_WEIGHTS = (1.5, 2.5, 2.5, 2.0, 1.5)
# A word starting with "ai" for the tokenizer (storage/text.py): "AI", "AI+", "AIGC", but not "OpenAI".
_AI_WORD = re.compile(r"(?<![A-Za-z])[Aa][Ii]")
_CARD = ('<div class="telegram-card">\n  <div class="telegram-card__title">想第一时间获取最新内容？</div>\n'
         '  <a class="telegram-card__cta" href="https://t.me/ai_news_plus">立即加入群组</a>\n</div>')


@dataclass
class GenItem:
    """One generated item before rendering."""

    category: str
    title: str
    summary: str
    background: list[str]
    analysis: str
    points: list[tuple[str, str]]
    source: tuple[str, str]


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pools = vocab.load_pools()
        names = [n for n, _ in vocab.COMPANIES] + list(vocab.SYNTH_COMPANIES)
        weights = [w for _, w in vocab.COMPANIES] + [vocab.SYNTH_WEIGHT] * len(vocab.SYNTH_COMPANIES)
        self.companies, self.weights = names, weights
        self.recent: list[tuple[str, int, dict[str, str]]] = []  # (category, template, slots)

    def company(self, other_than: str = "") -> str:
        while True:
            name = self.rng.choices(self.companies, self.weights)[0]
            if name != other_than:
                return name

    def product(self, company: str) -> str:
        rng = self.rng
        forms = vocab.PRODUCT_FORMS.get(company)
        if forms is None:
            form = rng.choice(vocab.SYLLABLES) + rng.choice(vocab.SYLLABLES).lower() + "-{v}"
        else:
            form = rng.choice(forms)
        return form.format(v=rng.choice(vocab.VERSIONS.get(form, vocab.DEFAULT_VERSIONS)))

    def slots(self) -> dict[str, str]:
        rng = self.rng
        co = self.company()
        return {"co": co, "co2": self.company(other_than=co), "prod": self.product(co),
                "amt": str(rng.choice((1, 2, 3, 5, 8, 10, 12, 15, 20, 30, 50, 60, 80, 100, 200))),
                "n": str(rng.randint(2, 99)), "n2": str(rng.randint(10, 999)),
                "pct": str(rng.randint(5, 95)), "round": rng.choice(vocab.ROUNDS),
                "inv": rng.choice(vocab.INVESTORS), "region": rng.choice(vocab.REGIONS),
                "year": str(rng.choice((2025, 2026, 2027)))}

    def filler(self, names: tuple[str, str]) -> str:
        return _rename(self.rng.choice(self.pools.sentences), names)

    def item(self, date: str, category: str) -> GenItem:
        rng = self.rng
        same = [r for r in self.recent if r[0] == category]
        if same and rng.random() < FOLLOW_UP_SHARE:
            _, index, slots = rng.choice(same)
        else:
            index = rng.randrange(len(vocab.TEMPLATES[category]))
            slots = self.slots()
            self.recent = (self.recent + [(category, index, slots)])[-40:]
        title_form, key_form = vocab.TEMPLATES[category][index]
        names = (slots["co"], slots["co2"])
        summary = key_form.format(**slots) + (self.filler(names) if rng.random() < 0.5 else "")
        background = [self.filler(names) + (self.filler(names) if rng.random() < 0.5 else "")
                      for _ in range(rng.choice((1, 1, 2)))]
        points = [(rng.choice(("核心数据", "关键数字", "规模", "进展")),
                   f"涉及金额约{slots['amt']}亿元，覆盖{slots['n']}个场景")]
        for _ in range(rng.randint(1, 3)):
            label, text = rng.choice(self.pools.points)
            points.append((label, _rename(text, names)))
        source = (rng.choice(vocab.SOURCES),
                  f"https://news.example.cn/{date.replace('-', '')}/{rng.randrange(10**7)}.html")
        item = GenItem(category, title_form.format(**slots), summary, background,
                       self.filler(names) + self.filler(names), points, source)
        return _set_ai(item, rng.random() < AI_SHARE, rng)

    def day_counts(self, items: int) -> list[int]:
        """Return items per day (newest first), summing exactly to `items`."""
        days = max(1, -(-items // ITEMS_PER_DAY))
        counts = [items // days + (1 if i < items % days else 0) for i in range(days)]
        for i in range(days):
            j, k = self.rng.randrange(days), self.rng.randint(0, 3)
            if i != j and counts[i] - k >= 6 and counts[j] + k <= 24:
                counts[i] -= k
                counts[j] += k
        return counts


def _rename(text: str, names: tuple[str, str]) -> str:
    """Replace the companies a bundled sentence names: the first by names[0], any other by names[1]."""
    seen: list[str] = []

    def pick(match: re.Match[str]) -> str:
        if match.group(0) not in seen:
            seen.append(match.group(0))
        return names[0] if seen.index(match.group(0)) == 0 else names[1]

    return vocab.NAME_PATTERN.sub(pick, text)


def _set_ai(item: GenItem, want: bool, rng: random.Random) -> GenItem:
    """Make the item mention "AI" as a word in its title or summary (rendered in every layout), or nowhere."""
    if want and not _AI_WORD.search(item.title + item.summary):
        item.summary += rng.choice(vocab.AI_SENTENCES)
    elif not want:
        def sub(value: str) -> str:
            return _AI_WORD.sub("人工智能", value)

        item.title, item.summary, item.analysis = sub(item.title), sub(item.summary), sub(item.analysis)
        item.background = [sub(b) for b in item.background]
        item.points = [(sub(a), sub(b)) for a, b in item.points]
        item.source = (sub(item.source[0]), item.source[1])
    return item


def _render_fields(date: dt.date, layout: str, items: list[GenItem], day: int) -> list[str]:
    """Render the span and heading layouts: category headers, then items with fields."""
    iso = date.isoformat()
    colon = ":" if layout == "heading_cn" else "："
    if layout == "span":
        lines = [f'<span style="color:#1677ff;font-size:18px;font-weight:bold;">AI 行业动态 ({iso})</span>']
    elif layout == "heading_iso":
        lines = [f"# AI 行业动态 ({iso})", "",
                 '<span style="color:#1677ff;font-size:18px;font-weight:bold;">AI 行业动态</span>']
    else:
        lines = [f"# {date.year}年{date.month}月{date.day}日 AI行业动态"]
    bold_titles = (day // 4) % 2 == 1
    short_headers = (day // 4) % 3 == 2
    category = None
    for item in items:
        if item.category != category:
            category = item.category
            lines += ["", f"**{vocab.SHORT_HEADERS[category] if short_headers else category}**"]
        lines += ["", f"**{item.title}**" if bold_titles else item.title,
                  f"说明{colon}{item.summary}", f"背景{colon}{''.join(item.background)}", f"要点{colon}"]
        for label, text in item.points:
            if layout == "heading_cn" or not label:
                lines.append(f"- {text}")
            else:
                lines.append(f"- **{label}**：{text}")
        lines.append(f"来源出处{colon}[{item.source[0]}]({item.source[1]})")
    if layout == "span" and day % 5 == 0:
        lines += ["", _CARD]
    return lines


def _render_article(date: dt.date, items: list[GenItem]) -> list[str]:
    """Render the article layout: front matter, ## sections, then a ## 更多动态 bullet list."""
    sections = max(1, round(len(items) * 0.4))
    title = f"{items[0].title} {items[min(1, len(items) - 1)].title}"
    summary = "\n".join(f"- {item.title}" for item in items[:6])
    lines = ["---", f"title: {title}", f"date: {date.isoformat()}", "category: AI 日报",
             'tags: ["AI","AI 日报"]', f"summary: {json.dumps(summary, ensure_ascii=False)}", "---",
             f"# {title}", ""]
    for item in items[:sections]:
        lines += [f"## {item.title}", "", item.summary, ""]
        for paragraph in item.background:
            lines += [paragraph, ""]
        lines += [f"**深度解读：** {item.analysis}", "", "---", ""]
    if items[sections:]:
        lines += ["## 更多动态", ""]
        for item in items[sections:]:
            lines += [f"- **{item.title}**：{item.summary}", ""]
    return lines + ["---", "", _CARD]


def generate(out_dir: str | Path, items: int, seed: int = 1) -> list[Path]:
    """Write `items` items as one digest file per day into `out_dir`; return the files, newest first."""
    if items < 1:
        raise ValueError("items must be at least 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gen = _Generator(seed)
    paths = []
    for day, count in enumerate(gen.day_counts(items)):
        date = NEWEST - dt.timedelta(days=day)
        layout = LAYOUTS[day % len(LAYOUTS)]
        cats = sorted(gen.rng.choices(CATEGORIES, CATEGORY_WEIGHTS, k=count), key=CATEGORIES.index)
        day_items = [gen.item(date.isoformat(), c) for c in cats]
        if layout == "article":
            gen.rng.shuffle(day_items)
            lines = _render_article(date, day_items)
        else:
            lines = _render_fields(date, layout, day_items, day)
        text = "\n".join(lines) + "\n"
        if day % 10 == 3:
            text = text.replace("\n", "\r\n")  # some files come from Windows
        raw = ("\ufeff" if day % 13 == 5 else "") + text
        path = out / f"{date.isoformat()}.{'txt' if layout == 'span' else 'md'}"
        path.write_bytes(raw.encode("utf-8"))
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    paths = generate(args.out_dir, args.items, args.seed)
    print(f"{len(paths)} digest files, {args.items} items in {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
