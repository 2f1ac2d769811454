"""The overview answer: the landscape of systemic therapy for advanced HCC ("what are the chemotherapy options?").

A pure function of the corpus passages and the audience. For clinicians every bullet is a sentence of a named
corpus section, cited to that passage; for patients every bullet is a plain-words sentence that the citation
cover must support from the same sections (a sentence it cannot support is left out, never stated uncited).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..compose import DISCLAIMER, PATIENT_DISCLAIMER, Builder, sentences
from ..errors import CorpusError
from ..models import Answer, Chunk


@dataclass(frozen=True)
class Pick:
    """The sentence of `doc`'s `section` that contains `phrase` (case-insensitive)."""

    doc: str
    section: str
    phrase: str


FIRST = "first-line-selection"
SECOND = "second-line-sequencing"
CHEMO = "chemotherapy-haic"
LIVER = "liver-function"
STAGING = "staging"
OFF = "off-pathway-combinations"
RESPONSE = "response-assessment"

# Clinician outline: (heading, sentences). Headings carry no claim; every bullet is a cited corpus sentence.
CLINICIAN: tuple[tuple[str, tuple[Pick, ...]], ...] = (
    (
        "Who receives systemic therapy",
        (Pick(STAGING, "Who receives systemic therapy", "systemic"),),
    ),
    (
        "First line",
        (
            Pick(FIRST, "Preferred first-line combinations", "are the preferred first-line regimens"),
            Pick(FIRST, "Evidence for the preferred combinations", "In IMbrave150"),
            Pick(FIRST, "Evidence for the preferred combinations", "median overall survival was 19.2"),
            Pick(FIRST, "Evidence for the preferred combinations", "In HIMALAYA"),
            Pick(FIRST, "Evidence for the preferred combinations", "At five years"),
            Pick(FIRST, "Nivolumab plus ipilimumab first line", "is a first-line option in ESMO 2025"),
            Pick(FIRST, "Nivolumab plus ipilimumab first line", "In CheckMate 9DW"),
            Pick(FIRST, "When bevacizumab is unsuitable: varices and bleeding", "strongly advises upper endoscopy"),
            Pick(
                FIRST, "When immune checkpoint inhibitors are contraindicated", "the first-line options are lenvatinib"
            ),
            Pick(FIRST, "When only the immunotherapy combinations are unsuitable", "monotherapy are options"),
            Pick(FIRST, "Regional option: camrelizumab plus rivoceranib", "where it is available"),
        ),
    ),
    (
        "Second line",
        (
            Pick(SECOND, "Summary", "depends on the first-line regimen"),
            Pick(SECOND, "Regorafenib after sorafenib (RESORCE)", "The RESORCE trial tested regorafenib"),
            Pick(SECOND, "Cabozantinib after sorafenib (CELESTIAL)", "The CELESTIAL trial tested cabozantinib"),
            Pick(SECOND, "Ramucirumab after sorafenib (REACH-2)", "Ramucirumab is used only when AFP"),
            Pick(SECOND, "Immunotherapy options after sorafenib", "KEYNOTE-394"),
            Pick(SECOND, "Immunotherapy options after sorafenib", "Nivolumab+ipilimumab after sorafenib"),
            Pick(SECOND, "Immunotherapy options after sorafenib", "Nivolumab monotherapy is among"),
            Pick(SECOND, "After first-line atezolizumab+bevacizumab", "Rec 2.1"),
            Pick(SECOND, "After first-line durvalumab+tremelimumab", "names a TKI"),
        ),
    ),
    (
        "Cytotoxic chemotherapy and HAIC",
        (
            Pick(CHEMO, "Systemic cytotoxic chemotherapy: guideline position", "response rates around 10%"),
            Pick(CHEMO, "Systemic cytotoxic chemotherapy: guideline position", "ESMO 2025, which replaces"),
            Pick(CHEMO, "HAIC: setting and overall evidence", "used mainly in Japan and China"),
            Pick(CHEMO, "HAIC with sorafenib in portal vein invasion (He et al.)", "by He and colleagues"),
            Pick(CHEMO, "SILIUS: sorafenib plus low-dose cisplatin/fluorouracil HAIC", "no overall survival benefit"),
        ),
    ),
    (
        "What decides the choice",
        (
            Pick(LIVER, "Evidence base: Child-Pugh A, ECOG 0-1", "Child-Pugh A"),
            Pick(FIRST, "Lenvatinib and main portal vein invasion", "tumour occupying >= 50%"),
            Pick(FIRST, "Lenvatinib and main portal vein invasion", "HIMALAYA"),
            Pick(SECOND, "Evidence base for second-line agents", "required prior sorafenib"),
        ),
    ),
    (
        "Child-Pugh B, Child-Pugh C and BCLC D",
        (
            Pick(LIVER, "Child-Pugh B: limited evidence", "Child-Pugh B"),
            Pick(LIVER, "Child-Pugh C and BCLC D: best supportive care", "best supportive care"),
        ),
    ),
    (
        "Caveats",
        (
            Pick(RESPONSE, "Dynamic CT or MRI and mRECIST", "mRECIST"),
            Pick(OFF, "Locoregional plus systemic combinations", "investigational"),
            Pick(OFF, "Summary", "LEAP-002"),
        ),
    ),
)

# Patient outline: plain sentences, each supported from the listed sections or left out.
PATIENT: tuple[tuple[str, tuple[tuple[str, tuple[tuple[str, str], ...]], ...]], ...] = (
    (
        "The usual first treatments",
        (
            (
                "For most people whose liver still works well, the first treatment is an immunotherapy "
                "combination: atezolizumab+bevacizumab or durvalumab+tremelimumab.",
                ((FIRST, "Preferred first-line combinations"),),
            ),
            (
                "Nivolumab+ipilimumab is another immunotherapy combination that can be used first.",
                ((FIRST, "Nivolumab plus ipilimumab first line"),),
            ),
            (
                "Bevacizumab can raise the risk of bleeding, so a camera test of the food pipe (upper endoscopy) "
                "is advised first to look for swollen veins (varices).",
                ((FIRST, "When bevacizumab is unsuitable: varices and bleeding"),),
            ),
            (
                "When immunotherapy is not safe, for example after a liver or other organ transplant, "
                "tablets such as lenvatinib or sorafenib are used.",
                ((FIRST, "When immune checkpoint inhibitors are contraindicated"),),
            ),
        ),
    ),
    (
        "If the cancer grows",
        (
            (
                "Other medicines can follow, such as regorafenib, cabozantinib or ramucirumab; which one depends "
                "on the first treatment.",
                ((SECOND, "Summary"), (SECOND, "After sorafenib (or lenvatinib): the options")),
            ),
            (
                "Ramucirumab is only used when the blood marker AFP is high (400 ng/mL or more).",
                ((SECOND, "Ramucirumab after sorafenib (REACH-2)"),),
            ),
        ),
    ),
    (
        "Chemotherapy",
        (
            (
                "Classic chemotherapy helps only about 10% of people and has not been shown to help them live "
                "longer, so it is not a standard treatment.",
                ((CHEMO, "Systemic cytotoxic chemotherapy: guideline position"),),
            ),
        ),
    ),
    (
        "What the choice depends on",
        (
            (
                "The studies behind these medicines included people whose liver worked well (Child-Pugh A) "
                "and who were fairly active (ECOG 0-1).",
                ((LIVER, "Evidence base: Child-Pugh A, ECOG 0-1"),),
            ),
            (
                "When the liver is failing (Child-Pugh C) or a person is very unwell, the focus is on comfort "
                "and symptom care (best supportive care) rather than these medicines.",
                ((LIVER, "Child-Pugh C and BCLC D: best supportive care"),),
            ),
        ),
    ),
)


def _chunks(passages: Any, doc: str, section: str) -> list[Chunk]:
    found: list[Chunk] = passages.section(doc, section)
    if not found:
        raise CorpusError([f"overview: {doc} has no section '{section}'"])
    return found


def _sentence(passages: Any, pick: Pick) -> tuple[str, Chunk]:
    """The sentence of the section that holds the phrase, and its passage; an error when the corpus lacks it."""
    for chunk in _chunks(passages, pick.doc, pick.section):
        for sentence in sentences(chunk.text):
            if pick.phrase.lower() in sentence.lower():
                return sentence, chunk
    raise CorpusError([f"overview: no sentence with '{pick.phrase}' in {pick.doc} / {pick.section}"])


def overview(passages: Any, audience: str = "clinician") -> Answer:
    """The overview of systemic therapy for advanced HCC, for a clinician or in plain words for a patient.

    `passages` is a `knowledge.Passages` (or a `KnowledgeBase`): `section(doc, section)`, `doc_by_id`, `facts`.
    """
    b = Builder(passages)
    if audience == "patient":
        b.add("**Medicines for advanced liver cancer (hepatocellular carcinoma)**")
        b.add()
        for heading, claims in PATIENT:
            lines = []
            for claim, sections in claims:
                candidates = [c for doc, section in sections for c in _chunks(passages, doc, section)]
                line = b.supported(claim, candidates)
                if line:
                    lines.append(f"- {line}")
            if lines:
                b.add(f"**{heading}**")
                b.add("\n".join(lines))
                b.add()
        b.add("Your care team can say which of these fit your situation and why.")
        b.add()
        b.add(PATIENT_DISCLAIMER.format(as_of=passages.facts.as_of))
    else:
        b.add("**Systemic therapy for advanced HCC: the options**")
        b.add()
        for heading, picks in CLINICIAN:
            b.add(f"**{heading}**")
            for pick in picks:
                sentence, chunk = _sentence(passages, pick)
                b.add(f"- {sentence} [{b.cite(chunk)}]")
            b.add()
        b.add(DISCLAIMER.format(as_of=passages.facts.as_of))
    return Answer(kind="information", text=b.text(), citations=b.citations)
