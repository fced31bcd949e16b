"""Benchmark: the whole country on one box (issue #13). Prints numbers; asserts nothing.

    .venv/bin/python benchmarks/bench_nationwide.py                     # 4,000 sources, 1.7M articles, 3M events
    .venv/bin/python benchmarks/bench_nationwide.py --quick             # 200 sources, 20k articles, 40k events
    .venv/bin/python benchmarks/bench_nationwide.py --sources 1000 --articles 200000 --events 350000

1. A fixture server (its own process, so it weighs on neither the timings' process tree nor its memory) hosts
   ``--sources`` small news sites, each on its own loopback address (127.10.x.y, one port), so that per-host
   politeness works as against real sites: half serve an RSS feed, half a listing page; each starts with 3
   articles, and per cycle ``--changed`` of them publish 1-3 new ones (the others answer 304 Not Modified);
   1% answer slowly (8 s), 1% answer 500, 1% serve a broken feed. Articles are shaped like provincial
   reports (a commune of the site's province briefing a directive), so the engine extracts real events.
2. The registry pointing at them (generated YAML, ``schedule: every 2h``, home: the site's province) and the
   rules of the whole country (alerts.yaml format: central directives for every commune and ward of the 34
   provinces, provincial directives for the units under their issuer; one recipient per province).
3. Two daemon cycles: ``Daemon.run_once`` in batch mode (``--batch`` sources per process, ``--concurrency``
   crawled at a time in each, ``--max-crawls`` batch processes at once), default politeness settings (robots.txt,
   AutoThrottle, 1 s delay, 2 requests per host). The second cycle is run as of 3 hours later: every source is
   due again. Peak RSS is that of the whole process tree (this process, the batch processes and their store
   workers; not the fixture server), sampled every 0.2 s from /proc.
4. A 5-year history (2022-2026: the 63 provinces and their districts before July 2025, the 34 provinces and
   3,321 communes after), bulk-inserted: ``--articles`` articles, ``--events`` events, ~4,000 documents, one
   central directive (the busiest) linked by 5% of the events. Then ``alerts.evaluate.evaluate`` is timed cold
   (no state) and again the same day, and ``SELECT * FROM coverage WHERE document = ?`` for the busiest
   directive (median of 5, warm).

The last line is one JSON object: {"sources", "cycle_s", "cycle2_s", "peak_rss_mb", "db_mb", "articles",
"events", ...}. Figures taken on a shared 2-core machine are indicative.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PORT_BASE = 18000
SLOW_SECONDS = 8
TODAY = dt.date(2026, 12, 6)


# --------------------------------------------------------------------------- the sites (pure, shared by both sides)


def addr(i: int) -> str:
    return f"127.10.{i // 250}.{i % 250 + 1}"


def kind(i: int) -> str:
    """'slow' | 'error' | 'broken' | 'ok'; feeds on even sites, listings on odd ones."""
    return {7: "slow", 13: "error", 29: "broken"}.get(i % 100, "ok")


def _h(*parts: object) -> int:
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=4).digest(), "big")


def articles_at(i: int, cycle: int, changed: float) -> int:
    """How many articles site ``i`` has published by ``cycle`` (3 at the first, 1-3 more in some cycles)."""
    n = 3
    for c in range(2, cycle + 1):
        if _h(i, c) % 10_000 < changed * 10_000:
            n += 1 + _h(i, c, "n") % 3
    return n


# --------------------------------------------------------------------------- the fixture server (its own process)


ARTICLE = """<html><head><meta charset="utf-8"><title>{title}</title></head><body>
<header><a href="/">Báo tỉnh</a></header><h1 class="article-title">{title}</h1>
<div class="article-date">{date} - 08:00</div><div class="article-content"><p>{lead}</p>{filler}</div>
<footer>Bản quyền</footer></body></html>"""
FILLER = (
    "<p>Tại hội nghị, các đồng chí đảng viên đã được nghe truyền đạt nội dung cơ bản của văn bản, nhận "
    "diện các biểu hiện vi phạm kỷ cương, kỷ luật; các chi bộ xây dựng kế hoạch thực hiện cụ thể.</p>" * 3
)


class Sites:
    def __init__(self, n: int, changed: float):
        from briefwatch.gazetteer import COMMUNE_LEVEL, load_gazetteer

        self.n, self.changed, self.cycle = n, changed, 1
        units = load_gazetteer().units(TODAY, None, COMMUNE_LEVEL)
        self.provinces = sorted({u.province for u in units})
        self.communes = {p: sorted(u.name for u in units if u.province == p) for p in self.provinces}

    def province(self, i: int) -> str:
        return self.provinces[i % len(self.provinces)]

    def article(self, i: int, k: int) -> str:
        prov = self.province(i)
        communes = self.communes[prov]
        unit = communes[_h(i, k) % len(communes)]
        day = TODAY - dt.timedelta(days=k % 5)
        if k % 3:
            title = f"{unit[0].upper()}{unit[1:]} quán triệt Kết luận số 1-KL/TW"
            lead = (f"Ngày {day.day}/{day.month}/{day.year}, Đảng ủy {unit} tổ chức hội nghị quán triệt, triển khai "
                    f"thực hiện Kết luận số 1-KL/TW của Bộ Chính trị cho {50 + k % 200} đảng viên.")  # fmt: skip
        else:
            title = f"{unit[0].upper()}{unit[1:]} triển khai Chỉ thị số {1 + i % 20}-CT/TU"
            lead = (f"Ngày {day.day}/{day.month}/{day.year}, Đảng ủy {unit} tổ chức hội nghị quán triệt Chỉ thị số "
                    f"{1 + i % 20}-CT/TU của Ban Thường vụ Tỉnh ủy {prov} cho {40 + k % 150} đảng viên.")  # fmt: skip
        return ARTICLE.format(title=title, date=day.strftime("%d/%m/%Y"), lead=lead, filler=FILLER)

    def respond(self, i: int, path: str, inm: str | None) -> tuple[int, str, str, dict]:
        """(status, content type, body, headers) for ``path`` on site ``i``."""
        html = "text/html; charset=utf-8"
        if path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nAllow: /\n", {}
        n = articles_at(i, self.cycle, self.changed)
        base = f"http://{addr(i)}:{self.port}"
        if path in ("/rss.xml", "/tin-tuc"):
            k = kind(i)
            if k == "error":
                return 500, html, "<html><body>error</body></html>", {}
            if k == "broken" and path == "/rss.xml":
                return 200, "application/rss+xml", "<rss><channel><item><title>cut", {}
            etag = f'"{i}-{n}"'
            if inm == etag:
                return 304, html, "", {"ETag": etag}
            latest = range(n, max(0, n - 10), -1)
            if path == "/rss.xml":
                items = "".join(
                    f"<item><title>Bài {k}</title><link>{base}/a/{k}.html</link></item>" for k in latest
                )
                body = f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>s{i}</title><link>{base}/</link><description>d</description>{items}</channel></rss>'
                return 200, "application/rss+xml; charset=utf-8", body, {"ETag": etag}
            links = "".join(f'<li><a href="/a/{k}.html">Bài {k}</a></li>' for k in latest)
            return 200, html, f'<html><body><ul class="list">{links}</ul></body></html>', {"ETag": etag}
        if path.startswith("/a/") and path.endswith(".html") and path[3:-5].isdigit():
            k = int(path[3:-5])
            if 1 <= k <= n:
                return 200, html, self.article(i, k), {}
        return 404, html, "<html><body>not found</body></html>", {}


async def _serve(n: int, port: int, changed: float) -> None:
    sites = Sites(n, changed)
    sites.port = port
    index = {addr(i): i for i in range(n)}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        i = index.get(host, 0)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
                hdrs = {
                    ln.split(":", 1)[0].lower(): ln.split(":", 1)[1].strip() for ln in lines[1:] if ":" in ln
                }
                if kind(i) == "slow" and path in ("/rss.xml", "/tin-tuc"):
                    await asyncio.sleep(SLOW_SECONDS)
                status, ctype, body, extra = sites.respond(i, path, hdrs.get("if-none-match"))
                data = body.encode("utf-8")
                out = [f"HTTP/1.1 {status} X", f"Content-Type: {ctype}", f"Content-Length: {len(data)}"]
                out += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, host=list(index), port=port, backlog=64)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while True:  # stdin: "cycle N" lines
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        if line.startswith("cycle "):
            sites.cycle = int(line.split()[1])
            print(f"cycle {sites.cycle}", flush=True)
    server.close()


class SiteServer:
    """The fixture server as a child process (started with ``--serve``)."""

    def __init__(self, n: int, port: int, changed: float):
        cmd = [sys.executable, __file__, "--serve", str(n), "--port", str(port), "--changed", str(changed)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the fixture server did not start")

    def cycle(self, c: int) -> None:
        self.proc.stdin.write(f"cycle {c}\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == f"cycle {c}"

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --------------------------------------------------------------------------- registry and rules


def registry_yaml(n: int, port: int, provinces: list[str]) -> str:
    out = ["sources:"]
    for i in range(n):
        base = f"http://{addr(i)}:{port}"
        out += [f"  - name: src-{i:04d}", "    family: newspaper", f"    home: {{province: {provinces[i % len(provinces)]}}}"]  # fmt: skip
        if i % 2 == 0:
            out.append(f'    feeds: ["{base}/rss.xml"]')
        else:
            out.append(f'    listings: [{{url: "{base}/tin-tuc", links: ".list a", max_pages: 1}}]')
        out += ["    article: {title: h1.article-title, date: .article-date, body: .article-content}",
                "    schedule: every 2h"]  # fmt: skip
    return "\n".join(out) + "\n"


def rules_yaml(provinces: list[str]) -> str:
    out = [
        "settings: {source_failing_runs: 2}",
        "recipients:",
        "  - {email: national@example.org, scope: {all: true}}",
    ]
    out += [f"  - {{email: p{k}@example.org, scope: {{province: {p}}}}}" for k, p in enumerate(provinces)]
    out += [
        "rules:",
        "  - name: xa-phuong-trung-uong",
        "    documents: {issuer_unit: trung ương, types: [NQ, KL, CT], issued_after: 2025-07-01}",
        "    units: {levels: [xa, phuong, dac_khu], province: null}",  # every province (the default: Hà Nội)
        "    deadline_days: 45",
        "    remind_every_days: 14",
        "  - name: xa-phuong-tinh",
        "    documents: {types: [CT, NQ], issued_after: 2025-07-01}",
        "    units: {levels: [xa, phuong, dac_khu], province: null}",  # every province (the default: Hà Nội)
        "    deadline_days: 30",
        "    remind_every_days: 7",
    ]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- memory of the process tree


class TreeRss:
    """Peak summed RSS of this process and its descendants, except ``exclude`` (pids), sampled in a thread."""

    def __init__(self, exclude: set[int], every: float = 0.2):
        self.exclude, self.every, self.peak, self._stop = exclude, every, 0, threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeRss:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()

    def sample(self) -> int:
        kids: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid = int(d)
            kids.setdefault(int(fields[1]), []).append(pid)
            rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        total, todo = 0, [os.getpid()]
        while todo:
            pid = todo.pop()
            if pid in self.exclude:
                continue
            total += rss.get(pid, 0)
            todo += kids.get(pid, [])
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.sample())
            self._stop.wait(self.every)


# --------------------------------------------------------------------------- the 5-year history


def history(path: Path, n_articles: int, n_events: int, seed: int = 13) -> dict:
    """Bulk-insert 5 years of documents, articles and events (as bench_alerts / bench_coverage do)."""
    from briefwatch.gazetteer import COMMUNE_LEVEL, load_gazetteer
    from briefwatch.text import key
    from db.analysts import coverage_suspended
    from db.connect import open_db

    rnd = random.Random(seed)
    gz = load_gazetteer()
    legacy = [
        (u.name, u.unit_type, u.district, u.province)
        for u in gz.units(dt.date(2024, 1, 1), None, COMMUNE_LEVEL)
    ]
    current = [(u.name, u.unit_type, None, u.province) for u in gz.units(TODAY, None, COMMUNE_LEVEL)]
    provinces_old = sorted({u[3] for u in legacy})
    provinces_new = sorted({u[3] for u in current})
    split = dt.date(2025, 7, 1)
    start = dt.date(2022, 1, 1)
    span = (TODAY - start).days
    db = open_db(path)
    c = db.conn
    c.execute("PRAGMA synchronous = OFF")
    with coverage_suspended(db):  # a bulk load: the analysts' coverage summary is computed once at the end
        c.execute("BEGIN")
        top_doc = c.execute("SELECT COALESCE(MAX(id), 0) FROM documents").fetchone()[0]
        docs = []  # (code, issuer_unit, issuer_province, issued)
        for y in range(2022, 2027):
            for k in range(1, 41):
                issued = dt.date(y, 1, 1) + dt.timedelta(days=(k * 9) % 360)
                docs.append(
                    (f"{k + 100 * (y - 2000)}-{('NQ', 'KL', 'CT')[k % 3]}/TW", "trung ương", None, issued)
                )
            for p in (
                provinces_old if y < 2025 else provinces_new
            ):  # the 63 provinces until 2024, the 34 after
                for k in range(1, 21):
                    issued = dt.date(y, 1, 1) + dt.timedelta(days=(k * 17) % 360)
                    docs.append(
                        (f"{k + 100 * (y - 2000)}-{('CT', 'NQ', 'KH')[k % 3]}/TU", f"tỉnh {p}", p, issued)
                    )
        busiest = "2501-KL/TW"
        docs.append((busiest, "trung ương", None, dt.date(2025, 8, 1)))
        have = {(r[0], r[1] or "") for r in c.execute("SELECT code, issuer_unit FROM documents")}
        docs = [d for d in docs if (d[0], d[1]) not in have]
        c.executemany(
            "INSERT OR IGNORE INTO documents (code, issuer_unit, issuer_key, issuer_province, year, type, issued, subject) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'benchmark')",
            [
                (code, iu, key(iu), ip, d.year, code.split("-")[1].split("/")[0], d.isoformat())
                for code, iu, ip, d in docs
            ],
        )
        rows = c.execute(
            "SELECT id, code, issuer_province, issued FROM documents WHERE id > ?", [top_doc]
        ).fetchall()
        doc_ids = [r[0] for r in rows if r[1] != busiest]
        busy_id = next(r[0] for r in rows if r[1] == busiest)
        by_province: dict[str | None, list[tuple[int, str]]] = {}
        for r in rows:
            by_province.setdefault(r[2], []).append((r[0], r[1]))
        a0 = c.execute("SELECT COALESCE(MAX(id), 0) FROM articles").fetchone()[0]
        c.executemany(
            "INSERT INTO articles (id, url, source, title, published, text, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (a0 + a, f"https://history.example/{a}.html", f"src-{a % 4000:04d}", f"Quán triệt {a % 997}",
                 (start + dt.timedelta(days=a % span)).isoformat(),
                 f"Đảng ủy xã tổ chức hội nghị quán triệt văn bản số {a % 997} cho đảng viên.", "2026-01-01T00:00:00")
                for a in range(1, n_articles + 1)
            ),
        )  # fmt: skip
        e0 = c.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]

        def events():
            for e in range(1, n_events + 1):
                day = start + dt.timedelta(days=rnd.randrange(span))
                u = (legacy if day < split else current)[
                    rnd.randrange(len(legacy if day < split else current))
                ]
                yield (e0 + e, f"h{e}", *u, "quan_triet", day.isoformat(), "2026-01-01T00:00:00")

        c.executemany(
            "INSERT INTO events (id, event_key, unit, unit_type, district, province, kind, date, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            events(),
        )

        def links():
            for e in range(1, n_events + 1):
                if rnd.random() < 0.05:
                    yield (e0 + e, busy_id, busiest)
                    continue
                did = doc_ids[rnd.randrange(len(doc_ids))]
                yield (e0 + e, did, None)
                if rnd.random() < 0.3:
                    yield (e0 + e, doc_ids[rnd.randrange(len(doc_ids))], None)

        code_of = {r[0]: r[1] for r in rows}
        c.executemany(
            "INSERT OR IGNORE INTO event_documents (event_id, document_id, code) VALUES (?, ?, ?)",
            ((e, d, code or code_of[d]) for e, d, code in links()),
        )
        c.executemany(
            "INSERT INTO event_evidence (event_id, article_id) VALUES (?, ?)",
            ((e0 + e, a0 + 1 + e % max(1, n_articles)) for e in range(1, n_events + 1)),
        )
        c.execute("COMMIT")
    c.execute("ANALYZE")
    db.conn.close()
    return {"documents": len(docs), "busiest": busiest}


# --------------------------------------------------------------------------- the run


def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its children that have ended (the crawl processes)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file()) / 2**20


def run(args: argparse.Namespace, tmp: Path) -> dict:
    from alerts.evaluate import evaluate
    from alerts.rules import load_rules
    from briefwatch.daemon import Daemon, DaemonConfig
    from db.connect import open_db

    dbp, reg, rules_path = tmp / "nation.db", tmp / "sources.yaml", tmp / "alerts.yaml"
    out: dict = {"sources": args.sources}
    t = time.perf_counter()
    server = SiteServer(args.sources, args.port, args.changed)
    try:
        from briefwatch.gazetteer import COMMUNE_LEVEL, load_gazetteer

        provinces = sorted({u.province for u in load_gazetteer().units(TODAY, None, COMMUNE_LEVEL)})
        reg.write_text(registry_yaml(args.sources, args.port, provinces), encoding="utf-8")
        rules_path.write_text(rules_yaml(provinces), encoding="utf-8")
        open_db(dbp).conn.close()
        print(f"{args.sources} sites on {addr(0)}..{addr(args.sources - 1)}:{args.port}, registry and rules "
              f"written in {time.perf_counter() - t:.1f} s", flush=True)  # fmt: skip
        cfg = DaemonConfig(
            db=dbp, sources=reg, rules=rules_path, jitter=0, max_crawls=args.max_crawls, crawl_batch=args.batch,
            batch_concurrency=args.concurrency, crawl_timeout=args.timeout, send=False,
            crawl_settings={"LOG_LEVEL": args.log_level},
        )  # fmt: skip
        daemon = Daemon(cfg)
        now = dt.datetime.now(dt.UTC)
        peaks = []
        for cycle in (1, 2):
            server.cycle(cycle)
            cpu0 = _cpu()
            with TreeRss({server.proc.pid}) as rss:
                t = time.perf_counter()
                res = daemon.run_once(now + dt.timedelta(hours=3 * (cycle - 1)))
                el = time.perf_counter() - t
            cpu = _cpu() - cpu0
            peaks.append(rss.peak / 2**20)
            statuses: dict[str, int] = {}
            for s in res["crawls"]:
                statuses[s.get("status")] = statuses.get(s.get("status"), 0) + 1
            db = open_db(dbp)
            new = db.execute(
                "SELECT COALESCE(SUM(new_articles), 0), COALESCE(SUM(events), 0), COALESCE(SUM(requests), 0) "
                "FROM crawl_runs WHERE id IN (SELECT MAX(id) FROM crawl_runs GROUP BY source)"
            ).fetchone()
            db.conn.close()
            print(f"cycle {cycle}: {el:7.1f} s  {len(res['crawls'])} crawls {statuses}  new articles={new[0]} "
                  f"events={new[1]} requests={new[2]}  peak RSS (tree) {peaks[-1]:.0f} MB  CPU {cpu:.0f} s "
                  f"({cpu / el:.2f} cores)", flush=True)  # fmt: skip
            out[f"cycle{cycle}_cpu_s"] = round(cpu, 1)
            secs = sorted(s.get("seconds") or 0 for s in res["crawls"])
            if secs:
                print(f"  seconds per source: median {statistics.median(secs):.1f}, 90th {secs[int(len(secs) * 0.9)]:.1f}, "
                      f"max {secs[-1]:.1f}", flush=True)  # fmt: skip
            out[f"cycle{cycle}_s" if cycle > 1 else "cycle_s"] = round(el, 1)
            out[f"cycle{cycle}_new_articles"] = new[0]
            out[f"cycle{cycle}_ok"] = statuses.get("ok", 0)
        out["peak_rss_mb"] = round(max(peaks))
        out["db_after_cycles_mb"] = round(_mb(dbp), 1)
    finally:
        server.close()
    t = time.perf_counter()
    h = history(dbp, args.articles, args.events)
    print(f"history: {args.articles:,} articles, {args.events:,} events, {h['documents']:,} documents in "
          f"{time.perf_counter() - t:.1f} s", flush=True)  # fmt: skip
    out["history_s"] = round(time.perf_counter() - t, 1)
    out["db_mb"] = round(_mb(dbp), 1)
    db = open_db(dbp)
    out["articles"] = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    out["events"] = db.execute("SELECT count(*) FROM events").fetchone()[0]
    rules = load_rules(rules_path)
    for table in ("alert_states", "outbox", "alert_briefs", "alert_brief_docs"):
        if db[table].exists():
            db.execute(f"DELETE FROM {table}")
    db.conn.commit()
    for label, k in (("cold (no state)", "eval_cold_s"), ("same day again", "eval_same_day_s")):
        t = time.perf_counter()
        s = evaluate(db, rules, TODAY)
        out[k] = round(time.perf_counter() - t, 2)
        print(f"evaluate {label:18s} {out[k]:7.2f} s  triples={s.get('triples')} changed={s.get('changed')}",
              flush=True)  # fmt: skip
    times = []
    for _ in range(5):
        t = time.perf_counter()
        n = len(db.execute("SELECT * FROM coverage WHERE document = ?", [h["busiest"]]).fetchall())
        times.append((time.perf_counter() - t) * 1000)
    out["coverage_busiest_ms"] = round(statistics.median(times), 1)
    out["coverage_rows"] = n
    print(f"coverage of {h['busiest']}: {out['coverage_busiest_ms']} ms (median of 5, {n} rows)", flush=True)
    db.conn.close()
    out["eval_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out["db_mb"] = round(_mb(dbp), 1)
    print(f"database {out['db_mb']} MB", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", type=int, default=4000)
    ap.add_argument("--articles", type=int, default=1_700_000, help="articles of the 5-year history")
    ap.add_argument("--events", type=int, default=3_000_000, help="events of the 5-year history")
    ap.add_argument("--changed", type=float, default=0.25, help="share of sites with new articles per cycle")
    ap.add_argument(
        "--batch", type=int, default=500, help="sources per crawl process (BRIEFWATCH_CRAWL_BATCH)"
    )
    ap.add_argument("--concurrency", type=int, default=32, help="sources at a time in one batch process")
    ap.add_argument("--max-crawls", type=int, default=2, help="batch processes at a time")
    ap.add_argument("--timeout", type=float, default=300, help="seconds allowed per source")
    ap.add_argument("--log-level", default="INFO", help="Scrapy's LOG_LEVEL in the crawl processes")
    ap.add_argument("--port", type=int, default=PORT_BASE + os.getpid() % 1000)
    ap.add_argument("--quick", action="store_true", help="200 sources, 20,000 articles, 40,000 events")
    ap.add_argument("--keep", help="keep the database in this directory")
    ap.add_argument("--json", action="store_true", help="accepted; the JSON line is always printed last")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve is not None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        asyncio.run(_serve(args.serve, args.port, args.changed))
        return 0
    if args.quick:
        args.sources, args.articles, args.events = 200, 20_000, 40_000
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        out = run(args, Path(args.keep))
    else:
        with tempfile.TemporaryDirectory(prefix="bench-nationwide-") as tmp:
            out = run(args, Path(tmp))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
