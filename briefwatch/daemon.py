"""The scheduler daemon: every source's crawl on its schedule, alert evaluation and sending on theirs.

- APScheduler 3 ``BlockingScheduler`` (timezone Asia/Ho_Chi_Minh unless configured); one job per
  enabled source from its registry ``schedule`` (``every 2h`` → IntervalTrigger, a cron expression →
  CronTrigger.from_crontab), plus the ``alerts`` job (default ``0 7 * * *``: the daily digest at 07:00).
  Jobs: ``coalesce=True``, ``max_instances=1``, a misfire grace time equal to the job's interval, jitter.
- Each crawl is ``briefwatch.commands.crawl.run_crawl``: its own ``scrapy crawl`` process and process
  group, with a timeout; it writes its ``crawl_runs`` row. A per-source lock refuses an overlapping run
  even when two paths (catch-up and trigger, ``--once`` and a job) meet. With ``crawl_batch`` > 1 (env
  BRIEFWATCH_CRAWL_BATCH) the due crawls go in batches of that many sources, each batch one process
  (``run_batch``, ``briefwatch.batch``): same rows, statuses, locks and timeouts per source, one Python
  and Scrapy start-up per batch instead of per source. The sources of one site go in the same batch.
- What is due is computed from the database (``crawl_runs`` for crawls, ``job_runs`` for alerts), never
  from APScheduler's (in-memory) job store: at start, every job whose next run after its last start is
  already past runs once, now (coalesced catch-up of the downtime); an interrupted last run is due too.
- A lock (``fcntl.flock`` on ``<db>.lock``) refuses a second daemon on the same database; the kernel
  drops it when the process dies, even by SIGKILL.
- At start (``recover``): crawl processes orphaned by a daemon that died (they carry its pid in
  ``BRIEFWATCH_DAEMON_PID``) are stopped, and ``crawl_runs`` rows left ``running`` with no live process
  behind them are marked ``failed`` (a manual ``briefwatch crawl`` still running is left alone).
- SIGTERM / SIGINT: stop scheduling, SIGTERM the running crawls' process groups (Scrapy closes cleanly;
  SIGKILL after a grace period), wait for the jobs to finish, release the lock, exit 0.
- ``run_once``: every due job once (crawls in parallel, then alerts), for cron users, tests and the demo.

Logs go to stderr as JSON lines (``setup_logging``); ``BRIEFWATCH_LOG_FORMAT=text`` for plain lines.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from briefwatch.health import _iso, _ts

log = logging.getLogger("briefwatch.daemon")

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
DEFAULT_ALERTS_SCHEDULE = "0 7 * * *"
ALERTS_JOB = "alerts"
INTERRUPTED_KEY = "briefwatch/interrupted"
CrawlFn = Callable[..., dict]


# --------------------------------------------------------------------------- logging


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, plus the record's ``fields`` (extra={"fields": {...}})."""

    def format(self, record: logging.LogRecord) -> str:
        d: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        d.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            d["exc"] = self.formatException(record.exc_info)
        return json.dumps(d, ensure_ascii=False, default=str)


def setup_logging(level: str | None = None, fmt: str | None = None) -> None:
    """Structured logs to stderr (env BRIEFWATCH_LOG_LEVEL, BRIEFWATCH_LOG_FORMAT=json|text)."""
    handler = logging.StreamHandler(sys.stderr)
    if (fmt or os.environ.get("BRIEFWATCH_LOG_FORMAT", "json")) == "text":
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel((level or os.environ.get("BRIEFWATCH_LOG_LEVEL", "INFO")).upper())
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _event(level: int, event: str, msg: str, **fields: Any) -> None:
    log.log(level, msg, extra={"fields": {"event": event, **fields}})


# --------------------------------------------------------------------------- configuration


def _env_float(name: str, default: float) -> float:
    v = os.environ.get(name, "").strip()
    try:
        return float(v) if v else default
    except ValueError:
        raise ValueError(f"{name}={v!r} is not a number") from None


@dataclass
class DaemonConfig:
    db: Path
    sources: Path
    rules: Path
    timezone: str = DEFAULT_TZ
    alerts_schedule: str = DEFAULT_ALERTS_SCHEDULE
    crawl_timeout: float = 1800.0
    max_crawls: int = 2  # crawls running at the same time (different sources)
    jitter: int = 120  # seconds added at random to each fire time (0: none)
    batch_gather: float = 2.0  # batch mode under the scheduler: seconds a batch waits for more due sources
    stop_grace: float = 30.0  # seconds a crawl gets to close after SIGTERM before SIGKILL
    orphan_grace: float = 5.0  # the same for a crawl orphaned by a dead daemon, found at start
    alerts_wait: float = 900.0  # the alerts job waits this long for running crawls to finish first
    crawl_batch: int = 500  # sources per crawl process at most (1: one `scrapy crawl` process per source)
    batch_concurrency: int = 16  # sources crawled at the same time inside one batch process
    crawl_settings: dict[str, str] = field(default_factory=dict)  # extra Scrapy settings (-s)
    as_of: dt.date | None = None  # alerts: evaluate as on this day (default: today in ``timezone``)
    send: bool = True  # alerts job also sends the outbox

    @classmethod
    def from_env(
        cls, db: str | os.PathLike, sources: str | os.PathLike, rules: str | os.PathLike, **kw: Any
    ) -> DaemonConfig:
        """Paths from the CLI; BRIEFWATCH_TZ, BRIEFWATCH_ALERTS_SCHEDULE, BRIEFWATCH_CRAWL_TIMEOUT,
        BRIEFWATCH_MAX_CRAWLS, BRIEFWATCH_JITTER, BRIEFWATCH_CRAWL_BATCH, BRIEFWATCH_BATCH_CONCURRENCY from the
        environment; ``kw`` wins over both."""
        env = {
            "timezone": os.environ.get("BRIEFWATCH_TZ", "").strip() or DEFAULT_TZ,
            "alerts_schedule": os.environ.get("BRIEFWATCH_ALERTS_SCHEDULE", "").strip()
            or DEFAULT_ALERTS_SCHEDULE,
            "crawl_timeout": _env_float("BRIEFWATCH_CRAWL_TIMEOUT", 1800.0),
            "max_crawls": int(_env_float("BRIEFWATCH_MAX_CRAWLS", 2)),
            "jitter": int(_env_float("BRIEFWATCH_JITTER", 120)),
            "crawl_batch": max(1, int(_env_float("BRIEFWATCH_CRAWL_BATCH", 500))),
            "batch_concurrency": max(1, int(_env_float("BRIEFWATCH_BATCH_CONCURRENCY", 16))),
        }
        env.update({k: v for k, v in kw.items() if v is not None})
        cfg = cls(db=Path(db).resolve(), sources=Path(sources).resolve(), rules=Path(rules).resolve(), **env)
        ZoneInfo(cfg.timezone)  # fails early on a bad zone name
        make_trigger(cfg.alerts_schedule, cfg.timezone)
        return cfg


# --------------------------------------------------------------------------- schedules (pure)


def make_trigger(schedule: str, tz: str | dt.tzinfo, jitter: int | None = None):
    """IntervalTrigger for ``every N(m|h|d)``, CronTrigger for a 5-field crontab (in ``tz``)."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    from briefwatch.sources import schedule_interval_seconds

    tzinfo = ZoneInfo(tz) if isinstance(tz, str) else tz
    secs = schedule_interval_seconds(schedule)
    if secs:
        return IntervalTrigger(seconds=secs, timezone=tzinfo, jitter=jitter or None)
    trig = CronTrigger.from_crontab(schedule.strip(), timezone=tzinfo)
    trig.jitter = jitter or None
    return trig


def next_after(schedule: str, tz: str | dt.tzinfo, last: dt.datetime) -> dt.datetime:
    """The first fire time of ``schedule`` strictly after ``last`` (no jitter)."""
    from briefwatch.sources import schedule_interval_seconds

    secs = schedule_interval_seconds(schedule)
    if secs:
        return last + dt.timedelta(seconds=secs)
    nxt = make_trigger(schedule, tz).get_next_fire_time(None, last + dt.timedelta(seconds=1))
    return nxt.astimezone(dt.UTC)


def period_seconds(schedule: str, tz: str | dt.tzinfo, now: dt.datetime) -> int:
    """The interval of a schedule (for a cron: the gap between its next two fire times)."""
    from briefwatch.sources import schedule_interval_seconds

    secs = schedule_interval_seconds(schedule)
    if secs:
        return secs
    a = next_after(schedule, tz, now)
    return int((next_after(schedule, tz, a) - a).total_seconds())


def next_due(
    schedule: str, tz: str | dt.tzinfo, last_start: dt.datetime | None, interrupted: bool, now: dt.datetime
) -> dt.datetime:
    """When a job should next run, from its history: now if it never ran or its last run was interrupted,
    else the first fire time after its last start (which may be in the past: it is due)."""
    if last_start is None or interrupted:
        return now
    return next_after(schedule, tz, last_start)


def _interrupted(status: str | None, stats: str | None) -> bool:
    """A run that did not end on its own: killed, stopped by a shutdown, or found dead at start."""
    if status in ("killed", "stopped"):
        return True
    if status == "failed" and stats:
        try:
            s = json.loads(stats)
        except ValueError:
            return False
        return isinstance(s, dict) and (s.get("finish_reason") == "shutdown" or INTERRUPTED_KEY in s)
    return False


def last_runs(db) -> dict[str, dict]:
    """job id → {started_at, status, interrupted, running} of its latest run: ``crawl:<source>`` from
    crawl_runs, ``alerts`` from job_runs."""
    out: dict[str, dict] = {}
    rows = db.execute(
        """SELECT source, started_at, status, stats FROM (
               SELECT source, started_at, status, stats,
                      ROW_NUMBER() OVER (PARTITION BY source ORDER BY started_at DESC, id DESC) AS n
               FROM crawl_runs) WHERE n = 1"""
    ).fetchall()
    for source, started, status, stats in rows:
        out[f"crawl:{source}"] = {
            "started_at": _ts(started),
            "status": status,
            "interrupted": _interrupted(status, stats),
            "running": status == "running",
        }
    for job, started, status in db.execute("SELECT job, started_at, status FROM job_runs").fetchall():
        out[job] = {
            "started_at": _ts(started),
            "status": status,
            "interrupted": status == "running",
            "running": False,
        }
    return out


def plan(db, registry, cfg: DaemonConfig, now: dt.datetime) -> list[dict]:
    """Every job with its schedule, last start and next run time, computed from the database (pure reads).

    A job is ``due`` when its next run is not after ``now``; a crawl whose row is still ``running`` is not
    (call ``Daemon.recover`` first to close the rows of dead crawls)."""
    last = last_runs(db)
    jobs = []
    for src in registry.sources:
        if not src.enabled:
            continue
        jid = f"crawl:{src.name}"
        lr = last.get(jid, {})
        nxt = next_due(src.schedule, cfg.timezone, lr.get("started_at"), lr.get("interrupted", False), now)
        jobs.append(
            {
                "id": jid,
                "source": src.name,
                "schedule": src.schedule,
                "last_start": lr.get("started_at"),
                "next_run": nxt,
                "running": lr.get("running", False),
                "due": nxt <= now and not lr.get("running", False),
            }
        )
    lr = last.get(ALERTS_JOB, {})
    nxt = next_due(cfg.alerts_schedule, cfg.timezone, lr.get("started_at"), lr.get("interrupted", False), now)
    jobs.append(
        {"id": ALERTS_JOB, "source": None, "schedule": cfg.alerts_schedule, "last_start": lr.get("started_at"),
         "next_run": nxt, "running": False, "due": nxt <= now}
    )  # fmt: skip
    return jobs


# --------------------------------------------------------------------------- processes (Linux /proc)


def crawl_processes() -> list[dict]:
    """Live crawl subprocesses (any owner we may read): pid, ppid, pgid, run_id, run_ids, db, daemon_pid."""
    out = []
    for d in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if not d.name.isdigit():
            continue
        try:
            env = (d / "environ").read_bytes()
            stat = (d / "stat").read_text()
        except OSError:
            continue
        if b"BRIEFWATCH_RUN_ID=" not in env:
            continue
        e = dict(kv.split("=", 1) for kv in env.decode("utf-8", "replace").split("\0") if "=" in kv)
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":  # a zombie is dead
            continue
        try:
            run_id = int(e["BRIEFWATCH_RUN_ID"])
            run_ids = [int(x) for x in e.get("BRIEFWATCH_RUN_IDS", "").split(",") if x] or [run_id]
        except (KeyError, ValueError):
            continue
        daemon_pid = e.get("BRIEFWATCH_DAEMON_PID")
        out.append(
            {
                "pid": int(d.name),
                "ppid": int(fields[1]),
                "pgid": int(fields[2]),
                "run_id": run_id,
                "run_ids": run_ids,  # a batch of sources records several runs
                "db": e.get("BRIEFWATCH_DB"),
                "daemon_pid": int(daemon_pid) if daemon_pid and daemon_pid.isdigit() else None,
            }
        )
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def stop_group(pgid: int, grace: float) -> None:
    """SIGTERM a process group, SIGKILL it if its leader still lives after ``grace`` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _alive(pgid):
                return
            time.sleep(0.1)


# --------------------------------------------------------------------------- batches


def make_batches(names: list[str], registry, size: int) -> list[list[str]]:
    """``names`` in batches of at most ``size`` sources; the sources of one site (a host they fetch from,
    directly or through another source) stay in one batch, where they never run at the same time, so two
    batches running together do not double a site's load. A group of one site larger than ``size`` is a
    batch of its own. The order of ``names`` is kept (a site's sources follow its first one)."""
    from briefwatch.batch import site_keys

    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for name in names:
        src = registry.get(name)
        keys = [f"source:{name}", *(site_keys(src) if src else ())]
        for k in keys[1:]:
            parent[find(k)] = find(keys[0])
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(find(f"source:{name}"), []).append(name)
    batches: list[list[str]] = []
    current: list[str] = []
    for group in groups.values():  # in the order of the sources given
        if current and len(current) + len(group) > size:
            batches.append(current)
            current = []
        current = current + group
        if len(current) >= size:
            batches.append(current)
            current = []
    if current:
        batches.append(current)
    return batches


# --------------------------------------------------------------------------- the daemon


class DaemonLocked(RuntimeError):
    """Another daemon holds the lock of this database."""


class Daemon:
    def __init__(
        self,
        cfg: DaemonConfig,
        *,
        crawl_fn: CrawlFn | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        cfg.db, cfg.sources, cfg.rules = (Path(p).resolve() for p in (cfg.db, cfg.sources, cfg.rules))
        self.cfg = cfg
        self.crawl_fn = crawl_fn
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.stopping = threading.Event()
        self._source_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._lock_file: Any = None
        self._inflight = 0  # jobs running
        self._crawling = 0  # crawls running
        self._inflight_cv = threading.Condition()
        self._crawl_slots = threading.BoundedSemaphore(max(1, cfg.max_crawls))
        self._queue: list[str] = []  # batch mode under the scheduler: sources waiting for a batch
        self._queue_cv = threading.Condition()
        self._dispatchers: list[threading.Thread] = []
        self._registry: tuple[tuple[int, int], Any] | None = None
        self._stopper: threading.Thread | None = None
        self.scheduler: Any = None

    # ------------------------------------------------------------ lock, recovery

    @property
    def lock_path(self) -> Path:
        return Path(f"{self.cfg.db}.lock")

    def acquire_lock(self) -> None:
        """Take the database's daemon lock or raise DaemonLocked (naming the holder's pid)."""
        self.cfg.db.parent.mkdir(parents=True, exist_ok=True)
        f = open(self.lock_path, "a+")  # noqa: SIM115 - held for the process's lifetime
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "?"
            f.close()
            raise DaemonLocked(
                f"another briefwatch daemon (pid {holder}) is running on {self.cfg.db}"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        self._lock_file = f
        os.environ["BRIEFWATCH_DAEMON_PID"] = str(os.getpid())  # inherited by every crawl we start

    def release_lock(self) -> None:
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                self._lock_file.seek(0)
                self._lock_file.truncate()
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def _db(self):
        from db.connect import open_db

        return open_db(self.cfg.db)

    def recover(self) -> dict:
        """Stop crawls orphaned by a dead daemon of this database; mark rows left 'running' with no live
        crawl behind them 'failed'. Call with the lock held."""
        now = self.clock()
        mine = [p for p in crawl_processes() if p["db"] and Path(p["db"]).resolve() == self.cfg.db]
        orphans = [p for p in mine if p["daemon_pid"] is not None and p["daemon_pid"] != os.getpid()]
        for p in orphans:
            _event(logging.WARNING, "orphan_crawl", f"stopping crawl run {p['run_id']} orphaned by daemon {p['daemon_pid']}",
                   pid=p["pid"], run_id=p["run_id"])  # fmt: skip
            stop_group(p["pgid"], self.cfg.orphan_grace)
        live = {r for p in mine if p not in orphans and _alive(p["pid"]) for r in p["run_ids"]}
        db = self._db()
        try:
            rows = db.execute("SELECT id, source FROM crawl_runs WHERE status = 'running'").fetchall()
            marked = []
            for run_id, source in rows:
                if run_id in live:
                    continue
                stats = json.dumps({INTERRUPTED_KEY: "the crawl or its daemon died while it ran"})
                db.execute("BEGIN IMMEDIATE")
                db.execute(
                    "UPDATE crawl_runs SET status = 'failed', ended_at = COALESCE(ended_at, ?), stats = COALESCE(stats, ?) "
                    "WHERE id = ? AND status = 'running'",
                    [_iso(now), stats, run_id],
                )
                db.execute("COMMIT")
                marked.append(run_id)
                _event(logging.WARNING, "run_marked_failed", f"crawl run {run_id} of {source} was left running: failed",
                       run_id=run_id, source=source)  # fmt: skip
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "UPDATE job_runs SET status = 'failed', ended_at = ? WHERE status = 'running'", [_iso(now)]
            )
            db.execute("COMMIT")
        finally:
            db.conn.close()
        return {"orphans_stopped": len(orphans), "runs_marked_failed": marked, "live_runs": sorted(live)}

    # ------------------------------------------------------------ config files

    def registry(self):
        """The registry, read again only when its file changed (a few thousand sources take seconds to read);
        its errors are logged when it is read."""
        from briefwatch.sources import load_registry

        st = self.cfg.sources.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        with self._locks_guard:
            if self._registry is not None and self._registry[0] == stamp:
                return self._registry[1]
        reg = load_registry(self.cfg.sources)
        for err in reg.errors:
            _event(logging.ERROR, "registry_error", f"registry: {err} (skipped)")
        with self._locks_guard:
            self._registry = (stamp, reg)
        return reg

    def rules(self):
        from alerts.rules import RulesError, load_rules

        try:
            return load_rules(self.cfg.rules)
        except RulesError as exc:
            _event(logging.ERROR, "rules_error", f"alerts rules unusable: {exc}")
            return None

    # ------------------------------------------------------------ jobs

    def _track(self, delta: int, crawl: bool = False) -> None:
        with self._inflight_cv:
            self._inflight += delta
            if crawl:
                self._crawling += delta
            self._inflight_cv.notify_all()

    def _source_lock(self, name: str) -> threading.Lock:
        with self._locks_guard:
            return self._source_locks.setdefault(name, threading.Lock())

    @property
    def batching(self) -> bool:
        """Whether crawls run in batches of sources (``crawl_batch`` > 1 and no injected crawl function)."""
        return self.cfg.crawl_batch > 1 and self.crawl_fn is None

    def _take(self, source: str) -> dict | None:
        """Take ``source``'s in-process lock and count it running; a 'skipped' summary when it cannot run."""
        if self.stopping.is_set():
            return {"source": source, "status": "skipped", "reason": "stopping"}
        if not self._source_lock(source).acquire(blocking=False):
            _event(
                logging.WARNING,
                "crawl_overlap",
                f"crawl of {source} still running: this run is skipped",
                source=source,
            )
            return {"source": source, "status": "skipped", "reason": "overlap"}
        self._track(+1, crawl=True)
        return None

    def _release(self, source: str) -> None:
        self._source_lock(source).release()
        self._track(-1, crawl=True)

    def crawl_job(self, source: str) -> dict:
        """One crawl of ``source`` (refused while another of the same source runs), then its health. In batch
        mode, while the scheduler runs (its dispatchers take the queue), the source is queued for the next
        batch instead."""
        skipped = self._take(source)
        if skipped:
            return skipped
        if self.batching and self._dispatchers:
            with self._queue_cv:
                self._queue.append(source)
                self._queue_cv.notify()
            return {"source": source, "status": "queued"}
        self._crawl_slots.acquire()
        try:
            _event(logging.INFO, "crawl_start", f"crawl {source} starts", source=source)
            crawl = self.crawl_fn
            if crawl is None:
                from briefwatch.commands.crawl import run_crawl as crawl
            try:
                summary = crawl(
                    source,
                    self.cfg.db,
                    self.cfg.sources,
                    self.cfg.crawl_timeout,
                    settings=dict(self.cfg.crawl_settings),
                )
            except Exception as exc:  # noqa: BLE001 - one source's trouble never stops the daemon
                log.exception(
                    "crawl %s crashed", source, extra={"fields": {"event": "crawl_error", "source": source}}
                )
                summary = {"source": source, "status": "error", "error": f"{type(exc).__name__}: {exc}"}
            self._crawl_ended(summary)
            self.check_health([source])
            return summary
        finally:
            self._crawl_slots.release()
            self._release(source)

    @staticmethod
    def _crawl_ended(summary: dict) -> None:
        source = summary.get("source")
        fields = {k: summary.get(k) for k in ("source", "run_id", "status", "requests", "new_articles", "events", "errors",
                                               "fallback_share", "seconds", "error") if summary.get(k) is not None}  # fmt: skip
        if summary.get("status") == "ok":
            _event(logging.INFO, "crawl_end", f"crawl {source}: ok", **fields)
        else:  # the end of Scrapy's log says why
            tail = [ln for ln in summary.get("log_tail") or [] if "ERROR" in ln or "CRITICAL" in ln][-5:]
            _event(
                logging.WARNING,
                "crawl_end",
                f"crawl {source}: {summary.get('status')}",
                log_tail=tail,
                **fields,
            )

    def batch_job(self, sources: list[str]) -> list[dict]:
        """One batch: the sources not running already crawled in one process (``run_batch``), then their health."""
        out = [s for s in (self._take(src) for src in sources) if s]
        taken = [src for src in sources if not any(s["source"] == src for s in out)]
        return out + self._run_batch(taken)

    def _run_batch(self, sources: list[str]) -> list[dict]:
        """Crawl ``sources`` (their locks taken) in one batch process; release them."""
        if not sources:
            return []
        from briefwatch.commands.crawl import run_batch

        self._crawl_slots.acquire()
        try:
            _event(
                logging.INFO, "batch_start", f"batch of {len(sources)} source(s) starts", sources=len(sources)
            )
            ended: set[str] = set()

            def on_end(summary: dict) -> None:
                ended.add(summary["source"])
                self._crawl_ended(summary)

            try:
                summaries = run_batch(
                    sources,
                    self.cfg.db,
                    self.cfg.sources,
                    self.cfg.crawl_timeout,
                    settings=dict(self.cfg.crawl_settings),
                    concurrency=self.cfg.batch_concurrency,
                    on_end=on_end,
                    registry=self.registry(),
                )
            except Exception as exc:  # noqa: BLE001 - one batch's trouble never stops the daemon
                log.exception("crawl batch crashed", extra={"fields": {"event": "crawl_error"}})
                summaries = [
                    {"source": s, "status": "error", "error": f"{type(exc).__name__}: {exc}"} for s in sources
                ]
            for s in summaries:  # those the batch process did not report ending (refused, killed with it)
                if s["source"] not in ended:
                    self._crawl_ended(s)
            self.check_health(sources)
            return summaries
        finally:
            self._crawl_slots.release()
            for src in sources:
                self._release(src)

    def _dispatch(self) -> None:
        """Batch mode under the scheduler: take the queued sources (waiting a moment for the jobs that fire
        together) in batches of ``crawl_batch``, one batch at a time per dispatcher thread."""
        while True:
            with self._queue_cv:
                self._queue_cv.wait_for(lambda: self._queue or self.stopping.is_set(), timeout=1.0)
                if self.stopping.is_set():
                    queued, self._queue[:] = list(self._queue), []
                    for src in queued:
                        self._release(src)
                    return
                if not self._queue:
                    continue
            time.sleep(self.cfg.batch_gather)
            with self._queue_cv:
                batch, self._queue[:] = (
                    self._queue[: self.cfg.crawl_batch],
                    self._queue[self.cfg.crawl_batch :],
                )
            self._run_batch(batch)

    def check_health(self, sources: list[str] | None = None) -> list[dict]:
        from briefwatch.health import update_health

        try:
            db = self._db()
            try:
                return update_health(db, self.registry(), self.rules(), self.clock(), sources=sources)
            finally:
                db.conn.close()
        except Exception:  # noqa: BLE001
            log.exception("health check failed", extra={"fields": {"event": "health_error"}})
            return []

    def _as_of(self, now: dt.datetime) -> tuple[dt.date, dt.datetime]:
        """(as_of day, timestamp of the evaluation): today in the daemon's zone, or the configured day
        (replayed as of 23:00 UTC of that day when it is in the past)."""
        today = now.astimezone(ZoneInfo(self.cfg.timezone)).date()
        day = self.cfg.as_of or today
        if day < today:
            return day, dt.datetime.combine(day, dt.time(23, 0), tzinfo=dt.UTC)
        return day, now

    def alerts_job(self) -> dict:
        """Health of every source, then evaluate the rules as of today and send the outbox."""
        from alerts.evaluate import evaluate
        from alerts.outbox import send_pending

        if self.stopping.is_set():
            return {"status": "skipped", "reason": "stopping"}
        with self._inflight_cv:  # evaluate after the crawls running now (e.g. the catch-up at start)
            if not self._inflight_cv.wait_for(
                lambda: self._crawling == 0 or self.stopping.is_set(), timeout=self.cfg.alerts_wait
            ):
                _event(logging.WARNING, "alerts_wait", "crawls still running: evaluating without them")
        if self.stopping.is_set():
            return {"status": "skipped", "reason": "stopping"}
        self._track(+1)
        now = self.clock()
        out: dict[str, Any] = {"status": "ok"}
        db = self._db()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO job_runs (job, started_at, status) VALUES (?, ?, 'running') "
                "ON CONFLICT(job) DO UPDATE SET started_at = excluded.started_at, ended_at = NULL, status = 'running', summary = NULL",
                [ALERTS_JOB, _iso(now)],
            )
            db.execute("COMMIT")
            out["health"] = self.check_health()
            rules = self.rules()
            if rules is None:
                out.update(status="failed", error="alerts rules unusable")
            else:
                day, ts = self._as_of(now)
                try:
                    out["evaluate"] = evaluate(db, rules, day, now=ts)
                except Exception as exc:  # noqa: BLE001
                    log.exception("alert evaluation failed", extra={"fields": {"event": "alerts_error"}})
                    out.update(status="failed", error=f"evaluate: {type(exc).__name__}: {exc}")
                if self.cfg.send:
                    s = rules.settings
                    try:
                        out["send"] = send_pending(
                            db,
                            self.clock(),
                            max_attempts=s.max_attempts,
                            backoff_seconds=s.backoff_seconds,
                            db_file=self.cfg.db,
                        )
                    except Exception as exc:  # noqa: BLE001 - a bad SMTP URL: messages stay queued
                        log.exception("sending failed", extra={"fields": {"event": "send_error"}})
                        out.update(status="failed", error=f"send: {type(exc).__name__}: {exc}")
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "UPDATE job_runs SET ended_at = ?, status = ?, summary = ? WHERE job = ?",
                [
                    _iso(self.clock()),
                    out["status"],
                    json.dumps(out, ensure_ascii=False, default=str),
                    ALERTS_JOB,
                ],
            )
            db.execute("COMMIT")
        finally:
            db.conn.close()
            self._track(-1)
        ev, sent = out.get("evaluate") or {}, out.get("send") or {}
        _event(logging.INFO if out["status"] == "ok" else logging.ERROR, "alerts_end", f"alerts job: {out['status']}",
               as_of=ev.get("as_of"), changed=ev.get("changed"), digests_queued=ev.get("digests_queued"),
               sent=sent.get("sent"), retry=sent.get("retry"), dead=sent.get("dead"))  # fmt: skip
        return out

    # ------------------------------------------------------------ once

    def run_once(self, now: dt.datetime | None = None, *, force: bool = False) -> dict:
        """Run every due job once (``force``: every job): crawls in parallel, then the alerts job.
        Returns {"crawls": [summaries], "alerts": summary or None, "due": [job ids]}."""
        now = now or self.clock()
        db = self._db()
        try:
            jobs = plan(db, self.registry(), self.cfg, now)
        finally:
            db.conn.close()
        due = [j for j in jobs if j["due"] or (force and not j["running"])]
        _event(logging.INFO, "once", f"{len(due)} job(s) due", due=[j["id"] for j in due])
        crawls = [j["source"] for j in due if j["source"]]
        with ThreadPoolExecutor(max_workers=max(1, self.cfg.max_crawls)) as pool:
            if self.batching:
                # as many batches as processes run at once, when that keeps them under crawl_batch: one
                # batch's slowest source does not hold up the next batch
                size = min(self.cfg.crawl_batch, -(-len(crawls) // max(1, self.cfg.max_crawls)))
                batches = make_batches(crawls, self.registry(), max(1, size))
                results = [s for b in pool.map(self.batch_job, batches) for s in b]
            else:
                results = list(pool.map(self.crawl_job, crawls))
        alerts = self.alerts_job() if any(j["id"] == ALERTS_JOB for j in due) else None
        return {"due": [j["id"] for j in due], "crawls": results, "alerts": alerts}

    # ------------------------------------------------------------ the scheduler

    def build_scheduler(self, now: dt.datetime | None = None):
        """A BlockingScheduler with one job per enabled source and the alerts job; jobs due from the run
        history (missed while down, or interrupted) get ``next_run_time=now``: caught up once, coalesced."""
        from apscheduler.executors.pool import ThreadPoolExecutor as APThreadPool
        from apscheduler.schedulers.blocking import BlockingScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        now = now or self.clock()
        tz = ZoneInfo(self.cfg.timezone)
        sched = BlockingScheduler(
            timezone=tz,
            executors={"default": APThreadPool(max_workers=max(1, self.cfg.max_crawls) + 1)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        db = self._db()
        try:
            jobs = plan(db, self.registry(), self.cfg, now)
        finally:
            db.conn.close()
        for j in jobs:
            trig = make_trigger(j["schedule"], tz, self.cfg.jitter)
            if isinstance(trig, IntervalTrigger) and j["last_start"] and not j["due"]:
                trig.start_date = j["last_start"].astimezone(tz)  # keep the cadence of the history
            grace = max(60, period_seconds(j["schedule"], tz, now))
            kwargs: dict[str, Any] = {"misfire_grace_time": grace, "coalesce": True, "max_instances": 1}
            if j["due"]:
                kwargs["next_run_time"] = now.astimezone(tz)
            func, args = (self.crawl_job, [j["source"]]) if j["source"] else (self.alerts_job, [])
            sched.add_job(func, trig, args=args, id=j["id"], name=j["id"], replace_existing=True, **kwargs)
            _event(logging.INFO, "job_scheduled", f"{j['id']} ({j['schedule']})", job=j["id"],
                   catch_up=j["due"], last_start=j["last_start"], next_run=kwargs.get("next_run_time") or j["next_run"])  # fmt: skip
        return sched

    def terminate_crawls(self, grace: float | None = None) -> int:
        """SIGTERM the process groups of the crawls this process started (SIGKILL after the grace)."""
        kids = [p for p in crawl_processes() if p["ppid"] == os.getpid()]
        threads = [
            threading.Thread(
                target=stop_group, args=(p["pgid"], self.cfg.stop_grace if grace is None else grace)
            )
            for p in kids
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return len(kids)

    def wait_jobs(self, timeout: float) -> bool:
        with self._inflight_cv:
            return self._inflight_cv.wait_for(lambda: self._inflight == 0, timeout=timeout)

    def request_stop(self) -> None:
        """Stop scheduling and make running crawls end (safe from a signal handler: works in a thread)."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        with self._inflight_cv:
            self._inflight_cv.notify_all()
        with self._queue_cv:
            self._queue_cv.notify_all()
        _event(logging.INFO, "stopping", "stop requested: no new jobs; ending running crawls")

        def stop() -> None:
            if self.scheduler is not None:
                with contextlib.suppress(Exception):
                    self.scheduler.shutdown(wait=False)
            n = self.terminate_crawls()
            if n:
                _event(logging.INFO, "crawls_terminated", f"{n} running crawl(s) asked to stop", crawls=n)

        self._stopper = threading.Thread(target=stop, name="briefwatch-stop", daemon=True)
        self._stopper.start()

    def serve(self) -> None:
        """Run until SIGTERM/SIGINT (lock, recovery, catch-up, schedule); returns normally (exit 0)."""
        self.acquire_lock()
        try:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.request_stop())
            rec = self.recover()
            _event(logging.INFO, "daemon_start", f"daemon {os.getpid()} on {self.cfg.db}", pid=os.getpid(),
                   db=str(self.cfg.db), tz=self.cfg.timezone, alerts_schedule=self.cfg.alerts_schedule, **rec)  # fmt: skip
            self.scheduler = self.build_scheduler()
            if self.batching:
                for i in range(max(1, self.cfg.max_crawls)):
                    t = threading.Thread(target=self._dispatch, name=f"briefwatch-batch-{i}", daemon=True)
                    t.start()
                    self._dispatchers.append(t)
            if not self.stopping.is_set():
                self.scheduler.start()  # blocks until request_stop shuts it down
            if not self.wait_jobs(self.cfg.stop_grace + 20):
                _event(logging.WARNING, "stop_timeout", "jobs still running at exit: killing their crawls")
                self.terminate_crawls(grace=0)
                self.wait_jobs(10)
            if self._stopper is not None:  # its last words (crawls_terminated) come before daemon_stop
                self._stopper.join(timeout=self.cfg.stop_grace + 10)
            _event(logging.INFO, "daemon_stop", f"daemon {os.getpid()} stopped", pid=os.getpid())
        finally:
            self.release_lock()


def lock_holder(db: str | os.PathLike) -> int | None:
    """The pid of the daemon holding ``<db>.lock``, or None when no daemon runs on it."""
    p = Path(f"{Path(db).resolve()}.lock")
    if not p.exists():
        return None
    with open(p) as f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            txt = f.read().strip()
            return int(txt) if txt.isdigit() else -1
        fcntl.flock(f, fcntl.LOCK_UN)
    return None
