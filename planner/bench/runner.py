"""Run (instance, method) tasks on an executor and append each row to a CSV as it finishes.

A killed run loses no finished row: each row is written and fsync'ed the
moment its task completes (:class:`planner.bench.rows.RowSink`), and
``resume=True`` skips every ``(instance, method, seed)`` already in the CSV.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from planner.bench.rows import CSV_FIELDS, ERROR, RowSink, open_for_resume, row_key
from planner.core.errors import InputError
from planner.core.family import Family, Method, Reference, get_family
from planner.core.provenance import SCHEMA_VERSION, SOLVERS, provenance
from planner.core.result import Result, plain_number
from planner.core.solve import solve

EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class BenchTask:
    """One method run on one instance.

    Attributes
    ----------
    family, instance
        The family's name and the instance.
    method
        The method's name in the results: a registered name, ``FILE.py:FUNC`` or
        ``module:func`` (a plugin), or a label of ``variant``.
    time_limit, threads, seed
        Passed to the method (``time_limit`` is its per-call limit, plugins
        included).
    reference
        Known optimum or bounds of the instance (``--reference``).
    locator
        How a worker loads a plugin when it differs from ``method`` (a plugin
        file shipped to a cluster under another module name).
    variant
        A picklable ``variant() -> Method``: a configured method that is not in
        the family's table (e.g. a CP-SAT parameter set a tuning script
        compares); ``method`` is then its label.
    """

    family: str
    instance: Any
    method: str
    time_limit: float
    threads: int
    seed: int
    reference: Reference | None = None
    locator: str | None = None
    variant: Callable[[], Method] | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.instance.name, self.method, self.seed)


def run_task(task: BenchTask) -> dict[str, Any]:
    """Solve one task and turn the certificate into a CSV row (runs in a worker).

    Nothing a method does stops the benchmark: an exception becomes a row with
    status ``ERROR`` (run again by ``--resume``); a plugin's failures (raised,
    exceeded its limit, wrong type, infeasible answer) are rows with status
    UNKNOWN and the kind in the ``failure`` column.
    """
    family = get_family(task.family)
    try:
        result = solve(
            task.instance,
            resolve_method(family, task),
            time_limit=task.time_limit,
            threads=task.threads,
            seed=task.seed,
        )
        plain = result.to_dict(with_solution=False)
        stats = result.stats
        row = {
            "status": result.status.value,
            "objective": plain["objective"],
            "bound": plain["bound"],
            "gap": _round(result.gap),
            "runtime_s": round(result.runtime_s, 4),
            "verified": result.verified,
            "reason": result.reason,
            "failure": stats.get("failure") or ("infeasible" if "violations" in stats else ""),
            "stats": json.dumps(stats, default=str, sort_keys=True),
        }
    except Exception as exc:  # one broken task must not stop the benchmark
        row = error_row(f"{type(exc).__name__}: {exc}", "error", traceback.format_exc(limit=5))
    return finish_row(task, row, family)


def resolve_method(family: Family, task: BenchTask) -> str | Method:
    """The method object or name ``solve`` runs for ``task``."""
    if task.variant is not None:
        return task.variant()
    if task.locator is not None and task.locator != task.method:
        from planner.core.external import external_method

        return external_method(family, task.locator, flag="--heuristic", name=task.method)
    return task.method


def error_row(reason: str, failure: str, detail: str = "") -> dict[str, Any]:
    """The row of a run that did not finish (status ``ERROR``; ``--resume`` runs it again)."""
    return {
        "status": ERROR,
        "reason": reason,
        "failure": failure,
        "verified": False,
        "stats": json.dumps({"traceback": detail} if detail else {}),
    }


def finish_row(
    task: BenchTask, row: dict[str, Any], family: Family | None = None
) -> dict[str, Any]:
    """Add the task's identity, provenance, size and reference columns to ``row``.

    ``task.family`` may name no registered family (a script's measurements of
    the whole tool); the size column is then empty.
    """
    if family is None:
        try:
            family = get_family(task.family)
        except InputError:
            family = None
    origin = provenance()
    row.update(
        family=task.family,
        instance=task.instance.name,
        method=task.method,
        time_limit=task.time_limit,
        threads=task.threads,
        seed=task.seed,
        schema_version=SCHEMA_VERSION,
        planner_version=origin["planner_version"],
        git_commit=origin["git_commit"] or "",
        size=instance_size(family, task.instance),
        **{name: origin["solvers"][name] or "" for name in SOLVERS},
    )
    row.update(reference_columns(row, task.reference))
    return {field: row.get(field, "") for field in CSV_FIELDS}


def measurement_row(
    family: str,
    instance: str,
    method: str,
    *,
    objective: float | None,
    status: str = "MEASURED",
    bound: float | None = None,
    gap: float | None = None,
    verified: bool = False,
    reference: Reference | None = None,
    runtime_s: float | None = None,
    size: float | None = None,
    stats: Mapping[str, Any] | None = None,
    reason: str = "",
    time_limit: float | None = None,
    threads: int = 1,
    seed: int = 0,
) -> dict[str, Any]:
    """A CSV row for a benchmark script's measurement that is not a solve in this process.

    A model's prediction set against a published measurement (``objective`` =
    the prediction, ``reference=Reference(value=..., measured=True)``), or a
    wall time of a command (``runtime_s``): the row has status ``MEASURED``,
    the same columns and provenance as a solve's, and the report treats its
    objective like a solution's (``ref_gap_pct`` is then the error in percent).
    A solve run in another process (``planner solve --json``) passes its
    certificate's ``status``, ``bound``, ``gap`` and ``verified``.
    """
    from types import SimpleNamespace

    task = BenchTask(
        family, SimpleNamespace(name=instance), method, time_limit or 0.0, threads, seed, reference
    )
    row = {
        "status": status,
        "objective": plain_number(objective),
        "bound": plain_number(bound),
        "gap": _round(gap),
        "runtime_s": None if runtime_s is None else round(runtime_s, 4),
        "verified": verified,
        "reason": reason,
        "stats": json.dumps(dict(stats or {}), default=str, sort_keys=True),
    }
    out = finish_row(task, row)
    out["size"] = plain_number(size) if size is not None else out["size"]
    if time_limit is None:
        out["time_limit"] = ""
    return out


def certificate_row(
    certificate: Mapping[str, Any] | Result,
    *,
    family: str | None = None,
    instance: str | None = None,
    method: str | None = None,
    runtime_s: float | None = None,
    time_limit: float | None = None,
    reference: Reference | None = None,
    stats: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A certificate obtained outside :func:`run_bench` as a benchmark row.

    ``certificate`` is the :class:`Result` of a script's own solve, or a line
    of ``planner solve --json`` / ``planner plan ... --json`` run in another
    process. Family, instance, method, limits and seed come from it unless
    given; ``stats`` adds the script's own measurements to the method's.
    """
    if isinstance(certificate, Result):
        certificate = certificate.to_dict(with_solution=False)
    return measurement_row(
        family or certificate["family"],
        instance or certificate["instance"],
        method or certificate["method"],
        status=certificate.get("status") or ERROR,
        objective=certificate.get("objective"),
        bound=certificate.get("bound"),
        gap=certificate.get("gap"),
        verified=bool(certificate.get("verified")),
        reason=certificate.get("reason") or "",
        reference=reference,
        runtime_s=certificate.get("runtime_s") if runtime_s is None else runtime_s,
        time_limit=certificate.get("time_limit") if time_limit is None else time_limit,
        threads=certificate.get("threads") or 1,
        seed=certificate.get("seed") or 0,
        stats={**(certificate.get("stats") or {}), **(stats or {})},
    )


def instance_size(family: Family | None, instance: Any) -> float | None:
    """``family.size(instance)`` (``None`` when the family has no size or it fails)."""
    if family is None or family.size is None:
        return None
    try:
        return plain_number(family.size(instance))
    except Exception:  # a size is for plots only; never lose a row over it
        return None


def reference_columns(row: Mapping[str, Any], ref: Reference | None) -> dict[str, Any]:
    """Gap to the reference value and a sanity check against known bounds.

    ``ref_check`` lists contradictions with the reference (a bug, or a record
    to check twice): ``bound>ref`` (a proven bound above the known optimum or
    upper bound), ``objective<ref`` (an objective below a known lower bound),
    ``solution<unsat`` (a verified solution of an instance known infeasible),
    ``infeasible>ref`` (INFEASIBLE claimed where a solution is known); a
    ``measured`` reference is only compared with (``ref_check`` = ``measured``).
    ``reference`` is the optimum, the best known upper bound, or ``unsat``;
    ``ref_lb`` the best known lower bound (equal to ``reference`` when the
    optimum is known).
    """
    if ref is None:
        return {}
    out: dict[str, Any] = {"reference": "unsat" if ref.infeasible else plain_number(ref.best)}
    lower = ref.value if ref.value is not None else ref.lb
    out["ref_lb"] = None if ref.measured else plain_number(lower)
    objective = row.get("objective")
    bound = row.get("bound")
    best = ref.best
    if _num(objective) and best is not None and best != 0:
        out["ref_gap_pct"] = round(100.0 * (objective - best) / abs(best), 6)
    if ref.measured:
        out["ref_check"] = "measured"
        return out
    checks = []
    ub = ref.value if ref.value is not None else ref.ub
    lb = ref.value if ref.value is not None else ref.lb
    if _num(bound) and ub is not None and bound > ub + 1e-6 * max(1, abs(ub)):
        checks.append("bound>ref")
    if _num(objective) and lb is not None and objective < lb - 1e-6 * max(1, abs(lb)):
        checks.append("objective<ref")
    if ref.infeasible and row.get("verified"):
        checks.append("solution<unsat")
    if row.get("status") == "INFEASIBLE" and best is not None:
        checks.append("infeasible>ref")
    out["ref_check"] = ",".join(checks) or "ok"
    return out


def run_bench(
    tasks: list[BenchTask],
    *,
    csv_path: Path | None,
    jobs: int = 1,
    executor: str = "local",
    address: str | None = None,
    resume: bool = False,
    retries: int = 2,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run tasks, appending each finished row to ``csv_path``.

    Parameters
    ----------
    tasks
        The (instance, method, seed) runs.
    csv_path
        CSV file that rows are appended to (header written when new).
    jobs
        Worker processes (``local``) or tasks in flight (``ray``).
    executor
        ``"local"`` (process pool; in-process when ``jobs == 1``) or ``"ray"``.
    address
        Ray cluster address (``ray`` only; ``None`` starts a local instance).
    resume
        Skip tasks whose ``(instance, method, seed)`` is already in ``csv_path``.
    retries
        How often a task whose worker died (or whose node was lost) is run
        again before it is recorded as ``ERROR`` (``failure`` = ``lost``).
    on_row
        Called with each finished row (progress bars).

    Returns
    -------
    list of dict
        The rows of this run, plus the earlier rows when resuming, in the order of ``tasks``
        (instances, then the method list), whatever order they finished in.

    Raises
    ------
    InputError
        An existing CSV without ``resume``; a CSV of another family or layout
        with it; an unknown executor; ``ray`` without Ray installed.
    """
    if executor not in EXECUTORS:
        raise InputError(f"--executor: unknown executor {executor!r} (local or ray)")
    if address is not None and executor != "ray":
        raise InputError("--address is for --executor ray")
    # reports list methods in order of first appearance: the task order, not finishing order
    # (Ray, --jobs > 1 and the earlier rows of --resume finish in any order)
    order = {t.key: i for i, t in enumerate(tasks)}
    previous: list[dict[str, Any]] = []
    # a device or a pipe (--csv /dev/stdout) has no earlier rows to keep or resume (s30bad:
    # it asked for --resume, then fsync failed on it), as --out / --report treat one
    if csv_path is not None and csv_path.is_file():
        if not resume:
            raise InputError(f"{csv_path}: exists; pass --resume to continue it or remove it")
        families = {t.family for t in tasks}
        previous = open_for_resume(csv_path, families.pop() if len(families) == 1 else "")
        done = {row_key(r) for r in previous}
        tasks = [t for t in tasks if t.key not in done]
    sink = RowSink(csv_path) if csv_path is not None else None
    rows: list[dict[str, Any]] = []
    try:
        for row in execute(tasks, jobs=jobs, executor=executor, address=address, retries=retries):
            if sink is not None:
                sink.write(row)
            rows.append(row)
            if on_row is not None:
                on_row(row)
    finally:
        if sink is not None:
            sink.close()
    return sorted(previous + rows, key=lambda row: order.get(row_key(row), len(order)))


def execute(
    tasks: list[BenchTask],
    *,
    jobs: int,
    executor: str = "local",
    address: str | None = None,
    retries: int = 2,
) -> Iterable[dict[str, Any]]:
    """Rows of ``tasks`` as they finish, on the chosen executor."""
    if not tasks:
        return
    if executor == "ray":
        from planner.bench.ray_executor import ray_rows

        yield from ray_rows(tasks, jobs=jobs, address=address, retries=retries)
        return
    from planner.bench.executors import local_map

    def lost(task: BenchTask, reason: str) -> dict[str, Any]:
        return finish_row(task, error_row(reason, "lost"))

    yield from local_map(run_task, tasks, jobs=jobs, retries=retries, lost=lost)


def family_tasks(
    family_name: str,
    instances: list[Any],
    methods: list[str],
    *,
    time_limit: float,
    threads: int,
    seed: int,
    references: Mapping[str, Reference] | None = None,
    seeds: Iterable[int] | None = None,
) -> list[BenchTask]:
    """The cross product of instances, methods (and seeds) as tasks, methods checked first.

    A method that cannot be loaded (an unknown name, a plugin file that does
    not exist or does not define the function) is bad input here, before any
    task runs.
    """
    family = get_family(family_name)
    for m in methods:
        family.method(m, flag="--methods")
    refs = references or {}
    return [
        BenchTask(family_name, inst, m, time_limit, threads, s, refs.get(inst.name))
        for s in (list(seeds) if seeds is not None else [seed])
        for inst in instances
        for m in methods
    ]


def variant_tasks(
    family_name: str,
    instances: list[Any],
    variants: Mapping[str, Callable[[], Method]],
    *,
    time_limit: float,
    threads: int = 1,
    seeds: Iterable[int] = (0,),
    references: Mapping[str, Reference] | None = None,
) -> list[BenchTask]:
    """Tasks for configured methods (label -> picklable ``variant() -> Method``)."""
    get_family(family_name)
    refs = references or {}
    return [
        BenchTask(
            family_name, inst, label, time_limit, threads, s, refs.get(inst.name), variant=build
        )
        for s in seeds
        for inst in instances
        for label, build in variants.items()
    ]


def with_locators(tasks: list[BenchTask], locators: Mapping[str, str]) -> list[BenchTask]:
    """``tasks`` with plugin methods loaded on the workers as ``locators[method]``."""
    return [replace(t, locator=locators[t.method]) if t.method in locators else t for t in tasks]


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 8)
