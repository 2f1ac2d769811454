"""The knowledge base: corpus documents, their chunks, the vector index and the retriever."""

from __future__ import annotations

import hashlib
import logging
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


class KnowledgeBase:
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
        self.settings = settings
        self.facts: FactSheet
        self.docs: list[Document]
        self.facts, self.docs = load_corpus(settings.corpus_dir)
        self.chunks: list[Chunk] = chunk_corpus(self.docs)
        self.aliases = Aliases.load(settings.corpus_dir / "aliases.yaml")
        self.doc_by_id: dict[str, Document] = {d.id: d for d in self.docs}
        self._by_doc: dict[str, list[Chunk]] = {}
        for chunk in self.chunks:
            self._by_doc.setdefault(chunk.doc_id, []).append(chunk)
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

    @property
    def corpus_hash(self) -> str:
        """One hash over every document, the fact sheet and the aliases (for audit logs)."""
        digest = hashlib.sha256()
        for doc in self.docs:
            digest.update(f"{doc.id}:{doc.sha256}\n".encode())
        digest.update(self.facts.text.encode())
        return digest.hexdigest()[:16]

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        """Every passage of one document, in order."""
        return self._by_doc.get(doc_id, [])

    def section(self, doc_id: str, section: str | None = None, hint: str = "") -> list[Chunk]:
        """Passages of a document's section; without a section, its passage closest to `hint`."""
        chunks = self._by_doc.get(doc_id, [])
        if section:
            exact = [c for c in chunks if c.section == section]
            if exact:
                return exact
            prefix = [c for c in chunks if c.section.lower().startswith(section.lower())]
            if prefix:
                return prefix
        if not chunks:
            return []
        words = set(hint.lower().split())
        return [max(chunks, key=lambda c: (len(words & set(c.text.lower().split())), -chunks.index(c)))]

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
