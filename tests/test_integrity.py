"""Index integrity: a missing, corrupt or partly deleted index is detected at start and rebuilt, or refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.errors import IndexStoreError
from assistant.knowledge import KnowledgeBase
from assistant.settings import Settings
from conftest import small_corpus

DOCS = ["trials/reach-2.md", "regimens/ramucirumab.md"]


@pytest.fixture
def built(tmp_path: Path) -> Settings:
    settings = small_corpus(tmp_path, DOCS)
    KnowledgeBase(settings)
    return settings


def _works(kb: KnowledgeBase) -> None:
    hits = kb.search("AFP threshold for ramucirumab", 3)
    assert hits and hits[0].chunk.doc_id in ("reach-2", "ramucirumab")
    assert kb.index.count() == len(kb.chunks)


def test_missing_index_is_built(built: Settings) -> None:
    shutil.rmtree(built.index_dir)
    kb = KnowledgeBase(built)
    assert kb.sync_stats is not None and kb.sync_stats.rebuilt
    _works(kb)


def test_truncated_sqlite_is_detected_and_rebuilt(built: Settings) -> None:
    db = built.index_dir / "chroma.sqlite3"
    with db.open("r+b") as handle:
        handle.truncate(20_000)
    kb = KnowledgeBase(built)
    assert kb.sync_stats is not None and kb.sync_stats.rebuilt
    assert "unreadable" in kb.sync_stats.reason
    _works(kb)


def test_truncated_sqlite_read_only_names_the_fix(built: Settings) -> None:
    db = built.index_dir / "chroma.sqlite3"
    db.write_bytes(db.read_bytes()[:20_000])
    with pytest.raises(IndexStoreError, match="hcc-assistant index --rebuild"):
        KnowledgeBase(built, build=False)


def test_deleted_segment_files_still_answer_or_are_rebuilt(built: Settings) -> None:
    segments = [p for p in built.index_dir.iterdir() if p.is_dir()]
    assert segments, "a built index has segment folders"
    for folder in segments:
        shutil.rmtree(folder)
    kb = KnowledgeBase(built)
    _works(kb)


def test_garbage_file_in_place_of_the_database(built: Settings) -> None:
    (built.index_dir / "chroma.sqlite3").write_bytes(b"not a database" * 100)
    kb = KnowledgeBase(built)
    assert kb.sync_stats is not None and kb.sync_stats.rebuilt
    _works(kb)
