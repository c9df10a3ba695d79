"""The bad-input corpus: command lines that must end with exit 2 and one line on stderr.

Two kinds of cases, both plain data:

* ``GENERIC``: a bad value for an option, applied to *every* command that has the
  option (found by walking the Typer app), plus a bad environment and an unknown
  option, applied to every command;
* ``SPECIFIC``: whole command lines (bad instance files, unusable methods, files that
  must not be overwritten, unparsable sizes).

A command line is a list of words; ``{tmp}`` is the test's scratch folder (with the
files of ``FILES`` in it) and ``{instances}`` the bundled ``instances/`` folder.
"""

from __future__ import annotations


def _tide_header(counts: str) -> str:
    """The bundled TIDE trace's JSON with ``counts`` naming another .npy file."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "instances" / "offload" / "tide_trace.json"
    return json.dumps({**json.loads(path.read_text()), "counts": counts})


#: Files created in ``{tmp}`` before each case (name -> text).
FILES = {
    "null.json": "null\n",
    "list.json": "[1, 2, 3]\n",
    "smtt_types.json": '{"name": "x", "p": "abc", "d": [1]}\n',
    "smtt_null_field.json": '{"name": "x", "p": [1, 2], "d": null}\n',
    "rcpsp_types.json": '{"name": "x", "jobs": 3, "resources": "R"}\n',
    "existing.json": '{"keep": true}\n',
    "smtt_ok.json": '{"name": "ok", "p": [3, 2], "d": [2, 4]}\n',
    "existing.md": "# keep me\n",
    "notes.txt": "not an instance\n",
    "rules.py": "def two(instance, other):\n    return None\nvalue = 3\n",
    "blank.jsonl": "\n\n",
    "rcpsp_rows.csv": (
        "instance,method,status,objective,bound,gap,runtime_s,verified,reason,schema_version,"
        "planner_version,git_commit,ortools,highspy,seed,threads,time_limit,family,size,failure,"
        "reference,ref_lb,ref_gap_pct,ref_check,stats\n"
        "j301_1,auto,OPTIMAL,43,43,0.0,0.2,True,,1,0.1.0,,9.10,1.7,0,1,1.0,rcpsp,32,,,,,,{}\n"
    ),
    "serve_negative_rate.toml": (
        'model = "llama-3.1-8b"\ngpus = "H100:2"\n[traffic]\nqps = -2\n'
        "prompt_tokens = 512\noutput_tokens = 128\n"
    ),
    "serve_zero_rate.toml": (
        'model = "llama-3.1-8b"\ngpus = "H100:2"\n[traffic]\nqps = 0\n'
        "prompt_tokens = 512\noutput_tokens = 128\n"
    ),
    "serve_slow_slo.toml": (
        'model = "llama-3.1-8b"\ngpus = "H100:2"\n[traffic]\nqps = 2\n'
        "prompt_tokens = 512\noutput_tokens = 128\n[slo]\ntpot = 20000\n"
    ),
    "plan_a.json": (
        '{"plan": {"tp": 1, "pp": 1, "dp": 8}, "step_time_s": 1.0, "breakdown": {"compute": 1.0}'
        ', "memory": {"total": 10.0}, "stages": [{"memory_gib": {"total": 10.0}}]}\n'
    ),
    "serve_prices_negative.toml": "[gpu.H100]\non_demand = -3\n",
    # s15bad: RecursionError in every family's JSON reader was an internal error (exit 1)
    "deep.json": "[" * 100_000 + "]" * 100_000,
    "deep.toml": "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
    "serve_workloads_dup.toml": (
        "[[workloads]]\nname = 'a'\ntraffic = { qps = 1, prompt_tokens = 9, output_tokens = 9 }\n"
        "[[workloads]]\nname = 'a'\ntraffic = { qps = 2, prompt_tokens = 9, output_tokens = 9 }\n"
    ),
}
# s19polish's sweep (bench/session_runs/s19polish/bad_input_sweep.py) found these two
FILES["runs_no_status.csv"] = "instance,method,objective\nj301_1,auto,43\n"
FILES["profile_header_only.csv"] = "hour,qps\n"
FILES["empty_trace.npy"] = ""  # np.load raised EOFError: click's Abort, "planner: aborted", exit 1
# s21user's walkthrough: an smtt benchmark CSV to --compare with the rcpsp one
FILES["smtt_rows.csv"] = (
    FILES["rcpsp_rows.csv"]
    .replace("j301_1,auto,OPTIMAL,43,43", "ex,edd,FEASIBLE,9,1")
    .replace(",rcpsp,32,", ",smtt,20,")
)
FILES["empty_trace.json"] = _tide_header("empty_trace.npy")
FILES["offload_counts_missing.json"] = _tide_header("nowhere.npy")
# s21lib's value sweep (bench/session_runs/s21lib/bad_input_sweep.py)
FILES["profile_nan.csv"] = "hour,qps\n0,nan\n1,3\n"
FILES["serve_percentile_bool.toml"] = (
    'model = "llama-3.1-8b"\ngpus = "H100:2"\n[traffic]\nqps = 2\n'
    "prompt_tokens = 512\noutput_tokens = 128\n[slo]\ntpot = 50\npercentile = true\n"
)
FILES["serve_problem.yaml"] = 'model: "llama-3.1-8b"\ngpus: "H100:2"\n'
FILES["hist_bool.json"] = '{"values": [true, 900], "weights": [1, 3]}\n'
FILES["hist_low_zero.csv"] = "tokens,weight,low,high\n256,3,0,512\n2048,1,512,4096\n"
FILES["trace_far.jsonl"] = (
    '{"StartTimeOffset": 1e308, "ContextTokens": 761, "GeneratedTokens": 148}\n'
    '{"StartTimeOffset": 400659779, "ContextTokens": 417, "GeneratedTokens": 89}\n'
)
# s25formats: a PSPLIB archive as downloaded (zip magic), a multi-mode file, a length
# past int64 (np.asarray raised OverflowError: exit 1)
FILES["j30.sm.zip"] = "PK\x03\x04\x14\x00\x00\x00 (the rest of a zip archive)\n"
FILES["j102_2.mm"] = "jobs (incl. supersource/sink ):  12\n"
FILES["lengths_huge.txt"] = "512\n" + "9" * 40 + "\n"
FILES["offload_layers_inf.jsonl"] = (
    '{"model": {"name": "m", "layers": Infinity, "experts": 8, "top_k": 2, "shared_experts": 0,'
    ' "expert_bytes": 1000}, "hardware": {"budget": 2}, "steps": 2}\n'
)
SUBDIR = "a_directory"  # also created in {tmp}

SMTT = "{instances}/smtt/example.json"
RCPSP = "{instances}/rcpsp/j301_1.sm"

#: A valid invocation of each command (without the bad part); a command not
#: listed here is run with its path alone (fine for commands without required
#: arguments). The corpus test fails for a new command that needs one.
BASE: dict[str, list[str]] = {
    "families": ["families"],
    "warmup": ["warmup", "smtt"],
    "solve": ["solve", "smtt", SMTT, "-t", "1"],
    "bench": ["bench", "smtt", SMTT, "-t", "1"],
    "gen smtt": ["gen", "smtt", "--n", "5", "--tf", "0.2", "--rdd", "0.6"],
    "plan train": [
        "plan",
        "train",
        "--model",
        "gpt-1.7b",
        "--gpus",
        "32xA100",
        "--global-batch",
        "512",
        "--seq",
        "2048",
    ],
    "plan seqpar": [
        "plan",
        "seqpar",
        "--lengths",
        "{instances}/seqpar/wikipedia_sample.txt",
        "--batch",
        "16",
        "--steps",
        "2",
        "--gpus",
        "16",
    ],
    "plan pipelining": ["plan", "pipelining", "fa3_fwd_hopper.json", "-t", "2"],
    "plan compare": ["plan", "compare", "{tmp}/plan_a.json", "{tmp}/plan_a.json"],
    "plan serve": [
        "plan",
        "serve",
        "--model",
        "llama-3.1-8b",
        "--gpus",
        "H100:2,A100:2",
        "--qps",
        "6",
        "--prompt-tokens",
        "600",
        "--output-tokens",
        "150",
    ],
}

#: (case id, option the command must have or None for all, extra words, env, fragment)
GENERIC: list[tuple[str, str | None, list[str], dict[str, str], str]] = [
    ("time-limit-inf", "--time-limit", ["--time-limit", "inf"], {}, "--time-limit"),
    ("time-limit-negative", "--time-limit", ["--time-limit", "-1"], {}, "--time-limit"),
    ("time-limit-nan", "--time-limit", ["--time-limit", "nan"], {}, "--time-limit"),
    # s15bad: finite but huge overflowed smtt's and seqpar's step budgets (exit 1)
    ("time-limit-huge", "--time-limit", ["--time-limit", "1e308"], {}, "must be at most"),
    ("threads-zero", "--threads", ["--threads", "0"], {}, "--threads"),
    ("seed-negative", "--seed", ["--seed", "-1"], {}, "--seed"),
    ("out-directory", "--out", ["--out", "{tmp}/" + SUBDIR], {}, "is a directory"),
    ("report-directory", "--report", ["--report", "{tmp}/" + SUBDIR], {}, "is a directory"),
    ("csv-directory", "--csv", ["--csv", "{tmp}/" + SUBDIR], {}, "is a directory"),
    ("plot-directory", "--plot", ["--plot", "{tmp}/" + SUBDIR], {}, "is a directory"),
    ("plot-not-an-image", "--plot", ["--plot", "{tmp}/x.txt"], {}, "unsupported format '.txt'"),
    ("unknown-option", None, ["--no-such-option"], {}, "No such option: --no-such-option"),
    ("data-missing", None, [], {"PLANNER_DATA": "{tmp}/no_such_folder"}, "PLANNER_DATA="),
    ("data-is-a-file", None, [], {"PLANNER_DATA": "{tmp}/notes.txt"}, "not a directory"),
    (
        "families-unknown-module",
        None,
        [],
        {"PLANNER_FAMILIES": "no_such_module_xyz"},
        "PLANNER_FAMILIES: no module named 'no_such_module_xyz'",
    ),
]

PLAN_SERVE = BASE["plan serve"]
PLAN_SERVE_NO_RATE = [w for w in PLAN_SERVE if w not in ("--qps", "6")]

#: (case id, command line, fragment)
SPECIFIC: list[tuple[str, list[str], str]] = [
    *(
        (f"{cmd}-{family}-{name}", [cmd, family, "{tmp}/" + name], "{tmp}/" + name)
        for cmd in ("solve", "bench")
        for family in ("smtt", "rcpsp", "train", "serve", "seqpar", "offload", "pipelining")
        for name in ("null.json", "list.json")
    ),
    *(
        (f"solve-{family}-deep-json", ["solve", family, "{tmp}/deep.json"], "nested too deeply")
        for family in ("smtt", "rcpsp", "train", "serve", "seqpar", "offload", "pipelining")
    ),
    ("solve-serve-deep-toml", ["solve", "serve", "{tmp}/deep.toml"], "TOML nested too deeply"),
    ("solve-smtt-wrong-types", ["solve", "smtt", "{tmp}/smtt_types.json"], "field 'p'"),
    ("solve-smtt-null-field", ["solve", "smtt", "{tmp}/smtt_null_field.json"], "field 'd'"),
    ("solve-rcpsp-wrong-types", ["solve", "rcpsp", "{tmp}/rcpsp_types.json"], "rcpsp_types.json"),
    ("solve-missing-file", ["solve", "smtt", "{tmp}/none.json"], "no such file"),
    ("solve-unknown-family", ["solve", "nofamily", SMTT], "unknown family 'nofamily'"),
    ("warmup-unknown-family", ["warmup", "nofamily"], "unknown family 'nofamily'"),
    ("solve-unknown-method", ["solve", "smtt", SMTT, "-m", "nope"], "unknown smtt method"),
    ("solve-os-getcwd", ["solve", "smtt", SMTT, "-m", "os:getcwd"], "--method os:getcwd"),
    ("solve-not-a-function", ["solve", "smtt", SMTT, "-m", "os:sep"], "not a function"),
    ("solve-wrong-arity", ["solve", "smtt", SMTT, "-m", "{tmp}/rules.py:two"], "2 required"),
    ("solve-missing-plugin", ["solve", "smtt", SMTT, "-m", "{tmp}/no.py:f"], "no such file"),
    ("bench-os-getcwd", ["bench", "smtt", SMTT, "--methods", "os:getcwd"], "--methods os:getcwd"),
    # a bad plugin given with --heuristic is named by that flag (it said --methods)
    (
        "bench-heuristic-os-getcwd",
        ["bench", "smtt", SMTT, "--methods", "mdd", "--heuristic", "os:getcwd"],
        "--heuristic os:getcwd",
    ),
    (
        "bench-heuristic-missing-plugin",
        ["bench", "smtt", SMTT, "--methods", "mdd", "--heuristic", "{tmp}/no.py:f"],
        "--heuristic",
    ),
    (
        "solve-out-is-input",
        ["solve", "smtt", "{tmp}/smtt_ok.json", "--out", "{tmp}/smtt_ok.json"],
        "refusing to overwrite",
    ),
    (
        "solve-plot-no-suffix",
        ["solve", "smtt", SMTT, "--plot", "{tmp}/picture"],
        "unsupported format",
    ),
    ("gen-smtt-n-float", ["gen", "smtt", "--n", "1e18", "--tf", "0.2", "--rdd", "0.6"], "'--n'"),
    ("gen-rcpsp-jobs-float", ["gen", "rcpsp", "--jobs", "1e18"], "'--jobs'"),
    ("gen-keeps-existing-out", ["gen", "rcpsp", "--out", "{tmp}/existing.json"], "pass --force"),
    (
        "bench-keeps-existing-report",
        ["bench", "smtt", SMTT, "-t", "1", "--report", "{tmp}/existing.md"],
        "pass --force",
    ),
    ("bench-no-methods", ["bench", "smtt", SMTT, "--methods", ","], "--methods"),
    (
        "bench-missing-plugin",
        ["bench", "smtt", SMTT, "--heuristic", "{tmp}/no_such_plugin.py:rule"],
        "no such file",
    ),
    (
        "bench-plugin-without-function",
        ["bench", "smtt", SMTT, "--heuristic", "{tmp}/rules.py:rule"],
        "rules.py has no function 'rule'",
    ),
    (
        "bench-heuristic-not-a-spec",
        ["bench", "smtt", SMTT, "--heuristic", "edd"],
        "--heuristic edd",
    ),
    ("bench-suite-empty-file", ["bench", "smtt", "{tmp}/blank.jsonl"], "empty file"),
    (
        "bench-suite-empty-folder",
        ["bench", "smtt", "{tmp}/" + SUBDIR],
        "no .json/.jsonl/.txt files",
    ),
    ("bench-suite-glob-matches-nothing", ["bench", "smtt", "{tmp}/*.sm"], "matches no file"),
    (
        "bench-resume-other-family",
        ["bench", "smtt", SMTT, "-t", "1", "--csv", "{tmp}/rcpsp_rows.csv", "--resume"],
        "holds results of family 'rcpsp', not 'smtt'",
    ),
    ("bench-unknown-executor", ["bench", "smtt", SMTT, "--executor", "dask"], "--executor"),
    ("bench-resume-without-csv", ["bench", "smtt", SMTT, "-t", "1", "--resume"], "give --csv"),
    ("bench-address-without-ray", ["bench", "smtt", SMTT, "--address", "x:1"], "--address"),
    (
        "bench-compare-missing-csv",
        ["bench", "--compare", "{tmp}/a.csv", "{tmp}/b.csv"],
        "no such file",
    ),
    ("bench-no-family", ["bench"], "FAMILY"),
    (  # was an internal error (KeyError: 'status')
        "bench-compare-csv-without-status",
        ["bench", "--compare", "{tmp}/runs_no_status.csv", "{tmp}/runs_no_status.csv"],
        "{tmp}/runs_no_status.csv: not a planner benchmark CSV (no 'status' column)",
    ),
    # an empty path read as the folder '.': ".: is a directory", ": a folder without a config.json"
    ("plan-serve-trace-empty", [*PLAN_SERVE_NO_RATE, "--trace", ""], "--trace: empty value"),
    (
        "plan-train-model-empty",
        ["plan", "train", "--model", "", "--gpus", "8xA100"],
        "--model: empty",
    ),
    ("bench-compare-empty", ["bench", "--compare", "", "{tmp}/a.csv"], "--compare: empty value"),
    ("offload-empty-npy", ["solve", "offload", "{tmp}/empty_trace.npy"], "empty_trace.npy: empty"),
    # s21user's walkthrough: the same empty file as gen offload --counts was "planner: aborted"
    (
        "gen-offload-counts-empty",
        ["gen", "offload", "--counts", "{tmp}/empty_trace.npy", "-o", "{tmp}/wrapped.json"],
        "--counts {tmp}/empty_trace.npy: empty file",
    ),
    (  # printed an empty comparison, "No run changed its status or objective", exit 0
        "bench-compare-other-family",
        ["bench", "--compare", "{tmp}/rcpsp_rows.csv", "{tmp}/smtt_rows.csv"],
        "holds results of family 'rcpsp', {tmp}/smtt_rows.csv of 'smtt'",
    ),
    (  # looped forever: every github document is >= 250 tokens
        "gen-seqpar-max-len-below-the-mix",
        ["gen", "seqpar", "--mix", "github", "--max-len", "10", "-o", "{tmp}/b.json"],
        "--max-len: 10 tokens keeps 0 of the github mix",
    ),
    (  # silently ignored with a FlexSP preset, exit 0
        "gen-seqpar-strategies-with-a-preset",
        ["gen", "seqpar", "--mix", "github", "--strategies", "ring", "-o", "{tmp}/b.json"],
        "--strategies ring: FlexSP preset flexsp-7b",
    ),
    (  # silently ignored: the scenario has its own five resources
        "gen-rcpsp-resources-with-datacenter",
        ["gen", "rcpsp", "--scenario", "datacenter-migration", "--resources", "7"],
        "--resources 7: the datacenter-migration scenario",
    ),
    (
        "offload-counts-file-missing",
        ["solve", "offload", "{tmp}/offload_counts_missing.json"],
        "offload_counts_missing.json: field 'counts': {tmp}/nowhere.npy: no such file",
    ),
    (  # said "profile: no period given", naming no file
        "plan-serve-profile-csv-header-only",
        [*PLAN_SERVE_NO_RATE, "--profile", "{tmp}/profile_header_only.csv"],
        "{tmp}/profile_header_only.csv: no period given",
    ),
    (  # said "profile: rate of period 0 must be a number, got nan", naming no file
        "plan-serve-profile-csv-nan",
        [*PLAN_SERVE_NO_RATE, "--profile", "{tmp}/profile_nan.csv"],
        "{tmp}/profile_nan.csv:2: column 'qps' must be a finite number >= 0, got 'nan'",
    ),
    (  # float(True): planned at p1 without a word
        "serve-file-percentile-true",
        ["solve", "serve", "{tmp}/serve_percentile_bool.toml"],
        "slo: percentile: expected a number such as 90 or 99, got True",
    ),
    (  # float(True): a class of 1 token
        "plan-serve-histogram-bool",
        [*PLAN_SERVE[:8], "--prompt-tokens", "{tmp}/hist_bool.json", "--output-tokens", "150"],
        "hist_bool.json: values[0] True: must be a number",
    ),
    (  # "every token count must be >= 1" beside counts of 256 and 2048 (s22walk)
        "plan-serve-histogram-low-zero",
        [*PLAN_SERVE[:8], "--prompt-tokens", "{tmp}/hist_low_zero.csv", "--output-tokens", "150"],
        "hist_low_zero.csv: length distribution: every low must be >= 1, got 0",
    ),
    (  # the hint "(bare numbers are milliseconds)" was given for a unit too (s22walk)
        "plan-serve-tpot-20s-no-ms-hint",
        [*PLAN_SERVE, "--tpot", "20s"],
        "--tpot: 20 s is over 10 s; pass --allow-slow",
    ),
    (  # OverflowError in the gaps' variance: internal error, exit 1
        "plan-serve-trace-arrival-1e308",
        [*PLAN_SERVE[:6], "--trace", "{tmp}/trace_far.jsonl"],
        "trace_far.jsonl:1: field 'StartTimeOffset' = 1e+308 is more than 1e+12 s from 0",
    ),
    (  # int(inf): OverflowError, internal error, exit 1
        "offload-jsonl-layers-inf",
        ["solve", "offload", "{tmp}/offload_layers_inf.jsonl"],
        "offload_layers_inf.jsonl:1: header field 'model.layers' inf: must be an integer",
    ),
    (  # json.loads: RecursionError, internal error, exit 1
        "plan-serve-offload-plan-deep",
        [
            *["plan", "serve", "--model", "mixtral-8x7b", "--gpus", "L40S:1", "--qps", "0.1"],
            *["--prompt-tokens", "500", "--output-tokens", "100", "--offload", "{tmp}/deep.json"],
        ],
        "deep.json: JSON nested too deeply (not a JSON offload plan)",
    ),
    (  # "s.yaml:1: malformed JSON (Expecting value)" named no file type serve reads
        "solve-serve-yaml",
        ["solve", "serve", "{tmp}/serve_problem.yaml"],
        "malformed JSON (Expecting value) (a serve input is a .toml / .json / .jsonl file)",
    ),
    ("solve-missing-argument", ["solve"], "Missing argument 'FAMILY'"),
    ("serve-negative-rate", ["solve", "serve", "{tmp}/serve_negative_rate.toml"], "qps"),
    ("serve-zero-rate", ["solve", "serve", "{tmp}/serve_zero_rate.toml"], "qps"),
    ("serve-file-slow-tpot", ["solve", "serve", "{tmp}/serve_slow_slo.toml"], "slo: tpot"),
    ("plan-serve-tpot-20s", [*PLAN_SERVE, "--tpot", "20s"], "--tpot: 20 s is over 10 s"),
    ("plan-serve-tpot-bare-ms", [*PLAN_SERVE, "--tpot", "20000"], "--tpot: 20 s"),
    ("plan-serve-ttft-11min", [*PLAN_SERVE, "--ttft", "11min"], "--ttft"),
    ("plan-serve-tpot-minus-zero", [*PLAN_SERVE, "--tpot", "-0"], "got 0 s"),
    ("plan-serve-acceptance-high", [*PLAN_SERVE, "--spec-acceptance", "1.5"], "--spec-acceptance"),
    (
        "plan-serve-acceptance-negative",
        [*PLAN_SERVE, "--speculative", "eagle", "--spec-acceptance", "-0.2"],
        "--spec-acceptance must lie in [0, 1], got -0.2",
    ),
    ("plan-serve-prefix-hit", [*PLAN_SERVE, "--prefix-hit-rate", "2"], "--prefix-hit-rate"),
    (
        "plan-serve-prices-negative",
        [*PLAN_SERVE, "--prices", "{tmp}/serve_prices_negative.toml"],
        "gpu.H100.on_demand must be >= 0",
    ),
    ("plan-serve-pricing-tier", [*PLAN_SERVE, "--pricing", "weekly"], "--pricing"),
    (
        "plan-serve-workloads-duplicate",
        [*PLAN_SERVE[:6], "--workloads", "{tmp}/serve_workloads_dup.toml"],
        "duplicate name 'a'",
    ),
    ("plan-serve-profile-negative", [*PLAN_SERVE_NO_RATE, "--profile", "3,-1"], "period 1"),
    ("plan-serve-profile-with-qps", [*PLAN_SERVE, "--profile", "3,1"], "--profile"),
    ("plan-serve-qps-nan", [*PLAN_SERVE_NO_RATE, "--qps", "nan"], "--qps nan: must be a finite"),
    ("plan-serve-qps-inf", [*PLAN_SERVE_NO_RATE, "--qps", "inf"], "--qps inf: must be a finite"),
    ("gen-smtt-tf-nan", ["gen", "smtt", "--n", "5", "--tf", "nan", "--rdd", "0.6"], "--tf nan"),
    (
        "plan-train-headroom-nan",
        [*BASE["plan train"], "--memory-headroom", "nan"],
        "--memory-headroom nan: must be a finite number",
    ),
    ("solve-bad-integer", ["solve", "smtt", SMTT, "--threads", "two"], "'--threads'"),
    # two outputs on one path: the second overwrote the first
    (
        "solve-out-and-plot-same-file",
        ["solve", "smtt", SMTT, "-t", "1", "--out", "{tmp}/x.png", "--plot", "{tmp}/x.png"],
        "--plot {tmp}/x.png: --out writes the same file",
    ),
    (
        "bench-csv-and-report-same-file",
        ["bench", "smtt", SMTT, "-t", "1", "--report", "{tmp}/r.md", "--csv", "{tmp}/r.md"],
        "--report writes the same file",
    ),
    (
        "plan-train-plot-and-breakdown-same-file",
        [*BASE["plan train"], "--plot", "{tmp}/p.png", "--plot-breakdown", "{tmp}/p.png"],
        "writes the same file",
    ),
    # s22small: `--report x.csv` wrote the Markdown summary under a CSV name
    (
        "bench-report-not-markdown",
        ["bench", "smtt", SMTT, "-t", "1", "--report", "{tmp}/r.csv"],
        "--report {tmp}/r.csv: unsupported format '.csv' (use .md)",
    ),
    (
        "bench-compare-report-not-markdown",
        [
            "bench",
            "--compare",
            "{tmp}/rcpsp_rows.csv",
            "{tmp}/rcpsp_rows.csv",
            "--report",
            "{tmp}/r",
        ],
        "--report {tmp}/r: unsupported format 'no suffix' (use .md)",
    ),
    # s22small: gen rcpsp kept more layers than tasks (meta said 50 for 5) and cut the
    # migration scenario's to its 10 phases, without a word; --tasks is --jobs' new name
    (
        "gen-rcpsp-layers-above-tasks",
        ["gen", "rcpsp", "--tasks", "5", "--layers", "6"],
        "--layers 6: at most --tasks (5): every layer holds a task",
    ),
    (
        "gen-rcpsp-layers-above-phases",
        ["gen", "rcpsp", "--scenario", "datacenter-migration", "--layers", "11"],
        "--layers 11: at most 10 (the datacenter-migration scenario's phases)",
    ),
    ("gen-rcpsp-tasks-float", ["gen", "rcpsp", "--tasks", "1e18"], "'--tasks'"),
    (
        "gen-rcpsp-jobs-zero",  # the former name is named as typed
        ["gen", "rcpsp", "--jobs", "0"],
        "--jobs 0: must be an integer from 1 to 300",
    ),
    (
        "gen-rcpsp-tasks-and-jobs",
        ["gen", "rcpsp", "--tasks", "5", "--jobs", "6"],
        "--jobs is the former name of --tasks",
    ),
    # s22small's gen sweep: a huge TF / RDD made due dates past int64 (internal error, exit 1)
    (
        "gen-smtt-tf-huge",
        ["gen", "smtt", "--n", "5", "--tf", "1e30", "--rdd", "0.6"],
        "--tf: must be at most 100, got 1e+30",
    ),
    (
        "gen-smtt-rdd-huge",
        ["gen", "smtt", "--n", "5", "--tf", "0.2", "--rdd", "99999999999999999999"],
        "--rdd: must be at most 100, got 1e+20",
    ),
    # s22small's gen sweep: gen offload named the JSON field 'hardware.budget', and blamed the
    # preset's --stability for what --zipf did
    (
        "gen-offload-budget-zero",
        ["gen", "offload", "--steps", "4", "--budget", "0"],
        "--budget: must be an integer in 1..257, got 0",
    ),
    (
        "gen-offload-zipf-out-of-reach",
        ["gen", "offload", "--steps", "4", "--zipf", "1.5"],
        "--zipf 1.5 / --drift 0.02: the llada2-mini preset's --stability 0.95 is out of reach",
    ),
    (
        "gen-offload-h2d-zero",
        ["gen", "offload", "--steps", "4", "--h2d-gb-s", "0"],
        "--h2d-gb-s: must be > 0, got 0.0",
    ),
    (
        "gen-offload-gpu-call-nan",
        ["gen", "offload", "--steps", "4", "--gpu-call-us", "nan"],
        "--gpu-call-us: must be a number >= 0, got nan",
    ),
    # s30bad: named no flag (the GPU catalog's, the preset table's, the JSON field's words), or
    # an empty --name gave the default name
    (
        "bench-compare-directory",
        ["bench", "--compare", "{tmp}/a_directory", "{tmp}/a_directory"],
        "--compare {tmp}/a_directory: is a directory, expected a CSV file",
    ),
    (
        "gen-offload-unknown-gpu",
        ["gen", "offload", "--steps", "4", "--gpu", "H1OO", "-o", "{tmp}/t.json"],
        "--gpu: unknown GPU 'H1OO'",
    ),
    (
        "gen-offload-unknown-preset",
        ["gen", "offload", "--steps", "4", "--preset", "llada3", "-o", "{tmp}/t.json"],
        "--preset: unknown offload preset 'llada3'",
    ),
    (
        "gen-offload-unknown-initial",
        ["gen", "offload", "--steps", "4", "--initial", "full", "-o", "{tmp}/t.json"],
        "--initial: must be one of empty, first, got 'full'",
    ),
    (
        "gen-offload-empty-name",
        ["gen", "offload", "--steps", "4", "--name", " ", "-o", "{tmp}/t.json"],
        "--name: is empty",
    ),
    (
        "gen-offload-global-budget-huge",
        ["gen", "offload", "--steps", "4", "--global-budget", "99999999999999999999"],
        "--global-budget: must be an integer in 19..4883",
    ),
    # s22small: end of the s22small cases
    # s25formats: files as users bring them
    ("solve-rcpsp-zip", ["solve", "rcpsp", "{tmp}/j30.sm.zip"], "a zip archive, not a text file"),
    ("solve-rcpsp-mm", ["solve", "rcpsp", "{tmp}/j102_2.mm"], "a multi-mode PSPLIB file (MRCPSP)"),
    (
        "gen-seqpar-length-beyond-int64",
        ["gen", "seqpar", "--lengths", "{tmp}/lengths_huge.txt", "-o", "{tmp}/b.json"],
        "lengths_huge.txt:2: length " + "9" * 30 + "... is above",
    ),
    # s26walk: a new user's bad values named the problem file's field or no flag at all
    (
        "plan-train-global-batch-zero",
        [*BASE["plan train"][:6], "--global-batch", "0", "--seq", "2048"],
        "--global-batch must be a positive integer, got 0",
    ),
    (
        "plan-train-seq-zero",
        [*BASE["plan train"][:6], "--global-batch", "8", "--seq", "0"],
        "--seq must be a positive integer, got 0",
    ),
    # s30bad: a constraint flag's value was named as a problem file's field ("constraints: tp")
    (
        "plan-train-tp-zero",
        [*BASE["plan train"][:6], "-B", "8", "-s", "512", "--tp", "0"],
        "--tp must be a positive integer, got 0",
    ),
    (
        "plan-train-recompute-unknown",
        [*BASE["plan train"][:6], "-B", "8", "-s", "512", "--recompute", "most"],
        "--recompute must be one of none, selective, full, offload, got 'most'",
    ),
    (
        "plan-train-stage-layers-zero",
        [*BASE["plan train"][:6], "-B", "8", "-s", "512", "--stage-layers", "0,24"],
        "--stage-layers entry must be a positive integer, got 0",
    ),
    (
        "plan-train-interleave-zero",
        [*BASE["plan train"][:6], "-B", "8", "-s", "512", "-v", "0"],
        "--interleave (-v) must be a positive integer, got 0",
    ),
    (
        "plan-train-max-gpus-above-the-cluster",
        [*BASE["plan train"][:6], "-B", "8", "-s", "512", "--max-gpus", "64"],
        "--max-gpus 64 exceeds the 32 GPUs of --gpus 32xA100-80GB",
    ),
    (
        "plan-train-unknown-precision",
        [*BASE["plan train"][:6], "-B", "8", "-s", "512", "--precision", "int3"],
        "--precision: unknown precision 'int3'",
    ),
    (
        "plan-train-unknown-network",
        [*BASE["plan train"][:6], "-B", "8", "-s", "512", "--network", "ib-qdr"],
        "--network: unknown network 'ib-qdr'",
    ),
    (
        "plan-train-unknown-gpu",
        ["plan", "train", "--model", "gpt-1.7b", "--gpus", "8xH1OO", "-B", "8", "-s", "512"],
        "--gpus '8xH1OO': unknown GPU 'H1OO'; closest: H100",
    ),
    (
        "plan-serve-workloads-with-qps",
        [*PLAN_SERVE, "--workloads", "{tmp}/serve_workloads_dup.toml"],
        "give the traffic inside --workloads, not --qps, --prompt-tokens, --output-tokens",
    ),
]

#: (case id, command line, fragment, modules made unimportable for the case)
WITHOUT_MODULES: list[tuple[str, list[str], str, list[str]]] = [
    (
        "bench-ray-not-installed",
        ["bench", "smtt", SMTT, "-t", "1", "--executor", "ray"],
        "pip install 'planner[ray]'",
        ["ray"],
    ),
]
