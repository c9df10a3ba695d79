"""How fast and how big: the performance model every LLM family plans with.

No solver code and no CLI here, and nothing from a family: families import
this package, never the other way round.

* :mod:`~planner.perfmodel.hardware` — GPUs, pools, clusters (each number with its source);
* :mod:`~planner.perfmodel.model_spec` — architectures, parameter and FLOP counts;
* :mod:`~planner.perfmodel.readers` — Hugging Face ``config.json`` and the model catalog;
* :mod:`~planner.perfmodel.precision` — bf16 / fp8 / fp4;
* :mod:`~planner.perfmodel.comm` — collectives inside and across nodes;
* :mod:`~planner.perfmodel.kernels` — GEMM, memory-bound and attention kernels;
* :mod:`~planner.perfmodel.memory` — weights, gradients, optimizer states, activations, KV cache;
* :mod:`~planner.perfmodel.layer` — one transformer layer's GEMMs and training cost;
* :mod:`~planner.perfmodel.stage` — one pipeline stage and one serving step, written once.
"""

from planner.perfmodel.hardware import ClusterSpec, GpuSpec, Pool, get_gpu, parse_cluster
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.precision import Precision, get_precision
from planner.perfmodel.readers import catalog_names, from_hf_config, load_model

__all__ = [
    "ClusterSpec",
    "GpuSpec",
    "ModelSpec",
    "Pool",
    "Precision",
    "catalog_names",
    "from_hf_config",
    "get_gpu",
    "get_precision",
    "load_model",
    "parse_cluster",
]
