"""Markdown table of the s24readers configs: parameter counts against the cards, and the
brief's train / serve runs (out/verify.jsonl). Run: PYTHONPATH=. python table.py > table.md"""

from __future__ import annotations

import json
from pathlib import Path

from planner.perfmodel.readers import load_model

HERE = Path(__file__).parent
CONFIGS = Path(__file__).resolve().parents[3] / "tests" / "data" / "hf_configs_reconstructed"

#: Published sizes: (total, active or None, source). Cards as recalled (no network here).
CARDS = {
    "arctic": (480e9, 17e9, "Snowflake/snowflake-arctic-instruct card: 480B total, 17B active"),
    "dbrx": (132e9, 36e9, "databricks/dbrx-base card: 132B total, 36B active"),
    "deepseek-moe-16b": (16.4e9, 2.8e9, "deepseek-ai/deepseek-moe-16b-base card: 16.4B / 2.8B"),
    "exaone-3.5-7.8b": (7.8e9, None, "LGAI-EXAONE/EXAONE-3.5-7.8B-Instruct card: 7.8B"),
    "gemma-3-4b": (3.884e9, None, "Gemma 3 report arXiv 2503.19786 Table 1: 675M + 3,209M"),
    "glm-4-32b-0414": (32e9, None, "THUDM/GLM-4-32B-0414 card: 32B"),
    "glm-4-9b-chat-hf": (9.4e9, None, "THUDM/glm-4-9b-chat-hf model page: 9.4B"),
    "granite-3.0-3b-a800m": (3.3e9, None, "ibm-granite/granite-3.0-3b-a800m-base card: 3.3B"),
    "granite-3.1-8b": (8.1e9, None, "ibm-granite/granite-3.1-8b-instruct card: 8.1B"),
    "internlm2.5-7b": (7.74e9, None, "internlm/internlm2_5-7b-chat model page: 7.74B"),
    "ministral-8b": (8.02e9, None, "mistralai/Ministral-8B-Instruct-2410 card: 8.02B"),
    "mistral-small-3.1-24b": (24e9, None, "Mistral-Small-3.1-24B card: 24B (with its vision)"),
    "phi-3.5-moe": (41.9e9, 6.6e9, "microsoft/Phi-3.5-MoE-instruct card: 41.9B / 6.6B"),
}


def main() -> None:
    """Print the two tables."""
    print("| config | total (card) | active (card) | source |")
    print("|---|---|---|---|")
    for name, (total, active, src) in CARDS.items():
        spec = load_model(str(CONFIGS / f"{name}.json"))
        t = f"{spec.params_total / 1e9:.2f}B ({spec.params_total / total - 1:+.1%})"
        a = ""
        if active:
            a = f"{spec.params_active / 1e9:.2f}B ({spec.params_active / active - 1:+.1%})"
        print(f"| {name} | {t} | {a} | {src} |")
    print()
    print("| config | run | status | plan | objective | mem GiB | CPU s | wall s | checks |")
    print("|---|---|---|---|---|---|---|---|---|")
    for line in (HERE / "out" / "verify.jsonl").read_text().splitlines():
        r = json.loads(line)
        obj = f"{r['objective']:.3f}" if r.get("objective") is not None else ""
        mem = f"{r['mem_gib']:.1f}" if r.get("mem_gib") else ""
        run = f"{r['kind']} {r['cluster']}"
        checks = "; ".join(r.get("issues") or []) or "ok"
        plan = r.get("plan") or (r.get("reason") or "")[:60]
        print(
            f"| {r['model']} | {run} | {r['status']} | {plan} | {obj} | {mem} | "
            f"{r.get('cpu', '')} | {r.get('wall', '')} | {checks} |"
        )


if __name__ == "__main__":
    main()
