"""Defects found walking the train docs as a new user (twenty-second session, s22walk)."""

from __future__ import annotations

import json

import pytest

from planner.train.time_to_train import parse_tokens, token_count

from .test_cli import run

#: A GPU table of one's own, without a price (the catalog format; Hopper, so calibrated).
MY_GPU = """name = "MyGPU"
architecture = "Hopper"
memory_gib = 96
hbm_tb_s = 4.0
nvlink_gb_s = 900
nic_gbit_s = 400
gpus_per_node = 8
[tflops]
bf16 = 1000
fp8 = 2000
"""

#: 8 of those beside 8 catalog H100s (priced at $2.99/GPU-hour).
CLUSTER = """name = "lab"
[[pool]]
gpu = "my_gpu.toml"
count = 8
[[pool]]
gpu = "H100"
count = 8
"""


def _cluster(tmp_path):
    (tmp_path / "my_gpu.toml").write_text(MY_GPU)
    path = tmp_path / "lab.toml"
    path.write_text(CLUSTER)
    return str(path)


def test_a_pool_without_a_price_makes_the_plan_price_unknown(capsys, tmp_path):
    # a pipeline over both pools: the cost summed the priced H100s only ($23.92/h for 16
    # GPUs) and --tokens costed the run at half its GPUs, with no word that a pool was free
    base = ("plan", "train", "--model", "gpt-1.7b", "--gpus", _cluster(tmp_path))
    fix = ("-B", "64", "-s", "1024", "--fix", "tp=1,pp=2,dp=8,mb=1", "-t", "20")
    code, out, _ = run(capsys, *base, *fix, "--tokens", "1T", "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["gpus_by_pool"] == {"H100-SXM": 8, "MyGPU": 8}
    # null, not 0.0 (read as free GPUs; s23small)
    assert summary["cost_per_hour"] is None
    assert summary["usd_per_million_tokens"] is None and summary["cost_per_step"] is None
    ttt = summary["time_to_train"]
    assert ttt["cost_usd"] is None and any("no price" in n for n in ttt["notes"])
    code, out, _ = run(capsys, *base, *fix)
    assert code == 0 and "no price known" in out and "$24/h" not in out


def test_a_priced_cluster_keeps_its_price(capsys, tmp_path):
    (tmp_path / "my_gpu.toml").write_text("price_per_gpu_hour = 1.0\n" + MY_GPU)
    path = tmp_path / "lab.toml"
    path.write_text(CLUSTER)
    args = ("plan", "train", "--model", "gpt-1.7b", "--gpus", str(path), "-B", "64", "-s")
    code, out, _ = run(capsys, *args, "1024", "--fix", "tp=1,pp=2,dp=8,mb=1", "-t", "20", "--json")
    assert code == 0
    assert json.loads(out)["cost_per_hour"] == 8 * 2.99 + 8 * 1.0


#: A torchtitan launch of GPT-1.7B on 16 A100s, tp 2 x pp 2 (as ``--export torchtitan`` writes).
TITAN = """[parallelism]
data_parallel_replicate_degree = 1
data_parallel_shard_degree = 4
fsdp_reshard_after_forward = "never"
tensor_parallel_degree = 2
pipeline_parallel_degree = 2
context_parallel_degree = 1
expert_parallel_degree = 1
pipeline_parallel_schedule = "1F1B"
pipeline_parallel_microbatch_size = 1

[training]
local_batch_size = 16
global_batch_size = 64
seq_len = 1024

[activation_checkpoint]
mode = "none"
"""


def test_a_proposal_its_launch_framework_cannot_run_says_so(capsys, tmp_path):
    # the open search covers every framework's plans: a torchtitan launch was told to move to
    # ZeRO-1 without pipeline stages, which torchtitan has no setting for, without a word
    path = tmp_path / "titan.toml"
    path.write_text(TITAN)
    args = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-t", "20")
    code, out, _ = run(capsys, *args, "--from", "torchtitan", str(path), "--json")
    assert code == 0
    prop = json.loads(out)["proposal"]
    assert prop["plan"]["zero"] == 1 and prop["plan"]["pp"] == 1
    assert any("ZeRO-1 without pipeline" in why for why in prop["outside_framework"])
    code, out, _ = run(capsys, *args, "--from", "torchtitan", str(path))
    assert code == 0
    assert "note: torchtitan cannot launch the proposal" in " ".join(out.split())
    # kept to torchtitan, the proposal is one it launches and carries no such note
    code, out, _ = run(
        capsys, *args, "--from", "torchtitan", str(path), "--framework", "torchtitan"
    )
    assert code == 0 and "cannot launch the proposal" not in " ".join(out.split())


@pytest.mark.parametrize("text", ["15T", "2.5B", "300M", "1T", "4.096k", "500", "1500P"])
def test_token_counts_print_as_tokens_reads_them(text):
    assert token_count(parse_tokens(text)) == text


def test_time_to_train_title_says_the_tokens_as_given(capsys):
    # the title read "time and cost to train 1.5e+13 tokens" for --tokens 15T
    args = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024")
    code, out, _ = run(capsys, *args, "-t", "20", "--tokens", "15T")
    assert code == 0 and "time and cost to train 15T tokens" in out


def test_the_alternatives_table_names_its_mfu_convention(capsys):
    # the plan's row gives "MFU (causal / Megatron)"; the alternatives' bare "MFU" column is
    # Megatron's: 48.0 % beside the plan's 45.8 % / 47.5 % read as a better plan by 2 points
    args = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s")
    code, out, _ = run(capsys, *args, "1024", "-t", "20")
    assert code == 0 and "alternatives (MFU: Megatron's convention)" in out
