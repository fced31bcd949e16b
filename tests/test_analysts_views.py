"""The analysts' views, the document_matches table and the full-text index, on real SQLite files."""

from __future__ import annotations

import datetime as dt

import pytest

from briefwatch.datasette.coverage import coverage_page, normalise_code, safe_url, status_of
from db.analysts import check_search_index, fold, fts_query, search_articles, snippet
from db.connect import open_db
from tests.test_analysts_fixture import DOC_NEW, EXPECTED_NEW, build_fixture_db


@pytest.fixture(scope="module")
def fx(tmp_path_factory):
    path = build_fixture_db(tmp_path_factory.mktemp("fx") / "fx.db")
    db = open_db(path)
    yield db
    db.conn.close()


@pytest.fixture
def empty(tmp_path):
    db = open_db(tmp_path / "e.db")
    yield db
    db.conn.close()


def _cov(db, code):
    return {r["unit"]: r for r in db.query("SELECT * FROM coverage WHERE document = ?", [code])}


def test_coverage_first_briefing_evidence_and_partial_codes(fx):
    cov = _cov(fx, "24-CT/TU")
    assert set(cov) == {"huyện Mê Linh", "thị trấn Quang Minh", "xã Đại Thịnh", "xã Tiền Phong"}
    qm = cov["thị trấn Quang Minh"]
    assert (qm["first_date"], qm["events"], qm["first_date_estimated"]) == ("2023-09-29", 1, 0)
    assert qm["first_url"] == "https://hanoimoi.vn/bai-viet-1.html"
    # Tiền Phong: first briefing cites only "24-CT" and has no date (publish date used), then a so_ket
    tp = cov["xã Tiền Phong"]
    assert (tp["first_date"], tp["first_date_estimated"], tp["events"], tp["articles"]) == (
        "2023-10-01",
        1,
        2,
        2,
    )
    assert tp["first_url"] == "https://melinh.hanoi.gov.vn/bai-viet-3.html"
    # the partial code's own coverage counts the full code's events too
    assert set(_cov(fx, "24-CT")) == set(cov)
    # 25-CT/TU is a different number: no leak from 24-CT
    assert set(_cov(fx, "25-CT/TU")) == {"thị trấn Quang Minh", "xã Đại Thịnh"}


def test_documents_overview_and_overdue_units(fx):
    docs = {r["code"]: r for r in fx.query("SELECT * FROM documents_overview")}
    d = docs["24-CT/TU"]
    assert (d["issued"], d["units_briefed"], d["events"], d["articles"], d["partial"]) == (
        "2023-08-07",
        4,
        5,
        4,
        0,
    )
    assert (d["first_briefing"], d["last_briefing"]) == ("2023-09-15", "2023-12-18")
    assert d["first_seen_url"] == "https://melinh.hanoi.gov.vn/bai-viet-2.html"
    assert docs["24-CT"]["partial"] == 1
    assert docs[DOC_NEW]["units_briefed"] == 97
    rows = list(fx.query("SELECT * FROM overdue_units WHERE document = ?", [DOC_NEW]))
    assert len(rows) == EXPECTED_NEW["overdue"]
    assert {r["state"] for r in rows} == {"overdue", "reminded", "silenced"}
    assert all(r["days_overdue"] > 0 for r in rows)


def test_document_matches_follow_inserts_and_deletes(empty):
    db = empty
    ids: dict[str, int] = {}

    def add(code, issuer_unit=None, name=None):
        ids[name or code] = db.execute(
            "INSERT INTO documents (code, issuer_unit, issuer_key) VALUES (?, ?, ?)",
            [code, issuer_unit, (issuer_unit or "").casefold()],
        ).lastrowid

    def matches(name):
        back = {v: k for k, v in ids.items()}
        return sorted(
            back[r[0]]
            for r in db.execute("SELECT member FROM document_matches WHERE document = ?", [ids[name]])
        )

    add("24-CT")
    add("24-CT/TU")  # full after partial
    add("24-CTR/TU")  # another type: no match
    add("24-CT/HU")
    add("124-CT/TU")
    add("7-KL")  # partial before its full code
    add("7-KL/TW")
    assert matches("24-CT") == ["24-CT", "24-CT/HU", "24-CT/TU"]
    assert matches("24-CT/TU") == ["24-CT", "24-CT/TU"]
    assert matches("24-CTR/TU") == ["24-CTR/TU"]
    assert matches("7-KL") == ["7-KL", "7-KL/TW"] and matches("7-KL/TW") == ["7-KL", "7-KL/TW"]
    # two issuers' 24-CT/TU: an unresolved mention counts for both, they never count for each other
    add("24-CT/TU", "thành phố Hà Nội", "HN")
    add("24-CT/TU", "tỉnh Nghệ An", "NA")
    assert matches("HN") == ["24-CT", "24-CT/TU", "HN"]
    assert matches("NA") == ["24-CT", "24-CT/TU", "NA"]
    # a partial code of one issuer counts for that issuer's full code only
    add("24-CT", "tỉnh Nghệ An", "NA-partial")
    assert "NA-partial" in matches("NA") and "NA-partial" not in matches("HN")
    db.execute("DELETE FROM documents WHERE id = ?", [ids["24-CT"]])
    assert matches("24-CT/TU") == ["24-CT/TU", "HN", "NA", "NA-partial"]
    assert (
        db.execute("SELECT COUNT(*) FROM document_matches WHERE member = ?", [ids["24-CT"]]).fetchone()[0]
        == 0
    )


def test_migration_indexes_articles_and_documents_stored_before_it(tmp_path):
    """A database created before the analysts' set: the migration fills the index and the matches."""
    import sqlite_utils

    from db.schema import migration_sets

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    for m in migration_sets()[:-1]:  # every set but ours
        m.apply(db)
    db.execute(
        "INSERT INTO articles (url, source, title, text, fetched_at) VALUES ('u', 's', 'Đảng ủy xã Hòa Bình', 'quán triệt', 'x')"
    )
    db.execute("INSERT INTO documents (code) VALUES ('3-CT')")
    db.execute("INSERT INTO documents (code) VALUES ('3-CT/TU')")
    db.conn.close()
    db = open_db(path)
    assert [h["title"] for h in search_articles(db, "dang uy xa hoa binh")] == ["Đảng ủy xã Hòa Bình"]
    assert db.execute("SELECT COUNT(*) FROM document_matches").fetchone()[0] == 4
    assert check_search_index(db)


@pytest.mark.parametrize(
    ("query", "expected_title"),
    [
        ("quan triet chi thi 24", "Xã Tiền Phong quán triệt Chỉ thị 24"),
        ("QUÁN TRIỆT chỉ thị 24", "Xã Tiền Phong quán triệt Chỉ thị 24"),
        ("dang uy xa tien phong", "Xã Tiền Phong quán triệt Chỉ thị 24"),  # đ typed as d
        ('"huyen uy me linh"', "Huyện ủy Mê Linh triển khai Chỉ thị 24"),
        ("Huyện uỷ Mê Linh", "Huyện ủy Mê Linh triển khai Chỉ thị 24"),  # the other tone placement
        ("24-CT/TU so ket", "Tiền Phong tổng kết"),
        ("thoi tiet", "Tin thời tiết Hà Nội"),
        ("tiet*", "Tin thời tiết Hà Nội"),
    ],
)
def test_search_ignores_diacritics_and_tone_placement(fx, query, expected_title):
    assert expected_title in [h["title"] for h in search_articles(fx, query, limit=50)]


def test_search_text_with_other_tone_placement_and_nfd(empty):
    import unicodedata

    db = empty
    db.execute(
        "INSERT INTO articles (url, source, title, text, fetched_at) VALUES ('a', 's', ?, ?, 'x')",
        ["Thành uỷ Hà Nội", unicodedata.normalize("NFD", "Ban Thường vụ Thành ủy hoà giải \u00d0ảng ủy")],
    )
    for q in ("Thành ủy", "thanh uy", "hòa giải", "hoa giai", "Đảng ủy", "dang uy"):
        assert len(search_articles(db, q)) == 1, q
    assert search_articles(db, "thanh uy tien phong") == []


def test_search_index_follows_updates_and_deletes(empty):
    db = empty
    db.execute(
        "INSERT INTO articles (url, source, title, text, fetched_at) VALUES ('a', 's', 'Hội nghị', 'quán triệt Chỉ thị 5', 'x')"
    )
    assert len(search_articles(db, "chi thi 5")) == 1
    db.execute("UPDATE articles SET text = 'sơ kết Nghị quyết 9' WHERE url = 'a'")
    assert search_articles(db, "chi thi 5") == [] and len(search_articles(db, "nghi quyet 9")) == 1
    db.execute("UPDATE articles SET extracted_at = 'now' WHERE url = 'a'")  # other columns: no re-index
    assert check_search_index(db)
    db.execute("DELETE FROM articles WHERE url = 'a'")
    assert search_articles(db, "nghi quyet 9") == [] and check_search_index(db)


@pytest.mark.parametrize(
    "raw",
    [
        '"',
        "a AND",
        "NOT",
        "(",
        "x OR y)",
        "title:foo",
        "^start",
        "24-CT/TU",
        "a*b",
        "NEAR(a b)",
        "'; DROP TABLE articles; --",
        "*",
        "-",
    ],
)
def test_fts_query_never_raises_on_user_input(fx, raw):
    search_articles(fx, raw)  # a syntax error in MATCH would raise sqlite3.OperationalError
    assert fx.execute("SELECT COUNT(*) FROM articles").fetchone()[0] > 0


def test_fts_query_and_fold():
    assert fts_query("quán triệt Chỉ thị 24-CT/TU") == '"quan" "triet" "chi" "thi" "24 ct tu"'
    assert fts_query('"Thành ủy" hoà*') == '"thanh uy" "hoa"*'
    assert fts_query("  ") is None and fts_query(None) is None and fts_query("--") is None
    assert fold("Thành uỷ") == fold("Thành ủy") == "thanh uy"
    assert fold("\u00d0ảng") == fold("Đảng") == "dang"
    s = snippet("Mở đầu. " * 30 + "Đảng ủy xã quán triệt Chỉ thị 24.", "quan triet", width=60)
    assert "quán triệt" in s and s.startswith("… ")


def test_coverage_page_statuses_from_alert_states(fx):
    page = coverage_page(fx.conn, "05-ct/tu", today=dt.date(2025, 9, 15))
    assert page["source"] == "rule" and page["rule"] == "city"
    assert (page["briefed"], page["total"], page["percent"]) == (97, 126, 77)
    assert {k: v for k, v in page["counts"].items() if v} == EXPECTED_NEW
    late = [u for u in page["units"] if u["status"] == "late"]
    assert all(u["first_date"] == "2025-09-05" and u["url"] for u in late)
    assert page["others"] == []


def test_coverage_page_gazetteer_fallback_and_unknown(fx):
    page = coverage_page(fx.conn, "24-CT/TU", today=dt.date(2025, 9, 15))
    assert page["source"] == "gazetteer" and page["reference_date"] == "2023-08-07"
    assert (page["briefed"], page["total"]) == (4, 556)
    assert page["counts"]["not_briefed"] == 552
    assert coverage_page(fx.conn, "99-CT/TU", today=dt.date(2025, 9, 15)) is None


def test_status_rules_and_helpers():
    assert (
        status_of("overdue", "2025-08-20", "2025-08-31") == "briefed"
    )  # a briefing newer than the alert run
    assert status_of("overdue", "2025-09-02", "2025-08-31") == "late"
    assert status_of("reminded", None, "2025-08-31") == "overdue"
    assert status_of("source_failing", None, None) == "no_coverage"
    assert status_of("not_due", None, "2025-09-30") == "not_due"
    assert status_of("resolved", None, "2025-08-31") == "late"
    assert status_of(None, None, None) == "not_briefed"
    assert normalise_code(" 24-ct/tư ") == "24-CT/TW"
    assert safe_url("javascript:alert(1)") is None and safe_url("https://x.vn/a") == "https://x.vn/a"
