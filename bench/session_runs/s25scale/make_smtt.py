"""Write large smtt instances (the generator's distribution, past its 100,000 cap)."""

import importlib
import json
import sys

import numpy as np

g = importlib.import_module("planner.smtt.generate")

for n, weighted in ((100_000, False), (100_000, True), (1_000_000, False), (1_000_000, True)):
    g.MAX_N = n  # lift the CLI's cap for this script only: same distribution
    inst = g.generate(n, 0.6, 0.4, weighted=weighted, clip=True, seed=1)[0]
    out = {
        "name": f"smtt{n}{'w' if weighted else ''}",
        "n": n,
        "p": np.asarray(inst.p).tolist(),
        "d": np.asarray(inst.d).tolist(),
    }
    if weighted:
        out["w"] = np.asarray(inst.w).tolist()
    path = f"/tmp/s25scale/smtt_{n}{'w' if weighted else ''}.json"
    with open(path, "w") as fh:
        json.dump(out, fh)
    print(path, file=sys.stderr)
