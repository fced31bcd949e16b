"""Helpers for the alerts tests: a real SQLite file filled with direct INSERTs into the core tables.

(Collected by pytest but holds only helpers and the self-check below.)
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import itertools
import json
import textwrap
from pathlib import Path

from alerts.keys import text_key
from alerts.rules import Rules, load_yaml, parse_rules
from db.connect import open_db

MELINH_COMMUNES = [
    "thị trấn Chi Đông",
    "xã Đại Thịnh",
    "xã Kim Hoa",
    "xã Thạch Đà",
    "xã Tiến Thắng",
    "xã Tự Lập",
    "thị trấn Quang Minh",
    "xã Thanh Lâm",
    "xã Tam Đồng",
    "xã Liên Mạc",
    "xã Chu Phan",
    "xã Tiến Thịnh",
    "xã Mê Linh",
    "xã Văn Khê",
    "xã Hoàng Kim",
    "xã Tiền Phong",
    "xã Tráng Việt",
]

RULES_YAML = textwrap.dedent(
    """
    settings: {source_failing_runs: 2, max_attempts: 3, backoff_seconds: 60, language: en}
    operators: [ops@example.org]
    recipients:
      - email: supervisor.melinh@example.org
        scope: {district: Mê Linh}
      - email: city@example.org
        scope: {all: true}
    rules:
      - name: commune-briefing
        documents: {issuer: TU, types: [CT, NQ], issued_after: 2023-06-01}
        units: {levels: [xa, phuong, thi_tran], districts: [Mê Linh, Đông Anh]}
        deadline_days: 30
        remind_every_days: 7
        district_conference_covers_communes: false
    """
)

_ids = itertools.count(1)


def rules_from(text: str = RULES_YAML, language: str = "en") -> Rules:
    """Rules from YAML text. Digests default to Vietnamese; these fixtures ask for ``language`` (English unless
    a test is about Vietnamese) when the text sets no language itself."""
    data = load_yaml(textwrap.dedent(text)) or {}
    data.setdefault("settings", {}).setdefault("language", language)
    r = parse_rules(data)
    assert not r.errors, r.errors
    return r


class World:
    """A briefwatch database with sources, crawl runs, articles, documents and events inserted by hand."""

    def __init__(self, path: Path):
        self.path = path
        self.db = open_db(path)

    def source(
        self, name: str, home: dict | None, runs: tuple[str, ...] = ("ok",), start: str = "2023-08-01"
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO sources (name, family, home, config, updated_at) VALUES (?, 'test', ?, '{}', ?)",
            [name, json.dumps(home, ensure_ascii=False) if home else None, start],
        )
        day = dt.date.fromisoformat(start)
        for status in runs:
            self.db.execute(
                "INSERT INTO crawl_runs (source, started_at, ended_at, status) VALUES (?, ?, ?, ?)",
                [name, f"{day}T06:00:00", f"{day}T06:05:00", status],
            )
            day += dt.timedelta(days=1)

    def document(
        self,
        code: str,
        issued: str | None,
        subject: str | None = None,
        issuer: str | None = None,
        type_: str = "chi_thi",
        issuer_unit: str | None = None,
        issuer_province: str | None = None,
    ) -> int:
        """A documents row (one per code and issuer unit here), created or overwritten; returns its id."""
        doc_id = self.doc_id(code, issuer_unit, issuer_province)
        self.db.execute(
            "UPDATE documents SET type = ?, issuer = ?, issued = ?, subject = ?, first_seen = ?, year = ? WHERE id = ?",
            [type_, issuer, issued, subject, issued, int(issued[:4]) if issued else None, doc_id],
        )
        return doc_id

    def doc_id(self, code: str, issuer_unit: str | None = None, issuer_province: str | None = None) -> int:
        ikey = text_key(issuer_unit) if issuer_unit else ""
        row = self.db.execute(
            "SELECT id FROM documents WHERE code = ? AND issuer_key = ?", [code, ikey]
        ).fetchone()
        if row:
            return row[0]
        return self.db.execute(
            "INSERT INTO documents (code, issuer_unit, issuer_key, issuer_province) VALUES (?, ?, ?, ?)",
            [code, issuer_unit, ikey, issuer_province],
        ).lastrowid

    def event(
        self,
        unit: str,
        codes: list[str],
        date: str | None,
        *,
        unit_type: str = "xa",
        district: str | None = "Mê Linh",
        province: str | None = "Hà Nội",
        published: str | None = None,
        url: str | None = None,
        title: str | None = None,
        issuer_unit: str | None = None,
    ) -> int:
        n = next(_ids)
        url = url or f"https://melinh.hanoi.gov.vn/tin/{n}.htm"
        cur = self.db.execute(
            "INSERT INTO articles (url, source, title, published, text, fetched_at) VALUES (?, 'melinh', ?, ?, '', ?)",
            [url, title or f"Hội nghị quán triệt {n}", published or date, published or date or "2023-01-01"],
        )
        aid = cur.lastrowid
        eid = self.db.execute(
            "INSERT INTO events (event_key, unit, unit_type, district, province, kind, date, attendees, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'quan_triet', ?, NULL, ?)",
            [f"k{n}", unit, unit_type, district, province, date, date or "2023-01-01"],
        ).lastrowid
        for c in codes:
            self.db.execute(
                "INSERT INTO event_documents (event_id, document_id, code) VALUES (?, ?, ?)",
                [eid, self.doc_id(c, issuer_unit), c],
            )
        self.db.execute("INSERT INTO event_evidence (event_id, article_id) VALUES (?, ?)", [eid, aid])
        return eid

    def states(self, rule: str = "commune-briefing", document: str = "24-CT/TU") -> dict[str, str]:
        return {
            u: s
            for u, s in self.db.execute(
                "SELECT unit, state FROM alert_states WHERE rule = ? AND document = ?", [rule, document]
            )
        }

    def outbox(self, status: str | None = None) -> list[dict]:
        q = "SELECT id, recipient, digest_key, kind, subject, status, attempts, message FROM outbox"
        rows = self.db.execute(
            q + (" WHERE status = ?" if status else "") + " ORDER BY id", [status] if status else []
        )
        return [
            dict(
                zip(
                    ("id", "recipient", "key", "kind", "subject", "status", "attempts", "message"),
                    r,
                    strict=True,
                )
            )
            for r in rows
        ]


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def parts(msg: email.message.EmailMessage) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_world_roundtrip(tmp_path):
    w = World(tmp_path / "bw.db")
    w.document("24-CT/TU", "2023-08-07")
    eid = w.event("xã Đại Thịnh", ["24-CT/TU"], "2023-08-20")
    row = w.db.execute("SELECT unit, document, url FROM events_flat WHERE event_id = ?", [eid]).fetchone()
    assert row[:2] == ("xã Đại Thịnh", "24-CT/TU") and row[2].startswith("https://")
