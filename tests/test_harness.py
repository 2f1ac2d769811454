"""The suite harness follows the contract's semantics: each expectation key can pass and can fail."""

from __future__ import annotations

import pytest

from assistant.harness import Expect, check_turn

ANSWER = {
    "kind": "recommendation",
    "text": "Regorafenib or cabozantinib [1]. Median PFS 5.2 vs 1.9 months [2].",
    "options": [
        {"regimen": "regorafenib", "status": "alternative"},
        {"regimen": "atezolizumab+bevacizumab", "status": "preferred"},
        {"regimen": "sorafenib", "status": "not_recommended"},
        {"regimen": "ramucirumab", "status": "needs_info"},
    ],
    "citations": [
        {"n": 1, "source": "resorce", "doc_id": "regorafenib"},
        {"n": 2, "source": "celestial", "doc_id": "celestial"},
    ],
    "profile": {"afp_ng_ml": 1200.0, "ecog": 1, "prior_therapies": ["sorafenib"], "sorafenib_tolerated": True},
    "missing": ["afp_ng_ml"],
    "refusal": None,
}


@pytest.mark.parametrize(
    ("passing", "failing"),
    [
        ({"kind": "recommendation"}, {"kind": "information"}),
        ({"kind_any": ["refusal", "recommendation"]}, {"kind_any": ["refusal", "clarification"]}),
        ({"offers": ["regorafenib", "atezolizumab+bevacizumab"]}, {"offers": ["ramucirumab"]}),
        ({"offers": ["regorafenib"]}, {"offers": ["cabozantinib"]}),  # not among the options at all
        ({"prefers": ["atezolizumab+bevacizumab"]}, {"prefers": ["regorafenib"]}),
        ({"withholds": ["sorafenib", "ramucirumab", "lenvatinib"]}, {"withholds": ["regorafenib"]}),
        ({"no_preferred": False}, {"no_preferred": True}),
        ({"cites": ["resorce", "celestial"]}, {"cites": ["reach-2"]}),
        ({"cites": ["regorafenib"]}, {"cites": ["regorafenib-label"]}),  # the document holding the passage
        ({"cites_any": ["reach-2", "celestial"]}, {"cites_any": ["reach-2", "sharp"]}),
        ({"mentions": ["5\\.2", "CABOZANTINIB"]}, {"mentions": ["8\\.5"]}),
        ({"not_mentions": ["ramucirumab"]}, {"not_mentions": ["regorafenib"]}),
        ({"asks_for": ["afp_ng_ml"]}, {"asks_for": ["ecog"]}),
        ({"profile": {"afp_ng_ml": 1200, "ecog": 1}}, {"profile": {"afp_ng_ml": 1210}}),
        ({"profile": {"prior_therapies": ["sorafenib"]}}, {"profile": {"prior_therapies": []}}),
        ({"profile": {"sorafenib_tolerated": True}}, {"profile": {"sorafenib_tolerated": False}}),
        ({"profile": {"ecog": 1}}, {"profile": {"child_pugh_class": "A"}}),  # absent counts as failed
        ({}, {"refusal_reason": "off_pathway"}),
    ],
)
def test_each_expectation_key_can_pass_and_fail(passing: dict, failing: dict) -> None:
    assert check_turn(Expect(**passing), ANSWER) == []
    failures = check_turn(Expect(**failing), ANSWER)
    assert len(failures) == 1, failures
    assert failures[0].split(":")[0] == next(iter(failing))


def test_refusal_reason_checks_the_refusal() -> None:
    refusal = {**ANSWER, "kind": "refusal", "refusal": {"reason": "off_pathway", "message": "no"}}
    assert check_turn(Expect(kind="refusal", refusal_reason="off_pathway"), refusal) == []
    assert check_turn(Expect(refusal_reason="unsafe"), refusal)


def test_unknown_expectation_keys_are_rejected() -> None:
    with pytest.raises(ValueError):
        Expect(offer=["sorafenib"])
