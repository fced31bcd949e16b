"""Newspapers (hanoimoi.vn, kinhtedothi.vn, anninhthudo.vn, ...): RSS via feedparser, section pages,
article selectors; article URLs end in a numeric id (``-1234567.html``, ``.123.html``, ``-post123.antd``)."""

from __future__ import annotations

import re

from spiders.base import SourceSpider


class NewspaperSpider(SourceSpider):
    name = "newspaper"
    family = "newspaper"
    article_link_re = r"(-\d{5,}\.html?|\.\d{3,}\.html|-post\d+\.antd|-c\d+\.epi)$"
    date_patterns = (
        re.compile(
            r"(?:\d{1,2}:\d{2}\s*,?\s*)?(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})\s*/\s*(?P<y>\d{4})(?:\s*[-|]\s*\d{1,2}:\d{2})?"
        ),
    )
    default_article = {
        "title": "h1.article-title, h1.detail-title, h1",
        "date": ".article-date, .article-published-on, .detail-time, .date-time, time",
        "body": ".article-content, .article-body, .detail-content, .entry-body, .cms-body",
    }
