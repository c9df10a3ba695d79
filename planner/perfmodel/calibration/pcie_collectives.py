"""Measured NCCL all-reduce times on PCIe-only GPU servers (no NVLink), the points
:func:`planner.perfmodel.comm.pcie_ring_all_reduce` is checked against (thirtieth session,
helper s30pcie; nothing is fitted to them).

Every point is one ``all_reduce`` of ``size`` bytes over ``gpus`` GPUs of one server, with the
time the page reports. ``bus_gb_s`` is the same server's large-message NCCL bus bandwidth under
the same settings (the ring rate the term is given, so the check isolates NCCL's latency and
protocol choice from the topology's bandwidth).

Source: voipmonitor/rtx6kpro @e01f16b3045a51e2af330dd04bb2b174da1be09b (a community
measurement collection for 8 x RTX PRO 6000 Blackwell servers, PCIe Gen5 x16), three machines
of three contributors:

* ``cpayne8``: 8 GPUs behind two c-payne Gen5 switches, one WRX90 socket, ``NCCL_P2P_LEVEL=SYS``
  (``hardware/wrx90-cpayne-8gpu-root-topology-comparison.md`` lines 278-283, Group A times;
  bus bandwidth 46.44 GB/s at 1024 MB, line 266).
* ``asus4``: 4 GPUs of one socket of an ASUS ESC8000A-E13P (two Broadcom PEX890xx Gen5
  switches, dual socket), NCCL defaults (``hardware/asus-esc8000a-e13p-broadcom-switches.md``
  lines 318-322 and 359-364; bus bandwidth 30.3 GB/s at 32 MB, line 346).
* ``luke8``: 8 GPUs behind three Microchip switches, one socket (``hardware/pcie-bandwidth.md``
  lines 167-172; bus bandwidth 41.1 GB/s, ``NCCL_MIN_NCHANNELS=8`` sweep, line 139).

Left out: the ASUS machine's 8-GPU points (lines 328-332): its switches' posted-write
arbitration fault (same page) makes 4-8 KB take 57 us, which no protocol model explains.
No size-resolved NCCL table of an L40S, L40, L4 or A10G server was found (searched: nccl /
nccl-tests issues, FlashInfer PCIe-IPC pull requests #4393 / #4870 / #5023, vLLM RFC #56128).

:data:`BUS_POINTS` (thirty-first session, helper s31pcie) are large-message NCCL bus bandwidths
of a PCIe Gen4 ring with P2P, checked against the model's ``island`` ring rate
(:data:`planner.perfmodel.comm.PCIE_RING_EFFICIENCY`, from copy-engine measurements on 8 x L40S,
not from these): 4 x RTX 4090 on one AMD EPYC 7773X host with P2P enabled by tinygrad's
open-gpu-kernel-modules driver, NCCL defaults, ``all_reduce_perf -b 256M -e 2G -f 2 -g 4``
(tinygrad/open-gpu-kernel-modules issue #36, comment by ChihayaK; the GPUs' bus ids 85 / 86 /
89 / 8d suggest one root complex or switch, not stated). Searched this session and not entered:
8 x RTX 4090 without P2P (NVIDIA/nccl issue #1530, nccl-tests issues #269 / #270 / #307: the
tables come back truncated from the search tool), 8 x RTX 5090 (NVIDIA/nccl issue #1639: 28 /
35 GB/s at 8 / 4 GPUs with ``NCCL_MIN_NCHANNELS=8``, Gen5, topology not stated), NCCL's
host-memory (SHM) path on 2 x RTX 5070 Ti (sgl-project/sglang PR #39605: a 20 MB all-reduce at
1.9 GB/s under every protocol, 12.5 GB/s with ``NCCL_SHM_USE_CUDA_MEMCPY=1``), FlashInfer PR
#5023's NCCL reduce-scatter / all-gather tables (the machine of each table is not in the
excerpts the search tool returns).
"""

from __future__ import annotations

from typing import NamedTuple


class NcclPoint(NamedTuple):
    """One measured all-reduce: ``machine``, ``gpus``, ``size`` (bytes), ``seconds``,
    ``bus_gb_s`` (the machine's large-message bus bandwidth), ``where`` (file:line)."""

    machine: str
    gpus: int
    size: int
    seconds: float
    bus_gb_s: float
    where: str


_CPAYNE = "hardware/wrx90-cpayne-8gpu-root-topology-comparison.md"
_ASUS = "hardware/asus-esc8000a-e13p-broadcom-switches.md"
_PAGE = "hardware/pcie-bandwidth.md"
KIB = 1024
MIB = 1024 * 1024

POINTS: tuple[NcclPoint, ...] = (
    NcclPoint("cpayne8", 8, 4 * KIB, 23.93e-6, 46.44, f"{_CPAYNE}:278"),
    NcclPoint("cpayne8", 8, 16 * KIB, 18.66e-6, 46.44, f"{_CPAYNE}:279"),
    NcclPoint("cpayne8", 8, 64 * KIB, 18.13e-6, 46.44, f"{_CPAYNE}:280"),
    NcclPoint("cpayne8", 8, 256 * KIB, 25.09e-6, 46.44, f"{_CPAYNE}:281"),
    NcclPoint("cpayne8", 8, 1024 * KIB, 81.08e-6, 46.44, f"{_CPAYNE}:282"),
    NcclPoint("cpayne8", 8, 4096 * KIB, 182.49e-6, 46.44, f"{_CPAYNE}:283"),
    NcclPoint("asus4", 4, 256, 14.1e-6, 30.3, f"{_ASUS}:318"),
    NcclPoint("asus4", 4, 1 * KIB, 13.5e-6, 30.3, f"{_ASUS}:359"),
    NcclPoint("asus4", 4, 4 * KIB, 13.2e-6, 30.3, f"{_ASUS}:360"),
    NcclPoint("asus4", 4, 16 * KIB, 14.7e-6, 30.3, f"{_ASUS}:361"),
    NcclPoint("asus4", 4, 32 * KIB, 15.4e-6, 30.3, f"{_ASUS}:319"),
    NcclPoint("asus4", 4, 64 * KIB, 71.2e-6, 30.3, f"{_ASUS}:362"),
    NcclPoint("asus4", 4, 256 * KIB, 40.9e-6, 30.3, f"{_ASUS}:363"),
    NcclPoint("asus4", 4, 512 * KIB, 72.0e-6, 30.3, f"{_ASUS}:320"),
    NcclPoint("asus4", 4, 1 * MIB, 86.5e-6, 30.3, f"{_ASUS}:321"),
    NcclPoint("asus4", 4, 1 * MIB, 85.2e-6, 30.3, f"{_ASUS}:364"),
    NcclPoint("asus4", 4, 32 * MIB, 1628e-6, 30.3, f"{_ASUS}:322"),
    NcclPoint("luke8", 8, 256, 24.6e-6, 41.1, f"{_PAGE}:167"),
    NcclPoint("luke8", 8, 1 * KIB, 24.1e-6, 41.1, f"{_PAGE}:168"),
    NcclPoint("luke8", 8, 8 * KIB, 24.2e-6, 41.1, f"{_PAGE}:169"),
    NcclPoint("luke8", 8, 32 * KIB, 24.5e-6, 41.1, f"{_PAGE}:170"),
    NcclPoint("luke8", 8, 64 * KIB, 24.1e-6, 41.1, f"{_PAGE}:171"),
    NcclPoint("luke8", 8, 256 * KIB, 28.0e-6, 41.1, f"{_PAGE}:172"),
)


class BusPoint(NamedTuple):
    """One large-message NCCL all-reduce bus bandwidth: ``machine``, ``gpus``, ``size``
    (bytes), ``bus_gb_s``, ``link_gb_s`` (the x16 link's per-direction rate), ``where``."""

    machine: str
    gpus: int
    size: int
    bus_gb_s: float
    link_gb_s: float
    where: str


_TINYGRAD = "tinygrad/open-gpu-kernel-modules issue #36"

BUS_POINTS: tuple[BusPoint, ...] = (
    BusPoint("rtx4090x4_p2p", 4, 256 * MIB, 25.72, 32.0, _TINYGRAD),
    BusPoint("rtx4090x4_p2p", 4, 512 * MIB, 25.82, 32.0, _TINYGRAD),
    BusPoint("rtx4090x4_p2p", 4, 1024 * MIB, 25.95, 32.0, _TINYGRAD),
)
