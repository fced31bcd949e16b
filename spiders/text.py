"""Pure helpers of the spiders: HTML to readable text, Vietnamese date lines, generic extraction.

No Scrapy imports: unit-testable and reusable.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import lxml.html

from db.store import nfc

BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td", "th",
    "figcaption", "figure", "blockquote", "section", "article", "header", "footer", "pre", "dd", "dt",
}  # fmt: skip
SKIP_TAGS = {"script", "style", "noscript", "iframe", "svg", "form", "button", "nav"}
_SPACES = re.compile(r"[ \t\u00a0\u200b\r\f\v]+")


def html_to_text(fragments: Iterable[str | lxml.html.HtmlElement]) -> str:
    """Text of HTML fragments (strings, or elements already parsed: no second parse) with one blank line
    between blocks, NFC, inner whitespace collapsed."""
    parts: list[str] = []
    for frag in fragments:
        if isinstance(frag, str):
            if not frag.strip():
                continue
            try:
                frag = lxml.html.fragment_fromstring(frag, create_parent="div")
            except (lxml.etree.ParserError, ValueError):
                continue
        _walk(frag, parts, top=True)
        parts.append("\n\n")
    raw = _SPACES.sub(" ", "".join(parts))
    out: list[str] = []
    for ln in raw.split("\n"):
        ln = ln.strip()
        if ln:
            out.append(ln)
        elif out and out[-1] != "":
            out.append("")
    return nfc("\n".join(out).strip())


def _ws(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")  # source line breaks are spaces in HTML


def _walk(el: lxml.html.HtmlElement, parts: list[str], top: bool = False) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in SKIP_TAGS or not isinstance(el.tag, str):
        if el.tail and not top:
            parts.append(_ws(el.tail))
        return
    block = tag in BLOCK_TAGS
    if block:
        parts.append("\n\n" if tag != "br" else "\n")
    if el.text:
        parts.append(_ws(el.text))
    for child in el:
        _walk(child, parts)
    if block and tag != "br":
        parts.append("\n\n")
    if el.tail and not top:  # the text after a selected element is not part of it
        parts.append(_ws(el.tail))


def clean_line(text: str | None) -> str:
    return nfc(_SPACES.sub(" ", text or "").replace("\n", " ")).strip()


# ---------------------------------------------------------------- dates

DMY = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})"


def to_date(day: str | int, month: str | int, year: str | int, now: dt.date) -> dt.date | None:
    """A plausible calendar date: valid, from 2000 on, not after ``now`` + 1 day."""
    try:
        d = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    if d.year < 2000 or d > now + dt.timedelta(days=1):
        return None
    return d


def find_date(text: str, patterns: Iterable[re.Pattern[str]], now: dt.date) -> dt.date | None:
    """The first plausible date matched by one of ``patterns`` (groups: day, month, year)."""
    for pat in patterns:
        for m in pat.finditer(text or ""):
            d = to_date(*m.group("d", "m", "y"), now=now)
            if d:
                return d
    return None


def htmldate_date(html: str, url: str | None, now: dt.date) -> dt.date | None:
    """Publish date by htmldate (meta tags, URL, structured data), bounded like ``to_date``."""
    try:
        from htmldate import find_date as _find

        found = _find(html, url=url, original_date=True, extensive_search=False, outputformat="%Y-%m-%d")
    except Exception:  # noqa: BLE001 - htmldate can fail on odd markup; a missing date is fine
        return None
    if not found:
        return None
    y, m, d = found.split("-")
    return to_date(d, m, y, now)


# ---------------------------------------------------------------- generic extraction


def generic_extract(html: str, url: str | None) -> tuple[str | None, str]:
    """(title, text) by trafilatura, the fallback when selectors do not match."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_recall=True,
        )
    except Exception:  # noqa: BLE001 - trafilatura raises on some broken documents
        doc = None
    if not doc:
        return None, ""
    title = getattr(doc, "title", None) if not isinstance(doc, dict) else doc.get("title")
    text = getattr(doc, "text", None) if not isinstance(doc, dict) else doc.get("text")
    text = nfc(text or "")
    text = re.sub(r"\n(?!\n)", "\n\n", text)  # trafilatura: one line per paragraph
    return (clean_line(title) or None), text.strip()
