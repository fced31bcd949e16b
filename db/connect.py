"""Open the briefwatch database with the pragmas every connection needs, and migrate it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

DEFAULT_DB = "data/briefwatch.db"


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The database path: the argument, else $BRIEFWATCH_DB, else data/briefwatch.db."""
    return Path(path or os.environ.get("BRIEFWATCH_DB") or DEFAULT_DB)


def open_db(
    path: str | os.PathLike | None = None, *, migrate: bool = True, readonly: bool = False
) -> sqlite_utils.Database:
    """Connect with WAL, a 30 s busy timeout, foreign keys and synchronous=NORMAL; apply pending migrations.

    ``path=":memory:"`` gives an in-memory database (unit tests).
    """
    p = str(path) if path == ":memory:" else str(db_path(path))
    if readonly:
        conn = sqlite3.connect(f"file:{p}?mode=ro", uri=True, timeout=30, check_same_thread=False)
    else:
        if p != ":memory:":
            Path(p).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(p, timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA foreign_keys = ON")
    if not readonly:
        if p != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    db = sqlite_utils.Database(conn)
    if migrate and not readonly:
        from db.schema import apply_migrations

        apply_migrations(db)
    return db
