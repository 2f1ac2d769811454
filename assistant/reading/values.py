"""Numbers bound to the analyte written with them: units, trends, corrections, ranges, ambiguity.

The text is cut into tokens (words, numbers with their units, punctuation). Walking a sentence,
the most recent analyte name (from the vocabulary, including analytes that are not patient facts
such as ferritin) owns the numbers that follow it, within its reach; a number whose unit names an
analyte ("74 kg") belongs to that analyte. When one analyte gets several values in a message, the
value rules (corpus/context_rules.yaml) decide: a rejected value ("not 2.9") is dropped, a current
one ("now 180") wins, an earlier one ("last year", "from 900") gives way. Nothing is guessed: a range,
a number with an ambiguous unit or two current values are reported as unread, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as default
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..calculators import child_pugh_class
from .columns import apply_columns
from .dates import DATE, DATE_SLOT, date_near, latest, orient, pair_is_date, when
from .rows import (
    CELL,
    FLAGS,
    RULES_PATH,
    SENTENCE_END,
    after_reference_word,
    just_read,
    order_said,
    reference_range,
    rules_file,
    runs_on,
)
from .vocabulary import Analyte, Normalised, Vocabulary, exact_case

REACH = 8  # words between an analyte's name and its value
LETTER_ONLY = "letter-only:"  # marks names that count only when a class letter follows ("Child A6")
WINDOW = 8  # tokens either side of a value searched for the cues of the value rules
MAX_TOKEN = 40  # longer runs of letters or digits are not words or numbers anyone writes

# The ways a number is written (the dose check of `asking.scope` reads doses and weights with some of them)
THOUSANDS_COMMA = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 2,600 / 12,000.5
THOUSANDS_SPACE = r"\d{1,3}(?: \d{3})+(?![\d.,])"  # 12 000
DECIMAL_COMMA = r"\d{1,3},\d{1,2}(?!\d|,\d)"  # 3,4 / 1,15: a decimal comma (a thousands comma has 3 digits)
DECIMAL_POINT = r"\d+(?:\.\d+)?"  # 12 / 1.9 / 12.000
NUMBER = (
    rf"(?P<num>{THOUSANDS_COMMA}|{THOUSANDS_SPACE}|(?P<dcomma>{DECIMAL_COMMA})|{DECIMAL_POINT})"
    r"(?P<sci>\s*(?:x|×|\*)\s*10\s*\^?\s*(?P<exp>\d{1,2})|e(?P<exp2>\d{1,2})(?![a-z\d]))?"
    r"(?P<k>k(?![a-z]))?"
    r"(?P<glued>e\d{3,}|[eE][+-]\d+)?"  # "1e400", "5E-3": scientific notation this reader does not take
)
# A line break is a token: in a pasted lab panel or letter it ends a row, as a full stop ends a sentence.
TOKEN = re.compile(
    DATE + "|" + NUMBER + r"|(?P<word>[^\W\d_]+(?:'[a-z]+)?)|(?P<leader>\.{3,}|…+)|(?P<punct>->|→|[^\w\s]|\n)", re.I
)
WORD_LIMIT = re.compile(rf"[^\W\d_]{{{MAX_TOKEN},}}|\d{{{MAX_TOKEN},}}")
LETTERS = {"a", "b", "c"}
STAGES = {"0", "a", "b", "c", "d"}
FILLER = set("class score grade stage is of was now at = : - ( ) ~ ≈ approx approximately about around".split())
FILLER |= {"level", "value", "status", "still"}
QUOTES = set("'\"‘’“”")


def number_value(raw: str, decimal_comma: bool | None = None) -> float:
    """The value of a number written in one of the ways above ("2,600" -> 2600, "72,4" -> 72.4, "12 000" -> 12000);
    `decimal_comma` when the caller's match already says whether the comma is a decimal one."""
    if decimal_comma is None:
        decimal_comma = re.fullmatch(DECIMAL_COMMA, raw) is not None
    return float(raw.replace(",", "." if decimal_comma else "").replace(" ", ""))


@dataclass
class Token:
    """One word, number or punctuation mark, with its place in the normalised text."""

    kind: str  # "word", "num", "punct"
    text: str
    start: int
    end: int
    value: float | None = None
    raw: str = ""
    dot3: bool = False  # written like "12.000": a decimal or a thousands separator?
    dcomma: bool = False  # written with a decimal comma ("2,9")
    when: tuple[int, int, int] | None = None  # a date token's (year or 0, month, day), for ordering


@dataclass
class Value:
    """A value read for one analyte, with the words it came from."""

    analyte: str
    field: str
    value: Any
    text: str
    start: int
    end: int
    cues: set[str] = default(default_factory=set)
    unit: str = ""
    when: tuple[int, int, int] | None = None  # the date written next to the value


@dataclass
class ValueReading:
    """What the numbers of one message say."""

    values: list[Value] = default(default_factory=list)  # the one chosen per field
    unread: list[str] = default(default_factory=list)  # seen but not bound, with the reason
    corrected: set[str] = default(default_factory=set)  # fields whose earlier value the message corrects
    pending: list[dict[str, Any]] = default(default_factory=list)  # numbers waiting for their unit
    problems: list[str] = default(default_factory=list)  # impossible values
    units_corrected: list[tuple[str, str]] = default(default_factory=list)  # ("iu/ml", "ng/ml"): meant, rejected
    # values said of someone else, not read: (start char, words) ("REACH-2 took patients with AFP >= 400")
    elsewhere: list[tuple[int, str]] = default(default_factory=list)
    # readings of a field that a later dated or current one replaced: (field, start char, words)
    superseded: list[tuple[str, int, str]] = default(default_factory=list)


@lru_cache(maxsize=4)
def value_rules(path: Path = RULES_PATH) -> list[dict[str, Any]]:
    """The `value_rules` of the context rules file, a `<class>` in a literal expanded to each word of
    that class of `value_word_classes` ("in <month>": "in january", "in jan", ...; a class written
    "1990..2039" is that range of whole numbers)."""
    raw = rules_file(path)
    classes: dict[str, list[str]] = {}
    for name, words in (raw.get("value_word_classes") or {}).items():
        if isinstance(words, str) and ".." in words:
            lo, hi = (int(x) for x in words.split(".."))
            classes[name] = [str(n) for n in range(lo, hi + 1)]
        else:
            classes[name] = [str(w) for w in words]
    rules: list[dict[str, Any]] = []
    for rule in raw.get("value_rules") or []:
        literals = [str(rule["literal"])]
        for name, words in classes.items():
            slot = f"<{name}>"
            literals = (
                [lit.replace(slot, w, 1) for lit in literals for w in words]
                if any(slot in lit for lit in literals)
                else literals
            )
        rules += [{**rule, "literal": lit} for lit in literals]
    return rules


def tokenize(text: str) -> list[Token]:
    """Tokens of `text` (already normalised); over-long runs are skipped, not parsed."""
    tokens: list[Token] = []
    numeric: list[tuple[int, int, int, int]] = []  # (token index, first part, second part, year or 0)
    for match in TOKEN.finditer(text):
        if match.group("pa") and not pair_is_date(match, tokens[-1].text if tokens else None):
            first, second = match.group("pa"), match.group("pb")  # "grade 1/2": two numbers, not a date
            tokens.append(Token("num", first, match.start("pa"), match.end("pa"), float(first), first))
            tokens.append(Token("punct", "/", match.end("pa"), match.end("pa") + 1))
            tokens.append(Token("num", second, match.start("pb"), match.end("pb"), float(second), second))
            continue
        if match.group("date"):
            if match.group("pa") or match.group("na"):
                year = int(match.group("ny") or 0)
                numeric.append(
                    (
                        len(tokens),
                        int(match.group("pa") or match.group("na")),
                        int(match.group("pb") or match.group("nb")),
                        year + 2000 if 0 < year < 100 else year,
                    )
                )
            tokens.append(Token("date", match.group(0), match.start(), match.end(), when=when(match)))
            continue
        if match.group("num"):
            raw = match.group("num")
            if WORD_LIMIT.search(raw):
                continue
            number = number_value(raw, decimal_comma=bool(match.group("dcomma")))
            exp = match.group("exp") or match.group("exp2")
            if exp:
                number *= 10 ** int(exp)
            if match.group("k"):
                number *= 1000
            dot3 = bool(re.fullmatch(r"\d{1,3}\.\d{3}", raw)) and not exp and not match.group("k")
            kind = "garbled" if match.group("glued") else "num"
            tokens.append(
                Token(kind, match.group(0), match.start(), match.end(), number, raw, dot3, bool(match.group("dcomma")))
            )
        elif match.group("word"):
            word = match.group("word")
            if len(word) >= MAX_TOKEN:
                continue
            tokens.append(Token("word", word, match.start(), match.end()))
        elif match.group("leader"):  # a leader of dots between a label and its value ("AFP (ng/mL) ...... 18")
            tokens.append(Token("punct", ":", match.start(), match.end()))
        elif match.group(0) == "\n" and runs_on(text, match.start(), match.end()):
            continue  # a hard-wrapped sentence ("No invasion of the\nportal trunk") goes on after the break
        else:
            tokens.append(Token("punct", match.group(0), match.start(), match.end()))
    for k, stamp in orient(numeric).items():
        tokens[k].when = stamp
    return tokens


def _phrases(entries: list[str]) -> list[tuple[list[str], bool]]:
    """Phrases as token lists (lower-cased unless exact-case), longest first."""
    out = []
    for entry in entries:
        text, exact = exact_case(entry)
        words = [t.text if exact else t.text.lower() for t in tokenize(text)]
        if words:
            out.append((words, exact))
    return sorted(out, key=lambda p: len(p[0]), reverse=True)


@lru_cache(maxsize=4)
def _tables(vocab: Vocabulary) -> dict[str, Any]:
    names: list[tuple[list[str], bool, str]] = []
    for key, analyte in vocab.analytes.items():
        names += [(words, exact, key) for words, exact in _phrases(analyte.names)]
        names += [(words, exact, LETTER_ONLY + key) for words, exact in _phrases(list(analyte.names_with_letter_only))]
    names += [(words, exact, "") for words, exact in _phrases(vocab.other_analytes)]
    names += [(words, exact, IDENTIFIER) for words, exact in _phrases(list(vocab.identifiers))]
    by_first = _by_first_name(names)
    units: dict[str, tuple[str, float]] = {}  # unit text -> (analyte key or "", factor)
    for key, analyte in vocab.analytes.items():
        for unit, factor in analyte.units.items():
            units.setdefault(unit, (key, factor))
    for unit in vocab.foreign_units:
        units.setdefault(unit, ("", 1.0))
    unit_phrases = sorted(((u, [t.text.lower() for t in tokenize(u)]) for u in units), key=lambda u: -len(u[1]))
    grouped: dict[str, list[tuple[str, list[str], dict[str, Any]]]] = {}
    for rule in value_rules():
        literal = str(rule["literal"])
        words = [
            DATE_SLOT if part == DATE_SLOT else t.text.lower()
            for part in literal.lower().split()
            for t in ([Token("word", part, 0, 0)] if part == DATE_SLOT else tokenize(part))
        ]
        grouped.setdefault(words[0], []).append((rule["category"], words, rule))
    # One-word cues of a current reading ("now", "latest") renew the reach of the analyte named before them.
    renewing = {r["literal"].lower() for r in value_rules() if r["category"] == "CURRENT" and " " not in r["literal"]}
    glued = frozenset(
        n.lower()
        for a in vocab.analytes.values()
        if a.kind == "child_pugh"
        for n in (*a.names, *a.names_with_letter_only)
        if n.isalpha()
    )
    alone = frozenset(n for a in vocab.analytes.values() if a.kind == "child_pugh" for n in a.glued_alone)
    capital = _by_first_name(
        [
            (words, exact, key)
            for key, a in vocab.analytes.items()
            for words, exact in _phrases(list(a.names_with_capital))
        ]
    )
    return {
        "names": by_first,
        "capital": capital,
        "units": units,
        # units by first word, longest first: only the units starting with the next word are tried
        "units_by_first": _by_first_word(unit_phrases),
        "rules": grouped,
        "renewing": renewing,
        "glued_class_names": glued,
        "glued_alone_names": alone,
        "unit_words": {w for unit in units for w in re.findall(r"[^\W\d_]+", unit)},
    }


def _by_first_name(
    names: list[tuple[list[str], bool, str]],
) -> dict[str, list[tuple[list[str], bool, str]]]:
    """Names looked up by their first word, longest first."""
    by_first: dict[str, list[tuple[list[str], bool, str]]] = {}
    for entry in sorted(names, key=lambda n: len(n[0]), reverse=True):
        by_first.setdefault(entry[0][0].lower(), []).append(entry)
    return by_first


def _by_first_word(phrases: list[tuple[str, list[str]]]) -> dict[str, list[tuple[str, list[str]]]]:
    grouped: dict[str, list[tuple[str, list[str]]]] = {}
    for unit, words in phrases:
        if words:
            grouped.setdefault(words[0], []).append((unit, words))
    return grouped


def _match_at(tokens: list[Token], i: int, words: list[str], exact: bool) -> bool:
    if i + len(words) > len(tokens):
        return False
    for k, w in enumerate(words):
        t = tokens[i + k]
        if w == DATE_SLOT and t.kind == "date":
            continue  # "in <date>": any date
        if (t.text if exact else t.text.lower()) != w:
            return False
        if k and tokens[i + k - 1].end != t.start and not tokens[i + k - 1].end < t.start:
            return False
    return True


def _class_of(value: float | None) -> str | None:
    """The Child-Pugh class of a whole score 5-15, else None."""
    if value is None or not float(value).is_integer() or not 5 <= value <= 15:
        return None
    return child_pugh_class(int(value))


def _bare_class(tokens: list[Token], i: int, vocab: Vocabulary) -> tuple[int, str] | None:
    """ "recalculated as A6": a class letter glued to a score of that class names the Child-Pugh analyte.

    Returns a zero-length name, so the letter itself is read as the value."""
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    letter = tokens[i].text
    if (
        len(letter) != 1
        or letter.upper() not in "ABC"
        or nxt is None
        or nxt.kind != "num"
        or nxt.start != tokens[i].end
    ):
        return None
    for key, analyte in vocab.analytes.items():
        if analyte.bare_class and nxt.value is not None and float(nxt.value).is_integer():
            score = int(nxt.value)
            if 5 <= score <= 15 and child_pugh_class(score) == letter.upper():
                return 0, key
    return None


IDENTIFIER = "#identifier"  # the key of an identifier's label in the name table


def _past_code(tokens: list[Token], j: int) -> int:
    """The index after an identifier's code: its number, past a ":", "#", "no" or "." before it; none: j."""
    k = j
    while k < len(tokens) and tokens[k].text.lower() in (":", "#", "no", ".", "number"):
        k += 1
    return k + 1 if k < len(tokens) and tokens[k].kind == "num" else j


def _name_at(
    tokens: list[Token], i: int, names: dict[str, list[tuple[list[str], bool, str]]]
) -> tuple[int, str] | None:
    for words, exact, key in names.get(tokens[i].text.lower(), ()):
        if _match_at(tokens, i, words, exact):
            return len(words), key
    return None


def _unit_after(tokens: list[Token], i: int, tables: dict[str, Any]) -> tuple[int, str]:
    """The unit written right after token i (number of tokens it takes, unit text)."""
    if i + 1 >= len(tokens):
        return 0, ""
    if (tokens[i + 1].text in FLAGS or tokens[i + 1].text == CELL) and i + 2 < len(tokens):
        # a panel's flag between the result and its unit ("AFP  352  H  IU/mL  <7"): the unit after the flag, tried
        # first, so that a low flag before its unit ("Albumin  34  L  g/L") is not read as litres; so is a table's cell
        # border ("| AFP | 310 | IU/mL |", "AFP|385|ug/L|H")
        length, unit = _unit_after(tokens, i + 1, tables)
        if unit:
            return length + 1, unit
    for unit, words in tables["units_by_first"].get(tokens[i + 1].text.lower(), ()):
        if _match_at(tokens, i + 1, words, False):
            return len(words), unit
    return 0, ""


def _cues(
    tokens: list[Token], i: int, rules: dict[str, list[tuple[str, list[str], dict[str, Any]]]], lo: int
) -> set[str]:
    """Value-rule categories whose scope covers token i (within the sentence starting at lo).

    `rules` are grouped by their first word, so only the cues written near token i are tried.
    """
    found: set[str] = set()
    for j in range(max(lo, i - WINDOW), min(len(tokens), i + WINDOW + 1)):
        if j == i:
            continue
        for category, words, rule in rules.get(tokens[j].text.lower(), ()):
            if not _match_at(tokens, j, words, False):
                continue
            scope = int(rule.get("max_scope") or 3)
            direction = rule.get("direction", "FORWARD")
            if j < i and direction in ("FORWARD", "BIDIRECTIONAL") and j + len(words) <= i:
                between = tokens[j + len(words) : i]
                # a cue reads forward to the first number after it ("today: ECOG 1 - walking 2 miles": the 1)
                if sum(1 for t in between if t.kind == "word") < scope and not any(t.kind == "num" for t in between):
                    found.add(category)
            if j > i and direction in ("BACKWARD", "BIDIRECTIONAL") and j <= i + scope + 1:
                if not any(t.text in SENTENCE_END for t in tokens[i + 1 : j]):
                    found.add(category)
    return found


def _negative(tokens: list[Token], i: int) -> bool:
    """A minus sign glued to the number and set off before it ("ECOG -1", "AFP of -5"), not a dash."""
    if i == 0 or tokens[i - 1].text != "-" or tokens[i - 1].end != tokens[i].start:
        return False
    return i < 2 or (tokens[i - 2].kind != "num" and tokens[i - 2].end < tokens[i - 1].start)


def _glued_code(tokens: list[Token], i: int) -> bool:
    """A number glued to letters that are not an analyte's name is part of a code (Vp4, T2, M1), and so is one
    hyphened onto a word ("REACH-2", "KEYNOTE-394", "PD-1"); the caller reads it when the word names the analyte
    ("afp2.4k", "bili-2.1")."""
    if i > 0 and tokens[i - 1].kind == "word" and tokens[i - 1].end == tokens[i].start:
        return True
    return (
        i > 1
        and tokens[i - 1].text == "-"
        and tokens[i - 2].kind == "word"
        and tokens[i - 2].end == tokens[i - 1].start
        and tokens[i - 1].end == tokens[i].start
    )


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _unitless(analyte: Analyte, number: float) -> tuple[str, float] | None:
    """The unit a bare number is read in, or None when it could be more than one."""
    for band in analyte.unitless:
        if band.get("min", float("-inf")) <= number <= band.get("max", float("inf")):
            unit = str(band.get("unit", ""))
            return unit, analyte.units.get(unit, 1.0)
    return None


YEAR = re.compile(r"(?:19|20)\d\d")


def _scale(tokens: list[Token], i: int, stop: int, analyte: Analyte, capital: bool = False) -> tuple[Any, int] | None:
    """The value after an ECOG / Child-Pugh / BCLC name at token i, and the token it ends on (`capital`: a
    Child-Pugh class letter only as a capital)."""
    j, skipped = i, 0
    while j < stop and skipped <= 3:
        t = tokens[j]
        low = t.text.lower()
        if analyte.kind == "child_pugh" and t.kind == "word" and low in LETTERS and (t.text.isupper() or not capital):
            score = None
            nxt = tokens[j + 1] if j + 1 < stop else None
            if nxt is not None and nxt.kind == "num" and nxt.start == t.end:
                score = nxt.value
            elif nxt is not None and nxt.kind == "num" and _class_of(nxt.value) == low.upper():
                score = nxt.value  # "CP-A 6": a score of the letter's class, one space apart
            elif j + 2 < stop and tokens[j + 1].text in "(-" and tokens[j + 2].kind == "num":
                score = tokens[j + 2].value
            if score is None:  # "Child-Pugh class B, score 9"
                for k in range(j + 1, min(stop, j + 8)):
                    if tokens[k].kind == "num":
                        if any(tokens[x].text.lower() in ("score", "points") for x in range(j + 1, k + 2) if x < stop):
                            return (low.upper(), tokens[k].value), k
                        break
                return (low.upper(), None), j
            return (low.upper(), score), j + (1 if tokens[j + 1].kind == "num" else 2)
        if analyte.kind == "stage" and low in STAGES and (t.kind == "word" or t.value == 0):
            return low.upper() if t.kind == "word" else "0", j
        if t.kind == "num" and YEAR.fullmatch(t.text) and j + 1 < stop and tokens[j + 1].text in ":,-":
            j += 2  # "Child-Pugh 2024: A5": a year labels the value after it; no score is in the thousands
            continue
        if t.kind == "num" and analyte.kind in ("scale", "child_pugh"):
            return (-(t.value or 0) if _negative(tokens, j) else t.value), j
        if low in FILLER or t.text in QUOTES or t.text in ",(" or t.text == CELL:
            j, skipped = j + 1, skipped + (t.kind == "word")
            continue
        return None
    return None


def _split_glued_class(tokens: list[Token], names: frozenset[str], alone: frozenset[str] = frozenset()) -> list[Token]:
    """ "CPA6", "CTPB7", "ChildB8": a one-word Child-Pugh name (of `names`) glued to the class letter and
    score is read as the name, the letter and the score; "CPA" (a name of `alone`) as the name and the letter."""
    out: list[Token] = []
    for n, t in enumerate(tokens):
        low = t.text.lower()
        nxt = tokens[n + 1] if n + 1 < len(tokens) else None
        scored = nxt is not None and nxt.kind == "num" and nxt.start == t.end
        if (
            t.kind == "word"
            and low[-1:] in LETTERS
            and ((low[:-1] in names and scored) or (low[:-1] in alone and not scored))
        ):
            cut = t.end - 1
            out += [Token("word", t.text[:-1], t.start, cut), Token("word", t.text[-1], cut, t.end)]
        else:
            out.append(t)
    return out


def _nobody(at: int) -> bool:
    return False


@dataclass
class Scan:
    """One message being read: its tokens, the vocabulary's tables, and what has been found so far."""

    norm: Normalised
    tokens: list[Token]
    vocab: Vocabulary
    tables: dict[str, Any]
    out: ValueReading
    found: dict[str, list[Value]] = default(default_factory=dict)
    lo: int = 0  # first token of the current sentence
    carried: bool = False  # the owner was named before a ";": only another reading of it is taken
    elsewhere: Callable[[int], bool] = _nobody  # whether the text at a character is about someone else
    sentence: int = 0  # sentences ended so far
    named: dict[str, int] = default(default_factory=dict)  # analyte -> the sentence it was last named in
    last_named: str | None = None  # the analyte (or "" for another measurement) named last
    heading: dict[str, str] = default(default_factory=dict)  # analyte -> unit written after its name ("AFP (IU/mL):")
    decimal_comma: bool = False  # the message writes decimals with a comma ("2,9 mg/dl"): "1.250" is a thousand
    # analyte -> (unit, sentence) of its last reading written with a unit: the unit of the series that sentence lists
    series_unit: dict[str, tuple[str, int]] = default(default_factory=dict)


def read_values(
    norm: Normalised,
    vocab: Vocabulary,
    hypothetical: Callable[[int], bool] | None = None,
    someone_else: Callable[[int], bool] | None = None,
) -> ValueReading:
    """Every analyte value in a message, chosen and converted, with what could not be read. A value
    where `someone_else(char)` holds ("REACH-2 only took patients with AFP of 400 ng/mL or more", "his
    brother's AFP") is not the patient's: it is neither read nor weighed against the patient's values."""
    tables = _tables(vocab)
    tokens = _split_glued_class(tokenize(norm.text), tables["glued_class_names"], tables["glued_alone_names"])
    out = ValueReading()
    scan = Scan(norm, tokens, vocab, tables, out, elsewhere=someone_else or _nobody)
    scan.decimal_comma = any(t.dcomma for t in tokens)
    found = scan.found
    owner: str | None = None  # analyte key ("" for one that is not a patient fact)
    owner_at = -1
    words_since = 0
    aside: list[tuple[str | None, int, int]] = []  # (owner, owner_at, words_since) where each open "(" was written
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.text in SENTENCE_END and not (
            tok.text == "." and i + 1 < len(tokens) and tokens[i + 1].start == tok.end
        ):
            # After ";" the analyte may still be spoken of, but only as another reading of it
            # ("bilirubin was 2.8 before the stent; the repeat today is 1.4").
            carried = owner if owner and (tok.text == ";" or _dated_row(tokens, i + 1)) else None
            owner, scan.lo, scan.carried, words_since = carried, i + 1, carried is not None, 0
            scan.sentence += 1
            i += 1
            continue
        after = reference_range(scan, i)
        if after:
            i = after  # "Bilirubin 24 umol/L (0 - 21) H", "AFP: 88 ng/mL (ref < 10)", "1840 ug/L [<10]"
            continue
        if tok.text == "(":
            aside.append((owner, owner_at, words_since))
        elif tok.text == ")" and aside:
            # an aside does not change what the sentence is about: "AFP trend (tolerated, full dose): Jan 1850 -> ...";
            # one that names it says what it is about ("his cancer blood test (the AFP one) came back at 540")
            before = aside.pop()
            if before[0] is not None:
                owner, owner_at, words_since = before
        lay = _name_at(tokens, i, tables["capital"]) if tok.kind == "word" else None
        if lay is not None:
            # "my liver is still A", "her liver is now 'class C'": a lay name of the class counts only with a
            # capital class letter after it (not "my liver is a mess"), and names nothing otherwise
            lay_analyte = vocab.analytes[lay[1]]
            got = _scale(tokens, i + lay[0], len(tokens), lay_analyte, capital=True)
            if got is not None and isinstance(got[0], tuple):
                _scale_value(scan, i, got[1], lay_analyte, got[0], date_near(tokens, i, got[1]))
                i = got[1] + 1
                continue
        hit = _name_at(tokens, i, tables["names"]) if tok.kind == "word" else None
        if hit is None and tok.kind == "word":
            hit = _bare_class(tokens, i, vocab)
        if hit and hit[1] == IDENTIFIER:
            i = _past_code(tokens, i + hit[0])  # "subject 0932": a code; the analyte named before keeps its reach
            continue
        if hit:
            length, key = hit
            letter_only = key.startswith(LETTER_ONLY)
            key = key.removeprefix(LETTER_ONLY)
            owner, owner_at, words_since, scan.carried = key, i, 0, False
            scan.named[key] = scan.sentence
            scan.last_named = key
            _heading_unit(scan, key, i + max(length, 1))
            analyte = vocab.analytes.get(key)
            if analyte and analyte.kind in ("scale", "child_pugh", "stage"):
                got = _scale(tokens, i + length, len(tokens), analyte)
                if got is not None and letter_only and not isinstance(got[0], tuple):
                    got = None  # "child 8 years old" is not a Child-Pugh score
                if got is not None:
                    value, end = got
                    _scale_value(scan, i, end, analyte, value, date_near(tokens, i, end))
                    # a table's row goes on with the readings of its other columns ("| ECOG | 1 | 1 | 2 |"), each a
                    # reading of its own that the columns' dates order; a cell holding more than a value ends it
                    while end + 2 < len(tokens) and tokens[end + 1].text == CELL:
                        more = _scale(tokens, end + 2, min(len(tokens), end + 4), analyte)
                        if more is None or (letter_only and not isinstance(more[0], tuple)):
                            break
                        if more[1] + 1 < len(tokens) and tokens[more[1] + 1].text not in (CELL, "\n"):
                            break  # "| ECOG | 1 | 3 weeks ago |": a cell of words, not another reading
                        value, end = more
                        _scale_value(scan, i, end, analyte, value, date_near(tokens, i, end))
                    ranged = (
                        end + 2 < len(tokens) and tokens[end + 1].text in ("-", "–") and tokens[end + 2].kind == "num"
                    )
                    i = end + (3 if ranged else 1)
                    continue
            i += max(length, 1)
            continue
        if tok.kind == "word":
            words_since += 1
            if tok.text.lower() in tables["renewing"] and owner is not None:
                words_since = 0  # "AFP peaked at 2,100 in August and the latest ... is 310": still the AFP
            if words_since > REACH:
                owner = None
        if tok.kind == "garbled":
            out.problems.append(f"'{tok.text}' is a number in a form I do not read; please write it out")
            i += 1
            continue
        if tok.kind == "num":
            if _glued_code(tokens, i) and not (owner and words_since == 0):  # "afp2.4k" is the AFP, "Vp4" a code
                i += 1
                continue
            count = sum(len(v) for v in found.values())
            i = _number(scan, i, owner, owner_at)
            if owner and sum(len(v) for v in found.values()) > count:
                words_since = 0  # "1.1 in June, 1.6 in August, 2.3 early October and 3.4 today": a list goes on
            continue
        i += 1
    supposed: dict[str, list[Value]] = {}
    if hypothetical is not None:
        # "Child-Pugh A6 ... if he were Child-Pugh B7": a supposed value is not another reading of the stated one.
        for key, values in found.items():
            if 0 < sum(hypothetical(v.start) for v in values) < len(values):
                supposed[key] = [v for v in values if hypothetical(v.start)]
                found[key] = [v for v in values if not hypothetical(v.start)]
    apply_columns(found, norm.text, vocab)  # a pasted table with dates over its columns
    scenario = ValueReading()
    order = order_said(norm.text)
    _choose(supposed, vocab, scenario, order)
    out.values += scenario.values
    out.unread += scenario.unread
    _choose(found, vocab, out, order)
    _share_from_volumes(out, vocab)
    if not out.values:
        out.units_corrected = _unit_corrections(norm.text, tokens, tables)
    return out


def _scale_value(
    scan: Scan, i: int, end: int, analyte: Analyte, value: Any, when: tuple[int, int, int] | None = None
) -> None:
    """Record an ECOG, Child-Pugh or BCLC value (ranges such as "ECOG 0-1" are asked about)."""
    norm, tokens, tables, lo, found, out = scan.norm, scan.tokens, scan.tables, scan.lo, scan.found, scan.out
    text = norm.span(tokens[i].start, tokens[end].end)
    if scan.elsewhere(tokens[i].start):
        out.elsewhere.append((tokens[i].start, text))
        return  # "IMbrave150 only enrolled Child-Pugh A, ECOG 0-1 patients": not this patient's
    nxt = end + 1
    alternative = nxt + 1 < len(tokens) and tokens[nxt].text.lower() in ("or", "/") and tokens[nxt + 1].kind == "num"
    if alternative:
        # "either Child-Pugh 6 or 7", "ECOG 1 or 2": two values offered, neither stated
        out.unread.append(f"{analyte.label} given as '{norm.span(tokens[i].start, tokens[nxt + 1].end)}': which value?")
        return
    if nxt + 1 < len(tokens) and tokens[nxt].text in ("-", "–") and tokens[nxt + 1].kind == "num":
        if analyte.kind == "scale":
            out.unread.append(
                f"{analyte.label} given as a range ('{norm.span(tokens[i].start, tokens[nxt + 1].end)}'): which value?"
            )
            return
    cues = _cues(tokens, end, tables["rules"], lo)
    if analyte.kind == "child_pugh":
        letter, score = value if isinstance(value, tuple) else (None, value)
        if score is not None and not float(score).is_integer():
            out.problems.append(f"Child-Pugh score {_fmt(score)} is not a whole number (allowed 5-15)")
            return
        score = int(score) if score is not None else None
        if score is not None and not 5 <= score <= 15:
            out.problems.append(f"Child-Pugh score {score} is outside the scale (allowed 5-15)")
            return
        if letter and score is not None and child_pugh_class(score) != letter:
            out.problems.append(
                f"Child-Pugh {letter}{score} is inconsistent: a score of {score} is class {child_pugh_class(score)}"
            )
            return
        found.setdefault("child_pugh", []).append(
            Value("child_pugh", analyte.field, (letter, score), text, tokens[i].start, tokens[end].end, cues, when=when)
        )
        return
    if analyte.kind == "scale" and value is not None:
        if not float(value).is_integer() or not 0 <= value <= 4:
            out.problems.append(f"{analyte.label} {_fmt(value)} is not a valid performance status (allowed 0-4)")
            return
        value = int(value)
    found.setdefault(analyte.key, []).append(
        Value(analyte.key, analyte.field, value, text, tokens[i].start, tokens[end].end, cues, when=when)
    )


def _number(scan: Scan, i: int, owner: str | None, owner_at: int) -> int:
    """Bind the number at token i; returns the index of the next token to read."""
    norm, tokens, vocab, tables, lo, found, out = (
        scan.norm, scan.tokens, scan.vocab, scan.tables, scan.lo, scan.found, scan.out
    )  # fmt: skip
    tok = tokens[i]
    if tok.value is not None and owner and scan.elsewhere(tok.start):
        named = norm.span(tokens[owner_at].start, tok.end) if 0 <= owner_at < i else tok.text
        out.elsewhere.append((tok.start, named))
    if tok.value is None or scan.elsewhere(tok.start):
        return i + 1  # not a number, or someone else's ("REACH-2 only took patients with AFP of 400 or more")
    length, unit = _unit_after(tokens, i, tables)
    negative = _negative(tokens, i)
    # A range: "350-450", "350 to 450 ng/mL" written with a dash, or "between 350 and 450".
    second = None
    if not length and i + 2 < len(tokens) and tokens[i + 1].text in ("-", "–") and tokens[i + 2].kind == "num":
        second = i + 2
        length, unit = _unit_after(tokens, second, tables)
    if unit == "%":
        return _percent(scan, i, end=i + length)
    if not unit and owner and owner in scan.heading:
        unit = scan.heading[owner]  # "AFP (IU/mL): 210 in June, 290 in Sept": the unit of the heading
    unit_owner, factor = tables["units"].get(unit, ("", 1.0)) if unit else (None, 1.0)
    key = owner
    owner_units = vocab.analytes[owner].units if owner else {}
    if unit and unit_owner and unit in vocab.analytes[unit_owner].units_name_it and unit not in owner_units:
        key = unit_owner  # "90 kg", "350 IU/mL": the unit names the analyte
    elif unit and unit_owner == "" and not (owner and unit in vocab.analytes.get(owner or "", _NONE).units):
        key = None  # "5 cm", "3 months": not an analyte value
    if (
        key is None
        and unit_owner
        and scan.last_named == unit_owner  # no other measurement named since ("...; ferritin came back at 400 ng/mL")
        and scan.sentence - scan.named.get(unit_owner, -9) in (0, 1)
    ):
        # "REACH-2 only took patients with AFP of 400 ng/mL or more. Ours is 220 ng/mL": a value with no
        # analyte name, in a unit only one analyte has, right after a sentence that named that analyte, is its;
        # so is one further on in the sentence that named it last ("Her AFP kept climbing through regorafenib
        # and, before that, through sorafenib: 150, then 600, now 2,400 ng/mL")
        key = unit_owner
    end = (second if second is not None else i) + length
    analyte = vocab.analytes.get(key or "")
    later_reading = bool(_cues(tokens, i, tables["rules"], lo) & {"CURRENT", "PAST", "REJECTED"})
    dated_reading = scan.carried and date_near(tokens, i, i) is not None
    if (
        analyte is not None
        and analyte.kind == "scale"
        and not unit
        and owner_at >= 0
        and (later_reading or dated_reading)
    ):
        # "ECOG was 1, now 2"; "ECOG in January: 0. June: 1": a later number in the same reach, or in a dated row of
        # the series, is another reading of the scale.
        first = owner_at if later_reading and not scan.carried else i
        if first == i and i >= 2 and tokens[i - 1].text == ":" and tokens[i - 2].kind == "date":
            first = i - 2  # "December: 2"
        _scale_value(scan, first, i, analyte, tok.value, date_near(tokens, i, i))
        return i + 1
    if analyte is None or analyte.kind not in ("number", "percent", "volume"):
        if key is None and unit and unit_owner and vocab.analytes[unit_owner].kind != "volume":
            label = vocab.analytes[unit_owner].label
            out.unread.append(
                f"'{norm.span(tok.start, tokens[end].end)}' is not written with an analyte name: is it the {label}?"
            )
        return end + 1
    said_from = tokens[owner_at].start if key == owner and owner_at >= 0 else tok.start  # the name, or the number
    text = norm.span(said_from, tokens[end].end)
    if negative:
        out.problems.append(f"{analyte.label} cannot be negative ('{text}')")
        return end + 1
    if i > 0 and tokens[i - 1].text in ("<", ">", "≤", "≥") and just_read(scan, i):
        return end + 1  # "AFP 486.0 H ng/mL <8.1": the reference limit after the result
    bound = {t.text.lower() for t in tokens[max(scan.lo, i - 2) : i]}
    if bound & (BELOW | ABOVE) and after_reference_word(tokens, i):
        bound = set()  # "AFP 20 (ref < 10)": the laboratory's limit, not a bound of the value
    below, above = bool(bound & BELOW), bool(bound & ABOVE)
    if below or above:
        # a bound is read as its number only when that errs the restrictive way ("bilirubin <1.2": at most 1.2;
        # "AFP > 1000": at least 1000); "AFP <400" read as 400 had crossed the ramucirumab threshold
        errs_safe = (below and analyte.restrictive == "higher") or (above and analyte.restrictive == "lower")
        if not errs_safe:
            out.unread.append(f"{analyte.label} given as a bound ('{text}'): the value itself is needed")
            return end + 1
    if second is not None:
        if not just_read(scan, i) and not after_reference_word(tokens, i):
            out.unread.append(f"{analyte.label} given as a range ('{text}'): which value is current?")
        return end + 1  # after a value just read, or after "ref"/"normal": the reference range
    if analyte.kind == "percent":
        return end + 1
    number = tok.value
    if tok.dot3 and analyte.thousands_dot == "ask" and scan.decimal_comma:
        # a message that writes its decimals with a comma ("Bili 2,9 mg/dl ... AFP 1.250 ng/ml") writes thousands
        # with a dot
        number = float(tok.raw.replace(".", ""))
    elif tok.dot3 and analyte.thousands_dot == "ask":
        out.unread.append(
            f"{analyte.label} written '{tok.raw}': is that {tok.raw.replace('.', ',')} or {tok.raw.split('.')[0]}?"
        )
        return end + 1
    if (
        not unit
        and key == owner
        and scan.series_unit.get(analyte.key, ("", -1))[1] == scan.sentence
        and _unitless(analyte, number or 0.0) is None
    ):
        # "bilirubin was 32 micromoles per litre on the first of October, 41 on the third of November, and today
        # it is 23": the unit given once is the series' (a number its own bands read, "41 umol/L ... 3.2 today",
        # keeps that reading)
        unit = scan.series_unit[analyte.key][0]
    elif unit:
        scan.series_unit[analyte.key] = (unit, scan.sentence)
    if unit:
        if unit not in analyte.units:
            out.unread.append(f"{analyte.label} '{text}': the unit {unit} is not one I can convert")
            return end + 1
        factor = analyte.units[unit]
        smaller = analyte.then_units.get(unit)
        then = tokens[end + 1].value if smaller and end + 1 < len(tokens) and tokens[end + 1].kind == "num" else None
        if smaller and number is not None and then is not None:
            # "9 stone 6", "9 stone 6 lb": the number after the larger unit is in the smaller one
            number, factor = number * factor + then * analyte.units[smaller], 1.0
            extra, after = _unit_after(tokens, end + 1, tables)
            end += 1 + (extra if after == smaller or analyte.units.get(after) == analyte.units[smaller] else 0)
            text = norm.span(said_from, tokens[end].end)
    else:
        resolved = _unitless(analyte, number)
        if resolved is None and not analyte.field and "volum" not in text.lower():
            # a volume is named as one ("tumour volume 1620": its unit is asked); a bare number after "tumour" is a
            # size, a count or a slide's number ("TUMOUR BOARD - slide 3"), not a volume
            return end + 1
        if resolved is None:
            by_factor: dict[float, str] = {}
            for name, size in analyte.units.items():
                by_factor.setdefault(size, name)
            units = " or ".join(by_factor.values()) or "its unit"
            out.unread.append(f"{analyte.label} '{text}' has no unit: is it {units}?")
            out.pending.append({"analyte": analyte.key, "field": analyte.field, "number": number, "text": text})
            return end + 1
        unit, factor = resolved
    cues = _cues(tokens, i, tables["rules"], lo)
    if above:
        cues = cues | {"AT_LEAST"}
    elif below:
        cues = cues | {"AT_MOST"}
    dated = date_near(tokens, i, end)
    if scan.carried and key == owner and not cues & {"CURRENT", "PAST", "REJECTED"} and dated is None:
        return end + 1
    found.setdefault(analyte.key, []).append(
        Value(
            analyte.key, analyte.field, round(number * factor, 4), text, tok.start, tokens[end].end, cues, unit, dated
        )
    )
    return end + 1


ROW_TIME_WORDS = {"now", "today", "currently", "current", "latest", "most", "recent", "recently", "this", "week", ","}


def _dated_row(tokens: list[Token], j: int) -> bool:
    """Whether the sentence at tokens[j] opens as a dated row of a series: a date or time ("June", "Now, December")
    then ":" and a number ("ECOG in January: 0. June: 1. Now, December: 2")."""
    dated = False
    for k in range(j, min(j + 5, len(tokens) - 1)):
        if tokens[k].text == ":":
            return dated and tokens[k + 1].kind == "num"
        if tokens[k].kind == "date" or tokens[k].text.lower() in {"now", "today", "currently"}:
            dated = True
        elif tokens[k].text.lower() not in ROW_TIME_WORDS:
            return False
    return False


def _heading_unit(scan: Scan, key: str, at: int) -> None:
    """A unit of the analyte written after its name, before any number, in the same sentence ("AFP (IU/mL): 210",
    "AFP, our lab reports IU/mL: May 180, Aug 290"): the unit of the numbers that follow without one."""
    tokens, analyte = scan.tokens, scan.vocab.analytes.get(key)
    scan.heading.pop(key, None)
    if analyte is None or analyte.kind != "number":
        return
    for j in range(at, min(at + 8, len(tokens))):
        if tokens[j].kind == "num" or tokens[j].text in SENTENCE_END:
            return
        _, unit = _unit_after(tokens, j - 1, scan.tables)
        if unit and unit in analyte.units:
            scan.heading[key] = unit
            return


_NONE = Analyte(key="", field="", label="", names=[])
BELOW = {"<", "≤", "under", "below", "less", "lower"}
NEGATING = {"no", "not", "nor", "neither", "without", "never"}
ABOVE = {">", "≥", "over", "above", "more", "greater", "exceeding"}


def _percent(scan: Scan, i: int, end: int) -> int:
    """ "Tumour replaces ~60% of the liver": a share of the liver, compared with the analyte's threshold."""
    norm, tokens, vocab, found, lo = scan.norm, scan.tokens, scan.vocab, scan.found, scan.lo
    analyte = next((a for a in vocab.analytes.values() if a.kind == "percent"), None)
    if analyte is None or analyte.threshold is None:
        return end + 1
    # one of the analyte's names within six words of the number, in its own sentence ("replaces ~60% of the hepatic
    # parenchyma", "burden ~15%"; not "lung shunt fraction 24%" beside a sentence about the liver)
    first, last = max(lo, i - 6), min(len(tokens), end + 6)
    for k in range(i - 1, first - 1, -1):
        if tokens[k].text in SENTENCE_END:
            first = k + 1
            break
    for k in range(end + 1, last):
        if tokens[k].text in SENTENCE_END:
            last = k
            break
    near = " " + " ".join(t.text.lower() for t in tokens[first:last]) + " "
    if not any(f" {name} " in near for name in analyte.names):
        return end + 1
    before = {t.text.lower() for t in tokens[max(lo, i - 4) : i]}
    number = tokens[i].value or 0.0
    if before & BELOW:
        value = False if number <= analyte.threshold else None
    elif before & ABOVE or (i > 0 and tokens[i - 1].text == "="):
        value = True if number >= analyte.threshold else None
    else:
        value = number >= analyte.threshold
    j = i - 1
    while j >= lo and tokens[j].kind != "word" and tokens[j].text in (">", "<", "=", "≥", "≤", "~"):
        j -= 1  # "nor >=50%": only signs between the negation and the number
    if value is not None and j >= lo and tokens[j].text.lower() in NEGATING:
        value = not value  # "neither main portal vein invasion nor >=50% liver involvement"
    if value is not None:
        text = norm.span(tokens[max(lo, i - 2)].start, tokens[min(len(tokens) - 1, end + 3)].end)
        found.setdefault(analyte.key, []).append(
            Value(analyte.key, analyte.field, value, text, tokens[i].start, tokens[end].end)
        )
    return end + 1


def unit_for_pending(pending: list[dict[str, Any]], norm: Normalised, vocab: Vocabulary) -> list[Value]:
    """ "that's umol/L" after "bili 12": the unit a message names for a number waiting for it."""
    tables = _tables(vocab)
    tokens = tokenize(norm.text)
    named = set()
    for i in range(-1, len(tokens) - 1):
        length, unit = _unit_after(tokens, i, tables)
        if length:
            named.add(unit)
    out = []
    for item in pending:
        analyte = vocab.analytes[item["analyte"]]
        units = [u for u in named if u in analyte.units]
        if len(units) == 1:
            value = round(item["number"] * analyte.units[units[0]], 4)
            out.append(Value(analyte.key, analyte.field, value, f"{item['text']} {units[0]}", 0, 0, set(), units[0]))
    return out


def _unit_corrections(text: str, tokens: list[Token], tables: dict[str, Any]) -> list[tuple[str, str]]:
    """ "that was IU/mL, not ng/mL": (unit meant, unit rejected) pairs of a message that gives no number;
    a unit is rejected by the value rules' REJECTED cues written before it."""
    low = text.lower()
    if sum(1 for unit in tables["units"] if unit in low) < 2:
        return []  # two different units must be written (cheap: most messages have none)
    if any(t.kind == "num" for t in tokens):
        return []
    meant: list[str] = []
    rejected: list[str] = []
    lo = 0
    for i in range(-1, len(tokens) - 1):
        if i >= 0 and tokens[i].text in SENTENCE_END:
            lo = i + 1
        length, unit = _unit_after(tokens, i, tables)
        if not length:
            continue
        cues = _cues(tokens, i + 1, tables["rules"], lo)
        (rejected if "REJECTED" in cues else meant).append(unit)
    return [(a, b) for a in meant for b in rejected if a != b]


def _fuller(values: list[Value]) -> list[Value]:
    """Readings of Child-Pugh that say the same with more or less ("Child-Pugh A" and "Child-Pugh A5"): the
    fullest one; readings that differ are left to be chosen between."""
    if len(values) < 2 or not all(isinstance(v.value, tuple) for v in values):
        return values
    letters = {v.value[0] for v in values if v.value[0]}
    scores = {v.value[1] for v in values if v.value[1] is not None}
    if len(letters) > 1 or len(scores) > 1:
        return values
    return [max(values, key=lambda v: (v.value[1] is not None, v.value[0] is not None))]


def _share_from_volumes(out: ValueReading, vocab: Vocabulary) -> None:
    """Volumes are not facts of their own: a tumour volume with the liver's volume ("summed tumour volume 1,390 mL;
    total liver volume 2,480 mL") gives the share of the liver, compared with its threshold; one alone is said."""
    volumes = [v for v in out.values if vocab.analytes[v.analyte].share]
    if not volumes:
        return
    out.values = [v for v in out.values if v not in volumes]
    part = [v for v in volumes if vocab.analytes[v.analyte].share == "part"]
    whole = [v for v in volumes if vocab.analytes[v.analyte].share == "whole"]
    share = next((a for a in vocab.analytes.values() if a.kind == "percent"), None)
    if len(part) != 1 or len(whole) != 1 or not whole[0].value or share is None or share.threshold is None:
        for v in volumes:
            out.unread.append(f"'{v.text}': a volume alone, without the other, does not give the share of the liver")
        return
    if any(v.analyte == share.key for v in out.values):
        return  # the share is written as a percentage too: that one is read
    percent = 100 * part[0].value / whole[0].value
    if percent > 100:
        out.unread.append(f"'{part[0].text}' is more than '{whole[0].text}': not a share of the liver")
        return
    first, second = sorted((part[0], whole[0]), key=lambda v: v.start)
    text = f"{first.text} ... {second.text} ({percent:.0f}% of the liver)"
    out.values.append(
        Value(share.key, share.field, percent >= share.threshold, text, first.start, second.end, unit="%")
    )


def _choose(found: dict[str, list[Value]], vocab: Vocabulary, out: ValueReading, order: str | None = None) -> None:
    """One value per analyte: rejected values dropped, the current one kept, conflicts asked about. Undated
    readings listed in an order the message states ("newest first") give the newest."""
    for key, values in found.items():
        label = vocab.analytes[key].label
        # an amount of change ("weight loss (9 kg over 4 months)") is not a value, unless put in force ("down to 59")
        values = [v for v in values if "CHANGE" not in v.cues or "CURRENT" in v.cues]
        kept = [v for v in values if "REJECTED" not in v.cues]
        if len(kept) < len(values):
            out.corrected.add(vocab.analytes[key].field)
        exact = [v.value for v in kept if not v.cues & {"AT_LEAST", "AT_MOST"}]
        # a bound an exact reading keeps to is not another reading ("AFP 2,300 ng/mL ... declined: AFP > 1000")
        kept = [
            v
            for v in kept
            if not exact
            or not (
                ("AT_LEAST" in v.cues and all(x >= v.value for x in exact))
                or ("AT_MOST" in v.cues and all(x <= v.value for x in exact))
            )
        ]
        if not kept:
            continue
        current = [v for v in kept if "CURRENT" in v.cues]
        if current:
            chosen = current[-1]
            out.superseded += [(v.field, v.start, v.text) for v in kept if v is not chosen]
        else:
            present = [v for v in kept if "PAST" not in v.cues] or kept[-1:]
            present = _fuller(present)
            distinct = {str(v.value) for v in present}
            newest = latest(present) if len(distinct) > 1 else None
            if newest is None and len(distinct) > 1 and order and all(v.when is None for v in present):
                newest = present[0] if order == "newest_first" else present[-1]
            if newest is not None:
                out.values.append(newest)  # dated readings, or listed in a stated order: the latest is current
                out.superseded += [(v.field, v.start, v.text) for v in kept if v is not newest]
                continue
            if len(distinct) > 1:
                # Not guessed, and not a reason to drop the rest of the message: this one value is asked for.
                shown = " and ".join(f"'{v.text}'" for v in present)
                out.unread.append(f"{label} is given as {shown}: which value is current?")
                continue
            chosen = present[-1]
        out.values.append(chosen)
