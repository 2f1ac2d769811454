"""Pasted forms: a row that answers its label with check boxes ("ECOG: [ ] 0 [x] 1 [ ] 2") is read as the
label and its checked options ("ECOG: 1"). The unchecked alternatives are dropped: they are the form's
choices, not findings of the patient. The marks are data (`form_marks` in the vocabulary file).
"""

from __future__ import annotations

import re
from functools import lru_cache

# Two spaces or more end an option: what follows is another field of the row ("[ ] C      Score: 5").
_GAP = re.compile(r"\s{2,}")
_BLANK = re.compile(r"^[\s_.:,;-]*$")
# What may end a row's label before its boxes: a colon ("ECOG: [ ] 0 [x] 1"), a leader of dots ("Prior transplant
# ........ [ ] Yes [x] No"), a dash, spaces.
_LEADER = re.compile(r"[\s.:_-]*$")


@lru_cache(maxsize=4)
def _marks(checked: tuple[str, ...], unchecked: tuple[str, ...]) -> re.Pattern[str] | None:
    marks = sorted({*checked, *unchecked}, key=len, reverse=True)
    return re.compile("|".join(re.escape(m) for m in marks)) if marks else None


def answered_rows(text: str, marks: tuple[tuple[str, ...], tuple[str, ...]]) -> str:
    """`text` with each row of check boxes under a label ("Label: [x] A [ ] B") written as "Label: A"."""
    pattern = _marks(*marks)
    if pattern is None or not pattern.search(text):
        return text
    checked = frozenset(marks[0])
    return "\n".join(_answered(row, pattern, checked) for row in text.split("\n"))


def _answered(row: str, pattern: re.Pattern[str], checked: frozenset[str]) -> str:
    boxes = list(pattern.finditer(row))
    head = row[: boxes[0].start()] if boxes else ""
    # A checklist ("[ ] ascites [x] encephalopathy") has no label before its boxes; a row with nothing
    # checked answers nothing: both are left to the context rules. A row with a label is read "Label: option".
    head = _LEADER.sub("", head)
    if not boxes or not head.strip() or not any(box.group(0) in checked for box in boxes):
        return row
    head += ":"
    picked: list[str] = []
    rest: list[str] = []
    tails: list[str] = []
    for n, box in enumerate(boxes):
        end = boxes[n + 1].start() if n + 1 < len(boxes) else len(row)
        option, *after = _GAP.split(row[box.end() : end].strip(), maxsplit=1)
        if box.group(0) in checked and not _BLANK.match(option):
            picked.append(option.strip(" ,;"))
        elif (stop := _SENTENCE_END.search(option)) is not None:
            # an unchecked option's item ends at its sentence's end; what follows is the row's next item, kept
            # ("[X] disease progression  [ ] toxicity. Dose reductions: none.")
            tails.append(option[stop.start() :])
        rest += after
    answered = " ".join([head.rstrip(), ", ".join(picked), *(["  " + "  ".join(rest)] if rest else [])])
    return answered + "".join(tails)


def unchecked_rows(text: str, marks: tuple[tuple[str, ...], tuple[str, ...]]) -> list[tuple[int, int]]:
    """(start, end) of each empty box's own item, from the box to the next box or the end of its row ("[ ] Main
    portal vein invasion (Vp4)  [x] Lung metastases": only the first item is absent, asides in brackets included)."""
    pattern = _marks(*marks)
    if pattern is None:
        return []
    unchecked = frozenset(marks[1])
    items, at = [], 0
    for row in text.split("\n"):
        boxes = list(pattern.finditer(row))
        for n, box in enumerate(boxes):
            if box.group(0) in unchecked:
                end = boxes[n + 1].start() if n + 1 < len(boxes) else len(row)
                items.append((at + box.start(), at + end))
        at += len(row) + 1
    return items


# Where an unchecked option's sentence ends and the row's next sentence begins ("[ ] toxicity. Dose reductions: none"),
# not at a semicolon ("[ ] First line; treatment-naive" is all the option's)
_SENTENCE_END = re.compile(r"(?<!\.)\.\s+(?=[A-Z])")


# Where one item of a row ends: a single full stop or a semicolon and a space ("Transplant - nil. Lupus - no"), not
# a leader of dots ("Transplant ........ No") or a decimal point.
_ITEM_END = re.compile(r"(?<!\.)[.;](?!\.)\s+|\n")


@lru_cache(maxsize=4)
def _absent_answer(answers: tuple[str, ...]) -> re.Pattern[str] | None:
    if not answers:
        return None
    words = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in sorted(answers, key=len, reverse=True))
    # a label, then a colon, a dash, a leader of dots or a question mark ("Transplant hx? none"), then the answer
    # alone to the end of its item (an aside after it may take it back: "none (apart from 2 months of lenvatinib)")
    return re.compile(rf"(?P<label>[^:?]*?[^\s.:_?-])\s*(?::|\?|\s[-–]|\.{{2,}})[\s.:_-]*(?:{words})[\s.;]*", re.I)


def absent_rows(text: str, answers: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of each label whose row answers it absent ("Prior transplant ..... No", "Anticoagulants - not
    taking"): the whole label, however long, not only the words next to the answer. An item is a row, or a
    sentence of a row ("Haematemesis - denies. Melaena - denies.")."""
    pattern = _absent_answer(answers)
    if pattern is None:
        return []
    items, at = [], 0
    for end in [*(m.end() for m in _ITEM_END.finditer(text)), len(text)]:
        item = text[at:end]
        found = pattern.fullmatch(item.strip())
        if found:
            start = at + len(item) - len(item.lstrip())
            items.append((start + found.start("label"), start + found.end("label")))
        at = end
    return items
