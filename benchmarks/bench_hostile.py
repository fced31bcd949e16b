"""Benchmark: what one hostile article costs (issue #12, item 10). The same briefing sentence repeated 1k, 2k, 4k
and 8k times, on separate lines and on one line, and an 18 MB line: extraction time must grow linearly with the
length (each doubling about doubles the time), and anything over the engine's limit is refused at once.

Run: .venv/bin/python benchmarks/bench_hostile.py [--json]
"""

from __future__ import annotations

import argparse
import json
import time

from briefwatch.extract import ArticleTooLarge, extract_article

SENTENCE = "Ngày 12/9/2023, Đảng ủy phường Phúc Đồng tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU cho 150 đảng viên."


def timed(text: str) -> float:
    t = time.perf_counter()
    try:
        extract_article(text)
    except ArticleTooLarge:
        pass
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    extract_article(SENTENCE)  # gazetteer loaded once, outside the timings
    res: dict = {}
    for sep, name in (("\n", "lines"), (" ", "one_line")):
        for n in (1000, 2000, 4000, 8000):
            text = sep.join([SENTENCE] * n)
            res[f"{name}_{n}_s"] = round(timed(text), 3)
            print(f"{n:5d} sentences ({len(text) / 1e6:.2f} M chars, {name}): {res[f'{name}_{n}_s']:.3f} s")
    res["line_18mb_s"] = round(timed("a " * 9_000_000), 3)
    print(f"one 18 MB line (refused by the size limit): {res['line_18mb_s']:.3f} s")
    if a.json:
        print(json.dumps(res))


if __name__ == "__main__":
    main()
