"""``briefwatch sources check`` (validate registries offline) and ``briefwatch crawl SOURCE --dry-run`` (fetch one
listing, feed or sitemap and one article; print what the selectors and the engine found; store nothing)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import click

from briefwatch.sources import CONFIDENCE, RegistryError, Source, load_registry

USER_AGENT = "briefwatch (+https://github.com/briefwatch; dry run)"


def _families() -> dict[str, Any]:
    from spiders.govcms import GovCmsSpider
    from spiders.liferay import LiferaySpider
    from spiders.newspaper import NewspaperSpider

    return {c.family: c for c in (LiferaySpider, GovCmsSpider, NewspaperSpider)}


@click.group("sources")
def sources_group() -> None:
    """The source registry: validate it offline."""


@sources_group.command("check")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def check_cmd(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Validate registry FILES (default: --sources) offline: keys, URLs, selectors, schedules, and every home's
    unit, district and province name against the gazetteer. Exit 1 when an entry is bad."""
    bad = False
    for f in files or (Path(ctx.obj["sources"]),):
        try:
            reg = load_registry(f)
        except RegistryError as exc:
            click.echo(f"{f}: {exc}", err=True)
            bad = True
            continue
        conf = Counter(s.confidence for s in reg.sources)
        by = ", ".join(f"{conf[c]} {c}" for c in CONFIDENCE if conf[c])
        enabled = sum(s.enabled for s in reg.sources)
        click.echo(
            f"{f}: {len(reg.sources)} source(s), {enabled} enabled ({by or 'none'}), {len(reg.errors)} error(s)"
        )
        for err in reg.errors:
            click.echo(f"  error: {err}", err=True)
        bad |= bool(reg.errors)
    if bad:
        ctx.exit(1)


def _get(url: str, timeout: float) -> tuple[bytes, str]:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - http(s) URLs of the registry
        return resp.read(), resp.geturl()


def discover(src: Source, spider: Any, timeout: float = 20) -> tuple[str, list[str]]:
    """(what was read, article URLs found): the first feed, else listing, else sitemap of ``src``."""
    import feedparser
    from parsel import Selector
    from scrapy.utils.sitemap import Sitemap

    def is_article(url: str) -> bool:
        import re

        p = urlsplit(url)
        return bool(
            re.search(
                src.article_links or spider.article_link_re, p.path + ("?" + p.query if p.query else "")
            )
        )

    if src.feeds:
        body, final = _get(src.feeds[0], timeout)
        links = [
            urljoin(final, e.get("link")) for e in feedparser.parse(body).get("entries", []) if e.get("link")
        ]
        return f"feed {src.feeds[0]}", links
    if src.listings:
        lst = src.listings[0]
        body, final = _get(lst.url, timeout)
        sel = Selector(text=body.decode("utf-8", "replace"))
        hrefs = sel.css(f"{lst.links} ::attr(href)" if lst.links else "a::attr(href)").getall()
        host = urlsplit(final).hostname
        out: list[str] = []
        for h in hrefs:
            u = urljoin(final, h.strip())
            if u not in out and (lst.links or (urlsplit(u).hostname == host and is_article(u))):
                out.append(u)
        return f"listing {lst.url}", out
    url = src.sitemaps[0].url
    for _depth in range(3):
        body, final = _get(url, timeout)
        sm = Sitemap(body)
        entries = sorted((e for e in sm if e.get("loc")), key=lambda e: e.get("lastmod", ""), reverse=True)
        if sm.type != "sitemapindex":
            return f"sitemap {src.sitemaps[0].url}", [e["loc"] for e in entries if is_article(e["loc"])]
        if not entries:
            break
        url = urljoin(final, entries[0]["loc"])
    return f"sitemap {src.sitemaps[0].url}", []


def dry_run(src: Source, timeout: float = 20) -> dict[str, Any]:
    """Fetch one listing/feed/sitemap and its first article; what the selectors and the engine read there."""
    import lxml.html

    from briefwatch.extract import extract_article
    from spiders.base import read_article

    spider = _families()[src.family]
    what, links = discover(src, spider, timeout)
    out: dict[str, Any] = {
        "source": src.name,
        "read": what,
        "article_links": len(links),
        "first_links": links[:5],
    }
    if not links:
        out["problem"] = "no article link found: check the listing's links selector or article_links"
        return out
    body, final = _get(links[0], timeout)
    html = body.decode("utf-8", "replace")
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
    got = read_article(
        lxml.html.fromstring(body),
        html,
        final,
        {**spider.default_article, **src.article},
        spider.date_patterns,
        today,
    )
    ex = extract_article(
        got["text"], published=got["published"], home=src.home, title=got["title"], url=final, source=src.name
    )
    out["article"] = {
        "url": final,
        "title": got["title"],
        "published": got["published"].isoformat() if got["published"] else None,
        "dateline": got["dateline"],
        "extraction_path": got["path"],
        "text_chars": len(got["text"]),
        "text_start": got["text"][:200],
    }
    out["events"] = ex["events"]
    out["documents"] = ex["documents"]
    if got["path"] == "generic" and src.article:
        out["problem"] = "the article selectors did not match: generic extraction was used"
    return out


def dry_run_cmd(ctx: click.Context, name: str) -> None:
    """What ``briefwatch crawl SOURCE --dry-run`` prints (JSON)."""
    try:
        registry = load_registry(ctx.obj["sources"])
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from None
    src = registry.get(name)
    if src is None:
        raise click.ClickException(f"no valid source {name!r} in {ctx.obj['sources']}")
    try:
        out = dry_run(src)
    except OSError as exc:
        raise click.ClickException(f"{name}: {exc}") from None
    click.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    if out.get("problem"):
        ctx.exit(1)


def register(cli: click.Group) -> None:
    cli.add_command(sources_group)
