"""Score extraction against labelled articles (ANNOTATION.md format). Pure functions.

Primary: precision / recall / F1 over (unit, directive) pairs, units compared after case folding and tone
normalisation, a partial code ("24-CT") matching any full code with that number and type. Secondary, per
matched event: date, kind, attendees and district accuracy. Article level: "reports at least one briefing".
Documents: recall of codes and accuracy of issue dates; where the labels give ``issuer_unit`` (issue #10), the
share of found documents whose issuer the engine resolved, the share it got right (a null label matched by a
null answer counts as right) and the precision of the resolved ones.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from briefwatch.docs import normalise_code
from briefwatch.text import key


def code_match(gold: str, pred: str) -> bool:
    g, p = normalise_code(gold), normalise_code(pred)
    return g == p or ("/" not in g and p.startswith(g + "/")) or ("/" not in p and g.startswith(p + "/"))


def pairs(events: Iterable[dict] | None) -> set[tuple[str, str]]:
    return {(key(e.get("unit")), normalise_code(d)) for e in events or [] for d in e.get("directives") or []}


def match_pairs(gold: set, pred: set) -> tuple[int, set, set]:
    pred = set(pred)
    missed = set()
    tp = 0
    for u, g in sorted(gold, key=lambda x: "/" not in x[1]):  # full codes first
        hit = next((x for x in sorted(pred) if x[0] == u and code_match(g, x[1])), None)
        if hit:
            tp += 1
            pred.discard(hit)
        else:
            missed.add((u, g))
    return tp, missed, pred


def _best(ge: dict, pred_events: list[dict]) -> dict | None:
    cands = [pe for pe in pred_events if key(pe.get("unit")) == key(ge.get("unit"))]
    if not cands:
        return None
    gd = ge.get("directives") or []
    return max(
        cands, key=lambda pe: sum(any(code_match(g, d) for d in pe.get("directives") or []) for g in gd)
    )


def score(gold: list[dict], pred: list[dict]) -> dict:
    """Metrics for parallel lists of labelled articles and extractor outputs; ``details`` lists the misses."""
    tp = fp = fn = 0
    art = Counter()
    sec = Counter()
    doc = Counter()
    details = []
    for g, p in zip(gold, pred, strict=True):
        t, missed, extra = match_pairs(pairs(g["events"]), pairs(p.get("events")))
        tp, fp, fn = tp + t, fp + len(extra), fn + len(missed)
        art[(bool(g["events"]), bool(p.get("events")))] += 1
        diffs = []
        for ge in g["events"]:
            pe = _best(ge, p.get("events") or [])
            if pe is None:
                continue
            sec["matched"] += 1
            for f in ("date", "kind", "attendees", "district"):
                gv, pv = ge.get(f), pe.get(f)
                ok = key(gv) == key(pv) if f == "district" else gv == pv
                sec[f] += ok
                if not ok:
                    diffs.append(f"{ge['unit']} {f}: gold={gv!r} got={pv!r}")
        pcodes = [d["code"] for d in p.get("documents") or [] if d.get("code")]
        for gd in g.get("documents") or []:
            doc["gold"] += 1
            pd = next(  # the same code first, else a partial / full one that matches it
                (
                    d
                    for d in p.get("documents") or []
                    if normalise_code(d.get("code") or "") == normalise_code(gd["code"])
                ),
                None,
            ) or next(
                (d for d in p.get("documents") or [] if code_match(gd["code"], d.get("code") or "")), None
            )
            if pd is None:
                diffs.append(f"document missed: {gd['code']}")
                continue
            doc["found"] += 1
            if "issuer_unit" in gd:  # labelled (issue #10): whose numbering the code is
                gi, pi = gd["issuer_unit"], pd.get("issuer_unit")
                doc["issuer_gold"] += 1
                doc["issuer_resolved"] += pi is not None
                doc["issuer_ok"] += key(gi) == key(pi)
                doc["issuer_resolved_ok"] += pi is not None and key(gi) == key(pi)
                if key(gi) != key(pi):
                    diffs.append(f"issuer_unit of {gd['code']}: gold={gi!r} got={pi!r}")
            if gd.get("issued"):
                doc["issued_gold"] += 1
                doc["issued_ok"] += gd["issued"] == pd.get("issued")
        if missed or extra or diffs:
            details.append(
                {
                    "id": g.get("id") or g.get("_file"),
                    "missed": sorted(missed),
                    "extra": sorted(extra),
                    "fields": diffs,
                    "pred_codes": pcodes,
                }
            )
    P = tp / (tp + fp) if tp + fp else 0.0
    R = tp / (tp + fn) if tp + fn else 0.0
    F = 2 * P * R / (P + R) if P + R else 0.0
    m = max(sec["matched"], 1)
    return {
        "articles": len(gold),
        "pair_tp": tp,
        "pair_fp": fp,
        "pair_fn": fn,
        "precision": round(P, 3),
        "recall": round(R, 3),
        "f1": round(F, 3),
        "article_acc": round((art[(True, True)] + art[(False, False)]) / max(len(gold), 1), 3),
        "matched_events": sec["matched"],
        "date_acc": round(sec["date"] / m, 3),
        "kind_acc": round(sec["kind"] / m, 3),
        "attendees_acc": round(sec["attendees"] / m, 3),
        "district_acc": round(sec["district"] / m, 3),
        "doc_recall": round(doc["found"] / max(doc["gold"], 1), 3),
        "doc_issued_acc": round(doc["issued_ok"] / max(doc["issued_gold"], 1), 3),
        "issuer_labelled": doc["issuer_gold"],
        "issuer_resolved": round(doc["issuer_resolved"] / max(doc["issuer_gold"], 1), 3),
        "issuer_acc": round(doc["issuer_ok"] / max(doc["issuer_gold"], 1), 3),
        "issuer_precision": round(doc["issuer_resolved_ok"] / max(doc["issuer_resolved"], 1), 3),
        "details": details,
    }


class LabelError(ValueError):
    """A labelled file that cannot be scored (not JSON, no text, no events), with the file's name."""


def load_labelled(paths: Iterable[str | Path]) -> list[dict]:
    """Labelled articles with their texts. An index without its text (tests/corpus/real) or a broken file is a
    ``LabelError`` naming the file and what is missing."""
    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted(p.glob("*.json")) if p.is_dir() else [p]
    out = []
    for f in files:
        try:
            rec = json.loads(f.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LabelError(f"{f}: not a JSON label file ({exc})") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            hint = " (an index without its text: rebuild the text first, see tests/corpus/real/README.md)"
            raise LabelError(
                f'{f}: no "text" to score' + (hint if isinstance(rec, dict) and "text_sha1" in rec else "")
            )
        if not isinstance(rec.get("events"), list):
            raise LabelError(f'{f}: no "events" list')
        out.append(rec | {"_file": f.name})
    return out


def add_issuer_labels(gold: list[dict], labels: dict[str, dict[str, str | None]]) -> int:
    """Put ``issuer_unit`` labels kept apart ({article id: {code: issuer_unit}}) on the gold documents; returns
    how many were added. A label for a code the article's documents do not list is an error."""
    n = 0
    for g in gold:
        mine = labels.get(g.get("id") or "")
        if not mine:
            continue
        docs = {normalise_code(d["code"]): d for d in g.get("documents") or []}
        for code, unit in mine.items():
            d = docs.get(normalise_code(code))
            if d is None:
                raise LabelError(
                    f"{g.get('id')}: an issuer label for {code}, which its documents do not list"
                )
            d["issuer_unit"] = unit
            n += 1
    return n


def run(gold: list[dict], *, text_only: bool = False) -> list[dict]:
    """Run the engine on labelled articles (as ``briefwatch extract`` would receive them)."""
    from briefwatch.extract import extract_article

    out = []
    for g in gold:
        if text_only:
            out.append(extract_article(g["text"]))
        else:
            out.append(
                extract_article(
                    g["text"],
                    published=g.get("published"),
                    title=g.get("title"),
                    url=g.get("url"),
                    source=g.get("source"),
                    home=g.get("home"),
                )
            )
    return out
