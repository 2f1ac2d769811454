"""Citations that can fail: the composer cites only a rule's own passages, and an independent reader
(a different predicate from the composer's token check) measures whether cited passages say the claim."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.compose import Builder, bottom_line, cover, options_block, rule_chunks
from assistant.knowledge import Passages, corpus_hash
from assistant.pathways import NO_PATHWAY, PathwayEngine
from assistant.profile import make_profile
from assistant.report import Metrics, markdown
from assistant.support import MARKER, UNCITED_RE, check_agreement, check_answer, read_citations, read_claim
from conftest import CORPUS

KB = Passages(CORPUS)
ENGINE = PathwayEngine.load(CORPUS / "pathways.yaml", set(KB.facts.sources), KB.sections)
RULES = {r.id: r for r in ENGINE.file.rules}
CASES = yaml.safe_load((Path(__file__).parent / "data" / "pathway_cases.yaml").read_text())


def compose(profile: dict[str, Any]) -> dict[str, Any]:
    """The recommendation body the assistant writes for a profile, as an answer dict."""
    verdict = ENGINE.evaluate(make_profile(profile))
    b = Builder(KB)
    line = bottom_line(b, KB, verdict, ENGINE, "clinician")
    if line:
        b.add(f"**Bottom line:** {line}")
    options_block(b, KB, verdict, ENGINE, "clinician")
    return {
        "text": b.text(),
        "citations": [c.model_dump() for c in b.citations],
        "options": [o.to_option() for o in verdict.options],
    }


ANSWERS = [compose(case["profile"]) for case in CASES]


def claim_rate(answers: list[dict[str, Any]]) -> float:
    claims = unsupported = 0
    for answer in answers:
        reading = read_citations(answer)
        claims += len(reading.claims)
        unsupported += len(reading.unsupported)
    return 1 - unsupported / max(1, claims)


# ---- the composer ---------------------------------------------------------------------------------


def test_cover_never_falls_back_to_the_whole_corpus() -> None:
    """Review finding 11: a claim the candidates cannot hold was cited to any passage naming the drug."""
    reach = KB.section("reach-2", "AFP threshold for ramucirumab")
    assert cover("Regorafenib after tolerated sorafenib.", reach) is None
    assert cover("Regorafenib after tolerated sorafenib.", []) is None
    assert cover("Ramucirumab only if AFP >= 400 ng/mL.", reach) == reach[:1]


def test_every_option_line_cites_only_its_rules_passages() -> None:
    for case, answer in zip(CASES, ANSWERS, strict=True):
        by_n = {c["n"]: c["chunk_id"] for c in answer["citations"]}
        for option in answer["options"]:
            allowed = {c.chunk_id for rid in option["rules"] if rid in RULES for c in rule_chunks(KB, RULES[rid])}
            name = option["regimen"].replace("+", " + ")
            for line in answer["text"].splitlines():
                if line.lower().startswith(f"- **{name}** —"):
                    cited = {by_n[int(n)] for n in MARKER.findall(line)}
                    assert cited <= allowed, (case["id"], line)


def test_no_documented_pathway_is_never_attributed_to_a_source() -> None:
    """Review finding 11: "no documented pathway" was attributed to aasld-2023 and cited to any passage."""
    profile = {"child_pugh_class": "A", "ecog": 1, "prior_therapies": ["regorafenib"], "progressed": True}
    option = ENGINE.evaluate(make_profile(profile)).get("cabozantinib")
    assert option is not None and option.rules == [NO_PATHWAY.id] and option.sources == []
    answer = compose(profile)
    assert NO_PATHWAY.because in answer["text"]
    for line in answer["text"].splitlines():
        if NO_PATHWAY.because in line:
            assert UNCITED_RE.search(line) and not MARKER.search(line), line


def test_composed_answers_pass_the_composers_own_checks() -> None:
    for case, answer in zip(CASES, ANSWERS, strict=True):
        assert not check_answer(answer), (case["id"], check_answer(answer))
        assert not check_agreement(answer), (case["id"], check_agreement(answer))


def test_a_wrong_verdict_label_fails_agreement() -> None:
    answer = compose({"child_pugh_class": "A", "ecog": 0, "prior_therapies": [], "therapeutic_anticoagulation": True})
    bad = dict(
        answer,
        text=answer["text"].replace(
            "**Atezolizumab + bevacizumab** — not recommended", "**Atezolizumab + bevacizumab** — preferred"
        ),
    )
    assert bad["text"] != answer["text"]
    assert not check_agreement(answer) and check_agreement(bad)


# ---- the independent reader -------------------------------------------------------------------------


def test_reader_accepts_a_claim_its_passage_states() -> None:
    passage = KB.section("first-line-selection", "Lenvatinib and main portal vein invasion")[0].text
    assert read_claim("Lenvatinib is not supported with main portal vein invasion (Vp4). [1]", [passage]).supported


def test_reader_catches_what_the_token_check_cannot() -> None:
    """Same drugs, same numbers, opposite meaning: the composer's check passes, the reader does not."""
    passage = KB.section("first-line-selection", "Lenvatinib and main portal vein invasion")[0]
    flipped = "Lenvatinib is supported with main portal vein invasion (Vp4). [1]"
    answer = {"text": flipped, "citations": [{"n": 1, "quote": passage.text}]}
    assert not check_answer(answer)
    assert not read_citations(answer).valid
    sharp = KB.section("sharp", "Design and population")[0]
    answer = {"text": "Sorafenib is for Child-Pugh C liver function. [1]", "citations": [{"n": 1, "quote": sharp.text}]}
    assert not check_answer(answer)
    assert not read_citations(answer).valid


def test_wrong_citations_make_the_reader_metric_drop() -> None:
    """Point every marker at a passage of another document: the reader's figure must collapse."""
    honest = claim_rate(ANSWERS)
    chunks = KB.chunks
    wrong = []
    for answer in ANSWERS:
        citations = []
        for c in answer["citations"]:
            index = next(i for i, chunk in enumerate(chunks) if chunk.chunk_id == c["chunk_id"])
            other = next(
                chunks[(index + step) % len(chunks)]
                for step in range(len(chunks) // 3, len(chunks))
                if chunks[(index + step) % len(chunks)].doc_id != chunks[index].doc_id
            )
            citations.append({**c, "chunk_id": other.chunk_id, "quote": other.text})
        wrong.append({**answer, "citations": citations})
    broken = claim_rate(wrong)
    assert honest >= 0.8, honest
    assert broken <= 0.3 and honest - broken >= 0.5, (honest, broken)


def test_eval_report_shows_the_reader_beside_the_composer() -> None:
    metrics = Metrics(answers=4, citation_problems=0, reader_invalid_answers=1, reader_claims=10, reader_unsupported=2)
    data = metrics.as_dict()
    assert data["citation_validity"] == 1.0 and data["citation_validity_reader"] == pytest.approx(0.75)
    assert data["claims_supported_reader"] == pytest.approx(0.8)
    text = markdown([], metrics)
    assert "composer's token check / independent reader | 100.0% / 75.0%" in text
    assert "independent reader finds supported | 80.0% of 10" in text


# ---- sections and the audit hash -----------------------------------------------------------------


def test_a_missing_section_gives_no_passages() -> None:
    """Review finding 18: an unknown section silently returned "the passage closest to the hint"."""
    assert KB.section("reach-2", "AFP cut-off") == []
    assert KB.section("reach-2", "AFP threshold for ramucirumab")
    assert KB.section("reach-2") == KB.doc_chunks("reach-2")


@pytest.mark.parametrize(
    "edit",
    ["pathways.yaml", "facts.yaml", "vocabulary.yaml", "context_rules.yaml", "drug-facts.yaml", "trials/reach-2.md"],
)
def test_corpus_hash_covers_documents_facts_rules_and_vocabulary(tmp_path: Path, edit: str) -> None:
    """Review finding 17: the audit hash ignored the rules and the vocabulary."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    before = corpus_hash(corpus)
    path = corpus / edit
    path.write_text((path.read_text(encoding="utf-8") if path.exists() else "") + "\n# edited\n", encoding="utf-8")
    assert corpus_hash(corpus) != before
