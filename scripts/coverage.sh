#!/usr/bin/env bash
# Line coverage of src/ from the whole test suite (cargo-llvm-cov with Debian's LLVM tools, the
# same major version as rustc's LLVM). Installs what it needs; writes the report outside the repo.
#   scripts/coverage.sh            summary table
#   scripts/coverage.sh --html     also an HTML report (path printed)
set -euo pipefail
cd "$(dirname "$0")/.."

llvm_major=$(rustc --version --verbose | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
llvm_bin=/usr/lib/llvm-${llvm_major}/bin
if [ ! -x "$llvm_bin/llvm-cov" ]; then
  echo "coverage: installing llvm-${llvm_major} (apt) for llvm-cov and llvm-profdata"
  apt-get install -y -q "llvm-${llvm_major}" >/dev/null
fi
if ! cargo llvm-cov --version >/dev/null 2>&1; then
  echo "coverage: installing cargo-llvm-cov"
  cargo install cargo-llvm-cov --locked
fi
export LLVM_COV="$llvm_bin/llvm-cov" LLVM_PROFDATA="$llvm_bin/llvm-profdata"
export CARGO_TARGET_DIR="${COVERAGE_TARGET_DIR:-${TMPDIR:-/tmp}/prebuild-decider-coverage}"

# Only src/ counts: tests, benches and examples are instruments, not the product.
ignore='(^|/)(tests|benches|fuzz|examples)/|/\.cargo/registry/'
cargo llvm-cov --locked --workspace --ignore-filename-regex "$ignore" --summary-only
if [ "${1:-}" = "--html" ]; then
  cargo llvm-cov report --ignore-filename-regex "$ignore" --html
  echo "coverage: HTML report in $CARGO_TARGET_DIR/llvm-cov/html/index.html"
fi
