"""Databases the operator gets wrong (issue #12, items 5 and 6), through the real ``briefwatch`` command: a clear
message and exit 1, never a traceback; readers never create anything and work on read-only files and
directories; only writers create a database, and only in an existing directory.

Permissions mean nothing to root (CI runs as root), so "read-only" here is the real thing for everyone: the
command runs in a private mount namespace (``unshare -m``) where the database's directory is bind-mounted
read-only; writes fail with EROFS, even for root, and the mount goes away with the process."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from db.connect import open_db
from tests.conftest import BRIEFWATCH, ROOT

pytestmark = pytest.mark.slow

READERS = [
    ["status"],
    ["export", "events"],
    ["search", "quan triet"],
    ["alerts", "list"],
    ["directives", "list"],
]
WRITERS = [["alerts", "evaluate"], ["directives", "add", "24-CT/TU", "--issued", "2023-08-07"]]


READ_ONLY = [  # run "$@" with the directory $0 bind-mounted read-only, in a mount namespace of its own
    "unshare", "--mount", "--propagation", "private", "sh", "-c",
    'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"',
]  # fmt: skip


def bw(db: Path, *args: str, read_only: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFWATCH_")}
    cmd = [str(BRIEFWATCH), "--db", str(db), "--rules", str(ROOT / "alerts.yaml"), *args]
    if read_only:
        cmd = [*READ_ONLY, str(db.parent), *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)


def _no_traceback(out: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout, out.stderr[-1500:]


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a))
def test_a_mistyped_path_is_reported_and_nothing_is_created(tmp_path, args):
    db = tmp_path / "missing" / "sub" / "x.db"
    out = bw(db, *args)
    assert out.returncode == 1
    assert f"no database at {db}" in out.stderr
    _no_traceback(out)
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("args", WRITERS, ids=lambda a: " ".join(a))
def test_a_writer_creates_a_database_only_in_an_existing_directory(tmp_path, args):
    out = bw(tmp_path / "missing" / "x.db", *args)
    assert out.returncode == 1 and "does not exist" in out.stderr
    _no_traceback(out)
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("args", READERS + WRITERS, ids=lambda a: " ".join(a))
def test_a_file_that_is_not_sqlite(tmp_path, args):
    db = tmp_path / "notes.db"
    db.write_text("these are not the droids\n" * 50)
    out = bw(db, *args)
    assert out.returncode == 1 and "is not an SQLite database" in out.stderr
    _no_traceback(out)
    assert db.read_text().startswith("these are not")


@pytest.fixture
def read_only_db(tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    db = d / "bw.db"
    open_db(db).conn.close()  # a WAL database, closed cleanly: what a stopped daemon leaves
    probe = subprocess.run([*READ_ONLY, str(d), "sh", "-c", 'touch "$0/x"', str(d)], capture_output=True)
    if b"Read-only file system" not in probe.stderr:
        pytest.skip(f"cannot make a read-only mount here (unshare/mount): {probe.stderr[-200:]!r}")
    return db


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a))
def test_readers_work_on_a_read_only_file_in_a_read_only_directory(read_only_db, args):
    out = bw(read_only_db, *args, read_only=True)
    assert out.returncode == 0, out.stderr[-1500:]
    _no_traceback(out)


def test_serve_renders_a_read_only_database(read_only_db):
    out = bw(read_only_db, "serve", "--get", "/bw.json", read_only=True)
    assert out.returncode == 0, out.stderr[-1500:]
    assert '"database": "bw"' in out.stdout


@pytest.mark.parametrize("args", WRITERS, ids=lambda a: " ".join(a))
def test_writers_say_the_database_is_read_only(read_only_db, args):
    out = bw(read_only_db, *args, read_only=True)
    assert out.returncode == 1 and "is read-only" in out.stderr
    _no_traceback(out)


def test_run_with_a_registry_that_does_not_parse(tmp_path):
    reg = tmp_path / "sources.yaml"
    reg.write_text("sources:\n  - name: [unclosed\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFWATCH_")}
    out = subprocess.run(
        [str(BRIEFWATCH), "--db", str(tmp_path / "bw.db"), "--sources", str(reg), "run", "--once"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert out.returncode == 1 and str(reg) in out.stderr
    _no_traceback(out)


def test_score_on_an_index_without_its_text():
    out = subprocess.run(
        [str(BRIEFWATCH), "score", str(ROOT / "tests" / "corpus" / "real" / "rs-a-001.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1 and 'no "text" to score' in out.stderr
    _no_traceback(out)
