# Daily verbs: `make demo`, `make test`, `make lint`, `make bench`.
# Every target bootstraps what it needs into .venv on a fresh machine, says what it is
# doing and how long that takes, and does nothing when nothing changed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
DEPS := $(VENV)/.deps-installed
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(abspath $(VENV))/bin:$(PATH)

# Everything the native extension is built from: a change to any of these rebuilds it.
RUST_SOURCES := $(shell find rust -name '*.rs') Cargo.toml Cargo.lock rust/py/Cargo.toml pyproject.toml
# The extension installed into .venv, one stamp per profile (tests use `checked`; the demo
# and benchmarks `release`).
BUILD_CHECKED := $(VENV)/.build-checked
BUILD_RELEASE := $(VENV)/.build-release

say = @printf '\n==> %s\n' "$(1)"

.PHONY: all venv build build-release test test-rust test-python lint fmt bench \
	demo fuzz fuzz-smoke package smoke clean

all: test

$(PY):
	$(call say,creating .venv with $(PYTHON))
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# Test, torch and lint tools. torch from PyPI is a CUDA build of about 3 GB.
$(DEPS): pyproject.toml | $(PY)
	$(call say,installing numpy / pytest / hypothesis / ruff / mypy (under a minute))
	$(PIP) install -q "maturin>=1.7,<2" "numpy>=1.21" "pytest>=7" "hypothesis>=6" matplotlib ruff mypy
	$(call say,installing torch (a ~3 GB download the first time: 2-6 min; later from pip's cache))
	$(PIP) install --progress-bar on "torch>=2.0"
	touch $(DEPS)

venv: $(DEPS)

$(BUILD_CHECKED): $(RUST_SOURCES) | $(DEPS)
	$(call say,building the extension (profile checked: about 2-3 min cold on 2 cores, seconds after a change))
	$(VENV)/bin/maturin develop --profile checked
	rm -f $(BUILD_RELEASE)
	touch $@

$(BUILD_RELEASE): $(RUST_SOURCES) | $(DEPS)
	$(call say,building the release extension (fat LTO: about 6-10 min cold on 2 cores))
	$(VENV)/bin/maturin develop --release
	rm -f $(BUILD_CHECKED)
	touch $@

# The extension as the tests use it (optimised, overflow checks on).
build: $(BUILD_CHECKED)

# The extension as users get it from a wheel, for the demo and benchmarks.
build-release: $(BUILD_RELEASE)

test-rust:
	$(call say,building the Rust tests (profile checked: about 3-5 min cold on 2 cores))
	cargo test --profile checked --no-run
	$(call say,running the Rust tests (about a minute))
	cargo test --profile checked --quiet

test-python: build
	$(call say,running the Python tests (about 2 min))
	$(PY) -m pytest tests/python

test: test-rust test-python

fmt:
	cargo fmt --all

lint: build
	$(call say,lint: cargo fmt / clippy / ruff / mypy / stubtest)
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --profile checked -- -D warnings
	$(VENV)/bin/ruff check python tests benches examples
	$(VENV)/bin/mypy python/fastrans
	$(PY) -m mypy.stubtest fastrans._native

bench:
	cargo bench --bench coding

# The demo's photograph ships inside scikit-image (it falls back to a generated scene);
# Pillow gives the JPEG it is compared with.
DEMO_DEPS := $(VENV)/.demo-deps-installed
$(DEMO_DEPS): | $(DEPS)
	$(call say,installing scikit-image and Pillow for the demo (under a minute))
	$(PIP) install -q scikit-image Pillow
	touch $(DEMO_DEPS)

demo: build-release $(DEMO_DEPS)
	$(call say,running python -m fastrans demo (about a minute: it trains a small codec))
	$(PY) -m fastrans demo

# Fuzz every target for FUZZ_SECONDS (default 60) each; see docs/FUZZING.md.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# CI's short run: every target for FUZZ_SMOKE_SECONDS (default 20: 7 targets, 140 s of
# fuzzing), after cargo-fuzz is installed (once, about 2 min) and the targets built (about
# 3-5 min cold on 2 cores). Fails on any crash, leak, timeout or oversized allocation.
FUZZ_SMOKE_SECONDS ?= 20
fuzz-smoke:
	$(call say,fuzz smoke: every target for $(FUZZ_SMOKE_SECONDS) s (2-3 min, plus the fuzz build the first time))
	FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) scripts/fuzz.sh

# Release artefacts: the abi3 wheel and sdist in dist/, and the core crate's .crate file.
package: $(DEPS)
	$(call say,building the release wheel, sdist and crate (fat LTO: about 6-10 min cold))
	rm -rf dist
	$(VENV)/bin/maturin build --release --quiet -o dist
	$(VENV)/bin/maturin sdist -o dist
	cargo package -p fastrans --quiet --allow-dirty

# Install the wheel into a clean venv (numpy only) and run the smoke test there.
smoke: package
	$(call say,installing the wheel into a clean venv and smoke-testing it)
	rm -rf target/smoke-venv
	$(PYTHON) -m venv target/smoke-venv
	target/smoke-venv/bin/pip install -q dist/fastrans-*.whl
	cd target && smoke-venv/bin/python ../tests/smoke.py

clean:
	cargo clean
	rm -rf $(VENV) target dist
