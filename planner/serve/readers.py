"""Serving problem files: TOML or JSON (one problem, a list, or JSON Lines).

Layout (TOML shown; JSON uses the same keys)::

    name = "chat-70b"
    model = "llama-3.1-70b"          # catalog name or path to a config.json
    gpus = "H100:16,A100:32"         # or a cluster TOML path, or an [inventory] table
    precision = "fp8"                # optional; kv_precision too
    [traffic]
    qps = 20                         # omit for maximum offline throughput
    prompt_tokens = "exp:1024"       # 512, uniform:A-B, exp:M, normal:M,S, lognormal:M,S
    output_tokens = 256
    # trace = "trace.jsonl"          # instead of the lengths (relative to this file)
    [slo]
    ttft = "1s"
    tpot = "50ms"
    percentile = 99
    [constraints]                    # optional: tp, pp, ep, gpu, disaggregation, max_batch, ...
    disaggregation = "allow"
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.io import format_stem, format_suffix, iter_jsonl, read_json, read_toml
from planner.core.specs import select
from planner.serve.instance import ServingProblem


def is_serving(data: Any) -> bool:
    """True when a parsed problem object describes a serving problem (it has ``traffic``)."""
    return isinstance(data, Mapping) and ("traffic" in data or "workloads" in data)


def parse(data: Any, path: Path, *, where: str | None = None) -> list[ServingProblem]:
    """Problems from parsed JSON / TOML data (an object, a list, or ``{problem = [...]}``)."""
    base = path.parent
    if isinstance(data, Mapping) and isinstance(data.get("problem"), list):
        data = data["problem"]
    if isinstance(data, Mapping):
        data = dict(data)
        data.setdefault("name", format_stem(path))
        return [_problem(data, where or str(path), base)]
    if isinstance(data, list):
        if not data:
            raise InputError(f"{path}: empty list, no problem")
        out = []
        for i, item in enumerate(data):
            if not isinstance(item, Mapping):
                raise InputError(f"{path}: item {i} is not an object")
            item = dict(item)
            item.setdefault("name", f"{format_stem(path)}_{i}")
            out.append(_problem(item, f"{path}: item {i}", base))
        return out
    raise InputError(f"{path}: expected a problem object or a list of them")


def _problem(data: Mapping[str, Any], where: str, base: Path) -> ServingProblem:
    """``ServingProblem.from_dict``, every error prefixed with ``where`` (the file): checks
    deeper down (model, GPUs, constraint values, engine) name only the field."""
    try:
        return ServingProblem.from_dict(data, where=where, base=base)
    except InputError as exc:
        if str(exc).startswith(where.split(":")[0]):
            raise
        raise InputError(f"{where}: {exc}") from None


def read(path: str | Path, selector: str | None = None) -> list[ServingProblem]:
    """Read the serving problems of ``path`` (``selector``: ``#NAME`` / ``#INDEX``)."""
    path = Path(path)
    suffix = format_suffix(path)  # under a .gz
    if suffix == ".toml":
        problems = parse(read_toml(path), path)
    elif suffix == ".jsonl":
        problems = []
        for lineno, obj in iter_jsonl(path):
            obj = {"name": f"{format_stem(path)}_{len(problems)}", **obj}
            problems.extend(parse(obj, path, where=f"{path}:{lineno}"))
    else:
        problems = parse(read_json(path), path)
    return select(problems, selector, path)


def companions(path: str | Path) -> list[Path]:
    """Files a problem file names (model config, cluster TOML, trace): never outputs."""
    from planner.core.io import referenced_files

    return referenced_files(path, ("model", "gpus", "trace", "workloads"))
