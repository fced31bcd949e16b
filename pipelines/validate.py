"""First pipeline: an item must be an article worth storing. Bad items are dropped with a reason,
counted (``briefwatch/dropped/<reason>``) and remembered in ``crawl_failures`` (retried on later runs
up to a limit)."""

from __future__ import annotations

import datetime as dt

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from db import store
from pipelines.common import crawler_db


class ValidatePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.min_text = crawler.settings.getint("BRIEFWATCH_MIN_TEXT", 150)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def problem(self, item: dict, today: dt.date) -> str | None:
        """Why ``item`` cannot be stored, or None. Fixes what can be fixed (a bad date becomes None)."""
        if not isinstance(item.get("url"), str) or not item["url"].startswith(("http://", "https://")):
            return "no_url"
        if not item.get("source"):
            return "no_source"
        text = item.get("text")
        if not isinstance(text, str) or len(text.strip()) < self.min_text:
            return "too_short"
        if "\ufffd" in text and text.count("\ufffd") > max(3, len(text) // 200):
            return "undecodable"
        pub = item.get("published")
        if pub is not None:
            try:
                d = dt.date.fromisoformat(pub)
            except (TypeError, ValueError):
                d = None
            if d is None or d > today + dt.timedelta(days=1) or d.year < 2000:
                item["published"] = None
                self.crawler.stats.inc_value("briefwatch/fixed/bad_published")
        if not item.get("title"):
            item["title"] = store.nfc(text.strip().split("\n", 1)[0])[:300]
        return None

    def process_item(self, item: dict) -> dict:
        today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
        reason = self.problem(item, today)
        if reason is None:
            return item
        self.crawler.stats.inc_value(f"briefwatch/dropped/{reason}")
        if isinstance(item.get("url"), str) and item.get("source"):
            store.record_failure(
                crawler_db(self.crawler),
                item["url"],
                item["source"],
                f"invalid:{reason}",
                dt.datetime.now(dt.UTC),
            )
        spider = self.crawler.spider
        if item.get("origin") and hasattr(spider, "failed_origins"):
            spider.failed_origins.add(item["origin"])
        raise DropItem(f"{reason}: {item.get('url')}")
