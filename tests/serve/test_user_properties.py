"""Property tests of ``planner plan serve`` on models, GPUs and files few other tests use.

Random but valid inputs (catalogue and user configs, the rarely tested catalogue GPUs, a GPU
TOML written here, rates from 0.2 to 40 requests/s, tight and loose SLOs) against the README's
promises: the TTFT and TPOT breakdowns add up, the plan meets the SLOs it claims, the cost is
GPUs x price, the GPUs fit the inventory, ``verify`` passes and every ``--export`` flag is one
of the tool's documented flags. ``S31_EXAMPLES`` raises the example counts (probe runs).
"""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from planner.perfmodel.hardware import get_gpu
from planner.serve.export import TOOLS
from tests.train.test_user_properties import run_cli  # planner ARGS in this process

EXAMPLES = int(os.environ.get("S31_EXAMPLES", "6"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="S31_EXAMPLES" not in os.environ,  # probe runs draw new examples
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example is a solve
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

GPUS = ("MI300X", "MI325X", "MI355X", "H20", "A800", "GB300", "B300", "L4", "A10G", "L40S")
MODELS = ("llama-3.1-8b", "qwen3-30b-a3b", "gpt-oss-20b", "mixtral-8x7b", "llama-3.1-70b")
SERVE_KEYS = {
    "status",
    "replicas",
    "cost_per_hour",
    "ttft_s",
    "tpot_s",
    "worst_ttft_s",
    "worst_tpot_s",
    "gpus",
    "objective",
    "bound",
    "verified",
    "slo",
    "groups",
}


def log(args: list[str], code: int, out: str, err: str) -> None:
    """Append one line per example to ``$S31_LOG`` (probe runs): the status and the reason."""
    if "S31_LOG" not in os.environ:
        return
    try:
        res = json.loads(out)
        what = f"{res['status']} {res.get('reason', '')[:160]} ${res.get('cost_per_hour')}"
    except ValueError:
        what = err.strip()[-200:]
    with open(os.environ["S31_LOG"], "a") as fh:
        fh.write(f"{code} {what} :: {' '.join(args[2:])}\n")


USER_GPU = """name = "MyInfer"
architecture = "Hopper"
memory_gib = 48
hbm_tb_s = 1.2
nvlink_gb_s = 64
nic_gbit_s = 100
price_per_gpu_hour = 1.25
[tflops]
bf16 = 180
fp8 = 360
"""


@st.composite
def inventories(draw, tmp) -> str:
    """``N xGPU``, ``A:n,B:m`` or one pool of a GPU TOML written to ``tmp``."""
    form = draw(st.sampled_from(["count", "mixed", "mixed", "user"]))
    if form == "count":
        return f"{draw(st.sampled_from([1, 2, 3, 8]))}x{draw(st.sampled_from(GPUS))}"
    if form == "user":
        (tmp / "my_infer.toml").write_text(USER_GPU)
        other = draw(st.sampled_from(GPUS))
        return f"{other}:4,{tmp / 'my_infer.toml'}:{draw(st.sampled_from([1, 4, 8]))}"
    a, b = draw(st.lists(st.sampled_from(GPUS), min_size=2, max_size=2, unique=True))
    return f"{a}:{draw(st.sampled_from([2, 4, 8]))},{b}:{draw(st.sampled_from([1, 4, 16]))}"


def seconds(text: str) -> float:
    return float(text[:-2]) / 1000 if text.endswith("ms") else float(text[:-1])


#: Flags beside the traffic (README / --help of plan serve).
EXTRAS = (
    (),
    ("--disaggregate",),
    ("--precision", "fp8"),
    ("--kv-precision", "fp8"),
    ("--chunk-tokens", "1024"),
    ("--max-batch", "8"),
    ("--tp", "2"),
    ("--percentile", "90"),
    ("--engine", "vllm"),
)


@SETTINGS
@given(
    model=st.sampled_from(MODELS),
    qps=st.sampled_from(["0.2", "1", "4", "40"]),
    prompt=st.sampled_from(["exp:512", "2000", "uniform:16-4096", "lognormal:800,600"]),
    output=st.sampled_from(["exp:128", "32", "normal:300,100"]),
    ttft=st.sampled_from(["150ms", "600ms", "3s"]),
    tpot=st.sampled_from(["8ms", "25ms", "120ms"]),
    extra=st.sampled_from(EXTRAS),
    export=st.sampled_from([None, "vllm", "sglang", "trtllm"]),
    data=st.data(),
)
def test_plan_serve_json_keeps_its_promises(
    tmp_path_factory, model, qps, prompt, output, ttft, tpot, extra, export, data
):
    tmp = tmp_path_factory.mktemp("s31serve")
    gpus = data.draw(inventories(tmp))
    args = ["plan", "serve", "--model", model, "--gpus", gpus, "--qps", qps]
    args += ["--prompt-tokens", prompt, "--output-tokens", output, "--ttft", ttft, "--tpot", tpot]
    args += [*extra, "-t", "2", "--json"]
    if export:
        args += ["--export", export]
    code, out, err = run_cli(*args)
    log(args, code, out, err)
    assert "Traceback" not in err, err
    if code == 2:  # bad input (an engine that runs on no pool, ...): one line
        assert out == "" and len(err.strip().splitlines()) == 1 and err.strip(), err
        return
    res = json.loads(out)
    if res["status"] not in ("OPTIMAL", "FEASIBLE"):
        assert res["reason"], res
        return
    assert set(res) >= SERVE_KEYS, SERVE_KEYS - set(res)
    assert res["verified"] is True
    # the SLOs the plan claims to meet
    assert res["slo"]["ttft_s"] == seconds(ttft) and res["slo"]["tpot_s"] == seconds(tpot)
    assert res["worst_ttft_s"] <= seconds(ttft) * (1 + 1e-6), res["worst_ttft_s"]
    assert res["worst_tpot_s"] <= seconds(tpot) * (1 + 1e-6), res["worst_tpot_s"]
    assert res["ttft_s"] <= res["worst_ttft_s"] * (1 + 1e-9)
    assert res["tpot_s"] <= res["worst_tpot_s"] * (1 + 1e-9)
    assert res["bound"] <= res["objective"] * (1 + 1e-9)
    # cost = GPUs x price, GPUs within the inventory
    paths = {p.rsplit(":", 1)[0] for p in gpus.split(",") if p.endswith(".toml") or ".toml:" in p}
    prices = {get_gpu(p).name: get_gpu(p).price_per_gpu_hour for p in GPUS}
    prices["MyInfer"] = 1.25
    assert paths or "MyInfer" not in res["gpus"]
    cost, used = 0.0, {}
    for r in res["replicas"]:
        n = r["tp"] * r["pp"] * r["ep"] * r["count"]  # a replica: tp x pp x ep GPUs
        used[r["gpu"]] = used.get(r["gpu"], 0) + n
        cost += n * prices[r["gpu"]]
    assert used == res["gpus"], (used, res["gpus"])
    if any(prices[g] == 0 for g in used):  # README: a GPU without a price makes costs null
        assert res["cost_per_hour"] is None
    else:
        assert abs(cost - res["cost_per_hour"]) <= 1e-6 * max(1.0, cost), (cost, res)
    # the load served covers the demand
    assert sum(r["load_qps"] * r["count"] for r in res["replicas"] if r["role"] != "decode") >= (
        float(qps) * (1 - 1e-6)
    )
    for g in res["groups"]:
        if g["role"] in ("both", "prefill"):
            parts = sum(g["ttft_breakdown_s"].values())
            assert abs(parts - g["ttft_s"]) <= 1e-6 * g["ttft_s"], g
        if g["role"] in ("both", "decode"):
            parts = sum(g["tpot_breakdown_s"].values())
            assert abs(parts - g["tpot_s"]) <= 1e-6 * g["tpot_s"], g
    for r in res["replicas"]:
        if "--chunk-tokens" in extra and r["role"] != "decode":
            assert r["chunk_tokens"] == 1024, r
        if "--tp" in extra:
            assert r["tp"] == 2, r
    if "--max-batch" in extra:
        assert all(g["batch"] <= 8 * (1 + 1e-9) for g in res["groups"]), res["groups"]
    if "--percentile" in extra:
        assert res["percentile"] == 90.0 and res["slo"]["percentile"] == 90.0
    if export:
        tool = TOOLS[export]
        for cmd in res["export"]["commands"]:
            argv = cmd["argv"]
            assert tuple(argv[: len(tool.program)]) == tool.program, argv
            flags = {a.split("=", 1)[0] for a in argv if a.startswith("--")}
            assert flags <= tool.flags, flags - tool.flags


@SETTINGS
@given(
    gpus=st.sampled_from(["L4:4,A10G:4", "MI300X:2,L40S:4", "H20:8", "A800:4,L4:8"]),
    tight_qps=st.sampled_from([0.2, 1.0]),
    tight=st.sampled_from([("150ms", "15ms"), ("300ms", "30ms"), ("2s", "100ms")]),
    bulk_qps=st.sampled_from([0.5, 3.0]),
    data=st.data(),
)
def test_each_workload_of_a_shared_fleet_meets_its_own_slo(
    tmp_path_factory, gpus, tight_qps, tight, bulk_qps, data
):
    tmp = tmp_path_factory.mktemp("s31wl")
    (tmp / "w.toml").write_text(
        f"[[workloads]]\nname = 'tight'\n"
        f"traffic = {{ qps = {tight_qps}, prompt_tokens = 'exp:300', output_tokens = 64 }}\n"
        f"slo = {{ ttft = '{tight[0]}', tpot = '{tight[1]}' }}\n"
        f"[[workloads]]\nname = 'bulk'\n"
        f"traffic = {{ qps = {bulk_qps}, prompt_tokens = 2000, output_tokens = 200 }}\n"
    )
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", gpus, "--tpot", "80ms"]
    args += ["--ttft", "5s", "--workloads", str(tmp / "w.toml"), "-t", "2", "--json"]
    code, out, err = run_cli(*args)
    log(args, code, out, err)
    assert "Traceback" not in err and code in (0, 2), err
    if code == 2:
        assert out == "" and len(err.strip().splitlines()) == 1, err
        return
    res = json.loads(out)
    if res["status"] not in ("OPTIMAL", "FEASIBLE"):
        assert res["reason"], res
        return
    assert res["verified"] is True
    want = {"tight": (seconds(tight[0]), seconds(tight[1])), "bulk": (5.0, 0.08)}
    total = 0.0
    for name, w in res["workloads"].items():
        ttft, tpot = want[name]
        assert w["slo"]["ttft_s"] == ttft and w["slo"]["tpot_s"] == tpot, w["slo"]
        assert w["worst_ttft_s"] <= ttft * (1 + 1e-6) and w["worst_tpot_s"] <= tpot * (1 + 1e-6)
        served = sum(r["load_qps"] * r["count"] for r in w["replicas"] if r["role"] != "decode")
        assert served >= w["demand_qps"] * (1 - 1e-6), w
        assert all(r["workload"] == name for r in w["replicas"])
        if w["cost_per_hour"] is not None and total is not None:
            total += w["cost_per_hour"]
        else:
            total = None
    if total is not None and res["cost_per_hour"] is not None:
        assert abs(total - res["cost_per_hour"]) <= 1e-6 * max(1.0, total)
