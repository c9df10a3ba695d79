"""Share of a TensorRT-LLM decode step the LM head takes, at 16 bits (s28lead) and at the
layers' FP8 width (main), for the overview rows' layouts (branch constants).

``PYTHONPATH=. .venv/bin/python bench/session_runs/s28rev/head_share.py``
"""

from __future__ import annotations

import numpy as np

from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.precision import get_precision
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig

LAYOUTS = (("llama-3.1-8b", "H100", 1), ("llama-3.1-8b", "H200", 1), ("llama-3.1-70b", "H100", 2))
LAYOUTS += (("llama-3.1-70b", "H200", 1),)


def main() -> None:
    """Print the decode step (ms) at a few batches with the head at 16 and at 8 bits."""
    engine = parse_engine("trtllm,kv=0.95")
    for name, gpu, tp in LAYOUTS:
        m = EngineModel(load_model(name), ReplicaConfig(get_gpu(gpu), tp), "fp8", engine=engine)
        for b in (16.0, 128.0, 512.0):
            wide = float(m.gpu_time(np.array([b]), b, 1500.0)[0][0])
            m.head_precision = m.attn_precision  # main's timing: the layers' FP8 width
            narrow = float(m.gpu_time(np.array([b]), b, 1500.0)[0][0])
            m.head_precision = get_precision("bf16")
            print(
                f"{name} {gpu} tp{tp} batch {b:.0f}: step {wide * 1e3:.3f} ms (head 16-bit) vs "
                f"{narrow * 1e3:.3f} ms (head FP8): +{(wide - narrow) * 1e3:.3f} ms "
                f"({wide / narrow - 1:+.2%})"
            )


if __name__ == "__main__":
    main()
