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


# ---- session 19: shorthand senses, rows of two fields, relatives taken up by their own pronoun -------------------


def test_ra_after_an_oxygen_saturation_is_room_air_not_rheumatoid_arthritis() -> None:
    assert "autoimmune_disease" not in read("Obs: HR 82, SpO2 99% RA, T 36.8. HCC, CP A6, PS 1.").values
    assert read("PMH: RA on methotrexate. HCC, CP A6.").values.get("autoimmune_disease") is True


def test_a_line_opening_with_capitalised_shorthand_is_a_row_of_its_own() -> None:
    # "Tx hx" written out in lower case would have made the line run on from the AFP line before it
    values = read("AFP 4200 ng/ml\nTx hx: sora 400bd\n").values
    assert values.get("afp_ng_ml") == 4200 and values.get("prior_therapies") == ["sorafenib"], values


def test_two_labelled_fields_on_one_row_of_boxes_are_answered_each() -> None:
    values = read(
        "Child-Pugh:  [ ] A5  [x] A6  [ ] B7      ECOG: [ ] 0 [x] 1\n"
        "Transplant history: [x] none     Autoimmune disease on treatment: [x] none\n"
    ).values
    assert values.get("autoimmune_disease") is False and values.get("solid_organ_transplant") is False, values
    assert values.get("child_pugh_score") == 6 and values.get("ecog") == 1, values


def test_a_dated_table_with_numeric_dates_gives_the_latest_column() -> None:
    table = "Labs              | 03/11 | 17/11 | 01/12\nBilirubin umol/L  | 41    | 58    | 63\n"
    assert round(read(table).values["bilirubin_mg_dl"], 2) == 3.68
    # day and month without years that cross a new year are not ordered: the current one is asked for
    crossing = "Labs   15/12   10/01   05/02\nBilirubin umol/L  41      58      63\n"
    assert "bilirubin_mg_dl" not in read(crossing).values


def test_labs_worse_than_the_stated_child_pugh_class_are_the_facts_held_and_said() -> None:
    from assistant.merge import merge_facts

    text = (
        "Date        | Bilirubin (mg/dL) | Albumin (g/dL) | INR\n"
        "14/07/2026  | 1.1               | 3.7            | 1.1\n"
        "30/11/2026  | 2.3               | 3.1            | 1.2\n"
        "Clinical on 30/11: no ascites, no encephalopathy; ECOG 1. The summer letter said Child-Pugh A5.\n"
    )
    facts, provenance, changes, problems = merge_facts({}, {}, 1, read(text))
    assert not problems and facts["child_pugh_class"] == "B" and facts["child_pugh_score"] == 7, facts
    assert any("more restrictive than the stated A5" in c for c in changes), changes
    # labs no worse than the stated class leave it as stated
    better = text.replace("2.3 ", "1.0 ").replace("3.1 ", "3.8 ")
    facts, *_ = merge_facts({}, {}, 1, read(better))
    assert facts["child_pugh_class"] == "A" and facts["child_pugh_score"] == 5, facts


@pytest.mark.parametrize(
    "text",
    [
        "HCC (HBV), BCLC-C (LN+ & lung), CPA5",
        "CT 10/2026: PD - portocaval nodal mets, growth of liver lesions",
    ],
)
def test_spread_written_in_shorthand_or_plain_words_is_read(text: str) -> None:
    assert read(text).values.get("extrahepatic_spread") is True


def test_a_treatment_history_heading_gives_what_was_received() -> None:
    assert read("CP A5.\nTx hx: lenva 12 mg 2025\n").values.get("prior_therapies") == ["lenvatinib"]


# ---- the session-19 review's reproductions (each was a harm or a defect of db0a026) ---------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # a relative's reporting pronoun does not take the patient's transplant
        "Mr Z, 67, HCC BCLC C, Child-Pugh A5, ECOG 1. His daughter called and she told me about the kidney transplant "
        "he had in 2010.",
        "Mr Z, 67, HCC. Collateral from his wife: she reports the kidney transplant in 2012 and the tacrolimus.",
        # a relative who died does not carry the patient's transplant in a note's run of commas
        "64M, HBV HCC, father d. young of liver ca, renal transplant 2009, CP A5, PS 1, BCLC C, treatment naive.",
        "Hx: father d. 2019 of HCC, pt had kidney transplant 2010, no rejection. Now 58M.",
    ],
)
def test_the_patients_transplant_stays_the_patients(text: str) -> None:
    assert read(text).values.get("solid_organ_transplant") is True


@pytest.mark.parametrize(
    "text",
    [
        "Mr J, 66, HCC. PMH: autoimmune hepatitis (on prednisolone), psoriasis - only a cream. Options?",
        "Mr T, 71, HCC. Obs: SpO2 96%. RA on a biologic injection every 2 weeks. First-line options?",
    ],
)
def test_an_autoimmune_disease_on_systemic_treatment_is_not_cancelled(text: str) -> None:
    assert read(text).values.get("autoimmune_disease") is True


def test_an_acronym_opening_a_wrapped_line_goes_on_with_the_sentence() -> None:
    text = "68M, HCC, CP A5, PS 0. Denies previous\nOLT or other transplant. No autoimmune disease."
    assert read(text).values.get("solid_organ_transplant") is False


def test_a_row_whose_second_label_qualifies_the_first_is_one_item() -> None:
    row = "Autoimmune disease: [x] Yes [ ] No     On systemic treatment: [ ] Yes [x] No\n"
    assert read(row).values.get("autoimmune_disease") is not True


def test_decimals_do_not_order_numeric_date_columns() -> None:
    text = (
        "LFTs      05/01   02/02   01/03\n"
        "Bili umol/L   18   29   44\n"
        "Alb g/L   38   31   26\n"
        "INR   1.05   1.40   1.85\n"
        "Hgb 13.4, weight 72.5 kg\n"
    )
    values = read(text).values
    # the latest column (bilirubin 44 umol/L) or none: never the oldest as current
    assert values.get("albumin_g_dl") != 3.8 and values.get("inr") != 1.05, values
