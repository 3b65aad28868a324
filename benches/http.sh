#!/usr/bin/env bash
# HTTP benchmark of the main call, side by side with its floor, its ceiling and the Go peer.
#
#   benches/http.sh            POST /v1/presets/reconcile, benches/body.json (one active preset,
#                              10 running prebuilds, every Coder column, 3.6 KB), 32 connections:
#                              the service (default settings: logs, metrics, middleware on), the
#                              service with logging off (service-quiet: RUST_LOG=off), the
#                              transport floor and the typed ceiling (examples in benches/peers/),
#                              and the seed served by Go (go-peer, fed benches/body-go.json)
#   benches/http.sh global     POST /v1/global/reconcile on the service alone, 100, 1,000 and
#                              10,000 presets x 10 running: time per request and per row, peak
#                              RSS against the body size
#
# Each server runs alone, pinned to CPU $SERVER_CPU (1); wrk is pinned to CPU $LOAD_CPU (0), so
# a server's CPU time is its own. Every run starts a fresh server, warms it up, then measures:
# requests/s and p50/p99 (wrk --latency), the server's CPU per request (utime+stime from
# /proc/PID/stat, before and after) and its peak RSS (VmHWM). Servers alternate over the rounds,
# in an order rotated each round; the summary gives per-server medians and ratios of medians.
# "busy" is the server's CPU time over the run's wall time: well under 100% means the server
# was not the bottleneck (wrk was, or other processes took CPU 1), so read its req/s with care;
# CPU us per request holds up better on a shared machine.
#
# Settings (environment): ROUNDS=5 DURATION=10s WARMUP=3s CONNECTIONS=32 SERVER_CPU=1
# LOAD_CPU=0; global mode: GLOBAL_SIZES="100 1000 10000" GLOBAL_DURATION=10s; GO_PEER_DIR
# (/tmp/oracle-bin, where tests/seed-oracle/oracle/build.sh puts the Go peer), SKIP_GO=1 to
# leave the Go peer out. Needs cargo, python3, curl, taskset; installs wrk with apt if it is
# missing. Prints to stdout only; writes nothing into the repo (scratch files go to a temp dir).
set -euo pipefail

mode=${1:-preset}
case $mode in
preset | global) ;;
*)
	echo "usage: $0 [preset|global]" >&2
	exit 2
	;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-32}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
GLOBAL_SIZES=${GLOBAL_SIZES:-100 1000 10000}
GLOBAL_DURATION=${GLOBAL_DURATION:-10s}
# The Go peer's sources: the seed and its oracle, in the repository.
oracle_dir=$repo/tests/seed-oracle/oracle
GO_PEER_DIR=${GO_PEER_DIR:-/tmp/oracle-bin}
target=${CARGO_TARGET_DIR:-$repo/target}
clk_tck=$(getconf CLK_TCK)

tmp=$(mktemp -d)
server_pid=
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*"; }
die() {
	printf 'http.sh: %s\n' "$*" >&2
	exit 1
}

# ---- the machine ---------------------------------------------------------------------------
cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
say "# machine: $(nproc) CPUs ($(nproc --all) online), ${cpu_model:-unknown CPU}, kernel $(uname -sr)"
say "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
say "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || echo ' (src modified)')"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs: one for the server, one for wrk"
for tool in cargo python3 curl taskset; do
	command -v "$tool" >/dev/null || die "$tool is missing"
done
if ! command -v wrk >/dev/null; then
	say "# installing wrk with apt"
	(apt-get update -qq && apt-get install -y -qq wrk) >"$tmp/apt.log" 2>&1 ||
		die "could not install wrk: $(tail -3 "$tmp/apt.log")"
fi

# ---- builds --------------------------------------------------------------------------------
say "# building the release binary and the peer examples"
cargo build --release --locked --bin prebuild-decider >"$tmp/build.log" 2>&1 ||
	die "cargo build failed: $(tail -20 "$tmp/build.log")"
service_bin=$target/release/prebuild-decider
servers=(service)
if [ "$mode" = preset ]; then
	cargo build --release --locked --examples >"$tmp/build.log" 2>&1 ||
		die "cargo build --examples failed: $(tail -20 "$tmp/build.log")"
	# service-quiet: the service with logging off (RUST_LOG=off), to show what logging at the
	# default level costs the main call.
	servers+=(service-quiet typed-ceiling transport-floor)
	if [ "${SKIP_GO:-0}" = 1 ]; then
		say "# SKIP_GO=1: no Go peer"
	elif [ -f "$oracle_dir/build.sh" ] &&
		OUT_DIR=$GO_PEER_DIR bash "$oracle_dir/build.sh" >"$tmp/go-build.log" 2>&1 &&
		[ -x "$GO_PEER_DIR/go-peer" ]; then
		servers+=(go-peer)
	else
		say "# WARNING: the Go peer could not be built; measuring without it: $(tail -3 "$tmp/go-build.log" 2>/dev/null)"
	fi
fi

# ---- helpers -------------------------------------------------------------------------------
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts server $1 on a free port, pinned, with extra arguments "${@:2}" for the service; sets
# server_pid and port, and returns once it answers.
start_server() {
	local name=$1
	shift
	port=$(free_port)
	local address=127.0.0.1:$port
	local argv
	case $name in
	service) argv=("$service_bin" serve --listen "$address" "$@") ;;
	service-quiet) argv=(env RUST_LOG=off "$service_bin" serve --listen "$address" "$@") ;;
	typed-ceiling) argv=("$target/release/examples/typed-ceiling" --listen "$address") ;;
	transport-floor) argv=("$target/release/examples/transport-floor" --listen "$address") ;;
	go-peer) argv=("$GO_PEER_DIR/go-peer" -listen "$address") ;;
	*) die "unknown server $name" ;;
	esac
	taskset -c "$SERVER_CPU" "${argv[@]}" >"$tmp/$name.log" 2>&1 &
	server_pid=$!
	local i
	for i in $(seq 100); do
		kill -0 "$server_pid" 2>/dev/null || die "$name exited at start: $(tail -5 "$tmp/$name.log")"
		if [ "$name" = service ] || [ "$name" = service-quiet ]; then
			[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$address/healthz")" = 200 ] && return 0
		elif (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	die "$name did not come up on $address: $(tail -5 "$tmp/$name.log")"
}

stop_server() {
	kill "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=
}

# utime + stime of the server, in clock ticks (fields 14 and 15, counted after the comm field).
cpu_ticks() {
	local stat
	stat=$(<"/proc/$server_pid/stat")
	stat=${stat##*) }
	awk '{print $12 + $13}' <<<"$stat"
}

status_kib() { awk -v key="$1:" '$1 == key {print $2}' "/proc/$server_pid/status"; }

# Runs wrk against path $1 with body $2 and the remaining wrk options; prints its RESULT line.
run_wrk() {
	local path=$1 body=$2
	shift 2
	BODY=$body taskset -c "$LOAD_CPU" wrk "$@" --latency -s "$repo/benches/post.lua" \
		"http://127.0.0.1:$port$path" >"$tmp/wrk.out" 2>&1 || die "wrk failed: $(cat "$tmp/wrk.out")"
	grep '^RESULT ' "$tmp/wrk.out" || die "wrk printed no result: $(cat "$tmp/wrk.out")"
}

field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<" $2"; }

# Checks one answer of the running server: HTTP 200 and a JSON body containing $3.
check_answer() {
	local path=$1 body=$2 expect=$3
	local code
	code=$(curl -s -o "$tmp/answer" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "@$body" "http://127.0.0.1:$port$path")
	[ "$code" = 200 ] || die "POST $path answered $code: $(head -c 300 "$tmp/answer")"
	grep -qF -- "$expect" "$tmp/answer" || die "unexpected answer on $path: $(head -c 300 "$tmp/answer")"
}

# ---- the main call -------------------------------------------------------------------------
preset_mode() {
	local body=$repo/benches/body.json body_go=$repo/benches/body-go.json
	if [ ! -f "$body" ] || [ ! -f "$body_go" ]; then
		die "benches/body.json or body-go.json is missing (python3 benches/bodies.py http benches)"
	fi
	say "# body: benches/body.json, $(wc -c <"$body") bytes (Go peer: benches/body-go.json, $(wc -c <"$body_go") bytes)"
	say "# wrk -t1 -c$CONNECTIONS -d$DURATION (warm-up $WARMUP) on CPU $LOAD_CPU; servers on CPU $SERVER_CPU; $ROUNDS rounds of: ${servers[*]}"
	say ""
	printf '%-16s %5s %10s %9s %9s %11s %6s %9s %7s\n' server round 'req/s' 'p50 ms' 'p99 ms' 'cpu us/req' 'busy' 'RSS MiB' errors
	local results=$tmp/results round i n=${#servers[@]}
	: >"$results"
	for round in $(seq "$ROUNDS"); do
		for i in $(seq 0 $((n - 1))); do
			local name=${servers[$(((i + round - 1) % n))]}
			local this_body=$body
			[ "$name" = go-peer ] && this_body=$body_go
			start_server "$name"
			# Every server must make the service's decision: delete the 2 oldest.
			check_answer /v1/presets/reconcile "$this_body" '"delete_ids":["8f03a409-8fa3-4f76-ace2-86c208bcb62c","a8bb872e-52c6-435c-a177-4d56b0dc91ac"]'
			run_wrk /v1/presets/reconcile "$this_body" -t1 -c"$CONNECTIONS" -d"$WARMUP" >/dev/null
			local before after result
			before=$(cpu_ticks)
			result=$(run_wrk /v1/presets/reconcile "$this_body" -t1 -c"$CONNECTIONS" -d"$DURATION")
			after=$(cpu_ticks)
			local hwm requests duration errors
			hwm=$(status_kib VmHWM)
			requests=$(field requests "$result")
			duration=$(field duration_us "$result")
			errors=$(($(field errors "$result") + $(field status_errors "$result")))
			stop_server
			python3 - "$name" "$round" "$requests" "$duration" "$(field p50_us "$result")" \
				"$(field p99_us "$result")" "$((after - before))" "$clk_tck" "$hwm" "$errors" \
				>>"$results" <<'EOF'
import sys
name, rnd, req, dur, p50, p99, ticks, tck, hwm, errors = sys.argv[1:]
req, dur = int(req), int(dur)
rps = req / (dur / 1e6)
cpu = int(ticks) / int(tck) * 1e6 / max(req, 1)
busy = int(ticks) / int(tck) / (dur / 1e6) * 100
print(name, rnd, f"{rps:.0f}", int(p50) / 1000, int(p99) / 1000, f"{cpu:.2f}", f"{int(hwm) / 1024:.1f}", errors, f"{busy:.0f}%")
EOF
			tail -1 "$results" | awk '{printf "%-16s %5s %10s %9.3f %9.3f %11s %6s %9s %7s\n", $1, $2, $3, $4, $5, $6, $9, $7, $8}'
		done
	done
	say ""
	python3 - "$results" <<'EOF'
import statistics
import sys

runs = {}
for line in open(sys.argv[1]):
    name, _, rps, p50, p99, cpu, rss, errors, _busy = line.split()
    runs.setdefault(name, []).append((float(rps), float(p50), float(p99), float(cpu), float(rss), int(errors)))

med = {}
print("medians over rounds:")
print(f"{'server':<16} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'cpu us/req':>11} {'peak RSS MiB':>13} {'runs':>5} {'errors':>7}")
for name, rows in runs.items():
    m = [statistics.median(col) for col in zip(*rows)]
    med[name] = m
    print(f"{name:<16} {m[0]:>10.0f} {m[1]:>9.3f} {m[2]:>9.3f} {m[3]:>11.2f} {max(r[4] for r in rows):>13.1f} {len(rows):>5} {sum(r[5] for r in rows):>7}")

if "service" not in med:
    sys.exit(0)
s = med["service"]
print()
print("ratios of medians (service / other): throughput, and CPU per request inverted (other / service)")
targets = {"typed-ceiling": 1.0, "transport-floor": 0.6, "go-peer": 5.0}
for other, target in targets.items():
    if other not in med:
        print(f"  service / {other:<16} (not measured)")
        continue
    o = med[other]
    ratio, cpu_ratio = s[0] / o[0], o[3] / s[3]
    mark = "ok" if ratio >= target else "BELOW TARGET"
    print(f"  service / {other:<16} throughput {ratio:6.2f}x  (target >= {target}: {mark});  cpu-per-request {cpu_ratio:6.2f}x")
if "service-quiet" in med:
    quiet = med["service-quiet"]
    print(f"  logging at the default level costs {100 * (1 - s[0] / quiet[0]):+.1f}% of throughput"
          f" and {100 * (s[3] / quiet[3] - 1):+.1f}% of CPU per request (service vs service-quiet, RUST_LOG=off)")
rss = max(r[4] for r in runs["service"])
print(f"  service p99 {s[2]:.3f} ms (target < 2 ms: {'ok' if s[2] < 2 else 'ABOVE TARGET'});"
      f" peak RSS {rss:.1f} MiB (target <= 32 MiB: {'ok' if rss <= 32 else 'ABOVE TARGET'})")
if any(r[5] for rows in runs.values() for r in rows):
    print("  WARNING: some runs had socket or HTTP errors (see the errors column)")
EOF
}

# ---- the global call -----------------------------------------------------------------------
global_mode() {
	say "# the service's /v1/global/reconcile, one connection (wrk -t1 -c1 -d$GLOBAL_DURATION, after a warm-up), presets x 10 running"
	say ""
	printf '%8s %8s %10s %6s %11s %11s %10s %10s %10s %10s %9s\n' presets rows 'body MiB' reqs 'ms/req' 'cpu ms/req' 'ns/row' 'cpu ns/row' 'idle MiB' 'peak MiB' 'peak/body'
	local results=$tmp/global n
	: >"$results"
	for n in $GLOBAL_SIZES; do
		local body=$tmp/global-$n.json
		python3 "$repo/benches/bodies.py" global "$n" >"$body"
		local bytes
		bytes=$(wc -c <"$body")
		start_server service --max-body-bytes $((bytes * 2 + 1048576)) --request-timeout 300s
		local idle
		idle=$(status_kib VmRSS)
		check_answer /v1/global/reconcile "$body" '"decisions":['
		run_wrk /v1/global/reconcile "$body" -t1 -c1 -d2s --timeout 120s >/dev/null
		local before after result
		before=$(cpu_ticks)
		result=$(run_wrk /v1/global/reconcile "$body" -t1 -c1 -d"$GLOBAL_DURATION" --timeout 120s)
		after=$(cpu_ticks)
		local hwm
		hwm=$(status_kib VmHWM)
		stop_server
		python3 - "$n" "$bytes" "$(field requests "$result")" "$(field mean_us "$result")" \
			"$((after - before))" "$clk_tck" "$idle" "$hwm" "$(field errors "$result")" \
			"$(field status_errors "$result")" >>"$results" <<'EOF'
import sys
n, size, req, mean_us, ticks, tck, idle, hwm, errors, status = sys.argv[1:]
n, size, req = int(n), int(size), int(req)
rows = n * 10
cpu_ms = int(ticks) / int(tck) * 1e3 / max(req, 1)
print(n, rows, f"{size / 2**20:.2f}", req, f"{float(mean_us) / 1000:.2f}", f"{cpu_ms:.2f}",
      f"{float(mean_us) * 1000 / rows:.0f}", f"{cpu_ms * 1e6 / rows:.0f}",
      f"{int(idle) / 1024:.1f}", f"{int(hwm) / 1024:.1f}", f"{int(hwm) * 1024 / size:.2f}",
      int(errors) + int(status))
EOF
		tail -1 "$results" | awk '{printf "%8s %8s %10s %6s %11s %11s %10s %10s %10s %10s %9s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11}'
	done
	say ""
	python3 - "$results" <<'EOF'
import sys
rows = [line.split() for line in open(sys.argv[1])]
print("growth between consecutive sizes (1.00 = linear in rows):")
for a, b in zip(rows, rows[1:]):
    wall = float(b[6]) / float(a[6])
    cpu = float(b[7]) / float(a[7])
    print(f"  {a[0]:>6} -> {b[0]:<6} per-row time x{wall:.2f} (cpu x{cpu:.2f})")
for r in rows:
    extra = float(r[9]) - float(r[8])
    print(f"  {r[0]:>6} presets: peak RSS {r[9]} MiB = {r[10]}x the body; above idle {extra:.1f} MiB = {extra / float(r[2]):.2f}x the body")
if any(int(r[11]) for r in rows):
    print("  WARNING: some requests failed (socket errors or non-2xx)")
EOF
}

if [ "$mode" = preset ]; then preset_mode; else global_mode; fi
say ""
say "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
