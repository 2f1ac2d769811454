"""The pathway checker: rules validation, statement-by-statement verdicts, safety invariants."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assistant.calculators import assess_liver
from assistant.corpus import load_facts
from assistant.errors import RuleError
from assistant.pathways import OFFERED, PathwayEngine, document_sections
from assistant.profile import PRIOR_THERAPY_IDS, PatientProfile, make_profile
from conftest import CORPUS

SOURCES = set(load_facts(CORPUS).sources)
SECTIONS = document_sections(CORPUS)
ENGINE = PathwayEngine.load(CORPUS / "pathways.yaml", SOURCES, SECTIONS)
ICI = {r for r, meta in ENGINE.file.regimens.items() if "ici" in meta["classes"]}
BEVACIZUMAB = {r for r, meta in ENGINE.file.regimens.items() if "bevacizumab" in meta["classes"]}
RULES = {r.id: r for r in ENGINE.file.rules}
SYSTEMIC = ENGINE.regimens
CASES = yaml.safe_load((Path(__file__).parent / "data" / "pathway_cases.yaml").read_text())


def offered(profile: PatientProfile) -> set[str]:
    return set(ENGINE.evaluate(profile, SYSTEMIC).offered())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_pathway_statement_case(case: dict) -> None:
    verdict = ENGINE.evaluate(make_profile(case["profile"]), SYSTEMIC)
    status = {o.regimen: o.status for o in verdict.options}
    for regimen in case.get("prefers", []):
        assert status[regimen] == "preferred", (regimen, status[regimen], case["statement"])
    for regimen in case.get("offers", []):
        assert status[regimen] in OFFERED, (regimen, status[regimen], case["statement"])
    for regimen in case.get("withholds", []):
        assert status[regimen] not in OFFERED, (regimen, status[regimen], case["statement"])
    if case.get("no_preferred"):
        assert "preferred" not in status.values()
    for name in case.get("missing", []):
        assert name in verdict.missing, (name, verdict.missing)
    for words in case.get("notes", []):
        assert any(words in note for note in verdict.notes), (words, verdict.notes)
    for regimen, labels in case.get("conditions", {}).items():
        option = verdict.get(regimen)
        assert option is not None and set(labels) <= set(option.conditions), (regimen, option)


def test_every_pathway_statement_has_cases() -> None:
    facts = yaml.safe_load((CORPUS / "facts.yaml").read_text())
    tested = " ".join(c["statement"] for c in CASES)
    assert len(CASES) >= 60
    for statement in facts["pathway_statements"][:10]:
        assert statement[:40] in tested or any(statement[:40] in c["statement"] for c in CASES), statement


def test_every_verdict_cites_sources_and_rules() -> None:
    verdict = ENGINE.evaluate(make_profile({"child_pugh_class": "A", "ecog": 1, "prior_therapies": []}))
    for option in verdict.options:
        assert option.rules and option.reasons
        assert option.sources or option.rules == ["no-documented-pathway"]
        assert set(option.sources) <= SOURCES
    assert {t.outcome for t in verdict.trace} >= {"fired", "not_applicable"}


# ---- rules file validation -------------------------------------------------------------------

GOOD_RULE = {
    "id": "r1",
    "line": "first",
    "when": {"all": [{"field": "ecog", "op": "le", "value": 1}]},
    "then": {"sorafenib": "alternative"},
    "because": "A reason in plain words.",
    "sources": [{"id": "sharp"}],
}


def _rules_file(tmp_path: Path, rule: dict) -> Path:
    raw = yaml.safe_load((CORPUS / "pathways.yaml").read_text())
    raw["rules"] = [rule]
    path = tmp_path / "pathways.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"when": {"all": [{"field": "shoe_size", "op": "le", "value": 1}]}}, "unknown field 'shoe_size'"),
        ({"when": {"all": [{"field": "ecog", "op": "about", "value": 1}]}}, "unknown operator 'about'"),
        ({"then": {"aspirin": "preferred"}}, "unknown regimen 'aspirin'"),
        ({"sources": [{"id": "nejm-2099"}]}, "unknown source 'nejm-2099'"),
        ({"then": {"sorafenib": "maybe"}}, "rule 'r1'"),
        ({"colour": "red"}, "rule 'r1'"),
        ({"then": {}}, "sets no status"),
        # Review finding 18: these loaded and then failed (or silently never held) mid-turn.
        ({"when": {"all": [{"field": "afp_ng_ml", "op": "lt", "value": "400"}]}}, "'afp_ng_ml' is a number"),
        ({"when": {"all": [{"field": "ecog", "op": "le", "value": True}]}}, "'ecog' is a number"),
        ({"when": {"all": [{"field": "ecog", "op": "le", "value": 9}]}}, "outside the range of 'ecog'"),
        ({"when": {"all": [{"field": "bclc_stage", "op": "eq", "value": 0}]}}, "is not one of"),
        ({"when": {"all": [{"field": "child_pugh_class", "op": "in", "value": "AB"}]}}, "non-empty list"),
        ({"when": {"all": [{"field": "high_risk_varices", "op": "is_true", "value": 1}]}}, "takes no value"),
        ({"when": {"all": [{"field": "ecog", "op": "is_true"}]}}, "needs a yes/no fact"),
        ({"when": {"all": [{"field": "prior_therapies", "op": "contains", "value": "sorafenb"}]}}, "not a regimen id"),
        ({"when": {"all": [{"field": "afp_ng_ml", "op": "contains_any", "value": [1]}]}}, "needs a list fact"),
        ({"then": {"class:antibody": "not_recommended"}}, "unknown regimen class 'class:antibody'"),
        ({"sources": [{"id": "reach-2", "section": "AFP cut-off"}]}, "has no section 'AFP cut-off'"),
        ({"sources": [{"id": "reach-2", "document": "reach-3", "section": "Eligibility"}]}, "no corpus document"),
        ({"sources": []}, "cites no source"),
    ],
)
def test_malformed_rule_names_file_and_rule(tmp_path: Path, change: dict, message: str) -> None:
    path = _rules_file(tmp_path, {**GOOD_RULE, **change})
    with pytest.raises(RuleError) as err:
        PathwayEngine.load(path, SOURCES, SECTIONS)
    assert message in str(err.value) and str(path) in str(err.value) and "rule 'r1'" in str(err.value)


def test_good_rule_file_loads(tmp_path: Path) -> None:
    engine = PathwayEngine.load(_rules_file(tmp_path, GOOD_RULE), SOURCES, SECTIONS)
    assert engine.evaluate(make_profile({"ecog": 0, "prior_therapies": []})).get("sorafenib").status == "alternative"


def test_rule_line_is_enforced(tmp_path: Path) -> None:
    """Review finding 18: a rule marked `line: first` fired in any line (its own `when` has no line test)."""
    engine = PathwayEngine.load(_rules_file(tmp_path, GOOD_RULE), SOURCES, SECTIONS)
    second = engine.evaluate(make_profile({"ecog": 0, "prior_therapies": ["lenvatinib"], "progressed": True}))
    assert second.get("sorafenib").status == "not_recommended"
    assert "r1" in {t.rule for t in second.trace if t.outcome == "not_applicable"}
    unknown = engine.evaluate(make_profile({"ecog": 0}))
    assert unknown.get("sorafenib").status == "needs_info" and "prior_therapies" in unknown.missing


# ---- safety invariants over generated profiles -----------------------------------------------

maybe_bool = st.none() | st.booleans()
profiles = st.builds(
    PatientProfile,
    child_pugh_class=st.none() | st.sampled_from(["A", "B", "C"]),
    child_pugh_score=st.none() | st.integers(5, 15),
    ecog=st.none() | st.integers(0, 4),
    afp_ng_ml=st.none() | st.floats(0, 100_000),
    prior_therapies=st.none() | st.lists(st.sampled_from(sorted(PRIOR_THERAPY_IDS)), max_size=3),
    sorafenib_tolerated=maybe_bool,
    main_portal_vein_invasion=maybe_bool,
    liver_involvement_50=maybe_bool,
    high_risk_varices=maybe_bool,
    autoimmune_disease=maybe_bool,
    solid_organ_transplant=maybe_bool,
    progressed=maybe_bool,
    intolerance=maybe_bool,
    bclc_stage=st.none() | st.sampled_from(["0", "A", "B", "C", "D"]),
    line_of_therapy=st.none() | st.sampled_from(["first", "second", "later"]),
    bilirubin_mg_dl=st.none() | st.floats(0.3, 6),
    albumin_g_dl=st.none() | st.floats(2.0, 4.8),
    inr=st.none() | st.floats(0.9, 3.0),
    ascites=st.none() | st.sampled_from(["none", "mild", "moderate_severe"]),
    encephalopathy=st.none() | st.sampled_from(["none", "grade_1_2", "grade_3_4"]),
    therapeutic_anticoagulation=maybe_bool,
    uncontrolled_hypertension=maybe_bool,
    significant_proteinuria=maybe_bool,
    recent_arterial_thromboembolism=maybe_bool,
    recent_major_surgery=maybe_bool,
)
LABS = {"bilirubin_mg_dl": None, "albumin_g_dl": None, "inr": None, "ascites": None, "encephalopathy": None}
SILENT_AFTER = ["nivolumab+ipilimumab", "durvalumab", "tislelizumab", "camrelizumab+rivoceranib"]
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(profiles)
def test_worse_liver_function_or_performance_never_adds_an_option(p: PatientProfile) -> None:
    base = offered(p)
    if p.ecog is not None and p.ecog < 4:
        assert offered(p.model_copy(update={"ecog": p.ecog + 1})) <= base
    if p.child_pugh_class in ("A", "B"):
        worse = {"A": "B", "B": "C"}[p.child_pugh_class]
        score = (
            {"B": 8, "C": 10}[worse]
            if p.child_pugh_score is None
            else max(p.child_pugh_score, {"B": 7, "C": 10}[worse])
        )
        assert offered(p.model_copy(update={"child_pugh_class": worse, "child_pugh_score": score})) <= base


@FAST
@given(profiles)
def test_child_pugh_c_or_ecog_3_offers_nothing(p: PatientProfile) -> None:
    assert not offered(p.model_copy(update={"child_pugh_class": "C", "child_pugh_score": 11}))
    assert not offered(p.model_copy(update={"ecog": 3}))


@FAST
@given(profiles)
def test_contraindications_hold(p: PatientProfile) -> None:
    assert not offered(p.model_copy(update={"autoimmune_disease": True})) & ICI
    assert not offered(p.model_copy(update={"solid_organ_transplant": True})) & ICI
    assert "atezolizumab+bevacizumab" not in offered(p.model_copy(update={"high_risk_varices": True}))
    assert "lenvatinib" not in offered(p.model_copy(update={"main_portal_vein_invasion": True}))
    assert "lenvatinib" not in offered(p.model_copy(update={"liver_involvement_50": True}))


@FAST
@given(profiles)
def test_ramucirumab_and_regorafenib_need_their_trial_conditions(p: PatientProfile) -> None:
    options = offered(p)
    if "ramucirumab" in options:
        assert p.afp_ng_ml is not None and p.afp_ng_ml >= 400
    if "regorafenib" in options:
        assert p.prior_therapies and "sorafenib" in p.prior_therapies and p.sorafenib_tolerated is True


@FAST
@given(profiles)
def test_identical_profiles_give_identical_verdicts(p: PatientProfile) -> None:
    a = ENGINE.evaluate(p, SYSTEMIC)
    b = ENGINE.evaluate(PatientProfile.model_validate(p.model_dump()), SYSTEMIC)
    assert [o.to_option() for o in a.options] == [o.to_option() for o in b.options]
    assert a.missing == b.missing


@FAST
@given(profiles)
def test_unknown_core_facts_never_offer(p: PatientProfile) -> None:
    unknown = p.model_copy(update={"child_pugh_class": None, "child_pugh_score": None, **LABS})
    assert not offered(unknown)
    assert not offered(p.model_copy(update={"ecog": None}))


@FAST
@given(profiles)
def test_no_switch_without_progression_or_intolerance(p: PatientProfile) -> None:
    stable = p.model_copy(update={"progressed": False, "intolerance": None, "sorafenib_tolerated": None})
    if stable.prior_therapies:
        assert not offered(stable)
    unknown_line = stable.model_copy(update={"prior_therapies": None, "line_of_therapy": "second"})
    assert not offered(unknown_line)


@FAST
@given(profiles)
def test_bclc_d_offers_nothing(p: PatientProfile) -> None:
    assert not offered(p.model_copy(update={"bclc_stage": "D"}))


@FAST
@given(profiles)
def test_labs_worse_than_the_stated_class_govern(p: PatientProfile) -> None:
    """Adding labs to a stated class never adds an option; labs that give class C leave nothing. Labs of the stated
    class itself only add its score (class B with no score, labs giving B7: a B7 case may be considered), so the
    property is over labs that give another class."""
    stated = p.model_copy(update={"child_pugh_class": p.child_pugh_class or "A", **LABS})
    end_stage = {"bilirubin_mg_dl": 4.0, "albumin_g_dl": 2.5, "inr": 2.5, "ascites": "mild", "encephalopathy": "none"}
    assert not offered(stated.model_copy(update=end_stage))
    with_labs = stated.model_copy(
        update={k: getattr(p, k) for k in LABS} if all(getattr(p, k) is not None for k in LABS) else {}
    )
    computed = assess_liver(with_labs).computed_class
    assume(computed is None or computed != stated.child_pugh_class)
    assert offered(with_labs) <= offered(stated)


@FAST
@given(profiles)
def test_bevacizumab_cautions_withhold_bevacizumab(p: PatientProfile) -> None:
    """Review finding 20: anticoagulation and the bevacizumab cautions were not rules; the reason is named."""
    for caution, rule in (
        ("therapeutic_anticoagulation", "anticoagulation-no-bevacizumab"),
        ("uncontrolled_hypertension", "hypertension-no-bevacizumab"),
        ("significant_proteinuria", "proteinuria-no-bevacizumab"),
        ("recent_arterial_thromboembolism", "thromboembolism-no-bevacizumab"),
        ("recent_major_surgery", "surgery-no-bevacizumab"),
    ):
        verdict = ENGINE.evaluate(p.model_copy(update={caution: True}), SYSTEMIC)
        assert not set(verdict.offered()) & BEVACIZUMAB
        for regimen in BEVACIZUMAB:
            option = verdict.get(regimen)
            assert option is not None and rule in option.rules and RULES[rule].because in option.reasons


@FAST
@given(profiles, st.sampled_from(SILENT_AFTER))
def test_no_next_line_where_the_fact_sheet_is_silent(p: PatientProfile, first: str) -> None:
    verdict = ENGINE.evaluate(p.model_copy(update={"prior_therapies": [first], "progressed": True}), SYSTEMIC)
    assert not verdict.offered()


@FAST
@given(profiles)
def test_options_speak_in_words_not_field_ids(p: PatientProfile) -> None:
    """Review finding 2: caveats read "Confirm high_risk_varices: ..."."""
    for option in ENGINE.evaluate(p, SYSTEMIC).options:
        text = " ".join(option.to_option()["reasons"] + option.conditions)
        assert not re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", text), text
        if option.offered:
            assert len(option.conditions) == len(set(option.conditions))


# ---- classes, not lists: a new regimen in an existing class is a data-only change ----------------

NEW_ICI_EDIT = [
    # 1. the regimen table: the new regimen and its classes
    ("  pembrolizumab: {core: true, classes: [ici]}\n",
     "  pembrolizumab: {core: true, classes: [ici]}\n  new-checkpoint-inhibitor: {core: true, classes: [ici]}\n"),
    # 2. the one rule that offers it
    ("    then: {durvalumab: alternative, tislelizumab: alternative}\n",
     "    then: {durvalumab: alternative, tislelizumab: alternative, new-checkpoint-inhibitor: alternative}\n"),
]  # fmt: skip


def test_a_new_regimen_in_an_existing_class_needs_no_rule_edits(tmp_path: Path) -> None:
    """Review 3.4/3.5: a new checkpoint inhibitor is excluded after a transplant without editing five rules."""
    text = (CORPUS / "pathways.yaml").read_text(encoding="utf-8")
    for old, new in NEW_ICI_EDIT:
        assert text.count(old) == 1
        text = text.replace(old, new)
    path = tmp_path / "pathways.yaml"
    path.write_text(text, encoding="utf-8")
    engine = PathwayEngine.load(path, SOURCES, SECTIONS)
    new = "new-checkpoint-inhibitor"
    base = {"child_pugh_class": "A", "child_pugh_score": 5, "ecog": 0, "prior_therapies": []}

    def status(**update: object) -> str:
        option = engine.evaluate(make_profile({**base, **update})).get(new)
        assert option is not None
        return option.status

    assert status() == "alternative"
    for withheld in (
        {"solid_organ_transplant": True},  # ici-contraindicated: class:ici
        {"autoimmune_disease": True},
        {"child_pugh_class": "C", "child_pugh_score": 11},  # all
        {"ecog": 3},
        {"ecog": 2},  # all except sorafenib
        {"bclc_stage": "D"},
        {"bclc_stage": "A"},
        {"child_pugh_class": "B", "child_pugh_score": 8},
    ):
        assert status(**withheld) == "not_recommended", withheld
    assert status(child_pugh_class="B", child_pugh_score=7) == "alternative"  # capped, never preferred
    caveat = engine.evaluate(make_profile({"child_pugh_class": "A", "ecog": 0, "prior_therapies": []})).get(new)
    assert caveat is not None and "prior liver or other solid-organ transplant" in caveat.conditions


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"facts": {"ecog": 7}}, "facts are not a valid profile"),
        ({"case_fields": ["shoe_size"]}, "case field 'shoe_size' is not a profile field"),
        ({"section": "No such heading"}, "has no section 'No such heading'"),
        ({"says": None}, "'says' is missing"),
    ],
)
def test_a_wrong_trial_population_is_rejected_at_load(tmp_path: Path, change: dict, message: str) -> None:
    raw = yaml.safe_load((CORPUS / "pathways.yaml").read_text())
    raw["population"] = {k: v for k, v in {**raw["population"], **change}.items() if v is not None}
    path = tmp_path / "pathways.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(RuleError) as err:
        PathwayEngine.load(path, SOURCES, SECTIONS)
    assert message in str(err.value) and "population" in str(err.value)


def test_the_trial_population_fills_only_what_is_not_known() -> None:
    stated = make_profile({"ecog": 2, "solid_organ_transplant": True})
    filled = ENGINE.population_profile(stated)
    assert filled is not None and filled.ecog == 2 and filled.child_pugh_class == "A"
    assert filled.solid_organ_transplant is True and filled.prior_therapies == []


def test_a_rule_that_may_apply_says_what_it_waits_on() -> None:
    """With Child-Pugh unknown, the Child-Pugh B8-9 exclusion may apply: the reason names the unknown facts first,
    not "Child-Pugh B beyond B7" as if it were the patient's finding."""
    verdict = ENGINE.evaluate(make_profile({"ecog": 0, "prior_therapies": []}))
    waiting = [o for o in verdict.options if o.status == "needs_info"]
    assert waiting
    for option in waiting:
        assert option.reasons[0].startswith("depends on ") and "not yet known" in option.reasons[0], option.reasons
        assert not any(r.startswith("depends on ") for r in option.reasons[1:])  # the unknown facts said once


def test_cabozantinib_third_line_gives_celestials_two_prior_regimens() -> None:
    """After sorafenib and regorafenib, cabozantinib stays an option and the verdict says why: CELESTIAL allowed up to
    two prior systemic regimens (a third prior regimen withholds it, rule cabozantinib-at-most-two-prior)."""
    base = {"child_pugh_class": "A", "child_pugh_score": 5, "ecog": 1, "progressed": True}
    third = ENGINE.evaluate(make_profile({**base, "prior_therapies": ["sorafenib", "regorafenib"]}), SYSTEMIC)
    cabo = third.get("cabozantinib")
    assert cabo is not None and cabo.status in OFFERED
    assert "cabozantinib-after-two-prior" in cabo.rules and any("CELESTIAL" in r for r in cabo.reasons)
    fourth = ENGINE.evaluate(
        make_profile({**base, "prior_therapies": ["atezolizumab+bevacizumab", "sorafenib", "regorafenib"]}), SYSTEMIC
    )
    assert fourth.get("cabozantinib").status not in OFFERED
