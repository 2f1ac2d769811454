"""One conversation: facts accumulate over turns, the topic carries over, each turn is answered."""

from __future__ import annotations

import dataclasses
import re
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any

from . import inform, refusals
from .answers.compare import comparison
from .answers.druginfo import agents_for, drug_answers, drug_information, facet_sections, label_sentences
from .answers.guard import eligibility, verdict_guard
from .answers.overview import overview
from .answers.referents import Reference, referents, rules_testing
from .asking.frame import QuestionFrame, QuestionReader
from .asking.scope import ScopeDecision
from .calculators import assess_liver
from .compose import (
    DISCLAIMER,
    FIELD_LABEL,
    PATIENT_DISCLAIMER,
    Builder,
    bottom_line,
    options_block,
    ranked_options,
    regimen_name,
    rule_chunks,
    verdict_notes,
)
from .errors import InputError
from .intents import INSIST, NEGATIVE_COMBOS, Intent, Topic, classify
from .merge import LABELS, _fmt, merge_facts
from .models import Answer
from .pathways import OFFERED, PathwayEngine, Verdict
from .profile import PatientProfile, make_profile
from .reading import Reading, read
from .reading.described import DescriptionReader
from .reading.reader import complete_pending
from .reading.rows import unwrapped
from .reading.vocabulary import vocabulary

MAX_CHARS = 4000
# Said to a patient instead of asking for the Child-Pugh class and ECOG (advice to ask, not a clinical claim).
PATIENT_DEPENDS = (
    "Which of the other treatments could suit depends on how well the liver is working and how active you are "
    "day to day, and on any treatment already given. Your care team (oncologist or liver specialist) can judge "
    "these; you can ask them which of the options fits, and why."
)
# Classifier intents that are not a question about systemic therapy of HCC.
OUTSIDE_INTENTS = frozenset({"out_of_scope", "unsafe", "greeting"})
# Question-frame intents answered as information about the regimen named, whatever facts the message also states.
FRAME_TOPICS: dict[str, Topic] = {"dosing": "dosing", "adverse_effects": "toxicity", "evidence": "evidence"}
CORE = ("child_pugh_class", "ecog")
NEEDS_SCENARIO = frozenset({"scenario"})  # intents answered only when the message supposes a fact that can be read
# The facts a general question may state and still get the overview ("1L and 2L pls" states a line).
OVERVIEW_FACTS = frozenset({"line_of_therapy"})
# `last_question` after the options were shown in general (the landscape, or the checker for the trials' population):
# "and in Child-Pugh B?" asks for them again under the conditions it states
LANDSCAPE = "landscape"
CONFIDENT_UNSAFE = 0.6  # a harm refusal on the classifier's reading alone needs this confidence
CONFIDENT_OUTSIDE = 0.8  # a question outside what I cover despite facts it states needs this confidence
QUESTION_SENTENCE = re.compile(r"[^.?!\n]*\?")  # a sentence ending with a question mark
# a message longer than this may hold pasted text before its question ("Only the oral ones. What doses?" does not)
PASTED_CHARS = 300

CONFIDENT_IN_SCOPE = 0.5  # the classifier's in-scope reading overrides the older "not about HCC" word list
CONFIDENT_DRUG_QUESTION = 0.9  # a drug question the classifier is this sure of is asked though no "?" marks it
CONFIDENT_OVERVIEW_NAMED = 0.9  # the overview for a question that names regimens needs this confidence


def _carrying_on(text: str) -> re.Match[str] | None:
    """The first word of a message that carries the last question on ("and", "so": `continuation_openers`), with a
    comma after it; None when the message opens otherwise."""
    first = re.match(r"\s*([A-Za-z]+)\b,?", text)
    return first if first is not None and first.group(1).lower() in vocabulary().continuation_openers else None


def clean_message(message: Any) -> tuple[str, list[str]]:
    """Text safe to process: a string, control characters and lone surrogates removed, bounded."""
    notices: list[str] = []
    text = "" if message is None else str(message)
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    if len(text) > MAX_CHARS:
        notices.append(f"The message was truncated to its first {MAX_CHARS} characters.")
        text = text[:MAX_CHARS]
    without_markup = MARKUP.sub(" ", text)
    if without_markup != text:
        notices.append("HTML or script markup in the message was ignored.")
        text = without_markup
    return text.strip(), notices


MARKUP = re.compile(r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>|<\s*/?\s*[a-z][^<>]*>", re.I | re.S)
TEMPLATE = re.compile(r"\{\{.*?\}\}|\$\{.*?\}|\{%.*?%\}|<%.*?%>", re.S)


_READERS: dict[Path, QuestionReader | None] = {}
_DESCRIPTIONS: dict[Path, DescriptionReader | None] = {}
_READERS_LOCK = threading.Lock()


def question_reader(kb: Any) -> QuestionReader | None:
    """One question reader per corpus and process (its utterance bank is embedded once, cached on disk);
    None for a corpus without an utterance bank (a small test corpus)."""
    corpus = Path(kb.settings.corpus_dir)
    with _READERS_LOCK:
        if corpus not in _READERS:
            if not (corpus / "utterances.yaml").is_file():
                _READERS[corpus] = None
            else:
                _READERS[corpus] = QuestionReader.from_corpus(
                    corpus, kb.embedder, model=kb.settings.embedding_model, cache_dir=Path(kb.settings.index_dir)
                )
        return _READERS[corpus]


def description_reader(kb: Any) -> DescriptionReader | None:
    """One reader of described facts per corpus and process; None for a corpus without descriptions.yaml."""
    corpus = Path(kb.settings.corpus_dir)
    with _READERS_LOCK:
        if corpus not in _DESCRIPTIONS:
            _DESCRIPTIONS[corpus] = DescriptionReader.from_corpus(
                corpus, kb.embedder, model=kb.settings.embedding_model, cache_dir=Path(kb.settings.index_dir)
            )
        return _DESCRIPTIONS[corpus]


class Session:
    """A conversation with one clinician about one patient."""

    def __init__(
        self,
        kb: Any,
        engine: PathwayEngine,
        audience: str = "clinician",
        profile: dict[str, Any] | None = None,
        chat_model: Any | None = None,
    ) -> None:
        if audience not in ("clinician", "patient"):
            raise InputError(f"audience must be 'clinician' or 'patient', not {audience!r}")
        self.kb = kb
        self.engine = engine
        self.audience = audience
        self.facts: dict[str, Any] = {}
        self.topic_regimens: list[str] = []
        self.topic_trials: list[str] = []
        self.last_topic: str | None = None
        # The intent the question frame read in the last question ("and for regorafenib?" asks it again).
        self.last_question: str | None = None
        self.history: list[Answer] = []
        # The user's messages, one per turn (history holds the answers).
        self.messages: list[str] = []
        # Where each known fact came from: {"field": {"turn": n, "text": words, "how": ...}}.
        self.provenance: dict[str, dict[str, Any]] = {}
        # Numbers read without a unit where the unit matters ("bili 12"), waiting for it next turn.
        self.pending: list[dict[str, Any]] = []
        self.chat_model = chat_model
        if profile:
            self.facts = make_profile(profile).known()
            self.provenance = {
                name: {"turn": 0, "text": "given with the session", "how": "stated"} for name in self.facts
            }

    # ---- persistence -------------------------------------------------------------------------------
    STATE_VERSION = 1

    def to_state(self) -> dict[str, Any]:
        """Everything a conversation needs to continue elsewhere, as JSON-serialisable data."""
        return {
            "version": self.STATE_VERSION,
            "audience": self.audience,
            "facts": dict(self.facts),
            "provenance": dict(self.provenance),
            "topic_regimens": list(self.topic_regimens),
            "topic_trials": list(self.topic_trials),
            "last_topic": self.last_topic,
            "last_question": self.last_question,
            "messages": list(self.messages),
            "pending": list(self.pending),
            "history": [a.model_dump(mode="json") for a in self.history],
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """Continue a conversation saved by `to_state` (facts are re-validated)."""
        self.audience = state.get("audience", self.audience)
        self.facts = make_profile(state.get("facts") or {}).known()
        self.provenance = dict(state.get("provenance") or {})
        self.topic_regimens = list(state.get("topic_regimens") or [])
        self.topic_trials = list(state.get("topic_trials") or [])
        self.last_topic = state.get("last_topic")
        self.last_question = state.get("last_question")
        self.messages = list(state.get("messages") or [])
        self.pending = list(state.get("pending") or [])
        self.history = [Answer.model_validate(a) for a in state.get("history") or []]

    # ---- state -------------------------------------------------------------------------------
    @property
    def profile(self) -> PatientProfile:
        return PatientProfile.model_validate(self.facts)

    def update_profile(self, values: dict[str, Any]) -> Answer:
        """Replace the patient's facts (e.g. from an edited form) and re-run the checker."""
        old = dict(self.facts)
        self.facts = make_profile(values).known()
        self.messages.append("(facts edited in the patient panel)")  # one message per answer in history
        for name in self.facts:
            if old.get(name) != self.facts[name] or name not in self.provenance:
                self.provenance[name] = {
                    "turn": len(self.messages),
                    "text": "edited in the patient panel",
                    "how": "stated",
                }
        for name in set(self.provenance) - set(self.facts):
            self.provenance.pop(name)
        changes = []
        for name in sorted(set(old) | set(self.facts)):
            if old.get(name) != self.facts.get(name) and name in LABELS and old.get(name) is not None:
                changes.append(
                    f"{LABELS[name]} updated from {_fmt(name, old[name])} to {_fmt(name, self.facts.get(name, '—'))}"
                )
        notices = ["Updated: " + "; ".join(changes) + "."] if changes else []
        intent = Intent(kind="recommendation", topic="options")
        start = time.perf_counter()
        answer = self._recommend(intent, notices)
        answer.latency_ms = round((time.perf_counter() - start) * 1000, 2)
        self.history.append(answer)
        return answer

    def reset(self) -> None:
        """Forget the patient and the topic."""
        self.facts, self.topic_regimens, self.topic_trials = {}, [], []
        self.provenance = {}
        self.last_topic = self.last_question = None
        self.history.clear()
        self.messages.clear()

    def _merge(self, reading: Reading) -> tuple[list[str], list[str]]:
        """Apply the facts read from a message (see `merge.merge_facts`); returns (change notices, problems)."""
        facts, provenance, changes, problems = merge_facts(self.facts, self.provenance, len(self.messages), reading)
        if not problems:
            self.facts, self.provenance = facts, provenance
        return changes, problems

    # ---- the turn ------------------------------------------------------------------------------
    def ask(self, message: Any) -> Answer:
        """Answer one message."""
        start = time.perf_counter()
        self.messages.append("" if message is None else str(message)[:MAX_CHARS])
        answer = self._answer(message)
        if self.chat_model is not None and answer.kind != "refusal":
            from .phrasing import rephrase

            answer, outcome = rephrase(answer, self.chat_model)
            answer.notices.append(f"LLM phrasing: {outcome}")
        answer.latency_ms = round((time.perf_counter() - start) * 1000, 2)
        self.history.append(answer)
        return answer

    def _answer(self, message: Any) -> Answer:
        text, notices = clean_message(message)
        if not text:
            return self._refusal("invalid_input", "The message is empty: please type a question.", notices)
        if TEMPLATE.search(text):
            return self._refusal(
                "invalid_input",
                "The message contains template syntax ({{...}} or ${...}), which I do not process: "
                "please write the question in plain words.",
                notices,
            )
        if not re.search(r"[A-Za-z0-9]", text):
            return self._refusal(
                "invalid_input", "The message has no words or numbers I can read: please type a question.", notices
            )
        reading = self._continued(text) or read(text)
        if self.pending:
            complete_pending(reading, self.pending, text)
        problems = list(reading.problems)
        if problems:
            return self._refusal(
                "invalid_input",
                "I could not use this message: "
                + "; ".join(problems)
                + ". Nothing was changed in the patient's facts; please check the values.",
                notices,
            )
        self._describe(reading, text)
        frame = self._frame(text)
        # a reading of the classifier alone as outside what I cover (no scope rule's words) gives way to the last
        # question asked again ("and for a 54 kg woman?" after the lenvatinib dose)
        if frame is not None and self.last_question and (frame.scope is None or not frame.scope.detail):
            asked_again = text.split("?")[0] + "?" if "?" in text and not reading.facts else text
            # the words of the conditions a question in general states ("and in Child-Pugh B?") count as named; of
            # a drug question asked again, only a weight ("and for a 54 kg woman?"): a condition such as Child-Pugh C
            # or a transplant asks something else than the dose
            conditions = [fact.text for fact in reading.conditions.values()]
            named = conditions if self.last_question == LANDSCAPE or set(reading.conditions) <= {"weight_kg"} else []
            again = question_reader(self.kb).elliptical(asked_again, named)  # type: ignore[union-attr]
            if self.last_question == LANDSCAPE and again and conditions and not frame.regimens:
                # "and in Child-Pugh B?" after the options: the options again, for the patients it names
                frame = dataclasses.replace(frame, intent="overview", confidence=1.0, clarify=None, scope=None)
            elif self.last_question != LANDSCAPE and (again or self._carried_on(text, frame)):
                # "and for regorafenib?", "same question for Cyramza?": the last question, about the drug named
                # (a remark after the question that states no fact of the patient leaves it one: "... her husband is
                # on that one"); "and for a 54 kg woman?" asks it again of the topic's drug
                frame = dataclasses.replace(
                    frame,
                    intent=self.last_question,
                    confidence=1.0,
                    clarify=None,
                    scope=None,
                    regimens=frame.regimens or tuple(self.topic_regimens[:2]),
                )
        if frame is not None and frame.scope is None:
            if frame.intent in NEEDS_SCENARIO and not reading.scenario and frame.clarify is None:
                # "atezo-bev ok if the pt has oesophageal varices?": read as a scenario, but no supposed fact was read
                # to evaluate (varices of unstated risk), so the next reading (is the regimen an option) is answered
                frame = dataclasses.replace(frame, intent=frame.runner_up)
            answers = drug_answers(Path(self.kb.settings.corpus_dir))
            about_a_drug = set(FRAME_TOPICS) | set(answers.questions if answers else ())
            # Only a question about a drug is asked again so; "what about cabo?" after the options is eligibility.
            self.last_question = frame.intent if frame.clarify is None and frame.intent in about_a_drug else None
        reference = self._reference(text, frame, frozenset(reading.facts))
        if frame is not None and reference is not None:
            # "the one without bevacizumab", "which of those are oral?": the regimens just shown that it picks; a
            # reading of the classifier alone as "outside what I cover" ("the one with the blood-marker cut-off")
            # gives way to its likeliest reading about them
            frame = dataclasses.replace(frame, regimens=tuple(reference.picked))
            if frame.scope is not None:
                taken = next((r for r, _ in frame.ranked if r not in OUTSIDE_INTENTS and r != "overview"), None)
                frame = dataclasses.replace(frame, scope=None, intent=taken or frame.intent, clarify=None)
        decision = frame.scope if frame is not None else None
        if frame is not None and frame.regimens:
            # "Fine. What is the labelled dose then?" after a refusal refers to the regimen it named.
            self.topic_regimens = [r for r in frame.regimens if r in self.engine.file.regimens] or self.topic_regimens
        if decision is not None and decision.reason == "above_label":
            # A dose above the label: the refusal states the label dose, cited to the regimen's passage.
            above = Intent(kind="refusal", refusal_reason="off_pathway", refusal_detail="dose escalation")
            above.regimens = [r for r in (frame.regimens if frame else ()) if r in self.engine.file.regimens]
            return refusals.refused(self, above, notices)
        if decision is not None and decision.refused and decision.reason != "unsafe":
            # Children, animals, other primaries: refused whatever else the message says.
            return self._scope_answer(decision, notices)  # a scope decision changes no fact
        intent = classify(
            text,
            has_topic=bool(self.topic_regimens or self.topic_trials or self.history),
            has_facts=bool(self.facts),
            new_facts=bool(reading.facts),
            scope_checked=frame is not None,
            in_scope=frame is not None
            and frame.confidence >= CONFIDENT_IN_SCOPE
            and frame.intent not in OUTSIDE_INTENTS,
            requested=bool(reading.requested),
        )
        if reference is not None and intent.kind != "refusal":
            intent.regimens, intent.trials = list(reference.picked), []
        intent.general = self._general(reading)
        if intent.general:
            intent.conditions = {name: fact.value for name, fact in reading.conditions.items()}
            if reading.presupposed:
                intent.conditions.setdefault("prior_therapies", list(reading.presupposed))
        if frame is not None and decision is not None and intent.kind != "refusal":
            # A decision a scope rule took (its words are in `detail`) stands; one from the classifier alone
            # is taken only when confident. Harm is refused when the classifier also reads the message as
            # unsafe ("how do I screen for lethal bleeding?" asks about monitoring); insisting on a withheld
            # regimen is answered as off-pathway below; "outside what I cover" never swallows patient facts.
            by_rule = bool(decision.detail)
            if decision.reason == "unsafe":
                # the rule's own words ("without a diagnosis") are refused even when the user insists
                take = decision.bypass or (
                    frame.runner_up == "unsafe"
                    and (by_rule or (frame.confidence >= CONFIDENT_UNSAFE and not INSIST.search(text)))
                )
            else:
                # facts of no particular patient ("a lesion with right portal vein branch thrombus") in a question
                # the classifier also reads as outside what I cover do not hold the answer back
                general = frame.intent == "out_of_scope" and frame.confidence >= CONFIDENT_OUTSIDE
                take = by_rule and (not reading.facts or (general and self._general(reading)))
            if take:
                return self._scope_answer(decision, notices)
        # the regimens a question asks about: not those it presupposes were given ("options once HCC has progressed
        # on sorafenib?" asks for the landscape after it)
        asked_about = [r for r in intent.regimens if r not in reading.presupposed]
        if frame is not None and asked_about and intent.kind != "refusal":
            # A question naming a regimen read first as "outside what I cover" with no scope rule behind it ("Is
            # atezo-bev an option for HCC recurrence after liver transplantation?"): that reading is not taken, so the
            # classifier's likeliest reading about the regimen is (the landscape is not one: it names no regimen)
            # (only where the older reading has nothing more specific than the passages to retrieve: "Imjudo plus
            # Imfinzi: how is it dosed?" is a dosing question whatever the classifier's second reading)
            unsure_outside = (
                frame.intent == "out_of_scope"
                and decision is not None
                and not decision.detail
                and intent.topic in ("evidence", "general")
            )
            taken = next((r for r, _ in frame.ranked if r not in OUTSIDE_INTENTS and r != "overview"), None)
            if unsure_outside and taken is not None:
                frame = dataclasses.replace(frame, intent=taken, scope=None, clarify=None)
        # a question for the landscape under conditions that change the checker's verdict ("first-line options in
        # Child-Pugh B?") is answered by the checker for those patients, not by the landscape
        conditions_matter = (
            frame is not None
            and frame.intent == "overview"
            and intent.general
            and self._conditions_matter(intent.conditions)
        )
        if (
            frame is not None
            and frame.clarify is None
            and not intent.trials
            and intent.kind != "refusal"
            and (
                (
                    frame.intent == "overview"
                    and intent.general
                    and set(reading.facts) <= OVERVIEW_FACTS
                    and not conditions_matter
                    and (
                        not (reading.facts or asked_about)
                        or (frame.confidence >= CONFIDENT_IN_SCOPE and not asked_about)
                        # naming regimens ("where do lenvatinib and sorafenib still fit?") asks about them, unless
                        # the classifier is sure the landscape is asked ("Apatinib - label indications?" is not)
                        or frame.confidence >= CONFIDENT_OVERVIEW_NAMED
                    )
                )
                or (
                    self.audience == "patient"
                    and frame.intent in ("overview", "recommendation")
                    and not reading.facts
                    and not self.facts
                    and not intent.regimens
                )
            )
        ):
            # The landscape ("what are the chemotherapy options?", "1L and 2L pls", "where do lenvatinib and
            # sorafenib still fit?"), asked of no particular patient ("which treatment should I start for my pt?"
            # asks a clinician for the patient's facts). A patient or relative who has told nothing yet gets the
            # landscape in plain words, not a request for the Child-Pugh class.
            answer = overview(self.kb, self.audience)
            answer.notices = notices + answer.notices
            self.last_topic = "overview"
            self.last_question = LANDSCAPE
            # "the one without bevacizumab" next picks among the preferred first-line regimens the overview leads with
            found = self._population({})
            if found is not None:
                verdict = self.engine.evaluate(found[0])
                self.topic_regimens = [
                    o.regimen for o in verdict.options if o.status == "preferred"
                ] or self.topic_regimens
            return answer
        if conditions_matter and intent.kind != "refusal" and not intent.regimens:
            intent.kind, intent.topic = "recommendation", "options"
        if intent.regimens:
            self.topic_regimens = intent.regimens
        if intent.kind == "refusal" and intent.refusal_reason:
            return refusals.refused(self, intent, notices)  # a refused turn changes no fact
        changes, invalid = self._merge(reading)
        if invalid:
            self.last_topic = intent.topic  # "Typo - 90 kg." next answers the question asked here
            return self._refusal(
                "invalid_input",
                "I could not use this message: " + "; ".join(invalid) + ". Nothing was changed in the patient's facts.",
                notices,
            )
        self.pending = reading.pending  # a unit given next turn completes these
        if reading.scenario and not intent.next_line:
            # The facts the message states plainly are kept; the "what if" is evaluated on top and not kept.
            return self._scenario(reading, intent, changes + notices)
        notices += [
            f"I could not read: {item.rstrip('.')}" + ("" if item.endswith("?") else ".") for item in reading.unread
        ]
        if reading.elsewhere:
            said = ", ".join(dict.fromkeys(" ".join(w.split()) for w in reading.elsewhere))
            notices.append(
                "Not taken as the patient's (said of a trial's population, another case, or a question's choices): "
                + said
                + "."
            )
        notices += [f"Conflicting statements, the safer reading is used: {item}." for item in reading.conflicts]
        notices += [f"Read from a description, not a stated value: {item}." for item in reading.inferred]
        if (
            intent.kind == "recommendation"
            and not reading.asks
            and self.last_topic in ("dosing", "toxicity")
            and set(reading.facts) == {"weight_kg"}
        ):
            # "she actually weighs 55 kg" after a dosing answer: answer the dosing again (new labs
            # or AFP can change the verdict, so they get a new recommendation).
            intent.kind = "information"
            intent.topic = "dosing" if self.last_topic == "dosing" else "toxicity"
        if self._insists_on_systemic(text):
            intent.refusal_reason, intent.refusal_detail = "off_pathway", "end-stage"
            return refusals.refused(self, intent, notices)
        insisted = self._insisted_regimen(text, intent, reading.requested)
        if insisted:
            return self._not_offered_refusal(insisted, notices)
        if intent.trials:
            self.topic_trials = intent.trials
            if not intent.regimens:
                self.topic_regimens = [r for t in intent.trials for r in self.kb.facts.trial_regimens(t)]
        elif intent.follow_up and intent.topic in ("evidence", "general") and self.topic_trials:
            intent.trials = self.topic_trials
        if intent.trials and intent.topic in ("evidence", "general") and vocabulary().says(text, "updated"):
            # "HIMALAYA 5-yr update", "and the five-year data?": the trial's update documents first
            related = [d for t in intent.trials for d in self.kb.doc_by_id if d.startswith(f"{t}-")]
            intent.trials = list(dict.fromkeys(related + intent.trials))
        negative = [NEGATIVE_COMBOS[r] for r in intent.regimens if r in NEGATIVE_COMBOS]
        if negative and intent.kind == "information":
            intent.trials = negative
            intent.topic = "evidence"
        elif intent.topic == "evidence" and intent.regimens and not intent.trials:
            intent.trials = [t for r in intent.regimens for t in self.kb.facts.regimen_trials(r)][:1]
        notices[:0] = changes
        if changes and (reading.replaced or reading.units_corrected) and not reading.asks:
            # "it was lenvatinib, not sorafenib" / "that was IU/mL": a correction re-runs the checker.
            return self._recommend(Intent(kind="recommendation", topic="options"), notices)
        typed = self._typed_answer(text, frame, intent, reading, notices, reference)
        if typed is not None:
            return typed
        if (
            frame is not None
            and frame.clarify is None
            and frame.regimens
            and frame.intent in FRAME_TOPICS
            and not intent.next_line
            and (
                (intent.kind == "recommendation" and reading.asks)
                or (intent.kind == "information" and intent.topic != FRAME_TOPICS[frame.intent])
            )
        ):
            # A question about a named regimen ("atezo/bev doses for a 72 kg man?", "the rego trial after sora -
            # HR for OS?") is answered as asked; the facts it states are recorded all the same.
            intent.kind, intent.topic = "information", FRAME_TOPICS[frame.intent]
            intent.regimens = intent.regimens or [r for r in frame.regimens if r in self.engine.file.regimens]
            intent.trials = intent.trials or list(frame.trials)
            if intent.topic == "evidence" and intent.regimens and not intent.trials:
                # "What's the evidence for ramucirumab - which trial, who was eligible?": its pivotal trial
                intent.trials = [t for r in intent.regimens for t in self.kb.facts.regimen_trials(r)][:1]
        if intent.kind == "recommendation":
            answer = self._recommend(intent, notices)
        elif (
            not reading.facts
            and not intent.regimens
            and not intent.trials
            and not intent.follow_up
            and re.match(r"^\s*(?:hi|hello|hey|thanks?|thank you)\b", text, re.I)
        ):
            answer = self._greeting(notices)
        else:
            answer = self._inform(text, intent, notices)
        self.last_topic = intent.topic
        return answer

    def _end_stage(self) -> bool:
        """Child-Pugh C or ECOG 3-4: the documented pathway is best supportive care."""
        return self.facts.get("child_pugh_class") == "C" or (self.facts.get("ecog") or 0) >= 3

    def _insists_on_systemic(self, text: str) -> bool:
        return (
            self._end_stage()
            and bool(INSIST.search(text))
            and bool(re.search(r"\b(?:give|start|treat|systemic|immunotherapy|try|use)\b", text, re.I))
        )

    def _insisted_regimen(self, text: str, intent: Intent, requested: list[str] | None = None) -> Any:
        """A regimen the user wants anyway, or asks for in a statement ("the family wants atezolizumab plus
        bevacizumab started this week"), although the checker withholds it for this patient."""
        named: list[str] = []
        if intent.regimens and INSIST.search(text):
            named += [r for r in intent.regimens if r in self.engine.file.regimens]
        if requested and not intent.general:
            vocab = vocabulary()
            # the agents requested, grouped into regimens as the vocabulary groups them ("Yervoy together with
            # Opdivo": nivolumab+ipilimumab, not nivolumab alone as well)
            agents = [a for r in requested for a in (vocab.agents_of(r) or [r])]
            wanted = vocab.regimen_of_agents(agents)
            named += [r for r in wanted if r in self.engine.file.regimens and r not in named]
        if not named:
            return None
        verdict = self.engine.evaluate(self.profile, named)
        blocked = [o for o in verdict.options if o.status == "not_recommended"]
        return blocked[-1] if blocked else None  # the regimen named last is the one wanted

    def _not_offered_refusal(self, option: Any, notices: list[str]) -> Answer:
        b = Builder(self.kb)
        self._header(b, notices)
        rules = {r.id: r for r in self.engine.file.rules}
        candidates = [c for rid in option.rules if rid in rules for c in rule_chunks(self.kb, rules[rid])]
        message = (
            f"{regimen_name(option.regimen)} is not on the documented pathway for this patient, so I won't confirm it."
        )
        b.add(b.supported(message, candidates) or "This regimen is not on the documented pathway for this patient.")
        reason = b.supported(" ".join(option.reasons), candidates)
        if reason:
            b.add(f"- {reason}")
        b.add()
        verdict = self.engine.evaluate(self.profile)
        if verdict.offered():
            options_block(b, self.kb, verdict, self.engine, self.audience)
        else:
            # nothing offered: the pathway for this patient, supportive care when the liver or the patient is failing
            refusals.pathway_instead(self, b, "end-stage" if self._end_stage() else "first")
        return self._finish(
            b,
            "refusal",
            notices,
            verdict=verdict,
            refusal={"reason": "off_pathway", "message": message},
        )

    # ---- answers -------------------------------------------------------------------------------
    def _finish(
        self,
        b: Builder,
        kind: str,
        notices: list[str],
        *,
        verdict: Verdict | None = None,
        refusal: dict[str, str] | None = None,
    ) -> Answer:
        template = PATIENT_DISCLAIMER if self.audience == "patient" else DISCLAIMER
        b.add()
        b.add(template.format(as_of=self.kb.facts.as_of))
        profile = self.profile
        assessment = assess_liver(profile)
        derived: dict[str, Any] = {
            "child_pugh_computed": (
                f"{assessment.computed_class}{assessment.computed_score}" if assessment.computed_class else None
            ),
            "albi_score": round(assessment.albi_score, 2) if assessment.albi_score is not None else None,
            "albi_grade": assessment.albi_grade,
            "bclc_stage": assessment.bclc_stage,
            "conflicts": assessment.conflicts,
            "line": verdict.line if verdict else None,
            "notes": list(verdict.notes) if verdict else [],
        }
        return Answer(
            kind=kind,  # type: ignore[arg-type]
            text=b.text(),
            options=[o.to_option() for o in verdict.options] if verdict else [],
            citations=b.citations,
            profile=profile.known(),
            missing=verdict.missing if verdict else [],
            refusal=refusal,
            notices=notices,
            derived=derived,
            provenance={k: dict(v) for k, v in self.provenance.items() if k in self.facts},
        )

    def _header(self, b: Builder, notices: list[str]) -> None:
        for notice in notices:
            b.add(f"_{notice}_")
        if notices:
            b.add()

    def _patient_line(self, b: Builder, verdict: Verdict | None) -> None:
        facts = self.facts
        if not facts:
            return
        parts = []
        if "child_pugh_class" in facts:
            origin = self.provenance.get("child_pugh_class", {})
            computed = origin.get("how") == "computed"
            least = origin.get("minimum_score") is not None  # items missing: the class they already reach
            parts.append(
                f"Child-Pugh {facts['child_pugh_class']}{facts.get('child_pugh_score', '')}"
                + (f" ({origin['text']})" if least else " (computed from the labs)" if computed else "")
            )
        if "ecog" in facts:
            parts.append(f"ECOG {facts['ecog']}")
        prior = facts.get("prior_therapies")
        if prior is not None:
            parts.append("prior: " + (", ".join(prior) if prior else "no systemic therapy"))
        for name in ("afp_ng_ml", "weight_kg"):
            if name in facts:
                parts.append(
                    f"{name.split('_')[0].upper() if name == 'afp_ng_ml' else 'weight'} {_fmt(name, facts[name])}"
                )
        for name in (
            "main_portal_vein_invasion",
            "liver_involvement_50",
            "extrahepatic_spread",
            "high_risk_varices",
            "autoimmune_disease",
            "solid_organ_transplant",
            "sorafenib_tolerated",
            "progressed",
            "intolerance",
            "therapeutic_anticoagulation",
            "uncontrolled_hypertension",
            "significant_proteinuria",
            "recent_arterial_thromboembolism",
            "recent_major_surgery",
        ):
            if name == "sorafenib_tolerated" and name in facts:  # its label is a question ("whether ...")
                parts.append("sorafenib tolerated" if facts[name] else "sorafenib not tolerated")
            elif name in facts:
                parts.append(("" if facts[name] else "no ") + FIELD_LABEL.get(name, name.replace("_", " ")).lower())
        if verdict and verdict.line:
            parts.append(f"line: {verdict.line}")
        b.add("**Patient:** " + " · ".join(parts))
        b.add()

    def _regimens_for(self, intent: Intent) -> list[str]:
        if intent.regimens:
            return intent.regimens
        if self.topic_regimens:
            return self.topic_regimens[:2]
        last = self.history[-1] if self.history else None
        if last is not None:
            offered = [o for o in last.options if o["status"] == "preferred"] or [
                o for o in last.options if o["status"] in OFFERED
            ]
            return [str(o["regimen"]) for o in offered[:2]]
        return []

    def _recommend(self, intent: Intent, notices: list[str]) -> Answer:
        b = Builder(self.kb)
        self._header(b, notices)
        profile = self.profile
        wanted = list(
            dict.fromkeys(
                [r for r, m in self.engine.file.regimens.items() if m.get("core")]
                + [r for r in intent.regimens if r in self.engine.file.regimens]
            )
        )
        if intent.next_line:
            return self._next_line(b, intent, notices, wanted)
        verdict = self.engine.evaluate(profile, wanted)
        missing_core = [f for f in CORE if f not in self.facts and f in verdict.missing]
        if verdict.line is None and "prior_therapies" in verdict.missing:
            missing_core.append("prior_therapies")
        if missing_core and intent.general and self.audience == "clinician":
            general = self._for_population(b, wanted, missing_core, notices, intent.conditions)
            if general is not None:
                return general
        if missing_core:
            return self._clarify(b, verdict, missing_core, notices)
        self._verdict_body(b, verdict)
        self._caveats(b, verdict)
        if self.audience == "patient":
            b.add("Please go through these options with your care team: they know your full situation.")
        rules = {r.id: r for r in self.engine.file.rules}
        ranked = [o.regimen for o in ranked_options(verdict, rules) if o.offered]
        if ranked:
            # "How is it dosed?" next refers to the options in the order they were shown.
            self.topic_regimens = ranked
        return self._finish(b, "recommendation", notices, verdict=verdict)

    def _general(self, reading: Reading) -> bool:
        """Whether the message asks in general: a question, no patient described before, none named ("my pt", "his AFP",
        "68F"), and no fact that only a particular patient has (the trials' population `case_fields`)."""
        case_fields = set(self.engine.file.population.get("case_fields") or ())
        if self.facts or set(reading.facts) & case_fields:
            return False
        if reading.said_general and not reading.described:
            # "One was told his sorafenib has stopped working ... In general, what is used after it?" names someone
            # but asks in general; a performance status described ("frail and chair-bound") makes it that patient's
            return True
        return reading.asks and not reading.particular

    def _continued(self, text: str) -> Reading | None:
        """In a conversation about no particular patient, a question that carries the last one on ("and in
        Child-Pugh B?", "and for a 54 kg woman?") read without its first word, when so it asks in general: the
        conditions it states are asked about. None otherwise (a patient's conversation reads every message as is)."""
        first = _carrying_on(text)
        if self.facts or not self.last_question or first is None:
            return None
        reading = read(text[first.end() :])
        return reading if reading.conditions and not reading.facts and not reading.scenario else None

    def _carried_on(self, text: str, frame: QuestionFrame) -> bool:
        """Whether a message that opens by carrying the last question on ("and Cyramza, is that an immunotherapy
        too?") and names a drug asks the last question again: the classifier is unsure of it (below
        CONFIDENT_IN_SCOPE) and the last question is one of its two likeliest readings."""
        return (
            _carrying_on(text) is not None
            and bool(frame.regimens)
            and frame.confidence < CONFIDENT_IN_SCOPE
            and self.last_question in [intent for intent, _ in frame.ranked[:2]]
        )

    def _conditions_matter(self, conditions: dict[str, Any]) -> bool:
        """Whether the conditions a question in general states change the checker's verdict for the trials'
        population ("in Child-Pugh B" does; "for advanced HCC", "BCLC C", "first line" do not)."""
        # the landscape gives every line, so neither the line nor the drugs given before change whether it answers
        conditions = {k: v for k, v in conditions.items() if k not in OVERVIEW_FACTS and k != "prior_therapies"}
        if not conditions:
            return False
        found, plain = self._population(conditions), self._population({})
        if found is None or plain is None:
            return False
        asked, usual = self.engine.evaluate(found[0]), self.engine.evaluate(plain[0])
        return [(o.regimen, o.status) for o in asked.options] != [(o.regimen, o.status) for o in usual.options]

    def _population(self, conditions: dict[str, Any]) -> tuple[PatientProfile, str] | None:
        """The facts known, the conditions a general question states over them, and the trials' population for
        the rest; with the words that say so ("the trials' population (Child-Pugh A, ECOG 0-1), with Child-Pugh
        class B as asked"). None when the rules name no population or the conditions are not a valid profile."""
        try:
            stated = make_profile({**self.profile.known(), **conditions})
        except InputError:
            return None
        hypothetical = self.engine.population_profile(stated)
        if hypothetical is None:
            return None
        says = f"the trials' population ({self.engine.file.population['says']})"
        shown = [
            f"{LABELS.get(k, FIELD_LABEL.get(k, k.replace('_', ' ')))} {_fmt(k, v)}"
            if not isinstance(v, (bool, list))
            else (FIELD_LABEL.get(k, k.replace("_", " ")) if v is True else "")
            for k, v in conditions.items()
            if k not in ("prior_therapies", "line_of_therapy")
        ]
        if conditions.get("line_of_therapy"):
            shown.insert(0, f"{conditions['line_of_therapy']} line")
        shown = [s for s in shown if s]
        if conditions.get("prior_therapies"):
            shown.append("after " + " and ".join(regimen_name(r).lower() for r in conditions["prior_therapies"]))
        if shown:
            says = ", ".join(shown) + " as asked, otherwise " + says
        return hypothetical, says

    def _for_population(
        self, b: Builder, wanted: list[str], missing: list[str], notices: list[str], conditions: dict[str, Any]
    ) -> Answer | None:
        """A general question answered for the trials' population (Child-Pugh A, ECOG 0-1) with the facts it
        states ("after atezo-bev?", "after a liver transplant?"): the checker's verdict, said to be conditional and
        cited; nothing is stored for a patient. None when the rules name no population or its passage is missing."""
        population = self.engine.file.population
        found = self._population(conditions)
        chunks = self.kb.section(str(population.get("document")), str(population.get("section")))
        if found is None or not chunks:
            return None
        hypothetical, answered_for = found
        says = str(population["says"])
        wanted_facts = ", ".join(FIELD_LABEL.get(f, f) for f in missing)
        untreated = "prior_therapies" not in self.facts and not hypothetical.prior_therapies
        b.add(
            f"_Asked in general: answered for {answered_for}"
            + ("; no systemic therapy before" if untreated else "")
            + "._"
        )
        basis = b.supported(f"The trials behind the systemic agents for advanced HCC enrolled {says} patients.", chunks)
        if basis:
            b.add(f"- {basis}")
        b.add()
        verdict = self.engine.evaluate(hypothetical, wanted)
        line = bottom_line(b, self.kb, verdict, self.engine, self.audience)
        if line:
            b.add(f"**Bottom line (trials' population):** {line.replace('For this patient', 'For such a patient', 1)}")
            b.add()
        options_block(b, self.kb, verdict, self.engine, self.audience, heading=f"**Options ({says})**")
        b.add(f"For a particular patient, tell me the **{wanted_facts}** and I will check the pathway for them.")
        rules = {r.id: r for r in self.engine.file.rules}
        # "which of those are IV?" picks from these: the options, and those that wait on a fact (ramucirumab, AFP)
        ranked = [o.regimen for o in ranked_options(verdict, rules) if o.offered or o.status == "needs_info"]
        if ranked:
            self.topic_regimens = ranked
        self.last_question = LANDSCAPE  # "and in Child-Pugh B?" next asks for these options under its conditions
        return self._conditional(self._finish(b, "information", notices, verdict=verdict), missing)

    def _conditional(self, answer: Answer, missing: list[str]) -> Answer:
        """An answer for the trials' population: its verdicts say so, and the facts a patient needs are missing."""
        says = str(self.engine.file.population.get("says"))
        answer.missing = list(dict.fromkeys(missing + answer.missing))
        for option in answer.options:
            reasons = option.get("reasons")
            reasons = [str(r) for r in reasons] if isinstance(reasons, list) else []
            option["reasons"] = [f"For {says} (the trials' population): " + " ".join(reasons)]
        return answer

    def _verdict_body(self, b: Builder, verdict: Verdict) -> None:
        """Patient line, bottom line and the options of a verdict."""
        self._patient_line(b, verdict)
        line = bottom_line(b, self.kb, verdict, self.engine, self.audience)
        if line:
            b.add(f"**Bottom line:** {line}")
            b.add()
        options_block(b, self.kb, verdict, self.engine, self.audience)

    def _caveats(self, b: Builder, verdict: Verdict) -> None:
        asks = [f for f in verdict.missing if f not in CORE]
        if not asks or self.audience == "patient":
            return
        b.add("**Still needed to confirm these verdicts:** " + "; ".join(FIELD_LABEL.get(f, f) for f in asks) + ".")

    def _clarify(self, b: Builder, verdict: Verdict, missing: list[str], notices: list[str]) -> Answer:
        self._patient_line(b, verdict)
        verdict_notes(b, verdict)  # disagreeing Child-Pugh readings are said even while asking
        if self.audience == "patient":
            return self._clarify_patient(b, verdict, missing, notices)
        wanted = ", ".join(FIELD_LABEL.get(f, f) for f in missing)
        b.add(f"To check the documented pathway for this patient I need: **{wanted}**.")
        b.add()
        holds = [
            (
                "Systemic therapy is for advanced HCC (stage C) with preserved liver function, and for intermediate "
                "disease progressing on or unsuitable for locoregional therapy.",
                "Who gets systemic therapy",
            ),
            (
                "With end-stage liver function or ECOG performance status 3-4 (terminal, stage D), best "
                "supportive care is recommended, not systemic therapy.",
                "BCLC stage D (terminal)",
            ),
        ]
        cited = [b.supported(claim, self.kb.section("bclc-2022", section)) for claim, section in holds]
        if any(cited):
            b.add("What holds regardless:")
            b.add("\n".join(f"- {line}" for line in cited if line))
        verdict.missing = list(dict.fromkeys(missing + verdict.missing))
        return self._finish(b, "clarification", notices, verdict=verdict)

    def _clarify_patient(self, b: Builder, verdict: Verdict, missing: list[str], notices: list[str]) -> Answer:
        """For a patient or relative: what the facts told already rule out, cited, and who judges the rest, in
        plain words (no request for scores only the care team has)."""
        rules = {r.id: r for r in self.engine.file.rules}
        out = [o for o in verdict.options if o.status == "not_recommended"]
        if out:
            b.add("**From what you have told me, these are not used:**")
            by_reason: dict[str, list[Any]] = {}
            for option in out:  # one line per reason, naming every medicine it rules out
                by_reason.setdefault(" ".join(option.reasons), []).append(option)
            for why, options in by_reason.items():
                pool = [c for o in options for rid in o.rules if rid in rules for c in rule_chunks(self.kb, rules[rid])]
                reason = b.stated(why, pool, "the rule's passages do not state it")
                b.add(f"- **{', '.join(regimen_name(o.regimen) for o in options)}** — not recommended: {reason}")
            b.add()
        b.add(PATIENT_DEPENDS)
        verdict.missing = list(dict.fromkeys(missing + verdict.missing))
        return self._finish(b, "clarification", notices, verdict=verdict)

    def _next_line(self, b: Builder, intent: Intent, notices: list[str], wanted: list[str]) -> Answer:
        current = self._regimens_for(intent)[:1]
        prior = list(self.facts.get("prior_therapies") or [])
        if current and current[0] not in prior:
            prior.append(current[0])
        hypothetical = self.profile.model_copy(update={"prior_therapies": prior, "progressed": True})
        verdict = self.engine.evaluate(hypothetical, wanted)
        if current:
            b.add(f"_Note: if the disease progresses on {regimen_name(current[0]).lower()}:_")
            b.add()
        self._verdict_body(b, verdict)
        return self._finish(b, "recommendation", notices, verdict=verdict)

    def _describe(self, reading: Reading, text: str) -> None:
        """Facts the message describes in words ("sits in her recliner most of the day": ECOG 3), embedded in one
        batch with the text the intent classifier reads next."""
        describer = description_reader(self.kb)
        if describer is None:
            return
        if self._general(reading):
            # a question in general describes a person only in a sentence naming one ("I'm 70 and can't do the heavy
            # jobs"), not "Health desk here, working on a feature. Could you give me a rundown ...?"
            vocab = vocabulary()
            people = (
                set(vocab.patient_words)
                | {k.lower() for k in vocab.kin_names}
                | {w for words in vocab.kin.values() for w in words}
            )
            for name, sentences in list(reading.described.items()):
                kept = [t for t in sentences if people & set(re.findall(r"[a-z']+", t.lower()))]
                if kept:
                    reading.described[name] = kept
                else:
                    del reading.described[name]
            if not reading.described:
                return
        if reading.described:
            batch = list(describer.texts(reading).values())
            questions = question_reader(self.kb)
            if questions is not None:
                batch.insert(0, questions.classifier.prepare(text))
            self.kb.embedder.embed_queries(batch)
        describer.read(reading, self.facts)

    def _frame(self, text: str) -> QuestionFrame | None:
        """The question frame (scope decisions and the intent classifier), when the corpus has its data."""
        reader = question_reader(self.kb)
        if reader is None:
            return None
        # The classifier reads the message with drug and trial names masked; retrieval reads it as written (with
        # its aliases) and embeds it only when a turn searches. Most turns (recommendations, drug information,
        # doses, refusals) never search, and one text costs about two thirds of a batch of two (11 vs 17 ms
        # measured on the reference machine), so embedding the retrieval text up front would slow most turns.
        return reader.read(text)

    def _scope_answer(self, decision: ScopeDecision, notices: list[str]) -> Answer:
        """A refusal (other cancers, children, animals, harm, doses above label) or "outside what I cover"."""
        b = Builder(self.kb)
        self._header(b, notices)
        b.add(f"**Outside what I cover:** {decision.message}")  # the scope decision, not a corpus claim
        reason = {"unsafe": "unsafe", "above_label": "off_pathway"}.get(decision.reason, "out_of_scope")
        if decision.refused:
            b.add()
            refusals.pathway_instead(self, b)
        return self._finish(b, "refusal", notices, refusal={"reason": reason, "message": decision.message})

    def _scenario(self, reading: Reading, intent: Intent, notices: list[str]) -> Answer:
        """ "What if the endoscopy shows large varices?": the checker on the facts plus the scenario,
        what changes, and the stored facts left as they were."""
        hypothetical = dict(self.facts)
        for name, fact in reading.scenario.items():
            if name == "prior_therapies" and hypothetical.get(name):
                hypothetical[name] = list(dict.fromkeys(hypothetical[name] + fact.value))
            else:
                hypothetical[name] = fact.value
        try:
            profile = make_profile(hypothetical)
        except InputError as exc:
            return self._refusal("invalid_input", f"I could not use this scenario: {exc}.", notices)
        wanted = list(
            dict.fromkeys(
                [r for r, m in self.engine.file.regimens.items() if m.get("core")]
                + [r for r in intent.regimens if r in self.engine.file.regimens]
            )
        )
        before = {o.regimen: o.status for o in self.engine.evaluate(self.profile, wanted).options}
        verdict = self.engine.evaluate(profile, wanted)
        b = Builder(self.kb)
        self._header(b, notices)
        supposed = "; ".join(
            f"{FIELD_LABEL.get(n, n.replace('_', ' '))}: {_fmt(n, f.value)}" for n, f in reading.scenario.items()
        )
        b.add(f"**Hypothetical scenario** (if {supposed}): evaluated here, not recorded as a fact of the patient.")
        changed = [
            f"- {regimen_name(o.regimen)}: {before.get(o.regimen, 'not assessed').replace('_', ' ')} -> "
            f"{o.status.replace('_', ' ')}"
            for o in verdict.options
            if before.get(o.regimen) != o.status
        ]
        b.add("**What would change:**" if changed else "**What would change:** nothing in the verdicts below.")
        for line in changed:
            b.add(line)
        b.add()
        self._verdict_body(b, verdict)
        return self._finish(b, "recommendation", notices, verdict=verdict)

    def _greeting(self, notices: list[str]) -> Answer:
        b = Builder(self.kb)
        self._header(b, notices)
        b.add(
            "I answer questions on systemic therapy for advanced hepatocellular carcinoma from "
            "guideline and trial passages. Describe the patient (Child-Pugh class, ECOG, prior "
            "therapy, AFP) or ask about a regimen, a trial or a guideline."
        )
        return self._finish(b, "information", notices)

    def _reference(self, text: str, frame: QuestionFrame | None, stated: frozenset[str]) -> Reference | None:
        """The regimens just shown that a follow-up picks ("which of those are given IV?"), if it is one."""
        data = referents(Path(self.kb.settings.corpus_dir))
        reader = question_reader(self.kb)
        if frame is None or data is None or reader is None:
            return None
        if frame.scope is not None and (frame.scope.refused or frame.scope.detail):
            return None  # a scope rule's decision (a child, a dose above label) stands
        # the question asked, not text pasted before it ("Methods: ... oral lenvatinib ... sorafenib 400 mg twice
        # daily ... Can you put the take-home message into one sentence?" picks nothing by "oral" or "twice")
        asked = QUESTION_SENTENCE.findall(unwrapped(text)) if len(text) > PASTED_CHARS else []
        return data.resolve(
            " ".join(asked) if asked else text, self.topic_regimens, reader.names, self.engine.file, stated
        )

    def _rules_on(self, regimen: str, facts: tuple[str, ...]) -> list[Any]:
        """Per fact, the first pathway rule naming `regimen` that tests it, the one offering the regimen first."""
        found: list[Any] = []
        for fact in facts:
            found += [r for r in rules_testing(self.engine.file, regimen, fact)[:1] if r not in found]
        return found

    def _shown(self, text: str, reference: Reference, notices: list[str]) -> Answer:
        """The regimens just shown that a follow-up picks, each with its cited dose and route."""
        b = Builder(self.kb)
        self._header(b, notices)
        unknown = ", ".join(regimen_name(r).lower() for r in reference.unknown)
        which = "you named" if reference.named_here else "just shown"
        if not reference.picked:
            self.topic_regimens = list(reference.shown)
            b.add(f"_Note: none of the regimens {which} is {reference.described}._")
            if unknown:
                b.add(f"_Note: the corpus dose data do not say this for {unknown}._")
            return self._finish(b, "information", notices)
        # a heading (what was picked, from the list shown); the claims under it are each cited
        b.add(
            f"**The {reference.place} of the regimens {which}**:"
            if reference.place
            else f"**Of the regimens {which}, these are {reference.described}**:"
        )
        b.add()
        for regimen in reference.picked:
            # "the one that depends on AFP": the rule that makes it so, in its own cited words
            for rule in self._rules_on(regimen, reference.facts):
                line = b.supported(rule.because, rule_chunks(self.kb, rule))
                if line:
                    b.add(f"- {line}")
        if self.audience == "patient":
            for regimen in reference.picked:
                chunks = [c for c in self.kb.doc_chunks(regimen) if c.section.lower().startswith("dos")]
                line = b.supported(f"{regimen_name(regimen)} is {reference.described}.", chunks)
                if line:
                    b.add(f"- {line}")
        else:
            for regimen in reference.picked:  # every one picked (dosing alone shows at most three)
                inform.dosing(self, b, [regimen])
        others = [r for r in reference.shown if r not in reference.picked and r not in reference.unknown]
        data = referents(Path(self.kb.settings.corpus_dir))
        said_of_others = []
        for regimen in others if data is not None and "route" in reference.fields else []:
            chunks = [c for c in self.kb.doc_chunks(regimen) if c.section.lower().startswith("dos")]
            for label in data.labels_of(regimen, ("route",)) if data is not None else []:
                line = b.supported(f"{regimen_name(regimen)} is {label}.", chunks)
                if line:
                    said_of_others.append(f"- {line}")
        if said_of_others:  # "which of those are IV?": and the rest are taken by mouth
            b.add()
            b.add("The others shown:")
            b.add("\n".join(said_of_others))
        if unknown:
            b.add()
            b.add(f"_Note: the corpus dose data do not say this for {unknown}._")
        self.topic_regimens = list(reference.shown)  # "and which are given IV?" picks from the same list
        self.last_topic = "dosing"
        return self._finish(b, "information", notices)

    def _typed_answer(
        self,
        text: str,
        frame: QuestionFrame | None,
        intent: Intent,
        reading: Reading,
        notices: list[str],
        reference: Reference | None = None,
    ) -> Answer | None:
        """A comparison, eligibility, drug-information or shown-regimens answer, when the question frame reads
        one (None otherwise)."""
        if frame is None or intent.kind == "refusal" or intent.next_line:
            return None
        if any("+" in r and not self.engine.file.regimens.get(r, {}).get("core") for r in frame.regimens):
            return None  # a combination off the documented pathways is a pathway question, answered from its evidence
        answers = drug_answers(Path(self.kb.settings.corpus_dir))
        typed = set(FRAME_TOPICS) | {"comparison", "eligibility"} | set(answers.questions if answers else ())
        if reference is not None and (frame.intent not in typed or not reference.picked):
            return self._shown(text, reference, notices)
        if set(CORE) <= set(reading.facts):
            # A case presented with what the checker needs (Child-Pugh and ECOG) gets the recommendation, which
            # gives every regimen's verdict ("... CP A5, ECOG 0. Rego or cabo better?"), whatever else it asks.
            return None
        compared = list(dict.fromkeys(reading.compared + [r for r in frame.regimens if r not in reading.compared]))
        # a question naming a trial asks for its results ("HIMALAYA 5-yr: OS for STRIDE vs sorafenib?")
        about_trial = bool(frame.trials) and frame.intent == "evidence"
        if not about_trial and (len(reading.compared) >= 2 or (frame.intent == "comparison" and len(compared) >= 2)):
            b = Builder(self.kb)
            self._header(b, notices)
            verdict = verdict_guard(b, self.kb, self.engine, self.profile, compared)
            if comparison(b, self.kb, compared, self.audience):
                self.topic_regimens = compared
                self.last_topic = "comparison"
                return self._finish(b, "information", notices, verdict=verdict)
        core_missing = [f for f in CORE if f not in self.facts]
        # the regimens asked about, less those the question presupposes were given ("rego after atezo/bev?")
        candidates = [r for r in frame.regimens if r not in reading.presupposed]
        asked_after = frame.intent == "sequencing" and intent.general and bool(reading.presupposed)
        if (
            (frame.intent == "eligibility" or asked_after)
            and frame.clarify is None
            and candidates
            and reading.asks
            and (not reading.facts or core_missing)
        ):
            # Asked alone, after the case ("can he have cabozantinib?") or with too few facts for the whole
            # pathway; a message that describes the patient fully gets the recommendation, which gives the
            # verdict of every regimen. Asked in general, for the trials' population with what it presupposes.
            b = Builder(self.kb)
            self._header(b, notices)
            profile, heading = self.profile, None
            found = self._population(intent.conditions) if intent.general else None
            population = found[0] if found else None
            if found is not None:
                profile, heading = found[0], f"**For {found[1]}:**"
            verdict = eligibility(b, self.kb, self.engine, profile, candidates, heading)
            if verdict is not None:
                if population is not None:
                    wanted = ", ".join(FIELD_LABEL.get(f, f) for f in core_missing)
                    b.add(f"For a particular patient, tell me the **{wanted}** and I will check the pathway for them.")
                    b.add()
                elif core_missing and self.profile.known():
                    wanted = ", ".join(FIELD_LABEL.get(f, f) for f in core_missing)
                    b.add(f"For the whole pathway for this patient I would also need: **{wanted}**.")
                    b.add()
                self._caveats(b, verdict)
                inform.sections(self, b, candidates, "eligibility")
                self.topic_regimens = candidates
                self.last_topic = "eligibility"
                answer = self._finish(b, "information", notices, verdict=verdict)
                return self._conditional(answer, core_missing) if population is not None else answer
        if asked_after and not candidates and frame.clarify is None and reading.asks:
            # "what are the second-line options after sorafenib?" names no regimen but the one given: the pathway's
            # verdicts for the trials' population after it
            return self._recommend(intent, notices)
        if answers is None or frame.clarify is not None or frame.intent not in answers.questions:
            return None
        drug_taken_only = set(reading.facts) <= {"prior_therapies", "line_of_therapy"}
        if reading.facts and not reading.asks and not (drug_taken_only and frame.confidence >= CONFIDENT_DRUG_QUESTION):
            # a statement of new facts ("he stopped sorafenib for hand-foot reaction") is a case; one that only says
            # which drug is taken, read surely as a question about it, asks it ("my dad forgot his nexavar tablets
            # this morning should he take them now or wait till tonight")
            return None
        names = list(frame.regimens) or self.topic_regimens[:2]
        agents = agents_for(self.kb, names)
        said = [s for s, _ in label_sentences(self.kb, answers.questions[frame.intent], agents)]
        if not agents or answers.defers_to_pathway(text, said):
            return None
        b = Builder(self.kb)
        self._header(b, notices)
        verdict = verdict_guard(b, self.kb, self.engine, self.profile, names)
        weight, asked = self._dosing_weight(intent)
        drug_information(b, self.kb, answers, frame.intent, agents, self.audience, weight, text, asked)
        self.topic_regimens = names
        self.last_topic = frame.intent
        return self._finish(b, "information", notices, verdict=verdict)

    def _inform(self, text: str, intent: Intent, notices: list[str]) -> Answer:
        b = Builder(self.kb)
        self._header(b, notices)
        regimens = self._regimens_for(intent) if intent.topic in ("dosing", "toxicity") else intent.regimens
        verdict = verdict_guard(b, self.kb, self.engine, self.profile, regimens) if regimens else None
        if intent.topic == "dosing" and regimens:
            inform.dosing(self, b, regimens, *self._dosing_weight(intent))
            answers = drug_answers(Path(self.kb.settings.corpus_dir))
            if answers is not None:
                # "Keytruda - dose and infusion length?": what the label says of the narrower thing asked beside it
                facet_sections(b, self.kb, answers, text, agents_for(self.kb, regimens), self.audience)
        elif intent.topic == "toxicity" and regimens:
            inform.toxicity(self, b, regimens)
        elif intent.topic in ("approval", "eligibility") and regimens:
            inform.sections(self, b, regimens, intent.topic)
        else:
            inform.retrieved(self, b, text, intent)
            if not intent.regimens and not intent.trials:
                # "Which drug is only for AFP >= 400?" names none; "and the dose?" next asks about the one answered
                cited = self._cited_regimens([c.doc_id for c in b.citations])
                if 0 < len(cited) <= 2:
                    self.topic_regimens = cited
        return self._finish(b, "information", notices, verdict=verdict)

    def _dosing_weight(self, intent: Intent) -> tuple[float | None, bool]:
        """The weight doses are worked out for: the patient's recorded weight, or with none recorded the weight a
        question in general states ("and for a 54 kg woman?"), said to be the weight asked (True)."""
        if "weight_kg" in self.facts:
            return float(self.facts["weight_kg"]), False
        asked = intent.conditions.get("weight_kg") if intent.general else None
        return (float(asked), True) if asked is not None else (None, False)

    def _cited_regimens(self, doc_ids: list[str]) -> list[str]:
        """The regimens an answer's passages are about, in citation order: a regimen's or an agent's own document, or
        the pivotal trial of a regimen; guideline and method passages name none."""
        facts = self.kb.facts
        out: list[str] = []
        for doc in doc_ids:
            drug = facts.drug_for_doc(doc)
            found = (
                [doc]
                if doc in self.engine.file.regimens
                else [drug.id]
                if drug is not None
                else facts.trial_regimens(doc)
            )
            out += [r for r in found if r not in out]
        return out

    def _refusal(self, reason: str, message: str, notices: list[str]) -> Answer:
        b = Builder(self.kb)
        self._header(b, notices)
        b.add(message)
        return self._finish(b, "refusal", notices, refusal={"reason": reason, "message": message})
