"""Second pipeline: the extraction engine on the article, with the source's ``home``.

With store workers (``BRIEFWATCH_STORE_WORKERS`` > 0, the default) the engine runs in the worker process
together with the store (``pipelines/worker.py``) and this stage only passes the item on. An engine failure
is logged and counted (``briefwatch/errors/extract``); the article is still stored, with ``extraction``
None, so that it can be extracted again later (``db.store.pending_extraction``).
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from pipelines import worker

logger = logging.getLogger(__name__)


class ExtractPipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("BRIEFWATCH_EXTRACT", True)
        self.offloaded = crawler.settings.getint("BRIEFWATCH_STORE_WORKERS", 1) > 0
        self._warned = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def process_item(self, item: dict) -> dict:
        item["extraction"] = None
        if not self.enabled or self.offloaded:
            return item
        try:
            item["extraction"] = worker.extract(item)
        except Exception as exc:  # noqa: BLE001 - one bad article must not stop the crawl
            self.failed(item["url"], f"{type(exc).__name__}: {exc}")
        return item

    def failed(self, url: str, error: str) -> None:
        self.crawler.stats.inc_value("briefwatch/errors/extract")
        if error.startswith("ArticleTooLarge"):
            self.crawler.stats.inc_value("briefwatch/errors/extract_too_large")
        level = logging.WARNING if self._warned else logging.ERROR
        logger.log(level, "extraction failed for %s: %s", url, error)
        self._warned = True
