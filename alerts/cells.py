"""The set-based half of the evaluation: which (rule, document, unit) rows may have changed since the last
evaluation, their facts, the state machine over all of them in one SQL statement, and the write.

Work scales with what changed, not with the size of the world. A stored row (``alert_cells``) is looked at
again only when:
- its group (rule, document) is new, or its rule's deadline, reminders, unit set or the gazetteer changed;
- its ``wake_on`` day has come (the deadline passed, a reminder is due, a silence ends);
- a first briefing of its document and unit (or of the unit's district, when a district conference covers
  its communes) changed, or became visible because the as-of date passed it;
- its unit's coverage (ok | none | failing) changed;
- or the evaluation goes back in time, or ``full`` is asked: then every row is.
Every other row keeps its state by construction of ``wake_on`` (tests/test_alerts_machine.py checks that the
incremental run and the full one agree).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import sqlite_utils

from alerts.machine import TRANSITION_SQL

TEMP = """
DROP TABLE IF EXISTS temp._cand; DROP TABLE IF EXISTS temp._facts; DROP TABLE IF EXISTS temp._new;
DROP TABLE IF EXISTS temp._bchg;
CREATE TEMP TABLE _cand (gid INTEGER, uid INTEGER, PRIMARY KEY (gid, uid)) WITHOUT ROWID;
CREATE TEMP TABLE _bchg (document INTEGER, ukey TEXT, PRIMARY KEY (document, ukey)) WITHOUT ROWID;
DROP TRIGGER IF EXISTS temp._bchg_ai; DROP TRIGGER IF EXISTS temp._bchg_au; DROP TRIGGER IF EXISTS temp._bchg_ad;
CREATE TEMP TRIGGER _bchg_ai AFTER INSERT ON main.alert_briefs BEGIN
    INSERT OR IGNORE INTO _bchg VALUES (NEW.document, NEW.ukey);
END;
CREATE TEMP TRIGGER _bchg_au AFTER UPDATE ON main.alert_briefs BEGIN
    INSERT OR IGNORE INTO _bchg VALUES (NEW.document, NEW.ukey);
END;
CREATE TEMP TRIGGER _bchg_ad AFTER DELETE ON main.alert_briefs BEGIN
    INSERT OR IGNORE INTO _bchg VALUES (OLD.document, OLD.ukey);
END
"""

DROP_TRIGGERS = (
    "DROP TRIGGER IF EXISTS temp._bchg_ai",
    "DROP TRIGGER IF EXISTS temp._bchg_au",
    "DROP TRIGGER IF EXISTS temp._bchg_ad",
)

# a row's stored fields, as the machine's previous state (``s``: its alert_cells row)
_PREVIOUS = """s.state AS p, s.briefed_on AS p_b, s.event_id AS p_e, s.first_alerted_at AS p_fa,
       s.last_notified_at AS p_ln, s.resolved_at AS p_ra, s.silenced_until AS p_su, s.silence_reason AS p_sr,
       s.due_date AS p_due, s.wake_on AS p_wake, s.updated_at AS p_upd"""

_FACTS = f"""
SELECT rd.gid, u.pid AS uid, :as_of AS A, rd.due AS D,
       substr(CASE WHEN pb.bdate IS NOT NULL AND (b.bdate IS NULL OR pb.bdate < b.bdate) THEN pb.bdate
                   ELSE b.bdate END, 1, 10) AS B,
       CASE WHEN pb.bdate IS NOT NULL AND (b.bdate IS NULL OR pb.bdate < b.bdate) THEN pb.event_id
            ELSE b.event_id END AS EV,
       u.cover AS C, rd.remind AS R,
       {_PREVIOUS}
{{rows}}
LEFT JOIN alert_briefs b ON b.document = rd.doc AND b.ukey = u.ukey AND b.bdate <= :as_of
LEFT JOIN _units p0 ON rd.covers = 1 AND p0.uid = u.parent_uid
LEFT JOIN alert_briefs pb ON pb.document = rd.doc AND pb.ukey = p0.ukey AND pb.bdate <= :as_of
LEFT JOIN alert_cells s ON s.gid = rd.gid AND s.uid = u.pid
"""
_AREA = "(rd.area_p = '' OR u.province_key = rd.area_p) AND (rd.area_d = '' OR u.own_dk = rd.area_d)"
# the candidates
_ROWS_SOME = f"""
FROM _cand c
JOIN _rule_docs rd ON rd.gid = c.gid
JOIN _era_units eu ON eu.era = rd.era AND eu.uid = c.uid
JOIN _rule_units ru ON ru.rule = rd.rule AND ru.uid = c.uid
JOIN _units u ON u.uid = c.uid AND {_AREA}
"""
# every triple, document by document (CROSS JOIN keeps that order: each document's briefings are read together)
_ROWS_ALL = f"""
FROM _rule_docs rd
CROSS JOIN _era_units eu ON eu.era = rd.era
CROSS JOIN _units u ON u.uid = eu.uid AND {_AREA}
JOIN _rule_units ru ON ru.rule = rd.rule AND ru.uid = u.uid
"""

# what ``_WRITE`` and ``notes`` read of the machine's output (a week of reminders writes 113,000 rows: only
# these columns, not the 28 of the facts and the machine, about 0.1 s less)
_NEW_COLUMNS = "gid, uid, A, D, B, EV, p_upd, state, fa, ln, ra, su, sr, kind, wake, changed"

# rows whose ``wake_on`` day has come and no news touched (not in ``_cand``): their first briefing is the stored
# one. It can change only by a briefing written, deleted or passed by the as-of date, and those rows are in
# ``_cand``; so the two ``alert_briefs`` lookups are skipped for them (a week of reminders wakes 113,000 rows),
# and they are read from the wake index directly, not copied into ``_cand`` first (CROSS JOIN: in that order; the
# planner would otherwise start from the rule's units and probe every cell)
_WAKE_FACTS = f"""
SELECT rd.gid, u.pid AS uid, :as_of AS A, rd.due AS D, s.briefed_on AS B, s.event_id AS EV,
       u.cover AS C, rd.remind AS R,
       {_PREVIOUS}
FROM alert_cells s
CROSS JOIN _rule_docs rd ON rd.gid = s.gid
CROSS JOIN _units u ON u.pid = s.uid AND {_AREA}
CROSS JOIN _era_units eu ON eu.era = rd.era AND eu.uid = u.uid
CROSS JOIN _rule_units ru ON ru.rule = rd.rule AND ru.uid = u.uid
WHERE s.wake_on <= :as_of AND NOT EXISTS (SELECT 1 FROM _cand c WHERE c.gid = rd.gid AND c.uid = u.uid)
"""

_WRITE = """
INSERT INTO alert_cells (gid, uid, state, due_date, briefed_on, event_id, first_alerted_at, last_notified_at,
                         resolved_at, silenced_until, silence_reason, wake_on, updated_at)
SELECT gid, uid, state, NULL, B, EV, fa, ln, ra, su, sr, wake, CASE WHEN changed THEN :ts ELSE p_upd END
FROM _new WHERE 1 ORDER BY gid, uid
ON CONFLICT (gid, uid) DO UPDATE SET state = excluded.state, due_date = NULL, briefed_on = excluded.briefed_on,
    event_id = excluded.event_id, first_alerted_at = excluded.first_alerted_at,
    last_notified_at = excluded.last_notified_at, resolved_at = excluded.resolved_at,
    silenced_until = excluded.silenced_until, silence_reason = excluded.silence_reason,
    wake_on = excluded.wake_on, updated_at = excluded.updated_at
"""


def candidates(db: sqlite_utils.Database, as_of: str, last_as_of: str | None, full: bool) -> int:
    """Fill ``_cand`` with the (group, unit) rows that may change; return how many."""
    ins = "INSERT OR IGNORE INTO _cand (gid, uid) "
    if full:  # ``apply`` reads every triple itself
        return -1
    # groups that are new or whose rule, deadline or units changed
    db.execute(ins + "SELECT rd.gid, u.uid " + _ROWS_ALL + " WHERE rd.full = 1")
    # briefings the as-of date passed since the last evaluation (the changed ones are in _bchg already)
    db.execute(
        "INSERT OR IGNORE INTO _bchg SELECT document, ukey FROM alert_briefs WHERE bdate > :last AND bdate <= :as_of",
        {"last": last_as_of, "as_of": as_of},
    )
    db.execute(
        ins + "SELECT rd.gid, u.uid FROM _bchg b JOIN _rule_docs rd ON rd.doc = b.document "
        "JOIN _units u ON u.ukey = b.ukey"
    )
    db.execute(
        ins
        + "SELECT rd.gid, ch.uid FROM _bchg b JOIN _rule_docs rd ON rd.doc = b.document AND rd.covers = 1 "
        "JOIN _units p ON p.ukey = b.ukey JOIN _units ch ON ch.parent_uid = p.uid"
    )
    # units whose coverage changed
    db.execute(
        ins + "SELECT rd.gid, u.uid FROM _units u JOIN alert_units au ON au.uid = u.pid "
        "JOIN _rule_docs rd ON rd.era IN (SELECT era FROM _era_units WHERE uid = u.uid) "
        "WHERE au.cover IS NOT u.cover"
    )
    # time: deadlines passed, reminders due, silences ended (``apply`` reads them; counted here from the index,
    # a row that news touched too counts twice)
    woken = db.execute("SELECT COUNT(*) FROM alert_cells WHERE wake_on <= ?", [as_of]).fetchone()[0]
    return db.execute("SELECT COUNT(*) FROM _cand").fetchone()[0] + woken


def apply(db: sqlite_utils.Database, as_of: str, ts: str, full: bool = False) -> int:
    """Run the state machine over the candidates and write what changed; return how many states changed.
    ``_new`` keeps the written rows (with their notification kind) for ``notes``."""
    facts = (
        _FACTS.format(rows=_ROWS_ALL) if full else _FACTS.format(rows=_ROWS_SOME) + "UNION ALL" + _WAKE_FACTS
    )
    sql = TRANSITION_SQL.format(facts=f"({facts})")
    db.execute(
        f"CREATE TEMP TABLE _new AS SELECT {_NEW_COLUMNS} FROM ({sql}) WHERE changed OR wake IS NOT p_wake",
        {"as_of": as_of},
    )
    db.execute(_WRITE, {"ts": ts})
    db.execute(
        "UPDATE alert_units SET cover = (SELECT u.cover FROM _units u WHERE u.pid = alert_units.uid LIMIT 1) "
        "WHERE uid IN (SELECT pid FROM _units) "
        "AND cover IS NOT (SELECT u.cover FROM _units u WHERE u.pid = alert_units.uid LIMIT 1)"
    )
    return db.execute("SELECT COUNT(*) FROM _new WHERE changed").fetchone()[0]


def remove_unwatched(db: sqlite_utils.Database) -> int:
    """Forget the groups no rule watches any more (and their rows); return how many rows went."""
    gone = db.execute(
        "DELETE FROM alert_cells WHERE gid IN (SELECT gid FROM alert_groups WHERE gid NOT IN (SELECT gid FROM _rule_docs))"
    ).rowcount
    db.execute("DELETE FROM alert_groups WHERE gid NOT IN (SELECT gid FROM _rule_docs)")
    return gone


def triples(db: sqlite_utils.Database) -> int:
    """How many (rule, document, unit) rows the rules bind, counted per unit class, not row by row."""
    db.execute("DROP TABLE IF EXISTS temp._tcount")
    db.execute(
        "CREATE TEMP TABLE _tcount AS SELECT eu.era, ru.rule, u0.province_key AS pk, u0.own_dk AS dk, COUNT(*) AS n "
        "FROM _era_units eu JOIN _rule_units ru ON ru.uid = eu.uid JOIN _units u0 ON u0.uid = eu.uid "
        "GROUP BY 1, 2, 3, 4"
    )
    n = db.execute(
        "SELECT COALESCE(SUM(t.n), 0) FROM _rule_docs rd JOIN _tcount t ON t.era = rd.era AND t.rule = rd.rule "
        "AND (rd.area_p = '' OR t.pk = rd.area_p) AND (rd.area_d = '' OR t.dk = rd.area_d)"
    ).fetchone()[0]
    db.execute("DROP TABLE temp._tcount")
    return n


def signature(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def sync_units(db: sqlite_utils.Database, units: list) -> None:
    """Give each gazetteer unit its ``alert_units`` row (one per unit as shown, whatever its era): ``u.pid``."""
    db.conn.executemany(
        "INSERT INTO alert_units (ident, unit_id, unit, unit_type, district, province, unit_key) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ident) DO NOTHING",
        [(u.ident, u.unit_id, u.name, u.unit_type, u.district, u.province, u.name_key) for u in units],
    )
    pids = dict(db.execute("SELECT ident, uid FROM alert_units").fetchall())
    for u in units:
        u.pid = pids[u.ident]


def sync_groups(db: sqlite_utils.Database, rd_rows: list[tuple]) -> dict[tuple[str, int], tuple[int, int]]:
    """Upsert one ``alert_groups`` row per (rule, document); return (rule, document) → (gid, full), where
    full = 1 for a new group or one whose signature (rule settings, unit set) changed."""
    stored = {
        (rule, doc): (gid, row)
        for gid, rule, doc, *row in db.execute(
            "SELECT gid, rule, document_id, document, issuer_unit, issued, due_date, sig FROM alert_groups"
        )
    }
    full: set[tuple[str, int]] = set()
    upserts = []
    for rule, doc, code, issuer_unit, issued, due, *_rest, sig in rd_rows:
        row = [code, issuer_unit, issued, due, sig]
        old = stored.get((rule, doc))
        if old is None or old[1][-1] != sig:
            full.add((rule, doc))
        if old is None or old[1] != row:
            upserts.append((rule, doc, *row))
    db.conn.executemany(
        "INSERT INTO alert_groups (rule, document_id, document, issuer_unit, issued, due_date, sig) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (rule, document_id) DO UPDATE SET document = excluded.document, "
        "issuer_unit = excluded.issuer_unit, issued = excluded.issued, due_date = excluded.due_date, sig = excluded.sig",
        upserts,
    )
    gids = {
        (rule, doc): gid for gid, rule, doc in db.execute("SELECT gid, rule, document_id FROM alert_groups")
    }
    return {key: (gids[key], int(key in full)) for key in ((r[0], r[1]) for r in rd_rows)}
