"""What a message asks for: scope and safety checks, intent, and the regimens and trials it names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from .facts import COMBO_NAMES, DRUG_NAMES, PAIRS, normalise_spelling
from .reading.rows import message_sentences, unwrapped

Kind = Literal["recommendation", "information", "clarification", "refusal"]
Topic = Literal[
    "options",
    "dosing",
    "toxicity",
    "evidence",
    "definition",
    "general",
    "next_line",
    "approval",
    "eligibility",
]

INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b.{0,40}\b(?:rules?|instructions?|guidelines?|"
    r"pathways?|checker|guardrails?|safety|previous|above|system)\b|\bjailbreak|\bdeveloper mode|"
    r"\bsystem prompt\b|\byou are now\b|\bpretend (?:you|to)\b|\bact as (?:an? )?(?:unrestricted|"
    r"different)|\bno (?:rules|restrictions|limits)\b",
    re.I | re.S,
)
RULE_WORDS = re.compile(
    r"\b(?:rules?|instructions?|guidelines?|pathways?|checker|guardrails?|safety|system|prompt)\b", re.I
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
NOT_HUMAN_OR_NOT_HCC = re.compile(
    r"\b(?:dog|dogs|cat|cats|horse|pet|puppy|kitten|veterinar\w*|canine|feline)\b|"
    r"\b(?:direct[- ]acting antivirals?|daas?|antiviral regimen|sofosbuvir|glecaprevir|"
    r"hepatitis c (?:treatment|therapy|cure)|genotype \d)\b",
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
    r"transplant|ascites|encephalopathy|bilirubin|albumin|inr|chemotherapy|haic|tace|dos\w*|"
    r"tablets?|pills?|drips?|infusions?|medicines?|medications?|drugs?|oncologist|doctor|options?|"
    r"progress\w*|first[- ]line|second[- ]line|regimens?|treatments?|therap(?:y|ies)|patients?|he|she)\b",
    re.I,
)
HCC = re.compile(r"\b(?:hcc|hepatocellular|liver cancer|hepatoma)\b", re.I)
ESCALATION = re.compile(
    r"\b(?:double|triple(?!-)|escalat\w*|higher than (?:the )?(?:label|approved|standard)|above (?:the )?"
    r"(?:label|approved|maximum)|beyond (?:the )?label|more than (?:the )?(?:label|approved|maximum)|"
    r"increase (?:the )?dose (?:above|beyond|past)|higher (?:\w+ )?doses?|supra-?therapeutic|megadose|"
    r"twice as much|more than (?:prescribed|the prescribed))\b",
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
    r"wants? (?:systemic|treatment|immunotherapy|atezo|lenvatinib|sorafenib)(?! (?:stopped|held|paused|withheld|"
    r"interrupted|discontinued|off|reduced)\b)|demand\w*|push)\b",
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
    r"\b(?:what|which|how much|starting|recommended|usual|standard|label(?:led)?|max(?:imum)?)\b"
    r"[^.?]*\bdos(?:e|es|ing|age)\b|\bdos(?:e|ed|es|ing|age)\b[^.]*\?|\bhow (?:is|are|do you)\b[^.?]*"
    r"\b(?:dosed|given|dose|administered)\b|\bschedule\b|\bcycles?\b|\bdays on\b|\bhow (?:often|long)\b|"
    r"\bmg/kg\b|\bdosing\b|\bafter the (?:\w+ )?(?:combination )?doses\b|\bmilligrams?\b|"
    r"\bhow many (?:mg|tablets|pills)\b|\bcontinuous\w*|\bweek off\b|\bevery day\b",
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
    r"\b(?:what is|what are|what does|define|definition of|explain|meaning of|which)\b.{0,40}\b(?:albi|"
    r"mrecist|bclc|child[- ]?pugh|ecog|vp[1-4]?|stride|haic|recist)\b|\b(?:how (?:is|do you) (?:calculate|"
    r"compute|score))\b|\bhow is (?:the )?(?:albi|child[- ]?pugh|bclc|mrecist)\w*(?: score| grade| stage)? "
    r"(?:calculated|computed|defined|graded|assessed)|\b(?:parameters|items|components|criteria)\b.{0,30}"
    r"\b(?:child[- ]?pugh|albi|bclc)\b",
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
DOSE_ASK = re.compile(
    r"\b(?:what|which)\s+(?:\w+\s+){0,3}dos\w*|\b(?:starting|recommended|usual|labell?ed|label)\s+dos\w*|"
    r"\bdos\w*\?|\bdose of\b|\bdose for\b(?=[^.?]*\b(?:kg|kgs|lb|lbs|patient|pt)\b)|"
    r"\bhow (?:is|are|should)\b[^.?]*\bdosed\b|\bhow much\b",
    re.I,
)
APPROVAL = re.compile(r"\b(?:approv\w*|fda|ema|united states|licens\w*|label(?:led)? indication)\b", re.I)
ELIGIBILITY = re.compile(
    r"\b(?:which|who|what) (?:hcc )?(?:patients|people)\b|\beligib\w*|\bwho can (?:get|have|receive)\b|"
    r"\bcan get\b|\bselection criteria\b|\brequired\b|\brestricted\b",
    re.I,
)
# "What are the options?" with nothing else: a request about a patient not yet described.
OPTIONS_BARE = re.compile(
    r"^\W*(?:so,?\s*)?(?:what are (?:the|my|his|her|their) options|options|what next|next steps?|what now|"
    r"what (?:should|do) (?:i|we) (?:do|give|start))\W*$",
    re.I,
)
FOLLOW_UP_PRONOUN = re.compile(
    r"\b(?:it|its|this|that|these|those|them|the regimen|the drug)\b|^\s*(?:and|what about|how about)\b",
    re.I,
)
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
_TRIAL_RES["himalaya-5y"] = re.compile(
    r"\bhimalaya\b.{0,40}\b(?:5|five)[- ]year|\b(?:5|five)[- ]year\b.{0,60}\bhimalaya\b", re.I
)
_TRIAL_RES["imbrave150-update"] = re.compile(r"\bimbrave[- ]?150\b.{0,40}\bupdat", re.I)

NEGATIVE_COMBOS = {
    "lenvatinib+pembrolizumab": "leap-002",
    "cabozantinib+atezolizumab": "cosmic-312",
    "sorafenib+doxorubicin": "calgb-80802",
}


def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.I)


_DRUG_RES = {drug: [_name_pattern(n) for n in names if len(n) >= 3] for drug, names in DRUG_NAMES.items()}
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
    # asked in general: no particular patient named, no measured fact of one, none described before
    general: bool = False
    # what a question in general states of the patients it asks about ({"child_pugh_class": "B"}, prior therapies
    # it presupposes): applied over the trials' population, never stored
    conditions: dict[str, Any] = field(default_factory=dict)


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


PATIENT_DIRECTED = re.compile(
    r"\b(?:he|she|him|her|his|they|patient|pt|my|our|this (?:man|woman|lady|gentleman|case)|"
    r"(?:should|can|could|do|would) (?:i|we) (?:start|give|use|treat|offer|choose|prescribe)|"
    r"what (?:should|do) (?:i|we)|i(?:'m| am) (?:treating|seeing)|"
    r"\d{2}\s*(?:yo|y/o|year[- ]old|[mf]))\b",
    re.I,
)
# Labelled maximum single doses (mg) of the oral agents, from the corpus dose strings.
LABEL_MAX_MG = {"lenvatinib": 12, "sorafenib": 400, "regorafenib": 160, "cabozantinib": 60}
LABEL_MAX_DAILY_MG = {"sorafenib": 800}


def above_label(text: str, regimens: list[str]) -> bool:
    """A dose in mg above the labelled dose of a named oral agent ("lenvatinib 24 mg")."""
    for match in re.finditer(r"(\d+(?:\.\d+)?)\s*mg\b(?!\s*/)(\s*(?:daily|a day|per day|/day))?", text, re.I):
        value = float(match.group(1))
        for drug in regimens:
            limit = LABEL_MAX_MG.get(drug)
            if limit is None:
                continue
            daily_limit = LABEL_MAX_DAILY_MG.get(drug, limit)
            if value > (daily_limit if match.group(2) else limit) and value > daily_limit:
                return True
            if value > limit and not match.group(2) and drug not in LABEL_MAX_DAILY_MG:
                return True
    return False


def classify(
    text: str,
    *,
    has_topic: bool,
    has_facts: bool,
    new_facts: bool,
    scope_checked: bool = False,
    in_scope: bool = False,
    requested: bool = False,
) -> Intent:
    """Read one (already cleaned) message: refusals first, then what kind of answer it wants.

    `in_scope`: the question frame's classifier read an in-scope question with confidence ("what treatments
    are there for my dad?"), so the older "not about HCC" word list does not refuse it.

    `requested`: the fact reader read a regimen asked for in a statement (a request, not a question about it).

    `scope_checked`: the scope decisions of `assistant.asking.scope` (other cancers, children, animals,
    doses above label) were already taken, so the older word lists here are not consulted."""
    text = normalise_spelling(text)
    regimens = regimens_named(text)
    trials = trials_named(text)
    intent = Intent(kind="information", regimens=regimens, trials=trials)
    injection = INJECTION.search(text)
    # "Disregard the previous AFP, it is 350" supplies a fact: a correction, not an attack on the rules.
    if injection and not (new_facts and not RULE_WORDS.search(injection.group(0))):
        intent.kind, intent.refusal_reason = "refusal", "unsafe"
        return intent
    if not scope_checked and NOT_HUMAN_OR_NOT_HCC.search(text) and not re.search(r"\bhcc\b|hepatocellular", text, re.I):
        intent.kind, intent.refusal_reason = "refusal", "out_of_scope"
        intent.refusal_detail = "not systemic therapy of human HCC"
        return intent
    if not scope_checked and (OTHER_CANCER.search(text) or PAEDIATRIC.search(text)) and not HCC.search(text):
        intent.kind, intent.refusal_reason = "refusal", "out_of_scope"
        intent.refusal_detail = "paediatric" if PAEDIATRIC.search(text) else "other cancer"
        return intent
    if not DOMAIN.search(text) and not (regimens or trials or new_facts or has_topic or has_facts or in_scope):
        if GREETING.search(text):
            return intent
        intent.kind, intent.refusal_reason = "refusal", "out_of_scope"
        intent.refusal_detail = "not about HCC"
        return intent
    asks_info = bool(INFO_ASK.search(text)) or bool(trials)
    negative = [r for r in regimens if r in NEGATIVE_COMBOS]
    # `requested`: the fact reader read a drug asked for by a cue in a statement ("write me orders for lenvatinib plus
    # pembrolizumab"), a request whatever else the message asks
    if negative and (REQUEST.search(text) or requested or not asks_info):
        intent.kind, intent.refusal_reason = "refusal", "off_pathway"
        intent.refusal_detail = negative[0]
        return intent
    if (
        not scope_checked
        and (above_label(text, regimens) or ESCALATION.search(text))
        and (regimens or has_topic)
        and not re.search(r"\b(?:what is|what's) the (?:max|maximum)\b", text, re.I)
    ):
        intent.kind, intent.refusal_reason = "refusal", "off_pathway"
        intent.refusal_detail = "dose escalation"
        return intent
    if LOCOREGIONAL_COMBO.search(unwrapped(text)) and (regimens or re.search(r"systemic", text, re.I)):
        # the request in the combination's own sentence: "before that TACE x4 and Y-90 ... eradication programme
        # still ongoing" is history and an unrelated "still", not a request to combine
        if any(
            LOCOREGIONAL_COMBO.search(part) and REQUEST.search(part) for part in message_sentences(unwrapped(text))
        ) and not INFO_ASK.search(text):
            intent.kind, intent.refusal_reason = "refusal", "off_pathway"
            intent.refusal_detail = "locoregional combination"
            return intent
    if (
        "nivolumab" in regimens
        and re.search(r"first[- ]line|1l|frontline", text, re.I)
        and (re.search(r"\bmono|alone|single[- ]agent", text, re.I))
    ):
        if REQUEST.search(text):
            intent.kind, intent.refusal_reason = "refusal", "off_pathway"
            intent.refusal_detail = "nivolumab-first-line-monotherapy"
            return intent
    intent.follow_up = bool(FOLLOW_UP_PRONOUN.search(text)) and not regimens and not trials
    intent.next_line = bool(NEXT_LINE.search(text))
    about_drug = bool(regimens) or intent.follow_up or has_topic
    dose_question = bool(DOSE_ASK.search(text)) if new_facts else bool(DOSING.search(text))
    if DEFINITION.search(text) and not new_facts:
        intent.topic = "definition"
    elif dose_question and about_drug:
        intent.topic = "dosing"
    elif APPROVAL.search(text) and regimens and not new_facts:
        intent.topic = "approval"
    elif ELIGIBILITY.search(text) and regimens and not new_facts:
        intent.topic = "eligibility"
    elif TOXICITY.search(text) and (regimens or intent.follow_up) and not new_facts:
        intent.topic = "toxicity"
    elif trials and not new_facts:
        intent.topic = "evidence"
    elif intent.next_line:
        intent.topic, intent.kind = "next_line", "recommendation"
        return intent
    elif new_facts or (
        OPTIONS.search(text) and (has_facts or PATIENT_DIRECTED.search(text) or OPTIONS_BARE.search(text))
    ):
        intent.topic, intent.kind = "options", "recommendation"
        return intent
    elif EVIDENCE.search(text) and (regimens or intent.follow_up):
        intent.topic = "evidence"
    if intent.topic == "general" and (regimens or trials or intent.follow_up):
        intent.topic = "evidence"
    return intent
