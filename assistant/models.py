"""Pydantic models shared across the package: documents, chunks and retrieval hits."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

DocKind = Literal["guideline", "trial", "regimen", "method", "topic", "drug"]

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9+\-]*[a-z0-9]$")


class FrontMatter(BaseModel):
    """The YAML header of a corpus document; unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str = Field(min_length=3)
    citation: str = Field(min_length=10)
    kind: DocKind
    year: int = Field(ge=1950, le=2100)
    as_of: str = Field(pattern=r"^\d{4}-\d{2}$")
    sources: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError("must be lowercase letters, digits, '-' or '+'")
        return value


class Document(BaseModel):
    """A parsed corpus document."""

    model_config = ConfigDict(frozen=True)

    meta: FrontMatter
    body: str
    path: Path
    body_line: int  # 1-based line of the file where the body starts
    sha256: str

    @property
    def id(self) -> str:
        return self.meta.id


class Chunk(BaseModel):
    """A retrievable passage: one section (or part of one) of a document."""

    model_config = ConfigDict(frozen=True)

    chunk_id: str
    doc_id: str
    source: str  # the source id a citation of this passage names
    sources: list[str]  # every source id the passage attributes
    kind: DocKind
    title: str
    section: str
    text: str
    doc_hash: str

    def embedding_text(self) -> str:
        """What the embedder sees: the passage with its document title and section."""
        return f"{self.title}. {self.section}. {self.text}"


class Hit(BaseModel):
    """One retrieved passage with its fused score."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None

    def to_dict(self) -> dict[str, object]:
        """The contract's retrieval dict."""
        return {
            "source": self.chunk.source,
            "chunk_id": self.chunk.chunk_id,
            "title": self.chunk.title,
            "section": self.chunk.section,
            "text": self.chunk.text,
            "score": round(self.score, 6),
            "doc_id": self.chunk.doc_id,
            "kind": self.chunk.kind,
        }


class Citation(BaseModel):
    """A numbered citation: the passage a marker [n] points to."""

    n: int
    source: str
    chunk_id: str
    title: str
    section: str
    quote: str
    doc_id: str = ""
    citation: str = ""


class Answer(BaseModel):
    """One turn's answer, in the shape of the answer contract."""

    kind: Literal["recommendation", "information", "clarification", "refusal"]
    text: str
    options: list[dict[str, object]] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    profile: dict[str, object] = Field(default_factory=dict)
    missing: list[str] = Field(default_factory=list)
    refusal: dict[str, str] | None = None
    notices: list[str] = Field(default_factory=list)
    derived: dict[str, object] = Field(default_factory=dict)
    # Beside `profile`: for each known fact, the turn and the words it came from.
    provenance: dict[str, dict[str, object]] = Field(default_factory=dict)
    latency_ms: float | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable dict: the contract's keys plus additive extras."""
        data = self.model_dump(mode="json")
        data["citations"] = [
            {
                k: c[k]
                for k in (
                    "n",
                    "source",
                    "chunk_id",
                    "title",
                    "section",
                    "quote",
                    "doc_id",
                    "citation",
                )
            }
            for c in data["citations"]
        ]
        return data
