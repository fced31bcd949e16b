"""alerts.yaml validation: unknown keys are errors, a bad entry is reported and skipped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from alerts.rules import RulesError, load_rules, load_yaml, parse_rules

REPO = Path(__file__).resolve().parents[1]


def test_shipped_alerts_yaml_is_valid():
    """The shipped example is today's Hanoi (issue #11): city directives to its communes and wards."""
    r = load_rules(REPO / "alerts.yaml")
    assert r.errors == []
    assert r.settings.language == "vi"
    assert {x.name for x in r.rules} == {"xa-phuong-quan-triet", "xa-phuong-trung-uong"}
    rule = r.rule("xa-phuong-quan-triet")
    assert rule.documents.issuer_units == ("thành phố Hà Nội",) and rule.documents.types == ("CT", "NQ")
    assert rule.documents.issued_after == dt.date(2025, 7, 1)
    assert rule.units.levels == ("xa", "phuong") and rule.deadline_days == 30
    assert r.recipients[0].scope.province == "Hà Nội"
    assert "xã Mê Linh" in r.recipients[1].scope.units
    assert r.recipients[2].scope.unit_types == ("phuong",)


def test_bad_entries_are_reported_and_skipped():
    data = load_yaml(
        """
        colour: blue
        operators: [ops@example.org, not-an-address]
        recipients:
          - {email: a@example.org, scope: {district: Mê Linh}}
          - {email: b@example.org, scope: {district: Mê Linh}, cc: c@example.org}
          - {email: nobody, scope: {all: true}}
          - {email: d@example.org, scope: {all: false}}
          - {email: e@example.org, scope: {unit: xã Hát Môn}, rules: [ghost]}
        rules:
          - name: good
            documents: {issuer: TU, types: [chi_thi, NQ]}
            units: {levels: [xa]}
            deadline_days: 30
          - name: typo
            documents: {issuer: TU}
            units: {levels: [xa]}
            deadline_day: 30
          - name: badlevel
            documents: {issuer: TU}
            units: {levels: [village]}
            deadline_days: 30
          - name: baddate
            documents: {issued_after: 2023-13-01}
            units: {levels: [xa]}
            deadline_days: 30
          - name: good
            documents: {issuer: QU}
            units: {levels: [xa]}
            deadline_days: 5
        """
    )
    r = parse_rules(data)
    assert [x.name for x in r.rules] == ["good"]
    assert r.rule("good").documents.types == ("CT", "NQ")
    assert [x.email for x in r.recipients] == ["a@example.org", "e@example.org"]
    assert r.operators == ["ops@example.org"]
    joined = "\n".join(r.errors)
    for needle in (
        "unknown top-level key(s) colour",
        "operators[1]: not an email address",
        "recipients[1]: unknown key(s) cc",
        "recipients[2].email: not an email address",
        "recipients[3].scope: 'all' must be true",
        "rules[1]: unknown key(s) deadline_day",
        "rules[2].units.levels: unknown unit type(s) ['village']",
        "rules[3].documents.issued_after: not an ISO date",
        "duplicate rule name 'good'",
        "unknown rule 'ghost'",
    ):
        assert needle in joined, needle
    assert len(r.errors) == 10


def test_unreadable_or_broken_file_raises(tmp_path):
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(bad)
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(RulesError, match="mapping"):
        load_rules(bad)


def test_env_variable_names_the_file(tmp_path, monkeypatch):
    f = tmp_path / "r.yaml"
    f.write_text("rules: []\nrecipients: []\n", encoding="utf-8")
    monkeypatch.setenv("BRIEFWATCH_RULES", str(f))
    assert load_rules().path == str(f)
