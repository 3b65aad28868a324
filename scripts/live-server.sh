# Sourced by the scripts that test the live server (scripts/differential.sh,
# scripts/differential-v2.sh): builds the release binary and starts it on a free loopback port
# with only its defaults, waiting until /healthz answers.
#
# Needs: $python (a Python 3 interpreter) and $work (a scratch directory; the server's log goes
# to $work/server.log). Sets: $server (the binary), $server_pid, $base (http://127.0.0.1:PORT).
# The caller stops the server (kill "$server_pid") when it is done.

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
