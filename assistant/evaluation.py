"""Retrieval evaluation on a labelled query set: recall@k and mean reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from .errors import CorpusError
from .retrieval import Mode


class LabelledQuery(BaseModel):
    """A query and the documents whose passages answer it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    query: str
    relevant: list[str]
    tags: list[str] = []


@dataclass
class RetrievalResult:
    """Recall@k and MRR over a query set, with the misses."""

    recall: float
    mrr: float
    misses: list[tuple[LabelledQuery, list[str]]] = field(default_factory=list)


def load_retrieval_set(path: Path) -> list[LabelledQuery]:
    """Read a labelled retrieval file (`queries:` list)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CorpusError([f"{path}: cannot read the labelled set: {exc}"]) from exc
    return [LabelledQuery.model_validate(q) for q in raw["queries"]]


def evaluate_retrieval(kb: Any, queries: list[LabelledQuery], *, k: int, mode: Mode) -> RetrievalResult:
    """A query is a hit when a top-k passage comes from one of its relevant documents."""
    hits = 0
    reciprocal = 0.0
    misses: list[tuple[LabelledQuery, list[str]]] = []
    for q in queries:
        docs = [h.chunk.doc_id for h in kb.search(q.query, k, mode=mode)]
        ranks = [i for i, d in enumerate(docs, start=1) if d in q.relevant]
        if ranks:
            hits += 1
            reciprocal += 1.0 / ranks[0]
        else:
            misses.append((q, docs))
    n = max(1, len(queries))
    return RetrievalResult(recall=hits / n, mrr=reciprocal / n, misses=misses)
