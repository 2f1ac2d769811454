"""Eval suites (evals/CONTRACT.md section 3) run through the public API, case by case."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from .errors import CorpusError

OFFERED = ("preferred", "alternative")


class Expect(BaseModel):
    """What must hold after one turn; every key is optional."""

    model_config = ConfigDict(extra="forbid")

    kind: str | None = None
    kind_any: list[str] | None = None
    offers: list[str] = Field(default_factory=list)
    prefers: list[str] = Field(default_factory=list)
    withholds: list[str] = Field(default_factory=list)
    no_preferred: bool = False
    cites: list[str] = Field(default_factory=list)
    cites_any: list[str] = Field(default_factory=list)
    mentions: list[str] = Field(default_factory=list)
    not_mentions: list[str] = Field(default_factory=list)
    asks_for: list[str] = Field(default_factory=list)
    profile: dict[str, Any] = Field(default_factory=dict)
    profile_unknown: list[str] = Field(default_factory=list)
    refusal_reason: str | None = None


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str
    expect: Expect = Field(default_factory=Expect)


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    tags: list[str] = Field(default_factory=list)
    audience: str = "clinician"
    profile: dict[str, Any] = Field(default_factory=dict)
    turns: list[Turn]


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    suite: str
    cases: list[Case]


def load_suite(path: Path) -> Suite:
    """Read and validate a suite file; errors name the file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        suite = Suite.model_validate(raw)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise CorpusError([f"{path}: not a valid suite: {exc}"]) from exc
    ids = [c.id for c in suite.cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CorpusError([f"{path}: duplicate case ids: {', '.join(duplicates)}"])
    return suite


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want or got == want
    if isinstance(want, int | float) and isinstance(got, int | float):
        return math.isclose(float(got), float(want), rel_tol=1e-3, abs_tol=1e-6)
    if isinstance(want, list) and isinstance(got, list):
        return sorted(map(str, got)) == sorted(map(str, want))
    return str(got) == str(want)


def check_turn(expect: Expect, answer: dict[str, Any]) -> list[str]:
    """Every failed expectation of one turn, as a sentence (empty: the turn passes)."""
    failures: list[str] = []
    status = {o["regimen"]: o["status"] for o in answer.get("options", [])}
    # A citation names its source id and the corpus document holding the passage; `cites` accepts either
    # (a label document such as `cabozantinib-label` cites several label sources).
    sources = {c["source"] for c in answer.get("citations", [])} | {
        c["doc_id"] for c in answer.get("citations", []) if c.get("doc_id")
    }
    text = answer.get("text", "")
    refusal = answer.get("refusal") or {}
    if expect.kind is not None and answer.get("kind") != expect.kind:
        failures.append(f"kind: expected {expect.kind}, got {answer.get('kind')}")
    if expect.kind_any is not None and answer.get("kind") not in expect.kind_any:
        failures.append(f"kind_any: expected one of {expect.kind_any}, got {answer.get('kind')}")
    for regimen in expect.offers:
        if status.get(regimen) not in OFFERED:
            failures.append(f"offers: {regimen} is {status.get(regimen, 'not among the options')}")
    for regimen in expect.prefers:
        if status.get(regimen) != "preferred":
            failures.append(f"prefers: {regimen} is {status.get(regimen, 'not among the options')}")
    for regimen in expect.withholds:
        if status.get(regimen) in OFFERED:
            failures.append(f"withholds: {regimen} is offered ({status[regimen]})")
    if expect.no_preferred and "preferred" in status.values():
        preferred = [r for r, s in status.items() if s == "preferred"]
        failures.append(f"no_preferred: {', '.join(preferred)} preferred")
    for source in expect.cites:
        if source not in sources:
            failures.append(f"cites: {source} not among {sorted(sources)}")
    if expect.cites_any and not sources & set(expect.cites_any):
        failures.append(f"cites_any: none of {expect.cites_any} among {sorted(sources)}")
    for pattern in expect.mentions:
        if not re.search(pattern, text, re.I):
            failures.append(f"mentions: /{pattern}/ not in text")
    for pattern in expect.not_mentions:
        if re.search(pattern, text, re.I):
            failures.append(f"not_mentions: /{pattern}/ found in text")
    for name in expect.asks_for:
        if name not in answer.get("missing", []):
            failures.append(f"asks_for: {name} not in missing {answer.get('missing', [])}")
    profile = answer.get("profile", {})
    for name, want in expect.profile.items():
        if name not in profile or not _same(profile[name], want):
            failures.append(f"profile: {name} expected {want!r}, got {profile.get(name)!r}")
    for name in expect.profile_unknown:
        if profile.get(name) is not None:
            failures.append(f"profile_unknown: {name} should not be known, got {profile[name]!r}")
    if expect.refusal_reason is not None and refusal.get("reason") != expect.refusal_reason:
        failures.append(f"refusal_reason: expected {expect.refusal_reason}, got {refusal.get('reason')}")
    return failures


@dataclass
class TurnResult:
    user: str
    answer: dict[str, Any]
    failures: list[str]
    seconds: float


@dataclass
class CaseResult:
    suite: str
    case: Case
    turns: list[TurnResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(not t.failures for t in self.turns)


def run_case(assistant: Any, suite: str, case: Case) -> CaseResult:
    """One case in a fresh session, through the public API only."""
    session = assistant.session(audience=case.audience, profile=case.profile or None)
    result = CaseResult(suite, case)
    for turn in case.turns:
        start = time.perf_counter()
        answer = session.ask(turn.user).to_dict()
        seconds = time.perf_counter() - start
        result.turns.append(TurnResult(turn.user, answer, check_turn(turn.expect, answer), seconds))
    return result
