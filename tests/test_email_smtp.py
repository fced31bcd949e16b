"""Real SMTP (aiosmtpd on 127.0.0.1): what arrives, and exactly-once delivery across an outage."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from aiosmtpd.controller import Controller

from alerts.evaluate import evaluate
from alerts.outbox import notify_operators, send_pending
from alerts.smtp import EmlTransport, SmtpTransport, parse_smtp_url, transport_from_env
from tests.test_alerts_fixtures import MELINH_COMMUNES, World, parse, parts, rules_from

pytestmark = pytest.mark.slow

EVIL = "Chỉ thị <script>alert('x')</script> & kỷ cương"


class Sink:
    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content)
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    sink = Sink()
    port = _free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    yield sink, port
    ctl.stop()


def _world(tmp_path) -> World:
    w = World(tmp_path / "bw.db")
    w.source("melinh", {"district": "Mê Linh"}, runs=("ok", "ok"))
    w.document("24-CT/TU", "2023-08-07", EVIL, "Ban Thường vụ Thành ủy Hà Nội")
    w.document("25-CT/TU", "2023-08-10", "về công tác cán bộ", "Ban Thường vụ Thành ủy Hà Nội")
    for u in MELINH_COMMUNES[:10]:
        w.event(u, ["24-CT/TU", "25-CT/TU"], "2023-08-20", title=f"<img src=x onerror=alert(1)> {u}")
    return w


def test_digest_received_over_smtp(tmp_path, smtp_server, monkeypatch):
    sink, port = smtp_server
    monkeypatch.setenv("BRIEFWATCH_MAIL_FROM", "briefwatch@example.net")
    w = _world(tmp_path)
    rules = rules_from()
    evaluate(w.db, rules, "2023-09-12")
    out = send_pending(w.db, transport=SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{port}")))
    assert out["sent"] == 2 and out["retry"] == out["dead"] == 0
    got = {rcpts[0]: raw for _frm, rcpts, raw in sink.messages}
    assert set(got) == {"supervisor.melinh@example.org", "city@example.org"}
    assert all(frm == "briefwatch@example.net" for frm, _r, _m in sink.messages)
    msg = parse(got["supervisor.melinh@example.org"])
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert b"=?utf-8?" in got["supervisor.melinh@example.org"].split(b"\n\n")[0].lower()  # encoded header
    assert msg["Subject"] == "briefwatch 2023-09-12 · district Mê Linh: 24-CT/TU, 25-CT/TU: 14 newly overdue"
    assert msg["Message-ID"].endswith("@example.net>")
    text, html = parts(msg)
    # grouped by document, then district
    i24, i25 = text.index("24-CT/TU: Chỉ thị"), text.index("25-CT/TU: về công tác cán bộ")
    assert i24 < i25
    assert text.count("-- District Mê Linh") == 2
    assert "10/17 units briefed" in text
    # scraped strings are escaped in the HTML part, links kept
    assert (
        "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; kỷ cương" in html
    )
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="https://melinh.hanoi.gov.vn/tin/' in html
    # the row is marked sent; a second send delivers nothing more
    assert {o["status"] for o in w.outbox()} == {"sent"}
    assert (
        send_pending(w.db, transport=SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{port}")))["sent"] == 0
    )
    assert len(sink.messages) == 2


def test_outage_then_recovery_delivers_each_message_once(tmp_path):
    port = _free_port()  # nothing listens there yet
    w = _world(tmp_path)
    rules = rules_from()
    transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{port}"), timeout=5)
    t0 = dt.datetime(2023, 9, 7, 23, 0, tzinfo=dt.UTC)

    evaluate(w.db, rules, "2023-09-07", now=t0)
    r1 = send_pending(w.db, t0, transport=transport, max_attempts=5, backoff_seconds=60)
    assert r1["sent"] == 0 and r1["retry"] == 2
    # the retry is not due yet a minute later... (backoff 60 s, then 120 s)
    assert send_pending(w.db, t0 + dt.timedelta(seconds=30), transport=transport)["claimed"] == 0

    t1 = dt.datetime(2023, 9, 14, 23, 0, tzinfo=dt.UTC)
    evaluate(w.db, rules, "2023-09-14", now=t1)  # reminders: two more digests
    r2 = send_pending(w.db, t1, transport=transport, max_attempts=5, backoff_seconds=60)
    assert r2["sent"] == 0 and r2["retry"] == 4
    rows = w.outbox()
    assert [o["attempts"] for o in rows] == [2, 2, 1, 1] and {o["status"] for o in rows} == {"pending"}
    ids_before = [parse(o["message"])["Message-ID"] for o in rows]

    sink = Sink()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        t2 = t1 + dt.timedelta(hours=1)
        r3 = send_pending(w.db, t2, transport=transport, max_attempts=5, backoff_seconds=60)
        assert r3["sent"] == 4
        assert send_pending(w.db, t2 + dt.timedelta(days=1), transport=transport)["claimed"] == 0
        evaluate(w.db, rules, "2023-09-14", now=t2)  # running the evaluation again queues nothing
        assert send_pending(w.db, t2 + dt.timedelta(days=1), transport=transport)["sent"] == 0
    finally:
        ctl.stop()
    received = [parse(raw)["Message-ID"] for _f, _r, raw in sink.messages]
    assert sorted(received) == sorted(ids_before)  # each message exactly once, same Message-ID as queued
    assert len(set(received)) == 4


def test_dead_letter_after_max_attempts(tmp_path):
    w = _world(tmp_path)
    rules = rules_from()
    evaluate(w.db, rules, "2023-09-07")
    transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{_free_port()}"), timeout=5)
    t = dt.datetime.now(dt.UTC)
    for i in range(3):
        send_pending(w.db, t + dt.timedelta(days=i), transport=transport, max_attempts=3, backoff_seconds=1)
    rows = w.outbox()
    assert {o["status"] for o in rows} == {"dead"} and {o["attempts"] for o in rows} == {3}
    assert w.db.execute("SELECT last_error FROM outbox").fetchone()[0].startswith("ConnectionRefusedError")


def test_crash_while_sending_is_resent_after_the_lease(tmp_path, smtp_server):
    sink, port = smtp_server
    w = _world(tmp_path)
    evaluate(w.db, rules_from(), "2023-09-07")
    from alerts.outbox import claim

    t = dt.datetime.now(dt.UTC)
    claimed = claim(w.db, t)  # a sender claimed the rows, then died before sending
    assert len(claimed) == 2 and {o["status"] for o in w.outbox()} == {"sending"}
    transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{port}"))
    assert send_pending(w.db, t + dt.timedelta(minutes=1), transport=transport)["claimed"] == 0  # lease holds
    assert send_pending(w.db, t + dt.timedelta(minutes=11), transport=transport)["sent"] == 2
    assert len(sink.messages) == 2


def test_operator_notice_queued_once_per_key(tmp_path, smtp_server):
    sink, port = smtp_server
    w = _world(tmp_path)
    rules = rules_from()
    assert (
        notify_operators(
            w.db, rules, "Nguồn melinh lỗi", "melinh failed 3 runs", key="melinh-down-2023-09-07"
        )
        == 1
    )
    assert (
        notify_operators(
            w.db, rules, "Nguồn melinh lỗi", "melinh failed 3 runs", key="melinh-down-2023-09-07"
        )
        == 0
    )
    send_pending(w.db, transport=SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{port}")))
    [(_f, rcpts, raw)] = sink.messages
    assert rcpts == ["ops@example.org"] and parse(raw)["Subject"] == "Nguồn melinh lỗi"


def test_eml_files_without_smtp(tmp_path, monkeypatch):
    monkeypatch.delenv("BRIEFWATCH_SMTP_URL", raising=False)
    w = _world(tmp_path)
    evaluate(w.db, rules_from(), "2023-09-07")
    transport = transport_from_env(w.path)
    assert isinstance(transport, EmlTransport) and transport.dir == tmp_path / "outbox"
    assert send_pending(w.db, transport=transport)["sent"] == 2
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 2
    msg = parse(files[0].read_bytes())
    assert msg.get_content_type() == "multipart/alternative"


def test_smtp_url_parsing():
    c = parse_smtp_url("smtps://user%40x.org:p%40ss@mail.example.org")
    assert (c.scheme, c.host, c.port, c.user, c.password) == (
        "smtps",
        "mail.example.org",
        465,
        "user@x.org",
        "p@ss",
    )
    c = parse_smtp_url("smtp+starttls://bot@mail.example.org", password="from-env")
    assert (c.port, c.user, c.password) == (587, "bot", "from-env")
    assert "from-env" not in c.describe()
    assert parse_smtp_url("smtp://127.0.0.1:2525").port == 2525
    with pytest.raises(ValueError, match="unsupported scheme"):
        parse_smtp_url("http://mail.example.org")
    with pytest.raises(ValueError, match="no host"):
        parse_smtp_url("smtp://")
