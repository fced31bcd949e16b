"""Transports for outbox messages: SMTP (``BRIEFWATCH_SMTP_URL``) or ``.eml`` files when none is configured.

``smtp://host:25``, ``smtp+starttls://user@host:587``, ``smtps://user:pass@host:465``; the password may
come from ``BRIEFWATCH_SMTP_PASSWORD`` instead of the URL. The sender is ``BRIEFWATCH_MAIL_FROM``.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

DEFAULT_FROM = "briefwatch@localhost"
_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class Transport(Protocol):
    def describe(self) -> str: ...

    def send(self, message: bytes, name: str) -> str:
        """Deliver one message; return where it went. Raise on failure."""
        ...


def mail_from() -> str:
    return os.environ.get("BRIEFWATCH_MAIL_FROM") or DEFAULT_FROM


@dataclass(frozen=True)
class SmtpConfig:
    scheme: str
    host: str
    port: int
    user: str | None = None
    password: str | None = None

    def describe(self) -> str:
        user = f"{self.user}@" if self.user else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def parse_smtp_url(url: str, password: str | None = None) -> SmtpConfig:
    """Parse a BRIEFWATCH_SMTP_URL; ``password`` (BRIEFWATCH_SMTP_PASSWORD) is used when the URL has none."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _PORTS:
        raise ValueError(
            f"BRIEFWATCH_SMTP_URL: unsupported scheme {scheme!r} (use smtp://, smtp+starttls://, smtps://)"
        )
    if not parts.hostname:
        raise ValueError("BRIEFWATCH_SMTP_URL: no host")
    try:
        port = parts.port or _PORTS[scheme]
    except ValueError as exc:
        raise ValueError(f"BRIEFWATCH_SMTP_URL: bad port: {exc}") from None
    user = unquote(parts.username) if parts.username else None
    pw = unquote(parts.password) if parts.password is not None else password
    return SmtpConfig(scheme, parts.hostname, port, user, pw if user else None)


def _envelope(message: bytes) -> tuple[str, list[str]]:
    h = BytesHeaderParser().parsebytes(message)
    sender = getaddresses([h.get("From", "")])
    rcpts = [a for _n, a in getaddresses(h.get_all("To", []) + h.get_all("Cc", [])) if a]
    if not rcpts:
        raise ValueError("message has no recipient")
    return (sender[0][1] if sender and sender[0][1] else mail_from()), rcpts


class SmtpTransport:
    def __init__(self, cfg: SmtpConfig, timeout: float = 30.0):
        self.cfg, self.timeout = cfg, timeout

    def describe(self) -> str:
        return self.cfg.describe()

    def send(self, message: bytes, name: str) -> str:
        sender, rcpts = _envelope(message)
        c = self.cfg
        if c.scheme == "smtps":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                c.host, c.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(c.host, c.port, timeout=self.timeout)
        try:
            if c.scheme == "smtp+starttls":
                conn.starttls(context=ssl.create_default_context())
            if c.user:
                conn.login(c.user, c.password or "")
            refused = conn.sendmail(sender, rcpts, message)
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
        finally:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()
        return self.describe()


class EmlTransport:
    """Writes each message to ``<dir>/<name>.eml`` (atomic rename; the same name overwrites: no duplicates)."""

    def __init__(self, directory: str | os.PathLike):
        self.dir = Path(directory)

    def describe(self) -> str:
        return f"eml:{self.dir}"

    def send(self, message: bytes, name: str) -> str:
        self.dir.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:120]
        path = self.dir / f"{safe}.eml"
        tmp = path.with_suffix(".eml.tmp")
        tmp.write_bytes(message)
        os.replace(tmp, path)
        return str(path)


def transport_from_env(db_file: str | os.PathLike | None) -> Transport:
    """SMTP when BRIEFWATCH_SMTP_URL is set, else .eml files in ``<db dir>/outbox/`` (data/outbox/)."""
    url = os.environ.get("BRIEFWATCH_SMTP_URL", "").strip()
    if url:
        return SmtpTransport(parse_smtp_url(url, os.environ.get("BRIEFWATCH_SMTP_PASSWORD")))
    base = Path(db_file).parent if db_file and str(db_file) != ":memory:" else Path("data")
    return EmlTransport(base / "outbox")
