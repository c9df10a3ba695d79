"""FlexSP's published cost-model constants as presets.

Source: Wang et al., "Data-Centric and Heterogeneity-Adaptive Sequence
Parallelism for Efficient LLM Training" (FlexSP, ASPLOS'25, arXiv 2412.01523)
and its solver (PKU-DAIR/Hetu-Galvatron, branch ``flexsp``,
``galvatron/flexsp_solver/solver.py``). Times are in ms; the cluster is
8 A100-40GB per node with a 30 GB memory limit per GPU.

* ``α₁ / α₂ / β₁`` (ms/token², ms/token, ms): 7B 5.128e-6 / 0.18396 / 629.36,
  13B 9.285e-6 / 0.30602 / 1132.6, 30B 15.43e-6 / 0.80357 / 2789.4.
* all-to-all volume ``4·2·layers·hidden·s·2`` bytes / d per GPU; bandwidth by
  group size {2: 119.5, 4: 104.1, 8: 96.5, 16: 10.3, 32: 5.9, 64: 4.9} GB/s
  (1 GB = 2^30 bytes), the 64 value holding for larger groups; ``β₂ = 0``.
* model states 16 bytes per parameter, sharded over all GPUs (ZeRO-3), in
  FlexSP's units (1 GB = 1024 MB): 7B holds 7 × 16 GB.
* activation memory per token (divided by ``d``): 7B 4.71 MB (the cost
  model's default, as the issue states); 13B 4.2204 MB and 30B 3.4174 MB from
  the solver's per-model table (which lists 4.4804 MB for 7B).
* layers / hidden: 7B 32 / 4096, 13B 40 / 5120, 30B 60 / 6656 (solver table).

FlexSP's cost model has no attention-head limit on the SP degree, and the
presets follow it. With the 7B preset on 64 GPUs one GPU holds
``⌊(30,720 − 1,792) / 4.71⌋ = 6,141`` tokens, 32 GPUs hold 196,512 — just
short of a 196,608-token (192K) context, which therefore needs ``d = 64``.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.core.errors import unknown_name
from planner.seqpar.costmodel import Cluster, CostModel

#: All-to-all bandwidth (GB/s, 2^30 bytes) by SP group size on 8×A100 nodes with 2 IB NICs.
FLEXSP_ALLTOALL_GB_S = {2: 119.5, 4: 104.1, 8: 96.5, 16: 10.3, 32: 5.9, 64: 4.9}
#: Memory limit per GPU, MB (30 GB, 1 GB = 1024 MB).
FLEXSP_MEMORY_MB = 30 * 1024
FLEXSP_GPUS_PER_NODE = 8
#: Model-state bytes per parameter (bf16 weights and gradients, fp32 Adam states and master weights).
BYTES_PER_PARAM = 16


@dataclass(frozen=True)
class Preset:
    """One published model: its cost coefficients and the cluster it was measured on."""

    name: str
    params_b: float
    layers: int
    hidden: int
    alpha1: float
    alpha2: float
    beta1: float
    activation_mb_per_token: float
    gpus_per_node: int = FLEXSP_GPUS_PER_NODE
    memory_mb: float = FLEXSP_MEMORY_MB

    def cost(self) -> CostModel:
        """The :class:`CostModel` of this preset."""
        return CostModel(
            name=self.name,
            alpha1=self.alpha1,
            alpha2=self.alpha2,
            beta1=self.beta1,
            beta2=0.0,
            a2a_bytes_per_token=alltoall_bytes_per_token(self.layers, self.hidden),
            alltoall_gb_s=dict(FLEXSP_ALLTOALL_GB_S),
            activation_mb_per_token=self.activation_mb_per_token,
            model_states_mb=self.params_b * BYTES_PER_PARAM * 1024,
            source="FlexSP (arXiv 2412.01523) published constants",
        )

    def cluster(self, gpus: int) -> Cluster:
        """``gpus`` A100-40GB in nodes of 8 with FlexSP's 30 GB limit."""
        return Cluster(gpus=gpus, gpus_per_node=self.gpus_per_node, memory_mb=self.memory_mb)


def alltoall_bytes_per_token(layers: int, hidden: int) -> int:
    """``α₃ = 4·2·layers·hidden·2`` bytes: 4 all-to-alls per layer, forward + backward, bf16."""
    return 4 * 2 * layers * hidden * 2


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("flexsp-7b", 7, 32, 4096, 5.128e-6, 0.18396, 629.36, 4.71),
        Preset("flexsp-13b", 13, 40, 5120, 9.285e-6, 0.30602, 1132.6, 4.220439453),
        Preset("flexsp-30b", 30, 60, 6656, 15.43e-6, 0.80357, 2789.4, 3.417381836),
    )
}

DEFAULT_PRESET = "flexsp-7b"


def find_preset(name: str) -> Preset | None:
    """The preset called ``name`` (``7b`` also works), or None."""
    key = str(name).lower()
    return PRESETS.get(key) or PRESETS.get(f"flexsp-{key}")


def get_preset(name: str) -> Preset:
    """Look up a preset by name (``flexsp-7b``, ``flexsp-13b``, ``flexsp-30b``; ``7b`` also works)."""
    found = find_preset(name)
    if found is None:
        raise unknown_name("seqpar preset", name, PRESETS)
    return found
