"""Model shapes of ``planner gen offload --preset``, from the models' public config.json files.

Only MoE layers count (``layers``): a model whose first decoder layers are
dense (``first_k_dense_replace`` / ``n_dense_layers``) has that many fewer.
``budget`` is the default GPU expert slots per MoE layer, shared experts
included; ``stability`` the default adjacent-step routing cosine of the trace
generator; ``diffusion`` marks block-diffusion models (blocks of
``block_steps`` denoising steps) against autoregressive decode.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.core.errors import unknown_name
from planner.perfmodel.experts import expert_bytes


@dataclass(frozen=True)
class Preset:
    """A model shape with the generator's defaults for it."""

    name: str
    layers: int
    experts: int
    top_k: int
    shared_experts: int
    hidden: int
    moe_intermediate: int
    budget: int
    tokens: int
    stability: float
    diffusion: bool
    block_steps: int
    source: str

    @property
    def expert_bytes(self) -> int:
        """Bytes of one routed expert in BF16."""
        return expert_bytes(self.hidden, self.moe_intermediate, 2)


PRESETS: dict[str, Preset] = {
    # inclusionAI/LLaDA2.0-mini config.json (also model/config.json of github.com/ims-kdks/TIDE):
    # num_hidden_layers 20, first_k_dense_replace 1, num_experts 256, num_experts_per_tok 8,
    # num_shared_experts 1, hidden_size 2048, moe_intermediate_size 512. TIDE's eval.sh:
    # max_gpu_experts_per_layer=128 (routed; the shared expert stays on the GPU besides, so
    # 129 slots), block_length=32, steps=32; the paper reports adjacent-step cosine > 0.95.
    "llada2-mini": Preset(
        "llada2-mini",
        layers=19,
        experts=256,
        top_k=8,
        shared_experts=1,
        hidden=2048,
        moe_intermediate=512,
        budget=129,
        tokens=32,
        stability=0.95,
        diffusion=True,
        block_steps=32,
        source="huggingface.co/inclusionAI/LLaDA2.0-mini config.json; github.com/ims-kdks/TIDE eval.sh",
    ),
    # mistralai/Mixtral-8x7B-v0.1 config.json (models/llm/mixtral-8x7b.json): 32 layers,
    # num_local_experts 8, num_experts_per_tok 2, hidden 4096, intermediate 14336, no shared.
    "mixtral-8x7b": Preset(
        "mixtral-8x7b",
        layers=32,
        experts=8,
        top_k=2,
        shared_experts=0,
        hidden=4096,
        moe_intermediate=14336,
        budget=4,
        tokens=8,
        stability=0.9,
        diffusion=False,
        block_steps=0,
        source="huggingface.co/mistralai/Mixtral-8x7B-v0.1 config.json",
    ),
    # deepseek-ai/DeepSeek-V2-Lite config.json (= inference/configs/config_16B.json of
    # github.com/deepseek-ai/DeepSeek-V3): 27 layers, first_k_dense_replace 1, n_routed_experts 64,
    # n_shared_experts 2, num_experts_per_tok 6, hidden 2048, moe_intermediate_size 1408.
    "deepseek-v2-lite": Preset(
        "deepseek-v2-lite",
        layers=26,
        experts=64,
        top_k=6,
        shared_experts=2,
        hidden=2048,
        moe_intermediate=1408,
        budget=34,
        tokens=8,
        stability=0.8,
        diffusion=False,
        block_steps=0,
        source="huggingface.co/deepseek-ai/DeepSeek-V2-Lite config.json",
    ),
    # Qwen/Qwen1.5-MoE-A2.7B config.json: 24 layers, num_experts 60, num_experts_per_tok 4,
    # hidden 2048, moe_intermediate_size 1408, shared_expert_intermediate_size 5632 = 4 experts'
    # worth (Qwen's blog: 4 shared + 60 routed experts).
    "qwen-moe": Preset(
        "qwen-moe",
        layers=24,
        experts=60,
        top_k=4,
        shared_experts=4,
        hidden=2048,
        moe_intermediate=1408,
        budget=34,
        tokens=8,
        stability=0.8,
        diffusion=False,
        block_steps=0,
        source="huggingface.co/Qwen/Qwen1.5-MoE-A2.7B config.json",
    ),
}


def preset(name: str) -> Preset:
    """Look up a preset by name (``InputError`` with the closest names otherwise)."""
    if name not in PRESETS:
        raise unknown_name("offload preset", name, PRESETS)
    return PRESETS[name]
