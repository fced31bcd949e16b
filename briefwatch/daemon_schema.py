"""Tables of the daemon (issue 5), as the ``briefwatch-daemon`` sqlite-utils migration set.

- ``source_health``: the current health of each source and since when; a row changes only on a change
  of state, and ``notified_at`` records when the operators' notice for that state was queued.
- ``job_runs``: the last start and end of each non-crawl job of the daemon (``alerts``), so that a run
  missed while the daemon was down is caught up at start (crawls use ``crawl_runs``).
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("briefwatch-daemon")


@migrations()
def d001_daemon(db: sqlite_utils.Database) -> None:
    # one statement at a time: executescript() would COMMIT the migration's transaction
    for stmt in (
        """CREATE TABLE source_health (
            source TEXT PRIMARY KEY,
            state TEXT NOT NULL,          -- ok | failing | stale | selectors_broken | new
            since TEXT NOT NULL,          -- ISO timestamp (UTC) of the change to this state
            notified_at TEXT,             -- when the operators' notice of this state was queued (NULL: none)
            detail TEXT,                  -- why, in words
            checked_at TEXT NOT NULL
        )""",
        """CREATE TABLE job_runs (
            job TEXT PRIMARY KEY,         -- 'alerts'
            started_at TEXT NOT NULL,
            ended_at TEXT,
            status TEXT NOT NULL,         -- running | ok | failed
            summary TEXT                  -- JSON
        )""",
    ):
        db.execute(stmt)
