"""This evaluation's notifications, per recipient, without holding them all in memory.

The rows written with a notification kind (``_new``) become the temp table ``_notes``. A recipient's scope
is a condition on the unit (unit, district, units, province, unit types) and on the group (rules, issuer
unit), so it is decided once per unit and once per group in Python (``recipient_wants``, the same test as
before) and applied to the notes by a join. A digest then reads counts per document, the notes of the few
documents it details, and its key, streamed in order.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict

import sqlite_utils

from alerts.rules import Recipient

NOTES = """
DROP TABLE IF EXISTS temp._notes;
CREATE TEMP TABLE _notes AS
SELECT n.gid, n.uid, g.rule, g.document_id, g.document, g.issuer_unit, au.unit_id, au.unit, au.district, n.kind,
       g.rule || '|' || g.document || '|' || COALESCE(g.issuer_unit, '') || '|' || COALESCE(g.issued, '') || '|'
           || au.unit_id || '|' || n.kind AS k
FROM _new n JOIN alert_groups g ON g.gid = n.gid JOIN alert_units au ON au.uid = n.uid
WHERE n.kind IS NOT NULL;
CREATE INDEX temp._notes_gid ON _notes(gid);
CREATE INDEX temp._notes_uid ON _notes(uid);
DROP TABLE IF EXISTS temp._note_counts;
CREATE TEMP TABLE _note_counts AS SELECT gid, kind, COUNT(*) AS n FROM _notes GROUP BY gid, kind;
DROP TABLE IF EXISTS temp._note_units;
CREATE TEMP TABLE _note_units AS SELECT DISTINCT uid FROM _notes;
DROP TABLE IF EXISTS temp._rc_groups;
CREATE TEMP TABLE _rc_groups (gid INTEGER PRIMARY KEY);
DROP TABLE IF EXISTS temp._rc_scope;
CREATE TEMP TABLE _rc_scope (uid INTEGER PRIMARY KEY)
"""


def kinds(db: sqlite_utils.Database) -> dict[str, int]:
    return dict(db.execute("SELECT kind, SUM(n) FROM _note_counts GROUP BY kind ORDER BY kind").fetchall())


class RecipientNotes:
    """The notes one recipient hears about (after ``select``): counts, details, key."""

    def __init__(self, db: sqlite_utils.Database, rc: Recipient, wants) -> None:
        self.db = db
        self._counts: dict | None = None
        db.execute("DELETE FROM _rc_groups")
        # a recipient's scope is decided once per unit (the same test as ``recipient_wants``) and applied in SQL;
        # a city-wide scope keeps every unit and is not tested. The notes' units are decided here, the other
        # units only when a digest lists a section's rows (``scope``)
        self.scoped = not rc.scope.all
        self._scope_done = False
        self._wants_unit = Recipient(
            email=rc.email, scope=dataclasses.replace(rc.scope, issuer_unit=None), rules=None
        )
        self._wants = wants
        db.execute("DELETE FROM _rc_scope")
        if self.scoped:
            self._decide(
                "SELECT uid, unit, unit_type, district, province FROM alert_units WHERE uid IN (SELECT uid FROM _note_units)"
            )
        every_unit = not self.scoped or (
            db.execute("SELECT COUNT(*) FROM _rc_scope").fetchone()[0]
            == db.execute("SELECT COUNT(*) FROM _note_units").fetchone()[0]
        )
        groups = db.execute(
            "SELECT gid, rule, issuer_unit FROM alert_groups WHERE gid IN (SELECT gid FROM _note_counts)"
        ).fetchall()
        group_scope = dataclasses.replace(
            rc.scope, unit=None, district=None, units=(), province=None, unit_types=()
        )
        keep = [
            (gid,)
            for gid, rule, issuer_unit in groups
            if wants(
                Recipient(email=rc.email, scope=group_scope, rules=rc.rules),
                {"rule": rule, "unit": "", "issuer_unit": issuer_unit},
            )
        ]
        db.conn.executemany("INSERT INTO _rc_groups VALUES (?)", keep)
        # the notes the recipient hears: joined to the units and groups kept, when some were not
        groups_join = "" if len(keep) == len(groups) else " JOIN _rc_groups rg ON rg.gid = n.gid"
        self._all = every_unit and not groups_join  # every note: the counts made once for all recipients
        # a scoped recipient's notes are read unit by unit through the uid index (CROSS JOIN: in that order), not
        # by scanning every note of the evaluation (a province's supervisor: 10,000 of a country's 341,000)
        self._from = (
            "FROM _notes n" if every_unit else "FROM _rc_scope ru CROSS JOIN _notes n ON n.uid = ru.uid"
        ) + groups_join

    def _decide(self, sql: str) -> None:
        """Add to ``_rc_scope`` the units that ``sql`` lists (uid, unit, unit_type, district, province) and the
        recipient's scope keeps."""
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO _rc_scope VALUES (?)",
            [
                (uid,)
                for uid, unit, unit_type, district, province in self.db.execute(sql)
                if self._wants(
                    self._wants_unit,
                    {
                        "rule": "",
                        "unit": unit,
                        "unit_type": unit_type,
                        "district": district,
                        "province": province,
                    },
                )
            ],
        )

    def scope(self) -> None:
        """Make ``_rc_scope`` hold every unit of the recipient's scope (for the rows of a digest's sections)."""
        if self.scoped and not self._scope_done:
            self._decide(
                "SELECT uid, unit, unit_type, district, province FROM alert_units "
                "WHERE uid NOT IN (SELECT uid FROM _note_units)"
            )
            self._scope_done = True

    def counts(self) -> dict[tuple[str, int, str, str | None], dict[str, int]]:
        """(rule, document_id, code, issuer_unit) → {kind: n}."""
        if self._counts is not None:
            return self._counts
        out: dict[tuple, dict[str, int]] = defaultdict(dict)
        sql = (
            "SELECT g.rule, g.document_id, g.document, g.issuer_unit, c.kind, c.n FROM _note_counts c "
            "JOIN alert_groups g ON g.gid = c.gid"
            if self._all
            else f"SELECT n.rule, n.document_id, n.document, n.issuer_unit, n.kind, COUNT(*) {self._from} "
            "GROUP BY n.gid, n.kind"
        )
        for rule, doc, code, issuer, kind, n in self.db.execute(sql):
            out[(rule, doc, code, issuer)][kind] = n
        self._counts = dict(out)
        return self._counts

    def of(self, docs: list[tuple[str, int]]) -> dict[tuple[str, int], dict[tuple[str, str | None], str]]:
        """(rule, document_id) → {(unit, district): notification kind}, for the documents a digest details."""
        out: dict[tuple[str, int], dict[tuple[str, str | None], str]] = defaultdict(dict)
        wanted = set(docs)
        for rule, doc, unit, district, kind in self.db.execute(
            f"SELECT n.rule, n.document_id, n.unit, n.district, n.kind {self._from} WHERE n.gid IN "
            "(SELECT gid FROM alert_groups WHERE "
            + " OR ".join("(rule = ? AND document_id = ?)" for _ in wanted)
            + ") ORDER BY n.rule, n.document_id, n.unit_id",
            [x for key in sorted(wanted) for x in key],
        ):
            out[(rule, doc)][(unit, district)] = kind
        return dict(out)

    def key(self, as_of: str) -> str:
        """What the digest is about, the same for the same news: a hash of its notes in order, streamed."""
        h = hashlib.sha256()
        cur = self.db.conn.execute(f"SELECT n.k {self._from} ORDER BY n.k")
        sep = ""
        while chunk := cur.fetchmany(20_000):
            h.update((sep + "\n".join(k for (k,) in chunk)).encode())
            sep = "\n"
        return f"digest:{as_of}:" + h.hexdigest()[:20]
