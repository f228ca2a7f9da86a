# Daily verbs: `make demo`, `make test`, `make lint`, `make bench`.
# Every target bootstraps what it needs into .venv on a fresh machine.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
DEPS := $(VENV)/.deps-installed
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: all venv build test test-rust test-python lint fmt bench bench-compare demo fuzz clean

all: test

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# Test, torch and lint tools; torch (a large CUDA build from PyPI) is cached by pip.
$(DEPS): pyproject.toml | $(PY)
	$(PIP) install -q "maturin>=1.7,<2" "numpy>=1.21" "pytest>=7" "hypothesis>=6" "torch>=2.0" ruff mypy
	touch $(DEPS)

venv: $(DEPS)

# Release build of the extension, installed into .venv in place.
build: $(DEPS)
	$(VENV)/bin/maturin develop --release --quiet

test-rust:
	cargo test --release --quiet

test-python: build
	$(PY) -m pytest tests/python

test: test-rust test-python

fmt:
	cargo fmt --all

lint: $(DEPS) build
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --release -- -D warnings
	$(VENV)/bin/ruff check python tests benches examples
	$(VENV)/bin/mypy python/fastrans
	$(PY) -m mypy.stubtest fastrans._native

bench:
	cargo bench --bench coding

demo: build
	$(PY) -m fastrans demo

clean:
	cargo clean
	rm -rf $(VENV) target dist
