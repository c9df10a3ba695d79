"""Infeasibility in words: why no plan meets the SLOs or the demand."""

from __future__ import annotations

import math
from collections.abc import Sequence

from planner.core.timing import Deadline
from planner.perfmodel.memory import GIB
from planner.serve.candidates import TP_OPTIONS, Candidate, tp_reason
from planner.serve.capacity import engine_for
from planner.serve.instance import ServingProblem
from planner.serve.units import format_duration


def _min_fit(problem: ServingProblem, context: bool = True) -> tuple[int, str, int] | None:
    """(GPUs, label) of the smallest replica whose weights and one request fit, ignoring pool sizes
    (``context=False``: the weights alone)."""
    m = problem.model
    best: tuple[int, str, int] | None = None
    for pool in problem.inventory.pools:
        gpu = pool.gpu
        if not gpu.supports(problem.precision) or problem.engine_refusal(gpu):
            continue
        for tp in TP_OPTIONS:
            if tp_reason(m, tp) or tp > max(gpu.gpus_per_node, problem.constraints.max_tp or 0):
                continue
            for pp in (1, 2, 4, 8, 16, 32, 64):
                if pp > m.layers:
                    break
                eps = (1,) if not m.is_moe else (1, 2, 4, 8, 16, 32)
                for ep in eps:
                    if m.is_moe and m.num_experts % ep:
                        continue
                    eng = engine_for(
                        m,
                        gpu,
                        tp,
                        pp,
                        ep,
                        problem.precision,
                        problem.kv_precision_name,
                        None,
                        problem.engine_on(gpu),
                        problem.offload,
                    )
                    need = problem.traffic.max_context if context else 0
                    if eng.holds_request(need):
                        n = tp * pp * ep
                        label = f"{n} x {gpu.name} (tp{tp} pp{pp}" + (
                            f" ep{ep})" if ep > 1 else ")"
                        )
                        if best is None or n < best[0] or (n == best[0] and tp > best[2]):
                            best = (n, label, tp)
                        break
    return best


def explain_no_candidate(problem: ServingProblem, cands: Sequence[Candidate]) -> str:
    """Why no replica layout can carry any traffic within the SLOs."""
    slo = problem.slo
    evaluated = [c for c in cands if c.floor is not None]
    if not evaluated:
        m = problem.model
        weights = m.params_total * _bytes(problem.precision) / GIB
        fit = _min_fit(problem)
        pools = ", ".join(f"{p.count} x {p.label}" for p in problem.inventory.pools)
        if fit is None:
            if _min_fit(problem, context=False) is not None:  # the weights fit; one request not
                return (
                    f"one request of {math.ceil(problem.traffic.max_context):,} tokens (prompt + output) "
                    f"needs more KV cache than any replica layout of {m.name} on these GPU types "
                    "holds beside its weights"
                )
            return (
                f"{m.name} ({m.params_total / 1e9:.1f}B parameters, {weights:.0f} GiB of "
                f"{problem.precision} weights) fits no replica layout on these GPU types"
            )
        reasons = sorted({c.reason for c in cands})
        return (
            f"{m.name} ({m.params_total / 1e9:.1f}B parameters, {weights:.0f} GiB of "
            f"{problem.precision} weights) fits no layout the inventory ({pools}) and the "
            f"constraints allow: the smallest replica that fits is {fit[1]}"
            + (f" ({reasons[0]})" if len(reasons) == 1 else "")
        )
    msgs = []
    pct = slo.pct_label
    dec = [c for c in evaluated if c.role in ("both", "decode")]
    pre = [c for c in evaluated if c.role in ("both", "prefill")]
    if slo.tpot_s is not None and dec:
        best = min(dec, key=lambda c: c.floor.tpot_s)
        if best.floor.tpot_s > slo.tpot_s:
            msgs.append(
                f"TPOT {format_duration(slo.tpot_s)} cannot be met: best single-replica decode "
                f"step is {format_duration(best.floor.tpot_s)} on {best.config.label()}"
            )
    if slo.ttft_s is not None and pre:
        best = min(pre, key=lambda c: c.floor.ttft_s)
        if best.floor.ttft_s > slo.ttft_s:
            p = problem.traffic.prompt.quantile(slo.percentile)
            msgs.append(
                f"TTFT {pct} {format_duration(slo.ttft_s)} cannot be met: the fastest zero-load "
                f"prefill of the {pct} prompt ({p:,.0f} tokens) takes "
                f"{format_duration(best.floor.ttft_s)} on {best.config.label()}"
            )
    if not msgs:
        kv = [c for c in evaluated if any("KV cache" in v for v in c.floor.violations)]
        if kv and len(kv) == len(evaluated):
            msgs.append(f"the KV cache of every layout is too small: {kv[0].reason}")
    if not msgs and slo.ttft_s is not None and slo.tpot_s is not None:
        b_ttft = min(pre, key=lambda c: c.floor.ttft_s) if pre else None
        b_tpot = min(dec, key=lambda c: c.floor.tpot_s) if dec else None
        text = f"no single layout meets TTFT {pct} and TPOT together"
        if b_ttft is not None and b_tpot is not None:
            text += (
                f" (fastest prefill {b_ttft.config.label()}: TTFT "
                f"{format_duration(b_ttft.floor.ttft_s)}, TPOT {format_duration(b_ttft.floor.tpot_s)};"
                f" fastest decode {b_tpot.config.label()}: TTFT "
                f"{format_duration(b_tpot.floor.ttft_s)}, TPOT {format_duration(b_tpot.floor.tpot_s)})"
            )
        if problem.constraints.disaggregation == "off":
            text += "; separate prefill and decode pools (--disaggregate) may meet both"
        msgs.append(text)
    if not msgs:
        msgs.append(sorted({c.reason for c in cands if c.reason})[0])
    return "; ".join(msgs)


def explain_capacity(
    problem: ServingProblem,
    usable: Sequence[Candidate],
    *,
    threads: int = 1,
    candidates: Sequence[Candidate] = (),
    deadline: Deadline | None = None,
) -> str:
    """Why the demand exceeds what the inventory can serve within the SLOs.

    ``candidates`` (every layout considered, usable or not) names why one side of the
    traffic has no usable layout: decode replicas alone serve nothing (a prefill layout
    whose TTFT meets the target only at zero load was "at most 0 req/s; it would take
    235169855639 x H100-SXM tp8"). ``deadline``: the caller's time limit, which the
    maximum-capacity MIP keeps (its rate is then stated as found, not proven, when cut).
    """
    from planner.serve.mip import max_capacity

    side = _missing_side(problem, usable)
    if side:
        mine = [c for c in candidates if c.role in (side, "both")]
        why = explain_no_candidate(problem, mine) if mine else ""
        return f"no layout serves the {side} side within {problem.slo.describe()}" + (
            f": {why}" if why else ""
        )
    cap, counts, proven = max_capacity(problem, usable, threads=threads, time_limit=_left(deadline))
    parts = [
        f"{n} x {c.config.label()} ({c.role})" for c, n in zip(usable, counts, strict=True) if n
    ]
    pools = ", ".join(f"{p.count} x {p.label}" for p in problem.inventory.pools)
    need = ""
    qps = problem.traffic.qps
    both = [c for c in usable if c.role == "both"]
    pre = [c for c in usable if c.role == "prefill"]
    dec = [c for c in usable if c.role == "decode"]
    options = []
    if both:
        c = min(both, key=lambda c: c.cost_per_qps)
        n = math.ceil(qps / c.capacity)
        options.append((n * c.price, f"{n} x {c.config.label()} ({n * c.gpus} GPUs)"))
    if pre and dec and problem.constraints.pd_pairs:
        options += _paired_options(pre, dec, qps)
    elif pre and dec:
        p = min(pre, key=lambda c: c.cost_per_qps)
        d = min(dec, key=lambda c: c.cost_per_qps)
        n_p, n_d = math.ceil(qps / p.capacity), math.ceil(qps / d.capacity)
        options.append(
            (
                n_p * p.price + n_d * d.price,
                f"{n_p} x {p.config.label()} (prefill) + {n_d} x {d.config.label()} (decode) "
                f"({n_p * p.gpus + n_d * d.gpus} GPUs)",
            )
        )
    if options and qps is not None:
        need = f"; it would take {min(options)[1]} without the inventory limit"
    if problem.constraints.pd_pairs and pre and dec:
        need += " (prefill and decode servers in 1:1 pairs of one layout, for vLLM's connector)"
    most = (
        f"at most {max(0.0, cap):.4g} req/s"
        if proven
        else f"the most found before the time limit is {max(0.0, cap):.4g} req/s (not proven)"
    )
    return (
        f"demand {problem.traffic.qps:g} req/s exceeds what the inventory ({pools}) serves "
        f"within {problem.slo.describe()}: {most}"
        + (f" ({', '.join(parts)})" if parts else "")
        + need
    )


def _missing_side(problem: ServingProblem, usable: Sequence[Candidate]) -> str:
    """``"prefill"`` or ``"decode"`` when only the other side has usable layouts (no
    colocated one), else ``""``."""
    if any(c.role == "both" for c in usable):
        return ""
    roles = {c.role for c in usable}
    if "decode" in roles and "prefill" not in roles:
        return "prefill"
    if "prefill" in roles and "decode" not in roles and problem.traffic.mean_decode_tokens > 0:
        return "decode"
    return ""


def _paired_options(
    pre: Sequence[Candidate], dec: Sequence[Candidate], qps: float | None
) -> list[tuple[float, str]]:
    """The cheapest ``n`` prefill + ``n`` decode servers of each layout serving ``qps``."""
    options = []
    for p in pre:
        for d in dec:
            same = (p.config.tp, p.config.pp, p.config.ep) == (
                d.config.tp,
                d.config.pp,
                d.config.ep,
            )
            if not same or qps is None:
                continue
            n = max(math.ceil(qps / p.capacity), math.ceil(qps / d.capacity))
            options.append(
                (
                    n * (p.price + d.price),
                    f"{n} x {p.config.label()} (prefill) + {n} x {d.config.label()} (decode) "
                    f"({n * (p.gpus + d.gpus)} GPUs)",
                )
            )
    return options


def _left(deadline: Deadline | None) -> float:
    """Seconds a probe MIP may take: the caller's remaining time, else HiGHS's former 10 s."""
    return 10.0 if deadline is None else deadline.remaining()


def explain_shared(
    problem: ServingProblem,
    usable: Sequence[Candidate],
    *,
    threads: int = 1,
    deadline: Deadline | None = None,
) -> str:
    """Why workloads sharing a fleet cannot all be served: the workloads that fail even
    alone (with the whole inventory), else the sum of what each needs alone (each probe
    within ``deadline``)."""
    from planner.serve.mip import max_capacity

    alone = []
    for name, part in problem.parts():
        mine = [c for c in usable if c.workload == name]
        if not mine:
            alone.append(f"workload {name}: no replica layout meets {part.slo.describe()}")
            continue
        cap, _, _ = max_capacity(part, mine, threads=threads, time_limit=_left(deadline))
        if cap < part.traffic.qps * (1 - 1e-9):
            why = explain_capacity(part, mine, threads=threads, deadline=deadline)
            alone.append(f"workload {name}: {why}")
    if alone:
        return "; ".join(alone)
    pools = ", ".join(f"{p.count} x {p.label}" for p in problem.inventory.pools)
    return (
        f"each workload alone fits the inventory ({pools}) but together they need more "
        "GPUs than it holds"
    )


def _bytes(precision: str) -> float:
    from planner.perfmodel.precision import get_precision

    return get_precision(precision).bytes


__all__ = ["explain_capacity", "explain_no_candidate", "explain_shared"]


def explain_nothing(problem: ServingProblem) -> str:
    """Why a maximum-throughput problem whose best plan serves nothing is infeasible."""
    pools = ", ".join(f"{p.count} x {p.label}" for p in problem.inventory.pools)
    force = problem.constraints.disaggregation == "force"
    return (
        f"no replica plan on the inventory ({pools}) serves any request within "
        f"{problem.slo.describe()}"
        + ("; --disaggregate-only needs a prefill and a decode replica" if force else "")
    )
