"""HBM bytes of DeepSeek-V3's fine-grained fp8 quantization per MoE layer and microbatch,
counted from the report's data flow (arXiv 2412.19437 sections 3.3.2, 3.3.3, 3.5.2), against
the model's price for them and the profile's cast kernels.

Forward: each fp8 GEMM input is cast to 1 x 128 tiles once per token (read bf16 2 B, write
fp8 1 B; the routed experts' input once before the dispatch). Backward: the cached 1 x 128
input is read, dequantized, transposed and re-quantized to 128 x 1 for the weight gradient
(read 1 B, write 1 B; per routed copy for the experts), and the output gradient is cast twice
(1 x 128 for the data gradient, 128 x 1 for the weight gradient: 3 B + 3 B per element).
Scales (4 B per 128 elements) are left out.

    PYTHONPATH=. .venv/bin/python bench/session_runs/s18dsv3/casts.py
"""

from __future__ import annotations

from planner.perfmodel import constants
from planner.perfmodel.hardware import get_gpu


def main() -> None:
    h, k = 7168, 8  # hidden, routed experts per token
    q_lora, kv_lora, rope, heads, nope, v = 1536, 512, 64, 128, 128, 128
    moe_ffn, shared_ffn = 2048, 2048
    # GEMM (input width, output width, copies per token)
    gemms = {
        "q_a + kv_a (one input)": (h, q_lora + kv_lora + rope, 1),
        "q_b": (q_lora, heads * (nope + rope), 1),
        "kv_b": (kv_lora, heads * (nope + v), 1),
        "o": (heads * v, h, 1),
        "shared fc1": (h, 2 * shared_ffn, 1),
        "shared fc2": (shared_ffn, h, 1),
        "routed fc1": (h, 2 * moe_ffn, k),
        "routed fc2": (moe_ffn, h, k),
    }
    fwd = bwd = 0.0
    for name, (n_in, n_out, copies) in gemms.items():
        # the routed fc1 input is cast once per token (before the dispatch), the shared
        # fc1 shares it
        once = 0 if name == "shared fc1" else (h if name == "routed fc1" else n_in * copies)
        fwd += 3 * once
        bwd += 2 * n_in * copies + 6 * n_out * copies
    tokens = 4096
    per_layer = (fwd + bwd) * tokens
    gpu = get_gpu("H800")
    rate = gpu.hbm_bw * constants.FITTED["hbm_efficiency"]
    print(f"bytes per token: forward {fwd / 1e3:.1f} kB, backward {bwd / 1e3:.1f} kB")
    print(
        f"per MoE layer and 4,096-token microbatch: {per_layer / 1e9:.2f} GB, "
        f"{1e3 * per_layer / rate:.2f} ms at the fitted HBM rate ({rate / 1e12:.2f} TB/s)"
    )
    print(
        f"per 4-layer forward + backward pair: {4e3 * per_layer / rate:.1f} ms "
        f"(profile's cast kernels: 15.9 ms -> {4 * per_layer / 15.9e-3 / 1e12:.2f} TB/s)"
    )


if __name__ == "__main__":
    main()
