"""The grid's p99 comparisons with a model side from model_side.py and the simulated
percentiles of a simulator.csv (the simulations are deterministic given the simulator code,
which this branch does not change): how many of the p99 rows below 80 % are within 15 %.

Usage: python bench/session_runs/s14tpot/regrade.py SIMULATOR.csv MODEL_SIDE.txt
"""

import csv
import json
import sys


def model_side(path):
    out = {}
    with open(path) as lines:
        for line in lines:
            head, _, ttft, tpot = line.rsplit(" ", 3)
            name, u, q = head.rsplit(" ", 2)
            out[(name, round(float(u), 3), int(q))] = (float(ttft), float(tpot))
    return out


model = model_side(sys.argv[2])
sims = {}
with open(sys.argv[1]) as rows:
    for row in csv.DictReader(rows):
        st = json.loads(row["stats"])
        if "utilisation" not in st:
            continue  # solver plans: not in model_side.py
        key = (st["case"], round(float(st["utilisation"]), 3), int(st["percentile"]))
        sims[key] = (st["sim_ttft_s"], st["sim_tpot_s"])
within = total = 0
for key in sorted(sims, key=lambda k: (k[0], k[1], k[2])):
    if key not in model:
        continue
    (st, sp), (mt, mp) = sims[key], model[key]
    et, ep = mt / st - 1, mp / sp - 1
    flag = ""
    if key[2] == 99 and key[1] < 0.8:
        for e in (et, ep):
            total += 1
            within += abs(e) <= 0.15
        if abs(et) > 0.15 or abs(ep) > 0.15:
            flag = " MISS"
    print(
        f"{key[0][:44]:44s} {key[1]:.0%} p{key[2]}: TTFT {et:+.1%}, TPOT {1e3 * mp:.1f} vs "
        f"{1e3 * sp:.1f} ms {ep:+.1%}{flag}"
    )
print(f"p99 below 80 %: {within} / {total} within 15 %")
