"""RCPSP data: ``Instance`` (jobs, resources, precedences with lags, windows, downtime) and ``Solution``.

Conventions
-----------
* Time is integral and starts at 0. A job ``j`` occupies ``[start_j, start_j + duration_j)``.
* A precedence ``(i, j, lag)`` means ``start_j >= start_i + lag``; ``lag=None`` is the
  ordinary finish-to-start precedence, i.e. ``lag = duration_i`` (PSPLIB ``.sm``). Negative lags
  are maximal time lags (RCPSP/max): ``start_i <= start_j + |lag|``.
* Finish-to-start precedences must form a DAG (a cycle of them is bad input); cycles through
  generalized lags are allowed and are infeasible exactly when some cycle has positive length.
* ``release[j]`` is the earliest start, ``deadline[j]`` (or ``None``) the latest completion.
* A resource has a base capacity; a :class:`Downtime` lowers it to ``capacity`` on ``[start, end)``
  (overlapping windows: the lowest applies). Jobs are never preempted: a job that overlaps a
  window must fit under the reduced capacity for every unit of time it runs.
* Two jobs of a disjunctive pair never overlap (an interval of length zero overlaps nothing).
* The objective is the makespan, ``max_j (start_j + duration_j)`` (0 for no jobs).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from functools import cached_property
from typing import Any

from planner.core.errors import InputError, reject_unknown_fields


@dataclass(frozen=True)
class Precedence:
    """``start[succ] >= start[pred] + lag``; ``lag=None`` means finish-to-start.

    Attributes
    ----------
    pred, succ
        0-based job indices.
    lag
        Start-to-start time lag (may be negative), or ``None`` for ``duration[pred]``.
    """

    pred: int
    succ: int
    lag: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"pred": self.pred, "succ": self.succ}
        if self.lag is not None:
            out["lag"] = self.lag
        return out


@dataclass(frozen=True)
class Downtime:
    """Resource ``resource`` has at most ``capacity`` units on ``[start, end)``.

    Attributes
    ----------
    resource
        0-based resource index.
    start, end
        Window, ``0 <= start < end``.
    capacity
        Capacity inside the window (0 = the resource is down).
    """

    resource: int
    start: int
    end: int
    capacity: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Largest duration, lag, release, deadline, capacity or demand: products of two of them (energy,
#: keys of the schedule-generation kernels) stay well inside 64-bit integers.
MAX_VALUE = 2**31 - 1
#: Largest horizon (sum of durations and positive lags after the latest release).
MAX_HORIZON = 2**40


@dataclass(frozen=True)
class Instance:
    """A resource-constrained project scheduling instance (makespan minimization).

    Attributes
    ----------
    name
        Instance name (file stem for files read from disk).
    durations
        Duration of every job, ``>= 0``.
    demands
        ``demands[j][r]``: units of resource ``r`` job ``j`` holds while it runs, ``>= 0``.
    capacities
        Base capacity of every renewable resource, ``>= 0``.
    precedences
        :class:`Precedence` constraints (finish-to-start or generalized lags).
    release
        Earliest start of every job (default 0).
    deadline
        Latest completion of every job, or ``None`` (default: none).
    downtimes
        :class:`Downtime` windows lowering a resource's capacity.
    disjunctive
        Pairs of jobs that must not overlap in time.
    job_names, resource_names
        Labels used in messages and plots (default: job ``"1".."n"``, resource ``"R1".."Rm"``).
    meta
        Extra information (source format, published optimum, scenario parameters, ...).
    """

    name: str
    durations: tuple[int, ...]
    demands: tuple[tuple[int, ...], ...]
    capacities: tuple[int, ...]
    precedences: tuple[Precedence, ...] = ()
    release: tuple[int, ...] = ()
    deadline: tuple[int | None, ...] = ()
    downtimes: tuple[Downtime, ...] = ()
    disjunctive: tuple[tuple[int, int], ...] = ()
    job_names: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        n = len(self.durations)
        set_(
            self,
            "durations",
            tuple(_int(d, f"durations[{j}]") for j, d in enumerate(self.durations)),
        )
        set_(
            self,
            "capacities",
            tuple(_int(c, f"capacities[{r}]") for r, c in enumerate(self.capacities)),
        )
        m = len(self.capacities)
        set_(
            self,
            "job_names",
            tuple(str(x) for x in self.job_names) or tuple(str(j + 1) for j in range(n)),
        )
        set_(
            self,
            "resource_names",
            tuple(str(x) for x in self.resource_names) or tuple(f"R{r + 1}" for r in range(m)),
        )
        if len(self.job_names) != n:
            raise InputError(
                f"{self.name}: job_names has {len(self.job_names)} entries, expected {n}"
            )
        if len(self.resource_names) != m:
            raise InputError(
                f"{self.name}: resource_names has {len(self.resource_names)} entries, expected {m}"
            )
        if len(self.demands) != n:
            raise InputError(
                f"{self.name}: demands has {len(self.demands)} rows, expected {n} (one per job)"
            )
        demands = []
        for j, row in enumerate(self.demands):
            if len(row) != m:
                raise InputError(
                    f"{self.name}: job {self.job_names[j]}: {len(row)} demands, expected {m} (one per resource)"
                )
            demands.append(tuple(_int(d, f"job {self.job_names[j]} demand") for d in row))
        set_(self, "demands", tuple(demands))
        set_(self, "release", tuple(self.release) or (0,) * n)
        set_(self, "deadline", tuple(self.deadline) or (None,) * n)
        if len(self.release) != n or len(self.deadline) != n:
            raise InputError(f"{self.name}: release/deadline need one entry per job ({n})")
        set_(
            self,
            "release",
            tuple(_int(x, f"job {self.job_names[j]} release") for j, x in enumerate(self.release)),
        )
        set_(
            self,
            "deadline",
            tuple(
                None if x is None else _int(x, f"job {self.job_names[j]} deadline")
                for j, x in enumerate(self.deadline)
            ),
        )
        set_(self, "precedences", tuple(_precedence(p) for p in self.precedences))
        set_(self, "downtimes", tuple(_downtime(d) for d in self.downtimes))
        set_(self, "disjunctive", tuple((int(a), int(b)) for a, b in self.disjunctive))
        set_(self, "meta", dict(self.meta))
        self._validate()

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        n, m = self.num_jobs, self.num_resources
        for j, d in enumerate(self.durations):
            if d < 0:
                raise InputError(f"{self.name}: job {self.job_names[j]}: negative duration {d}")
        for r, c in enumerate(self.capacities):
            if c < 0:
                raise InputError(
                    f"{self.name}: resource {self.resource_names[r]}: negative capacity {c}"
                )
        for j, row in enumerate(self.demands):
            for r, d in enumerate(row):
                if d < 0:
                    raise InputError(
                        f"{self.name}: job {self.job_names[j]}: negative demand {d} "
                        f"on resource {self.resource_names[r]}"
                    )
        for j, x in enumerate(self.release):
            if x < 0:
                raise InputError(f"{self.name}: job {self.job_names[j]}: negative release {x}")
        for j, x in enumerate(self.deadline):
            if x is not None and x < 0:
                raise InputError(f"{self.name}: job {self.job_names[j]}: negative deadline {x}")
        for k, p in enumerate(self.precedences):
            for end in (p.pred, p.succ):
                if not 0 <= end < n:
                    raise InputError(
                        f"{self.name}: precedences[{k}]: unknown job index {end} (jobs are 0..{n - 1})"
                    )
        for k, w in enumerate(self.downtimes):
            if not 0 <= w.resource < m:
                raise InputError(
                    f"{self.name}: downtimes[{k}]: unknown resource index {w.resource}"
                )
            if not 0 <= w.start < w.end:
                raise InputError(
                    f"{self.name}: downtimes[{k}]: window [{w.start}, {w.end}) must satisfy 0 <= start < end"
                )
            if w.capacity < 0:
                raise InputError(f"{self.name}: downtimes[{k}]: negative capacity {w.capacity}")
        for k, (a, b) in enumerate(self.disjunctive):
            if not (0 <= a < n and 0 <= b < n):
                raise InputError(f"{self.name}: disjunctive[{k}]: unknown job index in ({a}, {b})")
            if a == b:
                raise InputError(
                    f"{self.name}: disjunctive[{k}]: job {self.job_names[a]} paired with itself"
                )
        self._validate_range()
        cycle = find_fs_cycle(n, [(p.pred, p.succ) for p in self.precedences if p.lag is None])
        if cycle:
            names = " -> ".join(self.job_names[j] for j in [*cycle, cycle[0]])
            raise InputError(
                f"{self.name}: precedence cycle {names} (finish-to-start precedences must be acyclic)"
            )

    def _validate_range(self) -> None:
        """Reject numbers beyond the 64-bit arithmetic of the kernels and solvers."""
        names = self.job_names
        values = [
            *((f"job {names[j]}: duration", d) for j, d in enumerate(self.durations)),
            *((f"job {names[j]}: release", x) for j, x in enumerate(self.release)),
            *((f"job {names[j]}: deadline", x) for j, x in enumerate(self.deadline) if x),
            *(
                (f"precedences[{k}]: lag", abs(p.lag))
                for k, p in enumerate(self.precedences)
                if p.lag
            ),
            *((f"downtimes[{k}]: end", w.end) for k, w in enumerate(self.downtimes)),
            *(
                (f"resource {self.resource_names[r]}: capacity", c)
                for r, c in enumerate(self.capacities)
            ),
            *((f"job {names[j]}: demand", q) for j, row in enumerate(self.demands) for q in row),
        ]
        for what, value in values:
            if value > MAX_VALUE:
                raise InputError(f"{self.name}: {what} {value} is above {MAX_VALUE} (2**31 - 1)")
        if self.horizon > MAX_HORIZON:
            raise InputError(
                f"{self.name}: durations, positive lags and releases add up to a horizon of "
                f"{self.horizon}, above {MAX_HORIZON} (2**40)"
            )

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the fields alone: the cached values (``derived`` keeps ``n x n`` distance and
        SGS arrays, 17.6 MB at 1,000 jobs against 0.09 MB for the fields) are recomputed by the
        process that needs them (bench workers, plugin workers)."""
        return {f.name: self.__dict__[f.name] for f in fields(self)}

    # ------------------------------------------------------------------ derived data
    @property
    def num_jobs(self) -> int:
        return len(self.durations)

    @property
    def num_resources(self) -> int:
        return len(self.capacities)

    def lag(self, p: Precedence) -> int:
        """The start-to-start lag of a precedence (``duration[pred]`` for finish-to-start)."""
        return self.durations[p.pred] if p.lag is None else p.lag

    @cached_property
    def derived(self) -> dict[str, Any]:
        """Values other modules compute from the instance and keep, keyed by name (the cheap
        lower bound: :func:`planner.rcpsp.bounds.lower_bound`).

        The instance never changes, so each is computed once: a 300-job ``lower_bound`` costs
        0.5 CPU s and one ``cpsat`` run asked for it three times (method, model, certificate),
        2 s over a 1 s limit (twenty-third session, s23walk). Not part of equality, hashing or
        ``to_dict``.
        """
        return {}

    @cached_property
    def arcs(self) -> tuple[tuple[int, int, int], ...]:
        """All precedences as ``(pred, succ, lag)`` with the lag made explicit."""
        return tuple((p.pred, p.succ, self.lag(p)) for p in self.precedences)

    @cached_property
    def successors(self) -> tuple[tuple[int, ...], ...]:
        """Direct successors of every job (any precedence, duplicates removed)."""
        return self._neighbours(forward=True)

    @cached_property
    def predecessors(self) -> tuple[tuple[int, ...], ...]:
        """Direct predecessors of every job (any precedence, duplicates removed)."""
        return self._neighbours(forward=False)

    def _neighbours(self, *, forward: bool) -> tuple[tuple[int, ...], ...]:
        out: list[dict[int, None]] = [{} for _ in range(self.num_jobs)]
        for p in self.precedences:
            a, b = (p.pred, p.succ) if forward else (p.succ, p.pred)
            out[a][b] = None
        return tuple(tuple(s) for s in out)

    @property
    def is_generalized(self) -> bool:
        """True when some precedence has an explicit lag other than the finish-to-start one
        (RCPSP/max); serial schedule generation then needs care."""
        return any(p.lag is not None and p.lag != self.durations[p.pred] for p in self.precedences)

    @property
    def has_windows(self) -> bool:
        """True when some job has a release date or a deadline."""
        return any(self.release) or any(d is not None for d in self.deadline)

    def capacity_profile(self, r: int) -> list[tuple[int, int, int]]:
        """Capacity of resource ``r`` as sorted segments ``(start, end, capacity)``.

        Only segments where the capacity differs from the base capacity are listed; outside them
        the base capacity ``capacities[r]`` applies (up to infinity).
        """
        windows = [w for w in self.downtimes if w.resource == r]
        if not windows:
            return []
        cuts = sorted({t for w in windows for t in (w.start, w.end)})
        base = self.capacities[r]
        out: list[tuple[int, int, int]] = []
        for a, b in itertools.pairwise(cuts):
            cap = min([base] + [w.capacity for w in windows if w.start <= a and b <= w.end])
            if cap == base:
                continue
            if out and out[-1][1] == a and out[-1][2] == cap:
                out[-1] = (out[-1][0], b, cap)
            else:
                out.append((a, b, cap))
        return out

    @cached_property
    def horizon(self) -> int:
        """A time by which some optimal schedule has finished, if any schedule exists.

        Sum of durations and positive lags after the latest release or downtime end; every
        feasible instance has an optimal schedule finishing by then (a left-justified schedule
        never waits longer than that).
        """
        pos_lags = sum(max(0, lag - self.durations[i]) for i, _, lag in self.arcs)
        anchor = max([0, *self.release] + [w.end for w in self.downtimes])
        return anchor + sum(self.durations) + pos_lags

    # ------------------------------------------------------------------ serialization
    def to_dict(self) -> dict[str, Any]:
        """Native JSON form (read back by :meth:`from_dict`)."""
        out: dict[str, Any] = {
            "name": self.name,
            "resources": [
                {"name": nm, "capacity": c}
                for nm, c in zip(self.resource_names, self.capacities, strict=True)
            ],
            "jobs": [],
        }
        for j in range(self.num_jobs):
            job: dict[str, Any] = {
                "name": self.job_names[j],
                "duration": self.durations[j],
                "demands": list(self.demands[j]),
            }
            if self.release[j]:
                job["release"] = self.release[j]
            if self.deadline[j] is not None:
                job["deadline"] = self.deadline[j]
            out["jobs"].append(job)
        out["precedences"] = [p.to_dict() for p in self.precedences]
        if self.downtimes:
            out["downtimes"] = [w.to_dict() for w in self.downtimes]
        if self.disjunctive:
            out["disjunctive"] = [list(p) for p in self.disjunctive]
        if self.meta:
            out["meta"] = dict(self.meta)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "") -> Instance:
        """Build from the native JSON form.

        Jobs and resources may be referred to by 0-based index or by name in ``precedences``,
        ``downtimes`` and ``disjunctive``. ``where`` prefixes error messages (e.g. the file).
        An unknown key is an error (a misspelt ``deadline`` or ``lag`` would silently drop a
        constraint); free-form data goes under ``meta``.
        """
        at = f"{where}: " if where else ""
        if not isinstance(data, Mapping):
            raise InputError(f"{at}expected a JSON object, got {type(data).__name__}")
        name = data.get("name", "rcpsp")
        if isinstance(name, bool) or not isinstance(name, (str, int)):
            raise InputError(f"{at}name: expected a string, got {name!r}")
        name = str(name)
        at = f"{where or name}: "
        reject_unknown_fields(
            data, where or name, INSTANCE_KEYS, note="; free-form data goes under 'meta'"
        )
        jobs = _list(data, "jobs", at)
        resources = _list(data, "resources", at, required=False)
        rnames, caps = [], []
        for r, res in enumerate(resources):
            if isinstance(res, Mapping):
                reject_unknown_fields(res, f"{at}resources[{r}]", ("name", "capacity"))
                if "capacity" not in res:
                    raise InputError(f"{at}resources[{r}]: missing field 'capacity'")
                caps.append(_int(res["capacity"], f"{at}resources[{r}].capacity"))
                rnames.append(_name(res.get("name", f"R{r + 1}"), f"{at}resources[{r}].name"))
            else:
                caps.append(_int(res, f"{at}resources[{r}]"))
                rnames.append(f"R{r + 1}")
        if len(set(rnames)) != len(rnames):  # demands and downtimes may name a resource
            dup = next(x for x in rnames if rnames.count(x) > 1)
            raise InputError(f"{at}resource name {dup!r} appears twice")
        jnames, durs, dems, rel, dl = [], [], [], [], []
        for j, job in enumerate(jobs):
            if not isinstance(job, Mapping):
                raise InputError(f"{at}jobs[{j}]: expected an object")
            jname = _name(job.get("name", j + 1), f"{at}jobs[{j}].name")
            reject_unknown_fields(job, f"{at}job {jname}", JOB_KEYS)
            if "duration" not in job:
                raise InputError(f"{at}job {jname}: missing field 'duration'")
            durs.append(_int(job["duration"], f"{at}job {jname}: duration"))
            raw = job.get("demands", [0] * len(caps))
            if isinstance(raw, Mapping):  # {resource name: units}
                row = [0] * len(caps)
                for key, units in raw.items():
                    row[_index(key, rnames, f"{at}job {jname}: demands", "resource")] = _int(
                        units, f"{at}job {jname}: demands[{key}]"
                    )
                raw = row
            if not isinstance(raw, list):
                raise InputError(f"{at}job {jname}: demands must be a list or an object")
            dems.append(tuple(_int(x, f"{at}job {jname}: demand") for x in raw))
            rel.append(_int(job.get("release", 0), f"{at}job {jname}: release"))
            d = job.get("deadline")
            dl.append(None if d is None else _int(d, f"{at}job {jname}: deadline"))
            jnames.append(jname)
        if len(set(jnames)) != len(jnames):
            dup = next(x for x in jnames if jnames.count(x) > 1)
            raise InputError(f"{at}job name {dup!r} appears twice")
        precs = []
        for k, p in enumerate(_list(data, "precedences", at, required=False)):
            where_k = f"{at}precedences[{k}]"
            if isinstance(p, Mapping):
                reject_unknown_fields(p, where_k, ("pred", "succ", "lag"))
                a, b, lag = p.get("pred"), p.get("succ"), p.get("lag")
                if a is None or b is None:
                    raise InputError(f"{where_k}: needs 'pred' and 'succ'")
            elif isinstance(p, list) and len(p) in (2, 3):
                a, b, lag = p[0], p[1], (p[2] if len(p) == 3 else None)
            else:
                raise InputError(
                    f"{where_k}: expected {{pred, succ[, lag]}} or [pred, succ[, lag]]"
                )
            precs.append(
                Precedence(
                    _index(a, jnames, where_k, "job"),
                    _index(b, jnames, where_k, "job"),
                    None if lag is None else _int(lag, f"{where_k}.lag"),
                )
            )
        downs = []
        for k, w in enumerate(_list(data, "downtimes", at, required=False)):
            where_k = f"{at}downtimes[{k}]"
            if not isinstance(w, Mapping) or not {"resource", "start", "end"} <= set(w):
                raise InputError(
                    f"{where_k}: needs 'resource', 'start', 'end' (and optional 'capacity')"
                )
            reject_unknown_fields(w, where_k, ("resource", "start", "end", "capacity"))
            downs.append(
                Downtime(
                    _index(w["resource"], rnames, where_k, "resource"),
                    _int(w["start"], f"{where_k}.start"),
                    _int(w["end"], f"{where_k}.end"),
                    _int(w.get("capacity", 0), f"{where_k}.capacity"),
                )
            )
        pairs = []
        for k, pr in enumerate(_list(data, "disjunctive", at, required=False)):
            if not isinstance(pr, list) or len(pr) != 2:
                raise InputError(f"{at}disjunctive[{k}]: expected a pair of jobs")
            pairs.append(tuple(_index(x, jnames, f"{at}disjunctive[{k}]", "job") for x in pr))
        meta = data.get("meta", {})
        if not isinstance(meta, Mapping):
            raise InputError(f"{at}meta: expected an object")
        try:
            return cls(
                name=name,
                durations=tuple(durs),
                demands=tuple(dems),
                capacities=tuple(caps),
                precedences=tuple(precs),
                release=tuple(rel),
                deadline=tuple(dl),
                downtimes=tuple(downs),
                disjunctive=tuple(pairs),
                job_names=tuple(jnames),
                resource_names=tuple(rnames),
                meta=dict(meta),
            )
        except InputError as exc:
            if where and not str(exc).startswith(where):
                raise InputError(f"{where}: {exc}") from None
            raise


@dataclass(frozen=True)
class Solution:
    """A schedule: the start time of every job, in the instance's job order.

    For PSPLIB files this includes the dummy source (first) and sink (last).
    """

    start: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", tuple(int(s) for s in self.start))

    def to_dict(self) -> dict[str, Any]:
        return {"start": list(self.start)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Solution:
        """Rebuild from ``{"start": [...]}`` (a bare list of starts is accepted too)."""
        if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
            starts = data
        elif isinstance(data, Mapping) and "start" in data:
            starts = data["start"]
        else:
            raise InputError("rcpsp solution: expected {'start': [...]} ")
        if not isinstance(starts, Sequence) or isinstance(starts, (str, bytes)):
            raise InputError("rcpsp solution: field 'start' must be a list of integers")
        # Strict: a start of 1.5 or true is a corrupt schedule, not job 1's start rounded.
        return cls(tuple(_int(s, f"rcpsp solution: start[{j}]") for j, s in enumerate(starts)))


# ---------------------------------------------------------------------- helpers
def find_fs_cycle(n: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    """A directed cycle among ``edges`` on nodes ``0..n-1`` as a node list, or ``[]``."""
    succ: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        succ[a].append(b)
    color = [0] * n  # 0 new, 1 on stack, 2 done
    parent = [-1] * n
    for root in range(n):
        if color[root]:
            continue
        stack = [(root, 0)]
        color[root] = 1
        while stack:
            v, k = stack[-1]
            if k < len(succ[v]):
                stack[-1] = (v, k + 1)
                w = succ[v][k]
                if color[w] == 0:
                    color[w], parent[w] = 1, v
                    stack.append((w, 0))
                elif color[w] == 1:
                    cycle = [v]
                    while cycle[-1] != w:
                        cycle.append(parent[cycle[-1]])
                    return cycle[::-1]
            else:
                color[v] = 2
                stack.pop()
    return []


def _name(value: Any, what: str) -> str:
    """A job or resource name: text, or an integer (PSPLIB's job numbers). ``null``, ``true``,
    a list or ``""`` were turned into the names "None", "True", "[1, 2]" and "" by ``str()``
    and solved under them (s31bad)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InputError(f"{what}: expected a string or an integer, got {value!r}")
    if isinstance(value, str) and not value.strip():
        raise InputError(f"{what}: empty name")
    return str(value)


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise InputError(f"{what}: expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise InputError(f"{what}: expected an integer, got {value!r}")


def _precedence(p: Any) -> Precedence:
    if isinstance(p, Precedence):
        return Precedence(int(p.pred), int(p.succ), None if p.lag is None else int(p.lag))
    if isinstance(p, (tuple, list)) and len(p) in (2, 3):
        return Precedence(int(p[0]), int(p[1]), None if len(p) == 2 or p[2] is None else int(p[2]))
    raise InputError(f"precedence {p!r}: expected Precedence(pred, succ, lag)")


def _downtime(w: Any) -> Downtime:
    if isinstance(w, Downtime):
        return Downtime(int(w.resource), int(w.start), int(w.end), int(w.capacity))
    if isinstance(w, (tuple, list)) and len(w) in (3, 4):
        return Downtime(*(int(x) for x in w))
    raise InputError(f"downtime {w!r}: expected Downtime(resource, start, end, capacity)")


#: Keys of the native JSON form (anything else belongs under ``meta``).
INSTANCE_KEYS = ("name", "resources", "jobs", "precedences", "downtimes", "disjunctive", "meta")
JOB_KEYS = ("name", "duration", "demands", "release", "deadline")


def _list(data: Mapping[str, Any], key: str, at: str, *, required: bool = True) -> list[Any]:
    if key not in data:
        if required:
            raise InputError(f"{at}missing field {key!r}")
        return []
    value = data[key]
    if not isinstance(value, list):
        raise InputError(f"{at}{key}: expected a list")
    return value


def _index(key: Any, names: Sequence[str], where: str, kind: str) -> int:
    """A 0-based index from an int index or a name."""
    if isinstance(key, str):
        if key in names:
            return names.index(key)
        raise InputError(f"{where}: unknown {kind} {key!r}")
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(names):
        return key
    if not names:
        raise InputError(f"{where}: unknown {kind} {key!r} (the instance has no {kind}s)")
    raise InputError(f"{where}: unknown {kind} {key!r} ({kind}s are 0..{len(names) - 1} or names)")
