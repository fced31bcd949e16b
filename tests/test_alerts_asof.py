"""``alerts evaluate --as-of`` (issue #12, item 4): a future day is refused unless --dry-run; --dry-run writes
nothing; a day before the latest one already evaluated is refused, so a replay never changes what later
evaluations send. Real CLI on a real SQLite file."""

from __future__ import annotations

import json

from tests.test_alerts_cli import _run, _world


def _counts(w) -> tuple[int, int, int]:
    db = w.db
    return tuple(
        db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("alert_states", "outbox", "alert_runs")
    )


def test_a_future_day_is_refused_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("BRIEFWATCH_SMTP_URL", raising=False)
    w = _world(tmp_path)
    res = _run(tmp_path, "alerts", "evaluate", "--as-of", "2099-01-01", ok=False)
    assert "refusing --as-of 2099-01-01" in res.output and "--dry-run" in res.output
    assert _counts(w) == (0, 0, 0)


def test_dry_run_prints_what_it_would_do_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("BRIEFWATCH_SMTP_URL", raising=False)
    w = _world(tmp_path)
    res = _run(tmp_path, "alerts", "evaluate", "--as-of", "2099-01-01", "--dry-run")
    summary = json.loads(res.stdout.splitlines()[0])
    assert summary["dry_run"] is True and summary["notifications"]["overdue"] == 2
    assert summary["digests_queued"] == 2
    assert _counts(w) == (0, 0, 0)


def test_after_a_dry_run_the_real_day_sends_as_if_it_never_happened(tmp_path, monkeypatch):
    monkeypatch.delenv("BRIEFWATCH_SMTP_URL", raising=False)
    _world(tmp_path)
    _run(tmp_path, "alerts", "evaluate", "--as-of", "2099-01-01", "--dry-run")
    real = json.loads(_run(tmp_path, "alerts", "evaluate", "--as-of", "2023-09-07").stdout.splitlines()[0])
    assert real["notifications"]["overdue"] == 2 and real["digests_queued"] == 2


def test_an_earlier_day_than_the_latest_evaluated_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("BRIEFWATCH_SMTP_URL", raising=False)
    w = _world(tmp_path)
    _run(tmp_path, "alerts", "evaluate", "--as-of", "2023-09-07")
    before = _counts(w)
    states = w.db.execute("SELECT rule, document, unit, state, last_notified_at FROM alert_states").fetchall()
    res = _run(tmp_path, "alerts", "evaluate", "--as-of", "2023-08-25", ok=False)
    assert "already evaluated as of 2023-09-07" in res.output
    assert _counts(w) == before
    assert (
        w.db.execute("SELECT rule, document, unit, state, last_notified_at FROM alert_states").fetchall()
        == states
    )
    # a dry run of that earlier day is allowed and still writes nothing
    _run(tmp_path, "alerts", "evaluate", "--as-of", "2023-08-25", "--dry-run")
    assert _counts(w) == before


def test_list_says_when_a_document_or_rule_does_not_exist(tmp_path, monkeypatch):
    monkeypatch.delenv("BRIEFWATCH_SMTP_URL", raising=False)
    _world(tmp_path)
    _run(tmp_path, "alerts", "evaluate", "--as-of", "2023-09-07")
    res = _run(tmp_path, "alerts", "list", "--document", "99-CT/TU", ok=False)
    assert "no document 99-CT/TU" in res.output
    res = _run(tmp_path, "alerts", "list", "--rule", "nope", ok=False)
    assert "no rule 'nope'" in res.output
    res = _run(tmp_path, "alerts", "list", "--document", "24-ct/tu", "--json")  # any case: the stored code
    assert {json.loads(x)["document"] for x in res.stdout.splitlines()} == {"24-CT/TU"}
