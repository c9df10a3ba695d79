"""The brief's train / serve checks through the library, with s24unseen's checks.

Each config in configs/ (but the refused ones) through ``plan train --gpus 8xH100 -B 64
-s 4096 -t 10`` and ``plan serve --gpus H100:8 --qps 2 --prompt-tokens 1000
--output-tokens 200 --ttft 2s --tpot 50ms -t 10`` (``--threads 1``), plus, for a model
whose training does not fit 8 H100s, one cluster large enough. The checks are s24unseen's
``train_row`` / ``serve_row`` (bench/session_runs/s24unseen/sweep.py): verify empty,
memory per GPU within the capacity, layouts dividing heads / KV heads / experts, bound <=
objective, causal MFU <= 60 %, wall within the limit. Prints one JSON line per run.
Run from the worktree: PYTHONPATH=. python bench/session_runs/s24readers/verify_runs.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
CONFIGS = Path(__file__).resolve().parents[3] / "tests" / "data" / "hf_configs_reconstructed"
sys.path.insert(0, str(HERE.parent / "s24unseen"))

from sweep import serve_row, train_row  # noqa: E402  (s24unseen's checks, reused as they are)

REFUSED = {"jamba-v0.1", "mamba-2.8b"}
#: Clusters for the models whose training needs more than 8 H100s (their 8xH100 answer is
#: INFEASIBLE with the memory named): the smallest power-of-two H100 count above the need.
LARGER = {"phi-3.5-moe": "16xH100", "dbrx": "64xH100", "arctic": "256xH100"}
SLO = {"qps": 2.0, "prompt_tokens": 1000, "output_tokens": 200, "ttft": "2s", "tpot": "50ms"}


def main() -> None:
    """One JSON line per run on stdout."""
    for path in sorted(CONFIGS.glob("*.json")):
        if path.stem in REFUSED:
            continue
        runs = [train_row(str(path), "8xH100", 64, 4096, t=10)]
        if path.stem in LARGER:
            runs.append(train_row(str(path), LARGER[path.stem], 64, 4096, t=10))
        runs.append(serve_row(str(path), "H100:8", t=10, **SLO))
        for row in runs:
            print(json.dumps(row, sort_keys=True, default=str), flush=True)


if __name__ == "__main__":
    main()
