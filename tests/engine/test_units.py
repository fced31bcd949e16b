import datetime as dt

import pytest

from briefwatch.gazetteer import load_gazetteer
from briefwatch.text import canon_tone
from briefwatch.units import build_context, find_mentions, resolve


@pytest.fixture(scope="module")
def gz():
    return load_gazetteer()


def test_gazetteer_sizes_both_eras(gz):
    before, after = dt.date(2024, 1, 1), dt.date(2025, 9, 1)
    assert len(gz.units(before, None, ["tinh", "thanh_pho_tw"])) == 63
    assert len(gz.units(after, None, ["tinh", "thanh_pho_tw"])) == 34
    assert len(gz.units(before, "Hà Nội", ["quan", "huyen", "thi_xa"])) == 30
    assert len(gz.units(after, "Hà Nội", ["xa", "phuong"])) == 126
    assert len(gz.units(after, None, ["xa", "phuong", "dac_khu"])) == 3321


def test_gazetteer_validity_and_homonyms(gz):
    tp = gz.find("Tiền Phong", types=["xa"], on=dt.date(2023, 9, 1), province="Hà Nội")
    assert {u.district for u in tp} == {"Mê Linh", "Thường Tín"}
    assert all(u.valid_to == dt.date(2025, 6, 30) for u in tp)
    hm = gz.find("Hát Môn", types=["xa"], on=dt.date(2025, 8, 1), province="Hà Nội")
    assert hm and hm[0].district is None and hm[0].valid_from == dt.date(2025, 7, 1)


def mentions(gz, text):
    return [(m.word, m.short) for m in find_mentions(canon_tone(text), gz)]


def test_mention_forms(gz):
    assert mentions(gz, "Đảng bộ xã Đại Thịnh và Ban Thường vụ Quận ủy") == [
        ("xã", "Đại Thịnh"),
        ("quận ủy", None),
    ]
    assert mentions(gz, "Huyện uỷ Phú Xuyên, Thị ủy Sơn Tây, Đảng ủy phường tổ chức") == [
        ("huyện ủy", "Phú Xuyên"),
        ("thị ủy", "Sơn Tây"),
        ("phường", None),
    ]
    assert mentions(gz, "Phó Bí thư Thành ủy Nguyễn Văn Phong") == [("thành ủy", None)]
    assert mentions(gz, "Huyện ủy viên") == []
    assert mentions(gz, "các xã Tiền Phong, Đại Thịnh và Văn Khê") == [
        ("xã", "Tiền Phong"),
        ("xã", "Đại Thịnh"),
        ("xã", "Văn Khê"),
    ]


def test_agency_mentions(gz):
    ms = find_mentions("Đảng ủy Khối các cơ quan Thành phố tổ chức", gz)
    assert ms[0].agency == "Đảng ủy Khối các cơ quan Thành phố"


def _resolve(gz, text, home=None, on=dt.date(2023, 9, 1), idx=0):
    ms = find_mentions(canon_tone(text), gz)
    ctx = build_context(ms, gz, on, home, None)
    return resolve(ms[idx], gz, ctx, on)


def test_homonym_commune_uses_the_district_the_text_names(gz):
    r = _resolve(gz, "xã Tiền Phong tổ chức hội nghị. Huyện ủy Mê Linh chỉ đạo.")
    assert r == {"unit": "xã Tiền Phong", "unit_type": "xa", "district": "Mê Linh", "province": "Hà Nội"}


def test_homonym_commune_uses_the_source_home(gz):
    r = _resolve(gz, "xã Tiền Phong tổ chức hội nghị.", home={"district": "Thường Tín"})
    assert r["district"] == "Thường Tín"


def test_homonym_commune_without_context_has_no_district(gz):
    assert _resolve(gz, "xã Tiền Phong tổ chức hội nghị.")["district"] is None


def test_bare_committee_takes_the_article_district(gz):
    r = _resolve(gz, "Ban Thường vụ Quận ủy tổ chức. Quận Cầu Giấy và quận Cầu Giấy; quận Thanh Xuân.")
    assert r == {"unit": "quận Cầu Giấy", "unit_type": "quan", "district": None, "province": "Hà Nội"}


def test_city_and_other_provinces(gz):
    assert _resolve(gz, "Ban Thường vụ Thành ủy tổ chức")["unit"] == "thành phố Hà Nội"
    r = _resolve(gz, "Ban Thường vụ Tỉnh ủy Nghệ An tổ chức")
    assert r == {"unit": "tỉnh Nghệ An", "unit_type": "tinh", "district": None, "province": "Nghệ An"}
    r = _resolve(gz, "Thành ủy Đà Nẵng tổ chức")
    assert r["unit_type"] == "thanh_pho_tw" and r["province"] == "Đà Nẵng"


def test_post_2025_commune_has_no_district(gz):
    r = _resolve(gz, "Đảng ủy xã Hát Môn tổ chức", on=dt.date(2025, 8, 1))
    assert r == {"unit": "xã Hát Môn", "unit_type": "xa", "district": None, "province": "Hà Nội"}
