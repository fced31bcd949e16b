"""Benchmark: the store's cost per article (``db.store.store_article``, one transaction each) on a big database.

    .venv/bin/python benchmarks/bench_store.py [--db PATH] [--events 200000] [--articles 2000] [--json]

Writes into ``--db`` (it grows: pass a copy), else into a database of ``--events`` events built as
bench_coverage.py builds it (1-CT/TU, the busiest directive, in 5% of them): the work of keeping
``coverage_summary`` exact depends on the groups an event joins, so it is measured on a big database. Each article reports one or two events of real
Hanoi units, citing the busiest directive (1-CT/TU) one time in four, a partial code (24-CT) now and then and
otherwise one of 1,000 directives; a fifth of the events have no date. Prints the median and mean per article
and, last, one JSON line ``{"articles", "store_ms_median", "store_ms_mean", "events"}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_coverage import build, real_units  # noqa: E402

from db import store  # noqa: E402
from db.connect import open_db  # noqa: E402

NOW = dt.datetime(2025, 9, 1, 8, 0, tzinfo=dt.UTC)


def extraction(rnd: random.Random, units: list, i: int) -> tuple[dict, dict]:
    events = []
    for _ in range(rnd.choice([1, 1, 2])):
        unit, unit_type, district, province = rnd.choice(units)
        r = rnd.random()
        code = "1-CT/TU" if r < 0.25 else "24-CT" if r < 0.3 else f"{rnd.randrange(2, 1001)}-CT/TU"
        day = None if rnd.random() < 0.2 else (dt.date(2020, 1, 1) + dt.timedelta(days=rnd.randrange(2000)))
        events.append(
            {
                "unit": unit,
                "unit_type": unit_type,
                "district": district,
                "province": province,
                "kind": "quan_triet",
                "date": day.isoformat() if day else None,
                "directives": [code],
            }
        )
    docs = [{"code": ev["directives"][0], "issuer_unit": "thành phố Hà Nội"} for ev in events]
    item = {
        "url": f"https://store-bench.example/{i}.html",
        "source": "bench",
        "title": f"Hội nghị quán triệt {i}",
        "published": (dt.date(2020, 1, 1) + dt.timedelta(days=rnd.randrange(2000))).isoformat(),
        "text": f"Bài {i}: Đảng ủy xã tổ chức hội nghị quán triệt chỉ thị cho cán bộ, đảng viên. " * 30,
    }
    return item, {"events": events, "documents": docs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="database to write into (a copy: it grows); default: build one")
    ap.add_argument("--events", type=int, default=200_000, help="events of the database built without --db")
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--json", action="store_true", help="accepted; the JSON line is always printed last")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "store.db"
        if not path.exists():
            build(path, args.events)
        return run(path, args)


def run(path: Path, args: argparse.Namespace) -> int:
    t = time.perf_counter()
    db = open_db(path)  # applies pending migrations (timed: a database of an older version fills new tables)
    print(f"open (and migrate) {path}: {time.perf_counter() - t:.1f} s")
    n = db.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    rnd = random.Random(args.seed)
    units = real_units()
    work = [extraction(rnd, units, i) for i in range(args.articles)]
    times = []
    for item, ex in work:
        t = time.perf_counter()
        store.store_article(db, item, ex, NOW)
        times.append((time.perf_counter() - t) * 1000)
    med, mean = statistics.median(times), statistics.fmean(times)
    print(f"store_article on {n:,} events: {len(times):,} articles, median {med:.2f} ms, mean {mean:.2f} ms")
    print(
        json.dumps(
            {
                "articles": len(times),
                "store_ms_median": round(med, 3),
                "store_ms_mean": round(mean, 3),
                "events": n,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
