"""Source health: the pure assessment, stored transitions with exactly one operator notice each way, and a
real source (a real crawl subprocess) breaking and recovering."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import pytest

from alerts.outbox import send_pending
from alerts.rules import parse_rules
from briefwatch.health import Health, HealthPolicy, assess, update_health
from briefwatch.sources import load_registry, parse_registry
from db import store
from db.connect import open_db

UTC = dt.UTC
NOW = dt.datetime(2026, 5, 10, 8, 0, tzinfo=UTC)


def run(
    hours_ago: float, status: str = "ok", new: int = 1, fallback: float | None = 0.0, rid: int = 0
) -> dict:
    t = (NOW - dt.timedelta(hours=hours_ago)).isoformat(timespec="seconds")
    return {
        "id": rid,
        "started_at": t,
        "ended_at": t,
        "status": status,
        "new_articles": new,
        "fallback_share": fallback,
    }


# ------------------------------------------------------------------ pure


def test_new_ok_failing():
    assert assess([], NOW).state == "new"
    assert assess([run(1, "running")], NOW).state == "new"
    assert assess([run(3), run(1)], NOW).state == "ok"
    one_bad = assess([run(3), run(1, "failed")], NOW)
    assert one_bad.state == "ok"  # one failure is not yet "failing" (2 by default, as alerts.yaml)
    two_bad = assess([run(5), run(3, "timeout"), run(1, "killed")], NOW)
    assert two_bad.state == "failing" and "last success" in two_bad.detail
    assert (
        assess([run(3, "failed"), run(1, "failed")], NOW, policy=HealthPolicy(failing_runs=3)).state == "ok"
    )
    never = assess([run(3, "failed"), run(1, "error")], NOW)
    assert never == Health("failing", never.detail, None) and "never succeeded" in never.detail
    assert assess([run(5, "failed"), run(3, "failed"), run(1)], NOW).state == "ok"  # recovered


def test_selectors_broken_needs_two_runs_over_threshold():
    assert assess([run(3, fallback=0.1), run(1, fallback=0.9)], NOW).state == "ok"  # one odd run
    broken = assess([run(3, fallback=0.8), run(2, new=0, fallback=None), run(1, fallback=1.0)], NOW)
    assert broken.state == "selectors_broken" and "80%" in broken.detail and "100%" in broken.detail
    assert assess([run(3, fallback=0.5), run(1, fallback=0.5)], NOW).state == "ok"  # threshold is exclusive
    assert (
        assess(
            [run(3, fallback=0.8), run(1, fallback=0.8)], NOW, policy=HealthPolicy(fallback_threshold=0.9)
        ).state
        == "ok"
    )
    # failing wins over broken selectors
    assert (
        assess([run(5, fallback=0.9), run(4, fallback=0.9), run(3, "failed"), run(1, "failed")], NOW).state
        == "failing"
    )


def test_stale_against_expected_cadence():
    day = 24
    quiet = [run(20 * day, new=3)] + [run(h * day, new=0) for h in (15, 10, 5, 1)]
    s = assess(quiet, NOW)
    assert s.state == "stale" and "nothing new for 20.0 days" in s.detail  # floor: 14 days
    assert assess(quiet, NOW, policy=HealthPolicy(stale_min_days=30)).state == "ok"
    # a source that publishes every 10 days is expected to be quiet up to 30 days (3 × its median gap)
    slow = [run(h * day, new=2) for h in (55, 45, 35, 25)] + [run(h * day, new=0) for h in (20, 1)]
    assert assess(slow, NOW).state == "ok"
    assert assess(slow, NOW + dt.timedelta(days=6)).state == "stale"
    # a weekly crawl cannot be stale after 2 weeks: 3 crawl intervals at least
    weekly = [run(16 * day, new=1), run(9 * day, new=0), run(2 * day, new=0)]
    assert assess(weekly, NOW, interval_seconds=7 * 86400).state == "ok"
    assert assess(weekly, NOW).state == "stale"
    never_new = assess([run(20 * day, new=0), run(1, new=0)], NOW)
    assert never_new.state == "stale" and "no new article ever" in never_new.detail


# ------------------------------------------------------------------ stored transitions, notices

REGISTRY = {
    "sources": [
        {"name": "portal", "family": "govcms", "listings": ["http://127.0.0.1:9/x"], "schedule": "every 2h"}
    ]
}
RULES = {  # English notices here; the real-source test below reads the Vietnamese default
    "settings": {"language": "en"},
    "operators": ["ops@example.org", "ops2@example.org"],
    "recipients": [{"email": "boss@example.org", "scope": {"all": True}}],
    "rules": [],
}


def add(db, source: str, start: dt.datetime, status: str, new: int = 1, fallback: float | None = 0.0) -> None:
    rid = store.start_run(db, source, start)
    store.finish_run(
        db,
        rid,
        {"status": status, "new_articles": new, "fallback_share": fallback},
        start + dt.timedelta(minutes=2),
    )


def outbox(db) -> list[tuple]:
    return db.execute("SELECT recipient, kind, subject, digest_key FROM outbox ORDER BY id").fetchall()


def test_break_and_recover_gives_one_notice_each_way(tmp_path: Path):
    db = open_db(tmp_path / "bw.db")
    reg, rules = parse_registry(REGISTRY), parse_rules(RULES)
    t = NOW
    add(db, "portal", t, "ok")
    assert update_health(db, reg, rules, t)[0]["to"] == "ok"
    assert outbox(db) == []  # unknown → ok: nothing to say
    for i in range(1, 4):  # it breaks: two failures make it failing, the third changes nothing
        t += dt.timedelta(hours=2)
        add(db, "portal", t, "failed", new=0, fallback=None)
        update_health(db, reg, rules, t)
        update_health(db, reg, rules, t + dt.timedelta(minutes=1))  # checked again (e.g. by the alerts job)
        if i == 1:
            assert outbox(db) == []
    rows = outbox(db)
    assert [(r[0], r[1]) for r in rows] == [("ops@example.org", "operator"), ("ops2@example.org", "operator")]
    assert all("is failing" in r[2] for r in rows)
    state = db.execute(
        "SELECT state, since, notified_at FROM source_health WHERE source = 'portal'"
    ).fetchone()
    assert state[0] == "failing" and state[1] == state[2]
    for _ in range(2):  # it recovers: one recovery notice, however often it is checked
        t += dt.timedelta(hours=2)
        add(db, "portal", t, "ok")
        update_health(db, reg, rules, t)
    rows = outbox(db)
    assert len(rows) == 4 and all("recovered" in r[2] for r in rows[2:])
    assert {r[0] for r in rows} == {"ops@example.org", "ops2@example.org"}  # never the supervisor
    assert all(r[1] == "operator" for r in rows)
    # delivered as .eml (no SMTP configured): 4 files, the failing notice names the source and its state
    out = send_pending(db, t, db_file=tmp_path / "bw.db")
    assert out["sent"] == 4
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 4
    first = email.message_from_bytes(files[0].read_bytes())
    assert first["To"] == "ops@example.org" and "portal" in first["Subject"]
    assert "failing" in first.get_payload(decode=True).decode()
    db.conn.close()


def test_broken_selectors_recovery_then_stale(tmp_path: Path):
    db = open_db(tmp_path / "bw.db")
    reg, rules = parse_registry(REGISTRY), parse_rules(RULES)
    t = NOW
    add(db, "portal", t, "ok", fallback=0.9)
    add(db, "portal", t + dt.timedelta(hours=2), "ok", fallback=1.0)
    ch = update_health(db, reg, rules, t + dt.timedelta(hours=2))
    assert ch[0]["to"] == "selectors_broken" and ch[0]["queued"] == 2
    t += dt.timedelta(hours=4)
    add(db, "portal", t, "ok", new=0, fallback=None)  # nothing extracted: the selectors' state is unchanged
    assert update_health(db, reg, rules, t) == []
    t += dt.timedelta(hours=2)
    add(db, "portal", t, "ok", fallback=0.0)  # fixed
    assert [(c["from"], c["to"]) for c in update_health(db, reg, rules, t)] == [("selectors_broken", "ok")]
    for day in range(1, 16):  # crawled daily, nothing new for 15 days: stale once
        add(db, "portal", t + dt.timedelta(days=day), "ok", new=0, fallback=None)
        update_health(db, reg, rules, t + dt.timedelta(days=day))
    subjects = [r[2] for r in outbox(db) if r[0] == "ops@example.org"]
    assert subjects == [
        "[briefwatch] source portal selectors stopped matching",
        "[briefwatch] source portal recovered",
        "[briefwatch] source portal has brought nothing new",
    ]
    db.conn.close()


def test_operators_missing_means_no_notice_but_state_kept(tmp_path: Path):
    db = open_db(tmp_path / "bw.db")
    reg, rules = parse_registry(REGISTRY), parse_rules({"rules": []})
    add(db, "portal", NOW, "failed")
    add(db, "portal", NOW + dt.timedelta(hours=2), "failed")
    ch = update_health(db, reg, rules, NOW + dt.timedelta(hours=2))
    assert ch[0]["to"] == "failing" and ch[0]["queued"] == 0
    assert db.execute("SELECT state, notified_at FROM source_health").fetchone() == ("failing", None)
    assert outbox(db) == []
    db.conn.close()


# ------------------------------------------------------------------ a real source breaking and recovering


@pytest.mark.slow
def test_real_source_breaks_and_recovers(tmp_path: Path):
    """A site that stops answering (two real crawls fail) and comes back: one notice each way, via the
    daemon's crawl job."""
    from briefwatch.daemon import Daemon, DaemonConfig
    from tests.sitesrv import SiteServer

    sites = Path(__file__).resolve().parent.parent / "briefwatch" / "demo" / "sites"
    template = (sites.parent / "sources.yaml").read_text(encoding="utf-8")
    (tmp_path / "alerts.yaml").write_text("operators: [ops@example.org]\nrules: []\n", encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    fast = {
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "RETRY_TIMES": "0",
        "DOWNLOAD_TIMEOUT": "3",
    }
    cfg = DaemonConfig(
        db=tmp_path / "bw.db", sources=sources, rules=tmp_path / "alerts.yaml", jitter=0, crawl_settings=fast
    )
    daemon = Daemon(cfg)
    with SiteServer(sites, ["melinh"]) as srv:
        sources.write_text(srv.render(template.split("  - name: demo-hanoimoi")[0]), encoding="utf-8")
        assert daemon.crawl_job("demo-melinh-portal")["status"] == "ok"
    # the server is gone: connection refused on its port
    for _ in range(2):
        assert daemon.crawl_job("demo-melinh-portal")["status"] == "failed"
    with SiteServer(sites, ["melinh"]) as srv:  # back, on another port
        sources.write_text(srv.render(template.split("  - name: demo-hanoimoi")[0]), encoding="utf-8")
        assert daemon.crawl_job("demo-melinh-portal")["status"] == "ok"
    db = open_db(cfg.db)
    try:
        rows = outbox(db)
        assert [r[2] for r in rows] == [
            "[briefwatch] nguồn demo-melinh-portal bị lỗi",
            "[briefwatch] nguồn demo-melinh-portal đã hoạt động lại",
        ]
        body = email.message_from_bytes(
            db.execute("SELECT message FROM outbox ORDER BY id LIMIT 1").fetchone()[0],
            policy=email.policy.default,
        ).get_content()
        assert "2 lần chạy gần nhất đều lỗi" in body and "Kiểm tra bằng lệnh: briefwatch status" in body
        assert db.execute("SELECT state FROM source_health").fetchone()[0] == "ok"
        assert load_registry(sources).names == ["demo-melinh-portal"]
    finally:
        db.conn.close()
