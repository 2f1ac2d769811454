"""Follow-ups that carry the last question on ("and in Child-Pugh B?", "and for a 54 kg woman?"): the words that
carry it on and the words an elliptical question may hold are data (vocabulary.yaml `continuation_openers`,
utterances.yaml `ellipsis`); the conditions it states are asked about, never recorded for a patient."""

from __future__ import annotations

import pytest

from assistant.reading import read


@pytest.mark.parametrize("text", ["and in Child-Pugh B?", "so what about Child-Pugh B?", "And for Child-Pugh B7?"])
def test_a_continued_question_in_general_states_conditions_not_facts(text: str) -> None:
    r = read(text)
    stated = {k: f.value for k, f in r.conditions.items()}
    assert stated.get("child_pugh_class") == "B" and "child_pugh_class" not in r.values, (stated, r.values)


def test_a_continued_question_about_a_patient_stays_the_patients() -> None:
    assert read("and is she Child-Pugh B?").values.get("child_pugh_class") == "B"


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
        ("And the durvalumab-only arm?", "durvalumab"),  # a hyphen word from vocabulary.yaml `name_hyphen_words`
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
    a = chat.ask("And the durvalumab-only arm?").to_dict()
    assert "non-inferior" in a["text"] and "16.6" in a["text"], a["text"]


def test_a_follow_up_carried_on_that_the_classifier_is_unsure_of_asks_the_last_question(assistant) -> None:
    chat = assistant.session()
    chat.ask("Tevimbra - what class of drug?")
    a = chat.ask("and Cyramza, is that an immunotherapy too?").to_dict()
    assert "VEGFR2" in a["text"] and "ramucirumab-label" in [c["doc_id"] for c in a["citations"]], a["text"]


@pytest.mark.parametrize(
    "text",
    [
        "Rank the first-line systemic regimens for advanced HCC: top tier first.",
        "Name the two preferred first-line regimens for advanced HCC and give me the schedule of the first.",
        "Walk me through the first-line options for advanced HCC.",
    ],
)
def test_a_request_in_general_states_no_fact_of_a_patient(text: str) -> None:
    r = read(text)
    assert "line_of_therapy" not in r.values and r.conditions.get("line_of_therapy") is not None, (r.values, text)


def test_criteria_for_listing_for_transplantation_is_no_transplant_had() -> None:
    r = read("Could you give me the criteria used for listing HCC patients for liver transplantation")
    assert "solid_organ_transplant" not in r.values, r.values


def test_a_case_presented_with_a_what_if_gets_its_own_verdict_and_the_change_beside_it(assistant) -> None:
    text = (
        "He progressed on sorafenib after 8 months at full dose with no dose reductions. Child-Pugh A5, ECOG 1, "
        "AFP 210 ng/mL. If his AFP were to rise above 400, would ramucirumab become an option? For now: which "
        "second-line options?"
    )
    a = assistant.session().ask(text).to_dict()
    status = {o["regimen"]: o["status"] for o in a["options"]}
    assert status["ramucirumab"] == "not_recommended" and status["regorafenib"] in ("preferred", "alternative")
    assert "Ramucirumab: not recommended -> " in a["text"], a["text"]
    assert a["profile"]["afp_ng_ml"] == 210, a["profile"]
