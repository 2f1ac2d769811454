"""Brand names, abbreviations and misspellings mapped to the corpus's canonical terms."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError


@dataclass(frozen=True)
class Aliases:
    """Canonical term for each alias, with whole-word matching."""

    canonical: dict[str, str]  # alias (lowercase) -> canonical term
    pattern: re.Pattern[str] | None

    @classmethod
    def load(cls, path: Path) -> Aliases:
        """The retrieval aliases of the one vocabulary file (corpus/vocabulary.yaml); a missing file is an error."""
        from .reading.vocabulary import vocabulary

        if not path.is_file():
            raise CorpusError([f"{path}: the vocabulary file is missing"])
        return cls.from_terms(vocabulary(path).aliases())

    @classmethod
    def from_terms(cls, terms: dict[str, list[str]]) -> Aliases:
        """Aliases from canonical term -> names."""
        mapping: dict[str, str] = {}
        for term, names in terms.items():
            for name in names:
                mapping[str(name).lower()] = str(term)
        if not mapping:
            return cls({}, None)
        alternatives = sorted((re.escape(a) for a in mapping), key=len, reverse=True)
        pattern = re.compile(r"(?<![\w+/-])(" + "|".join(alternatives) + r")(?![\w+/-])", re.I)
        return cls(mapping, pattern)

    def expand(self, text: str) -> str:
        """`text` followed by the canonical term of every alias it contains (each once)."""
        if self.pattern is None:
            return text
        extra: list[str] = []
        for match in self.pattern.finditer(text):
            term = self.canonical[match.group(1).lower()]
            if term not in extra and term.lower() not in text.lower():
                extra.append(term)
        return f"{text} {' '.join(extra)}" if extra else text


def correct_spelling(tokens: list[str], vocabulary: set[str], min_len: int = 6) -> list[str]:
    """For tokens absent from `vocabulary`, the closest known word (drug-name typos)."""
    return Speller(vocabulary, min_len).fixes(tokens)


class Speller:
    """`correct_spelling` over one vocabulary, built once: candidates grouped by length, answers remembered.

    Only words whose length could reach the similarity cutoff are compared (difflib's ratio is at most
    2 * min(a, b) / (a + b)), so the answers are those of comparing against the whole vocabulary."""

    CUTOFF = 0.8
    REMEMBERED = 4096

    def __init__(self, vocabulary: set[str], min_len: int = 6) -> None:
        self.vocabulary = set(vocabulary)
        self.min_len = min_len
        self._by_length: dict[int, list[str]] = {}
        for word in self.vocabulary:
            self._by_length.setdefault(len(word), []).append(word)
        self._known: dict[str, str | None] = {}

    def _closest(self, token: str) -> str | None:
        if token in self._known:
            return self._known[token]
        n = len(token)
        candidates = [
            w
            for length, words in self._by_length.items()
            if 2 * min(n, length) / (n + length) >= self.CUTOFF
            for w in words
        ]
        close = difflib.get_close_matches(token, candidates, n=1, cutoff=self.CUTOFF)
        if len(self._known) >= self.REMEMBERED:
            self._known.clear()
        self._known[token] = close[0] if close else None
        return self._known[token]

    def fixes(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        for token in tokens:
            if len(token) < self.min_len or token in self.vocabulary or not token.isalpha():
                continue
            fix = self._closest(token)
            if fix:
                out.append(fix)
        return out
