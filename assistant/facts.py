"""Free text -> patient facts: measures by pattern, clinical concepts by medspacy with ConText.

ConText decides whether a concept is negated ("denies autoimmune disease"), hypothetical ("if we
used lenvatinib"), historical or about a family member; each concept then maps to a profile field.
"""

from __future__ import annotations

import difflib
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from .measures import measures

# Concept category -> regimen id for drug mentions (generic, brand, abbreviation).
DRUG_NAMES: dict[str, list[str]] = {
    "sorafenib": ["sorafenib", "nexavar"],
    "lenvatinib": ["lenvatinib", "lenvima"],
    "regorafenib": ["regorafenib", "stivarga"],
    "cabozantinib": ["cabozantinib", "cabometyx", "cabo"],
    "ramucirumab": ["ramucirumab", "cyramza"],
    "pembrolizumab": ["pembrolizumab", "keytruda", "pembro"],
    "nivolumab": ["nivolumab", "opdivo", "nivo"],
    "ipilimumab": ["ipilimumab", "yervoy", "ipi"],
    "atezolizumab": ["atezolizumab", "tecentriq", "atezo"],
    "bevacizumab": ["bevacizumab", "avastin", "bev"],
    "durvalumab": ["durvalumab", "imfinzi", "durva"],
    "tremelimumab": ["tremelimumab", "imjudo", "treme"],
    "tislelizumab": ["tislelizumab", "tevimbra"],
    "camrelizumab": ["camrelizumab"],
    "rivoceranib": ["rivoceranib", "apatinib"],
    "sintilimab": ["sintilimab"],
    "doxorubicin": ["doxorubicin"],
}
COMBO_NAMES: dict[str, list[str]] = {
    "atezolizumab+bevacizumab": ["atezo-bev", "atezo/bev", "atezo+bev", "atezobev"],
    "durvalumab+tremelimumab": ["stride", "himalaya regimen"],
    "nivolumab+ipilimumab": ["nivo-ipi", "nivo/ipi", "nivo+ipi"],
    "sintilimab+bevacizumab-biosimilar": ["orient-32 regimen"],
}
# Two drugs named together make one regimen.
PAIRS: list[tuple[str, str, str]] = [
    ("atezolizumab", "bevacizumab", "atezolizumab+bevacizumab"),
    ("durvalumab", "tremelimumab", "durvalumab+tremelimumab"),
    ("nivolumab", "ipilimumab", "nivolumab+ipilimumab"),
    ("camrelizumab", "rivoceranib", "camrelizumab+rivoceranib"),
    ("sintilimab", "bevacizumab", "sintilimab+bevacizumab-biosimilar"),
    ("lenvatinib", "pembrolizumab", "lenvatinib+pembrolizumab"),
    ("cabozantinib", "atezolizumab", "cabozantinib+atezolizumab"),
    ("sorafenib", "doxorubicin", "sorafenib+doxorubicin"),
]
SINGLE_REGIMENS = {
    "sorafenib", "lenvatinib", "regorafenib", "cabozantinib", "ramucirumab", "pembrolizumab",
    "nivolumab", "durvalumab", "tislelizumab",
}  # fmt: skip

# Cues that a drug was actually given (as opposed to asked about).
GIVEN_BEFORE = re.compile(
    r"\b(?:on|after|received|receiving|treated|with|prior|previous(?:ly)?|s/p|post|failed|"
    r"progressed|progression|took|taking|had|got|h/o|history|completed|stopped|d/c|intolerant|"
    r"tolerate|"
    r"tolerated|1l|2l|3l|first[- ]line|second[- ]line|then|->|→|switched|maintenance)\b",
    re.I,
)
GIVEN_AFTER = re.compile(
    r"^\W*(?:\d+\s*mg\b[^.;]*?)?\W*(?:x\s*\d|for\s+\d|for\s+(?:a|one|two|three|several|many)|"
    r"since|\d+\s*(?:months?|mo|weeks?|cycles?|doses?)|stopped|d/?c|discontinued|with\s+(?:pd|"
    r"progress)|then|progressed|pd\b|first[- ]line|1l|2l|3l|\(pd|->|→|after\s+\d|,?\s*stopped|"
    r"in\s+(?:china|\d{4})|monotherapy|previously|plus|\+|/|and|or|\d+\s*mg|was|were|"
    r"\(|tolerated|,?\s*progress|,?\s*pd)",
    re.I,
)
ASKING = re.compile(
    r"\b(?:dose|dosing|dosed|starting|start|give|giving|use|used|using|consider(?:ing)?|offer|"
    r"plan|what about|would|should|could|can|next|candidate|switch(?:ing)? to|add(?:ing)?|"
    r"offered|declined|refused|recommended|proposed|"
    r"combin\w*|instead|versus|vs|or)\W*$",
    re.I,
)
TOLERATED = re.compile(
    r"\b(?:tol[ae]?r[ae]?ted|without (?:major |significant )?toxicit|well tolerated|"
    r"without (?:any )?(?:major |significant )?(?:problems|issues|side effects)|"
    r"no (?:major |significant )?toxicit|tolerance (?:was )?(?:good|fine|ok))",
    re.I,
)
INTOLERANT = re.compile(
    r"\b(?:intoleran\w*|did ?n[o']t tolerate|not tolerate|poorly tolerated|stopped|d/?c'?d|"
    r"discontinued|grade\s*[34]|dose[- ]limiting|toxicit\w* (?:led|forced))",
    re.I,
)
NO_SYSTEMIC = re.compile(
    r"\b(?:treatment[- ]na[iï]ve|systemic[- ]therapy[- ]na[iï]ve|na[iï]ve to systemic|"
    r"(?:previously )?untreated|therapy[- ]na[iï]ve|no (?:prior|previous) (?:treatment|therapy)|"
    r"(?:haven'?t|have not|hasn'?t|has not|not) (?:yet )?(?:had|received) any (?:\w+ )?"
    r"(?:treatment|therapy|therapies|medicines?|medications?|drugs?)|"
    r"no (?:treatment|therapy) (?:so far|yet)|"
    r"no (?:prior |previous )?systemic|never (?:received|had) (?:any )?systemic|"
    r"no systemic (?:treatment|therapy)|not (?:received|had) (?:any )?systemic)",
    re.I,
)
TRIAL_TALK = re.compile(
    r"\b(?:imbrave150|himalaya(?! regimen)|reflect|resorce|celestial|reach-?2|sharp|keynote|"
    r"checkmate|cosmic|leap|rationale|cares|orient-?32(?! regimen)|silius|calgb|trial|study)\b",
    re.I,
)
HYPOTHETICAL_CLAUSE = re.compile(r"\b(?:if|were|suppose|supposing|what if|would|in case)\b", re.I)
PROGRESSION = re.compile(r"\b(?:progres+\w*|pd\b|progressive disease|growing|new (?:lesions?|mets|metastas\w+))", re.I)
NO_PROGRESSION = re.compile(r"\b(?:no|without|not)\s+(?:\w+\s+){0,2}progress\w*", re.I)
LIVER_PERCENT = re.compile(r"(\d{1,3})\s*%\s*(?:or more\s+)?(?:of\s+(?:the\s+)?)?liver", re.I)

CONCEPTS: dict[str, list[str]] = {
    "MPV": [
        "main portal vein invasion", "main portal vein tumour thrombus",
        "main portal vein tumor thrombus", "main portal vein thrombus", "main portal vein",
        "main portal trunk", "mpv invasion", "mpv", "mpvi", "vp4", "main pvtt",
        "tumour thrombus in the main portal vein", "tumor thrombus in the main portal vein",
        "contralateral branch", "contralateral portal vein",
    ],
    "PVTT_ANY": [
        "pvtt", "portal vein tumour thrombus", "portal vein tumor thrombus", "portal vein invasion",
        "portal vein thrombus", "portal vein thrombosis", "portal invasion",
    ],
    "BRANCH_PVTT": ["branch pvtt", "vp1", "vp2", "vp3", "segmental pvtt"],
    "EXTRAHEPATIC": [
        "extrahepatic spread", "extrahepatic disease", "extrahepatic metastases", "ehs",
        "extra-hepatic spread", "metastatic disease", "distant metastases", "mets", "met",
        "metastasis", "metastases", "in the lungs", "in the lung", "to the lungs", "to the bone",
    ],
    "VARICES_HIGH": [
        "high-risk varices", "high risk varices", "large varices", "large oesophageal varices",
        "large esophageal varices", "red wale", "red wale signs", "variceal bleed",
        "variceal bleeding", "variceal haemorrhage", "variceal hemorrhage", "bleeding varices",
        "untreated varices", "grade 3 varices", "not yet eradicated", "bled from varices",
        "bleeding from varices", "variceal haemorrhage", "bled from oesophageal varices",
    ],
    "VARICES_ANY": ["varices", "oesophageal varices", "esophageal varices"],
    "AUTOIMMUNE": [
        "autoimmune disease", "autoimmune diseases", "autoimmune condition",
        "autoimmune conditions", "autoimmune hepatitis", "autoimmune", "lupus", "sle",
        "rheumatoid arthritis", "ra", "crohn's disease", "crohn's", "crohns", "ulcerative colitis",
        "multiple sclerosis", "psoriatic arthritis", "myasthenia gravis", "vitiligo",
        "inflammatory bowel disease", "ibd",
    ],
    "TRANSPLANT": [
        "transplant", "transplantation", "liver transplant", "kidney transplant",
        "renal transplant", "heart transplant", "lung transplant", "solid-organ transplant",
        "solid organ transplant", "olt", "post-lt", "lt", "transplant recipient",
    ],
}  # fmt: skip

BOOL_FOR = {
    "EXTRAHEPATIC": "extrahepatic_spread",
    "AUTOIMMUNE": "autoimmune_disease",
    "TRANSPLANT": "solid_organ_transplant",
}
_LOCK = threading.Lock()
_NLP: Any = None


def _pipeline() -> Any:
    """The medspacy pipeline (target matcher + ConText), built once per process."""
    global _NLP
    with _LOCK:
        if _NLP is None:
            import medspacy
            from loguru import logger
            from medspacy.ner import TargetRule

            logger.remove()  # PyRuSH logs at DEBUG through loguru
            nlp = medspacy.load(medspacy_enable=["medspacy_target_matcher", "medspacy_context"])
            nlp.add_pipe("sentencizer", first=True)
            rules: list[Any] = []
            for category, names in CONCEPTS.items():
                rules.extend(TargetRule(str(n), category) for n in names)
            for drug, names in {**DRUG_NAMES, **COMBO_NAMES}.items():
                rules.extend(TargetRule(n, "DRUG", metadata={"id": drug}) for n in names)
            nlp.get_pipe("medspacy_target_matcher").add(rules)
            _NLP = nlp
        return _NLP


@dataclass
class Extraction:
    """Facts found in one message."""

    values: dict[str, Any] = field(default_factory=dict)


_VOCAB = sorted({n for names in DRUG_NAMES.values() for n in names if len(n) >= 7})
_WORD = re.compile(r"[A-Za-z][A-Za-z-]{5,}")


def normalise_spelling(text: str) -> str:
    """Correct misspelt drug names ("sorafanib", "lenvatinb") to the nearest known name."""

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        low = word.lower()
        if low in _VOCAB or not low.endswith(("ib", "ab", "nb", "mab", "nib", "mib", "amab")):
            if not any(low[:4] == v[:4] for v in _VOCAB):
                return word
        if low in _VOCAB:
            return word
        close = difflib.get_close_matches(low, _VOCAB, n=1, cutoff=0.8)
        return close[0] if close else word

    return _WORD.sub(fix, text)


def _sentence_clauses(text: str) -> list[str]:
    return [c for c in re.split(r"(?<=[.;!?])\s+|\n+", text) if c.strip()]


def extract_facts(text: str) -> dict[str, Any]:
    """Canonical profile fields stated in one message."""
    return extract(text).values


def extract(text: str) -> Extraction:
    """Read one clinician message into profile fields."""
    result = Extraction()
    text = normalise_spelling(text)
    for clause in _sentence_clauses(text):
        if TRIAL_TALK.search(clause) and not re.search(r"\bregimen\b", clause, re.I):
            continue  # statements about trials describe trial populations, not this patient
        if _general_question(clause):
            continue  # "What does ECOG 2 mean?" names a value, not this patient's
        if HYPOTHETICAL_CLAUSE.search(clause):
            head = HYPOTHETICAL_CLAUSE.split(clause, maxsplit=1)[0]
            found = measures(head) if head.strip() else {}
        else:
            found = measures(clause)
        result.values.update(found)
    _concepts(text, result)
    return result


def _given(doc: Any, ent: Any) -> bool:
    """Whether a drug mention reports treatment given rather than a question about it."""
    sent = ent.sent
    before = doc.text[sent.start_char : ent.start_char]
    after = doc.text[ent.end_char : sent.end_char]
    if ASKING.search(before[-40:]) or re.match(r"\s*\?", after):
        return False
    if sent.text.rstrip().endswith("?") and not GIVEN_BEFORE.search(before):
        return False  # "Could he have atezolizumab plus bevacizumab now?" asks about it
    asking_after = r"\b(?:dosing|dosed|side effects?|toxicit\w*|schedule)\b|\bdose\b(?!-)"
    if re.search(asking_after, after) and not GIVEN_BEFORE.search(before):
        return False  # "Opdivo/Yervoy dosing for HCC?" asks about it
    return bool(GIVEN_BEFORE.search(before) or GIVEN_AFTER.search(after) or PROGRESSION.search(after))


def _nlp_text(text: str) -> str:
    """The text ConText reads: ';' ends a sentence, and ':' is a comma (ConText reads
    "EGD: no varices" as a template answer negating what comes *before* the colon).
    Same length, so character offsets still match the original."""
    text = text.replace(";", ".").replace(":", ",")
    # ConText reads "child" as a family member: "Child-Pugh A" must not make the sentence family history.
    return re.sub(r"\bchild(?=(?:'?s)?[\s-]*p)", "Xhild", text, flags=re.I)


GENERAL_QUESTION = re.compile(
    r"(?:(?:in|for|with|according to|per|on)\b[^,?]*,\s*)?"
    r"(?:are|is|does|do|can|should|what|which|how|when|why)\b",
    re.I,
)
PATIENT_WORDS = re.compile(
    r"\b(?:he|she|his|her|him|patient|pt|they|this|my|our|someone|somebody|a (?:man|woman))\b", re.I
)


def _general_question(sentence: str) -> bool:
    """A question about medicine in general, not about this patient."""
    s = sentence.strip()
    return s.endswith("?") and bool(GENERAL_QUESTION.match(s)) and not PATIENT_WORDS.search(s)


def _concepts(text: str, result: Extraction) -> None:
    doc = _pipeline()(_nlp_text(text))
    values = result.values
    prior: list[str] = []
    drugs_by_sentence: dict[int, list[str]] = {}
    for ent in doc.ents:
        before = doc.text[ent.sent.start_char : ent.start_char]
        # "Not a candidate for atezo-bev due to a variceal bleed": the cause is affirmed.
        negated = ent._.is_negated and not re.search(r"due to|because of|owing to|secondary to", before, re.I)
        hypothetical = ent._.is_hypothetical
        family = ent._.is_family
        sentence_text = ent.sent.text
        if TRIAL_TALK.search(sentence_text) and not re.search(r"\bregimen\b", sentence_text, re.I):
            continue
        label = ent.label_
        if family or _general_question(sentence_text):
            continue
        if label == "DRUG":
            if negated and re.search(r"tolerat\w*\s*$", before, re.I):
                negated = False  # "did not tolerate sorafenib": it was given
            if negated or hypothetical or not _given(doc, ent):
                continue
            drug = ent._.target_rule.metadata["id"]
            drugs_by_sentence.setdefault(ent.sent.start, []).append(drug)
            continue
        if hypothetical or _hypothetical_sentence(sentence_text, ent):
            continue
        if label in BOOL_FOR:
            fieldname = BOOL_FOR[label]
            if label == "AUTOIMMUNE" and re.search(
                r"never needed|no systemic|off treatment|in remission", sentence_text, re.I
            ):
                values[fieldname] = False
            elif (
                label == "TRANSPLANT"
                and re.search(r"candidate|evaluation|referral|listed|waiting", sentence_text, re.I)
                and not negated
            ):
                continue
            else:
                values[fieldname] = not negated
        elif label == "MPV" and re.search(r"\bpatent\b", sentence_text, re.I):
            values["main_portal_vein_invasion"] = False
        elif label == "MPV":
            if re.search(r"\bbland\b|non-?tumou?r", sentence_text, re.I) and not re.search(
                r"\btumou?r thrombus\b(?! in the main)",
                sentence_text.replace("no tumour", ""),
                re.I,
            ):
                values["main_portal_vein_invasion"] = False
            else:
                values["main_portal_vein_invasion"] = not negated or values.get("main_portal_vein_invasion", False)
        elif label == "PVTT_ANY":
            if negated:
                values["main_portal_vein_invasion"] = False
        elif label == "BRANCH_PVTT":
            if not negated:
                values.setdefault("main_portal_vein_invasion", False)
        elif label == "VARICES_HIGH":
            if ent._.is_historical and not re.search(r"weeks?|days?|recent|last month", sentence_text, re.I):
                continue
            if re.search(r"eradicated(?! )|eradicated\b(?!.*not)", sentence_text, re.I) and not (
                re.search(r"not yet eradicated", sentence_text, re.I)
            ):
                values["high_risk_varices"] = False
            else:
                values["high_risk_varices"] = not negated
        elif label == "VARICES_ANY":
            if negated:
                values.setdefault("high_risk_varices", False)
            elif re.search(r"eradicated|small|low risk", sentence_text, re.I) and not re.search(
                r"not yet eradicated|large|(?<!without )(?<!no )red (?:wale|signs?|colou?r)",
                sentence_text,
                re.I,
            ):
                values.setdefault("high_risk_varices", False)
    for drugs in drugs_by_sentence.values():
        for drug in _combine(drugs):
            if drug not in prior:
                prior.append(drug)
    _liver_involvement(text, values)
    _ascites_encephalopathy(text, values)
    if prior:
        values["prior_therapies"] = prior
        _tolerance(doc, values)
    elif NO_SYSTEMIC.search(text) or re.search(r"\bdeclined\b", text, re.I) and re.search(r"no systemic", text, re.I):
        values["prior_therapies"] = []
    if (
        values
        and "prior_therapies" not in values
        and re.search(r"\b(?:first[- ]line|1l|front[- ]?line|upfront)\b", text, re.I)
        and not re.search(r"\b(?:after|progress\w*|failed|on)\b", text, re.I)
    ):
        values["line_of_therapy"] = "first"
    if prior or "progressed" in values or re.search(r"\bpd\b|progress", text, re.I):
        _progression(text, values)


def _hypothetical_sentence(sentence: str, ent: Any) -> bool:
    head = sentence[: ent.start_char - ent.sent.start_char]
    return bool(re.search(r"\b(?:if|would|were|what if|suppose)\b", head, re.I))


def _combine(drugs: list[str]) -> list[str]:
    """Regimen ids for the drugs named in one sentence (atezolizumab + bevacizumab -> one)."""
    remaining = list(dict.fromkeys(drugs))
    regimens: list[str] = []
    for a, b, combo in PAIRS:
        if a in remaining and b in remaining:
            regimens.append(combo)
            remaining = [d for d in remaining if d not in (a, b)]
    if "durvalumab+tremelimumab" in drugs or "tremelimumab" in remaining:
        remaining = [d for d in remaining if d not in ("tremelimumab", "durvalumab")]
        if "durvalumab+tremelimumab" not in regimens:
            regimens.append("durvalumab+tremelimumab")
    if "nivolumab+ipilimumab" in remaining and "nivolumab" in remaining:
        remaining.remove("nivolumab")  # "nivo-ipi then nivolumab maintenance" is one regimen
    for drug in remaining:
        if drug in SINGLE_REGIMENS or "+" in drug:
            if drug not in regimens:
                regimens.append(drug)
    return regimens


def _tolerance(doc: Any, values: dict[str, Any]) -> None:
    if "sorafenib" not in values.get("prior_therapies", []):
        return
    for sent in doc.sents:
        text = sent.text
        if not re.search(r"sorafenib|nexavar", text, re.I):
            continue
        if re.search(r"tolerance unknown|unknown tolerance", text, re.I):
            return
        if re.search(r"\bif\b|would", text, re.I):
            continue
        if INTOLERANT.search(text) and not re.search(r"stopped for (?:pd|progression)", text, re.I):
            values["sorafenib_tolerated"] = False
            return
        if TOLERATED.search(text):
            values["sorafenib_tolerated"] = True
            return


def _progression(text: str, values: dict[str, Any]) -> None:
    for clause in _sentence_clauses(text):
        if re.search(r"\bif\b|would|\?", clause, re.I) and not re.search(r"progressed on|pd\b", clause, re.I):
            continue
        if NO_PROGRESSION.search(clause):
            values["progressed"] = False
        elif PROGRESSION.search(clause):
            values["progressed"] = True


def _liver_involvement(text: str, values: dict[str, Any]) -> None:
    for clause in _sentence_clauses(text):
        if TRIAL_TALK.search(clause) or re.search(r"\bif\b|would", clause, re.I):
            continue
        match = LIVER_PERCENT.search(clause)
        if not match:
            continue
        percent = int(match.group(1))
        before = clause[: match.start()].lower()
        if re.search(r"(?:under|below|less than|<)\s*$", before.split("of")[0] + before[-12:]):
            values["liver_involvement_50"] = False
        elif re.search(r"(?:under|below|less than|<)\s*$", before):
            values["liver_involvement_50"] = False
        else:
            values["liver_involvement_50"] = percent >= 50
    if re.search(r"more than half of the liver|majority of the liver", text, re.I):
        values["liver_involvement_50"] = True


def _ascites_encephalopathy(text: str, values: dict[str, Any]) -> None:
    low = text.lower()
    if re.search(r"\b(?:no|without|denies)\s+(?:\w+\s+){0,2}ascit", low):
        values["ascites"] = "none"
    elif re.search(
        r"(?:moderate|severe|refractory|tense|large-volume|large volume)\s+(?:\w+\s+)?ascit|"
        r"ascit\w*\s+(?:requiring|needing)\s+(?:\w+\s+)?paracentesis",
        low,
    ):
        values["ascites"] = "moderate_severe"
    elif re.search(r"(?:mild|small|slight|minimal|trace)\s+ascit|ascit\w*\s+(?:controlled|on diuretics)", low):
        values["ascites"] = "mild"
    enceph = r"(?:encephalopat\w*|encephalopthy|\bhe\b)"
    if re.search(rf"\b(?:no|without|denies)\s+(?:\w+\s+){{0,3}}{enceph}", low) or re.search(
        rf"\bno\s+ascit\w*\s+or\s+{enceph}", low
    ):
        values["encephalopathy"] = "none"
    elif re.search(rf"grade\s*(?:3|4|iii|iv)\s+(?:\w+\s+)?{enceph}|{enceph}\s+grade\s*(?:3|4)|coma", low):
        values["encephalopathy"] = "grade_3_4"
    elif re.search(
        rf"grade\s*(?:1|2|i|ii)\s+(?:\w+\s+)?{enceph}|mild\s+{enceph}|{enceph}\s+grade\s*(?:1|2)",
        low,
    ):
        values["encephalopathy"] = "grade_1_2"
