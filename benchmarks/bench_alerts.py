"""Benchmark: alert evaluation over 10 rules × 1,000 documents × ~600 units with 1,000,000 events.

Generates a temp database (real Hanoi units of the legacy era from the gazetteer: 557 units at every
level), then times ``evaluate``: the first run (every state row written), a second run on the same day
(the steady state: nothing changes, nothing is sent) and a run a week later (reminders). Goal: < 2 s for
the steady-state evaluation. Prints numbers; asserts nothing.

    .venv/bin/python benchmarks/bench_alerts.py [--events 1000000] [--all-rules-all-docs]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alerts.evaluate import evaluate  # noqa: E402
from alerts.rules import load_yaml, parse_rules  # noqa: E402
from briefwatch.gazetteer import load_gazetteer  # noqa: E402
from db.analysts import coverage_suspended  # noqa: E402
from db.connect import open_db  # noqa: E402

ISSUERS = ["TU", "QU", "HU", "DU", "TW", "UBND", "BCĐ", "BTG", "BDV", "UBKT"]
LEVELS = "[xa, phuong, thi_tran, quan, huyen, thi_xa, thanh_pho_tw]"


CITY = ("thành phố Hà Nội", "thành phố hà nội", "Hà Nội")


def rules_yaml(all_docs: bool) -> str:
    out = ["settings: {source_failing_runs: 2}", "recipients:"]
    out.append("  - {email: city@example.org, scope: {all: true}}")
    out.append("  - {email: melinh@example.org, scope: {district: Mê Linh}}")
    out.append("rules:")
    for i, iss in enumerate(ISSUERS):
        docs = "{issued_after: 2023-01-01}" if all_docs else f"{{issuer: {iss}}}"
        out += [
            f"  - name: rule-{i}",
            f"    documents: {docs}",
            f"    units: {{levels: {LEVELS}}}",
            f"    deadline_days: {20 + i * 3}",
            "    remind_every_days: 7",
            f"    district_conference_covers_communes: {'true' if i % 2 else 'false'}",
        ]
    return "\n".join(out) + "\n"


def generate(path: Path, n_events: int, seed: int = 4) -> None:
    rnd = random.Random(seed)
    gz = load_gazetteer()
    units = gz.units(on=dt.date(2024, 1, 1), province="Hà Nội")
    db = open_db(path)
    c = db.conn
    c.execute("PRAGMA synchronous = OFF")
    with coverage_suspended(db):  # a bulk load: the analysts' summary is computed once at the end
        c.execute("BEGIN")
        districts = sorted({u.district for u in units if u.district})
        for i, d in enumerate(districts):
            status = "failed" if i % 10 == 3 else "ok"
            c.execute(
                "INSERT INTO sources (name, home) VALUES (?, ?)", [f"portal-{i}", f'{{"district": "{d}"}}']
            )
            for k in range(3):
                c.execute(
                    "INSERT INTO crawl_runs (source, started_at, status) VALUES (?, ?, ?)",
                    [f"portal-{i}", f"2025-02-2{k}T06:00:00", status],
                )
        c.execute("INSERT INTO sources (name, home) VALUES ('hanoimoi', NULL)")
        c.execute(
            "INSERT INTO crawl_runs (source, started_at, status) VALUES ('hanoimoi', '2025-02-27T06:00:00', 'ok')"
        )
        base = dt.date(2023, 6, 1)
        docs = []
        for n in range(1000):
            code = f"{n + 1}-{rnd.choice(['CT', 'NQ', 'KL', 'KH'])}/{ISSUERS[n % 10]}"
            issued = base + dt.timedelta(days=rnd.randrange(0, 600))
            docs.append((code, issued))
        # city documents (TU) are the city's; the others' issuer is left unresolved, as the engine leaves some
        c.executemany(
            "INSERT INTO documents (code, issuer_unit, issuer_key, issuer_province, year, type, issued, subject) "
            "VALUES (?, ?, ?, ?, ?, 'chi_thi', ?, 'benchmark')",
            [
                (code, *(CITY if code.endswith("/TU") else (None, "", None)), issued.year, issued.isoformat())
                for code, issued in docs
            ],
        )
        partials = {f"{code.split('/')[0]}" for code, _ in docs[:100]}
        c.executemany(
            "INSERT INTO documents (code, issuer_key) VALUES (?, '')", [(p,) for p in sorted(partials)]
        )
        doc_id = dict(c.execute("SELECT code, id FROM documents"))
        n_articles = n_events // 5
        c.executemany(
            "INSERT INTO articles (id, url, source, published, fetched_at) VALUES (?, ?, 'portal-0', ?, '2025-01-01')",
            (
                (i, f"https://example.org/a/{i}.htm", (base + dt.timedelta(days=i % 640)).isoformat())
                for i in range(1, n_articles + 1)
            ),
        )

        def events():
            for i in range(1, n_events + 1):
                u = units[rnd.randrange(len(units))]
                day = base + dt.timedelta(days=rnd.randrange(0, 640))
                yield (
                    i,
                    f"e{i}",
                    u.name,
                    u.unit_type,
                    u.district,
                    "Hà Nội",
                    day.isoformat() if i % 50 else None,
                )

        c.executemany(
            "INSERT INTO events (id, event_key, unit, unit_type, district, province, kind, date, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, 'quan_triet', ?, '2025-01-01')",
            events(),
        )

        def links():
            for i in range(1, n_events + 1):
                a = docs[rnd.randrange(1000)][0]
                yield (i, a)
                if i % 2:
                    b = docs[rnd.randrange(1000)][0]
                    if b != a:
                        yield (i, b.split("/")[0] if i % 7 == 0 and b.split("/")[0] in partials else b)

        c.executemany(
            "INSERT OR IGNORE INTO event_documents (event_id, document_id, code) VALUES (?, ?, ?)",
            ((i, doc_id[code], code) for i, code in links()),
        )
        c.executemany(
            "INSERT INTO event_evidence (event_id, article_id) VALUES (?, ?)",
            ((i, 1 + i % n_articles) for i in range(1, n_events + 1)),
        )
        c.execute("COMMIT")
    c.execute("ANALYZE")
    db.conn.close()


def _add_events(db, n: int, seed: int = 9) -> None:
    rnd = random.Random(seed)
    units = load_gazetteer().units(on=dt.date(2024, 1, 1), province="Hà Nội")
    codes = db.execute("SELECT id, code FROM documents WHERE code LIKE '%/%'").fetchall()
    top = db.execute("SELECT MAX(id) FROM events").fetchone()[0]
    with db.conn:
        db.execute("BEGIN")
        for i in range(top + 1, top + n + 1):
            u = units[rnd.randrange(len(units))]
            db.execute(
                "INSERT INTO events (id, event_key, unit, unit_type, district, province, kind, date, created_at) "
                "VALUES (?, ?, ?, ?, ?, 'Hà Nội', 'quan_triet', '2025-03-02', '2025-03-02')",
                [i, f"new{i}", u.name, u.unit_type, u.district],
            )
            db.execute(
                "INSERT INTO event_documents (event_id, document_id, code) VALUES (?, ?, ?)",
                [i, *rnd.choice(codes)],
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument(
        "--all-rules-all-docs", action="store_true", help="every rule watches all 1,000 documents"
    )
    ap.add_argument("--db", help="reuse/keep this database file")
    ap.add_argument("--json", action="store_true", help="accepted; the JSON line is always printed last")
    args = ap.parse_args()
    if args.db:
        _run(Path(args.db), args)
        return
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as tmp:  # 0.5 GB: never left behind
        _run(Path(tmp) / "bench.db", args)


def _run(path: Path, args: argparse.Namespace) -> None:
    if not path.exists():
        t = time.perf_counter()
        generate(path, args.events)
        print(f"generated {args.events:,} events in {time.perf_counter() - t:.1f} s: {path}")
    rules = parse_rules(load_yaml(rules_yaml(args.all_rules_all_docs)))
    db = open_db(path)
    for table in (
        "alert_cells",
        "alert_groups",
        "alert_units",
        "alert_runs",
        "outbox",
        "alert_briefs",
        "alert_brief_docs",
    ):
        db.execute(f"DELETE FROM {table}")  # a cold start every time
    load_gazetteer()
    runs = (
        ("first run (cold: every state written)", "2025-03-01"),
        ("same day again (steady state)", "2025-03-01"),
        ("next day (steady state)", "2025-03-02"),
        ("a week later (reminders)", "2025-03-09"),
    )
    seconds: list[float] = []
    for label, day in runs:
        t = time.perf_counter()
        s = evaluate(db, rules, day)
        el = time.perf_counter() - t
        seconds.append(el)
        print(
            f"{label:38s} {el:6.2f} s  triples={s['triples']:,} changed={s['changed']:,} "
            f"notifications={sum(s['notifications'].values()):,} digests={s['digests_queued']} {s['seconds']}"
        )
        if day == "2025-03-02":
            # a day of crawling: 500 new events arrive, then the next evaluation
            _add_events(db, 500)
            t = time.perf_counter()
            s2 = evaluate(db, rules, "2025-03-03")
            print(
                f"{'500 new events, next day (steady state)':38s} {time.perf_counter() - t:6.2f} s  "
                f"merged documents={s2['documents_merged']} recomputed={s2['documents_recomputed']} "
                f"changed={s2['changed']:,}"
            )
    db.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "events": args.events,
                "cold_s": round(seconds[0], 2),
                "same_day_s": round(seconds[1], 2),
                "next_day_s": round(seconds[2], 2),
                "week_s": round(seconds[3], 2),
                "peak_rss_mb": round(peak),
            }
        )
    )


if __name__ == "__main__":
    main()
