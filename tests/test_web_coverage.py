"""The read-only web view, for real: `briefwatch serve` as a subprocess on a free 127.0.0.1 port, the
coverage page rendered by headless Debian chromium (DOM dump and a screenshot in test-artifacts/)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.test_analysts_fixture import DOC_NEW, EXPECTED_NEW, SCRIPT_TITLE, SUBJECT_MARKUP, build_fixture_db

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
BIN = Path(sys.executable).parent
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = build_fixture_db(tmp_path_factory.mktemp("web") / "briefwatch.db")
    port = _free_port()
    log = tmp_path_factory.mktemp("log") / "serve.log"
    with open(log, "wb") as logf:
        proc = subprocess.Popen(
            [str(BIN / "briefwatch"), "--db", str(db), "serve", "--port", str(port)],
            stdout=logf,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if _get(base + "/-/versions.json", timeout=2)[0] == 200:
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"briefwatch serve did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    yield {"base": base, "db": db, "proc": proc}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _chromium() -> str:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("Debian's chromium is not installed and scripts/ensure-chromium could not install it")
    return exe


def _run_chromium(args: list[str], timeout: float = 90) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="bw-chromium-") as profile:
        return subprocess.run(
            [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            timeout=timeout,
        )


def test_coverage_page_in_chromium_shows_numbers_escaped_text_and_screenshot(server):
    url = f"{server['base']}/-/coverage/{DOC_NEW}"
    res = _run_chromium(["--dump-dom", url])
    assert res.returncode == 0, res.stderr.decode(errors="replace")[-2000:]
    soup = BeautifulSoup(res.stdout.decode("utf-8"), "html.parser")

    assert soup.select_one("#briefed-count").get_text(strip=True) == "97/126"
    for status, n in EXPECTED_NEW.items():
        chip = soup.select_one(f"#count-{status}")
        assert chip is not None and chip["data-count"] == str(n), status
        assert len(soup.select(f"li.tile[data-status={status}]")) == n, status
        assert len(soup.select(f"tr.unit-row[data-status={status}]")) == n, status
    assert len(soup.select("li.tile")) == 126

    # scraped markup is shown as text, never run or parsed
    assert not any("xss" in s.get_text() for s in soup.find_all("script"))
    evidence = [a.get_text() for a in soup.select("a.evidence")]
    assert SCRIPT_TITLE in evidence
    subject = soup.select_one("p.subject")
    assert SUBJECT_MARKUP in subject.get_text() and subject.find("b") is None
    # briefed units link to their evidence; unbriefed ones have no link
    for tile in soup.select("li.tile[data-status=briefed]"):
        assert tile.a is not None and tile.a["href"].startswith("https://thanhuyhanoi.vn/")
    for tile in soup.select("li.tile[data-status=overdue]"):
        assert tile.a is None

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "coverage.png"
    shot.unlink(missing_ok=True)
    res = _run_chromium(["--hide-scrollbars", "--window-size=1280,1500", f"--screenshot={shot}", url])
    assert res.returncode == 0, res.stderr.decode(errors="replace")[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_legacy_document_uses_gazetteer_and_partial_codes(server):
    status, body = _get(f"{server['base']}/-/coverage/24-CT/TU")
    assert status == 200
    soup = BeautifulSoup(body.decode("utf-8"), "html.parser")
    # 30 districts + 526 communes of Hanoi on the issue date; Tiền Phong briefed under the partial 24-CT
    assert soup.select_one("#briefed-count").get_text(strip=True) == "4/556"
    briefed = {r.td.get_text() for r in soup.select("tr.unit-row[data-status=briefed]")}
    assert briefed == {"huyện Mê Linh", "thị trấn Quang Minh", "xã Đại Thịnh", "xã Tiền Phong"}


def test_index_search_and_read_only(server):
    base = server["base"]
    status, body = _get(f"{base}/-/coverage")
    assert status == 200 and b"/-/coverage/05-CT/TU" in body
    page = body.decode("utf-8")
    assert "Tình hình quán triệt văn bản" in page and "01/08/2025" in page  # Vietnamese, dd/mm/yyyy (#11)
    assert _get(f"{base}/-/coverage/99-XX/YY")[0] == 404
    queries = json.loads(_get(f"{base}/briefwatch.json")[1])["queries"]
    assert "Đơn vị quá hạn" in {q["title"] for q in queries}  # canned-query titles in Vietnamese

    q = urllib.parse.urlencode({"q": "quan triet chi thi 24", "_shape": "array"})
    status, body = _get(f"{base}/briefwatch/search.json?{q}")
    assert status == 200, body[:500]
    titles = [r["title"] for r in json.loads(body)]
    assert "Xã Tiền Phong quán triệt Chỉ thị 24" in titles
    q = urllib.parse.urlencode({"document": "24-ct/tu", "_shape": "array"})
    rows = json.loads(_get(f"{base}/briefwatch/coverage_by_district.json?{q}")[1])
    assert {(r["district"], r["units_briefed"]) for r in rows} == {("Mê Linh", 3), ("(no district)", 1)}
    q = urllib.parse.urlencode({"document": "24-ct/tu", "issuer_unit": "Tỉnh Nghệ An", "_shape": "array"})
    assert json.loads(_get(f"{base}/briefwatch/coverage_by_district.json?{q}")[1]) == []

    # writes are refused and change nothing
    n_before = json.loads(
        _get(f"{base}/briefwatch.json?sql=select+count(*)+as+n+from+articles&_shape=array")[1]
    )
    status, _ = _get(f"{base}/briefwatch.json?sql=" + urllib.parse.quote("delete from articles"))
    assert status >= 400
    n_after = json.loads(
        _get(f"{base}/briefwatch.json?sql=select+count(*)+as+n+from+articles&_shape=array")[1]
    )
    assert n_before == n_after and n_after[0]["n"] > 100


def test_pages_in_english_on_request(tmp_path):
    db = build_fixture_db(tmp_path / "briefwatch.db")
    res = subprocess.run(
        [str(BIN / "briefwatch"), "--db", str(db), "serve", "--language", "en", "--get", "/-/coverage"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "Coverage of directives" in res.stdout and "2025-08-01" in res.stdout
