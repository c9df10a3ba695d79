"""The families' plain-argument library entries (``planner.train.plan``, ``planner.serve.plan``,
``planner.seqpar.assign`` and their ``make_*``) with bad arguments: which exception?

Prints one row per call that raised something other than ValueError (InputError is one).
Run from the worktree: PYTHONPATH=. python bench/session_runs/s15bad/api_sweep.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate_sweep
from generate_sweep import sweep  # the same calls and rows (BAD values extended below)

generate_sweep.BAD = [*generate_sweep.BAD, [], {}]


if __name__ == "__main__":
    from planner.seqpar.api import make_instance
    from planner.serve.api import make_problem as serve_problem
    from planner.train.api import make_problem as train_problem

    sweep(
        "train.make_problem",
        train_problem,
        {"model": "gpt-1.7b", "cluster": "8xA100", "global_batch": 64, "seq_len": 1024},
        [
            "model",
            "cluster",
            "global_batch",
            "seq_len",
            "precision",
            "top_k",
            "prefer_simple",
            "gpus_per_node",
            "tp",
            "pp",
            "max_microbatch",
        ],
    )
    sweep(
        "serve.make_problem",
        serve_problem,
        {
            "model": "llama-3.1-8b",
            "gpus": "H100:2",
            "qps": 2,
            "prompt_tokens": 512,
            "output_tokens": 128,
        },
        [
            "model",
            "gpus",
            "qps",
            "prompt_tokens",
            "output_tokens",
            "ttft",
            "tpot",
            "percentile",
            "precision",
            "kv_precision",
            "prefix_hit_rate",
            "arrival_scv",
            "engine",
            "pricing",
        ],
    )
    sweep(
        "seqpar.make_instance",
        make_instance,
        {"lengths": [100, 2000, 300], "cluster": 16},
        ["lengths", "cluster", "model", "max_len", "gpu", "strategies", "name"],
    )
