"""Script 3: read a certificate (objective, bound, gap, status, verify) from each family's solve."""

import time
from pathlib import Path

import planner

R = Path("/tmp/s21lib/repo/instances")
cases = [
    ("smtt", R / "smtt/example.json", None),
    ("rcpsp", R / "rcpsp/j301_1.sm", None),
    ("rcpsp", R / "rcpsp/PSP2.SCH", None),
    ("train", R / "train/llama-8b-64xh100.toml", None),
    ("serve", R / "serve/chat-70b.toml", None),
    ("seqpar", R / "seqpar/example.json", None),
    ("pipelining", R / "pipelining/gemm_hopper.json", None),
    ("offload", R / "offload/tide_trace.npy", None),
]
for fam_name, path, sel in cases:
    fam = planner.get_family(fam_name)
    (inst, *rest) = fam.read(path, sel)
    planner.solve(inst, "auto", time_limit=0.5, threads=1) if fam_name in (
        "smtt",
        "offload",
    ) else None  # warm
    w0 = time.time()
    c0 = time.process_time()
    r = planner.solve(inst, "auto", time_limit=3, threads=1, seed=0)
    wall, cpu = time.time() - w0, time.process_time() - c0
    viol = fam.verify(inst, r.solution) if r.solution is not None else None
    print(
        f"{fam_name:10s} {path.name:24s} {r.status.name if hasattr(r.status, 'name') else r.status} obj={r.objective!r} bound={r.bound!r} "
        f"gap={r.gap!r} verified={r.verified} verify={viol} runtime_s={r.runtime_s:.2f} wall={wall:.2f} cpu={cpu:.2f} "
        f"reason={r.reason[:80]!r}"
    )
