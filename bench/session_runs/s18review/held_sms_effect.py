"""MoE layer times (forward + backward, seconds) of a DualPipe rank and of the one-stage stub
the train search takes its work bound from, on the DeepSeek-V3 anchor layout (H800, fp8, EP64)
and on the Kimi-K2 / B200 / bf16 layouts where the held-SM price undercut the stub's."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from held_sms_bound import get_gpu, layer_time, load_model, step

from planner.perfmodel.hardware import Pool
from planner.perfmodel.stage import stage_times
from planner.train.step_time import moe_flags

CASES = (
    ("H800", "deepseek-v3", "fp8", 1, 64, 4096, 1),
    ("B200", "kimi-k2", "bf16", 1, 64, 256, 1),
    ("B200", "kimi-k2", "bf16", 1, 64, 128, 2),
    ("B200", "kimi-k2", "bf16", 2, 32, 1024, 1),
)
for gname, mname, prec, tp, ep, seq, mb in CASES:
    g, m = get_gpu(gname), load_model(mname)
    kw = dict(model=m, precision=prec, tp=tp, ep=ep, seq=seq, microbatch=mb)
    dual, stub = step(**kw), step(**kw, pp=1, dp=2048, microbatches=0)
    a, b = layer_time(dual, g, True), layer_time(stub, g, True)
    n_moe = sum(moe_flags(m))
    pool = Pool(g, 4096, gname)
    wa = sum(stage_times(dual, pool, m.layers - n_moe, n_moe, True, True))
    wb = sum(stage_times(stub, pool, m.layers - n_moe, n_moe, True, True))
    print(
        f"{gname} {mname} {prec} tp{tp} ep{ep} seq{seq} mb{mb}: MoE layer DualPipe "
        f"{a.forward + a.backward:.6e} stub {b.forward + b.backward:.6e}; whole model "
        f"DualPipe {wa:.6e} stub {wb:.6e} ({100 * (wa / wb - 1):+.2f} %)"
    )
