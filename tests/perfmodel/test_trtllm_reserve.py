"""TensorRT-LLM's PyTorch-flow reserve against the sequences real runs held (public rows).

Rows: ai-dynamo/aiconfigurator@095f58a51c4ca8e61b66ec108d86f223f8d559ce
``tests/integration/test_trtllm_kv_cache_capacity.py`` ``_BENCHMARK_DATA``, the H100 rows: the
most concurrent sequences TensorRT-LLM ran with ``--max_seq_len ISL+OSL+1000
--max_num_tokens 2*ISL --free_gpu_memory_fraction 0.8``, bf16 KV cache.
"""

from __future__ import annotations

import math

import pytest

from planner.perfmodel.engines import Engine, parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.memory import RUNTIME_RESERVED_GIB
from planner.perfmodel.readers import from_hf_config, load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.perfmodel.trtllm_memory import (
    TRTLLM_PYTORCH_RESERVE_GIB,
    runs_pytorch_flow,
    trtllm_runtime_reserve_gib,
)

GIB = 1024**3
SLACK = 1000  # the rows' --max_seq_len ISL + OSL + 1000: a sequence's KV slot
FRACTION = 0.8

#: Qwen/Qwen3-32B config.json (Hugging Face; the FP8 checkpoint has the same shapes).
QWEN3_32B = {
    "architectures": ["Qwen3ForCausalLM"],
    "model_type": "qwen3",
    "hidden_size": 5120,
    "intermediate_size": 25600,
    "num_attention_heads": 64,
    "num_key_value_heads": 8,
    "num_hidden_layers": 64,
    "head_dim": 128,
    "vocab_size": 151936,
    "max_position_embeddings": 40960,
    "hidden_act": "silu",
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
}

# (model, weight precision, tp, isl, osl, sequences held) on H100 at fraction 0.8
ROWS = [
    ("qwen3-32b", "fp8", 1, 2048, 2048, 27),
    ("qwen3-32b", "fp8", 2, 2048, 2048, 75),
    ("qwen3-32b", "fp8", 4, 2048, 2048, 169),
    ("qwen3-32b", "fp8", 1, 2048, 4096, 19),
    ("qwen3-32b", "fp8", 2, 2048, 4096, 53),
    ("qwen3-32b", "fp8", 4, 2048, 4096, 121),
    ("qwen3-32b", "fp8", 1, 4096, 2048, 19),
    ("qwen3-32b", "fp8", 2, 4096, 2048, 53),
    ("qwen3-32b", "fp8", 4, 4096, 2048, 120),
    ("qwen3-32b", "fp8", 1, 4096, 4096, 14),
    ("qwen3-32b", "fp8", 2, 4096, 4096, 41),
    ("qwen3-32b", "fp8", 4, 4096, 4096, 93),
    ("llama-3.1-8b", "bf16", 1, 2048, 2048, 78),
    ("llama-3.1-8b", "bf16", 2, 2048, 2048, 173),
    ("llama-3.1-8b", "bf16", 4, 2048, 2048, 363),
    ("llama-3.1-8b", "bf16", 1, 2048, 4096, 56),
    ("llama-3.1-8b", "bf16", 2, 2048, 4096, 124),
    ("llama-3.1-8b", "bf16", 4, 2048, 4096, 259),
    ("llama-3.1-8b", "bf16", 1, 4096, 2048, 55),
    ("llama-3.1-8b", "bf16", 2, 4096, 2048, 123),
    ("llama-3.1-8b", "bf16", 4, 4096, 2048, 258),
    ("llama-3.1-8b", "bf16", 1, 4096, 4096, 43),
    ("llama-3.1-8b", "bf16", 2, 4096, 4096, 96),
    ("llama-3.1-8b", "bf16", 4, 4096, 4096, 201),
]


def _model(name: str):
    return from_hf_config(QWEN3_32B, name=name) if name == "qwen3-32b" else load_model(name)


def _engine_model(row: tuple, version: str = "") -> EngineModel:
    name, precision, tp, isl, _, _ = row
    engine = Engine("trtllm", version, batched_tokens=2 * isl, kv_fraction=FRACTION)
    return EngineModel(
        _model(name), ReplicaConfig(get_gpu("H100"), tp), precision, "bf16", engine=engine
    )


@pytest.mark.parametrize("row", ROWS, ids=[f"{r[0]}-tp{r[2]}-{r[3]}-{r[4]}" for r in ROWS])
def test_sequences_held_match_the_runs(row: tuple) -> None:
    """The model's KV pool holds as many ``max_seq_len`` slots as the run did, within one
    sequence or 1.5 % (the count is a floor; aiconfigurator's own check allows 2 %)."""
    *_, isl, osl, held = row
    eng = _engine_model(row)
    predicted = math.floor(eng.kv_tokens / (isl + osl + SLACK))
    assert abs(predicted - held) <= max(1, math.floor(0.015 * held)), (predicted, held)


def _reserve_interval(rows: list[tuple]) -> tuple[float, float]:
    """GiB interval of the fixed reserve (beside weights, workspace and KV) that every row of
    one model, TP and token budget allows: ``n`` slots fit and ``n + 1`` did not."""
    low, high = -math.inf, math.inf
    for row in rows:
        *_, isl, osl, held = row
        eng = _engine_model(row)
        slot = (isl + osl + SLACK) * eng.kv_bytes_per_token / FRACTION
        base = eng.config.gpu.runtime_bytes - eng.weight_bytes - eng.workspace_bytes
        low = max(low, (base - (held + 1) * slot) / GIB)
        high = min(high, (base - held * slot) / GIB)
    return low, high


def _groups() -> dict[tuple, list[tuple]]:
    groups: dict[tuple, list[tuple]] = {}
    for row in ROWS:
        groups.setdefault((row[0], row[2], row[3]), []).append(row)
    return groups


def test_rows_of_one_setting_agree() -> None:
    """The slot reading is right: rows of one model, TP and ``max_num_tokens`` (different
    OSL) leave a common reserve interval, and the two token budgets' intervals overlap (the
    workspace's growth with the budget matches the runs')."""
    by_tp: dict[tuple, list[tuple[float, float]]] = {}
    for (name, tp, _), rows in _groups().items():
        low, high = _reserve_interval(rows)
        assert low < high, (name, tp, low, high)
        by_tp.setdefault((name, tp), []).append((low, high))
    for key, intervals in by_tp.items():
        assert max(lo for lo, _ in intervals) < min(hi for _, hi in intervals), key


def _distance(value: float, interval: tuple[float, float]) -> float:
    low, high = interval
    return max(0.0, low - value, value - high)


def test_reserve_table_is_near_every_interval_and_nearer_than_the_fixed_4_gib() -> None:
    """Each TP's reserve is within 0.6 GiB of both models' intervals (the models differ by
    about 1.3 GiB at TP 1, module notes), and its worst miss is under half the fixed 4 GiB's."""
    table_worst = fixed_worst = 0.0
    for (name, tp, tokens), rows in _groups().items():
        interval = _reserve_interval(rows)
        table = _distance(TRTLLM_PYTORCH_RESERVE_GIB[tp], interval)
        assert table <= 0.6, (name, tp, tokens, interval)
        table_worst = max(table_worst, table)
        fixed_worst = max(fixed_worst, _distance(RUNTIME_RESERVED_GIB, interval))
    assert table_worst < 0.5 * fixed_worst, (table_worst, fixed_worst)


def test_reserve_table_is_the_minimax_of_the_intervals() -> None:
    """Per TP the shipped reserve is the value whose worst distance to that TP's intervals is
    least (the midpoint of the highest lower end and the lowest upper end), to 0.1 GiB."""
    lows: dict[int, float] = {}
    highs: dict[int, float] = {}
    for (_, tp, _), rows in _groups().items():
        low, high = _reserve_interval(rows)
        lows[tp] = max(lows.get(tp, -math.inf), low)
        highs[tp] = min(highs.get(tp, math.inf), high)
    assert set(lows) == set(TRTLLM_PYTORCH_RESERVE_GIB)
    for tp, low in lows.items():
        assert TRTLLM_PYTORCH_RESERVE_GIB[tp] == round(0.5 * (low + highs[tp]), 1), tp


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("trtllm", True),
        ("trtllm:1.0", True),
        ("trtllm:1.2.0", True),
        ("trtllm:0.21.0", False),
        ("trtllm:0.17.0", False),
        ("vllm", False),
        ("sglang", False),
    ],
)
def test_scope_is_the_pytorch_flow(spec: str, expected: bool) -> None:
    engine = parse_engine(spec)
    assert runs_pytorch_flow(engine) is expected
    assert (trtllm_runtime_reserve_gib(engine, 1) is not None) is expected


@pytest.mark.parametrize(("gpus", "gib"), [(1, 2.8), (2, 3.7), (3, 3.7), (4, 4.7), (8, 4.7)])
def test_reserve_by_group_size(gpus: int, gib: float) -> None:
    assert trtllm_runtime_reserve_gib(Engine("trtllm"), gpus) == gib


@pytest.mark.parametrize("gpus", [0, -2, 1.5, True])
def test_bad_group_size_is_refused(gpus: object) -> None:
    with pytest.raises(ValueError, match="group_gpus"):
        trtllm_runtime_reserve_gib(Engine("trtllm"), gpus)  # type: ignore[arg-type]


def test_engine_flow_release_keeps_the_fixed_reserve() -> None:
    """At TP 1 the PyTorch flow leaves ``4 - 2.8`` GiB more to the fraction than 0.17."""
    row = ("llama-3.1-8b", "bf16", 1, 2048, 2048, 0)
    new, old = _engine_model(row, "1.0"), _engine_model(row, "0.17.0")
    gained = (new.free_bytes - old.free_bytes) / FRACTION / GIB
    assert gained == pytest.approx(RUNTIME_RESERVED_GIB - TRTLLM_PYTORCH_RESERVE_GIB[1])


def test_the_v017_l40s_rows_keep_the_engine_flows_reserve() -> None:
    """The perf overview's L40S rows ran v0.17's C++ engines (``bench_flow="build"``): the
    fixed reserve, not the PyTorch flow's (s29review)."""
    from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS

    rows = [r for r in INFERENCE_GPU_ROWS if r.source == "trtllm_l40s"]
    assert rows
    for row in rows:
        assert row.bench_flow == "build"
        assert not runs_pytorch_flow(parse_engine(row.engine))
