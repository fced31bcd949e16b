"""The outbox: every message is a row first, then a sender delivers it.

- ``enqueue`` inserts once per (recipient, digest_key): queuing the same thing twice is a no-op.
- ``send_pending`` claims due rows in a ``BEGIN IMMEDIATE`` transaction (status ``sending``), sends them
  outside any transaction, then marks each ``sent``, or ``pending`` again with an exponential backoff
  (``next_attempt_at``), or ``dead`` after ``max_attempts`` failures. A row left in ``sending`` by a crash
  is claimed again after ``lease_seconds``; it is resent with the same bytes and Message-ID, so a
  receiver can drop the copy (delivery is at least once, never lost).
"""

from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
import logging
import os
from email.header import Header
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime

import sqlite_utils

from alerts import immediate
from alerts.smtp import Transport, mail_from, transport_from_env

log = logging.getLogger(__name__)


def _ts(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).isoformat(timespec="seconds")


def message_id(recipient: str, digest_key: str, sender: str | None = None) -> str:
    """Stable Message-ID of an outbox row: a hash of its unique key, at the sender's domain."""
    domain = (sender or mail_from()).rpartition("@")[2].strip("> ") or "briefwatch.local"
    h = hashlib.sha256(f"{recipient}\n{digest_key}".encode()).hexdigest()[:32]
    return f"<briefwatch.{h}@{domain}>"


def set_subject(msg: EmailMessage, subject: str) -> None:
    """Set ``Subject`` already encoded (RFC 2047, each encoded word keeping its own spaces).

    Python 3.11's header folding can put the space between two words of a Vietnamese subject between two
    encoded words, where RFC 2047 says readers drop it ("trung tâm" arrives as "trungtâm"); encoding with
    ``email.header.Header`` and storing the folded value as is avoids that, and the lines stay short."""
    msg.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n"))


def enqueue(
    db: sqlite_utils.Database,
    recipient: str,
    digest_key: str,
    subject: str,
    msg: EmailMessage,
    *,
    kind: str = "digest",
    now: dt.datetime | None = None,
    sender: str | None = None,
) -> int:
    """Queue ``msg`` for ``recipient`` unless (recipient, digest_key) is already queued. Returns 1 or 0.

    Joins the caller's transaction when one is open (evaluation writes states and outbox rows together).
    """
    now = now or dt.datetime.now(dt.UTC)
    sender = sender or mail_from()
    mid = message_id(recipient, digest_key, sender)
    for h in ("From", "To", "Message-ID", "Date"):
        del msg[h]
    msg["From"] = sender
    msg["To"] = recipient
    msg["Message-ID"] = mid
    msg["Date"] = format_datetime(now.astimezone(dt.UTC))
    del msg["Subject"]
    set_subject(msg, subject)
    raw = msg.as_bytes(policy=email.policy.SMTP)  # CRLF: smtplib sends bytes unmodified
    with immediate(db):
        cur = db.execute(
            """INSERT INTO outbox (recipient, digest_key, kind, subject, message_id, message, status, attempts,
                   next_attempt_at, created_at)
               VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)
               ON CONFLICT (recipient, digest_key) DO NOTHING""",
            [recipient, digest_key, kind, subject, mid, raw, _ts(now), _ts(now)],
        )
    return cur.rowcount if cur.rowcount > 0 else 0


def notify_operators(
    db: sqlite_utils.Database, rules, subject: str, body: str, key: str, *, now: dt.datetime | None = None
) -> int:
    """Queue an operator notice (plain text) to every ``operators:`` address, once per ``key``.

    Returns how many rows were queued (0 when already queued for that key, or no operator is configured).
    """
    n = 0
    for addr in rules.operators:
        msg = EmailMessage()
        msg["Subject"] = subject
        msg.set_content(body, cte="quoted-printable")
        n += enqueue(db, addr, f"operator:{key}", subject, msg, kind="operator", now=now)
    return n


def with_sender(raw: bytes, sender: str) -> bytes:
    """The queued message with ``From`` (and so the SMTP envelope) set to the sender configured at send time
    (``BRIEFWATCH_MAIL_FROM``, default ``briefwatch@localhost``); the Message-ID, fixed at queue time, stays."""
    msg = BytesParser(policy=email.policy.SMTP).parsebytes(raw)
    if msg["From"] == sender:
        return raw
    del msg["From"]
    msg["From"] = sender
    return msg.as_bytes(policy=email.policy.SMTP)


def claim(
    db: sqlite_utils.Database,
    now: dt.datetime,
    *,
    limit: int = 100,
    lease_seconds: int = 600,
    flush: bool = False,
    after_id: int = 0,
) -> list[tuple[int, str, bytes, int]]:
    """Mark due rows ``sending``; return (id, message_id, bytes, attempts). ``flush``: every pending row is due,
    whatever its backoff (a mail-queue flush once the operator has mended the SMTP server); rows up to
    ``after_id`` were handled by this send already."""
    stale = _ts(now - dt.timedelta(seconds=lease_seconds))
    due = "9999" if flush else _ts(now)
    with immediate(db):
        rows = db.execute(
            """SELECT id, message_id, message, attempts FROM outbox
               WHERE id > ? AND ((status = 'pending' AND next_attempt_at <= ?) OR (status = 'sending' AND claimed_at <= ?))
               ORDER BY id LIMIT ?""",
            [after_id, due, stale, limit],
        ).fetchall()
        db.conn.executemany(
            "UPDATE outbox SET status = 'sending', claimed_at = ? WHERE id = ?",
            [(_ts(now), r[0]) for r in rows],
        )
    return rows


def send_pending(
    db: sqlite_utils.Database,
    now: dt.datetime | None = None,
    *,
    transport: Transport | None = None,
    max_attempts: int = 6,
    backoff_seconds: int = 60,
    db_file: str | os.PathLike | None = None,
    flush: bool = False,
) -> dict:
    """Deliver every due outbox row (``flush``: every pending row now, backoff or not; each at most once per
    call). Returns {claimed, sent, retry, dead}."""
    now = now or dt.datetime.now(dt.UTC)
    if transport is None and db_file is None:  # .eml files go next to the database file itself
        db_file = next((r[2] for r in db.execute("PRAGMA database_list") if r[1] == "main" and r[2]), None)
    transport = transport or transport_from_env(db_file)
    out = {"claimed": 0, "sent": 0, "retry": 0, "dead": 0, "transport": transport.describe()}
    last = 0
    while True:
        rows = claim(db, now, flush=flush, after_id=last)
        if not rows:
            break
        last = rows[-1][0]
        out["claimed"] += len(rows)
        sender = mail_from()
        for oid, mid, raw, attempts in rows:
            name = f"{oid:06d}-{mid.strip('<>').split('@')[0]}"
            try:
                where = transport.send(with_sender(bytes(raw), sender), name)
            except Exception as exc:  # noqa: BLE001 - any failure of one message: retry later, go on
                attempts += 1
                err = f"{type(exc).__name__}: {exc}"[:500]
                if attempts >= max_attempts:
                    status, nxt = "dead", _ts(now)
                    out["dead"] += 1
                    log.error("outbox %s: dead after %d attempts: %s", oid, attempts, err)
                else:
                    status = "pending"
                    nxt = _ts(now + dt.timedelta(seconds=backoff_seconds * 2 ** (attempts - 1)))
                    out["retry"] += 1
                    log.warning("outbox %s: attempt %d failed (%s); next at %s", oid, attempts, err, nxt)
                with immediate(db):
                    db.execute(
                        "UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, claimed_at = NULL "
                        "WHERE id = ?",
                        [status, attempts, nxt, err, oid],
                    )
                continue
            with immediate(db):
                db.execute(
                    "UPDATE outbox SET status = 'sent', attempts = ?, sent_at = ?, transport = ?, last_error = NULL "
                    "WHERE id = ?",
                    [attempts + 1, _ts(now), where, oid],
                )
            out["sent"] += 1
    return out


def retry_dead(
    db: sqlite_utils.Database, ids: list[int] | None = None, *, now: dt.datetime | None = None
) -> int:
    """Put dead-lettered rows back in the queue (all, or the given ids)."""
    now = now or dt.datetime.now(dt.UTC)
    q = "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE status = 'dead'"
    args: list = [_ts(now)]
    if ids:
        q += f" AND id IN ({','.join('?' * len(ids))})"
        args += ids
    with immediate(db):
        return db.execute(q, args).rowcount
