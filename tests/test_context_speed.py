"""The faster ConText set-up gives medspaCy's answers: the rules as phrases match what their patterns
matched, and the graph built from nearby pairs has medspaCy's scopes and edges."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.context import ConTextGraph, ConTextModifier

from assistant.bench import LONG_MESSAGES, MESSAGE_100_WORDS
from assistant.reading.context import as_phrases, context_rules, load_rules, pipeline
from assistant.reading.local_context import LocalGraph
from assistant.reading.reader import _normalised, vocabulary

EVALS = Path(__file__).resolve().parents[1] / "evals"


def _messages() -> list[str]:
    out = [MESSAGE_100_WORDS, *(m[:1500] for m in LONG_MESSAGES.values())]
    for path in sorted((EVALS / "dev").glob("reading-dev*.yaml")):
        for case in yaml.safe_load(path.read_text())["cases"]:
            out += [t["user"] for t in case["turns"] if isinstance(t.get("user"), str)]
    return out


@pytest.fixture(scope="module")
def setup() -> tuple[object, list[object]]:
    vocab = vocabulary()
    nlp = pipeline(vocab)
    docs = [nlp(_normalised(m, vocab).text) for m in _messages()]
    return nlp, docs


def _matches(matcher: MedspacyMatcher, doc: object) -> list[tuple[int, int, str, str, object]]:
    out = []
    for match_id, start, end in matcher(doc):  # type: ignore[arg-type]
        rule = matcher.rule_map[doc.vocab[match_id].text]  # type: ignore[attr-defined]
        out.append((start, end, rule.category, rule.direction, rule.max_scope))
    return sorted(out)


def test_rules_as_phrases_match_what_their_patterns_matched(setup: tuple[object, list[object]]) -> None:
    nlp, docs = setup
    rules = context_rules(nlp.get_pipe("hcc_context").DEFAULT_RULES_FILEPATH)  # type: ignore[attr-defined]
    patterns = MedspacyMatcher(nlp, name="patterns", prune=True)  # type: ignore[arg-type]
    phrases = MedspacyMatcher(nlp, name="phrases", prune=True)  # type: ignore[arg-type]
    with nlp.select_pipes(enable=[]):  # type: ignore[attr-defined]
        patterns.add(rules)
        converted = as_phrases(rules, nlp.make_doc)  # type: ignore[attr-defined]
        phrases.add(converted)
    left = [r.pattern for r in converted if isinstance(r.pattern, list)]
    assert len(left) < sum(isinstance(r.pattern, list) for r in rules) / 2
    assert not [p for p in left if any(isinstance(v, dict) for v in p[0].values())]  # no word list tried first
    for doc in docs:
        assert _matches(phrases, doc) == _matches(patterns, doc), doc.text[:200]  # type: ignore[attr-defined]


def _graph(kind: type, doc: object, context: object) -> object:
    """A graph of `kind` over the cues the pipeline's ConText matches in `doc` (before any is pruned)."""
    graph = kind(prune_on_modifier_overlap=True)
    graph.targets = doc.ents  # type: ignore[attr-defined]
    matcher = context._ConText__matcher  # type: ignore[attr-defined]
    graph.modifiers = [
        ConTextModifier(matcher.rule_map[doc.vocab[i].text], start, end, doc, max_scope=context.max_scope)  # type: ignore[attr-defined]
        for i, start, end in matcher(doc)
    ]
    graph.update_scopes()
    graph.apply_modifiers()
    return graph


def test_local_graph_has_medspacys_scopes_and_edges(setup: tuple[object, list[object]]) -> None:
    nlp, docs = setup
    context = nlp.get_pipe("hcc_context")  # type: ignore[attr-defined]
    compared = 0
    for doc in docs:
        ours, theirs = _graph(LocalGraph, doc, context), _graph(ConTextGraph, doc, context)
        assert [(m.modifier_span, m.scope_span) for m in ours.modifiers] == [  # type: ignore[attr-defined]
            (m.modifier_span, m.scope_span)
            for m in theirs.modifiers  # type: ignore[attr-defined]
        ]
        assert [(t.start, t.end, m.modifier_span) for t, m in ours.edges] == [  # type: ignore[attr-defined]
            (t.start, t.end, m.modifier_span)
            for t, m in theirs.edges  # type: ignore[attr-defined]
        ]
        compared += len(theirs.edges)  # type: ignore[attr-defined]
    assert compared > 500


def test_a_cue_written_twice_is_refused(tmp_path: Path) -> None:
    """Two rules on the same words: medspaCy would keep one of them, not chosen by the rules file."""
    from assistant.errors import CorpusError

    path = tmp_path / "rules.yaml"
    path.write_text(
        "context_rules:\n"
        '  - {literal: "failed", category: RECEIVED, direction: FORWARD, max_scope: 4}\n'
        '  - {literal: "Failed", category: RECEIVED, direction: BACKWARD, max_scope: 3}\n'
    )
    with pytest.raises(CorpusError, match="written twice"):
        load_rules(path)
    path.write_text('context_rules:\n  - {literal: "failed", category: RECEIVED, direction: BIDIRECTIONAL}\n')
    assert len(load_rules(path)) == 1
