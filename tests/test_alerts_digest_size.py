"""A digest, as queued and sent (headers, both parts in base64), stays under ``settings.digest_max_kb`` however
much news there is (#13: a city-wide first run over years of directives is thousands of lines; webmail clips a
message of about 100 KB), and still accounts for every document with news: detailed, summarised in one line,
or counted in "... and N more"."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from alerts.evaluate import evaluate
from briefwatch.gazetteer import load_gazetteer
from tests.test_alerts_fixtures import World, parse, parts, rules_from

DOCS = 150

RULES = """
settings: {{source_failing_runs: 2, digest_max_kb: {kb}, language: {lang}}}
recipients:
  - email: city@example.org
    scope: {{all: true}}
rules:
  - name: communes
    documents: {{issuer: TU, types: [CT], issued_after: 2023-06-01}}
    units: {{levels: [xa, phuong, thi_tran]}}
    deadline_days: 30
    remind_every_days: 7
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Hanoi before July 2025, every district's portal healthy, 150 city directives and almost no briefing:
    about 79,000 overdue (document, commune) rows on the first evaluation."""
    w = World(tmp_path_factory.mktemp("size") / "bw.db")
    units = load_gazetteer().units(on=dt.date(2024, 1, 1), province="Hà Nội")
    for i, district in enumerate(sorted({u.district for u in units if u.district})):
        w.source(f"portal-{i}", {"district": district})
    for n in range(1, DOCS + 1):
        w.document(f"{n}-CT/TU", "2023-08-01")
    w.event("xã Đại Thịnh", ["1-CT/TU"], "2023-08-20")
    return w


def _digest(w: World, kb: int, lang: str) -> tuple[str, str, bytes]:
    w.db.execute("DELETE FROM outbox")
    rules = rules_from(RULES.format(kb=kb, lang=lang))
    evaluate(w.db, rules, "2023-10-01", dry_run=False)
    (raw,) = [r[0] for r in w.db.execute("SELECT message FROM outbox WHERE recipient = 'city@example.org'")]
    for table in ("alert_cells", "alert_groups", "alert_runs"):  # the next call is a first run again
        w.db.execute(f"DELETE FROM {table}")
    text, body = parts(parse(raw))
    return text, body, raw


def _accounted(text: str) -> tuple[int, int, int]:
    """(detailed sections, summary lines, documents counted in "... and N more") read from the text part."""
    sections = text.count("=" * 70)
    rest = len(re.findall(r"^  - \d+-CT/TU \(communes\): ", text, flags=re.M))
    hidden = re.search(r"^  - \.\.\. (?:and|và) (\d+) ", text, flags=re.M)
    has_rest = 1 if rest or hidden else 0  # the summary's heading is a separator too
    return sections - has_rest, rest, int(hidden.group(1)) if hidden else 0


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_city_wide_digest_stays_under_its_budget(world, lang):
    text, body, raw = _digest(world, 40, lang)
    assert len(raw) <= 40 * 1024
    assert len(raw) > 30 * 1024  # filled, not emptied
    detailed, rest, hidden = _accounted(text)
    assert detailed >= 1
    assert hidden > 0
    assert detailed + rest + hidden == DOCS
    assert f"{rest + hidden} " in text.split("=" * 70)[-1].splitlines()[1]  # "N more document(s) with news"


def test_without_a_tight_budget_the_digest_details_up_to_max_sections(world):
    from alerts.digest import MAX_SECTIONS

    text, body, raw = _digest(world, 100_000, "en")
    detailed, rest, hidden = _accounted(text)
    assert detailed == MAX_SECTIONS
    assert rest == DOCS - MAX_SECTIONS
    assert hidden == 0
    assert len(raw) > 100 * 1024  # what the default budget keeps out of a mailbox


def test_a_section_too_long_for_the_budget_is_summarised(world):
    """Under the smallest budget no city-wide section fits (each lists 30 districts): every document is then
    summarised or counted, and the message still keeps to the budget."""
    text, _body, raw = _digest(world, 20, "en")
    assert len(raw) <= 20 * 1024
    detailed, rest, hidden = _accounted(text)
    assert detailed == 0
    assert rest > 0 and rest + hidden == DOCS


def test_the_budget_is_validated():
    from alerts.rules import load_yaml, parse_rules

    r = parse_rules(load_yaml(RULES.format(kb=5, lang="en")))
    assert any("settings.digest_max_kb" in e for e in r.errors)


def test_an_unmonitored_line_names_at_most_max_lines_units(tmp_path):
    """Hanoi since July 2025 (126 communes and wards, no district level) with no source at all: one line says
    how many units no source covers, names the first MAX_LINES of them and counts the rest."""
    from alerts.digest import MAX_LINES

    w = World(tmp_path / "bw.db")
    w.document("9-CT/TU", "2025-08-01")
    rules = rules_from(
        RULES.format(kb=100, lang="en").replace("issued_after: 2023-06-01", "issued_after: 2025-07-01")
    )
    evaluate(w.db, rules, "2025-10-01")
    (raw,) = [r[0] for r in w.db.execute("SELECT message FROM outbox")]
    text, body = parts(parse(raw))
    (line,) = [x for x in text.splitlines() if "no monitored source covers" in x]
    assert "covers 126 unit(s): " in line
    assert line.endswith(f" and {126 - MAX_LINES} more")
    names = line.split(" unit(s): ", 1)[1].rsplit(" and ", 1)[0].split(", ")
    assert len(names) == MAX_LINES
    assert names == sorted(names)
