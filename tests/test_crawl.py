"""End to end: real ``briefwatch crawl`` subprocesses against the fixture sites on 127.0.0.1, twice.

One module-scoped pair of runs (all four sources, then again unchanged) feeds every test here.
"""

from __future__ import annotations

import pytest

from db.connect import open_db
from tests.conftest import engine_works, run_briefwatch_crawl, run_stats, write_registry

pytestmark = pytest.mark.slow

SOURCES = ["melinh-portal", "longbien-portal", "xamelinh-portal", "hanoimoi"]


@pytest.fixture(scope="module")
def crawled(fixture_sites, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crawl")
    registry = write_registry(fixture_sites, tmp)
    dbp = tmp / "bw.db"
    fixture_sites.clear()
    first = run_briefwatch_crawl(dbp, registry, *SOURCES)
    first_requests = {s: fixture_sites.requests(s) for s in fixture_sites.sites}
    db = open_db(dbp)
    snapshot = {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("articles", "article_sources", "events", "event_evidence")
    }
    fixture_sites.clear()
    second = run_briefwatch_crawl(dbp, registry, *SOURCES)
    second_requests = {s: fixture_sites.requests(s) for s in fixture_sites.sites}
    yield {
        "db": db,
        "first": first,
        "second": second,
        "first_requests": first_requests,
        "second_requests": second_requests,
        "snapshot": snapshot,
        "base": {s: fixture_sites.base(s) for s in fixture_sites.sites},
    }
    db.conn.close()


def articles(db, source):
    return {
        r["url"].split("/", 3)[3]: r for r in db.query("SELECT * FROM articles WHERE source = ?", [source])
    }


def test_command_prints_a_summary_table(crawled):
    out = crawled["first"]
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0].split() == [
        "source",
        "status",
        "requests",
        "new",
        "articles",
        "events",
        "errors",
        "fallback",
        "seconds",
    ]
    assert [ln.split()[0] for ln in lines[2:]] == SOURCES
    assert all(ln.split()[1] == "ok" for ln in lines[2:])


def test_liferay_portal_articles(crawled):
    arts = articles(crawled["db"], "melinh-portal")
    assert len(arts) == 6
    roundup = arts["hoat-dong-dang/-/view_content/1101-dang-bo-cac-xa-thi-tran-quan-triet-cac-chi-thi.html"]
    assert roundup["title"].startswith("Đảng bộ các xã, thị trấn trên địa bàn huyện Mê Linh")
    assert roundup["published"] == "2023-09-30" and roundup["extraction_path"] == "selectors"
    assert "Đảng bộ xã Đại Thịnh tổ chức hội nghị" in roundup["text"] and "Bản quyền" not in roundup["text"]
    assert (
        arts[
            "hoat-dong-dang/-/view_content/1202-xa-van-khe-trien-khai-chi-thi-25-ct-tu-ve-phong-chay-chua-chay.html"
        ]["published"]
        == "2023-10-06"
    )


def test_layout_change_falls_back_to_generic_and_is_counted(crawled):
    arts = articles(crawled["db"], "melinh-portal")
    changed = arts["hoat-dong-dang/-/view_content/1205-thi-tran-chi-dong-so-ket-nghi-quyet-15-nq-tu.html"]
    assert changed["extraction_path"] == "generic" and changed["published"] == "2023-10-18"
    assert "sơ kết 6 tháng thực hiện Nghị quyết số 15-NQ/TU" in changed["text"]
    run = run_stats(crawled["db"], "melinh-portal")[0]
    assert run["stats"]["briefwatch/selectors_miss"] == 1
    assert run["fallback_share"] == pytest.approx(1 / 6, abs=0.01)


def test_robots_txt_is_obeyed(crawled):
    paths = [p for _, p, _ in crawled["first_requests"]["melinh"]]
    assert "/robots.txt" in paths and not any(p.startswith("/private/") for p in paths)
    assert run_stats(crawled["db"], "melinh-portal")[0]["stats"]["briefwatch/robots_forbidden"] == 1


def test_govcms_commune_portal(crawled):
    arts = articles(crawled["db"], "xamelinh-portal")
    assert len(arts) == 4  # both listing pages walked on the first run
    a = arts["cong-tac-dang/dang-uy-xa-me-linh-quan-triet-chi-thi-45-ct-tw-202508091325001.htm"]
    assert a["published"] == "2025-08-09" and a["extraction_path"] == "selectors"
    assert a["title"] == "Đảng ủy xã Mê Linh quán triệt Nghị quyết số 68-NQ/TW về phát triển kinh tế tư nhân"
    assert "Cổng thông tin" not in a["text"]
    home = crawled["db"].execute("SELECT home FROM sources WHERE name = 'xamelinh-portal'").fetchone()[0]
    assert home == '{"unit": "xã Mê Linh"}'


def test_newspaper_feed_listing_and_republication(crawled):
    db = crawled["db"]
    arts = articles(db, "hanoimoi")
    assert len(arts) == 4  # five pages, one is the Mê Linh roundup republished
    assert arts["phu-xuyen-tang-cuong-ky-cuong-ky-luat-trach-nhiem-640123.html"]["published"] == "2023-09-08"
    assert all("?" not in u for u in arts)  # utm_source stripped, fragment dropped
    (art_id,) = db.execute("SELECT article_id FROM article_sources WHERE url LIKE '%640500.html'").fetchone()
    sources = sorted(
        r[0] for r in db.execute("SELECT source FROM article_sources WHERE article_id = ?", [art_id])
    )
    assert sources == ["hanoimoi", "melinh-portal"]
    stats = run_stats(db, "hanoimoi")[0]["stats"]
    assert stats["briefwatch/feeds/empty"] == 1 and stats["briefwatch/errors/feed_broken"] == 1
    assert stats["briefwatch/articles_republished"] == 1


def test_faults_are_counted_not_fatal(crawled):
    db = crawled["db"]
    run = run_stats(db, "longbien-portal")[0]
    st = run["stats"]
    assert run["status"] == "ok"
    for key in ("http_500", "timeout", "dataloss", "maxsize", "redirect_loop", "listing_http_404"):
        assert st[f"briefwatch/errors/{key}"] == 1, key
    assert st["briefwatch/dropped/too_short"] == 1  # the HTML cut mid-tag
    assert run["errors"] == 7
    failures = dict(
        db.execute(
            "SELECT reason, count(*) FROM crawl_failures WHERE source = 'longbien-portal' GROUP BY reason"
        ).fetchall()
    )
    assert failures == {
        "http_500": 1,
        "timeout": 1,
        "dataloss": 1,
        "maxsize": 1,
        "redirect_loop": 1,
        "invalid:too_short": 1,
    }
    assert len(articles(db, "longbien-portal")) == 5  # every good page stored despite the faults


def test_mislabelled_windows_1258_page_is_decoded(crawled):
    arts = articles(crawled["db"], "longbien-portal")
    a = arts["hoat-dong-cac-phuong/-/view_content/2203-dang-uy-phuong-bo-de-quan-triet-chi-thi-24-ct-tu.html"]
    assert a["title"] == "Đảng ủy phường Bồ Đề quán triệt Chỉ thị số 24-CT/TU"
    assert "\ufffd" not in a["text"] and "cho 260 đảng viên" in a["text"]
    assert run_stats(crawled["db"], "longbien-portal")[0]["stats"]["briefwatch/charset_fixed"] == 1


def test_english_date_line(crawled):
    arts = articles(crawled["db"], "longbien-portal")
    assert (
        arts["hoat-dong-cac-phuong/-/view_content/2102-phat-huy-vai-tro-nguoi-dung-dau.html"]["published"]
        == "2024-07-23"
    )


def test_no_duplicates(crawled):
    db = crawled["db"]
    assert db.execute("SELECT count(*) - count(DISTINCT url) FROM articles").fetchone()[0] == 0
    assert db.execute("SELECT count(*) - count(DISTINCT content_hash) FROM articles").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 19


def test_second_unchanged_crawl_requests_only_feeds_and_first_listing_pages(crawled):
    assert crawled["second"].returncode == 0, crawled["second"].stdout + crawled["second"].stderr
    req = crawled["second_requests"]
    assert sorted(p for _, p, _ in req["melinh"]) == ["/hoat-dong-dang", "/robots.txt"]
    assert sorted(p for _, p, _ in req["xamelinh"]) == ["/cong-tac-dang", "/robots.txt"]
    assert sorted(p for _, p, _ in req["hanoimoi"]) == [
        "/_fault/broken-feed",
        "/_fault/empty-feed",
        "/chinh-tri",
        "/robots.txt",
        "/rss/chinh-tri.rss",
    ]
    statuses = {p: s for _, p, s in req["melinh"] + req["hanoimoi"]}
    assert statuses["/hoat-dong-dang"] == 304 and statuses["/rss/chinh-tri.rss"] == 304
    # the fault site: the listing again (its failed articles keep it from being cached) and only the
    # failed links, retried; no stored article is fetched again
    lb = [p for _, p, _ in req["longbien"]]
    assert not any("/hoat-dong-cac-phuong/-/view_content/" in p for p in lb)
    assert "/hoat-dong-cac-phuong" in lb
    db = crawled["db"]
    now = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in crawled["snapshot"]}
    assert now == crawled["snapshot"]
    second_runs = [run_stats(db, s)[1] for s in SOURCES]
    assert [r["new_articles"] for r in second_runs] == [0, 0, 0, 0]
    assert all(r["status"] == "ok" for r in second_runs)


@pytest.mark.skipif(not engine_works(), reason="the extraction engine is not available yet")
def test_events_linked_to_all_their_evidence(crawled):
    db = crawled["db"]
    rows = list(db.query("SELECT * FROM events_flat WHERE unit = 'phường Phúc Đồng'"))
    assert rows, "the Phúc Đồng study session is reported by the Long Biên portal and Hà Nội Mới"
    assert len({r["event_id"] for r in rows}) == 1
    assert {r["source"] for r in rows} == {"longbien-portal", "hanoimoi"}
    assert {r["date"] for r in rows} == {"2023-09-12"}
    assert "24-CT/TU" in {r["document"] for r in rows}
    # the roundup republished by the newspaper is one article: its events have one evidence row each
    quang_minh = list(
        db.query("SELECT DISTINCT event_id, url FROM events_flat WHERE unit = 'thị trấn Quang Minh'")
    )
    assert len(quang_minh) == 1
    assert db.execute("SELECT count(*) FROM events WHERE district = 'Mê Linh'").fetchone()[0] >= 5
    assert db.execute("SELECT count(*) FROM articles WHERE extracted_at IS NULL").fetchone()[0] == 0
