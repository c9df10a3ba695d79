"""Capacity sweeps for planning scripts: cost per million tokens over request rates and GPUs.

>>> import planner.serve
>>> rows = planner.serve.sweep("llama-3.1-8b", ["H100", "A100"], [5, 20, 80],
...                            prompt_tokens="exp:512", output_tokens="exp:128",
...                            ttft="1s", tpot="50ms")                       # doctest: +SKIP
>>> rows[0]["gpu"], rows[0]["qps"], rows[0]["usd_per_million_output_tokens"]  # doctest: +SKIP
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from planner.core import validate
from planner.core.errors import InputError, positive_int
from planner.perfmodel.hardware import MAX_POOL_GPUS, ClusterSpec, Pool, get_gpu
from planner.serve.api import make_problem, solve
from planner.serve.traffic import MAX_QPS


def sweep(
    model: str,
    gpu_types: Sequence[str],
    rates: Sequence[float],
    *,
    gpus_per_type: int = 64,
    plot: str | Path | None = None,
    time_limit: float = 10.0,
    threads: int = 1,
    **problem: Any,
) -> list[dict[str, Any]]:
    """Plan each GPU type alone at each request rate; cost per million output tokens.

    Parameters
    ----------
    model
        Catalog name or config path.
    gpu_types
        GPU types (catalog names or aliases), each planned alone with ``gpus_per_type``
        GPUs available.
    rates
        Request rates (req/s), each positive.
    gpus_per_type
        GPUs of each type available to its plans.
    plot
        Optional image path: USD per million output tokens vs load, one line per GPU type.
    time_limit, threads
        Solver seconds and threads per plan.
    **problem
        Everything else :func:`~planner.serve.api.make_problem` takes (lengths, SLOs,
        precision, constraints, ``engine``: without one each GPU type runs its vendor's
        default engine; a named engine that does not run on one of the types, TensorRT-LLM on
        an AMD GPU, raises :class:`~planner.core.errors.InputError` before any plan is solved).

    Returns
    -------
    list of dict
        One row per (GPU type, rate): ``gpu``, ``qps``, ``status``, ``cost_per_hour`` and
        ``usd_per_million_output_tokens`` (``None`` without a plan or for a GPU type without
        a price: pass ``pricing="on-demand"``), ``gpus`` (used), ``replicas`` (labels),
        ``reason`` (why there is no plan, or no price), ``warnings`` (the problem's: no
        price, a GPU without fitted efficiencies, ...).
    """
    # a string was read letter by letter ("unknown GPU 'H'"), a number raised TypeError; any
    # other collection is taken as a list (np.linspace rates are no Sequence: s28review)
    for key, value in (("gpu_types", gpu_types), ("rates", rates)):
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
            raise InputError(f"sweep: {key} must be a list, got {value!r}")
    gpu_types, rates = list(gpu_types), list(rates)
    for key, value in (("gpu_types", gpu_types), ("rates", rates)):
        if not value:
            raise InputError(f"sweep: {key} is empty: give at least one")
    # keywords the sweep sets itself raised TypeError "got multiple values" (s31bad)
    for key, given_by in (("model", "model"), ("gpus", "gpu_types"), ("qps", "rates")):
        if key in problem:
            raise InputError(f"sweep: {key}= is set by the sweep's {given_by!r} argument")
    for gpu in gpu_types:  # 5 or "" were looked up as "unknown GPU '5'", naming no argument
        if not isinstance(gpu, str) or not gpu.strip():
            raise InputError(f"sweep: gpu_types must be GPU names, got {gpu!r}")
    # "pool H100-SXM: field 'count' ..." named no argument of this call
    positive_int(gpus_per_type, "sweep: gpus_per_type", allow_none=False)
    if gpus_per_type > MAX_POOL_GPUS:
        raise InputError(
            f"sweep: gpus_per_type {gpus_per_type} is above {MAX_POOL_GPUS:,} GPUs a type"
        )
    for r in rates:
        # numbers.Real: numpy's integer scalars (np.arange rates) are no int
        # a bool is a numbers.Real: True was planned as a rate of 1 req/s
        if isinstance(r, bool) or not isinstance(r, numbers.Real) or not math.isfinite(r) or r <= 0:
            raise InputError(f"sweep: rates must be positive numbers, got {r!r}")
        if r >= MAX_QPS:  # the traffic's own check said "traffic: qps"
            raise InputError(f"sweep: rates must be below {MAX_QPS:g} req/s, got {r!r}")
    if plot is not None:  # matplotlib's ValueError (or a folder) came after every solve
        validate.output_file(plot, "sweep: plot", suffixes=validate.IMAGE_SUFFIXES)
    # an alias with spaces ("RTX PRO 6000") broke the "GPU:COUNT" inventory text
    pools = [(gpu, ClusterSpec((Pool(get_gpu(gpu), gpus_per_type),))) for gpu in gpu_types]
    for _, pool in pools:
        # bad input for one GPU type (an engine that does not run on it, a precision it lacks)
        # is refused before any type is solved, as plan serve refuses a pool none can use
        make_problem(model, pool, qps=float(rates[0]), **problem)
    rows = []
    for gpu, pool in pools:
        for qps in rates:
            prob = make_problem(model, pool, qps=float(qps), **problem)
            res = solve(prob, time_limit=time_limit, threads=threads)
            plan = res.solution
            cost = res.objective if plan is not None else None
            per_m = None
            warnings = list(prob.meta.get("warnings", []))
            unpriced = [w for w in warnings if w.startswith("no price")]
            if plan is not None and cost is not None and not unpriced:
                tokens_per_hour = float(qps) * prob.traffic.output.mean * 3600.0
                per_m = cost / tokens_per_hour * 1e6
            rows.append(
                {
                    "gpu": gpu,
                    "qps": float(qps),
                    "status": res.status.value,
                    # None for a GPU type without a price, as plan serve's JSON (was 0.0)
                    "cost_per_hour": None if unpriced else cost,
                    "usd_per_million_output_tokens": per_m,
                    "gpus": plan.gpus if plan is not None else None,
                    "replicas": [g.label() for g in plan.replicas] if plan is not None else [],
                    # a GPU without a price read "$0 per million tokens", the cheapest
                    "reason": "; ".join([*([res.reason] if res.reason else []), *unpriced]),
                    # an uncalibrated GPU's warning reached only the CLI's table and JSON
                    "warnings": warnings,
                }
            )
    if plot is not None:
        plot_sweep(rows, plot)
    return rows


def plot_sweep(rows: list[dict[str, Any]], path: str | Path) -> Path:
    """USD per million output tokens vs request rate, one line per GPU type (log x); a GPU
    type with no priced point (no plan, or no price) is named under the x axis."""
    from planner.plot import new_figure, save_figure

    validate.output_file(path, "plot_sweep: path", suffixes=validate.IMAGE_SUFFIXES)
    fig, (ax,) = new_figure(width=7.0, height=4.0)
    missing = []
    for gpu in dict.fromkeys(r["gpu"] for r in rows):
        pts = [
            (r["qps"], r["usd_per_million_output_tokens"])
            for r in rows
            if r["gpu"] == gpu and r["usd_per_million_output_tokens"] is not None
        ]
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax.plot(xs, ys, marker="o", label=gpu)
        else:
            missing.append(gpu)
    ax.set_xscale("log")
    xlabel = "request rate (req/s)"
    if missing:  # a GPU type without a price or a plan vanished from the plot without a word
        xlabel += f"\nnot drawn (no plan or no price; see the rows' reason): {', '.join(missing)}"
    ax.set_xlabel(xlabel)
    ax.set_ylabel("USD per million output tokens")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return save_figure(fig, path)


__all__ = ["plot_sweep", "sweep"]
