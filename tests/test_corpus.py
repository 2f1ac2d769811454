"""Corpus validation: the bundled corpus is clean and each kind of defect is reported with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.corpus import check_corpus, cited_ids, load_corpus, parse_document
from assistant.errors import CorpusError
from conftest import CORPUS

GOOD = """---
id: my-topic
title: "A topic of my own"
citation: "Topic summary compiled from the sources cited inline"
kind: topic
year: 2026
as_of: "2026-11"
sources: [reach-2]
---
# A topic of my own

## Threshold

Ramucirumab is for AFP >= 400 ng/mL [@reach-2].
"""


def test_bundled_corpus_is_valid() -> None:
    assert check_corpus(CORPUS) == []


def test_every_source_and_regimen_has_a_document() -> None:
    sheet, docs = load_corpus(CORPUS)
    ids = {d.id for d in docs}
    wanted = {s.id for s in sheet.sources.values() if s.in_corpus} | set(sheet.regimen_ids)
    assert wanted <= ids
    assert "bclc-2026" not in ids  # corpus: false


def test_cited_ids_parses_pandoc_citations() -> None:
    assert cited_ids("x [@a-1; @b+c] y [@a-1]") == ["a-1", "b+c"]


@pytest.fixture
def mini_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "topics").mkdir(parents=True)
    shutil.copy(CORPUS / "facts.yaml", root / "facts.yaml")
    (root / "topics" / "my-topic.md").write_text(GOOD, encoding="utf-8")
    return root


def _write(root: Path, text: str, name: str = "my-topic") -> Path:
    path = root / "topics" / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_fixture_passes(mini_corpus: Path) -> None:
    assert check_corpus(mini_corpus, require_complete=False) == []
    doc = parse_document(mini_corpus / "topics" / "my-topic.md")
    assert doc.meta.kind == "topic" and doc.body_line == 10


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace("kind: topic", "kind: blog"), "my-topic.md:5: front matter 'kind'"),
        (lambda t: t.replace("year: 2026\n", "year: 2026\nauthor: me\n"), "my-topic.md:7: front matter 'author'"),
        (lambda t: t.replace('as_of: "2026-11"\n', ""), "front matter 'as_of': Field required"),
        (lambda t: t.replace("id: my-topic", "id: My Topic"), "my-topic.md:2: front matter 'id'"),
        (lambda t: t.replace("[@reach-2]", "[@reach-3]"), "my-topic.md:14: cites unknown source 'reach-3'"),
        (lambda t: t.replace("[@reach-2]", "[@sharp]"), "cites 'sharp' but front matter 'sources' omits it"),
        (lambda t: t.replace("sources: [reach-2]", "sources: [reach-2, nope]"), "names unknown source 'nope'"),
        (lambda t: t + "\n## Empty section\n\n", "my-topic.md:16: section 'Empty section' is empty"),
        (lambda t: t.replace("# A topic of my own\n", ""), "no '# Title' heading"),
        (lambda t: t.replace("---\nid", "id", 1), "my-topic.md:1: a document must start with '---'"),
        (lambda t: t.replace('title: "A topic', 'title: ["A topic'), "front matter is not valid YAML"),
    ],
)
def test_broken_fixture_is_reported_with_file_and_line(mini_corpus: Path, edit, expected: str) -> None:
    _write(mini_corpus, edit(GOOD))
    problems = check_corpus(mini_corpus, require_complete=False)
    assert any(expected in p for p in problems), problems
    with pytest.raises(CorpusError):
        load_corpus(mini_corpus)


def test_duplicate_ids_and_file_names(mini_corpus: Path) -> None:
    _write(mini_corpus, GOOD, name="copy")
    problems = check_corpus(mini_corpus, require_complete=False)
    assert any("id 'my-topic' is also used by" in p for p in problems)
    assert any("file name should be 'my-topic.md'" in p for p in problems)


def test_source_document_must_carry_the_fact_sheet_citation(mini_corpus: Path) -> None:
    (mini_corpus / "trials").mkdir()
    text = (CORPUS / "trials" / "reach-2.md").read_text(encoding="utf-8")
    broken = text.replace("Zhu AX", "Zhu XX", 1)
    (mini_corpus / "trials" / "reach-2.md").write_text(broken, encoding="utf-8")
    problems = check_corpus(mini_corpus, require_complete=False)
    assert any("citation differs from the cite of 'reach-2'" in p for p in problems)


def test_incomplete_corpus_names_what_is_missing(mini_corpus: Path) -> None:
    problems = check_corpus(mini_corpus)
    assert any("no document for source 'reflect'" in p for p in problems)
    assert any("no document for regimen 'lenvatinib'" in p for p in problems)


def test_not_utf8_is_reported(mini_corpus: Path) -> None:
    (mini_corpus / "topics" / "my-topic.md").write_bytes(GOOD.encode("utf-8") + b"\xff\xfe")
    problems = check_corpus(mini_corpus, require_complete=False)
    assert any("not UTF-8" in p for p in problems)


@pytest.fixture
def drug_corpus(mini_corpus: Path) -> Path:
    """The mini corpus plus drug-facts.yaml and one drug document (ramucirumab: a secondary source)."""
    (mini_corpus / "drugs").mkdir()
    shutil.copy(CORPUS / "drug-facts.yaml", mini_corpus / "drug-facts.yaml")
    shutil.copy(CORPUS / "drugs" / "ramucirumab-label.md", mini_corpus / "drugs" / "ramucirumab-label.md")
    return mini_corpus


def _edit_drug(root: Path, old: str, new: str, name: str = "ramucirumab-label") -> None:
    path = root / "drugs" / f"{name}.md"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_drug_document_fixture_passes_and_label_sources_stay_out_of_the_rule_sources(drug_corpus: Path) -> None:
    assert check_corpus(drug_corpus, require_complete=False) == []
    sheet, _ = load_corpus(drug_corpus)
    assert "cyramza-fda-hcc-2019" in sheet.label_sources and "cyramza-fda-hcc-2019" not in sheet.sources
    assert sheet.source("cyramza-fda-hcc-2019") is not None and sheet.source("reach-2") is not None


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("label facts as of", "facts as of", "ramucirumab-label.md:4: citation should be"),
        ("(a secondary source) ", "", "cites 'cyramza-boxed-removed-2019', a secondary source, without saying"),
        ("[@cyramza-fda-hcc-2019]", "[@stivarga-fda-hcc-2017]", "which drug-facts.yaml does not give for ramucirumab"),
        ("[@cyramza-fda-hcc-2019]", "[@cyramza-fda-hcc-2099]", "cites unknown source 'cyramza-fda-hcc-2099'"),
        ("## Monitoring", "## Checks", "no section 'Monitoring ...' for ramucirumab.monitoring"),
        ("id: ramucirumab-label", "id: ramucirumab-drug", "a drug document's id is '<agent>-label'"),
    ],
)
def test_broken_drug_document_is_reported_with_file_and_line(
    drug_corpus: Path, old: str, new: str, expected: str
) -> None:
    _edit_drug(drug_corpus, old, new)
    problems = check_corpus(drug_corpus, require_complete=False)
    assert any(expected in p for p in problems), problems


def test_a_not_found_field_must_be_said_to_be_missing(drug_corpus: Path) -> None:
    shutil.copy(CORPUS / "drugs" / "bevacizumab-label.md", drug_corpus / "drugs" / "bevacizumab-label.md")
    old = "The label sections available to us did not give dose modifications"
    _edit_drug(drug_corpus, old, "We have nothing on dose modifications", name="bevacizumab-label")
    problems = check_corpus(drug_corpus, require_complete=False)
    assert any("bevacizumab-label.md:" in p and "dose_modifications_hcc is not_found" in p for p in problems), problems


def test_drug_facts_problems_name_the_line(drug_corpus: Path) -> None:
    path = drug_corpus / "drug-facts.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("source: [cyramza-fda-hcc-2019]", "source: [cyramza-fda-hcc-2029]", 1), "utf-8")
    before = text[: text.index("source: [cyramza-fda-hcc-2019]")].splitlines()
    line = max(n for n, t in enumerate(before, start=1) if t.startswith("    common_adverse_reactions_hcc:"))
    problems = check_corpus(drug_corpus, require_complete=False)
    wanted = f"drug-facts.yaml:{line}: 'ramucirumab.common_adverse_reactions_hcc' cites unknown label source"
    assert any(wanted in p for p in problems), problems


def test_every_agent_of_drug_facts_needs_a_document(drug_corpus: Path) -> None:
    problems = check_corpus(drug_corpus)
    assert any("no document 'sorafenib-label' for agent 'sorafenib'" in p for p in problems)
    assert not any("'ramucirumab-label'" in p for p in problems)
