"""The source registry: validation of entries, the shipped sources.yaml, and CLI error reporting."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from briefwatch.cli import cli
from briefwatch.sources import (
    RegistryError,
    guess_family,
    load_registry,
    parse_registry,
    schedule_interval_seconds,
)

ROOT = Path(__file__).resolve().parent.parent

GOOD = {
    "name": "melinh-portal",
    "family": "liferay",
    "home": {"district": "Mê Linh"},
    "listings": [{"url": "https://melinh.hanoi.gov.vn/hoat-dong-dang", "links": "a.title", "next": "a.next"}],
    "article": {"title": "h1", "date": ".date", "body": ".content"},
    "schedule": "every 2h",
}


def entry(**changes):
    e = {**GOOD, **changes}
    return {k: v for k, v in e.items() if v is not None}


def test_good_entry_loads_with_its_values():
    reg = parse_registry({"sources": [GOOD]})
    assert reg.errors == []
    (src,) = reg.sources
    assert (src.name, src.family, src.home, src.schedule) == (
        "melinh-portal",
        "liferay",
        {"district": "Mê Linh"},
        "every 2h",
    )
    assert src.listings[0].links == "a.title" and src.listings[0].next == "a.next"
    assert src.article == {"title": "h1", "date": ".date", "body": ".content"}
    assert not src.lenient_tls and src.enabled and src.hosts == {"melinh.hanoi.gov.vn"}


@pytest.mark.parametrize(
    "bad, message",
    [
        (entry(colour="red"), "unknown key(s) in entry: colour"),
        (entry(name="Mê Linh"), "must match [a-z0-9-]+"),
        (entry(family="wordpress"), "family 'wordpress'"),
        (entry(home={"ward": "x"}), "unknown key(s) in home: ward"),
        (entry(home="Mê Linh"), "home must be a mapping"),
        (entry(listings=[{"url": "ftp://x.vn/a"}]), "is not an http(s) URL"),
        (entry(listings=[{"url": "https://x.vn/a", "link": "a"}]), "unknown key(s) in listing: link"),
        (entry(listings=[{"url": "https://x.vn/a", "links": "a[["}]), "is not valid CSS"),
        (entry(listings=[], feeds=None), "at least one feed, listing or sitemap"),
        (entry(feeds="https://x.vn/rss"), "feeds must be a list"),
        (entry(article={"title": "h1", "author": ".a"}), "unknown key(s) in article: author"),
        (entry(schedule="sometimes"), "neither 'every N(m|h|d)' nor a 5-field cron"),
        (entry(schedule="61 * * * *"), "schedule '61 * * * *'"),
        (entry(lenient_tls="yes"), "lenient_tls must be true or false"),
        (entry(confidence="sure"), "confidence 'sure'"),
        (entry(article_links="(unclosed"), "article_links is not a valid regex"),
        (entry(max_pages=0), "max_pages must be a positive integer"),
        ("just a string", "an entry must be a mapping"),
        (
            entry(sitemaps=[{"url": "https://x.vn/sitemap.xml", "max_age_days": 0}]),
            "max_age_days must be a positive",
        ),
        (entry(sitemaps=[{"url": "https://x.vn/s.xml", "depth": 2}]), "unknown key(s) in sitemap: depth"),
        (entry(home={"unit": "xa Me Linh"}), "xa Me Linh: unknown unit; did you mean xã Mê Linh?"),
        (entry(home={"district": "Dong Anh"}), "Dong Anh: unknown district; did you mean Đông Anh?"),
    ],
)
def test_bad_entry_is_reported_and_skipped(bad, message):
    other = entry(name="other-site")
    reg = parse_registry({"sources": [bad, other]})
    assert [s.name for s in reg.sources] == ["other-site"]
    assert len(reg.errors) == 1 and message in reg.errors[0], reg.errors
    assert reg.errors[0].startswith("entry 1")


def test_duplicate_name_is_an_error():
    reg = parse_registry({"sources": [GOOD, GOOD]})
    assert len(reg.sources) == 1 and "duplicate name 'melinh-portal'" in reg.errors[0]


@pytest.mark.parametrize("doc", [None, [], {"sources": "x"}, {"sources": [], "extra": 1}])
def test_unusable_file_is_a_registry_error(doc):
    with pytest.raises(RegistryError):
        parse_registry(doc)


def test_load_registry_file_errors(tmp_path):
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources: [\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid YAML"):
        load_registry(bad)


def test_family_guessed_by_url_shape():
    assert guess_family({"listings": [{"url": "https://portal.longbien.gov.vn/web/guest/tin"}]}) == "liferay"
    assert guess_family({"feeds": ["https://hanoimoi.vn/rss/chinh-tri"]}) == "newspaper"
    assert guess_family({"listings": ["https://melinh.hanoi.gov.vn/cong-tac-dang"]}) == "govcms"
    reg = parse_registry(
        {"sources": [{"name": "x", "listings": ["https://melinh.hanoi.gov.vn/cong-tac-dang"]}]}
    )
    assert reg.sources[0].family == "govcms"


def test_schedule_interval():
    assert schedule_interval_seconds("every 2h") == 7200
    assert schedule_interval_seconds("every 30m") == 1800
    assert schedule_interval_seconds("0 */3 * * *") is None


def test_shipped_registry_is_valid():
    reg = load_registry(ROOT / "sources.yaml")
    assert reg.errors == []
    assert len(reg.sources) >= 8
    families = {s.family for s in reg.sources}
    assert families == {"liferay", "govcms", "newspaper"}
    assert all(s.confidence in ("checked", "likely", "guess") for s in reg.sources)
    assert not any(s.lenient_tls for s in reg.sources)
    raw = yaml.safe_load((ROOT / "sources.yaml").read_text(encoding="utf-8"))
    assert all("confidence" in e for e in raw["sources"])  # every entry says how sure it is


def test_fixture_registry_template_is_valid(fixture_registry):
    reg = load_registry(fixture_registry)
    assert reg.errors == [] and [s.family for s in reg.sources] == [
        "liferay",
        "liferay",
        "govcms",
        "newspaper",
    ]


def test_cli_reports_bad_entries_and_unknown_sources(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        yaml.safe_dump({"sources": [entry(colour="red"), entry(name="ok-site", enabled=False)]}),
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "t.db"), "--sources", str(path), "crawl", "-q", "nope"]
    )
    assert res.exit_code == 1
    assert "unknown key(s) in entry: colour" in res.output
    assert "unknown source 'nope'" in res.output
    assert "nope" in res.output.splitlines()[-1] and "error" in res.output.splitlines()[-1]


def test_cli_unreadable_registry(tmp_path):
    res = CliRunner().invoke(cli, ["--sources", str(tmp_path / "none.yaml"), "crawl"])
    assert res.exit_code != 0 and "cannot read" in res.output
