"""The shared logic of the per-family spiders, driven by one registry entry (``-a source=NAME``).

Crawl memory is the database: article URLs already stored (canonicalised) are never requested again,
a listing's next page is followed only while a page holds a never-seen article link (or when the
previous run of the source did not finish cleanly, to recover what it missed), and feeds and first
listing pages are fetched with If-None-Match / If-Modified-Since from the validators of the last
clean run.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree
import scrapy
from parsel.csstranslator import HTMLTranslator
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap as XmlSitemap
from twisted.internet.error import ConnectError, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from briefwatch.sources import Listing, Source, load_registry
from db import locks, store
from db.connect import db_path
from pipelines.common import crawler_db
from spiders.text import clean_line, find_date, generic_extract, html_to_text, htmldate_date

logger = logging.getLogger(__name__)

GENERIC_DATE = re.compile(r"(?<!\d)(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})\s*/\s*(?P<y>\d{4})(?!\d)")
DEFAULT_NEXT = "a.next, a[rel=next], li.next a, .pagination a.next, .paging a.next"


def classify_failure(failure: Failure) -> str:
    """A short reason for a failed request, used in stats and crawl_failures."""
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError):
        return "timeout"
    if failure.check(DownloadCancelledError):
        return "maxsize" if "size" in str(failure.value).lower() else "cancelled"
    if failure.check(ResponseDataLossError):
        return "dataloss"
    if failure.check(IgnoreRequest):
        msg = str(failure.value).lower()
        if "robots" in msg:
            return "robots"
        if "redirect" in msg:
            return "redirect_loop"
        return "ignored"
    if failure.check(DNSLookupError, ConnectError):
        return "connection"
    return failure.type.__name__.lower() if failure.type else "unknown"


_STRING = lxml.etree.XPath("string()")


@lru_cache(maxsize=512)
def _css_xpath(css: str) -> lxml.etree.XPath:
    """A CSS selector of the registry as compiled XPath (parsel's translation, compiled once)."""
    return lxml.etree.XPath(HTMLTranslator().css_to_xpath(css))


def _first(root: Any, css: str | None) -> Any:
    """The first element ``css`` selects in the page, or None."""
    if not css:
        return None
    found = _css_xpath(css)(root)
    return found[0] if found else None


def read_article(
    root: Any,
    html: str,
    url: str | None,
    selectors: dict[str, str],
    date_patterns: tuple[re.Pattern[str], ...],
    today: dt.date,
    *,
    min_chars: int = 200,
    feed_date: str | None = None,
) -> dict[str, Any]:
    """What an article page gives: title, body text, publish date, date line and the extraction path
    ('selectors', else 'generic' when the selectors find no title or under ``min_chars`` of text).

    ``root`` is the page parsed by lxml (``response.selector.root``); the publish date comes from the date
    line, else the family's date patterns anywhere near the top, else htmldate, else the feed's date."""
    title_el, date_el, body_el = (_first(root, selectors.get(k)) for k in ("title", "date", "body"))
    title = clean_line(_STRING(title_el)) if title_el is not None else None
    title = title or None
    date_text = clean_line(_STRING(date_el)) if date_el is not None else ""
    body = html_to_text([body_el]) if body_el is not None else ""
    path = "selectors"
    if not title or len(body) < min_chars:
        g_title, g_body = generic_extract(html, url)
        title, body, path = title or g_title, g_body, "generic"
    published = find_date(date_text, (*date_patterns, GENERIC_DATE), today) if date_text else None
    if published is None and date_patterns:
        head = clean_line(" ".join(_BODY_TEXT(root))[:20000])
        published = find_date(head, date_patterns, today)
    if published is None:
        published = htmldate_date(html, url, today)
    if published is None and feed_date:
        published = dt.date.fromisoformat(feed_date)
    return {"title": title, "text": body, "published": published, "dateline": date_text or None, "path": path}


_BODY_TEXT = lxml.etree.XPath("//body//text()[not(ancestor::script)]")
MAX_CHILD_SITEMAPS = 5  # of a sitemap index: the newest ones


def _lastmod(entry: dict) -> dt.date | None:
    """The date of a sitemap entry's ``lastmod`` (W3C datetime), or None."""
    raw = (entry.get("lastmod") or "").strip()[:10]
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


_REGISTRIES: dict[str, tuple[tuple[int, int], Any]] = {}


def cached_registry(path: str) -> Any:
    """The registry at ``path``, read once per process while the file is unchanged (a batch of a few thousand
    sources in one process reads its registry once, not once per source); its errors are logged when read."""
    try:
        st = os.stat(path)
    except OSError:
        return load_registry(path)  # raises its clear RegistryError
    key, cached = (st.st_mtime_ns, st.st_size), _REGISTRIES.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    registry = load_registry(path)
    for err in registry.errors:
        logger.warning("registry %s: %s (entry skipped)", path, err)
    _REGISTRIES[path] = (key, registry)
    return registry


class SourceSpider(scrapy.Spider):
    """Base of the family spiders (no ``name``: not runnable itself)."""

    family: str = ""
    article_link_re: str = r"."  # an article URL (path + query) matches this
    date_patterns: tuple[re.Pattern[str], ...] = ()
    default_article: dict[str, str] = {"title": "h1", "body": "article"}

    def __init__(self, source: str | None = None, run_id: str | None = None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not source:
            raise ValueError(f"pass the registry entry: scrapy crawl {self.name} -a source=NAME")
        self.source_name = source
        self.run_id_arg = run_id or os.environ.get("BRIEFWATCH_RUN_ID") or None
        self.src: Source
        self.run_id: int | None = None
        self.full_walk = False
        self.failed_origins: set[str] = set()
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.queued: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        path = crawler.settings.get("BRIEFWATCH_SOURCES")
        registry = cached_registry(path)
        src = registry.get(spider.source_name)
        if src is None:
            raise ValueError(
                f"no valid source {spider.source_name!r} in {path} (known: {', '.join(registry.names)})"
            )
        if src.family != cls.family:
            raise ValueError(
                f"source {src.name!r} is of family {src.family!r}: run `scrapy crawl {src.family}`"
            )
        spider.src = src
        if src.lenient_tls:  # settings can still change here (frozen after from_crawler)
            crawler.settings.set("DOWNLOAD_VERIFY_CERTIFICATES", False, priority="spider")
        return spider

    # ------------------------------------------------------------ helpers

    @property
    def stats(self):
        return self.crawler.stats

    def inc(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"briefwatch/{key}", n)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()  # Hanoi

    def _conditional(self, url: str, callback, **meta: Any) -> scrapy.Request:
        headers = {}
        if not self.full_walk:
            etag, last_modified = store.get_validators(self.db, store.canonical_url(url))
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_page_error,
            headers=headers,
            meta={"handle_httpstatus_list": [304], **meta},
            dont_filter=True,
        )

    def _remember_validators(self, response: Response) -> None:
        etag = response.headers.get("ETag")
        lm = response.headers.get("Last-Modified")
        if etag or lm:
            self.validators[store.canonical_url(response.url)] = (
                etag.decode("latin-1") if etag else None,
                lm.decode("latin-1") if lm else None,
            )

    def _article_request(self, url: str, origin: str, **meta: Any) -> tuple[scrapy.Request | None, bool]:
        """A request for an article link, or None when it is already stored; and whether it is new."""
        canonical = store.canonical_url(url)
        if canonical in self.queued:  # already requested in this run (feed and listing, two spellings)
            return None, False
        state = store.url_state(self.db, canonical)
        if state in ("stored", "gave_up"):
            self.inc("skipped_known" if state == "stored" else "skipped_gave_up")
            return None, False
        self.queued.add(canonical)
        req = scrapy.Request(
            urlsplit(url)._replace(fragment="").geturl(),
            callback=self.parse_article,
            errback=self.on_article_error,
            meta={"canonical": canonical, "origin": origin, **meta},
            dont_filter=True,  # deduplicated by ``queued``; redirect loops then end in REDIRECT_MAX_TIMES
        )
        return req, state == "new"

    def is_article_url(self, url: str) -> bool:
        pattern = self.src.article_links or self.article_link_re
        parts = urlsplit(url)
        return bool(re.search(pattern, parts.path + ("?" + parts.query if parts.query else "")))

    # ------------------------------------------------------------ start

    async def start(self):
        self.db = crawler_db(self.crawler)
        now = self.now()
        if self.run_id_arg:
            self.run_id = int(self.run_id_arg)  # `briefwatch crawl` / the daemon hold the source's lock
        else:  # a bare `scrapy crawl`: take the source's lock itself, or do nothing
            try:
                self._lock_fd = locks.acquire(
                    db_path(self.crawler.settings.get("BRIEFWATCH_DB")), self.src.name
                )
            except locks.SourceBusy as exc:
                logger.error("%s: this crawl does nothing", exc)
                self.crawler.stats.set_value("briefwatch/busy", 1)
                return
            self.run_id = store.start_run(self.db, self.src.name, now)
        prev = store.previous_run_status(self.db, self.src.name, self.run_id)
        self.full_walk = prev not in (None, "ok")
        if self.full_walk:
            logger.info(
                "previous run of %s ended %r: walking listings to their depth limit", self.src.name, prev
            )
        self.crawler.stats.set_value("briefwatch/run_id", self.run_id)
        self.crawler.stats.set_value("briefwatch/full_walk", int(self.full_walk))
        store.upsert_source(self.db, self.src.name, self.src.family, self.src.home, self.src.raw, now)
        for url in self.src.feeds:
            yield self._conditional(url, self.parse_feed, kind="feed")
        for i, lst in enumerate(self.src.listings):
            yield self._conditional(lst.url, self.parse_listing, kind="listing", listing=i, page=1)
        for i, sm in enumerate(self.src.sitemaps):
            yield self._conditional(sm.url, self.parse_sitemap, kind="sitemap", sitemap=i, depth=0)

    # ------------------------------------------------------------ feeds and listings

    def parse_feed(self, response: Response):
        if response.status == 304:
            self.inc("not_modified")
            return
        self._remember_validators(response)
        parsed = feedparser.parse(
            response.body,
            response_headers={"content-type": response.headers.get("Content-Type", b"").decode("latin-1")},
        )
        entries = parsed.get("entries") or []
        exc = parsed.get("bozo_exception")
        if parsed.get("bozo") and not isinstance(exc, feedparser.CharacterEncodingOverride):
            self.inc("errors/feed_broken")  # malformed: use what could be parsed, read it again next run
            logger.warning("broken feed %s (%d entries readable): %s", response.url, len(entries), exc)
            self.failed_origins.add(store.canonical_url(response.url))
        elif not entries:
            self.inc("feeds/empty")
            logger.info("empty feed %s", response.url)
        if not entries:
            return
        self.inc("feeds/entries", len(entries))
        for entry in entries:
            link = entry.get("link")
            if not link:
                continue
            stamp = entry.get("published_parsed") or entry.get("updated_parsed")
            feed_date = dt.date(*stamp[:3]).isoformat() if stamp else None
            req, _ = self._article_request(
                urljoin(response.url, link), store.canonical_url(response.url), feed_date=feed_date
            )
            if req is not None:
                yield req

    def parse_sitemap(self, response: Response):
        """A sitemap or sitemap index: newest entries first, within the source's age bound (entries without a
        date after the dated ones, by URL, newest-looking first), at most ``max_urls`` article URLs a run."""
        if response.status == 304:
            self.inc("not_modified")
            return
        sm = self.src.sitemaps[response.meta["sitemap"]]
        depth = response.meta.get("depth", 0)
        if depth == 0:
            self._remember_validators(response)
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body)
        try:
            parsed = XmlSitemap(body)
            entries = [e for e in parsed if e.get("loc")]
        except Exception as exc:  # noqa: BLE001 - lxml raises several kinds on a broken document
            self.inc("errors/sitemap_broken")
            logger.warning("broken sitemap %s: %s", response.url, exc)
            self.failed_origins.add(store.canonical_url(response.url))
            return
        cutoff = self.today() - dt.timedelta(days=sm.max_age_days)
        dated = sorted(
            ((d, e) for e in entries if (d := _lastmod(e)) is not None and d >= cutoff),
            key=lambda x: (x[0], x[1]["loc"]),
            reverse=True,
        )
        undated = sorted((e for e in entries if _lastmod(e) is None), key=lambda e: e["loc"], reverse=True)
        picked = [(d, e) for d, e in dated] + [(None, e) for e in undated]
        self.inc("sitemaps/entries", len(entries))
        self.inc(
            "sitemaps/old_skipped", sum(1 for e in entries if (d := _lastmod(e)) is not None and d < cutoff)
        )
        if parsed.type == "sitemapindex":
            if depth >= 2:
                return
            for _d, e in picked[:MAX_CHILD_SITEMAPS]:
                yield scrapy.Request(
                    urljoin(response.url, e["loc"]),
                    callback=self.parse_sitemap,
                    errback=self.on_page_error,
                    meta={"kind": "sitemap", "sitemap": response.meta["sitemap"], "depth": depth + 1},
                )
            return
        origin = store.canonical_url(sm.url)
        n = 0
        for d, e in picked:
            url = urljoin(response.url, e["loc"].strip())
            if urlsplit(url).scheme not in ("http", "https") or not self.is_article_url(url):
                continue
            n += 1
            if n > sm.max_urls:
                self.inc("sitemaps/capped")
                break
            req, _new = self._article_request(url, origin, feed_date=d.isoformat() if d else None)
            if req is not None:
                yield req

    def parse_listing(self, response: Response):
        lst: Listing = self.src.listings[response.meta["listing"]]
        page = response.meta.get("page", 1)
        if response.status == 304:
            self.inc("not_modified")
            return
        if page == 1:
            self._remember_validators(response)
        self.inc("listing_pages")
        origin = store.canonical_url(lst.url)
        hrefs = response.css(f"{lst.links} ::attr(href)" if lst.links else "a::attr(href)").getall()
        host = urlsplit(response.url).hostname
        new = 0
        seen: set[str] = set()
        for href in hrefs:
            url = urljoin(response.url, href.strip())
            if url in seen or urlsplit(url).scheme not in ("http", "https"):
                continue
            seen.add(url)
            if not lst.links and (urlsplit(url).hostname != host or not self.is_article_url(url)):
                continue
            req, is_new = self._article_request(url, origin)
            new += is_new
            if req is not None:
                yield req
        if page >= lst.max_pages:
            return
        if new == 0 and not self.full_walk:
            self.inc("listing_stopped_nothing_new")
            return
        nxt = response.css(f"{lst.next or DEFAULT_NEXT}").xpath("@href").get()
        if nxt:
            yield scrapy.Request(
                urljoin(response.url, nxt),
                callback=self.parse_listing,
                errback=self.on_page_error,
                meta={"kind": "listing", "listing": response.meta["listing"], "page": page + 1},
            )

    # ------------------------------------------------------------ articles

    def parse_article(self, response: Response):
        if not hasattr(response, "text"):
            self.inc("dropped/not_text")
            store.record_failure(self.db, response.meta["canonical"], self.src.name, "not_text", self.now())
            return
        sel = {**self.default_article, **self.src.article}
        got = read_article(
            response.selector.root,  # parsed once; the selectors run as precompiled XPath on it
            response.text,
            response.url,
            sel,
            self.date_patterns,
            self.today(),
            min_chars=self.settings.getint("BRIEFWATCH_MIN_SELECTOR_TEXT", 200),
            feed_date=response.meta.get("feed_date"),
        )
        title, body, path, published, dateline = (
            got["title"], got["text"], got["path"], got["published"], got["dateline"]
        )  # fmt: skip
        if path == "generic" and self.src.article:
            self.inc("selectors_miss")
            logger.warning(
                "selectors of %s did not match %s: generic extraction", self.src.name, response.url
            )
        self.inc(f"pages/{path}")
        yield {
            "url": response.meta["canonical"],
            "source": self.src.name,
            "home": self.src.home,
            "title": title,
            "published": published.isoformat() if published else None,
            "dateline": dateline,
            "text": body,
            "extraction_path": path,
            "fetched_at": store.now_iso(self.now()),
            "origin": response.meta.get("origin"),
        }

    # ------------------------------------------------------------ errors

    def on_article_error(self, failure: Failure):
        request = failure.request
        reason = classify_failure(failure)
        if reason == "robots":
            self.inc("robots_forbidden")
        else:
            self.inc(f"errors/{reason}")
            logger.warning("article %s failed: %s", request.url, reason)
        canonical = request.meta.get("canonical") or store.canonical_url(request.url)
        store.record_failure(self.db, canonical, self.src.name, reason, self.now())
        if request.meta.get("origin") and reason != "robots":  # robots: rereading the origin won't help
            self.failed_origins.add(request.meta["origin"])

    def on_page_error(self, failure: Failure):
        request = failure.request
        reason = classify_failure(failure)
        if reason == "robots":
            self.inc("robots_forbidden")
            return
        kind = request.meta.get("kind", "page")
        self.inc(f"errors/{kind}_{reason}")
        logger.warning("%s %s failed: %s", kind, request.url, reason)
        self.failed_origins.add(store.canonical_url(request.url))

    def closed(self, reason: str) -> None:
        """Keep the feed/listing validators of a clean run (an origin whose article failed keeps none,
        so that the next run reads it again and retries that article); release the source's lock."""
        if getattr(self, "_lock_fd", None) is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        if reason != "finished" or not hasattr(self, "db"):
            return
        now = self.now()
        for url, (etag, lm) in self.validators.items():
            if url not in self.failed_origins:
                store.save_validators(self.db, url, etag, lm, now)
        self.crawler.stats.set_value("briefwatch/closed_at", time.time())
