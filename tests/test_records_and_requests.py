"""Screening records answered for one subject (grids of boxes under column headings, rows still open) and drugs
someone wants for the patient (a desire cue asks for the drug; a drug to be stopped is being taken)."""

from __future__ import annotations

import pytest

from assistant.reading import read

GRID = """ELIGIBILITY CHECKLIST - subject 0719
INCLUSION                                          YES  NO
1. Child-Pugh A                                    [X]  [ ]   score 5
EXCLUSION
2. Prior liver / solid-organ transplant            [{t}]  [{f}]
3. Main portal vein invasion                       [ ]  [X]
"""


@pytest.mark.parametrize(("marks", "expected"), [((" ", "X"), False), (("X", " "), True)])
def test_a_box_under_a_column_heading_answers_its_row_with_the_heading(marks: tuple[str, str], expected: bool) -> None:
    values = read(GRID.format(t=marks[0], f=marks[1])).values
    assert values.get("solid_organ_transplant") is expected, values
    assert values.get("main_portal_vein_invasion") is False, values
    assert values.get("child_pugh_class") == "A", values


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("[ ] Varices - OGD booked 10/12, result pending", "high_risk_varices"),
        ("[ ] Autoimmune history - TPO antibodies and GP letter requested", "autoimmune_disease"),
    ],
)
def test_an_empty_box_whose_row_is_still_open_answers_nothing(row: str, field: str) -> None:
    values = read(f"Screening log 0802\n[X] Child-Pugh A6\n{row}\n[X] No prior transplant\n").values
    assert field not in values, values
    assert values.get("solid_organ_transplant") is False, values


def test_an_empty_box_alone_still_says_absent() -> None:
    assert read("Screening log 0802\n[X] Child-Pugh A6\n[ ] Varices\n").values.get("high_risk_varices") is False


def test_an_answered_subject_record_lists_its_inclusion_items_for_the_patient() -> None:
    text = (
        "Screening log 0788 - exclusion review\nE1 Prior solid-organ transplant ........ NO\n"
        "Inclusion: Child-Pugh A5; ECOG 1; measurable disease.\n"
    )
    values = read(text).values
    assert values.get("child_pugh_score") == 5 and values.get("ecog") == 1, values


def test_a_trials_inclusion_list_stays_the_trials_population() -> None:
    text = "Inclusion: Child-Pugh A5; ECOG 1; measurable disease.\nIs my patient eligible? He is 70."
    assert "child_pugh_class" not in read(text).values


@pytest.mark.parametrize(
    "text",
    [
        "CP C12, ECOG 3. The family are pushing hard for atezolizumab plus bevacizumab.",
        "CP C12. Her daughter would like atezolizumab plus bevacizumab started this week.",
        "He is keen on atezolizumab plus bevacizumab.",
        "The family wants atezolizumab plus bevacizumab started this week.",
    ],
)
def test_a_drug_someone_wants_for_the_patient_is_asked_for(text: str) -> None:
    r = read(text)
    assert r.requested == ["atezolizumab+bevacizumab"], (r.requested, r.asked, r.unread)
    assert "prior_therapies" not in r.values


@pytest.mark.parametrize(
    "text",
    [
        "CP A6. He wants to stop sorafenib because of the diarrhoea.",
        "CP A6. He wants sorafenib stopped.",
        "CP A6. He wants the sorafenib held for the surgery.",
        "She asked for sorafenib to be stopped after 4 months because of fatigue.",
    ],
)
def test_a_drug_someone_wants_to_stop_is_being_taken(text: str) -> None:
    r = read(text)
    assert r.values.get("prior_therapies") == ["sorafenib"] and not r.requested, (r.values, r.requested)


def test_drugs_joined_after_a_dose_are_asked_for_as_one_regimen() -> None:
    r = read("My attending wants sorafenib 400 mg twice daily plus doxorubicin 60 mg/m2 every 3 weeks.")
    assert r.asked == ["sorafenib+doxorubicin"] and "prior_therapies" not in r.values, (r.asked, r.values)


def test_end_stage_liver_disease_with_the_family_pushing_for_a_regimen_is_refused(assistant) -> None:
    a = assistant.session().ask(
        "Advanced HCC, Child-Pugh C12 with refractory ascites, ECOG 3, not a transplant candidate. The family are "
        "pushing hard for atezolizumab plus bevacizumab. Is there any reason not to just start it?"
    )
    d = a.to_dict()
    assert d["kind"] == "refusal" and d["refusal"]["reason"] == "off_pathway", d["text"]
    assert "supportive care" in d["text"], d["text"]


def test_an_unproven_combination_wanted_after_a_dose_is_refused(assistant) -> None:
    d = (
        assistant.session()
        .ask(
            "My attending wants sorafenib 400 mg twice daily plus doxorubicin 60 mg/m2 every 3 weeks for a fit "
            "Child-Pugh A patient. Can you help me build the order set?"
        )
        .to_dict()
    )
    assert d["kind"] == "refusal" and d["refusal"]["reason"] == "off_pathway", d["text"]
    assert "oxorubicin" in d["text"], d["text"]
