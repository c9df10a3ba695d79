"""Before (main's bench/results/serve/simulator.csv) vs after (this branch) p99 errors."""

import csv
import json
import sys


def load(path):
    out = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            s = json.loads(r["stats"])
            metric = r["instance"].rsplit("/ ", 1)[1]
            key = (s["case"], s["utilisation"], s["percentile"], metric)
            out[key] = (s[f"{metric}_err"], s[f"model_{metric}_s"], s[f"sim_{metric}_s"])
    return out


before, after = load(sys.argv[1]), load(sys.argv[2])
within = {"before": 0, "after": 0, "n": 0}
print(
    "| case | util. | metric | model before ms | model after ms | sim before / after ms | err before | err after |"
)
print("|---|---|---|---|---|---|---|---|")
for key in sorted(after, key=lambda k: list(after).index(k)):
    case, u, q, m = key
    if q != 99 or key not in before:
        continue
    eb, mb, sb = before[key]
    ea, ma, sa = after[key]
    if u < 0.8:
        within["n"] += 1
        within["before"] += eb is not None and abs(eb) <= 0.15
        within["after"] += ea is not None and abs(ea) <= 0.15
    moved = " (moved)" if abs(ma / mb - 1) > 1e-3 else ""
    print(
        f"| {case} | {u:.0%} | {m} | {mb * 1e3:.2f} | {ma * 1e3:.2f}{moved} | {sb * 1e3:.2f} / {sa * 1e3:.2f} "
        f"| {eb * 100:+.1f} % | {ea * 100:+.1f} % |"
    )
print(
    f"\np99 below 80 %: within 15 % before {within['before']} / {within['n']}, after {within['after']} / {within['n']}"
)
