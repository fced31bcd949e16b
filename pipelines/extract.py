"""Second pipeline: the extraction engine on the article, with the source's ``home``.

An engine failure is logged and counted (``briefwatch/errors/extract``); the article is still stored,
with ``extraction`` None, so that it can be extracted again later (``db.store.pending_extraction``).
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ExtractPipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("BRIEFWATCH_EXTRACT", True)
        self._warned = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def process_item(self, item: dict) -> dict:
        item["extraction"] = None
        if not self.enabled:
            return item
        text = "\n\n".join(p for p in (item.get("title"), item.get("dateline"), item["text"]) if p)
        try:
            from briefwatch.extract import (
                extract_article,
            )  # inside: a broken engine must not lose the article

            result = extract_article(
                text,
                published=item.get("published"),
                home=item.get("home"),
                title=item.get("title"),
                url=item["url"],
                source=item["source"],
            )
            if not isinstance(result, dict):
                raise TypeError(f"the engine returned {type(result).__name__}, not a dict")
            item["extraction"] = result
        except Exception as exc:  # noqa: BLE001 - one bad article must not stop the crawl
            self.crawler.stats.inc_value("briefwatch/errors/extract")
            level = logging.WARNING if self._warned else logging.ERROR
            logger.log(level, "extraction failed for %s: %s: %s", item["url"], type(exc).__name__, exc)
            self._warned = True
        return item
