"""The issue's full dated scenario: a directive is issued, most Mê Linh communes brief in time, one briefs
late, one never. Digests, reminders, the late notice and silencing, exactly, with as_of dates."""

from __future__ import annotations

import pytest

from alerts.evaluate import evaluate, silence
from tests.test_alerts_fixtures import MELINH_COMMUNES, World, parse, parts, rules_from

LATE, NEVER = "xã Tiền Phong", "xã Văn Khê"


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path / "bw.db")
    w.source("melinh", {"district": "Mê Linh"}, runs=("ok", "ok"))
    w.document("24-CT/TU", "2023-08-07", "tăng cường kỷ cương, kỷ luật", "Ban Thường vụ Thành ủy Hà Nội")
    for i, u in enumerate(MELINH_COMMUNES):
        if u not in (LATE, NEVER):
            w.event(
                u,
                ["24-CT/TU"],
                f"2023-08-{20 + i % 10:02d}",
                unit_type="thi_tran" if "thị trấn" in u else "xa",
            )
    return w


def _run(w: World, rules, day: str) -> dict:
    s = evaluate(w.db, rules, day)
    # the SQL shortcut (rows that cannot change are not looked at) must agree with the full state machine
    again = evaluate(w.db, rules, day, prefilter=False)
    assert again["changed"] == 0 and again["digests_queued"] == 0, again
    return s


def _mine(w: World, recipient: str = "supervisor.melinh@example.org") -> list[dict]:
    return [o for o in w.outbox() if o["recipient"] == recipient]


def test_full_scenario(world):
    w, rules = world, rules_from()
    melinh = set(MELINH_COMMUNES)

    # before the deadline: in-time briefings recorded, nobody alerted, nothing sent
    s = _run(w, rules, "2023-08-31")
    st = {u: x for u, x in w.states().items() if u in melinh}
    assert st[LATE] == st[NEVER] == "not_due"
    assert sum(1 for x in st.values() if x == "briefed") == 15
    assert s["digests_queued"] == 0 and not w.outbox()

    # the deadline (2023-09-06) has passed: the two missing units are overdue, one digest per recipient
    s = _run(w, rules, "2023-09-07")
    assert w.states()[LATE] == w.states()[NEVER] == "overdue"
    assert s["notifications"]["overdue"] == 2
    assert s["digests_queued"] == 2
    [d1] = _mine(w)
    msg = parse(d1["message"])
    text, html = parts(msg)
    assert "2 newly overdue" in msg["Subject"] and "Mê Linh" in msg["Subject"]
    assert "15/17 units briefed" in text
    assert f"{LATE}: 1 day overdue (due 2023-09-06) [NEW]" in text
    assert f"{NEVER}: 1 day overdue" in text
    assert "District Mê Linh" in text
    # Đông Anh has no source: said as such to the city-wide recipient, never as overdue
    [city] = _mine(w, "city@example.org")
    ctext, _ = parts(parse(city["message"]))
    assert "no monitored source covers 24 unit(s)" in ctext
    assert "xã Thụy Lâm" in ctext and "xã Thụy Lâm: " not in ctext
    assert w.states()["xã Thụy Lâm"] == "no_coverage"

    # the same day again, and three days later: nothing new
    assert _run(w, rules, "2023-09-07")["digests_queued"] == 0
    assert _run(w, rules, "2023-09-10")["digests_queued"] == 0
    assert len(_mine(w)) == 1

    # remind_every_days: 7 → a reminder on 2023-09-14
    s = _run(w, rules, "2023-09-14")
    assert s["notifications"] == {"reminder": 2}
    d2 = _mine(w)[-1]
    text, _ = parts(parse(d2["message"]))
    assert "2 still overdue" in d2["subject"]
    assert f"{NEVER}: 8 days overdue (due 2023-09-06) [reminder]" in text
    assert w.states()[NEVER] == "reminded"

    # Tiền Phong briefs late (article with the partial code "24-CT"): a late notice with its evidence
    eid = w.event(LATE, ["24-CT"], "2023-09-15", url="https://melinh.hanoi.gov.vn/tien-phong-24.htm")
    s = _run(w, rules, "2023-09-16")
    assert s["notifications"] == {"late": 1}
    assert w.states()[LATE] == "resolved"
    row = w.db.execute(
        "SELECT event_id, briefed_on, resolved_at, first_alerted_at FROM alert_states WHERE unit = ?", [LATE]
    ).fetchone()
    assert row == (eid, "2023-09-15", "2023-09-16", "2023-09-07")
    d3 = _mine(w)[-1]
    text, html = parts(parse(d3["message"]))
    assert "1 late report" in d3["subject"]
    assert f"{LATE}: reported late, briefing on 2023-09-15 (due 2023-09-06)" in text
    assert (
        "https://melinh.hanoi.gov.vn/tien-phong-24.htm" in text
        and 'href="https://melinh.hanoi.gov.vn/tien-phong-24.htm"' in html
    )
    assert "16/17 units briefed (15 on time, 1 late); 1 overdue" in text

    # Văn Khê: next reminder 7 days after the last one
    assert _run(w, rules, "2023-09-20")["digests_queued"] == 0
    assert _run(w, rules, "2023-09-21")["notifications"] == {"reminder": 1}

    # silenced until 2023-10-10: nothing meanwhile, a reminder when the silence ends
    assert (
        silence(
            w.db,
            document="24-CT/TU",
            unit="Xã Văn  Khê",
            until=__import__("datetime").date(2023, 10, 10),
            reason="commune merged",
        )
        == 1
    )
    assert w.states()[NEVER] == "silenced"
    assert _run(w, rules, "2023-09-28")["digests_queued"] == 0
    assert w.states()[NEVER] == "silenced"
    s = _run(w, rules, "2023-10-10")
    assert s["notifications"] == {"reminder": 1}
    assert w.states()[NEVER] == "reminded"

    # every digest is unique per (recipient, key); nothing was ever queued twice
    keys = [(o["recipient"], o["key"]) for o in w.outbox()]
    assert len(keys) == len(set(keys))
    assert [o["subject"].split(": ")[-1] for o in _mine(w)] == [
        "2 newly overdue",
        "2 still overdue",
        "1 late report",
        "1 still overdue",
        "1 still overdue",
    ]


def test_replay_ignores_events_after_as_of(world):
    """Evaluating an earlier date on a database that already holds later events gives that day's answer."""
    w, rules = world, rules_from()
    w.event(LATE, ["24-CT/TU"], "2023-09-15")
    evaluate(w.db, rules, "2023-09-07")
    assert w.states()[LATE] == "overdue"
    s = evaluate(w.db, rules, "2023-09-15")
    assert s["notifications"] == {"late": 1, "reminder": 1}  # Văn Khê's first reminder falls on that day too


def test_late_briefing_found_before_any_alert_is_resolved_quietly(world):
    w, rules = world, rules_from()
    w.event(LATE, ["24-CT/TU"], "2023-09-10")
    s = evaluate(w.db, rules, "2023-09-12")  # first evaluation after the deadline and the late briefing
    assert w.states()[LATE] == "resolved"
    assert s["notifications"] == {"overdue": 1, "unmonitored": 24}
    text, _ = parts(parse(_mine(w)[0]["message"]))
    assert "16/17 units briefed (15 on time, 1 late)" in text
