"""The briefwatch schema, created and upgraded by versioned sqlite-utils ``Migrations``.

Every change to the schema is a new migration function appended to a set; a migration that has
run is never edited. Sets are applied in the order of ``MIGRATION_SETS`` (core first, then the
sets of later features, which may refer to core tables).

Stable names for analysts (see docs/schema.md): ``articles``, ``events``, ``documents`` and the
view ``events_flat``.
"""

from __future__ import annotations

import importlib

import sqlite_utils
from sqlite_utils import Migrations

core = Migrations("briefwatch")

# modules that define further Migrations sets (attribute ``migrations``), applied after core, in order
MIGRATION_MODULES: list[str] = ["alerts.schema", "briefwatch.daemon_schema", "db.analysts"]


@core()
def m001_core(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            family TEXT,
            home TEXT,               -- JSON: {"district": "Mê Linh"} / {"unit": "xã Tiền Phong"}
            config TEXT,             -- JSON of the registry entry as last loaded
            updated_at TEXT
        );
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,        -- canonical URL
            source TEXT NOT NULL,            -- the source that first stored it
            title TEXT,
            published TEXT,                  -- ISO date (publish date of the article)
            text TEXT,
            content_hash TEXT,               -- hash of the normalised title+text: republications share it
            extraction_path TEXT,            -- 'selectors' | 'generic' | 'feed' | 'text'
            fetched_at TEXT NOT NULL,
            extracted_at TEXT
        );
        CREATE INDEX idx_articles_hash ON articles(content_hash);
        CREATE INDEX idx_articles_published ON articles(published);
        CREATE TABLE article_sources (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            source TEXT NOT NULL,
            url TEXT NOT NULL,               -- canonical URL as seen on that source
            first_seen TEXT NOT NULL,
            PRIMARY KEY (article_id, source, url)
        );
        CREATE INDEX idx_article_sources_url ON article_sources(url);
        CREATE TABLE documents (
            code TEXT PRIMARY KEY,           -- 24-CT/TU, 215/KH-UBND, or a partial 24-CT
            type TEXT,
            issuer TEXT,
            issued TEXT,
            subject TEXT,
            first_seen TEXT,                 -- ISO timestamp of the first sighting
            first_article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL
        );
        CREATE TABLE article_documents (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            code TEXT NOT NULL REFERENCES documents(code),
            PRIMARY KEY (article_id, code)
        );
        CREATE INDEX idx_article_documents_code ON article_documents(code);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            event_key TEXT NOT NULL UNIQUE,  -- identity of the occasion: unit key | date | kind (see db.store)
            unit TEXT NOT NULL,
            unit_type TEXT NOT NULL,
            district TEXT,
            province TEXT,
            kind TEXT NOT NULL,
            date TEXT,
            attendees INTEGER,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_events_unit ON events(unit);
        CREATE INDEX idx_events_date ON events(date);
        CREATE TABLE event_documents (
            event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            code TEXT NOT NULL REFERENCES documents(code),
            PRIMARY KEY (event_id, code)
        );
        CREATE INDEX idx_event_documents_code ON event_documents(code);
        CREATE TABLE event_evidence (
            event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            PRIMARY KEY (event_id, article_id)
        );
        CREATE INDEX idx_event_evidence_article ON event_evidence(article_id);
        CREATE TABLE http_validators (
            url TEXT PRIMARY KEY,            -- feed or listing URL
            etag TEXT,
            last_modified TEXT,
            checked_at TEXT
        );
        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            status TEXT NOT NULL,            -- running | ok | failed | killed | timeout
            requests INTEGER DEFAULT 0,
            new_articles INTEGER DEFAULT 0,
            events INTEGER DEFAULT 0,
            errors INTEGER DEFAULT 0,
            fallback_share REAL,
            stats TEXT                       -- JSON of the Scrapy stats
        );
        CREATE INDEX idx_crawl_runs_source ON crawl_runs(source, started_at);
        CREATE VIEW events_flat AS
            SELECT e.id AS event_id, e.unit, e.unit_type, e.district, e.province,
                   ed.code AS document, e.kind, e.date, e.attendees,
                   a.url, a.source, a.published
            FROM events e
            JOIN event_documents ed ON ed.event_id = e.id
            JOIN event_evidence ev ON ev.event_id = e.id
            JOIN articles a ON a.id = ev.article_id;
        """
    )


@core()
def m002_crawl_failures(db: sqlite_utils.Database) -> None:
    """Crawl memory for URLs that failed (HTTP errors, timeouts, invalid pages): retried on later runs
    up to a limit, and not counted as "new" when deciding whether to follow a listing's next page."""
    db.executescript(
        """
        CREATE TABLE crawl_failures (
            url TEXT PRIMARY KEY,            -- canonical URL
            source TEXT NOT NULL,
            reason TEXT NOT NULL,            -- http_500, timeout, maxsize, redirect_loop, invalid:..., ...
            attempts INTEGER NOT NULL DEFAULT 1,
            first_at TEXT NOT NULL,
            last_at TEXT NOT NULL
        );
        CREATE INDEX idx_crawl_failures_source ON crawl_failures(source);
        """
    )


def migration_sets() -> list[Migrations]:
    sets = [core]
    for name in MIGRATION_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a feature module not written yet
            if exc.name == name:
                continue
            raise
        sets.append(mod.migrations)
    return sets


def apply_migrations(db: sqlite_utils.Database) -> None:
    """Apply every pending migration of every set, in order. Safe to call at each start."""
    for m in migration_sets():
        m.apply(db)
