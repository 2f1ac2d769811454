"""Hybrid retrieval: dense (Chroma) and BM25 (bm25s) rankings fused by reciprocal rank fusion."""

from __future__ import annotations

import re
from typing import Any, Literal

from .aliases import Aliases, correct_spelling
from .models import Chunk, Hit

Mode = Literal["hybrid", "dense", "bm25"]
_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")


class Tokenizer:
    """Lowercase word tokens, English stop words removed, Snowball-stemmed."""

    def __init__(self) -> None:
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN

        self._stem = Stemmer.Stemmer("english").stemWord
        self._stop = set(STOPWORDS_EN)

    def words(self, text: str) -> list[str]:
        return [t for t in _TOKEN.findall(text.lower()) if t not in self._stop]

    def __call__(self, text: str) -> list[str]:
        return [self._stem(t) for t in self.words(text)]


def rrf(rankings: list[list[str]], k: int) -> dict[str, float]:
    """Reciprocal rank fusion: each ranking adds 1 / (k + rank) for the ids it holds."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, ident in enumerate(ranking, start=1):
            fused[ident] = fused.get(ident, 0.0) + 1.0 / (k + rank)
    return fused


class Retriever:
    """Searches the chunks of one corpus by meaning and by words."""

    def __init__(
        self,
        chunks: list[Chunk],
        index: Any,
        embedder: Any,
        aliases: Aliases,
        *,
        rrf_k: int = 60,
        candidates: int = 30,
    ) -> None:
        import bm25s

        self.chunks = chunks
        self.by_id = {c.chunk_id: c for c in chunks}
        self.index = index
        self.embedder = embedder
        self.aliases = aliases
        self.rrf_k = rrf_k
        self.candidates = candidates
        self.tokenize = Tokenizer()
        self._bm25 = bm25s.BM25()
        self._bm25.index([self.tokenize(c.embedding_text()) for c in chunks], show_progress=False)
        self._spelling_vocab = {
            w
            for c in chunks
            for w in self.tokenize.words(f"{c.title} {c.section} {c.text}")
            if len(w) >= 6 and w.isalpha()
        }

    def expand(self, query: str) -> str:
        """The query with canonical names for brand names, abbreviations and misspellings."""
        expanded = self.aliases.expand(query)
        fixes = correct_spelling(self.tokenize.words(expanded), self._spelling_vocab)
        return f"{expanded} {' '.join(fixes)}" if fixes else expanded

    @staticmethod
    def _allowed(chunk: Chunk, kind: str | None, source: str | None) -> bool:
        if kind and chunk.kind != kind:
            return False
        return not source or source in (chunk.source, chunk.doc_id) or source in chunk.sources

    def _bm25_ranking(self, query: str, kind: str | None, source: str | None) -> list[str]:
        import numpy as np

        tokens = self.tokenize(query)
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        order = np.argsort(-scores, kind="stable")
        ranking: list[str] = []
        for i in order:
            if scores[i] <= 0 or len(ranking) >= self.candidates:
                break
            chunk = self.chunks[int(i)]
            if self._allowed(chunk, kind, source):
                ranking.append(chunk.chunk_id)
        return ranking

    def _dense_ranking(self, query: str, kind: str | None, source: str | None) -> list[str]:
        where: dict[str, Any] | None = None
        clauses: list[dict[str, Any]] = []
        if kind:
            clauses.append({"kind": kind})
        if source:
            clauses.append({"$or": [{"source": source}, {"doc_id": source}]})
        if len(clauses) == 1:
            where = clauses[0]
        elif clauses:
            where = {"$and": clauses}
        vector = self.embedder.embed_query(query)
        n = min(self.candidates, max(1, self.index.count()))
        # The post-filter keeps only passages of the current corpus (a shared server may lag).
        return [
            i
            for i, _ in self.index.query(vector, n, where)
            if i in self.by_id and self._allowed(self.by_id[i], kind, source)
        ]

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        kind: str | None = None,
        source: str | None = None,
        mode: Mode = "hybrid",
    ) -> list[Hit]:
        """The `k` best passages for `query`, best first."""
        query = query.strip()
        if not query or k <= 0:
            return []
        expanded = self.expand(query)
        dense = self._dense_ranking(expanded, kind, source) if mode != "bm25" else []
        lexical = self._bm25_ranking(expanded, kind, source) if mode != "dense" else []
        fused = rrf([r for r in (dense, lexical) if r], self.rrf_k)
        dense_rank = {c: r for r, c in enumerate(dense, start=1)}
        bm25_rank = {c: r for r, c in enumerate(lexical, start=1)}
        best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [
            Hit(
                chunk=self.by_id[ident],
                score=score,
                dense_rank=dense_rank.get(ident),
                bm25_rank=bm25_rank.get(ident),
            )
            for ident, score in best
        ]
