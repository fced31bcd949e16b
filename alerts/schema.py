"""Tables of the alerting feature (issue 4), as the ``briefwatch-alerts`` sqlite-utils migration set.

Stable names (analysts build views on them): ``alert_states`` (one row per rule, document and unit),
``watched_documents`` (the directives register: manual decisions and corrections), ``outbox`` (every
message, written before it is sent) and ``alert_runs`` (one row per evaluation).
"""

from __future__ import annotations

import sqlite3

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("briefwatch-alerts")


def _run(db: sqlite_utils.Database, script: str) -> None:
    # one statement at a time (executescript() would COMMIT the migration's transaction); a statement
    # ends where sqlite3.complete_statement says so, so trigger bodies with ';' stay whole
    buf = ""
    for line in (script + ";").splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip(" ;\n"):
                db.execute(buf)
            buf = ""


@migrations()
def a001_alerts(db: sqlite_utils.Database) -> None:
    _run(
        db,
        """
        CREATE TABLE watched_documents (
            code TEXT PRIMARY KEY,          -- 25-CT/TU (full code)
            title TEXT,                     -- manual title / subject correction
            issued TEXT,                    -- manual issue date correction (ISO), wins over documents.issued
            type TEXT,                      -- manual type correction (chi_thi, nghi_quyet, ...)
            issuer TEXT,                    -- manual issuer correction
            watched INTEGER,                -- 1 watched, 0 unwatched, NULL: the rules decide
            decided_by TEXT NOT NULL DEFAULT 'manual',   -- manual | rule
            rule TEXT,                      -- a manual watch limited to one rule (NULL: every rule)
            notes TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE alert_states (
            rule TEXT NOT NULL,
            document TEXT NOT NULL,
            unit_id TEXT NOT NULL,          -- gazetteer code (names repeat across districts: xã Tiền Phong)
            unit TEXT NOT NULL,             -- display name from the gazetteer: xã Đại Thịnh
            unit_type TEXT,
            district TEXT,
            province TEXT,
            unit_key TEXT,                  -- normalised match key (see alerts.keys)
            state TEXT NOT NULL,            -- not_due|overdue|reminded|resolved|silenced|briefed|no_coverage|source_failing
            issued TEXT,
            due_date TEXT,
            briefed_on TEXT,                -- date of the first qualifying briefing found
            first_alerted_at TEXT,
            last_notified_at TEXT,
            resolved_at TEXT,
            silenced_until TEXT,
            silence_reason TEXT,
            event_id INTEGER,               -- evidence event (no FK: events may be rebuilt)
            updated_at TEXT NOT NULL,
            PRIMARY KEY (rule, document, unit_id)
        );
        CREATE INDEX idx_alert_states_state ON alert_states(rule, state);
        CREATE INDEX idx_alert_states_document ON alert_states(document);
        CREATE INDEX idx_alert_states_unit ON alert_states(unit);
        CREATE TABLE alert_runs (
            id INTEGER PRIMARY KEY,
            as_of TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            summary TEXT                    -- JSON
        );
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            recipient TEXT NOT NULL,
            digest_key TEXT NOT NULL,       -- what the message is about: running twice gives the same key
            kind TEXT NOT NULL,             -- digest | operator
            subject TEXT NOT NULL,
            message_id TEXT NOT NULL UNIQUE,
            message BLOB NOT NULL,          -- the RFC 5322 bytes, Message-ID included: a retry resends them as is
            status TEXT NOT NULL DEFAULT 'pending',   -- pending | sending | sent | dead
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            claimed_at TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            transport TEXT,                 -- smtp URL without password, or the .eml path
            UNIQUE (recipient, digest_key)
        );
        CREATE INDEX idx_outbox_status ON outbox(status, next_attempt_at)
        """,
    )


@migrations()
def a002_brief_cache(db: sqlite_utils.Database) -> None:
    """A cache of each watched document's first briefing per unit, kept fresh by triggers on the core tables.

    The triggers only note which document codes changed (``alert_dirty_codes``); the evaluation recomputes
    the cache for those documents alone, so it does not rescan a million events every day.
    """
    _run(
        db,
        """
        CREATE TABLE alert_briefs (
            document TEXT NOT NULL,          -- a watched full code
            ukey TEXT NOT NULL,              -- gazetteer unit (code@valid_to)
            bdate TEXT NOT NULL,             -- first briefing on/after the issue date
            event_id INTEGER,
            PRIMARY KEY (document, ukey)
        ) WITHOUT ROWID;
        CREATE TABLE alert_brief_docs (
            document TEXT PRIMARY KEY,       -- documents whose alert_briefs rows are complete
            issued TEXT NOT NULL,            -- the issue date they were computed for
            units_sig TEXT NOT NULL,         -- the gazetteer units they were computed with
            computed_at TEXT NOT NULL
        );
        CREATE TABLE alert_dirty (
            event_id INTEGER NOT NULL,
            code TEXT NOT NULL,
            op TEXT NOT NULL,                -- add: a briefing may be earlier now; del: recompute the document
            PRIMARY KEY (event_id, code, op)
        ) WITHOUT ROWID;
        CREATE TRIGGER alerts_dirty_ed_ai AFTER INSERT ON event_documents BEGIN
            INSERT OR IGNORE INTO alert_dirty VALUES (NEW.event_id, NEW.code, 'add');
        END;
        CREATE TRIGGER alerts_dirty_ed_ad AFTER DELETE ON event_documents BEGIN
            INSERT OR IGNORE INTO alert_dirty VALUES (OLD.event_id, OLD.code, 'del');
        END;
        CREATE TRIGGER alerts_dirty_ev_au AFTER UPDATE OF unit, district, province, date ON events BEGIN
            INSERT OR IGNORE INTO alert_dirty SELECT event_id, code, 'del' FROM event_documents WHERE event_id = NEW.id;
        END;
        CREATE TRIGGER alerts_dirty_ev_bd BEFORE DELETE ON events BEGIN
            INSERT OR IGNORE INTO alert_dirty SELECT event_id, code, 'del' FROM event_documents WHERE event_id = OLD.id;
        END;
        CREATE TRIGGER alerts_dirty_evi_ai AFTER INSERT ON event_evidence
        WHEN (SELECT date FROM events WHERE id = NEW.event_id) IS NULL BEGIN
            INSERT OR IGNORE INTO alert_dirty SELECT event_id, code, 'add' FROM event_documents WHERE event_id = NEW.event_id;
        END;
        CREATE TRIGGER alerts_dirty_art_au AFTER UPDATE OF published ON articles BEGIN
            INSERT OR IGNORE INTO alert_dirty
            SELECT ed.event_id, ed.code, 'del' FROM event_evidence ev JOIN event_documents ed ON ed.event_id = ev.event_id
            WHERE ev.article_id = NEW.id;
        END
        """,
    )
