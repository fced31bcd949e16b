"""The outbox at send time (issue #12, items 7 and 8), with real processes: ``briefwatch alerts evaluate`` and
``briefwatch alerts send`` as subprocesses, a real SMTP server (aiosmtpd) on 127.0.0.1, a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_alerts_cli import _world
from tests.test_alerts_fixtures import RULES_YAML, parse
from tests.test_email_smtp import _free_port, smtp_server  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent / "briefwatch"


def _cli(tmp_path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFWATCH_")}
    return subprocess.run(
        [str(BIN), "--db", str(tmp_path / "data" / "bw.db"), "--rules", str(tmp_path / "alerts.yaml"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, **(env or {})},
    )


def test_the_sender_is_the_one_configured_when_sending(tmp_path, smtp_server):  # noqa: F811
    sink, port = smtp_server
    w = _world(tmp_path)
    (tmp_path / "alerts.yaml").write_text(RULES_YAML, encoding="utf-8")
    assert _cli(tmp_path, "alerts", "evaluate", "--as-of", "2023-09-07").returncode == 0  # no sender set
    queued = {r[0] for r in w.db.execute("SELECT message_id FROM outbox")}
    out = _cli(
        tmp_path,
        "alerts",
        "send",
        env={
            "BRIEFWATCH_MAIL_FROM": "canh.bao@example.net",
            "BRIEFWATCH_SMTP_URL": f"smtp://127.0.0.1:{port}",
        },
    )
    assert out.returncode == 0, out.stderr
    assert len(sink.messages) == 2
    assert {frm for frm, _r, _m in sink.messages} == {"canh.bao@example.net"}  # the envelope
    msgs = [parse(raw) for _f, _r, raw in sink.messages]
    assert {m["From"] for m in msgs} == {"canh.bao@example.net"}
    assert {m["Message-ID"] for m in msgs} == queued  # fixed when queued


def test_send_now_flushes_the_queue_after_an_outage(tmp_path, smtp_server):  # noqa: F811
    sink, port = smtp_server
    w = _world(tmp_path)
    (tmp_path / "alerts.yaml").write_text(RULES_YAML, encoding="utf-8")
    assert _cli(tmp_path, "alerts", "evaluate", "--as-of", "2023-09-07").returncode == 0
    down = f"smtp://127.0.0.1:{_free_port()}"  # nothing listens there: the outage
    out = _cli(tmp_path, "alerts", "send", env={"BRIEFWATCH_SMTP_URL": down})
    assert {r["status"] for r in w.outbox()} == {"pending"} and all(r["attempts"] == 1 for r in w.outbox())
    up = {"BRIEFWATCH_SMTP_URL": f"smtp://127.0.0.1:{port}"}
    out = _cli(tmp_path, "alerts", "send", env=up)  # repaired, but the messages wait out their backoff
    assert out.returncode == 0 and sink.messages == []
    out = _cli(tmp_path, "alerts", "send", "--now", env=up)
    assert out.returncode == 0, out.stderr
    assert len(sink.messages) == 2 and {r["status"] for r in w.outbox()} == {"sent"}
    assert _cli(tmp_path, "alerts", "send", "--now", env=up).returncode == 0
    assert len(sink.messages) == 2  # each message once
