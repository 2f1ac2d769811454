"""Pasted forms: a row that answers its label with check boxes ("ECOG: [ ] 0 [x] 1 [ ] 2") is read as the
label and its checked options ("ECOG: 1"). The unchecked alternatives are dropped: they are the form's
choices, not findings of the patient. The marks are data (`form_marks` in the vocabulary file).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

# Two spaces or more end an option: what follows is another field of the row ("[ ] C      Score: 5").
_GAP = re.compile(r"\s{2,}")
_BLANK = re.compile(r"^[\s_.:,;-]*$")
# What may end a row's label before its boxes: a colon ("ECOG: [ ] 0 [x] 1"), a leader of dots ("Prior transplant
# ........ [ ] Yes [x] No"), a dash, spaces.
_LEADER = re.compile(r"[\s.:_-]*$")


@lru_cache(maxsize=4)
def _words(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?!\w)", re.I
    )


@lru_cache(maxsize=4)
def _marks(checked: tuple[str, ...], unchecked: tuple[str, ...]) -> re.Pattern[str] | None:
    marks = sorted({*checked, *unchecked}, key=len, reverse=True)
    return re.compile("|".join(re.escape(m) for m in marks)) if marks else None


def answered_rows(
    text: str,
    marks: tuple[tuple[str, ...], tuple[str, ...]],
    columns: tuple[str, ...] = (),
    qualifiers: tuple[str, ...] = (),
) -> str:
    """`text` with each row of check boxes under a label ("Label: [x] A [ ] B") written as "Label: A", and each row of
    boxes under column headings that are among `columns` ("YES  NO") answered with the heading of its checked box."""
    pattern = _marks(*marks)
    if pattern is None or not pattern.search(text):
        return text
    checked = frozenset(marks[0])
    rows: list[str] = []
    above: list[list[tuple[int, str]]] = []  # the words of the rows without boxes, nearest last
    for row in text.split("\n"):
        boxes = list(pattern.finditer(row))
        if not boxes:
            above.append([(w.start(), w.group(0)) for w in _WORD.finditer(row)])
            rows.append(row)
            continue
        row = _under_headings(row, boxes, above, frozenset(columns))
        # two fields on one row ("Transplant history: [x] none     Autoimmune disease on treatment: [x] none"):
        # each answered on its own
        rows.append("".join(_answered(part, pattern, checked) for part in _fields(row, pattern, qualifiers)))
    return "\n".join(rows)


@lru_cache(maxsize=4)
def _question_row(pairs: tuple[tuple[str, str], ...]) -> re.Pattern[str] | None:
    if not pairs:
        return None
    q = "|".join(re.escape(a) for a, _ in pairs)
    a = "|".join(re.escape(b) for _, b in pairs)
    # "Q: Child-Pugh?  A: A, 6 points", or the answer on the next line; the answer's mark is a colon or a dash, never
    # "A." or "A)", a multiple-choice item's first option ("Q: ramucirumab needs which? A. PD-L1  B. AFP >= 400")
    return re.compile(
        rf"^(?P<lead>[ \t>*•-]*)(?:{q})\s*[:.)\-]\s*(?P<label>[^\n?]+?)\s*\?[ \t]*\n?[ \t]*(?:{a})\s*[:\-–]\s*",
        re.I | re.M,
    )


FORM_LABEL_WORDS = 8  # a form's question is a short label ("Prior HCC systemic therapy?"), not a sentence


def question_rows(text: str, pairs: tuple[tuple[str, str], ...], openers: Collection[str] = ()) -> str:
    """`text` with each question-and-answer row of a form ("Q: ECOG?  A: 1", or "Q: ECOG?" with "A: 1" on the next
    line) written as a labelled row ("ECOG: 1"), read like any other. A question that is a sentence (more than
    `FORM_LABEL_WORDS` words, or opening with a question's word: "Question: does a kidney transplant rule out
    atezolizumab? Answer: yes") is a quiz's or a pasted FAQ's, left as written. The marks are data
    (`form_marks.questions`; the question words `general_question_openers`)."""
    pattern = _question_row(pairs)
    if pattern is None:
        return text

    def labelled(m: re.Match[str]) -> str:
        words = m.group("label").split()
        if len(words) > FORM_LABEL_WORDS or words[0].lower() in openers:
            return m.group(0)
        return f"{m.group('lead')}{m.group('label')}: "

    return pattern.sub(labelled, text)


_LABEL = re.compile(r"[^\s:][^:\n]*?:\s*")  # a field's label: words, then a colon


def _fields(row: str, pattern: re.Pattern[str], qualifiers: tuple[str, ...] = ()) -> list[str]:
    """A row cut before each gap that opens another labelled field: a label ending in a colon, then its boxes. A label
    opening with a qualifier ("On systemic treatment:", "If yes, ...") qualifies the field before it: no cut."""
    qualifier = _words(qualifiers)
    cuts = [
        gap.start()
        for gap in _GAP.finditer(row)
        if gap.start() > 0
        and (label := _LABEL.match(row, gap.end())) is not None
        and pattern.search(label.group(0)) is None
        and not (qualifier is not None and qualifier.match(label.group(0)))
        and pattern.match(row, label.end()) is not None
        and pattern.search(row, 0, gap.start()) is not None
    ]
    return [row[a:b] for a, b in zip([0, *cuts], [*cuts, len(row)], strict=True)]


_WORD = re.compile(r"\S+")


_HEADING_WORDS = 6  # a row of column headings is short ("INCLUSION      YES  NO")


def _under_headings(
    row: str, boxes: list[re.Match[str]], above: list[list[tuple[int, str]]], columns: frozenset[str]
) -> str:
    """A row of boxes with no words of their own, each box under a column heading ("Prior transplant   [ ]  [X]"
    under "YES  NO" written on a row above), written with its heading after each box ("[ ] YES  [X] NO"); other
    rows as they are. The headings are the nearest short row above with one word over each box, each an answer
    (`columns`: "yes", "no", "n/a")."""
    # the last box may be followed by another field of the row after a gap ("[X]  [ ]   (sorafenib 03/2025-11/2026)")
    last = row[boxes[-1].end() :]
    blank = all(
        _BLANK.match(row[box.end() : after.start()]) for box, after in zip(boxes, boxes[1:], strict=False)
    ) and (_BLANK.match(last) is not None or _GAP.match(last) is not None)
    if not blank or len(boxes) < 2:
        return row
    for heading in reversed(above):
        if len(heading) > _HEADING_WORDS:
            continue  # prose between the rows ("Comment: OGD showed small varices only, no red signs") heads nothing
        titles = [[word for at, word in heading if abs(at - box.start()) <= 2] for box in boxes]
        if all(len(near) == 1 and near[0].lower() in columns for near in titles):
            break
    else:
        return row  # no heading over each box: the boxes are not a grid's columns
    out, at = [], 0
    for box, (title,) in zip(boxes, titles, strict=True):
        out += [row[at : box.end()], f" {title}"]
        at = box.end()
    return "".join(out) + row[at:]


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


def empty_box_items(
    text: str,
    marks: tuple[tuple[str, ...], tuple[str, ...]],
    unanswered: tuple[str, ...] = (),
    absent: tuple[str, ...] = (),
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(start, end) of each empty box's own item, from the box to the next box or the end of its row ("[ ] Main
    portal vein invasion (Vp4)  [x] Lung metastases": only the first item is absent, asides in brackets included),
    in two lists: the items answered absent, and those that say they are still open (`unanswered`: "[ ] AFP - sample
    sent, result awaited"), where nothing is absent whatever the empty box before it."""
    items = _empty_items(text, marks, unanswered, absent)
    return [(a, b) for a, b, still_open in items if not still_open], [
        (a, b) for a, b, still_open in items if still_open
    ]


def _empty_items(
    text: str, marks: tuple[tuple[str, ...], tuple[str, ...]], unanswered: tuple[str, ...], absent: tuple[str, ...] = ()
) -> list[tuple[int, int, bool]]:
    pattern = _marks(*marks)
    if pattern is None:
        return []
    unchecked = frozenset(marks[1])
    still_open = _words(unanswered)
    answered = _words(absent)
    items, at = [], 0
    for row in text.split("\n"):
        boxes = list(pattern.finditer(row))
        for n, box in enumerate(boxes):
            if box.group(0) in unchecked:
                end = boxes[n + 1].start() if n + 1 < len(boxes) else len(row)
                item = row[box.end() : end]
                # an item that answers itself absent is answered, whatever else is still to come ("[ ] Varices - none
                # on OGD 02/2026; next OGD booked")
                said = still_open is not None and still_open.search(item) is not None
                said = said and (answered is None or answered.search(item) is None)
                items.append((at + box.start(), at + end, said))
        at += len(row) + 1
    return items


# Where an unchecked option's sentence ends and the row's next sentence begins ("[ ] toxicity. Dose reductions: none"),
# not at a semicolon ("[ ] First line; treatment-naive" is all the option's)
_SENTENCE_END = re.compile(r"(?<!\.)\.\s+(?=[A-Z])")


# Where one item of a row ends: a single full stop or a semicolon and a space ("Transplant - nil. Lupus - no"), not
# a leader of dots ("Transplant ........ No") or a decimal point.
_ITEM_END = re.compile(r"(?<!\.)[.;](?!\.)\s+|\n")


@lru_cache(maxsize=4)
def _absent_answer(answers: tuple[str, ...], take_back: tuple[str, ...] = ()) -> re.Pattern[str] | None:
    if not answers:
        return None

    def alternatives(phrases: tuple[str, ...]) -> str:  # the longest first, a space as any run of spaces
        return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True))

    words, back = alternatives(answers), alternatives(take_back)
    # an aside in brackets after the answer explains it ("NO (right portal vein branch only)"), unless it takes it
    # back ("none (apart from 2 months of lenvatinib)": `take_back`)
    aside = rf"(?:\((?!\s*(?:{back})\b)[^()\n]*\)[\s.;]*)?" if back else ""
    # a label, then a colon, a dash, a leader of dots or a question mark ("Transplant hx? none"), then the answer
    # alone to the end of its item
    return re.compile(
        rf"(?P<label>[^:?]*?[^\s.:_?-])\s*(?::|\?|\s[-–]|\.{{2,}})[\s.:_-]*(?:{words})[\s.;]*{aside}", re.I
    )


def absent_rows(text: str, answers: tuple[str, ...], take_back: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """(start, end) of each label whose row answers it absent ("Prior transplant ..... No", "Anticoagulants - not
    taking"): the whole label, however long, not only the words next to the answer. An item is a row, or a
    sentence of a row ("Haematemesis - denies. Melaena - denies.")."""
    pattern = _absent_answer(answers, take_back)
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
