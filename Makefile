# Every target creates/refreshes the venv it needs: a fresh clone only runs `make demo` or `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help demo test test-fast lint corpus bench clean e2e-nvim

help:
	@echo "make demo    - create the venv, install, check + run the bundled example kernels"
	@echo "make test    - install test deps and run the test suite (what CI runs)"
	@echo "make lint    - ruff lint + format check, mypy"
	@echo "make corpus  - conformance over ../shared/corpus (slow)"
	@echo "make bench   - print speed figures (bench/)"
	@echo "make e2e-nvim - language server end to end in a real headless Neovim"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/nki-ls --version
	-$(BIN)/nki-ls --check examples/

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

corpus: $(STAMP)
	$(BIN)/python -m pytest -m corpus tests/conformance

e2e-nvim: $(STAMP)
	$(BIN)/python -m pytest tests/e2e/test_neovim.py

bench: $(STAMP)
	$(BIN)/python bench/check_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
