"""Probe: PCIe collectives' invariants after s31pcie (s31review1): monotone in size and GPU
count, all-reduce = reduce-scatter + all-gather - one base latency, the pair kernel's step."""

import numpy as np

from planner.perfmodel import comm
from planner.perfmodel.hardware import get_gpu

for name in ("L40S", "RTX-PRO-6000", "L4"):
    fab = comm.fabric_of(get_gpu(name))
    sizes = np.geomspace(16, 256 * 2**20, 400)
    for n in (2, 4, 8):
        for pair in (False, True):
            t = comm.one_shot_all_reduce(sizes, n, 8, fab, pair_kernel=pair)
            steps = np.diff(t)
            print(name, n, "pair" if pair else "nccl", "monotone", bool((steps >= 0).all()))
        rs = np.array([comm.reduce_scatter(s, n, 8, fab) for s in sizes])
        ar = np.array([comm.all_reduce(s, n, 8, fab) for s in sizes])
        base = np.where(ar - 2 * rs < -7.5e-6, 8.4e-6, 6.6e-6)
        print(
            name,
            n,
            "rs monotone",
            bool((np.diff(rs) >= 0).all()),
            "max |ar - (2 rs - base)| us",
            float(np.max(np.abs(ar - 2 * rs + base))) * 1e6,
        )
    for s in (16 * 1024, 1 << 20, 4 << 20, 8 << 20):
        print(
            name,
            s,
            [
                round(float(comm.one_shot_all_reduce(s, n, 8, fab, pair_kernel=True)) * 1e6, 1)
                for n in (2, 4, 8)
            ],
        )
    lo = comm.one_shot_all_reduce(comm.PAIR_KERNEL_MAX_BYTES - 16, 2, 8, fab, pair_kernel=True)
    hi = comm.one_shot_all_reduce(comm.PAIR_KERNEL_MAX_BYTES, 2, 8, fab, pair_kernel=True)
    print(name, "pair kernel step at 8 MiB (us)", round((hi - lo) * 1e6, 2))
