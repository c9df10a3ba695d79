"""The FA3 structure on the Hopper forward kernel, as predicates on the optimal schedule; FA4's
roles on the Blackwell forward kernel among the optimal schedules."""

from __future__ import annotations

from planner.core.cpsat import make_solver
from planner.core.result import Status
from planner.core.solve import solve
from planner.core.timing import Deadline
from planner.pipelining import exact
from planner.pipelining.bounds import length_lb
from planner.pipelining.cpsat import build
from planner.pipelining.evaluate import verify


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


def fa4_roles(inst) -> dict[str, int]:
    """FA4's warp roles (flash_fwd_sm100.py): load warp, MMA warp, a softmax group per query
    tile, one correction group; numbered in the order the model opens groups."""
    role = {"tma": 0, "gemm": 1, "correction": 3}
    return {o.id: role.get(o.kind, 2 if o.id.endswith("_a") else 4) for o in inst.ops}


def test_blackwell_forward_fa4_roles_tie_the_unpinned_optimum(fa4):
    # ii 92 is the optimum the exact method proves (bench/results/pipelining/kernels.md);
    # at it FA4's roles pinned must reach the shortest length of the free model. Before the
    # row factor's exp2 moved to rowmax (as FA4 computes it), they had no schedule at 92.
    ii, horizon = 92, 240  # an optimum inside the horizon is the optimum
    lengths = {}
    for pinned in (False, True):
        model = build(fa4, ii, length_lb=length_lb(fa4, ii), horizon=horizon)
        if pinned:
            model.fix_warps(fa4_roles(fa4))
        solver = make_solver(time_limit=60, threads=2)
        assert solver.status_name(solver.solve(model.model)) == "OPTIMAL"
        sol = model.solution(solver)
        assert verify(fa4, sol) == []
        lengths[pinned] = sol.length
    assert lengths[True] == lengths[False]


def test_blackwell_forward_tie_break_picks_fa4_roles(fa4, monkeypatch):
    # Among the schedules of the proven optimum (92, 212) (bench/results/pipelining/
    # kernels.md), the method's tie-break (no op beside a wait on a TMA copy, the least busy
    # busiest group, the least cross-warp delay, the fewest groups) must pick FA4's roles:
    # loads alone, the MMAs alone, one softmax group per tile, one correction group.
    ii, length = 92, 212
    model = build(fa4, ii, length_lb=length_lb(fa4, ii), horizon=length)
    solver = make_solver(time_limit=60, threads=2)
    assert solver.status_name(solver.solve(model.model)) == "OPTIMAL"
    first = model.solution(solver)
    monkeypatch.setattr(exact, "TIE_BREAK_CAP", 60.0)  # the objective, not the time box
    stats: dict = {}
    tied = build(fa4, ii, length_lb=length_lb(fa4, ii), horizon=first.length)
    sol = exact._tie_break(tied, first, Deadline(300), 2, 0, stats)
    assert stats["tie_break"] == "optimal"
    assert (sol.ii, sol.length) == (ii, length) and verify(fa4, sol) == []
    groups = {}
    for o in fa4.ops:
        groups.setdefault(sol.warp[o.id], set()).add(o.id)
    parts = sorted(sorted(g) for g in groups.values())
    assert parts == sorted(
        [
            ["load_k", "load_v"],
            ["pv_a", "pv_b", "qk_a", "qk_b"],
            ["exp_a", "rowmax_a"],
            ["exp_b", "rowmax_b"],
            ["correction_a", "correction_b"],
        ]
    )
