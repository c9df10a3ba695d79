"""Methods loaded from outside the package: ``FILE.py:FUNC`` and ``module:func``.

An external method is always a heuristic. Its function is called as
``func(instance)`` in an isolated worker process (:mod:`planner.core.isolation`)
and must return a family ``Solution``; if it returns a :class:`Result`, only the
solution is kept (its status and bound are ignored and recorded in
``stats["ignored_claim"]``). Everything that can go wrong in the user's code
(loops, exceptions, ``sys.exit``, a crash, a wrong return type) becomes a
Result with status UNKNOWN whose ``reason`` says what happened and whose
``stats["failure"]`` names the kind of failure; it never stops a run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.core.isolation import FunctionSpec, Outcome, check_function, isolated
from planner.core.result import Result, Status

if TYPE_CHECKING:
    from planner.core.family import Family, Method


def external_method(family: Family, text: str, *, flag: str = "--method") -> Method:
    """Load ``FILE.py:FUNCTION`` or ``MODULE:FUNCTION`` as a heuristic of ``family``.

    Raises
    ------
    InputError
        When the spec can be seen to be unusable without running it (missing
        file or module, no such name, not a function, wrong arity).
    """
    from planner.core.family import Method, no_warmup

    spec = FunctionSpec.parse(text, flag=flag)
    check_function(spec, flag=flag)

    def worker(instance: Any) -> Any:
        return isolated(spec, preload=(type(instance).__module__,))

    def prepare(instance: Any) -> None:
        worker(instance).start()  # process start-up is not part of the time limit

    def run(
        instance: Any, *, time_limit: float, threads: int, seed: int, hint: Any | None
    ) -> Result:
        outcome = worker(instance).call(instance, time_limit=time_limit)
        return external_result(family, instance, text, outcome)

    origin = Path(spec.target).name if spec.is_file else spec.target
    return Method(
        text,
        run,
        "heuristic",
        f"external function {spec.attr} from {origin} (isolated worker)",
        external=True,
        prepare=prepare,
        warmup=no_warmup,  # the function runs in its own worker process, not in this one
    )


def external_result(family: Family, instance: Any, name: str, outcome: Outcome) -> Result:
    """Turn an isolated call's outcome into an uncertified Result (``certify`` does the rest)."""
    stats: dict[str, Any] = {}
    if not outcome.ok:
        return _failure(
            family, instance, name, outcome.failure or "", outcome.reason, outcome, stats
        )
    value = outcome.value
    if isinstance(value, Result):  # only the solution counts: claims and bounds are ignored
        stats["ignored_claim"] = {"status": value.status.value, "bound": value.bound}
        value = value.solution
    expected = family.solution_type
    if value is None or (expected is not None and not isinstance(value, expected)):
        wanted = f"a {family.name} {expected.__name__}" if expected else "a solution"
        got = "a Result without a solution" if stats else type(value).__name__
        reason = f"returned {got}, expected {wanted}"
        return _failure(family, instance, name, "type", reason, outcome, stats)
    try:
        family.verify(instance, value)
    except Exception as exc:  # a wrong type the family's verify cannot even read
        reason = f"returned an unreadable solution ({type(exc).__name__}: {exc})"
        return _failure(family, instance, name, "type", reason, outcome, stats)
    return Result(
        family.name,
        getattr(instance, "name", ""),
        name,
        Status.UNKNOWN,
        solution=value,
        runtime_s=outcome.elapsed_s,
        stats=stats,
    )


def _failure(
    family: Family,
    instance: Any,
    name: str,
    kind: str,
    reason: str,
    outcome: Outcome,
    stats: dict[str, Any] | None = None,
) -> Result:
    return Result(
        family.name,
        getattr(instance, "name", ""),
        name,
        Status.UNKNOWN,
        runtime_s=outcome.elapsed_s,
        stats={**(stats or {}), "failure": kind},
        reason=f"{name}: {reason}",
    )
