"""Library entry point: ``plan(model, cluster, global_batch=..., seq_len=..., **constraints)``.

>>> import planner.train
>>> res = planner.train.plan("llama-3.1-70b", "256xH100", global_batch=512, seq_len=8192)  # doctest: +SKIP
>>> res.solution.short(), res.stats["summary"]["mfu"]                                       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from planner.core import validate
from planner.core.errors import InputError, positive_int, text_field
from planner.core.result import Result
from planner.perfmodel.hardware import ClusterSpec, parse_cluster
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.options import Software
from planner.perfmodel.precision import get_precision
from planner.perfmodel.readers import load_model
from planner.train.frameworks import check_name, software_defaults
from planner.train.instance import Constraints, TrainingProblem, Workload, constraint_error
from planner.train.report import attach_summary
from planner.train.simplicity import DEFAULT_TOLERANCE, check_tolerance

_CONSTRAINT_KEYS = {f.name for f in fields(Constraints)}


def make_problem(
    model: str | Path | ModelSpec | dict,
    cluster: str | Path | ClusterSpec | dict,
    *,
    global_batch: int,
    seq_len: int,
    precision: str = "bf16",
    gpus_per_node: int | None = None,
    name: str | None = None,
    top_k: int = 5,
    software: Software | None = None,
    prefer_simple: float = DEFAULT_TOLERANCE,
    pricing: str | None = None,
    prices: str | Path | None = None,
    **constraints: Any,
) -> TrainingProblem:
    """Build a :class:`TrainingProblem` from names, files or objects (see :func:`plan`)."""
    unknown = sorted(set(constraints) - _CONSTRAINT_KEYS)
    if unknown:
        raise InputError(
            f"unknown constraint {unknown[0]!r} (known: {', '.join(sorted(_CONSTRAINT_KEYS))})"
        )
    # named as given (--global-batch / --seq on the command line), not as the problem file's
    # "workload: global_batch" field that Workload checks
    positive_int(global_batch, validate.arg("global_batch"), allow_none=False)
    positive_int(seq_len, validate.arg("seq_len", "--seq"), allow_none=False)
    try:  # "unknown precision 'int3'" named no flag (s30bad); Workload checks it again
        get_precision(precision)
    except InputError as exc:
        raise InputError(f"{validate.arg('precision')}: {exc}") from None
    spec = load_model(model)
    if gpus_per_node is not None:  # 'x' raised TypeError inside parse_cluster (s15bad)
        gpus_per_node = validate.bounded(
            gpus_per_node, validate.arg("gpus_per_node"), low=1, high=2**31 - 1
        )
    clus = parse_cluster(cluster, gpus_per_node=gpus_per_node, name="cluster")
    meta: dict[str, Any] = {}
    if pricing is not None or prices is not None:  # the serving planner's price table
        from planner.perfmodel.prices import price_cluster

        clus, meta["pricing"] = price_cluster(clus, pricing, prices)
    if software is not None and not isinstance(software, Software):
        # software="x" raised AttributeError in the problem's checks (s30bad)
        raise InputError(
            f"software: expected a planner.perfmodel.options.Software or None, got {software!r}"
        )
    if name is not None:  # name=5 was planned as "5" (s30bad; serve refuses it since s28bad)
        name = text_field({"name": name}, "name", "", "name", nonempty=True)
    layers = constraints.get("stage_layers")
    if isinstance(layers, Iterable) and not isinstance(layers, (str, bytes, Mapping)):
        constraints["stage_layers"] = tuple(layers)  # a generator is read once, here
    for key, value in constraints.items():
        _check_constraint(key, value)
    cap = constraints.get("max_gpus")
    if cap is not None and cap > clus.total_gpus:  # named as the problem's field before (s30bad)
        raise InputError(
            f"{validate.arg('max_gpus')} {cap} exceeds the {clus.total_gpus} GPUs of "
            f"{validate.arg('cluster', '--gpus')} {clus.describe()}"
        )
    return TrainingProblem(
        name=name or f"{spec.name}@{clus.describe()}",
        model=spec,
        cluster=clus,
        workload=Workload(global_batch, seq_len, precision),
        constraints=Constraints(**constraints),
        meta={
            **meta,
            # any value was kept (0, -1, 'x') until the search used it (s15bad)
            "top_k": validate.bounded(top_k, "top_k", low=1, high=2**31 - 1),
            "prefer_simple": check_tolerance(prefer_simple),
        },
        software=software or _framework_software(constraints.get("framework")),
    )


#: Flags of ``plan train`` whose name is not ``--`` + the keyword with dashes.
_FLAGS = {"memory_headroom_gib": "--memory-headroom", "interleave": "--interleave (-v)"}


def _check_constraint(key: str, value: Any) -> None:
    """One constraint's own check, named as the caller gave it: ``tp`` in a library call,
    ``--tp`` on the command line (``plan train --tp 0`` said "constraints: tp ...", as a
    problem file's field is named; s30bad). The checks between constraints run after."""
    why = constraint_error(key, value)
    if why is not None:
        why = why.removeprefix(f"{key} ")
        raise InputError(f"{validate.arg(key, _FLAGS.get(key))} {why}")


def _framework_software(framework: str | None) -> Software:
    """The software of a problem built without one: the framework profile's facts, as
    ``plan train --framework NAME`` prices them
    (:func:`~planner.train.frameworks.software_defaults`; ``plan(...,
    framework="llmfoundry")`` priced Composer's offload copies as hidden, s17review)."""
    facts = software_defaults(check_name(framework, "framework"))
    return Software.from_dict(facts, where="framework software") if facts else Software()


def plan(
    model: str | Path | ModelSpec | dict,
    cluster: str | Path | ClusterSpec | dict,
    *,
    global_batch: int,
    seq_len: int,
    method: str = "auto",
    time_limit: float = 60.0,
    threads: int = 1,
    **problem: Any,
) -> Result:
    """Best training plan for ``model`` on ``cluster``, certified.

    Every keyword but ``method``, ``time_limit`` and ``threads`` goes to
    :func:`make_problem`.

    Parameters
    ----------
    model
        Catalog name (``"llama-3.1-70b"``), a ``config.json`` path, a config
        mapping or a :class:`ModelSpec`.
    cluster
        ``"1024xH100"``, ``"H100:16,A100:32"``, a cluster TOML path, a mapping or a
        :class:`ClusterSpec`.
    global_batch, seq_len, precision
        The workload.
    gpus_per_node
        Override the node size of every pool.
    method
        ``auto`` (default), ``exact`` or ``heuristic``.
    time_limit, threads
        Search budget.
    top_k
        Plans kept (the best and ``top_k - 1`` alternatives).
    prefer_simple
        Tolerance (fraction, default 0.01): among plans within it of the fastest,
        the simplest is recommended (:mod:`planner.train.simplicity`); 0 = the fastest.
    name
        Instance name (default: model @ cluster).
    pricing, prices
        Price every pool from a price table (:mod:`planner.perfmodel.prices`, as ``plan serve``
        does): tier ``on-demand`` (default), ``reserved`` or ``spot`` of the file ``prices``
        (default ``models/prices/gpu-hour.toml``); neither: the hardware catalog's prices.
    **constraints
        Any :class:`Constraints` field: ``tp=8``, ``pp=4``, ``recompute="full"``,
        ``max_gpus=512``, ``objective="cost"``, ...

    Returns
    -------
    Result
        ``solution`` is the :class:`TrainingPlan`; ``stats["summary"]`` holds the
        step time, TFLOPS, MFU, memory breakdown and alternatives (the ``--json``
        object of ``planner plan train``).
    """
    instance = make_problem(model, cluster, global_batch=global_batch, seq_len=seq_len, **problem)
    return solve(instance, method, time_limit=time_limit, threads=threads)


def solve(
    problem: TrainingProblem, method: str = "auto", *, time_limit: float = 60.0, threads: int = 1
) -> Result:
    """Run ``method`` through :func:`planner.solve` (certified) and attach the plan summary.

    ``result.stats["summary"]`` is the ``--json`` object of ``planner plan train``.
    """
    import planner.train  # noqa: F401  (registers the family)
    from planner.core.solve import solve as certified_solve

    result = certified_solve(problem, method, time_limit=time_limit, threads=threads)
    attach_summary(problem, result)
    return result
