"""Evaluation: (rules, database, as_of) → per-(rule, document, unit) states, notifications, digests.

``evaluate(db, rules, as_of)`` runs in one ``BEGIN IMMEDIATE`` transaction (read-then-write): it fills temp
tables with the rules' watched documents and the units each binds (gazetteer, both eras), brings the cache
of first briefings up to date (``alert_briefs``), then hands over to ``alerts.cells``: the rows that may have
changed since the last evaluation go through the state machine in one SQL statement (``alerts.machine``,
specified by the pure ``next_state``), changed rows are written, and one digest per recipient with something
new is queued in the outbox. Running it twice for the same ``as_of`` changes and sends nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from alerts import cells, immediate, notes
from alerts.directives import load_directives, watched_by
from alerts.keys import district_key, province_key, text_key
from alerts.machine import STATES, Facts, next_state  # noqa: F401 - the machine's public names, here too
from alerts.rules import Recipient, Rules, Scope

log = logging.getLogger(__name__)

DISTRICT_LEVEL = {"quan", "huyen", "thi_xa", "thanh_pho_thuoc_tinh"}
PROVINCE_LEVEL = {"tinh", "thanh_pho_tw"}
# --------------------------------------------------------------------------- facts, set-based


@dataclass
class _Unit:
    uid: int
    unit_id: str
    name: str
    unit_type: str
    district: str | None
    province: str
    name_key: str
    district_key: str
    vclass: int
    ukey: str = ""
    parent_uid: int | None = None
    cover: str = "none"
    pid: int = 0  # alert_units.uid: the unit as shown (code, name, type, district, province)

    @property
    def ident(self) -> str:
        return "|".join(
            (self.unit_id, self.name, self.unit_type or "", self.district or "", self.province or "")
        )


def _load_units(provinces: set[str | None], gazetteer: Any) -> tuple[list[_Unit], list[tuple]]:
    """All units of the rules' provinces, both eras; validity classes (valid_from, valid_to)."""
    units: list[_Unit] = []
    classes: dict[tuple, int] = {}
    seen: set[tuple] = set()
    for prov in sorted(provinces, key=lambda p: p or ""):
        for u in gazetteer.units(on=None, province=prov, levels=None):
            ident = (u.code or u.name, u.province, u.valid_from, u.valid_to)
            if ident in seen:
                continue
            seen.add(ident)
            vc = classes.setdefault((u.valid_from, u.valid_to), len(classes))
            uid = len(units) + 1
            units.append(
                _Unit(
                    uid=uid,
                    unit_id=u.code or f"{u.unit_type}:{u.province}",
                    name=u.name,
                    unit_type=u.unit_type,
                    district=u.district,
                    province=u.province,
                    name_key=text_key(u.name),
                    district_key=district_key(u.district),
                    vclass=vc,
                    ukey=f"{u.code or u.unit_type + ':' + u.province}@{u.valid_from or ''}-{u.valid_to or ''}",
                )
            )
    by_district: dict[tuple, int] = {}
    for u in units:
        if u.unit_type in DISTRICT_LEVEL:
            by_district[(u.province, district_key(u.name), u.vclass)] = u.uid
    for u in units:
        if u.district:
            u.parent_uid = by_district.get((u.province, u.district_key, u.vclass))
    return units, sorted(classes, key=classes.get)


def _valid(vc: tuple, day: dt.date) -> bool:
    vf, vt = vc
    return (vf is None or day >= vf) and (vt is None or day <= vt)


def _source_health(db: sqlite_utils.Database, as_of: str, runs: int) -> dict[str, bool]:
    """source name → healthy: one of its last ``runs`` finished runs (started on/before as_of) was ok."""
    rows = db.execute(
        """
        SELECT source, status FROM (
            SELECT source, status, ROW_NUMBER() OVER (PARTITION BY source ORDER BY started_at DESC, id DESC) AS n
            FROM crawl_runs WHERE status NOT IN ('running', 'stopped') AND substr(started_at, 1, 10) <= ?
        ) WHERE n <= ?
        """,
        [as_of, runs],
    ).fetchall()
    health: dict[str, bool] = {}
    for source, status in rows:
        health[source] = health.get(source, False) or status == "ok"
    return health


def covers(home: dict | None, u: _Unit) -> bool:
    """Does a source with this ``home`` report on unit ``u``?

    {district: X}: X itself and its communes; {unit: U[, district: X]}: U; a city-wide source (home null
    or {province: P}): the district- and province-level units only, because newspapers report a few
    communes, not all, so a missing commune there says nothing.
    """
    if not home:
        return u.unit_type in DISTRICT_LEVEL | PROVINCE_LEVEL
    if home.get("unit"):
        if text_key(home["unit"]) != u.name_key:
            return False
        return not home.get("district") or not u.district or district_key(home["district"]) == u.district_key
    if home.get("district"):
        dk = district_key(home["district"])
        return u.district_key == dk or (u.unit_type in DISTRICT_LEVEL and district_key(u.name) == dk)
    if home.get("province"):
        return u.unit_type in DISTRICT_LEVEL | PROVINCE_LEVEL and text_key(home["province"]) == text_key(
            u.province
        )
    return False


def _coverage(db: sqlite_utils.Database, units: list[_Unit], as_of: str, runs: int) -> None:
    health = _source_health(db, as_of, runs)
    # sources indexed by what their home names, so that 4,000 sources × 10,000 units is a few lookups per
    # unit; ``covers`` still decides on each candidate
    index: dict[tuple[str, str], list[tuple[str, dict | None]]] = defaultdict(list)
    for name, home in db.execute("SELECT name, home FROM sources"):
        try:
            h = json.loads(home) if home else None
        except ValueError:
            log.warning("source %s: home is not JSON: %r", name, home)
            continue
        h = h if isinstance(h, dict) else None
        if not h:
            key = ("city", "")
        elif h.get("unit"):
            key = ("unit", text_key(h["unit"]))
        elif h.get("district"):
            key = ("district", district_key(h["district"]))
        elif h.get("province"):
            key = ("province", text_key(h["province"]))
        else:
            continue
        index[key].append((name, h))
    for u in units:
        keys = [("unit", u.name_key), ("district", u.district_key)]
        if u.unit_type in DISTRICT_LEVEL | PROVINCE_LEVEL:
            keys += [("city", ""), ("province", text_key(u.province)), ("district", district_key(u.name))]
        cov = {name for k in keys for name, home in index.get(k, ()) if covers(home, u)}
        u.cover = "none" if not cov else ("ok" if any(health.get(s, False) for s in cov) else "failing")


def _map_events(db: sqlite_utils.Database, units: list[_Unit], sql: str) -> tuple[list[tuple], int]:
    """(event unit, district, province) strings → uids; an ambiguous name with no district maps nowhere."""
    by_name: dict[str, list[_Unit]] = defaultdict(list)
    for u in units:
        by_name[u.name_key].append(u)
    rows, ambiguous = [], 0
    for unit, district, province in db.execute(sql).fetchall():
        cands = by_name.get(text_key(unit), [])
        if province:
            cands = [u for u in cands if text_key(u.province) == text_key(province)]
        dk = district_key(district)
        hits = []
        for vc in {u.vclass for u in cands}:
            same = [u for u in cands if u.vclass == vc]
            if dk:
                pick = [u for u in same if u.district_key == dk] or [u for u in same if not u.district]
            else:
                pick = same
            if len(pick) == 1:
                hits.append(pick[0])
            elif len(pick) > 1:
                ambiguous += 1
        rows.extend((unit, district, province, u.uid) for u in hits)
    return rows, ambiguous


_TEMP = """
DROP TABLE IF EXISTS temp._units; DROP TABLE IF EXISTS temp._era_units; DROP TABLE IF EXISTS temp._rule_units;
DROP TABLE IF EXISTS temp._rule_docs; DROP TABLE IF EXISTS temp._docmatch; DROP TABLE IF EXISTS temp._emap;
CREATE TEMP TABLE _units (uid INTEGER PRIMARY KEY, unit_id TEXT, name TEXT, unit_type TEXT, district TEXT,
    province TEXT, name_key TEXT, parent_uid INTEGER, cover TEXT, ukey TEXT, province_key TEXT, own_dk TEXT,
    pid INTEGER);
CREATE TEMP TABLE _era_units (era INTEGER, uid INTEGER, PRIMARY KEY (era, uid)) WITHOUT ROWID;
CREATE TEMP TABLE _rule_units (rule TEXT, uid INTEGER, PRIMARY KEY (rule, uid)) WITHOUT ROWID;
CREATE INDEX temp._rule_units_uid ON _rule_units(uid);
CREATE TEMP TABLE _rule_docs (rule TEXT, doc INTEGER, code TEXT, issuer_unit TEXT, issued TEXT, due TEXT,
    era INTEGER, covers INTEGER, remind INTEGER, area_p TEXT, area_d TEXT, gid INTEGER, full INTEGER,
    PRIMARY KEY (rule, doc));
CREATE TEMP TABLE _docmatch (ev_doc INTEGER, doc INTEGER, issued TEXT, PRIMARY KEY (ev_doc, doc)) WITHOUT ROWID;
CREATE TEMP TABLE _emap (unit TEXT, district TEXT, province TEXT, uid INTEGER, PRIMARY KEY (unit, district, province, uid));
DROP TABLE IF EXISTS temp._docinc; DROP TABLE IF EXISTS temp._dirty_ev;
CREATE TEMP TABLE _docinc (ev_doc INTEGER, doc INTEGER, issued TEXT, PRIMARY KEY (ev_doc, doc)) WITHOUT ROWID;
CREATE TEMP TABLE _dirty_ev (event_id INTEGER, document_id INTEGER, PRIMARY KEY (event_id, document_id)) WITHOUT ROWID;
DROP TABLE IF EXISTS temp._watched;
CREATE TEMP TABLE _watched (doc INTEGER PRIMARY KEY, issued TEXT, inc INTEGER);
"""

# the first briefing per (watched document, unit) among some event rows: an undated event takes its earliest
# article's publish date. {source} picks the (event, document) rows, {match} maps their documents to watched
# ones (document_matches: itself, partial codes, unresolved mentions of the code).
_BRIEF_TEMPLATE = """
INSERT INTO alert_briefs (document, ukey, bdate, event_id)
SELECT dm.doc, u.ukey, MIN(x.d), x.event_id
FROM (
    SELECT src.event_id, src.document_id, e.unit, COALESCE(e.district, '') AS district, COALESCE(e.province, '') AS province,
           substr(COALESCE(e.date, (SELECT MIN(a.published) FROM event_evidence ev JOIN articles a ON a.id = ev.article_id
                                    WHERE ev.event_id = e.id)), 1, 10) AS d
    FROM {source} src JOIN events e ON e.id = src.event_id
    {where}
) x
JOIN {match} dm ON dm.ev_doc = x.document_id
JOIN _emap em ON em.unit = x.unit AND em.district = x.district AND em.province = x.province
JOIN _units u ON u.uid = em.uid
WHERE x.d >= dm.issued
GROUP BY dm.doc, u.ukey
"""

# recompute the first briefing per (watched document, unit) for the documents in _docmatch
_BRIEF = _BRIEF_TEMPLATE.format(
    source="event_documents",
    where="WHERE src.document_id IN (SELECT ev_doc FROM _docmatch)",
    match="_docmatch",
)

# the same for many documents at once (a first run, a new gazetteer): event_documents read in order, so the
# events are read in order too, not document by document at random
_BRIEF_BULK = _BRIEF.replace("FROM event_documents src JOIN", "FROM event_documents src NOT INDEXED JOIN")
assert _BRIEF_BULK != _BRIEF

# every event's unit strings (a first run, a new gazetteer: cheaper than picking the events of each document)
_EVENT_STRINGS_ALL = "SELECT DISTINCT unit, COALESCE(district, ''), COALESCE(province, '') FROM events"

# merge newly added (event, code) pairs into the cache of documents that are otherwise up to date
_BRIEF_ADD = (
    _BRIEF_TEMPLATE.format(source="_dirty_ev", where="", match="_docinc")
    + """ON CONFLICT (document, ukey) DO UPDATE SET bdate = excluded.bdate, event_id = excluded.event_id
WHERE excluded.bdate < alert_briefs.bdate
"""
)

_BULK_DOCUMENTS = 200  # documents to recompute from which one pass over every event is cheaper

_EVENT_STRINGS_ADD = """
SELECT DISTINCT e.unit, COALESCE(e.district, ''), COALESCE(e.province, '') FROM events e
WHERE e.id IN (SELECT event_id FROM _dirty_ev)
"""

_EVENT_STRINGS = """
SELECT DISTINCT e.unit, COALESCE(e.district, ''), COALESCE(e.province, '') FROM events e
WHERE e.id IN (SELECT event_id FROM event_documents WHERE document_id IN (SELECT ev_doc FROM _docmatch))
"""


def _script(db: sqlite_utils.Database, script: str) -> None:
    """Run SQL statements one at a time (inside the evaluation's transaction); trigger bodies stay whole."""
    buf = ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" ;\n"):
                db.execute(buf)
            buf = ""


def _prepare(db: sqlite_utils.Database, rules: Rules, as_of: dt.date, gazetteer: Any) -> dict:
    """Fill the temp tables; return counters."""
    _script(db, _TEMP + ";" + cells.TEMP)
    stats = {"documents_watched": 0, "documents_undated": 0, "events_ambiguous": 0}
    directives = load_directives(db)
    rule_docs: list[tuple] = []  # (rule, directive, issued)
    undated: set[int] = set()
    for r in rules.rules:
        for d in directives:
            if watched_by(r, d):
                if d.issued is None:
                    undated.add(d.id)
                elif d.issued <= as_of:
                    rule_docs.append((r, d, d.issued))
    stats["documents_undated"] = len(undated)
    stats["documents_watched"] = len({d.id for _r, d, _i in rule_docs})
    units, vclasses = _load_units({r.units.province for r in rules.rules}, gazetteer)
    _coverage(db, units, as_of.isoformat(), rules.settings.source_failing_runs)
    cells.sync_units(db, units)
    db.conn.executemany(
        "INSERT INTO _units VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                u.uid,
                u.unit_id,
                u.name,
                u.unit_type,
                u.district,
                u.province,
                u.name_key,
                u.parent_uid,
                u.cover,
                u.ukey,
                text_key(u.province),
                district_key(u.name) if u.unit_type in DISTRICT_LEVEL else u.district_key,
                u.pid,
            )
            for u in units
        ],
    )
    for col in ("ukey", "pid", "parent_uid"):
        db.execute(f"CREATE INDEX temp._units_{col} ON _units({col})")
    units_sig = cells.signature(f"{u.ukey}|{u.name_key}|{u.district_key}" for u in units)
    eras: dict[tuple, int] = {}
    rd_rows = []
    areas: dict[str | None, tuple[str, str]] = {}  # a few issuers for thousands of documents
    for r, d, issued in rule_docs:
        valid = tuple(i for i, vc in enumerate(vclasses) if _valid(vc, issued))
        era = eras.setdefault(valid, len(eras))
        due = issued + dt.timedelta(days=r.deadline_days)
        if d.issuer_unit not in areas:
            areas[d.issuer_unit] = _issuer_area(d.issuer_unit, gazetteer)
        area_p, area_d = areas[d.issuer_unit]
        rd_rows.append(
            (
                r.name,
                d.id,
                d.code,
                d.issuer_unit,
                issued.isoformat(),
                due.isoformat(),
                era,
                int(r.district_conference_covers_communes),
                r.remind_every_days,
                area_p,
                area_d,
                # what the group's states follow from, besides the data: a change re-evaluates the whole group
                cells.signature(
                    [str(x) for x in (due, r.remind_every_days, r.district_conference_covers_communes, valid)]
                    + [area_p, area_d, repr(sorted(r.units.levels)), repr(sorted(r.units.districts))]
                    + [str(r.units.province), units_sig]
                ),
            )
        )
    groups = cells.sync_groups(db, rd_rows)
    db.conn.executemany(
        "INSERT INTO _rule_docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [row[:11] + groups[(row[0], row[1])] for row in rd_rows],
    )
    db.execute("CREATE INDEX temp._rule_docs_gid ON _rule_docs(gid)")
    db.execute("CREATE INDEX temp._rule_docs_doc ON _rule_docs(doc)")
    db.conn.executemany(
        "INSERT INTO _era_units VALUES (?, ?)",
        [(era, u.uid) for valid, era in eras.items() for u in units if u.vclass in valid],
    )
    ru = []
    for r in rules.rules:
        levels = set(r.units.levels)
        dks = {district_key(x) for x in r.units.districts}
        pk = text_key(r.units.province) if r.units.province else None
        for u in units:
            if u.unit_type not in levels or (pk and text_key(u.province) != pk):
                continue
            if (
                dks
                and u.district_key not in dks
                and not (u.unit_type in DISTRICT_LEVEL and district_key(u.name) in dks)
            ):
                continue
            ru.append((r.name, u.uid))
    db.conn.executemany("INSERT INTO _rule_units VALUES (?, ?)", ru)
    stats["documents_recomputed"] = _refresh_briefs(db, units, units_sig, rule_docs, stats)
    stats["documents_merged"] = stats.pop("_merged", 0)
    stats["_units"] = units
    stats["_docs"] = {d.id: d for d in directives}
    return stats


def _issuer_area(issuer_unit: str | None, gazetteer: Any) -> tuple[str, str]:
    """Keys of the area whose units a document binds: the issuer's province and district ('' when any)."""
    from briefwatch.issuers import issuer_area

    prov, district = issuer_area(issuer_unit, gazetteer) if issuer_unit else (None, None)
    return (text_key(prov) if prov else ""), (district_key(district) if district else "")


def _documents_hit(db: sqlite_utils.Database, members: set[int]) -> set[int]:
    """The documents for which a mention of one of ``members`` counts (document_matches)."""
    out: set[int] = set()
    ids = sorted(members)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        out.update(
            d
            for (d,) in db.execute(
                f"SELECT DISTINCT document FROM document_matches WHERE member IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    return out | members


def _refresh_briefs(
    db: sqlite_utils.Database, units: list[_Unit], sig: str, rule_docs: list[tuple], stats: dict
) -> int:
    """Bring alert_briefs up to date for the watched documents; return how many were recomputed.

    A document is recomputed when it is not cached yet, its issue date or the units changed, or an event
    with a mention that counts for it (itself, a partial code, an unresolved mention) was edited or deleted
    since the last evaluation; events only added are merged into the cache (the first briefing can only get
    earlier).
    """
    watched = {d.id: issued.isoformat() for _r, d, issued in rule_docs}
    cached = {
        d: (i, us) for d, i, us in db.execute("SELECT document, issued, units_sig FROM alert_brief_docs")
    }
    # the documents the noted (event, document) pairs touch; the pairs stay in SQLite (a fresh database notes
    # every link it was filled with: 1.5 million at 1M events)
    touched = {
        op: {d for (d,) in db.execute("SELECT DISTINCT document_id FROM alert_dirty WHERE op = ?", [op])}
        for op in ("add", "del")
    }
    hit_add = _documents_hit(db, touched["add"])
    hit_del = _documents_hit(db, touched["del"])
    stale = {d for d in cached if d in hit_del}
    redo = {d for d, i in watched.items() if d in stale or cached.get(d) != (i, sig)}
    incr = {d for d in watched if d not in redo and d in hit_add}
    drop = sorted(stale | redo | {d for d in set(cached) - set(watched) if d in hit_add})
    for i in range(0, len(drop), 500):
        chunk = drop[i : i + 500]
        marks = ",".join("?" * len(chunk))
        db.execute(f"DELETE FROM alert_briefs WHERE document IN ({marks})", chunk)
        db.execute(f"DELETE FROM alert_brief_docs WHERE document IN ({marks})", chunk)
    if incr:
        db.execute(
            "INSERT OR IGNORE INTO _dirty_ev SELECT event_id, document_id FROM alert_dirty WHERE op = 'add'"
        )
    db.execute("DELETE FROM alert_dirty")
    db.conn.executemany(
        "INSERT INTO _watched VALUES (?, ?, ?)",
        [(d, watched[d], int(d in incr)) for d in sorted(redo | incr)],
    )
    if incr:
        db.execute(
            "INSERT INTO _docinc SELECT m.member, w.doc, w.issued FROM _watched w "
            "JOIN document_matches m ON m.document = w.doc WHERE w.inc = 1"
        )
        emap, _amb = _map_events(db, units, _EVENT_STRINGS_ADD)
        db.conn.executemany("INSERT OR IGNORE INTO _emap VALUES (?,?,?,?)", emap)
        db.execute(_BRIEF_ADD)
        stats["_merged"] = len(incr)
    if not redo:
        return 0
    db.execute(
        "INSERT INTO _docmatch SELECT m.member, w.doc, w.issued FROM _watched w "
        "JOIN document_matches m ON m.document = w.doc WHERE w.inc = 0"
    )
    bulk = len(redo) >= _BULK_DOCUMENTS
    emap, stats["events_ambiguous"] = _map_events(db, units, _EVENT_STRINGS_ALL if bulk else _EVENT_STRINGS)
    db.conn.executemany("INSERT OR IGNORE INTO _emap VALUES (?,?,?,?)", emap)
    db.execute(_BRIEF_BULK if bulk else _BRIEF)
    ts = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    db.conn.executemany(
        "INSERT INTO alert_brief_docs (document, issued, units_sig, computed_at) VALUES (?, ?, ?, ?)",
        [(d, watched[d], sig, ts) for d in sorted(redo)],
    )
    return len(redo)


# --------------------------------------------------------------------------- evaluate


def _in_scope(scope: Scope, row: dict) -> bool:
    """Does the (rule, document, unit) row fall in the recipient's scope? Every given criterion applies."""
    if scope.all:
        return True
    if scope.unit:
        if text_key(scope.unit) != text_key(row["unit"]):
            return False
        if (
            scope.district
            and row.get("district")
            and district_key(scope.district) != district_key(row["district"])
        ):
            return False
    elif scope.district:
        dk = district_key(scope.district)
        if not (
            district_key(row.get("district")) == dk
            or (row.get("unit_type") in DISTRICT_LEVEL and district_key(row["unit"]) == dk)
        ):
            return False
    if scope.units and text_key(row["unit"]) not in {text_key(u) for u in scope.units}:
        return False
    if scope.province and province_key(row.get("province")) != province_key(scope.province):
        return False
    if scope.unit_types and row.get("unit_type") not in scope.unit_types:
        return False
    if scope.issuer_unit and text_key(row.get("issuer_unit")) != text_key(scope.issuer_unit):
        return False
    return True


def recipient_wants(rc: Recipient, row: dict) -> bool:
    return (rc.rules is None or row["rule"] in rc.rules) and _in_scope(rc.scope, row)


def evaluate(
    db: sqlite_utils.Database,
    rules: Rules,
    as_of: dt.date | str,
    *,
    now: dt.datetime | None = None,
    gazetteer: Any = None,
    prefilter: bool = True,
    mail_from: str | None = None,
    dry_run: bool = False,
) -> dict:
    """Evaluate every rule at ``as_of``; write states and queue digests in one transaction. Returns a summary.
    ``dry_run``: compute the same summary, then roll back (no state written, nothing queued)."""
    from alerts import digest, outbox

    as_of = dt.date.fromisoformat(as_of[:10]) if isinstance(as_of, str) else as_of
    now = now or dt.datetime.now(dt.UTC)
    ts = now.isoformat(timespec="seconds")
    if gazetteer is None:
        from briefwatch.gazetteer import load_gazetteer

        gazetteer = load_gazetteer()
    a = as_of.isoformat()
    summary: dict[str, Any] = {"as_of": a, "rules": len(rules.rules), "rule_errors": len(rules.errors)}
    # a page cache of 32 MB for this run (SQLite's default is 2 MB): the 557,000 rows of a first run are written
    # without re-reading b-tree pages from the OS; restored after
    cache = [db.execute(f"PRAGMA {s}.cache_size").fetchone()[0] for s in ("main", "temp")]
    db.execute("PRAGMA main.cache_size = -32768")
    db.execute("PRAGMA temp.cache_size = -32768")
    db.execute("BEGIN IMMEDIATE")
    try:
        clock = [time.perf_counter()]

        def lap() -> float:
            clock.append(time.perf_counter())
            return round(clock[-1] - clock[-2], 3)

        stats = _prepare(db, rules, as_of, gazetteer)
        seconds = {"prepare": lap()}
        stats.pop("_units")
        docs = stats.pop("_docs")
        summary.update(stats)
        last = db.execute("SELECT as_of FROM alert_runs ORDER BY id DESC LIMIT 1").fetchone()
        last_as_of = last[0][:10] if last else None
        # every row is looked at on a first run, when asked, or when going back in time (wake_on looks forward)
        full = not prefilter or last_as_of is None or a < last_as_of
        summary["triples"] = cells.triples(db)
        examined = cells.candidates(db, a, last_as_of, full)
        seconds["candidates"] = lap()
        changed = cells.apply(db, a, ts, full)
        seconds["states"] = lap()
        summary["rows_examined"] = summary["triples"] if full else examined
        _script(db, notes.NOTES)
        removed = cells.remove_unwatched(db)
        summary.update(changed=changed, removed=removed)
        summary["notifications"] = notes.kinds(db)
        queued = 0
        for rc in rules.recipients:
            mine = notes.RecipientNotes(db, rc, recipient_wants)
            if not mine.counts():
                continue
            msg = digest.build_digest(db, rules, rc, mine, as_of, docs)
            queued += outbox.enqueue(
                db, rc.email, msg.key, msg.subject, msg.message, kind="digest", now=now, sender=mail_from
            )
        summary["digests_queued"] = queued
        seconds["digests"] = lap()
        summary["seconds"] = seconds
        if dry_run:
            db.execute("ROLLBACK")
            summary["dry_run"] = True
            log.info("alerts evaluate %s (dry run, nothing written): %s", a, summary)
            return summary
        db.execute(
            "INSERT INTO alert_runs (as_of, started_at, ended_at, summary) VALUES (?, ?, ?, ?)",
            [
                a,
                ts,
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                json.dumps(summary, ensure_ascii=False),
            ],
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    finally:
        db.execute(f"PRAGMA main.cache_size = {int(cache[0])}")
        db.execute(f"PRAGMA temp.cache_size = {int(cache[1])}")
        for stmt in cells.DROP_TRIGGERS:  # temp triggers live as long as the connection: not beyond this run
            db.execute(stmt)
    log.info("alerts evaluate %s: %s", a, summary)
    return summary


def silence(
    db: sqlite_utils.Database,
    *,
    document: str,
    issuer_unit: str | None = None,
    unit: str | None = None,
    district: str | None = None,
    rule: str | None = None,
    until: dt.date | None = None,
    reason: str,
    now: dt.datetime | None = None,
) -> int:
    """Silence the matching states (not resolved/briefed ones) until a date (None: for good). Returns the count."""
    if not reason or not reason.strip():
        raise ValueError("a reason is required")
    ts = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    rows = db.execute(
        "SELECT rule, document_id, unit_id, unit, district, issuer_unit FROM alert_states "
        "WHERE document = ? AND state NOT IN ('resolved', 'briefed')" + (" AND rule = ?" if rule else ""),
        [document] + ([rule] if rule else []),
    ).fetchall()
    hit = [
        r
        for r in rows
        if (not unit or text_key(unit) == text_key(r[3]))
        and (not district or district_key(district) == district_key(r[4]) or not r[4])
        and (not issuer_unit or text_key(issuer_unit) == text_key(r[5]))
    ]
    if not issuer_unit and len({r[1] for r in hit}) > 1:
        names = ", ".join(sorted({r[5] or "(issuer unresolved)" for r in hit}))
        raise ValueError(f"{document} is numbered by several issuers ({names}): give the issuer unit")
    with immediate(db):
        db.conn.executemany(
            "UPDATE alert_cells SET state = 'silenced', silenced_until = ?, silence_reason = ?, wake_on = ?, "
            "updated_at = ? WHERE gid = (SELECT gid FROM alert_groups WHERE rule = ? AND document_id = ?) "
            "AND uid IN (SELECT uid FROM alert_units WHERE unit_id = ?)",
            [
                (
                    until.isoformat() if until else None,
                    reason.strip(),
                    until.isoformat() if until else None,
                    ts,
                    *r[:3],
                )
                for r in hit
            ],
        )
    return len(hit)
