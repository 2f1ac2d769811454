"""Chunking: header-aware, size-bounded, deterministic, with title/section/source metadata."""

from __future__ import annotations

from assistant.chunking import MAX_CHARS, chunk_corpus, chunk_document
from assistant.corpus import load_corpus, parse_document
from conftest import CORPUS


def test_chunks_are_deterministic_and_unique() -> None:
    _, docs = load_corpus(CORPUS)
    first = chunk_corpus(docs)
    second = chunk_corpus(docs)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in second]
    assert len({c.chunk_id for c in first}) == len(first)


def test_chunks_are_bounded_and_keep_metadata() -> None:
    _, docs = load_corpus(CORPUS)
    for chunk in chunk_corpus(docs):
        assert len(chunk.text) <= MAX_CHARS
        assert chunk.text.strip()
        assert chunk.title and chunk.section and chunk.source
        assert chunk.chunk_id.startswith(f"{chunk.doc_id}#")


def test_sections_follow_headings() -> None:
    doc = parse_document(CORPUS / "trials" / "reach-2.md")
    chunks = chunk_document(doc)
    headings = [line[3:].strip() for line in doc.body.splitlines() if line.startswith("## ")]
    assert [c.section for c in chunks if "/" not in c.section][: len(headings)] == headings[: len(chunks)]
    assert all(c.source == "reach-2" for c in chunks if "reach-2" in c.sources)


def test_long_section_is_split_with_overlap(tmp_path) -> None:
    body = "\n".join(f"Sentence {i} says ramucirumab needs AFP >= 400 ng/mL [@reach-2]." for i in range(60))
    path = tmp_path / "long.md"
    path.write_text(
        "---\nid: long\ntitle: Long\ncitation: Topic summary for a test\nkind: topic\nyear: 2026\n"
        f'as_of: "2026-11"\n---\n# Long\n\n## Results\n\n{body}\n',
        encoding="utf-8",
    )
    chunks = chunk_document(parse_document(path))
    assert len(chunks) > 2
    assert [c.chunk_id for c in chunks] == [f"long#results-{i}" for i in range(len(chunks))]
    assert all(c.source == "reach-2" and c.section == "Results" for c in chunks)


def test_regimen_passage_is_cited_under_the_source_it_attributes() -> None:
    doc = parse_document(CORPUS / "regimens" / "lenvatinib.md")
    dosing = [c for c in chunk_document(doc) if "12 mg" in c.text]
    assert dosing and all(c.source == "reflect" for c in dosing)
