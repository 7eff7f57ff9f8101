"""Where a slow query's time goes: the SQL that storage.search._run issues, timed statement by statement.

    python bench/explain.py DB_PATH      (e.g. --workdir DIR of bench/run.py: DIR/bench-100000-1.db)

For each query kind it times the count statement and the window statement as
the product issues them (same SQL text as storage/search.py: _run), then the
same statements without bm25(), without the trailing prefix `*`, and with the
FTS table forced as the outer loop of the category join. It also splits
storage.stories.what into the FTS lookup and group_stories. These are
diagnostics only; the product code is unchanged.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import pad  # noqa: E402
from storage.index import open_db  # noqa: E402
from storage.search import COUNT_CAP, WINDOW, search  # noqa: E402
from storage.stories import _items_naming, group_stories, resolve_names, what  # noqa: E402
from storage.text import match_expression  # noqa: E402

QUERIES = (("红包", None), ("融资", None), ("阶跃星辰", None), ("kimi", None), ("Kimi K2.5", None),
           ("AI", None), ("融资", "投融资与并购"))
BOUNDS = "items_fts.rowid BETWEEN 0 AND 4611686018427387904"


def median_ms(call: Callable[[], object], n: int = 11) -> float:
    call()
    times = []
    for _ in range(n):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return sorted(times)[n // 2]


def statements(expression: str, category: str | None, join: str = "JOIN",
               rank: bool = True) -> tuple[str, str, list]:
    """Return (count SQL, window SQL, params) as storage/search.py: _run builds them."""
    where, params, joined = f"items_fts MATCH ? AND {BOUNDS}", [expression], ""
    if category:
        joined = f"{join} items ON items.id = items_fts.rowid"
        where += " AND items.category = ?"
        params.append(category)
    count = (f"SELECT count(*) FROM (SELECT items_fts.rowid FROM items_fts {joined} WHERE {where} "
             f"LIMIT {COUNT_CAP + 1})")
    score = ", bm25(items_fts, 4.0, 1.0)" if rank else ""
    window = (f"SELECT items_fts.rowid{score} FROM items_fts {joined} WHERE {where} "
              f"ORDER BY items_fts.rowid DESC LIMIT {WINDOW}")
    return count, window, params


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    db = open_db(argv[0])

    def run(sql: str, params: list) -> Callable[[], object]:
        return lambda: db.execute(sql, params).fetchall()

    print(f"{'query':<22}{'search()':>9}{'count':>8}{'window':>8}{'-bm25':>8}{'no *':>8}{'fts-1st':>8}"
          f"{'all 3':>8}  ms")
    for query, category in QUERIES:
        expression = match_expression(query)
        count, window, params = statements(expression, category)
        _, bare, _ = statements(expression, category, rank=False)
        exact = expression.removesuffix(" *")
        no_prefix = median_ms(run(statements(exact, category)[1], [exact, *params[1:]]))
        join = "CROSS JOIN" if category else "JOIN"
        cross = statements(expression, category, join=join)
        fts_first = f"{median_ms(run(cross[0], params)) + median_ms(run(cross[1], params)):>8.2f}" \
            if category else f"{'':>8}"
        fixed = statements(exact, category, join=join, rank=False)
        all_three = median_ms(run(fixed[0], [exact, *params[1:]])) \
            + median_ms(run(fixed[1], [exact, *params[1:]]))
        label = f"{query}@{category[:3]}" if category else query
        print(f"{pad(label, 22)}{median_ms(lambda q=query, c=category: search(db, q, category=c)):>9.2f}"
              f"{median_ms(run(count, params)):>8.2f}{median_ms(run(window, params)):>8.2f}"
              f"{median_ms(run(bare, params)):>8.2f}{no_prefix:>8.2f}{fts_first}{all_three:>8.2f}")
    print("\ncount/window: the two statements of _run; -bm25: window without bm25(); no *: window "
          "with the trailing prefix removed;\nfts-1st: count + window with CROSS JOIN (FTS5 drives "
          "the category join);\nall 3: count + window with none of the three (no bm25, no trailing *, "
          "CROSS JOIN)")
    for name in ("阶跃星辰", "千问"):
        names = resolve_names(name)
        items = _items_naming(db, names, 120)
        print(f"what {name}: total {median_ms(lambda n=name: what(db, n)):.2f} ms = FTS lookup "
              f"{median_ms(lambda n=names: _items_naming(db, n, 120)):.2f} ms + group_stories "
              f"{median_ms(lambda n=names, i=items: group_stories(i, n)):.2f} ms ({len(items)} items)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
