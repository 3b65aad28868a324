#!/usr/bin/env bash
# Attacks the release binary over loopback (scripts/attack.py): silent connections, heads and
# bodies trickled, idle keep-alive connections, a connection flood past the cap, 64 large bodies
# held at once, and the same bodies with the server alone in a 256 MiB memory cgroup (as root,
# with a cgroup v1 or v2 memory controller; skipped with a message otherwise). Prints the
# figures (connections held, time to cut, peak RSS against the budget) and exits 1 when a check
# fails.
#
# Usage: scripts/attack.sh [--quick] [--json FILE]
# Environment: PYTHON (python3). Takes about two minutes after the build.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! cargo build --release --locked --bin prebuild-decider >"$log" 2>&1; then
	tail -20 "$log" >&2
	exit 2
fi
target=${CARGO_TARGET_DIR:-$repo/target}
exec "${PYTHON:-python3}" scripts/attack.py "$target/release/prebuild-decider" "$@"
