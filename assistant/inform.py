"""Information answers: dosing, cautions, approvals and eligibility, and retrieved passages."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .answers.druginfo import agents_for
from .asking.names import Names
from .asking.scope import LabelDose, load_doses
from .compose import Builder, best_sentences, regimen_name, sentences
from .corpus import DRUG_SECTIONS
from .intents import NEGATIVE_COMBOS, Intent
from .support import computed_dose

DEFINED_TERM = re.compile(r"\b(?:child[- ]?pugh|albi|bclc|mrecist|ecog|vp[1-4]?)\b", re.I)


# How often a regimen is given, read from its label dose string ("day 1 every 3 weeks", "once daily", "days 1-21 of
# each 28-day cycle"): what a patient may be told without a personal dose.
_SCHEDULE = re.compile(r"\b(?:(?:once|twice) daily|every \d+ weeks|days? \d+-\d+ of each \d+-day cycle)\b", re.I)
_ROUTE_WORDS = {"IV": "as a drip into a vein", "oral": "by mouth"}


def dosing(session: Any, b: Builder, regimens: list[str], weight: float | None = None, asked: bool = False) -> None:
    """How the regimens are given, their weight-dependent doses worked out for `weight` (by default the recorded
    weight; `asked`: the weight a question in general gives, "for a 54 kg woman?")."""
    if session.audience == "patient":
        b.add(
            "The dose and schedule of a cancer medicine are set by your oncology team, who adjust "
            "them to your weight, blood tests and side effects. Please ask your care team about your dose."
        )
        _schedules(session, b, regimens)
        return
    if weight is None and not asked:
        weight = session.facts.get("weight_kg")
    for regimen in regimens[:3]:
        chunks = [c for c in session.kb.doc_chunks(regimen) if c.section.lower().startswith("dos")]
        labels = [] if chunks else _label_dosing(session, regimen)
        if labels:
            # No dosing in the regimen's document: each agent's label document says how it is given.
            if b.lines and b.lines[-1]:
                b.add()
            b.add(f"**{regimen_name(regimen)}: how each agent is given (label documents)**")
            for agent_chunks in labels:
                for sentence, chunk in best_sentences("dose mg every weeks daily infusion kg", agent_chunks, 2):
                    line = b.supported(sentence, [chunk])
                    if line:
                        b.add(f"- {line}")
            weight_based(session, b, regimen, [c for group in labels for c in group], weight, asked)
            continue
        if not chunks:
            line = b.supported(
                f"The corpus gives no dosing for {regimen_name(regimen).lower()}.",
                session.kb.doc_chunks(regimen),
            )
            b.add(f"- {line}" if line else "- The corpus gives no dosing for this regimen.")
            summary = session.kb.section(regimen, "Summary")
            for sentence, chunk in best_sentences("documented pathway standard option", summary, 2):
                line = b.supported(sentence, [chunk])
                if line:
                    b.add(f"- {line}")
            continue
        if b.lines and b.lines[-1]:
            b.add()
        b.add(f"**{regimen_name(regimen)} dosing**")
        for sentence, chunk in best_sentences("dose mg daily weeks schedule kg weight", chunks, 3):
            line = b.supported(sentence, [chunk])
            if line:
                b.add(f"- {line}")
        # a combination: each agent's label says how that agent is given (its dose, infusion, number of doses)
        for agent_chunks in _label_dosing(session, regimen) if "+" in regimen else []:
            for sentence, chunk in best_sentences("dose mg every weeks infusion kg minutes doses", agent_chunks, 1):
                line = b.supported(sentence, [chunk])
                if line and f"- {line}" not in b.lines:
                    b.add(f"- {line}")
        weight_based(session, b, regimen, chunks, weight, asked)


def _label_dosing(session: Any, regimen: str) -> list[list[Any]]:
    """The "how it is given" passages of the label document of each agent of `regimen` (none if any is missing)."""
    drugs, title = session.kb.facts.drugs, DRUG_SECTIONS["route_and_administration"]
    found = [
        [c for c in session.kb.doc_chunks(drugs[a].doc_id) if c.section.startswith(title)] if a in drugs else []
        for a in agents_for(session.kb, [regimen])
    ]
    return found if found and all(found) else []


def _schedules(session: Any, b: Builder, regimens: list[str]) -> None:
    """For a patient: how often each regimen is usually given and how, cited, with no amount."""
    doses = _doses(Path(session.kb.settings.corpus_dir)).values()
    for regimen in regimens[:3]:
        agents = [d for d in doses if d.regimen == regimen]
        if not agents:
            continue
        when = list(dict.fromkeys(m.group(0) for m in _SCHEDULE.finditer(agents[0].label)))
        routes = {d.route for d in agents}
        how = _ROUTE_WORDS.get("IV" if "IV" in routes else "oral" if routes == {"oral"} else "", "")
        if not when:
            continue
        claim = f"{regimen_name(regimen)} is usually given {how} {', '.join(when[:2])}.".replace("  ", " ")
        chunks = [c for c in session.kb.doc_chunks(regimen) if c.section.lower().startswith("dos")]
        line = b.supported(claim, chunks)
        if line:
            b.add(f"- {line}")


@lru_cache(maxsize=4)
def _doses(corpus_dir: Path) -> dict[str, LabelDose]:
    return load_doses(corpus_dir)


def weight_based(
    session: Any, b: Builder, regimen: str, chunks: list[Any], weight: float | None, asked: bool = False
) -> None:
    """The regimen's weight-dependent doses worked out for the recorded weight (doses.yaml: mg/kg doses, weight
    bands, and mg/kg doses below a flat dose's minimum weight), or for the weight a question asks about (`asked`);
    without a weight, a note asking for it."""
    doses = [d for d in _doses(Path(session.kb.settings.corpus_dir)).values() if d.regimen == regimen]
    dependent = [d for d in doses if d.max_mg_per_kg is not None or d.weight_bands]
    below_flat = [
        d
        for d in doses
        if d.below_flat_mg_per_kg is not None and d.flat_dose_min_kg is not None
        if weight is not None and weight < d.flat_dose_min_kg
    ]
    if weight is None:
        if dependent:
            names = " and ".join(d.agent for d in dependent)
            b.add(f"_Note: the {names} dose depends on body weight; give the weight (kg) to have it worked out._")
            session.last_topic = "dosing"  # a weight given next ("he's 70 kg") answers this dosing again
        return
    for dose in below_flat:
        per_kg, flat_min = float(dose.below_flat_mg_per_kg or 0), float(dose.flat_dose_min_kg or 0)
        label = session.kb.facts.drugs.get(dose.agent)
        pool = session.kb.doc_chunks(label.doc_id) if label is not None else []
        line = b.supported(
            f"Below {flat_min:g} kg the {dose.agent} dose is {per_kg:g} mg/kg, not the flat {dose.max_mg:g} mg.",
            [c for c in pool if c.section.startswith(DRUG_SECTIONS["route_and_administration"])],
        )
        if not line:
            continue  # the label passage does not hold it: no computed dose on an uncited number
        b.add(f"- {line}")
        b.add(computed_dose(dose.agent, per_kg, weight, asked=asked))
    whose = "the body weight asked" if asked else "this patient's body weight"
    for dose in dependent:
        if dose.weight_bands:
            for min_kg, below_kg, band_mg in dose.weight_bands:
                if (min_kg is None or weight >= min_kg) and (below_kg is None or weight < below_kg):
                    band = f">= {min_kg:g} kg" if min_kg is not None else f"< {below_kg:g} kg"
                    line = b.supported(
                        f"At {whose} ({band}) the {dose.agent} starting dose is {band_mg:g} mg "
                        f"{dose.frequency}.".replace(" .", "."),
                        chunks,
                    )
                    if line:
                        b.add(f"- {line}")
            continue
        per_kg = float(dose.max_mg_per_kg or 0)
        total = per_kg * weight
        if dose.max_mg is not None and total > dose.max_mg:
            continue  # a capped dose (nivolumab's later flat doses) is read from the cited schedule instead
        b.add(computed_dose(dose.agent, per_kg, weight, "per dose", asked))


def sections(session: Any, b: Builder, regimens: list[str], topic: str) -> None:
    """Approval or eligibility passages of the regimens' own documents."""
    prefixes = {
        "approval": ("approval",),
        "eligibility": ("what the trial required", "summary"),
    }[topic]
    query = {
        "approval": "approved US approval not approved",
        "eligibility": "only required AFP eligibility",
    }[topic]
    for regimen in regimens[:2]:
        chunks = [c for c in session.kb.doc_chunks(regimen) if c.section.lower().startswith(prefixes)]
        for sentence, chunk in best_sentences(query, chunks, 3):
            if session.audience == "patient" and re.search(r"\bmg\b", sentence):
                continue
            line = b.supported(sentence, [chunk])
            if line:
                b.add(f"- {line}")


def toxicity(session: Any, b: Builder, regimens: list[str]) -> None:
    for regimen in regimens[:3]:
        chunks = [c for c in session.kb.doc_chunks(regimen) if re.match(r"(?i)caution|safety", c.section)]
        if not chunks:
            chunks = session.kb.search(f"{regimen} side effects toxicity cautions", 3) and [
                h.chunk for h in session.kb.search(f"{regimen} side effects toxicity cautions", 3)
            ]
        b.add(f"**{regimen_name(regimen)}: cautions and side effects**")
        for sentence, chunk in best_sentences(
            "toxicity bleeding hypertension risk caution side effects hand-foot skin reaction "
            "hepatotoxicity proteinuria fatigue diarrhoea",
            chunks,
            4,
        ):
            if session.audience == "patient" and re.search(r"\bmg\b", sentence):
                continue
            line = b.supported(sentence, [chunk])
            if line:
                b.add(f"- {line}")
        b.add()


def query_for(session: Any, text: str, intent: Intent) -> str:
    extra: list[str] = []
    if intent.follow_up and session.topic_regimens:
        extra += session.topic_regimens[:6]
    if intent.follow_up and session.topic_trials:
        extra += session.topic_trials
    return " ".join([text, *extra])


def _arm_sentences(session: Any, text: str, trial: str, results: list[Any]) -> list[tuple[str, Any]]:
    """The result sentences of `trial` that name the one of its arms the message names (at most three), when the
    trial has several: "and the durvalumab-alone arm?" after HIMALAYA picks its durvalumab sentences, not STRIDE's."""
    arms = session.kb.facts.trial_regimens(trial)
    names = Names.from_corpus(Path(session.kb.settings.corpus_dir))
    asked = {m.canonical for m in names.find(text, ("regimen", "drug"))} & set(arms)
    if len(arms) < 2 or len(asked) != 1:
        return []
    return [
        (s, c)
        for c in results
        for s in sentences(c.text)
        if {m.canonical for m in names.find(s, ("regimen", "drug"))} & asked
    ][:3]


def retrieved(session: Any, b: Builder, text: str, intent: Intent) -> None:
    query = query_for(session, text, intent)
    hits = session.kb.search(query, 4)
    if intent.trials:
        named = [h for h in hits if h.chunk.doc_id in intent.trials]
        hits = named + [h for h in hits if h not in named]
    chunks = [h.chunk for h in hits]
    expanded = session.kb.retriever.expand(query)
    limit = 3
    guideline_chunks: list[Any] = []
    if intent.trials and intent.topic in ("evidence", "general"):
        # A named guideline or trial: answer from its own passages, best first.
        own = [h.chunk for h in session.kb.search(query, 3, source=intent.trials[0])]
        own = [c for c in own if c.doc_id == intent.trials[0]]
        chunks = own[:1] + [c for c in chunks if c not in own[:1]]
        if own and intent.trials[0] not in session.kb.facts.trial_ids():
            guideline_chunks = own[:2]
    if intent.topic == "definition" and chunks:
        # A definition: the passages whose section is named after the term come first.
        term = DEFINED_TERM.search(text)
        if term:
            name = term.group(0).lower().replace(" ", "-")
            wider = [h.chunk for h in session.kb.search(query, 8)]
            defining = re.compile(rf"^{re.escape(name)}[-:]*(?:score|grade|items|formula)")
            classes = re.compile(rf"^{re.escape(name)}[-:]*(?:class|classes|classification|stages?)")

            def rank(c: Any) -> int:
                section = c.section.lower().replace(" ", "-")
                if defining.match(section):
                    return 0
                if classes.match(section):
                    return 1
                return 2 if section.startswith(name) else 3 if name in section else 4

            chunks = sorted(wider, key=rank)
        picked = [(s.rstrip(":") + ("." if s.endswith(":") else ""), c) for c in chunks[:2] for s in sentences(c.text)][
            :10
        ]
    results = [c for t in intent.trials[:1] for c in session.kb.doc_chunks(t) if "result" in c.section.lower()]
    if intent.topic == "definition" and chunks:
        pass
    elif results and intent.topic in ("evidence", "general") and intent.trials[0] in NEGATIVE_COMBOS.values():
        # A negative trial ("why isn't lenvatinib + pembrolizumab used?"): its results as written, the verdict
        # that it missed its endpoints included, not only the sentences with numbers.
        picked = [(s, c) for c in results for s in sentences(c.text)][:3]
        seen = {s for s, _ in picked}
        picked += [p for p in best_sentences(expanded, chunks, 2) if p[0] not in seen]
    elif results and intent.topic in ("evidence", "general"):
        # A named trial: its results come first, numbers and all; asked about one of its arms ("and the
        # durvalumab-alone arm?"), the result sentences that name that arm's regimen, words and all
        arm = _arm_sentences(session, text, intent.trials[0], results)
        picked = best_sentences(expanded + " median months hazard ratio", results, 3)
        picked = [p for p in picked if any(ch.isdigit() for ch in p[0])] or picked
        picked = arm + [p for p in picked if p[0] not in {s for s, _ in arm}][: max(0, 3 - len(arm))]
        seen = {s for s, _ in picked}
        picked += [p for p in best_sentences(expanded, chunks, 2) if p[0] not in seen]
    elif guideline_chunks:
        # A named guideline: its best-matching section in full, then the next section's best lines.
        top = [(s, guideline_chunks[0]) for s in sentences(guideline_chunks[0].text) if not s.endswith(":")]
        picked = top[:5] + best_sentences(expanded, guideline_chunks[1:], 2)
    else:
        picked = best_sentences(expanded, chunks, limit)
    if session.audience == "patient":
        picked = [(s, c) for s, c in picked if not re.search(r"\bmg\b", s)]
    lines = [b.supported(s, [c]) for s, c in picked]
    lines = [line for line in lines if line]
    if not lines:
        b.add("I found nothing in the corpus that answers this. Try naming the regimen, trial or guideline.")
        return
    b.add(f"**Bottom line:** {lines[0]}")
    if len(lines) > 1:
        b.add()
        for line in lines[1:]:
            b.add(f"- {line}")
