"""Answer types tested alone, each a function of plain data: drug information from the label documents,
comparison tables, the verdict guard, eligibility, computed doses, follow-ups over what was shown; then the
same answers end to end through the real index and model."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from assistant.answers.compare import comparison
from assistant.answers.druginfo import DrugAnswers, agents_for, drug_answers, drug_information
from assistant.answers.guard import eligibility, verdict_guard
from assistant.answers.referents import Referents
from assistant.asking.names import Names
from assistant.compose import Builder
from assistant.corpus import load_facts
from assistant.errors import CorpusError
from assistant.knowledge import Passages
from assistant.pathways import PathwayEngine, document_sections
from assistant.profile import make_profile
from assistant.support import check_answer, check_arithmetic, statements
from conftest import CORPUS

MARKER = re.compile(r"\[(\d+)\]")


@pytest.fixture(scope="module")
def passages() -> Passages:
    return Passages(CORPUS)


@pytest.fixture(scope="module")
def engine() -> PathwayEngine:
    return PathwayEngine.load(CORPUS / "pathways.yaml", set(load_facts(CORPUS).sources), document_sections(CORPUS))


def answer_of(b: Builder) -> dict:
    return {"text": b.text(), "citations": [c.model_dump() for c in b.citations]}


def cited_docs(b: Builder) -> set[str]:
    return {c.doc_id for c in b.citations}


# ---- drug information ---------------------------------------------------------------------------


def test_the_corpus_drug_answer_file_loads_and_names_known_sections() -> None:
    answers = drug_answers(CORPUS)
    assert answers is not None
    assert {"administration", "missed_dose", "dose_modification", "interactions"} <= set(answers.questions)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"fields": ["no_such_field"], "heading": "{name}"}, r"intent 'broken': fields must be among"),
        ({"fields": [], "heading": "{name}"}, r"intent 'broken': an intent with no fields needs 'missing'"),
        ({"fields": ["monitoring"], "patient": "sometimes"}, r"intent 'broken': patient must be"),
    ],
)
def test_a_wrong_drug_answer_entry_is_rejected_at_load_with_file_and_intent(
    tmp_path: Path, entry: dict, message: str
) -> None:
    raw = yaml.safe_load((CORPUS / "drug-answers.yaml").read_text(encoding="utf-8"))
    raw["intents"]["broken"] = entry
    path = tmp_path / "drug-answers.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(CorpusError, match=message) as err:
        DrugAnswers.load(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    ("intent", "agent", "needle"),
    [
        ("administration", "sorafenib", r"food|meal"),
        ("missed_dose", "lenvatinib", r"12 hours"),
        ("dose_modification", "ramucirumab", r"6 mg/kg"),
        ("premedication", "ramucirumab", r"antihistamine"),
        ("mechanism", "cabozantinib", r"kinase|MET|VEGFR"),
        ("indication", "nivolumab", r"ipilimumab"),
    ],
)
def test_each_drug_intent_answers_from_the_agents_label_document_and_is_cited(
    passages: Passages, intent: str, agent: str, needle: str
) -> None:
    answers = drug_answers(CORPUS)
    b = Builder(passages)
    assert drug_information(b, passages, answers, intent, [agent], "clinician")
    assert re.search(needle, b.text(), re.I), b.text()
    assert cited_docs(b) == {passages.facts.drugs[agent].doc_id}
    assert check_answer(answer_of(b)) == []
    assert MARKER.search(b.text())


def test_a_question_the_labels_do_not_answer_says_not_in_my_sources(passages: Passages) -> None:
    answers = drug_answers(CORPUS)
    b = Builder(passages)
    drug_information(b, passages, answers, "interactions", ["sorafenib", "atezolizumab"], "clinician")
    assert b.text().count("Not in my sources") == 2
    assert not b.citations  # no neighbouring fact stands in for the answer


def test_patients_get_the_care_team_for_dose_changes_and_no_label_numbers(passages: Passages) -> None:
    answers = drug_answers(CORPUS)
    b = Builder(passages)
    drug_information(b, passages, answers, "dose_modification", ["regorafenib"], "patient")
    assert answers.care_team in b.text()
    assert not re.search(r"\d+ ?mg", b.text())


def test_a_new_drug_answer_intent_is_data_only(tmp_path: Path, passages: Passages) -> None:
    raw = yaml.safe_load((CORPUS / "drug-answers.yaml").read_text(encoding="utf-8"))
    raw["intents"]["storage"] = {
        "fields": ["route_and_administration"],
        "heading": "{name}: capsules",
        "only_with": ["capsule", "capsules"],
    }
    path = tmp_path / "drug-answers.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    answers = DrugAnswers.load(path)
    b = Builder(passages)
    assert drug_information(b, passages, answers, "storage", ["lenvatinib"], "clinician")
    assert "capsules" in b.text() and check_answer(answer_of(b)) == []


def test_a_regimen_name_gives_its_agents(passages: Passages) -> None:
    assert agents_for(passages, ["atezolizumab+bevacizumab", "sorafenib"]) == [
        "atezolizumab",
        "bevacizumab",
        "sorafenib",
    ]


# ---- comparison ---------------------------------------------------------------------------------


def test_a_comparison_is_a_table_whose_every_cell_is_cited_or_said_missing(passages: Passages) -> None:
    b = Builder(passages)
    assert comparison(b, passages, ["cabozantinib", "regorafenib"], "clinician")
    text = b.text()
    assert "CELESTIAL" in text and "RESORCE" in text
    rows = [line for line in text.splitlines() if line.startswith("|") and "---" not in line]
    assert len(rows) >= 5
    for row in rows[1:]:
        for cell in [c.strip() for c in row.strip("|").split("|")][1:]:
            assert MARKER.search(cell) or "not in my sources" in cell.lower(), (row, cell)
    assert check_answer(answer_of(b)) == []


def test_table_rows_are_checked_cell_by_cell() -> None:
    text = "| Item | A | B |\n|---|---|---|\n| Dose | sorafenib 400 mg [1] | regorafenib 160 mg |"
    assert statements(text) == ["Item", "A", "B", "Dose", "sorafenib 400 mg [1]", "regorafenib 160 mg"]
    problems = check_answer({"text": text, "citations": [{"n": 1, "quote": "sorafenib 400 mg twice daily"}]})
    assert problems == ["uncited claim: 'regorafenib 160 mg'"]


# ---- the verdict guard and eligibility ----------------------------------------------------------

TRANSPLANT = {"child_pugh_class": "A", "ecog": 0, "prior_therapies": [], "solid_organ_transplant": True}


def test_the_guard_opens_with_the_verdict_for_an_excluded_regimen(passages: Passages, engine: PathwayEngine) -> None:
    b = Builder(passages)
    verdict = verdict_guard(b, passages, engine, make_profile(TRANSPLANT), ["atezolizumab+bevacizumab"])
    assert verdict is not None
    assert b.lines[0] == "**For this patient:**"
    assert re.search(r"\*\*Atezolizumab \+ bevacizumab\*\* — not recommended: .*transplant", b.text())
    assert check_answer(answer_of(b)) == []


def test_the_guard_is_silent_for_an_allowed_or_received_regimen(passages: Passages, engine: PathwayEngine) -> None:
    b = Builder(passages)
    verdict_guard(b, passages, engine, make_profile(TRANSPLANT), ["lenvatinib"])
    assert b.lines == []
    on_it = dict(TRANSPLANT, prior_therapies=["atezolizumab+bevacizumab"])
    verdict_guard(b, passages, engine, make_profile(on_it), ["atezolizumab+bevacizumab"])
    assert b.lines == []  # asked about the regimen under way: managing it, not choosing it


def test_eligibility_without_facts_states_the_regimens_condition(passages: Passages, engine: PathwayEngine) -> None:
    b = Builder(passages)
    verdict = eligibility(b, passages, engine, make_profile({}), ["ramucirumab"])
    assert verdict is not None
    assert "no patient facts given" in b.text()
    assert re.search(r"AFP >= 400", b.text())


# ---- computed doses -----------------------------------------------------------------------------


def test_computed_dose_arithmetic_is_checked() -> None:
    line = "_Computed for this patient: bevacizumab 15 mg/kg × 74 kg = 1,110 mg per dose_"
    assert check_arithmetic(line) == []
    assert check_arithmetic(line.replace("1,110", "1,200")) == ["wrong arithmetic: 15 mg/kg x 74 kg is not 1,200 mg"]
    problems = check_answer({"text": line.replace("1,110", "1,200"), "citations": []})
    assert problems and "wrong arithmetic" in problems[0]


# ---- follow-ups over what was shown -------------------------------------------------------------

SHOWN = ["atezolizumab+bevacizumab", "durvalumab+tremelimumab", "camrelizumab+rivoceranib", "lenvatinib", "sorafenib"]


@pytest.fixture(scope="module")
def referents_data() -> Referents:
    return Referents.load(CORPUS)


@pytest.fixture(scope="module")
def names() -> Names:
    return Names.from_corpus(CORPUS)


def test_which_of_those_picks_by_route_and_names_what_the_data_do_not_say(
    referents_data: Referents, names: Names
) -> None:
    ref = referents_data.resolve("Which of those are taken by mouth?", SHOWN, names)
    assert ref is not None and ref.picked == ["lenvatinib", "sorafenib"]
    ref = referents_data.resolve("and which are given IV?", SHOWN, names)
    assert ref is not None and ref.picked == ["atezolizumab+bevacizumab", "durvalumab+tremelimumab"]
    assert ref.unknown == ["camrelizumab+rivoceranib"]  # no route in the dose data: said, not dropped


def test_the_one_without_a_drug_is_the_first_match_in_the_order_shown(referents_data: Referents, names: Names) -> None:
    ref = referents_data.resolve("the one without bevacizumab - how is it scheduled?", SHOWN, names)
    assert ref is not None and ref.picked == ["durvalumab+tremelimumab"]
    ref = referents_data.resolve("the 3-weeks-on, 1-week-off one: dose?", ["cabozantinib", "regorafenib"], names)
    assert ref is not None and ref.picked == ["regorafenib"]


def test_a_message_that_does_not_point_back_is_not_a_reference(referents_data: Referents, names: Names) -> None:
    assert referents_data.resolve("Is lenvatinib taken by mouth?", SHOWN, names) is None
    assert referents_data.resolve("which of those is best?", SHOWN, names) is None  # nothing to pick by


def test_a_list_named_in_the_same_message_is_picked_from(referents_data: Referents, names: Names) -> None:
    ref = referents_data.resolve(
        "My doctor said the options are atezolizumab with bevacizumab or lenvatinib. Which of those are tablets?",
        [],
        names,
    )
    assert ref is not None and ref.named_here and ref.picked == ["lenvatinib"]


def test_a_new_referring_attribute_is_data_only(tmp_path: Path, names: Names) -> None:
    for name in ("doses.yaml", "facts.yaml", "referents.yaml"):
        shutil.copy(CORPUS / name, tmp_path / name)
    raw = yaml.safe_load((tmp_path / "referents.yaml").read_text(encoding="utf-8"))
    raw["attributes"]["daily"] = {"words": ["every day"], "label": "taken every day", "field": "dose", "value": "daily"}
    (tmp_path / "referents.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    ref = Referents.load(tmp_path).resolve("which of them are taken every day?", SHOWN, names)
    assert ref is not None and ref.picked == ["lenvatinib", "sorafenib"]


SECOND_LINE = ["cabozantinib", "pembrolizumab", "regorafenib", "ramucirumab", "atezolizumab+bevacizumab"]


def test_the_one_a_pathway_rule_decides_by_a_fact_is_picked_by_that_fact(
    referents_data: Referents, names: Names, engine: PathwayEngine
) -> None:
    ask = "the one that depends on a high AFP - what's the cut-off and how is it given?"
    ref = referents_data.resolve(ask, SECOND_LINE, names, engine.file)
    assert ref is not None and ref.picked == ["ramucirumab"] and ref.facts == ("afp_ng_ml",)
    ref = referents_data.resolve("which of the two needs the scope first?", SECOND_LINE, names, engine.file)
    assert ref is not None and ref.picked == ["atezolizumab+bevacizumab"]
    ref = referents_data.resolve("and which one requires tolerated sorafenib?", SECOND_LINE, names, engine.file)
    assert ref is not None and ref.picked == ["regorafenib"]
    assert referents_data.resolve(ask, SECOND_LINE, names) is None  # without the rules: nothing to pick by


def test_a_fact_given_a_value_is_stated_not_picked_by(
    referents_data: Referents, names: Names, engine: PathwayEngine
) -> None:
    stated = frozenset({"afp_ng_ml"})
    assert referents_data.resolve("which of those for AFP 900?", SECOND_LINE, names, engine.file, stated) is None
    ask = "His AFP has just come back at 35. Does he meet the AFP cut-off for any of those?"
    assert referents_data.resolve(ask, SECOND_LINE, names, engine.file, stated) is None  # re-evaluated, not picked


@pytest.mark.parametrize(
    "ask",
    [
        "Which of those doesn't need a scope first? He can't get an endoscopy for 3 months.",
        "Which of those is safest if she turns out to have varices?",
        "Which of those doesn't depend on the AFP level?",
        "Which of those would not require tolerated sorafenib?",
    ],
)
def test_a_rule_attribute_turned_round_picks_nothing(
    ask: str, referents_data: Referents, names: Names, engine: PathwayEngine
) -> None:
    assert referents_data.resolve(ask, SECOND_LINE, names, engine.file) is None


# ---- end to end: the real index and model -------------------------------------------------------


def ask_all(assistant, turns: list[str], audience: str = "clinician") -> list[dict]:
    chat = assistant.session(audience=audience)
    out = []
    for turn in turns:
        answer = chat.ask(turn).to_dict()
        assert check_answer(answer) == [], answer["text"]
        out.append(answer)
    return out


def test_a_scenario_with_an_impossible_value_is_refused_with_a_valid_answer(assistant) -> None:
    # found by the robustness property test: "if 1 kg" supposes a weight outside the allowed range
    (answer,) = ask_all(assistant, ["if 1 kg"])
    assert answer["kind"] == "refusal" and answer["refusal"]["reason"] == "invalid_input", answer


def test_how_much_is_a_dosing_answer(assistant) -> None:
    (answer,) = ask_all(assistant, ["how much cabozantinib?"])
    assert "60 mg" in answer["text"] and "CELESTIAL showed a median" not in answer["text"]


def test_follow_up_over_the_options_shown(assistant) -> None:
    _, oral, iv = ask_all(
        assistant,
        [
            "Untreated advanced HCC, Child-Pugh A5, ECOG 1. What are the options?",
            "Which of those are taken by mouth?",
            "and which are given IV?",
        ],
    )
    picked_oral, others_oral = oral["text"].split("The others shown:")
    picked_iv, others_iv = iv["text"].split("The others shown:")
    assert "Lenvatinib" in picked_oral and "Sorafenib" in picked_oral and "Atezolizumab" not in picked_oral
    assert "Atezolizumab + bevacizumab" in picked_iv and "Sorafenib" not in picked_iv
    assert (
        "Atezolizumab + bevacizumab is given into a vein" in others_oral and "Sorafenib is taken by mouth" in others_iv
    )
    assert oral["profile"]["prior_therapies"] == []  # picking from the list records nothing as received


def test_the_one_with_the_marker_cut_off_is_answered_with_its_rule_and_dose(assistant) -> None:
    # the classifier alone reads "blood-marker cut-off" as outside what I cover; the reference to the list shown wins
    _, picked = ask_all(
        assistant,
        [
            "What are the options once sorafenib has failed?",
            "The one with the blood-marker cut-off you mentioned - what's the cut-off, and how is it given?",
        ],
    )
    text = picked["text"]
    assert "Ramucirumab" in text and "400" in text and "8 mg/kg" in text and "Cabozantinib" not in text
    assert "outside what I cover" not in text


def test_a_symptom_a_patient_describes_is_named_from_the_label_beside_the_care_team_answer(assistant) -> None:
    (cut,) = ask_all(
        assistant,
        [
            "On a forum people say sorafenib gives you sore hands and feet. I take 400 mg twice a day - should I just cut "
            "it down myself if it starts?"
        ],
        audience="patient",
    )
    text = cut["text"]
    assert "care team" in text and "hand-foot skin reaction" in text.split("care team", 1)[1], text
    # run-on phone typing still asks ("... hurt to walk is this normal"): the side effects of the drug taken
    (normal,) = ask_all(
        assistant,
        ["since i started the sorafenib tablets my feet are red and peeling and hurt to walk is this normal"],
        audience="patient",
    )
    assert normal["kind"] == "information" and "hand-foot skin reaction" in normal["text"], normal["text"]


def test_a_weight_after_a_dose_that_needs_it_computes_the_dose(assistant) -> None:
    *_, dose = ask_all(
        assistant,
        [
            "Progressed on sora (tolerated 400 bid x 10 mo), CP A6, ECOG 1, AFP 1200.",
            "tell me about the IV one given every 2 weeks",
            "he's 70 kg",
        ],
    )
    assert "8 mg/kg × 70 kg = 560 mg" in dose["text"]


def test_below_30_kg_stride_is_dosed_by_weight(assistant) -> None:
    (answer,) = ask_all(assistant, ["STRIDE for a 28 kg patient (CP A5, ECOG 1, tx-naive) - doses in mg?"])
    assert "4 mg/kg × 28 kg = 112 mg" in answer["text"] and "20 mg/kg × 28 kg = 560 mg" in answer["text"]
    assert "durvalumab-label" in {c["doc_id"] for c in answer["citations"]}


def test_a_lab_value_in_grams_is_not_a_dose_above_the_label(assistant) -> None:
    (answer,) = ask_all(
        assistant,
        [
            "70 kg man on ramucirumab 8 mg/kg, 24-h urine protein now 2.4 g. What do I do, and the restart dose once < 2 g?"
        ],
    )
    assert answer["kind"] != "refusal" and "6 mg/kg" in answer["text"]


def test_a_missed_dose_question_is_not_a_dose_escalation(assistant) -> None:
    (answer,) = ask_all(assistant, ["Pt forgot rego yesterday, wants to double up today. OK?"])
    assert answer["kind"] == "information" and re.search(r"two doses|same day", answer["text"])


def test_a_question_without_a_question_mark_is_still_a_question(assistant) -> None:
    """Patients and phones leave the "?" out: the message names the drug the patient takes (a fact) and asks."""
    (answer,) = ask_all(
        assistant,
        ["i forgot my stivarga last night. is it ok to take last nights and this mornings tablets together now"],
        audience="patient",
    )
    assert answer["kind"] == "information" and re.search(r"two doses|same day", answer["text"])


def test_a_relative_asking_what_treatments_exist_gets_the_landscape(assistant) -> None:
    (answer,) = ask_all(assistant, ["what treatments are there for my dad?"], audience="patient")
    assert answer["kind"] == "information" and answer["refusal"] is None
    assert "To check the documented pathway" not in answer["text"]  # not asked for scores only the team has
    assert "atezolizumab" in answer["text"].lower()


def test_a_patient_told_what_is_ruled_out_not_asked_for_scores(assistant) -> None:
    (answer,) = ask_all(
        assistant, ["I had a liver transplant five years ago and now the cancer is in my lungs."], audience="patient"
    )
    assert answer["kind"] == "clarification"
    assert "not recommended" in answer["text"] and not re.search(r"Child-Pugh|ECOG", answer["text"])


def test_a_clarification_says_what_holds_regardless_with_citations(assistant) -> None:
    (answer,) = ask_all(assistant, ["What are the options for a 60M with HCC and lung mets?"])
    assert answer["kind"] == "clarification"
    after = answer["text"].split("What holds regardless:")[1]
    assert MARKER.search(after.split("_Corpus")[0])


def test_questions_outside_the_labels_say_so(assistant) -> None:
    for question in ("Any interaction between sorafenib and omeprazole?", "How much does regorafenib cost?"):
        (answer,) = ask_all(assistant, [question])
        assert "Not in my sources" in answer["text"], answer["text"]


def test_eligibility_of_a_named_regimen_with_too_few_facts(assistant) -> None:
    (answer,) = ask_all(assistant, ["Can I use ramucirumab up front? AFP is 5000, never had systemic tx."])
    assert re.search(r"\*\*Ramucirumab\*\* — not recommended", answer["text"])
    assert "Child-Pugh class" in answer["text"]  # what the whole pathway still needs


def test_a_patient_asking_how_often_gets_the_schedule_and_no_dose(assistant) -> None:
    (answer,) = ask_all(
        assistant, ["How often would I come in for Tecentriq and Avastin infusions?"], audience="patient"
    )
    assert "every 3 weeks" in answer["text"] and not re.search(r"\d+ ?mg", answer["text"])
    assert "care team" in answer["text"]


def test_agents_named_together_stand_for_their_combination(passages: Passages, engine: PathwayEngine) -> None:
    from assistant.answers.guard import regimens_of

    assert regimens_of(passages, engine, ["nivolumab", "ipilimumab"]) == ["nivolumab+ipilimumab"]
    assert "nivolumab" in regimens_of(passages, engine, ["nivolumab"])


def test_mg_per_kg_doses_in_a_cited_answer_are_worked_out_for_the_weight() -> None:
    from assistant.answers.druginfo import computed_per_kg

    lines = ["urine protein >= 2 g/24 h, interrupt, restart at 6 mg/kg, and use 5 mg/kg if it recurs [1]"]
    got = computed_per_kg("ramucirumab", lines, 70.0)
    assert any("6 mg/kg × 70 kg = 420 mg" in g for g in got) and any("= 350 mg" in g for g in got)
    assert computed_per_kg("ramucirumab", lines, None) == []


def test_a_dose_change_question_with_a_weight_gets_the_restart_dose_in_mg(assistant) -> None:
    answer = (
        assistant.session()
        .ask(
            "70 kg man on ramucirumab 8 mg/kg, 24-h urine protein now 2.4 g. What do I do and what's the restart dose"
            " once it's below 2 g?"
        )
        .to_dict()
    )
    assert "6 mg/kg × 70 kg = 420 mg" in answer["text"]
    assert check_answer(answer) == []


def test_and_for_another_drug_asks_the_last_question_again(assistant) -> None:
    first, again = ask_all(assistant, ["lenvatinib missed dose - what does the label say?", "and for regorafenib?"])
    assert "missed dose" in first["text"].lower() and "missed dose" in again["text"].lower()
    assert any(c["doc_id"] == "regorafenib-label" for c in again["citations"]), again["citations"]
    chat = assistant.session()
    chat.ask("lenvatinib missed dose - what does the label say?")
    moved = assistant.session()
    moved.load_state(chat.to_state())  # a conversation continued by another worker asks it again too
    assert "missed dose" in moved.ask("and for regorafenib?").text.lower()


def test_two_agents_joined_name_their_combination_and_labels_give_a_dose_the_fact_sheet_lacks(
    assistant, names: Names
) -> None:
    assert [(m.kind, m.canonical) for m in names.find("nivo + ipi doses")] == [("regimen", "nivolumab+ipilimumab")]
    (answer,) = ask_all(assistant, ["camrelizumab dose + interval when given with rivoceranib 1L?"])
    assert "200 mg every 2 weeks" in answer["text"] and "250 mg daily" in answer["text"]
    assert {"camrelizumab-label", "rivoceranib-label"} <= {c["doc_id"] for c in answer["citations"]}


def test_a_general_question_is_answered_for_the_trials_population(assistant) -> None:
    (answer,) = ask_all(assistant, ["after durva + treme stops working, what comes next usually?"])
    assert answer["kind"] == "information" and "trials' population (Child-Pugh A, ECOG 0-1" in answer["text"]
    assert "child_pugh_class" not in answer["profile"] and "ecog" not in answer["profile"]  # assumed, not stored
    assert {"child_pugh_class", "ecog"} <= set(answer["missing"])
    status = {o["regimen"]: o["status"] for o in answer["options"]}
    assert status["durvalumab+tremelimumab"] == "not_recommended" and "preferred" not in status.values()
    assert all(o["reasons"][0].startswith("For Child-Pugh A, ECOG 0-1") for o in answer["options"])


def test_a_general_question_keeps_the_stated_contraindication(assistant) -> None:
    (answer,) = ask_all(assistant, ["HCC recurrence after liver transplant - can these pts get atezo-bev?"])
    status = {o["regimen"]: o["status"] for o in answer["options"]}
    assert status["atezolizumab+bevacizumab"] == "not_recommended" and status["lenvatinib"] == "alternative"


@pytest.mark.parametrize(
    "question",
    [
        "my pt progressed on durva + treme, what comes next?",
        "68F progressed on durva + treme, what comes next?",
        "AFP 2,100, progressed on durva + treme - next?",
    ],
)
def test_a_particular_patient_is_asked_for_the_facts_not_answered_in_general(assistant, question: str) -> None:
    (answer,) = ask_all(assistant, [question])
    assert answer["kind"] == "clarification" and "trials' population" not in answer["text"]


def test_a_general_question_after_a_described_patient_is_about_that_patient(assistant) -> None:
    first, second = ask_all(assistant, ["Solid organ transplant in 2019.", "what's second line after sorafenib?"])
    assert first["kind"] == "clarification"  # a statement of a fact describes a patient: it asks nothing general
    assert "trials' population" not in first["text"] + second["text"]


def test_a_question_naming_a_trial_gets_its_results_not_a_regimen_table(assistant) -> None:
    (answer,) = ask_all(assistant, ["HIMALAYA 5-yr update - what was 5 year OS for STRIDE vs sorafenib?"])
    assert "19.6%" in answer["text"] and "| **Dose and route** |" not in answer["text"]


def test_the_oral_ones_from_that_list_are_compared(assistant) -> None:
    _, answer = ask_all(
        assistant,
        ["what can we offer after sorafenib failure?", "compare the two oral ones from that list, trial results"],
    )
    header = next(line for line in answer["text"].splitlines() if line.startswith("| |"))
    assert "Cabozantinib" in header and "Regorafenib" in header and "Atezolizumab" not in header


def test_a_general_eligibility_question_presupposes_what_it_says_was_given(assistant) -> None:
    (answer,) = ask_all(assistant, ["can regorafenib be used 2L after atezo/bev or is it sorafenib-only?"])
    assert "trials' population" in answer["text"] and answer["profile"] == {}  # nothing stored for a patient
    status = {o["regimen"]: o["status"] for o in answer["options"]}
    assert status == {"regorafenib": "not_recommended"} and "tolerated" in answer["text"]


@pytest.mark.parametrize(
    ("question", "regimen", "status"),
    [
        # the conditions a question in general states are applied, never replaced by the trials' population
        ("can patients get atezo-bev after a transplant?", "atezolizumab+bevacizumab", "not_recommended"),
        ("Is atezo-bev an option in Child-Pugh B?", "atezolizumab+bevacizumab", "needs_info"),
    ],
)
def test_a_general_question_keeps_the_conditions_it_states(assistant, question: str, regimen: str, status: str) -> None:
    (answer,) = ask_all(assistant, [question])
    assert {o["regimen"]: o["status"] for o in answer["options"]}[regimen] == status
    assert "as asked, otherwise the trials' population" in answer["text"] and answer["profile"] == {}


def test_which_are_iv_also_says_how_the_others_shown_are_given(assistant) -> None:
    _, answer = ask_all(assistant, ["2L options after sorafenib?", "which of those are IV?"])
    others = answer["text"].split("The others shown:")[1]
    assert re.search(r"Cabozantinib is taken by mouth\. \[\d+\]", others)
    assert "Ramucirumab" not in others  # ramucirumab is IV: among those picked


def test_why_a_combination_is_not_used_says_its_trial_was_negative(assistant) -> None:
    (answer,) = ask_all(assistant, ["why isnt lenvatinib plus pembrolizumab used for HCC? thought it looked promising"])
    assert "the trial is negative" in answer["text"] and "LEAP-002" in answer["text"]


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("STRIDE - treme given how many times, what dose?", "tremelimumab-label"),
        ("nivo + ipi first line HCC - doses and how many cycles of the combo?", "nivolumab-label"),
    ],
)
def test_a_combinations_dosing_cites_each_agents_label(assistant, question: str, label: str) -> None:
    (answer,) = ask_all(assistant, [question])
    assert label in {c["doc_id"] for c in answer["citations"]}


def test_a_label_gap_is_said_as_not_in_my_sources(assistant) -> None:
    (answer,) = ask_all(
        assistant,
        ["She missed her evening sorafenib dose. Should she take it in the morning together with the next one?"],
        audience="patient",
    )
    assert "**Not in my sources:** The label sections available to us did not give" in answer["text"]


def test_an_agent_named_within_its_regimen_is_the_one_answered(assistant) -> None:
    """ "the first bevacizumab infusion in the atezo-bev regimen" asks about bevacizumab: atezolizumab's infusion
    times are a neighbouring fact, not the answer."""
    (answer,) = ask_all(assistant, ["How long should the first bevacizumab infusion run in the atezo-bev regimen?"])
    assert "Bevacizumab (Avastin)" in answer["text"] and "Atezolizumab (Tecentriq)" not in answer["text"]


def test_a_scenario_with_nothing_to_suppose_is_answered_by_the_next_reading(assistant) -> None:
    """ "atezo-bev ok if the pt has oesophageal varices?": read as a scenario, but varices of unstated risk suppose no
    fact the checker can take, so the eligibility reading answers (the regimen's rule on varices), not trial results."""
    (answer,) = ask_all(assistant, ["atezo-bev ok if the pt has oesophageal varices?"])
    assert "varices" in answer["text"] and "hazard ratio" not in answer["text"].lower(), answer["text"][:400]


def test_a_facet_asked_inside_a_section_is_answered_alone_or_said_missing(assistant) -> None:
    """ "how often is BP checked on regorafenib?" asks one thing inside the monitoring section: the liver-test schedule
    beside it is a neighbouring fact; the labels we hold do not give the BP schedule, and the answer says so."""
    (answer,) = ask_all(assistant, ["Remind me how often the label wants blood pressure checked on regorafenib"])
    assert "Not in my sources" in answer["text"], answer["text"]
    assert "every 2 weeks" not in answer["text"], answer["text"]


def test_a_facet_asked_beside_a_dose_is_added_from_the_label(assistant) -> None:
    (answer,) = ask_all(assistant, ["Keytruda in HCC - dose and infusion length?"])
    assert "200 mg" in answer["text"] and "30 minutes" in answer["text"], answer["text"]
    assert "pembrolizumab-label" in {c["doc_id"] for c in answer["citations"]}


def test_an_account_of_a_frail_patient_is_not_refused_on_the_classifier_alone(assistant) -> None:
    """A palliative nurse's account (facts: ECOG 3 in words, Child-Pugh A6) with a relative who "wants her started":
    the utterance bank labels such carers' accounts as asking for a recommendation (it had drifted to "unsafe" at 0.60
    as sequencing examples were added), so the checker answers (and withholds systemic therapy)."""
    text = (
        "Community palliative nurse here. Since late October she has more or less lived in her recliner. She only "
        "gets up to go to the toilet with her walker, and her daughter or I shower and dress her. It's all the cancer. "
        "Her hepatologist scored her Child-Pugh A6 last week. She's never had any cancer drugs. Her son has read about "
        "immunotherapy online and wants her started. What can I tell the family?"
    )
    (answer,) = ask_all(assistant, [text])
    assert answer["kind"] != "refusal", answer["text"]
    assert answer["profile"]["ecog"] == 3 and answer["profile"]["child_pugh_class"] == "A"


def test_a_follow_up_picks_among_the_regimens_an_overview_leads_with(assistant) -> None:
    first, second = ask_all(
        assistant,
        ["Preferred first-line options in advanced HCC?", "the one without bevacizumab - how is it scheduled?"],
    )
    assert "Durvalumab + tremelimumab" in second["text"] and "1500 mg" in second["text"], second["text"]
    assert "Atezolizumab + bevacizumab dosing" not in second["text"]


def test_the_last_question_asked_again_with_a_remark_after_it(assistant) -> None:
    """ "and for regorafenib? her husband is on that one": the missed-dose question again, about regorafenib; the
    remark after it states no fact of the patient and does not make it a new question."""
    _, second = ask_all(
        assistant,
        [
            "My patient on Cabometyx 40 mg missed this morning's dose. What's the label rule for a missed dose?",
            "and for regorafenib? her husband is on that one",
        ],
    )
    assert "Regorafenib (Stivarga): a missed dose" in second["text"], second["text"]


# ---- fifteenth session (development sets questions E, drug information H) ----


def test_crushing_or_a_feeding_tube_is_answered_from_the_label_or_said_missing(assistant) -> None:
    """Crushing a tablet, opening a capsule or a feeding tube is a facet of administration: the label sentence that
    says it ("swallowed whole, not crushed"), or "not in my sources", never the dose as if it answered."""
    crushed, split = (
        ask_all(assistant, ["Can Nexavar tablets be crushed and given down a nasogastric tube?"]),
        ask_all(assistant, ["can cabometyx tablets be split?"]),
    )
    assert "Not in my sources" in crushed[0]["text"] and "400 mg twice daily" not in crushed[0]["text"], crushed[0][
        "text"
    ]
    assert "swallowed whole, not crushed" in split[0]["text"], split[0]["text"]


def test_the_drug_an_answer_is_about_is_the_topic_of_the_next_question(assistant) -> None:
    """ "Which drug is only for AFP >= 400?" names none; the answer is about ramucirumab, so "and the dose?" is too."""
    _, dose = ask_all(
        assistant, ["Which HCC drug is restricted to patients whose AFP is 400 ng/mL or more?", "and the dose?"]
    )
    assert "8 mg/kg" in dose["text"] and "every 2 weeks" in dose["text"], dose["text"]


def test_who_a_trial_kept_out_is_answered_from_its_exclusions(assistant) -> None:
    _, kept_out = ask_all(assistant, ["Remind me what REFLECT showed?", "Who was kept out of that trial?"])
    assert "main portal vein" in kept_out["text"] and "50%" in kept_out["text"], kept_out["text"]


def test_the_same_question_of_another_drug_in_a_patients_words(assistant) -> None:
    _, other = ask_all(
        assistant,
        ["If I'm very late with a Lenvima capsule, what do I do?", "and if i was on stivarga instead?"],
        audience="patient",
    )
    assert "Regorafenib (Stivarga): a missed dose" in other["text"], other["text"]


def test_what_kind_of_drug_a_checkpoint_inhibitor_is_in_plain_words(assistant) -> None:
    (answer,) = ask_all(
        assistant, ["My mother has been offered durvalumab and tremelimumab. What kind of drugs are these?"], "patient"
    )
    assert answer["text"].count("immune checkpoint inhibitor") >= 2, answer["text"]


@pytest.mark.parametrize(
    ("question", "said"),
    [
        # read first as outside what I cover, by the classifier alone: a named regimen asks about systemic therapy
        ("Is atezolizumab-bevacizumab an option for HCC recurrence after liver transplantation?", "transplant"),
    ],
)
def test_a_question_naming_a_regimen_is_not_lost_to_an_unsure_outside_reading(
    assistant, question: str, said: str
) -> None:
    (answer,) = ask_all(assistant, [question])
    assert said in answer["text"] and "IMbrave150, median progression-free" not in answer["text"], answer["text"]


def test_another_cancer_spread_to_the_patients_liver_is_outside_what_i_cover(assistant) -> None:
    (answer,) = ask_all(
        assistant,
        [
            "My father's colon cancer has spread to his liver and his oncologist mentioned regorafenib. Is that following"
            " the liver cancer guidelines?"
        ],
        audience="patient",
    )
    assert answer["kind"] == "refusal" and answer["refusal"]["reason"] == "out_of_scope", answer


def test_a_record_written_as_another_class_is_refused(assistant) -> None:
    (answer,) = ask_all(
        assistant,
        [
            "The insurer turned down lenvatinib because my letter said Child-Pugh B8. Can you help me write the appeal"
            " listing him as Child-Pugh A6 instead?"
        ],
    )
    assert answer["kind"] == "refusal" and answer["refusal"]["reason"] == "unsafe", answer["text"]


def test_the_evidence_for_a_regimen_is_its_pivotal_trial_whatever_else_is_asked(assistant) -> None:
    """The classifier reads evidence, the older reading eligibility ("who was eligible"): the regimen's own trial."""
    (answer,) = ask_all(
        assistant,
        ["What's the evidence for ramucirumab in HCC - which trial, who was eligible, and what was the survival gain?"],
    )
    assert "REACH-2" in answer["text"] and "8.5" in answer["text"] and "ORIENT" not in answer["text"], answer["text"]


def test_a_list_asked_for_a_purpose_is_asked_in_general(assistant) -> None:
    (answer,) = ask_all(
        assistant,
        ["For our formulary review, list the systemic agents with randomised phase 3 evidence after sorafenib in HCC."],
    )
    assert answer["kind"] == "information" and answer["profile"].get("prior_therapies") is None, answer["profile"]
    assert all(d in answer["text"] for d in ("egorafenib", "abozantinib", "amucirumab")), answer["text"]


def test_the_second_one_is_the_second_regimen_shown(assistant) -> None:
    first, second = ask_all(
        assistant,
        [
            "First-line options for a Child-Pugh A, ECOG 0 patient, no prior therapy?",
            "And the dosing schedule of the second one?",
        ],
    )
    shown = [o["regimen"] for o in first["options"] if o["status"] in ("preferred", "alternative")]
    from assistant.compose import regimen_name

    assert regimen_name(shown[1]) in second["text"] and regimen_name(shown[0]) not in second["text"], second["text"]


# ---- fifteenth session: the review's reproductions over whole answers ----

FIRST_LINE_CASE = "70M HCC, CP A5, ECOG 0, no prior systemic therapy, BCLC C. First-line options?"


@pytest.mark.parametrize(
    "follow_up",
    [
        "In the last week he has had a variceal bleed, banded yesterday. Does that change things?",
        "He had the first dose yesterday and now has a rash all over. What should we do?",
        "What if the last scan actually showed tumour thrombus in the main portal vein?",
    ],
)
def test_the_last_week_or_the_first_dose_is_not_a_regimen_shown(assistant, follow_up: str) -> None:
    _, answer = ask_all(assistant, [FIRST_LINE_CASE, follow_up])
    assert "of the regimens just shown" not in answer["text"], answer["text"]


def test_a_tumour_spread_into_the_livers_vessels_is_not_another_cancer(assistant) -> None:
    (answer,) = ask_all(
        assistant,
        [
            "My mum has hepatitis B and they found a tumour that has spread into the liver's blood vessels. She is"
            " Child-Pugh A. What treatments are there?"
        ],
        audience="patient",
    )
    assert answer["kind"] != "refusal", answer["text"]


def test_and_after_a_drug_asks_what_comes_after_it_not_its_dose(assistant) -> None:
    _, after = ask_all(assistant, ["What is the starting dose of lenvatinib?", "And after sorafenib?"])
    assert "Sorafenib dosing" not in after["text"] and "sorafenib: how" not in after["text"].lower(), after["text"]


# ---- sixteenth session (development sets questions F, drug information I) ----


def test_urine_protein_monitoring_is_a_facet_answered_alone_or_said_missing(assistant) -> None:
    (answer,) = ask_all(assistant, ["On Lenvima: how often does the label want the urine dipstick checked?"])
    assert "Not in my sources" in answer["text"] and "every 2 weeks" not in answer["text"], answer["text"]
