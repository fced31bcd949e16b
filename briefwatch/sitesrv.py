"""A real HTTP server on 127.0.0.1 serving fixture sites, with fault injection. Reusable (tests, demo,
benchmarks)::

    from briefwatch.sitesrv import SiteServer
    with SiteServer("tests/fixtures/sites") as srv:      # one port per site directory
        base = srv.base("melinh")                          # "http://127.0.0.1:40123"
        ...
        srv.requests("melinh")                             # [(method, path, status), ...]
        srv.clear()

or from a shell: ``python -m briefwatch.sitesrv tests/fixtures/sites`` (prints the base URLs, serves until
Ctrl-C).

Static files: every sub-directory of the root is one site, served on its own port (so each site has
its own host:port, robots.txt and politeness slot). ``/x/`` serves ``x/index.html``. In text files
(.html .htm .xml .rss .txt .json) ``{{BASE}}`` becomes the site's base URL and ``{{BASE:other}}`` that
of site ``other``. Static responses carry a strong ``ETag`` (content hash) and ``Last-Modified``
(file mtime) and answer ``If-None-Match`` / ``If-Modified-Since`` with 304.

A sidecar ``<file>.meta.json`` changes how one file is served::

    {"content_type": "text/html; charset=utf-8",   # header sent as is (default by extension)
     "encode": "cp1258",                           # transcode the UTF-8 file before sending
     "status": 200, "no_validators": true}

Faults, on every site (``N`` = digits):
    /_fault/500/...            always 500
    /_fault/404/...            always 404
    /_fault/slow/SECS/...      waits SECS seconds, then a small HTML page
    /_fault/truncated/...      Content-Length larger than the body, connection closed (data loss)
    /_fault/cut/...            a 200 page whose HTML stops mid-tag (correct length)
    /_fault/redirect-loop/N    302 to N+1 ... forever (odd/even alternate)
    /_fault/big/MB/...         an MB-megabyte HTML page (declared Content-Length)
    /_fault/bigstream/MB/...   the same without Content-Length (streamed until close)
    /_fault/flaky/K/...        500 for the first K requests of this path, then a small page
    /_fault/empty-feed         a valid RSS feed with no items
    /_fault/broken-feed        a feed that is not XML

Generated site, for benchmarks (newspaper-shaped, deterministic, fresh validators):
    /_gen/N/list/K             listing page K of an N-article site: 50 links, ``a.next`` to page K+1
    /_gen/N/a/bai-viet-I.html  article I (I = 100000 + index), ~2 KB of Vietnamese text
"""

from __future__ import annotations

import email.utils
import functools
import hashlib
import http.server
import json
import mimetypes
import re
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote, urlsplit

TEXT_EXT = {".html", ".htm", ".xml", ".rss", ".txt", ".json", ".atom"}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
SMALL_PAGE = "<html><head><title>ok</title></head><body><p>ok</p></body></html>"
EMPTY_FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>empty</title>
<link>{base}</link><description>no items</description></channel></rss>"""


GEN_PER_PAGE = 50
GEN_ARTICLE = """<html><head><meta charset="utf-8"><title>Bài {i}</title></head><body>
<header><a href="/">Báo</a></header><h1 class="article-title">{title}</h1>
<div class="article-date">{day:02d}/09/2023 - 08:00</div><div class="article-content">{text}</div>
<footer>Bản quyền</footer></body></html>"""
# three shapes of the real study set, in our own words, over Hanoi's real communes and wards of 2023 (so that a
# benchmark stores events, links documents and matches units as production does): a commune's own conference,
# a district's online conference with a commune chairing its site (two events), and a plan (no event)
GEN_SHAPES = (
    (
        "{Unit} quán triệt Chỉ thị số 24-CT/TU",
        "<p>Ngày {day}/9/2023, Đảng ủy {unit} tổ chức hội nghị quán triệt, triển khai thực hiện Chỉ thị số "
        "24-CT/TU, ngày 07/8/2023 của Ban Thường vụ Thành ủy Hà Nội về tăng cường kỷ cương, kỷ luật và trách "
        "nhiệm giải quyết công việc trong hệ thống chính trị cho {n} đảng viên.</p>",
    ),
    (
        "{Committee} {district} triển khai Kế hoạch số 133-KH/TU",
        "<p>Sáng {day}/9/2023, Ban Thường vụ {committee} {district} tổ chức hội nghị trực tuyến triển khai Kế "
        "hoạch số 133-KH/TU của Thành ủy về chuyển đổi số đến các điểm cầu xã, phường, thị trấn.</p>"
        "<p>Tại điểm cầu {unit}, đồng chí Bí thư Đảng ủy chủ trì hội nghị, có {n} cán bộ, đảng viên dự.</p>",
    ),
    (
        "{Unit} ban hành kế hoạch thực hiện Chỉ thị số 24-CT/TU",
        "<p>Đảng ủy {unit} đã ban hành kế hoạch, dự kiến tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU trong "
        "tháng 10/2023; các chi bộ có trách nhiệm chuẩn bị tài liệu cho {n} đảng viên.</p>",
    ),
)
GEN_FILLER = (
    "<p>Tại hội nghị, các đồng chí đảng viên đã được nghe truyền đạt nội dung cơ bản của văn bản, nhận "
    "diện các biểu hiện vi phạm kỷ cương, kỷ luật; các chi bộ xây dựng kế hoạch thực hiện cụ thể.</p>" * 4
)
_COMMITTEES = {"quan": "Quận ủy", "huyen": "Huyện ủy", "thi_xa": "Thị ủy"}


@functools.lru_cache(maxsize=1)
def _gen_units() -> list[tuple[str, str, str]]:
    """(commune name, its district's committee word, the district's name) for Hanoi's units of September 2023."""
    import datetime as dt

    from briefwatch.gazetteer import COMMUNE_LEVEL, DISTRICT_LEVEL, load_gazetteer

    gz = load_gazetteer()
    day = dt.date(2023, 9, 1)
    districts = {u.short: u for u in gz.units(day, "Hà Nội", DISTRICT_LEVEL)}
    return [
        (u.name, _COMMITTEES[d.unit_type], d.short)
        for u in sorted(gz.units(day, "Hà Nội", COMMUNE_LEVEL), key=lambda u: u.code)
        if (d := districts.get(u.district or "")) and d.unit_type in _COMMITTEES
    ]


def gen_article(i: int) -> str:
    """Article ``i`` of the generated site."""
    units = _gen_units()
    unit, committee, district = units[i % len(units)]
    title, text = GEN_SHAPES[(i // len(units) + i) % len(GEN_SHAPES)]
    day = 1 + i % 28
    fill = {"unit": unit, "Unit": unit[0].upper() + unit[1:], "committee": committee, "district": district}
    fill |= {"Committee": committee, "day": day, "n": 50 + i % 250}
    return GEN_ARTICLE.format(i=i, day=day, title=title.format(**fill), text=text.format(**fill) + GEN_FILLER)


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 bytes of Vietnamese text: precomposed where the code page has the letter, else
    base letter (possibly with its hat/horn/breve) plus a combining tone mark, as legacy sites do."""
    import unicodedata

    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        tones = [c for c in decomposed[1:] if c in "\u0300\u0301\u0303\u0309\u0323"]
        others = "".join(c for c in decomposed[1:] if c not in tones)
        base = unicodedata.normalize("NFC", decomposed[0] + others)
        out += (base + "".join(tones)).encode("cp1258", errors="replace")
    return bytes(out)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fixture/1.0"

    def log_message(self, *args) -> None:  # quiet
        pass

    @property
    def site(self) -> SiteServer:
        return self.server.owner  # type: ignore[attr-defined]

    def _send(
        self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", headers: dict | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._log(status)

    def _log(self, status: int) -> None:
        self.site._record(self.server.site_name, self.command, self.path, status, dict(self.headers))  # type: ignore[attr-defined]

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        try:
            if path.startswith("/_fault/"):
                self._fault(path)
            elif path.startswith("/_gen/"):
                self._generated(path)
            else:
                self._static(path)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _fault(self, path: str) -> None:
        parts = path.split("/")[2:]
        kind = parts[0] if parts else ""
        base = self.site.base(self.server.site_name)  # type: ignore[attr-defined]
        if kind in ("500", "404"):
            self._send(int(kind), f"<html><body>error {kind}</body></html>".encode())
        elif kind == "slow":
            time.sleep(float(parts[1]))
            self._send(200, SMALL_PAGE.encode())
        elif kind == "truncated":
            body = ("<html><body><h1>truncated</h1>" + "<p>Nội dung bị cắt giữa chừng.</p>" * 50).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body) * 2))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            self._log(200)
        elif kind == "cut":
            body = "<html><body><h1>Trang bị cắt</h1><div class='content'><p>Đảng ủy xã tổ chức hội nghị qu"
            self._send(200, body.encode())
        elif kind == "redirect-loop":
            n = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            self.send_response(302)
            self.send_header("Location", f"/_fault/redirect-loop/{(n + 1) % 2}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            self._log(302)
        elif kind in ("big", "bigstream"):
            mb = float(parts[1])
            size = int(mb * 1024 * 1024)
            chunk = b"<p>" + "Hội nghị quán triệt ".encode() * 40 + b"</p>\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if kind == "big":
                self.send_header("Content-Length", str(size))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self._log(200)
            sent = 0
            while sent < size:
                piece = chunk[: size - sent]
                self.wfile.write(piece)
                sent += len(piece)
        elif kind == "flaky":
            k = int(parts[1])
            n = self.site._count(self.server.site_name, path)  # type: ignore[attr-defined]
            if n <= k:
                self._send(500, b"<html><body>flaky</body></html>")
            else:
                self._send(200, SMALL_PAGE.encode())
        elif kind == "empty-feed":
            self._send(200, EMPTY_FEED.format(base=base).encode(), "application/rss+xml; charset=utf-8")
        elif kind == "broken-feed":
            self._send(200, b"<rss><channel><item><title>oops</ti", "application/rss+xml; charset=utf-8")
        else:
            self._send(404, b"unknown fault")

    def _generated(self, path: str) -> None:
        parts = path.split("/")[2:]
        n = int(parts[0])
        if parts[1] == "list":
            k = int(parts[2])
            ids = range(k * GEN_PER_PAGE, min(n, (k + 1) * GEN_PER_PAGE))
            links = "".join(
                f'<h3><a href="/_gen/{n}/a/bai-viet-{100000 + i}.html">Bài {i}</a></h3>' for i in ids
            )
            nxt = (
                f'<a class="next" href="/_gen/{n}/list/{k + 1}">Trang sau</a>'
                if (k + 1) * GEN_PER_PAGE < n
                else ""
            )
            body = f"<html><body><div class='list'>{links}</div>{nxt}</body></html>"
        else:
            body = gen_article(int(re.sub(r"\D", "", parts[2])) - 100000)
        etag = '"' + hashlib.sha1(body.encode()).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            self._log(304)
            return
        self._send(200, body.encode(), headers={"ETag": etag})

    def _static(self, path: str) -> None:
        root: Path = self.server.site_root  # type: ignore[attr-defined]
        rel = path.lstrip("/")
        target = (root / rel).resolve()
        if not str(target).startswith(str(root.resolve())):
            self._send(403, b"forbidden")
            return
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file() or target.name.endswith(".meta.json"):
            self._send(404, b"<html><body>not found</body></html>")
            return
        meta_file = target.with_name(target.name + ".meta.json")
        meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
        data = target.read_bytes()
        if target.suffix in TEXT_EXT:
            text = data.decode("utf-8")
            text = re.sub(r"\{\{BASE:([\w-]+)\}\}", lambda m: self.site.base(m.group(1)), text)
            text = text.replace("{{BASE}}", self.site.base(self.server.site_name))  # type: ignore[attr-defined]
            enc = meta.get("encode")
            data = encode_cp1258(text) if enc == "cp1258" else text.encode(enc or "utf-8")
        ctype = (
            meta.get("content_type")
            or TYPES.get(target.suffix)
            or (mimetypes.guess_type(target.name)[0] or "application/octet-stream")
        )
        headers = {}
        if not meta.get("no_validators"):
            etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
            mtime = int(target.stat().st_mtime)
            headers = {"ETag": etag, "Last-Modified": email.utils.formatdate(mtime, usegmt=True)}
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            fresh = False
            if inm is not None:
                fresh = etag in [t.strip() for t in inm.split(",")]
            elif ims:
                try:
                    fresh = email.utils.parsedate_to_datetime(ims).timestamp() >= mtime
                except (TypeError, ValueError):
                    fresh = False
            if fresh:
                self.send_response(304)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self._log(304)
                return
        self._send(int(meta.get("status", 200)), data, ctype, headers)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class SiteServer:
    """Serve every sub-directory of ``root`` as a site on its own 127.0.0.1 port."""

    def __init__(self, root: str | Path, sites: list[str] | None = None):
        self.root = Path(root)
        names = sites or sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))
        )
        self._servers: dict[str, _Server] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._log: list[tuple[str, str, str, int, dict]] = []
        self._counts: dict[tuple[str, str], int] = defaultdict(int)
        for name in names:
            srv = _Server(("127.0.0.1", 0), _Handler)
            srv.owner = self  # type: ignore[attr-defined]
            srv.site_name = name  # type: ignore[attr-defined]
            srv.site_root = self.root / name  # type: ignore[attr-defined]
            self._servers[name] = srv

    def start(self) -> SiteServer:
        for srv in self._servers.values():
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        for srv in self._servers.values():
            srv.shutdown()
            srv.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def base(self, site: str) -> str:
        """``http://127.0.0.1:PORT`` of ``site``."""
        return f"http://127.0.0.1:{self._servers[site].server_address[1]}"

    def render(self, text: str) -> str:
        """``text`` with ``{{BASE:site}}`` replaced by that site's base URL (e.g. a registry template)."""
        return re.sub(r"\{\{BASE:([\w-]+)\}\}", lambda m: self.base(m.group(1)), text)

    @property
    def sites(self) -> list[str]:
        return list(self._servers)

    def _record(self, site: str, method: str, path: str, status: int, headers: dict) -> None:
        with self._lock:
            self._log.append((site, method, path, status, headers))

    def _count(self, site: str, path: str) -> int:
        with self._lock:
            self._counts[(site, path)] += 1
            return self._counts[(site, path)]

    def requests(self, site: str | None = None) -> list[tuple[str, str, int]]:
        """(method, path, status) of every request served so far (to ``site`` only if given)."""
        with self._lock:
            return [(m, p, s) for si, m, p, s, _ in self._log if site is None or si == site]

    def request_headers(self, site: str, path: str) -> list[dict]:
        with self._lock:
            return [h for si, _, p, _, h in self._log if si == site and p == path]

    def clear(self) -> None:
        with self._lock:
            self._log.clear()
            self._counts.clear()


def main(argv: list[str]) -> None:
    root = argv[0] if argv else str(Path(__file__).parent / "fixtures" / "sites")
    with SiteServer(root) as srv:
        for name in srv.sites:
            print(f"{name}\t{srv.base(name)}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main(sys.argv[1:])
