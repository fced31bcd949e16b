"""Whose numbering a document belongs to (issue #10, engine part): ``issuer_unit`` on every document of
``extract_article``. Sentences in our own words."""

from briefwatch.extract import extract_article


def issuers(text, **kw):
    return {d["code"]: d["issuer_unit"] for d in extract_article(text, **kw)["documents"]}


def test_the_city_directive_is_the_citys():
    text = (
        "Ngày 10/9/2024, Ban Thường vụ Thành ủy Hà Nội tổ chức hội nghị sơ kết Chỉ thị số 24-CT/TU ngày "
        "07/8/2023 của Ban Thường vụ Thành ủy về môi trường."
    )
    assert issuers(text) == {"24-CT/TU": "thành phố Hà Nội"}


def test_the_same_code_of_another_province_is_that_provinces():
    text = (
        "Ngày 5/6/2024, Ban Thường vụ Tỉnh ủy Nghệ An tổ chức hội nghị quán triệt Chỉ thị số 24-CT/TU ngày "
        "20/4/2024 của Ban Thường vụ Tỉnh ủy về công tác dân vận."
    )
    assert issuers(text) == {"24-CT/TU": "tỉnh Nghệ An"}


def test_a_district_plan_named_by_its_bare_committee_is_the_districts():
    text = (
        "Ngày 20/9/2023, Quận ủy Cầu Giấy tổ chức hội nghị triển khai Kế hoạch số 133-KH/QU ngày 05/9/2023 "
        "của Quận ủy về cải cách hành chính."
    )
    assert issuers(text) == {"133-KH/QU": "quận Cầu Giấy"}


def test_a_district_plan_with_no_issuer_written_is_the_district_the_article_is_about():
    text = "Ngày 10/3/2024, Quận ủy Đống Đa tổ chức hội nghị sơ kết Kế hoạch số 133-KH/QU ngày 10/02/2023."
    assert issuers(text) == {"133-KH/QU": "quận Đống Đa"}


def test_central_codes_and_a_named_peoples_committee():
    text = (
        "Ngày 3/3/2024, Đảng ủy xã Tiền Phong tổ chức hội nghị quán triệt Nghị quyết số 57-NQ/TW và Kế hoạch "
        "số 215/KH-UBND của UBND thành phố Hà Nội."
    )
    assert issuers(text) == {"57-NQ/TW": "trung ương", "215/KH-UBND": "thành phố Hà Nội"}


def test_an_agency_cut_short_in_the_issuer_takes_its_full_name_from_the_article():
    text = (
        "Ngày 4/4/2022, Đảng ủy Trường Cao đẳng Y tế Bắc Ninh tổ chức hội nghị quán triệt Kế hoạch số 32-KH/ĐU "
        "của Đảng ủy Trường về học tập chuyên đề."
    )
    assert issuers(text) == {"32-KH/ĐU": "Trường Cao đẳng Y tế Bắc Ninh"}


def test_a_district_code_whose_words_name_the_province_follows_its_code():
    text = (
        "Ngày 8/8/2024, Huyện ủy Côn Đảo tổ chức hội nghị quán triệt Hướng dẫn số 03-HD/HU của Ban Thường vụ "
        "Tỉnh ủy và các văn bản liên quan."
    )
    assert issuers(text) == {"03-HD/HU": "huyện Côn Đảo"}


def test_a_commune_code_on_a_paper_with_no_commune_named_stays_unresolved():
    text = "Ngày 1/4/2024, nhiều nơi đã tổ chức hội nghị quán triệt Kế hoạch số 12-KH/ĐU về chuyển đổi số."
    assert issuers(text, url="https://hanoimoi.vn/x.html") == {"12-KH/ĐU": None}


def test_the_central_boards_codes_are_central():
    text = "Ngày 2/2/2024, Đảng ủy xã Tiền Phong tổ chức hội nghị quán triệt Hướng dẫn số 125-HD/BTGTW về học tập."
    assert issuers(text) == {"125-HD/BTGTW": "trung ương"}


def test_a_district_code_with_the_districts_initials_is_that_districts():
    text = (
        "Ngày 14/4/2016, Quận ủy Tây Hồ tổ chức hội nghị triển khai Chương trình số 01-CTr/QUTH về xây dựng "
        "Đảng bộ trong sạch, vững mạnh."
    )
    assert issuers(text) == {"01-CTR/QUTH": "quận Tây Hồ"}


def test_issuer_area_names_the_province_and_district_of_an_issuer():
    from briefwatch.gazetteer import load_gazetteer
    from briefwatch.issuers import issuer_area

    gz = load_gazetteer()
    assert issuer_area("thành phố Hà Nội", gz) == ("Hà Nội", None)
    assert issuer_area("Tỉnh Nghệ An", gz) == ("Nghệ An", None)
    assert issuer_area("quận Cầu Giấy", gz) == ("Hà Nội", "Cầu Giấy")
    assert issuer_area("thành phố Vinh", gz) == ("Nghệ An", "Vinh")
    assert issuer_area("Đảng ủy Khối các cơ quan tỉnh Nghệ An", gz) == ("Nghệ An", None)
    assert issuer_area("trung ương", gz) == (None, None)
    # a centrally-run city named as a province still binds that city only (#13: the nationwide simulation's
    # documents of Hà Nội and Cần Thơ otherwise bound every unit of the country)
    assert issuer_area("tỉnh Cần Thơ", gz) == ("Cần Thơ", None)
    assert issuer_area("tỉnh Hà Nội", gz) == ("Hà Nội", None)
    assert issuer_area("tỉnh Vinh", gz) == (None, None)  # a city of a province is not a province
    assert issuer_area(None, gz) == (None, None)
