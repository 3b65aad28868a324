#!/usr/bin/env bash
# Instructions per request of the main call, counted by callgrind: the service, the transport
# floor and the typed ceiling (benches/peers/), same body as benches/http.sh, and the ratios.
#
#   benches/instructions.sh
#
# Why beside http.sh: an instruction count barely moves with what else the shared machine runs,
# where req/s moves by a quarter. Measured spread over three runs of one commit: the peers within
# 0.2%, the service within about 4% (its per-request timeout and the metrics upkeep run by the
# clock, and under callgrind the clock runs slow), so judge a smaller change on the mean of a
# few runs. It is not time (cache misses and syscalls count as one instruction each, the kernel
# not at all), so http.sh stays the measure of throughput; this one is for deciding whether a
# change paid.
#
# Each server runs under callgrind, pinned to SERVER_CPU as in http.sh (so the runtime has one
# worker thread), twice: answering LIGHT then HEAVY keep-alive requests from one client; the
# difference divided by HEAVY - LIGHT is the user-space instructions of one request, start-up
# and shutdown cancelled out. Settings (environment): LIGHT=500 HEAVY=2500 SERVER_CPU=1.
# Needs cargo, python3, curl; installs valgrind with apt if it is missing. Writes nothing into
# the repo.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
LIGHT=${LIGHT:-500}
HEAVY=${HEAVY:-2500}
SERVER_CPU=${SERVER_CPU:-1}
target=${CARGO_TARGET_DIR:-$repo/target}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { printf '%s\n' "$*"; }
die() {
	printf 'instructions.sh: %s\n' "$*" >&2
	exit 1
}

if ! command -v valgrind >/dev/null; then
	say "# installing valgrind with apt"
	(apt-get update -qq && apt-get install -y -qq valgrind) >"$tmp/apt.log" 2>&1 ||
		die "could not install valgrind: $(tail -3 "$tmp/apt.log")"
fi
say "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || echo ' (src modified)')"
say "# building the release binary and the peer examples"
cargo build --release --locked --bin prebuild-decider --examples >"$tmp/build.log" 2>&1 ||
	die "cargo build failed: $(tail -20 "$tmp/build.log")"

# One keep-alive client posting the body N times; every answer must be a 200.
cat >"$tmp/client.py" <<'EOF'
import http.client, sys
port, n, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
body = open(path, "rb").read()
connection = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(n):
    connection.request("POST", "/v1/presets/reconcile", body, {"Content-Type": "application/json"})
    answer = connection.getresponse()
    answer.read()
    if answer.status != 200:
        sys.exit(f"answered {answer.status}")
EOF

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Total instructions of one server run answering $2 requests.
count() {
	local binary=$1 requests=$2 port
	port=$(free_port)
	local out="$tmp/callgrind.$requests"
	taskset -c "$SERVER_CPU" valgrind --tool=callgrind --callgrind-out-file="$out" "$binary" --listen "127.0.0.1:$port" \
		>"$tmp/server.log" 2>&1 &
	local pid=$!
	for _ in $(seq 300); do
		curl -s -o /dev/null -X POST "http://127.0.0.1:$port/" && break
		sleep 0.1
	done
	python3 "$tmp/client.py" "$port" "$requests" benches/body.json || die "client failed: $(tail -3 "$tmp/server.log")"
	kill -INT "$pid" 2>/dev/null || true
	sleep 1
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/server.log" | tail -1
}

declare -A per_request
say "# callgrind, ${LIGHT} then ${HEAVY} requests per server; user-space instructions per request"
for name in service typed-ceiling transport-floor; do
	case $name in
	service) binary=$target/release/prebuild-decider ;;
	*) binary=$target/release/examples/$name ;;
	esac
	light=$(count "$binary" "$LIGHT")
	heavy=$(count "$binary" "$HEAVY")
	[ -n "$light" ] && [ -n "$heavy" ] || die "no count for $name: $(tail -3 "$tmp/server.log")"
	per_request[$name]=$(((heavy - light) / (HEAVY - LIGHT)))
	printf '%-16s %9d instructions/request\n' "$name" "${per_request[$name]}"
done
service=${per_request[service]}
awk -v s="$service" -v c="${per_request[typed-ceiling]}" -v f="${per_request[transport-floor]}" 'BEGIN {
	printf "service / typed-ceiling   %.2f (below 1: fewer instructions than a bare typed parse)\n", s / c
	printf "service / transport-floor %.2f (the floor reads the body and answers a fixed reply)\n", s / f
}'
