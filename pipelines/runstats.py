"""A ``spider_closed`` extension: the run's stats into its ``crawl_runs`` row.

Status: ``ok`` when the spider finished and the run did not fail as a whole; ``stopped`` when it was asked
to stop (a shutdown: not the source's fault); ``failed`` when it closed for another reason (an exception) or
when every request of the run failed. Errors are the sum
of the ``briefwatch/errors/*``, ``briefwatch/dropped/*`` and ``spider_exceptions/*`` counters.
"""

from __future__ import annotations

import datetime as dt
import logging

from scrapy import signals
from scrapy.crawler import Crawler

from db import store
from pipelines.common import crawler_db

logger = logging.getLogger(__name__)


def summarise(stats: dict, finish_reason: str | None) -> dict:
    """The crawl_runs fields from a Scrapy stats dict (pure)."""
    errors = sum(
        int(v)
        for k, v in stats.items()
        if isinstance(v, int | float)
        and (k.startswith(("briefwatch/errors/", "briefwatch/dropped/", "spider_exceptions/")))
    )
    sel = int(stats.get("briefwatch/extraction/selectors", 0))
    gen = int(stats.get("briefwatch/extraction/generic", 0))
    ok_responses = (
        sum(
            int(v)
            for k, v in stats.items()
            if k.startswith("downloader/response_status_count/") and k[-3:-2] in "23"
        )
        - sum(  # robots.txt answering is no sign that the site's pages do
            int(v)
            for k, v in stats.items()
            if k.startswith("robotstxt/response_status_count/") and k[-3:-2] in "23"
        )
    )
    failed = finish_reason != "finished" or (errors > 0 and ok_responses == 0)
    # a stop we asked for (SIGTERM from the daemon's shutdown or to `briefwatch crawl`) is no failure of the source
    status = "stopped" if finish_reason == "shutdown" else "failed" if failed else "ok"
    return {
        "status": status,
        "requests": int(stats.get("downloader/request_count", 0)),
        "new_articles": int(stats.get("briefwatch/articles_new", 0)),
        "events": int(stats.get("briefwatch/events_new", 0)),
        "errors": errors,
        "fallback_share": round(gen / (sel + gen), 3) if sel + gen else None,
        "stats": stats,
    }


class RunStatsExtension:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunStatsExtension:
        return cls(crawler)

    def spider_closed(self, spider, reason: str) -> None:
        run_id = getattr(spider, "run_id", None)
        if run_id is None:
            return  # the spider never started (bad arguments): nothing to record
        stats = dict(self.crawler.stats.get_stats())
        summary = summarise(stats, reason)
        try:
            store.finish_run(crawler_db(self.crawler), run_id, summary, dt.datetime.now(dt.UTC))
        except Exception:  # noqa: BLE001 - never hide the crawl's own outcome
            logger.exception("could not record crawl run %s", run_id)
        logger.info(
            "run %s of %s: %s, %d requests, %d new articles, %d events, %d errors, fallback %s",
            run_id,
            getattr(spider, "source_name", "?"),
            summary["status"],
            summary["requests"],
            summary["new_articles"],
            summary["events"],
            summary["errors"],
            summary["fallback_share"],
        )
