"""Incremental indexing with the real model and real Chroma: only what changed is embedded."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assistant.embeddings import Embedder, model_path
from assistant.errors import IndexStoreError
from assistant.knowledge import KnowledgeBase
from assistant.settings import Settings
from conftest import small_corpus

DOCS = ["trials/reach-2.md", "trials/resorce.md", "regimens/lenvatinib.md"]


@pytest.fixture
def small(tmp_path: Path) -> Settings:
    return small_corpus(tmp_path, DOCS)


def _open(settings: Settings, **kw) -> tuple[KnowledgeBase, Embedder]:
    embedder = Embedder(settings.embedding_model)
    return KnowledgeBase(settings, embedder=embedder, **kw), embedder


def test_incremental_indexing_embeds_only_what_changed(small: Settings) -> None:
    kb, emb = _open(small)
    total = len(kb.chunks)
    assert kb.sync_stats is not None and kb.sync_stats.rebuilt
    assert emb.texts_embedded == total == kb.index.count()

    kb, emb = _open(small)  # unchanged corpus: nothing re-embedded
    assert kb.sync_stats is None and emb.texts_embedded == 0

    path = small.corpus_dir / "trials" / "resorce.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n## Note\n\nRESORCE was placebo-controlled [@resorce].\n")
    kb, emb = _open(small)
    edited = [c for c in kb.chunks if c.doc_id == "resorce"]
    assert kb.sync_stats is not None and not kb.sync_stats.rebuilt
    assert kb.sync_stats.added_docs == ["resorce"] and kb.sync_stats.removed_docs == ["resorce"]
    assert emb.texts_embedded == len(edited)
    assert kb.index.count() == len(kb.chunks)
    assert any(h.chunk.section == "Note" for h in kb.search("RESORCE placebo-controlled note", 5))

    (small.corpus_dir / "regimens" / "lenvatinib.md").unlink()
    kb, emb = _open(small)
    assert kb.sync_stats is not None and kb.sync_stats.removed_docs == ["lenvatinib"]
    assert emb.texts_embedded == 0
    assert kb.index.count() == len(kb.chunks)
    assert all(h.chunk.doc_id != "lenvatinib" for h in kb.search("lenvatinib dose 12 mg", 10))


def test_another_embedding_model_forces_a_full_rebuild(small: Settings) -> None:
    kb, _ = _open(small)
    other = replace(small, embedding_model=str(model_path(small.embedding_model)))
    kb, emb = _open(other)
    assert kb.sync_stats is not None and kb.sync_stats.rebuilt
    assert "embedding model" in kb.sync_stats.reason
    assert emb.texts_embedded == len(kb.chunks) == kb.index.count()


def test_rebuild_flag_re_embeds_everything(small: Settings) -> None:
    _open(small)
    kb, emb = _open(small, rebuild=True)
    assert emb.texts_embedded == len(kb.chunks) == kb.index.count()


def test_stale_index_without_build_permission_names_the_fix(small: Settings) -> None:
    _open(small)
    path = small.corpus_dir / "trials" / "reach-2.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n## Note\n\nA note [@reach-2].\n")
    with pytest.raises(IndexStoreError, match="hcc-assistant index"):
        _open(small, build=False)


def test_unknown_embedding_model_is_refused_without_download(small: Settings) -> None:
    with pytest.raises(IndexStoreError, match="nothing is downloaded"):
        Embedder("sentence-transformers/all-MiniLM-L6-v2")
