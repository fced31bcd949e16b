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
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import click

from briefwatch.commands import writer
from briefwatch.sources import RegistryError, load_registry

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
        env = {
            **os.environ,
            "BRIEFWATCH_DB": str(db_path),
            "BRIEFWATCH_SOURCES": str(sources_path),
            "BRIEFWATCH_RUN_ID": str(run_id),
            "SCRAPY_SETTINGS_MODULE": "briefwatch.settings",
            "PYTHONUNBUFFERED": "1",
        }
        cmd = [sys.executable, "-m", "scrapy", "crawl", src.family, "-a", f"source={source_name}"]
        for k, v in (settings or {}).items():
            cmd += ["-s", f"{k}={v}"]
        tail: collections.deque[str] = collections.deque(maxlen=40)
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
            pass_fds=(lock_fd,),  # the crawl holds the source's lock too, as long as it lives
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
        reader.join(timeout=5)
        if log_file:
            log_file.close()
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
    dry_run: bool,
) -> None:
    """Crawl SOURCE... (default: every enabled source of the registry) into the database.

    Each source runs as its own `scrapy crawl <family> -a source=NAME` process; a summary table
    (requests, new articles, events, errors, fallback-extraction share) ends the run. Exit status 1
    when a source failed or is unknown.
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
    summaries = []
    for i, name in enumerate(names, 1):
        if not quiet:
            click.echo(f"[{i}/{len(names)}] {name} ...", err=True)

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
        summaries.append(summary)
    click.echo(format_table(summaries))
    if any(s.get("status") != "ok" for s in summaries):
        ctx.exit(1)


def register(cli: click.Group) -> None:
    cli.add_command(crawl_cmd)
