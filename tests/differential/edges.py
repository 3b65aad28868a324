"""Edge-focused snapshots for the differential test (tests/differential/run.py).

Built from the vector generator's own pieces (tests/vectors/generate.py: Vector, Row,
random_preset, random_running, random_in_progress, backoff_row, fmt_ts...) and drawn from its
random source, so a seed reproduces them. Every snapshot stays inside what the contract accepts
(the generator's `records()` asserts it): counts within int32, num_failed x interval within Go's
time.Duration, every timestamp and the backoff's end writable (years 0000..9999) in the offset it
is written in, running rows with pairwise distinct created_at instants.

What they lean on:

- now exactly at the backoff's end and one nanosecond after it (sometimes one before), with
  intervals of 0 (written `0s`, `0`, `0h0m0s`, `0.0s`), 1ns, odd and huge ones, num_failed up to
  int32 max and products up to 2^63-1;
- Go's zero time: a backoff ending exactly at 0001-01-01T00:00:00Z (the seed's IsNoop() calls
  such a backoff a no-op), now at or next to it, prebuilds created at it, written in offsets
  that put it in year 0000;
- int32 extremes: desired_instances and per-transition in-progress sums exactly at 2^31-1;
- large running lists (1,000 to 3,000 rows) with created_at instants a nanosecond apart;
- offsets other than Z everywhere (+00:00, -00:00, +00:01, +-23:59, +05:45, -09:30...);
- integers written as 3.0, 3e0, 30e-1, 3E+0 in the canonical body;
- upper-case UUIDs in the canonical body (Go's uuid.Parse accepts them and prints lower case).
"""

from __future__ import annotations

import json

import generate as gen

I32_MAX = gen.I32_MAX
I64_MAX = gen.I64_MAX
NS = gen.NS
DAY_NS = gen.DAY_NS

# Offsets other than Z, with how offset 0 is written (seconds, weight, zero spelling).
NON_Z_OFFSETS = [
    (0, 6, "+00:00"), (0, 4, "-00:00"), (60, 2, None), (-60, 2, None), (3600, 3, None),
    (7200, 3, None), (-27000, 3, None), (19800, 3, None), (20700, 3, None), (-34200, 2, None),
    (45900, 2, None), (50400, 2, None), (-43200, 2, None), (86340, 2, None), (-86340, 2, None),
    (-10800, 2, None), (32400, 2, None), (-25200, 2, None),
]

# Intervals leaned on, zero written four ways. Their values are asked of Go (ensure_intervals).
EDGE_INTERVALS = [
    ("0s", 10), ("0", 4), ("0h0m0s", 3), ("0.0s", 3), ("1ns", 10), ("7ns", 2), ("1µs", 2),
    ("250ms", 3), ("1m", 6), ("90s", 3), ("1h", 3), ("1.5h", 3), ("24h", 2), ("8760h", 2),
    ("2562047h", 2), ("4294967298ns", 3), ("1317624576693539401ns", 2),
    ("9223372036854775807ns", 2), ("3h2m1.000000001s", 2), ("999999999ns", 2),
]


def rng():
    return gen.rng


def ensure_intervals(cat: gen.Catalog) -> None:
    missing = [t for t, _ in EDGE_INTERVALS if t not in cat.interval_ns]
    for a in cat.go.durations(missing) if missing else []:
        assert a["ok"] and a["nanos"] >= 0, a
        cat.interval_ns[a["input"]], cat.interval_string[a["input"]] = a["nanos"], a["string"]


def pick_interval() -> str:
    return rng().choices([t for t, _ in EDGE_INTERVALS], weights=[w for _, w in EDGE_INTERVALS])[0]


def offset_for(ns: int, allow_z: float = 0.1) -> tuple[int, str]:
    """An offset other than Z (now and then Z) in which instant `ns` is writable."""
    if rng().random() < allow_z and gen.representable(ns, 0):
        return 0, "Z"
    for _ in range(60):
        off, _, zero = rng().choices(NON_Z_OFFSETS, weights=[w for _, w, _ in NON_Z_OFFSETS])[0]
        if gen.representable(ns, off):
            return off, zero or "Z"
    for off in (0, -86340, 86340):
        if gen.representable(ns, off):
            return off, "Z" if off == 0 else ""
    raise AssertionError(ns)


def text(ns: int, off: int | None = None, zero: str = "+00:00") -> str:
    """Instant `ns` as RFC 3339: in `off`, or an offset picked here; random fraction digits."""
    if off is None:
        off, zero = offset_for(ns)
    digits = rng().choice([None, None, gen.min_digits(ns), 9, rng().randint(gen.min_digits(ns), 9)])
    return gen.fmt_ts(ns, off, digits, zero)


def rewrite_offsets(v: gen.Vector, cat: gen.Catalog) -> None:
    """Rewrites every timestamp of a vector in offsets other than Z (instants unchanged)."""
    for r in v.running or []:
        r["created_at"] = text(r["_instant"])
    if v.backoff_form == "row":
        b = v.backoff
        ns = b["_instant"]
        end = ns + b["num_failed"] * cat.interval_ns[v.interval]
        for _ in range(60):
            off, zero = offset_for(ns)
            if gen.representable(end, off):
                break
        else:
            off, zero = b["_offset"], "+00:00"
        b["last_build_at"], b["_offset"] = text(ns, off, zero), off
    v.now = text(gen.parse_now(v.now)[0])


def running_rows(v: gen.Vector, n: int, around: int, spread: int, ns_apart: float = 0.2) -> None:
    """n running rows with distinct created_at around `around`, some exactly 1ns apart."""
    lo = gen.LOCAL_MIN + DAY_NS
    hi = gen.LOCAL_MAX - DAY_NS
    seen: set[int] = set()
    instants: list[int] = []
    while len(instants) < n:
        if instants and rng().random() < ns_apart:
            ns = rng().choice(instants) + rng().choice([-1, 1])
        else:
            ns = around + rng().randint(-spread, spread)
            if rng().random() < 0.3:
                ns -= ns % 10 ** rng().randint(0, 9)
        ns = min(max(ns, lo), hi)
        if ns not in seen:
            seen.add(ns)
            instants.append(ns)
    ready_p = rng().choice([0.0, 0.5, 1.0, 0.8])
    rows = []
    for ns in instants:
        row = gen.Row(id=gen.new_uuid(), ready=rng().random() < ready_p, created_at=text(ns), _instant=ns)
        if rng().random() < 0.2:
            row["current_preset_id"] = v.preset["id"]
        rows.append(row)
    v.running = rows


def set_backoff(v: gen.Vector, nf: int, last: int, off: int, zero: str = "+00:00") -> None:
    gen.backoff_row(v, nf, last, off)
    if off == 0:  # backoff_row writes offset 0 as Z; say it another way half the time
        v.backoff["last_build_at"] = gen.fmt_ts(last, 0, rng().choice([None, 9]), rng().choice(["Z", zero]))


def now_near(v: gen.Vector, end: int, deltas=((0, 45), (1, 45), (-1, 10))) -> int:
    delta = rng().choices([d for d, _ in deltas], weights=[w for _, w in deltas])[0]
    now = end + delta
    if not gen.representable(now, v.backoff["_offset"]) and not any(
            gen.representable(now, o) for o, _, _ in NON_Z_OFFSETS):
        now = end
    v.now = text(now)
    return now - end


def where(delta: int) -> str:
    return {0: "at", 1: "1ns after", -1: "1ns before"}.get(delta, "after" if delta > 0 else "before")


# ----------------------------------------------------------------------------------------------
# Kinds of edge case. Each returns one vector (its name says what it leans on).

def boundary(v: gen.Vector, cat: gen.Catalog) -> str:
    v.interval = pick_interval()
    iv = cat.interval_ns[v.interval]
    nf = rng().choice([1, 1, 2, 3, rng().randint(4, 1000), I32_MAX, I32_MAX - 1, I32_MAX])
    if iv:
        nf = max(1, min(nf, I64_MAX // iv))
    if rng().random() < 0.15 and iv:
        nf = max(1, min(I32_MAX, I64_MAX // iv))  # the largest product that fits
    w = nf * iv
    era = rng().choices(["main", "early", "late"], weights=[70, 15, 15])[0]
    last = gen.random_instant(era)
    off, zero = offset_for(last)
    lo, hi = gen.LOCAL_MIN - off * NS, gen.LOCAL_MAX - off * NS - w
    last = min(max(last, lo), hi)
    set_backoff(v, nf, last, off, zero)
    delta = now_near(v, last + w)
    gen.random_running(v, gen.parse_now(v.now)[0])
    gen.random_in_progress(v)
    return f"backoff {nf} x {v.interval}, now {where(delta)} its end"


def zero_interval(v: gen.Vector, cat: gen.Catalog) -> str:
    v.interval = rng().choice(["0s", "0", "0h0m0s", "0.0s"])
    nf = rng().choice([1, 2, 5, I32_MAX, rng().randint(1, 10**6)])
    last = gen.random_instant()
    off, zero = offset_for(last)
    set_backoff(v, nf, last, off, zero)
    delta = now_near(v, last, ((0, 45), (1, 35), (-1, 10), (-10**9, 5), (10**9, 5)))
    gen.random_running(v, gen.parse_now(v.now)[0])
    gen.random_in_progress(v)
    return f"backoff {nf} x {v.interval} (zero), now {where(delta)} the last build"


def go_zero(v: gen.Vector, cat: gen.Catalog) -> str:
    """A backoff ending exactly at Go's zero time, or now / created_at at it."""
    zero_ns = gen.GO_ZERO
    v.interval = rng().choice(["0s", "0", "1ns", "1m", "1h", "24h", "7ns"])
    iv = cat.interval_ns[v.interval]
    nf = rng().choice([1, 2, 3, 100, 1000]) if iv else rng().choice([1, 7, I32_MAX])
    if iv:  # the last build must stay within year 0000
        nf = max(1, min(nf, 300 * DAY_NS // iv))
    w = nf * iv
    last = zero_ns - w
    off, zero = offset_for(last)
    for _ in range(60):  # the end (Go's zero time) must be writable in the same offset
        if gen.representable(zero_ns, off):
            break
        off, zero = offset_for(last)
    else:
        off, zero = 0, "Z"
    kind = rng().choice(["backoff", "backoff", "now", "created"])
    if kind == "backoff":
        set_backoff(v, nf, last, off, zero)
        delta = now_near(v, zero_ns, ((0, 50), (1, 30), (-1, 10), (-3600 * NS, 5), (DAY_NS, 5)))
        label = f"backoff {nf} x {v.interval} ending at Go's zero time, now {where(delta)} it"
    elif kind == "now":
        v.now = text(zero_ns + rng().choice([0, 0, 1, -1]))
        if rng().random() < 0.5:
            set_backoff(v, rng().choice([0, 1, 3]), zero_ns - rng().choice([0, w]), *offset_for(zero_ns - w))
        label = f"now at Go's zero time (interval {v.interval})"
    else:
        v.now = text(gen.random_instant())
        label = "prebuilds created at and next to Go's zero time"
    around = zero_ns if kind != "backoff" or rng().random() < 0.5 else gen.random_instant("early")
    running_rows(v, rng().choice([0, 1, 2, 5, 12]), around, rng().choice([1, NS, DAY_NS]), 0.4)
    if kind == "created" and v.running:
        # One of them exactly at Go's zero time.
        zs = {r["_instant"] for r in v.running}
        if zero_ns not in zs:
            r = v.running[0]
            r["_instant"], r["created_at"] = zero_ns, text(zero_ns)
    gen.random_in_progress(v)
    return label


def int32_extremes(v: gen.Vector, cat: gen.Catalog) -> str:
    v.desired_form = rng().choice(["int", "int", "int", "invalid_nonzero"])
    v.preset["using_active_version"], v.preset["deleted"], v.preset["deprecated"] = rng().choices(
        [(True, False, False), (False, False, False), (True, True, False)], weights=[80, 10, 10])[0]
    v.preset["desired"] = rng().choice([I32_MAX, I32_MAX, I32_MAX - 1, 2**30, 0, 1])
    v.now = text(gen.random_instant())
    rows = []
    for t in ("start", "stop", "delete"):
        target = rng().choice([I32_MAX, I32_MAX, I32_MAX - 1, 0, rng().randint(0, 10), 2**30])
        parts = rng().choice([1, 1, 2, 3, 4])
        counts = []
        left = target
        for i in range(parts - 1):
            c = rng().randint(0, left)
            counts.append(c)
            left -= c
        counts.append(left)
        if rng().random() < 0.3:
            counts.append(0)
        for c in counts:
            row = {"transition": t, "count": c}
            if rng().random() < 0.3:
                row["preset_id"] = v.preset["id"]
            rows.append(row)
    rng().shuffle(rows)
    v.in_progress = rows
    running_rows(v, rng().choice([0, 1, 3, 10]), gen.parse_now(v.now)[0], 3600 * NS)
    if rng().random() < 0.5:  # num_failed at int32 max, with the largest interval that still fits
        v.interval = rng().choice(["1ns", "7ns", "1µs", "999999999ns", "4294967298ns", "0s"])
        iv = cat.interval_ns[v.interval]
        last = gen.random_instant("main")
        off, zero = offset_for(last)
        set_backoff(v, I32_MAX, last, off, zero)
        delta = now_near(v, last + I32_MAX * iv, ((0, 30), (1, 30), (-1, 10), (DAY_NS, 30)))
        extra = f", num_failed int32 max x {v.interval}, now {where(delta)} the end"
    else:
        v.interval = pick_interval()
        extra = ""
    if rng().random() < 0.4:
        v.spell = "all"
    sums = {t: sum(r["count"] for r in rows if r["transition"] == t) for t in ("start", "stop", "delete")}
    return f"desired {v.preset['desired']}, in progress {sums}{extra}{', integers as 3.0' if v.spell else ''}"


def large(v: gen.Vector, cat: gen.Catalog, n: int, flags: tuple[bool, bool, bool], desired: int) -> str:
    v.preset["using_active_version"], v.preset["deleted"], v.preset["deprecated"] = flags
    v.desired_form = "int"
    v.preset["desired"] = desired
    v.interval = pick_interval()
    now = gen.random_instant("main")
    v.now = text(now)
    running_rows(v, n, now, rng().choice([10**6, 3600 * NS, 400 * DAY_NS]), 0.3)
    gen.random_in_progress(v)
    v.backoff_form = rng().choice(["absent", "null"])
    active = flags == (True, False, False)
    return f"{n} running, {'active' if active else 'inactive'}, desired {desired}"


def offsets(v: gen.Vector, cat: gen.Catalog) -> gen.Vector:
    """One of the generator's random snapshots, every timestamp rewritten off Z."""
    w = gen.random_vector(0, cat)
    rewrite_offsets(w, cat)
    rest = w.name.removeprefix("random #0000").strip(" ()")
    w.name = f"{v.name}: offsets other than Z" + (f" ({rest})" if rest else "")
    w.category = "edge"
    return w


KINDS = [(boundary, 30), (zero_interval, 15), (go_zero, 15), (int32_extremes, 15), (offsets, 25)]


def edge_vectors(cat: gen.Catalog, count: int) -> list[gen.Vector]:
    """`count` random edge cases, six large lists, and the generator's hand-made edge cases."""
    ensure_intervals(cat)
    out: list[gen.Vector] = []

    def fresh(i: int) -> gen.Vector:
        v = gen.Vector(f"edge #{i:04d}", "edge")
        gen.random_preset(v)
        return v

    i = 0
    for n, flags, desired in [
        (1000, (False, False, False), 3), (1200, (True, False, True), 0),
        (1500, (True, False, False), 7), (2000, (True, False, False), 0),
        (2500, (True, False, False), 2503), (3000, (False, True, False), 1),
    ]:
        i += 1
        v = fresh(i)
        v.name += ": " + large(v, cat, n, flags, desired)
        out.append(v)
    for _ in range(count):
        i += 1
        v = fresh(i)
        kind = rng().choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
        label = kind(v, cat)
        if isinstance(label, gen.Vector):
            v = label
        else:
            v.name += f": {kind.__name__}: {label}"
        if not v.spell and rng().random() < 0.15:
            v.spell = "all"
            v.name += ", integers as 3.0"
        out.append(v)
    for v in gen.edge_vectors(cat):  # the committed vectors' hand-made cases, with fresh IDs
        v.name = v.name.replace("edge: ", "edge (fixed): ", 1)
        out.append(v)
    return out


def upper_case_ids(record: dict) -> None:
    """Writes the canonical body's UUIDs in upper case (the Go-native body keeps Go's spelling)."""
    body = record["canonical"]
    ids = [body["preset"]["id"]] + [r["id"] for r in body.get("running") or []]
    record["canonical_text"] = upper(record.get("canonical_text") or json.dumps(
        body, ensure_ascii=False, separators=(",", ":")), ids)
    record["canonical"] = json.loads(upper(json.dumps(body, ensure_ascii=False), ids))
    record["name"] += ", upper-case UUIDs"


def upper(text_: str, ids: list[str]) -> str:
    for u in ids:
        text_ = text_.replace(f'"{u}"', f'"{u.upper()}"')
    return text_
