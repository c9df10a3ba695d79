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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

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
    """

    name: str
    func: MethodFunc
    kind: Literal["exact", "heuristic", "portfolio"]
    summary: str


@dataclass(frozen=True)
class Reference:
    """Reference values for one instance, read by ``planner bench --reference``.

    ``value`` is the optimum or best-known objective; ``lb`` / ``ub`` are the
    best known bounds when the optimum is open.
    """

    value: float | None = None
    lb: float | None = None
    ub: float | None = None

    @property
    def best(self) -> float | None:
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

    def method(self, name: str) -> Method:
        """Look up a method by name, raising ``InputError`` with close matches.

        Besides the registered names, ``FILE.py:FUNCTION`` or ``MODULE:FUNCTION``
        names an external heuristic (see :func:`external_method`), so that
        ``planner bench`` can compare, say, an LLM-discovered rule against the
        family's exact methods.
        """
        if name in self.methods:
            return self.methods[name]
        if ":" in name:
            return external_method(self, name)
        raise unknown_name(f"{self.name} method", name, self.methods)


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
    for module in filter(None, os.environ.get("PLANNER_FAMILIES", "").split(",")):
        importlib.import_module(module.strip())
    _LOADED = True


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


_WARM: set[str] = set()


def warm_up(family: Family) -> None:
    """Run the family's ``warmup`` once in this process (no-op when it has none)."""
    if family.name in _WARM:
        return
    _WARM.add(family.name)
    if family.warmup is not None:
        family.warmup()


def family_of(instance: Any) -> Family:
    """The family whose ``instance_type`` matches ``instance``.

    The instance's own package registered its family when it was imported, so
    the registry is searched before any other family is loaded.
    """
    for registry in (_REGISTRY, None):
        for family in (registry if registry is not None else families()).values():
            if isinstance(instance, family.instance_type):
                return family
    raise TypeError(f"no registered family handles {type(instance).__name__}")


def external_method(family: Family, spec: str) -> Method:
    """Load ``FILE.py:FUNCTION`` or ``MODULE:FUNCTION`` as a method of ``family``.

    The function is called as ``func(instance)`` and returns either a family
    ``Solution`` (treated as a heuristic answer) or a full ``Result``. The
    certificate is then built by ``certify`` like any other method's.
    """
    import importlib.util
    import time

    from planner.core.errors import InputError
    from planner.core.result import Status

    target, _, attr = spec.rpartition(":")
    try:
        if target.endswith(".py"):
            path = Path(target).resolve()
            if not path.is_file():
                raise InputError(f"--method {spec}: no such file {target}")
            loader = importlib.util.spec_from_file_location(f"planner_ext_{path.stem}", path)
            module = importlib.util.module_from_spec(loader)
            loader.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            f"--method {spec}: cannot import {target} ({type(exc).__name__}: {exc})"
        ) from None
    func = getattr(module, attr, None)
    if not callable(func):
        raise InputError(f"--method {spec}: {target} has no function {attr!r}")

    def run(
        instance: Any, *, time_limit: float, threads: int, seed: int, hint: Any | None
    ) -> Result:
        start = time.perf_counter()
        out = func(instance)
        if isinstance(out, Result):
            out.method = spec
            return out
        return Result(
            family.name,
            getattr(instance, "name", ""),
            spec,
            Status.FEASIBLE,
            solution=out,
            runtime_s=time.perf_counter() - start,
        )

    return Method(spec, run, "heuristic", f"external function {attr} from {target}")
