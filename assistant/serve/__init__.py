"""Serving: the REST API and the Gradio UI on one port, over worker processes that share the store."""

from .app import build_app, create_app, serve

__all__ = ["build_app", "create_app", "serve"]
