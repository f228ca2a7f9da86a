#!/usr/bin/env bash
# Run every cargo-fuzz target (or the ones named) for FUZZ_SECONDS each (default 60),
# starting from the committed seeds in fuzz/seeds/<target>/ and growing the (ignored)
# corpus in fuzz/corpus/<target>/. Crashes land in fuzz/artifacts/<target>/ and make the
# script fail. See docs/FUZZING.md.
#
#   scripts/fuzz.sh                      # all targets, 60 s each
#   FUZZ_SECONDS=240 scripts/fuzz.sh fastrans_stream
#
# Only a stable toolchain is needed: RUSTC_BOOTSTRAP=1 lets it accept cargo-fuzz's
# nightly flags (-Zsanitizer=address, sanitizer coverage).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
export RUSTC_BOOTSTRAP=1
# cargo-fuzz from crates.io on a fresh machine (about 2 min; ~/.cargo/bin must be on PATH).
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz from crates.io (once)"
    cargo install --locked cargo-fuzz
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi

# Release build with debug assertions, overflow checks and AddressSanitizer (the defaults).
cargo fuzz build

status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    log="$(mktemp)"
    echo "== $t: ${FUZZ_SECONDS}s"
    # -malloc_limit_mb: no target legitimately allocates 64 MiB at once, so a larger
    # allocation is a size taken from the input unchecked. -timeout: a hang is a bug.
    if ! cargo fuzz run "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$FUZZ_SECONDS" -malloc_limit_mb=64 -rss_limit_mb=2048 \
        -timeout=10 -max_len=4096 -print_final_stats=1 >"$log" 2>&1; then
        status=1
        tail -n 60 "$log"
        echo "== $t: FAILED (reproducer in fuzz/artifacts/$t/)"
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|^#[0-9]+.*DONE" "$log" || true
    grep -E "^#[0-9]+" "$log" | tail -n 1 || true
    rm -f "$log"
done
exit $status
