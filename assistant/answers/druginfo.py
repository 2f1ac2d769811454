"""Drug-information answers: how an agent is taken, its class, side effects, monitoring, missed doses,
premedication and dose changes, each read from the sections of the agent's label document.

Which sections answer which intent is data (`corpus/drug-answers.yaml`). A section the labels did not fill says
so in the corpus ("the label sections available to us did not give ..."), and that sentence is shown, cited; an
agent without a label document, or a question its sections do not hold, is answered "not in my sources" with
where to look, never with a neighbouring fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..compose import Builder, regimen_name, sentences
from ..corpus import DRUG_SECTIONS
from ..errors import CorpusError
from ..reading.vocabulary import phrase_pattern
from ..support import UNCITED, computed_dose

DRUG_ANSWERS_FILE = "drug-answers.yaml"
NOT_IN_SOURCES = "Not in my sources: {what}; the current label or a pharmacist has it."


@dataclass(frozen=True)
class DrugQuestion:
    """How one drug-information intent is answered."""

    intent: str
    fields: tuple[str, ...]
    heading: str
    patient: str = "answer"  # or "care_team"
    only_with: tuple[str, ...] = ()
    missing: str = "the label passages I have do not give this for {name}"


@dataclass(frozen=True)
class Facet:
    """A narrower thing a question may ask inside a label section ("how long the infusion runs", "how often blood
    pressure is checked"): the label sentences holding its words answer it, or the answer says they do not."""

    name: str
    asked: re.Pattern[str]  # words of a question that asks it
    says: tuple[str, ...]  # words of a label sentence that answers it
    fields: tuple[str, ...]
    what: str  # "how long the infusion runs for {name}"
    patient: bool = False  # also answered to a patient: a symptom they describe ("my feet are red and peeling")

    def answers(self, sentence: str) -> bool:
        """Whether a label sentence holds the facet's words."""
        return any(w in sentence.lower() for w in self.says)

    def lines(self, kb: Any, agent: str) -> list[tuple[str, Any]]:
        """The agent's label sentences that answer the facet."""
        return [(s, c) for c in section_chunks(kb, agent, self.fields) for s in sentences(c.text) if self.answers(s)]


@dataclass(frozen=True)
class DrugAnswers:
    """The intents answered from label documents, and the two sentences said to patients."""

    questions: dict[str, DrugQuestion]
    patient_close: str
    care_team: str
    pathway_topics: re.Pattern[str] | None = None
    gap_says: tuple[str, ...] = ()  # words of a label passage saying the labels we hold do not give something
    facets: tuple[Facet, ...] = ()

    def asked_facets(self, text: str) -> list[Facet]:
        """The facets a question asks ("Keytruda - dose and infusion length?")."""
        return [f for f in self.facets if f.asked.search(text)]

    def defers_to_pathway(self, question: str, sentences: list[str]) -> bool:
        """The question names a pathway topic (varices, transplant, line of therapy...) that none of the
        label sentences name: the guideline passages answer it, not the label."""
        if self.pathway_topics is None:
            return False
        named = {m.group(0).lower() for m in self.pathway_topics.finditer(question)}
        return any(not any(topic in s.lower() for s in sentences) for topic in named)

    @classmethod
    def load(cls, path: Path) -> DrugAnswers:
        """Read and validate the file; problems name it and the entry."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise CorpusError([f"{path}: cannot read: {exc}"]) from exc
        questions = {}
        for name, entry in (raw.get("intents") or {}).items():
            unknown = [f for f in entry.get("fields") or [] if f not in DRUG_SECTIONS]
            if unknown or "fields" not in entry:
                raise CorpusError([f"{path}: intent {name!r}: fields must be among {sorted(DRUG_SECTIONS)}"])
            if not entry["fields"] and not entry.get("missing"):
                raise CorpusError([f"{path}: intent {name!r}: an intent with no fields needs 'missing'"])
            if entry.get("patient", "answer") not in ("answer", "care_team"):
                raise CorpusError([f"{path}: intent {name!r}: patient must be 'answer' or 'care_team'"])
            questions[name] = DrugQuestion(
                intent=name,
                fields=tuple(entry["fields"] or ()),
                heading=str(entry.get("heading", "{name}")),
                patient=str(entry.get("patient", "answer")),
                only_with=tuple(w.lower() for w in entry.get("only_with", [])),
                missing=str(entry.get("missing", DrugQuestion.missing)),
            )
        for key in ("patient_close", "care_team"):
            if not raw.get(key):
                raise CorpusError([f"{path}: {key} is missing"])
        topics = phrase_pattern([str(t) for t in raw.get("pathway_topics", [])])
        gaps = tuple(str(g).lower() for g in raw.get("gap_says") or ())
        facets = []
        for name, entry in (raw.get("facets") or {}).items():
            fields = tuple(entry.get("fields") or ())
            asked = phrase_pattern([str(w) for w in entry.get("asked") or []])
            if not fields or any(f not in DRUG_SECTIONS for f in fields) or asked is None or not entry.get("says"):
                raise CorpusError(
                    [f"{path}: facet {name!r}: needs asked, says and fields among {sorted(DRUG_SECTIONS)}"]
                )
            says = tuple(str(w).lower() for w in entry["says"])
            what = str(entry.get("what") or name.replace("_", " "))
            try:
                what.format(name="x")
            except (KeyError, IndexError, ValueError) as exc:
                raise CorpusError([f"{path}: facet {name!r}: 'what' may name only {{name}} ({exc})"]) from exc
            facets.append(Facet(str(name), asked, says, fields, what, bool(entry.get("patient", False))))
        return cls(questions, str(raw["patient_close"]), str(raw["care_team"]), topics, gaps, tuple(facets))

    def is_gap(self, line: str) -> bool:
        """Whether a label line says our label passages do not give what was asked."""
        low = line.lower()
        return any(g in low for g in self.gap_says)


@lru_cache(maxsize=8)
def drug_answers(corpus_dir: Path) -> DrugAnswers | None:
    """The corpus's drug-answer data; None for a corpus without it (a small test corpus)."""
    path = Path(corpus_dir) / DRUG_ANSWERS_FILE
    return DrugAnswers.load(path) if path.is_file() else None


def agents_for(kb: Any, names: list[str]) -> list[str]:
    """The agents of the regimens or agents named, in order ("atezolizumab+bevacizumab" gives both)."""
    drugs = kb.facts.drugs
    out: list[str] = []
    for name in names:
        parts = [name] if name in drugs else [p for p in name.split("+") if p in drugs] or [name]
        if len(parts) > 1 and any(p in names for p in parts):
            # "the first bevacizumab infusion in the atezo-bev regimen": the agent named is the one asked about
            parts = [p for p in parts if p in names]
        out.extend(p for p in parts if p not in out)
    return out


def display_name(kb: Any, agent: str) -> str:
    """ "Cabozantinib (Cabometyx)" for an agent with a label document, else the regimen's name."""
    drug = kb.facts.drugs.get(agent)
    name = regimen_name(agent)
    return f"{name} ({drug.brand})" if drug is not None and drug.brand else name


def _picked(question: DrugQuestion, chunks: list[Any]) -> list[tuple[str, Any]]:
    picked = [(s, c) for c in chunks for s in sentences(c.text) if not s.endswith(":")]
    if question.only_with:
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, question.only_with)) + r")", re.I)
        picked = [(s, c) for s, c in picked if pattern.search(s)]
    return picked


def section_chunks(kb: Any, agent: str, fields: tuple[str, ...]) -> list[Any]:
    """The passages of the agent's label document under the sections of `fields`, in field order; none for an
    agent without a label document."""
    drug = kb.facts.drugs.get(agent)
    if drug is None:
        return []
    return [c for f in fields for c in kb.doc_chunks(drug.doc_id) if c.section.startswith(DRUG_SECTIONS[f])]


def label_sentences(kb: Any, question: DrugQuestion, agents: list[str]) -> list[tuple[str, Any]]:
    """The label sentences that answer `question` for the agents (at most three), in order."""
    return [pick for agent in agents[:3] for pick in _picked(question, section_chunks(kb, agent, question.fields))]


PER_KG = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?) ?mg/kg\b")


def computed_per_kg(agent: str, lines: list[str], weight: float | None, asked: bool = False) -> list[str]:
    """Each mg/kg dose the cited lines give, worked out for the recorded weight ("restart at 6 mg/kg" ->
    "6 mg/kg x 70 kg = 420 mg"): arithmetic on cited numbers, checked by the composer like every computed dose."""
    if not weight:
        return []
    doses = dict.fromkeys(float(m.group(1)) for line in lines for m in PER_KG.finditer(line))
    return [computed_dose(agent, per_kg, weight, asked=asked) for per_kg in doses]


def drug_information(
    b: Builder,
    kb: Any,
    answers: DrugAnswers,
    intent: str,
    agents: list[str],
    audience: str,
    weight: float | None = None,
    text: str = "",
    asked: bool = False,
) -> bool:
    """Write the answer for `intent` about each agent (at most three); False when `intent` is not a
    drug-information intent. Every label sentence is cited to its passage; for a clinician, the mg/kg doses
    they give are worked out for the recorded weight (or the weight asked about, `asked`). A narrower thing the
    question asks inside the intent's sections (`facets`: "how often is BP checked on regorafenib?") is answered by
    its own sentences alone."""
    question = answers.questions.get(intent)
    if question is None:
        return False
    narrowed = [f for f in answers.asked_facets(text) if set(f.fields) & set(question.fields)]
    for agent in agents[:3]:
        name = display_name(kb, agent)
        if agent != agents[0]:
            b.add()
        b.add(f"**{question.heading.format(name=name)}**")
        if audience == "patient" and question.patient == "care_team":
            b.add(answers.care_team)
            continue
        chunks = section_chunks(kb, agent, question.fields)
        picked = _picked(question, chunks)
        if narrowed:
            picked = [(s, c) for s, c in picked if any(f.answers(s) for f in narrowed)]
        lines = [b.supported(s, [c]) for s, c in picked]
        lines = [line for line in lines if line]
        if not lines and narrowed:
            b.add(_not_in_sources("; ".join(f.what.format(name=regimen_name(agent).lower()) for f in narrowed)))
            continue
        if not lines:
            b.add(_not_in_sources(question.missing.format(name=regimen_name(agent).lower())))
        for line in lines:
            # a passage saying the labels we hold do not give it is said as plainly as an answer not found
            b.add(f"- **Not in my sources:** {line}" if answers.is_gap(line) else f"- {line}")
        if audience != "patient":
            for computed in computed_per_kg(agent, lines, weight, asked):
                b.add(computed)
    # a symptom described beside the question ("my feet are red and peeling - should I cut the dose?"): what the label
    # says of it
    facet_sections(b, kb, answers, text, agents, audience, question.fields)
    if audience == "patient":
        b.add()
        b.add(answers.patient_close)
    return True


def facet_sections(
    b: Builder,
    kb: Any,
    answers: DrugAnswers,
    text: str,
    agents: list[str],
    audience: str,
    besides: tuple[str, ...] = (),
) -> None:
    """The facets a question asks beside its main question ("Keytruda - dose and infusion length?"): each agent's
    label sentences that answer them, cited, or "not in my sources" for that facet. To a patient, only the facets
    marked for patients (a symptom they describe beside asking whether to cut the dose). `besides`: the label sections
    the main answer already read (a facet among them narrowed it, and is not said again)."""
    facets = [
        f
        for f in answers.asked_facets(text)
        if (audience != "patient" or f.patient) and not set(f.fields) & set(besides)
    ]
    if not facets:
        return
    for agent in agents[:3]:
        for facet in facets:
            lines = [line for s, c in facet.lines(kb, agent) if (line := b.supported(s, [c]))]
            name = regimen_name(agent).lower()
            if lines:
                b.add(f"**{display_name(kb, agent)}: {facet.what.format(name=name)}**")
                for line in lines[:2]:
                    b.add(f"- {line}")
            else:
                b.add(_not_in_sources(facet.what.format(name=name)))


def _not_in_sources(what: str) -> str:
    """ "Not in my sources: <what>; the current label or a pharmacist has it.", marked as uncited."""
    return f"{NOT_IN_SOURCES.format(what=what)} {UNCITED.format(why='no passage holds it')}"
