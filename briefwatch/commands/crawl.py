"""``briefwatch crawl [SOURCE...]``: each source's crawl as its own ``scrapy crawl`` process.

``run_crawl`` is the unit a scheduler calls: it creates the ``crawl_runs`` row ('running') before the
subprocess starts and passes its id (``BRIEFWATCH_RUN_ID``), so a crawl killed at any point leaves a
row that is closed here ('timeout', 'killed', 'failed') or, if this process died too, by the next run
of the source ('killed'). The subprocess runs in its own process group, killed as a whole on timeout.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import click
import sqlite_utils

from briefwatch.commands import writer
from briefwatch.sources import Registry, RegistryError, load_registry

SUMMARY_KEYS = (
    "source",
    "run_id",
    "status",
    "requests",
    "new_articles",
    "events",
    "errors",
    "fallback_share",
)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def run_crawl(
    source_name: str,
    db_path: str | os.PathLike,
    sources_path: str | os.PathLike,
    timeout: float = 1800,
    *,
    settings: dict[str, str] | None = None,
    on_line: Callable[[str], None] | None = None,
    log_path: str | os.PathLike | None = None,
    kill_grace: float = 10.0,
) -> dict:
    """Crawl one registry source in a ``python -m scrapy crawl`` subprocess; return its summary.

    The summary has ``source, run_id, status, requests, new_articles, events, errors, fallback_share,
    seconds, returncode, log_tail`` (status: ok | failed | killed | timeout | error). ``settings`` are
    extra Scrapy settings (``-s NAME=VALUE``); ``on_line`` receives each log line as it comes. On
    timeout the process group gets SIGTERM (Scrapy closes cleanly and records its stats), then SIGKILL
    after ``kill_grace`` seconds.
    """
    from db import locks, store
    from db.connect import open_db

    db_path, sources_path = Path(db_path).resolve(), Path(sources_path).resolve()
    started = time.monotonic()
    base = {"source": source_name, "run_id": None, "seconds": 0.0, "returncode": None, "log_tail": []}
    try:
        registry = load_registry(sources_path)
    except RegistryError as exc:
        return {**base, "status": "error", "error": str(exc)}
    src = registry.get(source_name)
    if src is None:
        bad = [e for e in registry.errors if f"({source_name})" in e]
        return {**base, "status": "error", "error": bad[0] if bad else f"unknown source {source_name!r}"}
    try:
        lock_fd = locks.acquire(db_path, source_name)
    except locks.SourceBusy as exc:
        return {**base, "status": "busy", "error": str(exc)}
    db = open_db(db_path)
    try:
        run_id = store.start_run(db, source_name, _utcnow())
        env = _env(db_path, sources_path, [run_id])
        cmd = [sys.executable, "-m", "scrapy", "crawl", src.family, "-a", f"source={source_name}"]
        for k, v in (settings or {}).items():
            cmd += ["-s", f"{k}={v}"]
        tail: collections.deque[str] = collections.deque(maxlen=40)
        proc, reader, log_file = _spawn(cmd, env, (lock_fd,), tail, on_line, log_path)
        status = None
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            status = "timeout"
            store.close_run(db, run_id, "timeout", _utcnow())  # first: the crawl's own closing keeps it
            _kill_group(proc, kill_grace)
        except BaseException:  # Ctrl-C or SIGTERM: a stop we asked for; do not leave the crawl running
            store.close_run(db, run_id, "stopped", _utcnow())
            _kill_group(proc, kill_grace)
            raise
        _end_pump(reader, log_file)
        rc = proc.returncode
        if status is None and rc != 0:
            status = "killed" if rc < 0 else "failed"
        if status:
            store.close_run(db, run_id, status, _utcnow())
        else:
            store.close_run(db, run_id, "failed", _utcnow())  # exited 0 without recording: failed
        row = store.get_run(db, run_id) or {}
    finally:
        db.conn.close()
        os.close(lock_fd)
    out = {k: row.get(k) for k in SUMMARY_KEYS if k in row}
    return {
        **base,
        **out,
        "source": source_name,
        "run_id": run_id,
        "seconds": round(time.monotonic() - started, 2),
        "returncode": rc,
        "log_tail": list(tail),
    }


def run_batch(
    names: list[str],
    db_path: str | os.PathLike,
    sources_path: str | os.PathLike,
    timeout: float = 1800,
    *,
    settings: dict[str, str] | None = None,
    concurrency: int = 8,
    batch_timeout: float | None = None,
    on_line: Callable[[str], None] | None = None,
    on_end: Callable[[dict], None] | None = None,
    log_path: str | os.PathLike | None = None,
    kill_grace: float = 10.0,
    registry: Registry | None = None,
) -> list[dict]:
    """Crawl several registry sources in one ``python -m briefwatch.batch`` process; one summary per source
    (as ``run_crawl``'s, in the order of ``names``).

    Each source gets its lock and its 'running' ``crawl_runs`` row here, before the process starts; the
    process runs at most ``concurrency`` sources at a time, closes a source over ``timeout`` seconds as
    'timeout' and records each run at its close. The whole process gets ``batch_timeout`` seconds (default:
    ``timeout`` per round of ``concurrency`` sources, plus two minutes); past it, it is killed and its rows
    still 'running' are closed 'timeout' (the sources it had started) or 'killed' (those it had not: due
    again at once). Rows it left 'running' when it died are 'killed' (a signal) or 'failed'. ``on_end``
    receives each source's summary as it ends; ``registry``: the registry already read from ``sources_path``.
    A batch of one source is ``run_crawl``.
    """
    from db import locks, store
    from db.connect import open_db

    if len(names) == 1:
        out = run_crawl(names[0], db_path, sources_path, timeout, settings=settings, on_line=on_line,
                        log_path=log_path, kill_grace=kill_grace)  # fmt: skip
        if on_end:
            on_end(out)
        return [out]
    db_path, sources_path = Path(db_path).resolve(), Path(sources_path).resolve()
    started = time.monotonic()
    summaries: dict[str, dict] = {}
    base = {"run_id": None, "seconds": 0.0, "returncode": None, "log_tail": []}
    try:
        registry = registry or load_registry(sources_path)
    except RegistryError as exc:
        return [{**base, "source": n, "status": "error", "error": str(exc)} for n in names]
    fds: dict[str, int] = {}
    db = open_db(db_path)
    try:
        runs: dict[int, str] = {}
        for name in dict.fromkeys(names):
            if registry.get(name) is None:
                bad = [e for e in registry.errors if f"({name})" in e]
                err = bad[0] if bad else f"unknown source {name!r}"
                summaries[name] = {**base, "source": name, "status": "error", "error": err}
                continue
            try:
                fds[name] = locks.acquire(db_path, name)
            except locks.SourceBusy as exc:
                summaries[name] = {**base, "source": name, "status": "busy", "error": str(exc)}
                continue
            runs[store.start_run(db, name, _utcnow())] = name
        if runs:
            _run_batch_process(db, runs, fds, db_path, sources_path, timeout, settings or {}, concurrency,
                               batch_timeout, on_line, on_end, log_path, kill_grace, summaries)  # fmt: skip
    finally:
        db.conn.close()
        for fd in fds.values():
            os.close(fd)
    total = round(time.monotonic() - started, 2)
    return [{"seconds": total, **summaries[n]} for n in names]


def _run_batch_process(
    db, runs: dict[int, str], fds: dict[str, int], db_path: Path, sources_path: Path, timeout: float,
    settings: dict[str, str], concurrency: int, batch_timeout: float | None,
    on_line: Callable[[str], None] | None, on_end: Callable[[dict], None] | None,
    log_path: str | os.PathLike | None, kill_grace: float, summaries: dict[str, dict],
) -> None:  # fmt: skip
    """The batch process of ``run_batch``: start, follow its ``@batch`` lines, time out, close what it left."""
    from briefwatch.batch import MARK
    from db import store

    cmd = [
        sys.executable,
        "-m",
        "briefwatch.batch",
        "--timeout",
        str(timeout),
        "--concurrency",
        str(concurrency),
    ]
    for k, v in settings.items():
        cmd += ["-s", f"{k}={v}"]
    cmd += [f"{name}={run_id}" for run_id, name in runs.items()]
    rounds = -(-len(runs) // max(1, concurrency))
    limit = batch_timeout if batch_timeout is not None else timeout * rounds + 120
    begun: set[int] = set()
    seconds: dict[int, float] = {}
    tail: collections.deque[str] = collections.deque(maxlen=200)

    # the output thread reports each source's end from its own connection
    reader_db = sqlite_utils.Database(sqlite3.connect(db_path, timeout=30, check_same_thread=False))

    def summary(run_id: int, rc: int | None, conn=db) -> dict:
        row = store.get_run(conn, run_id) or {}
        out = {k: row.get(k) for k in SUMMARY_KEYS if k in row}
        name = runs[run_id]
        mine = [ln for ln in tail if name in ln][-40:]
        return {"source": name, **out, "run_id": run_id, "seconds": seconds.get(run_id, 0.0),
                "returncode": rc, "log_tail": mine}  # fmt: skip

    def line(text: str) -> None:
        if text.startswith(MARK + " "):
            parts = text.split()
            run_id = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
            if run_id in runs and parts[1] == "start":
                begun.add(run_id)
            elif run_id in runs and parts[1] == "end" and len(parts) > 3:
                seconds[run_id] = float(parts[3])
                if on_end:
                    on_end(summary(run_id, None, reader_db))
        elif on_line:
            on_line(text)

    proc, reader, log_file = _spawn(cmd, _env(db_path, sources_path, list(runs)), tuple(fds.values()), tail,
                                    line, log_path)  # fmt: skip
    try:
        proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        for run_id in runs:  # first: the crawls' own closing keeps these
            store.close_run(db, run_id, "timeout" if run_id in begun else "killed", _utcnow())
        _kill_group(proc, kill_grace)
    except BaseException:  # Ctrl-C or SIGTERM: a stop we asked for
        for run_id in runs:
            store.close_run(db, run_id, "stopped", _utcnow())
        _kill_group(proc, kill_grace)
        raise
    _end_pump(reader, log_file)
    reader_db.conn.close()
    rc = proc.returncode
    for run_id in runs:  # what it left running: killed by a signal, or failed (exited without recording)
        store.close_run(db, run_id, "killed" if rc is not None and rc < 0 else "failed", _utcnow())
        summaries[runs[run_id]] = summary(run_id, rc)


def _env(db_path: Path, sources_path: Path, run_ids: list[int]) -> dict[str, str]:
    """The crawl process's environment: where it writes and reads, and the run(s) it records (the daemon's
    recovery finds live crawls by ``BRIEFWATCH_RUN_ID`` / ``BRIEFWATCH_RUN_IDS``)."""
    env = {
        **os.environ,
        "BRIEFWATCH_DB": str(db_path),
        "BRIEFWATCH_SOURCES": str(sources_path),
        "BRIEFWATCH_RUN_ID": str(run_ids[0]),
        "SCRAPY_SETTINGS_MODULE": "briefwatch.settings",
        "PYTHONUNBUFFERED": "1",
    }
    if len(run_ids) > 1:
        env["BRIEFWATCH_RUN_IDS"] = ",".join(map(str, run_ids))
    return env


def _spawn(
    cmd: list[str],
    env: dict[str, str],
    fds: tuple[int, ...],
    tail: collections.deque[str],
    on_line: Callable[[str], None] | None,
    log_path: str | os.PathLike | None,
):
    """Start a crawl process in its own process group (killed as a whole), holding the lock files ``fds``;
    a thread pumps its output into ``tail``, the log file and ``on_line``. Returns (proc, thread, log file)."""
    log_file = open(log_path, "a", encoding="utf-8") if log_path else None  # noqa: SIM115
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,  # its own process group: killed as a whole
        pass_fds=fds,  # the crawl holds the sources' locks too, as long as it lives
    )

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip("\n")
            tail.append(line)
            if log_file:
                log_file.write(line + "\n")
            if on_line:
                on_line(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    return proc, reader, log_file


def _end_pump(reader: threading.Thread, log_file) -> None:
    reader.join(timeout=5)
    if log_file:
        log_file.close()


class Stopped(KeyboardInterrupt):
    """SIGTERM to ``briefwatch crawl``: handled as Ctrl-C is (the crawl is stopped and recorded so)."""


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise Stopped()


def _kill_group(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the crawl's process group (Scrapy closes cleanly), SIGKILL it after ``grace`` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _fmt(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.0%}" if v <= 1 else f"{v:.1f}"
    return str(v)


def format_table(summaries: list[dict]) -> str:
    """The per-source summary table printed at the end of ``briefwatch crawl``."""
    cols = [
        ("source", "source"),
        ("status", "status"),
        ("requests", "requests"),
        ("new_articles", "new articles"),
        ("events", "events"),
        ("errors", "errors"),
        ("fallback_share", "fallback"),
        ("seconds", "seconds"),
    ]
    rows = [[h for _, h in cols]]
    for s in summaries:
        rows.append([_fmt(s.get(k)) if k != "seconds" else f"{s.get(k, 0):.1f}" for k, _ in cols])
    widths = [max(len(r[i]) for r in rows) for i in range(len(cols))]
    lines = [
        "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@click.command("crawl")
@click.argument("sources", nargs=-1)
@click.option("--timeout", default=1800.0, show_default=True, help="Seconds allowed per source.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Extra Scrapy setting.")
@click.option("--log-dir", type=click.Path(file_okay=False), help="Write each source's Scrapy log there.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines, only the summary table.")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=lambda: int(os.environ.get("BRIEFWATCH_CRAWL_BATCH") or 500),
    show_default="500, env BRIEFWATCH_CRAWL_BATCH",
    help="Sources crawled in one process (1: one `scrapy crawl` process per source).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Sources crawled at the same time inside one batch process (1: one after the other, in the order "
    "given, as separate processes would).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Fetch SOURCE's first feed, listing or sitemap and one article; print (JSON) what the selectors and the "
    "engine found. Nothing is stored; exit 1 when no article link is found or the selectors miss.",
)
@click.pass_context
def crawl_cmd(
    ctx: click.Context,
    sources: tuple[str, ...],
    timeout: float,
    settings: tuple[str, ...],
    log_dir: str | None,
    quiet: bool,
    batch_size: int,
    concurrency: int,
    dry_run: bool,
) -> None:
    """Crawl SOURCE... (default: every enabled source of the registry) into the database.

    One source runs as its own `scrapy crawl <family> -a source=NAME` process; several run in batches of
    --batch-size sources per process (one Scrapy crawler per source, --concurrency at a time, each with its
    own run row, timeout and outcome). A summary table (requests, new articles, events, errors,
    fallback-extraction share) ends the run. Exit status 1 when a source failed or is unknown.
    """
    if dry_run:
        from briefwatch.commands.sources import dry_run_cmd

        if len(sources) != 1:
            raise click.UsageError("--dry-run takes exactly one SOURCE")
        dry_run_cmd(ctx, sources[0])
        return
    db_path, sources_path = ctx.obj["db"], ctx.obj["sources"]
    try:
        registry = load_registry(sources_path)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from None
    for err in registry.errors:
        click.echo(f"registry: {err} (skipped)", err=True)
    writer(ctx).conn.close()  # the database: created in an existing directory, and writable
    extra: dict[str, str] = {}
    for s in settings:
        if "=" not in s:
            raise click.BadParameter(f"{s!r} is not NAME=VALUE", param_hint="-s")
        k, v = s.split("=", 1)
        extra[k.strip()] = v
    names = list(sources) or [s.name for s in registry.sources if s.enabled]
    if not names:
        raise click.ClickException(f"no source to crawl in {sources_path}")
    if not quiet:
        extra.setdefault("LOGSTATS_INTERVAL", "15")
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # SIGTERM as Ctrl-C: stop the crawl, record 'stopped'
    if batch_size > 1 and len(names) > 1:
        summaries = _crawl_batches(names, registry, db_path, sources_path, timeout, extra, log_dir, quiet,
                                   batch_size, concurrency)  # fmt: skip
    else:
        summaries = [_crawl_one(name, i, len(names), db_path, sources_path, timeout, extra, log_dir, quiet)
                     for i, name in enumerate(names, 1)]  # fmt: skip
    click.echo(format_table(summaries))
    if any(s.get("status") != "ok" for s in summaries):
        ctx.exit(1)


def _crawl_one(
    name: str, i: int, n: int, db_path: str, sources_path: str, timeout: float, extra: dict[str, str],
    log_dir: str | None, quiet: bool,
) -> dict:  # fmt: skip
    """One source in its own process, with progress lines (``briefwatch crawl``)."""
    if not quiet:
        click.echo(f"[{i}/{n}] {name} ...", err=True)

    def progress(line: str, name: str = name) -> None:
        if "Crawled " in line and "pages" in line:
            click.echo(f"    {name}: {line.split('] INFO: ', 1)[-1]}", err=True)
        elif " ERROR: " in line:
            click.echo(f"    {name}: {line.split('] ', 1)[-1][:200]}", err=True)

    log_path = Path(log_dir) / f"{name}.log" if log_dir else None
    if log_path:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    summary = run_crawl(
        name,
        db_path,
        sources_path,
        timeout,
        settings=extra,
        on_line=None if quiet else progress,
        log_path=log_path,
    )
    if summary.get("error"):
        click.echo(f"    {name}: {summary['error']}", err=True)
        if summary.get("status") == "busy":
            click.echo(f"error: {summary['error']}", err=True)
    elif not quiet:
        click.echo(f"    {name}: {summary['status']} in {summary['seconds']:.1f}s", err=True)
    return summary


def _crawl_batches(
    names: list[str], registry, db_path: str, sources_path: str, timeout: float, extra: dict[str, str],
    log_dir: str | None, quiet: bool, batch_size: int, concurrency: int,
) -> list[dict]:  # fmt: skip
    """Several sources in batch processes (``run_batch``), one batch after the other; each source's end is
    printed as it comes. With ``log_dir``, each batch's Scrapy log is ``batch-<N>.log`` there."""
    from briefwatch.daemon import make_batches

    done = 0

    def ended(summary: dict) -> None:
        nonlocal done
        done += 1
        if not quiet:
            what = summary.get("error") or f"{summary.get('status')} in {summary.get('seconds') or 0:.1f}s"
            click.echo(f"[{done}/{len(names)}] {summary['source']}: {what}", err=True)

    by_name: dict[str, dict] = {}
    for i, batch in enumerate(make_batches(names, registry, batch_size), 1):
        if not quiet:
            click.echo(f"batch {i}: {len(batch)} source(s) in one process ...", err=True)
        log_path = Path(log_dir) / f"batch-{i}.log" if log_dir else None
        if log_path:
            log_path.parent.mkdir(parents=True, exist_ok=True)
        for summary in run_batch(batch, db_path, sources_path, timeout, settings=extra, concurrency=concurrency,
                                 on_end=ended, log_path=log_path, registry=registry):  # fmt: skip
            if summary.get("status") in ("error", "busy"):
                click.echo(f"    {summary['source']}: {summary['error']}", err=True)
                if summary["status"] == "busy":
                    click.echo(f"error: {summary['error']}", err=True)
            by_name[summary["source"]] = summary
    return [by_name[n] for n in names]


def register(cli: click.Group) -> None:
    cli.add_command(crawl_cmd)
