"""Benchmark: memory growth of the extraction engine over a long crawl (issue #14), in one process as in the
crawl's extraction worker.

    .venv/bin/python benchmarks/bench_memory.py [--pages 8000]

Extracts the generated site's articles (Hanoi's real units, three shapes of real articles: see
briefwatch/sitesrv.py) one after another and prints the resident memory after a warm-up of 2,000 pages and at
the end, and the growth per 1,000 pages between the two (goal: flat, under 0.5 MB per 1,000 pages). Exits 1 when
the goal is missed, and prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefwatch.extract import extract_article  # noqa: E402
from briefwatch.sitesrv import gen_article  # noqa: E402

GOAL_MB_PER_1K = 0.5
WARM_UP = 2000


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(x.split()[1]) for x in f if x.startswith("VmRSS:")) / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=8000)
    args = ap.parse_args(argv)
    if args.pages <= WARM_UP:
        raise SystemExit(f"--pages must be over the warm-up of {WARM_UP}")
    events = 0
    for i in range(args.pages):
        if i == WARM_UP:
            warm = rss_mb()
        got = extract_article(html=gen_article(i), url=f"https://bench.example/bai-viet-{i}.html")
        events += len(got["events"])
    end = rss_mb()
    growth = (end - warm) / ((args.pages - WARM_UP) / 1000)
    ok = growth < GOAL_MB_PER_1K and events > 0
    print(f"{args.pages} articles, {events} events")
    print(f"resident memory after {WARM_UP} pages: {warm:.1f} MB; at the end: {end:.1f} MB")
    print(f"growth: {growth:.2f} MB per 1,000 pages [{'ok' if ok else 'NOT met'} vs {GOAL_MB_PER_1K} MB]")
    print(
        json.dumps(
            {
                "pages": args.pages,
                "events": events,
                "rss_warm_mb": round(warm, 1),
                "rss_end_mb": round(end, 1),
                "growth_mb_per_1k": round(growth, 2),
                "ok": ok,
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
