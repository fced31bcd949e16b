"""``briefwatch directives add|list|watch|unwatch|reset`` through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from briefwatch.cli import cli
from tests.test_alerts_fixtures import RULES_YAML, World


def _run(tmp_path, *args: str, ok: bool = True):
    rules = tmp_path / "alerts.yaml"
    if not rules.exists():
        rules.write_text(RULES_YAML, encoding="utf-8")
    res = CliRunner().invoke(cli, ["--db", str(tmp_path / "bw.db"), "--rules", str(rules), *args], obj={})
    assert (res.exit_code == 0) == ok, res.output + str(res.exception)
    return res


def test_add_list_watch_unwatch(tmp_path):
    w = World(tmp_path / "bw.db")
    w.document("24-CT/TU", "2023-08-07", "kỷ cương", "Ban Thường vụ Thành ủy Hà Nội")
    w.document("3-KH/HU", "2023-08-07", type_="ke_hoach")

    res = _run(tmp_path, "directives", "list", "--json")
    rows = [json.loads(x) for x in res.stdout.splitlines()]
    assert [r["code"] for r in rows] == ["24-CT/TU"]
    assert rows[0]["watched_by"] == {"commune-briefing": "rule"}

    res = _run(
        tmp_path, "directives", "add", "25-ct/tu", "--issued", "2023-09-20", "--title", "Về công tác <cán bộ>"
    )
    assert "25-CT/TU: watched" in res.output
    res = _run(tmp_path, "directives", "list", "--json")
    rows = {r["code"]: r for r in map(json.loads, res.stdout.splitlines())}
    assert rows["25-CT/TU"]["issued"] == "2023-09-20" and rows["25-CT/TU"]["title"] == "Về công tác <cán bộ>"
    assert rows["25-CT/TU"]["watched_by"] == {"commune-briefing": "manual"}

    _run(tmp_path, "directives", "watch", "3-KH/HU")
    _run(tmp_path, "directives", "unwatch", "24-CT/TU")
    res = _run(tmp_path, "directives", "list")
    codes = [line.split("\t")[0] for line in res.stdout.splitlines()]
    assert sorted(codes) == ["25-CT/TU", "3-KH/HU"]
    res = _run(tmp_path, "directives", "list", "--all")
    assert "24-CT/TU\t?\t2023-08-07\tunwatched" in res.stdout  # "?": issuer unit unresolved

    _run(tmp_path, "directives", "reset", "24-CT/TU")
    res = _run(tmp_path, "directives", "list", "--json")
    assert "24-CT/TU" in {json.loads(x)["code"] for x in res.stdout.splitlines()}

    # a correction of an extracted issue date wins over it, without editing the documents row
    _run(tmp_path, "directives", "add", "24-CT/TU", "--issued", "2023-08-09")
    assert w.db.execute("SELECT issued FROM documents WHERE code = '24-CT/TU'").fetchone()[0] == "2023-08-07"
    rows = {
        r["code"]: r
        for r in map(json.loads, _run(tmp_path, "directives", "list", "--json").stdout.splitlines())
    }
    assert rows["24-CT/TU"]["issued"] == "2023-08-09"


def test_bad_input_gives_clear_errors(tmp_path):
    World(tmp_path / "bw.db")
    res = _run(tmp_path, "directives", "add", "24-CT", "--issued", "2023-08-07", ok=False)
    assert "full code" in res.output
    res = _run(tmp_path, "directives", "add", "24-CT/TU", "--issued", "07/08/2023", ok=False)
    assert "not an ISO date" in res.output
    res = _run(tmp_path, "directives", "watch", "99-CT/TU", ok=False)
    assert "unknown document" in res.output
    res = _run(tmp_path, "directives", "add", "24-CT/TU", "--rule", "nope", ok=False)
    assert "unknown rule" in res.output
