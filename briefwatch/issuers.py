"""Whose numbering a document belongs to (issue #10): ``issuer_unit``, named like event units
("thành phố Hà Nội", "tỉnh Nghệ An", "quận Cầu Giấy"), or "trung ương" for central organs. Codes are numbered per
issuer (every province has a 24-CT/TU), so a document is (issuer_unit, code), not its code alone.

Read from the issuer the text writes ("… của Ban Thường vụ Tỉnh ủy Nghệ An"), else from the code's issuer part
and the article's context (TU: the article's province; QU/HU/ThU: its district; ĐU: the portal's own commune);
else None (unresolved). Pure functions, no Scrapy imports."""

from __future__ import annotations

import re

from briefwatch.docs import Document
from briefwatch.gazetteer import Gazetteer
from briefwatch.reading import Article
from briefwatch.text import key
from briefwatch.units import TYPE_WORDS, TYPED_NAME, find_mentions, is_central_organ, resolve

CENTRAL = "trung ương"
# central organs as issuers, besides those the event reader knows (units.is_central_organ): any ministry, the Standing
# Committee of the National Assembly, the Government's Party board, "Trung ương" alone
_MORE_CENTRAL = re.compile(r"^(?:Trung ương|Ủy ban Thường vụ Quốc hội|Ban cán sự đảng Chính phủ|Bộ [A-ZĐ])")
# TW and the central boards' codes (QUTW, BTGTW, UBKTTW, BCĐTW), the Government's and the National Assembly's
_CENTRAL_SUFFIX = re.compile(r"^(?:[A-ZĐ]*TW\d*|TTg|CP|QH\d*|UBTVQH\d*)$")
_PROVINCE_SUFFIX = ("TU",)
_DISTRICT_SUFFIX = ("QU", "HU", "ThU", "THU", "TX")
_COMMUNE_SUFFIX = ("ĐU",)
# a district committee's code with the district's initials: 01-CTr/QUTH (Quận ủy Tây Hồ), 12-NQ/HUML
_DISTRICT_INITIALS = re.compile(r"^(?:QU|HU)[A-ZĐ]{1,3}$")
_DISTRICT_TYPES = ("quan", "huyen", "thi_xa", "thanh_pho_thuoc_tinh")
_PROVINCE_TYPES = ("tinh", "thanh_pho_tw")
_PARTY_PREFIX = re.compile(
    r"^(?:(?:Ban [Tt]hường vụ|BTV|Ban Chấp hành|BCH|Thường trực) )?(?:Đảng ủy|Đảng bộ|Chi bộ) "
)


def _suffix(code: str) -> str:
    """The issuer part of a code: "TU" of 24-CT/TU, "UBND" of 215/KH-UBND, "" when the code has none."""
    if "/" not in code:
        return ""
    tail = code.split("/", 1)[1]
    if "-" in tail:  # government form NUMBER/TYPE-ISSUER
        return tail.split("-", 1)[1]
    return tail


def _from_text(issuer: str, art: Article) -> tuple[str, str] | None:
    """(unit, unit_type) the issuer's own words name, resolved in the article's context ("Tỉnh ủy" bare: its
    province); an agency cut short in the issuer ("Đảng ủy Khối các Cơ") is the article's full name for it."""
    if is_central_organ(issuer) or _MORE_CENTRAL.match(issuer):
        return CENTRAL, CENTRAL
    for mn in find_mentions(issuer, art.gz):
        if mn.agency:
            return _full_agency(art, mn.agency) or mn.agency, "other"
        if mn.short is None and art.ctx.main_province() is None:
            continue  # a bare "Thành ủy" with no province told: not guessed (events assume Hà Nội; codes do not)
        got = resolve(mn, art.gz, art.ctx, art.published)
        if got:
            return got["unit"], got["unit_type"]
    # "của Đảng ủy Trường": the agency the article names in full
    head = _PARTY_PREFIX.sub("", issuer)
    if head and head[0].isupper() and (full := _full_agency(art, head)):
        return full, "other"
    return None


def _full_agency(art: Article, start: str) -> str | None:
    """The longest agency name of the article that begins with ``start`` ("Đảng ủy Khối các Cơ" cut short)."""
    return max(
        (m.agency for m in art.unit_mentions if m.agency and m.agency.startswith(start)),
        key=len,
        default=None,
    )


def _province(art: Article) -> str | None:
    prov = art.ctx.main_province()
    if not prov:
        return None
    cands = [u for u in art.gz.find(prov, types=("tinh", "thanh_pho_tw"), on=art.ctx.era)]
    return cands[0].name if cands else None


def _district(art: Article) -> str | None:
    if art.ctx.home_district:
        name = art.ctx.home_district
    elif len(art.ctx.districts) == 1:
        (k,) = art.ctx.districts
        name = art.ctx.district_names[k]
    else:
        return None  # none or several districts named: the code alone cannot tell whose plan it is
    prov = art.ctx.main_province()
    cands = art.gz.find(name, types=_DISTRICT_TYPES, on=art.ctx.era, province=prov) if prov else []
    cands = cands or art.gz.find(name, types=_DISTRICT_TYPES, on=art.ctx.era)
    return cands[0].name if len(cands) == 1 else None


def issuer_unit(doc: Document, art: Article) -> str | None:
    """Whose numbering ``doc`` belongs to, or None when neither the text nor the code and context tell."""
    suffix = _suffix(doc.code)
    if _CENTRAL_SUFFIX.match(suffix):
        return CENTRAL
    got = _from_text(doc.issuer, art) if doc.issuer else None
    # words and code agree, or the code does not tell the level ("Kế hoạch 03-HD/HU của Ban Thường vụ Tỉnh ủy" is
    # a district's document whose words were taken from the next one)
    if got and not (
        (suffix in _PROVINCE_SUFFIX and got[1] not in _PROVINCE_TYPES)
        or (suffix in _DISTRICT_SUFFIX and got[1] not in _DISTRICT_TYPES)
    ):
        return got[0]
    if suffix in _PROVINCE_SUFFIX:
        return _province(art)
    if suffix in _DISTRICT_SUFFIX or _DISTRICT_INITIALS.match(suffix):
        return _district(art)
    if suffix in _COMMUNE_SUFFIX and art.ctx.home_unit is not None:
        return art.ctx.home_unit.name
    return None


def issuer_area(name: str | None, gz: Gazetteer) -> tuple[str | None, str | None]:
    """(province, district) of an issuer unit, short names as in the gazetteer: ``"quận Cầu Giấy"`` →
    ``("Hà Nội", "Cầu Giấy")``, ``"tỉnh Nghệ An"`` → ``("Nghệ An", None)``; a commune or ward → its province
    (and its former district when it had one); an agency → the province its name ends with, if any;
    ``"trung ương"``, None or an unknown name → ``(None, None)``."""
    if not name or key(name) == CENTRAL:
        return None, None
    m = TYPED_NAME.match(key(name))
    if m:
        word, short = m.group(1), name.strip()[len(m.group(1)) :].strip()
        cands = gz.find(short, types=TYPE_WORDS[word])
        if not cands and word == "tỉnh":  # a centrally-run city written as a province: "tỉnh Cần Thơ"
            cands = gz.find(short, types=("thanh_pho_tw",))
        provinces = {u.province for u in cands}
        if len(provinces) == 1:
            (prov,) = provinces
            if word in ("quận", "huyện", "thị xã") or (
                word == "thành phố" and cands[0].unit_type != "thanh_pho_tw"
            ):
                return prov, cands[0].short
            districts = {u.district for u in cands}
            return prov, (districts.pop() if len(districts) == 1 else None)
        return None, None
    k = key(name)
    for prov in gz.province_names:  # longest first
        if k.endswith(" " + key(prov)):
            return prov, None
    return None, None
