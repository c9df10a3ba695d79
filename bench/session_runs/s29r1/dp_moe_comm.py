"""Collectives of SGLang 0.4.3's DP attention + tensor-parallel MoE against the model's tp1 x ep8.

dstack's server (``--tp 8 --enable-dp-attention``, no ``--enable-ep-moe``) gathers every
group's hidden states before each layer's MLP / MoE (``all_gather`` in
``DeepseekV2DecoderLayer.forward``, 0.4.3.post2, padded to the largest group) and all-reduces
the MoE output over the 8 ranks (``tensor_model_parallel_all_reduce`` in
``DeepseekV2MoE.forward``); the model's tp1 x ep8 prices two all-to-alls of the routed tokens
per MoE layer. Prints both per step, priced with the model's own collective functions.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s29r1/dp_moe_comm.py
"""

from __future__ import annotations

import numpy as np

from planner.perfmodel import comm
from planner.perfmodel.hardware import get_gpu

ACT = 2  # BF16 hidden states
HIDDEN, LAYERS, MOE_LAYERS, TOP = 7168, 61, 58, 8


def main() -> None:
    gpu = get_gpu("H200")
    fabric = comm.fabric_of(gpu)
    for label, per_rank_max, total in (
        ("decode c4 (3.6 running)", 1, 3.6),
        ("decode c64 (47 running)", 6, 47.4),
        ("decode c128 (89 running)", 12, 88.9),
        ("prefill c4 wave (4 x 3200)", 3200, 12800),
    ):
        gathered = 8 * per_rank_max * HIDDEN * ACT  # padded to the largest group
        ag = comm.all_gather(gathered, 8, 8, fabric)
        ar = float(comm.one_shot_all_reduce(total * HIDDEN * ACT, 8, 8, fabric))
        sglang = LAYERS * (ag + ar)
        routed = per_rank_max * TOP * HIDDEN * ACT
        a2a = float(comm.all_to_all(np.array([routed]), 8, 8, fabric)[0])
        model = MOE_LAYERS * 2 * a2a
        print(
            f"{label}: SGLang 0.4.3 all-gather + all-reduce {sglang * 1e3:.2f} ms a step "
            f"(all-gather {LAYERS * ag * 1e3:.2f}, all-reduce {LAYERS * ar * 1e3:.2f}); "
            f"model tp1 x ep8 all-to-alls {model * 1e3:.2f} ms"
        )


if __name__ == "__main__":
    main()
