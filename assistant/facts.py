"""Free text -> patient facts: a thin layer over `assistant.reading` for callers of the old API.

Names of drugs and regimens come from the one vocabulary (corpus/vocabulary.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .reading import Reading, read, vocabulary
from .reading.reader import _spelling

_VOCAB = vocabulary()
# Agent -> every name written for it; regimen -> names of the combination; agents named together.
DRUG_NAMES: dict[str, list[str]] = {a: [n.lstrip("=") for n in names] for a, names in _VOCAB.agents.items()}
COMBO_NAMES: dict[str, list[str]] = {
    r: [n.lstrip("=") for n in meta.get("names", [])] for r, meta in _VOCAB.regimens.items() if meta.get("names")
}
PAIRS: list[tuple[str, str, str]] = [
    (meta["agents"][0], meta["agents"][1], r) for r, meta in _VOCAB.regimens.items() if len(meta.get("agents", [])) == 2
]


@dataclass
class Extraction:
    """Facts found in one message, and the full reading behind them."""

    values: dict[str, Any] = field(default_factory=dict)
    reading: Reading = field(default_factory=Reading)


def normalise_spelling(text: str) -> str:
    """Correct misspelt drug names ("sorafanib", "lenvatinb") to the nearest known name."""
    for wrong, right in _spelling(text, _VOCAB).items():
        text = text.replace(wrong, right)
    return text


def extract(text: str) -> Extraction:
    """Read one clinician message into profile fields."""
    reading = read(text)
    return Extraction(values=reading.values, reading=reading)


def extract_facts(text: str) -> dict[str, Any]:
    """Canonical profile fields stated in one message."""
    return extract(text).values
