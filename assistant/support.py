"""Citation support: every [n] resolves, and each cited sentence's drugs and numbers are in its passages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .facts import DRUG_NAMES

MARKER = re.compile(r"\[(\d+)\]")
# A statement the composer makes openly without a citation (e.g. that no pathway offers a regimen:
# no passage states an absence), always with the reason it is uncited.
UNCITED = "_(no citation: {why})_"
UNCITED_RE = re.compile(r"_\(no citation: [^)]*\)_")
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
# Lines that restate the user's own facts, a scope decision or the footer: they carry no corpus claim.
EXEMPT = re.compile(
    r"^\s*(?:\*\*Patient:?\*\*|\*\*Hypothetical scenario\*\*|_Updated|_Corpus as of|\*\*Still needed|_Note:|"
    r"_Computed for (?:this patient|the weight asked)|"
    r"_The message was truncated|I could not use this (?:message|scenario)|_I could not read|"
    r"\*\*Outside what I cover:\*\*|"
    r"_Read from a description|_Conflicting statements|_Asked in general|_Not taken as the patient's|"
    # a verdict change ("- Sorafenib: needs info -> alternative"): the checker's, not a corpus claim
    r"-\s*[^:\n]+:\s*(?:preferred|alternative|needs info|not recommended)\s*->\s*"
    r"(?:preferred|alternative|needs info|not recommended)\s*$)",
    re.I,
)
# The composer's own label of a line ("**X** — not recommended:"): checked against the verdict by
# check_agreement, not a claim a passage has to make.
_LABEL = re.compile(
    r"^\s*(?:-\s*)?(?:\*\*Bottom line:\*\*\s*)?"
    r"(?:No systemic regimen is offered on the documented pathway\.\s*)?"
    r"(?:\*\*[^*]+\*\*\s*[—-]\s*(?:preferred|alternative|needs more information|not recommended|needs_info"
    r"|not_recommended)\s*:?\s*)?",
    re.I,
)
GENERIC_DRUGS = sorted(DRUG_NAMES)


def _numbers(text: str) -> set[str]:
    out = set()
    for n in NUMBER.findall(text):
        plain = n.replace(",", "")
        out.add(plain.rstrip("0").rstrip(".") if "." in plain else plain)
    return out


_DRUG_RE = re.compile(r"\b(" + "|".join(GENERIC_DRUGS) + r")\b")


def _drugs(text: str) -> set[str]:
    return set(_DRUG_RE.findall(text.lower()))


HEADING = re.compile(r"^\*\*[^*]+\*\*:?$")


def statements(text: str) -> list[str]:
    """The claims of a Markdown answer: each line (a paragraph or a bullet) with its markers.

    The composer writes one claim per line and puts the line's markers at its end, so the
    markers cover the whole line.
    """
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if TABLE_SEPARATOR.match(line):
            continue
        if line.startswith("|"):
            # A table row: each cell is its own claim with its own markers.
            out.extend(cell.strip() for cell in line.strip("|").split("|") if cell.strip())
        elif line:
            out.append(line)
    return out


TABLE_SEPARATOR = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+$")


# A weight-based dose worked out for the patient ("_Computed for this patient: bevacizumab 15 mg/kg x 74 kg =
# 1,110 mg per dose_"): arithmetic on the cited per-kg dose and the recorded weight, not a corpus claim, so it is
# checked as arithmetic.
COMPUTED = re.compile(r"^\s*_Computed for (?:this patient|the weight asked)")
_ARITHMETIC = re.compile(r"(\d+(?:\.\d+)?) mg/kg (?:x|×) (\d+(?:\.\d+)?) kg = (\d{1,3}(?:,\d{3})*(?:\.\d+)?) mg")


def computed_dose(agent: str, per_kg: float, weight: float, per: str = "", asked: bool = False) -> str:
    """The computed-dose line `check_arithmetic` checks: `per_kg` mg/kg for `weight` kg ("per dose" when `per`);
    `asked`: the weight a question in general gives ("for a 54 kg woman?"), not a patient's recorded weight."""
    amount = f"{per_kg * weight:,.0f} mg" + (f" {per}" if per else "")
    whose, which = ("the weight asked", "the weight asked") if asked else ("this patient", "the recorded weight")
    return (
        f"_Computed for {whose}: {agent} {per_kg:g} mg/kg × {weight:g} kg = {amount}"
        f" (arithmetic on the cited mg/kg dose and {which})._"
    )


def check_arithmetic(statement: str) -> list[str]:
    """Problems with a computed-dose line: no product stated, or a product that is wrong."""
    found = _ARITHMETIC.findall(statement)
    if not found:
        return [f"a computed line states no dose arithmetic: {statement!r}"]
    problems = []
    for per_kg, kg, total in found:
        if abs(float(per_kg) * float(kg) - float(total.replace(",", ""))) > 0.5:
            problems.append(f"wrong arithmetic: {per_kg} mg/kg x {kg} kg is not {total} mg")
    return problems


def check_answer(answer: dict[str, Any]) -> list[str]:
    """Problems with an answer's citations; empty when every claim is supported."""
    problems: list[str] = []
    citations = {c["n"]: c for c in answer.get("citations", [])}
    text = answer.get("text", "")
    for n in {int(m) for m in MARKER.findall(text)}:
        if n not in citations:
            problems.append(f"marker [{n}] has no citation")
    for statement in statements(text):
        if COMPUTED.match(statement):
            problems.extend(check_arithmetic(statement))
        if EXEMPT.match(statement) or HEADING.match(statement):
            continue
        markers = [int(m) for m in MARKER.findall(statement)]
        if not markers and UNCITED_RE.search(statement):
            continue  # said openly without a citation; counted by `read_citations`
        # A verdict label ("**X** — not recommended:") is held to the options by check_agreement.
        claim = _LABEL.sub("", MARKER.sub("", statement))
        numbers = _numbers(claim)
        drugs = _drugs(claim)
        if not markers:
            if numbers or drugs:
                problems.append(f"uncited claim: {statement!r}")
            continue
        quoted = " ".join(citations[n]["quote"] for n in markers if n in citations)
        missing_numbers = numbers - _numbers(quoted)
        missing_drugs = drugs - _drugs(quoted)
        if missing_numbers:
            problems.append(f"numbers {sorted(missing_numbers)} not in cited passages: {statement!r}")
        if missing_drugs:
            problems.append(f"drugs {sorted(missing_drugs)} not in cited passages: {statement!r}")
    return problems


_STATUS_WORDS = {
    "preferred": "preferred",
    "alternative": "alternative",
    "needs more information": "needs_info",
    "not recommended": "not_recommended",
}
_LABELLED = re.compile(r"\s*-\s*\*\*(.+?)\*\*\s*[—-]\s*(preferred|alternative|needs more information|not recommended)")


def check_agreement(answer: dict[str, Any]) -> list[str]:
    """Every verdict label in the text ("**X** — status") says what the checker decided for X."""
    problems = []
    status = {str(o["regimen"]): o["status"] for o in answer.get("options", [])}
    for line in answer.get("text", "").splitlines():
        match = _LABELLED.match(line)
        if not match:
            continue
        said = _STATUS_WORDS[match.group(2)]
        for name in match.group(1).split(", "):
            regimen = name.lower().replace(" + ", "+").replace(" (first-line monotherapy)", "-first-line-monotherapy")
            if regimen not in status and said in ("preferred", "alternative"):
                problems.append(f"text offers {regimen}, which the checker did not offer")
            elif regimen in status and status[regimen] != said:
                problems.append(f"text says {regimen} is {said}; the checker says {status[regimen]}")
    return problems


# ---- an independent reader of citations --------------------------------------------------------
# `check_answer` asks "are the claim's drug and number tokens somewhere in the cited text?", which
# is also how the composer chooses passages, so it cannot disagree with it. The reader below asks
# a different question, sentence by sentence: does one cited sentence (or a short run of them) say
# what the claim says: its numbers, read with their units and ranges; its drugs; enough of its
# content words; and the same polarity (a claim that something is "not" so must rest on a sentence
# that negates or excludes, and the reverse)?

READER_MIN_OVERLAP = 0.5  # share of the claim's content stems one cited window must hold
READER_WINDOW = 3  # consecutive passage sentences read together
NEGATION_SCOPE = 4  # content words after "not", "no", "excluded"... that the cue negates
_READER_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)")
_READER_WORD = re.compile(r"[a-z][a-z0-9]+")
_READER_SENTENCE = re.compile(r"(?<=[.;!?])\s+|\n+\s*(?:[-*]\s+)?")
_NEGATION = re.compile(r"\b(?:not|no|never|without|cannot|nor|excluded|excludes|excluding)\b")
_READER_STOP = {
    "about", "after", "also", "and", "are", "because", "been", "before", "both", "but", "can", "each", "for",
    "from", "has", "have", "here", "into", "its", "may", "more", "one", "only", "other", "over", "such", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "under", "was", "were",
    "what", "when", "where", "which", "while", "who", "will", "with", "would", "patient", "patients",
    "not", "no", "never", "without", "cannot", "nor",
    # the assistant's own framing ("for this patient the documented pathway offers ...", "another
    # possible option in the guidelines"), not a claim a passage has to make
    "documented", "pathway", "offers", "prefers", "further", "options", "below", "corpus", "guidelines",
    "another", "possible", "option", "usual", "choice", "situation", "describe", "you",
}  # fmt: skip


@dataclass
class ClaimReading:
    """The reader's view of one cited statement."""

    statement: str
    supported: bool
    why: str = ""


@dataclass
class CitationReading:
    """Every cited statement of one answer, and the statements said openly without a citation."""

    claims: list[ClaimReading] = field(default_factory=list)
    uncited: int = 0

    @property
    def unsupported(self) -> list[ClaimReading]:
        return [c for c in self.claims if not c.supported]

    @property
    def valid(self) -> bool:
        return not self.unsupported


def _reader_numbers(text: str) -> set[str]:
    out = set()
    for raw in _READER_NUMBER.findall(text):
        value = raw.replace(",", "")
        out.add(str(float(value)).removesuffix(".0"))
    return out


_GRADE = re.compile(
    r"\b(child-pugh|bclc)(?:\s+(?:class|stage))?\s+([0a-d])(?:\d{1,2})?(?:\s*-\s*[a-d]?\d{1,2})?\b", re.I
)


def _grades(text: str) -> set[str]:
    """Child-Pugh classes and BCLC stages a text names ("Child-Pugh B7" -> "child-pugh b")."""
    return {f"{kind.lower()} {grade.lower()}" for kind, grade in _GRADE.findall(text)}


def _stem(word: str) -> str:
    return word[:5]


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in _READER_WORD.findall(text.lower()) if len(w) > 2 and w not in _READER_STOP}


_TOKEN = re.compile(r"[a-z][a-z0-9]+|[,;:.()]")


def _negated_stems(text: str) -> set[str]:
    """Content stems within NEGATION_SCOPE content words after a negation or exclusion cue.

    The scope ends at punctuation: "no contraindication to immunotherapy: X is preferred" does not
    negate X.
    """
    found: set[str] = set()
    scope = 0
    for word in _TOKEN.findall(text.lower()):
        if _NEGATION.fullmatch(word):
            scope = NEGATION_SCOPE
            continue
        if not word[0].isalpha():
            scope = 0
            continue
        if scope and len(word) > 2 and word not in _READER_STOP:
            found.add(_stem(word))
            scope -= 1
    return found


def _windows(quotes: list[str]) -> list[str]:
    """Runs of up to READER_WINDOW consecutive sentences of each cited passage."""
    found: list[str] = []
    for quote in quotes:
        parts = [p.strip() for p in _READER_SENTENCE.split(MARKER.sub("", quote)) if p and p.strip()]
        for i in range(len(parts)):
            for size in range(1, READER_WINDOW + 1):
                if i + size <= len(parts):
                    found.append(" ".join(parts[i : i + size]))
    return found


def _read_sentence(sentence: str, quotes: list[str], windows: list[str]) -> str:
    """Why the cited passages do not say `sentence` ("" when they do)."""
    cited = " ".join(quotes)
    missing_numbers = _reader_numbers(sentence) - _reader_numbers(cited)
    if missing_numbers:
        return f"numbers {sorted(missing_numbers)} are not in the cited passages"
    missing_drugs = _drugs(sentence) - _drugs(cited.replace("+", " "))
    if missing_drugs:
        return f"drugs {sorted(missing_drugs)} are not in the cited passages"
    missing_grades = _grades(sentence) - _grades(cited)
    if missing_grades:
        return f"{', '.join(sorted(missing_grades))} is not what the cited passages describe"
    stems = _stems(sentence)
    if not stems:
        return ""
    scored = sorted(((len(stems & _stems(w)) / len(stems), w) for w in windows), key=lambda t: -t[0])
    close = [w for overlap, w in scored if overlap >= READER_MIN_OVERLAP]
    if not close:
        best_overlap = scored[0][0] if scored else 0.0
        return f"no cited sentence shares enough of its words ({best_overlap:.0%} at best)"
    flipped: set[str] = set()
    for window in close:
        flipped = _flipped(sentence, stems, window)
        if not flipped:
            return ""
    return f"negation disagrees with the cited sentences on {sorted(flipped)}"


def _flipped(sentence: str, stems: set[str], window: str) -> set[str]:
    """Stems the claim negates and the window states plainly, or the reverse (see below)."""
    said, source = _negated_stems(sentence), _negated_stems(window)
    # The claim negates what a passage without any negation states, or states plainly (no negation
    # at all) what the passage negates: "X is supported with Vp4" against "X is not supported with Vp4".
    flipped = said & _stems(window) if not source else set()
    if not said and len(source & stems) >= 2:
        flipped = source & stems
    return flipped


def read_claim(statement: str, quotes: list[str]) -> ClaimReading:
    """Whether the cited passages say what `statement` says, each of its sentences on its own."""
    claim = _LABEL.sub("", MARKER.sub("", statement)).replace("**", "").replace("_", " ")
    windows = _windows(quotes)
    for sentence in _READER_SENTENCE.split(claim):
        if sentence and sentence.strip():
            why = _read_sentence(sentence, quotes, windows)
            if why:
                return ClaimReading(statement, False, why)
    return ClaimReading(statement, True)


def read_citations(answer: dict[str, Any]) -> CitationReading:
    """The independent reading of an answer's citations (a different predicate from check_answer)."""
    reading = CitationReading()
    quotes = {c["n"]: c["quote"] for c in answer.get("citations", [])}
    for statement in statements(answer.get("text", "")):
        if EXEMPT.match(statement) or HEADING.match(statement):
            continue
        markers = [int(m) for m in MARKER.findall(statement)]
        if not markers:
            reading.uncited += bool(UNCITED_RE.search(statement))
            continue
        cited = [quotes[n] for n in markers if n in quotes]
        if len(cited) < len(markers):
            reading.claims.append(ClaimReading(statement, False, "a marker has no citation"))
            continue
        reading.claims.append(read_claim(UNCITED_RE.sub("", statement), cited))
    return reading
