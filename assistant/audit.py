"""A local JSONL audit log of turns: what was cited and decided, never the patient's words.

Several worker processes may write the same log: a file lock (flock) makes rotation and appending one
step, so no line is lost or split.
"""

from __future__ import annotations

import fcntl
import json
import threading
import time
from pathlib import Path
from typing import Any

MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 3


class AuditLog:
    """Append-only JSONL with size-based rotation (audit.jsonl -> audit.jsonl.1 ...)."""

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()
        # A worker process answers first and writes afterwards: `defer` holds the lines until `flush()`.
        self.defer = False
        self._held: list[str] = []

    def _rotate(self) -> None:
        if not self.path.exists() or self.path.stat().st_size < self.max_bytes:
            return
        for n in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            if older.exists():
                older.replace(self.path.with_name(f"{self.path.name}.{n + 1}"))
        self.path.replace(self.path.with_name(f"{self.path.name}.1"))

    def write(self, session_id: str, corpus_hash: str, answer: dict[str, Any], feedback: str | None = None) -> None:
        """One line per turn (or feedback rating): ids and decisions only, never free text."""
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "session": session_id[:12],
            "corpus_hash": corpus_hash,
            "kind": answer.get("kind"),
            "refusal": (answer.get("refusal") or {}).get("reason"),
            "chunk_ids": [c["chunk_id"] for c in answer.get("citations", [])],
            "rule_ids": sorted({r for o in answer.get("options", []) for r in o.get("rules", [])}),
            "offered": [o["regimen"] for o in answer.get("options", []) if o["status"] in ("preferred", "alternative")],
            "feedback": feedback,
        }
        line = json.dumps(entry) + "\n"
        with self._lock:
            self._held.append(line)
        if not self.defer:
            self.flush()

    def flush(self) -> None:
        """Append the lines held so far (one locked append for all of them)."""
        with self._lock:
            if not self._held:
                return
            lines, self._held = "".join(self._held), []
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.with_name(self.path.name + ".lock").open("a") as guard:
                fcntl.flock(guard, fcntl.LOCK_EX)
                try:
                    self._rotate()
                    with self.path.open("a", encoding="utf-8") as handle:
                        handle.write(lines)
                finally:
                    fcntl.flock(guard, fcntl.LOCK_UN)
