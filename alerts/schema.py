"""Tables of the alerting feature (issue 4), as the ``briefwatch-alerts`` sqlite-utils migration set.

Stable names (analysts build views on them): ``alert_states`` (one row per rule, document and unit),
``watched_documents`` (the directives register: manual decisions and corrections), ``outbox`` (every
message, written before it is sent) and ``alert_runs`` (one row per evaluation).
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

from db.schema import run_script

migrations = Migrations("briefwatch-alerts")


# one statement at a time (executescript() would COMMIT the migration's transaction)
_run = run_script


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


_DIRTY_TRIGGERS = """
        CREATE TRIGGER alerts_dirty_ed_ai AFTER INSERT ON event_documents BEGIN
            INSERT OR IGNORE INTO alert_dirty VALUES (NEW.event_id, NEW.document_id, 'add');
        END;
        CREATE TRIGGER alerts_dirty_ed_ad AFTER DELETE ON event_documents BEGIN
            INSERT OR IGNORE INTO alert_dirty VALUES (OLD.event_id, OLD.document_id, 'del');
        END;
        CREATE TRIGGER alerts_dirty_ev_au AFTER UPDATE OF unit, district, province, date ON events BEGIN
            INSERT OR IGNORE INTO alert_dirty SELECT event_id, document_id, 'del' FROM event_documents WHERE event_id = NEW.id;
        END;
        CREATE TRIGGER alerts_dirty_ev_bd BEFORE DELETE ON events BEGIN
            INSERT OR IGNORE INTO alert_dirty SELECT event_id, document_id, 'del' FROM event_documents WHERE event_id = OLD.id;
        END;
        CREATE TRIGGER alerts_dirty_evi_ai AFTER INSERT ON event_evidence
        WHEN (SELECT date FROM events WHERE id = NEW.event_id) IS NULL BEGIN
            INSERT OR IGNORE INTO alert_dirty SELECT event_id, document_id, 'add' FROM event_documents WHERE event_id = NEW.event_id;
        END;
        CREATE TRIGGER alerts_dirty_art_au AFTER UPDATE OF published ON articles BEGIN
            INSERT OR IGNORE INTO alert_dirty
            SELECT ed.event_id, ed.document_id, 'del' FROM event_evidence ev JOIN event_documents ed ON ed.event_id = ev.event_id
            WHERE ev.article_id = NEW.id;
        END
"""


@migrations()
def a003_document_ids(db: sqlite_utils.Database) -> None:
    """Issue #10: alert tables name a document by ``document_id`` (documents.id), since two issuers may use
    one code. The register (``watched_documents``) and ``alert_states`` keep every row: a code is mapped to
    its document (a register entry never seen in an article gets a ``documents`` row of its own, with
    ``first_seen`` NULL). The brief cache is a cache: it is emptied and rebuilt by the next evaluation."""
    db.execute("PRAGMA defer_foreign_keys = ON")
    _run(
        db,
        """
        DROP VIEW IF EXISTS overdue_units;
        DROP TRIGGER IF EXISTS alerts_dirty_ed_ai;
        DROP TRIGGER IF EXISTS alerts_dirty_ed_ad;
        DROP TRIGGER IF EXISTS alerts_dirty_ev_au;
        DROP TRIGGER IF EXISTS alerts_dirty_ev_bd;
        DROP TRIGGER IF EXISTS alerts_dirty_evi_ai;
        DROP TRIGGER IF EXISTS alerts_dirty_art_au;
        DROP TABLE alert_briefs;
        DROP TABLE alert_brief_docs;
        DROP TABLE alert_dirty;
        INSERT INTO documents (code, issuer_key, year, issued, type, issuer, subject)
            SELECT w.code, '', CAST(substr(w.issued, 1, 4) AS INTEGER), w.issued, w.type, w.issuer, w.title
            FROM watched_documents w WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.code = w.code);
        INSERT INTO documents (code, issuer_key)
            SELECT DISTINCT s.document, '' FROM alert_states s
            WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.code = s.document);
        CREATE TABLE watched_documents_new (
            document_id INTEGER PRIMARY KEY REFERENCES documents(id),
            code TEXT NOT NULL,             -- 25-CT/TU (full code), for display
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
        INSERT INTO watched_documents_new
            SELECT (SELECT MIN(d.id) FROM documents d WHERE d.code = w.code), w.code, w.title, w.issued, w.type,
                   w.issuer, w.watched, w.decided_by, w.rule, w.notes, w.created_at, w.updated_at
            FROM watched_documents w;
        DROP TABLE watched_documents;
        ALTER TABLE watched_documents_new RENAME TO watched_documents;
        CREATE TABLE alert_states_new (
            rule TEXT NOT NULL,
            document_id INTEGER NOT NULL,   -- documents.id
            document TEXT NOT NULL,         -- its code, for display and filters: 24-CT/TU
            issuer_unit TEXT,               -- its issuer unit (NULL: unresolved)
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
            PRIMARY KEY (rule, document_id, unit_id)
        );
        INSERT INTO alert_states_new
            SELECT s.rule, (SELECT MIN(d.id) FROM documents d WHERE d.code = s.document), s.document, NULL,
                   s.unit_id, s.unit, s.unit_type, s.district, s.province, s.unit_key, s.state, s.issued, s.due_date,
                   s.briefed_on, s.first_alerted_at, s.last_notified_at, s.resolved_at, s.silenced_until,
                   s.silence_reason, s.event_id, s.updated_at
            FROM alert_states s;
        DROP TABLE alert_states;
        ALTER TABLE alert_states_new RENAME TO alert_states;
        CREATE INDEX idx_alert_states_state ON alert_states(rule, state);
        CREATE INDEX idx_alert_states_document ON alert_states(document);
        CREATE INDEX idx_alert_states_document_id ON alert_states(document_id);
        CREATE INDEX idx_alert_states_unit ON alert_states(unit);
        CREATE TABLE alert_briefs (
            document INTEGER NOT NULL,       -- a watched documents.id
            ukey TEXT NOT NULL,              -- gazetteer unit (code@valid_to)
            bdate TEXT NOT NULL,             -- first briefing on/after the issue date
            event_id INTEGER,
            PRIMARY KEY (document, ukey)
        ) WITHOUT ROWID;
        CREATE TABLE alert_brief_docs (
            document INTEGER PRIMARY KEY,    -- documents whose alert_briefs rows are complete
            issued TEXT NOT NULL,            -- the issue date they were computed for
            units_sig TEXT NOT NULL,         -- the gazetteer units they were computed with
            computed_at TEXT NOT NULL
        );
        CREATE TABLE alert_dirty (
            event_id INTEGER NOT NULL,
            document_id INTEGER NOT NULL,
            op TEXT NOT NULL,                -- add: a briefing may be earlier now; del: recompute the document
            PRIMARY KEY (event_id, document_id, op)
        ) WITHOUT ROWID
        """,
    )
    _run(db, _DIRTY_TRIGGERS)
