"""Benchmark: `extract_article` throughput on realistic 5-10 KB articles, compared in the same run with
trafilatura's `extract()` (text extraction alone) on the same articles' HTML; and the gazetteer load time.

Run: .venv/bin/python benchmarks/bench_extract.py [--rounds N]
Goal (issue #2): our whole extraction costs no more per article than trafilatura's text extraction alone;
gazetteer load under 1 s.
"""

from __future__ import annotations

import argparse
import html
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"


def article_sets() -> dict[str, list[str]]:
    """The benchmark's articles by set: the five real seeds (long and dense), the real articles whose texts were
    rebuilt locally (tests/corpus/real/README.md), and the synthetic corpus. Short ones are repeated paragraphs
    of themselves up to a realistic 5-10 KB."""
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    if not seeds:
        sys.exit(f"no seed articles in {SEEDS}: the benchmark needs ../shared/seeds")
    synthetic = []
    for p in sorted((ROOT / "tests" / "corpus").glob("*/*.json")):
        rec = json.loads(p.read_text(encoding="utf-8"))
        if "text" in rec:  # tests/corpus/real holds indexes without their third-party texts
            synthetic.append(rec["text"])
    real = [
        json.loads(p.read_text(encoding="utf-8"))["text"]
        for folder in (ROOT / ".real-texts", ROOT / ".real-study")
        for p in sorted(folder.glob("*.json"))
    ]
    out = {"seeds": seeds * 8, "real": real, "synthetic": synthetic}  # the seeds eight times: a dense set
    for name, texts in out.items():
        padded = []
        for t in texts:
            while len(t.encode()) < 5000:
                t = t + "\n\n" + t
            padded.append(t[:10000])
        out[name] = padded
    return {k: v for k, v in out.items() if v}


def articles() -> list[str]:
    return [t for texts in article_sets().values() for t in texts]


def as_html(text: str) -> str:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    title, body = lines[0], lines[1:]
    nav = "".join(f'<li><a href="/muc-{i}">Chuyên mục {i}</a></li>' for i in range(30))
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in body)
    return (
        f"<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<script>var x=1;</script><style>.a{color:red}</style></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main><article><h1>{html.escape(title)}</h1>"
        f"<div class='date'>30/09/2023 | 11:16</div><div class='content'>{paras}</div></article></main>"
        f"<aside><ul>{nav}</ul></aside><footer>Cổng thông tin điện tử</footer></body></html>"
    )


def timed(fns: dict, rounds: int) -> dict:
    """Per-article time of each function, rounds interleaved (so machine noise hits all alike), best round."""
    best = {name: float("inf") for name in fns}
    for _ in range(rounds):
        for name, (fn, items) in fns.items():
            t0 = time.perf_counter()
            for it in items:
                fn(it)
            best[name] = min(best[name], (time.perf_counter() - t0) / len(items))
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--json", action="store_true", help="End with one JSON line of the figures.")
    a = ap.parse_args()
    load = subprocess.run(
        [
            sys.executable,
            "-c",
            "import time;t=time.perf_counter();from briefwatch.gazetteer import load_gazetteer;"
            "g=load_gazetteer();print(time.perf_counter()-t, len(g.all))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    import trafilatura

    from briefwatch.extract import extract_article
    from briefwatch.gazetteer import load_gazetteer

    load_gazetteer()
    texts = articles()
    pages = [as_html(t) for t in texts]
    kb = statistics.mean(len(t.encode()) for t in texts) / 1024
    for p in pages[:3]:  # warm up
        trafilatura.extract(p)
        extract_article(html=p)
    res = timed(
        {
            "traf": (trafilatura.extract, pages),
            "html": (lambda p: extract_article(html=p), pages),
            "text": (extract_article, texts),
        },
        a.rounds,
    )
    t_traf, t_ours_html, t_ours_text = res["traf"], res["html"], res["text"]
    print(f"articles: {len(texts)} (mean {kb:.1f} KB of text each), best of {a.rounds} interleaved rounds")
    print(f"gazetteer load (fresh process): {float(load[0]) * 1000:.0f} ms for {load[1]} units")
    print(f"trafilatura.extract(html):      {t_traf * 1000:7.2f} ms/article  ({1 / t_traf:6.0f} articles/s)")
    print(
        f"briefwatch extract_article(html): {t_ours_html * 1000:7.2f} ms/article  ({1 / t_ours_html:6.0f} articles/s)"
    )
    print(
        f"briefwatch extract_article(text): {t_ours_text * 1000:7.2f} ms/article  ({1 / t_ours_text:6.0f} articles/s)"
    )
    print(f"ratio ours(html)/trafilatura: {t_ours_html / t_traf:.2f} (goal <= 1.00)")
    sets = article_sets()
    per_set = {}
    fns = {}
    for name, texts in sets.items():
        html = [as_html(t) for t in texts]
        fns[f"{name}:traf"] = (trafilatura.extract, html)
        fns[f"{name}:ours"] = (lambda p: extract_article(html=p), html)
    best = timed(fns, a.rounds)
    for name, texts in sets.items():
        r = best[f"{name}:ours"] / best[f"{name}:traf"]
        per_set[name] = round(r, 3)
        print(
            f"  {name:<10} {len(texts):4d} articles: ours {best[f'{name}:ours'] * 1000:5.2f} ms, "
            f"trafilatura {best[f'{name}:traf'] * 1000:5.2f} ms, ratio {r:.2f}"
        )
    if a.json:
        print(json.dumps({"articles": len(texts_all := articles()), "ours_ms": round(t_ours_html * 1000, 3),
                          "traf_ms": round(t_traf * 1000, 3), "ratio": round(t_ours_html / t_traf, 3),
                          "ratio_by_set": per_set, "mean_kb": round(kb, 1), "n": len(texts_all)}))  # fmt: skip


if __name__ == "__main__":
    main()
