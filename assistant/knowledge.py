"""The knowledge base: corpus documents, their chunks, the vector index and the retriever."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from .aliases import Aliases
from .chunking import chunk_corpus
from .corpus import FactSheet, load_corpus
from .embeddings import Embedder
from .errors import IndexStoreError
from .index import SyncStats, VectorIndex
from .models import Chunk, Document, Hit
from .retrieval import Mode, Retriever
from .settings import Settings

log = logging.getLogger(__name__)


# Corpus files whose content decides answers: documents, the fact sheet, the rules and the
# vocabulary (aliases, vocabulary*.yaml, context_rules*.yaml, and any other data file).
HASHED_SUFFIXES = {".md", ".yaml", ".yml", ".json"}


def corpus_hash(corpus_dir: Path) -> str:
    """A short hash over every data file of the corpus folder (paths and contents), for audit logs.

    A logged decision thus names the documents, fact sheet, rules and vocabulary that made it.
    """
    digest = hashlib.sha256()
    files = sorted(p for p in corpus_dir.rglob("*") if p.is_file() and p.suffix.lower() in HASHED_SUFFIXES)
    for path in files:
        digest.update(path.relative_to(corpus_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


class Passages:
    """The corpus documents and their passages, without an index: what citing and checking need."""

    def __init__(self, corpus_dir: Path) -> None:
        self.corpus_dir = corpus_dir
        self.facts: FactSheet
        self.docs: list[Document]
        self.facts, self.docs = load_corpus(corpus_dir)
        self.chunks: list[Chunk] = chunk_corpus(self.docs)
        self.doc_by_id: dict[str, Document] = {d.id: d for d in self.docs}
        self._by_doc: dict[str, list[Chunk]] = {}
        for chunk in self.chunks:
            self._by_doc.setdefault(chunk.doc_id, []).append(chunk)

    @property
    def corpus_hash(self) -> str:
        """One hash over the corpus as it decides answers: documents, fact sheet, rules, vocabulary."""
        return corpus_hash(self.corpus_dir)

    @property
    def sections(self) -> dict[str, set[str]]:
        """Document id -> its section names (what rule sources may name; see PathwayEngine.load)."""
        found: dict[str, set[str]] = {}
        for chunk in self.chunks:
            found.setdefault(chunk.doc_id, set()).update({chunk.section, chunk.section.split(" / ")[0]})
        return found

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        """Every passage of one document, in order."""
        return self._by_doc.get(doc_id, [])

    def section(self, doc_id: str, section: str | None = None) -> list[Chunk]:
        """Passages of a document's section (with its sub-sections); without a section, the whole document.

        A section the document does not have gives no passages: never a "closest" stand-in.
        """
        chunks = self._by_doc.get(doc_id, [])
        if section is None:
            return list(chunks)
        return [c for c in chunks if c.section == section or c.section.startswith(f"{section} / ")]


class KnowledgeBase(Passages):
    """Everything retrieval needs, loaded once; the index is brought up to date on open."""

    def __init__(
        self,
        settings: Settings,
        *,
        build: bool = True,
        rebuild: bool = False,
        progress: bool = False,
        embedder: Any | None = None,
    ) -> None:
        super().__init__(settings.corpus_dir)
        self.settings = settings
        self.aliases = Aliases.load(settings.corpus_dir / "vocabulary.yaml")
        self.embedder = embedder if embedder is not None else Embedder(settings.embedding_model)
        self.index = VectorIndex(settings, self.embedder, repair=build)
        self.sync_stats: SyncStats | None = None
        self.default_mode: Mode = "hybrid"
        reason = self.index.staleness(self.docs)
        if reason or rebuild:
            if not build:
                raise IndexStoreError(
                    f"the index at {settings.index_dir} is out of date ({reason}); run: hcc-assistant index"
                )
            log.info("index: %s; updating", reason or "rebuild requested")
            self.sync_stats = self.index.sync(self.docs, self.chunks, rebuild=rebuild, progress=progress)
            if self.index.repaired:
                self.sync_stats.reason = self.index.repaired
        self.retriever = Retriever(
            self.chunks,
            self.index,
            self.embedder,
            self.aliases,
            rrf_k=settings.rrf_k,
            candidates=settings.candidates,
        )

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        kind: str | None = None,
        source: str | None = None,
        mode: Mode | None = None,
    ) -> list[Hit]:
        """Best passages for `query` (see Retriever.search)."""
        return self.retriever.search(
            query, k or self.settings.k, kind=kind, source=source, mode=mode or self.default_mode
        )
