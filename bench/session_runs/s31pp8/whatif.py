"""s31pp8: diagnostic what-ifs on the trtllm_rtxpro rows (nothing here is shipped or fitted).

(a) ``k`` us per *active* request (all ``pp`` micro-batches' ``pp B``) added to each stage's
    blocking host work per micro-batch: ``_handle_responses`` walks ``self.active_requests``
    every loop iteration (TensorRT-LLM 1.0-era ``py_executor.py``, search-index id 1891464528)
    and calls ``create_response`` at ``stream_interval`` 1; no public measurement of its cost.
(c) the whole blocking stage host ``g`` (``pipeline_host_s``: PR #10273's 29.4 us per sequence,
    a GB200 Grace host on a December 2025 build, plus the scheduler's walk) scaled x1.5 / x2, as
    if the 1.0 release on the rows' x86 host were that much slower per sequence.
(b) the stage-to-stage hand-off at a host-memory (NCCL SHM) rate instead of the fabric's P2P
    rate: 12.5 GB/s (``NCCL_SHM_USE_CUDA_MEMCPY=1``) and 1.9 GB/s (defaults), the only public
    SHM figures found (sgl-project/sglang PR #39605, 2 x RTX 5070 Ti, a 20 MB all-reduce).

    PYTHONPATH=. python bench/session_runs/s31pp8/whatif.py
"""

from __future__ import annotations

import numpy as np

import planner.perfmodel.comm as comm
import planner.perfmodel.stage as stage
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.serve.calibration import predict

ROWS = [r for r in INFERENCE_GPU_ROWS if r.source == "trtllm_rtxpro"]
_host = stage.pipeline_host_s
_p2p = comm.p2p


def run(k_us=0.0, shm_bw=None, host_scale=1.0):
    def host(engine, sequences, pp):
        base = host_scale * _host(engine, sequences, pp)
        if pp <= 1:
            return base
        return base + k_us * 1e-6 * pp * np.asarray(sequences, dtype=float)

    def p2p(size, fabric, *, same_node):
        if shm_bw is None or not same_node:
            return _p2p(size, fabric, same_node=same_node)
        return np.where(np.asarray(size) > 0, np.asarray(size) / shm_bw + fabric.step_latency, 0.0)

    stage.pipeline_host_s = host
    comm.p2p = p2p
    try:
        return {r.id: predict(r) / r.value - 1 for r in ROWS}
    finally:
        stage.pipeline_host_s = _host
        comm.p2p = _p2p


def group(rid):
    m, _, lay = rid.split("/")[1:4]
    return f"{m} {lay}"


if __name__ == "__main__":
    cases = [
        ("main", {}),
        ("k=1 us", {"k_us": 1.0}),
        ("k=2 us", {"k_us": 2.0}),
        ("SHM 12.5 GB/s", {"shm_bw": 12.5e9}),
        ("SHM 1.9 GB/s", {"shm_bw": 1.9e9}),
        ("g x1.5", {"host_scale": 1.5}),
        ("g x2", {"host_scale": 2.0}),
    ]
    res = {name: run(**kw) for name, kw in cases}
    groups = sorted({group(r.id) for r in ROWS})
    print("| group | rows | " + " | ".join(f"{n}: within, signed" for n, _ in cases) + " |")
    print("|---|---|" + "---|" * len(cases))
    for g in groups:
        ids = [r.id for r in ROWS if group(r.id) == g]
        cells = []
        for n, _ in cases:
            e = np.array([res[n][i] for i in ids])
            cells.append(f"{int((abs(e) <= 0.15).sum())}, {100 * e.mean():+.1f} %")
        print(f"| {g} | {len(ids)} | " + " | ".join(cells) + " |")
    tot = [sum(abs(v) <= 0.15 for v in res[n].values()) for n, _ in cases]
    print(f"| all | {len(ROWS)} | " + " | ".join(str(t) for t in tot) + " |")
    print()
    print("| row | " + " | ".join(n for n, _ in cases) + " |")
    print("|---|" + "---|" * len(cases))
    for r in ROWS:
        if r.pp == 1:
            continue
        print(
            f"| {r.id.split('/', 1)[1]} | "
            + " | ".join(f"{100 * res[n][r.id]:+.1f}" for n, _ in cases)
            + " |"
        )
