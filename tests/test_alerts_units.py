"""Who must brief, what counts as a briefing, and coverage: matching, partial codes, district conferences,
unmonitored units, documents watched by rule or by hand."""

from __future__ import annotations

import datetime as dt

from alerts.directives import add_directive, set_watched
from alerts.evaluate import Facts, evaluate, next_state
from alerts.keys import district_key, parse_code, partial_of, text_key
from tests.test_alerts_fixtures import MELINH_COMMUNES, World, parse, parts, rules_from

DONG_ANH = """
    recipients: [{email: da@example.org, scope: {district: Đông Anh}}]
    rules:
      - name: r
        documents: {issuer: TU, types: [CT]}
        units: {levels: [xa, thi_tran], districts: [Đông Anh]}
        deadline_days: 10
"""


def test_keys():
    assert text_key("Xã Thuỵ  Lâm") == text_key("xã Thụy Lâm") == "xã thụy lâm"
    assert text_key("Tân Hoà") == "tân hòa" and text_key("hoàn") == "hoàn"
    assert district_key("huyện Mê Linh") == district_key("Mê Linh") == "mê linh"
    assert parse_code("24-CT/TU") == ("24", "CT", "TU") and parse_code("215/KH-UBND") == ("215", "KH", "UBND")
    assert partial_of("24-CT/TU") == "24-CT" and partial_of("215/KH-UBND") is None


def test_tone_placement_and_case_match_and_only_that_district(tmp_path):
    w = World(tmp_path / "bw.db")
    w.source("donganh", {"district": "huyện Đông Anh"})
    w.document("7-CT/TU", "2023-08-01")
    w.event("Xã Thuỵ Lâm", ["7-CT/TU"], "2023-08-05", district="Đông Anh")  # old tone placement
    w.event("xã Tiền Phong", ["7-CT/TU"], "2023-08-05", district="Mê Linh")  # not an Đông Anh unit
    w.event("xã Kim Chung", ["7-CT/TU"], "2023-08-05", district=None)  # unique in Hanoi? see below
    evaluate(w.db, rules_from(DONG_ANH), "2023-08-20")
    st = w.states("r", "7-CT/TU")
    assert len(st) == 24 and st["xã Thụy Lâm"] == "briefed"
    assert "xã Tiền Phong" not in st
    # "xã Kim Chung" exists in Đông Anh and Hoài Đức: with no district the event is ambiguous, not counted
    assert st["xã Kim Chung"] == "overdue"


def test_event_before_issue_date_does_not_count_and_date_falls_back_to_published(tmp_path):
    w = World(tmp_path / "bw.db")
    w.source("donganh", {"district": "Đông Anh"})
    w.document("7-CT/TU", "2023-08-01")
    w.event("xã Thụy Lâm", ["7-CT/TU"], "2023-07-30", district="Đông Anh")  # before the issue date
    w.event("xã Cổ Loa", ["7-CT/TU"], None, district="Đông Anh", published="2023-08-03")  # undated event
    evaluate(w.db, rules_from(DONG_ANH), "2023-08-20")
    st = w.states("r", "7-CT/TU")
    assert st["xã Thụy Lâm"] == "overdue" and st["xã Cổ Loa"] == "briefed"
    assert (
        w.db.execute("SELECT briefed_on FROM alert_states WHERE unit = 'xã Cổ Loa'").fetchone()[0]
        == "2023-08-03"
    )


def test_district_conference_covers_communes(tmp_path):
    w = World(tmp_path / "bw.db")
    w.source("melinh", {"district": "Mê Linh"})
    w.document("24-CT/TU", "2023-08-07")
    w.event("huyện Mê Linh", ["24-CT/TU"], "2023-08-15", unit_type="huyen", district=None)
    base = """
        rules:
          - name: r
            documents: {issuer: TU}
            units: {levels: [xa, thi_tran], districts: [Mê Linh]}
            deadline_days: 30
            district_conference_covers_communes: %s
    """
    evaluate(w.db, rules_from(base % "false"), "2023-09-10")
    assert set(w.states("r").values()) == {"overdue"}
    evaluate(w.db, rules_from(base % "true"), "2023-09-11")
    st = w.states("r")
    assert len(st) == len(MELINH_COMMUNES) and set(st.values()) == {"resolved"}


def test_coverage_states_are_not_the_units_failure(tmp_path):
    w = World(tmp_path / "bw.db")
    w.source("melinh", {"district": "Mê Linh"}, runs=("ok", "failed", "timeout"))  # last two failed
    w.source("hanoimoi", None, runs=("ok",))  # city-wide paper: district level only
    w.source("hatmon", {"unit": "xã Tráng Việt"}, runs=("ok",))
    w.document("24-CT/TU", "2023-08-07", "kỷ cương")
    rules = rules_from(
        """
        recipients: [{email: ml@example.org, scope: {district: Mê Linh}}]
        rules:
          - name: r
            documents: {codes: [24-CT/TU]}
            units: {levels: [xa, thi_tran, huyen], districts: [Mê Linh, Sóc Sơn]}
            deadline_days: 30
        """
    )
    s = evaluate(w.db, rules, "2023-09-10")
    st = w.states("r")
    assert st["xã Tráng Việt"] == "overdue"  # its own portal works
    assert st["xã Đại Thịnh"] == "source_failing"
    assert (
        st["huyện Mê Linh"] == "overdue" and st["huyện Sóc Sơn"] == "overdue"
    )  # the newspaper covers districts
    assert st["xã Phù Linh"] == "no_coverage"  # a Sóc Sơn commune
    assert s["notifications"]["overdue"] == 3
    [o] = w.outbox()
    text, _ = parts(parse(o["message"]))
    assert "our source is failing for 16 unit(s)" in text
    assert "xã Đại Thịnh: " not in text  # never listed as overdue
    # the portal recovers: the commune units become overdue (first alert) at the next evaluation
    w.source("melinh", {"district": "Mê Linh"}, runs=("ok",), start="2023-09-11")
    s = evaluate(w.db, rules, "2023-09-12")
    assert w.states("r")["xã Đại Thịnh"] == "overdue" and s["notifications"] == {"overdue": 16}


def test_documents_watched_by_rule_and_by_hand(tmp_path):
    w = World(tmp_path / "bw.db")
    w.source("donganh", {"district": "Đông Anh"})
    w.document("7-CT/TU", "2023-08-01")
    w.document("8-NQ/TU", "2023-08-01", type_="nghi_quyet")  # not a CT: not selected by the rule
    w.document("9-CT/HU", "2023-08-01")  # another issuer
    w.document("10-CT/TU", None)  # undated: cannot have a deadline
    w.document("11-CT", "2023-08-01")  # a partial code is never watched itself
    rules = rules_from(DONG_ANH)
    s = evaluate(w.db, rules, "2023-08-20")
    assert s["documents_watched"] == 1 and s["documents_undated"] == 1
    add_directive(w.db, "10-CT/TU", issued=dt.date(2023, 8, 2), title="sửa tay")  # manual correction
    set_watched(w.db, "9-CT/HU", True)
    set_watched(w.db, "7-CT/TU", False)
    s = evaluate(w.db, rules, "2023-08-20")
    docs = {d for (d,) in w.db.execute("SELECT DISTINCT document FROM alert_states")}
    assert docs == {"10-CT/TU", "9-CT/HU"} and s["removed"] == 24
    assert (
        w.db.execute("SELECT DISTINCT due_date FROM alert_states WHERE document = '10-CT/TU'").fetchone()[0]
        == "2023-08-12"
    )
    set_watched(w.db, "7-CT/TU", None)  # back to the rules
    assert evaluate(w.db, rules, "2023-08-20")["documents_watched"] == 3


def test_next_state_pure_transitions():
    f = dict(
        as_of="2023-09-10", due="2023-09-06", brief_date=None, event_id=None, cover="ok", remind_every_days=7
    )
    s, k = next_state(None, Facts(**f))
    assert (s["state"], k, s["first_alerted_at"]) == ("overdue", "overdue", "2023-09-10")
    s2, k2 = next_state(s, Facts(**{**f, "as_of": "2023-09-16"}))
    assert (s2["state"], k2) == ("overdue", None)
    s3, k3 = next_state(s2, Facts(**{**f, "as_of": "2023-09-17"}))
    assert (s3["state"], k3, s3["last_notified_at"]) == ("reminded", "reminder", "2023-09-17")
    s4, k4 = next_state(s3, Facts(**{**f, "as_of": "2023-09-18", "brief_date": "2023-09-05", "event_id": 9}))
    assert (s4["state"], k4, s4["resolved_at"]) == ("resolved", "late", "2023-09-18")  # found after the alert
    s5, k5 = next_state(None, Facts(**{**f, "cover": "failing"}))
    assert (s5["state"], k5) == ("source_failing", "unmonitored")
    s6, k6 = next_state(None, Facts(**{**f, "as_of": "2023-09-01"}))
    assert (s6["state"], k6) == ("not_due", None)
    s7, k7 = next_state(None, Facts(**{**f, "as_of": "2023-09-01", "brief_date": "2023-08-30"}))
    assert (s7["state"], k7) == ("briefed", None)
