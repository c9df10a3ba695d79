"""The exact offline plan: a MIP over residency at every step (HiGHS).

Variables, for every MoE layer ``l``, routed expert ``e`` that receives
tokens somewhere in the trace, and step ``s`` (times in milliseconds, :data:`UNIT`):

* ``x[l,e,s]`` binary: expert resident at step ``s``;
* ``y[l,e,s] >= x[l,e,s] - x[l,e,s-1]`` (``x[l,e,-1]`` = the initial set):
  the expert is loaded at step ``s``, at ``copy`` milliseconds;
* ``t[s,l] >= shared[s,l] + sum_e gpu[s,l,e] x`` and
  ``t[s,l] >= sum_e cpu[s,l,e] (1 - x)``: the layer's compute time (the
  larger of the GPU and the CPU sides, by minimization);
* budget: ``sum_e x[l,e,s] <= capacity`` per layer and step, or summed over
  layers for a global budget;
* with overlap, ``h[s,l] <= copy * sum_e y[l,e,s]`` and ``h[s,l] <= t[prev]``
  (the layer before in execution order): hidden copy time.

Objective: ``sum t + copy * sum y - sum h``. Dominance removes variables:
experts that never receive a token stay on the CPU, no expert is resident
after its last use, and without overlap an expert is loaded only at a step
where it receives tokens (a load can always move there at the same cost) and
never where the expert's CPU time over its remaining uses is below one copy.

Each MIP: LP relaxation (a bound), RENS (a plan within about 0.1 %), then
HiGHS warm-started (:func:`prepare`, :func:`finish`). With a per-layer budget
and no overlap the layers are independent: one MIP per layer, all prepared
first and then proven, by ``threads`` workers. A global budget on a large
trace goes to :mod:`planner.offload.coupled`; otherwise one MIP holds every
layer. The start is the better of the ``auto`` policy and
:func:`lookahead_plan`.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from planner.core.lp_bound import highs_lp_bound
from planner.core.mip import new_highs, outcome, run_checked
from planner.core.result import Status
from planner.core.timing import Deadline
from planner.offload.bounds import compute_floor
from planner.offload.instance import Instance

INF = highspy.kHighsInf
#: Relative gap at which HiGHS may stop and call a plan optimal (the certificate's tolerance).
MIP_REL_GAP = 1e-6
#: The models' unit of time per second: milliseconds. HiGHS holds every row to the absolute
#: ``mip_feasibility_tolerance`` (1e-9, :mod:`planner.core.mip`). A compute-time row's activity
#: is a few thousand microseconds: in microseconds that asked for 1e-9 us (1 fs, 13 digits of a
#: 4,000 us row) and HiGHS spent nodes on violations far below the certificate's own resolution
#: (the 1e-6 relative gap, 0.1 us on a layer); in milliseconds the rows hold to 1e-9 ms = 1 ps,
#: the absolute gap below. Integrality and the budget rows (counts of experts) keep 1e-9. On
#: the 38 llada2-mini layers of seeds 1-2 (32 steps) LP + RENS took 28 % less CPU and the
#: whole layers 16 % less; the proofs' node counts are heavy-tailed either way (docs/offload.md).
UNIT = 1e3
#: Absolute gap at which HiGHS may stop, in seconds (one picosecond of modeled time).
ABS_GAP_S = 1e-12


@dataclass
class Model:
    """A HiGHS model over a set of layers with the maps to read its solution back.

    ``xcol[i][j, s]`` is the column of ``x`` for layer ``layers[i]``, expert
    ``experts[i][j]`` and step ``s`` (-1 where ``x`` is fixed at 0);
    ``ycol`` likewise for loads (-1 where no load can happen).
    """

    layers: list[int]
    experts: list[np.ndarray]
    xcol: list[np.ndarray]
    ycol: list[np.ndarray]
    lp: highspy.HighsLp
    t_offset: int  # t[s, i] at t_offset + s * len(layers) + i
    h_offset: int | None  # overlap only
    budget_rows: np.ndarray  # [steps, len(layers)] row of each budget (-1: not binding, no row)


@dataclass
class MipRun:
    """What one HiGHS run returned (times in seconds)."""

    status: Status
    mask: np.ndarray | None  # [steps, len(layers), experts]
    objective: float | None
    bound: float | None
    solver_status: str
    stats: dict[str, Any] = field(default_factory=dict)
    budget_duals: np.ndarray | None = None  # [steps, layers], seconds per slot, from the LP


def relevant_experts(instance: Instance, layer: int) -> np.ndarray:
    """Routed experts of ``layer`` that receive at least one token in the trace."""
    return np.flatnonzero(instance.counts[:, layer, :].sum(axis=0) > 0)


def windows(
    instance: Instance, layer: int, experts: np.ndarray, overlap: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where residency and loads can matter, by dominance.

    Returns ``(first, last, load_ok)``: an expert is never resident after its
    last use (evicting is free and frees a slot); without overlap, an expert
    not in the initial set is not resident before its first use and is loaded
    only at steps where it receives tokens (a load can always move later to
    the next use at the same cost), and never where its CPU time over all its
    remaining uses is below one copy (:func:`loads_that_pay`). ``load_ok`` is
    ``[experts, steps]``.
    """
    used = instance.counts[:, layer, experts].T > 0  # [experts, steps]
    S = instance.steps
    first_use = np.argmax(used, axis=1)
    last = S - 1 - np.argmax(used[:, ::-1], axis=1)
    initial = instance.initial_mask()[layer, experts]
    first = np.where(overlap | initial, 0, first_use)
    load_ok = np.ones_like(used) if overlap else used & loads_that_pay(instance, layer, experts)
    return first, last, load_ok


def loads_that_pay(instance: Instance, layer: int, experts: np.ndarray) -> np.ndarray:
    """Where a load of an expert can pay for itself without overlap (``[experts, steps]``).

    A load at step ``s`` whose expert's CPU time over all its uses from ``s`` on
    is below one copy never pays: dropping the run it starts moves each of the
    run's used steps to the CPU, which raises that step's max(GPU, CPU) by at
    most the expert's CPU call, and saves the copy -- strictly cheaper, and the
    slots only get freer (per-layer or global budget). So some optimal plan has
    no such load. With overlap a copy can hide behind compute, so this does not
    hold there. On the llada2-mini layers (32 steps) it removes about 490 of
    4,500 load columns, loads at an expert's last one or two light uses.
    """
    _, cpu, _ = instance.cost_arrays
    c = cpu[:, layer, experts].T  # [experts, steps], 0 where the expert gets no token
    remaining = np.cumsum(c[:, ::-1], axis=1)[:, ::-1]  # CPU time from step s to the end
    # a hair below the copy, so float noise in the sums never removes a load that could tie
    return remaining >= instance.copy_s * (1 - 1e-9)


def build(
    instance: Instance,
    layers: list[int],
    *,
    capacity: int | np.ndarray,
    global_budget: bool,
    overlap: bool,
) -> Model:
    """The MIP over ``layers`` (all of them when the budget is global or copies overlap).

    ``capacity`` is the routed slots per layer (or over ``layers`` with
    ``global_budget``), one number or one per step.
    """
    caps = np.broadcast_to(np.asarray(capacity, dtype=np.int64), (instance.steps,))
    gpu, cpu, shared = (a * UNIT for a in instance.cost_arrays)
    copy = instance.copy_s * UNIT
    S = instance.steps
    nl = len(layers)
    init = instance.initial_mask()
    experts = [relevant_experts(instance, ly) for ly in layers]
    xcol, ycol = [], []
    ncol = 0
    for ly, u in zip(layers, experts, strict=True):
        first, last, load_ok = windows(instance, ly, u, overlap)
        steps = np.arange(S)[None, :]
        live = (steps >= first[:, None]) & (steps <= last[:, None])
        xc = np.full((len(u), S), -1, dtype=np.int64)
        xc[live] = ncol + np.arange(int(live.sum()))
        ncol += int(live.sum())
        xcol.append(xc)
    nx = ncol
    for i, (ly, u) in enumerate(zip(layers, experts, strict=True)):
        _, _, load_ok = windows(instance, ly, u, overlap)
        yc = np.full((len(u), S), -1, dtype=np.int64)
        can = (xcol[i] >= 0) & load_ok
        yc[can] = ncol + np.arange(int(can.sum()))
        ncol += int(can.sum())
        ycol.append(yc)
    ny = ncol - nx
    t_offset = ncol
    ncol += S * nl
    h_offset = None
    if overlap:
        h_offset = ncol
        ncol += S * nl

    cost = np.zeros(ncol)
    cost[nx : nx + ny] = copy
    cost[t_offset : t_offset + S * nl] = 1.0
    upper = np.full(ncol, INF)
    upper[:nx] = 1.0
    if overlap:
        cost[h_offset:] = -1.0
        upper[h_offset] = 0.0  # the very first layer of the trace has nothing to hide behind

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []

    def row(c: np.ndarray, v: np.ndarray, low: float, high: float) -> None:
        rows.append(np.full(len(c), len(lo), dtype=np.int64))
        cols.append(np.asarray(c, dtype=np.int64))
        vals.append(np.asarray(v, dtype=np.float64))
        lo.append(low)
        hi.append(high)

    # (a) loads: x[s] - x[s-1] - y[s] <= 0 (x[-1] = initial; no y where loads cannot happen)
    for i, (ly, u) in enumerate(zip(layers, experts, strict=True)):
        xc, yc = xcol[i], ycol[i]
        for j in range(len(u)):
            was = bool(init[ly, u[j]])
            for s in np.flatnonzero(xc[j] >= 0):
                c = [xc[j, s]]
                v = [1.0]
                rhs = 0.0
                if s == 0:
                    rhs = 1.0 if was else 0.0
                elif xc[j, s - 1] >= 0:
                    c.append(xc[j, s - 1])
                    v.append(-1.0)
                if yc[j, s] >= 0:
                    c.append(yc[j, s])
                    v.append(-1.0)
                if len(c) == 1 and rhs >= 1.0:
                    continue  # x <= 1 holds anyway
                row(np.array(c), np.array(v), -INF, rhs)
    # (b) budget
    budget_rows = np.full((S, nl), -1, dtype=np.int64)
    if global_budget:
        for s in range(S):
            c = np.concatenate([xc[:, s][xc[:, s] >= 0] for xc in xcol])
            budget_rows[s, :] = len(lo)
            row(c, np.ones(len(c)), -INF, float(caps[s]))
    else:
        for i, xc in enumerate(xcol):
            for s in range(S):
                c = xc[:, s][xc[:, s] >= 0]
                if len(c) > caps[s]:
                    budget_rows[s, i] = len(lo)
                    row(c, np.ones(len(c)), -INF, float(caps[s]))
    # (c) t >= shared + sum gpu x ; (d) t >= sum cpu (1 - x)
    for i, (ly, u) in enumerate(zip(layers, experts, strict=True)):
        for s in range(S):
            t = t_offset + s * nl + i
            on = xcol[i][:, s] >= 0
            xs = xcol[i][on, s]
            row(np.append(xs, t), np.append(-gpu[s, ly, u[on]], 1.0), float(shared[s, ly]), INF)
            row(
                np.append(xs, t), np.append(cpu[s, ly, u[on]], 1.0), float(cpu[s, ly, u].sum()), INF
            )
    # (e, f) overlap: h <= copy * sum y ; h <= t[previous layer in execution order]
    if overlap:
        for s in range(S):
            for i in range(nl):
                h = h_offset + s * nl + i
                ys = ycol[i][:, s][ycol[i][:, s] >= 0]
                row(np.append(ys, h), np.append(np.full(len(ys), -copy), 1.0), -INF, 0.0)
                if s == 0 and i == 0:
                    continue
                prev = t_offset + (s * nl + i - 1)
                row(np.array([h, prev]), np.array([1.0, -1.0]), -INF, 0.0)

    r = np.concatenate(rows)
    c = np.concatenate(cols)
    v = np.concatenate(vals)
    # experts a step routes no token to have zero GPU / CPU time: no entry (HiGHS dropped the
    # explicit zeros, a fifth of the matrix, after they were built and passed)
    nonzero = v != 0.0
    r, c, v = r[nonzero], c[nonzero], v[nonzero]
    order = np.lexsort((r, c))
    r, c, v = r[order], c[order], v[order]
    lp = highspy.HighsLp()
    lp.num_col_ = ncol
    lp.num_row_ = len(lo)
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(ncol)
    lp.col_upper_ = upper
    lp.row_lower_ = np.array(lo)
    lp.row_upper_ = np.array(hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(c, np.arange(ncol + 1)).astype(np.int32)
    lp.a_matrix_.index_ = r.astype(np.int32)
    lp.a_matrix_.value_ = v
    integrality = np.full(ncol, highspy.HighsVarType.kContinuous)
    integrality[:nx] = highspy.HighsVarType.kInteger
    lp.integrality_ = integrality.tolist()
    return Model(layers, experts, xcol, ycol, lp, t_offset, h_offset, budget_rows)


def project(instance: Instance, model: Model, mask: np.ndarray) -> np.ndarray:
    """``mask`` moved into the model's dominance windows, at no higher modeled time.

    Residency outside an expert's window is dropped, and a load at a step
    where loads cannot happen moves to the expert's next step where one can
    (or is dropped if there is none: from a step where a load never pays, no
    later one does, and dropping that run is cheaper, :func:`loads_that_pay`).
    """
    out = mask.copy()
    init = instance.initial_mask()
    for i, (ly, u) in enumerate(zip(model.layers, model.experts, strict=True)):
        x = mask[:, ly, u].T.copy()  # [experts, steps]
        live, loadable = model.xcol[i] >= 0, model.ycol[i] >= 0
        held = init[ly, u]
        for s in range(instance.steps):
            x[:, s] &= live[:, s] & (held | loadable[:, s])
            held = x[:, s]
        layer = np.zeros_like(mask[:, ly, :])
        layer[:, u] = x.T
        out[:, ly, :] = layer
    return out


def start_values(instance: Instance, model: Model, mask: np.ndarray) -> np.ndarray:
    """A complete MIP start from a plan ``mask [steps, layers, experts]`` (projected first)."""
    mask = project(instance, model, mask)
    gpu, cpu, shared = (a * UNIT for a in instance.cost_arrays)
    copy = instance.copy_s * UNIT
    S = instance.steps
    nl = len(model.layers)
    values = np.zeros(model.lp.num_col_)
    init = instance.initial_mask()
    t_values = np.zeros((S, nl))
    loads = np.zeros((S, nl))
    for i, (ly, u) in enumerate(zip(model.layers, model.experts, strict=True)):
        m = mask[:, ly, :]
        x = m[:, u].T  # [experts, steps]
        xc, yc = model.xcol[i], model.ycol[i]
        prev = np.concatenate([init[ly, u][:, None], x[:, :-1]], axis=1)
        y = x & ~prev
        values[xc[xc >= 0]] = x[xc >= 0]
        values[yc[yc >= 0]] = y[yc >= 0]
        loads[:, i] = y.sum(axis=0)
        g = shared[:, ly] + (gpu[:, ly, :] * m).sum(axis=1)
        c = (cpu[:, ly, :] * ~m).sum(axis=1)
        t_values[:, i] = np.maximum(g, c)
    values[model.t_offset : model.t_offset + S * nl] = t_values.ravel()
    if model.h_offset is not None:
        flat_t = t_values.ravel()
        flat_copy = (loads * copy).ravel()
        hid = np.minimum(flat_copy, np.concatenate([[0.0], flat_t[:-1]]))
        values[model.h_offset : model.h_offset + S * nl] = hid
    return values


def read_mask(instance: Instance, model: Model, values: list[float]) -> np.ndarray:
    """The plan ``[steps, len(layers), experts]`` encoded by the x columns."""
    S, E = instance.steps, instance.experts
    out = np.zeros((S, len(model.layers), E), dtype=bool)
    vals = np.asarray(values)
    for i, u in enumerate(model.experts):
        xc = model.xcol[i]
        x = np.zeros(xc.shape, dtype=bool)
        x[xc >= 0] = vals[xc[xc >= 0]] > 0.5
        out[:, i, u] = x.T
    return out


#: Share of a MIP's time limit for the LP relaxation and RENS before the full search.
RENS_SHARE = 0.25
#: Share of the whole time limit for LP + RENS of every layer before any proof starts.
PREPARE_SHARE = 0.3

#: HiGHS options of the RENS and proving runs (:func:`mip_highs`). The root reduced-cost
#: heuristic (sub-MIPs over the columns with small reduced costs) is off: on the 19
#: per-layer models of llada2-mini (32 steps, seed 1, HiGHS 1.16, one thread, load 4-6) the
#: proofs took 94.6 s of CPU without it vs 137.8 s with it, and LP + RENS 18.4 s vs 21.3 s
#: (same optima and RENS plans; docs/offload.md).
MIP_OPTIONS: dict[str, Any] = {"mip_heuristic_run_root_reduced_cost": False}


def mip_highs(time_limit: float, seed: int) -> highspy.Highs:
    """A HiGHS instance for a RENS or proving run: the certificate's gap and :data:`MIP_OPTIONS`
    (an option this HiGHS version does not know is skipped: HiGHS returns an error status)."""
    h = new_highs(time_limit=time_limit, seed=seed)
    h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
    for name, value in MIP_OPTIONS.items():
        h.setOptionValue(name, value)
    return h


@dataclass
class Prepared:
    """A built MIP with its LP bound and best incumbent so far (in :data:`UNIT`)."""

    model: Model
    lp_bound: float | None
    incumbent: np.ndarray | None
    best: float | None
    duals: np.ndarray | None
    stats: dict[str, Any]


def prepare(
    instance: Instance,
    layers: list[int],
    *,
    capacity: int | np.ndarray,
    global_budget: bool,
    overlap: bool,
    time_limit: float,
    start: np.ndarray | None,
    seed: int = 0,
) -> Prepared:
    """Build the MIP, solve its LP relaxation (a bound) and run RENS -- the MIP with every
    binary fixed at its integral LP value, the fractional ones free -- which gives a
    near-optimal incumbent fast, since the LP is nearly integral."""
    deadline = Deadline(time_limit)
    model = build(instance, layers, capacity=capacity, global_budget=global_budget, overlap=overlap)
    lp = model.lp
    nx = int(sum((xc >= 0).sum() for xc in model.xcol))
    incumbent = None if start is None else start_values(instance, model, start)
    best = None if incumbent is None else float(np.dot(lp.col_cost_, incumbent))
    stats: dict[str, Any] = {
        "layers": layers if len(layers) <= 4 else f"{len(layers)} layers",
        "columns": lp.num_col_,
        "rows": lp.num_row_,
    }
    relax = new_highs(time_limit=deadline.remaining(), seed=seed)
    relax.setOptionValue("solve_relaxation", True)
    relax.passModel(lp)
    relax.run()
    lp_bound = duals = None
    if relax.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        # weak duality evaluated safely, not the LP objective (core/lp_bound.py)
        lp_bound = highs_lp_bound(relax, time_limit=max(0.01, deadline.remaining()))
        row_dual = np.asarray(relax.getSolution().row_dual)
        rows = model.budget_rows
        duals = np.where(rows >= 0, -row_dual[np.maximum(rows, 0)], 0.0).clip(min=0.0) / UNIT
        x = np.asarray(relax.getSolution().col_value)[:nx]
        stats["fractional"] = int(((x >= 1e-6) & (x <= 1 - 1e-6)).sum())
        rens = mip_highs(deadline.remaining(), seed)
        rens.passModel(lp)
        rens.changeColsBounds(
            nx,
            np.arange(nx, dtype=np.int32),
            np.where(x > 1 - 1e-6, 1.0, 0.0),
            np.where(x < 1e-6, 0.0, 1.0),
        )
        rens.run()
        found = outcome(rens)
        if found.objective is not None and (best is None or found.objective < best):
            best, incumbent = found.objective, np.asarray(found.values)
        stats["rens_objective_s"] = None if found.objective is None else found.objective / UNIT
    stats["prepare_s"] = round(deadline.elapsed(), 3)
    return Prepared(model, lp_bound, incumbent, best, duals, stats)


def finish(
    instance: Instance,
    prepared: Prepared,
    *,
    time_limit: float,
    seed: int = 0,
    prove: bool = True,
) -> MipRun:
    """The full MIP warm-started from the incumbent (or, without ``prove`` or time, the
    incumbent with the LP bound)."""
    model, best, lp_bound = prepared.model, prepared.best, prepared.lp_bound
    stats = dict(prepared.stats)
    values = None if prepared.incumbent is None else prepared.incumbent.tolist()
    objective, bound, status, solver_status = best, lp_bound, Status.FEASIBLE, "RENS"
    if prove and time_limit > 0.05:
        began = time.perf_counter()
        h = mip_highs(time_limit, seed)
        h.setOptionValue("mip_abs_gap", ABS_GAP_S * UNIT)
        h.passModel(model.lp)
        out = run_checked(h, values)
        if out.objective is not None and (best is None or out.objective <= best + 1e-9):
            values, objective = out.values, out.objective
        if out.bound is not None and (bound is None or out.bound > bound):
            bound = out.bound
        status = out.status if out.status is not Status.UNKNOWN else Status.FEASIBLE
        solver_status = out.solver_status
        stats.update(nodes=int(h.getInfo().mip_node_count), solver_status=solver_status)
        stats["mip_s"] = round(time.perf_counter() - began, 3)
    if values is None:
        status = Status.UNKNOWN
    mask = None if values is None else read_mask(instance, model, values)
    return MipRun(
        status,
        mask,
        None if objective is None else objective / UNIT,
        None if bound is None else bound / UNIT,
        solver_status,
        stats,
        prepared.duals,
    )


def run_model(
    instance: Instance,
    layers: list[int],
    *,
    capacity: int | np.ndarray,
    global_budget: bool,
    overlap: bool,
    time_limit: float,
    start: np.ndarray | None,
    seed: int = 0,
    prove: bool = True,
) -> MipRun:
    """Build and solve one MIP (one thread): :func:`prepare` (with at most
    :data:`RENS_SHARE` of the time when proving), then :func:`finish`."""
    deadline = Deadline(time_limit)
    prepared = prepare(
        instance,
        layers,
        capacity=capacity,
        global_budget=global_budget,
        overlap=overlap,
        time_limit=deadline.fraction(RENS_SHARE) if prove else deadline.remaining(),
        start=start,
        seed=seed,
    )
    return finish(instance, prepared, time_limit=deadline.remaining(), seed=seed, prove=prove)


#: Largest (relevant experts x steps) summed over layers for which a global budget is solved
#: as one MIP; beyond, a Lagrangian bound and per-layer plans (planner.offload.coupled).
MONOLITHIC_MAX_CELLS = 40_000

#: Seconds per cell (relevant expert x step) to build a model and solve its LP relaxation:
#: about 2.5 s for one layer of 64 experts x 4,096 steps measured on a loaded 2-core machine.
#: A model whose estimate exceeds the time it may use is not built (its part keeps the start).
BUILD_S_PER_CELL = 1e-5

#: Steps ahead the hindsight start heuristic looks at.
LOOKAHEAD_STEPS = 32


def lookahead_plan(instance: Instance) -> np.ndarray:
    """A MIP start: the ``auto`` rule fed with the true future counts (hindsight, not causal).

    At every step and layer, :func:`~planner.offload.adaptive.lookahead_sets`
    over the next :data:`LOOKAHEAD_STEPS` steps, weighted like ``auto``.
    """
    return lookahead_until(instance, None)[0]


def lookahead_until(instance: Instance, deadline: Deadline | None) -> tuple[np.ndarray, int]:
    """:func:`lookahead_plan` within ``deadline``: the plan and the steps decided (the later
    ones keep the last resident set)."""
    from planner.offload.adaptive import DISCOUNT, lookahead_sets
    from planner.offload.policy import CHECK_EVERY

    caps = instance.layer_capacities()
    resident = instance.initial_mask()
    S = instance.steps
    out = np.zeros(instance.counts.shape, dtype=bool)
    for s in range(S):
        if deadline is not None and s and deadline.expired():  # every step: a step is slow
            out[s:] = resident
            return out, s
        if s % CHECK_EVERY == 0:
            # costs of the next CHECK_EVERY steps' windows (never the whole trace at once)
            first = s
            gpu, cpu, shared = instance.cost_chunk(s, min(S, s + CHECK_EVERY + LOOKAHEAD_STEPS))
        hi = min(S, s + LOOKAHEAD_STEPS)
        weights = DISCOUNT ** np.arange(hi - s)
        a, b = s - first, hi - first
        resident = lookahead_sets(
            gpu[a:b].transpose(1, 0, 2),
            cpu[a:b].transpose(1, 0, 2),
            shared[a:b].T,
            weights,
            resident,
            caps,
            instance.copy_s,
        )
        out[s] = resident
    return out, S


def solve(
    instance: Instance,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    start: np.ndarray | None,
) -> tuple[Status, np.ndarray | None, float | None, dict[str, Any]]:
    """Optimal plan of the whole trace: ``(status, mask, bound, stats)``.

    ``status`` is OPTIMAL when every MIP closed its gap, FEASIBLE when a plan
    was found without a proof; ``bound`` is a valid lower bound (seconds).
    """
    deadline = Deadline(time_limit)
    L = instance.layers
    overlap = instance.hardware.overlap
    smallest = min(len(relevant_experts(instance, layer)) for layer in range(L)) * instance.steps
    if BUILD_S_PER_CELL * smallest > PREPARE_SHARE * deadline.remaining():
        reason = "no layer's model can be built in the time limit (estimated from its size)"
        if start is None:
            return Status.UNKNOWN, None, None, {"skipped_reason": reason}
        return Status.FEASIBLE, start, None, {"skipped_layers": L, "skipped_reason": reason}
    floor = compute_floor(instance).sum(axis=0)  # per layer, a fallback bound
    if instance.per_layer and not overlap:
        order = sorted(range(L), key=lambda ly: -len(relevant_experts(instance, ly)))
        rounds = -(-L // max(1, threads))

        def first(layer: int) -> Prepared | None:
            budget = deadline.fraction(PREPARE_SHARE) / rounds
            cells = len(relevant_experts(instance, layer)) * instance.steps
            if BUILD_S_PER_CELL * cells > deadline.fraction(PREPARE_SHARE):
                return None  # cannot be built in time: the layer keeps the start
            return prepare(
                instance,
                [layer],
                capacity=instance.capacity,
                global_budget=False,
                overlap=False,
                time_limit=budget,
                start=start,
                seed=seed,
            )

        def second(item: tuple[int, Prepared | None]) -> MipRun | None:
            if item[1] is None:
                return None
            return finish(instance, item[1], time_limit=deadline.remaining(), seed=seed)

        # every layer gets its LP bound and a near-optimal plan before any proof starts,
        # so a short time limit still ends with a small gap on every layer
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            prepared = list(pool.map(first, order))
            runs = dict(
                zip(order, pool.map(second, zip(order, prepared, strict=True)), strict=True)
            )
        mask = np.zeros((instance.steps, L, instance.experts), dtype=bool)
        bound = 0.0
        skipped = [layer for layer, run in runs.items() if run is None]
        if skipped and start is None:
            return Status.UNKNOWN, None, None, {"skipped_layers": len(skipped)}
        for layer in skipped:
            mask[:, layer, :] = start[:, layer, :]
            bound += float(floor[layer])
        proven = not skipped
        built = {layer: run for layer, run in runs.items() if run is not None}
        for layer, run in built.items():
            if run.mask is None:
                if start is None:
                    return Status.UNKNOWN, None, None, {"layers": [r.stats for r in built.values()]}
                mask[:, layer, :] = start[:, layer, :]
            else:
                mask[:, layer, :] = run.mask[:, 0, :]
            bound += max(run.bound if run.bound is not None else 0.0, float(floor[layer]))
            proven &= run.status is Status.OPTIMAL
        stats = {
            "decomposed": True,
            "proven_layers": sum(r.status is Status.OPTIMAL for r in built.values()),
            "nodes": sum(r.stats.get("nodes", 0) for r in built.values()),
            "slowest_layer_s": max(
                (r.stats.get("prepare_s", 0) + r.stats.get("mip_s", 0) for r in built.values()),
                default=0.0,
            ),
        }
        if skipped:
            stats["skipped_layers"] = len(skipped)
            stats["skipped_reason"] = (
                f"{len(skipped)} of {L} layer models could not be built in the time limit "
                "(estimated from their size); those layers keep the start plan"
            )
        return (Status.OPTIMAL if proven else Status.FEASIBLE), mask, bound, stats
    cells = sum(len(relevant_experts(instance, layer)) for layer in range(L)) * instance.steps
    if not instance.per_layer and not overlap and cells > MONOLITHIC_MAX_CELLS:
        from planner.offload.coupled import solve_global

        return solve_global(
            instance, time_limit=deadline.remaining(), threads=threads, seed=seed, start=start
        )
    if BUILD_S_PER_CELL * cells > RENS_SHARE * deadline.remaining():
        if start is None:
            return Status.UNKNOWN, None, float(floor.sum()), {"decomposed": False}
        reason = f"the model ({cells} cells) cannot be built in the time limit; the start plan"
        return Status.FEASIBLE, start, float(floor.sum()), {"skipped_reason": reason}
    run = run_model(
        instance,
        list(range(L)),
        capacity=instance.capacity,
        global_budget=not instance.per_layer,
        overlap=overlap,
        time_limit=deadline.remaining(),
        start=start,
        seed=seed,
    )
    stats = {"decomposed": False, **run.stats}
    mask = run.mask if run.mask is not None else start
    bound = max(run.bound if run.bound is not None else 0.0, float(floor.sum()))
    if mask is None:
        return Status.UNKNOWN, None, bound, stats
    return run.status if run.mask is not None else Status.FEASIBLE, mask, bound, stats
