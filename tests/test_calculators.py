"""Child-Pugh, ALBI, BCLC and unit conversions against the fact sheet's definitions."""

from __future__ import annotations

import pytest

from assistant.calculators import (
    afp_iu_to_ng,
    albi,
    albumin_g_l_to_g_dl,
    assess_liver,
    bilirubin_umol_to_mg_dl,
    child_pugh_class,
    child_pugh_points,
    governing_child_pugh,
)
from assistant.errors import InputError
from assistant.profile import make_profile, profile_problems


@pytest.mark.parametrize(
    ("bili", "alb", "inr", "ascites", "he", "points"),
    [
        (1.0, 4.0, 1.0, "none", "none", 5),
        (1.99, 3.6, 1.69, "none", "none", 5),
        (2.0, 3.5, 1.7, "none", "none", 8),  # each band's lower edge is 2 points
        (3.0, 2.8, 2.3, "mild", "grade_1_2", 10),
        (3.1, 2.7, 2.4, "moderate_severe", "grade_3_4", 15),
        (1.2, 3.3, 1.1, "none", "none", 6),
    ],
)
def test_child_pugh_points(bili, alb, inr, ascites, he, points) -> None:
    assert child_pugh_points(bili, alb, inr, ascites, he) == points


@pytest.mark.parametrize(("score", "cls"), [(5, "A"), (6, "A"), (7, "B"), (9, "B"), (10, "C"), (15, "C")])
def test_child_pugh_class_bands(score: int, cls: str) -> None:
    assert child_pugh_class(score) == cls


def test_albi_grades_follow_the_cut_offs() -> None:
    score, grade = albi(0.5, 4.5)  # 8.55 umol/L, 45 g/L
    assert score == pytest.approx(0.66 * 0.93197 - 0.085 * 45, abs=1e-3) and grade == 1
    assert albi(1.5, 3.2)[1] == 2
    assert albi(4.0, 2.5)[1] == 3


def test_unit_conversions() -> None:
    assert afp_iu_to_ng(350) == pytest.approx(423.5)
    assert bilirubin_umol_to_mg_dl(34.2) == pytest.approx(2.0)
    assert albumin_g_l_to_g_dl(35) == pytest.approx(3.5)


def test_stated_class_disagreeing_with_labs_is_reported() -> None:
    profile = make_profile(
        {
            "child_pugh_class": "A",
            "bilirubin_mg_dl": 3.5,
            "albumin_g_dl": 2.5,
            "inr": 1.8,
            "ascites": "mild",
            "encephalopathy": "none",
        }
    )
    assessment = assess_liver(profile)
    assert assessment.computed_class == "C"
    assert any("stated Child-Pugh class A" in c for c in assessment.conflicts)


@pytest.mark.parametrize(
    ("stated_class", "stated_score", "labs", "governs", "disagree"),
    [
        ("A", None, None, ("A", None), False),
        ("A", 6, None, ("A", 6), False),
        ("A", 8, None, ("B", 8), True),  # review finding 1: "A8" was evaluated as A
        ("B", 6, None, ("B", None), True),  # the stated class is the worse reading
        (None, 9, None, ("B", 9), False),
        ("A", None, ("C", 11), ("C", 11), True),  # review finding 1: labs C11 under a stated A
        ("C", None, ("A", 5), ("C", None), True),  # better labs never overrule a worse stated class
        (None, None, ("B", 7), ("B", 7), False),
        ("B", 7, ("B", 7), ("B", 7), False),
    ],
)
def test_the_worse_child_pugh_reading_governs(
    stated_class: str | None,
    stated_score: int | None,
    labs: tuple[str, int] | None,
    governs: tuple[str, int | None],
    disagree: bool,
) -> None:
    cls, score, note = governing_child_pugh(stated_class, stated_score, *(labs or (None, None)))
    assert (cls, score) == governs
    assert (note is not None) == disagree
    if note:
        assert f"{cls}{score or ''}, is used" in note


def test_a_stated_class_disagreeing_with_labs_yields_the_labs_class() -> None:
    profile = make_profile(
        {
            "child_pugh_class": "A",
            "ecog": 1,
            "main_portal_vein_invasion": True,
            "bilirubin_mg_dl": 3.5,
            "albumin_g_dl": 2.5,
            "inr": 1.8,
            "ascites": "mild",
            "encephalopathy": "none",
        }
    )
    assessment = assess_liver(profile)
    assert (assessment.governing_class, assessment.governing_score) == ("C", 11)
    assert assessment.governing_note and "labs C11" in assessment.governing_note
    assert assessment.bclc_stage is None  # not "C": BCLC C needs preserved liver function


def test_bclc_where_the_facts_allow() -> None:
    assert assess_liver(make_profile({"child_pugh_class": "A", "ecog": 1})).bclc_stage == "C"
    assert assess_liver(make_profile({"ecog": 3})).bclc_stage == "D"
    assert assess_liver(make_profile({"child_pugh_class": "A", "ecog": 0})).bclc_stage is None


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"ecog": 7}, "ecog=7"),
        ({"afp_ng_ml": -50}, "afp_ng_ml=-50"),
        ({"weight_kg": 900}, "allowed 20-300"),
        ({"child_pugh_score": 4}, "allowed 5-15"),
        ({"prior_therapies": ["aspirin"]}, "unknown regimen"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_profile_errors_name_field_value_and_range(values, fragment) -> None:
    with pytest.raises(InputError, match=fragment.replace("(", r"\(")):
        make_profile(values)
    assert profile_problems(values)


def test_labs_that_already_reach_class_c_give_c_though_items_are_missing() -> None:
    """Bilirubin 88 umol/L (5.1 mg/dL, 3 points), albumin 2.3 g/dL (3), INR 2.1 (2): at least 10 with no ascites and
    no encephalopathy, so class C whatever they are; labs that reach only B leave the class open (B7-B9 differ)."""
    from assistant.calculators import assess_liver
    from assistant.profile import make_profile

    c = assess_liver(make_profile({"bilirubin_mg_dl": 5.146, "albumin_g_dl": 2.3, "inr": 2.1}))
    assert c.governing_class == "C" and c.minimum_score == 10 and c.computed_score is None, c
    b = assess_liver(make_profile({"bilirubin_mg_dl": 2.5, "albumin_g_dl": 3.0, "inr": 1.2}))
    assert b.governing_class is None and b.minimum_score is None, b
    stated = assess_liver(
        make_profile({"child_pugh_class": "A", "bilirubin_mg_dl": 5.146, "albumin_g_dl": 2.3, "inr": 2.1})
    )
    assert stated.governing_class == "C" and stated.conflicts, stated
