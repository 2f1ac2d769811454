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


def test_an_exclusion_list_in_a_subjects_record_stays_the_trials() -> None:
    # review: a record naming a subject turned its exclusion criteria into the patient's findings (withdrawn)
    text = (
        "Subject 0412 screening record\nExclusion criteria (all must be absent): prior liver transplant; autoimmune "
        "disease requiring systemic treatment; Vp4 portal vein thrombus.\nBCLC C. ECOG 0. Child-Pugh A6. Prior systemic "
        "therapy: none. Autoimmune disease: No.\nWhat standard first-line therapy should he get instead?"
    )
    values = read(text).values
    assert "solid_organ_transplant" not in values and "main_portal_vein_invasion" not in values, values
    assert values.get("autoimmune_disease") is False, values


GRID_WITH_PROSE = """Pre-ICI checklist
                                              YES  NO
High-risk varices                             [ ]  [X]
Comment: OGD 01/2026 showed small varices only, no red signs; repeat OGD in 12 months
Prior solid-organ transplant (liver 2019)     [X]  [ ]
BCLC C, Child-Pugh A5, ECOG 0, no prior systemic therapy.
"""


def test_a_prose_row_between_grid_rows_is_no_column_heading() -> None:
    # review: "no" and "red" of the comment sat over the boxes and a ticked liver transplant read False
    assert read(GRID_WITH_PROSE).values.get("solid_organ_transplant") is True


def test_an_open_row_that_answers_itself_absent_stays_absent() -> None:
    text = "Screening log\n[X] Child-Pugh A6\n[ ] High-risk varices - OGD 02/2026 showed none; next surveillance OGD booked\n"
    assert read(text).values.get("high_risk_varices") is False


@pytest.mark.parametrize(
    ("text", "received"),
    [
        # review reproductions: a meeting held, another medicine stopped, a later drug after a dose and a clause
        (
            "Consent discussion for lenvatinib held today. HCC BCLC C, Child-Pugh A5, ECOG 1, no prior systemic therapy.",
            [],
        ),
        ("Plan to hold aspirin before bevacizumab. 70F, HCC BCLC C, Child-Pugh A5, ECOG 0, treatment naive.", []),
        (
            "He had sorafenib 400 mg bd for 8 months and regorafenib was then recommended by the MDT.",
            ["sorafenib"],
        ),
        ("Progressed on lenvatinib 8 mg daily and cabozantinib is being considered.", ["lenvatinib"]),
        ("The patient wants a break from sorafenib 400 mg bd after 5 months; HFSR grade 3.", ["sorafenib"]),
        ("On lenvatinib 8 mg od plus pembrolizumab suggested by his private oncologist.", ["lenvatinib"]),
    ],
)
def test_request_and_joining_cues_leave_other_drugs_alone(text: str, received: list[str]) -> None:
    assert read(text).received == received, (read(text).received, read(text).asked)


def test_a_drug_someone_would_like_to_avoid_is_not_asked_for() -> None:
    assert read("We would like to avoid bevacizumab given his recent variceal bleed.").requested == []


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


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("Screening no. 0147\n[Y] Child-Pugh A5\n[N] Prior organ transplant\n", "solid_organ_transplant", False),
        (
            "Screening no. 0147\n[Y] Active autoimmune disease: psoriatic arthritis on methotrexate\n",
            "autoimmune_disease",
            True,
        ),
        # an aside after an absent answer explains it; one opening "apart from" takes it back (tests/test_reading.py)
        (
            "Q7 Main portal vein invasion (Vp4) ......... NO (right portal vein branch only)\n",
            "main_portal_vein_invasion",
            False,
        ),
        ("Q8 Varices needing treatment ............... NO (EGD 15/11: no varices)\n", "high_risk_varices", False),
    ],
)
def test_letter_boxes_and_explained_answers(text: str, field: str, expected: bool) -> None:
    assert read(text).values.get(field) is expected, read(text).values


def test_an_mdt_list_asked_about_by_its_item_number_gives_only_that_items_facts() -> None:
    text = (
        "MDT outcome (your patient is item 3)\n1) W.X., 70M - HCC recurrence after liver transplant 2018, on tacrolimus.\n"
        "2) Y.Z., 58F - variceal bleed 10/2026, banded.\n3) M.N., 63M - BCLC C; CP A5, ECOG 0; treatment-naive.\n"
        "4) K.L., 81F - CP C11, ECOG 3.\n"
    )
    values = read(text).values
    assert values.get("child_pugh_score") == 5 and "solid_organ_transplant" not in values, values
    assert "high_risk_varices" not in values, values
