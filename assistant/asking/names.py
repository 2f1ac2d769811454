"""Drug, regimen and trial names from the one vocabulary (corpus/vocabulary.yaml), found in text.

The intent classifier masks them ("compare cabo and rego" reads as "compare drug and drug"), so that
what a question asks is learnt apart from which drug it names; the scope rules tie doses to drugs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..errors import CorpusError
from ..reading.vocabulary import exact_case, phrase_pattern
from ..reading.vocabulary import load as load_vocabulary

_JOINERS = ("+", " + ", " plus ", " and ", " with ", " ")  # a space in a name also matches "-" ("durva-treme")
# Two agents' names joined so ("nivo + ipi", "atezo and bev", "Tecentriq/Avastin") name their combination.
# The joiners above, and "/", "&", "-" between two names written apart.
_JOINED_WORDS = {*(j.strip() for j in _JOINERS), "/", "&", "-"}
_JOINED = re.compile(r"\s*(?:" + "|".join(map(re.escape, _JOINED_WORDS)) + r")\s*", re.I)


@dataclass(frozen=True)
class Mention:
    """A name found in a text: where, and the canonical drug, regimen or trial id it stands for."""

    start: int
    end: int
    kind: str  # "drug" (one agent), "regimen" (a combination) or "trial"
    canonical: str


def _key(text: str) -> str:
    return re.sub(r"[\s-]+", " ", text.lower()).strip()


class Names:
    """Every name the vocabulary gives for an agent, a combination regimen or a trial."""

    def __init__(
        self,
        drugs: dict[str, list[str]],
        regimens: dict[str, list[str]],
        trials: dict[str, list[str]],
        pairs: dict[frozenset[str], str] | None = None,
        hyphen_words: tuple[str, ...] = (),
    ) -> None:
        """Each table maps a canonical id to its names (vocabulary entries; "=TEXT" matches that case only);
        `pairs` maps two agents to their combination regimen."""
        self._pairs = pairs or {}
        self._tables: list[tuple[str, re.Pattern[str] | None, dict[str, str]]] = []
        for kind, table in (("regimen", regimens), ("drug", drugs), ("trial", trials)):
            lookup = {_key(exact_case(n)[0]): canonical for canonical, names in table.items() for n in names}
            pattern = phrase_pattern([n for names in table.values() for n in names], hyphen_words)
            self._tables.append((kind, pattern, lookup))

    @classmethod
    def from_corpus(cls, corpus_dir: Path) -> Names:
        """Names from `vocabulary.yaml`; trials are the sources `facts.yaml` marks as trials."""
        return _load(corpus_dir.resolve())

    def find(self, text: str, kinds: tuple[str, ...] = ("regimen", "drug", "trial")) -> list[Mention]:
        """Non-overlapping mentions in text order; the longest name wins ("the lenvatinib trial", "atezo-bev")."""
        candidates: list[Mention] = []
        for kind, pattern, lookup in self._tables:
            if kind not in kinds or pattern is None:
                continue
            for m in pattern.finditer(text):
                canonical = lookup.get(_key(m.group(0)))
                if canonical:
                    candidates.append(Mention(m.start(), m.end(), kind, canonical))
        found: list[Mention] = []
        for c in sorted(candidates, key=lambda c: (c.start - c.end, c.start)):
            if all(c.end <= f.start or c.start >= f.end for f in found):
                found.append(c)
        return self._joined(text, sorted(found, key=lambda x: x.start))

    def _joined(self, text: str, found: list[Mention]) -> list[Mention]:
        """Two agents of one combination, joined by "+", "/", "and", "with" ..., as the combination."""
        out: list[Mention] = []
        for m in found:
            prev = out[-1] if out else None
            combination = self._pairs.get(frozenset((prev.canonical, m.canonical))) if prev is not None else None
            if (
                prev is not None
                and combination is not None
                and prev.kind == m.kind == "drug"
                and _JOINED.fullmatch(text[prev.end : m.start])
            ):
                out[-1] = Mention(prev.start, m.end, "regimen", combination)
            else:
                out.append(m)
        return out

    def mask(self, text: str) -> str:
        """The text with each drug or regimen name replaced by 'drug' and each trial name by 'trial'."""
        out: list[str] = []
        last = 0
        for m in self.find(text):
            out.append(text[last : m.start])
            out.append("trial" if m.kind == "trial" else "drug")
            last = m.end
        out.append(text[last:])
        return "".join(out)


@lru_cache(maxsize=4)
def _load(corpus_dir: Path) -> Names:
    vocab = load_vocabulary(corpus_dir / "vocabulary.yaml")
    try:
        facts = yaml.safe_load((corpus_dir / "facts.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CorpusError([f"{corpus_dir / 'facts.yaml'}: cannot read: {exc}"]) from exc
    trial_ids = {s["id"] for s in facts.get("sources", []) if s.get("kind") == "trial"}
    regimens: dict[str, list[str]] = {}
    pairs: dict[frozenset[str], str] = {}
    for regimen, meta in vocab.regimens.items():
        agents = meta.get("agents", [])
        if len(agents) < 2:
            continue
        names = list(meta.get("names", []))
        a, b = agents[0], agents[1]
        pairs[frozenset((a, b))] = regimen
        names += [f"{x}{j}{y}" for x, y in ((a, b), (b, a)) for j in _JOINERS]
        regimens[regimen] = names
    trials = {sid: names for sid, names in vocab.trials.items() if sid in trial_ids}
    return Names(vocab.agents, regimens, trials, pairs, vocab.name_hyphen_words)
