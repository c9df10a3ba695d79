"""The family contract and the registry of families.

A family is a problem class (SMTT, RCPSP, training plans, ...). Each family
package builds one :class:`Family` describing its instance type, readers,
methods, ``evaluate`` / ``verify`` / ``lower_bound`` and optional CLI pieces,
and registers it with :func:`register` when imported. The registry imports
family packages lazily, so ``planner families`` lists exactly what exists.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from planner.core import validate
from planner.core.errors import InputError, unknown_name
from planner.core.result import Result

#: Family packages in display order; a package that does not exist yet is skipped.
#: More families can be plugged in with ``PLANNER_FAMILIES=module.a,module.b``.
KNOWN_FAMILIES = ("smtt", "rcpsp", "train", "serve", "seqpar", "pipelining", "offload")
#: Names of families that were split or renamed, with where to go instead.
RENAMED_FAMILIES = {
    "parallel": "family 'parallel' was split into 'train' (training plans) and 'serve' "
    "(serving plans): use `planner solve train ...` or `planner solve serve ...`",
}


class MethodFunc(Protocol):
    """Signature every method implements."""

    def __call__(
        self,
        instance: Any,
        *,
        time_limit: float,
        threads: int,
        seed: int,
        hint: Any | None,
    ) -> Result: ...


@dataclass(frozen=True)
class Method:
    """A named solving method of a family.

    Attributes
    ----------
    name
        CLI name (``--method``), lower-case with dashes.
    func
        ``func(instance, *, time_limit, threads, seed, hint) -> Result``.
    kind
        ``"exact"`` (reports the solver's proven bound, can prove optimality),
        ``"heuristic"`` (reports the family's ``lower_bound``) or
        ``"portfolio"`` (combines both, e.g. ``auto``).
    summary
        One line shown by ``planner families``.
    proves_optimality
        Whether :func:`planner.core.solve.certify` accepts this method's claim
        of OPTIMAL (beyond what its verified objective and a valid bound
        prove). Defaults to True for ``exact`` and ``portfolio`` methods,
        False for heuristics.
    proves_infeasibility
        Whether its claim of INFEASIBLE (with a reason) is accepted. Defaults
        like ``proves_optimality``; a family may set it on a built-in
        heuristic that runs the family's own infeasibility proofs.
    external
        True for a function loaded from outside the package (``FILE.py:FUNC``,
        ``module:func``, bench plugins): always a heuristic, never trusted
        with a claim or a bound, run in an isolated worker process.
    prepare
        Optional ``prepare(instance)`` run by :func:`planner.core.solve.solve`
        before the clock starts (e.g. starting a worker process), like the
        family's ``warmup``.
    warmup
        What this method loads before its clock starts (its compiled kernels,
        the solver library it calls), run once per process by :func:`warm_up`;
        ``None`` runs the family's whole ``warmup``, :func:`no_warmup` nothing
        (a pure Python / numpy method need not wait for kernels it never calls).
    warmup_for
        Optional ``warmup_for(instance)``: the smaller warm-up this instance's run needs, or
        ``None`` for ``warmup``. :func:`planner.core.solve.solve` knows the instance and asks
        (smtt: an unweighted instance never reaches CP-SAT, whose import with pandas took
        245 ms of a 1.4 s small solve); ``planner warmup`` still loads everything.
    """

    name: str
    func: MethodFunc
    kind: Literal["exact", "heuristic", "portfolio"]
    summary: str
    proves_optimality: bool | None = None
    proves_infeasibility: bool | None = None
    external: bool = False
    prepare: Callable[[Any], None] | None = None
    warmup: Callable[[], None] | None = None
    warmup_for: Callable[[Any], Callable[[], None] | None] | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("exact", "heuristic", "portfolio"):
            raise ValueError(f"method {self.name!r}: unknown kind {self.kind!r}")
        default = self.kind != "heuristic" and not self.external
        for attr in ("proves_optimality", "proves_infeasibility"):
            if getattr(self, attr) is None:
                object.__setattr__(self, attr, default)
        if self.external and (
            self.kind != "heuristic" or self.proves_optimality or self.proves_infeasibility
        ):
            raise ValueError(f"external method {self.name!r} can only be a heuristic")


@dataclass(frozen=True)
class Reference:
    """Reference values for one instance, read by ``planner bench --reference``.

    ``value`` is the optimum or best-known objective; ``lb`` / ``ub`` are the
    best known bounds when the optimum is open; ``infeasible`` marks an
    instance proven to have no solution (RCPSP/max ``unsat``); ``measured``
    marks ``value`` as a measurement to compare with (a published step time,
    a throughput), not a bound: gaps to it are errors and no bound is checked.
    """

    value: int | float | None = None
    lb: int | float | None = None
    ub: int | float | None = None
    infeasible: bool = False
    measured: bool = False

    @property
    def best(self) -> int | float | None:
        """The value to measure gaps against: the optimum, else the best known upper bound."""
        return self.value if self.value is not None else self.ub


@dataclass(frozen=True)
class Family:
    """Everything the core needs to know about a problem family.

    Attributes
    ----------
    name
        Short name used on the CLI.
    title
        One-line description.
    instance_type
        The family's ``Instance`` class (frozen dataclass with ``name``,
        ``to_dict`` and ``from_dict``).
    read
        ``read(path, selector) -> list[Instance]``: parse one file; ``selector``
        is the part after ``#`` in ``FILE#NAME`` / ``FILE#INDEX`` (or None).
    evaluate
        ``evaluate(instance, solution) -> float``, recomputed from scratch.
    verify
        ``verify(instance, solution) -> list[str]``: violated constraints, empty
        when feasible; independent of any solver model.
    lower_bound
        ``lower_bound(instance) -> float``: cheap valid bound.
    solution_from_dict
        Rebuild a solution (for hints and for checking saved solutions).
    methods
        Methods by name; must contain ``"auto"``.
    extensions
        File suffixes taken when a directory is given as input.
    suites
        Named benchmark suites: name -> specs relative to the data directory.
    reference
        ``reference(spec, instances) -> {instance name: Reference}`` for
        ``bench --reference``; the default reads a field of ``instance.meta``.
    plot
        ``plot(instance, result, path)`` writes a picture of the solution.
    gen_command
        Typer command function for ``planner gen <family>``.
    commands
        Extra top-level Typer apps (e.g. ``{"plan": plan_app}``).
    warmup
        ``warmup()`` loads (or, once per installation, compiles) the family's
        JIT kernels; :func:`warm_up` runs it once per process before any timed
        run, so compilation never eats a method's time limit.
    integer_objective
        True when every objective (and so every valid bound, rounded up) is an
        integer: the core then keeps objectives as Python ``int`` end to end
        (JSON, CSV, tables), never ``float``, so 10**18 + 17 prints exactly.
    plugin_view
        ``plugin_view(instance)``: what an outside heuristic (``--heuristic``,
        ``-m FILE.py:FUNC``, ``module:func``) receives instead of the
        instance: plain Python / numpy data, documented in the README's Contributing
        section and kept stable, so a plugin needs nothing of planner. Without
        it the plugin receives the instance itself.
    plugin_solution
        ``plugin_solution(instance, answer) -> Solution``: the plugin's answer
        in the family's native form (a job order, a priority list, a layout
        dict, ...) turned into a ``Solution`` (a ``Solution`` passes through);
        raises ``TypeError``/``ValueError`` naming what was expected when the
        answer has the wrong form (recorded as a ``type`` failure). Without
        it the plugin must return a ``Solution``.
    plugin_driver
        Optional module-level ``driver(func, view)`` run in the plugin's worker
        process instead of ``func(view)``: for a family whose plugin gets part
        of the view and is fed the rest (offload hands a policy its context and
        then the trace step by step). Its answer goes to ``plugin_solution``;
        its time counts against the plugin's limit.
    plugin_warmup
        Optional: what ``plugin_solution`` loads in this process (rcpsp decodes a priority
        list with its compiled SGS), run before the plugin's clock starts as a built-in
        method's ``warmup`` is. Without it a plugin method loads nothing here: its function
        runs in its own worker.
    size
        ``size(instance) -> float``: the instance's size (jobs, activities,
        GPUs, ...) for benchmark plots of gap and time against size.
    size_label
        What ``size`` counts, with its unit (axis label of those plots).
    companions
        ``companions(path) -> paths``: other files an input file makes the reader
        open (offload's ``.npy`` counts and ``.json`` header); outputs never
        overwrite them either.
    """

    name: str
    title: str
    instance_type: type
    read: Callable[[Path, str | None], list[Any]]
    evaluate: Callable[[Any, Any], float]
    verify: Callable[[Any, Any], list[str]]
    lower_bound: Callable[[Any], float]
    solution_from_dict: Callable[[Mapping[str, Any]], Any]
    methods: Mapping[str, Method]
    extensions: tuple[str, ...] = (".json",)
    suites: Mapping[str, Sequence[str]] = field(default_factory=dict)
    reference: Callable[[str, Sequence[Any]], dict[str, Reference]] | None = None
    plot: Callable[[Any, Result, Path], None] | None = None
    gen_command: Callable[..., Any] | None = None
    commands: Mapping[str, Any] = field(default_factory=dict)
    warmup: Callable[[], None] | None = None
    integer_objective: bool = False
    plugin_view: Callable[[Any], Any] | None = None
    plugin_solution: Callable[[Any, Any], Any] | None = None
    plugin_driver: Callable[[Callable[[Any], Any], Any], Any] | None = None
    plugin_warmup: Callable[[], None] | None = None
    size: Callable[[Any], float] | None = None
    size_label: str = "instance size"
    companions: Callable[[Path], Sequence[Path]] | None = None

    def draw(self, instance: Any, result: Result, plot: Path, several: bool) -> None:
        """``--plot``: draw ``result`` (to a per-instance file when ``several``), or say on
        one stderr line why nothing was written (no solution)."""
        from planner.core import console
        from planner.core.io import plot_path

        target = plot_path(plot, result.instance, several)
        if result.solution is None:
            console.no_plot("--plot", target, result)
        elif self.plot is not None:
            self.plot(instance, result, target)

    def input_files(self, paths: Sequence[Path]) -> list[Path]:
        """``paths`` and the files each makes the reader open (see ``companions``)."""
        out = list(paths)
        if self.companions is not None:
            out += [c for path in paths for c in self.companions(path)]
        return out

    @property
    def solution_type(self) -> type | None:
        """The family's ``Solution`` class when ``solution_from_dict`` is its classmethod."""
        owner = getattr(self.solution_from_dict, "__self__", None)
        return owner if isinstance(owner, type) else None

    @property
    def schema_path(self) -> Path:
        """JSON Schema of the family's ``solution`` objects: ``schema.json`` beside its instance module.

        The core's ``result.schema.json`` (:mod:`planner.core.schema`) describes
        the rest of a Result; every registered family must ship this file (a
        test checks it). With several instance types, the first one's folder.
        """
        kinds = (
            self.instance_type if isinstance(self.instance_type, tuple) else (self.instance_type,)
        )
        module = sys.modules.get(kinds[0].__module__)
        return Path(getattr(module, "__file__", "") or ".").resolve().parent / "schema.json"

    def method(self, name: str, *, flag: str = "--method") -> Method:
        """Look up a method by name, raising ``InputError`` with close matches.

        Besides the registered names, ``FILE.py:FUNCTION`` or ``MODULE:FUNCTION``
        names an external heuristic run in an isolated worker process (see
        :mod:`planner.core.external`), so that ``planner bench`` can compare,
        say, an LLM-discovered rule against the family's exact methods.
        ``flag`` is the option named in error messages.
        """
        if name in self.methods:
            return self.methods[name]
        if ":" in name:
            from planner.core.external import external_method

            return external_method(self, name, flag=flag)
        # "unknown smtt method 'x'" named no flag (s28bad); a library caller reads "method"
        raise InputError(
            f"{validate.arg('method', flag)}: {unknown_name(f'{self.name} method', name, self.methods)}"
        )


_REGISTRY: dict[str, Family] = {}
_LOADED = False


def register(family: Family) -> Family:
    """Add a family to the registry (called by each family package on import)."""
    if "auto" not in family.methods:
        raise ValueError(f"family {family.name!r} must provide an 'auto' method")
    _REGISTRY[family.name] = family
    return family


def _import_family(name: str) -> None:
    module = f"planner.{name}"
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:  # a real missing dependency inside the family
            raise


def _load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    for name in KNOWN_FAMILIES:
        _import_family(name)
    # Out-of-tree families (and test fixtures): modules that call register() on import.
    for module in plugged_families():
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise InputError(f"PLANNER_FAMILIES: cannot import {module!r} ({exc})") from None
    _LOADED = True


def plugged_families() -> list[str]:
    """Modules named in ``$PLANNER_FAMILIES`` (comma-separated), checked to exist.

    Raises
    ------
    InputError
        When a module cannot be found (checked without importing it).
    """
    from planner.core.isolation import locate_module

    names = [m.strip() for m in os.environ.get("PLANNER_FAMILIES", "").split(",") if m.strip()]
    for name in names:
        if name not in sys.modules and locate_module(name) is None:
            raise InputError(f"PLANNER_FAMILIES: no module named {name!r}")
    return names


def families() -> dict[str, Family]:
    """All registered families, in display order."""
    _load_all()
    order = {name: i for i, name in enumerate(KNOWN_FAMILIES)}
    return dict(sorted(_REGISTRY.items(), key=lambda kv: order.get(kv[0], len(order))))


def get_family(name: str) -> Family:
    """Look up a family by name, raising ``InputError`` listing the closest names.

    Only the named family's package is imported when it is a known one.
    """
    if name not in _REGISTRY and name in KNOWN_FAMILIES:
        _import_family(name)
    found = _REGISTRY.get(name) or families().get(name)
    if found is None:
        if name in RENAMED_FAMILIES:
            raise InputError(RENAMED_FAMILIES[name])
        raise unknown_name("family", name, families())
    return found


_WARM: set[str] = set()  # families whose whole warmup ran in this process
_RAN: set[Callable[[], None]] = set()  # method warm-ups that ran


def no_warmup() -> None:
    """The ``warmup`` of a method that loads nothing (no compiled kernels, no solver library)."""


def _hook(family: Family, method: Method | None, instance: Any = None) -> Callable[[], None] | None:
    if method is not None and instance is not None and method.warmup_for is not None:
        narrow = method.warmup_for(instance)
        if narrow is not None:
            return narrow
    if method is not None and method.warmup is not None:
        return method.warmup
    return family.warmup


def is_warm(family: Family, method: Method | None = None, instance: Any = None) -> bool:
    """Whether what ``method`` (default: the whole family) loads for ``instance`` (default:
    any instance) is already loaded."""
    hook = _hook(family, method, instance)
    return hook is None or hook is no_warmup or family.name in _WARM or hook in _RAN


def warm_up(family: Family, method: Method | None = None, instance: Any = None) -> None:
    """Load what ``method`` needs (its ``warmup``; default the family's), once per process.

    Without a method, or for a method without its own ``warmup``, the family's whole
    ``warmup`` runs (``planner warmup`` and portfolios that call every kernel). With an
    ``instance``, a method's ``warmup_for`` may name a smaller warm-up for it.
    """
    if is_warm(family, method, instance):
        return
    hook = _hook(family, method, instance)
    assert hook is not None  # is_warm covers None
    _RAN.add(hook)
    if hook is family.warmup:
        _WARM.add(family.name)
    hook()


def family_of(instance: Any) -> Family:
    """The family whose ``instance_type`` matches ``instance``.

    The instance's own package registered its family when it was imported, so
    the registry is searched before any other family is loaded.
    """
    for registry in (_REGISTRY, None):
        for family in (registry if registry is not None else families()).values():
            if isinstance(instance, family.instance_type):
                return family
    raise InputError(f"no registered family handles {type(instance).__name__} objects")
