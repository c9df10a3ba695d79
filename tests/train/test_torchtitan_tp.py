"""``plan train --from torchtitan`` prices a TP launch as torchtitan's DTensor TP runs it: the
column-parallel linears keep their gathered input (no backward re-gather, full-sequence saved
inputs; ``Software.sp_gathered_inputs``)."""

from __future__ import annotations

import json

import pytest

from planner.perfmodel import comm
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.memory import GIB
from planner.train.api import make_problem
from planner.train.instance import TrainingPlan
from planner.train.step_time import estimate

from .test_cli import run

T, SHARD, LOCAL, S = 8, 2, 2, 4096
HIDDEN, LAYERS = 4096, 32  # meta-llama/Llama-3.1-8B config.json
LAUNCH = f"""[parallelism]
tensor_parallel_degree = {T}
data_parallel_shard_degree = {SHARD}
[training]
local_batch_size = {LOCAL}
seq_len = {S}
[activation_checkpoint]
mode = "none"
"""


def test_from_torchtitan_prices_gathered_inputs(capsys, tmp_path):
    path = tmp_path / "titan.toml"
    path.write_text(LAUNCH)
    args = ("plan", "train", "--model", "llama-3.1-8b", "--gpus", f"{T * SHARD}xH100")
    code, out, err = run(capsys, *args, "--from", "torchtitan", str(path), "--json")
    assert code == 0, err
    got = json.loads(out)
    p = got["plan"]
    assert (p["tp"], p["sequence_parallel"], p["pp"], p["recompute"]) == (T, True, 1, "none")
    plan = TrainingPlan.from_dict(p)
    b, m = p["microbatch"], got["microbatches"]
    # the same plan priced as Megatron runs it (the default software)
    mega = estimate(
        make_problem("llama-3.1-8b", "16xH100", global_batch=SHARD * LOCAL, seq_len=S), plan
    )
    extra = LAYERS * 2 * 2.0 * b * S * HIDDEN * (1 - 1 / T)  # two inputs a layer, whole sequence
    assert got["memory"]["activations"] * GIB - mega.memory.activations == pytest.approx(
        extra, abs=0.002 * GIB
    )
    # and without the backward re-gather: the same software with it back on pays two
    # all-gathers of a block's activations per layer and microbatch more
    titan_sw = make_problem(
        "llama-3.1-8b", "16xH100", global_batch=SHARD * LOCAL, seq_len=S, framework="torchtitan"
    ).software
    regather = make_problem(
        "llama-3.1-8b",
        "16xH100",
        global_batch=SHARD * LOCAL,
        seq_len=S,
        software=titan_sw.with_(sp_gathered_inputs=False),
    )
    gather = comm.all_gather(b * S * HIDDEN * 2.0, T, T, comm.fabric_of(get_gpu("H100")))
    again = estimate(regather, plan).breakdown["tp_comm"]
    assert again - got["breakdown"]["tp_comm"] == pytest.approx(LAYERS * m * 2 * gather)


def test_without_pp_the_micro_batch_is_the_local_batch():
    """torchtitan (train.py @6404b93) runs ``global / (local_batch_size x dp)`` accumulation
    steps of ``local_batch_size`` sequences each without PP; ``pipeline_parallel_microbatch_size``
    only splits the local batch of a pipeline. ``--from`` read the micro-batch from the latter
    (left open without it: the search chose 16 for a launch of local batch 2), and ``--export``
    wrote the whole per-rank batch as ``local_batch_size``, a launch that runs one
    micro-batch of all of it."""
    import tomllib

    from planner.train.export import export
    from planner.train.launch import read_text_launch

    text = f"[parallelism]\ntensor_parallel_degree = {T}\n[training]\nlocal_batch_size = 2\n"
    assert read_text_launch("torchtitan", text).fixed["microbatch"] == 2
    both = text.replace("[training]", "pipeline_parallel_microbatch_size = 4\n[training]")
    launch = read_text_launch("torchtitan", both)
    assert launch.fixed["microbatch"] == 2 and any("unused without" in n for n in launch.notes)
    piped = both.replace("[training]", "pipeline_parallel_degree = 2\n[training]")
    assert read_text_launch("torchtitan", piped).fixed["microbatch"] == 4

    prob = make_problem("llama-3.1-8b", "16xH100", global_batch=64, seq_len=S)
    plan = TrainingPlan(
        tp=T, pp=1, dp=2, microbatch=4, zero=3, sequence_parallel=True, stage_layers=(LAYERS,)
    )
    written = tomllib.loads(export(prob, plan, "torchtitan")["text"])
    assert written["training"]["local_batch_size"] == 4  # was 64 / 2 = 32
    assert written["training"]["global_batch_size"] == 64  # 8 accumulation steps
    assert "pipeline_parallel_microbatch_size" not in written["parallelism"]
    back = read_text_launch("torchtitan", export(prob, plan, "torchtitan")["text"])
    assert back.fixed["microbatch"] == 4 and back.global_batch == 64
