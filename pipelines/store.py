"""Last pipeline: one article and its events in one short transaction (``db.store.store_article``).

With ``BRIEFWATCH_STORE_WORKERS`` > 0 (default 1) the extraction engine and the transaction run in a
worker process (spawned, so no fork of a running reactor), while the crawl process goes on downloading:
``process_item`` awaits the worker's answer and counts it here. 0 does both in the crawl process. A batch of sources in one process (``briefwatch.batch``) shares one pool
between its crawlers (``use_shared_pool``) instead of starting one per source.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from db import store
from db.connect import db_path
from pipelines import worker
from pipelines.common import crawler_db

logger = logging.getLogger(__name__)
_shared_pool: ProcessPoolExecutor | None = None


def use_shared_pool(pool: ProcessPoolExecutor | None) -> None:
    """Make every StorePipeline of this process use ``pool`` (its owner shuts it down); None: one per crawl."""
    global _shared_pool
    _shared_pool = pool


class StorePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.workers = crawler.settings.getint("BRIEFWATCH_STORE_WORKERS", 1)
        self.extract = crawler.settings.getbool("BRIEFWATCH_EXTRACT", True)
        self.db_path = str(db_path(crawler.settings.get("BRIEFWATCH_DB")))
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def inc(self, key: str, n: int = 1) -> None:
        if n:
            self.crawler.stats.inc_value(f"briefwatch/{key}", n)

    def close_spider(self) -> None:
        if self.pool is not None and self.pool is not _shared_pool:
            self.pool.shutdown(wait=True)
        self.pool = None

    async def process_item(self, item: dict) -> dict:
        now = dt.datetime.now(dt.UTC)
        try:
            if self.workers > 0:
                if self.pool is None and _shared_pool is not None:
                    self.pool = _shared_pool
                elif self.pool is None:
                    ctx = multiprocessing.get_context("spawn")
                    self.pool = ProcessPoolExecutor(
                        max_workers=self.workers, mp_context=ctx, initializer=worker.ignore_stop_signals
                    )
                loop = asyncio.get_running_loop()
                out = await loop.run_in_executor(
                    self.pool, worker.extract_and_store, self.db_path, dict(item), self.extract, now
                )
                if out["extract_error"]:
                    self._extract_failed(item["url"], out["extract_error"])
                res = store.StoreResult(**out["result"])
                events_extracted = out["events_extracted"]
            else:
                res = store.store_article(crawler_db(self.crawler), item, item.get("extraction"), now)
                events_extracted = len((item.get("extraction") or {}).get("events") or [])
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
        self.inc("events_extracted", events_extracted)
        return {k: v for k, v in item.items() if k != "extraction"} | {"article_id": res.article_id}

    def _extract_failed(self, url: str, error: str) -> None:
        self.crawler.stats.inc_value("briefwatch/errors/extract")
        if error.startswith("ArticleTooLarge"):  # counted apart: a page over the engine's limit, not a bug
            self.crawler.stats.inc_value("briefwatch/errors/extract_too_large")
        logger.error("extraction failed for %s: %s", url, error)
