"""Seeded generators in the style of R-ConstraintBench (Jain & Wetter, arXiv 2508.15204).

An instance is built in the paper's order:

1. tasks are split into layers of a DAG;
2. precedence level ``k``: ``k`` non-redundant edges, each from an earlier layer to a later one and
   accepted only if no path between the two tasks exists yet and it makes no earlier edge
   redundant (so no edge is implied by the others);
3. with given probabilities: resource downtime windows (capacity 0, or reduced), release/deadline
   windows on tasks, and disjunctive (no-overlap) pairs.

``feasible=True`` places windows, downtime and pairs around a witness schedule (so a schedule
exists); ``feasible=None`` lets a deadline fall up to two units inside the witness (never before
the job's earliest finish by precedences alone) and pairs ignore it, so some instances are
infeasible, and deciding which takes resource reasoning — what a feasibility benchmark needs.

Scenarios: ``synthetic`` (plain resources ``R1..Rm``) and ``datacenter-migration`` (phases of a
migration as layers; migration teams, network engineers, a forklift, a 10G link, rack power;
change freezes as downtime; shared racks as disjunctive pairs).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from planner.core import validate
from planner.core.errors import InputError
from planner.rcpsp.instance import Downtime, Instance, Precedence
from planner.rcpsp.network import distances, tightened_windows

SCENARIOS = ("synthetic", "datacenter-migration")

#: Largest generator settings: every method's time limit is benchmarked up to ``MAX_JOBS``
#: tasks (``bench/time_limits.py``).
MAX_JOBS = 300
MAX_RESOURCES = 20
#: DAG layers when ``layers`` is not given (fewer when there are fewer tasks).
DEFAULT_LAYERS = 5
#: Resources of the synthetic scenario when ``resources`` is not given.
DEFAULT_RESOURCES = 3


@dataclass(frozen=True)
class _Resource:
    name: str
    capacity: int
    use_prob: float
    demand: tuple[int, int]


_DC_RESOURCES = (
    _Resource("migration-team", 4, 0.8, (1, 2)),
    _Resource("network-engineers", 2, 0.35, (1, 1)),
    _Resource("forklift", 1, 0.15, (1, 1)),
    _Resource("link-10g", 10, 0.3, (2, 8)),
    _Resource("rack-power-kw", 12, 0.3, (2, 6)),
)
_DC_PHASES = (
    "plan",
    "backup",
    "ship",
    "rack",
    "cable",
    "configure-network",
    "copy-data",
    "validate",
    "cutover",
    "decommission",
)
_DC_ASSETS = ("db", "web", "cache", "queue", "storage", "auth", "search", "ml", "batch", "dns")


def generate(
    n_jobs: int = 30,
    *,
    layers: int | None = None,
    level: int | None = None,
    resources: int | None = None,
    p_downtime: float = 0.0,
    p_window: float = 0.0,
    p_disjunctive: float = 0.0,
    feasible: bool | None = True,
    scenario: str = "synthetic",
    seed: int = 0,
    name: str | None = None,
) -> Instance:
    """One instance (see the module docstring).

    Parameters
    ----------
    n_jobs
        Number of tasks.
    layers
        DAG layers, each holding a task: at most ``n_jobs`` (``datacenter-migration``: also at
        most one per migration phase). Default :data:`DEFAULT_LAYERS`, or ``n_jobs`` when fewer.
    level
        Number of non-redundant precedence edges (default ``1.5 n_jobs``); fewer when the layered
        DAG has no room for more: ``meta["level"]`` is the number placed and
        ``meta["level_requested"]`` the number asked for (present only when a ``level`` given
        was not reached).
    resources
        Number of renewable resources of the ``synthetic`` scenario (default
        :data:`DEFAULT_RESOURCES`); ``datacenter-migration`` has its own five and refuses it.
    p_downtime
        Probability that a resource gets a downtime window (capacity 0, sometimes halved).
    p_window
        Probability that a task gets a release/deadline window.
    p_disjunctive
        Probability that a task is paired with another unrelated task that it must not overlap.
    feasible
        ``True``: a witness schedule satisfies everything; ``None``: windows may be too tight.
    scenario
        ``"synthetic"`` or ``"datacenter-migration"``.
    seed
        Random seed: the same arguments give the same instance.
    name
        Instance name (default built from the arguments).
    """
    if scenario not in SCENARIOS:
        raise InputError(
            f"--scenario: unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}"
        )
    # types first: layers=inf raised OverflowError, 1.5 or None a TypeError (s15bad)
    n_jobs = validate.bounded(n_jobs, "--tasks", low=1, high=MAX_JOBS)
    dc = scenario == "datacenter-migration"
    if layers is None:
        # the default is drawn over 5 layers however few the tasks (the instances of before;
        # every task then gets a layer of its own) and reported as the layers it made
        draw_layers = DEFAULT_LAYERS
    else:
        # more layers than tasks were kept, and the phases beyond the migration's ten cut, in
        # silence (meta said 50 layers for 5 tasks, which make 5): both refused
        layers = validate.bounded(layers, "--layers", low=1, high=2**31 - 1)
        if dc and layers > len(_DC_PHASES):
            raise InputError(
                f"--layers {layers}: at most {len(_DC_PHASES)} (the datacenter-migration "
                "scenario's phases)"
            )
        if layers > n_jobs:
            raise InputError(
                f"--layers {layers}: at most --tasks ({n_jobs}): every layer holds a task"
            )
        draw_layers = layers
    seed = validate.bounded(seed, "--seed", low=0, high=2**63 - 1)
    if level is not None:
        level = validate.bounded(level, "--level", low=0, high=MAX_JOBS**2)
    for label, p in (
        ("--p-downtime", p_downtime),
        ("--p-window", p_window),
        ("--p-disjunctive", p_disjunctive),
    ):
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise InputError(f"{label}: must be in [0, 1], got {p!r}")
    rng = random.Random(seed)
    if dc:
        if resources is not None:  # was ignored: the scenario has its own teams and links
            raise InputError(
                f"--resources {resources}: the datacenter-migration scenario has its own "
                f"{len(_DC_RESOURCES)} resources ({', '.join(r.name for r in _DC_RESOURCES)}); "
                "--resources applies to --scenario synthetic"
            )
        res = list(_DC_RESOURCES)
    else:
        resources = validate.bounded(
            DEFAULT_RESOURCES if resources is None else resources,
            "--resources",
            low=1,
            high=MAX_RESOURCES,
        )
        res = [_Resource(f"R{r + 1}", rng.randint(4, 10), 0.5, (1, 4)) for r in range(resources)]
    layer_of = sorted(rng.randrange(draw_layers) for _ in range(n_jobs))
    layers = min(draw_layers, n_jobs)
    for k in range(layers):  # every layer non-empty
        layer_of[k * n_jobs // layers] = k
    layer_of.sort()
    durations = [rng.randint(1, 10) for _ in range(n_jobs)]
    demands = []
    for _ in range(n_jobs):
        row = [
            rng.randint(rr.demand[0], min(rr.demand[1], rr.capacity))
            if rng.random() < rr.use_prob
            else 0
            for rr in res
        ]
        if not any(row):
            r = rng.randrange(len(res))
            row[r] = rng.randint(res[r].demand[0], min(res[r].demand[1], res[r].capacity))
        demands.append(tuple(row))
    asked = 3 * n_jobs // 2 if level is None else level
    edges = _layered_edges(layer_of, asked, rng)
    names = _job_names(layer_of, dc, rng)
    base = Instance(
        name="tmp",
        durations=tuple(durations),
        demands=tuple(demands),
        capacities=tuple(rr.capacity for rr in res),
        precedences=tuple(Precedence(a, b) for a, b in edges),
        job_names=tuple(names),
        resource_names=tuple(rr.name for rr in res),
    )
    from planner.rcpsp.heuristics.sgs import lft_schedule  # compiled kernels: load on first use

    witness = lft_schedule(base)
    assert witness is not None  # no windows yet: the serial SGS always succeeds
    span = max(s + d for s, d in zip(witness.start, durations, strict=True))
    downtimes = _downtimes(base, witness.start, span, p_downtime, feasible, rng)
    if downtimes:
        with_down = replace(base, downtimes=tuple(downtimes))
        again = lft_schedule(with_down)
        if again is None:  # cannot happen (SGS waits for capacity), but never build on None
            raise AssertionError("serial SGS failed on an instance without windows")
        witness, base = again, with_down
        span = max(s + d for s, d in zip(witness.start, durations, strict=True))
    release = [0] * n_jobs
    deadline: list[int | None] = [None] * n_jobs
    windowed = [j for j in range(n_jobs) if rng.random() < p_window]
    lates = {}
    for j in windowed:
        d = durations[j]
        release[j] = max(0, witness.start[j] - rng.randint(0, d))  # never after the witness
        # feasible: the deadline keeps the witness; otherwise it may cut up to 2 units into it
        lates[j] = rng.randint(0, 2 * d) if feasible else rng.randint(-2, 2 * d)
    timed = replace(base, release=tuple(release))
    es = tightened_windows(timed, distances(timed)).es
    for j in windowed:
        # never below the earliest finish: a cut deadline is then refuted only by resources
        end = witness.start[j] + durations[j]
        deadline[j] = max(1, end + lates[j], int(es[j]) + durations[j])
    pairs = _pairs(base, witness.start, p_disjunctive, feasible, rng)
    counts = {
        "precedences": len(edges),
        "downtimes": len(downtimes),
        "windows": sum(1 for j in range(n_jobs) if release[j] or deadline[j] is not None),
        "disjunctive": len(pairs),
    }
    meta = {
        "generator": "planner.rcpsp.generate",
        "scenario": scenario,
        "seed": seed,
        "layers": layers,
        "level": len(edges),
        # an explicit level the layered DAG had no room for: said, not hidden (`gen rcpsp`
        # prints a note); the default 1.5 n is a target, not a request
        **({"level_requested": level} if level is not None and len(edges) < level else {}),
        "p_downtime": p_downtime,
        "p_window": p_window,
        "p_disjunctive": p_disjunctive,
        "feasible_by_construction": bool(feasible),
        "constraints": sum(counts.values()),
        **{f"n_{k}": v for k, v in counts.items()},
    }
    return replace(
        base,
        name=name or f"{scenario}-n{n_jobs}-k{len(edges)}-s{seed}",
        release=tuple(release),
        deadline=tuple(deadline),
        disjunctive=tuple(pairs),
        meta=meta,
    )


def ramp(
    n_jobs: int = 40,
    *,
    levels: list[int] | None = None,
    seed: int = 0,
    **kwargs,
) -> list[Instance]:
    """A ramp: the same generator at increasing precedence levels (one instance per level).

    ``levels`` defaults to ``5, 10, ..., 3 n_jobs`` (capped by what the layered DAG can hold).
    Other keyword arguments go to :func:`generate`; instance ``i`` uses seed ``seed + i``.
    """
    if levels is None:
        levels = list(range(5, 3 * n_jobs + 1, 5))
    scenario = kwargs.get("scenario", "synthetic")
    return [
        generate(
            n_jobs, level=k, seed=seed + i, name=f"{scenario}-ramp-k{k:03d}-s{seed + i}", **kwargs
        )
        for i, k in enumerate(levels)
    ]


def _layered_edges(layer_of: list[int], level: int, rng: random.Random) -> list[tuple[int, int]]:
    """Up to ``level`` edges between layers, each added only when no path links its ends yet and
    it implies no earlier edge, so the final edge set is its own transitive reduction."""
    n = len(layer_of)
    reach = [1 << j for j in range(n)]  # reach[i]: bitset of jobs reachable from i (incl. i)
    pairs = [(a, b) for a in range(n) for b in range(n) if layer_of[a] < layer_of[b]]
    rng.shuffle(pairs)
    edges: list[tuple[int, int]] = []
    for a, b in pairs:
        if len(edges) >= level:
            break
        if reach[a] >> b & 1:
            continue  # already implied: the edge would be redundant
        if any(reach[x] >> a & 1 and reach[b] >> y & 1 for x, y in edges):
            continue  # it would make an earlier edge x -> y redundant (x ... a -> b ... y)
        edges.append((a, b))
        for i in range(n):  # everything reaching a now reaches all of b's descendants
            if reach[i] >> a & 1:
                reach[i] |= reach[b]
    return edges


def _job_names(layer_of: list[int], dc: bool, rng: random.Random) -> list[str]:
    if not dc:
        return [str(j + 1) for j in range(len(layer_of))]
    names, seen = [], {}
    for lay in layer_of:
        asset = rng.choice(_DC_ASSETS)
        base = f"{_DC_PHASES[lay]}:{asset}"
        seen[base] = seen.get(base, 0) + 1
        names.append(f"{base}-{seen[base]}")
    return names


def _downtimes(
    inst: Instance,
    start: tuple[int, ...],
    span: int,
    p: float,
    feasible: bool | None,
    rng: random.Random,
) -> list[Downtime]:
    """One window per resource with probability ``p``; with ``feasible`` it avoids the witness
    where it would cut its capacity (the witness is re-planned around downtime anyway)."""
    out = []
    for r in range(inst.num_resources):
        if rng.random() >= p:
            continue
        length = rng.randint(1, max(1, span // 6))
        a = rng.randint(0, max(0, span - length))
        cap = 0 if rng.random() < 0.7 else inst.capacities[r] // 2
        out.append(Downtime(r, a, a + length, cap))
    return out


def _pairs(
    inst: Instance, start: tuple[int, ...], p: float, feasible: bool | None, rng: random.Random
) -> list[tuple[int, int]]:
    """Disjunctive pairs of tasks unrelated by precedence; with ``feasible`` only pairs that do
    not overlap in the witness schedule."""
    n = inst.num_jobs
    if p <= 0 or n < 2:
        return []
    reach = [set() for _ in range(n)]
    for j in reversed(range(n)):  # jobs are in layer order, so successors come later
        for s in inst.successors[j]:
            reach[j] |= {s} | reach[s]
    dur = inst.durations
    out: list[tuple[int, int]] = []
    used = set()
    for a in range(n):
        if rng.random() >= p:
            continue
        cands = [
            b
            for b in range(n)
            if b != a
            and b not in reach[a]
            and a not in reach[b]
            and (min(a, b), max(a, b)) not in used
            and (not feasible or start[a] + dur[a] <= start[b] or start[b] + dur[b] <= start[a])
        ]
        if cands:
            b = rng.choice(cands)
            used.add((min(a, b), max(a, b)))
            out.append((a, b))
    return out
