"""One digest per recipient per evaluation: plain text + HTML alternative, grouped by document then district.

Every string that came from a scraped page (titles, unit names, URLs, subjects) is ``html.escape``d in
the HTML part. Unmonitored units are said as such ("no monitored source covers this unit", "our
source for it is failing"), never as the unit's failure.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import gettext
import html
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from itertools import groupby

import sqlite_utils

from alerts.directives import label, load_directives
from alerts.notes import RecipientNotes
from alerts.rules import Recipient, Rules
from briefwatch.i18n import N_, fmt_date, translation

_NO_DISTRICT = "\x00"  # the group of units without a district (2-level era, city level)
MAX_SECTIONS = 25  # documents detailed in one digest; the rest are summarised in one line each
MAX_LINES = 40  # lines per category in a section before "... and N more", shared by its districts
MIN_LINES = 3  # lines per category and district however many districts a section has


@dataclass
class Digest:
    key: str
    subject: str
    message: EmailMessage


def _evidence(db: sqlite_utils.Database, event_ids: set[int]) -> dict[int, list[tuple[str, str | None]]]:
    out: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    ids = sorted(i for i in event_ids if i is not None)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for eid, url, title in db.execute(
            f"SELECT ev.event_id, a.url, a.title FROM event_evidence ev JOIN articles a ON a.id = ev.article_id "
            f"WHERE ev.event_id IN ({','.join('?' * len(chunk))}) ORDER BY a.published, a.id",
            chunk,
        ):
            out[eid].append((url, title))
    return out


def _section(
    db: sqlite_utils.Database, notes: RecipientNotes, rule: str, code: str, doc_id: int, kinds: dict
) -> dict:
    """One document's rows in the recipient's scope (the group is in it: the digest has its notes)."""
    notes.scope()
    cur = db.conn.execute(
        "SELECT g.rule, u.unit, u.unit_type, u.district, c.state, COALESCE(c.due_date, g.due_date) AS due_date, "
        "c.briefed_on, c.event_id, g.issued, u.province, g.issuer_unit "
        "FROM alert_groups g JOIN alert_cells c ON c.gid = g.gid JOIN alert_units u ON u.uid = c.uid "
        "WHERE g.rule = ? AND g.document_id = ?"
        + (" AND c.uid IN (SELECT uid FROM _rc_scope)" if notes.scoped else "")
        + " ORDER BY u.district, u.unit, u.unit_id",
        [rule, doc_id],
    )
    cur.row_factory = sqlite3.Row  # read by name; a city-wide section has thousands of rows
    rows = cur.fetchall()
    count = defaultdict(int)
    for r in rows:
        count[r["state"]] += 1
    return {
        "rule": rule,
        "code": code,
        "doc_id": doc_id,
        "rows": rows,
        "count": count,
        "notes": kinds,  # (unit, district) → notification kind
    }


def build_digest(
    db: sqlite_utils.Database,
    rules: Rules,
    rc: Recipient,
    notes: RecipientNotes,
    as_of: dt.date,
    docs: dict | None = None,
) -> Digest:
    """The digest for one recipient from this evaluation's notifications (``notes``: the recipient's, read
    from the database as needed), in the language of ``settings.language`` (Vietnamese by default)."""
    lang = rules.settings.language
    _ = translation(lang).gettext
    by_doc: dict[tuple[str, str, int], dict[str, int]] = {}
    for (rule, doc_id, code, issuer), counts in notes.counts().items():
        # a document is named with its issuer: two issuers may number the same code
        by_doc[(label(code, issuer), rule, doc_id)] = counts
    if docs is None:  # the evaluation passes the documents it loaded (5,341 nationwide: 38 ms a digest)
        docs = {d.id: d for d in load_directives(db)}
    # the documents with the most news first: up to MAX_SECTIONS detailed while the message stays under its size
    # budget (one too long for what is left is summarised instead), then one summary line each while they fit,
    # then "... and N more". The budget is the message as queued, and as sent: both parts in base64 (4 bytes for
    # 3, a CRLF every 76), their frame, and the headers (``_HEADERS``)
    order = sorted(by_doc.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    frame = _render([], rc, as_of, rules, [], len(order))  # intro, footer, summary heading, "... and N more"
    budget = (rules.settings.digest_max_kb * 1024 - _HEADERS) * 3 // 4 * 76 // 78 - sum(map(_size, frame))
    mine = notes.of([(rule, doc_id) for (_c, rule, doc_id), _n in order[:MAX_SECTIONS]])
    detailed: list[tuple[tuple, list[str], list[str]]] = []
    summarised = list(order[MAX_SECTIONS:])
    used = misses = 0
    for i, item in enumerate(order[:MAX_SECTIONS]):
        if misses == _MAX_MISSES:  # sections of a city-wide scope are alike: more tries would not fit either
            summarised += order[i:MAX_SECTIONS]
            break
        (code, rule, doc_id), _n = item
        s = _section(db, notes, rule, code, doc_id, mine.get((rule, doc_id), {}))
        ev = _evidence(db, {r["event_id"] for r in s["rows"] if r["event_id"]})
        t, h = _render_section(s, docs, ev, as_of, rules)
        size = _size(t) + _size(h)  # the section is in both parts
        if used + size > budget:
            summarised.append(item)
            misses += 1
            continue
        detailed.append(((code, rule, doc_id), t, h))
        used += size
        misses = 0
    rest: list[tuple[str, str, str]] = []
    summarised.sort(key=lambda kv: (-sum(kv[1].values()), kv[0]))
    for (code, rule, _doc_id), c in summarised:
        line = (code, rule, _note_counts(c, translation(lang)))
        size = 2 * (_REST_LINE + len(" ".join(line).encode()))
        if used + size > budget:
            break
        rest.append(line)
        used += size
    hidden = len(order) - len(detailed) - len(rest)
    codes = ", ".join(sorted({c for c, _r, _d in by_doc}))
    total: dict[str, int] = defaultdict(int)
    for c in by_doc.values():
        for kind, n in c.items():
            total[kind] += n
    subject = _("briefwatch {date} · {scope}: {codes}: {news}").format(
        date=fmt_date(as_of, lang),
        scope=rc.name or rc.scope.describe(_),
        codes=codes,
        news=_note_counts(total, translation(lang)),
    )
    if len(subject) > 180:
        subject = subject[:177] + "..."
    text, body = _render(sorted(detailed, key=lambda x: x[0]), rc, as_of, rules, sorted(rest), hidden)
    msg = EmailMessage(policy=email.policy.SMTP)  # CRLF line ends inside the encoded parts too (RFC 2046)
    msg["Subject"] = subject
    # base64: 7-bit safe for any relay, lines of 76 (RFC 5321 ≤ 998); for Vietnamese text it is the shorter
    # encoding (quoted-printable spells most letters as two or three =XX: a city-wide digest 2.17 → 1.92 MB) and
    # the one Python's email package would pick, and it is encoded in C (90 ms less on that digest)
    msg.set_content(text, cte="base64")
    msg.add_alternative(body, subtype="html", cte="base64")
    return Digest(notes.key(as_of.isoformat()), subject, msg)


def _note_counts(c: dict[str, int], t: gettext.NullTranslations) -> str:
    c = defaultdict(int, c)
    label = {
        "overdue": t.gettext("{n} newly overdue"),
        "reminder": t.gettext("{n} still overdue"),
        "late": t.ngettext("{n} late report", "{n} late reports", c["late"]),
        "unmonitored": t.gettext("{n} not monitored"),
    }
    return ", ".join(v.format(n=c[k]) for k, v in label.items() if c[k])


def _counts_line(c: dict, _: Callable[[str], str]) -> str:
    total = sum(c.values())
    briefed = c["briefed"] + c["resolved"]
    s = _("{briefed}/{total} units briefed ({on_time} on time, {late} late)").format(
        briefed=briefed, total=total, on_time=c["briefed"], late=c["resolved"]
    )
    extra = [
        (c["overdue"] + c["reminded"], _("{n} overdue")),
        (c["silenced"], _("{n} silenced")),
        (c["no_coverage"], _("{n} not covered by any monitored source")),
        (c["source_failing"], _("{n} with a failing source")),
        (c["not_due"], _("{n} not due yet")),
    ]
    return s + "".join("; " + text.format(n=n) for n, text in extra if n)


def _overdue_line(t: gettext.NullTranslations, days: int) -> str:
    return t.ngettext(
        "{unit}: {days} day overdue (due {due})", "{unit}: {days} days overdue (due {due})", days
    )


def _unit_lines(
    s: dict, as_of: dt.date, ev: dict, _: Callable[[str], str], lang: str
) -> dict[str, list[tuple[str, str, list]]]:
    """district → [(category, text, evidence)] for one section, sorted by text within each category and capped.

    A city-wide section has thousands of rows and shows a few hundred lines, so a row's line is formatted
    only when it is shown. Every unit line starts with the unit's name and ": " (in each language: checked
    here, else every line is formatted first), so it sorts by ``unit + ": "``; two rows of one name are
    sorted by their whole lines, and so is a name that itself has ": "."""
    order = {"overdue": 0, "late": 1, "unmonitored": 2, "silenced": 3, "briefed": 4}
    kind_label = {"overdue": _("NEW"), "reminder": _("reminder")}
    t = translation(lang)
    templates = {
        "found": _("{unit}: briefing on {on} found after the alert (in time: due {due})"),
        "late": _("{unit}: reported late, briefing on {on} (due {due})"),
        "silenced": _("{unit}: silenced"),
        "late_briefed": _("{unit}: briefed on {on} (late)"),
        "briefed": _("{unit}: briefed on {on}"),
    }
    lazy = all(
        x.startswith("{unit}: ") for x in [*templates.values(), _overdue_line(t, 1), _overdue_line(t, 2)]
    )

    def text(entry: tuple) -> str:
        _cat, variant, r, kind = entry
        if r is None:
            return variant  # already a line
        dates = {"due": fmt_date(r["due_date"], lang), "on": fmt_date(r["briefed_on"], lang)}
        if variant == "overdue":
            tag = kind_label.get(kind, "") if kind else ""
            days = (as_of - dt.date.fromisoformat(r["due_date"])).days
            return _overdue_line(t, days).format(unit=r["unit"], days=days, **dates) + (
                f" [{tag}]" if tag else ""
            )
        return templates[variant].format(unit=r["unit"], **dates)

    by_d: dict[str, list[tuple]] = defaultdict(list)  # district → [(category, variant or line, row, kind)]
    unmonitored: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in s["rows"]:
        kind = s["notes"].get((r["unit"], r["district"]))
        st = r["state"]
        where = r["district"] or _NO_DISTRICT
        if st in ("overdue", "reminded"):
            by_d[where].append(("overdue", "overdue", r, kind))
        elif st == "resolved" and kind == "late":
            held = r["briefed_on"] and r["briefed_on"] <= r["due_date"]  # held in time, found after the alert
            by_d[where].append(("late", "found" if held else "late", r, kind))
        elif st in ("no_coverage", "source_failing"):
            unmonitored[(where, st)].append(r["unit"])
        elif st == "silenced":
            by_d[where].append(("silenced", "silenced", r, kind))
        elif st in ("briefed", "resolved"):
            by_d[where].append(("briefed", "late_briefed" if st == "resolved" else "briefed", r, kind))
    for (district, st), names in unmonitored.items():
        why = (
            _("no monitored source covers {n} unit(s): {units}")
            if st == "no_coverage"
            else _("our source is failing for {n} unit(s): {units}")
        )
        names = sorted(names)
        shown = ", ".join(names[:MAX_LINES])  # a nationwide scope may have thousands: the count says them all
        if len(names) > MAX_LINES:
            shown = _("{units} and {n} more").format(units=shown, n=len(names) - MAX_LINES)
        by_d[district].append(("unmonitored", why.format(n=len(names), units=shown), None, None))

    def sort_key(entry: tuple) -> tuple[int, str]:
        r = entry[2]
        if r is None or not lazy or ": " in r["unit"]:
            return order[entry[0]], text(entry)
        return order[entry[0]], r["unit"] + ": "

    # a city-wide digest stays readable: 30 districts share the section's lines (the counts line has totals)
    cap = max(MIN_LINES, MAX_LINES // max(1, len(by_d)))
    out: dict[str, list[tuple[str, str, list]]] = {}
    for d, entries in by_d.items():
        keyed = sorted(((sort_key(e), e) for e in entries), key=lambda x: x[0])
        ranked: list[tuple] = []
        for _k, same in groupby(keyed, key=lambda x: x[0]):
            group = [e for _k2, e in same]
            ranked += (
                sorted(group, key=text) if len(group) > 1 else group
            )  # one name twice: by the whole line
        capped, seen = [], defaultdict(int)
        for e in ranked:
            seen[e[0]] += 1
            if seen[e[0]] <= cap:
                r = e[2]
                links = (
                    ev.get(r["event_id"], [])
                    if r is not None and e[0] in ("late", "briefed") and r["event_id"]
                    else []
                )
                capped.append((e[0], text(e), links))
        for cat, n in seen.items():
            if n > cap:
                capped.append((cat, _("... and {n} more (briefwatch alerts list)").format(n=n - cap), []))
        capped.sort(key=lambda x: order[x[0]])
        out[d] = capped
    return out


_HEAD = {
    "overdue": N_("Overdue"),
    "late": N_("Late reports"),
    "unmonitored": N_("Not monitored (not the unit's failure)"),
    "silenced": N_("Silenced"),
    "briefed": N_("Briefed"),
}


# for the size budget, on the safe side: the headers (a subject of 180 characters encoded, the ones the sender
# adds, the MIME parts' own) and what a summary line adds to its words (bullet, tags, escaping)
_HEADERS = 2048
_MAX_MISSES = 3  # sections in a row too long for what is left, after which no other is tried
_REST_LINE = 40


def _size(lines: str | list[str]) -> int:
    if isinstance(lines, str):
        return len(lines.encode()) + lines.count("\n")  # CRLF line ends
    return sum(len(x.encode()) + 2 for x in lines)


def _render_section(
    s: dict, docs: dict, ev: dict, as_of: dt.date, rules: Rules
) -> tuple[list[str], list[str]]:
    """One document's section: its text lines and HTML lines."""
    e = html.escape
    lang = rules.settings.language
    _ = translation(lang).gettext
    t: list[str] = []
    h: list[str] = []
    d = docs.get(s["doc_id"])
    title = d.title if d and d.title else ""
    issuer = d.issuer if d and d.issuer else ""
    due = s["rows"][0]["due_date"] if s["rows"] else ""
    issued = s["rows"][0]["issued"] if s["rows"] else ""
    head = f"{s['code']}" + (f": {title}" if title else "")
    meta = (
        (_("issued {date} by {issuer}") if issuer else _("issued {date}")).format(
            date=fmt_date(issued, lang), issuer=issuer
        )
        + ", "
        + _("deadline {date}, rule {rule}").format(date=fmt_date(due, lang), rule=s["rule"])
    )
    counts = _counts_line(s["count"], _)
    t += ["=" * 70, head, meta, counts, ""]
    h += [f"<h2>{e(head)}</h2>", f"<p>{e(meta)}<br><b>{e(counts)}</b></p>"]
    by_d = _unit_lines(s, as_of, ev, _, lang)
    for district in sorted(by_d, key=lambda x: (x == _NO_DISTRICT, x)):
        if list(by_d) != [_NO_DISTRICT]:  # no district headings when there are none (the 2-level era)
            heading = (
                _("City / province level, and units without a district")
                if district == _NO_DISTRICT
                else _("District {name}").format(name=district)
            )
            t += [f"-- {heading}"]
            h += [f"<h3>{e(heading)}</h3>"]
        cur = None
        for cat, line, links in by_d[district]:
            if cat != cur:
                t.append(f"  {_(_HEAD[cat])}:")
                if cur is not None:
                    h.append("</ul>")
                h.append(f"<p><i>{e(_(_HEAD[cat]))}</i></p><ul>")
                cur = cat
            t.append(f"    - {line}")
            t += [f"        {url}" for url, _title in links]
            li = e(line)
            if links:
                li += " " + " ".join(
                    f'<a href="{e(url, quote=True)}">{e(ttl or url)}</a>' for url, ttl in links
                )
            h.append(f"<li>{li}</li>")
        if cur is not None:
            h.append("</ul>")
        t.append("")
    return t, h


def _render(
    detailed: list[tuple[tuple, list[str], list[str]]],
    rc: Recipient,
    as_of: dt.date,
    rules: Rules,
    rest: list[tuple],
    hidden: int,
) -> tuple[str, str]:
    e = html.escape
    lang = rules.settings.language
    _ = translation(lang).gettext
    intro = _("Briefing status on {date} for {scope}.").format(
        date=fmt_date(as_of, lang), scope=rc.scope.describe(_)
    )
    t: list[str] = [intro, ""]
    h: list[str] = [
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
        f"<p>{e(intro)}</p>",
    ]
    for _key, st, sh in detailed:
        t += st
        h += sh
    if rest or hidden:
        more = _("{n} more document(s) with news").format(n=len(rest) + hidden)
        t += ["=" * 70, more + " " + _("(details: briefwatch alerts list --document CODE):")]
        h += [f"<h2>{e(more)}</h2><ul>"]
        for code, rule, counts in rest:
            t.append(f"  - {code} ({rule}): {counts}")
            h.append(f"<li>{e(code)} ({e(rule)}): {e(counts)}</li>")
        if hidden:
            line = _("... and {n} more, not listed here to keep this message short (briefwatch alerts list)")
            t.append("  - " + line.format(n=hidden))
            h.append(f"<li>{e(line.format(n=hidden))}</li>")
        h.append("</ul>")
    foot = _(
        "You receive this because alerts.yaml lists you as a recipient; silence a unit with "
        "`briefwatch alerts silence`."
    )
    if rules.settings.base_url:
        foot += " " + _("Browse: {url}").format(url=rules.settings.base_url)
    t += ["", foot]
    h += [f"<hr><p style='color:#666'>{e(foot)}</p></body></html>"]
    return "\n".join(t) + "\n", "\n".join(h) + "\n"
