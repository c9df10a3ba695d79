"""What-ifs of s30pcie on the L40S TP rows (diagnostic; nothing here is shipped).

Patches the PCIe all-reduce pricing in ``planner.perfmodel.comm`` and prints the signed error
of every ``trtllm_l40s`` / ``trtllm_rtxpro`` row grouped by model / layout.

Usage: ``PYTHONPATH=. python bench/session_runs/s30pcie/whatif.py CASE``; CASE ``base``,
``lat_X`` (every PCIe all-reduce costs X us of fixed latency instead of 2 (k-1) steps of
1.74 us), ``bw_X`` (PCIe ring rates x X), ``eta_I_S`` (island / spanning ring rates set to I / S of
the link), ``set_I_S_L4_L8`` (rates and a fixed per-all-reduce latency for 4 / 8 GPUs).
"""

from __future__ import annotations

import statistics
import sys

from planner.perfmodel import comm
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.serve.calibration import predict


def run(case: str) -> None:
    if case.startswith("lat_"):
        us = float(case[4:]) * 1e-6
        orig = comm.collective_latency

        def lat(n, per_node, fabric):
            if fabric.pcie and n > 1:
                return us
            return orig(n, per_node, fabric)

        comm.collective_latency = lat
    elif case.startswith("set_"):
        # set_<island eta>_<spanning eta>_<lat4 us>_<lat8 us>: NCCL-measured figures
        _, ei, es, l4, l8 = case.split("_")
        comm.PCIE_RING_EFFICIENCY["island"] = float(ei)
        comm.PCIE_RING_EFFICIENCY["spanning"] = float(es)
        orig = comm.collective_latency

        def lat2(n, per_node, fabric):
            if fabric.pcie and n > 1:
                k, _ = comm.levels(n, per_node)
                return {2: float(l4), 4: float(l4), 8: float(l8)}[k] * 1e-6
            return orig(n, per_node, fabric)

        comm.collective_latency = lat2
    elif case.startswith("eta_"):
        # eta_<island>_<spanning>: the PCIe ring rates as fractions of the link, latency as
        # shipped (NCCL's protocol model)
        _, ei, es = case.split("_")
        comm.PCIE_RING_EFFICIENCY["island"] = float(ei)
        comm.PCIE_RING_EFFICIENCY["spanning"] = float(es)
    elif case.startswith("bw_"):
        x = float(case[3:])
        for k in ("island", "spanning"):
            comm.PCIE_RING_EFFICIENCY[k] *= x
    groups: dict[str, list[float]] = {}
    for r in INFERENCE_GPU_ROWS:
        e = predict(r) / r.value - 1.0
        print(f"{r.id}: {e:+.1%}")
        groups.setdefault(r.id.rsplit("/", 1)[0], []).append(e)
    total = 0
    for g, es in groups.items():
        w = sum(abs(e) <= 0.15 for e in es)
        total += w
        print(f"{case} {g}: {w}/{len(es)} within, signed {statistics.mean(es):+.1%}")
    print(f"{case} all: {total} within")


if __name__ == "__main__":
    run(sys.argv[1])
