"""Facts described in words (ECOG from what the patient can do): corpus/descriptions.yaml, reading/described.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.dialogue import description_reader
from assistant.errors import CorpusError
from assistant.reading import read
from assistant.reading.described import load_scales

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def test_scales_file_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "descriptions.yaml"
    path.write_text("ecog:\n  examples:\n    0: [fully active]\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="at least two values"):
        load_scales(path)
    path.write_text("ecog:\n  safer: sideways\n  examples:\n    0: [a]\n    1: [b]\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="safer"):
        load_scales(path)
    assert set(load_scales(CORPUS / "descriptions.yaml")["ecog"].values) == {0, 1, 2, 3, 4}


def test_reader_marks_the_patients_descriptions_only() -> None:
    said = read("She sits by the window most of the day and her son helps her into the shower. CP A5.")
    assert said.described["ecog"] and "ecog" not in said.facts
    assert not read("His brother still plays golf every week. CP A5.").described  # a relative's story
    assert not read("If he could walk the dog again he would be happy.").described  # a hypothesis
    assert not read("Work-up: OGD unremarkable, CT chest clear.").described  # no word of what he can do


def test_vocabulary_phrases_read_alike(kb: Any) -> None:
    """The vocabulary's ECOG phrases, graded by the description reader alone: mostly right, and almost never
    less restrictive than the phrase's grade (the reader leans to the more restrictive grade)."""
    reader = description_reader(kb)
    assert reader is not None
    concepts = yaml.safe_load((CORPUS / "vocabulary.yaml").read_text(encoding="utf-8"))["concepts"]
    results = [
        (grade, reader.value("ecog", str(phrase))[0])
        for grade in range(5)
        for phrase in concepts[f"ECOG_{grade}"]["phrases"]
    ]
    right = sum(g == v for g, v in results)
    looser = sum(v < g for g, v in results)
    assert right / len(results) >= 0.8, (right, len(results))
    assert looser <= 3, [r for r in results if r[1] < r[0]]


@pytest.mark.parametrize(
    ("message", "grade"),
    [
        ("Home visit. These days she sits in the recliner most of the day and gets to the commode with a carer.", 3),
        ("I'm 70, the digging on the allotment is beyond me now, but I walk the dog and do my own shopping.", 1),
        ("He still works full time as a plumber and plays five-a-side football on Fridays.", 0),
        ("My father is in bed all the time now and the nurses wash and feed him.", 4),
        # words the cue list had missed: out of bed, turned, cannot hold a cup, fed by someone else
        (
            "He hasn't got out of bed for about two weeks - the nurses turn him every few hours, he can't hold a cup"
            " any more and someone has to feed him.",
            4,
        ),
    ],
)
def test_a_description_sets_the_grade_announced(assistant: Any, message: str, grade: int) -> None:
    chat = assistant.session()
    answer = chat.ask(message).to_dict()
    assert answer["profile"].get("ecog") == grade
    assert "Read from a description" in answer["text"]
    assert chat.provenance["ecog"]["how"] == "described"


def test_a_stated_grade_wins_and_a_description_never_loosens(assistant: Any) -> None:
    chat = assistant.session()
    assert chat.ask("ECOG 2. He still plays golf every weekend. CP A5.").to_dict()["profile"]["ecog"] == 2
    chat = assistant.session()
    chat.ask("ECOG 3, CP A6.")
    answer = chat.ask("He walks the dog every morning and does his own shopping.").to_dict()
    assert answer["profile"]["ecog"] == 3
    assert "3 is kept" in answer["text"]
    worse = chat.ask("Now he is in bed most of the day and needs help to wash.").to_dict()
    assert worse["profile"]["ecog"] >= 3


def test_description_cues_never_shadow_a_concept_phrase() -> None:
    """A cue of a described field that is also another concept's phrase would hide that concept's reading (two
    spans of one length: one is kept), as 'bedbound' once hid ECOG 4."""
    concepts = yaml.safe_load((CORPUS / "vocabulary.yaml").read_text(encoding="utf-8"))["concepts"]
    cues = {str(p).lower() for c in concepts.values() if c.get("described") for p in c["phrases"]}
    others = {str(p).lower() for c in concepts.values() if not c.get("described") for p in c["phrases"]}
    assert not cues & others, sorted(cues & others)


def test_words_describing_the_grade_written_leave_it_stated() -> None:
    """The grade written and words of the same grade: the written grade stays the source (a later turn's stated grade
    then corrects an earlier one instead of meeting two descriptions, where the graver would stand)."""
    fact = read("70M HCC, CP A5. ECOG 1 - walks daily, only unable to do heavy work.").facts["ecog"]
    assert (fact.value, fact.how) == (1, "stated"), fact


def test_still_working_is_no_restriction() -> None:
    """'still works' says nothing of a restriction: it does not argue with the grade written."""
    reading = read("66M HCC, CP A5, PS 0 (still works as a lorry driver), no prior systemic therapy.")
    assert reading.facts["ecog"].value == 0 and not reading.conflicts, reading.conflicts
