"""The one vocabulary (corpus/vocabulary.yaml): names of drugs, regimens, trials, analytes and findings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as default
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import CorpusError

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "corpus" / "vocabulary.yaml"


def exact_case(entry: str) -> tuple[str, bool]:
    """("LT", True) for an entry written "=LT" (matches only that case); else (entry, False)."""
    return (entry[1:], True) if entry.startswith("=") else (entry, False)


def phrase_pattern(entries: list[str], hyphen_words: tuple[str, ...] = ()) -> re.Pattern[str] | None:
    """One whole-word pattern for phrases (case-insensitive, or exact where written "=TEXT"); a phrase joined by a
    hyphen to one of `hyphen_words` still counts ("durvalumab-alone", "sorafenib-treated")."""
    parts = []
    for entry in sorted(entries, key=lambda e: len(e), reverse=True):
        text, exact = exact_case(entry)
        body = re.escape(text).replace(r"\ ", r"[\s-]+")
        parts.append(body if exact else f"(?i:{body})")
    if not parts:
        return None
    joined = "|".join(re.escape(w) for w in sorted(hyphen_words, key=len, reverse=True))
    after = rf"(?![\w/+]|-(?!(?i:{joined})\b)|\.\d)" if joined else r"(?![\w/+-]|\.\d)"
    return re.compile(r"(?<![\w/+-])(?:" + "|".join(parts) + r")" + after)


@dataclass(frozen=True)
class Analyte:
    """A measured value and how it is written."""

    key: str
    field: str
    label: str
    names: list[str]
    kind: str = "number"
    share: str = ""  # a volume that is the "part" or the "whole" of the share of the liver ("tumour volume 1,390 mL")
    # which way a value restricts the pathway ("higher": bilirubin, INR; "lower": AFP, albumin): a bound ("<1.2",
    # "> 1000") is read as its number only when that errs the restrictive way; "" reads no bound
    restrictive: str = ""
    units: dict[str, float] = default(default_factory=dict)
    unitless: list[dict[str, Any]] = default(default_factory=list)
    integer: bool = False
    units_name_it: tuple[str, ...] = ()  # units that name this analyte with no name written
    thousands_dot: str = ""
    threshold: float | None = None
    names_with_letter_only: tuple[str, ...] = ()  # names that count only with a class letter after them
    names_with_capital: tuple[str, ...] = ()  # lay names that count only with a capital class letter ("liver is A")
    bare_class: bool = False  # a class letter glued to a matching score ("B7") is this analyte
    glued_alone: tuple[str, ...] = ()  # names read with a class letter glued on and no score ("CPA")
    then_units: dict[str, str] = default(default_factory=dict)  # "9 stone 6": a number after a stone is in pounds


WORD = re.compile(r"[a-z0-9']+")
LABEL_CHARS = 300  # a note says in its first lines that it was dictated or scanned


@lru_cache(maxsize=64)
def _padded(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f" {' '.join(WORD.findall(phrase.lower()))} " for phrase in phrases)


def _says(text: str, phrases: tuple[str, ...]) -> bool:
    """Whether `text` holds one of `phrases` as whole words (lower case, punctuation ignored)."""
    low = " " + " ".join(WORD.findall(text.lower())) + " "
    return any(phrase in low for phrase in _padded(phrases))


@dataclass(frozen=True)
class Concept:
    """A finding read by medspaCy and the profile field it sets."""

    label: str
    field: str
    value: Any
    phrases: list[str]
    negated: Any = "ignore"  # value when negated; "ignore" means a negated mention says nothing
    history: str = "fact"  # "ignore": a finding in the past is not the recent one the field means
    wins_over: tuple[str, ...] = ()  # concepts this one overrides in the same sentence
    # the phrases as the vocabulary writes them (slots and noun numbers filled in), not the forms made from them with
    # an optional modifier or a dropped word: a written phrase wins a tie with another concept's made one ("small
    # varices" is written for small varices; made for varices of any size from "varices" and the modifier "small")
    written: frozenset[str] = frozenset()
    unstated: str | None = None  # said when a mention sets no value ("PVTT": "the level is not stated")
    # further facts an affirmed mention states ("new lung nodules": progression, and disease outside the liver)
    also: tuple[tuple[str, Any], ...] = ()
    # value when a cue says how well it is controlled (ConText CONTROLLED / UNCONTROLLED; "ignore": says nothing)
    controlled: Any = "ignore"
    uncontrolled: Any = "ignore"
    # "ignore": a mention planned or asked about states nothing ("listed for re-transplant"); "read": it states
    # the field as well ("planning first-line therapy": the patient is at the first line)
    proposed: str = "ignore"
    # values when its sentence holds words of a `sentence_words` list ("blistering on both soles ... stopped
    # altogether": {stopped: true}, not tolerated; "right hemicolectomy 10 days ago": {recent: true}) and no
    # mention of a concept in `unless` ("stopped at progression"); a mention with none of them states nothing
    when_said: tuple[tuple[str, Any], ...] = ()
    # values when the words right after the mention, past a colon or dash and up to the next comma, hold words of a
    # `sentence_words` list ("Ascites: moderate, paracentesis every 2 weeks", "HE: grade 2"), the graver first
    graded_by: tuple[tuple[str, Any], ...] = ()
    unless: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # labels one of which the message must name for `when_said` ("DRUG": a drug named)
    # how many sentences after its own `when_said` also reads ("blisters, could not walk. Doctor stopped it.")
    when_said_reach: int = 0
    # values when a mention of another concept lies near it in its sentence, within `near_words` words: the nearest
    # such mention decides, and says nothing when negated, possible or someone else's ("R adrenal 2.2 cm -> biopsy:
    # HCC": a site outside the liver with a tumour word is disease there; "lymph nodes not enlarged" is not)
    when_near: tuple[tuple[str, Any], ...] = ()
    near_words: int = 0
    # a word other concepts read beside (`when_near`), stating nothing itself: it never hides a ConText cue that
    # shares its words ("no new lesions", "New order: lenvatinib")
    cue_only: bool = False
    # the role of a drug written right after it with no cue of its own ("first line nivolumab ... from Jan 2025":
    # STATED, given when said in a statement); None: says nothing of the drug
    drug_role: str | None = None
    # "ecog": the sentence describes this field in words (what the patient can do); its value comes from the
    # labelled descriptions of corpus/descriptions.yaml, not from the mention
    described: str | None = None
    how: str = "stated"  # "described": a value read from words describing it (ECOG_1 "light housework"), announced
    # also a drug's adverse reaction ("hypertensive emergency", "nephrotic-range proteinuria"): in a sentence saying
    # the drug was stopped, read as the vocabulary's adverse-reaction concept reads its own phrases, besides its field
    reaction: bool = False


@dataclass(frozen=True, eq=False)  # hashed by identity: one loaded vocabulary, cached readers
class Vocabulary:
    """Everything the readers need to recognise words, loaded from one file."""

    path: Path
    agents: dict[str, list[str]]
    regimens: dict[str, dict[str, list[str]]]
    agent_implies: dict[str, str]
    classes: dict[str, list[str]]
    trials: dict[str, list[str]]
    terms: dict[str, list[str]]
    shorthand: dict[str, str]
    analytes: dict[str, Analyte]
    other_analytes: list[str]
    foreign_units: list[str]
    concepts: dict[str, Concept]
    general_question_openers: frozenset[str] = frozenset()
    # shorthand -> its other senses, each (the words any of which, among the few words before it, give that sense,
    # what it then means): "SpO2 97 RA" is room air, not rheumatoid arthritis
    shorthand_senses: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = default(default_factory=dict)
    question_headings: frozenset[str] = frozenset()  # "MCQ:", "Quick q:" before a question in general
    general_request_openers: frozenset[str] = frozenset()
    name_hyphen_words: tuple[str, ...] = ()  # "durvalumab-alone", "sorafenib-treated": still the drug's name
    continuation_openers: frozenset[str] = frozenset()  # "and in Child-Pugh B?": the question opens after it
    general_markers: tuple[str, ...] = ()  # "generally speaking, what are ...": a question in general, "?" or not
    question_starts: tuple[tuple[str, ...], ...] = ()  # words that open a question with or without "?"
    # words that open a question at any clause of a sentence ("rego 160, HFSR grade 3, what's the floor")
    clause_question_starts: tuple[tuple[str, ...], ...] = ()
    request_phrases: tuple[str, ...] = ()  # words that ask wherever they stand ("..., wondering how long")
    clause_joiners: tuple[str, ...] = ()  # words that open a later clause ("and", "but"), besides commas and dashes

    @cached_property
    def clause_split(self) -> re.Pattern[str]:
        """Where a sentence's later clauses begin: a comma, a spaced dash or a joiner word (compiled once)."""
        joiners = "|".join(re.escape(w) for w in self.clause_joiners) or "(?!)"
        return re.compile(rf",|\s[-–]\s|\b(?:{joiners})\b")

    writer_illness: tuple[str, ...] = ()  # words by which the writer speaks of their own illness
    glued_words: tuple[str, ...] = ()  # short words often typed onto the next one ("noPVT")
    writer_clinician: tuple[str, ...] = ()  # words by which the writer speaks of a patient in their care
    # named lists of words a sentence may hold (`when_said`): "stopped" ("discontinued", "came off"), "recent"
    sentence_words: dict[str, tuple[str, ...]] = default(default_factory=dict)
    patient_words: tuple[str, ...] = ()
    kin_names: frozenset[str] = frozenset()  # family words written as a name by the patient's relative
    # whose story a sentence tells when a lay writer names several people (see whose.`others_sentences`):
    # family words and pronouns by the person they name ({"she": ["mum", ...], "he": [...]}), the words that
    # name the patient among them ("asking for my mum"), and people whose "she said" reports on the patient
    kin: dict[str, tuple[str, ...]] = default(default_factory=dict)
    pronouns: dict[str, tuple[str, ...]] = default(default_factory=dict)
    patient_named_by: tuple[str, ...] = ()
    the_cancer: tuple[str, ...] = ()  # names of the cancer: with no cue, the relative said to have it is the patient
    patient_lists: tuple[str, ...] = ()  # headings of the patient's own lists (PMH, meds): items before a relative
    same_person: dict[str, str] = default(default_factory=dict)  # family word -> the word standing for its person
    kin_other_marks: tuple[str, ...] = ()  # marks of another relative than the family word ("-in-law", "step")
    patient_sex: dict[str, tuple[str, ...]] = default(default_factory=dict)  # pronoun gender -> words giving it
    subjects: frozenset[str] = frozenset()
    carers: tuple[str, ...] = ()
    particular: tuple[str, ...] = ()  # words naming one particular patient ("my pt", "Mr K"); pronouns count too
    age_words: tuple[str, ...] = ()  # a number followed by one of these is an age ("68F", "72 yo")
    # words that open a sentence said of a trial's population ("Patients had ...", "The trial enrolled ..."), and
    # headings of lists said of one ("Inclusion:", "Exclusion criteria:")
    population: tuple[str, ...] = ()
    population_headers: tuple[str, ...] = ()
    # a numbered section ("slide 5:", "Section 2 -") titled by one of `other_sections` ("Similar case - Dr Lee's
    # patient", "Evidence") holds another patient's or a trial's facts, as a population heading's list does
    section_labels: tuple[str, ...] = ()
    other_sections: tuple[str, ...] = ()
    case_labels: tuple[str, ...] = ()  # "Case 5:", "Patient B -": headings of several cases in one message
    case_asked_by: tuple[str, ...] = ()  # "(subject of this letter)": the words marking the case asked about
    quoted_sources: tuple[str, ...] = ()  # 'a patient forum: "..."': a quotation from these is not the patient's
    struck_marks: tuple[str, ...] = ()  # marks around struck-through text ("~~"): deleted words, not the patient's
    # (agent, least mg/day that counts as tolerated, the field it sets): a lower daily dose is not tolerated
    tolerated_daily_doses: tuple[tuple[str, float, str], ...] = ()
    # written-out numbers: {"units": {...}, "tens": {...}, "scales": {...}, "point": [...], "joiner": [...]}
    number_words: dict[str, Any] = default(default_factory=dict)
    # dictated notes: punctuation spoken as words ({"comma": ",", ...}), read as marks in a message that speaks
    # at least `dictation_min_marks` of the unambiguous ones; words a speech recogniser wrote for the term meant
    spoken_marks: dict[str, str] = default(default_factory=dict)
    dictation_min_marks: int = 2
    dictation_counted: frozenset[str] = frozenset()  # the spoken marks that count towards a dictated message
    misheard: dict[str, str] = default(default_factory=dict)
    # check-box marks of pasted forms: (checked, unchecked)
    form_marks: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    identifiers: tuple[str, ...] = ()  # "subject 0932", "MRN 4471023": a code, not a value
    # a row's answer that says its label is absent ("Transplant - nil", "Anticoagulants: not taking")
    absent_answers: tuple[str, ...] = ()
    form_columns: tuple[str, ...] = ()  # column headings that answer a grid's rows ("YES  NO")
    form_take_back: tuple[str, ...] = ()  # an aside after an absent answer that takes it back ("apart from ...")
    dictation_labels: tuple[str, ...] = ()  # words in a note's first lines saying it was dictated
    # a note made by character recognition (a fax, a scan): words in its first lines saying so, and how many of its
    # words, read with the letters a recogniser took for 0 and 1, must be words to read it so without them
    scanned_labels: tuple[str, ...] = ()
    scanned_min_repairs: int = 3
    scanned_short_words: frozenset[str] = frozenset()  # what a short capitalised word may be read as ("N0" -> "No")
    dictation_function_words: frozenset[str] = frozenset()  # never the last word of a sound-alike run ("as it is")
    dictation_kept_words: frozenset[str] = frozenset()  # never part of a sound-alike run ("a patient" is not apatinib)
    sound_alike: tuple[str, ...] = ()  # terms a dictated note may hold split into sound-alike words
    form_questions: tuple[tuple[str, str], ...] = ()  # marks of a question-and-answer row ("Q: ECOG?  A: 1")
    form_qualifiers: tuple[str, ...] = ()  # a row's second label qualifying its first ("On systemic treatment:")
    form_unanswered: tuple[str, ...] = ()  # words that leave an empty box unanswered ("result pending")
    digest: str = ""

    def says_dictated(self, text: str) -> bool:
        """Whether a note says in its first lines that it was dictated (`dictation.labels`: "[speech recognition -
        not proof-read]")."""
        return _says(text[:LABEL_CHARS], self.dictation_labels)

    def says_scanned(self, text: str) -> bool:
        """Whether a note says in its first lines that it was faxed or scanned (`scanned.labels`: "FAX RECEIVED")."""
        return _says(text[:LABEL_CHARS], self.scanned_labels)

    def writer_is_patient(self, text: str) -> bool:
        """Whether the writer speaks of their own illness (`writer_illness`: "my cancer", "apply to me")."""
        return _says(text, self.writer_illness)

    def names_field(self, text: str, field: str) -> bool:
        """Whether `text` names the analyte or scale that gives `field` ("PS", "performance status" for ecog)."""
        names = [n for a in self.analytes.values() if a.field == field for n in a.names if not n.startswith("=")]
        return _says(text, tuple(names))

    def says(self, text: str, words: str) -> bool:
        """Whether `text` holds a word of the `sentence_words` list `words` ("stopped": "discontinued", "came off")."""
        return _says(text, self.sentence_words.get(words, ()))

    def writer_is_clinician(self, text: str) -> bool:
        """Whether the writer speaks of a patient in their care (`writer_clinician`: "my patient", "our pt")."""
        return _says(text, self.writer_clinician)

    def names_particular(self, text: str) -> bool:
        """Whether `text` names one particular patient: a word of `particular` ("my pt", "Mr K"), a pronoun of
        `pronouns` ("his AFP") or an age (a number from 18 to 110 before a word of `age_words`: "68F", "72 yo")."""
        pronouns = tuple(w for words in self.pronouns.values() for w in words)
        if _says(text, self.particular + pronouns):
            return True
        words = re.findall(r"\d+(?:\.\d+)?|[a-z][a-z'/-]*", text.lower())
        ages = set(self.age_words)
        for i, word in enumerate(words[:-1]):
            if word.isdigit() and 18 <= int(word) <= 110:
                if words[i + 1] in ages or " ".join(words[i + 1 : i + 3]) in ages:
                    return True
        return False

    def asks(self, text: str) -> bool:
        """Whether `text` asks something: a question mark, or a sentence opening with a question's words."""
        if "?" in text:
            return True
        if _says(text, self.request_phrases):
            return True
        for sentence in re.split(r"[.!;:\n]+", text):
            for k, clause in enumerate(self.clause_split.split(sentence.lower())):
                words = re.findall(r"[a-z']+", clause)
                starts = self.question_starts if k == 0 else self.clause_question_starts
                if any(tuple(words[: len(start)]) == start for start in starts):
                    return True
        return False

    @property
    def agent_of_name(self) -> dict[str, str]:
        """Lower-cased name -> agent."""
        return {exact_case(n)[0].lower(): agent for agent, names in self.agents.items() for n in names}

    def agents_of(self, regimen: str) -> list[str]:
        """The agents of a regimen id ("atezolizumab+bevacizumab": both); none for an id the vocabulary lacks."""
        return list(self.regimens.get(regimen, {}).get("agents", []))

    def regimen_of_agents(self, agents: list[str]) -> list[str]:
        """Regimen ids for the agents named together in one sentence (pairs first, then singles)."""
        remaining = list(dict.fromkeys(agents))
        found: list[str] = []
        for regimen, meta in self.regimens.items():
            parts = meta.get("agents", [])
            if len(parts) > 1 and all(p in remaining for p in parts):
                found.append(regimen)
                remaining = [a for a in remaining if a not in parts]
        for agent in remaining:
            implied = agent if agent in self.regimens else self.agent_implies.get(agent)
            if implied and implied not in found:
                found.append(implied)
        return found

    def _names(self) -> list[str]:
        """The names of drugs and analytes and the phrases of findings, as written."""
        entries = [n for names in self.agents.values() for n in names]
        entries += [n for a in self.analytes.values() for n in a.names]
        return entries + [p for c in self.concepts.values() for p in c.phrases]

    def words(self) -> set[str]:
        """Every word of six letters or more the vocabulary knows (for spelling correction)."""
        out: set[str] = set()
        for entry in self._names():
            for word in re.split(r"[\s/+]+", exact_case(entry)[0].lower()):
                if len(word) >= 6 and re.fullmatch(r"[a-z][a-z'-]+", word):
                    out.add(word)
        return out

    def tokens(self) -> frozenset[str]:
        """Every single word the vocabulary writes, lower case, short ones and shorthand keys included ("hcc",
        "olt", "vp4", "s/p"): the pieces a run of words typed without spaces is split into."""
        entries = self._names() + [n for names in self.terms.values() for n in names] + list(self.terms)
        entries += [n for names in self.trials.values() for n in names]
        entries += list(self.shorthand) + list(self.glued_words) + list(self.foreign_units)
        out = {w for e in entries for w in exact_case(e)[0].lower().split()}
        return frozenset(w for w in out if w)

    def aliases(self) -> dict[str, list[str]]:
        """Canonical term -> names, for retrieval's query expansion."""
        mapping: dict[str, list[str]] = {}
        for agent, names in self.agents.items():
            mapping[agent] = [exact_case(n)[0] for n in names if exact_case(n)[0].lower() != agent]
        for regimen, meta in self.regimens.items():
            if meta.get("names"):
                mapping[regimen] = [exact_case(n)[0] for n in meta["names"]]
        for term, names in self.terms.items():
            mapping.setdefault(term, []).extend(exact_case(n)[0] for n in names)
        return mapping


def _analyte(key: str, raw: dict[str, Any]) -> Analyte:
    return Analyte(
        key=key,
        field=raw["field"],
        label=raw.get("label", key),
        names=[str(n) for n in raw.get("names", [])],
        kind=raw.get("kind", "number"),
        share=str(raw.get("share", "")),
        restrictive=str(raw.get("restrictive", "")),
        units={str(u).lower(): float(f) for u, f in (raw.get("units") or {}).items()},
        unitless=list(raw.get("unitless") or []),
        integer=bool(raw.get("integer", False)),
        units_name_it=tuple(str(u).lower() for u in raw.get("units_name_it") or ()),
        thousands_dot=str(raw.get("thousands_dot", "")),
        threshold=raw.get("threshold"),
        names_with_letter_only=tuple(str(n) for n in raw.get("names_with_letter_only") or ()),
        names_with_capital=tuple(str(n) for n in raw.get("names_with_capital") or ()),
        bare_class=bool(raw.get("bare_class", False)),
        glued_alone=tuple(str(n).lower() for n in raw.get("glued_alone") or ()),
        then_units={str(u).lower(): str(v).lower() for u, v in (raw.get("then_units") or {}).items()},
    )


def with_numbers(phrases: list[str], numbers: dict[str, str]) -> list[str]:
    """Each phrase of two words or more, and its form with its last noun in the other number ("peritoneal
    deposits" also as "peritoneal deposit"); the nouns are data (`noun_numbers` in the vocabulary)."""
    both = {**numbers, **{plural: singular for singular, plural in numbers.items()}}
    out = list(dict.fromkeys(phrases))
    seen = set(out)
    for phrase in phrases:
        words = phrase.split()
        other = both.get(words[-1].lower()) if len(words) > 1 and not phrase.startswith("=") else None
        variant = " ".join([*words[:-1], other]) if other else None
        if variant and variant not in seen:
            seen.add(variant)
            out.append(variant)
    return out


SLOT = re.compile(r"\{([a-z_]+)\}")


def with_slots(phrases: list[str], slots: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """Each phrase with `{slot}` words written out with every word of that slot ("spread to {owner} {site}": "spread
    to his lungs", "spread to the bones", ...); the slots are data (`phrase_slots` in the vocabulary). Returns the
    phrases and the names of slots a phrase uses but the vocabulary does not define. A slot written twice in one phrase
    takes the same word in both places ("{site} + {site}": "lung + lung"); two places that vary apart name two slots."""
    out: list[str] = []
    unknown: list[str] = []
    for phrase in phrases:
        names = SLOT.findall(phrase)
        if not names:
            out.append(phrase)
            continue
        unknown += [n for n in names if n not in slots]
        variants = [phrase]
        for name in dict.fromkeys(names):
            variants = [v.replace("{" + name + "}", word) for v in variants for word in slots.get(name, [])]
        out += [" ".join(v.split()) for v in variants]
    return list(dict.fromkeys(out)), unknown


def with_modifiers(phrases: list[str], modifiers: dict[str, list[str]]) -> list[str]:
    """Each phrase, and its forms with an optional modifier before its head noun ("mild encephalopathy"
    also as "mild hepatic encephalopathy"; "large varices" as "large oesophageal varices"). The head
    nouns and their modifiers are data (`optional_modifiers` in the vocabulary)."""
    out = list(dict.fromkeys(phrases))
    seen = set(out)
    for phrase in phrases:
        if phrase.startswith("="):
            continue
        words = phrase.split()
        for i, word in enumerate(words):
            for modifier in modifiers.get(word.lower(), ()):
                if i and words[i - 1].lower() == modifier:
                    continue
                variant = " ".join([*words[:i], modifier, *words[i:]])
                if variant not in seen:
                    seen.add(variant)
                    out.append(variant)
    return out


def with_dropped(phrases: list[str], droppable: frozenset[str]) -> list[str]:
    """Each phrase, and its form without the droppable words inside it (articles left out in shorthand or by a writer
    whose language has none: "trunk of the portal vein" also as "trunk of portal vein"). The words are data
    (`droppable_words` in the vocabulary); a phrase's first and last words are kept, and a phrase of three words or
    fewer is left whole."""
    out = list(dict.fromkeys(phrases))
    seen = set(out)
    for phrase in phrases:
        words = phrase.split()
        if phrase.startswith("=") or len(words) < 4:
            continue  # "to the lung" as "to lung" would match "liver to lung shunt"
        kept = [words[0], *(w for w in words[1:-1] if w.lower() not in droppable), words[-1]]
        variant = " ".join(kept)
        if len(kept) < len(words) and variant not in seen:
            seen.add(variant)
            out.append(variant)
    return out


def _unquoted_booleans(node: Any, at: str = "") -> list[str]:
    """Where a list of words holds a yes/no value: YAML reads an unquoted on, off, yes or no as true or false, so the
    word is lost ("function_words: [..., on, ...]" held true, not "on")."""
    if isinstance(node, dict):
        return [w for k, v in node.items() for w in _unquoted_booleans(v, f"{at}.{k}" if at else str(k))]
    if isinstance(node, list):
        found = [f"{at}: a yes/no word is unquoted (write it in quotes)" for v in node if isinstance(v, bool)][:1]
        return found + [w for v in node if isinstance(v, (dict, list)) for w in _unquoted_booleans(v, at)]
    return []


def load(path: Path = DEFAULT_PATH) -> Vocabulary:
    """Read and check the vocabulary; problems name the file and the entry."""
    import hashlib

    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CorpusError([f"{path}: cannot read the vocabulary: {exc}"]) from exc
    problems: list[str] = [f"{path}: {where}" for where in _unquoted_booleans(raw)]
    agents = {str(k): [str(n) for n in v] for k, v in (raw.get("agents") or {}).items()}
    regimens = {
        str(k): {kk: [str(x) for x in vv] for kk, vv in (v or {}).items()} for k, v in raw.get("regimens", {}).items()
    }
    for regimen, meta in regimens.items():
        for agent in meta.get("agents", []):
            if agent not in agents:
                problems.append(f"{path}: regimen '{regimen}' names unknown agent '{agent}'")
    implies = {str(k): str(v) for k, v in (raw.get("agent_implies") or {}).items()}
    for agent, regimen in implies.items():
        if agent not in agents or regimen not in regimens:
            problems.append(f"{path}: agent_implies '{agent}: {regimen}' names an unknown agent or regimen")
    analytes: dict[str, Analyte] = {}
    for key, spec in (raw.get("analytes") or {}).items():
        try:
            analytes[key] = _analyte(key, spec)
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{path}: analyte '{key}': {exc}")
    modifiers = {str(k).lower(): [str(m).lower() for m in v] for k, v in (raw.get("optional_modifiers") or {}).items()}
    numbers = {str(k).lower(): str(v).lower() for k, v in (raw.get("noun_numbers") or {}).items()}
    slots = {str(k): [str(w).lower() for w in v] for k, v in (raw.get("phrase_slots") or {}).items()}
    droppable = frozenset(str(w).lower() for w in raw.get("droppable_words") or ())
    concepts: dict[str, Concept] = {}
    for label, spec in (raw.get("concepts") or {}).items():
        if not isinstance(spec, dict) or "field" not in spec or "phrases" not in spec:
            problems.append(f"{path}: concept '{label}' needs a field and phrases")
            continue
        written, unknown_slots = with_slots([str(p) for p in spec["phrases"]], slots)
        if unknown_slots:
            problems.append(f"{path}: concept '{label}' uses undefined phrase_slots: {sorted(set(unknown_slots))}")
        for key in ("when_said", "graded_by"):
            unknown_lists = [k for k in spec.get(key) or {} if k not in (raw.get("sentence_words") or {})]
            if unknown_lists:
                problems.append(f"{path}: concept '{label}': {key} names no sentence_words list: {unknown_lists}")
        if spec.get("drug_role") not in (None, "STATED", "RECEIVED", "PROPOSED"):
            problems.append(f"{path}: concept '{label}': drug_role must be STATED, RECEIVED or PROPOSED")
        if spec.get("proposed", "ignore") not in ("ignore", "read"):
            problems.append(f"{path}: concept '{label}': proposed must be 'ignore' or 'read'")
        concepts[label] = Concept(
            label=label,
            field=spec["field"],
            value=spec.get("value"),
            phrases=with_dropped(with_modifiers(with_numbers(written, numbers), modifiers), droppable),
            written=frozenset(p.lower() for p in with_numbers(written, numbers)),
            negated=spec.get("negated", "ignore"),
            history=spec.get("history", "fact"),
            wins_over=tuple(spec.get("wins_over") or ()),
            unstated=spec.get("unstated"),
            also=tuple((str(k), v) for k, v in (spec.get("also") or {}).items()),
            controlled=spec.get("controlled", "ignore"),
            uncontrolled=spec.get("uncontrolled", "ignore"),
            proposed=spec.get("proposed", "ignore"),
            when_said=tuple((str(k), v) for k, v in (spec.get("when_said") or {}).items()),
            graded_by=tuple((str(k), v) for k, v in (spec.get("graded_by") or {}).items()),
            unless=tuple(str(u) for u in spec.get("unless") or ()),
            needs=tuple(str(u) for u in spec.get("needs") or ()),
            when_said_reach=int(spec.get("when_said_reach", 0)),
            when_near=tuple((str(k), v) for k, v in (spec.get("when_near") or {}).items()),
            near_words=int(spec.get("near_words", 0)),
            cue_only=bool(spec.get("cue_only", False)),
            drug_role=spec.get("drug_role"),
            described=spec.get("described"),
            how=spec.get("how", "stated"),
            reaction=bool(spec.get("reaction", False)),
        )
    for concept in concepts.values():
        unknown_near = [k for k, _ in concept.when_near if k not in concepts]
        if unknown_near:
            problems.append(f"{path}: concept '{concept.label}': when_near names no concept: {unknown_near}")
        if concept.cue_only and concept.field:
            problems.append(f"{path}: concept '{concept.label}': a cue_only concept states no field (field: \"\")")
        if concept.when_near and concept.near_words < 1:
            problems.append(f"{path}: concept '{concept.label}': when_near needs near_words (how many words apart)")
    # a phrase written under two concepts would be read as whichever the matcher lists first: one meaning per phrase
    owners: dict[str, list[str]] = {}
    for concept in concepts.values():
        for phrase in concept.written:
            owners.setdefault(phrase, []).append(concept.label)
    problems += [
        f"{path}: the phrase '{phrase}' is written under two concepts ({', '.join(labels)}): keep it under one"
        for phrase, labels in sorted(owners.items())
        if len(labels) > 1
    ]
    if problems:
        raise CorpusError(problems)
    return Vocabulary(
        path=path,
        agents=agents,
        regimens=regimens,
        agent_implies=implies,
        classes={str(k): [str(n) for n in v] for k, v in (raw.get("classes") or {}).items()},
        trials={str(k): [str(n) for n in v] for k, v in (raw.get("trials") or {}).items()},
        terms={str(k): [str(n) for n in v] for k, v in (raw.get("terms") or {}).items()},
        shorthand={str(k): str(v) for k, v in (raw.get("shorthand") or {}).items()},
        analytes=analytes,
        other_analytes=[str(n) for n in raw.get("other_analytes") or []],
        identifiers=tuple(str(n) for n in raw.get("identifiers") or []),
        foreign_units=[str(u).lower() for u in raw.get("foreign_units") or []],
        concepts=concepts,
        general_question_openers=frozenset(str(w) for w in raw.get("general_question_openers") or []),
        shorthand_senses={
            str(k): tuple((tuple(str(w) for w in sense["after"]), str(sense["means"])) for sense in v)
            for k, v in (raw.get("shorthand_senses") or {}).items()
        },
        question_headings=frozenset(str(w).lower() for w in raw.get("question_headings") or []),
        general_request_openers=frozenset(str(w) for w in raw.get("general_request_openers") or []),
        name_hyphen_words=tuple(str(w).lower() for w in raw.get("name_hyphen_words") or []),
        continuation_openers=frozenset(str(w).lower() for w in raw.get("continuation_openers") or []),
        general_markers=tuple(str(w).lower() for w in raw.get("general_markers") or []),
        question_starts=tuple(tuple(str(w).lower().split()) for w in raw.get("question_starts") or []),
        clause_question_starts=tuple(tuple(str(w).lower().split()) for w in raw.get("clause_question_starts") or []),
        request_phrases=tuple(" ".join(str(w).lower().split()) for w in raw.get("request_phrases") or []),
        clause_joiners=tuple(str(w).lower() for w in raw.get("clause_joiners") or []),
        writer_illness=tuple(str(w).lower() for w in raw.get("writer_illness") or []),
        glued_words=tuple(str(w).lower() for w in raw.get("glued_words") or []),
        writer_clinician=tuple(str(w).lower() for w in raw.get("writer_clinician") or []),
        sentence_words={
            str(k): tuple(str(w).lower() for w in v or []) for k, v in (raw.get("sentence_words") or {}).items()
        },
        patient_words=tuple(str(w) for w in raw.get("patient_words") or []),
        kin_names=frozenset(str(w) for w in raw.get("kin_names") or []),
        kin={
            str(g): tuple(str(w).lower() for w in ws) for g, ws in ((raw.get("story") or {}).get("kin") or {}).items()
        },
        pronouns={
            str(g): tuple(str(w).lower() for w in ws)
            for g, ws in ((raw.get("story") or {}).get("pronouns") or {}).items()
        },
        patient_named_by=tuple(str(w).lower() for w in (raw.get("story") or {}).get("patient_named_by") or []),
        the_cancer=tuple(str(w).lower() for w in (raw.get("story") or {}).get("the_cancer") or []),
        patient_lists=tuple(str(w).lower() for w in (raw.get("story") or {}).get("patient_lists") or []),
        patient_sex={
            str(g): tuple(str(w) for w in words)
            for g, words in ((raw.get("story") or {}).get("patient_sex") or {}).items()
        },
        kin_other_marks=tuple(str(w).lower() for w in (raw.get("story") or {}).get("kin_other_marks") or []),
        same_person={
            str(w).lower(): str(group[0]).lower()
            for group in (raw.get("story") or {}).get("same_person") or []
            for w in group
        },
        carers=tuple(str(w).lower() for w in (raw.get("story") or {}).get("carers") or []),
        subjects=frozenset(str(w).lower() for w in (raw.get("story") or {}).get("subjects") or []),
        particular=tuple(str(w).lower() for w in (raw.get("story") or {}).get("particular") or []),
        age_words=tuple(str(w).lower() for w in (raw.get("story") or {}).get("age_words") or []),
        population=tuple(str(w).lower() for w in (raw.get("story") or {}).get("population") or []),
        population_headers=tuple(str(w).lower() for w in (raw.get("story") or {}).get("population_headers") or []),
        section_labels=tuple(str(w).lower() for w in (raw.get("story") or {}).get("section_labels") or []),
        other_sections=tuple(str(w).lower() for w in (raw.get("story") or {}).get("other_sections") or []),
        case_labels=tuple(str(w).lower() for w in (raw.get("story") or {}).get("case_labels") or []),
        case_asked_by=tuple(str(w).lower() for w in (raw.get("story") or {}).get("case_asked_by") or []),
        quoted_sources=tuple(str(w).lower() for w in (raw.get("story") or {}).get("quoted_sources") or []),
        struck_marks=tuple(str(w) for w in (raw.get("story") or {}).get("struck_marks") or []),
        number_words=dict(raw.get("number_words") or {}),
        spoken_marks={str(k).lower(): str(v) for k, v in ((raw.get("dictation") or {}).get("marks") or {}).items()},
        dictation_min_marks=int((raw.get("dictation") or {}).get("min_marks", 2)),
        dictation_counted=frozenset(str(w).lower() for w in (raw.get("dictation") or {}).get("counted") or []),
        misheard={str(k).lower(): str(v) for k, v in ((raw.get("dictation") or {}).get("misheard") or {}).items()},
        form_marks=(
            tuple(str(m) for m in (raw.get("form_marks") or {}).get("checked") or []),
            tuple(str(m) for m in (raw.get("form_marks") or {}).get("unchecked") or []),
        ),
        absent_answers=tuple(str(w).lower() for w in (raw.get("form_marks") or {}).get("absent_answers") or []),
        form_columns=tuple(str(w).lower() for w in (raw.get("form_marks") or {}).get("columns") or []),
        form_take_back=tuple(str(w).lower() for w in (raw.get("form_marks") or {}).get("take_back") or []),
        dictation_labels=tuple(str(w).lower() for w in (raw.get("dictation") or {}).get("labels") or []),
        scanned_labels=tuple(str(w).lower() for w in (raw.get("scanned") or {}).get("labels") or []),
        scanned_min_repairs=int((raw.get("scanned") or {}).get("min_repairs", 3)),
        scanned_short_words=frozenset(str(w).lower() for w in (raw.get("scanned") or {}).get("short_words") or []),
        dictation_function_words=frozenset(
            str(w).lower() for w in (raw.get("dictation") or {}).get("function_words") or []
        ),
        dictation_kept_words=frozenset(str(w).lower() for w in (raw.get("dictation") or {}).get("kept_words") or []),
        sound_alike=tuple(str(w) for w in (raw.get("dictation") or {}).get("sound_alike") or []),
        form_questions=tuple((str(q), str(a)) for q, a in (raw.get("form_marks") or {}).get("questions") or []),
        form_qualifiers=tuple(str(w).lower() for w in (raw.get("form_marks") or {}).get("qualifiers") or []),
        form_unanswered=tuple(str(w).lower() for w in (raw.get("form_marks") or {}).get("unanswered") or []),
        tolerated_daily_doses=tuple(
            (str(agent), float(spec["min_mg_per_day"]), str(spec["field"]))
            for agent, spec in (raw.get("tolerated_daily_dose") or {}).items()
        ),
        digest=hashlib.sha256(text.encode()).hexdigest()[:16],
    )


@lru_cache(maxsize=4)
def vocabulary(path: Path = DEFAULT_PATH) -> Vocabulary:
    """The vocabulary at `path`, loaded once per process."""
    return load(path)


@dataclass
class Normalised:
    """Text with shorthand written out, and a map back to the original characters."""

    text: str
    origin: list[int]  # origin[i]: index in the original text of character i (len(text) + 1 entries)
    original: str

    def span(self, start: int, end: int) -> str:
        """The original words behind [start, end) of the normalised text."""
        a = self.origin[max(0, min(start, len(self.origin) - 1))]
        b = self.origin[max(0, min(end, len(self.origin) - 1))]
        if b <= a < len(self.original) and end > start:
            # words inside one written-out shorthand ("progressed" of "prog on"): the whole shorthand
            k = end
            while k < len(self.origin) - 1 and self.origin[k] <= a:
                k += 1
            b = self.origin[k] + 1
        return self.original[a:b].strip()


# How many words before a shorthand may give it another sense ("SpO2 97% RA", "sats 95 on RA")
SENSE_REACH = 3
SENSE_CHARS = 80  # the text looked back over for those words


@lru_cache(maxsize=4)
def _shorthand_pattern(items: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    table: dict[str, str] = {}
    for key, value in items:
        text, exact = exact_case(key)
        table[text if exact else text.lower()] = value
    return phrase_pattern([k for k, _ in items]), table


@lru_cache(maxsize=4)
def _sense_patterns(
    items: tuple[tuple[str, tuple[tuple[tuple[str, ...], str], ...]], ...],
) -> dict[str, list[tuple[re.Pattern[str], str]]]:
    found: dict[str, list[tuple[re.Pattern[str], str]]] = {}
    for key, senses in items:
        text, exact = exact_case(key)
        for after, means in senses:
            pattern = phrase_pattern(list(after))
            if pattern is not None:
                found.setdefault(text if exact else text.lower(), []).append((pattern, means))
    return found


def _sense(word: str, before: str, senses: dict[str, list[tuple[re.Pattern[str], str]]]) -> str | None:
    """The other sense of a shorthand that one of its sense words among the few words before it gives, if any."""
    # the few words before it in its own sentence ("SpO2 96%. RA on a biologic" is rheumatoid arthritis)
    own = re.split(r"[.;!?](?:\s|$)", before.split("\n")[-1])[-1]
    near = " ".join(own.split()[-SENSE_REACH:])
    for pattern, means in senses.get(word) or senses.get(word.lower()) or []:
        if pattern.search(near):
            return means
    return None


def normalise(text: str, vocab: Vocabulary) -> Normalised:
    """Write shorthand out ("s/p OLT" -> "status post liver transplant"), keeping a map to the original."""
    pattern, table = _shorthand_pattern(tuple(vocab.shorthand.items()))
    senses = _sense_patterns(tuple(vocab.shorthand_senses.items()))
    if pattern is None:
        return Normalised(text, list(range(len(text) + 1)), text)
    pieces: list[str] = []
    origin: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        pieces.append(text[last : match.start()])
        origin.extend(range(last, match.start()))
        word = match.group(0)
        before = text[max(0, match.start() - SENSE_CHARS) : match.start()]
        replacement = _sense(word, before, senses) or table.get(word) or table.get(word.lower()) or word
        # "Tx hx", not an acronym ("OLT") that a wrapped line may open
        title = word[:1].isupper() and not word.isupper()
        if title and replacement[:1].islower() and not before.split("\n")[-1].strip(" \t-*•>"):
            # a line opening in capitals still does ("Tx hx: sora 400bd" is a row of its own, not the line before
            # going on, as "treatment history: ..." in lower case would be)
            replacement = replacement[0].upper() + replacement[1:]
        pieces.append(replacement)
        origin.extend([match.start()] * (len(replacement) - 1) + [match.end() - 1])
        last = match.end()
    pieces.append(text[last:])
    origin.extend(range(last, len(text) + 1))
    return Normalised("".join(pieces), origin, text)
