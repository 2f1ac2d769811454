"""The persisted Chroma index (the only module that imports chromadb) and its manifest."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .chunking import CHUNKER_VERSION
from .errors import IndexStoreError
from .models import Chunk, Document
from .settings import Settings, offline_environment

log = logging.getLogger(__name__)


@dataclass
class SyncStats:
    """What one index synchronisation did."""

    rebuilt: bool = False
    reason: str = ""
    added_docs: list[str] = field(default_factory=list)
    removed_docs: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_removed: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.rebuilt or self.added_docs or self.removed_docs)


def _broken_index_errors() -> tuple[type[BaseException], ...]:
    """What Chroma raises on a damaged store (SQLite corruption, missing or truncated segment files)."""
    import sqlite3

    from chromadb.errors import ChromaError

    return (ChromaError, sqlite3.DatabaseError, OSError, RuntimeError, ValueError, KeyError)


def _client(settings: Settings) -> Any:
    offline_environment()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise IndexStoreError(f"cannot read Chroma URL '{settings.chroma_url}'")
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except (ValueError, ConnectionError) as exc:
            raise IndexStoreError(
                f"cannot reach the Chroma server at {settings.chroma_url}: {exc}. "
                "Start it with: chroma run --path index --host 127.0.0.1 --port 8000"
            ) from exc
    if not settings.index_dir.exists():
        _forget_local(settings.index_dir)  # deleted underneath a running process: start afresh
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)


def _chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    return {
        "doc_id": chunk.doc_id,
        "source": chunk.source,
        "sources": ",".join(chunk.sources),
        "kind": chunk.kind,
        "title": chunk.title,
        "section": chunk.section,
        "doc_hash": chunk.doc_hash,
    }


class VectorIndex:
    """A Chroma collection of chunk embeddings plus a manifest kept in its metadata."""

    def __init__(self, settings: Settings, embedder: Any, *, repair: bool = True) -> None:
        from langchain_chroma import Chroma

        self.settings = settings
        self.embedder = embedder
        self._chroma_cls = Chroma
        self.repaired = ""
        try:
            self._client = _client(settings)
            self.store = self._open()
            self._probe()
        except _broken_index_errors() as exc:
            where = settings.chroma_url or str(settings.index_dir)
            if settings.chroma_url or not repair:
                command = "hcc-assistant index --rebuild" + (
                    f" --chroma-url {settings.chroma_url}" if settings.chroma_url else ""
                )
                raise IndexStoreError(
                    f"the index at {where} cannot be read ({type(exc).__name__}: {exc}); run: {command}"
                ) from exc
            # A corrupt local index is a cache: remove it and rebuild from the corpus.
            log.warning("index at %s is unreadable (%s); rebuilding it", where, exc)
            self.repaired = f"the index was unreadable ({type(exc).__name__}) and was rebuilt"
            remove_local_index(settings.index_dir)
            self._client = _client(settings)
            self.store = self._open()

    def _open(self) -> Any:
        return self._chroma_cls(
            collection_name=self.settings.collection,
            embedding_function=self.embedder,
            client=self._client,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )

    def _probe(self) -> None:
        """Read the collection once (count, a stored vector, a query) so corruption shows at start."""
        if self.count() == 0:
            return
        sample = self.collection.get(limit=1, include=["embeddings"])
        vectors = sample.get("embeddings")
        if vectors is not None and len(vectors):
            self.collection.query(query_embeddings=[list(vectors[0])], n_results=1, include=[])

    @property
    def collection(self) -> Any:
        return self.store._collection

    def manifest(self) -> dict[str, Any] | None:
        """The stored manifest (model, chunker, per-document hash and chunk ids) or None."""
        meta = self.collection.metadata or {}
        raw = meta.get("manifest")
        if not raw:
            return None
        try:
            value: dict[str, Any] = json.loads(raw)
        except json.JSONDecodeError:
            return None
        return value

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        self.collection.modify(metadata={"manifest": json.dumps(manifest, sort_keys=True)})

    def count(self) -> int:
        return int(self.collection.count())

    def _reset(self) -> None:
        self._client.delete_collection(self.settings.collection)
        self.store = self._open()

    def staleness(self, docs: list[Document]) -> str:
        """Why the index does not match the corpus and model, or '' when it does."""
        manifest = self.manifest()
        if manifest is None:
            return "no index yet" if self.count() == 0 else "index has no manifest"
        if manifest.get("model") != self.settings.embedding_model:
            return f"built with embedding model {manifest.get('model')}"
        if manifest.get("chunker") != CHUNKER_VERSION:
            return "built with another chunker version"
        stored = {d: v["hash"] for d, v in manifest.get("documents", {}).items()}
        current = {d.id: d.sha256 for d in docs}
        if stored != current:
            changed = sorted(set(stored.items()) ^ set(current.items()))
            return f"corpus changed ({len(changed)} document versions differ)"
        expected = sum(len(v["chunks"]) for v in manifest["documents"].values())
        if expected != self.count():
            return f"index holds {self.count()} passages, manifest expects {expected}"
        return ""

    def sync(
        self,
        docs: list[Document],
        chunks: list[Chunk],
        *,
        rebuild: bool = False,
        progress: bool = True,
    ) -> SyncStats:
        """Bring the collection in line with the corpus, embedding only what changed."""
        import time

        from tqdm import tqdm

        start = time.perf_counter()
        stats = SyncStats()
        manifest = self.manifest()
        reason = self.staleness(docs)
        full = (
            rebuild
            or manifest is None
            or manifest.get("model") != self.settings.embedding_model
            or manifest.get("chunker") != CHUNKER_VERSION
            or reason.startswith("index holds")
        )
        if full:
            stats.rebuilt = True
            stats.reason = "rebuild requested" if rebuild else (reason or "rebuild")
            if self.count() or manifest is not None:
                self._reset()
        stored: dict[str, Any] = {} if full or manifest is None else manifest.get("documents", {})
        current = {d.id: d for d in docs}
        by_doc: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            by_doc.setdefault(chunk.doc_id, []).append(chunk)

        stale_ids: list[str] = []
        for doc_id, entry in list(stored.items()):
            doc = current.get(doc_id)
            if doc is None or doc.sha256 != entry["hash"]:
                stale_ids.extend(entry["chunks"])
                stats.removed_docs.append(doc_id)
                del stored[doc_id]
        if stale_ids:
            self.store.delete(ids=stale_ids)
            stats.chunks_removed = len(stale_ids)

        todo = [c for d in docs if d.id not in stored for c in by_doc.get(d.id, [])]
        # Passages of similar length share a batch, so little of each forward pass is padding (the store keys
        # them by id: the order they are added in does not matter).
        todo.sort(key=lambda c: len(c.embedding_text()))
        stats.added_docs = [d.id for d in docs if d.id not in stored]
        batch = max(1, self.settings.batch_size)
        bar = tqdm(total=len(todo), desc="Embedding passages", unit="passage", disable=not progress)
        for i in range(0, len(todo), batch):
            part = todo[i : i + batch]
            self.store.add_texts(
                texts=[c.embedding_text() for c in part],
                metadatas=[_chunk_metadata(c) for c in part],
                ids=[c.chunk_id for c in part],
            )
            bar.update(len(part))
        bar.close()
        stats.chunks_embedded = len(todo)
        for doc_id in stats.added_docs:
            stored[doc_id] = {
                "hash": current[doc_id].sha256,
                "chunks": [c.chunk_id for c in by_doc.get(doc_id, [])],
            }
        if stats.changed or self.manifest() is None:
            self._write_manifest(
                {
                    "model": self.settings.embedding_model,
                    "chunker": CHUNKER_VERSION,
                    "documents": stored,
                }
            )
        stats.seconds = time.perf_counter() - start
        return stats

    def query(self, vector: list[float], n: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """Chunk ids nearest to `vector` with their cosine similarity, best first."""
        result = self.collection.query(query_embeddings=[vector], n_results=n, where=where, include=["distances"])
        ids = result["ids"][0]
        distances = result["distances"][0] if result.get("distances") else [0.0] * len(ids)
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]


def _forget_local(index_dir: Path) -> None:
    """Drop Chroma's cached in-process system for this folder (it outlives the files it wraps)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    key = str(index_dir)
    system = SharedSystemClient._identifier_to_system.pop(key, None)
    SharedSystemClient._identifier_to_refcount.pop(key, None)
    if system is not None:
        try:
            system.stop()
        except _broken_index_errors():
            log.debug("stopping the cached Chroma system for %s failed", key)


def remove_local_index(index_dir: Path) -> None:
    """Delete a local index folder entirely (used to rebuild a corrupt store)."""
    _forget_local(index_dir)
    if index_dir.exists():
        shutil.rmtree(index_dir)
