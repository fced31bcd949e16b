"""Shapes met in real articles (issue #9), each written anew in our own words: no sentence here comes from
an article. One test per shape the engine had missed; each asserts the fields the shape is about."""

import datetime as dt

import pytest

from briefwatch.dates import find_dates
from briefwatch.extract import extract_article
from briefwatch.gazetteer import load_gazetteer
from briefwatch.sites import home_from_url


def events(text, **kw):
    return extract_article(text, **kw)["events"]


def pairs(text, **kw):
    return {(e["unit"], d) for e in events(text, **kw) for d in e["directives"]}


def test_documents_listed_after_a_colon_in_a_later_sentence():
    text = (
        "Sáng 5/3/2019, Đảng ủy xã Yên Bình tổ chức hội nghị học tập các nghị quyết Trung ương cho 120 đảng viên.\n"
        "Hội nghị được nghe đồng chí Phó Bí thư trình bày 2 Nghị quyết: Nghị quyết số 36-NQ/TW về kinh tế biển; "
        "Nghị quyết số 37-NQ/TW về sắp xếp đơn vị hành chính."
    )
    assert pairs(text, published="2019-03-06") == {("xã Yên Bình", "36-NQ/TW"), ("xã Yên Bình", "37-NQ/TW")}


def test_list_introduced_by_cu_the_after_a_count_of_documents():
    text = (
        "Ngày 4/1/2023, Đảng ủy xã Tân Lập tổ chức hội nghị nghiên cứu, quán triệt các văn bản mới của Trung ương.\n"
        "Tại hội nghị, đồng chí Bí thư Đảng ủy xã đã truyền đạt 2 nghị quyết và 1 kết luận.\n"
        "Cụ thể: Nghị quyết số 27-NQ/TW về Nhà nước pháp quyền; Nghị quyết số 28-NQ/TW về phương thức lãnh đạo "
        "và Kết luận số 45-KL/TW về quy hoạch tổng thể."
    )
    got = pairs(text, published="2023-01-05")
    assert got == {("xã Tân Lập", c) for c in ("27-NQ/TW", "28-NQ/TW", "45-KL/TW")}


def test_each_document_on_its_own_line_after_the_briefing_sentence():
    text = (
        "Chiều 2/10/2025, Đảng ủy phường Bình Minh tổ chức hội nghị quán triệt các nghị quyết mới.\n"
        "Tại hội nghị, các đại biểu được nghe giới thiệu nội dung của các nghị quyết:\n"
        "Nghị quyết 59-NQ/TW về hội nhập quốc tế.\n"
        "Nghị quyết 71-NQ/TW về giáo dục và đào tạo."
    )
    got = pairs(text, published="2025-10-03")
    assert {d for _, d in got} == {"59-NQ/TW", "71-NQ/TW"}


def test_numbered_ward_named_only_inside_the_sentence():
    text = (
        "Sáng ngày 14/02/2019, tại hội trường, Đảng ủy phường tổ chức hội nghị quán triệt Nghị quyết số 18-NQ/TW "
        "cho hơn 200 đảng viên của Đảng bộ phường 9."
    )
    e = events(text)
    assert [(x["unit"], x["unit_type"], x["date"], x["attendees"]) for x in e] == [
        ("phường 9", "phuong", "2019-02-14", 200)
    ]


def test_gazetteer_names_numbered_wards_without_repeating_the_type_word():
    gz = load_gazetteer()
    names = {u.name for u in gz.find("9", types=("phuong",))}
    assert "phường 9" in names and not any(n.startswith("phường Phường") for n in names)


def test_bloc_committee_written_with_lower_case_khoi():
    text = "Sáng 9/4/2022, Ban Thường vụ Đảng ủy khối các cơ quan TP Hà Nội tổ chức hội nghị quán triệt Kết luận số 21-KL/TW."
    assert pairs(text, published="2022-04-10") == {("Đảng ủy Khối các cơ quan Thành phố", "21-KL/TW")}


@pytest.mark.parametrize("name", ["TPHCM", "TP.HCM", "TP. Hồ Chí Minh"])
def test_city_committee_of_ho_chi_minh_city_by_its_press_names(name):
    text = (
        f"Ngày 8-11, Ban Thường vụ Thành ủy {name} tổ chức hội nghị quán triệt Quy định 57 của Bộ Chính trị."
    )
    assert [e["unit"] for e in events(text)] == ["thành phố Hồ Chí Minh"]


def test_unit_that_chairs_its_own_site_has_the_event():
    text = (
        "Dự và chủ trì tại điểm cầu xã Ia Hrú có đồng chí Bí thư Đảng ủy xã.\n"
        "Tại hội nghị, các đại biểu được nghe quán triệt Nghị quyết số 57-NQ/TW của Bộ Chính trị."
    )
    assert pairs(text) == {("xã Ia Hrú", "57-NQ/TW")}


def test_chairing_a_site_without_the_word_tai():
    text = (
        "Sáng ngày 06/11/2025, Đảng ủy xã Đông Sơn đã chủ trì điểm cầu hội nghị trực tuyến quán triệt "
        "Chỉ thị số 46-CT/TW ngày 16/5/2025 của Bộ Chính trị về bầu cử."
    )
    assert pairs(text) == {("xã Đông Sơn", "46-CT/TW")}


def test_site_that_only_attended_has_no_event():
    text = (
        "Chiều 19/11/2025, Thành ủy Hải Phòng tổ chức hội nghị trực tuyến đến 114 điểm cầu.\n"
        "Tại điểm cầu xã Hà Đông, dự hội nghị có các đồng chí: Bí thư Đảng ủy xã; Chủ tịch UBND xã.\n"
        "Tại hội nghị, các đại biểu được quán triệt Chương trình hành động số 05-CTr/TU ngày 06/11/2025 của Thành ủy."
    )
    assert pairs(text, published="2025-11-20") == {("thành phố Hải Phòng", "05-CTR/TU")}


def test_purpose_clause_of_the_held_meeting_names_what_it_briefed():
    text = (
        "Sáng 3/12/2025, Đảng ủy xã Minh Đức tổ chức hội nghị trực tuyến về công tác bầu cử.\n"
        "Hội nghị được tổ chức nhằm quán triệt Chỉ thị số 46-CT/TW của Bộ Chính trị về lãnh đạo bầu cử."
    )
    assert pairs(text, published="2025-12-04") == {("xã Minh Đức", "46-CT/TW")}


def test_briefing_words_inside_a_plans_subject_are_not_a_meeting():
    text = (
        "Thực hiện Kế hoạch số 183-KH/TU ngày 28/11/2023 của Tỉnh ủy Hải Dương về tổ chức học tập, quán triệt "
        "Nghị quyết Hội nghị Trung ương 8; Kế hoạch số 126-KH/HU của Huyện ủy Ninh Giang;\n"
        "Ngày 21/12/2023, Ban Chấp hành Đảng bộ xã Ninh Hải tổ chức hội nghị quán triệt Nghị quyết số 43-NQ/TW."
    )
    got = pairs(text, published="2023-12-22")
    assert ("xã Ninh Hải", "43-NQ/TW") in got
    assert not any(u == "tỉnh Hải Dương" for u, _ in got)


def test_relay_by_a_town_the_dataset_no_longer_has():
    text = (
        "Sáng ngày 9/7, BTV Thị ủy tổ chức hội nghị tiếp cầu trực tuyến toàn quốc quán triệt Quy định số 144-QĐ/TW.\n"
        "Chủ trì tại điểm cầu thị xã Cửa Lò có đồng chí Bí thư Thị ủy."
    )
    assert pairs(text, published="2024-07-10") == {("thị xã Cửa Lò", "144-QĐ/TW")}


def test_review_list_of_a_text_that_starts_mid_article():
    text = (
        "Cụ thể: Tổng kết 15 năm thực hiện Chỉ thị số 10-CT/TW, ngày 5/12/2006 của Ban Bí thư; "
        "10 năm thực hiện Nghị quyết 23-NQ/TW, ngày 12/3/2008 của Bộ Chính trị;\n"
        "5 năm thực hiện Kết luận 51-KL/TW, ngày 30/5/2019 của Ban Bí thư.\n"
        "Qua đó, công tác giáo dục của huyện Gia Bình có nhiều chuyển biến."
    )
    e = events(text)
    assert [(x["unit"], x["kind"], x["directives"]) for x in e] == [
        ("huyện Gia Bình", "tong_ket", ["10-CT/TW", "23-NQ/TW", "51-KL/TW"])
    ]


def test_no_publish_date_year_from_the_documents_briefed():
    text = "Sáng 17/3, Đảng ủy xã Hòa Lạc tổ chức hội nghị quán triệt Kết luận số 21-KL/TW ngày 25/10/2021 của Trung ương."
    assert [e["date"] for e in events(text)] == ["2022-03-17"]


def test_no_publish_date_and_no_dated_document_gives_no_date():
    text = (
        "Hải Phòng, ngày 26 tháng 02 năm 2020\n"
        "Ngày 11/7, Thành ủy Hải Phòng tổ chức hội nghị quán triệt Nghị quyết số 45 của Bộ Chính trị."
    )
    assert [e["date"] for e in events(text)] == [None]


def test_short_reference_carries_its_issue_date():
    text = "Sáng 10/9, Huyện ủy Long Thành tổ chức hội nghị quán triệt Quy định số 144, ngày 09/5/2024 của Bộ Chính trị."
    got = extract_article(text)
    assert got["events"][0]["date"] == "2024-09-10"
    assert [(d["code"], d["issued"]) for d in got["documents"]] == [("144-QĐ", "2024-05-09")]


def test_unnumbered_central_resolution_is_not_a_reference_to_another():
    text = (
        "Sáng ngày 28/6/2019, Huyện ủy Đô Lương tổ chức hội nghị quán triệt Nghị quyết TW 10 khóa XII.\n"
        "Hội nghị đã triển khai Thông báo số 55-TB/TW ngày 20/4/2019 của Bộ chính trị về sơ kết 5 năm thực hiện "
        "Nghị quyết số 26-NQ/TW ngày 30/7/2013 về phát triển Nghệ An."
    )
    assert pairs(text) == {("huyện Đô Lương", "55-TB/TW")}


def test_two_day_session_written_in_words_starts_on_the_first_day():
    d = find_dates("Chiều ngày 21 và sáng ngày 22 tháng 12 năm 2022, Đảng ủy xã")
    assert [(x.day, x.month, x.year) for x in d] == [(21, 12, 2022)]


def test_event_after_the_reform_has_no_district():
    text = "Ngày 8/10/2025, Đảng ủy xã Ba Vì chủ trì điểm cầu hội nghị quán triệt Chỉ thị số 46-CT/TW."
    e = events(text, url="https://bavi.quangngai.gov.vn/tin-tuc/x.html")
    assert [(x["unit"], x["district"], x["province"]) for x in e] == [("xã Ba Vì", None, "Quảng Ngãi")]


@pytest.mark.parametrize(
    "url,published,want",
    [
        (
            "http://binhson.hiepduc.quangnam.gov.vn/Default.aspx?x=1",
            None,
            {"province": "Quảng Nam", "district": "Hiệp Đức", "unit": "xã Bình Sơn"},
        ),
        (
            "https://tuyphong.binhthuan.dcs.vn/Trang-chu/post/1",
            None,
            {"province": "Bình Thuận", "district": "Tuy Phong"},
        ),
        (
            "https://dongnai.dcs.vn/longthanh/chitiet/x-1",
            None,
            {"province": "Đồng Nai", "district": "Long Thành"},
        ),
        ("https://melinh.hanoi.gov.vn/x", dt.date(2024, 1, 1), {"district": "Mê Linh"}),
        ("https://example.com/x", None, None),
    ],
)
def test_portal_host_names_its_home_unit(url, published, want):
    assert home_from_url(url, None, published, load_gazetteer()) == want


def test_bare_commune_committee_takes_the_portals_commune():
    text = "Ngày 22/12/2022, Đảng ủy xã tổ chức hội nghị quán triệt Nghị quyết số 29-NQ/TW cho cán bộ, đảng viên."
    e = events(text, url="http://binhson.hiepduc.quangnam.gov.vn/Default.aspx")
    assert [(x["unit"], x["district"], x["province"]) for x in e] == [
        ("xã Bình Sơn", "Hiệp Đức", "Quảng Nam")
    ]


def test_official_spelling_of_a_misspelt_province():
    gz = load_gazetteer()
    assert [u.name for u in gz.find("Đăk Nông", types=("tinh",))] == ["tỉnh Đắk Nông"]
    assert [u.name for u in gz.find("Thừa Thiên Huế", types=("tinh",), on=dt.date(2020, 1, 1))] == [
        "tỉnh Thừa Thiên Huế"
    ]


# second round: shapes found in the real study set (tests/corpus/real), again in our own words


@pytest.mark.parametrize(
    "sentence,unit",
    [
        (
            "Ngày 12/3/2021, Đảng ủy Trường Cao đẳng Y tế Phú Thọ tổ chức hội nghị quán triệt",
            "Trường Cao đẳng Y tế Phú Thọ",
        ),
        (
            "Ngày 12/3/2021, Đảng bộ Bệnh viện Đa khoa tỉnh Hòa Bình tổ chức hội nghị quán triệt",
            "Bệnh viện Đa khoa tỉnh Hòa Bình",
        ),
        ("Ngày 12/3/2021, Đảng ủy Công an xã Tân Hòa tổ chức hội nghị quán triệt", "Công an xã Tân Hòa"),
        ("Ngày 12/3/2021, Đảng ủy Quân khu 7 tổ chức hội nghị quán triệt", "Quân khu 7"),
        (
            "Ngày 12/3/2021, Trung tâm giống cây trồng tỉnh Yên Bái tổ chức hội nghị quán triệt",
            "Trung tâm giống cây trồng tỉnh Yên Bái",
        ),
    ],
)
def test_non_territorial_units_by_their_own_names(sentence, unit):
    got = events(sentence + " Nghị quyết số 45-NQ/TW của Bộ Chính trị.", published="2021-03-13")
    assert [e["unit"] for e in got] == [unit]
    assert got[0]["unit_type"] == "other"


def test_province_named_by_the_papers_host_completes_a_bare_committee():
    text = "Ngày 10-3-2022, Đảng ủy Quân sự tỉnh tổ chức hội nghị quán triệt Kết luận số 21-KL/TW."
    assert [e["unit"] for e in events(text, url="https://baoninhthuan.com.vn/news/1")] == [
        "Đảng ủy Quân sự tỉnh Ninh Thuận"
    ]
    text = "Ngày 8/8/2025, Ban Thường vụ Tỉnh ủy tổ chức hội nghị quán triệt Chỉ thị số 50-CT/TW."
    assert [e["unit"] for e in events(text, url="https://baophutho.vn/a-1.htm")] == ["tỉnh Phú Thọ"]


def test_school_named_in_full_once_and_shortly_after():
    text = (
        "Thực hiện Kế hoạch số 32-KH/ĐU của Đảng ủy Trường Cao đẳng Sư phạm Lạng Sơn, ngày 28 tháng 12 năm 2022, "
        "Đảng bộ Trường tổ chức hội nghị học tập Nghị quyết số 27-NQ/TW."
    )
    assert pairs(text) == {("Trường Cao đẳng Sư phạm Lạng Sơn", "27-NQ/TW")}


def test_a_persons_name_is_no_school():
    text = "Ngày 5/1/2020, Ban Thường vụ Tỉnh ủy Quảng Trị tổ chức hội nghị; Bí thư Lê Trường Sơn quán triệt Nghị quyết số 54-NQ/TW."
    assert {u for u, _ in pairs(text)} == {"tỉnh Quảng Trị"}


def test_a_cue_word_inside_a_place_name_is_no_cue():
    text = "Ngày 11/05/2022, tại hội trường Thành ủy Cần Thơ, Thành ủy Cần Thơ tổ chức hội nghị tổng kết 10 năm thực hiện Nghị quyết 03-NQ/TU."
    assert pairs(text) == {("thành phố Cần Thơ", "03-NQ/TU")}


def test_a_whole_clause_of_bases_holds_no_meeting():
    text = (
        "Thực hiện theo Kế hoạch 116-KH/TU ngày 13/4/2022 của Tỉnh ủy Lào Cai về tổ chức hội nghị quán triệt và triển "
        "khai thực hiện Nghị quyết số 11-NQ/TW của Bộ Chính trị, Chi bộ Trạm Khuyến nông tỉnh Lào Cai tổ chức học tập.\n"
        "Sáng ngày 15/4/2022, Đảng ủy xã Bản Lầu tổ chức hội nghị quán triệt Nghị quyết số 11-NQ/TW."
    )
    assert {u for u, _ in pairs(text, published="2022-04-16")} == {"xã Bản Lầu"}


def test_the_holder_is_the_subject_of_to_chuc_not_the_audience():
    text = (
        "Ngày 13/01/2020, Ban Thường vụ Tỉnh ủy Quảng Bình tổ chức hội nghị trực tuyến đến các huyện ủy, thị ủy và "
        "Thành ủy Đồng Hới để quán triệt Nghị quyết số 26-NQ/TW."
    )
    assert pairs(text) == {("tỉnh Quảng Bình", "26-NQ/TW")}


def test_the_broadcasts_source_and_the_relaying_district_both_hold_it():
    text = "Chiều ngày 09/5/2024, Quận ủy Tây Hồ tổ chức hội nghị trực tuyến từ điểm cầu Thành ủy quán triệt Chỉ thị số 30-CT/TU."
    assert pairs(text, published="2024-05-10") == {
        ("quận Tây Hồ", "30-CT/TU"),
        ("thành phố Hà Nội", "30-CT/TU"),
    }


def test_a_site_that_opens_its_sentence_and_is_chaired():
    text = (
        "Sáng 20/3/2023, Bộ trưởng Bộ Công an chủ trì hội nghị trực tuyến toàn quốc quán triệt Quyết định số 90-QĐ/TW.\n"
        "Tại điểm cầu Công an tỉnh Lạng Sơn, đồng chí Phó Bí thư Tỉnh ủy chủ trì."
    )
    assert pairs(text) == {("Công an tỉnh Lạng Sơn", "90-QĐ/TW")}


def test_a_site_named_by_its_province_alone():
    text = (
        "Sáng 15/10/2025, Ban Chỉ đạo Trung ương tổ chức hội nghị trực tuyến sơ kết việc thực hiện Nghị quyết số 57-NQ/TW.\n"
        "Đồng chí Phó Bí thư Thường trực Tỉnh ủy chủ trì điểm cầu Lạng Sơn."
    )
    assert pairs(text) == {("tỉnh Lạng Sơn", "57-NQ/TW")}


def test_a_document_named_for_comparison_is_not_briefed():
    text = "Ngày 13-8-2019, Quận ủy Hà Đông tổ chức hội nghị quán triệt Chỉ thị số 35-CT/TW, so với Chỉ thị số 36-CT/TW có nhiều điểm mới."
    assert pairs(text) == {("quận Hà Đông", "35-CT/TW")}


def test_speeches_on_a_topic_are_not_a_document_briefed():
    text = (
        "Ngày 31-12-2025, Đảng bộ phường An Khánh tổ chức hội nghị tổng kết công tác năm 2025.\n"
        "Đại biểu được nghe các tham luận về chuyển đổi số gắn với thực hiện Nghị quyết số 57-NQ/TW."
    )
    assert pairs(text, published="2026-01-01") == set()


def test_a_summary_of_work_done_in_many_ways_is_no_meeting():
    text = "Đảng ủy xã Tân Lạc đã tổ chức quán triệt, triển khai nghiêm túc Chỉ thị số 05-CT/TW bằng nhiều hình thức phù hợp."
    assert pairs(text, published="2026-01-20") == set()


def test_a_sentence_about_a_document_is_no_item_of_a_list():
    text = (
        "Sáng 28/3/2024, Ban Thường vụ Thành ủy Hải Phòng tổ chức hội nghị sơ kết 5 năm thực hiện Nghị quyết số 45-NQ/TW.\n"
        "Nghị quyết 45 ra đời sau 15 năm thực hiện Nghị quyết số 32-NQ/TW của Bộ Chính trị."
    )
    assert pairs(text) == {("thành phố Hải Phòng", "45-NQ/TW")}


def test_a_bulleted_item_without_a_number_keeps_the_list_going():
    text = (
        "Sáng ngày 28/8/2025, Đảng ủy xã Sơn Lộc tổ chức hội nghị quán triệt các văn bản mới.\n"
        "Đồng chí Phó Bí thư Thường trực Đảng ủy xã quán triệt văn bản:\n"
        "- Nghị quyết Đại hội đại biểu Đảng bộ xã lần thứ nhất.\n"
        "- Chỉ thị 02-CT/ĐU ngày 13-8-2025 của Ban Thường vụ Đảng ủy về thực hiện Nghị quyết Đại hội."
    )
    assert pairs(text) == {("xã Sơn Lộc", "02-CT/ĐU")}


def test_a_newly_issued_document_is_still_briefed():
    text = (
        "Ngày 13/11/2025, Ban Thường vụ Tỉnh ủy Cao Bằng tổ chức hội nghị quán triệt các văn bản mới.\n"
        "Các đại biểu quán triệt nội dung của một số văn bản mới ban hành: Kết luận số 198-KL/TW ngày 08/10/2025."
    )
    assert pairs(text) == {("tỉnh Cao Bằng", "198-KL/TW")}


def test_short_reference_with_its_date_and_a_bracketed_abbreviation():
    d = {
        x["code"]
        for x in extract_article("Hội nghị quán triệt Chỉ thị số 50 ngày 23/7/2025 của Ban Bí thư.")[
            "documents"
        ]
    }
    assert d == {"50-CT"}
    d = {
        x["code"]
        for x in extract_article(
            "Thành ủy tổng kết 10 năm thực hiện Nghị quyết (NQ) 28; NQ 28 đã đi vào cuộc sống."
        )["documents"]
    }
    assert d == {"28-NQ"}


def test_committee_of_a_unit_that_changed_type():
    text = "Ngày 3/3/2020, Thị ủy Dĩ An tổ chức hội nghị học tập Chỉ thị 05-CT/TW của Bộ Chính trị."
    assert [e["unit"] for e in events(text)] == ["thành phố Dĩ An"]


def test_lower_case_second_word_of_a_name():
    text = "Ngày 14/9/2014, Ban tuyên giáo huyện Đô lương tổ chức hội nghị quán triệt Nghị quyết số 33 của Trung ương."
    assert [e["unit"] for e in events(text)] == ["huyện Đô Lương"]


def test_a_ward_whose_name_ends_in_a_number():
    text = "Sáng ngày 19/5/2018, Đảng ủy phường Cổ Nhuế 1 tổ chức hội nghị sơ kết 2 năm thực hiện Chỉ thị số 05-CT/TW."
    assert [e["unit"] for e in events(text)] == ["phường Cổ Nhuế 1"]


def test_a_site_directed_by_its_own_leader_and_what_it_heard_is_the_hosts():
    text = (
        "Chiều ngày 08/10/2025, Ban Thường vụ Tỉnh ủy Gia Lai tổ chức hội nghị quán triệt Chỉ thị số 46-CT/TW, kết "
        "hợp trực tuyến tới các điểm cầu.\n"
        "Tại điểm cầu UBND xã Ia Grai, dự và chỉ đạo hội nghị có đồng chí Bí thư Đảng ủy xã.\n"
        "Hội nghị đã nghe quán triệt Chỉ thị số 46-CT/TW và Chỉ thị số 02-CT/TU của Ban Thường vụ Tỉnh ủy."
    )
    assert pairs(text) == {
        ("tỉnh Gia Lai", "46-CT/TW"),
        ("tỉnh Gia Lai", "02-CT/TU"),
        ("xã Ia Grai", "46-CT/TW"),
        ("xã Ia Grai", "02-CT/TU"),
    }


def test_a_site_that_passes_the_conference_on_to_its_own_units():
    text = (
        "Sáng 25/2/2026, Ban Bí thư tổ chức hội nghị toàn quốc quán triệt Nghị quyết số 79-NQ/TW.\n"
        "Dự hội nghị tại điểm cầu Sở Y tế Hà Nội có đồng chí Bí thư Đảng ủy, Giám đốc Sở. "
        "Hội nghị cũng được tiếp sóng tới cán bộ, viên chức các đơn vị trực thuộc Sở."
    )
    assert pairs(text) == {("Sở Y tế Hà Nội", "79-NQ/TW")}


def test_a_site_that_only_attended_a_central_conference_has_none():
    text = (
        "Sáng 25/2/2026, Ban Bí thư tổ chức hội nghị toàn quốc quán triệt Nghị quyết số 79-NQ/TW.\n"
        "Dự hội nghị tại điểm cầu Sở Y tế Hà Nội có đồng chí Bí thư Đảng ủy, Giám đốc Sở."
    )
    assert pairs(text) == set()


def test_a_headline_that_names_the_holder_over_a_body_that_does_not():
    text = (
        "Tân Uyên: Quán triệt Nghị quyết Trung ương 8\n"
        "Cập nhật ngày: 31/10/2014 - 08:43\n"
        "Tại hội nghị, các đại biểu đã nghe phổ biến các nội dung cơ bản của Nghị quyết số 28-NQ/TW."
    )
    assert pairs(text) == {("huyện Tân Uyên", "28-NQ/TW")}


def test_a_headline_of_a_plan_over_a_body_that_tells_of_no_meeting():
    text = (
        "Tân Uyên: Triển khai Nghị quyết số 28-NQ/TW\n"
        "Cập nhật ngày: 31/10/2014 - 08:43\n"
        "Huyện ủy sẽ tổ chức quán triệt Nghị quyết trong tháng 11 cho cán bộ chủ chốt."
    )
    assert pairs(text) == set()


# third round: shapes of the batches rs-e and rs-f, found after their first scoring


def test_a_political_school_is_an_agency_even_in_lower_case():
    text = (
        "Sáng ngày 10/1/2018, Đảng bộ trường chính trị tỉnh Lâm Đồng tổ chức hội nghị quán triệt "
        "Nghị quyết số 18-NQ/TW cho học viên."
    )
    assert pairs(text) == {("Trường chính trị tỉnh Lâm Đồng", "18-NQ/TW")}


def test_abbreviations_and_hyphens_in_bloc_names():
    got = events(
        "Ngày 4/5/2023, Đảng ủy Khối DN tỉnh Bắc Giang tổ chức hội nghị quán triệt Nghị quyết số 41-NQ/TW."
    )
    assert [e["unit"] for e in got] == ["Đảng ủy Khối Doanh nghiệp tỉnh Bắc Giang"]
    got = events(
        "Ngày 4/5/2011, Đảng ủy Khối Dân - Chính - Đảng TPHCM tổ chức hội nghị triển khai Chỉ thị số 03-CT/TW."
    )
    assert [e["unit"] for e in got] == ["Đảng ủy Khối Dân - Chính - Đảng TPHCM"]


def test_a_committee_that_repeats_its_own_type_word():
    text = "Ngày 22 tháng 3 năm 2007, Quận ủy Quận 3 đã tổ chức hội nghị triển khai Quyết định số 25-QĐ/TW."
    assert [e["unit"] for e in events(text)] == ["quận 3"]


def test_a_speaker_titled_by_a_higher_committee_holds_no_meeting_of_its_own():
    text = (
        "Ngày 22/3/2007, Quận ủy Quận 3 tổ chức hội nghị triển khai Quyết định số 25-QĐ/TW.\n"
        "Đồng chí Trần Văn Bình, Phó Chủ nhiệm Ủy ban Kiểm tra Thành ủy đã triển khai những nội dung của Quyết định."
    )
    assert {u for u, _ in pairs(text)} == {"quận 3"}


def test_a_meeting_whose_purpose_is_to_carry_out_another_document():
    text = (
        "Ngày 23/6/2020, Ban Thường vụ Tỉnh ủy Quảng Bình tổ chức hội nghị tổng kết 10 năm thực hiện Chỉ thị số 03-CT/TU.\n"
        "Hội nghị được tổ chức nhằm tiếp tục triển khai thực hiện Nghị quyết số 22-NQ/TW của Bộ Chính trị."
    )
    assert pairs(text) == {("tỉnh Quảng Bình", "03-CT/TU")}


def test_what_the_cadres_took_in_there_is_what_was_briefed():
    text = (
        "Hôm nay 15.8.2014, Huyện ủy Duy Xuyên tổ chức hội nghị quán triệt Nghị quyết Trung ương 9, khóa XI.\n"
        "Tại đây, cán bộ chủ chốt đã được nắm bắt chương trình hành động của Huyện ủy thực hiện Nghị quyết số 33-NQ/TW."
    )
    assert pairs(text) == {("huyện Duy Xuyên", "33-NQ/TW")}


def test_a_headline_that_reports_a_working_visit():
    text = (
        "Đoàn kiểm tra của Bộ Chính trị làm việc với Ban Thường vụ Tỉnh ủy Hà Giang về thực hiện Nghị quyết số 39-NQ/TW\n"
        "Ngày đăng : 14:36, 17/09/2016\n"
        "Đoàn kiểm tra do đồng chí Trưởng Ban Tổ chức Trung ương làm Trưởng đoàn."
    )
    got = events(text)
    assert [(e["unit"], e["kind"], e["directives"]) for e in got] == [
        ("tỉnh Hà Giang", "other", ["39-NQ/TW"])
    ]


def test_a_given_headline_with_the_meetings_day():
    got = extract_article(
        "Thực hiện Kế hoạch số 78-KH/HU của Huyện ủy.\nTại Hội nghị, đảng viên đã nghe quán triệt Nghị quyết số 27-NQ/TW.",
        title="Ngày 21 tháng 12 năm 2022 Đảng ủy xã Bình Sơn tổ chức học tập, quán triệt Nghị quyết Trung ương 6",
    )["events"]
    assert [(e["unit"], e["date"], e["directives"]) for e in got] == [
        ("xã Bình Sơn", "2022-12-21", ["27-NQ/TW"])
    ]


def test_a_bracketed_abbreviation_inside_an_agencys_name():
    text = "Chiều 12/10/2023, Đảng ủy Khối Doanh nghiệp (DN) tỉnh Hưng Yên tổ chức quán triệt Nghị quyết số 41-NQ/TW."
    assert [e["unit"] for e in events(text)] == ["Đảng ủy Khối Doanh nghiệp tỉnh Hưng Yên"]


def test_documents_spelt_out_in_a_list_inside_a_sentence_about_the_meeting():
    text = (
        "Ngày 12/01/2017, Sở Tư pháp Quảng Trị tổ chức hội nghị học tập nghị quyết Trung ương 4 cho công chức.\n"
        "Phát biểu khai mạc, đồng chí Phó Giám đốc nhấn mạnh việc học tập các nghị quyết của Hội nghị (gồm: "
        "Nghị quyết số 04-NQ/TW; Nghị quyết số 05-NQ/TW) là dịp nắm vững chủ trương mới."
    )
    assert pairs(text) == {("Sở Tư pháp Quảng Trị", "04-NQ/TW"), ("Sở Tư pháp Quảng Trị", "05-NQ/TW")}


def test_a_provinces_steering_committee_is_the_province():
    text = (
        "Chiều 6/7/2022, Ban Chỉ đạo phát triển nông nghiệp hàng hóa tỉnh (Ban Chỉ đạo) tổ chức hội nghị đánh giá "
        "tình hình triển khai thực hiện Nghị quyết 10-NQ/TU của Ban Thường vụ Tỉnh ủy Yên Bái."
    )
    assert {u for u, _ in pairs(text)} == {"tỉnh Yên Bái"}


def test_the_programme_of_the_meeting_just_reported_in_its_future_tense():
    text = (
        "Sáng 29/10/2020, Ban Thường vụ Tỉnh ủy Bến Tre đã tổ chức hội nghị trực tuyến quán triệt các văn bản mới.\n"
        "Theo đó, các đồng chí báo cáo viên sẽ báo cáo nội dung về Quy định số 213-QĐ/TW của Bộ Chính trị; "
        "Thông báo kết luận số 158-TB/TW của Ban Bí thư."
    )
    assert pairs(text) == {("tỉnh Bến Tre", "213-QĐ/TW"), ("tỉnh Bến Tre", "158-TB/TW")}


def test_a_plan_for_later_is_still_no_meeting():
    text = "Theo kế hoạch, tháng tới Ban Thường vụ Tỉnh ủy Bến Tre sẽ tổ chức hội nghị quán triệt Quy định số 213-QĐ/TW."
    assert pairs(text) == set()


def test_the_army_party_committee_by_its_press_abbreviation():
    text = (
        "Ngày 9/8/2022, ĐUQS huyện Mỹ Hào tổ chức hội nghị quán triệt Nghị quyết số 05-NQ/ĐU của Đảng ủy Quân sự "
        "tỉnh cho các đồng chí cán bộ chủ chốt."
    )
    assert {u for u, _ in pairs(text)} == {"Đảng ủy Quân sự huyện Mỹ Hào"}


def test_the_procuracy_by_its_abbreviation_is_the_procuracy_of_its_province():
    text = (
        "Sáng 3/3/2023, Đảng ủy VKSND tỉnh Quảng Trị tổ chức hội nghị học tập, quán triệt Nghị quyết số 27-NQ/TW "
        "cho toàn thể đảng viên."
    )
    assert {u for u, _ in pairs(text)} == {"Viện kiểm sát nhân dân tỉnh Quảng Trị"}


def test_a_central_bloc_is_a_central_organ_with_no_event():
    text = (
        "Ngày 14/4/2023, Đảng ủy Khối các cơ quan Trung ương tổ chức hội nghị quán triệt Chỉ thị số 18-CT/TW "
        "cho cấp ủy các đảng bộ trực thuộc."
    )
    assert pairs(text) == set()


def test_commenting_on_a_draft_is_no_briefing():
    text = (
        "Chiều 2/6/2024, Ban Thường vụ Huyện ủy Gia Lâm họp cho ý kiến vào dự thảo Kế hoạch triển khai Chỉ thị "
        "số 30-CT/TU của Thành ủy."
    )
    assert pairs(text, published="2024-06-03") == set()


def test_a_department_on_its_provinces_portal_is_named_with_its_province():
    text = (
        "Sáng 20/5/2025, Đảng ủy Sở Xây dựng tổ chức hội nghị học tập, quán triệt Nghị quyết số 66-NQ/TW cho đảng "
        "viên các chi bộ trực thuộc."
    )
    got = pairs(text, url="https://sxd.quangngai.gov.vn/tin-tuc/hoi-nghi-66.html")
    assert got == {("Sở Xây dựng Quảng Ngãi", "66-NQ/TW")}


def test_the_political_school_keeps_the_lower_case_half_of_its_name():
    text = (
        "Ngày 1/4/2022, Đảng ủy Trường Chính trị tổ chức hội nghị quán triệt Kết luận số 21-KL/TW của Ban Chấp hành "
        "Trung ương cho viên chức tỉnh Bến Tre."
    )
    assert {u for u, _ in pairs(text)} == {"Trường Chính trị Bến Tre"}


def test_the_presidents_name_is_no_vote_for_the_city_named_after_him():
    text = (
        "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh. Ngày 5/5/2021, Sở Nội vụ tổ chức hội nghị "
        "quán triệt Chỉ thị số 05-CT/TW; noi gương Chủ tịch Hồ Chí Minh, cán bộ tỉnh Bến Tre thi đua."
    )
    assert {u for u, _ in pairs(text)} == {"Sở Nội vụ Bến Tre"}


def test_a_plenum_that_comments_on_a_draft_review_has_not_held_the_review():
    text = (
        "Ngày 2/4/2023, Ban Chấp hành Đảng bộ tỉnh Bến Tre tổ chức hội nghị lần thứ 9 để bàn nhiệm vụ quý II; "
        "thảo luận, cho ý kiến vào dự thảo Báo cáo sơ kết 2 năm thực hiện Kế hoạch số 77-KH/TU của Tỉnh ủy."
    )
    assert pairs(text) == set()


def test_the_procuracy_with_a_word_dropped_from_its_name():
    text = (
        "Ngày 9/9/2019, Đảng ủy Viện kiểm sát nhân tỉnh Quảng Trị tổ chức hội nghị quán triệt Chỉ thị số 35-CT/TW "
        "cho các chi bộ."
    )
    assert {u for u, _ in pairs(text)} == {"Viện kiểm sát nhân dân tỉnh Quảng Trị"}


def test_a_town_written_tt():
    text = "Ngày 20/4/2021, Đảng ủy TT Gio Linh tổ chức hội nghị sơ kết 5 năm thực hiện Chỉ thị số 05-CT/TW."
    assert pairs(text, url="https://ttgiolinh.quangtri.gov.vn/bai-viet/x") == {
        ("thị trấn Gio Linh", "05-CT/TW")
    }


def test_a_committee_with_no_name_on_a_communes_portal_is_the_commune():
    text = "Chiều 30/8/2022, BTV Đảng ủy đã chủ trì hội nghị sơ kết công tác theo Chỉ thị số 20-CT/TW của Ban Bí thư."
    url = "https://sonlinh.huongson.hatinh.gov.vn/portal/pages/x.aspx"
    assert pairs(text, url=url, published="2022-08-31") == {("xã Sơn Lĩnh", "20-CT/TW")}
    assert pairs(text, url="https://baohatinh.vn/x.html", published="2022-08-31") == set()


def test_a_day_without_its_year_takes_the_year_the_sentence_writes_for_the_same_day():
    text = (
        "Sáng 2/9, xã Tân Hòa tổ chức hội nghị tổng kết 10 năm thực hiện Chỉ thị số 05-CT/TW ngày 15/5/2016 "
        "của Bộ Chính trị, nhân kỷ niệm Quốc khánh (2/9/1945 - 2/9/2025)."
    )
    assert [e["date"] for e in events(text)] == ["2025-09-02"]


def test_a_site_chaired_in_a_clause_after_the_hosts_chair():
    text = (
        "Ngày 15/1/2021, Tỉnh ủy Đắk Lắk tổ chức hội nghị trực tuyến quán triệt Chỉ thị số 45-CT/TW đến các điểm "
        "cầu. Hội nghị do đồng chí Phó Bí thư Tỉnh ủy chủ trì, tại điểm cầu huyện Krông Pắc hội nghị do đồng chí "
        "Bí thư Huyện ủy chủ trì, dự có các đồng chí trong Ban Thường vụ."
    )
    assert pairs(text) == {("tỉnh Đắk Lắk", "45-CT/TW"), ("huyện Krông Pắc", "45-CT/TW")}


def test_lak_spelt_without_its_tone_mark():
    text = "Ngày 3/3/2021, Huyện ủy Lăk tổ chức hội nghị quán triệt Chỉ thị số 45-CT/TW cho cán bộ chủ chốt."
    assert {u for u, _ in pairs(text)} == {"huyện Lắk"}


def test_an_agencys_own_site_tells_its_province():
    text = "Ngày 1/4/2022, Đảng ủy Trường Chính trị tổ chức hội nghị quán triệt Kết luận số 21-KL/TW cho viên chức."
    url = "http://truongchinhtrilongan.edu.vn/content/hoi-nghi"
    assert pairs(text, url=url) == {("Trường Chính trị Long An", "21-KL/TW")}


def test_a_corporation_written_with_a_lower_case_company():
    text = (
        "Sáng 10/5/2022, Thường vụ Đảng ủy Tổng công ty Sông Hồng tổ chức hội nghị quán triệt Nghị quyết số "
        "05-NQ/TW cho cán bộ chủ chốt."
    )
    assert {u for u, _ in pairs(text)} == {"Tổng Công ty Sông Hồng"}
