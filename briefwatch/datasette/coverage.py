"""The data behind the coverage page of one directive: every expected unit with a status.

Pure functions over a read-only ``sqlite3.Connection`` (Datasette runs them in its thread pool).

Expected units and due dates come from the alert engine's ``alert_states`` (one rule at a time) when it has
evaluated the document; otherwise from the gazetteer (every Hanoi unit valid on the issue date: communes
and districts before 2025-07-01, communes and wards after), with no due dates. Briefings come from the
``coverage`` view, so a briefing stored after the last alert run already shows.

Statuses: ``briefed`` (on or before the due date), ``late`` (after it), ``overdue`` (none, past due;
reminded and silenced included), ``not_due`` (none yet, due date ahead), ``no_coverage`` (no working
source reports on the unit), and ``not_briefed`` (none found, no rule gives a due date).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from briefwatch.i18n import N_
from briefwatch.text import key

STATUSES: list[tuple[str, str]] = [  # labels in English, translated when the page is rendered
    ("overdue", N_("Overdue")),
    ("no_coverage", N_("No coverage")),
    ("not_due", N_("Not due")),
    ("not_briefed", N_("Not briefed")),
    ("late", N_("Briefed late")),
    ("briefed", N_("Briefed")),
]
STATUS_LABELS = dict(STATUSES)
REFORM = dt.date(2025, 7, 1)
_COMMUNE = ("xa", "phuong", "thi_tran", "dac_khu")
_DISTRICT = ("quan", "huyen", "thi_xa", "thanh_pho_thuoc_tinh")


def normalise_code(code: str) -> str:
    """A document code as stored: upper case, no spaces, /TƯ written /TW."""
    return "".join(code.split()).upper().replace("TƯ", "TW")


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), else None (a scraped ``javascript:`` URL never becomes a link)."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None


def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [name]).fetchone() is not None


def _rows(conn: sqlite3.Connection, sql: str, params: list | tuple = ()) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def status_of(state: str | None, briefed_on: str | None, due: str | None) -> str:
    """The page status of one unit from its alert state (None: no rule), first briefing and due date."""
    if briefed_on:
        return "late" if due and briefed_on[:10] > due[:10] else "briefed"
    if state == "briefed":
        return "briefed"
    if state == "resolved":
        return "late"
    if state in ("overdue", "reminded", "silenced"):
        return "overdue"
    if state == "not_due":
        return "not_due"
    if state in ("no_coverage", "source_failing"):
        return "no_coverage"
    return "not_briefed"


class _CoverageIndex:
    """Coverage rows looked up by unit name and district (names repeat across districts)."""

    def __init__(self, rows: list[dict[str, Any]]):
        self.rows = rows
        self.used: set[int] = set()
        self.by_name: dict[str, list[int]] = {}
        for i, r in enumerate(rows):
            self.by_name.setdefault(key(r["unit"]), []).append(i)

    def take(self, unit: str, district: str | None, unique_name: bool) -> dict[str, Any] | None:
        cands = self.by_name.get(key(unit), [])
        exact = [i for i in cands if key(self.rows[i]["district"]) == key(district)]
        loose = [i for i in cands if not self.rows[i]["district"] or not district] if unique_name else []
        for i in exact + loose:
            self.used.add(i)
        pick = exact or loose
        if not pick:
            return None
        return min((self.rows[i] for i in pick), key=lambda r: r["first_date"] or "9999")

    def unused(self) -> list[dict[str, Any]]:
        return [r for i, r in enumerate(self.rows) if i not in self.used]


def _expected_from_gazetteer(on: dt.date, province: str) -> list[dict[str, Any]]:
    try:
        from briefwatch.gazetteer import load_gazetteer
    except ImportError:  # pragma: no cover - the gazetteer ships with briefwatch
        return []
    levels = _COMMUNE if on >= REFORM else _COMMUNE + _DISTRICT
    units = load_gazetteer().units(on, province=province, levels=levels)
    return [
        {"unit": u.name, "unit_type": u.unit_type, "district": u.district, "state": None, "due_date": None}
        for u in units
    ]


def _reference_date(doc: dict[str, Any], today: dt.date) -> dt.date:
    for k in ("issued", "first_seen", "first_briefing"):
        v = doc.get(k)
        if v:
            try:
                return dt.date.fromisoformat(v[:10])
            except ValueError:
                continue
    return today


def coverage_page(
    conn: sqlite3.Connection,
    code: str,
    *,
    today: dt.date,
    rule: str | None = None,
    province: str = "Hà Nội",
    doc_id: int | None = None,
) -> dict[str, Any] | None:
    """Everything the coverage page shows for document ``code`` (the row ``doc_id`` when several issuers
    number that code; default: the first one with a resolved issuer); None when the document is unknown."""
    code = normalise_code(code)
    docs = _rows(
        conn,
        "SELECT d.*, instr(d.code, '/') = 0 AS partial, fa.url AS first_seen_url"
        " FROM documents d LEFT JOIN articles fa ON fa.id = d.first_article_id WHERE d.code = ?"
        " ORDER BY d.issuer_unit IS NULL, d.issuer_unit, d.year, d.id",
        [code],
    )
    if not docs:
        return None
    doc = next((d for d in docs if d["id"] == doc_id), docs[0])
    others = [d for d in docs if d["id"] != doc["id"]]
    province = doc.get("issuer_province") or province
    others_by_issuer = [
        {"id": d["id"], "issuer_unit": d["issuer_unit"], "issued": d["issued"]} for d in others
    ]
    cov = _rows(conn, "SELECT * FROM coverage WHERE document_id = ? ORDER BY unit", [doc["id"]])
    # each event belongs to one unit: the overview's counts follow from the coverage rows
    doc["units_briefed"] = len(cov)
    doc["events"] = sum(c["events"] for c in cov)
    doc["first_briefing"] = min((c["first_date"] for c in cov if c["first_date"]), default=None)
    rules: list[str] = []
    alert_rows: list[dict[str, Any]] = []
    if _table_exists(conn, "alert_states"):
        rules = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT rule FROM alert_states WHERE document_id = ? ORDER BY rule", [doc["id"]]
            )
        ]
        if rules:
            rule = rule if rule in rules else rules[0]
            alert_rows = _rows(
                conn, "SELECT * FROM alert_states WHERE rule = ? AND document_id = ?", [rule, doc["id"]]
            )
    if alert_rows:
        expected = alert_rows
        source = "rule"
        on = None
    else:
        rule = None
        on = _reference_date(doc, today)
        expected = _expected_from_gazetteer(on, province)
        source = "gazetteer"

    name_count: dict[str, int] = {}
    for u in expected:
        name_count[key(u["unit"])] = name_count.get(key(u["unit"]), 0) + 1
    index = _CoverageIndex(cov)
    units: list[dict[str, Any]] = []
    missing_evidence: list[dict[str, Any]] = []
    for u in expected:
        c = index.take(u["unit"], u.get("district"), name_count[key(u["unit"])] == 1)
        briefed_on = (c or {}).get("first_date") or u.get("briefed_on")
        row = {
            "unit": u["unit"],
            "unit_type": u.get("unit_type"),
            "district": u.get("district"),
            "state": u.get("state"),
            "due_date": u.get("due_date"),
            "status": status_of(u.get("state"), briefed_on, u.get("due_date")),
            "first_date": briefed_on,
            "events": (c or {}).get("events", 0),
            "url": safe_url((c or {}).get("first_url")),
            "title": (c or {}).get("first_title"),
            "event_id": (c or {}).get("first_event_id") or u.get("event_id"),
            "silenced_until": u.get("silenced_until"),
            "silence_reason": u.get("silence_reason"),
        }
        if c is None and row["event_id"]:
            missing_evidence.append(row)
        units.append(row)
    for row in missing_evidence:  # briefed per the alert engine, evidence found by event id
        ev = _rows(
            conn,
            "SELECT a.url, a.title FROM event_evidence ev JOIN articles a ON a.id = ev.article_id"
            " WHERE ev.event_id = ? ORDER BY a.published, a.id LIMIT 1",
            [row["event_id"]],
        )
        if ev:
            row["url"], row["title"] = safe_url(ev[0]["url"]), ev[0]["title"]

    order = {s: i for i, (s, _) in enumerate(STATUSES)}
    units.sort(key=lambda r: (order[r["status"]], key(r["district"]), key(r["unit"])))
    counts = {s: 0 for s, _ in STATUSES}
    for r in units:
        counts[r["status"]] += 1
    total = len(units)
    briefed = counts["briefed"] + counts["late"]
    groups = [
        {"status": s, "label": label, "count": counts[s], "units": [r for r in units if r["status"] == s]}
        for s, label in STATUSES
        if counts[s]
    ]
    others = [dict(r, url=safe_url(r["first_url"])) for r in index.unused()]
    return {
        "document": doc,
        "issuers": others_by_issuer,
        "code": code,
        "rule": rule,
        "rules": rules,
        "source": source,
        "reference_date": on.isoformat() if on else None,
        "province": province,
        "units": units,
        "groups": groups,
        "counts": counts,
        "total": total,
        "briefed": briefed,
        "percent": round(100 * briefed / total) if total else 0,
        "others": others,
    }


def documents_index(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Documents for the coverage index page, newest issue first, with how many events cite them.

    One pass over the event_documents index (under 0.1 s for a million events); an event citing both a
    partial and a full code is counted twice here (the coverage page counts it once).
    """
    return _rows(
        conn,
        """
        WITH cited AS (
            SELECT m.document, SUM(x.n) AS events
            FROM document_matches m
            JOIN (SELECT document_id, COUNT(*) AS n FROM event_documents GROUP BY document_id) x
                ON x.document_id = m.member
            GROUP BY m.document
        )
        SELECT d.id, d.code, d.issuer_unit, d.type, d.issuer, d.issued, d.subject, d.first_seen,
               instr(d.code, '/') = 0 AS partial, coalesce(c.events, 0) AS events
        FROM documents d LEFT JOIN cited c ON c.document = d.id
        ORDER BY coalesce(d.issued, substr(d.first_seen, 1, 10)) DESC, d.code, d.issuer_unit
        """,
    )
