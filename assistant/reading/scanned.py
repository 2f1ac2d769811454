"""A faxed or scanned note, its text made by character recognition: digits and letters it confuses, read as meant.

A text recogniser confuses 0 with O and 1 with l or I ("bi0psy", "lenvat1nib", "AFP 4l2", "05/ll/26", "PS l"). A
note is taken as scanned when its first lines say so (`scanned.labels`: "FAX RECEIVED") or when at least
`scanned.min_repairs` of its words mix letters with 0 or 1 and read as a vocabulary or English word with the letters
meant ("1ung", "cyc1es"). In a scanned note:

- a word of four characters or more that opens with a letter and has a 0 or 1 among its letters is read with the
  letter that makes a known word ("bi0psy" -> "biopsy", "lenvat1nib" -> "lenvatinib"); codes ("N0", "T1", "Vp1"),
  numbers with their unit ("3.1mg", "10am") and words that make no known word are kept;
- a number with l, I or O among two or more digits is read with the digits ("4l2" -> "412", "l956"), as is a part of
  a date between slashes ("05/ll/26");
- a lone "l" is 1 ("PS l"), and a lower-case l among capitals an I when that makes a word ("lNR").

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
LETTERS_FOR = {"0": "o", "1": "li"}  # the letters a recogniser reads as these digits, likelier first
DIGITS_FOR = {"l": "1", "I": "1", "O": "0", "o": "0"}
DATE_PART = re.compile(r"(?<=/)[lIO0-9]{1,2}(?=/)|(?<=\d/)[lIO0-9]{2,4}(?![\w/])|(?<![\w/])[lIO0-9]{1,2}(?=/\d)")


def _cased(word: str, letters: str) -> str:
    """`letters` in the case of `word` (all capitals stay capitals: "0NC0LOGY" -> "ONCOLOGY")."""
    alpha = [c for c in word if c.isalpha()]
    return letters.upper() if alpha and all(c.isupper() for c in alpha) else letters


MIN_REPAIRED = 4  # shorter words opening with a capital are codes written so on purpose ("N0", "M0", "T1", "G1", "O2")
CODE = re.compile(r"[A-Z][a-z]?\d")  # a staging or grading code ("M0", "T4", "Vp1")


def as_letters(
    word: str, is_word: Callable[[str], bool], after: str = "", short_words: frozenset[str] | None = None
) -> str | None:
    """`word` read with letters for its 0s and 1s when that makes a known word ("bi0psy", "lenvat1nib", "n0t"); None
    for a word with another digit, a short code ("N0" before "M0", "T1"), a word that opens with a digit (a number with
    its unit: "3.1mg", "10am", "11umol") or one that makes no known word. `after` is the text after the word."""
    digits = [c for c in word if c.isdigit()]
    # a short word is read so when it opens with a small letter ("n0t", "n0") or comes before a word that is no code
    # ("N0 prior transplant"; not "T4 N0 M0")
    short = len(word) < MIN_REPAIRED and not word[0].islower() and not re.match(r"[A-Za-z]{2,}\b", after)
    if not digits or set(digits) - set(LETTERS_FOR) or short or not word[0].isalpha() or is_word(word.lower()):
        return None
    if len(word) < MIN_REPAIRED and CODE.match(after):
        return None
    known = is_word
    if short_words is not None and len(word) < MIN_REPAIRED and not word[0].islower():
        # a short word with a capital is read so only as a common short word ("N0 prior" -> "No"; "G1 HFSR" is a grade)
        known = short_words.__contains__
    choices = [LETTERS_FOR[c] if c in LETTERS_FOR else c for c in word]
    candidates = ("".join(combination) for combination in product(*choices))
    found = next((candidate for candidate in candidates if known(candidate.lower())), None)
    return _cased(word, found) if found else None


def as_capitals(word: str, is_word: Callable[[str], bool]) -> str | None:
    """A word of capitals with a lower-case l among them read with I ("lNR", "CARClNOMA") when that is a word."""
    others = [c for c in word if c.isalpha() and c != "l"]
    if "l" not in word or len(word) < 3 or not others or not all(c.isupper() for c in others) or not word.isalpha():
        return None
    candidate = word.replace("l", "I")
    return candidate if is_word(candidate.lower()) and not is_word(word.lower()) else None


def as_digits(word: str) -> str | None:
    """`word` read as a number when it is digits with l, I or O among them ("4l2", "l956"); None otherwise."""
    digits = sum(c.isdigit() for c in word)
    others = [c for c in word if not c.isdigit()]
    if digits < 2 or not others or any(c not in DIGITS_FOR for c in others) or len(others) > digits:
        return None
    return "".join(DIGITS_FOR.get(c, c) for c in word)


def is_scanned(text: str, vocab: Vocabulary, is_word: Callable[[str], bool]) -> bool:
    """Whether `text` says it was faxed or scanned, or reads so (`scanned.min_repairs` words made known)."""
    if vocab.says_scanned(text):
        return True
    repaired = 0
    for match in WORD.finditer(text):
        if as_letters(match.group(0), is_word) is not None:
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
        after = text[match.end() : match.end() + 20].lstrip(" ")
        return as_letters(word, is_word, after, vocab.scanned_short_words) or as_capitals(word, is_word) or word

    return WORD.sub(meant, text)
