"""A generated archive with planted terms, for the tests of what is hot (storage, CLI, bot, site, MCP).

Eight weeks of daily digests ending END (a Sunday). Week 0 is the 7 days ending END, week 1 the
7 before, and so on. Beside filler items (a few nouns from FILLER each, at random, seeded):

- RISER (脑机接口): 1 item a week, then 6 in week 0;
- NEW (Vidu Q3): 3 items in week 0, never before;
- STEADY (千问, written as 千问 / 通义千问 / Qwen in turn: one alias group): 3 items every week;
- FADER (Sora): 4 items a week, then none in week 0;
- OLD_NEW (星舰): 5 items in week 2 only: new two weeks back, nothing special now.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

END = dt.date(2026, 3, 29)  # a Sunday
WEEKS = 8
RISER, NEW, STEADY, FADER, OLD_NEW = "脑机接口", "Vidu Q3", "千问", "Sora", "星舰"
STEADY_FORMS = ("千问", "通义千问", "Qwen")
FILLER = ("电池", "芯片", "卫星", "储能", "光刻机", "量子", "无人机", "机器人", "医疗", "教育",
          "金融", "汽车")


def planted_weeks() -> dict[int, list[str]]:
    """Return, for each week (0 = the newest), the planted names of its items (one item each)."""
    weeks: dict[int, list[str]] = {}
    for week in range(WEEKS):
        names = [RISER] * (6 if week == 0 else 1)
        names += [NEW] * 3 if week == 0 else []
        names += [STEADY_FORMS[n % 3] for n in range(3)]
        names += [FADER] * 4 if week else []
        names += [OLD_NEW] * 5 if week == 2 else []
        weeks[week] = names
    return weeks


def write_archive(directory: Path, end: dt.date = END, weeks: int = WEEKS, seed: int = 7) -> list[Path]:
    """Write the archive's digests (one file per day, heading layout) into `directory`."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    planted = planted_weeks()
    days: dict[dt.date, list[tuple[str, str]]] = {}
    for week in range(weeks):
        for n, name in enumerate(planted[week]):
            day = end - dt.timedelta(days=week * 7 + (n * 3) % 7)  # spread over the week
            days.setdefault(day, []).append((f"{name}迎来新进展", f"{name}相关消息引发关注。"))
    written = []
    for back in range(weeks * 7):
        day = end - dt.timedelta(days=back)
        items = list(days.get(day, []))
        for _ in range(3):
            nouns = rng.sample(FILLER, 2)
            items.append((f"{nouns[0]}行业观察", f"多家{nouns[0]}厂商与{nouns[1]}企业公布进展。"))
        lines = [f"# AI 行业动态 ({day.isoformat()})", "", "**产品与应用发布**", ""]
        for position, (title, summary) in enumerate(items):
            lines += [f"**{title}**", f"说明：{summary}",
                      f"来源出处：[来源](https://example.com/{day.isoformat()}/{position})", ""]
        path = directory / f"{day.isoformat()}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        written.append(path)
    return written
