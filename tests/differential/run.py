#!/usr/bin/env python3
"""Differential test: the live server against the compiled seed, decision by decision.

Run by scripts/differential.sh, which builds the oracle and the release server, starts the
server and passes its address. By hand:

    ORACLE=/path/to/seed-oracle python3 tests/differential/run.py --server http://127.0.0.1:8080

Python 3.11, standard library only. It draws fresh snapshots with the vector generator
(tests/vectors/generate.py, reseeded: random_vector() and records(), which checks that every
snapshot is one the contract accepts, asks Go how it reads each timestamp and asks the seed
oracle for each decision), adds edge-focused ones (edges.py), and posts each snapshot to the
server:

- POST /v1/presets/reconcile with the canonical body and with the Go-native body (the very body
  the oracle read), every snapshot;
- POST /v1/presets/state and /v1/presets/actions for half of them (alternating body forms);
- POST /v1/global/reconcile with global snapshots made of groups of snapshots that share `now`
  and the interval (rows interleaved, stray rows of no listed preset, a later backoff row per
  preset that must be ignored).

Each answer is compared with the oracle's: state, action type, `create`, `delete_ids` (order
included), the exact `backoff_until` string, `noop`, and Go's echo of `now` (`evaluated_at`) and
of the interval (`backoff_interval`). JSON types count (1 is not 1.0). Fields the contract does
not list are ignored, as the contract lets clients do.

Settings (environment, or the flags of the same name):
  DIFFERENTIAL_SEED        seed of every random choice (default: a random one, printed)
  DIFFERENTIAL_COUNT       ordinary random snapshots (default 2500)
  DIFFERENTIAL_EDGE_COUNT  edge-focused snapshots on top (default 400, plus 6 large lists and
                           the generator's 32 hand-made edge cases)
  DIFFERENTIAL_THREADS     client threads, one keep-alive connection each (default 2)
  DIFFERENTIAL_SERVER      the server's base URL
  ORACLE, VECTORS_BIN, GO: as for tests/vectors/generate.py (the script sets them)

Exit status: 0 when every answer matches, 1 on any mismatch (the first few are printed in full
with the seed that reproduces them), 2 on a setup error.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import signal
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests" / "vectors"))
sys.path.insert(0, str(HERE))

import generate as gen  # noqa: E402  (the vector generator, reseeded)
import edges  # noqa: E402

STATE_KEYS = ("actual", "desired", "eligible", "extraneous", "starting", "stopping", "deleting")
ACTION_KEYS = ("action_type", "create", "delete_ids", "backoff_until")
MISSING = "<absent>"
SHOW_MISMATCHES = 5
SHOW_CHARS = 20000


def log(*args) -> None:
    print(*args, flush=True)


# ----------------------------------------------------------------------------------------------
# What the server should answer, and how answers are compared.

def expected_decision(rec: dict) -> dict:
    e = rec["expected"]
    return {
        # Go's uuid.UUID prints lower case whatever case it was given.
        "preset_id": rec["canonical"]["preset"]["id"].lower(),
        "state": e["state"],
        "actions": e["actions"],
        "noop": e["noop"],
        "evaluated_at": e["evaluated_at"],
        "backoff_interval": e["backoff_interval"],
    }


def view(got, keys) -> dict:
    """The members of an answer that are compared (absent ones marked), nested views included."""
    if not isinstance(got, dict):
        return {"<not an object>": got}
    out = {}
    for k in keys:
        v = got.get(k, MISSING)
        if k == "state":
            v = view(v, STATE_KEYS)
        elif k == "actions":
            v = view(v, ACTION_KEYS)
        out[k] = v
    return out


def differing(expected: dict, got, keys) -> list[str]:
    """The compared members that differ, as paths like `actions/delete_ids` (empty: same)."""
    a, b = view(expected, keys), view(got, keys)
    out = []
    for k in keys:
        if json.dumps(a.get(k), sort_keys=True) != json.dumps(b.get(k, MISSING), sort_keys=True):
            sub = a.get(k)
            if isinstance(sub, dict) and isinstance(b.get(k), dict):
                out += [f"{k}/{s}" for s in sub if json.dumps(sub[s]) != json.dumps(b[k].get(s, MISSING))]
            else:
                out.append(k)
    return out


DECISION = ("preset_id", "state", "actions", "noop", "evaluated_at", "backoff_interval")
ACTIONS_RESPONSE = ("actions", "noop", "evaluated_at", "backoff_interval")


class Check:
    """One request and what its answer must be."""

    __slots__ = ("endpoint", "path", "body", "records", "kind", "extra")

    def __init__(self, endpoint: str, path: str, body: bytes, records: list[dict], kind: str, extra=None):
        self.endpoint, self.path, self.body = endpoint, path, body
        self.records, self.kind, self.extra = records, kind, extra

    def expected(self):
        if self.kind == "state":
            return self.records[0]["expected"]["state"]
        if self.kind == "actions":
            d = expected_decision(self.records[0])
            return {k: d[k] for k in ACTIONS_RESPONSE}
        if self.kind == "reconcile":
            return expected_decision(self.records[0])
        first = self.records[0]["expected"]
        return {"decisions": [expected_decision(r) for r in self.records],
                "evaluated_at": first["evaluated_at"], "backoff_interval": first["backoff_interval"]}

    def mismatches(self, status: int, got) -> list[str]:
        """What differs (empty when the answer is right)."""
        if status != 200:
            return [f"status {status}"]
        exp = self.expected()
        if self.kind == "state":
            return differing({"state": exp}, {"state": got}, ("state",))
        if self.kind == "actions":
            return differing(exp, got, ACTIONS_RESPONSE)
        if self.kind == "reconcile":
            return differing(exp, got, DECISION)
        out = differing(exp, got, ("evaluated_at", "backoff_interval"))
        decisions = got.get("decisions") if isinstance(got, dict) else None
        if not isinstance(decisions, list) or len(decisions) != len(self.records):
            n = len(decisions) if isinstance(decisions, list) else decisions
            return out + [f"{n} decisions for {len(self.records)} presets"]
        for i, (e, g) in enumerate(zip(exp["decisions"], decisions)):
            out += [f"decisions/{i}/{what} ({self.records[i]['name']})" for what in differing(e, g, DECISION)]
        return out

    def decisions(self) -> int:
        return len(self.records) if self.kind == "global" else 1


# ----------------------------------------------------------------------------------------------
# Requests.

def query(rec: dict) -> str:
    q = urllib.parse.quote
    return f"now={q(rec['now'], safe='')}&backoff_interval={q(rec['backoff_interval'], safe='')}"


def dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def preset_checks(records: list[dict]) -> list[Check]:
    checks = []
    for i, rec in enumerate(records):
        canonical = (rec.get("canonical_text") or json.dumps(
            rec["canonical"], ensure_ascii=False, separators=(",", ":"))).encode()
        native = dumps(rec["go_native"])
        q = query(rec)
        checks.append(Check("POST /v1/presets/reconcile (canonical body)",
                            f"/v1/presets/reconcile?{q}", canonical, [rec], "reconcile"))
        checks.append(Check("POST /v1/presets/reconcile (Go-native body)",
                            f"/v1/presets/reconcile?{q}", native, [rec], "reconcile"))
        if i % 4 in (0, 2):  # half of them through /state and /actions, body forms alternating
            form, body = ("canonical body", canonical) if i % 4 == 0 else ("Go-native body", native)
            checks.append(Check(f"POST /v1/presets/state ({form})", "/v1/presets/state", body, [rec], "state"))
            checks.append(Check(f"POST /v1/presets/actions ({form})", f"/v1/presets/actions?{q}", body,
                                [rec], "actions"))
    return checks


def interleave(lists: list[list], strays: list) -> list:
    """Round-robin over the lists, keeping each list's order; strays first, midway and last."""
    out = []
    strays = list(strays)
    if strays:
        out.append(strays.pop(0))
    longest = max((len(x) for x in lists), default=0)
    for round_ in range(longest):
        for x in lists:
            if round_ < len(x):
                out.append(x[round_])
        if round_ == longest // 2 and strays:
            out.append(strays.pop(0))
    return out + strays


def global_body(members: list[dict], r: random.Random) -> bytes:
    def uid() -> str:
        return str(uuid.UUID(int=r.getrandbits(128), version=4))

    presets, running, in_progress, backoffs, decoys = [], [], [], [], []
    for rec in members:
        c = rec["canonical"]
        pid = c["preset"]["id"]
        # Rows point at their preset; now and then in the other case (the same UUID).
        pointer = pid.upper() if r.random() < 0.1 else pid.lower()
        presets.append(c["preset"])
        running.append([dict(row, current_preset_id=pointer) for row in c.get("running") or []])
        in_progress.append([dict(row, preset_id=pointer) for row in c.get("in_progress") or []])
        if isinstance(c.get("backoff"), dict):
            backoffs.append(dict(c["backoff"], preset_id=pointer))
            # A later row for the same preset: only the first one counts.
            decoys.append({"preset_id": pointer, "num_failed": r.choice([0, 5, 2**31 - 1]),
                           "last_build_at": "2025-06-02T12:00:00Z"})
    unknown = uid()
    strays_running = [
        {"id": uid(), "ready": True, "created_at": "2025-06-02T12:00:00Z", "current_preset_id": None},
        {"id": uid(), "ready": False, "created_at": "2020-01-01T00:00:00.5+02:00", "current_preset_id": unknown},
        {"id": uid(), "ready": True, "created_at": "2030-01-01T00:00:00Z"},
    ]
    strays_in_progress = [
        {"transition": "start", "count": 7, "preset_id": None},
        {"transition": "delete", "count": 2**31 - 1, "preset_id": unknown},
        {"transition": "stop", "count": 2},
    ]
    body = {
        "presets": presets,
        "running": interleave(running, strays_running),
        "in_progress": interleave(in_progress, strays_in_progress),
        "backoffs": backoffs + [{"preset_id": unknown, "num_failed": 3,
                                 "last_build_at": "2025-06-02T12:00:00Z"}] + decoys,
    }
    return dumps(body)


def global_checks(records: list[dict], r: random.Random, max_group: int) -> list[Check]:
    """Every record in one global snapshot: groups of 1..max_group sharing now and interval."""
    by_key: dict[tuple[str, str], list[dict]] = collections.defaultdict(list)
    for rec in records:
        by_key[(rec["now"], rec["backoff_interval"])].append(rec)
    checks = []
    for (now, interval), recs in by_key.items():
        recs = list(recs)
        r.shuffle(recs)
        while recs:
            size = r.randint(1, max_group) if len(recs) > 1 else 1
            group, recs = recs[:size], recs[size:]
            checks.append(Check("POST /v1/global/reconcile", f"/v1/global/reconcile?{query(group[0])}",
                                global_body(group, r), group, "global"))
    r.shuffle(checks)
    return checks


class Client:
    """One keep-alive HTTP/1.1 connection per thread."""

    def __init__(self, base: str):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port or 80
        self.local = threading.local()

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    conn.close()
                    self.local.conn = None
                return resp.status, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


# ----------------------------------------------------------------------------------------------

def setting(name: str, default):
    value = os.environ.get(name)
    return default if value in (None, "") else type(default)(value) if default is not None else value


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", default=setting("DIFFERENTIAL_SERVER", None))
    ap.add_argument("--seed", type=int, default=setting("DIFFERENTIAL_SEED", None))
    ap.add_argument("--count", type=int, default=setting("DIFFERENTIAL_COUNT", 2500))
    ap.add_argument("--edge-count", type=int, default=setting("DIFFERENTIAL_EDGE_COUNT", 400))
    ap.add_argument("--threads", type=int, default=setting("DIFFERENTIAL_THREADS", 2))
    ap.add_argument("--max-group", type=int, default=24)
    args = ap.parse_args()
    # SIGTERM as an exception: subprocess.run then stops the Go program it is waiting for.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not args.server:
        ap.error("give --server or DIFFERENTIAL_SERVER")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    reproduce = (f"DIFFERENTIAL_SEED={seed} DIFFERENTIAL_COUNT={args.count} "
                 f"DIFFERENTIAL_EDGE_COUNT={args.edge_count} scripts/differential.sh")
    log(f"seed {seed} (reproduce: {reproduce})")
    if args.count < 2000:
        log(f"note: {args.count} random snapshots; CI runs at least 2,000 (the default is 2,500)")

    t0 = time.monotonic()
    try:
        oracle, gotime = gen.build()
        go = gen.Go(oracle, gotime)
        cat = gen.Catalog(go)
    except Exception as e:  # noqa: BLE001
        log(f"setup failed: {e}")
        return 2

    # Fresh snapshots: the generator's random ones, then the edge-focused ones (from seed + 1,
    # so that they do not depend on the count; the UUIDs stay unique across both).
    gen.reseed(seed)
    vectors = [gen.random_vector(i, cat) for i in range(1, args.count + 1)]
    gen.rng.seed(seed + 1)
    vectors += edges.edge_vectors(cat, args.edge_count)
    t1 = time.monotonic()
    records, _ = gen.records(vectors, go, cat)  # contract checks, Go's timestamps, the oracle
    t2 = time.monotonic()
    for rec in records:
        if rec["category"] == "edge" and gen.rng.random() < 0.08:
            edges.upper_case_ids(rec)
    n_random = sum(r["category"] == "random" for r in records)
    n_edge = len(records) - n_random
    rows = [len(r["canonical"].get("running") or []) for r in records]
    log(f"{len(records)} snapshots ({n_random} random, {n_edge} edge; {sum(rows)} running rows, "
        f"largest {max(rows)}, {sum(n >= 1000 for n in rows)} with 1,000 or more), generated in "
        f"{t1 - t0:.1f}s, decided by the seed oracle in {t2 - t1:.1f}s")

    r = random.Random(seed + 2)
    checks = preset_checks(records) + global_checks(records, r, args.max_group)
    client = Client(args.server)

    def run(check: Check):
        try:
            status, data = client.post(check.path, check.body)
        except Exception as e:  # noqa: BLE001
            return check, 0, f"<request failed: {e!r}>", [f"request failed: {e!r}"]
        try:
            got = json.loads(data)
        except ValueError:
            return check, status, data.decode(errors="replace"), ["answer is not JSON"]
        return check, status, got, check.mismatches(status, got)

    by_endpoint: collections.Counter = collections.Counter()
    by_action: collections.Counter = collections.Counter()
    decisions = 0
    failures = []
    t3 = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.threads)) as pool:
        for check, status, got, problems in pool.map(run, checks, chunksize=16):
            by_endpoint[check.endpoint] += 1
            decisions += check.decisions()
            if check.kind == "global":
                by_endpoint["  decisions inside global snapshots"] += len(check.records)
            if problems:
                failures.append((check, status, got, problems))
    t4 = time.monotonic()
    for rec in records:
        a = rec["expected"]["actions"]["action_type"]
        by_action[f"{a}{' (noop)' if rec['expected']['noop'] else ''}"] += 1
        by_action[f"  {rec['category']}: {a}{' (noop)' if rec['expected']['noop'] else ''}"] += 1

    log(f"{len(checks)} requests, {decisions} decisions compared, in {t4 - t3:.1f}s "
        f"({len(checks) / max(t4 - t3, 1e-9):.0f} requests/s, {args.threads} connections)")
    log("snapshots by the seed's action:")
    for k in sorted(by_action, key=lambda k: (k.startswith(" "), k)):
        log(f"  {k}: {by_action[k]}")
    log("requests by endpoint:")
    for k in sorted(by_endpoint, key=lambda k: (k.startswith(" "), k)):
        log(f"  {k}: {by_endpoint[k]}")

    if failures:
        log(f"\nFAIL: {len(failures)} of {len(checks)} answers differ from the seed's (seed {seed})")
        for check, status, got, problems in failures[:SHOW_MISMATCHES]:
            body = check.body.decode()
            if len(body) > SHOW_CHARS:
                body = body[:SHOW_CHARS] + f"... ({len(body)} characters; the seed regenerates it)"
            log(f"\n--- {check.endpoint}: {', '.join(problems)}")
            log(f"snapshot: {', '.join(r['name'] for r in check.records[:5])}"
                f"{' ...' if len(check.records) > 5 else ''}")
            log(f"request: POST {check.path}")
            log(f"body: {body}")
            log(f"seed oracle (expected): {json.dumps(check.expected(), ensure_ascii=False)}")
            shown = json.dumps(got, ensure_ascii=False) if not isinstance(got, str) else got
            log(f"server (status {status}): {shown}")
        if len(failures) > SHOW_MISMATCHES:
            log(f"\n... and {len(failures) - SHOW_MISMATCHES} more")
        log(f"\nreproduce: {reproduce}")
        return 1
    log(f"\nOK: every answer matches the seed's (seed {seed}, {time.monotonic() - t0:.1f}s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
