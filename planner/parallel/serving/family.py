"""One ``parallel`` family for training and serving: dispatch on the instance type.

The core's :class:`~planner.core.family.Family` has one ``instance_type`` and
one set of functions. :func:`with_serving` extends the training family so
that ``family_of`` recognises :class:`ServingProblem` too (``instance_type``
becomes a tuple, which ``isinstance`` accepts) and every function and method
routes a serving problem to the serving implementation and anything else to
the training one. Files are routed by content: a problem with a
``traffic`` table is a serving problem. It also adds the ``serve`` command to
the family's ``plan`` Typer app.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.family import Family, Method
from planner.core.io import read_json, read_text, read_toml
from planner.parallel.serving import readers as serving_readers
from planner.parallel.serving.bounds import lower_bound as serving_lower_bound
from planner.parallel.serving.evaluate import evaluate as serving_evaluate
from planner.parallel.serving.evaluate import verify as serving_verify
from planner.parallel.serving.instance import ServingPlan, ServingProblem
from planner.parallel.serving.methods import SERVING_METHODS


def _is_serving_file(path: Path) -> bool:
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            data: Any = read_toml(path)
        elif suffix == ".jsonl":
            first = next((ln for ln in read_text(path).splitlines() if ln.strip()), "")
            data = json.loads(first) if first else None
        else:
            data = read_json(path)
    except (InputError, json.JSONDecodeError):
        return False  # let the training reader report the error in its own words
    if isinstance(data, Mapping) and isinstance(data.get("problem"), list):
        data = data["problem"]
    if isinstance(data, list):
        data = data[0] if data else None
    return serving_readers.is_serving(data)


def _dispatch(serving: Callable[..., Any], training: Callable[..., Any]) -> Callable[..., Any]:
    def run(instance: Any, *args: Any, **kwargs: Any) -> Any:
        func = serving if isinstance(instance, ServingProblem) else training
        return func(instance, *args, **kwargs)

    run.__doc__ = f"Serving: {serving.__doc__}\n\nTraining: {training.__doc__}"
    return run


def _method(name: str, serving: Method | None, training: Method | None) -> Method:
    def run(instance: Any, **kwargs: Any) -> Any:
        is_serving = isinstance(instance, ServingProblem)
        chosen = serving if is_serving else training
        if chosen is None:
            kind = "serving" if is_serving else "training"
            names = sorted(SERVING_METHODS) if is_serving else sorted(_TRAINING_NAMES)
            raise InputError(
                f"method {name!r} does not apply to {kind} problems ({kind} methods: "
                f"{', '.join(names)})"
            )
        return chosen.func(instance, **kwargs)

    base = training or serving
    assert base is not None
    if serving is not None and training is not None:
        summary = f"{training.summary} | {serving.summary}"
        kind = training.kind if training.kind == serving.kind else "portfolio"
    else:
        summary, kind = base.summary, base.kind
    return Method(name, run, kind, summary)


_TRAINING_NAMES: set[str] = set()


def with_serving(family: Family) -> Family:
    """The training family extended to serving problems (see the module docstring)."""
    from planner.parallel.serving.cli import serve

    _TRAINING_NAMES.update(family.methods)
    names = list(family.methods) + [n for n in SERVING_METHODS if n not in family.methods]
    methods = {n: _method(n, SERVING_METHODS.get(n), family.methods.get(n)) for n in names}
    training_type = family.instance_type
    types = training_type if isinstance(training_type, tuple) else (training_type,)

    def read(path: Path, selector: str | None = None) -> list[Any]:
        path = Path(path)
        if _is_serving_file(path):
            return serving_readers.read(path, selector)
        return family.read(path, selector)

    def solution_from_dict(data: Mapping[str, Any]) -> Any:
        if isinstance(data, Mapping) and "replicas" in data:
            return ServingPlan.from_dict(data)
        return family.solution_from_dict(data)

    plot = family.plot
    if plot is not None:
        training_plot = plot

        def plot(instance: Any, result: Any, path: Path) -> None:
            if isinstance(instance, ServingProblem):
                raise InputError("--plot: serving plans have no plot (use the tables)")
            training_plot(instance, result, path)

    plan_app = family.commands.get("plan")
    if plan_app is not None and not any(
        getattr(c, "name", None) == "serve" for c in plan_app.registered_commands
    ):
        plan_app.command("serve")(serve)
    return dataclasses.replace(
        family,
        instance_type=(*types, ServingProblem),
        read=read,
        evaluate=_dispatch(serving_evaluate, family.evaluate),
        verify=_dispatch(serving_verify, family.verify),
        lower_bound=_dispatch(serving_lower_bound, family.lower_bound),
        solution_from_dict=solution_from_dict,
        methods=methods,
        plot=plot,
    )
