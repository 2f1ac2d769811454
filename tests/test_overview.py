"""The overview answer ("chemotherapy options for advanced HCC"): content, citations, both audiences."""

from __future__ import annotations

import re

import pytest

from assistant.answers.overview import CLINICIAN, Pick, _sentence, overview
from assistant.compose import clean
from assistant.errors import CorpusError
from assistant.knowledge import Passages
from assistant.settings import PROJECT_ROOT

MARKER = re.compile(r"\[(\d+)\]")


@pytest.fixture(scope="module")
def passages() -> Passages:
    return Passages(PROJECT_ROOT / "corpus")


def bullets(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("- ")]


@pytest.mark.parametrize(
    "needle",
    [
        "Atezolizumab+bevacizumab and durvalumab+tremelimumab are the preferred first-line",
        "HIMALAYA",
        "At five years",
        "CheckMate 9DW",
        "Nivolumab+ipilimumab is a first-line option",
        "upper endoscopy",
        "lenvatinib or sorafenib",
        "regorafenib",
        "cabozantinib",
        "AFP >= 400 ng/mL",
        "response rates around 10%",
        "HAIC",
        "Japan and China",
        "main portal vein invasion",
        ">= 50% of the liver",
        "Child-Pugh B",
        "best supportive care",
        "BCLC D",
        "mRECIST",
        "investigational",
        "ECOG 0-1",
    ],
)
def test_clinician_overview_holds_the_landscape(passages: Passages, needle: str) -> None:
    assert needle in overview(passages).text


def test_every_clinician_bullet_is_a_sentence_of_its_cited_passage(passages: Passages) -> None:
    answer = overview(passages)
    by_n = {c.n: c for c in answer.citations}
    assert len(bullets(answer.text)) >= 25
    for line in bullets(answer.text):
        markers = MARKER.findall(line)
        assert len(markers) == 1, line
        sentence = MARKER.sub("", line[2:]).strip()
        assert sentence in clean(by_n[int(markers[0])].quote), line
    assert len({c.source for c in answer.citations}) >= 5
    assert len(set(bullets(answer.text))) == len(bullets(answer.text)), "repeated bullet"


def test_patient_overview_is_cited_plain_and_has_no_dose(passages: Passages) -> None:
    answer = overview(passages, "patient")
    lines = bullets(answer.text)
    assert len(lines) >= 8
    assert all(MARKER.search(line) for line in lines)
    assert len({c.source for c in answer.citations}) >= 5
    assert "care team" in answer.text
    assert not re.search(r"\d\s*mg\b", answer.text)
    assert "atezolizumab+bevacizumab" in answer.text and "10%" in answer.text


def test_a_missing_sentence_is_an_error_not_a_gap(passages: Passages) -> None:
    with pytest.raises(CorpusError, match="no sentence with"):
        _sentence(passages, Pick("first-line-selection", "Summary", "a phrase the corpus never had"))
    with pytest.raises(CorpusError, match="has no section"):
        _sentence(passages, Pick("first-line-selection", "No such section", "HCC"))
    assert all(picks for _, picks in CLINICIAN)
