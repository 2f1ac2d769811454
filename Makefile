# Two entry points for a fresh machine: `make run` and `make test`.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# The CPU build of torch must be installed before sentence-transformers pulls a CUDA build.
# Elsewhere: make TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cpu"
TORCH_SPEC ?= torch==2.13.0
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install index run chat test lint typecheck pytest eval bench clean

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

lint: install
	$(BIN)/ruff check assistant tests
	$(BIN)/hcc-assistant corpus check

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

test: lint typecheck pytest

bench: index
	$(BIN)/hcc-assistant bench

clean:
	rm -rf index .pytest_cache .mypy_cache .ruff_cache
