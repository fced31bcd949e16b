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


class DatabaseError(Exception):
    """A database that cannot be used as asked, with a message for the person who asked (no traceback)."""


def _writable(p: Path) -> bool:
    return os.access(p, os.W_OK) and os.access(p.parent, os.W_OK)


def open_reader(path: str | os.PathLike | None = None) -> sqlite_utils.Database:
    """Open an existing database read-only, for the commands that only read (status, serve, export, search,
    alerts list, directives list). Works on a read-only file or directory; never creates anything."""
    p = db_path(path)
    if not p.exists():
        raise DatabaseError(
            f"no database at {p}: check --db / BRIEFWATCH_DB (`briefwatch crawl` or `briefwatch run` creates one)"
        )
    if p.is_dir():
        raise DatabaseError(f"{p} is a directory, not a database file")
    uris = [f"file:{p}?mode=ro"]
    if not _writable(p):  # a WAL database in a read-only directory cannot get its -shm file: read it as is
        uris.append(f"file:{p}?mode=ro&immutable=1")
    last: Exception | None = None
    for uri in uris:
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False, isolation_level=None)
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            last = exc
            continue
        if "articles" not in tables:
            conn.close()
            raise DatabaseError(f"{p} is an SQLite database but not a briefwatch one (no articles table)")
        conn.execute("PRAGMA busy_timeout = 30000")
        return sqlite_utils.Database(conn)
    if last is not None and "not a database" in str(last):
        raise DatabaseError(f"{p} is not an SQLite database ({last})")
    raise DatabaseError(f"cannot read the database {p}: {last}")


def open_writer(path: str | os.PathLike | None = None) -> sqlite_utils.Database:
    """Open (or create) the database for a command that writes (crawl, run, alerts evaluate/send/silence,
    directives add/watch/...). A new database is created only in an existing directory; the default
    ``data/`` directory is the one exception (created on a fresh clone)."""
    p = db_path(path)
    if not p.exists():
        if not p.parent.exists() and p != Path(DEFAULT_DB):
            raise DatabaseError(
                f"the directory {p.parent} does not exist: check --db / BRIEFWATCH_DB (a new database is "
                "created only in an existing directory)"
            )
    elif p.is_dir():
        raise DatabaseError(f"{p} is a directory, not a database file")
    elif not _writable(p):
        raise DatabaseError(
            f"the database {p} (or its directory) is read-only, and this command writes to it; the commands "
            "that only read (status, serve, export, search, alerts list) work on it"
        )
    try:
        return open_db(p)
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            raise DatabaseError(f"{p} is not an SQLite database ({exc})") from None
        raise DatabaseError(f"cannot open the database {p}: {exc}") from None
