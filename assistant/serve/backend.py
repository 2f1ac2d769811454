"""Where turns are computed: in this process, or in worker processes that share the conversation store.

The web front (FastAPI with the Gradio UI mounted) runs in one process, because Gradio's queue keeps
its events in memory; the assistant's work goes to `N` worker processes, each with the model and the
index loaded and warmed at start. A conversation's events go to the same worker (by a hash of its id),
so its session is usually still in that worker's memory; the store's lock keeps two events on one
conversation apart even when they reach different workers or replicas.
"""

from __future__ import annotations

import itertools
import os
import threading
import zlib
from dataclasses import dataclass
from typing import Any

import orjson

from ..conversation import ConversationBusy, ConversationExpired, ConversationNotFound
from ..conversation.store import new_id
from ..errors import AssistantError, InputError
from ..settings import Settings

WARM_UP = [
    "Child-Pugh A, ECOG 0, untreated advanced HCC: warm-up",
    "What did REACH-2 show?",
    "How is lenvatinib dosed?",
]


def handle(conversations: Any, info: dict[str, Any], op: str, args: tuple[Any, ...]) -> Any:
    """One request, the same in a worker and in-process."""
    if op == "ask_json":
        session_id, answer = conversations.ask(*args)
        return orjson.dumps({**answer, "session_id": session_id})
    if op == "info":
        return info
    if op in ("ask", "recheck", "feedback", "get", "delete", "export"):
        return getattr(conversations, op)(*args)
    raise InputError(f"unknown operation {op!r}")


def warm(assistant: Any) -> None:
    """Load the embedding model and the clinical NLP pipeline now, not on the first question."""
    chat = assistant.session()
    for message in WARM_UP:
        chat.ask(message)
    assistant.kb.embedder.warm_up()


def describe(assistant: Any, conversations: Any, workers: int) -> dict[str, Any]:
    return {
        "corpus_hash": assistant.kb.corpus_hash,
        "corpus_as_of": assistant.kb.facts.as_of,
        "store": conversations.store.describe(),
        "session_ttl": conversations.store.ttl,
        "workers": workers,
    }


class LocalBackend:
    """Turns computed in this process (tests, `--workers 1`)."""

    def __init__(self, assistant: Any, conversations: Any) -> None:
        self.conversations = conversations
        self.info = describe(assistant, conversations, 1)

    def call(self, op: str, *args: Any, key: str | None = None) -> Any:
        return handle(self.conversations, self.info, op, args)

    def close(self) -> None:
        self.conversations.store.close()


# ---- worker processes ---------------------------------------------------------------------------------
def _error(exc: BaseException) -> tuple[str, ...]:
    if isinstance(exc, ConversationExpired):
        return ("expired", exc.conversation_id, str(exc.ttl))
    if isinstance(exc, ConversationNotFound):
        return ("not_found", exc.conversation_id)
    if isinstance(exc, ConversationBusy):
        return ("busy", exc.conversation_id)
    if isinstance(exc, InputError):
        return ("input", str(exc))
    if isinstance(exc, AssistantError):
        return ("assistant", str(exc))
    return ("internal", f"{type(exc).__name__}: {exc}")


def _raise(error: tuple[str, ...]) -> None:
    kind = error[0]
    if kind == "expired":
        raise ConversationExpired(error[1], float(error[2]))
    if kind == "not_found":
        raise ConversationNotFound(error[1])
    if kind == "busy":
        raise ConversationBusy(error[1])
    if kind == "input":
        raise InputError(error[1])
    if kind == "assistant":
        raise AssistantError(error[1])
    raise WorkerError(f"a worker failed: {error[1]}")


class WorkerError(AssistantError):
    """A worker process failed or died; the request was not answered."""


def worker_main(conn: Any, settings: Settings, workers: int, build: bool) -> None:
    """A worker process: load, warm, then answer requests from the pipe until it closes."""
    from ..settings import offline_environment

    offline_environment()
    try:
        import torch

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS") or 1))
        from ..api import Assistant
        from ..memory import settle

        assistant = Assistant(settings, build=build)
        conn.send(("indexed", None))  # the index is current: the other workers may start opening it
        conversations = assistant.conversations()
        warm(assistant)
        settle()  # everything loaded and warmed lives as long as the worker
        info = describe(assistant, conversations, workers)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which stops with the message
        conn.send(("error", _error(exc)))
        return
    conn.send(("ready", info))
    while True:
        try:
            op, args = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            conn.send(("ok", handle(conversations, info, op, args)))
        except Exception as exc:  # noqa: BLE001 - the request fails with a message; the worker stays up
            conn.send(("error", _error(exc)))


@dataclass
class _Worker:
    process: Any
    conn: Any
    lock: threading.Lock
    indexed: bool = False


class WorkerPool:
    """`n` warmed worker processes; `call` sends a request to one and waits for its answer."""

    def __init__(self, settings: Settings, n: int, *, start_timeout: float = 600.0) -> None:
        import multiprocessing

        self.settings = settings
        self.n = n
        self.timeout = start_timeout
        # spawn, not fork: the front process has threads (uvicorn, Gradio) that fork would copy half-way.
        self._ctx = multiprocessing.get_context("spawn")
        self._round = itertools.count()
        self._restart_lock = threading.Lock()
        # The workers share the cores: each computes with its share of them. Without this, numpy's
        # BLAS and torch start a thread per core in every worker, and those threads spin-wait on the
        # cores the other workers need (measured: 13 ms CPU per answer instead of 8). Set before the
        # workers start, because BLAS reads it when numpy is imported; `OMP_NUM_THREADS` overrides.
        os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // n)))
        # The first worker builds or updates the index; the others start once it is current and only open it.
        first = self._start(build=True)
        self._wait(first, "indexed")
        first.indexed = True
        rest = [self._start(build=False) for _ in range(n - 1)]
        self.info = self._ready(first)
        for worker in rest:
            self._ready(worker)
        self.workers = [first, *rest]

    def _start(self, build: bool) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(
            target=worker_main, args=(child, self.settings, self.n, build), daemon=True, name="hcc-worker"
        )
        process.start()
        child.close()
        return _Worker(process, parent, threading.Lock())

    def _wait(self, worker: _Worker, wanted: str) -> Any:
        """The worker's next start-up message, which must be `wanted` (else its error is raised)."""
        if not worker.conn.poll(self.timeout):
            worker.process.kill()
            raise WorkerError(f"a worker did not start within {self.timeout:.0f} s")
        status, payload = worker.conn.recv()
        if status != wanted:
            worker.process.join(5)
            _raise(payload)
        return payload

    def _ready(self, worker: _Worker) -> dict[str, Any]:
        if not worker.indexed:
            self._wait(worker, "indexed")
            worker.indexed = True
        info: dict[str, Any] = self._wait(worker, "ready")
        return info

    def _pick(self, key: str | None) -> _Worker:
        if key:
            return self.workers[zlib.crc32(key.encode()) % self.n]
        return self.workers[next(self._round) % self.n]

    def call(self, op: str, *args: Any, key: str | None = None) -> Any:
        if op in ("ask", "ask_json", "recheck") and not args[0]:
            # A new conversation: its id is chosen here, so that all its turns go to the same worker.
            key = new_id()
            args = (*args, None)[:3] + (key,)
        worker = self._pick(key)
        with worker.lock:
            try:
                worker.conn.send((op, args))
                status, payload = worker.conn.recv()
            except (EOFError, OSError, BrokenPipeError):
                self._replace(worker)
                raise WorkerError("a worker process stopped while answering; it has been restarted") from None
        if status == "ok":
            return payload
        _raise(payload)

    def _replace(self, worker: _Worker) -> None:
        with self._restart_lock:
            worker.conn.close()
            worker.process.join(1)
            fresh = self._start(build=False)
            self._ready(fresh)
            worker.process, worker.conn, worker.indexed = fresh.process, fresh.conn, True

    def close(self) -> None:
        for worker in self.workers:
            with worker.lock:
                worker.conn.close()
        for worker in self.workers:
            worker.process.join(5)
            if worker.process.is_alive():
                worker.process.terminate()
