"""Follow-ups that carry the last question on ("and in Child-Pugh B?", "and for a 54 kg woman?"): the words that
carry it on and the words an elliptical question may hold are data (vocabulary.yaml `continuation_openers`,
utterances.yaml `ellipsis`); in a conversation about no particular patient the conditions it states are asked about,
never recorded; in a patient's conversation the same words are the patient's (the twenty-second session's review)."""

from __future__ import annotations

import pytest

from assistant.reading import read


def test_the_options_again_under_a_condition_that_changes_the_verdict(assistant) -> None:
    chat = assistant.session()
    first = chat.ask("What are the first-line systemic options for advanced HCC?").to_dict()
    assert "preferred" in first["text"], first["text"]
    a = chat.ask("and in Child-Pugh B?").to_dict()
    assert a["kind"] == "information", a["text"]
    assert "Child-Pugh class B as asked" in a["text"], a["text"]
    assert not [o for o in a["options"] if o["status"] == "preferred"], a["options"]
    assert a["profile"] == {}, a["profile"]


def test_the_landscape_asked_under_a_condition_that_changes_the_verdict_is_the_checkers(assistant) -> None:
    a = assistant.session().ask("What are the first-line systemic options for advanced HCC in Child-Pugh B?").to_dict()
    assert "first line, Child-Pugh class B as asked" in a["text"], a["text"]
    assert not [o for o in a["options"] if o["status"] == "preferred"], a["options"]


def test_a_weight_asked_again_works_out_the_dose_without_recording_it(assistant) -> None:
    chat = assistant.session()
    chat.ask("Lenvatinib starting dose in HCC?")
    a = chat.ask("and for a 54 kg woman?").to_dict()
    assert "At the body weight asked (< 60 kg) the lenvatinib starting dose is 8 mg once daily" in a["text"], a["text"]
    assert "weight_kg" not in a["profile"], a["profile"]


def test_a_per_kg_dose_is_worked_out_for_the_weight_asked(assistant) -> None:
    chat = assistant.session()
    chat.ask("atezolizumab bevacizumab doses?")
    a = chat.ask("and for a 72 kg man?").to_dict()
    assert "Computed for the weight asked: bevacizumab 15 mg/kg × 72 kg = 1,080 mg" in a["text"], a["text"]
    assert "weight_kg" not in a["profile"], a["profile"]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("And the durvalumab-alone arm?", "durvalumab"),  # a hyphen word from vocabulary.yaml `name_hyphen_words`
        ("sorafenib-treated patients", "sorafenib"),
        ("the durvalumab-tremelimumab arm", "durvalumab+tremelimumab"),  # two agents of a combination, hyphenated
        ("the lenvatinib-pembrolizumab combination", "lenvatinib+pembrolizumab"),
    ],
)
def test_names_joined_by_a_hyphen(text: str, canonical: str) -> None:
    from pathlib import Path

    from assistant.asking.names import Names

    names = Names.from_corpus(Path(__file__).resolve().parents[1] / "corpus")
    assert [m.canonical for m in names.find(text)] == [canonical]


def test_a_follow_up_about_one_arm_of_the_trial_answers_that_arm(assistant) -> None:
    chat = assistant.session()
    chat.ask("What did HIMALAYA show for STRIDE?")
    a = chat.ask("And the durvalumab-alone arm?").to_dict()
    assert "non-inferior" in a["text"] and "16.6" in a["text"], a["text"]


def test_a_follow_up_carried_on_that_the_classifier_is_unsure_of_asks_the_last_question(assistant) -> None:
    chat = assistant.session()
    chat.ask("Tevimbra - what class of drug?")
    a = chat.ask("and Cyramza, is that an immunotherapy too?").to_dict()
    assert "VEGFR2" in a["text"] and "ramucirumab-label" in [c["doc_id"] for c in a["citations"]], a["text"]


def test_criteria_for_listing_for_transplantation_is_no_transplant_had() -> None:
    r = read("Could you give me the criteria used for listing HCC patients for liver transplantation")
    assert "solid_organ_transplant" not in r.values, r.values


def test_a_trials_patients_named_by_in_trial_are_not_the_patient() -> None:
    # context_rules.yaml: "in <trial>", "every patient" mark a trial's population
    r = read(
        "For context: in REACH-2 every patient had AFP >= 400 ng/mL and prior sorafenib. Mr G: AFP 95 ng/mL, after "
        "atezolizumab + bevacizumab; he has not had sorafenib."
    )
    assert r.values.get("afp_ng_ml") == 95 and r.received == ["atezolizumab+bevacizumab"], (r.values, r.received)


CASE = "62M HCC, CP A5, ECOG 1, first line, no prior systemic. options?"


@pytest.mark.parametrize(
    ("follow_up", "field", "value"),
    [
        # the review's reproductions: carried on in a patient's conversation, these are the patient's facts
        ("And can atezo-bev be given after liver transplant?", "solid_organ_transplant", True),
        ("and for ECOG 3?", "ecog", 3),
        ("Also has ulcerative colitis on infliximab?", "autoimmune_disease", True),
    ],
)
def test_a_follow_up_carried_on_in_a_patients_conversation_is_the_patients(
    assistant, follow_up: str, field: str, value: object
) -> None:
    chat = assistant.session()
    chat.ask(CASE)
    a = chat.ask(follow_up).to_dict()
    assert a["profile"].get(field) == value, (a["profile"], a["text"][:300])
    assert not [o for o in a["options"] if o["status"] == "preferred" and "+" in o["regimen"]], a["options"]


def test_a_request_opening_with_give_me_keeps_the_pasted_case(assistant) -> None:
    a = (
        assistant.session()
        .ask("Give me first-line options: 66M, CP A5, ECOG 0, naive, s/p liver transplant 2016 on tacrolimus")
        .to_dict()
    )
    assert a["profile"].get("solid_organ_transplant") is True, a["profile"]


def test_a_dose_asked_again_with_a_contraindicating_condition_is_not_the_dose_again(assistant) -> None:
    chat = assistant.session()
    chat.ask("What is the dose of lenvatinib?")
    a = chat.ask("and for a 70 kg man with Child-Pugh C?").to_dict()
    assert "starting dose is 12 mg" not in a["text"], a["text"]
