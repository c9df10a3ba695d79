"""The GPU call count per step, k_s = sum of x over the experts with tokens at s, as an integer
column with an equality row (the brief's first idea), added to a built per-layer model.

`add_counts(inst, model, mode)`: mode "eq" adds k_s and the row only; "gpu" also rewrites each
step's GPU row through k_s (GPU time = shared + per_call * k_s + per_token * tokens on the GPU,
exact for `expert_time`) so presolve cannot drop k_s as a free column singleton.
Run as a script: the LP bound with k integer and x relaxed (does integrality of k lift it?).

usage: kcount.py SEED LAYER
"""

import sys

import highspy
import numpy as np

from planner.offload import mip
from planner.offload.generate import generate
from planner.offload.instance import Instance


def add_counts(inst: Instance, model: mip.Model, mode: str, relax_x: bool = False) -> None:
    """Append the k_s columns and rows to ``model.lp`` in place (one layer)."""
    lp = model.lp
    (ly,), u, xc = model.layers, model.experts[0], model.xcol[0]
    gpu, _, shared = (a * mip.UNIT for a in inst.cost_arrays)
    used = inst.counts[:, ly, u].T > 0  # [experts, steps]
    S = inst.steps
    n0, m0 = lp.num_col_, lp.num_row_
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    caps = np.broadcast_to(np.asarray(inst.capacity), (S,))
    for s in range(S):
        e = np.flatnonzero(used[:, s] & (xc[:, s] >= 0))
        h.addCol(0.0, 0.0, float(min(len(e), caps[s])), 0, np.array([], np.int32), np.array([]))
    k0 = n0
    h.changeColsIntegrality(
        S, np.arange(k0, k0 + S, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * S)
    )
    for s in range(S):
        e = np.flatnonzero(used[:, s] & (xc[:, s] >= 0))
        idx = np.append(xc[e, s], k0 + s).astype(np.int32)
        h.addRow(0.0, 0.0, len(idx), idx, np.append(np.ones(len(e)), -1.0))
    if mode == "gpu":
        tok = inst.counts[:, ly, u].T.astype(float)
        g = gpu[:, ly, u].T  # [experts, steps]
        for s in range(S):
            e = np.flatnonzero(used[:, s] & (xc[:, s] >= 0))
            A = np.vstack([np.ones(len(e)), tok[e, s]]).T
            coef, *_ = np.linalg.lstsq(A, g[e, s], rcond=None)
            assert np.allclose(A @ coef, g[e, s], rtol=0, atol=1e-9), "GPU time is not affine"
            t = model.t_offset + s
            # t - per_call * k - per_token * sum tok x >= shared : an extra row, implied by
            # the original GPU row and k's definition; keeps k in two rows
            idx = np.concatenate([[t, k0 + s], xc[e, s]]).astype(np.int32)
            val = np.concatenate([[1.0, -coef[0]], -coef[1] * tok[e, s]])
            h.addRow(float(shared[s, ly]), highspy.kHighsInf, len(idx), idx, val)
    if relax_x:
        nx = int((xc >= 0).sum())
        h.changeColsIntegrality(
            nx, np.arange(nx, dtype=np.int32), np.array([highspy.HighsVarType.kContinuous] * nx)
        )
    model.lp = h.getLp()
    assert model.lp.num_row_ > m0


if __name__ == "__main__":
    import time

    seed, layer = int(sys.argv[1]), int(sys.argv[2])
    inst = generate("llada2-mini", steps=32, seed=seed)
    model = mip.build(inst, [layer], capacity=inst.capacity, global_budget=False, overlap=False)
    h = mip.new_highs(time_limit=120, seed=0)
    h.setOptionValue("solve_relaxation", True)
    h.passModel(model.lp)
    h.run()
    print("LP", h.getInfo().objective_function_value * 1e3)
    add_counts(inst, model, "eq", relax_x=True)
    c = time.process_time()
    h = mip.new_highs(time_limit=120, seed=0)
    h.setOptionValue("mip_rel_gap", 1e-7)
    h.passModel(model.lp)
    h.run()
    print(
        "k integer, x relaxed:",
        h.getInfo().objective_function_value * 1e3,
        "bound",
        h.getInfo().mip_dual_bound * 1e3,
        f"cpu {time.process_time() - c:.2f}",
    )
