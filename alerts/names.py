"""Check the unit, district and province names of alerts.yaml and sources.yaml against the gazetteer (issue #11).

A name that matches no unit of either era is an error that suggests the closest known names, so that a
recipient written ``Me Linh`` or ``Mê Lin`` is refused at load time instead of silently receiving nothing.
Names are compared by ``briefwatch.text.key`` (case and tone placement do not matter, accents do);
suggestions compare names without any diacritics. Pure functions over a ``Gazetteer``.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Any

from briefwatch.gazetteer import DISTRICT_LEVEL, PROVINCE_LEVEL
from briefwatch.text import key
from briefwatch.units import TYPE_WORDS, TYPED_NAME


def _fold(s: str) -> str:
    from db.analysts import fold

    return " ".join(fold(s).split())


@lru_cache(maxsize=8)
def _choices(gz: Any, kind: str) -> dict[str, str]:
    """folded name → display name, for suggestions."""
    if kind == "unit":
        names = {u.name for u in gz.all}
    elif kind == "district":
        names = {u.short for u in gz.all if u.unit_type in DISTRICT_LEVEL}
    else:
        names = {u.province for u in gz.all}
    return {_fold(n): n for n in sorted(names)}


def suggest(name: str, gz: Any, kind: str, n: int = 3) -> list[str]:
    """The known names closest to ``name`` (same letters without diacritics first)."""
    choices = _choices(gz, kind)
    f = _fold(name)
    exact = [v for k, v in choices.items() if k == f or k.endswith(" " + f)]
    if exact:  # the same letters without their accents: those, and only those
        return exact[:n]
    close = [choices[k] for k in difflib.get_close_matches(f, list(choices), n=n, cutoff=0.75)]
    out: list[str] = []
    for x in exact + close:
        if x not in out:
            out.append(x)
    return out[:n]


def _message(name: str, gz: Any, kind: str) -> str:
    hint = suggest(name, gz, kind)
    what = {"unit": "unknown unit", "district": "unknown district", "province": "unknown province"}[kind]
    return f"{name}: {what}" + (f"; did you mean {' or '.join(hint)}?" if hint else "")


def unit_error(name: str, gz: Any) -> str | None:
    """None when ``name`` (type word + name: ``xã Mê Linh``) is a unit of either era, else the error."""
    m = TYPED_NAME.match(key(name))
    if m:
        word, short = m.group(1), name.strip()[len(m.group(1)) :].strip()
        if gz.find(short, types=TYPE_WORDS[word]):
            return None
    return _message(name, gz, "unit")


def district_error(name: str, gz: Any) -> str | None:
    """None when ``name`` (``Mê Linh`` or ``huyện Mê Linh``) is a district of the 3-level era."""
    m = TYPED_NAME.match(key(name))
    short = name.strip()[len(m.group(1)) :].strip() if m else name
    if gz.find(short, types=DISTRICT_LEVEL):
        return None
    return _message(name, gz, "district")


def province_error(name: str, gz: Any) -> str | None:
    """None when ``name`` (``Hà Nội``, ``tỉnh Nghệ An``, ``TP.HCM``) is a province or centrally-run city."""
    m = TYPED_NAME.match(key(name))
    short = name.strip()[len(m.group(1)) :].strip() if m else name
    if gz.find(short, types=PROVINCE_LEVEL) or key(short) in {key(p) for p in gz.province_names}:
        return None
    return _message(name, gz, "province")


def issuer_unit_error(name: str, gz: Any) -> str | None:
    """An issuer unit is ``trung ương``, a unit (type word + name) or an agency's name (not checked)."""
    if key(name) == "trung ương" or not TYPED_NAME.match(key(name)):
        return None
    return unit_error(name, gz)
