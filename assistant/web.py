"""The web chat, kept importable under its old name: it lives in `assistant.serve` now."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .serve.ui import (
    FLAGS,
    PRIOR_CHOICES,
    computed_markdown,
    linked_markers,
    options_rows,
    panel_changes,
    panel_profile,
    plain,
    sources_html,
)

__all__ = [
    "FLAGS",
    "PRIOR_CHOICES",
    "build_app",
    "computed_markdown",
    "linked_markers",
    "options_rows",
    "panel_changes",
    "panel_profile",
    "plain",
    "sources_html",
]


def build_app(
    assistant: Any, *, audit: bool = True, audit_dir: Path | None = None, state_url: str | None = None
) -> Any:
    """The Gradio UI alone over an in-process assistant (not launched); `hcc-assistant serve` serves more."""
    from .serve.backend import LocalBackend
    from .serve.ui import build_ui

    conversations = assistant.conversations(state_url, audit=audit, log_dir=audit_dir)
    return build_ui(LocalBackend(assistant, conversations))
