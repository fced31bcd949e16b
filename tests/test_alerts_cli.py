"""``briefwatch alerts ...`` through CliRunner, and once as a real subprocess with .eml output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefwatch.cli import cli
from tests.test_alerts_fixtures import MELINH_COMMUNES, RULES_YAML, World, parse

BIN = Path(sys.executable).parent / "briefwatch"


def _world(tmp_path) -> World:
    w = World(tmp_path / "data" / "bw.db")
    w.source("melinh", {"district": "Mê Linh"}, runs=("ok", "ok"))
    w.document("24-CT/TU", "2023-08-07", "kỷ cương")
    for u in MELINH_COMMUNES[:-2]:
        w.event(u, ["24-CT/TU"], "2023-08-20")
    (tmp_path / "alerts.yaml").write_text(RULES_YAML, encoding="utf-8")
    return w


def _run(tmp_path, *args: str, ok: bool = True):
    res = CliRunner().invoke(
        cli,
        ["--db", str(tmp_path / "data" / "bw.db"), "--rules", str(tmp_path / "alerts.yaml"), *args],
        obj={},
    )
    assert (res.exit_code == 0) == ok, res.output + repr(res.exception)
    return res


def test_evaluate_list_silence_send(tmp_path, monkeypatch):
    monkeypatch.delenv("BRIEFWATCH_SMTP_URL", raising=False)
    w = _world(tmp_path)
    res = _run(tmp_path, "alerts", "evaluate", "--as-of", "2023-09-07")
    summary = json.loads(res.stdout.splitlines()[0])
    assert summary["notifications"]["overdue"] == 2 and summary["digests_queued"] == 2
    again = json.loads(_run(tmp_path, "alerts", "evaluate", "--as-of", "2023-09-07").stdout.splitlines()[0])
    assert again["digests_queued"] == 0 and again["changed"] == 0

    res = _run(tmp_path, "alerts", "list", "--state", "overdue", "--json")
    units = sorted(json.loads(x)["unit"] for x in res.stdout.splitlines())
    assert units == sorted(MELINH_COMMUNES[-2:])

    res = _run(
        tmp_path,
        "alerts",
        "silence",
        "--document",
        "24-CT/TU",
        "--unit",
        "xã Tráng Việt",
        "--until",
        "2023-10-01",
        "--reason",
        "sáp nhập",
    )
    assert "silenced 1" in res.output
    res = _run(tmp_path, "alerts", "list")
    assert "xã Tráng Việt\tsilenced\tdue 2023-09-06 until 2023-10-01: sáp nhập" in res.stdout
    res = _run(
        tmp_path,
        "alerts",
        "silence",
        "--document",
        "24-CT/TU",
        "--unit",
        "xã Không Có",
        "--reason",
        "x",
        ok=False,
    )
    assert "nothing to silence" in res.output

    res = _run(tmp_path, "alerts", "send")
    out = json.loads(res.stdout)
    assert out["sent"] == 2 and out["transport"] == f"eml:{tmp_path / 'data' / 'outbox'}"
    emls = sorted((tmp_path / "data" / "outbox").glob("*.eml"))
    assert len(emls) == 2
    assert "24-CT/TU" in parse(emls[0].read_bytes())["Subject"]
    assert _run(tmp_path, "alerts", "outbox").stdout.count("\tsent\t") == 2
    assert json.loads(_run(tmp_path, "alerts", "send").stdout)["sent"] == 0
    assert w.db.execute("SELECT COUNT(*) FROM alert_runs").fetchone()[0] == 2


def test_bad_rules_file_and_dates(tmp_path):
    _world(tmp_path)
    (tmp_path / "alerts.yaml").write_text(RULES_YAML + "\nextra: 1\n", encoding="utf-8")
    res = _run(tmp_path, "alerts", "check", ok=False)
    assert "unknown top-level key(s) extra" in res.output
    res = _run(tmp_path, "alerts", "evaluate", "--as-of", "2023-09-07")  # the good rules still run
    assert json.loads(res.stdout.splitlines()[0])["rule_errors"] == 1
    res = _run(tmp_path, "alerts", "evaluate", "--as-of", "tomorrow", ok=False)
    assert "not an ISO date" in res.output
    (tmp_path / "alerts.yaml").write_text("rules: [", encoding="utf-8")
    res = _run(tmp_path, "alerts", "evaluate", ok=False)
    assert "not valid YAML" in res.output


@pytest.mark.slow
def test_real_subprocess_with_env(tmp_path):
    _world(tmp_path)
    env = {
        **os.environ,
        "BRIEFWATCH_DB": str(tmp_path / "data" / "bw.db"),
        "BRIEFWATCH_RULES": str(tmp_path / "alerts.yaml"),
        "BRIEFWATCH_MAIL_FROM": "Briefwatch <alerts@example.net>",
    }
    env.pop("BRIEFWATCH_SMTP_URL", None)
    p = subprocess.run(
        [str(BIN), "alerts", "evaluate", "--as-of", "2023-09-07", "--send"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    assert lines[0]["digests_queued"] == 2 and lines[1]["sent"] == 2
    emls = list((tmp_path / "data" / "outbox").glob("*.eml"))
    msg = parse(emls[0].read_bytes())
    assert msg["From"] == "Briefwatch <alerts@example.net>" and msg["Message-ID"].endswith("@example.net>")
