"""Issue 19 (s21decode): split the predicted time of trtllm-bench rows into components.

At saturation the model's throughput of a row is ``rate = B / (ed t0 + B xbar)`` per engine
(:meth:`planner.serve.capacity.RoleModel._own_prefill`): ``B`` decode sequences, ``ed``
decode iterations per request, ``t0`` the decode-only iteration at ``B``, ``xbar`` the
prefill extra per request (``kappa p + attn``, ``kappa`` the marginal seconds per prompt
token of a chunk of ``C`` tokens beside the decodes). Per request:

* decode share ``ed t0 / B``, split into the components of ``t0``;
* prefill share ``xbar``, split into the marginal components of a chunk
  (``(part(B + C) - part(B)) / C`` per prompt token) and the prefill attention.

Components (mirroring :meth:`planner.perfmodel.stage.EngineModel.gpu_time` for every layer;
checked against ``base_time``): GEMM time where the compute roofline binds
(``gemm_compute``) or the operand (weight) stream binds (``gemm_stream``); the LM head GEMM
(``head``); all-reduces / all-to-alls / logits gather (``comm``); element-wise kernels and
their floor (``elementwise``); the decode attention's KV read (``kv_read``); the fixed
per-layer latency (``fixed``); what ``base_time`` adds beyond the stages' GPU work (host,
pipeline round, stage boundary: ``round``).

Usage: ``PYTHONPATH=. python bench/session_runs/s21decode/decompose.py [ID-SUBSTRING ...]``
(default: one decode-heavy and one prefill-heavy row per source / layout). Writes
``decompose.md`` beside it when run without arguments.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from planner.perfmodel import comm, constants
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.published import SERVING_ROWS
from planner.perfmodel.kernels import gemm_rates, memory_time
from planner.perfmodel.stage import ACT_BYTES
from planner.serve.calibration import predict, row_role

HERE = Path(__file__).resolve().parent
PARTS = (
    "gemm_compute",
    "gemm_stream",
    "head",
    "comm",
    "elementwise",
    "kv_read",
    "attn_flops",
    "fixed",
    "round",
)


def _gemm_parts(eng, N, shapes, prec, batch=1.0, compute_efficiency=None):
    """(compute-bound seconds, stream-bound seconds) of a set of GEMMs at ``N`` tokens."""
    gpu = eng.config.gpu
    peak, eb, _ = gemm_rates(gpu, prec.name, False, eng.engine.tuned_gemms)
    hbm = gpu.hbm_bw * eng.stream_efficiency
    h = constants.FITTED["gemm_half_dim"]
    comp_s, strm_s = np.zeros_like(N), np.zeros_like(N)
    for n, k in shapes:
        compute = 2.0 * batch * (N + h) * (n + h) * (k + h) / peak
        if compute_efficiency is not None:
            compute = np.maximum(
                compute, 2.0 * batch * N * n * k / (gpu.peak_flops(prec) * compute_efficiency)
            )
        traffic = batch * ((N * k + k * n) * eb + N * n * 2.0) / hbm
        comp_s = comp_s + np.where(compute >= traffic, compute, 0.0)
        strm_s = strm_s + np.where(compute < traffic, traffic, 0.0)
    return comp_s, strm_s


def parts(eng, N: np.ndarray, b: float, ctx: float, keys: float) -> dict[str, np.ndarray]:
    """Components of ``eng.base_time(N, b, ctx, keys=keys)`` (seconds, summed over layers)."""
    m, c, sh = eng.model, eng.config, eng.shapes
    gpu, h = c.gpu, m.hidden
    out = {k: np.zeros_like(N) for k in PARTS}
    L, Lm = m.layers, m.moe_layers
    Ld = L - Lm

    def add(name, per_layer, layers):
        out[name] = out[name] + layers * per_layer

    ac, as_ = _gemm_parts(eng, N, sh.attention, eng.attn_precision)
    ar = 2 * comm.one_shot_all_reduce(N * h * ACT_BYTES, c.tp, eng.tp_per_node, eng.fabric)
    elem_base = N * ACT_BYTES * (10 * h + 2 * sh.qkv_width)
    if Ld:
        mc, ms = _gemm_parts(eng, N, sh.mlp, eng.precision)
        act = N * ACT_BYTES * sh.mats * m.ffn / c.tp
        add("gemm_compute", ac + mc, Ld)
        add("gemm_stream", as_ + ms, Ld)
        add("comm", ar, Ld)
        add("elementwise", np.maximum(memory_time(gpu, elem_base + act), eng.small_kernels), Ld)
    if Lm:
        E, top = m.num_experts, m.experts_per_token
        total = N * c.ep
        hit = 1.0 - np.power(1.0 - top / E, np.maximum(total, 0.0))
        active = np.maximum(eng.local_experts * hit, 1e-9)
        per_expert = total * top / E / np.maximum(hit, 1e-12)
        ec, es = _gemm_parts(
            eng,
            per_expert,
            sh.expert,
            eng.precision,
            batch=active,
            compute_efficiency=eng.expert_efficiency,
        )
        rc, rs = _gemm_parts(eng, N, (sh.router,), eng.precision)
        sc, ss = _gemm_parts(eng, N, sh.shared, eng.precision) if sh.shared else (0.0, 0.0)
        routed = N * top
        act = (routed * m.moe_ffn + N * m.shared_ffn) * ACT_BYTES * sh.mats / c.tp
        permute = 4 * routed * h * ACT_BYTES / c.tp
        a2a = 0.0
        if c.ep > 1:
            a2a = 2 * comm.all_to_all(
                routed * h * ACT_BYTES / c.tp, c.ep, eng.ep_per_node, eng.fabric
            )
        add("gemm_compute", ac + ec + rc + sc, Lm)
        add("gemm_stream", as_ + es + rs + ss, Lm)
        add("comm", ar + a2a, Lm)
        add("fixed", eng.moe_fixed, Lm)
        add(
            "elementwise",
            np.maximum(memory_time(gpu, elem_base + act + permute), eng.small_kernels),
            Lm,
        )
    span = m.attention_keys(ctx) if keys is None else keys
    kv_bytes = b * span * eng.kv_elems_layer * eng.kv_precision.bytes
    flops = 2.0 * b * span * eng.heads_r * eng.dec_dims
    from planner.perfmodel.kernels import flash_attention_time
    from planner.perfmodel.stage import FLASH_ATTENTION_EFFICIENCY

    fl = flash_attention_time(gpu, flops, "bf16", FLASH_ATTENTION_EFFICIENCY)
    rd = kv_bytes / eng.stream_bw
    add("kv_read" if rd >= fl else "attn_flops", max(rd, fl) + 0 * N, L)
    add("fixed", constants.FITTED["layer_latency_s"], L)
    logits = b + np.minimum(1.0, np.maximum(N - b, 0.0))
    hc, hs = _gemm_parts(eng, np.maximum(logits, 1e-9), (sh.head,), eng.attn_precision)
    out["head"] = hc + hs
    if c.tp > 1:
        out["comm"] = out["comm"] + comm.collective_latency(c.tp, eng.tp_per_node, eng.fabric)
    total = eng.base_time(N, b, ctx, keys=keys)
    out["round"] = total - sum(out[k] for k in PARTS if k != "round")
    out["total"] = total
    return out


def decompose(row) -> dict:
    role = row_role(row)
    cap, point, _ = role.capacity()
    B = point.batch
    eng = role.engine
    f = role._prefill(B)
    C = role.split
    p = float(role.pc[0])
    ed = role.ed
    N = np.array([B, B + C])
    pr = parts(eng, N, B, role.ctx, role.keys)
    t0, tc = float(f["t0"]), float(f["tc"])
    assert abs(float(pr["total"][0]) - t0) < 1e-9 * max(t0, 1e-6), (pr["total"][0], t0)
    attn = float(role.attn[0])
    per_req = ed * t0 / B + float(f["xbar"])
    dec = {k: ed * float(pr[k][0]) / B / per_req for k in PARTS}
    pre = {k: max(0.0, float(pr[k][1] - pr[k][0])) / C * p / per_req for k in PARTS}
    pre["prefill_attn"] = attn / per_req
    return {
        "row": row,
        "pred": predict(row),
        "B": B,
        "C": C,
        "t0": t0,
        "tc": tc,
        "decode_share": ed * t0 / B / per_req,
        "prefill_share": float(f["xbar"]) / per_req,
        "dec": dec,
        "pre": pre,
        "rate": cap,
    }


def table(results: list[dict]) -> str:
    lines = [
        "| row | err | B | C | t0 ms | decode share | decode: gemm_c / gemm_s / kv / fixed / comm "
        "/ elem / head | prefill share | prefill: gemm_c / gemm_s / attn / comm / elem |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        row, d, q = r["row"], r["dec"], r["pre"]
        err = r["pred"] / row.value - 1
        dec = " / ".join(
            f"{100 * d[k]:.0f}"
            for k in (
                "gemm_compute",
                "gemm_stream",
                "kv_read",
                "fixed",
                "comm",
                "elementwise",
                "head",
            )
        )
        pre = " / ".join(
            f"{100 * q[k]:.0f}"
            for k in ("gemm_compute", "gemm_stream", "prefill_attn", "comm", "elementwise")
        )
        lines.append(
            f"| {row.id} | {err:+.1%} | {r['B']:.0f} | {r['C']} | {1e3 * r['t0']:.2f} | "
            f"{100 * r['decode_share']:.0f} % | {dec} | {100 * r['prefill_share']:.0f} % | {pre} |"
        )
    return "\n".join(lines)


DEFAULT = ("128-4096", "2048-128", "128-128", "5000-500", "2048-2048")


def main(argv: list[str]) -> None:
    rows = [*SERVING_ROWS, *INFERENCE_GPU_ROWS]
    if argv:
        chosen = [r for r in rows if any(a in r.id for a in argv)]
    else:
        chosen = [r for r in rows if r.id.endswith(DEFAULT)]
    results = [decompose(r) for r in chosen]
    text = table(results)
    print(text)
    if not argv:
        (HERE / "decompose.md").write_text(
            "# Decomposition of the predicted time per request (percent of it)\n\n"
            "`PYTHONPATH=. python bench/session_runs/s21decode/decompose.py`\n\n" + text + "\n"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
