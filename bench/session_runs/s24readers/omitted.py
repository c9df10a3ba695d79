"""Parameter counts of released configs with fields removed that their transformers class
defaults (the silent cases on main): run once with main's planner on PYTHONPATH and once with
the branch's. Usage: PYTHONPATH=<planner> python omitted.py"""

from __future__ import annotations

import json
from pathlib import Path

from planner.core.errors import InputError
from planner.perfmodel.readers import from_hf_config

ROOT = Path(__file__).resolve().parents[3]
CASES = {
    "qwen3-30b-a3b w/o experts": (
        ROOT / "models/llm/qwen3-30b-a3b.json",
        ("num_experts", "num_experts_per_tok", "moe_intermediate_size"),
    ),
    "mixtral-8x7b w/o experts": (
        ROOT / "models/llm/mixtral-8x7b.json",
        ("num_local_experts", "num_experts_per_tok"),
    ),
    "gemma-2-27b w/o softcapping": (
        ROOT / "bench/session_runs/s24unseen/configs/gemma-2-27b.json",
        ("attn_logit_softcapping", "final_logit_softcapping"),
    ),
}


def main() -> None:
    """Print one line per case: total / active parameters and the warnings."""
    for name, (path, drop) in CASES.items():
        cfg = json.loads(path.read_text())
        cfg.pop("_planner", None)
        for key in drop:
            cfg.pop(key, None)
        try:
            spec = from_hf_config(cfg, name=name)
        except InputError as exc:
            print(f"{name}: InputError {exc}")
            continue
        print(
            f"{name}: {spec.params_total / 1e9:.2f}B total, {spec.params_active / 1e9:.2f}B "
            f"active, experts {spec.num_experts}, warnings {len(spec.approximations)}"
        )


if __name__ == "__main__":
    main()
