"""Mixtral tp2 ep2 DP-attention: the model's TTFT internals against an instrumented simulation.

Per load: the model's per-group prefill server (rate, E[S], utilisation, wait probability,
mean wait, offset, t0 / tc of the TTFT law) and, from the simulator, the same quantities
measured: the fraction of time a group holds prompts (busy), the mean iteration length
while it does and while it does not, the mean wait before a prompt's first chunk, and
the TTFT percentiles.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s15ttft/probe.py [utils...] [--requests N]
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/

import serve_simulator as grid

from planner.serve.capacity import role_model
from planner.serve.evaluate import plan_metrics
from planner.serve.queueing import gg1_mean_wait, wait_probability
from planner.serve.simulate import Simulator, generate_trace

args = sys.argv[1:]
requests = 10000
if "--requests" in args:
    i = args.index("--requests")
    requests = int(args[i + 1])
    del args[i : i + 2]
seeds = [0]
if "--seeds" in args:
    i = args.index("--seeds")
    seeds = list(range(int(args[i + 1])))
    del args[i : i + 2]
case_name = "Mixtral tp2 ep2"
if "--case" in args:
    i = args.index("--case")
    case_name = args[i + 1]
    del args[i : i + 2]
utils = [float(a) for a in args] or [0.5, 0.7, 0.9]
case = next(c for c in grid.CASES if c.name.startswith(case_name))


class Probe(Simulator):
    """Records iteration lengths by whether group 0 holds prompts, and first-chunk times.

    A lockstep replica plans every group at an iteration's start (group 0 first), so the
    next plan of group 0 ends the iteration (or the idle wait) planned before it."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.it_busy, self.it_idle = [], []  # (dt, own chunk tokens, other chunk tokens)
        self.start: dict[int, float] = {}
        self.starts: list[float] = []  # iteration start times of the (single) lockstep replica
        self.group = {id(e): i for i, e in enumerate(self.lockstep[0])}
        self.pending = None  # (start, group 0 held prompts, the groups' steps)

    def _close(self):
        if self.pending is None:
            return
        t, busy0, steps = self.pending
        dt = self.env.now - t
        if all(s is None for s in steps):
            self.it_idle.append((dt, -1, -1))
            return
        self.starts.append(t)
        own = steps[0].chunk_tokens if steps[0] is not None else 0
        oth = sum(s.chunk_tokens for s in steps[1:] if s is not None)
        (self.it_busy if busy0 or own else self.it_idle).append((dt, own, oth))

    def _plan(self, e):
        at = self.group.get(id(e))
        if at == 0:
            self._close()
            self.pending = (self.env.now, bool(e.prefilling or e.waiting), [])
        step = super()._plan(e)
        if at is not None:
            self.pending[2].append(step)
        if step is not None:
            for req in e.prefilling:
                if req.rid not in self.start and req.done_prefill > req.cached:
                    self.start[req.rid] = self.env.now
        return step


for u in utils:
    problem1 = grid.problem_for(case, 99, 1.0)
    cap = plan_metrics(problem1, grid.layout(case, 1.0))["capacity_qps"]
    load = u * cap
    plan = grid.layout(case, load)
    g = plan.replicas[0]
    n_eng = g.count * g.pp * g.ep
    lam = load / n_eng
    out = {}
    for q in (90, 99):
        prob = grid.problem_for(case, q, load)
        out[q] = plan_metrics(prob, plan)["ttft_s"]
    rm = role_model(prob, g)
    pt = rm.at_rate(lam)
    B = pt.batch
    f = rm._prefill(B)
    s1, s2 = f["s1"], f["s2"]
    rho = lam * s1
    sig = wait_probability(rho, rm.ca2)
    ew = gg1_mean_wait(lam, s1, s2, rm.ca2)
    xbar = f["xbar"]
    t0 = f["t0"]
    tmean = t0 / (1 - lam * xbar)
    offset = t0 + lam * tmean * xbar
    print(f"== {case.name} u={u:.0%} load {load:.3f} req/s, {n_eng} engines, lam/engine {lam:.3f}")
    print(
        f"model: B {B:.2f} t0 {t0 * 1e3:.2f} ms tc {f['tc'] * 1e3:.2f} ttft_t0 {f.get('ttft_t0', t0) * 1e3:.2f}"
        f" ttft_tc {f.get('ttft_tc', f['tc']) * 1e3:.2f} tmean {tmean * 1e3:.2f} E[S] {s1 * 1e3:.2f} ms"
        f" rho {rho:.3f} sigma {sig:.3f} E[W] {ew * 1e3:.2f} ms E[W|W>0] {ew / max(sig, 1e-9) * 1e3:.2f}"
        f" offset {offset * 1e3:.2f} ms; TTFT p90 {out[90] * 1e3:.1f} p99 {out[99] * 1e3:.1f}"
    )
    for seed in seeds:
        trace = generate_trace(prob.traffic.with_qps(load), requests, seed)
        sim = Probe(prob, plan, seed)
        c0 = time.process_time()
        done = sim.run(trace)
        cpu = time.process_time() - c0
        ttft = np.array([r.first - r.arrival for r in done])
        wait = np.array([sim.start.get(r.rid, r.first) - r.arrival for r in done])
        busy = np.array(sim.it_busy)
        idle = np.array([x for x in sim.it_idle if x[1] >= 0]) if sim.it_idle else np.zeros((0, 3))
        idle_gap = sum(x[0] for x in sim.it_idle if x[1] < 0)
        span = busy[:, 0].sum() + (idle[:, 0].sum() if idle.size else 0) + idle_gap
        print(
            f"sim seed {seed} ({cpu:.0f} CPU s): group0 busy {busy[:, 0].sum() / span:.3f} of time;"
            f" iteration while busy {busy[:, 0].mean() * 1e3:.2f} ms (own chunk {busy[:, 1].mean():.0f} tok,"
            f" others' {busy[:, 2].mean():.0f}), while not {idle[:, 0].mean() * 1e3 if idle.size else math.nan:.2f} ms"
            f" (others' {idle[:, 2].mean() if idle.size else math.nan:.0f} tok); P(wait>1ms) {np.mean(wait > 1e-3):.3f}"
            f" E[wait] {wait.mean() * 1e3:.2f} ms; TTFT p50 {np.percentile(ttft, 50) * 1e3:.1f}"
            f" p90 {np.percentile(ttft, 90) * 1e3:.1f} p99 {np.percentile(ttft, 99) * 1e3:.1f} mean {ttft.mean() * 1e3:.1f}"
        )
        starts = np.array(sim.starts)
        arr = np.array([r.arrival for r in done])
        nxt = starts[np.minimum(np.searchsorted(starts, arr, side="left"), starts.size - 1)]
        resid = np.maximum(nxt - arr, 0.0)
        queue = wait - resid
        own = ttft - wait
        full = busy[busy[:, 1] >= 2048]
        part = busy[(busy[:, 1] > 0) & (busy[:, 1] < 2048)]

        def pc(x):
            return (
                " / ".join(f"{np.percentile(x, q) * 1e3:.1f}" for q in (50, 90, 99))
                + f" (mean {x.mean() * 1e3:.1f})"
            )

        print(f"  residual p50/90/99 {pc(resid)}; queue ahead {pc(queue)}; own {pc(own)}")
        print(
            f"  own-full iterations {len(full) / len(busy):.3f} of busy: dt {full[:, 0].mean() * 1e3:.2f} ms,"
            f" others' {full[:, 2].mean():.0f} tok; partial: dt {part[:, 0].mean() * 1e3:.2f} ms own {part[:, 1].mean():.0f}"
            f" others' {part[:, 2].mean():.0f} tok; no own chunk (queued, admission) {np.mean(busy[:, 1] == 0):.3f}"
        )
        sys.stdout.flush()
