"""``planner plan serve``: the serving planner on the command line.

The family contributes the ``serve`` command of the shared ``plan`` group
(the CLI merges every family's ``plan`` app); bad input raises
``InputError`` (exit 2 through :func:`planner.cli.main`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from planner.cli_options import prices_option, pricing_option
from planner.core import console, validate
from planner.core.errors import InputError, positive_int
from planner.core.io import dump_json, ensure_not_input, write_atomic
from planner.core.provenance import run_provenance
from planner.core.timing import Deadline

if TYPE_CHECKING:
    from planner.serve.instance import ServingProblem

# --pricing / --prices: one definition with plan train's (planner.cli_options)
Pricing = pricing_option()
Prices = prices_option()

plan_app = typer.Typer(help="Plan a deployment: training layouts, serving replicas.")
#: Default wall-clock budget of ``--simulate`` (2,000 requests of a large MoE plan take
#: about a minute on a loaded 2-core machine).
SIM_TIME_LIMIT = 300.0


@plan_app.command("serve")
def serve(
    model: Annotated[
        str, typer.Option("--model", help="Catalog name (llama-3.1-70b) or config.json.")
    ],
    gpus: Annotated[
        str,
        typer.Option(
            "--gpus", help="Inventory with counts as limits: H100:16,A100:32, 64xH100 or a TOML."
        ),
    ],
    qps: Annotated[
        float | None,
        typer.Option("--qps", help="Requests/s to serve; omit for maximum throughput.", min=0),
    ] = None,
    prompt_tokens: Annotated[
        str | None,
        typer.Option(
            "--prompt-tokens",
            help="Prompt length: 512, uniform:A-B, exp:MEAN, normal:M,S, lognormal:M,S, "
            "or a histogram file (.csv with tokens,weight columns; .json/.toml values, weights).",
        ),
    ] = None,
    output_tokens: Annotated[
        str | None, typer.Option("--output-tokens", help="Output length (same forms).")
    ] = None,
    trace: Annotated[
        Path | None,
        typer.Option(
            "--trace",
            help="JSON Lines trace (arrival_s|StartTimeOffset, prompt_tokens|ContextTokens, "
            "output_tokens|GeneratedTokens).",
        ),
    ] = None,
    workloads: Annotated[
        Path | None,
        typer.Option(
            "--workloads",
            help="TOML/JSON with [[workloads]] (name, traffic, slo) sharing the fleet, instead "
            "of --qps/--prompt-tokens/--output-tokens/--trace; --ttft/--tpot are the SLO of "
            "a workload without an slo table.",
        ),
    ] = None,
    ttft: Annotated[
        str | None,
        typer.Option(
            "--ttft",
            help="Time-to-first-token target: 1s, 500ms; a bare number is milliseconds "
            "(over 10 min needs --allow-slow).",
        ),
    ] = None,
    tpot: Annotated[
        str | None,
        typer.Option(
            "--tpot",
            help="Time-per-output-token target: 50ms; a bare number is milliseconds "
            "(over 10 s needs --allow-slow).",
        ),
    ] = None,
    allow_slow: Annotated[
        bool, typer.Option("--allow-slow", help="Accept a TTFT over 10 min or a TPOT over 10 s.")
    ] = False,
    percentile: Annotated[
        float, typer.Option("--percentile", help="SLO percentile (0-100).")
    ] = 99.0,
    precision: Annotated[
        str, typer.Option("--precision", help="bf16, fp8 or fp4 (B200) for weights/activations.")
    ] = "bf16",
    kv_precision: Annotated[
        str | None,
        typer.Option("--kv-precision", help="KV-cache precision (default: --precision)."),
    ] = None,
    tp: Annotated[int | None, typer.Option("--tp", help="Fix tensor parallelism.", min=1)] = None,
    pp: Annotated[int | None, typer.Option("--pp", help="Fix pipeline parallelism.", min=1)] = None,
    ep: Annotated[int | None, typer.Option("--ep", help="Fix expert parallelism.", min=1)] = None,
    gpu_type: Annotated[
        str | None, typer.Option("--gpu-type", help="Only use this pool / GPU type.")
    ] = None,
    disaggregate: Annotated[
        bool,
        typer.Option(
            "--disaggregate", help="Allow separate prefill and decode pools (DistServe-style)."
        ),
    ] = False,
    disaggregate_only: Annotated[
        bool,
        typer.Option("--disaggregate-only", help="Only prefill + decode pools (no colocated)."),
    ] = False,
    max_batch: Annotated[
        int | None, typer.Option("--max-batch", help="Cap on the mean decode batch.", min=1)
    ] = None,
    chunk_tokens: Annotated[
        int | None, typer.Option("--chunk-tokens", help="Fix the prefill chunk size.", min=1)
    ] = None,
    kv_admission: Annotated[
        str,
        typer.Option(
            "--kv-admission",
            help="on-demand (vLLM/SGLang paged KV) or reserve (TensorRT-LLM no-evict).",
        ),
    ] = "on-demand",
    speculative: Annotated[
        str | None,
        typer.Option(
            "--speculative",
            help="Allow speculative decoding: eagle (head from --draft-model or a published "
            "one), mtp (models with MTP layers, e.g. DeepSeek-V3) or draft (with "
            "--draft-model); the planner uses it where it pays.",
        ),
    ] = None,
    spec_tokens: Annotated[
        int | None,
        typer.Option(
            "--spec-tokens",
            help="Speculative tokens per step (k; default 3; at most the longest output).",
        ),
    ] = None,
    spec_acceptance: Annotated[
        float | None,
        typer.Option(
            "--spec-acceptance", help="Per-token acceptance rate in [0, 1] (default 0.7)."
        ),
    ] = None,
    draft_model: Annotated[
        str | None,
        typer.Option(
            "--draft-model",
            help="Draft model for --speculative draft (catalog name or config), or the EAGLE "
            "head (Hugging Face id or path) for --speculative eagle, written into --export.",
        ),
    ] = None,
    prefix_hit_rate: Annotated[
        float,
        typer.Option("--prefix-hit-rate", help="Share of prompt tokens found in the prefix cache."),
    ] = 0.0,
    arrival_scv: Annotated[
        float | None,
        typer.Option(
            "--arrival-scv",
            help="Burstiness of arrivals: squared coefficient of variation of the gaps "
            "(1 Poisson, the default; above 1 bursty Gamma arrivals; below 1 the model "
            "plans as for Poisson, the simulator draws the smoother arrivals).",
        ),
    ] = None,
    kv_block: Annotated[
        int,
        typer.Option(
            "--kv-block",
            help="Paged KV-cache block size in tokens: a power of two (vLLM 1-128, SGLang up "
            "to 8192), at most the model's longest sequence.",
        ),
    ] = 16,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="Engine the step times assume: trtllm (nim), vllm or sglang, "
            "optionally NAME:VERSION,eager,steps=K,tokens=N,tuned,fp8-law,pad=N,kv=F,mem=F (e.g. "
            "vllm:0.6.3,steps=10; tokens = the engine's --max-num-batched-tokens; tuned = a "
            "build with shape-tuned GEMMs, AMD's MLPerf images; fp8-law = Hopper FP8 GEMMs at "
            "DeepGEMM's measured shape law; pad=N = decode batches padded to the next captured "
            "CUDA-graph size, up to N; kv=F = TensorRT-LLM's "
            "--kv_cache_free_gpu_mem_fraction, default 0.9; mem=F = vLLM's "
            "--gpu-memory-utilization, default 0.9). Default: trtllm on NVIDIA "
            "GPUs, vllm on AMD GPUs; pools a named engine cannot run on are left out.",
        ),
    ] = None,
    pricing: Pricing = None,
    prices: Prices = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            help="Load over a day: rates per period (10,12,30,...), a CSV (qps column) or a "
            "JSON Lines trace (arrivals binned); plans the fleet per period (JSON key day).",
        ),
    ] = None,
    period_hours: Annotated[
        float | None,
        typer.Option("--period-hours", help="Length of a --profile period, hours (default 1)."),
    ] = None,
    min_replicas: Annotated[
        int | None,
        typer.Option("--min-replicas", help="Autoscaling: fewest replicas (default 0).", min=0),
    ] = None,
    max_replicas: Annotated[
        int | None, typer.Option("--max-replicas", help="Autoscaling: most replicas.", min=0)
    ] = None,
    max_change: Annotated[
        int | None,
        typer.Option(
            "--max-change", help="Autoscaling: replicas started + stopped per period.", min=0
        ),
    ] = None,
    spot: Annotated[
        bool, typer.Option("--spot", help="Allow spot replicas (prices from the price table).")
    ] = False,
    spot_recovery: Annotated[
        str | None,
        typer.Option(
            "--spot-recovery", help="Time to replace a preempted spot replica (default 15min)."
        ),
    ] = None,
    spot_max_share: Annotated[
        float | None,
        typer.Option("--spot-max-share", help="Largest share of spot replicas (default 1)."),
    ] = None,
    method: Annotated[str, typer.Option("--method", "-m", help="auto, mip or greedy.")] = "auto",
    time_limit: Annotated[
        float, typer.Option("--time-limit", "-t", help="Solver seconds (> 0).")
    ] = 10.0,
    threads: Annotated[int, typer.Option("--threads", help="Solver threads.", min=1)] = 1,
    top: Annotated[int, typer.Option("--top", help="Rows of the candidate tables.", min=1)] = 12,
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate",
            help="Also run the plan in the discrete-event simulator (percentiles beside the "
            "model's; JSON key simulated).",
        ),
    ] = False,
    sim_requests: Annotated[
        int | None,
        typer.Option(
            "--sim-requests",
            help="Requests of the simulated trace (default 10,000, at most 10,000,000); "
            "the first 10 % are its warm-up, left out of the percentiles.",
            min=1,
            max=10_000_000,
        ),
    ] = None,
    sim_seed: Annotated[
        int | None,
        typer.Option("--sim-seed", help="Seed of the simulated trace (default 0).", min=0),
    ] = None,
    sim_time_limit: Annotated[
        float | None,
        typer.Option(
            "--sim-time-limit",
            help="Wall-clock seconds for --simulate (default 300): past it the percentiles "
            "are left out and the reason given.",
        ),
    ] = None,
    export: Annotated[
        str | None,
        typer.Option(
            "--export",
            help="Launch commands for vllm, sglang or trtllm (JSON key export).",
        ),
    ] = None,
    offload: Annotated[
        Path | None,
        typer.Option(
            "--offload",
            help="Expert-offload plan (planner solve offload -o PLAN.json): replicas hold its "
            "resident experts, misses run on the host CPU (JSON key offload).",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the plan JSON here; with --export, the launch commands instead (a "
            "shell script; the plan JSON is then --json on stdout), as plan train does.",
        ),
    ] = None,
) -> None:
    """Choose serving replicas (GPU type, TP/PP/EP, count, role) meeting SLOs at minimum $/hour."""
    if disaggregate and disaggregate_only:
        raise InputError("--disaggregate and --disaggregate-only are exclusive")
    mode = "force" if disaggregate_only else ("allow" if disaggregate else "off")
    if qps is not None and qps <= 0:
        raise InputError(f"--qps must be a finite number > 0, got {qps:g}")
    if profile is not None and (qps is not None or workloads is not None):
        raise InputError("--profile gives the rates: drop --qps / --workloads")
    if export is not None and export not in ("vllm", "sglang", "trtllm"):
        raise InputError(f"--export must be vllm, sglang or trtllm, got {export!r}")
    if export is not None and offload is not None:  # their flags would load every expert
        raise InputError("--export: no engine's launch flags express an --offload plan")
    if profile is None:  # these only shape the per-period plan of a day
        for flag, value in (
            ("--spot", spot or None),
            ("--max-replicas", max_replicas),
            ("--max-change", max_change),
            ("--period-hours", period_hours),
            ("--min-replicas", min_replicas),
            ("--spot-recovery", spot_recovery),
            ("--spot-max-share", spot_max_share),
        ):
            if value is not None:
                raise InputError(f"{flag} plans a day of periods: give --profile too")
    else:  # a day is one MIP over all periods: these act on the single plan only
        for flag, value in (
            ("--simulate", simulate or None),
            ("--export", export),
            ("--method", None if method == "auto" else method),
        ):
            if value is not None:
                raise InputError(f"{flag} acts on a single plan: not with --profile (a day)")
    if not simulate:
        for flag, value in (
            ("--sim-requests", sim_requests),
            ("--sim-seed", sim_seed),
            ("--sim-time-limit", sim_time_limit),
        ):
            if value is not None:
                raise InputError(f"{flag} shapes the simulated trace: give --simulate too")
    if sim_requests is None:
        from planner.serve.simulate import DEFAULT_REQUESTS

        sim_requests = DEFAULT_REQUESTS
    sim_time_limit = validate.time_limit(
        SIM_TIME_LIMIT if sim_time_limit is None else sim_time_limit, "--sim-time-limit"
    )
    sim_seed = 0 if sim_seed is None else sim_seed
    if out is not None:
        # --model, --gpus and --profile may name files too (config.json, a TOML, a CSV)
        # and a GPU table inside --gpus, the length histograms, the draft model's config (these
        # three were overwritten)
        from planner.perfmodel.hardware import inventory_files

        files = (model, profile, prompt_tokens, output_tokens, draft_model)
        named = [Path(v) for v in files if v is not None and Path(v).is_file()]
        named += inventory_files(gpus)
        ensure_not_input(
            out, [p for p in (trace, workloads, prices, offload) if p is not None] + named, "--out"
        )
    from planner.perfmodel.serving_features import (
        SPECULATIVE_METHODS,
        Speculative,
        check_fraction,
    )
    from planner.serve.api import make_problem, solve
    from planner.serve.report import print_report, result_json

    if check_fraction(prefix_hit_rate, "--prefix-hit-rate") >= 1:
        raise InputError("--prefix-hit-rate must be below 1 (a prompt's last token is computed)")
    if arrival_scv is not None and not (math.isfinite(arrival_scv) and arrival_scv >= 0):
        raise InputError(f"--arrival-scv must be a finite number >= 0, got {arrival_scv!r}")
    from planner.serve.traffic import MAX_ARRIVAL_SCV

    if arrival_scv is not None and arrival_scv > MAX_ARRIVAL_SCV:
        raise InputError(f"--arrival-scv must be at most {MAX_ARRIVAL_SCV:g}, got {arrival_scv!r}")
    if draft_model is not None and speculative not in ("draft", "eagle"):  # was ignored
        raise InputError(
            "--draft-model goes with --speculative draft (the draft model) or eagle "
            "(the EAGLE head's Hugging Face id or path)"
        )
    for flag, value in (("--spec-tokens", spec_tokens), ("--spec-acceptance", spec_acceptance)):
        if value is not None and speculative is None:  # were ignored
            raise InputError(f"{flag} shapes speculative decoding: give --speculative too")
    spec = None
    if speculative is not None:
        acceptance = 0.7 if spec_acceptance is None else spec_acceptance
        check_fraction(acceptance, "--spec-acceptance")
        tokens = 3 if spec_tokens is None else spec_tokens
        # Speculative's own messages ("speculative tokens must be ...") named no flag (s28bad)
        if speculative not in SPECULATIVE_METHODS:
            raise InputError(
                f"--speculative must be one of {', '.join(SPECULATIVE_METHODS)}, "
                f"got {speculative!r}"
            )
        positive_int(tokens, "--spec-tokens", allow_none=False)
        if speculative == "draft" and not draft_model:
            raise InputError("--speculative draft needs --draft-model (catalog name or config)")
        spec = Speculative(speculative, tokens, acceptance, draft_model)
        if speculative == "draft":  # read now: a bad one only dropped every draft candidate
            from planner.perfmodel.readers import load_model

            try:
                load_model(draft_model)
            except InputError as exc:
                raise InputError(f"--draft-model {draft_model!r}: {exc}") from None

    try:
        problem = make_problem(
            model,
            gpus,
            qps=qps,
            prompt_tokens=prompt_tokens,
            output_tokens=output_tokens,
            trace=trace,
            ttft=ttft,
            tpot=tpot,
            allow_slow=allow_slow,
            percentile=percentile,
            precision=precision,
            kv_precision=kv_precision,
            tp=tp,
            pp=pp,
            ep=ep,
            gpu=gpu_type,
            disaggregation=mode,
            max_batch=max_batch,
            chunk_tokens=chunk_tokens,
            kv_admission=kv_admission,
            kv_block_tokens=kv_block,
            speculative=spec,
            prefix_hit_rate=prefix_hit_rate,
            arrival_scv=arrival_scv,
            workloads=workloads,
            pricing=pricing,
            prices=prices,
            engine=engine,
            offload=offload,
        )
    except InputError as exc:
        if spec is not None and spec_tokens is None and str(exc).startswith("--spec-tokens "):
            # the bound refused the default draft length the user never typed (s29review)
            rest = str(exc).partition(":")[2]
            raise InputError(f"--spec-tokens {spec.tokens} (the default):{rest}") from None
        raise
    from planner.serve.export import check_engine_runs

    check_engine_runs(problem)  # timing for an engine release that cannot load the model
    if export is not None:  # refuse what the tool cannot run; search only what it can start
        from planner.serve.export import launchable

        problem = launchable(problem, export)
    if profile is not None:
        _day(
            problem,
            profile,
            1.0 if period_hours is None else period_hours,
            min_replicas or 0,
            max_replicas,
            max_change,
            spot,
            "15min" if spot_recovery is None else spot_recovery,
            1.0 if spot_max_share is None else spot_max_share,
            prices,
            time_limit,
            threads,
            json_out,
            out,
        )
        return
    with console.clean_stdout() as stdout:
        deadline = Deadline(time_limit)  # the export's restriction check shares the limit
        result = solve(problem, method, time_limit=time_limit, threads=threads, explain=True)
        data = result_json(problem, result)
        data.update(run_provenance(threads=threads, time_limit=time_limit))
        if simulate:
            data["simulated"] = None
            if result.solution is not None and result.solution.replicas:
                from planner.serve.simulate import simulate as run_simulation

                if problem.shared:
                    data["simulated"] = {
                        "workloads": {
                            name: run_simulation(
                                part,
                                result.solution.for_workload(name),
                                requests=sim_requests,
                                seed=sim_seed,
                                time_limit=sim_time_limit,
                            )
                            for name, part in problem.parts()
                        }
                    }
                else:
                    data["simulated"] = run_simulation(
                        problem,
                        result.solution,
                        requests=sim_requests,
                        seed=sim_seed,
                        time_limit=sim_time_limit,
                    )
        refused = None
        if export is not None:
            from planner.serve.export import export_plan, restriction_effect
            from planner.serve.workloads import export_problem

            effect = restriction_effect(
                problem, result, time_limit=deadline.remaining(), threads=threads
            )
            if effect is not None:  # the target's restriction changed the plan: say so
                data["export_restriction"] = effect
            data["export"] = None
            if result.solution is not None and result.solution.replicas:
                try:
                    data["export"] = export_plan(export_problem(problem), result.solution, export)
                except InputError as exc:  # the plan is still shown; then exit 2 naming why
                    refused = exc
                    data["export"] = {"tool": export, "refused": str(exc), "commands": []}
        if json_out:
            console.write_json_line(stdout, data)
    if out is not None and export is not None:
        # the launch, as plan train --export -o writes it (this wrote the JSON: s23small)
        if data.get("export") and refused is None:
            from planner.serve.report import export_script

            write_atomic(out, export_script(data["export"]))
        elif refused is None:  # no plan, nothing to launch: say so (not an error)
            console.no_plot("--out", out, result)
    elif out is not None:
        dump_json(out, data)
    if not json_out:
        print_report(problem, result, top=top, simulated=data.get("simulated"))
        if data.get("export_restriction"):
            console.out_console().print(
                f"# {data['export_restriction']['message']}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        if data.get("export") and refused is None:
            from planner.serve.report import print_export

            print_export(data["export"])
    if refused is not None:
        raise refused


def _day(
    problem: ServingProblem,
    profile: str,
    period_hours: float,
    min_replicas: int,
    max_replicas: int | None,
    max_change: int | None,
    spot: bool,
    spot_recovery: str,
    spot_max_share: float,
    prices: Path | None,
    time_limit: float,
    threads: int,
    json_out: bool,
    out: Path | None,
) -> None:
    """``--profile``: plan the fleet per period (:mod:`planner.serve.day`)."""
    from planner.serve.day import Autoscaling, SpotPolicy, parse_profile, plan_day, print_day
    from planner.serve.report import engine_json
    from planner.serve.units import parse_duration

    day_profile = parse_profile(profile, period_hours=period_hours)
    recovery = parse_duration(spot_recovery, what="--spot-recovery") / 3600.0
    with console.clean_stdout() as stdout:
        day = plan_day(
            problem,
            day_profile,
            autoscaling=Autoscaling(min_replicas, max_replicas, max_change),
            spot=SpotPolicy(spot, recovery, spot_max_share, prices),
            time_limit=time_limit,
            threads=threads,
        )
        day.pop("warnings", None)  # at the top level below, as a single period's JSON has them
        data = {
            "status": day["status"],
            "model": problem.model.name,
            # the same keys as a single period's JSON: ``engine``, or ``engines`` per pool
            **engine_json(problem),
            "slo": problem.slo.to_dict(),
            "day": day,
        }
        if "pricing" in problem.meta:
            data["pricing"] = problem.meta["pricing"]
        if problem.meta.get("warnings"):
            data["warnings"] = list(problem.meta["warnings"])
        data.update(run_provenance(threads=threads, time_limit=time_limit))
        if json_out:
            console.write_json_line(stdout, data)
    if out is not None:
        dump_json(out, data)
    if not json_out:
        print_day(day, problem)
