"""``briefwatch demo`` (what ``make demo`` runs) as a real subprocess: today's Hanoi by default (a Vietnamese
digest for a group of wards: in time, late, never, not monitored), the 2023 Mê Linh scenario on request;
digests land as .eml files; a second run works and adds no duplicate; a non-demo database is never reset."""

from __future__ import annotations

import email
import email.policy
import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from briefwatch.demo.runner import coverage, format_coverage

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BRIEFWATCH = ROOT / ".venv" / "bin" / "briefwatch"


def demo(db: Path, cwd: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFWATCH_")}
    env["BRIEFWATCH_SMTP_URL"] = "smtp://127.0.0.1:9"  # must be ignored: the demo never uses real SMTP
    return subprocess.run(
        [str(BRIEFWATCH), "demo", "--db", str(db), *extra],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _mails(outbox: Path) -> dict[str, email.message.EmailMessage]:
    msgs = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in outbox.glob("*.eml")
    ]
    return {m["To"]: m for m in msgs}


def test_present_day_demo_gives_a_ward_group_its_vietnamese_digest(tmp_path: Path):
    db = tmp_path / "data" / "demo.db"
    res = demo(db, tmp_path)  # the default scenario: today's Hanoi, as of 2026-11-20
    assert res.returncode == 0, res.stderr[-3000:]
    out = res.stdout
    assert "05-CT/TU (thành phố Hà Nội): in time 2, late 1, never 1, unmonitored 122" in out
    assert re.search(r"phường Cầu Giấy\s+-\s+LATE     10/11/2026 \(\+9 d\)", out)
    mails = _mails(tmp_path / "data" / "outbox")
    assert set(mails) == {"ban.tuyen.giao@briefwatch.example.org", "cum.trung.tam@briefwatch.example.org"}
    group = mails["cum.trung.tam@briefwatch.example.org"]
    assert group["Subject"] == (
        "briefwatch 20/11/2026 · Cụm phường trung tâm (demo): 05-CT/TU (thành phố Hà Nội): "
        "1 đơn vị mới quá hạn, 1 đơn vị không có nguồn theo dõi"
    )
    text = group.get_body(("plain",)).get_content()
    html = group.get_body(("html",)).get_content()
    assert "xã Mê Linh: chưa có tin quán triệt, quá hạn 19 ngày (hạn 01/11/2026) [MỚI]" in text
    assert "phường Cầu Giấy: đã quán triệt ngày 10/11/2026 (trễ hạn)" in text
    assert "phường Hoàn Kiếm: đã quán triệt ngày 20/10/2026" in text
    assert "không có nguồn theo dõi cho 1 đơn vị: phường Tây Hồ" in text
    assert re.search(
        r'<a href="http://127\.0\.0\.1:\d+/cong-tac-dang/phuong-cau-giay-trien-khai-[^"]+\.htm">', html
    )
    units = {"phường Hoàn Kiếm", "xã Mê Linh", "phường Cầu Giấy", "phường Tây Hồ"}
    others = set(re.findall(r"(?:phường|xã) [A-ZĐ][^\s:,.<]*(?: [A-ZĐ][^\s:,.<]*)*", text)) - units
    assert others == set(), others  # the group hears of its four units only


def test_demo_twice(tmp_path: Path):
    db = tmp_path / "data" / "demo.db"
    first = demo(db, tmp_path, "--scenario", "melinh-2023")  # from another directory: nothing depends on cwd
    assert first.returncode == 0, first.stderr[-3000:]
    out = first.stdout
    for line in (
        "demo-melinh-portal  ok",
        "demo-hanoimoi       ok",
        "24-CT/TU (thành phố Hà Nội): in time 3, late 1, never 13",
        "25-CT/TU (thành phố Hà Nội): in time 3, late 1, never 13",
    ):
        assert line in out
    assert re.search(r"xã Đại Thịnh\s+Mê Linh\s+in time  25/08/2023\s+in time  10/10/2023", out)
    assert re.search(r"xã Tráng Việt\s+Mê Linh\s+LATE     26/09/2023 \(\+20 d\)\s+NEVER", out)
    assert re.search(r"xã Kim Hoa\s+Mê Linh\s+NEVER    \(overdue\)\s+LATE     02/11/2023 \(\+13 d\)", out)
    assert f"database: {db}" in out
    emls = sorted((tmp_path / "data" / "outbox").glob("*.eml"))
    assert len(emls) == 2 and all(str(p) in out for p in emls)
    msgs = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in emls]
    assert {m["To"] for m in msgs} == {
        "supervisor.melinh@briefwatch.example.org",
        "city.supervisor@briefwatch.example.org",
    }
    body = msgs[0].get_body(("plain",)).get_content()
    assert "xã Chu Phan" in body and "24-CT/TU" in body  # a commune that never briefed is named
    conn = sqlite3.connect(db)
    try:
        first_counts = [
            conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("articles", "events", "outbox")
        ]
    finally:
        conn.close()
    assert first_counts == [11, 9, 2]

    second = demo(
        db, tmp_path, "--scenario", "melinh-2023"
    )  # idempotent: the database is reset, files overwritten
    assert second.returncode == 0, second.stderr[-3000:]
    assert "24-CT/TU (thành phố Hà Nội): in time 3, late 1, never 13" in second.stdout
    assert sorted((tmp_path / "data" / "outbox").glob("*.eml")) == emls
    conn = sqlite3.connect(db)
    try:
        assert [
            conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("articles", "events", "outbox")
        ] == first_counts
    finally:
        conn.close()


def test_demo_refuses_a_real_database(tmp_path: Path):
    from db.connect import open_db

    db = tmp_path / "briefwatch.db"
    d = open_db(db)
    d.execute("INSERT INTO sources (name, family) VALUES ('melinh-portal', 'liferay')")
    d.conn.close()
    before = db.read_bytes()
    res = demo(db, tmp_path)
    assert res.returncode == 1 and "is not a database the demo made" in res.stderr
    assert db.read_bytes() == before


def test_demo_refuses_an_empty_briefwatch_database(tmp_path: Path):
    from db.connect import open_db

    db = tmp_path / "fresh.db"
    open_db(db).conn.close()  # made by `briefwatch crawl`, nothing in it yet (issue #12, item 6)
    before = db.read_bytes()
    res = demo(db, tmp_path)
    assert res.returncode == 1 and "is not a database the demo made" in res.stderr
    assert db.read_bytes() == before


def test_demo_refuses_the_production_path(tmp_path: Path):
    res = demo(Path("data/briefwatch.db"), tmp_path)
    assert res.returncode == 1 and "is the production database" in res.stderr
    assert not (tmp_path / "data" / "briefwatch.db").exists()


def test_coverage_table_from_alert_states(tmp_path: Path):
    from db.connect import open_db

    d = open_db(tmp_path / "x.db")
    rows = [
        ("r", "24-CT/TU", "1", "xã A", "Mê Linh", "briefed", "2023-09-06", "2023-08-25"),
        ("r", "24-CT/TU", "2", "xã B", "Mê Linh", "resolved", "2023-09-06", "2023-09-26"),
        ("r", "24-CT/TU", "3", "xã C", "Mê Linh", "overdue", "2023-09-06", None),
        ("r", "24-CT/TU", "4", "xã D", "Mê Linh", "no_coverage", "2023-09-06", None),
        ("r", "25-CT/TU", "1", "xã A", "Mê Linh", "not_due", "2023-12-01", None),
    ]
    for r in rows:
        d.execute(
            "INSERT INTO alert_states (rule, document, unit_id, unit, district, state, due_date, briefed_on, updated_at,"
            " document_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '2023-11-15', ?)",
            [*r, 1 if r[1] == "24-CT/TU" else 2],
        )
    cov = coverage(d)
    d.conn.close()
    assert cov["totals"] == {
        "24-CT/TU": {"in_time": 1, "late": 1, "never": 1, "unmonitored": 1},
        "25-CT/TU": {"not_due": 1},
    }
    assert [r[0] for r in cov["rows"]] == ["xã A", "xã B", "xã D", "xã C"]  # best status first
    text = format_coverage(cov)
    assert (
        "LATE     26/09/2023 (+20 d)" in text
        and "not yet  (not due)" in text
        and "unknown  (no working source)" in text
    )
    assert text.splitlines()[0].split() == [
        "unit",
        "district",
        "24-CT/TU",
        "(due",
        "06/09/2023)",
        "25-CT/TU",
        "(due",
        "01/12/2023)",
    ]
