"""The public entry point: `Assistant`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .dialogue import Session
from .knowledge import KnowledgeBase
from .models import Answer
from .pathways import PathwayEngine
from .phrasing import chat_model_from_env
from .retrieval import Mode
from .settings import Settings


class Assistant:
    """A guideline-grounded assistant over the bundled (or a configured) corpus and index."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        corpus_dir: str | Path | None = None,
        index_dir: str | Path | None = None,
        chroma_url: str | None = None,
        build: bool = True,
        progress: bool = False,
        chat_model: Any | None = None,
    ) -> None:
        overrides: dict[str, Any] = {
            "corpus_dir": Path(corpus_dir) if corpus_dir else None,
            "index_dir": Path(index_dir) if index_dir else None,
            "chroma_url": chroma_url,
        }
        if settings is None:
            settings = Settings.from_env(**overrides)
        self.settings = settings
        self.kb = KnowledgeBase(settings, build=build, progress=progress)
        self.engine = PathwayEngine.load(settings.corpus_dir / "pathways.yaml", set(self.kb.facts.sources))
        # Optional LLM phrasing: off unless a model is given or HCC_LLM_PROVIDER is set.
        self.chat_model = chat_model if chat_model is not None else chat_model_from_env()
        from .memory import settle

        settle()  # the corpus, index and checker live as long as the assistant

    def session(self, audience: str = "clinician", profile: dict[str, Any] | None = None) -> Session:
        """A new conversation; `profile` sets patient facts before the first turn."""
        return Session(self.kb, self.engine, audience=audience, profile=profile, chat_model=self.chat_model)

    def conversations(
        self, state_url: str | None = None, *, audit: bool | None = None, log_dir: Path | None = None
    ) -> Any:
        """Conversations by id over the store (`HCC_STATE_URL`; default the SQLite file under state/),
        shared with other processes and replicas: `ask(id | None, message)`, `get`, `delete`, `export`."""
        from .audit import AuditLog
        from .conversation import Conversations, open_store

        store = open_store(state_url or self.settings.state_location(), ttl=self.settings.session_ttl)
        use_audit = self.settings.audit if audit is None else audit
        log = AuditLog((log_dir or self.settings.log_dir) / "audit.jsonl") if use_audit else None
        return Conversations(self.session, store, audit=log, corpus_hash=self.kb.corpus_hash)

    def ask(self, message: str, audience: str = "clinician") -> Answer:
        """A one-shot question in a fresh session."""
        return self.session(audience=audience).ask(message)

    def retrieve(
        self,
        query: str,
        k: int = 5,
        *,
        kind: str | None = None,
        source: str | None = None,
        mode: Mode = "hybrid",
    ) -> list[dict[str, Any]]:
        """Best passages for `query`: dicts of source, chunk_id, title, section, text, score."""
        hits = self.kb.search(query, k, kind=kind, source=source, mode=mode)
        return [hit.to_dict() for hit in hits]
