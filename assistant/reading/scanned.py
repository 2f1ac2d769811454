"""A faxed or scanned note, its text made by character recognition: digits and letters it confuses, read as meant.

A text recogniser confuses 0 with O and 1 with l or I ("bi0psy", "lenvat1nib", "AFP 4l2", "05/ll/26", "PS l"). A
note is taken as scanned when its first lines say so (`scanned.labels`: "FAX RECEIVED") or when at least
`scanned.min_repairs` of its words mix letters with 0 or 1 and read as a vocabulary or English word with the letters
meant ("1ung", "cyc1es"). In a scanned note:

- a word of letters with a 0 or 1 among them is read with the letter that makes a word ("bi0psy" -> "biopsy",
  "lenvat1nib" -> "lenvatinib", "0GD" -> "OGD"); a word that is a word as written ("T10", "PD-1", "A1c") is kept, and
  one that makes no word is kept unless letters outnumber its digits two to one;
- a number with l, I or O among its digits is read with the digits ("4l2" -> "412", "l4/03/l956"), as is a part of a
  date between slashes ("05/ll/26");
- a lone "l" is 1 ("PS l", "x l0 cycles"), and a lower-case l among capitals an I when that makes a word ("lNR");
- two pieces of letters a space apart are one word when one of them is no word and together they are ("cirrh osis").

Nothing else changes: a note that is not scanned is returned as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import product
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .vocabulary import Vocabulary

WORD = re.compile(r"(?<![\w])[A-Za-z0-9]+(?![\w])")
LABEL_CHARS = 300  # a scanned note says so in its first lines (a fax header)
LETTERS_FOR = {"0": "o", "1": "li"}  # the letters a recogniser reads as these digits, likelier first
DIGITS_FOR = {"l": "1", "I": "1", "O": "0", "o": "0"}
DATE_PART = re.compile(r"(?<=/)[lIO0-9]{1,2}(?=/)|(?<=\d/)[lIO0-9]{2,4}(?![\w/])|(?<![\w/])[lIO0-9]{1,2}(?=/\d)")


def _cased(word: str, letters: str) -> str:
    """`letters` in the case of `word` (all capitals stay capitals: "0NC0LOGY" -> "ONCOLOGY")."""
    alpha = [c for c in word if c.isalpha()]
    return letters.upper() if alpha and all(c.isupper() for c in alpha) else letters


def as_letters(word: str, is_word: Callable[[str], bool]) -> tuple[str, bool] | None:
    """`word` read with letters for its 0s and 1s, and whether the result is a known word; None if it has no such
    digit, another digit, or no letters."""
    digits = [c for c in word if c.isdigit()]
    letters = sum(c.isalpha() for c in word)
    if not digits or set(digits) - set(LETTERS_FOR) or not letters or is_word(word.lower()):
        return None
    choices = [LETTERS_FOR[c] if c in LETTERS_FOR else c for c in word]
    for combination in product(*choices):
        candidate = "".join(combination)
        if is_word(candidate.lower()):
            return _cased(word, candidate), True
    if letters < 2 * len(digits):
        return None
    return _cased(word, "".join(c[0] for c in choices)), False


def as_capitals(word: str, is_word: Callable[[str], bool]) -> str | None:
    """A word of capitals with a lower-case l among them read with I ("lNR", "CARClNOMA") when that is a word."""
    others = [c for c in word if c.isalpha() and c != "l"]
    if "l" not in word or not others or not all(c.isupper() for c in others) or not word.isalpha():
        return None
    candidate = word.replace("l", "I")
    return candidate if is_word(candidate.lower()) and not is_word(word.lower()) else None


def joined(first: str, second: str, is_word: Callable[[str], bool]) -> bool:
    """Whether two pieces of letters a space apart are one word broken by the recogniser ("cirrh osis", "f or"): one
    of them is no word, together they are one of three letters or more."""
    both = first + second
    return (
        first.isalpha()
        and second.isalpha()
        and len(both) >= 3
        and not (is_word(first.lower()) and is_word(second.lower()))
        and is_word(both.lower())
    )


LETTERS = re.compile(r"(?<![\w])[A-Za-z]+(?![\w])")


def rejoined(text: str, is_word: Callable[[str], bool]) -> str:
    """`text` with the words a recogniser broke with a space joined again (each pair of neighbours is tried)."""
    pieces = list(LETTERS.finditer(text))
    out, at, k = [], 0, 0
    while k < len(pieces) - 1:
        first, second = pieces[k], pieces[k + 1]
        if text[first.end() : second.start()] == " " and joined(first.group(0), second.group(0), is_word):
            out += [text[at : first.end()], second.group(0)]
            at, k = second.end(), k + 2
        else:
            k += 1
    return "".join(out) + text[at:]


def as_digits(word: str) -> str | None:
    """`word` read as a number when it is digits with l, I or O among them ("4l2", "l956"); None otherwise."""
    digits = sum(c.isdigit() for c in word)
    others = [c for c in word if not c.isdigit()]
    if not digits or not others or any(c not in DIGITS_FOR for c in others) or len(others) > digits:
        return None
    return "".join(DIGITS_FOR.get(c, c) for c in word)


def is_scanned(text: str, vocab: Vocabulary, is_word: Callable[[str], bool]) -> bool:
    """Whether `text` says it was faxed or scanned, or reads so (`scanned.min_repairs` words made known)."""
    head = text[:LABEL_CHARS].lower()
    if any(re.search(rf"(?<![a-z]){re.escape(label)}(?![a-z])", head) for label in vocab.scanned_labels):
        return True
    repaired = 0
    for match in WORD.finditer(text):
        read = as_letters(match.group(0), is_word)
        if read is not None and read[1]:
            repaired += 1
            if repaired >= vocab.scanned_min_repairs:
                return True
    return False


def scanned(text: str, vocab: Vocabulary, is_word: Callable[[str], bool]) -> str:
    """`text` with the digits and letters a recogniser confused read as meant, when it is a scanned note."""
    if not vocab.scanned_labels or not is_scanned(text, vocab, is_word):
        return text
    text = DATE_PART.sub(lambda m: "".join(DIGITS_FOR.get(c, c) for c in m.group(0)), text)

    def meant(match: re.Match[str]) -> str:
        word = match.group(0)
        if word == "l":
            return "1"
        number = as_digits(word)
        if number is not None:
            return number
        read = as_letters(word, is_word)
        if read is not None:
            return read[0]
        return as_capitals(word, is_word) or word

    text = WORD.sub(meant, text)
    return rejoined(text, is_word)
