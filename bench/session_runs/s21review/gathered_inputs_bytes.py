"""The s21titan journal's example (docs/perfmodel.md): Llama 3.1 8B, t 8, b 2, s 4096, sequence
parallelism, flash attention: saved bytes per layer without / with ``gathered_inputs`` and the
difference over the 32 layers (the journal said 7.0 GiB; its own formula 2 x 2 b s h (1 - 1/t)
gives 3.5 GiB, as does the code).

Usage: ``PYTHONPATH=. python bench/session_runs/s21review/gathered_inputs_bytes.py``
"""

from planner.perfmodel.memory import layer_activation_bytes
from planner.perfmodel.readers import load_model

model = load_model("llama-3.1-8b")
kw = dict(micro_batch=2, seq=4096, tp=8, sp=True, flash=True)
plain = layer_activation_bytes(model, **kw)
gathered = layer_activation_bytes(model, gathered_inputs=True, **kw)
formula = 2 * 2 * 2 * 4096 * model.hidden * (1 - 1 / 8)
print(f"per layer {plain / 2**30:.3f} -> {gathered / 2**30:.3f} GiB")
print(
    f"32 layers: +{(gathered - plain) * model.layers / 2**30:.2f} GiB (formula {formula * model.layers / 2**30:.2f})"
)
