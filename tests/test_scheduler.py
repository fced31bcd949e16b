"""The scheduler under a controlled clock: what is due comes from the run history in the database, missed
runs are caught up once, overlapping runs of one source are refused, APScheduler jobs fire.

The crawl here is a stand-in (``recording_crawl``) that writes a real ``crawl_runs`` row through db.store
at the controlled time, so no test sleeps for a schedule; real crawls run in tests/test_daemon.py.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from briefwatch.daemon import (
    ALERTS_JOB,
    Daemon,
    DaemonConfig,
    make_trigger,
    next_after,
    next_due,
    period_seconds,
    plan,
)
from briefwatch.sources import load_registry
from db import store
from db.connect import open_db

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 10:00 in Asia/Ho_Chi_Minh

REGISTRY = """
sources:
  - name: every2h
    listings: ["http://127.0.0.1:9/a"]
    family: govcms
    schedule: every 2h
  - name: cron3h
    listings: ["http://127.0.0.1:9/b"]
    family: govcms
    schedule: "0 */3 * * *"
  - name: fresh
    listings: ["http://127.0.0.1:9/c"]
    family: govcms
    schedule: every 6h
  - name: paused
    listings: ["http://127.0.0.1:9/d"]
    family: govcms
    enabled: false
"""

RULES = """
operators: [ops@example.org]
recipients: []
rules: []
"""


class Clock:
    def __init__(self, t: dt.datetime):
        self.t = t

    def __call__(self) -> dt.datetime:
        return self.t

    def advance(self, **kw) -> None:
        self.t += dt.timedelta(**kw)


def recording_crawl(clock: Clock, calls: list, status: str = "ok", gate: threading.Event | None = None):
    """A stand-in for run_crawl: one real crawl_runs row at the controlled time."""

    def crawl(source, db_path, sources_path, timeout, settings=None):
        calls.append(source)
        db = open_db(db_path)
        try:
            run_id = store.start_run(db, source, clock())
            if gate is not None:
                assert gate.wait(10)
            store.finish_run(db, run_id, {"status": status, "new_articles": 1, "requests": 3}, clock())
        finally:
            db.conn.close()
        return {"source": source, "run_id": run_id, "status": status}

    return crawl


@pytest.fixture
def setup(tmp_path: Path):
    (tmp_path / "sources.yaml").write_text(REGISTRY, encoding="utf-8")
    (tmp_path / "alerts.yaml").write_text(RULES, encoding="utf-8")
    cfg = DaemonConfig(
        db=tmp_path / "bw.db",
        sources=tmp_path / "sources.yaml",
        rules=tmp_path / "alerts.yaml",
        jitter=0,
        max_crawls=2,
    )
    open_db(cfg.db).conn.close()
    return cfg


def add_run(
    cfg: DaemonConfig, source: str, start: dt.datetime, status: str = "ok", stats: str | None = None
) -> int:
    db = open_db(cfg.db)
    try:
        run_id = store.start_run(db, source, start)
        if status != "running":
            store.finish_run(
                db, run_id, {"status": status, "new_articles": 1}, start + dt.timedelta(minutes=5)
            )
            if stats:
                db.execute("UPDATE crawl_runs SET stats = ? WHERE id = ?", [stats, run_id])
    finally:
        db.conn.close()
    return run_id


def jobs_at(cfg: DaemonConfig, now: dt.datetime) -> dict[str, dict]:
    db = open_db(cfg.db)
    try:
        return {j["id"]: j for j in plan(db, load_registry(cfg.sources), cfg, now)}
    finally:
        db.conn.close()


# ------------------------------------------------------------------ pure schedule arithmetic


def test_triggers_and_next_fire_times():
    t = make_trigger("every 2h", "Asia/Ho_Chi_Minh", 60)
    assert isinstance(t, IntervalTrigger) and t.interval.total_seconds() == 7200 and t.jitter == 60
    c = make_trigger("0 */3 * * *", "Asia/Ho_Chi_Minh")
    assert isinstance(c, CronTrigger) and str(c.timezone) == "Asia/Ho_Chi_Minh"
    assert next_after("every 2h", "Asia/Ho_Chi_Minh", T0) == T0 + dt.timedelta(hours=2)
    # 10:15 local → the next 3-hourly slot is 12:00 local (05:00 UTC), not 12:00 UTC
    assert next_after("0 */3 * * *", "Asia/Ho_Chi_Minh", T0 + dt.timedelta(minutes=15)) == dt.datetime(
        2026, 3, 2, 5, 0, tzinfo=UTC
    )
    # the daily digest at 07:00 Asia/Ho_Chi_Minh is 00:00 UTC
    assert next_after("0 7 * * *", "Asia/Ho_Chi_Minh", T0) == dt.datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    assert period_seconds("0 */3 * * *", "Asia/Ho_Chi_Minh", T0) == 3 * 3600
    assert period_seconds("every 15m", "UTC", T0) == 900
    assert next_due("every 2h", "UTC", None, False, T0) == T0  # never ran: now
    assert next_due("every 2h", "UTC", T0 - dt.timedelta(minutes=10), True, T0) == T0  # interrupted: now


def test_plan_from_history(setup):
    cfg = setup
    add_run(cfg, "every2h", T0 - dt.timedelta(hours=10))  # down for 10 h: 5 runs missed
    add_run(cfg, "cron3h", T0 - dt.timedelta(minutes=30))  # 09:30 local: next 12:00 local
    jobs = jobs_at(cfg, T0)
    assert set(jobs) == {
        "crawl:every2h",
        "crawl:cron3h",
        "crawl:fresh",
        ALERTS_JOB,
    }  # disabled "paused" absent
    assert jobs["crawl:every2h"]["due"] and jobs["crawl:fresh"]["due"] and jobs[ALERTS_JOB]["due"]
    assert not jobs["crawl:cron3h"]["due"]
    assert jobs["crawl:cron3h"]["next_run"] == dt.datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    # a run killed (or stopped by a shutdown) is due again at once, whatever the schedule says
    add_run(cfg, "cron3h", T0 - dt.timedelta(minutes=10), status="killed")
    assert jobs_at(cfg, T0)["crawl:cron3h"]["due"]
    add_run(
        cfg, "cron3h", T0 - dt.timedelta(minutes=5), status="failed", stats='{"finish_reason": "shutdown"}'
    )
    assert jobs_at(cfg, T0)["crawl:cron3h"]["due"]
    # a plain failure waits for its schedule (no hammering a broken site)
    add_run(
        cfg, "cron3h", T0 - dt.timedelta(minutes=1), status="failed", stats='{"finish_reason": "finished"}'
    )
    assert not jobs_at(cfg, T0)["crawl:cron3h"]["due"]
    # a crawl still running is not due
    add_run(cfg, "fresh", T0 - dt.timedelta(minutes=1), status="running")
    assert not jobs_at(cfg, T0)["crawl:fresh"]["due"] and jobs_at(cfg, T0)["crawl:fresh"]["running"]


# ------------------------------------------------------------------ run_once: catch-up once


def test_downtime_caught_up_once(setup):
    cfg = setup
    add_run(cfg, "every2h", T0 - dt.timedelta(hours=10))
    add_run(cfg, "cron3h", T0 - dt.timedelta(minutes=30))
    clock, calls = Clock(T0), []
    d = Daemon(cfg, crawl_fn=recording_crawl(clock, calls), clock=clock)
    out = d.run_once()
    assert sorted(calls) == ["every2h", "fresh"]  # 5 missed runs of every2h: one catch-up run
    assert out["alerts"]["status"] == "ok"  # the alerts job never ran: due too, after the crawls
    clock.advance(minutes=1)
    calls.clear()
    assert d.run_once()["due"] == [] and calls == []  # nothing is due twice
    clock.advance(hours=2)  # 12:01 local: every2h (last 10:00) and cron3h (12:00) are due, fresh (6h) is not
    d.run_once()
    assert sorted(calls) == ["cron3h", "every2h"]
    db = open_db(cfg.db)
    try:
        n = db.execute("SELECT source, COUNT(*) FROM crawl_runs GROUP BY source ORDER BY source").fetchall()
        assert n == [("cron3h", 2), ("every2h", 3), ("fresh", 1)]
        assert db.execute("SELECT status FROM job_runs WHERE job = 'alerts'").fetchone()[0] == "ok"
    finally:
        db.conn.close()
    clock.advance(hours=20)  # the next morning, 08:01 local: the 07:00 digest job is due
    assert ALERTS_JOB in d.run_once()["due"]


def test_overlapping_run_of_a_source_is_refused(setup):
    cfg = setup
    clock, calls, gate = Clock(T0), [], threading.Event()
    d = Daemon(cfg, crawl_fn=recording_crawl(clock, calls, gate=gate), clock=clock)
    first = threading.Thread(target=d.crawl_job, args=["every2h"])
    first.start()
    deadline = time.monotonic() + 5
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls == ["every2h"]
    second = d.crawl_job("every2h")
    assert second == {"source": "every2h", "status": "skipped", "reason": "overlap"}
    other = threading.Thread(target=d.crawl_job, args=["cron3h"])  # another source may run meanwhile
    other.start()
    gate.set()
    first.join(10)
    other.join(10)
    assert sorted(calls) == ["cron3h", "every2h"]
    db = open_db(cfg.db)
    try:
        assert db.execute("SELECT COUNT(*) FROM crawl_runs WHERE source = 'every2h'").fetchone()[0] == 1
    finally:
        db.conn.close()


def test_recover_marks_dead_running_rows_failed(setup):
    cfg = setup
    dead = add_run(cfg, "every2h", T0 - dt.timedelta(hours=1), status="running")
    d = Daemon(cfg, clock=Clock(T0))
    d.acquire_lock()
    try:
        rec = d.recover()
    finally:
        d.release_lock()
    assert rec["runs_marked_failed"] == [dead]
    db = open_db(cfg.db)
    try:
        status, stats = db.execute("SELECT status, stats FROM crawl_runs WHERE id = ?", [dead]).fetchone()
    finally:
        db.conn.close()
    assert status == "failed" and "briefwatch/interrupted" in stats
    assert jobs_at(cfg, T0)["crawl:every2h"]["due"]  # and it is caught up


def test_lock_refuses_a_second_daemon(setup):
    from briefwatch.daemon import DaemonLocked, lock_holder

    a, b = Daemon(setup), Daemon(setup)
    a.acquire_lock()
    try:
        assert lock_holder(setup.db) is not None
        with pytest.raises(DaemonLocked, match="another briefwatch daemon"):
            b.acquire_lock()
    finally:
        a.release_lock()
    assert lock_holder(setup.db) is None
    b.acquire_lock()
    b.release_lock()


# ------------------------------------------------------------------ the APScheduler side


def test_scheduler_jobs_catch_up_and_fire(setup):
    cfg = setup
    now = dt.datetime.now(UTC).replace(microsecond=0)  # APScheduler fires in real time
    last = now - dt.timedelta(minutes=30)
    add_run(cfg, "every2h", last)  # not due: next at last + 2h
    clock, calls = Clock(now), []
    d = Daemon(cfg, crawl_fn=recording_crawl(clock, calls), clock=clock)
    sched = d.build_scheduler(now)
    jobs = {j.id: j for j in sched.get_jobs()}
    assert set(jobs) == {"crawl:every2h", "crawl:cron3h", "crawl:fresh", ALERTS_JOB}
    for j in jobs.values():
        assert j.coalesce is True and j.max_instances == 1
    assert (
        jobs["crawl:every2h"].misfire_grace_time == 7200
        and jobs["crawl:cron3h"].misfire_grace_time == 3 * 3600
    )
    assert str(sched.timezone) == "Asia/Ho_Chi_Minh"
    # the history's cadence is kept: every2h's next fire is 2 h after its last start
    trig = jobs["crawl:every2h"].trigger
    assert trig.get_next_fire_time(None, last + dt.timedelta(minutes=1)) == last + dt.timedelta(hours=2)
    d.scheduler = sched
    runner = threading.Thread(target=sched.start)
    runner.start()  # the due jobs (never run) fire at once; every2h does not
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        db = open_db(cfg.db)
        done = db.execute("SELECT status FROM job_runs WHERE job = 'alerts'").fetchone()
        db.conn.close()
        if len(calls) >= 2 and done and done[0] != "running":
            break
        time.sleep(0.05)
    d.request_stop()
    runner.join(10)
    assert not runner.is_alive()
    assert sorted(calls) == ["cron3h", "fresh"]
    assert done and done[0] == "ok"
