"""Whose fact a sentence states: the patient's, a relative's or another person's, or a trial's population.

A relative writing about the patient ("my dad", "Mum has lupus") writes about the patient; a sentence telling
another person's story ("My husband was on sorafenib ... I'm asking now for my MUM"), a trial's population (a pasted
abstract, an "Inclusion:" list) or a question's choices gives no fact of the patient. The words are data (the
vocabulary's `story`, `kin_names`, `population`, `population_headers`).
"""

from __future__ import annotations

import re
from typing import Any

from .vocabulary import Vocabulary

WRITER = {"my", "our", "me", "i"}
OTHERS = {"his", "her", "their", "your", "patient's", "whose"}


def writers_relative(
    doc: Any, start: int, end: int, names: frozenset[str] = frozenset(), writer_is_patient: bool = False
) -> bool:
    """A family word owned by the writer ("my dad", "Dad's scan") names the patient, not a relative; so does
    a family word written as a name ("Mum has lupus", the vocabulary's `kin_names`) unless someone else's
    ("his Mum"). When the writer speaks of their own illness ("my cancer", "I've never had one"), the
    writer is the patient and "my uncle" is a relative."""
    if writer_is_patient:
        return False
    before = doc[start - 1].lower_ if start > 0 else ""
    if before in OTHERS or any(t.lower_ in OTHERS for t in doc[start:end]):
        return False  # "his father's tumour", "the TIA was his brother's": someone else's relative
    # the cue itself owned ("Dad's scan"); not a possessive within the cue ("my registrar's patient")
    if before in WRITER or any(t.lower_.endswith("'s") or t.lower_ == "'s" for t in doc[max(start, end - 1) : end + 1]):
        return True
    return doc[start].text in names and before not in OTHERS


WRITER_WORDS = {"i", "me", "my", "we", "our", "myself", "i'm", "i've"}


def others_sentences(
    doc: Any,
    sentences: list[Any],
    vocab: Vocabulary,
    writer_is_patient: bool,
    clinician: bool = False,
    sex: str | None = None,
) -> dict[int, tuple[int, int]]:
    """Sentences telling another person's story when a patient or a relative writes about several people, each
    with the tokens where the story starts and ends (see `relatives_sentences`; here the whole sentence).

    The patient is the writer (who speaks of their own illness) or the relative named after a `patient_named_by`
    cue ("I'm asking now for my MUM"). A sentence whose first person is another relative ("My husband was on
    sorafenib ...") or a pronoun whose last referent is one ("He stopped it after a month"), and which does not
    also speak of the patient, is that relative's story. A pronoun after a carer ("my oncologist ... she said")
    reports on the patient. Words in the vocabulary's `story`."""
    kin = {w: g for g, words in vocab.kin.items() for w in words}
    pronoun = {w: g for g, words in vocab.pronouns.items() for w in words}
    if not kin:
        return {}

    lowers = [t.lower_ for t in doc]
    if not kin.keys() & set(lowers):
        return {}  # no family word at all: every sentence is the patient's

    at = named_relatives(doc, vocab)  # found once: the sentences below ask of every token several times
    relative = at.get
    if clinician or (not writer_is_patient and not at):
        return relatives_sentences(doc, sentences, kin, pronoun, vocab.patient_lists, sex, vocab.subjects)
    named = list(at.items())  # in the order written
    if not named:
        return {}
    patient: str | None = None  # None: the writer
    if not writer_is_patient:
        patient = named_patient(doc, vocab, named)
        if patient is None:
            return {}  # the relative named is the patient (the usual reading)
    others_genders = {kin[w] for _, w in named if w != patient}
    patient_pronouns = (
        set(vocab.pronouns.get(kin[patient], ())) if patient and kin[patient] not in others_genders else set()
    )

    def speaks_of_patient(sentence: Any) -> bool:
        for t in sentence:
            word = t.lower_
            if word in patient_pronouns and t.i + 1 < len(doc) and doc[t.i + 1].lower_ in kin:
                continue  # "My uncle - her brother - had a liver transplant": her brother, not her
            if patient is None and word in WRITER_WORDS and not (t.i + 1 < len(doc) and relative(t.i + 1)):
                return True
            if patient is not None and (relative(t.i) == patient or word in patient_pronouns):
                return True
        return False

    result: dict[int, tuple[int, int]] = {}
    last: dict[str, str] = {}  # pronoun gender -> the person last named with it ("carer" for a carer)
    for n, sentence in enumerate(sentences):
        first: tuple[str, str] | None = None
        for t in sentence:
            word = t.lower_
            if (who := relative(t.i)) is not None:
                first = ("kin", who)
                break
            if word in WRITER_WORDS and not (t.i + 1 < len(doc) and relative(t.i + 1)):
                first = ("writer", "")
                break
            if word in vocab.carers:
                first = ("carer", "")
                break
            if word in pronoun:
                first = ("pronoun", pronoun[word])
                break
        whose = None
        if first is not None and first[0] == "kin":
            whose = first[1]
        elif first is not None and first[0] == "pronoun":
            whose = last.get(first[1])
        if whose is not None and whose != "carer" and whose != patient and not speaks_of_patient(sentence):
            result[n] = (sentence.start, sentence.end)
        for t in sentence:  # the people named here are the referents of later pronouns
            if (who := relative(t.i)) is not None:
                last[kin[who]] = who
            elif t.lower_ in vocab.carers:
                last.update({gender: "carer" for gender in vocab.pronouns})
    return result


def relative_at(doc: Any, i: int, kin: Any, kin_names: frozenset[str]) -> str | None:
    """The family word at token i when the writer names a relative with it ("my husband", "our dad", "Mum"); `kin`
    holds the family words."""
    word = doc[i].lower_
    if word not in kin:
        return None
    after = "".join(t.lower_ for t in doc[i + 1 : i + 6])
    if after.startswith(("-in-law", "in-law")) or (i > 0 and doc[i - 1].lower_.startswith("step")):
        return None  # "my mother-in-law", "my step-father": another person than "my mother", "my father"
    before = doc[i - 1].lower_ if i > 0 else ""
    return word if before in ("my", "our") or doc[i].text in kin_names else None


AGE_SEX = re.compile(r"\b\d{1,3}\s?(?:y/?o|yo|yrs?|y)?\s?([MF])\b|\(([MF]),\s?\d{1,3}\)")
POSSESSIVES = {"his", "her"}


def patient_sex(text: str, vocab: Vocabulary) -> str | None:
    """The patient's sex as a pronoun gender ("he", "she"), from the words that give it in a note ("Mr", "61M",
    "a 70-year-old woman"; the vocabulary's `story.patient_sex`); None when none or both are written."""
    found: set[str] = set()
    words = set(re.findall(r"[A-Za-z]+", text))  # titles as written ("Mr", not the "mr" of "mr imaging")
    letters = {m.group(1) or m.group(2) for m in AGE_SEX.finditer(text)}
    for gender, names in vocab.patient_sex.items():
        for name in names:
            exact = name.removeprefix("=")
            if (len(exact) == 1 and exact in letters) or (len(exact) > 1 and exact in words):
                found.add(gender)
    return found.pop() if len(found) == 1 else None


def other_sex_owner(doc: Any, start: int, sex: str | None, vocab: Vocabulary) -> bool:
    """Whether the finding at token `start` is owned by a possessive of the other sex than the patient's, in a
    message naming a relative of that sex ("Mr F ... his wife collects her own tacrolimus (her kidney transplant)")."""
    if sex is None:
        return False
    for k in (start - 1, start - 2):
        word = doc[k].lower_ if k >= 0 else ""
        gender = next((g for g, words in vocab.pronouns.items() if word in words), None)
        if word in POSSESSIVES and gender is not None and gender != sex:
            kin = set(vocab.kin.get(gender, ()))
            return any(t.lower_ in kin for t in doc[start].sent)  # the relative named in the finding's sentence
    return False


def named_relatives(doc: Any, vocab: Vocabulary) -> dict[int, str]:
    """Token -> the family word naming a relative there ("my husband", "Mum"), one word per person ("mother" and
    "Mum" are one)."""
    kin = {w for words in vocab.kin.values() for w in words}
    at = {i: w for i, t in enumerate(doc) if t.lower_ in kin and (w := relative_at(doc, i, kin, vocab.kin_names))}
    return {i: vocab.same_person.get(w, w) for i, w in at.items()}


def named_patient(doc: Any, vocab: Vocabulary, named: list[tuple[int, str]] | None = None) -> str | None:
    """The family word naming the patient when a relative writes about several of their relatives and says which
    one they ask for ("writing on behalf of my mum ... my aunt injects methotrexate"): "mum". None when one relative
    is named (the usual reading: that relative is the patient) or none is asked for. `named`: (token, word) of each
    relative the writer names ("my aunt", "Mum"), found here when not given."""
    if named is None:
        named = list(named_relatives(doc, vocab).items())
    asked_for = [w for i, w in named if cued(doc, i, vocab.patient_named_by)]
    if not asked_for:
        # the one relative said to have the cancer ("My uncle died of liver cancer ... Now my dad has HCC": two, none)
        having = {w for i, w in named if _names_any(doc[i].sent.text, vocab.the_cancer)}
        asked_for = list(having) if len(having) == 1 else []
    if not asked_for or all(w == asked_for[0] for _, w in named):
        return None
    return asked_for[0]


def _names_any(sentence: str, names: tuple[str, ...]) -> bool:
    """Whether the text holds one of `names` as whole words."""
    words = " " + " ".join(re.findall(r"[a-z0-9']+", sentence.lower())) + " "
    return any(f" {name} " in words for name in names)


def population_sentences(sentences: list[Any], listed: list[tuple[int, int]], vocab: Vocabulary) -> set[int]:
    """Sentences said of a trial's or a guideline's population, not of the patient: opened by a word of the
    vocabulary's `story.population` ("Patients had Child-Pugh A liver function", "The trial enrolled people
    whose ...", "RESORCE: patients who tolerated sorafenib ..."), or inside a list under a population heading
    ("Inclusion: ...; Child-Pugh A; ECOG 0-1."). A sentence that names a particular patient ("patients like
    him", "my pt") is the patient's."""
    openers = [" ".join(re.findall(r"[a-z0-9']+", opener)) for opener in vocab.population]
    first_words = {opener.split()[0] for opener in openers if opener} | set(vocab.population_headers)
    found: set[int] = set()
    carried = False  # the sentence before was the population's and did not end (a wrapped line, a long list)
    for n, sent in enumerate(sentences):
        if carried:
            found.add(n)
        elif not listed and not any(t.lower_ in first_words or t.text == "," for t in sent[:5]):
            continue  # no opener, heading or heading comma among its first words: not the population's
        tokens = [t for t in sent[:24] if not (t.is_space or t.text in QUOTES)]  # its opening words
        while tokens and tokens[0].lower_ in vocab.population_headers:
            tokens = tokens[1:]  # "METHODS In this open-label phase 3 trial, patients ..."
        leads = [tokens]
        # a heading before the subject ("Methods: patients with ...", "RESORCE: patients ..."; ':' reads as ',')
        comma = next((k for k, t in enumerate(tokens[:4]) if t.text == ","), None)
        if comma is not None:
            leads.append(tokens[comma + 1 :])
        for lead in leads:
            words = " ".join(w for t in lead[:12] for w in re.findall(r"[a-z0-9']+", t.lower_)) + " "
            if any(words.startswith(f"{opener} ") for opener in openers):
                found.add(n)
        if any(a <= sent.start_char < b for a, b in listed):
            found.add(n)
        if n in found and vocab.names_particular(sent.text):
            found.discard(n)  # "patients like him": the patient's
        carried = n in found and sent.text.rstrip().rstrip("".join(QUOTES))[-1:] not in (".", "?", "!")
    return found


QUOTES = {'"', "'", "“", "”", "‘", "’", "`"}
LABEL = re.compile(
    r"(?:^[ \t>*-]*|(?<=[.!?] )|(?<=[.!?:] ['\"“‘])|(?<=^['\"“‘]))"
    r"([A-Za-z][A-Za-z0-9 /-]{0,40}?)\s*(?:\([^()\n]{0,30}\)\s*)?:",
    re.M,
)  # at a line's start, after a sentence within it ("Trial listing I came across. Inclusion: ..."), or opening a
# quotation ("A listing I saw: 'Inclusion: BCLC C, ...'")
# a whole line ending in a colon, over the list below it ("Inclusion criteria from a registry listing I'm screening
# against:")
HEADING_LINE = re.compile(r"^[ \t>*-]*([^\n:]{1,100}):[ \t]*$", re.M)
FULL_STOP = re.compile(r"[.!?](?:\s|$)")  # a sentence's end: not the point of "2.5" or "Vp.4"
LIST_ITEM = re.compile(r"^[ \t]*(?:[-*•>]|\d{1,2}[.)])")
CHOICE = re.compile(r"(?:(?<=\s)|^)(?:\(([A-Ea-e])\)|([A-Ea-e])[.)])(?=\s)")


def _section_title(text: str, label: re.Match[str], section_labels: tuple[str, ...]) -> str:
    """The title of a numbered section ('slide 5: "Similar case"' -> 'similar case'), or "" when the label is not a
    section's (`section_labels` words followed by a number)."""
    words = label.group(1).strip().lower().split()
    if len(words) != 2 or words[0] not in section_labels or not re.fullmatch(r"\d{1,3}[a-z]?", words[1]):
        return ""
    line_end = text.find("\n", label.end())
    return text[label.end() : line_end if line_end >= 0 else len(text)].strip(" \t\"'“”‘’*•-–—").lower()


def header_spans(
    text: str, headers: tuple[str, ...], section_labels: tuple[str, ...] = (), other_sections: tuple[str, ...] = ()
) -> list[tuple[int, int]]:
    """Character spans of lists under a population heading ("Inclusion: ...", "Exclusion criteria: ..."), or of a
    numbered section titled as another patient's or a trial's ('slide 5: "Similar case - Dr Lee's patient"',
    'slide 4: "Evidence"'): from the heading to the next line that opens with a heading of its own (for a section,
    the next numbered section), a blank line, or the end."""
    spans: list[tuple[int, int]] = []
    labels = list(LABEL.finditer(text))
    titles = headers + other_sections
    # where a section ends: the next numbered section
    section = (
        re.compile(rf"^[ \t>*•-]*(?:{'|'.join(map(re.escape, section_labels))})\s*\d", re.I | re.M)
        if section_labels
        else None
    )
    for k, label in enumerate(labels):
        title = _section_title(text, label, section_labels) if section is not None else ""
        if section is not None and title:
            # the whole title, or its start before a dash, colon, bracket or comma ("Similar case - Dr Lee's patient");
            # "Evidence of portal hypertension" is the patient's
            if not any(re.fullmatch(rf"{re.escape(t)}(?:\s*[-–—:(,].*)?", title, re.S) for t in titles):
                continue
            # a section runs to the next numbered section, a blank line, or the end
            following = section.search(text, label.end())
            end = following.start() if following else len(text)
            blank = text.find("\n\n", label.end(), end)
            spans.append((label.start(), blank if blank >= 0 else end))
            continue
        if label.group(1).strip().lower() not in headers:
            continue
        end = labels[k + 1].start() if k + 1 < len(labels) else len(text)
        blank = text.find("\n\n", label.end(), end)
        end = blank if blank >= 0 else end
        if label.start() > 0 and text[label.start() - 1] != "\n":
            # a heading within a line ("... came across. Inclusion: HCC after sorafenib; AFP >= 400. Which drug?"):
            # its list ends at its first full stop
            stop = FULL_STOP.search(text, label.end(), end)
            spans.append((label.start(), stop.end() if stop else end))
            continue
        line_end = text.find("\n", label.end(), end)
        if line_end >= 0 and text[label.end() : line_end].strip():
            # a heading with its list on its own line ("Protocol summary: enrolled population CP A 100%, ...") ends
            # there, unless the line runs on (no full stop) or list items follow: the next line may be the patient's
            while line_end >= 0 and (
                text[:line_end].rstrip()[-1:] not in (".", "!", "?") or LIST_ITEM.match(text[line_end + 1 : end])
            ):
                line_end = text.find("\n", line_end + 1, end)
            end = line_end if line_end >= 0 else end
        spans.append((label.start(), end))
    for heading in HEADING_LINE.finditer(text):
        title = heading.group(1).strip().lower()
        if title in headers or not any(title.startswith(h + " ") for h in headers):
            continue  # a heading that is only a header is read above
        # a heading line that opens with a population header ("Inclusion criteria from a registry listing ...:"):
        # the list items right below it
        end = heading.end()
        for line in re.finditer(r"\n([^\n]*)", text[heading.end() :]):
            if not LIST_ITEM.match(line.group(1)):
                break
            end = heading.end() + line.end()
        if end > heading.end():
            spans.append((heading.start(), end))
    return spans


def other_case_spans(text: str, labels: tuple[str, ...], asked_by: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """Character spans of the other cases when a message lists several people under their own headings ("Case 5:
    ...", "Bed 4 - Mrs F ...", "Bed 1  Mrs Peel 70 ...", "1) Bed 2 - ...", "(Case 6, discussed before, ...)") and one
    of them is the patient: each heading's block runs to the next heading (the last one to the end). The patient's
    block is the one asked about by its label elsewhere ("please advise for case 6", "Q from reg: Bed 6"), or, when
    none is named, the one block that says it is ("(subject of this letter)"; `asked_by`: `story.case_asked_by`).
    Nothing when fewer than two cases are listed, or several or none are named (their facts then conflict and are
    asked for; a cancer word or "my patient" in a block does not decide: the review found both written of the other
    cases too). Labels are data (the vocabulary's `story.case_labels`)."""
    if not labels:
        return []
    label = "(?:" + "|".join(re.escape(w) for w in sorted(labels, key=len, reverse=True)) + ")"
    ident = r"#?\s*(?P<id>\d{1,4}[a-z]?\b|[a-z]\b)"
    # the heading may carry a short aside before its separator ("* Subj 029 (F, 61): SCREEN FAIL ..."); a number is
    # followed by a separator or by a capitalised word ("Bed 1  Mrs Peel 70", "Bd6 Mr Farouk")
    aside = r"(?:\([^()\n]{0,30}\)\s*)?"
    after = r"(?:\s*[:\-–),]|(?<=\d)(?:[a-z]?)[ \t]+(?-i:[A-Z]))"
    opening = r"^[ \t>*•(\[-]*(?:\d{1,2}[.)][ \t]*)?"
    headers = list(re.finditer(rf"{opening}{label}\s*{ident}\s*{aside}{after}", text, re.I | re.M))
    labelled = len({h.group("id").lower() for h in headers}) >= 2
    if not labelled:
        # items numbered without a label ("1) W.X., 70M - ...", "3) M.N., 63M - ...") asked about by a label
        # elsewhere ("your patient is item 3")
        headers = list(re.finditer(r"^[ \t>*•-]*(?P<id>\d{1,2})[.)]\s", text, re.M))
    ids = [h.group("id").lower() for h in headers]
    if len(set(ids)) < 2:
        return []
    ends = [h.start() for h in headers[1:]] + [len(text)]
    blocks = {n: (h.start(), end) for h, end, n in zip(headers, ends, ids, strict=True)}
    at_header = {h.start("id") for h in headers}
    named = {
        m.group("id").lower()
        for m in re.finditer(rf"\b{label}\s*{ident}", text, re.I)
        if m.start("id") not in at_header and m.group("id").lower() in blocks
    }
    if not named and labelled:
        # none named: the one block that says it is the one asked about ("(subject of this letter)")
        named = {n for n in ids if _names_any(text[slice(*blocks[n])], asked_by)}
    if len(named) != 1:
        return []  # several or none: no one block is the patient's
    return [span for n, span in blocks.items() if n not in named]


# a quotation, which may run over several lines of a pasted passage (up to the 4,000-character message bound)
# (in single quotes too: an apostrophe between letters, "dad's", does not close it); quotations of any length are
# paired in order, so a short one ('"Mr J.T., 59"') is not left to open a quotation at its closing mark
QUOTED = re.compile(
    r"[\"“]([^\"“”]{1,4000}?)[\"”]"
    r"|(?:(?<=^)|(?<=[\s:(]))['‘]((?:[^'‘’]|(?<=[A-Za-z])['’](?=[A-Za-z])){1,4000}?)['’](?![A-Za-z])"
)


def quoted_source_spans(text: str, sources: tuple[str, ...]) -> list[tuple[int, int]]:
    """Character spans of passages quoted from a source that is not the patient's record ('I found this on a patient
    forum: "My husband, 70, ... took sorafenib"', 'a teaching slide: "... enrolled Child-Pugh A"'): a quotation of
    four words or more with a source word (the vocabulary's `story.quoted_sources`) in the eight words before it.
    A quotation of the patient's own record ('the CT report describes a mass that "replaces more than half of the
    liver"') names no such source and stays the patient's."""
    if not sources:
        return []
    spans: list[tuple[int, int]] = []
    for match in QUOTED.finditer(text):
        if len((match.group(1) or match.group(2)).split()) < 4:
            continue
        before = re.findall(r"[a-z']+", text[max(0, match.start() - 80) : match.start()].lower())[-8:]
        if set(before) & set(sources):
            spans.append((match.start(), match.end()))
    return spans


def struck_spans(text: str, marks: tuple[str, ...]) -> list[tuple[int, int]]:
    """Character spans of text the writer struck through ("~~2. M. Lindqvist - recurrence in liver graft~~" in a
    tumour-board minute): deleted words, not facts of the patient. A mark opens and the same mark closes, on one line;
    a note after the closing mark ("~~2. M. Lindqvist~~ - recurrence in graft") goes with what was struck, while words
    right after it replace it ("~~No autoimmune history~~ Autoimmune hepatitis"). `marks`: `story.struck_marks`."""
    spans: list[tuple[int, int]] = []
    for mark in marks:
        at = 0
        while (start := text.find(mark, at)) >= 0:
            end = text.find(mark, start + len(mark))
            if end < 0 or "\n" in text[start:end]:
                at = start + len(mark)
                continue
            close = end + len(mark)
            line_end = text.find("\n", close)
            line_end = len(text) if line_end < 0 else line_end
            if text[close:line_end].lstrip()[:1] in ("-", "–", "(", ":"):
                close = line_end  # "~~2. M. Lindqvist~~ - recurrence in graft, on sirolimus": a note on what was struck
            spans.append((start, close))
            at = close
    return spans


def choice_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of a question's lettered choices ("A) REFLECT B) RESORCE C) ...", "(a) ... (b) ..."): at
    least three, lettered in order from A. Their words are choices offered, not facts of a patient."""
    marks = [(m.start(), (m.group(1) or m.group(2)).lower()) for m in CHOICE.finditer(text)]
    runs: list[list[int]] = []
    for start, letter in marks:
        if letter == "a":
            runs.append([start])
        elif runs and len(runs[-1]) == ord(letter) - ord("a"):
            runs[-1].append(start)
    spans: list[tuple[int, int]] = []
    for run in runs:
        if len(run) < 3:
            continue
        last_end = text.find("\n", run[-1])
        spans.append((run[0], last_end if last_end >= 0 else len(text)))
    return spans


def patient_again(doc: Any, t: int, cue_start: int, cue_end: int, vocab: Vocabulary) -> bool:
    """Whether token t, after a relative's cue, speaks of the patient again: a subject pronoun ("his wife says he
    had a transplant"), or a pronoun of the other gender than the relative's ("his wife says his AFP is 500")."""
    genders = {g for g, words in vocab.kin.items() for k in range(cue_start, cue_end) if doc[k].lower_ in words}
    if not genders:
        return False  # "a man said he bled": not a relative of the patient; the story stays the speaker's
    word = doc[t].lower_
    return word in vocab.subjects or any(word in words for g, words in vocab.pronouns.items() if g not in genders)


THIRD_PERSON_OWNERS = {"his", "her", "their", "patient's", "pt's"}


def relatives_sentences(
    doc: Any,
    sentences: list[Any],
    kin: dict[str, str],
    pronoun: dict[str, str],
    lists: tuple[str, ...] = (),
    sex: str | None = None,
    subjects: frozenset[str] = frozenset(),
) -> dict[int, tuple[int, int]]:
    """In a note about the patient in the third person, a sentence whose first person is the patient's relative
    ("His older brother died of HCC after a year on sorafenib"; "mother RA on MTX" in a family history) and
    that says nothing of the patient (no pronoun but the relative's own "his") is the relative's story ("The kidney
    graft and the tacrolimus belong to her husband"). In a sentence opened by a heading of the patient's own list
    (`lists`: "PMH", "Meds"), the items before the relative are the patient's ("PMH: HTN, renal transplant 2011 on
    tacrolimus, his brother had a kidney transplant"); the relative's story runs on to the sentence's end (its items
    after a comma may still be the relative's: "his father had HCC, treated with sorafenib"). Sentence -> the tokens
    where the story starts and ends. Pronoun sentences after it stay the patient's (in a clinician's note "he" is
    the patient), unless opened by a subject pronoun of the other sex than the patient's (`sex`, from the note's
    "Mrs", "61F") after a relative of that sex was named: "father died of HCC at 60; he had sorafenib" about Mrs N is
    the father's."""
    result: dict[int, tuple[int, int]] = {}
    named: set[str] = set()  # genders of the relatives named so far
    for n, sentence in enumerate(sentences):
        words = [t for t in sentence if not t.is_punct and not t.is_space]
        first = next((t for t in words if t.lower_ in kin), None)
        if first is None:
            # opened by a subject pronoun (`subjects`, "he had sorafenib"; not "his recovery uneventful, on tac")
            opener = words[0].lower_ if words else ""
            if sex is not None and named and opener in subjects and opener in pronoun:
                genders = {pronoun[t.lower_] for t in words if t.lower_ in pronoun}
                if sex not in genders and genders <= named:
                    result[n] = (sentence.start, sentence.end)  # "he had sorafenib" after "father", about a woman
            continue
        named.add(kin[first.lower_])
        # the relative's owner: "his" in "His older brother"
        owner_at = next(
            (
                k
                for k in range(first.i - 1, max(sentence.start, first.i - 3) - 1, -1)
                if doc[k].lower_ in THIRD_PERSON_OWNERS
            ),
            first.i - 1,
        )
        owner = doc[owner_at].lower_ if owner_at >= 0 else ""
        if any(t.lower_ in pronoun and t.i < owner_at for t in words):
            continue  # the patient first: "He says his brother had a transplant"
        # a relative opening the sentence or a heading's answer ("Mother: RA on MTX", "FHx: father HCC, OLT 2011";
        # the analysis reads ":" as ",")
        place = words.index(first)
        opens = place == 0 or (place <= 2 and any(t.text in (":", ",") for t in doc[sentence.start : first.i]))
        if owner not in THIRD_PERSON_OWNERS and not opens:
            continue
        if first.i + 1 < len(doc) and doc[first.i + 1].lower_ == "of":
            continue  # "father of two, had a liver transplant in 2015": the patient described
        if any(t.lower_ in pronoun and t.i != owner_at for t in words):
            continue  # "his wife says he had a transplant": of the patient too
        if patients_list(sentence, lists):
            result[n] = (owner_at if owner in THIRD_PERSON_OWNERS else first.i, sentence.end)
        else:
            result[n] = (sentence.start, sentence.end)
    return result


def patients_list(sentence: Any, lists: tuple[str, ...]) -> bool:
    """Whether the sentence is opened by a heading of the patient's own list ("PMH:", "Meds -")."""
    words = " ".join(t.lower_ for t in sentence[:6] if not t.is_space and not t.is_punct)
    return any(words == heading or words.startswith(heading + " ") for heading in lists)


def cued(doc: Any, i: int, cues: tuple[str, ...]) -> bool:
    """Whether the words before the "my" of the family word at token i end with one of `cues`."""
    start = i - 1 if i > 0 and doc[i - 1].lower_ in ("my", "our") else i
    before = " " + " ".join(t.lower_ for t in doc[max(0, start - 6) : start]) + " "
    return any(before.endswith(f" {cue} ") for cue in cues)
