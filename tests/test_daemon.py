"""The daemon as a real subprocess (``briefwatch run``) against sites served on 127.0.0.1: the lock, SIGTERM,
a crawl killed with SIGKILL, the daemon killed with SIGKILL and restarted (no duplicate rows or emails,
nothing lost, the run marked failed), and ``briefwatch status``."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefwatch.daemon import crawl_processes
from db.connect import open_db
from tests.sitesrv import SiteServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BRIEFWATCH = ROOT / ".venv" / "bin" / "briefwatch"
DEMO = ROOT / "briefwatch" / "demo"
SLOW = 6  # seconds the slow source's listing takes to answer
SLOW_SOURCE = f"""
  - name: slow-site
    family: liferay
    home: {{district: Long Biên}}
    listings:
      - url: "{{{{BASE:melinh}}}}/_fault/slow/{SLOW}/listing"
    schedule: every 1m
"""
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "BRIEFWATCH_RETRY_BACKOFF=0.1"]


@pytest.fixture(scope="module")
def sites():
    with SiteServer(DEMO / "sites") as srv:
        yield srv


@pytest.fixture
def env(sites, tmp_path: Path) -> dict:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        sites.render((DEMO / "sources.yaml").read_text(encoding="utf-8") + SLOW_SOURCE), encoding="utf-8"
    )
    e = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFWATCH_")}
    e.update(
        BRIEFWATCH_DB=str(tmp_path / "bw.db"),
        BRIEFWATCH_SOURCES=str(sources),
        BRIEFWATCH_RULES=str(DEMO / "alerts.yaml"),
        BRIEFWATCH_JITTER="0",
        BRIEFWATCH_LOG_FORMAT="json",
    )
    # the slow source ran 48 s ago: due again 12 s after the daemon starts, once the first cycle is done
    from db import store
    from db.connect import open_db

    db = open_db(tmp_path / "bw.db")
    t = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=48)
    store.finish_run(db, store.start_run(db, "slow-site", t), {"status": "ok"}, t)
    db.conn.close()
    return e


def start_daemon(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BRIEFWATCH), "run", *FAST], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("ab"),
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def q(env: dict, sql: str, args: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(env["BRIEFWATCH_DB"], timeout=30)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def wait_for(pred, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            v = pred()
        except sqlite3.OperationalError:  # the database or its tables do not exist yet
            v = None
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def runs(env: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for source, status in q(env, "SELECT source, status FROM crawl_runs ORDER BY id"):
        out.setdefault(source, []).append(status)
    return out


def settled(env: dict) -> bool:
    """The demo sources crawled, the alerts job done, the slow crawl running."""
    r = runs(env)
    alerts = q(env, "SELECT status FROM job_runs WHERE job = 'alerts'")
    return (
        r.get("demo-melinh-portal") == ["ok"] and r.get("demo-hanoimoi") == ["ok"] and r.get("slow-site") == ["ok", "running"]
        and alerts == [("ok",)]
    )  # fmt: skip


def assert_no_duplicates(env: dict, tmp_path: Path) -> None:
    assert q(env, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles")[0] == (
        11,
        11,
    )  # the 11 demo articles, once
    assert q(env, "SELECT COUNT(*), COUNT(DISTINCT content_hash) FROM articles")[0] == (11, 11)
    assert q(env, "SELECT COUNT(*) FROM events")[0][0] == 9
    assert q(env, "SELECT COUNT(*) FROM crawl_runs WHERE status = 'running'")[0][0] == 0
    rows = q(env, "SELECT recipient, digest_key, status FROM outbox")
    assert len(rows) == len({(r, k) for r, k, _ in rows}) == 2  # one digest per supervisor
    assert all(s == "sent" for _, _, s in rows)
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2  # one file each: nothing sent twice


def test_lock_status_and_sigterm(env: dict, tmp_path: Path):
    log = tmp_path / "daemon.log"
    d = start_daemon(env, log)
    try:
        wait_for(lambda: settled(env), 40, "the first cycle")
        second = subprocess.run(
            [str(BRIEFWATCH), "run"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 1 and f"another briefwatch daemon (pid {d.pid})" in second.stderr
        once = subprocess.run(
            [sys.executable, "scheduler.py", "--once"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert once.returncode == 1 and "another briefwatch daemon" in once.stderr
        status = subprocess.run(
            [str(BRIEFWATCH), "status"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert status.returncode == 0 and f"running, pid {d.pid}" in status.stdout
        assert "slow-site" in status.stdout and "sent 2" in status.stdout
        t = time.monotonic()
        d.send_signal(signal.SIGTERM)
        assert d.wait(timeout=SLOW + 40) == 0
        assert time.monotonic() - t < SLOW + 30
    finally:
        if d.poll() is None:
            d.kill()
    r = runs(env)
    # stopped by the shutdown: closed, not left running, and no failure of the source (issue #12, item 1)
    assert r["slow-site"] == ["ok", "stopped"]
    db = open_db(env["BRIEFWATCH_DB"])
    try:
        stats = json.loads(
            db.execute("SELECT stats FROM crawl_runs WHERE source = 'slow-site' ORDER BY id DESC").fetchone()[
                0
            ]
        )
        assert not [
            k for k in stats if k.startswith("briefwatch/errors/store")
        ]  # the worker finished its article
        assert not [
            s for (s,) in db.execute("SELECT subject FROM outbox WHERE kind = 'operator'") if "failing" in s
        ]
    finally:
        db.conn.close()
    assert not [p for p in crawl_processes() if p["db"] == env["BRIEFWATCH_DB"]]
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    kinds = [e.get("event") for e in events]
    assert kinds[0] == "daemon_start" and kinds[-1] == "daemon_stop" and "stopping" in kinds
    assert {e["job"] for e in events if e.get("event") == "job_scheduled" and e["catch_up"]} >= {
        "crawl:demo-melinh-portal", "crawl:demo-hanoimoi", "alerts",
    }  # fmt: skip
    assert_no_duplicates(env, tmp_path)


def test_crawl_killed_then_restart(env: dict, tmp_path: Path):
    d = start_daemon(env, tmp_path / "daemon.log")
    try:
        wait_for(lambda: settled(env), 40, "the first cycle")
        crawl = wait_for(lambda: [p for p in crawl_processes() if p["ppid"] == d.pid], 10, "the slow crawl")[
            0
        ]
        os.kill(crawl["pid"], signal.SIGKILL)
        wait_for(lambda: runs(env)["slow-site"] == ["ok", "killed"], 20, "the killed run closed")
        assert d.poll() is None  # the daemon goes on
        d.send_signal(signal.SIGTERM)
        assert d.wait(timeout=30) == 0
    finally:
        if d.poll() is None:
            d.kill()
    # restart for one cycle: the killed run is caught up, nothing else is due (alerts ran today)
    once = subprocess.run(
        [str(BRIEFWATCH), "run", "--once", *FAST],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert once.returncode == 0, once.stderr[-2000:]
    out = json.loads(once.stdout)
    assert out["due"] == ["crawl:slow-site"] and out["crawls"][0]["status"] == "ok" and out["alerts"] is None
    assert runs(env)["slow-site"] == ["ok", "killed", "ok"]
    assert_no_duplicates(env, tmp_path)


def test_daemon_killed_then_restart(env: dict, tmp_path: Path):
    log = tmp_path / "daemon.log"
    d = start_daemon(env, log)
    try:
        wait_for(lambda: settled(env), 40, "the first cycle")
        orphan = wait_for(lambda: [p for p in crawl_processes() if p["ppid"] == d.pid], 10, "the slow crawl")[
            0
        ]
        d.kill()  # SIGKILL: no cleanup at all
        d.wait(10)
    finally:
        if d.poll() is None:
            d.kill()
    assert any(
        p["pid"] == orphan["pid"] and p["daemon_pid"] == d.pid for p in crawl_processes()
    )  # still crawling
    d2 = start_daemon(env, log)
    try:
        wait_for(lambda: runs(env).get("slow-site", [])[-1:] == ["ok"], SLOW + 40, "the caught-up run")
        assert not any(p["pid"] == orphan["pid"] for p in crawl_processes())  # the orphan was stopped
        d2.send_signal(signal.SIGTERM)
        assert d2.wait(timeout=30) == 0
    finally:
        if d2.poll() is None:
            d2.kill()
    r = runs(env)
    assert r["slow-site"] == ["ok", "failed", "ok"]  # the orphan's run marked failed, then caught up once
    assert r["demo-melinh-portal"] == ["ok"] and r["demo-hanoimoi"] == ["ok"]  # not due again: not re-run
    assert q(env, "SELECT COUNT(*) FROM job_runs WHERE status = 'ok'")[0][0] == 1
    assert_no_duplicates(env, tmp_path)
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    assert any(e.get("event") == "orphan_crawl" and e["pid"] == orphan["pid"] for e in lines)


def test_status_command(env: dict, tmp_path: Path):
    from briefwatch.cli import cli
    from db import store
    from db.connect import open_db

    db = open_db(env["BRIEFWATCH_DB"])
    now = dt.datetime.now(dt.UTC)
    for i, status in enumerate(["ok", "failed", "failed"]):
        rid = store.start_run(db, "slow-site", now - dt.timedelta(seconds=30 - 10 * i))
        store.finish_run(
            db,
            rid,
            {"status": status, "new_articles": 4 if status == "ok" else 0, "events": 2},
            now - dt.timedelta(seconds=30 - 10 * i),
        )
    rid = store.start_run(db, "demo-hanoimoi", now - dt.timedelta(days=40))  # outside the 30 days
    store.finish_run(db, rid, {"status": "ok", "new_articles": 7, "events": 5}, now - dt.timedelta(days=40))
    db.conn.close()
    res = CliRunner().invoke(
        cli, ["--db", env["BRIEFWATCH_DB"], "--sources", env["BRIEFWATCH_SOURCES"], "--rules", env["BRIEFWATCH_RULES"], "status", "--json"],
        obj={},
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    by = {s["source"]: s for s in rep["sources"]}
    assert (
        by["slow-site"]["health"] == "failing"
        and by["slow-site"]["articles_30d"] == 4
        and by["slow-site"]["events_30d"] == 6
    )
    assert by["demo-hanoimoi"]["articles_30d"] == 0 and by["demo-hanoimoi"]["due"] is True  # 40 days ago: due
    assert by["demo-melinh-portal"]["health"] == "new" and by["demo-melinh-portal"]["last_success"] is None
    assert rep["daemon_pid"] is None and rep["outbox"] == {"pending": 0, "sending": 0, "dead": 0, "sent": 0}
    assert rep["alerts"]["schedule"] == "0 7 * * *" and rep["alerts"]["due"] is True
    text = (
        CliRunner()
        .invoke(
            cli,
            [
                "--db",
                env["BRIEFWATCH_DB"],
                "--sources",
                env["BRIEFWATCH_SOURCES"],
                "--rules",
                env["BRIEFWATCH_RULES"],
                "status",
            ],
            obj={},
        )
        .output
    )
    assert "not running" in text and "slow-site: last 2 runs failed" in text and "outbox:   pending 0" in text


def test_scheduler_py_once_with_global_options(tmp_path: Path):
    """``python scheduler.py --db X --sources Y --rules Z --once`` = ``briefwatch --db X ... run --once``."""
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    (tmp_path / "alerts.yaml").write_text("operators: [ops@example.org]\nrules: []\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFWATCH_")}
    db = tmp_path / "x" / "bw.db"
    db.parent.mkdir()  # a new database is created only in an existing directory (issue #12, item 6)
    res = subprocess.run(
        [sys.executable, str(ROOT / "scheduler.py"), "--db", str(db), f"--sources={tmp_path / 'sources.yaml'}",
         "--rules", str(tmp_path / "alerts.yaml"), "--once"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.loads(res.stdout)["due"] == ["alerts"]
    assert q({"BRIEFWATCH_DB": str(db)}, "SELECT job, status FROM job_runs") == [("alerts", "ok")]
    logs = [json.loads(x) for x in res.stderr.splitlines() if x.startswith("{")]
    assert any(e.get("event") == "alerts_end" for e in logs)


def test_systemd_unit_matches_the_code():
    import configparser

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(ROOT / "deploy" / "briefwatch.service")
    svc = unit["Service"]
    assert svc["ExecStart"].endswith("python scheduler.py") and svc["KillSignal"] == "SIGTERM"
    assert int(svc["TimeoutStopSec"]) > 30 + 20  # the crawls' stop grace, plus the daemon's own wait
    lines = (ROOT / "deploy" / "briefwatch.service").read_text().splitlines()
    names = {ln.split("=", 1)[1].strip('"').split("=", 1)[0] for ln in lines if ln.startswith("Environment=")}
    assert {"BRIEFWATCH_DB", "BRIEFWATCH_SOURCES", "BRIEFWATCH_RULES", "BRIEFWATCH_TZ"} <= names
    code = "".join(
        (ROOT / f).read_text() for f in ("briefwatch/daemon.py", "db/connect.py", "briefwatch/cli.py")
    )
    for var in names - {"PYTHONUNBUFFERED"}:
        assert var in code, var
