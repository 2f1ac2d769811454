"""Pathway rules as data (`corpus/pathways.yaml`) and the deterministic engine that applies them."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .calculators import LiverAssessment, assess_liver
from .errors import RuleError
from .profile import PRIOR_THERAPY_IDS, RANGES, PatientProfile, field_label

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


DERIVED = {"line", "n_prior", "ici_contraindicated", "switch_reason"}
# Most decisive first: what a clarification asks for first.
MISSING_ORDER = ["child_pugh_class", "ecog", "prior_therapies", "child_pugh_score"]
# The profile fields a derived fact rests on (what to ask for when it is unknown).
ASK_FOR = {
    "line": ["prior_therapies"],
    "n_prior": ["prior_therapies"],
    "ici_contraindicated": ["autoimmune_disease", "solid_organ_transplant"],
    "switch_reason": ["progressed"],
}
# The value each derived fact takes: "bool", "number", or the allowed choices.
DERIVED_KINDS: dict[str, Any] = {
    "line": ("first", "second", "later"),
    "n_prior": "number",
    "ici_contraindicated": "bool",
    "switch_reason": "bool",
}
# Which lines of therapy a rule's `line` admits ("second" means second or later).
LINES: dict[str, set[str]] = {"first": {"first"}, "second": {"second", "later"}, "later": {"later"}}
# Operators that take a list of values; `class:<name>` in such a list names a regimen class.
LIST_OPERATORS = {"in", "not_in", "contains_any", "contains_none"}


def derived_facts(profile: PatientProfile, assessment: LiverAssessment) -> dict[str, Any]:
    """Profile fields plus facts the rules reason over (line of therapy, prior-therapy counts).

    The Child-Pugh class and score are the governing ones: the worse of stated and computed.
    """
    facts = profile.model_dump()
    facts["child_pugh_class"] = assessment.governing_class
    facts["child_pugh_score"] = assessment.governing_score
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
    facts["switch_reason"] = switch_reason(profile)
    return facts


def switch_reason(profile: PatientProfile) -> bool | None:
    """Whether there is a reason to leave the current therapy: progression or intolerance.

    Stable disease (`progressed: false`) without a stated intolerance is no reason: the safer reading.
    """
    if profile.progressed is True or profile.intolerance is True:
        return True
    if profile.sorafenib_tolerated is False and "sorafenib" in (profile.prior_therapies or []):
        return True
    if profile.progressed is False:
        return False
    return None


def _either(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is False and b is False:
        return False
    return None


def field_kind(name: str) -> Any:
    """What values a fact takes: "bool", "number", "regimens", a tuple of choices, or None if unknown."""
    if name in DERIVED_KINDS:
        return DERIVED_KINDS[name]
    info = PatientProfile.model_fields.get(name)
    if info is None:
        return None
    for arg in get_args(info.annotation) or (info.annotation,):
        if arg is type(None):
            continue
        if get_origin(arg) is Literal:
            return tuple(get_args(arg))
        if arg is bool:
            return "bool"
        if arg in (int, float):
            return "number"
        if get_origin(arg) is list:
            return "regimens"
    return None


def _scalar_problem(name: str, kind: Any, value: Any, regimen_ids: set[str]) -> str | None:
    """Why `value` can never be a value of fact `name`, or None when it can."""
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"'{name}' is a number, not {type(value).__name__} {value!r}"
        low, high = RANGES.get(name, (0, math.inf))
        if not low <= value <= high:
            return f"{value!r} is outside the range of '{name}' ({low:g}-{high:g})"
        return None
    if kind == "bool":
        return None if isinstance(value, bool) else f"'{name}' is yes/no, not {value!r}"
    if kind == "regimens":
        ok = isinstance(value, str) and value in regimen_ids | PRIOR_THERAPY_IDS
        return None if ok else f"{value!r} is not a regimen id"
    if isinstance(kind, tuple) and value not in kind:
        return f"{value!r} is not one of {', '.join(map(repr, kind))} for '{name}'"
    return None


def check_condition(cond: Condition, regimen_ids: set[str]) -> str | None:
    """Why a condition is malformed (operator, value type, range, regimen id), or None if it is sound."""
    kind = field_kind(cond.field)
    op, value = cond.op, cond.value
    if op in PRESENCE:
        return None if value is None else f"'{op}' takes no value"
    if op not in OPERATORS:
        return f"unknown operator '{op}'"
    if op in ("is_true", "is_false"):
        if value is not None:
            return f"'{op}' takes no value"
        return None if kind == "bool" else f"'{op}' needs a yes/no fact"
    if op in ("lt", "le", "gt", "ge") and kind != "number":
        return f"'{op}' needs a numeric fact"
    if op in ("contains", "not_contains", "contains_any", "contains_none") and kind != "regimens":
        return f"'{op}' needs a list fact (prior therapies)"
    if op in ("eq", "ne", "lt", "le", "gt", "ge", "contains", "not_contains"):
        if isinstance(value, list | dict) or value is None:
            return f"'{op}' takes one value"
        return _scalar_problem(cond.field, kind, value, regimen_ids)
    if not isinstance(value, list) or not value:
        return f"'{op}' takes a non-empty list"
    for item in value:
        problem = _scalar_problem(cond.field, kind, item, regimen_ids)
        if problem:
            return problem
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
    """A source id and, optionally, the section of a corpus document that holds the rule's claim.

    The document is the source's own (its id) unless `document` names another one, e.g. a regimen
    document whose section states what the source says.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    section: str | None = None
    document: str | None = None

    @property
    def doc_id(self) -> str:
        return self.document or self.id


class Rule(BaseModel):
    """One pathway decision: when the clause holds, these regimens get these statuses.

    Keys of `then` and `cap` are regimen ids, `class:<name>` (every regimen of that class in the
    regimen table) or `all`; `except` removes regimens from those class expansions; a regimen named
    outright overrides its class. `note`, when the rule fires, is said once in the answer.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str
    line: Literal["first", "second", "later", "any"]
    when: Clause
    then: dict[str, Status] = Field(default_factory=dict)
    cap: dict[str, Status] = Field(default_factory=dict)
    except_: list[str] = Field(default_factory=list, alias="except")
    unknown: Literal["needs_info", "caveat", "ignore"] = "needs_info"
    because: str = Field(min_length=10)
    note: str | None = None
    sources: list[SourceRef] = Field(default_factory=list)


class RuleFile(BaseModel):
    """The whole rules file."""

    model_config = ConfigDict(extra="forbid")

    version: int
    regimens: dict[str, dict[str, Any]]
    fields: dict[str, str]
    rules: list[Rule]
    # the trials' population, which a general question is answered for: {facts, says, document, section}
    population: dict[str, Any] = Field(default_factory=dict)

    def classes(self) -> dict[str, list[str]]:
        """`class:<name>` -> its regimens, from the regimen table; `all` -> every regimen."""
        found: dict[str, list[str]] = {"all": list(self.regimens)}
        for regimen, meta in self.regimens.items():
            for name in meta.get("classes") or []:
                found.setdefault(f"class:{name}", []).append(regimen)
        return found

    def expand(self) -> list[str]:
        """Replace class keys (in `then`, `cap` and list values of conditions) by their regimens.

        Returns a problem for every unknown class.
        """
        classes = self.classes()
        problems: list[str] = []

        def unknown(rule: Rule, key: str) -> bool:
            if key in classes or not (key.startswith("class:") or key == "all"):
                return False
            problems.append(f"rule '{rule.id}': unknown regimen class '{key}'")
            return True

        for rule in self.rules:
            for attr in ("then", "cap"):
                mapping: dict[str, Status] = getattr(rule, attr)
                concrete: dict[str, Status] = {}
                for key, status in mapping.items():
                    if key in classes:
                        for regimen in classes[key]:
                            if regimen not in rule.except_:
                                concrete.setdefault(regimen, status)
                    else:
                        unknown(rule, key)
                for key, status in mapping.items():
                    if key not in classes and not key.startswith("class:"):
                        concrete[key] = status
                setattr(rule, attr, concrete)
            for cond in conditions(rule.when):
                if cond.op in LIST_OPERATORS:
                    values = cond.value if isinstance(cond.value, list) else [cond.value]
                    if any(isinstance(v, str) and (v in classes or v.startswith("class:")) for v in values):
                        expanded: list[Any] = []
                        for v in values:
                            if isinstance(v, str) and v in classes:
                                expanded.extend(classes[v])
                            elif not (isinstance(v, str) and unknown(rule, v)):
                                expanded.append(v)
                        cond.value = list(dict.fromkeys(expanded))
        return problems


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
    # Unconfirmed facts this status depends on, in the clinician's words (never field ids).
    conditions: list[str] = field(default_factory=list)

    @property
    def offered(self) -> bool:
        return self.status in OFFERED

    def to_option(self) -> dict[str, Any]:
        """The contract's `options[]` entry (plus `rules` and `conditions`)."""
        return {
            "regimen": self.regimen,
            "status": self.status,
            "line": self.line,
            "reasons": self.reasons + self.caveats,
            "sources": self.sources,
            "rules": self.rules,
            "conditions": self.conditions,
        }


@dataclass
class Verdict:
    """All regimen verdicts for one profile, what is missing, and the evaluation trace."""

    options: list[RegimenVerdict]
    missing: list[str]
    trace: list[TraceEntry]
    line: str | None
    conflicts: list[str]
    # Sentences the answer must say: disagreeing readings and which one governs, silent pathways.
    notes: list[str] = field(default_factory=list)

    def offered(self) -> list[str]:
        return [o.regimen for o in self.options if o.offered]

    def get(self, regimen: str) -> RegimenVerdict | None:
        return next((o for o in self.options if o.regimen == regimen), None)


def document_sections(corpus_dir: Path) -> dict[str, set[str]]:
    """Document id -> the section names its passages carry (and their top-level headings)."""
    from .chunking import chunk_corpus
    from .corpus import load_corpus

    _, docs = load_corpus(corpus_dir)
    return sections_of(chunk_corpus(docs))


def sections_of(chunks: list[Any]) -> dict[str, set[str]]:
    """Document id -> section names of its chunks; "Heading / Sub" also counts as "Heading"."""
    found: dict[str, set[str]] = {}
    for chunk in chunks:
        names = found.setdefault(chunk.doc_id, set())
        names.add(chunk.section)
        names.add(chunk.section.split(" / ")[0])
    return found


class PathwayEngine:
    """Loads the rules once; `evaluate` is pure and deterministic."""

    def __init__(
        self,
        rules: RuleFile,
        source_ids: set[str],
        path: Path | None = None,
        sections: dict[str, set[str]] | None = None,
    ) -> None:
        self.file = rules
        self.path = path
        self._validate(source_ids, sections)

    @classmethod
    def load(cls, path: Path, source_ids: set[str], sections: dict[str, set[str]] | None = None) -> PathwayEngine:
        """Read and validate a rules file; problems name the file and the rule.

        `sections` (document id -> section names) checks every rule source's section; without it the
        documents of the corpus folder holding the rules file are read.
        """
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
        if sections is None:
            sections = document_sections(path.parent)
        return cls(rules, source_ids, path, sections)

    def _validate(self, source_ids: set[str], sections: dict[str, set[str]] | None) -> None:
        where = str(self.path or "rules")
        problems = [f"{where}: {p}" for p in self.file.expand()]
        seen: set[str] = set()
        facts = set(PatientProfile.model_fields) | DERIVED
        for name in self.file.fields:
            if name not in facts:
                problems.append(f"{where}: field '{name}' is neither a profile nor a derived fact")
        regimen_ids = set(self.file.regimens)
        for rule in self.file.rules:
            label = f"{where}: rule '{rule.id}'"
            if rule.id in seen:
                problems.append(f"{label}: duplicate id")
            seen.add(rule.id)
            for regimen in list(rule.then) + list(rule.cap) + rule.except_:
                if regimen not in regimen_ids:
                    problems.append(f"{label}: unknown regimen '{regimen}'")
            if not rule.sources:
                problems.append(f"{label}: cites no source")
            problems += [f"{label}: {p}" for p in _source_problems(rule, source_ids, sections)]
            if not rule.then and not rule.cap:
                problems.append(f"{label}: sets no status ('then' or 'cap')")
            for cond in conditions(rule.when):
                if cond.field not in self.file.fields:
                    problems.append(f"{label}: unknown field '{cond.field}'")
                    continue
                problem = check_condition(cond, regimen_ids)
                if problem:
                    problems.append(f"{label}: condition '{cond.field} {cond.op} {cond.value!r}': {problem}")
        problems += [f"{where}: population: {p}" for p in self._population_problems(sections)]
        if problems:
            raise RuleError("\n".join(problems))

    def _population_problems(self, sections: dict[str, set[str]] | None) -> list[str]:
        population = self.file.population
        if not population:
            return []
        problems = [f"'{key}' is missing" for key in ("facts", "says", "document", "section") if key not in population]
        facts = population.get("facts") or {}
        try:
            PatientProfile.model_validate(facts)
        except ValidationError as exc:
            problems.append(f"facts are not a valid profile: {exc.errors()[0]['msg']}")
        unknown = [f for f in population.get("case_fields") or [] if f not in PatientProfile.model_fields]
        problems += [f"case field '{f}' is not a profile field" for f in unknown]
        document, section = population.get("document"), population.get("section")
        if sections is not None and document and section not in sections.get(str(document), set()):
            problems.append(f"document '{document}' has no section '{section}'")
        return problems

    def population_profile(self, profile: PatientProfile) -> PatientProfile | None:
        """`profile` with the trials' population facts standing in for the ones it lacks (None: no population)."""
        facts = self.file.population.get("facts") or {}
        if not facts:
            return None
        known = profile.known()
        return profile.model_copy(update={k: v for k, v in facts.items() if k not in known})

    @property
    def regimens(self) -> list[str]:
        return list(self.file.regimens)

    def label(self, name: str) -> str:
        """A fact in the clinician's words."""
        return field_label(name)

    def evaluate(self, profile: PatientProfile, regimens: list[str] | None = None) -> Verdict:
        """Apply every rule to `profile`; return the verdict for `regimens` (default: core set)."""
        assessment = assess_liver(profile)
        facts = derived_facts(profile, assessment)
        wanted = regimens or [r for r, meta in self.file.regimens.items() if meta.get("core")]
        line = facts["line"] or "unknown"
        statuses: dict[str, list[tuple[str, Rule]]] = {r: [] for r in wanted}
        offers: dict[str, bool] = {r: False for r in wanted}
        caveats: dict[str, list[tuple[list[str], Rule]]] = {r: [] for r in wanted}
        asks: list[tuple[list[str], Rule, list[str]]] = []
        trace: list[TraceEntry] = []
        depends: dict[tuple[str, str], list[str]] = {}  # (regimen, rule id) -> the unknown facts it waits on
        notes = [assessment.governing_note] if assessment.governing_note else []
        for rule in self.file.rules:
            outcome, held, unknown_fields = _evaluate(rule.when, facts)
            outcome, unknown_fields = _in_line(rule, facts["line"], outcome, unknown_fields)
            touched = [r for r in list(rule.then) + list(rule.cap) if r in statuses]
            if outcome is True:
                trace.append(TraceEntry(rule.id, "fired", held))
                if rule.note and touched and rule.note not in notes:
                    notes.append(rule.note)
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
                        depends[(regimen, rule.id)] = unknown_fields
                        offers[regimen] = offers[regimen] or regimen in rule.then
                    else:
                        caveats[regimen].append((unknown_fields, rule))
            else:
                trace.append(TraceEntry(rule.id, "not_applicable", held))
        options = [self._verdict(r, statuses[r], offers[r], caveats[r], line, depends) for r in wanted]
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
            notes=notes,
        )

    def _verdict(
        self,
        regimen: str,
        fired: list[tuple[str, Rule]],
        offered_by_a_rule: bool,
        caveats: list[tuple[list[str], Rule]],
        line: str,
        depends: dict[tuple[str, str], list[str]] | None = None,
    ) -> RegimenVerdict:
        if not offered_by_a_rule and not any(s == "not_recommended" for s, _ in fired):
            fired = fired + [("not_recommended", NO_PATHWAY)]
        status = max((s for s, _ in fired), key=RANK.__getitem__) if fired else "not_recommended"
        deciding = [rule for s, rule in fired if s == status]
        reasons = list(dict.fromkeys(rule.because for rule in deciding))
        if status == "needs_info" and depends:
            # rules that may apply wait on facts not yet known: say which first ("depends on Child-Pugh class, ...,
            # not yet known"), then the rules, not a rule's finding as if it were the patient's
            fields = [f for rule in deciding for f in depends.get((regimen, rule.id), [])]
            labels = list(dict.fromkeys(self.label(f) for f in fields))
            if labels:
                reasons = [f"depends on {', '.join(labels)}, not yet known; the rules that may apply:", *reasons]
        rule_ids = list(dict.fromkeys(rule.id for rule in deciding))
        sources = list(dict.fromkeys(ref.id for rule in deciding for ref in rule.sources))
        notes: list[str] = []
        conditions: list[str] = []
        if status in OFFERED:
            for fields, rule in caveats:
                labels = [self.label(f) for f in fields]
                notes.append(f"Confirm {', '.join(labels)}: {rule.because}")
                conditions.extend(x for x in labels if x not in conditions)
        return RegimenVerdict(regimen, status, line, reasons, rule_ids, sources, notes, conditions)


# The verdict of a regimen no rule offers: it names no source, because no passage says it.
NO_PATHWAY = Rule(
    id="no-documented-pathway",
    line="any",
    when=Clause(all=[]),
    because="No documented pathway in the corpus offers it for this patient and line of therapy.",
    sources=[],
)


def _source_problems(rule: Rule, source_ids: set[str], sections: dict[str, set[str]] | None) -> list[str]:
    """Unknown sources, documents and sections of one rule."""
    problems: list[str] = []
    for ref in rule.sources:
        if ref.id not in source_ids:
            problems.append(f"unknown source '{ref.id}'")
        elif sections is not None and (ref.section is not None or ref.document is not None):
            if ref.doc_id not in sections:
                problems.append(f"source '{ref.id}': no corpus document '{ref.doc_id}'")
            elif ref.section is not None and ref.section not in sections[ref.doc_id]:
                problems.append(f"source '{ref.id}': document '{ref.doc_id}' has no section '{ref.section}'")
    return problems


def _in_line(rule: Rule, line: str | None, outcome: Value, unknown: list[str]) -> tuple[Value, list[str]]:
    """A rule applies only in the lines of therapy its `line` names (three-valued when unknown)."""
    if rule.line == "any" or outcome is False:
        return outcome, unknown
    if line is None:
        return None, [*unknown, "line"]
    if line not in LINES[rule.line]:
        return False, []
    return outcome, unknown


def conditions(clause: Clause) -> list[Condition]:
    """Every condition of a clause, nested clauses included."""
    found: list[Condition] = []
    for item in (clause.all or []) + (clause.any or []):
        found.extend(conditions(item) if isinstance(item, Clause) else [item])
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
