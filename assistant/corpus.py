"""Loading and validating the corpus: the fact sheet, source registry and Markdown documents."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import CorpusError
from .models import Document, FrontMatter

DOC_FOLDERS = ("guidelines", "trials", "methods", "regimens", "topics", "drugs")
SOURCE_KINDS = {"guideline", "trial", "method"}
# drug-facts.yaml: label facts per agent, cited to label sources of these kinds (closest first).
DRUG_FACTS_FILE = "drug-facts.yaml"
LABEL_KINDS = ("label", "label-copy", "regulator-notice", "manufacturer-page", "secondary")
NOT_FOUND = "not_found"
NOT_APPLICABLE = "not_applicable"
# Each field of an agent in drug-facts.yaml is the section of its drug document whose title starts so.
DRUG_SECTIONS = {
    "drug_class": "Class and target",
    "route_and_administration": "How it is given",
    "common_adverse_reactions_hcc": "Common adverse reactions",
    "serious_adverse_reactions_hcc": "Serious adverse reactions in HCC",
    "warnings_precautions": "Serious warnings and precautions",
    "monitoring": "Monitoring",
    "missed_dose": "Missed dose",
    "dose_modifications_hcc": "Dose modifications in HCC",
    "hcc_indication": "HCC indication",
}
# A section for a `not_found` field says so in these words, so an answer can say "not in my sources".
NOT_FOUND_PHRASE = "label sections available to us did not give"
CITATION_RE = re.compile(r"\[(@[^\]]+)\]")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")


@dataclass(frozen=True)
class Source:
    """A citable source from the fact sheet."""

    id: str
    kind: str
    cite: str
    in_corpus: bool


@dataclass(frozen=True)
class DrugAgent:
    """One agent of drug-facts.yaml: its label facts by field (value, source ids, note)."""

    id: str
    brand: str
    regimens: tuple[str, ...]
    fields: dict[str, dict[str, Any]]
    mentioned: frozenset[str] = frozenset()  # source ids named in its notes

    @property
    def doc_id(self) -> str:
        return f"{self.id}-label"

    def status(self, name: str) -> str:
        """'not_found', 'not_applicable' or 'found' for one field."""
        value = self.fields.get(name, {}).get("value", NOT_FOUND)
        return value if value in (NOT_FOUND, NOT_APPLICABLE) else "found"

    def source_ids(self) -> set[str]:
        """Every source id its fields cite, or its notes name."""
        ids = {i for f in self.fields.values() for i in _as_list(f.get("source"))}
        return ids | set(self.mentioned)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


@dataclass
class FactSheet:
    """The vetted fact sheet (`corpus/facts.yaml`) and what the rest of the code needs from it."""

    path: Path
    raw: dict[str, Any]
    text: str
    sources: dict[str, Source] = field(default_factory=dict)
    regimen_ids: list[str] = field(default_factory=list)
    negative_ids: list[str] = field(default_factory=list)
    # From drug-facts.yaml, kept apart from `sources`: no pathway rule may rest on a label source.
    label_sources: dict[str, Source] = field(default_factory=dict)
    drugs: dict[str, DrugAgent] = field(default_factory=dict)
    drug_text: str = ""
    drug_problems: list[str] = field(default_factory=list)

    @property
    def as_of(self) -> str:
        return str(self.raw.get("as_of", ""))

    def source(self, ident: str) -> Source | None:
        """A citable source of either file: facts.yaml first, then the label sources of drug-facts.yaml."""
        return self.sources.get(ident) or self.label_sources.get(ident)

    def drug_for_doc(self, doc_id: str) -> DrugAgent | None:
        """The agent whose drug document has this id (`<agent>-label`)."""
        return next((a for a in self.drugs.values() if a.doc_id == doc_id), None)

    def drug_citation(self, agent: DrugAgent) -> str:
        """The front-matter citation every drug document carries, built from drug-facts.yaml."""
        return (
            f"Drug information for {agent.id} ({agent.brand}): label facts as of {self.as_of}, "
            "each statement cited inline to its label source"
        )

    def trial_ids(self) -> set[str]:
        """Source ids of trials."""
        return {sid for sid, source in self.sources.items() if source.kind == "trial"}

    def trial_regimens(self, trial: str) -> list[str]:
        """Regimens whose evidence is this trial (`regimens[].evidence.trial`)."""
        return [r["id"] for r in self.raw.get("regimens", []) if (r.get("evidence") or {}).get("trial") == trial]

    def regimen_trials(self, regimen: str) -> list[str]:
        """The pivotal trial of a regimen, if the fact sheet names one."""
        for r in self.raw.get("regimens", []):
            if r["id"] == regimen and (r.get("evidence") or {}).get("trial"):
                return [r["evidence"]["trial"]]
        return []


def load_facts(corpus_dir: Path) -> FactSheet:
    """Read `facts.yaml` from the corpus folder."""
    path = corpus_dir / "facts.yaml"
    if not path.is_file():
        raise CorpusError([f"{path}: the fact sheet is missing"])
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CorpusError([f"{path}: not valid YAML: {exc}"]) from exc
    sheet = FactSheet(path=path, raw=raw, text=text)
    for item in raw.get("sources", []):
        sheet.sources[item["id"]] = Source(
            id=item["id"],
            kind=item["kind"],
            cite=item["cite"],
            in_corpus=item.get("corpus", True) is not False,
        )
    sheet.regimen_ids = [r["id"] for r in raw.get("regimens", [])]
    sheet.negative_ids = [r["id"] for r in raw.get("negative_trials", [])]
    drug_path = corpus_dir / DRUG_FACTS_FILE
    if drug_path.is_file():
        _load_drug_facts(sheet, drug_path)
    return sheet


def _line_of(text: str, pattern: str, start: int = 1) -> int:
    """1-based line of the first line at or after `start` that matches `pattern`."""
    regex = re.compile(pattern)
    for n, line in enumerate(text.splitlines()[start - 1 :], start=start):
        if regex.search(line):
            return n
    return start


def _id_line(ident: str) -> str:
    return rf"id: {re.escape(ident)}\s*$"


def _load_drug_facts(sheet: FactSheet, path: Path) -> None:
    """Read drug-facts.yaml into the sheet; its problems (file:line) go to `sheet.drug_problems`."""
    text = path.read_text(encoding="utf-8")
    sheet.drug_text = text
    problems = sheet.drug_problems
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(f"{path}:{mark.line + 1 if mark is not None else 1}: not valid YAML")
        return
    if not isinstance(raw, dict):
        problems.append(f"{path}:1: expected a mapping with 'sources' and 'drug_information'")
        return
    for item in raw.get("sources") or []:
        item = item if isinstance(item, dict) else {}
        ident = str(item.get("id", ""))
        where = f"{path}:{_line_of(text, _id_line(ident))}"
        if not ident or not item.get("cite") or item.get("kind") not in LABEL_KINDS:
            problems.append(f"{where}: a label source needs an id, a cite and a kind of {', '.join(LABEL_KINDS)}")
            continue
        if ident in sheet.sources or ident in sheet.label_sources:
            problems.append(f"{where}: source id '{ident}' is already used")
            continue
        sheet.label_sources[ident] = Source(id=ident, kind=item["kind"], cite=item["cite"], in_corpus=False)
    start = _line_of(text, r"^drug_information:")
    for entry in raw.get("drug_information") or []:
        entry = entry if isinstance(entry, dict) else {}
        ident = str(entry.get("id", ""))
        line = _line_of(text, "^  - " + _id_line(ident), start)
        fields = {k: v for k, v in entry.items() if k in DRUG_SECTIONS}
        unknown = sorted(set(entry) - set(DRUG_SECTIONS) - {"id", "brand", "regimens"})
        if not ident or not entry.get("brand"):
            problems.append(f"{path}:{line}: an agent needs an id and a brand")
        if unknown:
            problems.append(f"{path}:{line}: agent '{ident}' has unknown fields {unknown}")
        notes = " ".join(str(f.get("note", "")) for f in fields.values() if isinstance(f, dict))
        agent = DrugAgent(
            id=ident,
            brand=str(entry.get("brand", "")),
            regimens=tuple(_as_list(entry.get("regimens"))),
            fields={k: v if isinstance(v, dict) else {} for k, v in fields.items()},
            mentioned=frozenset(i for i in sheet.label_sources if re.search(rf"\b{re.escape(i)}\b", notes)),
        )
        sheet.drugs[ident] = agent
        for regimen in agent.regimens:
            if regimen not in sheet.regimen_ids:
                problems.append(f"{path}:{line}: agent '{ident}' names regimen '{regimen}', not in facts.yaml")
        for name, value in agent.fields.items():
            where = f"{path}:{_line_of(text, f'^    {name}:', line)}"
            if "value" not in value:
                problems.append(f"{where}: '{ident}.{name}' has no value")
            elif agent.status(name) == "found" and not _as_list(value.get("source")):
                problems.append(f"{where}: '{ident}.{name}' states a fact without a source")
            for sid in _as_list(value.get("source")):
                if sid not in sheet.label_sources:
                    problems.append(f"{where}: '{ident}.{name}' cites unknown label source '{sid}'")


def cited_ids(text: str) -> list[str]:
    """Source ids cited Pandoc-style (`[@a; @b]`) in `text`, in order of first appearance."""
    found: list[str] = []
    for group in CITATION_RE.findall(text):
        for part in group.split(";"):
            ident = part.strip().lstrip("@").strip()
            if ident and ident not in found:
                found.append(ident)
    return found


def _split_front_matter(path: Path, text: str) -> tuple[str, str, int]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise CorpusError([f"{path}:1: a document must start with '---' and YAML front matter"])
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    raise CorpusError([f"{path}:1: front matter is not closed by a '---' line"])


def _key_line(front: str, key: str) -> int:
    for i, line in enumerate(front.splitlines(), start=2):
        if line.startswith(f"{key}:"):
            return i
    return 1


def parse_document(path: Path) -> Document:
    """Parse one Markdown document; malformed front matter raises CorpusError with file and line."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError([f"{path}:1: not UTF-8 text ({exc.reason})"]) from exc
    front, body, body_line = _split_front_matter(path, text)
    try:
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise CorpusError([f"{path}:{line}: front matter is not valid YAML"]) from exc
    if not isinstance(data, dict):
        raise CorpusError([f"{path}:2: front matter must be a mapping of keys to values"])
    data = {k: (str(v) if k == "as_of" and v is not None else v) for k, v in data.items()}
    try:
        meta = FrontMatter.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = str(err["loc"][0]) if err["loc"] else ""
            problems.append(f"{path}:{_key_line(front, key)}: front matter '{key}': {err['msg']}")
        raise CorpusError(problems) from exc
    return Document(
        meta=meta,
        body=body,
        path=path,
        body_line=body_line,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def document_paths(corpus_dir: Path) -> list[Path]:
    """Every document file, in a stable order."""
    paths: list[Path] = []
    for folder in DOC_FOLDERS:
        paths.extend(sorted((corpus_dir / folder).glob("*.md")))
    return paths


def _body_problems(doc: Document, sheet: FactSheet) -> list[str]:
    problems: list[str] = []
    lines = doc.body.splitlines()
    headings: list[tuple[int, int, str]] = []  # (index in lines, level, title)
    for i, line in enumerate(lines):
        match = HEADING_RE.match(line)
        if match:
            headings.append((i, len(match.group(1)), match.group(2)))
    if not any(level == 1 for _, level, _ in headings):
        problems.append(f"{doc.path}:{doc.body_line}: no '# Title' heading")
    if not any(level == 2 for _, level, _ in headings):
        problems.append(f"{doc.path}:{doc.body_line}: no '## Section' headings")
    for n, (i, level, title) in enumerate(headings):
        end = headings[n + 1][0] if n + 1 < len(headings) else len(lines)
        content = "\n".join(lines[i + 1 : end]).strip()
        nested = n + 1 < len(headings) and headings[n + 1][1] > level
        if level >= 2 and not content and not nested:
            problems.append(f"{doc.path}:{doc.body_line + i}: section '{title}' is empty")
    declared = set(doc.meta.sources) | {doc.id}
    for i, line in enumerate(lines):
        for ident in cited_ids(line):
            where = f"{doc.path}:{doc.body_line + i}"
            source = sheet.source(ident)
            if source is None:
                problems.append(f"{where}: cites unknown source '{ident}'")
                continue
            if doc.meta.sources and ident not in declared:
                problems.append(f"{where}: cites '{ident}' but front matter 'sources' omits it")
            # A reader must know when a statement rests on news relaying the label, not the label.
            if source.kind == "secondary" and "secondary" not in _strip_citations(line).lower():
                problems.append(f"{where}: cites '{ident}', a secondary source, without saying 'secondary'")
    return problems


def _strip_citations(text: str) -> str:
    return CITATION_RE.sub("", text)


def _sections(doc: Document) -> list[tuple[int, str, str]]:
    """(file line, title, text) of each '##' section of a document."""
    lines = doc.body.splitlines()
    starts = [(i, m.group(2)) for i, line in enumerate(lines) if (m := HEADING_RE.match(line)) and len(m.group(1)) == 2]
    found = []
    for n, (i, title) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        found.append((doc.body_line + i, title, "\n".join(lines[i + 1 : end])))
    return found


def _drug_problems(doc: Document, sheet: FactSheet) -> list[str]:
    """A drug document: one agent of drug-facts.yaml, its citation, its sources, a section per field."""
    agent = sheet.drug_for_doc(doc.id)
    if agent is None:
        known = ", ".join(a.doc_id for a in sheet.drugs.values()) or f"none: no {DRUG_FACTS_FILE}"
        return [f"{doc.path}:2: a drug document's id is '<agent>-label' for an agent of {DRUG_FACTS_FILE} ({known})"]
    problems: list[str] = []
    front = _split_front_matter(doc.path, doc.path.read_text(encoding="utf-8"))[0]
    wanted = sheet.drug_citation(agent)
    if doc.meta.citation != wanted:
        problems.append(f'{doc.path}:{_key_line(front, "citation")}: citation should be "{wanted}"')
    allowed = agent.source_ids() | set(sheet.sources)
    for i, line in enumerate(doc.body.splitlines()):
        for ident in cited_ids(line):
            if ident in sheet.label_sources and ident not in allowed:
                problems.append(
                    f"{doc.path}:{doc.body_line + i}: cites '{ident}', which {DRUG_FACTS_FILE} "
                    f"does not give for {agent.id}"
                )
    sections = _sections(doc)
    for name, heading in DRUG_SECTIONS.items():
        if name not in agent.fields:
            continue
        match = [(line, text) for line, title, text in sections if title.startswith(heading)]
        if not match:
            problems.append(f"{doc.path}:{doc.body_line}: no section '{heading} ...' for {agent.id}.{name}")
        elif agent.status(name) == NOT_FOUND and NOT_FOUND_PHRASE not in " ".join(match[0][1].split()):
            problems.append(
                f"{doc.path}:{match[0][0]}: {agent.id}.{name} is not_found: the section must say "
                f"'The {NOT_FOUND_PHRASE} ...; the current label or a pharmacist has it.'"
            )
    return problems


def _meta_problems(doc: Document, sheet: FactSheet) -> list[str]:
    problems: list[str] = []
    meta = doc.meta
    where = f"{doc.path}:{1}"
    for ident in meta.sources:
        if sheet.source(ident) is None:
            problems.append(f"{where}: front matter 'sources' names unknown source '{ident}'")
    if meta.kind in SOURCE_KINDS and meta.id in sheet.sources:
        source = sheet.sources[meta.id]
        if source.kind != meta.kind:
            problems.append(f"{where}: kind '{meta.kind}' but facts.yaml says '{source.kind}'")
        if source.cite != meta.citation:
            problems.append(f"{where}: citation differs from the cite of '{meta.id}' in facts.yaml")
        if not source.in_corpus:
            problems.append(f"{where}: '{meta.id}' is marked corpus: false in facts.yaml")
    return problems


def check_corpus(corpus_dir: Path, *, require_complete: bool = True) -> list[str]:
    """Every problem with the corpus, as 'file:line: message' strings; empty when it is valid."""
    try:
        sheet = load_facts(corpus_dir)
    except CorpusError as exc:
        return exc.problems
    problems: list[str] = list(sheet.drug_problems)
    seen: dict[str, Path] = {}
    for path in document_paths(corpus_dir):
        try:
            doc = parse_document(path)
        except CorpusError as exc:
            problems.extend(exc.problems)
            continue
        if doc.id in seen:
            problems.append(f"{path}:2: id '{doc.id}' is also used by {seen[doc.id]}")
        seen[doc.id] = path
        if path.stem != doc.id:
            problems.append(f"{path}:2: file name should be '{doc.id}.md'")
        problems.extend(_meta_problems(doc, sheet))
        problems.extend(_body_problems(doc, sheet))
        if doc.meta.kind == "drug":
            problems.extend(_drug_problems(doc, sheet))
    if require_complete:
        for source in sheet.sources.values():
            if source.in_corpus and source.id not in seen:
                problems.append(f"{corpus_dir}: no document for source '{source.id}'")
        for regimen in sheet.regimen_ids:
            if regimen not in seen:
                problems.append(f"{corpus_dir}: no document for regimen '{regimen}'")
        for agent in sheet.drugs.values():
            if agent.doc_id not in seen:
                problems.append(
                    f"{corpus_dir}: no document '{agent.doc_id}' for agent '{agent.id}' of {DRUG_FACTS_FILE}"
                )
    return problems


def load_corpus(corpus_dir: Path) -> tuple[FactSheet, list[Document]]:
    """The fact sheet and every document; raises CorpusError listing all problems if any."""
    problems = check_corpus(corpus_dir, require_complete=False)
    if problems:
        raise CorpusError(problems)
    sheet = load_facts(corpus_dir)
    return sheet, [parse_document(p) for p in document_paths(corpus_dir)]
