"""Every registered family ships a JSON Schema for its solutions; every Result matches it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from planner.core import InputError, Result, Status, families, get_family, solve
from planner.core.schema import RESULT_SCHEMA_PATH, load_schema, result_schema
from planner.core.specs import read_file

INSTANCES = Path(__file__).resolve().parents[2] / "instances"
FAMILIES = sorted(families())


def examples(name: str, fallback: Path) -> list:
    """The first instance of up to four of the family's bundled files (smallest first)."""
    folder = INSTANCES / name
    files = sorted((p for p in folder.glob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    found = []
    for path in files if folder.is_dir() else [fallback]:
        try:
            found.append(read_file(get_family(name), path)[0])
        except (InputError, IndexError):
            continue  # reference tables and the like
        if len(found) == 4:
            break
    return found


def test_result_schema_is_a_valid_schema():
    jsonschema.Draft202012Validator.check_schema(load_schema(RESULT_SCHEMA_PATH))


@pytest.mark.parametrize("name", FAMILIES)
def test_family_ships_a_valid_solution_schema(name):
    family = get_family(name)
    assert family.schema_path.is_file(), f"family {name} must ship {family.schema_path}"
    jsonschema.Draft202012Validator.check_schema(load_schema(family.schema_path))


@pytest.mark.parametrize("name", FAMILIES)
def test_results_match_the_schema(name, toy_file):
    validator = jsonschema.Draft202012Validator(result_schema(name))
    instances = examples(name, toy_file)
    assert instances, f"no bundled example instance of {name} under instances/{name}/"
    statuses = set()
    for inst in instances:
        result = solve(inst, "auto", time_limit=1)
        statuses.add(result.status)
        row = json.loads(json.dumps(result.to_dict()))  # exactly what --json prints
        validator.validate(row)
    if not statuses & {Status.OPTIMAL, Status.FEASIBLE}:
        # a loaded machine can spend every 1 s limit before a first solution: give the
        # smallest instance time, so a solution's row is always checked against the schema
        result = solve(instances[0], "auto", time_limit=60)
        statuses.add(result.status)
        validator.validate(json.loads(json.dumps(result.to_dict())))
    assert statuses & {Status.OPTIMAL, Status.FEASIBLE}  # at least one solution was checked
    failed = Result(name, "x", "auto", Status.UNKNOWN, reason="time limit", time_limit=1.0)
    validator.validate(json.loads(json.dumps(failed.to_dict())))


def test_schema_rejects_what_it_should(toy_file):
    validator = jsonschema.Draft202012Validator(result_schema("toy"))
    row = solve(examples("toy", toy_file)[0], "exact").to_dict()
    validator.validate(row)
    for key, value in [("status", "DONE"), ("solution", {"index": -1}), ("objective", "3")]:
        assert not validator.is_valid({**row, key: value}), key
    assert not validator.is_valid({**row, "status": "INFEASIBLE"})  # INFEASIBLE has no solution
    assert not validator.is_valid({k: v for k, v in row.items() if k != "schema_version"})
