"""Extraction and storage in a worker process (``BRIEFWATCH_STORE_WORKERS``): the same rows as in the crawl
process, and a failing engine still stores the article for later extraction."""

from __future__ import annotations

import datetime as dt

import pytest

from db import store
from db.connect import open_db
from pipelines import worker
from tests.conftest import run_briefwatch_crawl, write_registry

pytestmark = pytest.mark.slow

ITEM = {
    "url": "http://127.0.0.1/a.html",
    "source": "melinh-portal",
    "home": {"district": "Mê Linh"},
    "title": "Xã Đại Thịnh quán triệt Chỉ thị 24",
    "published": "2023-09-28",
    "dateline": "Ngày đăng 28/09/2023 | 10:00",
    "text": "Ngày 27/9/2023, Đảng ủy xã Đại Thịnh tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU cho 280 đảng viên.",
    "extraction_path": "selectors",
}
NOW = dt.datetime(2023, 9, 28, 12, tzinfo=dt.UTC)


def test_worker_extracts_and_stores(tmp_path):
    dbp = str(tmp_path / "w.db")
    out = worker.extract_and_store(dbp, dict(ITEM), True, NOW)
    assert out["extract_error"] is None and out["events_extracted"] == 1
    assert out["result"]["new_article"] and out["result"]["events_new"] == 1
    db = open_db(dbp)
    ev = list(db.query("SELECT unit, district, date, attendees FROM events"))
    assert ev == [{"unit": "xã Đại Thịnh", "district": "Mê Linh", "date": "2023-09-27", "attendees": 280}]
    again = worker.extract_and_store(dbp, dict(ITEM), True, NOW)  # idempotent
    assert not again["result"]["new_article"] and again["result"]["events_new"] == 0


def test_worker_keeps_an_article_whose_extraction_failed(tmp_path):
    dbp = str(tmp_path / "w.db")
    bad = dict(ITEM, home="not a dict")  # the engine raises on it
    out = worker.extract_and_store(dbp, bad, True, NOW)
    assert out["extract_error"] and out["result"]["new_article"]
    db = open_db(dbp)
    assert [r["url"] for r in store.pending_extraction(db)] == [ITEM["url"]]


def _rows(dbp):
    db = open_db(dbp)
    q = {
        "articles": "SELECT url, source, title, published, extraction_path FROM articles ORDER BY url",
        "events": "SELECT unit, district, date, kind, attendees FROM events ORDER BY unit, date",
        "links": "SELECT e.unit, ed.code FROM event_documents ed JOIN events e ON e.id = ed.event_id ORDER BY 1, 2",
    }
    return {k: [tuple(r.values()) for r in db.query(sql)] for k, sql in q.items()}


def test_worker_and_in_process_crawls_store_the_same_rows(fixture_sites, tmp_path):
    registry = write_registry(fixture_sites, tmp_path)
    got = {}
    for n in (0, 1):
        dbp = tmp_path / f"w{n}.db"
        out = run_briefwatch_crawl(dbp, registry, "melinh-portal", extra={"BRIEFWATCH_STORE_WORKERS": str(n)})
        assert out.returncode == 0, out.stdout + out.stderr
        got[n] = _rows(dbp)
    assert got[0]["articles"] and got[0]["events"]
    assert got[0] == got[1]
