#!/usr/bin/env bash
# A short fuzzing run for CI: builds the `decide` fuzz target and runs it for $FUZZ_SECONDS
# (default 60) on a corpus seeded from examples/, the conformance vectors and fuzz/regressions/,
# with the dictionary of the contract's keys and punctuation (fuzz/decide.dict).
#
# Skips (exit 0) when no nightly toolchain is installed; installs cargo-fuzz (crates.io) when it
# is missing. Exits non-zero when the fuzzer finds a crash (a panic, a 5xx, a broken answer),
# leaving the reproducer in fuzz/artifacts/decide/. Prints the executions at the end.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${FUZZ_SECONDS:-60}"

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "fuzz-smoke: no nightly toolchain; skipped (rustup toolchain install nightly to run it)"
    exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz-smoke: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

fuzz/seed-corpus.sh
cargo +nightly fuzz build decide

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# One job; -timeout catches a hang as a crash; -print_final_stats gives the executions.
set +e
cargo +nightly fuzz run decide fuzz/corpus/decide -- \
    -dict=fuzz/decide.dict -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    2>&1 | tee "$log" | grep --line-buffered -E '^#[0-9]+ +(INITED|DONE|pulse)|ERROR|panicked|SUMMARY|^stat::'
status="${PIPESTATUS[0]}"
set -e

executions="$(grep -oE 'stat::number_of_executed_units: +[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')"
speed="$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')"
echo "fuzz-smoke: ${executions} executions (time limit ${seconds}s, ${speed} exec/s), exit status ${status}"
if [ "$status" -ne 0 ]; then
    echo "fuzz-smoke: the fuzzer found a crash; the reproducer is in fuzz/artifacts/decide/:" >&2
    ls -1 fuzz/artifacts/decide/ >&2 || true
    tail -n 60 "$log" >&2
    exit 1
fi
