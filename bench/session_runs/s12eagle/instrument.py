"""Per-iteration comparison of the TPOT law and an instrumented simulation (helper s12eagle).

Usage: .venv/bin/python bench/session_runs/s12eagle/instrument.py CASE-SUBSTRING UTIL [REQUESTS]
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
import serve_simulator as sb

import planner.serve.queueing as qmod
from planner.serve.capacity import role_model
from planner.serve.evaluate import plan_metrics
from planner.serve.simulate import Simulator, generate_trace


class Recording(Simulator):
    """Records every iteration: start, duration, decode batch, chunk tokens, decode-only time."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.log = []

    def _duration(self, e, step, moe_tokens=None):
        dt = super()._duration(e, step, moe_tokens)
        t0 = (
            float(e.model.base_time(np.array([float(step.b)]), step.b, step.ctx)[0])
            if step.b
            else 0.0
        )
        self.log.append((self.env.now, dt, step.b, step.chunk_tokens, t0))
        return dt


#: what the last main() captured: the chain's arguments and outputs, the TPOT law's arguments
SEEN: dict = {}


def main() -> None:
    want, util = sys.argv[1], float(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    case = next(c for c in sb.CASES if want.lower() in c.name.lower())
    cap = plan_metrics(sb.problem_for(case, 99, 1.0), sb.layout(case, 1.0))["capacity_qps"]
    load = util * cap
    plan = sb.layout(case, load)
    problem = sb.problem_for(case, 99, load)
    # ---- model: capture the backlog chain's inputs and outputs
    seen = SEEN
    orig = qmod.backlog_chain

    def spy(*a, **k):
        out = orig(*a, **k)
        seen["args"], seen["out"] = a, out
        return out

    qmod.backlog_chain = spy
    import planner.serve.capacity as capmod

    orig_law = capmod.TpotLaw

    def law_spy(*a, **kw):
        seen["law"] = (a, kw)
        return orig_law(*a, **kw)

    capmod.TpotLaw = law_spy
    group = plan.replicas[0]
    rm = role_model(problem, group)
    pt = rm.at_rate(load)
    state = rm._batch_state(pt.batch)
    law = state.tpot()
    q = law.quantile()
    tau0, pieces, pw, rate, limit, start, _steps, _most, scale = seen["args"]
    _prob, _z1, _z2, carried = seen["out"]
    k = rm.per_step
    print(
        "classes (tokens):",
        np.round(np.asarray(seen["law"][0][3]) * k, 3)[:12],
        "weights",
        np.round(np.asarray(seen["law"][0][4])[:12], 4),
    )
    print(f"case {case.name} util {util} load {load:.3f} cap {cap:.3f} k {k:.3f}")
    print(
        f"model: t0(step) {tau0 * k * 1e3:.3f} ms  tmean {state.tmean * 1e3:.3f} ms  batch {pt.batch:.2f}"
        f"  p99 TPOT {q * 1e3:.3f} ms  chunk cap {limit * k * 1e3:.3f} ms  h {limit * k / 4 * 1e3:.3f} ms"
    )
    print(
        f"model: prompt rate per TPOT-unit {rate:.4f} -> per step {rate * tau0:.4f} arrivals/decode-only step"
    )
    xs = np.asarray(pieces) * k
    print(
        f"model: piece (extra) mean {np.dot(xs, pw) / pw.sum() * 1e3:.3f} ms, P(queued=0) {start[0] / start.sum():.4f}"
    )
    for s in range(1, 4):
        lc = carried[s]
        print(
            f"model chain s={s}: P(carried bin0) {lc[0]:.4f}  bins1-4 {np.round(lc[1:5], 4)}  exact no-arrival "
            f"{start[0] / start.sum() * np.exp(-rate * tau0 * (s - 1)):.4f}"
        )
    # ---- simulation
    cache = (
        f"/tmp/s12eagle_sim_{case.name.split()[0]}_{case.name.split()[-1]}_{util}_{n}.npz".replace(
            " ", "_"
        )
    )
    if os.path.exists(cache):
        z = np.load(cache)
        log, rows = z["log"], z["rows"]
    else:
        sim = Recording(problem, plan, seed=0)
        trace = generate_trace(problem.traffic.with_qps(plan.served_qps()), n, 0)
        done = sim.run(trace)
        log = np.array(sim.log)
        start_t, dur = log[:, 0], log[:, 1]
        ends = start_t + dur
        rows = []
        for r in done:
            if r.output <= 1:
                continue
            i0 = np.searchsorted(start_t, r.first - 1e-12)
            i1 = np.searchsorted(ends, r.finish + 1e-12)
            its = slice(i0, i1)
            ct_, t0_ = log[its, 3], log[its, 4]
            rows.append(
                (
                    r.output - 1,
                    i1 - i0,
                    np.sum(ct_ > 0),
                    np.sum(log[its, 1] - t0_),
                    (r.finish - r.first) / (r.output - 1),
                    np.max(log[its, 1] - t0_),
                    float(log[i0, 3] > 0),
                )
            )
        rows = np.array(rows)
        np.savez(cache, log=log, rows=rows)
    start_t, dur, b, ct, t0s = log.T
    dec = b > 0
    print(
        f"sim: iterations {len(log)}, with decode {dec.sum()}, of those with a prefill piece "
        f"{np.mean(ct[dec] > 0):.4f}; model per-iteration arrival P {1 - np.exp(-rate * tau0):.4f}"
    )
    extra = (dur - t0s)[dec & (ct > 0)]
    print(
        f"sim: extra of decode iterations with a piece: mean {extra.mean() * 1e3:.3f} ms, quantiles "
        f"{np.round(np.percentile(extra, [10, 25, 50, 75, 90, 99]) * 1e3, 3)} ms"
    )
    print(
        f"sim: chunk tokens quantiles {np.percentile(ct[dec & (ct > 0)], [10, 25, 50, 75, 90, 99])}"
    )
    print(
        f"sim: decode-only step time mean {t0s[dec].mean() * 1e3:.3f} ms, batch mean {b[dec].mean():.2f}"
    )
    # the model's first-iteration piece, sampled from its own inputs (queued count, piece law, cap)
    rng = np.random.default_rng(3)
    qp = start / start.sum()
    cnt = rng.choice(qp.size, 200000, p=qp)
    pw_ = np.asarray(pw, float) / np.sum(pw)
    tot = np.zeros(cnt.size)
    for j in range(int(cnt.max())):
        tot += np.where(cnt > j, rng.choice(xs, cnt.size, p=pw_) / scale, 0.0)
    y = np.minimum(tot, limit * k)[tot > 0]
    print(
        f"model: first-iteration piece (given one): mean {y.mean() * 1e3:.3f} ms, quantiles "
        f"{np.round(np.percentile(y, [10, 25, 50, 75, 90, 99]) * 1e3, 3)} ms; share below h "
        f"{np.mean(y < limit * k / 4):.3f} (sim all pieces {np.mean(extra < limit * k / 4):.3f})"
    )
    p99 = np.percentile(rows[:, 4], 99)
    print(
        f"sim: share of requests whose first decode iteration carries a piece {rows[:, 6].mean():.4f} "
        f"(model 1 - P(queued=0) = {1 - start[0] / start.sum():.4f}); later iterations: piece share "
        f"{(rows[:, 2].sum() - rows[:, 6].sum()) / max(1, rows[:, 1].sum() - len(rows)):.4f}"
    )
    print(f"sim p99 TPOT {p99 * 1e3:.3f} ms (model {q * 1e3:.3f})")
    for D in (1, 2, 3, 4, 5, 6, 7):
        m = rows[:, 0] == D
        if not m.any():
            continue
        r = rows[m]
        print(
            f"  D={D}: n {m.sum()}, steps mean {r[:, 1].mean():.3f}, P(no piece) {np.mean(r[:, 2] == 0):.4f}, "
            f"P(TPOT>sim p99) {np.mean(r[:, 4] > p99):.4f}, TPOT no-piece mean {r[r[:, 2] == 0, 4].mean() * 1e3:.3f} ms"
        )
    pts = np.asarray(seen["law"][0][3]) * k  # class points in tokens
    edges = np.concatenate([[0.0], 0.5 * (pts[1:] + pts[:-1]), [np.inf]])
    for i in range(6):
        m = (rows[:, 0] >= edges[i]) & (rows[:, 0] < edges[i + 1])
        print(
            f"  class {i} (D {pts[i]:.2f}, sim D in [{edges[i]:.1f}, {edges[i + 1]:.1f})): sim n {m.sum()} "
            f"P(>p99) {np.mean(rows[m, 4] > p99):.4f} P(no piece) {np.mean(rows[m, 2] == 0):.4f}; "
            f"model P(>p99) {class_excess(seen['law'], i, p99):.4f}"
        )
    if os.environ.get("S12_DECOMPOSE"):
        decompose(seen["law"], int(os.environ["S12_DECOMPOSE"]), p99)
    total_model = 1.0 - (law.excess(p99) + law.q)
    print(f"  all: sim P(>sim p99) 0.01, model {total_model:.4f}")
    tail = rows[rows[:, 4] > p99]
    print(
        f"  above p99: {len(tail)} requests; D histogram {np.bincount(tail[:, 0].astype(int))[:8]}"
    )


def class_excess(spec, d: int, t):
    """P(TPOT > t) of the law's class of length d (law units): the same law, that class alone."""
    a, kw = spec
    a = list(a)
    lengths = np.asarray(a[3], float)
    i = d
    w = np.zeros_like(lengths)
    w[i] = 1.0
    a[4] = w
    law = qmod.TpotLaw(*a, **kw)
    return 1.0 - (law.excess(t) + law.q)


def decompose(spec, i, t):
    """Print class i's components above t (variants' atom / bin 0 / grid points)."""
    a, kw = spec
    a = list(a)
    lengths = np.asarray(a[3], float)
    w = np.zeros_like(lengths)
    w[i] = 1.0
    a[4] = w
    law = qmod.TpotLaw(*a, **kw)
    from statistics import NormalDist

    nd = NormalDist()
    order = np.argsort(law.centre)
    tot = 0.0
    for j in order:
        ex = law.weight[j] * (1 - nd.cdf((t - law.centre[j]) / law.sd[j])) / law.total
        tot += ex
        if law.weight[j] / law.total > 0.005:
            print(
                f"    comp centre {law.centre[j] * 1e3:.3f} ms sd {law.sd[j] * 1e3:.3f} w {law.weight[j] / law.total:.4f} P(>t) {ex:.4f}"
            )
    print(f"    total {tot:.4f}")


if __name__ == "__main__":
    main()
