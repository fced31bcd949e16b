"""``briefwatch run [--once]`` (the scheduler daemon) and ``briefwatch status``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from briefwatch.commands import iso_date, reader, writer


def _settings(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for s in values:
        if "=" not in s:
            raise click.BadParameter(f"{s!r} is not NAME=VALUE", param_hint="-s")
        k, v = s.split("=", 1)
        out[k.strip()] = v
    return out


@click.command("run")
@click.option("--once", is_flag=True, help="Run every due job once (crawls, then alerts), then exit.")
@click.option("--all", "force", is_flag=True, help="With --once: every job, due or not.")
@click.option(
    "--as-of", "as_of", callback=iso_date, help="Alerts: evaluate as on this date (default: today)."
)
@click.option(
    "--timeout", type=float, help="Seconds allowed per crawl (env BRIEFWATCH_CRAWL_TIMEOUT, default 1800)."
)
@click.option(
    "--max-crawls", type=int, help="Crawls at the same time (env BRIEFWATCH_MAX_CRAWLS, default 2)."
)
@click.option(
    "--jitter", type=int, help="Random seconds added to fire times (env BRIEFWATCH_JITTER, default 120)."
)
@click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Extra Scrapy setting for every crawl.",
)
@click.option("--no-send", is_flag=True, help="Evaluate alerts but leave the outbox unsent.")
@click.pass_context
def run_cmd(ctx: click.Context, once, force, as_of, timeout, max_crawls, jitter, settings, no_send) -> None:
    """The scheduler daemon: each source's crawl on its schedule, alerts daily at 07:00 (Asia/Ho_Chi_Minh).

    Refuses to start when another daemon runs on the same database; catches up, once, the runs missed
    while it was down; SIGTERM stops it cleanly (exit 0). Logs: JSON lines on stderr.
    """
    from briefwatch.daemon import Daemon, DaemonConfig, DaemonLocked, setup_logging

    setup_logging()
    try:
        cfg = DaemonConfig.from_env(
            ctx.obj["db"], ctx.obj["sources"], ctx.obj["rules"],
            as_of=as_of, crawl_timeout=timeout, max_crawls=max_crawls, jitter=jitter,
            crawl_settings=_settings(settings), send=not no_send,
        )  # fmt: skip
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if not Path(cfg.sources).is_file():
        raise click.ClickException(
            f"source registry not found: {cfg.sources} (set --sources or BRIEFWATCH_SOURCES)"
        )
    from briefwatch.sources import RegistryError, load_registry

    try:  # the same check as `crawl`: a registry that does not parse is an error to fix, not a traceback
        load_registry(cfg.sources)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from None
    writer(ctx).conn.close()  # the database: created in an existing directory, and writable
    daemon = Daemon(cfg)
    if not once:
        try:
            daemon.serve()
        except DaemonLocked as exc:
            raise click.ClickException(str(exc)) from None
        return
    try:
        daemon.acquire_lock()
    except DaemonLocked as exc:
        raise click.ClickException(str(exc)) from None
    try:
        daemon.recover()
        out = daemon.run_once(force=force)
    finally:
        daemon.release_lock()
    click.echo(json.dumps(_brief(out), ensure_ascii=False, default=str))
    bad = [c for c in out["crawls"] if c.get("status") not in ("ok", "skipped")]
    if bad or (out["alerts"] and out["alerts"].get("status") != "ok"):
        sys.exit(1)


def _brief(out: dict) -> dict:
    from briefwatch.commands.crawl import SUMMARY_KEYS

    keys = (*SUMMARY_KEYS, "seconds", "error", "reason")
    alerts = out.get("alerts")
    return {
        "due": out["due"],
        "crawls": [{k: c[k] for k in keys if c.get(k) is not None} for c in out["crawls"]],
        "alerts": None if alerts is None else {
            "status": alerts.get("status"),
            "evaluate": {k: (alerts.get("evaluate") or {}).get(k) for k in ("as_of", "changed", "notifications", "digests_queued")},
            "send": alerts.get("send"),
            "health": alerts.get("health"),
            "error": alerts.get("error"),
        },
    }  # fmt: skip


# --------------------------------------------------------------------------- status


def status_report(db, registry, cfg, now: dt.datetime, rules=None) -> dict[str, Any]:
    """Everything ``briefwatch status`` shows, as data (pure reads; ``now`` passed in)."""
    from briefwatch.daemon import lock_holder, plan
    from briefwatch.health import HealthPolicy, assess, source_runs, stored
    from briefwatch.sources import schedule_interval_seconds

    since = (now - dt.timedelta(days=30)).astimezone(dt.UTC).isoformat(timespec="seconds")
    counts = {
        r[0]: (r[1] or 0, r[2] or 0)
        for r in db.execute(
            "SELECT source, SUM(new_articles), SUM(events) FROM crawl_runs WHERE started_at >= ? GROUP BY source",
            [since],
        ).fetchall()
    }
    last_ok = dict(
        db.execute(
            "SELECT source, MAX(COALESCE(ended_at, started_at)) FROM crawl_runs WHERE status = 'ok' GROUP BY source"
        ).fetchall()
    )
    policy = HealthPolicy(failing_runs=rules.settings.source_failing_runs) if rules else HealthPolicy()
    saved = stored(db)
    jobs = {j["id"]: j for j in plan(db, registry, cfg, now)}
    sources = []
    for src in registry.sources:
        runs = source_runs(db, src.name)
        h = assess(runs, now, interval_seconds=schedule_interval_seconds(src.schedule), policy=policy)
        job = jobs.get(f"crawl:{src.name}")
        sources.append(
            {
                "source": src.name,
                "enabled": src.enabled,
                "schedule": src.schedule,
                "health": h.state,
                "health_detail": h.detail,
                "health_since": (saved.get(src.name) or {}).get("since")
                if (saved.get(src.name) or {}).get("state") == h.state
                else None,
                "last_success": last_ok.get(src.name),
                "last_run": runs[-1]["status"] if runs else None,
                "last_run_at": runs[-1]["started_at"] if runs else None,
                "articles_30d": counts.get(src.name, (0, 0))[0],
                "events_30d": counts.get(src.name, (0, 0))[1],
                "next_run": job["next_run"] if job else None,
                "due": bool(job and job["due"]),
            }
        )
    outbox = dict(db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
    alerts_job = jobs.get("alerts") or {}
    last_alerts = db.execute(
        "SELECT started_at, ended_at, status FROM job_runs WHERE job = 'alerts'"
    ).fetchone()
    return {
        "now": now,
        "db": str(cfg.db),
        "daemon_pid": lock_holder(cfg.db),
        "timezone": cfg.timezone,
        "sources": sources,
        "alerts": {
            "schedule": cfg.alerts_schedule,
            "last_run": last_alerts[0] if last_alerts else None,
            "last_status": last_alerts[2] if last_alerts else None,
            "next_run": alerts_job.get("next_run"),
            "due": alerts_job.get("due", False),
        },
        "outbox": {k: outbox.get(k, 0) for k in ("pending", "sending", "dead", "sent")},
        "registry_errors": registry.errors,
    }


def _local(v: Any, tz: ZoneInfo) -> str:
    if v is None:
        return "-"
    t = v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(str(v))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def format_status(rep: dict[str, Any]) -> str:
    tz = ZoneInfo(rep["timezone"])
    pid = rep["daemon_pid"]
    lines = [
        f"database: {rep['db']}",
        f"daemon:   {'running, pid ' + str(pid) if pid else 'not running'}   (times in {rep['timezone']})",
        "",
    ]
    head = ["source", "health", "last success", "articles 30d", "events 30d", "last run", "next run"]
    rows = [head]
    for s in rep["sources"]:
        nxt = "disabled" if not s["enabled"] else ("due now" if s["due"] else _local(s["next_run"], tz))
        rows.append(
            [s["source"], s["health"], _local(s["last_success"], tz), str(s["articles_30d"]), str(s["events_30d"]),
             s["last_run"] or "-", nxt]
        )  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    bad = [s for s in rep["sources"] if s["health"] not in ("ok", "new")]
    for s in bad:
        lines.append(f"  {s['source']}: {s['health_detail']}")
    a = rep["alerts"]
    lines += [
        "",
        f"alerts:   schedule '{a['schedule']}', last run {_local(a['last_run'], tz)} ({a['last_status'] or '-'}), "
        f"next {'due now' if a['due'] else _local(a['next_run'], tz)}",
        "outbox:   " + ", ".join(f"{k} {v}" for k, v in rep["outbox"].items()),
    ]
    for err in rep["registry_errors"]:
        lines.append(f"registry: {err} (skipped)")
    return "\n".join(lines)


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of the table.")
@click.pass_context
def status_cmd(ctx: click.Context, as_json: bool) -> None:
    """Each source's last success, articles and events in the last 30 days, health; the next scheduled
    runs; the outbox backlog; whether the daemon runs."""
    from alerts.rules import RulesError, load_rules
    from briefwatch.daemon import DaemonConfig
    from briefwatch.sources import RegistryError, load_registry

    try:
        cfg = DaemonConfig.from_env(ctx.obj["db"], ctx.obj["sources"], ctx.obj["rules"])
        registry = load_registry(cfg.sources)
    except (ValueError, RegistryError) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        rules = load_rules(cfg.rules)
    except RulesError:
        rules = None
    db = reader(ctx)
    try:
        rep = status_report(db, registry, cfg, dt.datetime.now(dt.UTC), rules)
    finally:
        db.conn.close()
    if as_json:
        click.echo(json.dumps(rep, ensure_ascii=False, default=str, indent=1))
    else:
        click.echo(format_status(rep))


def register(cli: click.Group) -> None:
    cli.add_command(run_cmd)
    cli.add_command(status_cmd)
