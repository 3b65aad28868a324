#!/usr/bin/env bash
# Seeds the `decide` fuzz target's corpus from the repository's valid bodies:
#
# - examples/*.json (a global snapshot goes to the global call, the others to the preset calls);
# - tests/vectors/presets.jsonl when it exists (canonical and Go-native bodies, and each one
#   rewritten as a one-preset global snapshot), skipping bodies over $MAX_SEED_BYTES;
# - fuzz/regressions/* (reproducers of past findings), copied as they are.
#
# Every seed is `[selector, choice, body]`, the layout fuzz_targets/decide.rs reads (selector
# 1 actions, 2 reconcile, 3 global; +4 with an explanation). Files are
# named by their SHA-1, so rerunning the script adds only what is new.
#
# Usage: fuzz/seed-corpus.sh [CORPUS_DIR]   (default: fuzz/corpus/decide)
# Uses python3 (standard library only) when present; without it, seeds examples and regressions.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
corpus="${1:-$here/corpus/decide}"
mkdir -p "$corpus"

if ! command -v python3 >/dev/null 2>&1; then
    # Without python3: the examples and regressions only, in plain shell.
    for file in "$repo"/examples/*.json; do
        if grep -q '"presets"' "$file"; then selectors='\x03'; else selectors='\x01 \x02'; fi
        for selector in $selectors; do
            tmp="$(mktemp)"
            { printf "$selector"'\x00'; cat "$file"; } > "$tmp"
            mv "$tmp" "$corpus/$(sha1sum "$tmp" | cut -d' ' -f1)"
        done
    done
    for file in "$repo"/fuzz/regressions/*; do
        [ -f "$file" ] && cp "$file" "$corpus/$(sha1sum "$file" | cut -d' ' -f1)"
    done
    echo "seed-corpus: no python3; seeded from examples and regressions only: $(ls "$corpus" | wc -l) in $corpus"
    exit 0
fi

python3 - "$repo" "$corpus" "${MAX_SEED_BYTES:-4096}" <<'PY'
import glob, hashlib, json, os, sys

repo, corpus, max_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3])

# The choice byte: low nibble indexes NOWS, high nibble INTERVALS (fuzz_targets/decide.rs).
NOWS = {
    "2025-06-02T12:00:00Z": 0, "2025-06-02T12:01:00Z": 1, "2025-06-02T11:59:00.5Z": 2,
    "2025-06-02T14:00:00+02:00": 3, "0000-01-01T00:00:00Z": 4, "0001-01-01T00:00:00Z": 5,
    "9999-12-31T23:59:59.999999999Z": 6, "1970-01-01T00:00:00Z": 7,
    "2030-01-01T00:00:00Z": 10, "2000-01-01T00:00:00Z": 11, "2025-06-01T00:00:00Z": 12,
    "2025-06-02T12:02:00Z": 13,
}
INTERVALS = {"1m": 0, "1m0s": 0, "60s": 0, "0s": 1, "0": 1, "1ns": 2, "1us": 3, "1µs": 3,
             "1ms": 4, "250ms": 5, "1s": 6, "30s": 7, "90s": 8, "1m30s": 8, "1h": 9,
             "1h0m0s": 9, "24h": 10, "24h0m0s": 10}

written = 0

def seed(selector: int, choice: int, body: bytes) -> None:
    global written
    data = bytes([selector, choice]) + body
    path = os.path.join(corpus, hashlib.sha1(data).hexdigest())
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        written += 1

def compact(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()

def as_global(snapshot: dict) -> dict:
    """A single snapshot as a one-preset global snapshot, its rows tagged with the preset."""
    get = lambda *keys: next((snapshot[k] for k in keys if k in snapshot), None)
    preset = dict(get("preset", "Preset") or {})
    pid = preset.get("id")
    tag = lambda rows, key: [dict(r, **{key: pid}) for r in (rows or []) if isinstance(r, dict)]
    backoff = get("backoff", "Backoff")
    return {
        "presets": [preset],
        "running": tag(get("running", "Running"), "current_preset_id"),
        "in_progress": tag(get("in_progress", "InProgress"), "preset_id"),
        "backoffs": tag([backoff] if backoff else [], "preset_id"),
    }

# The examples: every choice of `now` near their backoffs, the default interval and one other.
for path in sorted(glob.glob(os.path.join(repo, "examples", "*.json"))):
    with open(path, "rb") as f:
        body = f.read()
    is_global = "presets" in json.loads(body)
    for choice in (0x00, 0x01, 0x0d, 0x80, 0x10):
        # Selector bit 2 also asks for the explained decision.
        if is_global:
            seed(3, choice, body)
            seed(7, choice, body)
        else:
            seed(1, choice, body)
            seed(2, choice, body)
            seed(5, choice, body)

# The conformance vectors, when another helper has generated them.
vectors = os.path.join(repo, "tests", "vectors", "presets.jsonl")
skipped = 0
if os.path.exists(vectors):
    with open(vectors, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            choice = NOWS.get(record.get("now"), 0) | (INTERVALS.get(record.get("backoff_interval"), 0) << 4)
            canonical = record["canonical"]
            bodies = [
                (1, record["canonical_text"].encode() if "canonical_text" in record else compact(canonical)),
                (2, compact(record["go_native"])),
                (3, compact(as_global(canonical))),
            ]
            for selector, body in bodies:
                if len(body) > max_bytes:
                    skipped += 1
                    continue
                seed(selector, choice, body)
else:
    print(f"seed-corpus: {vectors} not there yet; seeded from examples only", file=sys.stderr)

# Reproducers of past findings.
for path in sorted(glob.glob(os.path.join(repo, "fuzz", "regressions", "*"))):
    if os.path.isfile(path) and not path.endswith(".md"):
        with open(path, "rb") as f:
            data = f.read()
        out = os.path.join(corpus, hashlib.sha1(data).hexdigest())
        if not os.path.exists(out):
            with open(out, "wb") as f:
                f.write(data)
            written += 1

total = len(os.listdir(corpus))
print(f"seed-corpus: {written} new seeds, {total} in {corpus}"
      + (f" ({skipped} vector bodies over {max_bytes} bytes skipped)" if skipped else ""))
PY
