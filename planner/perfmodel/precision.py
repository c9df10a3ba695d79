"""Numeric precisions: bytes per element and which peak-throughput figure applies.

``bf16`` is the default for weights, activations and KV cache; ``fp8`` halves
the bytes and doubles the tensor-core peak on Hopper and Blackwell; ``fp4``
(Blackwell only) halves them again. ``int4`` is a weight-only format (AWQ /
GPTQ, W4A16): 4-bit weights with one 16-bit scale and one 4-bit zero point per
group of 128 (``0.5 + 2.5 / 128`` bytes per weight), dequantized inside 16-bit
GEMMs (so the fp16 peak applies); it cannot hold a KV cache. ``fp8-mixed`` is Meta's FP8
checkpoint format of Llama 3.1 (``meta-llama/Llama-3.1-405B-FP8``): only the feed-forward
weights of layers 1 to n-2 are FP8 (rowwise scales), attention, the first and last layers and
the embeddings stay BF16 (Llama 3 paper, arXiv 2407.21783, section 6.2 "FP8 quantization";
llama-models' fp8 loader quantizes ``feed_forward.w1/w2/w3`` and skips ``layer_id == 0`` and
``n_layers - 1``); its KV cache is BF16 (see :attr:`Precision.ffn_only`). A GPU without a figure for a precision
cannot run it (A100 has no fp8): :func:`planner.perfmodel.hardware.GpuSpec.peak_flops`
raises ``InputError``.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.core.errors import unknown_name


@dataclass(frozen=True)
class Precision:
    """A storage/compute format.

    Attributes
    ----------
    name
        ``bf16``, ``fp16``, ``fp8`` or ``fp4``.
    bytes
        Bytes per element (0.5 for fp4; scale factors of block formats are
        folded in below 2 %, ignored).
    tflops_key
        Key of the GPU's ``[tflops]`` table giving the dense tensor-core peak.
    kv_cache
        Whether a KV cache may be stored in this format (weight-only formats may not).
    ffn_only
        Only the feed-forward (and expert) weights of the inner layers use this format;
        attention, the first and last layers, embeddings and LM head stay BF16.
    """

    name: str
    bytes: float
    tflops_key: str
    kv_cache: bool = True
    ffn_only: bool = False

    def __str__(self) -> str:
        return self.name


BF16 = Precision("bf16", 2.0, "bf16")
FP16 = Precision("fp16", 2.0, "fp16")
FP8 = Precision("fp8", 1.0, "fp8")
FP4 = Precision("fp4", 0.5, "fp4")
#: AWQ / GPTQ 4-bit weights, group size 128 (W4A16 kernels compute in fp16).
INT4 = Precision("int4", 0.5 + 2.5 / 128, "fp16", kv_cache=False)
#: Meta's mixed FP8 checkpoints: FP8 feed-forward weights of the inner layers only.
FP8_MIXED = Precision("fp8-mixed", 1.0, "fp8", kv_cache=False, ffn_only=True)

PRECISIONS: dict[str, Precision] = {p.name: p for p in (BF16, FP16, FP8, FP4, INT4, FP8_MIXED)}


def get_precision(name: str | Precision) -> Precision:
    """Look up a precision by name (``InputError`` listing the known ones otherwise)."""
    if isinstance(name, Precision):
        return name
    key = str(name).lower().replace("bfloat16", "bf16").replace("float16", "fp16")
    key = {"awq": "int4", "gptq": "int4", "w4a16": "int4"}.get(key, key)
    try:
        return PRECISIONS[key]
    except KeyError:
        raise unknown_name("precision", str(name), PRECISIONS) from None
