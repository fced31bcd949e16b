"""briefwatch: alerts (issue 4): directives register, rules, evaluation, digests, outbox, SMTP."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlite_utils


@contextlib.contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[None]:
    """A ``BEGIN IMMEDIATE`` transaction (read-then-write); joins the caller's transaction if one is open."""
    if db.conn.in_transaction:
        yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
