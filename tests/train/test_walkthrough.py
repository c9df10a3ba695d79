"""Defects found walking the train docs as a new user (twenty-second session, s22walk)."""

from __future__ import annotations

import json

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
    assert summary["cost_per_hour"] == 0.0
    assert summary["usd_per_million_tokens"] == 0.0
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
