"""The families' plain-argument library entries (``planner.train.plan``, ``planner.serve.plan``,
``planner.seqpar.assign`` and their ``make_*``) with bad arguments: which exception?

Prints one row per call that raised something other than ValueError (InputError is one).
Run from the worktree: PYTHONPATH=. python bench/session_runs/s15bad/api_sweep.py
"""

from __future__ import annotations

import traceback
from pathlib import Path

BAD = [0, -1, float("nan"), float("inf"), "x", None, 1.5, 2**70, [], {}]


def where(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    return f"{Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else "?"


def sweep(label, func, base: dict, names: list[str]) -> None:
    for name in names:
        for value in BAD:
            try:
                func(**{**base, name: value})
            except ValueError:
                continue
            except Exception as exc:
                msg = " ".join(str(exc).split())[:110]
                print(
                    f"| {label}({name}={value!r}) | {type(exc).__name__} at {where(exc)} | {msg} |"
                )
                continue
            print(f"| {label}({name}={value!r}) | accepted | |", flush=True)


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
