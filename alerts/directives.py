"""The directives register: which documents the rules watch, plus supervisors' manual decisions.

Every document seen lands in ``documents`` (written by db.store, "best value wins"). Manual corrections
and watch decisions live in ``watched_documents`` and win over the extracted values here; the
``documents`` row itself is never edited by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlite_utils

from alerts import immediate
from alerts.keys import is_full_code, parse_code, text_key, type_abbrev
from alerts.rules import DocumentFilter, Rule, Rules


@dataclass(frozen=True)
class Directive:
    code: str
    type: str | None
    issuer: str | None
    issued: dt.date | None
    title: str | None
    first_seen: str | None
    watched: int | None  # manual decision: 1 / 0 / None (the rules decide)
    watch_rule: str | None  # a manual watch limited to one rule
    notes: str | None
    known: bool  # seen in an article (a row in documents)


def _date(s: str | None) -> dt.date | None:
    if not s:
        return None
    try:
        return dt.date.fromisoformat(str(s)[:10])
    except ValueError:
        return None


def normalise_code(code: str) -> str:
    """Upper case, no spaces, ``/TƯ`` as ``/TW`` (the form of documents.code)."""
    c = "".join((code or "").split()).upper().replace("TƯ", "TW")
    if not c:
        raise ValueError("empty document code")
    return c


def load_directives(db: sqlite_utils.Database) -> list[Directive]:
    """Every document seen plus every manual entry, manual corrections applied."""
    sql = """
        SELECT d.code, COALESCE(w.type, d.type) AS type, COALESCE(w.issuer, d.issuer) AS issuer,
               COALESCE(w.issued, d.issued) AS issued, COALESCE(w.title, d.subject) AS title, d.first_seen,
               w.watched, w.rule, w.notes, 1 AS known
        FROM documents d LEFT JOIN watched_documents w ON w.code = d.code
        UNION ALL
        SELECT w.code, w.type, w.issuer, w.issued, w.title, NULL, w.watched, w.rule, w.notes, 0
        FROM watched_documents w WHERE w.code NOT IN (SELECT code FROM documents)
        ORDER BY 1
    """
    return [
        Directive(r[0], r[1], r[2], _date(r[3]), r[4], r[5], r[6], r[7], r[8], bool(r[9]))
        for r in db.execute(sql).fetchall()
    ]


def matches(f: DocumentFilter, d: Directive) -> bool:
    """Does the rule's document filter select this (full-code, dated) document?"""
    if not is_full_code(d.code):
        return False
    if f.codes and d.code not in f.codes:
        return False
    _num, ctype, suffix = parse_code(d.code)
    if f.issuers:
        ok = False
        for want in f.issuers:
            if suffix and suffix.upper() == want.upper():
                ok = True
            elif len(want) > 8 and d.issuer and text_key(want) in text_key(d.issuer):
                ok = True
        if not ok:
            return False
    if f.types:
        kinds = {type_abbrev(ctype)} | ({type_abbrev(d.type)} if d.type else set())
        if not kinds & set(f.types):
            return False
    if f.issued_after and (d.issued is None or d.issued < f.issued_after):
        return False
    if f.issued_before and (d.issued is None or d.issued > f.issued_before):
        return False
    return True


def watched_by(rule: Rule, d: Directive) -> str | None:
    """'manual' or 'rule' when the rule watches the document, else None."""
    if d.watched == 1 and (d.watch_rule is None or d.watch_rule == rule.name) and is_full_code(d.code):
        return "manual"
    if d.watched == 0:
        return None
    return "rule" if matches(rule.documents, d) else None


def _now_iso(now: dt.datetime | None) -> str:
    return (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")


def add_directive(
    db: sqlite_utils.Database,
    code: str,
    *,
    issued: dt.date | None = None,
    title: str | None = None,
    type: str | None = None,
    issuer: str | None = None,
    notes: str | None = None,
    watch: bool | None = True,
    rule: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Add or correct a document by hand; given fields overwrite earlier corrections. Returns the code."""
    code = normalise_code(code)
    if not is_full_code(code):
        raise ValueError(f"{code}: give the full code with its issuer (24-CT/TU, 215/KH-UBND)")
    ts = _now_iso(now)
    with immediate(db):
        db.execute(
            "INSERT OR IGNORE INTO watched_documents (code, decided_by, created_at, updated_at) VALUES (?, 'manual', ?, ?)",
            [code, ts, ts],
        )
        fields = {
            "issued": issued.isoformat() if issued else None,
            "title": title,
            "type": type,
            "issuer": issuer,
            "notes": notes,
        }
        for k, v in fields.items():
            if v is not None:
                db.execute(
                    f"UPDATE watched_documents SET {k} = ?, updated_at = ? WHERE code = ?", [v, ts, code]
                )
        if watch is not None:
            db.execute(
                "UPDATE watched_documents SET watched = ?, rule = ?, decided_by = 'manual', updated_at = ? WHERE code = ?",
                [1 if watch else 0, rule, ts, code],
            )
    return code


def set_watched(
    db: sqlite_utils.Database,
    code: str,
    watched: bool | None,
    *,
    rule: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """``watch`` (True), ``unwatch`` (False) or hand back to the rules (None)."""
    code = normalise_code(code)
    known = db.execute(
        "SELECT 1 FROM documents WHERE code = ? UNION SELECT 1 FROM watched_documents WHERE code = ?",
        [code, code],
    ).fetchone()
    if not known:
        raise ValueError(
            f"{code}: unknown document (add it with `briefwatch directives add {code} --issued DATE`)"
        )
    if watched is None:
        return _reset(db, code, now)
    return add_directive(db, code, watch=watched, rule=rule, now=now)


def _reset(db: sqlite_utils.Database, code: str, now: dt.datetime | None) -> str:
    with immediate(db):
        db.execute(
            "UPDATE watched_documents SET watched = NULL, rule = NULL, decided_by = 'rule', updated_at = ? WHERE code = ?",
            [_now_iso(now), code],
        )
    return code


def register(db: sqlite_utils.Database, rules: Rules, *, watched_only: bool = False) -> list[dict]:
    """Rows for ``briefwatch directives list``: each document with the rules watching it and why."""
    out = []
    for d in load_directives(db):
        by = {r.name: w for r in rules.rules if (w := watched_by(r, d))}
        if watched_only and not by:
            continue
        out.append(
            {
                "code": d.code,
                "type": d.type,
                "issuer": d.issuer,
                "issued": d.issued.isoformat() if d.issued else None,
                "title": d.title,
                "first_seen": d.first_seen,
                "manual": {1: "watch", 0: "unwatch"}.get(d.watched) if d.watched is not None else None,
                "watched_by": by,
                "notes": d.notes,
            }
        )
    return out
