"""What a message asks for: scope and safety checks, intent, and the regimens and trials it names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from .facts import COMBO_NAMES, DRUG_NAMES, PAIRS, normalise_spelling

Kind = Literal["recommendation", "information", "clarification", "refusal"]
Topic = Literal["options", "dosing", "toxicity", "evidence", "definition", "general", "next_line"]

INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b.{0,40}\b(?:rules?|instructions?|guidelines?|"
    r"pathways?|checker|guardrails?|safety|previous|above|system)\b|\bjailbreak|\bdeveloper mode|"
    r"\bsystem prompt\b|\byou are now\b|\bpretend (?:you|to)\b|\bact as (?:an? )?(?:unrestricted|"
    r"different)|\bno (?:rules|restrictions|limits)\b|\{\{.*\}\}|<\s*script|\$\{",
    re.I | re.S,
)
OTHER_CANCER = re.compile(
    r"\b(?:(?:small[- ]cell |non[- ]small[- ]cell )?lung cancer|nsclc|sclc|breast cancer|"
    r"colorectal|colon cancer|rectal cancer|prostate cancer|pancreatic cancer|gastric cancer|"
    r"oesophageal cancer|esophageal cancer|melanoma|lymphoma|leuka?emia|myeloma|glioblastoma|"
    r"ovarian cancer|cervical cancer|bladder cancer|renal cell|kidney cancer|thyroid cancer|"
    r"cholangiocarcinoma|biliary tract cancer|gallbladder cancer|sarcoma|mesothelioma|"
    r"head and neck cancer|neuroendocrine)\b",
    re.I,
)
PAEDIATRIC = re.compile(
    r"\b(?:hepatoblastoma|paediatric|pediatric|child(?:ren)? (?:with|aged)|infant|toddler|"
    r"\d{1,2}[- ]year[- ]old (?:boy|girl|child)|fibrolamellar in (?:a )?child)\b",
    re.I,
)
DOMAIN = re.compile(
    r"\b(?:hcc|hepatocellular|liver|hepat\w*|cirrho\w*|child[- ]?pugh|ecog|afp|alpha[- ]?fetoprotein|"
    r"bclc|albi|mrecist|portal|varice\w*|tumou?r|cancer|oncolog\w*|systemic|immunotherapy|"
    r"checkpoint|tki|ici|trial|guideline|dose|dosing|toxicit\w*|side effects?|survival|"
    r"transplant|ascites|encephalopathy|bilirubin|albumin|inr|chemotherapy|haic|tace|"
    r"progress\w*|first[- ]line|second[- ]line|regimen|treatment|therapy|patient|he|she)\b",
    re.I,
)
HCC = re.compile(r"\b(?:hcc|hepatocellular|liver cancer|hepatoma)\b", re.I)
ESCALATION = re.compile(
    r"\b(?:double|triple|escalat\w*|higher than (?:the )?(?:label|approved|standard)|above (?:the )?"
    r"(?:label|approved|maximum)|beyond (?:the )?label|more than (?:the )?(?:label|approved|maximum)|"
    r"increase (?:the )?dose (?:above|beyond|past)|higher doses?|supra-?therapeutic|megadose)\b",
    re.I,
)
REQUEST = re.compile(
    r"\b(?:can (?:i|we)|could (?:i|we)|should (?:i|we)|shall (?:i|we)|may (?:i|we)|i want to|"
    r"we want to|let'?s|please|prescribe|give|start|add|combine|use|treat|go ahead|"
    r"together|anyway|regardless|still|insist\w*)\b",
    re.I,
)
INSIST = re.compile(
    r"\b(?:anyway|regardless|still (?:want|give|start|treat)|insist\w*|even (?:so|though|if)|"
    r"wants? (?:systemic|treatment|immunotherapy|atezo|lenvatinib|sorafenib)|demand\w*|push)\b",
    re.I,
)
LOCOREGIONAL_COMBO = re.compile(
    r"\b(?:tace|chemoembolis\w*|chemoemboliz\w*|radioembolis\w*|radioemboliz\w*|sirt|y-?90)\b.{0,40}"
    r"\b(?:plus|with|and|combined|together|\+)\b|\b(?:plus|with|and|\+)\s+(?:tace|sirt|y-?90)\b",
    re.I,
)
INFO_ASK = re.compile(
    r"\b(?:what (?:did|does|do|was|were|is|are)|why|results?|show(?:ed|n)?|data|evidence|"
    r"explain|tell me about|how did|outcome|hazard ratio|survival|pfs|os\b|response rate|"
    r"define|definition|meaning|mean)\b",
    re.I,
)
DOSING = re.compile(
    r"\b(?:dos(?:e|es|ed|ing|age)|how much|schedule|how (?:is|are) (?:it|they|\w+) (?:given|dosed)|"
    r"starting|regimen schedule)\b",
    re.I,
)
TOXICITY = re.compile(
    r"\b(?:side[- ]effects?|toxicit\w*|adverse|safety|cautions?|contraindicat\w*|risks?|"
    r"warnings?|harm\w*)\b",
    re.I,
)
EVIDENCE = re.compile(
    r"\b(?:trial|results?|survival|hazard ratio|\bhr\b|pfs|os\b|median|response rate|"
    r"efficacy|show(?:ed)?|evidence|data|approv\w*|guideline|position|recommend\w* by)\b",
    re.I,
)
DEFINITION = re.compile(
    r"\b(?:what is|what are|define|definition of|explain|meaning of)\b.{0,30}\b(?:albi|mrecist|"
    r"bclc|child[- ]?pugh|ecog|vp[1-4]?|stride|haic|recist)\b|\b(?:how (?:is|do you) (?:calculate|"
    r"compute|score))\b",
    re.I,
)
OPTIONS = re.compile(
    r"\b(?:options?|what next|next step|what now|treat\w*|therap\w*|recommend\w*|start|choose|"
    r"best|should (?:i|we)|regimen|plan|manage\w*|first[- ]line|second[- ]line|third[- ]line|"
    r"next line|eligible|candidate|suitable|offer|can (?:he|she|they|i|we) (?:have|get|receive))\b",
    re.I,
)
NEXT_LINE = re.compile(
    r"\b(?:if|when|once|after) (?:he|she|they|the patient|it|disease) (?:progress\w*|fails?)|"
    r"\band if (?:he|she|they) progress\w*|\bafter progression\b",
    re.I,
)
FOLLOW_UP_PRONOUN = re.compile(r"\b(?:it|its|this|that|these|those|them|the regimen|the drug)\b", re.I)
GREETING = re.compile(r"^\s*(?:hi|hello|hey|good (?:morning|afternoon|evening)|thanks?|thank you)\b", re.I)

TRIAL_NAMES = {
    "sharp": r"\bSHARP\b", "asia-pacific": r"\basia[- ]pacific\b", "reflect": r"\bREFLECT\b",
    "imbrave150": r"\bimbrave[- ]?150\b", "himalaya": r"\bhimalaya\b",
    "checkmate-9dw": r"\bcheck[- ]?mate[- ]?9dw\b", "cares-310": r"\bcares[- ]?310\b",
    "rationale-301": r"\brationale[- ]?301\b", "orient-32": r"\borient[- ]?32\b",
    "checkmate-459": r"\bcheck[- ]?mate[- ]?459\b", "leap-002": r"\bleap[- ]?0?02\b",
    "cosmic-312": r"\bcosmic[- ]?312\b", "resorce": r"\bresorce\b", "celestial": r"\bcelestial\b",
    "reach-2": r"\breach[- ]?2\b", "keynote-240": r"\bkeynote[- ]?240\b",
    "keynote-394": r"\bkeynote[- ]?394\b", "checkmate-040-nivo-ipi": r"\bcheck[- ]?mate[- ]?040\b",
    "each": r"\bEACH\b", "calgb-80802": r"\bcalgb[- ]?80802\b",
    "haic-pvtt": r"\bhe et al\b|\bFOLFOX[- ]HAIC\b", "silius": r"\bsilius\b",
    "mrecist": r"\bm-?recist\b", "albi": r"\balbi\b", "aasld-2023": r"\baasld\b",
    "bclc-2022": r"\bbclc (?:2022|guideline|strategy|update)\b", "esmo-2025": r"\besmo(?: 2025)?\b",
    "esmo-2021": r"\besmo 2021\b", "esmo-2018": r"\besmo 2018\b", "asco-2024": r"\basco\b",
    "easl-2025": r"\beasl\b",
}  # fmt: skip
_TRIAL_RES = {k: re.compile(v, 0 if v.isupper() or "SHARP" in v else re.I) for k, v in TRIAL_NAMES.items()}
_TRIAL_RES["reflect"] = re.compile(r"\bREFLECT\b|\breflect (?:trial|study)\b")
_TRIAL_RES["sharp"] = re.compile(r"\bSHARP\b|\bsharp (?:trial|study)\b")
_TRIAL_RES["each"] = re.compile(r"\bEACH\b(?! day| week| cycle)|\beach (?:trial|study)\b")
_TRIAL_RES["himalaya-5y"] = re.compile(r"\bhimalaya\b.{0,40}\b(?:5|five)[- ]year", re.I)
_TRIAL_RES["imbrave150-update"] = re.compile(r"\bimbrave[- ]?150\b.{0,40}\bupdat", re.I)

NEGATIVE_COMBOS = {
    "lenvatinib+pembrolizumab": "leap-002",
    "cabozantinib+atezolizumab": "cosmic-312",
    "sorafenib+doxorubicin": "calgb-80802",
}


def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.I)


_DRUG_RES = {
    drug: [_name_pattern(n) for n in names if len(n) > 3] for drug, names in DRUG_NAMES.items()
}
_COMBO_RES = {combo: [_name_pattern(n) for n in names] for combo, names in COMBO_NAMES.items()}


@dataclass
class Intent:
    """How the assistant reads one message."""

    kind: Kind
    topic: Topic = "general"
    refusal_reason: str | None = None
    refusal_detail: str = ""
    regimens: list[str] = field(default_factory=list)
    trials: list[str] = field(default_factory=list)
    follow_up: bool = False
    next_line: bool = False


def mentioned_drugs(text: str) -> list[str]:
    """Drugs and regimens named anywhere in the text, in order (combinations merged)."""
    hits: list[tuple[int, str]] = []
    for combo, patterns in _COMBO_RES.items():
        for p in patterns:
            for m in p.finditer(text):
                hits.append((m.start(), combo))
    for drug, patterns in _DRUG_RES.items():
        for p in patterns:
            for m in p.finditer(text):
                hits.append((m.start(), drug))
    ordered = [d for _, d in sorted(hits)]
    return list(dict.fromkeys(ordered))


def regimens_named(text: str) -> list[str]:
    """Regimen ids the text names, pairing drugs named together (atezolizumab + bevacizumab)."""
    drugs = mentioned_drugs(text)
    regimens: list[str] = []
    used: set[str] = set()
    for a, b, combo in PAIRS:
        if a in drugs and b in drugs and _together(text, a, b):
            regimens.append(combo)
            used |= {a, b}
    for d in drugs:
        if d in used:
            continue
        if d in ("tremelimumab",):
            d = "durvalumab+tremelimumab"
        elif d in ("ipilimumab",):
            d = "nivolumab+ipilimumab"
        elif d in ("atezolizumab", "bevacizumab") and "atezolizumab+bevacizumab" not in regimens:
            d = "atezolizumab+bevacizumab"
        elif d in ("camrelizumab", "rivoceranib"):
            d = "camrelizumab+rivoceranib"
        elif d in ("sintilimab",):
            d = "sintilimab+bevacizumab-biosimilar"
        elif d == "doxorubicin":
            continue
        if d not in regimens:
            regimens.append(d)
    return regimens


def _together(text: str, a: str, b: str) -> bool:
    """Two drugs named as one regimen: joined by plus/with/and/+//, or within a few words."""
    names_a = "|".join(re.escape(n) for n in DRUG_NAMES[a])
    names_b = "|".join(re.escape(n) for n in DRUG_NAMES[b])
    joined = rf"(?:{names_a})\W+(?:\w+\W+){{0,3}}?(?:{names_b})|(?:{names_b})\W+(?:\w+\W+){{0,3}}?(?:{names_a})"
    return bool(re.search(joined, text, re.I))


def trials_named(text: str) -> list[str]:
    """Source ids of trials, guidelines and methods named in the text."""
    found = [sid for sid, pattern in _TRIAL_RES.items() if pattern.search(text)]
    if "himalaya-5y" in found and "himalaya" not in found:
        found.append("himalaya")
    return found


def classify(text: str, *, has_topic: bool, has_facts: bool, new_facts: bool) -> Intent:
    """Read one (already cleaned) message: refusals first, then what kind of answer it wants."""
    text = normalise_spelling(text)
    regimens = regimens_named(text)
    trials = trials_named(text)
    intent = Intent(kind="information", regimens=regimens, trials=trials)
    if INJECTION.search(text):
        intent.kind, intent.refusal_reason = "refusal", "unsafe"
        return intent
    if (OTHER_CANCER.search(text) or PAEDIATRIC.search(text)) and not HCC.search(text):
        intent.kind, intent.refusal_reason = "refusal", "out_of_scope"
        intent.refusal_detail = "paediatric" if PAEDIATRIC.search(text) else "other cancer"
        return intent
    if not DOMAIN.search(text) and not regimens and not trials and not new_facts:
        if GREETING.search(text):
            return intent
        intent.kind, intent.refusal_reason = "refusal", "out_of_scope"
        intent.refusal_detail = "not about HCC"
        return intent
    asks_info = bool(INFO_ASK.search(text)) or bool(trials)
    negative = [r for r in regimens if r in NEGATIVE_COMBOS]
    if negative and (REQUEST.search(text) or not asks_info):
        intent.kind, intent.refusal_reason = "refusal", "off_pathway"
        intent.refusal_detail = negative[0]
        return intent
    if ESCALATION.search(text) and (regimens or has_topic) and not re.search(
        r"\b(?:what is|what's) the (?:max|maximum)\b", text, re.I
    ):
        intent.kind, intent.refusal_reason = "refusal", "off_pathway"
        intent.refusal_detail = "dose escalation"
        return intent
    if LOCOREGIONAL_COMBO.search(text) and (regimens or re.search(r"systemic", text, re.I)):
        if REQUEST.search(text) and not INFO_ASK.search(text):
            intent.kind, intent.refusal_reason = "refusal", "off_pathway"
            intent.refusal_detail = "locoregional combination"
            return intent
    if "nivolumab" in regimens and re.search(r"first[- ]line|1l|frontline", text, re.I) and (
        re.search(r"\bmono|alone|single[- ]agent", text, re.I)
    ):
        if REQUEST.search(text):
            intent.kind, intent.refusal_reason = "refusal", "off_pathway"
            intent.refusal_detail = "nivolumab-first-line-monotherapy"
            return intent
    intent.follow_up = bool(FOLLOW_UP_PRONOUN.search(text)) and not regimens and not trials
    intent.next_line = bool(NEXT_LINE.search(text))
    if new_facts and "?" not in text:
        # A case description without a question: what does the pathway offer this patient?
        intent.topic, intent.kind = "options", "recommendation"
        return intent
    if DEFINITION.search(text):
        intent.topic = "definition"
    elif DOSING.search(text):
        intent.topic = "dosing"
    elif TOXICITY.search(text) and not OPTIONS.search(text):
        intent.topic = "toxicity"
    elif intent.next_line:
        intent.topic, intent.kind = "next_line", "recommendation"
        return intent
    elif trials or (EVIDENCE.search(text) and (regimens or intent.follow_up)):
        intent.topic = "evidence"
    elif OPTIONS.search(text) or (has_facts and new_facts) or (new_facts and not text.endswith("?")):
        intent.topic, intent.kind = "options", "recommendation"
        return intent
    if intent.topic == "general" and (regimens or trials or intent.follow_up):
        intent.topic = "evidence"
    return intent
