"""db.store on real SQLite files: identity, idempotence, atomicity, merging, crawl runs."""

from __future__ import annotations

import datetime as dt

import pytest

from db import store
from db.connect import open_db
from pipelines.runstats import summarise

NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=2)
BODY = (
    "Ngày 12/9/2023, Ban chấp hành Đảng bộ phường Phúc Đồng tổ chức sinh hoạt chính trị, tư tưởng thực hiện "
    "Chỉ thị số 24-CT/TU của Ban Thường vụ Thành ủy Hà Nội về tăng cường kỷ cương, kỷ luật và trách nhiệm "
    "giải quyết công việc trong hệ thống chính trị thành phố."
)


@pytest.fixture
def db(tmp_path):
    d = open_db(tmp_path / "t.db")
    yield d
    d.conn.close()


def item(url="http://a.vn/x-1.html", source="s1", text=BODY, title="T", published="2023-09-13"):
    return {
        "url": url,
        "source": source,
        "title": title,
        "published": published,
        "text": text,
        "extraction_path": "selectors",
    }


def ev(
    unit="phường Phúc Đồng",
    district="Long Biên",
    date="2023-09-12",
    kind="sinh_hoat",
    directives=("24-CT/TU",),
    attendees=None,
):
    return {
        "unit": unit,
        "unit_type": "phuong",
        "district": district,
        "province": "Hà Nội",
        "directives": list(directives),
        "date": date,
        "kind": kind,
        "attendees": attendees,
    }


def extraction(*events, documents=None):
    return {
        "events": list(events),
        "documents": documents if documents is not None else [{"code": "24-CT/TU", "type": "chi_thi"}],
    }


def count(db, table):
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# ---------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    "url, expected",
    [
        ("HTTP://Example.VN:80/a/b.html#top", "http://example.vn/a/b.html"),
        ("https://x.vn:443/p?b=2&a=1&utm_source=fb&fbclid=z", "https://x.vn/p?a=1&b=2"),
        ("https://x.vn", "https://x.vn/"),
        ("http://127.0.0.1:8080/A.html?utm_medium=x", "http://127.0.0.1:8080/A.html"),
    ],
)
def test_canonical_url(url, expected):
    assert store.canonical_url(url) == expected


def test_content_hash_ignores_captions_footer_lead_and_spacing():
    base = store.content_hash("A", BODY + "\n\n" + BODY)
    variant = (
        "Kinhtedothi - " + BODY.replace(", ", " ,  ") + "\nTiêu đề bài - Ảnh 1.\n" + BODY
        + "\n(*) Không sao chép dưới mọi hình thức khi chưa có sự đồng ý của Báo Hànộimới."
    )  # fmt: skip
    assert store.content_hash("Another title", variant) == base
    assert store.content_hash("A", BODY.replace("Phúc Đồng", "Ngọc Lâm") * 2) != base
    # tone placement: hoà = hòa, uỷ = ủy
    assert store.content_hash(None, BODY.replace("ủy", "uỷ") * 2) == store.content_hash(None, BODY * 2)


def test_match_key_and_event_key():
    assert store.match_key("Đảng Uỷ  xã Thanh Hoà") == store.match_key("đảng ủy xã thanh hòa")
    assert store.event_key(ev()) == "phường phúc đồng|long biên|2023-09-12|sinh_hoat"
    nodate = ev(date=None, directives=("25-CT/TU", "24-ct/tu"))
    assert store.event_key(nodate) == "phường phúc đồng|long biên|-|24-CT/TU,25-CT/TU"


# ---------------------------------------------------------------- articles


def test_store_article_is_idempotent(db):
    r1 = store.store_article(db, item(), extraction(ev()), NOW)
    r2 = store.store_article(db, item(), extraction(ev()), LATER)
    assert r1.new_article and r1.new_link and r1.events_new == 1
    assert not r2.new_article and not r2.new_link and r2.events_new == 0
    assert r1.article_id == r2.article_id
    assert [
        count(db, t) for t in ("articles", "article_sources", "events", "event_evidence", "documents")
    ] == [1, 1, 1, 1, 1]
    row = db.execute(
        "SELECT url, source, title, published, extraction_path, extracted_at FROM articles"
    ).fetchone()
    assert row[:5] == ("http://a.vn/x-1.html", "s1", "T", "2023-09-13", "selectors") and row[5]


def test_republished_article_is_one_article_with_several_sources(db):
    a = store.store_article(db, item(), extraction(ev()), NOW)
    b = store.store_article(
        db, item(url="http://paper.vn/y-640500.html", source="paper", title="Other"), extraction(ev()), LATER
    )
    assert b.article_id == a.article_id and not b.new_article and b.new_link
    assert count(db, "articles") == 1
    links = db.execute("SELECT source, url FROM article_sources ORDER BY source").fetchall()
    assert links == [("paper", "http://paper.vn/y-640500.html"), ("s1", "http://a.vn/x-1.html")]
    assert store.url_state(db, "http://paper.vn/y-640500.html") == "stored"


def test_same_event_from_three_articles_is_one_event_with_three_evidence_rows(db):
    for i in range(3):
        text = BODY + f" Bài viết số {i} với nội dung khác nhau về hội nghị." * (i + 1)
        store.store_article(
            db, item(url=f"http://s{i}.vn/a-{i}.html", source=f"s{i}", text=text), extraction(ev()), NOW
        )
    assert count(db, "articles") == 3 and count(db, "events") == 1
    rows = list(db.query("SELECT event_id, unit, document, url, source FROM events_flat ORDER BY source"))
    assert len(rows) == 3 and len({r["event_id"] for r in rows}) == 1
    assert [r["source"] for r in rows] == ["s0", "s1", "s2"]


def test_event_without_district_joins_and_district_upgrades(db):
    store.store_article(db, item(url="http://a.vn/1"), extraction(ev(district=None)), NOW)
    store.store_article(
        db, item(url="http://b.vn/2", text=BODY * 2), extraction(ev(district="Long Biên", attendees=40)), NOW
    )
    store.store_article(db, item(url="http://c.vn/3", text=BODY * 3), extraction(ev(district=None)), NOW)
    rows = db.execute("SELECT event_key, district, attendees FROM events").fetchall()
    assert rows == [("phường phúc đồng|long biên|2023-09-12|sinh_hoat", "Long Biên", 40)]
    assert count(db, "event_evidence") == 3
    # a same-named unit of another district on the same day stays a separate event
    store.store_article(
        db, item(url="http://d.vn/4", text=BODY * 4), extraction(ev(district="Hoàng Mai")), NOW
    )
    assert count(db, "events") == 2


def test_documents_merge_better_values_and_keep_first_seen(db):
    store.store_article(
        db, item(url="http://a.vn/1"), extraction(ev(), documents=[{"code": "24-CT/TU"}]), NOW
    )
    doc = {
        "code": "24-ct/tu",
        "type": "chi_thi",
        "issuer": "Ban Thường vụ Thành ủy Hà Nội",
        "issued": "2023-08-07",
        "subject": "kỷ cương",
    }
    store.store_article(db, item(url="http://b.vn/2", text=BODY * 2), extraction(documents=[doc]), LATER)
    store.store_article(
        db,
        item(url="http://c.vn/3", text=BODY * 3),
        extraction(documents=[{"code": "24-CT/TU", "issuer": "Thành ủy"}]),
        LATER,
    )
    row = db.execute(
        "SELECT code, type, issuer, issued, subject, first_seen, first_article_id FROM documents"
    ).fetchone()
    assert row == (
        "24-CT/TU",
        "chi_thi",
        "Ban Thường vụ Thành ủy Hà Nội",
        "2023-08-07",
        "kỷ cương",
        store.now_iso(NOW),
        1,
    )
    assert count(db, "article_documents") == 3


def test_event_directive_not_in_documents_list_still_linked(db):
    store.store_article(db, item(), extraction(ev(directives=("24-CT/TU", "186-KH/QU")), documents=[]), NOW)
    assert sorted(r[0] for r in db.execute("SELECT code FROM event_documents")) == ["186-KH/QU", "24-CT/TU"]
    assert count(db, "documents") == 2


def test_failed_extraction_is_kept_for_later(db):
    r = store.store_article(db, item(), None, NOW)
    pending = store.pending_extraction(db)
    assert [p["id"] for p in pending] == [r.article_id] and count(db, "events") == 0
    store.apply_extraction(db, r.article_id, extraction(ev()), LATER)
    assert store.pending_extraction(db) == [] and count(db, "events") == 1
    # storing the URL again with an extraction does not duplicate
    store.store_article(db, item(), extraction(ev()), LATER)
    assert count(db, "event_evidence") == 1


def test_store_is_atomic(db):
    bad = extraction(ev(), documents=[{"code": "24-CT/TU"}, {"code": 42}])  # the engine gone wrong
    with pytest.raises(TypeError):
        store.store_article(db, item(), bad, NOW)
    assert [count(db, t) for t in ("articles", "article_sources", "documents", "events")] == [0, 0, 0, 0]
    assert not db.conn.in_transaction
    store.store_article(db, item(), extraction(ev()), NOW)
    assert count(db, "articles") == 1


# ---------------------------------------------------------------- crawl memory and runs


def test_failures_are_counted_and_cleared(db):
    url = "http://a.vn/x-1.html"
    assert store.url_state(db, url) == "new"
    assert store.record_failure(db, url, "s1", "http_500", NOW) == 1
    assert store.url_state(db, url) == "failed"
    store.record_failure(db, url, "s1", "timeout", NOW)
    assert store.record_failure(db, url, "s1", "timeout", LATER) == store.MAX_FAILURE_ATTEMPTS
    assert store.url_state(db, url) == "gave_up"
    store.store_article(db, item(url=url), None, LATER)
    assert store.url_state(db, url) == "stored" and count(db, "crawl_failures") == 0


def test_validators_roundtrip(db):
    assert store.get_validators(db, "http://a.vn/rss") == (None, None)
    store.save_validators(db, "http://a.vn/rss", '"e1"', "Mon, 23 Nov 2026 08:00:00 GMT", NOW)
    store.save_validators(db, "http://a.vn/rss", '"e2"', None, LATER)
    assert store.get_validators(db, "http://a.vn/rss") == ('"e2"', None)


def test_runs_killed_rows_and_status(db):
    r1 = store.start_run(db, "s1", NOW)
    assert store.previous_run_status(db, "s1", r1) is None
    r2 = store.start_run(db, "s1", LATER)  # r1 never closed: its process died
    assert store.get_run(db, r1)["status"] == "killed"
    assert store.previous_run_status(db, "s1", r2) == "killed"
    store.close_run(db, r2, "timeout", LATER)
    store.finish_run(
        db, r2, {"status": "ok", "requests": 5, "stats": {"a": 1}}, LATER
    )  # late stats keep 'timeout'
    row = store.get_run(db, r2)
    assert (row["status"], row["requests"]) == ("timeout", 5)
    r3 = store.start_run(db, "s1", LATER)
    store.finish_run(db, r3, {"status": "ok", "requests": 2, "new_articles": 1, "errors": 0}, LATER)
    assert store.get_run(db, r3)["status"] == "ok" and store.previous_run_status(db, "s1", None) == "ok"


def test_summarise_stats():
    stats = {
        "downloader/request_count": 10,
        "downloader/response_status_count/200": 7,
        "downloader/response_status_count/500": 2,
        "briefwatch/articles_new": 4,
        "briefwatch/events_new": 3,
        "briefwatch/errors/http_500": 1,
        "briefwatch/errors/timeout": 1,
        "briefwatch/dropped/too_short": 1,
        "briefwatch/extraction/selectors": 3,
        "briefwatch/extraction/generic": 1,
    }
    s = summarise(stats, "finished")
    assert (s["status"], s["requests"], s["new_articles"], s["events"], s["errors"], s["fallback_share"]) == (
        "ok",
        10,
        4,
        3,
        3,
        0.25,
    )
    # a stop we asked for is no failure of the source (issue #12); another early close is
    assert summarise(stats, "shutdown")["status"] == "stopped"
    assert summarise(stats, "closespider_timeout")["status"] == "failed"
    # every page failed; only robots.txt answered: the source failed
    robots_only = {
        "downloader/request_count": 3,
        "downloader/response_status_count/200": 1,
        "robotstxt/response_status_count/200": 1,
        "downloader/response_status_count/500": 2,
        "briefwatch/errors/http_500": 1,
    }
    assert summarise(robots_only, "finished")["status"] == "failed"
    all_failed = {
        "downloader/request_count": 3,
        "downloader/response_status_count/500": 3,
        "briefwatch/errors/http_500": 1,
    }
    assert summarise(all_failed, "finished")["status"] == "failed"
    assert summarise({"downloader/response_status_count/304": 2}, "finished")["status"] == "ok"
