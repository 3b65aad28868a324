#!/usr/bin/env python3
"""Per-row cost by size, from criterion's results (stdlib only).

    python3 benches/growth.py [CRITERION_DIR]

Reads every CRITERION_DIR/**/new/estimates.json (default: $CARGO_TARGET_DIR/criterion, else
target/criterion beside this script's repo) with its benchmark.json (group, size, throughput
in rows), and prints for each group: the time per call (criterion's mean, and its slope where
it has one), the cost per row in ns, and the ratio of per-row cost between consecutive sizes.

Reading the ratios: sizes grow 10x at a time, so a ratio near 1 is linear, at most
log(10n)/log(n) (2.0 from 10 to 100, 1.25 from 10,000 to 100,000) is n log n, and near 10 is
quadratic. Small sizes are dominated by fixed costs (a ratio well below 1 there is the fixed
cost being spread); the largest sizes also pay cache misses.
"""

import json
import math
import os
import sys
from pathlib import Path


def load(root):
    groups = {}
    for estimates_path in sorted(root.glob("**/new/estimates.json")):
        bench_path = estimates_path.with_name("benchmark.json")
        if not bench_path.exists():
            continue
        bench = json.loads(bench_path.read_text())
        estimates = json.loads(estimates_path.read_text())
        throughput = bench.get("throughput") or {}
        rows = throughput.get("Elements")
        if rows is None:
            continue
        try:
            size = int(bench.get("value_str") or bench.get("function_id"))
        except (TypeError, ValueError):
            continue
        mean = estimates["mean"]["point_estimate"]
        slope = (estimates.get("slope") or {}).get("point_estimate")
        groups.setdefault(bench["group_id"], []).append((size, rows, mean, slope))
    return groups


def human(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.2f} {unit}"
    return f"{ns:.1f} ns"


def main(argv):
    if len(argv) > 1:
        root = Path(argv[1])
    elif os.environ.get("CARGO_TARGET_DIR"):
        root = Path(os.environ["CARGO_TARGET_DIR"]) / "criterion"
    else:
        root = Path(__file__).resolve().parent.parent / "target" / "criterion"
    groups = load(root)
    if not groups:
        sys.stderr.write(f"no criterion results with a throughput under {root}: run "
                         "`cargo bench --bench decide` first\n")
        return 1
    for group in sorted(groups):
        runs = sorted(groups[group])
        print(f"{group}")
        print(f"  {'size':>8} {'rows':>8} {'time/call':>11} {'ns/row':>10} {'x prev':>7} "
              f"{'nlogn<=':>8}")
        previous = None
        for size, rows, mean, slope in runs:
            time = slope if slope is not None else mean
            per_row = time / rows
            ratio = expected = ""
            if previous is not None and previous[0] > 0:
                ratio = f"{per_row / previous[1]:.2f}"
                if previous[0] > 1:
                    expected = f"{math.log(size) / math.log(previous[0]):.2f}"
            print(f"  {size:>8} {rows:>8} {human(time):>11} {per_row:>10.1f} {ratio:>7} "
                  f"{expected:>8}")
            previous = (size, per_row)
        print()
    print("x prev: ns/row over the previous size's. nlogn<=: the ratio a pure n*log(n) cost")
    print("gives (log n2 / log n1); a linear part pulls an n log n cost's ratio toward 1, so a")
    print("ratio above this column, growing with size, is worse than n log n (cache misses")
    print("at large sizes also lift it); near 10 is quadratic.")
    print("time/call is criterion's slope estimate where it has one (linear sampling), else the mean.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
