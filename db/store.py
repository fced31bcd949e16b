"""All writes of crawled data: articles, their sources, documents, events and evidence, crawl runs,
HTTP validators and crawl failures.

Functions take a ``sqlite_utils.Database`` opened by ``db.connect.open_db`` (autocommit connection)
and run plain parameterised SQL inside explicit short ``BEGIN IMMEDIATE`` transactions: one article
with everything extracted from it is one transaction, so a crawl killed at any instant leaves either
the whole article or nothing, and storing the same thing twice changes nothing (idempotent).

Identity rules:
- an article is its canonical URL (``canonical_url``); a page with another URL but the same
  ``content_hash`` (normalised body) is the same article republished: one ``articles`` row, one more
  ``article_sources`` row;
- an event is ``event_key``: normalised unit | district | date | kind, or, when the date is unknown,
  normalised unit | district | - | sorted directives. An event without a district joins the single
  event of the same unit/date/kind that has one; an event with a district upgrades a district-less one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlite_utils

from briefwatch import text as _text

TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|zarsrc|zrsrc|_ga|mc_[a-z]+|ref|source|src)$", re.I)
MAX_FAILURE_ATTEMPTS = 3

# ---------------------------------------------------------------- normalisation (pure)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters, sorted query."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)
    )
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


# one normalisation for the whole project (NFC, Ð→Đ; and a key with one tone placement, case-folded)
nfc = _text.nfc
match_key = _text.key


_CAPTION_RE = re.compile(r"^.*\s-\sẢnh\s*\d+\.?\s*$", re.M)
_LEAD_RE = re.compile(r"^\s*\(?[\w& .]{2,24}\)?\s+[-–]\s+")
_NONWORD_RE = re.compile(r"[\W_]+")
_FOOTER_RE = re.compile(r"^\s*\(\*\).*$", re.M)  # "(*) Không sao chép ... Báo Hànộimới."
HASH_CHARS = 3000  # the start of the body identifies it; site footers and appended notes do not matter


def content_hash(title: str | None, text: str) -> str:
    """Hash of the normalised body: republications of one article share it.

    Photo captions ("... - Ảnh 1."), "(*) ..." footers, an agency lead ("Kinhtedothi - ", "(HanoiTV) - "),
    case, tone placement, punctuation and whitespace are ignored, and only the first 3,000 characters of
    the normalised body count (sites append their own notes); the title is not used (papers rewrite
    titles).
    When the body is very short the title is included so that short distinct notes do not collide.
    """
    body = _CAPTION_RE.sub("", nfc(text))
    body = _FOOTER_RE.sub("", body)
    body = _LEAD_RE.sub("", body, count=1)
    key = _NONWORD_RE.sub(" ", match_key(body)).strip()[:HASH_CHARS]
    if len(key) < 200:
        key = _NONWORD_RE.sub(" ", match_key(title or "")).strip() + "\n" + key
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def event_key(ev: dict) -> str:
    """Identity of a briefing occasion (see the module docstring)."""
    unit = match_key(ev.get("unit"))
    district = match_key(ev.get("district"))
    if ev.get("date"):
        return f"{unit}|{district}|{ev['date']}|{ev.get('kind') or 'other'}"
    codes = sorted({normalise_code(c) for c in ev.get("directives") or []})
    return f"{unit}|{district}|-|{','.join(codes)}"


def normalise_code(code: str) -> str:
    return nfc(code).upper().replace(" ", "").replace("/TƯ", "/TW")


def now_iso(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------- transactions


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rollback on error) on the autocommit connection."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _one(db: sqlite_utils.Database, sql: str, params: Iterable[Any] = ()) -> tuple | None:
    return db.conn.execute(sql, tuple(params)).fetchone()


# ---------------------------------------------------------------- crawl memory (reads)


def url_state(db: sqlite_utils.Database, url: str) -> str:
    """'stored' (an article has this URL), 'failed' (recorded failure, retry later), 'gave_up' (failed too
    often) or 'new'."""
    row = _one(
        db,
        """SELECT EXISTS(SELECT 1 FROM articles WHERE url = ?1) OR EXISTS(SELECT 1 FROM article_sources WHERE url = ?1),
                  (SELECT attempts FROM crawl_failures WHERE url = ?1)""",
        [url],
    )
    if row[0]:
        return "stored"
    if row[1] is not None:
        return "gave_up" if row[1] >= MAX_FAILURE_ATTEMPTS else "failed"
    return "new"


def get_validators(db: sqlite_utils.Database, url: str) -> tuple[str | None, str | None]:
    row = _one(db, "SELECT etag, last_modified FROM http_validators WHERE url = ?", [url])
    return (row[0], row[1]) if row else (None, None)


def save_validators(
    db: sqlite_utils.Database, url: str, etag: str | None, last_modified: str | None, now: dt.datetime
) -> None:
    with transaction(db):
        db.conn.execute(
            """INSERT INTO http_validators (url, etag, last_modified, checked_at) VALUES (?, ?, ?, ?)
               ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
               checked_at = excluded.checked_at""",
            (url, etag, last_modified, now_iso(now)),
        )


def record_failure(db: sqlite_utils.Database, url: str, source: str, reason: str, now: dt.datetime) -> int:
    """Count one more failed attempt at ``url``; returns the attempts so far."""
    ts = now_iso(now)
    with transaction(db):
        db.conn.execute(
            """INSERT INTO crawl_failures (url, source, reason, attempts, first_at, last_at)
               VALUES (?, ?, ?, 1, ?, ?)
               ON CONFLICT(url) DO UPDATE SET attempts = attempts + 1, reason = excluded.reason,
               last_at = excluded.last_at""",
            (url, source, reason, ts, ts),
        )
        row = _one(db, "SELECT attempts FROM crawl_failures WHERE url = ?", [url])
    return row[0] if row else 1


def upsert_source(
    db: sqlite_utils.Database, name: str, family: str, home: dict | None, config: dict, now: dt.datetime
) -> None:
    with transaction(db):
        db.conn.execute(
            """INSERT INTO sources (name, family, home, config, updated_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT(name) DO UPDATE SET family = excluded.family, home = excluded.home,
               config = excluded.config, updated_at = excluded.updated_at""",
            (
                name,
                family,
                json.dumps(home, ensure_ascii=False) if home else None,
                json.dumps(config, ensure_ascii=False, default=str),
                now_iso(now),
            ),
        )


# ---------------------------------------------------------------- articles, documents, events


@dataclass
class StoreResult:
    article_id: int
    new_article: bool  # a new articles row
    new_link: bool  # a new article_sources row (new article, or a republication on another source)
    events_new: int = 0
    events_linked: int = 0  # evidence rows added (new or existing events)
    documents: int = 0


def store_article(
    db: sqlite_utils.Database, item: dict, extraction: dict | None, now: dt.datetime
) -> StoreResult:
    """Store one crawled article and what was extracted from it, in one transaction.

    ``item``: url (canonical), source, title, published (ISO date or None), text, extraction_path.
    ``extraction``: the engine's output, or None when extraction failed (the article is kept with
    ``extracted_at`` NULL so that it can be extracted again later).
    """
    ts = now_iso(now)
    url, source = item["url"], item["source"]
    chash = item.get("content_hash") or content_hash(item.get("title"), item["text"])
    with transaction(db):
        row = _one(db, "SELECT id, extracted_at FROM articles WHERE url = ?", [url])
        if row is None:
            row = _one(
                db,
                "SELECT id, extracted_at FROM articles WHERE content_hash = ? ORDER BY id LIMIT 1",
                [chash],
            )
        if row is None:
            cur = db.conn.execute(
                """INSERT INTO articles (url, source, title, published, text, content_hash, extraction_path,
                   fetched_at, extracted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    url,
                    source,
                    item.get("title"),
                    item.get("published"),
                    item["text"],
                    chash,
                    item.get("extraction_path"),
                    item.get("fetched_at") or ts,
                    ts if extraction is not None else None,
                ),
            )
            article_id, new_article, already_extracted = cur.lastrowid, True, False
        else:
            article_id, new_article, already_extracted = row[0], False, row[1] is not None
        cur = db.conn.execute(
            "INSERT OR IGNORE INTO article_sources (article_id, source, url, first_seen) VALUES (?, ?, ?, ?)",
            (article_id, source, url, ts),
        )
        result = StoreResult(article_id, new_article, cur.rowcount > 0)
        if extraction is not None and not already_extracted:
            _apply_extraction(db, article_id, extraction, ts, result)
            db.conn.execute("UPDATE articles SET extracted_at = ? WHERE id = ?", (ts, article_id))
        db.conn.execute("DELETE FROM crawl_failures WHERE url = ?", (url,))
    return result


def apply_extraction(
    db: sqlite_utils.Database, article_id: int, extraction: dict, now: dt.datetime
) -> StoreResult:
    """Store the extraction of an already stored article (re-extraction); idempotent."""
    ts = now_iso(now)
    result = StoreResult(article_id, False, False)
    with transaction(db):
        _apply_extraction(db, article_id, extraction, ts, result)
        db.conn.execute("UPDATE articles SET extracted_at = ? WHERE id = ?", (ts, article_id))
    return result


def pending_extraction(db: sqlite_utils.Database, limit: int = 1000) -> list[dict]:
    """Articles stored without a successful extraction (the engine failed or was missing)."""
    rows = db.conn.execute(
        """SELECT a.id, a.url, a.source, a.title, a.published, a.text, s.home FROM articles a
           LEFT JOIN sources s ON s.name = a.source WHERE a.extracted_at IS NULL ORDER BY a.id LIMIT ?""",
        (limit,),
    ).fetchall()
    keys = ["id", "url", "source", "title", "published", "text", "home"]
    out = [dict(zip(keys, r, strict=True)) for r in rows]
    for r in out:
        r["home"] = json.loads(r["home"]) if r["home"] else None
    return out


def _apply_extraction(
    db: sqlite_utils.Database, article_id: int, extraction: dict, ts: str, result: StoreResult
) -> None:
    docs: dict[str, int] = {}  # code → documents.id of this article (the first issuer named wins)
    seen: set[int] = set()
    hint = _province_hint(extraction)
    for d in extraction.get("documents") or []:
        if not d.get("code"):
            continue
        code = normalise_code(d["code"])
        doc_id = _upsert_document(db, code, d, article_id, ts, hint)
        docs.setdefault(code, doc_id)
        if doc_id not in seen:
            seen.add(doc_id)
            db.conn.execute(
                "INSERT OR IGNORE INTO article_documents (article_id, document_id, code) VALUES (?, ?, ?)",
                (article_id, doc_id, code),
            )
    result.documents = len(seen)
    for ev in extraction.get("events") or []:
        if not ev.get("unit"):
            continue
        event_id, created = _upsert_event(db, ev, ts)
        result.events_new += created
        cur = db.conn.execute(
            "INSERT OR IGNORE INTO event_evidence (event_id, article_id) VALUES (?, ?)",
            (event_id, article_id),
        )
        result.events_linked += cur.rowcount > 0
        for code in ev.get("directives") or []:
            code = normalise_code(code)
            if code not in docs:
                docs[code] = _upsert_document(db, code, {"code": code}, article_id, ts, hint)
                db.conn.execute(
                    "INSERT OR IGNORE INTO article_documents (article_id, document_id, code) VALUES (?, ?, ?)",
                    (article_id, docs[code], code),
                )
            db.conn.execute(
                "INSERT OR IGNORE INTO event_documents (event_id, document_id, code) VALUES (?, ?, ?)",
                (event_id, docs[code], code),
            )


def _province_hint(extraction: dict) -> str | None:
    """The province the article is about: its events' province, else its resolved documents' issuer's."""
    for ev in extraction.get("events") or []:
        if ev.get("province"):
            return ev["province"]
    for d in extraction.get("documents") or []:
        if d.get("issuer_unit"):
            prov, _district = issuer_area(d["issuer_unit"])
            if prov:
                return prov
    return None


def issuer_area(name: str | None) -> tuple[str | None, str | None]:
    """(province, district) of an issuer unit, from the process-wide gazetteer (briefwatch.issuers)."""
    if not name:
        return None, None
    from briefwatch.gazetteer import load_gazetteer
    from briefwatch.issuers import issuer_area as _area

    return _area(name, load_gazetteer())


def _year(issued: str | None) -> int | None:
    try:
        return int(str(issued)[:4]) if issued else None
    except ValueError:
        return None


def find_document(
    db: sqlite_utils.Database,
    code: str,
    issuer_unit: str | None,
    year: int | None,
    province: str | None = None,
) -> int | None:
    """The documents.id a mention of (code, issuer_unit, year) belongs to, or None when it is a new document.

    Same code and issuer: the row of that year, else one whose year is unknown (or, for a mention without
    a year, the only row, else the latest year's). A mention whose issuer is unresolved joins the one
    resolved document of that code (of ``province`` when several), else the unresolved row of the code."""
    ikey = match_key(issuer_unit) if issuer_unit else ""
    rows = db.conn.execute(
        "SELECT id, year, issuer_key, issuer_province FROM documents WHERE code = ? ORDER BY id", (code,)
    ).fetchall()
    if not ikey:
        resolved = [r for r in rows if r[2] and (year is None or r[1] is None or r[1] == year)]
        if len(resolved) > 1 and province:
            resolved = [r for r in resolved if r[3] is not None and match_key(r[3]) == match_key(province)]
        if len({r[2] for r in resolved}) == 1:
            rows = resolved
            ikey = resolved[0][2]
    same = [r for r in rows if r[2] == ikey]
    if year is not None:
        pick = [r for r in same if r[1] == year] or [r for r in same if r[1] is None]
        return pick[0][0] if pick else None
    if not same:
        return None
    return max(same, key=lambda r: (r[1] or 0, r[0]))[0]


def _upsert_document(
    db: sqlite_utils.Database, code: str, doc: dict, article_id: int, ts: str, province: str | None = None
) -> int:
    """The id of the document this mention belongs to (inserted when new); non-null values fill nulls and the
    earliest first_seen stays."""
    unit = doc.get("issuer_unit")
    year = _year(doc.get("issued"))
    fields = (year, doc.get("type"), doc.get("issuer"), doc.get("issued"), doc.get("subject"))
    doc_id = find_document(db, code, unit, year, province)
    if doc_id is None:
        prov, _district = issuer_area(unit)
        return db.conn.execute(
            """INSERT INTO documents (code, issuer_unit, issuer_key, issuer_province, year, type, issuer, issued,
               subject, first_seen, first_article_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (code, unit, match_key(unit) if unit else "", prov, *fields, ts, article_id),
        ).lastrowid
    db.conn.execute(
        """UPDATE documents SET
             year = COALESCE(year, ?),
             type = COALESCE(type, ?),
             issuer = COALESCE(issuer, ?),
             issued = COALESCE(issued, ?),
             subject = COALESCE(subject, ?),
             first_article_id = CASE WHEN first_seen IS NULL OR ? < first_seen THEN ? ELSE first_article_id END,
             first_seen = MIN(COALESCE(first_seen, ?), ?)
           WHERE id = ?""",
        (*fields, ts, article_id, ts, ts, doc_id),
    )
    return doc_id


def _upsert_event(db: sqlite_utils.Database, ev: dict, ts: str) -> tuple[int, bool]:
    key = event_key(ev)
    row = _one(db, "SELECT id FROM events WHERE event_key = ?", [key])
    if row is None:
        unit_k, district_k = match_key(ev.get("unit")), match_key(ev.get("district"))
        rest = key.split("|", 2)[2]
        same = [
            (i, k)
            for i, k in db.conn.execute(
                "SELECT id, event_key FROM events WHERE event_key >= ? AND event_key < ?",
                (unit_k + "|", unit_k + "}"),  # every key of this unit ('}' sorts right after '|')
            )
            if k.split("|", 2)[0] == unit_k and k.split("|", 2)[2] == rest
        ]
        if not district_k:
            with_district = [i for i, k in same if k.split("|", 2)[1]]
            if len(with_district) == 1:
                row = (with_district[0],)
        else:
            without = [i for i, k in same if not k.split("|", 2)[1]]
            if len(without) == 1:  # the district-less event of this occasion learns its district
                db.conn.execute(
                    "UPDATE events SET event_key = ?, district = ? WHERE id = ?",
                    (key, ev.get("district"), without[0]),
                )
                row = (without[0],)
    if row is not None:
        db.conn.execute(
            """UPDATE events SET attendees = COALESCE(attendees, ?), province = COALESCE(province, ?),
               district = COALESCE(district, ?) WHERE id = ?""",
            (ev.get("attendees"), ev.get("province"), ev.get("district"), row[0]),
        )
        return row[0], False
    cur = db.conn.execute(
        """INSERT INTO events (event_key, unit, unit_type, district, province, kind, date, attendees, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            key,
            ev["unit"],
            ev.get("unit_type") or "other",
            ev.get("district"),
            ev.get("province"),
            ev.get("kind") or "other",
            ev.get("date"),
            ev.get("attendees"),
            ts,
        ),
    )
    return cur.lastrowid, True


# ---------------------------------------------------------------- crawl runs


def start_run(db: sqlite_utils.Database, source: str, now: dt.datetime) -> int:
    """Create the 'running' row of a crawl. Earlier rows of the source still 'running' belong to crawls
    that died without closing (SIGKILL, power loss): they are marked 'killed' first. One crawl per source
    at a time is assumed (the command and the scheduler guarantee it)."""
    with transaction(db):
        db.conn.execute(
            "UPDATE crawl_runs SET status = 'killed', ended_at = COALESCE(ended_at, ?) WHERE source = ? AND status = 'running'",
            (now_iso(now), source),
        )
        cur = db.conn.execute(
            "INSERT INTO crawl_runs (source, started_at, status) VALUES (?, ?, 'running')",
            (source, now_iso(now)),
        )
    return cur.lastrowid


def previous_run_status(db: sqlite_utils.Database, source: str, before_id: int | None) -> str | None:
    """Status of the latest run of ``source`` before run ``before_id`` (None: there was none)."""
    row = _one(
        db,
        "SELECT status FROM crawl_runs WHERE source = ? AND id < ? ORDER BY id DESC LIMIT 1",
        [source, before_id if before_id is not None else 2**62],
    )
    return row[0] if row else None


def finish_run(db: sqlite_utils.Database, run_id: int, summary: dict, now: dt.datetime) -> None:
    """Write a run's outcome. ``summary``: status, requests, new_articles, events, errors, fallback_share,
    stats (dict). A row already closed by someone else (e.g. marked 'timeout' by the command) keeps its
    status."""
    with transaction(db):
        db.conn.execute(
            """UPDATE crawl_runs SET ended_at = ?, requests = ?, new_articles = ?, events = ?, errors = ?,
               fallback_share = ?, stats = ?,
               status = CASE WHEN status = 'running' THEN ? ELSE status END WHERE id = ?""",
            (
                now_iso(now),
                summary.get("requests", 0),
                summary.get("new_articles", 0),
                summary.get("events", 0),
                summary.get("errors", 0),
                summary.get("fallback_share"),
                json.dumps(summary.get("stats") or {}, ensure_ascii=False, default=str, sort_keys=True),
                summary.get("status", "ok"),
                run_id,
            ),
        )


def close_run(db: sqlite_utils.Database, run_id: int, status: str, now: dt.datetime) -> None:
    """Mark a run that is still 'running' as ``status`` (used by the command when a crawl is killed)."""
    with transaction(db):
        db.conn.execute(
            "UPDATE crawl_runs SET status = ?, ended_at = ? WHERE id = ? AND status = 'running'",
            (status, now_iso(now), run_id),
        )


def get_run(db: sqlite_utils.Database, run_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM crawl_runs WHERE id = ?", [run_id]))
    return rows[0] if rows else None
