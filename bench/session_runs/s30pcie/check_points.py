"""The PCIe NCCL all-reduce term against every cited point; also the pre-s30pcie pricing
(2 (k-1) x 1.74 us + the ring's bandwidth) for comparison.

Usage: ``PYTHONPATH=. python bench/session_runs/s30pcie/check_points.py``
"""

from planner.perfmodel import comm
from planner.perfmodel.calibration.pcie_collectives import POINTS

print("| machine | GPUs | size | measured us | term us | err | old us | old err |")
print("|---|---|---|---|---|---|---|---|")
for p in POINTS:
    bw = p.bus_gb_s * 1e9
    new = comm.pcie_ring_all_reduce(float(p.size), p.gpus, bw)
    k = p.gpus
    old = 2 * (k - 1) * comm.PCIE_STEP_LATENCY_S + 2 * (k - 1) / k * p.size / bw
    print(
        f"| {p.machine} | {k} | {p.size} | {p.seconds * 1e6:.1f} | {new * 1e6:.1f} | "
        f"{new / p.seconds - 1:+.0%} | {old * 1e6:.1f} | {old / p.seconds - 1:+.0%} |"
    )
