"""The Hanoi government CMS (2023-): hanoi.gov.vn, departments, and since July 2025 the commune/ward
portals on the old district subdomains. Articles ``/<section>/<slug>-<long numeric id>.htm``, date
line time first ``13:25 09/08/2025``, photo captions ``... - Ảnh 1.``."""

from __future__ import annotations

import re

from spiders.base import SourceSpider


class GovCmsSpider(SourceSpider):
    name = "govcms"
    family = "govcms"
    article_link_re = r"/[\w-]+-\d{9,}\.htm$"
    date_patterns = (
        re.compile(r"\d{1,2}:\d{2}\s*,?\s*(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})\s*/\s*(?P<y>\d{4})"),
    )
    default_article = {
        "title": "h1.detail-title, .detail-title, h1",
        "date": ".detail-time, .publish-date, .date",
        "body": ".detail-content, .detail-cmain, .content-detail",
    }
