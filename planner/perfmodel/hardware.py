"""GPUs and clusters: the hardware catalog and cluster descriptions.

A :class:`GpuSpec` is one GPU type from ``models/hardware/*.toml`` (memory,
HBM bandwidth, NVLink and NIC bandwidth, dense peak TFLOPS per precision,
price per GPU-hour). A :class:`ClusterSpec` is one or more :class:`Pool` s of
identical GPUs; pools may differ in GPU type, node size or NIC speed
(heterogeneous clusters as in the Metis and Holmes papers).

Cluster strings accepted by :func:`parse_cluster`:

* ``1024xH100`` (also ``1024*H100``, ``H100x1024``);
* ``H100:16,A100:32`` (comma-separated pools);
* ``64xmy_gpu.toml`` or ``my_gpu.toml:64``: a user's GPU table in the catalog's own format
  (``models/hardware/*.toml``), wherever a catalog name goes (also ``gpu = "my_gpu.toml"``
  in a cluster TOML's pool);
* a TOML file::

      name = "mixed"
      inter_pool_gbit_s = 200        # optional: per-GPU bandwidth between pools
      [[pool]]
      gpu = "H100"
      count = 512
      nic_gbit_s = 400               # optional overrides: gpus_per_node, price_per_gpu_hour
      [[pool]]
      gpu = { base = "A100", nic_gbit_s = 100 }   # or a full GPU table
      count = 512

Units: bandwidth fields are in the datasheet units (NVLink GB/s
bidirectional, NIC Gb/s); the properties ending in ``_bw`` return bytes per
second in one direction, which is what collectives use.

Sources of the catalog numbers (each TOML repeats its source per line):

======== ======= ======= ======== ========= ============================= ==========
GPU      HBM GiB TB/s    NVLink   NIC Gb/s  dense bf16 / fp8 / fp4 TFLOPS source
======== ======= ======= ======== ========= ============================= ==========
A100-40G 40      1.555   600      200       312 / - / -                   [A100]_ [DGXA]_
A100-80G 80      2.039   600      200       312 / - / -                   [A100]_ [DGXA]_
A800     80      2.039   400      200       312 / - / -                   [LIT]_
H100-SXM 80      3.35    900      400       989 / 1979 / -                [H100]_ [DGXH]_
H800     80      3.35    400      400       989 / 1979 / -                [LIT]_ [DSV3]_
H20      96      4.0     900      400       148 / 296 / -                 [LIT]_
H200     141     4.8     900      400       989 / 1979 / -                [H200]_
B200     192     8.0     1800     400       2250 / 4500 / 9000            [HGXB]_
L4       22.35   0.3     64 PCIe  12.5      121 / 242 / -                 [INF]_
L40S     48      0.864   64 PCIe  50        362 / 733 / -                 [INF]_
A10G     22.35   0.6     64 PCIe  12.5      125 / - / -                   [INF]_
RTX-PRO  96      1.597   128 PCIe 50        500 / 1000 / 2000 (derived)   [INF]_
B300     270     7.7     1800     800       2250 / 4500 / 14000           [LIT]_
GB200    186     8.0     1800 x72 400       2500 / 5000 / 10000           [LIT]_ [MLPI]_
GB300    279     8.0     1800 x72 800       2500 / 5000 / 15000           [LIT]_
MI300X   192     5.3     896 (IF) 400*      1307 / 2615 / -               [LIT]_ [ROCM]_
MI325X   256     6.0     896 (IF) 400*      1307 / 2615 / -               [LIT]_ [ROCM]_
MI355X   288     8.0     896 (IF) 400*      2500 / 5000 / 10000           [LIT]_ [ROCM]_
======== ======= ======= ======== ========= ============================= ==========

(``x72``: the NVL72 rack is one 72-GPU NVLink domain, ``gpus_per_node = 72``; ``IF``: AMD
Infinity Fabric mesh; ``*``: no system file found, an assumption.) Each TOML names the source of
every number; ``usable_memory_gib`` is the capacity the driver reports (``nvidia-smi``'s total,
e.g. 81,559 MiB on H100 / H800 80GB) where one was found, else the datasheet capacity.
``runtime_memory_gib`` is the smaller total the CUDA runtime gives a process (``cudaMemGetInfo``,
``torch.cuda.mem_get_info()[1]``: the driver's total less what it keeps), which serving engines
size their KV cache from (vLLM logs it as ``total_gpu_memory``): 79.22 GiB on H100 80GB HBM3
(vLLM PR #10511, 2024-12-14, and PR #12126, 2025-01-16), 139.80 GiB on H200 (vLLM 0.6.4.post1
log, github suesie/grpocredit ``experiment_report_0427.md`` @3ab3f688), 79.15 GiB on A100 80GB
(vLLM issue #10533, 2024-11); without a figure it is ``usable_memory_gib``.

.. [A100] NVIDIA A100 Tensor Core GPU datasheet (SXM4 80GB: 312 TFLOPS bf16 dense,
   2,039 GB/s, NVLink 600 GB/s; SXM4 40GB: 40 GB HBM2, 1,555 GB/s, same compute and
   NVLink), nvidia.com/en-us/data-center/a100.
.. [DGXA] NVIDIA DGX A100 user guide: 8 x ConnectX-6 200 Gb/s HDR InfiniBand, one per GPU.
.. [H100] NVIDIA H100 Tensor Core GPU datasheet (SXM5: 1,979 / 3,958 TFLOPS bf16 / fp8
   with sparsity, i.e. 989 / 1,979 dense; 3.35 TB/s; NVLink 900 GB/s),
   nvidia.com/en-us/data-center/h100.
.. [DGXH] NVIDIA DGX H100 datasheet: 8 x ConnectX-7 400 Gb/s NDR, one per GPU.
.. [H200] NVIDIA H200 product page (141 GB HBM3e, 4.8 TB/s; H100 compute),
   nvidia.com/en-us/data-center/h200.
.. [LIT] Vendor specification tables as transcribed, with quotes, by the project's literature
   notes (``notes/lit/hardware.csv``: HW01 distributor reprints of NVIDIA/AMD datasheets,
   HW02 NVIDIA spec tables A100 ... GB300, HW17 ROCm docs, HW18 MI325X cloud docs).
.. [DSV3] DeepSeek-V3 technical report (arXiv 2412.19437) §3.2.2: H800 NVLink 160 GB/s and
   InfiniBand 50 GB/s per GPU (achieved).
.. [MLPI] MLPerf Inference v6.1 system file GB200-NVL72_GB200-186GB (186 GB, 4 GPUs and
   4 x ConnectX-7 per tray).
.. [ROCM] ROCm documentation, GPU architecture table (VRAM in GiB, compute units).
.. [HGXB] NVIDIA HGX B200 specifications (8 GPUs: 36 / 72 / 144 PFLOPS bf16 / fp8 / fp4
   with sparsity, i.e. 2.25 / 4.5 / 9 PFLOPS dense per GPU; 1.8 TB/s NVLink 5 per GPU;
   8 TB/s HBM3e), nvidia.com/en-us/data-center/hgx.

.. [INF] Inference GPUs (no NVLink: the PCIe link stands in): each TOML names its source
   line by line (/work/notes/lit/hardware.csv rows HW01, HW10, HW16, HW20); node sizes and
   networks are assumptions; the RTX PRO 6000 dense peaks are derived from its datasheet's one
   tensor figure (4,000 FP4 TOPS with sparsity) at the HGX B200 datasheet's ratios.

``price_per_gpu_hour`` is an indicative on-demand price, an assumption to
override per cluster (the calibration report lists it among the assumptions); 0 means no
public price was recorded (``--objective cost`` then asks for one in a cluster TOML).
``sms`` (streaming multiprocessors) sets the wave count of vLLM 0.7's block-FP8 GEMM floor
(:mod:`planner.perfmodel.block_fp8`); no other model term uses it.

Networks (:data:`NETWORKS`, a cluster TOML's ``[network]`` table or ``plan train --network``): the
scale-out fabric of every pool, its per-GPU rate, its topology and oversubscription.

============ ======== =============================================================
name         Gb/s/GPU source
============ ======== =============================================================
ib-hdr       200      DGX A100 user guide; Azure NDm A100 v4 (HW06)
ib-ndr       400      DGX H100 datasheet; MLPerf system files (HW03, HW04)
ib-xdr       800      ConnectX-8 SuperNIC 800 Gb/s (HW02)
roce-200     200      MegaScale (NSDI'24): 8 x 200G NICs per 8-GPU server (HW07)
roce-400     400      Llama 3 (arXiv 2407.21783): RoCE 400 Gb/s per GPU (HW08)
============ ======== =============================================================

``topology`` is ``fat-tree`` (full bisection, the default) or ``rail-optimized`` (GPUs of the
same local rank share a leaf switch; NCCL's PXN moves traffic onto the right rail over NVLink
first), ``oversubscription`` the ratio of down- to up-links above the non-blocking domain of
``nonblocking_gpus`` GPUs (Llama 3's 24K-GPU cluster: 1:7 at the aggregation layer, i.e.
``oversubscription = 7`` above a 3,072-GPU pod). A collective whose group spans more GPUs than
the non-blocking domain runs its inter-node phase at the NIC rate divided by the
oversubscription; ring collectives of a rail-optimized fabric stay on their rail, so its
non-blocking domain is the rail group.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from planner.core import validate
from planner.core.errors import InputError, check_table, text_field, unknown_name
from planner.core.hashing import cached_hash
from planner.core.io import read_toml
from planner.core.paths import models_dir
from planner.perfmodel.precision import Precision, get_precision

GIB = 1024**3

_GPU_FIELDS = (
    "name",
    "memory_gib",
    "hbm_tb_s",
    "sms",
    "nvlink_gb_s",
    "nic_gbit_s",
    "gpus_per_node",
    "price_per_gpu_hour",
)
#: Optional fields (with their defaults when absent).
_GPU_OPTIONAL = {
    "usable_memory_gib": None,
    "runtime_memory_gib": None,
    "host_link_gb_s": 64.0,
    "interconnect": "",
    "network": "",
    "nic_efficiency": None,
    "oversubscription": 1.0,
    "nonblocking_gpus": 0,
    "pcie_only": False,
}


@cached_hash
@dataclass(frozen=True)
class GpuSpec:
    """One GPU type.

    Attributes
    ----------
    name
        Catalog name, e.g. ``H100-SXM``.
    memory_gib
        HBM capacity.
    hbm_tb_s
        HBM bandwidth (TB/s).
    sms
        Streaming multiprocessors (informational).
    nvlink_gb_s
        NVLink bandwidth per GPU, GB/s, bidirectional (datasheet figure).
    nic_gbit_s
        Scale-out NIC bandwidth per GPU, Gb/s.
    gpus_per_node
        GPUs sharing one NVLink domain.
    price_per_gpu_hour
        USD per GPU-hour.
    tflops
        Dense tensor-core peak per precision, ``((key, TFLOPS), ...)``.
    aliases
        Other names accepted on the command line.
    architecture
        ``Ampere``, ``Hopper``, ``Blackwell``, ``CDNA3``, ... (selects the GEMM efficiency; one
        without a fitted value takes :func:`planner.perfmodel.kernels.uncalibrated_rule`).
    usable_memory_gib
        Capacity the driver reports (``None``: ``memory_gib``).
    runtime_memory_gib
        Total the CUDA runtime reports to a process, ``torch.cuda.mem_get_info()[1]`` (``None``:
        the driver's capacity).
    host_link_gb_s
        GPU-host bandwidth (PCIe or NVLink-C2C), GB/s bidirectional (activation offload).
    interconnect
        Scale-up fabric (informational).
    network
        Scale-out fabric name (informational; see :data:`NETWORKS`).
    nic_efficiency
        Achieved / line rate of the NIC (``None``: the model's default).
    oversubscription
        Bandwidth divisor above the non-blocking domain.
    nonblocking_gpus
        GPUs of the non-blocking domain (0: the whole cluster).
    pcie_only
        The GPUs of a node talk over PCIe only (no NVLink): ``nvlink_gb_s`` is then the PCIe
        link's rate, and the node's collectives are priced as NCCL's ring over a dual-socket
        PCIe server (:mod:`planner.perfmodel.comm`).
    """

    name: str
    memory_gib: float
    hbm_tb_s: float
    sms: int
    nvlink_gb_s: float
    nic_gbit_s: float
    gpus_per_node: int
    price_per_gpu_hour: float
    tflops: tuple[tuple[str, float], ...]
    aliases: tuple[str, ...] = ()
    architecture: str = ""
    usable_memory_gib: float | None = None
    runtime_memory_gib: float | None = None
    host_link_gb_s: float = 64.0
    interconnect: str = ""
    network: str = ""
    nic_efficiency: float | None = None
    oversubscription: float = 1.0
    nonblocking_gpus: int = 0
    pcie_only: bool = False

    def __post_init__(self) -> None:
        # TOML and JSON read nan / inf, which pass every comparison below
        tflops = ((f"tflops.{k}", v) for k, v in self.tflops)
        for key, value in (*((k, getattr(self, k)) for k in _FINITE_FIELDS), *tflops):
            if isinstance(value, float) and not math.isfinite(value):
                raise InputError(f"GPU {self.name}: field {key!r} must be finite, got {value!r}")
        for key in ("memory_gib", "hbm_tb_s", "nvlink_gb_s", "nic_gbit_s"):
            value = getattr(self, key)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise InputError(f"GPU {self.name}: field {key!r} must be positive, got {value!r}")
        if not isinstance(self.gpus_per_node, int) or self.gpus_per_node < 1:
            raise InputError(f"GPU {self.name}: field 'gpus_per_node' must be a positive integer")
        if self.price_per_gpu_hour < 0:
            raise InputError(f"GPU {self.name}: field 'price_per_gpu_hour' must be >= 0")
        if not self.tflops:
            raise InputError(f"GPU {self.name}: missing [tflops] table")
        if self.usable_memory_gib is not None and not 0 < self.usable_memory_gib <= 1.1 * (
            self.memory_gib
        ):
            raise InputError(
                f"GPU {self.name}: field 'usable_memory_gib' must be in (0, memory_gib]"
            )
        if self.runtime_memory_gib is not None and not 0 < self.runtime_memory_gib * GIB <= (
            self.usable_bytes
        ):
            raise InputError(
                f"GPU {self.name}: field 'runtime_memory_gib' must be in (0, usable_memory_gib]"
            )
        if self.host_link_gb_s <= 0:
            raise InputError(f"GPU {self.name}: field 'host_link_gb_s' must be positive")
        if self.nic_efficiency is not None and not 0 < self.nic_efficiency <= 1:
            raise InputError(f"GPU {self.name}: field 'nic_efficiency' must be in (0, 1]")
        if self.oversubscription < 1:
            raise InputError(f"GPU {self.name}: field 'oversubscription' must be >= 1")
        if self.nonblocking_gpus < 0:
            raise InputError(f"GPU {self.name}: field 'nonblocking_gpus' must be >= 0")
        if not isinstance(self.pcie_only, bool):
            raise InputError(f"GPU {self.name}: field 'pcie_only' must be true or false")

    # Bytes and bytes per second, one direction.
    @property
    def memory_bytes(self) -> float:
        """HBM capacity in bytes."""
        return self.memory_gib * GIB

    @property
    def usable_bytes(self) -> float:
        """Capacity the driver reports, bytes (the datasheet capacity when none is known)."""
        gib = self.memory_gib if self.usable_memory_gib is None else self.usable_memory_gib
        return gib * GIB

    @property
    def runtime_bytes(self) -> float:
        """Total the CUDA runtime reports to a process, bytes (what serving engines size their
        KV cache from; the driver's capacity when no figure is known)."""
        if self.runtime_memory_gib is None:
            return self.usable_bytes
        return self.runtime_memory_gib * GIB

    @property
    def host_bw(self) -> float:
        """GPU-host bandwidth per direction, bytes/s."""
        return self.host_link_gb_s * 1e9 / 2

    @property
    def hbm_bw(self) -> float:
        """HBM bandwidth, bytes/s."""
        return self.hbm_tb_s * 1e12

    @property
    def nvlink_bw(self) -> float:
        """NVLink bandwidth per GPU per direction, bytes/s."""
        return self.nvlink_gb_s * 1e9 / 2

    @property
    def nic_bw(self) -> float:
        """Scale-out bandwidth per GPU per direction, bytes/s."""
        return self.nic_gbit_s * 1e9 / 8

    def supports(self, precision: str | Precision) -> bool:
        """True when the GPU has a tensor-core peak for ``precision``."""
        return get_precision(precision).tflops_key in dict(self.tflops)

    def peak_flops(self, precision: str | Precision = "bf16") -> float:
        """Dense tensor-core peak in FLOP/s for ``precision``.

        Raises
        ------
        InputError
            The GPU has no tensor-core support for that precision.
        """
        prec = get_precision(precision)
        table = dict(self.tflops)
        if prec.tflops_key not in table:
            raise InputError(
                f"GPU {self.name} does not support {prec.name} "
                f"(supported: {', '.join(sorted(table))})"
            )
        return table[prec.tflops_key] * 1e12

    def to_dict(self) -> dict[str, Any]:
        """Plain data (the TOML fields)."""
        out = {k: getattr(self, k) for k in _GPU_FIELDS}
        out["tflops"] = dict(self.tflops)
        out["aliases"] = list(self.aliases)
        out["architecture"] = self.architecture
        for key, default in _GPU_OPTIONAL.items():
            value = getattr(self, key)
            if value != default:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "GPU") -> GpuSpec:
        """Build from TOML/JSON fields; ``base = "H100"`` inherits from a catalog GPU."""
        data = dict(data)
        if "base" in data:
            base = get_gpu(str(data.pop("base"))).to_dict()

            def restated(key: str) -> bool:  # a field given with another value than the base's
                return key in data and data[key] != base.get(key)

            if restated("memory_gib") and "usable_memory_gib" not in data:
                base.pop("usable_memory_gib", None)  # the driver figure belongs to the base part
            own_memory = restated("memory_gib") or restated("usable_memory_gib")
            if own_memory and "runtime_memory_gib" not in data:
                base.pop("runtime_memory_gib", None)  # so does the runtime's
            base.update(data)
            if "name" not in data:
                base["name"] = f"{base['name']}*"
            data = base
        missing = [k for k in (*_GPU_FIELDS, "tflops") if k not in data]
        if "gpus_per_node" in missing:
            data["gpus_per_node"] = 8
            missing.remove("gpus_per_node")
        if "sms" in missing:
            data["sms"] = 132
            missing.remove("sms")
        if "price_per_gpu_hour" in missing:
            data["price_per_gpu_hour"] = 0.0
            missing.remove("price_per_gpu_hour")
        if missing:
            raise InputError(f"{where}: missing field {missing[0]!r}")
        check_table(
            data, where, {*_GPU_FIELDS, *_GPU_OPTIONAL, "tflops", "aliases", "architecture"}
        )
        _check_kinds(data, where)
        tflops = data["tflops"]
        if not isinstance(tflops, Mapping):
            raise InputError(f"{where}: field 'tflops' must be a table of precision = TFLOPS")
        for key, value in tflops.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise InputError(f"{where}: tflops.{key} must be positive, got {value!r}")
        if "bf16" not in tflops:
            # an fp8-only table failed deep in the step model, "GPU X does not support bf16",
            # even with --precision fp8 (s31user)
            raise InputError(
                f"{where}: missing field 'tflops.bf16' (every precision runs attention in bf16, "
                "and MFU is reported against the bf16 peak)"
            )
        # outside the try: its InputError is a ValueError, which the handler below would
        # prefix with the file a second time
        pcie_only = _flag(data.get("pcie_only", False), "pcie_only", where)
        name = text_field(data, "name", "", where, nonempty=True)  # name = 5 was read as "5"
        architecture = text_field(data, "architecture", "", where)  # true was "True"
        try:
            return cls(
                name=name,
                memory_gib=float(data["memory_gib"]),
                hbm_tb_s=float(data["hbm_tb_s"]),
                sms=int(data["sms"]),
                nvlink_gb_s=float(data["nvlink_gb_s"]),
                nic_gbit_s=float(data["nic_gbit_s"]),
                gpus_per_node=int(data["gpus_per_node"]),
                price_per_gpu_hour=float(data["price_per_gpu_hour"]),
                tflops=tuple(sorted((str(k), float(v)) for k, v in tflops.items())),
                aliases=tuple(str(a) for a in data.get("aliases", ())),
                architecture=architecture,
                usable_memory_gib=None
                if data.get("usable_memory_gib") is None
                else float(data["usable_memory_gib"]),
                runtime_memory_gib=None
                if data.get("runtime_memory_gib") is None
                else float(data["runtime_memory_gib"]),
                host_link_gb_s=float(data.get("host_link_gb_s", 64.0)),
                interconnect=str(data.get("interconnect", "")),
                network=str(data.get("network", "")),
                nic_efficiency=None
                if data.get("nic_efficiency") is None
                else float(data["nic_efficiency"]),
                oversubscription=float(data.get("oversubscription", 1.0)),
                nonblocking_gpus=int(data.get("nonblocking_gpus", 0)),
                pcie_only=pcie_only,
            )
        except (TypeError, ValueError) as exc:
            raise InputError(f"{where}: {exc}") from None


def _flag(value: Any, key: str, where: str) -> bool:
    """A TOML boolean field's value, or :class:`InputError` naming ``key``."""
    if not isinstance(value, bool):
        raise InputError(f"{where}: field {key!r} must be true or false, got {value!r}")
    return value


#: Integer fields of a GPU table and their least value (``int()`` cut 1.5 to 1, ``true`` read
#: as 1, and ``inf`` raised OverflowError: s17audit).
_INT_FIELDS = {"sms": 1, "gpus_per_node": 1, "nonblocking_gpus": 0}


def _whole_at_least(value: float, least: int) -> bool:
    """Whether the number ``value`` is a finite whole number >= ``least``."""
    return math.isfinite(value) and value == int(value) and value >= least


def _check_kinds(data: Mapping[str, Any], where: str) -> None:
    """:class:`InputError` naming the first numeric field of a GPU table that is not a number
    (a bool, a string) or, for :data:`_INT_FIELDS`, not an integer at least its least value."""
    for key in (*_FINITE_FIELDS, *_INT_FIELDS):
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{where}: field {key!r} must be a number, got {value!r}")
        least = _INT_FIELDS.get(key)
        if least is not None and not _whole_at_least(value, least):
            raise InputError(f"{where}: field {key!r} must be an integer >= {least}, got {value!r}")


#: Real-valued fields of :class:`GpuSpec` (with its ``tflops`` values, checked finite).
_FINITE_FIELDS = (
    "memory_gib",
    "hbm_tb_s",
    "nvlink_gb_s",
    "nic_gbit_s",
    "price_per_gpu_hour",
    "usable_memory_gib",
    "runtime_memory_gib",
    "host_link_gb_s",
    "nic_efficiency",
    "oversubscription",
)


#: Most GPUs of one pool: 2^24, far above any cluster built, and small enough that the
#: searches' numpy arithmetic on counts stays in int64 (a count of 1e30 in a cluster TOML
#: raised OverflowError in the heterogeneous search: s27bad).
MAX_POOL_GPUS = 1 << 24


@dataclass(frozen=True)
class Pool:
    """Identical GPUs with the same node size and NIC speed.

    Attributes
    ----------
    gpu
        The GPU type (with any per-pool overrides already applied).
    count
        Number of GPUs.
    name
        Pool label (defaults to the GPU name).
    """

    gpu: GpuSpec
    count: int
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.count, int) or isinstance(self.count, bool) or self.count < 1:
            raise InputError(f"pool {self.label}: field 'count' must be a positive integer")
        if self.count > MAX_POOL_GPUS:
            raise InputError(
                f"pool {self.label}: field 'count' {self.count} is above {MAX_POOL_GPUS:,} GPUs"
            )

    @property
    def label(self) -> str:
        """Pool name, or the GPU name."""
        return self.name or self.gpu.name

    @property
    def gpus_per_node(self) -> int:
        """NVLink domain size (never more than the pool)."""
        return min(self.gpu.gpus_per_node, self.count)

    @property
    def price_per_hour(self) -> float:
        """USD per hour for the whole pool."""
        return self.count * self.gpu.price_per_gpu_hour

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"name": self.label, "count": self.count, "gpu": self.gpu.to_dict()}


@dataclass(frozen=True)
class ClusterSpec:
    """A cluster: one or more pools.

    Attributes
    ----------
    pools
        The pools, in the order given.
    name
        Label.
    inter_pool_gbit_s
        Per-GPU bandwidth between pools (Gb/s); ``None`` means the slower of
        the two pools' NICs.
    """

    pools: tuple[Pool, ...]
    name: str = ""
    inter_pool_gbit_s: float | None = field(default=None)

    def __post_init__(self) -> None:
        if not self.pools:
            raise InputError("cluster: no pool given")
        labels = [p.label for p in self.pools]
        if len(set(labels)) != len(labels):
            dup = next(x for x in labels if labels.count(x) > 1)
            raise InputError(f"cluster: pool name {dup!r} used twice (give pools distinct names)")
        inter = self.inter_pool_gbit_s
        if inter is not None and not (math.isfinite(inter) and inter > 0):
            raise InputError(f"cluster: inter_pool_gbit_s must be positive, got {inter!r}")

    @property
    def total_gpus(self) -> int:
        """GPUs over all pools."""
        return sum(p.count for p in self.pools)

    @property
    def homogeneous(self) -> bool:
        """One pool (or several of the same GPU, node size and NIC)."""
        return len({p.gpu for p in self.pools}) == 1

    @property
    def gpu(self) -> GpuSpec:
        """The GPU of a homogeneous cluster."""
        if not self.homogeneous:
            raise ValueError("heterogeneous cluster has no single GPU type")
        return self.pools[0].gpu

    @property
    def price_per_hour(self) -> float:
        """USD per hour for the whole cluster."""
        return sum(p.price_per_hour for p in self.pools)

    def inter_pool_bw(self) -> float:
        """Bytes/s per GPU per direction between pools."""
        if self.inter_pool_gbit_s is not None:
            return self.inter_pool_gbit_s * 1e9 / 8
        return min(p.gpu.nic_bw for p in self.pools)

    def merged(self) -> ClusterSpec:
        """Pools of identical GPUs merged into one (a homogeneous cluster becomes one pool)."""
        if len(self.pools) == 1 or not self.homogeneous:
            return self
        pool = Pool(self.pools[0].gpu, self.total_gpus, self.pools[0].label)
        return ClusterSpec((pool,), self.name, self.inter_pool_gbit_s)

    def describe(self) -> str:
        """Short label such as ``1024xH100-SXM`` or ``512xH100-SXM + 512xA100-80GB``."""
        return " + ".join(f"{p.count}x{p.label}" for p in self.pools)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {
            "name": self.name or self.describe(),
            "pools": [p.to_dict() for p in self.pools],
            "inter_pool_gbit_s": self.inter_pool_gbit_s,
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, where: str = "cluster", base: Path | None = None
    ) -> ClusterSpec:
        """Build from the TOML layout described in the module docstring (or :meth:`to_dict`);
        a pool's ``gpu = "my_gpu.toml"`` is read relative to ``base`` (the cluster file's
        folder) when that file exists there."""
        if not isinstance(data, Mapping):
            raise InputError(f"{where}: expected a table")
        pools_raw = data.get("pool", data.get("pools"))
        if (
            not isinstance(pools_raw, Sequence)
            or isinstance(pools_raw, (str, bytes))
            or not pools_raw
        ):
            raise InputError(f"{where}: needs at least one [[pool]] table")
        pools = []
        for i, raw in enumerate(pools_raw):
            pools.append(_pool_from_dict(raw, where=f"{where}: pool[{i}]", base=base))
        inter = data.get("inter_pool_gbit_s")
        if inter is not None and (not isinstance(inter, (int, float)) or isinstance(inter, bool)):
            raise InputError(f"{where}: inter_pool_gbit_s must be a number")
        extra = set(data) - {"pool", "pools", "name", "inter_pool_gbit_s", "network"}
        if extra:
            raise InputError(f"{where}: unknown field {sorted(extra)[0]!r}")
        name = text_field(data, "name", "", where, nonempty=True)  # name = 5 was read as "5"
        try:  # pool names used twice, a bad inter_pool_gbit_s: name the file too
            cluster = cls(tuple(pools), name, None if inter is None else float(inter))
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
        if data.get("network") is not None:
            cluster = with_network(cluster, data["network"])
        return cluster


@dataclass(frozen=True)
class Network:
    """A scale-out fabric of the catalog (see the module notes for the sources).

    Attributes
    ----------
    name
        Catalog name (``ib-ndr``, ``roce-400``, ...).
    gbit_s
        Line rate per GPU, Gb/s.
    kind
        ``InfiniBand`` or ``RoCE``.
    source
        Where the rate comes from.
    """

    name: str
    gbit_s: float
    kind: str
    source: str


NETWORKS: dict[str, Network] = {
    n.name: n
    for n in (
        Network("ib-hdr", 200, "InfiniBand", "DGX A100 user guide; Azure NDm A100 v4"),
        Network("ib-ndr", 400, "InfiniBand", "DGX H100 datasheet; MLPerf system files"),
        Network("ib-xdr", 800, "InfiniBand", "ConnectX-8 SuperNIC, 800 Gb/s"),
        Network("roce-200", 200, "RoCE", "MegaScale (NSDI'24): 8 x 200G NICs per server"),
        Network("roce-400", 400, "RoCE", "Llama 3 (arXiv 2407.21783): 400 Gb/s RoCE per GPU"),
    )
}
TOPOLOGIES = ("fat-tree", "rail-optimized")
_NETWORK_KEYS = (
    "fabric",
    "nic_gbit_s",
    "topology",
    "oversubscription",
    "nonblocking_gpus",
    "nic_efficiency",
)


def network_overrides(spec: str | Mapping[str, Any], *, where: str = "network") -> dict[str, Any]:
    """GPU fields a network description sets: a catalog name or a ``[network]`` table.

    ``fabric`` names a :data:`NETWORKS` entry (its rate unless ``nic_gbit_s`` is given);
    ``topology`` is ``fat-tree`` or ``rail-optimized``; ``oversubscription`` and
    ``nonblocking_gpus`` describe the layer above the non-blocking domain.
    """
    if isinstance(spec, str):
        spec = {"fabric": spec}
    data = dict(check_table(spec, where, _NETWORK_KEYS))
    out: dict[str, Any] = {}
    label = []
    fabric = data.get("fabric")
    if fabric is not None:
        key = str(fabric).lower()
        if key not in NETWORKS:
            raise unknown_name("network", str(fabric), NETWORKS)
        out["nic_gbit_s"] = NETWORKS[key].gbit_s
        label.append(key)
    if data.get("nic_gbit_s") is not None:
        value = data["nic_gbit_s"]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise InputError(f"{where}: nic_gbit_s must be a positive number")
        out["nic_gbit_s"] = float(value)
    topology = str(data.get("topology", "fat-tree"))
    if topology not in TOPOLOGIES:
        raise InputError(f"{where}: topology must be one of {', '.join(TOPOLOGIES)}")
    label.append(topology)
    for key, kind in (
        ("oversubscription", float),
        ("nonblocking_gpus", int),
        ("nic_efficiency", float),
    ):
        if data.get(key) is not None:
            value = data[key]
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise InputError(f"{where}: {key} must be a number")
            if kind is int and not _whole_at_least(value, 0):
                # int() raised on nan / inf and cut 1.5 to 1 (s17audit)
                raise InputError(f"{where}: {key} must be an integer >= 0, got {value!r}")
            out[key] = kind(value)
    out["network"] = "/".join(label)
    return out


def with_network(cluster: ClusterSpec, spec: str | Mapping[str, Any]) -> ClusterSpec:
    """``cluster`` with every pool's GPUs on the network ``spec`` (see :func:`network_overrides`)."""
    over = network_overrides(spec)
    pools = tuple(
        Pool(GpuSpec.from_dict({**p.gpu.to_dict(), **over}, where="network"), p.count, p.name)
        for p in cluster.pools
    )
    return ClusterSpec(pools, cluster.name, cluster.inter_pool_gbit_s)


def pool_gpu_file(name: str, base: Path | None) -> str:
    """Where a pool's ``gpu = "my_gpu.toml"`` is read: beside the cluster file (``base``)
    when it exists there, as a trace or a length histogram named in a problem file is; else
    as given (relative to the working directory, as before). It was read from the working
    directory only, so a cluster file naming its sibling GPU table failed anywhere else
    ("no such file"; s17audit)."""
    path = Path(name)
    if base is not None and not path.is_absolute() and (base / path).is_file():
        return str(base / path)
    return name


def _pool_from_dict(raw: Any, *, where: str, base: Path | None = None) -> Pool:
    known = {"gpu", "count", "name", "gpus_per_node", "nic_gbit_s", "price_per_gpu_hour"}
    raw = check_table(raw, where, known, required=("gpu", "count"))
    gpu_raw = raw["gpu"]
    if isinstance(gpu_raw, str) and gpu_raw.strip().lower().endswith(".toml"):
        gpu_raw = pool_gpu_file(gpu_raw.strip(), base)
    if isinstance(gpu_raw, str):
        try:
            gpu = get_gpu(gpu_raw)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
    elif isinstance(gpu_raw, Mapping):
        gpu = GpuSpec.from_dict(gpu_raw, where=f"{where}.gpu")
    else:
        raise InputError(f"{where}: field 'gpu' must be a name or a table")
    overrides = {
        k: raw[k] for k in ("gpus_per_node", "nic_gbit_s", "price_per_gpu_hour") if k in raw
    }
    for key, value in overrides.items():
        if (
            not isinstance(value, (int, float))
            or isinstance(value, bool)
            or not math.isfinite(value)  # TOML reads nan and inf
            or value < 0
        ):
            raise InputError(f"{where}: field {key!r} must be a non-negative number, got {value!r}")
    if overrides:
        gpu = GpuSpec.from_dict({**gpu.to_dict(), **overrides}, where=where)
    count = raw["count"]
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise InputError(f"{where}: field 'count' must be a positive integer, got {count!r}")
    if count > MAX_POOL_GPUS:
        raise InputError(f"{where}: field 'count' {count} is above {MAX_POOL_GPUS:,} GPUs")
    return Pool(gpu, count, text_field(raw, "name", "", where, nonempty=True))


# ---------------------------------------------------------------------------
# Catalog
# ---------------------------------------------------------------------------


#: Architectures the catalogue's NVIDIA GPUs (and older NVIDIA data-centre parts) name; AMD's
#: are the ``CDNA*`` ones. A GPU naming any other architecture has no known vendor.
NVIDIA_ARCHITECTURES = ("Volta", "Turing", "Ampere", "Ada", "Hopper", "Blackwell")


def known_vendor(architecture: str) -> str | None:
    """``AMD`` (``CDNA*``), ``NVIDIA`` (:data:`NVIDIA_ARCHITECTURES`) or ``None`` (another name,
    or none: a user's GPU of an architecture the model does not know)."""
    if architecture.upper().startswith("CDNA"):
        return "AMD"
    return "NVIDIA" if architecture in NVIDIA_ARCHITECTURES else None


def vendor_of(architecture: str) -> str:
    """``AMD`` for CDNA architectures, else ``NVIDIA`` (the catalogue's two vendors; an unknown
    architecture counts as NVIDIA here, :func:`known_vendor` tells them apart).

    Parameters
    ----------
    architecture
        A :attr:`GpuSpec.architecture` (``Hopper``, ``CDNA3``, ...; empty for a user's GPU
        that names none).

    Returns
    -------
    str
        ``"AMD"`` or ``"NVIDIA"``.
    """
    return known_vendor(architecture) or "NVIDIA"


def catalog_dir() -> Path:
    """Folder of the bundled GPU files (``models/hardware``)."""
    return models_dir() / "hardware"


@functools.lru_cache(maxsize=1)
def gpu_catalog() -> dict[str, GpuSpec]:
    """Catalog GPUs by canonical name."""
    out = {}
    for path in sorted(catalog_dir().glob("*.toml")):
        spec = GpuSpec.from_dict(read_toml(path), where=str(path))
        out[spec.name] = spec
    return out


def _key(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def gpu_names() -> list[str]:
    """Canonical names and aliases of the catalog GPUs."""
    names = []
    for spec in gpu_catalog().values():
        names.append(spec.name)
        names.extend(spec.aliases)
    return names


def get_gpu(name: str | GpuSpec) -> GpuSpec:
    """Look up a catalog GPU by name or alias (case and punctuation ignored).

    Raises
    ------
    InputError
        Unknown name; the message lists the closest catalog names.
    """
    if isinstance(name, GpuSpec):
        return name
    if str(name).strip().lower().endswith(".toml"):  # a GPU table of the catalog's format
        path = str(name).strip()
        data = read_toml(path)
        if "pool" in data and "name" not in data:  # was "missing field 'name'"
            raise InputError(f"{path}: a cluster TOML, not a GPU table: give it as --gpus {path}")
        return GpuSpec.from_dict(data, where=path)
    key = _key(str(name))
    for spec in gpu_catalog().values():
        if key == _key(spec.name) or any(key == _key(a) for a in spec.aliases):
            return spec
    raise unknown_name("GPU", str(name), gpu_names())


_COUNT_NAME = re.compile(r"^\s*(\d+)\s*[x*×]\s*([A-Za-z][\w.\-]*)\s*$")
_NAME_COUNT = re.compile(r"^\s*([A-Za-z][\w.\-]*?)\s*(?:[:x*×])\s*(\d+)\s*$")
#: ``64xmy_gpu.toml`` / ``my_gpu.toml:64``: a user's GPU table where a catalog name goes.
_COUNT_FILE = re.compile(r"^\s*(\d+)\s*[x*×]\s*(\S+\.toml)\s*$", re.IGNORECASE)
_FILE_COUNT = re.compile(r"^\s*(\S+\.toml)\s*:\s*(\d+)\s*$", re.IGNORECASE)


def inventory_files(text: str) -> list[Path]:
    """Existing files an inventory string names (the TOML itself, the GPU tables of
    ``COUNTxFILE`` / ``FILE:COUNT`` pools), for the never-overwrite-an-input check."""
    raw = str(text).strip()
    names = [raw]
    for part in raw.split(","):
        m = _COUNT_FILE.match(part) or _FILE_COUNT.match(part)
        if m is not None:
            names.append(m.group(2) if m.group(1).isdigit() else m.group(1))
    if raw.lower().endswith(".toml") and Path(raw).is_file():
        # the GPU tables a cluster file's pools name are inputs too
        try:
            pools = read_toml(raw).get("pool") or []
        except InputError:
            pools = []
        for pool in pools if isinstance(pools, list) else []:
            gpu = pool.get("gpu") if isinstance(pool, Mapping) else None
            if isinstance(gpu, str) and gpu.strip().lower().endswith(".toml"):
                names.append(pool_gpu_file(gpu.strip(), Path(raw).parent))
    return [Path(n) for n in names if Path(n).is_file()]


def check_string_count(who: str, part: str, count: int) -> None:
    """Refuse a pool count of a cluster string outside 1..:data:`MAX_POOL_GPUS`, naming it."""
    if count < 1:
        raise InputError(f"{who} {part.strip()!r}: GPU count must be positive")
    if count > MAX_POOL_GPUS:  # the Pool's own message named no flag
        raise InputError(f"{who} {part.strip()!r}: GPU count is above {MAX_POOL_GPUS:,}")


def parse_cluster(
    text: str | Path | Mapping[str, Any] | ClusterSpec,
    *,
    gpus_per_node: int | None = None,
    name: str = "gpus",
) -> ClusterSpec:
    """Parse ``1024xH100``, ``H100:16,A100:32``, a TOML file, or a mapping.

    Parameters
    ----------
    text
        The cluster description.
    gpus_per_node
        Override the node size of every pool (``--gpus-per-node``).
    name
        The caller's keyword for ``text`` (``planner.train.plan`` says ``cluster``), named
        in messages; ``--gpus`` on the command line.

    Raises
    ------
    InputError
        Malformed string, unknown GPU name (closest names listed) or bad TOML field.
    """
    who = validate.arg(name, "--gpus")
    if isinstance(text, ClusterSpec):
        cluster = text
    elif isinstance(text, Mapping):
        cluster = ClusterSpec.from_dict(text)
    else:
        raw = str(text).strip()
        counted = any(_COUNT_FILE.match(p) or _FILE_COUNT.match(p) for p in raw.split(","))
        if not counted and (
            raw.lower().endswith(".toml") or (Path(raw).suffix and Path(raw).is_file())
        ):
            data = read_toml(raw)
            if "pool" not in data and "pools" not in data and "tflops" in data:
                raise InputError(
                    f"{who} {raw}: a GPU table, not a cluster: give a count, e.g. 64x{raw}"
                )
            cluster = ClusterSpec.from_dict(data, where=raw, base=Path(raw).parent)
        else:
            pools = []
            for part in raw.split(","):
                if not part.strip():
                    raise InputError(f"{who} {raw!r}: empty pool in list")
                f = _COUNT_FILE.match(part) or _FILE_COUNT.match(part)
                if f is not None:
                    a, b = f.groups()
                    count, path = (int(a), b) if a.isdigit() else (int(b), a)
                    check_string_count(who, part, count)
                    pools.append(Pool(get_gpu(path), count))
                    continue
                m = _COUNT_NAME.match(part) or _NAME_COUNT.match(part)
                if m is None:
                    raise InputError(
                        f"{who} {part.strip()!r}: expected COUNTxGPU (1024xH100), GPU:COUNT "
                        "(H100:16,A100:32) or a TOML file"
                    )
                a, b = m.groups()
                count, gpu = (int(a), b) if a.isdigit() else (int(b), a)
                check_string_count(who, part, count)
                try:
                    spec = get_gpu(gpu)
                except InputError as exc:  # "unknown GPU 'H1OO'" named no flag
                    raise InputError(f"{who} {part.strip()!r}: {exc}") from None
                pools.append(Pool(spec, count))
            labels = [p.label for p in pools]
            if len(set(labels)) != len(labels):
                merged: dict[str, Pool] = {}
                for p in pools:
                    prev = merged.get(p.label)
                    merged[p.label] = p if prev is None else Pool(p.gpu, prev.count + p.count)
                pools = list(merged.values())
            cluster = ClusterSpec(tuple(pools))
    if gpus_per_node is not None:
        if gpus_per_node < 1:
            raise InputError(f"{validate.arg('gpus_per_node')} must be positive")
        cluster = ClusterSpec(
            tuple(
                Pool(replace(p.gpu, gpus_per_node=gpus_per_node), p.count, p.name)
                for p in cluster.pools
            ),
            cluster.name,
            cluster.inter_pool_gbit_s,
        )
    return cluster
