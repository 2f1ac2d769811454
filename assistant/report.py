"""`hcc-assistant eval`: run suites, summarise in Markdown, JSON and a self-contained HTML report."""

from __future__ import annotations

import base64
import html
import io
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .harness import CaseResult, load_suite, run_case
from .pathways import PathwayEngine, RegimenVerdict, Verdict
from .support import check_agreement, check_answer, read_citations

REFUSAL_TAGS = {"refusal", "out-of-scope", "off-pathway", "unsafe", "injection"}


@dataclass
class Metrics:
    """Corpus-level measures over every answer of a run."""

    cases: int = 0
    passed: int = 0
    by_tag: dict[str, list[int]] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    answers: int = 0
    citation_problems: int = 0
    # The independent citation reader (support.read_citations), beside the composer's own check.
    reader_invalid_answers: int = 0
    reader_claims: int = 0
    reader_unsupported: int = 0
    uncited_statements: int = 0
    agreement_problems: int = 0
    replay_mismatches: int = 0
    refusal_tp: int = 0
    refusal_fp: int = 0
    refusal_fn: int = 0
    over_refusals: int = 0
    in_scope_turns: int = 0
    retrieval: dict[str, dict[str, float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else 0.0
        precision = self.refusal_tp / max(1, self.refusal_tp + self.refusal_fp)
        recall = self.refusal_tp / max(1, self.refusal_tp + self.refusal_fn)
        return {
            "cases": self.cases,
            "passed": self.passed,
            "pass_rate": self.passed / max(1, self.cases),
            "by_tag": {t: {"passed": v[0], "cases": v[1], "rate": v[0] / v[1]} for t, v in sorted(self.by_tag.items())},
            "citation_validity": 1 - self.citation_problems / max(1, self.answers),
            "citation_validity_reader": 1 - self.reader_invalid_answers / max(1, self.answers),
            "claims_supported_reader": 1 - self.reader_unsupported / max(1, self.reader_claims),
            "reader_claims": self.reader_claims,
            "uncited_statements": self.uncited_statements,
            "checker_agreement": 1 - self.agreement_problems / max(1, self.answers),
            "replay_determinism": 1 - self.replay_mismatches / max(1, self.cases),
            "refusal_precision": precision,
            "refusal_recall": recall,
            "over_refusal_rate": self.over_refusals / max(1, self.in_scope_turns),
            "latency_ms": {"p50": statistics.median(lat) if lat else 0.0, "p95": p95},
            "retrieval": self.retrieval,
        }


def _stable(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "latency_ms"}


class _NoChecker:
    """Baseline: every regimen the engine knows is 'alternative' (what retrieval alone would allow)."""

    def __init__(self, engine: PathwayEngine) -> None:
        self.file = engine.file
        self.regimens = engine.regimens

    def evaluate(self, profile: Any, regimens: list[str] | None = None) -> Verdict:
        wanted = regimens or [r for r, m in self.file.regimens.items() if m.get("core")]
        options = [RegimenVerdict(r, "alternative", "any", ["baseline without checker"], [], []) for r in wanted]
        return Verdict(options=options, missing=[], trace=[], line=None, conflicts=[])


def apply_baseline(assistant: Any, baseline: str | None) -> None:
    """Weaken the assistant for a comparison run."""
    if baseline in ("dense", "bm25"):
        assistant.kb.default_mode = baseline
    elif baseline == "no-checker":
        assistant.engine = _NoChecker(assistant.engine)


def evaluate(
    assistant: Any, suites: list[Path], tags: list[str], progress: bool = True
) -> tuple[list[CaseResult], Metrics]:
    """Run every (selected) case twice: once for the verdicts, once to check replay."""
    from tqdm import tqdm

    loaded = [load_suite(p) for p in suites]
    cases = [(s.suite, c) for s in loaded for c in s.cases if not tags or set(tags) & set(c.tags)]
    metrics = Metrics()
    results: list[CaseResult] = []
    for suite, case in tqdm(cases, desc="Eval cases", unit="case", disable=not progress):
        result = run_case(assistant, suite, case)
        replay = run_case(assistant, suite, case)
        results.append(result)
        metrics.cases += 1
        metrics.passed += result.passed
        if [_stable(t.answer) for t in result.turns] != [_stable(t.answer) for t in replay.turns]:
            metrics.replay_mismatches += 1
        for tag in case.tags or ["untagged"]:
            entry = metrics.by_tag.setdefault(tag, [0, 0])
            entry[0] += result.passed
            entry[1] += 1
        for turn, spec in zip(result.turns, case.turns, strict=True):
            metrics.answers += 1
            metrics.latencies_ms.append(turn.seconds * 1000)
            metrics.citation_problems += bool(check_answer(turn.answer))
            reading = read_citations(turn.answer)
            metrics.reader_invalid_answers += not reading.valid
            metrics.reader_claims += len(reading.claims)
            metrics.reader_unsupported += len(reading.unsupported)
            metrics.uncited_statements += reading.uncited
            metrics.agreement_problems += bool(check_agreement(turn.answer))
            expected_refusal = spec.expect.kind == "refusal" or spec.expect.refusal_reason is not None
            refused = turn.answer["kind"] == "refusal"
            may_refuse = spec.expect.kind_any is not None and "refusal" in spec.expect.kind_any
            if expected_refusal and refused:
                metrics.refusal_tp += 1
            elif expected_refusal:
                metrics.refusal_fn += 1
            elif refused and not may_refuse:
                metrics.refusal_fp += 1
            if not expected_refusal and not may_refuse:
                metrics.in_scope_turns += 1
                metrics.over_refusals += refused
    return results, metrics


def retrieval_metrics(assistant: Any, path: Path, k: int = 5) -> dict[str, dict[str, float]]:
    """Recall@k and MRR of each retrieval mode on the labelled set."""
    from .evaluation import evaluate_retrieval, load_retrieval_set

    if not path.is_file():
        return {}
    queries = load_retrieval_set(path)
    out = {}
    for mode in ("hybrid", "dense", "bm25"):
        r = evaluate_retrieval(assistant.kb, queries, k=k, mode=mode)
        out[mode] = {"recall_at_k": round(r.recall, 4), "mrr": round(r.mrr, 4), "k": k}
    return out


def markdown(results: list[CaseResult], metrics: Metrics) -> str:
    """The stdout summary: pass rates overall and by tag, then every failed expectation."""
    m = metrics.as_dict()
    lines = [
        f"# Eval: {m['passed']}/{m['cases']} cases passed ({m['pass_rate']:.1%})",
        "",
        "| metric | value |",
        "|---|---|",
        f"| citation validity: composer's token check / independent reader | {m['citation_validity']:.1%} / "
        f"{m['citation_validity_reader']:.1%} |",
        f"| cited claims the independent reader finds supported | {m['claims_supported_reader']:.1%} "
        f"of {m['reader_claims']} |",
        f"| statements said openly without a citation | {m['uncited_statements']} |",
        f"| checker agreement | {m['checker_agreement']:.1%} |",
        f"| replay determinism | {m['replay_determinism']:.1%} |",
        f"| refusal precision / recall | {m['refusal_precision']:.1%} / {m['refusal_recall']:.1%} |",
        f"| over-refusal rate | {m['over_refusal_rate']:.1%} |",
        f"| turn latency p50 / p95 | {m['latency_ms']['p50']:.1f} / {m['latency_ms']['p95']:.1f} ms |",
    ]
    for mode, r in m["retrieval"].items():
        lines.append(f"| retrieval {mode} recall@{r['k']} / MRR | {r['recall_at_k']:.3f} / {r['mrr']:.3f} |")
    lines += ["", "| tag | passed | cases | rate |", "|---|---|---|---|"]
    for tag, v in m["by_tag"].items():
        lines.append(f"| {tag} | {v['passed']} | {v['cases']} | {v['rate']:.0%} |")
    failed = [r for r in results if not r.passed]
    if failed:
        lines += ["", "## Failed cases", ""]
        for r in failed:
            for t in r.turns:
                if t.failures:
                    lines.append(f"- **{r.suite}/{r.case.id}** — {t.user!r}")
                    lines += [f"  - {f}" for f in t.failures]
                    text = " ".join(t.answer["text"].split())[:300]
                    lines.append(f"  - answer ({t.answer['kind']}): {text}")
    return "\n".join(lines)


def _plot_png(metrics: Metrics) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = metrics.as_dict()
    tags = list(m["by_tag"])
    fig, ax = plt.subplots(figsize=(8, max(3, 0.22 * len(tags))))
    ax.barh(tags, [m["by_tag"][t]["rate"] * 100 for t in tags], color="#3b7dd8")
    ax.set_xlim(0, 100)
    ax.set_xlabel("pass rate (%)")
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    first = io.BytesIO()
    fig.savefig(first, format="png", dpi=90)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(metrics.latencies_ms, bins=30, color="#d87b3b")
    ax.set_xlabel("turn latency (ms)")
    ax.set_ylabel("turns")
    fig.tight_layout()
    second = io.BytesIO()
    fig.savefig(second, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(first.getvalue()).decode(), base64.b64encode(second.getvalue()).decode()


def html_report(results: list[CaseResult], metrics: Metrics) -> str:
    """A single HTML file with the plots inlined: opens offline."""
    tags_png, latency_png = _plot_png(metrics)
    summary = html.escape(markdown(results, metrics))
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>HCC assistant eval report</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}
pre{{white-space:pre-wrap;background:#f6f6f6;padding:1em;border-radius:6px;font-size:13px}}
img{{max-width:100%}}</style></head><body>
<h1>HCC assistant eval report</h1>
<h2>Pass rate by tag</h2><img alt="pass rate by tag" src="data:image/png;base64,{tags_png}">
<h2>Turn latency</h2><img alt="latency distribution" src="data:image/png;base64,{latency_png}">
<h2>Summary and failures</h2><pre>{summary}</pre>
</body></html>"""


def run_eval(
    assistant: Any,
    suites: list[Path],
    *,
    json_out: Path | None,
    report_out: Path | None,
    min_pass: float,
    tags: list[str],
    baseline: str | None,
) -> int:
    """The eval command: returns the exit status (1 below `min_pass`)."""
    apply_baseline(assistant, baseline)
    results, metrics = evaluate(assistant, suites, tags)
    metrics.retrieval = retrieval_metrics(assistant, assistant.settings.corpus_dir.parent / "evals" / "retrieval.yaml")
    print(markdown(results, metrics))
    data = metrics.as_dict()
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "metrics": data,
            "baseline": baseline,
            "cases": [
                {
                    "suite": r.suite,
                    "id": r.case.id,
                    "tags": r.case.tags,
                    "passed": r.passed,
                    "turns": [
                        {"user": t.user, "failures": t.failures, "ms": round(t.seconds * 1000, 2), "answer": t.answer}
                        for t in r.turns
                    ],
                }
                for r in results
            ],
        }
        json_out.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
    if report_out:
        report_out.parent.mkdir(parents=True, exist_ok=True)
        report_out.write_text(html_report(results, metrics), encoding="utf-8")
    return 0 if data["pass_rate"] >= min_pass else 1
