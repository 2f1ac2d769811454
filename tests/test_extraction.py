"""Fact extraction on realistic clinician phrasings (tests/data/extraction_cases.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.facts import extract_facts

CASES = yaml.safe_load((Path(__file__).parent / "data" / "extraction_cases.yaml").read_text())


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 100
    tags = [t for c in CASES for t in c.get("tags", [])]
    assert tags.count("negation") + tags.count("hypothetical") >= 20


def _marks(case: dict) -> list[pytest.MarkDecorator]:
    """A case the reader is known to miss carries `known_gap: reason` and must keep failing (strict)."""
    return [pytest.mark.xfail(reason=case["known_gap"], strict=True)] if case.get("known_gap") else []


@pytest.mark.parametrize("case", [pytest.param(c, marks=_marks(c), id=c["id"]) for c in CASES])
def test_extraction_case(case: dict) -> None:
    got = extract_facts(case["text"])
    for field, want in case.get("expect", {}).items():
        assert field in got, f"{field} not extracted from {case['text']!r}: {got}"
        value = got[field]
        if field == "prior_therapies":
            assert set(value) == set(want), f"{case['text']!r}: {value}"
        elif isinstance(want, float) or (isinstance(want, int) and isinstance(value, float)):
            assert value == pytest.approx(want, rel=1e-3), f"{case['text']!r}: {got}"
        else:
            assert value == want, f"{field}: {case['text']!r}: {got}"
    for field in case.get("absent", []):
        assert field not in got, f"{field} wrongly extracted from {case['text']!r}: {got}"
