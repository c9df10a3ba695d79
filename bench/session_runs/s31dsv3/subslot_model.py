"""The DualPipe sub-slot schedule priced with the model's own component times (s31dsv3).

Question (brief, task 2): would pricing a DualPipe chunk pair per sub-slot -- the compute of
one chunk's attention / MLP against the other chunk's dispatch / combine, as the trace runs
them (``trace_idle.py`` section 4, DeepSeek-V3 report Figure 4) -- instead of the model's
whole-pass overlap (``layer.layer_cost``: a pass's all-to-all against the pass's kernels)
change the DeepSeek-V3 anchor, and where would it differ?

For the anchor's MoE layer (t1 p16 d128 ep64 b1 sel, fp8, DeepEP, 112 of 132 SMs) the
model's layer is split into the trace's sub-slots: attn(F) / mlp(F) forward, mlp(B) / attn(B)
data gradients (the recomputation before attn(B)), mlp(W) / attn(W) weight gradients; the
dispatch (fp8) and combine (bf16) from ``comm.dispatch_all_to_all`` with the layer's own
arguments. The pair of 4 layers is replayed as two in-order streams with the DualPipe
dependencies (``trace_idle.replay``) and set against the model's current price of the same 4
layers (fwd + bwd + recompute + exposed communication). Then every all-to-all is scaled by
``f`` (a slower network / shorter sequences: comm-heavy sub-slots) and both prices are
compared again.

    PYTHONPATH=. .venv/bin/python bench/session_runs/s31dsv3/subslot_model.py [/tmp/train.json]

With the trace (see ``trace_idle.py`` for how to get it) each sub-slot of the model is also
set beside the trace's (GPU time from its first kernel to its last, mean of the 4 layers).
"""

from __future__ import annotations

import sys
from pathlib import Path

import planner.perfmodel.stage as stage_mod
from planner.perfmodel import comm
from planner.perfmodel.kernels import memory_time
from planner.perfmodel.layer import (
    ACT_BYTES,
    FP8_COMM_BYTES,
    expert_quant_bytes,
    expert_shapes,
    layer_cost,
    layer_shapes,
    linear,
)
from planner.perfmodel.overlap import exposed_after
from planner.perfmodel.precision import get_precision
from planner.train.step_time import estimate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))
from trace_idle import load, replay, subslot_table  # noqa: E402
from train_anchors import deepseek_v3  # noqa: E402


def captured_moe_kwargs() -> dict:
    """The keyword arguments ``stage.layer_time`` passes ``layer_cost`` for the anchor's MoE layer."""
    seen: list[tuple[tuple, dict]] = []
    real = stage_mod.layer_cost

    def spy(*args, **kwargs):
        seen.append((args, kwargs))
        return real(*args, **kwargs)

    stage_mod.layer_cost = spy
    try:
        layer_cost.cache_clear()
        problem, plan, _m, _n = deepseek_v3()
        estimate(problem, plan)
    finally:
        stage_mod.layer_cost = real
    moe = [(a, k) for a, k in seen if k.get("moe")]
    (model, gpu), kwargs = moe[0]
    return {"model": model, "gpu": gpu, **kwargs}


def subslots(kw: dict) -> tuple[dict, float, float, float, object]:
    """Sub-slot seconds of one MoE layer, its dispatch and combine, and the layer itself."""
    model, gpu = kw["model"], kw["gpu"]
    args = {k: v for k, v in kw.items() if k not in ("model", "gpu")}
    cost = layer_cost(model, gpu, **args)
    share = kw["sm_share"]
    prec = get_precision(kw["precision"])
    N = kw["micro_batch"] * kw["seq"] / kw["cp"]
    tp, ep, h = kw["tp"], kw["ep"], model.hidden
    etp = kw["expert_tp"] or tp
    shapes = layer_shapes(model, tp)
    tokens_per_expert = N * model.experts_per_token * ep / model.num_experts * kw["moe_load"]
    local = max(1.0, model.num_experts / ep)
    mlp_w = linear(gpu, prec, N, (shapes.router,), wgrad=1.0)
    mlp_w = linear(gpu, prec, tokens_per_expert, expert_shapes(model, etp), batch=local, acc=mlp_w)
    mlp_w = linear(gpu, prec, N, shapes.shared, acc=mlp_w)
    mlp_d = linear(gpu, prec, N, (shapes.router,), wgrad=0.0)
    mlp_d = linear(
        gpu, prec, tokens_per_expert, expert_shapes(model, etp), batch=local, acc=mlp_d, wgrad=0.0
    )
    mlp_d = linear(gpu, prec, N, shapes.shared, acc=mlp_d, wgrad=0.0)
    attn_w = linear(gpu, prec, N, shapes.attention, wgrad=1.0)
    attn_d = linear(gpu, prec, N, shapes.attention, wgrad=0.0)
    held = 1.0 / share
    routed = N * model.experts_per_token * kw["moe_load"]
    q_f, q_b = (memory_time(gpu, x) for x in expert_quant_bytes(routed, model, etp, prec))
    A = ACT_BYTES
    rep = 1.0 / tp if kw["sp"] else 1.0
    norm_elem = N * h * rep * 2 * A
    act_elems = routed * model.moe_ffn / etp + N * model.shared_ffn / tp
    mlp_elem = memory_time(
        gpu, act_elems * ((shapes.mats - 1) * A + A) + norm_elem + N * h * rep * (3 * A + 1)
    )
    permute = memory_time(gpu, 2 * routed * h * 2 * A / etp)
    mF = mlp_w.gemm * held + mlp_elem + q_f + permute
    mB = mlp_d.gemm_bwd * held + 2 * mlp_elem + q_b + permute
    mW = (mlp_w.gemm_bwd - mlp_d.gemm_bwd) * held
    aW = (attn_w.gemm_bwd - attn_d.gemm_bwd) * held
    aF = cost.fwd - mF
    aB = cost.bwd + cost.recompute - mB - mW - aW
    fab = comm.fabric_of(gpu)
    sent = N * kw["moe_load"] / tp

    def a2a(nbytes: float) -> float:
        return comm.dispatch_all_to_all(
            sent,
            model.experts_per_token,
            h * nbytes,
            ep,
            kw["ep_per_node"],
            fab,
            experts=model.num_experts,
            backend=kw["flex_backend"],
            node_limit=kw["node_limit"],
            groups=model.router_groups,
            group_topk=model.router_group_topk,
        )

    dispatch = a2a(FP8_COMM_BYTES if kw["fp8_comm"] else A)
    combine = a2a(A)
    parts = {"attn(F)": aF, "mlp(F)": mF, "mlp(B)": mB, "mlp(W)": mW, "attn(B)": aB, "attn(W)": aW}
    return parts, dispatch, combine, share, cost


def main() -> None:
    kw = captured_moe_kwargs()
    parts, dispatch, combine, share, cost = subslots(kw)
    ms = 1e3
    print(f"anchor MoE layer ({kw['gpu'].name}, ep {kw['ep']}, sm_share {share:.4f}):")
    for name, t in parts.items():
        print(f"  {name:8s} {t * ms:7.3f} ms")
    print(f"  dispatch {dispatch * ms:7.3f} ms, combine {combine * ms:7.3f} ms (per direction)")
    layer_now = cost.forward + cost.backward
    print(
        f"  layer_cost: fwd {cost.fwd * ms:.3f} + bwd {cost.bwd * ms:.3f} + recompute "
        f"{cost.recompute * ms:.3f} + exposed ep {cost.ep * ms:.3f} = {layer_now * ms:.3f} ms"
    )
    assert abs(sum(parts.values()) - (cost.fwd + cost.bwd + cost.recompute)) < 1e-9
    if len(sys.argv) > 1:
        table, _names = subslot_table(*load(sys.argv[1]))
        print("\nsub-slot | model ms | trace ms (mean of 4 layers; GPU first kernel to last)")
        tot_m = tot_t = 0.0
        for name, t in parts.items():
            walls = [(x["last"] - x["first"]) / 1e3 for x in table[name]]
            mean = sum(walls) / len(walls)
            tot_m, tot_t = tot_m + t * ms, tot_t + mean
            print(
                f"  {name:8s} | {t * ms:7.3f} | {mean:7.3f} ({100 * (t * ms / mean - 1):+5.1f} %)"
            )
        for name, model_t in (
            ("combine(B)", dispatch),
            ("dispatch(F)", dispatch),
            ("dispatch(B)", combine),
            ("combine(F)", combine),
        ):
            xfer = [x["xfer"] / 1e3 for x in table[name]]
            notify = [(x["notify"] + x["cast"]) / 1e3 for x in table[name]]
            print(
                f"  {name:11s} | {model_t * ms:7.3f} | transfer {sum(xfer) / 4:6.3f}, notify / "
                f"barrier + cast {min(notify):5.2f}-{max(notify):5.2f}"
            )
        print(
            f"  compute per layer | {tot_m:7.3f} | {tot_t:7.3f} ({100 * (tot_m / tot_t - 1):+5.1f} %)"
        )

    # the same layer on all SMs: the window layer_cost hides the all-to-all under, and the
    # held-SM extra that stands in for the all-to-all's exposed price
    args = {k: v for k, v in kw.items() if k not in ("model", "gpu")}
    all_sms = layer_cost(kw["model"], kw["gpu"], **{**args, "sm_share": 1.0})
    held_f, held_b = cost.fwd - all_sms.fwd, cost.bwd - all_sms.bwd
    comp = {(n, k): parts[n] * ms for n in parts for k in range(4)}
    print(
        "\nscale f of every all-to-all | list schedule (4-layer pair) | model now (4 layers) | diff"
    )
    for f in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0):
        cm = {}
        for k in range(4):
            cm[("combine(B)", k)] = dispatch * f * ms  # the output gradient, fp8 (report §3.3.3)
            cm[("dispatch(F)", k)] = dispatch * f * ms
            cm[("dispatch(B)", k)] = combine * f * ms  # the input gradient, bf16
            cm[("combine(F)", k)] = combine * f * ms
        span, waits = replay(comp, cm, 4)
        # the model's current price with the all-to-all scaled: its exposed part recomputed
        # from layer_cost's rule (exposed_after against the pass on all SMs, minus the
        # held-SM extra that stands in for it)
        ep = f * (dispatch + combine)
        ep_f = max(0.0, exposed_after(ep, all_sms.fwd) - held_f)
        ep_b = max(0.0, exposed_after(ep, all_sms.bwd) - held_b)
        now = 4 * (cost.fwd + cost.bwd + cost.recompute + ep_f + ep_b) * ms
        if f == 1.0:
            assert abs(now - 4 * layer_now * ms) < 1e-6, (now, 4 * layer_now * ms)
        print(
            f"  f = {f:3.1f} | {span:8.3f} ms (compute waits {waits:6.3f}) | {now:8.3f} ms "
            f"| {100 * (span / now - 1):+6.2f} %"
        )


if __name__ == "__main__":
    main()
