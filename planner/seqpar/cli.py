"""``planner gen seqpar`` (sample batches) and ``planner plan seqpar`` (plan a run of steps)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.core.errors import InputError
from planner.core.io import emit_instances
from planner.core.paths import given_or_bundled

plan_app = typer.Typer(help="Plan runs of training steps.", no_args_is_help=True)


#: Options shared by ``gen seqpar`` and ``plan seqpar`` (one meaning on both).
Batch = Annotated[
    int,
    typer.Option(
        "--batch",
        help="Sequences per global batch (at most 131,072, where every method keeps a 2 s limit; benchmarked up to 4,096).",
    ),
]
MaxLen = Annotated[int, typer.Option("--max-len", help="Maximum context length (tokens).")]
Gpus = Annotated[
    int,
    typer.Option(
        "--gpus",
        help="GPUs, a multiple of the node size (at most 65,536; benchmarked up to 1,024).",
    ),
]
Model = Annotated[
    str,
    typer.Option(
        "--model",
        help="FlexSP preset (flexsp-7b, flexsp-13b, flexsp-30b) or a model perfmodel knows "
        "(llama-3.1-8b, llama-3.1-70b, a config.json).",
    ),
]
Gpu = Annotated[
    str | None,
    typer.Option("--gpu", help="GPU of a model derived from perfmodel (default H100)."),
]
Strategies = Annotated[
    str | None,
    typer.Option(
        "--strategies",
        help="SP strategies of a derived model (default: ulysses,ring,hybrid; FlexSP presets "
        "model ulysses only).",
    ),
]
Over = Annotated[
    str, typer.Option("--over", help="Documents above --max-len: drop (FlexSP) or truncate.")
]


def split_list(text: str | None) -> list[str] | None:
    """``"a,b"`` -> ``["a", "b"]``; ``None`` (the option not given) stays ``None``."""
    if text is None:
        return None
    return [x.strip() for x in text.split(",") if x.strip()]


def gen(
    lengths: Annotated[
        Path | None,
        typer.Option(
            "--lengths",
            help="File of document lengths, one per line (a corpus sample; bundled: "
            "wikipedia_sample.txt).",
        ),
    ] = None,
    mix: Annotated[
        str | None,
        typer.Option("--mix", help="Synthetic long-tail mix instead: commoncrawl or github."),
    ] = None,
    batch: Batch = 512,
    max_len: MaxLen = 196608,
    gpus: Gpus = 64,
    model: Model = "flexsp-7b",
    gpu: Gpu = None,
    strategies: Strategies = None,
    gpus_per_node: Annotated[
        int | None, typer.Option("--gpus-per-node", help="Node size (default: the preset's, 8).")
    ] = None,
    over: Over = "drop",
    count: Annotated[int, typer.Option("--count", help="Number of batches.", min=1)] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write here (JSON; JSON Lines when --count > 1)."),
    ] = None,
) -> None:
    """Sample global batches (from a length file or a synthetic mix) for a cluster and model.

    Largest settings: --batch 131,072, --gpus 65,536 (benchmarked up to 4,096 × 1,024).
    """
    from planner.seqpar.generate import read_lengths, sample, synthetic

    if (lengths is None) == (mix is None):
        raise InputError("give exactly one of --lengths FILE and --mix NAME")
    if lengths is not None:
        lengths = given_or_bundled(lengths, "seqpar")  # wikipedia_sample.txt from anywhere
        if out is not None and Path(out).resolve() == Path(lengths).resolve():
            raise InputError(f"{out}: refusing to overwrite an input file")
        pool = read_lengths(lengths)
        made = sample(
            pool,
            batch=batch,
            max_len=max_len,
            gpus=gpus,
            model=model,
            gpus_per_node=gpus_per_node,
            count=count,
            seed=seed,
            over=over,
            prefix=Path(lengths).stem.split("_")[0],
            source=Path(lengths).name,
            gpu=gpu,
            strategies=split_list(strategies),
        )
    else:
        made = synthetic(
            mix,
            batch=batch,
            max_len=max_len,
            gpus=gpus,
            model=model,
            gpus_per_node=gpus_per_node,
            count=count,
            seed=seed,
            over=over,
            gpu=gpu,
            strategies=split_list(strategies),
        )
    emit_instances(made, out)
    _note_infeasible(made)


def _note_infeasible(made: list) -> None:
    """One stderr line when a sampled batch holds a document no group of the cluster can hold:
    every method then reports INFEASIBLE. `gen seqpar --mix github --batch 64 --gpus 16` wrote
    such a batch (the default --max-len 196,608 is FlexSP's for 64 GPUs) without a word (s23walk).
    """
    import sys

    bad = [(inst.name, inst.infeasibility()) for inst in made]
    bad = [(name, why) for name, why in bad if why is not None]
    if not bad:
        return
    name, why = bad[0]
    cap = int(made[0].tables.capacity[-1])
    print(
        f"planner: note: {len(bad)} of {len(made)} batches have no plan (solve reports "
        f"INFEASIBLE): {name}: {why}; a --max-len of at most {cap:,} or more --gpus avoids it",
        file=sys.stderr,
    )


@plan_app.command("seqpar")
def plan_seqpar(
    lengths: Annotated[
        Path,
        typer.Option(
            "--lengths",
            help="File of document lengths, one per line (bundled: wikipedia_sample.txt).",
        ),
    ],
    batch: Batch = 512,
    steps: Annotated[int, typer.Option("--steps", help="Training steps to plan.", min=1)] = 1000,
    gpus: Gpus = 64,
    model: Model = "flexsp-7b",
    gpu: Gpu = None,
    strategies: Strategies = None,
    max_len: MaxLen = 196608,
    method: Annotated[
        str, typer.Option("--method", "-m", help="seqpar method per step (see `planner families`).")
    ] = "auto",
    time_limit: Annotated[
        float, typer.Option("--time-limit", "-t", help="Seconds per step's solve (> 0).")
    ] = 1.0,
    threads: Annotated[int, typer.Option("--threads", help="Solver threads.", min=1)] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the batch sampling.")] = 0,
    over: Over = "drop",
    json_out: Annotated[
        bool, typer.Option("--json", help="One JSON object (the summary) on stdout, nothing else.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the summary and every step here (JSON)."),
    ] = None,
) -> None:
    """Plan a run of steps: total modeled time vs static SP and batch-adaptive SP, solve times.

    Largest settings: --batch 131,072, --gpus 65,536 (benchmarked up to 4,096 × 1,024).
    """
    from dataclasses import asdict

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from planner.core import console
    from planner.core.family import get_family
    from planner.core.io import dump_json
    from planner.seqpar.api import check_run, plan_run
    from planner.seqpar.generate import read_lengths

    family = get_family("seqpar")
    family.method(method)
    lengths = given_or_bundled(lengths, "seqpar")
    if out is not None and Path(out).resolve() == Path(lengths).resolve():
        raise InputError(f"{out}: refusing to overwrite an input file")
    pool = read_lengths(lengths)
    run = {
        "batch": batch,
        "steps": steps,
        "gpus": gpus,
        "model": model,
        "max_len": max_len,
        "over": over,
        "gpu": gpu,
        "strategies": split_list(strategies),
    }
    check_run(pool, **run)  # bad settings exit before the progress bar draws anything
    progress = Progress(
        TextColumn("[bold]plan seqpar"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=console.err,
        # a bar on a terminal only, as solve, plan and bench: a redirected stderr got its frames
        disable=json_out or not console.err.is_terminal,
    )
    with console.clean_stdout() as stdout, progress:
        bar = progress.add_task("steps", total=steps, last="")

        def on_step(rec) -> None:
            shown = "–" if rec.time_s is None else f"{rec.time_s:.3f} s"
            progress.update(bar, advance=1, last=f"step {rec.step}: {shown}")

        report = plan_run(
            pool,
            **run,
            time_limit=time_limit,
            method=method,
            seed=seed,
            threads=threads,
            on_step=on_step,
        )
        summary = {
            "lengths": str(lengths),
            "batch": batch,
            "gpus": gpus,
            "model": model,
            "max_len": max_len,
            "method": method,
            "time_limit": time_limit,
            **report.totals(),
        }
        if json_out:
            console.write_json_line(stdout, summary)
    if out is not None:
        dump_json(out, {"summary": summary, "steps": [asdict(s) for s in report.steps]})
    if json_out:
        return
    table = Table(title=f"plan seqpar: {steps} steps of {batch} on {gpus} GPUs ({model})")
    table.add_column("plan")
    table.add_column("total modeled time s", justify="right")
    table.add_column("speedup of planner", justify="right")
    total = summary["total_s"]
    table.add_row("planner", "–" if total is None else f"{total:.1f}", "")
    for key, label in (
        ("static", "static SP (one degree for the run)"),
        ("adaptive", "batch-adaptive SP"),
    ):
        base = summary.get(f"{key}_total_s")
        sp = summary.get(f"speedup_{key}")
        table.add_row(
            label, "–" if base is None else f"{base:.1f}", "–" if sp is None else f"{sp:.3f}x"
        )
    out_console = console.out_console()
    out_console.print(table)
    s = summary["solve_s"]
    out_console.print(
        f"solve time per step: mean {s['mean']:.3f} s, p50 {s['p50']:.3f}, p90 {s['p90']:.3f}, "
        f"p99 {s['p99']:.3f}, max {s['max']:.3f}"
        + (
            f"; gap to the certified bound {100 * summary['gap']:.2f} %" if "gap" in summary else ""
        ),
        highlight=False,
    )
    missed = summary.get("unplanned")
    if missed:
        # totals and speedups cover the planned steps only; say so, with the first reason
        out_console.print(
            f"planned {summary['planned']} of {summary['steps']} steps (totals over those); "
            f"step {missed['first']}: {missed['reason']}",
            highlight=False,
        )
