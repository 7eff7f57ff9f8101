"""Where a query's time goes: each step of storage.search.search and storage.stories.what, timed apart.

    python bench/explain.py DB_PATH      (e.g. --workdir DIR of bench/run.py: DIR/bench-100000-1.db)

For each keyword query it times the steps `search()` takes (compile the query
against the Latin-token vocabulary; fetch the newest COUNT_CAP + 1 matching
rowids; rank the window from the title table; load the page's items) and, for
comparison, what the same window cost with FTS5's bm25() (which walks every
hit of each phrase) and with the trailing Latin prefix left as an FTS5 `*`
query. Then it splits `what` into the FTS lookup and group_stories, which keeps
each item's words until the index changes (a repeated ask), and group_stories from
scratch (the first ask after a change). These are diagnostics only; medians of 11
calls after one warm-up.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import pad  # noqa: E402
from storage.backend import open_db  # noqa: E402
from storage.categories import canonical_category  # noqa: E402
from storage.search import COUNT_CAP, WINDOW, _rank, compile_query, items_by_id, search  # noqa: E402
from storage.stories import _items_naming, group_stories, resolve_names, what  # noqa: E402
from storage.text import match_expression  # noqa: E402

QUERIES = (("红包", None), ("融资", None), ("阶跃星辰", None), ("kimi", None), ("Kimi K2.5", None),
           ("AI", None), ("融资", "投融资"))


def median_ms(call: Callable[[], object], n: int = 11) -> float:
    call()
    times = []
    for _ in range(n):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return sorted(times)[n // 2]


def sql_ms(db, sql: str, params: list) -> float:
    return median_ms(lambda: db.execute(sql, params).fetchall())


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    db = open_db(argv[0])
    print(f"{'query':<22}{'search()':>9}{'compile':>8}{'rowids':>8}{'rank':>8}{'items':>8}"
          f"{'bm25 win':>9}{'* rowids':>9}  ms")
    for query, category in QUERIES:
        compiled = compile_query(db, query)
        resolved = canonical_category(category) if category else None
        join = "CROSS JOIN items ON items.id = items_fts.rowid" if resolved else ""
        where = "items_fts MATCH $1" + (" AND items.category = $2" if resolved else "")
        extra = [resolved] if resolved else []
        rowids_sql = (f"SELECT items_fts.rowid FROM items_fts {join} WHERE {where} "
                      f"ORDER BY items_fts.rowid DESC LIMIT {COUNT_CAP + 1}")
        ids = [r[0] for r in db.execute(rowids_sql, [compiled.expression, *extra])]
        window = ids[:WINDOW]
        bm25_sql = (f"SELECT items_fts.rowid, bm25(items_fts, 4.0, 1.0) FROM items_fts {join} "
                    f"WHERE {where} ORDER BY items_fts.rowid DESC LIMIT {WINDOW}")
        star = match_expression(query)
        label = f"{query}@{category}" if category else query
        params = [compiled.expression, *extra]
        cells = [median_ms(partial(search, db, query, category=category)),
                 median_ms(partial(compile_query, db, query)),
                 sql_ms(db, rowids_sql, params),
                 median_ms(partial(_rank, db, compiled, window)) if window else 0.0,
                 median_ms(partial(items_by_id, db, window[:5])),
                 sql_ms(db, bm25_sql, params),
                 sql_ms(db, rowids_sql, [star, *extra])]
        print(pad(label, 22) + "".join(f"{c:>{9 if i in (0, 5, 6) else 8}.2f}"
                                       for i, c in enumerate(cells)))
    print("\nrowids: the one statement of _run; rank: the window scored from item_titles; items: one "
          "page of 5;\nbm25 win: the window as ranked before (FTS5 bm25); * rowids: the rowids with "
          "the trailing prefix as FTS5 `*`")
    for name in ("阶跃星辰", "千问"):
        names = resolve_names(name)
        items = _items_naming(db, names, 120)
        print(f"what {name}: total {median_ms(lambda n=name: what(db, n)):.2f} ms = FTS lookup "
              f"{median_ms(lambda n=names: _items_naming(db, n, 120)):.2f} ms + group_stories "
              f"{median_ms(lambda n=names, i=items: group_stories(i, n, db)):.2f} ms ({len(items)} "
              f"items; from scratch, as on the first ask after the index changed: "
              f"{median_ms(lambda n=names, i=items: group_stories(i, n)):.2f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
