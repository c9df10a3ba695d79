"""Collective-communication times over NVLink and the scale-out network.

Every collective is modelled as NCCL's bandwidth-optimal algorithm on a
two-level hierarchy: a group of ``n`` ranks with ``k`` ranks per node spans
``n / k`` nodes; the intra-node phase runs over NVLink, the inter-node phase
over each GPU's own NIC carrying ``1/k`` of the data (so node-local peers use
all NICs of the node in parallel). With ``S`` the buffer size in bytes:

* all-reduce: ``2 (k-1)/k S / B_nvl + 2 (m-1)/m (S/k) / B_nic`` (ring
  reduce-scatter + all-gather in each level), ``m = n/k``;
* reduce-scatter / all-gather (``S`` = full gathered size): half of that;
* all-to-all (``S`` = bytes each rank sends in total): the ``(k-1)/n`` share
  stays on NVLink, the ``(n-k)/n`` share crosses the NIC; both run at once;
* point-to-point: ``S / B + latency``.

``B_nvl`` and ``B_nic`` are per-direction datasheet bandwidths times the
efficiencies below, plus ``latency`` per algorithm step (ring: ``2(n-1)``
steps for all-reduce). Inference engines use a one-shot custom all-reduce
for small messages (:func:`one_shot_all_reduce`: one latency plus the ring's
bandwidth term).

Constants (the fitted one is marked *fitted*; the calibration report lists
its value and the rows it comes from):

``nvlink_efficiency`` (in ``calibration/constants.json``)
    *fitted*: achieved bus bandwidth of the collectives inside a training
    step / per-direction NVLink bandwidth. Isolated nccl-tests all-reduce
    runs reach about 230 of 300 GB/s on 8xA100 (0.77) and 360-380 of 450 on
    8xH100 (0.80-0.84). The fit on end-to-end step times lands at the upper
    bound of its range (0.95), above those figures: the fitted rows constrain
    it only weakly (their TP collectives are a small share of the step), so
    it absorbs what other terms over-count; read it as loosely determined.
``NIC_EFFICIENCY``
    Same for InfiniBand/RoCE: about 0.85 of line rate (e.g. 21-22 GB/s per
    200 Gb/s HDR port, 45 GB/s per 400 Gb/s NDR port); a GPU's ``nic_efficiency``
    (network TOML) overrides it.

Oversubscribed networks: a group spanning more nodes than the GPU's non-blocking
domain (``nonblocking_gpus``) runs its inter-node phase at the NIC rate divided
by ``oversubscription`` (:meth:`Fabric.inter_at`).
``NVLINK_LATENCY_S``, ``NIC_LATENCY_S``
    Per-step latency of a ring algorithm (NCCL LL128/Simple protocols;
    a few microseconds over NVLink, about 10 us across nodes). Assumptions.
``ALLREDUCE_LATENCY_S``
    Latency of one small-message one-shot all-reduce inside an NVLink node
    (vLLM / TensorRT-LLM custom all-reduce: about 5-15 us on A100/H100). An
    assumption.

PCIe-only nodes (``GpuSpec.pcie_only``: L4, L40S, A10G, RTX PRO 6000; nineteenth session,
helper s19pcie). Without NVLink neither inference engine runs its one-shot all-reduce:
TensorRT-LLM's ``AllreducePlugin::selectImplementation`` returns NCCL when the GPUs lack
NVLink (``if (isAuto && !mIsNVLINKSupported) return NCCL``), vLLM's and SGLang's
``custom_all_reduce.py`` disable their kernel on more than two PCIe-only GPUs (on two they keep
it below :data:`PAIR_KERNEL_MAX_BYTES`: ``pair_kernel``). The node's collectives are NCCL's ring,
and its bandwidth is not the x16 link's: the catalog's node is a two-socket server with half its
GPUs under each socket's root complex (no PCIe switch, an assumption), where a ring inside one
socket runs at :data:`PCIE_RING_EFFICIENCY` ``island`` of the link's per-direction rate and a
ring over both sockets (two of its hops cross the inter-socket link) at ``spanning``; a
pipeline stage's send is one hop alone (``hop``). Each ring step costs
:data:`PCIE_STEP_LATENCY_S` in place of the one-shot kernel's latency, except in the ring
collectives inside one node (all-reduce, reduce-scatter, all-gather), which NCCL runs with
whichever of its LL and Simple protocols its own cost model prices lower
(:data:`NCCL_PCIE_PROTOCOLS`, :func:`pcie_ring_collective`): below about 256 KB LL's short
latency, at a batched decode step's 1-4 MB Simple's longer one.

Every function accepts a numpy array for the size where noted (the serving
model evaluates many batch sizes at once).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from planner.perfmodel import constants
from planner.perfmodel.hardware import GpuSpec

NIC_EFFICIENCY = 0.85
NVLINK_LATENCY_S = 4e-6
NIC_LATENCY_S = 10e-6
ALLREDUCE_LATENCY_S = 10e-6
#: NVLink forwarding rate of the flex dispatcher's inter-node kernels, bytes/s of tokens
#: delivered to the destination ranks (the benchmarks' "NVL" bandwidth: received tokens,
#: the rank's own included). DeepEP (V1 normal kernels, 24 SMs): its EP16 run on 2 H800
#: nodes reaches 43 GB/s of RDMA "bottleneck bandwidth" (README; tokens x destination
#: nodes, own node included) because "the NVLink bandwidth will exceed 140 GB/s, making
#: NVLink the bottleneck" (maintainer, deepseek-ai/DeepEP issue #285); on 2 H200 nodes
#: (NVLink 900 GB/s) the same test logs 134-145 GB/s NVL (issue #493), so the limit is the
#: kernel's, not the link's: 140 GB/s. HybridEP (16 SMs, Megatron-Core's
#: ``moe_hybridep_num_sms`` default): its EP16 run on 2 H100 nodes (4096 tokens, hidden 7168,
#: top-8 of 128 experts, the Torch API Megatron calls) reaches 54.47 / 53.35 GB/s "IB"
#: algorithm bandwidth dispatch (bf16) / combine (README_Hybrid-EP.md, H100 table; the
#: test counts tokens x destination nodes, own node included: ``tests/utils.py``
#: ``count_rdma_send_from_routing_map``), i.e. x 6.60 / 1.994 (distinct ranks / nodes a
#: token reaches there, :func:`hit_probability`) = 180 / 177 GB/s delivered: 178 GB/s
#: (DeepEP's own EP16 figure gives 43 x 6.52 / 1.993 = 141 GB/s the same way).
#: At 4-8 nodes both are NIC-bound: DeepEP EP32 / EP64 on H800 move 43.5 / 44.6 GB/s of
#: remote RDMA (58 / 51 GB/s logical), HybridEP's kernels on H100 43.3 / 43.8 GB/s, 0.87-0.89
#: of 50 GB/s, the NIC efficiency below within 5 %.
FLEX_FORWARD_BW = {"deepep": 140e9, "hybridep": 178e9}
#: The same kernels inside one NVLink domain (bytes/s of tokens delivered, own rank
#: included, the benchmarks' "NVL" algorithm bandwidth; the smaller of this and the model's
#: NVLink rate counts): HybridEP (16 SMs, Torch API) on 8 B200 moves 535.94 / 530.86 GB/s
#: dispatch (bf16) / combine, on 8 GB200 550.10 / 538.44 (README_Hybrid-EP.md, 4096 tokens,
#: hidden 7168, top-8, 8 local experts): 535 GB/s (its GB200 runs over 16-36 ranks give
#: 418-523, up to 22 % less). DeepEP (intranode normal kernels, 24 SMs, the README's
#: default; the same HybridEP page's B200 table) 494 / 420 GB/s: 457 GB/s (Megatron-Core's
#: ``moe_deepep_num_sms`` default is 20, between the table's 16- and 24-SM points). Both
#: kernels are SM-bound there: the 900 GB/s B200 link is not what limits them.
FLEX_NVLINK_BW = {"deepep": 457e9, "hybridep": 535e9}
#: SMs the flex dispatcher's kernels hold while they run. DeepEP: 20, the DeepSeek-V3
#: report's figure for its own all-to-all kernels (arXiv 2412.19437 section 3.2.2: "we employ
#: the warp specialization technique ... and partition 20 SMs into 10 communication
#: channels"), Megatron-Core's ``moe_deepep_num_sms`` default, and what DeepSeek's training
#: profile shows (``deepseek-ai/profile-data`` @4496024 ``train.json``: every
#: ``dpsk::ep::internode`` dispatch / combine kernel launches 20 CTAs, every fp8 GEMM 112 =
#: 132 - 20); HybridEP: 16, Megatron-Core's ``moe_hybridep_num_sms`` default (from NVIDIA/
#: Megatron-LM 3df200905e, 2025-11-18, until 8c5cf05ece, 2026-04-28, which deprecates it).
FLEX_SMS = {"deepep": 20, "hybridep": 16}
#: Achieved per-direction ring rate over PCIe / the x16 link's per-direction rate (module
#: notes). FlashInfer PR #4870 ("feat(comm): copy-engine based kernel for the PCIe IPC
#: all-reduce", its "SOL analysis" comment of 2026-09-08) measures, on 8 x L40S (PCIe Gen4,
#: 4 + 4 NUMA islands, no switch: every peer transfer crosses a root complex), the rate a bare
#: ``cudaMemcpyAsync`` reaches under a ring schedule's own concurrency: 25.46 GB/s per hop for
#: a ring inside one island, 20.75 GB/s for a flat ring over all eight GPUs, 26.26 GB/s for a
#: single hop alone -- 0.80, 0.65 and 0.82 of Gen4 x16's 32 GB/s. (The same comment's Gen5
#: machine, 8 x sm_120 on PCIe switch pairs, measures 52.33 / 49.64 / 53.2-55.0 GB/s of 64:
#: 0.82 / 0.78 / 0.83-0.86; a switch softens the cross-socket penalty.) A copy-engine rate is
#: the ceiling of any ring's bandwidth on that fabric; NCCL's measured large-message bus
#: bandwidth on 8 RTX PRO 6000 (37.6-41.1 GB/s, voipmonitor/rtx6kpro
#: ``hardware/pcie-bandwidth.md`` @070506ff) is 0.76-0.83 of that machine's 49.64, and the
#: ``spanning`` ratio on the RTX PRO 6000's Gen5 link gives 41.6 GB/s against those 37.6-41.1
#: (a check, not a fit). Those NCCL runs set ``NCCL_MIN_NCHANNELS=8``; with NCCL's defaults
#: (what an engine runs) the same page measures 40.1 GB/s at 32 MB on a 4-switch machine but
#: 22.2 GB/s on the dual-socket direct-attach one (0.59 of its tuned 37.6, an 8 MB-2 GB sweep
#: against the one 32 MB size, so part of the gap may be the size): on a switchless
#: two-socket node the 8-GPU ring may run well below ``spanning`` (not priced: no 4-GPU or
#: L40S figure with defaults was found; s29l40s, docs/serve.md).
PCIE_RING_EFFICIENCY = {"island": 25.46 / 32, "spanning": 20.75 / 32, "hop": 26.26 / 32}
#: NCCL's small-message all-reduce over PCIe, per ring step: 24.1-24.6 us for 256 B to 64 KB
#: on 8 RTX PRO 6000 (voipmonitor/rtx6kpro ``hardware/pcie-bandwidth.md`` @070506ff, "Custom
#: Allreduce vs NCCL"), over the ring's ``2 (8 - 1) = 14`` steps: 24.35 us / 14 = 1.74 us.
PCIE_STEP_LATENCY_S = 24.35e-6 / 14
#: NCCL's own cost model of a ring all-reduce inside a PCIe node, per protocol ``(base latency,
#: latency per ring step, share of the ring's bus bandwidth)``: NVIDIA/nccl v2.23.4-1
#: (68b54236) ``src/graph/tuning.cc`` -- ``baseLat`` ring LL 6.6 / Simple 8.4 us (lines
#: 56-57), ``hwLat`` PCI ring LL 1.0 / Simple 5.7 us per step (line 71; ``nsteps = 2 (k-1)``,
#: line 165), LL at half the bus bandwidth (line 187), LL128 only with NVLink (lines 325-328).
#: The same release stopped using P2P between GPUs under different CPU host bridges by
#: default (``src/graph/paths.cc`` line 277, ``p2pLevel = PATH_PXB``): on the catalog's
#: switchless node the ring's hops go through host memory. NCCL runs the protocol its model
#: prices lowest, so :func:`pcie_ring_all_reduce` takes the smaller of the two. Checked, not
#: fitted, against NCCL's measured all-reduce on three PCIe-only RTX PRO 6000 servers
#: (:mod:`planner.perfmodel.calibration.pcie_collectives`, each at its own measured bus
#: bandwidth; ``bench/session_runs/s30pcie/check_points.md``): on the 4-GPU group run with
#: NCCL's defaults (two of its four ring hops cross host bridges, so over host memory) 10 of
#: 11 points within -10..+11 % from 256 B to 32 MB (the old 2 (k-1) x 1.74 us: -19..-49 % below 32 MB); the
#: 64 KB point (71 us) neither explains. On the 8-GPU switch machines (P2P through switches)
#: the small-message points are within -16..+17 %, but 256 KB-4 MB run 23-61 % faster than
#: the term (Simple's per-step latency there is about 0.5-2.4 us, not 5.7): with PCIe
#: switches and P2P this term over-prices mid-size all-reduces (thirtieth session, s30pcie).
NCCL_PCIE_PROTOCOLS = {"LL": (6.6e-6, 1.0e-6, 0.5), "Simple": (8.4e-6, 5.7e-6, 1.0)}
#: Largest all-reduce (bytes) vLLM's and SGLang's custom one-shot kernel takes on two PCIe-only
#: GPUs. Both disable the kernel on *more than two* GPUs without full NVLink ("Custom allreduce
#: is disabled because it's not supported on more than two PCIe-only GPUs") but keep it for a
#: pair that passes their P2P test, below ``max_size``: ``should_custom_ar`` returns ``inp_size <
#: self.max_size`` when ``self.world_size == 2 or self.fully_connected`` (vllm-project/vllm
#: @00d618aa ``vllm/distributed/device_communicators/custom_all_reduce.py``, constructor default
#: ``max_size=8192 * 1024``; sgl-project/sglang @004e6561
#: ``python/sglang/srt/distributed/device_communicators/custom_all_reduce.py``, the same checks;
#: a vLLM 0.5-era startup log with NCCL 2.21.5 prints the same warning at TP4, search-index file
#: 54553382182). Above it both call NCCL. The catalog's PCIe GPUs (L4, L40S, A10G, RTX PRO 6000)
#: are assumed to pass the P2P test (datacenter / professional boards; not checked per platform:
#: a host or VM without peer access falls back to NCCL); TensorRT-LLM runs NCCL at every size
#: without NVLink (module notes). Thirty-first session, helper s31pcie.
PAIR_KERNEL_MAX_BYTES = 8192 * 1024


@dataclass(frozen=True)
class Fabric:
    """Bandwidths seen by one communication group.

    Attributes
    ----------
    nvlink_bw
        Per-GPU per-direction NVLink bytes/s (datasheet).
    nic_bw
        Per-GPU per-direction NIC bytes/s (datasheet).
    """

    nvlink_bw: float
    nic_bw: float
    nic_efficiency: float = NIC_EFFICIENCY
    oversubscription: float = 1.0
    nonblocking_nodes: int = 0
    pcie: bool = False
    island: int = 0

    @property
    def intra(self) -> float:
        """Achieved intra-node bytes/s of one flow (NVLink; over PCIe one hop alone)."""
        if self.pcie:
            return self.nvlink_bw * PCIE_RING_EFFICIENCY["hop"]
        return self.nvlink_bw * constants.FITTED["nvlink_efficiency"]

    def intra_at(self, k: int) -> float:
        """Achieved intra-node bytes/s per rank of a ring (or exchange) over ``k`` ranks of one
        node: :attr:`intra` over NVLink; over PCIe the ring rate inside one socket's ``island``
        of GPUs, or across both sockets (module notes)."""
        if not self.pcie:
            return self.intra
        where = "island" if k <= max(1, self.island) else "spanning"
        return self.nvlink_bw * PCIE_RING_EFFICIENCY[where]

    @property
    def step_latency(self) -> float:
        """Seconds per intra-node ring step (NCCL's over PCIe, module notes)."""
        return PCIE_STEP_LATENCY_S if self.pcie else NVLINK_LATENCY_S

    @property
    def inter(self) -> float:
        """Achieved inter-node bytes/s inside the non-blocking domain."""
        return self.nic_bw * self.nic_efficiency

    def inter_at(self, nodes: int) -> float:
        """Achieved inter-node bytes/s of a group spanning ``nodes`` nodes."""
        if self.oversubscription > 1 and self.nonblocking_nodes and nodes > self.nonblocking_nodes:
            return self.inter / self.oversubscription
        return self.inter


@functools.lru_cache(maxsize=256)  # pure; asked for at every collective the model prices
def fabric_of(gpu: GpuSpec) -> Fabric:
    """NVLink and NIC bandwidth of ``gpu`` (with its network's efficiency and oversubscription)."""
    return Fabric(
        gpu.nvlink_bw,
        gpu.nic_bw,
        NIC_EFFICIENCY if gpu.nic_efficiency is None else gpu.nic_efficiency,
        gpu.oversubscription,
        gpu.nonblocking_gpus // gpu.gpus_per_node if gpu.nonblocking_gpus else 0,
        gpu.pcie_only,
        max(1, gpu.gpus_per_node // 2),  # two sockets, half the node's GPUs under each
    )


def per_node(size: int, stride: int, gpus_per_node: int) -> int:
    """Ranks of a group (``size`` ranks ``stride`` apart) that share a node.

    Megatron orders ranks tp (fastest), cp, ep/dp, pp: a group's stride is the
    product of the faster dimensions.
    """
    if size <= 1:
        return 1
    if stride >= gpus_per_node:
        return 1
    return max(1, min(size, gpus_per_node // stride))


def levels(n: int, k: int) -> tuple[int, int]:
    """(ranks per node, nodes) of a group of ``n`` ranks with at most ``k`` per node."""
    k = max(1, min(k, n))
    while n % k:
        k -= 1
    return k, n // k


def _ring_pass(size: float | np.ndarray, k: int, m: int, fabric: Fabric) -> float | np.ndarray:
    """Bandwidth term of one hierarchical ring pass (a reduce-scatter or an all-gather) of
    ``size`` bytes: ``k`` ranks per node over NVLink, then ``m`` nodes over the NICs."""
    t = size * 0.0
    if k > 1:
        t = t + (k - 1) / k * size / fabric.intra_at(k)
    if m > 1:
        t = t + (m - 1) / m * (size / k) / fabric.inter_at(m)
    return t


def reduce_scatter(size: float, n: int, per_node: int, fabric: Fabric) -> float:
    """Seconds to reduce-scatter a ``size``-byte buffer over ``n`` ranks, ``per_node`` per node;
    inside one PCIe node NCCL's ring as NCCL prices it (:func:`pcie_ring_collective`, ``k - 1``
    steps)."""
    if n <= 1 or size <= 0:
        return 0.0
    k, m = levels(n, per_node)
    if fabric.pcie and m == 1:
        return pcie_ring_collective(size, k, fabric.intra_at(k), k - 1)
    return _ring_pass(size, k, m, fabric) + (k - 1) * fabric.step_latency + (m - 1) * NIC_LATENCY_S


def all_reduce(size: float, n: int, per_node: int, fabric: Fabric) -> float:
    """Seconds to all-reduce ``size`` bytes over ``n`` ranks: a ring reduce-scatter, then a ring
    all-gather of the same cost; inside one PCIe node NCCL's ring as NCCL prices it
    (:func:`pcie_ring_all_reduce`)."""
    if fabric.pcie and n > 1 and size > 0:
        k, m = levels(n, per_node)
        if m == 1:
            return pcie_ring_all_reduce(size, k, fabric.intra_at(k))
    return 2 * reduce_scatter(size, n, per_node, fabric)


def all_gather(size: float, n: int, per_node: int, fabric: Fabric) -> float:
    """Seconds to all-gather into a ``size``-byte buffer over ``n`` ranks (same as reduce-scatter)."""
    return reduce_scatter(size, n, per_node, fabric)


def all_to_all(
    size: float | np.ndarray, n: int, per_node: int, fabric: Fabric
) -> float | np.ndarray:
    """Seconds for an all-to-all where each rank sends ``size`` bytes spread evenly over ``n``
    ranks (``size`` may be an array: elementwise, the same arithmetic)."""
    if isinstance(size, np.ndarray):
        if n <= 1:
            return np.zeros_like(size, dtype=float)
        k, m = levels(n, per_node)
        intra = size * (k - 1) / n / fabric.intra_at(k) + (fabric.step_latency if k > 1 else 0.0)
        inter = size * (n - k) / n / fabric.inter_at(m) + (NIC_LATENCY_S if n > k else 0.0)
        return np.where(size > 0, np.maximum(intra, inter), 0.0)
    if n <= 1 or size <= 0:
        return 0.0
    k, m = levels(n, per_node)
    intra = size * (k - 1) / n / fabric.intra_at(k) + (fabric.step_latency if k > 1 else 0.0)
    inter = size * (n - k) / n / fabric.inter_at(m) + (NIC_LATENCY_S if n > k else 0.0)
    return max(intra, inter)


def hit_probability(total: int, group: float, draws: int) -> float:
    """Probability that ``draws`` distinct experts drawn at random from ``total`` include one
    of a given ``group`` of them (a rank's or a node's experts): ``1 - C(total - group, draws)
    / C(total, draws)``, the balanced routing the benchmark rows force."""
    if group >= total:
        return 1.0
    miss = 1.0
    for i in range(min(draws, total)):
        miss *= max(0.0, (total - group - i) / (total - i))
    return 1.0 - miss


@functools.lru_cache(maxsize=4096)  # pure; the search prices the same layouts many times
def destinations_hit(
    units: int, experts: int, top_k: int, groups: int = 0, group_topk: int = 0
) -> float:
    """Expected distinct units (ranks or nodes, each holding ``experts / units`` consecutive
    experts) that one token's ``top_k`` experts fall on, under the balanced (random-score)
    routing the benchmark rows force.

    Without group-limited routing the ``top_k`` experts are any distinct ones
    (:func:`hit_probability`). With it (``groups`` groups of consecutive experts, a token's
    experts chosen inside ``group_topk`` of them): Megatron-Core's ``group_limited_topk``
    views the scores as ``(num_tokens, num_groups, -1)``, scores each group by the sum of
    its top ``top_k // group_topk`` experts and keeps the best ``group_topk`` groups, so with
    random scores (``moe_router_force_load_balancing``) every ``group_topk``-subset of groups
    is equally likely, and each chosen group supplies about ``top_k // group_topk`` experts
    (the ones that ranked it). A unit covering ``c`` groups is reached when ``j >= 1`` of
    them are chosen (hypergeometric) and one of their draws lands on its experts. Units and
    groups nest (both are consecutive expert ranges). Against a simulation of Megatron-Core's
    selection (256 experts, 8 groups, top-4 groups, top-8; ``tests/perfmodel/test_comm.py``)
    this is within +6 % (16 units: 6.07 against 5.73; 8 units 4.00 / 3.95); drawing the
    ``top_k`` uniformly from the chosen groups instead undercounts by up to 8 %.
    """
    if units <= 1:
        return float(units)
    per_unit = experts / units
    if not groups or group_topk >= groups:
        return units * hit_probability(experts, per_unit, top_k)
    group_size = experts // groups
    spans = max(1, round(per_unit / group_size))  # groups a unit's experts cover
    inside = per_unit / spans  # the unit's experts in each group it covers
    # a chosen group of the unit misses it with probability 1 - q
    q = hit_probability(group_size, inside, max(1, top_k // group_topk))
    total = math.comb(groups, group_topk)
    reach = sum(
        math.comb(spans, j) * math.comb(groups - spans, group_topk - j) / total * (1 - (1 - q) ** j)
        for j in range(1, min(spans, group_topk) + 1)
    )
    return units * reach


def dispatch_all_to_all(
    tokens: float,
    top_k: int,
    token_bytes: float,
    n: int,
    per_node: int,
    fabric: Fabric,
    *,
    experts: int = 0,
    backend: str = "",
    node_limit: int = 0,
    groups: int = 0,
    group_topk: int = 0,
) -> float:
    """Seconds of one MoE dispatch (or combine) of ``tokens`` tokens, each to ``top_k`` of
    ``experts`` experts (``token_bytes`` per copy) over ``n`` ranks, ``per_node`` per node.

    Without a ``backend`` (Megatron-Core's ``alltoall`` dispatcher) a plain all-to-all: every
    token copy goes to its expert's rank, spread evenly over the ranks (:func:`all_to_all`).

    With ``backend`` ``deepep`` or ``hybridep`` (Megatron-Core's ``flex`` dispatcher), both
    send a token once per destination *rank* (not once per expert), and across nodes
    once per destination *node* over RDMA, to the GPU of the same local index, which
    forwards it over NVLink to the ranks of its node that hold its experts (DeepSeek-V3
    report §3.2.2; DeepEP README "normal kernels with NVLink and RDMA forwarding"; HybridEP
    ``docs/README_Hybrid-EP.md`` "Hierarchical Communication Design"). With ``r`` the
    expected distinct ranks and ``d`` the expected distinct nodes a token reaches
    (:func:`destinations_hit`, with the model's group-limited routing ``groups`` /
    ``group_topk``; at most ``node_limit``), a GPU sends ``tokens d (m-1)/m`` copies over its NIC at the NIC rate and
    its node's forwarders deliver ``tokens r`` copies over NVLink at the kernel's forwarding
    rate (:data:`FLEX_FORWARD_BW`); the two legs are pipelined, so the slower one counts.
    In one NVLink domain only the NVLink leg remains, at the kernels' measured intra-domain
    rate (:data:`FLEX_NVLINK_BW`).
    """
    if n <= 1 or tokens <= 0:
        return 0.0
    if not backend:
        return all_to_all(tokens * top_k * token_bytes, n, per_node, fabric)
    _, m = levels(n, per_node)
    ranks_hit = destinations_hit(n, experts, top_k, groups, group_topk)
    if m <= 1:
        rate = min(fabric.intra, FLEX_NVLINK_BW[backend])
        return tokens * token_bytes * ranks_hit / rate + NVLINK_LATENCY_S
    nodes_hit = destinations_hit(m, experts, top_k, groups, group_topk)
    if node_limit:
        nodes_hit = min(float(node_limit), nodes_hit)
    size = tokens * token_bytes
    rdma = size * nodes_hit * (m - 1) / m / fabric.inter_at(m) + NIC_LATENCY_S
    nvl = size * ranks_hit / min(fabric.intra, FLEX_FORWARD_BW[backend]) + NVLINK_LATENCY_S
    return max(rdma, nvl)


def collective_latency(n: int, per_node: int, fabric: Fabric) -> float:
    """Fixed seconds of an inference engine's all-reduce (or gather) over ``n`` ranks: the
    one-shot kernel's ``ALLREDUCE_LATENCY_S`` over NVLink; over PCIe, where the engines run
    NCCL instead (module notes; vLLM's and SGLang's logits gather is NCCL's even on two GPUs,
    their pair kernel only all-reduces), the fixed part of NCCL's own price of a ring gather
    of ``k`` ranks of one node (:func:`pcie_ring_collective` at no bytes: LL's base plus ``k -
    1`` steps), ``2 (k-1)`` steps of :data:`PCIE_STEP_LATENCY_S` across nodes."""
    if n <= 1:
        return 0.0
    if not fabric.pcie:
        return ALLREDUCE_LATENCY_S
    k, m = levels(n, per_node)
    if m == 1:
        return pcie_ring_collective(0.0, k, fabric.intra_at(k), k - 1)
    return 2 * (k - 1) * fabric.step_latency


def pcie_ring_collective(
    size: float | np.ndarray, k: int, bus_bw: float, steps: int
) -> float | np.ndarray:
    """Seconds of one of NCCL's ring collectives inside one PCIe node: ``k`` GPUs, ``steps``
    ring steps (``2 (k-1)`` for an all-reduce, ``k - 1`` for a reduce-scatter or an all-gather,
    whose ``size`` is the whole gathered buffer), a ring moving ``bus_bw`` bytes/s per rank
    (``size`` may be an array: elementwise).

    NCCL's own per-protocol model (:data:`NCCL_PCIE_PROTOCOLS`), the cheaper protocol:
    ``base + steps step + steps/k size / (share bus_bw)``. NCCL 2.23.4 prices every ring
    collective so (``src/graph/tuning.cc`` lines 165-167: ``nsteps``; 222-226: algorithm
    bandwidth = bus bandwidth x ``nRanks / nsteps``; 256-259: ``baseLat + nsteps x hwLat``),
    with ``nBytes`` the gathered size for all-gather / reduce-scatter (``src/enqueue.cc`` line
    73, ``ncclFuncMaxSendRecvCount``).
    """
    if k <= 1:
        return size * 0.0
    moved = steps / k * size
    times = [
        base + steps * step + moved / (share * bus_bw)
        for base, step, share in NCCL_PCIE_PROTOCOLS.values()
    ]
    return np.minimum(*times) if isinstance(size, np.ndarray) else min(times)


def pcie_ring_all_reduce(size: float | np.ndarray, k: int, bus_bw: float) -> float | np.ndarray:
    """Seconds of NCCL's ring all-reduce of ``size`` bytes over ``k`` GPUs of one PCIe node
    whose ring moves ``bus_bw`` bytes/s per rank (``size`` may be an array: elementwise):
    :func:`pcie_ring_collective` with ``2 (k-1)`` steps,
    ``base + 2 (k-1) step + 2 (k-1)/k size / (share bus_bw)``.
    """
    return pcie_ring_collective(size, k, bus_bw, 2 * (k - 1))


def one_shot_all_reduce(
    size: float | np.ndarray, n: int, per_node: int, fabric: Fabric, *, pair_kernel: bool = False
) -> float | np.ndarray:
    """Seconds of an inference engine's small-message all-reduce of ``size`` bytes (array ok).

    :func:`collective_latency` once (the one-shot kernel's over NVLink), plus the ring's
    bandwidth terms inside and across nodes (and ``NIC_LATENCY_S`` when the group spans nodes).
    Over PCIe inside one node the engines run NCCL's ring (module notes):
    :func:`pcie_ring_all_reduce` at the fabric's ring rate -- except on two GPUs of an engine
    that keeps its one-shot kernel there (``pair_kernel``: vLLM, SGLang), below
    :data:`PAIR_KERNEL_MAX_BYTES`: the kernel's latency plus the pair's ring bandwidth term.
    """
    if n <= 1:
        return np.zeros_like(size) if isinstance(size, np.ndarray) else 0.0
    k, m = levels(n, per_node)
    if fabric.pcie and m == 1:
        ring = pcie_ring_all_reduce(size, k, fabric.intra_at(k))
        if not (pair_kernel and k == 2):
            return ring
        kernel = ALLREDUCE_LATENCY_S + 2 * _ring_pass(size, k, m, fabric)
        if isinstance(size, np.ndarray):
            return np.where(size < PAIR_KERNEL_MAX_BYTES, kernel, ring)
        return kernel if size < PAIR_KERNEL_MAX_BYTES else ring
    t = collective_latency(n, per_node, fabric) + 2 * _ring_pass(size, k, m, fabric)
    return t + NIC_LATENCY_S if m > 1 else t


def engine_all_gather(
    size: float | np.ndarray, n: int, per_node: int, fabric: Fabric
) -> float | np.ndarray:
    """Seconds of an inference engine's all-gather into a ``size``-byte buffer over ``n`` ranks
    (the vocab-parallel logits: ``size`` is the gathered logits; array ok).

    Over PCIe inside one node NCCL's ring as NCCL prices it (:func:`pcie_ring_collective`,
    ``k - 1`` steps, the bytes included: a decode batch's logits are megabytes, e.g. 256 rows x
    128,256 x 2 bytes = 66 MB, 1.9 ms over 4 L40S); elsewhere :func:`collective_latency` plus
    one hierarchical ring pass (:func:`one_shot_all_reduce`'s terms, one pass instead of two).
    """
    if n <= 1:
        return np.zeros_like(size) if isinstance(size, np.ndarray) else 0.0
    k, m = levels(n, per_node)
    if fabric.pcie and m == 1:
        return pcie_ring_collective(size, k, fabric.intra_at(k), k - 1)
    t = collective_latency(n, per_node, fabric) + _ring_pass(size, k, m, fabric)
    return t + NIC_LATENCY_S if m > 1 else t


def p2p(size: float | np.ndarray, fabric: Fabric, *, same_node: bool) -> float | np.ndarray:
    """Seconds to send ``size`` bytes to one peer (0 for nothing; ``size`` may be an array)."""
    bw, latency = (
        (fabric.intra, fabric.step_latency) if same_node else (fabric.inter, NIC_LATENCY_S)
    )
    if isinstance(size, np.ndarray):
        return np.where(size > 0, size / bw + latency, 0.0)
    if size <= 0:
        return 0.0
    return size / bw + latency
