"""``planner gen offload``: generated routing traces, or a recorded ``.npy`` wrapped with a header."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated

import typer

from planner.core.errors import InputError


def gen(
    preset: Annotated[
        str,
        typer.Option(
            "--preset", help="Model shape: llada2-mini, mixtral-8x7b, deepseek-v2-lite, qwen-moe."
        ),
    ] = "llada2-mini",
    steps: Annotated[
        int,
        typer.Option(
            "--steps", help="Steps of the trace (1..16384; steps x layers x experts <= 33.5M)."
        ),
    ] = 32,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    stability: Annotated[
        float | None,
        typer.Option(
            "--stability",
            help="Target cosine of adjacent steps' routing (preset default: 0.95 for llada2-mini).",
        ),
    ] = None,
    zipf: Annotated[
        float, typer.Option("--zipf", help="Zipf exponent of expert popularity.")
    ] = 0.6,
    drift: Annotated[
        float, typer.Option("--drift", help="Per-step std of the log-popularity random walk.")
    ] = 0.02,
    tokens: Annotated[
        int | None, typer.Option("--tokens", help="Tokens per step (1..4096; preset default).")
    ] = None,
    block_steps: Annotated[
        int | None,
        typer.Option("--block-steps", help="Steps per diffusion block (0: autoregressive)."),
    ] = None,
    layers: Annotated[
        int | None, typer.Option("--layers", help="Only the first N MoE layers.", min=1)
    ] = None,
    prefix: Annotated[
        int,
        typer.Option(
            "--prefix",
            help="Prompt tokens recomputed every step with frozen routing, finished blocks "
            "joining them (TIDE's generate without KV cache; 0..4096).",
        ),
    ] = 0,
    budget: Annotated[
        int | None,
        typer.Option("--budget", help="GPU expert slots per layer, shared experts included."),
    ] = None,
    global_budget: Annotated[
        int | None,
        typer.Option(
            "--global-budget", help="GPU expert slots over all layers (instead of --budget)."
        ),
    ] = None,
    gpu: Annotated[
        str, typer.Option("--gpu", help="GPU of the hardware catalog (A100, H100, H200, B200).")
    ] = "A100",
    cpu: Annotated[str, typer.Option("--cpu", help="Host CPU: xeon-8380.")] = "xeon-8380",
    link: Annotated[
        str, typer.Option("--link", help="Copy path: pcie4, pcie5 or nvlink-c2c.")
    ] = "pcie4",
    overlap: Annotated[
        bool, typer.Option("--overlap", help="Copies hide behind the previous layer's compute.")
    ] = False,
    initial: Annotated[
        str, typer.Option("--initial", help="GPU contents before step 0: empty or first (TIDE).")
    ] = "empty",
    h2d_gb_s: Annotated[
        float | None, typer.Option("--h2d-gb-s", help="Override: host-to-device GB/s.")
    ] = None,
    gpu_call_us: Annotated[
        float | None, typer.Option("--gpu-call-us", help="Override: GPU us per expert call.")
    ] = None,
    gpu_token_us: Annotated[
        float | None, typer.Option("--gpu-token-us", help="Override: GPU us per token per expert.")
    ] = None,
    cpu_call_us: Annotated[
        float | None, typer.Option("--cpu-call-us", help="Override: CPU us per expert call.")
    ] = None,
    cpu_token_us: Annotated[
        float | None, typer.Option("--cpu-token-us", help="Override: CPU us per token per expert.")
    ] = None,
    counts: Annotated[
        Path | None,
        typer.Option(
            "--counts",
            help="Wrap this recorded .npy [steps, layers, experts] instead of generating.",
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Instance name.")] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write here: .json, .jsonl, or .npy (+ .json header)."),
    ] = None,
) -> None:
    """Generate a routing trace (or wrap a recorded one) with the model and hardware header."""
    import sys

    from planner.core.io import dumps_json, ensure_not_input
    from planner.offload.generate import generate, wrap_counts
    from planner.offload.readers import write

    coefficients = {
        "h2d_gb_s": h2d_gb_s,
        "gpu_call_us": gpu_call_us,
        "gpu_token_us": gpu_token_us,
        "cpu_call_us": cpu_call_us,
        "cpu_token_us": cpu_token_us,
    }
    common = dict(
        budget=budget,
        global_budget=global_budget,
        gpu=gpu,
        cpu=cpu,
        link=link,
        overlap=overlap,
        initial=initial,
        coefficients=coefficients,
        name=name,
    )
    # what shapes a generated trace; with --counts these were silently ignored (exit 0)
    shaping = dict(
        steps=steps,
        seed=seed,
        stability=stability,
        zipf=zipf,
        drift=drift,
        tokens=tokens,
        layers=layers,
        prefix=prefix,
    )
    if counts is not None:
        defaults = inspect.signature(gen).parameters
        given = [
            "--" + key.replace("_", "-")
            for key, value in shaping.items()
            if value != defaults[key].default
        ]
        if given:
            raise InputError(
                f"{', '.join(given)}: only for a generated trace; --counts {counts} wraps a "
                "recorded one as it is (all its steps and the preset's layers)"
            )
        if out is not None:
            ensure_not_input(out, [counts], "--out")
            if out.suffix.lower() == ".npy":
                raise InputError("--out: give the header's .json name when wrapping --counts")
        instance = wrap_counts(counts, preset, block_steps=block_steps, **common)
        if out is not None and out.suffix.lower() == ".json" and out.with_suffix(".npy") == counts:
            header = instance.header()
            header["counts"] = counts.name
            from planner.core.io import dump_json

            dump_json(out, header)
            return
    else:
        instance = generate(preset, block_steps=block_steps, **shaping, **common)
    if out is None:
        sys.stdout.write(dumps_json(instance.to_dict(), indent=None))
        sys.stdout.flush()
        return
    write(instance, out)
