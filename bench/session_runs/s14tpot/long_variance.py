"""Long-run variance of a lockstep replica's per-iteration extra at the model's point:
the merging chain's own (no backlog memory), the conservation one of the old TPOT law
(a Poisson stream of share-scaled prompt stretches through the iterations, M/G/1 busy
periods: lam T E[x^2] / (1 - rho)^2 per iteration) and the same with the marginal stretch
(the derivative of the chain's own-layer extra per iteration with the arrivals). Printed
as the sd of a request's TPOT at D = 256 / 385 iterations, beside the batch noise. A check.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s14tpot/long_variance.py CASE LOAD D
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/

import serve_simulator as grid

from planner.serve.capacity import role_model
from planner.serve.evaluate import plan_metrics
from planner.serve.lockstep import merged_iteration_law, merged_share

name, u, D = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
case = next(c for c in grid.CASES if grid.selected(c.name, [name]))
cap = plan_metrics(grid.problem_for(case, 99, 1.0), grid.layout(case, 1.0))["capacity_qps"]
load = u * cap
plan = grid.layout(case, load)
g = plan.replicas[0]
rm = role_model(grid.problem_for(case, 99, load), g)
point = rm.at_rate(g.load_qps / (g.count * g.pp * g.ep))
B = point.batch
f = rm._prefill(B)
args = f["chain_args"]
t0, own_tok, tok, w, C, moe_tok, per_iter, n = args
w = w / w.sum()
law = merged_iteration_law(*args)
mean, var = law.moments(np.array([D, 2 * D]))
chain_rate = (var[1] - var[0]) / D  # per iteration, long run
lam = B / (rm.ed * point.tmean_s) if hasattr(point, "tmean_s") else per_iter / point.tpot_s
T = float(t0 + law.moments(np.array([4000]))[0][0] / 4000)
lam_all = n * per_iter / T
x = np.asarray(f["stream_x"])
m1, m2 = float(w @ x), float(w @ (x * x))
rho = lam_all * m1
old = lam_all * T * m2 / (1 - rho) ** 2
eps = 1e-3
own = own_tok * tok
s_lo = merged_share(*args[:6], per_iter * (1 - eps), n)
s_hi = merged_share(*args[:6], per_iter * (1 + eps), n)
s0 = merged_share(*args)
a_lo, a_hi = per_iter * (1 - eps), per_iter * (1 + eps)
marg = (s_hi * a_hi - s_lo * a_lo) / (a_hi - a_lo)  # d(share a)/da
xm = marg * own + moe_tok * tok
mm1, mm2 = float(w @ xm), float(w @ (xm * xm))
rho_m = lam_all * mm1
marginal = lam_all * T * mm2 / (1 - rho_m) ** 2
noise = rm._batch_noise(B, f.get("t0_even", t0), T, f["noise_layers"])
noise_sd = float(np.interp(D, rm.d, noise))
print(f"{case.name} at {u:.0%}: batch {B:.1f}, T {1e3 * T:.1f} ms, t0 {1e3 * t0:.1f} ms")
print(f"share {s0:.3f}, marginal share {marg:.3f}, rho {rho:.3f}, rho_m {rho_m:.3f}")
for label, v in (("chain", chain_rate), ("conservation", old), ("marginal", marginal)):
    sd = math.sqrt(v * D) / D
    print(
        f"{label:13s}: per-iteration long-run sd {1e3 * math.sqrt(v):.1f} ms; TPOT sd at D={D} "
        f"{1e3 * sd:.2f} ms, with noise {1e3 * math.hypot(sd, noise_sd):.2f} ms"
    )
print(f"batch noise sd at D={D}: {1e3 * noise_sd:.2f} ms")
