"""Parameter totals of hand-written HF configs against the model cards' figures."""

from pathlib import Path

from planner.core.errors import InputError
from planner.perfmodel.readers import load_model

HERE = Path(__file__).parent / "inputs" / "models"
# public figures: model card / paper parameter counts (total, active), billions
CARD = {
    "phi-3-mini-4k": (3.82, None),  # Phi-3 report: 3.8B
    "mistral-nemo": (12.25, None),  # Mistral-Nemo card: 12B (12,247,782,400 safetensors)
    "deepseek-v2-lite": (15.7, 2.4),  # DeepSeek-V2-Lite card
    "deepseek-v2": (236, 21),  # DeepSeek-V2 paper
    "olmoe-1b-7b": (6.92, 1.28),  # OLMoE paper: 6.9B total, 1.3B active
    "gemma-7b": (8.54, None),  # Gemma report: 8.54B incl. embeddings
    "gemma-2-9b": (9.24, None),  # Gemma 2 report: 9.24B
    "qwen2.5-3b": (3.09, None),  # Qwen2.5 card: 3.09B
    "llama-3.2-1b": (1.24, None),  # Llama 3.2 card: 1.23B
    "mixtral-8x22b": (140.6, 39.1),  # Mistral: 141B total, 39B active
    "qwen1.5-moe-a2.7b": (14.3, 2.7),  # Qwen1.5-MoE card: 14.3B, 2.7B active
}
for path in sorted(HERE.glob("*.json")):
    try:
        m = load_model(str(path))
    except InputError as exc:
        print(f"{path.stem:20s} InputError: {exc}")
        continue
    total, active = CARD.get(path.stem, (None, None))
    t, a = m.params_total / 1e9, m.params_active / 1e9
    et = f"{(t / total - 1) * 100:+.1f}%" if total else "-"
    ea = f"{(a / active - 1) * 100:+.1f}%" if active else "-"
    print(
        f"{path.stem:20s} total {t:8.2f}B (card {total}, {et})  active {a:7.2f}B (card {active}, {ea})  "
        f"head_dim={m.head_dim} tied={m.tied_embeddings} window={m.sliding_window} full={m.full_attention_layers}"
    )
