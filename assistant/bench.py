"""`hcc-assistant bench`: build, no-change and query timings measured on this machine."""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

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


def run_benchmarks(settings: Settings, repeats: int = 50) -> str:
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
    return "\n".join(lines)


MESSAGE_100_WORDS = (
    "72-year-old man with HCV cirrhosis and advanced HCC with bilateral lung metastases. Child-Pugh A6 "
    "(bilirubin 1.4 mg/dL, albumin 3.3 g/dL, INR 1.1, no ascites, no encephalopathy), ECOG 1, weight 58 kg. "
    "He progressed radiologically on sorafenib 400 mg twice daily after 8 months, which he tolerated "
    "without major toxicity. AFP rose from 520 to 1,250 ng/mL. No main portal vein invasion, denies "
    "autoimmune disease, never had a transplant. Upper endoscopy last month showed small varices without "
    "red signs. If we used lenvatinib, what dose? What are the second-line options for him now?"
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
    lines.append(f"fact extraction, {words}-word message: p50 {_median_ms(samples):.2f} ms")
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
    turn_ms, embed_ms = _median_ms(turn_samples), _median_ms(embed_samples)
    lines.append(
        f"turn latency: p50 {turn_ms:.2f} ms, p95 {statistics.quantiles(turn_samples, n=20)[-1] * 1000:.2f} ms; "
        f"embedding the same messages alone: p50 {embed_ms:.2f} ms; ratio {turn_ms / embed_ms:.2f}x "
        f"({len(turn_samples)} turns)"
    )
    return lines
