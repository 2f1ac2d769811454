"""Shared fixtures: the real index is built once per test session in a temporary folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def small_corpus(tmp_path: Path, docs: list[str]) -> Settings:
    """Settings over a copy of a few bundled documents (with the fact sheet and vocabulary), and a fresh index folder."""
    corpus = tmp_path / "corpus"
    for rel in docs:
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / rel, corpus / rel)
    for data in ("facts.yaml", "vocabulary.yaml"):
        shutil.copy(CORPUS / data, corpus / data)
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", log_dir=tmp_path / "logs")


NETWORK_PROBE = """
import json, sys
seen = []
def hook(event, args):
    if event == "socket.connect":
        seen.append(repr(args[1]))
    elif event == "socket.getaddrinfo":
        seen.append(repr(args[0]))
sys.addaudithook(hook)
from pathlib import Path
index_dir = Path(sys.argv[1])
result = {}
"""
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def network_probe(body: str, index_dir: Path) -> tuple[dict[str, Any], list[str]]:
    """Run `body` in a fresh interpreter (no HF_* settings inherited) recording every socket
    connection and name lookup; returns the `result` dict it fills and the non-loopback events."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    code = NETWORK_PROBE + body + "\nresult['events'] = seen\nprint(json.dumps(result))\n"
    out = subprocess.run(
        [sys.executable, "-c", code, str(index_dir)], capture_output=True, text=True, timeout=300, env=env, check=True
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    outside = [e for e in result["events"] if not any(host in e for host in LOOPBACK)]
    return result, outside
