"""Library entry points: one step's groups (:func:`assign`) and a run of steps (:func:`plan_run`).

``assign`` is meant to be called once per training step from the data
pipeline, for example in the batch sampler of a PyTorch ``DataLoader`` with
worker processes, so that step ``t+1`` is planned while step ``t`` trains::

    from planner.seqpar import assign

    class SPBatchSampler(torch.utils.data.Sampler):
        def __iter__(self):
            for batch in self.global_batches():        # lists of dataset indices
                lengths = [self.lengths[i] for i in batch]
                plan = assign(lengths, 64, "flexsp-7b", time_limit=0.5)
                for mb in plan.microbatches:            # run one after another
                    yield [(g.degree, [batch[i] for i in g.sequences]) for g in mb]

Each group of a micro-batch is one SP group: ranks are assigned largest
degree first, each group at a rank offset that is a multiple of its degree
(:func:`planner.seqpar.plot.placement`), so groups up to the node size stay
inside a node.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.core import validate
from planner.core.errors import InputError
from planner.core.result import Result, Status
from planner.seqpar.costmodel import AnyCost, Cluster, CostModel, TabulatedCost
from planner.seqpar.generate import check_options, eligible, make_cluster_cost
from planner.seqpar.instance import Group, Instance
from planner.seqpar.presets import DEFAULT_PRESET, find_preset


@dataclass
class Assignment:
    """The plan of one step.

    Attributes
    ----------
    microbatches
        Run one after another; each a list of :class:`~planner.seqpar.instance.Group`
        (degree and indices into the ``lengths`` given).
    step_time_s
        Modeled step time (``None`` without a plan).
    bound_s
        Proven lower bound on any plan's step time (``None`` if none).
    status
        ``OPTIMAL``, ``FEASIBLE``, ``INFEASIBLE`` (``reason`` says which sequence
        is too long) or ``UNKNOWN``.
    result
        The full certificate (stats include the baselines).
    """

    microbatches: list[list[Group]]
    step_time_s: float | None
    bound_s: float | None
    status: Status
    reason: str
    result: Result


def make_instance(
    lengths: Sequence[int],
    cluster: Cluster | int,
    model: str | AnyCost = DEFAULT_PRESET,
    *,
    max_len: int | None = None,
    gpu: str | None = None,
    strategies: Sequence[str] | None = None,
    name: str = "step",
) -> Instance:
    """An instance from a batch, a cluster (or a GPU count) and a model.

    ``model`` is a FlexSP preset, a model perfmodel knows (derived on ``gpu``,
    H100 by default; then ``cluster`` is a GPU count) or a cost model object
    (then ``cluster`` must be a :class:`Cluster`).
    """
    if isinstance(model, (CostModel, TabulatedCost)):
        if not isinstance(cluster, Cluster):
            raise InputError("cluster: give a Cluster when the model is a cost model object")
        cost = model
    elif isinstance(cluster, Cluster) and find_preset(model) is not None:
        cost = find_preset(model).cost()
    else:
        gpus = (
            cluster.gpus
            if isinstance(cluster, Cluster)
            else validate.bounded(cluster, "cluster", low=1, high=2**63 - 1)  # inf: OverflowError
        )
        per_node = cluster.gpus_per_node if isinstance(cluster, Cluster) else None
        cluster, cost, _ = make_cluster_cost(gpus, model, per_node, gpu=gpu, strategies=strategies)
    if isinstance(lengths, np.ndarray):
        lengths = lengths.tolist()
    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, Iterable):
        raise InputError(f"lengths: expected a sequence of token counts, got {lengths!r}")
    lengths = list(lengths)
    return Instance(name, lengths, cluster, cost, max_len=max_len)


def assign(
    lengths: Sequence[int],
    cluster: Cluster | int,
    model: str | AnyCost = DEFAULT_PRESET,
    *,
    time_limit: float = 0.5,
    method: str = "auto",
    max_len: int | None = None,
    gpu: str | None = None,
    strategies: Sequence[str] | None = None,
    threads: int = 1,
    seed: int = 0,
) -> Assignment:
    """SP groups for one step's batch.

    Parameters
    ----------
    lengths
        Tokens of each sequence of the global batch.
    cluster
        A :class:`~planner.seqpar.costmodel.Cluster`, or a GPU count (nodes
        and memory from the model preset).
    model
        Preset name (``flexsp-7b``, ``flexsp-13b``, ``flexsp-30b``), a model
        perfmodel knows (``llama-3.1-8b``; its cost model is derived once per
        process and cached), or a cost model object.
    time_limit
        Seconds for the solve (the heuristic path answers in a fraction of it).
    method
        Any method of the family (``planner families``).
    max_len
        The run's maximum context length (for the static baseline); default
        the batch's longest sequence.
    gpu, strategies
        For derived models: the GPU (default H100) and the SP strategies offered
        (default Ulysses, ring and hybrid).
    """
    import planner

    instance = make_instance(
        lengths, cluster, model, max_len=max_len, gpu=gpu, strategies=strategies
    )
    res = planner.solve(instance, method, time_limit=time_limit, threads=threads, seed=seed)
    mbs = res.solution.microbatches if res.solution is not None else []
    return Assignment(mbs, res.objective, res.bound, res.status, res.reason, res)


@dataclass
class StepRecord:
    """One planned step: modeled times (s) of the plan and both baselines, and the solve time."""

    step: int
    status: str
    time_s: float | None
    static_s: float | None
    adaptive_s: float | None
    bound_s: float | None
    solve_s: float
    microbatches: int
    reason: str = ""  # why the step has no plan (``time_s`` None), e.g. the method's reason


@dataclass
class RunReport:
    """A run of planned steps and its totals."""

    steps: list[StepRecord] = field(default_factory=list)

    def totals(self) -> dict[str, Any]:
        """Total modeled time of the plans and the baselines, speedups, solve-time distribution."""
        done = [s for s in self.steps if s.time_s is not None]
        total = sum(s.time_s for s in done)
        out: dict[str, Any] = {
            "steps": len(self.steps),
            "planned": len(done),
            # None, not 0, when no step got a plan: `plan seqpar -m static` where no degree
            # holds the context printed "planner 0.0 s" for 0 of 2 steps (s23walk)
            "total_s": total if done else None,
        }
        missed = [s for s in self.steps if s.time_s is None]
        if missed:
            out["unplanned"] = {"steps": len(missed), "first": missed[0].step}
            out["unplanned"]["reason"] = missed[0].reason
        for key in ("static", "adaptive"):
            vals = [getattr(s, f"{key}_s") for s in done]
            if done and all(v is not None for v in vals):
                base = sum(vals)
                out[f"{key}_total_s"] = base
                out[f"speedup_{key}"] = base / total if total > 0 else None
                out[f"steps_slower_than_{key}"] = sum(
                    1 for s in done if s.time_s > getattr(s, f"{key}_s") * (1 + 1e-9)
                )
            else:
                out[f"{key}_total_s"] = None
                out[f"speedup_{key}"] = None
        bounds = [s.bound_s for s in done]
        if done and all(b is not None for b in bounds):
            out["bound_total_s"] = sum(bounds)
            out["gap"] = (total - sum(bounds)) / total if total > 0 else 0.0
        solve = np.array([s.solve_s for s in self.steps]) if self.steps else np.zeros(1)
        out["solve_s"] = {
            "mean": float(solve.mean()),
            "p50": float(np.percentile(solve, 50)),
            "p90": float(np.percentile(solve, 90)),
            "p99": float(np.percentile(solve, 99)),
            "max": float(solve.max()),
        }
        return out


def batches(
    pool: np.ndarray, *, batch: int, steps: int, max_len: int, seed: int, over: str = "drop"
) -> Iterator[np.ndarray]:
    """``steps`` global batches drawn uniformly (with replacement) from ``pool``."""
    kept = eligible(np.asarray(pool, dtype=np.int64), max_len, over)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        yield rng.choice(kept, size=batch, replace=True)


def check_run(
    pool: np.ndarray,
    *,
    batch: int,
    steps: int,
    gpus: int,
    model: str = DEFAULT_PRESET,
    max_len: int,
    over: str = "drop",
    gpu: str | None = None,
    strategies: Sequence[str] | None = None,
) -> tuple[Cluster, AnyCost]:
    """The cluster and cost model of a run, after checking every setting of :func:`plan_run`.

    Raises
    ------
    InputError
        Naming the option at fault (``--batch``, ``--steps``, ``--gpus``, ...), so that a
        caller can check before it starts a run (the CLI before its progress bar).
    """
    if steps < 1:
        raise InputError(f"{validate.arg('steps')}: need at least one step, got {steps}")
    check_options(batch, max_len, 1, over)
    cluster, cost, _ = make_cluster_cost(gpus, model, gpu=gpu, strategies=strategies)
    eligible(np.asarray(pool, dtype=np.int64), max_len, over)
    return cluster, cost


def plan_run(
    pool: np.ndarray,
    *,
    batch: int,
    steps: int,
    gpus: int,
    model: str = DEFAULT_PRESET,
    max_len: int,
    time_limit: float = 1.0,
    method: str = "auto",
    seed: int = 0,
    threads: int = 1,
    over: str = "drop",
    gpu: str | None = None,
    strategies: Sequence[str] | None = None,
    on_step: Callable[[StepRecord], None] | None = None,
) -> RunReport:
    """Plan ``steps`` steps of batches drawn from ``pool`` and compare with both baselines."""
    import planner
    from planner.core.family import get_family, warm_up

    cluster, cost = check_run(
        pool,
        batch=batch,
        steps=steps,
        gpus=gpus,
        model=model,
        max_len=max_len,
        over=over,
        gpu=gpu,
        strategies=strategies,
    )
    warm_up(get_family("seqpar"))  # loading compiled kernels is not a step's solve time
    report = RunReport()
    for t, lengths in enumerate(
        batches(pool, batch=batch, steps=steps, max_len=max_len, seed=seed, over=over)
    ):
        inst = Instance(f"step{t}", lengths.tolist(), cluster, cost, max_len=max_len)
        start = time.perf_counter()
        res = planner.solve(inst, method, time_limit=time_limit, threads=threads, seed=seed + t)
        solve_s = time.perf_counter() - start
        rec = StepRecord(
            step=t,
            status=res.status.value,
            time_s=res.objective,
            static_s=res.stats.get("static_s"),
            adaptive_s=res.stats.get("adaptive_s"),
            bound_s=res.bound,
            solve_s=solve_s,
            microbatches=res.stats.get("microbatches", 0),
            reason="" if res.objective is not None else (res.reason or res.status.value),
        )
        report.steps.append(rec)
        if on_step is not None:
            on_step(rec)
    return report
