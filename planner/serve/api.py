"""Library entry points: :func:`plan`, :func:`make_problem` and :func:`solve`.

>>> import planner.serve
>>> r = planner.serve.plan("llama-3.1-8b", "H100:8", qps=20, prompt_tokens=512,
...                        output_tokens=128, ttft="500ms", tpot="30ms")
>>> r.status.value, r.solution.replicas[0].role
('OPTIMAL', 'both')
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from planner.core import validate
from planner.core.errors import InputError, warn_once
from planner.core.io import read_json, read_toml
from planner.core.result import Result, Status
from planner.perfmodel.engines import Engine, parse_engine
from planner.perfmodel.hardware import ClusterSpec, parse_cluster
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.precision import Precision, get_precision
from planner.perfmodel.readers import load_model
from planner.perfmodel.serving_features import Speculative
from planner.serve.evaluate import plan_metrics, priced_cost_per_hour
from planner.serve.instance import (
    ServingConstraints,
    ServingPlan,
    ServingProblem,
    Workload,
    check_workloads,
    find_pool,
    offload_from_data,
    speculative_from_dict,
    workloads_from_list,
)
from planner.serve.slo import SLO
from planner.serve.traffic import LengthDist, Traffic, parse_lengths, read_trace
from planner.serve.units import MAX_TPOT_S, MAX_TTFT_S, parse_percentile, parse_slo


def make_problem(
    model: str | Path | ModelSpec,
    gpus: str | Path | ClusterSpec,
    *,
    qps: float | None = None,
    prompt_tokens: str | float | LengthDist | None = None,
    output_tokens: str | float | LengthDist | None = None,
    trace: str | Path | None = None,
    ttft: str | float | None = None,
    tpot: str | float | None = None,
    percentile: float = 99,
    precision: str = "bf16",
    kv_precision: str | None = None,
    name: str | None = None,
    speculative: Speculative | Mapping[str, Any] | None = None,
    prefix_hit_rate: float = 0.0,
    arrival_scv: float | None = None,
    allow_slow: bool = False,
    workloads: str | Path | Sequence[Workload | Mapping[str, Any]] | None = None,
    pricing: str | None = None,
    prices: str | Path | None = None,
    engine: str | Engine | None = None,
    offload: str | Path | Mapping[str, Any] | None = None,
    **constraints: Any,
) -> ServingProblem:
    """Build a :class:`ServingProblem` from plain arguments (see :func:`plan`)."""
    spec = load_model(model)
    inventory = parse_cluster(gpus)
    meta: dict[str, Any] = {}
    if pricing is not None or prices is not None:
        from planner.perfmodel.prices import price_cluster

        inventory, meta["pricing"] = price_cluster(inventory, pricing, prices)
    slo = SLO(
        _target(ttft, validate.arg("ttft"), MAX_TTFT_S, allow_slow),
        _target(tpot, validate.arg("tpot"), MAX_TPOT_S, allow_slow),
        parse_percentile(percentile, what=validate.arg("percentile")),
    )
    shared: tuple[Workload, ...] = ()
    if workloads is not None:
        given = [
            k
            for k, v in (
                ("qps", qps),
                ("prompt_tokens", prompt_tokens),
                ("output_tokens", output_tokens),
                ("trace", trace),
            )
            if v is not None
        ]
        if given:
            flags = ", ".join(validate.arg(k) for k in given)
            raise InputError(
                f"give the traffic inside {validate.arg('workloads')}, not {flags} beside it"
            )
        shared = load_workloads(workloads, slo=slo, allow_slow=allow_slow)
        if not shared:  # an empty list (or a file holding null) raised IndexError here
            raise InputError(f"{validate.arg('workloads')}: no workload given")
        traffic = shared[0].traffic
    elif trace is not None:
        traffic = read_trace(trace, rate_given=qps is not None)
        if prompt_tokens is not None or output_tokens is not None:
            lengths = {"prompt_tokens": prompt_tokens, "output_tokens": output_tokens}
            given = [k for k, v in lengths.items() if v is not None]
            raise InputError(  # s27bad: named neither flag
                f"give either {validate.arg('trace')} or prompt/output lengths, not both "
                f"({', '.join(validate.arg(k) for k in given)} given)"
            )
        if qps is not None:
            traffic = traffic.with_qps(float(qps))
    else:
        if prompt_tokens is None or output_tokens is None:
            raise InputError(
                "give prompt_tokens and output_tokens (--prompt-tokens, "
                "--output-tokens), or a trace (--trace)"
            )
        p = (
            prompt_tokens
            if isinstance(prompt_tokens, LengthDist)
            else parse_lengths(prompt_tokens, what=validate.arg("prompt_tokens"))
        )
        o = (
            output_tokens
            if isinstance(output_tokens, LengthDist)
            else parse_lengths(output_tokens, what=validate.arg("output_tokens"))
        )
        traffic = Traffic(None if qps is None else validate.number(qps, "qps"), p, o)
    if prefix_hit_rate:
        if shared:
            raise InputError("give prefix_hit_rate inside each workload's traffic")
        traffic = replace(traffic, prefix_hit_rate=prefix_hit_rate)
    if arrival_scv is not None:
        if shared:
            raise InputError("give arrival_scv inside each workload's traffic")
        traffic = replace(traffic, arrival_scv=validate.number(arrival_scv, "arrival_scv"))
    if isinstance(speculative, Mapping):
        speculative = speculative_from_dict(speculative)
    elif speculative is not None and not isinstance(speculative, Speculative):
        # 'eagle' raised AttributeError: 'str' object has no attribute 'method'
        raise InputError(
            "speculative must be a mapping {method, tokens, acceptance, draft_model} or a "
            f"Speculative, got {speculative!r}"
        )
    if name is not None and not isinstance(name, str):  # name=5 was planned as "5"
        raise InputError(f"name must be a string, got {name!r}")
    if name is not None and not name.strip():  # "" was taken for the default name
        raise InputError("name is empty: give a name or leave it out (model@inventory)")
    _check_named(precision, kv_precision, engine, inventory, constraints)
    twice = _named_twice(gpus)
    if twice:
        warn_once(meta, twice)
    try:
        return ServingProblem(
            name=name or f"{spec.name}@{inventory.describe()}",
            model=spec,
            inventory=inventory,
            traffic=traffic,
            slo=slo,
            precision=precision,
            kv_precision=kv_precision,
            constraints=ServingConstraints.from_dict(constraints, where="constraints"),
            speculative=speculative,
            workloads=shared,
            meta=meta,
            engine=engine,
            offload=offload_from_data(offload, where="offload"),
        )
    except InputError as exc:
        # the problem's checks name its fields ("constraints: kv_block_tokens 7: ..."); a
        # command-line user typed --kv-block / --spec-tokens (validate.arg)
        text = str(exc)
        for field_name, keyword, flag in _PROBLEM_FIELDS:
            if text.startswith(field_name + " "):
                raise InputError(validate.arg(keyword, flag) + text[len(field_name) :]) from None
        raise


#: Problem fields whose message a keyword or flag names: (message prefix, keyword, flag).
_PROBLEM_FIELDS = (
    ("constraints: kv_block_tokens", "kv_block_tokens", "--kv-block"),
    ("speculative: tokens", "speculative tokens", "--spec-tokens"),
)


def _named_twice(gpus: Any) -> str:
    """A note when an inventory string names one GPU type twice (``H100:2,H100:3``): the
    pools are summed (:func:`~planner.perfmodel.hardware.parse_cluster`, one pool of 5), the
    only reading of the string syntax; two sites of one GPU type are a cluster TOML's named
    ``[[pool]]`` tables. '' otherwise (a file, a :class:`ClusterSpec`, no repeat)."""
    if not isinstance(gpus, str) or "," not in gpus or gpus.strip().lower().endswith(".toml"):
        return ""
    counts: dict[str, list[int]] = {}
    for part in gpus.split(","):
        try:
            pool = parse_cluster(part).pools[0]
        except InputError:  # parse_cluster(gpus) read the whole string already
            return ""
        counts.setdefault(pool.label, []).append(pool.count)
    repeated = {k: v for k, v in counts.items() if len(v) > 1}
    if not repeated:
        return ""
    label, parts = next(iter(repeated.items()))
    return (
        f"{validate.arg('gpus')} {gpus!r}: {label} named {len(parts)} times: planned as one "
        f"pool of {sum(parts)} ({' + '.join(map(str, parts))}); two sites of one GPU type are "
        "two named [[pool]] tables of a cluster TOML"
    )


#: Constraint keywords whose flag is not ``--`` + the keyword (:func:`validate.arg`).
_CONSTRAINT_FLAGS = {
    "gpu": "--gpu-type",
    "kv_block_tokens": "--kv-block",
    "disaggregation": "--disaggregate / --disaggregate-only",
}


def _check_named(
    precision: Any,
    kv_precision: Any,
    engine: Any,
    inventory: ClusterSpec,
    constraints: Mapping[str, Any],
) -> None:
    """Refuse bad keyword arguments in messages naming them as the caller gave them.

    The problem's own checks name no argument ("unknown precision 'fp3'", "engine option must
    be ...", "no pool 'B200' in the inventory") or a field ("constraints: kv_block_tokens");
    a command-line user typed ``--precision``, ``--engine``, ``--gpu-type``, ``--kv-block``
    (s28bad). The checks run again in :class:`ServingProblem`, for problem files.
    """
    for key, value in (("precision", precision), ("kv_precision", kv_precision)):
        if (value is None and key == "kv_precision") or isinstance(value, Precision):
            continue  # a Precision object is what get_precision returns for it (s28review)
        if not isinstance(value, str):
            raise InputError(f"{validate.arg(key)} must be a name like bf16, got {value!r}")
        try:
            get_precision(value)
        except InputError as exc:
            raise InputError(f"{validate.arg(key)}: {exc}") from None
    if isinstance(engine, str):
        if not engine.strip():  # an empty --engine was taken for the default engine
            raise InputError(
                f"{validate.arg('engine')} is empty: give trtllm, vllm or sglang (with options "
                "like vllm:0.6.3,eager), or leave it out for each GPU's default engine"
            )
        try:
            parse_engine(engine)
        except InputError as exc:
            name = validate.arg("engine")
            raise InputError(str(exc) if str(exc).startswith(name) else f"{name}: {exc}") from None
    elif engine is not None and not isinstance(engine, Engine):
        raise InputError(f"engine must be a string like vllm:0.6.3 or an Engine, got {engine!r}")
    gpu = constraints.get("gpu")
    if gpu is not None:
        flag = validate.arg("gpu", _CONSTRAINT_FLAGS["gpu"])
        if not isinstance(gpu, str) or find_pool(inventory, gpu) is None:
            labels = ", ".join(p.label for p in inventory.pools)
            raise InputError(f"{flag} {gpu!r}: no such pool in the inventory ({labels})")
    try:
        ServingConstraints.from_dict(constraints, where="constraints")
    except InputError as exc:
        # "constraints: kv_block_tokens must be ..." -> "--kv-block must be ..." on the
        # command line (a library caller reads its keyword either way)
        text = str(exc)
        for key in constraints:
            head = f"constraints: {key} "
            if text.startswith(head):
                flag = validate.arg(key, _CONSTRAINT_FLAGS.get(key))
                raise InputError(f"{flag} {text[len(head) :]}") from None
        raise


def load_workloads(
    workloads: str | Path | Sequence[Workload | Mapping[str, Any]],
    *,
    slo: SLO | None = None,
    allow_slow: bool = False,
) -> tuple[Workload, ...]:
    """Workloads from a TOML / JSON file (``[[workloads]]`` tables: ``name``, ``traffic``,
    optional ``slo``) or a list of :class:`Workload` / mappings; ``slo`` is the default SLO,
    ``allow_slow`` (``--allow-slow``) applies to the workloads' own SLO tables too."""
    if isinstance(workloads, (str, Path)):
        path = Path(workloads)
        data = read_toml(path) if path.suffix.lower() == ".toml" else read_json(path)
        if isinstance(data, Mapping):
            if "workloads" not in data:
                raise InputError(f"{path}: missing array 'workloads'")
            other = sorted(set(data) - {"workloads", "name"})
            if other:  # a problem file's model, gpus, constraints ... were silently ignored
                raise InputError(
                    f"{path}: unknown field {other[0]!r} (a --workloads file holds "
                    "[[workloads]] only; plan a whole problem file with 'planner solve serve')"
                )
            data = data["workloads"]
            if data is None:  # "workloads": null was read as no workloads: IndexError
                raise InputError(f"{path}: workloads must be a non-empty list of tables")
        return workloads_from_list(
            data, where=str(path), base=path.parent, slo=slo, allow_slow=allow_slow
        )
    items = list(workloads)
    if all(isinstance(w, Workload) for w in items):
        return check_workloads(items, "workloads")
    return workloads_from_list(
        [w.to_dict() if isinstance(w, Workload) else w for w in items],
        where="workloads",
        slo=slo,
        allow_slow=allow_slow,
    )


def _target(value: str | float | None, what: str, limit: float, allow_slow: bool) -> float | None:
    """A TTFT / TPOT argument: text without a unit is milliseconds, a Python number seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = f"{value!r}s"
    return parse_slo(value, what=what, limit=limit, allow_slow=allow_slow)


def solve(
    problem: ServingProblem,
    method: str = "auto",
    *,
    time_limit: float = 10.0,
    threads: int = 1,
    seed: int = 0,
    hint: ServingPlan | None = None,
    explain: bool = False,
) -> Result:
    """Run a serving method through :func:`planner.solve` (certified) and attach the metrics.

    ``result.stats["metrics"]`` holds the predicted TTFT / TPOT, capacity and
    throughput of the plan (:func:`~planner.serve.evaluate.plan_metrics`) and its
    ``cost_per_hour`` (``None`` when a GPU the plan uses has no price). When the
    problem is INFEASIBLE and ``explain`` (the CLI and :func:`plan` set it), the rest of the time limit goes to
    :func:`~planner.serve.relax.explain_infeasible` (``result.stats["explanation"]``,
    summarized at the end of ``result.reason``).
    """
    import planner.serve  # noqa: F401  (registers the family)
    from planner.core.solve import solve as certified_solve

    began = time.perf_counter()
    result = certified_solve(
        problem, method, time_limit=time_limit, threads=threads, seed=seed, hint=hint
    )
    if result.status is Status.INFEASIBLE and explain:
        from planner.serve.relax import explain_infeasible

        # what is left of the limit by the wall clock (runtime_s leaves out the certification
        # and its bound), less the kernels' one-time load, which no limit counts
        spent = time.perf_counter() - began - result.stats.get("warmup_s", 0.0)
        found = explain_infeasible(
            problem, time_limit=max(0.0, time_limit - spent), threads=threads
        )
        result.stats["explanation"] = found
        result.reason = f"{result.reason}; {found['text']}" if result.reason else found["text"]
    if result.solution is not None:
        metrics = plan_metrics(problem, result.solution)
        # None when a GPU of the plan has no price, as the CLI's JSON (was 0.0: read as free)
        metrics["cost_per_hour"] = priced_cost_per_hour(problem, result.solution)
        metrics.pop("groups", None)
        for part in metrics.get("workloads", {}).values():
            part.pop("groups", None)
        result.stats["metrics"] = metrics
    return result


def plan(
    model: str | Path | ModelSpec,
    gpus: str | Path | ClusterSpec,
    *,
    method: str = "auto",
    time_limit: float = 10.0,
    threads: int = 1,
    explain: bool = True,
    **problem: Any,
) -> Result:
    """Cheapest replica plan meeting the SLOs (or the inventory's maximum throughput).

    Every keyword but ``method``, ``time_limit`` and ``threads`` goes to
    :func:`make_problem`.

    Parameters
    ----------
    model
        Catalog name (``llama-3.1-70b``), ``config.json`` path or :class:`ModelSpec`.
    gpus
        Inventory: ``"H100:16,A100:32"``, ``"64xH100"``, a cluster TOML path or
        a :class:`ClusterSpec` (counts are limits; prices come from the catalog
        or the TOML).
    qps
        Requests per second to serve; ``None`` maximizes throughput instead.
    prompt_tokens, output_tokens
        Lengths: a number, ``"uniform:A-B"``, ``"exp:MEAN"``, ``"normal:M,S"``,
        ``"lognormal:M,S"`` or a :class:`LengthDist`.
    trace
        JSON Lines request trace (instead of the lengths; sets ``qps`` unless given).
    ttft, tpot
        Targets: ``"1s"``, ``"50ms"``, ``"500"`` (text without a unit is milliseconds, as
        on the command line) or a number of seconds; ``None`` for none. A TPOT over 10 s
        or a TTFT over 10 min is rejected unless ``allow_slow``.
    allow_slow
        Accept such slow targets (``--allow-slow``).
    percentile
        SLO percentile, 0-100.
    precision, kv_precision
        ``bf16``, ``fp8`` or ``fp4`` (B200) for weights/activations and the KV cache.
    method
        ``auto``, ``mip`` or ``greedy``.
    time_limit, threads
        Solver limits.
    pricing, prices
        Price tier (``on-demand``, ``reserved``, ``spot``) and price table
        (:mod:`planner.perfmodel.prices`; the shipped ``models/prices/gpu-hour.toml`` when
        ``None``): every pool's GPU-hour price comes from the table. Neither: the hardware
        catalog's indicative price.
    explain
        When no plan exists, spend the rest of the time limit finding what would make one
        exist (:func:`~planner.serve.relax.explain_infeasible`).
    name
        Instance name (default: model @ inventory).
    speculative
        :class:`~planner.perfmodel.serving_features.Speculative` (or its fields as a
        mapping): the planner uses it on the layouts where it pays.
    prefix_hit_rate
        Share of prompt tokens served from the prefix cache.
    arrival_scv
        Squared coefficient of variation of the inter-arrival times (1 Poisson, above 1
        bursty Gamma arrivals; below 1 the model plans as for Poisson and the simulator
        draws the smoother arrivals, 0 regular; default: Poisson, or what ``trace`` shows).
    engine
        The serving engine the step times assume on every pool: ``trtllm`` (also ``nim``),
        ``vllm`` or ``sglang``, optionally with a version and options,
        ``vllm:0.6.3,eager,steps=10`` (:func:`~planner.perfmodel.engines.parse_engine`).
        Default: each pool's vendor's engine, TensorRT-LLM on NVIDIA and vLLM on AMD GPUs
        (:func:`~planner.perfmodel.engines.default_engine`); a named engine that does not run
        on a pool's GPUs leaves that pool out (:class:`~planner.serve.instance.ServingProblem`).
    workloads
        Several workloads sharing the inventory: a TOML / JSON file with ``[[workloads]]``
        tables (``name``, ``traffic``, optional ``slo``; ``ttft`` / ``tpot`` given here are
        the default SLO) or a list of :class:`~planner.serve.instance.Workload` / mappings.
        The plan then holds replica groups per workload (``ReplicaGroup.workload``).
    offload
        A MoE expert offload plan (``planner solve offload --out`` file or its mapping,
        ``--offload``): the model serves with those experts on the GPU.
    **constraints
        :class:`ServingConstraints` fields: ``tp``, ``pp``, ``ep``, ``gpu``,
        ``disaggregation`` (``off``/``allow``/``force``), ``max_batch``,
        ``chunk_tokens``, ``max_tp``, ``max_pp``, ``max_replica_gpus``.

    Returns
    -------
    Result
        Certified: ``objective`` is USD/hour (or minus output tokens/s without
        ``qps``), ``bound`` / ``gap`` from the MIP, ``solution`` a
        :class:`ServingPlan`, ``stats["metrics"]`` the predicted latencies,
        ``stats["warnings"]`` the problem's warnings (no price, a GPU without fitted
        efficiencies), when there are any.
    """
    built = make_problem(model, gpus, **problem)
    result = solve(built, method, time_limit=time_limit, threads=threads, explain=explain)
    if built.meta.get("warnings"):
        # the problem is built here, so its warnings (no price, a GPU without fitted
        # efficiencies) reached only the CLI, which holds the problem
        result.stats["warnings"] = list(built.meta["warnings"])
    return result
