"""Markdown-header-aware chunking, then size-bounded, with deterministic chunk ids."""

from __future__ import annotations

import re

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from .corpus import SOURCE_KINDS, cited_ids
from .models import Chunk, Document

# Bump when the chunking changes: every document is then re-embedded.
CHUNKER_VERSION = "2"
# all-MiniLM-L6-v2 reads at most 256 word pieces; ~900 characters of clinical prose stays below it.
MAX_CHARS = 900
OVERLAP = 120

_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "body"


def chunk_document(doc: Document) -> list[Chunk]:
    """Split a document into section passages small enough for the embedding model."""
    by_header = MarkdownHeaderTextSplitter(headers_to_split_on=_HEADERS, strip_headers=True)
    by_size = RecursiveCharacterTextSplitter(
        chunk_size=MAX_CHARS, chunk_overlap=OVERLAP, separators=["\n\n", "\n- ", "\n", ". ", " "]
    )
    chunks: list[Chunk] = []
    used: dict[str, int] = {}
    for part in by_header.split_text(doc.body):
        text = part.page_content.strip()
        if not text:
            continue
        section = part.metadata.get("h3") or part.metadata.get("h2") or "Overview"
        if part.metadata.get("h3") and part.metadata.get("h2"):
            section = f"{part.metadata['h2']} / {part.metadata['h3']}"
        for piece in by_size.split_text(text):
            slug = _slug(section)
            n = used.get(slug, 0)
            used[slug] = n + 1
            cites = cited_ids(piece)
            # A passage is cited under the source it attributes; a source's own document
            # prefers its own id.
            if doc.meta.kind in SOURCE_KINDS and (doc.id in cites or not cites):
                source = doc.id
            else:
                source = cites[0] if cites else doc.id
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.id}#{slug}-{n}",
                    doc_id=doc.id,
                    source=source,
                    sources=cites or [source],
                    kind=doc.meta.kind,
                    title=doc.meta.title,
                    section=section,
                    text=piece,
                    doc_hash=doc.sha256,
                )
            )
    return chunks


def chunk_corpus(docs: list[Document]) -> list[Chunk]:
    """Chunks of every document, in corpus order."""
    return [chunk for doc in docs for chunk in chunk_document(doc)]
