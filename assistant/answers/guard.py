"""The verdict guard: an answer about a regimen the patient's facts exclude opens with that verdict and its reason
("for this patient, Child-Pugh C11: sorafenib is not recommended, best supportive care [n]")."""

from __future__ import annotations

from typing import Any

from ..compose import STATUS_LABEL, Builder, regimen_name, rule_chunks
from ..pathways import PathwayEngine, RegimenVerdict, Verdict
from ..profile import PatientProfile


def regimens_of(kb: Any, engine: PathwayEngine, names: list[str]) -> list[str]:
    """The checker's regimens behind the names: a regimen itself, or every regimen an agent is part of; agents
    named together that make up a combination ("Opdivo and Yervoy") stand for that combination only."""
    named = set(names)
    combos = [r for r in engine.file.regimens if "+" in r and set(r.split("+")) <= named]
    covered = {agent for r in combos for agent in r.split("+")}
    out: list[str] = list(combos)
    for name in names:
        if name in covered:
            continue
        if name in engine.file.regimens:
            candidates = [name]
        else:
            drug = kb.facts.drugs.get(name)
            candidates = [r for r in (drug.regimens if drug is not None else ()) if r in engine.file.regimens]
        out.extend(r for r in candidates if r not in out)
    return out


def verdict_guard(
    b: Builder, kb: Any, engine: PathwayEngine, profile: PatientProfile, names: list[str]
) -> Verdict | None:
    """Write the verdict for each named regimen the facts exclude, with its cited reason, and return the
    checker's verdict on the named regimens (None when there are no facts or no regimen is named)."""
    if not profile.known():
        return None
    # A regimen the patient has received or is on is asked about to manage it: the checker's verdict on it is
    # about the next line, not about the treatment under way.
    received = set(profile.prior_therapies or [])
    regimens = [r for r in regimens_of(kb, engine, names) if r not in received]
    if not regimens:
        return None
    verdict = engine.evaluate(profile, regimens)
    blocked = [o for o in verdict.options if o.regimen in regimens and o.status == "not_recommended"]
    if not blocked:
        return verdict
    verdict_lines(b, kb, engine, "**For this patient:**", blocked)
    return verdict


def eligibility(
    b: Builder, kb: Any, engine: PathwayEngine, profile: PatientProfile, names: list[str], heading: str | None = None
) -> Verdict | None:
    """ "Can I give X?", "is X an option up front?": the checker's verdict for each named regimen on the facts
    known so far, with its cited reasons (None when no named regimen is one the checker knows)."""
    regimens = regimens_of(kb, engine, names)
    if not regimens:
        return None
    verdict = engine.evaluate(profile, regimens)
    heading = heading or (
        "**For this patient:**" if profile.known() else "**On the documented pathway (no patient facts given):**"
    )
    verdict_lines(b, kb, engine, heading, [o for o in verdict.options if o.regimen in regimens])
    return verdict


def verdict_lines(b: Builder, kb: Any, engine: PathwayEngine, heading: str, options: list[RegimenVerdict]) -> None:
    """The heading, then one line per option: "**X** — status: reason", the reason cited to its rule's passages
    (or said openly without a citation when they do not state it)."""
    rules = {r.id: r for r in engine.file.rules}
    b.add(heading)
    for option in options:
        pool = [c for rid in option.rules if rid in rules for c in rule_chunks(kb, rules[rid])]
        why = "no passage states an absence" if not pool else "the rule's passages do not state it"
        reason = b.stated(" ".join(option.reasons), pool, why)
        b.add(f"- **{regimen_name(option.regimen)}** — {STATUS_LABEL[option.status]}: {reason}")
    b.add()
