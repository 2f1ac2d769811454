"""Differences the twenty-first session's review reproduced against the parent of its reading change (pipe tables,
sites outside the liver, scanned notes), each now a test: a fact lost, invented or misread is a harm."""

from __future__ import annotations

import pytest

from assistant.reading import read


def test_a_typed_transcript_keeps_the_patients_transplant() -> None:
    # "transcript" marked a dictated note, and the spelled-letter join made "he's a" into "he'SA": the transplant was
    # given to the calling relative
    text = (
        "Transcript of call. Wife: he's a transplant patient, kidney, on tacrolimus. HCC, Child-Pugh A5, ECOG 1, "
        "never treated. Can he have immunotherapy?"
    )
    assert read(text).values.get("solid_organ_transplant") is True


@pytest.mark.parametrize(
    ("row", "field", "value"),
    [
        ("| ECOG | 1 | 3 weeks ago |", "ecog", 1),
        ("| ECOG | 0 | 4 days ago |", "ecog", 0),
        ("| Child-Pugh | A5 | 3 weeks ago |", "child_pugh_score", 5),
    ],
)
def test_a_cell_of_words_after_a_scale_is_no_further_reading(row: str, field: str, value: int) -> None:
    assert read(f"| Item | Value | When |\n{row}\n").values.get(field) == value


def test_a_bound_in_the_latest_column_is_asked_about_not_taken_for_a_reference_limit() -> None:
    text = "| Test | 02-Oct | 01-Dec |\n|---|---|---|\n| AFP (ng/mL) | 1200 | <8 |\n"
    reading = read(text)
    assert any("bound" in u or "current" in u for u in reading.unread), (reading.values, reading.unread)


@pytest.mark.parametrize(
    "text",
    [
        "FAX RECEIVED. Staging TNM T4 N0 M0, main portal vein tumour thrombus. Child-Pugh A5, ECOG 0, naive.",
        "Tel 020 7946 0000  Fax 020 7946 0001\nStaging T3 N0 M0; main portal vein tumour thrombus. Child-Pugh A5.",
    ],
)
def test_a_faxed_staging_code_is_not_read_as_a_word(text: str) -> None:
    assert read(text).values.get("main_portal_vein_invasion") is True


def test_a_faxed_number_with_its_unit_keeps_its_decimal() -> None:
    text = "FAX RECEIVED. Bilirubin 3.1mg/dL, albumin 3.6 g/dL, INR 1.1, no ascites, no encephalopathy. ECOG 0, naive."
    assert read(text).values.get("bilirubin_mg_dl") == pytest.approx(3.1)


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("FAX RECEIVED. Child-Pugh B and ECOG 2.", "child_pugh_class", "B"),
        (
            "My husband's oncologist faxed the letter. He's on lenvatinib since May. What next?",
            "prior_therapies",
            ["lenvatinib"],
        ),
    ],
)
def test_a_scanned_note_joins_no_words(text: str, field: str, value: object) -> None:
    assert read(text).values.get(field) == value


@pytest.mark.parametrize(
    "text",
    [
        "CT: multiple lung metastases and reactive mediastinal nodes.",
        "Lung metastases with reactive changes.",
        "Peritoneal deposits, reactive ascites.",
    ],
)
def test_reactive_said_of_something_else_leaves_metastases_standing(text: str) -> None:
    assert read(text).values.get("extrahepatic_spread") is True


@pytest.mark.parametrize(
    "text",
    [
        "HCC 5 cm, lymph nodes normal.",
        "Now recurrence in the graft, no new lesions in lung or bone.",
        "Rib fracture secondary to a fall. HCC 4 cm.",
        "Adrenal failure after atezolizumab for HCC, on hydrocortisone.",
        "Lung involvement with COVID in 2021. HCC 3 cm.",
        "Mum has new brain fog. HCC, Child-Pugh A.",
        "CT brain for new confusion. HCC known.",
        "Mass effect on the right lung base from the liver. HCC 9 cm.",
        "L1: atezo/bev (PD with new liver lesions), L2: lenvatinib",
    ],
)
def test_a_site_word_beside_a_word_said_of_something_else_is_no_spread(text: str) -> None:
    assert read(text).values.get("extrahepatic_spread") is not True, text
