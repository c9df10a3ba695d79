"""``planner gen smtt``: instances from the Potts–Van Wassenhove generator."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.core.io import emit_instances
from planner.smtt.generate import MAX_COUNT, MAX_FACTOR, MAX_N, generate


def gen(
    n: Annotated[int, typer.Option("--n", help=f"Jobs per instance (1 to {MAX_N:,}).")],
    tf: Annotated[
        float, typer.Option("--tf", help=f"Tardiness factor TF (0 to {MAX_FACTOR:g}).", min=0)
    ],
    rdd: Annotated[
        float,
        typer.Option(
            "--rdd", help=f"Relative range of due dates RDD (0 to {MAX_FACTOR:g}).", min=0
        ),
    ],
    weighted: Annotated[
        bool, typer.Option("--weighted", help="Weights U{1..10} (1||ΣwjTj).")
    ] = False,
    clip: Annotated[bool, typer.Option("--clip", help="Clip negative due dates at 0.")] = False,
    count: Annotated[
        int, typer.Option("--count", help=f"Number of instances (1 to {MAX_COUNT:,}).")
    ] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (>= 0).")] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write here (JSON; JSON Lines when --count > 1)."),
    ] = None,
) -> None:
    """Generate SMTT instances: p ~ U{1..100}, d ~ U[P(1-TF-RDD/2), P(1-TF+RDD/2)], w ~ U{1..10}.

    Largest setting: --n 100000 (every method's time limit holds up to it).
    """
    emit_instances(generate(n, tf, rdd, weighted=weighted, clip=clip, count=count, seed=seed), out)
