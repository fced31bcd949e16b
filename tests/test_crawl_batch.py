"""Many sources in one crawl process (``run_batch`` / ``python -m briefwatch.batch``), as real subprocesses
against the fixture sites on 127.0.0.1: each source keeps its own row, status, stats, articles, timeout and
lock; a batch killed at its hard timeout leaves no row 'running'; the daemon's ``run_once`` gives the same
rows in batches as with one process per source (batch size 1)."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time

import pytest
import yaml

from briefwatch.commands.crawl import run_batch, run_crawl
from briefwatch.daemon import Daemon, DaemonConfig, make_batches, plan
from briefwatch.sources import load_registry
from db import locks
from db.connect import open_db
from tests.conftest import FAST_SETTINGS, SITES, run_stats

pytestmark = pytest.mark.slow

SLOW = 40  # seconds the slow site takes to answer: far over the per-source timeout


def extra_sources(srv) -> list[dict]:
    return [
        {"name": "failing-feed", "family": "newspaper", "feeds": [f"{srv.base('longbien')}/_fault/500/rss.xml"]},
        {"name": "broken-feed", "family": "newspaper", "feeds": [f"{srv.base('hanoimoi')}/_fault/broken-feed"]},
        {"name": "slow-site", "family": "govcms", "listings": [f"{srv.base('xamelinh')}/_fault/slow/{SLOW}/list"]},
        # a second source of the Mê Linh portal's site: never crawled at the same time as melinh-portal
        {"name": "melinh-again", "family": "liferay", "listings": [f"{srv.base('melinh')}/hoat-dong-dang"]},
    ]  # fmt: skip


@pytest.fixture
def registry(fixture_sites, tmp_path):
    data = yaml.safe_load(fixture_sites.render((SITES / "_sources.yaml").read_text(encoding="utf-8")))
    data["sources"] += extra_sources(fixture_sites)
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def by_source(db) -> dict[str, dict]:
    out = {}
    for r in db.query("SELECT * FROM crawl_runs ORDER BY id"):
        assert r["source"] not in out, f"two rows for {r['source']}"
        out[r["source"]] = {**r, "stats": json.loads(r["stats"]) if r["stats"] else {}}
    return out


def article_counts(db) -> dict[str, int]:
    return dict(db.execute("SELECT source, count(*) FROM articles GROUP BY source").fetchall())


def test_one_batch_each_source_its_own_row_outcome_and_articles(registry, tmp_path):
    names = ["melinh-portal", "failing-feed", "hanoimoi", "broken-feed", "slow-site", "no-such-source"]
    dbp = tmp_path / "bw.db"
    ended: list[str] = []
    out = run_batch(names, dbp, registry, timeout=4, concurrency=3, on_end=lambda s: ended.append(s["source"]),
                    settings={**FAST_SETTINGS, "DOWNLOAD_TIMEOUT": "60"})  # fmt: skip
    summary = {s["source"]: s for s in out}
    assert [s["source"] for s in out] == names
    assert (
        summary["no-such-source"]["status"] == "error"
        and "no-such-source" in summary["no-such-source"]["error"]
    )
    db = open_db(dbp)
    rows = by_source(db)
    assert set(rows) == set(names) - {"no-such-source"}  # one row per source crawled
    assert {n: r["status"] for n, r in rows.items()} == {
        "melinh-portal": "ok",
        "hanoimoi": "ok",
        "failing-feed": "failed",  # every request failed (HTTP 500)
        "broken-feed": "ok",  # a broken feed is an error counted, as in a process of its own
        "slow-site": "timeout",  # closed at its timeout; the slow answer never came
    }
    assert all(r["ended_at"] for r in rows.values())
    assert {n: s["status"] for n, s in summary.items() if n in rows} == {
        n: r["status"] for n, r in rows.items()
    }
    assert rows["failing-feed"]["stats"]["briefwatch/errors/feed_http_500"] == 1
    assert rows["broken-feed"]["stats"]["briefwatch/errors/feed_broken"] == 1
    assert rows["slow-site"]["stats"]["finish_reason"] == "timeout"
    # the slow site's request was cut at the source's deadline, not at the site's 30 s
    assert summary["slow-site"]["seconds"] < SLOW - 5
    counts = article_counts(db)
    assert counts["melinh-portal"] == rows["melinh-portal"]["new_articles"] > 0
    assert counts["hanoimoi"] == rows["hanoimoi"]["new_articles"] > 0
    assert set(counts) == {"melinh-portal", "hanoimoi"}
    assert sorted(ended) == sorted(rows)  # each crawled source reported as it ended
    db.conn.close()


def test_batch_rows_equal_one_process_per_source(registry, tmp_path):
    names = [
        "melinh-portal",
        "xamelinh-portal",
        "hanoimoi",
        "failing-feed",
        "broken-feed",
    ]  # faults: no retries
    keys = ("status", "requests", "new_articles", "events", "errors", "fallback_share")
    results = {}
    for mode in ("batch", "single"):
        dbp = tmp_path / f"{mode}.db"
        if mode == "batch":
            # one at a time: an article two sources publish is the first one's in both modes
            run_batch(names, dbp, registry, timeout=60, concurrency=1, settings=FAST_SETTINGS)
        else:
            for n in names:
                run_crawl(n, dbp, registry, timeout=60, settings=FAST_SETTINGS)
        db = open_db(dbp)
        results[mode] = (
            {n: {k: r[k] for k in keys} for n, r in by_source(db).items()},
            sorted(db.execute("SELECT source, url, title, published FROM articles").fetchall()),
            db.execute("SELECT count(*) FROM events").fetchone()[0],
        )
        db.conn.close()
    assert results["batch"] == results["single"]


def test_sources_of_one_site_never_run_at_the_same_time(registry, tmp_path):
    dbp = tmp_path / "bw.db"
    run_batch(["melinh-portal", "melinh-again", "hanoimoi"], dbp, registry, timeout=60, concurrency=3,
              settings=FAST_SETTINGS)  # fmt: skip
    db = open_db(dbp)
    rows = by_source(db)
    assert all(r["status"] == "ok" for r in rows.values())
    a, b = (rows[n]["stats"] for n in ("melinh-portal", "melinh-again"))
    spans = sorted((s["start_time"], s["finish_time"]) for s in (a, b))
    assert spans[0][1] <= spans[1][0]  # one after the other, each with the site's per-domain limits
    # the second found the listing unchanged since the first one read it (its validators) or its articles stored
    assert b.get("briefwatch/not_modified", 0) + b.get("briefwatch/skipped_known", 0) > 0
    db.conn.close()


def test_batch_holds_its_sources_locks(registry, tmp_path):
    dbp = tmp_path / "bw.db"
    holder: list[dict] = []
    t = threading.Thread(
        target=lambda: holder.extend(
            run_batch(
                ["slow-site", "hanoimoi"],
                dbp,
                registry,
                timeout=6,
                concurrency=2,
                settings={**FAST_SETTINGS, "DOWNLOAD_TIMEOUT": "60"},
            )  # fmt: skip
        )
    )
    t.start()
    try:
        deadline = time.monotonic() + 20
        while not locks.lock_path(dbp, "slow-site").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1)
        summary = run_crawl("slow-site", dbp, registry, timeout=5, settings=FAST_SETTINGS)
        assert summary["status"] == "busy" and "already running" in summary["error"]
        with pytest.raises(locks.SourceBusy):
            locks.acquire(dbp, "hanoimoi")
    finally:
        t.join(timeout=60)
    assert {s["source"]: s["status"] for s in holder} == {"slow-site": "timeout", "hanoimoi": "ok"}
    os.close(locks.acquire(dbp, "slow-site"))  # released with the batch
    # the locks live in one directory beside the database, not as one file per source beside it
    assert sorted(p.name for p in (tmp_path / "bw.db.locks").iterdir()) == [
        "crawl-hanoimoi.lock",
        "crawl-slow-site.lock",
    ]
    assert not list(tmp_path.glob("*.lock"))


def test_batch_killed_at_its_hard_timeout_leaves_no_row_running(registry, tmp_path):
    dbp = tmp_path / "bw.db"
    slow2 = {"name": "slow-two", "family": "govcms", "listings": [str(load_registry(registry).get("slow-site").listings[0].url).replace("/list", "/other")]}  # fmt: skip
    data = yaml.safe_load(registry.read_text(encoding="utf-8"))
    data["sources"].append(slow2)
    registry.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    # one source at a time, each allowed 60 s, the batch 4 s: killed while the first is crawled
    out = run_batch(["slow-site", "slow-two"], dbp, registry, timeout=60, concurrency=1, batch_timeout=4,
                    kill_grace=2, settings={**FAST_SETTINGS, "DOWNLOAD_TIMEOUT": "60"})  # fmt: skip
    assert [s["status"] for s in out] == ["timeout", "killed"]  # started and cut / never started
    db = open_db(dbp)
    assert [r["status"] for r in run_stats(db, "slow-site")] == ["timeout"]
    assert [r["status"] for r in run_stats(db, "slow-two")] == ["killed"]
    assert (
        db.execute("SELECT count(*) FROM crawl_runs WHERE status = 'running' OR ended_at IS NULL").fetchone()[
            0
        ]
        == 0
    )
    # the one never started is due again at once (an interrupted run)
    cfg = DaemonConfig(db=dbp, sources=registry, rules=tmp_path / "none.yaml")
    now = dt.datetime.now(dt.UTC)
    jobs = {j["id"]: j for j in plan(db, load_registry(registry), cfg, now)}
    assert jobs["crawl:slow-two"]["due"]
    db.conn.close()


def test_make_batches_keeps_a_site_together(registry):
    reg = load_registry(registry)
    names = ["melinh-portal", "hanoimoi", "melinh-again", "longbien-portal", "xamelinh-portal", "broken-feed"]
    batches = make_batches(names, reg, 2)
    assert sorted(n for b in batches for n in b) == sorted(names)
    assert all(len(b) <= 2 for b in batches)
    # melinh-portal + melinh-again share a site; hanoimoi + broken-feed too
    assert any({"melinh-portal", "melinh-again"} <= set(b) for b in batches)
    assert any({"hanoimoi", "broken-feed"} <= set(b) for b in batches)
    assert make_batches(names, reg, 1) == [["melinh-portal", "melinh-again"], ["hanoimoi", "broken-feed"],
                                           ["longbien-portal"], ["xamelinh-portal"]]  # fmt: skip


@pytest.mark.parametrize("batch", [1, 3])
def test_daemon_run_once_in_batches_or_one_process_each(registry, tmp_path, batch):
    (tmp_path / "alerts.yaml").write_text(
        (SITES.parent.parent.parent / "alerts.yaml").read_text(encoding="utf-8")
    )
    cfg = DaemonConfig(
        db=tmp_path / "bw.db", sources=registry, rules=tmp_path / "alerts.yaml", jitter=0, max_crawls=2,
        crawl_batch=batch, batch_concurrency=2, crawl_timeout=15, send=False,
        crawl_settings={**FAST_SETTINGS, "DOWNLOAD_TIMEOUT": "60"},
    )  # fmt: skip
    open_db(cfg.db).conn.close()
    d = Daemon(cfg)
    assert d.batching == (batch > 1)
    out = d.run_once()
    names = [s.name for s in load_registry(registry).sources if s.enabled]
    assert sorted(s["source"] for s in out["crawls"]) == sorted(names)
    db = open_db(cfg.db)
    rows = by_source(db)
    assert set(rows) == set(names)
    assert rows["slow-site"]["status"] == "timeout" and rows["failing-feed"]["status"] == "failed"
    assert all(rows[n]["status"] == "ok" for n in ("melinh-portal", "hanoimoi", "xamelinh-portal"))
    assert article_counts(db)["melinh-portal"] > 0
    health = dict(db.execute("SELECT source, state FROM source_health").fetchall())
    assert set(health) >= set(names)
    # nothing is due again right after the cycle but the interrupted/failed ones by their own rules
    again = d.run_once()
    assert "crawl:melinh-portal" not in again["due"]
    db.conn.close()
