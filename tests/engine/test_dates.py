import datetime as dt

from briefwatch.dates import find_dates, parse_publish_date, resolve, to_date


def test_publish_date_lines_of_real_sites():
    cases = {
        "Tiêu đề\n30/09/2023 | 11:16\nNội dung": dt.date(2023, 9, 30),
        "Tiêu đề\nNgày đăng 15/09/2023 | 15:38\n": dt.date(2023, 9, 15),
        "Chính trị\nTiêu đề\nBạch Thanh 08/09/2023 - 18:06\n": dt.date(2023, 9, 8),
        "Tiêu đề\nPublish date 23/07/2024 | 09:21 | Lượt xem: 252": dt.date(2024, 7, 23),
        "Tiêu đề\n13:25 09/08/2025\n": dt.date(2025, 8, 9),
        "Thứ hai, 08:30 18/09/2023\nTiêu đề": dt.date(2023, 9, 18),
        "<meta> 2023-09-18T08:30:00+07:00": dt.date(2023, 9, 18),
    }
    for text, want in cases.items():
        assert parse_publish_date(text) == want, text


def test_no_publish_date_without_a_date_line():
    assert parse_publish_date("Chỉ thị số 24-CT/TU, ngày 07/8/2023 của Ban Thường vụ") is None


def _one(text):
    ds = find_dates(text)
    assert len(ds) == 1, ds
    return ds[0]


def test_event_date_forms():
    d = _one("Sáng ngày 29/9/2023, Đảng bộ")
    assert (d.day, d.month, d.year) == (29, 9, 2023)
    d = _one("Chiều 8-9, Huyện ủy Phú Xuyên")
    assert (d.day, d.month, d.year) == (8, 9, None)
    d = _one("ngày 5 tháng 10 năm 2023, Đảng ủy")
    assert (d.day, d.month, d.year) == (5, 10, 2023)
    d = _one("Trong hai ngày 12 và 13/9/2023, lớp học")
    assert (d.day, d.month, d.year) == (12, 9, 2023)


def test_codes_and_numbers_are_not_dates():
    assert (
        find_dates("Chỉ thị số 24-CT/TU và Kế hoạch 215/KH-UBND, 1.200 đảng viên, nhiệm kỳ 2020-2025") == []
    )


def test_year_rule():
    d = _one("Chiều 8-9, hội nghị")
    assert resolve(d, dt.date(2023, 9, 8)) == dt.date(2023, 9, 8)
    assert resolve(d, dt.date(2024, 1, 5)) == dt.date(2023, 9, 8)  # latest such day on or before publication
    assert resolve(d, None) is None
    assert resolve(d, None, fallback_year=2023) == dt.date(2023, 9, 8)


def test_to_date():
    assert to_date("2023-09-08") == dt.date(2023, 9, 8)
    assert to_date("2023-09-08T10:00:00+07:00") == dt.date(2023, 9, 8)
    assert to_date("not a date") is None
    assert to_date(None) is None
