"""Helpers for tests of the served app: free ports, a real redis-server, `hcc-assistant serve` subprocesses."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server(tmp: Path) -> Iterator[str]:
    """HCC_TEST_REDIS_URL (scripts/with-redis.sh), else a throw-away redis-server on loopback."""
    url = os.environ.get("HCC_TEST_REDIS_URL")
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("these tests need Debian's redis-server (apt-get install redis-server): scripts/redis-deps.sh")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


class Server:
    """`hcc-assistant serve` in a subprocess on 127.0.0.1 and a random free port."""

    def __init__(self, env: dict[str, str], *args: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [sys.executable, "-m", "assistant", "serve", "--port", str(self.port), "--no-audit", *args]
        with log.open("ab") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 600) -> Server:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server stopped:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise AssertionError(f"the server did not start in {timeout:.0f} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def ask(self, client: Any, message: str, session_id: str | None = None, **extra: Any) -> Any:
        return client.post(self.url + "/api/v1/ask", json={"message": message, "session_id": session_id, **extra})


def worker_pids(server_pid: int) -> list[int]:
    """The worker processes of a `serve` process (its spawned children, not multiprocessing's resource tracker)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        if ppid == server_pid and b"spawn_main" in command:
            pids.append(int(stat.parent.name))
    return sorted(pids)


def server_env(settings: Any, **extra: str) -> dict[str, str]:
    """The environment of a server over the test session's index (never the user's folders)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HCC_")}
    env.update(
        HCC_CORPUS_DIR=str(settings.corpus_dir),
        HCC_INDEX_DIR=str(settings.index_dir),
        HCC_LOG_DIR=str(settings.log_dir),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    if settings.chroma_url:
        env.update(HCC_CHROMA_URL=settings.chroma_url, HCC_COLLECTION=settings.collection)
    env.update(extra)
    return env


@contextmanager
def in_thread(app: Any) -> Iterator[str]:
    """A FastAPI app served by uvicorn in a thread of this process on a free loopback port."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(600):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(30)
