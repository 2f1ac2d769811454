"""Pasted tables whose columns are dates: a header row of times over rows of one analyte's readings.

    Serial LFTs      Jul     Sep     Nov (today)
    Bili umol        18      22      29
    Alb g/L          38      35      31

Each reading takes its column's time: the column marked current ("today", the vocabulary's
`sentence_words: current`) is the current reading; dated columns order the readings (the latest is current);
columns that are neither leave the choice to be asked for, as for any undated readings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .dates import _MONTH, DATE, _month, orient, when

if TYPE_CHECKING:
    from .vocabulary import Vocabulary

_DATE = re.compile(DATE, re.IGNORECASE)
_MONTH_ALONE = re.compile(rf"(?P<m>{_MONTH})(?:\s+(?P<y>(?:19|20)\d{{2}}))?", re.IGNORECASE)
NUMBER = re.compile(r"(?<![\w.,/])\d+(?:[.,]\d+)?(?![\w/])")
FILLER = re.compile(r"[\s|:,;()\[\]-]+")
CELLS = re.compile(r"\s{2,}|\t|\|")  # what separates the cells of a pasted table's row


@dataclass(frozen=True)
class Column:
    """One column of a header row: when it was, and whether it is the current one."""

    when: tuple[int, int, int] | None
    current: bool


def _label(cell: str, vocab: Vocabulary) -> Column | None:
    """A header cell as a time: a date, a month (with its year), or a current word; None if it is not one."""
    text = cell.strip(" ()[]|:")
    if not text:
        return None
    current = vocab.says(text, "current")
    rest = text
    for word in vocab.sentence_words.get("current", ()):
        rest = re.sub(rf"(?i)\b{re.escape(word)}\b", " ", rest)
    rest = FILLER.sub(" ", rest).strip()
    if not rest:
        return Column(None, True) if current else None
    match = _DATE.fullmatch(rest)
    if match:
        return Column(when(match), current)
    alone = _MONTH_ALONE.fullmatch(rest)
    if alone:
        return Column((int(alone.group("y") or 0), _month(alone.group("m")), 0), current)
    return None


def header_rows(text: str, vocab: Vocabulary) -> dict[int, list[Column]]:
    """Header rows of times, by the character offset where each line starts: a line of two or more times and
    nothing else (a first cell naming the table, "Serial LFTs" or "Date", is allowed). Numeric dates ("03/11
    17/11 01/12") take the order the message's numeric dates give them (a part over 12 says which is the day)."""
    headers: dict[int, list[Column]] = {}
    numeric: dict[tuple[int, int], tuple[int, int, int]] = {}  # (row start, column) -> (first, second, year)
    start = 0
    for line in text.split("\n"):
        cells = [c for c in CELLS.split(line.strip()) if c.strip()]
        columns = [_label(c, vocab) for c in cells]
        if len(columns) >= 3 and columns[0] is None:
            cells, columns = cells[1:], columns[1:]  # the table's name in the first cell
        if len(columns) >= 2 and all(c is not None for c in columns):
            headers[start] = [c for c in columns if c is not None]
            for k, cell in enumerate(cells):
                pair = _NUMERIC_DATE.fullmatch(FILLER.sub(" ", cell).strip())
                if pair is not None and headers[start][k].when is None:
                    year = int(pair.group(3) or 0)
                    numeric[start, k] = (
                        int(pair.group(1)),
                        int(pair.group(2)),
                        year + 2000 if 0 < year < 100 else year,
                    )
        start += len(line) + 1
    keys = list(numeric)
    stamps = [(n, *numeric[key]) for n, key in enumerate(keys)]
    others = [(-1, int(m.group(1)), int(m.group(2)), 0) for m in _NUMERIC_DATE.finditer(text)]
    oriented = orient(stamps + others)
    for row in {row for row, _ in keys}:
        placed = {k: oriented[n] for n, (r, k) in enumerate(keys) if r == row and n in oriented}
        ordered = [placed[k] for k in sorted(placed)]
        # only dates that run one way across the row ("15/12 10/01" without years may cross a new year: not ordered)
        if ordered == sorted(ordered) or ordered == sorted(ordered, reverse=True):
            for k, stamp in placed.items():
                headers[row][k] = Column(stamp, headers[row][k].current)
    return headers


# a numeric date written with slashes, day and month in either order, with or without its year ("03/11",
# "17/11/2026"); not with dots, which decimals share ("1.15", "13.4")
_NUMERIC_DATE = re.compile(r"(?<![\d/.])(\d{1,2})/(\d{1,2})(?:/(\d{2}(?:\d{2})?))?(?![\d/.])")


def column_times(text: str, at: int, headers: dict[int, list[Column]]) -> Column | None:
    """The column of the number ending at or before character `at` on its line: under the nearest header row
    above it in the same block of lines (no blank line between), counted from the right of its row."""
    if not headers:
        return None
    line_start = text.rfind("\n", 0, max(at - 1, 0)) + 1
    line_end = text.find("\n", at)
    line_end = len(text) if line_end < 0 else line_end
    header = None
    k = line_start
    while k > 0:
        above = text.rfind("\n", 0, k - 1) + 1
        if not text[above : k - 1].strip():
            break  # a blank line ends the table
        if above in headers:
            header = headers[above]
            break
        k = above
    if header is None:
        return None
    row = text[line_start:line_end]
    if "|" in row:
        # a row of cells between pipes: the cell holding the reading ("| Child-Pugh | B8 | C10 |"), the first cell
        # the row's label
        borders = [line_start + k for k, c in enumerate(row) if c == "|"]
        if row.lstrip().startswith("|"):
            borders = borders[1:]
        cell = sum(1 for b in borders if b < at) - 1
        if len(cells_of(row)) - 1 != len(header) or not 0 <= cell < len(header):
            return None
        return header[cell]
    numbers = [m.end() for m in NUMBER.finditer(text, line_start, line_end)]
    before = [n for n in numbers if n <= at]
    if not before or len(numbers) < 2 or len(numbers) > len(header):
        return None
    from_right = len(numbers) - len(before)
    return header[len(header) - 1 - from_right]


def apply_columns(found: dict[str, list[Any]], text: str, vocab: Vocabulary) -> None:
    """Give each reading in a dated table its column's time: CURRENT for the current column, PAST for the rest
    of its row; the column's date as the reading's date otherwise."""
    headers = header_rows(text, vocab)
    if not headers:
        return
    for values in found.values():
        placed: list[tuple[Any, Column]] = []
        for v in values:
            column = column_times(text, v.end, headers)
            if column is not None:
                placed.append((v, column))
        if len(placed) < 2:
            continue
        marked = any(c.current for _, c in placed)
        for value, column in placed:
            if marked:
                value.cues.add("CURRENT" if column.current else "PAST")
            elif column.when is not None:
                value.when = column.when


# ---- tables whose columns are analytes: a header of names over dated rows ------------------------------------
#
#     Date      T.bil (umol/L)   Alb (g/L)   INR
#     12-Aug    22               34          1.2
#     25-Nov    58               27          1.8
#
# Each row is written out as its readings, each with its analyte, the header's unit and the row's date
# ("T.bil (umol/L) 58 (25-Nov), Alb (g/L) 27 (25-Nov), INR 1.8 (25-Nov)"), so the value reader binds every number
# to its column's analyte and the dated readings are ordered like any others.

_UNIT_CELL = re.compile(r"^(?P<name>.*?)\s*(?:\((?P<unit>[^()]*)\))?\s*$")


@lru_cache(maxsize=2)
def _analyte_names(vocab: Vocabulary) -> frozenset[str]:
    return frozenset(n.lstrip("=").lower() for a in vocab.analytes.values() for n in a.names)


def _analyte_cell(cell: str, vocab: Vocabulary) -> bool:
    """Whether a header cell is an analyte's name, with or without its unit in brackets ("T.bil (umol/L)")."""
    found = _UNIT_CELL.match(cell.strip())
    return (found.group("name") if found else cell).strip().lower() in _analyte_names(vocab)


def cells_of(line: str) -> list[str]:
    """A row's cells: between pipes, empty cells kept ("| ECOG | | 1 |"); else apart by two spaces or a tab."""
    if "|" in line:
        return [c.strip() for c in line.strip().strip("|").split("|")]
    return [c.strip() for c in CELLS.split(line.strip()) if c.strip()]


MAX_CELL_WORDS = 3  # a reading in a cell is a value, a class ("B8") or a few words ("moderate, tapped"), not a note


def analyte_columns(text: str, vocab: Vocabulary) -> str:
    """`text` with each dated row of a table whose header names two or more analytes written out as readings; the
    row's date is its cell holding only a date, in any column ("| C4 | 2026-05-11 | A6 | 1 | 980 |")."""
    lines = text.split("\n")
    header: list[str] | None = None
    named: list[int] = []  # the header's analyte columns; any other column ("Comment") is kept as words
    out: list[str] = []
    for line in lines:
        cells = cells_of(line)
        analytes = [k for k, c in enumerate(cells) if k and _analyte_cell(c, vocab)] if len(cells) >= 3 else []
        if len(analytes) >= 2 and not NUMBER.search(line):
            header, named = cells, analytes
            out.append(line)
            continue
        if header and not line.strip():
            header = None
        dated = [k for k, c in enumerate(cells) if k not in named and _DATE.fullmatch(c)] if header else []
        if (
            header
            and dated
            and len(cells) == len(header)
            and all(cells[k] and len(cells[k].split()) <= MAX_CELL_WORDS for k in named)
            and any(NUMBER.search(cells[k]) for k in named)
        ):
            date = cells[dated[0]]
            readings = [f"{header[k]} {cells[k]} ({date})" for k in named]
            rest = [
                f"{header[k]}: {cells[k]}" for k in range(len(cells)) if k not in named and k != dated[0] and cells[k]
            ]
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + ", ".join(readings) + "".join(f". {words}" for words in rest))
            continue
        out.append(line)
    return "\n".join(out)
