"""Run every benchmark for a few rounds and print min / median / max of each figure (issue #14).

    .venv/bin/python benchmarks/run_all.py                 # 3 rounds of each, at full size (tens of minutes)
    .venv/bin/python benchmarks/run_all.py --rounds 1 --quick   # smaller inputs, a smoke run (a few minutes)
    .venv/bin/python benchmarks/run_all.py --only crawl,alerts

Each benchmark runs as its own process (so one's memory does not weigh on the next) and prints one JSON line
last; this script collects those lines, fails when a benchmark fails or reports zero events, documents or
matched units, and ends with one JSON line: {"bench": {"key": [min, median, max], ...}, ...}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# name → (script, full-size args, quick args)
BENCHES: dict[str, tuple[str, list[str], list[str]]] = {
    "extract": ("bench_extract.py", ["--json", "--rounds", "5"], ["--json", "--rounds", "2"]),
    "hostile": ("bench_hostile.py", ["--json"], ["--json"]),
    "crawl": ("bench_crawl.py", ["--json"], ["--json", "--pages", "1500"]),
    "memory": ("bench_memory.py", [], ["--pages", "3000"]),  # over its 2,000-page warm-up
    "coverage": ("bench_coverage.py", ["--json"], ["--json", "--events", "100000", "--repeat", "3"]),
    "alerts": ("bench_alerts.py", ["--json"], ["--json", "--events", "100000"]),
    "store": ("bench_store.py", ["--json"], ["--json", "--events", "50000", "--articles", "1000"]),
    "nationwide": ("bench_nationwide.py", ["--json", "--concurrency", "64"], ["--json", "--quick"]),
}
# a benchmark whose JSON has one of these at zero did not exercise the production paths
MUST_BE_POSITIVE = ("events", "documents", "units_matched", "event_documents", "stored_events")


def last_json(out: str) -> dict:
    for line in reversed(out.strip().splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            return json.loads(line)
    raise ValueError("no JSON line at the end of the output")


def run(name: str, quick: bool) -> dict:
    script, full, small = BENCHES[name]
    cmd = [sys.executable, str(HERE / script), *(small if quick else full)]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent)
    try:
        figures = last_json(p.stdout)
    except ValueError:
        figures = None
    # a benchmark exits 1 when its goal is not met: a figure to report, not a crash
    if figures is None or (p.returncode != 0 and figures.get("ok") is not False):
        raise RuntimeError(f"{name}: exit {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    zero = [k for k in MUST_BE_POSITIVE if k in figures and not figures[k]]
    if zero:
        raise RuntimeError(f"{name}: {', '.join(zero)} is zero: the benchmark did not do the real work")
    figures["wall_s"] = round(time.monotonic() - t0, 1)
    return figures


def _flat(d: dict) -> dict:
    """Numeric figures, nested ones (extract's ratio by set) as ``key.sub``."""
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update({f"{k}.{s}": x for s, x in v.items()})
        else:
            out[k] = v
    return out


def summarise(rounds: list[dict]) -> dict[str, list[float]]:
    rounds = [_flat(r) for r in rounds]
    keys = [k for k, v in rounds[0].items() if isinstance(v, int | float) and not isinstance(v, bool)]
    out = {}
    for k in keys:
        vals = [r[k] for r in rounds if isinstance(r.get(k), int | float)]
        out[k] = [min(vals), round(statistics.median(vals), 3), max(vals)]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--quick", action="store_true", help="smaller inputs (a smoke run, not the README figures)"
    )
    ap.add_argument("--only", help="comma-separated names: " + ", ".join(BENCHES))
    args = ap.parse_args(argv)
    names = args.only.split(",") if args.only else list(BENCHES)
    unknown = sorted(set(names) - set(BENCHES))
    if unknown:
        ap.error(f"unknown benchmark(s): {', '.join(unknown)}")
    result: dict[str, dict] = {}
    failed = False
    for name in names:
        rounds = []
        for i in range(args.rounds):
            try:
                rounds.append(run(name, args.quick))
            except (RuntimeError, ValueError) as exc:
                print(f"FAILED {exc}", flush=True)
                failed = True
                break
            print(f"{name} round {i + 1}/{args.rounds}: {json.dumps(rounds[-1])}", flush=True)
        if rounds:
            result[name] = summarise(rounds)
            for k, (lo, med, hi) in result[name].items():
                print(f"  {name:<9} {k:<22} min {lo:<10} median {med:<10} max {hi}", flush=True)
    print(json.dumps(result))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
