"""How much energetic reasoning tightens the start windows at T = best_ub - 1 (PSPLIB j60).

usage: er_windows.py INSTANCE...   (prints, per instance, the total window width before / after)
The reference is used only to pick T, as in the s21 probes.
"""

import csv
import sys
import time
from pathlib import Path

from planner.rcpsp.bounds import energetic_windows
from planner.rcpsp.network import distances, energy_distances, tightened_windows
from planner.rcpsp.readers import read

DATA = Path("/work/shared/data/psplib")

with open(DATA / "bounds.csv") as f:
    ref = {r["instance"]: r for r in csv.DictReader(f)}
for name in sys.argv[1:]:
    inst = read(DATA / "j60" / f"{name}.sm")[0]
    T = int(ref[name]["best_ub"]) - 1
    dist = energy_distances(inst, distances(inst))
    w = tightened_windows(inst, dist, T)
    t0 = time.process_time()
    er = energetic_windows(inst, dist, T)
    cpu = time.process_time() - t0
    base = int((w.ls - w.es).sum())
    if er is None:
        print(name, T, "refuted", round(cpu, 3))
        continue
    est, lst = er
    print(
        name,
        T,
        "width",
        base,
        "->",
        int((lst - est).sum()),
        "fixed",
        int((lst == est).sum()),
        "cpu",
        round(cpu, 3),
    )
