"""The country's administrative units, both eras, with validity dates.

Built at load time from the SQLite dataset shipped in the ``vietnamadminunits`` package (legacy 3-level
structure: 63 provinces, their districts and 10,000+ communes/wards/towns, valid until 2025-06-30; and the
2-level structure since 2025-07-01: 34 provinces and 3,321 communes, wards and special zones).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from briefwatch.text import canon_tone, key, nfc

REFORM = dt.date(2025, 7, 1)
LEGACY_END = REFORM - dt.timedelta(days=1)

# province-level cities ("thành phố trực thuộc trung ương")
_TW_CITIES = {"Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế"}
_TW_CITIES_LEGACY = _TW_CITIES - {"Huế"}

_DISTRICT_TYPES = {"Quận": "quan", "Huyện": "huyen", "Thị xã": "thi_xa", "Thành phố": "thanh_pho_thuoc_tinh"}
_WARD_TYPES = {"Xã": "xa", "Phường": "phuong", "Thị trấn": "thi_tran", "Đặc khu": "dac_khu"}

TYPE_WORDS = {
    "xa": "xã",
    "phuong": "phường",
    "thi_tran": "thị trấn",
    "dac_khu": "đặc khu",
    "quan": "quận",
    "huyen": "huyện",
    "thi_xa": "thị xã",
    "thanh_pho_thuoc_tinh": "thành phố",
    "tinh": "tỉnh",
    "thanh_pho_tw": "thành phố",
}
COMMUNE_LEVEL = ("xa", "phuong", "thi_tran", "dac_khu")
DISTRICT_LEVEL = ("quan", "huyen", "thi_xa", "thanh_pho_thuoc_tinh")
PROVINCE_LEVEL = ("tinh", "thanh_pho_tw")


@dataclass(frozen=True)
class Unit:
    name: str  # "xã Đại Thịnh": lower-case type word + proper name, one tone placement
    unit_type: str  # xa|phuong|thi_tran|dac_khu|quan|huyen|thi_xa|thanh_pho_thuoc_tinh|tinh|thanh_pho_tw
    short: str  # "Đại Thịnh"
    district: str | None  # short name of the district (legacy commune-level units only)
    province: str  # short name of the province
    code: str
    valid_from: dt.date | None
    valid_to: dt.date | None

    def valid_on(self, day: dt.date | None) -> bool:
        if day is None:
            return True
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )

    @property
    def level(self) -> str:
        if self.unit_type in COMMUNE_LEVEL:
            return "commune"
        if self.unit_type in DISTRICT_LEVEL:
            return "district"
        return "province"


def _dataset_path() -> Path:
    import importlib.util

    # locate the package's data without importing it (its import parses 3 MB of JSON we do not need)
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the vietnamadminunits package is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "dataset.db"


_ALIASES = {
    "hcm": "Hồ Chí Minh",
    "tphcm": "Hồ Chí Minh",
    "tp.hcm": "Hồ Chí Minh",
    "tp. hcm": "Hồ Chí Minh",
    "tp hcm": "Hồ Chí Minh",
    "tp. hồ chí minh": "Hồ Chí Minh",
    "tp hồ chí minh": "Hồ Chí Minh",
    "thừa thiên huế": "Huế",
    "thừa thiên - huế": "Huế",
    "thừa thiên-huế": "Huế",
}
PROVINCE_ALIASES = _ALIASES  # for other readers of names (site hosts)
_LEGACY_FULL = {"Huế": "Thừa Thiên Huế"}
# common misspellings of official names: "Đăk Nông" is "Đắk Nông", "Đắc Lắc" is "Đắk Lắk"
_SPELLING = (
    ("đăk", "đắk"),
    ("đắc lắc", "đắk lắk"),
    ("đăklăk", "đắk lắk"),
    ("đắklắk", "đắk lắk"),
    ("lăk", "lắk"),
    ("krông", "krông"),
)


def _spelling(k: str) -> str:
    for a, b in _SPELLING:
        k = k.replace(a, b)
    return k


class Gazetteer:
    """Units indexed by (type, name key); lookups filter by validity date, district and province."""

    def __init__(self, units: Iterable[Unit]):
        self.all: list[Unit] = list(units)
        self._by_short: dict[str, list[Unit]] = defaultdict(list)
        for u in self.all:
            self._by_short[key(u.short)].append(u)
        self.province_names = sorted({u.province for u in self.all}, key=len, reverse=True)
        # names the press uses for a province-level city besides its official one
        for alias, official in _ALIASES.items():
            self._by_short[alias] = [u for u in self._by_short.get(key(official), []) if u.district is None]

    def find(
        self,
        short: str,
        *,
        types: Iterable[str] | None = None,
        on: dt.date | None = None,
        district: str | None = None,
        province: str | None = None,
    ) -> list[Unit]:
        """Units named ``short`` (any case or tone placement), optionally filtered."""
        k = key(short)
        tset = set(types) if types else None
        dk, pk = key(district), key(province)
        for kk in (k, _spelling(k)) if k else ():
            out = [
                u
                for u in self._by_short.get(kk, ())
                if (tset is None or u.unit_type in tset)
                and u.valid_on(on)
                and (not dk or key(u.district) == dk)
                and (not pk or key(u.province) == pk)
            ]
            if out:
                return out
        return []

    def units(
        self, on: dt.date | None = None, province: str | None = "Hà Nội", levels: Iterable[str] | None = None
    ) -> list[Unit]:
        """Every unit valid on ``on`` in ``province`` (None: all provinces), of the given unit types."""
        lset = set(levels) if levels else None
        pk = key(province)
        return [
            u
            for u in self.all
            if u.valid_on(on) and (not pk or key(u.province) == pk) and (lset is None or u.unit_type in lset)
        ]

    def is_district_of(self, district: str, province: str | None = None) -> bool:
        return bool(self.find(district, types=DISTRICT_LEVEL, province=province))


_NUMBERED = re.compile(r"^(?:Phường|Quận|Xã|Thị trấn)\s+(\d+)$")


def _short(name: str | None) -> str | None:
    """The dataset writes numbered units with their type word ("Phường 6", "Quận 1"): the short name is "6"."""
    if not name:
        return name
    name = canon_tone(nfc(name.strip()))
    m = _NUMBERED.match(name)
    return m.group(1) if m else name


def _mk(type_: str, short: str, **kw) -> Unit:
    short = _short(short)
    if kw.get("district"):
        kw["district"] = _short(kw["district"])
    kw["province"] = canon_tone(nfc(kw["province"]))
    return Unit(name=f"{TYPE_WORDS[type_]} {short}", unit_type=type_, short=short, **kw)


def build_units(db_file: Path | None = None) -> list[Unit]:
    conn = sqlite3.connect(f"file:{db_file or _dataset_path()}?mode=ro", uri=True)
    units: list[Unit] = []
    seen: set[tuple] = set()
    new_provinces = {r[0] for r in conn.execute("SELECT DISTINCT provinceShort FROM admin_units")}
    legacy_provinces = {r[0] for r in conn.execute("SELECT DISTINCT provinceShort FROM admin_units_legacy")}
    for p in sorted(new_provinces | legacy_provinces):
        in_new, in_old = p in new_provinces, p in legacy_provinces
        tw_new, tw_old = p in _TW_CITIES, p in _TW_CITIES_LEGACY
        if in_new and in_old and tw_new == tw_old:
            units.append(
                _mk(
                    "thanh_pho_tw" if tw_new else "tinh",
                    p,
                    district=None,
                    province=p,
                    code="",
                    valid_from=None,
                    valid_to=None,
                )
            )
            continue
        if in_old:
            t = "thanh_pho_tw" if tw_old else "tinh"
            u = _mk(t, p, district=None, province=p, code="", valid_from=None, valid_to=LEGACY_END)
            if p in _LEGACY_FULL:  # the dataset's short "Huế" was "tỉnh Thừa Thiên Huế" until 2025
                u = dataclasses.replace(u, name=f"{TYPE_WORDS[t]} {_LEGACY_FULL[p]}")
            units.append(u)
        if in_new:
            t = "thanh_pho_tw" if tw_new else "tinh"
            units.append(_mk(t, p, district=None, province=p, code="", valid_from=REFORM, valid_to=None))
    rows = conn.execute(
        "SELECT provinceShort, districtShort, districtType, districtCode, wardShort, wardType, wardCode"
        " FROM admin_units_legacy"
    )
    for prov, dist, dtype, dcode, ward, wtype, wcode in rows:
        if dist and (prov, dist) not in seen:
            seen.add((prov, dist))
            units.append(
                _mk(
                    _DISTRICT_TYPES.get(dtype, "huyen"),
                    dist,
                    district=None,
                    province=prov,
                    code=dcode or "",
                    valid_from=None,
                    valid_to=LEGACY_END,
                )
            )
        if ward:
            units.append(
                _mk(
                    _WARD_TYPES.get(wtype, "xa"),
                    ward,
                    district=dist,
                    province=prov,
                    code=wcode or "",
                    valid_from=None,
                    valid_to=LEGACY_END,
                )
            )
    for prov, ward, wtype, wcode in conn.execute(
        "SELECT provinceShort, wardShort, wardType, wardCode FROM admin_units"
    ):
        units.append(
            _mk(
                _WARD_TYPES.get(wtype, "xa"),
                ward,
                district=None,
                province=prov,
                code=wcode or "",
                valid_from=REFORM,
                valid_to=None,
            )
        )
    conn.close()
    return units


@functools.lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The process-wide gazetteer (built once, about 0.2 s)."""
    return Gazetteer(build_units())
