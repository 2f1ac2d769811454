"""The `hcc-assistant` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from .errors import AssistantError, InputError


def _settings(args: argparse.Namespace) -> Any:
    from .settings import Settings

    return Settings.from_env(
        corpus_dir=Path(args.corpus) if getattr(args, "corpus", None) else None,
        index_dir=Path(args.index) if getattr(args, "index", None) else None,
        chroma_url=getattr(args, "chroma_url", None),
    )


def cmd_corpus_check(args: argparse.Namespace) -> int:
    from .corpus import check_corpus, document_paths

    settings = _settings(args)
    problems = check_corpus(settings.corpus_dir)
    for problem in problems:
        print(problem)
    n = len(document_paths(settings.corpus_dir))
    if problems:
        print(f"{len(problems)} problem(s) in {n} documents under {settings.corpus_dir}")
        return 1
    print(f"corpus OK: {n} documents under {settings.corpus_dir}")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from .knowledge import KnowledgeBase

    settings = _settings(args)
    kb = KnowledgeBase(settings, rebuild=args.rebuild, progress=not args.quiet)
    stats = kb.sync_stats
    where = settings.chroma_url or str(settings.index_dir)
    if stats is None:
        print(f"index up to date: {kb.index.count()} passages from {len(kb.docs)} documents ({where})")
    else:
        what = "rebuilt" if stats.rebuilt else "updated"
        print(
            f"index {what} in {stats.seconds:.1f} s: embedded {stats.chunks_embedded} passages, "
            f"removed {stats.chunks_removed}; {kb.index.count()} passages from "
            f"{len(kb.docs)} documents ({where})"
        )
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from .knowledge import KnowledgeBase

    kb = KnowledgeBase(_settings(args), progress=True)
    hits = kb.search(args.query, args.k, kind=args.kind, source=args.source, mode=args.mode)
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], indent=2, ensure_ascii=False))
        return 0
    if not hits:
        print("no passages found")
    for n, hit in enumerate(hits, start=1):
        c = hit.chunk
        print(f"[{n}] {c.source}  ·  {c.title}  ·  {c.section}  ·  score {hit.score:.4f}")
        text = " ".join(c.text.split())
        print(f"    {text[:400]}{'…' if len(text) > 400 else ''}")
        print()
    return 0


def cmd_retrieval_eval(args: argparse.Namespace) -> int:
    from .evaluation import evaluate_retrieval, load_retrieval_set
    from .knowledge import KnowledgeBase

    kb = KnowledgeBase(_settings(args), progress=True)
    queries = load_retrieval_set(Path(args.file))
    print(f"{len(queries)} labelled queries, k={args.k}")
    print(f"{'mode':<8} {'recall@k':>9} {'MRR':>7}")
    worst = 0.0
    for mode in ("hybrid", "dense", "bm25"):
        result = evaluate_retrieval(kb, queries, k=args.k, mode=mode)
        print(f"{mode:<8} {result.recall:>9.3f} {result.mrr:>7.3f}")
        if mode == "hybrid":
            worst = result.recall
            misses = result.misses
    if args.verbose and misses:
        print("\nhybrid misses:")
        for q, got in misses:
            print(f"- {q.id}: {q.query!r} wanted {q.relevant}, got {got}")
    return 0 if worst >= args.min_recall else 1


def cmd_intent_eval(args: argparse.Namespace) -> int:
    """Intent accuracy of the question frame on a labelled file, and of the classifier on the bank's dev split."""
    import yaml

    from .asking.classifier import Bank, IntentClassifier
    from .asking.names import Names
    from .dialogue import question_reader

    bot = _assistant(args)
    reader = question_reader(bot.kb)
    if reader is None:
        raise InputError(f"{bot.settings.corpus_dir} has no utterance bank (utterances.yaml)")
    corpus = Path(bot.settings.corpus_dir)
    bank = Bank.load(corpus / "utterances.yaml")
    train, dev = bank.split()
    held_in = IntentClassifier(
        train, bot.kb.embedder, model=bot.settings.embedding_model, prepare=Names.from_corpus(corpus).mask
    )
    print(f"bank {len(bank.utterances)} utterances: classifier trained on {len(train.utterances)}, "
          f"dev split ({len(dev.utterances)}): {held_in.accuracy(dev):.1%}")  # fmt: skip
    status = 0
    for path in args.files:
        items = (yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}).get("utterances") or []
        if not items:
            raise InputError(f"{path}: no 'utterances' list")
        misses = [(u, reader.read(u["text"]).intent) for u in items]
        misses = [(u, got) for u, got in misses if got != u["intent"]]
        accuracy = 1 - len(misses) / len(items)
        print(
            f"{path}: {len(items) - len(misses)}/{len(items)} = {accuracy:.1%} (question frame: scope, then classifier)"
        )
        if args.verbose:
            for u, got in misses:
                print(f"- {u['text']!r}: labelled {u['intent']}, read {got}")
        status |= accuracy < args.min_accuracy
    return status


def _assistant(args: argparse.Namespace) -> Any:
    from .api import Assistant

    return Assistant(_settings(args), progress=True)


def _print_answer(answer: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return
    print(answer.text)
    if answer.citations:
        print()
        for c in answer.citations:
            print(f"[{c.n}] {c.source} · {c.title} · {c.section}")


CHAT_HELP = """Commands: /reset (new patient), /profile (facts so far), /sources (passages of the last
answer), /json (last answer as JSON), /help, /quit. Anything else is a question."""


def cmd_chat(args: argparse.Namespace) -> int:
    """Multi-turn terminal chat."""
    bot = _assistant(args)
    chat = bot.session(audience=args.audience)
    last = None
    print("HCC systemic-therapy assistant. " + CHAT_HELP)
    while True:
        try:
            line = input("\n> ").strip()
        except EOFError:
            print()
            return 0
        if line in ("/quit", "/exit"):
            return 0
        if line == "/help":
            print(CHAT_HELP)
        elif line == "/reset":
            chat.reset()
            last = None
            print("New conversation: patient facts cleared.")
        elif line == "/profile":
            print(json.dumps(chat.profile.known(), indent=2) if chat.facts else "No patient facts yet.")
        elif line == "/sources":
            citations: list[Any] = last.citations if last else []
            for c in citations:
                print(f"[{c.n}] {c.citation or c.title} ({c.section})\n    {' '.join(c.quote.split())}\n")
        elif line == "/json":
            print(json.dumps(last.to_dict(), indent=2, ensure_ascii=False) if last else "{}")
        elif line:
            last = chat.ask(line)
            _print_answer(last, False)


def cmd_ask(args: argparse.Namespace) -> int:
    """One question, one answer."""
    bot = _assistant(args)
    answer = bot.session(audience=args.audience).ask(args.message)
    _print_answer(answer, args.json)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """The web chat and the REST API on one port, over worker processes sharing the conversation store."""
    from .serve import serve
    from .serve.app import worker_count

    # The app factory runs in uvicorn and reads its settings from the environment.
    for var, value in (
        ("HCC_CORPUS_DIR", getattr(args, "corpus", None)),
        ("HCC_INDEX_DIR", getattr(args, "index", None)),
        ("HCC_CHROMA_URL", getattr(args, "chroma_url", None)),
        ("HCC_STATE_URL", args.state_url),
        ("HCC_SESSION_TTL", None if args.session_ttl is None else str(args.session_ttl)),
        ("HCC_WORKERS", None if args.workers is None else str(args.workers)),
        ("HCC_AUDIT", "0" if args.no_audit else None),
    ):
        if value is not None:
            os.environ[var] = str(Path(value).resolve()) if var in ("HCC_CORPUS_DIR", "HCC_INDEX_DIR") else value
    settings = _settings(args)
    print(
        f"Serving the web chat and the REST API (docs: /docs) on http://{args.host}:{args.port} with "
        f"{worker_count(settings)} worker(s), conversations in {settings.state_location()} (Ctrl-C stops it)",
        flush=True,
    )
    serve(host=args.host, port=args.port)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """The main job: the web chat."""
    return cmd_serve(args)


def cmd_eval(args: argparse.Namespace) -> int:
    from .report import run_eval

    return run_eval(
        _assistant(args),
        [Path(p) for p in args.suites],
        json_out=Path(args.json) if args.json else None,
        report_out=Path(args.report) if args.report else None,
        min_pass=args.min_pass,
        tags=[t for t in (args.tags or "").split(",") if t],
        baseline=args.baseline,
    )


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import run_benchmarks

    report = run_benchmarks(
        _settings(args),
        repeats=args.repeats,
        web_sessions=args.web_sessions,
        web_turns=args.web_turns,
        workers=args.workers or 0,
    )
    print(report)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (separate so tests and docs can inspect it)."""
    parser = argparse.ArgumentParser(
        prog="hcc-assistant",
        description="Guideline-grounded assistant for systemic therapy of advanced HCC.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", help="corpus folder (default: bundled corpus/)")
    common.add_argument("--index", help="local index folder (default: index/)")
    common.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000")
    sub = parser.add_subparsers(dest="command", required=True)

    corpus = sub.add_parser("corpus", help="corpus tools")
    corpus_sub = corpus.add_subparsers(dest="corpus_command", required=True)
    check = corpus_sub.add_parser("check", parents=[common], help="validate every document")
    check.set_defaults(func=cmd_corpus_check)

    index = sub.add_parser("index", parents=[common], help="build or update the vector index")
    index.add_argument("--rebuild", action="store_true", help="re-embed everything")
    index.add_argument("--quiet", action="store_true", help="no progress bar")
    index.set_defaults(func=cmd_index)

    search = sub.add_parser("search", parents=[common], help="show the best passages for a query")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    search.add_argument("--kind", choices=["guideline", "trial", "regimen", "method", "topic"])
    search.add_argument("--source", help="only passages of this source or document id")
    search.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.set_defaults(func=cmd_search)

    reval = sub.add_parser("retrieval-eval", parents=[common], help="recall@k and MRR on a labelled query set")
    reval.add_argument("--file", default="evals/retrieval.yaml")
    reval.add_argument("-k", type=int, default=5)
    reval.add_argument("--min-recall", type=float, default=0.0)
    reval.add_argument("-v", "--verbose", action="store_true", help="list hybrid misses")
    reval.set_defaults(func=cmd_retrieval_eval)

    ieval = sub.add_parser("intent-eval", parents=[common], help="intent accuracy on labelled utterance files")
    ieval.add_argument("files", nargs="*", default=["evals/heldout/utterances.yaml"])
    ieval.add_argument("--min-accuracy", type=float, default=0.0)
    ieval.add_argument("-v", "--verbose", action="store_true", help="list the misreadings")
    ieval.set_defaults(func=cmd_intent_eval)

    web = argparse.ArgumentParser(add_help=False)
    web.add_argument("--host", default=os.environ.get("HCC_HOST", "127.0.0.1"), help="default 127.0.0.1 (HCC_HOST)")
    web.add_argument(
        "--port", type=int, default=int(os.environ.get("HCC_PORT", "7860")), help="default 7860 (HCC_PORT)"
    )
    web.add_argument("--no-audit", action="store_true", help="do not write the local audit log")
    web.add_argument("--workers", type=int, help="worker processes (default: HCC_WORKERS, else the core count)")
    web.add_argument("--state-url", help="conversation store: sqlite:///file or redis://host:port/0 (HCC_STATE_URL)")
    web.add_argument("--session-ttl", type=int, help="seconds idle before a conversation expires (HCC_SESSION_TTL)")
    run = sub.add_parser("run", parents=[common, web], help="start the main job (the web chat)")
    run.set_defaults(func=cmd_run)
    serve = sub.add_parser("serve", parents=[common, web], help="serve the web chat")
    serve.set_defaults(func=cmd_serve)

    chat = sub.add_parser("chat", parents=[common], help="multi-turn chat in the terminal")
    chat.add_argument("--audience", choices=["clinician", "patient"], default="clinician")
    chat.set_defaults(func=cmd_chat)

    ask = sub.add_parser("ask", parents=[common], help="ask one question")
    ask.add_argument("message")
    ask.add_argument("--audience", choices=["clinician", "patient"], default="clinician")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.set_defaults(func=cmd_ask)

    ev = sub.add_parser("eval", parents=[common], help="run eval suites through the public API")
    ev.add_argument("suites", nargs="+", help="suite YAML files")
    ev.add_argument("--json", help="write machine-readable results here")
    ev.add_argument("--report", help="write a self-contained HTML report here")
    ev.add_argument("--min-pass", type=float, default=0.0, help="exit 1 below this pass rate (0-1)")
    ev.add_argument("--tags", help="only cases with one of these tags (comma-separated)")
    ev.add_argument("--baseline", choices=["dense", "bm25", "no-checker"], help="compare a weakened setup")
    ev.set_defaults(func=cmd_eval)

    bench = sub.add_parser("bench", parents=[common], help="measure build and query speed")
    bench.add_argument("--repeats", type=int, default=50)
    bench.add_argument(
        "--web-sessions", type=int, default=50, help="concurrent conversations against `serve` (0 skips)"
    )
    bench.add_argument("--web-turns", type=int, default=10, help="turns per web session")
    bench.add_argument("--workers", type=int, help="worker processes of the served app (default: the core count)")
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; errors become one clear sentence and exit status 2."""
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
        return result
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
