# ruff: noqa  (README / docs snippets kept verbatim as they were run)
import planner.pipelining as pl

r = pl.schedule("fa3_fwd_hopper", time_limit=30, explain=True)  # path, mapping or Instance
r.solution.ii, r.solution.warp, r.stats["explain"]["binding"]
pl.schedule(kernel, machine=other_machine_dict, warps=2)  # same loop, other SM
