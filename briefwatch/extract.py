"""One article in, its briefing events and numbered documents out. Pure functions, no Scrapy imports."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from briefwatch import dates as dates_mod
from briefwatch.docs import find_documents
from briefwatch.events import extract_events
from briefwatch.gazetteer import Gazetteer, load_gazetteer
from briefwatch.issuers import issuer_unit
from briefwatch.reading import Article, doc_tail_spans
from briefwatch.sites import home_from_url
from briefwatch.text import canon_tone, clean_text, html_to_text, key
from briefwatch.units import build_context, find_mentions

# What one article may cost: real articles are 2-20 KB of text; a hostile or broken page (a whole site's archive
# on one page, an 18 MB line) is refused with a clear error instead of stalling a crawl. Every pass of the engine
# is linear in the text's length (positions are looked up by bisection), so the limit bounds the time too.
MAX_INPUT_CHARS = 6_000_000  # raw HTML or text handed in (the crawl's DOWNLOAD_MAXSIZE is 5 MB)
MAX_TEXT_CHARS = 400_000  # clean text after markup is removed: about 80 long articles


class ArticleTooLarge(ValueError):
    """The article is over what one article may cost (``MAX_INPUT_CHARS``, ``MAX_TEXT_CHARS``)."""


def prepare(
    text: str | None,
    html: str | None = None,
    *,
    published: dt.date | str | None = None,
    home: dict | None = None,
    title: str | None = None,
    url: str | None = None,
    source: str | None = None,
    gz: Gazetteer | None = None,
) -> Article:
    raw = len(text if text is not None else html or "")
    if raw > MAX_INPUT_CHARS:
        raise ArticleTooLarge(f"article too large: {raw} characters in (limit {MAX_INPUT_CHARS})")
    gz = gz or load_gazetteer()
    page_title = None
    if text is None and html is not None:
        display, page_title = html_to_text(html)  # already clean
    else:
        display = clean_text(text or "")
    title = clean_text(title) if title else page_title
    if title and key(title)[:60] not in key(display[:1500]):
        display = f"{title}\n{display}"
    if len(display) > MAX_TEXT_CHARS:
        raise ArticleTooLarge(
            f"article too large: {len(display)} characters of text (limit {MAX_TEXT_CHARS})"
        )
    match = canon_tone(display)
    if len(match) != len(display):  # never expected: tone moves keep NFC length
        display = match
    pub = dates_mod.to_date(published) or dates_mod.parse_publish_date(match)
    body_start = _body_start(match)
    if not body_start and title:  # no date line: the headline we were given is still the first line, not body
        first = match.split("\n", 1)[0]
        if first.strip() and key(first)[:60] == key(title)[:60] and "\n" in match:
            body_start = len(first) + 1
    low = match.lower()
    if len(low) != len(match):  # a character whose lower case is longer: lower it one by one
        low = "".join(c.lower()[0] for c in match)
    doc_mentions, _docs = find_documents(match, pub, low)
    date_index = dates_mod.DateIndex(match)
    if doc_mentions:
        unit_mentions = find_mentions(match, gz, low)
        era = pub or _latest_year_date(date_index.all())
        if home is None:
            home = home_from_url(url, source, era, gz)
        ctx = build_context(unit_mentions, gz, era, home, title or match[:body_start], match)
    else:  # no numbered document: no event is possible, and there is no document to list
        unit_mentions = []
        ctx = build_context([], gz, pub, None, None, None)
    art = Article(match, low, pub, body_start, doc_mentions, unit_mentions, date_index, ctx, gz)
    art.doc_spans = doc_tail_spans(match, doc_mentions)
    _issue_dates_from_issuance(art, _docs)
    art.documents = _docs  # type: ignore[attr-defined]
    return art


_ISSUED_BY = re.compile(
    r"(?:ban hành|ký ban hành|đã ký|vừa ký)\s+(?:chỉ thị|nghị quyết|kết luận|kế hoạch|quy định|chương trình|"
    r"hướng dẫn|thông báo|quyết định|đề án|thông tri)?\s*(?:số\s*)?$"
)


def _issue_dates_from_issuance(art: Article, docs: dict) -> None:
    """ "Ngày 15 tháng 3 năm 2024, Ban Thường vụ Tỉnh ủy ban hành Chỉ thị số 15-CT/TU": the date of the issuance
    sentence is the document's issue date, when the code carries none."""
    for d in art.doc_mentions:
        doc = docs.get(d.code)
        if doc is None or doc.issued or not d.full:
            continue
        line_start = art.text.rfind("\n", 0, d.start) + 1
        if not _ISSUED_BY.search(art.low[max(line_start, d.start - 60) : d.start]):
            continue
        before = [x for x in art.dates.between(line_start, d.start) if x.year]
        sentence_start = max(art.text.rfind(". ", line_start, d.start) + 1, line_start)
        before = [x for x in before if x.start >= sentence_start]
        if before:
            x = before[-1]
            day = dt.date(x.year, x.month, x.day)
            if art.published is None or day <= art.published:
                doc.issued = day.isoformat()


def _latest_year_date(dms: list[dates_mod.DateMention]) -> dt.date | None:
    full = [dt.date(d.year, d.month, d.day) for d in dms if d.year]
    return max(full) if full else None


def _body_start(text: str) -> int:
    """Offset where the body begins: after the headline block and the site's date line, when there is one
    within the first lines; else 0 (the first line is then still a likely headline: see below)."""
    pos = 0
    for i, line in enumerate(text.split("\n")[:8]):
        end = pos + len(line) + 1
        if any(p.search(line) for p in dates_mod._PUB_PATTERNS) and len(line) < 120:
            return min(end, len(text))
        pos = end
        if i >= 7:
            break
    return 0


def extract_article(
    text: str | None = None,
    html: str | None = None,
    *,
    published: dt.date | str | None = None,
    home: dict | None = None,
    title: str | None = None,
    url: str | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """Return ``{"url", "published", "events": [...], "documents": [...]}`` per ANNOTATION.md.

    ``published`` is the article's publish date (ISO string or date); when None it is read from the
    text's date line. ``home`` is the unit the source reports on, e.g. ``{"district": "Mê Linh"}``.
    """
    if text is None and html is None:
        raise ValueError("an article needs text or html")
    art = prepare(text, html, published=published, home=home, title=title, url=url, source=source)
    events = extract_events(art)
    documents = [
        {**d.as_dict(), "issuer_unit": issuer_unit(d, art)}
        for d in art.documents.values()  # type: ignore[attr-defined]
    ]
    return {
        "url": url,
        "published": art.published.isoformat() if art.published else None,
        "events": events,
        "documents": documents,
    }
