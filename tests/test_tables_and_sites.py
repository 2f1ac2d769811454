"""Pasted tables with cells between pipes (a spreadsheet in Markdown, a laboratory system's pipe export) and disease
outside the liver named by its site beside a tumour word: each read by a general mechanism whose words are data (the
vocabulary's SITE, SITE_OTHER and TUMOUR_WORD concepts with `when_near` and `cue_only`, the context rules)."""

from __future__ import annotations

import pytest

from assistant.reading import read
from assistant.reading.context import analyse
from assistant.reading.reader import _normalised
from assistant.reading.vocabulary import vocabulary

LONG_TABLE = """| Field | Value | Unit | Date |
|---|---|---|---|
| Child-Pugh | A5 | | 2026-11-20 |
| ECOG | 0 | | 2026-11-20 |
| AFP | 310 | IU/mL | 2026-11-20 |
| Weight | 88 | kg | 2026-11-20 |
"""


def test_a_tables_cell_border_lies_between_a_label_and_its_value_and_between_a_value_and_its_unit() -> None:
    values = read(LONG_TABLE).values
    assert values.get("child_pugh_class") == "A" and values.get("child_pugh_score") == 5, values
    assert values.get("ecog") == 0, values
    # 310 IU/mL is 375 ng/mL (x 1.21): the unit in its own cell is the value's, never dropped
    assert values.get("afp_ng_ml") == pytest.approx(375.1, abs=0.1), values
    assert values.get("weight_kg") == 88, values


def test_a_pipe_export_reads_each_result_with_its_unit_and_not_its_reference_range() -> None:
    text = (
        "OBX|TBIL|Bilirubin total|19|umol/L|N|3-21\n"
        "OBX|ALB|Albumin|38|g/L|N|35-50\n"
        "OBX|INR|INR|1.1||N|0.8-1.2\n"
        "OBX|AFP|Alpha-fetoprotein|385|ug/L|H|0-7\n"
    )
    reading = read(text)
    assert reading.values.get("bilirubin_mg_dl") == pytest.approx(19 / 17.1, abs=0.01), reading.values
    assert reading.values.get("albumin_g_dl") == pytest.approx(3.8), reading.values
    assert reading.values.get("inr") == pytest.approx(1.1), reading.values
    assert reading.values.get("afp_ng_ml") == pytest.approx(385), reading.values


def test_a_scale_row_under_a_header_of_dates_takes_the_latest_column() -> None:
    text = (
        "| Parameter | 14-Oct | 11-Nov | 04-Dec |\n|---|---|---|---|\n"
        "| Bilirubin (mg/dL) | 2.1 | 2.9 | 3.4 |\n| ECOG | 1 | 1 | 2 |\n| Child-Pugh | B8 | C10 | C11 |\n"
    )
    values = read(text).values
    assert values.get("ecog") == 2, values
    assert values.get("child_pugh_class") == "C" and values.get("child_pugh_score") == 11, values
    assert values.get("bilirubin_mg_dl") == pytest.approx(3.4), values


def test_a_table_whose_header_names_analytes_takes_each_rows_date_from_its_date_column() -> None:
    text = (
        "| Visit | Date | Child-Pugh | ECOG | AFP (ng/mL) | Weight (kg) |\n|---|---|---|---|---|---|\n"
        "| Baseline | 2026-03-02 | A5 | 0 | 1,900 | 74 |\n| Today | 2026-12-04 | B8 | 2 | 3,100 | 66 |\n"
        "| C4 | 2026-05-11 | A6 | 1 | 980 | 72 |\n"
    )
    values = read(text).values
    assert values.get("ecog") == 2, values
    assert values.get("afp_ng_ml") == 3100, values
    assert values.get("weight_kg") == 66, values
    assert values.get("child_pugh_score") == 8, values


@pytest.mark.parametrize(
    "text",
    [
        "HCC recurrence 2026 - bone (T10) and graft. Child-Pugh A5.",
        "Triphasic CT: 4.5 cm seg VIII + 2 satellites; R adrenal 2.2 cm -> biopsy: HCC",
        "Sorafenib 400 mg bd; PD on CT 11/2026 (liver + nodes)",
        "My HCC is in the liver plus one lymph node near the pancreas.",
        "71M, HCC 2 lesions plus a portal lymph node, Child-Pugh A5",
        "the liver cancer is bigger and it's now in her spine",
    ],
)
def test_a_site_outside_the_liver_beside_a_tumour_word_is_disease_there(text: str) -> None:
    reading = read(text)
    assert reading.values.get("extrahepatic_spread") is True, reading.values
    # the fact shows both words it was read from
    assert " " in reading.facts["extrahepatic_spread"].text, reading.facts["extrahepatic_spread"]


@pytest.mark.parametrize(
    "text",
    [
        "New 3 cm lesion in segment 7, lymph nodes not enlarged.",
        "5 cm HCC in segment 8, bones unremarkable.",
        "The tumour is in the liver and the lymph nodes are reactive only.",
        "HCC 5 cm. She has chronic lung disease and bone pain from arthritis.",
        "Large HCC; bone scan booked, spine MRI pending.",
        "His brother had lung cancer. HCC 4 cm in segment 6.",
    ],
)
def test_a_site_named_for_something_else_or_said_clear_is_no_disease_there(text: str) -> None:
    reading = read(text)
    assert reading.values.get("extrahepatic_spread") is not True, (text, reading.values)


def test_a_cue_only_word_hides_no_context_cue_sharing_its_words() -> None:
    # "new" is a tumour word for SITE; as a finding it would have pruned the cue "New order" (a drug proposed)
    vocab = vocabulary()
    norm = _normalised("New order: lenvatinib 8 mg daily.", vocab)
    drugs = [m for m in analyse(norm.text, vocab).mentions if m.label == "DRUG"]
    assert [m.role for m in drugs] == ["PROPOSED"], drugs
    reading = read("Addendum: the thrombus is confined to a right branch; the main portal vein is not involved.")
    assert reading.values.get("main_portal_vein_invasion") is False, reading.values


FAXED = """FAX RECEIVED - Hillcrest GP Surgery - 0l/l2/26 - p1/1
Re: Mrs E., 7l
Dx: HCC (bi0psy 08/25) in NAFLD cirrh0sis. Tx: atez0/bev x l0 cyc1es (Apr-0ct 26) -> PD, new lung mets.
Now on lenvat1nib 8mg 0D since 05/ll/26 (wt 56 kg).
CP A6. PS l. AFP 4l2 ng/mL. lNR l.2
"""


def test_a_faxed_note_is_read_with_the_digits_and_letters_a_recogniser_confused() -> None:
    values = read(FAXED).values
    assert values.get("afp_ng_ml") == 412, values  # "4l2" was read as 2
    assert values.get("ecog") == 1, values  # "PS l"
    assert values.get("inr") == pytest.approx(1.2), values  # "lNR l.2"
    assert values.get("prior_therapies") == ["atezolizumab+bevacizumab", "lenvatinib"], values  # "lenvat1nib"


def test_a_note_not_scanned_keeps_its_letters_and_digits() -> None:
    from assistant.reading.reader import _is_word
    from assistant.reading.scanned import scanned

    vocab = vocabulary()
    text = "1L lenvatinib, Vp1 PVTT, G1 HFSR, HbA1c 6.1, T10 lesion, PD-1, O2 sats 95%, ECOG l"
    assert scanned(text, vocab, _is_word(vocab)) == text
    # said to be faxed, the words written so on purpose are still kept
    faxed = scanned("FAX RECEIVED\n" + text, vocab, _is_word(vocab))
    for kept in ("1L", "Vp1", "T10", "PD-1", "G1", "O2", "HbA1c"):
        assert kept in faxed, faxed
    assert faxed.endswith("ECOG 1"), faxed
