"""Problem files: TOML or JSON (one problem), JSON Lines (several).

Layout (TOML shown; JSON uses the same keys)::

    name = "gpt-1t-3072"
    model = "gpt-1t"            # catalog name, a config.json path (relative to this file)
                                # or an inline table of Hugging Face config fields
    gpus = "3072xA100"          # or a [cluster] table with [[cluster.pool]] entries
    gpus_per_node = 8           # optional
    [workload]
    global_batch = 3072
    seq_len = 2048
    precision = "bf16"          # optional
    [constraints]               # optional: tp, pp, dp, cp, ep, microbatch, interleave,
    tp = 8                      # recompute, zero, sequence_parallel, stage_layers, max_gpus,
                                # use_all_gpus, max_tp, objective, overlap_grad_reduce
    [meta]                      # optional free-form data (published results, top_k)
    published_tflops = 163
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.io import (
    format_stem,
    format_suffix,
    iter_jsonl,
    read_json_or_lines,
    read_toml,
)
from planner.core.specs import select
from planner.train.instance import TrainingProblem


def _resolve(data: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """Make a relative model/cluster file path relative to the problem file."""
    out = dict(data)
    for key in ("model", "gpus", "cluster"):
        value = out.get(key)
        if isinstance(value, str) and value.endswith((".json", ".toml")):
            cand = (path.parent / value).resolve()
            if cand.exists():
                out[key] = str(cand)
    if "name" not in out:
        out["name"] = format_stem(path)
    return out


def problem_from_mapping(data: Any, path: Path, where: str) -> TrainingProblem:
    """Build one problem, prefixing errors with ``where``."""
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: expected an object")
    try:
        return TrainingProblem.from_dict(_resolve(data, path), where=where)
    except InputError as exc:
        msg = str(exc)
        raise InputError(msg if msg.startswith(where) else f"{where}: {msg}") from None


def read(path: Path, selector: str | None = None) -> list[TrainingProblem]:
    """Parse a problem file (``.toml``, ``.json``, ``.jsonl``); ``selector`` picks one by name/index."""
    path = Path(path)
    suffix = format_suffix(path)  # under a .gz
    if suffix == ".toml":
        problems = [problem_from_mapping(read_toml(path), path, str(path))]
    elif suffix == ".jsonl":
        problems = [
            problem_from_mapping(obj, path, f"{path}:{line}") for line, obj in iter_jsonl(path)
        ]
    elif suffix == ".json":
        data = read_json_or_lines(path)  # JSON Lines too (gen --count N -o x.json)
        if isinstance(data, list):
            problems = [
                problem_from_mapping(obj, path, f"{path}[{i}]") for i, obj in enumerate(data)
            ]
        else:
            problems = [problem_from_mapping(data, path, str(path))]
    else:
        raise InputError(f"{path}: expected a .toml, .json or .jsonl problem file")
    return select(problems, selector, path)


def companions(path: str | Path) -> list[Path]:
    """Files a problem file names (model config, cluster TOML): never outputs."""
    from planner.core.io import referenced_files

    return referenced_files(path, ("model", "gpus", "cluster"))
