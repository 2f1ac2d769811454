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
