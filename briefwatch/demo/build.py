"""Build the bundled demo sites in briefwatch/demo/sites/ (run once; the output is committed)::

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
    h = root / "hanoimoi"
    (h / "rss").mkdir(parents=True)
    (h / "chinh-tri").mkdir()
    (h / "robots.txt").write_text("User-agent: *\nDisallow: /admin\n", encoding="utf-8")
    items = []
    for slug, title, when, ps in HANOIMOI:
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
    stories = "\n".join(
        f'<div class="story"><h3><a href="/{slug}.html">{html.escape(title)}</a></h3></div>'
        for slug, title, _, _ in reversed(HANOIMOI)
    )
    (h / "chinh-tri" / "index.html").write_text(
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"><title>Chính trị - Hànộimới</title></head>\n'
        f'<body>\n<header><a href="/">Hànộimới</a></header>\n<div class="list-news">\n{stories}\n</div>\n</body></html>\n',
        encoding="utf-8",
    )


if __name__ == "__main__":
    build()
    print(f"demo sites written to {SITES}")
