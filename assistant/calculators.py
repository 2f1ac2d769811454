"""Clinical calculators: Child-Pugh, ALBI, BCLC stage and unit conversions (corpus/facts.yaml)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .profile import PatientProfile

BILIRUBIN_UMOL_PER_MG_DL = 17.1
ALBUMIN_G_L_PER_G_DL = 10.0
AFP_NG_ML_PER_IU_ML = 1.21
KG_PER_LB = 0.45359237


def afp_iu_to_ng(iu_ml: float) -> float:
    """AFP in IU/mL to ng/mL (1 IU/mL ~ 1.21 ng/mL)."""
    return iu_ml * AFP_NG_ML_PER_IU_ML


def bilirubin_umol_to_mg_dl(umol_l: float) -> float:
    return umol_l / BILIRUBIN_UMOL_PER_MG_DL


def albumin_g_l_to_g_dl(g_l: float) -> float:
    return g_l / ALBUMIN_G_L_PER_G_DL


def child_pugh_points(
    bilirubin_mg_dl: float, albumin_g_dl: float, inr: float, ascites: str, encephalopathy: str
) -> int:
    """Child-Pugh score (5-15): five items of 1-3 points each."""
    points = 1 if bilirubin_mg_dl < 2 else 2 if bilirubin_mg_dl <= 3 else 3
    points += 1 if albumin_g_dl > 3.5 else 2 if albumin_g_dl >= 2.8 else 3
    points += 1 if inr < 1.7 else 2 if inr <= 2.3 else 3
    points += {"none": 1, "mild": 2, "moderate_severe": 3}[ascites]
    points += {"none": 1, "grade_1_2": 2, "grade_3_4": 3}[encephalopathy]
    return points


def child_pugh_class(score: int) -> str:
    """A = 5-6, B = 7-9, C = 10-15."""
    return "A" if score <= 6 else "B" if score <= 9 else "C"


def albi(bilirubin_mg_dl: float, albumin_g_dl: float) -> tuple[float, int]:
    """ALBI score and grade: 0.66 log10(bilirubin umol/L) - 0.085 albumin g/L."""
    score = 0.66 * math.log10(bilirubin_mg_dl * BILIRUBIN_UMOL_PER_MG_DL) - 0.085 * (
        albumin_g_dl * ALBUMIN_G_L_PER_G_DL
    )
    grade = 1 if score <= -2.60 else 2 if score <= -1.39 else 3
    return score, grade


@dataclass(frozen=True)
class LiverAssessment:
    """What the labs say, whether they agree with the stated class, and which reading governs."""

    computed_score: int | None
    computed_class: str | None
    albi_score: float | None
    albi_grade: int | None
    bclc_stage: str | None
    conflicts: list[str]
    # The worse of the stated class, the stated score's class and the labs' class (None: unknown).
    governing_class: str | None = None
    governing_score: int | None = None
    # One sentence for the answer when the readings disagree (which one governs, and why).
    governing_note: str | None = None
    # With items missing: the least score the known items allow (each missing item at 1 point), when it already
    # reaches class C ("bilirubin 88 umol/L, albumin 23 g/L, INR 2.1": at least 10, class C whatever the rest)
    minimum_score: int | None = None


_CLASS_ORDER = "ABC"


def governing_child_pugh(
    stated_class: str | None, stated_score: int | None, computed_class: str | None, computed_score: int | None
) -> tuple[str | None, int | None, str | None]:
    """The worse of the stated class, the class of the stated score and the class the labs give.

    Returns (class, score, note); the note names the readings and the one that governs when they
    disagree. A score is kept only when it belongs to the governing class.
    """
    readings: list[tuple[str, int | None, str]] = []
    if stated_class:
        consistent = (
            stated_score if stated_score is not None and child_pugh_class(stated_score) == stated_class else None
        )
        readings.append((stated_class, consistent, "stated class"))
    if stated_score is not None:
        readings.append((child_pugh_class(stated_score), stated_score, "stated score"))
    if computed_class is not None:
        readings.append((computed_class, computed_score, "labs"))
    if not readings:
        return None, None, None
    cls = _CLASS_ORDER[max(_CLASS_ORDER.index(c) for c, _, _ in readings)]
    scores = [s for c, s, _ in readings if c == cls and s is not None]
    score = max(scores) if scores else None
    note = None
    classes = {c for c, _, _ in readings}
    known_scores = {s for _, s, _ in readings if s is not None}
    if len(classes) > 1 or len(known_scores) > 1:
        named = ", ".join(
            f"{origin} {s}" if origin == "stated score" else f"{origin} {c}{s or ''}" for c, s, origin in readings
        )
        note = (
            f"The Child-Pugh readings disagree ({named}); the more restrictive reading, "
            f"{cls}{score or ''}, is used. Please check the liver function."
        )
    return cls, score, note


def bclc_stage(profile: PatientProfile, cp_class: str | None) -> str | None:
    """BCLC 2022 stage where the facts allow (C and D only; earlier stages need tumour burden)."""
    if profile.ecog is not None and profile.ecog >= 3:
        return "D"
    if cp_class == "C":
        return None  # BCLC D needs end-stage liver function in a non-transplant candidate
    preserved = cp_class == "A"
    invasion = profile.main_portal_vein_invasion or profile.extrahepatic_spread
    if preserved and (invasion or profile.ecog in (1, 2)):
        return "C"
    return None


def assess_liver(profile: PatientProfile) -> LiverAssessment:
    """Child-Pugh and ALBI from labs when all are known, BCLC where possible, and disagreements."""
    computed_score: int | None = None
    computed_class: str | None = None
    conflicts: list[str] = []
    p = profile
    bili, alb, inr, asc, he = p.bilirubin_mg_dl, p.albumin_g_dl, p.inr, p.ascites, p.encephalopathy
    if bili is not None and alb is not None and inr is not None and asc and he:
        computed_score = child_pugh_points(bili, alb, inr, asc, he)
        computed_class = child_pugh_class(computed_score)
        if p.child_pugh_class and p.child_pugh_class != computed_class:
            conflicts.append(
                f"stated Child-Pugh class {p.child_pugh_class} but the labs give {computed_class}{computed_score}"
            )
        elif p.child_pugh_score and p.child_pugh_score != computed_score:
            conflicts.append(f"stated Child-Pugh score {p.child_pugh_score} but the labs give {computed_score}")
    minimum: int | None = None
    if computed_class is None and (bili is not None or alb is not None or inr is not None):
        least = _least_points(bili, alb, inr, asc, he)
        if child_pugh_class(least) == "C":  # class B would still leave B7-B9 open, which the pathway tells apart
            minimum, computed_class = least, "C"
            if p.child_pugh_class and _CLASS_ORDER.index(p.child_pugh_class) < _CLASS_ORDER.index(computed_class):
                conflicts.append(
                    f"stated Child-Pugh class {p.child_pugh_class} but the labs given already make at least "
                    f"{computed_class}{least}"
                )
    if p.child_pugh_score and p.child_pugh_class:
        if child_pugh_class(p.child_pugh_score) != p.child_pugh_class:
            conflicts.append(f"Child-Pugh class {p.child_pugh_class} does not match score {p.child_pugh_score}")
    albi_score = albi_grade = None
    if p.bilirubin_mg_dl is not None and p.albumin_g_dl is not None:
        albi_score, albi_grade = albi(p.bilirubin_mg_dl, p.albumin_g_dl)
    cls, score, note = governing_child_pugh(p.child_pugh_class, p.child_pugh_score, computed_class, computed_score)
    return LiverAssessment(
        computed_score=computed_score,
        computed_class=computed_class,
        albi_score=albi_score,
        albi_grade=albi_grade,
        bclc_stage=bclc_stage(p, cls),
        conflicts=conflicts,
        governing_class=cls,
        governing_score=score,
        governing_note=note,
        minimum_score=minimum,
    )


def _least_points(
    bili: float | None, alb: float | None, inr: float | None, ascites: str | None, encephalopathy: str | None
) -> int:
    """The Child-Pugh score with each item not given at its least (1 point)."""
    return child_pugh_points(
        bili if bili is not None else 0.0,
        alb if alb is not None else 5.0,
        inr if inr is not None else 1.0,
        ascites or "none",
        encephalopathy or "none",
    )
