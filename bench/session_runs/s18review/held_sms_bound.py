"""Does the one-stage stub's work (the train search's per-layer-configuration bound,
``planner.train.search.layer_config``: ``stage_times`` of a PP1 plan, all SMs) stay at or
below a DualPipe rank's (held SMs, ``stage.sm_share``)? Whole model (dense + MoE layers, head),
over GPUs, MoE models, precisions and layouts; prints the five smallest ratios.

Before s18review's fix the held SMs' extra both replaced the all-to-all's exposed price and
hid the host's per-expert launch wait (``host.expert_host_wait`` read the inflated kernel
time), so a DualPipe rank came out cheaper than the stub (Kimi-K2, B200, bf16: -4.6 %).
"""

from __future__ import annotations

import itertools

from planner.perfmodel.hardware import Pool, get_gpu
from planner.perfmodel.options import DEEPSEEK_V3
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import TrainingStep, layer_time, sm_share, stage_times
from planner.train.step_time import moe_flags

__all__ = ["get_gpu", "layer_time", "load_model", "step"]


def step(**kw) -> TrainingStep:
    """The DeepSeek-V3 anchor's layout (PP16 x EP64, DualPipe, DeepEP), fields overridden."""
    args = dict(
        tp=1, pp=16, dp=128, ep=64, model=load_model("deepseek-v3"), seq=4096,
        precision="fp8", microbatch=1, zero=1, sequence_parallel=False,
        recompute="selective", microbatches=120, software=DEEPSEEK_V3,
    )  # fmt: skip
    args.update(kw)
    return TrainingStep(**args)


def main() -> None:
    res = []
    grid = itertools.product(
        ("B200", "H800", "H100"),
        ("kimi-k2", "deepseek-v3", "qwen3-235b-a22b"),
        ("bf16", "fp8"),
        (1, 2),
        (16, 32, 64),
        (128, 256, 512, 1024),
        (1, 2, 4),
    )
    for gname, mname, prec, tp, ep, seq, mb in grid:
        g, m = get_gpu(gname), load_model(mname)
        kw = dict(model=m, precision=prec, tp=tp, ep=ep, seq=seq, microbatch=mb)
        dual = step(**kw)
        if sm_share(dual, g) == 1.0:
            continue
        stub = step(**kw, pp=1, dp=2048, microbatches=0)
        pool = Pool(g, 4096, gname)
        n_moe = sum(moe_flags(m))
        a = sum(stage_times(dual, pool, m.layers - n_moe, n_moe, True, True))
        b = sum(stage_times(stub, pool, m.layers - n_moe, n_moe, True, True))
        res.append((a / b - 1, gname, mname, prec, tp, ep, seq, mb))
    res.sort()
    print(f"{len(res)} DualPipe layouts; DualPipe / stub - 1, smallest five:")
    for r in res[:5]:
        print(f"  {100 * r[0]:+.3f} %  {' '.join(map(str, r[1:]))}  (gpu model prec tp ep seq mb)")


if __name__ == "__main__":
    main()
