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
steps for all-reduce).

Constants (not fitted to the validation tables; from public nccl-tests
numbers, see the README):

``NVLINK_EFFICIENCY``
    Achieved NCCL bus bandwidth / per-direction NVLink bandwidth for large
    messages. nccl-tests all-reduce on 8xA100 reports about 230 GB/s bus
    bandwidth of 300 GB/s (0.77); on 8xH100 about 360-380 of 450.
``NIC_EFFICIENCY``
    Same for InfiniBand/RoCE: about 0.85 of line rate (e.g. 21-22 GB/s per
    200 Gb/s HDR port, 45 GB/s per 400 Gb/s NDR port).
``NVLINK_LATENCY_S``, ``NIC_LATENCY_S``
    Per-step latency of a ring algorithm (NCCL LL128/Simple protocols;
    a few microseconds over NVLink, about 10 us across nodes).
"""

from __future__ import annotations

from dataclasses import dataclass

NVLINK_EFFICIENCY = 0.60
NIC_EFFICIENCY = 0.85
NVLINK_LATENCY_S = 4e-6
NIC_LATENCY_S = 10e-6


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

    @property
    def intra(self) -> float:
        """Achieved intra-node bytes/s."""
        return self.nvlink_bw * NVLINK_EFFICIENCY

    @property
    def inter(self) -> float:
        """Achieved inter-node bytes/s."""
        return self.nic_bw * NIC_EFFICIENCY


def _levels(n: int, k: int) -> tuple[int, int]:
    """(ranks per node, nodes) of a group of ``n`` ranks with at most ``k`` per node."""
    k = max(1, min(k, n))
    while n % k:
        k -= 1
    return k, n // k


def all_reduce(size: float, n: int, per_node: int, fabric: Fabric) -> float:
    """Seconds to all-reduce ``size`` bytes over ``n`` ranks, ``per_node`` of them per node."""
    if n <= 1 or size <= 0:
        return 0.0
    k, m = _levels(n, per_node)
    t = 0.0
    if k > 1:
        t += 2 * (k - 1) / k * size / fabric.intra + 2 * (k - 1) * NVLINK_LATENCY_S
    if m > 1:
        t += 2 * (m - 1) / m * (size / k) / fabric.inter + 2 * (m - 1) * NIC_LATENCY_S
    return t


def reduce_scatter(size: float, n: int, per_node: int, fabric: Fabric) -> float:
    """Seconds to reduce-scatter a ``size``-byte buffer over ``n`` ranks."""
    if n <= 1 or size <= 0:
        return 0.0
    k, m = _levels(n, per_node)
    t = 0.0
    if k > 1:
        t += (k - 1) / k * size / fabric.intra + (k - 1) * NVLINK_LATENCY_S
    if m > 1:
        t += (m - 1) / m * (size / k) / fabric.inter + (m - 1) * NIC_LATENCY_S
    return t


def all_gather(size: float, n: int, per_node: int, fabric: Fabric) -> float:
    """Seconds to all-gather into a ``size``-byte buffer over ``n`` ranks (same as reduce-scatter)."""
    return reduce_scatter(size, n, per_node, fabric)


def all_to_all(size: float, n: int, per_node: int, fabric: Fabric) -> float:
    """Seconds for an all-to-all where each rank sends ``size`` bytes spread evenly over ``n`` ranks."""
    if n <= 1 or size <= 0:
        return 0.0
    k, _ = _levels(n, per_node)
    intra = size * (k - 1) / n / fabric.intra + (NVLINK_LATENCY_S if k > 1 else 0.0)
    inter = size * (n - k) / n / fabric.inter + (NIC_LATENCY_S if n > k else 0.0)
    return max(intra, inter)


def p2p(size: float, fabric: Fabric, *, same_node: bool) -> float:
    """Seconds to send ``size`` bytes to one peer."""
    if size <= 0:
        return 0.0
    if same_node:
        return size / fabric.intra + NVLINK_LATENCY_S
    return size / fabric.inter + NIC_LATENCY_S
