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
    return "\n".join(lines)
