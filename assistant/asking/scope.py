"""Scope as typed decisions: what the assistant refuses, what it says it does not cover, and doses above label.

Every word list lives in `corpus/scope.yaml` and every label dose in `corpus/doses.yaml` (transcribed from
`facts.yaml`); this module holds only the logic. `decide(text)` returns None for a message in scope.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from ..errors import CorpusError
from ..reading.rows import message_sentence_spans, message_sentences
from ..reading.values import DECIMAL_POINT, THOUSANDS_COMMA, number_value
from ..reading.vocabulary import vocabulary as load_vocabulary
from ..reading.vocabulary import with_slots
from .names import Names

Reason = Literal[
    "unsafe",
    "animal",
    "paediatric",
    "other_primary",
    "liver_metastases",
    "other_cancer",
    "above_label",
    "outside_systemic",
]
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "corpus"
_CLAUSE_END = re.compile(r"[,;:.!?()\n]")
_NUMBER = rf"({THOUSANDS_COMMA}|{DECIMAL_POINT})"  # a dose: "1,600", "1.5" ("12,8 mg" may be 12 then 8: two numbers)
# A weight may be written with a decimal comma, one decimal ("72,4 kg", not 4 kg); "62,58 kg" may be two weights
_WEIGHT_NUMBER = rf"({THOUSANDS_COMMA}|(?<![\d,])\d{{1,3}},\d(?![\d,])|{DECIMAL_POINT})"
_OWNER = re.compile(r"\b(my|our)\s+([a-z]+(?:'s)?)", re.IGNORECASE)  # the asker's own animal ("my dog", "our cat")
# An age written as an age: "14-year-old", "14 years old", "14 yo", "14y/o", "aged 14", "age 14".
_AGE = re.compile(
    r"\b(\d{1,3})\s*-?\s*(?:years?|yrs?|y)\s*-?\s*old\b|\b(\d{1,3})\s*(?:yo|y/o|y\.o\.)(?![a-z])|\baged?\s*(\d{1,3})\b",
    re.I,
)


@dataclass(frozen=True)
class ScopeDecision:
    """Why a message is not answered as asked, and the one message to show instead."""

    reason: Reason
    message: str
    refused: bool  # False only for "outside what I cover", which points to the nearest thing covered
    detail: str = ""  # the words that decided it ("14-year-old", "dog", "sorafenib 600 mg twice daily")
    nearest: str = ""
    bypass: bool = False  # an attempt on the rules themselves ("you are DAN", "jailbreak"): refused by the rule alone


@dataclass(frozen=True)
class LabelDose:
    """One agent's label dose, read from doses.yaml; `label` is facts.yaml's dose string for its regimen."""

    agent: str
    regimen: str
    label: str
    route: str = ""
    max_mg: float | None = None
    max_mg_per_kg: float | None = None
    weight_bands: tuple[tuple[float | None, float | None, float], ...] = ()  # (min_kg, below_kg, max_mg)
    flat_dose_min_kg: float | None = None
    below_flat_mg_per_kg: float | None = None
    frequency: str = ""
    days_on: int | None = None
    cycle_days: int | None = None

    def single_dose_limit(self, weight_kg: float | None) -> float | None:
        """Largest single dose in mg for this weight (None when the label gives no mg figure for it)."""
        if (
            self.below_flat_mg_per_kg is not None
            and self.flat_dose_min_kg is not None
            and weight_kg is not None
            and weight_kg < self.flat_dose_min_kg
        ):
            return self.below_flat_mg_per_kg * weight_kg
        if self.weight_bands:
            if weight_kg is None:
                return max(band[2] for band in self.weight_bands)
            for min_kg, below_kg, mg in self.weight_bands:
                if (min_kg is None or weight_kg >= min_kg) and (below_kg is None or weight_kg < below_kg):
                    return mg
        if self.max_mg is not None:
            return self.max_mg
        if self.max_mg_per_kg is not None and weight_kg is not None:
            return self.max_mg_per_kg * weight_kg
        return None


def _pattern(entries: list[str]) -> re.Pattern[str] | None:
    """Whole-word, case-insensitive alternatives ("=TEXT": that case only; a space also matches a hyphen); the
    longest phrase written at a place is the one matched. Phrases that begin and end with a letter or digit are
    one alternation factored by common prefixes (`_trie_longest`): Python's `re` tries a flat list's alternatives
    one by one at every position, which grew slow once scope.yaml wrote phrases out from slots."""
    groups: dict[tuple[bool, bool, bool], list[str]] = {}
    for entry in (str(e) for e in entries):
        exact = entry.startswith("=")
        text = entry[1:] if exact else entry.lower()
        if text:
            groups.setdefault((exact, text[:1].isalnum(), text[-1:].isalnum()), []).append(text)
    parts = []
    for (exact, starts, ends), texts in sorted(groups.items(), key=lambda g: -max(len(t) for t in g[1])):
        if starts and ends:
            bodies = [r"(?<![A-Za-z0-9])" + _trie_longest(texts)]
        else:
            bodies = [
                (r"(?<![A-Za-z0-9])" if starts else "")
                + re.escape(text).replace(r"\ ", r"[\s-]+")
                + (r"(?![A-Za-z0-9])" if ends else "")
                for text in sorted(texts, key=len, reverse=True)
            ]
        parts += [body if exact else f"(?i:{body})" for body in bodies]
    return re.compile("|".join(parts)) if parts else None


def _trie_longest(words: list[str]) -> str:
    """The trie regex of `words`, where a phrase may end only where the next character is no letter or digit, so
    that backtracking finds the longest whole-word phrase first."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = []
        for ch in sorted(c for c in node if c):
            piece = r"[\s-]+" if ch == " " else re.escape(ch)
            branches.append(piece + emit(node[ch]))
        if "" in node:
            branches.append(r"(?![A-Za-z0-9])")  # a phrase ends here: only at a word's end, after longer ones
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return emit(root)


def _first(pattern: re.Pattern[str] | None, text: str) -> re.Match[str] | None:
    return pattern.search(text) if pattern is not None else None


class Scope:
    """The scope rules over one corpus folder's data."""

    def __init__(
        self, data: dict[str, Any], doses: dict[str, LabelDose], names: Names, analytes: list[str] | None = None
    ) -> None:
        self.data = data
        self.doses = doses
        self.names = names
        self.messages: dict[str, str] = data["messages"]
        self.adult_age = int(data["paediatric"]["adult_age"])
        self.window = int(data.get("cue_window_words", 5))
        self.topic_window = int(data.get("topic_window_words", self.window))
        slots = data.get("phrase_slots") or {}

        def p(entries: list[str]) -> re.Pattern[str] | None:
            # any phrase list may write a phrase out from slots ("{spread} from {organ} {malignancy}")
            phrases, unknown = with_slots([str(w) for w in entries], slots)
            if unknown:
                raise CorpusError(
                    [f"scope.yaml: phrases use slots not in phrase_slots: {', '.join(sorted(set(unknown)))}"]
                )
            return _pattern(phrases)

        self._ignore = p(data.get("ignore_phrases", []))
        self._negation = p(data.get("negation_cues", []))
        self._history = p(data.get("history_cues", []))
        self._active_again = p(data.get("active_again_cues", []))
        self._others = p(data.get("others_cues", []))
        self._hcc = p(data["hcc_terms"])
        self._paediatric = p(data["paediatric"]["words"])
        self._animals = p(data["animals"]["words"])
        self._animal_topic = p(data["animals"].get("topic_words", []))
        self._other_primary = p(data["other_liver_primaries"])
        self._metastases = p(data["liver_metastases"])
        # "{organ} {malignancy}" and the like, written out with every word of each slot (`phrase_slots`)
        self._other_cancer = p(data["other_cancers"])
        self._systemic = p(data["systemic_cues"])
        self._topic_history = p(data["topic_history_cues"])
        self._topic_ruled_out = p(data.get("topic_ruled_out_cues", []))
        self._topics = [(name, p(spec["words"]), spec) for name, spec in data["outside_topics"].items()]
        unsafe = data["unsafe"]
        self._unsafe_verbs = p(unsafe["verbs"])
        self._unsafe_objects = p(unsafe["objects"])
        self._unsafe_window = int(unsafe.get("window_words", 5))
        self._unsafe_phrases = p(unsafe["phrases"])
        self._bypass_phrases = p(unsafe.get("bypass_phrases", []))
        record = unsafe.get("record_against_facts") or {}
        self._record_verbs = p(record.get("verbs", []))
        self._record_nouns = p(record.get("records", []))
        self._record_motives = p(record.get("motives", []))
        self._escalation = p(data["escalation_phrases"])
        self._continuous = p(data["continuous_words"])
        leads = p(data.get("carried_dose_leads", []))
        # a dose written right after one of these words, in a sentence naming no drug, is of the one drug the message
        # names ("My lenvatinib was cut to 8 mg ... I'm going to put myself back up to 16 mg")
        self._carried_lead = re.compile(rf"(?:{leads.pattern})[\s,]*$") if leads is not None else None
        self._frequencies = {str(k).lower(): v for k, v in data["frequencies"].items()}
        self._frequency = p(list(self._frequencies))
        self._dose_units = {str(k).lower(): float(v) for k, v in data["dose_units"].items()}
        self._weight_units = {str(k).lower(): float(v) for k, v in data["weight_units"].items()}
        units = "|".join(sorted((re.escape(u) for u in self._dose_units), key=len, reverse=True))
        weights = "|".join(sorted((re.escape(u) for u in self._weight_units), key=len, reverse=True))
        # "5.2 g/dL", "88 mg/L": a concentration, not a dose
        self._dose = re.compile(
            rf"{_NUMBER}\s*({units})(\s*/\s*(?:{weights}))?(?![A-Za-z])(?!\s*/\s*(?:dl|l|ml)\b)", re.I
        )
        self._weight = re.compile(rf"(?<![/\w]){_WEIGHT_NUMBER}\s*({weights})(?![A-Za-z/])", re.I)
        # Lab and measurement names of the vocabulary: a number written after one of them is that value, not a
        # dose ("urine protein 2.4 g"). Words that name a dose itself ("dose", "cycle") own nothing here.
        not_owners = {str(w).lower() for w in data.get("dose_words", [])} | set(self._dose_units)
        self._analyte = p([a for a in analytes or [] if a.lstrip("=").lower() not in not_owners])
        self._between = re.compile(r"^[\s:=~(),-]*(?:[a-z]+[\s:=~(),-]+){0,3}$", re.I)

    @classmethod
    def from_corpus(cls, corpus_dir: Path = DEFAULT_CORPUS) -> Scope:
        """The rules over `scope.yaml`, `doses.yaml`, `facts.yaml` and the vocabulary in `corpus_dir`."""
        return _load(corpus_dir.resolve())

    # ---- the decision -------------------------------------------------------------------------------

    def decide(self, text: str, *, intent: str | None = None) -> ScopeDecision | None:
        """The first rule that applies, in order of severity; None when the message is in scope.

        `intent` is the classifier's confident reading: "out_of_scope" or "unsafe" with no rule of
        their own still get a generic decision.
        """
        cleaned = self._blank(text)
        for rule in (
            self._unsafe_request,
            self._animal,
            self._child,
            self._other_primary_rule,
            self._other_cancer_rule,
            self._above_label,
            self._outside_topic,
        ):
            decision = rule(cleaned)
            if decision is not None:
                return decision
        if intent == "out_of_scope":
            return ScopeDecision("outside_systemic", self.messages["outside_generic"], refused=False)
        if intent == "unsafe":
            return ScopeDecision("unsafe", self.messages["unsafe_generic"], refused=True)
        return None

    def _blank(self, text: str) -> str:
        """The text with ignored phrases replaced by spaces (offsets kept)."""
        if self._ignore is None:
            return text
        return self._ignore.sub(lambda m: " " * len(m.group(0)), text)

    def _clause_before(self, text: str, start: int) -> str:
        before = _CLAUSE_END.split(text[:start])[-1]
        return " ".join(before.split()[-self.window :])

    def _clause_after(self, text: str, end: int) -> str:
        after = _CLAUSE_END.split(text[end:])[0]
        return " ".join(after.split()[: self.window])

    def _asserted(self, pattern: re.Pattern[str] | None, text: str, history_counts: bool = False) -> str:
        """The first mention of `pattern` that is not negated (nor history, unless `history_counts`)."""
        if pattern is None:
            return ""
        for m in pattern.finditer(text):
            before = self._clause_before(text, m.start())
            if _first(self._negation, before):
                continue
            after = self._clause_after(text, m.end())
            if (
                not history_counts
                and (_first(self._history, before) or _first(self._history, after))
                and not _first(self._active_again, after)
            ):
                continue  # "resected cholangiocarcinoma" is history; "cholangiocarcinoma recurred in the liver" is not
            if _first(self._others, before):
                continue  # "my neighbour had immunotherapy for his melanoma": someone else's, not the question
            return m.group(0)
        return ""

    def _say(self, reason: Reason, key: str, detail: str, refused: bool = True, **extra: str) -> ScopeDecision:
        message = self.messages[key].format(detail=detail, **extra)
        return ScopeDecision(reason, message[:1].upper() + message[1:], refused, detail, extra.get("nearest", ""))

    # ---- rules, most severe first -------------------------------------------------------------------

    def _unsafe_request(self, text: str) -> ScopeDecision | None:
        bypass = _first(self._bypass_phrases, text)
        if bypass:
            found = self._say("unsafe", "unsafe_generic", bypass.group(0))
            return dataclasses.replace(found, bypass=True)
        phrase = _first(self._unsafe_phrases, text)
        if phrase:
            return self._say("unsafe", "unsafe_generic", phrase.group(0))
        against = self._record_against_facts(text)
        if against:
            # a record to be written with another value than the one the writer gives: refused on that alone
            return dataclasses.replace(self._say("unsafe", "unsafe_generic", against), bypass=True)
        if self._unsafe_verbs is None or self._unsafe_objects is None:
            return None
        for verb in self._unsafe_verbs.finditer(text):
            # the object within a few words of the same clause ("skip? what does the label say" asks two things)
            following = " ".join(_CLAUSE_END.split(text[verb.end() :])[0].split()[: self._unsafe_window])
            target = _first(self._unsafe_objects, following)
            if target:
                return self._say("unsafe", "unsafe_generic", f"{verb.group(0)} ... {target.group(0)}")
        return None

    def _record_against_facts(self, text: str) -> str:
        """ "He's really ECOG 3, but the insurer only pays at ECOG 0-1. Draft the referral stating ECOG 1": a sentence
        asking for a record (a writing verb and a record of `record_against_facts`) that gives a field another value
        than the rest of the message gives it, in a message saying why (a payer, an approval: `motives`). The words
        that show it, or ""."""
        if None in (self._record_verbs, self._record_nouns, self._record_motives):
            return ""
        if not _first(self._record_motives, text):
            return ""
        from ..reading.reader import read  # the fact reader; imported here, as it imports this package's vocabulary

        for start, end in message_sentence_spans(text):
            sentence = text[start:end]
            if not (_first(self._record_verbs, sentence) and _first(self._record_nouns, sentence)):
                continue
            written = read(sentence).values
            stated = read(text[:start] + " " * (end - start) + text[end:]).values
            for field, value in written.items():
                if field in stated and stated[field] != value and not isinstance(value, (bool, list)):
                    return f"a record stating {field.replace('_', ' ')} {value} against the {stated[field]} given"
        return ""

    def _animal(self, text: str) -> ScopeDecision | None:
        # The animal is the question's subject only in a clause that also speaks of the cancer or its treatment
        # ("my dog has HCC", "sorafenib dose for a cat"), not "she still walks the dog twice a day" or "put me at 0
        # (I walk the dog for an hour a day)"; the asker's own animal counts in the whole sentence ("my dog, a
        # labrador, has HCC").
        def topical(part: str) -> bool:
            return bool(
                _first(self._hcc, part)
                or _first(self._animal_topic, part)
                or self.names.find(part, ("drug", "regimen"))
            )

        found = ""
        for sentence in message_sentences(text) if self._animals is not None else ():
            owned = " ".join(m.group(0) for m in _OWNER.finditer(sentence) if _first(self._animals, m.group(0)))
            if owned and topical(sentence):
                found = found or self._asserted(self._animals, owned, history_counts=True)
            for clause in _CLAUSE_END.split(sentence):
                if topical(clause):
                    found = found or self._asserted(self._animals, clause, history_counts=True)
        return self._say("animal", "animal", f"a question about an animal ({found})") if found else None

    def _child(self, text: str) -> ScopeDecision | None:
        for m in _AGE.finditer(text):
            age = next(int(g) for g in m.groups() if g)
            if age < self.adult_age:
                return self._say("paediatric", "paediatric", f"a patient aged {age}")
        found = self._asserted(self._paediatric, text, history_counts=True)
        if found:
            # "the Child is A, 6 points": the name of a Child-Pugh class the fact reader reads there, not a child
            found = self._asserted(self._paediatric, _without_child_pugh(text), history_counts=True)
        return self._say("paediatric", "paediatric", f"a paediatric question ({found})") if found else None

    def _other_primary_rule(self, text: str) -> ScopeDecision | None:
        found = self._asserted(self._other_primary, text)
        return self._say("other_primary", "other_primary", found) if found else None

    def _other_cancer_rule(self, text: str) -> ScopeDecision | None:
        other = self._asserted(self._other_cancer, text)
        metastases = self._asserted(self._metastases, text, history_counts=True)
        hcc = self._asserted(self._hcc, text, history_counts=True)  # "gastric adenocarcinoma, not HCC" names none
        if metastases and (other or not hcc):
            # "metastases from colon cancer" names its primary already
            detail = f"{metastases} from {other}" if other and other not in metastases else metastases
            return self._say("liver_metastases", "liver_metastases", detail)
        if other and not hcc:
            return self._say("other_cancer", "other_cancer", other)
        return None

    def _outside_topic(self, text: str) -> ScopeDecision | None:
        named = {m.canonical for m in self.names.find(text, ("regimen", "drug"))}
        cue = bool(_first(self._systemic, text))
        for name, pattern, spec in self._topics:
            # a drug the local treatment itself carries ("beads loaded with doxorubicin") is not systemic therapy
            systemic = cue or bool(named - set(spec.get("carries", [])))
            if pattern is None or (systemic and not spec.get("even_with_systemic")):
                continue
            for m in pattern.finditer(text):
                before = " ".join(_CLAUSE_END.split(text[: m.start()])[-1].split()[-self.topic_window :])
                if _first(self._topic_history, before) or _first(
                    self._topic_ruled_out, self._clause_after(text, m.end())
                ):
                    continue
                return self._say(
                    "outside_systemic",
                    "outside_systemic",
                    m.group(0),
                    False,
                    label=spec.get("label", name),
                    nearest=spec["nearest"],
                )
        return None

    # ---- doses above the label ----------------------------------------------------------------------

    def _above_label(self, text: str) -> ScopeDecision | None:
        # "double the sorafenib dose" reads as "double the dose"
        unnamed = " ".join(self.names.mask(text).replace("drug", " ").split())
        escalation = _first(self._escalation, unnamed)
        if escalation:
            return self._say("above_label", "escalation", escalation.group(0))
        weight = self._weight.search(text)
        weight_kg = number_value(weight.group(1)) * self._weight_units[weight.group(2).lower()] if weight else None
        named = {m.canonical for m in self.names.find(text, ("drug",))}
        only = next(iter(named)) if len(named) == 1 and named <= set(self.doses) else None
        for sentence in message_sentences(text):
            decision = self._sentence_doses(sentence, weight_kg, only)
            if decision is not None:
                return decision
        return None

    def _sentence_doses(self, sentence: str, weight_kg: float | None, only: str | None = None) -> ScopeDecision | None:
        """A dose of the sentence above its drug's label; `only` is the one drug the message names, whose dose a
        sentence naming no drug may carry after a lead word ("back up to 16 mg")."""
        agents = [m for m in self.names.find(sentence, ("drug",)) if m.canonical in self.doses]
        doses = list(self._dose.finditer(sentence))
        if not agents and only is not None and self._carried_lead is not None:
            carried = [d for d in doses if self._carried_lead.search(sentence[: d.start()])]
            for dose in carried:
                if self._exceeds(self.doses[only], dose, None, weight_kg):
                    label = self.doses[only]
                    return self._say("above_label", "above_label", f"{only} {dose.group(0)}", label=label.label)
            return None
        if not agents:
            return None
        frequencies = self._frequency.finditer(sentence) if self._frequency is not None else iter(())
        per_dose: dict[int, str] = {}
        for f in frequencies:  # each frequency belongs to the dose written nearest to it
            if doses:
                nearest = min(range(len(doses)), key=lambda i: _gap(doses[i].span(), f.span()))
                per_dose.setdefault(nearest, f.group(0).lower())
        for i, dose in enumerate(doses):
            if self._owned_by_analyte(sentence, dose.start(), agents):
                continue
            agent = min(
                agents, key=lambda a: _gap((a.start, a.end), dose.span()) + (5 if a.start > dose.start() else 0)
            )
            label = self.doses[agent.canonical]
            stated = f"{sentence[agent.start : agent.end]} {dose.group(0)}"
            if i in per_dose:
                stated += f" {per_dose[i]}"
            if self._exceeds(label, dose, per_dose.get(i), weight_kg):
                if weight_kg is not None:
                    stated += f" for {weight_kg:g} kg"
                return self._say("above_label", "above_label", stated, label=label.label)
        continuous = _first(self._continuous, sentence)
        if continuous:
            for agent in agents:
                label = self.doses[agent.canonical]
                if label.days_on and label.cycle_days and label.days_on < label.cycle_days:
                    stated = f"{sentence[agent.start : agent.end]} given {continuous.group(0)}"
                    return self._say("above_label", "above_label", stated, label=label.label)
        return None

    def daily_doses(self, text: str) -> list[tuple[str, float]]:
        """Each oral dose written with its frequency, as (agent, mg per day), in the order written: "sorafenib
        400 mg bid" -> 800; "never more than 200 mg a day" (after sorafenib) -> 200. A dose without a frequency
        is left out (how often it was taken is not written)."""
        out: list[tuple[str, float]] = []
        for sentence in message_sentences(text):
            if not any(ch.isdigit() for ch in sentence):
                continue  # no number, no dose
            agents = [m for m in self.names.find(sentence, ("drug",)) if m.canonical in self.doses]
            if not agents or self._frequency is None:
                continue
            doses = list(self._dose.finditer(sentence))
            for f in self._frequency.finditer(sentence):
                if not doses:
                    break
                dose = min(doses, key=lambda d: _gap(d.span(), f.span()))
                if dose.group(3) or self._owned_by_analyte(sentence, dose.start(), agents):
                    continue
                before = [a for a in agents if a.start < dose.start()]
                agent = max(before, key=lambda a: a.start) if before else agents[0]
                times = self._frequencies.get(f.group(0).lower())
                mg = number_value(dose.group(1)) * self._dose_units[dose.group(2).lower()]
                out.append((agent.canonical, mg if times == "total" else mg * float(times or 1)))
        return out

    def _owned_by_analyte(self, sentence: str, at: int, agents: list[Any]) -> bool:
        """The number at `at` follows a lab or measurement name more closely than any drug name, with at most
        a few words and no other number between: it is that value ("24-h urine protein now 2.4 g")."""
        if self._analyte is None:
            return False
        before = [m for m in self._analyte.finditer(sentence, 0, at) if self._between.match(sentence[m.end() : at])]
        if not before:
            return False
        analyte_end = before[-1].end()
        return not any(analyte_end <= a.start < at for a in agents)

    def _exceeds(self, label: LabelDose, dose: re.Match[str], frequency: str | None, weight_kg: float | None) -> bool:
        """Whether one stated dose is above the label's single-dose or daily amount."""
        value = number_value(dose.group(1)) * self._dose_units[dose.group(2).lower()]
        if dose.group(3):  # mg/kg
            if label.max_mg_per_kg is not None:
                return value > label.max_mg_per_kg
            limit = label.single_dose_limit(None)
            return weight_kg is not None and limit is not None and value * weight_kg > limit
        if (
            label.flat_dose_min_kg is not None
            and label.below_flat_mg_per_kg is None
            and weight_kg is not None
            and weight_kg < label.flat_dose_min_kg
        ):
            return label.max_mg is not None and value >= label.max_mg
        limit = label.single_dose_limit(weight_kg)
        if limit is None:
            return False
        label_per_day = self._frequencies.get(label.frequency.lower(), 1) if label.frequency else 1
        label_daily = limit * (label_per_day if isinstance(label_per_day, int | float) else 1)
        times = self._frequencies.get(frequency, None) if frequency else None
        if isinstance(times, int | float):
            return value > limit or value * times > label_daily
        return value > label_daily  # a daily total, or no frequency written: the day's amount at most


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(b[0] - a[1], a[0] - b[1], 0)


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CorpusError([f"{path}: cannot read: {exc}"]) from exc


def load_doses(corpus_dir: Path) -> dict[str, LabelDose]:
    """Label doses from `doses.yaml`, each with its regimen's dose string from `facts.yaml`."""
    raw = _read(corpus_dir / "doses.yaml")
    facts = _read(corpus_dir / "facts.yaml")
    dose_of = {r["id"]: r.get("dose", "") for r in facts.get("regimens", [])}
    problems: list[str] = []
    doses: dict[str, LabelDose] = {}
    for agent, spec in (raw.get("agents") or {}).items():
        regimen = spec.get("regimen", "")
        if not dose_of.get(regimen):
            problems.append(f"{corpus_dir / 'doses.yaml'}: {agent}: regimen '{regimen}' has no dose in facts.yaml")
            continue
        bands = tuple((b.get("min_kg"), b.get("below_kg"), float(b["max_mg"])) for b in spec.get("weight_bands", []))
        doses[agent] = LabelDose(
            agent=agent,
            regimen=regimen,
            label=dose_of[regimen],
            route=spec.get("route", ""),
            max_mg=spec.get("max_mg"),
            max_mg_per_kg=spec.get("max_mg_per_kg"),
            weight_bands=bands,
            flat_dose_min_kg=spec.get("flat_dose_min_kg"),
            below_flat_mg_per_kg=spec.get("below_flat_mg_per_kg"),
            frequency=spec.get("frequency", ""),
            days_on=spec.get("days_on"),
            cycle_days=spec.get("cycle_days"),
        )
    if problems:
        raise CorpusError(problems)
    return doses


@lru_cache(maxsize=4)
def _load(corpus_dir: Path) -> Scope:
    vocab = load_vocabulary(corpus_dir / "vocabulary.yaml")
    analytes = [n for a in vocab.analytes.values() for n in a.names] + list(vocab.other_analytes)
    return Scope(_read(corpus_dir / "scope.yaml"), load_doses(corpus_dir), Names.from_corpus(corpus_dir), analytes)


def daily_doses(text: str, corpus_dir: Path = DEFAULT_CORPUS) -> list[tuple[str, float]]:
    """`Scope.daily_doses` with the bundled corpus."""
    return _load(corpus_dir).daily_doses(text)


def _without_child_pugh(text: str) -> str:
    """`text` with the words the fact reader reads as a Child-Pugh class or score blanked (offsets kept)."""
    from ..reading import read

    facts = read(text).facts
    for name in ("child_pugh_class", "child_pugh_score"):
        fact = facts.get(name)
        if fact is not None and fact.text:
            text = re.sub(re.escape(fact.text), lambda m: " " * len(m.group(0)), text, flags=re.I)
    return text


def decide(text: str, *, intent: str | None = None, corpus_dir: Path = DEFAULT_CORPUS) -> ScopeDecision | None:
    """`Scope.from_corpus(corpus_dir).decide(text, intent=intent)`."""
    return Scope.from_corpus(corpus_dir).decide(text, intent=intent)
