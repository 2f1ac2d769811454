"""No network at run time: opening the index and answering retrieval makes no outside connection."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = r"""
import json, sys
seen = []
def hook(event, args):
    if event == "socket.connect":
        seen.append(["connect", repr(args[1])])
    elif event == "socket.getaddrinfo":
        seen.append(["getaddrinfo", repr(args[0])])
sys.addaudithook(hook)
from assistant.knowledge import KnowledgeBase
from assistant.settings import Settings
from pathlib import Path
kb = KnowledgeBase(Settings.from_env(index_dir=Path(sys.argv[1])), build=False)
hits = kb.search("AFP threshold for ramucirumab", 5)
print(json.dumps({"events": seen, "first": hits[0].chunk.source}))
"""


def test_retrieval_makes_no_outside_connection(index_settings, kb) -> None:
    if index_settings.chroma_url:
        pytest.skip("this test checks the local, serverless configuration")
    env_clean = {k: v for k, v in __import__("os").environ.items() if not k.startswith("HF_")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(index_settings.index_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env_clean,
        check=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["first"] == "reach-2"
    outside = [e for e in result["events"] if not any(host in e[1] for host in ("127.0.0.1", "localhost", "::1"))]
    assert outside == [], outside
