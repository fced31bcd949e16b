"""Many sources in one crawl process: ``python -m briefwatch.batch [-s NAME=VALUE] NAME=RUN_ID ...``.

Started by ``briefwatch.commands.crawl.run_batch`` (which created each source's ``crawl_runs`` row, holds
each source's lock and passes the lock files down), never by hand. One Scrapy ``Crawler`` per source inside
one ``CrawlerProcess`` (one reactor, one Python start-up for the whole batch):

- at most ``--concurrency`` crawlers at a time, and never two sources of the same site (scheme://host:port
  of its feeds, listings and sitemaps) at once, so each site sees the per-domain delays and concurrency of
  the settings exactly as with one process per source;
- each crawler has its own spider, stats, pipelines and ``crawl_runs`` row (written by
  ``pipelines.runstats`` at its close); an exception in one source's code, a bad feed or a refused start
  ends that source's crawl only (a start that fails closes its row 'failed');
- a source running longer than ``--timeout`` seconds has its row closed 'timeout' and its spider closed
  (the spider's closing keeps that status, as ``run_crawl`` does for a process);
- SIGTERM / Ctrl-C: the running crawls close as 'stopped' (Scrapy's shutdown), the sources not started yet
  are closed 'stopped' too (due again at once);
- the extraction/storage worker pool (``BRIEFWATCH_STORE_WORKERS``) is shared by all the crawlers.

Each source's start and end are printed on stdout as ``@batch start RUN_ID`` / ``@batch end RUN_ID SECONDS``
lines for the parent, between Scrapy's log lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

logger = logging.getLogger("briefwatch.batch")
MARK = "@batch"


def site_keys(src) -> frozenset[str]:
    """The sites (scheme://host:port, lowercased) a source fetches from: its politeness slots."""
    urls = [*src.feeds, *(lst.url for lst in src.listings), *(sm.url for sm in src.sitemaps)]
    keys = set()
    for u in urls:
        p = urlsplit(u)
        keys.add(f"{p.scheme}://{(p.hostname or '').lower()}:{p.port or ''}")
    return frozenset(keys or {src.home or src.name})


@dataclass
class Job:
    name: str
    run_id: int
    family: str
    sites: frozenset[str]
    started: float = 0.0
    crawler: object = None
    timer: object = None
    tags: list = field(default_factory=list)


class Batch:
    """The scheduling of the batch's crawlers in one reactor (see the module docstring)."""

    def __init__(self, process, db, jobs: list[Job], timeout: float, concurrency: int):
        self.process, self.db = process, db
        self.pending, self.timeout, self.concurrency = list(jobs), timeout, max(1, concurrency)
        self.running: dict[int, Job] = {}
        self.busy_sites: set[str] = set()
        self.stopping = False

    def _now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def start_more(self) -> None:
        from twisted.internet import reactor

        while not self.stopping and len(self.running) < self.concurrency:
            job = next((j for j in self.pending if not (j.sites & self.busy_sites)), None)
            if job is None:
                break
            self.pending.remove(job)
            self._start(job)
        if not self.running and (self.stopping or not self.pending):
            self._close_unstarted()
            reactor.callLater(0, self.process._stop_reactor)

    def _start(self, job: Job) -> None:
        from twisted.internet import reactor

        job.started = time.monotonic()
        self.running[job.run_id] = job
        self.busy_sites |= job.sites
        print(f"{MARK} start {job.run_id}", flush=True)
        try:
            job.crawler = self.process.create_crawler(self.process.spider_loader.load(job.family))
            deadline = (
                time.time() + self.timeout
            )  # spiders.middlewares.DeadlineMiddleware bounds its requests
            d = self.process.crawl(job.crawler, source=job.name, run_id=str(job.run_id), deadline=deadline)
        except Exception as exc:  # noqa: BLE001 - a source that cannot start fails alone
            self._done(job, exc)
            return
        job.timer = reactor.callLater(self.timeout, self._timeout, job)
        d.addBoth(lambda result, job=job: self._done(job, result))

    def _timeout(self, job: Job) -> None:
        """Over its time: the row is closed 'timeout' first (the spider's closing keeps it), then the spider."""
        from scrapy.utils.defer import deferred_from_coro

        from db import store

        logger.error("crawl of %s exceeded %.0f s: closing it", job.name, self.timeout)
        store.close_run(self.db, job.run_id, "timeout", self._now())
        engine = getattr(job.crawler, "engine", None)
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="timeout")).addErrback(
                lambda f: logger.error("closing %s: %s", job.name, f.getErrorMessage())
            )

    def _done(self, job: Job, result: object) -> None:
        from twisted.python.failure import Failure

        from db import store

        if job.timer is not None and job.timer.active():
            job.timer.cancel()
        if isinstance(result, Failure | Exception):
            exc = result.value if isinstance(result, Failure) else result
            logger.error("crawl of %s could not run: %s: %s", job.name, type(exc).__name__, exc)
            store.close_run(self.db, job.run_id, "failed", self._now())
        db = getattr(job.crawler, "_briefwatch_db", None)
        if db is not None:  # the crawler's own connection (pipelines.common.crawler_db)
            db.conn.close()
        job.crawler = None
        self.running.pop(job.run_id, None)
        self.busy_sites -= job.sites
        print(f"{MARK} end {job.run_id} {time.monotonic() - job.started:.2f}", flush=True)
        self.start_more()

    def _close_unstarted(self) -> None:
        from db import store

        for job in self.pending:
            store.close_run(self.db, job.run_id, "stopped", self._now())
        self.pending = []


class _Process:
    """A ``CrawlerProcess`` whose first SIGTERM / Ctrl-C also stops starting new sources."""

    @staticmethod
    def make(settings):
        from scrapy.crawler import CrawlerProcess
        from scrapy.utils.reactor import install_reactor

        install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])

        class BatchProcess(CrawlerProcess):
            batch: Batch | None = None

            def _signal_shutdown(self, signum, frame) -> None:
                if self.batch is not None:
                    self.batch.stopping = True
                super()._signal_shutdown(signum, frame)

        process = BatchProcess(settings)
        process._initialized_reactor = True  # installed above, before the first crawler
        return process


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m briefwatch.batch", description=__doc__.split("\n", 1)[0])
    ap.add_argument("runs", nargs="+", metavar="NAME=RUN_ID")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed per source")
    ap.add_argument("--concurrency", type=int, default=8, help="sources crawled at the same time")
    ap.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the batch; exit 0 when the process itself ended normally (each source's outcome is in its row)."""
    from scrapy.utils.project import get_project_settings

    from db import store
    from db.connect import open_db
    from pipelines import store as store_pipeline

    args = parse_args(sys.argv[1:] if argv is None else argv)
    settings = get_project_settings()
    for s in args.settings:
        k, _, v = s.partition("=")
        settings.set(k.strip(), v, priority="cmdline")
    from spiders.base import cached_registry

    registry = cached_registry(settings.get("BRIEFWATCH_SOURCES"))  # read once: the spiders get the same
    db = open_db(settings.get("BRIEFWATCH_DB"))
    jobs: list[Job] = []
    for arg in args.runs:
        name, _, run_id = arg.rpartition("=")
        src = registry.get(name)
        if src is None:
            logger.error("no valid source %r in the registry: its run fails", name)
            store.close_run(db, int(run_id), "failed", dt.datetime.now(dt.UTC))
            continue
        jobs.append(Job(name, int(run_id), src.family, site_keys(src)))
    process = _Process.make(settings)
    batch = Batch(process, db, jobs, args.timeout, args.concurrency)
    process.batch = batch
    workers = settings.getint("BRIEFWATCH_STORE_WORKERS", 1)
    pool = None
    if workers > 0:
        from pipelines import worker

        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=worker.ignore_stop_signals,
        )
        store_pipeline.use_shared_pool(pool)
    from twisted.internet import reactor

    reactor.callWhenRunning(batch.start_more)
    try:
        process.start(stop_after_crawl=False)
    finally:
        batch._close_unstarted()
        if pool is not None:
            pool.shutdown(wait=True)
        db.conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
