"""`hcc-assistant serve` from outside: REST through real started servers, restart continuity, two replicas on
one real Redis continuing each other's conversations, unknown ids -> 404, malformed bodies -> 400/422."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from serving import Server, redis_server, server_env, worker_pids

FIRST = "Child-Pugh A5, ECOG 0, progressed on sorafenib which he tolerated."


@pytest.fixture()
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as c:
        yield c


def test_rest_api_with_workers_and_restart_continuity(index_settings, kb, tmp_path: Path, client) -> None:
    env = server_env(index_settings, HCC_STATE_URL=f"sqlite:///{tmp_path / 'state.sqlite3'}")
    server = Server(env, "--workers", "2", log=tmp_path / "server.log").wait()
    try:
        health = client.get(server.url + "/healthz").json()
        assert health["status"] == "ok" and health["corpus_hash"] == kb.corpus_hash and health["workers"] == 2
        assert client.get(server.url + "/docs").status_code == 200
        spec = client.get(server.url + "/openapi.json").json()
        assert {"/api/v1/ask", "/api/v1/sessions/{session_id}", "/healthz"} <= set(spec["paths"])
        assert client.get(server.url + "/").status_code == 200  # the Gradio UI on the same port
        # Gradio's callbacks call the workers from threads, through the server's event loop.
        from gradio_client import Client

        via_ui = Client(server.url + "/", verbose=False).predict(message=FIRST, session_id="", api_name="/ask")
        assert via_ui["kind"] == "recommendation" and via_ui["profile"]["ecog"] == 0

        first = server.ask(client, FIRST)
        assert first.status_code == 200, first.text
        sid = first.json()["session_id"]
        assert first.json()["kind"] == "recommendation" and first.json()["citations"]
        second = server.ask(client, "AFP is 1,200 ng/mL.", sid).json()
        assert second["session_id"] == sid and second["profile"]["ecog"] == 0
        assert second["profile"]["afp_ng_ml"] == 1200
        assert "ramucirumab" in {o["regimen"] for o in second["options"] if o["status"] in ("preferred", "alternative")}

        got = client.get(f"{server.url}/api/v1/sessions/{sid}").json()
        assert got["audience"] == "clinician" and [t["message"] for t in got["turns"]] == [FIRST, "AFP is 1,200 ng/mL."]

        unknown = server.ask(client, "Options?", "0" * 32)
        assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
        assert client.get(f"{server.url}/api/v1/sessions/{'0' * 32}").status_code == 404
        assert client.delete(f"{server.url}/api/v1/sessions/{'0' * 32}").status_code == 404
        bad = client.post(
            server.url + "/api/v1/ask", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert bad.status_code == 400 and bad.json()["message"]
        for body in ({}, {"message": 5}, {"message": "hi", "audience": "family"}, {"message": "hi", "extra": 1}):
            wrong = client.post(server.url + "/api/v1/ask", json=body)
            assert wrong.status_code == 422 and wrong.json()["message"], body
    finally:
        server.stop()

    # The same store, a new server process (one worker this time): the conversation goes on.
    again = Server(env, "--workers", "1", log=tmp_path / "server2.log").wait()
    try:
        third = again.ask(client, "What are the options now?", sid).json()
        assert third["session_id"] == sid and third["profile"]["afp_ng_ml"] == 1200 and third["profile"]["ecog"] == 0
        assert len(client.get(f"{again.url}/api/v1/sessions/{sid}").json()["turns"]) == 3
        assert client.delete(f"{again.url}/api/v1/sessions/{sid}").status_code == 200
        assert again.ask(client, "Options?", sid).status_code == 404
    finally:
        again.stop()


def test_two_replicas_on_one_redis_continue_each_others_conversations(index_settings, kb, tmp_path: Path, client):
    with redis_server(tmp_path) as url:
        env = server_env(index_settings, HCC_STATE_URL=url)
        one = Server(env, "--workers", "1", log=tmp_path / "one.log")
        two = Server(env, "--workers", "1", log=tmp_path / "two.log")
        try:
            one.wait(), two.wait()
            assert client.get(one.url + "/healthz").json()["store"].startswith("redis://127.0.0.1")
            messages = [FIRST, "AFP is 1,200 ng/mL.", "She actually weighs 55 kg.", "What are the options now?"]
            sid = None
            for n, message in enumerate(messages):
                replica = (one, two)[n % 2]
                answer = replica.ask(client, message, sid)
                assert answer.status_code == 200, answer.text
                sid = answer.json()["session_id"]
            profile = answer.json()["profile"]
            assert profile["ecog"] == 0 and profile["afp_ng_ml"] == 1200 and profile["weight_kg"] == 55
            assert len(client.get(f"{one.url}/api/v1/sessions/{sid}").json()["turns"]) == 4
            assert client.delete(f"{two.url}/api/v1/sessions/{sid}").status_code == 200
            assert one.ask(client, "Options?", sid).status_code == 404
        finally:
            one.stop()
            two.stop()


def test_an_expired_conversation_is_410_with_a_message(assistant, tmp_path: Path) -> None:
    """In-process (FastAPI's test client), with a one-second expiry."""
    import time

    from fastapi.testclient import TestClient

    from assistant.conversation import open_store
    from assistant.serve import build_app
    from assistant.serve.backend import LocalBackend

    conversations = assistant.conversations(f"sqlite:///{tmp_path / 's.sqlite3'}", audit=False)
    conversations.store = open_store(f"sqlite:///{tmp_path / 's.sqlite3'}", ttl=1)
    with TestClient(build_app(LocalBackend(assistant, conversations))) as http:
        sid = http.post("/api/v1/ask", json={"message": "What is ALBI?"}).json()["session_id"]
        time.sleep(1.3)
        gone = http.post("/api/v1/ask", json={"message": "And BCLC?", "session_id": sid})
        assert gone.status_code == 410 and "expired after 1 second" in gone.json()["message"]
        assert http.get(f"/api/v1/sessions/{sid}").status_code == 410


def test_the_rest_endpoints_are_coroutines_and_the_docs_show_the_models(assistant, tmp_path: Path) -> None:
    """No endpoint is a sync function run in the server's thread pool; the OpenAPI keeps the body models."""
    import inspect

    from assistant.serve import build_app
    from assistant.serve.backend import LocalBackend

    conversations = assistant.conversations(f"sqlite:///{tmp_path / 's.sqlite3'}", audit=False)
    app = build_app(LocalBackend(assistant, conversations))
    routes = {r.path: r for r in app.routes if getattr(r, "path", "").startswith(("/api/v1/", "/healthz"))}
    assert {"/api/v1/ask", "/api/v1/sessions/{session_id}", "/healthz"} <= set(routes)
    assert all(inspect.iscoroutinefunction(route.endpoint) for route in routes.values()), routes
    spec = app.openapi()
    body = spec["paths"]["/api/v1/ask"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    answer = spec["paths"]["/api/v1/ask"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/AskRequest") and answer["$ref"].endswith("/AskResponse")
    assert {"AskRequest", "AskResponse", "ErrorResponse"} <= set(spec["components"]["schemas"])


@pytest.fixture(scope="module")
def pool(index_settings, kb, tmp_path_factory):
    """Two real worker processes over the session's index, called from this process (no HTTP)."""
    from assistant.serve.backend import WorkerPool

    state = tmp_path_factory.mktemp("pool") / "state.sqlite3"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OMP_NUM_THREADS", "1")  # the pool would otherwise leave it set for later servers' environment
        workers = WorkerPool(replace(index_settings, state_url=f"sqlite:///{state}", audit=False), 2)
    yield workers
    workers.close()
    assert not any(w.process.is_alive() for w in workers.workers)


def _on_worker(pool, index: int, count: int) -> dict[str, int]:
    """`count` new conversations that the pool routes to worker `index`, each with its own AFP."""
    found: dict[str, int] = {}
    afp = 1000 + 100 * index
    while len(found) < count:
        afp += 1
        sid, _ = pool.call("ask", None, f"Child-Pugh A5, ECOG 0, AFP {afp} ng/mL.", None)
        if zlib.crc32(sid.encode()) % pool.n == index:
            found[sid] = afp
    return found


def test_requests_to_one_worker_are_pipelined_and_each_caller_gets_its_own_answer_in_order(pool) -> None:
    conversations = _on_worker(pool, 0, 8)
    worker = pool.workers[0]
    os.kill(worker.process.pid, signal.SIGSTOP)  # the worker cannot answer: whatever is sent waits in its socket

    async def converse() -> tuple[list[str], list[tuple[str, dict]]]:
        resumed: list[str] = []

        async def one(sid: str) -> tuple[str, dict]:
            reply = await pool.acall("ask", sid, "What are the options now?", None, key=sid)
            resumed.append(sid)
            return reply

        tasks = [asyncio.create_task(one(sid)) for sid in conversations]
        for _ in range(500):
            await asyncio.sleep(0.01)
            if len(worker.pending) == len(tasks):
                break
        # All written before any answer: the worker finds its next request queued when it finishes one.
        assert len(worker.pending) == len(tasks) and not any(t.done() for t in tasks)
        os.kill(worker.process.pid, signal.SIGCONT)
        return resumed, list(await asyncio.gather(*tasks))

    try:
        resumed, replies = asyncio.run(converse())
    finally:
        os.kill(worker.process.pid, signal.SIGCONT)
    assert resumed == list(conversations)  # answered in the order they were sent
    for (sid, afp), (replied, answer) in zip(conversations.items(), replies, strict=True):
        assert replied == sid and answer["profile"]["afp_ng_ml"] == afp and answer["profile"]["ecog"] == 0
    assert not worker.pending


def test_threads_calling_one_worker_at_once_each_get_their_own_answer(pool) -> None:
    """Gradio's callbacks: blocking calls from many threads, all to the same worker."""
    conversations = _on_worker(pool, 1, 6)

    def turn(item: tuple[str, int]) -> bool:
        sid, afp = item
        replied, answer = pool.call("ask", sid, "She weighs 61 kg.", None, key=sid)
        return replied == sid and answer["profile"]["afp_ng_ml"] == afp and answer["profile"]["weight_kg"] == 61

    with ThreadPoolExecutor(len(conversations)) as threads:
        assert all(threads.map(turn, conversations.items()))
    for sid in conversations:
        assert len(pool.call("get", sid, key=sid)["turns"]) == 2


def test_a_worker_killed_while_requests_wait_gives_them_503_and_is_replaced(index_settings, kb, tmp_path: Path):
    """From outside: one of two workers stops with requests queued; they fail with 503, the other worker's
    requests do not, and the conversations go on with their facts once a new worker has started."""
    env = server_env(index_settings, HCC_STATE_URL=f"sqlite:///{tmp_path / 'state.sqlite3'}")
    server = Server(env, "--workers", "2", log=tmp_path / "server.log").wait()
    try:
        with httpx.Client(timeout=120) as client:
            patients: dict[str, int] = {}  # conversations on both workers (the front routes by crc32(id) % 2)
            while len(patients) < 6 or len({zlib.crc32(sid.encode()) % 2 for sid in patients}) < 2:
                afp = 300 + len(patients)
                patients[server.ask(client, f"Child-Pugh A5, ECOG 1, AFP {afp} ng/mL.").json()["session_id"]] = afp
            victim = worker_pids(server.process.pid)[0]

            def turn(sid: str) -> httpx.Response:
                with httpx.Client(timeout=120) as own:
                    return server.ask(own, "What are the options now?", sid)

            os.kill(victim, signal.SIGSTOP)
            with ThreadPoolExecutor(len(patients)) as threads:
                try:
                    replies = {sid: threads.submit(turn, sid) for sid in patients}
                    time.sleep(3)
                    waiting = {sid for sid, reply in replies.items() if not reply.done()}
                    answered = {sid: reply.result() for sid, reply in replies.items() if reply.done()}
                    # The stopped worker's conversations wait; the other worker answers its own.
                    assert waiting and answered
                    assert len({zlib.crc32(sid.encode()) % 2 for sid in waiting}) == 1
                    assert all(reply.status_code == 200 for reply in answered.values())
                finally:
                    os.kill(victim, signal.SIGKILL)  # also on failure, so that no request is left waiting
                for sid in waiting:
                    failed = replies[sid].result(timeout=60)
                    assert failed.status_code == 503 and failed.json()["error"] == "unavailable", failed.text
            # Turns on the lost worker's conversations wait until its replacement is ready, then go on.
            for sid, afp in patients.items():
                again = server.ask(client, "And the ECOG?", sid)
                assert again.status_code == 200, again.text
                assert again.json()["profile"]["afp_ng_ml"] == afp and again.json()["profile"]["ecog"] == 1
            workers = worker_pids(server.process.pid)
            assert len(workers) == 2 and victim not in workers
    finally:
        server.stop()
    assert "Traceback" not in (tmp_path / "server.log").read_text()


def test_a_lone_request_computes_on_every_core_and_busy_workers_on_their_share() -> None:
    from collections import deque

    from assistant.serve.backend import WorkerPool, _Worker

    pool = WorkerPool.__new__(WorkerPool)  # the decision alone: no processes
    first, second = _Worker(process=None, sock=None), _Worker(process=None, sock=None)
    pool.workers, pool._cores, pool._share, pool._fixed_threads = [first, second], 4, 2, False
    assert pool._threads_for(first) == 4  # nobody else computing
    first.pending = deque([object()])
    assert pool._threads_for(first) == 4  # its own queue is answered in order, one at a time
    assert pool._threads_for(second) == 2  # the other worker is busy: its share of the cores
    first.pending.clear()
    pool._fixed_threads = True  # OMP_NUM_THREADS set by the operator holds for every request
    assert pool._threads_for(first) == 2
