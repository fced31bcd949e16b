"""The alert state machine, twice: ``next_state`` (pure Python, the specification, for one row) and
``TRANSITION_SQL`` (the same rules as one set-based SQL statement, what the evaluation runs over many rows).

A row is one (rule, document, unit). Its stored fields are ``FIELDS``; what is known at ``as_of`` is a
``Facts``. tests/test_alerts_machine.py runs both over every combination of previous state and facts and
requires the same result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

STATES = (
    "not_due",
    "overdue",
    "reminded",
    "resolved",
    "silenced",
    "briefed",
    "no_coverage",
    "source_failing",
)
FIELDS = (
    "state",
    "briefed_on",
    "event_id",
    "first_alerted_at",
    "last_notified_at",
    "resolved_at",
    "silenced_until",
    "silence_reason",
)


@dataclass(frozen=True)
class Facts:
    """What is known about one (rule, document, unit) at ``as_of`` (ISO date strings)."""

    as_of: str
    due: str
    brief_date: str | None  # first qualifying briefing, or None
    event_id: int | None
    cover: str  # ok | none | failing
    remind_every_days: int | None


def _plus(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day[:10]) + dt.timedelta(days=days)).isoformat()


def next_state(prev: dict | None, f: Facts) -> tuple[dict, str | None]:
    """The new stored fields and the notification kind (overdue | reminder | late | unmonitored) or None.

    not_due → overdue (first alert) → reminded (every ``remind_every_days``) → resolved (a briefing
    found after the alert: "reported late") ; silenced until a date; briefed (in time, or found before
    any alert); no_coverage / source_failing instead of overdue when nobody can see the unit.
    """
    p = prev.get("state") if prev else None
    n = {k: (prev or {}).get(k) for k in FIELDS}
    n["briefed_on"], n["event_id"] = f.brief_date, f.event_id
    alerted = p in ("overdue", "reminded")
    if f.brief_date:
        if p == "resolved" or alerted or p == "silenced":
            if p != "resolved":
                n["resolved_at"] = f.as_of
            n["state"] = "resolved"
            return n, ("late" if alerted else None)
        if f.brief_date <= f.due:
            n["state"] = "briefed"
        else:  # late, but nobody was told it was missing (e.g. unmonitored at the deadline)
            n["state"] = "resolved"
            n["resolved_at"] = n["resolved_at"] or f.as_of
        return n, None
    if p == "silenced" and (not n["silenced_until"] or f.as_of < n["silenced_until"]):
        return n, None
    expired_silence = p == "silenced"
    if f.as_of <= f.due:
        n["state"] = "not_due"
        return n, None
    if f.cover in ("none", "failing"):
        n["state"] = "no_coverage" if f.cover == "none" else "source_failing"
        return n, ("unmonitored" if p in (None, "not_due") else None)
    if not n["first_alerted_at"]:
        n["state"] = "overdue"
        n["first_alerted_at"] = n["last_notified_at"] = f.as_of
        return n, "overdue"
    remind_due = f.remind_every_days and f.as_of >= _plus(
        n["last_notified_at"] or f.as_of, f.remind_every_days
    )
    if expired_silence or remind_due:
        n["state"] = "reminded"
        n["last_notified_at"] = f.as_of
        return n, "reminder"
    n["state"] = p if alerted else "overdue"
    return n, None


def wake_on(
    state: str, due: str, last_notified_at: str | None, silenced_until: str | None, remind: int | None
):
    """The first as-of date on which time alone may change a stored state (None: only new data can)."""
    if state == "not_due":
        return _plus(due, 1)
    if state == "silenced":
        return silenced_until or None
    if state in ("overdue", "reminded") and remind and last_notified_at:
        return _plus(last_notified_at, remind)
    return None


# The same machine over the temp table ``_facts`` (one row per (gid, uid): A as_of, D due, B brief date, EV
# its event, C cover, R remind days, and the previous fields p, p_b, p_e, p_fa, p_ln, p_ra, p_su, p_sr;
# p NULL when there is no stored row). ``br`` names the branch of next_state taken, in its order.
_BRANCH = """
CASE
  WHEN B IS NOT NULL AND p IN ('resolved', 'overdue', 'reminded', 'silenced') THEN 'L'
  WHEN B IS NOT NULL AND B <= D THEN 'B'
  WHEN B IS NOT NULL THEN 'R'
  WHEN p = 'silenced' AND (p_su IS NULL OR p_su = '' OR A < p_su) THEN 'S'
  WHEN A <= D THEN 'N'
  WHEN C IN ('none', 'failing') THEN 'C'
  WHEN p_fa IS NULL OR p_fa = '' THEN 'O'
  WHEN p = 'silenced' OR (R IS NOT NULL AND R != 0 AND A >= date(COALESCE(NULLIF(p_ln, ''), A), '+' || R || ' days'))
      THEN 'M'
  ELSE 'K'
END
"""

_STATE = """CASE f.br
    WHEN 'L' THEN 'resolved' WHEN 'B' THEN 'briefed' WHEN 'R' THEN 'resolved' WHEN 'S' THEN 'silenced'
    WHEN 'N' THEN 'not_due' WHEN 'O' THEN 'overdue' WHEN 'M' THEN 'reminded'
    WHEN 'C' THEN CASE f.C WHEN 'none' THEN 'no_coverage' ELSE 'source_failing' END
    ELSE CASE WHEN f.p IN ('overdue', 'reminded') THEN f.p ELSE 'overdue' END
END"""
_FA = "CASE f.br WHEN 'O' THEN f.A ELSE f.p_fa END"
_LN = "CASE WHEN f.br IN ('O', 'M') THEN f.A ELSE f.p_ln END"
_RA = """CASE
    WHEN f.br = 'L' AND f.p IS NOT 'resolved' THEN f.A
    WHEN f.br = 'R' AND (f.p_ra IS NULL OR f.p_ra = '') THEN f.A
    ELSE f.p_ra
END"""

# ``{facts}``: a table or a sub-query with the FACTS_COLUMNS. ``br`` is MATERIALIZED once (SQLite would otherwise inline its CASE into every expression naming it); the
# other columns are cheap CASEs on it, repeated where needed rather than materialised again
TRANSITION_SQL = f"""
WITH f AS MATERIALIZED (SELECT x.*, {_BRANCH} AS br FROM {{facts}} x)
SELECT f.*,
       {_STATE} AS state,
       {_FA} AS fa,
       {_LN} AS ln,
       {_RA} AS ra,
       f.p_su AS su,
       f.p_sr AS sr,
       CASE
           WHEN f.br = 'L' AND f.p IN ('overdue', 'reminded') THEN 'late'
           WHEN f.br = 'C' AND (f.p IS NULL OR f.p = 'not_due') THEN 'unmonitored'
           WHEN f.br = 'O' THEN 'overdue'
           WHEN f.br = 'M' THEN 'reminder'
       END AS kind,
       CASE
           WHEN f.br = 'N' THEN date(f.D, '+1 day')
           WHEN f.br = 'S' THEN NULLIF(f.p_su, '')
           WHEN f.br IN ('O', 'M', 'K') AND f.R > 0 AND ({_LN}) > '' THEN date({_LN}, '+' || f.R || ' days')
       END AS wake,
       (f.p IS NULL OR ({_STATE}) IS NOT f.p OR f.B IS NOT f.p_b OR f.EV IS NOT f.p_e OR ({_FA}) IS NOT f.p_fa
        OR ({_LN}) IS NOT f.p_ln OR ({_RA}) IS NOT f.p_ra OR f.p_due IS NOT NULL) AS changed
FROM f
"""

FACTS_COLUMNS = (
    "gid INTEGER, uid INTEGER, A TEXT, D TEXT, B TEXT, EV INTEGER, C TEXT, R INTEGER, p TEXT, p_b TEXT, "
    "p_e INTEGER, p_fa TEXT, p_ln TEXT, p_ra TEXT, p_su TEXT, p_sr TEXT, p_due TEXT, p_wake TEXT, p_upd TEXT"
)
