"""Dates in a message: read as dates, never as values, and used to order the readings of one analyte.

"2026-11-18 4,870", "3 Oct 3.6 g/dL", "March 2026", "CT 12/10/2026": the date is one token of its own, with
a sortable (year or 0, month, day) where the writing says which part is which; a value takes the date written
next to it.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

DATE_SLOT = "<date>"  # in a value rule's literal: any date token
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\b\.?"
)
# ordinal days as dictated ("on the first of October", "twenty third of May")
ORDINALS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth fifteenth "
    "sixteenth seventeenth eighteenth nineteenth twentieth"
).split()
ORDINALS += [f"twenty {o}" for o in ORDINALS[:9]] + ["thirtieth", "thirty first"]
_ORDINAL = "(?:" + "|".join(o.replace(" ", r"[\s-]") for o in sorted(ORDINALS, key=len, reverse=True)) + ")"
DATE = (
    r"(?P<date>(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    r"|(?P<od>" + _ORDINAL + r")\s+of\s+(?P<om>" + _MONTH + r")(?:,?\s+(?P<oy>(?:19|20)\d{2}))?(?![a-z])"
    r"|(?P<na>\d{1,2})/(?P<nb>\d{1,2})/(?P<ny>\d{2,4})"
    r"|(?<![\w/.])(?P<um>0?[1-9]|1[0-2])/(?P<uy>(?:19|20)\d{2})(?![\w/])"  # month and year: "03/2026-10/2026"
    # year and month ("2026.11 388", "2026/02-2026/09"): never a value (an AFP is not written 2026.11)
    r"|(?<![\w/.,])(?P<xy>(?:19|20)\d{2})[./](?P<xm>0[1-9]|1[0-2])(?![\w/]|[.,]\d|\s*(?:ng|iu|u/|mg|g/|µ|μ|umol|mmol|%))"
    # day and month without a year ("AFP 02/06 1210 | 28/11 285"); never inside a number ("BP 128/76"), before
    # "of" or "%" ("2/3 of the liver"), or before a tablet or dose ("1/2 tab"); see `pair_is_date`
    r"|(?<![\w/.,])(?P<pa>\d{1,2})/(?P<pb>\d{1,2})(?![\w/]|[.,]\d|\s*(?:of\b|%|tab|cap|dose))"
    r"|(?P<dd>\d{1,2})(?:st|nd|rd|th)?(?:\s+|-)(?P<dm>" + _MONTH + r")(?:(?:\s+|-)(?P<dy>\d{4}))?(?![a-z])"
    r"|(?P<ym>" + _MONTH + r"),?\s+(?P<yy>(?:19|20)\d{2})(?![\d:a-z])"
    r"|(?P<mm>" + _MONTH + r")\s+(?P<md>\d{1,2})(?:st|nd|rd|th)?(?![\d:a-z])"
    # a month alone, with a value after it ("Aug 600, Oct 410") or after "in"/"on" ("210 in June")
    r"|(?P<bm>" + _MONTH + r")(?=\s*[:=-]?\s*\d)"
    r"|(?:(?<=\bin )|(?<=\bon ))(?P<am>" + _MONTH + r")"
    r")"
)


# Scales written as "a/b" ("grade 3/4", "ECOG 0/1", "CP 5/6", "BP 90/60"): a pair after one is never a date.
PAIR_SCALES = frozenset(
    {"grade", "gr", "g", "vp", "cp", "ctp", "child", "pugh", "ecog", "ps", "who", "class", "stage", "score", "bp"}
    | {"nyha", "ratio", "x", "ctcae"}
)


def pair_is_date(match: re.Match[str], before: str | None) -> bool:
    """Whether a day/month pair without a year is a date: both parts possible as day and month one way or the
    other (1-31 and 1-12), and no scale named right before it (`before`, the word written before the pair)."""
    a, b = int(match.group("pa")), int(match.group("pb"))
    if before is not None and before.lower() in PAIR_SCALES:
        return False
    return 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12


def orient(stamps: list[tuple[int, int, int, int]]) -> dict[int, tuple[int, int, int]]:
    """Numeric dates ("12/10/2026", "28/11") as sortable (year or 0, month, day), by index, where the message says
    which part is the day: a first part over 12 anywhere makes every numeric date day-first, a second part over 12
    month-first. `stamps` holds (index, first, second, year or 0); a message that says neither, or both, gives none."""
    day_first = any(a > 12 for _, a, _, _ in stamps)
    month_first = any(b > 12 for _, _, b, _ in stamps)
    if day_first == month_first:
        return {}
    return {k: (y, b, a) if day_first else (y, a, b) for k, a, b, y in stamps}


def _month(name: str) -> int:
    return MONTHS.index(name[:3].lower()) + 1


def when(match: re.Match[str]) -> tuple[int, int, int] | None:
    """A sortable (year or 0, month, day) for ISO dates and dates with a month name; None for d/m/y."""
    if match.group("iy"):
        return int(match.group("iy")), int(match.group("im")), int(match.group("id"))
    if match.group("dm"):
        year = int(match.group("dy")) if match.group("dy") else 0
        return year, _month(match.group("dm")), int(match.group("dd"))
    if match.group("um"):
        return int(match.group("uy")), int(match.group("um")), 0
    if match.group("od"):
        day = ORDINALS.index(" ".join(match.group("od").lower().replace("-", " ").split())) + 1
        return int(match.group("oy") or 0), _month(match.group("om")), day
    if match.group("xy"):
        return int(match.group("xy")), int(match.group("xm")), 0
    if match.group("ym"):
        return int(match.group("yy")), _month(match.group("ym")), 0
    if match.group("mm"):
        return 0, _month(match.group("mm")), int(match.group("md"))
    if match.group("bm") or match.group("am"):
        return 0, _month(match.group("bm") or match.group("am")), 0
    return None  # 03/10/2026: day or month first is not written


def date_near(tokens: list[Any], i: int, end: int) -> tuple[int, int, int] | None:
    """The date written right before the value at tokens[i:end + 1] ("2026-11-18 4,870", "3 Oct: 3.6") or right
    after it ("4,870 (18 Nov)")."""
    before = i - 1
    if before >= 0 and tokens[before].text == ")":
        # a short aside between the date and its value ("02/12 (discharge) 40")
        opened = next((k for k in range(before - 1, max(-1, before - 5), -1) if tokens[k].text == "("), None)
        before = opened - 1 if opened is not None else before
    for j in (before, before - 1):
        if j >= 0 and tokens[j].kind == "date":
            return tokens[j].when
        if j >= 0 and tokens[j].text not in (":", ",", "-", "("):
            break
    for j in (end + 1, end + 2):
        if j < len(tokens) and tokens[j].kind == "date":
            return tokens[j].when
        if j < len(tokens) and tokens[j].text not in ("(", ",", "on", "in", "-"):
            break
    return None


def latest(dated: list[Any]) -> Any | None:
    """Of readings that each carry a distinct date, the latest, when their dates can be ordered (all in one
    year, or every year written); else None."""
    stamps = _years_between([v.when for v in dated])
    if None in stamps or len(set(stamps)) < len(stamps):
        return None
    if len({s[0] for s in stamps}) > 1 and not all(s[0] for s in stamps):
        return None
    return dated[max(range(len(dated)), key=lambda k: stamps[k])]


def _years_between(stamps: list[Any]) -> list[Any]:
    """A series written with the year only at its ends ("Jan 2026 4,120; Apr 1,980; Jul 760; 28 Nov 2026 350"):
    the dates between two dates of one year take that year when the whole series then runs one way (oldest or
    newest first). A date after the last year, or before the first, takes it while the calendar runs on one way."""
    if None in stamps:
        return stamps
    years = [k for k, s in enumerate(stamps) if s[0]]
    filled = list(stamps)
    for a, b in itertools.pairwise(years):
        if stamps[a][0] == stamps[b][0]:
            for k in range(a + 1, b):
                filled[k] = (stamps[a][0], *stamps[k][1:])
    if years:
        # After the last year written, dates running on forward in the calendar ("14-Jan-2026: 45 | 08-Apr: 380 |
        # 21-Oct: 3,800") are in that year; before the first, dates running up to it are. A turn back in the
        # calendar (a new year may have begun) stops the fill there.
        last, first = years[-1], years[0]
        for k in range(last + 1, len(stamps)):
            if stamps[k][1:] <= filled[k - 1][1:]:
                break
            filled[k] = (stamps[last][0], *stamps[k][1:])
        for k in range(first - 1, -1, -1):
            if stamps[k][1:] >= filled[k + 1][1:]:
                break
            filled[k] = (stamps[first][0], *stamps[k][1:])
    if filled != stamps and not (filled == sorted(filled) or filled == sorted(filled, reverse=True)):
        return stamps
    return filled


_DATE_RE = re.compile(DATE, re.IGNORECASE)
_YEAR = re.compile(r"(?<![\d/.-])(?:19|20)\d{2}(?![\d/])")


def sentence_date(text: str) -> tuple[int, int, int] | None:
    """The date a sentence or row is dated by: its first date with a year ("OGD Aug 2026 - no recurrence",
    "2024-03-02") or a year alone ("OGD 2024 - eradicated"); None without a year (it cannot be ordered)."""
    for match in _DATE_RE.finditer(text):
        stamp = when(match)
        if stamp is not None and stamp[0]:
            return stamp
    year = _YEAR.search(text)
    return (int(year.group(0)), 0, 0) if year else None
