"""Load and validate ``alerts.yaml`` (env ``BRIEFWATCH_RULES``).

Validated like the source registry: an unknown key is an error; a bad recipient or rule is reported
(``Rules.errors``, logged) and skipped while the good ones load. A file that cannot be read or parsed
raises ``RulesError``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from alerts.keys import type_abbrev

log = logging.getLogger(__name__)

UNIT_TYPES = {
    "xa",
    "phuong",
    "thi_tran",
    "dac_khu",
    "quan",
    "huyen",
    "thi_xa",
    "thanh_pho_thuoc_tinh",
    "tinh",
    "thanh_pho_tw",
}
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class RulesError(Exception):
    """The rules file cannot be used at all (missing, unreadable, not YAML, not a mapping)."""


@dataclass(frozen=True)
class Scope:
    """Which units a recipient hears about. Present-day scopes: ``province``, a list of ``units``,
    ``unit_types``, the documents of one ``issuer_unit``; ``district`` (and ``unit`` with a district) for
    the 3-level era (before July 2025). Given together they all apply."""

    all: bool = False
    district: str | None = None
    unit: str | None = None
    province: str | None = None
    units: tuple[str, ...] = ()
    unit_types: tuple[str, ...] = ()
    issuer_unit: str | None = None

    def describe(self, _: Any = None) -> str:
        """How a digest names the scope (``_``: a gettext function; English when None)."""
        _ = _ or (lambda s: s)
        if self.all:
            return _("all units")
        parts = []
        if self.unit:
            parts.append(self.unit + (f" ({self.district})" if self.district else ""))
        elif self.district:
            parts.append(_("district {name}").format(name=self.district))
        if self.units:
            parts.append(
                ", ".join(self.units) if len(self.units) <= 6 else _("{n} units").format(n=len(self.units))
            )
        if self.province:
            parts.append(self.province)
        if self.unit_types:
            parts.append("/".join(self.unit_types))
        if self.issuer_unit:
            parts.append(_("documents of {issuer}").format(issuer=self.issuer_unit))
        return " · ".join(parts)


@dataclass(frozen=True)
class Recipient:
    email: str
    scope: Scope
    name: str | None = None
    rules: tuple[str, ...] | None = None  # None: every rule


@dataclass(frozen=True)
class DocumentFilter:
    issuers: tuple[str, ...] = ()  # code suffixes (TU, QU, HU, UBND) or issuer text
    types: tuple[str, ...] = ()  # code abbreviations (CT, NQ, KH)
    issued_after: dt.date | None = None  # on or after
    issued_before: dt.date | None = None  # on or before
    codes: tuple[str, ...] = ()  # explicit list (upper case)
    issuer_units: tuple[
        str, ...
    ] = ()  # issuing bodies (documents.issuer_unit): thành phố Hà Nội, quận Cầu Giấy


@dataclass(frozen=True)
class UnitFilter:
    levels: tuple[str, ...]
    province: str | None = "Hà Nội"
    districts: tuple[str, ...] = ()
    units: tuple[str, ...] = ()  # only these units (names as in the gazetteer: phường Hoàn Kiếm)


@dataclass(frozen=True)
class Rule:
    name: str
    documents: DocumentFilter
    units: UnitFilter
    deadline_days: int
    remind_every_days: int | None = None
    district_conference_covers_communes: bool = False


@dataclass(frozen=True)
class Settings:
    source_failing_runs: int = 2  # a source whose last N finished runs all failed is "failing"
    max_attempts: int = 6  # outbox: dead-letter after this many failed sends
    backoff_seconds: int = 60  # first retry delay; doubles each time
    base_url: str | None = None  # optional link to the datasette instance in digests
    language: str = "vi"  # digests and operator notices: vi (default) or en
    digest_max_kb: int = 100  # a digest as sent stays under this (KB): webmail clips ~100 KB


@dataclass
class Rules:
    recipients: list[Recipient] = field(default_factory=list)
    operators: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    errors: list[str] = field(default_factory=list)
    path: str | None = None

    def rule(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)


class _Bad(ValueError):
    pass


def _keys(d: Any, where: str, allowed: set[str], required: set[str] = frozenset()) -> dict:
    if not isinstance(d, dict):
        raise _Bad(f"{where}: expected a mapping, got {type(d).__name__}")
    unknown = sorted(set(map(str, d)) - allowed)
    if unknown:
        raise _Bad(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")
    missing = sorted(required - set(d))
    if missing:
        raise _Bad(f"{where}: missing key(s) {', '.join(missing)}")
    return d


def _str_list(v: Any, where: str) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise _Bad(f"{where}: expected a string or a list of strings")
    return tuple(x.strip() for x in v)


def _date(v: Any, where: str) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        raise _Bad(f"{where}: not an ISO date: {v!r}") from None


def _int(v: Any, where: str, *, minimum: int = 0, optional: bool = False) -> int | None:
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise _Bad(f"{where}: expected an integer >= {minimum}, got {v!r}")
    return v


_SCOPE_KEYS = {"all", "district", "unit", "province", "units", "unit_types", "issuer_unit"}


def _scope(v: Any, where: str) -> Scope:
    d = _keys(v, where, _SCOPE_KEYS)
    if d.get("all") is True and len(d) == 1:
        return Scope(all=True)
    if "all" in d:
        raise _Bad(f"{where}: 'all' must be true and alone")
    names = {k: d.get(k) for k in ("district", "unit", "province", "issuer_unit")}
    for k, x in names.items():
        if x is not None and (not isinstance(x, str) or not x.strip()):
            raise _Bad(f"{where}.{k}: expected a name")
    units = _str_list(d.get("units"), f"{where}.units")
    types = _str_list(d.get("unit_types"), f"{where}.unit_types")
    bad = sorted(set(types) - UNIT_TYPES)
    if bad:
        raise _Bad(
            f"{where}.unit_types: unknown unit type(s) {bad} (allowed: {', '.join(sorted(UNIT_TYPES))})"
        )
    if not any(names.values()) and not units and not types:
        raise _Bad(
            f"{where}: give {{all: true}}, {{province: NAME}}, {{units: [NAMES]}}, {{unit_types: [TYPES]}}, "
            "{issuer_unit: NAME}, or for the 3-level era {district: NAME} / {unit: NAME}"
        )
    scope = Scope(
        **{k: (x.strip() if x else None) for k, x in names.items()},
        units=units,
        unit_types=types,
    )
    _check_names(
        where,
        units=((scope.unit,) if scope.unit else ()) + units,
        districts=(scope.district,) if scope.district else (),
        provinces=(scope.province,) if scope.province else (),
        issuers=(scope.issuer_unit,) if scope.issuer_unit else (),
    )
    return scope


def _check_names(
    where: str,
    *,
    units: tuple[str, ...] = (),
    districts: tuple[str, ...] = (),
    provinces: tuple[str, ...] = (),
    issuers: tuple[str, ...] = (),
) -> None:
    """Every name must be known to the gazetteer (either era): an unknown one is this entry's error, with the
    closest known names (``Me Linh: unknown unit; did you mean xã Mê Linh?``)."""
    from alerts import names as nm
    from briefwatch.gazetteer import load_gazetteer

    gz = load_gazetteer()
    errors = [
        e
        for e in (
            [nm.unit_error(x, gz) for x in units]
            + [nm.district_error(x, gz) for x in districts]
            + [nm.province_error(x, gz) for x in provinces]
            + [nm.issuer_unit_error(x, gz) for x in issuers]
        )
        if e
    ]
    if errors:
        raise _Bad(f"{where}: " + "; ".join(errors))


def _recipient(v: Any, where: str) -> Recipient:
    d = _keys(v, where, {"email", "scope", "name", "rules"}, {"email", "scope"})
    email = d["email"]
    if not isinstance(email, str) or not _EMAIL.match(email.strip()):
        raise _Bad(f"{where}.email: not an email address: {email!r}")
    rules = _str_list(d.get("rules"), f"{where}.rules") or None
    name = d.get("name")
    if name is not None and not isinstance(name, str):
        raise _Bad(f"{where}.name: expected a string")
    return Recipient(email=email.strip(), scope=_scope(d["scope"], f"{where}.scope"), name=name, rules=rules)


def _rule(v: Any, where: str) -> Rule:
    d = _keys(
        v,
        where,
        {
            "name",
            "documents",
            "units",
            "deadline_days",
            "remind_every_days",
            "district_conference_covers_communes",
        },
        {"name", "documents", "units", "deadline_days"},
    )
    name = d["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise _Bad(f"{where}.name: letters, digits, '-', '_', '.' only, got {name!r}")
    dd = _keys(
        d["documents"],
        f"{where}.documents",
        {"issuer", "issuer_unit", "types", "issued_after", "issued_before", "codes"},
    )
    if not dd:
        raise _Bad(
            f"{where}.documents: give at least one of issuer, issuer_unit, types, issued_after, issued_before, codes"
        )
    docs = DocumentFilter(
        issuers=tuple(
            x.upper() if len(x) <= 8 else x for x in _str_list(dd.get("issuer"), f"{where}.documents.issuer")
        ),
        types=tuple(type_abbrev(x) for x in _str_list(dd.get("types"), f"{where}.documents.types")),
        issued_after=_date(dd.get("issued_after"), f"{where}.documents.issued_after"),
        issued_before=_date(dd.get("issued_before"), f"{where}.documents.issued_before"),
        codes=tuple(
            x.upper().replace(" ", "") for x in _str_list(dd.get("codes"), f"{where}.documents.codes")
        ),
        issuer_units=_str_list(dd.get("issuer_unit"), f"{where}.documents.issuer_unit"),
    )
    ud = _keys(d["units"], f"{where}.units", {"levels", "province", "districts", "units"}, {"levels"})
    levels = _str_list(ud.get("levels"), f"{where}.units.levels")
    bad = sorted(set(levels) - UNIT_TYPES)
    if bad or not levels:
        raise _Bad(
            f"{where}.units.levels: unknown unit type(s) {bad} (allowed: {', '.join(sorted(UNIT_TYPES))})"
        )
    province = ud.get("province", "Hà Nội")
    if province is not None and not isinstance(province, str):
        raise _Bad(f"{where}.units.province: expected a name or null")
    units = UnitFilter(
        levels=levels,
        province=province,
        districts=_str_list(ud.get("districts"), f"{where}.units.districts"),
        units=_str_list(ud.get("units"), f"{where}.units.units"),
    )
    _check_names(
        where,
        units=units.units,
        districts=units.districts,
        provinces=(province,) if province else (),
        issuers=docs.issuer_units,
    )
    covers = d.get("district_conference_covers_communes", False)
    if not isinstance(covers, bool):
        raise _Bad(f"{where}.district_conference_covers_communes: expected true or false")
    remind = _int(d.get("remind_every_days"), f"{where}.remind_every_days", minimum=1, optional=True)
    return Rule(
        name=name,
        documents=docs,
        units=units,
        deadline_days=_int(d["deadline_days"], f"{where}.deadline_days"),
        remind_every_days=remind,
        district_conference_covers_communes=covers,
    )


def _settings(v: Any) -> Settings:
    d = _keys(
        v or {},
        "settings",
        {"source_failing_runs", "max_attempts", "backoff_seconds", "base_url", "language", "digest_max_kb"},
    )
    base = d.get("base_url")
    if base is not None and not (isinstance(base, str) and base.startswith(("http://", "https://"))):
        raise _Bad("settings.base_url: expected an http(s) URL")
    language = d.get("language", "vi")
    if language not in ("vi", "en"):
        raise _Bad(f"settings.language: vi or en, got {language!r}")
    return Settings(
        source_failing_runs=_int(d.get("source_failing_runs", 2), "settings.source_failing_runs", minimum=1),
        max_attempts=_int(d.get("max_attempts", 6), "settings.max_attempts", minimum=1),
        backoff_seconds=_int(d.get("backoff_seconds", 60), "settings.backoff_seconds", minimum=1),
        base_url=base,
        language=language,
        digest_max_kb=_int(d.get("digest_max_kb", 100), "settings.digest_max_kb", minimum=20),
    )


def parse_rules(data: Any, path: str | None = None) -> Rules:
    """Validate parsed YAML; bad entries go to ``errors`` (and the log) and are skipped."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RulesError(f"{path or 'rules'}: the top level must be a mapping")
    out = Rules(path=path)

    def bad(msg: str) -> None:
        out.errors.append(msg)
        log.error("alerts rules: %s", msg)

    unknown = sorted(set(map(str, data)) - {"recipients", "operators", "rules", "settings"})
    if unknown:
        bad(
            f"unknown top-level key(s) {', '.join(unknown)} (allowed: operators, recipients, rules, settings)"
        )
    try:
        out.settings = _settings(data.get("settings"))
    except _Bad as exc:
        bad(str(exc))
    ops = data.get("operators") or []
    if not isinstance(ops, list):
        bad("operators: expected a list of email addresses")
        ops = []
    for i, op in enumerate(ops):
        email = op.get("email") if isinstance(op, dict) and set(op) == {"email"} else op
        if isinstance(email, str) and _EMAIL.match(email.strip()):
            out.operators.append(email.strip())
        else:
            bad(f"operators[{i}]: not an email address: {op!r}")
    for key, parse, target in (("recipients", _recipient, out.recipients), ("rules", _rule, out.rules)):
        items = data.get(key) or []
        if not isinstance(items, list):
            bad(f"{key}: expected a list")
            continue
        for i, item in enumerate(items):
            try:
                target.append(parse(item, f"{key}[{i}]"))
            except _Bad as exc:
                bad(str(exc))
    seen: set[str] = set()
    for r in list(out.rules):
        if r.name in seen:
            bad(f"rules: duplicate rule name {r.name!r} (the later one is skipped)")
            out.rules.remove(r)
        seen.add(r.name)
    for rc in out.recipients:
        for name in rc.rules or ():
            if name not in seen:
                bad(f"recipients: {rc.email} names an unknown rule {name!r}")
    return out


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings: a bad date (2023-13-01) is then one entry's error, not a crash."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str):
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def load_rules(path: str | os.PathLike | None = None) -> Rules:
    """Read ``path`` (else $BRIEFWATCH_RULES, else alerts.yaml)."""
    p = Path(path or os.environ.get("BRIEFWATCH_RULES") or "alerts.yaml")
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"cannot read the rules file {p}: {exc.strerror or exc}") from exc
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"{p}: not valid YAML: {exc}") from exc
    return parse_rules(data, str(p))
