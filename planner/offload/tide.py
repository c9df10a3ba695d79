"""TIDE's interval refresh policy, as in its released code, and the exact choice of tau.

TIDE (Chen et al. 2026, arXiv 2605.20179; code github.com/ims-kdks/TIDE,
``model/modeling_llada2_moe.py`` at commit 5611ace) refreshes the GPU expert
set of every MoE layer at denoising step ``step`` of block ``block`` iff
``block`` is the first block or ``step % tau == 0`` (``generate``:
``refresh_experts = (num_block == prefill_blocks) or (... step % jump_steps
== 0)``). A refresh (``moe_infer_with_expert_refresh`` and
``update_expert_placement``):

1. target = the ``B`` experts with the most tokens at this step, keeping only
   experts with at least one token (``torch.topk`` then ``top_counts > 0``);
2. promote the target experts not on the GPU;
3. demote at most as many resident non-target experts as were promoted
   ("Cap the number of demotions to the number of promotions"); the others
   stay. Demotion candidates are taken in the iteration order of the Python
   set of resident experts, which for these integer ids is ascending whenever
   the set's hash table has at least ``experts`` slots (always the case at
   the paper's 128 of 256 experts); we use ascending order.

Between refreshes the set does not change and tokens of CPU experts run on
the CPU. Ties in ``torch.topk`` have no specified order; ours go to the lower
expert id. For autoregressive traces (no blocks) a refresh happens iff
``step % tau == 0``.

The released code sweeps ``tau = 1..31``; the paper picks tau with a cost
model. :func:`sweep` evaluates every tau under this family's cost model,
which makes the choice exact for the trace at hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.core.timing import Deadline
from planner.offload.instance import Instance
from planner.offload.policy import Context, plan_times, simulate, simulate_until


def refresh_steps(context: Context, tau: int) -> np.ndarray:
    """Steps at which TIDE with interval ``tau`` refreshes (bool ``[steps]``)."""
    if context.diffusion:
        return (context.block == 0) | (context.position % tau == 0)
    return np.arange(context.steps) % tau == 0


def refresh_layer(counts: np.ndarray, resident: np.ndarray, budget: int) -> np.ndarray:
    """TIDE's refresh of one layer: the new resident mask (see the module docstring)."""
    target = np.zeros(len(counts), dtype=bool)
    if budget > 0:
        top = np.argsort(-counts, kind="stable")[:budget]
        target[top[counts[top] > 0]] = True
    promoted = int((target & ~resident).sum())
    can_demote = np.flatnonzero(resident & ~target)  # ascending ids
    new = target.copy()
    new[can_demote[promoted:]] = True  # demotions capped at promotions: the rest stay
    return new


class TidePolicy:
    """TIDE with a fixed refresh interval ``tau``."""

    def __init__(self, tau: int) -> None:
        if tau < 1:
            raise ValueError(f"tau must be >= 1, got {tau}")
        self.tau = tau

    def start(self, context: Context) -> None:
        self.context = context
        self.refresh = refresh_steps(context, self.tau)

    def decide(self, step: int, counts: np.ndarray, resident: np.ndarray) -> np.ndarray:
        if not self.refresh[step]:
            return resident
        return np.stack(
            [
                refresh_layer(counts[layer], resident[layer], int(self.context.capacity[layer]))
                for layer in range(self.context.layers)
            ]
        )


@dataclass(frozen=True)
class TauResult:
    """Modeled time of TIDE with one ``tau`` (seconds): ``copy_s`` of copies, ``rest_s`` the
    rest (compute, less the copy time hidden behind it with overlap)."""

    tau: int
    time_s: float
    copy_s: float
    rest_s: float
    refreshes: int
    loads: int


def tau_range(instance: Instance) -> range:
    """Intervals worth trying: 1 .. the longest block (1 .. min(steps, 64) without blocks)."""
    if instance.blocks is not None:
        return range(1, max(instance.blocks) + 1)
    return range(1, min(instance.steps, 64) + 1)


def run(instance: Instance, tau: int) -> np.ndarray:
    """TIDE's plan ``[steps, layers, experts]`` with interval ``tau``."""
    return simulate(instance, TidePolicy(tau))


def sweep(instance: Instance, taus: range | list[int] | None = None) -> list[TauResult]:
    """Evaluate TIDE for every ``tau`` (default :func:`tau_range`) under the cost model."""
    context = Context.of(instance)
    return [
        score(instance, context, tau, run(instance, tau)) for tau in taus or tau_range(instance)
    ]


def score(instance: Instance, context: Context, tau: int, mask: np.ndarray) -> TauResult:
    """The :class:`TauResult` of TIDE's plan ``mask`` with interval ``tau``."""
    total = float(plan_times(instance, mask).sum())
    previous = np.concatenate([context.initial[None], mask[:-1]], axis=0)
    loads = int((mask & ~previous).sum())
    copy = loads * instance.copy_s
    return TauResult(
        tau=tau,
        time_s=total,
        copy_s=copy,
        rest_s=total - copy,
        refreshes=int(refresh_steps(context, tau).sum()),
        loads=loads,
    )


def sweep_until(instance: Instance, deadline: Deadline) -> tuple[list[TauResult], np.ndarray, int]:
    """:func:`sweep` within ``deadline``: the results of the taus tried, the best plan and the
    steps it decided (all of them unless not even the first tau finished in time).

    Taus are tried from the largest down: rarer refreshes simulate fastest, so a short limit
    still compares many of them."""
    context = Context.of(instance)
    results: list[TauResult] = []
    plan, decided, best_time = None, 0, float("inf")
    for tau in reversed(tau_range(instance)):
        mask, steps = simulate_until(instance, TidePolicy(tau), deadline)
        if steps < instance.steps and results:
            break  # an unfinished run is no TIDE plan; keep the taus that finished
        results.append(score(instance, context, tau, mask))
        total = results[-1].time_s
        if total <= best_time:  # ties: the smaller tau, as :func:`best`
            plan, decided, best_time = mask, steps, total
        if steps < instance.steps or deadline.expired():
            break
    return sorted(results, key=lambda r: r.tau), plan, decided


def best(results: list[TauResult]) -> TauResult:
    """The fastest tau (ties: the smaller tau)."""
    return min(results, key=lambda r: (r.time_s, r.tau))


def explain(results: list[TauResult], instance: Instance | None = None) -> str:
    """Why the best tau is best: the copy / compute trade against its neighbours, or why no
    tau differs (TIDE refreshes at every step of the first block, so on a one-block trace
    every tau gives the same plan)."""
    top = best(results)
    by_tau = {r.tau: r for r in results}
    parts = [
        f"tau={top.tau}: {top.time_s * 1e3:.2f} ms modeled, {top.copy_s * 1e3:.2f} ms of it "
        f"copies ({top.loads} loads in {top.refreshes} refreshes)"
    ]
    lower = by_tau.get(top.tau - 1)
    if lower is not None:
        parts.append(
            f"refreshing more often (tau={lower.tau}) copies {1e3 * (lower.copy_s - top.copy_s):+.2f} ms "
            f"and changes the rest by {1e3 * (lower.rest_s - top.rest_s):+.2f} ms"
        )
    higher = by_tau.get(top.tau + 1)
    if higher is not None:
        parts.append(
            f"less often (tau={higher.tau}) copies {1e3 * (higher.copy_s - top.copy_s):+.2f} ms "
            f"and changes the rest by {1e3 * (higher.rest_s - top.rest_s):+.2f} ms"
        )
    if len(results) > 1 and len({(r.time_s, r.loads, r.refreshes) for r in results}) == 1:
        taus = sorted(by_tau)
        note = f"every tau tried ({taus[0]}..{taus[-1]}) gives the same plan"
        if instance is not None and instance.blocks is not None and len(instance.blocks) == 1:
            note += (
                ": TIDE refreshes at every step of the first block, and this trace is one "
                "block (tau matters from the second block on)"
            )
        parts.append(note)
    return "; ".join(parts)
