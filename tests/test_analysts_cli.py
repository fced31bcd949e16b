"""`briefwatch export`, `briefwatch search` and `briefwatch serve --get`, through click and as a subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefwatch.cli import cli
from tests.test_analysts_fixture import DOC_NEW, SCRIPT_TITLE, build_fixture_db

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def dbpath(tmp_path_factory):
    return build_fixture_db(tmp_path_factory.mktemp("cli") / "briefwatch.db")


def run(dbpath, *args):
    res = CliRunner().invoke(cli, ["--db", str(dbpath), *args], obj={})
    return res


def test_export_coverage_csv_for_one_document(dbpath):
    res = run(dbpath, "export", "coverage", "--format", "csv", "--document", "24-ct/tu")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert {r["unit"] for r in rows} == {
        "huyện Mê Linh",
        "thị trấn Quang Minh",
        "xã Đại Thịnh",
        "xã Tiền Phong",
    }
    assert {r["document"] for r in rows} == {"24-CT/TU"}
    tp = next(r for r in rows if r["unit"] == "xã Tiền Phong")
    assert (tp["first_date"], tp["events"]) == ("2023-10-01", "2")
    assert "exported 4 coverage rows to stdout" in res.stderr


def test_export_events_json_includes_partial_codes(dbpath):
    res = run(dbpath, "export", "events", "--format", "json", "--document", "24-CT/TU")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert {r["document"] for r in rows} == {"24-CT/TU", "24-CT"}
    assert len({r["event_id"] for r in rows}) == 5
    assert set(rows[0]) >= {"event_id", "unit", "district", "document", "kind", "date", "url", "published"}


def test_export_documents_to_file_atomically(dbpath, tmp_path):
    out = tmp_path / "sub" / "docs.json"
    res = run(dbpath, "export", "documents", "--format", "json", "-o", str(out))
    assert res.exit_code == 0, res.output
    docs = {d["code"]: d for d in json.loads(out.read_text(encoding="utf-8"))}
    assert set(docs) == {"24-CT/TU", "24-CT", "25-CT/TU", DOC_NEW}
    assert docs[DOC_NEW]["units_briefed"] == 97
    assert [p.name for p in out.parent.iterdir()] == ["docs.json"]  # no temporary file left


def test_export_bom_for_excel(dbpath, tmp_path):
    out = tmp_path / "c.csv"
    assert run(dbpath, "export", "coverage", "--bom", "-o", str(out)).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfdocument,issuer_unit,document_id,unit,")
    assert len(raw.decode("utf-8-sig").splitlines()) == 1 + 4 + 4 + 2 + 97


def test_export_empty_result_is_valid(dbpath, tmp_path):
    out = tmp_path / "e.json"
    assert (
        run(
            dbpath, "export", "coverage", "--format", "json", "--document", "25-CT/TU", "-o", str(out)
        ).exit_code
        == 0
    )
    assert len(json.loads(out.read_text())) == 2


def test_export_errors_are_clear(dbpath, tmp_path):
    res = run(dbpath, "export", "coverage", "--document", "99-XX/YY")
    assert res.exit_code == 1 and "no document '99-XX/YY'" in res.output
    res = run(dbpath, "export", "nothing")
    assert res.exit_code == 2 and "Invalid value" in res.output
    missing = tmp_path / "missing.db"
    res = CliRunner().invoke(cli, ["--db", str(missing), "export", "events"], obj={})
    assert res.exit_code == 1 and "no database at" in res.output and not missing.exists()


def test_search_command(dbpath):
    res = run(dbpath, "search", "quan triet chi thi 24", "--json")
    assert res.exit_code == 0, res.output
    titles = [json.loads(line)["title"] for line in res.stdout.splitlines()]
    assert "Xã Tiền Phong quán triệt Chỉ thị 24" in titles
    res = run(dbpath, "search", "--", "--")
    assert res.exit_code == 1 and "no words" in res.output


def test_serve_get_renders_coverage_page_escaped(dbpath):
    res = run(dbpath, "serve", "--get", f"/-/coverage/{DOC_NEW}")
    assert res.exit_code == 0, res.output
    html = res.stdout
    assert 'id="briefed-count">97/126<' in html
    assert SCRIPT_TITLE not in html
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html


def test_export_as_a_real_subprocess(dbpath, tmp_path):
    env = dict(os.environ, BRIEFWATCH_DB=str(dbpath))
    out = tmp_path / "cov.csv"
    proc = subprocess.run(
        [str(BIN / "briefwatch"), "export", "coverage", "--document", DOC_NEW, "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 97 and all(r["document"] == DOC_NEW for r in rows)
