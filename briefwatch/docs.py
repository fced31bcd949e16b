"""Numbered documents in a text: codes, short references, types, issuers, issue dates, subjects.

Pure functions over the engine's *match* text (NFC, one tone placement). Party codes are
``NUMBER-TYPE/ISSUER`` (24-CT/TU, 03-CTr/TU, 195-KH/ĐU); government codes ``NUMBER/TYPE-ISSUER``
(215/KH-UBND, 1286/NQ-UBTVQH15, 08/2023/NQ-HĐND).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

_DASH = r"\s*[-–—‐‑]\s*"
_PARTY = re.compile(
    r"(?<![\w/.\-])(\d{1,5})" + _DASH + r"([A-ZĐ][A-Za-zĐđ]{0,4})\s*/\s*([A-ZĐƯ][A-ZĐƯ0-9]{0,11})(?![\w\-/])"
)
_GOV = re.compile(
    r"(?<![\w/.\-])(\d{1,5}(?:/\d{4})?)\s*/\s*([A-ZĐ][A-Za-zĐđ]{0,5})\s*-\s*([A-ZĐ][A-Za-zĐđ0-9]{0,14}(?:-[A-ZĐ][A-Za-zĐđ0-9]{0,12}){0,3})(?![\w/])"
)
# a resolution or law of the National Assembly and the like: "Nghị quyết số 119/2020/QH14" (needs the word)
_YEARLY = re.compile(
    r"(?<![\w/.\-])(\d{1,5})/(\d{4})/([A-ZĐ][A-Za-zĐđ0-9]{1,10}(?:-[A-ZĐ][A-Za-zĐđ0-9]{0,10})?)(?![\w/\-])"
)
# a document word before a number: "Chỉ thị 24", "Nghị quyết số 18", "Chỉ thị 24 và 25"
_TYPE_WORDS = {
    "chỉ thị": "chi_thi",
    "nghị quyết": "nghi_quyet",
    "kết luận": "ket_luan",
    "kế hoạch": "ke_hoach",
    "quy định": "quy_dinh",
    "quyết định": "quyet_dinh",
    "hướng dẫn": "huong_dan",
    "thông báo": "thong_bao",
    "thông báo kết luận": "thong_bao",
    "chương trình": "chuong_trinh",
    "chương trình hành động": "chuong_trinh",
    "thông tri": "thong_tri",
    "đề án": "de_an",
    "công văn": "cong_van",
}
_TYPE_WORD_RE = "|".join(sorted((re.escape(w) for w in _TYPE_WORDS), key=len, reverse=True))
# found on the lower-cased text (fast), the number then read on the text itself
_SHORT_WORD = re.compile(rf"({_TYPE_WORD_RE})\s+")  # word boundary checked in code: a literal scan is faster
_SHORT_REST = re.compile(
    r"(?:[Ss]ố\s+(\d{1,4})(?![\d/\-–—.,]\d|\s*[-–—]\s*[A-ZĐ]|\s*/|\w)(?!\s*(?:năm|tháng|điểm|nội dung|%))"
    r"|(?:\((?:NQ|CT|KL|QĐ|KH)\)\s*)?(\d{1,4})(?![\d/\-–—.,]\d|\s*[-–—]\s*[A-ZĐ]|\s*/|\w)"
    r"(?!\s*(?:năm|tháng|ngày|điểm|nội dung|nhiệm vụ|nhóm|giải pháp|mục|tiêu chí|tốt|%)))"
)
_ABBREV = re.compile(r"(?<![\w/\-(])(NQ|CT|KL)\s+(\d{1,3})(?![\d/\-–—]|\w|\s*[-–—/])")
_MORE_NUMBERS = re.compile(r"\s*(?:,|và)\s*(?:[Ss]ố\s+)?(\d{1,4})(?![\d/\-–—]|\w)")

_CODE_TYPES = {
    "CT": "chi_thi",
    "NQ": "nghi_quyet",
    "KL": "ket_luan",
    "KH": "ke_hoach",
    "QĐI": "quy_dinh",
    "QĐ": "quyet_dinh",
    "HD": "huong_dan",
    "HĐ": "huong_dan",
    "TB": "thong_bao",
    "CTR": "chuong_trinh",
    "TT": "thong_tri",
    "ĐA": "de_an",
    "CV": "cong_van",
}
TYPE_CODES = {
    "chi_thi": "CT",
    "nghi_quyet": "NQ",
    "ket_luan": "KL",
    "ke_hoach": "KH",
    "quy_dinh": "QĐ",
    "quyet_dinh": "QĐ",
    "huong_dan": "HD",
    "thong_bao": "TB",
    "chuong_trinh": "CTR",
    "thong_tri": "TT",
    "de_an": "ĐA",
}

_ISSUE_DATE = re.compile(
    r"\s*[,(]?\s*(?:(?i:ban hành)\s+)?(?i:ngày)\s+(\d{1,2})\s*(?:[/.\-–]|\s+tháng\s+)\s*(\d{1,2})\s*(?:[/.\-–]|,?\s+năm\s+)\s*(\d{4})"
)
_ISSUER = re.compile(
    r"\s*,?\s*(?:của|do)\s+((?:Ban [Tt]hường vụ|Ban Chấp hành|BCH|BTV|Thường trực|Ban Bí thư|Bộ Chính trị|Ban Chỉ đạo|"
    r"Đảng ủy|Đảng đoàn|Ban cán sự|Ban Tuyên giáo|UBND|Ủy ban nhân dân|HĐND|Hội đồng nhân dân|Chính phủ|Thủ tướng|Quốc hội|"
    r"Ủy ban Thường vụ Quốc hội|Trung ương|Huyện ủy|Quận ủy|Thị ủy|Thành ủy|Tỉnh ủy|Sở|Bộ)"
    r"(?:\s+(?:[A-ZĐ][\w]*|ủy|thường vụ|nhân dân|chính trị|bí thư|chấp hành|trung ương|tuyên giáo|khối|các|cơ quan|[Tt]hành phố|[Qq]uận|"
    r"[Hh]uyện|[Tt]ỉnh|xã|phường|thị trấn|TP\.?)){0,6})"
)
_SUBJECT_START = re.compile(r"\s*[,:]?\s*(?:của\s+[^,;.“\"]{0,80}?\s+)?về\s+(?:việc\s+)?")
_SUBJECT_STOP = re.compile(
    r"[;.!?\n(]|\s[-–]\s|,\s*(?:ngày|đồng thời|gắn với|các|nhiều|những|đảng ủy|Đảng ủy|huyện|quận)\s|\s(?:gắn với\s|cho\s+(?:\d|hơn|gần|trên|các|toàn|cán|đảng)|tới\s+(?:\d|hơn|gần|các|toàn|cán)|với sự tham (?:dự|gia))"
    r"|\svà\s+(?:quán triệt|triển khai|phổ biến|Kế hoạch|Chỉ thị|Nghị quyết|Kết luận|Quy định|Hướng dẫn|Thông báo|Chương trình)"
)


@dataclass
class DocMention:
    start: int
    end: int
    code: str  # normalised code, possibly partial ("24-CT")
    type: str
    full: bool  # a written full code, not a short reference
    number: str
    type_code: str


@dataclass
class Document:
    code: str
    type: str
    issuer: str | None = None
    issued: str | None = None
    subject: str | None = None
    mentions: list[DocMention] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "type": self.type,
            "issuer": self.issuer,
            "issued": self.issued,
            "subject": self.subject,
        }


_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "\u00d0": "Đ"})


def normalise_code(code: str) -> str:
    """Upper case, no spaces, one dash, /TƯ → /TW, Ð → Đ."""
    c = "".join(code.split()).translate(_DASHES).upper()
    return c[:-3] + "/TW" if c.endswith("/TƯ") else c


_WORD_BEFORE = re.compile(rf"({_TYPE_WORD_RE})\s+(?:số\s*)?(?:\S+\s+)?$")


def _word_before(text: str, pos: int) -> str | None:
    m = _WORD_BEFORE.search(text[max(0, pos - 40) : pos].lower())
    return _TYPE_WORDS.get(m.group(1).lower()) if m else None


def _type_of(type_code: str, word: str | None, party: bool) -> str:
    tc = type_code.upper()
    if tc in ("QĐ", "QĐI"):
        if word in ("quy_dinh", "quyet_dinh"):
            return word
        return "quy_dinh" if tc == "QĐI" else "quyet_dinh"
    if tc == "TT" and not party:
        return "other"  # thông tư
    if tc in _CODE_TYPES:
        return _CODE_TYPES[tc]
    return word or "other"


def _code_slashes(text: str) -> list[int]:
    """Positions of the slashes that can belong to a code: a letter on one side ("CT/TU", "215/KH-UBND") or a
    year between two slashes ("119/2020/QH14"); the slashes of dates ("29/9/2023") are skipped."""
    out = []
    n = len(text)
    pos = text.find("/")
    while pos != -1:
        i = pos - 1
        while i >= 0 and text[i] == " ":
            i -= 1
        j = pos + 1
        while j < n and text[j] == " ":
            j += 1
        if (
            (i >= 0 and text[i].isalpha())
            or (j < n and text[j].isupper())
            or (text[pos + 1 : pos + 5].isdigit() and text[pos + 5 : pos + 6] == "/")
        ):
            out.append(pos)
        pos = text.find("/", pos + 1)
    return out


def _windows(pat: re.Pattern, text: str, slashes: list[int]):
    """Matches of ``pat`` (every code has a slash) searched only around those slashes: much faster."""
    last = 0
    for pos in slashes:
        if pos < last:
            continue
        lo = max(last, pos - 24)
        m = pat.search(text, lo, min(len(text), pos + 40))
        while m and m.start() <= pos + 1:
            if m.end() > last and m.start() >= last:
                yield m
                last = m.end()
            m = pat.search(text, m.end(), min(len(text), pos + 40))


def find_codes(text: str) -> list[DocMention]:
    """Full written codes, in order."""
    out: list[DocMention] = []
    slashes = _code_slashes(text) if "/" in text else []
    if not slashes:
        return out
    for m in _windows(_PARTY, text, slashes):
        num, tc, iss = m.group(1), m.group(2), m.group(3)
        if tc.upper() not in _CODE_TYPES and not _word_before(text, m.start()):
            continue
        code = normalise_code(f"{num}-{tc}/{iss}")
        out.append(
            DocMention(
                m.start(),
                m.end(),
                code,
                _type_of(tc, _word_before(text, m.start()), True),
                True,
                num,
                tc.upper(),
            )
        )
    spans = [(d.start, d.end) for d in out]
    for m in _windows(_GOV, text, slashes):
        if any(not (m.end() <= s or m.start() >= e) for s, e in spans):
            continue
        num, tc, iss = m.group(1), m.group(2), m.group(3)
        code = normalise_code(f"{num}/{tc}-{iss}")
        word = _word_before(text, m.start())
        if tc.upper() not in _CODE_TYPES and word is None:
            continue
        out.append(
            DocMention(
                m.start(), m.end(), code, _type_of(tc, word, False), True, num.split("/")[0], tc.upper()
            )
        )
    spans = [(d.start, d.end) for d in out]
    for m in _windows(_YEARLY, text, slashes):
        if any(not (m.end() <= s or m.start() >= e) for s, e in spans):
            continue
        word = _word_before(text, m.start())
        if word is None:
            continue
        code = normalise_code(m.group(0))
        out.append(DocMention(m.start(), m.end(), code, word, True, m.group(1), TYPE_CODES.get(word, "")))
    out.sort(key=lambda d: d.start)
    return out


def find_documents(
    text: str, published: dt.date | None = None, low: str | None = None
) -> tuple[list[DocMention], dict[str, Document]]:
    """All document mentions (full codes and resolved short references) and the documents they name.
    ``low`` is ``text.lower()`` when the caller has it already."""
    mentions = find_codes(text)
    spans = [(d.start, d.end) for d in mentions]
    by_num_type: dict[tuple[str, str], str] = {}
    for d in mentions:
        by_num_type.setdefault((d.number, TYPE_CODES.get(d.type, d.type_code)), d.code)
    shorts: list[DocMention] = []
    low = low if low is not None else text.lower()
    for w in _SHORT_WORD.finditer(low):
        if w.start() and low[w.start() - 1].isalnum():
            continue
        m = _SHORT_REST.match(text, w.end())
        if not m or any(not (m.end() <= s or w.start() >= e) for s, e in spans):
            continue
        t = _TYPE_WORDS[w.group(1)]
        if t not in TYPE_CODES:
            continue
        nums = [(m.group(1) or m.group(2), w.start(), m.end())]
        pos = m.end()
        while True:
            mm = _MORE_NUMBERS.match(text, pos)
            if not mm:
                break
            nums.append((mm.group(1), mm.start(1), mm.end()))
            pos = mm.end()
        for num, s, e in nums:
            tcode = TYPE_CODES[t]
            code = by_num_type.get((num, tcode)) or f"{num}-{tcode}"
            shorts.append(DocMention(s, e, code, t, False, num, tcode))
    # the press's abbreviations: "NQ 28", "CT 05" (capitals, a number of at most three digits)
    if "NQ " in text or "CT " in text or "KL " in text:
        taken = spans + [(d.start, d.end) for d in shorts]
        for m in _ABBREV.finditer(text):
            if any(not (m.end() <= a or m.start() >= b) for a, b in taken):
                continue
            num, tcode = m.group(2), m.group(1)
            t = _CODE_TYPES[tcode]
            code = by_num_type.get((num, tcode)) or f"{num}-{tcode}"
            shorts.append(DocMention(m.start(), m.end(), code, t, False, num, tcode))
    mentions = sorted(mentions + shorts, key=lambda d: d.start)
    docs: dict[str, Document] = {}
    for d in mentions:
        doc = docs.setdefault(d.code, Document(d.code, d.type))
        doc.mentions.append(d)
        if not d.full and d.code in by_num_type.values():
            continue  # a short reference to a full code written elsewhere: the full mention tells the details
        tail = text[d.end : d.end + 600]
        issued = None
        mdate = _ISSUE_DATE.match(tail)
        pos = 0
        if mdate:
            day, mon, yr = (int(x) for x in mdate.groups())
            try:
                issued = dt.date(yr, mon, day)
            except ValueError:
                issued = None
            pos = mdate.end()
        if m_iss := _ISSUER.match(tail, pos):
            issuer = m_iss.group(1).strip()
            if doc.issuer is None or (len(issuer) > len(doc.issuer) and issued is not None):
                doc.issuer = issuer
            pos = m_iss.end()
        if issued and (published is None or issued <= published) and doc.issued is None:
            doc.issued = issued.isoformat()
        if m_sub := _SUBJECT_START.match(tail, pos):
            subject = _subject(tail[m_sub.end() :])
            better = doc.subject is None or (issued is not None and len(subject or "") > len(doc.subject))
            if subject and better:
                doc.subject = subject
    return mentions, docs


def _subject(s: str) -> str | None:
    s = s.lstrip()
    if s[:1] in "“\"'«":
        close = {"“": "”", '"': '"', "'": "'", "«": "»"}[s[0]]
        end = s.find(close, 1)
        if 0 < end < 400:
            return s[1:end].strip() or None
        s = s[1:]
    m = _SUBJECT_STOP.search(s[:400])
    out = (s[: m.start()] if m else s[:300]).strip(' ,;:”"')
    return out or None
