"""Guideline-grounded clinical assistant for systemic therapy of advanced HCC."""

from .api import Assistant

__all__ = ["Assistant"]
