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
from briefwatch.patterns import (
    ATT_PREP_BEFORE,
    ATT_PRESENT_AFTER,
    ATT_TOTAL_BEFORE,
    BARE_DOC,
    BASIS_BEFORE,
    BASIS_START,
    BCD,
    CONT_START,
    CONT_VERB,
    COORD_GAP,
    DEADLINE_BEFORE,
    DIGIT,
    EMBED_BREAK,
    EMBED_GAP,
    EMBED_TAIL,
    FUTURE,
    GENERIC,
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
    RELAY,
    RETRO,
    SAME_DAY,
    SPEAKER_BEFORE,
    TRIGGER,
    VISIT,
    VISIT_TOPIC,
)
from briefwatch.units import Context, Mention, central_organ_before, resolve


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
                units = [u for u in art.unit_mentions if s <= u.start < s + m.end(2)]
                if starts_ok and units and not TRIGGER.search(prefix):
                    hdates = art.dates.between(s, s + m.end(2))
                    sections.append(Section(units, hdates[0] if hdates else None, para))
                    cur = len(sections) - 1
                    header_end[len(out)] = s + m.end()
        out.append(Sentence(s, e, cur, para, first))
        last_para = para
    return out, sections, header_end


def _holders(art: Article, clause_start: int, trig: int) -> list[Mention]:
    """The unit(s) named as the subject before the briefing word."""
    text = art.text
    basis = BASIS_START.match(art.low, clause_start, trig)
    lo = basis.end() if basis else clause_start
    place = [(m.start(), m.end()) for m in PLACE.finditer(art.low, lo, trig)]
    window = [m for m in art.unit_mentions if lo <= m.start < trig and not _in_spans(m.start, place)]
    # a unit inside a document's issuer phrase is the holder only when no other is named
    # ("Ban Chỉ đạo thực hiện Nghị quyết 15-NQ/TU ... của Ban Thường vụ Thành ủy tổ chức Hội nghị sơ kết")
    cands = [m for m in window if not _in_spans(m.start, art.doc_spans)] or window
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


def _passive_holder(art: Article, s: Sentence, trig: int) -> list[Mention]:
    """ "Hội nghị quán triệt ... của Đảng ủy xã X được tổ chức ...": the last unit after "của" before the verb."""
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


def _positive(art: Article, anchor: int, s: Sentence, clause_start: int) -> tuple[int, bool] | None:
    """(position, has briefing word) of the first briefing word reported as held (not planned, instructed or
    issued); or of a "tổ chức hội nghị" with no briefing word; None if neither."""
    low = art.low
    for t in TRIGGER.finditer(low, anchor, s.end):
        window = low[anchor : t.start()]
        if window.endswith(
            ("việc ", "công tác ")
        ):  # "việc quán triệt ...": a topic, not a report of a meeting
            continue
        neg = NEG.search(window)
        if ISSUANCE.search(window.rsplit(", ", 1)[-1]):
            return None
        if RETRO.search(window) and not art.dates.between(anchor, s.end):
            return None
        held = HELD.search(window)
        if held and (neg is None or held.start() < neg.start()):
            if MODAL.search(window, held.end()):
                return None  # "đã ban hành kế hoạch, dự kiến tổ chức hội nghị quán triệt": a plan
            return t.start(), True
        if neg is None and (_starts_dated(art, clause_start) or window.rstrip().endswith(("hội nghị", "đã"))):
            return t.start(), True
        if neg is None and any(t.start() - 2 <= m.end <= t.start() for m in art.unit_mentions):
            return (
                t.start(),
                True,
            )  # "<unit> sơ kết 1 năm thực hiện Chỉ thị ..." (subject right before the verb)
        if neg is not None:
            return None
    h = HELD_ONLY.search(low, anchor, s.end)
    if h and not NEG.search(low, anchor, h.start()) and not ISSUANCE.search(low, anchor, s.end):
        return h.start(), False
    return None


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


def _docs_between(art: Article, start: int, end: int, *, clauses: bool = False) -> list[str]:
    """Codes briefed in [start, end): not inside another numbered document's subject; with ``clauses``, not in
    a later clause announcing a future briefing ("; riêng Nghị quyết 72 sẽ được quán triệt ...")."""
    out: list[str] = []
    prev_full: DocMention | None = None
    cut = end
    if clauses:
        for m in re.finditer(r";|, riêng|, còn", art.low[start:end]):
            nxt = art.low[start + m.end() : end]
            nxt = nxt.split(";", 1)[0]
            if FUTURE.search(nxt):
                cut = start + m.start()
                break
    for d in art.doc_mentions:
        if d.end <= start:
            continue
        if d.start >= cut:
            break
        basis = BASIS_BEFORE.search(art.low[max(0, d.start - 30) : d.start])
        if not basis and not _embedded(art, prev_full, d) and d.code not in out:
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
        counts: dict[str, int] = {}
        for d in art.doc_mentions:
            if d.type == dtype:
                counts[d.code] = counts.get(d.code, 0) + 1
        pool = sorted(counts, key=lambda c: -counts[c]) if not plural else list(counts)
    return pool if plural else pool[:1]


def _type_of_code(art: Article, code: str) -> str | None:
    return next((d.type for d in art.doc_mentions if d.code == code), None)


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
        and not _in_spans(d.start, art.doc_spans)
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
    return dates_mod.resolve(pick, art.published, None if art.published else _fallback_year(art, s))


def _fallback_year(art: Article, s: Sentence) -> int | None:
    years = [d.year for d in art.dates.between(0, s.end + 400) if d.year is not None]
    return max(years) if years else None


class _State:
    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.open_by_section: dict[int, list[Frame]] = {}
        self.last: list[Frame] = []
        self.umbrella: list[
            str
        ] = []  # documents of a plural, unnamed subject's meetings ("các xã đã quán triệt X")
        self.umbrella_kind: str | None = None
        self.last_docs: list[str] = []  # documents of the latest meeting reported, a central one included
        self.last_date: dt.date | None = None  # and its date


# words without which a sentence can neither open nor feed a meeting (substring tests: faster than a regex)
_HOT_WORDS = (
    "quán triệt", "triển khai", "học tập", "nghiên cứu", "sinh hoạt", "sơ kết", "tổng kết", "tiếp cầu", "tiếp sóng",
    "phổ biến", "thông tin", "điểm cầu", "truyền đạt", "nghe", "giới thiệu", "trình bày", "thông qua", "tổ chức",
    "làm việc", "kiểm tra", "giám sát",
)  # fmt: skip


def extract_events(art: Article) -> list[dict]:
    if not art.doc_mentions:  # an event briefs a numbered document: none named, none to find
        return []
    sents, sections, header_end = _sections(art, split_sentences(art.text, art.body_start))
    st = _State()
    # one pass marks the sentences that can open or feed a meeting: a briefing or meeting word, a visit
    low = art.low
    hot = {i for i, x in enumerate(sents) if any(w in low[x.start : x.end] for w in _HOT_WORDS)}
    for i, s in enumerate(sents):
        section = sections[s.section]
        current = st.open_by_section.get(s.section) or (st.last if s.section == 0 else [])
        if i not in hot:
            if current and DIGIT.search(art.low, s.start, s.end):
                _count(art.low[s.start : s.end], current)  # "Dự hội nghị có 35 đồng chí ..."
            continue
        clause_start = header_end.get(i, s.start)
        seg = art.low[clause_start : s.end]
        is_cont = bool(CONT_START.match(seg)) and bool(current)
        pos = None if is_cont else _positive(art, clause_start, s, clause_start)
        if pos is not None and _open(art, st, s, section, clause_start, pos, current):
            continue
        if _visit(art, st, s, clause_start):
            continue
        if current:
            _continue(art, s, clause_start, seg, current)
    _inherit(st)
    _title_docs(art, st.frames)
    return _finish(st.frames)


def _open(
    art: Article,
    st: _State,
    s: Sentence,
    section: Section,
    clause_start: int,
    pos: tuple[int, bool],
    current: list[Frame],
) -> bool:
    """Open (or extend) the frame(s) of an establishing sentence; False when it names no holder."""
    trig, has_trigger = pos
    holders = _holders(art, clause_start, trig) or _passive_holder(art, s, trig)
    if central_organ_before(art.text, clause_start, trig) and not holders:
        st.last_docs = _docs_between(art, trig, s.end, clauses=True) or st.last_docs
        st.last_date = _frame_date(art, s, clause_start, trig, section, None) or st.last_date
        return True
    if (
        current
        and holders
        and all(SPEAKER_BEFORE.search(art.low[max(clause_start, h.start - 40) : h.start]) for h in holders)
    ):
        return False  # a speaker from another body at the open meeting
    first_doc = next((d.start for d in art.doc_mentions if trig <= d.start < s.end), s.end)
    generic = None
    for g in GENERIC.finditer(art.low, clause_start, trig):
        if not any(
            m.start <= g.start() < m.end for m in art.unit_mentions if m.agency
        ):  # "Đảng ủy Khối các cơ quan"
            generic = g
    genitive = bool(holders) and art.low[max(0, holders[0].start - 5) : holders[0].start].endswith("của ")
    bare = bool(holders) and all(h.short is None and not h.agency for h in holders)
    listed = (
        bool(holders) and generic is not None and generic.end() > holders[0].start
    )  # "Đảng ủy các phường A, B, C"
    if generic and (
        not holders
        or bare
        or listed
        or generic.start() > holders[-1].end
        or (genitive and generic.start() < holders[0].start)
    ):
        # "các xã, phường đã tổ chức hội nghị quán triệt X": no unit of its own, the documents of the roundup
        basis = BASIS_START.match(art.low, clause_start, trig)
        docs = _docs_between(art, trig, s.end, clauses=True) or _docs_between(
            art, basis.end() if basis else clause_start, trig
        )
        if docs and has_trigger:
            st.umbrella = st.umbrella or docs
            st.umbrella_kind = st.umbrella_kind or _kind(art.low[trig:first_doc])
        return True
    near = [m for m in art.unit_mentions if s.start <= m.start < trig and m.level == "commune" and m.short]
    units = _resolve_all(art, holders, section, near[-1] if near else None)
    if not units and section.header_units and s.para == section.header_para:
        units = _resolve_all(art, section.header_units, section)
    if not units:
        return False
    prev_date = st.last[0].date if st.last else None
    date = _frame_date(art, s, clause_start, trig, section, prev_date)
    if current and date is None and {u["unit"] for u in units} <= {f.units[0]["unit"] for f in current}:
        return (
            False  # the open meeting again ("Đồng chí Bí thư Đảng ủy phường quán triệt ..."): a continuation
        )
    bcd = [
        d
        for d in art.doc_mentions
        if clause_start <= d.start < trig and BCD.search(art.low[max(clause_start, d.start - 60) : d.start])
    ]
    docs = _docs_between(art, bcd[0].start if bcd else trig, s.end, clauses=True)
    if has_trigger:
        # "quán triệt hai Nghị quyết gắn với triển khai Kế hoạch số 21-KH/ĐU": the unnumbered reference first
        bare = _bare_docs(art, trig, first_doc if docs else s.end, st.umbrella)
        docs = bare + [c for c in docs if c not in bare]
    kind = _kind(art.low[trig:first_doc]) or _kind(art.low[clause_start:trig]) if has_trigger else None
    att = _attendees(art.low[trig : s.end])
    relay = bool(RELAY.search(art.low, clause_start, first_doc))
    new = []
    if docs:
        st.last_docs = docs
    for u in units:
        f = _same_frame(current, u, date)
        if f is None:
            f = Frame(
                [u],
                s.section,
                len(st.frames),
                date or (st.last_date if relay else None),
                kind,
                [],
                att,
                relay,
                list(st.last_docs),
                s.start,
            )
            st.frames.append(f)
        else:
            f.date = f.date or date
            f.attendees = f.attendees if f.attendees is not None else att
            f.kind = f.kind or kind
        f.add_docs(docs)
        new.append(f)
    st.open_by_section[s.section] = new
    st.last = new
    return True


def _visit(art: Article, st: _State, s: Sentence, clause_start: int) -> bool:
    """A working visit reviewing a numbered document at a unit: an event of kind ``other`` for that unit."""
    seg = art.low[clause_start : s.end]
    if "làm việc" not in seg and "kiểm tra" not in seg and "giám sát" not in seg:
        return False
    m = VISIT.search(art.low, clause_start, s.end)
    if not m:
        return False
    topic = VISIT_TOPIC.search(art.low, m.end(), s.end)
    if not topic:
        return False
    units = [
        u
        for u in art.unit_mentions
        if m.end() - 5 <= u.start < topic.start() and not _in_spans(u.start, art.doc_spans)
    ]
    docs = _docs_between(art, topic.start(), s.end)
    if not units or not docs:
        return False
    resolved = _resolve_all(art, units[:1], Section([], None, -1))
    if not resolved:
        return False
    date = _frame_date(art, s, clause_start, m.start(), Section([], None, -1), None)
    f = Frame(resolved, s.section, len(st.frames), date, "other", docs, None, False)
    st.frames.append(f)
    st.open_by_section[s.section] = [f]
    st.last = [f]
    return True


def _continue(art: Article, s: Sentence, clause_start: int, seg: str, current: list[Frame]) -> None:
    """Add what a sentence about the open meeting briefs: documents, kind, attendees."""
    verb = CONT_VERB.search(seg)
    need = any(f.attendees is None for f in current) or "tổng" in seg or "tất cả" in seg
    att = _attendees(seg) if need else None
    if verb is not None:
        pre = seg[: verb.start()]
        retro = RETRO.search(pre) and not art.dates.between(clause_start, s.end)
        if (
            retro
            or ISSUANCE.search(seg)
            or pre.endswith("việc ")
            or (NEG.search(pre) and not CONT_START.match(seg))
            or NEG.search(pre[-25:])
        ):
            verb = None
    docs = _docs_between(art, clause_start + verb.start(), s.end, clauses=True) if verb else []
    kind = _kind(seg[verb.start() :]) if docs else None
    for f in current:
        f.add_docs(docs)
        if f.kind is None and kind:
            f.kind = kind
        if att is not None and (f.attendees is None or _is_total(seg)):
            f.attendees = att


def _count(seg: str, current: list[Frame]) -> None:
    """Attendance stated in a sentence about the open meeting(s)."""
    if any(f.attendees is None for f in current) or "tổng" in seg or "tất cả" in seg:
        att, total = _attendance(seg)
        for f in current:
            if att is not None and (f.attendees is None or total):
                f.attendees = att


def _inherit(st: _State) -> None:
    """A relay ("tổ chức hội nghị tiếp cầu") briefs what the main conference briefed; a meeting of a roundup
    that names no document briefs the roundup's documents."""
    for i, f in enumerate(st.frames):
        if f.relay:
            src = next((g for g in reversed(st.frames[:i]) if g.docs and not g.relay), None)
            own, f.docs = f.docs, []
            f.add_docs((src.docs if src else f.relay_docs) + own)
            if src:
                f.kind = f.kind or src.kind
                f.date = f.date or src.date
            f.kind = f.kind or "quan_triet"
        if not f.docs and st.umbrella:
            f.add_docs(st.umbrella)
            f.kind = f.kind or st.umbrella_kind


def _title_docs(art: Article, frames: list[Frame]) -> None:
    """The headline's briefed documents ("Phường X sinh hoạt chính trị ... thực hiện Chỉ thị số 24-CT/TU") go first
    in the frames of the unit it names (or of the article's only unit)."""
    end = art.body_start
    if end <= 0 or not frames:
        return
    t = TRIGGER.search(art.low, 0, end)
    if not t or ISSUANCE.search(art.low, 0, end) or NEG.search(art.low, 0, t.start()):
        return
    codes = [d.code for d in art.doc_mentions if t.start() <= d.start < end and d.full]
    if not codes:
        return
    named = _resolve_all(art, [m for m in art.unit_mentions if m.start < end], Section([], None, -1))
    names = {u["unit"] for u in named}
    targets = [f for f in frames if f.units[0]["unit"] in names and f.docs]
    if not targets:
        units = {f.units[0]["unit"] for f in frames if f.docs}
        targets = [f for f in frames if f.docs] if len(units) == 1 else []
    for f in targets:
        own, f.docs = f.docs, []
        f.add_docs(codes + own)


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
                if g.units[0]["unit"] == f.units[0]["unit"]
                and (g.date is None or f.date is None or g.date == f.date)
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
