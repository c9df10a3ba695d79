"""``--explain``: what binds the initiation interval of a schedule.

At the schedule's ``ii``: the units whose ResMII (or packing bound) reaches
it, the recurrence whose RecMII does, the warp-group occupancy bound. When the
``ii`` is above every bound: the packing of the units alone when some unit is
full at ``ii - 1`` and that packing is infeasible; else by relaxation:
the joint model at ``ii - 1`` is solved again without one constraint family at
a time (registers, shared memory, tensor memory, warp-group occupancy,
cross-warp delays); a family whose removal makes ``ii - 1`` feasible binds.
"""

from __future__ import annotations

from typing import Any

from planner.pipelining.bounds import compute_bounds, length_lb
from planner.pipelining.instance import Instance, Solution

#: Constraint families tried by the relaxation analysis, with their descriptions.
FAMILIES = {
    "registers": "register pressure per warp group (and the register file)",
    "smem": "shared-memory capacity",
    "tmem": "tensor-memory capacity",
    "warps": "warp-group occupancy (one synchronous op at a time per group)",
    "cross": "cross-warp communication delays",
}


def utilization(instance: Instance, ii: int) -> dict[str, float]:
    """Busy share of every unit at ``ii``."""
    out = {}
    for unit, cap in instance.machine.units.items():
        used = sum(
            r.count * r.cycles for op in instance.ops for r in op.reservation if r.unit == unit
        )
        out[unit] = round(used / (cap * ii), 4)
    return out


def explain(
    instance: Instance,
    solution: Solution,
    *,
    time_limit: float = 10.0,
    threads: int = 1,
    seed: int = 0,
) -> dict[str, Any]:
    """Why ``solution.ii`` is what it is: a dict with ``binding`` (list of strings) and details."""
    ii = solution.ii
    bounds = compute_bounds(instance)
    binding: list[str] = []
    for unit, value in bounds.unit_mii.items():
        if value == ii:
            # ii and the occupations are in time units (cycles_per_unit GPU cycles each): "of
            # the 96 cycles" read as 96 GPU cycles for FA3's ii of 96 units = 2784 cycles
            binding.append(
                f"resource {unit}: its occupations need {value} of the {ii} time units of an "
                "iteration"
            )
    if bounds.rec_mii == ii and bounds.critical_cycle:
        binding.append(f"recurrence {' -> '.join(bounds.critical_cycle)} (RecMII {bounds.rec_mii})")
    if bounds.warp_mii == ii:
        binding.append(f"warp-group occupancy (WarpMII {bounds.warp_mii})")
    relaxed: dict[str, str] = {}
    if not binding and ii > 1:
        full = _packing_fails(instance, ii - 1, time_limit / 2, threads, seed)
        if full:
            binding.append(
                f"resource packing: {', '.join(full)} full at ii = {ii - 1} and the modulo "
                "limits alone have no schedule there (time-indexed, starts balance ends)"
            )
    if not binding and ii > 1:
        relaxed = _relaxations(instance, ii - 1, time_limit, threads, seed)
        for family, status in relaxed.items():
            if status == "feasible":
                binding.append(
                    f"{FAMILIES.get(family, family)}: without it ii = {ii - 1} is feasible"
                )
        if not binding:
            binding.append(
                f"no single constraint family: ii = {ii - 1} stays infeasible when any one is "
                "dropped (their combination binds)"
                if all(s == "infeasible" for s in relaxed.values())
                else f"undecided within the time limit (relaxations at ii = {ii - 1}: {relaxed})"
            )
    return {
        "ii": ii,
        "cycles_per_unit": instance.cycles_per_unit,
        "ii_cycles": ii * instance.cycles_per_unit,
        "binding": binding,
        "bounds": bounds.to_dict(),
        "utilization": utilization(instance, ii),
        "relaxations_at_ii_minus_1": relaxed,
    }


def _packing_fails(
    instance: Instance, ii: int, time_limit: float, threads: int, seed: int
) -> list[str]:
    """The units full at ``ii`` when the time-indexed packing there is proven infeasible."""
    from planner.core.cpsat import make_solver
    from planner.pipelining.cpsat import build_packing, full_units

    model = build_packing(instance, ii)
    if model is None:
        return []
    solver = make_solver(time_limit=time_limit, threads=threads, seed=seed)
    if solver.status_name(solver.solve(model)) != "INFEASIBLE":
        return []
    return full_units(instance, ii)


def _relaxations(
    instance: Instance, ii: int, time_limit: float, threads: int, seed: int
) -> dict[str, str]:
    from planner.core.cpsat import make_solver
    from planner.core.timing import Deadline
    from planner.pipelining.cpsat import build

    deadline = Deadline(time_limit)
    present = {
        "registers": any(op.registers for op in instance.ops),
        "smem": any(op.smem for op in instance.ops),
        "tmem": any(op.tmem for op in instance.ops),
        "warps": any(op.warp_cycles for op in instance.ops),
        "cross": True,
    }
    families = [f for f in FAMILIES if present[f]]
    out = {}
    for i, family in enumerate(families):
        share = deadline.remaining() / max(1, len(families) - i)
        model = build(
            instance, ii, relax={family}, length_lb=length_lb(instance, ii, relax={family})
        )
        if model.trivially_infeasible:
            out[family] = "infeasible"
            continue
        model.model.clear_objective()
        solver = make_solver(time_limit=share, threads=threads, seed=seed)
        name = solver.status_name(solver.solve(model.model))
        out[family] = {
            "OPTIMAL": "feasible",
            "FEASIBLE": "feasible",
            "INFEASIBLE": "infeasible",
        }.get(name, "unknown")
    return out


def explain_lines(report: dict[str, Any]) -> list[str]:
    """Human-readable lines of an :func:`explain` report."""
    ii, cpu = report["ii"], report["cycles_per_unit"]
    lines = [f"ii = {ii} units = {ii * cpu} cycles per iteration ({cpu} cycles per unit)"]
    lines += [f"binding: {b}" for b in report["binding"]]
    util = ", ".join(f"{u} {100 * v:.0f}%" for u, v in report["utilization"].items())
    lines.append(f"unit utilization at this ii: {util}")
    b = report["bounds"]
    lines.append(f"bounds: ResMII {b['res_mii']}, RecMII {b['rec_mii']}, WarpMII {b['warp_mii']}")
    return lines
