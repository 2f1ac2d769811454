"""Numbers with units in clinician text: Child-Pugh, ECOG, AFP, weight, labs, BCLC stage."""

from __future__ import annotations

import re
from typing import Any

from .calculators import (
    KG_PER_LB,
    afp_iu_to_ng,
    albumin_g_l_to_g_dl,
    bilirubin_umol_to_mg_dl,
    child_pugh_class,
)

NUM = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
# Words that may stand between a measure's name and its value ("AFP came back at 2,300").
FILLER = r"(?:\s*(?:[:=~]|is|was|of|now|at|about|approx\.?|approximately|level|value|came|back|"
FILLER += r"rose|risen|increased|decreased|fell|down|up|to|from|"
FILLER += r"and|score|repeat|latest|last|recent|baseline|serum|total|\(|\)|,)\s*)*?\s*"

CHILD_PUGH = re.compile(
    r"\b(?:child(?:'?s)?[\s-]*p(?:o|ou|u)gh|c\.?-?p\.?)(?!\w)\s*[-:]?\s*"
    r"(?:class|category|grade|stage)?\s*([abc])(?![a-z])\s*[-(]?\s*(\d{1,2})?\)?",
    re.I,
)
CHILD_PUGH_SCORE = re.compile(
    r"\b(?:child(?:'?s)?[\s-]*p(?:o|ou|u)gh|c\.?-?p\.?)(?!\w)\s*[-:]?\s*(?:score|points?)?\s*"
    r"(?:of|=|:)?\s*(\d{1,2})\b(?!\s*[-–]\s*\d)",
    re.I,
)
CP_SCORE_ALONE = re.compile(r"\bscore\s*(?:of|=|:)?\s*(\d{1,2})\b", re.I)
CP_POINTS = re.compile(r"\b(\d{1,2})\s*points\b", re.I)
ECOG = re.compile(
    r"\b(?:ecog|(?:who\s+)?ps|perf\w*ance\s+status)(?:\s*(?:ps|score|is|of|=|:|now))*\s*"
    r"([0-4])\b(?!\s*(?:[-–]|to)\s*\d)(?!\s*(?:mg|kg|%|months?|cm|mm))",
    re.I,
)
AFP_NAME = re.compile(r"\b(?:afp|alpha[\s-]?fetoprotein|α-fetoprotein)\b", re.I)
AFP_VALUE = re.compile(
    r"(?<![\w.,])" + NUM + r"(?!\d)(?!\.\d)(?!,\d)\s*(ng\s*/\s*ml|iu\s*/\s*ml|ku\s*/\s*l|[uµμ]g\s*/\s*l)?",
    re.I,
)
AFP_WINDOW_END = re.compile(
    r";|\.\s|\b(?:ecog|ps|child|cp|weigh\w*|wt|bili\w*|alb\w*|inr|bclc|months?|weeks?|days?)\b",
    re.I,
)
INEQUALITY = re.compile(r"(?:[<>≥≤]=?|above|below|over|under|greater|less|than)\s*$", re.I)
WEIGHT = re.compile(
    r"(?:\b(?:weigh(?:s|ing|t)?|wt|bw|body\s*weight)\b" + FILLER + r")?"
    r"(?<![\d.])(\d{2,3}(?:\.\d)?)\s*(kg|kgs|kilograms?|lb|lbs|pounds?)\b",
    re.I,
)
BILIRUBIN = re.compile(
    r"\b(?:t\.?\s*)?bili(?:rubi?n)?\b" + FILLER + NUM + r"\s*(mg\s*/\s*dl|[uµμ]mol\s*/\s*l|micromol\s*/\s*l)?",
    re.I,
)
ALBUMIN = re.compile(r"\b(?:alb(?:umi?e?n)?)\b" + FILLER + NUM + r"\s*(g\s*/\s*dl|g\s*/\s*l)?", re.I)
INR = re.compile(r"\binr\b" + FILLER + r"(\d(?:\.\d+)?)", re.I)
BCLC = re.compile(r"\bbclc(?:\s*[-:]?\s*stage)?\s*[-:]?\s*([0abcd])\b", re.I)
NOT_BEFORE = re.compile(r"\bnot\s*$", re.I)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _kept(text: str, match: re.Match[str]) -> bool:
    """False for a value the writer is correcting away from ("ECOG is 2, not 1")."""
    return not NOT_BEFORE.search(text[max(0, match.start() - 6) : match.start()])


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    found = [m for m in pattern.finditer(text) if _kept(text, m)]
    return found[0] if found else None


def _afp(text: str) -> float | None:
    """AFP in ng/mL: the last value with a unit after the name, else the first value."""
    name = AFP_NAME.search(text)
    if not name:
        return None
    window = text[name.end() : name.end() + 80]
    end = AFP_WINDOW_END.search(window)
    values = [
        m
        for m in AFP_VALUE.finditer(window[: end.start()] if end else window)
        if not INEQUALITY.search(window[: m.start()]) and _kept(window, m)
    ]
    if not values:
        return None
    with_unit = [m for m in values if m.group(2)]
    chosen = with_unit[-1] if with_unit else values[0]
    value = _number(chosen.group(1))
    unit = (chosen.group(2) or "").lower().replace(" ", "")
    return afp_iu_to_ng(value) if unit.startswith(("iu", "ku")) else value


def measures(text: str) -> dict[str, Any]:
    """Every measure stated in `text` (one sentence or clause), converted to canonical units."""
    out: dict[str, Any] = {}
    cp = _last(CHILD_PUGH, text)
    if cp:
        out["child_pugh_class"] = cp.group(1).upper()
        if cp.group(2):
            out["child_pugh_score"] = int(cp.group(2))
    if "child_pugh_score" not in out:
        score = _last(CHILD_PUGH_SCORE, text)
        if score is None and ("child_pugh_class" in out or re.search(r"child", text, re.I)):
            score = _last(CP_SCORE_ALONE, text) or _last(CP_POINTS, text)
        if score and 5 <= int(score.group(1)) <= 15:
            out["child_pugh_score"] = int(score.group(1))
            out.setdefault("child_pugh_class", child_pugh_class(int(score.group(1))))
    ecog = _last(ECOG, text)
    if ecog:
        out["ecog"] = int(ecog.group(1))
    afp = _afp(text)
    if afp is not None:
        out["afp_ng_ml"] = afp
    weight = _last(WEIGHT, text)
    if weight:
        value = _number(weight.group(1))
        unit = weight.group(2).lower()
        out["weight_kg"] = value * KG_PER_LB if unit.startswith(("lb", "pound")) else value
    bili = _last(BILIRUBIN, text)
    if bili:
        value, unit = _number(bili.group(1)), (bili.group(2) or "").lower()
        is_si = "mol" in unit or (not unit and value >= 15)
        out["bilirubin_mg_dl"] = bilirubin_umol_to_mg_dl(value) if is_si else value
    alb = _last(ALBUMIN, text)
    if alb:
        value, unit = _number(alb.group(1)), (alb.group(2) or "").lower().replace(" ", "")
        is_si = unit == "g/l" or (not unit and value >= 10)
        out["albumin_g_dl"] = albumin_g_l_to_g_dl(value) if is_si else value
    inr = _last(INR, text)
    if inr:
        out["inr"] = _number(inr.group(1))
    bclc = _last(BCLC, text)
    if bclc:
        out["bclc_stage"] = bclc.group(1).upper()
    return out


_ECOG_ANY = re.compile(r"\b(?:ecog|who ps|ps|performance status)\s*(?:of|is|=|:)?\s*(-?\d+(?:\.\d+)?)", re.I)
_CP_ANY = re.compile(
    r"\b(?:child(?:'?s)?[\s-]*p(?:o|ou|u)gh|cp)\s*[-:]?\s*(?:class\s*)?([abc])?\s*[-(]?\s*"
    r"(?:score\s*(?:of\s*|is\s*|=\s*)?)?(-?\d{1,3})\b",
    re.I,
)
_WEIGHT_ANY = re.compile(r"\b(?:weigh\w*|weight|wt|bw)\b\D{0,15}?(-?\d+(?:\.\d+)?)\s*(kg|kgs|lb|lbs)\b", re.I)
_NEGATIVE = re.compile(
    r"\b(afp|alpha[\s-]?fetoprotein|weight|weighs|bilirubin|albumin|inr)\s*(?:of|is|=|:)?\s*-\s*\d",
    re.I,
)
_SCIENTIFIC = re.compile(r"\b\d+(?:\.\d+)?e[+-]?\d+\b", re.I)


def implausible(text: str) -> list[str]:
    """Values no patient can have, named with the allowed range (checked before extraction)."""
    problems: list[str] = []
    for match in _ECOG_ANY.finditer(text):
        value = float(match.group(1))
        if value != int(value) or not 0 <= value <= 4:
            problems.append(f"ECOG {match.group(1)} is not a valid performance status (allowed 0-4)")
    for match in _CP_ANY.finditer(text):
        letter, number = match.group(1), int(match.group(2))
        if not 5 <= number <= 15:
            problems.append(f"Child-Pugh score {number} is outside the scale (allowed 5-15)")
        elif letter and child_pugh_class(number) != letter.upper():
            problems.append(
                f"Child-Pugh {letter.upper()}{number} is inconsistent: class "
                f"{child_pugh_class(number)} is what a score of {number} gives"
            )
    for match in _WEIGHT_ANY.finditer(text):
        kg = float(match.group(1)) * (KG_PER_LB if match.group(2).lower().startswith("lb") else 1)
        if not 20 <= kg <= 300:
            problems.append(f"a body weight of {match.group(1)} {match.group(2)} is implausible (allowed 20-300 kg)")
    for match in _NEGATIVE.finditer(text):
        problems.append(f"{match.group(1)} cannot be negative")
    ecogs = {m.group(1) for m in ECOG.finditer(text) if _kept(text, m)}
    if len(ecogs) > 1:
        problems.append(f"the message gives ECOG as {' and '.join(sorted(ecogs))}: which is right?")
    classes = {m.group(1).upper() for m in CHILD_PUGH.finditer(text) if _kept(text, m)}
    if len(classes) > 1:
        problems.append(f"the message gives Child-Pugh class {' and '.join(sorted(classes))}: which is right?")
    if _SCIENTIFIC.search(text):
        problems.append("a number in scientific notation was not understood; please write it out")
    return problems
