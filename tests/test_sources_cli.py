"""``briefwatch sources check`` validates registries offline (names against the gazetteer) and
``briefwatch crawl SOURCE --dry-run`` reads one listing and one article of a real site on 127.0.0.1 (issue #11)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from briefwatch.cli import cli
from briefwatch.sitesrv import SiteServer

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "briefwatch" / "demo"


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_shipped_registries_validate():
    for f in ("sources.yaml", "sources-vietnam.yaml"):
        res = _run("sources", "check", str(ROOT / f))
        assert res.exit_code == 0, res.output
        assert " 0 error(s)" in res.stdout


def test_a_home_without_its_accents_is_refused_with_a_suggestion(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(
        "sources:\n  - name: me-linh\n    family: govcms\n    home: {unit: xa Me Linh}\n"
        "    listings: [https://melinh.hanoi.gov.vn/cong-tac-dang]\n"
        "  - name: ha-noi\n    family: newspaper\n    home: {province: Ha Noi}\n    feeds: [https://x.example/rss]\n",
        encoding="utf-8",
    )
    res = _run("sources", "check", str(p))
    assert res.exit_code == 1
    assert "xa Me Linh: unknown unit; did you mean xã Mê Linh?" in res.output
    assert "Ha Noi: unknown province; did you mean Hà Nội?" in res.output


def test_dry_run_reads_one_listing_and_one_article_and_stores_nothing(tmp_path):
    with SiteServer(DEMO / "sites-2026", ["hoankiem", "caugiay"]) as srv:
        reg = tmp_path / "sources.yaml"
        reg.write_text(
            srv.render(
                (DEMO / "sources-2026.yaml").read_text(encoding="utf-8").split("  - name: demo-xa-me-linh")[0]
            ),
            encoding="utf-8",
        )
        res = _run(
            "--db",
            str(tmp_path / "none.db"),
            "--sources",
            str(reg),
            "crawl",
            "demo-phuong-cau-giay",
            "--dry-run",
        )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["read"].startswith("listing ") and out["article_links"] == 1
    art = out["article"]
    assert art["title"] == "Phường Cầu Giấy triển khai Chỉ thị số 05-CT/TU về sinh hoạt chi bộ"
    assert art["published"] == "2026-11-10" and art["extraction_path"] == "selectors"
    assert [(e["unit"], e["date"]) for e in out["events"]] == [("phường Cầu Giấy", "2026-11-10")]
    assert not (tmp_path / "none.db").exists()
