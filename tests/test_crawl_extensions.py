"""Which Scrapy extensions a real crawl enables (issue #12, item 9): none that listens on the network or runs
code sent to it, and nothing written to the user's home."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT, settings_args, write_registry

pytestmark = pytest.mark.slow

# with the tests' fast settings; a production crawl adds AutoThrottle and LogStats (turned off by those settings)
EXPECTED = {
    "scrapy.extensions.corestats.CoreStats",
    "scrapy.extensions.logcount.LogCount",
    "scrapy.extensions.memusage.MemoryUsage",
    "pipelines.runstats.RunStatsExtension",
}


def test_a_crawl_enables_only_the_extensions_we_use(fixture_sites, tmp_path):
    registry = write_registry(fixture_sites, tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "BRIEFWATCH_DB": str(tmp_path / "bw.db"),
        "BRIEFWATCH_SOURCES": str(registry),
    }
    env.pop("BRIEFWATCH_RUN_ID", None)
    cmd = [sys.executable, "-m", "scrapy", "crawl", "liferay", "-a", "source=melinh-portal", *settings_args()]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    m = re.search(r"Enabled extensions:\s*(\[.*?\])", out.stderr, re.S)
    assert m, out.stderr[-2000:]
    enabled = set(ast.literal_eval(m.group(1)))
    assert enabled == EXPECTED
    assert "RemoteControl" not in out.stderr and "TelnetConsole" not in out.stderr
    assert list(home.rglob("*")) == []  # no token or job files under the home directory
