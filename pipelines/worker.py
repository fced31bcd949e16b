"""Extraction and storage of one article, in a worker process.

The crawl process spends its single core on Scrapy (downloads, parsing); the extraction engine and the SQLite
transaction of each article run here, on the machine's other core (``BRIEFWATCH_STORE_WORKERS``, default 1;
0 runs them in the crawl process). Pure functions of their arguments apart from one cached connection per
process. A worker killed with its crawl (same process group) loses only articles not yet committed, which
the next crawl fetches again: their URLs are not stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import signal

import sqlite_utils

from db import store
from db.connect import open_db

logger = logging.getLogger(__name__)
_dbs: dict[str, sqlite_utils.Database] = {}


def ignore_stop_signals() -> None:
    """Worker initializer: a stop (SIGTERM to the crawl's process group, Ctrl-C) is the crawl process's to
    handle. The worker finishes the article it holds and ends when the crawl closes its pool, so a stop we
    asked for loses nothing and counts no store error; SIGKILL still ends it at once."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def extract(item: dict) -> dict:
    """The engine on a crawled article (title, date line and body; the source's home). Raises on failure."""
    from briefwatch.extract import extract_article  # inside: a broken engine must not lose the article

    text = "\n\n".join(p for p in (item.get("title"), item.get("dateline"), item["text"]) if p)
    result = extract_article(
        text,
        published=item.get("published"),
        home=item.get("home"),
        title=item.get("title"),
        url=item["url"],
        source=item["source"],
    )
    if not isinstance(result, dict):
        raise TypeError(f"the engine returned {type(result).__name__}, not a dict")
    return result


def extract_and_store(db_path: str, item: dict, do_extract: bool, now: dt.datetime) -> dict:
    """Extract (when asked and not done yet) and store one article; returns what the pipeline counts:
    ``{"result": StoreResult fields, "events_extracted": n, "extract_error": str | None}``."""
    extraction, error = item.get("extraction"), None
    if do_extract and extraction is None:
        try:
            extraction = extract(item)
        except Exception as exc:  # noqa: BLE001 - the article is stored anyway, to be extracted later
            error = f"{type(exc).__name__}: {exc}"
    db = _dbs.get(db_path)
    if db is None:
        db = _dbs[db_path] = open_db(db_path)
    payload = {k: v for k, v in item.items() if k != "extraction"}
    res = store.store_article(db, payload, extraction, now)
    return {
        "result": dataclasses.asdict(res),
        "events_extracted": len((extraction or {}).get("events") or []),
        "extract_error": error,
    }
