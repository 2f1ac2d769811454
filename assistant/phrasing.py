"""Optional LLM phrasing: a chat model may reword an answer, but only if every check still passes.

Off by default. The deterministic answer is always computed first; the model's text replaces it
only when its markers resolve, every drug and number it states is in the cited passages, and it
names no regimen the deterministic answer did not name.
"""

from __future__ import annotations

import os
import re
from typing import Any

from .errors import AssistantError
from .models import Answer
from .support import _drugs, _numbers, check_agreement, check_answer

PROMPT = """You rewrite answers of a clinical decision-support tool so that they read fluently.
Rules: keep every citation marker like [1] attached to the claim it supports; add no facts, drugs,
doses, numbers or recommendations; remove nothing that changes meaning; keep Markdown; keep the
final disclaimer line. Reply with the rewritten answer only."""


def chat_model_from_env() -> Any | None:
    """A LangChain chat model configured by HCC_LLM_PROVIDER / HCC_LLM_MODEL / HCC_LLM_BASE_URL."""
    provider = os.environ.get("HCC_LLM_PROVIDER", "").lower()
    if not provider:
        return None
    model = os.environ.get("HCC_LLM_MODEL", "")
    base_url = os.environ.get("HCC_LLM_BASE_URL") or None
    try:
        if provider == "openai":
            from langchain_openai import ChatOpenAI

            return ChatOpenAI(model=model, base_url=base_url, temperature=0)
        if provider == "ollama":
            from langchain_ollama import ChatOllama

            return ChatOllama(model=model, base_url=base_url, temperature=0)
    except ImportError as exc:
        raise AssistantError(
            f"HCC_LLM_PROVIDER={provider} needs the package langchain-{provider}: pip install langchain-{provider}"
        ) from exc
    raise AssistantError(f"HCC_LLM_PROVIDER must be 'openai' or 'ollama', not {provider!r}")


def rephrase(answer: Answer, model: Any) -> tuple[Answer, str]:
    """The model's wording of `answer` if it passes every check, else `answer`; and why."""
    from langchain_core.messages import HumanMessage, SystemMessage

    try:
        reply = model.invoke([SystemMessage(content=PROMPT), HumanMessage(content=answer.text)])
    except Exception as exc:  # noqa: BLE001 - any model failure falls back to the checked answer
        return answer, f"model call failed: {type(exc).__name__}"
    text = str(getattr(reply, "content", reply)).strip()
    candidate = answer.model_copy(update={"text": text})
    data = candidate.to_dict()
    problems = check_answer(data) + check_agreement(data)
    original_markers = set(re.findall(r"\[\d+\]", answer.text))
    if not text:
        problems.append("empty reply")
    if set(re.findall(r"\[\d+\]", text)) != original_markers:
        problems.append("markers added or dropped")
    new_drugs = _drugs(text) - _drugs(answer.text)
    if new_drugs:
        problems.append(f"names drugs the checked answer did not: {sorted(new_drugs)}")
    new_numbers = _numbers(text) - _numbers(answer.text)
    if new_numbers:
        problems.append(f"states numbers the checked answer did not: {sorted(new_numbers)}")
    if problems:
        return answer, "; ".join(problems)
    return candidate, "accepted"
