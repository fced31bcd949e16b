"""Last pipeline: one article and its events in one short transaction (``db.store.store_article``)."""

from __future__ import annotations

import datetime as dt
import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from db import store
from pipelines.common import crawler_db

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def inc(self, key: str, n: int = 1) -> None:
        if n:
            self.crawler.stats.inc_value(f"briefwatch/{key}", n)

    def process_item(self, item: dict) -> dict:
        db = crawler_db(self.crawler)
        try:
            res = store.store_article(db, item, item.get("extraction"), dt.datetime.now(dt.UTC))
        except Exception as exc:  # noqa: BLE001 - counted, logged, the crawl goes on
            self.inc("errors/store")
            logger.error("storing %s failed: %s: %s", item.get("url"), type(exc).__name__, exc)
            spider = self.crawler.spider
            if item.get("origin") and hasattr(spider, "failed_origins"):
                spider.failed_origins.add(item["origin"])
            raise DropItem(f"store failed: {exc}") from exc
        if res.new_article:
            self.inc("articles_new")
            self.inc(f"extraction/{item.get('extraction_path') or 'unknown'}")
        elif res.new_link:
            self.inc("articles_republished")
        else:
            self.inc("articles_existing")
        self.inc("events_new", res.events_new)
        self.inc("evidence_new", res.events_linked)
        self.inc("documents_seen", res.documents)
        ext = item.get("extraction") or {}
        self.inc("events_extracted", len(ext.get("events") or []))
        return {k: v for k, v in item.items() if k != "extraction"} | {"article_id": res.article_id}
