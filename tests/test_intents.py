"""The older refusal rules of assistant.intents, read sentence by sentence."""

from __future__ import annotations

import pytest

from assistant.intents import classify


@pytest.mark.parametrize(
    "text",
    [
        "Can we combine TACE with lenvatinib for him?",
        "Tumour board question about the patient with the large segment 8 lesion: can we give TACE\nwith lenvatinib?",
    ],
)
def test_a_request_to_combine_locoregional_and_systemic_therapy_is_refused(text: str) -> None:
    intent = classify(text, has_topic=True, has_facts=False, new_facts=False)
    assert intent.refusal_reason == "off_pathway" and intent.refusal_detail == "locoregional combination"


def test_locoregional_history_beside_an_unrelated_request_word_is_not_a_combination() -> None:
    text = (
        "63F, HCC, on lenvatinib 8 mg since June (before that TACE x4 and Y-90 in 2025). "
        "She bled in April, eradication programme still ongoing."
    )
    intent = classify(text, has_topic=True, has_facts=True, new_facts=True)
    assert intent.refusal_detail != "locoregional combination"
