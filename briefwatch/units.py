"""Unit mentions in a text and their resolution against the gazetteer. Pure functions.

A mention is a type word with or without a proper name: "xã Đại Thịnh", "Đảng ủy phường" (bare), "Huyện
ủy Phú Xuyên", "Ban Thường vụ Quận ủy" (bare), "Thành ủy Hà Nội", "tỉnh Nghệ An", "Đảng ủy Khối các cơ quan
Thành phố", "Sở Tài chính Hà Nội". Bare mentions are resolved from the article's context (the unit of the
section, the source's home, the districts the text names).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from dataclasses import dataclass, field

from briefwatch.gazetteer import COMMUNE_LEVEL, DISTRICT_LEVEL, Gazetteer, Unit
from briefwatch.text import canon_tone, key, nfc

# type word (as written, any case of the first letter) → unit types it can denote
_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "xã": ("xa",),
    "phường": ("phuong",),
    "thị trấn": ("thi_tran",),
    "đặc khu": ("dac_khu",),
    "quận": ("quan",),
    "huyện": ("huyen",),
    "thị xã": ("thi_xa",),
    "thành phố": ("thanh_pho_tw", "thanh_pho_thuoc_tinh"),
    "tp": ("thanh_pho_tw", "thanh_pho_thuoc_tinh"),
    "tp.": ("thanh_pho_tw", "thanh_pho_thuoc_tinh"),
    "tt": ("thi_tran",),  # "Đảng ủy TT Gio Linh": capitals only, and only before a town the gazetteer knows
    "tỉnh": ("tinh",),
    "huyện ủy": ("huyen",),
    "quận ủy": ("quan",),
    "thị ủy": ("thi_xa",),
    "thành ủy": ("thanh_pho_tw", "thanh_pho_thuoc_tinh"),
    "tỉnh ủy": ("tinh",),
}
TYPE_WORDS = _TYPE_WORDS
# a unit's full name as the project writes it (its key): type word + proper name, "xã mê linh", "thành phố hà nội"
TYPED_NAME = re.compile(r"^(xã|phường|thị trấn|đặc khu|quận|huyện|thị xã|thành phố|tỉnh)\s+(.+)$")
_COMMITTEES = {"huyện ủy", "quận ủy", "thị ủy", "thành ủy", "tỉnh ủy"}
_TW_RE = "|".join(
    sorted((f"[{w[0]}{w[0].upper()}]{re.escape(w[1:])}" for w in _TYPE_WORDS), key=len, reverse=True)
)
# no IGNORECASE (slow on Unicode): the first letter in both cases, as written in running text
_MENTION = re.compile(
    rf"(?<![\w.])((?:{_TW_RE}|TP\.?|XÃ|PHƯỜNG|HUYỆN|QUẬN|THỊ TRẤN|THỊ XÃ))(?![\w])(?!\s+viên)"
)
# the same words on the lower-cased text, as plain literals: five times faster to scan; boundaries checked after
_MENTION_LOW = re.compile("|".join(re.escape(w) for w in sorted(_TYPE_WORDS, key=len, reverse=True)))


_LIST_SEP = re.compile(r"\s*(?:,|và|, và)\s*")


def _type_words(text: str, low: str):
    """(start, end, word) of each type word standing alone (not inside a word, not "Huyện ủy viên")."""
    n = len(low)
    for m in _MENTION_LOW.finditer(low):
        a, b = m.start(), m.end()
        if (a and (low[a - 1].isalnum() or low[a - 1] in "._")) or (
            b < n and (low[b].isalnum() or low[b] == "_")
        ):
            continue
        word = m.group(0)
        if (
            word.startswith("tp")
            and not text.startswith("TP", a)
            or word == "tt"
            and not text.startswith("TT", a)
        ):
            continue
        if low.startswith(" viên", b):
            continue
        yield a, b, word


# the press's names of Hồ Chí Minh city after a type word: "Thành ủy TP.HCM", "TPHCM", "TP. Hồ Chí Minh"
_HCM = re.compile(r"\s*(?:TP\.?\s?HCM|TPHCM|HCM|TP\.?\s?Hồ Chí Minh|Tp\.?\s?Hồ Chí Minh)(?![\w])")
_OWN_TYPE = re.compile(r"\s*(Quận|quận|Huyện|huyện|Thị xã|thị xã|Tỉnh|tỉnh|Thành phố|thành phố)(?=\s)")
_NAME_TOKEN = re.compile(r"\s*([^\W_][\w]*)")
_STOP_NAME = {
    "Đảng",
    "UBND",
    "HĐND",
    "MTTQ",
    "Ủy",
    "Huyện",
    "Quận",
    "Thị",
    "Thành",
    "Tỉnh",
    "Xã",
    "Phường",
    "Ban",
    "Chi",
    "Sáng",
    "Chiều",
    "Ngày",
    "Hội",
    "Đồng",
}
# a commune-level type word with no name counts as a (bare) mention only after one of these
_BARE_OK = re.compile(  # on lower-cased text
    r"(?:đảng ủy|đảng bộ|ubnd|ủy ban nhân dân|hđnd|ban chấp hành|bch|ban thường vụ|chi bộ|cấp ủy|mttq|công an)\s*$"
)
# the central blocs: central organs, no agencies of a province ("Đảng ủy Khối các cơ quan Trung ương")
_CENTRAL_BLOC = re.compile(r"(?:Đảng ủy|Đảng bộ) [Kk]hối (?:các [Cc]ơ quan|Doanh nghiệp) Trung ương")
_CENTRAL = re.compile(
    r"Bộ Chính trị|Ban Bí thư|Ban Chấp hành (?:Trung ương|TW)|BCH (?:Trung ương|TW)|Trung ương Đảng|Quốc hội|Chính phủ|"
    r"Thủ tướng|Ban (?:Chỉ đạo|Tuyên giáo|Tổ chức|Nội chính|Kinh tế|Dân vận|Tuyên giáo và Dân vận|Đối ngoại) "
    r"(?:Trung ương|TW)|Ủy ban Kiểm tra (?:Trung ương|TW)|Quân ủy Trung ương|Đảng ủy Công an Trung ương|Bộ trưởng|"
    r"Bộ (?:Công an|Quốc phòng|Nội vụ)|" + _CENTRAL_BLOC.pattern
)
# non-territorial units (capitals matter): bloc Party committees and city departments
_KHOI = re.compile(
    r"(?:Đảng ủy|Đảng bộ) [Kk]hối((?: (?:các|cơ|quan|[Dd]oanh|nghiệp|[A-ZĐ]\w*)){1,5}?) (?:[Tt]hành phố|TP\.?)(?: Hà Nội)?(?!\w)"
)
_AGENCY = re.compile(
    r"((?:Đảng ủy|Đảng bộ) [Kk]hối(?: [a-zà-ỹđ]+){0,3}(?: (?:Thành phố|Tỉnh|tỉnh|nghiệp|[A-ZĐ][\w]*)){1,4})"
)
_AGENCY_START = re.compile(
    r"Đảng ủy |Đảng bộ |Chi bộ |chi bộ |Sở |Quân khu |Bộ Chỉ huy |Công an |Trường |Bệnh viện |Trung tâm |"
    r"Tổng [Cc]ông ty |Công ty |ĐUQS |VKSND |Viện [Kk]iểm sát |Tòa án "
)
# any other non-territorial unit: schools, hospitals, centres, companies, the army and the police, blocs
# ("Đảng ủy Trường CĐCN Việt Đức", "Đảng bộ Bệnh viện Tâm thần", "Đảng ủy Quân sự tỉnh", "Công an xã Trung Hưng")
_HEAD = re.compile(
    r"(?:(?:Đảng ủy|Đảng bộ|Chi bộ|chi bộ) )?(Quân sự|Quân khu|Bộ Chỉ huy|Bộ CHQS|Ban Chỉ huy|Công an|Trường|Bệnh viện|"
    r"Trung tâm|Tổng [Cc]ông ty|Công ty|Tập đoàn|Học viện|Đại học|[Kk]hối|ĐUQS|VKSND|Viện [Kk]iểm sát nhân(?: dân)?|"
    r"Tòa án nhân dân|(?<=Đảng bộ )trường|(?<=Đảng ủy )trường|(?<=Chi bộ )trường|(?<=chi bộ )trường)(?=\s)"
)
# heads written short by the press, and the one name written out in labels both ways (the border guard)
_HEAD_NAMES = {
    "ĐUQS": "Đảng ủy Quân sự",
    "VKSND": "Viện kiểm sát nhân dân",
    "Viện Kiểm sát nhân dân": "Viện kiểm sát nhân dân",
    "Viện kiểm sát nhân": "Viện kiểm sát nhân dân",  # a word dropped: "Viện kiểm sát nhân tỉnh Quảng Trị"
    "Viện Kiểm sát nhân": "Viện kiểm sát nhân dân",
    "Tổng công ty": "Tổng Công ty",  # one spelling per agency
}
_NAME_WORD = re.compile(r"\s+([^\W_][\w.&]*(?:\s*-\s*[^\W\d_]\w*)*)")
_CONNECTOR = re.compile(
    r"\s+(và|các|cơ|quan|giống|đa|khoa|tâm|thần|doanh|nghiệp|cao|đẳng|nhân|dân|biên|phòng)(?=\s)"
)
_TERRITORY = re.compile(r"\s+(tỉnh|thành phố|TP\.?|huyện|quận|thị xã|xã|phường)(?=[\s,.;:)]|$)")
# sub-units of a territory hold its meetings ("Trung tâm Chính trị huyện"); places are no holders
# abbreviations the press uses in agency names, written out so that one agency has one name
_ABBREVIATIONS = {"DN": "Doanh nghiệp", "CQ": "Cơ quan", "CCQ": "các cơ quan", "BĐBP": "BĐBP"}
# the second syllables of words that names write with one capital ("Trường Chính trị", "Sở Xây dựng")
_NAME_TAIL = {"Chính": "trị", "Xây": "dựng", "Giáo": "dục", "Quân": "sự", "Y": "tế", "Nông": "nghiệp"}
_BARE_HEAD = "\u2026"  # marks an agency head read without a name ("Đảng bộ Trường")
_TYPE_BEFORE = re.compile(
    r"(?:xã|phường|thị trấn|huyện|quận|thị xã|tỉnh|thành phố|thôn|tổ dân phố)\s+$", re.I
)
_NOT_AGENCY = re.compile(
    r"(?:Trung tâm (?:Chính trị|Văn hóa|Hội nghị|Bồi dưỡng|Truyền thông|Y tế)|Trường Quân sự)"
)


_PAREN_ABBR = re.compile(r"\s*\([A-ZĐ][A-ZĐ&.\-]{0,9}\)(?=\s)")
_STEERING = re.compile(r"Ban Chỉ đạo(?: [^\n.;:]{0,80}?)? (tỉnh|[Tt]hành phố)(?=[\s,(.;:]|$)")
_LOWER_WORD = re.compile(r"\s+([a-zà-ỹđ]+)(?=[\s,.;:)]|$)")
# words that end a name: verbs, prepositions, times ("Trường ... tổ chức", "... về", "... năm 2023")
_NAME_END = frozenset(
    "tổ chức đã vừa tiến hành về của cho với tại trong để nhằm khai mạc là có được quán triệt học tập triển sơ tổng "
    "kết họp dự tham phối hợp cùng năm ngày tháng sáng chiều tối sẽ đang nghiên cứu thực hiện theo đến tới từ".split()
)


def _lower_run(text: str, pos: int) -> int | None:
    """End of at most three lower-case words inside a name ("Cao đẳng Sư phạm", "giống cây trồng tỉnh"): they
    belong to it when a capitalised word, a number or a territory word follows them."""
    end = pos
    for _ in range(3):
        w = _LOWER_WORD.match(text, end)
        if not w or w.group(1) in _NAME_END:
            return None
        end = w.end()
        if _TERRITORY.match(text, end) or _PAREN_ABBR.match(text, end):
            return end
        nxt = _NAME_WORD.match(text, end)
        if nxt and (nxt.group(1)[0].isupper() or nxt.group(1)[0].isdigit()):
            return end
    return None


def _agency_at(text: str, a: int, gz: Gazetteer) -> tuple[str, int] | None:
    """The name of a non-territorial unit that starts at ``a``, read word by word, and where it ends."""
    m = _HEAD.match(text, a)
    if not m or _NOT_AGENCY.match(text, m.start(1)):
        return None
    if _TYPE_BEFORE.search(text, max(0, a - 12), a):  # "xã Trường Yên", "phường Trung Tâm": a place name
        return None
    if a >= 2 and re.search(r"[A-ZĐ]\w*\s$", text[max(0, a - 12) : a]):  # "Lê Trường Lưu": a person
        return None
    head = m.group(1)
    party = m.start(1) > a or head == "ĐUQS"
    if head in ("Quân sự", "Khối", "khối", "trường") and not party:
        return None
    head = _HEAD_NAMES.get(head, head)
    words: list[str] = [head[0].upper() + head[1:]]
    pos = m.end()
    named = False
    territory = False
    while len(words) < 12:
        paren = _PAREN_ABBR.match(text, pos)  # "Đảng ủy Khối Doanh nghiệp (DN) tỉnh Bắc Giang"
        if paren and named:
            pos = paren.end()
            continue
        w = _NAME_WORD.match(text, pos)
        if w and (w.group(1)[0].isupper() or w.group(1)[0].isdigit()):
            words.append(w.group(1))
            pos, named = w.end(), True
            continue
        t = _TERRITORY.match(text, pos)
        if t:
            name, end = _read_name(
                text, t.end(), gz, _TYPE_WORDS.get(t.group(1).lower().rstrip("."), ("tinh",))
            )
            words.append(t.group(1) if not name else f"{t.group(1)} {name}")
            pos, named, territory = (end if name else t.end()), True, True
            break
        tail = _NAME_TAIL.get(words[-1])
        if tail and re.match(rf"\s+{tail}(?=[\s,.;:)]|$)", text[pos:]):  # "Trường Chính trị", "Bộ CHQS"
            words.append(tail)
            pos += text[pos:].index(tail) + len(tail)
            continue
        run = _lower_run(text, pos)
        if run:
            words += text[pos:run].split()
            pos = run
            continue
        break
    if (
        not named
        and party
        and head in ("Trường", "Bệnh viện", "Trung tâm", "Tổng Công ty", "Công ty", "Học viện")
    ):
        return head + _BARE_HEAD, m.end()  # "Đảng bộ Trường": the school named in full elsewhere, if it is
    if not named or (head == "Công an" and not territory):
        return None
    while words[-1] in ("và", "các", "cơ", "quan"):
        words.pop()
    words = [_ABBREVIATIONS.get(w, w) for w in words]
    name = " ".join(words)
    if party and head in ("Quân sự", "Khối", "khối"):
        name = "Đảng ủy " + name
    name = name.replace("Bộ đội Biên phòng", "BĐBP")
    if _CENTRAL_BLOC.match(text, a):
        return None  # the central blocs are central organs: no events (read by _CENTRAL)
    return name, pos


# the city/province departments, by their official names (lower-case words make a generic pattern greedy)
_DEPARTMENTS = (
    "Giáo dục và Đào tạo|Tài nguyên và Môi trường|Nông nghiệp và Môi trường|Nông nghiệp và Phát triển nông thôn|"
    "Văn hóa và Thể thao|Văn hóa, Thể thao và Du lịch|Khoa học và Công nghệ|Kế hoạch và Đầu tư|Thông tin và Truyền thông|"
    "Lao động - Thương binh và Xã hội|Giao thông vận tải|Quy hoạch - Kiến trúc|Dân tộc và Tôn giáo|Xây dựng|Tài chính|"
    "Nội vụ|Y tế|Công Thương|Tư pháp|Ngoại vụ|Du lịch|Giao thông Vận tải"
)
_SO = re.compile(
    rf"Sở (?:{_DEPARTMENTS})(?: (?:[Tt]hành phố|TP\.?|[Tt]ỉnh)?\s?(?:Hà Nội|[A-ZĐ]\w*(?: [A-ZĐ]\w*){{0,2}}))?(?![\w])"
)
# Party committees of 2025 that are not territorial: "Đảng ủy các cơ quan Đảng Thành phố", "Đảng ủy UBND Thành phố"
_ORGAN_COMMITTEE = re.compile(
    r"Đảng (?:ủy|bộ) (các cơ quan Đảng|Ủy ban nhân dân|UBND) ([Tt]hành phố|[Tt]ỉnh(?: [A-ZĐ]\w*){1,3}|TPHCM|TP\.? ?HCM)(?![\w])"
)


@dataclass
class Mention:
    start: int
    end: int
    word: str  # the type word as normalised key ("xã", "huyện ủy")
    types: tuple[str, ...]
    short: str | None  # proper name as written (one tone placement); None for a bare mention
    agency: str | None = None  # a non-territorial unit's own short name
    resolved: Unit | None = None
    candidates: list[Unit] = field(default_factory=list)

    @property
    def level(self) -> str:
        if self.agency:
            return "other"
        t = self.types[0]
        if t in COMMUNE_LEVEL:
            return "commune"
        if t in DISTRICT_LEVEL:
            return "district"
        return "province"


def _read_name(
    text: str, pos: int, gz: Gazetteer, types: tuple[str, ...], strict: bool = False
) -> tuple[str | None, int]:
    """The proper name after a type word: the longest run of capitalised words (or a number) that the
    gazetteer knows for these types, else the run itself (cut at words that start another name)."""
    nxt = text[pos + 1 : pos + 2]  # cheap tests first: most names need neither look-up below
    if nxt in ("T", "H"):
        m = _HCM.match(text, pos)
        if m and gz.find("Hồ Chí Minh", types=types):
            return "Hồ Chí Minh", m.end()
    if nxt in ("Q", "q", "H", "h", "T", "t"):
        m = _OWN_TYPE.match(text, pos)  # "Quận ủy Quận 1", "Huyện ủy huyện Mê Linh": the type word said again
        if m and _TYPE_WORDS.get(m.group(1).lower()) == types:
            pos = m.end()
    toks: list[tuple[str, int]] = []
    p = pos
    while len(toks) < 5:
        m = _NAME_TOKEN.match(text, p)
        if not m:
            break
        w = m.group(1)
        if "\n" in text[p : m.start(1)]:
            break
        if not (w[0].isupper() or (w.isdigit() and len(w) <= 2)):
            break  # a number starts a name ("phường 6") or ends one ("phường Cổ Nhuế 1")
        toks.append((w, m.end(1)))
        p = m.end(1)
        if w.isdigit():
            break
    if not toks:
        return None, pos
    # a name written with a lower-case second word ("huyện Đô lương"): the gazetteer is case-blind
    more, q = list(toks), p
    while len(toks) == 1 and len(more) < 4 and not toks[0][0].isdigit():
        m = _NAME_TOKEN.match(text, q)
        if not m or "\n" in text[q : m.start(1)] or not m.group(1).isalpha() or m.group(1)[0].isupper():
            break
        more.append((m.group(1), m.end(1)))
        q = m.end(1)
    for n in range(len(more), len(toks), -1):
        name = " ".join(t for t, _ in more[:n])
        if gz.find(name, types=types):
            return canon_tone(name.title()) if name != name.title() else name, more[n - 1][1]
    for n in range(len(toks), 0, -1):
        name = " ".join(t for t, _ in toks[:n])
        if gz.find(name, types=types):
            return name, toks[n - 1][1]
    if strict:
        return None, pos
    if toks[0][0] in _STOP_NAME:
        return None, pos
    n = next((i for i, (t, _) in enumerate(toks) if t in _STOP_NAME), len(toks))
    n = min(n, 3)
    return " ".join(t for t, _ in toks[:n]), toks[n - 1][1]


_BARE_COMMITTEE_AFTER = re.compile(r" (?:đã |vừa )?(?:tổ chức|chủ trì|tiến hành)")
_BARE_COMMITTEE_BEFORE = re.compile(r"(?:^|\n|[,.;:]\s)(?:(?:BTV|Ban [Tt]hường vụ|Thường trực) )?$")


def find_mentions(text: str, gz: Gazetteer, low: str | None = None) -> list[Mention]:
    """Unit mentions of a (match) text, in order; ``low`` is ``text.lower()`` when the caller has it."""
    out: list[Mention] = []
    low = low if low is not None else text.lower()
    for start, mend, word in _type_words(text, low):
        types = _TYPE_WORDS[word]
        # committees, cities and provinces take only names the gazetteer knows ("Thành ủy Nguyễn Văn Phong" is a person)
        # a district-level unit merged away before the dataset's date ("thị xã Cửa Lò", 2025) is kept as written
        strict = word in _COMMITTEES or types[0] not in COMMUNE_LEVEL + ("huyen", "quan", "thi_xa")
        name, end = _read_name(text, mend, gz, types, strict)
        if name is None and word in ("thị ủy", "huyện ủy", "quận ủy"):
            # a committee whose unit changed type since ("Thị ủy Dĩ An": thành phố Dĩ An from 2020)
            up, uend = _read_name(text, mend, gz, DISTRICT_LEVEL, True)
            if up is not None:
                types = tuple(sorted({u.unit_type for u in gz.find(up, types=DISTRICT_LEVEL)}))
                name, end = up, uend
        if name is None:
            if word in _COMMITTEES:
                out.append(Mention(start, mend, word, types, None))
            elif types[0] in COMMUNE_LEVEL + DISTRICT_LEVEL and _BARE_OK.search(
                low, max(0, start - 30), start
            ):
                out.append(Mention(start, mend, word, types, None))
            continue
        if word in ("thành phố", "tp", "tp.") and key(name) in ("thủ đô",):
            continue
        out.append(Mention(start, end, word, types, name))
        # lists: "các xã Tiền Phong, Đại Thịnh và Văn Khê"
        pos = end
        while True:
            mm = _LIST_SEP.match(text, pos)
            if not mm:
                break
            nxt = mm.end()
            if _MENTION.match(text, nxt):
                break
            name2, end2 = _read_name(text, nxt, gz, types)
            if not name2 or not gz.find(name2, types=types):
                break
            out.append(Mention(nxt, end2, word, types, name2))
            pos = end2
    # "BTV Đảng ủy đã chủ trì hội nghị ...": a committee with no type word nor name holds the meeting on a
    # commune's own portal (resolved to the portal's unit, and to nothing elsewhere)
    i = text.find("Đảng ủy ")
    added = False
    while i >= 0:
        if _BARE_COMMITTEE_AFTER.match(text, i + 7) and _BARE_COMMITTEE_BEFORE.search(
            text, max(0, i - 20), i
        ):
            out.append(Mention(i, i + 7, "đảng ủy", COMMUNE_LEVEL, None))
            added = True
        i = text.find("Đảng ủy ", i + 8)
    if added:
        out.sort(key=lambda x: x.start)
    # "Ban Chỉ đạo phát triển ... tỉnh (Ban Chỉ đạo) tổ chức ...": a province's steering committee is the
    # province (ANNOTATION.md), like a bare "Tỉnh ủy"; a named one ("... tỉnh Lào Cai") is read as usual
    if "Ban Chỉ đạo" in text:
        for m in _STEERING.finditer(text):
            word = "tỉnh ủy" if m.group(1).lower() == "tỉnh" else "thành ủy"
            if not _NAME_TOKEN.match(text, m.end()) or not text[m.end() : m.end() + 2].strip()[:1].isupper():
                out.append(Mention(m.start(1), m.end(1), word, _TYPE_WORDS[word], None))
        out.sort(key=lambda x: x.start)
    agencies: list[Mention] = []
    # every agency pattern starts with "Đảng ủy/Đảng bộ" or "Sở": one literal scan, then each pattern at those places
    for c in _AGENCY_START.finditer(text):
        a = c.start()
        if a and text[a - 1].isalnum() or any(x.start <= a < x.end for x in agencies):
            continue
        if m := _KHOI.match(text, a):
            name = f"Đảng ủy Khối{m.group(1)} Thành phố"
        elif m := _ORGAN_COMMITTEE.match(text, a):
            organ = "Ủy ban nhân dân" if m.group(1) == "UBND" else m.group(1)
            place = "Thành phố" if m.group(2).lower() == "thành phố" else m.group(2)
            if "HCM" in place:
                place = "Thành phố Hồ Chí Minh"
            name = f"Đảng ủy {organ} {place}"
        elif got := _agency_at(text, a, gz):
            name, end = got
            agencies.append(Mention(a, end, "agency", ("other",), name, agency=name))
            continue
        elif (m := _AGENCY.match(text, a)) and not _CENTRAL_BLOC.match(text, a):
            name = re.sub(r"^Đảng (?:bộ|ủy) [Kk]hối", "Đảng ủy Khối", m.group(1))
        elif m := _SO.match(text, a):
            name = m.group(0)
        else:
            continue
        agencies.append(Mention(a, m.end(), "agency", ("other",), name, agency=name))
    # one agency, named in full once and shortened later ("Đảng ủy Khối Doanh nghiệp"): the full name
    for a in agencies:
        short = a.agency.removesuffix(_BARE_HEAD) if a.agency else a.agency
        longer = [
            b.agency
            for b in agencies
            if b.agency
            and short
            and not b.agency.endswith(_BARE_HEAD)
            and len(b.agency) > len(short)
            and b.agency.startswith(short)
        ]
        if longer:
            a.agency = a.short = max(longer, key=len)
    # a bare "Đảng bộ Trường" whose full name the article never gives names nothing
    agencies = [a for a in agencies if a.agency and not a.agency.endswith(_BARE_HEAD)]
    # a territorial word inside an agency's name ("Đảng ủy Khối Doanh nghiệp thành phố Hà Nội") is not a unit
    out = [m for m in out if not any(a.start <= m.start < a.end for a in agencies)] + agencies
    out.sort(key=lambda x: x.start)
    return out


@dataclass
class Context:
    """What the article tells about where it is: districts and provinces named, the source's home."""

    era: dt.date | None
    districts: Counter  # district short name (key) → count of explicit mentions
    district_names: dict[str, str]  # key → display short name
    district_types: dict[str, str]
    provinces: Counter
    province_names: dict[str, str]
    inferred: Counter = field(default_factory=Counter)  # districts of the communes named, when no district is
    home_district: str | None = None
    home_unit: Unit | None = None
    home_province: str | None = None

    def main_province(self) -> str | None:
        if self.home_province:
            return self.home_province
        if self.provinces:
            return self.province_names[self.provinces.most_common(1)[0][0]]
        return None


_HCMC_BEFORE = re.compile(r"(?:[Tt]hành phố|TP\.?|Tp\.?)\s*$")


@functools.lru_cache(maxsize=2)
def _province_re(gz: Gazetteer) -> re.Pattern:
    """Province short names as plain literals (a fast scan); word boundaries are checked by the caller."""
    names = {u.short for u in gz.all if u.unit_type in ("tinh", "thanh_pho_tw")}
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))


def build_context(
    mentions: list[Mention],
    gz: Gazetteer,
    era: dt.date | None,
    home: dict | None,
    title: str | None,
    text: str | None = None,
) -> Context:
    ctx = Context(era, Counter(), {}, {}, Counter(), {})
    for mn in mentions:
        if mn.short is None or mn.agency:
            continue
        if mn.level == "district":
            cands = gz.find(mn.short, types=mn.types)
            if not cands and mn.word in ("huyện", "quận", "thị xã"):
                k = key(mn.short)
                ctx.districts[k] += 1
                ctx.district_names[k] = canon_tone(mn.short)
                ctx.district_types[k] = mn.types[0]
            if cands:
                k = key(mn.short)
                ctx.districts[k] += 1
                ctx.district_names[k] = cands[0].short
                ctx.district_types[k] = cands[0].unit_type
                for c in cands:
                    if c.unit_type in DISTRICT_LEVEL and len({x.province for x in cands}) == 1:
                        ctx.provinces[key(c.province)] += 1
                        ctx.province_names[key(c.province)] = c.province
                        break
            prov = gz.find(mn.short, types=("thanh_pho_tw",))
            if prov and mn.word in ("thành phố", "tp", "tp.", "thành ủy"):
                ctx.provinces[key(mn.short)] += 2
                ctx.province_names[key(mn.short)] = prov[0].short
        elif mn.level == "province":
            cands = gz.find(mn.short, types=("tinh", "thanh_pho_tw"))
            if cands:
                ctx.provinces[key(mn.short)] += 2
                ctx.province_names[key(mn.short)] = cands[0].short
    # province names written bare ("Tại Thanh Hóa, Ban Thường vụ Tỉnh ủy ..."): one vote each
    for m in _province_re(gz).finditer(text or ""):
        a, b = m.start(), m.end()
        if (a and text[a - 1].isalnum()) or (b < len(text) and text[b].isalnum()):
            continue
        if m.group(0) == "Hồ Chí Minh" and not _HCMC_BEFORE.search(text, max(0, a - 12), a):
            continue  # "Chủ tịch Hồ Chí Minh", "tư tưởng Hồ Chí Minh": the man, not the city
        k = key(m.group(0))
        ctx.provinces[k] += 1
        ctx.province_names[k] = m.group(0)
    if home:
        prov = home.get("province")
        if prov:
            ctx.home_province = canon_tone(nfc(prov))
        dist = home.get("district")
        if dist:
            ctx.home_district = canon_tone(nfc(re.sub(r"(?i)^(quận|huyện|thị xã|thành phố)\s+", "", dist)))
            k = key(ctx.home_district)
            ctx.districts[k] += 3
            ctx.district_names[k] = ctx.home_district
            cands = gz.find(ctx.home_district, types=DISTRICT_LEVEL, province=ctx.home_province or "Hà Nội")
            if cands:
                ctx.district_types[k] = cands[0].unit_type
                ctx.home_province = ctx.home_province or cands[0].province
        unit = home.get("unit")
        if unit:
            m = re.match(r"(?i)\s*(xã|phường|thị trấn|đặc khu)\s+(.+)", canon_tone(nfc(unit)))
            if m:
                cands = gz.find(
                    m.group(2),
                    types=_TYPE_WORDS[m.group(1).lower()],
                    on=era,
                    district=ctx.home_district,
                    province=ctx.home_province or "Hà Nội",
                )
                cands = cands or gz.find(
                    m.group(2), types=_TYPE_WORDS[m.group(1).lower()], province=ctx.home_province or "Hà Nội"
                )
                if cands:
                    ctx.home_unit = cands[0]
    for mn in mentions:
        # "các phường Nhật Tân, Quảng An, Tứ Liên": the district they share tells a bare "Quận ủy"
        if mn.level == "commune" and mn.short:
            cands = [
                c
                for c in gz.find(mn.short, types=mn.types, province=ctx.main_province() or "Hà Nội")
                if c.district
            ]
            for c in cands:
                k = key(c.district)
                ctx.inferred[k] += 1 / len(cands)
                ctx.district_names.setdefault(k, c.district)
                if k not in ctx.district_types:
                    dist = gz.find(c.district, types=DISTRICT_LEVEL, province=c.province)
                    if dist:
                        ctx.district_types[k] = dist[0].unit_type
    if title and not ctx.districts:
        # a headline naming a district bare: "Cầu Giấy quán triệt Chỉ thị ..."
        for m in re.finditer(r"[A-ZĐ][\w]*(?: [A-ZĐ][\w]*){1,2}", canon_tone(nfc(title))):
            cands = gz.find(m.group(0), types=DISTRICT_LEVEL, province=ctx.main_province() or "Hà Nội")
            if cands:
                k = key(m.group(0))
                ctx.districts[k] += 1
                ctx.district_names[k] = cands[0].short
                ctx.district_types[k] = cands[0].unit_type
                break
    return ctx


# agencies that only a province has, named without it on their own pages ("Sở Xây dựng", "Trường Chính trị")
_PROVINCIAL_AGENCY = re.compile(r"Sở [A-ZĐ][\w ]*|Trường Chính trị")


def resolve(
    mn: Mention, gz: Gazetteer, ctx: Context, on: dt.date | None, commune_hint: Unit | None = None
) -> dict | None:
    """The event-unit fields of a mention: {unit, unit_type, district, province}, or None if unknown."""
    if mn.agency:
        named = [p for p in gz.province_names if mn.agency.endswith(" " + p)]
        prov = named[0] if named else (ctx.main_province() or "Hà Nội")
        name = mn.agency
        if name.endswith(" tỉnh") and ctx.main_province():  # "Đảng ủy Quân sự tỉnh" on the province's paper
            name = f"{name} {ctx.main_province()}"
        elif not named and ctx.main_province() and _PROVINCIAL_AGENCY.fullmatch(name):
            name = (
                f"{name} {ctx.main_province()}"  # "Sở Xây dựng" on its province's portal: one name per agency
            )
        return {"unit": name, "unit_type": "other", "district": None, "province": prov}
    prov_ctx = ctx.main_province()
    on = on or ctx.era
    if mn.short is None:
        return _resolve_bare(mn, gz, ctx, on, commune_hint)
    cands = gz.find(mn.short, types=mn.types, on=on) or gz.find(mn.short, types=mn.types)
    if prov_ctx and len({c.province for c in cands}) > 1:
        cands = [c for c in cands if key(c.province) == key(prov_ctx)] or cands
    if (
        prov_ctx
        and cands
        and cands[0].unit_type in COMMUNE_LEVEL
        and ctx.provinces.get(key(prov_ctx), 0) >= 2
    ):
        # the article is about one province, and no commune of that name is known there (merged before the
        # dataset was made): a namesake elsewhere is not it
        cands = [c for c in cands if key(c.province) == key(prov_ctx)]
    if not cands:
        # not in the gazetteer (renamed or merged before 2025): keep the mention as written
        t = mn.types[0]
        from briefwatch.gazetteer import TYPE_WORDS

        district = None
        if t in COMMUNE_LEVEL and len(ctx.districts) == 1:
            district = ctx.district_names[next(iter(ctx.districts))]
        return {
            "unit": f"{TYPE_WORDS[t]} {canon_tone(mn.short)}",
            "unit_type": t,
            "district": district,
            "province": prov_ctx,
        }
    if cands[0].unit_type in COMMUNE_LEVEL:
        told = [c for c in cands if c.district and key(c.district) in ctx.districts]
        if told:
            best = max(told, key=lambda c: ctx.districts[key(c.district)])
            return _fields(best, district=best.district)
        provs = {c.province for c in cands}
        return _fields(cands[0], district=None, province=cands[0].province if len(provs) == 1 else prov_ctx)
    if len(cands) > 1:
        # same name in several provinces / types: the one of the article's province, else a district
        cands.sort(
            key=lambda c: (key(c.province) != key(prov_ctx or "Hà Nội"), c.unit_type not in DISTRICT_LEVEL)
        )
    return _fields(cands[0], district=None)


def _fields(u: Unit, *, district: str | None, province: str | None = None) -> dict:
    ut = "other" if u.unit_type == "dac_khu" else u.unit_type
    return {"unit": u.name, "unit_type": ut, "district": district, "province": province or u.province}


def _resolve_bare(
    mn: Mention, gz: Gazetteer, ctx: Context, on: dt.date | None, commune_hint: Unit | None
) -> dict | None:
    t = mn.types[0]
    if t in COMMUNE_LEVEL:
        u = commune_hint or ctx.home_unit
        if u is None or u.unit_type not in mn.types:
            return None
        return _fields(u, district=u.district if (u.district and key(u.district) in ctx.districts) else None)
    if t in DISTRICT_LEVEL:
        ds = [(k, n) for k, n in ctx.districts.most_common() if ctx.district_types.get(k) in mn.types]
        if not ds:
            ds = [(k, n) for k, n in ctx.inferred.most_common() if ctx.district_types.get(k) in mn.types]
        if not ds:
            return None
        k = ds[0][0]
        cands = gz.find(
            ctx.district_names[k], types=mn.types, province=ctx.main_province() or "Hà Nội"
        ) or gz.find(ctx.district_names[k], types=mn.types)
        if not cands:  # named in the text but unknown to the dataset (merged before it was made)
            from briefwatch.gazetteer import TYPE_WORDS

            t = ctx.district_types[k]
            name = f"{TYPE_WORDS[t]} {ctx.district_names[k]}"
            return {"unit": name, "unit_type": t, "district": None, "province": ctx.main_province()}
        return _fields(cands[0], district=None)
    # Thành ủy / Tỉnh ủy with no name: the article's province (Hà Nội when nothing else is said)
    prov = ctx.main_province() or "Hà Nội"
    cands = [c for c in gz.find(prov, types=("tinh", "thanh_pho_tw"), on=on) if c.unit_type in mn.types]
    if not cands and mn.word == "thành ủy":
        # a provincial city's committee in a province article
        ds = [
            (k, n)
            for k, n in ctx.districts.most_common()
            if ctx.district_types.get(k) == "thanh_pho_thuoc_tinh"
        ]
        if ds:
            c2 = gz.find(ctx.district_names[ds[0][0]], types=("thanh_pho_thuoc_tinh",))
            return _fields(c2[0], district=None) if c2 else None
        return None
    return _fields(cands[0], district=None) if cands else None


def central_organ_before(text: str, start: int, end: int) -> bool:
    return bool(_CENTRAL.search(text, start, end))


def is_central_organ(name: str) -> bool:
    """Whether ``name`` begins with a central organ's name ("Bộ Chính trị", "Ban Tuyên giáo Trung ương")."""
    return bool(_CENTRAL.match(name))
