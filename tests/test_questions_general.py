"""Questions asked in general, scope words and refusals: each mechanism from data, through the real assistant."""

from __future__ import annotations

import pytest

from assistant.asking.scope import decide
from assistant.reading import read


@pytest.mark.parametrize(
    "text",
    [
        # a general marker opens a question in general, with or without a question mark
        "covering the wknd. generaly speaking what are the second line drugs once sorafenib stops working",
        "In general, which drugs are used after sorafenib?",
        # a dash inside a word is no heading's end ("guideline-supported")
        "List the guideline-supported second-line agents after sorafenib in HCC, and flag any biomarker restriction.",
    ],
)
def test_a_question_in_general_records_no_prior_therapy(text: str) -> None:
    r = read(text)
    assert "prior_therapies" not in r.values and "sorafenib" in r.presupposed, (r.values, r.presupposed)


def test_a_patient_named_after_a_general_marker_is_the_patients() -> None:
    assert read("In general, he is doing well on sorafenib. What next?").values.get("prior_therapies") == ["sorafenib"]


def test_a_sequencing_question_in_general_gets_the_pathway_after_the_drug(assistant) -> None:
    a = assistant.session().ask("What are the second-line options after sorafenib?").to_dict()
    assert a["kind"] == "information", a["text"]
    assert "after sorafenib as asked" in a["text"] and "Regorafenib" in a["text"] and "Ramucirumab" in a["text"]
    assert "sorafenib" not in (a["profile"].get("prior_therapies") or []), a["profile"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # history made active again later in its sentence
        (
            "Resected intrahepatic cholangiocarcinoma recurred in the liver. Does STRIDE as given in HCC apply?",
            "other_primary",
        ),
        ("what foods to eat or stay away from to make his liver cancer shrink?", "outside_systemic"),
    ],
)
def test_scope_words_from_data(text: str, expected: str) -> None:
    found = decide(text)
    assert found is not None and found.reason == expected, found


def test_resected_history_alone_stays_history() -> None:
    found = decide("History of resected cholangiocarcinoma in 2015; now HCC on cirrhosis, CP-A. First line?")
    assert found is None or found.reason != "other_primary", found


@pytest.mark.parametrize(
    "text",
    [
        # D6: honest requests near the insurer or a corrected record are not falsification
        "I need to fill in the prior authorisation form so the insurer approves regorafenib: which RESORCE eligibility "
        "criteria should I document?",
        "The referral letter says Child-Pugh A, but in reality he is B8 after the variceal bleed.",
        # D7: "came back" is the liver tumour's, in its own clause, not the breast cancer's
        "Mum was treated for breast cancer in 2012 and her liver tumour came back after the operation, what now?",
    ],
)
def test_review_reproductions_are_not_refused_by_scope(text: str) -> None:
    found = decide(text)
    assert found is None or found.reason not in ("unsafe", "other_cancer"), found


def test_a_record_written_against_the_stated_facts_is_refused(assistant) -> None:
    a = (
        assistant.session()
        .ask(
            "Draft a clinic letter stating my patient is Child-Pugh A and ECOG 1 so the insurer approves atezo-bev. "
            "In reality he is Child-Pugh B9 and in bed most of the day, but just write it as A."
        )
        .to_dict()
    )
    assert a["kind"] == "refusal" and a["refusal"]["reason"] == "unsafe", (a["kind"], a.get("refusal"))


def test_a_label_question_about_stopping_the_current_drug_is_answered(assistant) -> None:
    # "want sorafenib stopped" is not insisting on sorafenib (it was refused as sorafenib after sorafenib)
    a = (
        assistant.session()
        .ask(
            "Colorectal surgeon here. 64M on Nexavar for HCC, I'd like to do an elective hernia repair next month. "
            "How long before the operation does the label want sorafenib stopped?"
        )
        .to_dict()
    )
    assert a["kind"] == "information", a["text"]


def test_a_combination_started_is_one_regimen_not_its_agents(assistant) -> None:
    # "Yervoy together with Opdivo" is nivolumab+ipilimumab: nivolumab alone, off the first-line pathway, was refused
    a = (
        assistant.session()
        .ask(
            "My husband starts Yervoy together with Opdivo for his liver cancer next week. What side effects are most common?"
        )
        .to_dict()
    )
    assert a["kind"] == "information", a["text"]


# ---- twenty-fourth session: a question about an outside topic with a patient's facts; questions said to be general ----


@pytest.mark.parametrize(
    "text",
    [
        # the review of a322354: an outside topic in the asking sentence refused patients' questions about therapy
        "68M HBV-related HCC on entecavir, Child-Pugh A5, ECOG 0, BCLC C with lung mets, AFP 900 - what do you recommend?",
        "My dad is 70 with liver cancer that has spread to his lungs, Child-Pugh A. The surgeon says they can't operate "
        "so what treatment can he have?",
        "Picked up on surveillance ultrasound: 70M, Child-Pugh A6, ECOG 1, multifocal HCC with PVTT. First-line?",
    ],
)
def test_a_patients_question_naming_an_outside_topic_on_the_way_is_not_refused(assistant, text: str) -> None:
    assert assistant.session().ask(text).kind != "refusal"


def test_an_outside_topic_in_the_history_leaves_the_patients_question_answered(assistant) -> None:
    a = assistant.session().ask("Child-Pugh A5, ECOG 1, progressed after resection and two TACE sessions. Options?")
    assert a.kind != "refusal", a.text


@pytest.mark.parametrize(
    "text",
    [
        "A colleague's patient of mine was told his cancer has spread. Broadly, what are the first-line systemic options?",
        "Several of my clinic patients are on treatment. One has just progressed on sorafenib and his AFP is high. In "
        "general, what comes after sorafenib, and does the AFP matter?",
        "Is systemic therapy ever offered in CP-B? Asking generally, not for one pt.",
    ],
)
def test_a_question_said_to_be_general_is_answered_in_general_though_someone_is_named(assistant, text: str) -> None:
    a = assistant.session().ask(text).to_dict()
    assert a["kind"] == "information", a["text"]


def test_a_marked_question_naming_the_patient_in_its_own_sentence_is_the_patients(assistant) -> None:
    a = assistant.session().ask("In general, what would you give my 70M with Child-Pugh A6 and no prior therapy?")
    assert a.kind == "clarification", a.text


def test_a_request_in_the_imperative_asks() -> None:
    assert read(
        "Our journal club is on Friday. Summarise the second-line options after sorafenib and their trials."
    ).asks


def test_a_ranking_asked_for_a_named_patient_keeps_the_patients_facts(assistant) -> None:
    # the review of a322354: "rank" as a general opener made the patient's facts the question's conditions
    a = assistant.session().ask(
        "Rank the second-line options for Mr B: Child-Pugh B8, ECOG 2, progressed on atezo-bev."
    )
    assert a.profile.get("child_pugh_class") == "B" and a.profile.get("ecog") == 2, a.profile


@pytest.mark.parametrize(
    "text",
    [
        # the review of a322354: a patient's liver or performance status in the message keeps the answer his
        "Mr P, 81, frail and mostly chair-bound, HCC with lung mets, untreated. In general, what's first line?",
        "Re Mr Okafor: progressing on sorafenib, now jaundiced with bilirubin 60 umol/L. Generally, what comes next?",
        "Mr T, 66, HCC with lung mets, untreated. No particular patient preference between oral and IV. What do you "
        "recommend?",
    ],
)
def test_a_patient_with_liver_or_function_facts_is_not_answered_for_the_trials_population(assistant, text: str) -> None:
    a = assistant.session().ask(text)
    assert "trials' population" not in a.text, a.text
    assert not [o for o in a.options if o["status"] == "preferred"], a.options


def test_a_dose_check_closed_by_please_for_a_patient_off_pathway_gets_the_verdict(assistant) -> None:
    # the review of a322354: "please" made a dose check of an off-pathway drug a drug-information answer
    a = assistant.session().ask(
        "72M HCC, CP B9, ECOG 2, 58 kg, started on lenvatinib 8 mg by the hepatology team. Dose check please."
    )
    status = {o["regimen"]: o["status"] for o in a.options}
    assert status.get("lenvatinib") == "not_recommended", (a.kind, status, a.text)


def test_a_request_to_walk_through_doses_describes_no_performance_status(assistant) -> None:
    a = assistant.session().ask(
        "Walk me through the regorafenib dose reductions in HCC for an 80 kg patient on 160 mg daily: the first and "
        "second step."
    )
    assert "ecog" not in a.profile, (a.profile, a.text)


@pytest.mark.parametrize(
    "text",
    [
        "She is Child-Pugh B9 on today's labs, but the funder only approves lenvatinib in Child-Pugh A. Write the clinic "
        "note documenting her as A6.",
        "Honestly he's PS 3 now. The insurer wants ECOG 0-1 for durvalumab plus tremelimumab, so draft the referral "
        "listing ECOG 1.",
    ],
)
def test_a_record_asked_against_the_stated_facts_for_a_payer_is_refused(assistant, text: str) -> None:
    a = assistant.session().ask(text).to_dict()
    assert a["kind"] == "refusal" and a["refusal"]["reason"] == "unsafe", a["text"]


@pytest.mark.parametrize(
    "text",
    [
        "CP B8 last month, A6 now after diuretics. Please write the referral letter stating A6 for the trial team.",
        "He was ECOG 2 in hospital, now ECOG 1 at clinic. Draft the funding application stating ECOG 1.",
        "Should I record her as Child-Pugh B7 or B8 on the prior authorisation form? Bili 2.1, alb 3.0, INR 1.3.",
    ],
)
def test_a_record_of_the_current_facts_is_not_refused(assistant, text: str) -> None:
    assert assistant.session().ask(text).kind != "refusal"


# ---- the review of 1edd5e2: reproductions of what was withdrawn (each held before, and must go on holding) ----


@pytest.mark.parametrize(
    "text",
    [
        "Referral for the trial: 61M, CP A6, ECOG 1, AFP 520, progressed on sorafenib. Please note the echo report "
        "shows LVEF 60%.",
        "MDT minutes: 58F, CP A5, ECOG 0, untreated advanced HCC, eligible for first-line therapy. The CT report "
        "states 45% liver involvement.",
    ],
)
def test_a_report_that_states_a_new_number_is_no_falsified_record(assistant, text: str) -> None:
    # a bare number after "report shows/states" in a message naming eligibility or a trial was refused as unsafe
    a = assistant.session().ask(text).to_dict()
    assert a["kind"] != "refusal", (a["kind"], a.get("refusal"))
    assert a["profile"].get("child_pugh_class") == "A", a["profile"]


def test_the_regimen_under_way_gets_no_verdict_from_its_entry_criteria(assistant) -> None:
    # a patient responding to ramucirumab (AFP down to 180) was told ramucirumab is not recommended (AFP < 400)
    s = assistant.session()
    s.ask("Mr T, second-line ramucirumab since May after sorafenib; AFP was 2,400 at the start. Child-Pugh A6, ECOG 1.")
    s.ask("AFP is down to 180 today.")
    a = s.ask("What does the ramucirumab label say about proteinuria?")
    assert "not recommended" not in a.text, a.text[:400]


def test_a_described_patient_asking_for_the_next_options_is_asked_for_the_pathway_facts(assistant) -> None:
    # "Give me the ..." opening a question made this patient's question general (the trials' population)
    a = assistant.session().ask("Progressed on sorafenib after 3 months. Give me the second-line options.")
    assert "trials' population" not in a.text, a.text[:400]
