"""Numbers written out in words, as in dictated notes ("bilirubin five point two", "seventy-two year old").

A run of number words is written as digits when it has a decimal point word ("five point two" -> 5.2)
or is a compound ("seventy-two", "four hundred and twenty"); a lone small word ("two small varices",
"one of the options") stays a word unless it follows the name of a value or scale ("ECOG two"). The
words are data (`number_words` in the vocabulary file).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

import jellyfish

from .vocabulary import Vocabulary


@lru_cache(maxsize=4)
def _tables(
    vocab: Vocabulary,
) -> tuple[
    re.Pattern[str] | None,
    dict[str, int],
    dict[str, int],
    set[str],
    set[str],
    re.Pattern[str] | None,
    re.Pattern[str] | None,
]:
    words: dict[str, Any] = vocab.number_words
    small = {str(k).lower(): int(v) for k, v in (words.get("units") or {}).items()}
    tens = {str(k).lower(): int(v) for k, v in (words.get("tens") or {}).items()}
    scales = {str(k).lower(): int(v) for k, v in (words.get("scales") or {}).items()}
    points = {str(w).lower() for w in words.get("point") or []}
    joiners = {str(w).lower() for w in words.get("joiner") or []}
    if not small:
        return None, {}, {}, set(), set(), None, None
    number = "|".join(sorted((re.escape(w) for w in {*small, *tens, *scales}), key=len, reverse=True))
    glue = "|".join(re.escape(w) for w in {*points, *joiners}) or "(?!)"
    # A run: number words joined by spaces or hyphens, with "and" or "point" between them.
    run = re.compile(rf"\b(?:{number})(?:(?:[\s-]+(?:{glue}))?[\s-]+(?:{number}))*\b", re.I)
    units = sorted({str(u).lower() for u in words.get("before_units") or []}, key=len, reverse=True)
    unit_after = re.compile(r"^[\s-]*(?:" + _spelled(units) + r")(?![\w])", re.I) if units else None
    names = sorted({n.lower() for a in vocab.analytes.values() for n in a.names}, key=len, reverse=True)
    # the name of a value or scale right before the number, with a grade letter between ("Child Pugh A five")
    named = re.compile(rf"(?:^|[^\w])(?:{'|'.join(re.escape(n) for n in names)})[:,]?(?:\s+[a-d])?\s*$", re.I)
    return run, {**small, **tens}, scales, points, joiners, named, unit_after


def _year(words: list[str], plain: dict[str, int], scales: dict[str, int], points: set[str]) -> str | None:
    """A year spoken as two numbers ("twenty nineteen", "twenty twenty six", "nineteen fifty nine", "twenty oh
    five"); "twenty five" is 25, not a year."""
    if len(words) < 2 or plain.get(words[0]) not in (19, 20) or words[1] not in plain:
        return None
    rest = words[1:]
    if rest[0] in ("oh", "nought", "zero") and len(rest) == 2 and plain.get(rest[1], 10) <= 9:
        return str(plain[words[0]] * 100 + plain[rest[1]])
    if plain[rest[0]] < 10:
        return None
    tail = _value(rest, plain, scales, points)
    if tail is None or "." in tail or not 10 <= int(tail) <= 99:
        return None
    return str(plain[words[0]] * 100 + int(tail))


def _value(words: list[str], plain: dict[str, int], scales: dict[str, int], points: set[str]) -> str | None:
    """The digits for `words` (number and point words, joiners left out), or None when they are not one
    number ("five two" is two numbers)."""
    whole, group, last, decimals = 0, 0, "", None
    for word in words:
        if word in points:
            if decimals is not None:
                return None
            decimals = ""
        elif decimals is not None:
            if plain.get(word, 10) > 9:
                return None
            decimals += str(plain[word])
        elif word in scales:
            group = max(group, 1) * scales[word]
            if scales[word] >= 1000:
                whole, group = whole + group, 0
            last = "scale"
        elif plain[word] >= 20:
            if last in ("unit", "tens"):
                return None
            group, last = group + plain[word], "tens"
        else:
            if last == "unit" or (last == "tens" and plain[word] >= 10):
                return None
            group, last = group + plain[word], "unit"
    if decimals == "":
        return None
    return f"{whole + group}.{decimals}" if decimals else str(whole + group)


def _spelled(phrases: list[str]) -> str:
    """An alternation of `phrases`, longest first, their words joined by spaces or hyphens as spoken text writes
    them ("per cent", "E-cog")."""
    return "|".join(r"[\s-]+".join(map(re.escape, p.split())) for p in sorted(phrases, key=len, reverse=True))


def _key(said: str) -> str:
    """The data key of a phrase as written ("Full  stop", "child-pew" -> "full stop", "child pew")."""
    return " ".join(said.lower().replace("-", " ").split())


@lru_cache(maxsize=4)
def _dictation(vocab: Vocabulary) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None, frozenset[str]]:
    def alternation(words: list[str]) -> re.Pattern[str] | None:
        return re.compile(r"(?<![\w-])(?:" + _spelled(words) + r")(?![\w-])", re.I) if words else None

    ambiguous = frozenset(k for k in vocab.spoken_marks if k not in vocab.dictation_counted)
    return alternation(list(vocab.spoken_marks)), alternation(list(vocab.misheard)), ambiguous


_SPOKEN_WORD = re.compile(r"[A-Za-z]+")
SOUND_RUN = 6  # the most words a recogniser splits one term into ("tree mel lim you mab")
SOUND_MIN_LETTERS = 6  # shorter runs are too often ordinary words
SOUND_SIMILAR = 0.8  # Jaro-Winkler similarity of the run's letters to the term, besides the sound


class _Sounds(NamedTuple):
    """What the sound-alike reading needs of the vocabulary, made once per vocabulary."""

    by_first: dict[str, list[tuple[str, str, str]]]  # the sound key's first letter -> [(key, term, its letters)]
    written: frozenset[str]  # the terms' letters: a run holding one written whole is no term
    numbers: frozenset[str]  # number words: never a run's last word ("bilirubin eighty")


def _letters(term: str) -> str:
    return re.sub(r"[^a-z]", "", term.lower())


@lru_cache(maxsize=4)
def _sounds(vocab: Vocabulary) -> _Sounds:
    """The terms a dictated note may hold split into sound-alike words, by the first letter of their sound key
    (metaphone), with the words that end or stop a run."""
    by_first: dict[str, list[tuple[str, str, str]]] = {}
    for term in vocab.sound_alike:
        letters = _letters(term)
        key = jellyfish.metaphone(letters)
        if key:
            by_first.setdefault(key[0], []).append((key, term, letters))
    numbers = frozenset(
        str(w).lower() for part in ("units", "tens", "scales") for w in vocab.number_words.get(part) or {}
    )
    return _Sounds(by_first, frozenset(_letters(t) for t in vocab.sound_alike), numbers)


def _sounds_as(letters: str, sounds: _Sounds) -> tuple[float, str] | None:
    """The term whose sound the run's `letters` make, with how close the letters are to it (Jaro-Winkler): the same
    metaphone key, or one edit from a key of five or more, and letters close to the term's."""
    key = jellyfish.metaphone(letters)
    for term_key, term, term_letters in sounds.by_first.get(key[:1], ()):
        near = term_key == key or (
            len(term_key) >= 5
            and abs(len(term_key) - len(key)) <= 1
            and jellyfish.levenshtein_distance(key, term_key) <= 1
        )
        score = jellyfish.jaro_winkler_similarity(letters, term_letters) if near else 0.0
        if score >= SOUND_SIMILAR:
            return score, term
    return None


def sound_alike(text: str, vocab: Vocabulary) -> str:
    """`text` with each run of two to six words that a speech recogniser made of one term ("a tea zoo lism ab",
    "beaver zoo mab", "ask it ease") written as the term, found by its sound (metaphone) and its letters. Of the runs
    from one word, the one spelt closest to its term is taken. A run ending in a function word or a number word
    ("as it is", "cirrhosis no", "bilirubin eighty"), or holding a term written whole or a kept word ("transplant team",
    "a patient"), is never a term. Used only in a dictated note; the terms and the words are data
    (`dictation.sound_alike`, `dictation.function_words`, `dictation.kept_words`)."""
    sounds = _sounds(vocab)
    if not sounds.by_first:
        return text
    plain, kept = vocab.dictation_function_words, vocab.dictation_kept_words
    words = list(_SPOKEN_WORD.finditer(text))
    out: list[str] = []
    at = k = 0
    while k < len(words):
        best: tuple[float, int, str] | None = None
        for n in range(2, min(SOUND_RUN, len(words) - k) + 1):
            run = words[k : k + n]
            if any(text[a.end() : b.start()] not in (" ", "-") for a, b in zip(run, run[1:], strict=False)):
                break
            said = [w.group(0).lower() for w in run]
            if any(w in kept or w in sounds.written for w in said):
                break  # "transplant team", "a patient": no longer run from here holds a term
            if said[-1] in plain or said[-1] in sounds.numbers:
                continue  # "as it is", "cirrhosis no", "bilirubin eighty": a longer run may still end well
            letters = "".join(said)
            found = _sounds_as(letters, sounds) if len(letters) >= SOUND_MIN_LETTERS else None
            if found and (best is None or found[0] > best[0]):
                best = (found[0], n, found[1])
        if best:
            _, n, term = best
            out += [text[at : words[k].start()], term]
            at, k = words[k + n - 1].end(), k + n
        else:
            k += 1
    return "".join(out) + text[at:]


# letters spoken one by one ("A. F. P.", "I N R", "C. T."): two to five single letters, each alone between spaces
_SPELLED = re.compile(r"(?<![\w.])(?:[A-Za-z]\.?[ \t]+){1,4}[A-Za-z]\.?(?![\w])")


def spelled_letters(text: str) -> str:
    """`text` with letters spoken one by one written as the abbreviation ("A. F. P. is 8.4" -> "AFP is 8.4");
    used only in a dictated note ("a b c" in typed text is words)."""

    def joined(match: re.Match[str]) -> str:
        letters = re.findall(r"[A-Za-z]", match.group(0))
        if all(c.lower() in ("a", "i") for c in letters):
            return match.group(0)  # "a I" is words
        tail = " " if match.group(0).endswith(" ") else ""
        return "".join(letters).upper() + tail

    return _SPELLED.sub(joined, text)


def dictated(text: str, vocab: Vocabulary) -> str:
    """A dictated note as written: its spoken punctuation ("comma", "full stop", "new paragraph") as marks, when
    the message speaks at least `dictation_min_marks` unambiguous ones ("colon" alone is the bowel), and terms a
    speech recogniser misheard ("child pew", "E cog", "trance plant") as the terms meant."""
    marks, misheard, ambiguous = _dictation(vocab)
    if misheard is not None:
        text = misheard.sub(lambda m: vocab.misheard[_key(m.group(0))], text)
    said = [_key(m.group(0)) for m in marks.finditer(text)] if marks is not None else []
    spoken = sum(1 for w in said if w not in ambiguous) >= vocab.dictation_min_marks
    if spoken or vocab.says_dictated(text):
        # a note that speaks its punctuation, or says it was dictated ("[speech recognition - not proof-read]")
        text = sound_alike(spelled_letters(text), vocab)
    if marks is None or not spoken:
        return text

    def mark(match: re.Match[str]) -> str:
        return vocab.spoken_marks[_key(match.group(0))]

    # the space before a spoken mark goes with it ("disease full stop he" -> "disease. he")
    return re.sub(r"[ \t]+(?=[,.;:?)\n])|(?<=[(\n])[ \t]+", "", marks.sub(mark, text))


def spoken_numbers(text: str, vocab: Vocabulary) -> str:
    """`text` with written-out numbers that must be numbers written as digits."""
    run, plain, scales, points, joiners, names, unit_after = _tables(vocab)
    if run is None or names is None or not run.search(text):
        return text

    def digits(match: re.Match[str]) -> str:
        words = [w.lower() for w in re.split(r"[\s-]+", match.group(0)) if w]
        words = [w for w in words if w not in joiners]
        compound = len([w for w in words if w in plain or w in scales]) > 1
        before = text[max(0, match.start() - 40) : match.start()]
        named = bool(names.search(before))
        # a number word with its unit ("sixty percent of the hepatic volume", "thirty two micromoles per litre")
        named = named or bool(unit_after is not None and unit_after.match(text[match.end() : match.end() + 40]))
        if words == ["one"] and re.search(r"\b(?:the|that|this|which)\s+[\w-]+\s*$", before, re.I):
            named = False  # "the AFP one": a pronoun, not a number
        if not (compound or named or any(w in points for w in words)):
            return match.group(0)
        year = None if named else _year(words, plain, scales, points)  # "AFP twenty twenty five": not a year
        if year is not None:
            return year
        value = _value(words, plain, scales, points)
        return value if value is not None else match.group(0)

    return run.sub(digits, text)
