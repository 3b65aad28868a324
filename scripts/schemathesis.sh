#!/usr/bin/env bash
# Runs schemathesis against the live server and its own OpenAPI document.
#
#   scripts/schemathesis.sh
#
# 1. Installs schemathesis (pinned) into a virtualenv under ${TMPDIR:-/tmp},
#    never into the repository, and reuses it on later runs. Needs bash,
#    Python >= 3.9 and access to PyPI; a Debian python3 without python3-venv
#    (no ensurepip) is handled too.
# 2. Builds the release server (cargo build --release --locked) and starts it
#    on a free loopback port, then waits for /healthz.
# 3. Runs `schemathesis run` on /api-docs/openapi.json with --checks all,
#    every phase (examples, coverage, fuzzing, stateful; stateful is skipped
#    by schemathesis itself while the document declares no links), positive
#    and negative data, from a scratch folder outside the repository so its
#    example database and crash files stay out of it. The only allowances are
#    in schemathesis.toml at the repository root: a schema-valid body may be
#    a 422 for the contract's cross-field rules, and a forecast's valid
#    timestamps a 400 for a window that is empty or too long.
# 4. Checks the server still answers /healthz, stops it, and exits non-zero
#    on any finding (or if the server died).
#
# Environment:
#   SCHEMATHESIS_MAX_EXAMPLES  test cases per operation and phase (default 200)
#   SCHEMATHESIS_SEED          fixed seed to reproduce a run (default: random)
#   SCHEMATHESIS_VENV          virtualenv to use (default ${TMPDIR:-/tmp}/prebuild-decider-schemathesis-venv)
#   SCHEMATHESIS_WORK_DIR      scratch folder (default ${TMPDIR:-/tmp}/prebuild-decider-schemathesis)
#   ARTIFACTS_DIR              where the JUnit report goes (default /tmp/prebuild-decider-artifacts)
#   PYTHON                     the Python to build the venv with (default python3)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

SCHEMATHESIS_VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-200}"
PYTHON="${PYTHON:-python3}"
tmp_root="${TMPDIR:-/tmp}"
venv="${SCHEMATHESIS_VENV:-$tmp_root/prebuild-decider-schemathesis-venv}"
work_dir="${SCHEMATHESIS_WORK_DIR:-$tmp_root/prebuild-decider-schemathesis}"
artifacts="${ARTIFACTS_DIR:-/tmp/prebuild-decider-artifacts}"
config="$repo_root/schemathesis.toml"

requirement="schemathesis==${SCHEMATHESIS_VERSION}"
stamp="$venv/.prebuild-decider-schemathesis"

log() { printf 'schemathesis.sh: %s\n' "$*"; }

# Installs pip into a pip-less venv from the newest pip wheel on PyPI,
# checking the wheel's sha256 against PyPI's metadata. A pip wheel can run
# itself: python pip.whl/pip install pip.whl.
bootstrap_pip() {
  "$venv/bin/python" - <<'PY'
import hashlib, json, os, subprocess, sys, tempfile, urllib.parse, urllib.request

meta_url = "https://pypi.org/pypi/pip/json"
with urllib.request.urlopen(meta_url, timeout=60) as resp:
    meta = json.load(resp)
wheel = next(u for u in meta["urls"]
             if u["packagetype"] == "bdist_wheel" and u["filename"].endswith("py3-none-any.whl"))
url = urllib.parse.urljoin(meta_url, wheel["url"])
with urllib.request.urlopen(url, timeout=120) as resp:
    data = resp.read()
if hashlib.sha256(data).hexdigest() != wheel["digests"]["sha256"]:
    sys.exit(f"schemathesis.sh: sha256 mismatch for {wheel['filename']}")
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, wheel["filename"])
    with open(path, "wb") as f:
        f.write(data)
    subprocess.run([sys.executable, os.path.join(path, "pip"), "install", "--quiet",
                    "--disable-pip-version-check", path], check=True)
PY
}

ensure_schemathesis() {
  if [[ -x "$venv/bin/schemathesis" && -f "$stamp" && "$(cat "$stamp")" == "$requirement" ]]; then
    return
  fi
  log "installing $requirement into $venv"
  rm -rf "$venv"
  local pip
  if "$PYTHON" -m venv "$venv" >/dev/null 2>&1; then
    pip=("$venv/bin/python" -m pip)
  else
    # Debian ships ensurepip separately (python3-venv): make the venv without
    # pip, then drive it with the system's pip if there is one (pip >= 22.3
    # has --python), else fetch pip itself from PyPI.
    rm -rf "$venv"
    "$PYTHON" -m venv --without-pip "$venv"
    if "$PYTHON" -m pip --python "$venv/bin/python" --version >/dev/null 2>&1; then
      pip=("$PYTHON" -m pip --python "$venv/bin/python")
    else
      log "no ensurepip and no usable system pip: bootstrapping pip from PyPI"
      bootstrap_pip
      pip=("$venv/bin/python" -m pip)
    fi
  fi
  "${pip[@]}" install --quiet --disable-pip-version-check "$requirement"
  printf '%s' "$requirement" >"$stamp"
}

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Exit 0 when GET $1 answers 200.
http_ok() {
  "$PYTHON" - "$1" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=2) as resp:
        sys.exit(0 if resp.status == 200 else 1)
except Exception:
    sys.exit(1)
PY
}

ensure_schemathesis

log "building the release server"
cargo build --release --locked --quiet
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
binary="$target_dir/release/prebuild-decider"

mkdir -p "$work_dir" "$artifacts"
port="$(free_port)"
base="http://127.0.0.1:$port"
server_log="$work_dir/server.log"
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
for _ in $(seq 1 100); do
  if http_ok "$base/healthz"; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    log "the server exited before answering /healthz:"
    cat "$server_log" >&2
    exit 1
  fi
  sleep 0.2
done
if ! http_ok "$base/healthz"; then
  log "the server did not answer /healthz within 20 s"
  exit 1
fi

seed_args=()
if [[ -n "${SCHEMATHESIS_SEED:-}" ]]; then
  seed_args=(--seed "$SCHEMATHESIS_SEED")
fi

log "schemathesis $SCHEMATHESIS_VERSION: --checks all, $MAX_EXAMPLES examples per operation, from $work_dir"
status=0
(
  cd "$work_dir"
  "$venv/bin/schemathesis" --config-file "$config" run "$base/api-docs/openapi.json" \
    --checks all \
    --phases examples,coverage,fuzzing,stateful \
    --mode all \
    --max-examples "$MAX_EXAMPLES" \
    --request-timeout 30 \
    --report junit --report-junit-path "$artifacts/schemathesis-junit.xml" \
    --no-color \
    "${seed_args[@]}"
) || status=$?

if ! kill -0 "$server_pid" 2>/dev/null || ! http_ok "$base/healthz"; then
  log "FAILED: the server stopped serving during the run; its log:"
  tail -n 50 "$server_log" >&2
  status=1
fi
stop_server

if [[ $status -ne 0 ]]; then
  log "FAILED (exit $status): see the findings above; JUnit report: $artifacts/schemathesis-junit.xml"
  exit "$status"
fi
log "ok: no findings (JUnit report: $artifacts/schemathesis-junit.xml)"
