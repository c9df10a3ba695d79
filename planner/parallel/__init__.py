"""Deployment planner: TP/PP/DP/CP/EP plan selection for training and serving.

Shared building blocks (used by the training planner and the serving planner):

* :mod:`planner.parallel.model_spec` — :class:`ModelSpec` from Hugging Face ``config.json``;
* :mod:`planner.parallel.hardware` — :class:`GpuSpec`, :class:`ClusterSpec`, :func:`parse_cluster`;
* :mod:`planner.parallel.precision` — bf16 / fp8 / fp4;
* :mod:`planner.parallel.memory` — model states, activations, KV cache;
* :mod:`planner.parallel.costs` and :mod:`planner.parallel.comm` — compute and collective times.
"""

from planner.parallel.hardware import ClusterSpec, GpuSpec, Pool, get_gpu, parse_cluster
from planner.parallel.model_spec import ModelSpec, from_hf_config, load_model
from planner.parallel.precision import Precision, get_precision

__all__ = [
    "ClusterSpec",
    "GpuSpec",
    "ModelSpec",
    "Pool",
    "Precision",
    "from_hf_config",
    "get_gpu",
    "get_precision",
    "load_model",
    "parse_cluster",
]
