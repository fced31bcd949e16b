"""What the spider, the pipelines and the run-stats extension share: one database connection per crawl."""

from __future__ import annotations

import sqlite_utils
from scrapy.crawler import Crawler

from db.connect import open_db


def crawler_db(crawler: Crawler) -> sqlite_utils.Database:
    """The crawl's database (``BRIEFWATCH_DB``), opened once per crawler with ``open_db`` (migrated)."""
    db = getattr(crawler, "_briefwatch_db", None)
    if db is None:
        db = open_db(crawler.settings.get("BRIEFWATCH_DB"))
        crawler._briefwatch_db = db
    return db
