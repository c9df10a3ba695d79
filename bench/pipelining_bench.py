"""Pipelining benchmarks: the shipped kernels (structure, proofs, fewer warps) and the random suite.

Kernels (exact method; FA3 timed over repeats; each kernel re-solved with one warp group
fewer than its optimum uses, both at the optimal ii and without an ii cap)::

    .venv/bin/python bench/pipelining_bench.py kernels -t 600 --threads 2 --repeats 5 \
        --out bench/results/pipelining/kernels

Random loops (``planner gen pipelining --ops 10..60 --units 3..5 --recurrences 1..3``), the
``auto`` method (IMS warm start, then the exact model; ``-m exact`` for the exact model
alone) with 10 s each, and IMS alone::

    .venv/bin/python bench/pipelining_bench.py random --count 100 --seed 1 -t 10 --threads 2 \
        --out bench/results/pipelining/random

``--select-ops 46 60`` solves only the loops of that size out of the same generated suite
(e.g. to rerun the largest ones with a longer limit).

FA4's warp roles pinned (a check of whether its structure is among the optimal schedules),
then at the first ii they reach: the free model's shortest length, fewer warp groups than
FA4's roles use, and a count of the warp partitions that reach the free optimum
(``--enumerate`` seconds)::

    .venv/bin/python bench/pipelining_bench.py fa4-pinned -t 600 --threads 2 \
        --out bench/results/pipelining/fa4_pinned

Ties among the optima (a check of candidate rules and tie-breaks): at each kernel's proven
(ii, length), the partition the method returns and the one each candidate tertiary objective
picks, solved stage by stage without the method's time box (the method's: ops beside a wait
on a variable-latency copy, busiest group, cross-warp delay, groups; the one before session
8: crossing edges, groups; and each robustness criterion alone before crossings), with the
FA3/FA4 structure predicates, and whether Twill's concurrency rule (a blocking op may not
start on a group while an asynchronous op that group issued is in flight) changes the
optimum or the number of warp groups it needs::

    .venv/bin/python bench/pipelining_bench.py ties -t 300 --threads 2 \
        --out bench/results/pipelining/ties

Each run writes, through :mod:`planner.bench`, ``OUT.csv`` (a benchmark row per solve, the
script's own columns in ``stats``) and the report ``OUT.md`` (the command, the load average at
start and end, the summary table and plots, then the script's summary lines and its runs table).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from planner.bench import certificate_row, markdown_rows, measurement_row, write_report
from planner.bench.rows import write_rows
from planner.core.cpsat import make_solver
from planner.core.solve import solve
from planner.pipelining.bounds import length_lb
from planner.pipelining.cpsat import build, wrapped_intervals
from planner.pipelining.evaluate import verify
from planner.pipelining.generate import generate
from planner.pipelining.instance import Instance
from planner.pipelining.schedule import load_kernel

KERNELS = ["fa3_fwd_hopper", "fa4_fwd_blackwell", "fa3_bwd_hopper", "gemm_hopper"]


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- structure predicates ------------------------------------------------------------------


def fa3_structure(inst: Instance, sol: Any) -> dict[str, bool]:
    """FA3: TMA alone; each sub-tile's GEMMs and softmax on one consumer group, different ones;
    the next iteration's first QK^T issued before the current iteration's last softmax ends."""
    warp, start = sol.warp, sol.start
    tma = {o.id for o in inst.ops if o.variable_latency}
    producer = {warp[v] for v in tma}
    tma_alone = len(producer) == 1 and all(
        warp[o.id] not in producer for o in inst.ops if o.id not in tma
    )
    groups = {s: {warp[f"{k}_{s}"] for k in ("qk", "rowmax", "exp", "pv")} for s in "ab"}
    split = (
        len(groups["a"]) == len(groups["b"]) == 1
        and groups["a"] != groups["b"]
        and not (groups["a"] | groups["b"]) & producer
    )
    first_qk = min(start["qk_a"], start["qk_b"])
    softmax_end = max(start[f"exp_{s}"] + inst.op(f"exp_{s}").latency for s in "ab")
    return {
        "tma_alone": tma_alone,
        "subtiles_on_two_groups": split,
        "next_qk_before_softmax_ends": first_qk + sol.ii < softmax_end,
    }


def fa4_structure(inst: Instance, sol: Any) -> dict[str, bool]:
    """FA4: TMA and MMA on their own groups, two softmax groups, a separate correction group."""
    warp = sol.warp
    kind = {o.id: o.kind for o in inst.ops}
    groups_of = {k: {warp[o] for o, kk in kind.items() if kk == k} for k in set(kind.values())}
    tma, mma = groups_of.get("tma", set()), groups_of.get("gemm", set())
    soft, corr = groups_of.get("softmax", set()), groups_of.get("correction", set())
    tile_soft = {t: {warp[f"rowmax_{t}"], warp[f"exp_{t}"]} for t in "ab"}
    return {
        "tma_alone": not tma & (mma | soft | corr),
        "mma_own_groups": not mma & (tma | soft | corr),
        "two_softmax_groups": len(tile_soft["a"]) == len(tile_soft["b"]) == 1
        and tile_soft["a"] != tile_soft["b"],
        "separate_correction_group": bool(corr) and not corr & (tma | mma | soft),
    }


STRUCTURE = {"fa3_fwd_hopper": fa3_structure, "fa4_fwd_blackwell": fa4_structure}


# -- kernels ---------------------------------------------------------------------------------


def run_kernels(args: argparse.Namespace) -> tuple[list[dict], list[dict], list[str]]:
    """The script's rows, the benchmark rows (one per solve) and notes."""
    from planner.pipelining.explain import explain

    rows: list[dict] = []
    bench_rows: list[dict] = []
    notes: list[str] = []

    def add(row: dict, result: Any) -> None:
        # A variant with fewer warp groups (or an ii cap) is another instance: name it so,
        # or the report would compare its bounds with the kernel's; its method too, so the
        # summary table keeps the variants' runs apart.
        variant = "" if row["warp_groups"] == "all" else f", {row['warp_groups']}"
        rows.append(row)
        bench_rows.append(
            certificate_row(
                result,
                instance=row["kernel"] + variant,
                method=row["method"] + variant,
                stats=row,
            )
        )

    for name in args.kernels:
        inst = load_kernel(name)
        if name == "fa3_fwd_hopper":  # the < 5 s target: the exact method alone, repeated
            times, statuses = [], []
            for _ in range(args.repeats):
                timed = solve(inst, "exact", time_limit=args.time_limit, threads=args.threads)
                bench_rows.append(certificate_row(timed, method="exact (timed)"))
                times.append(timed.runtime_s)
                statuses.append(str(timed.status))
            notes.append(
                f"- {name}: exact, {args.threads} threads, {len(times)} runs: {', '.join(statuses)}; "
                f"time median {statistics.median(times):.2f} s, min {min(times):.2f} s, "
                f"max {max(times):.2f} s (load average at the end {load_average()})"
            )
        result = solve(inst, "auto", time_limit=args.time_limit, threads=args.threads)
        row = _row(name, "all", inst, result)
        row["method"] = "auto"
        if result.solution is not None:
            report = explain(inst, result.solution, time_limit=60, threads=args.threads)
            row["binding"] = " | ".join(report["binding"])
            if name in STRUCTURE:
                checks = STRUCTURE[name](inst, result.solution)
                row["structure"] = " ".join(
                    f"{k}={'yes' if v else 'no'}" for k, v in checks.items()
                )
        add(row, result)
        if result.solution is None:
            continue
        used = len(set(result.solution.warp.values()))
        fewer = inst.with_warps(used - 1)
        same_ii = solve(
            fewer.with_max_ii(result.solution.ii),
            "exact",
            time_limit=args.time_limit,
            threads=args.threads,
        )
        add(
            _row(name, f"{used - 1} groups, ii <= {result.solution.ii}", fewer, same_ii)
            | {"method": "exact"},
            same_ii,
        )
        free = solve(fewer, "auto", time_limit=args.time_limit, threads=args.threads)
        add(_row(name, f"{used - 1} groups", fewer, free) | {"method": "auto"}, free)
    return rows, bench_rows, notes


def fa4_assignment(inst: Instance) -> dict[str, int]:
    """FA4's warp roles as groups: loads 0, every MMA 1, softmax of tile a 2, correction 3,
    softmax of tile b 4 (numbered in the order the model opens groups)."""
    role = {"tma": 0, "gemm": 1, "correction": 3}
    return {
        o.id: role[o.kind] if o.kind in role else (2 if o.id.endswith("_a") else 4)
        for o in inst.ops
    }


def run_fa4_pinned(args: argparse.Namespace) -> tuple[list[dict], list[dict], list[str]]:
    """Is FA4's structure among the schedules of the optimal ii? The joint model with FA4's
    assignment pinned (a check only: the methods never pin a group), ii by ii upwards; at
    the first ii with a schedule, the free model's shortest length there (a tie means FA4's
    roles are among the lexicographic optima once every smaller ii is proven infeasible,
    which the kernels benchmark does), fewer warp groups than FA4's roles use at that ii,
    and a count of the distinct warp partitions that reach the free optimum.

    Returns the script's rows, the benchmark rows and notes. A benchmark row's instance is
    the restricted problem it answers (FA4 with its roles pinned, at one ii), so its status
    (CP-SAT's on that model; a schedule is also checked by the family's ``verify``) is a
    claim about that problem only, not about the kernel.
    """
    from planner.core.timing import Deadline
    from planner.pipelining.bounds import compute_bounds

    inst = load_kernel("fa4_fwd_blackwell")
    warp = fa4_assignment(inst)
    deadline = Deadline(args.time_limit)
    rows, bench_rows = [], []

    def record(row: dict, label: str, reason: str) -> None:
        rows.append(row)
        name = row["status"]
        bench_rows.append(
            measurement_row(
                "pipelining",
                f"{inst.name}, {label}, ii={row['ii']}",
                f"exact ({label})",
                status=name if name in ("OPTIMAL", "FEASIBLE", "INFEASIBLE") else "UNKNOWN",
                objective=row.get("length"),
                bound=row.get("length_bound"),
                verified=bool(row.get("verified")),
                reason=reason if name == "INFEASIBLE" else "",
                runtime_s=row["time_s"],
                time_limit=args.time_limit,
                threads=args.threads,
                stats=row,
            )
        )
        print(row, file=sys.stderr, flush=True)

    ii = max(compute_bounds(inst).mii, args.start_ii or 0)
    found = None
    while not deadline.expired():
        row, found = _solve_at(inst, ii, warp, deadline, args.threads)
        row["roles"] = "FA4 pinned"
        record(
            row, "FA4 roles pinned", "no schedule of this ii with these warp groups (CP-SAT proof)"
        )
        if row["status"] != "INFEASIBLE":
            break
        ii += 1
    notes = [
        "- warp groups pinned: "
        + " ".join(f"{v}:{g}" for v, g in sorted(warp.items(), key=lambda kv: kv[1])),
    ]
    if found is None:
        return rows, bench_rows, notes
    free_row, free = _solve_at(inst, ii, None, deadline, args.threads)
    free_row["roles"] = "free"
    record(free_row, "free roles", "no schedule of this ii (CP-SAT proof)")
    if free is not None:
        tie = "ties" if found.length == free.length else "does not tie"
        notes.append(
            f"- ii {ii}: FA4's roles pinned reach length {found.length}, the free model "
            f"{free.length}: FA4's structure {tie} the free optimum at this ii"
        )
    fa4_groups = len(set(warp.values()))
    for groups in range(fa4_groups - 1, 1, -1):
        fewer = inst.with_warps(groups)
        row, _ = _solve_at(fewer, ii, None, deadline, args.threads)
        row["roles"] = f"free, {groups} groups"
        record(row, f"free roles, {groups} groups", f"no schedule of this ii with {groups} groups")
        notes.append(
            f"- ii {ii} with {groups} warp groups (FA4's roles use {fa4_groups}): "
            f"{row['status']}" + (f", length {row['length']}" if "length" in row else "")
        )
    if free is not None and args.enumerate > 0:
        count, complete, fa4_seen = _optimal_partitions(
            inst, ii, free.length, warp, min(args.enumerate, deadline.remaining()), args.threads
        )
        notes.append(
            f"- distinct warp partitions reaching (ii {ii}, length {free.length}): "
            + (
                f"{count} (all)"
                if complete
                else f"at least {count} (enumeration stopped after {args.enumerate:.0f} s)"
            )
            + f"; FA4's among those found: {'yes' if fa4_seen else 'no'}"
        )
    return rows, bench_rows, notes


def _solve_at(
    inst: Instance, ii: int, warp: dict[str, int] | None, deadline: Any, threads: int
) -> tuple[dict, Any]:
    """The shortest schedule at ``ii`` (with ``warp`` pinned when given): a row and the
    schedule (``None`` without one)."""
    tic = time.perf_counter()
    model = build(inst, ii, length_lb=length_lb(inst, ii))
    if warp is not None:
        model.fix_warps(warp)
    solver = make_solver(time_limit=deadline.remaining(), threads=threads, seed=0)
    name = solver.status_name(solver.solve(model.model))
    row: dict[str, Any] = {"ii": ii, "status": name, "time_s": round(time.perf_counter() - tic, 3)}
    sol = None
    if name in ("OPTIMAL", "FEASIBLE"):
        sol = model.solution(solver)
        row["length"] = sol.length
        row["length_bound"] = int(solver.best_objective_bound)
        row["verified"] = verify(inst, sol) == []
        row["groups_used"] = len(set(sol.warp.values()))
        row["structure"] = " ".join(
            f"{k}={'yes' if v else 'no'}" for k, v in fa4_structure(inst, sol).items()
        )
        row["start"] = " ".join(f"{v}:{t}" for v, t in sorted(sol.start.items()))
        row["warps"] = " ".join(f"{v}:{g}" for v, g in sorted(sol.warp.items()))
    return row, sol


def _optimal_partitions(
    inst: Instance, ii: int, length: int, warp: dict[str, int], seconds: float, threads: int
) -> tuple[int, bool, bool]:
    """Distinct partitions of the ops into warp groups among the schedules of ``(ii,
    length)``: enumerated with a no-good cut on the "same group" literals per found one.
    Returns (count, whether the enumeration finished, whether ``warp``'s partition is found).
    """
    import itertools

    model = build(inst, ii, horizon=length)
    m = model.model
    m.clear_objective()
    ops = [v for v in model.assign if not inst.op(v).variable_latency]
    same = {}
    for u, v in itertools.combinations(ops, 2):
        both = []
        for g in set(model.assign[u]) & set(model.assign[v]):
            a, b = model.assign[u][g], model.assign[v][g]
            lit = m.new_bool_var(f"both[{u},{v},{g}]")
            m.add_bool_and([a, b]).only_enforce_if(lit)
            m.add_bool_or([a.Not(), b.Not(), lit])
            both.append(lit)
        s = m.new_bool_var(f"same[{u},{v}]")
        m.add(s == sum(both))
        same[u, v] = s
    target = frozenset(p for p in same if warp[p[0]] == warp[p[1]])
    seen: set[frozenset] = set()
    tic = time.perf_counter()
    while (left := seconds - (time.perf_counter() - tic)) > 0:
        solver = make_solver(time_limit=left, threads=threads, seed=0)
        name = solver.status_name(solver.solve(m))
        if name == "INFEASIBLE":
            return len(seen), True, target in seen
        if name not in ("OPTIMAL", "FEASIBLE"):
            break
        key = frozenset(p for p, lit in same.items() if solver.boolean_value(lit))
        seen.add(key)
        m.add_bool_or([same[p].Not() if p in key else same[p] for p in same])
    return len(seen), False, target in seen


# -- ties among the optima ----------------------------------------------------------------


def run_ties(args: argparse.Namespace) -> tuple[list[dict], list[dict], list[str]]:
    """Per kernel: the exact optimum (ii, length), then at it the partition each candidate
    tie-break picks, and the optimum under Twill's concurrency rule (FA4 also with fewer warp
    groups). Returns the script's rows, the benchmark rows and notes."""
    rows, bench_rows, notes = [], [], []
    for name in args.kernels:
        inst = load_kernel(name)
        result = solve(inst, "exact", time_limit=args.time_limit, threads=args.threads)
        bench_rows.append(certificate_row(result))
        sol = result.solution
        if sol is None or str(result.status) != "OPTIMAL":
            notes.append(
                f"- {name}: exact gave {result.status} in {args.time_limit:.0f} s: skipped"
            )
            continue
        ii, length = sol.ii, sol.length
        rows.append(_tie_row(inst, "exact (its own tie-break)", sol, result.runtime_s, ""))
        for label, stages in TIE_BREAKS.items():
            tic = time.perf_counter()
            found, statuses = _lexicographic(inst, ii, length, stages, args)
            rows.append(_tie_row(inst, label, found, time.perf_counter() - tic, " ".join(statuses)))
        fewer = [None] + ([4, 3] if name == "fa4_fwd_blackwell" else [])
        for groups in fewer:
            variant = inst if groups is None else inst.with_warps(groups)
            tic = time.perf_counter()
            model = build(variant, ii, length_lb=length_lb(variant, ii), horizon=length)
            _add_concurrency(variant, model, ii)
            solver = make_solver(time_limit=args.stage_limit, threads=args.threads, seed=0)
            status = solver.status_name(solver.solve(model.model))
            found = model.solution(solver) if status in ("OPTIMAL", "FEASIBLE") else None
            label = "Twill concurrency rule" + ("" if groups is None else f", {groups} groups")
            rows.append(_tie_row(variant, label, found, time.perf_counter() - tic, status))
            notes.append(
                f"- {name}, {label}: {status} at ii {ii}, length <= {length}"
                + (f" (length {found.length})" if found is not None else "")
            )
    return rows, bench_rows, notes


def _tie_row(inst: Instance, label: str, sol: Any, seconds: float, statuses: str) -> dict:
    row: dict[str, Any] = {"kernel": inst.name, "candidate": label, "stages": statuses}
    row["time_s"] = round(seconds, 3)
    if sol is None:
        return row
    groups: dict[int, list[str]] = {}
    for v in sorted(sol.warp, key=lambda v: sol.start[v]):
        groups.setdefault(sol.warp[v], []).append(v)
    busy = {g: sum(inst.op(v).warp_cycles for v in ops) for g, ops in groups.items()}
    row.update(
        ii=sol.ii,
        length=sol.length,
        verified=verify(inst, sol) == [],
        groups_used=len(groups),
        max_occupancy=max(busy.values()),
        partition=" / ".join(f"{busy[g]}: " + " ".join(groups[g]) for g in sorted(groups)),
    )
    if inst.name in STRUCTURE:
        checks = STRUCTURE[inst.name](inst, sol)
        row["structure"] = " ".join(f"{k}={'yes' if v else 'no'}" for k, v in checks.items())
    return row


def _lexicographic(
    inst: Instance, ii: int, length: int, stages: tuple, args: argparse.Namespace
) -> tuple[Any, list[str]]:
    """The schedules of ``(ii, length)`` optimized stage by stage (each objective fixed at its
    value before the next): the last schedule found and each stage's status."""
    model = build(inst, ii, length_lb=length_lb(inst, ii), horizon=length)
    m, found, statuses = model.model, None, []
    for stage in stages:
        objective = stage(inst, model)
        m.minimize(objective)
        if found is not None:
            model.hint(found)
        solver = make_solver(time_limit=args.stage_limit, threads=args.threads, seed=0)
        status = solver.status_name(solver.solve(m))
        statuses.append(status)
        if status not in ("OPTIMAL", "FEASIBLE"):
            break
        found = model.solution(solver)
        m.add(objective <= round(solver.objective_value))
    return found, statuses


def _group_literals(model: Any) -> dict[int, list[tuple[str, Any]]]:
    out: dict[int, list[tuple[str, Any]]] = {}
    for v, lits in model.assign.items():
        for g, lit in lits.items():
            out.setdefault(g, []).append((v, lit))
    return out


def _crossings(inst: Instance, model: Any) -> Any:
    return sum(model.crossing)


def _groups_used(inst: Instance, model: Any) -> Any:
    m, used = model.model, []
    for g, members in _group_literals(model).items():
        u = m.new_bool_var(f"tie_used[{g}]")
        for _, lit in members:
            if isinstance(lit, int):
                m.add(u == 1)
            else:
                m.add_implication(lit, u)
        used.append(u)
    return sum(used)


def _cross_delay(inst: Instance, model: Any) -> Any:
    return sum(d * c for d, c in zip(model.crossing_delay, model.crossing, strict=True))


def _max_occupancy(inst: Instance, model: Any) -> Any:
    """The busiest warp group's issue time per ii (sum of its ops' ``warp_cycles``)."""
    m = model.model
    top = m.new_int_var(0, sum(o.warp_cycles for o in inst.ops), "tie_max_occupancy")
    for members in _group_literals(model).values():
        m.add(top >= sum(inst.op(v).warp_cycles * lit for v, lit in members))
    return top


def _exposed_to_variable_waits(inst: Instance, model: Any) -> Any:
    """Ops sharing a warp group with a consumer of a variable-latency op without being one:
    the warp blocks in that consumer's wait for as long as the load takes."""
    m = model.model
    waits = {e.dst for e in inst.edges if inst.op(e.src).variable_latency}
    exposed = []
    for g, members in _group_literals(model).items():
        consumers = [lit for v, lit in members if v in waits]
        for v, lit in members:
            if v in waits or inst.op(v).variable_latency or not consumers:
                continue
            x = m.new_bool_var(f"tie_exposed[{v},{g}]")
            for c in consumers:
                m.add(x >= lit + c - 1)
            exposed.append(x)
    return sum(exposed)


TIE_BREAKS = {
    "method's: exposed, busiest, cross delay, groups": (
        _exposed_to_variable_waits,
        _max_occupancy,
        _cross_delay,
        _groups_used,
    ),
    "before session 8: crossings, groups": (_crossings, _groups_used),
    "busiest group, crossings, groups": (_max_occupancy, _crossings, _groups_used),
    "exposed to variable waits, crossings, groups": (
        _exposed_to_variable_waits,
        _crossings,
        _groups_used,
    ),
}


def _add_concurrency(inst: Instance, model: Any, ii: int) -> None:
    """Twill's concurrency rule, read literally (a check, not a rule of this model): an op
    that waits on another agent (an in-edge from an asynchronous op, or from another warp
    group) may not start on a group while an asynchronous op (single-thread MMA,
    variable-latency copy) issued by that group is still executing."""
    m = model.model
    asynchronous = {o.id for o in inst.ops if o.single_thread or o.variable_latency}
    residue = {}
    for o in inst.ops:
        x = m.new_int_var(0, ii - 1, f"cc_x[{o.id}]")
        k = m.new_int_var(0, inst.effective_horizon // ii + 1, f"cc_k[{o.id}]")
        m.add(model.start[o.id] == ii * k + x)
        residue[o.id] = x
    for g, members in _group_literals(model).items():
        points, in_flight = [], []
        for v, lit in members:
            if v in asynchronous:
                size = min(inst.op(v).latency, ii)
                in_flight.append(wrapped_intervals(m, residue[v], size, ii, f"cc_f{g}:{v}", lit))
                continue
            sources = [e.src for e in inst.edges if e.dst == v and e.src != v]
            if any(u in asynchronous for u in sources):
                present = lit
            else:
                present = m.new_bool_var(f"cc_wait[{v},{g}]")
                for u in sources:
                    other = model.assign[u].get(g, 0)
                    m.add(present >= lit - other)
                if not isinstance(lit, int):
                    m.add_implication(present, lit)
            points.append(wrapped_intervals(m, residue[v], 1, ii, f"cc_p{g}:{v}", present))
        if points:
            flat = [iv for pair in points for iv in pair]
            for pair in in_flight:
                m.add_no_overlap(flat + pair)


def _row(name: str, warps: str, inst: Instance, result: Any) -> dict:
    s = result.stats
    sol = result.solution
    tried = s.get("ii_tried", [])
    return {
        "kernel": name,
        "method": "",
        "warp_groups": warps,
        "status": str(result.status),
        "ii": sol.ii if sol else "",
        "ii_cycles": sol.ii * inst.cycles_per_unit if sol else "",
        "length": sol.length if sol else "",
        "cycles_per_unit": inst.cycles_per_unit,
        "res_mii": s.get("res_mii"),
        "rec_mii": s.get("rec_mii"),
        "warp_mii": s.get("warp_mii"),
        "groups_used": len(set(sol.warp.values())) if sol else "",
        "time_s": round(result.runtime_s, 3),
        "ii_proofs": " ".join(f"{t['ii']}:{t['status']}" for t in tried),
        "reason": result.reason,
        "binding": "",
        "structure": "",
        "warps": " ".join(f"{v}:{g}" for v, g in sorted(sol.warp.items(), key=lambda kv: kv[1]))
        if sol
        else "",
    }


# -- random suite ----------------------------------------------------------------------------


def run_random(args: argparse.Namespace) -> tuple[list[dict], list[dict]]:
    """The script's rows (one per loop) and the benchmark rows (the method and IMS per loop)."""
    loops = generate(
        tuple(args.ops),
        tuple(args.units),
        tuple(args.recurrences),
        count=args.count,
        seed=args.seed,
    )
    if args.select_ops:
        lo, hi = args.select_ops
        loops = [inst for inst in loops if lo <= inst.n <= hi]
    rows, bench_rows = [], []
    for inst in loops:
        exact = solve(inst, args.method, time_limit=args.time_limit, threads=args.threads)
        heur = solve(inst, "ims", time_limit=args.time_limit, threads=1)
        s = exact.stats
        ii_proven = (
            bool(exact.solution)
            and all(t["status"] == "infeasible" for t in s.get("ii_tried", [])[:-1])
            and s.get("ii_tried", [{}])[-1].get("status") in ("optimal", "feasible")
        )
        rows.append(
            {
                "instance": inst.name,
                "ops": inst.n,
                "units": len(inst.machine.units),
                "warp_groups": inst.machine.warp_groups,
                "status": str(exact.status),
                "ii_proven": ii_proven,
                "mii": s.get("mii"),
                "ii": exact.solution.ii if exact.solution else "",
                "length": exact.solution.length if exact.solution else "",
                "bound_length": (int(exact.bound) % (inst.effective_horizon + 1))
                if exact.bound is not None
                else "",
                "time_s": round(exact.runtime_s, 3),
                "ims_ii": heur.solution.ii if heur.solution else "",
                "ims_length": heur.solution.length if heur.solution else "",
                "ims_time_s": round(heur.runtime_s, 3),
            }
        )
        bench_rows += [certificate_row(exact, stats=rows[-1]), certificate_row(heur)]
        print(rows[-1], file=sys.stderr, flush=True)
    return rows, bench_rows


def summarize_random(rows: list[dict]) -> list[str]:
    n = len(rows)
    optimal = sum(r["status"] == "OPTIMAL" for r in rows)
    infeasible = sum(r["status"] == "INFEASIBLE" for r in rows)
    ii_proven = sum(bool(r["ii_proven"]) for r in rows)
    lines = [
        f"- loops: {n}; proven optimal (ii and length): {optimal} ({100 * optimal / n:.1f} %); "
        f"proven infeasible: {infeasible}; ii proven optimal: {ii_proven} ({100 * ii_proven / n:.1f} %)",
    ]
    ratios = [
        r["ims_ii"] / r["ii"]
        for r in rows
        if r["ims_ii"] != "" and r["ii"] != "" and r["ii_proven"]
    ]
    if ratios:
        lines.append(
            f"- IMS ii / optimal ii over the {len(ratios)} loops with a proven ii: mean {statistics.mean(ratios):.3f}, "
            f"max {max(ratios):.3f}, equal in {sum(x == 1 for x in ratios)}"
        )
    missing = sum(r["ims_ii"] == "" for r in rows)
    lines.append(f"- IMS found no schedule in {missing} loops")
    times = [r["time_s"] for r in rows if r["status"] == "OPTIMAL"]
    if times:
        lines.append(
            f"- time of the proven loops: median {statistics.median(times):.2f} s, max {max(times):.2f} s"
        )
    by_size = {}
    for r in rows:
        band = "10-25" if r["ops"] <= 25 else ("26-45" if r["ops"] <= 45 else "46-60")
        by_size.setdefault(band, []).append(r["status"] == "OPTIMAL")
    lines.append(
        "- proven optimal by size: "
        + ", ".join(f"{k} ops {sum(v)}/{len(v)}" for k, v in sorted(by_size.items()))
    )
    return lines


# -- output ----------------------------------------------------------------------------------


def write(
    out: Path,
    rows: list[dict],
    bench_rows: list[dict],
    summary: list[str],
    command: str,
    load: str,
) -> None:
    """The benchmark rows (``OUT.csv``) and the report (``OUT.md``): the summary lines and a
    runs table with every column any of the script's rows has."""
    fields = list(dict.fromkeys(k for r in rows for k in r))
    write_rows(out.with_suffix(".csv"), bench_rows)
    sections = [("Summary", "\n".join(summary) + "\n")] if summary else []
    if rows:
        # Floats as the script rounded them (markdown_rows would cut them to 4 digits).
        shown = [{k: str(v) if isinstance(v, float) else v for k, v in r.items()} for r in rows]
        sections.append(("Runs", markdown_rows(shown, fields)))
    write_report(
        out.with_suffix(".md"),
        bench_rows,
        title=f"pipelining: {out.stem}",
        command=command,
        notes=[f"Load average at start: {load}; at end: {load_average()}."],
        sections=sections,
        size_label="ops",
        sizes={r["instance"]: r["ops"] for r in rows if "ops" in r} or None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    k = sub.add_parser("kernels")
    k.add_argument("--kernels", nargs="+", default=KERNELS)
    k.add_argument("--repeats", type=int, default=5)
    r = sub.add_parser("random")
    r.add_argument("--count", type=int, default=100)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--ops", type=int, nargs=2, default=(10, 60))
    r.add_argument("--units", type=int, nargs=2, default=(3, 5))
    r.add_argument("--recurrences", type=int, nargs=2, default=(1, 3))
    r.add_argument("-m", "--method", default="auto", choices=("auto", "exact"))
    r.add_argument(
        "--select-ops",
        type=int,
        nargs=2,
        default=None,
        help="solve only the generated loops with MIN..MAX ops (the same loops as the full run)",
    )
    f = sub.add_parser("fa4-pinned", help="FA4's warp roles pinned: which ii can they reach?")
    f.add_argument("--start-ii", type=int, default=None, help="first ii tried (default: MII)")
    f.add_argument(
        "--enumerate",
        type=float,
        default=60.0,
        help="seconds for counting the warp partitions that reach the optimum (0: skip)",
    )
    t = sub.add_parser(
        "ties", help="candidate tie-breaks and Twill's concurrency rule at the optima"
    )
    t.add_argument("--kernels", nargs="+", default=KERNELS)
    t.add_argument(
        "--stage-limit", type=float, default=30.0, help="seconds per tie-break stage or check"
    )
    for p in (k, r, f, t):
        p.add_argument("-t", "--time-limit", type=float, default=10.0)
        p.add_argument("--threads", type=int, default=2)
        p.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    command = ".venv/bin/python bench/pipelining_bench.py " + " ".join(
        shlex.quote(a) for a in sys.argv[1:]
    )
    load = load_average()
    tic = time.perf_counter()
    if args.what == "kernels":
        rows, bench_rows, summary = run_kernels(args)
    elif args.what == "fa4-pinned":
        rows, bench_rows, summary = run_fa4_pinned(args)
    elif args.what == "ties":
        rows, bench_rows, summary = run_ties(args)
    else:
        rows, bench_rows = run_random(args)
        summary = [f"- method: {args.method}", *summarize_random(rows)]
    summary.append(f"- wall time of the whole run: {time.perf_counter() - tic:.0f} s")
    write(args.out, rows, bench_rows, summary, command, load)
    print("\n".join(summary))


if __name__ == "__main__":
    main()
