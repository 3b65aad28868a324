#!/usr/bin/env python3
"""Differential test of v2: the live server against upstream Coder's own code, compiled.

Run by scripts/differential-v2.sh, which builds the oracle (tests/upstream-oracle) and the
release server, starts the server and passes its address. By hand:

    ORACLE=/path/to/upstream-oracle python3 tests/differential-v2/run.py --server http://127.0.0.1:8080

Python 3.11, standard library only. It draws random v2 global snapshots covering the schedule
syntax real templates use (names in any case, steps, `?`, ranges, lists, several schedules per
preset, sets that overlap, sets apart in months, days or hours, schedules upstream skips or
sets aside), zones with and without DST (instants near their changes), negative targets, TTLs,
invalidation, hard limits, failed validation, pending jobs and backoffs. Upstream decides each
snapshot (the oracle), and the server decides it twice: whole at /v2/global/reconcile, and
preset by preset at /v2/presets/reconcile.

Every decision must equal upstream's, except for the deliberate differences (docs/v2.md):

- upstream's reconciler, not its decision, drops a create for a hard-limited or
  validation-failed preset and clamps a create to the target: v2's actions are compared with
  what upstream executes of its decision (the oracle's `executed`) for creates;
- an inactive preset deletes its expired prebuilds too (upstream's decision leaves them):
  those IDs are taken out of v2's delete lists before comparing;
- a delete of no prebuilds (upstream's decision holds one for a negative target with nothing
  live) does nothing, and v2 leaves it out;
- upstream's cancel_pending carries no count; v2's is the preset's pending count;
- expiry is judged at `now`, upstream's TTL at the wall clock: snapshots with a TTL have `now`
  within days of the wall clock and no prebuild whose verdict could differ in between;
- ties in created_at: none are generated (Go's sort is not stable);
- timezones: only IANA names both know (v2's are compiled in; upstream reads the host's).

`--write-vectors FILE` writes the generated cases with upstream's answers as JSON lines instead
of testing a server; tests/api/upstream.rs replays that file (tests/vectors/v2-upstream.jsonl)
through the router in `cargo test`.

Settings (environment, or the flags of the same name):
  DIFFERENTIAL_SEED     seed of every random choice (default: a random one, printed)
  DIFFERENTIAL_COUNT    global snapshots (default 3000)
  DIFFERENTIAL_THREADS  client threads, one keep-alive connection each (default 2)
  DIFFERENTIAL_SERVER   the server's base URL
  ORACLE                the upstream oracle program (tests/upstream-oracle/build.sh builds it)

Exit status: 0 when every decision matches, 1 on any mismatch (the first few printed in full,
with the seed), 2 on a setup error.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import functools
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
import zoneinfo
from concurrent.futures import ThreadPoolExecutor

sys.dont_write_bytecode = True

NS = 1_000_000_000
MINUTE, HOUR, DAY = 60 * NS, 3600 * NS, 86400 * NS
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
NIL = "00000000-0000-0000-0000-000000000000"
SHOW_MISMATCHES = 5

# Zones whose rules both tz databases hold alike (chosen for variety: DST in either hemisphere,
# half- and quarter-hour offsets, changes at midnight, a 30-minute DST, a skipped day).
DST_ZONES = [
    "America/Los_Angeles", "America/New_York", "America/Chicago", "America/St_Johns",
    "Europe/London", "Europe/Berlin", "Europe/Dublin", "Australia/Sydney",
    "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham", "America/Havana",
    "America/Santiago", "America/Sao_Paulo", "Asia/Tehran", "Pacific/Apia", "US/Pacific",
]
PLAIN_ZONES = ["UTC", "Etc/UTC", "Asia/Tokyo", "Asia/Kolkata", "Asia/Kathmandu", "Etc/GMT+5"]
# Set aside by both (Go's "Local" is refused later by the parser; v2 does not know it).
BAD_ZONES = ["", "Local", "Mars/Olympus_Mons", "utc", "america/los_angeles", "UTC "]
# Where upstream never answers: robfig's search loops forever when a day is skipped (Samoa
# skipped 30 December 2011), from any instant whose search walks day by day into it. v2 answers
# by the wall clock (a deliberate difference); no `now` in these years is drawn for the zone.
NEVER_ANSWERED = {"Pacific/Apia": (2006, 2012)}

MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
INTERVALS = [("1m0s", 60 * NS), ("30s", 30 * NS), ("5m0s", 300 * NS), ("0s", 0),
             ("1m30s", 90 * NS), ("250ms", 250_000_000)]


def log(*args) -> None:
    print(*args, flush=True)


# ----------------------------------------------------------------------------------------------
# Instants: integer nanoseconds since the Unix epoch, written in RFC 3339 with an offset.

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def rfc3339(ns: int, offset_minutes: int = 0) -> str:
    seconds, frac = divmod(ns, NS)
    t = EPOCH + dt.timedelta(seconds=seconds + offset_minutes * 60)
    text = f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    if offset_minutes == 0:
        return text + "Z"
    sign = "+" if offset_minutes > 0 else "-"
    h, m = divmod(abs(offset_minutes), 60)
    return f"{text}{sign}{h:02d}:{m:02d}"


def ns_of(year: int, month: int = 1, day: int = 1) -> int:
    d = dt.datetime(year, month, day, tzinfo=dt.timezone.utc)
    return (d - EPOCH) // dt.timedelta(seconds=1) * NS


@functools.lru_cache(maxsize=None)
def changes(zone: str, year: int) -> tuple[int, ...]:
    """The instants (ns) in a year at which the zone's UTC offset changes (day by day, then
    minute by minute within the day)."""
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except Exception:  # noqa: BLE001  (not a zone Python knows)
        return ()
    offset = lambda t: t.astimezone(tz).utcoffset()  # noqa: E731
    out = []
    start = dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc)
    for d in range(366):
        lo, hi = start + dt.timedelta(days=d), start + dt.timedelta(days=d + 1)
        if offset(lo) == offset(hi):
            continue
        prev = offset(lo)
        for m in range(1, 24 * 60 + 1):
            t = lo + dt.timedelta(minutes=m)
            if offset(t) != prev:
                out.append((t - EPOCH) // dt.timedelta(seconds=1) * NS)
                prev = offset(t)
    return tuple(out)


# ----------------------------------------------------------------------------------------------
# Schedules.

def cased(r: random.Random, name: str) -> str:
    style = r.random()
    if style < 0.45:
        return name.upper()
    if style < 0.7:
        return name.capitalize()
    if style < 0.9:
        return name
    if "i" in name and r.random() < 0.5:
        return name.upper().replace("I", "\u0130")  # Go lowers İ to i
    return "".join(c.upper() if r.random() < 0.5 else c for c in name)


def number(r: random.Random, value: int) -> str:
    style = r.random()
    if style < 0.9:
        return str(value)
    if style < 0.96:
        return f"0{value}"
    return f"+{value}"


def value(r: random.Random, field: str, lo: int, hi: int) -> str:
    names = MONTH_NAMES if field == "month" else DAY_NAMES if field == "dow" else None
    base = lo if names is None or field == "dow" else 1
    v = r.randint(lo, hi)
    if names and r.random() < 0.5:
        return cased(r, names[v - base])
    return number(r, v)


BOUNDS = {"hour": (0, 23), "dom": (1, 31), "month": (1, 12), "dow": (0, 6)}


def item(r: random.Random, field: str) -> str:
    lo, hi = BOUNDS[field]
    roll = r.random()
    if roll < 0.25:
        return "*"
    if roll < 0.3:
        return "?"
    if roll < 0.55:
        return value(r, field, lo, hi)
    if roll < 0.8:
        a, b = sorted((r.randint(lo, hi), r.randint(lo, hi)))
        return f"{value(r, field, a, a)}-{value(r, field, b, b)}"
    if roll < 0.97:
        step = r.choice([1, 2, 3, 4, 5, 7, 12, 100])
        form = r.random()
        if form < 0.4:
            return f"*/{step}"
        if form < 0.7:
            a, b = sorted((r.randint(lo, hi), r.randint(lo, hi)))
            return f"{value(r, field, a, a)}-{value(r, field, b, b)}/{step}"
        return f"{value(r, field, lo, hi)}/{step}"
    # What upstream refuses, or reads oddly.
    return r.choice([
        str(hi + 1), str(lo - 1) if lo > 0 else "-1", f"{hi}-{lo}", "*/0", "*/-1", "1-2-3",
        "*-3", "?-x", "x", "", "5/", "/2", "1//2", "99999999999999999999", "7" if field == "dow" else "24",
        "mon" if field != "dow" else "jan", "1_0", " ",
    ])


def field_text(r: random.Random, field: str) -> str:
    n = r.choice([1, 1, 1, 1, 1, 2, 2, 3])
    items = [item(r, field) for _ in range(n)]
    text = ",".join(items)
    if r.random() < 0.03:
        text = r.choice([text + ",", "," + text, text.replace(",", ",,"), ","])
    return text.replace(" ", "") or "*"


def random_expression(r: random.Random) -> str:
    minute = "*" if r.random() < 0.9 else r.choice(["0", "*/5", "0-59", "30", "?", "**"])
    fields = [minute] + [field_text(r, f) for f in ("hour", "dom", "month", "dow")]
    roll = r.random()
    if roll < 0.02:
        fields = fields[:4]
    elif roll < 0.04:
        fields.append("*")
    elif roll < 0.05:
        return r.choice(["", " ", "@daily", "* * * *", "CRON_TZ=UTC * 9 * * *"])
    sep = " " if r.random() < 0.9 else r.choice(["  ", "\t", " \n "])
    text = sep.join(fields)
    if r.random() < 0.05:
        text = f" {text}\t"
    return text


# Sets real templates write, and sets near the edges of upstream's two readings.
TEMPLATES = [
    ["* 9-17 * * MON-FRI"], ["* */2 * * *"], ["* 9-17 ? * 1-5"], ["* * * JAN-JUN 1-5"],
    ["* * * * SAT,SUN"], ["* 9-18 * * 1-5"], ["* 8-20 * * mon-fri"],
    ["0 9-12 * * 1-5", "* 14-16 * * 1-5"],
    ["* 9-17 * * 1-5", "* 10-14 * * 6,0"],
    ["* 6-10 * * 1-5", "* 12-16 * * 1-5", "* 18-22 * * 1-5"],
    ["* 2-4 * * 1-5", "* 6-8 * * 1-5"],
    ["* 9-12 * 1-6 MON-FRI", "* 9-12 * 7-12 SAT"],   # months apart: the names are never read
    ["* 9-12 * * MON-FRI", "* 14-16 * * MON-FRI"],   # days reached: names set both aside
    ["* 9-12 * JAN-JUN *", "* 13-15 * 1-6 *"],       # months reached: a name sets both aside
    ["* 9-12 1-15 * *", "* 9-12 16-31 * *"],
    ["* 9-12 1-15 * 1", "* 9-12 16-31 * 2"],
    ["* 9-12 1-15 * 1", "* 9-12 16-31 * 1"],         # days of week meet: overlap
    ["* 9-12 * * 1-5", "* 11-13 * * 5-6"],           # overlap on Friday 11-12
    ["* 9-12 * * ?", "* 14-16 * * ?"],               # `?` reached
    ["* 0-11 * * *", "* 12-23 * * *"], ["* 0-11 * * *", "* 11-23 * * *"],
    ["* 9-17 */2 * *"], ["* 9-17 1,15 * 1"], ["* * 31 2 *"], ["* 9 * * 7"],
    ["* 9-17 * * fri", "* 18-20 * * 5"], ["* 9-17 * * FRİ"],
]


def disjoint_set(r: random.Random) -> list[str]:
    """Two to four schedules apart in hours (numbers only), so the set check passes."""
    cuts = sorted(r.sample(range(1, 24), r.randint(1, 3)))
    bounds = [0] + cuts + [24]
    out = []
    for a, b in zip(bounds, bounds[1:]):
        days = r.choice(["* * *", "* * 1-5", "* * 0,6", "* 1-6 *", "1-15 * *", "* * 6", "* */3 *"])
        out.append(f"* {a}-{b - 1} {days}" if b - 1 > a else f"* {a} {days}")
    return out


def schedules_for(r: random.Random, pid: str) -> list[dict]:
    roll = r.random()
    if roll < 0.25:
        return []
    if roll < 0.55:
        exprs = list(r.choice(TEMPLATES))
    elif roll < 0.7:
        exprs = disjoint_set(r)
    else:
        exprs = [random_expression(r) for _ in range(r.choice([1, 1, 2, 2, 3, 4]))]
    if r.random() < 0.1:  # a random one beside a set
        exprs.insert(r.randrange(len(exprs) + 1), random_expression(r))
    targets = r.sample(range(-3, 12), len(exprs))
    if r.random() < 0.05:
        targets[r.randrange(len(targets))] = r.choice([INT32_MIN, INT32_MIN + 1, INT32_MAX, -100])
    return [{"preset_id": pid, "cron_expression": e, "desired_instances": t}
            for e, t in zip(exprs, targets)]


# ----------------------------------------------------------------------------------------------
# Snapshots.

class Case:
    """One global snapshot, with `now`, the interval, and what the comparison needs to know."""

    def __init__(self, name: str, now: str, now_ns: int, interval: tuple[str, int], body: dict,
                 expired: dict[str, list[str]]):
        self.name, self.now, self.now_ns, self.interval = name, now, now_ns, interval
        self.body = body
        self.expired = expired  # preset ID -> IDs of its running prebuilds expired at now

    def oracle_input(self) -> dict:
        return dict(self.body, name=self.name, now=self.now, backoff_interval_ns=self.interval[1])

    def query(self) -> str:
        q = urllib.parse.quote
        return f"now={q(self.now, safe='')}&backoff_interval={q(self.interval[0], safe='')}"

    def preset_body(self, index: int, r: random.Random) -> dict:
        """The single-preset snapshot of one preset, split as upstream splits the lists."""
        b = self.body
        preset = b["presets"][index]
        pid = preset["id"]
        first = lambda rows, key: next((row for row in rows if (row.get(key) or NIL) == pid), None)  # noqa: E731
        body = {
            "preset": preset,
            "running": [row for row in b["running"] if row.get("current_preset_id") == pid],
            "in_progress": [row for row in b["in_progress"] if (row.get("preset_id") or NIL) == pid],
            "backoff": first([row for row in b["backoffs"] if row.get("preset_id")], "preset_id"),
        }
        schedules = [dict(s) for s in b["schedules"] if s["preset_id"] == pid]
        for s in schedules:  # a single snapshot's schedules apply whatever preset_id they carry
            roll = r.random()
            if roll < 0.4:
                del s["preset_id"]
            elif roll < 0.5:
                s["preset_id"] = str(uuid.UUID(int=r.getrandbits(128), version=4))
        if schedules or r.random() < 0.5:
            body["schedules"] = schedules
        pending = first(b["pending"], "preset_id")
        if pending is not None:
            body["pending_count"] = pending["count"]
        if pid in b["hard_limited"] or r.random() < 0.3:
            body["is_hard_limited"] = pid in b["hard_limited"]
        return body


class Generator:
    def __init__(self, seed: int, wall_ns: int):
        self.r = random.Random(seed)
        self.seed = seed
        self.wall_ns = wall_ns  # the wall clock when upstream decides (TTL cases are near it)
        self.used: set[int] = set()  # created_at instants, all distinct

    def uid(self) -> str:
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def distinct(self, ns: int) -> int:
        while ns in self.used:
            ns += self.r.choice([1, 1000, NS])
        self.used.add(ns)
        return ns

    def stamp(self, ns: int) -> str:
        """An instant in RFC 3339, now and then in an offset other than Z."""
        offset = 0 if self.r.random() < 0.7 else self.r.choice([-480, -300, 60, 120, 330, 345, 600, -570])
        return rfc3339(ns, offset if ns > ns_of(1, 1, 2) else abs(offset))

    def pick_zone(self) -> str:
        roll = self.r.random()
        if roll < 0.65:
            return self.r.choice(DST_ZONES)
        if roll < 0.88:
            return self.r.choice(PLAIN_ZONES)
        return self.r.choice(BAD_ZONES)

    def pick_now(self, zones: list[str], wall: bool) -> int:
        r = self.r
        if wall:
            return self.wall_ns + r.randint(-3 * DAY, 3 * DAY) // NS * NS + r.choice([0, 0, r.randrange(NS)])
        roll = r.random()
        zone = r.choice(zones) if zones else "UTC"
        if roll < 0.2:
            # Working hours on a weekday in one of the zones, when most templates' schedules hold.
            day = dt.date(r.randint(2000, 2099), 1, 1) + dt.timedelta(days=r.randrange(365))
            while day.weekday() > 4:
                day += dt.timedelta(days=1)
            try:
                tz = zoneinfo.ZoneInfo(zone)
            except Exception:  # noqa: BLE001  (a zone Python does not know: read in UTC)
                tz = dt.timezone.utc
            local = dt.datetime(day.year, day.month, day.day, r.randint(8, 18), r.randrange(60),
                                r.randrange(60), tzinfo=tz)
            return (local - EPOCH) // dt.timedelta(seconds=1) * NS + r.randrange(NS)
        if roll < 0.4:
            ns = ns_of(r.randint(2000, 2099)) + r.randrange(365 * DAY)
        elif roll < 0.7:
            year = r.randint(2005, 2060)
            found = changes(zone, year)
            ns = (r.choice(found) if found else ns_of(year)) + r.choice(
                [0, -1, 1, -NS, NS, -MINUTE, MINUTE, -HOUR, HOUR, -2 * HOUR, 2 * HOUR, 30 * MINUTE,
                 -30 * MINUTE, r.randint(-DAY, DAY)])
        elif roll < 0.9:
            ns = ns_of(r.randint(2000, 2099)) + r.randrange(365) * DAY
            ns = ns // HOUR * HOUR + r.choice([0, -1, 1, -NS, 59 * MINUTE + 59 * NS, 30 * MINUTE])
        elif roll < 0.97:
            ns = ns_of(r.randint(2000, 2099), r.randint(1, 12), 1) + r.choice([0, -1, -NS, HOUR, -HOUR])
        elif roll < 0.99:
            ns = ns_of(1) + r.randrange(2 * MINUTE)  # Go's zero time: robfig's "not found"
        else:
            ns = ns_of(r.randint(1800, 1960)) + r.randrange(365 * DAY)  # local mean times
        return ns

    def case(self, index: int) -> Case:
        r = self.r
        wall = r.random() < 0.3
        n_presets = r.choice([1, 1, 2, 2, 3, 3, 4, 5, 6])
        presets, zones = [], []
        for i in range(n_presets):
            pid = NIL if (i == 0 and r.random() < 0.05) else self.uid()
            zone = self.pick_zone()
            zones.append(zone)
            preset = {
                "id": pid,
                "using_active_version": r.random() < 0.8,
                "deleted": r.random() < 0.08,
                "deprecated": r.random() < 0.08,
                "desired_instances": None if r.random() < 0.1 else r.randint(0, 6),
            }
            if zone != "" or r.random() < 0.5:
                preset["scheduling_timezone"] = zone
            status = r.random()
            if status < 0.3:
                preset["prebuild_status"] = "validation_failed"
            elif status < 0.4:
                preset["prebuild_status"] = "hard_limited"
            elif status < 0.55:
                preset["prebuild_status"] = "healthy"
            presets.append(preset)
        now_ns = self.pick_now([z for z in zones if z], wall)
        while any(ns_of(NEVER_ANSWERED[z][0]) <= now_ns < ns_of(NEVER_ANSWERED[z][1])
                  for z in zones if z in NEVER_ANSWERED):
            now_ns = self.pick_now([z for z in zones if z], wall)
        now = self.stamp(now_ns)
        old_now = now_ns < ns_of(1960)
        early = now_ns < ns_of(1, 2)  # in Go's first month: nothing may date from before year 1
        interval = r.choice(INTERVALS)

        running, in_progress, backoffs, schedules, pending, hard = [], [], [], [], [], []
        expired: dict[str, list[str]] = {}
        for preset in presets:
            pid = preset["id"]
            # Expiry: a TTL only where upstream's wall-clock verdict is sure to be v2's.
            if wall:
                ttl = r.choice([None, None, 0, -60, 60, 600, 3600, 86400, 7 * 86400])
            elif not old_now:
                ttl = r.choice([None, None, 0, -1, INT32_MIN, INT32_MAX])
            else:
                ttl = r.choice([None, 0, -1])
            if ttl is not None or r.random() < 0.2:
                preset["ttl"] = ttl
            invalidated = None
            if r.random() < 0.25 and not early:
                invalidated = now_ns - r.choice([0, NS, HOUR, DAY, 3 * DAY]) - r.randrange(HOUR)
                preset["last_invalidated_at"] = self.stamp(invalidated)
            expired[pid] = []
            for _ in range(r.choice([0, 0, 1, 2, 3, 4, 5, 7])):
                created = self.created_at(now_ns, ttl, wall, invalidated, early)
                row = {"id": self.uid(), "current_preset_id": pid, "ready": r.random() < 0.7,
                       "created_at": self.stamp(created)}
                running.append(row)
                if (invalidated is not None and created < invalidated) or (
                        ttl is not None and ttl > 0 and now_ns - created > ttl * NS):
                    expired[pid].append(row["id"])
            for _ in range(r.choice([0, 0, 1, 2, 3])):
                in_progress.append({"preset_id": pid, "transition": r.choice(["start", "stop", "delete"]),
                                    "count": r.randint(0, 4)})
            if r.random() < 0.25 and not early:
                failed = r.choice([0, 1, 2, 3, 5])
                last = now_ns - r.randrange(12 * MINUTE) + r.choice([0, 0, MINUTE])
                backoffs.append({"preset_id": pid, "num_failed": failed,
                                 "last_build_at": self.stamp(last)})
                if r.random() < 0.2:  # a later row for the same preset: ignored
                    backoffs.append({"preset_id": pid, "num_failed": 4, "last_build_at": now})
            schedules += schedules_for(r, pid)
            if r.random() < 0.35:
                pending.append({"preset_id": pid, "count": r.randint(-3, 5)})
                if r.random() < 0.2:  # a second row for the same preset: ignored
                    pending.append({"preset_id": pid, "count": r.randint(-3, 5)})
            if r.random() < 0.2:
                hard.append(pid)
        # Rows of no listed preset, and null preset IDs (the nil UUID's, upstream).
        if r.random() < 0.3:
            running.append({"id": self.uid(), "current_preset_id": None, "ready": True,
                            "created_at": rfc3339(self.distinct(now_ns + HOUR))})
            in_progress.append({"preset_id": None, "transition": "start", "count": r.randint(0, 3)})
            pending.append({"preset_id": None, "count": r.randint(-1, 3)})
            stray = self.uid()
            schedules.append({"preset_id": stray, "cron_expression": "* * * * *", "desired_instances": 9})
            hard.append(stray)
        r.shuffle(running)
        r.shuffle(in_progress)
        # Schedules keep their order within a preset: interleave presets' lists at random.
        by_preset = collections.defaultdict(list)
        for s in schedules:
            by_preset[s["preset_id"]].append(s)
        queues = list(by_preset.values())
        interleaved = []
        while queues:
            q = r.choice(queues)
            interleaved.append(q.pop(0))
            if not q:
                queues.remove(q)
        body = {"presets": presets, "running": running, "in_progress": in_progress,
                "backoffs": backoffs, "schedules": interleaved, "pending": pending, "hard_limited": hard}
        return Case(f"v2 {self.seed}/{index}", now, now_ns, interval, body, expired)

    def created_at(self, now_ns: int, ttl, wall: bool, invalidated, early: bool) -> int:
        r = self.r
        for _ in range(50):
            age = r.choice([r.randrange(10 * MINUTE), r.randrange(2 * HOUR), r.randrange(3 * DAY),
                            r.randrange(20 * DAY), -r.randrange(HOUR)])
            if early:
                age = -r.randrange(1, HOUR)
            age += r.choice([0, 0, r.randrange(NS)])
            created = now_ns - age
            if invalidated is not None and abs(created - invalidated) <= 1 and r.random() < 0.5:
                created = invalidated  # exactly at the invalidation: not expired
            if wall and ttl is not None and ttl > 0 and not self.verdict_is_sure(created, now_ns, ttl):
                continue
            return self.distinct(created)
        return self.distinct(now_ns - 30 * DAY)

    def verdict_is_sure(self, created: int, now_ns: int, ttl: int) -> bool:
        """Whether the TTL verdict at now is the one at every wall-clock instant of the run."""
        limit = ttl * NS
        at_now = now_ns - created > limit
        for wall in (self.wall_ns - MINUTE, self.wall_ns + 2 * HOUR):
            if (wall - created > limit) != at_now:
                return False
        return abs(now_ns - created - limit) > NS


# ----------------------------------------------------------------------------------------------
# Upstream's answer, and the comparison.

def run_oracle(oracle: str, cases: list[Case]) -> list[dict]:
    lines = "".join(json.dumps(c.oracle_input(), ensure_ascii=False) + "\n" for c in cases)
    try:
        done = subprocess.run([oracle], input=lines.encode(), capture_output=True, check=False,
                              timeout=max(120, len(cases) // 10))
    except subprocess.TimeoutExpired:
        raise RuntimeError("upstream's code did not finish: a schedule search that never ends "
                           "(see NEVER_ANSWERED); find the case by running fewer") from None
    if done.returncode != 0:
        raise RuntimeError(f"the oracle failed: {done.stderr.decode(errors='replace')}")
    out = [json.loads(line) for line in done.stdout.decode().splitlines() if line.strip()]
    if len(out) != len(cases):
        raise RuntimeError(f"the oracle answered {len(out)} lines for {len(cases)} cases")
    return [o["decisions"] for o in out]


def first_pending(body: dict, pid: str) -> int:
    return next((row["count"] for row in body["pending"] if (row.get("preset_id") or NIL) == pid), 0)


def expected_actions(upstream: dict, pending_count: int) -> list[dict]:
    """Upstream's actions as v2 states them: creates as upstream's reconciler executes them,
    no empty deletes, cancel_pending with its count."""
    executed_create = next((a for a in upstream["executed"] if a["action_type"] == "create"), None)
    out = []
    for a in upstream["actions"]:
        kind = a["action_type"]
        if kind == "create":
            n = executed_create.get("create", 0) if executed_create else 0
            if n > 0:
                out.append({"action_type": "create", "create": n})
        elif kind == "delete":
            if a.get("delete_ids"):
                out.append({"action_type": "delete", "delete_ids": a["delete_ids"]})
        elif kind == "backoff":
            out.append({"action_type": "backoff",
                        "backoff_until": a.get("backoff_until", "0001-01-01T00:00:00Z")})
        elif kind == "cancel_pending":
            out.append({"action_type": "cancel_pending", "count": pending_count})
        else:
            out.append(a)
    return out


STATE = (("Actual", "actual"), ("Expired", "expired"), ("Desired", "desired"), ("Eligible", "eligible"),
         ("Extraneous", "extraneous"), ("Starting", "starting"), ("Stopping", "stopping"),
         ("Deleting", "deleting"))


def compare(case: Case, index: int, upstream: dict, got) -> list[str]:
    """How v2's decision of preset `index` differs from upstream's (empty: it does not)."""
    if not isinstance(got, dict):
        return [f"not a decision: {got!r}"]
    preset = case.body["presets"][index]
    pid = preset["id"]
    out = []
    if got.get("preset_id") != upstream["preset_id"]:
        out.append(f"preset_id {got.get('preset_id')} for {upstream['preset_id']}")
    state = got.get("state") or {}
    for go_key, key in STATE:
        if state.get(key) != upstream["state"][go_key]:
            out.append(f"state.{key}: upstream {upstream['state'][go_key]}, v2 {state.get(key)}")
    if state.get("scheduled_target") != upstream["target"]:
        out.append(f"target: upstream {upstream['target']}, v2 scheduled_target {state.get('scheduled_target')}")
    default = preset.get("desired_instances") or 0
    own = [s["desired_instances"] for s in case.body["schedules"] if s["preset_id"] == pid]
    source = state.get("target_source")
    if source == "default" and upstream["target"] != default:
        out.append(f"target_source default, but upstream's target {upstream['target']} is not {default}")
    if source == "schedule" and upstream["target"] not in own:
        out.append(f"target_source schedule, but no schedule asks for {upstream['target']}")
    if source not in ("default", "schedule"):
        out.append(f"target_source {source!r}")
    if state.get("hard_limited") != (pid in case.body["hard_limited"]):
        out.append(f"state.hard_limited {state.get('hard_limited')}")
    if state.get("validation_failed") != (preset.get("prebuild_status") == "validation_failed"):
        out.append(f"state.validation_failed {state.get('validation_failed')}")
    if got.get("can_skip") != upstream["can_skip"]:
        out.append(f"can_skip: upstream {upstream['can_skip']}, v2 {got.get('can_skip')}")
    want = expected_actions(upstream, first_pending(case.body, pid))
    have = got.get("actions")
    if not isinstance(have, list):
        return out + [f"actions {have!r}"]
    active = preset["using_active_version"] and not preset["deleted"] and not preset["deprecated"]
    if not active:
        # Deliberate: v2 also deletes an inactive preset's expired prebuilds.
        expired = set(case.expired[pid])
        trimmed = []
        for a in have:
            if a.get("action_type") == "delete":
                ids = a.get("delete_ids") or []
                kept = [i for i in ids if i not in expired]
                if sorted(set(ids) - set(kept)) != sorted(expired) and ids:
                    out.append(f"inactive delete {ids} does not hold every expired prebuild {sorted(expired)}")
                if kept:
                    trimmed.append(dict(a, delete_ids=kept))
            else:
                trimmed.append(a)
        have = trimmed
    strip = lambda a: {k: a[k] for k in ("action_type", "create", "delete_ids", "backoff_until", "count") if k in a}  # noqa: E731
    if [strip(a) for a in have] != want:
        out.append(f"actions: upstream {json.dumps(want)}, v2 {json.dumps(got.get('actions'))}")
    if got.get("noop") != (len(got.get("actions") or []) == 0):
        out.append("noop is not `actions` being empty")
    return out


# ----------------------------------------------------------------------------------------------
# The server.

class Client:
    """One keep-alive HTTP/1.1 connection per thread."""

    def __init__(self, base: str):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port or 80
        self.local = threading.local()

    def post(self, path: str, body: dict) -> tuple[int, object]:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
                if resp.will_close:
                    conn.close()
                    self.local.conn = None
                try:
                    return resp.status, json.loads(raw)
                except ValueError:
                    return resp.status, raw.decode(errors="replace")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def check_case(client: Client, case: Case, upstream: list[dict], seed: int) -> tuple[list, collections.Counter]:
    """Posts the case whole and preset by preset; returns the failures and what was compared."""
    failures, seen = [], collections.Counter()
    status, got = client.post(f"/v2/global/reconcile?{case.query()}", case.body)
    decisions = got.get("decisions") if isinstance(got, dict) else None
    if status != 200 or not isinstance(decisions, list) or len(decisions) != len(upstream):
        failures.append((f"POST /v2/global/reconcile?{case.query()}", case.body, upstream, status, got,
                         ["not a decision per preset"]))
    else:
        for i, (u, g) in enumerate(zip(upstream, decisions)):
            problems = compare(case, i, u, g)
            if problems:
                failures.append((f"POST /v2/global/reconcile?{case.query()} (preset {i})", case.body, u,
                                 status, g, problems))
    r = random.Random(f"{seed}/{case.name}")
    for i, u in enumerate(upstream):
        body = case.preset_body(i, r)
        status, got = client.post(f"/v2/presets/reconcile?{case.query()}", body)
        problems = [f"status {status}"] if status != 200 else compare(case, i, u, got)
        if problems:
            failures.append((f"POST /v2/presets/reconcile?{case.query()}", body, u, status, got, problems))
        seen.update(kinds(case, i, u))
    return failures, seen


def kinds(case: Case, index: int, upstream: dict) -> list[str]:
    """What a decision exercised, for the counts printed at the end."""
    preset = case.body["presets"][index]
    pid = preset["id"]
    own = [s["cron_expression"] for s in case.body["schedules"] if s["preset_id"] == pid]
    out = [f"action {a['action_type']}" for a in upstream["actions"]] or ["no action"]
    if len(own) > 1:
        out.append("several schedules")
    if own and upstream["target"] != (preset.get("desired_instances") or 0):
        out.append("target from a schedule")
    if upstream["target"] < 0:
        out.append("negative target")
    if any(ch.isalpha() for e in own for ch in e):
        out.append("schedule with names")
    if any("/" in e for e in own):
        out.append("schedule with steps")
    if any("?" in e for e in own):
        out.append("schedule with ?")
    if upstream["state"]["Expired"]:
        out.append("expired prebuilds")
    if preset.get("prebuild_status") == "validation_failed":
        out.append("validation_failed")
    if pid in case.body["hard_limited"]:
        out.append("hard-limited")
    if upstream["executed"] != upstream["actions"]:
        out.append("reconciler changed the decision")
    return out


# ----------------------------------------------------------------------------------------------

def setting(name: str, default):
    value = os.environ.get(name)
    return default if value in (None, "") else type(default)(value) if default is not None else value


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", default=setting("DIFFERENTIAL_SERVER", None))
    ap.add_argument("--seed", type=int, default=setting("DIFFERENTIAL_SEED", None))
    ap.add_argument("--count", type=int, default=setting("DIFFERENTIAL_COUNT", 3000))
    ap.add_argument("--threads", type=int, default=setting("DIFFERENTIAL_THREADS", 2))
    ap.add_argument("--oracle", default=setting("ORACLE", None))
    ap.add_argument("--write-vectors", metavar="FILE", help="write the cases with upstream's answers")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not args.oracle:
        ap.error("give --oracle or ORACLE")
    if not args.server and not args.write_vectors:
        ap.error("give --server (or DIFFERENTIAL_SERVER) or --write-vectors")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    reproduce = f"DIFFERENTIAL_SEED={seed} DIFFERENTIAL_COUNT={args.count} scripts/differential-v2.sh"
    log(f"seed {seed} (reproduce: {reproduce}; cases with a TTL follow the wall clock)")

    t0 = time.monotonic()
    gen = Generator(seed, time.time_ns())
    cases = [gen.case(i) for i in range(args.count)]
    try:
        answers = run_oracle(args.oracle, cases)
    except (OSError, RuntimeError) as e:
        log(f"setup failed: {e}")
        return 2
    t1 = time.monotonic()
    n_presets = sum(len(a) for a in answers)
    log(f"{len(cases)} global snapshots, {n_presets} presets, "
        f"{sum(len(c.body['schedules']) for c in cases)} schedules, generated and decided by upstream "
        f"in {t1 - t0:.1f}s")

    if args.write_vectors:
        with open(args.write_vectors, "w", encoding="utf-8") as f:
            for case, upstream in zip(cases, answers):
                r = random.Random(f"{seed}/{case.name}")
                line = {"name": case.name, "now": case.now, "backoff_interval": case.interval[0],
                        "body": case.body,
                        "preset_bodies": [case.preset_body(i, r) for i in range(len(upstream))],
                        "expired": [case.expired[p["id"]] for p in case.body["presets"]],
                        "upstream": upstream}
                f.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        log(f"wrote {len(cases)} cases to {args.write_vectors}")
        return 0

    client = Client(args.server)
    failures, seen = [], collections.Counter()
    with ThreadPoolExecutor(max_workers=max(1, args.threads)) as pool:
        for f, s in pool.map(lambda pair: check_case(client, pair[0], pair[1], seed), zip(cases, answers)):
            failures += f
            seen += s
    t2 = time.monotonic()
    log(f"{len(cases)} global and {n_presets} single-preset requests, {2 * n_presets} decisions "
        f"compared in {t2 - t1:.1f}s")
    log("decisions by what they exercised (each counted once per preset):")
    for k in sorted(seen):
        log(f"  {k}: {seen[k]}")
    if failures:
        log(f"\nFAIL: {len(failures)} decisions differ from upstream's (seed {seed})")
        for endpoint, body, upstream, status, got, problems in failures[:SHOW_MISMATCHES]:
            log(f"\n--- {endpoint}: {'; '.join(problems)}")
            log(f"body: {json.dumps(body, ensure_ascii=False)}")
            log(f"upstream: {json.dumps(upstream, ensure_ascii=False)}")
            log(f"v2 (status {status}): {json.dumps(got, ensure_ascii=False)}")
        if len(failures) > SHOW_MISMATCHES:
            log(f"\n... and {len(failures) - SHOW_MISMATCHES} more")
        log(f"\nreproduce: {reproduce}")
        return 1
    log(f"\nOK: every decision matches upstream's (seed {seed}, {time.monotonic() - t0:.1f}s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
