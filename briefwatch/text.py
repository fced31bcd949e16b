"""Vietnamese text normalisation: pure functions on strings.

Two forms of one text are used by the engine:
- *display* text: NFC, Ð→Đ, markup and caption debris removed, whitespace tidied;
- *match* text: the display text with one tone placement (hoà→hòa, uỷ→ủy, thuỵ→thụy). In NFC the tone
  move keeps the length, so an offset in one form is the same offset in the other.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata

_MARKS = "\u0300\u0301\u0309\u0303\u0323"
# a tone mark on the second vowel of oa / oe / uy at the end of a syllable moves to the first vowel
_TAG_RE = re.compile(r"<[^>\n]{0,400}>")
_CDATA_RE = re.compile(r"<!\[CDATA\[|\]\]>")
_ZW_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZW_RE = re.compile(f"[{_ZW_CHARS}]")
_WS = " \t\u00a0\u2000-\u200a\u202f\u205f\u3000"
# runs of blanks other than a lone space (replacing every single space with itself is most of the cost)
_SPACES_RE = re.compile(rf"(?: [{_WS}]|[\t\u00a0\u2000-\u200a\u202f\u205f\u3000])[{_WS}]*")
# "Title of the article - Ảnh 1." caption debris of the government CMS
# the end of the article body: related-article blocks and the like (everything after them is navigation)
_TAIL_RE = re.compile(
    r"^(?:Tin liên quan|Bài liên quan|Tin cùng chuyên mục|Tin khác|Các tin khác|Xem thêm|Đọc thêm|Tin mới|Nổi bật|"
    r"Đừng bỏ lỡ|Tin đã đưa|Các bài viết khác|Bài viết liên quan|\(\d+\) Bình luận)\s*:?\s*$",
    re.M | re.I,
)
_CAPTION_RE = re.compile(r"\s[-–]\s*Ảnh\s*\d+\.?\s*$")


def nfc(s: str) -> str:
    """NFC, with the look-alike Ð (U+00D0, ð) mapped to Vietnamese Đ (U+0110, đ)."""
    return unicodedata.normalize("NFC", s).replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")


def _build_tone_table() -> dict[str, str]:
    table = {}
    for v1 in "oOuU":
        for v2 in "aAeEyY":
            for mark in _MARKS:
                src = unicodedata.normalize("NFC", v1 + v2 + mark)
                table[src] = unicodedata.normalize("NFC", v1 + mark + v2)
    return table


_TONE_TABLE = _build_tone_table()
# on NFC text: o/u followed by a toned a/e/y that ends the syllable (not after q: "quý" keeps its tone)
# (the look-behind comes after the first character: a pattern that starts with a character set scans fast)
_TONE_NFC_RE = re.compile(
    "[oOuU](?<![qQ][oOuU])[" + "".join(sorted({k[1] for k in _TONE_TABLE})) + r"](?![^\W\d_])"
)


def canon_tone(s: str) -> str:
    """One tone placement: the tone of a final oa/oe/uy sits on the first vowel (hòa, ủy, khỏe).

    Expects NFC text (as ``nfc`` gives); the length is unchanged.
    """
    if not unicodedata.is_normalized("NFC", s):
        s = unicodedata.normalize("NFC", s)
    return _TONE_NFC_RE.sub(lambda m: _TONE_TABLE[m.group(0)], s)


def key(s: str | None) -> str:
    """A comparison key: NFC, one tone placement, case-folded, single spaces."""
    if not s:
        return ""
    if len(s) > 80:  # a headline or a page's head: never cached (a long-running crawl would hoard them)
        return _key(s)
    return _key_cached(s)


def _key(s: str) -> str:
    return re.sub(r"\s+", " ", canon_tone(nfc(s)).casefold()).strip()


_key_cached = functools.lru_cache(maxsize=16384)(_key)  # unit and place names: few, looked up often


def strip_marks(s: str) -> str:
    """Remove every diacritic (đ→d): for diacritics-insensitive search."""
    d = unicodedata.normalize("NFD", nfc(s).replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in d if not unicodedata.combining(ch))


def clean_text(s: str) -> str:
    """Display text: NFC, no markup, no caption debris, tidy whitespace, one paragraph per line."""
    s = nfc(s)
    if "CDATA" in s or "]]>" in s:
        s = _CDATA_RE.sub("", s)
    if "<" in s and ">" in s:
        s = re.sub(r"(?i)<\s*(br|/p|/div|/h\d|/li|/tr)\b[^>]*>", "\n", s)
        s = _TAG_RE.sub(" ", s)
    if "&" in s:
        s = html.unescape(s)
        s = nfc(s)
    if any(c in s for c in _ZW_CHARS):  # str.translate with a dict is slow on non-ASCII text
        s = _ZW_RE.sub("", s)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = _SPACES_RE.sub(" ", s)
    m = _TAIL_RE.search(s, int(len(s) * 0.3))  # only the end of a text is navigation
    if m:
        s = s[: m.start()]
    lines = [ln.strip() for ln in s.split("\n")]
    if "Ảnh" in s:
        lines = ["" if ("Ảnh" in ln and _CAPTION_RE.search(ln)) else ln for ln in lines]
    out: list[str] = []
    for ln in lines:
        if ln or (out and out[-1]):
            out.append(ln)
    return "\n".join(out).strip()


_DROP_BLOCKS = re.compile(
    r"<(script|style|noscript|nav|footer|header|form|head|template|svg|iframe|aside)\b[^>]*>.*?</\1\s*>",
    re.S | re.I,
)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:br|p|div|li|tr|h[1-6]|time|article|section|blockquote|td|ul|ol|table|figcaption)\b[^>]*>",
    re.I,
)
_ANY_TAG = re.compile(r"<[^>]{0,2000}>")
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.S | re.I)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.S | re.I)


def html_to_text(doc: str) -> tuple[str, str | None]:
    """Text and headline (<h1>, else <title>) of an HTML page: block elements become lines; scripts, styles,
    navigation, headers, footers and forms are dropped. Regular expressions, not a DOM: it only needs the
    words, tolerates broken markup, and is several times cheaper than parsing."""
    m = _H1.search(doc) or _TITLE.search(doc)
    title = " ".join(html.unescape(_ANY_TAG.sub(" ", m.group(1))).split()) or None if m else None
    body = _COMMENT.sub(" ", doc)
    body = _DROP_BLOCKS.sub("\n", body)
    body = _BLOCK_TAG.sub("\n", body)
    body = _ANY_TAG.sub("", body)
    return re.sub(r"\n{2,}", "\n", clean_text(body)), title
