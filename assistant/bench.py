"""`hcc-assistant bench`: build, no-change and query timings measured on this machine."""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from .dialogue import MAX_CHARS
from .settings import Settings

QUERIES = [
    "AFP threshold for ramucirumab",
    "lenvatinib starting dose by body weight",
    "Stivarga after Nexavar",
    "IMbrave150 overall survival hazard ratio",
    "STRIDE regimen dosing",
    "Child-Pugh B systemic therapy",
    "who was excluded from REFLECT",
    "cabozantinib CELESTIAL progression-free survival",
    "varices before atezo-bev",
    "HAIC for portal vein tumour thrombus",
]


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def run_benchmarks(
    settings: Settings, repeats: int = 50, web_sessions: int = 50, web_turns: int = 10, workers: int = 0
) -> str:
    """Measure and return a Markdown report."""
    from .knowledge import KnowledgeBase

    lines = [
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    ]
    with tempfile.TemporaryDirectory(prefix="hcc-bench-") as tmp:
        local = replace(settings, index_dir=Path(tmp) / "index", chroma_url=None)
        from .embeddings import Embedder

        start = time.perf_counter()
        embedder = Embedder(local.embedding_model)
        embedder.warm_up()
        load = time.perf_counter() - start
        lines.append(f"model import and load: {load:.2f} s")
        start = time.perf_counter()
        kb = KnowledgeBase(local, progress=False, embedder=embedder)
        opened = time.perf_counter() - start
        build = kb.sync_stats.seconds if kb.sync_stats else 0.0
        n_chunks = kb.index.count()
        lines.append(
            f"index build from scratch: {build:.2f} s for {n_chunks} passages "
            f"({n_chunks / build if build else 0:.0f} passages/s); open incl. corpus parse "
            f"and BM25 {opened:.2f} s"
        )
        start = time.perf_counter()
        again = KnowledgeBase(local, progress=False, embedder=embedder)
        reopen = time.perf_counter() - start
        embedded = again.sync_stats.chunks_embedded if again.sync_stats else 0
        lines.append(f"no-change rebuild (open + staleness check): {reopen:.3f} s, {embedded} passages re-embedded")

        embed_samples: list[float] = []
        retrieve_samples: list[float] = []
        for i in range(repeats):
            for q in QUERIES:
                text = f"{q} {i}"
                t = time.perf_counter()
                kb.embedder.embed_query(text)
                embed_samples.append(time.perf_counter() - t)
                t = time.perf_counter()
                kb.search(text, 5)
                retrieve_samples.append(time.perf_counter() - t)
        embed_ms = _median_ms(embed_samples)
        retrieve_ms = _median_ms(retrieve_samples)
        lines.append(f"embed one query alone: p50 {embed_ms:.2f} ms ({len(embed_samples)} samples)")
        lines.append(
            f"retrieve (hybrid, k=5): p50 {retrieve_ms:.2f} ms, "
            f"p95 {statistics.quantiles(retrieve_samples, n=20)[-1] * 1000:.2f} ms "
            f"= {retrieve_ms / embed_ms:.2f}x the embedding alone"
        )
        lines.extend(_checker_and_turns(local, kb, repeats))
        lines.append(_cold_start(local))
        if web_sessions > 0:
            lines.extend(_serve_load(local, web_sessions, web_turns, workers))
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        lines.append(f"peak memory of this benchmark process (model, index, in-process runs): {peak:.0f} MB")
    return "\n".join(lines)


def _cold_start(settings: Settings) -> str:
    """A new process, an existing index: import, open, first answer."""
    import subprocess
    import sys

    code = (
        "import time; t = time.perf_counter(); from pathlib import Path; from assistant import Assistant; "
        "from assistant.settings import Settings; "
        f"bot = Assistant(Settings.from_env(index_dir=Path({str(settings.index_dir)!r})), build=False); "
        "bot.session().ask('Child-Pugh A, ECOG 1, progressed on sorafenib, AFP 900. What next?'); "
        "print(time.perf_counter() - t)"
    )
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600)
    wall = time.perf_counter() - start
    inside = float(out.stdout.strip().splitlines()[-1])
    return f"cold start to first answer: {wall:.1f} s wall ({inside:.1f} s after the interpreter started)"


WEB_TURNS = [
    "Child-Pugh A5, ECOG {ecog}, AFP {afp} ng/mL, progressed on sorafenib which he tolerated.",
    "What are the options now?",
    "How is it dosed?",
    "What are the side effects of regorafenib?",
    "In CELESTIAL, what was the progression-free survival?",
    "Can I give cabozantinib together with atezolizumab?",
    "What did REACH-2 show?",
    "And if he progresses?",
    "What is ALBI?",
    "Options?",
]


def conversation_script(n: int, turns: int) -> tuple[int, int, list[str]]:
    """Conversation `n` of the load test: its patient's AFP and ECOG, and its messages."""
    afp, ecog = 100 + 37 * n, n % 2
    return afp, ecog, [WEB_TURNS[i % len(WEB_TURNS)].format(afp=afp, ecog=ecog) for i in range(turns)]


def _local_conversation(bot: Any, n: int, turns: int) -> list[float]:
    """Conversation `n` through the Python API in this process: the latency of each turn."""
    chat, latencies = bot.session(), []
    for message in conversation_script(n, turns)[2]:
        t = time.perf_counter()
        chat.ask(message)
        latencies.append(time.perf_counter() - t)
    return latencies


def _in_process(settings: Settings, sessions: int, turns: int) -> dict[str, float]:
    """The same conversations through the Python API, one after another in this process."""
    from .api import Assistant

    bot = Assistant(settings)
    _local_conversation(bot, 0, len(WEB_TURNS))  # every kind of turn once, out of the figures
    latencies: list[float] = []
    start, cpu = time.perf_counter(), time.process_time()
    for n in range(sessions):
        latencies += _local_conversation(bot, n, turns)
    elapsed = time.perf_counter() - start
    return {
        "p50_ms": _median_ms(latencies),
        "per_s": len(latencies) / elapsed,
        "elapsed": elapsed,
        "cpu_ms": (time.process_time() - cpu) * 1000 / len(latencies),
    }


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children, from /proc (0 where there is no /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _leaked(answer: dict[str, Any], afp: int, ecog: int) -> bool:
    """The answer's profile is not its own conversation's patient."""
    return bool(answer["profile"].get("afp_ng_ml") != afp or answer["profile"].get("ecog") != ecog)


def _lost(status: int, kept: dict[str, Any] | None, afp: int, turns: int) -> int:
    """1 unless the stored conversation still has its patient's facts and every turn."""
    if status != 200 or kept is None:
        return 1
    return int(kept["profile"].get("afp_ng_ml") != afp or len(kept["turns"]) != turns)


class _LeanClient:
    """One keep-alive HTTP/1.1 connection over asyncio streams, JSON in and out: the REST load client.

    On these 2 cores the client shares the CPU with the server it measures. httpx spends 2-4 ms of CPU per
    request here (its async client with 50 conversations: 110-130 answers/s from the same server that gives
    220-250/s to this client, which spends ~0.35 ms), and http.client adds ~0.3 ms to each sequential answer.
    """

    def __init__(self, url: str) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._streams: tuple[Any, Any] | None = None

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """The status and the decoded JSON body (None if the body is not JSON); ConnectionError if the
        exchange fails (the next request opens a new connection)."""
        import asyncio

        import orjson

        data = orjson.dumps(body) if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        )
        try:
            async with asyncio.timeout(120):
                if self._streams is None:
                    self._streams = await asyncio.open_connection(self.host, self.port)
                reader, writer = self._streams
                writer.write(head.encode() + data)
                lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                status = int(lines[0].split()[1])
                headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
                # The API answers with a Content-Length (it never streams).
                payload = await reader.readexactly(int(headers["content-length"]))
        except Exception as exc:  # noqa: BLE001 - any failure of the exchange is a failed request
            self.close()
            raise ConnectionError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, orjson.loads(payload) if "json" in headers.get("content-type", "") else None

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


def client_main(url: str, sessions: int, turns: int, phase: str = "rest") -> dict[str, object]:
    """The load client (run in its own process): REST or Gradio, the conversations at once."""
    if phase == "gradio":
        return {"gradio": _gradio_load(url, sessions, turns)}
    import asyncio

    return asyncio.run(_rest_load(url, sessions, turns))


async def _rest_conversation(
    n: int, turns: int, http: _LeanClient, overheads: list[float] | None = None
) -> tuple[list[float], int, int, int]:
    """Conversation `n` over REST: its latencies, errors, cross-session leaks and lost conversations (0/1).
    `overheads` collects, per answer, the client's latency less the turn's time inside the worker."""
    afp, ecog, messages = conversation_script(n, turns)
    sid, latencies, errors, leaks = None, [], 0, 0
    for message in messages:
        t = time.perf_counter()
        try:
            status, answer = await http.request("POST", "/api/v1/ask", {"message": message, "session_id": sid})
        except ConnectionError:
            errors += 1
            continue
        if status != 200 or answer is None:
            errors += 1
            continue
        latencies.append(time.perf_counter() - t)
        if overheads is not None:
            overheads.append(latencies[-1] - float(answer.get("latency_ms") or 0) / 1000)
        sid = answer["session_id"]
        leaks += _leaked(answer, afp, ecog)
    try:
        status, kept = await http.request("GET", f"/api/v1/sessions/{sid}") if sid else (0, None)
    except ConnectionError:
        status, kept = 0, None
    return latencies, errors, leaks, _lost(status, kept, afp, turns)


async def _rest_load(url: str, sessions: int, turns: int) -> dict[str, object]:
    """The conversations at once, as tasks of this one process (50 client threads would take CPU the server
    needs), each over a connection of its own."""
    import asyncio

    warm = _LeanClient(url)
    try:
        await _rest_conversation(0, turns, warm)  # connection and first-request costs out of the figures
    finally:
        warm.close()

    async def one(n: int) -> tuple[list[float], int, int, int]:
        client = _LeanClient(url)
        try:
            return await _rest_conversation(n, turns, client)
        finally:
            client.close()

    start = time.perf_counter()
    results = await asyncio.gather(*(one(n) for n in range(sessions)))
    return {"rest": _summary(list(results), time.perf_counter() - start)}


def _sequential_pairs(settings: Settings, url: str, conversations: int, turns: int) -> dict[str, float]:
    """The same conversations in-process and over REST (one keep-alive client in this process, outside the
    server), interleaved conversation by conversation in alternating order, so that the machine's slower and
    faster moments fall on both sides alike."""
    import asyncio

    from .api import Assistant

    bot = Assistant(settings)

    async def run() -> dict[str, float]:
        http = _LeanClient(url)
        inproc: list[float] = []
        rest: list[float] = []
        overheads: list[float] = []
        try:
            _local_conversation(bot, 0, turns)
            await _rest_conversation(0, turns, http)  # first-request costs out of the figures
            for n in range(conversations):
                if n % 2:
                    rest += (await _rest_conversation(n, turns, http, overheads))[0]
                    inproc += _local_conversation(bot, n, turns)
                else:
                    inproc += _local_conversation(bot, n, turns)
                    rest += (await _rest_conversation(n, turns, http, overheads))[0]
        finally:
            http.close()
        return {
            "in_process_p50_ms": _median_ms(inproc),
            "rest_p50_ms": _median_ms(rest),
            "overhead_p50_ms": _median_ms(overheads),
            "answers": float(len(rest) + turns),  # with the warm-up conversation
        }

    return asyncio.run(run())


def _summary(results: list[tuple[list[float], int, int, int]], elapsed: float) -> dict[str, float]:
    latencies = [x for r in results for x in r[0]]
    return {
        "answers": len(latencies),
        "elapsed": elapsed,
        "p50_ms": _median_ms(latencies) if latencies else 0.0,
        "p95_ms": statistics.quantiles(latencies, n=20)[-1] * 1000 if len(latencies) > 1 else 0.0,
        "errors": sum(r[1] for r in results),
        "leaks": sum(r[2] for r in results),
        "lost": sum(r[3] for r in results),
    }


def _gradio_load(url: str, sessions: int, turns: int) -> dict[str, float]:
    """The same load through the Gradio UI's /ask endpoint (gradio_client: Gradio's queue and SSE)."""
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    def one(n: int) -> tuple[list[float], int, int, int]:
        afp, ecog, messages = conversation_script(n, turns)
        client = Client(url + "/", verbose=False)
        sid, latencies, errors, leaks = "", [], 0, 0
        for message in messages:
            t = time.perf_counter()
            try:
                answer = client.predict(message=message, session_id=sid, api_name="/ask")
            except Exception:  # noqa: BLE001 - a benchmark counts every failure rather than stopping
                errors += 1
                continue
            latencies.append(time.perf_counter() - t)
            sid = answer["session_id"]
            if answer["profile"].get("afp_ng_ml") != afp or answer["profile"].get("ecog") != ecog:
                leaks += 1
        return latencies, errors, leaks, 0

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        results = list(pool.map(one, range(sessions)))
    return _summary(results, time.perf_counter() - start)


def _serve_load(settings: Settings, sessions: int, turns: int, workers: int) -> list[str]:
    """`hcc-assistant serve` in a subprocess, driven by a client in another process; against in-process."""
    import json
    import socket
    import subprocess
    import sys

    import httpx

    from .serve.app import worker_count

    workers = workers or worker_count(settings)
    sequential = 20
    full = _in_process(settings, sessions, turns)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "HCC_CORPUS_DIR": str(settings.corpus_dir),
        "HCC_INDEX_DIR": str(settings.index_dir),
        "HCC_LOG_DIR": str(settings.log_dir),
        "HCC_STATE_URL": f"sqlite:///{settings.index_dir.parent / 'state.sqlite3'}",
        "HCC_WORKERS": str(workers),
    }
    env.pop("HCC_CHROMA_URL", None)
    url = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.perf_counter() - start > 600:
                raise RuntimeError("the benchmark server did not start")
            time.sleep(0.2)
        ready = time.perf_counter() - start
        before = _cpu_seconds(server.pid)
        pairs = _sequential_pairs(settings, url, sequential, turns)
        cpu: dict[str, float] = {"sequential": _cpu_seconds(server.pid) - before}
        result: dict[str, Any] = {}
        for phase in ("rest", "gradio"):
            code = (
                "import json, sys; from assistant.bench import client_main; "
                f"print(json.dumps(client_main({url!r}, {sessions}, {turns}, {phase!r})))"
            )
            before = _cpu_seconds(server.pid)
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1800)
            cpu[phase] = _cpu_seconds(server.pid) - before
            if out.returncode != 0:
                raise RuntimeError(f"the load client failed:\n{out.stderr[-3000:]}")
            result.update(json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        server.terminate()
        server.wait(60)
    rest, gradio = result["rest"], result["gradio"]
    # The REST answers (warm-up conversations, the sequential, the concurrent) over the server's CPU.
    answered = pairs["answers"] + turns + rest["answers"]
    rest_rate, gradio_rate = rest["answers"] / rest["elapsed"], gradio["answers"] / gradio["elapsed"]
    seq_p50, base_p50 = pairs["rest_p50_ms"], pairs["in_process_p50_ms"]
    return [
        f"serve with {workers} workers: ready {ready:.1f} s after start (model and index warmed in each worker)",
        f"REST, one client (lean asyncio HTTP/1.1, keep-alive) outside the server, sequential ({sequential} "
        f"conversations x {turns} turns, interleaved conversation by conversation with the same conversations "
        f"in-process): p50 {seq_p50:.2f} ms vs in-process p50 {base_p50:.2f} ms ({seq_p50 - base_p50:+.2f} ms); "
        f"per answer, the client's time less the turn's own time in the worker (HTTP, JSON, IPC, store and "
        f"lock): p50 {pairs['overhead_p50_ms']:.2f} ms",
        f"REST, {sessions} concurrent conversations x {turns} turns from a separate client process (one asyncio "
        f"client, a task and a connection per conversation): "
        f"{rest['answers']} answers in {rest['elapsed']:.1f} s = {rest_rate:.0f}/s, "
        f"{rest_rate / full['per_s']:.2f}x the in-process single-thread {full['per_s']:.0f}/s; p50 "
        f"{rest['p50_ms']:.0f} ms, p95 {rest['p95_ms']:.0f} ms; errors {rest['errors']}, cross-session leaks "
        f"{rest['leaks']}, conversations with lost facts or turns {rest['lost']}",
        f"CPU per answer, whatever else runs on the machine: REST server (front and workers) "
        f"{(cpu['rest'] + cpu['sequential']) * 1000 / answered:.1f} ms, Gradio server "
        f"{cpu['gradio'] * 1000 / max(1, gradio['answers']):.1f} ms, in-process {full['cpu_ms']:.1f} ms",
        f"Gradio /ask (gradio_client), the same load: {gradio['answers']} answers in {gradio['elapsed']:.1f} s = "
        f"{gradio_rate:.0f}/s ({gradio_rate / full['per_s']:.2f}x); p50 {gradio['p50_ms']:.0f} ms, p95 "
        f"{gradio['p95_ms']:.0f} ms; errors {gradio['errors']}, cross-session leaks {gradio['leaks']}",
    ]


MESSAGE_100_WORDS = (
    "72-year-old man with HCV cirrhosis and advanced HCC with bilateral lung metastases. Child-Pugh A6 "
    "(bilirubin 1.4 mg/dL, albumin 3.3 g/dL, INR 1.1, no ascites, no encephalopathy), ECOG 1, weight 58 kg. "
    "He progressed radiologically on sorafenib 400 mg twice daily after 8 months, which he tolerated "
    "without major toxicity. AFP rose from 520 to 1,250 ng/mL. No main portal vein invasion, denies "
    "autoimmune disease, never had a transplant. Upper endoscopy last month showed small varices without "
    "red signs. His wife asks about side effects and whether he can keep working part time. "
    "If we used lenvatinib, what dose? What are the second-line options for him now?"
)
TURNS = [
    "Child-Pugh A, ECOG 1, progressed on sorafenib, AFP 900 - what next?",
    "How is it dosed?",
    "She actually weighs 55 kg.",
    "Untreated advanced HCC, Child-Pugh A6, ECOG 0, no autoimmune disease, no transplant. Options?",
    "She has main portal vein tumour thrombus.",
    "In CELESTIAL, what was the progression-free survival with cabozantinib versus placebo?",
    "What is the starting dose of lenvatinib for a patient weighing 65 kg?",
    "Can I give cabozantinib together with atezolizumab as first-line therapy?",
    "Child-Pugh C11 with encephalopathy. Which systemic therapy?",
    "What are the side effects of regorafenib?",
]


# Worst cases for the reader at the message bound: one token, numbers, names and cues repeated.
LONG_MESSAGES = {
    "one 4,000-character token": "a" * MAX_CHARS,
    "digits": "9" * MAX_CHARS,
    "an analyte with 666 values": ("AFP 1 " * MAX_CHARS)[:MAX_CHARS],
    "drug names and findings without a full stop": ("sorafenib progressed ascites " * MAX_CHARS)[:MAX_CHARS],
    "numbers and units": ("bilirubin 12 umol/L, albumin 30 g/L, 2,600 ng/mL, 5 x 10^3, " * MAX_CHARS)[:MAX_CHARS],
    "punctuation": ("-/+.," * MAX_CHARS)[:MAX_CHARS],
    "the 100-word message repeated": (MESSAGE_100_WORDS * 40)[:MAX_CHARS],
}


def _checker_and_turns(settings: Settings, kb: object, repeats: int) -> list[str]:
    """Checker and extraction speed, and turn latency against embedding the same messages."""
    from .api import Assistant
    from .facts import extract
    from .profile import make_profile

    bot = Assistant(settings)
    profile = make_profile(
        {
            "child_pugh_class": "A",
            "ecog": 1,
            "prior_therapies": ["sorafenib"],
            "sorafenib_tolerated": True,
            "afp_ng_ml": 900,
        }
    )
    samples = []
    for _ in range(1000):
        t = time.perf_counter()
        bot.engine.evaluate(profile)
        samples.append(time.perf_counter() - t)
    lines = [f"pathway checker, one profile: p50 {_median_ms(samples):.3f} ms (1000 evaluations)"]
    extract(MESSAGE_100_WORDS)
    samples = []
    for _ in range(max(20, repeats)):
        t = time.perf_counter()
        extract(MESSAGE_100_WORDS)
        samples.append(time.perf_counter() - t)
    words = len(MESSAGE_100_WORDS.split())
    lines.append(f"fact reading, {words}-word message: p50 {_median_ms(samples):.2f} ms")
    slowest, which = 0.0, ""
    for name, message in LONG_MESSAGES.items():
        t = time.perf_counter()
        extract(message)
        took = time.perf_counter() - t
        if took > slowest:
            slowest, which = took, name
    lines.append(
        f"fact reading, messages at the {MAX_CHARS:,}-character bound ({len(LONG_MESSAGES)} kinds): "
        f"slowest {slowest * 1000:.1f} ms ({which})"
    )
    embedder = bot.kb.embedder
    turn_samples: list[float] = []
    embed_samples: list[float] = []
    for i in range(max(3, repeats // 10)):
        chat = bot.session()
        for message in TURNS:
            text = f"{message} " if i % 2 else message
            embedder._recent.clear()
            t = time.perf_counter()
            embedder.embed_query(text)
            embed_samples.append(time.perf_counter() - t)
            embedder._recent.clear()
            t = time.perf_counter()
            chat.ask(text)
            turn_samples.append(time.perf_counter() - t)
    bad = [
        "",
        " " * 50,
        "x" * 100_000,
        "\x00\x1b[31m ECOG 1",
        "😀" * 20_000,
        "<script>alert(1)</script>",
        "{{7*7}}",
        "ECOG 7, AFP -50, weight 900 kg",
        "AFP 1e400",
        "ECOG 1 and ECOG 3",
        "[x](javascript:1) ALBI?",
    ]
    worst = 0.0
    for message in bad:
        t = time.perf_counter()
        bot.session().ask(message)
        worst = max(worst, time.perf_counter() - t)
    lines.append(f"bad input ({len(bad)} kinds, up to 100k characters): slowest answer {worst * 1000:.0f} ms")
    turn_ms, embed_ms = _median_ms(turn_samples), _median_ms(embed_samples)
    lines.append(
        f"turn latency: p50 {turn_ms:.2f} ms, p95 {statistics.quantiles(turn_samples, n=20)[-1] * 1000:.2f} ms; "
        f"embedding the same messages alone: p50 {embed_ms:.2f} ms; ratio {turn_ms / embed_ms:.2f}x "
        f"({len(turn_samples)} turns)"
    )
    return lines
