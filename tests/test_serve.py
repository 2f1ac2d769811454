"""`hcc-assistant serve` from outside: REST through real started servers, restart continuity, two replicas on
one real Redis continuing each other's conversations, unknown ids -> 404, malformed bodies -> 400/422."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serving import Server, redis_server, server_env

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
