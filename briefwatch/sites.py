"""The unit a source reports on, from its URL, when the caller gives no ``home``. Pure functions.

Hanoi's former district portals live on ``<district>.hanoi.gov.vn`` (and ``portal.longbien.gov.vn``); since
1 July 2025 the old subdomains serve the new commune or ward that kept the name. The city Party portal files
articles under ``thanhuyhanoi.vn/tin-tuc/<locality>/`` (``huyen-gia-lam``, ``xa-hat-mon``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from urllib.parse import urlsplit

from briefwatch.gazetteer import COMMUNE_LEVEL, DISTRICT_LEVEL, REFORM, Gazetteer
from briefwatch.text import strip_marks

_SLUG_TYPES = {
    "xa": ("xa",),
    "phuong": ("phuong",),
    "thi-tran": ("thi_tran",),
    "huyen": ("huyen",),
    "quan": ("quan",),
    "thi-xa": ("thi_xa",),
}


def _ascii(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", strip_marks(s).lower())


@functools.lru_cache(maxsize=4)
def _hanoi_index(gz: Gazetteer) -> dict[tuple[str, str], list]:
    idx: dict[tuple[str, str], list] = {}
    for u in gz.units(None, "Hà Nội"):
        level = (
            "district"
            if u.unit_type in DISTRICT_LEVEL
            else "commune"
            if u.unit_type in COMMUNE_LEVEL
            else "city"
        )
        idx.setdefault((level, _ascii(u.short)), []).append(u)
    return idx


def home_from_url(
    url: str | None, source: str | None, published: dt.date | None, gz: Gazetteer
) -> dict | None:
    """``{"district": ...}`` or ``{"unit": ...}`` for a Hanoi unit portal, else None."""
    host = urlsplit(url).hostname if url else None
    host = (host or source or "").lower()
    if not host:
        return None
    idx = _hanoi_index(gz)
    m = re.match(r"^(?:www\.)?(?:portal\.)?([a-z0-9]+)\.(?:hanoi\.)?gov\.vn$", host)
    if m and m.group(1) not in ("hanoi", "www", "portal"):
        slug = m.group(1)
        if published and published >= REFORM:
            new = [u for u in idx.get(("commune", slug), []) if u.valid_on(published)]
            if new:
                return {"unit": new[0].name}
        olds = idx.get(("district", slug), [])
        if olds:
            return {"district": olds[0].short}
        return None
    if host.endswith("thanhuyhanoi.vn") and url:
        pm = re.match(r"^/tin-tuc/(xa|phuong|thi-tran|huyen|quan|thi-xa)-([a-z0-9-]+)/", urlsplit(url).path)
        if pm:
            kind, slug = pm.group(1), pm.group(2).replace("-", "")
            level = "district" if kind in ("huyen", "quan", "thi-xa") else "commune"
            cands = [
                u
                for u in idx.get((level, slug), [])
                if u.unit_type in _SLUG_TYPES[kind] and u.valid_on(published)
            ]
            if cands:
                return {"district": cands[0].short} if level == "district" else {"unit": cands[0].name}
    return None
