"""Fast checks of the crawl's pure parts: charsets, text, dates, URL shapes, per-source settings."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from scrapy.crawler import Crawler
from scrapy.settings import Settings

from spiders.govcms import GovCmsSpider
from spiders.liferay import LiferaySpider
from spiders.middlewares import guess_encoding
from spiders.newspaper import NewspaperSpider
from spiders.text import find_date, generic_extract, html_to_text
from tests.sitesrv import encode_cp1258

VI = "Đảng ủy phường Bồ Đề quán triệt Chỉ thị số 24-CT/TU cho 260 đảng viên, kỷ cương, kỷ luật."
TODAY = dt.date(2026, 11, 23)


def test_windows_1258_bytes_decode_back_to_the_text():
    raw = encode_cp1258(VI)
    assert raw != VI.encode("utf-8")
    assert unicodedata.normalize("NFC", raw.decode("cp1258")) == VI


@pytest.mark.parametrize(
    "body, declared, expected",
    [
        (VI.encode("utf-8"), "utf-8", None),  # right
        (VI.encode("utf-8"), "cp1252", "utf-8"),  # UTF-8 labelled Latin-1
        (VI.encode("utf-8"), "cp1258", "utf-8"),
        (encode_cp1258(VI), "utf-8", "cp1258"),  # legacy bytes labelled UTF-8
        (b'<meta charset="windows-1258">' + encode_cp1258(VI), "utf-8", "cp1258"),
        (encode_cp1258(VI), "cp1258", None),  # right
        (b"plain ascii", "cp1252", None),
        (b"\xef\xbb\xbf" + VI.encode("utf-8"), "utf-8", None),  # BOM wins
    ],
)
def test_guess_encoding(body, declared, expected):
    assert guess_encoding(body, declared) == expected


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    html = (
        "<div><p>Một <b>hai</b>\n ba</p><script>x=1</script><p>Bốn</p><ul><li>năm</li></ul>sáu<br>bảy</div>"
    )
    assert html_to_text([html]) == "Một hai ba\n\nBốn\n\nnăm\n\nsáu\nbảy"
    decomposed = unicodedata.normalize("NFD", "<p>Hòa</p>")
    assert html_to_text([decomposed]) == "Hòa"


def test_family_date_lines():
    assert find_date(
        "Ngày đăng 15/09/2023 | 15:38 | Lượt xem: 200", LiferaySpider.date_patterns, TODAY
    ) == dt.date(2023, 9, 15)
    assert find_date("Publish date 23/07/2024 | 09:21", LiferaySpider.date_patterns, TODAY) == dt.date(
        2024, 7, 23
    )
    assert find_date("13:25 09/08/2025", GovCmsSpider.date_patterns, TODAY) == dt.date(2025, 8, 9)
    assert find_date("Bạch Thanh 08/09/2023 - 18:06", NewspaperSpider.date_patterns, TODAY) == dt.date(
        2023, 9, 8
    )
    assert find_date("Thứ hai, 08:30 18/09/2023", NewspaperSpider.date_patterns, TODAY) == dt.date(
        2023, 9, 18
    )
    # implausible dates are skipped: in the future, before 2000, not a date
    assert (
        find_date("01/01/2030 then 31/02/2023 then 05/05/1999", NewspaperSpider.date_patterns, TODAY) is None
    )


@pytest.mark.parametrize(
    "spider, url, ok",
    [
        (
            LiferaySpider,
            "https://portal.longbien.gov.vn/hoat-dong/-/view_content/1234-ban-chap-hanh.html",
            True,
        ),
        (LiferaySpider, "https://portal.longbien.gov.vn/hoat-dong?p=2", False),
        (
            GovCmsSpider,
            "https://melinh.hanoi.gov.vn/cong-tac-dang/dang-uy-xa-quan-triet-102250809132500123.htm",
            True,
        ),
        (GovCmsSpider, "https://melinh.hanoi.gov.vn/cong-tac-dang", False),
        (NewspaperSpider, "https://hanoimoi.vn/phu-xuyen-tang-cuong-ky-cuong-640123.html", True),
        (NewspaperSpider, "https://kinhtedothi.vn/me-linh-quan-triet.512345.html", True),
        (NewspaperSpider, "https://anninhthudo.vn/ha-noi-quan-triet-post561234.antd", True),
        (NewspaperSpider, "https://hanoimoi.vn/chinh-tri", False),
    ],
)
def test_article_url_shapes(spider, url, ok, tmp_path):
    s = spider.__new__(spider)
    s.src = type("S", (), {"article_links": None})()
    assert s.is_article_url(url) is ok


def _crawler_for(tmp_path, spidercls, source: dict) -> Crawler:
    import yaml

    reg = tmp_path / "sources.yaml"
    reg.write_text(yaml.safe_dump({"sources": [source]}, allow_unicode=True), encoding="utf-8")
    settings = Settings()
    settings.setmodule("briefwatch.settings")
    settings.set("BRIEFWATCH_SOURCES", str(reg))
    crawler = Crawler(spidercls, settings)
    spidercls.from_crawler(crawler, source=source["name"])
    return crawler


def test_lenient_tls_is_per_source_and_off_by_default(tmp_path):
    strict = {"name": "a", "family": "govcms", "listings": ["https://a.gov.vn/x"]}
    assert (
        _crawler_for(tmp_path, GovCmsSpider, strict).settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES") is True
    )
    lenient = {**strict, "lenient_tls": True}
    assert (
        _crawler_for(tmp_path, GovCmsSpider, lenient).settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES")
        is False
    )


def test_polite_defaults():
    s = Settings()
    s.setmodule("briefwatch.settings")
    assert s.getbool("ROBOTSTXT_OBEY") and s.getbool("AUTOTHROTTLE_ENABLED")
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2 and s.getint("DOWNLOAD_MAXSIZE") == 5 * 1024 * 1024
    assert s.get("USER_AGENT").startswith("Mozilla/5.0") and s.getint("RETRY_TIMES") >= 2


def test_generic_extraction_of_an_unknown_layout():
    body = "".join(
        f"<p>Đoạn {i}: Đảng ủy xã tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU cho đảng viên.</p>"
        for i in range(8)
    )
    html = f"<html><head><title>Tin</title></head><body><nav>Menu</nav><main><h2>Tiêu đề mới</h2>{body}</main><footer>Bản quyền</footer></body></html>"
    title, text = generic_extract(html, "http://x.vn/a-123456.html")
    assert "Đoạn 7" in text and "Bản quyền" not in text
