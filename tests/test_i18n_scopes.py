"""Issue #11: Vietnamese digests by default (English on request), present-day scopes (province, a list of
units, unit types, an issuer's documents), names checked against the gazetteer at load time."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from alerts.evaluate import evaluate
from alerts.rules import load_yaml, parse_rules
from briefwatch.cli import cli
from briefwatch.i18n import fmt_date, translation
from briefwatch.i18n_catalog import problems, template
from tests.test_alerts_fixtures import World, parse, parts

CODE = "05-CT/TU"
CITY = "thành phố Hà Nội"
WARDS = ["phường Hoàn Kiếm", "xã Mê Linh", "phường Cầu Giấy"]


def test_every_marked_message_has_a_vietnamese_translation_and_the_mo_is_current():
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template() if m.id}
    assert {"Briefing status on {date} for {scope}.", "Coverage of directives", "Overdue units"} <= ids
    assert problems() == []


def test_dates_read_as_people_write_them():
    assert fmt_date("2026-03-05") == "05/03/2026"
    assert fmt_date("2026-03-05", "en") == "2026-03-05"
    assert translation("vi").gettext("Overdue") == "Quá hạn"
    with pytest.raises(ValueError):
        translation("fr")


def _world(tmp_path, language: str | None = None) -> World:
    """Today's Hanoi: a city directive of 2026 and three wards / communes, each with its own portal."""
    w = World(tmp_path / "bw.db")
    for unit in WARDS:
        w.source(f"portal-{unit.split()[-1].lower()}", {"unit": unit}, runs=("ok",) * 3, start="2026-03-01")
    w.document(CODE, "2026-03-02", subject="tăng cường kỷ luật", issuer_unit=CITY, issuer_province="Hà Nội")
    w.event(
        "phường Hoàn Kiếm",
        [CODE],
        "2026-03-20",
        unit_type="phuong",
        district=None,
        issuer_unit=CITY,
        url="https://hoankiem.hanoi.gov.vn/tin/1",
    )
    w.event(
        "phường Cầu Giấy",
        [CODE],
        "2026-04-10",
        unit_type="phuong",
        district=None,
        issuer_unit=CITY,
        url="https://caugiay.hanoi.gov.vn/tin/2",
    )
    return w


RULES = """
settings: {{language: {language}}}
recipients:
  - email: wards@example.org
    scope: {{units: [phường Hoàn Kiếm, xã Mê Linh, phường Cầu Giấy]}}
  - email: city@example.org
    scope: {{province: Hà Nội, unit_types: [phuong]}}
rules:
  - name: city-directives
    documents: {{issuer_unit: thành phố Hà Nội, types: [CT]}}
    units: {{levels: [xa, phuong]}}
    deadline_days: 30
"""


def _rules(language: str):
    r = parse_rules(load_yaml(RULES.format(language=language)), "inline")
    assert not r.errors, r.errors
    return r


def _digest(w: World, email: str):
    row = w.db.execute(
        "SELECT subject, message FROM outbox WHERE recipient = ? ORDER BY id DESC LIMIT 1", [email]
    ).fetchone()
    return row[0], *parts(parse(row[1]))


def test_ward_group_digest_is_vietnamese_with_days_overdue_late_dates_and_evidence(tmp_path):
    w = _world(tmp_path)
    rules = _rules("vi")
    evaluate(w.db, rules, "2026-04-03")  # the deadline (01/04) has passed: Mê Linh and Cầu Giấy overdue
    evaluate(w.db, rules, "2026-04-12")  # Cầu Giấy's briefing of 10/04 is found: late
    subject, text, html = _digest(w, "wards@example.org")
    assert subject.startswith("briefwatch 12/04/2026 · phường Hoàn Kiếm, xã Mê Linh, phường Cầu Giấy")
    assert "1 đơn vị quán triệt trễ hạn" in subject
    assert "xã Mê Linh: chưa có tin quán triệt, quá hạn 11 ngày (hạn 01/04/2026)" in text
    assert "phường Cầu Giấy: quán triệt trễ hạn, ngày 10/04/2026 (hạn 01/04/2026)" in text
    assert (
        "https://caugiay.hanoi.gov.vn/tin/2" in text and 'href="https://caugiay.hanoi.gov.vn/tin/2"' in html
    )
    assert "05-CT/TU (thành phố Hà Nội)" in text
    assert "ban hành ngày 02/03/2026" in text
    # exactly the three units of the scope, nothing of the other 123 wards and communes
    listed = {line.split(":")[0].strip(" -") for line in text.splitlines() if line.startswith("    - ")}
    assert listed == {"xã Mê Linh", "phường Cầu Giấy", "phường Hoàn Kiếm"}
    assert '<html lang="vi">' in html


def test_the_same_digest_in_english_on_request(tmp_path):
    w = _world(tmp_path)
    evaluate(w.db, _rules("en"), "2026-04-03")
    subject, text, _html = _digest(w, "wards@example.org")
    assert subject.startswith("briefwatch 2026-04-03 · phường Hoàn Kiếm, xã Mê Linh, phường Cầu Giấy")
    assert "2 newly overdue" in subject
    assert "xã Mê Linh: 2 days overdue (due 2026-04-01)" in text


def test_province_and_unit_type_scope(tmp_path):
    w = _world(tmp_path)
    evaluate(w.db, _rules("vi"), "2026-04-03")
    _subject, text, _html = _digest(w, "city@example.org")
    assert "phường Cầu Giấy: chưa có tin quán triệt, quá hạn 2 ngày" in text
    assert "xã Mê Linh" not in text  # a commune: not in {unit_types: [phuong]}


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ("{units: [Me Linh]}", "Me Linh: unknown unit; did you mean huyện Mê Linh or xã Mê Linh?"),
        ("{units: [xã Mê Lin]}", "xã Mê Lin: unknown unit; did you mean xã Mê Linh"),
        ("{district: Me Linh}", "Me Linh: unknown district; did you mean Mê Linh?"),
        ("{province: Ha Noi}", "Ha Noi: unknown province; did you mean Hà Nội?"),
        ("{unit_types: [ward]}", "unknown unit type(s) ['ward']"),
    ],
)
def test_unknown_names_are_refused_with_the_closest_known_ones(scope, message):
    r = parse_rules(load_yaml(f"recipients:\n  - email: a@example.org\n    scope: {scope}\n"), "inline")
    assert r.recipients == []
    assert len(r.errors) == 1 and message in r.errors[0], r.errors


def test_rule_names_are_checked_too():
    text = textwrap.dedent(
        """
        rules:
          - name: r
            documents: {issuer_unit: quận Cau Giay}
            units: {levels: [phuong], units: [phường Hoàn Kiếm], districts: [Dong Da]}
            deadline_days: 30
        """
    )
    r = parse_rules(load_yaml(text), "inline")
    assert r.rules == []
    assert "quận Cau Giay: unknown unit; did you mean quận Cầu Giấy" in r.errors[0]
    assert "Dong Da: unknown district; did you mean Đống Đa?" in r.errors[0]


def test_alerts_check_exits_1_naming_the_suggestion(tmp_path):
    p = tmp_path / "alerts.yaml"
    p.write_text("recipients:\n  - email: a@example.org\n    scope: {units: [Me Linh]}\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["--rules", str(p), "alerts", "check"])
    assert res.exit_code == 1
    assert "did you mean huyện Mê Linh or xã Mê Linh?" in res.output
    p.write_text(
        "recipients:\n  - email: a@example.org\n    scope: {units: [xã Mê Linh]}\n", encoding="utf-8"
    )
    assert CliRunner().invoke(cli, ["--rules", str(p), "alerts", "check"]).exit_code == 0


def test_a_long_vietnamese_subject_keeps_every_space_through_the_outbox():
    """Python 3.11 folds such a subject between two encoded words and a reader drops that space
    ("trung tâm" → "trungtâm"); the outbox encodes the subject itself."""
    import email
    import email.policy
    from email.message import EmailMessage

    from alerts.outbox import enqueue, with_sender
    from db.connect import open_db

    db = open_db(":memory:")
    subject = (
        "briefwatch 20/11/2026 · Cụm phường trung tâm: 05-CT/TU (thành phố Hà Nội): 1 đơn vị mới quá hạn, "
        "1 đơn vị không có nguồn theo dõi, 3 đơn vị vẫn quá hạn"
    )
    msg = EmailMessage()
    msg.set_content("nội dung")
    assert enqueue(db, "a@example.org", "k", subject, msg) == 1
    raw = db.execute("SELECT message FROM outbox").fetchone()[0]
    for r in (raw, with_sender(raw, "other@example.org")):
        parsed = email.message_from_bytes(r, policy=email.policy.default)
        assert parsed["Subject"] == subject
        assert max(len(line) for line in r.split(b"\r\n")) <= 78
