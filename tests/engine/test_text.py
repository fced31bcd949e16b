import unicodedata

from briefwatch.text import canon_tone, clean_text, html_to_text, key, nfc, strip_marks


def test_nfc_maps_eth_to_dong():
    assert nfc("\u00d0ảng ủy") == "Đảng ủy"


def test_nfd_input_becomes_nfc():
    s = unicodedata.normalize("NFD", "Thành ủy Hà Nội")
    assert nfc(s) == "Thành ủy Hà Nội"


def test_old_tone_placement_is_canonicalised():
    assert canon_tone("Thành uỷ") == "Thành ủy"
    assert canon_tone("hoà bình") == "hòa bình"
    assert canon_tone("Thuỵ Khuê") == "Thụy Khuê"
    assert canon_tone("QUẬN UỶ") == "QUẬN ỦY"


def test_tone_move_keeps_length_and_leaves_other_words():
    for s in ("kết luận", "Nguyễn", "khuyến khích", "quý", "hoàng", "Quỳnh", "thuận", "toán"):
        assert canon_tone(s) == s
    s = "Ban Thường vụ Thành uỷ, hoà, thuỷ"
    assert len(canon_tone(s)) == len(s)


def test_key_ignores_case_tone_and_spaces():
    assert key("  Xã  Hoà   Bình ") == key("xã hòa bình")


def test_strip_marks():
    assert strip_marks("Quán triệt Chỉ thị") == "Quan triet Chi thi"
    assert strip_marks("Đảng ủy") == "Dang uy"


def test_clean_text_drops_captions_markup_and_cdata():
    raw = "Tiêu đề\n\nĐảng ủy xã tổ chức hội nghị - Ảnh 1.\n<p>Nội&nbsp;dung <b>chính</b></p>]]>"
    out = clean_text(raw)
    assert "Ảnh 1" not in out
    assert "<b>" not in out and "]]>" not in out
    assert "Nội dung chính" in out


def test_html_to_text_keeps_paragraphs_and_title():
    text, title = html_to_text(
        "<html><head><title>T</title></head><body><h1>Tiêu đề</h1><p>Câu một.</p><p>Câu hai.</p><script>x=1</script></body></html>"
    )
    assert title == "Tiêu đề"
    assert text.split("\n") == ["Tiêu đề", "Câu một.", "Câu hai."]
