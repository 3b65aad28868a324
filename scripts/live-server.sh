# Sourced by the scripts that test the live server (scripts/differential.sh,
# scripts/differential-v2.sh): a scratch directory cleaned up at exit, the release binary built
# and started on a free loopback port with only its defaults (waiting until /healthz answers),
# and a driver run against it.
#
# Needs: $python (a Python 3 interpreter). Sets: $work (the scratch directory; the server's log
# goes to $work/server.log), $server (the binary), $server_pid, $base (http://127.0.0.1:PORT),
# and $status (the driver's exit status). The server and the driver are stopped at exit,
# whatever happens.

step() { printf '\n=== %s\n' "$*"; }

# live_server_workspace NAME: makes $work, and stops the server and the driver and removes $work
# at exit or on a signal.
live_server_workspace() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  server_pid=""
  driver_pid=""
  trap stop_live_server EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

stop_live_server() {
  for pid in $driver_pid $server_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}

# run_driver COMMAND...: runs the driver in the background and waits for it, so that a signal
# stops it (and the server) at once; sets $status, and shows the server's log when it failed.
run_driver() {
  status=0
  "$@" &
  driver_pid=$!
  wait "$driver_pid" || status=$?
  driver_pid=""
  if [ "$status" -ne 0 ]; then
    echo "server log (last 50 lines):" >&2
    tail -n 50 "$work/server.log" >&2
  fi
}

build_release_server() {
  cargo build --release --locked
  local target_dir
  target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
  server="$target_dir/release/prebuild-decider"
}

start_release_server() {
  local port
  port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  (
    # Only the defaults and the flags below: no token, limits or interval from the environment.
    for name in $(compgen -e); do
      case $name in PREBUILD_DECIDER_*) unset "$name" ;; esac
    done
    exec "$server" serve --listen "127.0.0.1:$port" --log-format json
  ) >"$work/server.log" 2>&1 &
  server_pid=$!
  base="http://127.0.0.1:$port"
  local up=""
  for _ in $(seq 1 150); do
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    if "$python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/healthz", timeout=1)' \
        "$base" 2>/dev/null; then
      up=1
      break
    fi
    sleep 0.2
  done
  if [ -z "$up" ]; then
    echo "the server did not answer $base/healthz within 30s; its log:" >&2
    cat "$work/server.log" >&2
    exit 2
  fi
  echo "serving on $base (pid $server_pid)"
}
