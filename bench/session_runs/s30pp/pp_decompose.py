"""s30pp: the decode round of the RTX PRO 6000 pipeline rows, term by term.

For each 70B / 405B row at the model's saturated operating point: per-micro-batch batch ``B``,
the trtllm-bench cap, the decode-only round's terms (``pipeline_round``): summed and largest
stage GPU time, boundary send, host, blocking-loop stage host, and which side binds.

Usage: ``PYTHONPATH=. python bench/session_runs/s30pp/pp_decompose.py [ID-SUBSTRING ...]``
"""

from __future__ import annotations

import sys

import numpy as np

from planner.perfmodel import comm
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.engines import host_overhead_s, pipeline_host_s
from planner.perfmodel.stage import ACT_BYTES
from planner.serve.calibration import predict, row_bench_settings, row_role


def terms(row):
    role = row_role(row)
    _, point, _ = role.capacity()
    B = float(point.batch)
    eng = role.engine
    c = eng.config
    N = np.array([B])
    rows = eng.layer_tokens(N, B, role.ctx)
    ssum, smax = eng.gpu_time(rows, B, role.ctx, keys=role.keys)
    bnd = 0.0
    if c.pp > 1:
        bnd = float(
            eng.comm_scale
            * comm.p2p(
                rows * eng.model.hidden * ACT_BYTES, eng.fabric, same_node=eng.boundary_same_node
            )[0]
        )
    host = float(host_overhead_s(eng.engine, B))
    g = float(pipeline_host_s(eng.engine, B, c.pp))
    t0 = float(eng.base_time(N, B, role.ctx, keys=role.keys)[0])
    through = float(ssum[0]) + (c.pp - 1) * bnd + host + g
    busiest = c.pp * max(float(smax[0]) + bnd + g, host)
    lim = row_bench_settings(row)
    return dict(
        id=row.id,
        err=predict(row) / row.value - 1,
        pp=c.pp,
        B=B,
        mbs=lim.max_batch_size,
        kv=float(eng.kv_tokens),
        ctx=role.ctx,
        ssum=float(ssum[0]),
        smax=float(smax[0]),
        bnd=bnd,
        host=host,
        g=g,
        through=through,
        busiest=busiest,
        t0=t0,
    )


def main(argv):
    sel = argv or ["128-4096", "128-2048", "1000-2000", "2048-2048", "2048-128"]
    rows = [
        r
        for r in INFERENCE_GPU_ROWS
        if r.source == "trtllm_rtxpro" and "qwen" not in r.id and any(r.id.endswith(s) for s in sel)
    ]
    print(
        "| row | err | B/mb | mbs | sum ms | max ms | pp*max | bnd us | host ms | g ms | through ms | busiest ms | round ms | tok/s/mb-stage |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        t = terms(r)
        print(
            f"| {t['id'].split('/', 1)[1]} | {t['err']:+.1%} | {t['B']:.0f} | {t['mbs']} | {1e3 * t['ssum']:.2f} | "
            f"{1e3 * t['smax']:.2f} | {1e3 * t['pp'] * t['smax']:.2f} | {1e6 * t['bnd']:.0f} | {1e3 * t['host']:.2f} | "
            f"{1e3 * t['g']:.2f} | {1e3 * t['through']:.2f} | {1e3 * t['busiest']:.2f} | {1e3 * t['t0']:.2f} | |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
