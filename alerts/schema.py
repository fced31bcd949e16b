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


# the analysts' view of the alert engine's state: the same columns as the alert_states table it replaces
ALERT_STATES_VIEW = """
        CREATE VIEW alert_states AS
        SELECT g.rule, g.document_id, g.document, g.issuer_unit, u.unit_id, u.unit, u.unit_type, u.district,
               u.province, u.unit_key, c.state, g.issued, COALESCE(c.due_date, g.due_date) AS due_date,
               c.briefed_on, c.first_alerted_at, c.last_notified_at, c.resolved_at, c.silenced_until,
               c.silence_reason, c.event_id, c.updated_at
        FROM alert_cells c JOIN alert_groups g ON g.gid = c.gid JOIN alert_units u ON u.uid = c.uid;
        CREATE TRIGGER alert_states_insert INSTEAD OF INSERT ON alert_states BEGIN
            INSERT INTO alert_units (ident, unit_id, unit, unit_type, district, province, unit_key)
                VALUES (NEW.unit_id || '|' || NEW.unit || '|' || COALESCE(NEW.unit_type, '') || '|'
                        || COALESCE(NEW.district, '') || '|' || COALESCE(NEW.province, ''),
                        NEW.unit_id, NEW.unit, NEW.unit_type, NEW.district, NEW.province, NEW.unit_key)
                ON CONFLICT (ident) DO NOTHING;
            INSERT INTO alert_groups (rule, document_id, document, issuer_unit, issued, due_date)
                VALUES (NEW.rule, COALESCE(NEW.document_id, (SELECT MIN(id) FROM documents WHERE code = NEW.document)),
                        NEW.document, NEW.issuer_unit, NEW.issued, NEW.due_date)
                ON CONFLICT (rule, document_id) DO NOTHING;
            INSERT OR REPLACE INTO alert_cells (gid, uid, state, due_date, briefed_on, event_id, first_alerted_at,
                    last_notified_at, resolved_at, silenced_until, silence_reason, updated_at)
                SELECT g.gid, u.uid, NEW.state, NULLIF(NEW.due_date, g.due_date), NEW.briefed_on, NEW.event_id,
                       NEW.first_alerted_at, NEW.last_notified_at, NEW.resolved_at, NEW.silenced_until,
                       NEW.silence_reason, NEW.updated_at
                FROM alert_groups g, alert_units u
                WHERE g.rule = NEW.rule
                  AND g.document_id = COALESCE(NEW.document_id, (SELECT MIN(id) FROM documents WHERE code = NEW.document))
                  AND u.ident = NEW.unit_id || '|' || NEW.unit || '|' || COALESCE(NEW.unit_type, '') || '|'
                        || COALESCE(NEW.district, '') || '|' || COALESCE(NEW.province, '');
        END;
        CREATE TRIGGER alert_states_delete INSTEAD OF DELETE ON alert_states BEGIN
            DELETE FROM alert_cells
            WHERE gid = (SELECT gid FROM alert_groups WHERE rule = OLD.rule AND document_id = OLD.document_id)
              AND uid IN (SELECT uid FROM alert_units WHERE unit_id = OLD.unit_id);
        END
"""


@migrations()
def a004_alert_cells(db: sqlite_utils.Database) -> None:
    """Issue #13: the alert state is stored narrow, so that evaluating 557,000 (rule, document, unit) rows
    writes integers and dates, not names: ``alert_groups`` (one row per rule and document: code, issuer,
    issue and due dates), ``alert_units`` (one row per unit as shown: code, name, type, district, province,
    and its coverage at the last evaluation) and ``alert_cells`` (one row per group and unit: the state and
    its dates, and ``wake_on``, the first day on which time alone may change it). ``alert_states`` becomes a
    view with the same columns as the table it replaces; inserts and deletes on it still work. Every row is
    kept; the next evaluation recomputes ``wake_on`` and the groups' rule settings, changing no state."""
    _run(
        db,
        """
        CREATE TABLE alert_units (
            uid INTEGER PRIMARY KEY,        -- the unit's row id (alert_cells.uid)
            ident TEXT NOT NULL UNIQUE,     -- unit_id|unit|unit_type|district|province
            unit_id TEXT NOT NULL,          -- gazetteer code
            unit TEXT NOT NULL,             -- display name from the gazetteer: xã Đại Thịnh
            unit_type TEXT,                 -- xa, phuong, thi_tran, quan, huyen, ...
            district TEXT,                  -- district of a commune-level unit (before July 2025)
            province TEXT,                  -- province of the unit
            unit_key TEXT,                  -- normalised match key of the name (see alerts.keys)
            cover TEXT                      -- ok | none | failing, at the last evaluation
        );
        CREATE TABLE alert_groups (
            gid INTEGER PRIMARY KEY,        -- the group's row id (alert_cells.gid)
            rule TEXT NOT NULL,             -- alert rule name (alerts.yaml)
            document_id INTEGER NOT NULL,   -- documents.id
            document TEXT NOT NULL,         -- its code: 24-CT/TU
            issuer_unit TEXT,               -- its issuer unit (NULL: unresolved)
            issued TEXT,                    -- issue date the rule counted from
            due_date TEXT,                  -- issue date + the rule's deadline_days
            sig TEXT,                       -- the rule's settings and unit set it was evaluated with
            UNIQUE (rule, document_id)
        );
        CREATE TABLE alert_cells (
            gid INTEGER NOT NULL,           -- alert_groups.gid
            uid INTEGER NOT NULL,           -- alert_units.uid
            state TEXT NOT NULL,            -- not_due|overdue|reminded|resolved|silenced|briefed|no_coverage|source_failing
            due_date TEXT,                  -- NULL: the group's
            briefed_on TEXT,                -- date of the first qualifying briefing found
            event_id INTEGER,               -- evidence event (no FK: events may be rebuilt)
            first_alerted_at TEXT,          -- as-of date of the first overdue alert
            last_notified_at TEXT,          -- as-of date of the last alert or reminder
            resolved_at TEXT,               -- as-of date a briefing was found after the alert or the deadline
            silenced_until TEXT,            -- silenced until this date (NULL with state silenced: for good)
            silence_reason TEXT,            -- why it was silenced
            wake_on TEXT,                   -- first as-of date on which time alone may change the state
            updated_at TEXT NOT NULL,       -- when the state last changed (UTC)
            PRIMARY KEY (gid, uid)
        ) WITHOUT ROWID;
        CREATE INDEX idx_alert_cells_wake ON alert_cells(wake_on) WHERE wake_on IS NOT NULL;
        INSERT INTO alert_units (ident, unit_id, unit, unit_type, district, province, unit_key)
            SELECT s.unit_id || '|' || s.unit || '|' || COALESCE(s.unit_type, '') || '|' || COALESCE(s.district, '')
                   || '|' || COALESCE(s.province, ''), s.unit_id, s.unit, s.unit_type, s.district, s.province,
                   MAX(s.unit_key)
            FROM alert_states s GROUP BY 1;
        INSERT INTO alert_groups (rule, document_id, document, issuer_unit, issued, due_date)
            SELECT rule, document_id, MAX(document), MAX(issuer_unit), MAX(issued), MAX(due_date)
            FROM alert_states GROUP BY rule, document_id;
        INSERT INTO alert_cells (gid, uid, state, due_date, briefed_on, event_id, first_alerted_at, last_notified_at,
                                 resolved_at, silenced_until, silence_reason, updated_at)
            SELECT g.gid, u.uid, s.state, NULLIF(s.due_date, g.due_date), s.briefed_on, s.event_id, s.first_alerted_at,
                   s.last_notified_at, s.resolved_at, s.silenced_until, s.silence_reason, s.updated_at
            FROM alert_states s
            JOIN alert_groups g ON g.rule = s.rule AND g.document_id = s.document_id
            JOIN alert_units u ON u.ident = s.unit_id || '|' || s.unit || '|' || COALESCE(s.unit_type, '') || '|'
                 || COALESCE(s.district, '') || '|' || COALESCE(s.province, '');
        DROP TABLE alert_states
        """
        + ";"
        + ALERT_STATES_VIEW,
    )
