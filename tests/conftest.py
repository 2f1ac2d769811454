"""Shared fixtures: the real index is built once per test session in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings

CORPUS = PROJECT_ROOT / "corpus"


@pytest.fixture(autouse=True)
def _isolated_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test away from the user's index, logs and caches."""
    monkeypatch.setenv("HCC_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    monkeypatch.delenv("HCC_INDEX_DIR", raising=False)
    monkeypatch.delenv("HCC_CORPUS_DIR", raising=False)


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for the session's index: the bundled corpus, a fresh index folder.

    With HCC_TEST_CHROMA_URL set, the index lives on that Chroma server instead.
    """
    import os

    url = os.environ.get("HCC_TEST_CHROMA_URL") or None
    return Settings(
        corpus_dir=CORPUS,
        index_dir=tmp_path_factory.mktemp("index"),
        chroma_url=url,
        collection="hcc-test" if url else "hcc-corpus",
        log_dir=tmp_path_factory.mktemp("logs"),
    )


@pytest.fixture(scope="session")
def kb(index_settings: Settings) -> Iterator[object]:
    """The real knowledge base: bundled corpus, bundled model, real Chroma."""
    from assistant.knowledge import KnowledgeBase

    yield KnowledgeBase(index_settings, rebuild=True)


@pytest.fixture(scope="session")
def assistant(index_settings: Settings, kb: object) -> object:
    """The public API over the session's index."""
    from assistant import Assistant

    return Assistant(index_settings)
