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
        free = np.zeros(ctx.layers, dtype=np.int64)
        if ctx.overlap and ctx.copy_s > 0:
            # copies of layer l hide behind layer l - 1 (layer 0: the last layer, one step before)
            slack = np.roll(self.window, 1)
            free = (slack / ctx.copy_s + 1e-9).astype(np.int64)
        new = lookahead_sets(
            gpu.transpose(1, 0, 2),
            cpu.transpose(1, 0, 2),
            shared.T,
            weights,
            resident,
            ctx.capacity,
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

    Returns the current set unless another is predicted to be cheaper. One layer of
    :func:`lookahead_sets`.
    """
    return lookahead_sets(
        gpu[None],
        cpu[None],
        np.asarray(shared)[None],
        weights,
        np.asarray(resident)[None],
        np.array([capacity]),
        copy_s,
        np.array([free_loads]),
    )[0]


def lookahead_sets(
    gpu: np.ndarray,
    cpu: np.ndarray,
    shared: np.ndarray,
    weights: np.ndarray,
    resident: np.ndarray,
    capacity: np.ndarray,
    copy_s: float,
    free_loads: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`lookahead_set` of every layer at once (numpy over layers, no Python loop per layer).

    ``gpu``, ``cpu`` are ``[layers, H, experts]``, ``shared`` ``[layers, H]``,
    ``resident`` ``[layers, experts]``, ``capacity`` and ``free_loads`` ``[layers]``;
    ``weights [H]`` and ``copy_s`` are common. Returns ``[layers, experts]``.

    Per layer: rank the experts by their weighted saving over the horizon (less a
    copy if not resident), take the best prefix of that ranking (at most the
    capacity) under the predicted cost, keep the current set unless the prefix is
    cheaper, refill free slots with resident experts that do not raise the predicted
    cost, then :func:`improve_sets`.
    """
    L, H, E = gpu.shape
    resident = np.asarray(resident, dtype=bool)
    capacity = np.asarray(capacity, dtype=np.int64)
    free = np.zeros(L, np.int64) if free_loads is None else np.asarray(free_loads, np.int64)
    w = np.asarray(weights, dtype=np.float64)
    rows = np.arange(L)
    saving = w @ (cpu - gpu) - copy_s * ~resident
    K = int(min(E, capacity.max(initial=0)))
    order = np.argsort(-saving, axis=1, kind="stable")[:, :K]  # [L, K]
    zeros = np.zeros((L, H, 1))
    g_sorted = np.take_along_axis(gpu, order[:, None, :], axis=2)
    c_sorted = np.take_along_axis(cpu, order[:, None, :], axis=2)
    g_path = shared[:, :, None] + np.concatenate([zeros, np.cumsum(g_sorted, axis=2)], axis=2)
    c_path = cpu.sum(axis=2)[:, :, None] - np.concatenate(
        [zeros, np.cumsum(c_sorted, axis=2)], axis=2
    )
    new_loads = ~np.take_along_axis(resident, order, axis=1)
    loads = np.concatenate([np.zeros((L, 1), np.int64), np.cumsum(new_loads, axis=1)], axis=1)
    cost = w @ np.maximum(g_path, c_path)
    cost += copy_s * np.maximum(loads - free[:, None], 0)
    cost[np.arange(K + 1)[None, :] > capacity[:, None]] = np.inf  # beyond a layer's slots
    m = np.argmin(cost, axis=1)
    keep = weighted_costs(gpu, cpu, shared, w, resident)
    change = cost[rows, m] < keep
    chosen = resident.copy()
    prefix = np.arange(K)[None, :] < m[:, None]
    picked = np.zeros((L, E), dtype=bool)
    np.put_along_axis(picked, order, prefix, axis=1)
    chosen[change] = picked[change]
    # free slots: resident experts that do not make the predicted cost worse stay, tried
    # best saving first (one candidate per layer per round)
    room = capacity - chosen.sum(axis=1)
    extra = resident & ~chosen & change[:, None]
    if extra.any():
        by_saving = np.argsort(np.where(extra, -saving, np.inf), axis=1, kind="stable")
        n_extra = np.minimum(extra.sum(axis=1), np.maximum(room, 0))
        g = shared + (gpu @ chosen[:, :, None])[:, :, 0]
        c = (cpu @ ~chosen[:, :, None])[:, :, 0]
        base = np.maximum(g, c) @ w
        for j in range(int(n_extra.max(initial=0))):
            live = np.flatnonzero(j < n_extra)
            e = by_saving[live, j]
            g2 = g[live] + gpu[live, :, e]
            c2 = c[live] - cpu[live, :, e]
            trial = np.maximum(g2, c2) @ w
            ok = trial <= base[live]
            take = live[ok]
            chosen[take, e[ok]] = True
            g[take], c[take], base[take] = g2[ok], c2[ok], trial[ok]
    if H * E <= BATCH_MAX_CELLS:
        return improve_sets(gpu, cpu, shared, w, chosen, resident, capacity, copy_s, free)
    return np.stack(
        [
            improve_set(
                gpu[ly],
                cpu[ly],
                shared[ly],
                w,
                chosen[ly],
                resident[ly],
                int(capacity[ly]),
                copy_s,
                int(free[ly]),
            )
            for ly in range(L)
        ]
    )


#: Most moves of :func:`improve_sets` per call (each costs one pass over steps x experts).
MAX_MOVES = 256
#: Steps x experts of one layer above which :func:`lookahead_sets` improves layer by layer
#: (:func:`improve_set`): a batched round prices every layer, also those that stopped
#: improving, which costs more than a Python round per layer once a layer's prices are
#: large (measured: 256 experts x 32 steps 2x slower batched; 64 x 16 2.3x faster).
BATCH_MAX_CELLS = 4096


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

    One layer; :func:`improve_sets` does the same for every layer at once.

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


def improve_sets(
    gpu: np.ndarray,
    cpu: np.ndarray,
    shared: np.ndarray,
    weights: np.ndarray,
    chosen: np.ndarray,
    resident: np.ndarray,
    capacity: np.ndarray,
    copy_s: float,
    free_loads: np.ndarray | None = None,
) -> np.ndarray:
    """``chosen [layers, experts]`` improved by single moves, every layer at once.

    A ranked prefix adds experts in one fixed order, so it cannot drop a resident
    expert to load a better one or stop where the GPU and CPU sides balance
    best; this local search repeats, in every layer that still improves, the best
    of: add one expert (a copy unless resident), drop one (free), or swap the best
    drop for the best add, while the predicted cost
    ``sum_h w_h max(GPU_h, CPU_h) + copies`` falls (at most :data:`MAX_MOVES` rounds).
    """
    L = gpu.shape[0]
    x = np.array(chosen, dtype=bool)
    resident = np.asarray(resident, dtype=bool)
    capacity = np.asarray(capacity, dtype=np.int64)
    free = np.zeros(L, np.int64) if free_loads is None else np.asarray(free_loads, np.int64)
    w = np.asarray(weights, dtype=np.float64)
    g = shared + (gpu @ x[:, :, None])[:, :, 0]
    c = cpu.sum(axis=2) - (cpu @ x[:, :, None])[:, :, 0]
    loads = (x & ~resident).sum(axis=1)
    load_if_added = (~resident).astype(np.int64)

    def copies(n: np.ndarray, f: np.ndarray) -> np.ndarray:
        return copy_s * np.maximum(n - f, 0)

    cur = np.maximum(g, c) @ w + copies(loads, free)
    # the change of each side if an expert's membership flips: one pass prices every add
    # (not in the set) and every drop (in it)
    flip_g = np.where(x[:, None, :], -gpu, gpu)
    flip_c = np.where(x[:, None, :], cpu, -cpu)
    active = np.arange(L)
    # work arrays reused every round: fresh [layers, H, experts] temporaries are slow to
    # allocate (page faults), several times slower than the arithmetic on them
    side_g, side_c = np.empty_like(flip_g), np.empty_like(flip_c)
    for _ in range(MAX_MOVES):
        if not len(active):
            break
        a = active
        n_a = len(a)
        # every layer's prices (in place, in the work arrays), then the active layers' rows:
        # cheaper than gathering the active layers' slices
        np.add(g[:, :, None], flip_g, out=side_g)
        np.add(c[:, :, None], flip_c, out=side_c)
        move = (w @ np.maximum(side_g, side_c, out=side_g))[a]
        xa, ra, f = x[a], resident[a], free[a]
        la = loads[a]
        r = np.arange(n_a)
        add = move + np.where(ra, copies(la, f)[:, None], copies(la + 1, f)[:, None])
        drop = move + np.where(ra, copies(la, f)[:, None], copies(la - 1, f)[:, None])
        full = xa.sum(axis=1) >= capacity[a]
        add = np.where(xa | full[:, None], np.inf, add)
        drop = np.where(xa, drop, np.inf)
        ea, ed = np.argmin(add, axis=1), np.argmin(drop, axis=1)
        best_add, best_drop = add[r, ea], drop[r, ed]
        better = np.minimum(best_add, best_drop) < cur[a] - 1e-12
        adding = better & (best_add <= best_drop)
        dropping = better & ~(best_add <= best_drop)
        for sel, e, sign in ((adding, ea, 1), (dropping, ed, -1)):
            ly, e = a[sel], e[sel]
            x[ly, e] = sign > 0
            g[ly] += sign * gpu[ly, :, e]
            c[ly] -= sign * cpu[ly, :, e]
            loads[ly] += sign * load_if_added[ly, e]
            flip_g[ly, :, e] = -flip_g[ly, :, e]
            flip_c[ly, :, e] = -flip_c[ly, :, e]
        cur[a[adding]] = best_add[adding]
        cur[a[dropping]] = best_drop[dropping]
        # no single move pays: try a swap where the set is neither empty nor full of experts
        stuck = ~better & xa.any(axis=1) & (~xa).any(axis=1)
        s = np.flatnonzero(stuck)
        ls, ds = a[s], ed[s]
        n = loads[ls] - load_if_added[ls, ds]
        g2 = g[ls] - gpu[ls, :, ds]
        c2 = c[ls] + cpu[ls, :, ds]
        on_g, on_c = side_g[: len(s)], side_c[: len(s)]
        np.take(gpu, ls, axis=0, out=on_g)
        np.take(cpu, ls, axis=0, out=on_c)
        on_g += g2[:, :, None]
        np.subtract(c2[:, :, None], on_c, out=on_c)
        swap = w @ np.maximum(on_g, on_c, out=on_g)
        swap += np.where(
            resident[ls], copies(n, free[ls])[:, None], copies(n + 1, free[ls])[:, None]
        )
        swap = np.where(x[ls], np.inf, swap)
        es = np.argmin(swap, axis=1)
        best_swap = swap[np.arange(len(s)), es]
        ok = best_swap < cur[ls] - 1e-12
        ls, ds, es = ls[ok], ds[ok], es[ok]
        x[ls, ds], x[ls, es] = False, True
        for e in (ds, es):
            flip_g[ls, :, e] = -flip_g[ls, :, e]
            flip_c[ls, :, e] = -flip_c[ls, :, e]
        g[ls] = g2[ok] + gpu[ls, :, es]
        c[ls] = c2[ok] - cpu[ls, :, es]
        loads[ls] = n[ok] + load_if_added[ls, es]
        cur[ls] = best_swap[ok]
        active = np.concatenate([a[better], ls])
        active.sort()
    return x


def weighted_costs(
    gpu: np.ndarray, cpu: np.ndarray, shared: np.ndarray, weights: np.ndarray, on: np.ndarray
) -> np.ndarray:
    """Predicted weighted compute ``sum_h w_h max(GPU_h, CPU_h)`` of the sets ``on`` per layer."""
    g = shared + (gpu @ on[:, :, None])[:, :, 0]
    c = (cpu @ ~on[:, :, None])[:, :, 0]
    return np.maximum(g, c) @ weights
