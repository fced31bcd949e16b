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

import bisect
import datetime as dt
import re

from briefwatch import dates as dates_mod
from briefwatch.gazetteer import COMMUNE_LEVEL, REFORM
from briefwatch.patterns import (
    BASIS_START,
    BCD,
    BULLET,
    CONT_START,
    CONT_VERB,
    DIGIT,
    FUTURE,
    GENERIC,
    GOING_ON,
    HEADLESS,
    HELD,
    ISSUANCE,
    ISSUED_ADJ,
    LIST_ITEM,
    LOCAL_CODE,
    MEETING_TOLD,
    NEG,
    PASSIVE_RELAY,
    PERSON_FIRST,
    PROGRAMME,
    PURPOSE,
    RELAY,
    RETRO,
    SITE_AT,
    SPEAKER_BEFORE,
    TALKS,
    TITLE_PLACE,
    TRIGGER,
    VISIT,
    VISIT_TOPIC,
    YEARS_ITEM,
)
from briefwatch.reading import (
    Article,
    Frame,
    Section,
    Sentence,
    _attendance,
    _attendees,
    _bare_docs,
    _bare_place,
    _docs_between,
    _frame_date,
    _holders,
    _is_total,
    _kind,
    _passive_holder,
    _positive,
    _resolve_all,
    _sections,
    _site_first_holder,
    _site_holder,
    cue,
    split_sentences,
)
from briefwatch.units import Mention, central_organ_before

_LISTED = re.compile(r"\(\s*gồm\s*:|\bgồm\s*:|\bbao gồm\s*:")


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
        self.opened: set[int] = set()  # sections where a holder opened a meeting of its own


# words without which a sentence can neither open nor feed a meeting (substring tests: faster than a regex)
_HOT_WORDS = (
    "quán triệt", "triển khai", "học tập", "nghiên cứu", "sinh hoạt", "sơ kết", "tổng kết", "tiếp cầu", "tiếp sóng",
    "phổ biến", "thông tin", "điểm cầu", "truyền đạt", "nghe", "giới thiệu", "trình bày", "thông qua", "tổ chức",
    "nắm bắt", "tiếp thu", "theo đó",
    "làm việc", "kiểm tra", "giám sát",
)  # fmt: skip


def _hot_sentences(low: str, sents: list[Sentence]) -> set[int]:
    """Indexes of the sentences holding a hot word: every occurrence found once in the whole text (str.find,
    C speed), then placed in its sentence by bisection."""
    hits: list[int] = []
    for w in _HOT_WORDS:
        i = low.find(w)
        while i != -1:
            hits.append(i)
            i = low.find(w, i + 1)
    if not hits:
        return set()
    hits.sort()
    out = set()
    for k, x in enumerate(sents):
        j = bisect.bisect_left(hits, x.start)
        if j < len(hits) and hits[j] < x.end:
            out.add(k)
    return out


def extract_events(art: Article) -> list[dict]:
    if not art.doc_mentions:  # an event briefs a numbered document: none named, none to find
        return []
    sents, sections, header_end = _sections(art, split_sentences(art.text, art.body_start))
    st = _State()
    # one pass marks the sentences that can open or feed a meeting: a briefing or meeting word, a visit
    low = art.low
    hot = _hot_sentences(low, sents)
    _title_frame(art, st)
    listing = False  # the previous sentence briefed documents of the open meeting: a list may follow
    site: tuple[int, Mention] | None = (
        None  # the last connected site named ("tại điểm cầu Sở X"), by sentence
    )
    for i, s in enumerate(sents):
        if "điểm cầu" in low[s.start : s.end]:
            site = _named_site(art, s, i) or site
        if site and i - site[0] <= 2 and PASSIVE_RELAY.search(low, s.start, s.end):
            _relayed(art, st, s, site[1])  # "Hội nghị cũng được tiếp sóng tới ... các đơn vị trực thuộc Sở"
            site = None
            continue
        section = sections[s.section]
        current = st.open_by_section.get(s.section) or (
            st.last if s.section == 0 or s.section not in st.opened else []
        )
        if i in header_end:  # "* Tại xã X: ..." opens a section of a roundup, never an item of a list
            listing = False
        if current and listing and LIST_ITEM.match(art.low, s.start, s.end) and _list_item(art, s):
            docs = _docs_between(art, s.start, s.end, clauses=True)
            for f in current:
                f.add_docs(docs)
            if docs:
                continue
        if current and listing and art.text[s.start : s.start + 1] in "-+•*":
            continue  # an item without a numbered document ("- Nghị quyết Đại hội ...") goes on the same list
        listing = False
        if i not in hot:
            if current and DIGIT.search(art.low, s.start, s.end):
                _count(art.low[s.start : s.end], current)  # "Dự hội nghị có 35 đồng chí ..."
            continue
        clause_start = header_end.get(i, s.start)
        seg = art.low[clause_start : s.end]
        is_cont = bool(CONT_START.match(seg)) and bool(current)
        pos = None if is_cont else _positive(art, clause_start, s, clause_start)
        if pos is None and not is_cont and _site_first_holder(art, s):
            pos = (clause_start, True)  # "Tại điểm cầu X, đồng chí ... chủ trì": the site's own meeting
        if pos is not None and _open(art, st, s, section, clause_start, pos, current):
            listing = True
            continue
        if _visit(art, st, s, clause_start):
            continue
        if current:
            listing = _continue(art, s, clause_start, seg, current)
    _inherit(st)
    _title_docs(art, st.frames)
    _title_date(art, st.frames)
    if not any(f.docs for f in st.frames):
        _headless(art, st, sents)
    if not any(f.docs for f in st.frames) and art.body_start > 0:
        # "Đoàn kiểm tra của Bộ Chính trị làm việc với Ban Thường vụ Thành ủy X về ... thực hiện Nghị quyết số 39":
        # a headline that reports a working visit over a body that does not say it again
        pos = 0
        for line in art.text[: art.body_start].split("\n"):
            if line.strip() and _visit(art, st, Sentence(pos, pos + len(line), 0, 0, True), pos):
                break
            pos += len(line) + 1
    return _finish(st.frames)


def _list_item(art: Article, s: Sentence) -> bool:
    """A line that goes on a list of documents: bulleted or introduced ("- ...", "Cụ thể: ..."), or a bare
    description of a document ("Nghị quyết số 35-NQ/TW ngày ... của ... về ..."), not a sentence about it
    ("Nghị quyết 45 ra đời sau 15 năm thực hiện Nghị quyết 32 ...")."""
    if BULLET.match(art.low, s.start, s.end) or art.text[s.start : s.start + 1] in "-+•*":
        return True
    first = next(iter(art.docs_in(s.start, s.end)), None)
    if first is None:
        return False
    tail = next((e for b, e in art.doc_spans if b == first.end), first.end)
    rest = art.low[tail : min(s.end, tail + 12)].lstrip(" ,")
    return tail > first.end + 3 or rest == "" or rest.startswith(("về", "“", '"', ";", "(", "và", "-", "–"))


def _headless(art: Article, st: _State, sents: list[Sentence]) -> None:
    """A text cut before the sentence naming the holder (a stored excerpt that begins mid-article), whose first
    sentence lists the documents reviewed: the meeting is the only territorial unit's that the text names."""
    if not sents or art.body_start:
        return
    s = sents[0]
    m = HEADLESS.match(art.low, s.start, s.end)
    if not m:
        return
    named = {}
    for mn in art.unit_mentions:
        if mn.short is None or mn.agency or art.in_doc_span(mn.start):
            continue
        r = _resolve_all(art, [mn], Section([], None, -1))
        if r and r[0]["unit_type"] not in ("tinh", "thanh_pho_tw"):
            named[r[0]["unit"]] = r[0]
    if len(named) != 1:
        return
    end = s.end
    for nxt in sents[
        1:
    ]:  # the list goes on in the next lines: "10 năm thực hiện Nghị quyết 25-NQ/TW ...; 5 năm ..."
        if not (
            YEARS_ITEM.match(art.low, nxt.start, nxt.end) or LIST_ITEM.match(art.low, nxt.start, nxt.end)
        ):
            break
        end = nxt.end
    docs = _docs_between(art, m.start(1), end)
    if docs:
        kind = "so_ket" if m.group(1) == "sơ kết" else "tong_ket"
        st.frames.append(Frame(list(named.values()), 0, len(st.frames), None, kind, docs, None, False))


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
    holders = (
        _site_first_holder(art, s)
        or _holders(art, clause_start, trig)
        or _site_holder(art, s, trig)
        or _passive_holder(art, s, trig)
    )
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
    if current and PERSON_FIRST.match(art.low, clause_start, trig):
        return False  # "Đồng chí X, Phó Chủ nhiệm UBKT Thành ủy đã triển khai ...": a speaker at the open meeting
    first_doc = next((d.start for d in art.docs_in(trig, s.end)), s.end)
    generic = None
    for g in GENERIC.finditer(art.low, clause_start, trig):
        if not any(
            m.start <= g.start() < m.end for m in art.units_in(g.start() - 300, g.start() + 1) if m.agency
        ):  # "Đảng ủy Khối các cơ quan"
            generic = g
    genitive = bool(holders) and art.low[max(0, holders[0].start - 5) : holders[0].start].endswith("của ")
    bare = bool(holders) and all(h.short is None and not h.agency for h in holders)
    listed = (
        bool(holders) and generic is not None and generic.start() < holders[0].start < generic.end() + 3
    )  # "Đảng ủy các phường A, B, C"
    if generic and (
        not holders
        or (bare and (generic.start() < holders[0].start or generic.start() - holders[-1].end < 4))
        or listed
        or (generic.start() > holders[-1].end and not HELD.search(art.low, holders[-1].end, generic.start()))
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
    near = [m for m in art.units_in(s.start, trig) if m.level == "commune" and m.short]
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
        for d in art.docs_in(clause_start, trig)
        if BCD.search(art.low[max(clause_start, d.start - 60) : d.start])
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
    st.opened.add(s.section)
    st.last = new
    return True


def _named_site(art: Article, s: Sentence, i: int) -> tuple[int, Mention] | None:
    """The unit of a connected site named in a sentence: "Dự hội nghị tại điểm cầu Sở Văn hóa và Thể thao ..."."""
    for m in SITE_AT.finditer(art.low, s.start, s.end):
        got = art.units_in(m.end(), m.end() + 3)
        if got:
            return i, got[0]
    return None


def _relayed(art: Article, st: _State, s: Sentence, site: Mention) -> None:
    units = _resolve_all(art, [site], Section([], None, -1))
    if not units:
        return
    f = Frame(
        units, s.section, len(st.frames), st.last_date, None, [], None, True, list(st.last_docs), s.start
    )
    st.frames.append(f)
    st.open_by_section[s.section] = [f]
    st.last = [f]


def _title_frame(art: Article, st: _State) -> None:
    """A headline that names who held the meeting ("Tân Biên: Triển khai, quán triệt ...", "Đảng ủy xã X quán
    triệt ...") over a body that only tells what the meeting did ("Tại hội nghị, ..."): the headline's unit holds
    it. Only when the body does tell of a meeting."""
    end = art.body_start
    if end <= 0 or not MEETING_TOLD.search(art.low, end):
        return
    t = TRIGGER.search(art.low, 0, end)
    if not t or ISSUANCE.search(art.low, 0, end) or cue(art, NEG, 0, t.start()) or cue(art, FUTURE, 0, end):
        return
    line = art.text.rfind("\n", 0, t.start()) + 1  # the headline's line (a site banner may stand above it)
    named = [m for m in art.unit_mentions if line <= m.start < t.start() and m.short]
    if not named:
        p = TITLE_PLACE.match(art.text, line, end)
        named = _bare_place(art, line) if p else []
    units = _resolve_all(art, named[-1:], Section([], None, -1))
    if not units:
        return
    f = Frame(units, 0, len(st.frames), None, _kind(art.low[t.start() : end]), [], None, False, [], 0)
    st.frames.append(f)
    st.open_by_section[0] = [f]
    st.last = [f]


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
    units = [u for u in art.units_in(m.end() - 5, topic.start()) if not art.in_doc_span(u.start)]
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


def _continue(art: Article, s: Sentence, clause_start: int, seg: str, current: list[Frame]) -> bool:
    """Add what a sentence about the open meeting briefs: documents, kind, attendees. True when it has a
    briefing verb (a list of what was briefed may follow it)."""
    verb = CONT_VERB.search(seg)
    need = any(f.attendees is None for f in current) or "tổng" in seg or "tất cả" in seg
    att = _attendees(seg) if need else None
    if verb is not None:
        pre = seg[: verb.start()]
        vstart = clause_start + verb.start()
        retro = RETRO.search(pre) and not art.dates.between(clause_start, s.end)
        if (
            retro
            or any(not ISSUED_ADJ.search(seg, 0, x.start()) for x in ISSUANCE.finditer(seg))
            or pre.endswith(("việc ", "trong ", "công tác "))
            or (PURPOSE.search(pre) and GOING_ON.match(seg, verb.start()))
            or (cue(art, NEG, clause_start, vstart) and not CONT_START.match(seg))
            or (
                cue(art, NEG, max(clause_start, vstart - 25), vstart)
                and not PURPOSE.search(pre)
                and not PROGRAMME.match(seg)
            )
        ):
            verb = None
    if verb is not None and TALKS.search(seg, verb.start(), verb.start() + 40):
        verb = None  # "được nghe các tham luận ... gắn với thực hiện Nghị quyết ..."
    docs = _docs_between(art, clause_start + verb.start(), s.end, clauses=True) if verb else []
    kind = _kind(seg[verb.start() :]) if docs else None
    if not docs and not any(f.docs for f in current):
        # "Việc học tập, quán triệt các nghị quyết của Hội nghị lần thứ 4 (gồm: Nghị quyết số 04-NQ/TW; ...)":
        # the meeting's documents, spelt out in a list inside a sentence about it
        g = _LISTED.search(seg)
        if g and TRIGGER.search(seg, 0, g.start()):
            docs = _docs_between(art, clause_start + g.end(), s.end, clauses=True)
    for f in current:
        f.add_docs(docs)
        if f.kind is None and kind:
            f.kind = kind
        if att is not None and (f.attendees is None or _is_total(seg)):
            f.attendees = att
    return verb is not None


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
            if src and (f.date is None or src.date is None or f.date == src.date) and f.origin > src.origin:
                # what the site heard ("Hội nghị đã nghe ...") is what the host's conference briefed, but for the
                # plans of the relaying unit itself ("Kế hoạch số 91-KH/QU")
                src.add_docs([c for c in own if not LOCAL_CODE.search(c)])
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
    if not t or ISSUANCE.search(art.low, 0, end) or cue(art, NEG, 0, t.start()):
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
    if not targets and not any(f.docs for f in frames):
        # the body's meeting names no document ("... tổ chức hội nghị trực tuyến để quán triệt"): the headline's
        units = {f.units[0]["unit"] for f in frames}
        targets = list(frames) if len(units) == 1 else []
    for f in targets:
        own, f.docs = f.docs, []
        f.add_docs(codes + own)


def _title_date(art: Article, frames: list[Frame]) -> None:
    """A headline that reports the meeting with its day ("Chiều ngày 21 và sáng ngày 22 tháng 12 năm 2022 Đảng ủy
    xã X tổ chức ..."): the day of the meetings the body leaves undated."""
    end = art.body_start
    if end <= 0 or not frames or not any(f.date is None for f in frames):
        return
    t = TRIGGER.search(art.low, 0, end)
    if not t:
        return
    a = art.text.rfind("\n", 0, t.start()) + 1  # the headline's own line, not the site's date line
    b = art.text.find("\n", t.start())
    days = [d for d in art.dates.between(a, end if b == -1 else b) if d.year]
    if len(days) != 1:
        return
    day = dates_mod.resolve(days[0], art.published)
    if day and (art.published is None or day <= art.published):
        for f in frames:
            f.date = f.date or day


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
                "district": u["district"]
                if u["unit_type"] in COMMUNE_LEVEL and not (f.date and f.date >= REFORM)
                else None,
                "province": u["province"],
                "directives": f.docs,
                "date": f.date.isoformat() if f.date else None,
                "kind": f.kind or "other",
                "attendees": f.attendees,
            }
        )
    return out
