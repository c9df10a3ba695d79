"""The FA3 structure on the Hopper forward kernel, as predicates on the optimal schedule."""

from __future__ import annotations

from planner.core.result import Status
from planner.core.solve import solve


def test_hopper_forward_finds_the_fa3_structure(fa3):
    result = solve(fa3, "exact", time_limit=120, threads=2)
    assert result.status is Status.OPTIMAL  # ii proven minimal and the length too
    sol = result.solution
    assert sol.ii == result.stats["res_mii"]  # the tensor cores bind
    warp, start = sol.warp, sol.start
    tma = {o.id for o in fa3.ops if o.variable_latency}
    # TMA loads alone on their warp group
    producer = {warp[v] for v in tma}
    assert len(producer) == 1
    assert all(warp[o.id] not in producer for o in fa3.ops if o.id not in tma)
    # GEMMs and softmax of the two sub-tiles on two different consumer warp groups
    group_of = {s: {warp[f"{k}_{s}"] for k in ("qk", "rowmax", "exp", "pv")} for s in "ab"}
    assert len(group_of["a"]) == len(group_of["b"]) == 1
    assert group_of["a"] != group_of["b"]
    assert not (group_of["a"] | group_of["b"]) & producer
    # the next iteration's QK^T GEMM is issued before the current softmax ends
    first_qk = min(start["qk_a"], start["qk_b"])
    softmax_end = max(start[f"exp_{s}"] + fa3.op(f"exp_{s}").latency for s in "ab")
    assert first_qk + sol.ii < softmax_end
