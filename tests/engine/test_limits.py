"""What one article may cost (issue #12, item 10): a hostile page is refused with a clear error, the run goes on.
Time itself is measured by benchmarks/bench_hostile.py, not here."""

import json
import subprocess

import pytest

from briefwatch.extract import MAX_INPUT_CHARS, MAX_TEXT_CHARS, ArticleTooLarge, extract_article
from tests.conftest import BRIEFWATCH

SENTENCE = "Ngày 12/9/2023, Đảng ủy phường Phúc Đồng tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU. "


def test_text_over_the_limit_is_refused_with_its_size():
    with pytest.raises(ArticleTooLarge, match=r"\d+ characters of text \(limit 400000\)"):
        extract_article("x " * (MAX_TEXT_CHARS // 2 + 10))


def test_raw_input_over_the_limit_is_refused_before_any_work():
    with pytest.raises(ArticleTooLarge, match="characters in"):
        extract_article(html="<p>" + "a" * MAX_INPUT_CHARS + "</p>")


def test_markup_does_not_count_against_the_text_limit():
    html = "<div class='x'>" * 20000 + f"<p>{SENTENCE}</p>" + "</div>" * 20000
    assert [e["unit"] for e in extract_article(html=html)["events"]] == ["phường Phúc Đồng"]


def test_a_long_article_just_under_the_limit_still_gives_its_events():
    text = SENTENCE * (MAX_TEXT_CHARS // len(SENTENCE) - 1)
    events = extract_article(text)["events"]
    assert [(e["unit"], e["directives"], e["date"]) for e in events] == [
        ("phường Phúc Đồng", ["24-CT/TU"], "2023-09-12")
    ]


def test_cli_reports_the_oversized_line_and_goes_on():
    lines = [json.dumps({"text": "x " * (MAX_TEXT_CHARS // 2 + 10)}), json.dumps({"text": SENTENCE})]
    out = subprocess.run(
        [str(BRIEFWATCH), "extract"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    got = [json.loads(x) for x in out.stdout.splitlines()]
    assert out.returncode == 0
    assert "ArticleTooLarge" in got[0]["error"] and "limit 400000" in got[0]["error"]
    assert got[1]["events"][0]["unit"] == "phường Phúc Đồng"
