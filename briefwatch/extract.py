"""One article in, its briefing events and numbered documents out. Pure functions, no Scrapy imports."""

from __future__ import annotations

import datetime as dt
from typing import Any


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

    ``published`` is the article's publish date (ISO string or date); when None it is read from
    the text's date line. ``home`` is the unit the source reports on, e.g. ``{"district": "Mê Linh"}``.
    """
    raise NotImplementedError  # the engine lands in this module (issue 2)
