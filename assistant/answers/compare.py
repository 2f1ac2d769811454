"""The comparison answer ("compare cabozantinib and regorafenib", "atezo-bev vs STRIDE"): one table, a column
per regimen, a row per attribute, every cell cited.

A pure function of the fact sheet's regimen entries and the corpus passages. Each cell is written from the
regimen's structured facts (`regimens[]` of facts.yaml: line, pivotal trial, survival, dose, cautions,
guideline positions) and must be supported by a passage of the regimen's own document or its trial's
document; a cell no passage supports says "not in my sources" instead of a number.
"""

from __future__ import annotations

import re
from typing import Any

from ..compose import Builder, regimen_name

NOT_IN_SOURCES = "not in my sources"
_PFS = re.compile(r"\bPFS (\d+(?:\.\d+)?) vs (\d+(?:\.\d+)?) months")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def _number(value: Any) -> str:
    return str(value)


def trial_name(kb: Any, trial: str, chunks: list[Any]) -> str:
    """The trial's name as the passages spell it ("IMbrave150", "REACH-2"), else its id in capitals."""
    pattern = re.compile(re.escape(trial).replace(r"\-", r"[- ]?"), re.I)
    for chunk in chunks:
        match = pattern.search(chunk.text)
        if match:
            return match.group(0)
    return trial.upper()


def guideline_name(source: str) -> str:
    """ "aasld-2023" -> "AASLD 2023"."""
    name, _, year = source.rpartition("-")
    return f"{name.upper()} {year}" if year.isdigit() else source.upper()


def rows(kb: Any, entry: dict[str, Any], chunks: list[Any]) -> list[tuple[str, str]]:
    """(attribute, claim) pairs for one regimen, from its fact-sheet entry."""
    evidence = entry.get("evidence") or {}
    out: list[tuple[str, str]] = []
    out.append(("Line", str(entry.get("line", ""))))
    trial = evidence.get("trial")
    if trial:
        name = trial_name(kb, trial, chunks)
        n = evidence.get("n")
        size = f", {n} patients" if isinstance(n, int) else ""
        out.append(("Pivotal trial", f"{name} vs {evidence.get('comparator', '')}{size}"))
        if evidence.get("os_months"):
            a, c = evidence["os_months"]
            claim = f"{_number(a)} vs {_number(c)} months"
            if evidence.get("os_hr") is not None:
                claim += f", HR {_number(evidence['os_hr'])}"
                if evidence.get("os_hr_ci"):
                    lo, hi = evidence["os_hr_ci"]
                    claim += f" (CI {_number(lo)}-{_number(hi)})"
            out.append(("Median overall survival", claim))
        pfs = _PFS.search(str(evidence.get("note", "")))
        out.append(("Median progression-free survival", f"{pfs.group(1)} vs {pfs.group(2)} months" if pfs else ""))
    out.append(("Dose and route", str(entry.get("dose", ""))))
    cautions = entry.get("cautions") or []
    out.append(("Key caution", str(cautions[0]) if cautions else ""))
    positions = entry.get("guideline_status") or {}
    out.append(
        (
            "Guideline positions",
            "; ".join(f"{guideline_name(g)}: {status}" for g, status in list(positions.items())[:3]),
        )
    )
    return out


def comparison(b: Builder, kb: Any, regimens: list[str], audience: str) -> bool:
    """Write the comparison table of two or three regimens; False when fewer than two have fact-sheet entries."""
    entries = {r["id"]: r for r in kb.facts.raw.get("regimens", [])}
    named = [r for r in dict.fromkeys(regimens) if r in entries][:3]
    if len(named) < 2:
        return False
    columns: list[dict[str, str]] = []
    attributes: list[str] = []
    for regimen in named:
        entry = entries[regimen]
        trial = (entry.get("evidence") or {}).get("trial")
        own = kb.doc_chunks(regimen)
        pool = own + (kb.doc_chunks(trial) if trial else [])
        cells: dict[str, str] = {}
        for attribute, claim in rows(kb, entry, pool):
            if audience == "patient" and attribute == "Dose and route":
                continue
            if attribute not in attributes:
                attributes.append(attribute)
            line = b.supported(claim, pool) if claim.strip() else ""
            cells[attribute] = line.replace("|", "/") if line else NOT_IN_SOURCES
        columns.append(cells)
    b.add("**Comparison**")
    b.add()
    b.add("| | " + " | ".join(f"**{regimen_name(r)}**" for r in named) + " |")
    b.add("|---" * (len(named) + 1) + "|")
    for attribute in attributes:
        b.add(f"| **{attribute}** | " + " | ".join(c.get(attribute, NOT_IN_SOURCES) for c in columns) + " |")
    b.add()
    b.add(
        "_Note: each column's results come from its own trial, against that trial's comparator and in its own"
        " population; unless a trial compared the regimens directly, this is not a head-to-head comparison._"
    )
    return True
