"""The SQL state machine (alerts.machine.TRANSITION_SQL, what the evaluation runs) against the pure
``next_state`` (the specification), and the incremental evaluation against the full one (issue #13)."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import sqlite3

from alerts.evaluate import evaluate, silence
from alerts.machine import FACTS_COLUMNS, FIELDS, STATES, TRANSITION_SQL, Facts, next_state, wake_on
from tests.test_alerts_fixtures import MELINH_COMMUNES, World, rules_from

NOW = dt.datetime(2023, 9, 1, tzinfo=dt.UTC)
AS_OF = ("2024-03-01", "2024-03-10", "2024-03-11", "2024-03-20")
DUE = "2024-03-10"


def _prevs():
    """Every previous state with a spread of stored dates (None: no stored row)."""
    yield None
    for state in STATES:
        for fa, ln in ((None, None), ("2024-03-11", "2024-03-11"), ("2024-03-11", "2024-03-13"), ("", "")):
            for ra in (None, "2024-03-12"):
                for su in (None, "2024-03-15", ""):
                    for b in (None, "2024-03-05"):
                        yield {
                            "state": state,
                            "briefed_on": b,
                            "event_id": 7 if b else None,
                            "first_alerted_at": fa,
                            "last_notified_at": ln,
                            "resolved_at": ra,
                            "silenced_until": su,
                            "silence_reason": "portal down" if su is not None else None,
                        }


def _facts():
    for as_of, brief, cover, remind in itertools.product(
        AS_OF, (None, "2024-03-05", "2024-03-12"), ("ok", "none", "failing"), (None, 7, 1)
    ):
        yield Facts(as_of, DUE, brief, 9 if brief else None, cover, remind)


def test_sql_machine_agrees_with_next_state_on_every_combination():
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE _facts ({FACTS_COLUMNS})")
    expected = {}
    rows = []
    for i, (prev, f) in enumerate(itertools.product(list(_prevs()), list(_facts()))):
        new, kind = next_state(prev, f)
        changed = prev is None or any(prev.get(k) != new.get(k) for k in FIELDS)
        expected[i] = (
            tuple(new[k] for k in FIELDS),
            kind,
            changed,
            wake_on(new["state"], f.due, new["last_notified_at"], new["silenced_until"], f.remind_every_days),
        )
        p = prev or {}
        rows.append(
            (i, 1, f.as_of, f.due, f.brief_date, f.event_id, f.cover, f.remind_every_days)
            + tuple(p.get(k) for k in FIELDS)
            + (None, None, None)
        )
    conn.executemany(f"INSERT INTO _facts VALUES ({', '.join('?' * 19)})", rows)
    got = {
        r[0]: ((r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]), r[9], bool(r[10]), r[11])
        for r in conn.execute(
            "SELECT gid, state, B, EV, fa, ln, ra, su, sr, kind, changed, wake "
            f"FROM ({TRANSITION_SQL.format(facts='_facts')})"
        )
    }
    assert len(got) == len(expected) == len(list(_prevs())) * len(list(_facts())) > 40_000
    wrong = [(i, expected[i], got[i]) for i in expected if expected[i] != got[i]]
    assert not wrong, wrong[:5]


def test_wake_on_is_the_first_day_time_alone_changes_a_state():
    """For every stored state, next_state keeps it on every day before wake_on and changes it on wake_on."""
    for prev in _prevs():
        if prev is None:
            continue
        for remind in (None, 1, 7):
            f0 = Facts("2024-03-11", DUE, None, None, "ok", remind)
            state, _kind = next_state(prev, f0)
            w = wake_on(state["state"], DUE, state["last_notified_at"], state["silenced_until"], remind)
            day = dt.date(2024, 3, 12)
            for _ in range(30):
                f = Facts(day.isoformat(), DUE, None, None, "ok", remind)
                moved = next_state(state, f)[0] != state or next_state(state, f)[1] is not None
                if w is None or day.isoformat() < w:
                    assert not moved, (prev, remind, day, w)
                else:
                    assert moved, (prev, remind, day, w)
                    break
                day += dt.timedelta(days=1)


RULES = """
settings: {source_failing_runs: 1}
recipients:
  - {email: all@example.org, scope: {all: true}}
  - {email: melinh@example.org, scope: {district: Mê Linh}}
rules:
  - name: city
    documents: {issuer: TU, types: [CT, NQ]}
    units: {province: Hà Nội, levels: [xa, thi_tran, huyen], districts: [Mê Linh]}
    deadline_days: 5
    remind_every_days: 3
    district_conference_covers_communes: true
"""


def _snapshot(db):
    return (
        db.execute("SELECT * FROM alert_states ORDER BY rule, document_id, unit_id").fetchall(),
        db.execute("SELECT recipient, digest_key FROM outbox ORDER BY id").fetchall(),
    )


def test_incremental_evaluation_equals_the_full_one_over_weeks_of_random_news(tmp_path):
    """Two identical worlds receive the same random events, silences and source failures day after day;
    one is evaluated incrementally, the other in full (every row looked at). States and digests agree."""
    rnd = random.Random(13)
    worlds = [World(tmp_path / "inc"), World(tmp_path / "full")]
    rules = rules_from(RULES)
    for w in worlds:
        w.source("melinh-portal", {"district": "Mê Linh"})
        w.document("24-CT/TU", "2023-08-01")
        w.document("25-NQ/TU", "2023-08-10")
    day = dt.date(2023, 8, 2)
    examined = []
    for step in range(40):
        ops = []
        for _ in range(rnd.randrange(0, 4)):
            unit = rnd.choice(MELINH_COMMUNES)
            doc = rnd.choice(["24-CT/TU", "25-NQ/TU", "24-CT"])
            date = (day - dt.timedelta(days=rnd.randrange(0, 12))).isoformat()
            ops.append(("event", unit, doc, date))
        if rnd.random() < 0.25:
            ops.append(("run", rnd.choice(["ok", "failed"])))
        if rnd.random() < 0.1:
            ops.append(("delete",))
        if step == 8:  # a district conference: it covers the communes that have not briefed yet
            ops.append(("district", "24-CT/TU", day.isoformat()))
        for w in worlds:
            for op in ops:
                if op[0] == "event":
                    w.event(op[1], [op[2]], op[3])
                elif op[0] == "run":
                    w.db.execute(
                        "INSERT INTO crawl_runs (source, started_at, ended_at, status) VALUES (?, ?, ?, ?)",
                        ["melinh-portal", f"{day}T05:00:00", f"{day}T05:05:00", op[1]],
                    )
                elif op[0] == "delete":
                    w.db.execute("DELETE FROM events WHERE id = (SELECT MAX(id) FROM events)")
                elif op[0] == "district":
                    w.event("huyện Mê Linh", [op[1]], op[2], unit_type="huyen", district=None)
        if step == 30:
            for w in worlds:
                silence(
                    w.db,
                    document="25-NQ/TU",
                    reason="portal rebuilt",
                    until=day + dt.timedelta(days=4),
                    now=NOW,
                )
        s_inc = evaluate(worlds[0].db, rules, day, now=NOW)
        s_full = evaluate(worlds[1].db, rules, day, prefilter=False, now=NOW)
        examined.append((s_inc["rows_examined"], s_full["rows_examined"]))
        assert s_inc["changed"] == s_full["changed"] and s_inc["notifications"] == s_full["notifications"], (
            day
        )
        assert _snapshot(worlds[0].db) == _snapshot(worlds[1].db), day
        day += dt.timedelta(days=rnd.choice([1, 1, 2, 3]))
    # the incremental run looked at fewer rows on most days (it is not the full one under another name)
    assert sum(i < f for i, f in examined) > len(examined) // 2, examined
