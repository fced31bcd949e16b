"""Crawls that die: SIGKILL mid-run then rerun, timeouts, interrupted pagination; and the direct
``scrapy crawl`` entry point."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from briefwatch.commands.crawl import run_crawl
from db import store
from db.connect import open_db
from tests.conftest import FAST_SETTINGS, ROOT, run_scrapy_crawl, run_stats, settings_args

pytestmark = pytest.mark.slow


def counts(db) -> dict:
    return {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("articles", "article_sources", "events", "event_evidence")
    }


def test_sigkill_mid_crawl_then_rerun_loses_and_duplicates_nothing(fixture_registry, tmp_path):
    dbp = tmp_path / "bw.db"
    db = open_db(dbp)
    env = {**os.environ, "BRIEFWATCH_DB": str(dbp), "BRIEFWATCH_SOURCES": str(fixture_registry)}
    slow = {"DOWNLOAD_DELAY": "0.5", "CONCURRENT_REQUESTS_PER_DOMAIN": "1", "RANDOMIZE_DOWNLOAD_DELAY": "0"}
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "liferay",
        "-a",
        "source=melinh-portal",
        *settings_args(slow),
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if db.execute("SELECT count(*) FROM articles").fetchone()[0] >= 2:
                break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    killed = counts(db)
    assert 2 <= killed["articles"] < 6
    assert killed["article_sources"] == killed["articles"]  # whole articles or nothing
    (run,) = run_stats(db, "melinh-portal")
    assert run["status"] == "running"

    summary = run_crawl("melinh-portal", dbp, fixture_registry, timeout=60, settings=FAST_SETTINGS)
    assert summary["status"] == "ok", summary["log_tail"]
    runs = run_stats(db, "melinh-portal")
    assert [r["status"] for r in runs] == ["killed", "ok"]
    assert runs[1]["stats"]["briefwatch/full_walk"] == 1
    assert summary["new_articles"] == 6 - killed["articles"]
    final = counts(db)
    assert final["articles"] == final["article_sources"] == 6
    assert db.execute("SELECT count(*) - count(DISTINCT url) FROM articles").fetchone()[0] == 0
    assert (
        db.execute(
            "SELECT count(*) FROM event_evidence GROUP BY event_id, article_id HAVING count(*) > 1"
        ).fetchall()
        == []
    )
    db.conn.close()


def _forget(db, url_suffix: str) -> None:
    """Remove an article as if it had never been stored (cascades to its links and evidence)."""
    with store.transaction(db):
        db.execute("DELETE FROM articles WHERE url LIKE ?", ["%" + url_suffix])


def test_pagination_after_an_interrupted_run_walks_to_the_depth_limit(
    fixture_sites, fixture_registry, tmp_path
):
    dbp = tmp_path / "bw.db"
    page2_article = "chi-bo-thon-hau-sinh-hoat-chuyen-de-chi-thi-45-ct-tw-202509051000004.htm"
    assert run_crawl("xamelinh-portal", dbp, fixture_registry, 60, settings=FAST_SETTINGS)["status"] == "ok"
    db = open_db(dbp)
    _forget(db, page2_article)
    # previous run clean: page 1 holds nothing new (and answers 304), so page 2 is not read
    fixture_sites.clear()
    assert (
        run_crawl("xamelinh-portal", dbp, fixture_registry, 60, settings=FAST_SETTINGS)["new_articles"] == 0
    )
    assert [p for _, p, _ in fixture_sites.requests("xamelinh")] == ["/robots.txt", "/cong-tac-dang"]
    # a run that died ('running' left behind): the next run walks every page and recovers the article
    store.start_run(db, "xamelinh-portal", store.dt.datetime.now(store.dt.UTC))
    fixture_sites.clear()
    summary = run_crawl("xamelinh-portal", dbp, fixture_registry, 60, settings=FAST_SETTINGS)
    assert summary["new_articles"] == 1
    paths = [p for _, p, s in fixture_sites.requests("xamelinh")]
    assert "/cong-tac-dang/trang-2.htm" in paths and f"/cong-tac-dang/{page2_article}" in paths
    assert [r["status"] for r in run_stats(db, "xamelinh-portal")] == ["ok", "ok", "killed", "ok"]
    db.conn.close()


def test_timeout_kills_the_process_group_and_is_recorded(fixture_sites, tmp_path):
    registry = tmp_path / "sources.yaml"
    base = fixture_sites.base("xamelinh")
    registry.write_text(
        yaml.safe_dump(
            {
                "sources": [
                    {"name": "slow-site", "family": "govcms", "listings": [f"{base}/_fault/slow/20/list"]}
                ]
            }
        ),
        encoding="utf-8",
    )
    dbp = tmp_path / "bw.db"
    t0 = time.monotonic()
    summary = run_crawl(
        "slow-site",
        dbp,
        registry,
        timeout=3,
        settings={**FAST_SETTINGS, "DOWNLOAD_TIMEOUT": "60"},
        kill_grace=3,
    )
    assert time.monotonic() - t0 < 15
    assert summary["status"] == "timeout" and summary["returncode"] != 0
    db = open_db(dbp)
    (run,) = run_stats(db, "slow-site")
    assert run["status"] == "timeout" and run["ended_at"]
    db.conn.close()


def test_scrapy_crawl_directly_records_its_own_run(fixture_registry, tmp_path):
    dbp = tmp_path / "bw.db"
    res = run_scrapy_crawl(dbp, fixture_registry, "govcms", "xamelinh-portal")
    assert res.returncode == 0, res.stderr[-2000:]
    db = open_db(dbp)
    (run,) = run_stats(db, "xamelinh-portal")
    assert (run["status"], run["new_articles"], run["errors"]) == ("ok", 4, 0)
    assert run["requests"] == 7 and run["stats"]["finish_reason"] == "finished"
    db.conn.close()


def test_scrapy_crawl_with_the_wrong_family_fails_clearly(fixture_registry, tmp_path):
    res = run_scrapy_crawl(tmp_path / "bw.db", fixture_registry, "liferay", "hanoimoi")
    assert res.returncode != 0
    assert "is of family 'newspaper'" in res.stderr
    res = run_scrapy_crawl(tmp_path / "bw.db", fixture_registry, "liferay", "nope")
    assert res.returncode != 0 and "no valid source 'nope'" in res.stderr
