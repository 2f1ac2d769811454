"""Merging the facts read from a message into a conversation's facts: updates and corrections announced,
regimens and units corrected, the line of therapy and Child-Pugh computed where they follow, provenance kept."""

from __future__ import annotations

from typing import Any

from .calculators import LiverAssessment, assess_liver, governing_child_pugh
from .errors import InputError
from .profile import make_profile
from .reading import Reading
from .reading.vocabulary import vocabulary

LABELS = {
    "afp_ng_ml": "AFP",
    "weight_kg": "weight",
    "ecog": "ECOG",
    "child_pugh_class": "Child-Pugh class",
    "child_pugh_score": "Child-Pugh score",
    "bilirubin_mg_dl": "bilirubin",
    "albumin_g_dl": "albumin",
    "inr": "INR",
}
LINES = ("first", "second", "later")  # by the number of regimens received
UNITS = {
    "afp_ng_ml": " ng/mL",
    "weight_kg": " kg",
    "bilirubin_mg_dl": " mg/dL",
    "albumin_g_dl": " g/dL",
}


def _fmt(name: str, value: Any) -> str:
    if isinstance(value, float):
        value = f"{value:,.1f}".rstrip("0").rstrip(".")
    return f"{value}{UNITS.get(name, '')}"


def _replace_drugs(reading: Reading, candidate: dict[str, Any], provenance: dict[str, Any], turn: int) -> list[str]:
    """ "it was lenvatinib, not sorafenib": the regimen meant takes the rejected one's place (or is added)."""
    changes = []
    for new, old in reading.replaced:
        prior = list(candidate.get("prior_therapies") or [])
        if old in prior:
            prior = [new if r == old else r for r in prior]
            changes.append(f"Corrected: prior therapy {old.replace('+', ' + ')} -> {new.replace('+', ' + ')}")
        elif new not in prior:
            prior.append(new)
        candidate["prior_therapies"] = list(dict.fromkeys(prior))
        provenance["prior_therapies"] = {"turn": turn, "text": f"{new}, not {old}", "how": "corrected"}
    return changes


def _correct_units(reading: Reading, candidate: dict[str, Any], provenance: dict[str, Any], turn: int) -> list[str]:
    """ "that was IU/mL, not ng/mL": a value read in the rejected unit is converted from the meant one."""
    changes = []
    for meant, rejected in reading.units_corrected:
        for analyte in vocabulary().analytes.values():
            units = {u.lower(): f for u, f in analyte.units.items()}
            value = candidate.get(analyte.field)
            if meant not in units or rejected not in units or not isinstance(value, (int, float)):
                continue
            said = str(provenance.get(analyte.field, {}).get("text", "")).lower()
            if rejected not in said and any(u in said for u in units):
                continue  # the value was written in another unit
            number = value / units[rejected]
            fixed = round(number * units[meant], 4)
            before = _fmt(analyte.field, value)
            candidate[analyte.field] = fixed
            unit = next((u for u in analyte.units if u.lower() == meant), meant)
            said = f"{analyte.label} {_fmt('', float(number))} {unit}"
            provenance[analyte.field] = {"turn": turn, "text": said, "how": "corrected"}
            after = _fmt(analyte.field, fixed)
            changes.append(f"Corrected: {analyte.label} from {before} to {after} (read as {unit})")
    return changes


def merge_facts(
    facts: dict[str, Any], provenance: dict[str, Any], turn: int, reading: Reading
) -> tuple[dict[str, Any], dict[str, Any], list[str], list[str]]:
    """The facts and their provenance after the facts read from a message at `turn`, with the change notices
    and the problems. The inputs are not changed; with a problem (an invalid value) nothing is to be applied.
    Each fact keeps the turn and the words it came from."""
    changes: list[str] = []
    candidate = dict(facts)
    provenance = dict(provenance)
    for name, fact in reading.facts.items():
        value = fact.value
        if name == "prior_therapies" and candidate.get(name) and value:
            value = list(dict.fromkeys(candidate[name] + value))
        old = candidate.get(name)
        how = fact.how
        if old is not None and old != value and name != "prior_therapies":
            label = LABELS.get(name, name.replace("_", " "))
            verb = "Corrected" if name in reading.corrected else "Updated"
            how = "corrected" if name in reading.corrected else how
            before = _fmt(name, old).removesuffix(UNITS.get(name, ""))
            changes.append(f"{verb}: {label} from {before} to {_fmt(name, value)} (read from '{fact.text}')")
        candidate[name] = value
        provenance[name] = {"turn": turn, "text": fact.text, "how": how}
    prior = candidate.get("prior_therapies") or []
    tolerance = reading.facts.get("intolerance")
    if tolerance is not None and not reading.received and prior and prior[-1] == "sorafenib":
        # "intolerance" is of the current or last therapy: said in a later turn with no drug named ("Tolerance:
        # he managed 400 mg bd throughout"), it is the tolerance of the sorafenib already recorded.
        if "sorafenib_tolerated" not in reading.facts:
            candidate["sorafenib_tolerated"] = not tolerance.value
            provenance["sorafenib_tolerated"] = {"turn": turn, "text": tolerance.text, "how": "the last therapy"}
    changes += _replace_drugs(reading, candidate, provenance, turn)
    changes += _correct_units(reading, candidate, provenance, turn)
    if "child_pugh_class" in reading.facts and "child_pugh_score" not in reading.facts:
        score = candidate.get("child_pugh_score")
        if score is not None and (score <= 6) != (reading.facts["child_pugh_class"].value == "A"):
            candidate.pop("child_pugh_score")
            provenance.pop("child_pugh_score", None)
    prior = candidate.get("prior_therapies")
    if prior is not None and provenance.get("line_of_therapy", {}).get("how", "computed") == "computed":
        # The line follows from the regimens received, unless it was stated.
        candidate["line_of_therapy"] = LINES[min(len(prior), len(LINES) - 1)]
        provenance["line_of_therapy"] = {"turn": turn, "text": "from the prior therapies", "how": "computed"}
    try:
        profile = make_profile(candidate)
    except InputError as exc:
        return facts, provenance, [], [str(exc)]
    computed = assess_liver(profile)
    stated = "child_pugh_class" in candidate and provenance.get("child_pugh_class", {}).get("how") != "computed"
    if computed.computed_class and not stated:
        # The five items were given (a new lab recomputes): the class and score follow from them. With items
        # missing, the class the known ones already reach (at least C10 from bilirubin, albumin and INR alone).
        said = (
            "computed from bilirubin, albumin, INR, ascites, encephalopathy"
            if computed.minimum_score is None
            else f"at least {computed.computed_class}{computed.minimum_score} from the items given, each missing item "
            "counted at 1 point"
        )
        _hold_computed(candidate, provenance, computed, turn, said)
        if computed.computed_score is None and provenance.get("child_pugh_score", {}).get("how") == "computed":
            candidate.pop("child_pugh_score", None)
            provenance.pop("child_pugh_score", None)
    elif computed.computed_class and _worse(computed.computed_class, candidate.get("child_pugh_class")):
        # the labs give a worse class than the one stated ("the summer letter said A5" under a table reaching B7): the
        # facts hold the reading the checker uses, the more restrictive one (the disagreement is said with the answer)
        said = f"computed from the labs, more restrictive than the stated {candidate['child_pugh_class']}"
        given = f"{computed.computed_class}{computed.computed_score or ''}"
        changes.append(
            f"Child-Pugh: the labs give {given}, more restrictive than the stated {candidate['child_pugh_class']}"
            f"{candidate.get('child_pugh_score') or ''}; {given} is used. Please check the liver function."
        )
        candidate.pop("child_pugh_score", None)  # the stated score belongs to the stated class
        provenance.pop("child_pugh_score", None)
        _hold_computed(candidate, provenance, computed, turn, said)
    return candidate, provenance, changes, []


def _hold_computed(
    candidate: dict[str, Any], provenance: dict[str, Any], computed: LiverAssessment, turn: int, said: str
) -> None:
    """Hold the labs' Child-Pugh class (with the least score the items reach, when some are missing) and their score,
    when all five give one."""
    candidate["child_pugh_class"] = computed.computed_class
    provenance["child_pugh_class"] = {"turn": turn, "text": said, "how": "computed"}
    if computed.minimum_score is not None:
        provenance["child_pugh_class"]["minimum_score"] = computed.minimum_score
    if computed.computed_score is not None:
        candidate["child_pugh_score"] = computed.computed_score
        provenance["child_pugh_score"] = {"turn": turn, "text": said, "how": "computed"}


def _worse(computed: str, stated: Any) -> bool:
    """Whether the labs' Child-Pugh class is more restrictive than the stated one (the checker's "worse of" reading)."""
    return isinstance(stated, str) and governing_child_pugh(stated, None, computed, None)[0] != stated
