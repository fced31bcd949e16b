"""The source registry (``sources.yaml``): loading and validation.

A registry is a YAML mapping with one key, ``sources``: a list of entries. Each entry is validated on
its own: unknown keys, bad types, bad URLs or a duplicate name make *that entry* an error, reported
and skipped, while the good entries load. A file that is not a mapping with a ``sources`` list is an
error as a whole (``RegistryError``).

Pure module: no Scrapy, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

FAMILIES = ("liferay", "govcms", "newspaper")
CONFIDENCE = ("checked", "likely", "guess", "unknown")
ENTRY_KEYS = {
    "name",
    "family",
    "home",
    "feeds",
    "listings",
    "article",
    "article_links",
    "schedule",
    "confidence",
    "lenient_tls",
    "enabled",
    "max_pages",
    "notes",
    "sitemaps",
}
SITEMAP_KEYS = {"url", "max_age_days", "max_urls"}
DEFAULT_SITEMAP_AGE_DAYS = 30
DEFAULT_SITEMAP_URLS = 200
HOME_KEYS = {"district", "unit", "province"}
LISTING_KEYS = {"url", "links", "next", "max_pages"}
ARTICLE_KEYS = {"title", "date", "body"}
NAME_RE = re.compile(r"^[a-z0-9-]+$")
EVERY_RE = re.compile(r"^every\s+(\d+)\s*(m|min|h|d)$")
DEFAULT_SCHEDULE = "every 6h"
DEFAULT_MAX_PAGES = 20


class RegistryError(ValueError):
    """The registry file as a whole cannot be read."""


@dataclass(frozen=True)
class Listing:
    url: str
    links: str | None = None  # CSS for article links
    next: str | None = None  # CSS for the next-page link
    max_pages: int = DEFAULT_MAX_PAGES


@dataclass(frozen=True)
class Sitemap:
    """A sitemap (or sitemap index) to discover articles: its newest entries first, only those whose
    ``lastmod`` is within ``max_age_days`` (entries without one are taken after dated ones), at most
    ``max_urls`` article URLs per run."""

    url: str
    max_age_days: int = DEFAULT_SITEMAP_AGE_DAYS
    max_urls: int = DEFAULT_SITEMAP_URLS


@dataclass(frozen=True)
class Source:
    name: str
    family: str
    home: dict[str, str] | None = None
    feeds: tuple[str, ...] = ()
    listings: tuple[Listing, ...] = ()
    sitemaps: tuple[Sitemap, ...] = ()
    article: dict[str, str] = field(default_factory=dict)  # CSS: title, date, body
    article_links: str | None = None  # regex an article URL must match (default: the family's)
    schedule: str = DEFAULT_SCHEDULE
    confidence: str = "unknown"  # how sure the selectors/URLs are: checked | likely | guess | unknown
    lenient_tls: bool = False
    enabled: bool = True
    notes: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def hosts(self) -> set[str]:
        urls = list(self.feeds) + [lst.url for lst in self.listings] + [sm.url for sm in self.sitemaps]
        return {urlsplit(u).hostname or "" for u in urls} - {""}


@dataclass
class Registry:
    sources: list[Source]
    errors: list[str]

    def get(self, name: str) -> Source | None:
        return next((s for s in self.sources if s.name == name), None)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sources]


def schedule_interval_seconds(schedule: str) -> int | None:
    """Seconds of an ``every N(m|h|d)`` schedule, None for a cron expression."""
    m = EVERY_RE.match(schedule.strip())
    if not m:
        return None
    n, unit = int(m.group(1)), m.group(2)
    return n * {"m": 60, "min": 60, "h": 3600, "d": 86400}[unit]


def _check_schedule(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("schedule must be a string like 'every 2h' or a cron expression")
    s = value.strip()
    if EVERY_RE.match(s):
        if schedule_interval_seconds(s) == 0:
            raise ValueError("schedule interval must be positive")
        return s
    fields = s.split()
    if len(fields) != 5 or not all(re.fullmatch(r"[\d*/,\-A-Za-z?]+", f) for f in fields):
        raise ValueError(f"schedule {s!r} is neither 'every N(m|h|d)' nor a 5-field cron expression")
    try:  # the scheduler parses it the same way
        from apscheduler.triggers.cron import CronTrigger

        CronTrigger.from_crontab(s)
    except ValueError as exc:
        raise ValueError(f"schedule {s!r}: {exc}") from None
    return s


def _check_url(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a URL string")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} {value!r} is not an http(s) URL")
    return value.strip()


def _check_css(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty CSS selector")
    from parsel import Selector  # checks the syntax the spider will use

    try:
        Selector(text="<html></html>").css(value)
    except Exception as exc:  # noqa: BLE001 - cssselect raises several types
        raise ValueError(f"{what} {value!r} is not valid CSS: {exc}") from None
    return value.strip()


def _unknown(d: dict, allowed: set[str], where: str) -> None:
    extra = sorted(set(d) - allowed)
    if extra:
        raise ValueError(f"unknown key(s) in {where}: {', '.join(map(str, extra))}")


def guess_family(entry: dict) -> str:
    """Family by URL shape when an entry does not name one."""
    urls = [u for u in entry.get("feeds") or [] if isinstance(u, str)]
    urls += [
        (lst.get("url") if isinstance(lst, dict) else lst)
        for lst in entry.get("listings") or []
        if isinstance(lst, dict | str)
    ]
    urls = [u for u in urls if isinstance(u, str)]
    if any("/-/" in u or "/web/guest" in u or "portal." in u for u in urls):
        return "liferay"
    if entry.get("feeds"):
        return "newspaper"
    if any((urlsplit(u).hostname or "").endswith(".gov.vn") for u in urls):
        return "govcms"
    return "newspaper"


def _list(v: Any, what: str) -> list:
    if v is None:
        return []
    if not isinstance(v, list):
        raise ValueError(f"{what} must be a list")
    return v


def _sitemap(v: Any) -> Sitemap:
    if isinstance(v, str):
        v = {"url": v}
    if not isinstance(v, dict):
        raise ValueError("a sitemap must be a URL or a mapping with url/max_age_days/max_urls")
    _unknown(v, SITEMAP_KEYS, "sitemap")
    out = {}
    for k, default in (("max_age_days", DEFAULT_SITEMAP_AGE_DAYS), ("max_urls", DEFAULT_SITEMAP_URLS)):
        x = v.get(k, default)
        if not isinstance(x, int) or isinstance(x, bool) or x < 1:
            raise ValueError(f"sitemap {k} must be a positive integer")
        out[k] = x
    return Sitemap(url=_check_url(v.get("url"), "sitemap url"), **out)


def _check_home_names(home: dict[str, str]) -> None:
    """Every name of a home must be known to the gazetteer of either era (issue #11): an unknown one is an
    error naming the closest known ones, so a home written without its accents covers nothing silently."""
    from alerts import names as nm
    from briefwatch.gazetteer import load_gazetteer

    gz = load_gazetteer()
    check = {"unit": nm.unit_error, "district": nm.district_error, "province": nm.province_error}
    errors = [e for k, v in home.items() if (e := check[k](v, gz))]
    if errors:
        raise ValueError("home: " + "; ".join(errors))


def parse_entry(entry: Any) -> Source:
    """Validate one registry entry; raise ValueError with a clear message when it is bad."""
    if not isinstance(entry, dict):
        raise ValueError("an entry must be a mapping")
    _unknown(entry, ENTRY_KEYS, "entry")
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ValueError(f"name {name!r} must match [a-z0-9-]+")
    family = entry.get("family") or guess_family(entry)
    if family not in FAMILIES:
        raise ValueError(f"family {family!r} must be one of {', '.join(FAMILIES)}")
    home = entry.get("home")
    if home is not None:
        if not isinstance(home, dict) or not home:
            raise ValueError("home must be a mapping like {district: Mê Linh} or {unit: xã Tiền Phong}")
        _unknown(home, HOME_KEYS, "home")
        if not all(isinstance(v, str) and v.strip() for v in home.values()):
            raise ValueError("home values must be non-empty strings")
        home = {k: v.strip() for k, v in home.items()}
        _check_home_names(home)
    feeds = entry.get("feeds") or []
    if not isinstance(feeds, list):
        raise ValueError("feeds must be a list of URLs")
    feeds = tuple(_check_url(u, "feed") for u in feeds)
    max_pages = entry.get("max_pages", DEFAULT_MAX_PAGES)
    if not isinstance(max_pages, int) or isinstance(max_pages, bool) or max_pages < 1:
        raise ValueError("max_pages must be a positive integer")
    listings_raw = entry.get("listings") or []
    if not isinstance(listings_raw, list):
        raise ValueError("listings must be a list")
    listings = []
    for lst in listings_raw:
        if isinstance(lst, str):
            lst = {"url": lst}
        if not isinstance(lst, dict):
            raise ValueError("a listing must be a URL or a mapping with url/links/next")
        _unknown(lst, LISTING_KEYS, "listing")
        mp = lst.get("max_pages", max_pages)
        if not isinstance(mp, int) or isinstance(mp, bool) or mp < 1:
            raise ValueError("listing max_pages must be a positive integer")
        listings.append(
            Listing(
                url=_check_url(lst.get("url"), "listing url"),
                links=_check_css(lst["links"], "listing links") if lst.get("links") is not None else None,
                next=_check_css(lst["next"], "listing next") if lst.get("next") is not None else None,
                max_pages=mp,
            )
        )
    sitemaps = tuple(_sitemap(x) for x in _list(entry.get("sitemaps"), "sitemaps"))
    if not feeds and not listings and not sitemaps:
        raise ValueError("an entry needs at least one feed, listing or sitemap")
    article = entry.get("article") or {}
    if not isinstance(article, dict):
        raise ValueError("article must be a mapping of CSS selectors (title, date, body)")
    _unknown(article, ARTICLE_KEYS, "article")
    article = {k: _check_css(v, f"article {k}") for k, v in article.items()}
    links_re = entry.get("article_links")
    if links_re is not None:
        if not isinstance(links_re, str):
            raise ValueError("article_links must be a regular expression string")
        try:
            re.compile(links_re)
        except re.error as exc:
            raise ValueError(f"article_links is not a valid regex: {exc}") from None
    confidence = entry.get("confidence", "unknown")
    if confidence not in CONFIDENCE:
        raise ValueError(f"confidence {confidence!r} must be one of {', '.join(CONFIDENCE)}")
    for key in ("lenient_tls", "enabled"):
        if key in entry and not isinstance(entry[key], bool):
            raise ValueError(f"{key} must be true or false")
    notes = entry.get("notes")
    if notes is not None and not isinstance(notes, str):
        raise ValueError("notes must be a string")
    return Source(
        name=name,
        family=family,
        home=home,
        feeds=feeds,
        listings=tuple(listings),
        sitemaps=sitemaps,
        article=article,
        article_links=links_re,
        schedule=_check_schedule(entry.get("schedule", DEFAULT_SCHEDULE)),
        confidence=confidence,
        lenient_tls=entry.get("lenient_tls", False),
        enabled=entry.get("enabled", True),
        notes=notes,
        raw=dict(entry),
    )


def parse_registry(data: Any) -> Registry:
    """Validate a parsed registry document: good entries in ``sources``, messages in ``errors``."""
    if not isinstance(data, dict):
        raise RegistryError("the registry must be a mapping with a 'sources' list")
    extra = sorted(set(data) - {"sources"})
    if extra:
        raise RegistryError(f"unknown top-level key(s): {', '.join(map(str, extra))}")
    entries = data.get("sources")
    if not isinstance(entries, list):
        raise RegistryError("'sources' must be a list")
    sources: list[Source] = []
    errors: list[str] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        label = entry.get("name") if isinstance(entry, dict) and isinstance(entry.get("name"), str) else None
        label = f"entry {i}" + (f" ({label})" if label else "")
        try:
            src = parse_entry(entry)
        except ValueError as exc:
            errors.append(f"{label}: {exc}")
            continue
        if src.name in seen:
            errors.append(f"{label}: duplicate name {src.name!r}")
            continue
        seen.add(src.name)
        sources.append(src)
    return Registry(sources, errors)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_registry(path: str | Path) -> Registry:
    """Read and validate a registry file. Raises RegistryError when the file itself is unusable."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"cannot read {p}: {exc}") from None
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (libyaml's when there: 4x faster)
    except yaml.YAMLError as exc:
        raise RegistryError(f"{p} is not valid YAML: {exc}") from None
    return parse_registry(data)
