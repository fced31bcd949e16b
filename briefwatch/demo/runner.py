"""``briefwatch demo``: the whole main job on a fresh machine, with no internet.

Serves the bundled demo sites (briefwatch/demo/sites/) on 127.0.0.1, writes a registry pointing at them
(``<db dir>/<db stem>-sources.yaml``), runs ONE cycle of the daemon (every source crawled in its own
``scrapy crawl`` process → articles, events, documents → the directives register → alert evaluation as of
``AS_OF`` → digests as .eml files in ``<db dir>/outbox/``), and prints the coverage table, the digest
files and the database path.

The cycle replays AS_OF (2023-11-15, the day the scenario shows in-time, late and never): the daemon runs
under a simulated clock starting at 07:00 (Asia/Ho_Chi_Minh) that day, and each crawl run's row is stamped
with that clock (start and end, real duration kept), because the alert engine trusts a source's health only
from runs made on or before the evaluated day; everything else (articles, events) keeps its real timestamps.

Idempotent: each run starts from an empty demo database (a file that holds anything but demo sources is
never touched). The digests of a new run carry the same outbox ids and Message-IDs as the last one, so
they overwrite their .eml files: no duplicates pile up in the outbox folder. Real SMTP is never used.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alerts.directives import label

HERE = Path(__file__).parent
SITES = HERE / "sites"
SOURCES_TEMPLATE = HERE / "sources.yaml"
RULES = HERE / "alerts.yaml"
AS_OF = dt.date(2023, 11, 15)


@dataclass(frozen=True)
class Scenario:
    name: str
    sites: Path
    sources: Path
    rules: Path
    as_of: dt.date
    title: str  # what the coverage table shows
    example: str  # a document code for the serve hint


SCENARIOS = {
    "hanoi-2026": Scenario(
        "hanoi-2026",
        HERE / "sites-2026",
        HERE / "sources-2026.yaml",
        HERE / "alerts-2026.yaml",
        dt.date(2026, 11, 20),
        "communes and wards of Hà Nội (2-level structure); 30 days to brief",
        "05-CT/TU",
    ),
    "melinh-2023": Scenario(
        "melinh-2023",
        SITES,
        SOURCES_TEMPLATE,
        RULES,
        AS_OF,
        "communes and towns of Mê Linh; 30 days to brief",
        "24-CT/TU",
    ),  # fmt: skip
}
DEFAULT_SCENARIO = "hanoi-2026"
CYCLE_HOUR = 7  # the simulated cycle runs at 07:00 Asia/Ho_Chi_Minh on AS_OF, the daily digest's time
DEFAULT_DB = "data/demo.db"
FAST = {  # the demo's sites are local: no politeness delays
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "BRIEFWATCH_RETRY_BACKOFF": "0.2",
    "LOG_LEVEL": "WARNING",
}


class DemoError(RuntimeError):
    pass


def _db_files(db: Path) -> list[Path]:
    return [db, Path(f"{db}-wal"), Path(f"{db}-shm")]


DEMO_APPLICATION_ID = 0x62774445  # "bwDE" in the SQLite header: a database the demo made itself


def _command_name() -> str:
    """How to call briefwatch from here: `make` installs it in .venv/bin, which is not on the PATH."""
    import shutil
    import sys

    exe = Path(sys.executable).parent / "briefwatch"
    if shutil.which("briefwatch") == str(exe) or not exe.exists():
        return "briefwatch"
    try:
        return str(exe.relative_to(Path.cwd()))
    except ValueError:
        return str(exe)


def reset_demo_db(db: Path) -> None:
    """Delete a previous demo database and mark the new one as the demo's. Refuse the production database
    (data/briefwatch.db, $BRIEFWATCH_DB), any database the demo did not make, and one a daemon uses."""
    from briefwatch.daemon import lock_holder
    from db.connect import DEFAULT_DB

    production = {Path(DEFAULT_DB).resolve()}
    if os.environ.get("BRIEFWATCH_DB"):
        production.add(Path(os.environ["BRIEFWATCH_DB"]).resolve())
    if db.resolve() in production:
        raise DemoError(f"{db} is the production database: the demo uses its own (default data/demo.db)")
    if lock_holder(db):
        raise DemoError(f"a briefwatch daemon is running on {db}: stop it or give another --db")
    if db.exists() and db.stat().st_size > 0:
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                app_id = conn.execute("PRAGMA application_id").fetchone()[0]
                tables = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise DemoError(f"{db} is not a briefwatch demo database ({exc}); give another --db") from None
        if app_id != DEMO_APPLICATION_ID and tables:
            raise DemoError(
                f"{db} is not a database the demo made (the demo resets its database, so it will not touch this "
                "one); give another --db"
            )
    for f in _db_files(db):
        f.unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    try:
        conn.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
        conn.commit()
    finally:
        conn.close()


@contextlib.contextmanager
def _no_smtp() -> Iterator[None]:
    saved = {k: os.environ.pop(k) for k in ("BRIEFWATCH_SMTP_URL",) if k in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def coverage(db: Any, rule: str | None = None) -> dict[str, Any]:
    """{"documents": [(code, due)], "rows": [(unit, district, {code: (status, briefed_on, days_late)})],
    "totals": {code: {status: n}}} from alert_states; status: in_time | late | never | not_due | unmonitored."""
    cur = db.execute(
        "SELECT rule, document, unit, district, state, due_date, briefed_on, issuer_unit FROM alert_states "
        + ("WHERE rule = ? " if rule else "")
        + "ORDER BY document, unit",
        [rule] if rule else [],
    )
    docs: dict[str, str] = {}
    units: dict[tuple[str, str | None], dict[str, tuple]] = {}
    totals: dict[str, dict[str, int]] = {}
    for _rule, code, unit, district, state, due, briefed, issuer_unit in cur.fetchall():
        code = label(code, issuer_unit)
        if briefed:
            late = (dt.date.fromisoformat(briefed[:10]) - dt.date.fromisoformat(due[:10])).days if due else 0
            status = "late" if late > 0 else "in_time"
        elif state == "not_due":
            status, late = "not_due", 0
        elif state in ("no_coverage", "source_failing"):
            status, late = "unmonitored", 0
        else:
            status, late = "never", 0
        docs[code] = due
        units.setdefault((unit, district), {})[code] = (status, briefed[:10] if briefed else None, late)
        totals.setdefault(code, {}).setdefault(status, 0)
        totals[code][status] += 1
    order = {"in_time": 0, "late": 1, "not_due": 2, "unmonitored": 3, "never": 4}
    rows = sorted(
        ((u, d, cells) for (u, d), cells in units.items()),
        key=lambda r: (min(order[c[0]] for c in r[2].values()), r[0]),
    )
    return {"documents": sorted(docs.items()), "rows": rows, "totals": totals}


def _dm(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"


def format_coverage(cov: dict[str, Any], max_unmonitored: int = 5) -> str:
    """The coverage table; units with no working source and no briefing found beyond ``max_unmonitored``
    are counted in one line (today's city has 126 units, most without a portal in the demo)."""

    def cell(c: tuple | None) -> str:
        if c is None:
            return "-"
        status, briefed, late = c
        return {
            "in_time": f"in time  {_dm(briefed)}" if briefed else "in time",
            "late": f"LATE     {_dm(briefed)} (+{late} d)" if briefed else "late",
            "never": "NEVER    (overdue)",
            "not_due": "not yet  (not due)",
            "unmonitored": "unknown  (no working source)",
        }[status]

    head = ["unit", "district"] + [f"{code} (due {_dm(due)})" for code, due in cov["documents"]]
    quiet = [r for r in cov["rows"] if all(c[0] == "unmonitored" for c in r[2].values())]
    shown = [r for r in cov["rows"] if r not in quiet] + quiet[:max_unmonitored]
    rows = [head] + [
        [u, d or "-"] + [cell(cells.get(code)) for code, _ in cov["documents"]] for u, d, cells in shown
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    out = []
    for i, r in enumerate(rows):
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    labels = {
        "in_time": "in time",
        "late": "late",
        "never": "never",
        "not_due": "not due",
        "unmonitored": "unmonitored",
    }
    if len(quiet) > max_unmonitored:
        out.append(
            f"... and {len(quiet) - max_unmonitored} more units with no working source and no briefing found"
        )
    for code, _ in cov["documents"]:
        t = cov["totals"].get(code, {})
        out.append(f"{code}: " + ", ".join(f"{labels[k]} {t[k]}" for k in labels if t.get(k)))
    return "\n".join(out)


def simulated_clock(as_of: dt.date) -> Callable[[], dt.datetime]:
    """A clock that starts at 07:00 Asia/Ho_Chi_Minh on ``as_of`` and advances in real time."""
    from zoneinfo import ZoneInfo

    start = dt.datetime.combine(as_of, dt.time(CYCLE_HOUR), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).astimezone(
        dt.UTC
    )
    t0 = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - t0)


def stamped_crawl(clock: Callable[[], dt.datetime]) -> Callable[..., dict]:
    """``run_crawl`` whose crawl_runs row is then stamped with ``clock`` (see the module docstring)."""
    from briefwatch.commands.crawl import run_crawl
    from db.connect import open_db

    def crawl(source: str, db_path: Any, sources_path: Any, timeout: float, **kw: Any) -> dict:
        started = clock()
        out = run_crawl(source, db_path, sources_path, timeout, **kw)
        if out.get("run_id"):
            db = open_db(db_path, migrate=False)
            try:
                db.execute("BEGIN IMMEDIATE")
                db.execute(
                    "UPDATE crawl_runs SET started_at = ?, ended_at = ? WHERE id = ?",
                    [
                        started.isoformat(timespec="seconds"),
                        clock().isoformat(timespec="seconds"),
                        out["run_id"],
                    ],
                )
                db.execute("COMMIT")
            finally:
                db.conn.close()
        return out

    return crawl


def run_demo(
    db_path: str | os.PathLike = DEFAULT_DB,
    echo: Callable[[str], None] = print,
    *,
    scenario: str = DEFAULT_SCENARIO,
    as_of: dt.date | None = None,
) -> dict:
    """Run the demo of ``scenario`` (today's Hanoi by default; ``melinh-2023`` the district scenario of 2023);
    return {"db", "sources", "crawls", "alerts", "coverage", "digests", "seconds"}."""
    sc = SCENARIOS[scenario]
    as_of = as_of or sc.as_of
    from alerts.directives import register
    from alerts.rules import load_rules
    from briefwatch.commands.crawl import format_table
    from briefwatch.daemon import Daemon, DaemonConfig
    from briefwatch.sitesrv import SiteServer
    from db.connect import open_db

    t0 = time.monotonic()
    db = Path(db_path).resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    reset_demo_db(db)
    sources = db.with_name(f"{db.stem}-sources.yaml")
    with SiteServer(sc.sites) as srv, _no_smtp():
        sources.write_text(srv.render(sc.sources.read_text(encoding="utf-8")), encoding="utf-8")
        echo("serving the demo sites on 127.0.0.1: " + ", ".join(f"{s} {srv.base(s)}" for s in srv.sites))
        cfg = DaemonConfig(
            db=db, sources=sources, rules=sc.rules.resolve(), as_of=as_of, crawl_settings=dict(FAST),
            crawl_timeout=90, max_crawls=2, jitter=0,
        )  # fmt: skip
        clock = simulated_clock(as_of)
        daemon = Daemon(cfg, clock=clock, crawl_fn=stamped_crawl(clock))
        daemon.acquire_lock()
        try:
            daemon.recover()
            echo(f"one daemon cycle: crawl every source, extract, alerts as of {as_of} ...")
            out = daemon.run_once(force=True)
        finally:
            daemon.release_lock()
    d = open_db(db)
    try:
        rules = load_rules(sc.rules)
        watched = register(d, rules, watched_only=True)
        cov = coverage(d)
        digests = [
            dict(zip(("recipient", "kind", "subject", "status", "file"), r, strict=True))
            for r in d.execute(
                "SELECT recipient, kind, subject, status, transport FROM outbox ORDER BY id"
            ).fetchall()
        ]
        counts = {
            t: d.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("articles", "events", "documents")
        }  # noqa: S608 - fixed names
    finally:
        d.conn.close()
    ev = (out["alerts"] or {}).get("evaluate") or {}
    echo("")
    echo("== crawl (one scrapy process per source)")
    echo(format_table(out["crawls"]))
    echo(
        f"stored: {counts['articles']} articles, {counts['events']} briefing events, {counts['documents']} documents"
    )
    echo("")
    echo("== directives watched by the rules (alerts.yaml of the demo)")
    for w in watched:
        echo(f"  {w['code']:<10} issued {w['issued'] or '?'}  {(w['title'] or '')[:90]}")
    echo("")
    echo(f"== coverage as of {as_of} ({sc.title})")
    echo(format_coverage(cov))
    echo("")
    echo(f"== digests ({ev.get('digests_queued', 0)} queued, sent as .eml files: no SMTP in the demo)")
    for g in digests:
        echo(f"  {g['recipient']}: {g['subject']}")
        echo(f"    {g['file'] or '(' + g['status'] + ')'}")
    echo("")
    echo(f"database: {db}")
    bw = _command_name()
    echo(f"look further: {bw} --db {db_path} --sources {sources} status")
    echo(f"              {bw} --db {db_path} --rules {sc.rules} alerts list")
    echo(f"              {bw} --db {db_path} serve   then http://127.0.0.1:8001/-/coverage/{sc.example}")
    seconds = round(time.monotonic() - t0, 1)
    echo(f"demo finished in {seconds} s")
    return {"db": str(db), "sources": str(sources), "crawls": out["crawls"], "alerts": out["alerts"], "coverage": cov,
            "digests": digests, "watched": watched, "counts": counts, "seconds": seconds}  # fmt: skip
