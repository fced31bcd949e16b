"""Match keys for Vietnamese unit names and document codes (pure functions).

A key is for comparing only; the original text is kept for display.
"""

from __future__ import annotations

import re
from functools import lru_cache

from briefwatch.docs import TYPE_CODES
from briefwatch.text import key

_SPACES = re.compile(r"\s+")
_DISTRICT_WORDS = re.compile(r"^(huyện|quận|thị xã|thành phố|tp\.?)\s+")


@lru_cache(maxsize=65536)
def text_key(s: str | None) -> str:
    """The project's match key (briefwatch.text.key: NFC, Ð→Đ, one tone placement, casefolded, single
    spaces), cached: ``"Xã Đại  Thịnh"`` → ``"xã đại thịnh"``, ``"Tân Hoà"`` → ``"tân hòa"``."""
    return key(s)


def district_key(s: str | None) -> str:
    """Key of a district's short name; a leading type word is dropped (``"huyện Mê Linh"`` → ``"mê linh"``)."""
    return _DISTRICT_WORDS.sub("", text_key(s))


_PROVINCE_WORDS = re.compile(r"^(tỉnh|thành phố|tp\.?)\s+")


@lru_cache(maxsize=4096)  # pure; a digest's scope asks it for every unit of the country
def province_key(s: str | None) -> str:
    """Key of a province's short name; a leading type word is dropped (``"tỉnh Nghệ An"`` → ``"nghệ an"``)."""
    return _PROVINCE_WORDS.sub("", text_key(s))


_PARTY = re.compile(r"^(\d+[A-Z]?)-([A-ZĐ]+)(?:/(.+))?$")
_GOV = re.compile(r"^(\d+)/([A-ZĐ]+)-(.+)$")


@lru_cache(maxsize=65536)  # pure; an evaluation asks for each document's parts once per rule
def parse_code(code: str) -> tuple[str, str, str | None]:
    """``24-CT/TU`` → ``("24", "CT", "TU")``; ``215/KH-UBND`` → ``("215", "KH", "UBND")``;
    a partial ``24-CT`` → ``("24", "CT", None)``; anything else → ``(code, "", None)``."""
    c = _SPACES.sub("", (code or "").upper())
    m = _PARTY.match(c)
    if m:
        return m.group(1), m.group(2), m.group(3)
    m = _GOV.match(c)
    if m:
        return m.group(1), m.group(2), m.group(3)
    return c, "", None


def is_full_code(code: str) -> bool:
    """True when the code names its issuer (a partial ``24-CT`` does not)."""
    return parse_code(code)[2] is not None


def partial_of(code: str) -> str | None:
    """The partial form that matches this Party code: ``24-CT/TU`` → ``24-CT``; None for other forms."""
    c = _SPACES.sub("", (code or "").upper())
    m = _PARTY.match(c)
    return f"{m.group(1)}-{m.group(2)}" if m and m.group(3) else None


# documents.type words (ANNOTATION.md) → the abbreviations used in codes and in alerts.yaml: the engine's table
TYPE_ABBREV = TYPE_CODES


def type_abbrev(t: str) -> str:
    """``chi_thi`` or ``ct`` → ``CT``; ``QD`` → ``QĐ``."""
    t = (t or "").strip()
    if t.lower() in TYPE_ABBREV:
        return TYPE_ABBREV[t.lower()]
    u = t.upper().replace("Đ", "D")
    return {"QD": "QĐ", "DA": "ĐA"}.get(u, u)
