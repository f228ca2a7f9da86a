# Daily verbs: `make demo`, `make test`, `make lint`, `make bench`.
# Every target bootstraps what it needs into .venv on a fresh machine.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
DEPS := $(VENV)/.deps-installed
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: all venv build test test-rust test-python lint fmt bench bench-compare demo fuzz package smoke clean

all: test

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# Test, torch and lint tools; torch (a large CUDA build from PyPI) is cached by pip.
$(DEPS): pyproject.toml Makefile | $(PY)
	$(PIP) install -q "maturin>=1.7,<2" "numpy>=1.21" "pytest>=7" "hypothesis>=6" "torch>=2.0" matplotlib ruff mypy
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

# The demo's photograph ships inside scikit-image (it falls back to a generated scene).
DEMO_DEPS := $(VENV)/.demo-deps-installed
$(DEMO_DEPS): | $(DEPS)
	$(PIP) install -q scikit-image
	touch $(DEMO_DEPS)

demo: build $(DEMO_DEPS)
	$(PY) -m fastrans demo

# Fuzz every target for FUZZ_SECONDS (default 60) each; see docs/FUZZING.md.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# Release artefacts: the abi3 wheel and sdist in dist/, and the core crate's .crate file.
package: $(DEPS)
	rm -rf dist
	$(VENV)/bin/maturin build --release --quiet -o dist
	$(VENV)/bin/maturin sdist -o dist
	cargo package -p fastrans --quiet --allow-dirty

# Install the wheel into a clean venv (numpy only) and run the smoke test there.
smoke: package
	rm -rf target/smoke-venv
	$(PYTHON) -m venv target/smoke-venv
	target/smoke-venv/bin/pip install -q dist/fastrans-*.whl
	cd target && smoke-venv/bin/python ../tests/smoke.py

clean:
	cargo clean
	rm -rf $(VENV) target dist
