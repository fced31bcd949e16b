#!/usr/bin/env python3
"""Check the labelled extraction corpus (tests/corpus/*/*.json) against ANNOTATION.md.

usage: .venv/bin/python tests/corpus/validate.py [FILES_OR_DIRS...]   (default: every set beside this file)

Stdlib plus the installed `vietnamadminunits` package (only for its SQLite dataset). Exit status 1 when any error is
found; warnings are printed but do not fail the run.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import sys
import unicodedata
from pathlib import Path

import vietnamadminunits

HERE = Path(__file__).resolve().parent
DATASET = Path(vietnamadminunits.__file__).resolve().parent / "data" / "dataset.db"
REFORM = dt.date(2025, 7, 1)  # two-level administration starts

KEYS = {"id", "url", "source", "title", "published", "text", "events", "documents", "notes"}
# tests/corpus/real/: the index of a real article, without its third-party text or title (issue #9)
INDEX_KEYS = {
    "id",
    "url",
    "source",
    "published",
    "query",
    "events",
    "documents",
    "notes",
    "text_sha1",
    "text_len",
}
REAL_TEXTS = HERE.parents[1] / ".real-study"  # where the texts are rebuilt locally (git ignores it)
REAL_ID = re.compile(r"rs-[a-z]-\d{3}")
EVENT_KEYS = {"unit", "unit_type", "district", "province", "directives", "date", "kind", "attendees"}
DOC_KEYS = {"code", "type", "issuer", "issued", "subject"}
OPTIONAL_DOC_KEYS = {"issuer_unit"}  # issue #10: whose numbering the code is (a unit name, "trung ương" or null)
UNIT_TYPES = {
    "xa": "xã",
    "phuong": "phường",
    "thi_tran": "thị trấn",
    "quan": "quận",
    "huyen": "huyện",
    "thi_xa": "thị xã",
    "thanh_pho_thuoc_tinh": "thành phố",
    "tinh": "tỉnh",
    "thanh_pho_tw": "thành phố",
    "other": None,
}
COMMUNE = {"xa": "Xã", "phuong": "Phường", "thi_tran": "Thị trấn"}
DISTRICT = {"quan": "Quận", "huyen": "Huyện", "thi_xa": "Thị xã", "thanh_pho_thuoc_tinh": "Thành phố"}
KINDS = {"quan_triet", "trien_khai", "so_ket", "tong_ket", "sinh_hoat", "other"}
DOC_TYPES = {
    "chi_thi", "nghi_quyet", "ket_luan", "ke_hoach", "quy_dinh", "quyet_dinh", "huong_dan",
    "thong_bao", "chuong_trinh", "thong_tri", "de_an", "cong_van", "other",
}  # fmt: skip
# letters of the Party code type and the document type they imply (QĐ is either quy_dinh or quyet_dinh)
CODE_TYPE = {
    "CT": {"chi_thi"}, "NQ": {"nghi_quyet"}, "KL": {"ket_luan"}, "KH": {"ke_hoach"},
    "QĐ": {"quy_dinh", "quyet_dinh"}, "QĐI": {"quy_dinh"}, "HD": {"huong_dan"}, "TB": {"thong_bao"}, "CTR": {"chuong_trinh"},
    "TT": {"thong_tri"}, "ĐA": {"de_an"},
}  # fmt: skip
PARTY_CODE = re.compile(r"^\d+[A-Z]?-(CT|NQ|KL|KH|QĐI|QĐ|HD|TB|CTR|TT|ĐA|BC|CV)(/[A-ZĐ0-9]+(-[A-ZĐ0-9]+)*)?$")
GOV_CODE = re.compile(r"^\d+(/\d{4})?/[A-ZĐ0-9]+(-[A-ZĐ0-9]+)*$")
REFERENCE = re.compile(
    r"(?:Chỉ thị|Nghị quyết|Kết luận|Kế hoạch|Quy định|Quyết định|Hướng dẫn|Thông báo(?: kết luận)?|"
    r"Chương trình(?: hành động)?|Đề án|Thông tri)\s+(?:số\s+)?(\d+)(?![\d/])",
    re.IGNORECASE,
)
CODE_IN_TEXT = re.compile(
    r"\b\d+\s*[-–]\s*[A-Za-zĐđ]{2,3}\s*/\s*[A-ZĐƯ][A-ZĐƯ0-9-]*|\b\d+(?:/\d{4})?/[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9][A-Za-zĐđ0-9]*)*"
)
MARKS = "\u0300\u0301\u0303\u0309\u0323"
# word-final oa/oe/uy with the tone on the second vowel; "quý" (qu + y) is not a diphthong and is left alone
OLD_TONE = re.compile(r"(?<![qQ])([oO](?=[aAeE])|[uU](?=[yY]))(\w)([" + MARKS + r"])(?=$|[^\w\u0300-\u036f])")


def old_tone(s: str) -> bool:
    """True when a word ends in oa/oe/uy with the tone on the second vowel (uỷ, hoà): the old placement."""
    return bool(OLD_TONE.search(unicodedata.normalize("NFD", s)))


def fold(s: str) -> str:
    """Case-fold, NFC and modern tone placement, for comparing names with article text."""
    s = unicodedata.normalize("NFD", s or "")
    s = OLD_TONE.sub(r"\1\3\2", s)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s).casefold())


def iso(v: object) -> dt.date | None:
    if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        return None


def norm_code(c: str) -> str:
    return unicodedata.normalize("NFC", c).upper().replace(" ", "").replace("/TƯ", "/TW")


# Units that existed at an article's date but that the dataset (its legacy table is mid-2025, after the
# 2019-2025 mergers) does not list; each was checked against the article naming it.
KNOWN_BEFORE_DATASET = [
    {
        "type": "phuong",
        "name": "Nghi Hương",
        "district": "Cửa Lò",
        "province": "Nghệ An",
    },  # merged into Vinh, 2025
    {
        "type": "phuong",
        "name": "Nghi Hòa",
        "district": "Cửa Lò",
        "province": "Nghệ An",
    },  # merged into Cửa Lò, 2025
    {"type": "xa", "name": "Vĩnh Lập", "district": "Thanh Hà", "province": "Hải Dương"},  # merged, 2025
    {
        "type": "tinh",
        "name": "Thừa Thiên Huế",
        "district": None,
        "province": "Thừa Thiên Huế",
    },  # until 2025-01
    {"type": "xa", "name": "Hà Vị", "district": "Bạch Thông", "province": "Bắc Kạn"},  # into xã Quân Hà, 2020
]


class Gazetteer:
    """Legacy (3-level, before 2025-07-01) and current (2-level) units from the vietnamadminunits dataset."""

    def __init__(self, path: Path = DATASET) -> None:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        # "Yên Viên (Xã)" -> "Yên Viên"; numbered units are written with their type word: "Phường 4" -> "4"
        paren = re.compile(r"\s*\(.*\)$")
        numbered = re.compile(r"^(?:Phường|Quận|Xã|Thị trấn)\s+(?=\d+$)")

        class strip:  # noqa: N801 - a stand-in with the regex's sub() signature
            @staticmethod
            def sub(_repl: str, name: str) -> str:
                return numbered.sub("", paren.sub("", name))

        self.old_wards: set[tuple] = set()
        self.old_districts: set[tuple] = set()
        self.old_provinces: dict[str, str] = {}
        for prov, pshort, dshort, dtype, wshort, wtype in con.execute(
            "SELECT province, provinceShort, districtShort, districtType, wardShort, wardType FROM admin_units_legacy"
        ):
            self.old_provinces[pshort] = prov
            self.old_districts.add((pshort, dshort, dtype))
            if dshort and strip.sub("", dshort) != dshort:  # "Quận 1" is also known as "quận 1" (name "1")
                self.old_districts.add((pshort, strip.sub("", dshort), dtype))
            if wshort:
                self.old_wards.add((pshort, dshort, strip.sub("", wshort), wtype))
        for w in KNOWN_BEFORE_DATASET:  # units of their time that the dataset (mid-2025) no longer lists
            if w["type"] == "tinh":
                self.old_provinces[w["province"]] = f"Tỉnh {w['province']}"
            else:
                self.old_wards.add((w["province"], w["district"], w["name"], COMMUNE[w["type"]]))
        self.new_wards: set[tuple] = set()
        self.new_provinces: dict[str, str] = {}
        for prov, pshort, wshort, wtype in con.execute(
            "SELECT province, provinceShort, wardShort, wardType FROM admin_units"
        ):
            self.new_provinces[pshort] = prov
            self.new_wards.add((pshort, strip.sub("", wshort), wtype))
        con.close()

    def check(self, ev: dict, on: dt.date) -> list[str]:
        """Errors for an event's unit/district/province at date `on`."""
        errs = []
        ut, unit, dist, prov = ev["unit_type"], ev["unit"], ev["district"], ev["province"]
        legacy = on < REFORM
        provinces = self.old_provinces if legacy else self.new_provinces
        era = "legacy" if legacy else "2025"
        if prov is not None and prov not in provinces:
            errs.append(f"province {prov!r} not in the {era} dataset")
        if ut == "other":
            return errs
        word = UNIT_TYPES[ut]
        name = unit[len(word) + 1 :]
        if ut in COMMUNE:
            if legacy:
                if dist is not None and (prov, dist, name, COMMUNE[ut]) not in self.old_wards:
                    errs.append(f"{unit!r} not in district {dist!r}, {prov} (legacy dataset)")
                if dist is None and not any(
                    w[0] == prov and w[2] == name and w[3] == COMMUNE[ut] for w in self.old_wards
                ):
                    errs.append(f"{unit!r} not found in {prov} (legacy dataset)")
            else:
                if dist is not None:
                    errs.append(f"district must be null for a 2-level unit ({unit!r} on {on})")
                if (prov, name, COMMUNE[ut]) not in self.new_wards:
                    errs.append(f"{unit!r} not in {prov} (2025 dataset)")
        elif ut in DISTRICT:
            if not legacy:
                errs.append(f"district-level unit {unit!r} no longer exists on {on}")
            elif (prov, name, DISTRICT[ut]) not in self.old_districts:
                errs.append(f"{unit!r} not a {DISTRICT[ut]} of {prov} (legacy dataset)")
            if dist is not None:
                errs.append("district must be null for a district-level unit")
        else:  # tinh / thanh_pho_tw
            if name != prov:
                errs.append(f"province-level unit {unit!r} but province {prov!r}")
            full = provinces.get(name, "")
            want = "Tỉnh" if ut == "tinh" else "Thành phố"
            if not full.startswith(want):
                errs.append(f"{unit!r} is {full!r} in the {era} dataset, not unit_type {ut}")
            if dist is not None:
                errs.append("district must be null for a province-level unit")
        return errs


def check_file(path: Path, gz: Gazetteer) -> tuple[list[str], list[str]]:
    errs: list[str] = []
    warns: list[str] = []
    try:
        raw = path.read_bytes().decode("utf-8")
        rec = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return [f"cannot load: {e}"], warns
    index = isinstance(rec, dict) and set(rec) == INDEX_KEYS
    if not isinstance(rec, dict) or (set(rec) != KEYS and not index):
        got = set(rec) if isinstance(rec, dict) else type(rec).__name__
        return [f"keys {got} != {sorted(KEYS)}"], warns
    real = bool(REAL_ID.fullmatch(path.stem))
    if not real and not re.fullmatch(r"\d{3}_[a-z0-9-]+", path.stem):
        errs.append("file name must be <nnn>_<slug>.json (or rs-<batch>-<nnn>.json for a real article)")
    if rec["id"] != path.stem:
        errs.append(f"id {rec['id']!r} != file stem")
    if index:
        if not (isinstance(rec["text_sha1"], str) and re.fullmatch(r"[0-9a-f]{40}", rec["text_sha1"])):
            errs.append("text_sha1 must be 40 hex digits")
        if not isinstance(rec["text_len"], int) or rec["text_len"] <= 0:
            errs.append("text_len must be a positive integer")
        if not isinstance(rec["query"], str) or len(rec["query"].split()) < 2:
            errs.append("query must be a few words that find the article again")
        rebuilt = REAL_TEXTS / path.name
        text = json.loads(rebuilt.read_text(encoding="utf-8"))["text"] if rebuilt.exists() else None
    else:
        text = rec["text"]
    if text is None:  # an index whose text is not rebuilt here: the checks that need the text are skipped
        text, ftext = None, None
    elif not isinstance(text, str) or not text.strip():
        return errs + ["empty text"], warns
    else:
        words = len(text.split())
        if not 150 <= words <= 2000 and not real:
            warns.append(f"{words} words")
        ftext = fold(text)
    pub = iso(rec["published"])
    if rec["published"] is not None and pub is None:
        errs.append(f"published {rec['published']!r} not ISO")
    labels = {k: v for k, v in rec.items() if k != "text"}
    for s in _strings(labels):
        if s != unicodedata.normalize("NFC", s):
            errs.append(f"label not NFC: {s[:40]!r}")
    docs = rec["documents"]
    codes: list[str] = []
    if not isinstance(docs, list):
        return errs + ["documents must be a list"], warns
    for d in docs:
        if not isinstance(d, dict) or not DOC_KEYS <= set(d) <= DOC_KEYS | OPTIONAL_DOC_KEYS:
            errs.append(f"document keys: {d}")
            continue
        iu = d.get("issuer_unit")
        if iu is not None and (not isinstance(iu, str) or iu != unicodedata.normalize("NFC", iu) or not iu.strip()):
            errs.append(f"issuer_unit must be a non-empty NFC string or null: {iu!r}")
        c = d["code"]
        if c != norm_code(c) or "–" in c or "—" in c:
            errs.append(f"code not normalised: {c!r}")
        if not (PARTY_CODE.match(c) or GOV_CODE.match(c)):
            errs.append(f"code shape: {c!r}")
        if c in codes:
            errs.append(f"document listed twice: {c}")
        codes.append(c)
        if d["type"] not in DOC_TYPES:
            errs.append(f"{c}: type {d['type']!r}")
        m = PARTY_CODE.match(c)
        if m and m.group(1) in CODE_TYPE and d["type"] not in CODE_TYPE[m.group(1)]:
            errs.append(f"{c}: type {d['type']} does not fit the code")
        if d["issued"] is not None and iso(d["issued"]) is None:
            errs.append(f"{c}: issued {d['issued']!r} not ISO")
        if d["issued"] and pub and iso(d["issued"]) and iso(d["issued"]) > pub:
            errs.append(f"{c}: issued after publication")
        num = re.match(r"\d+", c).group(0)
        if text is None:
            continue
        if not re.search(r"(?<!\d)0*" + str(int(num)) + r"(?!\d)", text):
            errs.append(f"{c}: number {num} not in the text")
        for k in ("issuer", "subject"):
            if d[k] is not None and (not isinstance(d[k], str) or d[k] != d[k].strip() or not d[k]):
                errs.append(f"{c}: {k} must be a trimmed non-empty string or null")
            elif d[k] and fold(d[k]) not in ftext:
                warns.append(f"{c}: {k} not written so in the text: {d[k][:50]!r}")
    # every numbered reference in the text should be a labelled document (navigation debris excepted)
    if "debris" not in (rec["notes"] or "") and text is not None:
        nums = {str(int(re.match(r"\d+", c).group(0))) for c in codes}
        ntext = unicodedata.normalize("NFC", text)
        for m in REFERENCE.finditer(ntext):
            if str(int(m.group(1))) not in nums:
                warns.append(f"numbered reference not among the documents: {m.group(0)!r}")
        for m in CODE_IN_TEXT.finditer(ntext):
            c = norm_code(re.sub(r"\s*[-–]\s*", "-", m.group(0)))
            if not any(k == c or c.startswith(k + "/") for k in codes):
                warns.append(f"code in text not among the documents: {m.group(0)!r}")
    events = rec["events"]
    if not isinstance(events, list):
        return errs + ["events must be a list"], warns
    seen = set()
    for e in events:
        if not isinstance(e, dict) or set(e) != EVENT_KEYS:
            errs.append(f"event keys: {e}")
            continue
        u, ut = e["unit"], e["unit_type"]
        tag = f"event {u!r}"
        if ut not in UNIT_TYPES:
            errs.append(f"{tag}: unit_type {ut!r}")
            continue
        word = UNIT_TYPES[ut]
        first = u[len(word) + 1 : len(word) + 2] if word else ""
        shaped = not word or (u.startswith(word + " ") and (first.isupper() or first.isdigit()))
        if not shaped:
            errs.append(f"{tag}: must be '{word} Name' for {ut}")
        if ut == "other" and (not u or not u[0].isupper()):
            errs.append(f"{tag}: a non-territorial unit keeps its own capitalised name")
        if old_tone(u) or (e["district"] and old_tone(e["district"])):
            errs.append(f"{tag}: old tone placement (write ủy, hòa, thủy)")
        if u != u.strip() or "  " in u:
            errs.append(f"{tag}: whitespace")
        if e["kind"] not in KINDS:
            errs.append(f"{tag}: kind {e['kind']!r}")
        d = e["date"]
        day = iso(d)
        if d is not None and day is None:
            errs.append(f"{tag}: date {d!r} not ISO")
        if day and pub and day > pub:
            errs.append(f"{tag}: event after publication")
        a = e["attendees"]
        if a is not None and (not isinstance(a, int) or isinstance(a, bool) or a <= 0):
            errs.append(f"{tag}: attendees {a!r}")
        elif (
            a is not None
            and text is not None
            and not any(
                re.search(r"(?<![\d.])" + re.escape(form) + r"(?![\d.]\d)", text)
                for form in (str(a), f"{a:,}".replace(",", "."), f"{a // 1000} nghìn", f"{a // 1000} ngàn")
            )
        ):
            warns.append(f"{tag}: attendees {a} not written in the text")
        dirs = e["directives"]
        if not dirs:
            errs.append(f"{tag}: an event needs at least one numbered document")
        for c in dirs or []:
            if c != norm_code(c):
                errs.append(f"{tag}: directive not normalised {c!r}")
            if c not in codes and not ("/" not in c and any(k.startswith(c + "/") for k in codes)):
                errs.append(f"{tag}: directive {c} not among the documents")
        if len(set(dirs or [])) != len(dirs or []):
            errs.append(f"{tag}: directive repeated")
        key = (u, d)
        if key in seen:
            errs.append(f"{tag}: two events for the same unit and date")
        seen.add(key)
        on = day or pub
        if on is None:
            warns.append(f"{tag}: no date to choose the era; assumed legacy")
            on = REFORM - dt.timedelta(days=1)
        if shaped and (ut != "other" or e["province"] is not None):
            errs += [f"{tag}: {m}" for m in gz.check(e, on)]
        # a unit or district named only by the source site is deliberate when the notes say so
        from_site = bool(re.search(r"\b(site|portal|url)\b", rec["notes"] or "", re.I))
        core = u[len(word) + 1 :] if word else u
        if text is None:
            continue
        if fold(core) not in ftext and ut not in ("tinh", "thanh_pho_tw") and not from_site:
            src = fold((rec["url"] or "") + " " + (rec["source"] or ""))
            warns.append(f"{tag}: name not in text" + (" (source/url only)" if src else ""))
        if e["district"] and fold(e["district"]) not in ftext and not from_site:
            warns.append(f"{tag}: district {e['district']!r} not in text (from the source site?)")
    if not isinstance(rec["notes"], str):
        errs.append("notes must be a string")
    return errs, warns


def _strings(o: object):
    if isinstance(o, str):
        yield o
    elif isinstance(o, dict):
        for v in o.values():
            yield from _strings(v)
    elif isinstance(o, list):
        for v in o:
            yield from _strings(v)


def main(argv: list[str]) -> int:
    targets = [Path(a) for a in argv] or sorted(
        p for p in HERE.iterdir() if p.is_dir() and list(p.glob("*.json"))
    )
    files = [f for t in targets for f in (sorted(t.glob("*.json")) if t.is_dir() else [t])]
    gz = Gazetteer()
    n_err = n_warn = 0
    ids: dict[str, Path] = {}
    for f in files:
        errs, warns = check_file(f, gz)
        num = f.stem if REAL_ID.fullmatch(f.stem) else f.stem[:3]
        if num in ids:
            errs.append(f"number {num} also used by {ids[num].name}")
        ids[num] = f
        for m in errs:
            print(f"ERROR {f.parent.name}/{f.name}: {m}")
        for m in warns:
            print(f"warn  {f.parent.name}/{f.name}: {m}")
        n_err += len(errs)
        n_warn += len(warns)
    print(f"{len(files)} files, {n_err} errors, {n_warn} warnings")
    return 1 if n_err or not files else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
