"""A/B of HiGHS settings on single layers: LP + RENS then the proof, one thread, CPU seconds.

usage: variants.py SEED LAYERS VARIANT[,VARIANT...]
variants: base (this code's mip.UNIT) | us=X (mip.UNIT = X) | mipfeas6 (mip_feasibility_tolerance 1e-6) | pfeas9 (primal_feasibility_tolerance 1e-9 too)
          | dfeas9 (dual_feasibility_tolerance 1e-9 too) | both9 | opt:NAME=VALUE (any HiGHS option in the proof run)
The variants run back to back per layer, so load drifts hit them alike.
"""

import sys

from layer_run import finish_layer, prepare_layer

import planner.core.mip as core_mip
from planner.offload import mip
from planner.offload.generate import generate

seed = int(sys.argv[1])
layers = [int(x) for x in sys.argv[2].split(",")]
variants = sys.argv[3].split(",")
inst = generate("llada2-mini", steps=32, seed=seed)
start = mip.lookahead_plan(inst)
orig_new = core_mip.new_highs
DEFAULT_UNIT = mip.UNIT


def parse(v):
    extra = {}
    tol = 1e-9
    for part in v.split("+"):
        if part == "mipfeas6":
            tol = 1e-6
        elif part == "pfeas9":
            extra["primal_feasibility_tolerance"] = 1e-9
        elif part == "dfeas9":
            extra["dual_feasibility_tolerance"] = 1e-9
        elif part.startswith("us="):
            extra["__us"] = float(part[3:])
        elif part.startswith("opt:"):
            k, val = part[4:].split("=")
            for cast in (int, float):
                try:
                    val = cast(val)
                    break
                except ValueError:
                    pass
            if val in ("true", "false"):
                val = val == "true"
            extra[k] = val
    return tol, extra


tot = {v: 0.0 for v in variants}
for ly in layers:
    for v in variants:
        tol, extra = parse(v)
        core_mip.MIP_FEASIBILITY_TOLERANCE = tol

        def patched(extra=extra, **kw):
            h = orig_new(**kw)
            for k, val in extra.items():
                if k.startswith("__"):
                    continue
                h.setOptionValue(k, val)
            return h

        mip.new_highs = patched
        # us=X: the models' unit per second (mip.UNIT; 1e6 = microseconds, main before s15off)
        mip.UNIT = extra.pop("__us", DEFAULT_UNIT)
        p, prep_s = prepare_layer(inst, ly, start)
        r, proof_s = finish_layer(inst, p)
        tot[v] += prep_s + proof_s
        print(
            f"{v:30s} layer {ly:2d} prep {prep_s:6.2f} proof {proof_s:6.2f} nodes {r.stats.get('nodes')} "
            f"{r.status.value} obj {r.objective * 1e6:.3f} bound {r.bound * 1e6:.3f}",
            flush=True,
        )
print({k: round(v, 1) for k, v in tot.items()})
