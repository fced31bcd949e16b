"""A small, fully known database for the analysts' tests (views, search, exports, web view).

Documents:
- 24-CT/TU (legacy era, issued 2023-08-07, no alert rule): briefed by huyện Mê Linh, thị trấn Quang Minh,
  xã Đại Thịnh and xã Tiền Phong (Tiền Phong's first briefing cites only the partial code "24-CT").
- 25-CT/TU: briefed by thị trấn Quang Minh and xã Đại Thịnh (same events as 24-CT/TU).
- 05-CT/TU (2-level era, issued 2025-08-01, rule "city"): 126 Hanoi communes/wards in alert_states:
  90 briefed on time, 7 late, 20 overdue (15 overdue, 3 reminded, 2 silenced), 5 no coverage, 4 not due.
  The first briefed unit's evidence article has a title with a <script> tag; the document's subject has
  markup too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from db.connect import open_db

CITY_RULE = "city"
DOC_NEW = "05-CT/TU"
SCRIPT_TITLE = "<script>alert('xss')</script> Quán triệt Chỉ thị 05-CT/TU"
SUBJECT_MARKUP = "tăng cường <b>kỷ cương</b> & trách nhiệm"
EXPECTED_NEW = {"briefed": 90, "late": 7, "overdue": 20, "no_coverage": 5, "not_due": 4}

ALERT_COLUMNS_SQL = """
CREATE TABLE IF NOT EXISTS alert_states (
    rule TEXT NOT NULL, document TEXT NOT NULL, unit TEXT NOT NULL, unit_type TEXT, district TEXT,
    province TEXT, state TEXT NOT NULL, due_date TEXT, first_alerted_at TEXT, last_notified_at TEXT,
    resolved_at TEXT, silenced_until TEXT, silence_reason TEXT, event_id INTEGER, updated_at TEXT,
    PRIMARY KEY (rule, document, unit)
)
"""


def new_era_units() -> list:
    from briefwatch.gazetteer import load_gazetteer

    units = load_gazetteer().units(dt.date(2025, 8, 1), province="Hà Nội", levels=("xa", "phuong"))
    return sorted(units, key=lambda u: u.name)


class _Builder:
    def __init__(self, db):
        self.db = db
        self.n_events = 0
        self.n_articles = 0

    def article(self, title: str, published: str, text: str, source: str = "hanoimoi.vn") -> int:
        self.n_articles += 1
        url = f"https://{source}/bai-viet-{self.n_articles}.html"
        cur = self.db.execute(
            "INSERT INTO articles (url, source, title, published, text, fetched_at) VALUES (?, ?, ?, ?, ?, ?)",
            [url, source, title, published, text, published + "T08:00:00"],
        )
        return cur.lastrowid

    def document(self, code: str, **kw) -> int:
        return self.db.execute(
            "INSERT INTO documents (code, issuer_unit, issuer_key, issuer_province, type, issuer, issued, subject,"
            " first_seen, first_article_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                code,
                kw.get("issuer_unit"),
                (kw.get("issuer_unit") or "").casefold(),
                kw.get("issuer_province"),
                kw.get("type"),
                kw.get("issuer"),
                kw.get("issued"),
                kw.get("subject"),
                kw.get("first_seen"),
                kw.get("first_article_id"),
            ],
        ).lastrowid

    def doc_id(self, code: str) -> int:
        row = self.db.execute(
            "SELECT id FROM documents WHERE code = ? ORDER BY id LIMIT 1", [code]
        ).fetchone()
        return row[0] if row else self.document(code)

    def event(
        self,
        unit: str,
        unit_type: str,
        district: str | None,
        date: str | None,
        codes: list[str],
        articles: list[int],
        kind: str = "quan_triet",
        attendees: int | None = None,
    ) -> int:
        self.n_events += 1
        cur = self.db.execute(
            "INSERT INTO events (event_key, unit, unit_type, district, province, kind, date, attendees, created_at)"
            " VALUES (?, ?, ?, ?, 'Hà Nội', ?, ?, ?, '2025-09-15T00:00:00')",
            [
                f"{unit}|{district}|{date}|{kind}|{self.n_events}",
                unit,
                unit_type,
                district,
                kind,
                date,
                attendees,
            ],
        )
        eid = cur.lastrowid
        for c in codes:
            self.db.execute(
                "INSERT INTO event_documents (event_id, document_id, code) VALUES (?, ?, ?)",
                [eid, self.doc_id(c), c],
            )
        for a in articles:
            self.db.execute(
                "INSERT OR IGNORE INTO event_evidence (event_id, article_id) VALUES (?, ?)", [eid, a]
            )
            for c in codes:
                self.db.execute(
                    "INSERT OR IGNORE INTO article_documents (article_id, document_id, code) VALUES (?, ?, ?)",
                    [a, self.doc_id(c), c],
                )
        return eid


def build_fixture_db(path: Path) -> Path:
    """Create the fixture database at ``path`` (migrated with open_db) and return the path."""
    db = open_db(path)
    db.execute(ALERT_COLUMNS_SQL)  # a no-op when the alerts migration created it
    b = _Builder(db)
    db.execute("BEGIN")
    a1 = b.article(
        "Mê Linh: quán triệt Chỉ thị 24-CT/TU và Chỉ thị 25-CT/TU",
        "2023-09-30",
        "Ngày 29/9, Đảng ủy thị trấn Quang Minh tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU "
        "ngày 07/8/2023 của Ban Thường vụ Thành uỷ Hà Nội cho 440 đảng viên. Xã Đại Thịnh cũng "
        "quán triệt Chỉ thị 25-CT/TU về phòng cháy, chữa cháy.",
    )
    a2 = b.article(
        "Huyện ủy Mê Linh triển khai Chỉ thị 24",
        "2023-09-16",
        "Huyện ủy Mê Linh hội nghị triển khai Chỉ thị 24 của Thành ủy.",
        source="melinh.hanoi.gov.vn",
    )
    a3 = b.article(
        "Xã Tiền Phong quán triệt Chỉ thị 24",
        "2023-10-01",
        "Đảng ủy xã Tiền Phong quán triệt Chỉ thị 24 cho hơn 100 đảng viên.",
        source="melinh.hanoi.gov.vn",
    )
    a4 = b.article(
        "Tiền Phong tổng kết",
        "2023-12-20",
        "Xã Tiền Phong sơ kết thực hiện Chỉ thị 24-CT/TU.",
        source="melinh.hanoi.gov.vn",
    )
    b.article("Tin thời tiết Hà Nội", "2023-10-02", "Hà Nội hôm nay trời nắng, không có hội nghị nào.")
    b.document(
        "24-CT/TU",
        type="chi_thi",
        issuer="Ban Thường vụ Thành ủy Hà Nội",
        issued="2023-08-07",
        subject="tăng cường kỷ cương, kỷ luật",
        first_seen="2023-09-16T08:00:00",
        first_article_id=a2,
    )
    b.document("24-CT", type="chi_thi", first_seen="2023-10-01T08:00:00", first_article_id=a3)
    b.document(
        "25-CT/TU",
        type="chi_thi",
        issuer="Ban Thường vụ Thành ủy Hà Nội",
        issued="2023-09-20",
        first_seen="2023-09-30T08:00:00",
        first_article_id=a1,
    )
    b.event(
        "thị trấn Quang Minh",
        "thi_tran",
        "Mê Linh",
        "2023-09-29",
        ["24-CT/TU", "25-CT/TU"],
        [a1],
        attendees=440,
    )
    b.event("xã Đại Thịnh", "xa", "Mê Linh", "2023-09-27", ["24-CT/TU", "25-CT/TU"], [a1], attendees=280)
    b.event("huyện Mê Linh", "huyen", None, "2023-09-15", ["24-CT/TU"], [a2], kind="trien_khai")
    b.event("xã Tiền Phong", "xa", "Mê Linh", None, ["24-CT"], [a3], attendees=100)  # date unknown: published
    b.event("xã Tiền Phong", "xa", "Mê Linh", "2023-12-18", ["24-CT/TU"], [a4], kind="so_ket")

    # --- the 2-level era directive with alert states
    b.document(
        DOC_NEW,
        type="chi_thi",
        issuer="Ban Thường vụ Thành ủy Hà Nội",
        issued="2025-08-01",
        subject=SUBJECT_MARKUP,
        first_seen="2025-08-02T08:00:00",
    )
    units = new_era_units()
    columns = {c.name for c in db["alert_states"].columns}
    plan = (
        (["briefed"] * 90)
        + (["late"] * 7)
        + (["overdue"] * 15)
        + (["reminded"] * 3)
        + (["silenced"] * 2)
        + (["no_coverage"] * 5)
        + (["not_due"] * 4)
    )
    assert len(units) == len(plan) == 126, len(units)
    for i, (u, st) in enumerate(zip(units, plan, strict=True)):
        due = "2025-08-31" if st != "not_due" else "2025-09-30"
        event_id = None
        if st in ("briefed", "late"):
            day = dt.date(2025, 8, 5) + dt.timedelta(days=i % 20) if st == "briefed" else dt.date(2025, 9, 5)
            title = SCRIPT_TITLE if i == 0 else f"{u.name[0].upper()}{u.name[1:]} quán triệt Chỉ thị 05-CT/TU"
            art = b.article(
                title,
                day.isoformat(),
                f"Ngày {day.day}/{day.month}, Đảng ủy {u.name} quán triệt Chỉ thị số 05-CT/TU.",
                source="thanhuyhanoi.vn",
            )
            event_id = b.event(u.name, u.unit_type, None, day.isoformat(), [DOC_NEW], [art])
        state = {"late": "resolved"}.get(st, st)
        row = {
            "rule": CITY_RULE,
            "document": DOC_NEW,
            "document_id": b.doc_id(DOC_NEW),
            "unit_id": u.code,
            "unit": u.name,
            "unit_type": u.unit_type,
            "district": None,
            "province": "Hà Nội",
            "unit_key": u.name.casefold(),
            "state": state,
            "issued": "2025-08-01",
            "due_date": due,
            "briefed_on": day.isoformat() if event_id else None,
            "first_alerted_at": "2025-09-01T06:00:00"
            if st in ("overdue", "reminded", "silenced", "late")
            else None,
            "last_notified_at": "2025-09-08T06:00:00" if st == "reminded" else None,
            "resolved_at": "2025-09-06T06:00:00" if st == "late" else None,
            "silenced_until": "2025-10-01" if st == "silenced" else None,
            "silence_reason": "the commune portal is down" if st == "silenced" else None,
            "event_id": event_id,
            "updated_at": "2025-09-15T06:00:00",
        }
        row = {k: v for k, v in row.items() if k in columns}
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        db.execute(f"INSERT INTO alert_states ({names}) VALUES ({marks})", list(row.values()))
    db.execute("COMMIT")
    db.conn.close()
    return path


def test_fixture_builds_and_counts(tmp_path):
    p = build_fixture_db(tmp_path / "fx.db")
    db = open_db(p)
    assert db.execute("SELECT COUNT(*) FROM alert_states WHERE document = ?", [DOC_NEW]).fetchone()[0] == 126
    assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 5 + 97
