"""Discovery by sitemap (issue #11): a real ``briefwatch crawl`` of a newspaper that lists its articles in a
sitemap index on 127.0.0.1. Newest entries first, bounded by date and by count; old child sitemaps and stale
entries are never fetched. The sitemaps are written at test time with dates relative to today."""

from __future__ import annotations

import datetime as dt

import pytest

from briefwatch.demo.build import hanoimoi_article
from briefwatch.sitesrv import SiteServer
from db.connect import open_db
from tests.conftest import run_briefwatch_crawl, run_stats

pytestmark = pytest.mark.slow

TODAY = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()


def _urlset(entries: list[tuple[str, dt.date | None]]) -> str:
    rows = "".join(
        f"<url><loc>{{{{BASE}}}}{path}</loc>"
        + (f"<lastmod>{d.isoformat()}T08:00:00+07:00</lastmod>" if d else "")
        + "</url>\n"
        for path, d in entries
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</urlset>\n'


def _site(root):
    site = root / "paper"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: *\nDisallow:\n", encoding="utf-8")
    days = {"a-moi-nhat-100001.html": 1, "b-hom-qua-100002.html": 3, "c-tuan-truoc-100003.html": 5,
            "d-thang-truoc-100004.html": 40, "e-nam-ngoai-100005.html": 400}  # fmt: skip
    for name, ago in days.items():
        when = dt.datetime.combine(TODAY - dt.timedelta(days=ago), dt.time(9))
        (site / name).write_text(
            hanoimoi_article(
                f"Phường Hoàn Kiếm quán triệt Chỉ thị số {ago}-CT/TU",
                when,
                [
                    f"Ngày {when:%d/%m/%Y}, Đảng ủy phường Hoàn Kiếm tổ chức hội nghị quán triệt Chỉ thị số "
                    f"{ago}-CT/TU của Ban Thường vụ Thành ủy Hà Nội cho 200 cán bộ, đảng viên.",
                    "Các đại biểu thảo luận cách đưa Chỉ thị vào sinh hoạt chi bộ hằng tháng ở các tổ dân phố.",
                ],
            ),
            encoding="utf-8",
        )
    recent = [(f"/{n}", TODAY - dt.timedelta(days=a)) for n, a in days.items() if a < 100]
    (site / "sitemap-recent.xml").write_text(_urlset([*recent, ("/chinh-tri", TODAY)]), encoding="utf-8")
    (site / "sitemap-old.xml").write_text(
        _urlset([("/e-nam-ngoai-100005.html", TODAY - dt.timedelta(days=400))]), encoding="utf-8"
    )
    (site / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"<sitemap><loc>{{{{BASE}}}}/sitemap-old.xml</loc><lastmod>{TODAY - dt.timedelta(days=400)}</lastmod></sitemap>\n"
        f"<sitemap><loc>{{{{BASE}}}}/sitemap-recent.xml</loc><lastmod>{TODAY - dt.timedelta(days=1)}</lastmod></sitemap>\n"
        "</sitemapindex>\n",
        encoding="utf-8",
    )


def test_sitemap_index_newest_first_bounded_by_date_and_count(tmp_path):
    _site(tmp_path)
    with SiteServer(tmp_path) as srv:
        registry = tmp_path / "sources.yaml"
        registry.write_text(
            srv.render(
                "sources:\n  - name: paper\n    family: newspaper\n    home: {province: Hà Nội}\n"
                "    sitemaps:\n      - {url: '{{BASE:paper}}/sitemap.xml', max_age_days: 30, max_urls: 2}\n"
            ),
            encoding="utf-8",
        )
        out = run_briefwatch_crawl(tmp_path / "bw.db", registry, "paper")
        paths = [p for _m, p, _s in srv.requests("paper")]
    assert out.returncode == 0, out.stdout + out.stderr
    db = open_db(tmp_path / "bw.db")
    stored = sorted(u.rsplit("/", 1)[1] for (u,) in db.execute("SELECT url FROM articles"))
    assert stored == ["a-moi-nhat-100001.html", "b-hom-qua-100002.html"]  # the two newest (max_urls 2)
    assert "/sitemap-old.xml" not in paths  # a child sitemap older than the bound is not fetched
    assert "/d-thang-truoc-100004.html" not in paths and "/chinh-tri" not in paths
    stats = run_stats(db, "paper")[-1]["stats"]
    assert stats["briefwatch/sitemaps/capped"] == 1 and stats["briefwatch/sitemaps/old_skipped"] == 2
    assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 2
