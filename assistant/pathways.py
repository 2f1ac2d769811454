"""Pathway rules as data (`corpus/pathways.yaml`) and the deterministic engine that applies them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .calculators import LiverAssessment, assess_liver, child_pugh_class
from .errors import RuleError
from .profile import PatientProfile

Status = Literal["preferred", "alternative", "needs_info", "not_recommended"]
OFFERED = ("preferred", "alternative")
# Restrictiveness: when rules disagree, the most restrictive status wins.
RANK: dict[str, int] = {"preferred": 0, "alternative": 1, "needs_info": 2, "not_recommended": 3}

Value = Any  # True, False or None (unknown)

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
    "is_true": lambda a, _: a is True,
    "is_false": lambda a, _: a is False,
    "contains": lambda a, b: b in a,
    "not_contains": lambda a, b: b not in a,
    "contains_any": lambda a, b: any(x in a for x in b),
    "contains_none": lambda a, b: not any(x in a for x in b),
}
# Operators that look at whether a fact is known at all.
PRESENCE = {"known", "unknown"}


DERIVED = {"line", "n_prior", "ici_contraindicated"}
# Most decisive first: what a clarification asks for first.
MISSING_ORDER = ["child_pugh_class", "ecog", "prior_therapies", "child_pugh_score"]
# The profile fields a derived fact rests on (what to ask for when it is unknown).
ASK_FOR = {
    "line": ["prior_therapies"],
    "n_prior": ["prior_therapies"],
    "ici_contraindicated": ["autoimmune_disease", "solid_organ_transplant"],
}


def derived_facts(profile: PatientProfile, assessment: LiverAssessment) -> dict[str, Any]:
    """Profile fields plus facts the rules reason over (line of therapy, prior-therapy counts)."""
    facts = profile.model_dump()
    if facts["child_pugh_class"] is None and assessment.computed_class is not None:
        facts["child_pugh_class"] = assessment.computed_class
        facts["child_pugh_score"] = assessment.computed_score
    if facts["child_pugh_class"] is None and facts["child_pugh_score"] is not None:
        facts["child_pugh_class"] = child_pugh_class(facts["child_pugh_score"])
    prior = profile.prior_therapies
    if prior is not None:
        facts["line"] = "first" if not prior else "second" if len(prior) == 1 else "later"
        facts["n_prior"] = len(prior)
    else:
        facts["line"] = profile.line_of_therapy
        facts["n_prior"] = {"first": 0, "second": 1}.get(profile.line_of_therapy or "")
    if facts["line"] == "first" and prior is None:
        facts["prior_therapies"] = []
    facts["ici_contraindicated"] = _either(profile.autoimmune_disease, profile.solid_organ_transplant)
    return facts


def _either(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is False and b is False:
        return False
    return None


class Condition(BaseModel):
    """`{field, op, value}`: one test of one fact."""

    model_config = ConfigDict(extra="forbid")

    field: str
    op: str
    value: Any = None


class Clause(BaseModel):
    """`all` or `any` of conditions (or nested clauses)."""

    model_config = ConfigDict(extra="forbid")

    all: list[Condition | Clause] | None = None
    any: list[Condition | Clause] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Clause:
        if (self.all is None) == (self.any is None):
            raise ValueError("a clause has exactly one of 'all' or 'any'")
        return self


class SourceRef(BaseModel):
    """A source id and, optionally, the section of its corpus document."""

    model_config = ConfigDict(extra="forbid")

    id: str
    section: str | None = None


class Rule(BaseModel):
    """One pathway decision: when the clause holds, these regimens get these statuses."""

    model_config = ConfigDict(extra="forbid")

    id: str
    line: Literal["first", "second", "later", "any"]
    when: Clause
    then: dict[str, Status] = Field(default_factory=dict)
    cap: dict[str, Status] = Field(default_factory=dict)
    unknown: Literal["needs_info", "caveat", "ignore"] = "needs_info"
    because: str = Field(min_length=10)
    sources: list[SourceRef] = Field(min_length=1)


class RuleFile(BaseModel):
    """The whole rules file."""

    model_config = ConfigDict(extra="forbid")

    version: int
    regimens: dict[str, dict[str, Any]]
    fields: dict[str, str]
    rules: list[Rule]


@dataclass
class TraceEntry:
    """How one rule evaluated: held, did not hold, or undecided (with the facts missing)."""

    rule: str
    outcome: Literal["fired", "not_applicable", "undetermined"]
    held: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass
class RegimenVerdict:
    """The checker's verdict on one regimen."""

    regimen: str
    status: str
    line: str
    reasons: list[str]
    rules: list[str]
    sources: list[str]
    caveats: list[str] = field(default_factory=list)

    @property
    def offered(self) -> bool:
        return self.status in OFFERED

    def to_option(self) -> dict[str, Any]:
        """The contract's `options[]` entry."""
        return {
            "regimen": self.regimen,
            "status": self.status,
            "line": self.line,
            "reasons": self.reasons + self.caveats,
            "sources": self.sources,
            "rules": self.rules,
        }


@dataclass
class Verdict:
    """All regimen verdicts for one profile, what is missing, and the evaluation trace."""

    options: list[RegimenVerdict]
    missing: list[str]
    trace: list[TraceEntry]
    line: str | None
    conflicts: list[str]

    def offered(self) -> list[str]:
        return [o.regimen for o in self.options if o.offered]

    def get(self, regimen: str) -> RegimenVerdict | None:
        return next((o for o in self.options if o.regimen == regimen), None)


class PathwayEngine:
    """Loads the rules once; `evaluate` is pure and deterministic."""

    def __init__(self, rules: RuleFile, source_ids: set[str], path: Path | None = None) -> None:
        self.file = rules
        self.path = path
        self._validate(source_ids)

    @classmethod
    def load(cls, path: Path, source_ids: set[str]) -> PathwayEngine:
        """Read and validate a rules file; problems name the file and the rule."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise RuleError(f"{path}: cannot read rules: {exc}") from exc
        try:
            rules = RuleFile.model_validate(raw)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                loc = list(err["loc"])
                where = ""
                if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
                    rule_id = (raw.get("rules") or [{}])[loc[1]].get("id", f"#{loc[1] + 1}")
                    where = f" rule '{rule_id}'"
                    loc = loc[2:]
                problems.append(f"{path}:{where} {'.'.join(map(str, loc))}: {err['msg']}")
            raise RuleError("\n".join(problems)) from exc
        return cls(rules, source_ids, path)

    def _validate(self, source_ids: set[str]) -> None:
        where = str(self.path or "rules")
        problems: list[str] = []
        seen: set[str] = set()
        facts = set(PatientProfile.model_fields) | DERIVED
        for name in self.file.fields:
            if name not in facts:
                problems.append(f"{where}: field '{name}' is neither a profile nor a derived fact")
        for rule in self.file.rules:
            label = f"{where}: rule '{rule.id}'"
            if rule.id in seen:
                problems.append(f"{label}: duplicate id")
            seen.add(rule.id)
            for regimen in list(rule.then) + list(rule.cap):
                if regimen not in self.file.regimens:
                    problems.append(f"{label}: unknown regimen '{regimen}'")
            for ref in rule.sources:
                if ref.id not in source_ids:
                    problems.append(f"{label}: unknown source '{ref.id}'")
            if not rule.then and not rule.cap:
                problems.append(f"{label}: sets no status ('then' or 'cap')")
            for cond in _conditions(rule.when):
                if cond.field not in self.file.fields:
                    problems.append(f"{label}: unknown field '{cond.field}'")
                if cond.op not in OPERATORS and cond.op not in PRESENCE:
                    problems.append(f"{label}: unknown operator '{cond.op}'")
        if problems:
            raise RuleError("\n".join(problems))

    @property
    def regimens(self) -> list[str]:
        return list(self.file.regimens)

    def evaluate(self, profile: PatientProfile, regimens: list[str] | None = None) -> Verdict:
        """Apply every rule to `profile`; return the verdict for `regimens` (default: core set)."""
        assessment = assess_liver(profile)
        facts = derived_facts(profile, assessment)
        wanted = regimens or [r for r, meta in self.file.regimens.items() if meta.get("core")]
        line = facts["line"] or "unknown"
        statuses: dict[str, list[tuple[str, Rule]]] = {r: [] for r in wanted}
        offers: dict[str, bool] = {r: False for r in wanted}
        caveats: dict[str, list[tuple[str, Rule]]] = {r: [] for r in wanted}
        asks: list[tuple[list[str], Rule, list[str]]] = []
        trace: list[TraceEntry] = []
        for rule in self.file.rules:
            outcome, held, unknown_fields = _evaluate(rule.when, facts)
            touched = [r for r in list(rule.then) + list(rule.cap) if r in statuses]
            if outcome is True:
                trace.append(TraceEntry(rule.id, "fired", held))
                for regimen, status in rule.then.items():
                    if regimen in statuses:
                        statuses[regimen].append((status, rule))
                        offers[regimen] = True
                for regimen, status in rule.cap.items():
                    if regimen in statuses:
                        statuses[regimen].append((status, rule))
            elif outcome is None:
                unknown_fields = list(dict.fromkeys(f for u in unknown_fields for f in ASK_FOR.get(u, [u])))
                trace.append(TraceEntry(rule.id, "undetermined", held, unknown_fields))
                if rule.unknown == "ignore" or not touched:
                    continue
                asks.append((unknown_fields, rule, touched))
                for regimen in touched:
                    if rule.unknown == "needs_info":
                        statuses[regimen].append(("needs_info", rule))
                        offers[regimen] = offers[regimen] or regimen in rule.then
                    else:
                        caveats[regimen].append((", ".join(unknown_fields), rule))
            else:
                trace.append(TraceEntry(rule.id, "not_applicable", held))
        options = [self._verdict(r, statuses[r], offers[r], caveats[r], line) for r in wanted]
        # A fact is missing when learning it could change a verdict: a needs_info rule, or a
        # caveat on a regimen that is offered now.
        status_of = {o.regimen: o.status for o in options}
        missing: list[str] = []
        for fields, rule, touched in asks:
            if rule.unknown == "needs_info" or any(status_of[r] in OFFERED for r in touched):
                missing.extend(f for f in fields if f not in missing)
        missing.sort(key=lambda f: MISSING_ORDER.index(f) if f in MISSING_ORDER else 99)
        return Verdict(
            options=options,
            missing=missing,
            trace=trace,
            line=facts["line"],
            conflicts=assessment.conflicts,
        )

    def _verdict(
        self,
        regimen: str,
        fired: list[tuple[str, Rule]],
        offered_by_a_rule: bool,
        caveats: list[tuple[str, Rule]],
        line: str,
    ) -> RegimenVerdict:
        if not offered_by_a_rule:
            fired = fired + [("not_recommended", _NO_PATHWAY)]
        status = max((s for s, _ in fired), key=RANK.__getitem__)
        deciding = [rule for s, rule in fired if s == status]
        reasons = list(dict.fromkeys(rule.because for rule in deciding))
        rule_ids = list(dict.fromkeys(rule.id for rule in deciding))
        sources = list(dict.fromkeys(ref.id for rule in deciding for ref in rule.sources))
        notes = []
        if status in OFFERED:
            notes = [f"Confirm {fields}: {rule.because}" for fields, rule in caveats]
        return RegimenVerdict(regimen, status, line, reasons, rule_ids, sources, notes)


_NO_PATHWAY = Rule(
    id="no-documented-pathway",
    line="any",
    when=Clause(all=[]),
    because="No documented pathway in the corpus offers it for this patient and line of therapy.",
    sources=[SourceRef(id="aasld-2023")],
)


def _conditions(clause: Clause) -> list[Condition]:
    found: list[Condition] = []
    for item in (clause.all or []) + (clause.any or []):
        found.extend(_conditions(item) if isinstance(item, Clause) else [item])
    return found


def _test(cond: Condition, facts: dict[str, Any]) -> Value:
    value = facts.get(cond.field)
    if cond.op == "known":
        return value is not None
    if cond.op == "unknown":
        return value is None
    if value is None:
        return None
    return OPERATORS[cond.op](value, cond.value)


def _evaluate(clause: Clause, facts: dict[str, Any]) -> tuple[Value, list[str], list[str]]:
    """Three-valued: True, False, or None when unknown facts leave it open."""
    results: list[Value] = []
    held: list[str] = []
    unknown: list[str] = []
    for item in clause.all if clause.all is not None else clause.any or []:
        if isinstance(item, Clause):
            value, sub_held, sub_unknown = _evaluate(item, facts)
            held.extend(sub_held)
            unknown.extend(sub_unknown)
        else:
            value = _test(item, facts)
            text = f"{item.field} {item.op} {item.value!r}" if item.value is not None else f"{item.field} {item.op}"
            if value is True:
                held.append(text)
            elif value is None:
                unknown.append(item.field)
        results.append(value)
    if clause.all is not None:
        if any(v is False for v in results):
            return False, held, []
        return (True, held, []) if all(v is True for v in results) else (None, held, unknown)
    if any(v is True for v in results):
        return True, held, []
    return (False, held, []) if all(v is False for v in results) else (None, held, unknown)
