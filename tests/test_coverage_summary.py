"""Issue #13: ``coverage`` reads ``coverage_summary``, kept by triggers. On a real SQLite file, after random writes
and every kind of edit, the view equals the old view's aggregation (``COVERAGE_LIVE_SQL``) row for row."""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
from pathlib import Path

import pytest

from db import store
from db.analysts import COVERAGE_LIVE_SQL, check_coverage, coverage_suspended, rebuild_coverage
from db.connect import open_db

HERE = Path(__file__).parent / "fixtures"
NOW = dt.datetime(2025, 9, 1, 8, 0, tzinfo=dt.UTC)
COLS = (
    "document, issuer_unit, document_id, unit, unit_type, district, province, first_date, first_date_estimated, "
    "first_url, first_title, first_source, first_published, first_event_id, first_article_id, events, articles"
)
UNITS = [
    ("xã Đại Thịnh", "xa", "Mê Linh", "Hà Nội"),
    ("xã Tiền Phong", "xa", "Mê Linh", "Hà Nội"),
    ("xã Tiền Phong", "xa", "Thường Tín", "Hà Nội"),
    ("xã Tiền Phong", "xa", None, "Hà Nội"),
    ("phường Cầu Giấy", "phuong", None, "Hà Nội"),
    ("xã Nghi Lộc", "xa", None, "Nghệ An"),
    ("xã Vô Danh", "xa", None, None),
]
DOCS = [  # code, issuer_unit, issuer_key, issuer_province
    ("24-CT/TU", "thành phố Hà Nội", "thanh pho ha noi", "Hà Nội"),
    ("24-CT/TU", "tỉnh Nghệ An", "tinh nghe an", "Nghệ An"),
    ("24-CT/TU", None, "", None),  # an unresolved mention: counts for both and they for it
    ("24-CT", None, "", None),  # a partial code
    ("25-CT/TU", "thành phố Hà Nội", "thanh pho ha noi", "Hà Nội"),
    ("7-KL/TW", "trung ương", "trung uong", None),
]


def live(conn) -> list[tuple]:
    return sorted(conn.execute(f"SELECT {COLS} FROM ({COVERAGE_LIVE_SQL})").fetchall(), key=repr)


def summary(conn) -> list[tuple]:
    return sorted(conn.execute(f"SELECT {COLS} FROM coverage").fetchall(), key=repr)


def assert_exact(conn) -> None:
    want = live(conn)
    assert summary(conn) == want
    assert check_coverage_ok(conn)
    # the dirty list is a trigger's scratch space: empty once the statement is over
    assert conn.execute("SELECT COUNT(*) FROM coverage_dirty").fetchone()[0] == 0
    # no fact outlives its group, no group is empty
    assert conn.execute(
        "SELECT COUNT(*) FROM coverage_events f LEFT JOIN coverage_summary s ON s.id = f.group_id WHERE s.id IS NULL"
    ).fetchone() == (0,)


def check_coverage_ok(conn) -> bool:
    from sqlite_utils import Database

    return check_coverage(Database(conn)) == []


def _date(rnd: random.Random) -> str | None:
    return (
        None
        if rnd.random() < 0.25
        else (dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randrange(60))).isoformat()
    )


def populate(conn, rnd: random.Random, n_events: int = 60, n_articles: int = 30) -> None:
    conn.executemany(
        "INSERT INTO documents (code, issuer_unit, issuer_key, issuer_province) VALUES (?, ?, ?, ?)", DOCS
    )
    doc_ids = [r[0] for r in conn.execute("SELECT id FROM documents")]
    for a in range(1, n_articles + 1):
        conn.execute(
            "INSERT INTO articles (id, url, source, title, published, text, fetched_at) VALUES (?, ?, ?, ?, ?, 't', 'x')",
            [a, f"https://s.example/{a}", f"src{a % 3}", f"bài {a}", _date(rnd)],
        )
    for e in range(1, n_events + 1):
        add_event(conn, rnd, e, doc_ids, list(range(1, n_articles + 1)))


def add_event(conn, rnd: random.Random, e: int, doc_ids: list[int], article_ids: list[int]) -> None:
    unit = rnd.choice(UNITS)
    conn.execute(
        "INSERT INTO events (id, event_key, unit, unit_type, district, province, kind, date, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, 'quan_triet', ?, 'x')",
        [e, f"k{e}", *unit, _date(rnd)],
    )
    for _ in range(rnd.choice([0, 1, 1, 2, 3]) if article_ids else 0):
        conn.execute(
            "INSERT OR IGNORE INTO event_evidence (event_id, article_id) VALUES (?, ?)",
            [e, rnd.choice(article_ids)],
        )
    for _ in range(rnd.choice([1, 1, 2, 3])):
        conn.execute(
            "INSERT OR IGNORE INTO event_documents (event_id, document_id, code) VALUES (?, ?, 'x')",
            [e, rnd.choice(doc_ids)],
        )


def edit(conn, rnd: random.Random) -> str:
    """One random edit of the tables the summary derives from; returns what it did."""

    def pick(sql: str):
        rows = [r[0] for r in conn.execute(sql)]
        return rnd.choice(rows) if rows else None

    doc_ids = [r[0] for r in conn.execute("SELECT id FROM documents")]
    article = lambda: pick("SELECT id FROM articles")  # noqa: E731
    op = rnd.choice(
        [
            "event_unit",
            "event_date",
            "event_date_null",
            "event_province",
            "event_delete",
            "evidence_delete",
            "evidence_add",
            "evidence_move",
            "article_redate",
            "article_undate",
            "article_delete",
            "article_retitle",
            "first_article_edit",
            "first_article_edit",
            "first_event_redate",
            "mention_delete",
            "mention_add",
            "mention_move",
            "event_add",
            "document_partial_add",
            "document_delete",
            "document_province",
            "document_rename",
        ]
    )
    e = pick("SELECT id FROM events")
    if e is None or not doc_ids:
        return "none"
    if op == "event_unit":
        unit = rnd.choice(UNITS)
        conn.execute(
            "UPDATE events SET unit = ?, unit_type = ?, district = ?, province = ? WHERE id = ?", [*unit, e]
        )
    elif op == "event_date":
        conn.execute("UPDATE events SET date = ? WHERE id = ?", [_date(rnd) or "2023-12-31", e])
    elif op == "event_date_null":
        conn.execute("UPDATE events SET date = NULL WHERE id = ?", [e])
    elif op == "event_province":
        conn.execute(
            "UPDATE events SET province = ? WHERE id = ?", [rnd.choice(["Hà Nội", "Nghệ An", None]), e]
        )
    elif op == "event_delete":
        conn.execute("DELETE FROM events WHERE id = ?", [e])
    elif op == "evidence_delete":
        conn.execute("DELETE FROM event_evidence WHERE rowid = ?", [pick("SELECT rowid FROM event_evidence")])
    elif op == "evidence_add":
        conn.execute(
            "INSERT OR IGNORE INTO event_evidence (event_id, article_id) VALUES (?, ?)",
            [e, article()],
        )
    elif op == "evidence_move":
        conn.execute(
            "UPDATE OR IGNORE event_evidence SET article_id = ? WHERE rowid = ?",
            [article(), pick("SELECT rowid FROM event_evidence")],
        )
    elif op == "article_redate":
        conn.execute(
            "UPDATE articles SET published = ? WHERE id = ?",
            [_date(rnd) or "2023-06-01", article()],
        )
    elif op == "article_undate":
        conn.execute("UPDATE articles SET published = NULL WHERE id = ?", [article()])
    elif op == "article_delete":
        conn.execute("DELETE FROM articles WHERE id = ?", [article()])
    elif op == "article_retitle":
        conn.execute(
            "UPDATE articles SET title = 'đổi', url = url || '?v=2', source = 'khác' WHERE id = ?",
            [article()],
        )
    elif op == "first_article_edit":
        # an article that is some unit's first evidence (n004 stores its fields in the summary): one or more of its
        # URL, title, source and publish date
        a = pick("SELECT first_article_id FROM coverage_summary WHERE first_article_id IS NOT NULL")
        changes = {
            "url": f"https://s.example/moved/{a}/{rnd.randrange(10**9)}",
            "title": rnd.choice(["tiêu đề mới", None]),
            "source": rnd.choice(["src0", "nguồn khác"]),
            "published": _date(rnd),
        }
        cols = rnd.sample(sorted(changes), rnd.randrange(1, 5))
        conn.execute(
            f"UPDATE articles SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
            [*(changes[c] for c in cols), a],
        )
    elif op == "first_event_redate":
        # the event of some unit's first briefing gets another date, or loses it
        ev = pick("SELECT first_event_id FROM coverage_summary")
        conn.execute("UPDATE events SET date = ? WHERE id = ?", [_date(rnd), ev])
    elif op == "mention_delete":
        conn.execute(
            "DELETE FROM event_documents WHERE rowid = ?", [pick("SELECT rowid FROM event_documents")]
        )
    elif op == "mention_add":
        conn.execute(
            "INSERT OR IGNORE INTO event_documents (event_id, document_id, code) VALUES (?, ?, 'x')",
            [e, rnd.choice(doc_ids)],
        )
    elif op == "mention_move":
        conn.execute(
            "UPDATE OR IGNORE event_documents SET document_id = ? WHERE rowid = ?",
            [rnd.choice(doc_ids), pick("SELECT rowid FROM event_documents")],
        )
    elif op == "event_add":
        e = conn.execute("SELECT MAX(id) FROM events").fetchone()[0] + 1
        add_event(conn, rnd, e, doc_ids, [r[0] for r in conn.execute("SELECT id FROM articles")])
    elif op == "document_partial_add":
        code = rnd.choice(["25-CT", "7-KL", "24-CT"])
        conn.execute(
            "INSERT INTO documents (code, issuer_unit, issuer_key, issuer_province) VALUES (?, ?, ?, ?)",
            rnd.choice([(code, None, "", None), (code, "thành phố Hà Nội", "thanh pho ha noi", "Hà Nội")]),
        )
    elif op == "document_delete":
        d = rnd.choice(doc_ids)
        conn.execute("DELETE FROM event_documents WHERE document_id = ?", [d])
        conn.execute("DELETE FROM article_documents WHERE document_id = ?", [d])
        conn.execute("DELETE FROM documents WHERE id = ?", [d])
    elif op == "document_province":
        conn.execute(
            "UPDATE documents SET issuer_province = ? WHERE id = ?",
            [rnd.choice(["Hà Nội", "Nghệ An", None]), rnd.choice(doc_ids)],
        )
    elif op == "document_rename":
        conn.execute(
            "UPDATE documents SET issuer_unit = coalesce(issuer_unit, '') || ' (sửa)' WHERE id = ?",
            [rnd.choice(doc_ids)],
        )
    return op


@pytest.mark.parametrize("seed", range(6))
def test_random_writes_and_edits_keep_the_summary_equal_to_the_live_aggregation(tmp_path, seed):
    rnd = random.Random(seed)
    db = open_db(tmp_path / "cov.db")
    conn = db.conn
    populate(conn, rnd)
    assert len(live(conn)) > 10  # the data gives groups of several events, with partial and unresolved codes
    assert_exact(conn)
    done = set()
    for _ in range(150):
        done.add(edit(conn, rnd))
        assert_exact(conn)
    assert len(done) >= 15  # most kinds of edit ran
    assert {"first_article_edit", "first_event_redate", "article_retitle"} <= done


def test_edits_inside_one_transaction_and_rolled_back(tmp_path):
    rnd = random.Random(11)
    db = open_db(tmp_path / "cov.db")
    conn = db.conn
    populate(conn, rnd)
    before = summary(conn)
    conn.execute("BEGIN")
    for _ in range(20):
        edit(conn, rnd)
    assert_exact(conn)
    conn.execute("ROLLBACK")
    assert summary(conn) == before == live(conn)
    conn.execute("BEGIN")
    for _ in range(20):
        edit(conn, rnd)
    conn.execute("COMMIT")
    assert_exact(conn)


def test_undated_event_takes_the_earliest_article_and_redating_moves_the_first_briefing(tmp_path):
    db = open_db(tmp_path / "cov.db")
    conn = db.conn
    conn.execute(
        "INSERT INTO documents (id, code, issuer_unit, issuer_key, issuer_province) VALUES "
        "(1, '24-CT/TU', 'thành phố Hà Nội', 'thanh pho ha noi', 'Hà Nội'), (2, '24-CT', NULL, '', NULL)"
    )
    for a, pub in ((1, "2024-03-05"), (2, "2024-03-02"), (3, "2024-04-01")):
        conn.execute(
            "INSERT INTO articles (id, url, source, title, published, text, fetched_at) VALUES (?, ?, 's', ?, ?, 't', 'x')",
            [a, f"https://s.example/{a}", f"bài {a}", pub],
        )
    conn.execute(
        "INSERT INTO events (id, event_key, unit, unit_type, district, province, kind, date, created_at) VALUES "
        "(1, 'a', 'xã Đại Thịnh', 'xa', 'Mê Linh', 'Hà Nội', 'quan_triet', NULL, 'x'),"
        "(2, 'b', 'xã Đại Thịnh', 'xa', 'Mê Linh', 'Hà Nội', 'quan_triet', '2024-03-03', 'x')"
    )
    conn.execute("INSERT INTO event_evidence VALUES (1, 1), (1, 2), (2, 3)")
    # event 1 names the partial code only: it counts for the full code too
    conn.execute(
        "INSERT INTO event_documents (event_id, document_id, code) VALUES (1, 2, '24-CT'), (2, 1, '24-CT/TU')"
    )

    def row():
        return conn.execute(
            "SELECT first_date, first_date_estimated, first_url, first_event_id, events, articles"
            " FROM coverage WHERE document_id = 1 AND unit = 'xã Đại Thịnh'"
        ).fetchone()

    # undated event 1 is dated by its earliest article (2024-03-02), before event 2 (2024-03-03)
    assert row() == ("2024-03-02", 1, "https://s.example/2", 1, 2, 3)
    conn.execute("UPDATE articles SET published = '2024-03-09' WHERE id = 2")  # re-dated: article 1 now first
    assert row() == ("2024-03-03", 0, "https://s.example/3", 2, 2, 3)
    conn.execute("UPDATE events SET date = '2024-01-15' WHERE id = 1")  # the event learns its date
    assert row()[:4] == ("2024-01-15", 0, "https://s.example/1", 1)
    conn.execute("UPDATE events SET unit = 'xã Tiền Phong' WHERE id = 1")  # edited to another unit
    assert row() == ("2024-03-03", 0, "https://s.example/3", 2, 1, 1)
    conn.execute("DELETE FROM event_evidence WHERE event_id = 2")  # the only evidence removed
    assert row() == ("2024-03-03", 0, None, 2, 1, 0)
    conn.execute("DELETE FROM events WHERE id = 2")
    assert row() is None
    assert_exact(conn)


def test_articles_stored_by_the_store_keep_the_summary_exact(tmp_path):
    db = open_db(tmp_path / "cov.db")
    rnd = random.Random(3)
    for i in range(40):
        unit = rnd.choice(UNITS)
        ev = {
            "unit": unit[0],
            "unit_type": unit[1],
            "district": rnd.choice([unit[2], None]),
            "province": unit[3],
            "kind": "quan_triet",
            "date": _date(rnd),
            "directives": rnd.sample(["24-CT/TU", "24-CT", "25-CT/TU", "7-KL/TW"], rnd.randrange(1, 3)),
        }
        docs = [{"code": c, "issuer_unit": rnd.choice([None, "thành phố Hà Nội"])} for c in ev["directives"]]
        item = {
            "url": f"https://s.example/{i}",
            "source": "s",
            "title": f"bài {i}",
            "published": _date(rnd),
            "text": f"Hội nghị quán triệt số {i} " * 20,
        }
        store.store_article(db, item, {"events": [ev], "documents": docs}, NOW)
    assert len(live(db.conn)) > 5
    assert_exact(db.conn)


def test_rebuild_gives_the_same_rows(tmp_path):
    db = open_db(tmp_path / "cov.db")
    populate(db.conn, random.Random(5))
    before = summary(db.conn)
    db.conn.execute("DELETE FROM coverage_summary")
    assert summary(db.conn) == []
    rebuild_coverage(db)
    assert summary(db.conn) == before == live(db.conn)


def test_database_of_the_previous_schema_gets_the_summary_filled(tmp_path):
    p = tmp_path / "v1.db"
    shutil.copy(HERE / "db" / "briefwatch-v1.db", p)
    db = open_db(p)
    names = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master")}
    assert {"coverage_summary", "coverage_events", "coverage_ed_ai"} <= names
    rows = summary(db.conn)
    assert rows and rows == live(db.conn)
    applied = {r[0] for r in db.conn.execute("SELECT name FROM _sqlite_migrations")}
    assert "n003_coverage_summary" in applied
    # and it keeps up with writes after the migration
    conn = db.conn
    conn.execute("UPDATE events SET date = NULL WHERE id = (SELECT MIN(id) FROM events)")
    conn.execute("DELETE FROM event_evidence WHERE rowid = (SELECT MAX(rowid) FROM event_evidence)")
    assert_exact(conn)


def test_edits_of_the_first_evidence_article_and_event_show_in_the_view(tmp_path):
    """n004 stores the first briefing's date, URL, title, source and publish date in the summary row: edits of the
    article (and of the event's date) reach the rows whose first briefing they are, and only those."""
    db = open_db(tmp_path / "cov.db")
    conn = db.conn
    conn.execute(
        "INSERT INTO documents (id, code, issuer_key) VALUES (1, '24-CT/TU', ''), (2, '25-CT/TU', '')"
    )
    for a, pub in ((1, "2024-03-05"), (2, "2024-03-09")):
        conn.execute(
            "INSERT INTO articles (id, url, source, title, published, text, fetched_at) VALUES (?, ?, 's', ?, ?, 't', 'x')",
            [a, f"https://s.example/{a}", f"bài {a}", pub],
        )
    conn.execute(
        "INSERT INTO events (id, event_key, unit, unit_type, kind, date, created_at) VALUES "
        "(1, 'a', 'xã Đại Thịnh', 'xa', 'quan_triet', NULL, 'x'), (2, 'b', 'xã Đại Thịnh', 'xa', 'quan_triet', '2024-03-07', 'x')"
    )
    conn.execute("INSERT INTO event_evidence VALUES (1, 1), (2, 2)")
    conn.execute(
        "INSERT INTO event_documents (event_id, document_id, code) VALUES (1, 1, 'x'), (2, 1, 'x'), (2, 2, 'x')"
    )
    first = (
        "SELECT document_id, first_date, first_date_estimated, first_url, first_title, first_source, first_published"
        " FROM coverage ORDER BY document_id"
    )
    assert conn.execute(first).fetchall() == [
        (1, "2024-03-05", 1, "https://s.example/1", "bài 1", "s", "2024-03-05"),
        (2, "2024-03-07", 0, "https://s.example/2", "bài 2", "s", "2024-03-09"),
    ]
    conn.execute(
        "UPDATE articles SET url = 'https://s.example/1b', title = 'bài 1b', source = 's2' WHERE id = 1"
    )
    conn.execute("UPDATE articles SET title = NULL WHERE id = 2")
    assert conn.execute(first).fetchall() == [
        (1, "2024-03-05", 1, "https://s.example/1b", "bài 1b", "s2", "2024-03-05"),
        (2, "2024-03-07", 0, "https://s.example/2", None, "s", "2024-03-09"),
    ]
    conn.execute("UPDATE events SET date = '2024-03-01' WHERE id = 2")  # event 2 becomes first for document 1
    conn.execute("UPDATE articles SET published = '2024-02-01' WHERE id = 2")
    assert conn.execute(first).fetchall() == [
        (1, "2024-03-01", 0, "https://s.example/2", None, "s", "2024-02-01"),
        (2, "2024-03-01", 0, "https://s.example/2", None, "s", "2024-02-01"),
    ]
    assert_exact(conn)


def test_database_before_n004_gets_the_first_briefing_fields_filled(tmp_path):
    """A database at n003 (the summary without the first briefing's fields, its triggers and view) migrates: every
    row is kept and gets its fields, and the new triggers keep them."""
    from db.analysts import migrations as analysts_set
    from db.schema import migration_sets

    db = open_db(tmp_path / "n003.db", migrate=False)
    for m in migration_sets():
        if m is analysts_set:
            m.apply(db, stop_before="n004_coverage_first_briefing")
        else:
            m.apply(db)
    conn = db.conn
    assert "first_url" not in {r[1] for r in conn.execute("PRAGMA table_info(coverage_summary)")}
    rnd = random.Random(21)
    populate(conn, rnd)
    before = conn.execute(
        "SELECT id, document_id, unit, first_event_id, first_article_id FROM coverage_summary"
    ).fetchall()
    assert len(before) > 10
    want = live(conn)
    assert summary(conn) == want  # the n003 view, reading events and articles
    db = open_db(tmp_path / "n003.db")
    conn = db.conn
    assert "n004_coverage_first_briefing" in {
        r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")
    }
    assert (
        conn.execute(
            "SELECT id, document_id, unit, first_event_id, first_article_id FROM coverage_summary"
        ).fetchall()
        == before
    )
    assert summary(conn) == want
    assert_exact(conn)
    for _ in range(40):
        edit(conn, rnd)
        assert_exact(conn)


def test_first_evidence_of_an_undated_event_that_was_first_recomputes_its_unit(tmp_path):
    """An event without date nor evidence sorts last but by id; its first evidence article, with a publish date
    that is not ISO, can sort it after another event: the unit's first briefing moves to that other event."""
    db = open_db(tmp_path / "cov.db")
    conn = db.conn
    conn.execute("INSERT INTO documents (id, code, issuer_key) VALUES (1, '24-CT/TU', '')")
    conn.execute(
        "INSERT INTO articles (id, url, source, title, published, text, fetched_at)"
        " VALUES (1, 'https://s.example/1', 's', 'bài', 'không rõ', 't', 'x')"
    )
    for e in (1, 2):
        conn.execute(
            "INSERT INTO events (id, event_key, unit, unit_type, kind, created_at)"
            " VALUES (?, ?, 'xã Đại Thịnh', 'xa', 'quan_triet', 'x')",
            [e, f"k{e}"],
        )
        conn.execute(
            "INSERT INTO event_documents (event_id, document_id, code) VALUES (?, 1, '24-CT/TU')", [e]
        )
    first = "SELECT first_event_id, first_article_id, events, articles FROM coverage"
    assert conn.execute(first).fetchall() == [(1, None, 2, 0)]
    conn.execute("INSERT INTO event_evidence (event_id, article_id) VALUES (1, 1)")
    assert conn.execute(first).fetchall() == [(2, None, 2, 1)]
    assert_exact(conn)


def test_bulk_load_with_the_triggers_suspended_ends_exact_and_maintained(tmp_path):
    db = open_db(tmp_path / "cov.db")
    conn = db.conn
    triggers = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'coverage_%'"
    n_triggers = conn.execute(triggers).fetchone()[0]
    rnd = random.Random(8)
    with coverage_suspended(db):
        assert conn.execute(triggers).fetchone() == (0,)
        populate(conn, rnd)
        assert summary(conn) == []  # nothing maintained while suspended
    assert conn.execute(triggers).fetchone() == (n_triggers,)
    assert len(live(conn)) > 10
    assert_exact(conn)
    for _ in range(30):
        edit(conn, rnd)
    assert_exact(conn)


# sqlite_stat1 of the 1M-event database bench_alerts.py generates (ANALYZEd before m004 made idx_events_place, so
# that index has no row and the planner guesses it selective): 1,364 event_documents rows per document
STATS_1M = [
    ("document_matches", "idx_document_matches_member", "1300 2"),
    ("document_matches", "document_matches", "1300 2 1"),
    ("documents", "idx_documents_code", "1100 1 1"),
    ("event_documents", "idx_event_documents_code", "1499492 1364"),
    ("event_documents", "idx_event_documents_document", "1499492 1364"),
    ("event_documents", "sqlite_autoindex_event_documents_1", "1499492 2 1"),
    ("articles", "idx_articles_published", "200000 313"),
    ("articles", "sqlite_autoindex_articles_1", "200000 1"),
    ("events", "idx_events_date", "1000000 1561"),
    ("events", "sqlite_autoindex_events_1", "1000000 1"),
    ("event_evidence", "idx_event_evidence_article", "1000000 5"),
    ("event_evidence", "sqlite_autoindex_event_evidence_1", "1000000 1 1"),
]


def _statements(body: str) -> list[str]:
    import sqlite3

    out, buf = [], ""
    for line in (body + ";").splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out += [s for s in buf.split(";") if s.strip()]
            buf = ""
    return out


def test_backfill_and_document_triggers_look_groups_up_last_on_a_database_of_unresolved_codes(tmp_path):
    """The backfill ran for hours on bench_alerts' 1M events (900 of 1,000 documents unresolved, partial codes):
    with those statistics the planner started from each document's groups (571,000) and read every event of the
    group's place through idx_events_place, 1.2 billion probes per statement instead of 1.65 million (event,
    document) pairs. The group must be the innermost loop and events reached by id, whatever the statistics."""
    from db import analysts

    db = open_db(tmp_path / "alerts-shaped.db")
    conn = db.conn
    rnd = random.Random(13)
    # shaped like bench_alerts: resolved city documents, many unresolved codes, partial codes of some of them
    docs = [(f"{n}-CT/TU", "thành phố Hà Nội", "thanh pho ha noi", "Hà Nội") for n in range(1, 4)]
    docs += [(f"{n}-KH/UBND", None, "", None) for n in range(1, 28)]
    docs += [(f"{n}-KH", None, "", None) for n in range(1, 4)]
    conn.executemany(
        "INSERT INTO documents (code, issuer_unit, issuer_key, issuer_province) VALUES (?, ?, ?, ?)", docs
    )
    doc_ids = [r[0] for r in conn.execute("SELECT id FROM documents")]
    for a in range(1, 41):
        conn.execute(
            "INSERT INTO articles (id, url, source, title, published, text, fetched_at) VALUES (?, ?, 's', 't', ?, 't', 'x')",
            [a, f"https://s.example/{a}", _date(rnd)],
        )
    for e in range(1, 301):
        add_event(conn, rnd, e, doc_ids, list(range(1, 41)))
    assert_exact(conn)

    conn.execute("ANALYZE")
    conn.execute("DELETE FROM sqlite_stat1")
    conn.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", STATS_1M)
    conn.execute("ANALYZE sqlite_schema")  # reload the statistics

    bodies = {"backfill": analysts._BACKFILL}
    bodies |= {name: body for name, (_, body) in analysts._COVERAGE_TRIGGERS.items()}
    checked = set()
    for name, body in bodies.items():
        for stmt in _statements(body):
            if "JOIN coverage_summary s ON s.document_id = d.id" not in stmt:
                continue
            sql = re.sub(r"\b(new|old)\.\w+", "1", stmt)  # a trigger's row: any id gives the same plan shape
            plan = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
            # the outer query's loops, outermost first (subqueries have a parent)
            loops = [r[3] for r in plan if r[1] == 0 and r[3].startswith(("SCAN", "SEARCH"))]
            assert not [p for p in loops if "idx_events_place" in p or p.startswith("SCAN e")], (name, loops)
            assert loops[-1].startswith(
                "SEARCH s USING COVERING INDEX idx_coverage_summary_view (document_id=? AND unit=?"
            ), (name, loops)
            checked.add(name)
    assert {"backfill", "coverage_dm_ai", "coverage_dm_ad", "coverage_doc_au", "coverage_ev_ad"} <= checked

    # and the backfill under those statistics gives the live aggregation
    rebuild_coverage(db)
    assert_exact(conn)
