"""One message -> patient facts with provenance, drugs with their roles, scenario facts and what was not read."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from .columns import analyte_columns
from .context import DRUG, Analysis, Mention, analyse
from .dates import sentence_date
from .forms import answered_rows, question_rows
from .scanned import scanned
from .spoken import dictated, spoken_numbers
from .values import MAX_TOKEN, read_values, unit_for_pending, value_rules
from .vocabulary import Normalised, Vocabulary, normalise, vocabulary
from .whose import struck_spans

# Where two statements in one message disagree about a finding, the reading that withholds more wins.
SAFER: dict[str, list[Any]] = {
    "ascites": ["moderate_severe", "mild", "none"],
    "encephalopathy": ["grade_3_4", "grade_1_2", "none"],
    "ecog": [4, 3, 2, 1, 0],
}
OUTCOME_CONCEPTS = {"PROGRESSION", "STABLE", "INTOLERANCE", "TOLERATED"}
REACTION = "ADVERSE_REACTION"  # the concept whose `when_said` rules read a finding that is also an adverse reaction
WORD = re.compile(r"[A-Za-z][A-Za-z-]{5,}")
GLUED = re.compile(r"\b[A-Za-z]{4,}\b")
LIST_COMMA = re.compile(r"(?<=[\w)%]),(?=[A-Za-z])")
GLUED_STOP = re.compile(r"(?<=[a-z]{2})\.(?=[A-Z])")  # "sys-tx naive.Transplant hx?none.AI dz?none": a sentence end
GLUED_PLUS = re.compile(r"(?<=[A-Za-z]{2})\+(?=[A-Za-z]{2})")  # "tacro+mmf": two items
SIGN_GLUED = re.compile(r"(?<=[A-Za-z])\((?=[-−+]\))")  # "Asc(-)", "RC(+)": the sign set off from its finding


@dataclass
class Fact:
    """One patient fact and where it came from."""

    field: str
    value: Any
    text: str  # the writer's words it was read from
    how: str = "stated"  # stated | computed | corrected | scenario


@dataclass
class Reading:
    """Everything read from one message."""

    facts: dict[str, Fact] = field(default_factory=dict)
    scenario: dict[str, Fact] = field(default_factory=dict)  # "what if ..." facts: evaluated, never stored
    received: list[str] = field(default_factory=list)  # regimens the patient has had
    asked: list[str] = field(default_factory=list)  # regimens asked about or proposed
    # of those, asked for by a cue in a statement ("wants X started")
    requested: list[str] = field(default_factory=list)
    presupposed: list[str] = field(default_factory=list)  # given, in a question in general ("after atezo/bev?")
    # what a question in general states of the patients it asks about ("is atezo-bev an option in Child-Pugh B?",
    # "can patients get STRIDE after a transplant?"): the conditions of the question, never a patient's facts
    conditions: dict[str, Fact] = field(default_factory=dict)
    compared: list[str] = field(default_factory=list)  # regimens compared
    unread: list[str] = field(default_factory=list)  # seen but not bound, each with the reason
    conflicts: list[str] = field(default_factory=list)  # disagreements resolved to the safer reading
    problems: list[str] = field(default_factory=list)  # values no patient can have
    corrected: set[str] = field(default_factory=set)  # fields whose earlier value the writer corrects
    pending: list[dict[str, Any]] = field(default_factory=list)  # numbers waiting for a unit (next turn)
    units_corrected: list[tuple[str, str]] = field(default_factory=list)  # ("IU/mL", "ng/mL"): meant, rejected
    replaced: list[tuple[str, str]] = field(default_factory=list)  # ("lenvatinib", "sorafenib"): meant, rejected
    asks: bool = False  # the message asks something (a "?", or a sentence opening as a question)
    particular: bool = False  # the message names one particular patient ("my pt", "his AFP", "68F")
    # the message says its question is asked in general, whoever it names ("In general, what is used after sorafenib?",
    # "Asking generally, not for one pt.")
    said_general: bool = False
    # words said of a trial's population or offered as a question's choices, not taken as the patient's
    elsewhere: list[str] = field(default_factory=list)
    # sentences that describe a field in words ({"ecog": ["walks the dog but no heavy jobs"]}), read by `described`
    described: dict[str, list[str]] = field(default_factory=dict)
    inferred: list[str] = field(default_factory=list)  # values read from a description, to be confirmed
    undescribed: set[str] = field(default_factory=set)  # fields the writer names without a value: not inferred

    @property
    def values(self) -> dict[str, Any]:
        """Profile fields stated in the message (the old extraction shape)."""
        return {name: fact.value for name, fact in self.facts.items()}


@lru_cache(maxsize=2)
def _known_words(vocab: Vocabulary) -> tuple[set[str], list[str]]:
    """Words to correct towards, and words that are never corrected (the cues of the rules file too)."""
    from .context import load_rules

    targets = vocab.words()
    protected = set(targets) | {w for p in vocab.patient_words for w in p.split()}
    for rule in [*load_rules(), *value_rules()]:
        protected |= set(re.findall(r"[a-z][a-z'-]+", str(rule["literal"]).lower()))
    protected |= {w for v in vocab.shorthand.values() for w in re.findall(r"[a-z][a-z'-]+", v.lower())}
    return protected, sorted(targets)


# An English word this common (pyspellchecker's word frequencies, bundled with it) is a word, not a typo of a
# vocabulary word one letter away: "infections" is not "injections", "internal" not "interval", "drinking"
# not "draining". Typos of drug names and findings ("sorafanib", "ascities", "bilirubn") are not in it.
ENGLISH_WORD_MIN_FREQUENCY = 100


@lru_cache(maxsize=1)
def _english() -> Any:
    from spellchecker import SpellChecker

    return SpellChecker(language="en").word_frequency


@lru_cache(maxsize=2)
def _is_word(vocab: Vocabulary) -> Callable[[str], bool]:
    """Whether a lower-case word is a vocabulary word, a rule's cue word or a common English word (a scanned
    note's repairs are read towards these)."""
    said = {w for words in vocab.sentence_words.values() for phrase in words for w in phrase.lower().split()}
    known = _known_words(vocab)[0] | set(vocab.tokens()) | said
    english = _english()
    return lambda word: word in known or english[word] >= ENGLISH_WORD_MIN_FREQUENCY


def _spelling(text: str, vocab: Vocabulary) -> dict[str, str]:
    """Misspelt vocabulary words ("sorafanib", "bilirubn", "ascities") -> the nearest known word."""
    known, _ = _known_words(vocab)
    fixes: dict[str, str] = {}
    for match in WORD.finditer(text):
        word = match.group(0)
        low = word.lower()
        if low in known or len(low) > MAX_TOKEN // 2 or word in fixes:
            continue
        if _english()[low] >= ENGLISH_WORD_MIN_FREQUENCY:
            continue
        close = _closest(low, vocab)
        if close:
            fixes[word] = close
    # A short word typed onto the next ("noPVT", "noascites"; `glued_words`): split when the rest is known.
    for match in GLUED.finditer(text):
        word = match.group(0)
        low = word.lower()
        glues = [g for g in vocab.glued_words if low.startswith(g)]
        if not glues or low in known or word in fixes or _english()[low] >= ENGLISH_WORD_MIN_FREQUENCY:
            continue
        for glue in glues:
            rest = low[len(glue) :]
            if len(rest) > 1 and (rest in known or rest in vocab.shorthand):
                fixes[word] = f"{word[: len(glue)]} {word[len(glue) :]}"
                break
    # Words typed without spaces ("HCCrecurrence", "s/pOLT2017", "Vp4PVTT"): split where the kind of character
    # changes when every piece is a vocabulary word or a number.
    for match in RUN.finditer(text):
        word = match.group(0)
        if word in fixes or word.lower() in known or _english()[word.lower()] >= ENGLISH_WORD_MIN_FREQUENCY:
            continue
        pieces = _segments(word, _pieces(vocab), _short_pieces(vocab))
        if pieces and len(pieces) > 1:
            fixes[word] = " ".join(pieces)
    return fixes


RUN = re.compile(
    r"(?<![\w/])(?=[\w/]*[A-Za-z])(?=[\w/]*(?:[a-z][A-Z]|[A-Za-z]\d|\d[A-Za-z]|[A-Z]{2}[a-z]))[\w/]{5,30}(?![\w/])"
)


@lru_cache(maxsize=2)
def _pieces(vocab: Vocabulary) -> frozenset[str]:
    return vocab.tokens()


@lru_cache(maxsize=2)
def _short_pieces(vocab: Vocabulary) -> frozenset[str]:
    """Pieces of one or two letters a run may hold: the glued words ("no", "on") and two-letter shorthand ("1L")."""
    keys = {k.lstrip("=").lower() for k in vocab.shorthand}
    return frozenset({*vocab.glued_words, *(k for k in keys if len(k) <= 2)})


def _kind(c: str) -> str:
    return "d" if c.isdigit() else "u" if c.isupper() else "l" if c.islower() else c


def _segments(word: str, pieces: frozenset[str], short: frozenset[str] = frozenset()) -> list[str] | None:
    """`word` split at changes of character kind (digit, upper, lower) into vocabulary words and numbers, fewest
    pieces first; None when no split works. An upper-case run before lower case gives its last capital to neither
    side by force: both "HCC|recurrence" and "Onc|Tac" are tried. Pieces of one or two letters must be in `short`."""
    cuts = [0] + [k for k in range(1, len(word)) if _kind(word[k - 1]) != _kind(word[k])] + [len(word)]

    def known(piece: str) -> bool:
        # a letter or two alone is too easily a piece of something else ("onTac" is not "on T ac")
        return piece.isdigit() or (piece.lower() in pieces and (len(piece) > 2 or piece.lower() in short))

    best: dict[int, list[str]] = {0: []}
    for end in cuts[1:]:
        options = [best[start] + [word[start:end]] for start in cuts if start < end and start in best]
        options = [o for o in options if known(o[-1])]
        if options:
            best[end] = min(options, key=len)
    return best.get(len(word))


@lru_cache(maxsize=4096)
def _closest(word: str, vocab: Vocabulary) -> str | None:
    """The known word `word` is a typo of, if any (typos rarely change the first letter)."""
    _, ordered = _known_words(vocab)

    # A typo is one slip (a letter missed, doubled, swapped or struck for its neighbour), two in a long
    # name ("sorefanib"); an ordinary word two slips from a vocabulary word ("drinking", "draining") is
    # another word, not a typo.
    limit = 2 if len(word) >= 9 else 1
    candidates = [w for w in ordered if w[0] == word[0] and abs(len(w) - len(word)) <= limit]
    for close in difflib.get_close_matches(word, candidates, n=3, cutoff=0.75):
        if _slips(word, close, limit) <= limit and not _grade_changed(word, close):
            return close
    return None


def _grade_changed(word: str, close: str) -> bool:
    """Whether two words differ only in a code's grade after its last hyphen ("bclc-b", "bclc-c"): another grade,
    never a typo."""
    head, _, tail = word.rpartition("-")
    other_head, _, other_tail = close.rpartition("-")
    return bool(head) and head == other_head and len(tail) <= 2 and len(other_tail) <= 2 and tail != other_tail


def _slips(a: str, b: str, limit: int) -> int:
    """Edits (insertion, deletion, substitution, swap of neighbours) from `a` to `b`, up to `limit` + 1."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], previous2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        previous2, previous = previous, row
    return previous[-1]


def _normalised(text: str, vocab: Vocabulary) -> Normalised:
    # struck-through words are deleted words: blanked (the same length), the words after the closing mark kept
    for a, b in struck_spans(text, vocab.struck_marks):
        text = text[:a] + " " * (b - a) + text[b:]
    text = spoken_numbers(
        analyte_columns(
            answered_rows(
                question_rows(
                    dictated(scanned(text, vocab, _is_word(vocab)), vocab),
                    vocab.form_questions,
                    vocab.general_question_openers,
                ),
                vocab.form_marks,
                vocab.form_columns,
                vocab.form_qualifiers,
            ),
            vocab,
        ),
        vocab,
    )
    text = LIST_COMMA.sub(", ", text)  # "alb2.9,mild asc on spiro,noHE": a list typed without spaces
    text = SIGN_GLUED.sub(" (", text)
    text = GLUED_PLUS.sub(" + ", GLUED_STOP.sub(". ", text))
    fixes = _spelling(text, vocab)
    if fixes:
        pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(fixes, key=len, reverse=True)) + r")\b")
        text = pattern.sub(lambda m: fixes[m.group(0)], text)
    return normalise(text, vocab)


def read(text: str, vocab: Vocabulary | None = None, general: bool = True) -> Reading:
    """Read one message into facts with provenance, drug roles, scenario facts and unread items. With `general`
    False, a question in general is read like any other sentence (how its conditions are found)."""
    vocab = vocab or vocabulary()
    norm = _normalised(text, vocab)
    out = Reading(asks=vocab.asks(text), particular=vocab.names_particular(text))
    analysis = analyse(norm.text, vocab, general)
    out.said_general = out.asks and (
        any(sentence.marked for sentence in analysis.sentences) or vocab.says(text, "asked_in_general")
    )
    if general and any(sentence.general for sentence in analysis.sentences):
        asked = " ".join(norm.text[s.start : s.end] for s in analysis.sentences if s.general)
        conditions = read(asked, vocab, general=False)
        out.conditions = {**conditions.facts}
        if conditions.received:
            out.conditions.pop("prior_therapies", None)  # what was given is `presupposed`
    numbers = read_values(norm, vocab, lambda at: analysis.in_scope("HYPOTHETICAL", at), analysis.someone_else)
    out.unread += numbers.unread
    out.problems += numbers.problems
    out.corrected |= numbers.corrected
    out.pending = numbers.pending
    for value in numbers.values:
        if any(a <= value.start < b for a, b in analysis.unchecked):
            if not isinstance(value.value, bool):
                out.unread.append(f"'{value.text}' is in a row answered no or not ticked: not used")
                continue
            value = replace(value, value=not value.value)  # "[ ] Tumour >= 50% of liver": under half
        scenario = analysis.in_scope("HYPOTHETICAL", value.start)
        _values_to_facts(value, out.scenario if scenario else out.facts)
    out.units_corrected = numbers.units_corrected
    out.elsewhere += [words for at, words in numbers.elsewhere if analysis.in_scope("POPULATION", at)]
    _findings(analysis, norm, vocab, out, numbers.superseded)
    _drugs(analysis, norm, vocab, out)
    _derived(out)
    return out


def complete_pending(
    reading: Reading, pending: list[dict[str, Any]], text: str, vocab: Vocabulary | None = None
) -> None:
    """Numbers of an earlier turn that waited for their unit take the unit this message names."""
    vocab = vocab or vocabulary()
    for value in unit_for_pending(pending, _normalised(text, vocab), vocab):
        if value.field not in reading.facts:
            reading.facts[value.field] = Fact(value.field, value.value, value.text)


def _derived(out: Reading) -> None:
    """A Child-Pugh class that follows from a stated score ("Child-Pugh score 7" is class B)."""
    from ..calculators import child_pugh_class

    for facts in (out.facts, out.scenario):
        score = facts.get("child_pugh_score")
        if score is not None and "child_pugh_class" not in facts:
            facts["child_pugh_class"] = Fact("child_pugh_class", child_pugh_class(score.value), score.text, "computed")


def _values_to_facts(value: Any, target: dict[str, Fact]) -> None:
    how = "stated"
    if value.analyte == "child_pugh":
        letter, score = value.value
        if letter:
            target["child_pugh_class"] = Fact("child_pugh_class", letter, value.text, how)
        if score is not None:
            target["child_pugh_score"] = Fact("child_pugh_score", score, value.text, how)
        return
    target[value.field] = Fact(value.field, value.value, value.text, how)


def _findings(
    analysis: Analysis,
    norm: Normalised,
    vocab: Vocabulary,
    out: Reading,
    superseded: Sequence[tuple[str, int, str]] = (),
) -> None:
    by_field: dict[str, list[tuple[Any, Mention, bool]]] = {}
    found = [m for m in analysis.mentions if m.label != DRUG]
    overridden = {
        (m.sentence, label)
        for m in found
        for label in vocab.concepts[m.label].wins_over
        if "NEGATED_EXISTENCE" not in m.categories
    }
    possible: dict[str, list[tuple[Any, Mention]]] = {}
    # "planning first-line therapy" states the line in a case ("CP-A, ECOG 1; planning first-line ..."), not in
    # a question about a drug ("nivo + ipi 1L dosing"): read only beside other facts of the patient.
    planned: list[tuple[str, Any, Mention]] = []
    labels = _row_labels(found, norm, vocab)
    for m in found:
        concept = vocab.concepts[m.label]
        cats = m.categories
        if m in labels:
            continue  # "Extrahepatic disease: PET-CT negative": the row's label names the field its answer gives
        if (
            concept.field
            and concept.proposed == "read"
            and analysis.sentences[m.sentence].general
            and not cats & {"FAMILY", "POPULATION", "FUTURE", "NEGATED_EXISTENCE", "HYPOTHETICAL"}
        ):
            # "CP-A6, ECOG 1, <50% liver. whats 1st line??": asked after the patient's facts, the line is the patient's
            # (read below only beside other facts of the patient, as "planning first-line therapy" is)
            planned.append((concept.field, concept.value, m))
            continue
        if not concept.field or cats & {"FAMILY", "POPULATION", "FUTURE"} or analysis.sentences[m.sentence].general:
            if concept.field and "POPULATION" in cats and not cats & {"FAMILY", "FUTURE"}:
                out.elsewhere.append(norm.text[m.start : m.end])
            continue
        sentence = analysis.sentences[m.sentence]
        earlier = next(
            (words for f, at, words in superseded if f == concept.field and sentence.start <= at < sentence.end), None
        )
        if concept.how == "described" and earlier is not None:
            # "05/09: ECOG 3 (bed-bound on the ward) ... today: ECOG 1": the words describe a reading a later one
            # replaced, and are replaced with it
            out.conflicts.append(
                f"'{norm.span(m.start, m.end)}' describes the earlier reading '{earlier}'; the latest reading is used"
            )
            continue
        if concept.described:
            # What the patient can do, in words: the whole sentence is the description (its own negations
            # included: "can't manage the heavy jobs"); one about the past or a hypothesis describes nothing now.
            if not cats & {"HYPOTHETICAL", "HISTORICAL"}:
                sentence = analysis.sentences[m.sentence]
                description = " ".join(norm.text[sentence.start : sentence.end].split())
                if concept.described in out.facts:
                    pass  # the grade is written in the message: the words only describe it
                elif concept.described in out.undescribed:
                    pass
                elif vocab.names_field(description, concept.described):
                    # "PS: honestly torn between 1 and 2, still potters about the garden": the writer names the
                    # scale and gives no one grade; the words are not graded in the writer's place
                    out.unread.append(f"'{description}': no single {concept.described.upper()} grade is given")
                    out.described.pop(concept.described, None)
                    out.undescribed.add(concept.described)
                else:
                    seen = out.described.setdefault(concept.described, [])
                    if description not in seen:
                        seen.append(description)
            continue
        if (m.sentence, m.label) in overridden or (m.role == "PROPOSED" and concept.proposed == "ignore"):
            continue  # "listed for re-transplant", "referral for transplant evaluation": not had
        if concept.drug_role and _labels_given_drug(m, analysis):
            continue  # "1L atezo/bev 02/2025-10/2025 -> PD": the line that drug was given in, not the one to choose
        if m.role == "PROPOSED" or ("POSSIBLE_EXISTENCE" in cats and concept.proposed == "read"):
            # a line of treatment awaited is planned, not uncertain ("awaiting first-line systemic therapy")
            planned.append((concept.field, concept.value, m))
            continue
        if "POSSIBLE_EXISTENCE" in cats:
            out.unread.append(f"'{norm.span(m.start, m.end)}' is described as possible, not confirmed: not used")
            if "HYPOTHETICAL" not in cats:
                # a finding with no value of its own ("?HE", "not yet assessed for encephalopathy") leaves its
                # whole field open: OPEN stands for every value
                possible.setdefault(concept.field, []).append((OPEN if concept.value is None else concept.value, m))
            continue
        if "HISTORICAL" in cats and concept.history == "ignore":
            continue
        if "NEGATED_EXISTENCE" in cats:
            if concept.negated == "ignore":
                continue
            value = concept.negated
        elif "UNCONTROLLED" in cats and concept.uncontrolled != "ignore":
            value = concept.uncontrolled  # "blood pressure still sky high on three agents"
        elif "CONTROLLED" in cats and concept.controlled != "ignore":
            value = concept.controlled  # "Hypertension - controlled on ramipril"
        elif (graded := _graded(m, norm, vocab)) != "ignore":
            value = graded  # "Ascites: moderate, paracentesis every 2 weeks", "HE: grade 2, on lactulose"
        elif (said := _when_said(m, analysis, norm, vocab)) != "ignore":
            value = said  # "blistering on both soles ... stopped altogether", "hemicolectomy 10 days ago"
        elif (near := _when_near(m, analysis, norm, vocab)) is not None:
            value, m = near  # "R adrenal 2.2 cm -> biopsy: HCC": read from both words, shown as one span
        else:
            value = concept.value
        scenario = "HYPOTHETICAL" in cats
        by_field.setdefault(concept.field, []).append((value, m, scenario))
        if "NEGATED_EXISTENCE" not in cats:
            for field, implied in concept.also:
                by_field.setdefault(field, []).append((implied, m, scenario))
            reaction = (
                vocab.concepts.get(REACTION) if concept.reaction and _of_a_drug(m, analysis, norm, vocab) else None
            )
            if reaction is not None and (stopped := _when_said(m, analysis, norm, vocab, reaction)) != "ignore":
                # "lenvatinib ...; stopped for nephrotic-range proteinuria": a finding that made the drug stop
                by_field.setdefault(reaction.field, []).append((stopped, m, scenario))
    if out.facts or by_field:
        for field, value, m in planned:
            by_field.setdefault(field, []).append((value, m, "HYPOTHETICAL" in m.categories))
    for name, entries in by_field.items():
        for scenario in (False, True):
            group = [(v, m) for v, m, s in entries if s is scenario]
            if not group:
                continue
            target = out.scenario if scenario else out.facts
            known = [(v, m) for v, m in group if v is not None]
            if not known:
                first = group[0][1]
                said = vocab.concepts[first.label].unstated
                if not scenario and name not in target and said != "":
                    out.unread.append(f"'{norm.span(first.start, first.end)}': {said or 'not enough to set a fact'}")
                continue
            value, mention = _resolve(name, known, norm, out, analysis)
            how_read = vocab.concepts[mention.label].how
            stated = target.get(name)
            if how_read == "described" and stated is not None and stated.how == "stated" and stated.value == value:
                continue  # "ECOG 1 - only unable to do heavy work": the words describe the grade written
            if how_read == "described" and stated is not None and stated.how == "stated" and stated.value != value:
                # "ECOG 1 ... no longer able to work", "ECOG 2 ... still plays golf": the graver grade, announced
                words = norm.span(mention.start, mention.end)
                graver = value if _safer(name, value, stated.value) else stated.value
                out.conflicts.append(
                    f"'{stated.text}' and '{words}' give {name.replace('_', ' ')} {stated.value} and {value}; "
                    f"{graver} is used"
                )
                if graver == stated.value:
                    continue
            target[name] = Fact(name, value, norm.span(mention.start, mention.end), how_read)
            if how_read == "described" and not scenario:
                label = "ECOG" if name == "ecog" else name.replace("_", " ")
                out.inferred.append(f"{label} {value} from the words '{target[name].text}'; please confirm it")
    for name, maybe in possible.items():
        fact = out.facts.get(name)
        if fact is not None and any(
            _safer(name, v, fact.value) or (v is OPEN and _graver_exists(name, fact.value)) for v, _ in maybe
        ):
            # "thrombus in the right portal vein; the report queries extension into the main portal vein":
            # the branch reading is not a fact while the graver one is still open. "A bit muddled in the evenings;
            # not yet assessed for encephalopathy": the grade the words suggest is not a fact while the
            # assessment is open (the gravest reading would stand: nothing graver is left open).
            del out.facts[name]
            shown = ", ".join(f"'{norm.span(m.start, m.end)}'" for _, m in maybe)
            out.unread.append(f"{name.replace('_', ' ')}: '{fact.text}' is stated, but {shown} is still open: not used")


def _row_labels(found: list[Mention], norm: Normalised, vocab: Vocabulary) -> set[Mention]:
    """Findings written as a row's label, before a colon, whose row answers them absent with another finding of the
    same field ("Extrahepatic disease: PET-CT negative"): the label names the field, the other finding answers it. A
    label a cue answers itself ("Portal vein tumour thrombus: ruled out on MRI") is a finding of its own."""
    out: set[Mention] = set()
    for m in found:
        field = vocab.concepts[m.label].field
        if not field or m.categories or not norm.text[m.end : m.end + 3].lstrip(" \t").startswith(":"):
            continue
        if _graded(m, norm, vocab) != "ignore":
            continue  # "Ascites: trace only on US, never tapped": the label's own grade answers it
        row_end = norm.text.find("\n", m.end)
        row_end = len(norm.text) if row_end < 0 else row_end
        answer = min(
            (o for o in found if o is not m and m.end < o.start < row_end and vocab.concepts[o.label].field == field),
            key=lambda o: o.start,
            default=None,
        )
        if answer is not None and (
            "NEGATED_EXISTENCE" in answer.categories or vocab.concepts[answer.label].value is False
        ):
            # the row's first finding of the field answers its label the other way ("PET-CT negative"); one that
            # names the finding again, or a vaguer one ("Main portal vein: tumour thrombus"), leaves the label a
            # finding, as does a row going on to say more ("admitted with haematemesis: variceal banding (4 bands)
            # three weeks ago, now on propranolol")
            out.add(m)
    return out


def _of_a_drug(m: Mention, analysis: Analysis, norm: Normalised, vocab: Vocabulary) -> bool:
    """Whether a finding is said of a drug of the pathway: one named in its sentence, one referred to ("stopped it for
    high BP"), or the one in the sentence before when this one opens with the stop (a row split by a semicolon:
    "lenvatinib 8 mg; stopped for proteinuria"); "Lisinopril stopped because of proteinuria" is another drug's."""
    if any(o.label == DRUG and o.sentence == m.sentence for o in analysis.mentions):
        return True
    sentence = analysis.sentences[m.sentence]
    words = norm.text[sentence.start : sentence.end]
    if vocab.says(words, "refers_back"):
        return True
    # the row goes on after a semicolon with the stop itself ("...; stopped for proteinuria"), not with another
    # drug's ("Lisinopril stopped because of proteinuria")
    opening = words.split()[0] if words.split() else ""
    return vocab.says(opening, "stopped") and any(
        o.label == DRUG and o.sentence == m.sentence - 1 for o in analysis.mentions
    )


def _written_on(line: Mention, drug: Mention) -> bool:
    """Whether a line of therapy is written right on a drug ("first line nivolumab + ipilimumab", "2L lenvatinib")."""
    return line.sentence == drug.sentence and 0 <= drug.start - line.end <= 2


def _labels_given_drug(line: Mention, analysis: Analysis) -> bool:
    """Whether a line ("1L", "second-line") is written on a drug stated as given ("2L lenvatinib 8 mg 11/2025-09/2026
    -> PD"): it is the line that drug was given in; the line to choose follows from the drugs received."""
    return not analysis.sentences[line.sentence].question and any(
        d.label == DRUG
        and _written_on(line, d)
        and d.role != "PROPOSED"
        and not d.categories & {"NEGATED_EXISTENCE", "HYPOTHETICAL", "FAMILY", "POPULATION"}
        for d in analysis.mentions
    )


# The words that grade a finding written as a row's label: past a colon or a dash, up to the next item (after a comma
# comes another finding: "ascites, mild splenomegaly")
GRADE_WORDS = re.compile(r"[ \t]*(?:[:\-–][ \t]*)?([^,;.\n(:]{0,30})")  # a grade is a few words at most


def _graded(m: Mention, norm: Normalised, vocab: Vocabulary) -> Any:
    """A finding's value from the words right after it (the concept's `graded_by`); "ignore" when they say nothing."""
    concept = vocab.concepts[m.label]
    if not concept.graded_by or m.categories & {"POSSIBLE_EXISTENCE", "HYPOTHETICAL"}:
        return "ignore"
    match = GRADE_WORDS.match(norm.text, m.end)
    words = match.group(1) if match else ""
    return next((value for name, value in concept.graded_by if vocab.says(words, name)), "ignore")


def _when_said(m: Mention, analysis: Analysis, norm: Normalised, vocab: Vocabulary, concept: Any = None) -> Any:
    """A finding's value from the words of its sentence (the concept's `when_said`: an adverse reaction in a sentence
    saying the drug was stopped, and nothing of progression, made it stop); "ignore" when they say nothing. `concept`
    reads the mention by another concept's rules (a finding that is also a drug's adverse reaction)."""
    concept = concept or vocab.concepts[m.label]
    if not concept.when_said or m.categories & {"NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HYPOTHETICAL"}:
        return "ignore"
    if concept.needs and not any(o.label in concept.needs for o in analysis.mentions):
        return "ignore"  # "she stopped her diuretics for cramps": no drug of the pathway named
    # its own sentence, and up to `when_said_reach` sentences after it ("blisters on her feet, she could not walk.
    # The doctor stopped it."), as far as one that says something of its own (`unless`) or a new finding of it
    last, reached = m.sentence, 0
    for k in range(m.sentence + 1, len(analysis.sentences)):
        said = norm.text[analysis.sentences[k].start : analysis.sentences[k].end]
        if not said.strip():
            continue  # a line break between two lines of a note is not a sentence of its own
        reached += 1
        if reached > concept.when_said_reach:
            break
        if any(o.sentence == k and o.label in concept.unless + (m.label,) for o in analysis.mentions):
            break
        names_drug = any(o.sentence == k and o.label == DRUG for o in analysis.mentions)
        if not names_drug and not vocab.says(said, "refers_back"):
            break  # "... grade 1 rash. Stopped his metformin last week.": another thing stopped
        last = k
    sentence, end = analysis.sentences[m.sentence], analysis.sentences[last]
    words = norm.text[sentence.start : end.end]
    if any(
        m.sentence <= o.sentence <= last and o.label in concept.unless and "NEGATED_EXISTENCE" not in o.categories
        for o in analysis.mentions
    ):
        return "ignore"  # "stopped at progression; grade 2 fatigue throughout"
    return next((value for name, value in concept.when_said if vocab.says(words, name)), "ignore")


UNSAID = frozenset({"NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HYPOTHETICAL", "FAMILY", "POPULATION", "FUTURE"})


def _when_near(m: Mention, analysis: Analysis, norm: Normalised, vocab: Vocabulary) -> tuple[Any, Mention] | None:
    """A finding's value from the nearest mention of a `when_near` concept in its sentence, within `near_words`
    words (a site outside the liver beside a tumour word: "new portocaval nodes", "R adrenal 2.2 cm -> biopsy:
    HCC"), with the mention widened over both; None when there is none, or the nearest is negated, possible or
    someone else's ("lymph nodes not enlarged"). A mention with another finding between it and the finding is not
    near ("recurrence in the graft, no new lesions in lung"). A negated or uncertain finding itself is read as
    before."""
    concept = vocab.concepts[m.label]
    if not concept.when_near or m.categories & UNSAID:
        return None
    values = dict(concept.when_near)
    nearest: tuple[int, Mention] | None = None
    for o in analysis.mentions:
        if o is m or o.sentence != m.sentence or o.label not in values:
            continue
        lo, hi = (o.end, m.start) if o.end <= m.start else (m.end, o.start)
        gap = len(norm.text[lo:hi].split())
        between = any(lo <= x.start < hi and x.label in vocab.concepts for x in analysis.mentions)
        if gap <= concept.near_words and not between and (nearest is None or gap < nearest[0]):
            nearest = (gap, o)
    if nearest is None or nearest[1].categories & UNSAID:
        return None
    o = nearest[1]
    return values[o.label], replace(m, start=min(m.start, o.start), end=max(m.end, o.end))


OPEN = object()  # a finding named as open, with no value ("?HE")


def _graver_exists(name: str, value: Any) -> bool:
    """Whether a graver reading of field `name` than `value` exists (grades: a graver grade; yes/no: False)."""
    return _safer(name, SAFER[name][0] if name in SAFER else True, value)


def _safer(name: str, a: Any, b: Any) -> bool:
    """Whether reading `a` withholds more than reading `b` (True over False; the graver grade)."""
    if name in SAFER:
        order = SAFER[name]
        return a in order and b in order and order.index(a) < order.index(b)
    return a is True and b is False


def _resolve(
    name: str, known: list[tuple[Any, Mention]], norm: Normalised, out: Reading, analysis: Analysis | None = None
) -> tuple[Any, Mention]:
    """One value for a field mentioned several times in a message: outcomes take the last; a graver reading
    dated before a milder one is superseded by it; else the safer."""
    values = [v for v, _ in known]
    if len({str(v) for v in values}) == 1 or name in ("progressed", "intolerance", "prior_therapies"):
        return known[-1]
    if analysis is not None:
        later = _superseded(name, known, norm, analysis)
        if later is not None:
            shown = ", ".join(f"'{norm.span(m.start, m.end)}'" for _, m in known)
            out.conflicts.append(
                f"{name.replace('_', ' ')}: the message says {shown}; the latest dated reading "
                f"('{norm.span(later[1].start, later[1].end)}') is used"
            )
            return later
    if name in SAFER:
        order = SAFER[name]
        value, mention = min(known, key=lambda vm: order.index(vm[0]) if vm[0] in order else len(order))
    else:
        value, mention = next(((v, m) for v, m in known if v is True), known[-1])
    shown = ", ".join(f"'{norm.span(m.start, m.end)}'" for _, m in known)
    out.conflicts.append(f"{name.replace('_', ' ')}: the message says {shown}; the safer reading ({value}) is used")
    return value, mention


def _superseded(
    name: str, known: list[tuple[Any, Mention]], norm: Normalised, analysis: Analysis
) -> tuple[Any, Mention] | None:
    """A history of one finding with dates ("OGD 2023 - large varices, banded. OGD 2024 - eradicated. Remains on
    carvedilol"): the milder reading of the latest dated sentence, when every graver reading is dated before it
    (an undated graver reading may be the current one, and is never superseded)."""
    dated = [
        (sentence_date(norm.text[analysis.sentences[m.sentence].start : analysis.sentences[m.sentence].end]), v, m)
        for v, m in known
    ]
    graver = [(d, v, m) for d, v, m in dated if any(_safer(name, v, w) for w, _ in known)]
    if not graver or any(d is None for d, _, _ in graver):
        return None
    latest = max((d for d, _, _ in dated if d is not None), default=None)
    if latest is None or any(d == latest for d, _, _ in graver):
        return None
    at_latest = [(v, m) for d, v, m in dated if d == latest]
    undated = [(v, m) for d, v, m in dated if d is None]
    if len({str(v) for v, _ in at_latest + undated}) > 1:
        return None  # the latest dated and the undated readings disagree
    return at_latest[-1]


def _drugs(analysis: Analysis, norm: Normalised, vocab: Vocabulary, out: Reading) -> None:
    """Regimens received, asked about and compared; tolerance and outcome bound to the drugs received."""
    found = analysis.mentions
    outcome_sentences = {
        m.sentence for m in found if m.label in OUTCOME_CONCEPTS and "NEGATED_EXISTENCE" not in m.categories
    }
    received: dict[int, list[str]] = {}
    texts: dict[int, list[str]] = {}
    by_sentence: dict[int, list[Mention]] = {}
    for mention in found:
        by_sentence.setdefault(mention.sentence, []).append(mention)
    said_of: dict[str, list[tuple[bool, str]]] = {}  # drug -> (intolerant?, words) of each tolerance about it
    reaction = vocab.concepts.get(REACTION)
    for mention in found:
        concept = vocab.concepts.get(mention.label)
        if (
            concept is not None
            and concept.reaction
            and reaction is not None
            and _of_a_drug(mention, analysis, norm, vocab)
        ):
            # "stopped after 5 weeks: admitted with hypertensive emergency": the finding made the drug stop
            value = _when_said(mention, analysis, norm, vocab, reaction)
        elif concept is None or concept.field != "intolerance":
            continue
        elif mention.label in OUTCOME_CONCEPTS:
            value = concept.negated if "NEGATED_EXISTENCE" in mention.categories else concept.value
        else:
            value = _when_said(mention, analysis, norm, vocab)
        if not isinstance(value, bool) or mention.categories & {"FAMILY", "POPULATION", "HYPOTHETICAL"}:
            continue
        # the nearest drug before it in its sentence however far ("Sorafenib 2019-2021 (PD, tolerated ...)"); in a
        # sentence with no drug ("...; full dose until PD"), the drug last written before it
        owner = _owner(mention, by_sentence, reach=len(norm.text)) or max(
            (d for d in found if d.label == DRUG and d.end <= mention.start), key=lambda d: d.end, default=None
        )
        said_of.setdefault(owner.key if owner else "", []).append((value, norm.span(mention.start, mention.end)))
    unknown: list[str] = []
    meant = _replacements(found, norm, vocab, out)
    groups = _joined(found, norm)
    shared = _shared_roles(groups, found, norm, vocab)
    decided: dict[Mention, str | None] = {}  # the role each drug mention was read with
    aliased = _aliases(found, norm, vocab)
    for m in found:
        if m in aliased and aliased[m] in decided:
            # "ramucirumab (Cyramza) 8 mg/kg", after "Drug requested:": the name in brackets is the same mention
            role = decided[aliased[m]]
            if role == "PROPOSED":
                out.asked += [n for n in _regimens(m, vocab) if n not in out.asked]
                continue
        if m.label == DRUG and "POPULATION" in m.categories and "FAMILY" not in m.categories:
            out.elsewhere.append(norm.text[m.start : m.end])
        if m.label != DRUG or "POPULATION" in m.categories:
            continue
        if "FAMILY" in m.categories and m.role != "PROPOSED":
            # "her brother was on sorafenib": the relative's drug; "the family wants atezolizumab plus bevacizumab
            # started" is a relative asking for the patient's treatment, read on
            continue
        if m in meant and m.role is None:
            continue  # "it was lenvatinib, not sorafenib": applied as a replacement
        if analysis.sentences[m.sentence].general:
            # a question in general: a drug it says was given ("can rego be used after atezo/bev?") is presupposed
            # of the patients it asks about, not recorded for a patient; the others are asked about
            role = m.role or shared.get(m)
            # "what do oncologists use once sorafenib stops working?": an outcome of the drug says it was given
            given = (role == "RECEIVED" or (role != "COMPARED" and _next_to_outcome(m, by_sentence))) and (
                "NEGATED_EXISTENCE" not in m.categories
            )
            target = out.presupposed if given else out.asked
            target += [r for r in _regimens(m, vocab) if r not in target]
            continue
        role = shared[m] if m in shared and m.role in (None, "STATED") else m.role
        # asked for by a cue in a statement ("wants atezolizumab plus bevacizumab started", "orders for lenvatinib
        # plus pembrolizumab"), not only named in a question
        asked_for = role == "PROPOSED" and not m.question and "HYPOTHETICAL" not in m.categories
        if role == "STATED":
            # "cabozantinib 60 mg from 12/2024": received when stated; in a question a dose or date is not enough
            role = None if m.question else "RECEIVED"
        if "NEGATED_EXISTENCE" in m.categories and role != "RECEIVED":
            continue
        if "NEGATED_EXISTENCE" in m.categories and role == "RECEIVED":
            continue  # "no prior sorafenib"
        if "HYPOTHETICAL" in m.categories and role != "RECEIVED":
            role = "PROPOSED"
        if role is None and _next_to_outcome(m, by_sentence):
            role = "RECEIVED"  # "progressed on sorafenib", "sorafenib, intolerant": an outcome implies it was given
        if role is None and not m.question and _outcome_after_semicolon(m, analysis, norm, by_sentence):
            role = "RECEIVED"  # "Oct 2023 - camrelizumab + apatinib; PD on CT Feb 2025": the row's outcome
        if role is None:
            role = "PROPOSED" if m.question else ("RECEIVED" if m.sentence in outcome_sentences else None)
        names = _regimens(m, vocab)
        decided[m] = role
        if role == "RECEIVED" and "HYPOTHETICAL" not in m.categories:
            received.setdefault(m.sentence, []).append(m.key)
            texts.setdefault(m.sentence, []).append(norm.span(m.start, m.end))
        elif role == "COMPARED":
            out.compared += [n for n in names if n not in out.compared]
        elif role == "PROPOSED" or "HYPOTHETICAL" in m.categories:
            out.asked += [n for n in names if n not in out.asked]
            if asked_for:
                out.requested += [n for n in names if n not in out.requested]
        else:
            unknown.append(norm.span(m.start, m.end))
    # An agent of a regimen the message says was received is part of it, in any sentence ("nivo-ipi then nivolumab";
    # "he received STRIDE from 01/2026; at progression durvalumab was stopped"), not a line of its own.
    named_anywhere = {k for keys in received.values() for k in keys if k not in vocab.agents}
    parts = {a for r in named_anywhere for a in vocab.agents_of(r)}
    for keys in received.values():
        named = [k for k in keys if k not in vocab.agents]
        agents = [k for k in keys if k in vocab.agents and k not in parts]
        regimens = named + vocab.regimen_of_agents(agents)

        def written_at(regimen: str, keys: list[str] = keys) -> int:
            ids = [regimen, *vocab.agents_of(regimen)]
            return min((keys.index(k) for k in ids if k in keys), default=len(keys))

        for regimen in sorted(regimens, key=written_at):  # in the order written: the last one is the current one
            if regimen not in out.received:
                out.received.append(regimen)
    _asked_together(groups, vocab, decided, out)
    had = set(out.received) | {a for r in out.received for a in vocab.agents_of(r)}
    out.asked = [r for r in out.asked if r not in had]
    out.requested = [r for r in out.requested if r in out.asked]
    if out.received:
        words = ", ".join(dict.fromkeys(t for ts in texts.values() for t in ts))
        out.facts["prior_therapies"] = Fact("prior_therapies", list(out.received), words)
        if out.facts.get("line_of_therapy") and out.facts["line_of_therapy"].value == "first":
            del out.facts["line_of_therapy"]  # "progressed on first-line lenvatinib": the line is the next one
        _of_last(out, vocab, said_of)
        _tolerance(out, norm.text, vocab, said_of.get("sorafenib"))
    elif out.replaced:
        _tolerance(out, norm.text, vocab, said_of.get("sorafenib"))  # "it was sorafenib, not lenvatinib. ..."
    for words in dict.fromkeys(unknown):
        out.unread.append(f"'{words}' is named, but not whether the patient has had it: say 'on', 'after' or 'planned'")


def _asked_together(
    groups: list[list[Mention]], vocab: Vocabulary, decided: dict[Mention, str | None], out: Reading
) -> None:
    """Drugs asked about or asked for written joined into one treatment are the regimen they make together
    ("wants sorafenib 400 mg bd plus doxorubicin": sorafenib+doxorubicin, not sorafenib alone), as the vocabulary
    groups agents into regimens; a drug with no regimen of its own (doxorubicin) is otherwise lost."""
    for group in groups:
        if len(group) < 2 or any(decided.get(m) != "PROPOSED" for m in group):
            continue
        agents = [m.key for m in group if m.key in vocab.agents]
        together = [r for r in vocab.regimen_of_agents(agents) if len(vocab.agents_of(r)) > 1]
        for regimen in together:
            parts = set(vocab.agents_of(regimen))
            alone = [r for r in out.asked if r != regimen and set(vocab.agents_of(r) or [r]) <= parts]
            for target in (out.asked, out.requested):
                if target is out.requested and not any(r in out.requested for r in alone):
                    continue
                target[:] = [r for r in target if r not in alone] + ([regimen] if regimen not in target else [])


# between two drugs of one regimen ("nivolumab + ipilimumab"), or before a drug in brackets restating the one
# before it ("camrelizumab + apatinib (rivoceranib)", "the STRIDE arm (tremelimumab + durvalumab)")
JOINED = re.compile(r"^\s*(?:\+|&|/|-|plus|and|with|(?:[a-z]+\s+)?\()\s*$", re.I)
# the same after the first drug's dose and schedule, in combination words only ("sorafenib 400 mg twice daily plus
# doxorubicin 60 mg/m2"; not "lenvatinib 8 mg daily and cabozantinib is being considered", nor "sorafenib 400 mg bd
# for 8 months and regorafenib was then recommended")
JOINED_AFTER_DOSE = re.compile(
    r"^\s*\d[\d.,]*\s*(?:mg|g|mcg|µg)(?:/(?:kg|m2|m²))?"
    r"(?:\s+(?:od|bd|bid|tds|qd|once|twice|daily|a day|per day|orally|po|iv|every \d+ (?:days|weeks)|q\dw|weekly))*"
    r"\s*(?:\+|&|plus|in combination with|combined with|together with)\s*$",
    re.I,
)


def _aliases(found: list[Mention], norm: Normalised, vocab: Vocabulary) -> dict[Mention, Mention]:
    """Each drug named again in brackets right after itself ("ramucirumab (Cyramza)", "lenva (Lenvima)"): the earlier
    mention, whose role it takes (a cue before the first name does not reach past the bracket)."""
    drugs = [m for m in found if m.label == DRUG]
    return {
        m: p
        for p, m in zip(drugs, drugs[1:], strict=False)
        if p.sentence == m.sentence
        and norm.text[p.end : m.start].strip() == "("
        and set(_regimens(p, vocab)) == set(_regimens(m, vocab))
    }


def _joined(found: list[Mention], norm: Normalised) -> list[list[Mention]]:
    """The drugs written joined into one treatment ("nivolumab + ipilimumab", "sorafenib 400 mg bd plus
    doxorubicin"), in the order written; a drug on its own is a group of one."""
    groups: list[list[Mention]] = []
    for m in (m for m in found if m.label == DRUG):
        last = groups[-1][-1] if groups else None
        between = norm.text[last.end : m.start] if last is not None else ""
        if (
            last is not None
            and last.sentence == m.sentence
            and (JOINED.match(between) or JOINED_AFTER_DOSE.match(between))
        ):
            groups[-1].append(m)
        else:
            groups.append([m])
    return groups


def _shared_roles(
    groups: list[list[Mention]], found: list[Mention], norm: Normalised, vocab: Vocabulary
) -> dict[Mention, str]:
    """Roles for drugs written with none: a drug joined to another in `groups` ("nivolumab + ipilimumab", "atezo and
    bev") shares its role; a line written on a drug ("first line nivolumab + ipilimumab from Jan 2025") says it was
    given when stated (a line concept's `drug_role`)."""
    roles: dict[Mention, str] = {}
    for group in groups:
        first = group[0]
        line = next(
            (
                o
                for o in found
                if vocab.concepts.get(o.label) is not None
                and vocab.concepts[o.label].drug_role
                and _written_on(o, first)
            ),
            None,
        )
        # a treatment named, then its drugs in brackets: "started his liver cancer treatment (atezolizumab and bev)"
        named = next(
            (
                o
                for o in found
                if o.sentence == first.sentence
                and o.role
                and vocab.concepts.get(o.label) is not None
                and vocab.concepts[o.label].field == "prior_therapies"
                and "NEGATED_EXISTENCE" not in o.categories
                # "... treatment (atezolizumab and bev)"; a form's answer: "Prior systemic therapy: atezo/bev"
                and norm.text[o.end : first.start].strip() in ("(", ":", "-", "–")
            ),
            None,
        )
        # a plain cue on one drug of the group beats a dose written beside another ("wants sorafenib 400 mg bd plus
        # doxorubicin 60 mg/m2": both wanted, the doxorubicin dose does not make it given)
        role = next(
            (m.role for m in group if m.role and m.role != "STATED"),
            next(
                (m.role for m in group if m.role),
                vocab.concepts[line.label].drug_role if line else (named.role if named else None),
            ),
        )
        if role:
            roles.update({m: role for m in group if m.role is None or (m.role == "STATED" and role != "STATED")})
    return roles


def _of_last(out: Reading, vocab: Vocabulary, said_of: dict[str, list[tuple[bool, str]]]) -> None:
    """`intolerance` is of the current or last therapy: what was said of it ("stopped sorafenib for rash, then
    lenvatinib until PD": lenvatinib's intolerance is not stated); the intolerance of two sayings."""
    if "intolerance" not in out.facts or "" in said_of or not said_of:
        return  # a tolerance said of no drug: of the last one
    last = out.received[-1]
    ids = {last, *vocab.agents_of(last)}
    about_last = [said for key, sayings in said_of.items() if key in ids for said in sayings]
    if about_last:
        intolerant, words = max(about_last, key=lambda said: said[0])
        out.facts["intolerance"] = Fact("intolerance", intolerant, words)
    else:
        del out.facts["intolerance"]


@lru_cache(maxsize=2)
def _rejecting_words() -> frozenset[tuple[str, ...]]:
    """The words that reject what follows them ("not", "instead of"): the value rules' REJECTED cues."""
    return frozenset(
        tuple(re.findall(r"[a-z']+", str(r["literal"]).lower())) for r in value_rules() if r["category"] == "REJECTED"
    )


def _replacements(found: list[Mention], norm: Normalised, vocab: Vocabulary, out: Reading) -> set[Mention]:
    """ "it was lenvatinib, not sorafenib": a drug followed by a rejecting cue and another drug replaces
    that other drug. Returns the drugs meant (their roles are set here: received, or what they replace)."""
    drugs = [m for m in found if m.label == DRUG]
    meant: set[Mention] = set()
    for a, b in zip(drugs, drugs[1:], strict=False):
        if a.sentence != b.sentence or "NEGATED_EXISTENCE" in a.categories:
            continue
        between = tuple(re.findall(r"[a-z']+", norm.text[a.end : b.start].lower()))
        # "lenvatinib, not sorafenib"; "sorafenib he had, not lenvatinib": a rejecting cue right before the other drug
        if len(between) > 4 or not any(between[len(between) - len(w) :] == w for w in _rejecting_words()):
            continue
        for new in _regimens(a, vocab):
            # "pembrolizumab, not pembrolizumab" rejects nothing: a regimen never replaces itself
            out.replaced.extend((new, old) for old in _regimens(b, vocab) if old != new)
        meant.add(a)
    return meant


def _gap(a: Mention, b: Mention) -> int:
    return max(a.start - b.end, b.start - a.end)


def _owner(o: Mention, by_sentence: dict[int, list[Mention]], reach: int = 24) -> Mention | None:
    """The drug an outcome (progression, tolerance) is about: the nearest drug written before it in its sentence
    ("sorafenib ... tolerated it"), else the nearest after it ("progressed on sorafenib")."""
    drugs = [d for d in by_sentence.get(o.sentence, []) if d.label == DRUG]
    before = [d for d in drugs if d.end <= o.start and _gap(d, o) <= reach]
    if before:
        return max(before, key=lambda d: d.end)
    return min(drugs, key=lambda d: _gap(d, o)) if drugs else None


def _outcome_after_semicolon(
    m: Mention, analysis: Analysis, norm: Normalised, by_sentence: dict[int, list[Mention]]
) -> bool:
    """Whether the drug's sentence ends in a ";" and the rest of its row opens with an outcome of no drug of its own
    ("1. Atezolizumab + bevacizumab, March 2023 - January 2024; stopped for progression")."""
    sentence = analysis.sentences[m.sentence]
    if m.sentence + 1 >= len(analysis.sentences) or not norm.text[sentence.start : sentence.end].rstrip().endswith(";"):
        return False
    if "\n" in norm.text[m.end : sentence.end]:
        return False
    following = by_sentence.get(m.sentence + 1, [])
    return any(o.label in OUTCOME_CONCEPTS and "NEGATED_EXISTENCE" not in o.categories for o in following) and not any(
        o.label == DRUG for o in following
    )


def _next_to_outcome(m: Mention, by_sentence: dict[int, list[Mention]], reach: int = 24) -> bool:
    """An outcome (progression, tolerance) written right before or after a drug is about that drug."""
    for o in by_sentence.get(m.sentence, []):
        if o.label not in OUTCOME_CONCEPTS or _gap(m, o) > reach:
            continue
        if ("HYPOTHETICAL" in o.categories) != ("HYPOTHETICAL" in m.categories):
            continue  # "if she had been on sorafenib and tolerated it, could regorafenib follow?"
        if _owner(o, by_sentence, reach) is m:
            return True
    return False


def _regimens(m: Mention, vocab: Vocabulary) -> list[str]:
    return vocab.regimen_of_agents([m.key]) if m.key in vocab.agents else [m.key]


def _tolerance(
    out: Reading,
    text: str = "",
    vocab: Vocabulary | None = None,
    of_sorafenib: list[tuple[bool, str]] | None = None,
) -> None:
    """Sorafenib tolerance follows the tolerance stated with it (RESORCE needs a tolerated sorafenib), unless
    the last daily dose written for it is below the vocabulary's tolerated daily dose ("never managed more than
    200 mg a day"): then it was not tolerated in the trial's sense, whatever else is said."""
    had = set(out.received) | {new for new, _ in out.replaced}
    last = (out.received or [new for new, _ in out.replaced] or [""])[-1]
    # What was said of sorafenib itself ("sorafenib (tolerated), regorafenib, then nivo-ipi stopped after colitis":
    # the colitis is not sorafenib's); of two sayings, the intolerance (the safer reading). Else "intolerance", which
    # is of the current or last therapy, is sorafenib's when sorafenib is the last one.
    if "sorafenib" in had and of_sorafenib:
        intolerant, words = max(of_sorafenib, key=lambda said: said[0])
        out.facts["sorafenib_tolerated"] = Fact("sorafenib_tolerated", not intolerant, words)
    elif "intolerance" in out.facts and last == "sorafenib":
        fact = out.facts["intolerance"]
        out.facts["sorafenib_tolerated"] = Fact("sorafenib_tolerated", not fact.value, fact.text)
    if "mg" not in text.lower() or vocab is None or not any(a in had for a, _, _ in vocab.tolerated_daily_doses):
        return  # no dose written, or no agent whose tolerance a dose decides
    from ..asking.scope import daily_doses

    doses = daily_doses(text)
    for agent, least, name in vocab.tolerated_daily_doses:
        kept = [mg for a, mg in doses if a == agent]
        if agent in had and kept and kept[-1] < least:
            words = f"{agent} {kept[-1]:g} mg/day"
            out.facts[name] = Fact(name, False, words, "computed")
            out.conflicts.append(
                f"{agent} at {kept[-1]:g} mg a day is below the {least:g} mg a day its trial counted as tolerated: "
                f"read as not tolerated"
            )
