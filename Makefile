# Two entry points for a fresh machine: `make run` and `make test`.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# The CPU build of torch must be installed before sentence-transformers pulls a CUDA build.
# Elsewhere: make TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cpu" test
TORCH_SPEC ?= torch==2.13.0
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install index run chat test lint typecheck pytest pytest-server browser-deps redis-deps eval eval-language bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(TORCH_SPEC)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

index: install
	$(BIN)/hcc-assistant index

run: index
	$(BIN)/hcc-assistant run

chat: index
	$(BIN)/hcc-assistant chat

# The browser test drives Debian's chromium (never a downloaded browser).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "The browser test needs Debian's chromium: sudo apt-get install chromium chromium-driver"; exit 1; fi; }

# The store and replica tests run against Debian's redis-server on loopback (started by the tests).
redis-deps:
	@command -v redis-server >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; \
	  else echo "The store tests need Debian's redis-server: sudo apt-get install redis-server"; exit 1; fi; }

lint: install
	$(BIN)/ruff check assistant tests
	$(BIN)/hcc-assistant corpus check

typecheck: install
	$(BIN)/mypy

# The browser test's screenshots go to a temporary folder, so a test run never changes tracked files;
# `make screenshots` refreshes the ones the README shows.
pytest: install browser-deps redis-deps
	HCC_SCREENSHOTS=$${HCC_SCREENSHOTS:-$$(mktemp -d)} scripts/with-redis.sh $(BIN)/pytest

screenshots: install browser-deps redis-deps
	HCC_SCREENSHOTS=docs/screenshots scripts/with-redis.sh $(BIN)/pytest -q tests/test_web.py -k browser

# Retrieval and conversation again, against a Chroma server (the scale-out configuration).
pytest-server: install
	scripts/with-chroma.sh $(BIN)/pytest -q tests/test_retrieval.py tests/test_assistant.py

test: lint typecheck pytest pytest-server

eval: index
	$(BIN)/hcc-assistant eval evals/suites/*.yaml --min-pass 0.95 \
	  --json evals/reports/latest.json --report evals/reports/latest.html > evals/reports/latest-summary.md; \
	  status=$$?; cat evals/reports/latest-summary.md; exit $$status

# The language layer, development and held-out figures side by side (reported, not a gate: the held-out
# files are measured, never tuned on). Writes evals/reports/language-summary.md.
LANG_REPORT := evals/reports/language-summary.md
eval-language: index
	@{ echo "# Language layer: development and held-out figures"; echo; \
	  echo "## Fact reading: development (second author, evals/dev/reading-dev.yaml)"; \
	  $(BIN)/hcc-assistant eval evals/dev/reading-dev.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: development, set B (second author, evals/dev/reading-dev-b.yaml)"; \
	  $(BIN)/hcc-assistant eval evals/dev/reading-dev-b.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: development, set C (third author, evals/dev/reading-dev-c.yaml)"; \
	  $(BIN)/hcc-assistant eval evals/dev/reading-dev-c.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: development, set D (fourth author, evals/dev/reading-dev-d.yaml)"; \
	  $(BIN)/hcc-assistant eval evals/dev/reading-dev-d.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: development, set E (fifth author, evals/dev/reading-dev-e.yaml)"; \
	  $(BIN)/hcc-assistant eval evals/dev/reading-dev-e.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: development, set F (sixth author, evals/dev/reading-dev-f.yaml)"; \
	  $(BIN)/hcc-assistant eval evals/dev/reading-dev-f.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: development, set G (evals/dev/reading-dev-g.yaml, delivered after the sixth session's changes)"; \
	  $(BIN)/hcc-assistant eval evals/dev/reading-dev-g.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: development, set H (ninth author, evals/dev/reading-dev-h.yaml)"; \
	  $(BIN)/hcc-assistant eval evals/dev/reading-dev-h.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: held-out (evals/heldout/reading.yaml, written before the code)"; \
	  $(BIN)/hcc-assistant eval evals/heldout/reading.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: held-out, set B (evals/heldout/reading-b.yaml, written before the changes of 2026-12-04)"; \
	  $(BIN)/hcc-assistant eval evals/heldout/reading-b.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: held-out, set C (evals/heldout/reading-c.yaml, written before the set-C changes)"; \
	  $(BIN)/hcc-assistant eval evals/heldout/reading-c.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: held-out, set D (evals/heldout/reading-d.yaml, written before the set-D and set-E changes)"; \
	  $(BIN)/hcc-assistant eval evals/heldout/reading-d.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: held-out, set E (evals/heldout/reading-e.yaml, written before the fifth session's changes)"; \
	  $(BIN)/hcc-assistant eval evals/heldout/reading-e.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: held-out, set F (evals/heldout/reading-f.yaml, written at the start of the sixth session)"; \
	  $(BIN)/hcc-assistant eval evals/heldout/reading-f.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: held-out, set G (evals/heldout/reading-g.yaml, written at the start of the seventh session)"; \
	  $(BIN)/hcc-assistant eval evals/heldout/reading-g.yaml 2>/dev/null | head -1; echo; \
	  echo "## Fact reading: extraction cases (tests/data/extraction_cases.yaml, development)"; \
	  $(BIN)/pytest -q -p no:cacheprovider tests/test_extraction.py 2>/dev/null | tail -1; echo; \
	  echo "## Intents (question frame)"; echo '```'; \
	  $(BIN)/hcc-assistant intent-eval evals/heldout/utterances.yaml 2>/dev/null; echo '```'; echo; \
	  echo "## Answer types: development (second author, evals/dev/answers-dev.yaml)"; \
	  $(BIN)/hcc-assistant eval evals/dev/answers-dev.yaml 2>/dev/null | head -1; echo; \
	  echo "## Answer types: held-out (evals/heldout/answers*.yaml, written by an author barred from the code)"; \
	  if ls evals/heldout/answers*.yaml >/dev/null 2>&1; then \
	    $(BIN)/hcc-assistant eval evals/heldout/answers*.yaml 2>/dev/null | head -1; \
	  else echo "(no held-out answer-type file yet)"; fi; echo; \
	  echo "## Drug information, set B: development (third author, evals/dev/druginfo-dev-b.yaml)"; \
	  $(BIN)/hcc-assistant eval evals/dev/druginfo-dev-b.yaml 2>/dev/null | head -1; echo; \
	  echo "## Drug information, set B: held-out (evals/heldout/druginfo-b.yaml, written before the set-B changes)"; \
	  $(BIN)/hcc-assistant eval evals/heldout/druginfo-b.yaml 2>/dev/null | head -1; echo; \
	  echo "## Drug information, set C: development (fourth author, evals/dev/druginfo-dev-c.yaml)"; \
	  $(BIN)/hcc-assistant eval evals/dev/druginfo-dev-c.yaml 2>/dev/null | head -1; echo; \
	  echo "## Drug information, set C: held-out (evals/heldout/druginfo-c.yaml, written after the set-B changes)"; \
	  $(BIN)/hcc-assistant eval evals/heldout/druginfo-c.yaml 2>/dev/null | head -1; echo; \
	  echo "## Drug information, set D: development (evals/dev/druginfo-dev-d.yaml)"; \
	  $(BIN)/hcc-assistant eval evals/dev/druginfo-dev-d.yaml 2>/dev/null | head -1; echo; \
	  echo "## Drug information, set D: held-out (evals/heldout/druginfo-d.yaml, written before the fifth session's changes)"; \
	  $(BIN)/hcc-assistant eval evals/heldout/druginfo-d.yaml 2>/dev/null | head -1; echo; \
	  echo "## Drug information, set E: development (evals/dev/druginfo-dev-e.yaml)"; \
	  $(BIN)/hcc-assistant eval evals/dev/druginfo-dev-e.yaml 2>/dev/null | head -1; \
	  if [ -f evals/heldout/druginfo-e.yaml ]; then echo; \
	    echo "## Drug information, set E: held-out (evals/heldout/druginfo-e.yaml, written at the start of the sixth session)"; \
	    $(BIN)/hcc-assistant eval evals/heldout/druginfo-e.yaml 2>/dev/null | head -1; fi; echo; \
	  echo "## Drug information, set F: held-out (evals/heldout/druginfo-f.yaml, written at the start of the seventh session)"; \
	  $(BIN)/hcc-assistant eval evals/heldout/druginfo-f.yaml 2>/dev/null | head -1; } > $(LANG_REPORT); \
	  cat $(LANG_REPORT)

bench: index
	$(BIN)/hcc-assistant bench

clean:
	rm -rf index .pytest_cache .mypy_cache .ruff_cache
