"""``solve()``: method dispatch, time limits and certification of every result."""

from __future__ import annotations

import dataclasses
import logging
import math
import numbers
import time
from collections.abc import Mapping
from typing import Any

from planner.core import progress, validate
from planner.core.errors import InputError
from planner.core.family import Family, Method, family_of, is_warm, warm_up
from planner.core.result import Result, Status
from planner.core.timing import excluded_seconds

log = logging.getLogger("planner")

#: Relative tolerance when comparing objectives and bounds.
TOL = 1e-6

#: Seconds of kernel loading before a call (not counted in its time limit) that the result's
#: ``stats["warmup_s"]`` records: compiling (once per installation), not loading a cache.
WARMUP_NOTE_S = 1.0


def solve(
    instance: Any,
    method: str | Method = "auto",
    *,
    time_limit: float = 10.0,
    threads: int = 1,
    seed: int = 0,
    hint: Any | None = None,
) -> Result:
    """Solve any family's instance with a named method and certify the answer.

    Parameters
    ----------
    instance
        An instance of a registered family (``planner.smtt.Instance``, ...).
    method
        Method name; ``"auto"`` is every family's portfolio (heuristic
        incumbent, then the exact model warm-started from it). A
        :class:`~planner.core.family.Method` object built by the caller (a
        configured variant of a built-in method, as benchmark scripts compare)
        is run as given; its ``kind`` and flags decide which claims count.
    time_limit
        Wall-clock seconds the method may use.
    threads
        Worker threads for solvers that parallelize (CP-SAT, HiGHS).
    seed
        Random seed for randomized methods and solvers.
    hint
        Optional family solution used as a warm start.

    Notes
    -----
    The first call in a process also loads the family's compiled kernels
    (numba; compiled once per installation, which can take a minute, or ahead
    of time with ``planner warmup``). That one-time cost is not counted
    against ``time_limit`` nor in ``runtime_s``.

    Raises
    ------
    InputError
        A time limit that is not a finite number > 0, a thread count or seed
        out of range, an object of no registered family, an unknown method.

    Returns
    -------
    Result
        Certified by :func:`certify`: the objective is recomputed by the
        family's ``evaluate``, the solution checked by its independent
        ``verify``, the bound is the best *valid* one of the method's and the
        family's ``lower_bound``, and the status is decided here, not by the
        method (only registered exact methods may claim OPTIMAL/INFEASIBLE).
    """
    if not isinstance(method, (str, Method)):
        raise InputError(f"method {method!r}: expected a method name (see `planner families`)")
    time_limit = validate.time_limit(time_limit)
    threads = validate.threads(threads)
    seed = validate.seed(seed)
    family = family_of(instance)
    chosen = method if isinstance(method, Method) else family.method(method)
    method = chosen.name
    hint = _family_solution(family, hint)
    title = f"{family.name} {getattr(instance, 'name', '')} · {method}"
    with progress.run(title):
        warm_start = time.perf_counter()
        if not is_warm(family, chosen, instance):
            progress.report(stage="loading compiled kernels")
        warm_up(family, chosen, instance)  # one-time JIT loading is not part of any method's budget
        warm_s = time.perf_counter() - warm_start
        if chosen.prepare is not None:
            chosen.prepare(instance)  # nor is starting an external method's worker process
        progress.report(stage="solving", restart=True)
        start, excluded = time.perf_counter(), excluded_seconds()
        result = chosen.func(instance, time_limit=time_limit, threads=threads, seed=seed, hint=hint)
        # kernels a portfolio loaded on a path that needed them (timing.outside_budget) are
        # warm-up, as they would have been loaded up front
        loaded = excluded_seconds() - excluded
        runtime = time.perf_counter() - start - loaded
        warm_s += loaded
    result.runtime_s = max(result.runtime_s, runtime)
    if warm_s >= WARMUP_NOTE_S:
        # outside the time limit, and minutes on a fresh checkout under load (numba compiles
        # the kernels once): s14bad took a first solve's compilation for a hang
        result.stats["warmup_s"] = round(warm_s, 3)
    result.time_limit, result.threads, result.seed = time_limit, threads, seed
    if runtime > time_limit + max(1.0, 0.1 * time_limit):
        # Limits are a promise to the caller; record overruns so benchmarks expose them.
        result.stats["time_limit_exceeded_s"] = round(runtime - time_limit, 3)
        log.warning(
            "%s: %s ran %.2f s over its %.2f s limit",
            result.instance,
            method,
            runtime - time_limit,
            time_limit,
        )
    return certify(family, instance, result, trusted=chosen)


def _family_solution(family: Family, hint: Any) -> Any:
    """``hint`` as the family's solution object (a dict is read with ``solution_from_dict``, a
    list or tuple as the only field of a one-field solution, e.g. smtt's order).

    Anything else is bad input naming the hint: a string or a number reached the methods and
    died there (rcpsp and train: AttributeError). A well-formed hint that breaks the instance's
    rules is still the methods' to ignore.
    """
    kind = family.solution_type
    if hint is None or (kind is not None and isinstance(hint, kind)):
        return hint
    if isinstance(hint, Mapping):
        try:
            return family.solution_from_dict(hint)
        except InputError as exc:
            raise InputError(f"hint: {exc}") from None
    fields = [f.name for f in dataclasses.fields(kind) if f.init] if _is_dataclass(kind) else []
    if isinstance(hint, (list, tuple)) and len(fields) == 1:
        # a one-field solution given bare, e.g. smtt's job order (accepted before s15bad),
        # read as its dict so that the family checks it
        try:
            return family.solution_from_dict({fields[0]: list(hint)})
        except InputError as exc:
            raise InputError(f"hint: {exc}") from None
    expected = f"a {kind.__name__} or its dict" if kind is not None else "a solution"
    raise InputError(f"hint: expected {expected} ({family.name}), got {type(hint).__name__}")


def certify(
    family: Family, instance: Any, result: Result, *, trusted: Method | bool | None = None
) -> Result:
    """Check a method's result independently and decide its status, objective and bound.

    Applied by :func:`solve` to every result; exposed for methods that combine
    others (portfolios) and for checking saved solutions.

    Parameters
    ----------
    family, instance
        The family and the instance the result is for.
    result
        What the method returned; fixed up in place and returned.
    trusted
        The :class:`Method` that produced ``result`` (or a bool saying whether
        its claims may be accepted). ``None`` looks ``result.method`` up in the
        family's registered methods; an unregistered name is not trusted.

    Notes
    -----
    The rules (docs/architecture.md; summarized in the README's Architecture):

    * a solution counts only if the family's independent ``verify`` accepts it;
      its objective is recomputed by ``evaluate`` (an ``int`` for families with
      ``integer_objective``);
    * a bound counts only if it is at most the verified objective; an invalid
      bound is dropped and recorded in ``stats``, never replaced by the
      objective (the family's ``lower_bound`` is checked the same way);
    * OPTIMAL means the objective equals a valid bound, or an accepted claim
      of a method registered as proving optimality (whose reported objective
      matches the verified one);
    * INFEASIBLE is accepted only from a method registered as proving
      infeasibility, with a non-empty reason, and no verified solution;
    * any other claim is ignored (recorded in ``stats["ignored_claim"]``).
    """
    proves_opt, proves_inf = _claim_rights(family, result, trusted)
    result.family = family.name
    result.instance = getattr(instance, "name", result.instance)
    claim = result.status
    claimed_bound = _number(family, result.bound, bound=True)
    cheap = _cheap_bound(family, instance, result)

    objective = None
    rejected = False
    if result.solution is not None:
        violations = family.verify(instance, result.solution)
        if violations:
            rejected = True
            result.stats["violations"] = violations[:20]
            result.stats["rejected_objective"] = _number(family, result.objective)
            result.reason = f"solution rejected by verify: {violations[0]}"
            log.error("%s/%s: %s", result.instance, result.method, result.reason)
        else:
            objective = _number(family, family.evaluate(instance, result.solution))
            if objective is None:
                raise TypeError(f"{family.name}: evaluate returned no objective")
    reported = _number(family, result.objective)
    if objective is not None and reported is not None and not _close(reported, objective):
        result.stats["objective_reported"] = reported

    if objective is None:
        _certify_without_solution(result, claim, proves_inf, rejected)
        result.bound = _best(claimed_bound, cheap) if result.status is Status.UNKNOWN else None
        return result

    result.objective = objective
    result.verified = True
    bound = None
    for key, value in (("invalid_bound", claimed_bound), ("invalid_lower_bound", cheap)):
        if value is None:
            continue
        if value > objective and not _close(value, objective):
            # A bound above a feasible objective is a bug in a bound; keep the evidence.
            result.stats[key] = value
            log.error(
                "%s/%s: bound %s above objective %s",
                result.instance,
                result.method,
                value,
                objective,
            )
        else:
            bound = _best(bound, min(value, objective) if _close(value, objective) else value)
    result.bound = bound
    proven_by_bound = bound is not None and _close(bound, objective)
    accepted_claim = (
        claim is Status.OPTIMAL
        and proves_opt
        and "objective_reported" not in result.stats
        and "invalid_bound" not in result.stats
    )
    if proven_by_bound or accepted_claim:
        if claim is not Status.OPTIMAL and result.reason:
            # the method's reason said why it could not prove its plan optimal (a time
            # limit); the bound proved it afterwards, so say so rather than contradict it
            result.reason += PROVEN_AFTER
        result.status = Status.OPTIMAL
        result.bound = objective  # proven equal: by a valid bound or by the method's proof
    else:
        result.status = Status.FEASIBLE
        if claim in (Status.OPTIMAL, Status.INFEASIBLE):
            _ignore(
                result,
                claim,
                "a verified solution refutes it"
                if claim is Status.INFEASIBLE
                else _why_not(proves_opt, result),
            )
    return result


#: Appended to a method's reason when its plan, not claimed optimal, is proven optimal by a
#: valid bound equal to its objective (the family's ``lower_bound`` or the method's own).
PROVEN_AFTER = "; proven optimal afterwards: a valid bound equals the objective"


def _certify_without_solution(
    result: Result, claim: Status, proves_inf: bool, rejected: bool
) -> None:
    """Status of a result that carries no verified solution."""
    result.solution = None
    result.objective = None
    result.verified = False
    if claim is Status.INFEASIBLE and not rejected:
        if proves_inf and result.reason.strip():
            result.status = Status.INFEASIBLE
            return
        why = "no reason given" if proves_inf else "this method cannot prove infeasibility"
        _ignore(result, claim, why)
        result.reason = (
            f"INFEASIBLE claim not accepted ({why}){': ' + result.reason if result.reason else ''}"
        )
    elif claim in (Status.OPTIMAL, Status.FEASIBLE) and not rejected:
        result.reason = result.reason or "method reported a solution but returned none"
    result.status = Status.UNKNOWN


def _claim_rights(
    family: Family, result: Result, trusted: Method | bool | None
) -> tuple[bool, bool]:
    """Whether the producer of ``result`` may claim OPTIMAL and INFEASIBLE."""
    if isinstance(trusted, bool):
        return trusted, trusted
    method = trusted if isinstance(trusted, Method) else family.methods.get(result.method)
    if method is None or method.external:
        return False, False
    return bool(method.proves_optimality), bool(method.proves_infeasibility)


def _why_not(proves_opt: bool, result: Result) -> str:
    if not proves_opt:
        return "this method cannot prove optimality"
    if "objective_reported" in result.stats:
        return "the reported objective differs from the verified one"
    return "its bound is above the verified objective"


def _ignore(result: Result, claim: Status, why: str) -> None:
    result.stats["ignored_claim"] = f"{claim.value}: {why}"
    log.warning("%s/%s: %s claim ignored (%s)", result.instance, result.method, claim.value, why)


def _cheap_bound(family: Family, instance: Any, result: Result) -> int | float | None:
    try:
        return _number(family, family.lower_bound(instance), bound=True)
    except Exception:  # a bound is an optional extra; never lose the solution over it
        log.exception("lower_bound failed on %s", result.instance)
        return None


def _number(family: Family, value: Any, *, bound: bool = False) -> int | float | None:
    """An objective or bound as ``int`` (integer families) or ``float``; ``None`` if absent.

    Bounds of integer families are rounded up (a valid bound stays valid);
    objectives must then already be integral. Non-finite bounds are dropped.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value) if family.integer_objective else float(value)
    value = float(value)
    if not math.isfinite(value):
        if bound:
            return None
        raise ValueError(f"{family.name}: non-finite objective {value}")
    if not family.integer_objective:
        return value
    if value.is_integer():
        return int(value)
    if bound:
        return math.ceil(value - 1e-6)  # solver bounds carry float noise: 41.9999997 -> 42
    raise ValueError(f"{family.name}: integer family gave a fractional objective {value}")


def _best(a: int | float | None, b: int | float | None) -> int | float | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _close(a: int | float, b: int | float) -> bool:
    """Equal, exactly for two ints, within :data:`TOL` (relative) otherwise."""
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def _is_dataclass(kind: Any) -> bool:
    return kind is not None and dataclasses.is_dataclass(kind)
