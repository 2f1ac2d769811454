"""The twentieth session's review of its own reading change: each reproduced harm or defect as a test (a fact lost,
invented or taken from someone else). They failed on the reviewed commit (03f068e)."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.reading import read

DICTATED = " comma the rest as before full stop please advise full stop"


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        # a plain "they were" / "they had" is not a group said of as a whole
        (
            "Her GI team said they were treating her Crohn's disease with infliximab until last month. CP A5, ECOG 0.",
            "autoimmune_disease",
            True,
        ),
        (
            "Hepatology letter: they were unable to band his large varices because of his platelets.",
            "high_risk_varices",
            True,
        ),
        (
            "CT and MRI in November; these were reported as showing tumour thrombus in the main portal vein.",
            "main_portal_vein_invasion",
            True,
        ),
        ("They had to give him a new liver in 2015.", "solid_organ_transplant", True),
        # a section title is matched whole, not by its first word, and a section ends at the next one
        (
            "Section 3: Evidence of portal hypertension\n- large oesophageal varices with red signs\n"
            "Section 4: Liver function\n- Child-Pugh A6, ECOG 1\n",
            "high_risk_varices",
            True,
        ),
        (
            "Section 3: Evidence of portal hypertension\n- large oesophageal varices with red signs\n"
            "Section 4: Liver function\n- Child-Pugh A6, ECOG 1\n",
            "child_pugh_class",
            "A",
        ),
        (
            "slide 2: Data - bloods 01/12/2026\n- Child-Pugh A5, ECOG 0\n- ulcerative colitis on vedolizumab\n",
            "autoimmune_disease",
            True,
        ),
        (
            "slide 4: References and his history\n- heart transplant 2009 on ciclosporin\n",
            "solid_organ_transplant",
            True,
        ),
        # a stated ECOG is not overridden by a phrase written under two concepts
        ("Mr G, ECOG 1 per oncology, had to stop working in 2024. CP A5, no prior systemic therapy.", "ecog", 1),
        # a pasted general question and its answer are not the patient's facts
        (
            "Question: does a kidney transplant rule out atezolizumab-bevacizumab?\nAnswer: Yes, usually.\n"
            "My patient has no transplant. CP A5, ECOG 0.",
            "solid_organ_transplant",
            False,
        ),
        # dictation: a number word or a negation after a term is not part of it
        ("bilirubin eighty five micromoles per litre" + DICTATED, "bilirubin_mg_dl", round(85 / 17.1, 2)),
        ("Child Pugh A cirrhosis no ascites or encephalopathy" + DICTATED, "ascites", "none"),
    ],
)
def test_the_reviewed_readings_hold(text: str, field: str, expected: Any) -> None:
    values = read(text).values
    got = values.get(field)
    assert (round(got, 2) if isinstance(got, float) else got) == expected, values


@pytest.mark.parametrize(
    ("text", "field", "unwanted"),
    [
        # typed "Child Pugh see" is "see", not class C
        ("Child Pugh see bloods below - bili 1.0, albumin 3.9, INR 1.1, no ascites, no HE.", "child_pugh_class", "C"),
        ("What would her Child Pugh be, and is atezo-bev OK? bili 1.0, albumin 3.9, INR 1.1", "child_pugh_class", "B"),
        # banding alone does not say the varices are now low risk
        ("OGD 3 weeks ago: band ligation, second session in 2 weeks.", "high_risk_varices", False),
        # a value said of a stretch of time is not passed over for an older dated one
        ("Clinic letter 10/06/2026: ECOG 1. Update: he has been ECOG 3 for months.", "ecog", 1),
        # a living donor has given an organ, not received one
        ("Living kidney donor - donated kidney to his brother 2009. CP A5, ECOG 0.", "solid_organ_transplant", True),
    ],
)
def test_the_reviewed_readings_are_not_made(text: str, field: str, unwanted: Any) -> None:
    values = read(text).values
    assert values.get(field) != unwanted, values


def test_a_dictated_a_patient_is_not_apatinib() -> None:
    reading = read("he is a patient of Dr Smith" + DICTATED)
    assert not any("apatinib" in s for s in [*reading.asked, *reading.received, *reading.unread]), reading


def test_a_tumour_volume_without_its_unit_is_still_asked_about() -> None:
    reading = read("CT volumetry: tumour volume 1620, total liver volume 2450")
    assert any("tumour volume" in u and "unit" in u for u in reading.unread), reading.unread


def test_a_flowsheet_keeps_a_column_that_is_not_an_analyte_with_its_heading() -> None:
    from assistant.reading.columns import analyte_columns
    from assistant.reading.vocabulary import vocabulary

    text = "Date | ECOG | Weight (kg) | CP score\n10/06/2026 | 0 | 78 | 6\n"
    assert "CP score: 6" in analyte_columns(text, vocabulary())
