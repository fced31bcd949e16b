"""The labelled extraction corpus stays valid, balanced between dev and holdout, and its validator catches bad labels."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
VALIDATE = HERE / "validate.py"


def _load(split: str) -> list[dict]:
    return [json.loads(f.read_text(encoding="utf-8")) for f in sorted((HERE / split).glob("*.json"))]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(VALIDATE), *args], capture_output=True, text=True, timeout=120)


def test_validator_passes_on_the_corpus():
    p = _run()
    assert p.returncode == 0, p.stdout[-3000:]
    assert " 0 errors" in p.stdout


def test_both_sets_are_large_disjoint_and_similarly_varied():
    dev, hold = _load("dev"), _load("holdout")
    assert len(dev) >= 28 and len(hold) >= 28
    assert not {r["id"][:3] for r in dev} & {r["id"][:3] for r in hold}
    for rs in (dev, hold):
        neg = [r for r in rs if not r["events"]]
        multi = [r for r in rs if len(r["events"]) >= 2]
        new_era = [
            r for r in rs if any((e["date"] or r["published"] or "") >= "2025-07-01" for e in r["events"])
        ]
        nfd = [r for r in rs if r["text"] != unicodedata.normalize("NFC", r["text"])]
        other_prov = [r for r in rs if any(e["province"] not in (None, "Hà Nội") for e in r["events"])]
        kinds = {e["kind"] for r in rs for e in r["events"]}
        assert len(neg) >= 5, "negatives"
        assert len(multi) >= 3, "multi-event articles"
        assert len(new_era) >= 3, "2-level era articles"
        assert len(nfd) >= 2, "NFD texts"
        assert len(other_prov) >= 3, "other provinces"
        assert kinds >= {"quan_triet", "trien_khai", "sinh_hoat", "so_ket", "tong_ket", "other"}, kinds


def test_validator_rejects_bad_labels(tmp_path):
    good = json.loads(next((HERE / "dev").glob("*.json")).read_text(encoding="utf-8"))
    bad = dict(good, id="999_bad")
    bad["documents"] = [
        {"code": "24- CT/TU", "type": "chi_thi", "issuer": None, "issued": "7/8/2023", "subject": None}
    ]
    bad["events"] = [
        {"unit": "xã Tiền Phong", "unit_type": "xa", "district": "Gia Lâm", "province": "Hà Nội",
         "directives": ["24-CT/TU"], "date": "2023-09-29", "kind": "quan_triet", "attendees": 10},
        {"unit": "phường Ngọc Thuỵ", "unit_type": "phuong", "district": "Long Biên", "province": "Hà Nội",
         "directives": ["99-CT/TU"], "date": "2023-09-29", "kind": "hop", "attendees": None},
        {"unit": "huyện Mê Linh", "unit_type": "huyen", "district": None, "province": "Hà Nội",
         "directives": ["24-CT/TU"], "date": "2025-08-01", "kind": "quan_triet", "attendees": None},
    ]  # fmt: skip
    bad["published"] = "2025-09-01"
    f = tmp_path / "999_bad.json"
    f.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    p = _run(str(f))
    assert p.returncode == 1
    for msg in (
        "code not normalised: '24- CT/TU'",
        "issued '7/8/2023' not ISO",
        "'xã Tiền Phong' not in district 'Gia Lâm'",
        "old tone placement",
        "kind 'hop'",
        "directive 99-CT/TU not among the documents",
        "district-level unit 'huyện Mê Linh' no longer exists",
    ):
        assert msg in p.stdout, (msg, p.stdout)


def test_corpus_real_issuer_labels_name_documents_of_those_articles():
    """tests/corpus/corpus-real-issuers.json: {article id: {code: issuer_unit or null}} for ../shared/corpus-real."""
    import json
    import unicodedata
    from pathlib import Path

    here = Path(__file__).parent
    labels = json.loads((here / "corpus-real-issuers.json").read_text(encoding="utf-8"))
    assert labels and all(k.startswith(("hanoi-", "other-")) for k in labels)
    for codes in labels.values():
        for code, unit in codes.items():
            assert code == code.upper().replace(" ", "")
            assert unit is None or (unit.strip() and unit == unicodedata.normalize("NFC", unit))
    shared = here.parent.parent.parent / "shared" / "corpus-real"
    for aid, codes in labels.items():
        f = next(shared.glob(f"**/{aid}.json"), None) if shared.is_dir() else None
        if f is None:
            continue
        listed = {d["code"] for d in json.loads(f.read_text(encoding="utf-8")).get("documents") or []}
        assert set(codes) <= listed, aid
