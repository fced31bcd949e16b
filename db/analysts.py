"""What analysts read: views over the core tables, and diacritics-insensitive full-text search.

The ``briefwatch-analysts`` migration set (applied last, after core and alerts) adds:

- ``document_matches`` (a table kept by triggers on ``documents``): which stored codes count for a
  document (itself; a partial code such as ``24-CT`` counts for every full code with that number and
  type, ``24-CT/TU``, and the reverse);
- ``coverage``: one row per (document, unit) that briefed it, with the first briefing and its evidence;
- ``documents_overview``: each document with issue date, first sighting and briefing counts;
- ``overdue_units``: alert states still overdue, per rule;
- ``articles_fts``: FTS5 over ``articles(title, text)`` with ``unicode61 remove_diacritics 2``, kept
  current by triggers. ``đ``/``Đ`` (and the look-alike ``ð``/``Ð``) are folded to ``d``/``D`` in SQL
  before indexing, because unicode61 keeps đ as a letter of its own.

Query with :func:`fts_query` (or :func:`search_articles`): it folds the query the same way, so
"quan triet chi thi 24" finds "quán triệt Chỉ thị 24" and "Thanh uy" finds "Thành ủy" / "Thành uỷ".
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import sqlite_utils
from sqlite_utils import Migrations

from db.schema import run_script

migrations = Migrations("briefwatch-analysts")

FTS_TABLE = "articles_fts"


def _fold_sql(col: str) -> str:
    """SQL expression folding đ/Đ/ð/Ð to d/D (the tokenizer strips every other mark itself)."""
    return f"replace(replace(replace(replace({col}, 'Đ', 'D'), 'đ', 'd'), 'Ð', 'D'), 'ð', 'd')"


# A partial code P (no "/") matches the full codes starting with "P/": the key range [P/, P0), since
# "0" follows "/" in code order. The table is small (one row per document, plus partial matches).
_NEW_MATCHES = """
        INSERT OR IGNORE INTO document_matches (document, code) VALUES (new.code, new.code);
        INSERT OR IGNORE INTO document_matches (document, code)
            SELECT f.code, new.code FROM documents f
            WHERE instr(new.code, '/') = 0 AND f.code > new.code || '/' AND f.code < new.code || '0'
            UNION ALL
            SELECT new.code, f.code FROM documents f
            WHERE instr(new.code, '/') = 0 AND f.code > new.code || '/' AND f.code < new.code || '0'
            UNION ALL
            SELECT p.code, new.code FROM documents p
            WHERE instr(new.code, '/') > 0 AND p.code = substr(new.code, 1, instr(new.code, '/') - 1)
            UNION ALL
            SELECT new.code, p.code FROM documents p
            WHERE instr(new.code, '/') > 0 AND p.code = substr(new.code, 1, instr(new.code, '/') - 1);
"""
_DOC_MATCHES = [
    """
    CREATE TABLE document_matches (
        document TEXT NOT NULL,          -- documents.code
        code TEXT NOT NULL,              -- a stored code that counts for it (itself, or partial/full)
        PRIMARY KEY (document, code)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX idx_document_matches_code ON document_matches(code)",
    f"CREATE TRIGGER document_matches_ai AFTER INSERT ON documents BEGIN {_NEW_MATCHES} END",
    """
    CREATE TRIGGER document_matches_ad AFTER DELETE ON documents BEGIN
        DELETE FROM document_matches WHERE document = old.code OR code = old.code;
    END
    """,
    f"""
    CREATE TRIGGER document_matches_au AFTER UPDATE OF code ON documents BEGIN
        DELETE FROM document_matches WHERE document = old.code OR code = old.code;
        {_NEW_MATCHES}
    END
    """,
    # the documents stored before this migration
    "INSERT OR IGNORE INTO document_matches (document, code) SELECT code, code FROM documents",
    """
    INSERT OR IGNORE INTO document_matches (document, code)
        SELECT f.code, p.code FROM documents p JOIN documents f
            ON instr(p.code, '/') = 0 AND f.code > p.code || '/' AND f.code < p.code || '0'
        UNION ALL
        SELECT p.code, f.code FROM documents p JOIN documents f
            ON instr(p.code, '/') = 0 AND f.code > p.code || '/' AND f.code < p.code || '0'
    """,
]

_VIEWS = [
    # bare columns next to a single MIN() come from the row holding the minimum (SQLite rule): the key
    # orders by briefing date (publish date when the event has none), then publish date, event, article
    """
    CREATE VIEW coverage AS
    SELECT document, unit, unit_type, district, province, first_date, first_date_estimated, first_url,
           first_title, first_source, first_published, first_event_id, first_article_id, events, articles
    FROM (
        SELECT dm.document, e.unit, e.unit_type, e.district, e.province,
               coalesce(e.date, substr(a.published, 1, 10)) AS first_date,
               e.date IS NULL AS first_date_estimated,
               a.url AS first_url, a.title AS first_title, a.source AS first_source,
               a.published AS first_published, e.id AS first_event_id, a.id AS first_article_id,
               COUNT(DISTINCT e.id) AS events, COUNT(DISTINCT a.id) AS articles,
               MIN(coalesce(e.date, substr(a.published, 1, 10), '9999-12-31')
                   || printf(' %s %012d %012d', coalesce(a.published, '9999'), e.id, coalesce(a.id, 0))) AS first_key
        FROM document_matches dm
        JOIN event_documents ed ON ed.code = dm.code
        JOIN events e ON e.id = ed.event_id
        LEFT JOIN event_evidence ev ON ev.event_id = e.id
        LEFT JOIN articles a ON a.id = ev.article_id
        GROUP BY dm.document, e.unit, e.unit_type, e.district, e.province
    )
    """,
    """
    CREATE VIEW documents_overview AS
    SELECT d.code, d.type, d.issuer, d.issued, d.subject,
           instr(d.code, '/') = 0 AS partial,
           d.first_seen, fa.url AS first_seen_url,
           (SELECT MIN(e.date) FROM document_matches m JOIN event_documents ed ON ed.code = m.code
              JOIN events e ON e.id = ed.event_id WHERE m.document = d.code) AS first_briefing,
           (SELECT MAX(e.date) FROM document_matches m JOIN event_documents ed ON ed.code = m.code
              JOIN events e ON e.id = ed.event_id WHERE m.document = d.code) AS last_briefing,
           (SELECT COUNT(*) FROM (SELECT 1 FROM document_matches m JOIN event_documents ed ON ed.code = m.code
              JOIN events e ON e.id = ed.event_id WHERE m.document = d.code
              GROUP BY e.unit, e.unit_type, e.district, e.province)) AS units_briefed,
           (SELECT COUNT(DISTINCT ed.event_id) FROM document_matches m
              JOIN event_documents ed ON ed.code = m.code WHERE m.document = d.code) AS events,
           (SELECT COUNT(DISTINCT ad.article_id) FROM document_matches m
              JOIN article_documents ad ON ad.code = m.code WHERE m.document = d.code) AS articles
    FROM documents d
    LEFT JOIN articles fa ON fa.id = d.first_article_id
    """,
    # alert_states belongs to the alerts set (applied before this one)
    """
    CREATE VIEW overdue_units AS
    SELECT rule, document, unit, unit_type, district, province, state, issued, due_date,
           CAST(julianday('now') - julianday(due_date) AS INTEGER) AS days_overdue,
           first_alerted_at, last_notified_at, silenced_until, silence_reason
    FROM alert_states
    WHERE state IN ('overdue', 'reminded', 'silenced')
    """,
]

_FTS = [
    f"""
    CREATE VIEW articles_fts_source AS
        SELECT id, {_fold_sql("title")} AS title, {_fold_sql("text")} AS text FROM articles
    """,
    f"""
    CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
        title, text, content='articles_fts_source', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    f"""
    CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
        INSERT INTO {FTS_TABLE}(rowid, title, text)
        VALUES (new.id, {_fold_sql("new.title")}, {_fold_sql("new.text")});
    END
    """,
    f"""
    CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, text)
        VALUES ('delete', old.id, {_fold_sql("old.title")}, {_fold_sql("old.text")});
    END
    """,
    f"""
    CREATE TRIGGER articles_fts_au AFTER UPDATE OF id, title, text ON articles BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, text)
        VALUES ('delete', old.id, {_fold_sql("old.title")}, {_fold_sql("old.text")});
        INSERT INTO {FTS_TABLE}(rowid, title, text)
        VALUES (new.id, {_fold_sql("new.title")}, {_fold_sql("new.text")});
    END
    """,
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]


@migrations()
def n001_views_and_search(db: sqlite_utils.Database) -> None:
    # one statement at a time (executescript would commit the migration's transaction)
    for stmt in _DOC_MATCHES + _VIEWS + _FTS:
        db.execute(stmt)


# Issue #10: documents are rows with an id (one per code, issuer unit and year). ``document_matches`` pairs
# ids: a document counts for itself; a partial code (24-CT) for the full codes of that number and type, and
# the reverse; an unresolved mention (issuer_key '') of a code for every document of that code, and the
# reverse; two resolved rows count for each other only through a partial code of the same issuer.
_COMPATIBLE = """
    (f.issuer_key = '' OR new.issuer_key = '' OR f.issuer_key = new.issuer_key)
    AND (
        (f.code = new.code AND (f.issuer_key = '' OR new.issuer_key = ''))
        OR (instr(new.code, '/') = 0 AND f.code > new.code || '/' AND f.code < new.code || '0')
        OR (instr(f.code, '/') = 0 AND new.code > f.code || '/' AND new.code < f.code || '0')
    )
"""
_NEW_MATCHES_2 = f"""
        INSERT OR IGNORE INTO document_matches (document, member) VALUES (new.id, new.id);
        INSERT OR IGNORE INTO document_matches (document, member)
            SELECT f.id, new.id FROM documents f WHERE f.id != new.id AND {_COMPATIBLE}
            UNION ALL
            SELECT new.id, f.id FROM documents f WHERE f.id != new.id AND {_COMPATIBLE};
"""
_DOC_MATCHES_2 = [
    "DROP TRIGGER IF EXISTS document_matches_ai",
    "DROP TRIGGER IF EXISTS document_matches_ad",
    "DROP TRIGGER IF EXISTS document_matches_au",
    "DROP TABLE IF EXISTS document_matches",
    """
    CREATE TABLE document_matches (
        document INTEGER NOT NULL,       -- documents.id
        member INTEGER NOT NULL,         -- a documents.id whose mentions count for it (itself, partial, unresolved)
        PRIMARY KEY (document, member)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX idx_document_matches_member ON document_matches(member)",
    f"CREATE TRIGGER document_matches_ai AFTER INSERT ON documents BEGIN {_NEW_MATCHES_2} END",
    """
    CREATE TRIGGER document_matches_ad AFTER DELETE ON documents BEGIN
        DELETE FROM document_matches WHERE document = old.id OR member = old.id;
    END
    """,
    "INSERT OR IGNORE INTO document_matches (document, member) SELECT id, id FROM documents",
    "INSERT OR IGNORE INTO document_matches (document, member) SELECT f.id, new.id FROM documents f JOIN documents new"
    f" ON f.id != new.id AND {_COMPATIBLE}",
]

# an event counts for a document when the event's province (if known) is the issuer's (if known): an unresolved
# mention of 24-CT/TU in tỉnh Nghệ An does not brief thành phố Hà Nội's 24-CT/TU
_SAME_PROVINCE = "(d.issuer_province IS NULL OR e.province IS NULL OR e.province = d.issuer_province)"
_VIEWS_2 = [
    "DROP VIEW IF EXISTS coverage",
    "DROP VIEW IF EXISTS documents_overview",
    "DROP VIEW IF EXISTS overdue_units",
    f"""
    CREATE VIEW coverage AS
    SELECT document, issuer_unit, document_id, unit, unit_type, district, province, first_date,
           first_date_estimated, first_url, first_title, first_source, first_published, first_event_id,
           first_article_id, events, articles
    FROM (
        SELECT d.code AS document, d.issuer_unit, d.id AS document_id, e.unit, e.unit_type, e.district, e.province,
               coalesce(e.date, substr(a.published, 1, 10)) AS first_date,
               e.date IS NULL AS first_date_estimated,
               a.url AS first_url, a.title AS first_title, a.source AS first_source,
               a.published AS first_published, e.id AS first_event_id, a.id AS first_article_id,
               COUNT(DISTINCT e.id) AS events, COUNT(DISTINCT a.id) AS articles,
               MIN(coalesce(e.date, substr(a.published, 1, 10), '9999-12-31')
                   || printf(' %s %012d %012d', coalesce(a.published, '9999'), e.id, coalesce(a.id, 0))) AS first_key
        FROM documents d
        JOIN document_matches dm ON dm.document = d.id
        JOIN event_documents ed ON ed.document_id = dm.member
        JOIN events e ON e.id = ed.event_id AND {_SAME_PROVINCE}
        LEFT JOIN event_evidence ev ON ev.event_id = e.id
        LEFT JOIN articles a ON a.id = ev.article_id
        GROUP BY d.id, e.unit, e.unit_type, e.district, e.province
    )
    """,
    f"""
    CREATE VIEW documents_overview AS
    SELECT d.id, d.code, d.issuer_unit, d.issuer_province, d.year, d.type, d.issuer, d.issued, d.subject,
           instr(d.code, '/') = 0 AS partial, d.issuer_unit IS NULL AS unresolved,
           d.first_seen, fa.url AS first_seen_url,
           (SELECT MIN(e.date) FROM document_matches m JOIN event_documents ed ON ed.document_id = m.member
              JOIN events e ON e.id = ed.event_id AND {_SAME_PROVINCE} WHERE m.document = d.id) AS first_briefing,
           (SELECT MAX(e.date) FROM document_matches m JOIN event_documents ed ON ed.document_id = m.member
              JOIN events e ON e.id = ed.event_id AND {_SAME_PROVINCE} WHERE m.document = d.id) AS last_briefing,
           (SELECT COUNT(*) FROM (SELECT 1 FROM document_matches m JOIN event_documents ed ON ed.document_id = m.member
              JOIN events e ON e.id = ed.event_id AND {_SAME_PROVINCE} WHERE m.document = d.id
              GROUP BY e.unit, e.unit_type, e.district, e.province)) AS units_briefed,
           (SELECT COUNT(DISTINCT ed.event_id) FROM document_matches m
              JOIN event_documents ed ON ed.document_id = m.member
              JOIN events e ON e.id = ed.event_id AND {_SAME_PROVINCE} WHERE m.document = d.id) AS events,
           (SELECT COUNT(DISTINCT ad.article_id) FROM document_matches m
              JOIN article_documents ad ON ad.document_id = m.member WHERE m.document = d.id) AS articles
    FROM documents d
    LEFT JOIN articles fa ON fa.id = d.first_article_id
    """,
    """
    CREATE VIEW overdue_units AS
    SELECT rule, document, issuer_unit, document_id, unit, unit_type, district, province, state, issued, due_date,
           CAST(julianday('now') - julianday(due_date) AS INTEGER) AS days_overdue,
           first_alerted_at, last_notified_at, silenced_until, silence_reason
    FROM alert_states
    WHERE state IN ('overdue', 'reminded', 'silenced')
    """,
]


@migrations()
def n002_document_ids(db: sqlite_utils.Database) -> None:
    """Issue #10: ``document_matches`` and the views by documents.id, with the issuer unit shown."""
    for stmt in _DOC_MATCHES_2 + _VIEWS_2:
        db.execute(stmt)


# Issue #13: ``coverage`` reads a summary table kept exact by triggers, instead of aggregating every event of the
# document at each query (the busiest directive of a million events took 200-320 ms; the summary answers in ~1 ms).
#
# - ``coverage_summary``: one row per group of the old view (document_id, unit, unit_type, district, province) with
#   its counts and its first (event, article) pair, and since n004 that briefing's date, URL, title, source and
#   publish date (kept by the triggers, see n004 below); the view joins documents at read time for the code and
#   issuer, so edits of those need no maintenance.
# - ``coverage_events``: which events count for each group (the distinct (document, event) pairs of the old join,
#   province rule included), so that a group is recomputed from its own events (tens) and never from the document's
#   (tens of thousands).
# - ``coverage_dirty``: the groups a trigger touched, recomputed and emptied by the same trigger (always empty
#   between statements).
#
# Every trigger ends with ``_FLUSH``. ``_refresh_event`` re-derives one event's rows, ``_refresh_document`` one
# document's; both mark the groups they leave or enter as dirty.

# the old view's aggregation (the view n002 made), the definition the summary must equal (tests, check_coverage)
COVERAGE_LIVE_SQL = next(v for v in _VIEWS_2 if "CREATE VIEW coverage AS" in v).split(
    "CREATE VIEW coverage AS", 1
)[1]

# the summary row of document {doc} and event e's group
_GROUP = "s.document_id = {doc} AND s.unit = e.unit AND s.unit_type = e.unit_type AND s.district IS e.district AND s.province IS e.province"


# the (document, event) pairs of the old join, restricted by {where}: groups made when missing, facts added, and
# the groups marked dirty.
#
# ``CROSS JOIN coverage_summary s``: the group is looked up last, from the pair (SQLite never moves the right table
# of a CROSS JOIN to an outer loop). With a plain JOIN the planner may start from the document's groups and look
# the events up by place (idx_events_place, m004): every event of each group's unit, then a probe of
# event_documents. On a database where most documents are unresolved codes (bench_alerts: 1,300 document_matches
# rows, 571,000 groups, 557 places of ~1,800 events each) that is 675,000 (match, group) rows times the events of
# the place, 1.2 billion probes per statement instead of 1.65 million pairs: the backfill ran for hours.
def _derive(where: str, *, every_group_dirty: bool = False) -> str:
    pairs = f"""
        FROM event_documents ed
        JOIN document_matches dm ON dm.member = ed.document_id
        JOIN documents d ON d.id = dm.document
        JOIN events e ON e.id = ed.event_id AND {_SAME_PROVINCE}"""
    group = _GROUP.format(doc="d.id")
    dirty = (
        "INSERT INTO coverage_dirty (group_id) SELECT id FROM coverage_summary;"
        if every_group_dirty
        else f"""INSERT OR IGNORE INTO coverage_dirty (group_id)
            SELECT s.id {pairs} CROSS JOIN coverage_summary s ON {group} WHERE {where};"""
    )
    return f"""
        INSERT INTO coverage_summary (document_id, unit, unit_type, district, province)
            SELECT DISTINCT d.id, e.unit, e.unit_type, e.district, e.province {pairs}
            WHERE {where} AND NOT EXISTS (SELECT 1 FROM coverage_summary s WHERE {group});
        INSERT OR IGNORE INTO coverage_events (group_id, event_id)
            SELECT s.id, e.id {pairs} CROSS JOIN coverage_summary s ON {group} WHERE {where};
        {dirty}
    """


def _refresh_event(ev: str) -> str:
    """SQL re-deriving the coverage rows of event ``ev`` (an SQL expression: new.event_id)."""
    return f"""
        INSERT OR IGNORE INTO coverage_dirty (group_id) SELECT group_id FROM coverage_events WHERE event_id = {ev};
        DELETE FROM coverage_events WHERE event_id = {ev};
        {_derive(f"e.id = {ev}")}
    """


def _refresh_document(doc: str) -> str:
    """SQL re-deriving the coverage rows of document ``doc`` (an SQL expression)."""
    return f"""
        INSERT OR IGNORE INTO coverage_dirty (group_id) SELECT id FROM coverage_summary WHERE document_id = {doc};
        DELETE FROM coverage_events WHERE group_id IN (SELECT id FROM coverage_summary WHERE document_id = {doc});
        {_derive(f"d.id = {doc}")}
    """


def _touch_event(ev: str) -> str:
    """SQL marking the groups of event ``ev`` dirty (its evidence or an article of it changed)."""
    return f"INSERT OR IGNORE INTO coverage_dirty (group_id) SELECT group_id FROM coverage_events WHERE event_id = {ev};"


def _touch_article(art: str) -> str:
    return f"""
        INSERT OR IGNORE INTO coverage_dirty (group_id)
            SELECT f.group_id FROM event_evidence ev JOIN coverage_events f ON f.event_id = ev.event_id
            WHERE ev.article_id = {art};
    """


def _key(e: str, a: str) -> str:
    """The old view's first-briefing sort key of event alias ``e`` and article alias ``a`` (a may be NULL)."""
    return (
        f"coalesce({e}.date, substr({a}.published, 1, 10), '9999-12-31')"
        f" || printf(' %s %012d %012d', coalesce({a}.published, '9999'), {e}.id, coalesce({a}.id, 0))"
    )


# the first briefing's own fields (the old view's columns), stored in coverage_summary since n004
_FIRST_COLUMNS = (
    "first_date",
    "first_date_estimated",
    "first_url",
    "first_title",
    "first_source",
    "first_published",
)


def _first_values(e: str, a: str) -> list[str]:
    """The first briefing's fields of event alias ``e`` and article alias ``a`` (a may be NULL), as the old view
    computed them."""
    return [
        f"coalesce({e}.date, substr({a}.published, 1, 10))",
        f"{e}.date IS NULL",
        f"{a}.url",
        f"{a}.title",
        f"{a}.source",
        f"{a}.published",
    ]


def _flush(first_fields: bool) -> str:
    """Recompute the dirty groups from their events (the old view's aggregation over one group), drop the empty
    ones. ``first_fields``: also store the first briefing's fields (n004; n003 ran without them)."""
    cols = sel = vals = ""
    if first_fields:
        cols = sel = "".join(f", {c}" for c in _FIRST_COLUMNS)
        vals = "".join(
            f",\n                       {v} AS {c}"
            for v, c in zip(_first_values("e", "a"), _FIRST_COLUMNS, strict=True)
        )
    return f"""
        UPDATE coverage_summary SET (events, articles, first_event_id, first_article_id{cols}) = (
            SELECT events, articles, first_event_id, first_article_id{sel} FROM (
                SELECT COUNT(DISTINCT e.id) AS events, COUNT(DISTINCT a.id) AS articles,
                       MIN({_key("e", "a")}),
                       e.id AS first_event_id, a.id AS first_article_id{vals}
                FROM coverage_events f
                JOIN events e ON e.id = f.event_id
                LEFT JOIN event_evidence ev ON ev.event_id = e.id
                LEFT JOIN articles a ON a.id = ev.article_id
                WHERE f.group_id = coverage_summary.id))
        WHERE id IN (SELECT group_id FROM coverage_dirty);
        DELETE FROM coverage_events WHERE group_id IN (
            SELECT s.id FROM coverage_dirty g CROSS JOIN coverage_summary s ON s.id = g.group_id WHERE s.events = 0);
        DELETE FROM coverage_summary WHERE events = 0 AND id IN (SELECT group_id FROM coverage_dirty);
        DELETE FROM coverage_dirty;
"""


_FLUSH = _flush(first_fields=True)


# Inserts, the crawl's only writes, are merged without recomputing the group: a new (group, event) pair or a new
# evidence row can only add articles and an earlier first briefing. Everything else recomputes.

# the key of a group's current first briefing (NULL for a group not counted yet)
_CURRENT_KEY = f"""(SELECT {_key("fe", "fa")} FROM events fe LEFT JOIN articles fa ON fa.id = coverage_summary.first_article_id
    WHERE fe.id = coverage_summary.first_event_id)"""


def _new_first(cand_key: str, cand_event: str, cand_article: str) -> str:
    """SET clauses taking (cand_event, cand_article) as first briefing when its key sorts before the current one."""
    earlier = f"(events = 0 OR {cand_key} < {_CURRENT_KEY})"
    return f"""first_event_id = CASE WHEN {earlier} THEN {cand_event} ELSE first_event_id END,
               first_article_id = CASE WHEN {earlier} THEN {cand_article} ELSE first_article_id END"""


# the articles of the group's other events: an article already counted for the group
def _counted(article: str, ev: str) -> str:
    return f"""EXISTS (SELECT 1 FROM event_evidence ev2 JOIN coverage_events f2
        ON f2.event_id = ev2.event_id AND f2.group_id = coverage_summary.id
        WHERE ev2.article_id = {article} AND ev2.event_id != {ev})"""


def _event_first(ev: str, col: str) -> str:
    """The key (col 'k'), or the article id (col 'a'), of the earliest row of event ``ev``."""
    return f"""(SELECT {col} FROM (SELECT MIN({_key("e", "a")}) AS k, a.id AS a FROM events e
        LEFT JOIN event_evidence ev ON ev.event_id = e.id LEFT JOIN articles a ON a.id = ev.article_id
        WHERE e.id = {ev}))"""


_MENTION_ADDED = f"""
        INSERT INTO coverage_summary (document_id, unit, unit_type, district, province)
            SELECT DISTINCT d.id, e.unit, e.unit_type, e.district, e.province
            FROM document_matches dm JOIN documents d ON d.id = dm.document
            JOIN events e ON e.id = new.event_id AND {_SAME_PROVINCE}
            WHERE dm.member = new.document_id AND NOT EXISTS (SELECT 1 FROM coverage_summary s WHERE {_GROUP.format(doc="d.id")});
        INSERT OR IGNORE INTO coverage_added (group_id)
            SELECT s.id FROM document_matches dm JOIN documents d ON d.id = dm.document
            JOIN events e ON e.id = new.event_id AND {_SAME_PROVINCE}
            JOIN coverage_summary s ON {_GROUP.format(doc="d.id")}
            WHERE dm.member = new.document_id
              AND NOT EXISTS (SELECT 1 FROM coverage_events f WHERE f.group_id = s.id AND f.event_id = e.id);
        INSERT INTO coverage_events (group_id, event_id) SELECT group_id, new.event_id FROM coverage_added;
        UPDATE coverage_summary SET
            articles = articles + (SELECT COUNT(DISTINCT a.id) FROM event_evidence ev JOIN articles a ON a.id = ev.article_id
                                   WHERE ev.event_id = new.event_id AND NOT {_counted("a.id", "new.event_id")}),
            {_new_first(_event_first("new.event_id", "k"), "new.event_id", _event_first("new.event_id", "a"))},
            events = events + 1
        WHERE id IN (SELECT group_id FROM coverage_added);
        DELETE FROM coverage_added;
"""

# a new evidence row of an event already counted: one more article unless another event of the group has it; the
# event's row without evidence (if it had none) is gone, so a group whose first briefing it was is recomputed
_EVIDENCE_ADDED = f"""
        INSERT OR IGNORE INTO coverage_dirty (group_id)
            SELECT s.id FROM coverage_events f JOIN coverage_summary s ON s.id = f.group_id
            WHERE f.event_id = new.event_id AND s.first_event_id = new.event_id AND s.first_article_id IS NULL;
        UPDATE coverage_summary SET
            articles = articles + (EXISTS (SELECT 1 FROM articles WHERE id = new.article_id)
                                   AND NOT {_counted("new.article_id", "new.event_id")}),
            {
    _new_first(
        f"(SELECT {_key('e', 'a')} FROM events e LEFT JOIN articles a ON a.id = new.article_id WHERE e.id = new.event_id)",
        "new.event_id",
        "(SELECT id FROM articles WHERE id = new.article_id)",
    )
}
        WHERE id IN (SELECT group_id FROM coverage_events WHERE event_id = new.event_id)
          AND id NOT IN (SELECT group_id FROM coverage_dirty);
"""

_CHANGED_EVENT = " OR ".join(
    f"old.{c} IS NOT new.{c}" for c in ("id", "unit", "unit_type", "district", "province", "date")
)

# the triggers as n003 made them (n004 below adds the first briefing's fields)
_COVERAGE_TRIGGERS_N003 = {
    # event_documents: which events brief which documents
    "coverage_ed_ai": ("AFTER INSERT ON event_documents", _MENTION_ADDED),
    "coverage_ed_ad": ("AFTER DELETE ON event_documents", _refresh_event("old.event_id")),
    "coverage_ed_au": (
        "AFTER UPDATE OF event_id, document_id ON event_documents",
        _refresh_event("old.event_id") + _refresh_event("new.event_id"),
    ),
    # events: the group (unit, district, province), the province rule and the date of the first briefing
    "coverage_ev_ai": (  # an event with mentions already (rows written in another order): the crawl's skip this
        "AFTER INSERT ON events WHEN EXISTS (SELECT 1 FROM event_documents WHERE event_id = new.id)",
        _refresh_event("new.id"),
    ),
    "coverage_ev_ad": ("AFTER DELETE ON events", _refresh_event("old.id")),
    "coverage_ev_au": (
        f"AFTER UPDATE OF id, unit, unit_type, district, province, date ON events WHEN {_CHANGED_EVENT}",
        _refresh_event("old.id") + _refresh_event("new.id"),
    ),
    # event_evidence and articles: the counted articles and the first briefing's evidence and date
    "coverage_evi_ai": (  # an event not counted anywhere yet (the crawl's new events) has nothing to merge
        "AFTER INSERT ON event_evidence WHEN EXISTS (SELECT 1 FROM coverage_events WHERE event_id = new.event_id)",
        _EVIDENCE_ADDED,
    ),
    "coverage_evi_ad": ("AFTER DELETE ON event_evidence", _touch_event("old.event_id")),
    "coverage_evi_au": (
        "AFTER UPDATE ON event_evidence",
        _touch_event("old.event_id") + _touch_event("new.event_id"),
    ),
    "coverage_art_ai": (  # evidence written before its article (no foreign keys): the crawl's skip this
        "AFTER INSERT ON articles WHEN EXISTS (SELECT 1 FROM event_evidence WHERE article_id = new.id)",
        _touch_article("new.id"),
    ),
    "coverage_art_ad": ("AFTER DELETE ON articles", _touch_article("old.id")),
    "coverage_art_au": (
        "AFTER UPDATE OF id, published ON articles WHEN old.id IS NOT new.id OR old.published IS NOT new.published",
        _touch_article("old.id") + _touch_article("new.id"),
    ),
    # document_matches (kept by triggers on documents) and the issuer's province
    "coverage_dm_ai": (
        "AFTER INSERT ON document_matches",
        _derive("d.id = new.document AND ed.document_id = new.member"),
    ),
    "coverage_dm_ad": ("AFTER DELETE ON document_matches", _refresh_document("old.document")),
    "coverage_doc_au": (
        "AFTER UPDATE OF issuer_province ON documents WHEN old.issuer_province IS NOT new.issuer_province",
        _refresh_document("new.id"),
    ),
}

_COVERAGE_TABLES = [
    """
    CREATE TABLE coverage_summary (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL,    -- documents.id
        unit TEXT NOT NULL,              -- the unit that briefed (events.unit)
        unit_type TEXT NOT NULL,         -- events.unit_type
        district TEXT,                   -- events.district
        province TEXT,                   -- events.province
        events INTEGER NOT NULL DEFAULT 0,     -- distinct events of the unit counting for the document
        articles INTEGER NOT NULL DEFAULT 0,   -- distinct evidence articles of those events
        first_event_id INTEGER,          -- events.id of the first briefing
        first_article_id INTEGER         -- articles.id of its evidence (NULL: none)
    )
    """,
    "CREATE INDEX idx_coverage_summary_group ON coverage_summary(document_id, unit, unit_type, district, province)",
    """
    CREATE TABLE coverage_events (
        group_id INTEGER NOT NULL,       -- coverage_summary.id
        event_id INTEGER NOT NULL,       -- an event that counts for that row's document and is of its unit
        PRIMARY KEY (group_id, event_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX idx_coverage_events_event ON coverage_events(event_id)",
    """
    CREATE TABLE coverage_added (
        group_id INTEGER PRIMARY KEY     -- coverage_summary.id that just got an event (emptied by the trigger)
    )
    """,
    """
    CREATE TABLE coverage_dirty (
        group_id INTEGER PRIMARY KEY     -- coverage_summary.id to recompute (emptied by the trigger that fills it)
    )
    """,
]

_COVERAGE_VIEW_N003 = """
    CREATE VIEW coverage AS
    SELECT d.code AS document, d.issuer_unit, d.id AS document_id, s.unit, s.unit_type, s.district, s.province,
           coalesce(e.date, substr(a.published, 1, 10)) AS first_date,
           e.date IS NULL AS first_date_estimated,
           a.url AS first_url, a.title AS first_title, a.source AS first_source,
           a.published AS first_published, s.first_event_id, s.first_article_id, s.events, s.articles
    FROM coverage_summary s
    JOIN documents d ON d.id = s.document_id
    JOIN events e ON e.id = s.first_event_id
    LEFT JOIN articles a ON a.id = s.first_article_id
"""


def _coverage_triggers(
    triggers: dict[str, tuple[str, str]] | None = None, flush: str | None = None
) -> list[str]:
    """CREATE TRIGGER statements (the current ones unless n003's are passed)."""
    triggers, flush = triggers or _COVERAGE_TRIGGERS, flush or _FLUSH
    return [
        # a body that marks no row dirty (the merge of a new mention) needs no flush
        f"CREATE TRIGGER {name} {when} BEGIN {body} {flush if 'coverage_dirty' in body else ''} END"
        for name, (when, body) in triggers.items()
    ]


# every document at once: the migration's backfill and rebuild_coverage. They start from empty tables, so every
# group is new and dirty (no third pass over the pairs to list them)
def _backfill(flush: str) -> str:
    return _derive("1", every_group_dirty=True) + flush


@migrations()
def n003_coverage_summary(db: sqlite_utils.Database) -> None:
    """Issue #13: ``coverage`` reads ``coverage_summary``, kept exact by triggers; filled here from the core tables."""
    flush = _flush(first_fields=False)
    for stmt in _COVERAGE_TABLES:
        db.execute(stmt)
    run_script(db, _backfill(flush))
    for stmt in [
        *_coverage_triggers(_COVERAGE_TRIGGERS_N003, flush),
        "DROP VIEW IF EXISTS coverage",
        _COVERAGE_VIEW_N003,
    ]:
        db.execute(stmt)


# Issue #13, n004: the busiest directive of the nationwide simulation (3M events, 13,356 units) took 148 ms through
# the n003 view: each row looked up its first event and article (two random reads in a 1.7 GB file, 13,356 times).
# The first briefing's fields (date, URL, title, source, publish date) are now stored in the summary row, so the
# view reads coverage_summary and documents only. They are set wherever the first (event, article) is: _FLUSH
# computes them with the aggregation, the two merges (a new mention, a new evidence row) copy them when the new
# event became first, and an edit of the URL, title or source of an article that is some row's first evidence
# copies them to those rows. An event's date and an article's publish date recompute the rows (n003's triggers).


def _sync_first(where: str) -> str:
    """SQL copying the first briefing's fields from its event and article into the rows matching ``where``."""
    cols = ", ".join(_FIRST_COLUMNS)
    return f"""
        UPDATE coverage_summary SET ({cols}) = (
            SELECT {", ".join(_first_values("e", "a"))}
            FROM events e LEFT JOIN articles a ON a.id = coverage_summary.first_article_id
            WHERE e.id = coverage_summary.first_event_id)
        WHERE {where};
"""


# the rows of event new.event_id whose first briefing it is (after a merge that may have made it first)
_SYNC_NEW_EVENT = _sync_first(
    "first_event_id = new.event_id AND id IN (SELECT group_id FROM coverage_events WHERE event_id = new.event_id)"
)

_COVERAGE_TRIGGERS = {
    **_COVERAGE_TRIGGERS_N003,
    "coverage_ed_ai": (_COVERAGE_TRIGGERS_N003["coverage_ed_ai"][0], _MENTION_ADDED + _SYNC_NEW_EVENT),
    "coverage_evi_ai": (_COVERAGE_TRIGGERS_N003["coverage_evi_ai"][0], _EVIDENCE_ADDED + _SYNC_NEW_EVENT),
    # the URL, title and source of the first evidence (its publish date and id recompute: coverage_art_au)
    "coverage_art_first_au": (
        "AFTER UPDATE OF url, title, source ON articles"
        " WHEN old.url IS NOT new.url OR old.title IS NOT new.title OR old.source IS NOT new.source",
        """
        UPDATE coverage_summary SET first_url = new.url, first_title = new.title, first_source = new.source
        WHERE first_article_id = new.id AND id IN (
            SELECT f.group_id FROM event_evidence ev JOIN coverage_events f ON f.event_id = ev.event_id
            WHERE ev.article_id = new.id);
""",
    ),
}

# types of the stored fields (described in db/docs.py: ALTER TABLE keeps no comment)
_FIRST_COLUMN_TYPES = {
    "first_date": "TEXT",
    "first_date_estimated": "INTEGER",
    "first_url": "TEXT",
    "first_title": "TEXT",
    "first_source": "TEXT",
    "first_published": "TEXT",
}

_COVERAGE_VIEW = """
    CREATE VIEW coverage AS
    SELECT d.code AS document, d.issuer_unit, d.id AS document_id, s.unit, s.unit_type, s.district, s.province,
           s.first_date, s.first_date_estimated, s.first_url, s.first_title, s.first_source, s.first_published,
           s.first_event_id, s.first_article_id, s.events, s.articles
    FROM coverage_summary s
    JOIN documents d ON d.id = s.document_id
"""

# the group key first (the triggers' lookups), then every other column the view reads (one line: db.docs lists it)
_COVERAGE_VIEW_INDEX = (
    "CREATE INDEX idx_coverage_summary_view ON coverage_summary(document_id, unit, unit_type, district, province, "
    f"{', '.join(_FIRST_COLUMNS)}, first_event_id, first_article_id, events, articles)"
)

_BACKFILL = _backfill(_FLUSH)


@migrations()
def n004_coverage_first_briefing(db: sqlite_utils.Database) -> None:
    """Issue #13: the first briefing's fields stored in ``coverage_summary`` (the view no longer reads events and
    articles); filled here from each row's first (event, article)."""
    for col in _FIRST_COLUMNS:
        db.execute(f"ALTER TABLE coverage_summary ADD COLUMN {col} {_FIRST_COLUMN_TYPES[col]}")
    run_script(db, _sync_first("1"))
    # the group index grows into a covering one: a document's rows are read from one index range, wherever they
    # sit in the table (rows of a directive are inserted over the years, between every other document's)
    db.execute("DROP INDEX IF EXISTS idx_coverage_summary_group")
    db.execute(_COVERAGE_VIEW_INDEX)
    for name in _COVERAGE_TRIGGERS_N003:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    for stmt in [*_coverage_triggers(), "DROP VIEW IF EXISTS coverage", _COVERAGE_VIEW]:
        db.execute(stmt)


@contextlib.contextmanager
def coverage_suspended(db: sqlite_utils.Database) -> Iterator[None]:
    """For bulk loads (benchmarks, imports of history): the coverage triggers are dropped while the body runs,
    then, in one write transaction, the summary is recomputed and the triggers made again, so no write of
    another connection falls between the two. A million events load about five times faster this way."""
    from db.store import transaction

    for name in _COVERAGE_TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
    finally:
        with transaction(db):
            _rebuild(db)
            for stmt in _coverage_triggers():
                db.execute(stmt)


def _rebuild(db: sqlite_utils.Database) -> None:
    for table in ("coverage_events", "coverage_summary", "coverage_dirty", "coverage_added"):
        db.execute(f"DELETE FROM {table}")
    run_script(db, _BACKFILL)


def rebuild_coverage(db: sqlite_utils.Database) -> None:
    """Recompute ``coverage_summary`` from the core tables, in one transaction (a repair; the triggers keep it
    exact on every write)."""
    from db.store import transaction

    with transaction(db):
        _rebuild(db)


_COVERAGE_COLUMNS = (
    "document, issuer_unit, document_id, unit, unit_type, district, province, first_date, first_date_estimated, "
    "first_url, first_title, first_source, first_published, first_event_id, first_article_id, events, articles"
)


def check_coverage(db: sqlite_utils.Database) -> list[tuple]:
    """Rows where ``coverage`` (the summary) and the live aggregation of the core tables differ (empty: they
    agree). Slow on a big database: it aggregates every event."""
    cols = _COVERAGE_COLUMNS
    sql = f"""
        SELECT 'summary only', * FROM (SELECT {cols} FROM coverage EXCEPT SELECT {cols} FROM ({COVERAGE_LIVE_SQL}))
        UNION ALL
        SELECT 'live only', * FROM (SELECT {cols} FROM ({COVERAGE_LIVE_SQL}) EXCEPT SELECT {cols} FROM coverage)
    """
    return db.conn.execute(sql).fetchall()


# ---------------------------------------------------------------------------------------------- search

_CHUNK_RE = re.compile(r'"([^"]*)"?|(\S+)')
_WORD_RE = re.compile(r"[^\W_]+")


def fold(s: str) -> str:
    """Search key of a text: NFC, every diacritic removed (đ→d), lower case.

    Removing every mark makes tone placement irrelevant (hoà/hòa, uỷ/ủy, thuỵ/thụy all give one key),
    the same as the index side (remove_diacritics 2, with đ folded in SQL).
    """
    s = unicodedata.normalize("NFC", s)
    s = s.replace("Đ", "D").replace("đ", "d").replace("Ð", "D").replace("ð", "d")
    d = unicodedata.normalize("NFD", s)
    return "".join(ch for ch in d if not unicodedata.combining(ch)).casefold()


def fts_query(q: str | None) -> str | None:
    """An FTS5 MATCH expression for what a person typed, safe against FTS syntax; None when empty.

    Each whitespace-separated word (or each "quoted phrase") becomes a quoted FTS5 phrase of its folded
    tokens, so ``24-CT/TU`` is the phrase "24 ct tu" and operators (AND, NOT, -, :, ^, parentheses) are
    plain text. Phrases are ANDed. A word ending in ``*`` is a prefix search.
    """
    if not q:
        return None
    parts: list[str] = []
    for m in _CHUNK_RE.finditer(q):
        phrase, word = m.group(1), m.group(2)
        raw = phrase if phrase is not None else word
        prefix = word is not None and word.endswith("*")
        tokens = _WORD_RE.findall(fold(raw))
        if not tokens:
            continue
        parts.append('"' + " ".join(tokens) + '"' + ("*" if prefix else ""))
    return " ".join(parts) or None


def snippet(text: str | None, q: str | None, width: int = 160) -> str:
    """About ``width`` characters of ``text`` around the first hit of the query's first word (plain text)."""
    if not text:
        return ""
    words = _WORD_RE.findall(fold(q or ""))
    nfc = unicodedata.normalize("NFC", text)
    folded = fold(nfc)
    pos = -1
    if words and len(folded) == len(nfc):  # folding an NFC Vietnamese text keeps its length
        m = re.search(r"(?<![^\W_])" + re.escape(words[0]), folded)
        pos = m.start() if m else -1
    start = max(0, pos - width // 3) if pos >= 0 else 0
    out = nfc[start : start + width].replace("\n", " ").strip()
    return ("… " if start > 0 else "") + out + (" …" if start + width < len(nfc) else "")


def search_articles(
    db: sqlite_utils.Database, q: str, *, limit: int = 20, offset: int = 0
) -> list[dict[str, Any]]:
    """Articles matching ``q`` (diacritics- and tone-insensitive), best first (title hits weigh 5x)."""
    match = fts_query(q)
    if match is None:
        return []
    rows = db.execute(
        f"""
        SELECT a.id, a.url, a.source, a.title, a.published, a.text
        FROM {FTS_TABLE} f JOIN articles a ON a.id = f.rowid
        WHERE {FTS_TABLE} MATCH ?
        ORDER BY bm25({FTS_TABLE}, 5.0, 1.0), a.published DESC
        LIMIT ? OFFSET ?
        """,
        [match, limit, offset],
    ).fetchall()
    return [
        {
            "id": r[0],
            "url": r[1],
            "source": r[2],
            "title": r[3],
            "published": r[4],
            "snippet": snippet(r[5], q),
        }
        for r in rows
    ]


def rebuild_search_index(db: sqlite_utils.Database) -> None:
    """Rebuild ``articles_fts`` from ``articles`` (after bulk loads that bypassed the triggers)."""
    db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def check_search_index(db: sqlite_utils.Database) -> bool:
    """True when the index agrees with ``articles`` (FTS5 integrity-check against the content)."""
    import sqlite3

    try:
        db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError:
        return False
    return True
