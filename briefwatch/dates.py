"""Dates in Vietnamese articles: publish-date lines and event dates. Pure functions.

Explicit patterns only (dateparser mis-reads "tháng 09", see docs/pitfalls.md); every result is checked
to be a real calendar day.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass

_D = r"(\d{1,2})"
_M = r"(\d{1,2})"
_Y = r"(\d{4})"
_SEP = r"\s*[/.\-–]\s*"

# "ngày 7 tháng 8 năm 2023", "ngày 07/8/2023", "29/9/2023", "8-9", "12/9"
_FULL_WORDS = re.compile(rf"[Nn]gày\s+{_D}\s+[Tt]háng\s+{_M}(?:\s*(?:,\s*)?[Nn]ăm\s+{_Y})?")
# "ngày 21 và sáng ngày 22 tháng 12 năm 2022": a session over two days, the first one counts
_WORDS_RANGE = re.compile(
    rf"[Nn]gày\s+{_D}\s*(?:và|đến|tới|[-–,])\s*(?:(?:sáng|chiều|tối)\s+)?(?:ngày\s+)?\d{{1,2}}\s+[Tt]háng\s+{_M}"
    rf"(?:\s*(?:,\s*)?[Nn]ăm\s+{_Y})?"
)
_RANGE = re.compile(
    rf"(?<![\d/.\-])(\d{{1,2}})\s*(?:và|đến|tới|[-–,])\s*{_D}\s*/\s*{_M}(?:\s*/\s*{_Y})?(?![\d/])"
)
_NUMERIC = re.compile(
    rf"(?<![\d/.\-])(?:(?<=\d{{4}} [-–] )|(?<![\d/.\-] )){_D}{_SEP}{_M}(?:{_SEP}{_Y})?(?![\d/]|\.\d|-\d|\s*[-–]\s*(?:[A-ZĐ]|\d{{4}}))"
)
_TIME = r"\d{1,2}\s*[:hg]\s*\d{2}(?::\d{2})?"

# date lines of real sites: "30/09/2023 | 11:16", "Ngày đăng 15/09/2023 | 15:38", "Bạch Thanh 08/09/2023 - 18:06",
# "Publish date 23/07/2024 | 09:21", "13:25 09/08/2025", "Thứ hai, 08:30 18/09/2023", ISO timestamps
_PUB_WORDS = ("ngày đăng", "publish date", "ngày xuất bản", "cập nhật", "đăng lúc", "đăng ngày")  # the labels
_PUB_PATTERNS = [
    re.compile(
        "(?:"
        + "|".join(f"[{w[0]}{w[0].upper()}]{re.escape(w[1:])}" for w in _PUB_WORDS)
        + rf")\s*:?\s*{_D}\s*/\s*{_M}\s*/\s*{_Y}"
    ),
    re.compile(rf"{_D}\s*/\s*{_M}\s*/\s*{_Y}\s*(?:\||[-–,]|lúc)?\s*{_TIME}"),
    re.compile(rf"{_TIME}\s*(?:\||[-–,])?\s*(?:ngày\s+)?{_D}\s*/\s*{_M}\s*/\s*{_Y}"),
    re.compile(r"(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}", re.A),
]


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    day: int
    month: int
    year: int | None


def _valid(y: int, m: int, d: int) -> bool:
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return 1990 <= y <= 2100


def parse_publish_date(text: str, *, head_chars: int = 1500) -> dt.date | None:
    """The publish date from a site's date line near the top of the text, else None."""
    head = text[:head_chars]
    best: tuple[int, dt.date] | None = None
    low = head.lower()
    for i, pat in enumerate(_PUB_PATTERNS):
        if i == 0 and not any(w in low for w in _PUB_WORDS):
            continue  # no "Ngày đăng"-like label: skip the slow scan for one
        if i == 3 and "T" not in head:
            continue
        for m in pat.finditer(head):
            g = [int(x) for x in m.groups()]
            y, mo, d = (g[0], g[1], g[2]) if i == 3 else (g[2], g[1], g[0])
            if _valid(y, mo, d) and (best is None or m.start() < best[0]):
                best = (m.start(), dt.date(y, mo, d))
                break
    return best[1] if best else None


_CAND = re.compile(r"\d{1,2}\s*(?:[/.\-–]|và|đến|tới|,)")


def _candidates(pat: re.Pattern, text: str):
    """Matches of ``pat`` tried only near digits followed by a date separator (fast on long texts)."""
    if pat is _FULL_WORDS or pat is _WORDS_RANGE:
        yield from pat.finditer(text)
        return
    last = -1
    for c in _CAND.finditer(text):
        lo = max(c.start() - 1, last, 0)
        m = pat.search(text, lo, min(len(text), c.start() + 40))
        if m and m.start() <= c.start() + 1 and m.start() >= last:
            last = m.end()
            yield m


def find_dates(text: str) -> list[DateMention]:
    """Every day-month(-year) mention, in order, non-overlapping (the longest form wins)."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []  # sorted, non-overlapping

    def free(a: int, b: int) -> bool:
        i = bisect.bisect_left(taken, (a, a))
        return (i == 0 or taken[i - 1][1] <= a) and (i == len(taken) or taken[i][0] >= b)

    has_words = "gày" in text
    for pat, idx in (
        (_WORDS_RANGE, (1, 2, 3)),
        (_FULL_WORDS, (1, 2, 3)),
        (_RANGE, (1, 3, 4)),
        (_NUMERIC, (1, 2, 3)),
    ):
        if pat in (_FULL_WORDS, _WORDS_RANGE) and not has_words:
            continue
        for m in _candidates(pat, text):
            if not free(m.start(), m.end()):
                continue
            d, mo = int(m.group(idx[0])), int(m.group(idx[1]))
            y = int(m.group(idx[2])) if m.group(idx[2]) else None
            if not (1 <= d <= 31 and 1 <= mo <= 12):
                continue
            if y is not None and not _valid(y, mo, d):
                continue
            if y is None and not _valid(2000, mo, d) and not (mo == 2 and d == 29):
                continue
            found.append(DateMention(m.start(), m.end(), d, mo, y))
            bisect.insort(taken, (m.start(), m.end()))
    found.sort(key=lambda x: x.start)
    return found


def resolve(dm: DateMention, published: dt.date | None, fallback_year: int | None = None) -> dt.date | None:
    """A full date: the year as written; else the latest such day on or before ``published``; else
    ``fallback_year`` (a year the text itself fixes); else None."""
    if dm.year is not None:
        return dt.date(dm.year, dm.month, dm.day)
    if published is not None:
        for y in (published.year, published.year - 1):
            if _valid(y, dm.month, dm.day) and dt.date(y, dm.month, dm.day) <= published:
                return dt.date(y, dm.month, dm.day)
        return None
    if fallback_year is not None and _valid(fallback_year, dm.month, dm.day):
        return dt.date(fallback_year, dm.month, dm.day)
    return None


def to_date(value: dt.date | str | None) -> dt.date | None:
    """Caller-given publish date (date, ISO date or timestamp string) → date; junk → None."""
    if value is None or isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    m = re.match(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})", str(value))
    if m and _valid(int(m.group(1)), int(m.group(2)), int(m.group(3))):
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


class DateIndex:
    """The date mentions of a text, found line by line on demand (most lines never need it)."""

    def __init__(self, text: str):
        self.text = text
        self.starts: list[int] = [0]
        pos = text.find("\n")
        while pos != -1:
            self.starts.append(pos + 1)
            pos = text.find("\n", pos + 1)
        self._lines: dict[int, list[DateMention]] = {}
        self._keys: dict[int, list[int]] = {}

    def _line(self, i: int) -> list[DateMention]:
        got = self._lines.get(i)
        if got is None:
            a = self.starts[i]
            b = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text)
            got = [
                DateMention(d.start + a, d.end + a, d.day, d.month, d.year)
                for d in find_dates(self.text[a:b])
            ]
            self._lines[i] = got
        return got

    def between(self, a: int, b: int) -> list[DateMention]:
        """Mentions starting in [a, b), in order."""

        i = max(bisect.bisect_right(self.starts, a) - 1, 0)
        out: list[DateMention] = []
        while i < len(self.starts) and self.starts[i] < b:
            line = self._line(i)
            if len(line) > 8:  # a long line (a page without line breaks): by position, not by scanning
                keys = self._keys.get(i)
                if keys is None:
                    keys = self._keys[i] = [d.start for d in line]
                out += line[bisect.bisect_left(keys, a) : bisect.bisect_left(keys, b)]
            else:
                out += [d for d in line if a <= d.start < b]
            i += 1
        return out

    def all(self) -> list[DateMention]:
        return self.between(0, len(self.text))
