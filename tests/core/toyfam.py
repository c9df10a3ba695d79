"""A tiny family used to test the core: pick the cheapest item of a list.

It includes deliberately broken methods so the tests can check that the
core's certification catches them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from planner.core import Family, InputError, Method, Result, Status, register
from planner.core.io import emit_instances, iter_jsonl, read_json
from planner.core.specs import select


@dataclass(frozen=True)
class ToyInstance:
    name: str
    costs: tuple[int, ...]
    meta: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.costs:
            raise InputError(f"{self.name}: field 'costs' is empty")
        for i, c in enumerate(self.costs):
            if not isinstance(c, int) or c < 0:
                raise InputError(
                    f"{self.name}: costs[{i}] must be a non-negative integer, got {c!r}"
                )

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "") -> ToyInstance:
        if "costs" not in d:
            raise InputError(f"{where}: missing field 'costs'")
        meta = {k: v for k, v in d.items() if k not in ("name", "costs")}
        return cls(str(d.get("name", where)), tuple(d["costs"]), meta)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "costs": list(self.costs), **self.meta}


@dataclass(frozen=True)
class ToySolution:
    index: int

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ToySolution:
        return cls(int(d["index"]))

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index}


def read(path: Path, selector: str | None) -> list[ToyInstance]:
    if path.suffix == ".jsonl":
        items = [ToyInstance.from_dict(obj, f"{path}:{n}") for n, obj in iter_jsonl(path)]
        return select(items, selector, path)
    return [ToyInstance.from_dict(read_json(path), path.stem)]


def evaluate(inst: ToyInstance, sol: ToySolution) -> int:
    return inst.costs[sol.index]


def verify(inst: ToyInstance, sol: ToySolution) -> list[str]:
    if not 0 <= sol.index < len(inst.costs):
        return [f"index {sol.index} outside 0..{len(inst.costs) - 1}"]
    return []


def lower_bound(inst: ToyInstance) -> int:
    return 0


def _result(inst: ToyInstance, method: str, status: Status, index: int | None, **kw: Any) -> Result:
    sol = None if index is None else ToySolution(index)
    obj = None if index is None or not 0 <= index < len(inst.costs) else inst.costs[index]
    return Result("toy", inst.name, method, status, objective=obj, solution=sol, **kw)


def exact(inst, *, time_limit, threads, seed, hint):
    i = min(range(len(inst.costs)), key=inst.costs.__getitem__)
    return _result(inst, "exact", Status.OPTIMAL, i, bound=inst.costs[i])


def first(inst, *, time_limit, threads, seed, hint):
    return _result(inst, "first", Status.FEASIBLE, 0)


def broken(inst, *, time_limit, threads, seed, hint):
    return _result(inst, "broken", Status.OPTIMAL, len(inst.costs), bound=0.0)


def liar(inst, *, time_limit, threads, seed, hint):
    res = _result(inst, "liar", Status.FEASIBLE, 0)
    res.objective = -1
    return res


def overbound(inst, *, time_limit, threads, seed, hint):
    return _result(inst, "overbound", Status.FEASIBLE, 0, bound=inst.costs[0] + 5)


def crash(inst, *, time_limit, threads, seed, hint):
    raise RuntimeError("boom")


def _worst(inst: ToyInstance) -> int:
    return max(range(len(inst.costs)), key=inst.costs.__getitem__)


def fake_optimal(inst, *, time_limit, threads, seed, hint):
    """An 'exact' method returning the worst item as OPTIMAL with the optimum as objective."""
    res = _result(inst, "fake-optimal", Status.OPTIMAL, _worst(inst))
    res.objective = min(inst.costs)
    return res


def high_bound(inst, *, time_limit, threads, seed, hint):
    """An 'exact' method returning the optimum with a bound above it."""
    res = exact(inst, time_limit=time_limit, threads=threads, seed=seed, hint=hint)
    res.method, res.bound = "high-bound", min(inst.costs) + 1
    return res


def claim_optimal(inst, *, time_limit, threads, seed, hint):
    """A heuristic that claims OPTIMAL for its worst item."""
    return _result(inst, "claim-optimal", Status.OPTIMAL, _worst(inst))


def claim_infeasible(inst, *, time_limit, threads, seed, hint):
    """A heuristic that claims INFEASIBLE (with a reason)."""
    return _result(inst, "claim-infeasible", Status.INFEASIBLE, None, reason="too hard")


def prove_infeasible(inst, *, time_limit, threads, seed, hint):
    """An 'exact' method claiming INFEASIBLE with a reason (trusted, unchecked)."""
    return _result(inst, "prove-infeasible", Status.INFEASIBLE, None, reason="no item fits")


def silent_infeasible(inst, *, time_limit, threads, seed, hint):
    """An 'exact' method claiming INFEASIBLE without a reason."""
    return _result(inst, "silent-infeasible", Status.INFEASIBLE, None)


def refuted_infeasible(inst, *, time_limit, threads, seed, hint):
    """An 'exact' method claiming INFEASIBLE while returning a valid solution."""
    return _result(inst, "refuted-infeasible", Status.INFEASIBLE, 0, reason="wrong")


def gen(
    n: int = typer.Option(3, "--n", min=1),
    seed: int = typer.Option(0, "--seed"),
    out: Path | None = typer.Option(None, "--out"),
) -> None:
    import random

    rng = random.Random(seed)
    emit_instances([ToyInstance(f"toy{seed}", tuple(rng.randint(0, 9) for _ in range(n)))], out)


METHODS = {
    m.name: m
    for m in (
        Method("auto", exact, "portfolio", "exact minimum"),
        Method("exact", exact, "exact", "exact minimum"),
        Method("first", first, "heuristic", "first item"),
        Method("broken", broken, "heuristic", "returns an infeasible index"),
        Method("liar", liar, "heuristic", "misreports its objective"),
        Method("overbound", overbound, "heuristic", "claims a bound above its objective"),
        Method("crash", crash, "heuristic", "raises"),
        Method("fake-optimal", fake_optimal, "exact", "claims OPTIMAL, misreports objective"),
        Method("high-bound", high_bound, "exact", "optimum with a bound above it"),
        Method("claim-optimal", claim_optimal, "heuristic", "heuristic claiming OPTIMAL"),
        Method("claim-infeasible", claim_infeasible, "heuristic", "heuristic claiming INFEASIBLE"),
        Method("prove-infeasible", prove_infeasible, "exact", "claims INFEASIBLE with a reason"),
        Method("silent-infeasible", silent_infeasible, "exact", "claims INFEASIBLE, no reason"),
        Method("refuted-infeasible", refuted_infeasible, "exact", "INFEASIBLE with a solution"),
    )
}

FAMILY = register(
    Family(
        name="toy",
        title="pick the cheapest item (test fixture)",
        instance_type=ToyInstance,
        read=read,
        evaluate=evaluate,
        verify=verify,
        lower_bound=lower_bound,
        solution_from_dict=ToySolution.from_dict,
        methods=METHODS,
        extensions=(".json", ".jsonl"),
        gen_command=gen,
        integer_objective=True,
    )
)
