"""Generate docs/schema.md from the live schema: every table, view and column, with example queries.

    .venv/bin/python -m db.docs            # rewrite docs/schema.md
    .venv/bin/python -m db.docs --check    # exit 1 when docs/schema.md is stale

The schema is read from a fresh database migrated by ``open_db`` (every migration set), so the file
always describes what the code creates. Column descriptions come from the ``-- comment`` beside each
column in its CREATE statement, else from ``COLUMN_DOCS`` below; tables and views are described in
``TABLE_DOCS``. A test regenerates the file and fails when the committed one differs, and runs every
example query against a fixture database.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_MD = ROOT / "docs" / "schema.md"

TABLE_DOCS: dict[str, str] = {
    "sources": "The source registry as last loaded from sources.yaml: one row per site or feed.",
    "articles": "One row per article (canonical URL); republications of the same text share one row.",
    "article_sources": "Every (source, URL) an article was seen at: republications and aggregator copies.",
    "documents": "Numbered Party and government documents named in articles (briefed or only mentioned), one "
    "row per (code, issuer unit, issue year): every province has its own 24-CT/TU (issue #10). "
    "issuer_unit NULL: the issuer could not be told (kept, counted as unresolved).",
    "article_documents": "Which documents each article names.",
    "events": "Briefing events: a unit held a conference that disseminated numbered documents (ANNOTATION.md).",
    "event_documents": "The documents each event disseminated (document_id, and the code as written; a partial "
    "code such as 24-CT counts for every full code with that number and type, see document_matches).",
    "event_evidence": "The articles that report each event.",
    "http_validators": "ETag / Last-Modified of feeds and listings, for conditional requests.",
    "crawl_runs": "One row per crawl of a source, with its counters and Scrapy stats.",
    "crawl_failures": "URLs whose fetch failed, retried on later runs up to a limit.",
    "watched_documents": "The directives register: manual watch decisions and corrections of documents.",
    "alert_states": "The alert engine's state per (rule, document, unit): due date, briefed, overdue, reminded. "
    "A view over alert_cells, alert_groups and alert_units (issue #13); inserts and deletes on it still work.",
    "alert_cells": "Alert engine storage: one narrow row per (group, unit) with the state and its dates; wake_on is "
    "the first as-of date on which time alone may change it. Read it through alert_states.",
    "alert_groups": "Alert engine storage: one row per (rule, document) with the document's code, issuer unit, "
    "issue and due dates, and the signature of the rule settings it was evaluated with.",
    "alert_units": "Alert engine storage: one row per unit as shown (code, name, type, district, province), with "
    "its coverage (ok, none, failing) at the last evaluation.",
    "alert_runs": "One row per alert evaluation.",
    "alert_briefs": "Alert engine cache: the first briefing of each watched document per gazetteer unit.",
    "alert_brief_docs": "Alert engine cache: documents whose alert_briefs rows are complete, and for what.",
    "alert_dirty": "Alert engine cache: events whose documents changed since the last evaluation "
    "(filled by triggers on the core tables; add: merge, del: recompute the document).",
    "source_health": "The daemon's view of each source's health, and since when (a row changes on a change of state).",
    "job_runs": "Last start and end of each non-crawl job of the daemon (alerts), to catch up missed runs.",
    "outbox": "Every alert e-mail, written before it is sent (outbox pattern).",
    "_sqlite_migrations": "Migrations applied (sqlite-utils): set name, migration name, time.",
    "events_flat": "One row per (event, document, evidence article): the easiest table to start from.",
    "document_matches": "Which documents' mentions count for a document: itself; partial codes (24-CT) for full "
    "ones (24-CT/TU) of the same issuer and back; a mention whose issuer is unresolved for every issuer's "
    "document of that code. Join event_documents.document_id = member to get a document's events.",
    "coverage": "One row per (document, unit) that briefed it: the first briefing (date and evidence article) "
    "and how many events and articles. Filter on document and issuer_unit (or document_id); partial codes "
    "and unresolved mentions are included, from units of the issuer's province only.",
    "coverage_summary": "What coverage reads (issue #13): one row per (document, unit) with its counts, first "
    "(event, article) and that briefing's date and evidence (URL, title, source, publish date), kept exact by "
    "triggers on events, event_documents, event_evidence, articles, documents and document_matches. Prefer the "
    "coverage view, which adds the document's code and issuer.",
    "coverage_events": "Which events count for each coverage_summary row (the document's matches and province rule "
    "applied), so that a row is recomputed from its own events when one changes.",
    "coverage_added": "Scratch list of the coverage triggers: the coverage_summary rows that just got an event "
    "(merged without recomputing); always empty once a statement has finished.",
    "coverage_dirty": "Scratch list of the coverage triggers: the coverage_summary rows to recompute; always empty "
    "once a statement has finished.",
    "documents_overview": "Each document with issue date, first sighting and briefing counts (partial codes included).",
    "overdue_units": "Units still overdue per alert rule (states overdue, reminded, silenced), with days overdue.",
    "articles_fts": "Full-text index of articles(title, text): FTS5, unicode61 remove_diacritics 2, đ folded to "
    "d; kept current by triggers on articles. Match unaccented lower-case words; rowid = articles.id.",
    "articles_fts_source": "The folded (đ→d) title and text that articles_fts indexes (its content table).",
}

COLUMN_DOCS: dict[tuple[str, str], str] = {
    ("_sqlite_migrations", "migration_set"): "name of the set (briefwatch, briefwatch-alerts, ...)",
    ("_sqlite_migrations", "name"): "migration function name",
    ("_sqlite_migrations", "applied_at"): "when it ran (UTC)",
    ("events_flat", "event_id"): "events.id",
    ("events_flat", "document"): "a code the event disseminated (event_documents.code)",
    ("events_flat", "url"): "URL of one evidence article",
    ("events_flat", "source"): "source that stored that article",
    ("events_flat", "published"): "publish date of that article",
    ("document_matches", "document"): "documents.id",
    (
        "document_matches",
        "member",
    ): "a documents.id whose mentions (event_documents / article_documents) count for it",
    ("events_flat", "issuer_unit"): "issuer unit of that document (NULL: unresolved)",
    ("events_flat", "document_id"): "documents.id",
    ("coverage", "issuer_unit"): "issuer unit of the document (thành phố Hà Nội; NULL: unresolved)",
    ("coverage", "document_id"): "documents.id",
    (
        "coverage_summary",
        "first_date",
    ): "date of the first briefing (its article's publish date when the event has none)",
    ("coverage_summary", "first_date_estimated"): "1: first_date is the article's publish date",
    ("coverage_summary", "first_url"): "URL of the first briefing's evidence article (articles.url)",
    ("coverage_summary", "first_title"): "its title",
    ("coverage_summary", "first_source"): "its source",
    ("coverage_summary", "first_published"): "its publish date",
    ("documents_overview", "unresolved"): "1 when the issuer unit could not be told",
    ("overdue_units", "issuer_unit"): "issuer unit of the document",
    ("overdue_units", "document_id"): "documents.id",
    ("event_documents", "document_id"): "documents.id of the document the mention belongs to",
    ("article_documents", "document_id"): "documents.id",
    ("alert_states", "document_id"): "documents.id",
    ("alert_states", "document"): "the document's code: 24-CT/TU",
    ("alert_states", "issuer_unit"): "its issuer unit (NULL: unresolved)",
    ("alert_states", "unit_id"): "gazetteer code (names repeat across districts: xã Tiền Phong)",
    ("alert_states", "unit"): "display name from the gazetteer: xã Đại Thịnh",
    ("alert_states", "unit_type"): "xa, phuong, thi_tran, quan, huyen, ...",
    ("alert_states", "district"): "district of a commune-level unit (before July 2025), else NULL",
    ("alert_states", "province"): "province of the unit",
    ("alert_states", "unit_key"): "normalised match key of the name (see alerts.keys)",
    (
        "alert_states",
        "state",
    ): "not_due|overdue|reminded|resolved|silenced|briefed|no_coverage|source_failing",
    ("alert_states", "issued"): "issue date the rule counted from",
    ("alert_states", "due_date"): "issue date + the rule's deadline_days",
    ("alert_states", "briefed_on"): "date of the first qualifying briefing found",
    ("alert_states", "first_alerted_at"): "as-of date of the first overdue alert",
    ("alert_states", "last_notified_at"): "as-of date of the last alert or reminder",
    ("alert_states", "resolved_at"): "as-of date a briefing was found after the alert or the deadline",
    ("alert_states", "silenced_until"): "silenced until this date (NULL with state silenced: for good)",
    ("alert_states", "silence_reason"): "why it was silenced",
    ("alert_states", "event_id"): "evidence event (events.id; no FK: events may be rebuilt)",
    ("alert_states", "updated_at"): "when the state last changed (UTC)",
    ("coverage", "document"): "documents.code (full or partial)",
    ("coverage", "unit"): "unit that briefed: xã Đại Thịnh",
    ("coverage", "unit_type"): "xa, phuong, thi_tran, quan, huyen, ..., other",
    ("coverage", "district"): "district of a commune-level unit (before July 2025), else NULL",
    ("coverage", "province"): "province of the unit",
    (
        "coverage",
        "first_date",
    ): "date of the first briefing (the article's publish date when the event has none)",
    ("coverage", "first_date_estimated"): "1 when first_date is the publish date, not the event date",
    ("coverage", "first_url"): "URL of the first briefing's evidence article",
    ("coverage", "first_title"): "title of that article",
    ("coverage", "first_source"): "source of that article",
    ("coverage", "first_published"): "publish date of that article",
    ("coverage", "first_event_id"): "events.id of the first briefing",
    ("coverage", "first_article_id"): "articles.id of its evidence",
    ("coverage", "events"): "number of briefing events of the unit for the document",
    ("coverage", "articles"): "number of articles reporting them",
    ("documents_overview", "partial"): "1 for a partial code (24-CT): number and type only",
    ("documents_overview", "first_seen_url"): "URL of the article where the document was first seen",
    ("documents_overview", "first_briefing"): "earliest briefing event date",
    ("documents_overview", "last_briefing"): "latest briefing event date",
    ("documents_overview", "units_briefed"): "units with at least one briefing",
    ("documents_overview", "events"): "briefing events",
    ("documents_overview", "articles"): "articles naming the document",
    ("overdue_units", "days_overdue"): "whole days since the due date (today per SQLite, UTC)",
    ("http_validators", "etag"): "ETag the server last sent",
    ("http_validators", "last_modified"): "Last-Modified the server last sent",
    ("http_validators", "checked_at"): "when it was last requested",
    ("outbox", "subject"): "e-mail subject",
    ("alert_brief_docs", "computed_at"): "when the cache rows were computed",
    ("source_health", "checked_at"): "when the health was last checked",
    ("alert_dirty", "event_id"): "the event that changed",
    ("alert_dirty", "document_id"): "a document (documents.id) of that event",
    ("alert_dirty", "op"): "add (a briefing may be earlier now) or del (recompute the document)",
    ("outbox", "message_id"): "Message-ID header (the same on every retry)",
    ("outbox", "next_attempt_at"): "earliest time of the next send attempt",
    ("outbox", "claimed_at"): "when a sender claimed it",
    ("outbox", "last_error"): "error of the last failed attempt",
    ("outbox", "sent_at"): "when it was sent",
    ("sources", "name"): "source name (sources.yaml)",
    ("sources", "family"): "site family: liferay, hanoi_cms, hanoimoi, kinhtedothi, ...",
    ("watched_documents", "notes"): "free notes",
    ("articles_fts", "title"): "folded article title",
    ("articles_fts", "text"): "folded article text",
    ("articles_fts_source", "id"): "articles.id",
    ("articles_fts_source", "title"): "title with đ/Đ folded to d/D",
    ("articles_fts_source", "text"): "text with đ/Đ folded to d/D",
}

# fallback by column name, for any table or view
GENERIC_COLUMNS: dict[str, str] = {
    "id": "row id",
    "rule": "alert rule name (alerts.yaml)",
    "document": "document code (documents.code)",
    "document_id": "documents.id",
    "issuer_unit": "body whose numbering the document belongs to: thành phố Hà Nội, tỉnh Nghệ An, quận Cầu Giấy, "
    "trung ương (NULL: unresolved)",
    "issuer_province": "province of the issuer unit (NULL: a central organ, or unknown)",
    "year": "issue year when known",
    "unit": "unit name: lower-case type word + proper name (xã Đại Thịnh)",
    "unit_type": "xa, phuong, thi_tran, dac_khu, quan, huyen, thi_xa, thanh_pho_thuoc_tinh, tinh, thanh_pho_tw, other",
    "district": "short district name of a commune-level unit (Mê Linh), before July 2025; else NULL",
    "province": "short province name (Hà Nội)",
    "state": "alert state",
    "issued": "issue date of the document (ISO)",
    "due_date": "date by which the unit should have briefed",
    "first_alerted_at": "when the unit was first reported overdue",
    "last_notified_at": "when a message about it was last sent",
    "resolved_at": "when a briefing was found after it had been overdue",
    "silenced_until": "no messages about it until this date",
    "silence_reason": "why it was silenced",
    "updated_at": "last change of the row",
    "created_at": "when the row was created",
    "as_of": "the evaluation date",
    "started_at": "start time",
    "ended_at": "end time",
    "article_id": "articles.id",
    "event_id": "events.id",
    "code": "document code: 24-CT/TU, 215/KH-UBND, or a partial 24-CT",
    "type": "document type: chi_thi, nghi_quyet, ket_luan, ke_hoach, quy_dinh, quyet_dinh, huong_dan, ...",
    "issuer": "issuing body as the text names it (Ban Thường vụ Thành ủy Hà Nội)",
    "subject": 'the "về ..." subject phrase',
    "first_seen": "when the document was first seen (ISO timestamp)",
    "first_article_id": "articles.id of the article where it was first seen",
    "title": "title",
    "text": "article text (NFC)",
    "url": "canonical URL",
    "source": "source name (sources.name)",
    "published": "publish date of the article (ISO)",
    "fetched_at": "when it was fetched",
    "extracted_at": "when events were last extracted from it",
    "kind": "quan_triet, trien_khai, so_ket, tong_ket, sinh_hoat or other",
    "date": "the day the event took place (ISO), NULL when unknown",
    "attendees": "number of attendees when stated",
    "requests": "HTTP requests made",
    "new_articles": "articles stored for the first time",
    "events": "events extracted",
    "errors": "errors logged",
    "fallback_share": "share of pages read by the generic extractor (selectors did not match)",
    "attempts": "attempts so far",
    "first_at": "first failure",
    "last_at": "latest failure",
    "recipient": "e-mail address",
}

EXAMPLES: list[tuple[str, str, str]] = [
    (
        "Coverage of one directive by district",
        "Units that briefed Chỉ thị 24-CT/TU, per district, with the first and latest first briefing. "
        "Since July 2025 communes have no district: the rows then fall under '(no district)'.",
        """SELECT coalesce(district, '(no district)') AS district,
       COUNT(*) AS units_briefed,
       SUM(events) AS events,
       MIN(first_date) AS first_briefing,
       MAX(first_date) AS last_first_briefing
FROM coverage
WHERE document = '24-CT/TU'
GROUP BY district
ORDER BY units_briefed DESC, district;""",
    ),
    (
        "Units that never briefed in a year",
        "Units the database knows (they briefed at some time, or an alert rule expects them) with no "
        "briefing event dated in 2023.",
        """WITH known AS (
    SELECT unit, district FROM events
    UNION
    SELECT unit, district FROM alert_states
)
SELECT k.unit, k.district
FROM known k
WHERE NOT EXISTS (
    SELECT 1 FROM events e
    WHERE e.unit = k.unit AND e.district IS k.district
      AND e.date BETWEEN '2023-01-01' AND '2023-12-31'
)
ORDER BY k.district, k.unit;""",
    ),
    (
        "Average days from issue to briefing",
        "Per document with a known issue date: how long units took to hold their first briefing.",
        """SELECT d.code, d.issued,
       COUNT(*) AS units_briefed,
       ROUND(AVG(julianday(c.first_date) - julianday(d.issued)), 1) AS avg_days,
       MIN(julianday(c.first_date) - julianday(d.issued)) AS fastest_days,
       MAX(julianday(c.first_date) - julianday(d.issued)) AS slowest_days
FROM coverage c
JOIN documents d ON d.code = c.document
WHERE d.issued IS NOT NULL AND c.first_date >= d.issued
GROUP BY d.code
ORDER BY d.issued DESC;""",
    ),
    (
        "Overdue units per rule",
        "How many units each alert rule still finds overdue, per document.",
        """SELECT rule, document, COUNT(*) AS overdue_units, MAX(days_overdue) AS worst_days
FROM overdue_units
GROUP BY rule, document
ORDER BY overdue_units DESC;""",
    ),
    (
        "Full-text search without diacritics",
        "Type words without accents and with d for đ (the index is folded that way); quote a phrase. "
        "`briefwatch search` and the Datasette search query fold what you type for you.",
        """SELECT a.published, a.title, a.url
FROM articles_fts
JOIN articles a ON a.id = articles_fts.rowid
WHERE articles_fts MATCH '"quan triet" "chi thi 24"'
ORDER BY bm25(articles_fts, 5.0, 1.0)
LIMIT 20;""",
    ),
]

_SKIP = re.compile(r"^(sqlite_|.*_fts_(data|idx|docsize|config|content)$)")


def _column_comments(sql: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (sql or "").splitlines():
        m = re.match(r'\s*"?([A-Za-z_][A-Za-z0-9_]*)"?\s+[^-]*?--\s*(.+?)\s*$', line)
        if m and m.group(1).upper() not in ("CREATE", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "CONSTRAINT"):
            out.setdefault(m.group(1), m.group(2))
    return out


def _cell(s: str | None) -> str:
    return (s or "").replace("|", "\\|").replace("\n", " ")


def generate(db: sqlite_utils.Database) -> str:
    """docs/schema.md for the schema of ``db``."""
    objs = db.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"
    ).fetchall()
    objs = [o for o in objs if not _SKIP.match(o[1])]
    indexes: dict[str, list[str]] = {}
    for name, tbl, sql in db.execute(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
    ):
        cols = re.search(r"\((.*)\)", sql)
        indexes.setdefault(tbl, []).append(f"`{name}` ({cols.group(1) if cols else ''})")
    triggers = [
        r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
    ]

    lines = [
        "# The briefwatch database schema",
        "",
        "<!-- generated by `python -m db.docs` from the live schema: do not edit by hand -->",
        "",
        "SQLite, one file (default `data/briefwatch.db`, env `BRIEFWATCH_DB`). Read it with",
        "`sqlite3 'file:data/briefwatch.db?mode=ro'`, `briefwatch serve` (Datasette, read-only) or",
        "`briefwatch export`. Dates are ISO text (`2023-09-29`), timestamps ISO with time. Stable names",
        "for analysts: `articles`, `events`, `documents`, `events_flat`, `coverage`, `documents_overview`,",
        "`overdue_units`, `articles_fts`.",
        "",
        "Unit names are lower-case type word + proper name with modern tone placement (`xã Đại Thịnh`,",
        "`thành phố Hà Nội`); codes are upper case without spaces (`24-CT/TU`, `215/KH-UBND`); a partial",
        "code (`24-CT`) counts for every full code with that number and type (see `document_matches`).",
        "Codes are numbered per issuer: a document is (code, `issuer_unit`, year), and every table that names",
        "one has `document_id` (issue #10); filter on `document` and `issuer_unit` together.",
        "",
        "## Contents",
        "",
    ]
    for typ, name, sql in objs:
        kind = "view" if typ == "view" else ("virtual table" if "VIRTUAL" in (sql or "").upper() else "table")
        lines.append(f"- [`{name}`](#{name.lower()}) ({kind})")
    lines += ["- [Example queries](#example-queries)", ""]

    for typ, name, sql in objs:
        kind = "view" if typ == "view" else ("virtual table" if "VIRTUAL" in (sql or "").upper() else "table")
        lines += [
            f"## {name}",
            "",
            f"*{kind}*. {TABLE_DOCS.get(name, '(not described yet: add it to db/docs.py)')}",
            "",
        ]
        comments = _column_comments(sql)
        lines += ["| column | type | description |", "| --- | --- | --- |"]
        for _cid, col, ctype, notnull, _default, pk in db.execute(f'PRAGMA table_info("{name}")').fetchall():
            flags = []
            if pk:
                flags.append("PK")
            if notnull:
                flags.append("NOT NULL")
            t = (ctype or "").upper() + (f" {' '.join(flags)}" if flags else "")
            desc = comments.get(col) or COLUMN_DOCS.get((name, col)) or GENERIC_COLUMNS.get(col, "")
            lines.append(f"| `{col}` | {_cell(t.strip())} | {_cell(desc)} |")
        lines.append("")
        fks = db.execute(f'PRAGMA foreign_key_list("{name}")').fetchall() if typ == "table" else []
        if fks:
            refs = ", ".join(f"`{fk[3]}` → `{fk[2]}.{fk[4]}`" for fk in fks)
            lines += [f"References: {refs}.", ""]
        if indexes.get(name):
            lines += [f"Indexes: {', '.join(indexes[name])}.", ""]
        if typ == "view":
            lines += [
                "<details><summary>definition</summary>",
                "",
                "```sql",
                _tidy(sql),
                "```",
                "",
                "</details>",
                "",
            ]
    if triggers:
        lines += ["## Triggers", "", ", ".join(f"`{t}`" for t in triggers) + ".", ""]

    lines += [
        "## Example queries",
        "",
        "Each query below is run by the test suite against a fixture database.",
        "",
    ]
    for title, text, sql in EXAMPLES:
        lines += [f"### {title}", "", text, "", "```sql", sql, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _tidy(sql: str) -> str:
    out = [ln.rstrip() for ln in sql.strip().splitlines()]
    # common indentation of continuation lines
    rest = [ln for ln in out[1:] if ln.strip()]
    pad = min((len(ln) - len(ln.lstrip()) for ln in rest), default=0)
    return "\n".join([out[0]] + [ln[pad:] for ln in out[1:]])


def live_schema_markdown() -> str:
    """Markdown for a fresh database migrated by open_db (every migration set)."""
    from db.connect import open_db

    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "schema.db")
        try:
            return generate(db)
        finally:
            db.conn.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m db.docs", description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when docs/schema.md is stale")
    ap.add_argument("-o", "--output", type=Path, default=SCHEMA_MD)
    args = ap.parse_args(argv)
    md = live_schema_markdown()
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current != md:
            print(f"{args.output} is stale: run .venv/bin/python -m db.docs", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(md, encoding="utf-8")
    print(f"wrote {args.output}" + (" (unchanged)" if current == md else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
