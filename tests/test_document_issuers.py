"""Issue #10: a document is its issuer's. Four articles with two provinces' 24-CT/TU and two districts'
133-KH/QU give four documents in any crawl order; rules and the register keep them apart."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from alerts.directives import register
from alerts.evaluate import evaluate
from alerts.rules import load_yaml, parse_rules
from briefwatch.cli import cli
from briefwatch.extract import extract_article
from db import store
from db.connect import open_db

HERE = Path(__file__).parent / "fixtures"
NOW = dt.datetime(2024, 10, 1, 8, 0, tzinfo=dt.UTC)
ARTICLES = {
    "hanoi": ("hanoi-24-ct-tu.txt", "2024-09-12"),
    "nghean": ("nghean-24-ct-tu.txt", "2024-05-10"),
    "caugiay": ("caugiay-133-kh-qu.txt", "2023-09-15"),
    "dongda": ("dongda-133-kh-qu.txt", "2024-03-20"),
}
EXPECTED = {
    ("24-CT/TU", "thành phố Hà Nội", "2023-08-07"),
    ("24-CT/TU", "tỉnh Nghệ An", "2024-04-20"),
    ("133-KH/QU", "quận Cầu Giấy", "2023-09-05"),
    ("133-KH/QU", "quận Đống Đa", "2023-02-10"),
}


def _extractions() -> dict[str, tuple[dict, dict]]:
    out = {}
    for name, (fname, published) in ARTICLES.items():
        text = (HERE / "issuers" / fname).read_text(encoding="utf-8")
        item = {
            "url": f"https://feed.example.org/{name}.html",
            "source": "feed",
            "title": text.splitlines()[0],
            "published": published,
            "text": text,
        }
        out[name] = (item, extract_article(text, published=published, url=item["url"]))
    return out


EXTRACTED = _extractions()


def _load(order) -> object:
    db = open_db(":memory:")
    for name in order:
        item, ex = EXTRACTED[name]
        store.store_article(db, item, ex, NOW)
    return db


def _docs(db) -> set[tuple]:
    return set(db.execute("SELECT code, issuer_unit, issued FROM documents").fetchall())


@pytest.mark.parametrize("order", list(itertools.permutations(ARTICLES)))
def test_four_articles_give_four_documents_in_any_order(order):
    db = _load(order)
    assert _docs(db) == EXPECTED


def test_events_flat_links_each_event_to_its_own_document():
    db = _load(ARTICLES)
    rows = db.execute("SELECT unit, document, issuer_unit FROM events_flat ORDER BY unit").fetchall()
    assert rows == [
        ("quận Cầu Giấy", "133-KH/QU", "quận Cầu Giấy"),
        ("quận Đống Đa", "133-KH/QU", "quận Đống Đa"),
        ("thành phố Hà Nội", "24-CT/TU", "thành phố Hà Nội"),
        ("tỉnh Nghệ An", "24-CT/TU", "tỉnh Nghệ An"),
    ]


def test_unresolved_mention_joins_the_one_known_document_of_its_code():
    db = _load(["caugiay"])
    item = {"url": "https://feed.example.org/x.html", "source": "feed", "title": "x", "text": "y" * 300}
    ex = {"documents": [{"code": "133-KH/QU"}], "events": []}
    store.store_article(db, item, ex, NOW)
    assert db.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 1
    # with two issuers known, an unresolved mention stays apart (flagged: issuer_unit NULL)
    db = _load(["caugiay", "dongda"])
    store.store_article(db, item, ex, NOW)
    assert db.execute("SELECT COUNT(*) FROM documents WHERE issuer_unit IS NULL").fetchone()[0] == 1


def _rules(text: str):
    return parse_rules(load_yaml(text), "inline")


def test_a_hanoi_rule_on_tu_directives_never_takes_nghe_an_s_document():
    db = _load(["nghean", "hanoi"])  # Nghệ An's first: the old register kept its date
    rules = _rules(
        """
rules:
  - name: city
    documents: {issuer: TU, types: [CT]}
    units: {levels: [xa, phuong]}
    deadline_days: 30
"""
    )
    evaluate(db, rules, "2024-10-01", now=NOW)
    rows = db.execute(
        "SELECT DISTINCT s.issued, d.issuer_unit FROM alert_states s JOIN documents d ON d.id = s.document_id"
    ).fetchall()
    assert rows == [("2023-08-07", "thành phố Hà Nội")]
    assert db.execute("SELECT COUNT(*) FROM alert_states WHERE province != 'Hà Nội'").fetchone()[0] == 0


def test_province_level_rule_holds_each_province_to_its_own_directive():
    db = _load(ARTICLES)
    rules = _rules(
        """
rules:
  - name: provinces
    documents: {issuer: TU, types: [CT]}
    units: {levels: [tinh, thanh_pho_tw], province: null}
    deadline_days: 60
"""
    )
    evaluate(db, rules, "2024-10-01", now=NOW)
    got = db.execute(
        "SELECT s.unit, d.issuer_unit, s.state, s.briefed_on FROM alert_states s "
        "JOIN documents d ON d.id = s.document_id ORDER BY s.unit"
    ).fetchall()
    assert got == [
        ("thành phố Hà Nội", "thành phố Hà Nội", "resolved", "2024-09-12"),
        ("tỉnh Nghệ An", "tỉnh Nghệ An", "briefed", "2024-05-10"),
    ]


def test_a_district_plan_binds_that_district_s_wards_only():
    db = _load(ARTICLES)
    rules = _rules(
        """
rules:
  - name: wards
    documents: {issuer: QU, types: [KH]}
    units: {levels: [phuong]}
    deadline_days: 30
"""
    )
    evaluate(db, rules, "2024-06-30", now=NOW)
    got = dict(
        db.execute(
            "SELECT d.issuer_unit, group_concat(DISTINCT s.district) FROM alert_states s "
            "JOIN documents d ON d.id = s.document_id GROUP BY d.issuer_unit"
        ).fetchall()
    )
    assert got == {"quận Cầu Giấy": "Cầu Giấy", "quận Đống Đa": "Đống Đa"}


def test_rule_selects_documents_by_issuer_unit():
    db = _load(ARTICLES)
    rules = _rules(
        """
rules:
  - name: caugiay
    documents: {issuer_unit: Quận Cầu Giấy}
    units: {levels: [phuong]}
    deadline_days: 30
"""
    )
    rows = register(db, rules, watched_only=True)
    assert [(r["code"], r["issuer_unit"]) for r in rows] == [("133-KH/QU", "quận Cầu Giấy")]


@pytest.fixture
def dbfile(tmp_path):
    p = tmp_path / "bw.db"
    db = _load(ARTICLES)
    db.execute("VACUUM INTO ?", [str(p)])
    return p


def _cli(dbfile, *args):
    rules = dbfile.parent / "alerts.yaml"
    rules.write_text("rules: []\n", encoding="utf-8")
    return CliRunner().invoke(
        cli, ["--db", str(dbfile), "--rules", str(rules), *args], catch_exceptions=False
    )


def test_directives_list_json_and_ambiguous_codes(dbfile):
    res = _cli(dbfile, "directives", "list", "--all", "--json")
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.output.splitlines() if line.startswith("{")]
    assert {(r["code"], r["issuer_unit"], r["issued"]) for r in rows} == EXPECTED
    assert all({"type", "subject"} <= set(r) for r in rows)
    res = _cli(dbfile, "directives", "watch", "24-CT/TU")
    assert res.exit_code == 1 and "thành phố Hà Nội, tỉnh Nghệ An" in res.output
    res = _cli(dbfile, "directives", "watch", "24-CT/TU", "--issuer-unit", "tỉnh Nghệ An")
    assert res.exit_code == 0, res.output
    res = _cli(dbfile, "directives", "list", "--all", "--json")
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    watched = [(r["code"], r["issuer_unit"]) for r in rows if r["manual"] == "watch"]
    assert watched == [("24-CT/TU", "tỉnh Nghệ An")]


def test_export_filters_by_issuer_unit(dbfile):
    res = _cli(
        dbfile,
        "export",
        "events",
        "--format",
        "json",
        "--document",
        "133-KH/QU",
        "--issuer-unit",
        "quận Đống Đa",
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [(r["unit"], r["issuer_unit"]) for r in rows] == [("quận Đống Đa", "quận Đống Đa")]


def test_database_of_the_previous_schema_migrates_with_nothing_lost(tmp_path):
    """tests/fixtures/db/briefwatch-v1.db was written by the version before #10 (see make_v1.py there)."""
    p = tmp_path / "v1.db"
    shutil.copy(HERE / "db" / "briefwatch-v1.db", p)
    import sqlite3

    old = sqlite3.connect(p)
    before = {
        "documents": old.execute(
            "SELECT code, type, issued, subject, first_seen FROM documents ORDER BY code"
        ).fetchall(),
        "event_documents": old.execute("SELECT event_id, code FROM event_documents ORDER BY 1, 2").fetchall(),
        "article_documents": old.execute(
            "SELECT article_id, code FROM article_documents ORDER BY 1, 2"
        ).fetchall(),
        "states": old.execute(
            "SELECT rule, document, unit_id, state, briefed_on FROM alert_states ORDER BY 1, 2, 3"
        ).fetchall(),
        "watched": old.execute("SELECT code, issued, title, watched FROM watched_documents").fetchall(),
        "events": old.execute("SELECT COUNT(*) FROM events").fetchone(),
        "outbox": old.execute("SELECT COUNT(*) FROM outbox").fetchone(),
    }
    old.close()
    db = open_db(p)
    after = {
        "documents": db.execute(
            "SELECT code, type, issued, subject, first_seen FROM documents WHERE first_seen IS NOT NULL ORDER BY code"
        ).fetchall(),
        "event_documents": db.execute("SELECT event_id, code FROM event_documents ORDER BY 1, 2").fetchall(),
        "article_documents": db.execute(
            "SELECT article_id, code FROM article_documents ORDER BY 1, 2"
        ).fetchall(),
        "states": db.execute(
            "SELECT rule, document, unit_id, state, briefed_on FROM alert_states ORDER BY 1, 2, 3"
        ).fetchall(),
        "watched": db.execute("SELECT code, issued, title, watched FROM watched_documents").fetchall(),
        "events": db.execute("SELECT COUNT(*) FROM events").fetchone(),
        "outbox": db.execute("SELECT COUNT(*) FROM outbox").fetchone(),
    }
    assert after == before
    # every link points at the document of its code; the old rows are flagged unresolved
    assert db.execute(
        "SELECT COUNT(*) FROM event_documents ed JOIN documents d ON d.id = ed.document_id AND d.code = ed.code"
    ).fetchone()[0] == len(before["event_documents"])
    assert db.execute("SELECT COUNT(*) FROM documents WHERE issuer_unit IS NOT NULL").fetchone()[0] == 0
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    # the evaluation after the upgrade keeps every state (the brief cache is rebuilt)
    rules = _rules(
        """
rules:
  - name: commune-briefing
    documents: {issuer: TU, types: [CT], issued_after: 2023-06-01}
    units: {levels: [xa, thi_tran], districts: [Mê Linh]}
    deadline_days: 30
"""
    )
    summary = evaluate(db, rules, "2023-10-01", now=dt.datetime(2023, 10, 1, 8, tzinfo=dt.UTC))
    assert summary["changed"] == 0 and summary["digests_queued"] == 0


def test_coverage_page_of_a_code_two_provinces_number_shows_one_and_links_the_other():
    from briefwatch.datasette.coverage import coverage_page

    db = _load(ARTICLES)
    ids = dict(db.execute("SELECT issuer_unit, id FROM documents WHERE code = '24-CT/TU'").fetchall())
    page = coverage_page(db.conn, "24-ct/tu", today=dt.date(2024, 10, 1), doc_id=ids["tỉnh Nghệ An"])
    assert page["document"]["issuer_unit"] == "tỉnh Nghệ An"
    assert page["province"] == "Nghệ An"
    assert [o["issuer_unit"] for o in page["issuers"]] == ["thành phố Hà Nội"]
    assert [u["unit"] for u in page["others"]] == ["tỉnh Nghệ An"]  # its event; no Hanoi unit
    page = coverage_page(db.conn, "24-CT/TU", today=dt.date(2024, 10, 1), doc_id=ids["thành phố Hà Nội"])
    assert [u["unit"] for u in page["others"]] == ["thành phố Hà Nội"]
