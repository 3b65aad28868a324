#!/usr/bin/env bash
# Swagger UI in a real browser: Debian's Chromium driven by npm playwright-core.
#
#   scripts/browser-test.sh
#
# 1. Installs Debian's `chromium` with apt-get when /usr/bin/chromium is
#    missing (needs root, as on CI), and Node's dependencies with `npm ci` in
#    tests/browser (playwright-core, pinned in package-lock.json; it downloads
#    no browser). node_modules stays git-ignored.
# 2. Builds the release server (cargo build --release --locked) and starts it
#    on a free loopback port, then waits for /healthz.
# 3. Runs tests/browser/swagger-ui.mjs: every documented operation rendered,
#    "Try it out" → "Execute" on each POST answers 200 with a decision, and
#    the page requests nothing outside the server (also when served under a
#    host name that is not loopback), and each chart answer (the forecasts,
#    asked for as image/svg+xml) is shown as an image. Screenshots, the
#    charts' among them, go to $ARTIFACTS_DIR
#    (default /tmp/prebuild-decider-artifacts), outside the repository; the
#    log prints their paths.
# 4. Stops the server; exits non-zero when any check failed.
#
# Environment: ARTIFACTS_DIR, CHROMIUM_PATH (default /usr/bin/chromium).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

export ARTIFACTS_DIR="${ARTIFACTS_DIR:-/tmp/prebuild-decider-artifacts}"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
tmp_root="${TMPDIR:-/tmp}"

log() { printf 'browser-test: %s\n' "$*"; }

if [[ ! -x "$CHROMIUM_PATH" ]]; then
  if [[ "$CHROMIUM_PATH" != /usr/bin/chromium ]]; then
    log "CHROMIUM_PATH=$CHROMIUM_PATH is not executable"
    exit 1
  fi
  log "installing Debian's chromium with apt-get"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    sudo_cmd=(sudo)
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
log "$("$CHROMIUM_PATH" --version 2>/dev/null | tail -n 1)"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    log "$tool is missing: install Node.js >= 20 (Debian: apt-get install nodejs npm)"
    exit 1
  fi
done

log "npm ci in tests/browser"
(cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)

log "building the release server"
cargo build --release --locked --quiet
binary="${CARGO_TARGET_DIR:-$repo_root/target}/release/prebuild-decider"

port="$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
base="http://127.0.0.1:$port"
mkdir -p "$ARTIFACTS_DIR"
server_log="$(mktemp "$tmp_root/prebuild-decider-browser-server.XXXXXX")"
server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
trap stop_server EXIT

log "starting $binary on 127.0.0.1:$port (log: $server_log)"
"$binary" --listen "127.0.0.1:$port" >"$server_log" 2>&1 &
server_pid=$!
healthy() {
  node -e 'fetch(process.argv[1]).then(r => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' "$base/healthz"
}
for _ in $(seq 1 100); do
  if healthy; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    log "the server exited before answering /healthz:"
    cat "$server_log" >&2
    exit 1
  fi
  sleep 0.2
done
if ! healthy; then
  log "the server did not answer /healthz within 20 s"
  exit 1
fi

status=0
(cd tests/browser && BASE_URL="$base" node swagger-ui.mjs) || status=$?
stop_server
if [[ $status -ne 0 ]]; then
  log "FAILED (exit $status)"
  exit "$status"
fi
rm -f "$server_log"
log "ok"
