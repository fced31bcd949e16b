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

from briefwatch.gazetteer import COMMUNE_LEVEL, DISTRICT_LEVEL, PROVINCE_ALIASES, REFORM, Gazetteer
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
        idx.setdefault((_level(u, "city"), _ascii(u.short)), []).append(u)
    return idx


def _level(u, top: str) -> str:
    """district | commune | ``top`` (the name for the province level in that index)."""
    return "district" if u.unit_type in DISTRICT_LEVEL else "commune" if u.unit_type in COMMUNE_LEVEL else top


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
        if ".hanoi." in host:
            return None
    if host.endswith(".gov.vn") or host.endswith(".dcs.vn"):
        return _portal_home(host, urlsplit(url).path if url else "", published, gz) or _paper_home(host, gz)
    if home := _paper_home(host, gz):
        return home
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


@functools.lru_cache(maxsize=4)
def _country_index(gz: Gazetteer) -> dict[tuple[str, str], list]:
    """(level, ascii short name) → units of the whole country: "quangnam", "hiepduc", "binhson"."""
    idx: dict[tuple[str, str], list] = {}
    for u in gz.all:
        idx.setdefault((_level(u, "province"), _ascii(u.short)), []).append(u)
    # the gazetteer's press names of cities ("tphcm", "thuathienhue"), and one English host name
    for alias, prov in [*PROVINCE_ALIASES.items(), ("hochiminhcity", "Hồ Chí Minh")]:
        idx.setdefault(("province", _ascii(alias)), []).extend(
            u for u in gz.all if u.short == prov and u.district is None
        )
    return idx


def _portal_home(host: str, path: str, published: dt.date | None, gz: Gazetteer) -> dict | None:
    """A provincial portal family's host names its units from the commune up to the province:
    ``binhson.hiepduc.quangnam.gov.vn`` (commune, district, province), ``khuetrung.danang.gov.vn``,
    ``doluong.gov.vn`` (a district, when its name is unique), ``tuyphong.binhthuan.dcs.vn``,
    ``dongnai.dcs.vn/longthanh/...`` (the district in the path)."""
    labels = [re.sub(r"\d+$", "", x) for x in host.split(".")[:-2] if x not in ("www", "portal", "m")]
    if not labels:
        return None
    idx = _country_index(gz)
    legacy = published is None or published < REFORM

    def find(level: str, label: str, province: str | None = None, district: str | None = None) -> list:
        return [
            u
            for u in idx.get((level, label), [])
            if (province is None or u.province == province)
            and (district is None or u.district == district)
            and (level == "province" or u.valid_on(published) or (published is None and u.valid_to))
        ]

    provs = find("province", labels[-1])
    if not provs:
        if len(labels) == 1:
            dists = find("district", labels[0])
            if len({(u.short, u.province) for u in dists}) == 1 and legacy:
                return {"district": dists[0].short, "province": dists[0].province}
        return None
    province = provs[0].province
    rest = labels[:-1]
    if not rest and path:
        seg = _ascii(path.strip("/").split("/", 1)[0])
        rest = [seg] if seg else []
    home: dict = {"province": province}
    if not rest:
        return home
    if len(rest) >= 2:
        dists = find("district", rest[-1], province) if legacy else []
        if dists:
            home["district"] = dists[0].short
            communes = find("commune", rest[-2], province, dists[0].short)
            if communes:
                home["unit"] = communes[0].name
        return home
    dists = find("district", rest[0], province) if legacy else []
    if dists:
        home["district"] = dists[0].short
        return home
    communes = find("commune", rest[0], province)
    if len({u.name for u in communes}) == 1:
        home["unit"] = communes[0].name
        if communes[0].district and legacy:
            home["district"] = communes[0].district
    return home


# the provincial Party papers and portals: baophutho.vn, baobariavungtau.com.vn, baonghean.vn, tinhuyquangtri.vn
_PAPER = re.compile(r"^(?:bao|tinhuy|thanhuy|dangbo|truyenhinh)?([a-z]+?)(?:online|dientu|news)?\.")


# a provincial agency's own site: its kind, then its province
_AGENCY_HOST = re.compile(
    r"^(?:truongchinhtri(?:tinh)?|congan(?:tinh)?|vks|vienkiemsat|toaan|tinhdoan|mttq|ubmttq|sotuphap|"
    r"sogiaoduc|sgddt|bchqs|bdbp)([a-z]{5,})$"
)


def _paper_home(host: str, gz: Gazetteer) -> dict | None:
    """The province of a provincial paper or Party portal, from its host name."""
    host = re.sub(r"^(?:www|m|amp)\.", "", host)
    m = _PAPER.match(host)
    if not m or not host.startswith(("bao", "tinhuy", "thanhuy", "dangbo", "truyenhinh")):
        first = host.split(".")[0]
        agency = _AGENCY_HOST.match(first)  # "truongchinhtribentre.edu.vn", "conganquangbinh.gov.vn"
        if agency:
            first = agency.group(1)
        provs = _country_index(gz).get(("province", first), []) if len(first) > 4 else []
        return {"province": provs[0].province} if provs else None
    provs = _country_index(gz).get(("province", m.group(1)), [])
    return {"province": provs[0].province} if provs else None
