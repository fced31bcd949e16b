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

import re
import unicodedata
from typing import Any

import sqlite_utils
from sqlite_utils import Migrations

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
