"""Where turns are computed: in this process, or in worker processes that share the conversation store.

The web front (FastAPI with the Gradio UI mounted) runs in one process, because Gradio's queue keeps
its events in memory; the assistant's work goes to `N` worker processes, each with the model and the
index loaded and warmed at start. A conversation's events go to the same worker (by a hash of its id),
so its session is usually still in that worker's memory; the store's lock keeps two events on one
conversation apart even when they reach different workers or replicas.

The front talks to each worker over a socket pair with length-prefixed pickled frames, from an asyncio
event loop: a request is written as soon as it arrives, even while the worker is still answering the one
before (the worker answers them in order, so each reply goes to the oldest waiting caller). The worker
thus finds its next request queued when it finishes one, and the REST endpoints await their answer on
the server's loop instead of holding a thread of a pool while a worker computes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import os
import pickle
import signal
import socket
import struct
import threading
import zlib
from collections import deque
from dataclasses import dataclass, field
from functools import partial
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

    async def acall(self, op: str, *args: Any, key: str | None = None) -> Any:
        """`call` for the event loop: the turn runs in a thread of the server's pool, as sync endpoints did."""
        import anyio.to_thread

        return await anyio.to_thread.run_sync(partial(handle, self.conversations, self.info, op, args))

    async def start_serving(self) -> None:
        """Nothing to attach: the turns run in this process."""

    def close(self) -> None:
        self.conversations.store.close()

    async def aclose(self) -> None:
        self.close()


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


def _running_on(loop: Any) -> bool:
    """Whether this thread is the one running `loop` (where waiting for it would deadlock)."""
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


class WorkerError(AssistantError):
    """A worker process failed or died; the request was not answered."""


# A frame is a 4-byte length and a pickle. Pickle is safe here: both ends are this program's own processes.
_HEADER = struct.Struct("!I")


def _frame(message: Any) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError("the worker closed its socket")
        data += chunk
    return bytes(data)


def _recv_frame(sock: socket.socket) -> Any:
    """One message read with blocking calls: a starting worker's, before its socket goes to the event loop
    (exactly one frame is read, so nothing meant for the loop is left in a buffer here)."""
    (size,) = _HEADER.unpack(_recv_exactly(sock, _HEADER.size))
    return pickle.loads(_recv_exactly(sock, size))


def worker_main(sock: socket.socket, settings: Settings, workers: int, build: bool) -> None:
    """A worker process: load, warm, then answer requests from the socket, in order, until it closes."""
    from ..settings import offline_environment

    # Ctrl-C in a terminal reaches the whole process group: the worker leaves when the front closes its
    # socket, after the requests in flight are answered, and the front does not take it for a crash.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    offline_environment()
    try:
        import torch

        threads = int(os.environ.get("OMP_NUM_THREADS") or 1)
        torch.set_num_threads(threads)
        from ..api import Assistant
        from ..memory import settle

        assistant = Assistant(settings, build=build)
        sock.sendall(_frame(("indexed", None)))  # the index is current: the other workers may start opening it
        conversations = assistant.conversations()
        audit = conversations.audit
        if audit is not None:
            audit.defer = True  # each answer's audit line is written after the answer is sent
        warm(assistant)
        settle()  # everything loaded and warmed lives as long as the worker
        info = describe(assistant, conversations, workers)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which stops with the message
        try:
            sock.sendall(_frame(("error", _error(exc))))
        except OSError:
            pass
        return
    sock.sendall(_frame(("ready", info)))
    # Buffered: pipelined requests arrive several to a read.
    requests = sock.makefile("rb", buffering=1 << 16)
    while True:
        try:
            header = requests.read(_HEADER.size)
            if len(header) < _HEADER.size:
                return  # the front closed the socket (or stopped)
            (size,) = _HEADER.unpack(header)
            body = requests.read(size)
            if len(body) < size:
                return
            # The first byte: how many threads this request may compute with (see WorkerPool._send).
            if body[0] != threads:
                threads = body[0]
                torch.set_num_threads(threads)
            op, args = pickle.loads(memoryview(body)[1:])
        except OSError:
            return
        try:
            reply = _frame(("ok", handle(conversations, info, op, args)))
        except Exception as exc:  # noqa: BLE001 - the request fails with a message; the worker stays up
            reply = _frame(("error", _error(exc)))
        try:
            sock.sendall(reply)
        except OSError:
            return
        finally:
            if audit is not None:
                audit.flush()


# What a caller waits on: an asyncio future when it runs on the pool's loop, else a thread-safe one.
_Waiter = asyncio.Future[Any] | concurrent.futures.Future[Any]


@dataclass(eq=False)
class _Worker:
    process: Any
    sock: socket.socket | None  # blocking, until the event loop takes it over
    indexed: bool = False
    transport: asyncio.Transport | None = None
    # The callers of the requests written to the worker, oldest first: replies come back in this order.
    pending: deque[_Waiter] = field(default_factory=deque)
    # Requests that arrived while the worker was being replaced, sent once the new one is ready.
    backlog: list[tuple[bytes, _Waiter]] = field(default_factory=list)
    restarting: bool = False


def _settle(waiter: _Waiter, reply: Any = None, error: BaseException | None = None) -> None:
    """Hand a caller its reply or error, unless it stopped waiting."""
    if waiter.done():
        return
    if error is not None:
        waiter.set_exception(error)
    else:
        waiter.set_result(reply)


class _Replies(asyncio.Protocol):
    """The front's end of one worker's socket: each complete frame is the reply to the oldest request."""

    def __init__(self, pool: WorkerPool, worker: _Worker) -> None:
        self.pool, self.worker = pool, worker
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while len(buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(buffer)
            end = _HEADER.size + size
            if len(buffer) < end:
                return
            reply = pickle.loads(buffer[_HEADER.size : end])
            del buffer[:end]
            _settle(self.worker.pending.popleft(), reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.pool._lost(self.worker)


# The OMP_NUM_THREADS a pool of this process set (not the operator's).
_OMP_SET_HERE: str | None = None


class WorkerPool:
    """`n` warmed worker processes; `acall` (on an event loop) or `call` (from a thread) sends a request to
    one and returns its answer."""

    def __init__(self, settings: Settings, n: int, *, start_timeout: float = 600.0) -> None:
        import multiprocessing

        self.settings = settings
        self.n = n
        self.timeout = start_timeout
        # spawn, not fork: the front process has threads (uvicorn, Gradio) that fork would copy half-way.
        self._ctx = multiprocessing.get_context("spawn")
        self._round = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop that owns the workers' sockets
        self._thread: threading.Thread | None = None  # the pool's own loop, when no server lent one
        self._loop_lock = threading.Lock()
        self._tasks: set[asyncio.Future[Any]] = set()
        self._closing = False
        # The workers share the cores: while another worker computes, each computes with its share of
        # them (a lone request gets them all, see `_threads_for`). Without this, numpy's
        # BLAS and torch start a thread per core in every worker, and those threads spin-wait on the
        # cores the other workers need (measured: 13 ms CPU per answer instead of 8). Set before the
        # workers start, because BLAS reads it when numpy is imported; `OMP_NUM_THREADS` overrides.
        self._cores = min(255, os.cpu_count() or 1)
        global _OMP_SET_HERE
        # An OMP_NUM_THREADS the operator set is kept for every request (no more threads when idle).
        self._fixed_threads = os.environ.get("OMP_NUM_THREADS", _OMP_SET_HERE) != _OMP_SET_HERE
        if not self._fixed_threads:
            _OMP_SET_HERE = os.environ["OMP_NUM_THREADS"] = str(max(1, self._cores // n))
        self._share = max(1, min(255, int(os.environ["OMP_NUM_THREADS"])))
        # The first worker builds or updates the index; the others start once it is current and only open it.
        first = self._start(build=True)
        self._wait(first, "indexed")
        first.indexed = True
        rest = [self._start(build=False) for _ in range(n - 1)]
        self.info = self._ready(first)
        for worker in rest:
            self._ready(worker)
        self.workers = [first, *rest]

    # ---- start-up (blocking: before the loop has the socket, or in a thread of its own) -----------------
    def _start(self, build: bool) -> _Worker:
        parent, child = socket.socketpair()
        process = self._ctx.Process(
            target=worker_main, args=(child, self.settings, self.n, build), daemon=True, name="hcc-worker"
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    def _wait(self, worker: _Worker, wanted: str) -> Any:
        """The worker's next start-up message, which must be `wanted` (else its error is raised)."""
        assert worker.sock is not None
        worker.sock.settimeout(self.timeout)
        try:
            status, payload = _recv_frame(worker.sock)
        except TimeoutError:
            worker.process.kill()
            raise WorkerError(f"a worker did not start within {self.timeout:.0f} s") from None
        except (EOFError, OSError):
            worker.process.join(5)
            raise WorkerError(f"a worker stopped while starting (exit code {worker.process.exitcode})") from None
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

    def _fresh(self, old: Any) -> _Worker:
        """A new worker, ready, in place of the process `old` that stopped."""
        old.join(1)
        if old.is_alive():
            old.kill()
        worker = self._start(build=False)
        try:
            self._ready(worker)
        except BaseException:
            worker.process.kill()
            raise
        return worker

    # ---- the event loop's side --------------------------------------------------------------------------
    async def _attach(self, worker: _Worker, sock: socket.socket) -> None:
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_connection(partial(_Replies, self, worker), sock=sock)
        worker.sock, worker.transport = None, transport
        backlog, worker.backlog = worker.backlog, []
        for frame, waiter in backlog:
            self._send(worker, frame, waiter)

    async def _attach_all(self) -> None:
        # Until its socket is attached, a worker counts as restarting: a request waits in its backlog.
        for worker in self.workers:
            worker.restarting = True
        try:
            for worker in self.workers:
                assert worker.sock is not None
                await self._attach(worker, worker.sock)
        finally:
            for worker in self.workers:
                worker.restarting = False

    def _io(self) -> asyncio.AbstractEventLoop:
        """The loop that talks to the workers: the server's (`start_serving`) or, for a caller without one
        (a script, a test), the pool's own in a daemon thread, started on first use."""
        loop = self._loop
        if loop is not None:
            return loop
        with self._loop_lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, daemon=True, name="hcc-worker-io")
                thread.start()
                # Published once every socket is attached, so that no request finds a worker without one.
                asyncio.run_coroutine_threadsafe(self._attach_all(), loop).result()
                self._loop, self._thread = loop, thread
            return self._loop

    async def start_serving(self) -> None:
        """Talk to the workers from the running loop (the server's, at start-up). The REST endpoints then
        reach a worker without a hop to another thread and back: measured on 2 cores, a trivial request's
        round trip is 45 us this way, 130-200 us through a loop in another thread, 155-260 us as a
        blocking call in a thread of the server's pool. Gradio's callbacks, in threads, hop to this loop."""
        with self._loop_lock:
            if self._loop is not None:
                return
            self._loop = asyncio.get_running_loop()
        await self._attach_all()

    def _send(self, worker: _Worker, frame: bytes, waiter: _Waiter) -> None:
        """Write one request (on the loop); its caller waits for the reply in `pending`."""
        if isinstance(waiter, concurrent.futures.Future) and not waiter.set_running_or_notify_cancel():
            return  # the caller gave up before the request was sent
        if self._closing:
            _settle(waiter, error=WorkerError("the service is stopping"))
        elif worker.transport is None:
            worker.backlog.append((frame, waiter))
            self._restart(worker)
        else:
            worker.pending.append(waiter)
            worker.transport.write(_HEADER.pack(len(frame) + 1) + bytes((self._threads_for(worker),)) + frame)

    def _threads_for(self, worker: _Worker) -> int:
        """Threads for a request to `worker`: every core while no other worker is computing (a lone
        request's query embedding takes ~25 % less time on 2 threads than on 1), else its share of the
        cores, so that busy workers do not spin on each other's cores. Set with `torch.set_num_threads`
        in the worker, which costs well under a microsecond."""
        if self._fixed_threads or any(other.pending for other in self.workers if other is not worker):
            return self._share
        return self._cores

    def _lost(self, worker: _Worker) -> None:
        """The worker's socket closed: its process stopped (or the pool is closing)."""
        worker.transport = None
        waiting, worker.pending = worker.pending, deque()
        message = "a worker process stopped while answering; a new one is starting"
        for waiter in waiting:
            _settle(waiter, error=WorkerError(message))
        if not self._closing:
            self._restart(worker)

    def _restart(self, worker: _Worker) -> None:
        if worker.restarting:
            return
        worker.restarting = True
        task = asyncio.ensure_future(self._replace(worker))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _replace(self, worker: _Worker) -> None:
        # The new worker starts and warms in a thread of its own, so the loop serves the other workers meanwhile.
        started: concurrent.futures.Future[_Worker] = concurrent.futures.Future()

        def start() -> None:
            try:
                started.set_result(self._fresh(worker.process))
            except BaseException as exc:  # noqa: BLE001 - reported to the waiting callers
                started.set_exception(exc)

        threading.Thread(target=start, daemon=True, name="hcc-worker-restart").start()
        try:
            fresh = await asyncio.wrap_future(started)
            if self._closing:
                fresh.process.kill()
                raise WorkerError("the service is stopping")
            worker.process = fresh.process
            assert fresh.sock is not None
            await self._attach(worker, fresh.sock)
        except BaseException as exc:
            # Nothing can answer the requests that waited; the next request tries again.
            backlog, worker.backlog = worker.backlog, []
            error = exc if isinstance(exc, WorkerError) else WorkerError(f"a worker could not be restarted: {exc}")
            for _, waiter in backlog:
                _settle(waiter, error=error)
        finally:
            worker.restarting = False

    # ---- callers ----------------------------------------------------------------------------------------
    def _route(self, op: str, args: tuple[Any, ...], key: str | None) -> tuple[_Worker, bytes]:
        if op in ("ask", "ask_json", "recheck") and not args[0]:
            # A new conversation: its id is chosen here, so that all its turns go to the same worker.
            key = new_id()
            args = (*args, None)[:3] + (key,)
        if key:
            worker = self.workers[zlib.crc32(key.encode()) % self.n]
        else:
            worker = self.workers[next(self._round) % self.n]
        return worker, pickle.dumps((op, args), protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def _result(reply: tuple[str, Any]) -> Any:
        status, payload = reply
        if status == "ok":
            return payload
        _raise(payload)

    async def acall(self, op: str, *args: Any, key: str | None = None) -> Any:
        """The answer to one request, awaited on the running loop."""
        worker, frame = self._route(op, args, key)
        loop = asyncio.get_running_loop()
        if loop is self._loop:
            waiter: asyncio.Future[Any] = loop.create_future()
            self._send(worker, frame, waiter)
            return self._result(await waiter)
        shared: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._io().call_soon_threadsafe(self._send, worker, frame, shared)
        return self._result(await asyncio.wrap_future(shared))

    def call(self, op: str, *args: Any, key: str | None = None) -> Any:
        """The answer to one request, waited for in this thread (Gradio's callbacks, scripts)."""
        loop = self._io()
        if _running_on(loop):
            raise RuntimeError("WorkerPool.call would block the loop that answers it: await acall instead")
        worker, frame = self._route(op, args, key)
        waiter: concurrent.futures.Future[Any] = concurrent.futures.Future()
        loop.call_soon_threadsafe(self._send, worker, frame, waiter)
        return self._result(waiter.result())

    async def _shutdown(self) -> None:
        """Let the requests already sent be answered (a few seconds at most), then close the sockets: each
        worker exits when it reads the end of its socket."""
        self._closing = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while any(worker.pending for worker in self.workers) and loop.time() < deadline:
            await asyncio.sleep(0.01)
        for worker in self.workers:
            if worker.transport is not None:
                worker.transport.close()
        while any(worker.transport is not None for worker in self.workers) and loop.time() < deadline + 1:
            await asyncio.sleep(0.01)

    def _reap(self) -> None:
        for worker in self.workers:
            if worker.sock is not None:
                worker.sock.close()
        for worker in self.workers:
            worker.process.join(5)
            if worker.process.is_alive():
                worker.process.terminate()

    async def aclose(self) -> None:
        """`close` on the server's loop (at shutdown), which must keep running while the sockets close."""
        if self._loop is asyncio.get_running_loop():
            await self._shutdown()
            await asyncio.to_thread(self._reap)
        else:
            await asyncio.to_thread(self.close)

    def close(self) -> None:
        """Stop the workers and reap their processes (from a thread that is not the pool's loop's)."""
        self._closing = True
        loop, thread = self._loop, self._thread
        if loop is not None and not loop.is_closed():
            if _running_on(loop):
                raise RuntimeError("WorkerPool.close on the loop that talks to the workers: await aclose instead")
            if loop.is_running():
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
            if thread is not None:
                loop.call_soon_threadsafe(loop.stop)
                thread.join(5)
                if not thread.is_alive():
                    loop.close()
        self._reap()
