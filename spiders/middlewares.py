"""Downloader middlewares: retry with exponential backoff, and charset repair."""

from __future__ import annotations

import asyncio
import codecs
import logging
import random
import re
import time

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response, TextResponse

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting ``BRIEFWATCH_RETRY_BACKOFF * 2**n`` seconds (capped by
    ``BRIEFWATCH_RETRY_BACKOFF_MAX``, with jitter) before the n-th retry. The wait is an asyncio sleep:
    other requests go on meanwhile."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff = settings.getfloat("BRIEFWATCH_RETRY_BACKOFF", 1.0)
        self.backoff_max = settings.getfloat("BRIEFWATCH_RETRY_BACKOFF_MAX", 60.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        o = cls(crawler.settings)
        o.crawler = crawler
        return o

    async def _wait(self, result):
        if isinstance(result, Request) and self.backoff > 0:
            n = result.meta.get("retry_times", 1)
            delay = min(self.backoff_max, self.backoff * 2 ** (n - 1)) * random.uniform(0.8, 1.2)
            await asyncio.sleep(delay)
        return result

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        return await self._wait(super().process_response(request, response))

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:
        return await self._wait(super().process_exception(request, exception))


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def guess_encoding(body: bytes, declared: str | None) -> str | None:
    """The encoding to use when ``declared`` (what Scrapy picked) is wrong, else None.

    Vietnamese pages come in UTF-8 and Windows-1258, and are often mislabelled. A body that decodes
    as strict UTF-8 with non-ASCII bytes is UTF-8 whatever the label says (random legacy bytes almost
    never form valid UTF-8). Otherwise, when the label claims UTF-8, the page is legacy: its <meta>
    charset if that names a legacy codec, else Windows-1258.
    """
    if body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    declared_c = _codec(declared)
    try:
        body.decode("utf-8")
        utf8_ok = True
    except UnicodeDecodeError:
        utf8_ok = False
    if utf8_ok:
        if declared_c not in ("utf-8", None) and not body.isascii():
            return "utf-8"
        return None
    if declared_c in ("utf-8", None):
        m = _META_CHARSET.search(body[:4096])
        meta = _codec(m.group(1).decode("ascii", "replace")) if m else None
        return meta if meta and meta != "utf-8" else "cp1258"
    return None


class CharsetMiddleware:
    """Re-decode text responses whose declared charset is wrong (see ``guess_encoding``)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or not response.body:
            return response
        enc = guess_encoding(response.body, response.encoding)
        if enc is None:
            return response
        logger.info("charset: %s declared %s, decoding as %s", response.url, response.encoding, enc)
        self.crawler.stats.inc_value("briefwatch/charset_fixed")
        return response.replace(encoding=enc)


class DeadlineMiddleware:
    """Bound each request's download timeout by its crawl's deadline (the spider's ``deadline`` attribute, a
    ``time.time()`` value set by a batch of sources, ``briefwatch.batch``): a source closed at its timeout then
    ends within a second, even while a request to a hanging site is in flight. No deadline: nothing changes."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        deadline = getattr(self.crawler.spider, "deadline", None)
        if deadline is None:
            return
        left = float(deadline) - time.time() + 1.0
        current = request.meta.get("download_timeout") or self.crawler.settings.getfloat("DOWNLOAD_TIMEOUT")
        request.meta["download_timeout"] = max(0.5, min(float(current), left))
