"""Answer composition: deterministic Markdown whose every claim cites a passage that holds it."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .models import Chunk, Citation
from .pathways import OFFERED, Rule, Verdict
from .profile import FIELD_LABELS
from .support import UNCITED, _drugs, _grades, _numbers

DISCLAIMER = (
    "_Corpus as of {as_of}. Decision support for clinicians, drawn only from the cited guideline "
    "and trial passages: it does not replace clinical judgement or the full guidelines._"
)
PATIENT_DISCLAIMER = (
    "_Corpus as of {as_of}. This is general information from medical guidelines, not advice for "
    "you personally: please talk about it with your care team._"
)
STATUS_LABEL = {
    "preferred": "preferred",
    "alternative": "alternative",
    "needs_info": "needs more information",
    "not_recommended": "not recommended",
}
PATIENT_STATUS = {"preferred": "a usual first choice", "alternative": "another possible option"}
# The clinician's words for each fact (one table, in profile.py).
FIELD_LABEL = FIELD_LABELS
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_ATTRIBUTION = re.compile(r"\s*\[@[^\]]+\]")
_WORD = re.compile(r"[a-z0-9]+")


def regimen_name(regimen: str) -> str:
    """'atezolizumab+bevacizumab' -> 'Atezolizumab + bevacizumab'."""
    text = regimen.replace("+", " + ").replace("-first-line-monotherapy", " (first-line monotherapy)")
    return text[:1].upper() + text[1:]


def clean(text: str) -> str:
    """Passage text without its Pandoc attributions, on one line."""
    return " ".join(_ATTRIBUTION.sub("", text).split())


def sentences(text: str) -> list[str]:
    """Sentences of a passage, attributions removed, bullets unwrapped."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip().lstrip("-* ").strip()
        if not line:
            continue
        out.extend(s.strip() for s in _SENTENCE.split(clean(line)) if s.strip())
    return out


class Builder:
    """Collects Markdown lines and numbered citations for one answer."""

    def __init__(self, kb: Any) -> None:
        self.kb = kb
        self.lines: list[str] = []
        self.citations: list[Citation] = []
        self._by_chunk: dict[str, int] = {}

    def cite(self, chunk: Chunk) -> int:
        """The marker number for `chunk` (one per passage per answer)."""
        if chunk.chunk_id not in self._by_chunk:
            n = len(self.citations) + 1
            doc = self.kb.doc_by_id.get(chunk.doc_id)
            self.citations.append(
                Citation(
                    n=n,
                    source=chunk.source,
                    chunk_id=chunk.chunk_id,
                    title=chunk.title,
                    section=chunk.section,
                    quote=chunk.text,
                    doc_id=chunk.doc_id,
                    citation=doc.meta.citation if doc else "",
                )
            )
            self._by_chunk[chunk.chunk_id] = n
        return self._by_chunk[chunk.chunk_id]

    def markers(self, chunks: list[Chunk]) -> str:
        return "".join(f"[{self.cite(c)}]" for c in chunks)

    def supported(self, claim: str, candidates: list[Chunk]) -> str:
        """`claim` followed by markers of passages that together hold its drugs and numbers.

        Only `candidates` are searched (never the whole corpus); "" when they cannot support it.
        """
        chunks = cover(claim, candidates)
        if chunks is None:
            return ""
        return f"{claim} {self.markers(chunks)}".rstrip()

    def stated(self, claim: str, candidates: list[Chunk], why: str) -> str:
        """`claim` cited when `candidates` hold it, else said openly without a citation (and why)."""
        return self.supported(claim, candidates) or f"{claim} {UNCITED.format(why=why)}"

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines).strip()


@lru_cache(maxsize=4096)
def _terms(text: str) -> frozenset[str]:
    """The drugs, numbers and Child-Pugh/BCLC grades a passage holds (cached: passages are immutable)."""
    return frozenset(_numbers(text) | _drugs(text) | _grades(text))


def cover(claim: str, candidates: list[Chunk]) -> list[Chunk] | None:
    """Fewest of `candidates` that hold every drug and number of `claim`, sentence by sentence.

    For each sentence of the claim, passages holding more of its drugs and numbers come first and,
    among those, the one sharing most of its words, so that a reason is cited to the passage that
    states it rather than to any passage that happens to name the drug. A sentence without drugs or
    numbers goes to the candidate sharing most of its words (at least one). None when the
    candidates cannot support the claim: the caller must not cite it.
    """
    chosen: list[Chunk] = []
    for sentence in _CLAIM_SENTENCE.split(claim):
        need = _numbers(sentence) | _drugs(sentence) | _grades(sentence)
        words = _content(sentence)
        if not need:
            if not words:
                continue
            scored = [(len(words & _content(c.text)), -i, c) for i, c in enumerate(candidates)]
            best = max(scored, key=lambda t: (t[0], t[1]), default=None)
            held = max((len(words & _content(c.text)) for c in chosen), default=0)
            if best and best[0] > held:
                chosen.append(best[2])
            continue
        while need:
            pick: Chunk | None = None
            rank: tuple[int, int] = (0, 0)
            for chunk in candidates:
                gain = len(_terms(chunk.text) & need)
                score = (gain, len(words & _content(chunk.text)))
                if gain and score > rank:
                    pick, rank = chunk, score
            if pick is None:
                return None
            if pick not in chosen:
                chosen.append(pick)
            need -= _terms(pick.text)
    return chosen or None


_CLAIM_SENTENCE = re.compile(r"(?<=[.;!?])\s+")


@lru_cache(maxsize=8192)
def _content(text: str) -> frozenset[str]:
    """Content words of a text (cached: passages are immutable and claims recur)."""
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in STOP and len(w) > 2)


def best_sentences(query: str, chunks: list[Chunk], limit: int = 3) -> list[tuple[str, Chunk]]:
    """The sentences of `chunks` that share most words with `query`, in passage order."""
    words = set(_WORD.findall(query.lower())) - STOP
    scored: list[tuple[float, int, str, Chunk]] = []
    order = 0
    for rank, chunk in enumerate(chunks):
        for sentence in sentences(chunk.text):
            if sentence.endswith(":"):
                continue  # an introduction to a list reads badly on its own
            overlap = len(words & set(_WORD.findall(sentence.lower())))
            scored.append((overlap - rank * 0.5, order, sentence, chunk))
            order += 1
    top = sorted(scored, key=lambda s: (-s[0], s[1]))[:limit]
    return [(s, c) for _, _, s, c in sorted(top, key=lambda s: s[1])]


STOP = {
    "the", "a", "an", "of", "in", "on", "for", "and", "or", "to", "is", "was", "what", "with",
    "how", "it", "its", "be", "by", "are", "at", "as", "does", "do", "did", "this", "that",
    "patient", "me", "about", "i", "we", "he", "she", "his", "her", "versus", "vs",
}  # fmt: skip


def rule_chunks(kb: Any, rule: Rule) -> list[Chunk]:
    """The passages a rule cites: its sources' named sections (a source without one: its document)."""
    found: list[Chunk] = []
    for ref in rule.sources:
        found.extend(c for c in kb.section(ref.doc_id, ref.section) if c not in found)
    return found


def verdict_notes(b: Builder, verdict: Verdict) -> None:
    """What the verdict says about its own inputs: disagreeing readings, silent pathways."""
    for note in verdict.notes:
        b.add(f"_Note: {note}_")
    if verdict.notes:
        b.add()


def ranked_options(verdict: Verdict, rules: dict[str, Rule]) -> list[Any]:
    """Preferred first; then options whose deciding rule is most specific (offers fewest regimens)."""

    def specificity(option: Any) -> int:
        sizes = [len(rules[r].then) for r in option.rules if r in rules and rules[r].then]
        return min(sizes) if sizes else 99

    order = {"preferred": 0, "alternative": 1, "needs_info": 2, "not_recommended": 3}
    return sorted(verdict.options, key=lambda o: (order[o.status], specificity(o)))


def options_block(
    b: Builder, kb: Any, verdict: Verdict, engine: Any, audience: str, heading: str | None = None
) -> None:
    """Offered options one by one; the rest grouped by the reason they are not offered."""
    rules = {r.id: r for r in engine.file.rules}
    verdict_notes(b, verdict)
    offered = [o for o in ranked_options(verdict, rules) if o.status in OFFERED]
    if offered:
        b.add(heading or ("**Options for this patient**" if audience == "clinician" else "**Options to discuss**"))
        for option in offered:
            candidates = [c for rid in option.rules if rid in rules for c in rule_chunks(kb, rules[rid])]
            name = regimen_name(option.regimen)
            # The label ("**X** — alternative:") states the verdict (check_agreement holds it to
            # the options); the reason after it is the claim a passage must hold.
            if audience == "patient":
                line = b.supported(f"{name}: {PATIENT_STATUS[option.status]} in the guidelines.", candidates)
            else:
                line = b.supported(" ".join(option.reasons), candidates)
            if line:
                b.add(f"- **{name}** — {option.status}: {line}" if audience == "clinician" else f"- {line}")
            else:  # never drop an offered option from the text: say that its reason is not cited
                status = option.status if audience == "clinician" else PATIENT_STATUS[option.status]
                why = "the passages of its rule do not state this reason"
                b.add(f"- **{name}** — {status} {UNCITED.format(why=why)}")
        b.add()
    held_back = [o for o in verdict.options if o.status not in OFFERED]
    if held_back and audience == "clinician":
        b.add("**Not offered**")
        groups: dict[tuple[str, str], list[str]] = {}
        for option in held_back:
            key = (option.status, " ".join(option.reasons))
            groups.setdefault(key, []).append(option.regimen)
        for (status, reason), regimens in groups.items():
            names = ", ".join(regimen_name(r) for r in regimens)
            deciding = list(dict.fromkeys(rid for r in regimens for rid in getattr(verdict.get(r), "rules", [])))
            pool: list[Chunk] = []
            for rid in deciding:
                if rid in rules:
                    pool.extend(c for c in rule_chunks(kb, rules[rid]) if c not in pool)
            # Only the rules' own passages may cite the reason; a reason they do not hold (such as
            # "no documented pathway", which no passage states) is said without a citation.
            why = "no passage states an absence" if not pool else "the rule's passages do not state it"
            b.add(f"- **{names}** — {STATUS_LABEL[status]}: {b.stated(reason, pool, why)}")
        b.add()


def bottom_line(b: Builder, kb: Any, verdict: Verdict, engine: Any, audience: str) -> str:
    """One sentence: what the documented pathway offers this patient."""
    rules = {r.id: r for r in engine.file.rules}
    ranked = ranked_options(verdict, rules)
    preferred = [o for o in ranked if o.status == "preferred"]
    offered = [o for o in ranked if o.status in OFFERED]
    lead = preferred or offered
    if lead:
        names = " or ".join(regimen_name(o.regimen).lower() for o in lead[:3])
        word = "prefers" if preferred else "offers"
        if audience == "patient":
            claim = f"For the situation you describe, the guidelines' usual choice is {names}."
        else:
            more = "" if len(lead) <= 3 else " (further options below)"
            claim = f"For this patient the documented pathway {word} {names}{more}."
        candidates = [c for o in lead[:3] for rid in o.rules if rid in rules for c in rule_chunks(kb, rules[rid])]
        return b.supported(claim, candidates)
    blocking = [o for o in verdict.options if o.status == "not_recommended"]
    if blocking and all(o.status == "not_recommended" for o in verdict.options):
        reason_counts: dict[str, int] = {}
        for o in blocking:
            for r in o.reasons:
                reason_counts[r] = reason_counts.get(r, 0) + 1
        reason = max(reason_counts, key=reason_counts.__getitem__)
        rule = next(
            (rules[rid] for o in blocking for rid in o.rules if rules.get(rid) and rules[rid].because == reason),
            None,
        )
        candidates = rule_chunks(kb, rule) if rule else []
        why = "no passage states an absence" if not candidates else "the rule's passages do not state it"
        return b.stated(f"No systemic regimen is offered on the documented pathway. {reason}", candidates, why)
    return ""
