import time
from pathlib import Path

import planner
import planner.pipelining as pl

R = Path("/tmp/s21lib/repo/instances")
for fam_name, path in [
    ("rcpsp", R / "rcpsp/j301_1.sm"),
    ("seqpar", R / "seqpar/example.json"),
    ("pipelining", R / "pipelining/gemm_hopper.json"),
]:
    fam = planner.get_family(fam_name)
    (inst, *_) = fam.read(path, None)
    w0 = time.time()
    r = planner.solve(inst, "auto", time_limit=3, threads=1)
    print(fam_name, time.time() - w0, r.runtime_s, r.stats.get("warmup_s"), r.status)
    w0 = time.time()
    r = planner.solve(inst, "auto", time_limit=3, threads=1)
    print(fam_name, "again", time.time() - w0, r.runtime_s, r.stats.get("warmup_s"))
help(pl.decode) if hasattr(pl, "decode") else print(
    "no pl.decode", [n for n in dir(pl) if not n.startswith("_")]
)
print(r.solution.ii, r.solution.length if hasattr(r.solution, "length") else None)
