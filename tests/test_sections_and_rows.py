"""Whose facts a pasted deck's sections hold, question-and-answer form rows, a panel's flag before its unit, a group
said of as a whole, a value said of a stretch of time, and a flowsheet with a comment column: each read by a general
mechanism whose words are data (the vocabulary's `story`, `form_marks.questions`, the context rules)."""

from __future__ import annotations

from assistant.reading import read

DECK = """TUMOUR BOARD - slide 3: "Mr J.T., 59" (today's patient)
- Child-Pugh A5 . ECOG 1 . AFP 5,400 ng/mL
- No prior systemic therapy
slide 5: "Similar case - Dr Lee's patient (2025)"
- 64M, liver transplant 2015 on tacrolimus; main PV thrombus; sorafenib stopped for HFSR, then lenvatinib
"""


def test_a_short_quotation_is_paired_before_a_long_one_so_the_patient_slide_stays_the_patients() -> None:
    # the closing quote of '"Mr J.T., 59"' once opened a quotation running to the next slide's title, and a source
    # word ("slide") before it made the patient's own facts someone else's
    values = read(DECK).values
    assert values.get("child_pugh_class") == "A", values
    assert values.get("ecog") == 1, values
    assert values.get("afp_ng_ml") == 5400, values


def test_a_section_titled_as_another_patients_case_holds_none_of_the_patients_facts() -> None:
    values = read(DECK).values
    assert "solid_organ_transplant" not in values, values
    assert "main_portal_vein_invasion" not in values, values
    assert "prior_therapies" not in values or values["prior_therapies"] == [], values


def test_a_section_titled_evidence_is_a_trials_population() -> None:
    text = (
        'slide 2: "Mr K, 61"\n- CP A6, ECOG 0\nslide 3: "Evidence"\n- IMbrave150 excluded untreated varices; ECOG 0-1\n'
    )
    reading = read(text)
    assert reading.values.get("ecog") == 0, reading.values
    assert "high_risk_varices" not in reading.values, reading.values


def test_a_numbered_section_with_an_ordinary_title_stays_the_patients() -> None:
    values = read('slide 4: "Liver function"\n- Child-Pugh B7, ECOG 1\n').values
    assert values.get("child_pugh_class") == "B", values


def test_a_bare_number_after_tumour_is_not_a_volume_to_ask_the_unit_of() -> None:
    reading = read(DECK)
    assert not any("tumour volume" in u for u in reading.unread), reading.unread


def test_a_question_and_answer_form_row_is_read_as_a_labelled_row() -> None:
    text = (
        "PRIOR AUTHORISATION - Q&A\n"
        "Q: Requested regimen?  A: atezolizumab 1200 mg + bevacizumab 15 mg/kg every 3 weeks, first line\n"
        "Q: Child-Pugh?  A: A, 6 points\n"
        "Q: ECOG?\nA: 1\n"
        "Q: Prior HCC systemic therapy?  A: none\n"
    )
    reading = read(text)
    assert reading.values.get("child_pugh_class") == "A", reading.values
    assert reading.values.get("child_pugh_score") == 6, reading.values
    assert reading.values.get("ecog") == 1, reading.values
    assert reading.values.get("prior_therapies") == [], reading.values
    assert "atezolizumab+bevacizumab" not in reading.received, reading.received


def test_a_low_flag_before_its_unit_is_not_read_as_litres() -> None:
    text = "Test        Result  Flag  Units   Ref range\nAlbumin     34      L     g/L     35-50\nBilirubin   29      H     umol/L  0-21\n"
    reading = read(text)
    assert reading.values.get("albumin_g_dl") == 3.4, (reading.values, reading.unread)
    assert abs(reading.values.get("bilirubin_mg_dl", 0) - 1.696) < 0.01, reading.values


def test_a_whole_trial_said_of_in_a_quotation_is_not_the_patient() -> None:
    text = (
        'Pt: "My daughter found the REACH-2 paper - everyone in that trial had a Child-Pugh A liver, good fitness, '
        'and an AFP over 400."\nPt: "And she says they were all on sorafenib first, like me."\n'
        "Her own results: AFP 210 ng/mL; Child-Pugh B7; ECOG 1.\n"
    )
    reading = read(text)
    assert reading.values.get("afp_ng_ml") == 210, (reading.values, reading.unread)
    assert reading.values.get("child_pugh_class") == "B", (reading.values, reading.unread)


def test_a_value_said_of_a_stretch_of_time_beside_dated_results_is_asked_about_not_guessed() -> None:
    # which is current depends on dates the summary does not give ("ECOG 3 for months" beside an older "ECOG 1" is
    # the current one; "over 400 most of the autumn" beside a newer dated 365 is not): asked, as any conflict
    text = (
        "Lab results - AFP (ng/mL), newest first:\n  01/12/2026   365\n  03/11/2026   410\n  06/10/2026   520\n"
        "Child-Pugh A5, ECOG 1. Off treatment since 30/09.\n"
        'Registrar: "AFP has been over 400 most of the autumn - does he qualify for ramucirumab?"\n'
    )
    reading = read(text)
    assert "afp_ng_ml" not in reading.values, reading.values
    assert any("AFP is given as" in u for u in reading.unread), reading.unread


def test_a_flowsheet_reads_its_analyte_columns_beside_a_comment_column() -> None:
    text = (
        "Date        | ECOG | Weight (kg) | Comment\n"
        "10/06/2026  | 0    | 78          | working full-time\n"
        "25/11/2026  | 1    | 71          | clinic review\n"
    )
    values = read(text).values
    assert values.get("weight_kg") == 71, values
    assert values.get("ecog") == 1, values


def test_methotrexate_written_short_names_an_autoimmune_disease_on_treatment() -> None:
    values = read("Meds: MTX 20 mg weekly + folic acid (rheum f/u 3-monthly); amlodipine 5 mg. CP A5, ECOG 1.").values
    assert values.get("autoimmune_disease") is True, values


def test_a_multiple_choice_item_is_not_taken_for_a_question_and_answer_row() -> None:
    text = (
        "Q: In HCC, ramucirumab is restricted to patients with which of the following?  A. PD-L1 positive tumour  "
        "B. AFP >= 400 ng/mL  C. HBV-related disease  D. Child-Pugh B cirrhosis"
    )
    values = read(text).values
    assert "afp_ng_ml" not in values, values
    assert "child_pugh_class" not in values, values


def test_a_donor_organ_is_a_transplant() -> None:
    values = read(
        "Mr W, 60, fifteen years out from receiving a donor heart (2011), on everolimus. CP A5, ECOG 1."
    ).values
    assert values.get("solid_organ_transplant") is True, values


DICTATED = (
    "patient is a sixty six year old man with hepatocellular carcinoma full stop child pew be seven comma easy cog one "
    "full stop previously treated with a tea zoo lism ab and beaver zoo mab from January to August comma progressed "
    "full stop he has some ask it ease full stop"
)


def test_a_dictated_note_reads_terms_the_recogniser_split_into_sound_alike_words() -> None:
    reading = read(DICTATED)
    assert reading.received == ["atezolizumab+bevacizumab"], (reading.received, reading.unread)
    assert reading.values.get("child_pugh_class") == "B", reading.values
    assert reading.values.get("ecog") == 1, reading.values


def test_sound_alike_words_are_left_alone_outside_a_dictated_note_and_when_spelt_far_from_the_term() -> None:
    from assistant.reading.spoken import sound_alike
    from assistant.reading.vocabulary import vocabulary

    vocab = vocabulary()
    # the same sound as "varices" (metaphone FRSS) but spelt far from it
    assert sound_alike("asked for sis to come along", vocab) == "asked for sis to come along"
    assert sound_alike("then a tea zoo lism ab", vocab) == "then atezolizumab"
    assert sound_alike("he has some ask it ease", vocab) == "he has some ascites"
    typed = "previously treated with a tea zoo lism ab. CP A5"  # no spoken punctuation: not a dictated note
    assert "atezolizumab+bevacizumab" not in read(typed).received


def test_a_phrase_added_to_the_vocabulary_never_changes_which_concept_wins_a_tie(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # "small varices" is written for small varices and made for varices of any size (the optional modifier "small");
    # the tie went to whichever the matcher listed first, which moved with every phrase added anywhere
    from assistant.reading.vocabulary import DEFAULT_PATH, load

    text = "Hepatologist: small varices on last scope, we're considering atezo-bev. Which warnings does the label carry"
    raw = DEFAULT_PATH.read_text(encoding="utf-8")
    assert 'methotrexate, "=MTX",' in raw
    changed = tmp_path / "vocabulary.yaml"
    changed.write_text(raw.replace('methotrexate, "=MTX",', 'methotrexate, "=MTX", xqzfoo,'), encoding="utf-8")
    for vocab in (load(DEFAULT_PATH), load(changed)):
        assert read(text, vocab).values.get("high_risk_varices") is False


def test_a_note_that_says_it_was_dictated_reads_sound_alike_words_and_spelled_letters() -> None:
    text = (
        "[Dictated - speech recognition, not proof-read]\n"
        "She is child pew A5 and E cog zero. A. F. P. is 8.4 nano grams per mill.\n"
        "She has had no previous systemic therapy. I discussed a tease oh lizumab with bev a sis you mab.\n"
        "He was seen by the transplant team; bill a rubin 1.1, album in 4.0. She likes lend vat in nib as it is oral.\n"
    )
    reading = read(text)
    assert reading.values.get("afp_ng_ml") == 8.4, (reading.values, reading.unread)
    assert reading.values.get("bilirubin_mg_dl") == 1.1, reading.values
    assert reading.values.get("albumin_g_dl") == 4.0, reading.values
    assert "atezolizumab+bevacizumab" in reading.asked + reading.requested, (reading.asked, reading.unread)
    # "as it is" is not ascites, and "transplant team" stays as written (not the patient's transplant)
    assert "ascites" not in reading.values, reading.values
    assert "solid_organ_transplant" not in reading.values, reading.values


def test_letters_typed_one_by_one_are_left_alone_in_a_note_not_dictated() -> None:
    from assistant.reading.spoken import dictated
    from assistant.reading.vocabulary import vocabulary

    assert dictated("Options a b c. He has as it is", vocabulary()) == "Options a b c. He has as it is"


def test_a_yes_or_no_word_left_unquoted_in_the_vocabulary_is_a_load_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from assistant.errors import CorpusError
    from assistant.reading.vocabulary import DEFAULT_PATH, load

    raw = DEFAULT_PATH.read_text(encoding="utf-8")
    changed = tmp_path / "vocabulary.yaml"
    changed.write_text(raw.replace('"yes", not]', "yes, not]"), encoding="utf-8")
    with pytest.raises(CorpusError, match="unquoted"):
        load(changed)


def test_a_heading_line_opening_with_a_population_header_holds_the_list_below_it() -> None:
    text = (
        "Inclusion criteria from a registry listing I'm screening against:\n- AFP >= 400 ng/mL\n"
        "- Child-Pugh A5-A6, ECOG 0-1\n- radiological progression on or intolerance of sorafenib\n"
        "- no main portal vein tumour thrombus\nWhich licensed drug was studied in a population like this?"
    )
    values = read(text).values
    for field in ("afp_ng_ml", "main_portal_vein_invasion", "prior_therapies", "progressed"):
        assert field not in values or values[field] in ([], None), values
    # the patient's own facts after such a list are still read
    own = read(text.replace("Which licensed", "My patient: Child-Pugh A6, ECOG 1. Which licensed"))
    assert own.values.get("child_pugh_score") == 6 and own.values.get("ecog") == 1, own.values


def test_a_population_header_opening_a_quotation_is_a_trials() -> None:
    text = (
        "A trial listing I saw: 'Inclusion: BCLC C, Child-Pugh B7, ECOG 0-2, progression on atezolizumab plus "
        "bevacizumab. Exclusion: main portal vein tumour thrombus.' What does the evidence say about Child-Pugh B?"
    )
    values = read(text).values
    assert "child_pugh_score" not in values and "prior_therapies" not in values, values
    assert "bclc_stage" not in values, values
