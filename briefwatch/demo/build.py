"""Build the bundled demo sites in briefwatch/demo/sites/ (the 2023 Mê Linh scenario) and sites-2026/ (today's
Hanoi, the default scenario; see the end of this file). Run once; the output is committed::

    .venv/bin/python -m briefwatch.demo.build

Two site families, shaped like the crawl fixtures (tests/fixtures/sites) and the real sites
(docs/sources.md): the Liferay-era district portal of Mê Linh (``melinh``: listing pages with ``a.next``
pagination, articles under ``/-/view_content/``) and the newspaper Hànộimới (``hanoimoi``: an RSS feed and
a listing). ``{{BASE}}`` is replaced by the site's URL when served.

The scenario (evaluated as of 2023-11-15, 30 days to brief, communes of Mê Linh):

- Chỉ thị 24-CT/TU (issued 07/08/2023, due 06/09/2023): xã Đại Thịnh (25/08), thị trấn Quang Minh (29/08)
  and xã Tiền Phong (01/09, reported by the newspaper) in time; xã Tráng Việt late (26/09); the rest never.
- Chỉ thị 25-CT/TU (issued 20/09/2023, due 20/10/2023): xã Văn Khê (05/10), xã Đại Thịnh (10/10) and
  thị trấn Chi Đông (12/10, newspaper) in time; xã Kim Hoa late (02/11); the rest never.
- Noise: the district's own conference (not a commune), a clean-up campaign, the city's issuing news.
"""

from __future__ import annotations

import datetime as dt
import html
import shutil
from email.utils import format_datetime
from pathlib import Path

SITES = Path(__file__).parent / "sites"

CT24 = (
    "Chỉ thị số 24-CT/TU, ngày 07/8/2023 của Ban Thường vụ Thành ủy Hà Nội về tăng cường kỷ cương, kỷ luật "
    "và trách nhiệm giải quyết công việc trong hệ thống chính trị thành phố Hà Nội"
)
CT25 = (
    "Chỉ thị số 25-CT/TU, ngày 20/9/2023 của Ban Thường vụ Thành ủy Hà Nội về tiếp tục tăng cường lãnh đạo, "
    "chỉ đạo của Đảng đối với công tác phòng cháy, chữa cháy và cứu nạn, cứu hộ trên địa bàn thành phố"
)
CLOSING = (
    "Phát biểu kết luận hội nghị, đồng chí Bí thư Đảng ủy đề nghị các chi bộ xây dựng kế hoạch cụ thể, "
    "gắn việc thực hiện Chỉ thị với nhiệm vụ chính trị của địa phương, định kỳ sơ kết, đánh giá kết quả."
)

# (id-slug, title, "dd/mm/yyyy | hh:mm" published, paragraphs)
MELINH = [
    (
        "2001-huyen-uy-me-linh-quan-triet-chi-thi-24-ct-tu",
        "Huyện ủy Mê Linh quán triệt Chỉ thị số 24-CT/TU của Ban Thường vụ Thành ủy",
        "18/08/2023 | 16:20",
        [
            f"Chiều ngày 18/8/2023, Ban Thường vụ Huyện ủy Mê Linh tổ chức hội nghị quán triệt {CT24} cho gần "
            "300 đồng chí là cán bộ chủ chốt của huyện và các xã, thị trấn.",
            "Tại hội nghị, đồng chí Trưởng Ban Tuyên giáo Huyện ủy truyền đạt những nội dung cơ bản của Chỉ thị, "
            "trong đó có 6 nhiệm vụ cụ thể và phụ lục nhận diện 25 biểu hiện vi phạm kỷ cương, kỷ luật.",
            "Đồng chí Bí thư Huyện ủy yêu cầu Đảng ủy các xã, thị trấn tổ chức quán triệt Chỉ thị đến toàn thể "
            "cán bộ, đảng viên trước ngày 06/9/2023.",
        ],
    ),
    (
        "2002-dang-uy-xa-dai-thinh-quan-triet-chi-thi-24-ct-tu",
        "Đảng ủy xã Đại Thịnh quán triệt Chỉ thị số 24-CT/TU",
        "25/08/2023 | 10:05",
        [
            f"Sáng ngày 25/8/2023, Đảng ủy xã Đại Thịnh tổ chức hội nghị quán triệt, triển khai thực hiện {CT24} "
            "cho 280 đồng chí đảng viên của 22 chi bộ trực thuộc.",
            "Báo cáo viên của Huyện ủy Mê Linh đã truyền đạt những nội dung cơ bản của Chỉ thị, phân tích các "
            "biểu hiện né tránh, đùn đẩy trách nhiệm cần nhận diện và khắc phục.",
            CLOSING,
        ],
    ),
    (
        "2003-thi-tran-quang-minh-trien-khai-chi-thi-24-ct-tu",
        "Thị trấn Quang Minh triển khai thực hiện Chỉ thị số 24-CT/TU",
        "30/08/2023 | 08:40",
        [
            f"Ngày 29/8/2023, Đảng ủy thị trấn Quang Minh tổ chức hội nghị triển khai thực hiện {CT24}.",
            "Tham dự hội nghị có 190 đồng chí là cán bộ, đảng viên, công chức thị trấn và bí thư các chi bộ, "
            "trưởng các tổ dân phố.",
            CLOSING,
        ],
    ),
    (
        "2004-dang-uy-xa-trang-viet-quan-triet-chi-thi-24-ct-tu",
        "Đảng ủy xã Tráng Việt quán triệt Chỉ thị số 24-CT/TU của Ban Thường vụ Thành ủy",
        "26/09/2023 | 09:10",
        [
            f"Sáng ngày 26/9/2023, Đảng ủy xã Tráng Việt tổ chức hội nghị quán triệt, triển khai thực hiện {CT24} "
            "cho 210 đảng viên các chi bộ trực thuộc.",
            "Tại hội nghị, đồng chí Phó Giám đốc Trung tâm Chính trị huyện Mê Linh truyền đạt nội dung cơ bản "
            "của Chỉ thị, nhấn mạnh các biểu hiện vi phạm kỷ cương, kỷ luật cần nhận diện và khắc phục.",
            CLOSING,
        ],
    ),
    (
        "2005-xa-van-khe-trien-khai-chi-thi-25-ct-tu-ve-phong-chay-chua-chay",
        "Xã Văn Khê triển khai Chỉ thị số 25-CT/TU về phòng cháy, chữa cháy",
        "06/10/2023 | 14:02",
        [
            f"Ngày 05/10/2023, Đảng ủy xã Văn Khê tổ chức hội nghị triển khai thực hiện {CT25}.",
            "Hội nghị có sự tham dự của gần 150 đảng viên, cán bộ chủ chốt xã và các thôn. Các đại biểu đã nghe "
            "báo cáo viên của Huyện ủy Mê Linh quán triệt những nội dung cơ bản của Chỉ thị.",
            "Đảng ủy xã yêu cầu các chi bộ tổ chức tuyên truyền sâu rộng đến từng hộ gia đình, rà soát các cơ "
            "sở kinh doanh có nguy cơ cháy nổ cao trên địa bàn.",
        ],
    ),
    (
        "2006-dang-uy-xa-dai-thinh-quan-triet-chi-thi-25-ct-tu",
        "Đảng ủy xã Đại Thịnh quán triệt Chỉ thị số 25-CT/TU về công tác phòng cháy, chữa cháy",
        "10/10/2023 | 15:30",
        [
            f"Chiều ngày 10/10/2023, Đảng ủy xã Đại Thịnh tổ chức hội nghị quán triệt {CT25} cho 260 cán bộ, "
            "đảng viên trong toàn Đảng bộ.",
            "Hội nghị đã nghe đồng chí Trưởng Công an xã thông tin tình hình cháy, nổ trên địa bàn và những "
            "nhiệm vụ trọng tâm của Chỉ thị.",
            CLOSING,
        ],
    ),
    (
        "2007-huyen-me-linh-ra-quan-tong-ve-sinh-moi-truong",
        "Huyện Mê Linh ra quân tổng vệ sinh môi trường",
        "14/10/2023 | 07:45",
        [
            "Sáng ngày 14/10/2023, UBND huyện Mê Linh tổ chức lễ ra quân tổng vệ sinh môi trường, hưởng ứng "
            "phong trào xây dựng nông thôn mới kiểu mẫu.",
            "Hơn 2.000 cán bộ, đoàn viên, hội viên và nhân dân các xã, thị trấn đã tham gia thu gom rác thải, "
            "khơi thông cống rãnh, trồng cây xanh dọc các tuyến đường liên xã.",
            "Lãnh đạo huyện đề nghị các địa phương duy trì thường xuyên việc vệ sinh môi trường vào ngày chủ "
            "nhật hằng tuần.",
        ],
    ),
    (
        "2008-xa-kim-hoa-quan-triet-chi-thi-25-ct-tu",
        "Xã Kim Hoa quán triệt Chỉ thị số 25-CT/TU của Ban Thường vụ Thành ủy",
        "03/11/2023 | 11:15",
        [
            f"Ngày 02/11/2023, Đảng ủy xã Kim Hoa tổ chức hội nghị quán triệt, triển khai thực hiện {CT25} cho "
            "175 đồng chí đảng viên.",
            "Báo cáo viên cấp huyện đã truyền đạt các nội dung trọng tâm của Chỉ thị, hướng dẫn các chi bộ xây "
            "dựng phương án phòng cháy, chữa cháy tại khu dân cư.",
            CLOSING,
        ],
    ),
]

# (slug, title, published ISO datetime, "dd/mm/yyyy - hh:mm", paragraphs)
HANOIMOI = [
    (
        "me-linh-xa-tien-phong-quan-triet-chi-thi-24-ct-tu-650101",
        "Mê Linh: Xã Tiền Phong quán triệt Chỉ thị số 24-CT/TU",
        dt.datetime(2023, 9, 1, 17, 30),
        [
            f"Ngày 01/9/2023, Đảng ủy xã Tiền Phong (huyện Mê Linh) tổ chức hội nghị quán triệt {CT24} cho "
            "320 cán bộ, đảng viên.",
            "Tại hội nghị, các đại biểu được nghe quán triệt những nội dung cơ bản của Chỉ thị và Kế hoạch thực "
            "hiện của Huyện ủy Mê Linh.",
            "Đồng chí Bí thư Đảng ủy xã yêu cầu mỗi cán bộ, đảng viên nêu cao tinh thần trách nhiệm, nói đi đôi "
            "với làm, giải quyết công việc của người dân đúng hạn.",
            "(*) Không sao chép dưới mọi hình thức khi chưa có sự đồng ý bằng văn bản của Báo Hànộimới.",
        ],
    ),
    (
        "ban-thuong-vu-thanh-uy-ban-hanh-chi-thi-25-ct-tu-ve-phong-chay-chua-chay-650202",
        "Ban Thường vụ Thành ủy ban hành Chỉ thị về công tác phòng cháy, chữa cháy",
        dt.datetime(2023, 9, 21, 9, 0),
        [
            f"Ngày 20/9/2023, thay mặt Ban Thường vụ Thành ủy Hà Nội, Bí thư Thành ủy đã ký ban hành {CT25}.",
            "Chỉ thị yêu cầu các cấp ủy, tổ chức đảng tổ chức quán triệt sâu rộng đến cán bộ, đảng viên và nhân "
            "dân; nâng cao trách nhiệm của người đứng đầu trong công tác phòng cháy, chữa cháy.",
            "(*) Không sao chép dưới mọi hình thức khi chưa có sự đồng ý bằng văn bản của Báo Hànộimới.",
        ],
    ),
    (
        "me-linh-thi-tran-chi-dong-trien-khai-chi-thi-25-ct-tu-650303",
        "Mê Linh: Thị trấn Chi Đông triển khai Chỉ thị số 25-CT/TU",
        dt.datetime(2023, 10, 12, 20, 10),
        [
            f"Ngày 12/10/2023, Đảng ủy thị trấn Chi Đông (huyện Mê Linh) tổ chức hội nghị triển khai {CT25}.",
            "Hơn 200 cán bộ, đảng viên, lực lượng phòng cháy, chữa cháy cơ sở tham dự hội nghị.",
            "Thị trấn đặt mục tiêu 100% tổ dân phố có tổ liên gia an toàn phòng cháy, chữa cháy trong năm 2023.",
            "(*) Không sao chép dưới mọi hình thức khi chưa có sự đồng ý bằng văn bản của Báo Hànộimới.",
        ],
    ),
]


def paras(ps: list[str]) -> str:
    return "\n".join(f"<p>{html.escape(p)}</p>" for p in ps)


def melinh_article(title: str, date: str, ps: list[str]) -> str:
    t = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{t} - Cổng thông tin điện tử huyện Mê Linh</title></head>
<body class="portal-body">
<div id="banner"><a href="/">Cổng thông tin điện tử huyện Mê Linh</a></div>
<div class="breadcrumb"><a href="/">Trang chủ</a> / <a href="/hoat-dong-dang">HOẠT ĐỘNG ĐẢNG - ĐOÀN THỂ</a></div>
<div class="portlet-body">
  <div class="section-header">HOẠT ĐỘNG ĐẢNG - ĐOÀN THỂ</div>
  <div class="journal-content">
    <h3 class="header-title">{t}</h3>
    <div class="date-content">Ngày đăng {date}  | Lượt xem: 120</div>
    <div class="journal-content-article">
{paras(ps)}
    </div>
  </div>
</div>
<div id="footer">Cổng thông tin điện tử huyện Mê Linh. Bản quyền thuộc UBND huyện Mê Linh.</div>
</body></html>
"""


def melinh_listing(items: list[tuple], next_href: str | None) -> str:
    rows = "\n".join(
        f'<div class="asset-abstract"><h3 class="asset-title"><a href="/hoat-dong-dang/-/view_content/{slug}.html">'
        f'{html.escape(title)}</a></h3><span class="date">{date}</span></div>'
        for slug, title, date, _ in items
    )
    nxt = f'<a class="next" href="{next_href}">Trang sau</a>' if next_href else ""
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>HOẠT ĐỘNG ĐẢNG - ĐOÀN THỂ - Cổng thông tin điện tử huyện Mê Linh</title></head>
<body>
<div id="banner"><a href="/">Cổng thông tin điện tử huyện Mê Linh</a></div>
<div class="asset-publisher">
<h2>HOẠT ĐỘNG ĐẢNG - ĐOÀN THỂ</h2>
{rows}
</div>
<div class="lfr-pagination">{nxt}</div>
<div id="footer"><a href="/lien-he.html">Liên hệ</a></div>
</body></html>
"""


def hanoimoi_article(title: str, when: dt.datetime, ps: list[str]) -> str:
    t = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{t}</title>
<meta property="og:title" content="{t}"></head>
<body>
<header><a href="/">Hànộimới</a> <nav><a href="/chinh-tri">Chính trị</a></nav></header>
<article class="article">
  <div class="article-cate">Chính trị</div>
  <h1 class="article-title">{t}</h1>
  <div class="article-meta"><span class="author">Phóng viên</span> <span class="article-date">{when:%d/%m/%Y - %H:%M}</span></div>
  <div class="article-content">
{paras(ps)}
  </div>
</article>
</body></html>
"""


def write_paper(h: Path, articles: list[tuple]) -> Path:
    """The city paper: its articles, robots.txt and the politics RSS feed (newest first); returns its folder."""
    (h / "rss").mkdir(parents=True)
    (h / "robots.txt").write_text("User-agent: *\nDisallow: /admin\n", encoding="utf-8")
    items = []
    for slug, title, when, ps in articles:
        (h / f"{slug}.html").write_text(hanoimoi_article(title, when, ps), encoding="utf-8")
        pub = format_datetime((when - dt.timedelta(hours=7)).replace(tzinfo=dt.UTC), usegmt=True)
        items.append(
            f"<item><title>{html.escape(title)}</title><link>{{{{BASE}}}}/{slug}.html</link>\n"
            f"<pubDate>{pub}</pubDate><description>{html.escape(title)}</description></item>"
        )
    (h / "rss" / "chinh-tri.rss").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>\n'
        "<title>Hànộimới - Chính trị</title><link>{{BASE}}/chinh-tri</link><description>Chính trị</description>\n"
        + "\n".join(reversed(items))
        + "\n</channel></rss>\n",
        encoding="utf-8",
    )
    return h


def build(root: Path = SITES) -> None:
    if root.exists():
        shutil.rmtree(root)
    m = root / "melinh"
    (m / "hoat-dong-dang" / "-" / "view_content").mkdir(parents=True)
    (m / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    for slug, title, date, ps in MELINH:
        (m / "hoat-dong-dang" / "-" / "view_content" / f"{slug}.html").write_text(
            melinh_article(title, date, ps), encoding="utf-8"
        )
    newest_first = list(reversed(MELINH))
    (m / "hoat-dong-dang" / "index.html").write_text(
        melinh_listing(newest_first[:5], "/hoat-dong-dang/trang-2.html"), encoding="utf-8"
    )
    (m / "hoat-dong-dang" / "trang-2.html").write_text(
        melinh_listing(newest_first[5:], None), encoding="utf-8"
    )
    (m / "index.html").write_text(
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin điện tử huyện Mê Linh</title>'
        '</head><body><a href="/hoat-dong-dang">HOẠT ĐỘNG ĐẢNG - ĐOÀN THỂ</a></body></html>\n',
        encoding="utf-8",
    )
    h = write_paper(root / "hanoimoi", HANOIMOI)
    (h / "chinh-tri").mkdir()
    stories = "\n".join(
        f'<div class="story"><h3><a href="/{slug}.html">{html.escape(title)}</a></h3></div>'
        for slug, title, _, _ in reversed(HANOIMOI)
    )
    (h / "chinh-tri" / "index.html").write_text(
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"><title>Chính trị - Hànộimới</title></head>\n'
        f'<body>\n<header><a href="/">Hànộimới</a></header>\n<div class="list-news">\n{stories}\n</div>\n</body></html>\n',
        encoding="utf-8",
    )


# ------------------------------------------------------------------------------------------------ today's Hanoi
# The present-day scenario (default of `briefwatch demo`): the 2-level structure, evaluated on 2026-11-20, a
# directive of the city issued on 02/10/2026 (a made-up one for the demo), 30 days to brief (due 01/11/2026).
# Three ward and commune portals of the city's CMS and the city paper:
# - phường Hoàn Kiếm briefs on 20/10 (in time); phường Cầu Giấy on 10/11 (late); xã Mê Linh's portal has only
#   other news (never); phường Ba Đình is reported by the paper (in time, no portal); phường Tây Hồ has no
#   source at all (not monitored), nor have the other wards and communes.
SITES_2026 = Path(__file__).parent / "sites-2026"
CT05 = (
    "Chỉ thị số 05-CT/TU ngày 02/10/2026 của Ban Thường vụ Thành ủy Hà Nội về nâng cao chất lượng sinh hoạt "
    "chi bộ ở các đảng bộ xã, phường"
)
CLOSING_2026 = (
    "Kết luận hội nghị, đồng chí Bí thư Đảng ủy yêu cầu các chi bộ xây dựng kế hoạch thực hiện, đưa nội dung "
    "Chỉ thị vào sinh hoạt định kỳ và báo cáo kết quả về Văn phòng Đảng ủy trước ngày 30/11/2026."
)
# portal → (unit, [(id, slug, title, "hh:mm dd/mm/yyyy", paragraphs)])
PORTALS_2026 = {
    "hoankiem": (
        "phường Hoàn Kiếm",
        [
            (
                "202610200001",
                "dang-uy-phuong-hoan-kiem-quan-triet-chi-thi-05-ct-tu",
                "Đảng ủy phường Hoàn Kiếm quán triệt Chỉ thị số 05-CT/TU của Ban Thường vụ Thành ủy",
                "16:40 20/10/2026",
                [
                    f"Chiều 20/10/2026, Đảng ủy phường Hoàn Kiếm tổ chức hội nghị quán triệt {CT05} tới 240 "
                    "đồng chí bí thư, phó bí thư chi bộ và đảng viên.",
                    "Báo cáo viên của Đảng ủy phường đã truyền đạt những điểm mới của Chỉ thị, nhất là yêu cầu "
                    "đổi mới nội dung sinh hoạt chuyên đề.",
                    CLOSING_2026,
                ],
            ),
            (
                "202611030002",
                "phuong-hoan-kiem-ra-quan-lam-sach-ho-guom",
                "Phường Hoàn Kiếm ra quân làm sạch khu vực quanh hồ",
                "08:15 03/11/2026",
                [
                    "Sáng 03/11/2026, UBND phường Hoàn Kiếm phối hợp các tổ dân phố ra quân làm sạch vỉa hè, "
                    "thu gom rác thải quanh khu vực hồ.",
                    "Hơn 500 cán bộ, đoàn viên và người dân đã tham gia thu gom rác, sơn sửa lan can và chăm sóc "
                    "cây xanh dọc các tuyến phố.",
                    "UBND phường đề nghị các tổ dân phố duy trì tổng vệ sinh vào sáng chủ nhật hằng tuần.",
                ],
            ),
        ],
    ),
    "caugiay": (
        "phường Cầu Giấy",
        [
            (
                "202611100003",
                "phuong-cau-giay-trien-khai-chi-thi-05-ct-tu",
                "Phường Cầu Giấy triển khai Chỉ thị số 05-CT/TU về sinh hoạt chi bộ",
                "17:05 10/11/2026",
                [
                    f"Ngày 10/11/2026, Đảng ủy phường Cầu Giấy tổ chức hội nghị triển khai thực hiện {CT05}.",
                    "Tham dự hội nghị có 180 đồng chí là cán bộ chủ chốt của phường và bí thư các chi bộ.",
                    CLOSING_2026,
                ],
            ),
        ],
    ),
    "melinh": (
        "xã Mê Linh",
        [
            (
                "202610280004",
                "xa-me-linh-tong-ket-vu-lua-mua",
                "Xã Mê Linh tổng kết sản xuất vụ mùa năm 2026",
                "09:30 28/10/2026",
                [
                    "Ngày 28/10/2026, UBND xã Mê Linh tổ chức hội nghị tổng kết sản xuất vụ mùa năm 2026.",
                    "Năng suất lúa bình quân đạt 60 tạ/ha; diện tích rau an toàn tiếp tục được mở rộng.",
                    "Xã đặt mục tiêu vụ đông năm 2026 gieo trồng 350 ha, ưu tiên các cây trồng có giá trị kinh tế "
                    "cao và liên kết tiêu thụ sản phẩm với các hợp tác xã.",
                ],
            ),
        ],
    ),
}
PAPER_2026 = [
    (
        "ban-thuong-vu-thanh-uy-ban-hanh-chi-thi-ve-sinh-hoat-chi-bo-760101",
        "Ban Thường vụ Thành ủy ban hành Chỉ thị về nâng cao chất lượng sinh hoạt chi bộ",
        dt.datetime(2026, 10, 3, 8, 30),
        [
            f"Ngày 02/10/2026, thay mặt Ban Thường vụ Thành ủy Hà Nội, Bí thư Thành ủy đã ký ban hành {CT05}.",
            "Chỉ thị yêu cầu các đảng ủy xã, phường tổ chức quán triệt tới toàn thể cán bộ, đảng viên trong "
            "tháng 10/2026.",
            "(*) Không sao chép dưới mọi hình thức khi chưa có sự đồng ý bằng văn bản của Báo Hànộimới.",
        ],
    ),
    (
        "phuong-ba-dinh-quan-triet-chi-thi-05-ct-tu-760202",
        "Phường Ba Đình quán triệt Chỉ thị số 05-CT/TU",
        dt.datetime(2026, 10, 25, 19, 0),
        [
            f"Ngày 25/10/2026, Đảng ủy phường Ba Đình tổ chức hội nghị quán triệt {CT05} cho 300 đảng viên.",
            "Các đại biểu thảo luận giải pháp để mỗi buổi sinh hoạt chi bộ thực sự là nơi trao đổi những vấn "
            "đề của khu dân cư.",
            "(*) Không sao chép dưới mọi hình thức khi chưa có sự đồng ý bằng văn bản của Báo Hànộimới.",
        ],
    ),
]


def govcms_article(portal: str, title: str, when: str, ps: list[str]) -> str:
    t = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{t}</title></head>
<body>
<header class="site-header"><a href="/">Cổng thông tin điện tử {html.escape(portal)}</a></header>
<main class="detail">
  <h1 class="detail-title">{t}</h1>
  <div class="detail-time">{when}</div>
  <div class="detail-content">
{paras(ps)}
  </div>
</main>
<footer>Cổng thông tin điện tử {html.escape(portal)}, thành phố Hà Nội.</footer>
</body></html>
"""


def govcms_listing(portal: str, items: list[tuple]) -> str:
    rows = "\n".join(
        f'<div class="box-news"><h3><a href="/cong-tac-dang/{slug}-{nid}.htm">{html.escape(title)}</a></h3>'
        f'<span class="time">{when}</span></div>'
        for nid, slug, title, when, _ in items
    )
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Công tác Đảng - {html.escape(portal)}</title></head>
<body><header><a href="/">Cổng thông tin điện tử {html.escape(portal)}</a></header>
<section class="list-news"><h2>Công tác Đảng</h2>
{rows}
</section></body></html>
"""


def build_2026(root: Path = SITES_2026) -> None:
    if root.exists():
        shutil.rmtree(root)
    for site, (unit, items) in PORTALS_2026.items():
        s = root / site
        (s / "cong-tac-dang").mkdir(parents=True)
        (s / "robots.txt").write_text("User-agent: *\nDisallow: /admin\n", encoding="utf-8")
        for nid, slug, title, when, ps in items:
            (s / "cong-tac-dang" / f"{slug}-{nid}.htm").write_text(
                govcms_article(unit, title, when, ps), encoding="utf-8"
            )
        (s / "cong-tac-dang" / "index.html").write_text(
            govcms_listing(unit, list(reversed(items))), encoding="utf-8"
        )
    write_paper(root / "hanoimoi", PAPER_2026)


if __name__ == "__main__":
    build()
    build_2026()
    print(f"demo sites written to {SITES} and {SITES_2026}")
