"""The engine on whole articles: the five seeds (every field) and targeted cases on literal strings."""

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefwatch.cli import cli
from briefwatch.extract import extract_article

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
seed_files = sorted(SEEDS.glob("*.expected.json"))


@pytest.mark.skipif(not seed_files, reason="../shared/seeds not present")
@pytest.mark.parametrize("path", seed_files, ids=lambda p: p.name[:3])
def test_seed_events_exactly(path):
    gold = json.loads(path.read_text(encoding="utf-8"))
    text = path.with_name(path.name.replace(".expected.json", ".txt")).read_text(encoding="utf-8")
    got = extract_article(text)
    assert got["events"] == gold["events"]
    assert got["published"] == gold["published"]
    want_docs = {(d["code"], d["type"], d["issued"]) for d in gold["documents"]}
    assert {(d["code"], d["type"], d["issued"]) for d in got["documents"]} == want_docs


def ev(text, **kw):
    return extract_article(text, **kw)["events"]


def test_single_commune_conference():
    e = ev(
        "Ngày 12/9/2023, Đảng ủy phường Phúc Đồng (quận Long Biên) tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU cho 150 đảng viên."
    )
    assert e == [
        {
            "unit": "phường Phúc Đồng",
            "unit_type": "phuong",
            "district": "Long Biên",
            "province": "Hà Nội",
            "directives": ["24-CT/TU"],
            "date": "2023-09-12",
            "kind": "quan_triet",
            "attendees": 150,
        }
    ]


def test_nfd_and_old_tone_marks_give_the_same_events():
    text = "Sáng 5/10/2023, Thị uỷ Sơn Tây tổ chức hội nghị quán triệt Nghị quyết số 57-NQ/TW cho hơn 300 cán bộ."
    a = ev(text)
    b = ev(unicodedata.normalize("NFD", text))
    assert a == b
    assert a[0]["unit"] == "thị xã Sơn Tây" and a[0]["attendees"] == 300


def test_plans_and_instructions_are_not_events():
    assert (
        ev("Huyện ủy Mê Linh yêu cầu các chi bộ tổ chức quán triệt Chỉ thị số 24-CT/TU trước ngày 30/9/2023.")
        == []
    )
    assert (
        ev("Thời gian tới, Đảng ủy xã Tiền Phong sẽ tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU.") == []
    )


def test_issuance_gives_documents_but_no_event():
    out = extract_article(
        "Ngày 7/8/2023, Ban Thường vụ Thành ủy Hà Nội ban hành Chỉ thị số 24-CT/TU về tăng cường kỷ cương.",
        published="2023-08-08",
    )
    assert out["events"] == []
    assert out["documents"][0]["code"] == "24-CT/TU"


def test_basis_document_is_not_briefed():
    e = ev(
        "Thực hiện Kế hoạch số 12-KH/HU của Huyện ủy Mê Linh, ngày 3/10/2023, Đảng ủy xã Đại Thịnh tổ chức hội nghị quán triệt Nghị quyết số 57-NQ/TW."
    )
    assert [x["directives"] for x in e] == [["57-NQ/TW"]]
    assert e[0]["unit"] == "xã Đại Thịnh" and e[0]["district"] == "Mê Linh"


def test_document_inside_another_subject_is_not_briefed():
    e = ev(
        "Sáng 4/3/2024, Tỉnh ủy Nghệ An tổ chức hội nghị quán triệt Kết luận số 65-KL/TW về tiếp tục thực hiện Nghị quyết số 24-NQ/TW."
    )
    assert e[0]["unit"] == "tỉnh Nghệ An"
    assert e[0]["directives"] == ["65-KL/TW"]


def test_central_organs_hold_no_events():
    assert (
        ev(
            "Sáng 10/1/2025, Bộ Chính trị, Ban Bí thư tổ chức hội nghị toàn quốc quán triệt Nghị quyết số 57-NQ/TW."
        )
        == []
    )


def test_home_resolves_a_homonym_and_a_bare_commune():
    e = ev(
        "Ngày 20/9/2023, Đảng ủy xã Tiền Phong tổ chức hội nghị quán triệt Chỉ thị 24-CT/TU.",
        home={"district": "Thường Tín"},
    )
    assert e[0]["district"] == "Thường Tín"
    e = ev(
        "Ngày 20/9/2023, Đảng ủy xã tổ chức hội nghị quán triệt Chỉ thị 24-CT/TU.",
        home={"unit": "xã Tiền Phong", "district": "Mê Linh"},
    )
    assert e[0]["unit"] == "xã Tiền Phong" and e[0]["district"] == "Mê Linh"


def test_html_input():
    html = "<html><body><h1>Tin</h1><p>Ngày 12/9/2023, Đảng ủy phường Phúc Đồng tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU.</p></body></html>"
    assert extract_article(html=html)["events"][0]["unit"] == "phường Phúc Đồng"


def test_cli_jsonl_in_order_with_bad_lines():
    lines = [
        json.dumps(
            {
                "text": "Ngày 12/9/2023, Đảng ủy phường Phúc Đồng tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU."
            }
        ),
        "{not json",
        json.dumps({"url": "u", "title": None}),
        json.dumps(
            {
                "url": "x",
                "published": "2023-09-30",
                "home": {"district": "Mê Linh"},
                "html": "<p>Chiều 8-9, Huyện ủy Mê Linh tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU.</p>",
            }
        ),
    ]
    res = CliRunner().invoke(cli, ["extract"], input="\n".join(lines) + "\n")
    assert res.exit_code == 0, res.output
    out = [json.loads(x) for x in res.output.splitlines()]
    assert len(out) == 4
    assert out[0]["events"][0]["unit"] == "phường Phúc Đồng"
    assert "error" in out[1] and "line 2" in out[1]["error"]
    assert "error" in out[2]
    assert out[3]["url"] == "x" and out[3]["events"][0]["date"] == "2023-09-08"


def test_cli_files_and_real_process(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(
        "Ngày 12/9/2023, Đảng ủy phường Phúc Đồng tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU.",
        encoding="utf-8",
    )
    exe = Path(sys.executable).with_name("briefwatch")
    p = subprocess.run([str(exe), "extract", str(f)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["events"][0]["directives"] == ["24-CT/TU"]


def test_bloc_and_department_units_are_other():
    e = ev(
        "Ngày 20/3/2024, Đảng ủy Khối các cơ quan Thành phố tổ chức hội nghị trực tuyến quán triệt Chỉ thị số 35-CT/TW cho hơn 2.000 cán bộ, đảng viên."
    )
    assert e == [
        {
            "unit": "Đảng ủy Khối các cơ quan Thành phố",
            "unit_type": "other",
            "district": None,
            "province": "Hà Nội",
            "directives": ["35-CT/TW"],
            "date": "2024-03-20",
            "kind": "quan_triet",
            "attendees": 2000,
        }
    ]
    e = ev(
        "Sáng 5/6/2024, Đảng ủy Sở Tài chính Hà Nội tổ chức hội nghị triển khai Kế hoạch số 215/KH-UBND của UBND Thành phố."
    )
    assert (e[0]["unit"], e[0]["unit_type"], e[0]["directives"], e[0]["kind"]) == (
        "Sở Tài chính Hà Nội",
        "other",
        ["215/KH-UBND"],
        "trien_khai",
    )


def test_multi_day_session_takes_its_first_day():
    e = ev(
        "Trong 2 ngày 12-13/9/2023, Huyện ủy Gia Lâm tổ chức lớp học tập, quán triệt Nghị quyết số 15-NQ/TU cho 350 cán bộ chủ chốt."
    )
    assert (e[0]["unit"], e[0]["date"], e[0]["attendees"]) == ("huyện Gia Lâm", "2023-09-12", 350)


def test_review_of_a_numbered_document_is_so_ket():
    e = ev(
        "Sáng 10/10/2023, UBND phường Ngọc Thụy tổ chức hội nghị sơ kết 5 năm thực hiện Chỉ thị số 05-CT/TW của Bộ Chính trị."
    )
    assert (e[0]["unit"], e[0]["kind"], e[0]["directives"]) == ("phường Ngọc Thụy", "so_ket", ["05-CT/TW"])


def test_passive_report_names_the_holder_after_cua():
    e = ev(
        "Hội nghị quán triệt Chỉ thị số 24-CT/TU của Đảng ủy xã Văn Khê được tổ chức sáng 3/10/2023 với sự tham dự của 215 đảng viên."
    )
    assert (e[0]["unit"], e[0]["date"], e[0]["attendees"]) == ("xã Văn Khê", "2023-10-03", 215)


def test_roundup_with_dash_sections_and_bare_committees():
    text = (
        "- Tại phường Thạch Bàn: ngày 25/9/2023, Đảng ủy phường tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU cho 300 đảng viên.\n"
        "- Tại phường Cự Khối: ngày 26/9/2023, Đảng ủy phường tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU cho 150 đảng viên.\n"
        "Các phường thuộc quận Long Biên."
    )
    e = ev(text)
    assert [(x["unit"], x["district"], x["date"], x["attendees"]) for x in e] == [
        ("phường Thạch Bàn", "Long Biên", "2023-09-25", 300),
        ("phường Cự Khối", "Long Biên", "2023-09-26", 150),
    ]


def test_other_province_city_and_post_reform_ward():
    e = ev(
        "Ngày 6/10/2023, Thành ủy Đà Nẵng tổ chức hội nghị quán triệt Nghị quyết 43-NQ/TW. Dự hội nghị có hơn 500 đại biểu."
    )
    assert (e[0]["unit"], e[0]["unit_type"], e[0]["province"], e[0]["attendees"]) == (
        "thành phố Đà Nẵng",
        "thanh_pho_tw",
        "Đà Nẵng",
        500,
    )
    e = ev(
        "Ngày 14/7/2025, Đảng ủy phường Hoàn Kiếm tổ chức hội nghị học tập, quán triệt Nghị quyết số 66-NQ/TW và Nghị quyết 68-NQ/TW."
    )
    assert (e[0]["unit"], e[0]["district"], e[0]["directives"]) == (
        "phường Hoàn Kiếm",
        None,
        ["66-NQ/TW", "68-NQ/TW"],
    )
