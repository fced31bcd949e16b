from briefwatch.docs import find_documents, normalise_code
from briefwatch.text import canon_tone


def codes(text):
    mentions, docs = find_documents(canon_tone(text))
    return [m.code for m in mentions], docs


def test_party_and_government_codes():
    got, docs = codes(
        "Chỉ thị số 24-CT/TU, Nghị quyết 57-NQ/TW, Kế hoạch số 133-KH/QU, Kế hoạch 195-KH/ĐU, "
        "Chương trình 03-CTr/TU, Kế hoạch số 215/KH-UBND, Nghị quyết 1286/NQ-UBTVQH15"
    )
    assert got == [
        "24-CT/TU",
        "57-NQ/TW",
        "133-KH/QU",
        "195-KH/ĐU",
        "03-CTR/TU",
        "215/KH-UBND",
        "1286/NQ-UBTVQH15",
    ]
    assert [docs[c].type for c in got] == [
        "chi_thi",
        "nghi_quyet",
        "ke_hoach",
        "ke_hoach",
        "chuong_trinh",
        "ke_hoach",
        "nghi_quyet",
    ]


def test_odd_spacing_and_dashes():
    got, _ = codes("Chỉ thị 24- CT/TU; Thông báo 55 – TB/TW; Chỉ thị số 24 -CT/TU; Nghị quyết 57-NQ/TƯ")
    assert got == ["24-CT/TU", "55-TB/TW", "24-CT/TU", "57-NQ/TW"]


def test_short_references_resolve_to_full_codes():
    got, _ = codes(
        "quán triệt Chỉ thị số 24-CT/TU. Nội dung Chỉ thị 24 và Chỉ thị 25 của Thành ủy; Nghị quyết số 18"
    )
    assert got == ["24-CT/TU", "24-CT/TU", "25-CT", "18-NQ"]


def test_short_reference_lists_and_non_references():
    got, _ = codes("các Chỉ thị 24, 25 và 26 của Ban Thường vụ; Kế hoạch 5 năm; Nghị quyết Trung ương 4")
    assert got == ["24-CT", "25-CT", "26-CT"]


def test_issue_date_issuer_subject():
    _, docs = codes(
        "quán triệt Chỉ thị số 24-CT/TU, ngày 07/8/2023 của Ban Thường vụ Thành ủy Hà Nội về tăng cường "
        "kỷ cương, kỷ luật và trách nhiệm giải quyết công việc và quán triệt Chỉ thị số 25-CT/TU"
    )
    d = docs["24-CT/TU"]
    assert d.issued == "2023-08-07"
    assert d.issuer == "Ban Thường vụ Thành ủy Hà Nội"
    assert d.subject == "tăng cường kỷ cương, kỷ luật và trách nhiệm giải quyết công việc"
    assert docs["25-CT/TU"].issued is None


def test_issue_date_in_words_and_quoted_subject():
    _, docs = codes("Nghị quyết 15-NQ/TU ngày 7 tháng 8 năm 2017 về “Xây dựng tổ chức cơ sở Đảng”.")
    assert docs["15-NQ/TU"].issued == "2017-08-07"
    assert docs["15-NQ/TU"].subject == "Xây dựng tổ chức cơ sở Đảng"


def test_quy_dinh_vs_quyet_dinh():
    _, docs = codes("Quy định số 08-QĐi/TW và Quyết định số 1234-QĐ/TU và Quyết định 99/QĐ-UBND")
    assert docs["08-QĐI/TW"].type == "quy_dinh"
    assert docs["1234-QĐ/TU"].type == "quyet_dinh"
    assert docs["99/QĐ-UBND"].type == "quyet_dinh"


def test_normalise_code():
    assert normalise_code("03-CTr/TƯ") == "03-CTR/TW"
    assert normalise_code("24 – CT/TU") == "24-CT/TU"
