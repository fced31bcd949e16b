"""Shared fixtures: the fixture-site server, a rendered test registry, and crawl runners.

``fixture_sites`` (session) serves tests/fixtures/sites on 127.0.0.1 (see tests/sitesrv.py);
``fixture_registry`` writes tests/fixtures/sites/_sources.yaml with the live base URLs into a tmp dir;
``run_briefwatch_crawl`` / ``run_scrapy_crawl`` run real subprocesses with fast test settings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sitesrv import SiteServer

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "tests" / "fixtures" / "sites"
BRIEFWATCH = ROOT / ".venv" / "bin" / "briefwatch"

# no delays, short timeouts, one retry with a tiny backoff: the fault site takes ~3 s
FAST_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "DOWNLOAD_TIMEOUT": "1",
    "RETRY_TIMES": "1",
    "BRIEFWATCH_RETRY_BACKOFF": "0.05",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LOGSTATS_INTERVAL": "0",
}


@pytest.fixture(scope="session")
def fixture_sites():
    with SiteServer(SITES) as srv:
        yield srv


def write_registry(srv: SiteServer, directory: Path, template: Path = SITES / "_sources.yaml") -> Path:
    path = directory / "sources.yaml"
    path.write_text(srv.render(template.read_text(encoding="utf-8")), encoding="utf-8")
    return path


@pytest.fixture
def fixture_registry(fixture_sites, tmp_path) -> Path:
    return write_registry(fixture_sites, tmp_path)


def settings_args(extra: dict | None = None) -> list[str]:
    args: list[str] = []
    for k, v in {**FAST_SETTINGS, **(extra or {})}.items():
        args += ["-s", f"{k}={v}"]
    return args


def run_briefwatch_crawl(
    db: Path, registry: Path, *names: str, extra: dict | None = None, timeout: float = 120
):
    """``briefwatch --db DB --sources REGISTRY crawl -q NAMES`` as a real subprocess."""
    cmd = [
        str(BRIEFWATCH),
        "--db",
        str(db),
        "--sources",
        str(registry),
        "crawl",
        "-q",
        *settings_args(extra),
        *names,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def run_scrapy_crawl(
    db: Path, registry: Path, family: str, source: str, extra: dict | None = None, timeout: float = 120
):
    """``python -m scrapy crawl FAMILY -a source=SOURCE`` as a real subprocess (its own crawl_runs row)."""
    env = {**os.environ, "BRIEFWATCH_DB": str(db), "BRIEFWATCH_SOURCES": str(registry)}
    env.pop("BRIEFWATCH_RUN_ID", None)
    cmd = [sys.executable, "-m", "scrapy", "crawl", family, "-a", f"source={source}", *settings_args(extra)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)


def run_stats(db, source: str) -> list[dict]:
    """The crawl_runs rows of ``source``, oldest first, with ``stats`` parsed."""
    rows = list(db.query("SELECT * FROM crawl_runs WHERE source = ? ORDER BY id", [source]))
    for r in rows:
        r["stats"] = json.loads(r["stats"]) if r["stats"] else {}
    return rows


_ENGINE: bool | None = None


def engine_works() -> bool:
    """Whether the extraction engine finds a plain event."""
    global _ENGINE
    if _ENGINE is None:
        try:
            from briefwatch.extract import extract_article

            out = extract_article(
                "Ngày 12/9/2023, Đảng ủy phường Phúc Đồng tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU."
            )
            _ENGINE = bool(out.get("events"))
        except Exception:  # noqa: BLE001 - not there yet
            _ENGINE = False
    return _ENGINE
