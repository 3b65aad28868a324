#!/usr/bin/env python3
"""Deterministic request bodies for the HTTP benchmarks (stdlib only).

Rows look like Coder writes them: every column of each row present, UUIDs hyphenated,
timestamps as Go's RFC3339Nano with microsecond fractions (Postgres precision), compact JSON
as Go's json.Marshal writes it.

    bodies.py http DIR            writes DIR/body.json (snake_case) and DIR/body-go.json (the
                                  Go-native twin: top-level Preset/Running/InProgress/Backoff,
                                  desired_instances as sql.NullInt32), one active preset with
                                  10 running prebuilds, desired_instances 8 (deletes the
                                  2 oldest), a start in flight, no backoff row
    bodies.py global N [EACH]     prints a GlobalSnapshot of N presets x EACH running (default 10)
"""

import json
import sys
from datetime import datetime, timedelta, timezone

MASK = (1 << 64) - 1


class Rng:
    """splitmix64: the same stream on every machine and Python version."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n

    def uuid(self):
        """A version-4 UUID, hyphenated lower case, as Go's uuid.UUID marshals."""
        value = (self.next() << 64) | self.next()
        value &= ~(0xF << 76)
        value |= 0x4 << 76
        value &= ~(0x3 << 62)
        value |= 0x2 << 62
        h = f"{value:032x}"
        return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
BASE = datetime(2025, 6, 1, tzinfo=timezone.utc)


def timestamp(rng, span_seconds):
    """A time within span_seconds after BASE, microsecond precision, written as Go writes it."""
    t = BASE + timedelta(seconds=rng.below(span_seconds), microseconds=rng.below(1_000_000))
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{t.microsecond:06d}".rstrip("0")
    return text + ("." + fraction if fraction else "") + "Z"


def preset_row(rng, index, desired, active=True):
    return {
        "template_id": rng.uuid(),
        "template_name": "docker",
        "organization_name": "coder",
        "template_version_id": rng.uuid(),
        "template_version_name": f"v{42 + index % 7}",
        "using_active_version": active,
        "id": rng.uuid(),
        "name": "small" if index == 0 else f"preset-{index}",
        "desired_instances": desired,
        "deleted": False,
        "deprecated": False,
    }


def running_row(rng, preset, index):
    return {
        "id": rng.uuid(),
        "name": "prebuild-" + "".join(ALPHABET[rng.below(len(ALPHABET))] for _ in range(7)),
        "template_id": preset["template_id"],
        "template_version_id": preset["template_version_id"],
        "current_preset_id": preset["id"],
        "ready": rng.below(10) != 0,
        "created_at": timestamp(rng, 2 * 86_400),
    }


def in_progress_row(preset, transition, count):
    return {
        "template_id": preset["template_id"],
        "template_version_id": preset["template_version_id"],
        "transition": transition,
        "count": count,
        "preset_id": preset["id"],
    }


def backoff_row(rng, preset, num_failed):
    return {
        "template_version_id": preset["template_version_id"],
        "preset_id": preset["id"],
        "num_failed": num_failed,
        "last_build_at": timestamp(rng, 86_400),
    }


def http_bodies():
    """One active preset, 10 running (two too many), a start in flight, no recent failures
    (Coder lists backoff rows only for presets that have them): about 3.5 KB; the decision
    deletes the 2 oldest, after sorting."""
    rng = Rng(0x5EED)
    preset = preset_row(rng, 0, 8)
    running = [running_row(rng, preset, i) for i in range(10)]
    times = [row["created_at"] for row in running]
    assert len(set(times)) == len(times), "created_at must be distinct (Go's sort is unstable)"
    in_progress = [in_progress_row(preset, "start", 1)]
    backoff = None
    snake = {"preset": preset, "running": running, "in_progress": in_progress, "backoff": backoff}
    go_preset = dict(preset, desired_instances={"Int32": preset["desired_instances"], "Valid": True})
    go = {"Preset": go_preset, "Running": running, "InProgress": in_progress, "Backoff": backoff}
    return snake, go


def global_body(presets, each):
    """presets presets x each running, interleaved as a query without ORDER BY may return them;
    desired 8 to 12 (a mix of deletes, creates and no-ops), a start in flight for every other
    preset, a backoff row (mostly expired) for every tenth."""
    rng = Rng(0x61_0BA1 + presets)
    rows = [preset_row(rng, i, 8 + rng.below(5)) for i in range(presets)]
    running = [running_row(rng, p, j) for p in rows for j in range(each)]
    for i in range(len(running) - 1, 0, -1):  # Fisher-Yates, deterministic
        j = rng.below(i + 1)
        running[i], running[j] = running[j], running[i]
    in_progress = [in_progress_row(p, "start", 1) for p in rows[::2]]
    backoffs = [backoff_row(rng, p, 1 + rng.below(3)) for p in rows[::10]]
    return {"presets": rows, "running": running, "in_progress": in_progress, "backoffs": backoffs}


def dump(value):
    return json.dumps(value, separators=(",", ":"))


def main(argv):
    if len(argv) == 3 and argv[1] == "http":
        snake, go = http_bodies()
        for name, value in (("body.json", snake), ("body-go.json", go)):
            with open(f"{argv[2]}/{name}", "w", encoding="utf-8") as out:
                out.write(dump(value) + "\n")
        return 0
    if len(argv) in (3, 4) and argv[1] == "global":
        each = int(argv[3]) if len(argv) == 4 else 10
        sys.stdout.write(dump(global_body(int(argv[2]), each)) + "\n")
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
