"""Every number the corpus states must come from the vetted fact sheets, on the right trial."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from assistant.corpus import cited_ids, load_corpus
from conftest import CORPUS

NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
PAIR = re.compile(r"(\d+(?:\.\d+)?)%? vs (\d+(?:\.\d+)?)")
HR = re.compile(r"\bHR(?: for death)?(?: of)? (\d\.\d+)")
CI = re.compile(r"CI (\d\.\d+)-(\d\.\d+)")

SHEET, DOCS = load_corpus(CORPUS)
FACTS: dict[str, Any] = yaml.safe_load(SHEET.text)


def _numbers(text: str) -> set[str]:
    """Number tokens, normalised so that 0.50 and 0.5 (YAML drops the zero) compare equal."""
    found = set()
    for token in NUMBER.findall(text):
        plain = token.replace(",", "")
        found.add(plain.rstrip("0").rstrip(".") if "." in plain else plain)
    return found


def _strip_citations(text: str) -> str:
    return re.sub(r"\[@[^\]]+\]", "", text)


FACT_NUMBERS = _numbers(SHEET.text)
# Drug documents state label facts: their numbers come from drug-facts.yaml (tests/test_drug_facts.py
# checks them against the agent's own entry).
DRUG_NUMBERS = _numbers(re.sub(r"(\d)x\b", r"\1 x", SHEET.drug_text))


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.id)
def test_every_number_in_a_document_is_in_the_fact_sheet(doc) -> None:
    known = FACT_NUMBERS | DRUG_NUMBERS if doc.meta.kind == "drug" else FACT_NUMBERS
    unknown = _numbers(_strip_citations(doc.body)) - known
    assert not unknown, f"{doc.path}: numbers not in facts.yaml or drug-facts.yaml: {sorted(unknown)}"


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flatten(v)]
    if isinstance(value, list):
        return [x for v in value for x in _flatten(v)] + [value]
    return [value]


def _trial_context(trial: str) -> list[Any]:
    """Everything the fact sheet says that is tied to `trial`."""
    base = re.sub(r"-(update|5y)$", "", trial)
    names = {trial, base, "-".join(trial.split("-")[:2])}
    items: list[Any] = []
    for entry in FACTS.get("regimens", []) + FACTS.get("negative_trials", []):
        linked = entry.get("trial") or (entry.get("evidence") or {}).get("trial")
        if linked in names:
            items.extend(_flatten(entry))
    for value in _flatten(FACTS):
        if isinstance(value, str):
            normal = re.sub(r"\s+", "-", value.lower())
            if any(n in normal for n in names):
                items.append(value)
    return items


def _pairs(items: list[Any]) -> set[tuple[float, float]]:
    pairs: set[tuple[float, float]] = set()
    for item in items:
        if isinstance(item, list) and len(item) == 2 and all(isinstance(x, int | float) for x in item):
            pairs.add((float(item[0]), float(item[1])))
        if isinstance(item, str):
            pairs |= {(float(a), float(b)) for a, b in PAIR.findall(item)}
            pairs |= {(float(a), float(b)) for a, b in re.findall(r"\((\d\.\d+)-(\d\.\d+)\)", item)}
    return pairs


def _scalars(items: list[Any]) -> set[float]:
    found: set[float] = set()
    for item in items:
        if isinstance(item, int | float) and not isinstance(item, bool):
            found.add(float(item))
        elif isinstance(item, str):
            found |= {float(n) for n in re.findall(r"\d+\.\d+", item)}
    return found


TRIALS = [d for d in DOCS if d.meta.kind == "trial"]


@pytest.mark.parametrize("doc", TRIALS, ids=lambda d: d.id)
def test_trial_results_match_the_fact_sheet_for_that_trial(doc) -> None:
    # A statement runs up to its citation; its numbers must be results of a trial it cites.
    for statement in re.findall(r"[^\[]*\[@[^\]]+\]", doc.body):
        cites = cited_ids(statement[statement.rindex("[@") :])
        if doc.id not in cites:
            continue
        context = [x for c in cites for x in _trial_context(c)]
        pairs, scalars = _pairs(context), _scalars(context)
        for a, b in PAIR.findall(statement):
            assert (float(a), float(b)) in pairs, f"{doc.id}: '{a} vs {b}' is not a result of {cites}"
        for hr in HR.findall(statement):
            assert float(hr) in scalars, f"{doc.id}: HR {hr} is not a result of {cites}"
        for lo, hi in CI.findall(statement):
            assert (float(lo), float(hi)) in pairs, f"{doc.id}: CI {lo}-{hi} is not of {cites}"


def test_fact_numbers_are_stated_somewhere_in_the_corpus() -> None:
    """Coverage: each result, dose and threshold of the fact sheet is in some passage."""
    sections = [
        "regimens",
        "negative_trials",
        "cytotoxic_chemotherapy",
        "liver_function",
        "pathway_statements",
        "staging",
    ]
    wanted: set[str] = set()
    for key in sections:
        text = yaml.safe_dump(FACTS.get(key), allow_unicode=True)
        wanted |= _numbers(re.sub(r"\d{4}-\d{2}", "", text))
    corpus_numbers: set[str] = set()
    for doc in DOCS:
        corpus_numbers |= _numbers(doc.body)
    missing = sorted(wanted - corpus_numbers, key=lambda n: float(n))
    assert not missing, f"numbers of facts.yaml stated in no corpus passage: {missing}"
