"""Follow-ups over what was just shown: "which of those are taken by mouth?", "the one without bevacizumab - how
is it scheduled?", "the 3-weeks-on, 1-week-off one: dose?".

The referring words and the attributes they pick by are data (`corpus/referents.yaml`); each regimen's route and
schedule come from `corpus/doses.yaml` and its agents from the regimen id. A message is a reference only when it
both points back ("those", "the one") and names something to pick by; otherwise it is read as usual.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..asking.scope import LabelDose, load_doses
from ..errors import CorpusError
from ..pathways import conditions
from ..reading.vocabulary import phrase_pattern

REFERENTS_FILE = "referents.yaml"
FIELDS = ("route", "break", "dose", "rule")
# How far after a "without"/"with" cue the drug it governs may be named (characters), with at most an article
# between.
CUE_REACH = 25
_ADJACENT = re.compile(r"^\s*(?:(?:the|a|an|any)\s+)?$", re.I)


@dataclass(frozen=True)
class Attribute:
    name: str
    words: re.Pattern[str]
    label: str
    field: str
    value: Any


@dataclass(frozen=True)
class Reference:
    """The regimens a follow-up picks from those shown, and what it picked them by (for the answer's words)."""

    picked: list[str]
    described: str
    shown: list[str]  # the regimens it picked from (a later "and which are given IV?" picks from them again)
    named_here: bool  # the list was named in the same message rather than shown in the last answer
    unknown: list[str]  # shown regimens whose attribute the dose data do not give (said, never dropped silently)
    fields: tuple[str, ...] = ()  # the attribute fields it picked by ("route", "break", "dose")
    place: str = ""  # picked by its place in the order shown ("second", "last")
    facts: tuple[str, ...] = ()  # the pathway facts it picked by ("afp_ng_ml": "the one that depends on AFP")


@dataclass(frozen=True)
class Referents:
    refer: re.Pattern[str]
    singular: re.Pattern[str]
    without: re.Pattern[str]
    with_: re.Pattern[str]
    attributes: tuple[Attribute, ...]
    doses: dict[str, LabelDose]
    ordinals: dict[str, int] = dataclasses.field(default_factory=dict)  # "second" -> 2, "last" -> -1
    ordinal: re.Pattern[str] | None = None  # "the second one", "the last regimen"
    negation: re.Pattern[str] | None = None  # "doesn't", "safest": a rule attribute does not pick

    @classmethod
    def load(cls, corpus_dir: Path) -> Referents:
        path = corpus_dir / REFERENTS_FILE
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise CorpusError([f"{path}: cannot read: {exc}"]) from exc
        patterns = {}
        for key in ("refer_cues", "singular_cues", "without_cues", "with_cues"):
            pattern = phrase_pattern([str(w) for w in raw.get(key) or []])
            if pattern is None:
                raise CorpusError([f"{path}: {key} is missing or empty"])
            patterns[key] = pattern
        phrase = raw.get("singular_phrase") or {}
        if phrase:
            dets = phrase_pattern([str(w) for w in phrase.get("determiners") or []])
            heads = phrase_pattern([str(w) for w in phrase.get("heads") or []])
            if dets is None or heads is None:
                raise CorpusError([f"{path}: singular_phrase needs determiners and heads"])
            gap = int(phrase.get("max_gap", 6))
            patterns["singular_cues"] = re.compile(
                rf"{patterns['singular_cues'].pattern}|(?:{dets.pattern})(?:\W+[\w-]+){{0,{gap}}}?\W+(?:{heads.pattern})"
            )
            patterns["refer_cues"] = re.compile(f"{patterns['refer_cues'].pattern}|{patterns['singular_cues'].pattern}")
        attributes = []
        for name, spec in (raw.get("attributes") or {}).items():
            words = phrase_pattern([str(w) for w in spec.get("words") or []])
            if words is None or spec.get("field") not in FIELDS or not spec.get("label"):
                raise CorpusError([f"{path}: attribute {name!r} needs words, a label and a field among {FIELDS}"])
            attributes.append(Attribute(str(name), words, str(spec["label"]), str(spec["field"]), spec.get("value")))
        ordinals = {str(k).lower(): int(v) for k, v in (raw.get("ordinals") or {}).items()}
        if any(v == 0 for v in ordinals.values()):
            raise CorpusError([f"{path}: ordinals count from 1 (or from the end, -1)"])
        heads = phrase_pattern([str(w) for w in raw.get("ordinal_heads") or []])
        ordinal = (
            re.compile(
                rf"\bthe\s+({'|'.join(map(re.escape, sorted(ordinals, key=len, reverse=True)))})\b"
                + (rf"(?:\s+(?:{heads.pattern}))" if heads is not None else ""),
                re.I,
            )
            if ordinals
            else None
        )
        negation = phrase_pattern([str(w) for w in raw.get("rule_negations") or []])
        return cls(
            patterns["refer_cues"],
            patterns["singular_cues"],
            patterns["without_cues"],
            patterns["with_cues"],
            tuple(attributes),
            load_doses(corpus_dir),
            ordinals,
            ordinal,
            negation,
        )

    def matches(self, regimen: str, attribute: Attribute, rules: Any = None) -> bool | None:
        """Whether a regimen has the attribute; None when the dose data do not say.

        route: "oral" when every agent is oral, "IV" when any is; break: an agent has fewer days on than days in
        its cycle; dose: the regimen's dose string (facts.yaml) contains the attribute's value; rule: a pathway rule
        that names the regimen (outright or by its class) tests the fact named by the value ("the one that depends on
        AFP"), from `rules`, the pathway rules file (None without it)."""
        if attribute.field == "rule":
            return None if rules is None else bool(rules_testing(rules, regimen, str(attribute.value)))
        agents = [d for d in self.doses.values() if d.regimen == regimen or d.agent == regimen]
        if not agents:
            return None
        if attribute.field == "route":
            routes = {d.route for d in agents}
            route = "IV" if "IV" in routes else ("oral" if routes == {"oral"} else None)
            return None if route is None else route == attribute.value
        if attribute.field == "break":
            return any(bool(d.days_on and d.cycle_days and d.days_on < d.cycle_days) for d in agents) == bool(
                attribute.value
            )
        dose = next((d.label for d in agents if d.regimen == regimen), agents[0].label)
        return str(attribute.value).lower() in dose.lower()

    def resolve(
        self, text: str, shown: list[str], names: Any, rules: Any = None, stated: frozenset[str] = frozenset()
    ) -> Reference | None:
        """The regimens among `shown` the message refers to, or None when it is not such a reference.

        With nothing shown yet, a message naming two or more regimens and pointing back at them ("the options are
        X or Y: which of those are tablets?") picks among those it names. `rules` is the pathway rules file (for the
        attributes of field "rule"); `stated` the patient facts the message itself states: a fact given a value
        ("which of those for AFP 900?", "AFP 35 - does he meet the cut-off for any of those?") is a fact to evaluate,
        not a description to pick by."""
        place = self.ordinal.search(text) if self.ordinal is not None and shown else None
        if place is not None and not names.find(text, ("drug", "regimen")):
            # "And the dosing schedule of the second one?": the regimen at that place in the order shown
            k = self.ordinals[place.group(1).lower()]
            if abs(k) <= len(shown):
                regimen = shown[k - 1] if k > 0 else shown[k]
                word = place.group(1).lower()
                return Reference([regimen], f"the {word} shown", list(shown), False, [], place=word)
        if not self.refer.search(text):
            return None
        mentions = names.find(text, ("drug", "regimen"))
        named_here = not shown  # the message names the list it then picks from: its names pick nothing
        if named_here:
            shown = list(dict.fromkeys(m.canonical for m in mentions))
            if len(shown) < 2:
                return None
        picked, said, unknown, fields, facts = list(shown), [], [], [], []
        # "which of those doesn't need a scope?", "which is safest with varices?": a rule attribute picks only where
        # nothing turns it round
        turned = self.negation is not None and bool(self.negation.search(text))
        for attribute in self.attributes:
            if attribute.field == "rule" and (rules is None or attribute.value in stated or turned):
                continue
            if attribute.words.search(text):
                unknown += [r for r in picked if self.matches(r, attribute, rules) is None and r not in unknown]
                picked = [r for r in picked if self.matches(r, attribute, rules)]
                said.append(attribute.label)
                fields.append(attribute.field)
                if attribute.field == "rule":
                    facts.append(str(attribute.value))
        for mention in [] if named_here else mentions:
            agent = mention.canonical
            before = text[max(0, mention.start - CUE_REACH) : mention.start]
            # a cue governs the drug written right after it ("without bevacizumab", "with the bevacizumab")
            cues = [(m.end(), "without") for m in self.without.finditer(before) if _ADJACENT.match(before[m.end() :])]
            cues += [(m.end(), "with") for m in self.with_.finditer(before) if _ADJACENT.match(before[m.end() :])]
            if not cues:
                continue
            kind = max(cues)[1]  # the cue nearest the drug governs it ("the one with no bevacizumab")
            has = [r for r in picked if agent in r.split("+") or agent == r]
            picked = [r for r in picked if r not in has] if kind == "without" else has
            said.append(f"{kind} {mention.canonical}")
        if not said:
            return None
        if self.singular.search(text):
            picked = picked[:1]  # "the one without bevacizumab": the first match, in the order shown
        return Reference(
            picked,
            " and ".join(said),
            list(shown),
            named_here,
            unknown,
            tuple(dict.fromkeys(fields)),
            facts=tuple(dict.fromkeys(facts)),
        )

    def labels_of(self, regimen: str, fields: tuple[str, ...]) -> list[str]:
        """What the attributes of `fields` say of `regimen` ("taken by mouth"), for the regimens not picked."""
        return [a.label for a in self.attributes if a.field in fields and self.matches(regimen, a)]


def rules_testing(rules: Any, regimen: str, fact: str) -> list[Any]:
    """The pathway rules naming `regimen` (their classes already expanded) that test the patient fact `fact`, those
    offering the regimen first ("the one that depends on AFP": ramucirumab's AFP rules)."""
    found = [r for r in rules.rules if regimen in {**r.then, **r.cap} and fact in {c.field for c in conditions(r.when)}]
    return sorted(found, key=lambda r: r.then.get(regimen) == "not_recommended")


@lru_cache(maxsize=8)
def referents(corpus_dir: Path) -> Referents | None:
    """The corpus's referent data; None for a corpus without it (a small test corpus)."""
    path = Path(corpus_dir) / REFERENTS_FILE
    return Referents.load(Path(corpus_dir)) if path.is_file() else None
