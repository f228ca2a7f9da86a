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
	bench-venv demo example-dask fuzz fuzz-smoke package smoke clean test-compressai

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
	@free=$$(df -Pk $(VENV) | awk 'NR==2 {print int($$4 / 1048576)}'); \
	if [ "$$free" -lt 10 ]; then \
		echo "warning: $$free GiB free beside $(VENV); torch and its CUDA libraries need about 10 GiB while installing"; \
	fi
	$(PIP) install --progress-bar on "torch>=2.0"
	touch $(DEPS)

venv: $(DEPS)

$(BUILD_CHECKED): $(RUST_SOURCES) | $(DEPS)
	$(call say,building the extension (profile checked: about 2-3 min cold on 2 cores; seconds after a change))
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

# A separate venv for comparisons with CompressAI 1.2.8 (which pins numpy < 2) and
# constriction, holding fastrans' release wheel: benches/python/bench_w1_interleaved.py.
BENCH_VENV := .venv-bench
bench-venv: package
	$(call say,creating $(BENCH_VENV) with CompressAI 1.2.8 and constriction and the fastrans wheel)
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q compressai==1.2.8 constriction
	$(BENCH_VENV)/bin/pip install -q --force-reinstall --no-deps dist/fastrans-*.whl
	@echo "run: $(BENCH_VENV)/bin/python benches/python/bench_w1_interleaved.py"

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

# The scale-out example on a distributed engine (Dask's LocalCluster, installed into .venv).
example-dask: build
	$(call say,installing dask[distributed] and running examples/scale_out.py --engine dask)
	$(PIP) install -q "dask[distributed]"
	$(PY) examples/scale_out.py --engine dask

# Fuzz every target for FUZZ_SECONDS (default 60) each; see docs/FUZZING.md.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# CI's short run: every target for FUZZ_SMOKE_SECONDS (default 20: 8 targets, 160 s of
# fuzzing), after cargo-fuzz is installed (once, about 2 min) and the targets built (about
# 3-5 min cold on 2 cores). Fails on any crash, leak, timeout or oversized allocation.
FUZZ_SMOKE_SECONDS ?= 20
fuzz-smoke:
	$(call say,fuzz smoke: every target for $(FUZZ_SMOKE_SECONDS) s (2-3 min, plus the fuzz build the first time))
	FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) scripts/fuzz.sh

# Release artefacts: the abi3 wheel and sdist in dist/, and the core crate's .crate file.
# The wheel links against glibc 2.17 (manylinux2014) through zig's linker, so it installs
# on older Linux too (CentOS 7, Ubuntu 18.04).
ZIG := $(VENV)/.ziglang-installed
$(ZIG): | $(DEPS)
	$(PIP) install -q "ziglang>=0.13"
	touch $@

package: $(DEPS) $(ZIG)
	$(call say,building the release wheel (manylinux2014) and the sdist and crate (fat LTO: about 6-10 min cold))
	rm -rf dist
	$(VENV)/bin/maturin build --release --quiet --zig --compatibility manylinux2014 -o dist
	$(VENV)/bin/maturin sdist -o dist
	cargo package -p fastrans --quiet --allow-dirty

# Install the wheel into a clean venv (numpy only) and run the smoke test there.
smoke: package
	$(call say,installing the wheel into a clean venv and smoke-testing it)
	rm -rf target/smoke-venv
	$(PYTHON) -m venv target/smoke-venv
	@ls dist/fastrans-*.whl | grep -q 'manylinux_2_17' \
		|| { echo "the wheel is not manylinux_2_17 (glibc 2.17): $$(ls dist/*.whl)"; exit 1; }
	target/smoke-venv/bin/pip install -q dist/fastrans-*.whl
	cd target && smoke-venv/bin/python ../tests/smoke.py

# CompressAI 1.2.8's own tests (entropy models, models, coder) with fastrans registered and
# with fastrans' classes substituted, beside a baseline run; in a venv of its own
# (CompressAI pins numpy < 2). Run by hand, not in CI; see scripts/test_compressai.py.
CAI_VENV := .venv-compressai
CAI_SRC := $(CAI_VENV)/src/compressai-1.2.8
$(CAI_VENV)/.installed:
	$(call say,creating $(CAI_VENV) with CompressAI 1.2.8 (torch from pip's cache: 3-6 min))
	$(PYTHON) -m venv $(CAI_VENV)
	$(CAI_VENV)/bin/pip install -q --upgrade pip
	$(CAI_VENV)/bin/pip install -q "compressai==1.2.8" pytest
	touch $@

$(CAI_SRC)/tests: | $(CAI_VENV)/.installed
	$(call say,fetching CompressAI 1.2.8's source release for its tests)
	mkdir -p $(CAI_VENV)/src
	cd $(CAI_VENV)/src && ../bin/pip download -q --no-deps --no-binary :all: \
		--no-build-isolation compressai==1.2.8 && tar xzf compressai-1.2.8.tar.gz

test-compressai: build $(CAI_SRC)/tests
	$(call say,CompressAI's tests three ways and checkpoints both ways (about 5 min))
	PYTHONPATH=$(abspath python) $(CAI_VENV)/bin/python scripts/test_compressai.py $(CAI_SRC)

clean:
	cargo clean
	rm -rf $(VENV) target dist
