"""Reading an article for the event extractor: sentences, roundup sections, the holder of a meeting, whether
a briefing word reports a held meeting, which documents it briefs, its date, kind and attendance. Pure
functions over a prepared article (``Article``, built by ``extract.prepare``)."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field

from briefwatch import dates as dates_mod
from briefwatch.docs import _ISSUE_DATE, _ISSUER, _SUBJECT_START, DocMention, _subject
from briefwatch.gazetteer import Gazetteer, Unit
from briefwatch.patterns import (
    ATT_PREP_BEFORE,
    ATT_PRESENT_AFTER,
    ATT_TOTAL_BEFORE,
    BARE_DOC,
    BASIS_BEFORE,
    BASIS_START,
    COORD_GAP,
    DEADLINE_BEFORE,
    DIGIT,
    EMBED_BREAK,
    EMBED_GAP,
    EMBED_TAIL,
    FUTURE,
    HELD,
    HELD_ONLY,
    ISSUANCE,
    KINDS,
    MEMBERSHIP,
    MODAL,
    NEG,
    NUM_PERSONS,
    PLACE,
    QUALIFIER,
    RETRO,
    SAME_DAY,
    TRIGGER,
)
from briefwatch.units import Context, Mention, resolve


@dataclass
class Sentence:
    start: int
    end: int
    section: int
    para: int
    first_in_para: bool


@dataclass
class Section:
    header_units: list[Mention]
    header_date: dates_mod.DateMention | None
    header_para: int = -1


@dataclass
class Frame:
    units: list[dict]
    section: int
    order: int
    date: dt.date | None = None
    kind: str | None = None
    docs: list[str] = field(default_factory=list)
    attendees: int | None = None
    relay: bool = False
    relay_docs: list[str] = field(default_factory=list)  # what the higher (central) conference briefed
    origin: int = -1  # offset of the sentence that opened it (for debugging and evidence snippets)

    def add_docs(self, codes: list[str]) -> None:
        for c in codes:
            if c not in self.docs:
                self.docs.append(c)


@dataclass
class Article:
    """A prepared article: the match text and everything found in it."""

    text: str
    low: str  # text.lower(): keyword patterns run on it without IGNORECASE (10x faster on Unicode)
    published: dt.date | None
    body_start: int
    doc_mentions: list[DocMention]
    unit_mentions: list[Mention]
    dates: dates_mod.DateIndex
    ctx: Context
    gz: Gazetteer
    doc_spans: list[tuple[int, int]] = field(
        default_factory=list
    )  # issue date + issuer + subject of each code
    _cache: dict = field(default_factory=dict, repr=False)

    # Look-ups by position in sorted lists (bisect): an article of many sentences costs linear time, not the
    # square of its length (every sentence used to scan every mention).

    def units_in(self, a: int, b: int) -> list[Mention]:
        """Unit mentions starting in [a, b)."""
        starts = self._starts("u", self.unit_mentions)
        return self.unit_mentions[bisect.bisect_left(starts, a) : bisect.bisect_left(starts, b)]

    def docs_in(self, a: int, b: int) -> list[DocMention]:
        """Document mentions starting in [a, b)."""
        starts = self._starts("d", self.doc_mentions)
        return self.doc_mentions[bisect.bisect_left(starts, a) : bisect.bisect_left(starts, b)]

    def in_doc_span(self, pos: int) -> bool:
        """Is ``pos`` inside a document's issue date, issuer or subject? (Spans are short: < 1,000 chars.)"""
        got = self._cache.get("spans")
        if got is None or got[0] != len(self.doc_spans):
            ordered = sorted(self.doc_spans)
            got = self._cache["spans"] = (len(self.doc_spans), ordered, [a for a, _ in ordered])
        _, ordered, starts = got
        j = bisect.bisect_right(starts, pos) - 1
        while j >= 0 and starts[j] > pos - 1000:
            if pos < ordered[j][1]:
                return True
            j -= 1
        return False

    def _starts(self, key: str, items: list) -> list[int]:
        got = self._cache.get(key)
        if got is None or len(got) != len(items):
            got = self._cache[key] = [x.start for x in items]
        return got


def split_sentences(text: str, start: int) -> list[tuple[int, int, int]]:
    """(start, end, paragraph index) of each sentence from ``start`` on."""
    out: list[tuple[int, int, int]] = []
    pos, para = start, 0
    for line in text[start:].split("\n"):
        lstart = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        s = 0
        for m in re.finditer(r"(?<=[.!?…])(?:\s+|(?=[A-ZĐ][a-zà-ỹđ]))(?=[\"“*(\-–+•]?\s*[A-ZĐÀ-Ỹ0-9])", line):
            before = line[max(0, m.start() - 4) : m.start()]
            if re.search(r"(?:\bTP|\bTS|\bThS|\bPGS|\bGS|\bĐ/c|\bđ/c|\bNxb|\bSố|\bSt)\.$", before):
                continue
            if m.start() - s > 2:
                out.append((lstart + s, lstart + m.start(), para))
                s = m.end()
        if len(line) - s > 1:
            out.append((lstart + s, lstart + len(line), para))
        para += 1
    return [part for sent in out for part in _split_site_clause(text, sent)]


_MID_SITE = re.compile(r"[,;]\s+(?=tại (?:điểm|đầu) cầu )")


def _split_site_clause(text: str, sent: tuple[int, int, int]) -> list[tuple[int, int, int]]:
    """ "Hội nghị do A chủ trì, tại điểm cầu huyện X hội nghị do B chủ trì, ...": the site's clause is a sentence
    of its own when its leader chaired it there (read as "Tại điểm cầu X, ... chủ trì")."""
    a, b, para = sent
    if text.find(" cầu ", a, b) < 0:
        return [sent]
    m = _MID_SITE.search(text, a, b)
    if not m or "chủ trì" not in text[m.end() : b]:
        return [sent]
    return [(a, m.start(), para), (m.end(), b, para)]


def cue(art: Article, rx: re.Pattern, a: int, b: int) -> re.Match | None:
    """The first match of a cue pattern in ``art.low[a:b]`` that is a word of the sentence, not part of a name:
    a capitalised match inside a sentence ("Thành ủy Cần Thơ", "huyện Giao Thủy") is skipped."""
    for m in rx.finditer(art.low, a, b):
        i = m.start()
        if not art.text[i].isupper():
            return m
        j = i - 1
        while j >= 0 and art.text[j] in " \t\"“'(*-–•+":
            j -= 1
        if j < 0 or art.text[j] in ".!?:;\n":
            return m  # a capital that starts a sentence: "Đề nghị các chi bộ ..."
    return None


def _in_spans(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= pos < e for s, e in spans)


def in_doc_spans(art: Article, pos: int) -> bool:
    return art.in_doc_span(pos)


def doc_tail_spans(text: str, mentions: list[DocMention]) -> list[tuple[int, int]]:
    """Spans of each document mention's issue date, issuer and subject phrase (never a holder, never an event date)."""
    spans = []
    for d in mentions:
        pos = d.end
        if m := _ISSUE_DATE.match(text, pos):
            pos = m.end()
        if m := _ISSUER.match(text, pos):
            pos = m.end()
        if m := _SUBJECT_START.match(text, pos):
            sub = _subject(text[m.end() : m.end() + 600]) or ""
            pos = m.end() + len(sub) + 1
        spans.append((d.end, pos))
    return spans


def _sections(
    art: Article, sentences: list[tuple[int, int, int]]
) -> tuple[list[Sentence], list[Section], dict[int, int]]:
    """Group paragraphs into roundup sections by header prefixes ("*Tại xã X:", "- Trước đó ngày ..., tại ...:")."""
    text, low = art.text, art.low
    sections = [Section([], None, -1)]
    out: list[Sentence] = []
    header_end: dict[int, int] = {}
    cur = 0
    last_para = -1
    for s, e, para in sentences:
        first = para != last_para
        if first:
            m = re.match(r"^\s*([*\-+•–]\s*)?(.{0,150}?):\s", text[s : min(e, s + 160)])
            if m:
                prefix = low[s + m.start(2) : s + m.end(2)].strip()
                starts_ok = m.group(1) or re.match(
                    r"(?:tại|ở|trước đó|cùng ngày|còn tại|sau đó|tiếp đó|đối với|với)\b", prefix
                )
                units = art.units_in(s, s + m.end(2))
                # "Tại điểm cầu xã X, dự hội nghị có các đồng chí: ..." introduces a list of people, not a section
                people = re.search(r"(?:^|[,\s])(?:dự|tham dự|có|gồm)(?:\s|$)", prefix)
                if starts_ok and units and not TRIGGER.search(prefix) and not people:
                    hdates = art.dates.between(s, s + m.end(2))
                    sections.append(Section(units, hdates[0] if hdates else None, para))
                    cur = len(sections) - 1
                    header_end[len(out)] = s + m.end()
        out.append(Sentence(s, e, cur, para, first))
        last_para = para
    return out, sections, header_end


_ORGANISED = re.compile(r"(?<!\w)(?:đã |vừa |)(?:tổ chức|tiến hành|khai mạc)(?!\w)")


def _holders(art: Article, clause_start: int, trig: int) -> list[Mention]:
    """The unit(s) named as the subject before the briefing word."""
    text = art.text
    basis = BASIS_START.match(art.low, clause_start, trig)
    lo = basis.end() if basis else clause_start
    place = [(m.start(), m.end()) for m in PLACE.finditer(art.low, lo, trig)]
    window = [m for m in art.units_in(lo, trig) if not _in_spans(m.start, place)]
    # a unit inside a document's issuer phrase is the holder only when no other is named
    # ("Ban Chỉ đạo thực hiện Nghị quyết 15-NQ/TU ... của Ban Thường vụ Thành ủy tổ chức Hội nghị sơ kết")
    cands = [m for m in window if not art.in_doc_span(m.start)] or window
    # the subject of "tổ chức" is the holder; units after it are the audience or the sites ("... tổ chức hội nghị
    # trực tuyến đến các huyện ủy, thị ủy và Thành ủy Huế để quán triệt ...")
    verb = _ORGANISED.search(art.low, lo, trig)
    if verb and any(m.start < verb.start() for m in cands):
        # ... except the host named as the source of the broadcast ("tổ chức hội nghị trực tuyến từ điểm cầu Thành ủy")
        host = [m for m in cands if art.low.endswith("từ điểm cầu ", 0, m.start)]
        cands = [m for m in cands if m.start < verb.start()]
        if host:
            return [cands[-1], host[0]]
    if not cands:
        return []
    group = [cands[-1]]
    for prev in reversed(cands[:-1]):
        if not COORD_GAP.match(text[prev.end : group[0].start]):
            break
        group.insert(0, prev)
    # apposition "xã X, huyện Y" / "phường X (quận Y)": keep the lower unit
    keep: list[Mention] = []
    for m in group:
        if keep and text[keep[-1].end : m.start].strip(" ,(–-") == "" and _rank(m) > _rank(keep[-1]):
            continue
        keep.append(m)
    return keep


def _rank(m: Mention) -> int:
    return {"commune": 0, "other": 0, "district": 1, "province": 2}[m.level]


def _site_holder(art: Article, s: Sentence, trig: int) -> list[Mention]:
    """ "(Dự và) chủ trì tại điểm cầu xã X ...": the unit that chaired its own site of a higher conference."""
    m = _SITE_CHAIR.match(art.low, trig)
    if not m:
        return []
    found = art.units_in(m.end(), m.end() + 3)
    return found[:1] or _bare_place(art, m.end())


_SITE_CHAIR = re.compile(r"chủ trì(?: hội nghị)?(?: tại)? (?:điểm|đầu) cầu\s+")
# "Tại điểm cầu Công an tỉnh Bắc Kạn, đồng chí ... chủ trì", "Đầu cầu Đắk Nông chủ trì đồng chí ..."
_SITE_FIRST = re.compile(r"\W*(?:tại |ở )?(?:điểm|đầu) cầu\s+")


def _site_first_holder(art: Article, s: Sentence) -> list[Mention]:
    """A sentence that opens with a connected site and says its leader chaired or directed it there ("Tại điểm cầu
    UBND xã X, dự và chỉ đạo hội nghị có đồng chí Bí thư ..."): the site's unit."""
    m = _SITE_FIRST.match(art.low, s.start, s.end)
    if not m:
        return []
    chair = _CHAIRED.search(art.low, m.end(), s.end)
    if not chair:
        return []
    attended = _ATTENDED.search(art.low, m.end(), chair.start())
    if attended:
        return []  # "Tại điểm cầu X, dự hội nghị có ...; đồng chí ... chủ trì hội nghị chung": X only attended
    gap = _SITE_PLACE.match(art.text, m.end())
    at = gap.end() if gap else m.end()
    found = art.units_in(m.end(), at + 3)
    return found[:1] or _bare_place(art, at)


_CHAIRED = re.compile(r"chủ trì|dự và chỉ đạo|dự, chỉ đạo|tham dự và chỉ đạo")
_ATTENDED = re.compile(r"(?<!\w)(?:tham )?dự(?! và chỉ đạo|, chỉ đạo)(?!\w)")
# the building of a site before its unit: "điểm cầu UBND xã X", "điểm cầu Hội trường Huyện ủy X"
_SITE_PLACE = re.compile(
    r"(?:(?:UBND|Ủy ban nhân dân|Hội trường|Trụ sở|Nhà văn hóa|trụ sở|hội trường|Đảng ủy|Đảng bộ)\s+)+"
)


def _bare_place(art: Article, pos: int) -> list[Mention]:
    """A province or district named without its type word ("điểm cầu Phú Thọ")."""
    w = re.compile(r"([A-ZĐ][\w]*(?: [A-ZĐ][\w]*){0,3})").match(art.text, pos)
    if not w:
        return []
    for n in range(len(w.group(1).split()), 0, -1):
        name = " ".join(w.group(1).split()[:n])
        for types, word in (
            (("tinh", "thanh_pho_tw"), "tỉnh"),
            (("huyen", "quan", "thi_xa", "thanh_pho_thuoc_tinh"), "huyện"),
        ):
            if art.gz.find(name, types=types):
                return [Mention(pos, pos + len(name), word, types, name)]
    return []


def _passive_holder(art: Article, s: Sentence, trig: int) -> list[Mention]:
    """ "Hội nghị quán triệt ... của Đảng ủy xã X được tổ chức ...": the last unit after "của" before the verb."""
    verb = re.compile(r"(?:đã )?(?:được tổ chức|diễn ra)").search(art.low, trig, s.end)
    if not verb:
        return []
    out = [
        m
        for m in art.units_in(trig, verb.start())
        if re.search(r"(?:của|do)\s+(?:\w+\s+){0,4}$", art.low[max(trig, m.start - 40) : m.start])
    ]
    return out[-1:]


def _positive(art: Article, anchor: int, s: Sentence, clause_start: int) -> tuple[int, bool] | None:
    """(position, has briefing word) of the first briefing word reported as held (not planned, instructed or
    issued); or of a "tổ chức hội nghị" with no briefing word; None if neither."""
    low = art.low
    anchor = max(anchor, _basis_end(art, anchor, s.end))
    for t in TRIGGER.finditer(low, anchor, s.end):
        window = low[anchor : t.start()]
        if art.in_doc_span(t.start()):
            # inside a document's subject ("Kế hoạch số 25-KH/TU về tổ chức quán triệt ..."): no report; and a
            # plan issued so ("ban hành Kế hoạch số ... về quán triệt ... và triển khai ...") reports none after it
            if ISSUANCE.search(window.rsplit(", ", 1)[-1]):
                return None
            continue
        if window.endswith(
            ("việc ", "công tác ")
        ):  # "việc quán triệt ...": a topic, not a report of a meeting
            continue
        neg = cue(art, NEG, anchor, t.start())
        if ISSUANCE.search(window.rsplit(", ", 1)[-1]):
            return None
        if (RETRO.search(window) or _MANNER.search(low, t.end(), s.end)) and not art.dates.between(
            anchor, s.end
        ):
            return None  # "Đảng ủy đã tổ chức quán triệt ... bằng nhiều hình thức": a summary, not a meeting
        held = HELD.search(window)
        if neg is None and low.startswith("chủ trì", t.start()):
            return t.start(), True  # "(Dự và) chủ trì tại điểm cầu xã X": the site was held by X
        if held and (neg is None or anchor + held.start() < neg.start()):
            if cue(art, MODAL, anchor + held.end(), t.start()):
                return None  # "đã ban hành kế hoạch, dự kiến tổ chức hội nghị quán triệt": a plan
            return t.start(), True
        if neg is None and (_starts_dated(art, clause_start) or window.rstrip().endswith(("hội nghị", "đã"))):
            return t.start(), True
        if neg is None and any(
            t.start() - 2 <= m.end <= t.start() for m in art.units_in(t.start() - 300, t.start())
        ):
            return (
                t.start(),
                True,
            )  # "<unit> sơ kết 1 năm thực hiện Chỉ thị ..." (subject right before the verb)
        if neg is not None:
            return None
    h = HELD_ONLY.search(low, anchor, s.end)
    while h and art.in_doc_span(h.start()):
        h = HELD_ONLY.search(low, h.end(), s.end)
    if h and not cue(art, NEG, anchor, h.start()) and not ISSUANCE.search(low, anchor, s.end):
        return h.start(), False
    return None


_MANNER = re.compile(r"bằng nhiều hình thức|bằng các hình thức|dưới nhiều hình thức|thường xuyên|định kỳ")
_BASIS_OPEN = re.compile(
    r"\W*(?:thực hiện|căn cứ|theo|triển khai thực hiện)\s+(?:theo\s+)?(?:chỉ thị|nghị quyết|kết luận|kế hoạch|"
    r"quy định|chương trình|hướng dẫn|thông báo|quyết định|đề án|công văn)"
)


def _basis_end(art: Article, start: int, end: int) -> int:
    """Where a clause naming the basis ("Thực hiện Kế hoạch số ... của ... về tổ chức quán triệt ...,") ends: the
    first comma or semicolon outside the documents' own dates, issuers and subjects; ``start`` if none opens."""
    if not _BASIS_OPEN.match(art.low, start, end):
        return start
    listed = False
    for m in re.finditer(r"[,;]", art.low[start:end]):
        if art.in_doc_span(start + m.start()) or (listed and m.group(0) == ","):
            continue
        if _BASIS_MORE.match(art.low, start + m.end(), end):
            listed = True  # "Thực hiện Kế hoạch số ...; Kế hoạch số ... của Huyện ủy ...;": the list of bases goes on
            continue
        return start + m.end()
    return end


_BASIS_MORE = re.compile(
    r"\s*(?:và\s+)?(?:thực hiện\s+)?(?:chỉ thị|nghị quyết|kết luận|kế hoạch|quy định|chương trình|hướng dẫn|"
    r"thông báo|quyết định|đề án|công văn)\s+(?:số\s*)?\d"
)


def _starts_dated(art: Article, clause_start: int) -> bool:
    for d in art.dates.between(clause_start, clause_start + 40):
        if clause_start <= d.start < clause_start + 40:
            return not DEADLINE_BEFORE.search(art.low[max(clause_start, d.start - 20) : d.start])
    return False


def _embedded(art: Article, prev: DocMention | None, d: DocMention) -> bool:
    """Is ``d`` named inside ``prev``'s subject ("Kết luận 65-KL/TW về tiếp tục thực hiện Nghị quyết 24-NQ/TW")?"""
    if prev is None:
        return False
    gap = art.low[prev.end : d.start]
    if len(gap) < 260 and EMBED_GAP.match(gap):
        return True
    return len(gap) < 300 and EMBED_TAIL.search(gap) is not None and not EMBED_BREAK.search(gap)


_COMPARED = re.compile(
    r"(?:so với|thay thế|thay cho|kế thừa)\s+(?:(?:chỉ thị|nghị quyết|kết luận|quy định|kế hoạch|chương trình)\s+)?(?:số\s*)?$"
)


_CARRIED_OUT = re.compile(
    r"(?:nhằm|để)\s+(?:tiếp tục\s+)?(?:triển khai\s+)?thực hiện(?:\s+có hiệu quả|\s+tốt)?\s+(?:(?:chỉ thị|nghị quyết|"
    r"kết luận|quy định|kế hoạch|chương trình)\s+)?(?:số\s*)?$"
)


def _docs_between(art: Article, start: int, end: int, *, clauses: bool = False) -> list[str]:
    """Codes briefed in [start, end): not inside another numbered document's subject; with ``clauses``, not in
    a later clause announcing a future briefing ("; riêng Nghị quyết 72 sẽ được quán triệt ...")."""
    out: list[str] = []
    prev_full: DocMention | None = None
    cut = end
    if clauses:
        for m in re.finditer(r";|, riêng|, còn", art.low[start:end]):
            a = start + m.end()
            b = art.low.find(";", a, end)
            if cue(art, FUTURE, a, end if b == -1 else b):
                cut = start + m.start()
                break
    for d in art.docs_in(start - 40, cut):
        if d.end <= start:
            continue
        basis = BASIS_BEFORE.search(art.low[max(0, d.start - 30) : d.start])
        compared = _COMPARED.search(art.low, max(start, d.start - 40), d.start) or _CARRIED_OUT.search(
            art.low, max(start, d.start - 70), d.start
        )  # "so với Chỉ thị số 36"; "nhằm tiếp tục triển khai thực hiện Nghị quyết số 22"
        if not basis and not compared and not _embedded(art, prev_full, d) and d.code not in out:
            out.append(d.code)
        if d.full:
            prev_full = d
    return out


def _bare_docs(art: Article, start: int, end: int, umbrella: list[str]) -> list[str]:
    """Codes meant by an unnumbered reference after a briefing word ("quán triệt Chỉ thị", "hai Nghị quyết")."""
    m = BARE_DOC.search(art.low, start, end + 40)  # room for its lookahead past ``end``
    if not m or m.start() >= end:
        return []
    from briefwatch.docs import _TYPE_WORDS

    dtype = _TYPE_WORDS.get(m.group(2))
    plural = m.group(1) is not None
    pool = [c for c in umbrella if _type_of_code(art, c) == dtype]
    if not pool:
        counts = _type_counts(art).get(dtype, {})
        pool = sorted(counts, key=lambda c: -counts[c]) if not plural else list(counts)
    return pool if plural else pool[:1]


def _type_of_code(art: Article, code: str) -> str | None:
    types = art._cache.get("code_types")
    if types is None:
        types = art._cache["code_types"] = {}
        for d in art.doc_mentions:
            types.setdefault(d.code, d.type)
    return types.get(code)


def _type_counts(art: Article) -> dict[str, dict[str, int]]:
    """type → code → mentions, in the order the codes first appear (once per article)."""
    got = art._cache.get("type_counts")
    if got is None:
        got = art._cache["type_counts"] = {}
        for d in art.doc_mentions:
            per = got.setdefault(d.type, {})
            per[d.code] = per.get(d.code, 0) + 1
    return got


def _kind(text: str) -> str | None:
    for rx, k in KINDS:
        if rx.search(text):
            return k
    return None


def _number(num: str, unit: str | None) -> int | None:
    num = num.replace(".", "").replace(",", "")
    if not num.isdigit():
        return None
    val = int(num)
    if unit:
        val *= 10000 if unit == "vạn" else 1000
    return val


def _attendance(text: str) -> tuple[int | None, bool]:
    """(attendees, is a total) a (lower-cased) passage states. A total over all sites wins; then an explicit
    attendance ("250 đảng viên dự hội nghị"); then a "cho/với N người" phrase; never a membership count
    ("31 chi bộ với 610 đảng viên") or a number of sites."""
    present = prep = None
    for m in NUM_PERSONS.finditer(text):
        if m.start() and text[m.start() - 1] in "0123456789.,/":
            continue
        val = _number(m.group(1), m.group(2))
        if not val:
            continue
        before = text[max(0, m.start() - 100) : m.start()]
        if ATT_TOTAL_BEFORE.search(before) and (m.group(3) is None or m.group(3) == "lượt"):
            return val, True
        if m.group(3):  # "lượt" counts only in a total
            continue
        core = QUALIFIER.sub("", before)
        if MEMBERSHIP.search(core[-40:]):
            continue
        if present is None and ATT_PRESENT_AFTER.match(text, m.end()):
            present = val
        if prep is None and ATT_PREP_BEFORE.search(before):
            prep = val
    return (present if present is not None else prep), False


def _attendees(text: str) -> int | None:
    return _attendance(text)[0] if DIGIT.search(text) else None


def _is_total(text: str) -> bool:
    return _attendance(text)[1]


def _frame_date(
    art: Article, s: Sentence, clause_start: int, trig: int, section: Section, prev: dt.date | None
) -> dt.date | None:
    cands = [
        d
        for d in art.dates.between(clause_start, s.end)
        if clause_start <= d.start < s.end
        and not art.in_doc_span(d.start)
        and not DEADLINE_BEFORE.search(art.low[max(clause_start, d.start - 20) : d.start])
    ]
    before = [d for d in cands if d.start < trig]
    pick = before[0] if before else (cands[0] if cands else None)
    if pick is None:
        if prev is not None and SAME_DAY.search(art.low, clause_start, trig):
            return prev
        pick = section.header_date
    if pick is None:
        return None
    return dates_mod.resolve(pick, art.published, None if art.published else _fallback_year(art, s, pick))


_YEARS_OF = re.compile(
    r"(\d{1,2})\s+năm\s+(?:triển khai\s+)?thực hiện\s+(?:(?:chỉ thị|nghị quyết|kết luận|quy định|chương trình|"
    r"kế hoạch|đề án|thông báo|hướng dẫn)\s+)?(?:số\s*)?$"
)


def _fallback_year(art: Article, s: Sentence, pick: dates_mod.DateMention) -> int | None:
    """With no publish date, the year the text fixes: "N năm thực hiện" a document issued in year Y gives Y + N;
    else the meeting comes after the documents it names (the first such day on or after the latest issue
    date); else None."""
    # the same day written in full in the sentence ("Sáng 19/5 ... Ngày sinh Bác (19/5/1890 - 19/5/2025)"):
    # the latest such year
    same = [
        d.year
        for d in art.dates.between(s.start, s.end)
        if s.start <= d.start < s.end
        and d.year
        and (d.day, d.month) == (pick.day, pick.month)
        and d is not pick
    ]
    if same:
        return max(same)
    got = art._cache.get("years")
    if got is None:  # once per article: the "N năm thực hiện" documents and the latest issue date
        years: list[tuple[int, int]] = []
        issued: list[dt.date] = []
        for d in art.doc_mentions:
            doc = art.documents.get(d.code) if hasattr(art, "documents") else None  # type: ignore[attr-defined]
            if doc is None or not doc.issued:
                continue
            day = dt.date.fromisoformat(doc.issued)
            m = _YEARS_OF.search(art.low, max(0, d.start - 60), d.start)
            if m and not art.in_doc_span(m.start()):
                years.append((d.start, day.year + int(m.group(1))))
            else:
                issued.append(day)
        got = art._cache["years"] = (years, max(issued) if issued else None)
    years, last = got
    if years and years[0][0] < s.end + 400:
        return years[0][1]
    if last:
        for y in (last.year, last.year + 1):
            if dates_mod._valid(y, pick.month, pick.day) and dt.date(y, pick.month, pick.day) >= last:
                return y
    return None


def _resolve_all(
    art: Article, mentions: list[Mention], section: Section, near: Mention | None = None
) -> list[dict]:
    hint = _commune_hint(art, section, near)
    out: list[dict] = []
    for m in mentions:
        r = resolve(m, art.gz, art.ctx, art.published, hint)
        if r and all(r["unit"] != o["unit"] for o in out):
            out.append(r)
    return out


def _commune_hint(art: Article, section: Section, near: Mention | None = None) -> Unit | None:
    """The commune a bare "Đảng ủy xã" means: the one named earlier in the sentence ("Tại điểm cầu xã Tản Lĩnh,
    Đảng ủy xã ..."), the section's, the source's home, or the article's only commune."""
    for m in ([near] if near else []) + section.header_units:
        if m.level == "commune" and m.short:
            r = art.gz.find(m.short, types=m.types, on=art.published) or art.gz.find(m.short, types=m.types)
            told = [u for u in r if u.district and u.district.casefold() in art.ctx.districts] or r
            if told:
                return told[0]
    if art.ctx.home_unit:
        return art.ctx.home_unit
    names = art._cache.get("communes")
    if names is None:
        names = art._cache["communes"] = {
            (m.short, m.types) for m in art.unit_mentions if m.level == "commune" and m.short
        }
    if len(names) == 1:
        short, types = next(iter(names))
        r = art.gz.find(short, types=types, on=art.published) or art.gz.find(short, types=types)
        told = [u for u in r if u.district and u.district.casefold() in art.ctx.districts] or r
        return told[0] if told else None
    return None
