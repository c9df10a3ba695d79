"""Methods loaded from outside the package: ``FILE.py:FUNC`` and ``module:func``.

An external method is always a heuristic. Its function is called in an
isolated worker process (:mod:`planner.core.isolation`) with the family's plugin
view of the instance (``Family.plugin_view``: plain Python / numpy data; the
instance itself for a family without one) and returns the family's native
answer (``Family.plugin_solution`` turns it into a ``Solution``; a ``Solution``
is always accepted); if it returns a :class:`Result`, only the solution is kept
(its status and bound are ignored and recorded in ``stats["ignored_claim"]``). Everything that can go wrong in the user's code
(loops, exceptions, ``sys.exit``, a crash, a wrong return type) becomes a
Result with status UNKNOWN whose ``reason`` says what happened and whose
``stats["failure"]`` names the kind of failure; it never stops a run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.core.errors import InfeasibleAnswer
from planner.core.isolation import FunctionSpec, Outcome, check_function, isolated
from planner.core.result import Result, Status

if TYPE_CHECKING:
    from planner.core.family import Family, Method


def external_method(
    family: Family, text: str, *, flag: str = "--method", name: str | None = None
) -> Method:
    """Load ``FILE.py:FUNCTION`` or ``MODULE:FUNCTION`` as a heuristic of ``family``.

    ``name`` is the method's name in results (default: ``text``); a benchmark
    on a cluster loads a plugin file shipped to the workers under another
    module name but keeps the name the user gave.

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

    label = name or text

    def run(
        instance: Any, *, time_limit: float, threads: int, seed: int, hint: Any | None
    ) -> Result:
        view = instance if family.plugin_view is None else family.plugin_view(instance)
        outcome = worker(instance).call(view, time_limit=time_limit, driver=family.plugin_driver)
        return external_result(family, instance, label, outcome)

    origin = Path(spec.target).name if spec.is_file else spec.target
    return Method(
        label,
        run,
        "heuristic",
        f"external function {spec.attr} from {origin} (isolated worker)",
        external=True,
        prepare=prepare,
        # the function runs in its own worker process; what decodes its answer here loads
        # before the clock too (rcpsp's compiled SGS took 1.1-2.4 s of a plugin's runtime_s
        # at its first solve, s27walk)
        warmup=family.plugin_warmup or no_warmup,
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
    if value is None and stats:
        reason = "returned a Result without a solution"
        return _failure(family, instance, name, "type", reason, outcome, stats)
    if family.plugin_solution is not None and not (
        expected is not None and isinstance(value, expected)
    ):
        try:
            value = family.plugin_solution(instance, value)
        except (TypeError, ValueError) as exc:  # InputError is a ValueError
            kind = "infeasible" if isinstance(exc, InfeasibleAnswer) else "type"
            reason = f"returned {_describe(value)}: {exc}"
            return _failure(family, instance, name, kind, reason, outcome, stats)
    if value is None or (expected is not None and not isinstance(value, expected)):
        wanted = f"a {family.name} {expected.__name__}" if expected else "a solution"
        reason = f"returned {type(value).__name__}, expected {wanted}"
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


def _describe(value: Any) -> str:
    """A short description of a plugin's answer for a failure reason."""
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"
