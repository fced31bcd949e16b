"""One crawl per source at a time, across processes: an advisory lock (``flock``) on a small file in a directory
beside the database, ``<db>.locks/crawl-<source>.lock``, holding the pid of the crawl (one directory, not a
file per source beside the database: a nationwide registry has thousands of sources, #13). The daemon's
crawls, ``briefwatch crawl`` and a bare ``scrapy crawl`` all take it, so a crawl started by hand while the daemon crawls the same source is
refused with a clear message instead of marking the live run dead. The lock goes with the process that holds it
(and with the Scrapy child that inherits it), whatever the way it ends: no stale lock after a SIGKILL."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from pathlib import Path


class SourceBusy(Exception):
    """Another process crawls this source now."""


def lock_path(db_path: str | os.PathLike, source: str) -> Path:
    db = Path(db_path)
    return db.with_name(f"{db.name}.locks") / f"crawl-{re.sub(r'[^A-Za-z0-9._-]', '_', source)}.lock"


def acquire(db_path: str | os.PathLike, source: str) -> int:
    """Take the source's lock; returns the file descriptor that holds it (close it to release). Raises
    ``SourceBusy`` naming the process that holds it."""
    path = lock_path(db_path, source)
    path.parent.mkdir(exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise SourceBusy(
            f"a crawl of {source} is already running (pid {holder}); one crawl per source at a time"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


@contextlib.contextmanager
def source_lock(db_path: str | os.PathLike, source: str) -> Iterator[int]:
    fd = acquire(db_path, source)
    try:
        yield fd
    finally:
        os.close(fd)
