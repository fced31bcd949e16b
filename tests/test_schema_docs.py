"""docs/schema.md is generated from the live schema: stale docs fail, and every example query runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from db.connect import open_db
from db.docs import EXAMPLES, SCHEMA_MD, generate, live_schema_markdown
from tests.test_analysts_fixture import build_fixture_db

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_md_is_current():
    current = SCHEMA_MD.read_text(encoding="utf-8") if SCHEMA_MD.exists() else ""
    assert current == live_schema_markdown(), "docs/schema.md is stale: run .venv/bin/python -m db.docs"


def test_every_table_view_and_column_is_documented():
    md = live_schema_markdown()
    db = open_db(":memory:")
    names = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
        )
        if not re.search(r"_fts_(data|idx|docsize|config)$", r[0])
    ]
    for name in names:
        assert f"\n## {name}\n" in md, name
        section = md.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        assert "not described yet" not in section, name
        for col in db.execute(f'PRAGMA table_info("{name}")'):
            row = re.search(rf"^\| `{col[1]}` \|.*\| (.+) \|$", section, re.M)
            assert row and row.group(1).strip(), f"{name}.{col[1]} has no description"


def test_check_mode_detects_a_stale_file(tmp_path):
    stale = tmp_path / "schema.md"
    stale.write_text("# old\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "db.docs", "--check", "-o", str(stale)]
    assert subprocess.run(cmd, cwd=ROOT, capture_output=True).returncode == 1
    assert subprocess.run([sys.executable, "-m", "db.docs", "-o", str(stale)], cwd=ROOT).returncode == 0
    assert subprocess.run(cmd, cwd=ROOT, capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    db = open_db(build_fixture_db(tmp_path_factory.mktemp("docs") / "fx.db"))
    yield db
    db.conn.close()


def _examples_in_markdown() -> list[str]:
    md = SCHEMA_MD.read_text(encoding="utf-8")
    part = md.split("## Example queries", 1)[1]
    return re.findall(r"```sql\n(.*?)```", part, re.S)


def test_markdown_holds_every_example():
    assert [sql.strip() for sql in _examples_in_markdown()] == [sql.strip() for _, _, sql in EXAMPLES]


@pytest.mark.parametrize("idx", range(len(EXAMPLES)), ids=[t for t, _, _ in EXAMPLES])
def test_example_query_runs_on_the_fixture(fixture_db, idx):
    title, _, sql = EXAMPLES[idx]
    rows = fixture_db.execute(sql).fetchall()
    assert rows, f"example {title!r} returned nothing on the fixture"
    if title.startswith("Coverage of one directive"):
        assert rows[0][:2] == ("Mê Linh", 3)
    if title.startswith("Units that never briefed"):
        units = {r[0] for r in rows}
        assert "xã Đại Thịnh" not in units and "phường Ba Đình" in units
    if title.startswith("Average days"):
        by_code = {r[0]: r for r in rows}
        assert by_code["24-CT/TU"][3] == pytest.approx((39 + 51 + 53 + 55) / 4, abs=0.1)


def test_generate_is_deterministic(fixture_db):
    assert generate(fixture_db) == generate(fixture_db)
