"""Heterogeneous clusters: pipelines that span GPU pools, with a layer-to-stage MIP.

Layout model (as in Metis / Holmes): every data-parallel replica is the same
pipeline; stage ``j`` runs on pool ``k_j`` with ``tp * cp`` GPUs per replica,
so pool ``k`` provides ``dp * tp * cp * q_k`` GPUs for its ``q_k`` stages.
Stages of one pool are contiguous (a pipeline crosses each pool boundary
once; the boundary transfer runs at the inter-pool bandwidth). Layers are
split unevenly: faster or larger-memory GPUs take more layers.

Search. The outer decisions (per-layer configuration, ``pp``, ``dp``, pool
order and stage counts ``q``) are enumerated in bound order; for each
surviving combination a mixed-integer program (HiGHS) chooses the layers per
stage ``n_j``:

``min (m - 1) T + sum_j U_j(n_j) + W``
``s.t. T >= U_j(n_j);  W >= X_j + Y_j + opt_j(n_j) + e_j;``
``X_j >= sync_j(n_j) - bwd_j(n_j), Y_j >= gather_j(n_j) - fwd_j(n_j), X, Y >= 0``
``mem_j(n_j) <= capacity_j;  sum_j n_j = L;  n_j >= 1 integer``

where every ``U_j``, ``sync_j``, ``mem_j`` ... is the step-time model's stage
term, affine in the stage's layer count (coefficients taken from the model
itself at ``n = 1, 2``), so the MIP optimum is the model's optimum for that
outer combination. Single-pool plans come from the exact homogeneous search
on each pool (they also seed the incumbent).

Bounds. With ``q_k`` stages on pool ``k`` and per-layer times ``u_k``, the
bottleneck stage is at least ``L / sum_k (q_k / u_k)`` (fractional
balancing), so ``T >= m L / sum_k (q_k/u_k) >= B L tp cp / (b sum_k N_k/u_k)``
(aggregate-throughput bound) — valid for every plan of a configuration.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import highspy

from planner.core.mip import new_highs
from planner.core.timing import Deadline
from planner.parallel.hardware import ClusterSpec
from planner.parallel.instance import TrainingPlan, TrainingProblem
from planner.parallel.memory import GIB, RUNTIME_RESERVED_GIB, in_flight_microbatches
from planner.parallel.search import REL_TOL, SearchOutcome, TopK, exact_search
from planner.parallel.space import divisors, space
from planner.parallel.step_time import OVERLAP_SLOWDOWN, _layer, _moe_flags, _stage_static, quick

#: Seconds allowed per inner MIP (they solve in milliseconds; this is a safety cap).
MIP_TIME_LIMIT = 2.0
#: Seeding: fewest share of the GPU budget a seed layout uses, and MIPs per seed configuration.
SEED_USE = 0.9
SEED_MIPS = 8


def _single_pool(problem: TrainingProblem, label: str) -> TrainingProblem:
    pool = next(p for p in problem.cluster.pools if p.label == label)
    budget = min(pool.count, problem.gpu_budget)
    cluster = ClusterSpec((pool,), label, problem.cluster.inter_pool_gbit_s)
    c = replace(problem.constraints, max_gpus=budget, use_all_gpus=False)
    return replace(problem, cluster=cluster, constraints=c, name=f"{problem.name}[{label}]")


class _Affine:
    """A stage's model terms as ``c0 + c1 * n`` in its layer count ``n`` (from the model at n = 1, 2)."""

    __slots__ = (
        "act",
        "b",
        "emb",
        "f",
        "g",
        "logits_fixed",
        "logits_per",
        "mem",
        "o",
        "s",
        "u",
        "work",
    )

    def __init__(self, one, two) -> None:
        def lin(field: str) -> tuple[float, float]:
            slope = getattr(two, field) - getattr(one, field)
            return getattr(one, field) - slope, slope

        self.u = lin("micro")
        self.o = lin("opt")
        self.s = lin("grad_sync")
        self.g = lin("param_gather")
        self.f = lin("fwd")
        self.b = lin("bwd")
        self.act = lin("act_per_microbatch")
        c0 = c1 = 0.0
        for name in ("weights", "grads", "optim", "buffers"):
            a, k = lin(name)
            c0 += a
            c1 += k
        self.mem = (c0, c1)
        self.emb = one.emb_sync
        self.work = one.work
        self.logits_fixed = one.logits_fixed
        self.logits_per = one.logits_per_microbatch

    def memory(self, flight: float) -> tuple[float, float]:
        """Memory of the stage as ``c0 + c1 * n`` with ``flight`` microbatches in flight."""
        c0 = self.mem[0] + self.act[0] * flight + self.work + self.logits_fixed
        c0 += self.logits_per * flight + RUNTIME_RESERVED_GIB * GIB
        return c0, self.mem[1] + self.act[1] * flight


_AFFINE: dict[tuple, _Affine] = {}


def _stage_affine(problem, plan, pool, first, last, inter) -> _Affine:
    key = (
        id(problem),
        plan.tp,
        plan.cp,
        plan.dp,
        plan.ep,
        plan.microbatch,
        plan.recompute,
        plan.zero,
        plan.sequence_parallel,
        pool.label,
        first,
        last,
        inter,
    )
    hit = _AFFINE.get(key)
    if hit is None:
        if len(_AFFINE) > 200_000:
            _AFFINE.clear()
        one = _stage_static(problem, plan, pool, [0], first, last, inter)
        two = _stage_static(problem, plan, pool, [0, 1], first, last, inter)
        hit = _AFFINE[key] = _Affine(one, two)
    return hit


def _stage_terms(problem, plan, labels):
    """Affine terms and memory caps (max layers) of each stage of ``labels``."""
    pools = {p.label: p for p in problem.cluster.pools}
    pp = len(labels)
    m = plan.microbatches(problem.workload.global_batch)
    L = problem.model.layers
    terms = []
    for j in range(pp):
        first, last = j == 0, j == pp - 1
        inter = labels[max(j - 1, 0)] != labels[j] or labels[min(j + 1, pp - 1)] != labels[j]
        pool = pools[labels[j]]
        a = _stage_affine(problem, plan, pool, first, last, inter)
        c0, c1 = a.memory(in_flight_microbatches(j, pp, m, 1))
        cap = pool.gpu.memory_bytes
        hi = math.floor((cap - c0) / c1 + 1e-9) if c1 > 0 else (L if c0 <= cap else 0)
        terms.append((a, min(hi, L - (pp - 1))))
    return terms


def _split_bound(terms, L: int, m: int) -> float:
    """Lower bound for one stage assignment: fractional water-filling under memory caps."""
    u0 = [a.u[0] for a, _ in terms]
    u1 = [a.u[1] for a, _ in terms]
    hi = [h for _, h in terms]
    if min(hi) < 1 or sum(hi) < L:
        return math.inf
    lo_t = max(u0[j] + u1[j] for j in range(len(terms)))
    hi_t = max(u0[j] + u1[j] * hi[j] for j in range(len(terms)))
    for _ in range(40):
        mid = (lo_t + hi_t) / 2
        cap = sum(
            min(hi[j], (mid - u0[j]) / u1[j]) if u1[j] > 0 else hi[j] for j in range(len(terms))
        )
        if cap >= L:
            hi_t = mid
        else:
            lo_t = mid
    total = sum(u0) + L * min(u1)
    return (m - 1) * lo_t + total


def solve_layers(
    problem: TrainingProblem,
    plan: TrainingPlan,
    labels: tuple[str, ...],
    *,
    time_limit: float = MIP_TIME_LIMIT,
    threads: int = 1,
) -> tuple[tuple[int, ...] | None, float, float]:
    """Best layers per stage for fixed everything else: (layers or None, objective, proven bound).

    ``plan`` gives every decision but ``stage_layers``; ``labels`` the pool of
    each stage. Returns ``(None, inf, inf)`` when no split fits in memory.
    """
    L = problem.model.layers
    m = plan.microbatches(problem.workload.global_batch)
    terms = _stage_terms(problem, plan, labels)
    if any(hi < 1 for _, hi in terms) or sum(hi for _, hi in terms) < L:
        return None, math.inf, math.inf
    h = new_highs(time_limit=time_limit, threads=threads)
    ns = []
    T = h.addVariable(lb=0.0)
    W = h.addVariable(lb=0.0)
    overlap = problem.constraints.overlap_grad_reduce
    objective = (m - 1) * T + W
    for a, upper in terms:
        n = h.addIntegral(lb=1, ub=upper)
        ns.append(n)
        u0, u1 = a.u
        h.addConstr(u0 + u1 * n <= T)
        objective = objective + u0 + u1 * n
        tail = a.o[0] + a.o[1] * n + a.emb
        if overlap:
            X = h.addVariable(lb=0.0)
            Y = h.addVariable(lb=0.0)
            k = OVERLAP_SLOWDOWN  # exposed_after(c, w) = max(k c, c - (1 - k) w)
            h.addConstr(k * a.s[0] + k * a.s[1] * n <= X)
            h.addConstr((a.s[0] - (1 - k) * a.b[0]) + (a.s[1] - (1 - k) * a.b[1]) * n <= X)
            h.addConstr(k * a.g[0] + k * a.g[1] * n <= Y)
            h.addConstr((a.g[0] - (1 - k) * a.f[0]) + (a.g[1] - (1 - k) * a.f[1]) * n <= Y)
            h.addConstr(X + Y + tail <= W)
        else:
            h.addConstr((a.s[0] + a.g[0]) + (a.s[1] + a.g[1]) * n + tail <= W)
    h.addConstr(sum(ns) == L)
    h.minimize(objective)
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return None, math.inf, math.inf
    info = h.getInfo()
    if info.primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return None, math.inf, -math.inf
    layers = tuple(round(h.val(n)) for n in ns)
    bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else -math.inf
    if status == highspy.HighsModelStatus.kOptimal:
        bound = max(bound, h.getObjectiveValue())
    return layers, h.getObjectiveValue(), bound


def _compositions(total: int, caps: list[int]) -> list[list[int]]:
    """Ways to write ``total`` as ``len(caps)`` positive parts, part ``i`` at most ``caps[i]``."""
    if len(caps) == 1:
        return [[total]] if 1 <= total <= caps[0] else []
    out = []
    for q in range(1, min(total - (len(caps) - 1), caps[0]) + 1):
        out += [[q, *rest] for rest in _compositions(total - q, caps[1:])]
    return out


def _sequences(problem: TrainingProblem, p: int, per_stage: int) -> list[tuple[str, ...]]:
    """Stage-to-pool assignments with contiguous blocks, at least two pools used."""
    pools = problem.cluster.pools
    caps = {pl.label: pl.count // per_stage for pl in pools}
    labels = [pl.label for pl in pools]
    out = []
    for r in range(2, len(labels) + 1):
        for order in itertools.permutations(labels, r):
            for qs in _compositions(p, [caps[x] for x in order]):
                seq: list[str] = []
                for label, q in zip(order, qs, strict=True):
                    seq += [label] * q
                out.append(tuple(seq))
    return out


def hetero_search(
    problem: TrainingProblem,
    *,
    top_k: int = 5,
    deadline: Deadline | None = None,
    threads: int = 1,
) -> SearchOutcome:
    """Best plans on a heterogeneous cluster (single-pool plans included)."""
    deadline = deadline or Deadline(None)
    c, model, wl = problem.constraints, problem.model, problem.workload
    B, L = wl.global_batch, model.layers
    top = TopK(top_k)
    out = SearchOutcome([], False, 0.0)
    mixed_types = model.is_moe and 0 < model.moe_layers < model.layers
    # 1. single-pool plans: exact homogeneous search on each pool
    sub_complete = True
    for pool in problem.cluster.pools:
        sub = exact_search(_single_pool(problem, pool.label), top_k=top_k, deadline=deadline)
        sub_complete &= sub.complete
        out.evaluated += sub.evaluated
        for plan, _q in sub.ranked:
            plan = replace(plan, stage_pools=(pool.label,) * plan.pp)
            q = quick(problem, plan)
            if q.fits:
                top.offer(plan, q)
    if c.pp == 1 or c.interleave not in (None, 1) or c.zero in (2, 3):
        out.ranked = top.best()
        out.complete = sub_complete
        out.bound = out.ranked[0][1].objective if out.ranked and out.complete else 0.0
        return out
    # 2. a quick mixed incumbent: the per-layer configurations of the best single-pool
    #    plans, spread over several pools, using (almost) the whole budget
    seeds = {
        (p.tp, p.cp, p.ep, p.microbatch, p.recompute, p.sequence_parallel, p.zero)
        for p, _q in top.best()
    }
    for t, cp, ep, b, rc, sp, z in sorted(seeds):
        if z > 1 or deadline.expired():
            continue
        cands = []
        for p in range(2, L + 1):
            if c.pp is not None and p != c.pp:
                continue
            for d in divisors(B // b):
                used = t * cp * p * d
                if used > problem.gpu_budget or used < SEED_USE * problem.gpu_budget or d % ep:
                    continue
                if c.dp is not None and d != c.dp:
                    continue
                m = B // (d * b)
                for labels in _sequences(problem, p, t * cp * d):
                    stub = TrainingPlan(
                        tp=t,
                        pp=p,
                        dp=d,
                        cp=cp,
                        ep=ep,
                        microbatch=b,
                        recompute=rc,
                        zero=z,
                        sequence_parallel=sp,
                        stage_layers=(1,) * p,
                        stage_pools=labels,
                    )
                    wb = _split_bound(_stage_terms(problem, stub, labels), L, m)
                    if wb < math.inf:
                        cands.append((wb, stub, labels))
        cands.sort(key=lambda x: x[0])
        for wb, stub, labels in cands[:SEED_MIPS]:
            if c.objective == "time" and wb >= top.threshold * (1 - REL_TOL):
                break
            layers, _obj, _lb = solve_layers(problem, stub, labels, threads=threads)
            out.evaluated += 1
            if layers is not None:
                plan = replace(stub, stage_layers=layers)
                q = quick(problem, plan)
                if q.fits:
                    top.offer(plan, q)
    # 3. multi-pool pipelines, exhaustively in bound order
    sp_space = space(problem)
    pools = problem.cluster.pools
    flags = _moe_flags(model)
    configs = []
    for t, cp, ep, b, rc in itertools.product(
        sp_space.tps, sp_space.cps, sp_space.eps, sp_space.microbatches, sp_space.recomputes
    ):
        sps = [False, True] if t > 1 else [False]
        if c.sequence_parallel is not None:
            sps = [x for x in sps if x == c.sequence_parallel]
        for sp in sps:
            stub = TrainingPlan(
                tp=t, pp=2, dp=1, cp=cp, ep=ep, microbatch=b, recompute=rc, sequence_parallel=sp
            )
            u = {}
            for pool in pools:
                per = []
                for is_moe in {bool(f) for f in flags}:
                    lc = _layer(problem, stub, pool.gpu, is_moe)
                    per.append(lc.forward + lc.backward)
                u[pool.label] = min(per)
            rate = sum(pool.count / u[pool.label] for pool in pools)
            bound = B * L * t * cp / (b * rate)
            configs.append((bound, t, cp, ep, b, rc, sp, u))
    configs.sort(key=lambda x: x[0])
    stopped = False
    lowest_open = math.inf
    price = {p.label: p.gpu.price_per_gpu_hour / 3600.0 for p in pools}
    for bound, t, cp, ep, b, rc, sp, u in configs:
        if c.objective == "time" and bound >= top.threshold * (1 - REL_TOL):
            lowest_open = min(lowest_open, bound)
            break
        if deadline.expired():
            stopped = True
            lowest_open = min(lowest_open, bound)
            break
        per_stage = t * cp
        zeros = [z for z in sp_space.zeros if z <= 1]
        for p in range(2, L + 1):
            if c.pp is not None and p != c.pp:
                continue
            for d in divisors(B // b):
                if t * cp * p * d > problem.gpu_budget or d % ep:
                    continue
                if c.dp is not None and d != c.dp:
                    continue
                if c.use_all_gpus and t * cp * p * d != problem.gpu_budget:
                    continue
                m = B // (d * b)
                # best possible split: fill the fastest pools first
                caps = sorted((u[pl.label], pl.count // (per_stage * d)) for pl in pools)
                left, inv = p, 0.0
                for uk, cap_k in caps:
                    take = min(cap_k, left)
                    inv += take / uk
                    left -= take
                if left > 0:
                    continue
                pb = (m - 1) * L / inv + L * caps[0][0]
                if c.objective == "cost":
                    pb *= per_stage * d * p * min(price.values())
                if pb >= top.threshold * (1 - REL_TOL):
                    continue
                for labels in _sequences(problem, p, per_stage * d):
                    inv = sum(1.0 / u[x] for x in labels)
                    sb = (m - 1) * L / inv + L * min(u[x] for x in labels)
                    gpu_price = sum(price[x] for x in labels) * per_stage * d
                    if c.objective == "cost":
                        sb *= gpu_price
                    if sb >= top.threshold * (1 - REL_TOL):
                        continue
                    if deadline.expired():
                        stopped = True
                        lowest_open = min(lowest_open, bound)
                        break
                    for z in zeros:
                        stub = TrainingPlan(
                            tp=t,
                            pp=p,
                            dp=d,
                            cp=cp,
                            ep=ep,
                            microbatch=b,
                            interleave=1,
                            recompute=rc,
                            zero=z,
                            sequence_parallel=sp,
                            stage_layers=(1,) * p,
                            stage_pools=labels,
                        )
                        wb = _split_bound(_stage_terms(problem, stub, labels), L, m)
                        if c.objective == "cost":
                            wb *= gpu_price
                        if wb >= top.threshold * (1 - REL_TOL):
                            continue
                        plan = TrainingPlan(
                            tp=t,
                            pp=p,
                            dp=d,
                            cp=cp,
                            ep=ep,
                            microbatch=b,
                            interleave=1,
                            recompute=rc,
                            zero=z,
                            sequence_parallel=sp,
                            stage_layers=(1,) * p,
                            stage_pools=labels,
                        )
                        layers, _obj, _lb = solve_layers(problem, plan, labels, threads=threads)
                        out.evaluated += 1
                        if layers is None:
                            continue
                        plan = replace(plan, stage_layers=layers)
                        q = quick(problem, plan)
                        if q.fits:
                            top.offer(plan, q)
                        if mixed_types:
                            sub_complete = False  # affine stage model is approximate here
                if stopped:
                    break
            if stopped:
                break
        if stopped:
            break
    out.ranked = top.best()
    out.complete = not stopped and sub_complete
    best = out.ranked[0][1].objective if out.ranked else math.inf
    out.bound = best if out.complete else min(best, lowest_open)
    return out
