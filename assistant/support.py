"""Citation support: every [n] resolves, and each cited sentence's drugs and numbers are in its passages."""

from __future__ import annotations

import re
from typing import Any

from .facts import DRUG_NAMES

MARKER = re.compile(r"\[(\d+)\]")
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
# Lines that restate the user's own facts or the footer: they carry no corpus claim.
EXEMPT = re.compile(
    r"^\s*(?:\*\*Patient:?\*\*|_Updated|_Corpus as of|\*\*Still needed|_Note:|"
    r"_The message was truncated|I could not use this message)",
    re.I,
)
GENERIC_DRUGS = sorted(DRUG_NAMES)


def _numbers(text: str) -> set[str]:
    out = set()
    for n in NUMBER.findall(text):
        plain = n.replace(",", "")
        out.add(plain.rstrip("0").rstrip(".") if "." in plain else plain)
    return out


_DRUG_RE = re.compile(r"\b(" + "|".join(GENERIC_DRUGS) + r")\b")


def _drugs(text: str) -> set[str]:
    return set(_DRUG_RE.findall(text.lower()))


HEADING = re.compile(r"^\*\*[^*]+\*\*:?$")


def statements(text: str) -> list[str]:
    """The claims of a Markdown answer: each line (a paragraph or a bullet) with its markers.

    The composer writes one claim per line and puts the line's markers at its end, so the
    markers cover the whole line.
    """
    return [line.strip() for line in text.splitlines() if line.strip()]


def check_answer(answer: dict[str, Any]) -> list[str]:
    """Problems with an answer's citations; empty when every claim is supported."""
    problems: list[str] = []
    citations = {c["n"]: c for c in answer.get("citations", [])}
    text = answer.get("text", "")
    for n in {int(m) for m in MARKER.findall(text)}:
        if n not in citations:
            problems.append(f"marker [{n}] has no citation")
    for statement in statements(text):
        if EXEMPT.match(statement) or HEADING.match(statement):
            continue
        markers = [int(m) for m in MARKER.findall(statement)]
        claim = MARKER.sub("", statement)
        numbers = _numbers(claim)
        drugs = _drugs(claim)
        if not markers:
            if numbers or drugs:
                problems.append(f"uncited claim: {statement!r}")
            continue
        quoted = " ".join(citations[n]["quote"] for n in markers if n in citations)
        missing_numbers = numbers - _numbers(quoted)
        missing_drugs = drugs - _drugs(quoted)
        if missing_numbers:
            problems.append(f"numbers {sorted(missing_numbers)} not in cited passages: {statement!r}")
        if missing_drugs:
            problems.append(f"drugs {sorted(missing_drugs)} not in cited passages: {statement!r}")
    return problems


def check_agreement(answer: dict[str, Any]) -> list[str]:
    """The text never presents as an option a regimen the checker did not offer."""
    problems = []
    offered = {o["regimen"] for o in answer.get("options", []) if o["status"] in ("preferred", "alternative")}
    for line in answer.get("text", "").splitlines():
        match = re.match(r"\s*-\s*\*\*(.+?)\*\*\s*[—-]\s*(preferred|alternative)", line)
        if match:
            regimen = match.group(1).lower().replace(" + ", "+")
            if regimen not in offered:
                problems.append(f"text offers {regimen}, which the checker did not offer")
    return problems
