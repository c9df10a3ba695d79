"""``planner plan train`` (the family's command of the shared ``plan`` group) and ``planner gen train``."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from planner.cli_options import prices_option, pricing_option
from planner.core import console
from planner.core.errors import InputError
from planner.core.io import dump_json, emit_instances, write_atomic
from planner.core.provenance import run_provenance
from planner.core.timing import Deadline

# --pricing / --prices: one definition with plan serve's (planner.cli_options)
Pricing = pricing_option(", as plan serve")
Prices = prices_option(", as plan serve")

plan_app = typer.Typer(help="Plan a deployment: training layouts, serving replicas.")


@plan_app.command("train")
def train(
    model: Annotated[str, typer.Option("--model", help="Catalog name or path to a config.json.")],
    gpus: Annotated[
        str, typer.Option("--gpus", help="1024xH100, H100:16,A100:32 or a cluster TOML.")
    ],
    global_batch: Annotated[
        int | None,
        typer.Option(
            "--global-batch", "-B", help="Sequences per step (required unless --from gives it)."
        ),
    ] = None,
    seq: Annotated[
        int | None,
        typer.Option("--seq", "-s", help="Tokens per sequence (required unless --from gives it)."),
    ] = None,
    gpus_per_node: Annotated[
        int | None, typer.Option("--gpus-per-node", help="Override the node size.")
    ] = None,
    network: Annotated[
        str | None,
        typer.Option(
            "--network",
            help="Scale-out fabric of every pool: ib-hdr, ib-ndr, ib-xdr, roce-200 or roce-400 "
            "(a cluster TOML's [network] table also sets topology and oversubscription).",
        ),
    ] = None,
    tp: Annotated[int | None, typer.Option("--tp", help="Fix tensor parallelism.")] = None,
    pp: Annotated[int | None, typer.Option("--pp", help="Fix pipeline parallelism.")] = None,
    dp: Annotated[int | None, typer.Option("--dp", help="Fix data parallelism.")] = None,
    cp: Annotated[int | None, typer.Option("--cp", help="Fix context parallelism.")] = None,
    ep: Annotated[int | None, typer.Option("--ep", help="Fix expert parallelism.")] = None,
    microbatch: Annotated[
        int | None, typer.Option("--microbatch", "-b", help="Fix the microbatch size.")
    ] = None,
    interleave: Annotated[
        int | None, typer.Option("--interleave", "-v", help="Fix the virtual stages per GPU.")
    ] = None,
    recompute: Annotated[
        str | None, typer.Option("--recompute", help="none, selective, full or offload.")
    ] = None,
    zero: Annotated[int | None, typer.Option("--zero", help="ZeRO stage 0..3.")] = None,
    sequence_parallel: Annotated[
        bool | None,
        typer.Option(
            "--sequence-parallel/--no-sequence-parallel", help="Fix sequence parallelism."
        ),
    ] = None,
    stage_layers: Annotated[
        str | None, typer.Option("--stage-layers", help="Layers per stage, e.g. 7,8,8,7.")
    ] = None,
    precision: Annotated[str, typer.Option("--precision", help="bf16, fp8 or fp4.")] = "bf16",
    max_gpus: Annotated[
        int | None, typer.Option("--max-gpus", help="Use at most this many GPUs.")
    ] = None,
    max_tp: Annotated[
        int | None,
        typer.Option(
            "--max-tp",
            help="Largest tensor-parallel size (the node size keeps TP off the network; "
            "default: TP may span nodes).",
        ),
    ] = None,
    use_all_gpus: Annotated[
        bool, typer.Option("--use-all-gpus", help="Only plans using every GPU.")
    ] = False,
    objective: Annotated[
        str, typer.Option("--objective", help="time (step time) or cost (USD per step).")
    ] = "time",
    overlap_grad_reduce: Annotated[
        bool,
        typer.Option(
            "--overlap-grad-reduce/--no-overlap-grad-reduce",
            help="Overlap the DP gradient reduction with the last backward.",
        ),
    ] = True,
    flash_attention: Annotated[
        bool,
        typer.Option(
            "--flash-attention/--no-flash-attention",
            help="Fused attention (default) or Megatron-2022 materialized scores.",
        ),
    ] = True,
    fix: Annotated[
        str | None,
        typer.Option(
            "--fix",
            help="Fixed choices, e.g. tp=8,pp=16,v=4,recompute=selective,sp=on,stage_layers=7:8:7.",
        ),
    ] = None,
    memory_headroom: Annotated[
        float | None,
        typer.Option(
            "--memory-headroom",
            help="GiB kept free on every GPU (default: CUDA context + allocator fragmentation).",
            min=0,
        ),
    ] = None,
    even_stages: Annotated[
        bool, typer.Option("--even-stages", help="Only equal pipeline stages (no uneven split).")
    ] = False,
    partial_recompute: Annotated[
        bool,
        typer.Option(
            "--partial-recompute",
            help="Also search full recompute of the first k layers per stage (the least k "
            "that fits; --fix recompute_layers=K pins it).",
        ),
    ] = False,
    hsdp: Annotated[
        bool,
        typer.Option(
            "--hsdp",
            help="Also search hybrid sharding: ZeRO states sharded inside groups of the "
            "data-parallel ranks, replicated across (--fix shard_group=G pins it).",
        ),
    ] = False,
    expert_tp: Annotated[
        bool,
        typer.Option(
            "--expert-tp/--no-expert-tp",
            help="Also search expert tensor-parallel sizes below tp for MoE models (experts "
            "fold over the TP ranks; --fix expert_tp=E pins it).",
        ),
    ] = False,
    software: Annotated[
        str | None,
        typer.Option(
            "--software",
            help="Framework settings: a preset (deepseek-v3) and/or key=value pairs, "
            "e.g. tp_overlap=true,moment_bytes=2.",
        ),
    ] = None,
    export: Annotated[
        str | None,
        typer.Option(
            "--export",
            help="Launch settings of the plan: megatron, nemo, deepspeed or torchtitan (implies "
            "--framework of the same name unless --framework is given; --out writes them). "
            "With --from: the launch read, converted to this format (JSON export); the "
            "proposal's launch is JSON proposal.export.",
        ),
    ] = None,
    framework: Annotated[
        str | None,
        typer.Option(
            "--framework",
            help="Only plans this framework can launch: megatron, nemo, deepspeed, torchtitan, "
            "llmfoundry, or any (default; with --export: the export target).",
        ),
    ] = None,
    from_launch: Annotated[
        tuple[str, Path] | None,
        typer.Option(
            "--from",
            help="Evaluate an existing launch: FORMAT FILE (megatron, nemo, deepspeed, torchtitan)"
            " and propose the best change (JSON framework: FORMAT, the framework it is "
            "priced as).",
        ),
    ] = None,
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            help="Compare the plan with this pinned one, e.g. tp=8,pp=16,v=4 (--fix keys).",
        ),
    ] = None,
    tokens: Annotated[
        str | None,
        typer.Option(
            "--tokens", help="Tokens to train on (15T, 2.5B): wall days, GPU-hours, cost."
        ),
    ] = None,
    pricing: Pricing = None,
    prices: Prices = None,
    failure_rate: Annotated[
        float | None,
        typer.Option(
            "--failure-rate",
            help="Unexpected interruptions per GPU-hour (default: Llama 3's, 1.97e-5).",
        ),
    ] = None,
    checkpoint_gbps: Annotated[
        float | None,
        typer.Option(
            "--checkpoint-gbps",
            help="Aggregate checkpoint write bandwidth, GB/s (default: 0.122 GB/s per GPU).",
        ),
    ] = None,
    checkpoint_every: Annotated[
        float | None,
        typer.Option("--checkpoint-every", help="Hours between checkpoints (default: Young's)."),
    ] = None,
    restart_minutes: Annotated[
        float | None,
        typer.Option("--restart-minutes", help="Minutes to restart after a failure (default 10)."),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile", help="Constants refitted to your runs (planner calibrate --rows)."
        ),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", "-k", help="Plans to show, the best included.", min=1)
    ] = 5,
    prefer_simple: Annotated[
        float,
        typer.Option(
            "--prefer-simple",
            help="Recommend the simplest plan within this fraction of the fastest (0 = fastest).",
        ),
    ] = 0.01,
    method: Annotated[
        str, typer.Option("--method", "-m", help="auto, exact or heuristic.")
    ] = "auto",
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            "-t",
            help="Search seconds (> 0) for the whole command: with --against or --from the "
            "searches share it (each an equal part of what is left).",
        ),
    ] = 60.0,
    threads: Annotated[int, typer.Option("--threads", help="Solver threads.", min=1)] = 1,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    plot: Annotated[Path | None, typer.Option("--plot", help="Pipeline timeline PNG.")] = None,
    plot_breakdown: Annotated[
        Path | None,
        typer.Option(
            "--plot-breakdown",
            help="Stacked-bar PNG of the step time by component (+ alternatives).",
        ),
    ] = None,
    mfu_peak: Annotated[
        str,
        typer.Option(
            "--mfu-peak",
            help="Peak the table's extra MFU row is quoted against: bf16 (only the usual "
            "row), fp8 or fp4 (JSON always has all three).",
        ),
    ] = "bf16",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the plan JSON here; with --export, the launch file instead (the plan "
            "JSON is then --json on stdout).",
        ),
    ] = None,
) -> None:
    """Best training layout (TP/PP/DP/CP/EP, microbatch, recompute, ZeRO) for a model on a cluster.

    Any fixed flag constrains the search; fixing all of them evaluates that plan.
    ``--export X`` searches only what X can launch (``--framework any`` searches every plan
    and notes what X cannot express).
    """
    if profile is not None:  # run everything below with the profile's constants
        args = {**locals(), "profile": None}  # the parameters only (nothing else defined yet)
        from planner.train.profiles import use_profile

        with use_profile(profile):
            return train(**args)
    from planner.train.api import make_problem, solve
    from planner.train.report import render

    if mfu_peak not in ("bf16", "fp8", "fp4"):
        raise InputError(f"--mfu-peak {mfu_peak!r}: expected bf16, fp8 or fp4")
    layers = None
    if stage_layers is not None:
        try:
            layers = tuple(int(x) for x in stage_layers.split(",") if x.strip())
        except ValueError:
            raise InputError(
                f"--stage-layers {stage_layers!r}: expected integers like 7,8,8,7"
            ) from None
    from planner.perfmodel.hardware import inventory_files

    # a GPU table inside the inventory (64xmine.toml) is an input too (was overwritten)
    inputs = [("--model", model)] + [("--gpus", str(p)) for p in inventory_files(gpus)]
    if from_launch is not None:
        inputs.append(("--from", from_launch[1]))
    if prices is not None:
        inputs.append(("--prices", prices))
    for target in (out, plot, plot_breakdown):
        for flag, value in inputs:
            if (
                target is not None
                and Path(value).exists()
                and Path(value).resolve() == target.resolve()
            ):
                raise InputError(f"{target}: refusing to overwrite an input file ({flag})")
    cluster: Any = gpus
    if network is not None:
        from planner.perfmodel.hardware import parse_cluster, with_network

        cluster = parse_cluster(gpus, gpus_per_node=gpus_per_node)
        try:
            cluster = with_network(cluster, network)
        except InputError as exc:  # "unknown network 'x'" named no flag (s30bad)
            raise InputError(f"--network: {exc}") from None
    problem_args: dict[str, Any] = {
        "global_batch": global_batch,
        "seq_len": seq,
        "precision": precision,
        "gpus_per_node": gpus_per_node,
        "tp": tp,
        "pp": pp,
        "dp": dp,
        "cp": cp,
        "ep": ep,
        "microbatch": microbatch,
        "interleave": interleave,
        "recompute": recompute,
        "zero": zero,
        "sequence_parallel": sequence_parallel,
        "stage_layers": layers,
        "max_gpus": max_gpus,
        "max_tp": max_tp,
        "use_all_gpus": use_all_gpus,
        "objective": objective,
        "overlap_grad_reduce": overlap_grad_reduce,
        "flash_attention": flash_attention,
        "partial_recompute": partial_recompute,
        "hsdp": hsdp,
        "search_expert_tp": expert_tp,
    }
    from planner.train.export import check_format
    from planner.train.export import export as export_plan
    from planner.train.fixes import merge_fixed, parse_fix, parse_software
    from planner.train.frameworks import check_name, software_defaults

    fmt = check_format(export) if export is not None else None
    # the export target's profile unless --framework says otherwise (any: no restriction);
    # profiles describe one GPU pool, so on mixed pools --export alone searches every plan
    # and its notes say what the target cannot launch
    problem_args["framework"] = check_name(framework) if framework is not None else fmt
    if framework is None and fmt is not None:
        from planner.perfmodel.hardware import parse_cluster

        pools = cluster.pools if hasattr(cluster, "pools") else None
        if pools is None:
            pools = parse_cluster(gpus, gpus_per_node=gpus_per_node).pools
        if len(pools) > 1:
            problem_args["framework"] = None
    against_fix = parse_fix(against, "--against") if against is not None else None
    run = None
    for flag, value in (
        ("--failure-rate", failure_rate),
        ("--checkpoint-gbps", checkpoint_gbps),
        ("--checkpoint-every", checkpoint_every),
        ("--restart-minutes", restart_minutes),
    ):
        if value is not None and tokens is None:  # it was silently ignored
            raise InputError(f"{flag} sets up the time to train: it needs --tokens")
    if tokens is not None:
        from planner.train.time_to_train import TrainingRun, parse_tokens

        run_args: dict[str, Any] = {"tokens": parse_tokens(tokens)}
        for key, value in (
            ("failure_rate", failure_rate),
            ("checkpoint_bytes_per_s", _bytes_per_s(checkpoint_gbps)),
            ("checkpoint_every_h", checkpoint_every),
            ("restart_minutes", restart_minutes),
        ):
            if value is not None:
                run_args[key] = value
        run = TrainingRun(**run_args)

    if fix is not None:  # --fix '' was read as no --fix (s30bad)
        problem_args = merge_fixed(problem_args, parse_fix(fix))
    problem_args["memory_headroom_gib"] = memory_headroom
    problem_args["even_stages"] = even_stages
    sw = parse_software(software, software_defaults(problem_args["framework"]))
    launch = open_args = None
    if from_launch is not None:
        from planner.perfmodel.readers import load_model
        from planner.train.launch import problem_args as launch_args
        from planner.train.launch import read_launch, software_of

        launch = read_launch(from_launch[0], from_launch[1])
        problem_args, open_args = launch_args(launch, load_model(model), problem_args)
        if launch.world is not None:
            from planner.perfmodel.hardware import parse_cluster

            # named as --max-gpus, a flag not given, when the file's count was above (s30bad)
            cluster = parse_cluster(cluster, gpus_per_node=gpus_per_node)
            if launch.world > cluster.total_gpus:
                raise InputError(
                    f"{launch.source}: runs on {launch.world} GPUs, more than the "
                    f"{cluster.total_gpus} of --gpus {cluster.describe()}"
                )
        # the launch is evaluated as written (as without --framework); --framework / --export
        # restrict the proposal only (a megatron launch with --framework deepspeed was
        # INFEASIBLE under DeepSpeed's profile, with no proposal)
        problem_args["framework"] = None
        # priced as its own framework runs it (a DeepSpeed or torchtitan launch waits for its
        # backward TP collectives), whatever --framework restricts the proposal to
        sw = software_of(launch, parse_software(software, software_defaults(launch.fmt)))
    for key, flag in (("global_batch", "--global-batch"), ("seq_len", "--seq")):
        if problem_args.get(key) is None:
            # a DeepSpeed config has no sequence length: say the file lacks it, not just the flag
            where = f" ({launch.source} states none: give {flag})" if launch is not None else ""
            raise InputError(f"missing option {flag}{where}")
    problem = make_problem(
        model,
        cluster,
        top_k=top,
        software=sw,
        prefer_simple=0.0 if launch is not None else prefer_simple,
        pricing=pricing,
        prices=prices,
        **problem_args,
    )
    # --against and --from add a search each; they share the time limit, each search an equal
    # part of what is left (the plan's search returns early when it proves its plan)
    deadline = Deadline(time_limit)
    searches = 1 + (against_fix is not None) + (launch is not None)
    with console.clean_stdout() as stdout:
        result = solve(problem, method, time_limit=time_limit / searches, threads=threads)
        summary = result.stats["summary"]
        summary.update(run_provenance(threads=threads, time_limit=time_limit))
        if launch is not None:  # was null: the launch is priced as its own framework runs it
            summary["framework"] = launch.fmt
        exported = None
        if fmt is not None and result.solution is not None:
            exported = export_plan(problem, result.solution, fmt)
            summary["export"] = exported
        proposal = None
        if launch is not None:
            from planner.train.proposal import propose

            # a proposal kept to another framework (--framework / --export) runs as that one
            fw = open_args.get("framework")
            best_sw = (
                sw if fw in (None, launch.fmt) else parse_software(software, software_defaults(fw))
            )
            best_problem = make_problem(
                model,
                cluster,
                top_k=top,
                software=best_sw,
                prefer_simple=prefer_simple,
                pricing=pricing,
                prices=prices,
                **open_args,
            )
            proposal = propose(
                launch,
                summary,
                best_problem,
                _share(deadline, against_fix is None),
                threads,
                export_format=fmt,
            )
            summary["from"] = proposal["from"]
            summary["proposal"] = proposal["proposal"]
        ttt = None
        if run is not None and summary.get("plan") is not None:
            from planner.train.time_to_train import time_to_train

            ttt = time_to_train(
                problem,
                step_time_s=summary["step_time_s"],
                gpus=summary["gpus"],
                cost_per_hour=summary["cost_per_hour"] or 0.0,  # None: no price known
                run=run,
            )
            summary["time_to_train"] = ttt
        comparison = None
        if against_fix is not None:
            from planner.train.pin import compare_against

            comparison = compare_against(
                problem, summary, against_fix, time_limit=_share(deadline, True), threads=threads
            )
            summary["compare"] = comparison
        if json_out:
            console.write_json_line(stdout, summary)
    if out is not None and fmt is not None:
        if exported is None:  # no plan, nothing to launch: say so (not an error)
            console.no_plot("--out", out, result)
        else:
            write_atomic(out, exported["text"])
    elif out is not None:
        dump_json(out, summary)
    if plot is not None:
        if result.solution is None:
            console.no_plot("--plot", plot, result)
        else:
            from planner.train.plot import plot as draw

            draw(problem, result, plot)
    if plot_breakdown is not None:
        if result.solution is None:
            console.no_plot("--plot-breakdown", plot_breakdown, result)
        else:
            from planner.train.breakdown_plot import draw as draw_bars
            from planner.train.breakdown_plot import memory_bars, summary_bars

            bars = summary_bars(summary)
            if comparison is not None and "components" in comparison:
                bars.append((f"pinned\n{comparison['plans'][1]}", comparison["pinned_breakdown"]))
            draw_bars(bars, plot_breakdown, title=problem.name, memory=memory_bars(summary))
    if not json_out:
        render(problem, result, mfu_peak=mfu_peak)
        if proposal is not None:
            from planner.train.proposal import render as render_proposal

            render_proposal(proposal)
        if ttt is not None:
            from planner.train.time_to_train import render as render_ttt

            render_ttt(ttt)
        if comparison is not None:
            from planner.train.pin import render_against

            render_against(comparison)
        if exported is not None:
            what = (  # with --from the export is the launch read, not the proposal
                ": the launch read (--from), converted; the proposal's is JSON proposal.export"
                if launch is not None
                else ""
            )
            typer.echo(f"# {exported['format']} ({exported['version']}){what}")
            for name, value in exported.get("env", {}).items():  # the launch asserts these
                typer.echo(f"# environment: export {name}={value}")
            typer.echo(exported["text"], nl=False)
            for note in exported["notes"]:
                typer.echo(f"# note: {note}")


@plan_app.command("compare")
def compare_cmd(
    first: Annotated[Path, typer.Argument(help="Solution A (plan train --out / --json).")],
    second: Annotated[Path, typer.Argument(help="Solution B.")],
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the JSON here.")] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Stacked-bar PNG of both breakdowns.")
    ] = None,
) -> None:
    """Why one training plan is slower than another, component by component."""
    from planner.train.compare import compare, load_summary, render

    if out is not None:
        for path in (first, second):
            if path.exists() and path.resolve() == out.resolve():
                raise InputError(f"{out}: refusing to overwrite an input file")
    a, b = load_summary(first), load_summary(second)
    result = compare(a, b, names=(first.name, second.name))
    if out is not None:
        dump_json(out, result)
    if plot is not None:
        from planner.train.breakdown_plot import draw

        bars = [
            (f"{first.name}\n{result['plans'][0]}", a["breakdown"]),
            (f"{second.name}\n{result['plans'][1]}", b["breakdown"]),
        ]
        draw(bars, plot, title="step time by component")
    if json_out:
        with console.clean_stdout() as stdout:
            console.write_json_line(stdout, result)
    else:
        render(result)


#: Least seconds a follow-up search (--against, --from) is given, even when the plan's own
#: search spent its share (within the time-limit contract's 1 s grace).
MIN_SEARCH_S = 0.2


def _share(deadline: Deadline, last: bool) -> float:
    """Seconds for the next search: all that is left if it is the ``last``, else half."""
    left = deadline.remaining() if last else deadline.remaining() / 2
    return max(MIN_SEARCH_S, left)


def _bytes_per_s(gbps: float | None) -> float | None:
    """``--checkpoint-gbps`` in bytes/s, refused here while the message can quote the GB/s
    typed (1e308 GB/s overflowed to inf bytes/s, and -1 became -1e9 in the message)."""
    if gbps is None:
        return None
    if not math.isfinite(gbps) or gbps <= 0:
        raise InputError(f"--checkpoint-gbps {gbps:g}: expected a finite positive number of GB/s")
    if not math.isfinite(gbps * 1e9):
        raise InputError(f"--checkpoint-gbps {gbps:g}: too large (bytes/s overflow a float)")
    return gbps * 1e9


def calibrate_profile(
    rows_file: Path | None,
    profile: str | None,
    *,
    check: bool = False,
    report: Path | None = None,
    json_out: bool = False,
) -> None:
    """``planner calibrate --rows FILE.csv --profile NAME`` (see :mod:`planner.train.profiles`)."""
    from planner.train.profiles import calibrate_rows

    if rows_file is None or profile is None:
        raise InputError("--rows and --profile go together: --rows FILE.csv --profile NAME")
    if check or report is not None:
        raise InputError("--rows/--profile cannot be combined with --check or --report")
    path, fitted = calibrate_rows(rows_file, profile)
    if json_out:
        with console.clean_stdout() as stdout:
            console.write_json_line(stdout, {"profile": profile, "path": str(path), **fitted})
        return
    from rich.table import Table

    table = Table(title=f"profile {profile} ({path})")
    for col in ("constant", "value", "fitted"):
        table.add_column(col)
    for name, value in fitted["constants"].items():
        table.add_row(name, f"{value:.6g}", "yes" if name in fitted["determined"] else "shipped")
    out = console.out_console()
    out.print(table)
    rows = Table(title="step-time error per row (predicted / measured - 1)")
    for col in ("row", "shipped constants", "profile"):
        rows.add_column(col, justify="left" if col == "row" else "right")
    for rid, before in fitted["errors_before"].items():
        rows.add_row(rid, f"{100 * before:+.1f}%", f"{100 * fitted['errors_after'][rid]:+.1f}%")
    out.print(rows)
    if fitted["at_bound"]:
        ends = ", ".join(
            f"{name} at the {end} end of [{lo:g}, {hi:g}]"
            for name, (end, lo, hi) in fitted["at_bound"].items()
        )
        worst = max(abs(e) for e in fitted["errors_after"].values())
        print(
            f"planner: warning: profile {profile}: {ends}: the rows ask for values outside the fitted range "
            f"(check their step times and layouts); the profile still misses a row by "
            f"{100 * worst:.1f}%",
            file=sys.stderr,
        )


def gen(
    count: Annotated[int, typer.Option("--count", help="Problems to generate.", min=1)] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    model: Annotated[str | None, typer.Option("--model", help="Catalog model.")] = None,
    gpus: Annotated[str | None, typer.Option("--gpus", help="Cluster string.")] = None,
    tiny: Annotated[bool, typer.Option("--tiny", help="Tiny models (brute-forceable).")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output file.")] = None,
) -> None:
    """Random training-plan problems (JSON; JSON Lines for several)."""
    from planner.train.generate import generate

    emit_instances(generate(count, seed=seed, model=model, gpus=gpus, tiny=tiny), out)
