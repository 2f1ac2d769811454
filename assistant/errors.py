"""Typed errors: each names what went wrong and, where it can, how to fix it."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class for every error the assistant raises on purpose."""


class CorpusError(AssistantError):
    """A corpus document or the fact sheet is malformed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class IndexStoreError(AssistantError):
    """The vector index is missing, corrupt, stale or unreachable."""


class RuleError(AssistantError):
    """A pathway rule file is malformed."""


class InputError(AssistantError):
    """A user-supplied value is out of range or cannot be understood."""
