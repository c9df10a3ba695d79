"""``auto``: an adaptive refresh policy, triggered by the predicted gain of a refresh.

Where TIDE refreshes every layer every ``tau`` steps to the top-B experts of
the step, this policy asks at every step and layer whether changing the set
pays for its copies over the steps ahead, and changes only what pays:

1. predict the token counts of the next steps from what has been seen: the
   current counts decay towards each expert's running mean at the observed
   step-to-step persistence ``rho`` (estimated online by regressing the
   deviation from the mean at one step on the one before), until the block
   ends; later steps are predicted at the running mean, for a tail of
   :data:`TAIL_STEPS` steps weighted :data:`TAIL_WEIGHT`;
2. score every expert by the CPU time it would save over that horizon minus
   its GPU time, minus a copy if it is not resident; take the best prefix of
   that ranking (at most the layer's capacity) under the exact predicted
   cost ``sum over steps of max(GPU, CPU) + copies`` -- GPU and CPU work in
   parallel, so moving experts to the GPU stops paying once the GPU side is
   the slower one;
3. keep the current set unless the new one is predicted to be faster; then
   refill free slots with resident experts that cost nothing to keep.

With overlap, as many loads as the previous layer's compute time can hide
are counted as free. Decisions use only steps up to the current one.
"""

from __future__ import annotations

import numpy as np

from planner.offload.policy import Context

#: Running-mean rate once more than 1 / MEAN_RATE steps have been seen.
MEAN_RATE = 0.05
#: Steps after the current block predicted at the running mean, and their weight.
TAIL_STEPS = 8
TAIL_WEIGHT = 0.5
#: Horizon of autoregressive traces (no blocks).
AR_HORIZON = 16
#: Weight of the step h ahead: DISCOUNT**h (later steps can still be corrected later).
DISCOUNT = 0.9
#: Prior persistence and its weight in (squared-deviation) units of one layer-step.
RHO_PRIOR = 0.8


class AdaptivePolicy:
    """The ``auto`` policy (see the module docstring)."""

    #: Steps between looks at the deadline: every step (a step costs a local search per layer).
    check_every = 1

    def start(self, context: Context) -> None:
        self.context = context
        L, E = context.layers, context.experts
        self.mean = np.zeros((L, E))
        self.seen = 0
        self.previous: np.ndarray | None = None
        self.num = 0.0
        self.den = 0.0
        self.window = np.zeros(L)  # last compute time per layer (overlap slack)

    @property
    def rho(self) -> float:
        """Persistence estimate, shrunk towards :data:`RHO_PRIOR` while data is scarce."""
        prior = self.prior_weight
        return float(np.clip((self.num + RHO_PRIOR * prior) / (self.den + prior), 0.0, 1.0))

    def _observe(self, step: int, counts: np.ndarray) -> None:
        ctx = self.context
        if self.seen == 0:
            self.mean = counts.astype(np.float64)
            self.prior_weight = float((counts.astype(np.float64) ** 2).sum() / ctx.layers) or 1.0
        else:
            if self.previous is not None and ctx.block[step] == ctx.block[step - 1]:
                x = self.previous - self.mean
                y = counts - self.mean
                self.num += float((x * y).sum())
                self.den += float((x * x).sum())
            rate = max(MEAN_RATE, 1.0 / (self.seen + 1))
            self.mean = (1 - rate) * self.mean + rate * counts
        self.previous = counts.astype(np.float64)
        self.seen += 1

    def _horizon(self, step: int, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predicted counts and probability of use ``[H, layers, experts]``, and step weights.

        Within the block, each of an expert's current tokens is still routed to it
        ``h`` steps later with probability ``rho**h``, and re-routed tokens arrive
        at the running-mean rate: expected count ``rho**h c + (1 - rho**h) mean``,
        used with probability ``1 - (1 - rho**h)**c exp(-(1 - rho**h) mean)``.
        After the block, tokens are new: count ``mean``, used w.p. ``1 - exp(-mean)``.
        """
        ctx = self.context
        if ctx.diffusion:
            inside = int(ctx.block_end[step] - step + 1)
            tail = min(TAIL_STEPS, ctx.steps - 1 - int(ctx.block_end[step]))
        else:
            inside, tail = min(AR_HORIZON, ctx.steps - step), 0
        keep = (self.rho ** np.arange(inside))[:, None, None]
        c = counts.astype(np.float64)[None]
        mean = self.mean[None]
        ahead = keep * c + (1 - keep) * mean
        used = 1.0 - (1 - keep) ** c * np.exp(-(1 - keep) * mean)
        used[0] = counts > 0
        weights = DISCOUNT ** np.arange(inside)
        if tail > 0:
            ahead = np.concatenate([ahead, np.repeat(self.mean[None], tail, axis=0)])
            used = np.concatenate([used, np.repeat(1.0 - np.exp(-self.mean)[None], tail, axis=0)])
            weights = np.concatenate(
                [weights, TAIL_WEIGHT * DISCOUNT ** np.arange(inside, inside + tail)]
            )
        return ahead, used, weights

    def decide(self, step: int, counts: np.ndarray, resident: np.ndarray) -> np.ndarray:
        ctx = self.context
        self._observe(step, counts)
        ahead, used, weights = self._horizon(step, counts)
        gpu = ctx.gpu_call_s * used + ctx.gpu_token_s * ahead  # expected seconds [H, L, E]
        cpu = ctx.cpu_call_s * used + ctx.cpu_token_s * ahead
        tokens = ahead.sum(axis=2) / ctx.top_k  # [H, L]
        shared = ctx.shared_experts * np.where(
            tokens > 0, ctx.gpu_call_s + ctx.gpu_token_s * tokens, 0.0
        )
        new = np.empty_like(resident)
        for ly in range(ctx.layers):
            free = 0
            if ctx.overlap and ctx.copy_s > 0:
                slack = self.window[ly - 1] if ly > 0 else self.window[-1]
                free = int(slack / ctx.copy_s + 1e-9)
            new[ly] = lookahead_set(
                gpu[:, ly],
                cpu[:, ly],
                shared[:, ly],
                weights,
                resident[ly],
                int(ctx.capacity[ly]),
                ctx.copy_s,
                free,
            )
        g = ctx.shared_time(counts) + (ctx.gpu_time(counts) * new).sum(axis=1)
        c = (ctx.cpu_time(counts) * ~new).sum(axis=1)
        self.window = np.maximum(g, c)
        return new


def lookahead_set(
    gpu: np.ndarray,
    cpu: np.ndarray,
    shared: np.ndarray,
    weights: np.ndarray,
    resident: np.ndarray,
    capacity: int,
    copy_s: float,
    free_loads: int = 0,
) -> np.ndarray:
    """Best set of one layer for the steps ahead, by the ranked-prefix rule.

    Parameters
    ----------
    gpu, cpu
        Seconds of each expert's calls at each step ahead, ``[H, experts]``.
    shared
        Seconds of the shared experts at each step ahead, ``[H]``.
    weights
        Weight of each step ahead (discount), ``[H]``.
    resident
        Current set (no copy needed), bool ``[experts]``.
    capacity
        Routed slots of the layer.
    copy_s
        Seconds per load; the first ``free_loads`` loads are free (overlap).

    Returns the current set unless another is predicted to be cheaper.
    """
    w = weights[:, None]
    saving = ((cpu - gpu) * w).sum(axis=0) - copy_s * ~resident
    order = np.argsort(-saving, kind="stable")[:capacity]
    zeros = np.zeros((len(weights), 1))
    g_path = shared[:, None] + np.concatenate([zeros, np.cumsum(gpu[:, order], axis=1)], axis=1)
    c_path = cpu.sum(axis=1)[:, None] - np.concatenate(
        [zeros, np.cumsum(cpu[:, order], axis=1)], axis=1
    )
    loads = np.concatenate([[0], np.cumsum(~resident[order])])
    cost = (np.maximum(g_path, c_path) * w).sum(axis=0) + copy_s * np.maximum(loads - free_loads, 0)
    m = int(np.argmin(cost))
    keep = _weighted_cost(gpu, cpu, shared, weights, resident)
    if cost[m] >= keep:
        return improve_set(
            gpu, cpu, shared, weights, resident, resident, capacity, copy_s, free_loads
        )
    chosen = np.zeros_like(resident)
    chosen[order[:m]] = True
    # free slots: resident experts that do not make the predicted cost worse stay
    room = capacity - m
    extra = np.flatnonzero(resident & ~chosen)
    if room > 0 and len(extra):
        extra = extra[np.argsort(-saving[extra], kind="stable")][:room]
        g = shared + (gpu * chosen).sum(axis=1)
        c = (cpu * ~chosen).sum(axis=1)
        base = float((np.maximum(g, c) * weights).sum())
        for e in extra:
            g2, c2 = g + gpu[:, e], c - cpu[:, e]
            trial = float((np.maximum(g2, c2) * weights).sum())
            if trial <= base:
                chosen[e] = True
                g, c, base = g2, c2, trial
    return improve_set(gpu, cpu, shared, weights, chosen, resident, capacity, copy_s, free_loads)


#: Most moves of :func:`improve_set` per call (each costs one pass over steps x experts).
MAX_MOVES = 256


def improve_set(
    gpu: np.ndarray,
    cpu: np.ndarray,
    shared: np.ndarray,
    weights: np.ndarray,
    chosen: np.ndarray,
    resident: np.ndarray,
    capacity: int,
    copy_s: float,
    free_loads: int = 0,
) -> np.ndarray:
    """``chosen`` improved by single moves under the predicted cost of :func:`lookahead_set`.

    A ranked prefix adds experts in one fixed order, so it cannot drop a resident
    expert to load a better one or stop where the GPU and CPU sides balance
    best; this local search repeats the best of: add one expert (a copy unless
    resident), drop one (free), or swap the best drop for the best add, while
    the predicted cost ``sum_h w_h max(GPU_h, CPU_h) + copies`` falls.
    """
    x = chosen.copy()
    w = weights
    g = shared + gpu @ x
    c = cpu.sum(axis=1) - cpu @ x
    loads = int((x & ~resident).sum())

    def copies(n: int) -> float:
        return copy_s * max(n - free_loads, 0)

    cur = float(w @ np.maximum(g, c)) + copies(loads)
    load_if_added = np.where(resident, 0, 1)
    for _ in range(MAX_MOVES):
        add = w @ np.maximum(g[:, None] + gpu, c[:, None] - cpu)
        add += np.where(resident, 0.0, copies(loads + 1)) + np.where(resident, copies(loads), 0.0)
        drop = w @ np.maximum(g[:, None] - gpu, c[:, None] + cpu)
        drop += np.where(resident, copies(loads), copies(loads - 1))
        full = int(x.sum()) >= capacity
        add = np.where(x | full, np.inf, add)
        drop = np.where(x, drop, np.inf)
        ea, ed = int(np.argmin(add)), int(np.argmin(drop))
        if min(add[ea], drop[ed]) < cur - 1e-12:
            if add[ea] <= drop[ed]:
                x[ea], g, c = True, g + gpu[:, ea], c - cpu[:, ea]
                loads += int(load_if_added[ea])
                cur = float(add[ea])
            else:
                x[ed], g, c = False, g - gpu[:, ed], c + cpu[:, ed]
                loads -= int(load_if_added[ed])
                cur = float(drop[ed])
            continue
        if not x.any() or not (~x).any():
            break
        # swap: the best drop, then the best add to the set without it
        n = loads - int(load_if_added[ed])
        g2, c2 = g - gpu[:, ed], c + cpu[:, ed]
        swap = w @ np.maximum(g2[:, None] + gpu, c2[:, None] - cpu)
        swap += np.where(resident, copies(n), copies(n + 1))
        swap = np.where(x, np.inf, swap)
        es = int(np.argmin(swap))
        if swap[es] >= cur - 1e-12:
            break
        x[ed], x[es] = False, True
        g, c = g2 + gpu[:, es], c2 - cpu[:, es]
        loads = n + int(load_if_added[es])
        cur = float(swap[es])
    return x


def _weighted_cost(
    gpu: np.ndarray, cpu: np.ndarray, shared: np.ndarray, weights: np.ndarray, on: np.ndarray
) -> float:
    g = shared + (gpu * on).sum(axis=1)
    c = (cpu * ~on).sum(axis=1)
    return float((np.maximum(g, c) * weights).sum())
