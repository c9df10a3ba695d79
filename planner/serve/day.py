"""Load over a day: one fleet plan per period, with autoscaling limits and spot capacity.

A request-rate profile (one rate per period, from a list, a CSV or the arrival times of a
trace) is planned by one MIP over all periods (HiGHS), on the candidates of the problem
(capacity does not depend on the rate):

* ``n[c,t]`` on-demand and ``s[c,t]`` spot replicas of candidate ``c`` in period ``t``;
  a spot replica costs the spot price and counts for ``(1 - loss)`` of its capacity, where
  ``loss = min(0.99, preemption per hour x recovery hours)`` is the expected share of time a
  preempted replica is being replaced (the expected capacity loss);
* per period: colocated + disaggregated capacity + shortfall ``z[t]`` >= the rate, pools
  shared by on-demand and spot GPUs, ``min_replicas <= sum n + s <= max_replicas``;
* autoscaling: replicas started plus stopped between consecutive periods (the day wraps
  around) at most ``max_change``;
* objective: USD over the day plus a penalty per unserved request/s-hour (1000 x the
  dearest USD per request/s of any candidate), so demand is met whenever the limits allow.

SLO attainment of a period = share of its requests served within both targets, from the
analytic model at each group's expected load: the largest percentile ``q`` whose TTFT and
TPOT quantiles meet the targets (bisection on ``q``, within the time limit: past it a group
gets the lower bound it has, at least the SLO percentile), weighted by load; unserved
requests count as missed. Each period's plan is checked by the family's ``verify`` at the rate it
serves.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from planner.core import validate
from planner.core.errors import InputError
from planner.core.result import Status
from planner.core.timing import Deadline
from planner.serve.candidates import Candidate, candidates_within, incomplete_reason
from planner.serve.evaluate import group_point, verify
from planner.serve.instance import ReplicaGroup, ServingPlan, ServingProblem
from planner.serve.slo import SLO

#: Bisection steps of the attainment percentile.
ATTAINMENT_STEPS = 12


@dataclass(frozen=True)
class DayProfile:
    """Request rates per period (requests/s), each ``period_hours`` long.

    Attributes
    ----------
    rates
        Requests/s of each period (finite, >= 0).
    period_hours
        Length of every period, hours (finite, > 0).
    source
        Where the rates came from (``list``, a file name), for the output.
    """

    rates: tuple[float, ...]
    period_hours: float = 1.0
    source: str = ""

    def __post_init__(self) -> None:
        # named as the caller gave them: "profile: rate of period 0" named no flag (s28bad)
        where = validate.arg("profile")
        if not self.rates:
            raise InputError(f"{where}: no period given")
        for i, r in enumerate(self.rates):
            if isinstance(r, bool) or not isinstance(r, (int, float)) or not math.isfinite(r):
                raise InputError(f"{where}: rate of period {i} must be a number, got {r!r}")
            if r < 0:
                raise InputError(f"{where}: rate of period {i} must be >= 0, got {r!r}")
        if not (math.isfinite(self.period_hours) and self.period_hours > 0):
            raise InputError(
                f"{validate.arg('period_hours')} must be a finite number > 0, "
                f"got {self.period_hours!r}"
            )

    @property
    def hours(self) -> float:
        """Hours the profile covers."""
        return self.period_hours * len(self.rates)


def _profile_file(path: Path) -> Path:
    """``path`` as given, else a bundled file of that name (``instances/serve`` or its
    ``traces`` folder), so ``--profile trace-8b.jsonl`` works from any directory."""
    from planner.core.paths import given_or_bundled

    for folder in ("serve", "serve/traces"):
        found = given_or_bundled(path, folder)
        if found.exists():
            return found
    return path


def parse_profile(spec: Any, *, period_hours: float = 1.0) -> DayProfile:
    """A profile from a list of rates, ``"10,12,30"``, a CSV (a ``qps`` column, or the last
    column) or a JSON Lines trace (arrivals binned into periods).

    Parameters
    ----------
    spec
        A list of rates, their comma-separated text, or a ``.csv`` / ``.jsonl`` path.
    period_hours
        Length of each period, hours.

    Returns
    -------
    DayProfile
        The rates; bad input raises :class:`InputError` naming the file and line.
    """
    if isinstance(spec, (list, tuple)):
        return DayProfile(tuple(spec), period_hours, "list")
    text = str(spec)
    path = Path(text)
    if path.suffix.lower() in (".jsonl", ".csv"):
        path = _profile_file(path)
    if path.suffix.lower() == ".jsonl":
        from planner.serve.traffic import read_trace

        # the profile bins the arrivals itself (and --qps is refused beside it)
        arrivals = read_trace(path, rate_given=True).meta.get("arrivals")
        if arrivals is None or len(arrivals) < 2:
            raise InputError(f"{path}: a profile trace needs arrival times on every line")
        return DayProfile(_binned_rates(arrivals, period_hours * 3600.0), period_hours, path.name)
    if path.suffix.lower() == ".csv":
        from planner.core.io import read_csv_text

        rows = list(csv.reader(read_csv_text(path).splitlines()))
        if not rows:
            raise InputError(f"{path}: empty profile")
        head = [h.strip().lower() for h in rows[0]]
        col = head.index("qps") if "qps" in head else len(head) - 1
        rates = []
        for i, row in enumerate(rows[1:], start=2):
            try:
                rate = float(row[col])
            except (ValueError, IndexError):
                raise InputError(f"{path}:{i}: column {head[col]!r} must be a number") from None
            # "nan" and "-2" parse: the profile's own check named "period 0", not the file
            if not (math.isfinite(rate) and rate >= 0):
                raise InputError(
                    f"{path}:{i}: column {head[col]!r} must be a finite number >= 0, "
                    f"got {row[col].strip()!r}"
                )
            rates.append(rate)
        if not rates:  # the profile's own check says only "profile: no period given"
            raise InputError(f"{path}: no period given (a header line and no rates)")
        return DayProfile(tuple(rates), period_hours, path.name)
    try:
        rates = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise InputError(
            f"{validate.arg('profile')}: expected rates like 10,12,30, a .csv or a .jsonl "
            f"trace, got {text!r}"
        ) from None
    return DayProfile(rates, period_hours, "list")


def _binned_rates(arrivals: Any, width: float) -> tuple[float, ...]:
    """Requests/s per period of ``width`` seconds from the trace's first arrival.

    A whole period's rate is its arrivals over ``width``. The trace ends inside its last
    period, so that one is measured over the part it covers, up to the last arrival, as
    ``(n - 1) / covered`` (the rate estimate of a trace, unbiased for Poisson arrivals);
    divided by the whole width it read far too low (a trace at 8 req/s ending 108 s into a
    360 s period gave 2.4). With fewer than two arrivals it has no rate and is left out.
    """
    t = np.sort(np.asarray(arrivals, dtype=float))
    t -= t[0]
    counts = np.bincount((t // width).astype(int))
    rates = [float(c) / width for c in counts[:-1]]
    covered = float(t[-1]) - (len(counts) - 1) * width
    if counts[-1] >= 2 and covered > 0:
        rates.append(float(counts[-1] - 1) / covered)
    return tuple(rates)


@dataclass(frozen=True)
class Autoscaling:
    """Limits on the replicas of each period and on their change between periods.

    Attributes
    ----------
    min_replicas, max_replicas
        Fewest and most replicas in a period (``None``: no upper limit).
    max_change
        Replicas started plus stopped between consecutive periods, the day wrapping around
        (``None``: no limit).
    """

    min_replicas: int = 0
    max_replicas: int | None = None
    max_change: int | None = None

    def __post_init__(self) -> None:
        # each message names the flag on the command line, the keyword in a library call
        # ("autoscaling: max_replicas" named neither: s31bad)
        for key in ("min_replicas", "max_replicas", "max_change"):
            v = getattr(self, key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                raise InputError(f"{validate.arg(key)} must be an integer >= 0, got {v!r}")
        if self.max_replicas == 0:  # every period unserved, reported as an OPTIMAL $0 day
            raise InputError(
                f"{validate.arg('max_replicas')} 0: no period could serve a request; "
                "give at least 1"
            )
        if self.max_replicas is not None and self.max_replicas < self.min_replicas:
            raise InputError(
                f"{validate.arg('max_replicas')} {self.max_replicas} is below "
                f"{validate.arg('min_replicas')} {self.min_replicas}"
            )


@dataclass(frozen=True)
class SpotPolicy:
    """Spot capacity.

    Attributes
    ----------
    allowed
        Whether spot replicas may be planned.
    recovery_hours
        How long a preempted replica is missing, hours.
    max_share
        Largest share of a period's replicas that may be spot.
    prices
        Price table to read the spot prices from (``None``: the shipped one).
    """

    allowed: bool = False
    recovery_hours: float = 0.25
    max_share: float = 1.0
    prices: str | Path | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.recovery_hours) and self.recovery_hours >= 0):
            raise InputError(f"spot: recovery_hours must be >= 0, got {self.recovery_hours!r}")
        if not (0 <= self.max_share <= 1):
            # "spot: max_share" named no flag on the command line (s28bad)
            name = validate.arg("spot: max_share", "--spot-max-share")
            raise InputError(f"{name} must lie in [0, 1], got {self.max_share!r}")


def spot_terms(problem: ServingProblem, policy: SpotPolicy) -> dict[str, tuple[float, float]]:
    """``{pool: (spot USD per GPU-hour, expected capacity loss)}`` of pools with spot prices."""
    if not policy.allowed:
        return {}
    from planner.perfmodel.prices import load_prices

    table = load_prices(policy.prices)
    out = {}
    for pool in problem.inventory.pools:
        row = table.get(pool.gpu.name)
        if row is None or row.spot is None or row.spot_preemption_per_hour is None:
            continue
        loss = min(0.99, row.spot_preemption_per_hour * policy.recovery_hours)
        out[pool.label] = (row.spot, loss)
    if not out:  # was a silent plan without spot (a user GPU table has no price row)
        from planner.perfmodel.prices import default_prices_path

        names = ", ".join(p.gpu.name for p in problem.inventory.pools)
        raise InputError(
            f"--spot: {policy.prices or default_prices_path()} has no spot price and "
            f"preemption rate for any pool ({names})"
        )
    return out


def _attainment(
    problem: ServingProblem, group: ReplicaGroup, deadline: Deadline, cut: list[ReplicaGroup]
) -> float:
    """Share of the group's requests within both targets at its load (analytic model).

    Each step evaluates the group at another percentile (0.6 s for a Qwen3-235B lockstep
    replica on H20: a 4-period day took 54 CPU s at ``-t 10``), so the bisection stops at the
    deadline and returns its feasible end, a lower bound; past the deadline the group gets
    the problem's percentile, which a group loaded within its capacity (the MIP's rows)
    attains. ``cut`` collects the groups whose value is such a bound.
    """
    slo = problem.slo
    if group.load_qps <= 0 or not slo.any:
        return 1.0
    if deadline.expired():
        cut.append(group)
        return slo.percentile

    def meets(q: float) -> bool:
        p = replace(problem, slo=SLO(slo.ttft_s, slo.tpot_s, q))
        point = group_point(p, group)
        ok_ttft = slo.ttft_s is None or group.role == "decode" or point.ttft_s <= slo.ttft_s
        ok_tpot = slo.tpot_s is None or group.role == "prefill" or point.tpot_s <= slo.tpot_s
        return ok_ttft and ok_tpot

    lo, hi = 0.01, 0.9999
    if meets(hi):
        return hi
    if deadline.expired():
        cut.append(group)
        return slo.percentile
    # bisect above the SLO percentile when the group meets it (within its capacity it
    # does), so a bisection the deadline cuts still returns at least the percentile,
    # as an expired deadline before it does (it returned 0.937 for a 99 % SLO)
    if meets(slo.percentile):
        lo = slo.percentile
    else:
        hi = slo.percentile
        if not meets(lo):
            return 0.0
    for _ in range(ATTAINMENT_STEPS):
        if deadline.expired():
            cut.append(group)
            break
        mid = (lo + hi) / 2
        if meets(mid):
            lo = mid
        else:
            hi = mid
    return lo


def _period_groups(
    kinds: Sequence[tuple[Candidate, bool, float, float]], counts: Sequence[int], rate: float
) -> tuple[list[tuple[ReplicaGroup, bool]], float | None]:
    """Groups of one period (with their spot flag) carrying ``rate`` in proportion to the
    capacity the MIP counted, and their USD per hour (``None`` when an on-demand group's GPU
    has no price: the sum would count it as free)."""
    cap = {"both": 0.0, "prefill": 0.0, "decode": 0.0}
    for (c, _, mu, _), m in zip(kinds, counts, strict=True):
        cap[c.role] += mu * m
    flow = min(cap["prefill"], cap["decode"])
    total = cap["both"] + flow
    f = min(1.0, rate / total) if total > 0 else 0.0
    groups, cost, priced = [], 0.0, True
    for (c, is_spot, mu, price), m in zip(kinds, counts, strict=True):
        if not m:
            continue
        share = mu * m
        load = f * share if c.role == "both" else f * flow * share / cap[c.role]
        groups.append((c.group(m, load), is_spot))
        cost += price * m
        # an on-demand price of 0 is the catalog's "no price" (a spot price is the table's)
        priced = priced and (is_spot or price > 0)
    return groups, cost if priced else None


def _within_slo(
    problem: ServingProblem,
    groups: Sequence[ReplicaGroup],
    deadline: Deadline,
    cut: list[ReplicaGroup],
) -> float:
    """Requests/s served within both targets: colocated groups by their joint attainment,
    the prefill -> decode flow by the product of the prefill (TTFT) and decode (TPOT)
    attainments (the two are independent stages). A lower bound when ``cut`` grew."""
    both = sum(
        g.load_qps * _attainment(problem, g, deadline, cut) for g in groups if g.role == "both"
    )
    split = {}
    for role in ("prefill", "decode"):
        mine = [g for g in groups if g.role == role and g.load_qps > 0]
        load = sum(g.load_qps for g in mine)
        split[role] = (
            load,
            sum(g.load_qps * _attainment(problem, g, deadline, cut) for g in mine) / load
            if load
            else 0.0,
        )
    flow = split["decode"][0]
    return both + flow * split["prefill"][1] * split["decode"][1]


def plan_day(
    problem: ServingProblem,
    profile: DayProfile,
    *,
    autoscaling: Autoscaling | None = None,
    spot: SpotPolicy | None = None,
    time_limit: float = 30.0,
    threads: int = 1,
) -> dict[str, Any]:
    """Plan the fleet of every period of ``profile`` (see the module notes).

    Parameters
    ----------
    problem
        One workload's :class:`ServingProblem` (:func:`planner.serve.make_problem`); its
        request rate is replaced by each period's.
    profile
        Rates per period (:func:`parse_profile`).
    autoscaling
        Replica limits per period and on the change between periods (default: none).
    spot
        Spot capacity (default: on-demand only).
    time_limit, threads
        Seconds for the candidates, the MIP and the attainment bisections; HiGHS threads.

    Returns
    -------
    dict
        ``status`` (``OPTIMAL``/``FEASIBLE``/``INFEASIBLE``/``UNKNOWN``, a ``reason`` without
        a plan), ``cost_usd`` (the profile's periods), ``cost_per_day`` (scaled to 24 h
        when ``profile_hours`` differs; both ``None`` when a period uses a GPU without a
        price), ``profile_hours``,
        ``slo_attainment`` (share of the day's requests within the SLOs), ``periods``
        (per period: ``demand_qps``, ``served_qps``, ``shortfall_qps``, ``replicas``
        (each with ``spot``), ``gpus``, ``cost_usd`` (``None``: no price), ``slo_attainment``,
        ``violations``),
        ``slo_attainment_exact`` (false: the time limit cut an attainment's bisection, the
        values are lower bounds), ``objective``, ``bound_usd`` and ``gap`` of the MIP (its
        objective adds a penalty per unserved request/s-hour to the USD; no bound, and a
        ``reason``, when the time limit cut the candidate layouts), ``spot`` (spot
        price and expected capacity loss per pool), ``candidates_complete``,
        ``period_hours``, ``profile_source`` and ``warnings`` (the problem's: a pool without a
        price, a GPU without fitted efficiencies).
    """
    import highspy

    from planner.core import progress
    from planner.core.mip import new_highs, outcome

    if problem.shared:
        raise InputError("a day profile plans one workload: give its lengths, not --workloads")
    # a NaN limit planned on with an expired deadline ("FEASIBLE", candidates incomplete)
    time_limit = validate.time_limit(time_limit)
    threads = validate.threads(threads)
    autoscaling = autoscaling or Autoscaling()
    spot = spot or SpotPolicy()
    problem.warn_unpriced()  # the day's MIP minimizes cost although no rate is given
    deadline = Deadline(time_limit)
    base = replace(problem, traffic=problem.traffic.with_qps(max(max(profile.rates), 1e-9)))
    cands, complete = candidates_within(base, Deadline(deadline.fraction(0.5)))
    usable = [c for c in cands if c.usable]
    spot_of = spot_terms(problem, spot)
    # column kinds: (candidate, is_spot) with the capacity the MIP counts and the price
    kinds: list[tuple[Candidate, bool, float, float]] = [
        (c, False, c.capacity, c.price) for c in usable
    ]
    for c in usable:
        if c.pool in spot_of:
            price, loss = spot_of[c.pool]
            kinds.append((c, True, c.capacity * (1 - loss), price * c.gpus))
    T, K = len(profile.rates), len(kinds)
    h = profile.period_hours
    count = {p.label: p.count for p in problem.inventory.pools}
    worst = max((p / cap for _, _, cap, p in kinds if cap > 0), default=1.0)
    penalty = 1000.0 * max(worst, 1e-6)
    hs = new_highs(time_limit=max(0.05, deadline.remaining()), threads=threads)
    inf = highspy.kHighsInf

    def col(cost: float, lo: float, hi: float, integer: bool) -> int:
        hs.addVar(lo, hi)
        j = hs.getNumCol() - 1
        hs.changeColCost(j, cost)
        if integer:
            hs.changeColIntegrality(j, highspy.HighsVarType.kInteger)
        return j

    def row(lo: float, hi: float, entries: list[tuple[int, float]]) -> None:
        if entries:
            idx = np.asarray([j for j, _ in entries], dtype=np.int32)
            val = np.asarray([v for _, v in entries], dtype=float)
            hs.addRow(lo, hi, len(entries), idx, val)

    n = [
        [col(h * price, 0, count[c.pool] // c.gpus, True) for c, _, _, price in kinds]
        for _ in range(T)
    ]
    y = [col(0.0, 0, inf, False) for _ in range(T)]
    z = [col(h * penalty, 0, inf, False) for _ in range(T)]
    for t, rate in enumerate(profile.rates):
        both = [(n[t][k], cap) for k, (c, _, cap, _) in enumerate(kinds) if c.role == "both"]
        pre = [(n[t][k], cap) for k, (c, _, cap, _) in enumerate(kinds) if c.role == "prefill"]
        dec = [(n[t][k], cap) for k, (c, _, cap, _) in enumerate(kinds) if c.role == "decode"]
        row(rate, inf, [*both, (y[t], 1.0), (z[t], 1.0)])
        row(0.0, inf, [*pre, (y[t], -1.0)])
        row(0.0, inf, [*dec, (y[t], -1.0)])
        for label in count:
            row(
                -inf,
                count[label],
                [(n[t][k], c.gpus) for k, (c, *_) in enumerate(kinds) if c.pool == label],
            )
        total = [(n[t][k], 1.0) for k in range(K)]
        hi = inf if autoscaling.max_replicas is None else autoscaling.max_replicas
        if autoscaling.min_replicas or autoscaling.max_replicas is not None:
            row(autoscaling.min_replicas, hi, total)
        if spot_of and spot.max_share < 1:
            row(
                -inf,
                0.0,
                [
                    (n[t][k], v)
                    for k in range(K)
                    if (v := (1.0 if kinds[k][1] else 0.0) - spot.max_share)
                ],
            )
    if autoscaling.max_change is not None and T > 1:
        for t in range(T):
            prev = (t - 1) % T
            u = [col(0.0, 0, inf, False) for _ in range(K)]
            for k in range(K):
                row(0.0, inf, [(u[k], 1.0), (n[t][k], -1.0), (n[prev][k], 1.0)])
                row(0.0, inf, [(u[k], 1.0), (n[t][k], 1.0), (n[prev][k], -1.0)])
            row(-inf, autoscaling.max_change, [(j, 1.0) for j in u])
    hs.setOptionValue("mip_rel_gap", 1e-6)
    with progress.muted():  # the MIP's objective is not the cost per day the user is shown
        hs.run()
    out = outcome(hs)
    result: dict[str, Any] = {
        "status": out.status.value if out.has_solution else Status.UNKNOWN.value,
        "candidates_complete": complete,
        "period_hours": h,
        "profile_hours": profile.hours,
        "profile_source": profile.source,
        "spot": {
            k: {"usd_per_gpu_hour": v[0], "expected_capacity_loss": v[1]}
            for k, v in spot_of.items()
        },
        # over the evaluated layouts only when the time limit cut the others: no bound on the
        # day's cost then (it read gap 0.0 beside status FEASIBLE)
        "bound_usd": out.bound if complete else None,
        "periods": [],
        # a library caller had no other way to see them (no price, an uncalibrated GPU)
        "warnings": list(problem.meta.get("warnings", [])),
    }
    if not complete and result["status"] == Status.OPTIMAL.value:
        result["status"] = Status.FEASIBLE.value
        result["reason"] = incomplete_reason(cands)
    if out.status is Status.INFEASIBLE:  # shortfall is slack: only the replica floor binds
        most = sum(
            count[pool] // min(c.gpus for c, *_ in kinds if c.pool == pool)
            for pool in {c.pool for c, *_ in kinds}
        )
        result["status"] = Status.INFEASIBLE.value
        result["reason"] = (
            f"min_replicas {autoscaling.min_replicas}: the inventory holds at most {most} "
            "replicas of this model"
        )
        return result
    if not out.has_solution:
        result["reason"] = f"HiGHS stopped without a solution ({out.solver_status})"
        return result
    values = out.values
    requests = within = 0.0
    day_cost: float | None = 0.0  # None once a period uses a GPU without a price
    cut: list[ReplicaGroup] = []  # groups whose attainment the time limit cut to a bound
    for t, rate in enumerate(profile.rates):
        counts = [round(values[n[t][k]]) for k in range(K)]
        short = max(0.0, float(values[z[t]]))
        served_rate = max(0.0, rate - short)
        groups, hourly = _period_groups(kinds, counts, served_rate)
        cost = None if hourly is None else hourly * h
        served_plan = ServingPlan(tuple(g for g, _ in groups))
        period_problem = replace(problem, traffic=problem.traffic.with_qps(served_rate or None))
        violations = verify(period_problem, served_plan) if served_rate > 0 else []
        in_slo = _within_slo(period_problem, [g for g, _ in groups], deadline, cut)
        att = in_slo / rate if rate > 0 else 1.0
        day_cost = None if day_cost is None or cost is None else day_cost + cost
        requests += rate * h
        within += in_slo * h
        result["periods"].append(
            {
                "period": t,
                "demand_qps": rate,
                "served_qps": served_rate,
                "shortfall_qps": short,
                "replicas": [{**g.to_dict(), "spot": s} for g, s in groups],
                "gpus": served_plan.gpus_by_pool(),
                "cost_usd": cost,
                "slo_attainment": att,
                "violations": violations,
            }
        )
    # null when a period uses a GPU without a price (was the priced GPUs' sum, as if free)
    result["cost_usd"] = day_cost
    result["cost_per_day"] = None if day_cost is None else day_cost * 24.0 / profile.hours
    result["slo_attainment"] = within / requests if requests > 0 else 1.0
    # a lower bound when the time limit cut an attainment (see _attainment)
    result["slo_attainment_exact"] = not cut
    result["objective"] = out.objective
    bound = result["bound_usd"]
    result["gap"] = (
        None
        if bound is None or not math.isfinite(bound)
        else max(0.0, out.objective - bound) / max(abs(out.objective), 1e-9)
    )
    return result


def print_day(day: dict[str, Any], problem: ServingProblem, console: Any = None) -> None:
    """The per-period table of :func:`plan_day` and its totals."""
    from rich.console import Console
    from rich.table import Table

    from planner.serve.report import engine_label

    out = console or Console()
    for w in problem.meta.get("warnings", []):
        out.print(f"[yellow]warning:[/yellow] {w}", highlight=False)
    table = Table(title=f"fleet per period ({day['status']}; {day['period_hours']:g} h each)")
    for col in ("period", "req/s", "served", "replicas", "GPUs", "USD", "SLO attainment"):
        table.add_column(col, justify="left" if col == "replicas" else "right")
    for per in day["periods"]:
        reps = ", ".join(
            f"{r['count']} x {r['gpu']} tp{r['tp']}"
            + (f" pp{r['pp']}" if r["pp"] > 1 else "")
            + (f" {r['role']}" if r["role"] != "both" else "")
            + (" spot" if r["spot"] else "")
            for r in per["replicas"]
        )
        table.add_row(
            str(per["period"]),
            f"{per['demand_qps']:.4g}",
            f"{per['served_qps']:.4g}",
            reps or "–",
            ", ".join(f"{n} {k}" for k, n in per["gpus"].items()) or "–",
            "–" if per["cost_usd"] is None else f"{per['cost_usd']:.2f}",
            f"{100 * per['slo_attainment']:.2f}%",
        )
    out.print(table)
    if "cost_per_day" in day:
        spot = "; ".join(
            f"spot {k}: ${v['usd_per_gpu_hour']:.2f}/GPU-h, expected capacity loss "
            f"{100 * v['expected_capacity_loss']:.1f}%"
            for k, v in day["spot"].items()
        )
        hours = float(day.get("profile_hours", 24.0))
        scaled = (
            ""
            if abs(hours - 24.0) < 1e-9 or day["cost_usd"] is None
            else f" (the {hours:g} h profile's ${day['cost_usd']:.2f} scaled to 24 h)"
        )
        cost = (
            "cost: no price known"
            if day["cost_per_day"] is None
            else f"cost ${day['cost_per_day']:.2f} per day"
        )
        out.print(
            f"{cost}{scaled}; SLO attainment "
            + ("" if day.get("slo_attainment_exact", True) else "at least ")
            + f"{100 * day['slo_attainment']:.2f}% of requests within {problem.slo.describe()}"
            + (
                ""
                if day.get("slo_attainment_exact", True)
                else " (the time limit cut its refinement: a lower bound)"
            )
            + (f"; {spot}" if spot else "")
            + f"; timing assumes engine {engine_label(problem)}",
            highlight=False,
        )
    elif day.get("reason"):
        out.print(f"[bold]{day['status']}[/bold]: {day['reason']}", highlight=False)
