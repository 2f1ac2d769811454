"""Pasted records: where a row ends, in which order undated rows are listed, and a laboratory's reference range
after a result ("Bilirubin 24 umol/L (0 - 21) H"), which is not another reading.

The line-break decision (`runs_on`) is the one both readers use: the value reader here and ConText's
sentence splitter (context.py), so that they cannot disagree on where a row ends.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import CorpusError

if TYPE_CHECKING:
    from .values import Scan, Token

RULES_PATH = Path(__file__).resolve().parents[2] / "corpus" / "context_rules.yaml"


def rules_file(path: Path = RULES_PATH) -> dict[str, Any]:
    """The context rules file, parsed once per version of the file for every reader of it (ConText rules, value
    rules, reading orders, the words of differentials and lists). Read-only: callers copy what they change."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise CorpusError([f"{path}: cannot read the context rules: {exc}"]) from exc
    return _parsed_rules(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _parsed_rules(path: Path, _mtime_ns: int, _size: int) -> dict[str, Any]:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CorpusError([f"{path}: cannot read the context rules: {exc}"]) from exc


SENTENCE_END = {".", ";", "!", "?", "\n"}


def runs_on(text: str, brk: int, at: int) -> bool:
    """Whether the text after a line break continues the sentence: it starts in lower case, or it is a row of
    numbers (a date and a value) under a heading that ends with ":" ("AFP (ng/mL), newest first:")."""
    rest = text[at : at + 40].lstrip(" \t")
    if not rest:
        return False
    if rest[0].islower():
        return True
    if not rest[0].isdigit():
        return False
    start = brk
    while True:  # back over the rows of numbers already listed to the line that introduced them
        line_start = text.rfind("\n", 0, start) + 1
        line = text[line_start:start].strip()
        if line.endswith(":"):
            return True
        if not line or not line[0].isdigit() or line_start == 0:
            return False
        start = line_start - 1


# A line break always ends a sentence of a message (a pasted table's rows); a full stop only before a space or the end.
MESSAGE_SENTENCE_END = re.compile(r"[.;!?]+(?:\s|$)|\n+")


def message_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Where each sentence of a message starts and ends (the text between `MESSAGE_SENTENCE_END` marks, blank ones
    left out)."""
    spans, start = [], 0
    for end in MESSAGE_SENTENCE_END.finditer(text):
        spans.append((start, end.start()))
        start = end.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def message_sentences(text: str) -> list[str]:
    """The sentences of a message as plain strings, for rules that look within one sentence (scope decisions, the
    request to combine treatments)."""
    return [text[a:b] for a, b in message_sentence_spans(text)]


WRAPPED = re.compile(r"\n(?=[ \t]*[a-z])")
WRAP_SHARE = 0.6  # a line at least this share of the message's longest line may have been wrapped
WRAP_LEAST = 40  # characters: a shorter line is a row of its own ("sorafenib - never")


def unwrapped(text: str) -> str:
    """`text` with each line break inside a sentence written as a space, same length: the next line starts in lower
    case and the line before is as long as a wrapped line ("no transplant, no\nautoimmune disease" is one list, and
    the cue at the line's end still reaches the words that continue it). Short rows stay rows ("sorafenib - never\n
    lenvatinib - never")."""
    if "\n" not in text:
        return text
    longest = max(len(line.rstrip()) for line in text.split("\n"))
    least = max(WRAP_LEAST, WRAP_SHARE * longest)

    def join(match: re.Match[str]) -> str:
        line = text[text.rfind("\n", 0, match.start()) + 1 : match.start()].strip()
        return " " if len(line) >= least else "\n"

    return WRAPPED.sub(join, text)


@lru_cache(maxsize=4)
def reading_orders(path: Path = RULES_PATH) -> dict[str, re.Pattern[str]]:
    """The `reading_order` phrases of the context rules file, one pattern per order: how a writer says in which
    order undated readings of one analyte are listed ("newest first", "oldest to newest")."""
    out: dict[str, re.Pattern[str]] = {}
    for order, phrases in (rules_file(path).get("reading_order") or {}).items():
        alternatives = "|".join(re.escape(str(p).lower()).replace(r"\ ", r"\s+") for p in phrases)
        out[str(order)] = re.compile(rf"(?<![a-z])(?:{alternatives})(?![a-z])")
    return out


def order_said(text: str) -> str | None:
    """ "newest_first" or "oldest_first" when the message says so once, without saying both."""
    low = text.lower()
    said = {order for order, pattern in reading_orders().items() if pattern.search(low)}
    return said.pop() if len(said) == 1 else None


REFERENCE_WORDS = {"ref", "reference", "range", "normal", "nr", "rr", "uln", "lln", "up", "to", "upto", "norm"}
REFERENCE_MARKS = {"-", "–", "<", ">", "≤", "≥", "=", ":", ",", "/"}
FLAGS = {"H", "L", "HH", "LL", "*", "!", "A", "N"}  # a result's flag in a pasted panel (high, low, abnormal)
CELL = "|"  # a pasted table's cell border: between a label and its value ("| ECOG | 1 |"), a value and its unit


def after_reference_word(tokens: list[Token], i: int) -> bool:
    """ "ref 0-21", "normal range: 0-7": the number at i follows a reference word."""
    j = i - 1
    while j >= 0 and tokens[j].text in REFERENCE_MARKS:
        j -= 1
    return j >= 0 and tokens[j].text.lower() in REFERENCE_WORDS


def just_read(scan: Scan, i: int) -> bool:
    """Whether a value was read on this row right before token i, with at most its unit, a flag and a comparison
    sign between ("24 umol/L (0 - 21)", "486.0  H  ng/mL  <8.1")."""
    tokens = scan.tokens
    unit_words = scan.tables["unit_words"]
    j = i - 1
    cells = labelled = False  # a table's cell border passed, and a unit or flag (a lab export's row: "31|umol/L|H|<21")
    while j >= scan.lo and (
        tokens[j].text in REFERENCE_MARKS
        or tokens[j].text in FLAGS
        or tokens[j].text.lower() in unit_words
        or tokens[j].text == CELL
    ):
        cells = cells or tokens[j].text == CELL
        labelled = labelled or tokens[j].text in FLAGS or tokens[j].text.lower() in unit_words
        j -= 1
    if cells and not labelled:
        return False  # "| 1200 | <8 |": the next column's reading, not the lab's limit
    ends = {tokens[k].end for k in range(max(j, scan.lo), i)}
    return j >= scan.lo and any(v.end in ends for vs in scan.found.values() for v in vs)


BRACKETS = {"(": ")", "[": "]"}  # a reference range written in either


def reference_range(scan: Scan, i: int) -> int:
    """After a value just read, a parenthesis or bracket of numbers and reference words ("(0 - 21)",
    "(ref < 10)", "[3-21]") is the laboratory's reference range, not another reading: returns the index after
    it, else 0."""
    tokens = scan.tokens
    closer = BRACKETS.get(tokens[i].text)
    if closer is None or not just_read(scan, i):
        return 0
    j = i + 1
    numbers = 0
    while j < len(tokens) and tokens[j].text != closer:
        tok = tokens[j]
        if tok.text in SENTENCE_END and tok.text != ".":
            return 0
        if tok.kind == "num":
            numbers += 1
        elif not (tok.text in REFERENCE_MARKS or tok.text.lower() in REFERENCE_WORDS):
            return 0
        j += 1
    return j + 1 if numbers and j < len(tokens) else 0
