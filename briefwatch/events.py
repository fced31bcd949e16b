"""Briefing events from an article: occasions ("frames") opened by sentences that report a held meeting,
filled by the sentences that follow. Pure functions over a prepared article (see ``extract.py``).

- An *establishing* sentence reports that a unit held a meeting (a briefing word such as quán triệt,
  triển khai, sơ kết, with a "held" cue such as tổ chức / hội nghị / đã, and no plan or instruction cue
  such as sẽ / cần / đề nghị / yêu cầu before it). Its holder is the unit named before the briefing word
  (not in a "tại ..." place phrase, a basis clause "Thực hiện ...," or a document's issuer), else the
  section's unit ("*Tại xã Tiền Phong: ...").
- A *continuation* sentence ("Tại hội nghị, ...", "Hội nghị đã nghe ...", "... truyền đạt Chỉ thị ...")
  adds the documents it briefs to the open frame of its section.
- Documents count when briefed: not as a basis, not inside another numbered document's subject.
- Frames of one unit and one date merge; frames that brief no numbered document are dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from briefwatch import dates as dates_mod
from briefwatch.docs import _ISSUE_DATE, _ISSUER, _SUBJECT_START, DocMention, _subject
from briefwatch.gazetteer import COMMUNE_LEVEL, Gazetteer, Unit
from briefwatch.units import Context, Mention, central_organ_before, resolve

_TRIGGER = re.compile(
    r"(?:quán triệt|triển khai|học tập|nghiên cứu|sinh hoạt chính trị|sinh hoạt tư tưởng|sinh hoạt chuyên đề|"
    r"sơ kết|tổng kết|tiếp cầu|tiếp sóng|phổ biến|truyền đạt|thông tin chuyên đề)"
)
_HELD = re.compile(r"(?:tổ chức|tiến hành|khai mạc|chủ trì|diễn ra|hội nghị|lớp|buổi|đã|đợt)(?!\w)")
_NEG = re.compile(
    r"(?<!\w)(?<!ban )(?:sẽ|cần|phải|đề nghị|yêu cầu|chỉ đạo|hướng dẫn|dự kiến|chuẩn bị|tiếp tục|ban hành|nhằm|để|"
    r"xây dựng kế hoạch|đôn đốc|chưa|kêu gọi|giao|đề ra|lên kế hoạch|có trách nhiệm|bảo đảm|đảm bảo|quyết tâm|"
    r"phấn đấu|mong muốn|kiến nghị|chủ động|định hướng)(?!\w)"
)
_CONT_START = re.compile(
    r"^\W*(?:tại hội nghị|cũng tại hội nghị|tại buổi|hội nghị|tiếp đó|sau đó|tiếp theo|trong chương trình|"
    r"các đại biểu|các đồng chí|cán bộ|đảng viên|các đảng viên|buổi|đại biểu|qua đó|trong buổi|ngay sau|"
    r"phát biểu|kết luận hội nghị|tham dự|dự hội nghị|dự và)"
)
_CONT_VERB = re.compile(
    r"(?:quán triệt|triển khai|truyền đạt|được nghe|đã nghe|nghe|giới thiệu|trình bày|phổ biến|học tập|nghiên cứu|"
    r"thông tin|sơ kết|tổng kết|thông qua)"
)
_ISSUANCE = re.compile(r"(?:ban hành|đã ký|ký ban hành|vừa ký)")
_BASIS_START = re.compile(
    r"^\W*(?:thực hiện|căn cứ|theo|triển khai|quán triệt|để|nhằm|trên cơ sở|thực hiện sự chỉ đạo|"
    r"được sự đồng ý|với mục đích)[^,;:]*,"
)
_PLACE = re.compile(r"(?<!\w)(?:tại|ở)\s[^,;:]*")
_COORD_GAP = re.compile(
    r"^\s*(?:,|\(|và|cùng|cùng với|phối hợp với|phối hợp cùng|, và)?\s*"
    r"(?:(?:Đảng ủy|Đảng bộ|Ban Thường vụ|Ban thường vụ|Ban Chấp hành|Ban chấp hành|UBND|Ủy ban nhân dân|"
    r"Ban Tuyên giáo|Trung tâm Chính trị|Thường trực|Chi bộ|MTTQ)\s*)*$"
)
_EMBED_GAP = re.compile(
    r"^(?:\s*,?\s*(?i:ngày)\s+[\d/.\-]+)?(?:\s*,?\s*(?:của|do)\s[^,;.]{0,80}?)?\s*,?\s*(?:về\s+)?(?:việc\s+)?[“\"]?"
    r"(?:(?i:tiếp tục|đẩy mạnh|tăng cường)\s+)?(?i:thực hiện|triển khai thực hiện|triển khai|thi hành|sơ kết|tổng kết)"
    r"(?:\s+(?:việc|có hiệu quả|hiệu quả|tốt))?\s+"
    r"(?:(?i:chỉ thị|nghị quyết|kết luận|kế hoạch|quy định|chương trình|hướng dẫn|thông báo|quyết định)\s+)?(?:(?i:số)\s+)?$"
)
_PERSONS = r"(?:đồng chí\s+)?(?:đảng viên|cán bộ|đại biểu|người|hội viên|học viên|đoàn viên|công chức|CB,?\s*ĐV|cán bộ,\s*đảng viên|cán bộ, công chức)"
_ATT = [
    re.compile(
        r"(?:cho|với|có|gồm|thu hút|của)\s+(?:(?:sự tham dự|sự tham gia)\s+của\s+)?(?:(?:tổng số|tổng cộng)\s+)?"
        r"(?:(hơn|trên|gần|khoảng|gần|xấp xỉ|hàng|gần\s+như)\s+)?(\d[\d.,]*)\s*(nghìn|ngàn|vạn)?\s+" + _PERSONS
    ),
    re.compile(
        r"(?:(hơn|trên|gần|khoảng)\s+)?(?<![\d.,/])(\d[\d.,]*)\s*(nghìn|ngàn|vạn)?\s+" + _PERSONS + r"[^.;]{0,80}?(?:tham dự|tham gia|dự hội nghị|dự)"
    ),
]
_ATT_TOTAL = re.compile(
    r"(?:tổng số|tổng cộng|tổng|tất cả)[^.;]{0,80}?\s(?:(hơn|trên|gần|khoảng)\s+)?(?<![\d.,/])(\d[\d.,]*)\s*(nghìn|ngàn|vạn)?\s+"
    r"(?:người|đại biểu|đảng viên|cán bộ|lượt)"
)
_KINDS = [
    (re.compile(r"(?:sơ kết)"), "so_ket"),
    (re.compile(r"(?:tổng kết)"), "tong_ket"),
    (re.compile(r"(?:sinh hoạt chính trị|sinh hoạt tư tưởng|sinh hoạt chuyên đề)"), "sinh_hoat"),
    (re.compile(r"(?:quán triệt|truyền đạt)"), "quan_triet"),
    (re.compile(r"(?:triển khai)"), "trien_khai"),
    (re.compile(r"(?:học tập|nghiên cứu)"), "sinh_hoat"),
]
_RELAY = re.compile(r"(?:tiếp cầu|tiếp sóng|điểm cầu)")
_BCD = re.compile(
    r"(?i:ban chỉ đạo)(?:\s+(?i:thực hiện))?\s+(?:(?i:chỉ thị|nghị quyết|kết luận|kế hoạch|quy định|chương trình)\s+)?(?:(?i:số)\s+)?$"
)


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
    date_mentions: list[dates_mod.DateMention]
    ctx: Context
    gz: Gazetteer
    doc_spans: list[tuple[int, int]] = field(default_factory=list)  # issue date + issuer + subject of each code


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
    return out


def _in_spans(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= pos < e for s, e in spans)


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


def _sections(art: Article, sentences: list[tuple[int, int, int]]) -> tuple[list[Sentence], list[Section], dict[int, int]]:
    """Group paragraphs into roundup sections by header prefixes ("*Tại xã X:", "- Trước đó ngày ..., tại ...:")."""
    text = art.text
    sections = [Section([], None)]
    out: list[Sentence] = []
    header_end: dict[int, int] = {}
    cur = 0
    last_para = -1
    for s, e, para in sentences:
        first = para != last_para
        if first:
            seg = text[s : min(e, s + 160)]
            m = re.match(r"^\s*([*\-+•–]\s*)?(.{0,150}?):\s", seg)
            if m:
                prefix = m.group(2)
                starts_ok = m.group(1) or re.match(
                    r"(?:tại|ở|trước đó|cùng ngày|còn tại|sau đó|tiếp đó|đối với|với)\b", prefix.strip().lower()
                )
                units = [u for u in art.unit_mentions if s <= u.start < s + m.end(2)]
                if starts_ok and units and not _TRIGGER.search(prefix.lower()):
                    hdates = [d for d in art.date_mentions if s <= d.start < s + m.end(2)]
                    sections.append(Section(units, hdates[0] if hdates else None))
                    cur = len(sections) - 1
                    header_end[len(out)] = s + m.end()
            elif re.match(r"^\s*[*+•]\s*\S", seg):
                # a marked paragraph without a unit header closes the previous roundup section
                pass
        out.append(Sentence(s, e, cur, para, first))
        last_para = para
    return out, sections, header_end


def _holders(art: Article, clause_start: int, trig: int) -> list[Mention]:
    text = art.text
    basis = _BASIS_START.match(art.low, clause_start, trig)
    lo = basis.end() if basis else clause_start
    place = [(m.start(), m.end()) for m in _PLACE.finditer(art.low, lo, trig)]
    window = [m for m in art.unit_mentions if lo <= m.start < trig and not _in_spans(m.start, place)]
    # a unit inside a document's issuer phrase is the holder only when no other is named
    # ("Ban Chỉ đạo thực hiện Nghị quyết 15-NQ/TU ... của Ban Thường vụ Thành ủy tổ chức Hội nghị sơ kết")
    cands = [m for m in window if not _in_spans(m.start, art.doc_spans)] or window
    if not cands:
        return []
    group = [cands[-1]]
    for prev in reversed(cands[:-1]):
        gap = text[prev.end : group[0].start]
        if not _COORD_GAP.match(gap):
            break
        group.insert(0, prev)
    # apposition "xã X, huyện Y" / "huyện Y, tỉnh Z": keep the lower unit
    keep: list[Mention] = []
    for m in group:
        if keep and text[keep[-1].end : m.start].strip(" ,(–-") == "" and _rank(m) > _rank(keep[-1]):
            continue
        keep.append(m)
    return keep


def _rank(m: Mention) -> int:
    return {"commune": 0, "other": 0, "district": 1, "province": 2}[m.level]


def _passive_holder(art: Article, s: Sentence, trig: int) -> list[Mention]:
    """"Hội nghị quán triệt ... của Đảng ủy xã X được tổ chức ...": the last unit after "của" before the verb."""
    verb = re.compile(r"(?:đã )?(?:được tổ chức|diễn ra)").search(art.low, trig, s.end)
    if not verb:
        return []
    out = [
        m
        for m in art.unit_mentions
        if trig <= m.start < verb.start()
        and re.search(r"(?:của|do)\s+(?:\w+\s+){0,4}$", art.low[max(trig, m.start - 40) : m.start])
    ]
    return out[-1:]


def _positive_trigger(art: Article, anchor: int, s: Sentence, clause_start: int) -> int | None:
    """Position of the first briefing word reported as held (not planned, instructed or issued)."""
    low = art.low
    for t in _TRIGGER.finditer(low, anchor, s.end):
        window = low[anchor : t.start()]
        neg = _NEG.search(window)
        held = _HELD.search(window)
        starts_dated = any(clause_start <= d.start < clause_start + 40 for d in art.date_mentions) and not neg
        if _ISSUANCE.search(window):
            return None
        if held and (neg is None or held.start() < neg.start()):
            return t.start()
        if neg is None and (starts_dated or window.rstrip().endswith(("hội nghị", "đã"))):
            return t.start()
        if neg is not None:
            return None
    return None


def _docs_after(art: Article, start: int, end: int) -> list[str]:
    """Codes briefed in [start, end): not inside another numbered document's subject."""
    text = art.text
    out: list[str] = []
    prev_full: DocMention | None = None
    for d in art.doc_mentions:
        if d.end <= start:
            if d.full:
                prev_full = d
            continue
        if d.start >= end:
            break
        embedded = prev_full is not None and _EMBED_GAP.match(text[prev_full.end : d.start]) is not None
        if not embedded and d.code not in out:
            out.append(d.code)
        if d.full:
            prev_full = d
    return out


def _kind(text: str) -> str | None:
    for rx, k in _KINDS:
        if rx.search(text):
            return k
    return None


_DIGIT = re.compile(r"\d")


def _attendees(text: str) -> int | None:
    if not _DIGIT.search(text):
        return None
    m = _ATT_TOTAL.search(text)
    if m:
        val = _number(m.group(2), m.group(3))
        if val:
            return val
    best = None
    for rx in _ATT:
        for m in rx.finditer(text):
            num = m.group(2).replace(".", "").replace(",", "")
            if not num.isdigit():
                continue
            val = int(num)
            if m.group(3):
                val *= 10000 if m.group(3).lower() == "vạn" else 1000
            if m.end() < len(text) and text[m.end() : m.end() + 1] == "%":
                continue
            if best is None or m.start() < best[0]:
                best = (m.start(), val)
            break
    return best[1] if best else None


def _number(num: str, unit: str | None) -> int | None:
    num = num.replace(".", "").replace(",", "")
    if not num.isdigit():
        return None
    val = int(num)
    if unit:
        val *= 10000 if unit.lower() == "vạn" else 1000
    return val


def _is_total(text: str) -> bool:
    return bool(_ATT_TOTAL.search(text))


def _frame_date(art: Article, s: Sentence, clause_start: int, trig: int, section: Section) -> dt.date | None:
    cands = [
        d
        for d in art.date_mentions
        if clause_start <= d.start < s.end and not _in_spans(d.start, art.doc_spans)
    ]
    before = [d for d in cands if d.start < trig]
    pick = before[0] if before else (cands[0] if cands else section.header_date)
    if pick is None:
        return None
    year = _fallback_year(art, s)
    return dates_mod.resolve(pick, art.published, year)


def _fallback_year(art: Article, s: Sentence) -> int | None:
    years = [d.year for d in art.date_mentions if d.year is not None and d.start < s.end + 400]
    return max(years) if years else None


def extract_events(art: Article) -> list[dict]:
    text, low = art.text, art.low
    sents, sections, header_end = _sections(art, split_sentences(text, art.body_start))
    frames: list[Frame] = []
    open_by_section: dict[int, list[Frame]] = {}
    last_frames: list[Frame] = []
    for i, s in enumerate(sents):
        clause_start = header_end.get(i, s.start)
        section = sections[s.section]
        seg = low[clause_start : s.end]
        current = open_by_section.get(s.section) or (last_frames if s.section == 0 else [])
        is_cont_start = bool(_CONT_START.match(seg))
        trig = _positive_trigger(art, clause_start, s, clause_start)
        holders: list[Mention] = []
        if trig is not None and not (is_cont_start and current):
            holders = _holders(art, clause_start, trig) or _passive_holder(art, s, trig)
        opened = False
        if trig is not None and not (is_cont_start and current):
            if central_organ_before(text, clause_start, trig) and not holders:
                continue
            units = _resolve_all(art, holders, section, trig, s)
            if not units and section.header_units and (not current or current[0].section != s.section or s.first_in_para):
                units = _resolve_all(art, section.header_units, section, trig, s)
            if units:
                date = _frame_date(art, s, clause_start, trig, section)
                docs_from = trig
                bcd = [d for d in art.doc_mentions if clause_start <= d.start < trig and _BCD.search(text[max(clause_start, d.start - 60) : d.start])]
                docs = _docs_after(art, docs_from, s.end)
                if bcd:
                    docs = _docs_after(art, bcd[0].start, s.end)
                first_doc = next((d.start for d in art.doc_mentions if trig <= d.start < s.end), s.end)
                kind = _kind(low[trig:first_doc]) or _kind(low[clause_start:trig])
                att = _attendees(low[trig : s.end])
                relay = bool(_RELAY.search(low, clause_start, first_doc))
                new = []
                for u in units:
                    f = _same_frame(current, u, date)
                    if f is None:
                        f = Frame([u], s.section, len(frames), date, kind, [], att, relay)
                        frames.append(f)
                    else:
                        f.date = f.date or date
                        f.attendees = f.attendees if f.attendees is not None else att
                        f.kind = f.kind or kind
                    f.add_docs(docs)
                    new.append(f)
                open_by_section[s.section] = new
                last_frames = new
                opened = True
        if opened or not current:
            continue
        # continuation of the open frame(s)
        verb = _CONT_VERB.search(seg)
        if not verb:
            att = _attendees(seg)
            for f in current:
                if att is not None and (f.attendees is None or _is_total(seg)):
                    f.attendees = att
            continue
        pre = seg[: verb.start()]
        if _ISSUANCE.search(seg) or (_NEG.search(pre) and not is_cont_start) or _NEG.search(pre[-25:]):
            continue
        docs = _docs_after(art, clause_start + verb.start(), s.end)
        kind = _kind(seg[verb.start() :]) if docs else None
        att = _attendees(seg)
        for f in current:
            f.add_docs(docs)
            if f.kind is None and kind:
                f.kind = kind
            if att is not None and (f.attendees is None or _is_total(seg)):
                f.attendees = att
    # a relay of a higher conference ("tổ chức hội nghị tiếp cầu") briefs what that conference briefed
    for i, f in enumerate(frames):
        if f.relay:
            src = next((g for g in reversed(frames[:i]) if g.docs and not g.relay), None)
            if src:
                own = f.docs
                f.docs = []
                f.add_docs(src.docs + own)
                f.kind = f.kind or src.kind
                f.date = f.date or src.date
    return _finish(frames)


def _resolve_all(art: Article, mentions: list[Mention], section: Section, trig: int, s: Sentence) -> list[dict]:
    hint = _commune_hint(art, section)
    out: list[dict] = []
    for m in mentions:
        r = resolve(m, art.gz, art.ctx, art.published, hint)
        if r and all(r["unit"] != o["unit"] for o in out):
            out.append(r)
    return out


def _commune_hint(art: Article, section: Section) -> Unit | None:
    """The commune a bare "Đảng ủy xã" means: the section's, the source's home, or the article's only commune."""
    for m in section.header_units:
        if m.level == "commune" and m.short:
            r = art.gz.find(m.short, types=m.types, on=art.published) or art.gz.find(m.short, types=m.types)
            told = [u for u in r if u.district and u.district.casefold() in art.ctx.districts] or r
            if told:
                return told[0]
    if art.ctx.home_unit:
        return art.ctx.home_unit
    names = {(m.short, m.types) for m in art.unit_mentions if m.level == "commune" and m.short}
    if len(names) == 1:
        short, types = next(iter(names))
        r = art.gz.find(short, types=types, on=art.published) or art.gz.find(short, types=types)
        told = [u for u in r if u.district and u.district.casefold() in art.ctx.districts] or r
        return told[0] if told else None
    return None


def _same_frame(current: list[Frame], unit: dict, date: dt.date | None) -> Frame | None:
    for f in current:
        if f.units[0]["unit"] == unit["unit"] and (f.date is None or date is None or f.date == date):
            return f
    return None


def _finish(frames: list[Frame]) -> list[dict]:
    merged: list[Frame] = []
    for f in frames:
        if not f.docs:
            continue
        same = next(
            (
                g
                for g in merged
                if g.units[0]["unit"] == f.units[0]["unit"] and (g.date is None or f.date is None or g.date == f.date)
            ),
            None,
        )
        if same:
            same.add_docs(f.docs)
            same.date = same.date or f.date
            same.attendees = same.attendees if same.attendees is not None else f.attendees
            same.kind = same.kind or f.kind
            continue
        merged.append(f)
    out = []
    for f in merged:
        u = f.units[0]
        out.append(
            {
                "unit": u["unit"],
                "unit_type": u["unit_type"],
                "district": u["district"] if u["unit_type"] in COMMUNE_LEVEL else None,
                "province": u["province"],
                "directives": f.docs,
                "date": f.date.isoformat() if f.date else None,
                "kind": f.kind or "other",
                "attendees": f.attendees,
            }
        )
    return out
