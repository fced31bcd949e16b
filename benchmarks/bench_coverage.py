"""Benchmark: the coverage query for one directive over 1,000,000 events (goal < 100 ms, issue #13).

    .venv/bin/python benchmarks/bench_coverage.py [--events 1000000] [--db PATH] [--repeat 7]

Builds (or reuses, with --db on an existing file) a database migrated by open_db with N events over Hanoi's
real units (526 of 2020-2025, from the gazetteer), 1,000 documents and N/4 articles (FTS triggers on), then
times, warm, median of --repeat runs:
- ``SELECT * FROM coverage WHERE document = ?`` for the busiest directive (5% of all events) and for a
  typical one (about 0.1%);
- the whole coverage page (``coverage_page``: overview, coverage, alert states, matching);
- a partial code (``24-CT``) that counts for a full one;
- the coverage index page (every document with its event count).
Prints one line per measurement and whether the goal is met.
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

from briefwatch.datasette.coverage import coverage_page, documents_index  # noqa: E402
from briefwatch.gazetteer import COMMUNE_LEVEL, load_gazetteer  # noqa: E402
from db.analysts import coverage_suspended  # noqa: E402
from db.connect import open_db  # noqa: E402

GOAL_MS = 100.0
N_UNITS = 600
N_DOCS = 1000
BUSY = "1-CT/TU"
TYPICAL = "500-CT/TU"


def real_units() -> list[tuple[str, str, str | None, str]]:
    """Hanoi's communes, wards and towns of 2020-2025 from the gazetteer (so that the coverage page's matching
    of expected units runs as in production), up to N_UNITS."""
    units = [
        (u.name, u.unit_type, u.district, "Hà Nội")
        for u in sorted(
            load_gazetteer().units(dt.date(2023, 9, 1), "Hà Nội", COMMUNE_LEVEL), key=lambda u: u.code
        )
    ]
    return units[:N_UNITS]


def build(path: Path, n_events: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    db = open_db(path)
    conn = db.conn
    t0 = time.perf_counter()
    units = real_units()
    with coverage_suspended(db):  # a bulk load: the summary is computed once at the end
        _load(conn, rnd, units, n_events)
    conn.execute("ANALYZE")
    conn.close()
    n_articles = max(1, n_events // 4)
    print(f"built {n_events:,} events, {n_articles:,} articles in {time.perf_counter() - t0:.1f} s")


def _load(conn, rnd: random.Random, units: list, n_events: int) -> None:
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO documents (code, issuer_unit, issuer_key, issuer_province, type, issuer, issued, first_seen) "
        "VALUES (?, ?, ?, ?, 'chi_thi', 'Thành ủy', ?, ?)",
        [
            (
                f"{i}-CT/TU",
                "thành phố Hà Nội",
                "thành phố hà nội",
                "Hà Nội",
                (dt.date(2020, 1, 1) + dt.timedelta(days=i)).isoformat(),
                "2020-01-01T00:00:00",
            )
            for i in range(1, N_DOCS + 1)
        ]
        + [("24-CT", None, "", None, None, "2020-01-01T00:00:00")],
    )
    doc_id = dict(conn.execute("SELECT code, id FROM documents"))
    n_articles = max(1, n_events // 4)
    conn.executemany(
        "INSERT INTO articles (id, url, source, title, published, text, fetched_at) VALUES (?, ?, 'bench', ?, ?, ?, ?)",
        (
            (
                a,
                f"https://bench.example/{a}.html",
                f"Quán triệt chỉ thị {a % N_DOCS}",
                (dt.date(2020, 1, 1) + dt.timedelta(days=a % 2000)).isoformat(),
                f"Đảng ủy xã tổ chức hội nghị quán triệt Chỉ thị số {a % N_DOCS}-CT/TU cho đảng viên.",
                "2025-01-01T00:00:00",
            )
            for a in range(1, n_articles + 1)
        ),
    )

    def events():
        for e in range(1, n_events + 1):
            u = units[rnd.randrange(len(units))]
            day = (dt.date(2020, 1, 1) + dt.timedelta(days=rnd.randrange(2000))).isoformat()
            yield (e, f"k{e}", *u, "quan_triet", day, None, "2025-01-01T00:00:00")

    conn.executemany(
        "INSERT INTO events (id, event_key, unit, unit_type, district, province, kind, date, attendees, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        events(),
    )

    def event_docs():
        for e in range(1, n_events + 1):
            r = rnd.random()
            if r < 0.05:
                yield (e, BUSY)
            elif r < 0.052:
                yield (e, "24-CT")
            else:
                yield (e, f"{rnd.randrange(2, N_DOCS + 1)}-CT/TU")
            if rnd.random() < 0.3:
                yield (e, f"{rnd.randrange(2, N_DOCS + 1)}-CT/TU")

    conn.executemany(
        "INSERT OR IGNORE INTO event_documents (event_id, document_id, code) VALUES (?, ?, ?)",
        ((e, doc_id[c], c) for e, c in event_docs()),
    )
    conn.executemany(
        "INSERT INTO event_evidence (event_id, article_id) VALUES (?, ?)",
        ((e, (e - 1) // 4 + 1) for e in range(1, n_events + 1)),
    )
    conn.execute("COMMIT")


def timed(fn, repeat: int) -> tuple[float, float, object]:
    out = fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, help="database to build, or reuse when it exists")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", action="store_true", help="accepted; the JSON line is always printed last")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.db"
        if not path.exists():
            build(path, args.events)
        db = open_db(path)
        conn = db.conn
        n = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        print(f"database: {path} ({n:,} events)")
        ok = True
        summary: dict[str, float] = {}
        for label, code in (
            ("busiest directive", BUSY),
            ("typical directive", TYPICAL),
            ("partial code", "24-CT"),
        ):
            did = conn.execute("SELECT id FROM documents WHERE code = ?", [code]).fetchone()[0]
            evs = conn.execute(
                "SELECT COUNT(*) FROM document_matches m JOIN event_documents ed ON ed.document_id = m.member "
                "WHERE m.document = ?",
                [did],
            ).fetchone()[0]
            med, worst, rows = timed(
                lambda did=did: conn.execute(
                    "SELECT * FROM coverage WHERE document_id = ?", [did]
                ).fetchall(),
                args.repeat,
            )
            good = med < GOAL_MS
            ok &= good
            summary[label] = med
            print(
                f"coverage query, {label} {code}: {evs:,} events -> {len(rows)} units: "
                f"median {med:.1f} ms, max {worst:.1f} ms [{'ok' if good else 'SLOW'} vs {GOAL_MS:.0f} ms]"
            )
        today = dt.date(2025, 9, 15)
        med, worst, page = timed(lambda: coverage_page(conn, BUSY, today=today), args.repeat)
        page_ms = med
        print(
            f"coverage page (all steps), {BUSY}: {page['briefed']}/{page['total']} expected units briefed: "
            f"median {med:.1f} ms, max {worst:.1f} ms"
        )
        if not page["briefed"]:
            print("the coverage page matched no unit: the benchmark does not exercise matching")
            ok = False
        med, worst, docs = timed(lambda: documents_index(conn), args.repeat)
        print(f"coverage index page ({len(docs):,} documents): median {med:.1f} ms, max {worst:.1f} ms")
        conn.close()
    print("goal met" if ok else "goal NOT met")
    print(
        json.dumps(
            {
                "events": n,
                "busiest_ms": round(summary["busiest directive"], 1),
                "typical_ms": round(summary["typical directive"], 1),
                "partial_ms": round(summary["partial code"], 1),
                "page_ms": round(page_ms, 1),
                "units_matched": page["briefed"],
                "ok": ok,
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
