"""planner plan serve and planner solve parallel (serving files) through the real entry point."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import planner
from planner.cli import main
from planner.core.errors import InputError
from planner.core.family import family_of, get_family
from planner.serve import make_problem

INSTANCES = Path(__file__).resolve().parents[2] / "instances" / "serve"
BASE = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2,A100:2"]


#: A small ``plan serve`` command line (8B, 5 req/s, 1 s / 50 ms SLOs, 10 s limit); callers add
#: ``--gpus`` and the options under test.
SMALL_PLAN_LINE = [
    *("plan", "serve", "--model", "llama-3.1-8b", "--qps", "5"),
    *("--prompt-tokens", "512", "--output-tokens", "128", "--ttft", "1s", "--tpot", "50ms"),
    *("-t", "10"),
]


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_serve_json_has_the_contract_fields(capsys):
    code, out, _ = run(
        capsys,
        *BASE,
        "--qps",
        "6",
        "--prompt-tokens",
        "exp:600",
        "--output-tokens",
        "150",
        "--ttft",
        "800ms",
        "--tpot",
        "40ms",
        "--percentile",
        "95",
        "--json",
    )
    assert code == 0
    d = json.loads(out)
    for key in (
        "status",
        "replicas",
        "cost_per_hour",
        "ttft_s",
        "tpot_s",
        "capacity_qps",
        "throughput_tokens_per_s",
        "bound",
        "gap",
    ):
        assert key in d
    assert d["status"] == "OPTIMAL" and d["gap"] == 0
    assert {"gpu", "tp", "pp", "ep", "count", "role"} <= set(d["replicas"][0])
    assert d["ttft_s"] <= 0.8 + 1e-9 and d["tpot_s"] <= 0.04 + 1e-9
    assert d["capacity_qps"] >= 6 - 1e-9
    assert d["throughput_tokens_per_s"] == pytest.approx(d["capacity_qps"] * 150)
    assert d["percentile"] == 95


def test_serve_offline_fixed_layout_is_max_throughput(capsys):
    code, out, _ = run(
        capsys,
        "plan",
        "serve",
        "--model",
        "llama-3.1-8b",
        "--gpus",
        "H100:4",
        "--tp",
        "2",
        "--pp",
        "1",
        "--prompt-tokens",
        "1000",
        "--output-tokens",
        "1000",
        "--precision",
        "fp8",
        "--json",
    )
    assert code == 0
    d = json.loads(out)
    assert d["objective_kind"] == "throughput"
    assert d["replicas"] == [
        {
            "gpu": "H100-SXM",
            "tp": 2,
            "pp": 1,
            "ep": 1,
            "count": 2,
            "role": "both",
            "chunk_tokens": d["replicas"][0]["chunk_tokens"],
            "load_qps": d["replicas"][0]["load_qps"],
            "speculative": False,
        }
    ]
    assert d["throughput_tokens_per_s"] > 1000


def test_serve_human_output(capsys):
    code, out, _ = run(
        capsys,
        *BASE,
        "--qps",
        "3",
        "--prompt-tokens",
        "512",
        "--output-tokens",
        "128",
        "--ttft",
        "1s",
        "--tpot",
        "50ms",
        "--disaggregate",
    )
    assert code == 0
    assert "serving plan" in out and "candidates considered" in out and "bound" in out


def test_serve_infeasible_exits_zero_with_reason(capsys):
    code, out, _ = run(
        capsys,
        *BASE,
        "--qps",
        "3",
        "--prompt-tokens",
        "512",
        "--output-tokens",
        "128",
        "--tpot",
        "1ms",
        "--json",
    )
    assert code == 0
    d = json.loads(out)
    assert d["status"] == "INFEASIBLE" and "TPOT 1 ms cannot be met" in d["reason"]
    assert d["replicas"] == []


def test_serve_trace_in_apex_format(capsys, tmp_path):
    out_file = tmp_path / "plan.json"
    code, out, _ = run(
        capsys,
        "plan",
        "serve",
        "--model",
        "llama-3.1-8b",
        "--gpus",
        "H100:4",
        "--trace",
        str(INSTANCES / "traces" / "trace-8b.jsonl"),
        "--ttft",
        "1s",
        "--json",
        "--out",
        str(out_file),
    )
    assert code == 0
    d = json.loads(out)
    assert d["traffic"]["qps"] == pytest.approx(4.0, rel=0.2)
    assert json.loads(out_file.read_text())["status"] == d["status"]


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--qps", "1", "--prompt-tokens", "5", "--output-tokens", "5", "--ttft", "1x"], "--ttft"),
        (["--qps", "1", "--prompt-tokens", "5"], "--output-tokens"),
        (["--qps", "1", "--prompt-tokens", "zipf:2", "--output-tokens", "5"], "--prompt-tokens"),
        (["--qps", "0", "--prompt-tokens", "5", "--output-tokens", "5"], "--qps"),
        (
            ["--qps", "1", "--prompt-tokens", "5", "--output-tokens", "5", "--percentile", "100"],
            "percentile",
        ),
        (
            ["--qps", "1", "--prompt-tokens", "5", "--output-tokens", "5", "--precision", "fp3"],
            "precision",
        ),
        (
            ["--qps", "1", "--prompt-tokens", "5", "--output-tokens", "5", "--method", "cpsat"],
            "method",
        ),
        (["--qps", "1", "--trace", "nope.jsonl"], "no such file"),
    ],
)
def test_bad_input_exits_2(capsys, extra, match):
    code, out, err = run(capsys, *BASE, *extra)
    assert code == 2
    assert match in err and "Traceback" not in err and out == ""


def test_unknown_model_lists_closest_names(capsys):
    code, _, err = run(
        capsys,
        "plan",
        "serve",
        "--model",
        "llama-3.1-7b",
        "--gpus",
        "H100:8",
        "--prompt-tokens",
        "5",
        "--output-tokens",
        "5",
    )
    assert code == 2 and "closest" in err and "llama-3.1-8b" in err


def test_solve_serve_file(capsys):
    code, out, _ = run(
        capsys, "solve", "serve", str(INSTANCES / "trace-8b.toml"), "-t", "120", "--json"
    )
    assert code == 0
    d = json.loads(out)
    assert d["status"] == "OPTIMAL" and d["verified"]
    assert d["solution"]["replicas"]


def test_serve_is_its_own_family():
    fam = get_family("serve")
    problem = make_problem(
        "llama-3.1-8b", "H100:2", qps=1, prompt_tokens=100, output_tokens=20, tpot="50ms"
    )
    assert family_of(problem) is fam
    assert set(fam.methods) == {"mip", "greedy", "auto"}
    r = planner.solve(problem, "greedy", time_limit=5)
    assert r.verified and r.family == "serve"
    with pytest.raises(InputError, match="unknown serve method 'exact'"):
        planner.solve(problem, "exact", time_limit=5)
    assert fam.solution_from_dict(r.solution.to_dict()) == r.solution


def test_solve_parallel_points_to_train_and_serve(capsys):
    code, out, err = run(capsys, "solve", "parallel", str(INSTANCES / "trace-8b.toml"))
    assert code == 2 and out == ""
    assert "planner solve train" in err and "planner solve serve" in err
    assert len(err.strip().splitlines()) == 1


def test_short_m_is_method(capsys):
    code, out, _ = run(
        capsys,
        *BASE,
        "--qps",
        "1",
        "--prompt-tokens",
        "100",
        "--output-tokens",
        "20",
        "-m",
        "greedy",
        "--json",
    )
    assert code == 0 and json.loads(out)["method"] == "greedy"


def test_simulate_puts_seeded_percentiles_beside_the_model(capsys):
    args = [*BASE, "--qps", "4", "--prompt-tokens", "exp:300", "--output-tokens", "exp:40"]
    args += ["--ttft", "1s", "--tpot", "60ms", "--simulate", "--sim-requests", "200"]
    code, out, _ = run(capsys, *args, "--sim-seed", "5", "--json")
    assert code == 0
    sim = json.loads(out)["simulated"]
    assert set(sim) == {
        "ttft_p50_s",
        "ttft_p99_s",
        "tpot_p50_s",
        "tpot_p99_s",
        "throughput_tokens_per_s",
        "requests",
        "warmup_requests",
        "seed",
        "complete",
    }
    assert sim["requests"] == 200 and sim["seed"] == 5 and sim["complete"] is True
    assert sim["warmup_requests"] == 20  # the first 10 % of the trace
    assert 0 < sim["ttft_p50_s"] <= sim["ttft_p99_s"]
    assert 0 < sim["tpot_p50_s"] <= sim["tpot_p99_s"]
    # served 4 req/s x 40 tokens: the simulated rate is near it
    assert 100 < sim["throughput_tokens_per_s"] < 220
    code, again, _ = run(capsys, *args, "--sim-seed", "5", "--json")
    assert json.loads(again)["simulated"] == sim
    code, text, _ = run(capsys, *args)
    assert code == 0 and "simulated check (200 requests, seed 0, 20 warm-up)" in text


def test_simulate_honours_its_time_limit(capsys):
    """--sim-time-limit stops a simulation that would run long (was unbounded: 1e8 requests ran
    until killed) and says how far it got, with no biased percentiles; bad limits and traces
    over 10 million requests exit 2."""
    import time

    args = [*BASE, "--qps", "4", "--prompt-tokens", "exp:300", "--output-tokens", "exp:40"]
    args += ["--ttft", "1s", "--tpot", "60ms", "--simulate"]
    start = time.perf_counter()
    code, out, _ = run(capsys, *args, "--sim-requests", "1000000", "--sim-time-limit", "0.5")
    assert code == 0
    assert time.perf_counter() - start < 60  # the whole trace would take about an hour
    code, out, _ = run(
        capsys, *args, "--sim-requests", "1000000", "--sim-time-limit", "0.5", "--json"
    )
    sim = json.loads(out)["simulated"]
    assert sim["complete"] is False and sim["ttft_p99_s"] is None
    assert "time limit 0.5 s" in sim["reason"] and "of 1000000 requests" in sim["reason"]
    code, _, err = run(capsys, *args, "--sim-time-limit", "0")
    assert code == 2 and "--sim-time-limit" in err
    code, _, err = run(capsys, *args, "--sim-requests", "100000000")
    assert code == 2 and "--sim-requests" in err


def test_engine_option_changes_the_timing_and_is_reported(capsys):
    """--engine: the plan's JSON names the engine its timing assumes; an engine with more host
    time per iteration (vLLM without multi-step, CUDA graphs off) has a lower offline
    capacity on the same fixed layout; a bad engine exits 2 naming it."""
    args = [*BASE[:-1], "H100:1", "--tp", "1", "--prompt-tokens", "200", "--output-tokens"]
    args += ["200", "--json"]
    code, out, _ = run(capsys, *args)
    assert code == 0
    default = json.loads(out)
    assert default["engine"]["name"] == "trtllm"
    code, out, _ = run(capsys, *args, "--engine", "vllm:0.6.3,eager")
    assert code == 0
    slow = json.loads(out)
    assert slow["engine"] == {
        "name": "vllm",
        "version": "0.6.3",
        "cuda_graphs": False,
        "scheduler_steps": 1,
        "batched_tokens": 0,
    }
    assert slow["throughput_tokens_per_s"] < default["throughput_tokens_per_s"]
    code, _, err = run(capsys, *args, "--engine", "tgi")
    assert code == 2 and "engine must be one of" in err
    code, out, _ = run(capsys, *args[:-1], "--engine", "sglang:0.4.3")
    assert code == 0 and "timing assumes engine sglang 0.4.3" in out


def test_engine_token_budget_caps_the_chunk(capsys):
    """--engine NAME,tokens=N: no replica takes more than N prompt tokens per iteration (the
    chunk is searched below it; a fixed --chunk-tokens above it exits 2), and a smaller
    budget cannot make TTFT better."""
    args = [*BASE[:-1], "H100:2", "--prompt-tokens", "1024", "--output-tokens", "128", "--json"]
    code, out, _ = run(capsys, *args, "--engine", "vllm")
    assert code == 0
    free = json.loads(out)
    code, out, _ = run(capsys, *args, "--engine", "vllm,tokens=300")
    assert code == 0
    capped = json.loads(out)
    assert capped["replicas"] and all(g["chunk_tokens"] <= 300 for g in capped["replicas"])
    assert capped["ttft_s"] >= free["ttft_s"]
    code, _, err = run(capsys, *args, "--engine", "vllm,tokens=300", "--chunk-tokens", "2048")
    assert code == 2 and "tokens=300" in err


TRAFFIC = ["--prompt-tokens", "512", "--output-tokens", "128", "-t", "3"]


TOY_CONFIG = Path(__file__).parents[2] / "instances/train/configs/toy-config.json"


@pytest.mark.parametrize(
    ("name", "text", "flag"),
    [
        ("profile.csv", "qps\n1\n2\n", "--profile"),
        ("cluster.toml", '[[pool]]\ngpu = "H100"\ncount = 2\n', "--gpus"),
        ("config.json", TOY_CONFIG.read_text(), "--model"),
    ],
)
def test_out_over_a_file_named_by_model_gpus_or_profile_is_refused(
    capsys, tmp_path, name, text, flag
):
    """--out overwrote these inputs with the plan JSON."""
    path = tmp_path / name
    path.write_text(text)
    given = {"--model": "llama-3.1-8b", "--gpus": "H100:2", flag: str(path)}
    rate = [] if flag == "--profile" else ["--qps", "2"]
    line = ["plan", "serve", *(w for kv in given.items() for w in kv), *TRAFFIC, *rate]
    code, out, err = run(capsys, *line, "--out", str(path))
    assert code == 2 and out == "" and "refusing to overwrite an input file" in err, err
    assert path.read_text() == text


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--simulate", "--sim-seed", "-1"], "'--sim-seed'"),  # was an internal error
        (["--spot"], "--spot plans a day of periods: give --profile too"),  # was ignored
        (["--max-replicas", "3"], "--max-replicas plans a day"),
        (["--period-hours", "3"], "--period-hours plans a day of periods: give --profile"),
        (["--min-replicas", "0"], "--min-replicas plans a day"),  # these four were ignored
        (["--spot-recovery", "5min"], "--spot-recovery plans a day"),
        (["--spot-max-share", "0.5"], "--spot-max-share plans a day"),
        (["--sim-requests", "50"], "--sim-requests shapes the simulated trace: give --simulate"),
        (["--sim-seed", "3"], "--sim-seed shapes the simulated trace"),
        (["--spec-tokens", "5"], "--spec-tokens shapes speculative decoding: give --specul"),
        (["--spec-acceptance", "0.9"], "--spec-acceptance shapes speculative decoding"),
        (["--prefix-hit-rate", "1"], "--prefix-hit-rate must be below 1"),  # ZeroDivisionError
        (["--speculative", "mtp", "--draft-model", "llama-3.1-8b"], "--draft-model goes with"),
        # MTP needs the model's own MTP layers (was exported as deepseek_mtp for Llama)
        (["--speculative", "mtp"], "llama-3.1-8b has none"),
        # an unknown draft model dropped every draft candidate: OPTIMAL without speculation
        (["--speculative", "draft", "--draft-model", "nosuch"], "--draft-model 'nosuch': unknown"),
        # 1e308 overflowed the TPOT law's moments to NaN: a one-GPU OPTIMAL plan
        (["--arrival-scv", "1e308"], "--arrival-scv must be at most 1e+06"),
    ],
)
def test_serve_flags_without_effect_or_out_of_range_exit_2(capsys, extra, fragment):
    code, out, err = run(capsys, *BASE, *TRAFFIC, "--qps", "2", *extra)
    assert code == 2 and out == "" and fragment in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--simulate"], "--simulate acts on a single plan: not with --profile"),
        (["--export", "vllm"], "--export acts on a single plan"),
        (["--method", "greedy"], "--method acts on a single plan"),
    ],
)
def test_single_plan_flags_with_a_day_profile_exit_2(capsys, extra, fragment):
    """A day plans every period in one MIP: these were silently ignored with --profile."""
    code, out, err = run(capsys, *BASE, *TRAFFIC, "--profile", "1,2", *extra)
    assert code == 2 and out == "" and fragment in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("[constraints]\ntp = 0\n", "constraints: tp must be a positive integer"),
        ('precision = "fp3"\n', "unknown precision 'fp3'"),
        ('engine = "foo"\n', "engine must be one of"),
    ],
)
def test_problem_file_errors_name_the_file(capsys, tmp_path, body, field):
    """Checks below the reader (constraint values, precision, engine) named only the field."""
    path = tmp_path / "bad.toml"
    head = 'model = "llama-3.1-8b"\ngpus = "H100:2"\n'
    traffic = "[traffic]\nqps = 2\nprompt_tokens = 512\noutput_tokens = 128\n"
    path.write_text(head + body + traffic if not body.startswith("[") else head + traffic + body)
    code, out, err = run(capsys, "solve", "serve", str(path), "-t", "3")
    assert code == 2 and out == "" and f"{path}: " in err and field in err, err


def test_full_prefix_hit_rate_in_a_problem_file_names_the_file(capsys, tmp_path):
    """prefix_hit_rate = 1 left no prompt token to compute: an internal ZeroDivisionError."""
    path = tmp_path / "hit.toml"
    traffic = "[traffic]\nqps = 2\nprompt_tokens = 512\noutput_tokens = 128\n"
    path.write_text('model = "llama-3.1-8b"\ngpus = "H100:2"\n' + traffic + "prefix_hit_rate = 1\n")
    code, out, err = run(capsys, "solve", "serve", str(path), "-t", "3")
    assert code == 2 and out == "" and f"{path}: " in err and "must be below 1" in err, err


def test_rate_at_the_mip_solvers_infinity_is_bad_input(capsys):
    """--qps 1e20 ended UNKNOWN ('HiGHS stopped without a solution'), not INFEASIBLE."""
    code, out, err = run(capsys, *BASE, *TRAFFIC, "--qps", "1e20", "--json")
    assert code == 2 and out == "" and "qps must be below 1e+20 req/s" in err
    code, out, _ = run(capsys, *BASE, *TRAFFIC, "--qps", "9e19", "--json")
    assert code == 0 and json.loads(out)["status"] == "INFEASIBLE"


def test_workloads_file_with_a_problems_fields_exits_2(capsys):
    """fleet-3x3.toml as --workloads: its model (70B) and GPUs were silently replaced by the
    command line's."""
    fleet = Path(__file__).parents[2] / "instances/serve/fleet-3x3.toml"
    code, out, err = run(capsys, *BASE, "--workloads", str(fleet), "-t", "3", "--json")
    assert code == 2 and out == "" and "fleet-3x3.toml: unknown field 'constraints'" in err


def test_tiny_prompts_plan():
    """Prompts of a few tokens all fall in the chunked-prefill table's first bin, so its rows
    run to their cap; the Poisson weights must cover them (was an internal error)."""
    problem = make_problem("llama-3.1-8b", "H100:2", qps=1, prompt_tokens=5, output_tokens=5)
    r = planner.solve(problem, "auto", time_limit=20, threads=1)
    assert r.status == "OPTIMAL" and r.verified


def test_bursty_arrivals_from_the_command_line(capsys):
    """The issue's "Poisson or bursty (Gamma) arrivals" had no flag: only a problem or
    workloads file (``arrival_scv``) or a trace could make arrivals bursty."""
    args = [*BASE, "--qps", "20", "--prompt-tokens", "exp:1000", "--output-tokens", "exp:200"]
    args += ["--ttft", "500ms", "--tpot", "30ms", "--json", "-t", "20"]
    code, out, _ = run(capsys, *args)
    poisson = json.loads(out)
    code, out, _ = run(capsys, *args, "--arrival-scv", "3")
    bursty = json.loads(out)
    assert code == 0 and bursty["traffic"]["arrival_scv"] == 3.0
    assert poisson["traffic"]["arrival_scv"] == 1.0
    assert bursty["cost_per_hour"] >= poisson["cost_per_hour"]
    assert bursty["ttft_s"] > poisson["ttft_s"]
    code, _, err = run(capsys, *args, "--arrival-scv", "-1")
    assert code == 2 and "--arrival-scv must be a finite number >= 0" in err
    with pytest.raises(InputError, match="inside each workload"):
        make_problem(
            "llama-3.1-8b",
            "H100:1",
            arrival_scv=2.0,
            workloads=[
                {"name": "a", "traffic": {"qps": 1, "prompt_tokens": 5, "output_tokens": 5}}
            ],
        )


@pytest.mark.parametrize("columns", [80, 200])
def test_serve_tables_keep_every_number_at_80_columns(capsys, monkeypatch, columns):
    """At 80 columns the 15-column plan table (and the breakdown and candidate tables) cut
    numbers to ``5.…``; the README promises names fold and numbers never do."""
    args = [*BASE, "--qps", "6", "--prompt-tokens", "exp:600", "--output-tokens", "150"]
    args += ["--ttft", "800ms", "--tpot", "40ms", "-t", "60"]
    code, out, _ = run(capsys, *args, "--json")
    data = json.loads(out)
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = run(capsys, *args)
    assert code == 0 and "…" not in out
    assert max(len(line) for line in out.splitlines()) <= columns
    assert ("continued" in out) == (columns == 80)  # wide terminals: one table as before
    for g in data["groups"]:
        assert f"{g['batch']:.1f}" in out and f"{100 * g['kv_fill']:.0f}%" in out
    assert f"{data['replicas'][0]['gpu']}" in out


def test_fitted_tables_split_by_width_and_accept_no_rows():
    from rich.console import Console

    from planner.serve.report import _print_fitted

    heads = [("name", "left"), ("value one", "right"), ("value two", "right")]
    console = Console(width=24, record=True)
    _print_fitted(console, "t", heads, [["x y", "1.2345678", "22.5"]], ["x y"])
    text = console.export_text()
    assert "1.2345678" in text and "22.5" in text and "continued" in text
    assert max(len(line) for line in text.splitlines()) <= 24
    _print_fitted(Console(width=24), "t", heads, [], [])  # raised on max() of no rows


def _gpu_table(tmp_path: Path) -> Path:
    """A user GPU table (the catalog's H100 renamed, so its aliases do not clash)."""
    text = (Path(__file__).parents[2] / "models/hardware/h100-sxm.toml").read_text()
    text = re.sub(r"^aliases = .*$", "", text, flags=re.M).replace('"H100-SXM"', '"Mine"')
    path = tmp_path / "mine.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "case", ["64xFILE", "FILE:64", "--prompt-tokens", "--output-tokens", "draft"]
)
def test_out_over_a_gpu_table_histogram_or_draft_config_is_refused(capsys, tmp_path, case):
    """--out overwrote a GPU table inside --gpus, a length histogram and a draft model's
    config with the plan JSON."""
    gpus, extra = "H100:2", []
    if case in ("64xFILE", "FILE:64"):
        path = _gpu_table(tmp_path)
        gpus = case.replace("FILE", str(path))
    elif case == "draft":
        path = tmp_path / "config.json"
        path.write_text(TOY_CONFIG.read_text())
        extra = ["--speculative", "draft", "--draft-model", str(path)]
    else:
        path = tmp_path / "lengths.csv"
        path.write_text("tokens,weight\n128,1\n512,1\n")
        extra = [case, str(path)]
    before = path.read_text()
    line = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", gpus, *TRAFFIC, *extra]
    code, out, err = run(capsys, *line, "--qps", "2", "--out", str(path))
    assert code == 2 and out == "" and "refusing to overwrite an input file" in err, err
    assert path.read_text() == before


def test_a_context_warning_is_printed_once(capsys):
    """A prompt past max_position_embeddings printed its warning once per relaxation tried
    (dataclasses.replace shares the problem's meta): five identical lines."""
    line = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "--qps", "2"]
    line += ["--prompt-tokens", "1000000", "--output-tokens", "128", "-t", "3"]
    code, out, _ = run(capsys, *line)
    assert code == 0 and out.count("exceeds the model's") == 1, out


def test_json_names_capacity_and_served_tokens_apart(capsys):
    """``throughput_tokens_per_s`` is the capacity in the JSON and the served rate in the
    library's metrics: the JSON now carries both under names that say which."""
    code, out, _ = run(
        capsys,
        *["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:4", "--qps", "5"],
        *["--prompt-tokens", "512", "--output-tokens", "128", "--ttft", "1s", "--tpot", "50ms"],
        *["-t", "10", "--json"],
    )
    assert code == 0
    d = json.loads(out)
    assert d["capacity_tokens_per_s"] == pytest.approx(d["capacity_qps"] * 128)
    assert d["served_tokens_per_s"] == pytest.approx(d["served_qps"] * 128)
    assert d["served_tokens_per_s"] == pytest.approx(5 * 128)
    assert d["served_tokens_per_s"] < d["capacity_tokens_per_s"]
    assert d["throughput_tokens_per_s"] == d["capacity_tokens_per_s"]
