"""The patient profile: canonical fields, units and plausible ranges."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import InputError

ChildPughClass = Literal["A", "B", "C"]

# Allowed ranges, named in error messages.
RANGES: dict[str, tuple[float, float]] = {
    "child_pugh_score": (5, 15),
    "ecog": (0, 4),
    "afp_ng_ml": (0, 10_000_000),
    "weight_kg": (20, 300),
    "bilirubin_mg_dl": (0.1, 50),
    "albumin_g_dl": (0.5, 7),
    "inr": (0.5, 10),
}

# Regimen ids a profile may list as prior therapy (fact sheet regimens and negative-trial ids).
PRIOR_THERAPY_IDS = {
    "atezolizumab+bevacizumab",
    "durvalumab+tremelimumab",
    "nivolumab+ipilimumab",
    "durvalumab",
    "tislelizumab",
    "lenvatinib",
    "sorafenib",
    "regorafenib",
    "cabozantinib",
    "ramucirumab",
    "pembrolizumab",
    "nivolumab",
    "camrelizumab+rivoceranib",
    "sintilimab+bevacizumab-biosimilar",
    "lenvatinib+pembrolizumab",
    "cabozantinib+atezolizumab",
    "sorafenib+doxorubicin",
}


# How each fact is named to a clinician (answers, option conditions, caveats): never the field id.
FIELD_LABELS: dict[str, str] = {
    "child_pugh_class": "Child-Pugh class",
    "child_pugh_score": "Child-Pugh score",
    "ecog": "ECOG performance status",
    "afp_ng_ml": "AFP (ng/mL)",
    "weight_kg": "body weight",
    "prior_therapies": "prior systemic therapy (none, or which regimens)",
    "sorafenib_tolerated": "whether sorafenib was tolerated",
    "progressed": "progression on the current or last therapy",
    "main_portal_vein_invasion": "main portal vein invasion",
    "liver_involvement_50": "tumour occupying >= 50% of the liver",
    "extrahepatic_spread": "extrahepatic spread",
    "high_risk_varices": "high-risk varices or recent variceal bleeding (upper endoscopy)",
    "autoimmune_disease": "active autoimmune disease",
    "solid_organ_transplant": "prior liver or other solid-organ transplant",
    "bilirubin_mg_dl": "bilirubin",
    "albumin_g_dl": "albumin",
    "inr": "INR",
    "ascites": "ascites",
    "encephalopathy": "hepatic encephalopathy",
    "bclc_stage": "BCLC stage",
    "line_of_therapy": "line of therapy",
    "intolerance": "intolerance of the current or last therapy",
    "therapeutic_anticoagulation": "therapeutic anticoagulation",
    "uncontrolled_hypertension": "uncontrolled hypertension",
    "significant_proteinuria": "significant proteinuria",
    "recent_arterial_thromboembolism": "recent arterial thromboembolism",
    "recent_major_surgery": "recent major surgery",
}


def field_label(name: str) -> str:
    """The clinician's words for a fact (a readable fallback for a field without a label)."""
    return FIELD_LABELS.get(name, name.replace("_", " "))


class PatientProfile(BaseModel):
    """What is known about one patient; None means not known (never 'normal')."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    child_pugh_class: ChildPughClass | None = None
    child_pugh_score: int | None = Field(default=None, ge=5, le=15)
    ecog: int | None = Field(default=None, ge=0, le=4)
    afp_ng_ml: float | None = Field(default=None, ge=0, le=10_000_000)
    weight_kg: float | None = Field(default=None, ge=20, le=300)
    prior_therapies: list[str] | None = None
    sorafenib_tolerated: bool | None = None
    progressed: bool | None = None
    main_portal_vein_invasion: bool | None = None
    liver_involvement_50: bool | None = None
    extrahepatic_spread: bool | None = None
    high_risk_varices: bool | None = None
    autoimmune_disease: bool | None = None
    solid_organ_transplant: bool | None = None
    bilirubin_mg_dl: float | None = Field(default=None, ge=0.1, le=50)
    albumin_g_dl: float | None = Field(default=None, ge=0.5, le=7)
    inr: float | None = Field(default=None, ge=0.5, le=10)
    ascites: Literal["none", "mild", "moderate_severe"] | None = None
    encephalopathy: Literal["none", "grade_1_2", "grade_3_4"] | None = None
    bclc_stage: Literal["0", "A", "B", "C", "D"] | None = None
    line_of_therapy: Literal["first", "second", "later"] | None = None
    # Could not tolerate the current or last systemic therapy (with progression, a reason to switch).
    intolerance: bool | None = None
    # Bevacizumab cautions (facts.yaml: IMbrave150 excluded therapeutic anticoagulation; the others
    # are the regimen's listed bevacizumab cautions).
    therapeutic_anticoagulation: bool | None = None
    uncontrolled_hypertension: bool | None = None
    significant_proteinuria: bool | None = None
    recent_arterial_thromboembolism: bool | None = None
    recent_major_surgery: bool | None = None

    @field_validator("prior_therapies")
    @classmethod
    def _known_regimens(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = [v for v in value if v not in PRIOR_THERAPY_IDS]
        if unknown:
            raise ValueError(f"unknown regimen id(s): {', '.join(unknown)}")
        return sorted(set(value), key=value.index)

    def known(self) -> dict[str, Any]:
        """Only the fields that are known."""
        return self.model_dump(exclude_none=True)


def _describe(field: str) -> str:
    low, high = RANGES.get(field, (None, None))
    return f" (allowed {low:g}-{high:g})" if low is not None and high is not None else ""


def make_profile(values: dict[str, Any]) -> PatientProfile:
    """Validate `values` into a profile; errors name the field, the value and the allowed range."""
    try:
        return PatientProfile.model_validate(values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "profile"
            value = values.get(field, err.get("input"))
            problems.append(f"{field}={value!r}: {err['msg']}{_describe(field)}")
        raise InputError("; ".join(problems)) from exc


def profile_problems(values: dict[str, Any]) -> list[str]:
    """Each out-of-range or unknown value in `values`, as a sentence; empty when all are valid."""
    problems = []
    for field, value in values.items():
        try:
            make_profile({field: value})
        except InputError as exc:
            problems.append(str(exc))
    return problems
