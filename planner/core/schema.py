"""JSON Schemas of planner's output, shipped with the package.

``result.schema.json`` (beside this module) describes a :class:`Result` as
``to_dict()`` / ``solve --json`` give it; each family ships ``schema.json``
beside its instance module for its ``solution`` object
(:attr:`Family.schema_path`). :func:`result_schema` combines the two, so a
script can validate output with any JSON Schema validator, e.g.::

    jsonschema.validate(row, planner.core.schema.result_schema("smtt"))
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.family import Family, get_family

RESULT_SCHEMA_PATH = Path(__file__).with_name("result.schema.json")


def load_schema(path: Path) -> dict[str, Any]:
    """Read a schema file (``InputError`` when missing or malformed)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such schema file") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: malformed JSON schema ({exc.msg})") from None


def result_schema(family: str | Family) -> dict[str, Any]:
    """The schema of ``family``'s results: the core envelope with the family's ``solution``."""
    fam = get_family(family) if isinstance(family, str) else family
    schema = copy.deepcopy(load_schema(RESULT_SCHEMA_PATH))
    solution = load_schema(fam.schema_path)
    solution.pop("$schema", None)
    schema["properties"]["solution"] = {"anyOf": [{"type": "null"}, solution]}
    schema["properties"]["family"] = {"const": fam.name}
    schema["title"] = f"planner Result ({fam.name})"
    return schema
