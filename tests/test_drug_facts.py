"""Drug documents: every label fact of drug-facts.yaml is in its agent's document, cited, and retrievable."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from assistant.corpus import DRUG_SECTIONS, NOT_FOUND, NOT_FOUND_PHRASE, cited_ids, load_corpus
from conftest import CORPUS

SHEET, DOCS = load_corpus(CORPUS)
BY_ID = {d.id: d for d in DOCS}
DRUG_FACTS: dict[str, Any] = yaml.safe_load(SHEET.drug_text)
FACTS: dict[str, Any] = yaml.safe_load(SHEET.text)
AGENTS = list(SHEET.drugs.values())
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")

# A natural question per field, asked with the agent's generic name.
QUESTIONS = {
    "drug_class": "What kind of drug is {name} and what does it target?",
    "route_and_administration": "How is {name} taken or given, with or without food?",
    "common_adverse_reactions_hcc": "What are the common side effects of {name}?",
    "serious_adverse_reactions_hcc": "What serious adverse reactions does {name} cause in HCC?",
    "warnings_precautions": "What are the warnings and precautions for {name}?",
    "monitoring": "What should be monitored during {name} treatment?",
    "missed_dose": "What should a patient do after missing a dose of {name}?",
    "dose_modifications_hcc": "How is the dose of {name} reduced or withheld for side effects?",
    "hcc_indication": "What is {name} approved for in liver cancer?",
}

# The terms (numbers, names, thresholds) that show a passage holds the fact of each field that is not
# `not_found`. Written from drug-facts.yaml; a `not_applicable` missed dose is held by "does not apply".
KEY_TERMS: dict[tuple[str, str], list[str]] = {
    ("sorafenib", "drug_class"): ["kinase inhibitor", "VEGFR-1/2/3", "BRAF"],
    ("sorafenib", "route_and_administration"): ["400 mg twice daily", "empty stomach", "1 hour before"],
    ("sorafenib", "common_adverse_reactions_hcc"): ["diarrhoea (55%)", "hand-foot skin reaction (21%)"],
    ("sorafenib", "warnings_precautions"): ["haemorrhage", "QT prolongation", "10 days before elective surgery"],
    ("sorafenib", "monitoring"): ["weekly for the first 6 weeks", "liver tests"],
    ("sorafenib", "dose_modifications_hcc"): ["400 mg once daily", "400 mg every other day"],
    ("sorafenib", "hcc_indication"): ["unresectable hepatocellular carcinoma"],
    ("lenvatinib", "drug_class"): ["kinase inhibitor", "FGFR1-4"],
    ("lenvatinib", "route_and_administration"): ["4 mg and 10 mg", "with or without food"],
    ("lenvatinib", "common_adverse_reactions_hcc"): ["hypertension 44%", "diarrhoea 38%"],
    ("lenvatinib", "serious_adverse_reactions_hcc"): ["hepatic encephalopathy 4.6%", "hepatic failure 2.8%"],
    ("lenvatinib", "warnings_precautions"): ["aortic dissection", "osteonecrosis of the jaw"],
    ("lenvatinib", "monitoring"): ["after 1 week", "every 2 weeks for the first 2 months"],
    ("lenvatinib", "missed_dose"): ["within 12 hours"],
    ("lenvatinib", "dose_modifications_hcc"): ["8 mg daily", "4 mg daily", "grade 3 hypertension"],
    ("lenvatinib", "hcc_indication"): ["first-line", "unresectable HCC"],
    ("regorafenib", "drug_class"): ["kinase inhibitor", "VEGFR1-3", "TIE2"],
    ("regorafenib", "route_and_administration"): ["160 mg", "days 1-21", "low-fat meal"],
    ("regorafenib", "common_adverse_reactions_hcc"): ["hand-foot skin reaction", "1142 patients"],
    ("regorafenib", "warnings_precautions"): ["boxed warning", "hepatotoxicity"],
    ("regorafenib", "monitoring"): ["ALT, AST and bilirubin", "every 2 weeks"],
    ("regorafenib", "missed_dose"): ["two doses on the same day"],
    ("regorafenib", "dose_modifications_hcc"): ["160 mg to 120 mg to 80 mg", "20 times ULN"],
    ("regorafenib", "hcc_indication"): ["previously treated with sorafenib"],
    ("cabozantinib", "drug_class"): ["MET, AXL and VEGFR"],
    ("cabozantinib", "route_and_administration"): ["empty stomach", "Cometriq"],
    ("cabozantinib", "common_adverse_reactions_hcc"): ["at least 25%", "palmar-plantar erythrodysaesthesia"],
    ("cabozantinib", "warnings_precautions"): ["adrenal insufficiency", "3 weeks before surgery"],
    ("cabozantinib", "monitoring"): ["blood pressure is checked before cabozantinib"],
    ("cabozantinib", "missed_dose"): ["within 12 hours"],
    ("cabozantinib", "dose_modifications_hcc"): ["20 mg lower", "Child-Pugh B", "40 mg"],
    ("cabozantinib", "hcc_indication"): ["previously treated with sorafenib"],
    ("ramucirumab", "drug_class"): ["VEGFR2", "IgG1"],
    ("ramucirumab", "route_and_administration"): ["8 mg/kg every 2 weeks", "H1 antihistamine", "60 minutes"],
    ("ramucirumab", "common_adverse_reactions_hcc"): ["peripheral oedema", "ascites", "at least 15%"],
    ("ramucirumab", "warnings_precautions"): ["hepatorenal syndrome", "thyroid dysfunction"],
    ("ramucirumab", "monitoring"): ["blood pressure", "infusion reaction"],
    ("ramucirumab", "missed_dose"): ["does not apply"],
    ("ramucirumab", "dose_modifications_hcc"): ["6 mg/kg", "2 g/24 h"],
    ("ramucirumab", "hcc_indication"): [">= 400 ng/mL"],
    ("bevacizumab", "drug_class"): ["VEGF", "Flt-1 and KDR"],
    ("bevacizumab", "route_and_administration"): ["15 mg/kg every 3 weeks", "after atezolizumab"],
    ("bevacizumab", "common_adverse_reactions_hcc"): ["hypertension, fatigue and proteinuria"],
    ("bevacizumab", "warnings_precautions"): ["28 days before elective surgery", "ovarian failure"],
    ("bevacizumab", "missed_dose"): ["does not apply"],
    ("bevacizumab", "hcc_indication"): ["unresectable or metastatic HCC", "without prior systemic therapy"],
    ("atezolizumab", "drug_class"): ["PD-L1"],
    ("atezolizumab", "route_and_administration"): ["1200 mg", "60 minutes"],
    ("atezolizumab", "common_adverse_reactions_hcc"): ["hypertension, fatigue and proteinuria"],
    ("atezolizumab", "warnings_precautions"): ["immune-mediated", "allogeneic stem-cell transplant"],
    ("atezolizumab", "monitoring"): ["AST, ALT, bilirubin", "pneumonitis"],
    ("atezolizumab", "missed_dose"): ["does not apply"],
    ("atezolizumab", "dose_modifications_hcc"): ["not reduced", "12 weeks", "1-2 mg/kg/day"],
    ("atezolizumab", "hcc_indication"): ["with bevacizumab", "without prior systemic therapy"],
    ("durvalumab", "drug_class"): ["PD-L1", "CD80"],
    ("durvalumab", "route_and_administration"): ["1500 mg", "60 minutes", "every 4 weeks"],
    ("durvalumab", "common_adverse_reactions_hcc"): ["rash, diarrhoea, fatigue", "at least 40%"],
    ("durvalumab", "warnings_precautions"): ["immune-mediated", "embryo-fetal toxicity"],
    ("durvalumab", "monitoring"): ["ACTH", "creatinine"],
    ("durvalumab", "missed_dose"): ["does not apply"],
    ("durvalumab", "dose_modifications_hcc"): ["not reduced", "grade 4"],
    ("durvalumab", "hcc_indication"): ["with tremelimumab", "unresectable HCC"],
    ("tremelimumab", "drug_class"): ["CTLA-4", "CD80 and CD86"],
    ("tremelimumab", "route_and_administration"): ["300 mg", "once only", "4 mg/kg"],
    ("tremelimumab", "common_adverse_reactions_hcc"): ["rash, diarrhoea, fatigue", "musculoskeletal pain"],
    ("tremelimumab", "warnings_precautions"): ["pancreatitis", "infusion-related reactions"],
    ("tremelimumab", "monitoring"): ["ACTH", "thyroid function"],
    ("tremelimumab", "missed_dose"): ["does not apply"],
    ("tremelimumab", "dose_modifications_hcc"): ["not reduced", "grade 3"],
    ("tremelimumab", "hcc_indication"): ["with durvalumab", "first-line"],
    ("nivolumab", "drug_class"): ["PD-1", "IgG4"],
    ("nivolumab", "route_and_administration"): ["1 mg/kg", "240 mg every 2 weeks", "480 mg every 4 weeks"],
    ("nivolumab", "common_adverse_reactions_hcc"): ["rash, pruritus", "more than 20%"],
    ("nivolumab", "warnings_precautions"): ["immune-mediated reactions", "embryo-fetal toxicity"],
    ("nivolumab", "missed_dose"): ["does not apply"],
    ("nivolumab", "hcc_indication"): ["with ipilimumab", "7/2021"],
    ("ipilimumab", "drug_class"): ["CTLA-4"],
    ("ipilimumab", "route_and_administration"): ["3 mg/kg over 30 minutes"],
    ("ipilimumab", "common_adverse_reactions_hcc"): ["rash, pruritus"],
    ("ipilimumab", "warnings_precautions"): ["immune-mediated", "infusion-related"],
    ("ipilimumab", "monitoring"): ["liver and thyroid function", "before each dose"],
    ("ipilimumab", "missed_dose"): ["does not apply"],
    ("ipilimumab", "hcc_indication"): ["with nivolumab", "first-line"],
    ("pembrolizumab", "drug_class"): ["PD-1"],
    ("pembrolizumab", "route_and_administration"): ["30 minutes", "200 mg every 3 weeks"],
    ("pembrolizumab", "warnings_precautions"): ["organ-transplant", "SJS/TEN"],
    ("pembrolizumab", "monitoring"): ["blood glucose", "thyroid function"],
    ("pembrolizumab", "missed_dose"): ["does not apply"],
    ("pembrolizumab", "hcc_indication"): ["previously treated with sorafenib"],
    ("tislelizumab", "drug_class"): ["anti-PD-1", "Fc-engineered"],
    ("tislelizumab", "route_and_administration"): ["intravenous infusion"],
    ("tislelizumab", "warnings_precautions"): ["patient alert card"],
    ("tislelizumab", "monitoring"): ["pneumonitis", "infection"],
    ("tislelizumab", "missed_dose"): ["does not apply"],
    ("tislelizumab", "dose_modifications_hcc"): ["corticosteroids", "at least 1 month"],
    ("camrelizumab", "drug_class"): ["anti-PD-1"],
    ("camrelizumab", "route_and_administration"): ["200 mg every 2 weeks", "3 mg/kg every 3 weeks"],
    ("camrelizumab", "missed_dose"): ["does not apply"],
    ("camrelizumab", "hcc_indication"): ["first-line", "oxaliplatin"],
    ("rivoceranib", "drug_class"): ["VEGFR tyrosine kinase inhibitor"],
    ("rivoceranib", "route_and_administration"): ["half an hour after a meal", "250 mg daily", "750 mg daily"],
    ("rivoceranib", "monitoring"): ["adjusted as needed"],
    ("rivoceranib", "missed_dose"): ["not made up"],
    ("rivoceranib", "dose_modifications_hcc"): ["dose reduction"],
    ("rivoceranib", "hcc_indication"): ["at least one systemic therapy", "with camrelizumab"],
}

FOUND = [(a.id, f) for a in AGENTS for f in a.fields if a.status(f) != NOT_FOUND]
NOT_FOUND_FIELDS = [(a.id, f) for a in AGENTS for f in a.fields if a.status(f) == NOT_FOUND]


def _numbers(text: str) -> set[str]:
    """Number tokens, normalised so that 2.0 and 2 (YAML may drop the zero) compare equal."""
    found = set()
    text = re.sub(r"(\d)x\b", r"\1 x", text)  # "5x ULN" states the number 5
    for token in NUMBER.findall(text):
        plain = token.replace(",", "")
        found.add(plain.rstrip("0").rstrip(".") if "." in plain else plain)
    return found


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def _holds(text: str, terms: list[str]) -> bool:
    normal = _normal(text)
    return all(_normal(t) in normal for t in terms)


def test_every_agent_has_its_document_and_every_field_a_key_term_row() -> None:
    assert {a.doc_id for a in AGENTS} <= set(BY_ID)
    assert all(BY_ID[a.doc_id].meta.kind == "drug" for a in AGENTS)
    assert set(KEY_TERMS) == set(FOUND), sorted(set(KEY_TERMS) ^ set(FOUND))


@pytest.mark.parametrize(("agent", "field"), FOUND, ids=lambda x: x)
def test_the_document_section_holds_the_fact(agent: str, field: str) -> None:
    section = _section_text(agent, field)
    assert _holds(section, KEY_TERMS[(agent, field)]), (agent, field, KEY_TERMS[(agent, field)])


def _section_text(agent: str, field: str) -> str:
    heading = DRUG_SECTIONS[field]
    body = BY_ID[SHEET.drugs[agent].doc_id].body
    parts = re.split(r"^## ", body, flags=re.M)
    return next(p for p in parts if p.startswith(heading))


@pytest.mark.parametrize(("agent", "field"), NOT_FOUND_FIELDS, ids=lambda x: x)
def test_a_field_the_labels_did_not_give_is_said_to_be_missing(agent: str, field: str) -> None:
    assert NOT_FOUND_PHRASE in _normal(_section_text(agent, field))


@pytest.mark.parametrize("agent", AGENTS, ids=lambda a: a.id)
def test_numbers_of_a_drug_document_come_from_its_agent(agent) -> None:
    """Each number is in the agent's entry, a source it cites, or a facts.yaml regimen of the agent."""
    doc = BY_ID[agent.doc_id]
    entry = next(e for e in DRUG_FACTS["drug_information"] if e["id"] == agent.id)
    allowed_text = [yaml.safe_dump(entry, allow_unicode=True)]
    for ident in cited_ids(doc.body):
        source = next((s for s in DRUG_FACTS["sources"] if s["id"] == ident), None)
        if source is not None:
            allowed_text.append(" ".join(str(source.get(k, "")) for k in ("cite", "revision", "note")))
    for regimen in FACTS["regimens"]:
        if regimen["id"] in agent.regimens:
            allowed_text.append(yaml.safe_dump(regimen, allow_unicode=True))
    allowed = _numbers(" ".join(allowed_text))
    unknown = _numbers(re.sub(r"\[@[^\]]+\]", "", doc.body)) - allowed
    assert not unknown, f"{doc.path}: numbers not in drug-facts.yaml for {agent.id}: {sorted(unknown)}"


@pytest.mark.parametrize("agent", AGENTS, ids=lambda a: a.id)
def test_every_number_of_a_field_is_stated_in_the_document(agent) -> None:
    doc_numbers = _numbers(BY_ID[agent.doc_id].body)
    for field, data in agent.fields.items():
        if agent.status(field) != "found":
            continue
        missing = _numbers(yaml.safe_dump(data["value"])) - doc_numbers
        assert not missing, f"{agent.id}.{field}: numbers of drug-facts.yaml not in the document: {missing}"


@pytest.mark.parametrize("agent", AGENTS, ids=lambda a: a.id)
def test_statements_cite_only_sources_drug_facts_gives_for_the_agent(agent) -> None:
    doc = BY_ID[agent.doc_id]
    for line in doc.body.splitlines():
        if line.strip() and not line.startswith("#"):
            assert cited_ids(line), f"{doc.path}: a statement without a citation: {line[:80]}"
    label_ids = {i for i in cited_ids(doc.body) if i in SHEET.label_sources}
    assert label_ids <= agent.source_ids()


@pytest.mark.parametrize(("agent", "field"), FOUND, ids=lambda x: x)
def test_every_found_field_is_retrievable(kb, agent: str, field: str) -> None:
    question = QUESTIONS[field].format(name=agent)
    hits = kb.search(question, 5)
    doc_id = SHEET.drugs[agent].doc_id
    held = [h for h in hits if h.chunk.doc_id == doc_id and _holds(h.chunk.text, KEY_TERMS[(agent, field)])]
    assert held, f"{question!r} -> {[(h.chunk.doc_id, h.chunk.section) for h in hits]}"


@pytest.mark.parametrize(("agent", "field"), NOT_FOUND_FIELDS, ids=lambda x: x)
def test_a_missing_field_retrieves_the_not_in_my_sources_passage(kb, agent: str, field: str) -> None:
    question = QUESTIONS[field].format(name=agent)
    hits = kb.search(question, 5)
    doc_id = SHEET.drugs[agent].doc_id
    held = [h for h in hits if h.chunk.doc_id == doc_id and NOT_FOUND_PHRASE in _normal(h.chunk.text)]
    assert held, f"{question!r} -> {[(h.chunk.doc_id, h.chunk.section) for h in hits]}"
