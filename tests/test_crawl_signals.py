"""Crawls and their processes (issue #12, items 2 and 3), with real daemons, real `briefwatch crawl` processes,
real signals and the demo's fixture sites on 127.0.0.1 (one of them answers slowly)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from briefwatch.daemon import crawl_processes
from tests.test_daemon import (  # noqa: F401
    BRIEFWATCH,
    FAST,
    ROOT,
    SLOW,
    env,
    q,
    runs,
    settled,
    sites,
    start_daemon,
    wait_for,
)

pytestmark = pytest.mark.slow


def test_hand_crawl_during_daemon_crawl_is_refused(env: dict, tmp_path: Path):  # noqa: F811
    """A crawl started by hand while the daemon crawls the same source is refused; the live run is untouched."""
    d = start_daemon(env, tmp_path / "daemon.log")
    try:
        wait_for(lambda: settled(env), 40, "the slow crawl under way")
        live = runs(env)["slow-site"]
        assert live[-1] == "running"
        hand = subprocess.run(
            [str(BRIEFWATCH), "crawl", "-q", *FAST, "slow-site"],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert hand.returncode == 1
        assert "a crawl of slow-site is already running (pid" in hand.stderr
        assert "busy" in hand.stdout  # its line of the summary table
        # the daemon's run is untouched and finishes cleanly
        wait_for(lambda: runs(env)["slow-site"][-1] != "running", SLOW + 30, "the daemon's crawl to end")
        assert runs(env)["slow-site"] == ["ok", "ok"]
    finally:
        d.send_signal(signal.SIGTERM)
        d.wait(timeout=60)
    assert not [
        s for (s,) in q(env, "SELECT subject FROM outbox WHERE kind = 'operator'") if "failing" in s.lower()
    ]


def test_sigterm_to_briefwatch_crawl_stops_its_scrapy_child_and_records_stopped(env: dict, tmp_path: Path):  # noqa: F811
    proc = subprocess.Popen(
        [str(BRIEFWATCH), "crawl", "-q", *FAST, "slow-site"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        child = wait_for(
            lambda: [p for p in crawl_processes() if p["ppid"] == proc.pid], 20, "the scrapy child"
        )[0]
        wait_for(lambda: runs(env)["slow-site"][-1] == "running", 20, "the run row")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    wait_for(lambda: not os.path.exists(f"/proc/{child['pid']}"), 20, "the scrapy child to end")
    assert runs(env)["slow-site"] == ["ok", "stopped"]
    stats = json.loads(
        q(env, "SELECT stats FROM crawl_runs WHERE source = 'slow-site' ORDER BY id DESC")[0][0] or "{}"
    )
    assert stats.get("finish_reason") in (None, "shutdown")
    # the lock went with the crawl: the next crawl of the source runs
    again = subprocess.run(
        [str(BRIEFWATCH), "crawl", "-q", *FAST, "slow-site"], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-1500:]
    assert runs(env)["slow-site"] == ["ok", "stopped", "ok"]
