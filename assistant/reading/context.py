"""The medspaCy pipeline: target rules from the vocabulary, ConText rules from the rules file."""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import CorpusError
from .forms import absent_rows, empty_box_items
from .rows import RULES_PATH, rules_file, runs_on, unwrapped
from .vocabulary import Vocabulary, exact_case
from .whose import (
    choice_spans,
    header_spans,
    named_patient,
    other_case_spans,
    other_sex_owner,
    others_sentences,
    patient_again,
    patient_sex,
    population_sentences,
    quoted_source_spans,
    writers_relative,
)

# STATED: received when said in a statement; CONTINUED: received, and it beats any other cue ("Order: continue
# sorafenib", "discharge orders for lenvatinib - continue": a drug the patient goes on taking was received)
ROLES = ("RECEIVED", "PROPOSED", "COMPARED", "STATED", "CONTINUED")
RANK = {"STATED": 0, "CONTINUED": 2}  # a cue of a higher rank beats a nearer one of a lower rank; others 1
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO")  # medspaCy's ConTextRule directions
TERMINATED = ROLES + (
    "NEGATED_EXISTENCE",
    "POSSIBLE_EXISTENCE",
    "HYPOTHETICAL",
    "HISTORICAL",
    "FAMILY",
    "POPULATION",
    "FUTURE",
    "SPEAKER",
    "SELF",
)
# A clause of cause ("because of", "due to": category CAUSE) ends the reach of a cue on the patient's
# findings ("no ascites due to diuretics"), not of one that says whose or which world the words are in:
# "a lady said she couldn't have immunotherapy because of her kidney transplant" is still the lady's.
NOT_ENDED_BY_CAUSE = ("HYPOTHETICAL", "FAMILY", "POPULATION", "SPEAKER", "SELF")
CHILD_PUGH = re.compile(r"\bchild(?=(?:'?s)?[\s-]*(?:pugh|turcotte|[abc]\d?\b))", re.I)
DRUG = "DRUG"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Mention:
    """One finding or drug found in a message, with its context."""

    label: str  # concept label, or DRUG
    key: str  # concept label, or the agent / regimen id
    start: int  # character offsets in the normalised text
    end: int
    sentence: int  # index of the sentence
    question: bool  # the sentence is a question
    categories: frozenset[str]  # ConText categories that modify it (NEGATED_EXISTENCE, FAMILY, ...)
    role: str | None  # nearest role cue for a drug: RECEIVED, PROPOSED, COMPARED or None


def load_rules(path: Path = RULES_PATH) -> list[dict[str, Any]]:
    """The project's ConText rules (medspaCy's context_rules.json shape), checked."""
    rules = rules_file(path).get("context_rules") or []
    problems: list[str] = []
    written: set[str] = set()
    for n, rule in enumerate(rules):
        if not isinstance(rule, dict) or "literal" not in rule or "category" not in rule:
            problems.append(f"{path}: context rule {n + 1} needs a literal and a category")
        elif rule.get("direction", "BIDIRECTIONAL") not in DIRECTIONS:
            problems.append(f"{path}: context rule '{rule['literal']}' has an unknown direction")
        elif not all(isinstance(rule.get(key, []), list) for key in ("allowed_types", "excluded_types")):
            problems.append(
                f"{path}: context rule '{rule['literal']}': allowed_types and excluded_types list concept labels"
            )
        elif _unquoted_words(rule.get("pattern")):
            # YAML reads an unquoted on/off/yes/no as a boolean: the token would never be matched
            problems.append(
                f"{path}: context rule '{rule['literal']}': quote the words {_unquoted_words(rule.get('pattern'))} "
                f"in its pattern (YAML reads them as true/false)"
            )
        elif "pattern" not in rule and str(rule["literal"]).lower() in written:
            # medspaCy keeps one of two cues on the same words, and which one is not up to the rules file
            problems.append(f"{path}: context rule '{rule['literal']}' is written twice: make it one rule")
        if isinstance(rule, dict) and "pattern" not in rule:
            written.add(str(rule.get("literal", "")).lower())
    if problems:
        raise CorpusError(problems)
    return _with_trials(list(rules))


def _unquoted_words(pattern: Any) -> list[str]:
    """Words of a token pattern's IN / NOT_IN lists that YAML read as booleans (an unquoted on, off, yes or no)."""
    found: list[str] = []
    for token in pattern if isinstance(pattern, list) else []:
        for value in token.values() if isinstance(token, dict) else []:
            for key in ("IN", "NOT_IN"):
                words = value.get(key, []) if isinstance(value, dict) else []
                found += [str(w).lower() for w in words if isinstance(w, bool)]
    return found


@lru_cache(maxsize=4)
def alternatives(path: Path = RULES_PATH) -> re.Pattern[str]:
    """The `alternatives` words of the context rules file ("vs", "or"): what joins the findings of a differential."""
    words = "|".join(re.escape(str(w).lower()) for w in rules_file(path).get("alternatives") or []) or "(?!)"
    return re.compile(rf"[\s,]*(?:{words})[\s,]*", re.I)


@lru_cache(maxsize=4)
def list_joiners(path: Path = RULES_PATH) -> frozenset[str]:
    """The `list_joiners` words of the context rules file ("and", "or"): what closes a list."""
    return frozenset(str(w).lower() for w in rules_file(path).get("list_joiners") or [])


def _differentials(
    found: list[Mention], text: str, joiner: re.Pattern[str], concepts: dict[str, Any] | None = None
) -> list[Mention]:
    """A finding queried in a differential is not settled, nor are its alternatives ("?tumour thrombus vs bland
    thrombus", "?HE vs UTI"): each finding joined by an `alternatives` word to a possible one is possible too. Two
    findings of one field that say different things, neither of them the finding that withholds, joined so, are a
    differential too ("bland thrombus versus tumour thrombus"): both possible; "main portal vein or right branch" keeps
    its safer reading. `concepts`: the vocabulary's, by label."""
    findings = [m for m in found if m.label != DRUG]
    possible = {id(m) for m in findings if "POSSIBLE_EXISTENCE" in m.categories}
    concepts = concepts or {}
    for a, b in zip(findings, findings[1:], strict=False):
        ca, cb = concepts.get(a.label), concepts.get(b.label)
        if (
            a.sentence == b.sentence
            and ca is not None
            and cb is not None
            and ca.field
            and ca.field == cb.field
            and ca.value != cb.value
            and True not in (ca.value, cb.value)  # "main portal vein or right branch": the safer reading stands
            and not (a.categories | b.categories) & {"NEGATED_EXISTENCE", "FAMILY", "POPULATION"}
            and joiner.fullmatch(text[a.end : b.start])
        ):
            possible |= {id(a), id(b)}
    changed = True
    while changed:
        changed = False
        for a, b in zip(findings, findings[1:], strict=False):
            if a.sentence == b.sentence and (id(a) in possible) != (id(b) in possible):
                if joiner.fullmatch(text[a.end : b.start]):
                    possible |= {id(a), id(b)}
                    changed = True
    return [
        replace(m, categories=m.categories | {"POSSIBLE_EXISTENCE"})
        if id(m) in possible and "POSSIBLE_EXISTENCE" not in m.categories
        else m
        for m in found
    ]


TRIAL_SLOT = "<trial>"


def _with_trials(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A `<trial>` in a literal stands for each name of a trial in the vocabulary ("<trial> excluded":
    "himalaya excluded", "imbrave150 excluded", ...), so that a trial's population cue is a longer cue than
    the negation on the same word ("autoimmune disease excluded")."""
    if not any(TRIAL_SLOT in str(r["literal"]) for r in rules):
        return rules
    from .vocabulary import vocabulary

    names = sorted({exact_name.lstrip("=").lower() for names in vocabulary().trials.values() for exact_name in names})
    out: list[dict[str, Any]] = []
    for rule in rules:
        literal = str(rule["literal"])
        if TRIAL_SLOT in literal:
            out += [{**rule, "literal": literal.replace(TRIAL_SLOT, name)} for name in names]
        else:
            out.append(rule)
    return out


class Targets:
    """Finds the vocabulary's findings and drugs in one pass and sets them as the doc's entities.

    spaCy's PhraseMatcher, on lower case and (for entries written "=TEXT") on the text as written; the
    longest match wins where matches overlap, and of two matches of the same words, a phrase the vocabulary
    writes beats one made from another phrase (with an optional modifier or a dropped word), then the earlier
    entry of the vocabulary (never the matcher's own order, which moves with every phrase added). The entity's
    label is the concept (or DRUG) and its kb_id the concept, agent or regimen id. Setting all entities at once
    keeps long messages linear.
    """

    def __init__(self, nlp: Any, vocab: Vocabulary) -> None:
        from spacy.matcher import PhraseMatcher

        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")  # the token's text as written
        self.labels: dict[str, tuple[str, str]] = {}
        self.rank: dict[str, tuple[int, int]] = {}  # (0 written / 1 made, entry number): who wins a tie
        entries: list[tuple[str, str, str, bool]] = []
        for concept in vocab.concepts.values():
            entries += [(p, concept.label, concept.label, p.lower() in concept.written) for p in concept.phrases]
        for agent, names in vocab.agents.items():
            entries += [(n, DRUG, agent, True) for n in names]
        for regimen, meta in vocab.regimens.items():
            entries += [(n, DRUG, regimen, True) for n in meta.get("names", [])]
        tokenizer = nlp.tokenizer
        for n, (entry, label, key, written) in enumerate(entries):
            words, exact = exact_case(entry)
            match_id = f"T{n}"
            self.labels[match_id] = (label, key)
            self.rank[match_id] = (0 if written else 1, n)
            if exact:
                self.exact.add(match_id, [tokenizer(words)])
            else:
                self.phrases.add(match_id, [tokenizer(words.lower())])

    def __call__(self, doc: Any) -> Any:
        from spacy.tokens import Span
        from spacy.util import filter_spans

        strings = doc.vocab.strings
        matches = sorted(
            ((strings[match_id], start, end) for match_id, start, end in [*self.phrases(doc), *self.exact(doc)]),
            key=lambda m: self.rank[m[0]],
        )
        spans = []
        for match_id, start, end in matches:
            label, key = self.labels[match_id]
            spans.append(Span(doc, start, end, label=label, kb_id=key))
        doc.ents = filter_spans(spans)  # a stable sort by length: of equal spans, the first (best ranked) is kept
        return doc


MAX_PHRASES = 2000  # per rule; a pattern that would expand further stays a pattern


def _word_choices(token: dict[str, Any]) -> list[str | None] | None:
    """The lower-case words one token of a spaCy pattern matches, None standing for "absent" (OP "?"), or
    None when the token is not a plain word or word list (a shape, a number, "*" or "+")."""
    op = token.get("OP")
    if set(token) - {"LOWER", "OP"} or op not in (None, "?"):
        return None
    value = token.get("LOWER")
    if isinstance(value, str):
        words = [value]
    elif isinstance(value, dict) and set(value) == {"IN"}:
        words = [w for w in value["IN"] if " " not in w]  # "risk of" as one token never matched
    else:
        return None
    return [*words, None] if op == "?" else list(words)


def as_phrases(rules: list[Any], make_doc: Any) -> list[Any]:
    """ConText rules whose pattern is only words and word lists, each as the phrases it matches.

    spaCy's Matcher tries every pattern at every token, and a word list is a Python call each time: the
    68 patterns of medspaCy's and the project's rules cost 2.4 ms on a 100-word message. The same rule as
    its phrases goes to the PhraseMatcher, which looks words up, so costs next to nothing. Same matches:
    a phrase is kept only where the tokenizer splits it into exactly its words; the others, and patterns
    with shapes, numbers or repeats, stay patterns (one per choice of their first word, which the Matcher
    compares without a Python call).
    """
    kept, phrased, seen = [], [], set()
    for rule in rules:
        choices = [_word_choices(t) for t in rule.pattern] if isinstance(rule.pattern, list) else [None]
        if any(c is None for c in choices) or _product_size(choices) > MAX_PHRASES:
            kept += _first_choices(rule)
            continue
        for combo in itertools.product(*choices):
            words = [w for w in combo if w is not None]
            phrase = " ".join(words)
            if not words or phrase in seen:
                continue
            seen.add(phrase)
            pattern = None if [t.lower_ for t in make_doc(phrase)] == words else [{"LOWER": w} for w in words]
            phrased.append(_copy(rule, phrase, pattern))
    # Where a pattern and a phrase rule matched the same words, medspaCy kept the pattern's match (matches
    # of the Matcher come first, and the first of two equally long overlapping matches is kept): so a
    # phrase a pattern also covers keeps the pattern's rule ("brother" is in medspaCy's "family" list).
    return phrased + [
        r for r in kept if r.pattern is not None or " ".join(t.lower_ for t in make_doc(r.literal.lower())) not in seen
    ]


def _first_choices(rule: Any) -> list[Any]:
    """A pattern whose first token is a list of values ("SHAPE": {"IN": [...]}), as one pattern per value."""
    if not isinstance(rule.pattern, list) or not rule.pattern or rule.pattern[0].get("OP") is not None:
        return [rule]
    first = rule.pattern[0]
    lists = [k for k, v in first.items() if isinstance(v, dict) and set(v) == {"IN"}]
    if len(lists) != 1:
        return [rule]
    key = lists[0]
    return [_copy(rule, rule.literal, [{**first, key: value}, *rule.pattern[1:]]) for value in first[key]["IN"]]


def _copy(rule: Any, literal: str, pattern: list[dict[str, Any]] | None) -> Any:
    """`rule` with another literal and pattern, all else the same."""
    from medspacy.context import ConTextRule

    return ConTextRule(
        literal,
        rule.category,
        pattern=pattern,
        direction=rule.direction,
        on_match=rule.on_match,
        on_modifies=rule.on_modifies,
        allowed_types=rule.allowed_types,
        excluded_types=rule.excluded_types,
        max_scope=rule.max_scope,
        max_targets=rule.max_targets,
        terminated_by=rule.terminated_by or None,
        metadata=rule.metadata,
    )


def _product_size(choices: list[Any]) -> int:
    size = 1
    for c in choices:
        size *= len(c)
    return size


MAX_SENTENCE = 60  # tokens; ConText's cost grows with cues x targets per sentence
ABBREVIATIONS = {"vs.", "e.g.", "i.e.", "approx.", "dr.", "mr.", "mrs.", "ms.", "no.", "etc.", "st.", "resp.", "incl."}


def _split_long_sentences(doc: Any) -> Any:
    """Sentence ends the sentencizer misses ("2000 IU/mL. He had", one token "mL."), and run-on
    sentences (no full stop in 60 tokens) cut at a comma or at 60 tokens: a cue's reach never spans
    that far, and a 4,000-character message without a full stop stays fast."""
    length = 0
    for token in doc:
        prev = doc[token.i - 1] if token.i else None
        if prev is not None and token.text in (")", "]") and prev.text.endswith("."):
            token.is_sent_start = False  # "(Mr L.)": the point of an initial or abbreviation inside an aside
        elif prev is not None and (
            "\r" in prev.text  # a ";" (written as "\r" by `analyse`) always ends a sentence
            # a line break ends a sentence unless the row runs on (the value reader's rule, rows.runs_on)
            or ("\n" in prev.text and not runs_on(doc.text, prev.idx + prev.text.rindex("\n"), token.idx))
            or (prev.text[-1] in ".?!" and len(prev) > 1 and prev.lower_ not in ABBREVIATIONS)
        ):
            token.is_sent_start = True  # "lupus." is one token to medspaCy's tokenizer; a line break ends a sentence
        elif prev is not None and prev.text == "?" and not prev.whitespace_ and token.is_alpha:
            token.is_sent_start = (
                False  # "?mets vs granulomata": a query mark on the word after it, not a question's end
            )
        if token.is_sent_start:
            length = 0
        length += 1
        if length > MAX_SENTENCE // 2 and token.i + 1 < len(doc) and (token.text == "," or length >= MAX_SENTENCE):
            doc[token.i + 1].is_sent_start = True
            length = 0
    return doc


def context_rules(defaults_path: str | Path, rules_path: Path = RULES_PATH) -> list[Any]:
    """medspaCy's ConText rules (the file `defaults_path`), less those this project redefines, and the
    project's rules."""
    from medspacy.context import ConTextRule

    extra = [
        ConTextRule(
            rule["literal"],
            rule["category"],
            pattern=rule.get("pattern"),
            direction=rule.get("direction", "BIDIRECTIONAL"),
            max_scope=rule.get("max_scope"),
            allowed_types=rule.get("allowed_types"),
            excluded_types=rule.get("excluded_types"),
        )
        for rule in load_rules(rules_path)
    ]
    # A cue the project's rules define again ("negative for" with a longer reach, "ruled out" both ways)
    # replaces medspaCy's: two rules on one cue would overlap, and only one of them would be kept.
    ours = {str(rule.literal).lower() for rule in extra}
    defaults = [r for r in ConTextRule.from_json(defaults_path) if r.literal.lower() not in ours]
    return defaults + extra


@lru_cache(maxsize=2)
def pipeline(vocab: Vocabulary, rules_path: Path = RULES_PATH) -> Any:
    """medspaCy with the vocabulary's findings and drugs as targets and ConText (built once)."""
    with _LOCK:
        import medspacy
        from loguru import logger
        from spacy.language import Language

        logger.remove()  # PyRuSH logs at DEBUG through loguru
        nlp = medspacy.load(medspacy_enable=["medspacy_target_matcher"])  # medspaCy's clinical tokenizer
        nlp.remove_pipe("medspacy_target_matcher")  # replaced by one-pass Targets below
        nlp.add_pipe("sentencizer", first=True)
        targets = Targets(nlp, vocab)
        if "hcc_long_sentences" not in Language.factories:
            Language.component("hcc_long_sentences", func=_split_long_sentences)
        nlp.add_pipe("hcc_long_sentences", after="sentencizer")
        name = f"hcc_targets_{id(targets)}"  # one registration per vocabulary loaded
        Language.component(name, func=targets)
        nlp.add_pipe(name)
        from .local_context import LocalContext

        context: LocalContext = nlp.add_pipe(
            "hcc_context",  # medspaCy's ConText, its graph built from the pairs that can meet
            # max_scope: medspaCy's own rules reach 8 tokens, so "no EHS, ..., transplant recipient"
            # does not negate every item of a comma list; the project's rules set their own reach.
            config={
                "rules": None,  # medspaCy's own rules are added below, less those this project redefines
                "span_attrs": None,
                "prune_on_target_overlap": True,
                "max_scope": 8,
                # A TERMINATE cue ("(", "however") ends the reach of every kind of cue; CAUSE, of some.
                "terminating_types": {
                    c: ["TERMINATE"] if c in NOT_ENDED_BY_CAUSE else ["TERMINATE", "CAUSE"] for c in TERMINATED
                },
            },
        )
        # medspaCy makes each phrase rule's words with the whole pipeline; the tokenizer is all they need
        rules = context_rules(context.DEFAULT_RULES_FILEPATH, rules_path)
        labels = {label for label, _ in targets.labels.values()}
        named = {t for r in rules for t in [*(r.allowed_types or ()), *(r.excluded_types or ())]}
        unknown = sorted(t for t in named if t not in labels)
        if unknown:
            raise CorpusError(
                [
                    f"{rules_path}: allowed_types or excluded_types name no concept of the vocabulary: "
                    + ", ".join(unknown)
                ]
            )
        with nlp.select_pipes(enable=[]):
            context.add(as_phrases(rules, nlp.make_doc))
        context.hides_nothing = frozenset(c.label for c in vocab.concepts.values() if c.cue_only)
        from ..memory import settle

        settle()
        return nlp


@dataclass(frozen=True)
class Sentence:
    """A sentence's place, and whether it asks about medicine in general (no patient named)."""

    start: int
    end: int
    question: bool
    general: bool
    marked: bool = False  # general by a marker it opens with ("In general, what is used after sorafenib?")


@dataclass
class Analysis:
    """Mentions, the reach of scenario and population cues, and the sentences of a message."""

    mentions: list[Mention]
    scopes: list[tuple[str, int, int]]  # (HYPOTHETICAL | POPULATION | FAMILY, start char, end char)
    sentences: list[Sentence]
    unchecked: list[tuple[int, int]] = field(default_factory=list)  # items a form says are absent (start, end char)

    def sentence_of(self, char: int) -> int:
        """Index of the sentence holding character `char`."""
        for n, sent in enumerate(self.sentences):
            if sent.start <= char < sent.end:
                return n
        return len(self.sentences) - 1

    def in_scope(self, category: str, start: int) -> bool:
        """Whether the character at `start` lies in the reach of a cue of `category`."""
        return any(c == category and a <= start < b for c, a, b in self.scopes)

    def someone_else(self, start: int) -> bool:
        """Whether the character at `start` speaks of someone other than the patient: a trial's population,
        a relative or another person, or medicine in general."""
        return (
            self.sentences[self.sentence_of(start)].general
            or self.in_scope("POPULATION", start)
            or self.in_scope("FAMILY", start)
        )


def _asks_in_general(sent: Any, vocab: Vocabulary) -> tuple[bool, bool]:
    """Whether a sentence asks about medicine in general, and whether it says so by a general marker it opens with
    ("generally speaking, what are ...")."""
    words = [t for t in sent if not t.is_space]
    # a short heading before the question ("MCQ: Which trial ...", "Quick q: is ..."; ':' reads as ',') is passed over;
    # a dash inside a word ("guideline-supported") is no heading's end
    heading = next(
        (
            k
            for k, t in enumerate(words[: ASIDE_WORDS + 1])
            if t.text == "," or (t.text in ("-", "–") and k > 0 and words[k - 1].whitespace_)
        ),
        None,
    )
    opening = " ".join(t.lower_ for t in words[:heading]) if heading else ""
    if heading and (opening in vocab.question_headings or _greeting_aside(words[:heading], sent.text, vocab)):
        words = words[heading + 1 :]
    said = opening in vocab.general_markers  # "Broadly, what are ...?" (passed over as an aside)
    # "generally speaking, what are ...": the marker is passed over, and its question needs no question mark
    lowered = " ".join(t.lower_ for t in words if not t.is_punct)
    marker = next((m for m in vocab.general_markers if lowered == m or lowered.startswith(m + " ")), None)
    if marker is not None and vocab.names_particular(sent.text):
        return False, False  # "As a rule, which first-line would you pick in a 70M, Child-Pugh A6 ...?" is about him
    if marker is not None:
        skip = len(marker.split())
        words = [t for t in words if not t.is_punct][skip:]
    first = next((t.lower_ for t in words if not t.is_punct), None)  # most sentences stop here
    question = first is not None and (sent.text.rstrip().endswith("?") or marker is not None)
    if first is None or not (
        first in vocab.general_request_openers or (question and first in vocab.general_question_openers)
    ):
        return False, False
    # the patient's words are looked for past the heading ("For our formulary review, list ..." asks for no patient)
    text = " " + " ".join(t.lower_ for t in words if not t.is_punct) + " "
    general = not any(f" {w} " in text for w in vocab.patient_words)
    return general, general and (marker is not None or said)


ASIDE_WORDS = 6  # at most this many words before a question say who asks, greet, or say what it is for


def _greeting_aside(words: list[Any], sentence: str, vocab: Vocabulary) -> bool:
    """A few words before the question that say who asks or greet ("radonc here - what ...?", "hi all, is ...?"), or
    what for ("For our formulary review, list ..."): letters only, no finding or drug among them, in a sentence that
    names no particular patient."""
    return (
        0 < len(words) <= ASIDE_WORDS
        and all(t.is_alpha and not t.ent_type_ for t in words)
        and not vocab.names_particular(sentence)
    )


def _earlier_item_between(
    doc: Any, lo: int, hi: int, in_target: set[int] | None, separators: frozenset[str] = frozenset({","})
) -> bool:
    """Whether a comma, and before it another finding (when `in_target` is given), lie between a cue and a finding
    ("not anticoagulated, BP well controlled"; "not suitable for TACE, treatment naive"): the cue is that earlier
    item's. A negation and a comma alone ("he is not, unfortunately, tolerating it") stay the finding's."""
    commas = [t for t in range(lo, hi) if doc[t].lower_ in separators]
    if not commas:
        return False
    # an earlier item: a finding, or words of its own between the cue and the comma ("not suitable for TACE,
    # treatment naive"); a word or none ("not, unfortunately, tolerating it") is an aside, not an item
    words = sum(1 for t in range(lo, commas[0]) if doc[t].is_alpha)
    return in_target is None or words >= 2 or any(t in in_target for t in range(lo, commas[-1]))


@lru_cache(maxsize=2)
def _concept_kinds(vocab: Vocabulary) -> tuple[frozenset[str], frozenset[str]]:
    """Concepts that state their own value and say nothing when negated ("BP well controlled"), and concepts whose
    affirmed finding withholds a regimen (a transplant, high-risk varices)."""
    concepts = vocab.concepts.items()
    self_stated = frozenset(k for k, c in concepts if c.negated == "ignore" and c.value is not None and c.field)
    withholding = frozenset(k for k, c in concepts if c.value is True and c.negated is False)
    return self_stated, withholding


def _asides(doc: Any) -> list[tuple[int, int]]:
    """The closed asides of the text ("(Vp4)"): (the "(" token, its ")" token), each within one sentence."""
    out: list[tuple[int, int]] = []
    opened: list[int] = []
    for token in doc:
        if token.is_sent_start:
            opened = []
        if token.text == "(":
            opened.append(token.i)
        elif token.text == ")" and opened:
            out.append((opened.pop(), token.i))
    return out


def _passed(asides: list[tuple[int, int]], before: int) -> set[int]:
    """The bracket tokens of the asides closed before token `before`."""
    return {t for o, c in asides if c < before for t in (o, c)}


POSSESSIVES = frozenset({"his", "her", "their", "my", "our", "your"})


def _same_owner(found: list[Mention], ents: list[Any], doc: Any, vocab: Vocabulary) -> list[Mention]:
    """A finding named again later in its sentence, after a relative's finding of the same field, with no word
    between naming the patient, is the relative's too ("his mother has rheumatoid arthritis on methotrexate", "my
    brother had a liver transplant in 2015 and takes tacrolimus"); "... and he takes tacrolimus" is the patient's.
    Only a relative written as someone's ("his mother", "my brother"): a bare "dad" may be the patient ("Son says dad
    vomited blood, had a balloon tube"), and a finding wrongly given away is a contraindication missed."""
    fields = [vocab.concepts[m.label].field if m.label in vocab.concepts else "" for m in found]
    out = list(found)
    for n, m in enumerate(found):
        if not fields[n] or m.categories & {"FAMILY", "POPULATION", "NEGATED_EXISTENCE"}:
            continue
        owner = next(
            (k for k in range(n - 1, -1, -1) if found[k].sentence == m.sentence and fields[k] == fields[n]), None
        )
        if owner is None or "FAMILY" not in found[owner].categories:
            continue
        if not any(
            modifier.category == "FAMILY"
            # "his mother", "my older brother"
            and any(
                t.lower_ in POSSESSIVES for t in doc[max(0, modifier.modifier_span[0] - 2) : modifier.modifier_span[0]]
            )
            for modifier in ents[owner]._.modifiers
        ):
            continue
        between = doc[ents[owner].end : ents[n].start]
        if any(t.lower_ in vocab.subjects or t.lower_ in vocab.patient_words for t in between):
            continue
        out[n] = replace(m, categories=m.categories | {"FAMILY"})
    return out


def analyse(text: str, vocab: Vocabulary, general: bool = True) -> Analysis:
    """Findings and drugs in `text`, each with the ConText categories that modify it. With `general` False, no
    sentence is taken as a question in general (the conditions such a question states are then read)."""
    # Same length, so offsets still match: ';' ends a sentence (as a carriage return); ':' is a comma (medspaCy's
    # ": no" rule negates backwards, which reads "Lupus: no. Varices: yes" the wrong way round).
    # medspaCy's English rules read "child" as a family member: "Child-Pugh" must not make a
    # sentence family history (same length again).
    # Words said of a trial's population or offered as a question's choices (an abstract, an eligibility list, a
    # multiple-choice item): found on the text as written, before ':' and ';' are changed below.
    # Items a form says are absent: an empty box's item (below), or a label answered "No" / "nil" / "not taking"
    absent = absent_rows(text, vocab.absent_answers, vocab.form_take_back)
    listed = (
        header_spans(text, vocab.population_headers, vocab.section_labels, vocab.other_sections)
        + choice_spans(text)
        + other_case_spans(text, vocab.case_labels, vocab.case_asked_by)  # "Case 5: ... Case 6: ... advise for case 6"
        + quoted_source_spans(text, vocab.quoted_sources)  # 'a patient forum: "My husband ... took sorafenib"'
    )
    text = CHILD_PUGH.sub(lambda m: "X" + m.group(0)[1:], unwrapped(text).replace(";", "\r").replace(":", ","))
    # A line break at the end, as at the end of every other row: a form's answer last in the message
    # ("Extrahepatic disease: No") is then read like the same answer in any other row.
    doc = pipeline(vocab)(text if text.endswith("\n") else text + "\n")
    sentences = list(doc.sents)
    sentence_of = {t: n for n, s in enumerate(sentences) for t in range(s.start, s.end)}
    # words of a finding (a cue-only word such as "new" is not one: it hides no cue and ends no list item)
    cue_only = {c.label for c in vocab.concepts.values() if c.cue_only}
    in_target = {t for e in doc.ents if e.label_ not in cue_only for t in range(e.start, e.end)}
    # Terminating cues ("due to", "(", "but", "however") end every cue's reach; applied here because
    # medspaCy's windowed scopes (max_scope) are not cut by them.
    stops = sorted(m.modifier_span[0] for m in doc._.context_graph.modifiers if m.direction == "TERMINATE")
    # An answer after a closed aside ("Main portal vein invasion (Vp4), No") passes over the aside's brackets: it
    # answers the item the aside qualifies (within the answer cue's reach; medspaCy itself ends some cues there).
    # A cue before or inside an aside is still ended by its brackets ("(no HE) ascites moderate"; "no ascites (on
    # diuretics), lupus").
    asides = _asides(doc)
    causes = sorted(m.modifier_span[0] for m in doc._.context_graph.modifiers if m.category == "CAUSE")
    scopes: list[tuple[str, int, int]] = []
    found: list[Mention] = []
    modifiers = doc._.context_graph.modifiers
    # A relative writing about the patient ("my wife", "Mum has ..."): the writer's own history ("I had a kidney
    # transplant") is then someone else's; otherwise the writer is the patient and SPEAKER cues say nothing.
    own = vocab.writer_is_patient(text)
    relative_writes = any(
        m.category == "FAMILY" and writers_relative(doc, m.modifier_span[0], m.modifier_span[1], vocab.kin_names, own)
        for m in modifiers
    )
    # "writing on behalf of my mum ... my aunt injects methotrexate": of the writer's relatives, only the one asked
    # for is the patient
    patient_kin = None if own else named_patient(doc, vocab)

    def patients(m_start: int, m_end: int) -> bool:
        """Whether the family cue at doc[m_start:m_end] names the patient (the writer's relative, or the one
        asked for)."""
        if not writers_relative(doc, m_start, m_end, vocab.kin_names, own):
            return False
        if any(mark in doc[m_start:m_end].text.lower() for mark in vocab.kin_other_marks):
            return False  # "my mother-in-law", "my stepfather": not the mother or father written about
        return patient_kin is None or any(
            vocab.same_person.get(doc[k].lower_, doc[k].lower_) == patient_kin for k in range(m_start, m_end)
        )

    # SELF cues ("myself", "my own") name the writer alone: someone else's when a relative or a clinician
    # writes ("a GI fellow with ulcerative colitis myself"); a clinician's "I have a 60M with ..." is the patient's.
    others = {"SPEAKER"} if relative_writes else set()
    clinician = vocab.writer_is_clinician(text)
    if relative_writes or clinician:
        others.add("SELF")
    # "My husband was on sorafenib ... I'm asking now for my MUM": the husband's sentences are his story
    sex = patient_sex(text, vocab)  # "Mrs", "61M": the patient's pronoun gender, for stories and owners below
    stories = others_sentences(doc, sentences, vocab, own, clinician, sex)
    population = population_sentences(sentences, listed, vocab)
    # Findings that state their own value and say nothing when negated ("BP well controlled", "no ascites seen",
    # "tumour burden well under half"): a negation across a comma is of an earlier item of the list, not of these.
    empty_rows, still_open = empty_box_items(text, vocab.form_marks, vocab.form_unanswered, vocab.absent_answers)
    empty_rows += absent
    joiners = list_joiners()
    item_ends = frozenset({","}) | joiners
    self_stated, withholding = _concept_kinds(vocab)
    for ent in doc.ents:
        categories: set[str] = set()
        role, distance = None, 10**6
        for modifier in ent._.modifiers:
            m_start, m_end = modifier.modifier_span
            if sentence_of.get(m_start) != sentence_of[ent.start]:
                continue  # medspaCy's max_scope window crosses sentences; a cue speaks within its own
            lo, hi = (m_end, ent.start) if m_end <= ent.start else (ent.end, m_start)
            ended = [t for t in stops if lo <= t < hi] if modifier.direction != "TERMINATE" else []
            # an answer after the entity passes over the asides closed between them
            if ended and (m_start < ent.end or any(t not in _passed(asides, m_start) for t in ended)):
                continue
            if modifier.category not in NOT_ENDED_BY_CAUSE and any(lo <= t < hi for t in causes):
                continue
            inside = m_start in in_target and (m_end - 1) in in_target
            if (
                (modifier.category == "NEGATED_EXISTENCE" or modifier.category in ROLES)
                and m_end <= ent.start
                and ent.label_ in self_stated
                and _earlier_item_between(
                    doc,
                    lo,
                    hi,
                    in_target if modifier.category == "NEGATED_EXISTENCE" else None,
                    # "she isn't on blood thinners and her blood pressure is normal": a finding that states its own
                    # value is its own item after a comma or a joiner
                    item_ends if modifier.category == "NEGATED_EXISTENCE" else frozenset({","}),
                )
            ):
                continue  # "not anticoagulated, BP well controlled", "not suitable for TACE, treatment naive": own item
            if (
                modifier.category == "NEGATED_EXISTENCE"
                and m_end <= ent.start
                and ent.label_ in withholding
                and _earlier_item_between(doc, lo, hi, in_target)
                and not any(doc[t].lower_ in joiners for t in range(m_end, modifier.scope_span[1]))
            ):
                # "no ascites, moderate varices": a negation reaches across a comma onto a contraindication only in a
                # list it closes with a joiner ("no MI, stroke or TIA", "negative for IBD, SLE and organ transplant")
                continue
            if modifier.category in ROLES:
                gap = ent.start - m_end if m_end <= ent.start else m_start - ent.end
                # the nearest cue; a dose or date beside the drug (STATED) only when no plain cue reaches it
                # ("Plan: oncology intend lenvatinib 8 mg once daily": planned, not given)
                rank, held = RANK.get(modifier.category, 1), RANK.get(role or "", 1)
                if role is None or (rank == held and gap < distance) or rank > held:
                    role, distance = modifier.category, gap
            elif modifier.category == "FAMILY" and patients(m_start, m_end):
                continue  # "my husband", "Dad's AFP": the relative writing about the patient
            elif modifier.category == "FAMILY" and any(
                patient_again(doc, t, m_start, m_end, vocab) for t in range(lo, hi)
            ):
                continue  # "his wife says he had a liver transplant": the patient's, as the relative tells it
            elif modifier.category in ("SPEAKER", "SELF"):
                if modifier.category in others:
                    categories.add("FAMILY")
            elif not inside:  # "not" inside "did not tolerate" negates nothing around it
                categories.add(modifier.category)
        if any(a <= ent.start_char < b for a, b in empty_rows):
            categories.add("NEGATED_EXISTENCE")  # "[ ] Main portal vein invasion (Vp4)", "Transplant - nil": absent
        if any(a <= ent.start_char < b for a, b in still_open):
            # "[ ] Varices - OGD booked, result pending": not answered yet, neither absent nor present
            categories.discard("NEGATED_EXISTENCE")
            categories.add("POSSIBLE_EXISTENCE")
        index = sentence_of[ent.start]
        story = stories.get(index, (len(doc), len(doc)))
        if story[0] <= ent.start < story[1] or (
            "FAMILY" not in categories and other_sex_owner(doc, ent.start, sex, vocab)
        ):
            categories.add("FAMILY")
        if index in population or any(a <= ent.start_char < b for a, b in listed):
            categories.add("POPULATION")
        found.append(
            Mention(
                label=ent.label_,
                key=ent.kb_id_,
                start=ent.start_char,
                end=ent.end_char,
                sentence=index,
                question=sentences[index].text.rstrip().endswith("?"),
                categories=frozenset(categories),
                role="RECEIVED" if role == "CONTINUED" else role,
            )
        )
    found = _same_owner(found, list(doc.ents), doc, vocab)
    found = _differentials(found, text, alternatives(), vocab.concepts)
    for modifier in modifiers:
        category = "FAMILY" if modifier.category in others else modifier.category
        if category in ("HYPOTHETICAL", "POPULATION", "FAMILY") and modifier.direction != "TERMINATE":
            m_start, m_end = modifier.modifier_span
            if modifier.category == "FAMILY" and patients(m_start, m_end):
                continue  # "my husband's AFP": the patient's
            start, end = modifier.scope_span
            cue_sentence = sentences[sentence_of[modifier.modifier_span[0]]]
            start, end = max(start, cue_sentence.start), min(end, cue_sentence.end)
            if category == "FAMILY" and modifier.direction == "FORWARD":
                end = next(
                    (t for t in range(max(start, m_end), end) if patient_again(doc, t, m_start, m_end, vocab)),
                    end,
                )
            if start < end:
                scopes.append((category, doc[start].idx, doc[end - 1].idx + len(doc[end - 1])))
    scopes += [
        ("FAMILY", doc[a].idx, doc[b - 1].idx + len(doc[b - 1])) for _, (a, b) in sorted(stories.items()) if a < b
    ]
    scopes += [("POPULATION", sentences[n].start_char, sentences[n].end_char) for n in sorted(population)]
    scopes += [("POPULATION", a, b) for a, b in listed]
    asked = [_asks_in_general(s, vocab) if general else (False, False) for s in sentences]
    sents = [
        Sentence(s.start_char, s.end_char, s.text.rstrip().endswith("?"), *flags)
        for s, flags in zip(sentences, asked, strict=True)
    ]
    return Analysis(found, scopes, sents, empty_rows)
