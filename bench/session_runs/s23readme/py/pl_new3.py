# ruff: noqa  (README / docs snippets kept verbatim as they were run)
import planner.pipelining as pl

kernel = pl.load_kernel("fa3_fwd_hopper")
for smem, warps in [(160, 3), (195, 2), (195, 3)]:
    other_sm = {**kernel.to_dict()["machine"], "smem": smem}
    r = pl.schedule(kernel, machine=other_sm, warps=warps, method="ims", time_limit=10)
    print(smem, warps, r.status, r.solution and r.solution.ii, r.reason, r.runtime_s)
