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
    id: int  # documents.id
    code: str
    issuer_unit: str | None  # whose numbering (None: unresolved)
    issuer_province: str | None  # the issuer's province (None: central organ or unknown)
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
    """Every document seen or added by hand, manual corrections applied."""
    sql = """
        SELECT d.id, d.code, d.issuer_unit, d.issuer_province, COALESCE(w.type, d.type) AS type,
               COALESCE(w.issuer, d.issuer) AS issuer, COALESCE(w.issued, d.issued) AS issued,
               COALESCE(w.title, d.subject) AS title, d.first_seen, w.watched, w.rule, w.notes,
               d.first_seen IS NOT NULL AS known
        FROM documents d LEFT JOIN watched_documents w ON w.document_id = d.id
        ORDER BY d.code, d.issuer_key, d.year, d.id
    """
    return [
        Directive(
            r[0], r[1], r[2], r[3], r[4], r[5], _date(r[6]), r[7], r[8], r[9], r[10], r[11], bool(r[12])
        )
        for r in db.execute(sql).fetchall()
    ]


def matches(f: DocumentFilter, d: Directive, province: str | None = None) -> bool:
    """Does the rule's document filter select this (full-code, dated) document? ``province``: the rule's.

    A code suffix (``issuer: TU``) means the documents of that suffix whose issuer is in the rule's province
    (or unresolved); ``issuer_unit`` names the issuing bodies themselves."""
    if not is_full_code(d.code):
        return False
    if f.codes and d.code not in f.codes:
        return False
    if f.issuer_units and not (
        d.issuer_unit and text_key(d.issuer_unit) in {text_key(u) for u in f.issuer_units}
    ):
        return False
    _num, ctype, suffix = parse_code(d.code)
    if f.issuers:
        ok = False
        for want in f.issuers:
            if suffix and suffix.upper() == want.upper():
                ok = not (
                    province and d.issuer_province and text_key(d.issuer_province) != text_key(province)
                )
                ok = ok and not (province and d.issuer_unit and text_key(d.issuer_unit) == "trung ương")
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
    return "rule" if matches(rule.documents, d, rule.units.province) else None


def _now_iso(now: dt.datetime | None) -> str:
    return (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")


def label(code: str, issuer_unit: str | None) -> str:
    """How a document is named to people: ``24-CT/TU (thành phố Hà Nội)``; the code alone when unresolved."""
    return f"{code} ({issuer_unit})" if issuer_unit else code


def resolve_document(
    db: sqlite_utils.Database,
    code: str,
    issuer_unit: str | None = None,
    *,
    year: int | None = None,
    create: bool = False,
) -> int:
    """The documents.id of ``code`` (of ``issuer_unit`` when given). Without an issuer unit the code must name
    one document; several issuers numbering the same code is an error that lists them. ``create``: a
    document not seen yet gets a row (first_seen NULL: known from the register only)."""
    from db.store import find_document, issuer_area, match_key

    if issuer_unit:
        found = find_document(db, code, issuer_unit, year)
        if found is None and not create:
            raise ValueError(f"{label(code, issuer_unit)}: unknown document")
    else:
        rows = db.execute(
            "SELECT id, issuer_unit, year FROM documents WHERE code = ? ORDER BY id", [code]
        ).fetchall()
        if year is not None:
            rows = [r for r in rows if r[2] in (None, year)] or rows
        if len(rows) > 1:
            names = ", ".join(sorted({r[1] or "(issuer unresolved)" for r in rows}))
            raise ValueError(f"{code} is numbered by several issuers ({names}): give --issuer-unit")
        found = rows[0][0] if rows else None
        if found is None and not create:
            raise ValueError(
                f"{code}: unknown document (add it with `briefwatch directives add {code} --issued DATE`)"
            )
    if found is not None:
        return found
    prov, _district = issuer_area(issuer_unit)
    return db.execute(
        "INSERT INTO documents (code, issuer_unit, issuer_key, issuer_province, year) VALUES (?, ?, ?, ?, ?)",
        [code, issuer_unit, match_key(issuer_unit) if issuer_unit else "", prov, year],
    ).lastrowid


def add_directive(
    db: sqlite_utils.Database,
    code: str,
    *,
    issuer_unit: str | None = None,
    issued: dt.date | None = None,
    title: str | None = None,
    type: str | None = None,
    issuer: str | None = None,
    notes: str | None = None,
    watch: bool | None = True,
    rule: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Add or correct a document by hand; given fields overwrite earlier corrections. Returns its label."""
    code = normalise_code(code)
    if not is_full_code(code):
        raise ValueError(f"{code}: give the full code with its issuer (24-CT/TU, 215/KH-UBND)")
    ts = _now_iso(now)
    with immediate(db):
        doc_id = resolve_document(db, code, issuer_unit, year=issued.year if issued else None, create=True)
        db.execute(
            "INSERT OR IGNORE INTO watched_documents (document_id, code, decided_by, created_at, updated_at) "
            "VALUES (?, ?, 'manual', ?, ?)",
            [doc_id, code, ts, ts],
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
                    f"UPDATE watched_documents SET {k} = ?, updated_at = ? WHERE document_id = ?",
                    [v, ts, doc_id],
                )
        if watch is not None:
            db.execute(
                "UPDATE watched_documents SET watched = ?, rule = ?, decided_by = 'manual', updated_at = ? "
                "WHERE document_id = ?",
                [1 if watch else 0, rule, ts, doc_id],
            )
        unit = db.execute("SELECT issuer_unit FROM documents WHERE id = ?", [doc_id]).fetchone()[0]
    return label(code, unit)


def set_watched(
    db: sqlite_utils.Database,
    code: str,
    watched: bool | None,
    *,
    issuer_unit: str | None = None,
    rule: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """``watch`` (True), ``unwatch`` (False) or hand back to the rules (None). Returns the document's label."""
    code = normalise_code(code)
    doc_id = resolve_document(db, code, issuer_unit)
    unit = db.execute("SELECT issuer_unit FROM documents WHERE id = ?", [doc_id]).fetchone()[0]
    if watched is None:
        with immediate(db):
            db.execute(
                "UPDATE watched_documents SET watched = NULL, rule = NULL, decided_by = 'rule', updated_at = ? "
                "WHERE document_id = ?",
                [_now_iso(now), doc_id],
            )
        return label(code, unit)
    return add_directive(db, code, issuer_unit=unit, watch=watched, rule=rule, now=now)


def register(db: sqlite_utils.Database, rules: Rules, *, watched_only: bool = False) -> list[dict]:
    """Rows for ``briefwatch directives list``: each document with the rules watching it and why."""
    out = []
    for d in load_directives(db):
        by = {r.name: w for r in rules.rules if (w := watched_by(r, d))}
        if watched_only and not by:
            continue
        out.append(
            {
                "id": d.id,
                "code": d.code,
                "issuer_unit": d.issuer_unit,
                "type": d.type,
                "issuer": d.issuer,
                "issued": d.issued.isoformat() if d.issued else None,
                "title": d.title,
                "subject": d.title,
                "first_seen": d.first_seen,
                "manual": {1: "watch", 0: "unwatch"}.get(d.watched) if d.watched is not None else None,
                "watched_by": by,
                "notes": d.notes,
            }
        )
    return out
