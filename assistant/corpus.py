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

DOC_FOLDERS = ("guidelines", "trials", "methods", "regimens", "topics")
SOURCE_KINDS = {"guideline", "trial", "method"}
CITATION_RE = re.compile(r"\[(@[^\]]+)\]")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")


@dataclass(frozen=True)
class Source:
    """A citable source from the fact sheet."""

    id: str
    kind: str
    cite: str
    in_corpus: bool


@dataclass
class FactSheet:
    """The vetted fact sheet (`corpus/facts.yaml`) and what the rest of the code needs from it."""

    path: Path
    raw: dict[str, Any]
    text: str
    sources: dict[str, Source] = field(default_factory=dict)
    regimen_ids: list[str] = field(default_factory=list)
    negative_ids: list[str] = field(default_factory=list)

    @property
    def as_of(self) -> str:
        return str(self.raw.get("as_of", ""))

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
    return sheet


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
            if ident not in sheet.sources:
                problems.append(f"{where}: cites unknown source '{ident}'")
            elif doc.meta.sources and ident not in declared:
                problems.append(f"{where}: cites '{ident}' but front matter 'sources' omits it")
    return problems


def _meta_problems(doc: Document, sheet: FactSheet) -> list[str]:
    problems: list[str] = []
    meta = doc.meta
    where = f"{doc.path}:{1}"
    for ident in meta.sources:
        if ident not in sheet.sources:
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
    problems: list[str] = []
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
    if require_complete:
        for source in sheet.sources.values():
            if source.in_corpus and source.id not in seen:
                problems.append(f"{corpus_dir}: no document for source '{source.id}'")
        for regimen in sheet.regimen_ids:
            if regimen not in seen:
                problems.append(f"{corpus_dir}: no document for regimen '{regimen}'")
    return problems


def load_corpus(corpus_dir: Path) -> tuple[FactSheet, list[Document]]:
    """The fact sheet and every document; raises CorpusError listing all problems if any."""
    problems = check_corpus(corpus_dir, require_complete=False)
    if problems:
        raise CorpusError(problems)
    sheet = load_facts(corpus_dir)
    return sheet, [parse_document(p) for p in document_paths(corpus_dir)]
