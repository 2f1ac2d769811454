"""medspaCy's ConText, with its graph built from the pairs that can meet.

medspaCy compares every cue with every other cue (their reaches limit each other) and every cue with every
finding: quadratic in a long message (a 4,000-character note has ~130 cues and ~100 findings: 8,000 calls
on top of 15,000). A cue's reach is a window of a few words, so most pairs are far apart and the call
answers "no" without changing anything. This graph makes only the calls whose spans can meet, in the order
medspaCy makes them, and so gives the same graph: reaches only ever shrink, so two cues whose first reaches
are apart stay apart, and a finding outside a cue's reach is never modified by it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

from medspacy.context import ConText, ConTextGraph, ConTextModifier
from medspacy.util import tuple_overlaps
from spacy.language import Language


class _Spans:
    """Spans sorted by start, for finding those that can meet a range."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.order = sorted(range(len(spans)), key=lambda k: spans[k][0])
        self.starts = [spans[k][0] for k in self.order]
        self.longest = max((max(0, e - s) for s, e in spans), default=0)

    def near(self, lo: int, hi: int) -> list[int]:
        """Indices, ascending, of the spans that can meet the closed range [lo, hi]: those starting in
        [lo - longest, hi]."""
        found = range(bisect_left(self.starts, lo - self.longest), bisect_right(self.starts, hi))
        return sorted(self.order[k] for k in found)


class LocalGraph(ConTextGraph):
    """ConTextGraph with the same scopes and edges, from the cue and finding pairs that can meet. A cue
    overlapping a finding is pruned (the finding's words are its own: "did not tolerate"), unless the finding is
    one of `hides_nothing`: a word other findings are read beside ("new" in "no new lesions", "New order:")."""

    hides_nothing: frozenset[str] = frozenset()

    def update_scopes(self) -> None:
        modifiers: list[Any] = list(self.modifiers)
        reaches = [m.scope_span for m in modifiers]
        spans = _Spans(reaches)
        for i, first in enumerate(modifiers):
            lo, hi = reaches[i]
            for j in spans.near(lo, hi):
                if j > i:
                    first.limit_scope(modifiers[j])
                    modifiers[j].limit_scope(first)

    def apply_modifiers(self) -> None:
        targets = list(self.targets)
        cues: list[Any] = list(self.modifiers)  # type: ignore[has-type]
        if self.prune_on_modifier_overlap:
            hiding = [t for t in targets if t.label_ not in self.hides_nothing]
            found = _Spans([(t.start, t.end) for t in hiding])
            kept: list[Any] = [
                m
                for m in cues
                if not any(
                    tuple_overlaps((hiding[k].start, hiding[k].end), m.modifier_span)
                    for k in found.near(*m.modifier_span)
                )
            ]
            self.modifiers = kept
        modifiers: list[Any] = self.modifiers
        reaches = _Spans([m.scope_span for m in modifiers])
        for target in targets:
            for k in reaches.near(target.start, target.end):
                if modifiers[k].modifies(target):
                    modifiers[k].modify(target)
        edges = []
        for modifier in modifiers:
            modifier.reduce_targets()
            edges += [(target, modifier) for target in modifier._targets]
        self.edges = edges


@Language.factory("hcc_context")
class LocalContext(ConText):
    """medspaCy's ConText component with LocalGraph (same rules, matches, scopes and edges)."""

    hides_nothing: frozenset[str] = frozenset()  # set by the pipeline from the vocabulary (`cue_only` concepts)

    def __call__(self, doc: Any, targets: str | None = None) -> Any:
        graph = LocalGraph(prune_on_modifier_overlap=self.prune_on_target_overlap)
        graph.hides_nothing = self.hides_nothing
        graph.targets = doc.ents
        matcher = self._ConText__matcher  # the rules ConText.add compiled
        rules = matcher.rule_map
        graph.modifiers = [
            ConTextModifier(rules[self.nlp.vocab[match_id].text], start, end, doc, max_scope=self.max_scope)
            for match_id, start, end in matcher(doc)
        ]
        graph.update_scopes()
        graph.apply_modifiers()
        for target, modifier in graph.edges:
            target._.modifiers += (modifier,)
        if self.context_attributes_mapping:
            self.set_context_attributes(graph.edges)
        doc._.context_graph = graph
        return doc
