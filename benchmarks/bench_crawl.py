"""Crawl benchmark against the local fixture server (tests/sitesrv.py, generated site /_gen/).

    .venv/bin/python benchmarks/bench_crawl.py [--pages 10000] [--concurrency 16]

Prints, for the same URLs in the same run:
  * pages/s of a bare Scrapy spider (follows listing links and next pages, does nothing else),
  * pages/s of ``scrapy crawl newspaper`` with the full pipeline (selectors, validation, extraction
    engine, SQLite store), and without the engine (``BRIEFWATCH_EXTRACT=0``), and their ratio to the
    bare spider (goal >= 0.8),
  * the peak RSS of the largest process, and the peak RSS and PSS summed over the whole process tree (crawl,
    extraction worker; PSS counts shared libraries once), goal: whole tree < 300 MB for 10,000 pages; growth
    per 1,000 pages is the difference of two runs (--pages 2000 and 10000) over 8,
  * the requests of a second, unchanged crawl (goal: robots.txt + the first listing page only),
  * pages/s of what a user would write without briefwatch: the same crawl, each article through trafilatura
    (text) and htmldate (date) into one SQLite row committed at once, in the crawl process; briefwatch's
    pages/s over that spider's (goal >= 1.5).
Politeness (AutoThrottle, delays) is off for all; the bare spider gets the same concurrency.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sitesrv import GEN_PER_PAGE, SiteServer  # noqa: E402

BARE_SPIDER = textwrap.dedent(
    """
    import scrapy

    class Bare(scrapy.Spider):
        name = "bare"

        def __init__(self, start=None, **kw):
            super().__init__(**kw)
            self.start_url = start

        async def start(self):
            yield scrapy.Request(self.start_url, callback=self.parse_listing)

        def parse_listing(self, response):
            for href in response.css("h3 a::attr(href)").getall():
                yield response.follow(href, callback=self.parse_article)
            nxt = response.css("a.next::attr(href)").get()
            if nxt:
                yield response.follow(nxt, callback=self.parse_listing)

        def parse_article(self, response):
            return None
    """
)

# what a user would write without briefwatch (#13's comparison): the same crawl, each article through
# trafilatura (text) and htmldate (date), one SQLite row per article committed at once, all in the crawl process
NAIVE_SPIDER = textwrap.dedent(
    """
    import sqlite3

    import htmldate
    import trafilatura
    from bare import Bare  # the same listing walk (bare.py, written beside this file)

    class Naive(Bare):
        name = "naive"

        def __init__(self, start=None, db=None, **kw):
            super().__init__(start=start, **kw)
            self.con = sqlite3.connect(db)
            self.con.execute(
                "CREATE TABLE IF NOT EXISTS articles (url TEXT PRIMARY KEY, title TEXT, published TEXT, text TEXT)"
            )

        def parse_article(self, response):
            text = trafilatura.extract(response.text, url=response.url)
            published = htmldate.find_date(response.text)
            title = response.css("h1::text").get()
            self.con.execute(
                "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?)", (response.url, title, published, text)
            )
            self.con.commit()

        def closed(self, reason):
            self.con.close()
    """
)

RUSAGE = (
    "import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode; "
    "print('MAXRSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True); sys.exit(rc)"
)


def _tree_kb(root: int) -> tuple[int, int]:
    """(RSS, PSS) in KB summed over ``root`` and all its descendants, read from /proc (Linux). RSS counts the
    shared libraries once per process; PSS shares them out, so its sum is what the tree really holds."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", encoding="ascii", errors="replace") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        children.setdefault(ppid, []).append(int(d))
    rss = pss = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


def _stored(db: Path) -> dict[str, int]:
    """What the full pipeline wrote: articles, events, documents linked to events, distinct units."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "articles": one("SELECT COUNT(*) FROM articles"),
            "events": one("SELECT COUNT(*) FROM events"),
            "event documents": one("SELECT COUNT(*) FROM event_documents"),
            "units": one("SELECT COUNT(DISTINCT unit) FROM events"),
        }
    finally:
        con.close()


def measured(cmd: list[str], env: dict, cwd: Path) -> tuple[float, int, float, float, float]:
    """Run ``cmd`` under a tiny wrapper; return (elapsed s from Scrapy stats, responses, peak RSS MB of the
    largest process, peak RSS and PSS MB of the whole process tree: crawl, extraction worker, children)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", RUSAGE, *cmd],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak_tree = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree, peak_pss
        while not done.wait(0.2):
            rss, pss = _tree_kb(proc.pid)
            peak_tree, peak_pss = max(peak_tree, rss), max(peak_pss, pss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        sys.stderr.write(stderr[-3000:])
        raise SystemExit(f"crawl failed: {' '.join(cmd)}")
    elapsed = float(re.search(r"'elapsed_time_seconds': ([\d.]+)", stderr).group(1))
    responses = int(re.search(r"'downloader/response_count': (\d+)", stderr).group(1))
    rss = int(re.search(r"MAXRSS (\d+)", stdout).group(1)) / 1024
    return elapsed, responses, rss, peak_tree / 1024, peak_pss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=10000, help="articles of the generated site")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--json", action="store_true", help="accepted; the JSON line is always printed last")
    args = ap.parse_args()
    n = args.pages
    listing_pages = -(-n // GEN_PER_PAGE)
    common = {
        "AUTOTHROTTLE_ENABLED": "0",
        "DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS": str(args.concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(args.concurrency),
        "CONCURRENT_ITEMS": "16",  # briefwatch's setting, given to the bare spider too (fair comparison)
        "LOG_LEVEL": "INFO",
        "LOGSTATS_INTERVAL": "0",
        "TELNETCONSOLE_ENABLED": "0",
    }
    sargs = [x for k, v in common.items() for x in ("-s", f"{k}={v}")]
    with tempfile.TemporaryDirectory() as tmpd, SiteServer(Path(tmpd), sites=["bench"]) as srv:
        tmp = Path(tmpd)
        (tmp / "bench").mkdir()
        base = srv.base("bench")
        start = f"{base}/_gen/{n}/list/0"
        registry = tmp / "sources.yaml"
        registry.write_text(
            json.dumps(
                {
                    "sources": [
                        {
                            "name": "bench",
                            "family": "newspaper",
                            "home": {"district": "Mê Linh"},
                            "listings": [{"url": start, "max_pages": listing_pages + 1}],
                            "article": {
                                "title": "h1.article-title",
                                "date": ".article-date",
                                "body": ".article-content",
                            },
                        }
                    ]
                }
            ),
            encoding="utf-8",
        )
        (tmp / "bare.py").write_text(BARE_SPIDER, encoding="utf-8")
        (tmp / "naive.py").write_text(NAIVE_SPIDER, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFWATCH_", "SCRAPY_"))}
        results = {}

        srv.clear()
        results["bare scrapy spider"] = measured(
            [
                sys.executable,
                "-m",
                "scrapy",
                "runspider",
                str(tmp / "bare.py"),
                "-a",
                f"start={start}",
                *sargs,
            ],
            env,
            tmp,
        )
        srv.clear()
        naive_db = tmp / "naive.db"
        results["scrapy+trafilatura+htmldate"] = measured(
            [
                sys.executable,
                "-m",
                "scrapy",
                "runspider",
                str(tmp / "naive.py"),
                "-a",
                f"start={start}",
                "-a",
                f"db={naive_db}",
                *sargs,
            ],
            env,
            tmp,
        )
        naive_stored = (
            sqlite3.connect(naive_db).execute("SELECT COUNT(*), COUNT(text) FROM articles").fetchone()
        )
        if naive_stored[0] != n or not naive_stored[1]:
            raise SystemExit(f"the scrapy+trafilatura+htmldate spider stored {naive_stored} of {n} articles")
        for label, extract in (("briefwatch (no engine)", "0"), ("briefwatch (full pipeline)", "1")):
            dbp = tmp / f"bench-{extract}.db"
            e = {
                **env,
                "BRIEFWATCH_DB": str(dbp),
                "BRIEFWATCH_SOURCES": str(registry),
                "SCRAPY_SETTINGS_MODULE": "briefwatch.settings",
            }
            cmd = [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                "newspaper",
                "-a",
                "source=bench",
                *sargs,
                "-s",
                f"BRIEFWATCH_EXTRACT={extract}",
            ]
            results[label] = measured(cmd, e, ROOT)
            last = (cmd, e)
            if extract == "1":
                stored = _stored(dbp)
                if not all(stored.values()):
                    raise SystemExit(f"the full pipeline stored nothing of some kind: {stored}")
        srv.clear()
        cmd, e = last
        measured(cmd, e, ROOT)
        second = srv.requests("bench")

    bare_rate = results["bare scrapy spider"][1] / results["bare scrapy spider"][0]
    print(f"generated site: {n} articles + {listing_pages} listing pages, concurrency {args.concurrency}")
    print(
        f"{'crawler':30} {'responses':>9} {'seconds':>8} {'pages/s':>8} {'vs bare':>8} {'peak RSS MB':>12} "
        f"{'tree RSS MB':>11} {'tree PSS MB':>11}"
    )
    for label, (elapsed, responses, rss, tree, pss) in results.items():
        rate = responses / elapsed
        print(
            f"{label:30} {responses:9d} {elapsed:8.1f} {rate:8.1f} {rate / bare_rate:8.2f} {rss:12.0f} "
            f"{tree:11.0f} {pss:11.0f}"
        )
    print("full pipeline stored: " + ", ".join(f"{v} {k}" for k, v in stored.items()))
    print(f"second unchanged crawl: {len(second)} requests: {', '.join(f'{p} {s}' for _, p, s in second)}")
    ours = results["briefwatch (full pipeline)"]
    naive = results["scrapy+trafilatura+htmldate"]
    print(
        f"briefwatch vs scrapy+trafilatura+htmldate+sqlite3: {(ours[1] / ours[0]) / (naive[1] / naive[0]):.2f}x "
        f"(goal >= 1.5x; that spider stored {naive_stored[0]} articles, {naive_stored[1]} with a text)"
    )
    summary = {
        "pages": n,
        "bare_pps": round(bare_rate, 1),
        "ours_pps": round(ours[1] / ours[0], 1),
        "ratio": round(ours[1] / ours[0] / bare_rate, 3),
        "naive_pps": round(naive[1] / naive[0], 1),
        "vs_naive": round((ours[1] / ours[0]) / (naive[1] / naive[0]), 3),
        "second_crawl_requests": len(second),
        "peak_rss_mb": round(ours[3]),  # the whole process tree
        "peak_pss_mb": round(ours[4]),
        **{k.replace(" ", "_"): v for k, v in stored.items()},
    }
    print(json.dumps(summary))  # last, one line: runs can be compared


if __name__ == "__main__":
    main()
