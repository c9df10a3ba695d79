"""LLM Foundry's MPT block under FSDP: saved bytes per layer and the FSDP buffers, from its code.

The derivation (llm-foundry @5e85bd62, Composer v0.17.2, torch 2.1) is in
``bench/session_runs/s20fsdp/derivation.md``: a Triton-attention MPT block saves
``32 s b h`` bytes (no dropout masks: every pdrop is 0), the FlashAttention-2 path
``34 s b h`` (unpad / pad copies); FSDP adds the back-propagated block's gradients and the
root unit's weights and gradient.
"""

from __future__ import annotations

import pytest

from planner.perfmodel.calibration.published import ROWS
from planner.perfmodel.hardware import Pool, get_gpu
from planner.perfmodel.memory import layer_activation_bytes
from planner.perfmodel.options import Software
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import TrainingStep, layer_memory, stage_cost, torch_fsdp_buffers
from planner.train.calibration import row_problem

MPT_7B = {
    "model_type": "mpt",
    "d_model": 4096,
    "n_layers": 32,
    "n_heads": 32,
    "expansion_ratio": 4,
    "vocab_size": 50368,
    "max_seq_len": 2048,
    "no_bias": True,
    "name": "mpt-7b-test",
}


def _step(software: Software, zero: int = 3, recompute: str = "none") -> TrainingStep:
    return TrainingStep(
        tp=1,
        pp=1,
        dp=8,
        model=load_model(MPT_7B),
        seq=2048,
        precision="bf16",
        microbatch=2,
        zero=zero,
        recompute=recompute,
        software=software,
    )


def test_triton_block_saves_32_sbh():
    """Triton path, dropouts at 0: 4 (norm inputs) + 2 + 6 + 2 (qkv GEMM input, q/k/v views
    of its output, the kernel's output = out_proj input) + 2 + 8 + 8 (MLP) = 32 s b h."""
    step = _step(Software(attention_kernel="triton", dropout_masks=False))
    kept, _ = layer_memory(step, False)
    assert kept == pytest.approx(32 * 2048 * 2 * 4096)


def test_flash2_unpadded_block_saves_34_sbh():
    """flash_attn_fn pads the varlen output back into a new tensor: 2 s b h more."""
    step = _step(Software(attention_kernel="fa2", dropout_masks=False, unpadded_attention=True))
    kept, _ = layer_memory(step, False)
    assert kept == pytest.approx(34 * 2048 * 2 * 4096)


def test_masks_default_kept():
    """The default (Megatron, dropout > 0) keeps Korthikanti's two 1-byte masks."""
    m = load_model(MPT_7B)
    kw = dict(micro_batch=1, seq=2048, tp=1, flash=True)
    with_masks = layer_activation_bytes(m, **kw)
    without = layer_activation_bytes(m, **kw, dropout_masks=False)
    assert with_masks - without == pytest.approx(2 * 2048 * 4096)


def test_full_recompute_keeps_block_input_and_works_at_32():
    step = _step(Software(attention_kernel="triton", dropout_masks=False), recompute="full")
    kept, work = layer_memory(step, False)
    assert kept == pytest.approx(2 * 2048 * 2 * 4096)
    assert work == pytest.approx(32 * 2048 * 2 * 4096)


def test_embedding_masks_follow_dropout():
    pool = Pool(get_gpu("H100"), 8, "H100")
    on = stage_cost(_step(Software()), pool, 32, 0, True, True).memory.logits
    off = stage_cost(_step(Software(dropout_masks=False)), pool, 32, 0, True, True).memory.logits
    assert on - off == pytest.approx(2 * 2048 * 4096)


@pytest.mark.parametrize("zero", [2, 3])
def test_torch_fsdp_buffers(zero):
    """Block gradient in bf16 + fp32 reduce copy; root weights (ZeRO-3) and root gradient."""
    pool = Pool(get_gpu("H100"), 8, "H100")
    base = Software(attention_kernel="triton", dropout_masks=False)
    plain = stage_cost(_step(base, zero), pool, 32, 0, True, True).memory.buffers
    fsdp = stage_cost(_step(base.with_(torch_fsdp=True), zero), pool, 32, 0, True, True)
    m = load_model(MPT_7B)
    unit = m.dense_layer_params()  # 12 h^2 + the two norms
    assert unit == pytest.approx(12 * 4096**2, rel=1e-3)
    root = m.embedding_params() + m.head_params()
    expected = unit * (2 + 4) + root * 2 * (2 if zero == 3 else 1)
    assert fsdp.memory.buffers - plain == pytest.approx(expected)
    assert torch_fsdp_buffers(unit, root, zero, base) == pytest.approx(expected)


def test_pure_reduce_has_no_fp32_copy():
    sw = Software(reduce_bytes=2.0)
    assert torch_fsdp_buffers(100.0, 0.0, 3, sw) == pytest.approx(200.0)


def test_llmfoundry_rows_carry_the_code_facts():
    """Every LLM Foundry row: no dropout masks, PyTorch FSDP buffers; unpad copies with fa2."""
    rows = [r for r in ROWS if r.source == "llmfoundry2401"]
    assert rows
    for r in rows:
        sw = row_problem(r).software
        assert not sw.dropout_masks and sw.torch_fsdp
        assert sw.unpadded_attention == (sw.attention_kernel == "fa2")


def test_fsdp_zero3_states_are_16_bytes_a_parameter():
    """PyTorch FSDP with bf16 param_dtype keeps the fp32 shard (the master), fp32 gradient
    and Adam shards: 16 B / n; the bf16 shard exists only during each all-gather."""
    from planner.perfmodel.memory import model_state_bytes

    sw = Software()
    kw = dict(zero=3, shards=8, weight_bytes=2.0, grad_bytes=4.0, optimizer_bytes=12.0)
    assert sum(model_state_bytes(8e9, **kw)) == pytest.approx(18e9)
    assert sum(model_state_bytes(8e9, **kw, working_shard=False)) == pytest.approx(16e9)
    # ZeRO-2 (SHARD_GRAD_OP) keeps the gathered bf16 weights: unchanged
    kw2 = {**kw, "zero": 2}
    assert model_state_bytes(8e9, **kw2, working_shard=False) == model_state_bytes(8e9, **kw2)
    pool = Pool(get_gpu("H100"), 8, "H100")
    on = stage_cost(_step(sw.with_(torch_fsdp=True)), pool, 32, 0, True, True).memory.weights
    assert on == 0.0


def test_every_llmfoundry_published_layout_fits():
    """The runs happened: every published LLM Foundry layout fits under the model."""
    from planner.train.calibration import row_estimate

    over = [r.id for r in ROWS if r.source == "llmfoundry2401" and not row_estimate(r).fits]
    assert over == []
