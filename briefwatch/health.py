"""Source health: a pure function of a source's crawl history, stored transitions, operator notices.

States, worst first:

- ``failing``: the last ``failing_runs`` finished runs all failed (failed, killed, timeout, error);
- ``selectors_broken``: the last two runs that extracted pages took the generic fallback for more than
  ``fallback_threshold`` of them (the site changed its layout; the data still flows, worse);
- ``stale``: the source is crawled fine but has brought nothing new for longer than its expected
  cadence: ``stale_factor`` times the median gap between its recent productive runs, never less than
  ``stale_min_days`` (quiet commune portals post weekly, not daily) nor less than ``stale_factor``
  crawl intervals;
- ``ok``; ``new`` when the source has no finished run yet (no notice).

``assess`` is pure (``now`` passed in). ``update_health`` stores a change of state in ``source_health``
and, in the same transaction, queues one operator notice per change (``alerts.outbox.notify_operators``,
keyed by source, state and time of the change), a recovery notice on the way back to ``ok``. Notices go
to ``operators:`` of alerts.yaml only, never to supervisors: a broken source is not a unit's failure.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from briefwatch.i18n import N_, translation

log = logging.getLogger(__name__)

STATES = ("failing", "selectors_broken", "stale", "ok", "new")
FAILED = ("failed", "killed", "timeout", "error")


@dataclass(frozen=True)
class HealthPolicy:
    failing_runs: int = 2  # alerts.yaml settings.source_failing_runs
    fallback_threshold: float = 0.5
    stale_factor: float = 3.0
    stale_min_days: float = 14.0


@dataclass(frozen=True)
class Health:
    state: str
    detail: str
    last_success: str | None = None  # ISO timestamp of the last ok run's end


def _ts(s: str | None) -> dt.datetime | None:
    if not s:
        return None
    t = dt.datetime.fromisoformat(s)
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).isoformat(timespec="seconds")


def assess(
    runs: list[dict[str, Any]],
    now: dt.datetime,
    *,
    interval_seconds: int | None = None,
    policy: HealthPolicy = HealthPolicy(),
    _: Callable[[str], str] | None = None,
) -> Health:
    """Health of one source from its crawl runs (dicts with started_at, ended_at, status, new_articles,
    fallback_share; any order). ``interval_seconds``: the source's crawl interval when known. ``_``: a gettext
    function for the detail text (English when None)."""
    _ = _ or (lambda m: m)
    done = sorted(
        (r for r in runs if r.get("status") not in (None, "running", "stopped", "busy")),
        key=lambda r: (r["started_at"], r.get("id") or 0),
    )
    if not done:
        return Health("new", _("no finished crawl yet"))
    ok = [r for r in done if r["status"] == "ok"]
    last_success = (ok[-1].get("ended_at") or ok[-1]["started_at"]) if ok else None
    recent = done[-policy.failing_runs :]
    if len(recent) >= policy.failing_runs and all(r["status"] in FAILED for r in recent):
        what = ", ".join(
            _("{status} at {time}").format(status=r["status"], time=r["started_at"]) for r in recent
        )
        since = _("last success {time}").format(time=last_success) if last_success else _("never succeeded")
        return Health(
            "failing",
            _("last {n} runs failed ({what}); {since}").format(n=len(recent), what=what, since=since),
            last_success,
        )
    measured = [r for r in ok if r.get("fallback_share") is not None][-2:]
    if len(measured) == 2 and all(r["fallback_share"] > policy.fallback_threshold for r in measured):
        shares = ", ".join(f"{r['fallback_share']:.0%}" for r in measured)
        return Health(
            "selectors_broken",
            _(
                "selectors missed: generic extraction for {shares} of pages in the last 2 runs "
                "(threshold {threshold}); check the source's article selectors"
            ).format(shares=shares, threshold=f"{policy.fallback_threshold:.0%}"),
            last_success,
        )
    if ok:
        productive = [_ts(r["started_at"]) for r in ok if (r.get("new_articles") or 0) > 0]
        first = _ts(done[0]["started_at"])
        last_new = productive[-1] if productive else first
        recent_new = productive[-11:]
        gaps = [(b - a).total_seconds() for a, b in zip(recent_new, recent_new[1:], strict=False)]
        expected = max(
            policy.stale_min_days * 86400,
            policy.stale_factor * statistics.median(gaps) if len(gaps) >= 2 else 0,
            policy.stale_factor * (interval_seconds or 0),
        )
        quiet = (now - last_new).total_seconds()
        if quiet > expected:
            what = (
                _("last new article found {time}").format(time=_iso(last_new))
                if productive
                else _("no new article ever")
            )
            return Health(
                "stale",
                _("nothing new for {days} days ({what}); expected within {expected} days").format(
                    days=f"{quiet / 86400:.1f}", what=what, expected=f"{expected / 86400:.1f}"
                ),
                last_success,
            )
    return Health(
        "ok",
        _("last run {status} at {time}").format(status=done[-1]["status"], time=done[-1]["started_at"]),
        last_success,
    )


def source_runs(db: sqlite_utils.Database, source: str, limit: int = 50) -> list[dict]:
    """The last ``limit`` crawl runs of ``source`` (newest last)."""
    cur = db.execute(
        "SELECT id, started_at, ended_at, status, new_articles, events, errors, fallback_share FROM crawl_runs "
        "WHERE source = ? ORDER BY started_at DESC, id DESC LIMIT ?",
        [source, limit],
    )
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in reversed(cur.fetchall())]


def stored(db: sqlite_utils.Database) -> dict[str, dict]:
    cur = db.execute("SELECT source, state, since, notified_at, detail, checked_at FROM source_health")
    cols = [c[0] for c in cur.description]
    return {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}


_SUBJECTS = {
    "ok": N_("[briefwatch] source {source} recovered"),
    "failing": N_("[briefwatch] source {source} is failing"),
    "stale": N_("[briefwatch] source {source} has brought nothing new"),
    "selectors_broken": N_("[briefwatch] source {source} selectors stopped matching"),
}


def _notice(
    source: str, prev: str | None, h: Health, now: dt.datetime, _: Callable[[str], str] | None = None
) -> tuple[str, str] | None:
    """(subject, body) of the operators' notice for a change prev → h.state, or None (no notice)."""
    _ = _ or (lambda m: m)
    if h.state == "new" or (h.state == "ok" and prev in (None, "new", "ok")):
        return None
    subject = _(_SUBJECTS[h.state]).format(source=source)
    if h.state == "ok":
        body = _("Source {source} is healthy again (was {prev}).").format(source=source, prev=prev)
    else:
        body = _("Source {source}: {state} (was {prev}).").format(
            source=source, state=h.state, prev=prev or _("unknown")
        )
    body += f"\n\n{h.detail}\n\n" + _(
        "Detected {time}. This notice goes to the operators only; supervisors are not told that units failed "
        "to brief because of it (their units show as source_failing / no coverage instead)."
    ).format(time=_iso(now))
    body += "\n" + _("Check with: briefwatch status") + "\n"
    return subject, body


def update_health(
    db: sqlite_utils.Database,
    registry: Any,
    rules: Any,
    now: dt.datetime,
    *,
    sources: list[str] | None = None,
    policy: HealthPolicy | None = None,
) -> list[dict]:
    """Assess every registry source (or ``sources``); store changes of state and queue one operator notice
    per change. Returns the changes: [{source, from, to, detail, queued}]."""
    from alerts import immediate
    from alerts.outbox import notify_operators
    from briefwatch.sources import schedule_interval_seconds

    if policy is None:
        failing_runs = getattr(getattr(rules, "settings", None), "source_failing_runs", 2) if rules else 2
        policy = HealthPolicy(failing_runs=failing_runs)
    names = sources if sources is not None else [s.name for s in registry.sources if s.enabled]
    _ = translation(getattr(getattr(rules, "settings", None), "language", None)).gettext
    changes = []
    for name in names:
        src = registry.get(name) if registry is not None else None
        interval = schedule_interval_seconds(src.schedule) if src else None
        h = assess(source_runs(db, name), now, interval_seconds=interval, policy=policy, _=_)
        ts = _iso(now)
        with immediate(db):  # read-then-write: the state row and its notice together, or neither
            row = db.execute("SELECT state FROM source_health WHERE source = ?", [name]).fetchone()
            prev = row[0] if row else None
            if prev == h.state:
                db.execute(
                    "UPDATE source_health SET detail = ?, checked_at = ? WHERE source = ?",
                    [h.detail, ts, name],
                )
                continue
            note = _notice(name, prev, h, now, _)
            queued = 0
            if note and rules is not None:
                queued = notify_operators(
                    db, rules, note[0], note[1], key=f"health:{name}:{h.state}:{ts}", now=now
                )
            db.execute(
                """INSERT INTO source_health (source, state, since, notified_at, detail, checked_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT(source) DO UPDATE SET state = excluded.state, since = excluded.since,
                   notified_at = excluded.notified_at, detail = excluded.detail, checked_at = excluded.checked_at""",
                [name, h.state, ts, ts if queued else None, h.detail, ts],
            )
        change = {"source": name, "from": prev, "to": h.state, "detail": h.detail, "queued": queued}
        level = logging.WARNING if h.state not in ("ok", "new") else logging.INFO
        log.log(
            level,
            "health %s: %s -> %s",
            name,
            prev,
            h.state,
            extra={"fields": {"event": "health_change", **change}},
        )
        changes.append(change)
    return changes
