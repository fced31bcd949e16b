"""Former district portals on Liferay (until ~2024): ``/<section>/-/view_content/<id>-<slug>.html``,
date line ``Ngày đăng 15/09/2023 | 15:38 | Lượt xem: 200`` (or ``Publish date 23/07/2024 | 09:21``)."""

from __future__ import annotations

import re

from spiders.base import SourceSpider


class LiferaySpider(SourceSpider):
    name = "liferay"
    family = "liferay"
    article_link_re = r"/-/view_content/\d+-"
    date_patterns = (
        re.compile(
            r"(?:Ngày đăng|Publish date|Ngày cập nhật|Cập nhật)\s*:?\s*"
            r"(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})\s*/\s*(?P<y>\d{4})",
            re.I,
        ),
    )
    default_article = {
        "title": ".header-title, .title-content, .journal-content-title, h1",
        "date": ".date-content, .publish-date, .ngay-dang",
        "body": ".journal-content-article, .content-detail, .asset-content",
    }
