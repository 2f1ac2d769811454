"""The served app: FastAPI (REST, OpenAPI at /docs) with the Gradio UI mounted at /, one port.

`create_app` is uvicorn's app factory: it reads the settings from the environment (`HCC_*`), starts
the workers (the model and index loaded and warmed in each) and returns the app.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from ..settings import Settings


def worker_count(settings: Settings) -> int:
    """`HCC_WORKERS`/`--workers`, or the number of cores."""
    return settings.workers if settings.workers > 0 else (os.cpu_count() or 1)


def start_backend(settings: Settings) -> Any:
    """One process (`workers == 1`) or a pool of warmed worker processes."""
    n = worker_count(settings)
    if n == 1:
        from ..api import Assistant
        from .backend import LocalBackend, warm

        assistant = Assistant(settings)
        backend = LocalBackend(assistant, assistant.conversations())
        warm(assistant)
        return backend
    from .backend import WorkerPool

    return WorkerPool(settings, n)


def build_app(backend: Any, *, queue_limit: int | None = None) -> Any:
    """The FastAPI app over `backend`, with the REST routes and the Gradio UI (not started)."""
    import gradio as gr
    from fastapi import FastAPI

    from .rest import install_rest
    from .ui import build_ui

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        # The workers' sockets go to the server's loop, where the REST endpoints await their answers.
        await backend.start_serving()
        yield
        await backend.aclose()

    app = FastAPI(
        title="HCC systemic-therapy assistant",
        summary="Guideline-grounded answers for systemic therapy of advanced HCC, each statement cited.",
        version="1",
        lifespan=lifespan,
    )
    install_rest(app, backend)  # before the mount at "/", which would otherwise take every path
    blocks = build_ui(backend)
    workers = int(backend.info.get("workers") or 1)
    blocks.queue(default_concurrency_limit=queue_limit or max(8, 4 * workers))
    return gr.mount_gradio_app(app, blocks, path="/", show_error=False, ssr_mode=False)


def create_app() -> Any:
    """uvicorn's app factory: `uvicorn --factory assistant.serve.app:create_app`."""
    from ..memory import settle
    from ..settings import offline_environment

    offline_environment()
    app = build_app(start_backend(Settings.from_env()))
    settle()  # FastAPI, Gradio and the routes live as long as the front process
    return app


def serve(host: str = "127.0.0.1", port: int = 7860, *, log_level: str = "warning") -> None:
    """Run the app with uvicorn until interrupted (settings from the environment)."""
    import uvicorn

    # One front process: Gradio's queue lives in memory; the work is spread over the worker processes.
    uvicorn.run(
        "assistant.serve.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=5,
    )
