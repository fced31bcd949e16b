"""Scrapy settings of briefwatch (scrapy.cfg: ``default = briefwatch.settings``).

Polite by default: robots.txt obeyed, AutoThrottle, at most 2 concurrent requests per domain, retries
with exponential backoff, bounded timeouts and page sizes, certificates verified (a source may set
``lenient_tls: true``). Tests and benchmarks override with ``-s NAME=VALUE``.
"""

from __future__ import annotations

import os

BOT_NAME = "briefwatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# where the crawl writes, and which registry it reads (env, else the CLI defaults)
BRIEFWATCH_DB = os.environ.get("BRIEFWATCH_DB", "data/briefwatch.db")
BRIEFWATCH_SOURCES = os.environ.get("BRIEFWATCH_SOURCES", "sources.yaml")
BRIEFWATCH_EXTRACT = True  # run the extraction engine in the pipeline (False: store, extract later)
BRIEFWATCH_STORE_WORKERS = 1  # worker processes for extraction + storage (0: in the crawl process)
BRIEFWATCH_MIN_TEXT = 150  # characters of body text below which a page is not an article
BRIEFWATCH_MIN_SELECTOR_TEXT = 200  # selector output shorter than this counts as "selectors missed"
BRIEFWATCH_RETRY_BACKOFF = 2.0  # seconds before the first retry, doubled each time
BRIEFWATCH_RETRY_BACKOFF_MAX = 60.0

# politeness
ROBOTSTXT_OBEY = True
ROBOTSTXT_USER_AGENT = "briefwatch"
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "vi-VN,vi;q=0.9,en;q=0.6",
}
CONCURRENT_REQUESTS = 16
CONCURRENT_ITEMS = 16  # Scrapy starts this many asyncio workers per callback output; we yield <= 1 item/page
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# robustness
DOWNLOAD_TIMEOUT = 60  # state portals can be slow from abroad
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_VERIFY_CERTIFICATES = True  # a source's `lenient_tls: true` turns it off for that crawl
RETRY_ENABLED = True
RETRY_TIMES = 3
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.BackoffRetryMiddleware": 550,
    "spiders.middlewares.CharsetMiddleware": 585,  # after decompression (590) in the response path
    "spiders.middlewares.DeadlineMiddleware": 360,  # after DownloadTimeoutMiddleware (350)
}
ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.extract.ExtractPipeline": 200,
    "pipelines.store.StorePipeline": 300,
}
# Only the extensions we use. Scrapy 2.19's RemoteControl opens an HTTP endpoint that runs Python code sent to it
# and writes token files under ~/.local/state/scrapy (an ERROR each crawl under the systemd unit's read-only
# home); the telnet console is another remote shell; feed exports, spider state and the memory debugger are
# unused. tests/test_crawl_extensions.py lists what a real crawl enables.
REMOTE_CONTROL_ENABLED = False
EXTENSIONS = {
    "pipelines.runstats.RunStatsExtension": 500,
    "scrapy.extensions.remote_control.RemoteControl": None,
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.feedexport.FeedExporter": None,
    "scrapy.extensions.spiderstate.SpiderState": None,
    "scrapy.extensions.memdebug.MemoryDebugger": None,
}
