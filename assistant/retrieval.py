"""Hybrid retrieval: dense (Chroma) and BM25 (bm25s) rankings fused by reciprocal rank fusion."""

from __future__ import annotations

import re
from typing import Any, Literal

from .aliases import Aliases, Speller
from .models import Chunk, Hit

Mode = Literal["hybrid", "dense", "bm25"]
NAMED_WEIGHT = 2.0
# Regimen names are not used this way: drug names appear in nearly every passage, and
# weighting them lowered recall on evals/retrieval.yaml (0.991 -> 0.972).
NAMED_KINDS = {"guideline", "trial", "method"}
COMMON_WORD_NAMES = {"each", "sharp", "reflect"}
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


def rrf(rankings: list[list[str]], k: int, weights: list[float] | None = None) -> dict[str, float]:
    """Reciprocal rank fusion: each ranking adds weight / (k + rank) for the ids it holds."""
    fused: dict[str, float] = {}
    for n, ranking in enumerate(rankings):
        weight = weights[n] if weights else 1.0
        for rank, ident in enumerate(ranking, start=1):
            fused[ident] = fused.get(ident, 0.0) + weight / (k + rank)
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
        self._entities = self._entity_patterns(chunks)
        self._speller = Speller(
            {
                w
                for c in chunks
                for w in self.tokenize.words(f"{c.title} {c.section} {c.text}")
                if len(w) >= 6 and w.isalpha()
            }
        )

    @staticmethod
    def _entity_patterns(chunks: list[Chunk]) -> dict[str, re.Pattern[str]]:
        """A name pattern per trial, guideline and method document ("REACH-2", "ESMO 2025")."""
        patterns: dict[str, re.Pattern[str]] = {}
        for doc_id in sorted({c.doc_id for c in chunks if c.kind in NAMED_KINDS}):
            words = [re.escape(w) for w in doc_id.split("-")]
            name = r"[\s-]?".join(words)
            # Trial names that are also English words count only in capitals or next to "trial".
            if doc_id in COMMON_WORD_NAMES:
                name, flags = name.upper(), 0
            else:
                flags = re.I
            patterns[doc_id] = re.compile(rf"(?<![\w-]){name}(?![\w-])", flags)
        return patterns

    def mentioned_documents(self, query: str) -> list[str]:
        """Trial, guideline and method documents that `query` names."""
        found = [d for d, p in self._entities.items() if p.search(query)]
        for doc_id in COMMON_WORD_NAMES & set(self._entities):
            if doc_id not in found and re.search(rf"\b{doc_id}\b\W+(trial|study)\b", query, re.I):
                found.append(doc_id)
        # A named trial brings its updates along (IMbrave150 -> IMbrave150 updated analysis).
        return [d for d in self._entities if any(d == f or d.startswith(f"{f}-") for f in found)]

    def _entity_ranking(self, query: str, kind: str | None, source: str | None) -> list[str]:
        named = set(self.mentioned_documents(query))
        if not named:
            return []
        tokens = self.tokenize(query)
        scores = self._bm25.get_scores(tokens) if tokens else None
        members = [i for i, c in enumerate(self.chunks) if c.doc_id in named and self._allowed(c, kind, source)]
        if scores is not None:
            members.sort(key=lambda i: -float(scores[i]))
        return [self.chunks[i].chunk_id for i in members[: self.candidates]]

    def expand(self, query: str) -> str:
        """The query with canonical names for brand names, abbreviations and misspellings."""
        expanded = self.aliases.expand(query)
        fixes = self._speller.fixes(self.tokenize.words(expanded))
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
        # Bounded by this corpus's passages, not by asking the store its size (a round trip per question):
        # Chroma returns what it has when asked for more.
        n = min(self.candidates, max(1, len(self.by_id)))
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
        named = self._entity_ranking(expanded, kind, source) if mode == "hybrid" else []
        # A document the query names outright (a trial, a guideline) counts as much as both
        # other rankings together: "OS in REFLECT" is about REFLECT whatever else matches.
        fused = rrf([dense, lexical, named], self.rrf_k, [1.0, 1.0, NAMED_WEIGHT])
        dense_rank = {c: r for r, c in enumerate(dense, start=1)}
        bm25_rank = {c: r for r, c in enumerate(lexical, start=1)}
        # Ties go to the primary source's own document over a summary that quotes it.
        best = sorted(
            fused.items(),
            key=lambda item: (-item[1], self.by_id[item[0]].kind not in NAMED_KINDS, item[0]),
        )[:k]
        return [
            Hit(
                chunk=self.by_id[ident],
                score=score,
                dense_rank=dense_rank.get(ident),
                bm25_rank=bm25_rank.get(ident),
            )
            for ident, score in best
        ]
